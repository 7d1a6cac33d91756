//! The MCN Telecom client and missed-call poller against the simulator: the article's vpbx
//! list and `call_log`, the public-usage recordings and `outbound_call`, and every failure.

use callpop_providers::transport::TransportError;
use std::time::Duration;

use callpop_core::secrets::Secret;
use callpop_core::{AccountConfig, CallState, Direction, PhoneNumber};
use callpop_providers::mcn::{
    parse_call_log, CallStatus, McnClient, McnError, McnSettings, MissedCallsPoller, Recording,
};
use callpop_providers::{Account, ProviderError};
use callpop_sim::mcn::{self, Fault, McnSimConfig, McnSimHandle, SimCall};
use chrono::{NaiveDate, TimeZone, Utc};
use serde_json::json;

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 5, d).unwrap()
}

fn log() -> Vec<SimCall> {
    vec![
        SimCall::inbound(
            "1001",
            "2024-05-01 12:00:00",
            "74951234567",
            "101",
            "ANSWERED",
        ),
        SimCall::inbound(
            "1002",
            "2024-05-01 12:10:00",
            "79101234567",
            "101",
            "NO ANSWER",
        ),
        SimCall::inbound("1003", "2024-05-02 09:00:00", "79101234567", "102", "LOST"),
        SimCall {
            kind: "Out".into(),
            src_num: "101".into(),
            src_type: "Phone".into(),
            dst_num: "74957776655".into(),
            dst_type: "PSNT".into(),
            ..SimCall::inbound("1004", "2024-05-03 10:00:00", "", "", "BUSY")
        },
    ]
}

async fn sim() -> McnSimHandle {
    mcn::start(
        "127.0.0.1:0",
        McnSimConfig {
            calls: log(),
            ..McnSimConfig::default()
        },
    )
    .await
    .unwrap()
}

fn client(sim: &McnSimHandle, token: &str, timeout: Duration) -> McnClient {
    McnClient::new(
        McnSettings {
            base_url: sim.base_url(),
            account_id: "12345".into(),
            vpbx_id: None,
            timeout,
        },
        token.into(),
    )
    .unwrap()
}

fn good(sim: &McnSimHandle) -> McnClient {
    client(sim, "mcn-test-token", Duration::from_secs(5))
}

#[tokio::test]
async fn the_vpbx_is_picked_from_the_list() {
    let sim = sim().await;
    let pbx = good(&sim);
    let list = pbx.vpbx_list().await.unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].vpbx_id, "678");
    assert_eq!(pbx.vpbx_id().await.unwrap(), "678");
}

#[tokio::test]
async fn call_log_reads_the_days_asked_with_types_and_statuses() {
    let sim = sim().await;
    let calls = good(&sim).call_log(day(1), day(2)).await.unwrap();
    let ids: Vec<&str> = calls.iter().map(|c| c.callid.as_str()).collect();
    assert_eq!(ids, ["1001", "1002", "1003"]);
    assert_eq!(calls[1].status, CallStatus::NoAnswer);
    assert_eq!(calls[2].status, CallStatus::Lost);
    assert!(calls[0].has_record);
    // Moscow time: 12:00 MSK is 09:00 UTC.
    assert_eq!(
        calls[0].date,
        Utc.with_ymd_and_hms(2024, 5, 1, 9, 0, 0).single()
    );
    let error = good(&sim).call_log(day(3), day(1)).await.unwrap_err();
    assert!(matches!(error, McnError::InvalidInput(_)), "{error}");
}

#[tokio::test]
async fn history_maps_statuses_and_keeps_the_period() {
    let sim = sim().await;
    let since = Utc.with_ymd_and_hms(2024, 5, 1, 0, 0, 0).unwrap();
    let until = Utc.with_ymd_and_hms(2024, 5, 4, 0, 0, 0).unwrap();
    let records = good(&sim).history(since, until, false, "RU").await.unwrap();
    let states: Vec<CallState> = records.iter().map(|r| r.state).collect();
    assert_eq!(
        states,
        [
            CallState::Ended,
            CallState::Missed,
            CallState::Missed,
            CallState::Cancelled
        ]
    );
    assert_eq!(records[0].answered_by.as_deref(), Some("101"));
    assert_eq!(records[3].direction, Direction::Out);
    assert_eq!(
        records[3].customer,
        Some(PhoneNumber::parse("+74957776655", "RU"))
    );
    let missed = good(&sim).history(since, until, true, "RU").await.unwrap();
    assert_eq!(missed.len(), 2);
}

#[tokio::test]
async fn recordings_come_as_audio_or_a_clear_not_found() {
    let sim = sim().await;
    let pbx = good(&sim);
    match pbx.record("1001").await.unwrap() {
        Recording::Audio {
            content_type,
            bytes,
        } => {
            assert_eq!(content_type, "audio/mpeg");
            assert!(bytes.starts_with(b"ID3"));
        }
        other => panic!("{other:?}"),
    }
    for id in ["1002", "9999"] {
        let error = pbx.record(id).await.unwrap_err();
        assert!(matches!(error, McnError::NotFound { .. }), "{error}");
    }
}

#[tokio::test]
async fn outbound_call_rings_the_extension_then_the_number() {
    let sim = sim().await;
    let call = good(&sim)
        .outbound_call("101", &PhoneNumber::parse("+7 495 123-45-67", "RU"), 20, 40)
        .await
        .unwrap();
    let placed = sim.placed();
    assert_eq!(placed.len(), 1);
    assert_eq!(
        (placed[0].from.as_str(), placed[0].to.as_str()),
        ("101", "74951234567")
    );
    assert_eq!((placed[0].timeout_from, placed[0].timeout_to), (20, 40));
    assert_eq!(call.call_id.as_deref(), Some(placed[0].call_id.as_str()));
    assert!(!call.recovered);
    let error = good(&sim)
        .outbound_call("999", &PhoneNumber::parse("74951234567", "RU"), 20, 40)
        .await
        .unwrap_err();
    assert!(
        matches!(error, McnError::Refused { status: 400, .. }),
        "{error}"
    );
}

#[tokio::test]
async fn a_retry_after_a_partly_failed_outbound_call_is_a_success_with_its_data() {
    let sim = sim().await;
    let pbx = good(&sim);
    let number = PhoneNumber::parse("74951234567", "RU");
    sim.inject(Fault::PartialOutbound);
    let first = pbx.outbound_call("101", &number, 30, 60).await.unwrap_err();
    assert!(
        matches!(first, McnError::Server { status: 504, .. }),
        "{first}"
    );
    let retry = pbx.outbound_call("101", &number, 30, 60).await.unwrap();
    assert!(retry.recovered);
    assert_eq!(
        retry.call_id.as_deref(),
        Some(sim.placed()[0].call_id.as_str())
    );
    // Placed once, not twice.
    assert_eq!(sim.placed().len(), 1);
}

#[tokio::test]
async fn wrong_token_account_or_vpbx_are_told_apart() {
    let sim = sim().await;
    let error = client(&sim, "bad-token-xyz", Duration::from_secs(5))
        .vpbx_list()
        .await
        .unwrap_err();
    assert!(
        matches!(error, McnError::Unauthorized { status: 401, .. }),
        "{error}"
    );
    assert!(!error.to_string().contains("bad-token-xyz"));
    let other_account = McnClient::new(
        McnSettings {
            base_url: sim.base_url(),
            account_id: "999".into(),
            vpbx_id: None,
            timeout: Duration::from_secs(5),
        },
        "mcn-test-token".into(),
    )
    .unwrap();
    assert!(matches!(
        other_account.vpbx_id().await.unwrap_err(),
        McnError::NotFound { .. }
    ));
    let other_vpbx = McnClient::new(
        McnSettings {
            base_url: sim.base_url(),
            account_id: "12345".into(),
            vpbx_id: Some("1".into()),
            timeout: Duration::from_secs(5),
        },
        "mcn-test-token".into(),
    )
    .unwrap();
    assert!(matches!(
        other_vpbx.call_log(day(1), day(1)).await.unwrap_err(),
        McnError::NotFound { .. }
    ));
    let empty = mcn::start(
        "127.0.0.1:0",
        McnSimConfig {
            vpbxes: Vec::new(),
            ..McnSimConfig::default()
        },
    )
    .await
    .unwrap();
    assert!(matches!(
        good(&empty).vpbx_id().await.unwrap_err(),
        McnError::NoVpbx { .. }
    ));
}

#[tokio::test]
async fn server_errors_garbage_and_hangs_are_told_apart() {
    let sim = sim().await;
    let pbx = client(&sim, "mcn-test-token", Duration::from_millis(300));
    pbx.vpbx_id().await.unwrap();
    sim.inject(Fault::ServerError);
    assert!(matches!(
        pbx.call_log(day(1), day(1)).await.unwrap_err(),
        McnError::Server { status: 500, .. }
    ));
    sim.inject(Fault::NotJson);
    assert!(matches!(
        pbx.call_log(day(1), day(1)).await.unwrap_err(),
        McnError::NotJson { .. }
    ));
    sim.inject(Fault::Hang(Duration::from_secs(5)));
    assert!(matches!(
        pbx.call_log(day(1), day(1)).await.unwrap_err(),
        McnError::Transport(TransportError::Timeout { .. })
    ));
    assert_eq!(pbx.call_log(day(1), day(1)).await.unwrap().len(), 2);
}

#[test]
fn bad_settings_are_refused() {
    for (url, account, token) in [
        ("nope", "1", "t"),
        ("http://x", "1/../2", "t"),
        ("http://x", "", "t"),
        ("http://x", "1", ""),
    ] {
        let result = McnClient::new(
            McnSettings {
                base_url: url.into(),
                account_id: account.into(),
                vpbx_id: None,
                timeout: Duration::from_secs(1),
            },
            token.into(),
        );
        assert!(
            matches!(result, Err(McnError::InvalidSettings(_))),
            "{url} {account}"
        );
    }
}

/// The article's field list with string numbers, `null` dst_name, the spec's `PSNT`.
#[test]
fn the_article_fields_parse_in_every_envelope() {
    let record = json!({
        "callid": "77", "date": "2023-09-19 09:11:00", "type": "Int", "src_num": "101",
        "src_name": "Иван", "src_type": "Phone", "dst_num": "102", "dst_name": null,
        "dst_type": "phone", "did": "74950000000", "waittime": "3", "talktime": "40",
        "billsec": "40", "status": "ANSWERED", "has_record": "0"
    });
    for value in [
        json!([record]),
        json!({"data": [record]}),
        json!({"result": [record]}),
    ] {
        let calls = parse_call_log(&value).unwrap();
        assert_eq!(calls.len(), 1);
        assert_eq!(calls[0].dst_name, None);
        let r = calls[0].call_record("RU").unwrap();
        assert_eq!(r.direction, Direction::Internal);
        assert_eq!(r.talk_seconds, Some(40));
        assert_eq!(r.recording, None);
    }
    assert!(parse_call_log(&json!({"x": 1})).is_err());
}

#[tokio::test]
async fn the_poller_raises_each_new_missed_call_once() {
    let sim = mcn::start("127.0.0.1:0", McnSimConfig::default())
        .await
        .unwrap();
    let now = Utc::now();
    let msk = (now + chrono::Duration::hours(3))
        .format("%Y-%m-%d %H:%M:%S")
        .to_string();
    sim.add_call(SimCall::inbound("old", &msk, "79101234567", "101", "LOST"));
    let mut poller = MissedCallsPoller::new(good(&sim), Duration::from_secs(5), "RU");
    assert!(
        poller.poll_once(now).await.unwrap().is_empty(),
        "the first poll only notes"
    );
    sim.add_call(SimCall::inbound(
        "new",
        &msk,
        "79261234567",
        "102",
        "NO ANSWER",
    ));
    sim.add_call(SimCall::inbound(
        "ok",
        &msk,
        "79261234567",
        "102",
        "ANSWERED",
    ));
    let events = poller.poll_once(now).await.unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].call_id, "new");
    assert_eq!(events[0].state, CallState::Missed);
    assert_eq!(events[0].employee.as_deref(), Some("102"));
    assert!(
        poller.poll_once(now).await.unwrap().is_empty(),
        "no duplicate"
    );
    // A failed poll loses nothing.
    sim.add_call(SimCall::inbound(
        "later",
        &msk,
        "79261234567",
        "101",
        "BUSY",
    ));
    sim.inject(Fault::ServerError);
    assert!(poller.poll_once(now).await.is_err());
    assert_eq!(poller.poll_once(now).await.unwrap().len(), 1);
}

#[tokio::test]
async fn the_account_polls_calls_and_reads_history() {
    let sim = mcn::start("127.0.0.1:0", McnSimConfig::default())
        .await
        .unwrap();
    let mut config = AccountConfig::new("mcn", "12345");
    config.base_url = Some(sim.base_url());
    config.user = Some("101".into());
    config.poll_interval_ms = 10;
    let (tx, mut rx) = tokio::sync::mpsc::channel(8);
    let shutdown = tokio_util::sync::CancellationToken::new();
    let wrong = Account::start(
        &config,
        &Secret::new("nope"),
        "RU",
        tx.clone(),
        shutdown.clone(),
    )
    .await;
    assert!(matches!(
        wrong.as_ref().err().and_then(ProviderError::pbx),
        Some(McnError::Unauthorized { .. })
    ));
    let account = Account::start(
        &config,
        &Secret::new("mcn-test-token"),
        "RU",
        tx,
        shutdown.clone(),
    )
    .await
    .unwrap();
    let id = account
        .make_call(&PhoneNumber::parse("89101234567", "RU"))
        .await
        .unwrap();
    assert_eq!(sim.placed()[0].call_id, id);
    assert_eq!(sim.placed()[0].to, "79101234567");
    // The poller (MIN_INTERVAL 5 s) raises a missed call that lands after its first poll.
    let msk = (Utc::now() + chrono::Duration::hours(3))
        .format("%Y-%m-%d %H:%M:%S")
        .to_string();
    // The wrong-key try, the vpbx list, outbound_call and the first call_log: after those the
    // poller has its baseline.
    while sim.requests() < 4 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    sim.add_call(SimCall::inbound(
        "m1",
        &msk,
        "79101234567",
        "101",
        "NO ANSWER",
    ));
    let event = rx.recv().await.unwrap();
    assert_eq!(event.call_id, "m1");
    shutdown.cancel();
    assert!(matches!(
        account.employees().await,
        Err(ProviderError::Unsupported { .. })
    ));
}
