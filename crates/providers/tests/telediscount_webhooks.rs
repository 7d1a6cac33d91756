//! Telediscount's `income` / `call_finished` webhooks: the spec's examples, the guard, repeats,
//! hostile input, and the simulator playing calls into a receiver that uses the handler.

use std::net::{IpAddr, Ipv4Addr};
use std::sync::{Arc, Mutex};

use callpop_core::{CallEvent, CallState, Direction, PhoneNumber};
use callpop_providers::telediscount::examples::{CALL_FINISHED as FINISHED, INCOME};
use callpop_providers::telediscount::{
    parse_call_finished, parse_income, query_fields, TelediscountWebhooks, WebhookKind,
};
use callpop_providers::tokenless_guard::TokenlessGuard;
use callpop_providers::webhook::WebhookRequest;
use callpop_sim::telediscount::{self, CallScenario, TelediscountSimConfig};
use chrono::{DateTime, TimeZone, Utc};
use proptest::prelude::*;

const SECRET: &str = "5f0c9a7e1b2d4c6e8f0a1b2c3d4e5f60";

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 5, 1, 9, 0, 0).unwrap()
}

fn hooks() -> TelediscountWebhooks {
    TelediscountWebhooks::new(
        TokenlessGuard::new("telediscount", &["127.0.0.1", "10.0.0.0/8"], SECRET).unwrap(),
        "RU",
    )
}

/// The spec's path under `/telediscount/<secret>`.
fn get(path_and_query: &str) -> WebhookRequest {
    WebhookRequest {
        remote_ip: IpAddr::V4(Ipv4Addr::LOCALHOST),
        path: format!("/telediscount/{SECRET}{path_and_query}"),
        content_type: None,
        body: Vec::new(),
    }
}

#[test]
fn the_spec_income_example_rings_as_an_incoming_call() {
    let outcome = hooks().handle(&get(INCOME), now());
    assert_eq!(outcome.reply.status, 200);
    assert_eq!(outcome.kind, Some(WebhookKind::Income));
    let event = &outcome.events[0];
    assert_eq!(event.state, CallState::Ringing);
    assert_eq!(event.direction, Direction::In);
    assert_eq!(event.call_id, "c1f926a8f5727b77f9cbf39d8f35d061");
    assert_eq!(
        event.customer,
        Some(PhoneNumber::parse("+79039998877", "RU"))
    );
    // The example's setup_time is a placeholder: the arrival time stands in.
    assert_eq!(event.at, now());
}

#[test]
fn the_spec_call_finished_example_ends_a_call_answered_by_num_b() {
    let mut hooks = hooks();
    let outcome = hooks.handle(&get(FINISHED), now());
    assert_eq!(outcome.reply.status, 200);
    let event = &outcome.events[0];
    assert_eq!(event.state, CallState::Ended);
    assert_eq!(event.employee.as_deref(), Some("SIP/0000000672"));
    let record = outcome.record.unwrap();
    assert_eq!(record.answered_by.as_deref(), Some("SIP/0000000672"));
    assert_eq!(record.talk_seconds, Some(12));
    assert_eq!(record.duration_seconds, Some(17));
    // The same request again is a repeat.
    let again = hooks.handle(&get(FINISHED), now());
    assert!(again.duplicate);
    assert!(again.events.is_empty());
}

#[test]
fn a_call_with_no_connection_is_missed() {
    for query in [
        "/call_finished?num_a=79039998877&num_b=SIP/0000000672&connection_time=0&api_call_id=a1",
        "/call_finished?num_a=79039998877&connection_time=7&api_call_id=a2",
        "/call_finished?num_a=79039998877&api_call_id=a3",
    ] {
        let outcome = hooks().handle(&get(query), now());
        assert_eq!(outcome.events[0].state, CallState::Missed, "{query}");
    }
    // A click-to-call (num_a is a SIP account) nobody answered is cancelled, not missed.
    let outcome = hooks().handle(
        &get("/call_finished?num_a=SIP/0000000672&num_b=74951234567&connection_time=0&api_call_id=a4"),
        now(),
    );
    assert_eq!(outcome.events[0].direction, Direction::Out);
    assert_eq!(outcome.events[0].state, CallState::Cancelled);
}

#[test]
fn a_real_setup_time_dates_the_event() {
    let outcome = hooks().handle(
        &get("/income?num_a=79039998877&setup_time=1714554000&api_call_id=b1"),
        now(),
    );
    assert_eq!(
        outcome.events[0].at,
        Utc.timestamp_opt(1_714_554_000, 0).unwrap()
    );
}

#[test]
fn strangers_and_wrong_paths_are_forbidden() {
    let mut hooks = hooks();
    let mut stranger = get(INCOME);
    stranger.remote_ip = "203.0.113.5".parse().unwrap();
    assert_eq!(hooks.handle(&stranger, now()).reply.status, 403);
    let no_secret = WebhookRequest {
        path: INCOME.into(),
        ..get("")
    };
    let outcome = hooks.handle(&no_secret, now());
    assert_eq!(outcome.reply.status, 403);
    assert!(outcome.events.is_empty());
    let big = WebhookRequest {
        body: vec![b'a'; 100_000],
        ..get(INCOME)
    };
    assert_eq!(hooks.handle(&big, now()).reply.status, 413);
}

#[test]
fn missing_or_bad_fields_are_400_with_the_reason() {
    let mut hooks = hooks();
    for query in [
        "/income?num_m=79037778899&api_call_id=x",
        "/income?num_a=79039998877",
        "/call_finished?num_a=7&api_call_id=x&connection_time=abc",
        "/call_finished?num_a=7&api_call_id=x&waiting_time=-4",
        "/call_finished?num_a=7&api_call_id=x&connection_time=1e400",
        "/income",
    ] {
        let outcome = hooks.handle(&get(query), now());
        assert_eq!(outcome.reply.status, 400, "{query}");
        assert!(outcome.reply.body.contains("error"), "{query}");
    }
}

#[test]
fn the_kind_falls_back_on_the_fields_when_the_path_does_not_say() {
    let outcome = hooks().handle(
        &get("/hook?num_a=7903&num_b=SIP/1&connection_time=3&api_call_id=z"),
        now(),
    );
    assert_eq!(outcome.kind, Some(WebhookKind::CallFinished));
    let outcome = hooks().handle(&get("/hook?num_a=7903&api_call_id=z"), now());
    assert_eq!(outcome.kind, Some(WebhookKind::Income));
}

/// A receiver: an axum route handing every GET to `TelediscountWebhooks::handle`.
async fn start_crm(events: Arc<Mutex<Vec<CallEvent>>>) -> String {
    let hooks = Arc::new(Mutex::new(hooks()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = axum::Router::new().fallback(move |uri: axum::http::Uri| {
        let hooks = hooks.clone();
        let events = events.clone();
        async move {
            let request = WebhookRequest {
                remote_ip: IpAddr::V4(Ipv4Addr::LOCALHOST),
                path: uri.to_string(),
                content_type: None,
                body: Vec::new(),
            };
            let outcome = hooks.lock().unwrap().handle(&request, Utc::now());
            events.lock().unwrap().extend(outcome.events);
            (
                axum::http::StatusCode::from_u16(outcome.reply.status).unwrap(),
                outcome.reply.body,
            )
        }
    });
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}/telediscount/{SECRET}")
}

#[tokio::test]
async fn the_simulator_plays_an_answered_and_a_missed_call_into_the_handler() {
    let events = Arc::new(Mutex::new(Vec::new()));
    let base = start_crm(events.clone()).await;
    let sim = telediscount::start(
        "127.0.0.1:0",
        TelediscountSimConfig {
            income_url: Some(format!("{base}/income.php")),
            finished_url: Some(format!("{base}/call_finished.php")),
            ..TelediscountSimConfig::default()
        },
    )
    .await
    .unwrap();
    let answered = sim
        .run(CallScenario::Incoming {
            num_a: "79039998877".into(),
            num_m: "79037778899".into(),
            answered_by: Some("SIP/0000000672".into()),
            waiting_secs: 5,
            talk_secs: 12,
        })
        .await
        .unwrap();
    assert!(answered.iter().all(|d| d.status == 200), "{answered:?}");
    sim.run(CallScenario::Incoming {
        num_a: "79101234567".into(),
        num_m: "79037778899".into(),
        answered_by: None,
        waiting_secs: 20,
        talk_secs: 0,
    })
    .await
    .unwrap();
    let states: Vec<CallState> = events.lock().unwrap().iter().map(|e| e.state).collect();
    assert_eq!(
        states,
        [
            CallState::Ringing,
            CallState::Ended,
            CallState::Ringing,
            CallState::Missed
        ]
    );
    assert_eq!(
        events.lock().unwrap()[1].employee.as_deref(),
        Some("SIP/0000000672")
    );
    assert_eq!(sim.calls().len(), 2);
}

proptest! {
    #[test]
    fn no_query_or_body_makes_the_handler_panic(path in ".{0,200}", body in proptest::collection::vec(any::<u8>(), 0..200)) {
        let mut hooks = hooks();
        let request = WebhookRequest { path: format!("/telediscount/{SECRET}/{path}"), body, ..get("") };
        let outcome = hooks.handle(&request, now());
        prop_assert!([200, 400, 413].contains(&outcome.reply.status));
        let fields = query_fields(&request);
        let _ = parse_income(&fields);
        let _ = parse_call_finished(&fields).map(|f| f.call_record("RU", now()));
    }

    #[test]
    fn any_field_values_never_panic(a in ".{0,40}", b in ".{0,40}", t in ".{0,30}", c in ".{0,30}") {
        let fields = vec![
            ("num_a".to_owned(), a), ("num_b".to_owned(), b), ("setup_time".to_owned(), t.clone()),
            ("connection_time".to_owned(), c.clone()), ("waiting_time".to_owned(), c),
            ("api_call_id".to_owned(), "x".to_owned()),
        ];
        let _ = parse_call_finished(&fields).map(|f| f.call_record("RU", now()));
        let _ = callpop_providers::telediscount::parse_setup_time(&t);
    }
}
