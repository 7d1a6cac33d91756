//! One module per PBX. Each turns its PBX's dialect into [`callpop_core::CallEvent`]s and offers
//! what the PBX can do (click-to-call, ...). Nothing here talks to the UI.
//!
//! [`Account`] is the one dispatch point: it starts the right provider for an
//! [`AccountConfig`](callpop_core::AccountConfig) and hides which one it is from the app and the
//! CLI. A new provider is a new module plus one arm in `account.rs`.

pub mod account;
pub mod vega;

pub use account::{Account, ProviderError};
