//! What can go wrong talking to Asterisk's manager interface, in words a user can act on.

use super::frame::FrameError;

/// An AMI failure. The secret never appears in any of these.
#[derive(Debug, thiserror::Error)]
pub enum AsteriskError {
    /// The account's address is not `tcp://host:port`, `host:port` or `host`.
    #[error("bad Asterisk manager address `{0}`: write base_url as tcp://HOST:PORT (e.g. tcp://127.0.0.1:5038) or set domain to the PBX's host")]
    BadAddress(String),
    /// No AMI user name is configured.
    #[error("no AMI user configured: set `login` in the [account] section to the user from Asterisk's manager.conf")]
    NoLogin,
    /// The TCP connection could not be made.
    #[error("cannot reach the Asterisk manager interface at {addr}: {source}; is AMI enabled (manager.conf `enabled = yes`, `bindaddr`, `port`) and the address right?")]
    Connect {
        /// `host:port`.
        addr: String,
        /// What the OS said.
        source: std::io::Error,
    },
    /// Something took longer than the account's `timeout_ms`.
    #[error("Asterisk at {addr} did not answer {what} within {timeout_ms} ms")]
    Timeout {
        /// `host:port`.
        addr: String,
        /// What we were waiting for.
        what: String,
        /// The limit.
        timeout_ms: u128,
    },
    /// The peer does not greet like AMI.
    #[error("{addr} is not an Asterisk manager interface (it greeted with {banner:?}); check the port (AMI is usually 5038)")]
    NotAmi {
        /// `host:port`.
        addr: String,
        /// The first line it sent.
        banner: String,
    },
    /// Asterisk refused the user name or secret.
    #[error("Asterisk refused the AMI login of user `{user}`: {message}; check the secret (keyring or CALLPOP_API_KEY) and the user's `secret`/`permit` in manager.conf")]
    LoginRejected {
        /// The AMI user.
        user: String,
        /// Asterisk's `Message`.
        message: String,
    },
    /// Asterisk answered an action with `Response: Error`.
    #[error("Asterisk refused `{action}`: {message}")]
    ActionFailed {
        /// The action's name.
        action: String,
        /// Asterisk's `Message`.
        message: String,
    },
    /// The connection ended.
    #[error("Asterisk closed the manager connection")]
    Closed,
    /// The byte stream was not AMI.
    #[error(transparent)]
    Frame(#[from] FrameError),
    /// Reading or writing the socket failed.
    #[error("the Asterisk manager connection failed: {0}")]
    Io(#[from] std::io::Error),
    /// The PBX answered, but not with what the action needs.
    #[error("unexpected answer from Asterisk to `{action}`: {detail}")]
    Unexpected {
        /// The action's name.
        action: String,
        /// What was missing or wrong.
        detail: String,
    },
}
