//! Vega PBX (`docs/providers/vega.md`): a Ukrainian cloud PBX with a REST API.
//!
//! - [`wire`]: the JSON of the spec, field for field;
//! - [`time`]: its timestamps, milliseconds by the text and seconds in the examples;
//! - [`client`]: [`VegaClient`]: authorize (B.1), click-to-call (B.2), active calls (B.3), hangup
//!   (B.4), the call history (B.5–B.7, every page), users (B.8) and recordings; one shared
//!   session renewed on `403` by one request at a time, the spec's `GET` form with a remembered
//!   fallback to the Phonet platform's `POST` + JSON form, a timeout on every request;
//! - [`crm`]: CRM Teler contacts and notes (B.9), their mapping to directory contacts and the
//!   incremental sync into the directory;
//! - [`history`]: finished calls as provider-neutral `CallRecord`s;
//! - [`diff`]: [`SnapshotDiff`], the pure part: two snapshots of active calls in, `CallEvent`s out;
//! - [`poller`]: [`ActiveCallsPoller`], which polls and feeds the diff, backing off while Vega fails;
//! - [`webhook`]: part A, Vega → us (`call.settings`, call events, UTM tags), framework-free
//!   handlers that the relay (`crates/relay`) mounts: a desktop has no public URL, so it either
//!   polls B.3 itself or receives the webhooks' events from the relay.

pub mod client;
pub mod crm;
mod crm_edit;
pub mod diff;
mod error;
pub mod examples;
pub mod history;
pub mod poller;
pub(crate) mod provider;
pub mod time;
pub mod webhook;
pub mod wire;
pub mod wire_form;

pub use client::{VegaClient, VegaSettings, PAGE_LIMIT};
pub use diff::{SnapshotDiff, PROVIDER};
pub use error::VegaError;
pub use history::call_record;
pub use poller::ActiveCallsPoller;
pub use provider::KIND;
pub use wire::{
    ActiveCall, Directions, HistoryCall, HistoryLeg, LastEvent, Leg, OtherLeg, VegaUser,
};
