//! The desktop's `RelayClient` against a real relay on 127.0.0.1: events arrive as `CallEvent`s,
//! and a relay restart is survived (reconnect, a gap for what the old relay forgot, then the new
//! events).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use callpop_core::secrets::Secret;
use callpop_core::{CallEvent, CallState, Store};
use callpop_relay::{
    issue_client_token, ClientEntry, ClientToken, Relay, RelayClient, RelayConfig,
};
use serde_json::{json, Value};
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

const SECRET: &str = "0d9c8b7a6f5e4d3c2b1a09f8e7d6c5b4";

/// Guards every wait, so a broken relay fails the test instead of hanging it; not a bound on
/// speed.
const WAIT: Duration = Duration::from_secs(20);

fn config(entry: &ClientEntry) -> RelayConfig {
    #[derive(serde::Serialize)]
    struct Clients<'a> {
        clients: Vec<&'a ClientEntry>,
    }
    let mut text = format!(
        "listen = \"127.0.0.1:0\"\nregion = \"UA\"\n\
         [vega]\nallowed_ips = [\"127.0.0.1\"]\nsecret_path = \"{SECRET}\"\n"
    );
    text.push_str(
        &toml::to_string(&Clients {
            clients: vec![entry],
        })
        .unwrap(),
    );
    RelayConfig::from_toml_str(&text).unwrap()
}

/// A relay serving on `listener`; cancel the token to stop it.
fn serve(listener: TcpListener, entry: &ClientEntry) -> CancellationToken {
    let relay = Relay::new(
        config(entry),
        Arc::new(Store::open_in_memory("UA").unwrap()),
        Vec::new(),
    )
    .unwrap();
    let shutdown = CancellationToken::new();
    tokio::spawn(relay.serve(listener, shutdown.clone()));
    shutdown
}

/// Vega's call event (vega.md A.2's example) for call `uuid` ringing extension 001.
async fn post_event(addr: SocketAddr, event: &str, uuid: &str) {
    let body = json!({
        "event": event, "accountDomain": "qwerty.pbx.vega.ua", "uuid": uuid, "parentUuid": null,
        "dialAt": 1431686100, "bridgeAt": if event == "call.dial" { Value::Null } else { json!(1431686110) },
        "lgDirection": 4, "leg": { "id": 36, "ext": "001", "displayName": "Іван Іванов" },
        "leg2": null, "otherLegs": [ { "id": 1, "name": null, "num": "+380442246595",
        "companyName": null, "url": null } ], "trunkNum": "+380442246595", "trunkName": "main"
    });
    let status = reqwest::Client::new()
        .post(format!("http://{addr}/vega/{SECRET}"))
        .json(&body)
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, 200);
}

/// The next event that is not one of [`until_connected`]'s probes.
async fn next(events: &mut mpsc::Receiver<CallEvent>) -> CallEvent {
    loop {
        let event = tokio::time::timeout(WAIT, events.recv())
            .await
            .expect("an event in time")
            .expect("the client is running");
        if !event.call_id.starts_with("probe-") {
            return event;
        }
    }
}

fn start_client(
    addr: SocketAddr,
    token: &ClientToken,
) -> (mpsc::Receiver<CallEvent>, CancellationToken) {
    let (tx, rx) = mpsc::channel(16);
    let stop = CancellationToken::new();
    let client = RelayClient::new(&format!("ws://{addr}/ws"), Secret::new(token.expose()));
    tokio::spawn(client.run(tx, stop.clone()));
    (rx, stop)
}

/// Waits until the relay has the client subscribed, by probing with calls (`probe-N`) that
/// [`next`] then skips: a client without `last_seq` only gets what happens after it connects.
async fn until_connected(addr: SocketAddr, events: &mut mpsc::Receiver<CallEvent>) {
    let deadline = tokio::time::Instant::now() + WAIT;
    for attempt in 0.. {
        post_event(addr, "call.dial", &format!("probe-{attempt}")).await;
        if let Ok(Some(_)) = tokio::time::timeout(Duration::from_millis(300), events.recv()).await {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the client never connected"
        );
    }
}

#[tokio::test]
async fn relayed_events_reach_the_desktop_as_call_events() {
    let (token, entry) = issue_client_token("olena", Some("001"), &[]);
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let _relay = serve(listener, &entry);
    let (mut events, stop) = start_client(addr, &token);
    until_connected(addr, &mut events).await;

    post_event(addr, "call.dial", "call-1").await;
    post_event(addr, "call.dial", "call-1").await; // Vega repeats itself (A.2)
    post_event(addr, "call.bridge", "call-1").await;
    let ringing = next(&mut events).await;
    assert_eq!(
        (ringing.call_id.as_str(), ringing.state),
        ("call-1", CallState::Ringing)
    );
    assert_eq!(ringing.customer.unwrap().e164(), Some("+380442246595"));
    let answered = next(&mut events).await;
    assert_eq!(
        answered.state,
        CallState::Answered,
        "the duplicate dial was dropped"
    );
    stop.cancel();
}

#[tokio::test]
async fn the_desktop_survives_a_relay_restart_and_gets_the_new_events() {
    let (token, entry) = issue_client_token("olena", Some("001"), &[]);
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let first = serve(listener, &entry);
    let (mut events, stop) = start_client(addr, &token);
    until_connected(addr, &mut events).await;

    // The relay goes away and comes back on the same address with nothing in memory.
    first.cancel();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let listener = TcpListener::bind(addr)
        .await
        .expect("the port is free again");
    let _second = serve(listener, &entry);

    // The client reconnects by itself (backoff ~1 s) and resumes from its old sequence number;
    // the new relay answers with a gap and then delivers what happens next.
    post_event(addr, "call.dial", "after").await;
    let event = next(&mut events).await;
    assert_eq!(
        (event.call_id.as_str(), event.state),
        ("after", CallState::Ringing)
    );
    stop.cancel();
}
