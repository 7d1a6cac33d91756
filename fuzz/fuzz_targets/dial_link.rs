#![no_main]
//! `dial_link`: see `callpop_fuzz::targets::dial_link`.

libfuzzer_sys::fuzz_target!(
    init: callpop_fuzz::warm_up(),
    |data: &[u8]| callpop_fuzz::dial_link(data)
);
