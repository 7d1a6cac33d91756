//! The Autodialer simulator against autodialer.md, over HTTP with a plain client: the spec's
//! example payloads, the 1000-record cap, required fields, keys, dialing and `cdr`.

use callpop_sim::autodialer::{self, AutodialerSimConfig, AutodialerSimHandle, Fault};
use serde_json::{json, Value};

const KEY: &str = "sim-autodialer-key";

/// autodialer.md `make`, the decoded example (three records; 2 and 3 share `UUID` `code1`).
fn spec_make_body(key: &str) -> Value {
    let record = |id: &str, name: &str, phone: &str, uuid: &str| {
        json!({ "id": id, "name": name, "phone": phone, "UUID": uuid,
            "var1": "data1", "var2": "data2", "var3": "data3",
            "statdialertime": "10:00:00", "stopdialertime": "19:00:00",
            "maxcount": "1", "generationtype": "1" })
    };
    json!({ "query": { "access_token": key, "data": [
        record("1", "Петров", "89222220000", "codea"),
        record("2", "Имя", "89222220000", "code1"),
        record("3", "Иванов", "89222220002", "code1"),
    ] } })
}

async fn sim() -> AutodialerSimHandle {
    autodialer::start("127.0.0.1:0", AutodialerSimConfig::default())
        .await
        .unwrap()
}

async fn post(sim: &AutodialerSimHandle, path: &str, body: &Value) -> (u16, Value) {
    let response = reqwest::Client::new()
        .post(format!("{}{path}", sim.base_url()))
        .json(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn the_spec_make_example_gets_the_spec_report() {
    let sim = sim().await;
    let (status, answer) = post(&sim, &format!("/{KEY}/make"), &spec_make_body(KEY)).await;
    assert_eq!(status, 200);
    let report = &answer["report"];
    assert_eq!(report["lines"], "3");
    assert_eq!(report["ok"], "3");
    assert_eq!(report["inserted"], "2");
    assert_eq!(report["errorcode"], "2");
    assert!(report["id"].as_str().unwrap().parse::<u64>().is_ok());
    // Windowed records wait for their hours.
    assert!(sim.cdr().is_empty());
    assert_eq!(sim.dial_due("09:59").await, 0);
    assert_eq!(sim.dial_due("10:30").await, 2);
    assert_eq!(sim.cdr().len(), 2);
}

#[tokio::test]
async fn more_than_a_thousand_records_are_refused_whole() {
    let sim = sim().await;
    let data: Vec<Value> = (0..1001)
        .map(|i| json!({ "phone": format!("8922{i:07}"), "UUID": format!("u{i}") }))
        .collect();
    let body = json!({ "query": { "access_token": KEY, "data": data } });
    let (status, answer) = post(&sim, &format!("/{KEY}/make"), &body).await;
    assert_eq!(status, 200);
    assert_eq!(answer["report"]["lines"], "1001");
    assert_eq!(answer["report"]["inserted"], "0");
    assert_eq!(answer["report"]["errorcode"], "3");
    assert!(sim.records().is_empty());
    // Exactly 1000 is fine.
    let data: Vec<Value> = (0..1000)
        .map(|i| json!({ "phone": format!("8922{i:07}"), "UUID": format!("u{i}") }))
        .collect();
    let body = json!({ "query": { "access_token": KEY, "data": data } });
    let (_, answer) = post(&sim, &format!("/{KEY}/make"), &body).await;
    assert_eq!(answer["report"]["inserted"], "1000");
    assert_eq!(answer["report"]["errorcode"], "0");
}

#[tokio::test]
async fn records_without_phone_or_uuid_or_with_non_string_values_are_not_correct() {
    let sim = sim().await;
    let body = json!({ "query": { "access_token": KEY, "data": [
        { "phone": "89222220000", "UUID": "a" },
        { "phone": "89222220001" },
        { "UUID": "c" },
        { "phone": "", "UUID": "d" },
        { "phone": 89222220004_u64, "UUID": "e" },
    ] } });
    let (_, answer) = post(&sim, &format!("/{KEY}/make"), &body).await;
    assert_eq!(answer["report"]["lines"], "5");
    assert_eq!(answer["report"]["ok"], "1");
    assert_eq!(answer["report"]["inserted"], "1");
    assert_eq!(answer["report"]["errorcode"], "1");
}

#[tokio::test]
async fn a_record_without_a_window_is_dialed_at_once_and_inherits_otherwise() {
    let sim = sim().await;
    let body = json!({ "query": { "access_token": KEY, "data": [
        { "phone": "89222220000", "UUID": "now" },
        { "phone": "89222220001", "UUID": "w", "statdialertime": "10:00:00", "stopdialertime": "12:00:00" },
        { "phone": "89222220002", "UUID": "inherits" },
    ] } });
    post(&sim, &format!("/{KEY}/make"), &body).await;
    let records = sim.records();
    assert!(records[0].dialed, "no window: dialed at once");
    assert_eq!(records[2].window, records[1].window, "the ** footnote");
    assert_eq!(sim.cdr().len(), 1);
    assert_eq!(sim.dial_due("13:00").await, 0);
    assert_eq!(sim.dial_due("11:00").await, 2);
}

#[tokio::test]
async fn newcall_takes_the_spec_fields_and_counts_zero_without_required_ones() {
    let sim = sim().await;
    // autodialer.md `newcall` example fields.
    let fields = json!({ "id": "0", "name": "User1", "phone": "89222220000", "UUID": "code1",
        "var1": "data 1", "var2": "data2", "var3": "data3",
        "timestart": "10:00", "timestop": "19:00", "maxcount": "1", "generationtype": "1" });
    let (status, answer) = post(&sim, &format!("/{KEY}/newcall"), &fields).await;
    assert_eq!(status, 200);
    assert_eq!(answer["QUERY_COUNT"], 1);
    assert!(answer["QUERY_ID"].as_i64().unwrap() > 0);
    assert_eq!(
        sim.records()[0].window,
        Some(("10:00:00".into(), "19:00:00".into()))
    );
    for missing in ["name", "phone", "UUID"] {
        let mut body = fields.clone();
        body.as_object_mut().unwrap().remove(missing);
        let (_, answer) = post(&sim, &format!("/{KEY}/newcall"), &body).await;
        assert_eq!(answer["QUERY_COUNT"], 0, "{missing}");
    }
    // The same fields as a query string (the spec does not say how they travel).
    let response = reqwest::get(format!(
        "{}/{KEY}/newcall?name=U&phone=89222220009&UUID=q",
        sim.base_url()
    ))
    .await
    .unwrap();
    let answer: Value = response.json().await.unwrap();
    assert_eq!(answer["QUERY_COUNT"], 1);
}

#[tokio::test]
async fn cdr_lists_the_dialed_calls_with_the_spec_fields_and_filters() {
    let sim = sim().await;
    for phone in ["89001110000", "89001110001"] {
        let body = json!({ "name": "X", "phone": phone, "UUID": phone });
        post(&sim, &format!("/{KEY}/newcall"), &body).await;
    }
    let (status, rows) = post(&sim, &format!("/{KEY}/cdr"), &json!({})).await;
    assert_eq!(status, 200);
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 2);
    let row = &rows[0];
    assert!(row["QUERY_ID"].is_i64());
    assert_eq!(row["DST"], "89001110000");
    assert!(row["SEC"].is_i64());
    assert!(row["CODE"].is_string());
    let time = row["TIME"].as_str().unwrap();
    assert_eq!(time.len(), "2024-05-01 10:00:00 +03:00".len(), "{time}");
    // autodialer.md's `cdr` example fields: `to` filters by number.
    let (_, rows) = post(
        &sim,
        &format!("/{KEY}/cdr"),
        &json!({ "date_from": "2000-01-01", "date_to": "2999-12-31", "to": "89001110000" }),
    )
    .await;
    assert_eq!(rows.as_array().unwrap().len(), 1);
    let (_, rows) = post(
        &sim,
        &format!("/{KEY}/cdr"),
        &json!({ "date_from": "2000-01-01", "date_to": "2000-01-02" }),
    )
    .await;
    assert_eq!(rows, json!([]));
    let (status, answer) = post(
        &sim,
        &format!("/{KEY}/cdr"),
        &json!({ "date_from": "01.05.2024" }),
    )
    .await;
    assert_eq!((status, answer), (400, json!({ "error": "Invalid date" })));
}

#[tokio::test]
async fn wrong_keys_unknown_methods_and_broken_bodies_are_distinct_errors() {
    let sim = sim().await;
    let (status, answer) = post(&sim, "/wrong/make", &spec_make_body(KEY)).await;
    assert_eq!(
        (status, answer),
        (403, json!({ "error": "Invalid api key" }))
    );
    let (status, _) = post(&sim, &format!("/{KEY}/make"), &spec_make_body("wrong")).await;
    assert_eq!(status, 403);
    let (status, _) = post(&sim, &format!("/{KEY}/nothing"), &json!({})).await;
    assert_eq!(status, 404);
    let (status, answer) = post(&sim, &format!("/{KEY}/make"), &json!({ "data": [] })).await;
    assert_eq!(
        (status, answer),
        (400, json!({ "error": "Invalid request" }))
    );
    let response = reqwest::Client::new()
        .post(format!("{}/{KEY}/make", sim.base_url()))
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    sim.set_fault(Some(Fault::ServerError));
    let (status, _) = post(&sim, &format!("/{KEY}/cdr"), &json!({})).await;
    assert_eq!(status, 500);
    sim.set_fault(None);
    assert_eq!(sim.requests()["make"], 4);
}

#[tokio::test]
async fn recordings_linked_by_the_webhook_are_served() {
    let sim = sim().await;
    let response = reqwest::get(format!("{}/records/1-89001110000.wav", sim.base_url()))
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let bytes = response.bytes().await.unwrap();
    assert!(bytes.starts_with(b"RIFF"));
}
