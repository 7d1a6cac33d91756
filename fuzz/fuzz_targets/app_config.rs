#![no_main]
//! `app_config`: see `callpop_fuzz::targets::app_config`.

libfuzzer_sys::fuzz_target!(
    init: callpop_fuzz::warm_up(),
    |data: &[u8]| callpop_fuzz::app_config(data)
);
