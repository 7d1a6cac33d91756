#![no_main]
//! `vega_history`: see `callpop_fuzz::targets::vega_history`.

libfuzzer_sys::fuzz_target!(
    init: callpop_fuzz::warm_up(),
    |data: &[u8]| callpop_fuzz::vega_history(data)
);
