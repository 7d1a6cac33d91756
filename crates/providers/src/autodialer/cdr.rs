//! `cdr` (autodialer.md): the Autodialer's call history, an array of `QUERY_ID` (job id, int),
//! `DST` (number), `TIME` (`YYYY-MM-DD HH:MM:SS Z`, the last attempt), `CODE` (status and
//! completion code) and `SEC` (duration), turned into history's [`CallRecord`]s.
//!
//! Choices where the spec is silent:
//! - `QUERY_ID` names a job, which may hold many numbers: a call's id is `{QUERY_ID}:{digits of
//!   DST}`, so rows of one job stay apart and the completion webhook can name the same call;
//! - `CODE`'s values are not listed. The dispositions such a dialer commonly writes are read
//!   (`ANSWERED`; `NO ANSWER`, `BUSY`, `FAILED`, `CONGESTION`, `CANCEL`); for anything else a
//!   call with seconds counts as answered, one without as not;
//! - `TIME`'s `Z` is read as a zone: `Z`, `UTC`, `GMT`, `+03:00`, `+0300`; without one, UTC.

use callpop_core::{CallRecord, CallState, Direction, PhoneNumber};
use chrono::{DateTime, Duration, FixedOffset, NaiveDate, NaiveDateTime, TimeZone, Utc};
use serde_json::Value;

use super::PROVIDER;

/// One row of `cdr`, as sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CdrEntry {
    /// `QUERY_ID`: the job.
    pub query_id: String,
    /// `DST`: the subscriber's number.
    pub dst: String,
    /// `TIME`, as sent.
    pub time: String,
    /// `CODE`, as sent.
    pub code: String,
    /// `SEC`: seconds.
    pub sec: i64,
}

/// What `cdr` asks for (autodialer.md: `date_from`, `date_to`, `to`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CdrQuery {
    /// `date_from`, the first day.
    pub date_from: NaiveDate,
    /// `date_to`, the last day.
    pub date_to: NaiveDate,
    /// `to`: only this number.
    pub to: Option<PhoneNumber>,
}

/// How a `CODE` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CdrOutcome {
    /// Somebody (or an answering machine) picked up.
    Answered,
    /// Nobody answered: no answer, busy, failed.
    NotAnswered,
}

impl CdrEntry {
    /// Reads one element of the array; `index` (0-based) names it in the error.
    pub(crate) fn from_json(index: usize, value: &Value) -> Result<CdrEntry, String> {
        let Value::Object(row) = value else {
            return Err(format!("element {index} is not an object"));
        };
        let text = |name: &str| -> Result<String, String> {
            match row.get(name) {
                Some(Value::String(text)) => Ok(text.trim().to_owned()),
                Some(Value::Number(number)) => Ok(number.to_string()),
                Some(Value::Null) | None => Ok(String::new()),
                Some(other) => Err(format!("element {index}: `{name}` is not text: {other}")),
            }
        };
        let query_id = text("QUERY_ID")?;
        let dst = text("DST")?;
        if query_id.is_empty() || dst.is_empty() {
            return Err(format!("element {index} has no QUERY_ID or no DST"));
        }
        let sec = match row.get("SEC") {
            None | Some(Value::Null) => Some(0),
            Some(Value::Number(n)) => n.as_i64().filter(|s| *s >= 0),
            Some(Value::String(s)) => s.trim().parse::<i64>().ok().filter(|s| *s >= 0),
            Some(_) => None,
        }
        .ok_or_else(|| format!("element {index}: `SEC` is not a number of seconds"))?;
        Ok(CdrEntry {
            query_id,
            dst,
            time: text("TIME")?,
            code: text("CODE")?,
            sec,
        })
    }

    /// How its `CODE` (and `SEC`) read; see the module doc.
    pub fn outcome(&self) -> CdrOutcome {
        let code = self
            .code
            .trim()
            .to_ascii_uppercase()
            .replace(['_', '-'], " ");
        match code.as_str() {
            "ANSWERED" | "ANSWER" | "OK" | "SUCCESS" => CdrOutcome::Answered,
            "NO ANSWER" | "NOANSWER" | "BUSY" | "FAILED" | "CONGESTION" | "CANCEL"
            | "CANCELLED" | "CHANUNAVAIL" => CdrOutcome::NotAnswered,
            _ if self.sec > 0 => CdrOutcome::Answered,
            _ => CdrOutcome::NotAnswered,
        }
    }

    /// The row as history keeps it; `Err` names what cannot be read.
    pub fn to_call_record(&self, region: &str) -> Result<CallRecord, String> {
        let started_at = parse_cdr_time(&self.time).ok_or_else(|| {
            format!(
                "job {}: TIME {:?} is not YYYY-MM-DD HH:MM:SS with a zone",
                self.query_id, self.time
            )
        })?;
        let customer = PhoneNumber::parse(&self.dst, region);
        let ended_at = started_at + Duration::seconds(self.sec);
        let state = match self.outcome() {
            CdrOutcome::Answered => CallState::Ended,
            CdrOutcome::NotAnswered => CallState::Missed,
        };
        Ok(CallRecord {
            outcome: None,
            rang: Vec::new(),
            provider: PROVIDER.to_owned(),
            call_id: call_id(&self.query_id, &customer),
            direction: Direction::Out,
            state,
            customer: Some(customer),
            employee: None,
            contact_name: None,
            started_at,
            answered_at: None,
            ended_at: Some(ended_at),
            duration_seconds: Some(self.sec),
            talk_seconds: (state == CallState::Ended).then_some(self.sec),
            recording: None,
            transfer: None,
            note: None,
            answered_by: None,
        })
    }
}

/// `{job}:{digits}`: the id history keeps an Autodialer call under. The number is the parsed
/// one, so `89222220000` and `+79222220000` give one id.
pub fn call_id(query_id: &str, customer: &PhoneNumber) -> String {
    format!("{}:{}", query_id.trim(), customer.digits())
}

/// `YYYY-MM-DD HH:MM:SS Z` (see the module doc for the zone).
pub fn parse_cdr_time(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    let (date_time, zone) = match text.get(19..) {
        Some(rest) => (text.get(..19)?, rest.trim()),
        None => (text, ""),
    };
    let naive = NaiveDateTime::parse_from_str(date_time, "%Y-%m-%d %H:%M:%S")
        .or_else(|_| NaiveDateTime::parse_from_str(date_time, "%Y-%m-%dT%H:%M:%S"))
        .ok()?;
    let offset = match zone {
        "" | "Z" | "z" | "UTC" | "GMT" => FixedOffset::east_opt(0)?,
        zone => parse_offset(zone)?,
    };
    offset
        .from_local_datetime(&naive)
        .single()
        .map(|at| at.with_timezone(&Utc))
}

/// `+03:00`, `+0300`, `-05`.
fn parse_offset(zone: &str) -> Option<FixedOffset> {
    let (sign, rest) = match zone.as_bytes().first()? {
        b'+' => (1, &zone[1..]),
        b'-' => (-1, &zone[1..]),
        _ => return None,
    };
    let digits: String = rest.chars().filter(|c| *c != ':').collect();
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (hours, minutes) = match digits.len() {
        2 => (digits.parse::<i32>().ok()?, 0),
        4 => (
            digits[..2].parse::<i32>().ok()?,
            digits[2..].parse::<i32>().ok()?,
        ),
        _ => return None,
    };
    if hours > 14 || minutes > 59 {
        return None;
    }
    FixedOffset::east_opt(sign * (hours * 3600 + minutes * 60))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(code: &str, sec: i64) -> CdrEntry {
        CdrEntry {
            query_id: "40133707428585176".into(),
            dst: "89001110000".into(),
            time: "2024-05-01 10:15:00 +03:00".into(),
            code: code.into(),
            sec,
        }
    }

    #[test]
    fn times_carry_their_zone() {
        let utc = Utc.with_ymd_and_hms(2024, 5, 1, 7, 15, 0).unwrap();
        for text in [
            "2024-05-01 10:15:00 +03:00",
            "2024-05-01 10:15:00 +0300",
            "2024-05-01 07:15:00 Z",
            "2024-05-01 07:15:00 UTC",
            "2024-05-01 07:15:00",
        ] {
            assert_eq!(parse_cdr_time(text), Some(utc), "{text}");
        }
        for bad in [
            "",
            "2024-05-01",
            "2024-13-01 10:15:00 Z",
            "2024-05-01 10:15:00 MSK+",
        ] {
            assert_eq!(parse_cdr_time(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_row_becomes_an_outgoing_call_in_history() {
        let record = entry("ANSWERED", 42).to_call_record("RU").unwrap();
        assert_eq!(record.provider, "autodialer");
        assert_eq!(record.call_id, "40133707428585176:79001110000");
        assert_eq!(record.direction, Direction::Out);
        assert_eq!(record.state, CallState::Ended);
        assert_eq!(record.customer.unwrap().key(), "+79001110000");
        assert_eq!(record.duration_seconds, Some(42));
        assert_eq!(record.talk_seconds, Some(42));
        assert_eq!(
            record.ended_at.unwrap() - record.started_at,
            Duration::seconds(42)
        );
    }

    #[test]
    fn codes_and_seconds_decide_whether_it_was_answered() {
        assert_eq!(entry("NO ANSWER", 0).outcome(), CdrOutcome::NotAnswered);
        assert_eq!(entry("busy", 3).outcome(), CdrOutcome::NotAnswered);
        assert_eq!(entry("17", 12).outcome(), CdrOutcome::Answered);
        assert_eq!(entry("17", 0).outcome(), CdrOutcome::NotAnswered);
        let missed = entry("NO_ANSWER", 0).to_call_record("RU").unwrap();
        assert_eq!(missed.state, CallState::Missed);
        assert_eq!(missed.talk_seconds, None);
    }

    #[test]
    fn rows_read_strings_or_numbers_and_refuse_the_rest() {
        let row = serde_json::json!({"QUERY_ID": 5, "DST": "89001110000", "TIME": "2024-05-01 10:00:00 Z", "CODE": "ANSWERED", "SEC": "7"});
        let entry = CdrEntry::from_json(0, &row).unwrap();
        assert_eq!((entry.query_id.as_str(), entry.sec), ("5", 7));
        for bad in [
            serde_json::json!("x"),
            serde_json::json!({"DST": "1"}),
            serde_json::json!({"QUERY_ID": 1, "DST": "1", "SEC": -3}),
            serde_json::json!({"QUERY_ID": 1, "DST": ["1"]}),
        ] {
            assert!(CdrEntry::from_json(3, &bad).is_err(), "{bad}");
        }
        let bad_time = CdrEntry {
            time: "yesterday".into(),
            ..entry
        };
        assert!(bad_time.to_call_record("RU").unwrap_err().contains("TIME"));
    }
}
