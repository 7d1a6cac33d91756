//! MCN Telecom's virtual PBX (ВАТС), `docs/providers/mcn-telecom.md`.
//!
//! Two sources, marked on every item:
//! - **the help article** ("Загрузка списка звонков через API", the seed): `GET
//!   /account/{account_id}/vpbx` (gives `vpbx_id`) and `GET
//!   /account/{account_id}/vpbx/{vpbx_id}/call_log` with `date_from` / `date_to` (`YYYY-MM-DD`),
//!   its fields (`callid`, `date`, `type` Out/Inb/Int, `src_*`, `dst_*`, `did`, `waittime`,
//!   `talktime`, `billsec`, `status` ANSWERED/BUSY/LOST/FAILED/NO ANSWER, `has_record`);
//! - **public usage** (how public client code calls MCN's API; not in the article): the base
//!   `https://api.mcn.ru/v2/rest` with a `Bearer` token, `call_log/record?call_id=` for a
//!   recording, `POST …/outbound_call {from, to, timeout_from, timeout_to}` for click-to-call
//!   (a retry after a partly failed request answers an error that still holds the data), and
//!   webhooks with `event_type` onBegin, onInCallingAnswered, onInAbonEnd, onInCallingEnd,
//!   onOutCallingStart, onOutCallingAnswered, onOutAbonEnd, onOutCallingEnd and the fields
//!   `call_id`, `abon` (extension), `did` (client), `did_mcn` (our number), `billsec`.
//!
//! - [`client`]: [`McnClient`]: vpbx list, `call_log`, recordings, `outbound_call`;
//! - [`wire`]: the `call_log` records and their mapping to [`callpop_core::CallRecord`];
//! - [`poller`]: [`MissedCallsPoller`], a periodic `call_log` read raising missed calls (the
//!   article's only way to learn of calls);
//! - [`webhook`]: [`McnWebhooks`], the public-usage webhooks behind a
//!   [`TokenlessGuard`](crate::tokenless_guard::TokenlessGuard) (no token is documented);
//! - [`error`]: what goes wrong.

pub mod client;
pub mod error;
pub mod poller;
pub(crate) mod provider;
pub mod webhook;
pub mod wire;

pub use client::{
    McnClient, McnSettings, OutboundCall, Recording, Vpbx, DEFAULT_BASE_URL, DEFAULT_TIMEOUT_FROM,
    DEFAULT_TIMEOUT_TO,
};
pub use error::McnError;
pub use poller::MissedCallsPoller;
pub use provider::KIND;
pub use webhook::{
    parse_webhook, webhook_fields, McnEvent, McnEventType, McnOutcome, McnWebhookError, McnWebhooks,
};
pub use wire::{parse_call_log, parse_date, CallStatus, CallType, McnCall};

/// How a call's history record points at its recording: `mcn-record:<callid>`. `call_log` says
/// only whether a call was recorded (`has_record`); the file itself is fetched on demand with
/// `call_log/record?call_id=` ([`McnClient::record`], `Account::recording`), which needs the
/// account's key, so no plain link could stand in the history.
pub const RECORDING_PREFIX: &str = "mcn-record:";

/// The provider's name in `AccountConfig.provider` and in every `CallEvent` / `CallRecord`.
pub const PROVIDER: &str = "mcn";

/// MCN is a Moscow operator: times without a zone (`call_log`'s `date`, whose format the
/// article leaves unspecified) and the dates of `date_from` / `date_to` are read as Moscow time
/// (UTC+3, no daylight saving). An assumption; the article does not say.
pub const MOSCOW_OFFSET_SECONDS: i32 = 3 * 3600;
