//! Vega's finished calls (vega.md B.5–B.7) as Callpop's provider-neutral [`CallRecord`]s. Pure:
//! records in, records out.

use callpop_core::{CallRecord, CallState, Direction, Outcome, PhoneNumber};
use chrono::TimeDelta;

use super::diff::PROVIDER;
use super::wire::HistoryCall;

/// The [`CallRecord`] of a finished call, or `None` for what is not a call: a hold / unhold
/// record of `users.api` (`lgDirection` 32 / 64), an unknown direction, or no `endAt` to place
/// it in time. `region` reads numbers written without a country code.
///
/// - `call_id`: the root call (`parentUuid`, else `uuid`), as live calls are recorded;
/// - `started_at` = `endAt` − `duration`; `answered_at` = `endAt` − `billSecs` when answered;
/// - `disposition` `0` is an answered call ([`CallState::Ended`]); `1`–`4` (not answered, for
///   whatever reason) are [`CallState::Missed`] for incoming calls and [`CallState::Cancelled`]
///   for outgoing and internal ones. Without a disposition, conversation seconds mean answered;
/// - the [`Outcome`] keeps the disposition's reason: `1` no answer (`missed` when incoming), `2`
///   (destination overloaded) and `4` (set "busy") busy, `3` (error while dialling) failed; no
///   disposition and no conversation is `cancelled` (`missed` when incoming);
/// - `transferHistory`: `"017"` means 017 took the call, no transfer (`transfer` stays `None`);
///   `"003 > 001"` is a transfer, written with single spaces round `>`, and 001 took it.
pub fn call_record(call: &HistoryCall, region: &str) -> Option<CallRecord> {
    let direction = match call.lg_direction? {
        1 => Direction::Internal,
        2 => Direction::Out,
        4 => Direction::In,
        _ => return None,
    };
    let ended_at = call.end_at?;
    let seconds = |value: Option<i64>| value.filter(|s| *s >= 0);
    let duration = seconds(call.duration);
    let talk = seconds(call.bill_secs);
    let answered = match call.disposition {
        Some(disposition) => disposition == 0,
        None => talk.is_some_and(|t| t > 0),
    };
    let state = match (answered, direction) {
        (true, _) => CallState::Ended,
        (false, Direction::In) => CallState::Missed,
        (false, _) => CallState::Cancelled,
    };
    let outcome = if answered {
        Outcome::Answered
    } else {
        Outcome::unanswered(
            direction,
            match call.disposition {
                Some(1) => Outcome::NoAnswer,
                Some(2 | 4) => Outcome::Busy,
                Some(3) => Outcome::Failed,
                _ => Outcome::Cancelled,
            },
        )
    };
    let before_end = |secs: i64| {
        TimeDelta::try_seconds(secs)
            .and_then(|delta| ended_at.checked_sub_signed(delta))
            .unwrap_or(ended_at)
    };
    let steps: Vec<&str> = call
        .transfer_history
        .as_deref()
        .map(|t| {
            t.split('>')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .collect()
        })
        .unwrap_or_default();
    let leg_ext = call.leg.as_ref().and_then(|leg| leg.ext.clone());
    // A leg that is a group (2) or an IVR scenario (4) did not answer: a user did.
    let leg_is_user = call
        .leg
        .as_ref()
        .is_some_and(|leg| leg.kind.is_none_or(|kind| kind == 1));
    let answered_by = answered
        .then(|| {
            steps
                .last()
                .map(|ext| (*ext).to_owned())
                .or_else(|| leg_ext.clone().filter(|_| leg_is_user))
        })
        .flatten();
    let customer = call
        .other_leg_num
        .as_deref()
        .filter(|_| direction != Direction::Internal)
        .map(|num| PhoneNumber::parse(num, region));
    // vega.md B.5: otherLegName is the CRM's name, "otherwise equal to otherLegNum".
    let contact_name = call
        .other_leg_name
        .clone()
        .filter(|name| Some(name.as_str()) != call.other_leg_num.as_deref());
    Some(CallRecord {
        outcome: Some(outcome),
        rang: Vec::new(),
        provider: PROVIDER.to_owned(),
        call_id: call
            .parent_uuid
            .clone()
            .unwrap_or_else(|| call.uuid.clone()),
        direction,
        state,
        customer,
        employee: leg_ext,
        contact_name,
        started_at: before_end(duration.unwrap_or(0)),
        answered_at: answered.then(|| before_end(talk.unwrap_or(0))),
        ended_at: Some(ended_at),
        duration_seconds: duration,
        talk_seconds: talk,
        recording: call.audio_rec_url.clone(),
        transfer: (steps.len() > 1).then(|| steps.join(" > ")),
        note: None,
        answered_by,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, Utc};

    fn parse(json: &str) -> HistoryCall {
        serde_json::from_str(json).unwrap()
    }

    fn utc(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    #[test]
    fn an_answered_transferred_outgoing_call_keeps_its_times_talk_and_recording() {
        let call = parse(
            r#"{"parentUuid": null, "uuid": "a1", "endAt": 1435319298470, "lgDirection": 2,
                "otherLegNum": "+380993034330", "otherLegName": "+380993034330",
                "leg": {"id": 36, "type": 1, "displayName": "Василь", "ext": "003"},
                "billSecs": 4, "duration": 15, "disposition": 0,
                "transferHistory": "003> 001", "audioRecUrl": "https://pbx/rest/public/calls/a1/audio"}"#,
        );
        let record = call_record(&call, "UA").unwrap();
        assert_eq!(record.provider, "vega");
        assert_eq!(record.call_id, "a1");
        assert_eq!(record.direction, Direction::Out);
        assert_eq!(record.state, CallState::Ended);
        assert_eq!(record.customer.unwrap().key(), "+380993034330");
        // The name equals the number: no CRM knows the customer.
        assert_eq!(record.contact_name, None);
        assert_eq!(record.ended_at, Some(utc("2015-06-26T11:48:18.470Z")));
        assert_eq!(record.started_at, utc("2015-06-26T11:48:03.470Z"));
        assert_eq!(record.answered_at, Some(utc("2015-06-26T11:48:14.470Z")));
        assert_eq!(
            (record.duration_seconds, record.talk_seconds),
            (Some(15), Some(4))
        );
        assert_eq!(record.transfer.as_deref(), Some("003 > 001"));
        assert_eq!(record.answered_by.as_deref(), Some("001"));
        assert_eq!(record.employee.as_deref(), Some("003"));
        assert!(record.recording.unwrap().ends_with("/a1/audio"));
    }

    #[test]
    fn each_disposition_maps_to_answered_or_not() {
        for (disposition, direction, expected, outcome) in [
            (0, 4, CallState::Ended, Outcome::Answered),
            (1, 4, CallState::Missed, Outcome::Missed),
            (2, 4, CallState::Missed, Outcome::Busy),
            (4, 4, CallState::Missed, Outcome::Busy),
            (1, 2, CallState::Cancelled, Outcome::NoAnswer),
            (2, 2, CallState::Cancelled, Outcome::Busy),
            (3, 2, CallState::Cancelled, Outcome::Failed),
            (4, 2, CallState::Cancelled, Outcome::Busy),
            (1, 1, CallState::Cancelled, Outcome::NoAnswer),
        ] {
            let call = parse(&format!(
                r#"{{"uuid": "u", "parentUuid": "p", "endAt": 1435319298470, "lgDirection": {direction},
                    "otherLegNum": "+380442246595", "otherLegName": "Telecom company",
                    "leg": {{"ext": "001", "type": 1}}, "billSecs": 0, "duration": 9,
                    "disposition": {disposition}, "transferHistory": "001"}}"#
            ));
            let record = call_record(&call, "UA").unwrap();
            assert_eq!(record.state, expected, "disposition {disposition}");
            assert_eq!(
                record.outcome,
                Some(outcome),
                "disposition {disposition}, direction {direction}"
            );
            assert_eq!(record.call_id, "p");
            assert_eq!(record.transfer, None, "a single value is no transfer");
            assert_eq!(
                record.answered_by.is_some(),
                disposition == 0,
                "disposition {disposition}"
            );
            assert_eq!(record.answered_at.is_some(), disposition == 0);
            if direction == 1 {
                assert_eq!(record.customer, None);
            } else {
                assert_eq!(record.contact_name.as_deref(), Some("Telecom company"));
            }
        }
    }

    #[test]
    fn hold_records_and_calls_without_an_end_are_not_calls() {
        for json in [
            r#"{"uuid": "u", "endAt": 1435319298470, "lgDirection": 32}"#,
            r#"{"uuid": "u", "endAt": 1435319298470, "lgDirection": 64}"#,
            r#"{"uuid": "u", "endAt": 1435319298470}"#,
            r#"{"uuid": "u", "lgDirection": 4}"#,
        ] {
            assert_eq!(call_record(&parse(json), "UA"), None, "{json}");
        }
    }

    #[test]
    fn a_call_taken_by_a_group_leg_is_answered_by_nobody_known() {
        let call = parse(
            r#"{"uuid": "u", "endAt": 1435319298470, "lgDirection": 4, "otherLegNum": "0442246595",
                "leg": {"id": 5, "type": 2, "ext": "700", "displayName": "Sales"},
                "billSecs": 30, "duration": -5}"#,
        );
        let record = call_record(&call, "UA").unwrap();
        assert_eq!(
            record.state,
            CallState::Ended,
            "billSecs > 0 means answered"
        );
        assert_eq!(record.answered_by, None);
        assert_eq!(
            record.duration_seconds, None,
            "a negative duration is unknown"
        );
        assert_eq!(record.customer.unwrap().key(), "+380442246595");
    }
}
