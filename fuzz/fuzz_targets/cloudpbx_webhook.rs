#![no_main]
//! `cloudpbx_webhook`: see `callpop_fuzz::targets::cloudpbx_webhook`.

libfuzzer_sys::fuzz_target!(
    init: callpop_fuzz::warm_up(),
    |data: &[u8]| callpop_fuzz::cloudpbx_webhook(data)
);
