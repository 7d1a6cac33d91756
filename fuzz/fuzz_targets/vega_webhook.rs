#![no_main]
//! `vega_webhook`: see `callpop_fuzz::targets::vega_webhook`.

libfuzzer_sys::fuzz_target!(
    init: callpop_fuzz::warm_up(),
    |data: &[u8]| callpop_fuzz::vega_webhook(data)
);
