//! Every PBX's webhooks through one route handler. Each provider's parsing and state live in
//! `callpop-providers` behind [`WebhookHandler`]; which path, which methods and which section
//! makes the handler is the `sections` table; here are the routes made from it and the one
//! handler that carries a request to the provider and the result on: events to the desktops,
//! calls to the shared history, the reply back.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, OnceLock};

use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{on, MethodFilter};
use axum::Router;
use callpop_providers::webhook::{
    Handled, WebhookContext, WebhookGate, WebhookHandler, WebhookReply, WebhookRequest,
};
use http_body_util::BodyExt;
use tokio::sync::{mpsc, oneshot};

use crate::config::{ConfigError, RelayConfig};
use crate::hub::PublishError;
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
/// and live calls): they queue for the route's worker, which takes whatever has queued up (up
/// to [`MAX_BATCH`]) in one go — one journal transaction, or in a cluster one turn of the
/// shared lock and state, for the lot. The gate is read without queueing, so strangers are
/// refused without waiting.
#[derive(Clone)]
struct ConfiguredHandler {
    gate: Arc<dyn WebhookGate>,
    handler: SharedHandler,
    provider: &'static str,
    /// The worker's queue, started by the first request (a runtime is there by then).
    queue: Arc<OnceLock<mpsc::Sender<Job>>>,
}

/// A provider's handler, shared by its route and its worker.
type SharedHandler = Arc<Mutex<Box<dyn WebhookHandler>>>;

/// Most requests one turn of the handler takes.
const MAX_BATCH: usize = 64;
/// Requests waiting for the handler; beyond this a request waits to queue (the request
/// timeout bounds the wait).
const QUEUE: usize = 1024;

/// One request waiting for the handler, and where its outcome goes.
struct Job {
    request: WebhookRequest,
    received: chrono::DateTime<chrono::Utc>,
    outcome: oneshot::Sender<Result<Handled, PublishError>>,
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
                queue: Arc::new(OnceLock::new()),
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
/// up to the gate's limit, then the route's worker (below); its reply back.
async fn serve_webhook(
    app: AppState,
    handler: Option<ConfiguredHandler>,
    peer: SocketAddr,
    request: Request,
) -> Response {
    let Some(configured) = handler else {
        return not_found();
    };
    let (parts, body) = request.into_parts();
    let mut webhook = request_without_body(peer, &parts);
    if let Err(reply) = configured.gate.admit(&webhook) {
        return write_reply(reply);
    }
    let limit = configured.gate.max_body_bytes();
    if let Some(size) = declared_length(&parts.headers).filter(|size| *size > limit) {
        return write_reply(configured.gate.too_large(size));
    }
    // One byte over the limit is enough for the handler to answer 413.
    webhook.body = match read_at_most(body, limit + 1).await {
        Ok(bytes) => bytes,
        Err(message) => {
            let provider = configured.provider;
            tracing::warn!(remote_ip = %peer.ip(), "{provider} webhook body unreadable: {message}");
            return json_error(StatusCode::BAD_REQUEST, &message);
        }
    };
    let queue = configured
        .queue
        .get_or_init(|| start_worker(app, Arc::clone(&configured.handler), configured.provider))
        .clone();
    let (outcome, handled) = oneshot::channel();
    let job = Job {
        request: webhook,
        received: chrono::Utc::now(),
        outcome,
    };
    if queue.send(job).await.is_err() {
        return unavailable();
    }
    match handled.await {
        Ok(Ok(handled)) => write_reply(handled.reply),
        // Not answered as accepted: a PBX that retries sends it again; one that does not has
        // at least been told.
        Ok(Err(_)) => unavailable(),
        Err(_) => {
            tracing::error!("{} webhook handler failed", configured.provider);
            json_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Internal error: the webhook could not be handled",
            )
        }
    }
}

fn unavailable() -> Response {
    json_error(
        StatusCode::SERVICE_UNAVAILABLE,
        "Service unavailable: the relay cannot store events right now; try again later",
    )
}

/// The route's worker: takes what has queued (up to [`MAX_BATCH`]), has the provider's
/// handler answer it off the async workers (it may read SQLite; a cluster waits on Redis) with
/// the events published in request order, writes the finished calls to the shared history,
/// and hands each request its outcome. Ends with the relay (its queue's last sender gone).
///
/// The worker holds the handler, not the route: when the routes go, so does the queue's
/// sender, and the worker ends.
fn start_worker(
    app: AppState,
    handler: SharedHandler,
    provider: &'static str,
) -> mpsc::Sender<Job> {
    let (queue, mut jobs) = mpsc::channel::<Job>(QUEUE);
    tokio::spawn(async move {
        while let Some(first) = jobs.recv().await {
            let mut batch = vec![first];
            while batch.len() < MAX_BATCH {
                match jobs.try_recv() {
                    Ok(job) => batch.push(job),
                    Err(_) => break,
                }
            }
            let (app, handler) = (app.clone(), Arc::clone(&handler));
            let answered =
                tokio::task::spawn_blocking(move || handle_batch(&app, &handler, provider, batch))
                    .await;
            if let Err(error) = answered {
                // The batch's senders were dropped with it: each request answers 500.
                tracing::error!("{provider} webhook handler failed: {error}");
            }
        }
    });
    queue
}

fn handle_batch(app: &AppState, handler: &SharedHandler, provider: &'static str, batch: Vec<Job>) {
    let employees = app.employees.snapshot();
    let (requests, outcomes): (Vec<_>, Vec<_>) = batch
        .into_iter()
        .map(|job| {
            let context = WebhookContext {
                store: &app.store,
                employees: &employees,
                now: job.received,
            };
            ((job.request, context), job.outcome)
        })
        .unzip();
    let mut handler = handler.lock().unwrap_or_else(|p| p.into_inner());
    match app.publisher.handle_batch(&mut **handler, &requests) {
        Ok(handled) => {
            for (handled, outcome) in handled.into_iter().zip(outcomes) {
                for call in &handled.calls {
                    if let Err(e) = app.store.record_call(call) {
                        tracing::warn!(
                            "{provider} call {} not saved to history: {e}",
                            call.call_id
                        );
                    }
                }
                // The requester may have given up (timeout): nothing to tell then.
                let _ = outcome.send(Ok(handled));
            }
        }
        Err(error) => {
            tracing::error!(
                "{provider} webhooks not accepted ({} requests): {error}",
                outcomes.len()
            );
            for outcome in outcomes {
                let _ = outcome.send(Err(PublishError::Broker(error.to_string())));
            }
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
