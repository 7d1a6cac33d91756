//! What can go wrong talking to Vega, in words a user can act on. No message ever carries the
//! API key: bodies quoted from the server are cut short and scrubbed of it.

use crate::problem::{HasProblem, Problem};
use crate::transport::{Peer, TransportError};

/// Vega as messages name it.
pub(crate) const PEER: Peer = Peer::account("Vega");

/// A failed request to Vega.
#[derive(Debug, thiserror::Error)]
pub enum VegaError {
    /// `authorize` was refused: the domain or the API key is wrong.
    #[error(
        "Vega rejected the API key for domain {domain} (HTTP {status}: {detail}); check the domain \
         and copy the key again from the Vega cabinet: Settings → Integration → Integration with \
         another CRM system"
    )]
    Unauthorized {
        /// The account domain that was sent.
        domain: String,
        /// Vega's status code.
        status: u16,
        /// Vega's explanation, shortened.
        detail: String,
    },
    /// A request was refused with 403 even with a session just obtained.
    #[error(
        "Vega refused {endpoint} (403 Forbidden) even right after a fresh authorization; the API \
         key's account may lack the right to it"
    )]
    Forbidden {
        /// The request, e.g. `GET /rest/calls/active/v3`.
        endpoint: String,
    },
    /// Vega answered with an unexpected status.
    #[error("Vega answered HTTP {status} to {endpoint}: {body}")]
    Http {
        /// The request.
        endpoint: String,
        /// Vega's status code.
        status: u16,
        /// The start of Vega's answer.
        body: String,
    },
    /// No answer in time, or no connection at all.
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// The answer is not the JSON vega.md describes.
    #[error("Vega's answer to {endpoint} is not the JSON its API describes ({detail}); it begins: {excerpt:?}")]
    NotJson {
        /// The request.
        endpoint: String,
        /// What is wrong with it.
        detail: String,
        /// The start of the answer.
        excerpt: String,
    },
    /// `authorize` succeeded but set no session cookie.
    #[error("Vega accepted the API key but sent no JSESSIONID cookie (vega.md B.1); is {base_url} really Vega?")]
    NoSessionCookie {
        /// Where the request went.
        base_url: String,
    },
    /// A history kept coming back in full pages far beyond any real account's size.
    #[error(
        "Vega kept answering {endpoint} with full pages ({records} records so far); it may be \
         ignoring `offset`. Ask for a shorter period"
    )]
    TooManyPages {
        /// The request.
        endpoint: String,
        /// Records fetched before giving up.
        records: usize,
    },
    /// Vega has no such record (`404`, vega.md B.9: "no contact with that id").
    #[error("Vega has no {what}")]
    NotFound {
        /// What was asked for, e.g. `CRM contact 7068`.
        what: String,
    },
    /// The settings cannot work.
    #[error("the Vega settings are not usable: {0}")]
    InvalidSettings(String),
    /// A request's arguments are unusable (an empty number to call, ...).
    #[error("{0}")]
    InvalidInput(String),
}

crate::pbx_error!(VegaError);

impl HasProblem for VegaError {
    fn problem(&self) -> Problem {
        match self {
            VegaError::Unauthorized { .. } => Problem::KeyRejected,
            VegaError::Forbidden { .. } => Problem::NotAllowed,
            VegaError::Http { status, .. } => Problem::by_status(*status),
            VegaError::NotJson { .. } => Problem::UnexpectedAnswer,
            // Accepted the key yet no session: not Vega at that address.
            VegaError::NoSessionCookie { .. } => Problem::WrongAddress,
            VegaError::Transport(e) => e.problem(),
            VegaError::TooManyPages { .. } => Problem::UnexpectedAnswer,
            VegaError::NotFound { .. } => Problem::NotFound,
            VegaError::InvalidSettings(_) => Problem::Settings,
            VegaError::InvalidInput(_) => Problem::BadInput,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_unauthorized_message_names_the_domain_and_what_to_do() {
        let message = VegaError::Unauthorized {
            domain: "test4.pbx.vega.ua".into(),
            status: 401,
            detail: "Invalid API key".into(),
        }
        .to_string();
        assert!(message.starts_with("Vega rejected the API key for domain test4.pbx.vega.ua"));
        assert!(message.contains("Settings → Integration"));
    }
}
