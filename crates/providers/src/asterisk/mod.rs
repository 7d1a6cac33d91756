//! Asterisk and FreePBX over AMI, the manager interface (TCP, `Key: Value` messages).
//!
//! - [`frame`]: the wire codec (repeated keys kept, unknown events passed through);
//! - [`connection`]: one logged-in session with timeouts and `ActionID` matching;
//! - [`watcher`]: the live event source (keep-alive pings, reconnect with backoff);
//! - [`events`]: AMI events → [`CallEvent`](callpop_core::CallEvent)s, one call per `Linkedid`;
//! - [`actions`]: click-to-call (`Originate`), hang-up, DND (presence state), endpoints;
//! - [`cdr`]: `Cdr` events → history records (AMI has no history query);
//! - [`lookup`]: the plain-text caller-name answer the relay serves to a dialplan's `CURL()`.
//!
//! Account settings: `provider = "asterisk"`, `base_url = "tcp://HOST:5038"` (or `domain` = the
//! host), `login` = the manager.conf user, the API key (keyring / `CALLPOP_API_KEY`) = its
//! secret, `user` = my PJSIP endpoint (`101`).

pub mod actions;
pub mod cdr;
pub mod connection;
pub mod error;
pub mod events;
pub mod frame;
pub mod lookup;
pub mod watcher;

pub use actions::{AmiClient, DEFAULT_CONTEXT};
pub use connection::{AmiConnection, AmiSettings};
pub use error::AsteriskError;
pub use events::CallMapper;
pub use frame::{AmiDecoder, AmiMessage, FrameError};
pub use watcher::AmiCallWatcher;

/// The provider's name in configs and events.
pub const PROVIDER: &str = "asterisk";
