//! The HTTP side: the routes, the Vega webhook handler and [`Relay`], which owns them.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use axum::serve::ListenerExt;
use axum::{Json, Router};
use callpop_core::{Employee, Store};
use callpop_providers::cloudpbx::{self, CloudPbxWebhooks};
use callpop_providers::vega::webhook::{
    VegaWebhooks, WebhookError, WebhookGuard, WebhookReply, WebhookRequest,
};
use http_body_util::BodyExt;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio_rustls::rustls::ServerConfig;
use tokio_util::sync::CancellationToken;
use tower_http::timeout::TimeoutLayer;

use crate::config::{ConfigError, RelayConfig};
use crate::employees::{EmployeeList, EmployeeRefresh, EmployeeSource};
use crate::hub::{EventHub, PublishEvents};
use crate::rate_limit::{self, WebhookRateLimit};
use crate::{tls, tokenless, ws};

/// What every handler shares.
#[derive(Clone)]
pub(crate) struct AppState {
    pub(crate) config: Arc<RelayConfig>,
    pub(crate) hub: EventHub,
    pub(crate) publisher: Arc<dyn PublishEvents>,
    /// `VegaWebhooks` keeps the live calls and the duplicate filter (vega.md A.2), so requests
    /// take turns at it; the work under the lock is a parse and one indexed SQLite look-up.
    /// With it, a copy of its guard, to refuse strangers before reading their body. `None`:
    /// no `[vega]` section.
    pub(crate) vega: Option<(Arc<Mutex<VegaWebhooks>>, WebhookGuard)>,
    /// Telediscount's handler (dedupe state inside), when configured.
    pub(crate) telediscount:
        Option<Arc<Mutex<callpop_providers::telediscount::TelediscountWebhooks>>>,
    /// MCN Telecom's handler, when configured.
    pub(crate) mcn: Option<Arc<Mutex<callpop_providers::mcn::McnWebhooks>>>,
    /// The Autodialer's completion webhook, when configured.
    pub(crate) autodialer: Option<Arc<callpop_providers::autodialer::AutodialerWebhook>>,
    /// The token Asterisk's dialplan look-up carries, when configured.
    pub(crate) asterisk_token: Option<callpop_core::secrets::Secret>,
    /// The cloud PBX's handler (dedupe state inside, like Vega's), when configured.
    pub(crate) cloudpbx: Option<Arc<Mutex<CloudPbxWebhooks>>>,
    pub(crate) store: Arc<Store>,
    /// Whom the look-ups name responsible; each request takes a snapshot, the refresher (if
    /// started) swaps the list.
    pub(crate) employees: EmployeeList,
    /// WebSocket sessions allowed at once. Each holds a socket, a task and a buffer; without a
    /// bound, anyone able to open connections (even ones that never authenticate: the hello
    /// wait) could exhaust file descriptors and memory and lock the real desktops out.
    pub(crate) connections: Arc<Semaphore>,
    /// The per-source limit on the webhook routes.
    pub(crate) rate_limit: Arc<WebhookRateLimit>,
}

/// One relay instance: the webhook routes, the WebSocket endpoint and the hub between them.
pub struct Relay {
    state: AppState,
    /// HTTPS when the config has a `[tls]` section.
    tls: Option<Arc<ServerConfig>>,
}

/// Every provider's webhook route, in one place: a new provider adds its line here and gets
/// the rate limit and the request timeout with the others.
fn webhook_routes() -> Router<AppState> {
    Router::new()
        .route("/vega/{*rest}", post(vega_webhook))
        .route("/cloudpbx", post(cloudpbx_webhook))
        .route("/telediscount/{*rest}", get(tokenless::telediscount))
        .route("/mcn/{*rest}", any(tokenless::mcn))
        .route("/autodialer/{*rest}", any(tokenless::autodialer))
        .route(
            "/asterisk/caller-name",
            get(tokenless::asterisk_caller_name),
        )
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
        config.check()?;
        for warning in config.routing_warnings() {
            tracing::warn!("{warning}");
        }
        // Read now: a wrong certificate path is a start-up error naming the file.
        let tls = config.tls.as_ref().map(tls::server_config).transpose()?;
        let vega = match &config.vega {
            Some(vega) => {
                let guard = vega.guard()?;
                // The relay serves every extension, so no "my" extension (see
                // VegaWebhookEvents::new).
                let webhooks =
                    VegaWebhooks::new(guard.clone(), vega.call_settings(), &config.region, None);
                Some((Arc::new(Mutex::new(webhooks)), guard))
            }
            None => None,
        };
        let tokenless = tokenless::TokenlessHandlers::from_config(&config)?;
        let asterisk_token = config
            .asterisk
            .as_ref()
            .map(|a| callpop_core::secrets::Secret::new(a.lookup_token.trim()));
        let hub = EventHub::new(&config.clients, config.buffer_per_client);
        let cloudpbx = match &config.cloudpbx {
            Some(settings) => Some(Arc::new(Mutex::new(
                CloudPbxWebhooks::new(&settings.crm_token, &config.region)
                    .map_err(ConfigError::Invalid)?,
            ))),
            None => None,
        };
        Ok(Relay {
            tls,
            state: AppState {
                connections: Arc::new(Semaphore::new(config.max_connections)),
                rate_limit: Arc::new(WebhookRateLimit::new(config.rate_limit)),
                config: Arc::new(config),
                publisher: Arc::new(hub.clone()),
                hub,
                vega,
                telediscount: tokenless.telediscount,
                mcn: tokenless.mcn,
                autodialer: tokenless.autodialer,
                asterisk_token,
                cloudpbx,
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
        let webhooks = webhook_routes()
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
            .fallback(not_found)
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

fn no_delay(tcp: &tokio::net::TcpStream) {
    if let Err(error) = tcp.set_nodelay(true) {
        tracing::debug!("TCP_NODELAY not set: {error}");
    }
}

async fn healthz() -> Json<serde_json::Value> {
    Json(serde_json::json!({ "ok": true }))
}

pub(crate) async fn not_found() -> Response {
    json_error(StatusCode::NOT_FOUND, "Not found")
}

/// `status` with `{"error": message}`, the shape every Vega reply uses too.
pub(crate) fn json_error(status: StatusCode, message: &str) -> Response {
    (status, Json(serde_json::json!({ "error": message }))).into_response()
}

pub(crate) fn write_reply(reply: WebhookReply) -> Response {
    let status = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (
        status,
        [(header::CONTENT_TYPE, reply.content_type)],
        reply.body,
    )
        .into_response()
}

/// Every Vega webhook (look-up, call event, UTM tags): `VegaWebhooks::handle` tells them apart
/// by the body (providers' `vega::webhook` module doc).
async fn vega_webhook(
    State(app): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: Request,
) -> Response {
    let (parts, body) = request.into_parts();
    let mut webhook = request_without_body(peer, &parts);
    let Some((vega, guard)) = app.vega.clone() else {
        return not_found().await;
    };
    // Address and secret first, on an empty body: a stranger's body is never read.
    if let Err(error) = guard.check(&webhook) {
        return write_reply(error.reply());
    }
    let limit = guard.max_body_bytes();
    if let Some(size) = declared_length(&parts.headers).filter(|size| *size > limit) {
        return write_reply(WebhookError::TooLarge { size, limit }.reply());
    }
    webhook.body = match read_at_most(body, limit + 1).await {
        Ok(bytes) => bytes,
        Err(message) => {
            tracing::warn!(remote_ip = %peer.ip(), "Vega webhook body unreadable: {message}");
            return json_error(StatusCode::BAD_REQUEST, &message);
        }
    };
    // Past the limit the read stopped at limit + 1 bytes; the guard answers 413 for it.

    // The look-up is synchronous SQLite: kept off the async workers.
    let handled = tokio::task::spawn_blocking(move || {
        let employees = app.employees.snapshot();
        let mut webhooks = vega.lock().unwrap_or_else(|p| p.into_inner());
        let outcome = webhooks.handle(&webhook, &app.store, &employees, chrono::Utc::now());
        // vega.md A.3: UTM tags are kept with their call for the history to show.
        for record in outcome.utm.iter().flat_map(|batch| batch.records.values()) {
            let saved = app.store.save_utm_tags(
                callpop_providers::vega::PROVIDER,
                &record.call_parent_uuid,
                &record.tags(),
            );
            if let Err(error) = saved {
                tracing::error!(call = %record.call_parent_uuid, "Vega UTM tags not saved: {error}");
            }
        }
        // Published under the lock, so events reach the hub in the order Vega's requests
        // were handled.
        if !outcome.events.is_empty() {
            app.publisher.publish(outcome.events);
        }
        outcome.reply
    })
    .await;
    match handled {
        Ok(reply) => write_reply(reply),
        Err(error) => {
            tracing::error!("Vega webhook handler failed: {error}");
            json_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Internal error: the webhook could not be handled",
            )
        }
    }
}

/// The cloud PBX's single entry point (cloud-pbx.md 2): `event`, `contact` and `history`, each
/// carrying `crm_token`, which `CloudPbxWebhooks::handle` checks in constant time.
async fn cloudpbx_webhook(
    State(app): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: Request,
) -> Response {
    let Some(cloudpbx) = app.cloudpbx.clone() else {
        return not_found().await;
    };
    let (parts, body) = request.into_parts();
    let limit = cloudpbx::webhook::MAX_BODY_BYTES;
    if declared_length(&parts.headers).is_some_and(|size| size > limit) {
        return json_error(StatusCode::PAYLOAD_TOO_LARGE, "Payload too large");
    }
    // One byte over the limit is enough for the handler to answer 413.
    let body = match read_at_most(body, limit + 1).await {
        Ok(bytes) => bytes,
        Err(message) => return json_error(StatusCode::BAD_REQUEST, &message),
    };
    let webhook = WebhookRequest {
        remote_ip: peer.ip(),
        path: parts.uri.path().to_owned(),
        content_type: parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned),
        body,
    };
    let handled = tokio::task::spawn_blocking(move || {
        let employees = app.employees.snapshot();
        let mut webhooks = cloudpbx.lock().unwrap_or_else(|p| p.into_inner());
        let outcome = webhooks.handle(&webhook, &app.store, &employees, chrono::Utc::now());
        if !outcome.events.is_empty() {
            app.publisher.publish(outcome.events);
        }
        // cloud-pbx.md 4.1: the call as the PBX recorded it, kept in the shared history.
        if let Some(record) = &outcome.record {
            if let Err(e) = app.store.record_call(record) {
                tracing::warn!(
                    "cloud PBX history for call {} not saved: {e}",
                    record.call_id
                );
            }
        }
        outcome.reply
    })
    .await;
    match handled {
        Ok(reply) => write_reply(reply),
        Err(error) => {
            tracing::error!("cloud PBX webhook handler failed: {error}");
            json_error(StatusCode::INTERNAL_SERVER_ERROR, "Internal error")
        }
    }
}

/// What a webhook handler needs of a request, its body still unread (a guard looks first):
/// the peer from the socket — never X-Forwarded-For, which anyone can write (vega.md A.0) — the
/// path with its query string (some PBXs send their fields there), the content type.
pub(crate) fn request_without_body(
    peer: SocketAddr,
    parts: &axum::http::request::Parts,
) -> WebhookRequest {
    WebhookRequest {
        remote_ip: peer.ip(),
        path: parts
            .uri
            .path_and_query()
            .map_or_else(|| parts.uri.path().to_owned(), |pq| pq.as_str().to_owned()),
        content_type: parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned),
        body: Vec::new(),
    }
}

pub(crate) fn declared_length(headers: &HeaderMap) -> Option<usize> {
    headers
        .get(header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
}

/// The body, stopping once `cap` bytes are in (what the client sends beyond is not read).
pub(crate) async fn read_at_most(mut body: Body, cap: usize) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    while out.len() < cap {
        let Some(frame) = body.frame().await else {
            break;
        };
        let frame =
            frame.map_err(|error| format!("Invalid parameters: cannot read the body ({error})"))?;
        if let Ok(data) = frame.into_data() {
            let room = cap - out.len();
            out.extend_from_slice(&data[..data.len().min(room)]);
        }
    }
    Ok(out)
}
