//! The relay end to end: a real server on 127.0.0.1:0, Vega's payloads (vega.md part A) posted
//! over HTTP, and real WebSocket clients receiving what they became.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use callpop_core::{Employee, NewContact, PhoneNumber, Store};
use callpop_relay::{issue_client_token, ClientEntry, ClientToken, Relay, RelayConfig};
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};
use tokio_util::sync::CancellationToken;

const SECRET: &str = "9f2c4e1a7b3d5f608192a3b4c5d6e7f8";

use callpop_providers::vega::examples::{
    DIAL as SPEC_DIAL, SETTINGS_REQUEST as SPEC_SETTINGS_REQUEST, UTM as SPEC_UTM,
};

/// Guards every wait on the network, so a broken relay fails the test instead of hanging it.
/// Not a performance bound: a healthy relay answers in milliseconds.
const NETWORK_WAIT: Duration = Duration::from_secs(20);

type Client = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// A running relay with two desktops: Olena (extension 001) and the boss (every call).
struct Harness {
    addr: SocketAddr,
    olena: ClientToken,
    boss: ClientToken,
    shutdown: CancellationToken,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
    http: reqwest::Client,
}

struct Options {
    allowed_ip: &'static str,
    buffer: usize,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            allowed_ip: "127.0.0.1",
            buffer: 1000,
        }
    }
}

async fn start(options: Options) -> Harness {
    let (olena, olena_entry) = issue_client_token("olena", Some("001"), &["sales".into()]);
    let (boss, boss_entry) = issue_client_token("boss", None, &[]);
    let mut text = format!(
        "listen = \"127.0.0.1:0\"\nregion = \"UA\"\nbuffer_per_client = {}\n\
         [vega]\nallowed_ips = [\"{}\"]\nsecret_path = \"{SECRET}\"\n\
         new_contact_url = \"http://crm.com/contacts/new?phone={{phone}}\"\n\
         max_body_bytes = 2048\n",
        options.buffer, options.allowed_ip
    );
    #[derive(serde::Serialize)]
    struct Clients {
        clients: Vec<ClientEntry>,
    }
    let clients = Clients {
        clients: vec![olena_entry, boss_entry],
    };
    text.push_str(&toml::to_string(&clients).unwrap());
    let config = RelayConfig::from_toml_str(&text).unwrap();
    let relay = Relay::new(config, Arc::new(directory()), employees()).unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let shutdown = CancellationToken::new();
    let server = tokio::spawn(relay.serve(listener, shutdown.clone()));
    Harness {
        addr,
        olena,
        boss,
        shutdown,
        server,
        http: reqwest::Client::new(),
    }
}

fn directory() -> Store {
    let store = Store::open_in_memory("UA").unwrap();
    store
        .add_contact(&NewContact {
            name: "Іван Іванов".into(),
            responsible: Some("example@email.com".into()),
            url: Some("http://crm.com/contacts?id=1".into()),
            phones: vec![PhoneNumber::parse("+380442246595", "UA")],
            ..NewContact::default()
        })
        .unwrap();
    store
}

fn employees() -> Vec<Employee> {
    vec![Employee {
        id: "30".into(),
        name: "Іван Іванов".into(),
        ext: Some("001".into()),
        email: Some("example@email.com".into()),
    }]
}

/// The spec's dial example as `event` for call `uuid` ringing extension `ext`.
fn call_event(event: &str, uuid: &str, ext: &str) -> String {
    let mut body: Value = serde_json::from_str(SPEC_DIAL).unwrap();
    body["event"] = json!(event);
    body["uuid"] = json!(uuid);
    body["leg"]["ext"] = json!(ext);
    if event != "call.dial" {
        body["bridgeAt"] = json!(1431686110);
    }
    body.to_string()
}

impl Harness {
    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    fn vega_path(&self) -> String {
        format!("/vega/{SECRET}")
    }

    /// POSTs `body` as JSON to `path`; the status and the JSON reply.
    async fn post(&self, path: &str, body: &str) -> (u16, Value) {
        let response = tokio::time::timeout(
            NETWORK_WAIT,
            self.http
                .post(self.url(path))
                .header("content-type", "application/json")
                .body(body.to_owned())
                .send(),
        )
        .await
        .unwrap()
        .unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        let value = serde_json::from_str(&text).unwrap_or(Value::String(text));
        (status, value)
    }

    async fn post_vega(&self, body: &str) -> Value {
        let (status, reply) = self.post(&self.vega_path(), body).await;
        assert_eq!(status, 200, "{reply}");
        reply
    }

    /// A client authenticated by header, resuming after `last_seq`, past its `ready`.
    async fn connect(&self, token: &ClientToken, last_seq: Option<u64>) -> (Client, u64) {
        let query = last_seq.map_or(String::new(), |seq| format!("?last_seq={seq}"));
        let mut request = format!("ws://{}/ws{query}", self.addr)
            .into_client_request()
            .unwrap();
        request.headers_mut().insert(
            "authorization",
            format!("Bearer {}", token.expose()).parse().unwrap(),
        );
        let (mut client, _) =
            tokio::time::timeout(NETWORK_WAIT, tokio_tungstenite::connect_async(request))
                .await
                .unwrap()
                .unwrap();
        let ready = next_json(&mut client).await;
        assert_eq!(ready["type"], "ready", "{ready}");
        let seq = ready["seq"].as_u64().unwrap();
        (client, seq)
    }

    async fn stop(self) {
        self.shutdown.cancel();
        tokio::time::timeout(NETWORK_WAIT, self.server)
            .await
            .unwrap()
            .unwrap()
            .unwrap();
    }
}

/// The next text message as JSON (pings are answered by tungstenite while reading).
async fn next_json(client: &mut Client) -> Value {
    loop {
        let message = tokio::time::timeout(NETWORK_WAIT, client.next())
            .await
            .expect("no message from the relay")
            .expect("the relay closed the socket")
            .unwrap();
        match message {
            Message::Text(text) => return serde_json::from_str(text.as_str()).unwrap(),
            Message::Ping(_) | Message::Pong(_) => continue,
            other => panic!("unexpected message {other:?}"),
        }
    }
}

/// The next message must be an event; its sequence number and the event.
async fn next_event(client: &mut Client) -> (u64, Value) {
    let message = next_json(client).await;
    assert_eq!(message["type"], "event", "{message}");
    (message["seq"].as_u64().unwrap(), message["event"].clone())
}

#[tokio::test]
async fn the_spec_call_events_reach_the_desktop_as_normalized_events() {
    let relay = start(Options::default()).await;
    let (mut olena, start_seq) = relay.connect(&relay.olena, None).await;

    assert_eq!(relay.post_vega(SPEC_DIAL).await, json!({ "ok": true }));
    let (seq, ring) = next_event(&mut olena).await;
    assert_eq!(seq, start_seq + 1);
    assert_eq!(ring["call_id"], "47a968893984475b8c20e29dec144ce1d");
    assert_eq!(ring["provider"], "vega");
    assert_eq!(ring["state"], "ringing");
    assert_eq!(ring["direction"], "out");
    assert_eq!(ring["employee"], "001");
    assert_eq!(ring["customer"], "+380000000000");
    assert_eq!(ring["pbx_contact"]["name"], "Анастасія Березкіна");

    let uuid = "47a968893984475b8c20e29dec144ce1d";
    relay
        .post_vega(&call_event("call.bridge", uuid, "001"))
        .await;
    let (seq, answered) = next_event(&mut olena).await;
    assert_eq!(seq, start_seq + 2);
    assert_eq!(answered["state"], "answered");
    assert_eq!(answered["call_id"], uuid);

    relay
        .post_vega(&call_event("call.hangup", uuid, "001"))
        .await;
    let (seq, ended) = next_event(&mut olena).await;
    assert_eq!(seq, start_seq + 3);
    assert_eq!(ended["state"], "ended");
    assert_eq!(ended["customer"], "+380000000000");
    relay.stop().await;
}

#[tokio::test]
async fn duplicates_and_utm_tags_are_answered_but_push_nothing() {
    let relay = start(Options::default()).await;
    let (mut olena, start_seq) = relay.connect(&relay.olena, None).await;
    relay.post_vega(SPEC_DIAL).await;
    // vega.md A.2: events may be duplicated.
    relay.post_vega(SPEC_DIAL).await;
    let utm = relay.post_vega(SPEC_UTM).await;
    assert_eq!((&utm["ok"], &utm["accepted"]), (&json!(true), &json!(1)));
    relay
        .post_vega(&call_event("call.dial", "second-call", "001"))
        .await;
    let (seq, first) = next_event(&mut olena).await;
    assert_eq!(
        (seq, first["call_id"].as_str()),
        (start_seq + 1, Some("47a968893984475b8c20e29dec144ce1d"))
    );
    let (seq, second) = next_event(&mut olena).await;
    assert_eq!(
        (seq, second["call_id"].as_str()),
        (start_seq + 2, Some("second-call"))
    );
    relay.stop().await;
}

#[tokio::test]
async fn call_settings_is_answered_through_the_relay() {
    let relay = start(Options::default()).await;
    let known = relay.post_vega(SPEC_SETTINGS_REQUEST).await;
    assert_eq!(
        known,
        json!({ "otherLeg": {
            "name": "Іван Іванов",
            "url": "http://crm.com/contacts?id=1",
            "urlText": "Іван Іванов",
            "newEntry": false,
            "responsibleEmployeeExt": "001",
            "responsibleEmployeeEmail": "example@email.com" } })
    );
    let unknown = relay
        .post_vega(r#"{ "request": "call.settings", "otherLegNum": "+380442246500" }"#)
        .await;
    assert_eq!(unknown["otherLeg"]["newEntry"], true);
    assert_eq!(
        unknown["otherLeg"]["url"],
        "http://crm.com/contacts/new?phone=%2B380442246500"
    );
    relay.stop().await;
}

#[tokio::test]
async fn a_request_from_an_address_not_allowed_is_403() {
    let relay = start(Options {
        allowed_ip: "89.184.65.208",
        ..Options::default()
    })
    .await;
    let (status, reply) = relay.post(&relay.vega_path(), SPEC_DIAL).await;
    assert_eq!((status, reply), (403, json!({ "error": "Forbidden" })));
    relay.stop().await;
}

#[tokio::test]
async fn a_request_without_the_secret_path_is_403() {
    let relay = start(Options::default()).await;
    let wrong = "/vega/0000000000000000000000000000000";
    let (status, reply) = relay.post(wrong, SPEC_DIAL).await;
    assert_eq!((status, reply), (403, json!({ "error": "Forbidden" })));
    relay.stop().await;
}

#[tokio::test]
async fn an_oversized_body_is_413_whether_its_length_is_declared_or_not() {
    let relay = start(Options::default()).await;
    let big = format!("[{}]", vec!["1"; 3000].join(","));
    let (status, reply) = relay.post(&relay.vega_path(), &big).await;
    assert_eq!(status, 413, "{reply}");
    assert!(reply["error"]
        .as_str()
        .unwrap()
        .starts_with("Payload too large"));

    // Chunked: no Content-Length, so the relay stops reading past the limit itself.
    let mut stream = TcpStream::connect(relay.addr).await.unwrap();
    let mut request = format!(
        "POST {} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
         Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
        relay.vega_path()
    );
    for chunk in big.as_bytes().chunks(500) {
        request.push_str(&format!(
            "{:x}\r\n{}\r\n",
            chunk.len(),
            std::str::from_utf8(chunk).unwrap()
        ));
    }
    request.push_str("0\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = Vec::new();
    tokio::time::timeout(NETWORK_WAIT, stream.read_to_end(&mut response))
        .await
        .unwrap()
        .unwrap();
    let response = String::from_utf8_lossy(&response);
    assert!(response.starts_with("HTTP/1.1 413"), "{response}");
    assert!(response.contains("Payload too large"), "{response}");
    relay.stop().await;
}

#[tokio::test]
async fn a_malformed_body_is_400_with_a_reason() {
    let relay = start(Options::default()).await;
    for body in [
        "{\"event\": ",
        "not json",
        "42",
        "{\"event\":\"call.dial\"}",
    ] {
        let (status, reply) = relay.post(&relay.vega_path(), body).await;
        assert_eq!(status, 400, "{body}: {reply}");
        assert!(
            reply["error"].as_str().is_some_and(|e| !e.is_empty()),
            "{reply}"
        );
    }
    relay.stop().await;
}

#[tokio::test]
async fn a_webhook_with_another_method_is_405_and_health_is_200() {
    let relay = start(Options::default()).await;
    let url = relay.url(&relay.vega_path());
    let response = relay.http.get(&url).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 405);
    let response = relay.http.put(&url).body("{}").send().await.unwrap();
    assert_eq!(response.status().as_u16(), 405);
    let health = relay.http.get(relay.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status().as_u16(), 200);
    let missing = relay.http.get(relay.url("/nothing")).send().await.unwrap();
    assert_eq!(missing.status().as_u16(), 404);
    relay.stop().await;
}

#[tokio::test]
async fn a_wrong_client_token_is_401_before_the_upgrade() {
    let relay = start(Options::default()).await;
    for value in [
        "Bearer cpr_0000".to_owned(),
        "Basic abc".to_owned(),
        format!("Bearer {}x", relay.olena.expose()),
    ] {
        let mut request = format!("ws://{}/ws", relay.addr)
            .into_client_request()
            .unwrap();
        request
            .headers_mut()
            .insert("authorization", value.parse().unwrap());
        let error = tokio_tungstenite::connect_async(request).await.unwrap_err();
        match error {
            tokio_tungstenite::tungstenite::Error::Http(response) => {
                assert_eq!(response.status().as_u16(), 401, "{value}");
            }
            other => panic!("expected 401, got {other:?}"),
        }
    }
    relay.stop().await;
}

#[tokio::test]
async fn a_client_may_authenticate_with_a_hello_message_instead() {
    let relay = start(Options::default()).await;
    let url = format!("ws://{}/ws", relay.addr);

    let (mut stranger, _) = tokio_tungstenite::connect_async(&url).await.unwrap();
    let hello = json!({ "type": "hello", "token": "cpr_wrong" }).to_string();
    stranger.send(Message::Text(hello.into())).await.unwrap();
    let closed = tokio::time::timeout(NETWORK_WAIT, stranger.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    match closed {
        Message::Close(Some(frame)) => assert_eq!(frame.code, CloseCode::Policy),
        other => panic!("expected a policy-violation close, got {other:?}"),
    }

    let (mut olena, _) = tokio_tungstenite::connect_async(&url).await.unwrap();
    let hello = json!({ "type": "hello", "token": relay.olena.expose(), "last_seq": 0 });
    olena
        .send(Message::Text(hello.to_string().into()))
        .await
        .unwrap();
    let ready = next_json(&mut olena).await;
    assert_eq!(ready["type"], "ready");
    assert_eq!(ready["client"], "olena");
    relay.stop().await;
}

#[tokio::test]
async fn a_client_that_reconnects_gets_exactly_the_events_it_missed_once() {
    let relay = start(Options::default()).await;
    let (mut olena, _) = relay.connect(&relay.olena, None).await;
    relay
        .post_vega(&call_event("call.dial", "seen", "001"))
        .await;
    let (last_seq, seen) = next_event(&mut olena).await;
    assert_eq!(seen["call_id"], "seen");
    olena.close(None).await.unwrap();

    for id in ["missed-1", "missed-2", "missed-3"] {
        relay.post_vega(&call_event("call.dial", id, "001")).await;
    }
    let (mut olena, ready_seq) = relay.connect(&relay.olena, Some(last_seq)).await;
    assert_eq!(ready_seq, last_seq);
    for (n, id) in ["missed-1", "missed-2", "missed-3"].iter().enumerate() {
        let (seq, event) = next_event(&mut olena).await;
        assert_eq!(
            (seq, event["call_id"].as_str()),
            (last_seq + 1 + n as u64, Some(*id))
        );
    }
    // Then nothing twice: the next message is the next new event.
    relay
        .post_vega(&call_event("call.dial", "after", "001"))
        .await;
    let (seq, after) = next_event(&mut olena).await;
    assert_eq!(
        (seq, after["call_id"].as_str()),
        (last_seq + 4, Some("after"))
    );
    relay.stop().await;
}

#[tokio::test]
async fn a_resume_older_than_the_buffer_gets_a_gap_then_the_rest() {
    let relay = start(Options {
        buffer: 2,
        ..Options::default()
    })
    .await;
    let (mut olena, _) = relay.connect(&relay.olena, None).await;
    relay
        .post_vega(&call_event("call.dial", "seen", "001"))
        .await;
    let (last_seq, _) = next_event(&mut olena).await;
    olena.close(None).await.unwrap();

    for id in ["lost-1", "lost-2", "kept-1", "kept-2"] {
        relay.post_vega(&call_event("call.dial", id, "001")).await;
    }
    let (mut olena, _) = relay.connect(&relay.olena, Some(last_seq)).await;
    let gap = next_json(&mut olena).await;
    assert_eq!(
        gap,
        json!({ "type": "gap", "from": last_seq + 1, "to": last_seq + 2 })
    );
    for (n, id) in ["kept-1", "kept-2"].iter().enumerate() {
        let (seq, event) = next_event(&mut olena).await;
        assert_eq!(
            (seq, event["call_id"].as_str()),
            (last_seq + 3 + n as u64, Some(*id))
        );
    }
    relay.stop().await;
}

#[tokio::test]
async fn events_for_another_extension_reach_only_clients_without_one() {
    let relay = start(Options::default()).await;
    let (mut olena, _) = relay.connect(&relay.olena, None).await;
    let (mut boss, _) = relay.connect(&relay.boss, None).await;
    relay
        .post_vega(&call_event("call.dial", "for-petro", "002"))
        .await;
    relay
        .post_vega(&call_event("call.dial", "for-olena", "001"))
        .await;

    let (_, first) = next_event(&mut olena).await;
    assert_eq!(first["call_id"], "for-olena");
    let (_, first) = next_event(&mut boss).await;
    let (_, second) = next_event(&mut boss).await;
    assert_eq!(
        (first["call_id"].as_str(), second["call_id"].as_str()),
        (Some("for-petro"), Some("for-olena"))
    );
    relay.stop().await;
}

#[tokio::test]
async fn shutting_down_closes_connected_clients_as_going_away() {
    let relay = start(Options::default()).await;
    let (mut olena, _) = relay.connect(&relay.olena, None).await;
    relay.shutdown.cancel();
    let closed = tokio::time::timeout(NETWORK_WAIT, olena.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    match closed {
        Message::Close(Some(frame)) => assert_eq!(frame.code, CloseCode::Away),
        other => panic!("expected a going-away close, got {other:?}"),
    }
    relay.stop().await;
}
