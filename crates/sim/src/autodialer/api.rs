//! The Autodialer's methods at `/{api_key}/{method}` (see the module doc of `autodialer` for
//! the answers and the errors), and the recordings the webhook links to.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use axum::{Json, Router};
use serde_json::{json, Map, Value};

use super::dial::{day_of, dial, format_time, normalize_time};
use super::{Fault, SimRecord, SimState};

/// autodialer.md `make`: "at most 1000 records in one array".
const MAX_RECORDS: usize = 1000;

pub(super) fn router(state: Arc<SimState>) -> Router {
    Router::new()
        .route("/records/{file}", get(recording))
        .route("/{key}/{method}", any(method))
        .with_state(state)
}

fn error(status: StatusCode, text: &str) -> Response {
    (status, Json(json!({ "error": text }))).into_response()
}

fn invalid_key() -> Response {
    error(StatusCode::FORBIDDEN, "Invalid api key")
}

async fn method(
    State(state): State<Arc<SimState>>,
    Path((key, method)): Path<(String, String)>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    *state.live().requests.entry(method.clone()).or_default() += 1;
    let fault = state.live().fault;
    match fault {
        Some(Fault::ServerError) => {
            return (StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error").into_response()
        }
        Some(Fault::NotJson) => {
            return (
                [(header::CONTENT_TYPE, "text/html")],
                "<html><body>Maintenance</body></html>",
            )
                .into_response()
        }
        Some(Fault::Hang) => {
            state.shutdown.cancelled().await;
            return StatusCode::SERVICE_UNAVAILABLE.into_response();
        }
        None => {}
    }
    if key != state.config.api_key {
        return invalid_key();
    }
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    match method.as_str() {
        "make" => make(&state, &body),
        "newcall" => match fields(query.as_deref(), &content_type, &body) {
            Some(fields) => new_call(&state, &fields),
            None => error(StatusCode::BAD_REQUEST, "Invalid request"),
        },
        "cdr" => match fields(query.as_deref(), &content_type, &body) {
            Some(fields) => cdr(&state, &fields),
            None => error(StatusCode::BAD_REQUEST, "Invalid request"),
        },
        _ => error(StatusCode::NOT_FOUND, "Unknown method"),
    }
}

/// The fields of `newcall` / `cdr`: the query string, then a JSON object or form fields in the
/// body over it (the spec does not say which). `None` when the body is neither.
fn fields(query: Option<&str>, content_type: &str, body: &[u8]) -> Option<Map<String, Value>> {
    let mut fields = Map::new();
    for (k, v) in form_pairs(query.unwrap_or_default().as_bytes()) {
        fields.insert(k, Value::String(v));
    }
    let text = std::str::from_utf8(body).ok()?.trim();
    if text.is_empty() {
        return Some(fields);
    }
    if content_type.contains("json") || text.starts_with('{') {
        let Ok(Value::Object(object)) = serde_json::from_str::<Value>(text) else {
            return None;
        };
        fields.extend(object);
    } else {
        for (k, v) in form_pairs(text.as_bytes()) {
            fields.insert(k, Value::String(v));
        }
    }
    Some(fields)
}

fn form_pairs(bytes: &[u8]) -> Vec<(String, String)> {
    // axum's form reader needs a request; the pairs are simple enough to split here.
    let text = String::from_utf8_lossy(bytes);
    text.split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(k), decode(v))
        })
        .collect()
}

fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(byte) => {
                        out.push(byte);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            byte => out.push(byte),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A value as text: strings as they are, numbers written out; `None` for anything else.
fn text_of(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(s) => Some(s.trim().to_owned()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn non_empty(value: Option<&Value>) -> Option<String> {
    text_of(value).filter(|s| !s.is_empty())
}

fn next_query_id(state: &SimState) -> i64 {
    let mut live = state.live();
    live.next_query_id += 1;
    live.next_query_id
}

fn make(state: &Arc<SimState>, body: &[u8]) -> Response {
    let Ok(value) = serde_json::from_slice::<Value>(body) else {
        return error(StatusCode::BAD_REQUEST, "Invalid JSON");
    };
    let Some(query) = value.get("query").and_then(Value::as_object) else {
        return error(StatusCode::BAD_REQUEST, "Invalid request");
    };
    if text_of(query.get("access_token")).as_deref() != Some(state.config.api_key.as_str()) {
        return invalid_key();
    }
    let Some(data) = query.get("data").and_then(Value::as_array) else {
        return error(StatusCode::BAD_REQUEST, "Invalid request");
    };
    let report = |lines: usize, ok: usize, inserted: usize, code: &str, id: i64| {
        Json(json!({ "report": {
            "lines": lines.to_string(), "ok": ok.to_string(), "inserted": inserted.to_string(),
            "errorcode": code, "id": id.to_string() } }))
        .into_response()
    };
    if data.len() > MAX_RECORDS {
        return report(data.len(), 0, 0, "3", 0);
    }
    let query_id = next_query_id(state);
    let mut ok = 0;
    let mut added = Vec::new();
    let mut window: Option<(String, String)> = None;
    {
        let mut live = state.live();
        for record in data {
            let Some(object) = record.as_object() else {
                continue;
            };
            // autodialer.md: "All values are strings".
            if !object.values().all(Value::is_string) {
                continue;
            }
            let (Some(phone), Some(uuid)) = (
                non_empty(object.get("phone")),
                non_empty(object.get("UUID")),
            ) else {
                continue;
            };
            ok += 1;
            // The `**` footnote: a record without a window takes the previous record's.
            let start = non_empty(object.get("statdialertime")).and_then(|t| normalize_time(&t));
            let stop = non_empty(object.get("stopdialertime")).and_then(|t| normalize_time(&t));
            if let (Some(start), Some(stop)) = (start, stop) {
                window = Some((start, stop));
            }
            let generation_type = non_empty(object.get("generationtype")).unwrap_or_default();
            if !live.taken.insert((generation_type.clone(), uuid.clone())) {
                continue;
            }
            live.records.push(SimRecord {
                query_id,
                phone,
                uuid,
                name: non_empty(object.get("name")),
                window: window.clone(),
                max_count: non_empty(object.get("maxcount")),
                generation_type,
                vars: [
                    non_empty(object.get("var1")),
                    non_empty(object.get("var2")),
                    non_empty(object.get("var3")),
                ],
                dialed: false,
            });
            added.push(live.records.len() - 1);
        }
    }
    dial_unwindowed(state, &added);
    let code = if ok < data.len() {
        "1"
    } else if added.len() < ok {
        "2"
    } else {
        "0"
    };
    report(data.len(), ok, added.len(), code, query_id)
}

/// autodialer.md: without a window "the call starts at once when the record is added".
fn dial_unwindowed(state: &Arc<SimState>, added: &[usize]) {
    let now: Vec<usize> = {
        let live = state.live();
        added
            .iter()
            .copied()
            .filter(|i| live.records.get(*i).is_some_and(|r| r.window.is_none()))
            .collect()
    };
    for index in now {
        dial(state, index);
    }
}

fn new_call(state: &Arc<SimState>, fields: &Map<String, Value>) -> Response {
    let (Some(name), Some(phone), Some(uuid)) = (
        non_empty(fields.get("name")),
        non_empty(fields.get("phone")),
        non_empty(fields.get("UUID")),
    ) else {
        return Json(json!({ "QUERY_ID": 0, "QUERY_COUNT": 0 })).into_response();
    };
    let start = non_empty(fields.get("timestart")).and_then(|t| normalize_time(&t));
    let stop = non_empty(fields.get("timestop")).and_then(|t| normalize_time(&t));
    let query_id = next_query_id(state);
    let index = {
        let mut live = state.live();
        live.records.push(SimRecord {
            query_id,
            phone,
            uuid,
            name: Some(name),
            window: start.zip(stop),
            max_count: non_empty(fields.get("maxcount")),
            generation_type: non_empty(fields.get("generationtype")).unwrap_or_default(),
            vars: [
                non_empty(fields.get("var1")),
                non_empty(fields.get("var2")),
                non_empty(fields.get("var3")),
            ],
            dialed: false,
        });
        live.records.len() - 1
    };
    dial_unwindowed(state, &[index]);
    Json(json!({ "QUERY_ID": query_id, "QUERY_COUNT": 1 })).into_response()
}

/// `YYYY-MM-DD`, checked.
fn day(text: &str) -> Option<String> {
    chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .map(|d| d.format("%Y-%m-%d").to_string())
}

/// The last ten digits: `89001110000` and `79001110000` are one number.
fn number_tail(text: &str) -> String {
    let digits: String = text.chars().filter(char::is_ascii_digit).collect();
    digits[digits.len().saturating_sub(10)..].to_owned()
}

fn cdr(state: &SimState, fields: &Map<String, Value>) -> Response {
    let mut bounds = [None, None];
    for (slot, name) in bounds.iter_mut().zip(["date_from", "date_to"]) {
        if let Some(text) = non_empty(fields.get(name)) {
            match day(&text) {
                Some(day) => *slot = Some(day),
                None => return error(StatusCode::BAD_REQUEST, "Invalid date"),
            }
        }
    }
    let to = non_empty(fields.get("to")).map(|t| number_tail(&t));
    let rows: Vec<Value> = state
        .live()
        .cdr
        .iter()
        .filter(|row| {
            let day = day_of(state, row.at);
            bounds[0].as_ref().is_none_or(|from| &day >= from)
                && bounds[1].as_ref().is_none_or(|until| &day <= until)
                && to.as_ref().is_none_or(|to| &number_tail(&row.dst) == to)
        })
        .map(|row| {
            json!({
                "QUERY_ID": row.query_id,
                "DST": row.dst,
                "TIME": format_time(state, row.at),
                "CODE": row.code,
                "SEC": row.sec,
            })
        })
        .collect();
    Json(rows).into_response()
}

/// A silent WAV (44-byte header, no samples) for any recording link.
async fn recording(Path(file): Path<String>) -> Response {
    if !file.ends_with(".wav") {
        return StatusCode::NOT_FOUND.into_response();
    }
    let mut wav = Vec::with_capacity(44);
    wav.extend_from_slice(b"RIFF");
    wav.extend_from_slice(&36u32.to_le_bytes());
    wav.extend_from_slice(b"WAVEfmt ");
    wav.extend_from_slice(&16u32.to_le_bytes());
    wav.extend_from_slice(&1u16.to_le_bytes()); // PCM
    wav.extend_from_slice(&1u16.to_le_bytes()); // mono
    wav.extend_from_slice(&8000u32.to_le_bytes());
    wav.extend_from_slice(&16000u32.to_le_bytes());
    wav.extend_from_slice(&2u16.to_le_bytes());
    wav.extend_from_slice(&16u16.to_le_bytes());
    wav.extend_from_slice(b"data");
    wav.extend_from_slice(&0u32.to_le_bytes());
    ([(header::CONTENT_TYPE, "audio/wav")], wav).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_pairs_decode_percent_and_plus() {
        assert_eq!(
            form_pairs(b"a=1+2&b=%2B7&c&d=%zz"),
            vec![
                ("a".into(), "1 2".into()),
                ("b".into(), "+7".into()),
                ("c".into(), "".into()),
                ("d".into(), "%zz".into()),
            ]
        );
        assert_eq!(decode("%D0%B0"), "а");
        assert_eq!(decode("50%"), "50%");
    }
}
