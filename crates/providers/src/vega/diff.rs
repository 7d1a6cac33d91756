//! Successive active-call snapshots (vega.md B.3) turned into [`CallEvent`]s.
//!
//! vega.md B.3: "a call is new when its `uuid` first appears, answered when `bridgeAt` becomes
//! non-null / `lastEvent` becomes `call.bridge`, ended when it disappears or shows `call.hangup`".
//! On top of that:
//! - a call first seen already answered (it rang between two polls) reports `Ringing` then
//!   `Answered`, so every call's story starts with a ring; first seen already hung up, it reports
//!   its whole story at once;
//! - each transition is reported once: a call that lingers with `call.hangup` and then
//!   disappears ends once, and a finished call listed again is ignored;
//! - the final state of a call nobody answered: `Missed` for incoming and internal calls;
//!   `Cancelled` for outgoing ones (the employee or the PBX gave up: nothing was missed) and for a
//!   group-call leg whose sibling was answered (a colleague took the call);
//! - calls that disappeared in one poll are reported in the order they were first seen;
//! - an answered call that ends while another call of the same root (its parent, or its child:
//!   `parentUuid`) goes on was transferred: it ends `Transferred`, reported after the call that
//!   takes over appears, so the tracker's call never looks finished in between.

use std::collections::{HashMap, HashSet, VecDeque};

use callpop_core::{CallEvent, CallState, ContactInfo, Direction, PhoneNumber};
use chrono::{DateTime, Utc};

use super::wire::{ActiveCall, Leg, OtherLeg};

/// The `provider` of every event this module produces.
pub const PROVIDER: &str = "vega";

/// Finished calls and answered groups remembered, to recognise a call that lingers or comes
/// back. A poll lists a handful of calls, so a thousand is hours of memory at a flat size.
const REMEMBERED: usize = 1024;

/// Keeps the previous snapshot and reports what changed in the next one.
#[derive(Debug)]
pub struct SnapshotDiff {
    region: String,
    my_ext: Option<String>,
    live: HashMap<String, LiveCall>,
    next_seq: u64,
    finished: RecentIds,
    answered_groups: RecentIds,
}

/// A call reported and not yet finished.
#[derive(Debug)]
struct LiveCall {
    /// Order of first sighting.
    seq: u64,
    /// As last listed: what its final event will say.
    call: ActiveCall,
    direction: Direction,
    answered: bool,
    /// The customer is on hold (`lgDirection` 32 until a 64).
    on_hold: bool,
}

/// `lgDirection` 32 / 64: put on hold / taken off hold; `None` when the value says neither.
fn hold_of(call: &ActiveCall) -> Option<bool> {
    let bits = call.lg_direction?;
    if bits & 32 != 0 {
        Some(true)
    } else if bits & 64 != 0 {
        Some(false)
    } else {
        None
    }
}

impl SnapshotDiff {
    /// An empty history. `region` reads numbers without a country code; `my_ext` is the app
    /// user's extension: an internal call to it is shown from their side.
    pub fn new(region: &str, my_ext: Option<String>) -> SnapshotDiff {
        SnapshotDiff {
            region: region.to_owned(),
            my_ext: my_ext
                .map(|ext| ext.trim().to_owned())
                .filter(|ext| !ext.is_empty()),
            live: HashMap::new(),
            next_seq: 0,
            finished: RecentIds::default(),
            answered_groups: RecentIds::default(),
        }
    }

    /// Compares `snapshot` with the previous one and returns the events, in order. `now` stamps
    /// the hang-ups (Vega says when a call rang and was answered, not when it ended).
    pub fn apply(&mut self, snapshot: &[ActiveCall], now: DateTime<Utc>) -> Vec<CallEvent> {
        let mut events = Vec::new();
        // First, so that a leg vanishing in this very snapshot knows a sibling answered.
        for call in snapshot.iter().filter(|call| call.is_answered()) {
            if let Some(parent) = &call.parent_uuid {
                self.answered_groups.insert(parent);
            }
        }

        // Calls still going on, by root: an answered call that ends while another call of its
        // root goes on was handed over (a transfer), not ended.
        let going_on: Vec<(&str, &str)> = snapshot
            .iter()
            .filter(|call| !call.is_hung_up())
            .map(|call| (root_of(call), call.uuid.as_str()))
            .collect();
        let handed_over = |live: &LiveCall| {
            live.answered
                && going_on.iter().any(|(root, uuid)| {
                    *root == root_of(&live.call) && *uuid != live.call.uuid.as_str()
                })
        };
        // Reported after the calls listed with them, so the call that takes over is known first.
        let mut transferred: Vec<LiveCall> = Vec::new();

        let mut listed = HashSet::new();
        for call in snapshot {
            if call.uuid.trim().is_empty() || !listed.insert(call.uuid.as_str()) {
                continue;
            }
            if self.finished.contains(&call.uuid) {
                // Already reported final: lingering with call.hangup, or listed again.
                continue;
            }
            let (seq, direction, was_answered, was_on_hold) = match self.live.get(&call.uuid) {
                Some(live) => (
                    live.seq,
                    direction_of(call, Some(live.direction)),
                    live.answered,
                    live.on_hold,
                ),
                None => {
                    let direction = direction_of(call, None);
                    let dialled = call.dial_at.unwrap_or(now);
                    events.push(self.event(call, direction, CallState::Ringing, dialled));
                    self.next_seq += 1;
                    (self.next_seq, direction, false, false)
                }
            };
            let answered = was_answered || call.is_answered();
            let on_hold = answered && hold_of(call).unwrap_or(was_on_hold);
            if call.is_answered() && !was_answered {
                let bridged = call.bridge_at.unwrap_or(now);
                let mut event = self.event(call, direction, CallState::Answered, bridged);
                event.on_hold = on_hold;
                events.push(event);
            } else if answered && on_hold != was_on_hold && !call.is_hung_up() {
                // Put on hold or taken off it since the last poll.
                let mut event = self.event(call, direction, CallState::Answered, now);
                event.on_hold = on_hold;
                events.push(event);
            }
            let live = LiveCall {
                seq,
                call: call.clone(),
                direction,
                answered,
                on_hold,
            };
            if call.is_hung_up() {
                self.live.remove(&call.uuid);
                if handed_over(&live) {
                    transferred.push(live);
                } else {
                    events.push(self.finish(live, now, false));
                }
            } else {
                self.live.insert(call.uuid.clone(), live);
            }
        }

        let mut gone: Vec<LiveCall> = Vec::new();
        let vanished: Vec<String> = self
            .live
            .keys()
            .filter(|uuid| !listed.contains(uuid.as_str()))
            .cloned()
            .collect();
        for uuid in vanished {
            gone.extend(self.live.remove(&uuid));
        }
        for live in transferred {
            events.push(self.finish(live, now, true));
        }
        gone.sort_by_key(|live| live.seq);
        for live in gone {
            let handed_over = handed_over(&live);
            events.push(self.finish(live, now, handed_over));
        }
        events
    }

    /// The final event of a call that hung up or disappeared; `handed_over`: its employee
    /// transferred it to a colleague who goes on with it ([`CallState::Transferred`]).
    fn finish(&mut self, live: LiveCall, now: DateTime<Utc>, handed_over: bool) -> CallEvent {
        // Outgoing: the employee or the PBX gave up, nothing was missed. Group leg: a colleague
        // took the call.
        let sibling_answered = live
            .call
            .parent_uuid
            .as_ref()
            .is_some_and(|parent| self.answered_groups.contains(parent));
        let state = if handed_over {
            CallState::Transferred
        } else {
            final_state(live.answered, live.direction, sibling_answered)
        };
        self.finished.insert(&live.call.uuid);
        self.event(&live.call, live.direction, state, now)
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

/// The call a listed call belongs to: its parent's uuid, else its own.
fn root_of(call: &ActiveCall) -> &str {
    call.parent_uuid.as_deref().unwrap_or(&call.uuid)
}

/// The final state of a call that ended: `Ended` once answered; otherwise `Cancelled` for an
/// outgoing call (the employee or the PBX gave up, nothing was missed) or a group-call leg whose
/// sibling was answered (a colleague took the call), else `Missed`. Shared with the webhooks
/// (`webhook::events`), so both ways of learning of a call tell the same story.
pub(crate) fn final_state(
    answered: bool,
    direction: Direction,
    sibling_answered: bool,
) -> CallState {
    if answered {
        CallState::Ended
    } else if direction == Direction::Out || sibling_answered {
        CallState::Cancelled
    } else {
        CallState::Missed
    }
}

/// One [`CallEvent`] for `call`: the employee is `leg` (or `leg2` for an internal call to
/// `my_ext`), the customer the first `otherLegs[].num` (the other employee for internal calls),
/// the PBX's contact the `otherLegs` entry with the highest priority. Shared by the snapshot diff
/// and the webhooks (`webhook::events`).
pub(crate) fn call_event(
    call: &ActiveCall,
    direction: Direction,
    state: CallState,
    at: DateTime<Utc>,
    region: &str,
    my_ext: Option<&str>,
) -> CallEvent {
    let (employee, customer) = match direction {
        Direction::Internal => {
            let leg2_is_me =
                my_ext.is_some() && call.leg2.as_ref().and_then(|l| l.ext.as_deref()) == my_ext;
            let (me, other) = if leg2_is_me {
                (call.leg2.as_ref(), call.leg.as_ref())
            } else {
                (call.leg.as_ref(), call.leg2.as_ref())
            };
            let customer = other
                .and_then(|leg| leg.ext.clone())
                .map(PhoneNumber::Extension);
            (me, customer)
        }
        Direction::In | Direction::Out => {
            let number = call
                .other_legs
                .iter()
                .flatten()
                .find_map(|other| other.num.as_deref());
            (
                call.leg.as_ref(),
                number.map(|num| PhoneNumber::parse(num, region)),
            )
        }
    };
    CallEvent {
        provider: PROVIDER.to_owned(),
        call_id: call.uuid.clone(),
        parent_id: call.parent_uuid.clone(),
        state,
        direction,
        customer,
        employee: employee.and_then(|leg: &Leg| leg.ext.clone()),
        employee_name: employee.and_then(|leg: &Leg| leg.display_name.clone()),
        at,
        on_hold: false,
        pbx_contact: call.other_legs.as_deref().and_then(pbx_contact),
    }
}

/// vega.md A.2 `lgDirection`: 1 internal, 2 outgoing, 4 incoming. 32 / 64 (hold, unhold) say
/// nothing of the direction: the call keeps the one it had. Read as bits, in case the PBX ever
/// combines a hold flag with a direction. A call first seen without a direction is internal when
/// it has a `leg2` (A.2: set only for internal calls), else incoming.
pub(crate) fn direction_of(call: &ActiveCall, previous: Option<Direction>) -> Direction {
    match call.lg_direction.map(|bits| bits & 0b111) {
        Some(1) => Direction::Internal,
        Some(2) => Direction::Out,
        Some(4) => Direction::In,
        _ => previous.unwrap_or(if call.leg2.is_some() {
            Direction::Internal
        } else {
            Direction::In
        }),
    }
}

/// What the PBX's CRMs know: the entry with the highest `priority` (the first on a tie; no
/// priority ranks lowest) among those that say anything.
pub(crate) fn pbx_contact(other_legs: &[OtherLeg]) -> Option<ContactInfo> {
    let mut best: Option<(i64, ContactInfo)> = None;
    for other in other_legs {
        let contact = ContactInfo {
            name: other.name.clone(),
            company: other.company_name.clone(),
            responsible: None,
            url: other.url.clone(),
        };
        if contact.is_empty() {
            continue;
        }
        let priority = other.priority.unwrap_or(i64::MIN);
        if best.as_ref().is_none_or(|(top, _)| priority > *top) {
            best = Some((priority, contact));
        }
    }
    best.map(|(_, contact)| contact)
}

/// A bounded set of ids that forgets the oldest first (also the webhooks' duplicate filter).
#[derive(Debug, Default)]
pub(crate) struct RecentIds {
    order: VecDeque<String>,
    set: HashSet<String>,
}

impl RecentIds {
    pub(crate) fn insert(&mut self, id: &str) {
        if self.set.insert(id.to_owned()) {
            self.order.push_back(id.to_owned());
            while self.order.len() > REMEMBERED {
                if let Some(old) = self.order.pop_front() {
                    self.set.remove(&old);
                }
            }
        }
    }

    pub(crate) fn contains(&self, id: &str) -> bool {
        self.set.contains(id)
    }

    /// The ids, oldest first: what a relay instance hands to the next one (see
    /// [`WebhookHandler::shared_state`](crate::webhook::WebhookHandler::shared_state)).
    pub(crate) fn ids(&self) -> Vec<String> {
        self.order.iter().cloned().collect()
    }

    /// A memory of `ids` (oldest first, as [`ids`](Self::ids) lists them), inserted one by one so
    /// it stays within the usual bound (a longer list keeps its newest ids) and an id listed
    /// twice counts once.
    pub(crate) fn from_ids(ids: Vec<String>) -> RecentIds {
        let mut recent = RecentIds::default();
        for id in ids {
            recent.insert(&id);
        }
        recent
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vega::wire::LastEvent;

    #[test]
    fn recent_ids_handed_over_keep_their_order_and_bound() {
        let ids: Vec<String> = (0..REMEMBERED + 6).map(|i| i.to_string()).collect();
        let recent = RecentIds::from_ids(ids.clone());
        assert_eq!(recent.ids(), ids[6..]);
        assert!(!recent.contains("5") && recent.contains("6"));
        let twice = RecentIds::from_ids(vec!["a".into(), "b".into(), "a".into()]);
        assert_eq!(twice.ids(), ["a", "b"]);
    }

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    fn now() -> DateTime<Utc> {
        at("2026-01-10T12:00:00Z")
    }

    fn leg(ext: &str, name: &str) -> Leg {
        Leg {
            id: Some("36".into()),
            ext: Some(ext.into()),
            display_name: Some(name.into()),
        }
    }

    fn other(num: &str) -> OtherLeg {
        OtherLeg {
            id: None,
            name: None,
            num: Some(num.into()),
            company_name: None,
            url: None,
            priority: None,
        }
    }

    /// An incoming call to 001 from +380442249895, ringing since 11:59:00.
    fn incoming(uuid: &str) -> ActiveCall {
        ActiveCall {
            uuid: uuid.into(),
            parent_uuid: None,
            last_event: Some(LastEvent::Dial),
            dial_at: Some(at("2026-01-10T11:59:00Z")),
            bridge_at: None,
            lg_direction: Some(4),
            leg: Some(leg("001", "Іван Іванов")),
            leg2: None,
            other_legs: Some(vec![other("+380442249895")]),
            trunk_num: Some("+380442246595".into()),
            trunk_name: Some("+380442246595".into()),
        }
    }

    fn answered(mut call: ActiveCall) -> ActiveCall {
        call.last_event = Some(LastEvent::Bridge);
        call.bridge_at = Some(at("2026-01-10T11:59:10Z"));
        call
    }

    fn hung_up(mut call: ActiveCall) -> ActiveCall {
        call.last_event = Some(LastEvent::Hangup);
        call
    }

    fn internal(uuid: &str, from: &str, to: &str) -> ActiveCall {
        ActiveCall {
            lg_direction: Some(1),
            leg: Some(leg(from, "Іван Іванов")),
            leg2: Some(leg(to, "Петро Петров")),
            other_legs: None,
            trunk_num: None,
            trunk_name: None,
            ..incoming(uuid)
        }
    }

    fn group_leg(uuid: &str, parent: &str, ext: &str) -> ActiveCall {
        ActiveCall {
            parent_uuid: Some(parent.into()),
            leg: Some(leg(ext, ext)),
            ..incoming(uuid)
        }
    }

    fn states(events: &[CallEvent]) -> Vec<(&str, CallState)> {
        events
            .iter()
            .map(|e| (e.call_id.as_str(), e.state))
            .collect()
    }

    fn diff() -> SnapshotDiff {
        SnapshotDiff::new("UA", None)
    }

    #[test]
    fn a_new_call_rings_with_everything_vega_said() {
        let mut call = incoming("a");
        call.other_legs = Some(vec![OtherLeg {
            id: Some("6137".into()),
            name: Some("Telecom company".into()),
            company_name: Some("Telecom LLC".into()),
            url: Some("https://self.pbx.vega.ua/features/crm/contacts/edit.jsp#/?id=6137".into()),
            ..other("+380442249895")
        }]);
        let events = diff().apply(&[call], now());
        assert_eq!(
            events,
            [CallEvent {
                provider: "vega".into(),
                call_id: "a".into(),
                parent_id: None,
                state: CallState::Ringing,
                direction: Direction::In,
                customer: Some(PhoneNumber::E164("+380442249895".into())),
                employee: Some("001".into()),
                employee_name: Some("Іван Іванов".into()),
                at: at("2026-01-10T11:59:00Z"),
                on_hold: false,
                pbx_contact: Some(ContactInfo {
                    name: Some("Telecom company".into()),
                    company: Some("Telecom LLC".into()),
                    responsible: None,
                    url: Some(
                        "https://self.pbx.vega.ua/features/crm/contacts/edit.jsp#/?id=6137".into()
                    ),
                }),
            }]
        );
    }

    #[test]
    fn the_customer_number_is_read_in_the_configured_region() {
        let mut call = incoming("a");
        call.other_legs = Some(vec![other("8 (910) 123-45-67")]);
        let events = SnapshotDiff::new("RU", None).apply(&[call], now());
        assert_eq!(
            events[0].customer,
            Some(PhoneNumber::E164("+79101234567".into()))
        );
    }

    #[test]
    fn an_unchanged_snapshot_reports_nothing() {
        let mut diff = diff();
        assert_eq!(diff.apply(&[incoming("a")], now()).len(), 1);
        assert!(diff.apply(&[incoming("a")], now()).is_empty());
        assert!(diff.apply(&[], now()).len() == 1);
        assert!(diff.apply(&[], now()).is_empty());
    }

    #[test]
    fn bridge_at_answers_the_call_at_that_time() {
        let mut diff = diff();
        diff.apply(&[incoming("a")], now());
        let events = diff.apply(&[answered(incoming("a"))], now());
        assert_eq!(states(&events), [("a", CallState::Answered)]);
        assert_eq!(events[0].at, at("2026-01-10T11:59:10Z"));
        assert!(diff.apply(&[answered(incoming("a"))], now()).is_empty());
    }

    #[test]
    fn last_event_bridge_alone_answers_the_call_now() {
        let mut diff = diff();
        diff.apply(&[incoming("a")], now());
        let mut call = incoming("a");
        call.last_event = Some(LastEvent::Bridge);
        let events = diff.apply(&[call], now());
        assert_eq!(states(&events), [("a", CallState::Answered)]);
        assert_eq!(events[0].at, now());
    }

    #[test]
    fn bridge_at_alone_answers_even_if_last_event_lags() {
        let mut diff = diff();
        diff.apply(&[incoming("a")], now());
        let mut call = answered(incoming("a"));
        call.last_event = Some(LastEvent::Dial);
        assert_eq!(
            states(&diff.apply(&[call], now())),
            [("a", CallState::Answered)]
        );
    }

    #[test]
    fn an_answered_call_that_disappears_ends_now() {
        let mut diff = diff();
        diff.apply(&[incoming("a")], now());
        diff.apply(&[answered(incoming("a"))], now());
        let later = at("2026-01-10T12:05:00Z");
        let events = diff.apply(&[], later);
        assert_eq!(states(&events), [("a", CallState::Ended)]);
        assert_eq!(events[0].at, later);
        assert_eq!(
            events[0].customer,
            Some(PhoneNumber::E164("+380442249895".into()))
        );
    }

    #[test]
    fn a_ringing_call_that_disappears_is_missed() {
        let mut diff = diff();
        diff.apply(&[incoming("a")], now());
        assert_eq!(states(&diff.apply(&[], now())), [("a", CallState::Missed)]);
    }

    #[test]
    fn a_hangup_that_lingers_then_disappears_ends_the_call_once() {
        let mut diff = diff();
        diff.apply(&[incoming("a")], now());
        diff.apply(&[answered(incoming("a"))], now());
        let events = diff.apply(&[hung_up(answered(incoming("a")))], now());
        assert_eq!(states(&events), [("a", CallState::Ended)]);
        assert!(diff
            .apply(&[hung_up(answered(incoming("a")))], now())
            .is_empty());
        assert!(diff.apply(&[], now()).is_empty());
    }

    #[test]
    fn an_unanswered_hangup_is_missed_once() {
        let mut diff = diff();
        diff.apply(&[incoming("a")], now());
        assert_eq!(
            states(&diff.apply(&[hung_up(incoming("a"))], now())),
            [("a", CallState::Missed)]
        );
        assert!(diff.apply(&[hung_up(incoming("a"))], now()).is_empty());
        assert!(diff.apply(&[], now()).is_empty());
    }

    #[test]
    fn a_finished_call_listed_again_is_ignored() {
        let mut diff = diff();
        diff.apply(&[incoming("a")], now());
        diff.apply(&[], now());
        assert!(diff.apply(&[incoming("a")], now()).is_empty());
        assert!(diff.apply(&[answered(incoming("a"))], now()).is_empty());
    }

    #[test]
    fn a_call_first_seen_answered_rings_then_answers() {
        let events = diff().apply(&[answered(incoming("a"))], now());
        assert_eq!(
            states(&events),
            [("a", CallState::Ringing), ("a", CallState::Answered)]
        );
        assert_eq!(events[0].at, at("2026-01-10T11:59:00Z"));
        assert_eq!(events[1].at, at("2026-01-10T11:59:10Z"));
    }

    #[test]
    fn a_call_first_seen_hung_up_tells_its_whole_story() {
        let events = diff().apply(&[hung_up(answered(incoming("a")))], now());
        assert_eq!(
            states(&events),
            [
                ("a", CallState::Ringing),
                ("a", CallState::Answered),
                ("a", CallState::Ended)
            ]
        );
        let events = diff().apply(&[hung_up(incoming("b"))], now());
        assert_eq!(
            states(&events),
            [("b", CallState::Ringing), ("b", CallState::Missed)]
        );
    }

    #[test]
    fn a_call_without_a_dial_time_rings_now() {
        let mut call = incoming("a");
        call.dial_at = None;
        assert_eq!(diff().apply(&[call], now())[0].at, now());
    }

    #[test]
    fn an_outgoing_call_nobody_answers_is_cancelled_and_an_answered_one_ends() {
        let outgoing = |uuid: &str| ActiveCall {
            lg_direction: Some(2),
            ..incoming(uuid)
        };
        let mut diff = diff();
        let events = diff.apply(&[outgoing("a"), answered(outgoing("b"))], now());
        assert!(events.iter().all(|e| e.direction == Direction::Out));
        assert_eq!(
            events[0].customer,
            Some(PhoneNumber::E164("+380442249895".into()))
        );
        assert_eq!(
            states(&diff.apply(&[], now())),
            [("a", CallState::Cancelled), ("b", CallState::Ended)]
        );
    }

    #[test]
    fn group_legs_carry_the_parent_and_the_colleagues_of_who_answered_are_cancelled() {
        let mut diff = diff();
        let legs = [
            group_leg("l1", "p", "001"),
            group_leg("l2", "p", "002"),
            group_leg("l3", "p", "003"),
        ];
        let events = diff.apply(&legs, now());
        assert_eq!(
            states(&events),
            [
                ("l1", CallState::Ringing),
                ("l2", CallState::Ringing),
                ("l3", CallState::Ringing)
            ]
        );
        assert!(events.iter().all(|e| e.parent_id.as_deref() == Some("p")));
        assert_eq!(events[1].employee.as_deref(), Some("002"));

        // The others' legs vanish in the very poll where l2 shows answered.
        let events = diff.apply(&[answered(group_leg("l2", "p", "002"))], now());
        assert_eq!(
            states(&events),
            [
                ("l2", CallState::Answered),
                ("l1", CallState::Cancelled),
                ("l3", CallState::Cancelled)
            ]
        );
        assert!(events.iter().all(|e| e.parent_id.as_deref() == Some("p")));
        assert_eq!(states(&diff.apply(&[], now())), [("l2", CallState::Ended)]);
    }

    #[test]
    fn a_group_call_nobody_answers_is_missed_on_every_leg() {
        let mut diff = diff();
        diff.apply(
            &[group_leg("l1", "p", "001"), group_leg("l2", "p", "002")],
            now(),
        );
        assert_eq!(
            states(&diff.apply(&[], now())),
            [("l1", CallState::Missed), ("l2", CallState::Missed)]
        );
    }

    #[test]
    fn lg_direction_maps_to_directions_and_hold_keeps_the_previous_one() {
        let with = |bits: Option<i64>, uuid: &str| ActiveCall {
            lg_direction: bits,
            ..incoming(uuid)
        };
        let events = diff().apply(
            &[with(Some(1), "i"), with(Some(2), "o"), with(Some(4), "n")],
            now(),
        );
        let directions: Vec<Direction> = events.iter().map(|e| e.direction).collect();
        assert_eq!(
            directions,
            [Direction::Internal, Direction::Out, Direction::In]
        );

        let mut diff = diff();
        diff.apply(&[with(Some(2), "a")], now());
        let mut on_hold = answered(with(Some(32), "a"));
        let events = diff.apply(&[on_hold.clone()], now());
        assert_eq!(events[0].direction, Direction::Out);
        assert!(events[0].on_hold, "answered and on hold at once");
        on_hold.lg_direction = Some(64);
        let back = diff.apply(&[on_hold], now());
        assert_eq!(states(&back), [("a", CallState::Answered)]);
        assert!(!back[0].on_hold, "taken off hold");
        assert_eq!(diff.apply(&[], now())[0].direction, Direction::Out);
    }

    #[test]
    fn a_call_first_seen_on_hold_is_internal_with_leg2_else_incoming() {
        let mut held_internal = internal("i", "001", "002");
        held_internal.lg_direction = Some(32);
        let held_external = ActiveCall {
            lg_direction: Some(64),
            ..incoming("e")
        };
        let combined = ActiveCall {
            lg_direction: Some(4 | 32),
            ..incoming("c")
        };
        let events = diff().apply(&[held_internal, held_external, combined], now());
        let directions: Vec<Direction> = events.iter().map(|e| e.direction).collect();
        assert_eq!(
            directions,
            [Direction::Internal, Direction::In, Direction::In]
        );
    }

    #[test]
    fn an_internal_call_shows_the_other_employee_as_the_customer() {
        let events = diff().apply(&[internal("a", "001", "002")], now());
        assert_eq!(events[0].direction, Direction::Internal);
        assert_eq!(events[0].employee.as_deref(), Some("001"));
        assert_eq!(events[0].employee_name.as_deref(), Some("Іван Іванов"));
        assert_eq!(
            events[0].customer,
            Some(PhoneNumber::Extension("002".into()))
        );
        assert_eq!(events[0].pbx_contact, None);
    }

    #[test]
    fn an_internal_call_to_me_is_seen_from_my_side() {
        let events = SnapshotDiff::new("UA", Some("002".into()))
            .apply(&[internal("a", "001", "002")], now());
        assert_eq!(events[0].employee.as_deref(), Some("002"));
        assert_eq!(events[0].employee_name.as_deref(), Some("Петро Петров"));
        assert_eq!(
            events[0].customer,
            Some(PhoneNumber::Extension("001".into()))
        );

        let events = SnapshotDiff::new("UA", Some("001".into()))
            .apply(&[internal("a", "001", "002")], now());
        assert_eq!(events[0].employee.as_deref(), Some("001"));
        assert_eq!(
            events[0].customer,
            Some(PhoneNumber::Extension("002".into()))
        );
    }

    #[test]
    fn the_pbx_contact_comes_from_the_highest_priority_entry_that_says_something() {
        let entry = |name: Option<&str>, priority: Option<i64>| OtherLeg {
            name: name.map(str::to_owned),
            priority,
            ..other("+380442249895")
        };
        let pick = |entries: Vec<OtherLeg>| pbx_contact(&entries).and_then(|c| c.name);
        assert_eq!(
            pick(vec![
                entry(Some("low"), Some(1)),
                entry(Some("high"), Some(5))
            ])
            .as_deref(),
            Some("high")
        );
        assert_eq!(
            pick(vec![
                entry(Some("first"), None),
                entry(Some("second"), None)
            ])
            .as_deref(),
            Some("first")
        );
        assert_eq!(
            pick(vec![entry(None, Some(9)), entry(Some("named"), Some(1))]).as_deref(),
            Some("named")
        );
        assert_eq!(
            pick(vec![
                entry(Some("ranked"), Some(0)),
                entry(Some("unranked"), None)
            ])
            .as_deref(),
            Some("ranked")
        );
        assert_eq!(pbx_contact(&[entry(None, Some(1))]), None);
        assert_eq!(pbx_contact(&[]), None);
    }

    #[test]
    fn a_uuid_listed_twice_in_one_snapshot_rings_once() {
        let events = diff().apply(&[incoming("a"), incoming("a")], now());
        assert_eq!(states(&events), [("a", CallState::Ringing)]);
    }

    #[test]
    fn calls_that_vanish_together_end_in_the_order_they_appeared() {
        let mut diff = diff();
        let mut listed = Vec::new();
        for uuid in ["c", "a", "d", "b"] {
            listed.push(incoming(uuid));
            diff.apply(&listed, now());
        }
        let events = diff.apply(&[], now());
        let ended: Vec<&str> = events.iter().map(|e| e.call_id.as_str()).collect();
        assert_eq!(ended, ["c", "a", "d", "b"]);
    }

    #[test]
    fn a_call_with_almost_nothing_in_it_still_makes_an_event() {
        let bare = ActiveCall {
            uuid: "bare".into(),
            parent_uuid: None,
            last_event: None,
            dial_at: None,
            bridge_at: None,
            lg_direction: None,
            leg: None,
            leg2: None,
            other_legs: None,
            trunk_num: None,
            trunk_name: None,
        };
        let events = diff().apply(&[bare], now());
        assert_eq!(states(&events), [("bare", CallState::Ringing)]);
        assert_eq!(events[0].direction, Direction::In);
        assert_eq!(
            (events[0].customer.clone(), events[0].employee.clone()),
            (None, None)
        );
    }

    #[test]
    fn a_call_with_an_empty_uuid_is_skipped() {
        assert!(diff().apply(&[incoming(" ")], now()).is_empty());
    }

    #[test]
    fn the_spec_example_snapshot_rings_all_three_and_answers_the_bridged_two() {
        let json = r#"[
          { "uuid": "47a968893984475b8c20e29dec144ce1", "parentUuid": null, "lastEvent": "call.dial",
            "dialAt": 1431686100, "bridgeAt": null, "lgDirection": 2,
            "leg": { "id": 36, "ext": "001", "displayName": "Іван Іванов" }, "leg2": null,
            "otherLegs": [ { "id": "6137", "name": "Telecom company", "num": "+380442249895",
                             "companyName": null, "url": "https://self.pbx.vega.ua/x" } ],
            "trunkNum": "+380442246595", "trunkName": "+380442246595" },
          { "uuid": "562aa0bd8d9842cd95e4a581443f2e86", "parentUuid": null, "lastEvent": "call.bridge",
            "dialAt": 1431686088, "bridgeAt": 1431686100, "lgDirection": 4,
            "leg": { "id": 36, "ext": "001", "displayName": "Іван Іванов" }, "leg2": null,
            "otherLegs": null, "trunkNum": "+380442246595", "trunkName": "+380442246595" },
          { "uuid": "68333cd7aa94421e89dbc8acfe5027bb", "parentUuid": null, "lastEvent": "call.bridge",
            "dialAt": 1431686001, "bridgeAt": 1431686019, "lgDirection": 1,
            "leg":  { "id": 36, "ext": "001", "displayName": "Іван Іванов" },
            "leg2": { "id": 27, "ext": "002", "displayName": "Петро Петров" },
            "otherLegs": null, "trunkNum": "+380442246595", "trunkName": "+380442246595" }
        ]"#;
        let snapshot: Vec<ActiveCall> = serde_json::from_str(json).unwrap();
        let events = diff().apply(&snapshot, now());
        assert_eq!(
            states(&events),
            [
                ("47a968893984475b8c20e29dec144ce1", CallState::Ringing),
                ("562aa0bd8d9842cd95e4a581443f2e86", CallState::Ringing),
                ("562aa0bd8d9842cd95e4a581443f2e86", CallState::Answered),
                ("68333cd7aa94421e89dbc8acfe5027bb", CallState::Ringing),
                ("68333cd7aa94421e89dbc8acfe5027bb", CallState::Answered),
            ]
        );
        assert_eq!(events[0].direction, Direction::Out);
        assert_eq!(events[0].at, at("2015-05-15T10:35:00Z"));
        assert_eq!(
            events[0]
                .pbx_contact
                .as_ref()
                .and_then(|c| c.name.as_deref()),
            Some("Telecom company")
        );
        assert_eq!(
            events[4].customer,
            Some(PhoneNumber::Extension("002".into()))
        );
    }
}
