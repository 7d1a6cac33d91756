//! The HTTP side: the routes, the Vega webhook handler and [`Relay`], which owns them.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use callpop_core::{Employee, Store};
use callpop_providers::cloudpbx::{self, CloudPbxWebhooks};
use callpop_providers::vega::webhook::{
    VegaWebhooks, WebhookError, WebhookGuard, WebhookReply, WebhookRequest,
};
use http_body_util::BodyExt;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;
use tower_http::timeout::TimeoutLayer;

use crate::config::{ConfigError, RelayConfig};
use crate::hub::{EventHub, PublishEvents};
use crate::ws;

/// What every handler shares.
#[derive(Clone)]
pub(crate) struct AppState {
    pub(crate) config: Arc<RelayConfig>,
    pub(crate) hub: EventHub,
    pub(crate) publisher: Arc<dyn PublishEvents>,
    /// `VegaWebhooks` keeps the live calls and the duplicate filter (vega.md A.2), so requests
    /// take turns at it; the work under the lock is a parse and one indexed SQLite look-up.
    pub(crate) vega: Arc<Mutex<VegaWebhooks>>,
    /// A copy of the guard inside `vega`, to refuse strangers before reading their body.
    pub(crate) vega_guard: WebhookGuard,
    /// The cloud PBX's handler (dedupe state inside, like Vega's), when configured.
    pub(crate) cloudpbx: Option<Arc<Mutex<CloudPbxWebhooks>>>,
    pub(crate) store: Arc<Store>,
    pub(crate) employees: Arc<Vec<Employee>>,
    /// WebSocket sessions allowed at once. Each holds a socket, a task and a buffer; without a
    /// bound, anyone able to open connections (even ones that never authenticate: the hello
    /// wait) could exhaust file descriptors and memory and lock the real desktops out.
    pub(crate) connections: Arc<Semaphore>,
}

/// One relay instance: the Vega webhook routes, the WebSocket endpoint and the hub between them.
pub struct Relay {
    state: AppState,
}

impl Relay {
    /// A relay for `config`, answering look-ups from `store` and naming responsible employees
    /// from `employees` (a snapshot: refreshing it from the PBX comes later).
    pub fn new(
        config: RelayConfig,
        store: Arc<Store>,
        employees: Vec<Employee>,
    ) -> Result<Relay, ConfigError> {
        config.check()?;
        let guard = config.vega.guard()?;
        // The relay serves every extension, so no "my" extension (see VegaWebhookEvents::new).
        let webhooks = VegaWebhooks::new(
            guard.clone(),
            config.vega.call_settings(),
            &config.region,
            None,
        );
        let hub = EventHub::new(&config.clients, config.buffer_per_client);
        let cloudpbx = match &config.cloudpbx {
            Some(settings) => Some(Arc::new(Mutex::new(
                CloudPbxWebhooks::new(&settings.crm_token, &config.region)
                    .map_err(ConfigError::Invalid)?,
            ))),
            None => None,
        };
        Ok(Relay {
            state: AppState {
                connections: Arc::new(Semaphore::new(config.max_connections)),
                config: Arc::new(config),
                publisher: Arc::new(hub.clone()),
                hub,
                vega: Arc::new(Mutex::new(webhooks)),
                vega_guard: guard,
                cloudpbx,
                store,
                employees: Arc::new(employees),
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

    /// The hub the WebSocket sessions read from.
    pub fn hub(&self) -> &EventHub {
        &self.state.hub
    }

    /// The routes, for embedding or for `tower::ServiceExt::oneshot`. Serve them with
    /// `into_make_service_with_connect_info::<SocketAddr>()`: the webhook guard needs the peer.
    pub fn router(&self) -> Router {
        let webhooks = Router::new()
            .route("/vega/{*rest}", post(vega_webhook))
            .route("/cloudpbx", post(cloudpbx_webhook))
            .layer(TimeoutLayer::with_status_code(
                StatusCode::REQUEST_TIMEOUT,
                self.state.config.request_timeout(),
            ));
        Router::new()
            .merge(webhooks)
            .route("/healthz", get(healthz))
            .route("/ws", get(ws::connect))
            .fallback(not_found)
            .with_state(self.state.clone())
    }

    /// Serves on `listener` until `shutdown` is cancelled; then the WebSocket sessions are
    /// closed ("going away") and in-flight requests finish.
    pub async fn serve(
        self,
        listener: TcpListener,
        shutdown: CancellationToken,
    ) -> std::io::Result<()> {
        let hub = self.state.hub.clone();
        let app = self.router();
        if let Ok(addr) = listener.local_addr() {
            tracing::info!(%addr, "relay listening");
        }
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async move {
            shutdown.cancelled().await;
            hub.shutdown();
        })
        .await
    }
}

async fn healthz() -> Json<serde_json::Value> {
    Json(serde_json::json!({ "ok": true }))
}

async fn not_found() -> Response {
    json_error(StatusCode::NOT_FOUND, "Not found")
}

/// `status` with `{"error": message}`, the shape every Vega reply uses too.
pub(crate) fn json_error(status: StatusCode, message: &str) -> Response {
    (status, Json(serde_json::json!({ "error": message }))).into_response()
}

fn write_reply(reply: WebhookReply) -> Response {
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
    let mut webhook = WebhookRequest {
        // The socket's peer, never X-Forwarded-For: anyone can write that header (A.0).
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
    };
    // Address and secret first, on an empty body: a stranger's body is never read.
    if let Err(error) = app.vega_guard.check(&webhook) {
        return write_reply(error.reply());
    }
    let limit = app.vega_guard.max_body_bytes();
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
        let mut webhooks = app.vega.lock().unwrap_or_else(|p| p.into_inner());
        let outcome = webhooks.handle(&webhook, &app.store, &app.employees, chrono::Utc::now());
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
        let mut webhooks = cloudpbx.lock().unwrap_or_else(|p| p.into_inner());
        let outcome = webhooks.handle(&webhook, &app.store, &app.employees, chrono::Utc::now());
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

fn declared_length(headers: &HeaderMap) -> Option<usize> {
    headers
        .get(header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
}

/// The body, stopping once `cap` bytes are in (what the client sends beyond is not read).
async fn read_at_most(mut body: Body, cap: usize) -> Result<Vec<u8>, String> {
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
