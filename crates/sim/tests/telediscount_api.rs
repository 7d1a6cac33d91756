//! The Telediscount simulator speaks telediscount.md: GET methods under
//! `/api.php/telephony/`, the key as `abonent_api_key` or `api_key`, every `get_calls` field.

use callpop_sim::telediscount::{self, SimCall, TelediscountSimConfig, EXAMPLE_KEY};
use serde_json::Value;

async fn get(base: &str, query: &str) -> (u16, String, Vec<u8>) {
    let response = reqwest::get(format!("{base}/api.php/telephony/{query}"))
        .await
        .unwrap();
    let status = response.status().as_u16();
    let ct = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, ct, response.bytes().await.unwrap().to_vec())
}

async fn sim() -> telediscount::TelediscountSimHandle {
    let call = SimCall::incoming(
        "c1f926a8f5727b77f9cbf39d8f35d061",
        1_714_554_000,
        "79039998877",
        "SIP/0000000672",
        12,
    );
    telediscount::start(
        "127.0.0.1:0",
        TelediscountSimConfig {
            calls: vec![call],
            ..TelediscountSimConfig::default()
        },
    )
    .await
    .unwrap()
}

#[tokio::test]
async fn both_key_spellings_of_the_spec_are_accepted() {
    let sim = sim().await;
    let base = sim.base_url();
    for key in ["abonent_api_key", "api_key"] {
        let (status, _, body) = get(
            &base,
            &format!("get_calls?{key}={EXAMPLE_KEY}&api_call_id=c1f926a8f5727b77f9cbf39d8f35d061"),
        )
        .await;
        assert_eq!(status, 200, "{key}");
        let list: Value = serde_json::from_slice(&body).unwrap();
        let record = &list[0];
        for field in [
            "abonent_id",
            "setup_time",
            "service_name",
            "num_a",
            "code_name_num_a",
            "num_m",
            "num_b",
            "code_name_num_b",
            "num_a_connection_time",
            "num_b_connection_time",
            "connection_time",
            "num_a_waiting_time",
            "num_b_waiting_time",
            "recorder_file",
            "price",
            "api_call_id",
        ] {
            assert!(record.get(field).is_some(), "{field}");
        }
    }
}

#[tokio::test]
async fn errors_are_403_400_and_404_with_json_bodies() {
    let sim = sim().await;
    let base = sim.base_url();
    let (status, _, body) = get(&base, "get_calls?abonent_api_key=wrong").await;
    assert_eq!(status, 403);
    assert!(String::from_utf8(body).unwrap().contains("error"));
    assert_eq!(get(&base, "get_calls").await.0, 403);
    assert_eq!(
        get(
            &base,
            &format!("outcome?abonent_api_key={EXAMPLE_KEY}&num_a=SIP/0000000672")
        )
        .await
        .0,
        400
    );
    assert_eq!(
        get(
            &base,
            &format!("outcome?abonent_api_key={EXAMPLE_KEY}&num_a=SIP/0000000672&num_b=%2B7495")
        )
        .await
        .0,
        400
    );
    assert_eq!(
        get(
            &base,
            &format!("get_record?abonent_api_key={EXAMPLE_KEY}&api_call_id=nope")
        )
        .await
        .0,
        404
    );
    assert_eq!(
        get(&base, &format!("hangup?abonent_api_key={EXAMPLE_KEY}"))
            .await
            .0,
        404
    );
    assert!(sim.outcomes().is_empty());
}

#[tokio::test]
async fn the_spec_outcome_example_places_a_call_and_recordings_are_audio() {
    let sim = sim().await;
    let base = sim.base_url();
    let (status, _, body) = get(
        &base,
        &format!("outcome?num_a=SIP/0000000672&num_b=74951234567&abonent_api_key={EXAMPLE_KEY}"),
    )
    .await;
    assert_eq!(status, 200);
    let answer: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(answer["api_call_id"].as_str().unwrap().len(), 32);
    assert_eq!(sim.outcomes()[0].num_b, "74951234567");
    let (status, ct, bytes) = get(
        &base,
        &format!("get_record?api_key={EXAMPLE_KEY}&api_call_id=c1f926a8f5727b77f9cbf39d8f35d061"),
    )
    .await;
    assert_eq!((status, ct.as_str()), (200, "audio/mpeg"));
    assert!(bytes.starts_with(b"ID3"));
}
