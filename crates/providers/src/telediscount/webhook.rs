//! Telediscount → CRM (telediscount.md, "Webhooks"): `income` (start of an incoming call) and
//! `call_finished` (end of a call), each a `GET` with the fields in the query string, to URLs
//! set in the cabinet. No token is sent, so [`TelediscountWebhooks::handle`] first asks a
//! [`TokenlessGuard`] (secret path segment + IP allow-list).
//!
//! Which webhook a request is comes from the path's last segment (`income`, `call_finished`,
//! with or without the source's `.php`); failing that, from the fields (`call_finished` has
//! `num_b` / `connection_time`). Replies: `200 {"ok":true}` (the source says nothing of the
//! reply), `400 {"error":"…"}` for a missing or unreadable field, `403` / `413` from the guard.
//!
//! `setup_time` is UNIX time; the spec's example value is a placeholder no clock gives, so an
//! unreadable one is replaced by the time of arrival rather than losing the call.

use callpop_core::{CallEvent, CallRecord, CallState, Direction, PhoneNumber};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::wire::{direction_of, parse_setup_time, parties, sip_key};
use super::PROVIDER;
use crate::recent_keys::RecentKeys;
use crate::tokenless_guard::TokenlessGuard;
use crate::webhook::{WebhookReply, WebhookRequest};

/// How many `(api_call_id, webhook)` pairs are remembered to drop repeats.
const SEEN_KEPT: usize = 4096;

/// Which webhook.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WebhookKind {
    /// `income`: an incoming call starts.
    Income,
    /// `call_finished`: a call ended.
    CallFinished,
}

/// A parsed `income`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Income {
    /// `num_a`: the caller.
    pub num_a: String,
    /// `num_m`: the company number called.
    pub num_m: Option<String>,
    /// `setup_time`, when readable.
    pub setup_time: Option<DateTime<Utc>>,
    /// `api_call_id`.
    pub api_call_id: String,
}

/// A parsed `call_finished`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallFinished {
    /// `num_a`: the caller.
    pub num_a: String,
    /// `code_name_num_a`.
    pub code_name_num_a: Option<String>,
    /// `num_m`: the company number called.
    pub num_m: Option<String>,
    /// `num_b`: the SIP account that took the call; none when nobody did.
    pub num_b: Option<String>,
    /// `code_name_num_b`.
    pub code_name_num_b: Option<String>,
    /// `api_call_id`.
    pub api_call_id: String,
    /// `setup_time`, when readable.
    pub setup_time: Option<DateTime<Utc>>,
    /// `connection_time`: seconds of conversation (0 when absent).
    pub connection_time: i64,
    /// `waiting_time`: seconds of waiting (0 when absent).
    pub waiting_time: i64,
    /// `price`, as sent.
    pub price: Option<String>,
}

impl CallFinished {
    /// telediscount.md: a call with no connection (`connection_time` 0, or no `num_b`) was not
    /// answered.
    pub fn answered(&self) -> bool {
        self.connection_time > 0 && self.num_b.is_some()
    }

    /// Which way it went: out when `num_a` is a SIP account (a click-to-call), else in.
    pub fn direction(&self) -> Direction {
        direction_of(None, Some(&self.num_a))
    }

    /// As history keeps it; `now` stands in for an unreadable `setup_time`.
    pub fn call_record(&self, region: &str, now: DateTime<Utc>) -> CallRecord {
        let direction = self.direction();
        let answered = self.answered();
        let started_at = self.setup_time.unwrap_or(now);
        let (customer, employee) = parties(direction, Some(&self.num_a), self.num_b.as_deref());
        let duration = self.waiting_time + self.connection_time;
        CallRecord {
            outcome: None,
            rang: Vec::new(),
            provider: PROVIDER.to_owned(),
            call_id: self.api_call_id.clone(),
            direction,
            state: match (answered, direction) {
                (true, _) => CallState::Ended,
                (false, Direction::Out) => CallState::Cancelled,
                (false, _) => CallState::Missed,
            },
            customer: customer.map(|n| PhoneNumber::parse(n, region)),
            employee: employee.map(sip_key),
            contact_name: None,
            started_at,
            answered_at: answered.then(|| started_at + Duration::seconds(self.waiting_time)),
            ended_at: Some(started_at + Duration::seconds(duration)),
            duration_seconds: Some(duration),
            talk_seconds: Some(self.connection_time),
            recording: None,
            transfer: None,
            note: None,
            answered_by: (answered && direction != Direction::Out)
                .then(|| self.num_b.as_deref().map(sip_key))
                .flatten(),
        }
    }
}

/// Why a request was refused after the guard let it in.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TelediscountWebhookError {
    /// A required field is missing or unreadable: `400`.
    #[error("{0}")]
    InvalidParameters(String),
}

impl TelediscountWebhookError {
    /// `400 {"error": "…"}`.
    pub fn reply(&self) -> WebhookReply {
        WebhookReply::json(400, &json!({ "error": self.to_string() }))
    }
}

/// The query string's fields (later repeats win), plus a form body's when there is one.
pub fn query_fields(request: &WebhookRequest) -> Vec<(String, String)> {
    let mut fields = Vec::new();
    if let Some((_, query)) = request.path.split_once('?') {
        let query = query.split('#').next().unwrap_or_default();
        fields.extend(
            form_urlencoded::parse(query.as_bytes())
                .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned())),
        );
    }
    if !request.body.is_empty() {
        fields.extend(
            form_urlencoded::parse(&request.body)
                .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned())),
        );
    }
    fields
}

fn get<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
    fields
        .iter()
        .rev()
        .find(|(k, v)| k == name && !v.is_empty())
        .map(|(_, v)| v.as_str())
}

fn required(fields: &[(String, String)], name: &str) -> Result<String, TelediscountWebhookError> {
    get(fields, name)
        .map(str::to_owned)
        .ok_or_else(|| TelediscountWebhookError::InvalidParameters(format!("`{name}` is missing")))
}

fn seconds(fields: &[(String, String)], name: &str) -> Result<i64, TelediscountWebhookError> {
    match get(fields, name) {
        None => Ok(0),
        Some(text) => text
            .parse::<f64>()
            .ok()
            .filter(|n| n.is_finite() && (0.0..=1.0e8).contains(n))
            .map(|n| n.round() as i64)
            .ok_or_else(|| {
                TelediscountWebhookError::InvalidParameters(format!(
                    "`{name}` {text:?} is not seconds"
                ))
            }),
    }
}

/// Reads an `income` (`num_a` and `api_call_id` required).
pub fn parse_income(fields: &[(String, String)]) -> Result<Income, TelediscountWebhookError> {
    Ok(Income {
        num_a: required(fields, "num_a")?,
        num_m: get(fields, "num_m").map(str::to_owned),
        setup_time: get(fields, "setup_time").and_then(parse_setup_time),
        api_call_id: required(fields, "api_call_id")?,
    })
}

/// Reads a `call_finished` (`num_a` and `api_call_id` required).
pub fn parse_call_finished(
    fields: &[(String, String)],
) -> Result<CallFinished, TelediscountWebhookError> {
    Ok(CallFinished {
        num_a: required(fields, "num_a")?,
        code_name_num_a: get(fields, "code_name_num_a").map(str::to_owned),
        num_m: get(fields, "num_m").map(str::to_owned),
        num_b: get(fields, "num_b").map(str::to_owned),
        code_name_num_b: get(fields, "code_name_num_b").map(str::to_owned),
        api_call_id: required(fields, "api_call_id")?,
        setup_time: get(fields, "setup_time").and_then(parse_setup_time),
        connection_time: seconds(fields, "connection_time")?,
        waiting_time: seconds(fields, "waiting_time")?,
        price: get(fields, "price").map(str::to_owned),
    })
}

/// What one request came to.
#[derive(Debug, Clone, PartialEq)]
pub struct TelediscountOutcome {
    /// The reply for Telediscount.
    pub reply: WebhookReply,
    /// Which webhook, once known.
    pub kind: Option<WebhookKind>,
    /// The `CallEvent`s for the tracker (none for a repeat).
    pub events: Vec<CallEvent>,
    /// For `call_finished`: the call for the history.
    pub record: Option<CallRecord>,
    /// True when it repeated one already handled.
    pub duplicate: bool,
    /// Why it was refused, for the log.
    pub problem: Option<String>,
}

impl TelediscountOutcome {
    fn reply_only(reply: WebhookReply, kind: Option<WebhookKind>, problem: Option<String>) -> Self {
        TelediscountOutcome {
            reply,
            kind,
            events: Vec::new(),
            record: None,
            duplicate: false,
            problem,
        }
    }
}

/// Both Telediscount webhooks of one account behind one entry point.
#[derive(Debug)]
pub struct TelediscountWebhooks {
    guard: TokenlessGuard,
    region: String,
    seen: RecentKeys,
}

impl TelediscountWebhooks {
    /// Handlers behind `guard`; `region` reads numbers without a country code.
    pub fn new(guard: TokenlessGuard, region: &str) -> TelediscountWebhooks {
        TelediscountWebhooks {
            guard,
            region: region.to_owned(),
            seen: RecentKeys::new(SEEN_KEPT),
        }
    }

    /// The guard: the relay reads the body limit from it.
    pub fn guard(&self) -> &TokenlessGuard {
        &self.guard
    }

    /// Handles one request (see the module docs). `now` stamps the events: the webhooks carry
    /// only the call's start.
    pub fn handle(&mut self, request: &WebhookRequest, now: DateTime<Utc>) -> TelediscountOutcome {
        if let Err(refusal) = self.guard.check(request) {
            return TelediscountOutcome::reply_only(
                refusal.reply(),
                None,
                Some(refusal.to_string()),
            );
        }
        let fields = query_fields(request);
        let kind = kind_of(&request.path, &fields);
        let result = match kind {
            WebhookKind::Income => parse_income(&fields).map(|income| self.on_income(&income, now)),
            WebhookKind::CallFinished => {
                parse_call_finished(&fields).map(|finished| self.on_finished(&finished, now))
            }
        };
        result.unwrap_or_else(|error| {
            tracing::warn!("Telediscount webhook refused (400): {error}");
            TelediscountOutcome::reply_only(error.reply(), Some(kind), Some(error.to_string()))
        })
    }

    fn on_income(&mut self, income: &Income, now: DateTime<Utc>) -> TelediscountOutcome {
        let mut outcome =
            TelediscountOutcome::reply_only(WebhookReply::ok(), Some(WebhookKind::Income), None);
        if !self
            .seen
            .insert(format!("{}\u{1f}income", income.api_call_id))
        {
            outcome.duplicate = true;
            return outcome;
        }
        // The cabinet, not the webhook, decides whose phone rings: the employee is unknown yet.
        outcome.events.push(CallEvent {
            provider: PROVIDER.to_owned(),
            call_id: income.api_call_id.clone(),
            parent_id: None,
            state: CallState::Ringing,
            direction: Direction::In,
            customer: Some(PhoneNumber::parse(&income.num_a, &self.region)),
            employee: None,
            employee_name: None,
            at: income.setup_time.unwrap_or(now),
            on_hold: false,
            pbx_contact: None,
        });
        outcome
    }

    fn on_finished(&mut self, finished: &CallFinished, now: DateTime<Utc>) -> TelediscountOutcome {
        let mut outcome = TelediscountOutcome::reply_only(
            WebhookReply::ok(),
            Some(WebhookKind::CallFinished),
            None,
        );
        if !self
            .seen
            .insert(format!("{}\u{1f}finished", finished.api_call_id))
        {
            outcome.duplicate = true;
            return outcome;
        }
        let record = finished.call_record(&self.region, now);
        outcome.events.push(CallEvent {
            provider: PROVIDER.to_owned(),
            call_id: finished.api_call_id.clone(),
            parent_id: None,
            state: record.state,
            direction: record.direction,
            customer: record.customer.clone(),
            // telediscount.md: `num_b` is the SIP account that took the call.
            employee: record.employee.clone(),
            employee_name: finished.code_name_num_b.clone(),
            at: now,
            on_hold: false,
            pbx_contact: None,
        });
        outcome.record = Some(record);
        outcome
    }
}

/// `income` or `call_finished`: by the path's last segment, else by the fields.
fn kind_of(path: &str, fields: &[(String, String)]) -> WebhookKind {
    let path = path.split(['?', '#']).next().unwrap_or_default();
    let last = path
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .trim_end_matches(".php")
        .to_ascii_lowercase();
    match last.as_str() {
        "income" => WebhookKind::Income,
        "call_finished" => WebhookKind::CallFinished,
        _ if get(fields, "num_b").is_some() || get(fields, "connection_time").is_some() => {
            WebhookKind::CallFinished
        }
        _ => WebhookKind::Income,
    }
}

/// [`TelediscountWebhooks`]' state as relay instances hand it to each other: the repeats to
/// drop, oldest first so the receiver forgets in the same order. The guard and the region are
/// settings and stay out.
#[derive(Serialize, Deserialize)]
struct SharedState {
    seen: Vec<String>,
}

impl crate::webhook::WebhookHandler for TelediscountWebhooks {
    fn provider(&self) -> &'static str {
        "Telediscount"
    }

    fn gate(&self) -> std::sync::Arc<dyn crate::webhook::WebhookGate> {
        std::sync::Arc::new(self.guard.clone())
    }

    fn handle(
        &mut self,
        request: &WebhookRequest,
        context: &crate::webhook::WebhookContext<'_>,
    ) -> crate::webhook::Handled {
        let outcome = TelediscountWebhooks::handle(self, request, context.now);
        crate::webhook::Handled {
            reply: outcome.reply,
            events: outcome.events,
            calls: outcome.record.into_iter().collect(),
        }
    }

    fn shared_state(&self) -> Option<String> {
        let state = SharedState {
            seen: self.seen.keys(),
        };
        crate::webhook::write_shared_state(self.provider(), &state)
    }

    /// The memory keeps this handler's bound (`SEEN_KEPT`): of a longer list the newest keys
    /// are kept.
    fn restore_shared_state(&mut self, state: &str) -> Result<(), String> {
        let state: SharedState = crate::webhook::read_shared_state(self.provider(), state)?;
        self.seen.replace_keys(state.seen);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::net::{IpAddr, Ipv4Addr};

    use callpop_core::Store;
    use chrono::TimeZone;

    use super::*;
    use crate::telediscount::examples::{CALL_FINISHED, INCOME};
    use crate::webhook::shared_state_checks::{
        assert_garbage_changes_nothing, assert_handing_over_changes_nothing,
    };
    use crate::webhook::{WebhookContext, WebhookHandler};

    const SECRET: &str = "5f0c9a7e1b2d4c6e8f0a1b2c3d4e5f60";

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2024, 5, 1, 9, 0, 0).unwrap()
    }

    fn hooks() -> TelediscountWebhooks {
        TelediscountWebhooks::new(
            TokenlessGuard::new("telediscount", &["127.0.0.1"], SECRET).unwrap(),
            "RU",
        )
    }

    /// The spec's path under `/telediscount/<secret>`.
    fn get(path_and_query: &str) -> WebhookRequest {
        WebhookRequest {
            remote_ip: IpAddr::V4(Ipv4Addr::LOCALHOST),
            path: format!("/telediscount/{SECRET}{path_and_query}"),
            content_type: None,
            body: Vec::new(),
        }
    }

    /// The spec's answered call with both webhooks delivered twice, and a call nobody answered.
    fn day() -> Vec<WebhookRequest> {
        vec![
            get(INCOME),
            get(INCOME),
            get("/income?num_a=79031112233&setup_time=1714554000&api_call_id=m1"),
            get(CALL_FINISHED),
            get(CALL_FINISHED),
            get("/call_finished?num_a=79031112233&connection_time=0&waiting_time=20&api_call_id=m1"),
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
        let want: [&[CallState]; 6] = [&[Ringing], &[], &[Ringing], &[Ended], &[], &[Missed]];
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
        assert_garbage_changes_nothing(hooks, &day[..4], &day[..], &context);
    }

    #[test]
    fn the_shared_state_holds_no_secret() {
        let mut hooks = hooks();
        hooks.handle(&get(INCOME), now());
        let state = WebhookHandler::shared_state(&hooks).unwrap();
        assert!(!state.contains(SECRET) && !state.contains("127.0.0.1"), "{state}");
    }
}
