//! What can go wrong talking to Asterisk's manager interface, in words a user can act on.

use super::frame::FrameError;
use crate::problem::{HasProblem, Problem};

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
    #[error(
        "Asterisk at {addr} did not answer {what} within {timeout_ms} ms; check the network, or \
         raise timeout_ms in the [account] section of the config file"
    )]
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
    /// The account's ARI address is not `http(s)://HOST:PORT`.
    #[error("bad Asterisk ARI address `{0}`: write base_url as http://HOST:PORT (e.g. http://127.0.0.1:8088) or set domain to the PBX's host")]
    BadAriUrl(String),
    /// The ARI HTTP request could not be made or took too long.
    #[error("cannot reach Asterisk's ARI at {url}: {detail}; is ARI enabled (http.conf `enabled = yes`, ari.conf `enabled = yes`) and the address right?")]
    AriUnreachable {
        /// The ARI base URL (never with credentials).
        url: String,
        /// What failed (connect refused, timed out...).
        detail: String,
    },
    /// ARI refused the user name or password (HTTP 401).
    #[error("Asterisk refused the ARI login of user `{user}`: check the password (keyring or CALLPOP_API_KEY) and the user in ari.conf")]
    AriLoginRejected {
        /// The ari.conf user.
        user: String,
    },
    /// ARI answered a request with an error status.
    #[error("Asterisk's ARI refused {what} (HTTP {status}): {message}")]
    AriStatus {
        /// What we asked for.
        what: String,
        /// The HTTP status.
        status: u16,
        /// ARI's `message`, or the start of the body.
        message: String,
    },
    /// The events WebSocket failed.
    #[error("the ARI events WebSocket at {url} failed: {detail}")]
    AriWebSocket {
        /// The WebSocket URL (never with credentials).
        url: String,
        /// What failed.
        detail: String,
    },
    /// Something only AMI offers was asked of an ARI account.
    #[error("{0} needs Asterisk's manager interface: ARI cannot read presence state or AstDB; set asterisk_interface = \"ami\"")]
    NotOverAri(&'static str),
    /// The PBX answered, but not with what the action needs.
    #[error("unexpected answer from Asterisk to `{action}`: {detail}")]
    Unexpected {
        /// The action's name.
        action: String,
        /// What was missing or wrong.
        detail: String,
    },
}

crate::pbx_error!(AsteriskError);

impl HasProblem for AsteriskError {
    fn problem(&self) -> Problem {
        match self {
            AsteriskError::BadAddress(_) => Problem::Settings,
            AsteriskError::NoLogin => Problem::Settings,
            AsteriskError::Connect { .. } => Problem::Unreachable,
            AsteriskError::Timeout { .. } => Problem::TimedOut,
            AsteriskError::NotAmi { .. } => Problem::WrongAddress,
            AsteriskError::LoginRejected { .. } => Problem::KeyRejected,
            AsteriskError::ActionFailed { .. } => Problem::Refused,
            AsteriskError::Closed => Problem::Unreachable,
            AsteriskError::Frame(e) => e.problem(),
            AsteriskError::Io(_) => Problem::Unreachable,
            AsteriskError::BadAriUrl(_) => Problem::Settings,
            AsteriskError::AriUnreachable { .. } => Problem::Unreachable,
            AsteriskError::AriLoginRejected { .. } => Problem::KeyRejected,
            AsteriskError::AriStatus { status, .. } => Problem::by_status(*status),
            AsteriskError::AriWebSocket { .. } => Problem::Unreachable,
            AsteriskError::NotOverAri(_) => Problem::NotOffered,
            AsteriskError::Unexpected { .. } => Problem::UnexpectedAnswer,
        }
    }
}

impl HasProblem for FrameError {
    fn problem(&self) -> Problem {
        match self {
            // Endless lines or fields: whatever is at that port does not speak AMI.
            FrameError::LineTooLong => Problem::WrongAddress,
            FrameError::TooManyFields => Problem::WrongAddress,
            FrameError::LineBreakInField(_) => Problem::BadInput,
        }
    }
}
