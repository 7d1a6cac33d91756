#![no_main]
//! `autodialer_webhook`: see `callpop_fuzz::targets::autodialer_webhook`.

libfuzzer_sys::fuzz_target!(
    init: callpop_fuzz::warm_up(),
    |data: &[u8]| callpop_fuzz::autodialer_webhook(data)
);
