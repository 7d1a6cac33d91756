//! Who may call the webhooks (vega.md A.0). Vega sends no token, so a request is accepted only
//! when both hold:
//! - it comes from an allowed address (the manual checks the peer address against Vega's,
//!   `89.184.65.208` in its examples; whether that is Vega's only address is not stated, so the
//!   list is configuration, with that address as the documented example);
//! - its path carries the secret segment, an unguessable random string, compared in constant time.
//!
//! and its body is not longer than the limit. Everything else is `403` (`413` for the size),
//! logged with the address and the path with every long segment masked, so the secret never
//! reaches a log even when the address was the part that failed.

use std::fmt;
use std::net::IpAddr;

use rand::rngs::OsRng;
use rand::RngCore;
use subtle::ConstantTimeEq;

use super::request::{WebhookError, WebhookRequest};

/// The address Vega's manual allows in its examples (vega.md A.0). An example, not a guarantee:
/// configure what your account's Vega really sends from.
pub const VEGA_EXAMPLE_IP: &str = "89.184.65.208";

/// The default body limit: the largest payload in vega.md is well under 2 KiB, and a minute of
/// UTM records (A.3) for a busy account is a few dozen records of ~500 bytes.
pub const DEFAULT_MAX_BODY_BYTES: usize = 64 * 1024;

/// Random bytes in a secret made by [`generate_secret_segment`]: 128 bits.
const SECRET_BYTES: usize = 16;

/// The shortest secret accepted: 32 hex digits, or as many other URL-safe characters.
pub const MIN_SECRET_CHARS: usize = 2 * SECRET_BYTES;

/// Path segments this long or longer are masked in logs: the secret is one of them.
const MASK_SEGMENTS_FROM: usize = 16;

/// A configuration the guard cannot work with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GuardConfigError {
    /// No address was allowed: every request would be refused.
    #[error(
        "no address is allowed to call the Vega webhooks; add Vega's (the manual's example is {VEGA_EXAMPLE_IP})"
    )]
    NoAllowedAddress,
    /// An entry of the allow-list is neither an address nor a CIDR block.
    #[error("{0:?} is not an IP address or a CIDR block such as 89.184.65.0/24")]
    BadAddress(String),
    /// The secret is too short or has characters a path segment cannot carry as they are.
    #[error(
        "the webhook secret must be at least {MIN_SECRET_CHARS} characters of A-Z a-z 0-9 - _ \
         (got {0} characters); generate one with generate_secret_segment()"
    )]
    WeakSecret(usize),
}

/// An allowed address or block of addresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AllowedNet {
    network: IpAddr,
    prefix: u8,
}

impl AllowedNet {
    /// Reads `89.184.65.208`, `89.184.65.0/24`, `2001:db8::/32`.
    pub fn parse(text: &str) -> Result<AllowedNet, GuardConfigError> {
        let bad = || GuardConfigError::BadAddress(text.to_owned());
        let (address, prefix) = match text.trim().split_once('/') {
            Some((address, prefix)) => (address, Some(prefix)),
            None => (text.trim(), None),
        };
        let network = canonical(address.parse::<IpAddr>().map_err(|_| bad())?);
        let max = if network.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(prefix) => prefix
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= max)
                .ok_or_else(bad)?,
            None => max,
        };
        Ok(AllowedNet { network, prefix })
    }

    /// True when `ip` lies in this block.
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.network, canonical(ip)) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                same_prefix(u32::from(net).into(), u32::from(ip).into(), self.prefix, 32)
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                same_prefix(u128::from(net), u128::from(ip), self.prefix, 128)
            }
            _ => false,
        }
    }
}

impl fmt::Display for AllowedNet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.network, self.prefix)
    }
}

/// True when the top `prefix` of `bits` bits of `a` and `b` agree.
fn same_prefix(a: u128, b: u128, prefix: u8, bits: u32) -> bool {
    let host_bits = bits - u32::from(prefix);
    // `checked_shr` covers prefix 0 (a shift by the full width).
    a.checked_shr(host_bits).unwrap_or(0) == b.checked_shr(host_bits).unwrap_or(0)
}

/// A dual-stack socket reports an IPv4 peer as `::ffff:a.b.c.d`: compare it as IPv4.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6
            .to_ipv4_mapped()
            .map(IpAddr::V4)
            .unwrap_or(IpAddr::V6(v6)),
        v4 => v4,
    }
}

/// Checks every webhook request before its body is read: address, secret path segment, size.
#[derive(Clone)]
pub struct WebhookGuard {
    allowed: Vec<AllowedNet>,
    secret: String,
    max_body_bytes: usize,
}

impl fmt::Debug for WebhookGuard {
    // Never prints the secret.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookGuard")
            .field("allowed", &self.allowed)
            .field("secret", &"***")
            .field("max_body_bytes", &self.max_body_bytes)
            .finish()
    }
}

impl WebhookGuard {
    /// A guard letting in requests from `allowed` (addresses or CIDR blocks) whose path has the
    /// segment `secret`, with bodies up to [`DEFAULT_MAX_BODY_BYTES`].
    pub fn new<S: AsRef<str>>(
        allowed: &[S],
        secret: &str,
    ) -> Result<WebhookGuard, GuardConfigError> {
        let allowed = allowed
            .iter()
            .map(|entry| AllowedNet::parse(entry.as_ref()))
            .collect::<Result<Vec<_>, _>>()?;
        if allowed.is_empty() {
            return Err(GuardConfigError::NoAllowedAddress);
        }
        let secret = secret.trim();
        if !is_strong_secret(secret) {
            return Err(GuardConfigError::WeakSecret(secret.chars().count()));
        }
        Ok(WebhookGuard {
            allowed,
            secret: secret.to_owned(),
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
        })
    }

    /// The same guard with another body limit (at least 1 KiB: vega.md's own examples need it).
    pub fn with_max_body_bytes(mut self, limit: usize) -> WebhookGuard {
        self.max_body_bytes = limit.max(1024);
        self
    }

    /// The body limit: the relay should stop reading a body past it.
    pub fn max_body_bytes(&self) -> usize {
        self.max_body_bytes
    }

    /// The allowed addresses and blocks.
    pub fn allowed(&self) -> &[AllowedNet] {
        &self.allowed
    }

    /// `Ok` when the request may be handled; else the error to reply with (`403` or `413`),
    /// already logged.
    pub fn check(&self, request: &WebhookRequest) -> Result<(), WebhookError> {
        if let Some(reason) = refusal_reason(&self.allowed, &self.secret, request) {
            tracing::warn!(
                remote_ip = %request.remote_ip,
                path = %masked_path(&request.path),
                "refused a Vega webhook request (403): {reason}"
            );
            return Err(WebhookError::Forbidden);
        }
        if request.body.len() > self.max_body_bytes {
            tracing::warn!(
                remote_ip = %request.remote_ip,
                size = request.body.len(),
                limit = self.max_body_bytes,
                "refused a Vega webhook request (413): the body is too large"
            );
            return Err(WebhookError::TooLarge {
                size: request.body.len(),
                limit: self.max_body_bytes,
            });
        }
        Ok(())
    }
}

/// Why a request from `request.remote_ip` to `request.path` is forbidden (`403`), for the log;
/// `None` when its address is in `allowed` and its path has the segment `secret`. Every webhook
/// guard without a token (Vega's, [`TokenlessGuard`](crate::tokenless_guard::TokenlessGuard))
/// decides this way.
pub(crate) fn refusal_reason(
    allowed: &[AllowedNet],
    secret: &str,
    request: &WebhookRequest,
) -> Option<&'static str> {
    let ip_allowed = allowed.iter().any(|net| net.contains(request.remote_ip));
    let path_ok = path_has_secret(&request.path, secret);
    match (ip_allowed, path_ok) {
        (true, true) => None,
        (false, false) => Some("address not allowed and no valid secret in the path"),
        (false, true) => Some("address not allowed"),
        (true, false) => Some("no valid secret in the path"),
    }
}

/// True when one segment of the path (query string left out) is the secret. Every segment is
/// compared in constant time, and all of them are, so the timing says nothing of the secret.
fn path_has_secret(path: &str, secret: &str) -> bool {
    let path = path.split(['?', '#']).next().unwrap_or_default();
    let mut found = subtle::Choice::from(0);
    for segment in path.split('/') {
        found |= segment.as_bytes().ct_eq(secret.as_bytes());
    }
    found.into()
}

/// True when `secret` (trimmed) is long enough ([`MIN_SECRET_CHARS`]) and made only of
/// characters a path segment carries as they are.
pub(crate) fn is_strong_secret(secret: &str) -> bool {
    secret.chars().count() >= MIN_SECRET_CHARS && secret.bytes().all(is_url_safe)
}

/// A new secret path segment: 128 random bits from the OS, as 32 lowercase hex digits (URL-safe
/// as they are).
pub fn generate_secret_segment() -> String {
    let mut bytes = [0u8; SECRET_BYTES];
    OsRng.fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn is_url_safe(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_'
}

/// `path` without its query, with every segment of [`MASK_SEGMENTS_FROM`] characters or more
/// replaced by `***`: the secret (right or nearly right) never reaches a log.
pub fn masked_path(path: &str) -> String {
    let path = path.split(['?', '#']).next().unwrap_or_default();
    path.split('/')
        .map(|segment| {
            if segment.chars().count() >= MASK_SEGMENTS_FROM {
                "***"
            } else {
                segment
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

impl crate::webhook::WebhookGate for WebhookGuard {
    fn admit(&self, request: &WebhookRequest) -> Result<(), crate::webhook::WebhookReply> {
        self.check(request).map_err(|error| error.reply())
    }

    fn max_body_bytes(&self) -> usize {
        self.max_body_bytes
    }

    fn too_large(&self, declared: usize) -> crate::webhook::WebhookReply {
        WebhookError::TooLarge {
            size: declared,
            limit: self.max_body_bytes,
        }
        .reply()
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
            content_type: Some("application/json".into()),
            body: vec![b' '; body],
        }
    }

    fn guard() -> WebhookGuard {
        WebhookGuard::new(&[VEGA_EXAMPLE_IP, "10.1.0.0/16", "2001:db8::/32"], SECRET).unwrap()
    }

    #[test]
    fn the_allowed_address_with_the_secret_path_passes() {
        let guard = guard();
        for path in [
            format!("/vega/{SECRET}"),
            format!("/vega/{SECRET}/"),
            format!("/vega/{SECRET}/utm?x=1"),
        ] {
            assert_eq!(
                guard.check(&request("89.184.65.208", &path, 10)),
                Ok(()),
                "{path}"
            );
        }
        assert_eq!(
            guard.check(&request("10.1.200.3", &format!("/{SECRET}"), 0)),
            Ok(())
        );
        assert_eq!(
            guard.check(&request("2001:db8::7", &format!("/{SECRET}"), 0)),
            Ok(())
        );
    }

    #[test]
    fn an_ipv4_peer_seen_through_a_dual_stack_socket_is_recognised() {
        let path = format!("/vega/{SECRET}");
        assert_eq!(
            guard().check(&request("::ffff:89.184.65.208", &path, 0)),
            Ok(())
        );
    }

    #[test]
    fn another_address_or_a_wrong_secret_is_forbidden() {
        let guard = guard();
        let good = format!("/vega/{SECRET}");
        let near = format!("/vega/{}0", &SECRET[..SECRET.len() - 1]);
        let longer = format!("/vega/{SECRET}x");
        let in_query = format!("/vega?s={SECRET}");
        let cases = [
            ("89.184.65.209", good.as_str()),
            ("10.2.0.1", good.as_str()),
            ("2001:db9::1", good.as_str()),
            ("89.184.65.208", "/vega/"),
            ("89.184.65.208", near.as_str()),
            ("89.184.65.208", longer.as_str()),
            ("89.184.65.208", in_query.as_str()),
            ("89.184.65.208", ""),
        ];
        for (ip, path) in cases {
            assert_eq!(
                guard.check(&request(ip, path, 0)),
                Err(WebhookError::Forbidden),
                "{ip} {path}"
            );
        }
    }

    #[test]
    fn a_body_over_the_limit_is_too_large_and_at_the_limit_passes() {
        let guard = guard().with_max_body_bytes(2048);
        let path = format!("/{SECRET}");
        assert_eq!(guard.check(&request(VEGA_EXAMPLE_IP, &path, 2048)), Ok(()));
        assert_eq!(
            guard.check(&request(VEGA_EXAMPLE_IP, &path, 2049)),
            Err(WebhookError::TooLarge {
                size: 2049,
                limit: 2048
            })
        );
        // Who asks is checked first: a stranger learns nothing about the limit.
        assert_eq!(
            guard.check(&request("1.2.3.4", &path, 4096)),
            Err(WebhookError::Forbidden)
        );
    }

    #[test]
    fn bad_configurations_are_refused_with_what_to_do() {
        let none: [&str; 0] = [];
        assert_eq!(
            WebhookGuard::new(&none, SECRET).unwrap_err(),
            GuardConfigError::NoAllowedAddress
        );
        for bad in [
            "89.184.65",
            "89.184.65.0/33",
            "::1/129",
            "host.example",
            "1.2.3.4/x",
        ] {
            assert_eq!(
                WebhookGuard::new(&[bad], SECRET).unwrap_err(),
                GuardConfigError::BadAddress(bad.into())
            );
        }
        for weak in ["short", "0123456789abcdef0123456789abcde/", ""] {
            let error = WebhookGuard::new(&[VEGA_EXAMPLE_IP], weak).unwrap_err();
            assert!(matches!(error, GuardConfigError::WeakSecret(_)), "{weak}");
            assert!(error.to_string().contains("generate_secret_segment"));
        }
    }

    #[test]
    fn cidr_blocks_match_by_prefix_including_everything_and_exact_hosts() {
        let all = AllowedNet::parse("0.0.0.0/0").unwrap();
        assert!(all.contains("203.0.113.9".parse().unwrap()));
        assert!(!all.contains("2001:db8::1".parse().unwrap()));
        let host = AllowedNet::parse("89.184.65.208").unwrap();
        assert_eq!(host.to_string(), "89.184.65.208/32");
        assert!(host.contains("89.184.65.208".parse().unwrap()));
        assert!(!host.contains("89.184.65.207".parse().unwrap()));
        let block = AllowedNet::parse(" 89.184.64.0/23 ").unwrap();
        assert!(block.contains("89.184.65.255".parse().unwrap()));
        assert!(!block.contains("89.184.66.0".parse().unwrap()));
    }

    #[test]
    fn generated_secrets_are_accepted_url_safe_and_different() {
        let a = generate_secret_segment();
        let b = generate_secret_segment();
        assert_eq!(a.len(), 32);
        assert!(a.bytes().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
        assert!(WebhookGuard::new(&[VEGA_EXAMPLE_IP], &a).is_ok());
    }

    #[test]
    fn logs_and_debug_output_never_show_the_secret() {
        let masked = masked_path(&format!("/vega/{SECRET}/utm?token={SECRET}"));
        assert_eq!(masked, "/vega/***/utm");
        assert!(!format!("{:?}", guard()).contains(SECRET));
    }
}
