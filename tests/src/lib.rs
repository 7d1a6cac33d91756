//! Shared helpers of the end-to-end tests in `tests/`.

pub mod desktop;
pub mod lab;
pub mod screen;
pub mod vega_desk;
pub mod webdriver;
