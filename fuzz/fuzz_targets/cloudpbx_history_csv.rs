#![no_main]
//! `cloudpbx_history_csv`: see `callpop_fuzz::targets::cloudpbx_history_csv`.

libfuzzer_sys::fuzz_target!(
    init: callpop_fuzz::warm_up(),
    |data: &[u8]| callpop_fuzz::cloudpbx_history_csv(data)
);
