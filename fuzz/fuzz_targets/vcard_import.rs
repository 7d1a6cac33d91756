#![no_main]
//! `vcard_import`: see `callpop_fuzz::targets::vcard_import`.

libfuzzer_sys::fuzz_target!(
    init: callpop_fuzz::warm_up(),
    |data: &[u8]| callpop_fuzz::vcard_import(data)
);
