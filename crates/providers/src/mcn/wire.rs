//! `call_log` records (help article) and their mapping to history.
//!
//! The article lists field names only, not types or the envelope: a number may be a JSON number
//! or a numeric string, and the list may be bare or under `data` / `result` / `calls`.

use callpop_core::{CallRecord, CallState, Direction, Outcome, PhoneNumber};
use chrono::{DateTime, Duration, FixedOffset, NaiveDate, NaiveDateTime, TimeZone, Utc};
use serde_json::{Map, Value};

use super::{MOSCOW_OFFSET_SECONDS, PROVIDER};

/// Article: `type`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallType {
    /// `Out`: outbound.
    Out,
    /// `Inb`: inbound.
    Inb,
    /// `Int`: internal.
    Int,
    /// Anything else, as sent.
    Other(String),
}

impl CallType {
    fn parse(text: &str) -> CallType {
        match text.trim().to_ascii_lowercase().as_str() {
            "out" => CallType::Out,
            "inb" | "in" => CallType::Inb,
            "int" => CallType::Int,
            _ => CallType::Other(text.trim().to_owned()),
        }
    }
}

/// Article: `status`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallStatus {
    /// `ANSWERED`: a conversation took place.
    Answered,
    /// `BUSY`: the subscriber was busy (calls to subscribers, not queues).
    Busy,
    /// `LOST`: no queue operator answered.
    Lost,
    /// `FAILED`: the subscriber was unavailable.
    Failed,
    /// `NO ANSWER` (with a space): a direct call the subscriber did not answer.
    NoAnswer,
    /// Anything else, as sent.
    Other(String),
}

impl CallStatus {
    /// Reads a status; `NO ANSWER` also as `NO_ANSWER` / `NOANSWER`.
    pub fn parse(text: &str) -> CallStatus {
        let upper = text.trim().to_ascii_uppercase().replace(['_', ' '], "");
        match upper.as_str() {
            "ANSWERED" => CallStatus::Answered,
            "BUSY" => CallStatus::Busy,
            "LOST" => CallStatus::Lost,
            "FAILED" => CallStatus::Failed,
            "NOANSWER" => CallStatus::NoAnswer,
            _ => CallStatus::Other(text.trim().to_owned()),
        }
    }
}

/// One `call_log` record; names as the article gives them.
#[derive(Debug, Clone, PartialEq)]
pub struct McnCall {
    /// `callid`.
    pub callid: String,
    /// `date`, when readable (see [`parse_date`]).
    pub date: Option<DateTime<Utc>>,
    /// `type`.
    pub kind: CallType,
    /// `src_num`.
    pub src_num: Option<String>,
    /// `src_name`: SIP account, subscriber name, WebCall, CallBack...
    pub src_name: Option<String>,
    /// `src_type`: `PSTN`, `Phone`, `callback`.
    pub src_type: Option<String>,
    /// `dst_num`.
    pub dst_num: Option<String>,
    /// `dst_name`; `null` when unknown.
    pub dst_name: Option<String>,
    /// `dst_type`: `PSNT` [sic], `phone`, `queue`, `callback`.
    pub dst_type: Option<String>,
    /// `did`: the external number the call went through.
    pub did: Option<String>,
    /// `waittime`, seconds.
    pub waittime: i64,
    /// `talktime`, seconds.
    pub talktime: i64,
    /// `billsec`, seconds.
    pub billsec: i64,
    /// `status`.
    pub status: CallStatus,
    /// `has_record`.
    pub has_record: bool,
}

/// `date` as a time: `YYYY-MM-DD HH:MM:SS` (or with `T`) in Moscow time, RFC 3339, or UNIX
/// seconds. The article leaves the format unspecified.
pub fn parse_date(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Some(at.with_timezone(&Utc));
    }
    let moscow = FixedOffset::east_opt(MOSCOW_OFFSET_SECONDS)?;
    for format in ["%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"] {
        if let Ok(naive) = NaiveDateTime::parse_from_str(text, format) {
            return moscow
                .from_local_datetime(&naive)
                .single()
                .map(|at| at.with_timezone(&Utc));
        }
    }
    if text.len() <= 11 && !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        return text
            .parse::<i64>()
            .ok()
            .and_then(|s| Utc.timestamp_opt(s, 0).single());
    }
    None
}

/// The Moscow calendar day of `at`: what `date_from` / `date_to` speak of.
pub fn moscow_date(at: DateTime<Utc>) -> NaiveDate {
    (at + Duration::seconds(i64::from(MOSCOW_OFFSET_SECONDS))).date_naive()
}

pub(crate) fn text(map: &Map<String, Value>, name: &str) -> Option<String> {
    match map.get(name)? {
        Value::String(s) => {
            let s = s.trim();
            (!s.is_empty() && !s.eq_ignore_ascii_case("null")).then(|| s.to_owned())
        }
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

pub(crate) fn seconds(map: &Map<String, Value>, name: &str) -> i64 {
    let number = match map.get(name) {
        Some(Value::Number(n)) => n.as_f64(),
        Some(Value::String(s)) => s.trim().parse::<f64>().ok(),
        _ => None,
    };
    number
        .filter(|n| n.is_finite() && (0.0..=1.0e8).contains(n))
        .map(|n| n.round() as i64)
        .unwrap_or(0)
}

impl McnCall {
    /// A record from one JSON object; `None` without a `callid`.
    pub fn from_json(map: &Map<String, Value>) -> Option<McnCall> {
        Some(McnCall {
            callid: text(map, "callid")?,
            date: text(map, "date").and_then(|d| parse_date(&d)),
            kind: CallType::parse(&text(map, "type").unwrap_or_default()),
            src_num: text(map, "src_num"),
            src_name: text(map, "src_name"),
            src_type: text(map, "src_type"),
            dst_num: text(map, "dst_num"),
            dst_name: text(map, "dst_name"),
            dst_type: text(map, "dst_type"),
            did: text(map, "did"),
            waittime: seconds(map, "waittime"),
            talktime: seconds(map, "talktime"),
            billsec: seconds(map, "billsec"),
            status: CallStatus::parse(&text(map, "status").unwrap_or_default()),
            has_record: matches!(text(map, "has_record").as_deref(), Some("1" | "true")),
        })
    }

    /// `Out` out, `Int` internal, anything else in.
    pub fn direction(&self) -> Direction {
        match self.kind {
            CallType::Out => Direction::Out,
            CallType::Int => Direction::Internal,
            _ => Direction::In,
        }
    }

    /// True for an incoming call that still needs a call-back: `LOST`, `NO ANSWER`, `BUSY` or
    /// `FAILED` (the subscriber never talked to the caller).
    pub fn is_missed(&self) -> bool {
        self.direction() == Direction::In
            && matches!(
                self.status,
                CallStatus::Lost | CallStatus::NoAnswer | CallStatus::Busy | CallStatus::Failed
            )
    }

    /// The extension side: `src_num` out, `dst_num` in (internal: seen from the caller).
    pub fn employee(&self) -> Option<&str> {
        match self.direction() {
            Direction::In => self.dst_num.as_deref().or(self.dst_name.as_deref()),
            _ => self.src_num.as_deref().or(self.src_name.as_deref()),
        }
    }

    /// The other side: `src_num` in, `dst_num` out and internal.
    pub fn customer(&self) -> Option<&str> {
        match self.direction() {
            Direction::In => self.src_num.as_deref(),
            _ => self.dst_num.as_deref(),
        }
    }

    /// What the status says became of the call: `BUSY` busy, `FAILED` failed, `NO ANSWER` no
    /// answer, `LOST` (a queue nobody answered) and anything else cancelled; an incoming call
    /// nobody picked up is missed (see [`Outcome::unanswered`]).
    pub fn outcome(&self) -> Outcome {
        let reason = match self.status {
            CallStatus::Answered => return Outcome::Answered,
            CallStatus::Busy => Outcome::Busy,
            CallStatus::Failed => Outcome::Failed,
            CallStatus::NoAnswer => Outcome::NoAnswer,
            CallStatus::Lost | CallStatus::Other(_) => Outcome::Cancelled,
        };
        Outcome::unanswered(self.direction(), reason)
    }

    /// As history keeps it; `None` when `date` is unreadable. `ANSWERED` is `Ended`; any other
    /// status is `Missed` when incoming and `Cancelled` otherwise, its reason in the outcome.
    pub fn call_record(&self, region: &str) -> Option<CallRecord> {
        let started_at = self.date?;
        let direction = self.direction();
        let answered = self.status == CallStatus::Answered;
        let duration = self.waittime + self.talktime;
        Some(CallRecord {
            outcome: Some(self.outcome()),
            rang: Vec::new(),
            provider: PROVIDER.to_owned(),
            call_id: self.callid.clone(),
            direction,
            state: match (answered, direction) {
                (true, _) => CallState::Ended,
                (false, Direction::In) => CallState::Missed,
                (false, _) => CallState::Cancelled,
            },
            customer: self.customer().map(|n| PhoneNumber::parse(n, region)),
            employee: self.employee().map(str::to_owned),
            contact_name: None,
            started_at,
            answered_at: answered.then(|| started_at + Duration::seconds(self.waittime)),
            ended_at: Some(started_at + Duration::seconds(duration)),
            duration_seconds: Some(duration),
            talk_seconds: Some(self.talktime),
            // Fetched on demand by `call_log/record?call_id=` (public usage).
            recording: self
                .has_record
                .then(|| format!("{}{}", super::RECORDING_PREFIX, self.callid)),
            transfer: None,
            note: None,
            answered_by: answered
                .then(|| self.employee().map(str::to_owned))
                .flatten(),
        })
    }
}

/// The list of a JSON answer: a bare array, or under `data` / `result` / `calls` / `items`.
pub(crate) fn list_of(value: &Value) -> Option<&Vec<Value>> {
    match value {
        Value::Array(items) => Some(items),
        Value::Object(map) => ["data", "result", "calls", "items", "call_log"]
            .iter()
            .find_map(|k| map.get(*k))
            .and_then(list_of),
        _ => None,
    }
}

/// Every record of a `call_log` answer; `Err` when the answer holds no list.
pub fn parse_call_log(value: &Value) -> Result<Vec<McnCall>, String> {
    let items = list_of(value).ok_or("no list of calls in the answer")?;
    Ok(items
        .iter()
        .filter_map(Value::as_object)
        .filter_map(McnCall::from_json)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn dates_are_read_in_moscow_time_and_other_forms() {
        let expected = Utc.with_ymd_and_hms(2023, 9, 19, 6, 11, 0).single();
        assert_eq!(parse_date("2023-09-19 09:11:00"), expected);
        assert_eq!(parse_date("2023-09-19T09:11:00+03:00"), expected);
        assert_eq!(parse_date("1695103860"), expected);
        assert_eq!(parse_date("19.09.2023"), None);
    }

    #[test]
    fn statuses_and_types_are_mapped() {
        assert_eq!(CallStatus::parse("NO ANSWER"), CallStatus::NoAnswer);
        assert_eq!(CallStatus::parse("no_answer"), CallStatus::NoAnswer);
        assert_eq!(CallType::parse("Inb"), CallType::Inb);
        let call = McnCall::from_json(
            json!({"callid": 1, "date": "2023-09-19 09:11:00", "type": "Inb", "status": "LOST",
                   "src_num": "74951234567", "dst_num": "101", "waittime": "30"})
            .as_object()
            .unwrap(),
        )
        .unwrap();
        assert!(call.is_missed());
        let record = call.call_record("RU").unwrap();
        assert_eq!(record.state, CallState::Missed);
        assert_eq!(record.employee.as_deref(), Some("101"));
        assert_eq!(record.outcome, Some(Outcome::Missed));
    }

    #[test]
    fn an_outgoing_call_keeps_why_nobody_talked() {
        for (status, outcome) in [
            ("ANSWERED", Outcome::Answered),
            ("BUSY", Outcome::Busy),
            ("NO ANSWER", Outcome::NoAnswer),
            ("FAILED", Outcome::Failed),
            ("LOST", Outcome::Cancelled),
        ] {
            let call = McnCall::from_json(
                json!({"callid": 2, "date": "2023-09-19 09:11:00", "type": "Out",
                       "status": status, "src_num": "101", "dst_num": "74951234567"})
                .as_object()
                .unwrap(),
            )
            .unwrap();
            let record = call.call_record("RU").unwrap();
            assert_eq!(record.outcome, Some(outcome), "{status}");
            let answered = status == "ANSWERED";
            assert_eq!(record.state == CallState::Ended, answered, "{status}");
        }
    }
}
