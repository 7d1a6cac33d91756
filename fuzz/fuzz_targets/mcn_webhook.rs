#![no_main]
//! `mcn_webhook`: see `callpop_fuzz::targets::mcn_webhook`.

libfuzzer_sys::fuzz_target!(
    init: callpop_fuzz::warm_up(),
    |data: &[u8]| callpop_fuzz::mcn_webhook(data)
);
