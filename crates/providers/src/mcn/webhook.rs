//! MCN → CRM call events. **Public usage only**: the help article documents no webhooks. As
//! public client code receives them, each request has `event_type` (onBegin,
//! onInCallingAnswered, onInAbonEnd, onInCallingEnd, onOutCallingStart, onOutCallingAnswered,
//! onOutAbonEnd, onOutCallingEnd) and `call_id`, `abon` (the extension), `did` (the client's
//! number), `did_mcn` (our number), `billsec`. The encoding is not pinned down, so a JSON body,
//! a form body and a query string are all read. No token is documented: a
//! [`TokenlessGuard`] (secret path segment + IP allow-list) stands in front.
//!
//! Mapping to the tracker: onBegin and on…CallingStart ring, on…CallingAnswered answer,
//! on…CallingEnd end the call (`Ended` once answered or with `billsec` > 0; else an incoming
//! call is `Missed` and an outgoing one `Cancelled`). on…AbonEnd ends one extension's leg while
//! the call may still ring others: acknowledged, no event. Replies: `200 {"ok":true}`,
//! `400 {"error":"…"}`, `403` / `413` from the guard.

use callpop_core::{CallEvent, CallState, Direction, PhoneNumber};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::PROVIDER;
use crate::recent_keys::RecentKeys;
use crate::tokenless_guard::TokenlessGuard;
use crate::webhook::{WebhookReply, WebhookRequest};

/// How many keys are remembered to drop repeats and to know answered calls.
const SEEN_KEPT: usize = 4096;

/// `event_type` (public usage).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum McnEventType {
    /// `onBegin`: an incoming call reaches the PBX.
    Begin,
    /// `onInCallingAnswered`: an extension answered an incoming call.
    InCallingAnswered,
    /// `onInAbonEnd`: one extension's leg of an incoming call ended.
    InAbonEnd,
    /// `onInCallingEnd`: the incoming call ended.
    InCallingEnd,
    /// `onOutCallingStart`: an extension calls out.
    OutCallingStart,
    /// `onOutCallingAnswered`: the client answered.
    OutCallingAnswered,
    /// `onOutAbonEnd`: the extension's leg of an outgoing call ended.
    OutAbonEnd,
    /// `onOutCallingEnd`: the outgoing call ended.
    OutCallingEnd,
}

impl McnEventType {
    /// Reads the wire name (case-insensitive).
    pub fn parse(text: &str) -> Option<McnEventType> {
        Some(match text.trim().to_ascii_lowercase().as_str() {
            "onbegin" => McnEventType::Begin,
            "onincallinganswered" => McnEventType::InCallingAnswered,
            "oninabonend" => McnEventType::InAbonEnd,
            "onincallingend" => McnEventType::InCallingEnd,
            "onoutcallingstart" => McnEventType::OutCallingStart,
            "onoutcallinganswered" => McnEventType::OutCallingAnswered,
            "onoutabonend" => McnEventType::OutAbonEnd,
            "onoutcallingend" => McnEventType::OutCallingEnd,
            _ => return None,
        })
    }

    /// Which way the call goes: onBegin and onIn… in, onOut… out.
    pub fn direction(self) -> Direction {
        match self {
            McnEventType::OutCallingStart
            | McnEventType::OutCallingAnswered
            | McnEventType::OutAbonEnd
            | McnEventType::OutCallingEnd => Direction::Out,
            _ => Direction::In,
        }
    }
}

/// One parsed webhook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct McnEvent {
    /// `event_type`.
    pub event_type: McnEventType,
    /// `call_id`.
    pub call_id: String,
    /// `abon`: the extension.
    pub abon: Option<String>,
    /// `did`: the client's number.
    pub did: Option<String>,
    /// `did_mcn`: our number.
    pub did_mcn: Option<String>,
    /// `billsec`: billable seconds (0 when absent).
    pub billsec: i64,
}

/// Why a request was refused after the guard.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum McnWebhookError {
    /// A missing or unreadable field: `400`.
    #[error("{0}")]
    InvalidParameters(String),
}

impl McnWebhookError {
    /// `400 {"error": "…"}`.
    pub fn reply(&self) -> WebhookReply {
        WebhookReply::json(400, &json!({ "error": self.to_string() }))
    }
}

/// The request's fields: the query string's, then the body's (JSON object or form), later
/// winning. JSON numbers become their text.
pub fn webhook_fields(request: &WebhookRequest) -> Result<Vec<(String, String)>, McnWebhookError> {
    let mut fields = Vec::new();
    if let Some((_, query)) = request.path.split_once('?') {
        let query = query.split('#').next().unwrap_or_default();
        fields.extend(
            form_urlencoded::parse(query.as_bytes()).map(|(k, v)| (k.into_owned(), v.into_owned())),
        );
    }
    let body = std::str::from_utf8(&request.body)
        .map_err(|_| McnWebhookError::InvalidParameters("the body is not UTF-8".into()))?
        .trim();
    if body.starts_with('{') {
        let value: Value = serde_json::from_str(body).map_err(|e| {
            McnWebhookError::InvalidParameters(format!("the JSON body is broken: {e}"))
        })?;
        let Value::Object(map) = value else {
            return Err(McnWebhookError::InvalidParameters(
                "the JSON body is not an object".into(),
            ));
        };
        for (name, value) in map {
            let text = match value {
                Value::String(s) => s,
                Value::Number(n) => n.to_string(),
                Value::Bool(b) => b.to_string(),
                _ => continue,
            };
            fields.push((name, text));
        }
    } else if body.starts_with('[') {
        return Err(McnWebhookError::InvalidParameters(
            "the JSON body is not an object".into(),
        ));
    } else if !body.is_empty() {
        fields.extend(
            form_urlencoded::parse(body.as_bytes()).map(|(k, v)| (k.into_owned(), v.into_owned())),
        );
    }
    Ok(fields
        .into_iter()
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect())
}

fn get<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
    fields
        .iter()
        .rev()
        .find(|(k, v)| k == name && !v.is_empty() && !v.eq_ignore_ascii_case("null"))
        .map(|(_, v)| v.as_str())
}

/// Reads one webhook: `event_type` and `call_id` required, `billsec` seconds when present.
pub fn parse_webhook(fields: &[(String, String)]) -> Result<McnEvent, McnWebhookError> {
    let invalid = McnWebhookError::InvalidParameters;
    let kind_text =
        get(fields, "event_type").ok_or_else(|| invalid("`event_type` is missing".into()))?;
    let event_type = McnEventType::parse(kind_text)
        .ok_or_else(|| invalid(format!("unknown event_type {kind_text:?}")))?;
    let billsec = match get(fields, "billsec") {
        None => 0,
        Some(text) => text
            .parse::<f64>()
            .ok()
            .filter(|n| n.is_finite() && (0.0..=1.0e8).contains(n))
            .map(|n| n.round() as i64)
            .ok_or_else(|| invalid(format!("`billsec` {text:?} is not seconds")))?,
    };
    Ok(McnEvent {
        event_type,
        call_id: get(fields, "call_id")
            .ok_or_else(|| invalid("`call_id` is missing".into()))?
            .to_owned(),
        abon: get(fields, "abon").map(str::to_owned),
        did: get(fields, "did").map(str::to_owned),
        did_mcn: get(fields, "did_mcn").map(str::to_owned),
        billsec,
    })
}

/// What one request came to.
#[derive(Debug, Clone, PartialEq)]
pub struct McnOutcome {
    /// The reply for MCN.
    pub reply: WebhookReply,
    /// The webhook as parsed.
    pub event: Option<McnEvent>,
    /// The `CallEvent`s for the tracker (none for a repeat or a leg's end).
    pub events: Vec<CallEvent>,
    /// True when it repeated one already handled.
    pub duplicate: bool,
    /// Why it was refused, for the log.
    pub problem: Option<String>,
}

/// Every MCN webhook of one account behind one entry point.
#[derive(Debug)]
pub struct McnWebhooks {
    guard: TokenlessGuard,
    region: String,
    seen: RecentKeys,
    answered: RecentKeys,
}

impl McnWebhooks {
    /// Handlers behind `guard`; `region` reads numbers without a country code.
    pub fn new(guard: TokenlessGuard, region: &str) -> McnWebhooks {
        McnWebhooks {
            guard,
            region: region.to_owned(),
            seen: RecentKeys::new(SEEN_KEPT),
            answered: RecentKeys::new(SEEN_KEPT),
        }
    }

    /// The guard: the relay reads the body limit from it.
    pub fn guard(&self) -> &TokenlessGuard {
        &self.guard
    }

    /// Handles one request (see the module docs); `now` stamps the events (none carries a time).
    pub fn handle(&mut self, request: &WebhookRequest, now: DateTime<Utc>) -> McnOutcome {
        let refused = |reply: WebhookReply, problem: String| McnOutcome {
            reply,
            event: None,
            events: Vec::new(),
            duplicate: false,
            problem: Some(problem),
        };
        if let Err(refusal) = self.guard.check(request) {
            return refused(refusal.reply(), refusal.to_string());
        }
        let event = match webhook_fields(request).and_then(|f| parse_webhook(&f)) {
            Ok(event) => event,
            Err(error) => {
                tracing::warn!("MCN webhook refused (400): {error}");
                return refused(error.reply(), error.to_string());
            }
        };
        let mut outcome = McnOutcome {
            reply: WebhookReply::ok(),
            event: Some(event.clone()),
            events: Vec::new(),
            duplicate: false,
            problem: None,
        };
        if !self
            .seen
            .insert(format!("{}\u{1f}{:?}", event.call_id, event.event_type))
        {
            outcome.duplicate = true;
            return outcome;
        }
        let state = match event.event_type {
            McnEventType::Begin | McnEventType::OutCallingStart => CallState::Ringing,
            McnEventType::InCallingAnswered | McnEventType::OutCallingAnswered => {
                self.answered.insert(event.call_id.clone());
                CallState::Answered
            }
            McnEventType::InAbonEnd | McnEventType::OutAbonEnd => return outcome,
            McnEventType::InCallingEnd | McnEventType::OutCallingEnd => {
                let answered = event.billsec > 0 || self.answered.contains(&event.call_id);
                match (answered, event.event_type.direction()) {
                    (true, _) => CallState::Ended,
                    (false, Direction::Out) => CallState::Cancelled,
                    (false, _) => CallState::Missed,
                }
            }
        };
        outcome.events.push(CallEvent {
            provider: PROVIDER.to_owned(),
            call_id: event.call_id.clone(),
            parent_id: None,
            state,
            direction: event.event_type.direction(),
            customer: event
                .did
                .as_deref()
                .map(|n| PhoneNumber::parse(n, &self.region)),
            employee: event.abon.clone(),
            employee_name: None,
            at: now,
            on_hold: false,
            pbx_contact: None,
        });
        outcome
    }
}

/// [`McnWebhooks`]' state as relay instances hand it to each other: the repeats to drop and the
/// answered calls, oldest first so the receiver forgets in the same order. The guard and the
/// region are settings and stay out.
#[derive(Serialize, Deserialize)]
struct SharedState {
    seen: Vec<String>,
    answered: Vec<String>,
}

impl crate::webhook::WebhookHandler for McnWebhooks {
    fn provider(&self) -> &'static str {
        "MCN"
    }

    fn gate(&self) -> std::sync::Arc<dyn crate::webhook::WebhookGate> {
        std::sync::Arc::new(self.guard.clone())
    }

    fn handle(
        &mut self,
        request: &WebhookRequest,
        context: &crate::webhook::WebhookContext<'_>,
    ) -> crate::webhook::Handled {
        let outcome = McnWebhooks::handle(self, request, context.now);
        crate::webhook::Handled {
            reply: outcome.reply,
            events: outcome.events,
            calls: Vec::new(),
        }
    }

    fn shared_state(&self) -> Option<String> {
        let state = SharedState {
            seen: self.seen.keys(),
            answered: self.answered.keys(),
        };
        crate::webhook::write_shared_state(self.provider(), &state)
    }

    /// The memories keep this handler's bound (`SEEN_KEPT`): of longer lists the newest keys
    /// are kept.
    fn restore_shared_state(&mut self, state: &str) -> Result<(), String> {
        let state: SharedState = crate::webhook::read_shared_state(self.provider(), state)?;
        self.seen.replace_keys(state.seen);
        self.answered.replace_keys(state.answered);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::net::{IpAddr, Ipv4Addr};

    use callpop_core::Store;
    use chrono::TimeZone;

    use super::*;
    use crate::webhook::shared_state_checks::{
        assert_garbage_changes_nothing, assert_handing_over_changes_nothing,
    };
    use crate::webhook::{WebhookContext, WebhookHandler};

    const SECRET: &str = "a3f1c2e4b5d6a7f8091a2b3c4d5e6f70";

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2024, 5, 1, 9, 0, 0).unwrap()
    }

    fn hooks() -> McnWebhooks {
        McnWebhooks::new(
            TokenlessGuard::new("mcn", &["127.0.0.1"], SECRET).unwrap(),
            "RU",
        )
    }

    fn post(kind: &str, call_id: &str, billsec: i64) -> WebhookRequest {
        let body = json!({"event_type": kind, "call_id": call_id, "abon": "101",
            "did": "79101234567", "did_mcn": "74950000000", "billsec": billsec});
        WebhookRequest {
            remote_ip: IpAddr::V4(Ipv4Addr::LOCALHOST),
            path: format!("/mcn/{SECRET}"),
            content_type: Some("application/json".into()),
            body: body.to_string().into_bytes(),
        }
    }

    /// An answered incoming call (its first webhook delivered twice), a missed one, and an
    /// outgoing call whose end says `billsec` 0 though it was answered (then delivered twice).
    fn day() -> Vec<WebhookRequest> {
        vec![
            post("onBegin", "c-1", 0),
            post("onBegin", "c-1", 0),
            post("onInCallingAnswered", "c-1", 0),
            post("onInAbonEnd", "c-1", 30),
            post("onInCallingEnd", "c-1", 30),
            post("onBegin", "c-2", 0),
            post("onInAbonEnd", "c-2", 0),
            post("onInCallingEnd", "c-2", 0),
            post("onOutCallingStart", "c-3", 0),
            post("onOutCallingAnswered", "c-3", 0),
            // Ended, not cancelled: the answer is remembered.
            post("onOutCallingEnd", "c-3", 0),
            post("onOutCallingEnd", "c-3", 0),
        ]
    }

    #[test]
    fn the_day_reads_as_the_scenario_says() {
        let mut hooks = hooks();
        let states: Vec<Vec<CallState>> = day()
            .iter()
            .map(|request| hooks.handle(request, now()).events)
            .map(|events| events.iter().map(|e| e.state).collect())
            .collect();
        use CallState::*;
        let want: [&[CallState]; 12] = [
            &[Ringing],
            &[],
            &[Answered],
            &[],
            &[Ended],
            &[Ringing],
            &[],
            &[Missed],
            &[Ringing],
            &[Answered],
            &[Ended],
            &[],
        ];
        assert_eq!(states, want);
    }

    #[test]
    fn handlers_handing_their_state_over_answer_as_one_handler() {
        let store = Store::open_in_memory("RU").unwrap();
        let context = WebhookContext {
            store: &store,
            employees: &[],
            now: now(),
        };
        assert_handing_over_changes_nothing(hooks, &day(), &context);
    }

    #[test]
    fn a_state_that_does_not_read_is_refused_and_changes_nothing() {
        let store = Store::open_in_memory("RU").unwrap();
        let context = WebhookContext {
            store: &store,
            employees: &[],
            now: now(),
        };
        let day = day();
        assert_garbage_changes_nothing(hooks, &day[..10], &day[..], &context);
    }

    #[test]
    fn the_shared_state_holds_no_secret() {
        let mut hooks = hooks();
        hooks.handle(&post("onBegin", "c-1", 0), now());
        let state = WebhookHandler::shared_state(&hooks).unwrap();
        assert!(!state.contains(SECRET) && !state.contains("127.0.0.1"), "{state}");
    }
}
