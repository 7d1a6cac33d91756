//! The relay embedded in a desktop app (`[lan_relay]`): the PBX posts to it on the LAN and the
//! app gets the events straight from the hub.

use std::sync::Arc;
use std::time::Duration;

use callpop_core::{CallState, Store};
use callpop_relay::{start_embedded, EmbeddedError, RelayConfig};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

const CRM_TOKEN: &str = "embedded-crm-token";

fn config() -> RelayConfig {
    RelayConfig::from_toml_str(&format!(
        "listen = \"127.0.0.1:0\"\nregion = \"RU\"\n[cloudpbx]\ncrm_token = \"{CRM_TOKEN}\"\n"
    ))
    .unwrap()
}

/// The cloud PBX tells the relay at `addr` that daria's phone rings for call `callid`; the
/// relay's status.
async fn ring_daria(addr: std::net::SocketAddr, callid: &str) -> u16 {
    reqwest::Client::new()
        .post(format!("http://{addr}/cloudpbx"))
        .form(&[
            ("cmd", "event"),
            ("type", "INCOMING"),
            ("phone", "79101234567"),
            ("user", "daria"),
            ("callid", callid),
            ("crm_token", CRM_TOKEN),
        ])
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn the_pbx_posts_to_the_app_and_the_app_gets_the_event_without_a_websocket() {
    let (tx, mut events) = mpsc::channel(16);
    let stop = CancellationToken::new();
    let store = Arc::new(Store::open_in_memory("RU").unwrap());
    let addr = start_embedded(config(), None, store, None, None, tx, stop.clone())
        .await
        .unwrap();
    assert_eq!(ring_daria(addr, "lan-1").await, 200);
    let event = tokio::time::timeout(Duration::from_secs(10), events.recv())
        .await
        .expect("the event arrives")
        .unwrap();
    assert_eq!(event.state, CallState::Ringing);
    assert_eq!(event.employee.as_deref(), Some("daria"));
    stop.cancel();
}

#[tokio::test]
async fn a_client_name_the_relay_does_not_know_is_a_clear_error() {
    let (tx, _events) = mpsc::channel(1);
    let store = Arc::new(Store::open_in_memory("RU").unwrap());
    let error = start_embedded(
        config(),
        None,
        store,
        None,
        Some("nobody"),
        tx,
        CancellationToken::new(),
    )
    .await
    .unwrap_err();
    assert!(matches!(error, EmbeddedError::UnknownClient(ref name) if name == "nobody"));
    assert!(error.to_string().contains("[[clients]]"), "{error}");
}

#[tokio::test]
async fn an_address_in_use_is_a_clear_error() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let mut config = config();
    config.listen = taken.local_addr().unwrap();
    let (tx, _events) = mpsc::channel(1);
    let store = Arc::new(Store::open_in_memory("RU").unwrap());
    let error = start_embedded(
        config,
        None,
        store,
        None,
        None,
        tx,
        CancellationToken::new(),
    )
    .await
    .unwrap_err();
    assert!(matches!(error, EmbeddedError::Listen { .. }), "{error}");
}

#[tokio::test]
async fn a_desktop_added_to_the_lan_relays_file_joins_and_the_apps_own_events_keep_coming() {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("relay.toml");
    std::fs::write(
        &file,
        format!(
            "listen = \"127.0.0.1:0\"\nregion = \"RU\"\n[cloudpbx]\ncrm_token = \"{CRM_TOKEN}\"\n"
        ),
    )
    .unwrap();
    let (tx, mut events) = mpsc::channel(16);
    let stop = CancellationToken::new();
    let store = Arc::new(Store::open_in_memory("RU").unwrap());
    let config = RelayConfig::load(&file).unwrap();
    let addr = start_embedded(config, Some(&file), store, None, None, tx, stop.clone())
        .await
        .unwrap();

    // Another desktop of the office is added to the file while the app runs.
    #[derive(serde::Serialize)]
    struct Clients {
        clients: Vec<callpop_relay::ClientEntry>,
    }
    let (token, entry) = callpop_relay::issue_client_token("petro", Some("petro"), &[]);
    let mut text = std::fs::read_to_string(&file).unwrap();
    text.push_str(
        &toml::to_string(&Clients {
            clients: vec![entry],
        })
        .unwrap(),
    );
    std::fs::write(&file, text).unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let mut request = format!("ws://{addr}/ws").into_client_request().unwrap();
        request.headers_mut().insert(
            "Authorization",
            format!("Bearer {}", token.expose()).parse().unwrap(),
        );
        if tokio_tungstenite::connect_async(request).await.is_ok() {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "petro never let in");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    // The app's own desktop, which the file does not list, still gets its events.
    assert_eq!(ring_daria(addr, "after-the-edit").await, 200);
    let event = tokio::time::timeout(Duration::from_secs(10), events.recv())
        .await
        .expect("the app still gets events")
        .unwrap();
    assert!(
        event.call_id.starts_with("after-the-edit"),
        "{}",
        event.call_id
    );
    stop.cancel();
}
