#![no_main]
//! `telediscount_webhook`: see `callpop_fuzz::targets::telediscount_webhook`.

libfuzzer_sys::fuzz_target!(
    init: callpop_fuzz::warm_up(),
    |data: &[u8]| callpop_fuzz::telediscount_webhook(data)
);
