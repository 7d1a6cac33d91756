//! What can go wrong talking to the cloud PBX, in words a user can act on. No message ever
//! carries the token: quoted answers are cut short and scrubbed of it.

use crate::problem::{HasProblem, Problem};
use crate::transport::{Peer, TransportError};

/// The PBX as messages name it.
pub(crate) const PEER: Peer = Peer::account("the cloud PBX");

/// A failed request to the cloud PBX (`crm_api.wcgp`).
#[derive(Debug, thiserror::Error)]
pub enum CloudPbxError {
    /// cloud-pbx.md 2: `401 {error: "Invalid token"}`.
    #[error(
        "the cloud PBX rejected the API token (HTTP 401 to `{command}`); copy the token again from \
         the PBX web cabinet (API integration settings)"
    )]
    Unauthorized {
        /// The `cmd` that was sent.
        command: String,
    },
    /// cloud-pbx.md 2: `400 {error: "Invalid parameters"}`.
    #[error("the cloud PBX refused the parameters of `{command}` (HTTP 400: {detail})")]
    InvalidParameters {
        /// The `cmd` that was sent.
        command: String,
        /// The PBX's answer, shortened.
        detail: String,
    },
    /// A wrong PBX name or path answers `301` (public clients of this API).
    #[error(
        "the cloud PBX redirected `{command}` (HTTP 301{}): the PBX name (domain) or the API \
         address is wrong; check `domain` / `base_url` in the [account] section",
        location.as_deref().map(|l| format!(" to {l}")).unwrap_or_default()
    )]
    WrongAddress {
        /// The `cmd` that was sent.
        command: String,
        /// Where the PBX pointed, if it said.
        location: Option<String>,
    },
    /// A 5xx: the PBX failed, not us.
    #[error("the cloud PBX failed on `{command}` (HTTP {status}: {body}); try again later")]
    Server {
        /// The `cmd` that was sent.
        command: String,
        /// The status code.
        status: u16,
        /// The start of the answer.
        body: String,
    },
    /// Any other unexpected status.
    #[error("the cloud PBX answered HTTP {status} to `{command}`: {body}")]
    Http {
        /// The `cmd` that was sent.
        command: String,
        /// The status code.
        status: u16,
        /// The start of the answer.
        body: String,
    },
    /// The answer is not the JSON cloud-pbx.md describes.
    #[error(
        "the cloud PBX's answer to `{command}` is not the JSON its API describes ({detail}); it \
         begins: {excerpt:?}"
    )]
    NotJson {
        /// The `cmd` that was sent.
        command: String,
        /// What is wrong with it.
        detail: String,
        /// The start of the answer.
        excerpt: String,
    },
    /// The `history` CSV (cloud-pbx.md 5.4) has a line that cannot be read.
    #[error("the cloud PBX's call history (CSV) line {line} cannot be read: {detail}")]
    BadCsv {
        /// 1-based line number in the answer.
        line: usize,
        /// What is wrong with it.
        detail: String,
    },
    /// No answer in time, or no connection at all.
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// The settings cannot work.
    #[error("the cloud PBX settings are not usable: {0}")]
    InvalidSettings(String),
    /// A request's arguments are unusable (an empty number to call...).
    #[error("{0}")]
    InvalidInput(String),
}

crate::pbx_error!(CloudPbxError);

impl HasProblem for CloudPbxError {
    fn problem(&self) -> Problem {
        match self {
            CloudPbxError::Unauthorized { .. } => Problem::KeyRejected,
            CloudPbxError::InvalidParameters { .. } => Problem::Refused,
            CloudPbxError::WrongAddress { .. } => Problem::WrongAddress,
            CloudPbxError::Server { .. } => Problem::ServerFailed,
            CloudPbxError::Http { status, .. } => Problem::by_status(*status),
            CloudPbxError::NotJson { .. } => Problem::UnexpectedAnswer,
            CloudPbxError::BadCsv { .. } => Problem::UnexpectedAnswer,
            CloudPbxError::Transport(e) => e.problem(),
            CloudPbxError::InvalidSettings(_) => Problem::Settings,
            CloudPbxError::InvalidInput(_) => Problem::BadInput,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refused_key_is_not_a_network_error() {
        let unauthorized = CloudPbxError::Unauthorized {
            command: "accounts".into(),
        }
        .to_string();
        assert!(
            unauthorized.contains("rejected the API token"),
            "{unauthorized}"
        );
        assert!(!unauthorized.contains("cannot reach"));
    }
}
