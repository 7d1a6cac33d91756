#![no_main]
//! `csv_import`: see `callpop_fuzz::targets::csv_import`.

libfuzzer_sys::fuzz_target!(
    init: callpop_fuzz::warm_up(),
    |data: &[u8]| callpop_fuzz::csv_import(data)
);
