#![no_main]
//! `relay_http`: see `callpop_fuzz::targets::relay_http`.

libfuzzer_sys::fuzz_target!(
    init: callpop_fuzz::warm_up(),
    |data: &[u8]| callpop_fuzz::relay_http(data)
);
