//! AMI events → call events, from transcripts recorded against the real Asterisk 22 of
//! `tests/pbx-lab` (`tests/pbx-lab/ami_record.py`; see fixtures/asterisk/README.md).

use std::collections::HashSet;

use callpop_core::secrets::Secret;
use callpop_core::{CallEvent, CallState, Direction, NewContact, PhoneNumber, Store};
use callpop_providers::asterisk::cdr::{call_record, CdrError};
use callpop_providers::asterisk::events::{dnd_change, endpoint_of};
use callpop_providers::asterisk::frame::{parse_transcript, AmiMessage};
use callpop_providers::asterisk::lookup::{caller_id_safe, caller_name_reply, TEXT_CONTENT_TYPE};
use callpop_providers::asterisk::CallMapper;
use chrono::{FixedOffset, TimeZone, Utc};

fn transcript(name: &str) -> Vec<AmiMessage> {
    let path = format!(
        "{}/tests/fixtures/asterisk/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    parse_transcript(&bytes).unwrap()
}

fn play(name: &str, me: Option<&str>) -> Vec<CallEvent> {
    let mut mapper = CallMapper::new(me, "RU");
    let at = Utc::now();
    let events = transcript(name)
        .iter()
        .filter_map(|message| mapper.handle(message, at))
        .collect();
    assert_eq!(mapper.calls_in_progress(), 0, "every channel hung up");
    events
}

fn states(events: &[CallEvent]) -> Vec<CallState> {
    events.iter().map(|e| e.state).collect()
}

fn one_call_id(events: &[CallEvent]) -> &str {
    let ids: HashSet<&str> = events.iter().map(|e| e.call_id.as_str()).collect();
    assert_eq!(ids.len(), 1, "all legs make one call: {ids:?}");
    assert!(events.iter().all(|e| e.parent_id.is_none()));
    events[0].call_id.as_str()
}

#[test]
fn an_answered_inbound_call_rings_is_answered_and_ends_as_one_call() {
    let events = play("inbound_answered.ami", Some("101"));
    assert_eq!(
        states(&events),
        [CallState::Ringing, CallState::Answered, CallState::Ended]
    );
    assert_eq!(one_call_id(&events), "1796163133.9", "the Linkedid");
    let ringing = &events[0];
    assert_eq!(ringing.provider, "asterisk");
    assert_eq!(ringing.direction, Direction::In);
    assert_eq!(
        ringing.customer,
        Some(PhoneNumber::parse("0301111111", "RU"))
    );
    assert_eq!(ringing.employee.as_deref(), Some("101"));
    assert_eq!(ringing.employee_name.as_deref(), Some("Manager"));
    assert_eq!(
        ringing.pbx_contact.as_ref().and_then(|c| c.name.as_deref()),
        Some("Customer 0301111111"),
        "the caller's CallerIDName"
    );
}

#[test]
fn a_call_nobody_answers_is_missed() {
    let events = play("inbound_missed.ami", Some("101"));
    assert_eq!(states(&events), [CallState::Ringing, CallState::Missed]);
    one_call_id(&events);
    assert_eq!(
        events[1].customer,
        Some(PhoneNumber::parse("0304444444", "RU"))
    );
}

#[test]
fn a_caller_hanging_up_while_it_rings_is_cancelled() {
    let events = play("inbound_abandoned.ami", Some("101"));
    assert_eq!(states(&events), [CallState::Ringing, CallState::Cancelled]);
    one_call_id(&events);
}

#[test]
fn click_to_call_rings_me_then_the_customer_as_one_outgoing_call() {
    let events = play("click_to_call.ami", Some("101"));
    assert_eq!(
        states(&events),
        [CallState::Ringing, CallState::Answered, CallState::Ended]
    );
    assert_eq!(
        one_call_id(&events),
        "callpop-c2c-1",
        "the Originate's ChannelId"
    );
    assert!(events.iter().all(|e| e.direction == Direction::Out));
    assert!(events
        .iter()
        .all(|e| e.customer == Some(PhoneNumber::parse("0302222222", "RU"))));
    assert!(
        events[0].pbx_contact.is_none(),
        "the name is only the number"
    );
}

#[test]
fn click_to_call_is_outgoing_whichever_comes_first_my_phone_ringing_or_the_dial() {
    // Asterisk may report my phone's Newstate Ringing before or after the Originate's
    // DialBegin (seen both ways in CI): replay the recording with Ringing moved first.
    let mut messages = transcript("click_to_call.ami");
    let is = |m: &AmiMessage, event: &str| m.event() == Some(event);
    let dial = messages
        .iter()
        .position(|m| is(m, "DialBegin"))
        .expect("the recording has the Originate's DialBegin");
    let ringing = messages
        .iter()
        .position(|m| {
            is(m, "Newstate")
                && m.get("ChannelStateDesc") == Some("Ringing")
                && m.get("Channel")
                    .is_some_and(|c| c.starts_with("PJSIP/101-"))
        })
        .expect("the recording has my phone ringing");
    if ringing > dial {
        let message = messages.remove(ringing);
        messages.insert(dial, message);
    }
    let mut mapper = CallMapper::new(Some("101"), "RU");
    let at = Utc::now();
    let events: Vec<CallEvent> = messages
        .iter()
        .filter_map(|message| mapper.handle(message, at))
        .collect();
    assert_eq!(
        states(&events),
        [CallState::Ringing, CallState::Answered, CallState::Ended]
    );
    assert!(
        events.iter().all(|e| e.direction == Direction::Out),
        "{events:#?}"
    );
}

#[test]
fn a_call_refused_for_dnd_makes_no_card_and_the_presence_change_is_seen() {
    assert!(play("dnd_busy.ami", Some("101")).is_empty());
    let changes: Vec<bool> = transcript("dnd_busy.ami")
        .iter()
        .filter_map(|m| dnd_change(m, "101"))
        .collect();
    assert_eq!(changes, [true, false]);
    assert!(transcript("dnd_busy.ami")
        .iter()
        .all(|m| dnd_change(m, "102").is_none()));
}

#[test]
fn calls_for_another_endpoint_are_not_mine() {
    for name in [
        "inbound_answered.ami",
        "inbound_missed.ami",
        "click_to_call.ami",
    ] {
        assert!(play(name, Some("102")).is_empty(), "{name}");
    }
    // Without a configured user, every extension's calls are shown.
    assert_eq!(play("inbound_answered.ami", None).len(), 3);
}

#[test]
fn after_a_reconnect_calls_asterisk_no_longer_has_are_ended() {
    let messages = transcript("inbound_answered.ami");
    let bridged = messages
        .iter()
        .position(|m| m.event() == Some("BridgeEnter"))
        .unwrap();
    let at = Utc::now();
    let mut mapper = CallMapper::new(Some("101"), "RU");
    let before: Vec<CallEvent> = messages[..=bridged]
        .iter()
        .filter_map(|m| mapper.handle(m, at))
        .collect();
    assert_eq!(states(&before), [CallState::Ringing, CallState::Answered]);
    let still_there: HashSet<String> = ["1796163133.9".to_owned()].into();
    assert!(mapper.resync(&still_there, at).is_empty());
    let after = mapper.resync(&HashSet::new(), at);
    assert_eq!(states(&after), [CallState::Ended]);
    assert_eq!(after[0].call_id, "1796163133.9");
    assert_eq!(mapper.calls_in_progress(), 0);
}

#[test]
fn channel_names_give_their_endpoint() {
    assert_eq!(endpoint_of("PJSIP/101-0000000a"), Some("101"));
    assert_eq!(endpoint_of("PJSIP/trunk-00000009"), Some("trunk"));
    assert_eq!(endpoint_of("SIP/office-7-0000002b"), Some("office-7"));
    assert_eq!(endpoint_of("Local/101@from-queue-00000001;1"), Some("101"));
    assert_eq!(endpoint_of("PJSIP/101"), Some("101"));
    assert_eq!(endpoint_of("garbage"), None);
}

/// A `Cdr` event with the fields Asterisk's cdr_manager documents.
fn cdr(
    disposition: &str,
    channel: &str,
    dest: &str,
    source: &str,
    destination: &str,
) -> AmiMessage {
    AmiMessage::new([
        ("Event", "Cdr"),
        ("AccountCode", ""),
        ("Source", source),
        ("Destination", destination),
        ("DestinationContext", "from-trunk"),
        ("CallerID", "\"Customer\" <0301111111>"),
        ("Channel", channel),
        ("DestinationChannel", dest),
        ("LastApplication", "Dial"),
        ("LastData", "PJSIP/101,15"),
        ("StartTime", "2024-05-01 12:00:00"),
        (
            "AnswerTime",
            if disposition == "ANSWERED" {
                "2024-05-01 12:00:05"
            } else {
                ""
            },
        ),
        ("EndTime", "2024-05-01 12:01:05"),
        ("Duration", "65"),
        (
            "BillableSeconds",
            if disposition == "ANSWERED" { "60" } else { "0" },
        ),
        ("Disposition", disposition),
        ("AMAFlags", "DOCUMENTATION"),
        ("UniqueID", "1714554000.17"),
        ("UserField", ""),
    ])
}

#[test]
fn a_cdr_event_becomes_a_history_record_in_utc() {
    let moscow = FixedOffset::east_opt(3 * 3600).unwrap();
    let answered = cdr(
        "ANSWERED",
        "PJSIP/trunk-00000001",
        "PJSIP/101-00000002",
        "0301111111",
        "100",
    );
    let record = call_record(&answered, Some("101"), "RU", moscow).unwrap();
    assert_eq!(record.call_id, "1714554000.17");
    assert_eq!(record.direction, Direction::In);
    assert_eq!(record.state, CallState::Ended);
    assert_eq!(
        record.customer,
        Some(PhoneNumber::parse("0301111111", "RU"))
    );
    assert_eq!(record.employee.as_deref(), Some("101"));
    assert_eq!(
        record.started_at,
        Utc.with_ymd_and_hms(2024, 5, 1, 9, 0, 0).unwrap()
    );
    assert_eq!(
        record.answered_at,
        Some(Utc.with_ymd_and_hms(2024, 5, 1, 9, 0, 5).unwrap())
    );
    assert_eq!(
        (record.duration_seconds, record.talk_seconds),
        (Some(65), Some(60))
    );

    let missed = cdr(
        "NO ANSWER",
        "PJSIP/trunk-00000001",
        "PJSIP/101-00000002",
        "0301111111",
        "100",
    );
    let record = call_record(&missed, Some("101"), "RU", moscow).unwrap();
    assert_eq!(
        (record.state, record.answered_at),
        (CallState::Missed, None)
    );

    let outgoing = cdr(
        "BUSY",
        "PJSIP/101-00000003",
        "PJSIP/trunk-00000004",
        "101",
        "0302222222",
    );
    let record = call_record(&outgoing, Some("101"), "RU", moscow).unwrap();
    assert_eq!(record.direction, Direction::Out);
    assert_eq!(record.state, CallState::Cancelled);
    assert_eq!(
        record.customer,
        Some(PhoneNumber::parse("0302222222", "RU"))
    );
}

#[test]
fn a_broken_cdr_event_says_what_is_wrong() {
    let utc = FixedOffset::east_opt(0).unwrap();
    let mut bad_time = cdr("ANSWERED", "PJSIP/trunk-1", "PJSIP/101-2", "1", "2");
    bad_time.push("StartTime", "ignored: the first one counts");
    let mut message = AmiMessage::new([
        ("Event", "Cdr"),
        ("UniqueID", "1"),
        ("StartTime", "yesterday"),
    ]);
    assert_eq!(
        call_record(&message, None, "RU", utc).unwrap_err(),
        CdrError::BadTime {
            field: "StartTime",
            value: "yesterday".into()
        }
    );
    message = AmiMessage::new([("Event", "Cdr"), ("StartTime", "2024-05-01 12:00:00")]);
    assert_eq!(
        call_record(&message, None, "RU", utc).unwrap_err(),
        CdrError::Missing("UniqueID")
    );
    assert_eq!(
        call_record(&AmiMessage::new([("Event", "Hangup")]), None, "RU", utc).unwrap_err(),
        CdrError::NotCdr
    );
    assert!(call_record(&bad_time, None, "RU", utc).is_ok());
}

#[test]
fn the_dialplan_look_up_answers_the_directory_name_in_plain_text() {
    let store = Store::open_in_memory("RU").unwrap();
    store
        .add_contact(&NewContact {
            name: "Смирнов \"Алексей\"".into(),
            company: Some("ООО Ветер".into()),
            phones: vec![PhoneNumber::parse("0301111111", "RU")],
            ..NewContact::default()
        })
        .unwrap();
    let token = Secret::new("s3cret");
    let reply = caller_name_reply(&store, &token, "?number=0301111111&token=s3cret");
    assert_eq!((reply.status, reply.content_type), (200, TEXT_CONTENT_TYPE));
    assert_eq!(
        reply.body, "Смирнов Алексей (ООО Ветер)",
        "quotes would break CALLERID(name)"
    );
    // Any spelling of the number finds it.
    assert_eq!(
        caller_name_reply(&store, &token, "number=%2B380301111111&token=s3cret").body,
        "Смирнов Алексей (ООО Ветер)"
    );
    let unknown = caller_name_reply(&store, &token, "number=0309999999&token=s3cret");
    assert_eq!((unknown.status, unknown.body.as_str()), (200, ""));
    assert_eq!(
        caller_name_reply(&store, &token, "number=0301111111&token=wrong").status,
        403
    );
    assert_eq!(
        caller_name_reply(&store, &token, "number=0301111111").status,
        403
    );
    assert_eq!(
        caller_name_reply(&store, &token, "token=s3cret").status,
        400
    );
    assert!(!caller_name_reply(&store, &token, "token=wrong")
        .body
        .contains("s3cret"));
}

#[test]
fn caller_id_names_are_one_safe_line() {
    assert_eq!(caller_id_safe("A\r\nB <x> \"q\""), "A B x q");
    assert_eq!(caller_id_safe(&"я".repeat(100)).chars().count(), 60);
}
