//! The PBX → CRM requests (cloud-pbx.md 4): `event`, `contact` and `history`, all form POSTs to
//! one CRM URL with the CRM's key in `crm_token`. Framework-free: the relay copies a request into
//! a [`WebhookRequest`], calls [`CloudPbxWebhooks::handle`] and writes the [`WebhookReply`] back.
//!
//! Replies: `401 {"error":"Invalid token"}` and `400 {"error":"Invalid parameters"}` exactly as
//! cloud-pbx.md 2 prints them (why a request was refused goes to the log and to
//! [`CloudPbxOutcome::problem`], never to the PBX); `200 {"ok":true}` for `event` / `history`
//! (cloud-pbx.md 2: the CRM answers JSON); `200 {"contact_name", "responsible"}` for `contact`.
//!
//! **One call, not one per leg.** cloud-pbx.md 4.2: `callid` is "the same for all related
//! calls", and a group call sends `INCOMING` to every member. Each member's leg becomes a
//! `CallEvent` with `call_id = "{callid}:{user}"` and `parent_id = Some(callid)`, so the core's
//! `CallTracker` folds the legs into one call answered by whoever sent `ACCEPTED`.
//!
//! Bodies: `application/x-www-form-urlencoded`, or (the spec's examples) one `name=value` per
//! line.

use std::collections::{HashMap, VecDeque};
use std::fmt;

use callpop_core::employee::resolve_responsible_logged;
use callpop_core::{CallEvent, CallRecord, CallState, Direction, Employee, PhoneNumber, Store};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use subtle::ConstantTimeEq;

use super::time::parse_time;
use super::PROVIDER;
use crate::recent_keys::RecentKeys;
use crate::webhook::{WebhookReply, WebhookRequest};

/// Bodies longer than this are refused (`413`): the largest request of cloud-pbx.md 4 is a few
/// hundred bytes.
pub const MAX_BODY_BYTES: usize = 16 * 1024;

/// How many `(callid, user, type)` triples are remembered to drop repeats.
const SEEN_KEPT: usize = 4096;

/// Which request the PBX sent (`cmd`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WebhookCommand {
    /// cloud-pbx.md 4.1.
    History,
    /// cloud-pbx.md 4.2.
    Event,
    /// cloud-pbx.md 4.3.
    Contact,
}

/// cloud-pbx.md 4.2 event types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventType {
    /// `INCOMING`: the manager's phone rings.
    Incoming,
    /// `ACCEPTED`: the manager picked up.
    Accepted,
    /// `COMPLETED`: the call ended after a conversation.
    Completed,
    /// `CANCELLED`: the client gave up, or a colleague answered this group call.
    Cancelled,
    /// `OUTGOING`: the manager calls out.
    Outgoing,
    /// `TRANSFERRED`: the call went to another employee.
    Transferred,
}

impl EventType {
    fn parse(text: &str) -> Option<EventType> {
        Some(match text.trim().to_ascii_uppercase().as_str() {
            "INCOMING" => EventType::Incoming,
            "ACCEPTED" => EventType::Accepted,
            "COMPLETED" => EventType::Completed,
            "CANCELLED" | "CANCELED" => EventType::Cancelled,
            "OUTGOING" => EventType::Outgoing,
            "TRANSFERRED" => EventType::Transferred,
            _ => return None,
        })
    }
}

/// A parsed `event` (cloud-pbx.md 4.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PbxEvent {
    /// `type`.
    pub kind: EventType,
    /// `phone`: the client's number as sent (digits without `+`).
    pub phone: String,
    /// `user`: the PBX user's login.
    pub user: String,
    /// `callid`: shared by every leg of a call.
    pub callid: String,
    /// `direction`; the spec's own example leaves it out.
    pub direction: Option<Direction>,
    /// `diversion`: our number the call came through.
    pub diversion: Option<String>,
    /// `groupRealName`: the department, for a group call.
    pub group_real_name: Option<String>,
    /// `ext`.
    pub ext: Option<String>,
    /// `telnum`.
    pub telnum: Option<String>,
}

/// A parsed `contact` look-up (cloud-pbx.md 4.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactQuery {
    /// `phone`.
    pub phone: String,
    /// `callid`.
    pub callid: String,
}

/// cloud-pbx.md 4.1 `status`, plus `NoAnswer` which the live PBX also sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HistoryStatus {
    /// `Success`.
    Success,
    /// `Missed`.
    Missed,
    /// `Cancel`.
    Cancel,
    /// `Busy`.
    Busy,
    /// `NotAvailable`.
    NotAvailable,
    /// `NotAllowed`.
    NotAllowed,
    /// `NotFound`.
    NotFound,
    /// `NoAnswer`.
    NoAnswer,
    /// Anything else, as sent.
    Other(String),
}

impl HistoryStatus {
    fn parse(text: &str) -> HistoryStatus {
        match text.trim().to_ascii_lowercase().as_str() {
            "success" => HistoryStatus::Success,
            "missed" => HistoryStatus::Missed,
            "cancel" | "cancelled" => HistoryStatus::Cancel,
            "busy" => HistoryStatus::Busy,
            "notavailable" => HistoryStatus::NotAvailable,
            "notallowed" => HistoryStatus::NotAllowed,
            "notfound" => HistoryStatus::NotFound,
            "noanswer" => HistoryStatus::NoAnswer,
            _ => HistoryStatus::Other(text.trim().to_owned()),
        }
    }
}

/// A parsed `history` (cloud-pbx.md 4.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PbxHistory {
    /// `type`.
    pub direction: Direction,
    /// `status`.
    pub status: HistoryStatus,
    /// `phone`.
    pub phone: String,
    /// `user`.
    pub user: String,
    /// `start`.
    pub start: DateTime<Utc>,
    /// `duration`, seconds.
    pub duration_seconds: i64,
    /// `callid`.
    pub callid: String,
    /// `link`: the recording.
    pub link: Option<String>,
    /// `ext`.
    pub ext: Option<String>,
    /// `groupRealName`.
    pub group_real_name: Option<String>,
    /// `telnum`.
    pub telnum: Option<String>,
    /// `diversion`.
    pub diversion: Option<String>,
    /// `rating`: the live PBX may send a call rating (not in the spec).
    pub rating: Option<String>,
}

impl PbxHistory {
    /// As history keeps the call. `Success` is an ended call; anything else is missed when
    /// incoming and cancelled when outgoing, as the other providers report unanswered calls.
    pub fn call_record(&self, region: &str) -> CallRecord {
        let success = self.status == HistoryStatus::Success;
        let state = match (success, self.direction) {
            (true, _) => CallState::Ended,
            (false, Direction::Out) => CallState::Cancelled,
            (false, _) => CallState::Missed,
        };
        CallRecord {
            outcome: None,
            rang: Vec::new(),
            provider: PROVIDER.to_owned(),
            call_id: self.callid.clone(),
            direction: self.direction,
            state,
            customer: Some(PhoneNumber::parse(&self.phone, region)),
            employee: Some(self.user.clone()),
            contact_name: None,
            started_at: self.start,
            answered_at: None,
            ended_at: Some(self.start + Duration::seconds(self.duration_seconds)),
            // cloud-pbx.md 4.1: `duration` is the call's total duration.
            duration_seconds: Some(self.duration_seconds),
            talk_seconds: (!success).then_some(0),
            recording: self.link.clone(),
            transfer: None,
            note: None,
            answered_by: success.then(|| self.user.clone()),
        }
    }
}

/// Why a request was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CloudPbxWebhookError {
    /// `crm_token` missing or wrong: `401 {"error":"Invalid token"}`.
    #[error("Invalid token")]
    InvalidToken,
    /// A missing or unreadable parameter: `400 {"error":"Invalid parameters"}`; the text says
    /// which (for the log only).
    #[error("Invalid parameters: {0}")]
    InvalidParameters(String),
    /// The body is longer than [`MAX_BODY_BYTES`]: `413`.
    #[error("Payload too large")]
    TooLarge,
}

impl CloudPbxWebhookError {
    /// The reply, with the body exactly as cloud-pbx.md 2 prints it.
    pub fn reply(&self) -> WebhookReply {
        match self {
            CloudPbxWebhookError::InvalidToken => {
                WebhookReply::json(401, &json!({ "error": "Invalid token" }))
            }
            CloudPbxWebhookError::InvalidParameters(_) => {
                WebhookReply::json(400, &json!({ "error": "Invalid parameters" }))
            }
            CloudPbxWebhookError::TooLarge => {
                WebhookReply::json(413, &json!({ "error": "Payload too large" }))
            }
        }
    }
}

/// The form fields of a body, in order; later repeats of a name win.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Fields(HashMap<String, String>);

impl Fields {
    /// Reads a form body, or one `name=value` per line (the spec's examples).
    pub fn parse(content_type: Option<&str>, body: &[u8]) -> Result<Fields, CloudPbxWebhookError> {
        let text = std::str::from_utf8(body)
            .map_err(|_| CloudPbxWebhookError::InvalidParameters("the body is not UTF-8".into()))?;
        let is_form = content_type.is_some_and(|ct| {
            ct.split(';').next().is_some_and(|m| {
                m.trim()
                    .eq_ignore_ascii_case("application/x-www-form-urlencoded")
            })
        });
        let mut fields = HashMap::new();
        if !is_form && text.contains('\n') && !text.contains('&') {
            for line in text.lines() {
                if let Some((name, value)) = line.split_once('=') {
                    fields.insert(name.trim().to_owned(), value.trim().to_owned());
                }
            }
        } else {
            for (name, value) in form_urlencoded::parse(text.trim().as_bytes()) {
                fields.insert(name.trim().to_owned(), value.trim().to_owned());
            }
        }
        Ok(Fields(fields))
    }

    /// A field, trimmed; empty is `None`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    fn required(&self, name: &str) -> Result<String, CloudPbxWebhookError> {
        self.get(name)
            .map(str::to_owned)
            .ok_or_else(|| CloudPbxWebhookError::InvalidParameters(format!("`{name}` is missing")))
    }

    fn optional(&self, name: &str) -> Option<String> {
        self.get(name).map(str::to_owned)
    }
}

fn direction_of(text: &str) -> Option<Direction> {
    match text.trim().to_ascii_lowercase().as_str() {
        "in" | "incoming" => Some(Direction::In),
        "out" | "outgoing" => Some(Direction::Out),
        _ => None,
    }
}

/// Reads an `event` (cloud-pbx.md 4.2). `type`, `phone`, `user` and `callid` are required;
/// `direction`, though the table marks it required, is optional: the spec's own example lacks it.
pub fn parse_event(fields: &Fields) -> Result<PbxEvent, CloudPbxWebhookError> {
    let kind_text = fields.required("type")?;
    let kind = EventType::parse(&kind_text).ok_or_else(|| {
        CloudPbxWebhookError::InvalidParameters(format!("unknown event type {kind_text:?}"))
    })?;
    let direction = match fields.get("direction") {
        Some(text) => Some(direction_of(text).ok_or_else(|| {
            CloudPbxWebhookError::InvalidParameters(format!("unknown direction {text:?}"))
        })?),
        None => None,
    };
    Ok(PbxEvent {
        kind,
        phone: fields.required("phone")?,
        user: fields.required("user")?,
        callid: fields.required("callid")?,
        direction,
        diversion: fields.optional("diversion"),
        group_real_name: fields.optional("groupRealName"),
        ext: fields.optional("ext"),
        telnum: fields.optional("telnum"),
    })
}

/// Reads a `contact` look-up (cloud-pbx.md 4.3).
pub fn parse_contact(fields: &Fields) -> Result<ContactQuery, CloudPbxWebhookError> {
    Ok(ContactQuery {
        phone: fields.required("phone")?,
        callid: fields.required("callid")?,
    })
}

/// Reads a `history` (cloud-pbx.md 4.1).
pub fn parse_history(fields: &Fields) -> Result<PbxHistory, CloudPbxWebhookError> {
    let invalid = CloudPbxWebhookError::InvalidParameters;
    let type_text = fields.required("type")?;
    let direction = direction_of(&type_text)
        .ok_or_else(|| invalid(format!("unknown call type {type_text:?}")))?;
    let start_text = fields.required("start")?;
    let start = parse_time(&start_text)
        .ok_or_else(|| invalid(format!("unreadable start {start_text:?}")))?;
    let duration_text = fields.required("duration")?;
    let duration_seconds = duration_text
        .parse::<f64>()
        .ok()
        .filter(|d| d.is_finite() && (0.0..=1.0e8).contains(d))
        .map(|d| d.round() as i64)
        .ok_or_else(|| invalid(format!("duration {duration_text:?} is not seconds")))?;
    Ok(PbxHistory {
        direction,
        status: HistoryStatus::parse(&fields.required("status")?),
        phone: fields.required("phone")?,
        user: fields.required("user")?,
        start,
        duration_seconds,
        callid: fields.required("callid")?,
        link: fields.optional("link"),
        ext: fields.optional("ext"),
        group_real_name: fields.optional("groupRealName"),
        telnum: fields.optional("telnum"),
        diversion: fields.optional("diversion"),
        rating: fields.optional("rating"),
    })
}

/// The `contact` answer (cloud-pbx.md 4.3) from the directory: `contact_name` is the contact's
/// name (with the company in brackets), `responsible` the PBX login of the employee the
/// directory names responsible (matched by extension, e-mail, login or name in either word
/// order against `employees`, whose `id` is the login: `callpop_core::employee`). An unknown
/// number, or a responsible who is nobody or several people on the PBX, leaves the field out
/// (the spec does not say what to send: an absent field routes nowhere, while a guess between
/// namesakes would route the client to the wrong manager).
pub fn answer_contact(
    query: &ContactQuery,
    directory: &Store,
    employees: &[Employee],
    region: &str,
) -> WebhookReply {
    let number = PhoneNumber::parse(&query.phone, region);
    let contact = match directory.lookup(&number) {
        Ok(contact) => contact,
        Err(error) => {
            // The call must still go through: answer "unknown" rather than fail it.
            tracing::warn!(%error, "cloud PBX contact look-up: the directory failed");
            None
        }
    };
    let mut answer = serde_json::Map::new();
    if let Some(contact) = contact {
        let name = match contact.company.as_deref().filter(|c| !c.trim().is_empty()) {
            Some(company) => format!("{} ({company})", contact.name),
            None => contact.name.clone(),
        };
        answer.insert("contact_name".into(), name.into());
        if let Some(employee) = contact
            .responsible
            .as_deref()
            .and_then(|who| resolve_responsible_logged(employees, who, "cloud PBX contact").one())
        {
            answer.insert("responsible".into(), employee.id.clone().into());
        }
    }
    WebhookReply::json(200, &answer)
}

/// What one request came to.
#[derive(Debug, Clone, PartialEq)]
pub struct CloudPbxOutcome {
    /// The reply for the PBX.
    pub reply: WebhookReply,
    /// Which request it was, once known.
    pub command: Option<WebhookCommand>,
    /// For `event`: the `CallEvent` for the tracker (none for a repeat).
    pub events: Vec<CallEvent>,
    /// For `history`: the call for the history.
    pub record: Option<CallRecord>,
    /// For `history`: the request as parsed (status, rating...).
    pub history: Option<PbxHistory>,
    /// For `event`: true when it repeated one already handled.
    pub duplicate: bool,
    /// Why it was refused, for the log (never the token).
    pub problem: Option<String>,
}

impl CloudPbxOutcome {
    fn refused(error: CloudPbxWebhookError, command: Option<WebhookCommand>) -> CloudPbxOutcome {
        tracing::warn!(
            "cloud PBX webhook refused ({}): {error}",
            error.reply().status
        );
        CloudPbxOutcome {
            reply: error.reply(),
            command,
            events: Vec::new(),
            record: None,
            history: None,
            duplicate: false,
            problem: Some(error.to_string()),
        }
    }

    fn ok(reply: WebhookReply, command: WebhookCommand) -> CloudPbxOutcome {
        CloudPbxOutcome {
            reply,
            command: Some(command),
            events: Vec::new(),
            record: None,
            history: None,
            duplicate: false,
            problem: None,
        }
    }
}

/// Every cloud PBX webhook of one account behind one entry point: token check, then dispatch
/// by `cmd`. Keeps what it needs across requests: repeats to drop, each call's direction (later
/// events may lack it) and which calls somebody answered.
pub struct CloudPbxWebhooks {
    crm_token: String,
    region: String,
    seen: RecentKeys,
    answered: RecentKeys,
    directions: HashMap<String, Direction>,
    directions_order: VecDeque<String>,
}

impl fmt::Debug for CloudPbxWebhooks {
    // Never prints the token.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CloudPbxWebhooks")
            .field("crm_token", &"***")
            .field("region", &self.region)
            .finish_non_exhaustive()
    }
}

impl CloudPbxWebhooks {
    /// Handlers checking `crm_token` (the key the CRM side generated, cloud-pbx.md 2); `region`
    /// reads numbers without a country code. An empty token is refused: it would let anyone in.
    pub fn new(crm_token: &str, region: &str) -> Result<CloudPbxWebhooks, String> {
        let crm_token = crm_token.trim();
        if crm_token.is_empty() {
            return Err(
                "the cloud PBX crm_token is empty: generate one and enter it in the PBX \
                        web cabinet (API integration settings)"
                    .into(),
            );
        }
        Ok(CloudPbxWebhooks {
            crm_token: crm_token.to_owned(),
            region: region.to_owned(),
            seen: RecentKeys::new(SEEN_KEPT),
            answered: RecentKeys::new(SEEN_KEPT),
            directions: HashMap::new(),
            directions_order: VecDeque::new(),
        })
    }

    /// Handles one request: `413` for a body over [`MAX_BODY_BYTES`]; `401` for a missing or
    /// wrong `crm_token` (compared in constant time); `400` for a missing `cmd` or parameter;
    /// else `event` → a `CallEvent`, `contact` → the answer from `directory` / `employees`,
    /// `history` → a `CallRecord`. `now` stamps events (the PBX sends no time with them).
    pub fn handle(
        &mut self,
        request: &WebhookRequest,
        directory: &Store,
        employees: &[Employee],
        now: DateTime<Utc>,
    ) -> CloudPbxOutcome {
        if request.body.len() > MAX_BODY_BYTES {
            return CloudPbxOutcome::refused(CloudPbxWebhookError::TooLarge, None);
        }
        let fields = match Fields::parse(request.content_type.as_deref(), &request.body) {
            Ok(fields) => fields,
            // Unreadable: it cannot carry a valid token either.
            Err(_) => return CloudPbxOutcome::refused(CloudPbxWebhookError::InvalidToken, None),
        };
        let token_ok: bool = fields
            .get("crm_token")
            .map(|t| t.as_bytes().ct_eq(self.crm_token.as_bytes()).into())
            .unwrap_or(false);
        if !token_ok {
            return CloudPbxOutcome::refused(CloudPbxWebhookError::InvalidToken, None);
        }
        let command = match fields.get("cmd").map(str::to_ascii_lowercase).as_deref() {
            Some("event") => WebhookCommand::Event,
            Some("contact") => WebhookCommand::Contact,
            Some("history") => WebhookCommand::History,
            other => {
                let detail = match other {
                    Some(cmd) => format!("unknown cmd {cmd:?}"),
                    None => "`cmd` is missing".into(),
                };
                return CloudPbxOutcome::refused(
                    CloudPbxWebhookError::InvalidParameters(detail),
                    None,
                );
            }
        };
        let result = match command {
            WebhookCommand::Event => {
                parse_event(&fields).map(|event| self.on_event(&event, employees, now))
            }
            WebhookCommand::Contact => parse_contact(&fields).map(|query| {
                CloudPbxOutcome::ok(
                    answer_contact(&query, directory, employees, &self.region),
                    command,
                )
            }),
            WebhookCommand::History => parse_history(&fields).map(|history| {
                let mut outcome = CloudPbxOutcome::ok(WebhookReply::ok(), command);
                outcome.record = Some(history.call_record(&self.region));
                outcome.history = Some(history);
                outcome
            }),
        };
        result.unwrap_or_else(|error| CloudPbxOutcome::refused(error, Some(command)))
    }

    /// One `event` as the tracker's `CallEvent` (see the module docs for the ids).
    fn on_event(
        &mut self,
        event: &PbxEvent,
        employees: &[Employee],
        now: DateTime<Utc>,
    ) -> CloudPbxOutcome {
        let mut outcome = CloudPbxOutcome::ok(WebhookReply::ok(), WebhookCommand::Event);
        let key = format!("{}\u{1f}{}\u{1f}{:?}", event.callid, event.user, event.kind);
        if !self.seen.insert(key) {
            outcome.duplicate = true;
            return outcome;
        }
        let direction = self.direction(event);
        if event.kind == EventType::Accepted {
            self.answered.insert(event.callid.clone());
        }
        let state = match event.kind {
            EventType::Incoming | EventType::Outgoing => CallState::Ringing,
            EventType::Accepted => CallState::Answered,
            EventType::Completed => CallState::Ended,
            EventType::Transferred => CallState::Transferred,
            // cloud-pbx.md 4.2: the client gave up, or a colleague answered the group call. An
            // incoming call nobody answered is one to return: missed, as Vega's are.
            EventType::Cancelled => {
                if direction == Direction::In && !self.answered.contains(&event.callid) {
                    CallState::Missed
                } else {
                    CallState::Cancelled
                }
            }
        };
        let employee_name = employees
            .iter()
            .find(|e| e.id == event.user)
            .map(|e| e.name.clone());
        outcome.events.push(CallEvent {
            provider: PROVIDER.to_owned(),
            call_id: format!("{}:{}", event.callid, event.user),
            parent_id: Some(event.callid.clone()),
            state,
            direction,
            customer: Some(PhoneNumber::parse(&event.phone, &self.region)),
            employee: Some(event.user.clone()),
            employee_name,
            at: now,
            on_hold: false,
            pbx_contact: None,
        });
        outcome
    }

    /// The event's direction: as sent; else as an earlier event of the call said; else
    /// `OUTGOING` is out and anything else in.
    fn direction(&mut self, event: &PbxEvent) -> Direction {
        let known = self.directions.get(&event.callid).copied();
        let direction = event.direction.or(known).unwrap_or(match event.kind {
            EventType::Outgoing => Direction::Out,
            _ => Direction::In,
        });
        if known.is_none() {
            self.remember_direction(event.callid.clone(), direction);
        }
        direction
    }

    /// Remembers a call's direction, forgetting the oldest call's once [`SEEN_KEPT`] are known.
    /// A call already known keeps the direction it has.
    fn remember_direction(&mut self, callid: String, direction: Direction) {
        if self.directions.contains_key(&callid) {
            return;
        }
        if self.directions_order.len() >= SEEN_KEPT {
            if let Some(old) = self.directions_order.pop_front() {
                self.directions.remove(&old);
            }
        }
        self.directions.insert(callid.clone(), direction);
        self.directions_order.push_back(callid);
    }
}

/// [`CloudPbxWebhooks`]' state as relay instances hand it to each other: the repeats to drop,
/// the answered calls and each call's direction, oldest first so the receiver forgets in the
/// same order. The token and the region are settings and stay out.
#[derive(Serialize, Deserialize)]
struct SharedState {
    seen: Vec<String>,
    answered: Vec<String>,
    directions: Vec<(String, Direction)>,
}

/// Every address may call: the proof is `crm_token` in the body, which
/// [`CloudPbxWebhooks::handle`] checks in constant time.
impl crate::webhook::WebhookHandler for CloudPbxWebhooks {
    fn provider(&self) -> &'static str {
        "cloud PBX"
    }

    fn gate(&self) -> std::sync::Arc<dyn crate::webhook::WebhookGate> {
        std::sync::Arc::new(crate::webhook::OpenGate {
            max_body_bytes: MAX_BODY_BYTES,
        })
    }

    fn handle(
        &mut self,
        request: &WebhookRequest,
        context: &crate::webhook::WebhookContext<'_>,
    ) -> crate::webhook::Handled {
        let outcome =
            CloudPbxWebhooks::handle(self, request, context.store, context.employees, context.now);
        // cloud-pbx.md 4.1: the call as the PBX recorded it, for the shared history.
        crate::webhook::Handled {
            reply: outcome.reply,
            events: outcome.events,
            calls: outcome.record.into_iter().collect(),
        }
    }

    fn shared_state(&self) -> Option<String> {
        let state = SharedState {
            seen: self.seen.keys(),
            answered: self.answered.keys(),
            directions: self
                .directions_order
                .iter()
                .filter_map(|id| Some((id.clone(), *self.directions.get(id)?)))
                .collect(),
        };
        crate::webhook::write_shared_state(self.provider(), &state)
    }

    /// The memories keep this handler's bound (`SEEN_KEPT`): of longer lists the newest
    /// entries are kept.
    fn restore_shared_state(&mut self, state: &str) -> Result<(), String> {
        let state: SharedState = crate::webhook::read_shared_state(self.provider(), state)?;
        self.seen.replace_keys(state.seen);
        self.answered.replace_keys(state.answered);
        self.directions.clear();
        self.directions_order.clear();
        for (callid, direction) in state.directions {
            self.remember_direction(callid, direction);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::net::{IpAddr, Ipv4Addr};

    use chrono::TimeZone;

    use super::*;
    use crate::webhook::shared_state_checks::{
        assert_garbage_changes_nothing, assert_handing_over_changes_nothing,
    };
    use crate::webhook::{WebhookContext, WebhookHandler};

    /// Plainly not a key: these tests only need the handler to have one.
    const TOKEN: &str = "unit-test-crm-token";

    fn hooks() -> CloudPbxWebhooks {
        CloudPbxWebhooks::new(TOKEN, "RU").unwrap()
    }

    fn form(fields: &[(&str, &str)]) -> WebhookRequest {
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .append_pair("crm_token", TOKEN)
            .finish();
        WebhookRequest {
            remote_ip: IpAddr::V4(Ipv4Addr::LOCALHOST),
            path: "/cloudpbx".into(),
            content_type: Some("application/x-www-form-urlencoded".into()),
            body: body.into_bytes(),
        }
    }

    /// An `event` without `direction` unless one is given.
    fn event(kind: &str, user: &str, callid: &str, direction: Option<&str>) -> WebhookRequest {
        let mut fields = vec![
            ("cmd", "event"),
            ("type", kind),
            ("phone", "79101234567"),
            ("user", user),
            ("callid", callid),
        ];
        fields.extend(direction.map(|d| ("direction", d)));
        form(&fields)
    }

    /// A group call answered by daria (with a repeated delivery), a group call nobody answers,
    /// an outgoing call whose later events say no direction, a look-up and the history.
    fn day() -> Vec<WebhookRequest> {
        vec![
            event("INCOMING", "andy", "G-1", Some("in")),
            event("INCOMING", "andy", "G-1", Some("in")),
            event("INCOMING", "daria", "G-1", Some("in")),
            event("ACCEPTED", "daria", "G-1", None),
            // Cancelled, not missed: daria answered.
            event("CANCELLED", "andy", "G-1", None),
            event("INCOMING", "mike", "G-2", None),
            event("COMPLETED", "daria", "G-1", None),
            event("CANCELLED", "mike", "G-2", None),
            form(&[("cmd", "contact"), ("phone", "79101234567"), ("callid", "O-1")]),
            event("OUTGOING", "andy", "O-1", Some("out")),
            // The direction is remembered from OUTGOING: cancelled, not missed.
            event("CANCELLED", "andy", "O-1", None),
            event("CANCELLED", "andy", "O-1", None),
            form(&[
                ("cmd", "history"),
                ("type", "in"),
                ("status", "Success"),
                ("phone", "79101234567"),
                ("user", "daria"),
                ("start", "20240501T090000Z"),
                ("duration", "42"),
                ("callid", "G-1"),
            ]),
        ]
    }

    fn staff() -> Vec<Employee> {
        ["andy", "daria", "mike"]
            .into_iter()
            .map(|id| Employee {
                id: id.into(),
                name: format!("{id} name"),
                ext: None,
                email: None,
            })
            .collect()
    }

    #[test]
    fn the_day_reads_as_the_scenario_says() {
        let (store, staff) = (Store::open_in_memory("RU").unwrap(), staff());
        let now = Utc.with_ymd_and_hms(2024, 5, 1, 9, 0, 0).unwrap();
        let mut hooks = hooks();
        let states: Vec<Vec<CallState>> = day()
            .iter()
            .map(|request| hooks.handle(request, &store, &staff, now).events)
            .map(|events| events.iter().map(|e| e.state).collect())
            .collect();
        use CallState::*;
        let want: [&[CallState]; 13] = [
            &[Ringing],
            &[],
            &[Ringing],
            &[Answered],
            &[Cancelled],
            &[Ringing],
            &[Ended],
            &[Missed],
            &[],
            &[Ringing],
            &[Cancelled],
            &[],
            &[],
        ];
        assert_eq!(states, want);
    }

    #[test]
    fn handlers_handing_their_state_over_answer_as_one_handler() {
        let (store, staff) = (Store::open_in_memory("RU").unwrap(), staff());
        let context = WebhookContext {
            store: &store,
            employees: &staff,
            now: Utc.with_ymd_and_hms(2024, 5, 1, 9, 0, 0).unwrap(),
        };
        assert_handing_over_changes_nothing(hooks, &day(), &context);
    }

    #[test]
    fn a_state_that_does_not_read_is_refused_and_changes_nothing() {
        let (store, staff) = (Store::open_in_memory("RU").unwrap(), staff());
        let context = WebhookContext {
            store: &store,
            employees: &staff,
            now: Utc.with_ymd_and_hms(2024, 5, 1, 9, 0, 0).unwrap(),
        };
        let day = day();
        assert_garbage_changes_nothing(hooks, &day[..9], &day[..], &context);
    }

    #[test]
    fn the_shared_state_holds_no_token_and_a_restore_keeps_the_receivers() {
        let mut sender = hooks();
        let (store, staff) = (Store::open_in_memory("RU").unwrap(), staff());
        let now = Utc.with_ymd_and_hms(2024, 5, 1, 9, 0, 0).unwrap();
        sender.handle(&event("OUTGOING", "andy", "O-1", None), &store, &staff, now);
        let state = WebhookHandler::shared_state(&sender).unwrap();
        assert!(!state.contains(TOKEN) && !state.contains("RU"), "{state}");
        let mut receiver = CloudPbxWebhooks::new("another-token", "RU").unwrap();
        receiver.restore_shared_state(&state).unwrap();
        let refused = receiver.handle(&event("CANCELLED", "andy", "O-1", None), &store, &staff, now);
        assert_eq!(refused.reply.status, 401, "the receiver's own token still rules");
    }
}
