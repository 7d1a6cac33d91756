//! [`Relay`]: one instance's routes (the webhook table, `/healthz`, `/ws`) and its server.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::serve::ListenerExt;
use axum::{Json, Router};
use callpop_core::{Employee, Store};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio_rustls::rustls::ServerConfig;
use tokio_util::sync::CancellationToken;
use tower_http::timeout::TimeoutLayer;

use crate::cluster::{self, ClusterError};
use crate::config::{ConfigError, RelayConfig};
use crate::employees::{EmployeeList, EmployeeRefresh, EmployeeSource};
use crate::hub::{EventHub, PublishEvents};
use crate::rate_limit::{self, WebhookRateLimit};
use crate::state::{not_found, AppState};
use crate::{tls, webhooks, ws};

/// One relay instance: the webhook routes, the WebSocket endpoint and the hub between them.
pub struct Relay {
    state: AppState,
    /// The shared Redis, for a cluster member.
    cluster: Option<cluster::Redis>,
    /// HTTPS when the config has a `[tls]` section.
    tls: Option<Arc<ServerConfig>>,
    /// The webhook routes, made once from the config: every [`router`](Relay::router) shares
    /// their handlers, which keep state between requests (duplicate filters, live calls).
    routes: Vec<webhooks::WebhookRoute>,
}

impl Relay {
    /// A relay for `config`, answering look-ups from `store` and naming responsible employees
    /// from `employees`: the list to start with, kept as it is unless
    /// [`keep_employees_fresh`](Self::keep_employees_fresh) re-reads it from the PBX.
    pub fn new(
        config: RelayConfig,
        store: Arc<Store>,
        employees: Vec<Employee>,
    ) -> Result<Relay, ConfigError> {
        if config.cluster.is_some() {
            return Err(ConfigError::Invalid(
                "[cluster] needs a relay started with `callpop-cli relay`; the app's LAN relay \
                 is one process: remove the section"
                    .into(),
            ));
        }
        config.check()?;
        let hub = match &config.events_file {
            Some(path) => EventHub::open(&config.clients, config.buffer_per_client, path)?,
            None => EventHub::new(&config.clients, config.buffer_per_client),
        };
        Self::assemble(config, store, employees, hub.clone(), Arc::new(hub))
    }

    /// [`new`](Self::new), or with `[cluster]` a member of the cluster: its hub loaded from
    /// and fed by the shared Redis stream, its webhooks published there. Fails when Redis does
    /// not answer now.
    pub async fn open(
        config: RelayConfig,
        store: Arc<Store>,
        employees: Vec<Employee>,
    ) -> Result<Relay, ClusterError> {
        let Some(settings) = config.cluster.clone() else {
            return Ok(Self::new(config, store, employees)?);
        };
        config.check()?;
        let redis = cluster::Redis::connect(&settings).await?;
        let shared =
            cluster::clients::read(&redis)
                .await
                .map_err(|error| ClusterError::Unreachable {
                    url: settings.redis_url.clone(),
                    message: error.to_string(),
                })?;
        let clients = cluster::clients::merge(&config.clients, &shared);
        let hub = cluster::reader::start(&redis, &clients, config.buffer_per_client).await?;
        let publisher = Arc::new(cluster::handler_state::ClusterPublisher::new(redis.clone()));
        tracing::info!(instance = %settings.instance_name(), "relay joined the cluster at {}", settings.redis_url);
        let mut relay = Self::assemble(config, store, employees, hub, publisher)?;
        relay.cluster = Some(redis);
        Ok(relay)
    }

    fn assemble(
        config: RelayConfig,
        store: Arc<Store>,
        employees: Vec<Employee>,
        hub: EventHub,
        publisher: Arc<dyn PublishEvents>,
    ) -> Result<Relay, ConfigError> {
        for warning in config.routing_warnings() {
            tracing::warn!("{warning}");
        }
        // Read now: a wrong certificate path is a start-up error naming the file.
        let tls = config.tls.as_ref().map(tls::server_config).transpose()?;
        let routes = webhooks::route_table(&config)?;
        Ok(Relay {
            tls,
            routes,
            cluster: None,
            state: AppState {
                connections: Arc::new(Semaphore::new(config.max_connections)),
                rate_limit: Arc::new(WebhookRateLimit::new(config.rate_limit)),
                config: Arc::new(config),
                publisher,
                hub,
                store,
                employees: EmployeeList::new(employees),
            },
        })
    }

    /// The same relay with webhook events handed to `publisher` instead of straight to the
    /// hub: the seam for a broker shared by several instances (see the crate README). The
    /// broker's subscriber then feeds [`hub`](Self::hub).
    pub fn with_publisher(mut self, publisher: Arc<dyn PublishEvents>) -> Relay {
        self.state.publisher = publisher;
        self
    }

    /// Re-reads the employee list from `source` now and then at its interval, until `shutdown`
    /// (the relay's own, normally), so a manager added on the PBX is named without restarting
    /// the relay. A failed read keeps the list the relay has.
    pub fn keep_employees_fresh(
        &self,
        source: EmployeeSource,
        shutdown: CancellationToken,
    ) -> EmployeeRefresh {
        EmployeeRefresh::start(self.state.employees.clone(), source, shutdown)
    }

    /// Re-reads the client list from the config file at `path` every `every`, until
    /// `shutdown` — and, in a cluster, the clients every instance shares in Redis — so a
    /// desktop added with `relay add-client` (or removed) is let in (or out) without
    /// restarting the relay. A file that does not read, or a Redis that does not answer, keeps
    /// the clients the relay has.
    pub fn watch_clients(
        &self,
        path: std::path::PathBuf,
        every: Duration,
        shutdown: CancellationToken,
    ) {
        let hub = self.state.hub.clone();
        let redis = self.cluster.clone();
        let mut last_text = std::fs::read_to_string(&path).ok();
        let mut from_file = RelayConfig::load(&path)
            .map(|config| config.clients)
            .unwrap_or_else(|_| self.state.config.clients.clone());
        // What the relay has beyond its file stays until told otherwise: the cluster's
        // clients (until Redis is read), the embedded relay's own desktop (for good).
        let mut shared: Vec<_> = self
            .state
            .hub
            .clients()
            .into_iter()
            .filter(|client| !from_file.contains(client))
            .collect();
        tokio::spawn(async move {
            let mut applied = sorted(hub.clients());
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    () = shutdown.cancelled() => return,
                    _ = tick.tick() => {}
                }
                let text = std::fs::read_to_string(&path).ok();
                if text != last_text {
                    last_text = text;
                    match RelayConfig::load(&path) {
                        Ok(config) => from_file = config.clients,
                        Err(error) => tracing::warn!("{error}; the relay keeps the clients it has"),
                    }
                }
                if let Some(redis) = &redis {
                    match cluster::clients::read(redis).await {
                        Ok(clients) => shared = clients,
                        Err(error) => tracing::debug!("clients not re-read from Redis: {error}"),
                    }
                }
                let wanted = sorted(cluster::clients::merge(&from_file, &shared));
                if wanted != applied {
                    hub.set_clients(&wanted);
                    tracing::info!(clients = wanted.len(), "relay clients re-read");
                    applied = wanted;
                }
            }
        });
    }

    /// The employee list the look-ups use now (shared: it follows the refreshes).
    pub fn employees(&self) -> &EmployeeList {
        &self.state.employees
    }

    /// The hub the WebSocket sessions read from.
    pub fn hub(&self) -> &EventHub {
        &self.state.hub
    }

    /// True when [`serve`](Self::serve) speaks HTTPS (the config has a `[tls]` section).
    pub fn uses_tls(&self) -> bool {
        self.tls.is_some()
    }

    /// The routes, for embedding or for `tower::ServiceExt::oneshot`. Serve them with
    /// `into_make_service_with_connect_info::<SocketAddr>()`: the webhook guard and the rate
    /// limit need the peer.
    pub fn router(&self) -> Router {
        // The rate limit is the outer layer: a flood is refused before the timeout's clock,
        // the guard or the body reader spend anything on it.
        let webhooks = webhooks::router(self.routes.clone())
            .layer(TimeoutLayer::with_status_code(
                StatusCode::REQUEST_TIMEOUT,
                self.state.config.request_timeout(),
            ))
            .layer(axum::middleware::from_fn_with_state(
                Arc::clone(&self.state.rate_limit),
                rate_limit::limit_webhooks,
            ));
        Router::new()
            .merge(webhooks)
            .route("/healthz", get(healthz))
            .route("/ws", get(ws::connect))
            .fallback(fallback)
            .with_state(self.state.clone())
    }

    /// Serves on `listener` (HTTPS when the config has `[tls]`, else HTTP) until `shutdown` is
    /// cancelled; then the WebSocket sessions are closed ("going away") and in-flight requests
    /// finish.
    pub async fn serve(
        self,
        listener: TcpListener,
        shutdown: CancellationToken,
    ) -> std::io::Result<()> {
        let hub = self.state.hub.clone();
        let app = self
            .router()
            .into_make_service_with_connect_info::<SocketAddr>();
        let stopped = async move {
            shutdown.cancelled().await;
            hub.shutdown();
        };
        let addr = listener.local_addr()?;
        // `tap_io` sets TCP_NODELAY (events are small messages that must not wait for Nagle's
        // algorithm); it also makes axum hand the listener's peer address to `ConnectInfo`,
        // which for TLS is still the TCP socket's.
        match self.tls {
            None => {
                tracing::info!(%addr, "relay listening (HTTP)");
                let listener = listener.tap_io(|tcp| no_delay(tcp));
                axum::serve(listener, app)
                    .with_graceful_shutdown(stopped)
                    .await
            }
            Some(config) => {
                tracing::info!(%addr, "relay listening (HTTPS)");
                let listener = tls::TlsListener::new(listener, config)?
                    .tap_io(|stream| no_delay(stream.get_ref().0));
                axum::serve(listener, app)
                    .with_graceful_shutdown(stopped)
                    .await
            }
        }
    }
}

/// `clients` in name order, to compare lists.
fn sorted(mut clients: Vec<crate::config::ClientEntry>) -> Vec<crate::config::ClientEntry> {
    clients.sort_by(|a, b| a.name.cmp(&b.name));
    clients
}

fn no_delay(tcp: &tokio::net::TcpStream) {
    if let Err(error) = tcp.set_nodelay(true) {
        tracing::debug!("TCP_NODELAY not set: {error}");
    }
}

async fn healthz() -> Json<serde_json::Value> {
    Json(serde_json::json!({ "ok": true }))
}

async fn fallback() -> Response {
    not_found()
}
