//! The completion webhook (autodialer.md): when a call ends, the Autodialer can send the
//! subscriber's number, the call's duration, the recording (wav) and the person's recognized
//! answer, "for saving the call and generating a lead". It becomes a [`CallRecord`] for history
//! plus the recognized answer ([`AutodialerCallResult`]).
//!
//! The spec gives only the parameters' Russian labels; names, method, encoding and
//! authentication are unspecified. So:
//! - the labels as printed are the field names (`Номер_абонента`, `Продолжительность_вызова`,
//!   `Запись(wav)`, `Распознанный_ответ_человека`), with plain aliases (`phone`, `duration`,
//!   `record` / `recording`, `answer`) for a webhook set up by hand; `QUERY_ID` and `UUID`, when
//!   present, are kept too (not in the spec);
//! - fields are read from the query string (a GET), and from a JSON object or form fields in the
//!   body; the body wins;
//! - no token is sent: [`TokenlessGuard`] (secret path segment + IP allow-list) checks every
//!   request before it is read;
//! - the recording must be an `http(s)` URL; anything else is left out (and said so), the call is
//!   still recorded. A wav file in a multipart body is refused with what to configure instead.
//!
//! Replies: `200 {"ok":true}`; `400 {"error":"Invalid parameters: ..."}`; the guard's `403` /
//! `413`.

use callpop_core::{CallRecord, CallState, Direction, PhoneNumber};
use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Value};

use super::cdr::call_id;
use super::PROVIDER;
use crate::tokenless_guard::{Refusal, TokenlessGuard};
use crate::webhook::{WebhookReply, WebhookRequest};

/// The spec's label of the subscriber's number.
pub const FIELD_PHONE: &str = "Номер_абонента";
/// The spec's label of the call's duration.
pub const FIELD_DURATION: &str = "Продолжительность_вызова";
/// The spec's label of the recording.
pub const FIELD_RECORDING: &str = "Запись(wav)";
/// The spec's label of the recognized answer.
pub const FIELD_ANSWER: &str = "Распознанный_ответ_человека";

/// The longest recognized answer kept, in characters; longer ones are cut.
const MAX_ANSWER_CHARS: usize = 2000;
/// The longest call believed, in seconds: a day.
const MAX_DURATION_SECONDS: i64 = 86_400;
/// The longest recording URL kept.
const MAX_URL_CHARS: usize = 2048;

/// Which field a parameter name is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Phone,
    Duration,
    Recording,
    Answer,
    QueryId,
    Uuid,
}

impl Field {
    fn of(name: &str) -> Option<Field> {
        let name = name.trim().to_lowercase();
        Some(match name.as_str() {
            "номер_абонента" | "номер абонента" | "phone" | "number" => {
                Field::Phone
            }
            "продолжительность_вызова" | "продолжительность вызова" | "duration" => {
                Field::Duration
            }
            "запись(wav)" | "запись" | "запись_wav" | "record" | "recording" => {
                Field::Recording
            }
            "распознанный_ответ_человека"
            | "распознанный ответ человека"
            | "answer"
            | "recognized_answer" => Field::Answer,
            "query_id" => Field::QueryId,
            "uuid" => Field::Uuid,
            _ => return None,
        })
    }
}

/// A parsed completion webhook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completion {
    /// The subscriber's number.
    pub phone: PhoneNumber,
    /// The call's duration in seconds, when sent.
    pub duration_seconds: Option<i64>,
    /// The recording's URL, when sent and usable.
    pub recording: Option<String>,
    /// The person's recognized answer, when sent (control characters removed, at most 2000
    /// characters).
    pub recognized_answer: Option<String>,
    /// `QUERY_ID`, when sent (not in the spec): the job, as `cdr` names it.
    pub query_id: Option<String>,
    /// `UUID`, when sent (not in the spec): the contact's id as it was sent to `make`.
    pub uuid: Option<String>,
    /// What was left out and why (an unusable recording).
    pub problems: Vec<String>,
}

/// One robot call's result: the call for history, and what history has no field for yet.
#[derive(Debug, Clone, PartialEq)]
pub struct AutodialerCallResult {
    /// The call (provider `autodialer`, outgoing).
    pub record: CallRecord,
    /// The person's recognized answer.
    pub recognized_answer: Option<String>,
    /// The contact's id, when the Autodialer sent it.
    pub uuid: Option<String>,
}

/// Why a completion webhook was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CompletionError {
    /// The guard refused it (`403` / `413`).
    #[error("{0}")]
    Refused(Refusal),
    /// The request is not a completion webhook (`400`).
    #[error("Invalid parameters: {0}")]
    InvalidParameters(String),
}

impl CompletionError {
    /// The HTTP status of the reply.
    pub fn status(&self) -> u16 {
        self.reply().status
    }

    /// The reply to send.
    pub fn reply(&self) -> WebhookReply {
        match self {
            CompletionError::Refused(refusal) => refusal.reply(),
            CompletionError::InvalidParameters(_) => {
                WebhookReply::json(400, &json!({ "error": self.to_string() }))
            }
        }
    }
}

/// Reads a completion webhook: the query string of `path`, then the body (JSON object or form
/// fields) over it. Numbers are parsed in `region`.
pub fn parse_completion(
    path: &str,
    content_type: Option<&str>,
    body: &[u8],
    region: &str,
) -> Result<Completion, CompletionError> {
    let invalid = |why: String| CompletionError::InvalidParameters(why);
    let mime = content_type
        .and_then(|c| c.split(';').next())
        .map(|m| m.trim().to_ascii_lowercase())
        .unwrap_or_default();
    if mime.starts_with("multipart/") {
        return Err(invalid(
            "a file upload (multipart) is not read: set the webhook to send the recording's URL"
                .into(),
        ));
    }
    let mut fields = RawFields::default();
    let body_text = std::str::from_utf8(body)
        .map_err(|_| invalid("the body is not UTF-8 text".into()))?
        .trim();
    if !body_text.is_empty() {
        if mime == "application/json" || body_text.starts_with('{') || body_text.starts_with('[') {
            let value: Value = serde_json::from_str(body_text)
                .map_err(|error| invalid(format!("the body is not JSON ({error})")))?;
            let Value::Object(object) = value else {
                return Err(invalid("the body must be a JSON object".into()));
            };
            for (name, value) in &object {
                let text = match value {
                    Value::String(text) => text.clone(),
                    Value::Number(number) => number.to_string(),
                    Value::Null => continue,
                    _ if Field::of(name).is_some() => {
                        return Err(invalid(format!("{name}: expected text or a number")))
                    }
                    _ => continue,
                };
                fields.offer(name, &text);
            }
        } else {
            for (name, value) in form_urlencoded::parse(body_text.as_bytes()) {
                fields.offer(&name, &value);
            }
        }
    }
    if let Some((_, query)) = path.split_once('?') {
        let query = query.split('#').next().unwrap_or_default();
        for (name, value) in form_urlencoded::parse(query.as_bytes()) {
            fields.offer(&name, &value);
        }
    }
    fields.finish(region)
}

/// The fields as found, first non-empty value of each.
#[derive(Debug, Default)]
struct RawFields {
    phone: Option<String>,
    duration: Option<String>,
    recording: Option<String>,
    answer: Option<String>,
    query_id: Option<String>,
    uuid: Option<String>,
}

impl RawFields {
    fn offer(&mut self, name: &str, value: &str) {
        let Some(field) = Field::of(name) else {
            return;
        };
        let slot = match field {
            Field::Phone => &mut self.phone,
            Field::Duration => &mut self.duration,
            Field::Recording => &mut self.recording,
            Field::Answer => &mut self.answer,
            Field::QueryId => &mut self.query_id,
            Field::Uuid => &mut self.uuid,
        };
        let value = value.trim();
        if slot.is_none() && !value.is_empty() {
            *slot = Some(value.to_owned());
        }
    }

    fn finish(self, region: &str) -> Result<Completion, CompletionError> {
        let invalid = CompletionError::InvalidParameters;
        let phone_text = self.phone.ok_or_else(|| {
            invalid(format!(
                "{FIELD_PHONE} (the subscriber's number) is missing"
            ))
        })?;
        let phone = PhoneNumber::parse(&phone_text, region);
        if phone.digits().is_empty() {
            return Err(invalid(format!(
                "{FIELD_PHONE} {:?} is not a phone number",
                cut(&phone_text, 40)
            )));
        }
        let duration_seconds = match self.duration {
            None => None,
            Some(text) => Some(parse_duration(&text).ok_or_else(|| {
                invalid(format!(
                    "{FIELD_DURATION} {:?} is not a duration: expected seconds (42) or 00:00:42, \
                     at most a day",
                    cut(&text, 40)
                ))
            })?),
        };
        let mut problems = Vec::new();
        let recording = match self.recording {
            None => None,
            Some(text) => match recording_url(&text) {
                Some(url) => Some(url),
                None => {
                    problems.push(format!(
                        "{FIELD_RECORDING} {:?} is not an http(s) link; the recording was left out",
                        cut(&text, 60)
                    ));
                    None
                }
            },
        };
        let recognized_answer = self
            .answer
            .map(|text| clean_text(&text, MAX_ANSWER_CHARS))
            .filter(|text| !text.is_empty());
        Ok(Completion {
            phone,
            duration_seconds,
            recording,
            recognized_answer,
            query_id: self.query_id.map(|id| clean_text(&id, 64)),
            uuid: self.uuid.map(|id| clean_text(&id, 128)),
            problems,
        })
    }
}

impl Completion {
    /// The call for history, `received_at` being when the webhook came (the call's end).
    ///
    /// Its id is `{QUERY_ID}:{digits}` when the job is named (the same call `cdr` lists), else
    /// `hook:{digits}:{hash}` of what was sent, so a replayed webhook updates one row.
    pub fn to_result(&self, received_at: DateTime<Utc>) -> AutodialerCallResult {
        let seconds = self.duration_seconds.unwrap_or(0);
        let state = if seconds > 0 {
            CallState::Ended
        } else {
            CallState::Missed
        };
        let call_id = match &self.query_id {
            Some(query_id) => call_id(query_id, &self.phone),
            None => format!("hook:{}:{:016x}", self.phone.digits(), self.fingerprint()),
        };
        AutodialerCallResult {
            record: CallRecord {
                outcome: None,
                rang: Vec::new(),
                provider: PROVIDER.to_owned(),
                call_id,
                direction: Direction::Out,
                state,
                customer: Some(self.phone.clone()),
                employee: None,
                contact_name: None,
                started_at: received_at - Duration::seconds(seconds),
                answered_at: None,
                ended_at: Some(received_at),
                duration_seconds: self.duration_seconds,
                talk_seconds: (state == CallState::Ended).then_some(seconds),
                recording: self.recording.clone(),
                transfer: None,
                // The person's recognized answer is what history shows of the robot call.
                note: self.recognized_answer.clone(),
                answered_by: None,
            },
            recognized_answer: self.recognized_answer.clone(),
            uuid: self.uuid.clone(),
        }
    }

    /// FNV-1a of what identifies the call: stable across runs and versions.
    fn fingerprint(&self) -> u64 {
        let text = format!(
            "{}|{:?}|{:?}|{:?}|{:?}",
            self.phone.key(),
            self.duration_seconds,
            self.recording,
            self.recognized_answer,
            self.uuid
        );
        text.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
            (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
        })
    }
}

/// `42`, `42.4`, `00:00:42`, `0:42`; `None` when none of these or over a day.
fn parse_duration(text: &str) -> Option<i64> {
    let text = text.trim();
    let seconds = if text.contains(':') {
        let parts: Vec<&str> = text.split(':').collect();
        if parts.len() > 3 {
            return None;
        }
        let mut total: i64 = 0;
        for part in parts {
            if part.is_empty() || part.len() > 6 || !part.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            total = total
                .checked_mul(60)?
                .checked_add(part.parse::<i64>().ok()?)?;
        }
        total
    } else {
        let value: f64 = text.parse().ok()?;
        if !value.is_finite() || value < 0.0 || value > MAX_DURATION_SECONDS as f64 {
            return None;
        }
        value.round() as i64
    };
    (0..=MAX_DURATION_SECONDS)
        .contains(&seconds)
        .then_some(seconds)
}

/// `text` when it is an `http(s)` URL with a host, not too long.
fn recording_url(text: &str) -> Option<String> {
    if text.chars().count() > MAX_URL_CHARS {
        return None;
    }
    let url = reqwest::Url::parse(text.trim()).ok()?;
    (matches!(url.scheme(), "http" | "https") && url.host_str().is_some()).then(|| url.to_string())
}

/// `text` without control characters (newlines become spaces), at most `max` characters.
fn clean_text(text: &str, max: usize) -> String {
    let cleaned: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    cut(cleaned.trim(), max)
}

/// At most `max` characters of `text`, `…` when cut.
fn cut(text: &str, max: usize) -> String {
    let mut chars = text.chars();
    let short: String = chars.by_ref().take(max).collect();
    if chars.next().is_some() {
        format!("{short}…")
    } else {
        short
    }
}

/// What one webhook request came to.
#[derive(Debug, Clone, PartialEq)]
pub struct CompletionOutcome {
    /// The reply for the Autodialer.
    pub reply: WebhookReply,
    /// The call, when the request was accepted: the relay saves `result.record` to history.
    pub result: Option<AutodialerCallResult>,
    /// What was left out of an accepted request, and why.
    pub problems: Vec<String>,
}

/// The completion webhook of one Autodialer account: guard, parse, result.
#[derive(Debug, Clone)]
pub struct AutodialerWebhook {
    guard: TokenlessGuard,
    region: String,
}

impl AutodialerWebhook {
    /// Requests passing `guard`; numbers parsed in `region`.
    pub fn new(guard: TokenlessGuard, region: &str) -> AutodialerWebhook {
        AutodialerWebhook {
            guard,
            region: region.to_owned(),
        }
    }

    /// The guard: the relay reads [`TokenlessGuard::max_body_bytes`] from it, and may check a
    /// request with an empty body before reading the body.
    pub fn guard(&self) -> &TokenlessGuard {
        &self.guard
    }

    /// Handles one request (GET or POST); `now` is when it came.
    pub fn handle(&self, request: &WebhookRequest, now: DateTime<Utc>) -> CompletionOutcome {
        let parsed = self
            .guard
            .check(request)
            .map_err(CompletionError::Refused)
            .and_then(|()| {
                parse_completion(
                    &request.path,
                    request.content_type.as_deref(),
                    &request.body,
                    &self.region,
                )
            });
        match parsed {
            Ok(completion) => {
                for problem in &completion.problems {
                    tracing::warn!("Autodialer webhook: {problem}");
                }
                CompletionOutcome {
                    reply: WebhookReply::ok(),
                    result: Some(completion.to_result(now)),
                    problems: completion.problems,
                }
            }
            Err(error) => {
                if let CompletionError::InvalidParameters(_) = error {
                    tracing::warn!(remote_ip = %request.remote_ip, "Autodialer webhook refused (400): {error}");
                }
                CompletionOutcome {
                    reply: error.reply(),
                    result: None,
                    problems: Vec::new(),
                }
            }
        }
    }
}

/// The robot's finished call goes to the shared history; the Autodialer sends no live events.
impl crate::webhook::WebhookHandler for AutodialerWebhook {
    fn provider(&self) -> &'static str {
        "Autodialer"
    }

    fn gate(&self) -> std::sync::Arc<dyn crate::webhook::WebhookGate> {
        std::sync::Arc::new(self.guard.clone())
    }

    // No shared_state: `handle` takes `&self`, nothing is kept between requests.

    fn handle(
        &mut self,
        request: &WebhookRequest,
        context: &crate::webhook::WebhookContext<'_>,
    ) -> crate::webhook::Handled {
        let outcome = AutodialerWebhook::handle(self, request, context.now);
        crate::webhook::Handled {
            reply: outcome.reply,
            events: Vec::new(),
            calls: outcome
                .result
                .into_iter()
                .map(|result| result.record)
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_seconds_and_clock_forms() {
        assert_eq!(parse_duration("42"), Some(42));
        assert_eq!(parse_duration("42.4"), Some(42));
        assert_eq!(parse_duration("00:01:05"), Some(65));
        assert_eq!(parse_duration("1:05"), Some(65));
        for bad in [
            "", "-3", "abc", "1::2", "NaN", "inf", "100000", "1:2:3:4", "25:00:01",
        ] {
            assert_eq!(parse_duration(bad), None, "{bad}");
        }
    }

    #[test]
    fn only_web_links_are_kept_as_recordings() {
        assert_eq!(
            recording_url("https://dialer.example/rec/1.wav").as_deref(),
            Some("https://dialer.example/rec/1.wav")
        );
        for bad in [
            "javascript:alert(1)",
            "file:///etc/passwd",
            "rec/1.wav",
            "http://",
        ] {
            assert_eq!(recording_url(bad), None, "{bad}");
        }
    }

    #[test]
    fn answers_lose_control_characters_and_excess() {
        assert_eq!(clean_text(" да,\nконечно\u{7} ", 100), "да, конечно");
        assert_eq!(cut("абвгд", 3), "абв…");
    }
}
