//! What can go wrong talking to Telediscount, in words a user can act on. The key travels in
//! the query string (telediscount.md), so no message ever carries a URL or the key: quoted
//! answers are cut short and scrubbed of it.

use crate::problem::{HasProblem, Problem};
use crate::transport::{Peer, TransportError};

/// The PBX as messages name it.
pub(crate) const PEER: Peer = Peer::account("Telediscount");

/// A failed request to Telediscount's API.
#[derive(Debug, thiserror::Error)]
pub enum TelediscountError {
    /// `401` / `403`, or a JSON error about the key. telediscount.md does not document the
    /// answer to a wrong key; these are what an HTTP API answers.
    #[error(
        "Telediscount rejected the CRM integration key (`{method}`); copy the key again from the \
         cabinet page \"Integration with CRM\""
    )]
    Unauthorized {
        /// The method that was called.
        method: &'static str,
    },
    /// `400`, or a `200` whose JSON carries an `error`.
    #[error("Telediscount refused `{method}`: {detail}")]
    Refused {
        /// The method that was called.
        method: &'static str,
        /// Telediscount's words, shortened.
        detail: String,
    },
    /// `404`: no such call or recording.
    #[error("Telediscount has no {what} (`{method}` answered 404)")]
    NotFound {
        /// The method that was called.
        method: &'static str,
        /// What was looked for.
        what: String,
    },
    /// A 5xx: Telediscount failed, not us.
    #[error("Telediscount failed on `{method}` (HTTP {status}: {body}); try again later")]
    Server {
        /// The method that was called.
        method: &'static str,
        /// The status code.
        status: u16,
        /// The start of the answer.
        body: String,
    },
    /// Any other unexpected status.
    #[error("Telediscount answered HTTP {status} to `{method}`: {body}")]
    Http {
        /// The method that was called.
        method: &'static str,
        /// The status code.
        status: u16,
        /// The start of the answer.
        body: String,
    },
    /// The answer is not the JSON telediscount.md describes.
    #[error(
        "Telediscount's answer to `{method}` is not the JSON its API describes ({detail}); it \
         begins: {excerpt:?}"
    )]
    NotJson {
        /// The method that was called.
        method: &'static str,
        /// What is wrong with it.
        detail: String,
        /// The start of the answer.
        excerpt: String,
    },
    /// A recording larger than the client accepts.
    #[error("the recording is larger than {limit} bytes; download it from the cabinet instead")]
    TooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// No answer in time, or no connection at all.
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// The settings cannot work.
    #[error("the Telediscount settings are not usable: {0}")]
    InvalidSettings(String),
    /// A request's arguments are unusable.
    #[error("{0}")]
    InvalidInput(String),
}

crate::pbx_error!(TelediscountError);

impl HasProblem for TelediscountError {
    fn problem(&self) -> Problem {
        match self {
            TelediscountError::Unauthorized { .. } => Problem::KeyRejected,
            TelediscountError::Refused { .. } => Problem::Refused,
            TelediscountError::NotFound { .. } => Problem::NotFound,
            TelediscountError::Server { .. } => Problem::ServerFailed,
            TelediscountError::Http { status, .. } => Problem::by_status(*status),
            TelediscountError::NotJson { .. } => Problem::UnexpectedAnswer,
            TelediscountError::TooLarge { .. } => Problem::TooLarge,
            TelediscountError::Transport(e) => e.problem(),
            TelediscountError::InvalidSettings(_) => Problem::Settings,
            TelediscountError::InvalidInput(_) => Problem::BadInput,
        }
    }
}
