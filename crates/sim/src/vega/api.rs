//! Vega's REST API (vega.md part B), as a PBX would serve it.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use axum::{Json, Router};
use serde::Deserialize;

use super::config::Fault;
use super::scenario::{self, ScenarioError};
use super::state::{CallMade, SimState};

/// The session cookie's name (vega.md B.1).
const SESSION_COOKIE: &str = "JSESSIONID";

pub(crate) fn router(state: Arc<SimState>) -> Router {
    // vega.md B.1: every request but authorize needs the session cookie, else 403.
    let protected = Router::new()
        .route("/rest/calls/active/v3", get(active_calls))
        .route("/rest/user/makeCall", post(make_call))
        .route("/rest/{*rest}", any(unknown_endpoint))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            require_session,
        ));
    Router::new()
        .route("/rest/security/authorize", post(authorize))
        .merge(protected)
        .with_state(state)
}

/// A plain-text answer: Vega describes its errors in plain text (vega.md B.1, B.2).
fn text(status: StatusCode, message: impl Into<String>) -> Response {
    ApiError::new(status, message).into_response()
}

/// An error answer, turned into a response in one place.
struct ApiError {
    status: StatusCode,
    message: String,
}

impl ApiError {
    fn new(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            message: message.into(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (
            self.status,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            self.message,
        )
            .into_response()
    }
}

/// Vega's bodies are JSON with `Content-Type: application/json` (vega.md part B).
fn require_json(headers: &HeaderMap) -> Result<(), ApiError> {
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim_start()
                .to_ascii_lowercase()
                .starts_with("application/json")
        });
    if is_json {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Content-Type must be application/json",
        ))
    }
}

fn parse_body<'a, T: Deserialize<'a>>(body: &'a [u8], expected: &str) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(|error| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            format!("Malformed request body: expected {expected}: {error}"),
        )
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AuthorizeRequest {
    domain: String,
    api_key: String,
}

/// vega.md B.1: `POST /rest/security/authorize`.
async fn authorize(
    State(state): State<Arc<SimState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(error) = require_json(&headers) {
        return error.into_response();
    }
    let request: AuthorizeRequest = match parse_body(&body, r#"{"domain": "...", "apiKey": "..."}"#)
    {
        Ok(request) => request,
        Err(error) => return error.into_response(),
    };
    let config = state.config();
    if !request
        .domain
        .trim()
        .eq_ignore_ascii_case(config.domain.trim())
        || request.api_key != config.api_key
    {
        state.count_rejected_authorization();
        return text(
            StatusCode::UNAUTHORIZED,
            "Authorization failed: unknown domain or invalid API key",
        );
    }
    let session = state.open_session();
    let cookie = format!("{SESSION_COOKIE}={session}; Path=/; HttpOnly");
    match HeaderValue::from_str(&cookie) {
        Ok(value) => (StatusCode::OK, [(header::SET_COOKIE, value)]).into_response(),
        Err(_) => text(
            StatusCode::INTERNAL_SERVER_ERROR,
            "cannot build the session cookie",
        ),
    }
}

/// The session ids a request carries in its `Cookie` headers.
fn session_ids(headers: &HeaderMap) -> impl Iterator<Item = &str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .filter(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value.trim())
}

async fn require_session(
    State(state): State<Arc<SimState>>,
    request: Request,
    next: Next,
) -> Response {
    if session_ids(request.headers()).any(|id| state.session_is_valid(id)) {
        next.run(request).await
    } else {
        state.count_forbidden();
        // vega.md B.1: a missing or stale session answers 403; the client must authorize again.
        text(StatusCode::FORBIDDEN, "Forbidden")
    }
}

async fn unknown_endpoint() -> Response {
    text(
        StatusCode::NOT_FOUND,
        "No such endpoint in the Vega simulator",
    )
}

/// vega.md B.3: `GET /rest/calls/active/v3`.
async fn active_calls(State(state): State<Arc<SimState>>) -> Response {
    match state.next_active_calls_fault() {
        None => {}
        Some(Fault::ServerError) => {
            return text(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Internal server error (simulated fault)",
            )
        }
        Some(Fault::Garbage) => {
            return (
                StatusCode::OK,
                [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
                "<html><body><h1>502 Bad Gateway</h1>nginx</body></html>",
            )
                .into_response()
        }
        Some(Fault::Hang) => {
            // Answers late, but never holds the server's shutdown up.
            tokio::select! {
                _ = tokio::time::sleep(state.config().hang_for) => {}
                _ = state.shutdown.cancelled() => {
                    return text(StatusCode::SERVICE_UNAVAILABLE, "shutting down");
                }
            }
        }
    }
    Json(state.active_calls_json()).into_response()
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct MakeCallRequest {
    leg_ext: String,
    other_leg_num: String,
}

/// vega.md B.2: `POST /rest/user/makeCall`.
async fn make_call(
    State(state): State<Arc<SimState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(error) = require_json(&headers) {
        return error.into_response();
    }
    let request: MakeCallRequest =
        match parse_body(&body, r#"{"legExt": "...", "otherLegNum": "..."}"#) {
            Ok(request) => request,
            Err(error) => return error.into_response(),
        };
    let number = request.other_leg_num.trim();
    let dialable = |c: char| c.is_ascii_digit() || " +-()".contains(c);
    if number.is_empty()
        || !number.chars().all(dialable)
        || !number.chars().any(|c| c.is_ascii_digit())
    {
        return text(
            StatusCode::BAD_REQUEST,
            format!(
                "otherLegNum {:?} is not a phone number",
                request.other_leg_num
            ),
        );
    }
    match scenario::play_make_call(&state, &request.leg_ext, number) {
        Ok(uuid) => {
            state.log_call_made(CallMade {
                leg_ext: request.leg_ext,
                other_leg_num: request.other_leg_num,
                uuid: uuid.clone(),
            });
            Json(serde_json::json!({ "uuid": uuid })).into_response()
        }
        Err(ScenarioError::UnknownEmployee(ext)) => text(
            StatusCode::BAD_REQUEST,
            format!("legExt {ext:?}: no user with this internal number"),
        ),
        Err(ScenarioError::ShuttingDown) => text(StatusCode::SERVICE_UNAVAILABLE, "shutting down"),
        Err(error) => text(StatusCode::BAD_REQUEST, error.to_string()),
    }
}
