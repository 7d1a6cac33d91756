#![no_main]
//! `relay_config`: see `callpop_fuzz::targets::relay_config`.

libfuzzer_sys::fuzz_target!(
    init: callpop_fuzz::warm_up(),
    |data: &[u8]| callpop_fuzz::relay_config(data)
);
