//! The routes of the PBXs that send no token (Telediscount, MCN Telecom, the Autodialer) and
//! Asterisk's caller-name look-up, on a running relay: the spec's examples reach a desktop's
//! WebSocket as normalized events, results land in the shared history, and strangers (wrong
//! address, wrong secret, wrong token) are refused.

use std::sync::Arc;
use std::time::Duration;

use callpop_core::secrets::Secret;
use callpop_core::{CallEvent, CallState, Direction, NewContact, PhoneNumber, Store};
use callpop_providers::telediscount::examples::{CALL_FINISHED, INCOME};
use callpop_relay::{issue_client_token, ClientEntry, Relay, RelayClient, RelayConfig};
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

const TD_SECRET: &str = "td0123456789abcdef0123456789abcd";
const MCN_SECRET: &str = "mcn123456789abcdef0123456789abcd";
const AD_SECRET: &str = "ad0123456789abcdef0123456789abcd";
const LOOKUP_TOKEN: &str = "lookup-token-for-asterisk";
/// Guards every wait so a broken relay fails instead of hanging; not a speed bound.
const WAIT: Duration = Duration::from_secs(10);

struct Running {
    base: String,
    store: Arc<Store>,
    events: mpsc::Receiver<CallEvent>,
    _stop: CancellationToken,
}

/// A relay where Telediscount, MCN and the Autodialer may call from `allowed_ip`, with one
/// desktop connected and ready.
async fn start(allowed_ip: &str) -> Running {
    #[derive(serde::Serialize)]
    struct Clients<'a> {
        clients: Vec<&'a ClientEntry>,
    }
    let (token, entry) = issue_client_token("office", None, &[]);
    let mut text = format!(
        "listen = \"127.0.0.1:0\"\nregion = \"RU\"\n\
         [telediscount]\nallowed_ips = [\"{allowed_ip}\"]\nsecret_path = \"{TD_SECRET}\"\n\
         [mcn]\nallowed_ips = [\"{allowed_ip}\"]\nsecret_path = \"{MCN_SECRET}\"\n\
         [autodialer]\nallowed_ips = [\"{allowed_ip}\"]\nsecret_path = \"{AD_SECRET}\"\n\
         [asterisk]\nlookup_token = \"{LOOKUP_TOKEN}\"\n"
    );
    text.push_str(
        &toml::to_string(&Clients {
            clients: vec![&entry],
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
    let stop = CancellationToken::new();
    tokio::spawn(relay.serve(listener, stop.clone()));

    let (tx, events) = mpsc::channel(64);
    let client = RelayClient::new(&format!("ws://{addr}/ws"), Secret::new(token.expose()));
    let mut connection = client.connection();
    tokio::spawn(client.run(tx, stop.clone()));
    tokio::time::timeout(WAIT, connection.wait_for(|up| *up))
        .await
        .expect("the desktop connects")
        .unwrap();
    Running {
        base: format!("http://{addr}"),
        store,
        events,
        _stop: stop,
    }
}

async fn next_event(events: &mut mpsc::Receiver<CallEvent>) -> CallEvent {
    tokio::time::timeout(WAIT, events.recv())
        .await
        .expect("an event within the wait")
        .expect("the client is running")
}

/// The spec's example path with our secret in front: `/telediscount/<secret>/income.php?...`.
fn telediscount_url(base: &str, example: &str) -> String {
    let tail = example
        .strip_prefix("/script/telediscount")
        .expect("the spec's path");
    format!("{base}/telediscount/{TD_SECRET}{tail}")
}

#[tokio::test]
async fn telediscounts_spec_examples_reach_the_desktop_and_the_history() {
    let mut relay = start("127.0.0.1").await;
    let http = reqwest::Client::new();

    let income = http
        .get(telediscount_url(&relay.base, INCOME))
        .send()
        .await
        .unwrap();
    assert_eq!(income.status(), 200);
    let ringing = next_event(&mut relay.events).await;
    assert_eq!(ringing.provider, "telediscount");
    assert_eq!(ringing.state, CallState::Ringing);
    assert_eq!(ringing.direction, Direction::In);
    assert_eq!(
        ringing.customer.as_ref().and_then(|c| c.e164()),
        Some("+79039998877")
    );

    let finished = http
        .get(telediscount_url(&relay.base, CALL_FINISHED))
        .send()
        .await
        .unwrap();
    assert_eq!(finished.status(), 200);
    let mut last = next_event(&mut relay.events).await;
    while !last.state.is_final() {
        last = next_event(&mut relay.events).await;
    }
    assert_eq!(last.state, CallState::Ended);
    assert_eq!(last.call_id, ringing.call_id, "the same call");
    let history = relay.store.recent_calls(5).unwrap();
    assert_eq!(
        history.len(),
        1,
        "call_finished is kept in the shared history"
    );
    assert_eq!(history[0].talk_seconds, Some(12));
}

#[tokio::test]
async fn an_mcn_call_reaches_the_desktop_as_ringing_answered_ended() {
    let mut relay = start("127.0.0.1").await;
    let http = reqwest::Client::new();
    let url = format!("{}/mcn/{MCN_SECRET}", relay.base);
    for (event_type, billsec) in [
        ("onBegin", 0),
        ("onInCallingAnswered", 0),
        ("onInCallingEnd", 42),
    ] {
        let response = http
            .post(&url)
            .json(&serde_json::json!({
                "event_type": event_type, "call_id": "mcn-1", "abon": "101",
                "did": "79101234567", "did_mcn": "74951234567", "billsec": billsec,
            }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{event_type}");
    }
    let mut states = Vec::new();
    while states.last() != Some(&CallState::Ended) {
        let event = next_event(&mut relay.events).await;
        assert_eq!(event.provider, "mcn");
        assert_eq!(
            event.customer.as_ref().and_then(|c| c.e164()),
            Some("+79101234567")
        );
        states.push(event.state);
    }
    assert_eq!(states.first(), Some(&CallState::Ringing));
    assert!(states.contains(&CallState::Answered), "{states:?}");
}

#[tokio::test]
async fn an_autodialer_result_lands_in_the_shared_history() {
    let relay = start("127.0.0.1").await;
    let response = reqwest::Client::new()
        .post(format!("{}/autodialer/{AD_SECRET}", relay.base))
        .json(&serde_json::json!({
            "Номер_абонента": "89222220000",
            "Продолжительность_вызова": 17,
            "Запись(wav)": "https://autodialer.example.com/rec/1.wav",
            "Распознанный_ответ_человека": "да, интересно",
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let history = relay.store.recent_calls(5).unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].provider, "autodialer");
    assert_eq!(
        history[0].customer.as_ref().and_then(|c| c.e164()),
        Some("+79222220000")
    );
    assert_eq!(
        history[0].recording.as_deref(),
        Some("https://autodialer.example.com/rec/1.wav")
    );
    assert_eq!(
        history[0].note.as_deref(),
        Some("да, интересно"),
        "the recognized answer is kept with the call"
    );
}

#[tokio::test]
async fn strangers_are_refused_on_every_tokenless_route() {
    // Only 10.9.9.9 may call: our 127.0.0.1 is a stranger.
    let relay = start("10.9.9.9").await;
    let http = reqwest::Client::new();
    let td = http
        .get(telediscount_url(&relay.base, INCOME))
        .send()
        .await
        .unwrap();
    assert_eq!(td.status(), 403);
    for url in [
        format!("{}/mcn/{MCN_SECRET}", relay.base),
        format!("{}/autodialer/{AD_SECRET}", relay.base),
    ] {
        let response = http.post(&url).body("{}").send().await.unwrap();
        assert_eq!(response.status(), 403, "{url}");
    }

    // From an allowed address but with a guessed secret.
    let relay = start("127.0.0.1").await;
    let guessed = http
        .get(format!(
            "{}/telediscount/{}/income.php?num_a=1",
            relay.base,
            "0".repeat(32)
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(guessed.status(), 403);
    assert!(
        relay.store.recent_calls(5).unwrap().is_empty(),
        "nothing kept"
    );
}

#[tokio::test]
async fn asterisk_asks_for_the_callers_name_in_plain_text() {
    let relay = start("127.0.0.1").await;
    relay
        .store
        .add_contact(&NewContact {
            name: "Olga Kuznetsova".into(),
            company: Some("Polar Logistics".into()),
            phones: vec![PhoneNumber::parse("+7 910 123-45-67", "RU")],
            ..Default::default()
        })
        .unwrap();
    let http = reqwest::Client::new();
    let ask = |number: &str, token: &str| {
        http.get(format!("{}/asterisk/caller-name", relay.base))
            .query(&[("number", number), ("token", token)])
            .send()
    };
    let known = ask("89101234567", LOOKUP_TOKEN).await.unwrap();
    assert_eq!(known.status(), 200);
    assert!(known
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/plain")));
    assert_eq!(
        known.text().await.unwrap(),
        "Olga Kuznetsova (Polar Logistics)"
    );

    let unknown = ask("84950000000", LOOKUP_TOKEN).await.unwrap();
    assert_eq!(unknown.status(), 200);
    assert_eq!(
        unknown.text().await.unwrap(),
        "",
        "the PBX keeps its own name"
    );

    let wrong = ask("89101234567", "not-the-token").await.unwrap();
    assert_eq!(wrong.status(), 403);
}
