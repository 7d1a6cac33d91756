#![no_main]
//! `relay_resume`: see `callpop_fuzz::targets::relay_resume`.

libfuzzer_sys::fuzz_target!(
    init: callpop_fuzz::warm_up(),
    |data: &[u8]| callpop_fuzz::relay_resume(data)
);
