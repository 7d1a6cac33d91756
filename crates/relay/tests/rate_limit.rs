//! The per-source rate limit on the webhook routes: a burst beyond the limit gets 429, another
//! address is unaffected, the limit refills, the other routes are not limited, and the
//! rejection is logged without the Vega secret or the cloud PBX token.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use callpop_core::Store;
use callpop_relay::{Relay, RelayConfig};
use serde_json::Value;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

mod common;

/// What this binary's tests read from the logs.
const LOGGED: &str = "callpop_relay=debug,callpop_providers=debug";

const SECRET: &str = "7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d";
const CRM_TOKEN: &str = "rate-limit-crm-token-31f9";
/// One request a second after a burst of three: the 4th quick request from an address is over.
const BURST: usize = 3;
/// Guards every network wait so a broken relay fails instead of hanging; not a speed bound.
const WAIT: Duration = Duration::from_secs(20);

async fn start() -> (SocketAddr, CancellationToken) {
    common::captured_logs(LOGGED);
    let text = format!(
        "listen = \"127.0.0.1:0\"\n\
         [vega]\nallowed_ips = [\"127.0.0.0/8\"]\nsecret_path = \"{SECRET}\"\n\
         [cloudpbx]\ncrm_token = \"{CRM_TOKEN}\"\n\
         [rate_limit]\nper_second = 1\nburst = {BURST}\n"
    );
    let relay = Relay::new(
        RelayConfig::from_toml_str(&text).unwrap(),
        Arc::new(Store::open_in_memory("RU").unwrap()),
        Vec::new(),
    )
    .unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let shutdown = CancellationToken::new();
    tokio::spawn(relay.serve(listener, shutdown.clone()));
    (addr, shutdown)
}

fn client_from(source: Ipv4Addr) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(IpAddr::V4(source))
        .timeout(WAIT)
        .build()
        .unwrap()
}

/// A cloud PBX event with a wrong token (401 when let through): each one still counts.
async fn post_cloudpbx(client: &reqwest::Client, addr: SocketAddr) -> reqwest::Response {
    client
        .post(format!("http://{addr}/cloudpbx?crm_token={CRM_TOKEN}"))
        .form(&[("cmd", "event"), ("crm_token", "wrong")])
        .send()
        .await
        .unwrap()
}

/// Posts until the relay answers 429 (at most `BURST + 5` times); the statuses before it and
/// the 429 response.
async fn exhaust(client: &reqwest::Client, addr: SocketAddr) -> (Vec<u16>, reqwest::Response) {
    let mut before = Vec::new();
    for _ in 0..BURST + 5 {
        let response = post_cloudpbx(client, addr).await;
        if response.status() == 429 {
            return (before, response);
        }
        before.push(response.status().as_u16());
    }
    panic!("no 429 after {} requests: {before:?}", before.len());
}

#[tokio::test]
async fn a_burst_beyond_the_limit_gets_429_and_another_address_is_unaffected() {
    let (addr, _stop) = start().await;
    let first = client_from(Ipv4Addr::LOCALHOST);
    let (before, refused) = exhaust(&first, addr).await;
    // The whole burst went through to the handler (401: wrong token) before the refusal.
    assert!(before.len() >= BURST, "{before:?}");
    assert!(before.iter().all(|status| *status == 401), "{before:?}");
    let retry_after: u64 = refused.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry_after >= 1);
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body, serde_json::json!({ "error": "Too many requests" }));

    // The Vega route shares the address's bucket; health and the WebSocket are not limited.
    let vega = first
        .post(format!("http://{addr}/vega/{SECRET}"))
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(vega.status(), 429);
    let health = first
        .get(format!("http://{addr}/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);

    let second = client_from(Ipv4Addr::new(127, 0, 0, 2));
    assert_eq!(post_cloudpbx(&second, addr).await.status(), 401);
}

#[tokio::test]
async fn the_limit_refills() {
    let (addr, _stop) = start().await;
    let client = client_from(Ipv4Addr::new(127, 0, 0, 3));
    let (_, refused) = exhaust(&client, addr).await;
    let retry_after: u64 = refused.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    // Waiting as told is enough for one more request (a refill of one per second).
    tokio::time::sleep(Duration::from_secs(retry_after)).await;
    assert_eq!(post_cloudpbx(&client, addr).await.status(), 401);
}

#[tokio::test]
async fn a_rejection_is_logged_without_the_secret_path_or_the_token() {
    let (addr, _stop) = start().await;
    let client = client_from(Ipv4Addr::new(127, 0, 0, 4));
    for _ in 0..BURST + 5 {
        let reply = client
            .post(format!("http://{addr}/vega/{SECRET}?crm_token={CRM_TOKEN}"))
            .body("{}")
            .send()
            .await
            .unwrap();
        if reply.status() == 429 {
            break;
        }
    }
    let logs = String::from_utf8_lossy(&common::captured_logs(LOGGED).lock().unwrap()).into_owned();
    assert!(
        logs.contains("too many requests") && logs.contains("127.0.0.4"),
        "{logs}"
    );
    assert!(logs.contains("/vega/{*rest}"), "{logs}");
    assert!(!logs.contains(SECRET), "{logs}");
    assert!(!logs.contains(CRM_TOKEN), "{logs}");
}
