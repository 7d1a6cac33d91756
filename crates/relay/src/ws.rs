//! The desktops' WebSocket endpoint, `/ws`.
//!
//! Authentication, either way:
//! - `Authorization: Bearer <token>` on the upgrade request, with `?last_seq=N` to resume; a
//!   wrong token is `401` before the upgrade;
//! - no `Authorization` header (browsers cannot set one on a WebSocket): the first message must
//!   be `{"type":"hello","token":"...","last_seq":N}` (`last_seq` optional), within the pong
//!   timeout; a wrong or missing hello closes the socket with 1008 (policy violation).
//!
//! Then the relay sends, as text:
//! - `{"type":"ready","client":NAME,"seq":N}`: subscribed; events after `N` follow;
//! - `{"type":"event","seq":N,"event":{...CallEvent...}}` for each event, in order;
//! - `{"type":"gap","from":A,"to":B}` when events `A..=B` cannot be delivered (they left the
//!   buffer, or the relay restarted); the next event is numbered above `B`. The desktop should then reload
//!   what it shows (active calls from the PBX).
//!
//! Without `last_seq` a client gets only what happens after it connects; with it, everything
//! after `last_seq`, each event once. The relay pings every `ping_interval_secs` and drops a
//! client that has not answered within `pong_timeout_secs`; messages from the client other
//! than pongs and closes are ignored.

use std::time::Duration;

use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use futures_util::SinkExt;
use serde::Deserialize;
use tokio::sync::OwnedSemaphorePermit;

use crate::hub::{Delivery, Subscription};
use crate::state::{json_error, AppState};

/// WebSocket close code: policy violation (RFC 6455 7.4.1), for a failed hello.
const POLICY_VIOLATION: u16 = 1008;
/// WebSocket close code: going away, for a relay shutting down.
const GOING_AWAY: u16 = 1001;
/// Largest message a client may send: hellos and pongs are tiny.
const MAX_CLIENT_MESSAGE: usize = 4 * 1024;
/// How long one message (or one batch) may take to go out before the client counts as stuck.
const SEND_TIMEOUT: Duration = Duration::from_secs(10);
/// Most messages written before one flush.
const MAX_BATCH: usize = 64;
/// Initial read buffer of a session: clients send only hellos and pongs, and tungstenite's
/// default (128 KiB) per connection would be most of the relay's memory with 10k desktops.
const READ_BUFFER: usize = 4 * 1024;

/// Query string of `/ws`.
#[derive(Debug, Deserialize)]
pub(crate) struct ConnectParams {
    last_seq: Option<u64>,
}

/// The first message of a client that authenticates in-band.
#[derive(Deserialize)]
struct Hello {
    #[serde(rename = "type")]
    kind: String,
    token: String,
    last_seq: Option<u64>,
}

/// The upgrade request: auth (when a header is given), connection limit, then the upgrade.
pub(crate) async fn connect(
    State(app): State<AppState>,
    headers: HeaderMap,
    params: Result<Query<ConnectParams>, axum::extract::rejection::QueryRejection>,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Response {
    let client = match bearer_token(&headers) {
        Bearer::Missing => None,
        Bearer::Malformed => {
            return json_error(
                StatusCode::UNAUTHORIZED,
                "Unauthorized: the Authorization header must be `Bearer <token>`",
            )
        }
        Bearer::Token(token) => match app.hub.client_for_token(token) {
            Some(client) => Some(client),
            None => {
                tracing::warn!("refused a WebSocket client: unknown token");
                return json_error(StatusCode::UNAUTHORIZED, "Unauthorized: unknown token");
            }
        },
    };
    let last_seq = match params {
        Ok(Query(params)) => params.last_seq,
        Err(error) => {
            return json_error(
                StatusCode::BAD_REQUEST,
                &format!("Invalid parameters: last_seq must be a whole number ({error})"),
            )
        }
    };
    let upgrade = match upgrade {
        Ok(upgrade) => upgrade,
        Err(rejection) => return rejection.into_response(),
    };
    let Ok(permit) = app.connections.clone().try_acquire_owned() else {
        tracing::warn!("refused a WebSocket client: too many connections");
        return json_error(
            StatusCode::SERVICE_UNAVAILABLE,
            "Too many connections: try again later",
        );
    };
    upgrade
        .max_message_size(MAX_CLIENT_MESSAGE)
        .read_buffer_size(READ_BUFFER)
        .on_upgrade(move |socket| session(app, socket, client.map(|c| (c, last_seq)), permit))
}

enum Bearer<'a> {
    Missing,
    Malformed,
    Token(&'a str),
}

fn bearer_token(headers: &HeaderMap) -> Bearer<'_> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Bearer::Missing;
    };
    let Ok(value) = value.to_str() else {
        return Bearer::Malformed;
    };
    match value.trim().split_once(' ') {
        Some((scheme, token))
            if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() =>
        {
            Bearer::Token(token.trim())
        }
        _ => Bearer::Malformed,
    }
}

/// One connected desktop, from authentication to disconnection.
async fn session(
    app: AppState,
    mut socket: WebSocket,
    authenticated: Option<(String, Option<u64>)>,
    // Held for the session's life: the slot frees when the session ends.
    _permit: OwnedSemaphorePermit,
) {
    let (client, last_seq) = match authenticated {
        Some(who) => who,
        None => match hello(&app, &mut socket).await {
            Ok(who) => who,
            Err(reason) => {
                tracing::warn!("refused a WebSocket client: {reason}");
                close(&mut socket, POLICY_VIOLATION, reason).await;
                return;
            }
        },
    };
    let Some(mut subscription) = app.hub.subscribe(&client, last_seq) else {
        // Removed between its authentication and now.
        close(&mut socket, POLICY_VIOLATION, "unknown client").await;
        return;
    };
    tracing::info!(client = %client, last_seq, "WebSocket client connected");
    let ready =
        serde_json::json!({ "type": "ready", "client": client, "seq": subscription.cursor() });
    if send(&mut socket, ready.to_string()).await.is_err() {
        return;
    }
    let end = pump(&app, &mut socket, &mut subscription).await;
    tracing::info!(client = %client, "WebSocket client gone: {end}");
}

/// Waits for the hello message; the client's name and resume point, or why not.
async fn hello(
    app: &AppState,
    socket: &mut WebSocket,
) -> Result<(String, Option<u64>), &'static str> {
    let shutdown = app.hub.shutdown_token();
    let received = tokio::select! {
        received = tokio::time::timeout(app.config.pong_timeout(), socket.recv()) => received,
        () = shutdown.cancelled() => return Err("the relay is shutting down"),
    };
    let text = match received {
        Err(_) => return Err("no hello message in time"),
        Ok(Some(Ok(Message::Text(text)))) => text,
        Ok(_) => return Err("expected a hello message"),
    };
    let hello: Hello = serde_json::from_str(text.as_str())
        .map_err(|_| "expected {\"type\":\"hello\",\"token\":...}")?;
    if hello.kind != "hello" {
        return Err("expected a hello message");
    }
    let client = app
        .hub
        .client_for_token(&hello.token)
        .ok_or("unknown token")?;
    Ok((client, hello.last_seq))
}

/// Sends deliveries and pings until the client leaves, stops answering, or the relay shuts
/// down; says which.
async fn pump(
    app: &AppState,
    socket: &mut WebSocket,
    subscription: &mut Subscription,
) -> &'static str {
    let interval = app.config.ping_interval();
    let mut ping = tokio::time::interval_at(tokio::time::Instant::now() + interval, interval);
    ping.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let pong_deadline = tokio::time::sleep(Duration::ZERO);
    tokio::pin!(pong_deadline);
    let mut awaiting_pong = false;
    loop {
        tokio::select! {
            delivery = subscription.next() => {
                let Some(delivery) = delivery else {
                    if subscription.client_removed() {
                        close(socket, POLICY_VIOLATION, "this desktop was removed from the relay").await;
                        return "client removed from the relay";
                    }
                    close(socket, GOING_AWAY, "the relay is shutting down").await;
                    return "relay shutting down";
                };
                if send_backlog(socket, delivery, subscription).await.is_err() {
                    return "send failed or timed out";
                }
            }
            _ = ping.tick() => {
                // One ping outstanding at a time: its deadline is what drops a silent peer.
                if !awaiting_pong {
                    if send_message(socket, Message::Ping(Default::default())).await.is_err() {
                        return "ping failed";
                    }
                    awaiting_pong = true;
                    pong_deadline.as_mut().reset(tokio::time::Instant::now() + app.config.pong_timeout());
                }
            }
            () = &mut pong_deadline, if awaiting_pong => {
                close(socket, POLICY_VIOLATION, "no pong in time").await;
                return "no pong in time";
            }
            received = socket.recv() => match received {
                None | Some(Err(_)) | Some(Ok(Message::Close(_))) => return "closed by the client",
                Some(Ok(Message::Pong(_))) => awaiting_pong = false,
                Some(Ok(_)) => {}
            }
        }
    }
}

/// Sends `first` and whatever else is ready (up to [`MAX_BATCH`]) with one flush: a client
/// that fell behind catches up in a few writes instead of one per event.
async fn send_backlog(
    socket: &mut WebSocket,
    first: Delivery,
    subscription: &mut Subscription,
) -> Result<(), ()> {
    let batch = async {
        socket.feed(Message::Text(encode(first))).await?;
        for _ in 1..MAX_BATCH {
            let Some(next) = subscription.try_next() else {
                break;
            };
            socket.feed(Message::Text(encode(next))).await?;
        }
        socket.flush().await
    };
    match tokio::time::timeout(SEND_TIMEOUT, batch).await {
        Ok(Ok(())) => Ok(()),
        _ => Err(()),
    }
}

fn encode(delivery: Delivery) -> Utf8Bytes {
    match delivery {
        Delivery::Gap { from, to } => Utf8Bytes::from(
            serde_json::json!({ "type": "gap", "from": from, "to": to }).to_string(),
        ),
        // Encoded once for every client (hub.rs): a clone shares the bytes.
        Delivery::Event { message, .. } => message,
    }
}

async fn send(socket: &mut WebSocket, text: String) -> Result<(), ()> {
    send_message(socket, Message::Text(text.into())).await
}

async fn send_message(socket: &mut WebSocket, message: Message) -> Result<(), ()> {
    match tokio::time::timeout(SEND_TIMEOUT, socket.send(message)).await {
        Ok(Ok(())) => Ok(()),
        _ => Err(()),
    }
}

async fn close(socket: &mut WebSocket, code: u16, reason: &'static str) {
    let frame = CloseFrame {
        code,
        reason: Utf8Bytes::from_static(reason),
    };
    // The peer may be gone already; nothing more to do then.
    let _ = send_message(socket, Message::Close(Some(frame))).await;
}
