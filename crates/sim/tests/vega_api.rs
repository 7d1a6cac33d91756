//! The Vega simulator over real HTTP on 127.0.0.1, endpoint by endpoint (vega.md part B).

use std::time::{Duration, Instant};

use callpop_sim::vega::{
    demo, Fault, PbxContact, Scenario, ScenarioError, SimError, TimestampUnit, VegaSim,
    VegaSimConfig, VegaSimHandle,
};
use reqwest::header::{CONTENT_TYPE, COOKIE, SET_COOKIE};
use reqwest::StatusCode;
use serde_json::{json, Value};

const DOMAIN: &str = "test4.pbx.vega.ua";
const KEY: &str = "bHGbn240QSjFJgydWOWyZ3ve6UeNDT8CV";

fn config() -> VegaSimConfig {
    let mut config = VegaSimConfig::new(DOMAIN, KEY);
    config.hangup_linger = Some(Duration::from_millis(200));
    config
}

async fn start(config: VegaSimConfig) -> VegaSimHandle {
    VegaSim::start("127.0.0.1:0", config)
        .await
        .expect("simulator starts")
}

fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap()
}

/// Authorizes and returns the `Cookie` header value to send.
async fn login(client: &reqwest::Client, sim: &VegaSimHandle) -> String {
    let response = client
        .post(format!("{}/rest/security/authorize", sim.base_url()))
        .json(&json!({ "domain": DOMAIN, "apiKey": KEY }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let set_cookie = response.headers()[SET_COOKIE].to_str().unwrap().to_owned();
    set_cookie.split(';').next().unwrap().to_owned()
}

async fn active_calls(client: &reqwest::Client, sim: &VegaSimHandle, cookie: &str) -> Vec<Value> {
    let response = client
        .get(format!("{}/rest/calls/active/v3", sim.base_url()))
        .header(COOKIE, cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

/// Polls active calls until `done` holds, returning every snapshot seen; fails after 5 s.
async fn poll_until(
    client: &reqwest::Client,
    sim: &VegaSimHandle,
    cookie: &str,
    done: impl Fn(&[Value]) -> bool,
) -> Vec<Vec<Value>> {
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut seen = Vec::new();
    loop {
        let calls = active_calls(client, sim, cookie).await;
        let finished = done(&calls);
        seen.push(calls);
        if finished {
            return seen;
        }
        assert!(
            Instant::now() < deadline,
            "condition not reached; last: {:?}",
            seen.last()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn find<'a>(calls: &'a [Value], uuid: &str) -> Option<&'a Value> {
    calls.iter().find(|c| c["uuid"] == uuid)
}

/// The distinct `lastEvent`s a call went through, in order.
fn stages(snapshots: &[Vec<Value>], uuid: &str) -> Vec<String> {
    let mut stages: Vec<String> = Vec::new();
    for snapshot in snapshots {
        let stage = match find(snapshot, uuid) {
            Some(call) => call["lastEvent"].as_str().unwrap().to_owned(),
            None => "gone".to_owned(),
        };
        if stages.last() != Some(&stage) {
            stages.push(stage);
        }
    }
    stages
}

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
}

#[tokio::test]
async fn authorize_with_the_right_key_sets_a_session_cookie() {
    let sim = start(config()).await;
    let response = http()
        .post(format!("{}/rest/security/authorize", sim.base_url()))
        .json(&json!({ "domain": "TEST4.pbx.vega.ua", "apiKey": KEY }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let cookie = response.headers()[SET_COOKIE].to_str().unwrap();
    assert!(cookie.starts_with("JSESSIONID="), "{cookie}");
    assert!(
        cookie.contains("Path=/") && cookie.contains("HttpOnly"),
        "{cookie}"
    );
    assert_eq!(sim.stats().authorizations, 1);
}

#[tokio::test]
async fn authorize_with_a_wrong_key_or_domain_is_401_with_a_reason() {
    let sim = start(config()).await;
    for body in [
        json!({ "domain": DOMAIN, "apiKey": "wrong" }),
        json!({ "domain": "other.pbx.vega.ua", "apiKey": KEY }),
    ] {
        let response = http()
            .post(format!("{}/rest/security/authorize", sim.base_url()))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert!(response.headers().get(SET_COOKIE).is_none());
        assert!(response.headers()[CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/plain"));
        let text = response.text().await.unwrap();
        assert!(text.contains("API key"), "{text}");
    }
    assert_eq!(sim.stats().rejected_authorizations, 2);
    assert_eq!(sim.stats().authorizations, 0);
}

#[tokio::test]
async fn authorize_with_a_malformed_body_is_400() {
    let sim = start(config()).await;
    let url = format!("{}/rest/security/authorize", sim.base_url());
    for body in [
        "not json",
        r#"{"domain": "test4.pbx.vega.ua"}"#,
        r#"{"domain": 1, "apiKey": 2}"#,
    ] {
        let response = http()
            .post(&url)
            .header(CONTENT_TYPE, "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{body}");
        let text = response.text().await.unwrap();
        assert!(text.contains("apiKey"), "{text}");
    }
}

#[tokio::test]
async fn authorize_without_a_json_content_type_is_refused() {
    let sim = start(config()).await;
    let response = http()
        .post(format!("{}/rest/security/authorize", sim.base_url()))
        .body(json!({ "domain": DOMAIN, "apiKey": KEY }).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
}

#[tokio::test]
async fn rest_endpoints_without_a_valid_session_are_403() {
    let sim = start(config()).await;
    let client = http();
    let base = sim.base_url();
    let no_cookie = client
        .get(format!("{base}/rest/calls/active/v3"))
        .send()
        .await
        .unwrap();
    assert_eq!(no_cookie.status(), StatusCode::FORBIDDEN);
    let bogus = client
        .get(format!("{base}/rest/calls/active/v3"))
        .header(COOKIE, "JSESSIONID=0123456789ABCDEF")
        .send()
        .await
        .unwrap();
    assert_eq!(bogus.status(), StatusCode::FORBIDDEN);
    let make_call = client
        .post(format!("{base}/rest/user/makeCall"))
        .json(&json!({ "legExt": "001", "otherLegNum": "+380993034330" }))
        .send()
        .await
        .unwrap();
    assert_eq!(make_call.status(), StatusCode::FORBIDDEN);
    let other = client
        .get(format!("{base}/rest/users"))
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), StatusCode::FORBIDDEN);
    assert_eq!(sim.stats().forbidden, 4);
    assert!(sim.calls_made().is_empty());
}

#[tokio::test]
async fn a_session_cookie_among_others_is_accepted_and_unknown_endpoints_are_404() {
    let sim = start(config()).await;
    let client = http();
    let cookie = login(&client, &sim).await;
    let response = client
        .get(format!("{}/rest/calls/active/v3", sim.base_url()))
        .header(COOKIE, format!("lang=uk; {cookie}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let unknown = client
        .get(format!("{}/rest/no/such/thing", sim.base_url()))
        .header(COOKIE, &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn active_calls_is_an_empty_json_array_when_nobody_calls() {
    let sim = start(config()).await;
    let client = http();
    let cookie = login(&client, &sim).await;
    let response = client
        .get(format!("{}/rest/calls/active/v3", sim.base_url()))
        .header(COOKIE, &cookie)
        .send()
        .await
        .unwrap();
    assert!(response.headers()[CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("application/json"));
    assert_eq!(response.json::<Value>().await.unwrap(), json!([]));
}

#[tokio::test]
async fn an_answered_incoming_call_dials_bridges_hangs_up_and_disappears() {
    let sim = start(config()).await;
    let client = http();
    let cookie = login(&client, &sim).await;
    let before = now_ms();
    let uuids = sim
        .play(Scenario::AnsweredIncoming {
            customer: "+380442249895".into(),
            employee: "001".into(),
            ring_secs: 0.2,
            talk_secs: 0.2,
            pbx_contacts: Vec::new(),
        })
        .unwrap();
    assert_eq!(uuids.len(), 1);
    let uuid = &uuids[0];
    assert_eq!(uuid.len(), 32);

    let first = active_calls(&client, &sim, &cookie).await;
    let call = find(&first, uuid).expect("listed at once");
    assert_eq!(call["lastEvent"], "call.dial");
    assert_eq!(call["lgDirection"], 4);
    assert_eq!(call["parentUuid"], Value::Null);
    assert_eq!(call["bridgeAt"], Value::Null);
    assert_eq!(
        call["leg"],
        json!({ "id": 36, "ext": "001", "displayName": "Іван Іванов" })
    );
    assert_eq!(call["leg2"], Value::Null);
    assert_eq!(
        call["otherLegs"],
        json!([{ "id": null, "name": null, "num": "+380442249895", "companyName": null, "url": null }])
    );
    assert_eq!(call["trunkNum"], "+380442246595");
    assert_eq!(call["trunkName"], "+380442246595");
    let dial_at = call["dialAt"].as_u64().unwrap();
    assert!(
        dial_at >= before && dial_at <= now_ms(),
        "dialAt {dial_at} is not ms of now"
    );

    let snapshots = poll_until(&client, &sim, &cookie, |calls| find(calls, uuid).is_none()).await;
    assert_eq!(
        stages(&snapshots, uuid),
        ["call.dial", "call.bridge", "call.hangup", "gone"]
    );
    let bridged = snapshots
        .iter()
        .find_map(|s| find(s, uuid).filter(|c| c["lastEvent"] == "call.bridge"))
        .unwrap();
    assert!(bridged["bridgeAt"].as_u64().unwrap() >= dial_at);
}

#[tokio::test]
async fn timestamps_can_be_seconds_like_the_spec_examples() {
    let mut config = config();
    config.timestamps = TimestampUnit::Seconds;
    let sim = start(config).await;
    let client = http();
    let cookie = login(&client, &sim).await;
    sim.play(Scenario::MissedIncoming {
        customer: "+380442249895".into(),
        employee: "001".into(),
        ring_secs: 1.0,
        pbx_contacts: Vec::new(),
    })
    .unwrap();
    let calls = active_calls(&client, &sim, &cookie).await;
    let dial_at = calls[0]["dialAt"].as_u64().unwrap();
    let now_s = now_ms() / 1000;
    assert!(
        dial_at <= now_s && dial_at + 5 >= now_s,
        "dialAt {dial_at} is not seconds of now"
    );
}

#[tokio::test]
async fn a_missed_call_never_bridges() {
    let sim = start(config()).await;
    let client = http();
    let cookie = login(&client, &sim).await;
    let uuid = sim
        .play(Scenario::MissedIncoming {
            customer: "+79101234567".into(),
            employee: "002".into(),
            ring_secs: 0.2,
            pbx_contacts: Vec::new(),
        })
        .unwrap()
        .remove(0);
    let snapshots = poll_until(&client, &sim, &cookie, |calls| find(calls, &uuid).is_none()).await;
    assert_eq!(
        stages(&snapshots, &uuid),
        ["call.dial", "call.hangup", "gone"]
    );
    assert!(snapshots
        .iter()
        .filter_map(|s| find(s, &uuid))
        .all(|c| c["bridgeAt"].is_null()));
}

#[tokio::test]
async fn without_linger_a_finished_call_simply_disappears() {
    let mut config = config();
    config.hangup_linger = None;
    let sim = start(config).await;
    let client = http();
    let cookie = login(&client, &sim).await;
    let uuid = sim
        .play(Scenario::MissedIncoming {
            customer: "+79101234567".into(),
            employee: "001".into(),
            ring_secs: 0.15,
            pbx_contacts: Vec::new(),
        })
        .unwrap()
        .remove(0);
    let snapshots = poll_until(&client, &sim, &cookie, |calls| find(calls, &uuid).is_none()).await;
    assert_eq!(stages(&snapshots, &uuid), ["call.dial", "gone"]);
}

#[tokio::test]
async fn an_internal_call_has_leg2_and_neither_customer_nor_trunk() {
    let sim = start(config()).await;
    let client = http();
    let cookie = login(&client, &sim).await;
    let uuid = sim
        .play(Scenario::Internal {
            from: "001".into(),
            to: "002".into(),
            ring_secs: 0.1,
            talk_secs: Some(0.2),
        })
        .unwrap()
        .remove(0);
    let snapshots = poll_until(&client, &sim, &cookie, |calls| {
        find(calls, &uuid).is_some_and(|c| c["lastEvent"] == "call.bridge")
    })
    .await;
    let call = find(snapshots.last().unwrap(), &uuid).unwrap().clone();
    assert_eq!(call["lgDirection"], 1);
    assert_eq!(call["leg"]["ext"], "001");
    assert_eq!(
        call["leg2"],
        json!({ "id": 27, "ext": "002", "displayName": "Петро Петров" })
    );
    assert_eq!(call["otherLegs"], Value::Null);
    assert_eq!(call["trunkNum"], Value::Null);
    assert_eq!(call["trunkName"], Value::Null);
}

#[tokio::test]
async fn group_call_legs_share_the_parent_and_the_others_vanish_when_one_answers() {
    let sim = start(config()).await;
    let client = http();
    let cookie = login(&client, &sim).await;
    let uuids = sim
        .play(Scenario::GroupCall {
            customer: "+380671234567".into(),
            members: vec!["001".into(), "002".into(), "003".into()],
            answered_by: Some("002".into()),
            ring_secs: 0.2,
            talk_secs: Some(0.2),
            pbx_contacts: Vec::new(),
        })
        .unwrap();
    assert_eq!(uuids.len(), 4);
    let (parent, legs) = (&uuids[0], &uuids[1..]);

    let ringing = active_calls(&client, &sim, &cookie).await;
    assert_eq!(ringing.len(), 3);
    assert!(
        find(&ringing, parent).is_none(),
        "the parent itself is not listed"
    );
    for (leg, ext) in legs.iter().zip(["001", "002", "003"]) {
        let call = find(&ringing, leg).unwrap();
        assert_eq!(call["parentUuid"], *parent);
        assert_eq!(call["leg"]["ext"], ext);
        assert_eq!(call["otherLegs"][0]["num"], "+380671234567");
    }

    let snapshots = poll_until(&client, &sim, &cookie, |calls| calls.is_empty()).await;
    assert_eq!(stages(&snapshots, &legs[0]), ["call.dial", "gone"]);
    assert_eq!(
        stages(&snapshots, &legs[1]),
        ["call.dial", "call.bridge", "call.hangup", "gone"]
    );
    assert_eq!(stages(&snapshots, &legs[2]), ["call.dial", "gone"]);
}

#[tokio::test]
async fn the_pbx_crm_data_fills_other_legs() {
    let sim = start(config()).await;
    let client = http();
    let cookie = login(&client, &sim).await;
    sim.play(Scenario::MissedIncoming {
        customer: "+380442249895".into(),
        employee: "001".into(),
        ring_secs: 1.0,
        pbx_contacts: vec![
            PbxContact {
                id: Some("6137".into()),
                name: Some("Telecom company".into()),
                company: None,
                url: Some(
                    "https://self.pbx.vega.ua/features/crm/contacts/edit.jsp#/?id=6137".into(),
                ),
                priority: None,
            },
            PbxContact {
                name: Some("Telecom".into()),
                company: Some("Telecom LLC".into()),
                priority: Some(2),
                ..PbxContact::default()
            },
        ],
    })
    .unwrap();
    let calls = active_calls(&client, &sim, &cookie).await;
    assert_eq!(
        calls[0]["otherLegs"],
        json!([
            { "id": "6137", "name": "Telecom company", "num": "+380442249895", "companyName": null,
              "url": "https://self.pbx.vega.ua/features/crm/contacts/edit.jsp#/?id=6137" },
            { "id": null, "name": "Telecom", "num": "+380442249895", "companyName": "Telecom LLC",
              "url": null, "priority": 2 }
        ])
    );
}

#[tokio::test]
async fn make_call_starts_an_outgoing_call_and_is_logged() {
    let mut config = config();
    config.make_call.ring = Duration::from_millis(100);
    config.make_call.talk = Some(Duration::from_millis(100));
    let sim = start(config).await;
    let client = http();
    let cookie = login(&client, &sim).await;
    let response = client
        .post(format!("{}/rest/user/makeCall", sim.base_url()))
        .header(COOKIE, &cookie)
        .json(&json!({ "legExt": "001", "otherLegNum": "+380993034330" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    let uuid = body["uuid"].as_str().unwrap().to_owned();

    let calls = active_calls(&client, &sim, &cookie).await;
    let call = find(&calls, &uuid).expect("the call is active");
    assert_eq!(call["lgDirection"], 2);
    assert_eq!(call["leg"]["ext"], "001");
    assert_eq!(call["otherLegs"][0]["num"], "+380993034330");
    let snapshots = poll_until(&client, &sim, &cookie, |calls| find(calls, &uuid).is_none()).await;
    assert_eq!(
        stages(&snapshots, &uuid)[1..],
        ["call.bridge", "call.hangup", "gone"]
    );

    let log: Value = client
        .get(format!("{}/_sim/calls-made", sim.base_url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        log,
        json!([{ "legExt": "001", "otherLegNum": "+380993034330", "uuid": uuid }])
    );
    assert_eq!(sim.calls_made()[0].uuid, uuid);
}

#[tokio::test]
async fn make_call_with_an_unknown_extension_or_a_bad_body_is_400_in_plain_text() {
    let sim = start(config()).await;
    let client = http();
    let cookie = login(&client, &sim).await;
    let url = format!("{}/rest/user/makeCall", sim.base_url());
    let cases = [
        (
            json!({ "legExt": "999", "otherLegNum": "+380993034330" }).to_string(),
            "999",
        ),
        (
            json!({ "legExt": "001", "otherLegNum": "" }).to_string(),
            "otherLegNum",
        ),
        (
            json!({ "legExt": "001", "otherLegNum": "call me" }).to_string(),
            "otherLegNum",
        ),
        (json!({ "legExt": "001" }).to_string(), "otherLegNum"),
        ("[1, 2".to_owned(), "legExt"),
    ];
    for (body, mentions) in cases {
        let response = client
            .post(&url)
            .header(COOKIE, &cookie)
            .header(CONTENT_TYPE, "application/json")
            .body(body.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{body}");
        assert!(response.headers()[CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/plain"));
        let text = response.text().await.unwrap();
        assert!(text.contains(mentions), "{body}: {text}");
    }
    assert!(sim.calls_made().is_empty());
    assert!(active_calls(&client, &sim, &cookie).await.is_empty());
}

#[tokio::test]
async fn a_session_expires_after_its_ttl() {
    let mut config = config();
    config.session_ttl = Some(Duration::from_millis(300));
    let sim = start(config).await;
    let client = http();
    let cookie = login(&client, &sim).await;
    let url = format!("{}/rest/calls/active/v3", sim.base_url());
    let fresh = client
        .get(&url)
        .header(COOKIE, &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(fresh.status(), StatusCode::OK);
    tokio::time::sleep(Duration::from_millis(400)).await;
    let stale = client
        .get(&url)
        .header(COOKIE, &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(stale.status(), StatusCode::FORBIDDEN);
    let renewed = login(&client, &sim).await;
    assert_ne!(renewed, cookie);
    let again = client
        .get(&url)
        .header(COOKIE, &renewed)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::OK);
}

#[tokio::test]
async fn sessions_expired_on_demand_answer_403_until_authorized_again() {
    let sim = start(config()).await;
    let client = http();
    let url = format!("{}/rest/calls/active/v3", sim.base_url());
    let cookie = login(&client, &sim).await;
    let expire = client
        .post(format!("{}/_sim/expire-sessions", sim.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(expire.status(), StatusCode::NO_CONTENT);
    let stale = client
        .get(&url)
        .header(COOKIE, &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(stale.status(), StatusCode::FORBIDDEN);

    let cookie = login(&client, &sim).await;
    assert_eq!(
        client
            .get(&url)
            .header(COOKIE, &cookie)
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    sim.expire_sessions();
    let stale = client
        .get(&url)
        .header(COOKIE, &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(stale.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn injected_faults_answer_in_order_then_active_calls_recover() {
    let sim = start(config()).await;
    let client = http();
    let cookie = login(&client, &sim).await;
    let base = sim.base_url();
    for (fault, count) in [("server_error", 2), ("garbage", 1)] {
        let response = client
            .post(format!("{base}/_sim/faults"))
            .json(&json!({ "fault": fault, "count": count }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::NO_CONTENT);
    }
    let url = format!("{base}/rest/calls/active/v3");
    for _ in 0..2 {
        let response = client
            .get(&url)
            .header(COOKIE, &cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert!(!response.text().await.unwrap().is_empty());
    }
    let garbage = client
        .get(&url)
        .header(COOKIE, &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(garbage.status(), StatusCode::OK);
    let text = garbage.text().await.unwrap();
    assert!(serde_json::from_str::<Value>(&text).is_err(), "{text}");
    assert!(active_calls(&client, &sim, &cookie).await.is_empty());
    assert_eq!(sim.stats().active_calls_requests, 4);
}

#[tokio::test]
async fn a_bad_fault_request_is_400() {
    let sim = start(config()).await;
    let response = http()
        .post(format!("{}/_sim/faults", sim.base_url()))
        .json(&json!({ "fault": "meteor" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(response.text().await.unwrap().contains("server_error"));
}

#[tokio::test]
async fn a_hanging_answer_outlasts_a_client_timeout_and_does_not_block_shutdown() {
    let mut config = config();
    config.hang_for = Duration::from_secs(30);
    let sim = start(config).await;
    let client = http();
    let cookie = login(&client, &sim).await;
    sim.inject_faults(Fault::Hang, 1);
    let error = client
        .get(format!("{}/rest/calls/active/v3", sim.base_url()))
        .header(COOKIE, &cookie)
        .timeout(Duration::from_millis(200))
        .send()
        .await
        .unwrap_err();
    assert!(error.is_timeout(), "{error}");
    assert!(active_calls(&client, &sim, &cookie).await.is_empty());

    sim.inject_faults(Fault::Hang, 1);
    let hanging = tokio::spawn({
        let client = client.clone();
        let url = format!("{}/rest/calls/active/v3", sim.base_url());
        async move { client.get(url).header(COOKIE, cookie).send().await }
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    let started = Instant::now();
    sim.shutdown().await;
    assert!(started.elapsed() < Duration::from_secs(5));
    let _ = hanging.await;
}

#[tokio::test]
async fn the_scenario_control_endpoint_plays_json_scenarios_and_explains_refusals() {
    let sim = start(config()).await;
    let client = http();
    let cookie = login(&client, &sim).await;
    let url = format!("{}/_sim/scenario", sim.base_url());
    let response = client
        .post(&url)
        .json(
            &json!({ "kind": "outgoing", "employee": "003", "customer": "+79101234567",
                        "ring_secs": 1 }),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    let uuid = body["uuids"][0].as_str().unwrap().to_owned();
    let calls = active_calls(&client, &sim, &cookie).await;
    assert_eq!(find(&calls, &uuid).unwrap()["leg"]["ext"], "003");

    let refusals = [
        (
            json!({ "kind": "missed_incoming", "customer": "+7", "employee": "777", "ring_secs": 1 }),
            "777",
        ),
        (
            json!({ "kind": "missed_incoming", "customer": "+7", "employee": "001", "ring_secs": -1 }),
            "ring_secs",
        ),
        (
            json!({ "kind": "missed_incoming", "customer": " ", "employee": "001", "ring_secs": 1 }),
            "empty",
        ),
        (
            json!({ "kind": "internal", "from": "001", "to": "001", "ring_secs": 1 }),
            "001",
        ),
        (
            json!({ "kind": "group_call", "customer": "+7", "members": [], "ring_secs": 1 }),
            "member",
        ),
        (
            json!({ "kind": "group_call", "customer": "+7", "members": ["001"], "answered_by": "002",
                 "talk_secs": 1, "ring_secs": 1 }),
            "002",
        ),
        (
            json!({ "kind": "group_call", "customer": "+7", "members": ["001"], "answered_by": "001",
                 "ring_secs": 1 }),
            "talk_secs",
        ),
        (json!({ "kind": "teleport" }), "teleport"),
    ];
    for (scenario, mentions) in refusals {
        let response = client.post(&url).json(&scenario).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{scenario}");
        let text = response.text().await.unwrap();
        assert!(text.contains(mentions), "{scenario}: {text}");
    }
    assert_eq!(active_calls(&client, &sim, &cookie).await.len(), 1);
}

#[tokio::test]
async fn stats_are_served_as_json() {
    let sim = start(config()).await;
    let client = http();
    login(&client, &sim).await;
    let stats: Value = client
        .get(format!("{}/_sim/stats", sim.base_url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(stats["authorizations"], 1);
}

#[tokio::test]
async fn after_shutdown_nothing_listens_and_scenarios_are_refused() {
    let sim = start(config()).await;
    let url = format!("{}/rest/calls/active/v3", sim.base_url());
    sim.stop();
    let refused = sim.play(Scenario::Internal {
        from: "001".into(),
        to: "002".into(),
        ring_secs: 1.0,
        talk_secs: None,
    });
    assert_eq!(refused, Err(ScenarioError::ShuttingDown));
    sim.shutdown().await;
    let error = http().get(url).send().await.unwrap_err();
    assert!(error.is_connect(), "{error}");
}

#[tokio::test]
async fn an_invalid_configuration_is_refused_with_a_reason() {
    let mut config = config();
    config.api_key.clear();
    match VegaSim::start("127.0.0.1:0", config).await {
        Err(SimError::InvalidConfig(reason)) => assert!(reason.contains("API key"), "{reason}"),
        other => panic!("expected InvalidConfig, got {other:?}"),
    }
    let mut config = self::config();
    config.employees[1].ext = "001".into();
    assert!(matches!(
        VegaSim::start("127.0.0.1:0", config).await,
        Err(SimError::InvalidConfig(_))
    ));
}

#[tokio::test]
async fn the_config_debug_output_hides_the_api_key() {
    let shown = format!("{:?}", config());
    assert!(!shown.contains(KEY), "{shown}");
    assert!(shown.contains(DOMAIN));
}

#[tokio::test]
async fn the_demo_rings_the_manager_with_directory_numbers_until_the_sim_stops() {
    let sim = start(demo::demo_config()).await;
    let client = http();
    let response = client
        .post(format!("{}/rest/security/authorize", sim.base_url()))
        .json(&json!({ "domain": demo::DEMO_DOMAIN, "apiKey": demo::DEMO_API_KEY }))
        .send()
        .await
        .unwrap();
    let cookie = response.headers()[SET_COOKIE]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let settings = demo::DemoSettings {
        every: Duration::from_millis(300),
        employee_ext: demo::DEMO_EMPLOYEE_EXT.to_owned(),
    };
    let numbers = demo::directory_numbers();
    let seen = tokio::select! {
        result = demo::run(&sim, settings) => panic!("the demo stopped on its own: {result:?}"),
        seen = poll_until(&client, &sim, &cookie, |calls| calls.iter().any(|c| c["lgDirection"] == 1)) => seen,
    };
    let first = &seen.iter().find(|s| !s.is_empty()).unwrap()[0];
    assert_eq!(first["leg"]["ext"], "001");
    assert!(numbers.contains(&first["otherLegs"][0]["num"].as_str().unwrap().to_owned()));
    let strangers: Vec<&Value> = seen
        .iter()
        .flatten()
        .filter(|c| {
            c["otherLegs"][0]["num"]
                .as_str()
                .is_some_and(|n| !numbers.iter().any(|d| d == n))
        })
        .collect();
    assert!(
        !strangers.is_empty(),
        "a caller outside the directory rings"
    );
    assert!(
        strangers
            .iter()
            .any(|c| !c["otherLegs"][0]["name"].is_null()),
        "the PBX names one stranger"
    );

    let stopped = tokio::select! {
        result = demo::run(&sim, demo::DemoSettings::default()) => result,
        _ = async {
            tokio::time::sleep(Duration::from_millis(50)).await;
            sim.stop();
            std::future::pending::<()>().await
        } => unreachable!(),
    };
    assert_eq!(stopped, Ok(()));
}

#[tokio::test]
async fn the_demo_refuses_an_extension_the_sim_does_not_have() {
    let sim = start(demo::demo_config()).await;
    let settings = demo::DemoSettings {
        every: Duration::from_millis(100),
        employee_ext: "042".into(),
    };
    let result = tokio::time::timeout(Duration::from_secs(1), demo::run(&sim, settings)).await;
    assert!(matches!(result, Ok(Err(_))), "{result:?}");
}

#[tokio::test]
async fn scenarios_can_be_played_from_a_thread_outside_the_runtime() {
    let sim = start(config()).await;
    let client = http();
    let cookie = login(&client, &sim).await;
    let uuid = std::thread::scope(|scope| {
        scope
            .spawn(|| {
                sim.play(Scenario::MissedIncoming {
                    customer: "+79101234567".into(),
                    employee: "001".into(),
                    ring_secs: 0.1,
                    pbx_contacts: Vec::new(),
                })
            })
            .join()
            .unwrap()
    })
    .unwrap()
    .remove(0);
    let snapshots = poll_until(&client, &sim, &cookie, |calls| find(calls, &uuid).is_none()).await;
    assert_eq!(
        stages(&snapshots, &uuid),
        ["call.dial", "call.hangup", "gone"]
    );
}
