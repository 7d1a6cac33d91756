//! The single relay's events file when the disk fails: calls still reach the desktops (a full
//! disk must not stop the cards), and the events are written once the file can be again.

use std::sync::Arc;

use callpop_core::Store;
use callpop_relay::{Relay, RelayConfig};
use serde_json::{json, Value};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

const SECRET: &str = "e0e1e2e3e4e5e6e7e8e9eaebecedeeef";

fn dial(uuid: &str) -> Value {
    json!({
        "event": "call.dial", "accountDomain": "qwerty.pbx.vega.ua", "uuid": uuid,
        "parentUuid": null, "dialAt": 1431686100, "bridgeAt": null, "lgDirection": 4,
        "leg": { "id": 36, "ext": "001", "displayName": "Іван Іванов" }, "leg2": null,
        "otherLegs": [], "trunkNum": "+380442246595", "trunkName": "main"
    })
}

#[tokio::test]
async fn events_the_file_could_not_take_are_written_once_it_can() {
    let dir = tempfile::tempdir().unwrap();
    let events_file = dir.path().join("relay-events.sqlite");
    let config = RelayConfig::from_toml_str(&format!(
        "listen = \"127.0.0.1:0\"\nregion = \"UA\"\nevents_file = {:?}\n\
         [vega]\nallowed_ips = [\"127.0.0.1\"]\nsecret_path = \"{SECRET}\"\n",
        events_file.display().to_string()
    ))
    .unwrap();
    let store = Arc::new(Store::open_in_memory("UA").unwrap());
    let relay = Relay::new(config, store, Vec::new()).unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/vega/{SECRET}", listener.local_addr().unwrap());
    let shutdown = CancellationToken::new();
    let server = tokio::spawn(relay.serve(listener, shutdown.clone()));
    let http = reqwest::Client::new();
    let post = |uuid: &str| http.post(&url).json(&dial(uuid)).send();

    assert_eq!(post("written").await.unwrap().status(), 200);

    // Another process takes the file's table away (a stand-in for a full or broken disk).
    let vandal = rusqlite::Connection::open(&events_file).unwrap();
    vandal
        .execute_batch("ALTER TABLE events RENAME TO moved")
        .unwrap();
    assert_eq!(post("while-failing").await.unwrap().status(), 200);
    assert_eq!(
        vandal
            .query_row("SELECT COUNT(*) FROM moved", [], |row| row.get::<_, i64>(0))
            .unwrap(),
        1,
        "nothing reached the file meanwhile"
    );

    // The disk is back: the next write takes what waited, in order, each once.
    vandal
        .execute_batch("ALTER TABLE moved RENAME TO events")
        .unwrap();
    assert_eq!(post("after").await.unwrap().status(), 200);
    let written: Vec<(i64, String)> = vandal
        .prepare("SELECT seq, event FROM events ORDER BY seq")
        .unwrap()
        .query_map([], |row| {
            Ok((row.get::<_, i64>(0)?, row.get::<_, String>(1)?))
        })
        .unwrap()
        .map(|row| {
            let (seq, json) = row.unwrap();
            let event: Value = serde_json::from_str(&json).unwrap();
            (seq, event["call_id"].as_str().unwrap().to_owned())
        })
        .collect();
    let ids: Vec<&str> = written.iter().map(|(_, id)| id.as_str()).collect();
    assert_eq!(ids, ["written", "while-failing", "after"]);
    assert!(
        written.windows(2).all(|w| w[1].0 == w[0].0 + 1),
        "consecutive numbers: {written:?}"
    );

    shutdown.cancel();
    server.await.unwrap().unwrap();
}
