//! The MCN simulator speaks the article (vpbx list, `call_log` with required dates) and the
//! public usage (Bearer token, recordings, `outbound_call` and its partly-failed retry).

use callpop_sim::mcn::{self, Fault, McnSimConfig, SimCall};
use serde_json::{json, Value};

const TOKEN: &str = "mcn-test-token";

async fn sim() -> mcn::McnSimHandle {
    let calls = vec![SimCall::inbound(
        "1",
        "2024-05-01 12:00:00",
        "74951234567",
        "101",
        "NO ANSWER",
    )];
    mcn::start(
        "127.0.0.1:0",
        McnSimConfig {
            calls,
            ..McnSimConfig::default()
        },
    )
    .await
    .unwrap()
}

async fn get(url: String, token: Option<&str>) -> (u16, Value) {
    let mut request = reqwest::Client::new().get(url);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn the_article_calls_answer_their_fields() {
    let sim = sim().await;
    let base = sim.base_url();
    assert!(base.ends_with("/v2/rest"));
    let (status, list) = get(format!("{base}/account/12345/vpbx"), Some(TOKEN)).await;
    assert_eq!(status, 200);
    assert_eq!(list[0]["vpbx_id"], json!(678));
    let (status, calls) = get(
        format!("{base}/account/12345/vpbx/678/call_log?date_from=2024-05-01&date_to=2024-05-01"),
        Some(TOKEN),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(calls[0]["status"], "NO ANSWER");
    for field in [
        "callid",
        "date",
        "type",
        "src_num",
        "src_name",
        "src_type",
        "dst_num",
        "dst_name",
        "dst_type",
        "did",
        "waittime",
        "talktime",
        "billsec",
        "status",
        "has_record",
    ] {
        assert!(calls[0].get(field).is_some(), "{field}");
    }
    let (_, none) = get(
        format!("{base}/account/12345/vpbx/678/call_log?date_from=2024-05-02&date_to=2024-05-03"),
        Some(TOKEN),
    )
    .await;
    assert_eq!(none, json!([]));
}

#[tokio::test]
async fn errors_are_401_404_and_400() {
    let sim = sim().await;
    let base = sim.base_url();
    assert_eq!(get(format!("{base}/account/12345/vpbx"), None).await.0, 401);
    assert_eq!(
        get(format!("{base}/account/12345/vpbx"), Some("bad"))
            .await
            .0,
        401
    );
    assert_eq!(
        get(format!("{base}/account/1/vpbx"), Some(TOKEN)).await.0,
        404
    );
    assert_eq!(
        get(
            format!("{base}/account/12345/vpbx/9/call_log?date_from=2024-05-01&date_to=2024-05-01"),
            Some(TOKEN)
        )
        .await
        .0,
        404
    );
    assert_eq!(
        get(
            format!("{base}/account/12345/vpbx/678/call_log"),
            Some(TOKEN)
        )
        .await
        .0,
        400
    );
    assert_eq!(
        get(
            format!(
                "{base}/account/12345/vpbx/678/call_log?date_from=01.05.2024&date_to=2024-05-01"
            ),
            Some(TOKEN)
        )
        .await
        .0,
        400
    );
    assert_eq!(
        get(
            format!("{base}/account/12345/vpbx/678/call_log/record?call_id=1"),
            Some(TOKEN)
        )
        .await
        .0,
        404
    );
}

#[tokio::test]
async fn outbound_call_and_its_partly_failed_retry() {
    let sim = sim().await;
    let url = format!("{}/account/12345/vpbx/678/outbound_call", sim.base_url());
    let client = reqwest::Client::new();
    let body = json!({"from": "101", "to": "74951234567", "timeout_from": 20, "timeout_to": 40});
    let ok: Value = client
        .post(&url)
        .bearer_auth(TOKEN)
        .json(&body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(ok["success"], true);
    assert!(ok["data"]["call_id"].is_string());
    sim.inject(Fault::PartialOutbound);
    let first = client
        .post(&url)
        .bearer_auth(TOKEN)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(first.status().as_u16(), 504);
    let retry = client
        .post(&url)
        .bearer_auth(TOKEN)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(retry.status().as_u16(), 500);
    let retry: Value = retry.json().await.unwrap();
    assert_eq!(
        retry["data"]["call_id"].as_str(),
        Some(sim.placed()[1].call_id.as_str())
    );
    assert_eq!(sim.placed().len(), 2);
    let bad = client
        .post(&url)
        .bearer_auth(TOKEN)
        .json(&json!({"from": "999", "to": "1"}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status().as_u16(), 400);
    let garbage = client
        .post(&url)
        .bearer_auth(TOKEN)
        .body("nope")
        .send()
        .await
        .unwrap();
    assert_eq!(garbage.status().as_u16(), 400);
}
