//! The cloud PBX's webhooks through the relay: the simulator plays a group call into
//! `POST /cloudpbx` with its `crm_token`, a desktop receives the events over the WebSocket, the
//! `history` lands in the shared history, and a wrong token gets the spec's exact 401.

use std::sync::Arc;
use std::time::Duration;

use callpop_core::secrets::Secret;
use callpop_core::{CallEvent, CallState, CallTracker, Store};
use callpop_relay::{issue_client_token, ClientEntry, Relay, RelayClient, RelayConfig};
use callpop_sim::cloudpbx::{self, CallScenario, CloudPbxSimConfig};
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

const CRM_TOKEN: &str = "relay-crm-token-6b1f";
/// Guards every wait so a broken relay fails instead of hanging; not a speed bound.
const WAIT: Duration = Duration::from_secs(20);

async fn start_relay(entry: &ClientEntry) -> (std::net::SocketAddr, Arc<Store>, CancellationToken) {
    #[derive(serde::Serialize)]
    struct Clients<'a> {
        clients: Vec<&'a ClientEntry>,
    }
    let mut text = format!(
        "listen = \"127.0.0.1:0\"\nregion = \"RU\"\n\
         [vega]\nallowed_ips = [\"127.0.0.1\"]\nsecret_path = \"{}\"\n\
         [cloudpbx]\ncrm_token = \"{CRM_TOKEN}\"\n",
        "a".repeat(32)
    );
    text.push_str(
        &toml::to_string(&Clients {
            clients: vec![entry],
        })
        .unwrap(),
    );
    let store = Arc::new(Store::open_in_memory("RU").unwrap());
    let relay = Relay::new(
        RelayConfig::from_toml_str(&text).unwrap(),
        store.clone(),
        Vec::new(),
    )
    .unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let shutdown = CancellationToken::new();
    tokio::spawn(relay.serve(listener, shutdown.clone()));
    (addr, store, shutdown)
}

#[tokio::test]
async fn a_played_group_call_reaches_the_desktop_as_one_call_and_lands_in_history() {
    let (token, entry) = issue_client_token("supervisor", None, &[]);
    let (addr, store, _stop) = start_relay(&entry).await;

    let (tx, mut events) = mpsc::channel::<CallEvent>(64);
    let stop_client = CancellationToken::new();
    let client = RelayClient::new(&format!("ws://{addr}/ws"), Secret::new(token.expose()));
    tokio::spawn(client.run(tx, stop_client.clone()));
    // The desktop gets what happens after it connects: probe until one comes through.
    let http = reqwest::Client::new();
    let deadline = tokio::time::Instant::now() + WAIT;
    for attempt in 0.. {
        let callid = format!("probe-{attempt}");
        let _ = http
            .post(format!("http://{addr}/cloudpbx"))
            .form(&[
                ("cmd", "event"),
                ("type", "INCOMING"),
                ("phone", "79990000000"),
                ("user", "mike"),
                ("callid", callid.as_str()),
                ("crm_token", CRM_TOKEN),
            ])
            .send()
            .await;
        if let Ok(Some(_)) = tokio::time::timeout(Duration::from_millis(300), events.recv()).await {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the desktop never connected"
        );
    }

    let sim = cloudpbx::start(
        "127.0.0.1:0",
        CloudPbxSimConfig {
            crm_url: Some(format!("http://{addr}/cloudpbx")),
            crm_token: CRM_TOKEN.into(),
            ..CloudPbxSimConfig::default()
        },
    )
    .await
    .unwrap();
    let deliveries = sim
        .run(CallScenario::Incoming {
            phone: "79101234567".into(),
            users: vec!["andy".into(), "daria".into()],
            answered_by: Some("daria".into()),
            ring_secs: 5,
            talk_secs: 30,
            group: Some("Отдел продаж".into()),
        })
        .await
        .unwrap();
    assert!(
        deliveries.iter().all(|d| d.status == 200),
        "the relay accepted every request"
    );

    let mut tracker = CallTracker::new();
    let mut last = None;
    while let Ok(Some(event)) = tokio::time::timeout(Duration::from_secs(2), events.recv()).await {
        if event.root_id().starts_with("probe-") {
            continue;
        }
        if let Some(call) = tracker.apply(&event) {
            last = Some(call);
        }
    }
    let call = last.expect("events came through the relay");
    assert_eq!(call.state, CallState::Ended);
    assert_eq!(
        call.employee.as_deref(),
        Some("daria"),
        "answered by daria, one call"
    );
    assert_eq!(
        call.customer.as_ref().and_then(|c| c.e164()),
        Some("+79101234567")
    );
    let history = store.recent_calls(10).unwrap();
    assert_eq!(history.len(), 1, "the PBX's history webhook is kept");
    stop_client.cancel();
}

#[tokio::test]
async fn a_wrong_crm_token_gets_the_specs_401() {
    let (_token, entry) = issue_client_token("supervisor", None, &[]);
    let (addr, _store, _stop) = start_relay(&entry).await;
    let response = reqwest::Client::new()
        .post(format!("http://{addr}/cloudpbx"))
        .form(&[
            ("cmd", "event"),
            ("type", "INCOMING"),
            ("phone", "79101234567"),
            ("user", "andy"),
            ("callid", "1"),
            ("crm_token", "wrong"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    assert_eq!(
        response.text().await.unwrap(),
        r#"{"error":"Invalid token"}"#
    );
}
