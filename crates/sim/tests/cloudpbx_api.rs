//! The cloud PBX simulator speaks cloud-pbx.md 5 as printed: spellings, errors, methods.

use callpop_sim::cloudpbx::{self, CloudPbxSimConfig, CloudPbxSimHandle, SimHistoryRow};
use serde_json::{json, Value};

async fn sim(config: CloudPbxSimConfig) -> CloudPbxSimHandle {
    cloudpbx::start("127.0.0.1:0", config).await.unwrap()
}

fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn post(sim: &CloudPbxSimHandle, fields: &[(&str, &str)]) -> (u16, String) {
    let response = http()
        .post(format!("{}/sys/crm_api.wcgp", sim.base_url()))
        .form(fields)
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

async fn get(sim: &CloudPbxSimHandle, fields: &[(&str, &str)]) -> (u16, String) {
    let response = http()
        .get(format!("{}/sys/crm_api.wcgp", sim.base_url()))
        .query(fields)
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

fn json_of(text: &str) -> Value {
    serde_json::from_str(text).unwrap()
}

#[tokio::test]
async fn both_spellings_of_the_subscription_commands_work() {
    let sim = sim(CloudPbxSimConfig::default()).await;
    let token = ("token", "test-token");
    let (status, _) = post(
        &sim,
        &[
            ("cmd", "subscribeoncalls"),
            token,
            ("user", "andy"),
            ("group_id", "sales"),
            ("status", "off"),
        ],
    )
    .await;
    assert_eq!(status, 200);
    for cmd in ["subscribtionstatus", "subscriptionStatus"] {
        let (status, body) = get(
            &sim,
            &[("cmd", cmd), token, ("user", "andy"), ("group_id", "sales")],
        )
        .await;
        assert_eq!(
            (status, json_of(&body)),
            (200, json!({"status": "off"})),
            "{cmd}"
        );
    }
    let (status, _) = post(
        &sim,
        &[
            ("cmd", "subscribeOnCalls"),
            token,
            ("user", "andy"),
            ("status", "on"),
        ],
    )
    .await;
    assert_eq!(status, 200);
    let (_, body) = post(
        &sim,
        &[
            ("cmd", "subscriptionStatus"),
            token,
            ("user", "andy"),
            ("group_id", "sales"),
        ],
    )
    .await;
    assert_eq!(json_of(&body), json!({"status": "on"}));
}

#[tokio::test]
async fn a_wrong_token_is_401_and_missing_parameters_400_with_the_spec_bodies() {
    let sim = sim(CloudPbxSimConfig::default()).await;
    for fields in [
        vec![("cmd", "accounts"), ("token", "nope")],
        vec![("cmd", "accounts")],
    ] {
        let (status, body) = post(&sim, &fields).await;
        assert_eq!(
            (status, json_of(&body)),
            (401, json!({"error": "Invalid token"}))
        );
    }
    let token = ("token", "test-token");
    for fields in [
        vec![("cmd", "makeCall"), token, ("user", "andy")],
        vec![
            ("cmd", "makeCall"),
            token,
            ("user", "andy"),
            ("phone", "+79101234567"),
        ],
        vec![
            ("cmd", "set_dnd"),
            token,
            ("user", "andy"),
            ("state", "maybe"),
        ],
        vec![("cmd", "get_dnd"), token],
        vec![("cmd", "subscriptionStatus"), token, ("user", "andy")],
        vec![("cmd", "history"), token, ("period", "someday")],
        vec![("cmd", "history"), token, ("start", "2024-05-01")],
        vec![("cmd", "history"), token, ("limit", "ten")],
        vec![("cmd", "no-such-command"), token],
    ] {
        let (status, body) = post(&sim, &fields).await;
        assert_eq!(
            (status, json_of(&body)),
            (400, json!({"error": "Invalid parameters"})),
            "{fields:?}"
        );
    }
}

#[tokio::test]
async fn post_only_commands_refuse_get_and_a_wrong_path_is_301() {
    let sim = sim(CloudPbxSimConfig::default()).await;
    let (status, _) = get(
        &sim,
        &[
            ("cmd", "set_dnd"),
            ("token", "test-token"),
            ("user", "andy"),
            ("state", "true"),
        ],
    )
    .await;
    assert_eq!(status, 405);
    assert!(!sim.dnd("andy"));
    let response = http()
        .get(format!("{}/sys/other.wcgp?cmd=accounts", sim.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 301);
    assert!(response.headers().contains_key("location"));
}

#[tokio::test]
async fn history_csv_has_a_header_row_only_when_configured() {
    let row = SimHistoryRow {
        uid: "H1".into(),
        kind: "in".into(),
        client: "79101234567".into(),
        account: "andy".into(),
        via: "74951112233".into(),
        start: 1_499_083_870,
        wait: 3,
        duration: 124,
        record: "https://link/file.mp3".into(),
    };
    for header in [true, false] {
        let sim = sim(CloudPbxSimConfig {
            csv_header: header,
            history: vec![row.clone()],
            ..CloudPbxSimConfig::default()
        })
        .await;
        let (status, body) = get(&sim, &[("cmd", "history"), ("token", "test-token")]).await;
        assert_eq!(status, 200);
        let data =
            "H1,in,79101234567,andy,74951112233,20170703T121110Z,3,124,https://link/file.mp3\r\n";
        let want = if header {
            format!("UID,type,client,account,via,start,wait,duration,record\r\n{data}")
        } else {
            data.to_owned()
        };
        assert_eq!(body, want);
        // start/end outside the call: nothing but the header.
        let (_, empty) = get(
            &sim,
            &[
                ("cmd", "history"),
                ("token", "test-token"),
                ("start", "20200101T000000Z"),
            ],
        )
        .await;
        assert!(!empty.contains("H1"));
    }
}

#[tokio::test]
async fn dnd_is_kept_per_user_and_make_call_is_logged() {
    let sim = sim(CloudPbxSimConfig::default()).await;
    let token = ("token", "test-token");
    let (status, _) = post(
        &sim,
        &[
            ("cmd", "set_dnd"),
            token,
            ("user", "daria"),
            ("state", "true"),
        ],
    )
    .await;
    assert_eq!(status, 200);
    let (_, daria) = get(&sim, &[("cmd", "get_dnd"), token, ("user", "daria")]).await;
    let (_, andy) = get(&sim, &[("cmd", "get_dnd"), token, ("user", "andy")]).await;
    assert_eq!(json_of(&daria), json!({"state": true}));
    assert_eq!(json_of(&andy), json!({"state": false}));
    let (status, body) = post(
        &sim,
        &[
            ("cmd", "makeCall"),
            token,
            ("user", "705"),
            ("phone", "79101234567"),
        ],
    )
    .await;
    assert_eq!(status, 200);
    let id = json_of(&body)["CallID"].as_str().unwrap().to_owned();
    let made = sim.calls_made();
    assert_eq!(
        (made[0].call_id.as_str(), made[0].user.as_str()),
        (id.as_str(), "daria")
    );
}

#[tokio::test]
async fn playing_without_a_crm_url_is_a_clear_error() {
    let sim = sim(CloudPbxSimConfig::default()).await;
    let error = sim
        .run(cloudpbx::CallScenario::Outgoing {
            user: "andy".into(),
            phone: "79101234567".into(),
            answered: true,
            talk_secs: 5,
        })
        .await
        .unwrap_err();
    assert!(error.to_string().contains("no usable CRM URL"), "{error}");
}
