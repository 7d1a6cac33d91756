//! Who may call the webhooks of a PBX that sends no token (Telediscount, MCN Telecom): the same
//! rule as Vega's [`WebhookGuard`](crate::vega::webhook::WebhookGuard) (vega.md A.0), with the
//! provider's own name in logs and errors. A request is accepted only when
//! - it comes from an allowed address or block (configuration: neither spec publishes one);
//! - one segment of its path is the secret, an unguessable string, compared in constant time;
//! - its body is not longer than the limit.
//!
//! Everything else is `403` (`413` for the size), logged with the address and the path with every
//! long segment masked, so the secret never reaches a log. The address and secret parsing, the
//! address-and-secret decision and the masking are Vega's ([`AllowedNet`],
//! [`generate_secret_segment`], [`masked_path`]): one implementation for every provider.

use std::fmt;

use serde_json::json;

pub use crate::vega::webhook::guard::{
    generate_secret_segment, masked_path, AllowedNet, MIN_SECRET_CHARS,
};
use crate::vega::webhook::guard::{is_strong_secret, refusal_reason};
use crate::webhook::{WebhookReply, WebhookRequest};

/// The default body limit: both providers send a few hundred bytes (Telediscount a GET with no
/// body at all).
pub const DEFAULT_MAX_BODY_BYTES: usize = 16 * 1024;

/// A configuration the guard cannot work with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenlessGuardError {
    /// No address was allowed: every request would be refused.
    #[error(
        "no address is allowed to call the {provider} webhooks; add the addresses {provider} \
         sends from (ask its support), e.g. 203.0.113.0/24"
    )]
    NoAllowedAddress {
        /// Provider name.
        provider: &'static str,
    },
    /// An entry of the allow-list is neither an address nor a CIDR block.
    #[error("{0:?} is not an IP address or a CIDR block such as 203.0.113.0/24")]
    BadAddress(String),
    /// The secret is too short or has characters a path segment cannot carry as they are.
    #[error(
        "the webhook secret must be at least {MIN_SECRET_CHARS} characters of A-Z a-z 0-9 - _ \
         (got {0} characters); generate one with generate_secret_segment()"
    )]
    WeakSecret(usize),
}

/// Why the guard refused a request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// Wrong address or no secret in the path: `403`.
    #[error("Forbidden")]
    Forbidden,
    /// The body is over the limit: `413`.
    #[error("Payload too large ({size} bytes, at most {limit})")]
    TooLarge {
        /// The body's size.
        size: usize,
        /// The limit.
        limit: usize,
    },
}

impl Refusal {
    /// `403 {"error":"Forbidden"}` or `413 {"error":"Payload too large"}`: neither spec says
    /// what the CRM answers, so the bodies are Vega's.
    pub fn reply(&self) -> WebhookReply {
        match self {
            Refusal::Forbidden => WebhookReply::json(403, &json!({ "error": "Forbidden" })),
            Refusal::TooLarge { .. } => {
                WebhookReply::json(413, &json!({ "error": "Payload too large" }))
            }
        }
    }
}

/// Checks every webhook request of one provider before it is parsed.
#[derive(Clone)]
pub struct TokenlessGuard {
    provider: &'static str,
    allowed: Vec<AllowedNet>,
    secret: String,
    max_body_bytes: usize,
}

impl fmt::Debug for TokenlessGuard {
    // Never prints the secret.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenlessGuard")
            .field("provider", &self.provider)
            .field("allowed", &self.allowed)
            .field("secret", &"***")
            .field("max_body_bytes", &self.max_body_bytes)
            .finish()
    }
}

impl TokenlessGuard {
    /// A guard for `provider` letting in requests from `allowed` (addresses or CIDR blocks)
    /// whose path has the segment `secret`, bodies up to [`DEFAULT_MAX_BODY_BYTES`].
    pub fn new<S: AsRef<str>>(
        provider: &'static str,
        allowed: &[S],
        secret: &str,
    ) -> Result<TokenlessGuard, TokenlessGuardError> {
        let allowed = allowed
            .iter()
            .map(|entry| {
                AllowedNet::parse(entry.as_ref())
                    .map_err(|_| TokenlessGuardError::BadAddress(entry.as_ref().to_owned()))
            })
            .collect::<Result<Vec<_>, _>>()?;
        if allowed.is_empty() {
            return Err(TokenlessGuardError::NoAllowedAddress { provider });
        }
        let secret = secret.trim();
        if !is_strong_secret(secret) {
            return Err(TokenlessGuardError::WeakSecret(secret.chars().count()));
        }
        Ok(TokenlessGuard {
            provider,
            allowed,
            secret: secret.to_owned(),
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
        })
    }

    /// The same guard with another body limit (at least 1 KiB).
    pub fn with_max_body_bytes(mut self, limit: usize) -> TokenlessGuard {
        self.max_body_bytes = limit.max(1024);
        self
    }

    /// The body limit: the relay should stop reading a body past it.
    pub fn max_body_bytes(&self) -> usize {
        self.max_body_bytes
    }

    /// `Ok` when the request may be handled; else why not (already logged).
    pub fn check(&self, request: &WebhookRequest) -> Result<(), Refusal> {
        if let Some(reason) = refusal_reason(&self.allowed, &self.secret, request) {
            tracing::warn!(
                remote_ip = %request.remote_ip,
                path = %masked_path(&request.path),
                "refused a {} webhook request (403): {reason}",
                self.provider
            );
            return Err(Refusal::Forbidden);
        }
        if request.body.len() > self.max_body_bytes {
            tracing::warn!(
                remote_ip = %request.remote_ip,
                size = request.body.len(),
                "refused a {} webhook request (413): the body is too large",
                self.provider
            );
            return Err(Refusal::TooLarge {
                size: request.body.len(),
                limit: self.max_body_bytes,
            });
        }
        Ok(())
    }
}

impl crate::webhook::WebhookGate for TokenlessGuard {
    fn admit(&self, request: &WebhookRequest) -> Result<(), WebhookReply> {
        self.check(request).map_err(|refusal| refusal.reply())
    }

    fn max_body_bytes(&self) -> usize {
        TokenlessGuard::max_body_bytes(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "0123456789abcdef0123456789abcdef";

    fn request(ip: &str, path: &str, body: usize) -> WebhookRequest {
        WebhookRequest {
            remote_ip: ip.parse().unwrap(),
            path: path.into(),
            content_type: None,
            body: vec![b' '; body],
        }
    }

    #[test]
    fn address_secret_and_size_are_all_checked() {
        let guard = TokenlessGuard::new("mcn", &["10.0.0.0/8"], SECRET).unwrap();
        let good = format!("/mcn/{SECRET}/?event_type=onBegin");
        assert_eq!(guard.check(&request("10.1.2.3", &good, 0)), Ok(()));
        assert_eq!(
            guard.check(&request("11.1.2.3", &good, 0)),
            Err(Refusal::Forbidden)
        );
        let in_query = format!("/mcn?s={SECRET}");
        assert_eq!(
            guard.check(&request("10.1.2.3", &in_query, 0)),
            Err(Refusal::Forbidden)
        );
        assert!(matches!(
            guard.check(&request("10.1.2.3", &good, 20_000)),
            Err(Refusal::TooLarge { .. })
        ));
    }

    #[test]
    fn bad_configurations_name_the_provider_or_the_fix() {
        let none: [&str; 0] = [];
        let error = TokenlessGuard::new("telediscount", &none, SECRET).unwrap_err();
        assert!(error.to_string().contains("telediscount"), "{error}");
        assert_eq!(
            TokenlessGuard::new("mcn", &["nope"], SECRET).unwrap_err(),
            TokenlessGuardError::BadAddress("nope".into())
        );
        assert!(matches!(
            TokenlessGuard::new("mcn", &["10.0.0.1"], "short").unwrap_err(),
            TokenlessGuardError::WeakSecret(5)
        ));
        assert!(!format!(
            "{:?}",
            TokenlessGuard::new("mcn", &["10.0.0.1"], SECRET).unwrap()
        )
        .contains(SECRET));
        assert_eq!(
            masked_path(&format!("/t/{SECRET}/income?num_a=7")),
            "/t/***/income"
        );
    }
}
