//! Vega's REST API (vega.md part B), as a PBX would serve it.

use std::sync::Arc;

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, Query, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use axum::{Json, Router};
use serde::Deserialize;

use super::config::{Fault, WireForms};
use super::history::{self, HistoryKind, HistoryQuery};
use super::scenario::{self, ScenarioError};
use super::state::{CallMade, SimState};

/// The session cookie's name (vega.md B.1).
const SESSION_COOKIE: &str = "JSESSIONID";

pub(crate) fn router(state: Arc<SimState>) -> Router {
    // vega.md B.1: every request but authorize needs the session cookie, else 403.
    let protected = Router::new()
        // The spec gives these as GET; the Phonet platform's client POSTs JSON to them: both
        // forms are served (see `wire_form`).
        .route(
            "/rest/calls/active/v3",
            get(active_calls).post(active_calls),
        )
        .route("/rest/calls/active/{uuid}/hangup", get(hangup).post(hangup))
        .route(
            "/rest/calls/company.api",
            get(company_calls).post(company_calls),
        )
        .route("/rest/calls/users.api", get(users_calls).post(users_calls))
        .route(
            "/rest/calls/missed.api",
            get(missed_calls).post(missed_calls),
        )
        .route("/rest/users", get(users).post(users))
        // vega.md A.2 notes: the recording link. The spec does not say how it is protected; the
        // simulator asks for the session, as the rest of /rest does.
        .route("/rest/public/calls/{uuid}/audio", get(recording))
        .route("/rest/user/makeCall", post(make_call))
        // vega.md B.9: CRM Teler, outside /rest but behind the same session.
        .merge(super::crm::routes())
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
pub(super) fn text(status: StatusCode, message: impl Into<String>) -> Response {
    ApiError::new(status, message).into_response()
}

/// An error answer, turned into a response in one place.
pub(super) struct ApiError {
    status: StatusCode,
    message: String,
    /// The `Allow` header of a `405`.
    allow: Option<&'static str>,
}

impl ApiError {
    fn new(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            message: message.into(),
            allow: None,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (
            self.status,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            self.message,
        )
            .into_response();
        if let Some(allow) = self.allow {
            response
                .headers_mut()
                .insert(header::ALLOW, HeaderValue::from_static(allow));
        }
        response
    }
}

/// Vega's bodies are JSON with `Content-Type: application/json` (vega.md part B).
pub(super) fn require_json(headers: &HeaderMap) -> Result<(), ApiError> {
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

pub(super) fn parse_body<'a, T: Deserialize<'a>>(
    body: &'a [u8],
    expected: &str,
) -> Result<T, ApiError> {
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

/// How a request to an endpoint the spec gives as `GET` was sent.
enum WireForm {
    /// `GET` with query parameters, times in milliseconds (vega.md part B).
    Query,
    /// `POST` with a JSON object body, times in seconds (the Phonet platform's client).
    Json(serde_json::Value),
}

/// Tells the form of a request apart, counts it, and refuses what the configuration does not
/// accept (`405` to a `GET` under [`WireForms::PostJsonOnly`], to a `POST` under
/// [`WireForms::QueryOnly`]).
fn wire_form(
    state: &SimState,
    method: &Method,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<WireForm, ApiError> {
    if *method == Method::POST {
        if state.config().wire_forms == WireForms::QueryOnly {
            state.count_method_not_allowed();
            return Err(ApiError {
                allow: Some("GET"),
                ..ApiError::new(
                    StatusCode::METHOD_NOT_ALLOWED,
                    "Method Not Allowed: send GET with query parameters",
                )
            });
        }
        require_json(headers)?;
        // An empty body is an empty object: there may be no parameters to send.
        let value = if body.iter().all(u8::is_ascii_whitespace) {
            serde_json::json!({})
        } else {
            parse_body::<serde_json::Value>(body, "a JSON object")?
        };
        if !value.is_object() {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "the body must be a JSON object",
            ));
        }
        state.count_json_form();
        return Ok(WireForm::Json(value));
    }
    if state.config().wire_forms == WireForms::PostJsonOnly {
        state.count_method_not_allowed();
        return Err(ApiError {
            allow: Some("POST"),
            ..ApiError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "Method Not Allowed: send POST with a JSON body",
            )
        });
    }
    state.count_query_form();
    Ok(WireForm::Query)
}

/// The answer a fault gives, or `None` to answer normally (after a hang).
pub(super) async fn fault_answer(state: &SimState, fault: Option<Fault>) -> Option<Response> {
    match fault? {
        Fault::ServerError => Some(text(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Internal server error (simulated fault)",
        )),
        Fault::Garbage => Some(
            (
                StatusCode::OK,
                [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
                "<html><body><h1>502 Bad Gateway</h1>nginx</body></html>",
            )
                .into_response(),
        ),
        Fault::Hang => {
            // Answers late, but never holds the server's shutdown up.
            tokio::select! {
                _ = tokio::time::sleep(state.config().hang_for) => None,
                _ = state.shutdown.cancelled() => {
                    Some(text(StatusCode::SERVICE_UNAVAILABLE, "shutting down"))
                }
            }
        }
        Fault::SessionExpired => {
            state.expire_sessions();
            state.count_forbidden();
            Some(text(StatusCode::FORBIDDEN, "Forbidden"))
        }
    }
}

/// vega.md B.4: `GET /rest/calls/active/{uuid}/hangup`.
async fn hangup(
    State(state): State<Arc<SimState>>,
    Path(uuid): Path<String>,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(error) = wire_form(&state, &method, &headers, &body) {
        return error.into_response();
    }
    if scenario::hang_up(&state, uuid.trim()) {
        StatusCode::OK.into_response()
    } else {
        // B.4: ">= 400 if the input data are malformed".
        text(
            StatusCode::NOT_FOUND,
            format!("No call in progress with uuid {uuid:?}"),
        )
    }
}

/// vega.md B.5: `GET /rest/calls/company.api`.
async fn company_calls(
    State(state): State<Arc<SimState>>,
    method: Method,
    headers: HeaderMap,
    Query(params): Query<HashMap<String, String>>,
    body: Bytes,
) -> Response {
    history_calls(
        HistoryKind::Company,
        &state,
        &method,
        &headers,
        &params,
        &body,
    )
    .await
}

/// vega.md B.7: `GET /rest/calls/users.api`.
async fn users_calls(
    State(state): State<Arc<SimState>>,
    method: Method,
    headers: HeaderMap,
    Query(params): Query<HashMap<String, String>>,
    body: Bytes,
) -> Response {
    history_calls(
        HistoryKind::Users,
        &state,
        &method,
        &headers,
        &params,
        &body,
    )
    .await
}

/// vega.md B.6: `GET /rest/calls/missed.api`.
async fn missed_calls(
    State(state): State<Arc<SimState>>,
    method: Method,
    headers: HeaderMap,
    Query(params): Query<HashMap<String, String>>,
    body: Bytes,
) -> Response {
    history_calls(
        HistoryKind::Missed,
        &state,
        &method,
        &headers,
        &params,
        &body,
    )
    .await
}

async fn history_calls(
    kind: HistoryKind,
    state: &SimState,
    method: &Method,
    headers: &HeaderMap,
    params: &HashMap<String, String>,
    body: &[u8],
) -> Response {
    let query = match wire_form(state, method, headers, body) {
        Err(error) => return error.into_response(),
        Ok(WireForm::Query) => HistoryQuery::from_query(kind, params),
        Ok(WireForm::Json(value)) => HistoryQuery::from_json(kind, &value),
    };
    let query = match query {
        Ok(query) => query,
        // vega.md B.5: "400 bad parameters".
        Err(reason) => return text(StatusCode::BAD_REQUEST, format!("Bad parameters: {reason}")),
    };
    if let Some(response) = fault_answer(state, state.next_history_fault()).await {
        return response;
    }
    let page: Vec<serde_json::Value> = state.with_history(|calls| {
        history::select(kind, &query, calls)
            .into_iter()
            .map(|call| call.to_json(state.config(), &state.base_url))
            .collect()
    });
    Json(page).into_response()
}

/// vega.md B.8: `GET /rest/users`.
async fn users(
    State(state): State<Arc<SimState>>,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(error) = wire_form(&state, &method, &headers, &body) {
        return error.into_response();
    }
    let users: Vec<serde_json::Value> = state
        .config()
        .employees
        .iter()
        .map(|e| {
            serde_json::json!({
                "id": e.id, "displayName": e.display_name, "ext": e.ext, "email": e.email,
            })
        })
        .collect();
    Json(users).into_response()
}

/// vega.md A.2 notes: `GET /rest/public/calls/{uuid}/audio`, a finished call's recording.
async fn recording(State(state): State<Arc<SimState>>, Path(uuid): Path<String>) -> Response {
    if !state.serve_recording(&uuid) {
        return text(
            StatusCode::NOT_FOUND,
            format!("No recording for call {uuid:?}"),
        );
    }
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "audio/wav")],
        history::recording_wav(),
    )
        .into_response()
}

/// vega.md B.3: `GET /rest/calls/active/v3`.
async fn active_calls(
    State(state): State<Arc<SimState>>,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(error) = wire_form(&state, &method, &headers, &body) {
        return error.into_response();
    }
    match state.next_active_calls_fault() {
        None => {}
        Some(Fault::SessionExpired) => {
            return fault_answer(&state, Some(Fault::SessionExpired))
                .await
                .unwrap_or_else(|| text(StatusCode::FORBIDDEN, "Forbidden"))
        }
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
