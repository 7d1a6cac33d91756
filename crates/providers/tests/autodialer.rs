//! The Autodialer client and completion webhook against the simulator over HTTP: `make` in
//! batches with merged reports, required fields, `newcall`, `cdr` into history, every failure
//! the user must be able to tell apart, and the webhook (spec payloads, replays, hostile input).

use callpop_providers::transport::TransportError;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{ConnectInfo, Request};
use axum::routing::any;
use axum::Router;
use callpop_core::secrets::Secret;
use callpop_core::{CallState, Direction, PhoneNumber, Store};
use callpop_providers::autodialer::{
    parse_completion, AutodialerCallResult, AutodialerClient, AutodialerClientSettings,
    AutodialerError, AutodialerWebhook, CdrQuery, DialOptions, DialRecord, DialWindow,
};
use callpop_providers::tokenless_guard::TokenlessGuard;
use callpop_providers::webhook::WebhookRequest;
use callpop_sim::autodialer::{
    self, AutodialerSimConfig, AutodialerSimHandle, Fault, SimOutcome, WebhookEncoding,
};
use chrono::{NaiveDate, Utc};
use proptest::prelude::proptest;

const KEY: &str = "sim-autodialer-key";
const SECRET: &str = "0123456789abcdef0123456789abcdef";

fn client_for(base_url: &str, key: &str, timeout: Duration) -> AutodialerClient {
    AutodialerClient::new(
        &AutodialerClientSettings {
            base_url: base_url.into(),
            timeout,
        },
        &Secret::new(key),
    )
    .unwrap()
}

fn client(sim: &AutodialerSimHandle) -> AutodialerClient {
    client_for(&sim.base_url(), KEY, Duration::from_secs(10))
}

fn options(window: bool) -> DialOptions {
    DialOptions {
        scenario: "1".into(),
        window: window.then(|| DialWindow::parse("10:00", "19:00").unwrap()),
        max_attempts: Some(2),
    }
}

fn record(i: usize) -> DialRecord {
    DialRecord::for_number(
        &PhoneNumber::parse(&format!("+7922{i:07}"), "RU"),
        &format!("contact-{i}"),
        Some(&format!("Контакт {i}")),
    )
    .unwrap()
}

async fn sim_with(config: AutodialerSimConfig) -> AutodialerSimHandle {
    autodialer::start("127.0.0.1:0", config).await.unwrap()
}

#[tokio::test]
async fn twenty_five_hundred_contacts_go_in_three_batches_with_one_merged_report() {
    let sim = sim_with(AutodialerSimConfig::default()).await;
    let records: Vec<DialRecord> = (0..2500).map(record).collect();
    let report = client(&sim).make(&records, &options(true)).await.unwrap();
    assert_eq!(report.batches.len(), 3);
    let sizes: Vec<usize> = report.batches.iter().map(|b| b.sent).collect();
    assert_eq!(sizes, [1000, 1000, 500]);
    assert_eq!(
        (report.lines(), report.ok(), report.inserted()),
        (2500, 2500, 2500)
    );
    assert!(report.all_added(), "{:?}", report.explanations());
    assert_eq!(report.job_ids().len(), 3);
    assert_eq!(sim.requests()["make"], 3);
    let taken = sim.records();
    assert_eq!(taken.len(), 2500);
    // As the spec spells and encodes them.
    assert_eq!(taken[0].phone, "89220000000");
    assert_eq!(taken[0].uuid, "contact-0");
    assert_eq!(
        taken[0].window,
        Some(("10:00:00".into(), "19:00:00".into()))
    );
    assert_eq!(taken[0].max_count.as_deref(), Some("2"));
    assert_eq!(taken[0].generation_type, "1");
    assert!(report.summary().contains("sent 2500 in 3 batches"));
}

#[tokio::test]
async fn resending_reports_records_not_added_with_an_explanation() {
    let sim = sim_with(AutodialerSimConfig::default()).await;
    let client = client(&sim);
    let records: Vec<DialRecord> = (0..3).map(record).collect();
    client.make(&records, &options(true)).await.unwrap();
    let again = client.make(&records, &options(true)).await.unwrap();
    assert_eq!((again.lines(), again.ok(), again.inserted()), (3, 3, 0));
    assert!(!again.all_added());
    assert_eq!(again.error_codes()[0].1 .0, "2");
    let text = again.explanations().join("\n");
    assert!(text.contains("3 correct records were not added"), "{text}");
}

#[tokio::test]
async fn a_missing_phone_or_uuid_sends_nothing_and_names_the_record() {
    let sim = sim_with(AutodialerSimConfig::default()).await;
    let client = client(&sim);
    let mut records: Vec<DialRecord> = (0..5).map(record).collect();
    records[3].uuid = " ".into();
    let error = client.make(&records, &options(true)).await.unwrap_err();
    assert!(
        matches!(
            error,
            AutodialerError::MissingField {
                index: 4,
                field: "UUID",
                ..
            }
        ),
        "{error:?}"
    );
    assert!(error.to_string().contains("Контакт 3"), "{error}");
    records[3].uuid = "x".into();
    records[1].phone = String::new();
    let error = client.make(&records, &options(true)).await.unwrap_err();
    assert!(matches!(
        error,
        AutodialerError::MissingField {
            index: 2,
            field: "phone",
            ..
        }
    ));
    assert!(!sim.requests().contains_key("make"), "nothing was sent");
    let no_scenario = DialOptions {
        scenario: " ".into(),
        ..options(true)
    };
    let error = client.make(&records[..1], &no_scenario).await.unwrap_err();
    assert!(error.to_string().contains("generationtype"), "{error}");
}

#[tokio::test]
async fn newcall_queues_one_robot_call_and_requires_a_name() {
    let sim = sim_with(AutodialerSimConfig::default()).await;
    let client = client(&sim);
    let answer = client.new_call(&record(7), &options(true)).await.unwrap();
    assert_eq!(answer.query_count, 1);
    let taken = &sim.records()[0];
    assert_eq!(taken.query_id, answer.query_id);
    assert_eq!(taken.window, Some(("10:00:00".into(), "19:00:00".into())));
    assert!(!taken.dialed, "it waits for its window");
    let mut nameless = record(8);
    nameless.name = None;
    let error = client
        .new_call(&nameless, &options(false))
        .await
        .unwrap_err();
    assert!(matches!(
        error,
        AutodialerError::MissingField { field: "name", .. }
    ));
    // Without a window it is dialed at once (the spec's warning).
    client.new_call(&record(9), &options(false)).await.unwrap();
    assert_eq!(sim.cdr().len(), 1);
}

/// The app and the CLI reach the Autodialer through the provider seam: robot calls only, and
/// the service's own refusals still readable behind `ProviderError`.
#[tokio::test]
async fn the_autodialer_is_reached_through_its_robot_calls_capability() {
    let sim = sim_with(AutodialerSimConfig::default()).await;
    let provider = callpop_providers::autodialer::connect(
        &AutodialerClientSettings {
            base_url: sim.base_url(),
            timeout: Duration::from_secs(10),
        },
        &Secret::new(KEY),
    )
    .unwrap();
    assert!(provider.click_to_call().is_none() && provider.history().is_none());
    assert!(provider.dnd().is_none() && provider.employees().is_none());
    let robot = provider
        .robot_calls()
        .expect("the Autodialer places robot calls");
    let answer = robot.robot_call(&record(3), &options(true)).await.unwrap();
    assert_eq!(sim.records()[0].query_id, answer.query_id);
    let report = robot
        .send_to_campaign(&[record(4), record(5)], &options(true))
        .await
        .unwrap();
    assert_eq!(sim.records().len(), 3, "{report:?}");
    let mut nameless = record(6);
    nameless.name = None;
    let error = robot
        .robot_call(&nameless, &options(false))
        .await
        .unwrap_err();
    assert!(
        matches!(
            error.pbx(),
            Some(AutodialerError::MissingField { field: "name", .. })
        ),
        "{error}"
    );
}

#[tokio::test]
async fn cdr_results_become_outgoing_calls_in_history() {
    let mut config = AutodialerSimConfig::default();
    config
        .outcomes
        .insert("89220000002".into(), SimOutcome::no_answer());
    let sim = sim_with(config).await;
    let client = client(&sim);
    let records: Vec<DialRecord> = (1..=2).map(record).collect();
    let report = client.make(&records, &options(false)).await.unwrap();
    let today = Utc::now().date_naive();
    let query = CdrQuery {
        date_from: today.pred_opt().unwrap(),
        date_to: today.succ_opt().unwrap(),
        to: None,
    };
    let results = client.results(&query, "RU").await.unwrap();
    assert!(results.skipped.is_empty());
    assert_eq!(results.records.len(), 2);
    let answered = &results.records[0];
    assert_eq!(answered.provider, "autodialer");
    assert_eq!(answered.direction, Direction::Out);
    assert_eq!(answered.state, CallState::Ended);
    assert_eq!(answered.duration_seconds, Some(12));
    assert_eq!(
        answered.call_id,
        format!("{}:79220000001", report.job_ids()[0])
    );
    assert_eq!(results.records[1].state, CallState::Missed);
    let store = Store::open_in_memory("RU").unwrap();
    store.import_history(&results.records).unwrap();
    let only = CdrQuery {
        to: Some(PhoneNumber::parse("+79220000002", "RU")),
        ..query.clone()
    };
    assert_eq!(client.cdr(&only).await.unwrap().len(), 1);
    let backwards = CdrQuery {
        date_from: NaiveDate::from_ymd_opt(2024, 5, 2).unwrap(),
        date_to: NaiveDate::from_ymd_opt(2024, 5, 1).unwrap(),
        to: None,
    };
    assert!(matches!(
        client.cdr(&backwards).await.unwrap_err(),
        AutodialerError::InvalidInput(_)
    ));
}

#[tokio::test]
async fn every_failure_is_a_distinct_error_that_never_shows_the_key() {
    let sim = sim_with(AutodialerSimConfig::default()).await;
    let records = vec![record(1)];
    let query = CdrQuery {
        date_from: NaiveDate::from_ymd_opt(2024, 5, 1).unwrap(),
        date_to: NaiveDate::from_ymd_opt(2024, 5, 1).unwrap(),
        to: None,
    };
    let wrong_key = "wrong-key-do-not-print";
    let wrong = client_for(&sim.base_url(), wrong_key, Duration::from_secs(5));
    let error = wrong.make(&records, &options(true)).await.unwrap_err();
    assert!(
        matches!(error, AutodialerError::Unauthorized { status: 403, .. }),
        "{error:?}"
    );
    assert!(!format!("{error} {error:?} {wrong:?}").contains(wrong_key));

    let client = client(&sim);
    sim.set_fault(Some(Fault::ServerError));
    let error = client.cdr(&query).await.unwrap_err();
    assert!(
        matches!(error, AutodialerError::Server { status: 500, .. }),
        "{error:?}"
    );
    sim.set_fault(Some(Fault::NotJson));
    let error = client.make(&records, &options(true)).await.unwrap_err();
    assert!(
        matches!(error, AutodialerError::NotJson { .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains("Maintenance"), "{error}");
    sim.set_fault(Some(Fault::Hang));
    let impatient = client_for(&sim.base_url(), KEY, Duration::from_millis(300));
    let error = impatient
        .new_call(&record(1), &options(true))
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            AutodialerError::Transport(TransportError::Timeout { .. })
        ),
        "{error:?}"
    );
    sim.set_fault(None);

    let misplaced = client_for(
        &format!("{}/nested", sim.base_url()),
        KEY,
        Duration::from_secs(5),
    );
    let error = misplaced.cdr(&query).await.unwrap_err();
    assert!(
        matches!(error, AutodialerError::WrongAddress { .. }),
        "{error:?}"
    );

    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let nobody = client_for(
        &format!("http://127.0.0.1:{port}"),
        KEY,
        Duration::from_secs(5),
    );
    let error = nobody.cdr(&query).await.unwrap_err();
    assert!(
        matches!(
            error,
            AutodialerError::Transport(TransportError::Network { .. })
        ),
        "{error:?}"
    );
    assert!(!error.to_string().contains(KEY), "{error}");

    for bad in ["", "ftp://x", "not a url"] {
        let settings = AutodialerClientSettings {
            base_url: bad.into(),
            timeout: Duration::from_secs(1),
        };
        assert!(matches!(
            AutodialerClient::new(&settings, &Secret::new(KEY)).unwrap_err(),
            AutodialerError::InvalidSettings(_)
        ));
    }
}

#[tokio::test]
async fn a_batch_failing_after_others_were_added_says_which_were_sent() {
    // A server that takes the first `make` and fails the next.
    let calls = Arc::new(Mutex::new(0));
    let counter = calls.clone();
    let app = Router::new().route(
        "/{key}/make",
        any(move || {
            let counter = counter.clone();
            async move {
                let mut calls = counter.lock().unwrap();
                *calls += 1;
                if *calls == 1 {
                    (
                        axum::http::StatusCode::OK,
                        r#"{"report":{"lines":"1000","ok":"1000","inserted":"1000","errorcode":"0","id":"9"}}"#,
                    )
                } else {
                    (axum::http::StatusCode::BAD_GATEWAY, "bad gateway")
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    let client = client_for(&format!("http://{addr}"), KEY, Duration::from_secs(5));
    let records: Vec<DialRecord> = (0..1500).map(record).collect();
    let error = client.make(&records, &options(true)).await.unwrap_err();
    let AutodialerError::PartlySent { sent, source, .. } = &error else {
        panic!("{error:?}");
    };
    assert_eq!(*sent, 1000);
    assert!(matches!(
        **source,
        AutodialerError::Server { status: 502, .. }
    ));
    assert!(error
        .to_string()
        .contains("Send only the records after the first 1000"));
}

/// A relay stand-in: copies each request into a `WebhookRequest` for the handler.
async fn receiver(webhook: AutodialerWebhook) -> (String, Arc<Mutex<Vec<AutodialerCallResult>>>) {
    let results = Arc::new(Mutex::new(Vec::new()));
    let kept = results.clone();
    let webhook = Arc::new(webhook);
    let app = Router::new().route(
        "/autodialer/{*rest}",
        any(
            move |ConnectInfo(peer): ConnectInfo<SocketAddr>, request: Request| {
                let webhook = webhook.clone();
                let kept = kept.clone();
                async move {
                    let (parts, body) = request.into_parts();
                    let body = axum::body::to_bytes(body, 64 * 1024).await.unwrap();
                    let request = WebhookRequest {
                        remote_ip: peer.ip(),
                        path: parts.uri.path_and_query().unwrap().to_string(),
                        content_type: parts
                            .headers
                            .get("content-type")
                            .and_then(|v| v.to_str().ok())
                            .map(str::to_owned),
                        body: body.to_vec(),
                    };
                    let outcome = webhook.handle(&request, Utc::now());
                    kept.lock().unwrap().extend(outcome.result);
                    (
                        axum::http::StatusCode::from_u16(outcome.reply.status).unwrap(),
                        outcome.reply.body,
                    )
                }
            },
        ),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
    });
    (format!("http://{addr}/autodialer"), results)
}

fn webhook() -> AutodialerWebhook {
    AutodialerWebhook::new(
        TokenlessGuard::new("autodialer", &["127.0.0.1"], SECRET).unwrap(),
        "RU",
    )
}

#[tokio::test]
async fn the_completion_webhook_arrives_in_every_encoding_with_answer_and_recording() {
    for encoding in [
        WebhookEncoding::Json,
        WebhookEncoding::Form,
        WebhookEncoding::Query,
    ] {
        let (url, results) = receiver(webhook()).await;
        let sim = sim_with(AutodialerSimConfig {
            webhook_url: Some(format!("{url}/{SECRET}")),
            webhook_encoding: encoding,
            default_outcome: SimOutcome::answered(17, "да, интересно"),
            ..AutodialerSimConfig::default()
        })
        .await;
        client(&sim)
            .make(&[record(5)], &options(true))
            .await
            .unwrap();
        assert_eq!(sim.dial_due("12:00").await, 1);
        let deliveries = sim.settle().await;
        assert_eq!(
            deliveries[0].status,
            Some(200),
            "{encoding:?}: {deliveries:?}"
        );
        let results = results.lock().unwrap().clone();
        let result = &results[0];
        assert_eq!(result.recognized_answer.as_deref(), Some("да, интересно"));
        let call = &result.record;
        assert_eq!(call.customer.as_ref().unwrap().key(), "+79220000005");
        assert_eq!(call.duration_seconds, Some(17));
        assert_eq!(call.state, CallState::Ended);
        let recording = call.recording.as_deref().unwrap();
        assert!(recording.starts_with(&sim.base_url()), "{recording}");
        assert!(recording.ends_with(".wav"));
    }
}

#[tokio::test]
async fn with_the_job_id_the_webhook_and_cdr_are_one_call_in_history() {
    let (url, results) = receiver(webhook()).await;
    let sim = sim_with(AutodialerSimConfig {
        webhook_url: Some(format!("{url}/{SECRET}")),
        webhook_ids: true,
        ..AutodialerSimConfig::default()
    })
    .await;
    let client = client(&sim);
    client.new_call(&record(3), &options(false)).await.unwrap();
    sim.settle().await;
    let result = results.lock().unwrap()[0].clone();
    assert_eq!(result.uuid.as_deref(), Some("contact-3"));
    let store = Store::open_in_memory("RU").unwrap();
    store.record_call(&result.record).unwrap();
    let today = Utc::now().date_naive();
    let cdr = client
        .results(
            &CdrQuery {
                date_from: today.pred_opt().unwrap(),
                date_to: today.succ_opt().unwrap(),
                to: None,
            },
            "RU",
        )
        .await
        .unwrap();
    store.import_history(&cdr.records).unwrap();
    let calls = store.recent_calls(10).unwrap();
    assert_eq!(calls.len(), 1, "{calls:?}");
    assert!(
        calls[0].recording.is_some(),
        "the webhook's recording is kept"
    );
}

#[tokio::test]
async fn strangers_and_wrong_secrets_are_forbidden() {
    let (url, results) = receiver(webhook()).await;
    let sim = sim_with(AutodialerSimConfig {
        webhook_url: Some(format!("{url}/not-the-secret")),
        ..AutodialerSimConfig::default()
    })
    .await;
    client(&sim)
        .new_call(&record(1), &options(false))
        .await
        .unwrap();
    let deliveries = sim.settle().await;
    assert_eq!(deliveries[0].status, Some(403));
    assert!(results.lock().unwrap().is_empty());
    let outcome = webhook().handle(
        &WebhookRequest {
            remote_ip: "203.0.113.5".parse().unwrap(),
            path: format!("/autodialer/{SECRET}"),
            content_type: Some("application/json".into()),
            body: br#"{"phone":"89001110000"}"#.to_vec(),
        },
        Utc::now(),
    );
    assert_eq!(outcome.reply.status, 403);
}

fn request(path: &str, content_type: Option<&str>, body: &[u8]) -> WebhookRequest {
    WebhookRequest {
        remote_ip: "127.0.0.1".parse().unwrap(),
        path: format!("/autodialer/{SECRET}{path}"),
        content_type: content_type.map(str::to_owned),
        body: body.to_vec(),
    }
}

#[test]
fn the_spec_labels_replayed_as_json_form_and_query_read_alike() {
    // autodialer.md: Номер_абонента; Продолжительность_вызова; Запись(wav);
    // Распознанный_ответ_человека.
    let json = r#"{"Номер_абонента":"89001110000","Продолжительность_вызова":"42",
        "Запись(wav)":"https://dialer.example/rec/1.wav","Распознанный_ответ_человека":"да"}"#;
    let form = "%D0%9D%D0%BE%D0%BC%D0%B5%D1%80_%D0%B0%D0%B1%D0%BE%D0%BD%D0%B5%D0%BD%D1%82%D0%B0=89001110000&duration=42&record=https%3A%2F%2Fdialer.example%2Frec%2F1.wav&answer=%D0%B4%D0%B0";
    let cases = [
        request("", Some("application/json"), json.as_bytes()),
        request(
            "",
            Some("application/x-www-form-urlencoded"),
            form.as_bytes(),
        ),
        request(&format!("?{form}"), None, b""),
    ];
    let now = Utc::now();
    let mut ids = Vec::new();
    for case in &cases {
        let outcome = webhook().handle(case, now);
        assert_eq!(outcome.reply.status, 200, "{}", outcome.reply.body);
        let result = outcome.result.unwrap();
        assert_eq!(result.recognized_answer.as_deref(), Some("да"));
        assert_eq!(result.record.duration_seconds, Some(42));
        assert_eq!(
            result.record.recording.as_deref(),
            Some("https://dialer.example/rec/1.wav")
        );
        ids.push(result.record.call_id);
    }
    // A replay of the same call names the same row.
    assert!(ids.iter().all(|id| id == &ids[0]), "{ids:?}");
}

#[test]
fn malformed_and_hostile_webhooks_get_distinct_400s_or_lose_only_the_bad_part() {
    let cases: [(&str, &[u8], &str); 7] = [
        (
            "application/json",
            b"",
            "Номер_абонента (the subscriber's number) is missing",
        ),
        ("application/json", b"{\"phone\": ", "the body is not JSON"),
        ("application/json", b"[1,2]", "must be a JSON object"),
        (
            "application/json",
            br#"{"phone":"call me"}"#,
            "is not a phone number",
        ),
        (
            "application/json",
            br#"{"phone":"89001110000","duration":"-5"}"#,
            "is not a duration",
        ),
        (
            "application/json",
            br#"{"phone":{"x":1}}"#,
            "expected text or a number",
        ),
        ("multipart/form-data; boundary=x", b"--x", "recording's URL"),
    ];
    for (content_type, body, text) in cases {
        let outcome = webhook().handle(&request("", Some(content_type), body), Utc::now());
        assert_eq!(outcome.reply.status, 400, "{text}");
        assert!(outcome.reply.body.contains(text), "{}", outcome.reply.body);
        assert!(outcome.result.is_none());
    }
    let outcome = webhook().handle(&request("", None, &[0xff, 0xfe]), Utc::now());
    assert_eq!(outcome.reply.status, 400);
    // A script link instead of a recording, and control characters in the answer.
    let hostile = br#"{"phone":"89001110000","record":"javascript:alert(1)","answer":"<b>\u0007da\u001b[31m</b>"}"#;
    let outcome = webhook().handle(&request("", Some("application/json"), hostile), Utc::now());
    assert_eq!(outcome.reply.status, 200);
    let result = outcome.result.unwrap();
    assert_eq!(result.record.recording, None);
    assert_eq!(outcome.problems.len(), 1);
    let answer = result.recognized_answer.unwrap();
    assert!(!answer.chars().any(char::is_control), "{answer:?}");
    let long = format!(
        r#"{{"phone":"89001110000","answer":"{}"}}"#,
        "я".repeat(5_000)
    );
    let outcome = webhook().handle(
        &request("", Some("application/json"), long.as_bytes()),
        Utc::now(),
    );
    assert_eq!(
        outcome
            .result
            .unwrap()
            .recognized_answer
            .unwrap()
            .chars()
            .count(),
        2001
    );
    let huge = vec![b'a'; 20_000];
    assert_eq!(
        webhook()
            .handle(&request("", None, &huge), Utc::now())
            .reply
            .status,
        413
    );
}

proptest! {
    #[test]
    fn the_webhook_parser_never_panics(
        path in ".{0,80}",
        content_type in proptest::option::of("[a-z/+-]{0,30}"),
        body in proptest::collection::vec(proptest::arbitrary::any::<u8>(), 0..400),
    ) {
        let _ = parse_completion(&path, content_type.as_deref(), &body, "RU");
    }

    #[test]
    fn json_webhooks_with_any_values_never_panic(
        phone in ".{0,30}",
        duration in ".{0,12}",
        record in ".{0,60}",
        answer in ".{0,60}",
    ) {
        let body = serde_json::json!({
            "Номер_абонента": phone, "Продолжительность_вызова": duration,
            "Запись(wav)": record, "Распознанный_ответ_человека": answer,
        });
        if let Ok(completion) = parse_completion("/", Some("application/json"), body.to_string().as_bytes(), "RU") {
            let _ = completion.to_result(Utc::now());
        }
    }
}
