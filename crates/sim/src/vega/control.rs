//! Control endpoints under `/_sim/`: not Vega's API, only the simulator's remote control.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;

use super::config::Fault;
use super::scenario::{self, Scenario, ScenarioError};
use super::state::SimState;

/// At most this many faults per request: enough for any test, and a typo cannot queue billions.
const MAX_FAULTS_PER_REQUEST: u32 = 10_000;

pub(crate) fn router(state: Arc<SimState>) -> Router {
    Router::new()
        .route("/_sim/scenario", post(play_scenario))
        .route("/_sim/expire-sessions", post(expire_sessions))
        .route("/_sim/faults", post(inject_faults))
        .route("/_sim/calls-made", get(calls_made))
        .route("/_sim/stats", get(stats))
        .with_state(state)
}

fn bad_request(message: String) -> Response {
    (
        StatusCode::BAD_REQUEST,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        message,
    )
        .into_response()
}

/// `POST /_sim/scenario` with a [`Scenario`] as JSON → `{"uuids": [...]}`.
async fn play_scenario(State(state): State<Arc<SimState>>, body: Bytes) -> Response {
    let scenario: Scenario = match serde_json::from_slice(&body) {
        Ok(scenario) => scenario,
        Err(error) => return bad_request(format!("not a scenario: {error}")),
    };
    match scenario::play(&state, scenario) {
        Ok(uuids) => Json(serde_json::json!({ "uuids": uuids })).into_response(),
        Err(ScenarioError::ShuttingDown) => {
            (StatusCode::SERVICE_UNAVAILABLE, "shutting down").into_response()
        }
        Err(error) => bad_request(error.to_string()),
    }
}

async fn expire_sessions(State(state): State<Arc<SimState>>) -> StatusCode {
    state.expire_sessions();
    StatusCode::NO_CONTENT
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FaultRequest {
    fault: Fault,
    #[serde(default = "one")]
    count: u32,
}

fn one() -> u32 {
    1
}

/// `POST /_sim/faults` with `{"fault": "server_error" | "garbage" | "hang", "count": N}`.
async fn inject_faults(State(state): State<Arc<SimState>>, body: Bytes) -> Response {
    let request: FaultRequest = match serde_json::from_slice(&body) {
        Ok(request) => request,
        Err(error) => {
            return bad_request(format!(
                "expected {{\"fault\": \"server_error\" | \"garbage\" | \"hang\", \"count\": N}}: {error}"
            ))
        }
    };
    if request.count > MAX_FAULTS_PER_REQUEST {
        return bad_request(format!("count must be at most {MAX_FAULTS_PER_REQUEST}"));
    }
    state.inject_faults(request.fault, request.count);
    StatusCode::NO_CONTENT.into_response()
}

async fn calls_made(State(state): State<Arc<SimState>>) -> Response {
    Json(state.calls_made()).into_response()
}

async fn stats(State(state): State<Arc<SimState>>) -> Response {
    Json(state.stats()).into_response()
}
