//! The routes of the PBXs whose webhooks carry no token (Telediscount, MCN Telecom, the
//! Autodialer), and Asterisk's caller-name look-up for the dialplan. Each provider's parsing
//! lives in `callpop-providers`; these handlers only carry the request there and the result on:
//! events to the hub, calls to the shared history, the reply back.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::extract::{ConnectInfo, Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use callpop_core::CallRecord;
use callpop_providers::asterisk::lookup::caller_name_reply;
use callpop_providers::tokenless_guard::TokenlessGuard;
use callpop_providers::webhook::{WebhookReply, WebhookRequest};

use crate::server::{
    declared_length, json_error, not_found, read_at_most, request_without_body, write_reply,
    AppState,
};

/// Reads a request into a [`WebhookRequest`] (path with its query: Telediscount's fields are
/// there), refusing strangers before reading their body.
async fn read_request(
    guard: &TokenlessGuard,
    peer: SocketAddr,
    request: Request,
) -> Result<WebhookRequest, Response> {
    let (parts, body) = request.into_parts();
    let mut webhook = request_without_body(peer, &parts);
    if let Err(refusal) = guard.check(&webhook) {
        return Err(write_reply(refusal.reply()));
    }
    let limit = guard.max_body_bytes();
    if declared_length(&parts.headers).is_some_and(|size| size > limit) {
        return Err(json_error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "Payload too large",
        ));
    }
    // One byte over the limit is enough for the handler's guard to answer 413.
    webhook.body = read_at_most(body, limit + 1)
        .await
        .map_err(|message| json_error(StatusCode::BAD_REQUEST, &message))?;
    Ok(webhook)
}

/// Runs `handle` off the async workers (it may write SQLite) and answers with its reply.
async fn run_blocking(
    provider: &'static str,
    handle: impl FnOnce() -> WebhookReply + Send + 'static,
) -> Response {
    match tokio::task::spawn_blocking(handle).await {
        Ok(reply) => write_reply(reply),
        Err(error) => {
            tracing::error!("{provider} webhook handler failed: {error}");
            json_error(StatusCode::INTERNAL_SERVER_ERROR, "Internal error")
        }
    }
}

fn save(app: &AppState, provider: &str, record: &CallRecord) {
    if let Err(e) = app.store.record_call(record) {
        tracing::warn!(
            "{provider} call {} not saved to history: {e}",
            record.call_id
        );
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

/// Telediscount's `income` and `call_finished` (GET with the fields in the query).
pub(crate) async fn telediscount(
    State(app): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: Request,
) -> Response {
    let Some(handler) = app.telediscount.clone() else {
        return not_found().await;
    };
    let guard = lock(&handler).guard().clone();
    let webhook = match read_request(&guard, peer, request).await {
        Ok(webhook) => webhook,
        Err(response) => return response,
    };
    run_blocking("Telediscount", move || {
        let outcome = lock(&handler).handle(&webhook, chrono::Utc::now());
        if !outcome.events.is_empty() {
            app.publisher.publish(outcome.events);
        }
        if let Some(record) = &outcome.record {
            save(&app, "Telediscount", record);
        }
        outcome.reply
    })
    .await
}

/// MCN Telecom's call webhooks.
pub(crate) async fn mcn(
    State(app): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: Request,
) -> Response {
    let Some(handler) = app.mcn.clone() else {
        return not_found().await;
    };
    let guard = lock(&handler).guard().clone();
    let webhook = match read_request(&guard, peer, request).await {
        Ok(webhook) => webhook,
        Err(response) => return response,
    };
    run_blocking("MCN", move || {
        let outcome = lock(&handler).handle(&webhook, chrono::Utc::now());
        if !outcome.events.is_empty() {
            app.publisher.publish(outcome.events);
        }
        outcome.reply
    })
    .await
}

/// The Autodialer's completion webhook: the robot call's result, into the shared history.
pub(crate) async fn autodialer(
    State(app): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: Request,
) -> Response {
    let Some(handler) = app.autodialer.clone() else {
        return not_found().await;
    };
    let webhook = match read_request(handler.guard(), peer, request).await {
        Ok(webhook) => webhook,
        Err(response) => return response,
    };
    run_blocking("Autodialer", move || {
        let outcome = handler.handle(&webhook, chrono::Utc::now());
        if let Some(result) = &outcome.result {
            save(&app, "Autodialer", &result.record);
        }
        outcome.reply
    })
    .await
}

/// Asterisk's dialplan asks for the caller's name: plain text, one line.
pub(crate) async fn asterisk_caller_name(
    State(app): State<AppState>,
    request: Request,
) -> Response {
    let Some(token) = app.asterisk_token.clone() else {
        return not_found().await;
    };
    let query = request.uri().query().unwrap_or_default().to_owned();
    run_blocking("Asterisk look-up", move || {
        caller_name_reply(&app.store, &token, &query)
    })
    .await
}

/// The Telediscount, MCN and Autodialer handlers a config asks for.
pub(crate) struct TokenlessHandlers {
    pub(crate) telediscount:
        Option<Arc<Mutex<callpop_providers::telediscount::TelediscountWebhooks>>>,
    pub(crate) mcn: Option<Arc<Mutex<callpop_providers::mcn::McnWebhooks>>>,
    pub(crate) autodialer: Option<Arc<callpop_providers::autodialer::AutodialerWebhook>>,
}

impl TokenlessHandlers {
    pub(crate) fn from_config(
        config: &crate::RelayConfig,
    ) -> Result<TokenlessHandlers, crate::ConfigError> {
        use callpop_providers::{autodialer, mcn, telediscount};
        let region = &config.region;
        Ok(TokenlessHandlers {
            telediscount: match &config.telediscount {
                Some(s) => Some(Arc::new(Mutex::new(
                    telediscount::TelediscountWebhooks::new(s.guard("telediscount")?, region),
                ))),
                None => None,
            },
            mcn: match &config.mcn {
                Some(s) => Some(Arc::new(Mutex::new(mcn::McnWebhooks::new(
                    s.guard("mcn")?,
                    region,
                )))),
                None => None,
            },
            autodialer: match &config.autodialer {
                Some(s) => Some(Arc::new(autodialer::AutodialerWebhook::new(
                    s.guard("autodialer")?,
                    region,
                ))),
                None => None,
            },
        })
    }
}
