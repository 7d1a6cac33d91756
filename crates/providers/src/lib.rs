//! One module per PBX. Each turns its PBX's dialect into [`callpop_core::CallEvent`]s and offers
//! what the PBX can do (click-to-call, ...). Nothing here talks to the UI.
//!
//! [`Account`] is the one dispatch point: it starts the right provider for an
//! [`AccountConfig`](callpop_core::AccountConfig) and hides which one it is from the app and the
//! CLI. A new provider is a new module plus one arm in `account.rs`.
//!
//! - [`vega`]: Vega PBX (REST polling, webhooks, CRM Teler);
//! - [`cloudpbx`]: the CommuniGate-based cloud PBX's CRM API (`crm_api.wcgp`): commands to the
//!   PBX, and its `event` / `contact` / `history` webhooks;
//! - [`webhook`]: the framework-free request and reply every provider's webhook handlers share.

pub mod account;
pub mod cloudpbx;
pub mod vega;
pub mod webhook;

pub use account::{Account, ProviderError};
