//! Several relay instances sharing one Redis: the `[cluster]` section.
//!
//! The design (the crate README has the picture):
//! - **One stream**, `callpop:events`, holds every accepted event: its number (`seq`) and its
//!   JSON. Routing stays where it was, in each instance's hub, because every instance needs
//!   every event anyway (any desktop may connect to any instance) and one stream keeps one
//!   order. Entries get Redis's time-based ids, so retention by age is `XTRIM MINID`; retention
//!   by count is `MAXLEN ~` on every append.
//! - **Numbers come from Redis**: a counter, `callpop:seq`, incremented in the same Lua script
//!   that appends (atomic, so the stream's order is the numbers' order). A desktop resuming on
//!   another instance means the same events by the same number. A counter that is missing (a
//!   new or wiped Redis) starts from the clock, as a single relay does, so old numbers never
//!   alias new events.
//! - **Each instance reads the stream** (`XREAD BLOCK`) into its own hub and pushes to its
//!   own WebSocket clients; at start it loads the stream's tail, so desktops resume from any
//!   instance.
//! - **Handler state** (duplicate filters, live calls) is shared through
//!   [`handler_state`]: one request at a time per provider across the cluster, under a lock
//!   with a lease, taking over the state the previous request left and writing the new one in
//!   the same script that appends the events.
//! - **Clients** live in a Redis hash as well as in each instance's file ([`clients`]), so
//!   `relay add-client` on one machine lets the desktop in on every instance.
//! - **Redis down**: the webhook is answered `503` (nothing was appended, so nothing answered
//!   with a 2xx is lost); desktops keep their WebSockets; [`health`] logs once per change.

pub mod clients;
pub(crate) mod handler_state;
pub(crate) mod health;
pub(crate) mod reader;
mod settings;

use std::sync::Arc;
use std::time::Duration;

use redis::aio::ConnectionManager;

pub use settings::{ClusterSettings, REDIS_PASSWORD_ENV};

use crate::config::ConfigError;

/// The stream of events.
pub(crate) const EVENTS: &str = "callpop:events";
/// The counter events are numbered from.
pub(crate) const SEQ: &str = "callpop:seq";
/// How long one Redis command may take before the webhook gets its `503`.
pub(crate) const COMMAND_TIMEOUT: Duration = Duration::from_secs(2);

/// Why the cluster could not be joined at start.
#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    /// `[cluster]` is wrong.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// Redis did not answer.
    #[error("cannot reach Redis at {url}: {message}")]
    Unreachable {
        /// The configured URL (it holds no password).
        url: String,
        /// What the client said.
        message: String,
    },
}

/// What the instance holds of the cluster: the Redis client, a connection that reconnects by
/// itself, the runtime to block on from the webhook handlers' blocking threads.
#[derive(Clone)]
pub(crate) struct Redis {
    pub(crate) client: redis::Client,
    pub(crate) connection: ConnectionManager,
    pub(crate) runtime: tokio::runtime::Handle,
    pub(crate) settings: Arc<ClusterSettings>,
    pub(crate) health: Arc<health::Health>,
}

impl Redis {
    /// Connects, with the password from [`REDIS_PASSWORD_ENV`]. Fails when Redis does not
    /// answer now: an instance that starts blind would refuse every webhook.
    pub(crate) async fn connect(settings: &ClusterSettings) -> Result<Redis, ClusterError> {
        let password = std::env::var(REDIS_PASSWORD_ENV).ok();
        let client = settings.client(password.as_deref())?;
        let unreachable = |error: redis::RedisError| ClusterError::Unreachable {
            url: settings.redis_url.clone(),
            message: error.to_string(),
        };
        let config = redis::aio::ConnectionManagerConfig::new()
            .set_connection_timeout(Some(COMMAND_TIMEOUT))
            .set_response_timeout(Some(COMMAND_TIMEOUT))
            .set_number_of_retries(1);
        let connection = ConnectionManager::new_with_config(client.clone(), config)
            .await
            .map_err(unreachable)?;
        let instance = settings.instance_name();
        Ok(Redis {
            client,
            connection,
            runtime: tokio::runtime::Handle::current(),
            settings: Arc::new(settings.clone()),
            health: Arc::new(health::Health::new(instance)),
        })
    }

    /// The first number for a counter that does not exist: the clock, as a single relay's.
    pub(crate) fn clock_seq() -> u64 {
        let millis = u64::try_from(chrono::Utc::now().timestamp_millis()).unwrap_or(0);
        millis.saturating_mul(1000)
    }
}
