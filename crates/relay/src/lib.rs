//! The webhook relay: PBXs call it, desktops listen to it.
//!
//! A cloud PBX can only push to a public URL, and a sales manager's desktop has none. The relay
//! sits in between: it receives the PBX's webhooks, turns them into [`CallEvent`]s with the
//! provider's own handlers (`callpop-providers`), and pushes each event over a WebSocket to the
//! desktops it concerns.
//!
//! - [`config`]: [`RelayConfig`], the TOML file: listen address, Vega's webhook settings, and the
//!   desktops allowed in ([`ClientEntry`]: a name, an extension, groups and only the *hash* of
//!   the client's token, which [`issue_client_token`] makes);
//! - [`server`]: [`Relay`], the axum routes: every PBX's webhooks from the `sections` table
//!   (one line per provider: its config section, path, methods, and how its
//!   [`WebhookHandler`](callpop_providers::webhook::WebhookHandler) is made from the section;
//!   one generic handler in `webhooks` serves them all, behind the per-source rate limit and
//!   the request timeout), `GET /healthz`, `GET /ws`. [`Relay::serve`] runs them, over HTTP or
//!   HTTPS, until a [`CancellationToken`] is cancelled. What the routes share (`state`) is a
//!   leaf module, so `server → webhooks, ws → state` has no cycle;
//! - [`tls`]: HTTPS with rustls (ring): the PEM certificate and key from the config, and the
//!   listener that does the handshakes;
//! - [`employees`]: [`EmployeeList`], the PBX's employees the look-ups name responsible managers
//!   from, re-read from the PBX by [`EmployeeRefresh`] (through an [`EmployeeSource`]) so the
//!   list follows the PBX without a restart;
//! - [`hub`]: [`EventHub`], one numbering of events and a bounded log per client (mini-redis's `Db`: one type,
//!   a small API, stopped on shutdown or drop). Webhook handlers publish through the
//!   [`PublishEvents`] trait, the seam where a broker plugs in for several instances;
//! - [`journal`]: the single-process relay's events in a SQLite file (`events_file`), written
//!   before a webhook is answered and read back at start, so a restart loses nothing;
//! - [`cluster`]: `[cluster]`, several instances sharing one Redis: one stream of numbered
//!   events every instance reads into its hub, the webhook handlers' state taken over under a
//!   lock, `503` while Redis is away;
//! - [`ws`]: the WebSocket protocol (auth, resume by sequence number, gaps, pings);
//! - [`client`]: [`RelayClient`], the desktop's side: reconnects with backoff and jitter,
//!   resumes from its last sequence number, hands events on like a polling provider.
//!
//! Flow: `POST /vega/<secret>` → the gate → `VegaWebhooks` (as a `WebhookHandler`) →
//! [`PublishEvents::publish`] →
//! [`EventHub`] logs → each connected client's [`Subscription`] → `{"type":"event",...}`.
//!
//! [`CallEvent`]: callpop_core::CallEvent
//! [`CancellationToken`]: tokio_util::sync::CancellationToken

#![warn(missing_docs)]

pub mod client;
pub mod cluster;
pub mod config;
pub mod embedded;
pub mod employees;
pub mod hub;
pub mod journal;
mod rate_limit;
mod routing;
mod sections;
pub mod server;
mod state;
pub mod tls;
mod webhooks;
pub mod ws;

pub use client::RelayClient;
pub use cluster::{ClusterError, ClusterSettings};
pub use config::{
    issue_client_token, new_secret_path, ClientEntry, ClientToken, ConfigError, RateLimitSettings,
    RelayConfig, TlsSettings, TokenHash,
};
pub use embedded::{start_embedded, EmbeddedError};
pub use employees::{EmployeeList, EmployeeRefresh, EmployeeSource};
pub use hub::{Delivery, EventHub, PublishError, PublishEvents, Subscription};
pub use journal::{Journal, JournalError};
pub use sections::{AsteriskSettings, CloudPbxSettings, TokenlessSettings, VegaSettings};
pub use server::Relay;
