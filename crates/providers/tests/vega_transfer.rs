//! A call transferred from one employee to another, against the Vega simulator on 127.0.0.1:
//! the poller and the tracker show one call answered by 001, then by 002; the history has one
//! record with the transfer.

use std::time::Duration;

use callpop_core::{CallState, CallTracker, Direction};
use callpop_providers::vega::{call_record, ActiveCallsPoller};
use callpop_sim::vega::{Scenario, VegaSimConfig, VegaSimHandle};
use chrono::Utc;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

mod common;

use common::{client, DOMAIN, KEY};

async fn start() -> VegaSimHandle {
    let mut config = VegaSimConfig::new(DOMAIN, KEY);
    config.hangup_linger = Some(Duration::from_millis(150));
    common::start(config).await
}

fn transfer() -> Scenario {
    Scenario::Transferred {
        customer: "+380442249895".into(),
        employee: "001".into(),
        transfer_to: "002".into(),
        ring_secs: 0.3,
        talk_secs: 0.4,
        transfer_ring_secs: 0.4,
        transfer_talk_secs: 0.4,
        pbx_contacts: Vec::new(),
    }
}

#[tokio::test]
async fn a_transferred_call_is_one_call_answered_by_001_then_002() {
    let sim = start().await;
    let (sender, mut events) = mpsc::channel(64);
    let shutdown = CancellationToken::new();
    let poller = ActiveCallsPoller::new(client(&sim), Duration::from_millis(50), None);
    let task = tokio::spawn(poller.run(sender, shutdown.clone()));

    let uuids = sim.play(transfer()).unwrap();
    let (first, second) = (uuids[0].clone(), uuids[1].clone());
    let mut tracker = CallTracker::new();
    let mut shown = Vec::new();
    let mut raw = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !shown
        .last()
        .is_some_and(|call: &callpop_core::Call| call.state.is_final())
    {
        let event = tokio::time::timeout_at(deadline, events.recv())
            .await
            .unwrap_or_else(|_| panic!("timed out; events so far: {raw:#?}"))
            .expect("the poller runs");
        raw.push(event.clone());
        shown.extend(tracker.apply(&event));
    }
    shutdown.cancel();
    task.await.unwrap();

    // Every event belongs to the customer's call: the new leg is its child.
    assert!(shown.iter().all(|call| call.id == first), "{shown:#?}");
    let first_leg: Vec<CallState> = raw
        .iter()
        .filter(|e| e.call_id == first)
        .map(|e| e.state)
        .collect();
    assert_eq!(
        first_leg,
        [
            CallState::Ringing,
            CallState::Answered,
            CallState::Transferred
        ],
        "{raw:#?}"
    );
    let second_leg: Vec<CallState> = raw
        .iter()
        .filter(|e| e.call_id == second)
        .map(|e| e.state)
        .collect();
    assert_eq!(
        second_leg,
        [CallState::Ringing, CallState::Answered, CallState::Ended]
    );
    assert!(raw
        .iter()
        .filter(|e| e.call_id == second)
        .all(|e| e.parent_id.as_deref() == Some(first.as_str())));

    let answered_by: Vec<Option<&str>> = shown
        .iter()
        .filter(|call| call.state == CallState::Answered)
        .map(|call| call.employee.as_deref())
        .collect();
    let mut talkers = answered_by.clone();
    talkers.dedup();
    assert_eq!(talkers, [Some("001"), Some("002")], "{shown:#?}");
    // The call never looked finished before its real end.
    let finals = shown.iter().filter(|call| call.state.is_final()).count();
    assert_eq!(finals, 1, "{shown:#?}");
    let last = shown.last().unwrap();
    assert_eq!(last.state, CallState::Ended);
    assert_eq!(last.employee.as_deref(), Some("002"));
    assert_eq!(last.direction, Direction::In);
    assert_eq!(last.customer.as_ref().unwrap().key(), "+380442249895");

    // The history: one record, under the customer's call, with the transfer.
    let now = Utc::now();
    let history = client(&sim)
        .company_calls(now - chrono::Duration::minutes(5), now, None)
        .await
        .unwrap();
    assert_eq!(history.len(), 1, "{history:#?}");
    assert_eq!(history[0].uuid, first);
    assert_eq!(history[0].transfer_history.as_deref(), Some("001 > 002"));
    let record = call_record(&history[0], "UA").unwrap();
    assert_eq!(record.call_id, first);
    assert_eq!(record.state, CallState::Ended);
    assert_eq!(record.employee.as_deref(), Some("001"));
    assert_eq!(record.answered_by.as_deref(), Some("002"));
    assert_eq!(record.transfer.as_deref(), Some("001 > 002"));
    assert!(record.talk_seconds.unwrap() >= 1, "{record:?}");
    assert!(record
        .recording
        .unwrap()
        .ends_with(&format!("/{first}/audio")));
}

#[tokio::test]
async fn a_transfer_to_oneself_or_a_stranger_is_refused() {
    let sim = start().await;
    let mut to_self = transfer();
    if let Scenario::Transferred { transfer_to, .. } = &mut to_self {
        *transfer_to = "001".into();
    }
    assert!(sim.play(to_self).is_err());
    let mut to_stranger = transfer();
    if let Scenario::Transferred { transfer_to, .. } = &mut to_stranger {
        *transfer_to = "999".into();
    }
    assert!(sim.play(to_stranger).is_err());
}
