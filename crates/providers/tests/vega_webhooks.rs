//! Vega's webhooks (vega.md part A) through the one entry point the relay mounts,
//! `VegaWebhooks::handle`: every example payload of part A replayed verbatim, the guard, and
//! random input thrown at every parser.

use std::net::IpAddr;

use callpop_core::{CallEvent, CallState, Direction, Employee, NewContact, PhoneNumber, Store};
use callpop_providers::vega::webhook::{
    handle_call_settings, parse_call_event, parse_call_settings, parse_utm, CallSettingsOptions,
    VegaWebhookEvents, VegaWebhooks, WebhookGuard, WebhookKind, WebhookOutcome, WebhookRequest,
    VEGA_EXAMPLE_IP,
};
use callpop_providers::vega::{ActiveCall, SnapshotDiff};
use chrono::{DateTime, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};

const SECRET: &str = "9f2c4e1a7b3d5f608192a3b4c5d6e7f8";

use callpop_providers::vega::examples::{
    ACTIVE_CALLS as SPEC_ACTIVE_CALLS, DIAL as SPEC_DIAL,
    SETTINGS_REQUEST as SPEC_SETTINGS_REQUEST, UTM as SPEC_UTM,
};

fn now() -> DateTime<Utc> {
    "2026-01-10T12:00:00Z".parse().unwrap()
}

fn vega_ip() -> IpAddr {
    VEGA_EXAMPLE_IP.parse().unwrap()
}

fn request(body: &str) -> WebhookRequest {
    WebhookRequest {
        remote_ip: vega_ip(),
        path: format!("/vega/{SECRET}"),
        content_type: Some("application/json".into()),
        body: body.as_bytes().to_vec(),
    }
}

fn guard() -> WebhookGuard {
    WebhookGuard::new(&[VEGA_EXAMPLE_IP], SECRET).unwrap()
}

fn new_contact_options() -> CallSettingsOptions {
    CallSettingsOptions {
        new_contact_url: Some("http://crm.com/contacts/new?phone={phone}".into()),
        ..CallSettingsOptions::default()
    }
}

fn webhooks(options: CallSettingsOptions) -> VegaWebhooks {
    VegaWebhooks::new(guard(), options, "UA", None)
}

fn employees() -> Vec<Employee> {
    vec![
        Employee {
            id: "30".into(),
            name: "Іван Іванов".into(),
            ext: Some("001".into()),
            email: Some("example@email.com".into()),
        },
        Employee {
            id: "14".into(),
            name: "Юрій Юрієв".into(),
            ext: Some("990".into()),
            email: Some("yuriy.yuriev@pbx.vega.ua".into()),
        },
    ]
}

/// A directory with the spec's contact (+380442246595, responsible named by e-mail) and two more
/// whose "responsible" is an extension and a name nobody has.
fn directory() -> Store {
    let store = Store::open_in_memory("UA").unwrap();
    let add = |name: &str, number: &str, responsible: &str, url: Option<&str>| {
        store
            .add_contact(&NewContact {
                name: name.into(),
                responsible: Some(responsible.into()),
                url: url.map(str::to_owned),
                phones: vec![PhoneNumber::parse(number, "UA")],
                ..NewContact::default()
            })
            .unwrap();
    };
    add(
        "Іван Іванов",
        "+380442246595",
        "example@email.com",
        Some("http://crm.com/contacts?id=1"),
    );
    add("Telecom company", "+380442249895", "990", None);
    add(
        "Orphan",
        "+380501112233",
        "Nobody Here",
        Some("http://crm.com/contacts?id=3"),
    );
    store
}

fn json_of(outcome: &WebhookOutcome) -> Value {
    serde_json::from_str(&outcome.reply.body).unwrap()
}

fn settings_for(number: &str) -> String {
    json!({ "request": "call.settings", "otherLegNum": number }).to_string()
}

#[test]
fn the_spec_call_settings_request_gets_the_spec_answer_for_a_known_contact() {
    let outcome = webhooks(CallSettingsOptions::default()).handle(
        &request(SPEC_SETTINGS_REQUEST),
        &directory(),
        &employees(),
        now(),
    );
    assert_eq!(outcome.kind, Some(WebhookKind::CallSettings));
    assert_eq!(outcome.reply.status, 200);
    assert_eq!(
        json_of(&outcome),
        json!({ "otherLeg": {
            "name": "Іван Іванов",
            "url": "http://crm.com/contacts?id=1",
            "urlText": "Іван Іванов",
            "newEntry": false,
            "responsibleEmployeeExt": "001",
            "responsibleEmployeeEmail": "example@email.com" } })
    );
}

#[test]
fn an_unknown_number_gets_a_create_contact_link_when_a_template_is_set() {
    let outcome = webhooks(new_contact_options()).handle(
        &request(&settings_for("+380442246500")),
        &directory(),
        &employees(),
        now(),
    );
    assert_eq!(outcome.reply.status, 200);
    assert_eq!(
        json_of(&outcome),
        json!({ "otherLeg": {
            "name": null,
            "url": "http://crm.com/contacts/new?phone=%2B380442246500",
            "urlText": "Додати контакт",
            "newEntry": true,
            "responsibleEmployeeExt": null,
            "responsibleEmployeeEmail": null } })
    );
}

#[test]
fn an_unknown_number_gets_a_null_other_leg_without_a_template() {
    let outcome = webhooks(CallSettingsOptions::default()).handle(
        &request(&settings_for("+380442246500")),
        &directory(),
        &employees(),
        now(),
    );
    assert_eq!(outcome.reply.status, 200);
    assert_eq!(json_of(&outcome), json!({ "otherLeg": null }));
}

#[test]
fn the_create_contact_link_text_is_configurable_and_the_number_url_encoded() {
    let options = CallSettingsOptions {
        new_contact_url: Some("https://crm.example.com/contacts/new?phone={phone}".into()),
        new_contact_text: "Add contact".into(),
    };
    // Written nationally with spaces: it still goes out as one encoded E.164 number.
    let reply = handle_call_settings(
        &request(&settings_for("044 224 65 00")),
        &directory(),
        &employees(),
        &options,
    );
    let body: Value = serde_json::from_str(&reply.body).unwrap();
    assert_eq!(
        body["otherLeg"]["url"],
        "https://crm.example.com/contacts/new?phone=%2B380442246500"
    );
    assert_eq!(body["otherLeg"]["urlText"], "Add contact");
}

#[test]
fn the_responsible_employee_is_found_by_extension_email_or_name_and_null_otherwise() {
    let mut hooks = webhooks(CallSettingsOptions::default());
    let directory = directory();
    let staff = employees();
    let answer = |hooks: &mut VegaWebhooks, number: &str| {
        json_of(&hooks.handle(&request(&settings_for(number)), &directory, &staff, now()))
    };
    // Named by extension "990": Юрій's extension and e-mail.
    let by_ext = answer(&mut hooks, "+380442249895");
    assert_eq!(by_ext["otherLeg"]["responsibleEmployeeExt"], "990");
    assert_eq!(
        by_ext["otherLeg"]["responsibleEmployeeEmail"],
        "yuriy.yuriev@pbx.vega.ua"
    );
    // No url in the directory: null, and the name is still the link text.
    assert_eq!(by_ext["otherLeg"]["url"], Value::Null);
    assert_eq!(by_ext["otherLeg"]["urlText"], "Telecom company");
    // Named by someone not on the staff list.
    let orphan = answer(&mut hooks, "+380501112233");
    assert_eq!(orphan["otherLeg"]["name"], "Orphan");
    assert_eq!(orphan["otherLeg"]["responsibleEmployeeExt"], Value::Null);
    assert_eq!(orphan["otherLeg"]["responsibleEmployeeEmail"], Value::Null);
    // And with no staff list at all.
    let outcome = hooks.handle(&request(SPEC_SETTINGS_REQUEST), &directory, &[], now());
    assert_eq!(
        json_of(&outcome)["otherLeg"]["responsibleEmployeeExt"],
        Value::Null
    );
}

#[test]
fn a_form_encoded_look_up_is_answered_like_json() {
    let mut form = request("request=call.settings&otherLegNum=%2B380442246595&trunkNum=0800218500");
    form.content_type = Some("application/x-www-form-urlencoded".into());
    let outcome =
        webhooks(CallSettingsOptions::default()).handle(&form, &directory(), &employees(), now());
    assert_eq!(outcome.reply.status, 200);
    assert_eq!(json_of(&outcome)["otherLeg"]["name"], "Іван Іванов");
}

#[test]
fn another_request_name_or_a_missing_number_is_400_with_a_json_error() {
    let mut hooks = webhooks(CallSettingsOptions::default());
    let directory = directory();
    let cases = [
        (
            r#"{"request": "call.history", "otherLegNum": "+380442246595"}"#,
            r#"Unknown request: "call.history"; this endpoint answers only "call.settings""#,
        ),
        (
            r#"{"request": "call.settings"}"#,
            "Invalid parameters: otherLegNum is missing",
        ),
        (
            r#"{"something": "else"}"#,
            "Unknown request: the body is neither a call.settings request, a call event nor UTM tags",
        ),
    ];
    for (body, error) in cases {
        let outcome = hooks.handle(&request(body), &directory, &[], now());
        assert_eq!(outcome.reply.status, 400, "{body}");
        assert_eq!(
            outcome.reply.content_type,
            "application/json; charset=utf-8"
        );
        assert_eq!(json_of(&outcome), json!({ "error": error }), "{body}");
    }
}

#[test]
fn malformed_json_is_400_for_every_kind() {
    let mut hooks = webhooks(CallSettingsOptions::default());
    for body in [
        r#"{"request": "call.settings", "otherLegNum": "#,
        r#"{"event": "call.dial", "uuid": "a""#,
        r#"[{"callParentUuid": "c"}"#,
        "",
    ] {
        let outcome = hooks.handle(&request(body), &directory(), &[], now());
        assert_eq!(outcome.reply.status, 400, "{body:?}");
        let error = json_of(&outcome)["error"].as_str().unwrap().to_owned();
        assert!(
            error.starts_with("Invalid parameters: "),
            "{body:?}: {error}"
        );
        assert!(outcome.events.is_empty());
    }
}

#[test]
fn the_spec_dial_example_rings_an_outgoing_call_with_the_pbx_contact() {
    let outcome = webhooks(CallSettingsOptions::default()).handle(
        &request(SPEC_DIAL),
        &directory(),
        &[],
        now(),
    );
    assert_eq!(outcome.kind, Some(WebhookKind::CallEvent));
    assert_eq!(outcome.reply.status, 200);
    assert_eq!(json_of(&outcome), json!({ "ok": true }));
    let [ring] = outcome.events.as_slice() else {
        panic!("one event expected: {:?}", outcome.events);
    };
    assert_eq!(ring.call_id, "47a968893984475b8c20e29dec144ce1d");
    assert_eq!(ring.provider, "vega");
    assert_eq!(ring.state, CallState::Ringing);
    assert_eq!(ring.direction, Direction::Out);
    assert_eq!(ring.employee.as_deref(), Some("001"));
    assert_eq!(
        ring.customer,
        Some(PhoneNumber::parse("+380000000000", "UA"))
    );
    assert_eq!(
        ring.at,
        "2015-05-15T10:35:00Z".parse::<DateTime<Utc>>().unwrap()
    );
    let contact = ring.pbx_contact.as_ref().unwrap();
    assert_eq!(contact.name.as_deref(), Some("Анастасія Березкіна"));
    assert_eq!(contact.company.as_deref(), Some("Тестова компанія"));
    let parsed = outcome.call_event.unwrap();
    assert_eq!(parsed.account_domain.as_deref(), Some("qwerty.pbx.vega.ua"));
    assert_eq!(parsed.call.trunk_name.as_deref(), Some("www.pbx.vega.ua"));
}

/// B.3's entry as the A.2 event its `lastEvent` names.
fn as_event(entry: &Value) -> String {
    let mut event = entry.clone();
    let object = event.as_object_mut().unwrap();
    let name = object.remove("lastEvent").unwrap();
    object.insert("event".into(), name);
    event.to_string()
}

#[test]
fn the_spec_active_calls_resent_as_events_give_what_the_poller_gives() {
    let entries: Vec<Value> = serde_json::from_str(SPEC_ACTIVE_CALLS).unwrap();
    let snapshot: Vec<ActiveCall> = serde_json::from_str(SPEC_ACTIVE_CALLS).unwrap();
    let polled = SnapshotDiff::new("UA", None).apply(&snapshot, now());

    let mut hooks = webhooks(CallSettingsOptions::default());
    let directory = directory();
    let pushed: Vec<CallEvent> = entries
        .iter()
        .flat_map(|entry| {
            let outcome = hooks.handle(&request(&as_event(entry)), &directory, &[], now());
            assert_eq!(outcome.reply.status, 200);
            outcome.events
        })
        .collect();
    assert_eq!(pushed, polled);
    assert_eq!(pushed.len(), 5);
}

#[test]
fn the_spec_active_calls_hung_up_end_like_the_poller_ends_them() {
    let entries: Vec<Value> = serde_json::from_str(SPEC_ACTIVE_CALLS).unwrap();
    let snapshot: Vec<ActiveCall> = serde_json::from_str(SPEC_ACTIVE_CALLS).unwrap();
    let mut diff = SnapshotDiff::new("UA", None);
    diff.apply(&snapshot, now());
    let polled_ends = diff.apply(&[], now());

    let mut events = VegaWebhookEvents::new("UA", None);
    let mut pushed_ends = Vec::new();
    for entry in &entries {
        let mut hangup: Value = serde_json::from_str(&as_event(entry)).unwrap();
        events.apply(
            &parse_call_event(hangup.to_string().as_bytes()).unwrap(),
            now(),
        );
        hangup["event"] = json!("call.hangup");
        pushed_ends.extend(events.apply(
            &parse_call_event(hangup.to_string().as_bytes()).unwrap(),
            now(),
        ));
    }
    assert_eq!(pushed_ends, polled_ends);
    let states: Vec<CallState> = pushed_ends.iter().map(|e| e.state).collect();
    // Outgoing unanswered: cancelled; the two answered calls: ended.
    assert_eq!(
        states,
        [CallState::Cancelled, CallState::Ended, CallState::Ended]
    );
}

#[test]
fn duplicate_events_are_answered_200_and_dropped() {
    let mut hooks = webhooks(CallSettingsOptions::default());
    let directory = directory();
    let first = hooks.handle(&request(SPEC_DIAL), &directory, &[], now());
    let again = hooks.handle(&request(SPEC_DIAL), &directory, &[], now());
    assert_eq!(first.events.len(), 1);
    assert_eq!(again.reply.status, 200);
    assert!(again.events.is_empty());
}

#[test]
fn a_hangup_before_its_dial_ends_the_call_once() {
    let mut hooks = webhooks(CallSettingsOptions::default());
    let directory = directory();
    let mut hangup: Value = serde_json::from_str(SPEC_DIAL).unwrap();
    hangup["event"] = json!("call.hangup");
    hangup["lgDirection"] = json!(4);
    let early = hooks.handle(&request(&hangup.to_string()), &directory, &[], now());
    let states: Vec<CallState> = early.events.iter().map(|e| e.state).collect();
    assert_eq!(states, [CallState::Ringing, CallState::Missed]);
    let mut late = serde_json::from_str::<Value>(SPEC_DIAL).unwrap();
    late["lgDirection"] = json!(4);
    let late = hooks.handle(&request(&late.to_string()), &directory, &[], now());
    assert_eq!(late.reply.status, 200);
    assert!(late.events.is_empty());
}

#[test]
fn the_spec_utm_example_is_keyed_by_call_and_answered_200() {
    let outcome = webhooks(CallSettingsOptions::default()).handle(
        &request(SPEC_UTM),
        &directory(),
        &[],
        now(),
    );
    assert_eq!(outcome.kind, Some(WebhookKind::Utm));
    assert_eq!(outcome.reply.status, 200);
    assert_eq!(
        json_of(&outcome),
        json!({ "ok": true, "accepted": 1, "skipped": 0 })
    );
    let batch = outcome.utm.unwrap();
    let record = &batch.records["005f1dfae76d4c379e1d4095c07a76a2"];
    assert_eq!(record.other_leg_num.as_deref(), Some("+380505826633"));
    assert_eq!(record.label.as_deref(), Some("callcatcher\n firstcall"));
    assert_eq!(
        record.call_start.map(|t| t.timestamp_millis()),
        Some(1_549_954_873_000)
    );
    assert_eq!(
        record.call_date.map(|t| t.timestamp_millis()),
        Some(1_549_954_944_251)
    );
}

#[test]
fn a_request_from_another_address_is_forbidden() {
    let mut hooks = webhooks(CallSettingsOptions::default());
    let mut stranger = request(SPEC_DIAL);
    stranger.remote_ip = "203.0.113.7".parse().unwrap();
    let outcome = hooks.handle(&stranger, &directory(), &[], now());
    assert_eq!(outcome.reply.status, 403);
    assert_eq!(json_of(&outcome), json!({ "error": "Forbidden" }));
    assert_eq!(outcome.kind, None);
    assert!(outcome.events.is_empty());
    // Nothing was applied: the real event still rings afterwards.
    let real = hooks.handle(&request(SPEC_DIAL), &directory(), &[], now());
    assert_eq!(real.events.len(), 1);
}

#[test]
fn a_request_without_the_secret_path_is_forbidden() {
    let mut hooks = webhooks(CallSettingsOptions::default());
    for path in [
        "/vega",
        "/vega/",
        "/vega/9f2c4e1a7b3d5f608192a3b4c5d6e7f9",
        "/",
    ] {
        let mut wrong = request(SPEC_SETTINGS_REQUEST);
        wrong.path = path.into();
        let outcome = hooks.handle(&wrong, &directory(), &employees(), now());
        assert_eq!(outcome.reply.status, 403, "{path}");
        assert!(!outcome.reply.body.contains(SECRET));
    }
}

#[test]
fn an_oversized_body_is_413() {
    let mut hooks = webhooks(CallSettingsOptions::default());
    let limit = hooks.guard().max_body_bytes();
    assert_eq!(limit, 64 * 1024);
    let padding = " ".repeat(limit);
    let outcome = hooks.handle(
        &request(&format!("{SPEC_UTM}{padding}")),
        &directory(),
        &[],
        now(),
    );
    assert_eq!(outcome.reply.status, 413);
    assert!(json_of(&outcome)["error"]
        .as_str()
        .unwrap()
        .starts_with("Payload too large"));
    assert!(outcome.utm.is_none());
}

/// Random JSON: every shape, nested, with the field names Vega uses so parsers get past their
/// first checks.
fn random_json(rng: &mut StdRng, depth: u32) -> Value {
    const NAMES: [&str; 16] = [
        "request",
        "otherLegNum",
        "trunkNum",
        "event",
        "uuid",
        "parentUuid",
        "dialAt",
        "bridgeAt",
        "lgDirection",
        "leg",
        "leg2",
        "otherLegs",
        "serverTime",
        "callParentUuid",
        "callDate",
        "priority",
    ];
    const TEXTS: [&str; 10] = [
        "call.settings",
        "call.dial",
        "call.bridge",
        "call.hangup",
        "+380442246595",
        "",
        " ",
        "ї😀\u{0}",
        "1431686100",
        "-1",
    ];
    let leaf = depth == 0 || rng.gen_bool(0.4);
    match rng.gen_range(0..if leaf { 5 } else { 7 }) {
        0 => Value::Null,
        1 => json!(rng.gen::<bool>()),
        2 => match rng.gen_range(0..4) {
            0 => json!(rng.gen::<i64>()),
            1 => json!(rng.gen::<u64>()),
            2 => json!(rng.gen::<f64>() * 1e20 - 5e19),
            _ => json!(rng.gen_range(0..70)),
        },
        3 => json!(TEXTS[rng.gen_range(0..TEXTS.len())]),
        4 => {
            let len = rng.gen_range(0..12);
            json!((0..len).map(|_| rng.gen::<char>()).collect::<String>())
        }
        5 => Value::Array(
            (0..rng.gen_range(0..4))
                .map(|_| random_json(rng, depth - 1))
                .collect(),
        ),
        _ => Value::Object(
            (0..rng.gen_range(0..8))
                .map(|_| {
                    let name = NAMES[rng.gen_range(0..NAMES.len())].to_owned();
                    (name, random_json(rng, depth - 1))
                })
                .collect(),
        ),
    }
}

fn random_bytes(rng: &mut StdRng) -> Vec<u8> {
    let len = rng.gen_range(0..256);
    (0..len).map(|_| rng.gen()).collect()
}

#[test]
fn random_bytes_and_random_json_never_panic_any_parser() {
    // A fixed seed: the run is the same every time, and a failure can be replayed.
    let mut rng = StdRng::seed_from_u64(0x7e6a_2026);
    let directory = directory();
    let staff = employees();
    let mut hooks = webhooks(new_contact_options());
    let mut events = VegaWebhookEvents::new("UA", Some("001".into()));
    for round in 0..3000 {
        let body = match round % 3 {
            0 => random_bytes(&mut rng),
            _ => random_json(&mut rng, 4).to_string().into_bytes(),
        };
        let content_type = match rng.gen_range(0..3) {
            0 => None,
            1 => Some("application/json".to_owned()),
            _ => Some("application/x-www-form-urlencoded".to_owned()),
        };
        let _ = parse_call_settings(content_type.as_deref(), &body);
        let _ = parse_utm(&body);
        if let Ok(parsed) = parse_call_event(&body) {
            events.apply(&parsed, now());
        }
        let request = WebhookRequest {
            remote_ip: vega_ip(),
            path: format!("/vega/{SECRET}"),
            content_type,
            body,
        };
        let outcome = hooks.handle(&request, &directory, &staff, now());
        assert!(
            [200, 400].contains(&outcome.reply.status),
            "round {round}: {}",
            outcome.reply.status
        );
        // Every reply, error or not, is JSON.
        assert!(serde_json::from_str::<Value>(&outcome.reply.body).is_ok());
    }
}

#[test]
fn deeply_nested_json_is_refused_not_a_stack_overflow() {
    let body = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let guard = WebhookGuard::new(&[VEGA_EXAMPLE_IP], SECRET)
        .unwrap()
        .with_max_body_bytes(1 << 20);
    let mut hooks = VegaWebhooks::new(guard, CallSettingsOptions::default(), "UA", None);
    let outcome = hooks.handle(&request(&body), &directory(), &[], now());
    assert_eq!(outcome.reply.status, 400);
}
