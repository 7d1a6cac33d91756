//! CRM → Telediscount: `GET /api.php/telephony/{outcome,get_calls,get_record}`.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

use super::{new_call_id, Fault, Outcome, SimCall, SimState};

pub(super) fn router(state: Arc<SimState>) -> Router {
    Router::new()
        .route("/api.php/telephony/{method}", get(method))
        .with_state(state)
}

fn error(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({ "error": message }))).into_response()
}

async fn method(
    State(state): State<Arc<SimState>>,
    Path(method): Path<String>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let fault = {
        let mut live = state.live();
        live.requests += 1;
        live.faults.pop_front()
    };
    match fault {
        Some(Fault::ServerError) => {
            return (
                StatusCode::INTERNAL_SERVER_ERROR,
                "<html><body>500 Internal Server Error</body></html>",
            )
                .into_response()
        }
        Some(Fault::NotJson) => {
            return (StatusCode::OK, "<html>maintenance</html>").into_response()
        }
        Some(Fault::Hang(wait)) => tokio::time::sleep(wait).await,
        None => {}
    }
    let param = |name: &str| params.get(name).map(|v| v.trim()).filter(|v| !v.is_empty());
    // telediscount.md: `abonent_api_key`; the source's last examples write `api_key`.
    let key = param("abonent_api_key").or_else(|| param("api_key"));
    if key != Some(state.config.key.as_str()) {
        return error(StatusCode::FORBIDDEN, "invalid abonent_api_key");
    }
    match method.as_str() {
        "outcome" => outcome(&state, param("num_a"), param("num_b")),
        "get_calls" => get_calls(
            &state,
            [
                ("api_call_id", param("api_call_id")),
                ("num_a", param("num_a")),
                ("num_m", param("num_m")),
                ("num_b", param("num_b")),
            ],
        ),
        "get_record" => get_record(&state, param("api_call_id")),
        _ => error(StatusCode::NOT_FOUND, "unknown method"),
    }
}

fn outcome(state: &SimState, num_a: Option<&str>, num_b: Option<&str>) -> Response {
    let (Some(num_a), Some(num_b)) = (num_a, num_b) else {
        return error(StatusCode::BAD_REQUEST, "num_a and num_b are required");
    };
    if !state.config.sip_accounts.iter().any(|s| s == num_a) {
        return error(
            StatusCode::BAD_REQUEST,
            "num_a is not a SIP account of this abonent",
        );
    }
    // telediscount.md: `num_b` in the universal format, e.g. 74951234567.
    if num_b.len() < 10 || !num_b.bytes().all(|b| b.is_ascii_digit()) {
        return error(
            StatusCode::BAD_REQUEST,
            "num_b must be in the universal format",
        );
    }
    let api_call_id = new_call_id();
    state.live().outcomes.push(Outcome {
        api_call_id: api_call_id.clone(),
        num_a: num_a.into(),
        num_b: num_b.into(),
    });
    Json(json!({ "result": "ok", "api_call_id": api_call_id })).into_response()
}

fn record_json(call: &SimCall) -> Value {
    json!({
        "abonent_id": call.abonent_id,
        "setup_time": call.setup_time,
        "service_name": call.service_name,
        "num_a": call.num_a,
        "code_name_num_a": call.code_name_num_a,
        "num_m": call.num_m,
        "num_b": call.num_b,
        "code_name_num_b": call.code_name_num_b,
        "num_a_connection_time": call.num_a_connection_time,
        "num_b_connection_time": call.num_b_connection_time,
        "connection_time": call.connection_time,
        "num_a_waiting_time": call.num_a_waiting_time,
        "num_b_waiting_time": call.num_b_waiting_time,
        "recorder_file": call.recorder_file,
        "price": call.price,
        "api_call_id": call.api_call_id,
    })
}

fn get_calls(state: &SimState, filters: [(&str, Option<&str>); 4]) -> Response {
    let calls = state.live().calls.clone();
    let list: Vec<Value> = calls
        .iter()
        .filter(|call| {
            filters.iter().all(|(name, wanted)| {
                let Some(wanted) = wanted else { return true };
                let value = match *name {
                    "api_call_id" => &call.api_call_id,
                    "num_a" => &call.num_a,
                    "num_m" => &call.num_m,
                    _ => &call.num_b,
                };
                value == wanted
            })
        })
        .map(record_json)
        .collect();
    Json(list).into_response()
}

fn get_record(state: &SimState, api_call_id: Option<&str>) -> Response {
    let Some(id) = api_call_id else {
        return error(StatusCode::BAD_REQUEST, "api_call_id is required");
    };
    let live = state.live();
    let Some(call) = live.calls.iter().find(|c| c.api_call_id == id) else {
        return error(StatusCode::NOT_FOUND, "no such call");
    };
    if call.recorder_file.is_empty() {
        return error(StatusCode::NOT_FOUND, "the call has no recording");
    }
    let mut bytes = b"ID3\x03\x00\x00\x00\x00\x00\x00".to_vec();
    bytes.extend_from_slice(call.api_call_id.as_bytes());
    ([(header::CONTENT_TYPE, "audio/mpeg")], bytes).into_response()
}
