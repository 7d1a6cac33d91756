//! `call.dial`, `call.bridge`, `call.hangup` (vega.md A.2) turned into [`CallEvent`]s.
//!
//! An event's body is an active call of B.3 plus `event`, `accountDomain` and `serverTime`, so
//! it is read into the same [`ActiveCall`] the poller reads, and its `CallEvent`s are built by
//! the same functions as the snapshot diff's (`diff::call_event`, `diff::final_state`): a call
//! looks the same on the card whichever way Callpop learnt of it. The story of a call:
//! - its first event, whichever it is, reports `Ringing` (at `dialAt`), then `Answered` if it
//!   was answered (at `bridgeAt`), then the final state if it is a hang-up: events may arrive
//!   out of order, and a hang-up seen first still tells the whole story;
//! - `call.hangup` ends it: `Ended` when it was answered, else `Cancelled` for outgoing calls
//!   and for a group leg whose sibling was answered, else `Missed`; at `serverTime`, or the time
//!   of arrival when Vega leaves that out;
//! - anything arriving for a call already ended (a late `call.dial`) is dropped;
//! - A.2: "events may be duplicated": an event is dropped when its `(uuid, event)` pair was seen
//!   (memory bounded: the oldest pairs are forgotten first).
//!
//! `lgDirection` 32 / 64 (put on hold / taken off hold) are parsed as
//! [`VegaCallEvent::on_hold`] and, for a call in conversation, become an "answered" event with
//! [`CallEvent::on_hold`] set or cleared, which the card shows. An answered call that hangs up
//! while another call of its root goes on (a transfer's new leg) ends `Transferred`, as the
//! poller decides it.

use std::collections::HashMap;

use callpop_core::{CallEvent, CallState, Direction};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::request::{json_body, kind, text_field, WebhookError, WebhookReply, WebhookRequest};
use crate::vega::diff::{call_event, direction_of, final_state, RecentIds};
use crate::vega::time::from_epoch_number;
use crate::vega::wire::{ActiveCall, LastEvent};

/// `lgDirection` bit: put on hold ("away from the desk").
const HOLD: i64 = 32;
/// `lgDirection` bit: taken off hold ("back").
const UNHOLD: i64 = 64;

/// Calls in progress remembered at most; a call whose hang-up never came is forgotten, the
/// oldest first, once this many are live.
const MAX_LIVE_CALLS: usize = 1024;

/// One parsed call event.
#[derive(Debug, Clone, PartialEq)]
pub struct VegaCallEvent {
    /// `event`, as sent (`call.dial`, ...).
    pub event_name: String,
    /// `event`, understood; [`LastEvent::Other`] for a name vega.md does not list.
    pub event: LastEvent,
    /// `accountDomain`: the account the call belongs to.
    pub account_domain: Option<String>,
    /// `serverTime`: when Vega sent the event.
    pub server_time: Option<DateTime<Utc>>,
    /// `Some(true)` for `lgDirection` 32 (put on hold), `Some(false)` for 64 (taken off hold),
    /// `None` for a call event.
    pub on_hold: Option<bool>,
    /// Everything else, as B.3 lists a call (`last_event` is `event`).
    pub call: ActiveCall,
}

/// Reads a call event's JSON body. `event` and `uuid` are required; every other field may be
/// missing or `null`; unknown fields are ignored.
pub fn parse_call_event(body: &[u8]) -> Result<VegaCallEvent, WebhookError> {
    let value = json_body(body)?;
    call_event_from_value(&value)
}

/// [`parse_call_event`] for a body already read as JSON.
pub(crate) fn call_event_from_value(value: &Value) -> Result<VegaCallEvent, WebhookError> {
    let invalid = WebhookError::InvalidParameters;
    let Value::Object(object) = value else {
        return Err(invalid(format!(
            "a call event must be a JSON object, not {}",
            kind(value)
        )));
    };
    let event_name = text_field(object.get("event"))
        .map_err(|why| invalid(format!("event: {why}")))?
        .ok_or_else(|| invalid("event is missing".into()))?;
    let event =
        LastEvent::deserialize(Value::String(event_name.clone())).unwrap_or(LastEvent::Other);
    let account_domain = text_field(object.get("accountDomain"))
        .map_err(|why| invalid(format!("accountDomain: {why}")))?;
    let server_time = match object.get("serverTime") {
        None | Some(Value::Null) => None,
        Some(Value::Number(n)) => n.as_f64().and_then(from_epoch_number),
        Some(other) => {
            return Err(invalid(format!(
                "serverTime: expected a number, got {}",
                kind(other)
            )))
        }
    };
    let mut call = ActiveCall::deserialize(value).map_err(|error| invalid(error.to_string()))?;
    if call.uuid.trim().is_empty() {
        return Err(invalid("uuid is empty".into()));
    }
    call.uuid = call.uuid.trim().to_owned();
    call.last_event = Some(event.clone());
    let on_hold = call.lg_direction.and_then(|bits| {
        if bits & HOLD != 0 {
            Some(true)
        } else if bits & UNHOLD != 0 {
            Some(false)
        } else {
            None
        }
    });
    Ok(VegaCallEvent {
        event_name,
        event,
        account_domain,
        server_time,
        on_hold,
        call,
    })
}

/// What one event request came to.
#[derive(Debug, Clone, PartialEq)]
pub struct EventsOutcome {
    /// The reply for Vega: `200` once processed (duplicates included: Vega must not resend
    /// them), `400` for a body that is no call event.
    pub reply: WebhookReply,
    /// The event as parsed, when it parsed.
    pub parsed: Option<VegaCallEvent>,
    /// True when the event was a duplicate, or arrived for a call already ended, and was dropped.
    pub dropped: bool,
    /// The call events for the tracker, in order.
    pub events: Vec<CallEvent>,
}

/// A call reported and not yet ended. Serde: relay instances hand live calls to each other
/// (see [`VegaWebhookEvents::shared_state`]).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct LiveCall {
    /// Order of first sighting: the oldest is forgotten first.
    seq: u64,
    direction: Direction,
    answered: bool,
    /// The customer is on hold (`lgDirection` 32 until a 64).
    on_hold: bool,
    /// The call this one belongs to (`parentUuid`, else its own uuid): a transfer's new leg
    /// shares it with the call it took over.
    root: String,
}

/// [`VegaWebhookEvents`]' state as relay instances hand it to each other: everything but its
/// settings. Id memories are lists, oldest first, so the receiver forgets in the same order.
#[derive(Serialize, Deserialize)]
struct SharedEvents {
    live: HashMap<String, LiveCall>,
    next_seq: u64,
    seen: Vec<String>,
    finished: Vec<String>,
    answered_groups: Vec<String>,
}

/// The state behind the call-event webhook: which calls are live, which ended, which events were
/// seen. One per account; feed it every event in the order they arrive.
#[derive(Debug)]
pub struct VegaWebhookEvents {
    region: String,
    my_ext: Option<String>,
    live: HashMap<String, LiveCall>,
    next_seq: u64,
    seen: RecentIds,
    finished: RecentIds,
    answered_groups: RecentIds,
}

impl VegaWebhookEvents {
    /// Nothing seen yet. `region` reads numbers without a country code; `my_ext`, when set, shows
    /// an internal call to that extension from its side (as [`SnapshotDiff`] does); the relay,
    /// serving everyone, passes `None`.
    ///
    /// [`SnapshotDiff`]: crate::vega::SnapshotDiff
    pub fn new(region: &str, my_ext: Option<String>) -> VegaWebhookEvents {
        VegaWebhookEvents {
            region: region.to_owned(),
            my_ext: my_ext
                .map(|ext| ext.trim().to_owned())
                .filter(|ext| !ext.is_empty()),
            live: HashMap::new(),
            next_seq: 0,
            seen: RecentIds::default(),
            finished: RecentIds::default(),
            answered_groups: RecentIds::default(),
        }
    }

    /// The whole exchange for one request: parse, apply, reply. `now` stamps what Vega does not
    /// (a hang-up without `serverTime`).
    pub fn handle(&mut self, request: &WebhookRequest, now: DateTime<Utc>) -> EventsOutcome {
        match parse_call_event(&request.body) {
            Ok(parsed) => self.handle_parsed(parsed, now),
            Err(error) => {
                tracing::warn!("Vega call event refused ({}): {error}", error.status());
                EventsOutcome {
                    reply: error.reply(),
                    parsed: None,
                    dropped: false,
                    events: Vec::new(),
                }
            }
        }
    }

    /// [`handle`](Self::handle) for an event already parsed.
    pub fn handle_parsed(&mut self, parsed: VegaCallEvent, now: DateTime<Utc>) -> EventsOutcome {
        let events = self.apply(&parsed, now);
        // Hold toggles and unknown names make no events by design: they are not "dropped".
        let informational = parsed.on_hold.is_some() || parsed.event == LastEvent::Other;
        EventsOutcome {
            reply: WebhookReply::ok(),
            dropped: events.is_empty() && !informational,
            parsed: Some(parsed),
            events,
        }
    }

    /// The `CallEvent`s one parsed event makes (none for a duplicate, a late event, a hold
    /// toggle or an unknown event name).
    pub fn apply(&mut self, parsed: &VegaCallEvent, now: DateTime<Utc>) -> Vec<CallEvent> {
        let call = &parsed.call;
        if let Some(hold) = parsed.on_hold {
            return self.hold(parsed, hold, now);
        }
        if parsed.event == LastEvent::Other {
            // Unknown names: nothing to say.
            tracing::debug!(uuid = %call.uuid, event = %parsed.event_name, "Vega event with no state change");
            return Vec::new();
        }
        if self.finished.contains(&call.uuid) {
            // Out of order: the call already ended, a late dial or bridge changes nothing.
            return Vec::new();
        }
        // vega.md A.2: duplicates are filtered by uuid with the event name.
        let key = format!("{}\u{0}{}", call.uuid, parsed.event_name);
        if self.seen.contains(&key) {
            return Vec::new();
        }
        self.seen.insert(&key);

        let answered_now = call.is_answered();
        if answered_now {
            if let Some(parent) = &call.parent_uuid {
                self.answered_groups.insert(parent);
            }
        }
        let stamp = parsed.server_time.unwrap_or(now);
        let mut events = Vec::new();
        let mut live = match self.live.remove(&call.uuid) {
            Some(live) => LiveCall {
                direction: direction_of(call, Some(live.direction)),
                ..live
            },
            None => {
                let direction = direction_of(call, None);
                events.push(self.event(
                    call,
                    direction,
                    CallState::Ringing,
                    call.dial_at.unwrap_or(stamp),
                ));
                // Saturating: a handed-over `next_seq` could be anything a u64 holds.
                self.next_seq = self.next_seq.saturating_add(1);
                LiveCall {
                    seq: self.next_seq,
                    direction,
                    answered: false,
                    on_hold: false,
                    root: call
                        .parent_uuid
                        .clone()
                        .unwrap_or_else(|| call.uuid.clone()),
                }
            }
        };
        if answered_now && !live.answered {
            live.answered = true;
            events.push(self.event(
                call,
                live.direction,
                CallState::Answered,
                call.bridge_at.unwrap_or(stamp),
            ));
        }
        if parsed.event == LastEvent::Hangup {
            let sibling_answered = call
                .parent_uuid
                .as_ref()
                .is_some_and(|parent| self.answered_groups.contains(parent));
            // An answered call that ends while another call of its root goes on was handed
            // over (a transfer), as the poller decides it too.
            let handed_over = live.answered
                && self
                    .live
                    .iter()
                    .any(|(uuid, other)| *uuid != call.uuid && other.root == live.root);
            let state = if handed_over {
                CallState::Transferred
            } else {
                final_state(live.answered, live.direction, sibling_answered)
            };
            events.push(self.event(call, live.direction, state, stamp));
            self.finished.insert(&call.uuid);
        } else {
            self.remember(call.uuid.clone(), live);
        }
        events
    }

    /// A hold toggle (`lgDirection` 32 / 64): one "answered, on hold or not" event for a call in
    /// conversation whose hold state it changes; nothing for a repeat, a call not answered yet
    /// or a call never seen (a toggle does not start a call's story).
    fn hold(&mut self, parsed: &VegaCallEvent, hold: bool, now: DateTime<Utc>) -> Vec<CallEvent> {
        let call = &parsed.call;
        let Some(live) = self.live.get_mut(&call.uuid) else {
            return Vec::new();
        };
        if !live.answered || live.on_hold == hold {
            return Vec::new();
        }
        live.on_hold = hold;
        let direction = live.direction;
        let mut event = self.event(
            call,
            direction,
            CallState::Answered,
            parsed.server_time.unwrap_or(now),
        );
        event.on_hold = hold;
        vec![event]
    }

    /// Calls in progress now.
    pub fn live_calls(&self) -> usize {
        self.live.len()
    }

    /// What this handler learnt from the events so far (live calls, the duplicate filter, ended
    /// calls, answered groups), as JSON, for relay instances that take turns with this
    /// account's events: see [`WebhookHandler::shared_state`]. `region` and `my_ext` are
    /// settings and stay out.
    ///
    /// [`WebhookHandler::shared_state`]: crate::webhook::WebhookHandler::shared_state
    pub fn shared_state(&self) -> Option<String> {
        let state = SharedEvents {
            live: self.live.clone(),
            next_seq: self.next_seq,
            seen: self.seen.ids(),
            finished: self.finished.ids(),
            answered_groups: self.answered_groups.ids(),
        };
        crate::webhook::write_shared_state("Vega", &state)
    }

    /// Takes over what [`shared_state`](Self::shared_state) of another handler of the account
    /// wrote; `region` and `my_ext` stay this handler's own. A text that does not read leaves
    /// everything as it was. The memories stay as bounded as ever: of more than
    /// `MAX_LIVE_CALLS` live calls the newest are kept, of longer id lists the newest ids.
    pub fn restore_shared_state(&mut self, state: &str) -> Result<(), String> {
        let state: SharedEvents = crate::webhook::read_shared_state("Vega", state)?;
        let mut live: Vec<(String, LiveCall)> = state.live.into_iter().collect();
        // Newest first, then the oldest beyond the bound go, as `remember` would drop them.
        live.sort_by_key(|(_, call)| std::cmp::Reverse(call.seq));
        live.truncate(MAX_LIVE_CALLS);
        let newest_seq = live.first().map_or(0, |(_, call)| call.seq);
        // Never behind a live call's own number, or new calls would sort before it.
        self.next_seq = state.next_seq.max(newest_seq);
        self.live = live.into_iter().collect();
        self.seen = RecentIds::from_ids(state.seen);
        self.finished = RecentIds::from_ids(state.finished);
        self.answered_groups = RecentIds::from_ids(state.answered_groups);
        Ok(())
    }

    fn remember(&mut self, uuid: String, live: LiveCall) {
        if !self.live.contains_key(&uuid) && self.live.len() >= MAX_LIVE_CALLS {
            let oldest = self
                .live
                .iter()
                .min_by_key(|(_, live)| live.seq)
                .map(|(uuid, _)| uuid.clone());
            if let Some(oldest) = oldest {
                tracing::debug!(uuid = %oldest, "forgetting a Vega call that never hung up");
                self.live.remove(&oldest);
            }
        }
        self.live.insert(uuid, live);
    }

    fn event(
        &self,
        call: &ActiveCall,
        direction: Direction,
        state: CallState,
        at: DateTime<Utc>,
    ) -> CallEvent {
        call_event(
            call,
            direction,
            state,
            at,
            &self.region,
            self.my_ext.as_deref(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use callpop_core::{ContactInfo, PhoneNumber};

    use crate::vega::examples::DIAL as SPEC_DIAL;

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    fn now() -> DateTime<Utc> {
        at("2026-01-10T12:00:00Z")
    }

    fn events() -> VegaWebhookEvents {
        VegaWebhookEvents::new("UA", None)
    }

    /// A minimal event of call `uuid`.
    fn event(name: &str, uuid: &str, direction: i64, bridge_at: Option<i64>) -> VegaCallEvent {
        let body = serde_json::json!({
            "event": name, "uuid": uuid, "lgDirection": direction,
            "dialAt": 1_768_046_340_000_i64, "bridgeAt": bridge_at,
            "serverTime": 1_768_046_400_000_i64,
            "leg": {"id": 36, "ext": "001", "displayName": "Іван Іванов"},
            "otherLegs": [{"num": "+380442249895"}]
        });
        parse_call_event(body.to_string().as_bytes()).unwrap()
    }

    fn states(events: &[CallEvent]) -> Vec<CallState> {
        events.iter().map(|e| e.state).collect()
    }

    #[test]
    fn the_spec_dial_example_parses_and_rings() {
        let parsed = parse_call_event(SPEC_DIAL.as_bytes()).unwrap();
        assert_eq!(parsed.event, LastEvent::Dial);
        assert_eq!(parsed.account_domain.as_deref(), Some("qwerty.pbx.vega.ua"));
        assert_eq!(parsed.on_hold, None);
        assert_eq!(parsed.server_time, None);
        let out = events().apply(&parsed, now());
        assert_eq!(
            out,
            [CallEvent {
                provider: "vega".into(),
                call_id: "47a968893984475b8c20e29dec144ce1d".into(),
                parent_id: None,
                state: CallState::Ringing,
                direction: Direction::Out,
                customer: Some(PhoneNumber::parse("+380000000000", "UA")),
                employee: Some("001".into()),
                employee_name: Some("Іван Іванов".into()),
                at: at("2015-05-15T10:35:00Z"),
                on_hold: false,
                pbx_contact: Some(ContactInfo {
                    name: Some("Анастасія Березкіна".into()),
                    company: Some("Тестова компанія".into()),
                    responsible: None,
                    url: Some("http://pbx.vega.ua/contacts/1".into()),
                }),
            }]
        );
    }

    #[test]
    fn dial_bridge_hangup_ring_answer_and_end_at_vegas_times() {
        let mut state = events();
        let ring = state.apply(&event("call.dial", "a", 4, None), now());
        let answer = state.apply(
            &event("call.bridge", "a", 4, Some(1_768_046_350_000)),
            now(),
        );
        let end = state.apply(
            &event("call.hangup", "a", 4, Some(1_768_046_350_000)),
            now(),
        );
        assert_eq!(states(&ring), [CallState::Ringing]);
        assert_eq!(ring[0].at, at("2026-01-10T11:59:00Z"));
        assert_eq!(states(&answer), [CallState::Answered]);
        assert_eq!(answer[0].at, at("2026-01-10T11:59:10Z"));
        assert_eq!(states(&end), [CallState::Ended]);
        // serverTime, not the arrival time.
        assert_eq!(end[0].at, at("2026-01-10T12:00:00Z"));
        assert_eq!(state.live_calls(), 0);
    }

    #[test]
    fn an_unanswered_hangup_is_missed_incoming_and_internal_and_cancelled_outgoing() {
        for (direction, expected) in [
            (4, CallState::Missed),
            (1, CallState::Missed),
            (2, CallState::Cancelled),
        ] {
            let mut state = events();
            state.apply(&event("call.dial", "a", direction, None), now());
            let end = state.apply(&event("call.hangup", "a", direction, None), now());
            assert_eq!(states(&end), [expected], "lgDirection {direction}");
        }
    }

    #[test]
    fn duplicates_are_dropped_by_uuid_and_event_name() {
        let mut state = events();
        assert_eq!(
            state.apply(&event("call.dial", "a", 4, None), now()).len(),
            1
        );
        assert!(state
            .apply(&event("call.dial", "a", 4, None), now())
            .is_empty());
        assert_eq!(
            state.apply(&event("call.dial", "b", 4, None), now()).len(),
            1
        );
        let hangup = event("call.hangup", "a", 4, None);
        assert_eq!(states(&state.apply(&hangup, now())), [CallState::Missed]);
        assert!(state.apply(&hangup, now()).is_empty());
    }

    #[test]
    fn a_hangup_before_its_dial_tells_the_whole_story_and_the_late_dial_is_dropped() {
        let mut state = events();
        let out = state.apply(
            &event("call.hangup", "a", 4, Some(1_768_046_350_000)),
            now(),
        );
        assert_eq!(
            states(&out),
            [CallState::Ringing, CallState::Answered, CallState::Ended]
        );
        assert!(state
            .apply(&event("call.dial", "a", 4, None), now())
            .is_empty());
        assert!(state
            .apply(
                &event("call.bridge", "a", 4, Some(1_768_046_350_000)),
                now()
            )
            .is_empty());
    }

    #[test]
    fn a_bridge_seen_first_rings_then_answers() {
        let out = events().apply(
            &event("call.bridge", "a", 4, Some(1_768_046_350_000)),
            now(),
        );
        assert_eq!(states(&out), [CallState::Ringing, CallState::Answered]);
    }

    #[test]
    fn a_group_leg_is_cancelled_when_a_sibling_answered() {
        let mut state = events();
        let leg = |name: &str, uuid: &str, bridge: Option<i64>| {
            let mut parsed = event(name, uuid, 4, bridge);
            parsed.call.parent_uuid = Some("group".into());
            parsed
        };
        state.apply(&leg("call.dial", "x", None), now());
        state.apply(&leg("call.dial", "y", None), now());
        state.apply(&leg("call.bridge", "y", Some(1_768_046_350_000)), now());
        let x_end = state.apply(&leg("call.hangup", "x", None), now());
        assert_eq!(states(&x_end), [CallState::Cancelled]);
        assert_eq!(x_end[0].parent_id.as_deref(), Some("group"));
    }

    #[test]
    fn a_call_answered_then_handed_to_a_colleague_is_transferred_not_ended() {
        let mut state = events();
        state.apply(&event("call.dial", "a", 4, None), now());
        state.apply(
            &event("call.bridge", "a", 4, Some(1_768_046_350_000)),
            now(),
        );
        // The colleague's leg, a child of the first call, rings before the first one ends.
        let mut taken_over = event("call.dial", "b", 4, None);
        taken_over.call.parent_uuid = Some("a".into());
        state.apply(&taken_over, now());
        let handed = state.apply(&event("call.hangup", "a", 4, None), now());
        assert_eq!(states(&handed), [CallState::Transferred]);
        let mut b_bridge = event("call.bridge", "b", 4, Some(1_768_046_360_000));
        b_bridge.call.parent_uuid = Some("a".into());
        assert_eq!(
            states(&state.apply(&b_bridge, now())),
            [CallState::Answered]
        );
        let mut b_end = event("call.hangup", "b", 4, None);
        b_end.call.parent_uuid = Some("a".into());
        assert_eq!(states(&state.apply(&b_end, now())), [CallState::Ended]);
        // Without a colleague going on, the same hang-up simply ends the call.
        let mut alone = events();
        alone.apply(
            &event("call.bridge", "c", 4, Some(1_768_046_350_000)),
            now(),
        );
        let ended = alone.apply(&event("call.hangup", "c", 4, None), now());
        assert_eq!(states(&ended), [CallState::Ended]);
    }

    #[test]
    fn hold_and_unhold_mark_the_answered_call_once_each() {
        let mut state = events();
        // Even for a call never seen: a hold toggle does not start a call's story.
        let stray = event("call.dial", "b", HOLD, None);
        assert!(state.apply(&stray, now()).is_empty());
        assert_eq!(state.live_calls(), 0);
        state.apply(
            &event("call.bridge", "a", 4, Some(1_768_046_350_000)),
            now(),
        );
        let hold = event("call.bridge", "a", HOLD, Some(1_768_046_350_000));
        let unhold = event("call.bridge", "a", UNHOLD, Some(1_768_046_350_000));
        assert_eq!(hold.on_hold, Some(true));
        assert_eq!(unhold.on_hold, Some(false));
        let held = state.apply(&hold, now());
        assert_eq!(states(&held), [CallState::Answered]);
        assert!(held[0].on_hold);
        assert!(
            state.apply(&hold, now()).is_empty(),
            "a repeated hold says nothing new"
        );
        let back = state.apply(&unhold, now());
        assert_eq!(states(&back), [CallState::Answered]);
        assert!(!back[0].on_hold);
        // The call keeps its direction: its hang-up still ends an incoming call.
        let end = state.apply(
            &event("call.hangup", "a", 4, Some(1_768_046_350_000)),
            now(),
        );
        assert_eq!(states(&end), [CallState::Ended]);
        assert_eq!(end[0].direction, Direction::In);
    }

    #[test]
    fn an_internal_call_to_me_is_seen_from_my_side() {
        let body = r#"{"event": "call.dial", "uuid": "i", "lgDirection": 1,
            "leg": {"id": 36, "ext": "001", "displayName": "Іван Іванов"},
            "leg2": {"id": 27, "ext": "002", "displayName": "Петро Петров"}}"#;
        let parsed = parse_call_event(body.as_bytes()).unwrap();
        let out = VegaWebhookEvents::new("UA", Some("002".into())).apply(&parsed, now());
        assert_eq!(out[0].employee.as_deref(), Some("002"));
        assert_eq!(out[0].customer, Some(PhoneNumber::Extension("001".into())));
        assert_eq!(out[0].direction, Direction::Internal);
    }

    #[test]
    fn the_pbx_contact_comes_from_the_highest_priority_crm() {
        let body = r#"{"event": "call.dial", "uuid": "p", "lgDirection": 4,
            "otherLegs": [
              {"id": null, "name": "Low", "num": "+380442249895", "priority": 1},
              {"id": 7, "name": "High", "num": "+380442249895", "priority": 5},
              {"id": 8, "name": "Unranked", "num": "+380442249895"}]}"#;
        let parsed = parse_call_event(body.as_bytes()).unwrap();
        let out = events().apply(&parsed, now());
        assert_eq!(
            out[0].pbx_contact.as_ref().and_then(|c| c.name.as_deref()),
            Some("High")
        );
    }

    #[test]
    fn bad_bodies_are_invalid_with_the_reason() {
        let cases: [(&str, &str); 6] = [
            (r#"{"uuid": "a"}"#, "Invalid parameters: event is missing"),
            (
                r#"{"event": "call.dial"}"#,
                "Invalid parameters: missing field `uuid`",
            ),
            (
                r#"{"event": "call.dial", "uuid": " "}"#,
                "Invalid parameters: uuid is empty",
            ),
            (
                r#"{"event": true, "uuid": "a"}"#,
                "Invalid parameters: event: expected text, got a boolean",
            ),
            (
                r#"[1]"#,
                "Invalid parameters: a call event must be a JSON object, not an array",
            ),
            (
                r#"{"event": "call.dial", "uuid": "a", "serverTime": "x"}"#,
                "Invalid parameters: serverTime: expected a number, got a string",
            ),
        ];
        for (body, text) in cases {
            assert_eq!(
                parse_call_event(body.as_bytes()).unwrap_err().to_string(),
                text,
                "{body}"
            );
        }
        let error =
            parse_call_event(br#"{"event": "call.dial", "uuid": "a", "lgDirection": "in"}"#)
                .unwrap_err();
        assert!(
            error.to_string().starts_with("Invalid parameters: "),
            "{error}"
        );
    }

    fn request(body: &str) -> WebhookRequest {
        WebhookRequest {
            remote_ip: "89.184.65.208".parse().unwrap(),
            path: "/".into(),
            content_type: Some("application/json".into()),
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn handle_replies_200_and_flags_duplicates_but_not_hold_toggles() {
        let mut state = events();
        let dial = r#"{"event": "call.dial", "uuid": "a", "lgDirection": 4}"#;
        let first = state.handle(&request(dial), now());
        assert_eq!(
            (first.reply.status, first.dropped, first.events.len()),
            (200, false, 1)
        );
        let again = state.handle(&request(dial), now());
        assert_eq!(
            (again.reply.status, again.dropped, again.events.len()),
            (200, true, 0)
        );
        let hold = state.handle(
            &request(r#"{"event": "call.bridge", "uuid": "a", "lgDirection": 32}"#),
            now(),
        );
        assert_eq!((hold.reply.status, hold.dropped), (200, false));
        assert_eq!(hold.parsed.and_then(|p| p.on_hold), Some(true));
        let bad = state.handle(&request("{"), now());
        assert_eq!((bad.reply.status, bad.parsed), (400, None));
    }

    #[test]
    fn a_restore_keeps_the_live_calls_bounded_and_numbered_after_the_newest() {
        let live: serde_json::Map<String, Value> = (1..=MAX_LIVE_CALLS as u64 + 5)
            .map(|seq| {
                let call = serde_json::json!({"seq": seq, "direction": "in", "answered": false,
                    "on_hold": false, "root": format!("c{seq}")});
                (format!("c{seq}"), call)
            })
            .collect();
        // `next_seq` behind the calls' own numbers: the restore catches up.
        let state = serde_json::json!({"live": live, "next_seq": 0, "seen": [], "finished": [],
            "answered_groups": []});
        let mut state_of_events = events();
        state_of_events
            .restore_shared_state(&state.to_string())
            .unwrap();
        assert_eq!(state_of_events.live_calls(), MAX_LIVE_CALLS);
        let live_ids = |events: &VegaWebhookEvents| {
            let state: Value = serde_json::from_str(&events.shared_state().unwrap()).unwrap();
            state["live"].as_object().unwrap().clone()
        };
        // The oldest five are gone, as `remember` would have dropped them.
        let kept = live_ids(&state_of_events);
        assert!(!kept.contains_key("c5") && kept.contains_key("c6"));
        // A new call counts as the newest: the oldest handed-over one makes room for it.
        state_of_events.apply(&event("call.dial", "new", 4, None), now());
        let kept = live_ids(&state_of_events);
        assert_eq!(kept.len(), MAX_LIVE_CALLS);
        assert!(kept.contains_key("new") && !kept.contains_key("c6") && kept.contains_key("c7"));
    }

    #[test]
    fn an_unknown_event_name_is_accepted_and_changes_nothing() {
        let parsed = parse_call_event(br#"{"event": "call.transfer", "uuid": "a"}"#).unwrap();
        assert_eq!(parsed.event, LastEvent::Other);
        assert_eq!(parsed.event_name, "call.transfer");
        assert!(events().apply(&parsed, now()).is_empty());
    }
}
