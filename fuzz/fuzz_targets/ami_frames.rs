#![no_main]
//! `ami_frames`: see `callpop_fuzz::targets::ami_frames`.

libfuzzer_sys::fuzz_target!(
    init: callpop_fuzz::warm_up(),
    |data: &[u8]| callpop_fuzz::ami_frames(data)
);
