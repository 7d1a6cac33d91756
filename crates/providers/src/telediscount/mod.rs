//! Telediscount (`docs/providers/telediscount.md`): a hosted PBX whose CRM API is three GET
//! methods under `https://my.telediscount.ru/api.php/telephony/`, keyed by `abonent_api_key`,
//! and two GET webhooks it calls on the CRM.
//!
//! - [`client`]: CRM → Telediscount: `outcome` (click-to-call from the user's SIP account, e.g.
//!   `SIP/0000000672`, which is "me"), `get_calls` (history, filters `api_call_id`, `num_a`,
//!   `num_m`, `num_b`), `get_record` (a recording);
//! - [`webhook`]: Telediscount → CRM: `income` (start of an incoming call) and `call_finished`
//!   (end of a call), GET query strings with no token, so a [`TokenlessGuard`] (secret path
//!   segment + IP allow-list) stands in front; [`TelediscountWebhooks::handle`] is the one entry
//!   point the relay mounts;
//! - [`wire`]: the `get_calls` records and their mapping to [`callpop_core::CallRecord`];
//! - [`error`]: what goes wrong.
//!
//! Nothing is polled: live calls come only through the webhooks.
//!
//! [`TokenlessGuard`]: crate::tokenless_guard::TokenlessGuard

pub mod client;
pub mod error;
pub mod examples;
pub(crate) mod provider;
pub mod webhook;
pub mod wire;

pub use client::{
    CallFilter, OutcomeAnswer, Recording, TelediscountClient, TelediscountSettings, API_PATH,
    DEFAULT_BASE_URL,
};
pub use error::TelediscountError;
pub use provider::KIND;
pub use webhook::{
    parse_call_finished, parse_income, query_fields, CallFinished, Income, TelediscountOutcome,
    TelediscountWebhookError, TelediscountWebhooks, WebhookKind,
};
pub use wire::{parse_calls, parse_setup_time, TdCall};

/// The provider's name in `AccountConfig.provider` and in every `CallEvent` / `CallRecord`.
pub const PROVIDER: &str = "telediscount";
