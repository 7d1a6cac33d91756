//! MCN Telecom's call webhooks (public usage): every `event_type`, the guard, repeats, hostile
//! input, and the simulator playing calls into a receiver that uses the handler.

use std::net::{IpAddr, Ipv4Addr};
use std::sync::{Arc, Mutex};

use callpop_core::{CallEvent, CallState, Direction, PhoneNumber};
use callpop_providers::mcn::{parse_webhook, webhook_fields, McnEventType, McnWebhooks};
use callpop_providers::tokenless_guard::TokenlessGuard;
use callpop_providers::webhook::WebhookRequest;
use callpop_sim::mcn::{self, CallScenario, McnSimConfig};
use chrono::{DateTime, TimeZone, Utc};
use proptest::prelude::*;
use serde_json::json;

const SECRET: &str = "a3f1c2e4b5d6a7f8091a2b3c4d5e6f70";

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 5, 1, 9, 0, 0).unwrap()
}

fn hooks() -> McnWebhooks {
    McnWebhooks::new(
        TokenlessGuard::new("mcn", &["127.0.0.1"], SECRET).unwrap(),
        "RU",
    )
}

fn post(body: &serde_json::Value) -> WebhookRequest {
    WebhookRequest {
        remote_ip: IpAddr::V4(Ipv4Addr::LOCALHOST),
        path: format!("/mcn/{SECRET}"),
        content_type: Some("application/json".into()),
        body: body.to_string().into_bytes(),
    }
}

fn event(kind: &str, billsec: i64) -> serde_json::Value {
    json!({"event_type": kind, "call_id": "c-1", "abon": "101", "did": "79101234567",
           "did_mcn": "74950000000", "billsec": billsec})
}

fn states(hooks: &mut McnWebhooks, kinds: &[(&str, i64)]) -> Vec<CallState> {
    kinds
        .iter()
        .flat_map(|(k, b)| hooks.handle(&post(&event(k, *b)), now()).events)
        .map(|e| e.state)
        .collect()
}

#[test]
fn an_answered_incoming_call_rings_answers_and_ends() {
    let mut hooks = hooks();
    let outcome = hooks.handle(&post(&event("onBegin", 0)), now());
    assert_eq!(outcome.reply.status, 200);
    let ring = &outcome.events[0];
    assert_eq!(
        (ring.state, ring.direction),
        (CallState::Ringing, Direction::In)
    );
    assert_eq!(
        ring.customer,
        Some(PhoneNumber::parse("+79101234567", "RU"))
    );
    let rest = states(
        &mut hooks,
        &[
            ("onInCallingAnswered", 0),
            ("onInAbonEnd", 30),
            ("onInCallingEnd", 30),
        ],
    );
    assert_eq!(rest, [CallState::Answered, CallState::Ended]);
}

#[test]
fn an_incoming_call_nobody_answers_is_missed_and_an_outgoing_one_cancelled() {
    assert_eq!(
        states(
            &mut hooks(),
            &[("onBegin", 0), ("onInAbonEnd", 0), ("onInCallingEnd", 0)]
        ),
        [CallState::Ringing, CallState::Missed]
    );
    let mut hooks = hooks();
    let out = states(
        &mut hooks,
        &[
            ("onOutCallingStart", 0),
            ("onOutAbonEnd", 0),
            ("onOutCallingEnd", 0),
        ],
    );
    assert_eq!(out, [CallState::Ringing, CallState::Cancelled]);
    // billsec alone says the call was answered, even when the answer event was lost.
    assert_eq!(
        states(
            &mut self::hooks(),
            &[("onOutCallingStart", 0), ("onOutCallingEnd", 12)]
        ),
        [CallState::Ringing, CallState::Ended]
    );
}

#[test]
fn form_and_query_encodings_are_read_too() {
    let mut hooks = hooks();
    let form = WebhookRequest {
        content_type: Some("application/x-www-form-urlencoded".into()),
        body: b"event_type=onOutCallingAnswered&call_id=c-9&abon=102&did=74951234567&billsec=0"
            .to_vec(),
        ..post(&json!({}))
    };
    let outcome = hooks.handle(&form, now());
    assert_eq!(outcome.events[0].state, CallState::Answered);
    assert_eq!(outcome.events[0].employee.as_deref(), Some("102"));
    let query = WebhookRequest {
        path: format!("/mcn/{SECRET}?event_type=onBegin&call_id=q-1&did=74951234567"),
        body: Vec::new(),
        ..post(&json!({}))
    };
    assert_eq!(
        hooks.handle(&query, now()).events[0].state,
        CallState::Ringing
    );
}

#[test]
fn repeats_are_dropped() {
    let mut hooks = hooks();
    assert_eq!(
        hooks
            .handle(&post(&event("onBegin", 0)), now())
            .events
            .len(),
        1
    );
    let again = hooks.handle(&post(&event("onBegin", 0)), now());
    assert!(again.duplicate);
    assert!(again.events.is_empty());
}

#[test]
fn strangers_bad_fields_and_broken_bodies_are_refused() {
    let mut hooks = hooks();
    let mut stranger = post(&event("onBegin", 0));
    stranger.remote_ip = "198.51.100.1".parse().unwrap();
    assert_eq!(hooks.handle(&stranger, now()).reply.status, 403);
    let wrong_path = WebhookRequest {
        path: "/mcn/guess".into(),
        ..post(&event("onBegin", 0))
    };
    assert_eq!(hooks.handle(&wrong_path, now()).reply.status, 403);
    for body in [
        json!({"event_type": "onExplode", "call_id": "x"}),
        json!({"call_id": "x"}),
        json!({"event_type": "onBegin"}),
        json!({"event_type": "onInCallingEnd", "call_id": "x", "billsec": "-3"}),
        json!([1, 2]),
    ] {
        assert_eq!(
            hooks.handle(&post(&body), now()).reply.status,
            400,
            "{body}"
        );
    }
    for raw in [&b"{not json"[..], &b"\xff\xfe"[..]] {
        let request = WebhookRequest {
            body: raw.to_vec(),
            ..post(&json!({}))
        };
        assert_eq!(hooks.handle(&request, now()).reply.status, 400);
    }
}

#[test]
fn every_event_type_is_known() {
    for (name, direction) in [
        ("onBegin", Direction::In),
        ("onInCallingAnswered", Direction::In),
        ("onInAbonEnd", Direction::In),
        ("onInCallingEnd", Direction::In),
        ("onOutCallingStart", Direction::Out),
        ("onOutCallingAnswered", Direction::Out),
        ("onOutAbonEnd", Direction::Out),
        ("onOutCallingEnd", Direction::Out),
    ] {
        assert_eq!(
            McnEventType::parse(name).unwrap().direction(),
            direction,
            "{name}"
        );
    }
}

async fn start_crm(events: Arc<Mutex<Vec<CallEvent>>>) -> String {
    let hooks = Arc::new(Mutex::new(hooks()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = axum::Router::new().fallback(
        move |uri: axum::http::Uri, headers: axum::http::HeaderMap, body: axum::body::Bytes| {
            let hooks = hooks.clone();
            let events = events.clone();
            async move {
                let request = WebhookRequest {
                    remote_ip: IpAddr::V4(Ipv4Addr::LOCALHOST),
                    path: uri.to_string(),
                    content_type: headers
                        .get(axum::http::header::CONTENT_TYPE)
                        .and_then(|v| v.to_str().ok())
                        .map(str::to_owned),
                    body: body.to_vec(),
                };
                let outcome = hooks.lock().unwrap().handle(&request, Utc::now());
                events.lock().unwrap().extend(outcome.events);
                (
                    axum::http::StatusCode::from_u16(outcome.reply.status).unwrap(),
                    outcome.reply.body,
                )
            }
        },
    );
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}/mcn/{SECRET}")
}

#[tokio::test]
async fn the_simulator_plays_calls_into_the_handler() {
    let events = Arc::new(Mutex::new(Vec::new()));
    let url = start_crm(events.clone()).await;
    let sim = mcn::start(
        "127.0.0.1:0",
        McnSimConfig {
            webhook_url: Some(url),
            ..McnSimConfig::default()
        },
    )
    .await
    .unwrap();
    let deliveries = sim
        .run(CallScenario::Incoming {
            did: "79101234567".into(),
            did_mcn: "74950000000".into(),
            abon: "101".into(),
            answered: false,
            billsec: 0,
        })
        .await
        .unwrap();
    assert!(deliveries.iter().all(|d| d.status == 200), "{deliveries:?}");
    sim.run(CallScenario::Outgoing {
        abon: "102".into(),
        did: "74951234567".into(),
        did_mcn: "74950000000".into(),
        answered: true,
        billsec: 42,
    })
    .await
    .unwrap();
    let got: Vec<(CallState, Direction)> = events
        .lock()
        .unwrap()
        .iter()
        .map(|e| (e.state, e.direction))
        .collect();
    assert_eq!(
        got,
        [
            (CallState::Ringing, Direction::In),
            (CallState::Missed, Direction::In),
            (CallState::Ringing, Direction::Out),
            (CallState::Answered, Direction::Out),
            (CallState::Ended, Direction::Out),
        ]
    );
    // The played calls are in the call log too.
    assert_eq!(sim.calls().len(), 2);
    assert_eq!(sim.calls()[0].status, "NO ANSWER");
}

proptest! {
    #[test]
    fn no_body_or_path_makes_the_handler_panic(
        path in ".{0,120}",
        body in proptest::collection::vec(any::<u8>(), 0..300),
        json_ct in any::<bool>(),
    ) {
        let mut hooks = hooks();
        let request = WebhookRequest {
            remote_ip: IpAddr::V4(Ipv4Addr::LOCALHOST),
            path: format!("/mcn/{SECRET}/{path}"),
            content_type: json_ct.then(|| "application/json".to_owned()),
            body,
        };
        let outcome = hooks.handle(&request, now());
        prop_assert!([200, 400, 413].contains(&outcome.reply.status));
        let _ = webhook_fields(&request).and_then(|f| parse_webhook(&f));
    }

    #[test]
    fn any_json_values_never_panic(kind in ".{0,20}", id in ".{0,20}", billsec in ".{0,20}", n in any::<f64>()) {
        let mut hooks = hooks();
        for body in [
            json!({"event_type": kind, "call_id": id, "billsec": billsec}),
            json!({"event_type": "onInCallingEnd", "call_id": id, "billsec": n, "did": billsec}),
        ] {
            let status = hooks.handle(&post(&body), now()).reply.status;
            prop_assert!([200, 400].contains(&status));
        }
        let _ = callpop_providers::mcn::parse_date(&billsec);
        let _ = callpop_providers::mcn::CallStatus::parse(&kind);
    }
}
