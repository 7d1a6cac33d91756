//! Every PBX's webhooks through one route handler. Each provider's parsing and state live in
//! `callpop-providers` behind [`WebhookHandler`]; which path, which methods and which section
//! makes the handler is the `sections` table; here are the routes made from it and the one
//! handler that carries a request to the provider and the result on: events to the desktops,
//! calls to the shared history, the reply back.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{on, MethodFilter};
use axum::Router;
use callpop_providers::webhook::{
    WebhookContext, WebhookGate, WebhookHandler, WebhookReply, WebhookRequest,
};
use http_body_util::BodyExt;

use crate::config::{ConfigError, RelayConfig};
use crate::sections;
use crate::state::{json_error, not_found, AppState};

/// Every provider's webhook route (the `sections` table), with its handler when the config
/// has the provider's section (without it the route answers 404).
pub(crate) fn route_table(config: &RelayConfig) -> Result<Vec<WebhookRoute>, ConfigError> {
    sections::SECTIONS
        .iter()
        .map(|section| {
            let handler = match config.webhooks.get(section.name) {
                Some(value) => Some((section.build)(value, &config.region).map_err(|message| {
                    ConfigError::Section {
                        section: section.name,
                        message,
                    }
                })?),
                None => None,
            };
            Ok(WebhookRoute::new(section.path, section.methods, handler))
        })
        .collect()
}

/// One route of the table.
#[derive(Clone)]
pub(crate) struct WebhookRoute {
    path: &'static str,
    methods: MethodFilter,
    /// `None`: the provider is not configured (404).
    handler: Option<ConfiguredHandler>,
}

/// A handler and its gate. Requests take turns at the handler (it keeps the duplicate filter
/// and live calls), and the work under the lock is a parse and an indexed SQLite look-up; the
/// gate is read without the lock, so strangers are refused without waiting.
#[derive(Clone)]
struct ConfiguredHandler {
    gate: Arc<dyn WebhookGate>,
    handler: Arc<Mutex<Box<dyn WebhookHandler>>>,
    provider: &'static str,
}

impl WebhookRoute {
    fn new(
        path: &'static str,
        methods: MethodFilter,
        handler: Option<Box<dyn WebhookHandler>>,
    ) -> WebhookRoute {
        WebhookRoute {
            path,
            methods,
            handler: handler.map(|handler| ConfiguredHandler {
                gate: handler.gate(),
                provider: handler.provider(),
                handler: Arc::new(Mutex::new(handler)),
            }),
        }
    }
}

/// The table as axum routes, each served by [`serve_webhook`].
pub(crate) fn router(routes: Vec<WebhookRoute>) -> Router<AppState> {
    routes.into_iter().fold(Router::new(), |router, route| {
        let handler = route.handler;
        router.route(
            route.path,
            on(
                route.methods,
                move |State(app): State<AppState>,
                      ConnectInfo(peer): ConnectInfo<SocketAddr>,
                      request: Request| {
                    serve_webhook(app, handler.clone(), peer, request)
                },
            ),
        )
    })
}

/// The one webhook handler: gate on the request line (a stranger's body is never read), body
/// up to the gate's limit, the provider's handler off the async workers (it may write SQLite),
/// its events published while its lock is held (so they reach the hub in the order the PBX's
/// requests were handled), its finished calls into the shared history, its reply back.
async fn serve_webhook(
    app: AppState,
    handler: Option<ConfiguredHandler>,
    peer: SocketAddr,
    request: Request,
) -> Response {
    let Some(ConfiguredHandler {
        gate,
        handler,
        provider,
    }) = handler
    else {
        return not_found();
    };
    let (parts, body) = request.into_parts();
    let mut webhook = request_without_body(peer, &parts);
    if let Err(reply) = gate.admit(&webhook) {
        return write_reply(reply);
    }
    let limit = gate.max_body_bytes();
    if let Some(size) = declared_length(&parts.headers).filter(|size| *size > limit) {
        return write_reply(gate.too_large(size));
    }
    // One byte over the limit is enough for the handler to answer 413.
    webhook.body = match read_at_most(body, limit + 1).await {
        Ok(bytes) => bytes,
        Err(message) => {
            tracing::warn!(remote_ip = %peer.ip(), "{provider} webhook body unreadable: {message}");
            return json_error(StatusCode::BAD_REQUEST, &message);
        }
    };
    let handled = tokio::task::spawn_blocking(move || {
        let employees = app.employees.snapshot();
        let context = WebhookContext {
            store: &app.store,
            employees: &employees,
            now: chrono::Utc::now(),
        };
        let mut handler = handler.lock().unwrap_or_else(|p| p.into_inner());
        let handled = match app
            .publisher
            .handle_and_publish(&mut **handler, &webhook, &context)
        {
            Ok(handled) => handled,
            Err(error) => {
                tracing::error!("{provider} webhook not accepted: {error}");
                return Err(error);
            }
        };
        for call in &handled.calls {
            if let Err(e) = app.store.record_call(call) {
                tracing::warn!("{provider} call {} not saved to history: {e}", call.call_id);
            }
        }
        Ok(handled.reply)
    })
    .await;
    match handled {
        Ok(Ok(reply)) => write_reply(reply),
        // Not answered as accepted: a PBX that retries sends it again; one that does not has
        // at least been told.
        Ok(Err(_)) => json_error(
            StatusCode::SERVICE_UNAVAILABLE,
            "Service unavailable: the relay cannot store events right now; try again later",
        ),
        Err(error) => {
            tracing::error!("{provider} webhook handler failed: {error}");
            json_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Internal error: the webhook could not be handled",
            )
        }
    }
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

/// What a webhook handler needs of a request, its body still unread (a gate looks first):
/// the peer from the socket — never X-Forwarded-For, which anyone can write (vega.md A.0) — the
/// path with its query string (some PBXs send their fields there), the content type.
fn request_without_body(peer: SocketAddr, parts: &axum::http::request::Parts) -> WebhookRequest {
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
