//! The Vega simulator's history, hangup, users and recordings over real HTTP on 127.0.0.1
//! (vega.md B.4–B.8), in both request forms.

use std::time::{Duration, Instant};

use callpop_sim::vega::{
    FinishedCall, Scenario, ScenarioError, VegaSim, VegaSimConfig, VegaSimHandle, WireForms,
};
use reqwest::header::{ALLOW, CONTENT_TYPE, COOKIE, SET_COOKIE};
use reqwest::StatusCode;
use serde_json::{json, Value};

const DOMAIN: &str = "test4.pbx.vega.ua";
const KEY: &str = "bHGbn240QSjFJgydWOWyZ3ve6UeNDT8CV";
/// 2024-05-01T09:00:00Z, in ms.
const T0: u64 = 1_714_554_000_000;

fn config() -> VegaSimConfig {
    let mut config = VegaSimConfig::new(DOMAIN, KEY);
    config.hangup_linger = Some(Duration::from_millis(100));
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

/// A finished incoming call from `customer`, answered by 001, ending at `T0 + secs`.
fn finished(uuid: &str, secs: u64, customer: &str, disposition: u8) -> FinishedCall {
    FinishedCall {
        uuid: uuid.to_owned(),
        parent_uuid: None,
        end_at_ms: T0 + secs * 1000,
        lg_direction: 4,
        customer: Some(customer.to_owned()),
        customer_name: None,
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

struct Api {
    client: reqwest::Client,
    base: String,
    cookie: String,
}

impl Api {
    async fn new(sim: &VegaSimHandle) -> Api {
        let client = http();
        let cookie = login(&client, sim).await;
        Api {
            client,
            base: sim.base_url(),
            cookie,
        }
    }

    async fn get(&self, path: &str, query: &[(&str, String)]) -> (StatusCode, String) {
        let response = self
            .client
            .get(format!("{}{path}", self.base))
            .query(query)
            .header(COOKIE, &self.cookie)
            .send()
            .await
            .unwrap();
        (response.status(), response.text().await.unwrap())
    }

    async fn post(&self, path: &str, body: Value) -> (StatusCode, String) {
        let response = self
            .client
            .post(format!("{}{path}", self.base))
            .json(&body)
            .header(COOKIE, &self.cookie)
            .send()
            .await
            .unwrap();
        (response.status(), response.text().await.unwrap())
    }
}

/// Query parameters, in order.
type Query = Vec<(&'static str, String)>;

fn range(from_secs: u64, to_secs: u64) -> Query {
    vec![
        ("timeFrom", (T0 + from_secs * 1000).to_string()),
        ("timeTo", (T0 + to_secs * 1000).to_string()),
    ]
}

fn uuids(body: &str) -> Vec<String> {
    let calls: Vec<Value> = serde_json::from_str(body).unwrap();
    calls
        .iter()
        .map(|c| c["uuid"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn company_calls_page_by_offset_and_never_exceed_fifty() {
    let sim = start(config()).await;
    let calls: Vec<FinishedCall> = (0..60)
        .map(|i| finished(&format!("c{i:02}"), i, "+380442246595", 0))
        .collect();
    sim.add_history(calls).unwrap();
    let api = Api::new(&sim).await;

    let (status, body) = api.get("/rest/calls/company.api", &range(0, 100)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let first = uuids(&body);
    assert_eq!(first.len(), 50, "without a limit: at most 50");
    assert_eq!(first[0], "c00");

    let mut query = range(0, 100);
    query.extend([("limit", "50".to_owned()), ("offset", "50".to_owned())]);
    let (_, body) = api.get("/rest/calls/company.api", &query).await;
    assert_eq!(
        uuids(&body),
        (50..60).map(|i| format!("c{i}")).collect::<Vec<_>>()
    );

    // The period is inclusive at both ends.
    let (_, body) = api.get("/rest/calls/company.api", &range(10, 12)).await;
    assert_eq!(uuids(&body), ["c10", "c11", "c12"]);
}

#[tokio::test]
async fn bad_history_parameters_answer_400_with_the_reason() {
    let sim = start(config()).await;
    let api = Api::new(&sim).await;
    let mut over = range(0, 10);
    over.push(("limit", "51".to_owned()));
    let mut hold = range(0, 10);
    hold.push(("directions", "32".to_owned()));
    let cases: Vec<(&str, Query, &str)> = vec![
        ("/rest/calls/company.api", over, "limit"),
        (
            "/rest/calls/company.api",
            vec![("timeTo", "5".to_owned())],
            "timeFrom is required",
        ),
        (
            "/rest/calls/users.api",
            vec![("timeFrom", "soon".to_owned()), ("timeTo", "5".to_owned())],
            "timeFrom must be a whole number",
        ),
        ("/rest/calls/missed.api", range(10, 0), "after"),
        ("/rest/calls/company.api", hold, "directions"),
    ];
    for (path, query, reason) in cases {
        let (status, body) = api.get(path, &query).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path} {query:?}");
        assert!(body.starts_with("Bad parameters"), "{body}");
        assert!(body.contains(reason), "{path}: {body}");
    }
}

#[tokio::test]
async fn users_api_lists_hold_records_only_when_asked() {
    let sim = start(config()).await;
    let mut hold = finished("hold", 5, "+380442246595", 0);
    hold.lg_direction = 32;
    hold.customer = None;
    let mut back = finished("back", 6, "+380442246595", 0);
    back.lg_direction = 64;
    back.customer = None;
    sim.add_history(vec![finished("call", 1, "+380442246595", 0), hold, back])
        .unwrap();
    let api = Api::new(&sim).await;
    let (_, body) = api.get("/rest/calls/users.api", &range(0, 10)).await;
    assert_eq!(uuids(&body), ["call"], "the default is 1, 2 and 4");
    let mut query = range(0, 10);
    query.push(("directions", "96".to_owned()));
    let (_, body) = api.get("/rest/calls/users.api", &query).await;
    assert_eq!(uuids(&body), ["hold", "back"]);
    let mut query = range(0, 10);
    query.push(("directions", "4,32".to_owned()));
    let (_, body) = api.get("/rest/calls/users.api", &query).await;
    assert_eq!(uuids(&body), ["call", "hold"]);
}

#[tokio::test]
async fn missed_api_lists_incoming_calls_nobody_answered_or_returned() {
    let sim = start(config()).await;
    let mut callback = finished("callback", 20, "+380501111111", 0);
    callback.lg_direction = 2;
    sim.add_history(vec![
        finished("missed", 5, "+380442246595", 1),
        finished("returned", 6, "+380501111111", 4),
        callback,
        finished("answered", 7, "+380672222222", 0),
    ])
    .unwrap();
    let api = Api::new(&sim).await;
    let (_, body) = api.get("/rest/calls/missed.api", &range(0, 100)).await;
    assert_eq!(uuids(&body), ["missed"]);
}

#[tokio::test]
async fn the_post_json_form_takes_seconds_and_post_only_refuses_get_with_405() {
    let mut config = config();
    config.wire_forms = WireForms::PostJsonOnly;
    let sim = start(config).await;
    sim.add_history(vec![
        finished("early", 0, "+380442246595", 0),
        finished("middle", 10, "+380442246595", 0),
        finished("late", 20, "+380442246595", 0),
    ])
    .unwrap();
    let api = Api::new(&sim).await;
    let response = api
        .client
        .get(format!("{}/rest/users", api.base))
        .header(COOKIE, &api.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(response.headers()[ALLOW], "POST");

    let t0 = T0 / 1000;
    let (status, body) = api
        .post(
            "/rest/calls/company.api",
            json!({"timeFrom": t0 + 5, "timeTo": t0 + 15, "limit": 50, "offset": 0}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(uuids(&body), ["middle"]);
    let (status, body) = api.post("/rest/users", json!({})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(serde_json::from_str::<Vec<Value>>(&body).unwrap().len(), 4);

    let stats = sim.stats();
    assert_eq!(stats.method_not_allowed, 1);
    assert_eq!(stats.json_form_requests, 2);
    assert_eq!(stats.query_form_requests, 0);
}

#[tokio::test]
async fn users_are_the_configured_employees_with_their_emails() {
    let sim = start(config()).await;
    let api = Api::new(&sim).await;
    let (status, body) = api.get("/rest/users", &[]).await;
    assert_eq!(status, StatusCode::OK);
    let users: Vec<Value> = serde_json::from_str(&body).unwrap();
    assert_eq!(
        users[0],
        json!({"id": 36, "displayName": "Іван Іванов", "ext": "001", "email": "ivan.ivanov@pbx.vega.ua"})
    );
    assert_eq!(users.len(), 4);
}

#[tokio::test]
async fn a_recording_needs_the_session_and_is_a_wav() {
    let sim = start(config()).await;
    sim.add_history(vec![
        finished("rec", 1, "+380442246595", 0),
        finished("norec", 2, "+380442246595", 1),
    ])
    .unwrap();
    let api = Api::new(&sim).await;
    let (_, body) = api.get("/rest/calls/company.api", &range(0, 10)).await;
    let calls: Vec<Value> = serde_json::from_str(&body).unwrap();
    let url = calls[0]["audioRecUrl"].as_str().unwrap().to_owned();
    assert_eq!(
        url,
        format!("{}/rest/public/calls/rec/audio", sim.base_url())
    );
    assert_eq!(calls[1]["audioRecUrl"], Value::Null);

    let anonymous = api.client.get(&url).send().await.unwrap();
    assert_eq!(anonymous.status(), StatusCode::FORBIDDEN);
    let response = api
        .client
        .get(&url)
        .header(COOKIE, &api.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()[CONTENT_TYPE], "audio/wav");
    let bytes = response.bytes().await.unwrap();
    assert_eq!(&bytes[..4], b"RIFF");
    let (status, _) = api.get("/rest/public/calls/norec/audio", &[]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(sim.stats().recordings_served, 1);
}

#[tokio::test]
async fn hangup_ends_a_ringing_call_into_the_history_and_unknown_uuids_are_404() {
    let sim = start(config()).await;
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
    let api = Api::new(&sim).await;
    let (status, body) = api
        .get(&format!("/rest/calls/active/{uuid}/hangup"), &[])
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, body) = api.get("/rest/calls/active/v3", &[]).await;
    let active: Vec<Value> = serde_json::from_str(&body).unwrap();
    assert!(
        active.iter().all(|c| c["lastEvent"] == "call.hangup"),
        "{active:?}"
    );
    let history = sim.history();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].uuid, uuid);
    assert_eq!(
        history[0].disposition, 1,
        "hung up while ringing: not answered"
    );
    assert!(!history[0].recorded);

    // Hanging up twice: the call is no longer in progress.
    let (status, _) = api
        .get(&format!("/rest/calls/active/{uuid}/hangup"), &[])
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, body) = api.get("/rest/calls/active/nosuchcall/hangup", &[]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(body.contains("nosuchcall"), "{body}");
    assert_eq!(sim.stats().hangups, 1);
}

#[tokio::test]
async fn a_scenario_that_ends_adds_a_complete_record_to_the_history() {
    let sim = start(config()).await;
    let uuid = sim
        .play(Scenario::AnsweredIncoming {
            customer: "+380442246595".into(),
            employee: "002".into(),
            ring_secs: 0.05,
            talk_secs: 0.05,
            pbx_contacts: vec![callpop_sim::vega::PbxContact {
                name: Some("Telecom company".into()),
                ..Default::default()
            }],
        })
        .unwrap()
        .remove(0);
    let deadline = Instant::now() + Duration::from_secs(10);
    while sim.history().is_empty() {
        assert!(Instant::now() < deadline, "the call never ended");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let api = Api::new(&sim).await;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis();
    let (_, body) = api
        .get(
            "/rest/calls/company.api",
            &[
                ("timeFrom", (now - 60_000).to_string()),
                ("timeTo", (now + 60_000).to_string()),
                ("directions", "4".to_owned()),
            ],
        )
        .await;
    let calls: Vec<Value> = serde_json::from_str(&body).unwrap();
    assert_eq!(calls.len(), 1, "{body}");
    let call = &calls[0];
    assert_eq!(call["uuid"], uuid.as_str());
    assert_eq!(call["lgDirection"], 4);
    assert_eq!(call["disposition"], 0);
    assert_eq!(call["otherLegNum"], "+380442246595");
    assert_eq!(call["otherLegName"], "Telecom company");
    assert_eq!(call["leg"]["ext"], "002");
    assert_eq!(call["leg"]["type"], 1);
    assert_eq!(call["transferHistory"], "002");
    assert_eq!(call["trunk"], "+380442246595");
    assert_eq!(
        call["audioRecUrl"],
        format!("{}/rest/public/calls/{uuid}/audio", sim.base_url()).as_str()
    );
    assert!(call["duration"].as_u64().unwrap() >= call["billSecs"].as_u64().unwrap());
}

#[tokio::test]
async fn history_records_for_unknown_employees_are_refused() {
    let sim = start(config()).await;
    let mut call = finished("x", 1, "+380442246595", 0);
    call.employee = "999".into();
    assert_eq!(
        sim.add_history(vec![finished("ok", 1, "+380442246595", 0), call]),
        Err(ScenarioError::UnknownEmployee("999".into()))
    );
    assert!(
        sim.history().is_empty(),
        "nothing is added when one is refused"
    );
}
