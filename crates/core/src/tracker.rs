//! Folds [`CallEvent`]s into [`Call`]s.
//!
//! PBXs repeat themselves (vega.md A.2: "events may be duplicated"), deliver late, and report a
//! group call as a parent plus one leg per member. The tracker keeps one [`Call`] per root id and
//! reports a call only when something a person would see has changed.

use std::collections::{BTreeMap, HashMap, VecDeque};

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::event::{CallEvent, CallState, ContactInfo, Direction};
use crate::phone::PhoneNumber;

/// Finished calls kept to recognise late and repeated events. A PBX repeats within seconds, so a
/// few hundred is plenty, and memory stays flat over a day of calls.
const FINISHED_CALLS_KEPT: usize = 512;

/// One leg of a call: the part that rings one employee's phone.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Leg {
    /// The PBX's id of the leg.
    pub id: String,
    /// How far this leg has come.
    pub state: CallState,
    /// Extension whose phone this leg rings.
    pub employee: Option<String>,
    /// That employee's name.
    pub employee_name: Option<String>,
}

/// A call as a person sees it: one per conversation, however many legs the PBX reports.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Call {
    /// Provider module name.
    pub provider: String,
    /// The id shared by all legs (the parent's id for a group call).
    pub id: String,
    /// Which way it goes.
    pub direction: Direction,
    /// Where it is now.
    pub state: CallState,
    /// The outside party.
    pub customer: Option<PhoneNumber>,
    /// The employee the call is for (the one who answered, once somebody did).
    pub employee: Option<String>,
    /// That employee's name.
    pub employee_name: Option<String>,
    /// What the PBX itself knows of the customer.
    pub pbx_contact: Option<ContactInfo>,
    /// When it started ringing.
    pub started_at: DateTime<Utc>,
    /// When somebody answered.
    pub answered_at: Option<DateTime<Utc>>,
    /// When it finished.
    pub ended_at: Option<DateTime<Utc>>,
    /// Time of the latest event folded in.
    pub updated_at: DateTime<Utc>,
    /// Every leg seen, by id.
    pub legs: BTreeMap<String, Leg>,
    /// The customer is on hold now.
    pub on_hold: bool,
}

impl Call {
    fn new(event: &CallEvent) -> Call {
        Call {
            provider: event.provider.clone(),
            id: event.root_id().to_owned(),
            direction: event.direction,
            state: event.state,
            customer: event.customer.clone(),
            employee: event.employee.clone(),
            employee_name: event.employee_name.clone(),
            pbx_contact: None,
            started_at: event.at,
            answered_at: None,
            ended_at: None,
            updated_at: event.at,
            legs: BTreeMap::new(),
            on_hold: false,
        }
    }

    /// True when one of the call's legs rings (or rang) this extension.
    pub fn involves(&self, extension: &str) -> bool {
        self.employee.as_deref() == Some(extension)
            || self
                .legs
                .values()
                .any(|leg| leg.employee.as_deref() == Some(extension))
    }

    /// The leg that was answered, if any: says who took the call.
    pub fn answered_leg(&self) -> Option<&Leg> {
        self.legs
            .values()
            .filter(|leg| leg.employee.is_some())
            .find(|leg| matches!(leg.state, CallState::Answered | CallState::Ended))
    }

    /// Seconds of conversation, once the call has ended.
    pub fn talk_seconds(&self) -> Option<i64> {
        Some((self.ended_at? - self.answered_at?).num_seconds().max(0))
    }

    /// The call's state as its legs tell it: answered if any leg talks, ringing while any rings,
    /// then the most telling final state.
    fn derive_state(&self) -> CallState {
        let states: Vec<CallState> = self.legs.values().map(|leg| leg.state).collect();
        let any = |s: CallState| states.contains(&s);
        if any(CallState::Answered) {
            CallState::Answered
        } else if any(CallState::Ringing) {
            CallState::Ringing
        } else if any(CallState::Ended) || self.answered_at.is_some() {
            CallState::Ended
        } else if any(CallState::Transferred) {
            CallState::Transferred
        } else if any(CallState::Missed) {
            CallState::Missed
        } else {
            CallState::Cancelled
        }
    }

    /// Folds one event in; returns true when anything visible changed.
    fn fold(&mut self, event: &CallEvent) -> bool {
        let before = self.visible();
        let leg = self
            .legs
            .entry(event.call_id.clone())
            .or_insert_with(|| Leg {
                id: event.call_id.clone(),
                state: event.state,
                employee: None,
                employee_name: None,
            });
        // A leg never moves back (a late "ringing" after "answered"), and once final it stays
        // as it first ended: a repeated or contradicting hang-up changes nothing.
        if !leg.state.is_final() && event.state.rank() >= leg.state.rank() {
            leg.state = event.state;
        }
        fill(&mut leg.employee, &event.employee);
        fill(&mut leg.employee_name, &event.employee_name);
        let leg_state = leg.state;

        if event.parent_id.is_none() {
            // The root leg speaks for the whole call's direction.
            self.direction = event.direction;
        }
        fill(&mut self.customer, &event.customer);
        if let Some(contact) = event.pbx_contact.as_ref().filter(|c| !c.is_empty()) {
            self.pbx_contact = Some(contact.clone());
        }
        self.started_at = self.started_at.min(event.at);
        self.updated_at = self.updated_at.max(event.at);
        if leg_state == CallState::Answered && self.answered_at.is_none() {
            self.answered_at = Some(event.at);
        }

        self.state = self.derive_state();
        if let Some(answered) = self.answered_leg().cloned() {
            self.employee = answered.employee;
            self.employee_name = answered.employee_name;
        } else {
            fill(&mut self.employee, &event.employee);
            fill(&mut self.employee_name, &event.employee_name);
        }
        if self.state.is_final() && self.ended_at.is_none() {
            self.ended_at = Some(event.at);
        }
        // Hold is said by events of the conversation; once over, nobody waits any more.
        if self.state.is_final() {
            self.on_hold = false;
        } else if event.state == CallState::Answered {
            self.on_hold = event.on_hold;
        }
        self.visible() != before
    }

    /// What a person sees of the call; the tracker reports a change only when this differs.
    fn visible(&self) -> impl PartialEq {
        (
            self.state,
            self.customer.clone(),
            self.employee.clone(),
            self.pbx_contact.clone(),
            self.direction,
            self.on_hold,
        )
    }
}

fn fill<T: Clone>(slot: &mut Option<T>, value: &Option<T>) {
    if slot.is_none() {
        slot.clone_from(value);
    }
}

/// Keeps the calls in progress and a short memory of finished ones.
#[derive(Debug, Default)]
pub struct CallTracker {
    calls: HashMap<(String, String), Call>,
    finished: VecDeque<(String, String)>,
}

impl CallTracker {
    /// An empty tracker.
    pub fn new() -> CallTracker {
        CallTracker::default()
    }

    /// Folds an event in. Returns the call as it now stands when anything visible changed, and
    /// `None` for a duplicate or an event that changes nothing.
    pub fn apply(&mut self, event: &CallEvent) -> Option<Call> {
        let key = (event.provider.clone(), event.root_id().to_owned());
        let mut is_new = false;
        let call = self.calls.entry(key.clone()).or_insert_with(|| {
            is_new = true;
            Call::new(event)
        });
        let was_final = call.state.is_final() && !is_new;
        let changed = call.fold(event) || is_new;
        let now_final = call.state.is_final();
        let snapshot = changed.then(|| call.clone());
        if now_final && !was_final {
            self.remember_finished(key);
        }
        snapshot
    }

    /// The calls still ringing or talking.
    pub fn live_calls(&self) -> impl Iterator<Item = &Call> {
        self.calls.values().filter(|call| !call.state.is_final())
    }

    fn remember_finished(&mut self, key: (String, String)) {
        self.finished.push_back(key);
        while self.finished.len() > FINISHED_CALLS_KEPT {
            if let Some(old) = self.finished.pop_front() {
                self.calls.remove(&old);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn event(call_id: &str, state: CallState, second: u32) -> CallEvent {
        CallEvent {
            provider: "vega".into(),
            call_id: call_id.into(),
            parent_id: None,
            state,
            direction: Direction::In,
            customer: Some(PhoneNumber::E164("+74957776655".into())),
            employee: Some("001".into()),
            employee_name: Some("Анна".into()),
            at: Utc.with_ymd_and_hms(2026, 11, 23, 10, 0, second).unwrap(),
            on_hold: false,
            pbx_contact: None,
        }
    }

    fn leg(call_id: &str, parent: &str, ext: &str, state: CallState, second: u32) -> CallEvent {
        CallEvent {
            parent_id: Some(parent.into()),
            employee: Some(ext.into()),
            employee_name: Some(format!("Employee {ext}")),
            ..event(call_id, state, second)
        }
    }

    #[test]
    fn hold_shows_while_answered_and_is_gone_once_the_call_ends() {
        let mut tracker = CallTracker::new();
        tracker.apply(&event("c", CallState::Ringing, 0));
        tracker.apply(&event("c", CallState::Answered, 1));
        let held = tracker
            .apply(&CallEvent {
                on_hold: true,
                ..event("c", CallState::Answered, 5)
            })
            .expect("hold is a visible change");
        assert!(held.on_hold);
        assert_eq!(held.state, CallState::Answered);
        assert!(
            tracker
                .apply(&CallEvent {
                    on_hold: true,
                    ..event("c", CallState::Answered, 6)
                })
                .is_none(),
            "a repeated hold changes nothing"
        );
        let back = tracker.apply(&event("c", CallState::Answered, 9)).unwrap();
        assert!(!back.on_hold);
        tracker.apply(&CallEvent {
            on_hold: true,
            ..event("c", CallState::Answered, 10)
        });
        let ended = tracker.apply(&event("c", CallState::Ended, 12)).unwrap();
        assert!(!ended.on_hold, "nobody waits after the hang-up");
    }

    fn states(tracker: &mut CallTracker, events: &[CallEvent]) -> Vec<CallState> {
        events
            .iter()
            .filter_map(|e| tracker.apply(e))
            .map(|c| c.state)
            .collect()
    }

    #[test]
    fn answered_call_goes_ringing_answered_ended() {
        let mut tracker = CallTracker::new();
        let seen = states(
            &mut tracker,
            &[
                event("a", CallState::Ringing, 0),
                event("a", CallState::Answered, 5),
                event("a", CallState::Ended, 59),
            ],
        );
        assert_eq!(
            seen,
            [CallState::Ringing, CallState::Answered, CallState::Ended]
        );
        let call = tracker.calls.values().next().unwrap();
        assert_eq!(call.talk_seconds(), Some(54));
    }

    #[test]
    fn duplicate_events_are_reported_once() {
        let mut tracker = CallTracker::new();
        let ring = event("a", CallState::Ringing, 0);
        let seen = states(&mut tracker, &[ring.clone(), ring.clone(), ring]);
        assert_eq!(seen, [CallState::Ringing]);
    }

    #[test]
    fn late_ringing_after_answer_does_not_move_back() {
        let mut tracker = CallTracker::new();
        let seen = states(
            &mut tracker,
            &[
                event("a", CallState::Answered, 5),
                event("a", CallState::Ringing, 0),
            ],
        );
        assert_eq!(seen, [CallState::Answered]);
        let call = tracker.calls.values().next().unwrap();
        assert_eq!(
            call.started_at.timestamp() % 60,
            0,
            "the earlier ring time is kept"
        );
    }

    #[test]
    fn hang_up_before_anything_else_is_a_final_call() {
        let mut tracker = CallTracker::new();
        let seen = states(
            &mut tracker,
            &[
                event("a", CallState::Missed, 9),
                event("a", CallState::Ringing, 0),
            ],
        );
        assert_eq!(seen, [CallState::Missed]);
    }

    #[test]
    fn a_second_final_state_does_not_overwrite_the_first() {
        let mut tracker = CallTracker::new();
        let seen = states(
            &mut tracker,
            &[
                event("a", CallState::Ringing, 0),
                event("a", CallState::Missed, 9),
                event("a", CallState::Ended, 10),
            ],
        );
        assert_eq!(seen, [CallState::Ringing, CallState::Missed]);
    }

    #[test]
    fn group_call_is_one_call_answered_by_the_member_who_took_it() {
        let mut tracker = CallTracker::new();
        let events = [
            event("parent", CallState::Ringing, 0),
            leg("l1", "parent", "001", CallState::Ringing, 0),
            leg("l2", "parent", "002", CallState::Ringing, 0),
            leg("l2", "parent", "002", CallState::Answered, 4),
            leg("l1", "parent", "001", CallState::Cancelled, 4),
            event("parent", CallState::Answered, 4),
            leg("l2", "parent", "002", CallState::Ended, 30),
            event("parent", CallState::Ended, 30),
        ];
        let seen: Vec<Call> = events.iter().filter_map(|e| tracker.apply(e)).collect();
        let states: Vec<CallState> = seen.iter().map(|c| c.state).collect();
        assert_eq!(
            states,
            [CallState::Ringing, CallState::Answered, CallState::Ended]
        );
        assert!(
            seen.iter().all(|c| c.id == "parent"),
            "one call, not one per leg"
        );
        let last = seen.last().unwrap();
        assert_eq!(
            last.employee.as_deref(),
            Some("002"),
            "named after who answered"
        );
        assert!(last.involves("001") && last.involves("002"));
        assert_eq!(tracker.calls.len(), 1);
    }

    #[test]
    fn group_call_nobody_answers_is_missed() {
        let mut tracker = CallTracker::new();
        let events = [
            leg("l1", "p", "001", CallState::Ringing, 0),
            leg("l2", "p", "002", CallState::Ringing, 0),
            leg("l1", "p", "001", CallState::Missed, 20),
            leg("l2", "p", "002", CallState::Missed, 20),
        ];
        let seen = states(&mut tracker, &events);
        assert_eq!(seen, [CallState::Ringing, CallState::Missed]);
    }

    #[test]
    fn pbx_contact_learned_later_is_reported() {
        let mut tracker = CallTracker::new();
        tracker.apply(&event("a", CallState::Ringing, 0));
        let mut again = event("a", CallState::Ringing, 1);
        again.pbx_contact = Some(ContactInfo {
            name: Some("ООО Ромашка".into()),
            ..Default::default()
        });
        let call = tracker.apply(&again).expect("new contact data is visible");
        assert_eq!(
            call.pbx_contact.unwrap().name.as_deref(),
            Some("ООО Ромашка")
        );
    }

    #[test]
    fn memory_of_finished_calls_is_bounded() {
        let mut tracker = CallTracker::new();
        for i in 0..(FINISHED_CALLS_KEPT + 50) {
            let id = format!("c{i}");
            tracker.apply(&event(&id, CallState::Ringing, 0));
            tracker.apply(&event(&id, CallState::Missed, 1));
        }
        assert_eq!(tracker.calls.len(), FINISHED_CALLS_KEPT);
        assert_eq!(tracker.live_calls().count(), 0);
    }

    #[test]
    fn same_id_from_two_providers_are_two_calls() {
        let mut tracker = CallTracker::new();
        let mut other = event("a", CallState::Ringing, 0);
        other.provider = "cloudpbx".into();
        assert!(tracker.apply(&event("a", CallState::Ringing, 0)).is_some());
        assert!(tracker.apply(&other).is_some());
        assert_eq!(tracker.live_calls().count(), 2);
    }
}
