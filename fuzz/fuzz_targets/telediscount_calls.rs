#![no_main]
//! `telediscount_calls`: see `callpop_fuzz::targets::telediscount_calls`.

libfuzzer_sys::fuzz_target!(
    init: callpop_fuzz::warm_up(),
    |data: &[u8]| callpop_fuzz::telediscount_calls(data)
);
