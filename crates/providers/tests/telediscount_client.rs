//! The Telediscount client against the simulator: `outcome`, `get_calls` with every filter,
//! `get_record`, and every way a request fails.

use callpop_providers::transport::TransportError;
use std::time::Duration;

use callpop_core::secrets::Secret;
use callpop_core::{AccountConfig, CallState, Direction, PhoneNumber};
use callpop_providers::telediscount::{
    parse_calls, CallFilter, Recording, TelediscountClient, TelediscountError, TelediscountSettings,
};
use callpop_providers::{Account, ProviderError};
use callpop_sim::telediscount::{
    self, Fault, SimCall, TelediscountSimConfig, TelediscountSimHandle, EXAMPLE_KEY,
};
use chrono::{TimeZone, Utc};
use serde_json::json;

/// 2024-05-01 09:00:00 UTC.
const MAY_1: i64 = 1_714_554_000;

fn history() -> Vec<SimCall> {
    let mut out = SimCall::incoming(
        "c1f926a8f5727b77f9cbf39d8f35d061",
        MAY_1,
        "79039998877",
        "SIP/0000000672",
        12,
    );
    out.num_m = "79037778899".into();
    let missed = SimCall::incoming(
        "d33b255e7131aa8a3e9acb44e95a87cb",
        MAY_1 + 600,
        "79101234567",
        "",
        0,
    );
    let mut outgoing = SimCall::incoming(
        "00000000000000000000000000000003",
        MAY_1 + 1200,
        "SIP/0000000673",
        "74951234567",
        30,
    );
    outgoing.service_name = "sip_outcome".into();
    outgoing.num_m = String::new();
    vec![out, missed, outgoing]
}

async fn sim() -> TelediscountSimHandle {
    telediscount::start(
        "127.0.0.1:0",
        TelediscountSimConfig {
            calls: history(),
            ..TelediscountSimConfig::default()
        },
    )
    .await
    .unwrap()
}

fn client(sim: &TelediscountSimHandle, key: &str, timeout: Duration) -> TelediscountClient {
    TelediscountClient::new(
        TelediscountSettings {
            base_url: sim.base_url(),
            timeout,
        },
        key.into(),
    )
    .unwrap()
}

fn good(sim: &TelediscountSimHandle) -> TelediscountClient {
    client(sim, EXAMPLE_KEY, Duration::from_secs(5))
}

#[tokio::test]
async fn outcome_calls_from_my_sip_account_in_the_universal_format() {
    let sim = sim().await;
    let answer = good(&sim)
        .outcome(
            "SIP/0000000672",
            &PhoneNumber::parse("+7 (495) 123-45-67", "RU"),
        )
        .await
        .unwrap();
    let made = sim.outcomes();
    assert_eq!(made.len(), 1);
    assert_eq!(made[0].num_a, "SIP/0000000672");
    assert_eq!(made[0].num_b, "74951234567");
    assert_eq!(
        answer.call_id.as_deref(),
        Some(made[0].api_call_id.as_str())
    );
}

#[tokio::test]
async fn outcome_refuses_what_is_not_a_sip_account_or_a_number() {
    let sim = sim().await;
    let pbx = good(&sim);
    let number = PhoneNumber::parse("74951234567", "RU");
    let error = pbx.outcome("101", &number).await.unwrap_err();
    assert!(
        matches!(error, TelediscountError::InvalidInput(_)),
        "{error}"
    );
    let error = pbx
        .outcome("SIP/0000000672", &PhoneNumber::parse("101", "RU"))
        .await
        .unwrap_err();
    assert!(
        matches!(error, TelediscountError::InvalidInput(_)),
        "{error}"
    );
    // A SIP account the abonent does not have: the simulator's 400.
    let error = pbx.outcome("SIP/0000009999", &number).await.unwrap_err();
    assert!(
        matches!(error, TelediscountError::Refused { .. }),
        "{error}"
    );
    assert!(sim.outcomes().is_empty());
}

#[tokio::test]
async fn get_calls_filters_by_each_field() {
    let sim = sim().await;
    let pbx = good(&sim);
    assert_eq!(
        pbx.get_calls(&CallFilter::default()).await.unwrap().len(),
        3
    );
    let by_id = pbx
        .get_calls(&CallFilter {
            api_call_id: Some("d33b255e7131aa8a3e9acb44e95a87cb".into()),
            ..CallFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(by_id.len(), 1);
    assert_eq!(by_id[0].num_a.as_deref(), Some("79101234567"));
    for filter in [
        CallFilter {
            num_a: Some("79039998877".into()),
            ..CallFilter::default()
        },
        CallFilter {
            num_b: Some("SIP/0000000672".into()),
            ..CallFilter::default()
        },
    ] {
        let calls = pbx.get_calls(&filter).await.unwrap();
        assert_eq!(calls.len(), 1, "{filter:?}");
        assert_eq!(calls[0].api_call_id, "c1f926a8f5727b77f9cbf39d8f35d061");
    }
    let by_m = pbx
        .get_calls(&CallFilter {
            num_m: Some("79037778899".into()),
            ..CallFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(by_m.len(), 2);
}

#[tokio::test]
async fn get_calls_become_history_with_direction_state_and_who_answered() {
    let sim = sim().await;
    let since = Utc.timestamp_opt(MAY_1 - 1, 0).unwrap();
    let until = Utc.timestamp_opt(MAY_1 + 3600, 0).unwrap();
    let records = good(&sim).history(since, until, false, "RU").await.unwrap();
    assert_eq!(records.len(), 3);
    let answered = &records[0];
    assert_eq!(answered.state, CallState::Ended);
    assert_eq!(answered.direction, Direction::In);
    assert_eq!(
        answered.customer,
        Some(PhoneNumber::parse("+79039998877", "RU"))
    );
    assert_eq!(answered.answered_by.as_deref(), Some("SIP/0000000672"));
    assert_eq!(answered.talk_seconds, Some(12));
    assert_eq!(
        answered.recording.as_deref(),
        Some("c1f926a8f5727b77f9cbf39d8f35d061.mp3")
    );
    assert_eq!(records[1].state, CallState::Missed);
    assert_eq!(records[2].direction, Direction::Out);
    assert_eq!(records[2].employee.as_deref(), Some("SIP/0000000673"));
    let missed = good(&sim).history(since, until, true, "RU").await.unwrap();
    assert_eq!(missed.len(), 1);
}

#[tokio::test]
async fn get_record_returns_the_audio_or_says_which_call_is_unknown() {
    let sim = sim().await;
    let pbx = good(&sim);
    match pbx
        .get_record("c1f926a8f5727b77f9cbf39d8f35d061")
        .await
        .unwrap()
    {
        Recording::Audio {
            content_type,
            bytes,
        } => {
            assert_eq!(content_type, "audio/mpeg");
            assert!(bytes.starts_with(b"ID3"));
        }
        other => panic!("expected audio, got {other:?}"),
    }
    for id in [
        "d33b255e7131aa8a3e9acb44e95a87cb",
        "ffffffffffffffffffffffffffffffff",
    ] {
        let error = pbx.get_record(id).await.unwrap_err();
        assert!(
            matches!(error, TelediscountError::NotFound { .. }),
            "{error}"
        );
    }
}

#[tokio::test]
async fn a_wrong_key_is_unauthorized_and_never_shown() {
    let sim = sim().await;
    let pbx = client(&sim, "wrong-key-123", Duration::from_secs(5));
    let error = pbx.get_calls(&CallFilter::default()).await.unwrap_err();
    assert!(
        matches!(error, TelediscountError::Unauthorized { .. }),
        "{error}"
    );
    assert!(!error.to_string().contains("wrong-key-123"));
    assert!(!format!("{pbx:?}").contains("wrong-key-123"));
}

#[tokio::test]
async fn server_errors_garbage_and_hangs_are_told_apart() {
    let sim = sim().await;
    let pbx = client(&sim, EXAMPLE_KEY, Duration::from_millis(300));
    sim.inject(Fault::ServerError);
    let error = pbx.get_calls(&CallFilter::default()).await.unwrap_err();
    assert!(
        matches!(error, TelediscountError::Server { status: 500, .. }),
        "{error}"
    );
    sim.inject(Fault::NotJson);
    let error = pbx.get_calls(&CallFilter::default()).await.unwrap_err();
    assert!(
        matches!(error, TelediscountError::NotJson { .. }),
        "{error}"
    );
    sim.inject(Fault::Hang(Duration::from_secs(5)));
    let error = pbx.get_calls(&CallFilter::default()).await.unwrap_err();
    assert!(
        matches!(
            error,
            TelediscountError::Transport(TransportError::Timeout { .. })
        ),
        "{error}"
    );
    assert!(!error.to_string().contains(EXAMPLE_KEY));
    // And it works again afterwards.
    assert_eq!(
        pbx.get_calls(&CallFilter::default()).await.unwrap().len(),
        3
    );
}

#[tokio::test]
async fn nothing_listening_is_a_network_error() {
    let pbx = TelediscountClient::new(
        TelediscountSettings {
            base_url: "http://127.0.0.1:9".into(),
            timeout: Duration::from_secs(2),
        },
        EXAMPLE_KEY.into(),
    )
    .unwrap();
    let error = pbx.get_calls(&CallFilter::default()).await.unwrap_err();
    assert!(
        matches!(
            error,
            TelediscountError::Transport(TransportError::Network { .. })
                | TelediscountError::Transport(TransportError::Timeout { .. })
        ),
        "{error}"
    );
    assert!(!error.to_string().contains(EXAMPLE_KEY));
}

#[test]
fn bad_settings_are_refused() {
    for (url, key) in [
        ("not a url", "k"),
        ("ftp://x", "k"),
        ("http://127.0.0.1", " "),
    ] {
        let result = TelediscountClient::new(
            TelediscountSettings {
                base_url: url.into(),
                timeout: Duration::from_secs(1),
            },
            key.into(),
        );
        assert!(
            matches!(result, Err(TelediscountError::InvalidSettings(_))),
            "{url}"
        );
    }
}

/// The spec's `get_calls` fields in PHP-ish string form, and its `api_key` example's id.
#[test]
fn the_spec_record_with_string_numbers_parses() {
    let value = json!([{
        "abonent_id": "1609", "setup_time": "1714554000", "service_name": "sip_internal",
        "num_a": "SIP/0000000672", "code_name_num_a": "", "num_m": "", "num_b": "SIP/0000000673",
        "code_name_num_b": "", "num_a_connection_time": "20", "num_b_connection_time": "15",
        "connection_time": "15", "num_a_waiting_time": "5", "num_b_waiting_time": "5",
        "recorder_file": "", "price": "0.00", "api_call_id": "c1f926a8f5727b77f9cbf39d8f35d061"
    }]);
    let calls = parse_calls(&value).unwrap();
    let record = calls[0].call_record("RU").unwrap();
    assert_eq!(record.direction, Direction::Internal);
    assert_eq!(record.duration_seconds, Some(20));
    assert_eq!(record.recording, None);
}

#[tokio::test]
async fn the_account_checks_the_key_calls_and_reads_history() {
    let sim = sim().await;
    let mut config = AccountConfig::new("telediscount", "my.telediscount.ru");
    config.base_url = Some(sim.base_url());
    config.user = Some("SIP/0000000672".into());
    let (tx, _rx) = tokio::sync::mpsc::channel(8);
    let shutdown = tokio_util::sync::CancellationToken::new();
    let wrong = Account::start(
        &config,
        &Secret::new("nope-nope"),
        "RU",
        tx.clone(),
        shutdown.clone(),
    )
    .await;
    assert!(matches!(
        wrong.as_ref().err().and_then(ProviderError::pbx),
        Some(TelediscountError::Unauthorized { .. })
    ));
    let account = Account::start(&config, &Secret::new(EXAMPLE_KEY), "RU", tx, shutdown)
        .await
        .unwrap();
    let id = account
        .make_call(&PhoneNumber::parse("84951234567", "RU"))
        .await
        .unwrap();
    assert_eq!(sim.outcomes()[0].api_call_id, id);
    assert_eq!(sim.outcomes()[0].num_b, "74951234567");
    let all = account
        .history(
            Utc.timestamp_opt(MAY_1 - 1, 0).unwrap(),
            Utc.timestamp_opt(MAY_1 + 3600, 0).unwrap(),
            false,
        )
        .await
        .unwrap();
    assert_eq!(all.len(), 3);
    assert!(matches!(
        account.employees().await,
        Err(ProviderError::Unsupported { .. })
    ));
    assert!(matches!(
        account.hangup("x").await,
        Err(ProviderError::Unsupported { .. })
    ));
}
