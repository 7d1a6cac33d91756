//! ARI events → call events, from event streams recorded against the real Asterisk 22 of
//! `tests/pbx-lab` (`tests/pbx-lab/ari_client.py`; see fixtures/asterisk/README.md), folded by
//! the same `CallMapper` as AMI: the same calls must come out.

use std::collections::HashSet;
use std::time::Duration;

use callpop_core::secrets::Secret;
use callpop_core::{AccountConfig, CallEvent, CallState, Direction, PhoneNumber};
use callpop_providers::asterisk::ari::parse_base_url;
use callpop_providers::asterisk::{
    AriClient, AriSettings, AriTranslator, AsteriskClient, AsteriskError, AsteriskInterface,
    CallMapper, DndStore,
};
use chrono::Utc;
use proptest::prelude::*;

fn fixture_lines(name: &str) -> Vec<String> {
    let path = format!(
        "{}/tests/fixtures/asterisk/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{path}: {e}"))
        .lines()
        .map(str::to_owned)
        .collect()
}

fn play(name: &str, me: Option<&str>) -> Vec<CallEvent> {
    let mut translator = AriTranslator::new();
    let mut mapper = CallMapper::new(me, "RU");
    let mut events = Vec::new();
    for line in fixture_lines(name) {
        for message in translator.translate(&line).unwrap() {
            events.extend(mapper.handle(&message, Utc::now()));
        }
    }
    assert_eq!(mapper.calls_in_progress(), 0, "every channel was destroyed");
    events
}

fn states(events: &[CallEvent]) -> Vec<CallState> {
    events.iter().map(|e| e.state).collect()
}

fn one_call_id(events: &[CallEvent]) -> &str {
    let ids: HashSet<&str> = events.iter().map(|e| e.call_id.as_str()).collect();
    assert_eq!(ids.len(), 1, "all legs make one call: {ids:?}");
    events[0].call_id.as_str()
}

#[test]
fn an_answered_inbound_call_over_ari_rings_is_answered_and_ends_as_one_call() {
    let events = play("ari_inbound_answered.jsonl", Some("101"));
    assert_eq!(
        states(&events),
        [CallState::Ringing, CallState::Answered, CallState::Ended]
    );
    assert_eq!(
        one_call_id(&events),
        "1796166063.4",
        "the caller's channel id, as AMI's Linkedid"
    );
    let ringing = &events[0];
    assert_eq!(ringing.direction, Direction::In);
    assert_eq!(
        ringing.customer,
        Some(PhoneNumber::parse("0301111111", "RU"))
    );
    assert_eq!(ringing.employee.as_deref(), Some("101"));
    assert_eq!(
        ringing.pbx_contact.as_ref().and_then(|c| c.name.as_deref()),
        Some("Customer 0301111111")
    );
    // The event times are ARI's `timestamp`s: the customer talked 2 s.
    let talk = events[2].at - events[1].at;
    assert!(
        (1500..4000).contains(&talk.num_milliseconds()),
        "talked {talk}"
    );
}

#[test]
fn a_call_nobody_answers_over_ari_is_missed_even_when_ringing_comes_before_the_dial() {
    // Recorded: `ChannelStateChange Ringing` of 101's channel arrives before the `Dial` to it.
    let events = play("ari_inbound_missed.jsonl", Some("101"));
    assert_eq!(states(&events), [CallState::Ringing, CallState::Missed]);
    one_call_id(&events);
    assert_eq!(
        events[0].customer,
        Some(PhoneNumber::parse("0304444444", "RU"))
    );
}

#[test]
fn a_caller_hanging_up_while_it_rings_over_ari_is_cancelled() {
    let events = play("ari_inbound_abandoned.jsonl", Some("101"));
    assert_eq!(states(&events), [CallState::Ringing, CallState::Cancelled]);
    one_call_id(&events);
}

#[test]
fn a_click_to_call_over_ari_is_one_outgoing_call_with_our_channel_id() {
    let events = play("ari_click_to_call.jsonl", Some("101"));
    assert_eq!(
        states(&events),
        [CallState::Ringing, CallState::Answered, CallState::Ended]
    );
    assert_eq!(
        one_call_id(&events),
        "callpop-c2c-1",
        "the channelId we gave"
    );
    for event in &events {
        assert_eq!(event.direction, Direction::Out);
        assert_eq!(event.customer, Some(PhoneNumber::parse("0302222222", "RU")));
    }
}

#[test]
fn another_extensions_calls_over_ari_make_no_card() {
    for name in [
        "ari_inbound_answered.jsonl",
        "ari_click_to_call.jsonl",
        "ari_inbound_missed.jsonl",
    ] {
        assert!(play(name, Some("102")).is_empty(), "{name}");
    }
}

#[test]
fn text_that_is_no_ari_event_is_a_clear_error_and_unknown_events_are_ignored() {
    let mut translator = AriTranslator::new();
    let error = translator.translate("not json").unwrap_err();
    assert!(error.to_string().contains("not the JSON"), "{error}");
    assert!(translator
        .translate(r#"{"type":"Dial","peer":"not an object"}"#)
        .is_err());
    assert!(translator
        .translate(r#"{"type":"SomethingNew","x":[1,2]}"#)
        .unwrap()
        .is_empty());
    assert!(translator.translate("{}").unwrap().is_empty());
}

#[test]
fn after_a_reconnect_calls_not_among_the_live_channels_are_closed() {
    let mut translator = AriTranslator::new();
    let mut mapper = CallMapper::new(Some("101"), "RU");
    let mut events = Vec::new();
    // Up to the answer, then the WebSocket drops and Asterisk restarts.
    for line in fixture_lines("ari_inbound_answered.jsonl") {
        let bridge = line.contains("\"ChannelEnteredBridge\"");
        for message in translator.translate(&line).unwrap() {
            events.extend(mapper.handle(&message, Utc::now()));
        }
        if bridge {
            break;
        }
    }
    assert_eq!(states(&events), [CallState::Ringing, CallState::Answered]);
    let live = translator.retain_live(&HashSet::new());
    let closed = mapper.resync(&live, Utc::now());
    assert_eq!(states(&closed), [CallState::Ended]);
    assert_eq!(closed[0].call_id, events[0].call_id);
}

#[test]
fn the_interface_and_the_dnd_store_come_from_the_config_and_a_typo_says_what_is_allowed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    let load = |account: &str| {
        let text = format!("[account]\nprovider = \"asterisk\"\ndomain = \"127.0.0.1\"\n{account}");
        std::fs::write(&path, text).unwrap();
        callpop_core::Config::load_from(&path)
    };
    let account = |config: callpop_core::Config| config.accounts().next().unwrap().clone();
    let unset = account(load("").unwrap());
    assert_eq!(
        unset.asterisk_interface.unwrap_or_default(),
        AsteriskInterface::Ami
    );
    assert_eq!(unset.dnd_via.unwrap_or_default(), DndStore::Presence);
    let set = account(load("asterisk_interface = \"ARI\"\ndnd_via = \"astdb\"\n").unwrap());
    assert_eq!(set.asterisk_interface, Some(AsteriskInterface::Ari));
    assert_eq!(set.dnd_via, Some(DndStore::AstDb));
    let error = load("asterisk_interface = \"sip\"\n").unwrap_err();
    assert!(error.to_string().contains("\"ami\" or \"ari\""), "{error}");
    let error = load("dnd_via = \"db\"\n").unwrap_err();
    assert!(error.to_string().contains("dnd_via"), "{error}");
}

#[test]
fn ari_base_urls_are_checked() {
    assert_eq!(
        parse_base_url("http://127.0.0.1:8088/ari/").unwrap(),
        "http://127.0.0.1:8088"
    );
    assert_eq!(
        parse_base_url("https://pbx.example").unwrap(),
        "https://pbx.example"
    );
    for bad in [
        "tcp://127.0.0.1:5038",
        "127.0.0.1:8088",
        "http://",
        "http://u:p@h",
    ] {
        assert!(
            matches!(parse_base_url(bad), Err(AsteriskError::BadAriUrl(_))),
            "{bad}"
        );
    }
}

fn ari_account(base_url: &str) -> AccountConfig {
    let mut config = AccountConfig::new("asterisk", "127.0.0.1");
    config.base_url = Some(base_url.to_owned());
    config.login = Some("ci".into());
    config.user = Some("101".into());
    config.asterisk_interface = Some(AsteriskInterface::Ari);
    config.timeout_ms = 2000;
    config
}

#[test]
fn only_ami_with_presence_dnd_announces_dnd_changes() {
    let key = Secret::new("s3cret-ari");
    let ami = {
        let mut config = ari_account("tcp://127.0.0.1:5038");
        config.asterisk_interface = None;
        config
    };
    assert!(AsteriskClient::from_account(&ami, &key)
        .unwrap()
        .dnd_changes()
        .is_some());
    let mut astdb = ami.clone();
    astdb.dnd_via = Some(DndStore::AstDb);
    assert!(AsteriskClient::from_account(&astdb, &key)
        .unwrap()
        .dnd_changes()
        .is_none());
    let ari = AsteriskClient::from_account(&ari_account("http://127.0.0.1:8088"), &key).unwrap();
    assert_eq!(ari.interface(), AsteriskInterface::Ari);
    assert!(ari.dnd_changes().is_none());
    assert!(!format!("{ari:?}").contains("s3cret-ari"));
}

#[tokio::test]
async fn dnd_over_ari_says_it_needs_ami_instead_of_guessing() {
    let client = AsteriskClient::from_account(
        &ari_account("http://127.0.0.1:8088"),
        &Secret::new("s3cret-ari"),
    )
    .unwrap();
    assert!(!client.offers_dnd());
    let error = client.set_dnd("101", true).await.unwrap_err();
    assert!(matches!(error, AsteriskError::NotOverAri(_)), "{error}");
    assert!(
        error.to_string().contains("asterisk_interface = \"ami\""),
        "{error}"
    );
    assert!(matches!(
        client.dnd("101").await,
        Err(AsteriskError::NotOverAri(_))
    ));
}

/// A stand-in for Asterisk's HTTP server answering every request with `status` and `body`.
async fn fake_ari(status: u16, body: &'static str, delay: Duration) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = axum::Router::new().fallback(move || async move {
        tokio::time::sleep(delay).await;
        (
            axum::http::StatusCode::from_u16(status).unwrap(),
            [("content-type", "application/json")],
            body,
        )
    });
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}")
}

fn ari_client(base_url: &str) -> AriClient {
    AriClient::new(
        AriSettings::from_account(&ari_account(base_url), &Secret::new("s3cret-ari")).unwrap(),
    )
    .unwrap()
}

#[tokio::test]
async fn ari_errors_are_distinct_and_never_show_the_password() {
    let rejected = ari_client(&fake_ari(401, "", Duration::ZERO).await)
        .check()
        .await
        .unwrap_err();
    assert!(
        matches!(rejected, AsteriskError::AriLoginRejected { .. }),
        "{rejected}"
    );

    let refused =
        ari_client(&fake_ari(400, r#"{"message":"Invalid endpoint"}"#, Duration::ZERO).await)
            .originate("999", "0302222222", "internal")
            .await
            .unwrap_err();
    match &refused {
        AsteriskError::AriStatus {
            status, message, ..
        } => {
            assert_eq!(*status, 400);
            assert_eq!(message, "Invalid endpoint");
        }
        other => panic!("{other}"),
    }

    let slow = ari_client(&fake_ari(200, "{}", Duration::from_secs(30)).await)
        .check()
        .await
        .unwrap_err();
    assert!(
        matches!(slow, AsteriskError::AriUnreachable { .. }),
        "{slow}"
    );
    assert!(slow.to_string().contains("within 2000 ms"), "{slow}");

    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        drop(listener);
        ari_client(&format!("http://{addr}"))
            .check()
            .await
            .unwrap_err()
    };
    assert!(
        matches!(closed, AsteriskError::AriUnreachable { .. }),
        "{closed}"
    );

    let garbage = ari_client(&fake_ari(200, "<html>", Duration::ZERO).await)
        .channel_ids()
        .await
        .unwrap_err();
    assert!(
        matches!(garbage, AsteriskError::Unexpected { .. }),
        "{garbage}"
    );

    for error in [rejected, refused, slow, closed, garbage] {
        assert!(!error.to_string().contains("s3cret-ari"), "{error}");
        assert!(!format!("{error:?}").contains("s3cret-ari"), "{error:?}");
    }
}

proptest! {
    #[test]
    fn the_ari_event_parser_never_panics(text in "\\PC{0,300}") {
        let _ = AriTranslator::new().translate(&text);
    }

    #[test]
    fn ari_events_in_any_order_or_mangled_never_panic(
        picks in proptest::collection::vec((0usize..245, 0usize..400, any::<bool>()), 0..120)
    ) {
        let lines: Vec<String> = [
            "ari_inbound_answered.jsonl",
            "ari_inbound_missed.jsonl",
            "ari_inbound_abandoned.jsonl",
            "ari_click_to_call.jsonl",
        ]
        .iter()
        .flat_map(|name| fixture_lines(name))
        .collect();
        let mut translator = AriTranslator::new();
        let mut mapper = CallMapper::new(None, "RU");
        for (index, cut, mangle) in picks {
            let line = &lines[index % lines.len()];
            let text = if mangle {
                let cut = line.char_indices().map(|(i, _)| i).nth(cut).unwrap_or(line.len());
                &line[..cut]
            } else {
                line.as_str()
            };
            if let Ok(messages) = translator.translate(text) {
                for message in messages {
                    let _ = mapper.handle(&message, Utc::now());
                }
            }
        }
    }
}
