//! What can go wrong talking to MCN Telecom's API, in words a user can act on. No message
//! carries the token.

use crate::problem::{HasProblem, Problem};
use crate::transport::{Peer, TransportError};

/// The PBX as messages name it.
pub(crate) const PEER: Peer = Peer::account("MCN Telecom");

/// A failed request to MCN Telecom.
#[derive(Debug, thiserror::Error)]
pub enum McnError {
    /// `401` / `403` (public usage: a Bearer token from the cabinet's "API" page).
    #[error(
        "MCN Telecom rejected the API token (HTTP {status} to `{call}`); create a token again \
         in the personal account, menu \"API\""
    )]
    Unauthorized {
        /// The call made.
        call: &'static str,
        /// 401 or 403.
        status: u16,
    },
    /// `404`: a wrong account number, virtual PBX, call or recording.
    #[error("MCN Telecom has no {what} (`{call}` answered 404)")]
    NotFound {
        /// The call made.
        call: &'static str,
        /// What was looked for.
        what: String,
    },
    /// The account has no active virtual PBX (article: `GET /account/{account_id}/vpbx`).
    #[error("MCN Telecom account {account_id} has no active virtual PBX")]
    NoVpbx {
        /// The account number.
        account_id: String,
    },
    /// Another `4xx`: MCN refused the request.
    #[error("MCN Telecom refused `{call}` (HTTP {status}: {detail})")]
    Refused {
        /// The call made.
        call: &'static str,
        /// The status code.
        status: u16,
        /// MCN's words, shortened.
        detail: String,
    },
    /// A 5xx.
    #[error("MCN Telecom failed on `{call}` (HTTP {status}: {body}); try again later")]
    Server {
        /// The call made.
        call: &'static str,
        /// The status code.
        status: u16,
        /// The start of the answer.
        body: String,
    },
    /// The answer is not the JSON expected.
    #[error("MCN Telecom's answer to `{call}` is not the JSON expected ({detail}); it begins: {excerpt:?}")]
    NotJson {
        /// The call made.
        call: &'static str,
        /// What is wrong.
        detail: String,
        /// The start of the answer.
        excerpt: String,
    },
    /// A recording larger than the client accepts.
    #[error("the recording is larger than {limit} bytes; download it from the personal account")]
    TooLarge {
        /// The limit.
        limit: usize,
    },
    /// No answer in time, or no connection at all.
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// The settings cannot work.
    #[error("the MCN Telecom settings are not usable: {0}")]
    InvalidSettings(String),
    /// A request's arguments are unusable.
    #[error("{0}")]
    InvalidInput(String),
}

crate::pbx_error!(McnError);

impl HasProblem for McnError {
    fn problem(&self) -> Problem {
        match self {
            McnError::Unauthorized { .. } => Problem::KeyRejected,
            McnError::NotFound { .. } => Problem::NotFound,
            // The account number is wrong, or its PBX is not switched on.
            McnError::NoVpbx { .. } => Problem::Settings,
            McnError::Refused { .. } => Problem::Refused,
            McnError::Server { .. } => Problem::ServerFailed,
            McnError::NotJson { .. } => Problem::UnexpectedAnswer,
            McnError::TooLarge { .. } => Problem::TooLarge,
            McnError::Transport(e) => e.problem(),
            McnError::InvalidSettings(_) => Problem::Settings,
            McnError::InvalidInput(_) => Problem::BadInput,
        }
    }
}
