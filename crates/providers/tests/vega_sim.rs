//! The Vega client and poller against the Vega simulator, over real HTTP on 127.0.0.1.

use callpop_providers::transport::TransportError;
use std::time::Duration;

use callpop_core::{CallEvent, CallState, Direction, PhoneNumber};
use callpop_providers::vega::{ActiveCallsPoller, VegaClient, VegaError, VegaSettings};
use callpop_sim::vega::{Fault, Scenario, TimestampUnit, VegaSimConfig};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

mod common;

use common::{client, settings, start, DOMAIN, KEY};

const POLL: Duration = Duration::from_millis(50);

fn sim_config() -> VegaSimConfig {
    let mut config = VegaSimConfig::new(DOMAIN, KEY);
    config.hangup_linger = Some(Duration::from_millis(150));
    config.make_call.ring = Duration::from_millis(200);
    config.make_call.talk = Some(Duration::from_millis(200));
    config
}

/// A running poller and what it reports.
struct Polling {
    events: mpsc::Receiver<CallEvent>,
    shutdown: CancellationToken,
    task: JoinHandle<()>,
}

fn poll(poller: ActiveCallsPoller) -> Polling {
    let (sender, events) = mpsc::channel(64);
    let shutdown = CancellationToken::new();
    let task = tokio::spawn(poller.run(sender, shutdown.clone()));
    Polling {
        events,
        shutdown,
        task,
    }
}

impl Polling {
    /// Events received until `done` holds for them; fails after 10 s.
    async fn until(&mut self, done: impl Fn(&[CallEvent]) -> bool) -> Vec<CallEvent> {
        let mut seen = Vec::new();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        while !done(&seen) {
            match tokio::time::timeout_at(deadline, self.events.recv()).await {
                Ok(Some(event)) => seen.push(event),
                Ok(None) => panic!("the poller stopped; events so far: {seen:#?}"),
                Err(_) => panic!("timed out; events so far: {seen:#?}"),
            }
        }
        seen
    }

    /// Events received until the call `id` reached a final state.
    async fn story_of(&mut self, id: &str) -> Vec<CallEvent> {
        let seen = self
            .until(|seen| seen.iter().any(|e| e.call_id == id && e.state.is_final()))
            .await;
        seen.into_iter().filter(|e| e.call_id == id).collect()
    }

    async fn stop(self) {
        self.shutdown.cancel();
        tokio::time::timeout(Duration::from_secs(2), self.task)
            .await
            .expect("the poller stops when cancelled")
            .unwrap();
    }
}

fn states(events: &[CallEvent]) -> Vec<CallState> {
    events.iter().map(|e| e.state).collect()
}

fn answered_incoming(customer: &str, ring: f64, talk: f64) -> Scenario {
    Scenario::AnsweredIncoming {
        customer: customer.into(),
        employee: "001".into(),
        ring_secs: ring,
        talk_secs: talk,
        pbx_contacts: Vec::new(),
    }
}

#[tokio::test]
async fn authorize_with_the_right_key_succeeds_once() {
    let sim = start(sim_config()).await;
    client(&sim).authorize().await.unwrap();
    assert_eq!(sim.stats().authorizations, 1);
}

#[tokio::test]
async fn a_wrong_api_key_is_unauthorized_with_a_clear_message_without_the_key() {
    let sim = start(sim_config()).await;
    let wrong_key = "WRONG-bHGbn240QSjFJgydWOWyZ3";
    let client =
        VegaClient::new(settings(&sim, Duration::from_secs(2)), wrong_key.to_owned()).unwrap();
    for error in [
        client.authorize().await.unwrap_err(),
        client.active_calls().await.unwrap_err(),
    ] {
        assert!(
            matches!(error, VegaError::Unauthorized { status: 401, .. }),
            "{error:?}"
        );
        let message = error.to_string();
        assert!(
            message.starts_with("Vega rejected the API key for domain test4.pbx.vega.ua"),
            "{message}"
        );
        assert!(!message.contains(wrong_key) && !format!("{error:?}").contains(wrong_key));
        assert!(!format!("{client:?}").contains(wrong_key));
    }
    assert_eq!(sim.stats().authorizations, 0);
}

#[tokio::test]
async fn a_wrong_domain_is_unauthorized_too() {
    let sim = start(sim_config()).await;
    let settings = VegaSettings {
        domain: "test5.pbx.vega.ua".into(),
        ..settings(&sim, Duration::from_secs(2))
    };
    let error = VegaClient::new(settings, KEY.to_owned())
        .unwrap()
        .authorize()
        .await
        .unwrap_err();
    assert!(
        error.to_string().contains("for domain test5.pbx.vega.ua"),
        "{error}"
    );
}

#[tokio::test]
async fn an_answered_call_rings_answers_and_ends_in_order() {
    let sim = start(sim_config()).await;
    let mut polling = poll(ActiveCallsPoller::new(
        client(&sim),
        POLL,
        Some("001".into()),
    ));
    let uuid = sim
        .play(answered_incoming("+380442249895", 0.3, 0.3))
        .unwrap()
        .remove(0);

    let story = polling.story_of(&uuid).await;
    assert_eq!(
        states(&story),
        [CallState::Ringing, CallState::Answered, CallState::Ended]
    );
    for event in &story {
        assert_eq!(event.provider, "vega");
        assert_eq!(event.direction, Direction::In);
        assert_eq!(
            event.customer,
            Some(PhoneNumber::E164("+380442249895".into()))
        );
        assert_eq!(event.employee.as_deref(), Some("001"));
        assert_eq!(event.employee_name.as_deref(), Some("Іван Іванов"));
        assert_eq!(event.parent_id, None);
        assert_eq!(event.pbx_contact, None);
    }
    assert!(story[0].at <= story[1].at && story[1].at <= story[2].at);
    let age = chrono::Utc::now() - story[0].at;
    assert!(
        age < chrono::TimeDelta::seconds(10),
        "the ring time is the sim's dialAt: {age}"
    );
    polling.stop().await;
}

#[tokio::test]
async fn a_call_that_disappears_without_a_hangup_entry_ends_too() {
    let mut config = sim_config();
    config.hangup_linger = None;
    let sim = start(config).await;
    let mut polling = poll(ActiveCallsPoller::new(client(&sim), POLL, None));
    let uuid = sim
        .play(answered_incoming("+79101234567", 0.2, 0.2))
        .unwrap()
        .remove(0);
    let story = polling.story_of(&uuid).await;
    assert_eq!(
        states(&story),
        [CallState::Ringing, CallState::Answered, CallState::Ended]
    );
    assert_eq!(
        story[0].customer,
        Some(PhoneNumber::E164("+79101234567".into()))
    );
    polling.stop().await;
}

#[tokio::test]
async fn a_call_nobody_answers_is_missed() {
    let sim = start(sim_config()).await;
    let mut polling = poll(ActiveCallsPoller::new(client(&sim), POLL, None));
    let uuid = sim
        .play(Scenario::MissedIncoming {
            customer: "+380671234567".into(),
            employee: "002".into(),
            ring_secs: 0.3,
            pbx_contacts: vec![callpop_sim::vega::PbxContact {
                name: Some("Telecom company".into()),
                ..Default::default()
            }],
        })
        .unwrap()
        .remove(0);
    let story = polling.story_of(&uuid).await;
    assert_eq!(states(&story), [CallState::Ringing, CallState::Missed]);
    assert_eq!(story[0].employee.as_deref(), Some("002"));
    let contact = story[0].pbx_contact.as_ref().expect("the PBX's CRM name");
    assert_eq!(contact.name.as_deref(), Some("Telecom company"));
    polling.stop().await;
}

#[tokio::test]
async fn a_group_call_reports_legs_under_one_parent_and_cancels_the_colleagues() {
    let sim = start(sim_config()).await;
    let mut polling = poll(ActiveCallsPoller::new(client(&sim), POLL, None));
    let uuids = sim
        .play(Scenario::GroupCall {
            customer: "+380442249895".into(),
            members: vec!["001".into(), "002".into()],
            answered_by: Some("002".into()),
            ring_secs: 0.3,
            talk_secs: Some(0.3),
            pbx_contacts: Vec::new(),
        })
        .unwrap();
    let (parent, mine, winner) = (&uuids[0], &uuids[1], &uuids[2]);
    let events = polling
        .until(|seen| {
            seen.iter()
                .any(|e| e.call_id == *winner && e.state.is_final())
        })
        .await;
    assert!(
        events.iter().all(|e| e.parent_id.as_ref() == Some(parent)),
        "{events:#?}"
    );
    let story = |id: &str| {
        states(
            &events
                .iter()
                .filter(|e| e.call_id == id)
                .cloned()
                .collect::<Vec<_>>(),
        )
    };
    assert_eq!(story(mine), [CallState::Ringing, CallState::Cancelled]);
    assert_eq!(
        story(winner),
        [CallState::Ringing, CallState::Answered, CallState::Ended]
    );
    polling.stop().await;
}

#[tokio::test]
async fn an_internal_call_to_me_shows_the_caller_extension() {
    let sim = start(sim_config()).await;
    let mut polling = poll(ActiveCallsPoller::new(
        client(&sim),
        POLL,
        Some("002".into()),
    ));
    let uuid = sim
        .play(Scenario::Internal {
            from: "001".into(),
            to: "002".into(),
            ring_secs: 0.2,
            talk_secs: Some(0.2),
        })
        .unwrap()
        .remove(0);
    let story = polling.story_of(&uuid).await;
    assert_eq!(
        states(&story),
        [CallState::Ringing, CallState::Answered, CallState::Ended]
    );
    assert_eq!(story[0].direction, Direction::Internal);
    assert_eq!(story[0].employee.as_deref(), Some("002"));
    assert_eq!(
        story[0].customer,
        Some(PhoneNumber::Extension("001".into()))
    );
    polling.stop().await;
}

#[tokio::test]
async fn timestamps_in_seconds_read_as_the_present() {
    let mut config = sim_config();
    config.timestamps = TimestampUnit::Seconds;
    let sim = start(config).await;
    let mut polling = poll(ActiveCallsPoller::new(client(&sim), POLL, None));
    let uuid = sim
        .play(answered_incoming("+380442249895", 0.2, 0.2))
        .unwrap()
        .remove(0);
    let story = polling.story_of(&uuid).await;
    let age = chrono::Utc::now() - story[0].at;
    assert!(
        age >= chrono::TimeDelta::zero() && age < chrono::TimeDelta::seconds(10),
        "{age}"
    );
    polling.stop().await;
}

#[tokio::test]
async fn a_session_expired_mid_call_is_renewed_without_losing_an_event() {
    let sim = start(sim_config()).await;
    let mut polling = poll(ActiveCallsPoller::new(client(&sim), POLL, None));
    let uuid = sim
        .play(answered_incoming("+380442249895", 0.5, 0.5))
        .unwrap()
        .remove(0);
    polling
        .until(|seen| seen.iter().any(|e| e.state == CallState::Ringing))
        .await;
    sim.expire_sessions();
    let story = polling.story_of(&uuid).await;
    assert_eq!(states(&story), [CallState::Answered, CallState::Ended]);
    let stats = sim.stats();
    assert!(stats.forbidden >= 1, "{stats:?}");
    assert_eq!(stats.authorizations, 2, "{stats:?}");
    polling.stop().await;
}

#[tokio::test]
async fn the_client_renews_an_expired_session_transparently() {
    let sim = start(sim_config()).await;
    let client = client(&sim);
    client.active_calls().await.unwrap();
    sim.expire_sessions();
    assert_eq!(client.active_calls().await.unwrap(), []);
    // A clone shares the renewed session.
    client.clone().active_calls().await.unwrap();
    let stats = sim.stats();
    assert_eq!((stats.authorizations, stats.forbidden), (2, 1));
}

#[tokio::test]
async fn a_second_403_right_after_authorizing_is_an_error() {
    let mut config = sim_config();
    // Every session is dead on arrival: the retry meets 403 again.
    config.session_ttl = Some(Duration::ZERO);
    let sim = start(config).await;
    let error = client(&sim).active_calls().await.unwrap_err();
    assert!(matches!(error, VegaError::Forbidden { .. }), "{error:?}");
    assert!(
        error.to_string().contains("GET /rest/calls/active/v3"),
        "{error}"
    );
    assert_eq!(
        sim.stats().authorizations,
        2,
        "authorized again exactly once"
    );
}

#[tokio::test]
async fn each_kind_of_failure_is_its_own_error() {
    let mut config = sim_config();
    config.hang_for = Duration::from_secs(5);
    let sim = start(config).await;
    let client =
        VegaClient::new(settings(&sim, Duration::from_millis(300)), KEY.to_owned()).unwrap();

    sim.inject_faults(Fault::ServerError, 1);
    match client.active_calls().await {
        Err(VegaError::Http {
            status: 500, body, ..
        }) => assert!(body.contains("simulated"), "{body}"),
        other => panic!("expected Http 500, got {other:?}"),
    }
    sim.inject_faults(Fault::Garbage, 1);
    match client.active_calls().await {
        Err(error @ VegaError::NotJson { .. }) => {
            // A proxy's error page is told by its heading, never by its markup.
            let said = error.to_string();
            assert!(said.contains("502 Bad Gateway"), "{said}");
            assert!(!said.contains('<'), "{said}");
        }
        other => panic!("expected NotJson, got {other:?}"),
    }
    sim.inject_faults(Fault::Hang, 1);
    match client.active_calls().await {
        Err(error @ VegaError::Transport(TransportError::Timeout { .. })) => {
            assert!(error.to_string().contains("0.3 s"), "{error}")
        }
        other => panic!("expected Timeout, got {other:?}"),
    }
    assert_eq!(client.active_calls().await.unwrap(), []);
}

#[tokio::test]
async fn nothing_listening_is_a_network_error_naming_the_address() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let settings = VegaSettings {
        base_url: format!("http://{addr}"),
        domain: DOMAIN.into(),
        timeout: Duration::from_secs(2),
        region: "UA".into(),
    };
    let error = VegaClient::new(settings, KEY.into())
        .unwrap()
        .authorize()
        .await
        .unwrap_err();
    assert!(
        matches!(error, VegaError::Transport(TransportError::Network { .. })),
        "{error:?}"
    );
    assert!(error.to_string().contains(&addr.to_string()), "{error}");
}

#[tokio::test]
async fn the_poller_rides_out_errors_garbage_and_hangs_and_later_calls_still_arrive() {
    let mut config = sim_config();
    config.hang_for = Duration::from_secs(5);
    config.faults = vec![
        Fault::ServerError,
        Fault::Garbage,
        Fault::Hang,
        Fault::ServerError,
        Fault::Garbage,
    ];
    let sim = start(config).await;
    let client =
        VegaClient::new(settings(&sim, Duration::from_millis(300)), KEY.to_owned()).unwrap();
    let poller =
        ActiveCallsPoller::new(client, POLL, None).with_max_backoff(Duration::from_millis(200));
    let mut polling = poll(poller);
    let uuid = sim
        .play(answered_incoming("+380442249895", 1.5, 0.3))
        .unwrap()
        .remove(0);
    let story = polling.story_of(&uuid).await;
    assert_eq!(
        states(&story),
        [CallState::Ringing, CallState::Answered, CallState::Ended]
    );
    assert!(sim.stats().active_calls_requests >= 6, "{:?}", sim.stats());
    polling.stop().await;
}

#[tokio::test]
async fn the_poller_with_a_wrong_key_keeps_trying_quietly_and_stops_on_request() {
    let sim = start(sim_config()).await;
    let client =
        VegaClient::new(settings(&sim, Duration::from_secs(2)), "wrong".to_owned()).unwrap();
    let poller =
        ActiveCallsPoller::new(client, POLL, None).with_max_backoff(Duration::from_millis(100));
    let mut polling = poll(poller);
    sim.play(answered_incoming("+380442249895", 1.0, 1.0))
        .unwrap();
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert!(
        polling.events.try_recv().is_err(),
        "no event without a session"
    );
    assert!(
        sim.stats().rejected_authorizations >= 2,
        "{:?}",
        sim.stats()
    );
    polling.stop().await;
}

#[tokio::test]
async fn the_poller_stops_when_nobody_listens_any_more() {
    let sim = start(sim_config()).await;
    let polling = poll(ActiveCallsPoller::new(client(&sim), POLL, None));
    drop(polling.events);
    tokio::time::timeout(Duration::from_secs(2), polling.task)
        .await
        .expect("the poller stops when its receiver is dropped")
        .unwrap();
}

#[tokio::test]
async fn make_call_reaches_the_pbx_and_the_call_is_then_polled_as_outgoing() {
    let sim = start(sim_config()).await;
    let client = client(&sim);
    let mut polling = poll(ActiveCallsPoller::new(client.clone(), POLL, None));
    let uuid = client.make_call("001", "+380993034330").await.unwrap();
    let made = sim.calls_made();
    assert_eq!(made.len(), 1);
    assert_eq!(
        (made[0].leg_ext.as_str(), made[0].other_leg_num.as_str()),
        ("001", "+380993034330")
    );
    assert_eq!(made[0].uuid, uuid);

    let story = polling.story_of(&uuid).await;
    assert_eq!(
        states(&story),
        [CallState::Ringing, CallState::Answered, CallState::Ended]
    );
    assert_eq!(story[0].direction, Direction::Out);
    assert_eq!(
        story[0].customer,
        Some(PhoneNumber::E164("+380993034330".into()))
    );
    polling.stop().await;
}

#[tokio::test]
async fn make_call_for_an_unknown_extension_reports_vega_s_reason() {
    let sim = start(sim_config()).await;
    match client(&sim).make_call("999", "+380993034330").await {
        Err(error @ VegaError::Http { status: 400, .. }) => {
            assert!(error.to_string().contains("999"), "{error}");
        }
        other => panic!("expected Http 400, got {other:?}"),
    }
    assert!(sim.calls_made().is_empty());
}
