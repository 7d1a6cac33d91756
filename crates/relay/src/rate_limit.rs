//! The per-source rate limit in front of the webhook routes.
//!
//! One GCRA bucket per peer address (governor's keyed limiter): `burst` requests at once,
//! refilled at `per_second`. The address is the socket's, like the Vega allow-list's, so a
//! forged `X-Forwarded-For` buys nothing. A refused request gets `429 {"error":"Too many
//! requests"}` with `Retry-After` before its body is read.
//!
//! Rejections are logged with the address and the route's *pattern* (`/vega/{*rest}`), never
//! the request's path or query: Vega's path is its secret, and the cloud PBX's token may ride
//! in a query string. A flood would turn one warning per request into a flood of logs, so a
//! warning goes out at most once per [`LOG_EVERY`] with the number held back since.

use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::config::RateLimitSettings;

/// The shortest time between two rate-limit warnings.
const LOG_EVERY: Duration = Duration::from_secs(1);
/// Idle addresses are forgotten every this many requests (governor keeps one small entry per
/// address until told to drop those whose bucket has refilled).
const FORGET_IDLE_EVERY: u64 = 4096;

/// The webhook routes' limiter, shared by every request.
pub(crate) struct WebhookRateLimit {
    limiter: DefaultKeyedRateLimiter<IpAddr>,
    clock: DefaultClock,
    requests: AtomicU64,
    log: Mutex<LogThrottle>,
}

struct LogThrottle {
    last: Option<Instant>,
    held_back: u64,
}

impl WebhookRateLimit {
    /// A limiter for `settings` (checked non-zero by `RelayConfig::check`; zero reads as one).
    pub(crate) fn new(settings: RateLimitSettings) -> WebhookRateLimit {
        let per_second = NonZeroU32::new(settings.per_second).unwrap_or(NonZeroU32::MIN);
        let burst = NonZeroU32::new(settings.burst).unwrap_or(NonZeroU32::MIN);
        WebhookRateLimit {
            limiter: RateLimiter::keyed(Quota::per_second(per_second).allow_burst(burst)),
            clock: DefaultClock::default(),
            requests: AtomicU64::new(0),
            log: Mutex::new(LogThrottle {
                last: None,
                held_back: 0,
            }),
        }
    }

    /// `Ok` when `ip` may make a request now; otherwise how long until it may.
    fn check(&self, ip: IpAddr) -> Result<(), Duration> {
        if self.requests.fetch_add(1, Ordering::Relaxed) % FORGET_IDLE_EVERY
            == FORGET_IDLE_EVERY - 1
        {
            self.limiter.retain_recent();
            self.limiter.shrink_to_fit();
        }
        self.limiter
            .check_key(&ip)
            .map_err(|not_until| not_until.wait_time_from(self.clock.now()))
    }

    /// Logs a rejection unless one was logged less than [`LOG_EVERY`] ago.
    fn log_rejection(&self, ip: IpAddr, route: &str) {
        let mut log = self.log.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        if log
            .last
            .is_some_and(|last| now.duration_since(last) < LOG_EVERY)
        {
            log.held_back += 1;
            return;
        }
        let held_back = std::mem::take(&mut log.held_back);
        log.last = Some(now);
        drop(log);
        tracing::warn!(
            remote_ip = %ip,
            route,
            similar_rejections_not_logged = held_back,
            "webhook refused: too many requests from this address (429)"
        );
    }
}

/// The middleware: refuses a request over its address's limit before any handler runs.
pub(crate) async fn limit_webhooks(
    State(limit): State<Arc<WebhookRateLimit>>,
    request: Request,
    next: Next,
) -> Response {
    // Without a socket (the router driven in-process) there is no one to limit.
    let Some(ConnectInfo(peer)) = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .copied()
    else {
        return next.run(request).await;
    };
    let ip = canonical(peer.ip());
    match limit.check(ip) {
        Ok(()) => next.run(request).await,
        Err(wait) => {
            let route = request
                .extensions()
                .get::<MatchedPath>()
                .map_or("(unmatched)", MatchedPath::as_str);
            limit.log_rejection(ip, route);
            // Whole seconds, rounded up: `Retry-After` has no fractions (RFC 9110 10.2.3).
            let retry_after = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            (
                StatusCode::TOO_MANY_REQUESTS,
                [(header::RETRY_AFTER, retry_after.max(1).to_string())],
                Json(serde_json::json!({ "error": "Too many requests" })),
            )
                .into_response()
        }
    }
}

/// An IPv4 address seen through an IPv6 socket (`::ffff:a.b.c.d`) counts as that IPv4 address.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}
