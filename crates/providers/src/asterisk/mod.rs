//! Asterisk and FreePBX over AMI, the manager interface (TCP, `Key: Value` messages), or over
//! ARI, the REST interface with its events WebSocket, as the account's `asterisk_interface` says.
//!
//! - [`client`]: the account's client, whichever interface (and DND store) it is configured for;
//! - [`frame`]: the wire codec (repeated keys kept, unknown events passed through);
//! - [`connection`]: one logged-in session with timeouts and `ActionID` matching;
//! - [`watcher`]: the live event source (keep-alive pings, reconnect with backoff);
//! - [`events`]: AMI events → [`CallEvent`](callpop_core::CallEvent)s, one call per `Linkedid`;
//! - [`actions`]: click-to-call (`Originate`), hang-up, DND (presence state), endpoints;
//! - [`ari`]: ARI's REST actions and [`AriCallWatcher`] (events WebSocket, ping, reconnect);
//! - [`ari_events`]: ARI events → the AMI messages [`CallMapper`] folds, so both decide alike;
//! - [`cdr`]: `Cdr` events → history records (AMI has no history query);
//! - [`lookup`]: the plain-text caller-name answer the relay serves to a dialplan's `CURL()`.
//!
//! Account settings: `provider = "asterisk"`, `base_url = "tcp://HOST:5038"` (or `domain` = the
//! host), `login` = the manager.conf user, the API key (keyring / `CALLPOP_API_KEY`) = its
//! secret, `user` = my PJSIP endpoint (`101`). With `asterisk_interface = "ari"`: `base_url` =
//! `http://HOST:8088`, `login` = the ari.conf user, the API key = its password. `dnd_via =
//! "astdb"` keeps Do-Not-Disturb in FreePBX's AstDB key `DND/EXT` instead of presence state.

pub mod actions;
pub mod ari;
pub mod ari_events;
pub mod cdr;
pub mod client;
pub mod connection;
pub mod error;
pub mod events;
pub mod frame;
pub mod lookup;
pub(crate) mod provider;
pub mod watcher;

pub use actions::{AmiClient, DEFAULT_CONTEXT};
pub use ari::{AriCallWatcher, AriClient, AriSettings};
pub use ari_events::{AriEventError, AriTranslator};
pub use client::{AsteriskClient, AsteriskInterface, DndStore};
pub use connection::{AmiConnection, AmiSettings};
pub use error::AsteriskError;
pub use events::CallMapper;
pub use frame::{AmiDecoder, AmiMessage, FrameError};
pub use provider::KIND;
pub use watcher::AmiCallWatcher;

/// The provider's name in configs and events.
pub const PROVIDER: &str = "asterisk";
