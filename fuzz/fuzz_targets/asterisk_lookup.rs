#![no_main]
//! `asterisk_lookup`: see `callpop_fuzz::targets::asterisk_lookup`.

libfuzzer_sys::fuzz_target!(
    init: callpop_fuzz::warm_up(),
    |data: &[u8]| callpop_fuzz::asterisk_lookup(data)
);
