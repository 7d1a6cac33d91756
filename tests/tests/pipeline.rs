//! Simulator → provider → tracker → directory → call views, across the crates, on 127.0.0.1.

use std::sync::Arc;
use std::time::Duration;

use callpop_core::secrets::Secret;
use callpop_core::{AccountConfig, CallState, CallView, Direction, Pipeline, Store};
use callpop_providers::Account;
use callpop_sim::vega::{Fault, PbxContact, Scenario, VegaSim, VegaSimConfig, VegaSimHandle};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

const DOMAIN: &str = "pipeline.pbx.vega.ua";
const KEY: &str = "pipeline-key";
const DIRECTORY: &str = "Name;Company;Phone;Responsible;URL\n\
    Ivan Petrov;Acme;8 (910) 123-45-67;Anna;https://crm.example.com/1\n\
    Олена Шевченко;Квітка;044 224 6595;Petro;https://crm.example.com/2\n";

struct Harness {
    sim: VegaSimHandle,
    events: mpsc::Receiver<callpop_core::CallEvent>,
    pipeline: Pipeline,
    shutdown: CancellationToken,
    _account: Account,
}

impl Harness {
    async fn start(config: VegaSimConfig) -> Harness {
        let sim = VegaSim::start("127.0.0.1:0", config).await.unwrap();
        let store = Store::open_in_memory("RU").unwrap();
        store.import_csv(DIRECTORY.as_bytes()).unwrap();
        let mut account = AccountConfig::new("vega", DOMAIN);
        account.base_url = Some(sim.base_url());
        account.user = Some("001".into());
        account.poll_interval_ms = 50;
        account.timeout_ms = 500;
        let (tx, events) = mpsc::channel(64);
        let shutdown = CancellationToken::new();
        let account = Account::start(&account, &Secret::new(KEY), "RU", tx, shutdown.clone())
            .await
            .unwrap();
        Harness {
            sim,
            events,
            pipeline: Pipeline::new(Arc::new(store)),
            shutdown,
            _account: account,
        }
    }

    /// Views until one is final (or the time runs out).
    async fn views_until_final(&mut self) -> Vec<CallView> {
        let mut views = Vec::new();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        while let Ok(Some(event)) = tokio::time::timeout_at(deadline, self.events.recv()).await {
            if let Some(view) = self.pipeline.handle(&event) {
                let done = view.state.is_final();
                views.push(view);
                if done {
                    break;
                }
            }
        }
        views
    }
}

impl Drop for Harness {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

fn states(views: &[CallView]) -> Vec<CallState> {
    views.iter().map(|v| v.state).collect()
}

#[tokio::test]
async fn answered_call_is_ringing_answered_ended_with_the_directory_contact() {
    let mut h = Harness::start(VegaSimConfig::new(DOMAIN, KEY)).await;
    h.sim
        .play(Scenario::AnsweredIncoming {
            customer: "+79101234567".into(),
            employee: "001".into(),
            ring_secs: 0.3,
            talk_secs: 0.3,
            pbx_contacts: vec![],
        })
        .unwrap();
    let views = h.views_until_final().await;
    assert_eq!(
        states(&views),
        [CallState::Ringing, CallState::Answered, CallState::Ended]
    );
    let ringing = &views[0];
    assert_eq!(ringing.direction, Direction::In);
    assert_eq!(
        ringing.contact.as_ref().unwrap().name.as_deref(),
        Some("Ivan Petrov")
    );
    assert_eq!(
        ringing.customer_display.as_deref(),
        Some("+7 910 123-45-67")
    );
    assert!(ringing.involves("001"));
    // The finished call is in history, and shows on the next card for that number.
    let history = h.pipeline.store().recent_calls(10).unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].state, CallState::Ended);
    assert_eq!(history[0].contact_name.as_deref(), Some("Ivan Petrov"));
}

#[tokio::test]
async fn missed_call_from_a_number_known_only_to_the_pbx_shows_the_pbx_name() {
    let mut h = Harness::start(VegaSimConfig::new(DOMAIN, KEY)).await;
    h.sim
        .play(Scenario::MissedIncoming {
            customer: "+380631234567".into(),
            employee: "001".into(),
            ring_secs: 0.3,
            pbx_contacts: vec![PbxContact {
                name: Some("Telecom company".into()),
                ..Default::default()
            }],
        })
        .unwrap();
    let views = h.views_until_final().await;
    assert_eq!(states(&views), [CallState::Ringing, CallState::Missed]);
    assert_eq!(
        views[0].contact.as_ref().unwrap().name.as_deref(),
        Some("Telecom company")
    );
}

#[tokio::test]
async fn ukrainian_number_written_nationally_in_the_directory_is_found() {
    let mut h = Harness::start(VegaSimConfig::new(DOMAIN, KEY)).await;
    h.sim
        .play(Scenario::MissedIncoming {
            customer: "+380442246595".into(),
            employee: "001".into(),
            ring_secs: 0.2,
            pbx_contacts: vec![],
        })
        .unwrap();
    let views = h.views_until_final().await;
    assert_eq!(
        views[0].contact.as_ref().unwrap().name.as_deref(),
        Some("Олена Шевченко")
    );
}

#[tokio::test]
async fn group_call_is_one_card_answered_by_the_member_who_took_it() {
    let mut h = Harness::start(VegaSimConfig::new(DOMAIN, KEY)).await;
    h.sim
        .play(Scenario::GroupCall {
            customer: "+79101234567".into(),
            members: vec!["001".into(), "002".into()],
            answered_by: Some("002".into()),
            ring_secs: 0.3,
            talk_secs: Some(0.3),
            pbx_contacts: vec![],
        })
        .unwrap();
    let views = h.views_until_final().await;
    assert_eq!(
        states(&views),
        [CallState::Ringing, CallState::Answered, CallState::Ended]
    );
    let ids: std::collections::HashSet<&str> = views.iter().map(|v| v.call_id.as_str()).collect();
    assert_eq!(ids.len(), 1, "one card for the whole group call");
    assert_eq!(views[1].employee.as_deref(), Some("002"));
    assert!(views[0].involves("001"), "it rang me too");
}

#[tokio::test]
async fn pbx_errors_and_an_expired_session_lose_no_event() {
    let mut h = Harness::start(VegaSimConfig::new(DOMAIN, KEY)).await;
    h.sim.inject_faults(Fault::ServerError, 2);
    h.sim.expire_sessions();
    h.sim
        .play(Scenario::AnsweredIncoming {
            customer: "+79101234567".into(),
            employee: "001".into(),
            ring_secs: 1.0,
            talk_secs: 0.5,
            pbx_contacts: vec![],
        })
        .unwrap();
    let views = h.views_until_final().await;
    assert_eq!(
        states(&views),
        [CallState::Ringing, CallState::Answered, CallState::Ended]
    );
}
