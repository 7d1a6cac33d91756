//! One module per PBX. Each turns its PBX's dialect into [`callpop_core::CallEvent`]s and offers
//! what the PBX can do (click-to-call, ...). Nothing here talks to the UI.
//!
//! [`Account`] is the one dispatch point: it starts the right provider for an
//! [`AccountConfig`](callpop_core::AccountConfig) and hides which one it is from the app and the
//! CLI. Each provider implements the [`capability`] traits its PBX offers in its own folder
//! (`<name>/provider.rs`), next to its settings form ([`descriptor`]); a new provider is its
//! module plus one line in [`registry`].
//!
//! - [`vega`]: Vega PBX (REST polling, webhooks, CRM Teler);
//! - [`cloudpbx`]: the CommuniGate-based cloud PBX's CRM API (`crm_api.wcgp`): commands to the
//!   PBX, and its `event` / `contact` / `history` webhooks;
//! - [`telediscount`]: Telediscount (`outcome`, `get_calls`, `get_record`; `income` /
//!   `call_finished` GET webhooks);
//! - [`mcn`]: MCN Telecom's virtual PBX (`call_log` history and missed-call polling,
//!   recordings, `outbound_call`, call webhooks);
//! - [`tokenless_guard`]: secret path + IP allow-list for PBXs whose webhooks carry no token;
//! - [`asterisk`]: Asterisk / FreePBX over AMI (events, Originate, presence DND, CDR events,
//!   a caller-name answer for the dialplan);
//! - [`autodialer`]: the Autodialer (robot calls by a scenario): `make` in batches, `newcall`,
//!   `cdr` into history, and its completion webhook;
//! - [`crm_edit`]: editing the PBX's own CRM from the app (Vega's CRM Teler): contacts, a batch
//!   upload of directory contacts, notes;
//! - [`recording`]: a call's recording fetched for the app to play, size-capped;
//! - [`problem`]: every error above sorted into a few provider-neutral kinds, for the app to say
//!   in the user's language;
//! - [`webhook`]: the framework-free request and reply every provider's webhook handlers share.

pub mod account;
pub mod asterisk;
pub mod autodialer;
pub mod capability;
pub mod cloudpbx;
pub mod crm_edit;
pub mod descriptor;
mod http;
pub mod mcn;
pub mod problem;
mod recent_keys;
pub mod recording;
mod redact;
pub mod registry;
pub mod telediscount;
pub mod tokenless_guard;
pub mod vega;
pub mod webhook;

pub use account::{Account, Capabilities, ProviderError};
pub use problem::{HasProblem, Problem};
