//! The one way a request to a PBX fails before an answer arrives: no answer in time, or no
//! connection at all. Every HTTP provider's error enum carries it as its `Transport` variant,
//! so the message, the key scrubbing and the [`Problem`] it maps to are written once.

use std::time::Duration;

use crate::problem::Problem;
use crate::redact::scrub;

/// Who is on the other end, as messages name it and where its settings live.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Peer {
    /// The PBX as a sentence names it: "Vega", "the cloud PBX".
    pub name: &'static str,
    /// Where the timeout is set, e.g. "timeout_ms in the [account] section of the config file".
    pub timeout_setting: &'static str,
    /// What to check when it cannot be reached, e.g. "the address" or "base_url".
    pub address_setting: &'static str,
}

impl Peer {
    /// A PBX whose account lives in the config file's `[account]` section.
    pub const fn account(name: &'static str) -> Peer {
        Peer {
            name,
            timeout_setting: "timeout_ms in the [account] section of the config file",
            address_setting: "the address",
        }
    }
}

/// A request that got no answer.
#[derive(Debug, thiserror::Error)]
pub enum TransportError {
    /// No answer within the timeout.
    #[error(
        "{} did not answer `{request}` within {} s; check the network, or raise {}",
        peer.name,
        timeout.as_secs_f64(),
        peer.timeout_setting
    )]
    Timeout {
        /// The PBX.
        peer: Peer,
        /// What was asked (endpoint, method, command).
        request: String,
        /// The timeout in force.
        timeout: Duration,
    },
    /// The connection failed (DNS, refused, TLS, reset).
    #[error(
        "cannot reach {} at {url}: {detail}; check {} and the network",
        peer.name,
        peer.address_setting
    )]
    Network {
        /// The PBX.
        peer: Peer,
        /// Where the request went (the base address: no query, no key).
        url: String,
        /// What failed, scrubbed of the key.
        detail: String,
    },
}

impl TransportError {
    /// What `error` from `request` to `url` means, its text scrubbed of `secret` wherever a
    /// library may have echoed it (a `GET`'s query, a path).
    pub(crate) fn of(
        peer: Peer,
        request: &str,
        url: &str,
        timeout: Duration,
        error: reqwest::Error,
        secret: &str,
    ) -> TransportError {
        if error.is_timeout() {
            return TransportError::Timeout {
                peer,
                request: request.to_owned(),
                timeout,
            };
        }
        TransportError::Network {
            peer,
            url: url.to_owned(),
            detail: scrub(&crate::http::transport_detail(error), secret),
        }
    }

    /// True for a timeout (the PBX is there but slow).
    pub fn is_timeout(&self) -> bool {
        matches!(self, TransportError::Timeout { .. })
    }

    /// What the user can do about it.
    pub fn problem(&self) -> Problem {
        match self {
            TransportError::Timeout { .. } => Problem::TimedOut,
            TransportError::Network { .. } => Problem::Unreachable,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_refused_connection_names_the_pbx_and_never_the_key() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        drop(listener);
        let client = crate::http::client(Duration::from_secs(2)).unwrap();
        let error = client
            .get(format!("http://127.0.0.1:{port}/api?key=s3cr3t-key"))
            .send()
            .await
            .unwrap_err();
        let error = TransportError::of(
            Peer::account("MCN Telecom"),
            "call",
            &format!("http://127.0.0.1:{port}"),
            Duration::from_secs(2),
            error,
            "s3cr3t-key",
        );
        assert_eq!(error.problem(), Problem::Unreachable);
        let message = error.to_string();
        assert!(
            message.starts_with("cannot reach MCN Telecom at http://127.0.0.1:"),
            "{message}"
        );
        assert!(!message.contains("s3cr3t-key"), "{message}");
    }

    #[test]
    fn a_timeout_says_where_to_raise_it() {
        let error = TransportError::Timeout {
            peer: Peer::account("Vega"),
            request: "/v3/calls".into(),
            timeout: Duration::from_millis(1500),
        };
        assert!(error.is_timeout());
        assert_eq!(error.problem(), Problem::TimedOut);
        assert_eq!(
            error.to_string(),
            "Vega did not answer `/v3/calls` within 1.5 s; check the network, or raise timeout_ms \
             in the [account] section of the config file"
        );
    }
}
