//! The CommuniGate-based cloud PBX's CRM API (`docs/providers/cloud-pbx.md`): one URL,
//! `https://{domain}/sys/crm_api.wcgp`, both ways.
//!
//! - [`client`]: CRM → PBX (cloud-pbx.md 5): `accounts`, `groups`, `makeCall`, `history`,
//!   `subscribeOnCalls`, `subscriptionStatus`, `set_dnd`, `get_dnd`, each with `token`;
//! - [`webhook`]: PBX → CRM (cloud-pbx.md 4): `event`, `contact`, `history`, checked against
//!   `crm_token`; [`CloudPbxWebhooks::handle`] is the one entry point the relay mounts;
//! - [`history_csv`]: the `history` command's CSV;
//! - [`wire`]: the JSON answers; [`time`]: `YYYYmmddTHHMMSSZ`; [`error`]: what goes wrong.
//!
//! The PBX is not polled: live calls come only through the webhooks.

pub mod client;
pub mod error;
pub mod history_csv;
pub(crate) mod provider;
pub mod time;
pub mod webhook;
pub mod wire;

pub use client::{
    CloudPbxClient, CloudPbxSettings, HistoryPeriod, HistoryQuery, HistoryType, API_PATH,
};
pub use error::CloudPbxError;
pub use history_csv::{parse_history_csv, HistoryKind, HistoryRow};
pub use provider::KIND;
pub use webhook::{
    answer_contact, parse_contact, parse_event, parse_history, CloudPbxOutcome,
    CloudPbxWebhookError, CloudPbxWebhooks, ContactQuery, EventType, Fields, HistoryStatus,
    PbxEvent, PbxHistory, WebhookCommand, MAX_BODY_BYTES,
};
pub use wire::{PbxAccount, PbxGroup};

/// The provider's name in `AccountConfig.provider` and in every `CallEvent` / `CallRecord`.
pub const PROVIDER: &str = "cloudpbx";
