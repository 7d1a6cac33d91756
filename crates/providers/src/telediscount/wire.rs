//! `get_calls` records (telediscount.md, "get_calls") and their mapping to history.
//!
//! The source lists the fields in PHP-array notation and says nothing of the envelope or of the
//! JSON types, so reading is lenient: a number may come as a JSON number or a numeric string
//! (PHP's `json_encode` of database rows gives strings), and the records may come as an array,
//! a single record, an object of records keyed by id, or under `calls` / `data` / `result`.

use callpop_core::{CallRecord, CallState, Direction, PhoneNumber};
use chrono::{DateTime, Duration, TimeZone, Utc};
use serde_json::{Map, Value};

use super::PROVIDER;
use crate::webhook::json_kind;

/// One `get_calls` record; every field as the source names it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TdCall {
    /// `api_call_id`: the call id (32 hex digits in the examples).
    pub api_call_id: String,
    /// `abonent_id`: the customer account.
    pub abonent_id: Option<String>,
    /// `setup_time`, read as UNIX time (see [`parse_setup_time`]); `None` when unreadable.
    pub setup_time: Option<DateTime<Utc>>,
    /// `service_name`: `…ivr` (incoming through the voice menu), `sip_outcome`, `sip_internal`.
    pub service_name: Option<String>,
    /// `num_a`: the calling number (a SIP account for outgoing calls).
    pub num_a: Option<String>,
    /// `code_name_num_a`: its label *(inferred)*.
    pub code_name_num_a: Option<String>,
    /// `num_m`: the company number that was called *(inferred)*.
    pub num_m: Option<String>,
    /// `num_b`: the SIP account (or number) that answered.
    pub num_b: Option<String>,
    /// `code_name_num_b`: its label *(inferred)*.
    pub code_name_num_b: Option<String>,
    /// `num_a_connection_time`, seconds.
    pub num_a_connection_time: Option<i64>,
    /// `num_b_connection_time`, seconds.
    pub num_b_connection_time: Option<i64>,
    /// `connection_time`: seconds `num_a` and `num_b` talked.
    pub connection_time: Option<i64>,
    /// `num_a_waiting_time`, seconds.
    pub num_a_waiting_time: Option<i64>,
    /// `num_b_waiting_time`, seconds.
    pub num_b_waiting_time: Option<i64>,
    /// `recorder_file`: the recording's file name or link.
    pub recorder_file: Option<String>,
    /// `price`, as sent.
    pub price: Option<String>,
}

/// UNIX seconds as a time. The source says "UNIX TIMESTAMP" while its example value
/// (`98798798797897`, 14 digits) is a placeholder, so: seconds when that gives a year between
/// 2000 and 2100, else milliseconds when that does, else `None`.
pub fn parse_setup_time(text: &str) -> Option<DateTime<Utc>> {
    let number: f64 = text.trim().parse().ok()?;
    if !number.is_finite() || number <= 0.0 {
        return None;
    }
    let plausible = |at: DateTime<Utc>| (2000..2100).contains(&chrono::Datelike::year(&at));
    let seconds = Utc.timestamp_opt(number.round() as i64, 0).single();
    if let Some(at) = seconds.filter(|at| plausible(*at)) {
        return Some(at);
    }
    Utc.timestamp_millis_opt(number.round() as i64)
        .single()
        .filter(|at| plausible(*at))
}

/// A field as text: a string (trimmed, empty is `None`) or a number.
pub(crate) fn text(map: &Map<String, Value>, name: &str) -> Option<String> {
    match map.get(name)? {
        Value::String(s) => Some(s.trim().to_owned()).filter(|s| !s.is_empty()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A field as whole seconds: a number or a numeric string, rounded; negative or absurd is `None`.
pub(crate) fn seconds(map: &Map<String, Value>, name: &str) -> Option<i64> {
    let number = match map.get(name)? {
        Value::Number(n) => n.as_f64()?,
        Value::String(s) => s.trim().replace(',', ".").parse::<f64>().ok()?,
        _ => return None,
    };
    (number.is_finite() && (0.0..=1.0e8).contains(&number)).then(|| number.round() as i64)
}

impl TdCall {
    /// A record from one JSON object; `None` without an `api_call_id`.
    pub fn from_json(map: &Map<String, Value>) -> Option<TdCall> {
        Some(TdCall {
            api_call_id: text(map, "api_call_id")?,
            abonent_id: text(map, "abonent_id"),
            setup_time: text(map, "setup_time").and_then(|t| parse_setup_time(&t)),
            service_name: text(map, "service_name"),
            num_a: text(map, "num_a"),
            code_name_num_a: text(map, "code_name_num_a"),
            num_m: text(map, "num_m"),
            num_b: text(map, "num_b"),
            code_name_num_b: text(map, "code_name_num_b"),
            num_a_connection_time: seconds(map, "num_a_connection_time"),
            num_b_connection_time: seconds(map, "num_b_connection_time"),
            connection_time: seconds(map, "connection_time"),
            num_a_waiting_time: seconds(map, "num_a_waiting_time"),
            num_b_waiting_time: seconds(map, "num_b_waiting_time"),
            recorder_file: text(map, "recorder_file"),
            price: text(map, "price"),
        })
    }

    /// Which way the call went: `service_name` when it says (`sip_outcome` out, `sip_internal`
    /// internal, `…ivr` in); else out when `num_a` is a SIP account, in otherwise.
    pub fn direction(&self) -> Direction {
        direction_of(self.service_name.as_deref(), self.num_a.as_deref())
    }

    /// As history keeps it; `None` when `setup_time` is unreadable (the call cannot be placed
    /// in time). Answered (`connection_time` > 0) is `Ended`; otherwise an incoming call is
    /// `Missed` and an outgoing one `Cancelled`, as the other providers report them.
    pub fn call_record(&self, region: &str) -> Option<CallRecord> {
        let started_at = self.setup_time?;
        let direction = self.direction();
        let talk = self.connection_time.unwrap_or(0);
        let answered = talk > 0;
        let state = match (answered, direction) {
            (true, _) => CallState::Ended,
            (false, Direction::Out) => CallState::Cancelled,
            (false, _) => CallState::Missed,
        };
        let (customer, employee) = parties(direction, self.num_a.as_deref(), self.num_b.as_deref());
        let waiting = self
            .num_a_waiting_time
            .or(self.num_b_waiting_time)
            .unwrap_or(0);
        let duration = self
            .num_a_connection_time
            .filter(|d| *d >= talk)
            .unwrap_or(waiting + talk);
        Some(CallRecord {
            outcome: None,
            rang: Vec::new(),
            provider: PROVIDER.to_owned(),
            call_id: self.api_call_id.clone(),
            direction,
            state,
            customer: customer.map(|n| PhoneNumber::parse(n, region)),
            employee: employee.map(sip_key),
            contact_name: None,
            started_at,
            answered_at: answered.then(|| started_at + Duration::seconds(duration - talk)),
            ended_at: Some(started_at + Duration::seconds(duration)),
            duration_seconds: Some(duration),
            talk_seconds: Some(talk),
            recording: self.recorder_file.clone(),
            transfer: None,
            note: None,
            answered_by: if answered && direction != Direction::Out {
                self.num_b.as_deref().map(sip_key)
            } else {
                None
            },
        })
    }
}

/// See [`TdCall::direction`]; shared with the webhooks, which have no `service_name`.
pub(crate) fn direction_of(service_name: Option<&str>, num_a: Option<&str>) -> Direction {
    let service = service_name.unwrap_or_default().to_ascii_lowercase();
    if service == "sip_outcome" {
        Direction::Out
    } else if service == "sip_internal" {
        Direction::Internal
    } else if service.ends_with("ivr") {
        Direction::In
    } else if num_a.is_some_and(is_sip_account) {
        Direction::Out
    } else {
        Direction::In
    }
}

/// (customer, employee) of a call: incoming, the caller and who answered (`num_b`); outgoing,
/// the number called (`num_b`) and the SIP account that called (`num_a`); internal, `num_b` seen
/// from `num_a`.
pub(crate) fn parties<'a>(
    direction: Direction,
    num_a: Option<&'a str>,
    num_b: Option<&'a str>,
) -> (Option<&'a str>, Option<&'a str>) {
    match direction {
        Direction::In => (num_a, num_b),
        Direction::Out | Direction::Internal => (num_b, num_a),
    }
}

/// True for `SIP/0000000672` or `sip:…`.
pub(crate) fn is_sip_account(text: &str) -> bool {
    let lower = text.trim().to_ascii_lowercase();
    lower.starts_with("sip/") || lower.starts_with("sip:")
}

/// A SIP account in the one spelling the app compares: `SIP/0000000672`.
pub(crate) fn sip_key(text: &str) -> String {
    match PhoneNumber::parse(text, "RU") {
        sip @ PhoneNumber::Sip { .. } => sip.key(),
        _ => text.trim().to_owned(),
    }
}

/// Every record of a `get_calls` answer (see the module docs for the shapes read). Records
/// without an `api_call_id` are left out; `Err` says why the whole answer is unreadable.
pub fn parse_calls(value: &Value) -> Result<Vec<TdCall>, String> {
    collect(value, 0)
}

fn collect(value: &Value, depth: u8) -> Result<Vec<TdCall>, String> {
    if depth > 3 {
        return Err("the records are nested too deep".into());
    }
    match value {
        Value::Array(items) => Ok(items
            .iter()
            .filter_map(Value::as_object)
            .filter_map(TdCall::from_json)
            .collect()),
        Value::Object(map) if map.contains_key("api_call_id") => {
            Ok(TdCall::from_json(map).into_iter().collect())
        }
        Value::Object(map) => {
            for key in ["calls", "data", "result", "items"] {
                if let Some(inner) = map.get(key) {
                    return collect(inner, depth + 1);
                }
            }
            if map.values().all(Value::is_object) {
                // PHP associative array of records keyed by id.
                return Ok(map
                    .values()
                    .filter_map(Value::as_object)
                    .filter_map(TdCall::from_json)
                    .collect());
            }
            Err("an object with neither records nor a list of them".into())
        }
        Value::Null => Ok(Vec::new()),
        other => Err(format!("expected records, got {}", json_kind(other))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn setup_time_is_seconds_or_milliseconds_within_reason() {
        assert_eq!(
            parse_setup_time("1714554000"),
            Utc.timestamp_opt(1_714_554_000, 0).single()
        );
        assert_eq!(
            parse_setup_time("1714554000000"),
            Utc.timestamp_opt(1_714_554_000, 0).single()
        );
        // The spec's placeholder.
        assert_eq!(parse_setup_time("98798798797897"), None);
        assert_eq!(parse_setup_time("-5"), None);
        assert_eq!(parse_setup_time("x"), None);
    }

    #[test]
    fn every_envelope_is_read() {
        let record = json!({"api_call_id": "a1", "setup_time": "1714554000"});
        for value in [
            json!([record]),
            record.clone(),
            json!({"calls": [record]}),
            json!({"data": {"a1": record}}),
        ] {
            let calls = parse_calls(&value).unwrap();
            assert_eq!(calls.len(), 1, "{value}");
            assert_eq!(calls[0].api_call_id, "a1");
        }
        assert!(parse_calls(&json!("nope")).is_err());
        assert!(parse_calls(&json!({"x": 1})).is_err());
    }
}
