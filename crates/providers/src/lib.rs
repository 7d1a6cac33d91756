//! One module per PBX. Each turns its PBX's dialect into [`callpop_core::CallEvent`]s and offers
//! what the PBX can do (click-to-call, ...). Nothing here talks to the UI.
//!
//! [`Account`] is the one dispatch point: it starts the right provider for an
//! [`AccountConfig`](callpop_core::AccountConfig) and hides which one it is from the app and the
//! CLI. Each provider implements the [`capability`] traits its PBX offers in its own folder
//! (`<name>/provider.rs`), next to its settings form ([`descriptor`]); a new provider is its
//! folder plus one word in `providers!` below, which declares its module and registers it in
//! [`registry`].
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
//! - [`problem`]: errors sorted into a few provider-neutral kinds, for the app to say in the
//!   user's language (each provider sorts its own error next to its enum);
//! - [`pbx_error`]: how [`ProviderError`] carries any provider's error (one `pbx_error!` line
//!   in the provider's folder);
//! - [`transport`]: the one "no answer / no connection" error the HTTP providers share;
//! - [`webhook`]: the webhook seam: the framework-free request and reply, the gate, and the
//!   [`WebhookHandler`](webhook::WebhookHandler) trait the relay serves every provider through.

pub mod account;
pub mod autodialer;
pub mod capability;
pub mod crm_edit;
pub mod descriptor;
mod http;
pub mod pbx_error;
mod poll_loop;
pub mod problem;
mod recent_keys;
pub mod recording;
mod redact;
pub mod registry;
pub mod tokenless_guard;
pub mod transport;
pub mod webhook;

/// Every PBX this build knows, one word each, in the order the settings offer them: declares the
/// provider's module and lists its `KIND` in [`registry::PROVIDERS`]. A new provider is its
/// folder and its word here.
macro_rules! providers {
    ($($name:ident),* $(,)?) => {
        $(pub mod $name;)*
        /// Each provider's `KIND`, in the order of [`providers!`].
        const PROVIDER_KINDS: &[registry::ProviderKind] = &[$($name::KIND),*];
    };
}

providers!(vega, cloudpbx, telediscount, mcn, asterisk);

pub use account::{Account, Capabilities, ProviderError};
pub use problem::{HasProblem, Problem};
