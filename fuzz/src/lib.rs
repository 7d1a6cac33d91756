//! Callpop's fuzz targets as plain functions (see [`targets`]); `fuzz_targets/` hands each one
//! to libFuzzer.

pub mod targets;

pub use targets::*;
