//! The REST API under `/v2/rest`.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};

use super::{new_call_id, Fault, OutboundPlaced, SimCall, SimState, API_PREFIX};

pub(super) fn router(state: Arc<SimState>) -> Router {
    let api = Router::new()
        .route("/account/{account}/vpbx", get(vpbx_list))
        .route("/account/{account}/vpbx/{vpbx}/call_log", get(call_log))
        .route(
            "/account/{account}/vpbx/{vpbx}/call_log/record",
            get(record),
        )
        .route(
            "/account/{account}/vpbx/{vpbx}/outbound_call",
            post(outbound_call),
        )
        .fallback(|| async { error(StatusCode::NOT_FOUND, "no such method") });
    Router::new().nest(API_PREFIX, api).with_state(state)
}

fn error(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({ "success": false, "error": message }))).into_response()
}

/// Token, fault and account checks every request goes through; `Err` is the answer.
async fn admit(
    state: &SimState,
    headers: &HeaderMap,
    account: &str,
    vpbx: Option<&str>,
    outbound: bool,
) -> Result<bool, Response> {
    let fault = {
        let mut live = state.live();
        live.requests += 1;
        let next = live.faults.front().copied();
        match next {
            Some(Fault::PartialOutbound) if !outbound => None,
            _ => live.faults.pop_front(),
        }
    };
    let mut partial = false;
    match fault {
        Some(Fault::ServerError) => {
            return Err((
                StatusCode::INTERNAL_SERVER_ERROR,
                "<html><body>500 Internal Server Error</body></html>",
            )
                .into_response())
        }
        Some(Fault::NotJson) => return Err((StatusCode::OK, "<html>oops</html>").into_response()),
        Some(Fault::Hang(wait)) => tokio::time::sleep(wait).await,
        Some(Fault::PartialOutbound) => partial = true,
        None => {}
    }
    let expected = format!("Bearer {}", state.config.token);
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    if given != Some(expected.as_str()) {
        return Err(error(
            StatusCode::UNAUTHORIZED,
            "invalid or missing Bearer token",
        ));
    }
    if account != state.config.account_id {
        return Err(error(StatusCode::NOT_FOUND, "account not found"));
    }
    if let Some(vpbx) = vpbx {
        if !state.config.vpbxes.iter().any(|(id, _)| id == vpbx) {
            return Err(error(StatusCode::NOT_FOUND, "vpbx not found"));
        }
    }
    Ok(partial)
}

async fn vpbx_list(
    State(state): State<Arc<SimState>>,
    Path(account): Path<String>,
    headers: HeaderMap,
) -> Response {
    if let Err(answer) = admit(&state, &headers, &account, None, false).await {
        return answer;
    }
    let list: Vec<Value> = state
        .config
        .vpbxes
        .iter()
        .map(|(id, name)| json!({ "vpbx_id": id.parse::<i64>().map(Value::from).unwrap_or_else(|_| Value::from(id.clone())), "name": name }))
        .collect();
    Json(list).into_response()
}

fn is_date(text: &str) -> bool {
    chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").is_ok() && text.len() == 10
}

fn call_json(call: &SimCall) -> Value {
    json!({
        "callid": call.callid,
        "date": call.date,
        "type": call.kind,
        "src_num": call.src_num,
        "src_name": call.src_name,
        "src_type": call.src_type,
        "dst_num": call.dst_num,
        "dst_name": call.dst_name,
        "dst_type": call.dst_type,
        "did": call.did,
        "waittime": call.waittime,
        "talktime": call.talktime,
        "billsec": call.billsec,
        "status": call.status,
        "has_record": if call.has_record { 1 } else { 0 },
    })
}

async fn call_log(
    State(state): State<Arc<SimState>>,
    Path((account, vpbx)): Path<(String, String)>,
    Query(params): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    if let Err(answer) = admit(&state, &headers, &account, Some(&vpbx), false).await {
        return answer;
    }
    // Article: `date_from` and `date_to` are required, `yyyy-mm-dd`.
    let (Some(from), Some(to)) = (params.get("date_from"), params.get("date_to")) else {
        return error(
            StatusCode::BAD_REQUEST,
            "date_from and date_to are required",
        );
    };
    if !is_date(from) || !is_date(to) {
        return error(StatusCode::BAD_REQUEST, "dates must be yyyy-mm-dd");
    }
    let list: Vec<Value> = state
        .live()
        .calls
        .iter()
        .filter(|c| {
            let day = c.date.get(..10).unwrap_or_default();
            day >= from.as_str() && day <= to.as_str()
        })
        .map(call_json)
        .collect();
    Json(list).into_response()
}

async fn record(
    State(state): State<Arc<SimState>>,
    Path((account, vpbx)): Path<(String, String)>,
    Query(params): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    if let Err(answer) = admit(&state, &headers, &account, Some(&vpbx), false).await {
        return answer;
    }
    let Some(id) = params.get("call_id").filter(|v| !v.is_empty()) else {
        return error(StatusCode::BAD_REQUEST, "call_id is required");
    };
    let live = state.live();
    match live.calls.iter().find(|c| &c.callid == id) {
        Some(call) if call.has_record => {
            let mut bytes = b"ID3\x03\x00\x00\x00\x00\x00\x00".to_vec();
            bytes.extend_from_slice(call.callid.as_bytes());
            ([(header::CONTENT_TYPE, "audio/mpeg")], bytes).into_response()
        }
        Some(_) => error(StatusCode::NOT_FOUND, "the call has no record"),
        None => error(StatusCode::NOT_FOUND, "call not found"),
    }
}

async fn outbound_call(
    State(state): State<Arc<SimState>>,
    Path((account, vpbx)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let partial = match admit(&state, &headers, &account, Some(&vpbx), true).await {
        Ok(partial) => partial,
        Err(answer) => return answer,
    };
    let Ok(Value::Object(body)) = serde_json::from_slice::<Value>(&body) else {
        return error(StatusCode::BAD_REQUEST, "the body must be a JSON object");
    };
    let text = |name: &str| match body.get(name) {
        Some(Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    };
    let (Some(from), Some(to)) = (text("from"), text("to")) else {
        return error(StatusCode::BAD_REQUEST, "from and to are required");
    };
    if !state.config.extensions.contains(&from) {
        return error(
            StatusCode::BAD_REQUEST,
            "from is not an extension of this vpbx",
        );
    }
    if !to.bytes().all(|b| b.is_ascii_digit()) {
        return error(StatusCode::BAD_REQUEST, "to must be digits");
    }
    let timeout = |name: &str| body.get(name).and_then(Value::as_i64).unwrap_or(30);
    let mut live = state.live();
    if let Some((f, t, id)) = live.half_done.clone() {
        if f == from && t == to {
            // A retry after a partly failed request: an error that still holds the data.
            live.half_done = None;
            return (
                StatusCode::INTERNAL_SERVER_ERROR,
                Json(json!({
                    "success": false,
                    "error": "the call is already being set up",
                    "data": { "call_id": id },
                })),
            )
                .into_response();
        }
    }
    let call_id = new_call_id();
    live.placed.push(OutboundPlaced {
        call_id: call_id.clone(),
        from: from.clone(),
        to: to.clone(),
        timeout_from: timeout("timeout_from"),
        timeout_to: timeout("timeout_to"),
    });
    if partial {
        live.half_done = Some((from, to, call_id));
        return error(StatusCode::GATEWAY_TIMEOUT, "upstream timeout");
    }
    Json(json!({ "success": true, "data": { "call_id": call_id } })).into_response()
}
