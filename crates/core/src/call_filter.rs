//! The history view's filters: all calls, incoming, outgoing, missed, the missed calls nobody
//! has called back yet, and the calls we made that did not get through.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use crate::event::{CallState, Direction};
use crate::history::CallRecord;
use crate::outcome::Outcome;

/// Which calls a history view shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CallFilter {
    /// Every call.
    #[default]
    All,
    /// Customers who called us.
    Incoming,
    /// Calls we made.
    Outgoing,
    /// Incoming calls nobody answered (the caller gave up or nobody picked up).
    Missed,
    /// Missed calls whose number nobody has talked to since: the call-back list, one row per
    /// number (its latest missed call).
    NotCalledBack,
    /// Calls we made that nobody answered because of the line: busy, no answer, failed.
    NotReached,
}

/// True for an incoming call that nobody answered.
pub fn is_missed(call: &CallRecord) -> bool {
    call.direction == Direction::In
        && call.answered_at.is_none()
        && matches!(call.state, CallState::Missed | CallState::Cancelled)
}

/// True when somebody talked on this call.
fn was_answered(call: &CallRecord) -> bool {
    call.answered_at.is_some() || call.state == CallState::Ended
}

/// The calls `filter` keeps, in the order given; `calls` must be newest first (as
/// [`Store::recent_calls`](crate::Store::recent_calls) returns them) for
/// [`CallFilter::NotCalledBack`] to see which conversations came after a missed call.
pub fn filter_calls(calls: Vec<CallRecord>, filter: CallFilter) -> Vec<CallRecord> {
    match filter {
        CallFilter::All => calls,
        CallFilter::Incoming => keep(calls, |c| c.direction == Direction::In),
        CallFilter::Outgoing => keep(calls, |c| c.direction == Direction::Out),
        CallFilter::Missed => keep(calls, is_missed),
        CallFilter::NotCalledBack => not_called_back(calls),
        CallFilter::NotReached => keep(calls, |c| {
            c.direction != Direction::In
                && matches!(
                    c.outcome,
                    Some(Outcome::Busy | Outcome::NoAnswer | Outcome::Failed)
                )
        }),
    }
}

fn keep(calls: Vec<CallRecord>, wanted: impl Fn(&CallRecord) -> bool) -> Vec<CallRecord> {
    calls.into_iter().filter(|c| wanted(c)).collect()
}

fn not_called_back(calls: Vec<CallRecord>) -> Vec<CallRecord> {
    // Newest first: by the time a missed call is seen, every later call with its number has been.
    let mut settled: HashSet<String> = HashSet::new();
    let mut result = Vec::new();
    for call in calls {
        let Some(key) = call.customer.as_ref().map(|n| n.key()) else {
            continue;
        };
        if was_answered(&call) {
            settled.insert(key);
        } else if is_missed(&call) && settled.insert(key) {
            // `insert` is false for a number already listed or already talked to.
            result.push(call);
        }
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::phone::PhoneNumber;
    use chrono::{DateTime, TimeZone, Utc};

    fn at(minute: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 2, 10, minute, 0).unwrap()
    }

    fn call(
        id: &str,
        number: &str,
        direction: Direction,
        state: CallState,
        minute: u32,
    ) -> CallRecord {
        CallRecord {
            outcome: None,
            rang: Vec::new(),
            provider: "vega".into(),
            call_id: id.into(),
            direction,
            state,
            customer: Some(PhoneNumber::parse(number, "RU")),
            employee: Some("101".into()),
            contact_name: None,
            started_at: at(minute),
            answered_at: (state == CallState::Ended).then(|| at(minute)),
            ended_at: Some(at(minute)),
            duration_seconds: None,
            talk_seconds: None,
            recording: None,
            transfer: None,
            note: None,
            answered_by: None,
        }
    }

    /// Newest first, as the store returns them.
    fn sample() -> Vec<CallRecord> {
        vec![
            call("6", "+79100000003", Direction::In, CallState::Cancelled, 50),
            call("5", "+79100000001", Direction::Out, CallState::Ended, 40),
            call("4", "+79100000002", Direction::In, CallState::Missed, 30),
            call("3", "+79100000002", Direction::In, CallState::Missed, 20),
            call("2", "+79100000001", Direction::In, CallState::Missed, 10),
            call("1", "+79100000004", Direction::In, CallState::Ended, 5),
        ]
    }

    fn ids(calls: &[CallRecord]) -> Vec<&str> {
        calls.iter().map(|c| c.call_id.as_str()).collect()
    }

    #[test]
    fn direction_filters_keep_their_direction() {
        assert_eq!(ids(&filter_calls(sample(), CallFilter::All)).len(), 6);
        assert_eq!(ids(&filter_calls(sample(), CallFilter::Outgoing)), ["5"]);
        assert_eq!(
            ids(&filter_calls(sample(), CallFilter::Incoming)),
            ["6", "4", "3", "2", "1"]
        );
    }

    #[test]
    fn missed_means_incoming_and_never_answered() {
        assert_eq!(
            ids(&filter_calls(sample(), CallFilter::Missed)),
            ["6", "4", "3", "2"]
        );
    }

    #[test]
    fn a_missed_call_leaves_the_call_back_list_once_we_talked_to_that_number() {
        // 2 was called back by 5; 3 and 4 are the same number: listed once, the latest.
        assert_eq!(
            ids(&filter_calls(sample(), CallFilter::NotCalledBack)),
            ["6", "4"]
        );
    }

    #[test]
    fn an_answered_call_before_the_missed_one_does_not_count_as_a_call_back() {
        let calls = vec![
            call("2", "+79100000001", Direction::In, CallState::Missed, 20),
            call("1", "+79100000001", Direction::Out, CallState::Ended, 10),
        ];
        assert_eq!(ids(&filter_calls(calls, CallFilter::NotCalledBack)), ["2"]);
    }

    #[test]
    fn filters_read_their_wire_names() {
        let filter: CallFilter = serde_json::from_str("\"not_called_back\"").unwrap();
        assert_eq!(filter, CallFilter::NotCalledBack);
    }

    #[test]
    fn not_reached_keeps_our_calls_that_were_busy_unanswered_or_failed() {
        let mut calls = Vec::new();
        for (id, outcome) in [
            ("busy", Outcome::Busy),
            ("no-answer", Outcome::NoAnswer),
            ("failed", Outcome::Failed),
            ("hung-up", Outcome::Cancelled),
        ] {
            let mut c = call(id, "+79100000001", Direction::Out, CallState::Cancelled, 1);
            c.outcome = Some(outcome);
            calls.push(c);
        }
        let mut busy_in = call(
            "busy-in",
            "+79100000002",
            Direction::In,
            CallState::Missed,
            2,
        );
        busy_in.outcome = Some(Outcome::Busy);
        calls.push(busy_in);
        assert_eq!(
            ids(&filter_calls(calls, CallFilter::NotReached)),
            ["busy", "no-answer", "failed"]
        );
    }
}
