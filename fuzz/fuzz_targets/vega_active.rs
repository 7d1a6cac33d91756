#![no_main]
//! `vega_active`: see `callpop_fuzz::targets::vega_active`.

libfuzzer_sys::fuzz_target!(
    init: callpop_fuzz::warm_up(),
    |data: &[u8]| callpop_fuzz::vega_active(data)
);
