//! The Vega client's REST calls beyond polling, against the simulator over real HTTP on
//! 127.0.0.1: single-flight re-authorization, the wire-form fallback, hangup, the history with
//! paging, users and recordings.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use callpop_core::{AccountConfig, CallState, Direction};
use callpop_providers::vega::{Directions, VegaError};
use callpop_providers::{Account, ProviderError};
use callpop_sim::vega::{Fault, FinishedCall, Scenario, VegaSimConfig, WireForms};
use chrono::{DateTime, TimeZone, Utc};

mod common;

use common::{client, start, DOMAIN, KEY};

fn sim_config() -> VegaSimConfig {
    let mut config = VegaSimConfig::new(DOMAIN, KEY);
    config.hangup_linger = Some(Duration::from_millis(100));
    config
}

/// 2024-05-01T09:00:00Z.
fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 5, 1, 9, 0, 0).unwrap()
}

fn at(secs: i64) -> DateTime<Utc> {
    t0() + chrono::Duration::seconds(secs)
}

/// A finished call ending `secs` after [`t0`]: incoming to 001, answered when `disposition` is 0.
fn finished(uuid: &str, secs: i64, disposition: u8) -> FinishedCall {
    FinishedCall {
        uuid: uuid.to_owned(),
        parent_uuid: None,
        end_at_ms: at(secs).timestamp_millis() as u64,
        lg_direction: 4,
        customer: Some("+380442246595".to_owned()),
        customer_name: Some("Telecom company".to_owned()),
        employee: "001".to_owned(),
        employee2: None,
        bill_secs: if disposition == 0 { 30 } else { 0 },
        duration_secs: 40,
        disposition,
        transfer_history: (disposition == 0).then(|| "001".to_owned()),
        recorded: disposition == 0,
        trunk: Some("+380442246595".to_owned()),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_requests_failing_together_on_an_expired_session_authorize_once() {
    let sim = start(sim_config()).await;
    let client = client(&sim);
    client.authorize().await.unwrap();
    sim.expire_sessions();
    let mut requests = tokio::task::JoinSet::new();
    for i in 0..20 {
        let client = client.clone();
        requests.spawn(async move {
            if i % 2 == 0 {
                client.active_calls().await.map(drop)
            } else {
                client.users().await.map(drop)
            }
        });
    }
    while let Some(result) = requests.join_next().await {
        result.unwrap().unwrap();
    }
    let stats = sim.stats();
    assert_eq!(
        stats.authorizations, 2,
        "the first login and exactly one renewal: {stats:?}"
    );
    assert!(stats.forbidden >= 1, "{stats:?}");
}

#[tokio::test]
async fn history_pages_across_three_pages_while_the_session_expires_in_the_middle() {
    let sim = start(sim_config()).await;
    let seeded: Vec<FinishedCall> = (0..120)
        .map(|i| finished(&format!("call-{i:03}"), i, (i % 3) as u8))
        .collect();
    sim.add_history(seeded).unwrap();
    // The second page's first attempt finds the session gone.
    sim.inject_history_faults(Fault::SessionExpired, 1, 1);
    let client = client(&sim);

    let calls = client.company_calls(at(-1), at(200), None).await.unwrap();

    let got: Vec<&str> = calls.iter().map(|c| c.uuid.as_str()).collect();
    let expected: Vec<String> = (0..120).map(|i| format!("call-{i:03}")).collect();
    assert_eq!(got, expected, "every record once, in order");
    let stats = sim.stats();
    assert_eq!(
        stats.history_requests, 4,
        "pages of 50, 50, 20 and one refused: {stats:?}"
    );
    assert_eq!(stats.authorizations, 2, "{stats:?}");
}

#[tokio::test]
async fn a_history_of_exactly_two_full_pages_asks_once_more_and_stops_at_the_empty_page() {
    let sim = start(sim_config()).await;
    sim.add_history((0..100).map(|i| finished(&format!("c{i}"), i, 0)).collect())
        .unwrap();
    let calls = client(&sim)
        .company_calls(at(0), at(100), None)
        .await
        .unwrap();
    assert_eq!(calls.len(), 100);
    assert_eq!(sim.stats().history_requests, 3);
}

#[tokio::test]
async fn the_period_is_sent_in_milliseconds_and_filters_records() {
    let sim = start(sim_config()).await;
    sim.add_history(vec![
        finished("early", 0, 0),
        finished("middle", 10, 0),
        finished("late", 20, 0),
    ])
    .unwrap();
    let calls = client(&sim)
        .company_calls(at(5), at(15), Some(Directions::INCOMING))
        .await
        .unwrap();
    let got: Vec<&str> = calls.iter().map(|c| c.uuid.as_str()).collect();
    assert_eq!(got, ["middle"]);
    let outgoing = client(&sim)
        .company_calls(at(0), at(30), Some(Directions::OUTGOING))
        .await
        .unwrap();
    assert!(outgoing.is_empty());
    assert_eq!(sim.stats().query_form_requests, 2);
}

#[tokio::test]
async fn bad_parameters_are_vega_s_400_with_its_reason_and_do_not_switch_the_form() {
    let sim = start(sim_config()).await;
    let client = client(&sim);
    // company.api takes directions 1, 2 and 4 only (vega.md B.5); the server is the judge.
    let error = client
        .company_calls(at(0), at(10), Some(Directions::HOLD))
        .await
        .unwrap_err();
    match &error {
        VegaError::Http { status, body, .. } => {
            assert_eq!(*status, 400);
            assert!(body.contains("directions"), "{body}");
        }
        other => panic!("expected HTTP 400, got {other:?}"),
    }
    let message = error.to_string();
    assert!(message.contains("HTTP 400"), "{message}");
    assert!(message.contains("company.api"), "{message}");
    assert!(!client.uses_post_json_form());
    // Refused in both forms: the next request uses the spec's form again.
    client.users().await.unwrap();
    let stats = sim.stats();
    assert_eq!(
        (stats.query_form_requests, stats.json_form_requests),
        (2, 1)
    );
}

#[tokio::test]
async fn a_period_that_ends_before_it_starts_is_refused_unsent() {
    let sim = start(sim_config()).await;
    let error = client(&sim).missed_calls(at(10), at(0)).await.unwrap_err();
    assert!(
        matches!(&error, VegaError::InvalidInput(m) if m.contains("after it ends")),
        "{error:?}"
    );
    assert_eq!(sim.stats().history_requests, 0);
}

#[tokio::test]
async fn server_errors_and_garbage_in_the_history_are_reported_as_such() {
    let sim = start(sim_config()).await;
    sim.add_history(vec![finished("a", 1, 0)]).unwrap();
    let client = client(&sim);
    sim.inject_history_faults(Fault::ServerError, 0, 1);
    match client.company_calls(at(0), at(10), None).await {
        Err(VegaError::Http { status: 500, .. }) => {}
        other => panic!("expected HTTP 500, got {other:?}"),
    }
    sim.inject_history_faults(Fault::Garbage, 0, 1);
    match client.users_calls(at(0), at(10), None).await {
        Err(VegaError::NotJson { endpoint, .. }) => assert!(endpoint.contains("users.api")),
        other => panic!("expected NotJson, got {other:?}"),
    }
    // The faults are spent: the history comes back.
    assert_eq!(
        client
            .company_calls(at(0), at(10), None)
            .await
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn a_server_that_refuses_get_gets_post_json_from_then_on_in_every_clone() {
    let mut config = sim_config();
    config.wire_forms = WireForms::PostJsonOnly;
    let sim = start(config).await;
    sim.add_history(vec![
        finished("early", 0, 0),
        finished("middle", 10, 0),
        finished("late", 20, 0),
    ])
    .unwrap();
    let client = client(&sim);
    // Times not on whole seconds: the POST form rounds the period outwards.
    let calls = client
        .company_calls(
            at(5) + chrono::Duration::milliseconds(500),
            at(10) + chrono::Duration::milliseconds(1),
            None,
        )
        .await
        .unwrap();
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].uuid, "middle");
    assert!(client.uses_post_json_form());
    let after_first = sim.stats();
    assert_eq!(after_first.method_not_allowed, 1);

    let clone = client.clone();
    clone.active_calls().await.unwrap();
    assert_eq!(clone.employees().await.unwrap().len(), 4);
    let stats = sim.stats();
    assert_eq!(stats.method_not_allowed, 1, "no GET tried again: {stats:?}");
    assert_eq!(stats.query_form_requests, 0);
    assert_eq!(stats.json_form_requests, after_first.json_form_requests + 2);
}

#[tokio::test]
async fn users_api_and_missed_api_work_through_the_client() {
    let sim = start(sim_config()).await;
    let mut hold = finished("hold", 3, 0);
    hold.lg_direction = 32;
    hold.customer = None;
    let mut returned = finished("returned", 1, 4);
    returned.customer = Some("+380501111111".into());
    let mut callback = finished("callback", 2, 0);
    callback.customer = Some("+380501111111".into());
    callback.lg_direction = 2;
    sim.add_history(vec![finished("missed", 1, 1), returned, callback, hold])
        .unwrap();
    let client = client(&sim);
    let missed = client.missed_calls(at(0), at(10)).await.unwrap();
    // vega.md B.6: only the calls that still need a call-back.
    let got: Vec<&str> = missed.iter().map(|c| c.uuid.as_str()).collect();
    assert_eq!(got, ["missed"]);
    let all = client.users_calls(at(0), at(10), None).await.unwrap();
    assert_eq!(all.len(), 3, "hold records only when asked");
    let holds = client
        .users_calls(at(0), at(10), Some(Directions::HOLD | Directions::UNHOLD))
        .await
        .unwrap();
    assert_eq!(holds.len(), 1);
    assert_eq!(holds[0].lg_direction, Some(32));
}

#[tokio::test]
async fn a_recording_is_fetched_with_the_session_and_never_from_another_host() {
    let sim = start(sim_config()).await;
    sim.add_history(vec![finished("rec-1", 1, 0)]).unwrap();
    let client = client(&sim);
    let calls = client.company_calls(at(0), at(10), None).await.unwrap();
    let url = calls[0].audio_rec_url.clone().unwrap();
    let bytes = client.recording(&url).await.unwrap();
    assert_eq!(&bytes[..4], b"RIFF");
    assert_eq!(client.recording("rec-1").await.unwrap(), bytes);
    assert_eq!(sim.stats().recordings_served, 2);

    let elsewhere = [
        "https://podium.betell.com.ua/rest/public/calls/rec-1/audio".to_owned(),
        url.replace("127.0.0.1", "localhost"),
        "http://127.0.0.1:9/rest/public/calls/rec-1/audio".to_owned(),
    ];
    for foreign in elsewhere {
        match client.recording(&foreign).await {
            Err(VegaError::InvalidInput(message)) => {
                assert!(message.contains("refusing"), "{message}")
            }
            other => panic!("{foreign}: expected a refusal, got {other:?}"),
        }
    }
    for bad in ["", "../../etc/passwd", "a b"] {
        assert!(
            matches!(client.recording(bad).await, Err(VegaError::InvalidInput(_))),
            "{bad:?}"
        );
    }
    assert_eq!(sim.stats().recordings_served, 2, "nothing more was fetched");
    match client.recording("unknown-call").await {
        Err(VegaError::Http { status: 404, .. }) => {}
        other => panic!("expected 404, got {other:?}"),
    }
}

#[tokio::test]
async fn employees_are_the_pbx_users_with_emails() {
    let sim = start(sim_config()).await;
    let employees = client(&sim).employees().await.unwrap();
    assert_eq!(employees.len(), 4);
    assert_eq!(employees[0].id, "36");
    assert_eq!(employees[0].name, "Іван Іванов");
    assert_eq!(employees[0].ext.as_deref(), Some("001"));
    assert_eq!(
        employees[0].email.as_deref(),
        Some("ivan.ivanov@pbx.vega.ua")
    );
}

#[tokio::test]
async fn hangup_ends_a_call_in_progress_and_an_unknown_one_is_vega_s_error() {
    let sim = start(sim_config()).await;
    let uuid = sim
        .play(Scenario::AnsweredIncoming {
            customer: "+380442246595".into(),
            employee: "001".into(),
            ring_secs: 60.0,
            talk_secs: 60.0,
            pbx_contacts: vec![],
        })
        .unwrap()
        .remove(0);
    let client = client(&sim);
    client.hangup(&uuid).await.unwrap();
    let active = client.active_calls().await.unwrap();
    assert!(
        active.iter().all(|c| c.uuid != uuid || c.is_hung_up()),
        "{active:?}"
    );
    assert_eq!(sim.stats().hangups, 1);
    match client.hangup("0123456789abcdef").await {
        Err(VegaError::Http {
            status: 404, body, ..
        }) => {
            assert!(body.contains("0123456789abcdef"), "{body}")
        }
        other => panic!("expected 404, got {other:?}"),
    }
    assert!(matches!(
        client.hangup("../v3").await,
        Err(VegaError::InvalidInput(_))
    ));
}

#[tokio::test]
async fn the_account_gives_history_as_call_records_and_dispatches_hangup_and_employees() {
    let sim = start(sim_config()).await;
    let mut transferred = finished("t-1", 5, 0);
    transferred.transfer_history = Some("003 > 001".into());
    // Another customer: a later answered call from m-1's number would count as its call-back.
    transferred.customer = Some("+380501111111".into());
    let mut outgoing = finished("o-1", 6, 3);
    outgoing.lg_direction = 2;
    sim.add_history(vec![finished("m-1", 4, 1), transferred, outgoing])
        .unwrap();
    let mut config = AccountConfig::new("vega", DOMAIN);
    config.base_url = Some(sim.base_url());
    config.user = Some("001".into());
    let key = callpop_core::secrets::Secret::new(KEY.to_owned());
    let account = Account::connect(&config, &key, "UA").unwrap();

    let records = account.history(at(0), at(10), false).await.unwrap();
    let summary: Vec<(&str, Direction, CallState)> = records
        .iter()
        .map(|r| (r.call_id.as_str(), r.direction, r.state))
        .collect();
    assert_eq!(
        summary,
        [
            ("m-1", Direction::In, CallState::Missed),
            ("t-1", Direction::In, CallState::Ended),
            ("o-1", Direction::Out, CallState::Cancelled),
        ]
    );
    let t = &records[1];
    assert_eq!(t.transfer.as_deref(), Some("003 > 001"));
    assert_eq!(t.answered_by.as_deref(), Some("001"));
    assert_eq!((t.duration_seconds, t.talk_seconds), (Some(40), Some(30)));
    assert_eq!(t.started_at, at(5) - chrono::Duration::seconds(40));
    assert_eq!(t.contact_name.as_deref(), Some("Telecom company"));
    assert_eq!(
        t.recording.as_deref(),
        Some(format!("{}/rest/public/calls/t-1/audio", sim.base_url()).as_str())
    );

    let missed = account.history(at(0), at(10), true).await.unwrap();
    assert_eq!(missed.len(), 1);
    assert_eq!(missed[0].call_id, "m-1");

    assert!(matches!(
        account.history(at(10), at(0), false).await,
        Err(ProviderError::InvalidInput(_))
    ));
    assert_eq!(account.employees().await.unwrap().len(), 4);
    assert!(matches!(
        account
            .hangup("nosuchcall")
            .await
            .as_ref()
            .err()
            .and_then(ProviderError::pbx),
        Some(VegaError::Http { status: 404, .. })
    ));
}

#[tokio::test]
async fn a_played_call_shows_up_in_the_history_mapped_end_to_end() {
    let sim = start(sim_config()).await;
    let uuid = sim
        .play(Scenario::AnsweredIncoming {
            customer: "+380442246595".into(),
            employee: "002".into(),
            ring_secs: 0.05,
            talk_secs: 0.05,
            pbx_contacts: vec![],
        })
        .unwrap()
        .remove(0);
    let deadline = Instant::now() + Duration::from_secs(10);
    while sim.history().is_empty() {
        assert!(Instant::now() < deadline, "the call never ended");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let now = Utc::now();
    let calls = client(&sim)
        .company_calls(
            now - chrono::Duration::minutes(1),
            now + chrono::Duration::minutes(1),
            None,
        )
        .await
        .unwrap();
    let record = callpop_providers::vega::call_record(&calls[0], "UA").unwrap();
    assert_eq!(record.call_id, uuid);
    assert_eq!(record.state, CallState::Ended);
    assert_eq!(record.answered_by.as_deref(), Some("002"));
    assert_eq!(record.transfer, None);
    assert!(record.recording.is_some());
    let unique: HashSet<&str> = calls.iter().map(|c| c.uuid.as_str()).collect();
    assert_eq!(unique.len(), calls.len());
}
