//! What can go wrong talking to the Autodialer, in words a user can act on. No message ever
//! carries the key: it is part of every URL and of `make`'s body, so quoted answers are cut short
//! and scrubbed of it, and URLs are shown without it.

use crate::problem::{HasProblem, Problem};
use crate::transport::{Peer, TransportError};

/// The PBX as messages name it.
pub(crate) const PEER: Peer = Peer {
    name: "the Autodialer",
    timeout_setting: "timeout_ms in the [autodialer] section",
    address_setting: "base_url",
};

/// A failed request to the Autodialer (`make`, `newcall`, `cdr`), or a request refused before it
/// was sent.
#[derive(Debug, thiserror::Error)]
pub enum AutodialerError {
    /// `401` / `403`: autodialer.md says nothing of error answers; a refused key is the one
    /// reading these statuses have.
    #[error(
        "the Autodialer refused the key (HTTP {status} to `{method}`); copy the API key again \
         from the Autodialer cabinet and store it with `callpop-cli autodial key set`"
    )]
    Unauthorized {
        /// `make`, `newcall` or `cdr`.
        method: &'static str,
        /// The status code.
        status: u16,
    },
    /// `404`: the key is a path segment (`https://site.url/apikey/make`), so a wrong key or a
    /// wrong base URL both end here.
    #[error(
        "the Autodialer has no `{method}` at this address (HTTP 404): check `base_url` in the \
         [autodialer] section and the stored key (it is part of the path)"
    )]
    WrongAddress {
        /// The method that was called.
        method: &'static str,
    },
    /// Any other `4xx`.
    #[error("the Autodialer refused `{method}` (HTTP {status}: {body})")]
    Refused {
        /// The method that was called.
        method: &'static str,
        /// The status code.
        status: u16,
        /// The start of the answer.
        body: String,
    },
    /// A `5xx`: the Autodialer failed, not us.
    #[error("the Autodialer failed on `{method}` (HTTP {status}: {body}); try again later")]
    Server {
        /// The method that was called.
        method: &'static str,
        /// The status code.
        status: u16,
        /// The start of the answer.
        body: String,
    },
    /// The answer is not the JSON autodialer.md describes.
    #[error(
        "the Autodialer's answer to `{method}` is not what its API describes ({detail}); it \
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
    /// `newcall` answered `QUERY_COUNT` 0: nothing was queued.
    #[error(
        "the Autodialer accepted no record for the call (QUERY_COUNT 0, job {query_id}); check \
         the number and the scenario (generationtype)"
    )]
    NotAccepted {
        /// `QUERY_ID` of the answer.
        query_id: i64,
    },
    /// A batch of `make` failed after earlier ones were added: those must not be sent again.
    #[error(
        "the first {sent} records were already sent ({summary}), then the next batch failed: \
         {source}. Send only the records after the first {sent}"
    )]
    PartlySent {
        /// Records in the batches that were added.
        sent: usize,
        /// Their merged report, in one line.
        summary: String,
        /// Why the next batch failed.
        source: Box<AutodialerError>,
    },
    /// No answer in time, or no connection at all.
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// The settings cannot work.
    #[error("the Autodialer settings are not usable: {0}")]
    InvalidSettings(String),
    /// A record lacks a field the spec requires (autodialer.md `make`: `phone`, `UUID`;
    /// `newcall`: `name`, `phone`, `UUID`). Nothing was sent.
    #[error(
        "record {index} ({who}) has no `{field}`, which the Autodialer requires; nothing was sent"
    )]
    MissingField {
        /// 1-based position in the list given.
        index: usize,
        /// The record's name or number, to find it.
        who: String,
        /// The wire name of the missing field.
        field: &'static str,
    },
    /// Another argument is unusable (a window that ends before it starts, no scenario...).
    #[error("{0}")]
    InvalidInput(String),
}

crate::pbx_error!(AutodialerError);

impl HasProblem for AutodialerError {
    fn problem(&self) -> Problem {
        match self {
            AutodialerError::Unauthorized { .. } => Problem::KeyRejected,
            // The key is part of the path: a wrong key and a wrong address both end here.
            AutodialerError::WrongAddress { .. } => Problem::WrongAddress,
            AutodialerError::Refused { .. } => Problem::Refused,
            AutodialerError::Server { .. } => Problem::ServerFailed,
            AutodialerError::NotJson { .. } => Problem::UnexpectedAnswer,
            AutodialerError::NotAccepted { .. } => Problem::Refused,
            AutodialerError::PartlySent { .. } => Problem::PartlySent,
            AutodialerError::Transport(e) => e.problem(),
            AutodialerError::InvalidSettings(_) => Problem::Settings,
            AutodialerError::MissingField { .. } => Problem::BadInput,
            AutodialerError::InvalidInput(_) => Problem::BadInput,
        }
    }
}
