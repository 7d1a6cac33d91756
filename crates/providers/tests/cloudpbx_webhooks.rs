//! The cloud PBX's requests to the CRM (cloud-pbx.md 4) through `CloudPbxWebhooks::handle`:
//! the spec's examples, the exact error bodies, a group call folded into one call, and the
//! simulator playing a call into a local receiver.

use std::net::{IpAddr, Ipv4Addr};
use std::sync::{Arc, Mutex};

use callpop_core::{
    CallEvent, CallState, CallTracker, Direction, Employee, NewContact, PhoneNumber, Store,
};
use callpop_providers::cloudpbx::{
    parse_contact, parse_event, parse_history, parse_history_csv, CloudPbxWebhooks, Fields,
    HistoryStatus, WebhookCommand,
};
use callpop_providers::webhook::WebhookRequest;
use callpop_sim::cloudpbx::{self, CallScenario, CloudPbxSimConfig};
use chrono::{DateTime, TimeZone, Utc};
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};

const TOKEN: &str = "76fsd7tfs-fhjdgfdjsfsk-hfgsdguuuwoeiwey1111";

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 5, 1, 9, 0, 0).unwrap()
}

fn request(content_type: Option<&str>, body: &str) -> WebhookRequest {
    WebhookRequest {
        remote_ip: IpAddr::V4(Ipv4Addr::LOCALHOST),
        path: "/cloudpbx".into(),
        content_type: content_type.map(str::to_owned),
        body: body.as_bytes().to_vec(),
    }
}

fn form(fields: &[(&str, &str)]) -> WebhookRequest {
    let body: String = fields
        .iter()
        .map(|(k, v)| {
            format!(
                "{k}={}",
                v.replace('%', "%25")
                    .replace('+', "%2B")
                    .replace('&', "%26")
            )
        })
        .collect::<Vec<_>>()
        .join("&");
    request(Some("application/x-www-form-urlencoded"), &body)
}

fn staff() -> Vec<Employee> {
    ["andy", "daria", "mike"]
        .iter()
        .map(|id| Employee {
            id: (*id).into(),
            name: format!("{id} name"),
            ext: None,
            email: None,
        })
        .collect::<Vec<_>>()
        .into_iter()
        .chain([Employee {
            id: "andy2".into(),
            name: "Петров Андрей".into(),
            ext: Some("708".into()),
            email: Some("andy@example.ru".into()),
        }])
        .collect()
}

fn directory() -> Store {
    let store = Store::open_in_memory("RU").unwrap();
    store
        .add_contact(&NewContact {
            name: "Менеджер".into(),
            company: Some("ЗАО Рога и Копыта".into()),
            responsible: Some("Петров Андрей".into()),
            phones: vec![PhoneNumber::parse("+7 910 123-45-67", "RU")],
            ..NewContact::default()
        })
        .unwrap();
    store
}

fn hooks() -> CloudPbxWebhooks {
    CloudPbxWebhooks::new(TOKEN, "RU").unwrap()
}

fn body(reply_body: &str) -> Value {
    serde_json::from_str(reply_body).unwrap()
}

// The example bodies of cloud-pbx.md 4.1–4.3, one `name=value` per line as printed.
const HISTORY_EXAMPLE: &str =
    "cmd=history\ntype=out\nstatus=Success\nphone=79101234567\nuser=user\n\
start=20170703T121110Z\nduration=124\nlink=https://link/file.mp3\n\
crm_token=76fsd7tfs-fhjdgfdjsfsk-hfgsdguuuwoeiwey1111\ncallid=B10D0EB124F4E64AFAEA-1511\n";
const EVENT_EXAMPLE: &str = "cmd=event\ntype=INCOMING\nphone=79101234567\nuser=andy\n\
crm_token=76fsd7tfs-fhjdgfdjsfsk-hfgsdguuuwoeiwey1111\ncallid=B10D0EB124F4E64AF4EA-1511\n";
const CONTACT_EXAMPLE: &str = "cmd=contact\nphone=79101234567\n\
crm_token=76fsd7tfs-fhjdgfdjsfsk-hfgsdguuuwoeiwey1111\ncallid=B10D0EB124F4E64AF4EA-1511\n";

#[test]
fn the_spec_history_example_becomes_a_call_record() {
    let outcome = hooks().handle(
        &request(None, HISTORY_EXAMPLE),
        &directory(),
        &staff(),
        now(),
    );
    assert_eq!(outcome.reply.status, 200, "{:?}", outcome.problem);
    assert_eq!(outcome.command, Some(WebhookCommand::History));
    let record = outcome.record.unwrap();
    assert_eq!(record.provider, "cloudpbx");
    assert_eq!(record.call_id, "B10D0EB124F4E64AFAEA-1511");
    assert_eq!(record.direction, Direction::Out);
    assert_eq!(record.state, CallState::Ended);
    assert_eq!(record.customer.unwrap().key(), "+79101234567");
    assert_eq!(record.employee.as_deref(), Some("user"));
    assert_eq!(
        record.started_at,
        Utc.with_ymd_and_hms(2017, 7, 3, 12, 11, 10).unwrap()
    );
    assert_eq!(record.duration_seconds, Some(124));
    assert_eq!(record.recording.as_deref(), Some("https://link/file.mp3"));
}

#[test]
fn the_spec_event_example_rings_andys_phone() {
    let outcome = hooks().handle(&request(None, EVENT_EXAMPLE), &directory(), &staff(), now());
    assert_eq!(outcome.reply.status, 200, "{:?}", outcome.problem);
    assert_eq!(body(&outcome.reply.body), json!({"ok": true}));
    let [event] = outcome.events.as_slice() else {
        panic!("{:?}", outcome.events)
    };
    assert_eq!(event.state, CallState::Ringing);
    // The example lacks `direction`: INCOMING is incoming.
    assert_eq!(event.direction, Direction::In);
    assert_eq!(event.employee.as_deref(), Some("andy"));
    assert_eq!(event.employee_name.as_deref(), Some("andy name"));
    assert_eq!(event.root_id(), "B10D0EB124F4E64AF4EA-1511");
    assert_eq!(event.customer.as_ref().unwrap().key(), "+79101234567");
    assert_eq!(event.at, now());
}

#[test]
fn the_spec_contact_example_is_answered_from_the_directory() {
    let outcome = hooks().handle(
        &request(None, CONTACT_EXAMPLE),
        &directory(),
        &staff(),
        now(),
    );
    assert_eq!(outcome.reply.status, 200);
    assert_eq!(
        body(&outcome.reply.body),
        json!({"contact_name": "Менеджер (ЗАО Рога и Копыта)", "responsible": "andy2"})
    );
    // Unknown number: nothing to say, still 200 JSON.
    let unknown = hooks().handle(
        &form(&[
            ("cmd", "contact"),
            ("phone", "74950000000"),
            ("callid", "x"),
            ("crm_token", TOKEN),
        ]),
        &directory(),
        &staff(),
        now(),
    );
    assert_eq!(
        (unknown.reply.status, body(&unknown.reply.body)),
        (200, json!({}))
    );
    // Without the PBX users, the responsible cannot be named: left out.
    let alone = hooks().handle(&request(None, CONTACT_EXAMPLE), &directory(), &[], now());
    assert_eq!(
        body(&alone.reply.body),
        json!({"contact_name": "Менеджер (ЗАО Рога и Копыта)"})
    );
}

#[test]
fn every_event_type_maps_to_a_call_state() {
    let cases = [
        ("INCOMING", "in", CallState::Ringing),
        ("OUTGOING", "out", CallState::Ringing),
        ("ACCEPTED", "in", CallState::Answered),
        ("COMPLETED", "in", CallState::Ended),
        ("TRANSFERRED", "in", CallState::Transferred),
        ("CANCELLED", "out", CallState::Cancelled),
        ("CANCELLED", "in", CallState::Missed),
    ];
    for (kind, direction, want) in cases {
        let outcome = hooks().handle(
            &form(&[
                ("cmd", "event"),
                ("type", kind),
                ("phone", "79101234567"),
                ("user", "andy"),
                ("direction", direction),
                ("callid", "C1"),
                ("crm_token", TOKEN),
            ]),
            &directory(),
            &staff(),
            now(),
        );
        assert_eq!(outcome.events.len(), 1, "{kind}: {:?}", outcome.problem);
        assert_eq!(outcome.events[0].state, want, "{kind} {direction}");
    }
}

#[test]
fn a_wrong_or_missing_token_is_401_with_the_exact_body() {
    let mut hooks = hooks();
    for fields in [
        vec![("cmd", "event"), ("crm_token", "nope")],
        vec![("cmd", "event")],
        vec![
            ("cmd", "contact"),
            ("phone", "1"),
            ("callid", "c"),
            ("crm_token", &TOKEN[1..]),
        ],
    ] {
        let outcome = hooks.handle(&form(&fields), &directory(), &staff(), now());
        assert_eq!(outcome.reply.status, 401);
        assert_eq!(outcome.reply.body, r#"{"error":"Invalid token"}"#);
        assert!(outcome.events.is_empty());
    }
    assert!(!format!("{hooks:?}").contains(TOKEN));
    assert!(CloudPbxWebhooks::new("  ", "RU").is_err());
}

#[test]
fn missing_or_bad_parameters_are_400_with_the_exact_body() {
    let mut hooks = hooks();
    let cases: [&[(&str, &str)]; 6] = [
        &[
            ("cmd", "event"),
            ("type", "INCOMING"),
            ("user", "andy"),
            ("callid", "c"),
        ],
        &[
            ("cmd", "event"),
            ("type", "RINGING"),
            ("phone", "1"),
            ("user", "a"),
            ("callid", "c"),
        ],
        &[("cmd", "contact"), ("phone", "79101234567")],
        &[
            ("cmd", "history"),
            ("type", "in"),
            ("status", "Success"),
            ("phone", "1"),
            ("user", "a"),
            ("start", "yesterday"),
            ("duration", "5"),
            ("callid", "c"),
        ],
        &[
            ("cmd", "history"),
            ("type", "in"),
            ("status", "Success"),
            ("phone", "1"),
            ("user", "a"),
            ("start", "20170703T121110Z"),
            ("duration", "-5"),
            ("callid", "c"),
        ],
        &[("cmd", "dance")],
    ];
    for fields in cases {
        let mut fields = fields.to_vec();
        fields.push(("crm_token", TOKEN));
        let outcome = hooks.handle(&form(&fields), &directory(), &staff(), now());
        assert_eq!(outcome.reply.status, 400, "{fields:?}");
        assert_eq!(outcome.reply.body, r#"{"error":"Invalid parameters"}"#);
        assert!(outcome.problem.is_some());
    }
}

#[test]
fn history_statuses_including_no_answer_and_rating_are_read() {
    let cases = [
        ("in", "Success", CallState::Ended),
        ("in", "Missed", CallState::Missed),
        ("in", "Cancel", CallState::Missed),
        ("in", "NoAnswer", CallState::Missed),
        ("out", "Busy", CallState::Cancelled),
        ("out", "NotAvailable", CallState::Cancelled),
        ("out", "NotAllowed", CallState::Cancelled),
        ("out", "NotFound", CallState::Cancelled),
        ("out", "NoAnswer", CallState::Cancelled),
    ];
    for (kind, status, want) in cases {
        let fields = Fields::parse(
            Some("application/x-www-form-urlencoded"),
            format!(
                "cmd=history&type={kind}&status={status}&phone=%2B79101234567&user=andy\
                 &start=20240501T090000Z&duration=12&callid=c1&rating=5"
            )
            .as_bytes(),
        )
        .unwrap();
        let history = parse_history(&fields).unwrap();
        assert_eq!(history.rating.as_deref(), Some("5"));
        assert_ne!(
            history.status,
            HistoryStatus::Other(status.into()),
            "{status}"
        );
        let record = history.call_record("RU");
        assert_eq!(record.state, want, "{kind} {status}");
        assert_eq!(record.customer.unwrap().key(), "+79101234567");
    }
}

#[test]
fn a_repeated_event_is_dropped() {
    let mut hooks = hooks();
    let first = hooks.handle(&request(None, EVENT_EXAMPLE), &directory(), &staff(), now());
    let again = hooks.handle(&request(None, EVENT_EXAMPLE), &directory(), &staff(), now());
    assert_eq!(first.events.len(), 1);
    assert!(again.events.is_empty());
    assert!(again.duplicate);
    assert_eq!(again.reply.status, 200);
}

fn event(kind: &str, user: &str, callid: &str) -> WebhookRequest {
    form(&[
        ("cmd", "event"),
        ("type", kind),
        ("phone", "79101234567"),
        ("user", user),
        ("callid", callid),
        ("groupRealName", "Отдел продаж"),
        ("crm_token", TOKEN),
    ])
}

#[test]
fn a_group_call_is_one_call_answered_by_the_right_user() {
    let mut hooks = hooks();
    let mut tracker = CallTracker::new();
    let (store, staff) = (directory(), staff());
    let mut calls = Vec::new();
    let steps = [
        ("INCOMING", "andy"),
        ("INCOMING", "daria"),
        ("INCOMING", "mike"),
        ("ACCEPTED", "daria"),
        ("CANCELLED", "andy"),
        ("CANCELLED", "mike"),
        ("COMPLETED", "daria"),
    ];
    for (i, (kind, user)) in steps.into_iter().enumerate() {
        let at = now() + chrono::Duration::seconds(i as i64);
        let outcome = hooks.handle(&event(kind, user, "G-1"), &store, &staff, at);
        for event in &outcome.events {
            if let Some(call) = tracker.apply(event) {
                calls.push(call);
            }
        }
    }
    assert!(
        calls.iter().all(|c| c.id == "G-1"),
        "one call, not one per leg"
    );
    let last = calls.last().unwrap();
    assert_eq!(last.state, CallState::Ended);
    assert_eq!(last.employee.as_deref(), Some("daria"));
    assert_eq!(last.legs.len(), 3);
    assert_eq!(last.legs["G-1:andy"].state, CallState::Cancelled);
    assert_eq!(last.legs["G-1:daria"].state, CallState::Ended);
    assert!(calls.iter().any(|c| c.state == CallState::Answered));
    assert_eq!(tracker.live_calls().count(), 0);
}

#[test]
fn a_group_call_nobody_answers_is_missed() {
    let mut hooks = hooks();
    let mut tracker = CallTracker::new();
    let mut last = None;
    for (kind, user) in [
        ("INCOMING", "andy"),
        ("INCOMING", "mike"),
        ("CANCELLED", "andy"),
        ("CANCELLED", "mike"),
    ] {
        for e in hooks
            .handle(&event(kind, user, "G-2"), &directory(), &staff(), now())
            .events
        {
            last = tracker.apply(&e).or(last);
        }
    }
    assert_eq!(last.unwrap().state, CallState::Missed);
}

/// A tiny CRM: an axum route that hands every request to `CloudPbxWebhooks::handle`.
#[derive(Clone)]
struct Crm {
    hooks: Arc<Mutex<CloudPbxWebhooks>>,
    store: Arc<Mutex<Store>>,
    events: Arc<Mutex<Vec<CallEvent>>>,
    records: Arc<Mutex<Vec<callpop_core::CallRecord>>>,
}

async fn receive(
    axum::extract::State(crm): axum::extract::State<Crm>,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let request = WebhookRequest {
        remote_ip: IpAddr::V4(Ipv4Addr::LOCALHOST),
        path: "/crm".into(),
        content_type: headers
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        body: body.to_vec(),
    };
    let outcome = {
        let store = crm.store.lock().unwrap();
        crm.hooks
            .lock()
            .unwrap()
            .handle(&request, &store, &staff(), Utc::now())
    };
    crm.events.lock().unwrap().extend(outcome.events);
    crm.records.lock().unwrap().extend(outcome.record);
    (
        axum::http::StatusCode::from_u16(outcome.reply.status).unwrap(),
        [(axum::http::header::CONTENT_TYPE, outcome.reply.content_type)],
        outcome.reply.body,
    )
        .into_response()
}

async fn start_crm(crm: Crm) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = axum::Router::new()
        .route("/crm", axum::routing::post(receive))
        .with_state(crm);
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}/crm")
}

fn crm(token: &str) -> Crm {
    Crm {
        hooks: Arc::new(Mutex::new(CloudPbxWebhooks::new(token, "RU").unwrap())),
        store: Arc::new(Mutex::new(directory())),
        events: Arc::default(),
        records: Arc::default(),
    }
}

#[tokio::test]
async fn the_simulator_plays_a_group_call_into_a_crm_using_the_handler() {
    let receiver = crm(TOKEN);
    let url = start_crm(receiver.clone()).await;
    let sim = cloudpbx::start(
        "127.0.0.1:0",
        CloudPbxSimConfig {
            crm_url: Some(url),
            crm_token: TOKEN.into(),
            ..CloudPbxSimConfig::default()
        },
    )
    .await
    .unwrap();
    let deliveries = sim
        .play(CallScenario::Incoming {
            phone: "79101234567".into(),
            users: vec!["andy".into(), "daria".into()],
            answered_by: Some("andy".into()),
            ring_secs: 4,
            talk_secs: 60,
            group: Some("Отдел продаж".into()),
        })
        .await
        .unwrap()
        .unwrap();
    assert!(deliveries.iter().all(|d| d.status == 200), "{deliveries:?}");
    let cmds: Vec<&str> = deliveries.iter().map(|d| d.field("cmd").unwrap()).collect();
    assert_eq!(
        cmds,
        ["contact", "event", "event", "event", "event", "event", "history"]
    );
    assert_eq!(
        body(&deliveries[0].body),
        json!({"contact_name": "Менеджер (ЗАО Рога и Копыта)", "responsible": "andy2"})
    );
    let mut tracker = CallTracker::new();
    let mut last = None;
    for event in receiver.events.lock().unwrap().iter() {
        last = tracker.apply(event).or(last);
    }
    let call = last.unwrap();
    assert_eq!(call.state, CallState::Ended);
    assert_eq!(call.employee.as_deref(), Some("andy"));
    let records = receiver.records.lock().unwrap().clone();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].call_id, call.id);
    assert_eq!(records[0].duration_seconds, Some(64));
    // The call is in the PBX's own history too.
    assert_eq!(sim.history().len(), 1);
    let csv_rows = parse_history_csv(&format!(
        "UID,type,client,account,via,start,wait,duration,record\n{},in,79101234567,andy,,20240501T090000Z,4,60,\n",
        call.id
    ))
    .unwrap();
    assert_eq!(csv_rows[0].uid, call.id);
}

#[tokio::test]
async fn a_crm_with_another_token_refuses_the_played_call() {
    let receiver = crm("another-token");
    let url = start_crm(receiver.clone()).await;
    let sim = cloudpbx::start(
        "127.0.0.1:0",
        CloudPbxSimConfig {
            crm_url: Some(url),
            crm_token: TOKEN.into(),
            ..CloudPbxSimConfig::default()
        },
    )
    .await
    .unwrap();
    let deliveries = sim
        .run(CallScenario::Outgoing {
            user: "andy".into(),
            phone: "79101234567".into(),
            answered: false,
            talk_secs: 0,
        })
        .await
        .unwrap();
    assert!(deliveries.iter().all(|d| d.status == 401));
    assert!(deliveries
        .iter()
        .all(|d| d.body == r#"{"error":"Invalid token"}"#));
    assert!(receiver.events.lock().unwrap().is_empty());
}

/// Seeded random input for every parser: never a panic, always a reply.
#[test]
fn random_input_never_panics_any_parser() {
    let mut rng = rand::rngs::StdRng::seed_from_u64(0xC0FFEE);
    let pieces = [
        "cmd=",
        "event",
        "history",
        "contact",
        "&",
        "=",
        "type=",
        "INCOMING",
        "status=",
        "Success",
        "phone=",
        "+7",
        "%",
        "%ZZ",
        "\n",
        "\r",
        ",",
        "\"",
        "crm_token=",
        TOKEN,
        "start=",
        "20170703T121110Z",
        "duration=",
        "99999999999999999999",
        "-1",
        "é",
        "\u{0}",
        "callid=",
        "user=",
        "in",
        "out",
        "missed",
        "UID",
        "T",
        "Z",
        "1e308",
        "NaN",
    ];
    let mut hooks = hooks();
    let (store, staff) = (directory(), staff());
    for _ in 0..3000 {
        let n = rng.gen_range(0..24);
        let mut text = String::new();
        for _ in 0..n {
            if rng.gen_bool(0.8) {
                text.push_str(pieces[rng.gen_range(0..pieces.len())]);
            } else {
                text.push(char::from(rng.gen_range(0u8..128)));
            }
        }
        let content_type = if rng.gen_bool(0.5) {
            Some("application/x-www-form-urlencoded")
        } else {
            None
        };
        let mut bytes = text.clone().into_bytes();
        if rng.gen_bool(0.05) {
            bytes.push(0xFF);
        }
        let req = WebhookRequest {
            remote_ip: IpAddr::V4(Ipv4Addr::LOCALHOST),
            path: "/".into(),
            content_type: content_type.map(str::to_owned),
            body: bytes.clone(),
        };
        let outcome = hooks.handle(&req, &store, &staff, now());
        assert!([200, 400, 401, 413].contains(&outcome.reply.status));
        if let Ok(fields) = Fields::parse(content_type, &bytes) {
            let _ = parse_event(&fields);
            let _ = parse_contact(&fields);
            let _ = parse_history(&fields).map(|h| h.call_record("RU"));
        }
        let _ = parse_history_csv(&text)
            .map(|rows| rows.iter().map(|r| r.call_record("RU")).collect::<Vec<_>>());
        let _ = callpop_providers::cloudpbx::time::parse_time(&text);
    }
}
