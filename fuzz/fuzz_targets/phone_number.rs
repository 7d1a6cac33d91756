#![no_main]
//! `phone_number`: see `callpop_fuzz::targets::phone_number`.

libfuzzer_sys::fuzz_target!(
    init: callpop_fuzz::warm_up(),
    |data: &[u8]| callpop_fuzz::phone_number(data)
);
