//! Vega PBX (`shared/providers/vega.md`): a Ukrainian cloud PBX with a REST API.
//!
//! - [`wire`]: the JSON of the spec, field for field;
//! - [`time`]: its timestamps, milliseconds by the text and seconds in the examples;
//! - [`client`]: [`VegaClient`]: authorize (B.1), click-to-call (B.2), active calls (B.3), one
//!   shared session renewed on `403`, a timeout on every request;
//! - [`diff`]: [`SnapshotDiff`], the pure part: two snapshots of active calls in, `CallEvent`s out;
//! - [`poller`]: [`ActiveCallsPoller`], which polls and feeds the diff, backing off while Vega fails.
//!
//! Webhooks (part A) need a public URL and are not used: polling B.3 is how the desktop app learns
//! of calls.

pub mod client;
pub mod diff;
mod error;
pub mod poller;
pub mod time;
pub mod wire;

pub use client::{VegaClient, VegaSettings};
pub use diff::{SnapshotDiff, PROVIDER};
pub use error::VegaError;
pub use poller::ActiveCallsPoller;
pub use wire::{ActiveCall, LastEvent, Leg, OtherLeg};
