#![no_main]
//! `mcn_call_log`: see `callpop_fuzz::targets::mcn_call_log`.

libfuzzer_sys::fuzz_target!(
    init: callpop_fuzz::warm_up(),
    |data: &[u8]| callpop_fuzz::mcn_call_log(data)
);
