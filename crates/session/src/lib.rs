//! One account's session: where call events come from, what becomes of them, and who hears it.
//!
//! The desktop app and the CLI's `watch` both do the same thing for an account: pick the event
//! source the config asks for, feed its `CallEvent`s through [`callpop_core::Pipeline`], name the
//! employees on the calls, and tell someone what happened. That is a [`Session`]:
//!
//! - `plan`: [`Plan`], what a session runs against (the account and its key, the store, the
//!   [`Source`]: the PBX's own event source, a relay, or the relay this desktop runs on the LAN),
//!   made from a [`callpop_core::Config`] by [`Plan::from_config`] or by hand in tests;
//! - `source`: starts that source, retrying an unreachable PBX with
//!   [`callpop_core::backoff::Backoff`], and watches the relay connection;
//! - `pbx_side`: what some PBXs tell by themselves (DND changed on the phone, each finished
//!   call's record, which is saved in the history);
//! - `names`: the employee names put on the cards, fetched beside the events;
//! - `event`: [`SessionEvent`], what subscribers hear, in order, on one channel;
//! - `status`: [`Status`], the connection as the tray and the main window show it.
//!
//! The graph is one-way: the session sends, its owner reads [`Session::next`] and hands each
//! event to whoever shows it (the card, the tray, the notifications, a terminal); nothing calls
//! back into the session. Dropping the [`Session`] stops everything it started (mini-redis's
//! shutdown: one cancellation token, no global flags).

#![warn(missing_docs)]

mod event;
mod names;
mod pbx_side;
mod plan;
mod session;
mod source;
mod status;

pub use event::{Connection, SessionEvent};
pub use names::EMPLOYEES_WAIT;
pub use plan::{Plan, Source};
pub use session::Session;
pub use status::{ConnectionState, Status};
