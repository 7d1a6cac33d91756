#![no_main]
//! `ari_events`: see `callpop_fuzz::targets::ari_events`.

libfuzzer_sys::fuzz_target!(
    init: callpop_fuzz::warm_up(),
    |data: &[u8]| callpop_fuzz::ari_events(data)
);
