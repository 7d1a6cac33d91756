//! One call, one record. A call to a department rings several employees, and a PBX's history
//! lists each of those legs on its own under the same call id (Vega: the same `parentUuid`);
//! live events come leg by leg too. [`merge`] folds two records of the same call into one that
//! says who it rang, who answered and when, so the history shows the call once, and not as
//! missed when a colleague answered it.

use std::collections::HashMap;

use crate::event::CallState;
use crate::history::CallRecord;
use crate::outcome::Outcome;

/// Folds the records that share a provider and a call id (the legs of one call) into one each,
/// in the order their first leg came.
pub fn merge_legs(records: Vec<CallRecord>) -> Vec<CallRecord> {
    let mut merged: Vec<CallRecord> = Vec::with_capacity(records.len());
    let mut index: HashMap<(String, String), usize> = HashMap::new();
    for record in records {
        match index.get(&(record.provider.clone(), record.call_id.clone())) {
            Some(&at) => {
                let earlier = merged[at].clone();
                merged[at] = merge(earlier, record);
            }
            None => {
                index.insert(
                    (record.provider.clone(), record.call_id.clone()),
                    merged.len(),
                );
                merged.push(record);
            }
        }
    }
    merged
}

/// The one record of a call known as `earlier` and then as `later` (same provider and call id).
///
/// Two records of the same employee (or both of none) are the same leg seen again: the later
/// one says more, except that a call never moves back (an answered call does not ring again).
/// Records of different employees are different legs: the call was answered when any leg was,
/// by that leg's employee; it started with its first leg and ended with its last.
pub fn merge(earlier: CallRecord, later: CallRecord) -> CallRecord {
    let same_leg = earlier.employee == later.employee;
    let (state, outcome) = if same_leg {
        if later.state.rank() >= earlier.state.rank() {
            (later.state, later.outcome.or(earlier.outcome))
        } else {
            (earlier.state, earlier.outcome.or(later.outcome))
        }
    } else {
        legs_state(&earlier, &later)
    };
    let outcome = match Outcome::of_state(state) {
        Some(Outcome::Answered) => Some(Outcome::Answered),
        None => None,
        Some(plain) => Some(outcome.filter(|o| *o != Outcome::Answered).unwrap_or(plain)),
    };
    // The leg that talked gives who answered, and its recording and transfers.
    let (talked, other) = if is_answered(&later) || !is_answered(&earlier) {
        (&later, &earlier)
    } else {
        (&earlier, &later)
    };
    let answered_by = if same_leg {
        later
            .answered_by
            .clone()
            .or_else(|| earlier.answered_by.clone())
    } else if is_answered(talked) {
        talked
            .answered_by
            .clone()
            .or_else(|| talked.employee.clone())
            .or_else(|| other.answered_by.clone())
    } else {
        None
    };
    let started_at = earlier.started_at.min(later.started_at);
    let ended_at = match (earlier.ended_at, later.ended_at) {
        _ if !state.is_final() => None,
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    };
    let answered_at = [earlier.answered_at, later.answered_at]
        .into_iter()
        .flatten()
        .min();
    let duration_seconds = if same_leg {
        later.duration_seconds.or(earlier.duration_seconds)
    } else {
        match (earlier.duration_seconds, later.duration_seconds, ended_at) {
            (None, None, _) => None,
            (_, _, Some(end)) => Some((end - started_at).num_seconds().max(0)),
            (a, b, None) => a.max(b),
        }
    };
    let rang = rang(&earlier, &later);
    CallRecord {
        provider: later.provider.clone(),
        call_id: later.call_id.clone(),
        direction: earlier.direction,
        state,
        outcome,
        customer: later.customer.clone().or_else(|| earlier.customer.clone()),
        employee: earlier.employee.clone().or_else(|| later.employee.clone()),
        rang,
        contact_name: later
            .contact_name
            .clone()
            .or_else(|| earlier.contact_name.clone()),
        started_at,
        answered_at,
        ended_at,
        duration_seconds,
        talk_seconds: if same_leg {
            later.talk_seconds.or(earlier.talk_seconds)
        } else {
            talked.talk_seconds.or(other.talk_seconds)
        },
        recording: talked.recording.clone().or_else(|| other.recording.clone()),
        transfer: talked.transfer.clone().or_else(|| other.transfer.clone()),
        answered_by,
        note: later.note.clone().or_else(|| earlier.note.clone()),
    }
}

/// Somebody talked on this leg (or still does).
fn is_answered(record: &CallRecord) -> bool {
    matches!(
        record.state,
        CallState::Answered | CallState::Ended | CallState::Transferred
    )
}

/// The state (and outcome) of a call from two of its legs: answered when either was; still
/// ringing while either rings; else as the leg that said more (a missed incoming leg over a
/// cancelled one).
fn legs_state(a: &CallRecord, b: &CallRecord) -> (CallState, Option<Outcome>) {
    let priority = |state: CallState| match state {
        CallState::Ended | CallState::Transferred => 5,
        CallState::Answered => 4,
        CallState::Ringing => 3,
        CallState::Missed => 2,
        CallState::Cancelled => 1,
    };
    if priority(b.state) >= priority(a.state) {
        (b.state, b.outcome.or(a.outcome))
    } else {
        (a.state, a.outcome.or(b.outcome))
    }
}

/// Every extension the call rang, in order, when more than one did.
fn rang(a: &CallRecord, b: &CallRecord) -> Vec<String> {
    let legs = |r: &CallRecord| -> Vec<String> {
        if r.rang.is_empty() {
            r.employee.iter().cloned().collect()
        } else {
            r.rang.clone()
        }
    };
    let mut all = legs(a);
    for ext in legs(b) {
        if !all.contains(&ext) {
            all.push(ext);
        }
    }
    if all.len() > 1 {
        all
    } else {
        Vec::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Direction;
    use crate::phone::PhoneNumber;
    use chrono::{DateTime, Utc};

    fn at(second: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_700_000_000 + second, 0).unwrap()
    }

    /// A leg of call `c1` from +79101234567 that rang `ext` from second `from` to `to`.
    fn leg(ext: &str, state: CallState, from: i64, to: i64) -> CallRecord {
        let answered = matches!(state, CallState::Ended);
        CallRecord {
            provider: "vega".into(),
            call_id: "c1".into(),
            direction: Direction::In,
            state,
            outcome: Outcome::of_state(state),
            customer: Some(PhoneNumber::parse("+79101234567", "RU")),
            employee: Some(ext.into()),
            rang: Vec::new(),
            contact_name: None,
            started_at: at(from),
            answered_at: answered.then(|| at(from + 5)),
            ended_at: Some(at(to)),
            duration_seconds: Some(to - from),
            talk_seconds: answered.then_some(to - from - 5),
            recording: answered.then(|| format!("https://pbx/{ext}.mp3")),
            transfer: None,
            answered_by: answered.then(|| ext.to_owned()),
            note: None,
        }
    }

    #[test]
    fn a_department_call_rung_on_two_phones_is_one_answered_call() {
        let legs = vec![
            leg("001", CallState::Missed, 0, 20),
            leg("004", CallState::Ended, 2, 80),
        ];
        for order in [legs.clone(), legs.into_iter().rev().collect()] {
            let merged = merge_legs(order);
            assert_eq!(merged.len(), 1, "one call, one record");
            let call = &merged[0];
            assert_eq!(call.state, CallState::Ended);
            assert_eq!(call.outcome, Some(Outcome::Answered));
            assert_eq!(call.answered_by.as_deref(), Some("004"));
            assert_eq!(call.started_at, at(0));
            assert_eq!(call.answered_at, Some(at(7)));
            assert_eq!(call.ended_at, Some(at(80)));
            assert_eq!(call.duration_seconds, Some(80));
            assert_eq!(call.talk_seconds, Some(73));
            assert_eq!(call.recording.as_deref(), Some("https://pbx/004.mp3"));
            let mut rang = call.rang.clone();
            rang.sort();
            assert_eq!(rang, ["001", "004"]);
        }
    }

    #[test]
    fn nobody_answering_on_any_leg_keeps_the_call_missed_with_the_pbx_s_reason() {
        let mut busy = leg("004", CallState::Missed, 1, 15);
        busy.outcome = Some(Outcome::Busy);
        let merged = merge_legs(vec![leg("001", CallState::Missed, 0, 20), busy]);
        assert_eq!(merged.len(), 1);
        assert_eq!(merged[0].state, CallState::Missed);
        assert_eq!(merged[0].outcome, Some(Outcome::Busy));
        assert_eq!(merged[0].answered_by, None);
        assert_eq!(merged[0].ended_at, Some(at(20)));
    }

    #[test]
    fn the_same_leg_seen_again_moves_forward_never_back() {
        let mut ringing = leg("001", CallState::Ringing, 0, 0);
        ringing.ended_at = None;
        ringing.outcome = None;
        let ended = leg("001", CallState::Ended, 0, 60);
        let merged = merge(ringing.clone(), ended.clone());
        assert_eq!(merged.state, CallState::Ended);
        assert_eq!(merged.rang, Vec::<String>::new(), "one phone rang");
        let stale = merge(ended, ringing);
        assert_eq!(stale.state, CallState::Ended, "a late ringing event");
        assert_eq!(stale.ended_at, Some(at(60)));
    }

    #[test]
    fn a_leg_still_ringing_keeps_the_call_open() {
        let mut ringing = leg("004", CallState::Ringing, 3, 3);
        ringing.ended_at = None;
        ringing.outcome = None;
        let merged = merge(leg("001", CallState::Missed, 0, 20), ringing);
        assert_eq!(merged.state, CallState::Ringing);
        assert_eq!(merged.outcome, None);
        assert_eq!(merged.ended_at, None);
    }

    #[test]
    fn calls_of_other_ids_stay_apart_and_in_order() {
        let mut other = leg("001", CallState::Ended, 30, 40);
        other.call_id = "c2".into();
        let merged = merge_legs(vec![
            leg("001", CallState::Missed, 0, 20),
            other,
            leg("004", CallState::Ended, 2, 80),
        ]);
        let ids: Vec<&str> = merged.iter().map(|c| c.call_id.as_str()).collect();
        assert_eq!(ids, ["c1", "c2"]);
        assert_eq!(merged[0].state, CallState::Ended);
    }
}
