//! Vega's UTM tags (vega.md A.3) posted to a running relay are kept with their call in the
//! store the history reads.

use std::sync::Arc;

use callpop_core::Store;
use callpop_providers::vega::examples::UTM as SPEC_UTM;
use callpop_relay::{Relay, RelayConfig};
use serde_json::{json, Value};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

const SECRET: &str = "0a1b2c3d4e5f60718293a4b5c6d7e8f9";
const SPEC_CALL: &str = "005f1dfae76d4c379e1d4095c07a76a2";

async fn post(http: &reqwest::Client, url: &str, body: &str) -> (u16, Value) {
    let response = http
        .post(url)
        .header("content-type", "application/json")
        .body(body.to_owned())
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn utm_tags_posted_to_the_relay_are_saved_with_their_call_and_merged() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(Store::open(&dir.path().join("callpop.sqlite"), "UA").unwrap());
    let config = RelayConfig::from_toml_str(&format!(
        "listen = \"127.0.0.1:0\"\nregion = \"UA\"\n\
         [vega]\nallowed_ips = [\"127.0.0.1\"]\nsecret_path = \"{SECRET}\"\n"
    ))
    .unwrap();
    let relay = Relay::new(config, Arc::clone(&store), Vec::new()).unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!(
        "http://{}/vega/{SECRET}/utm",
        listener.local_addr().unwrap()
    );
    let shutdown = CancellationToken::new();
    let server = tokio::spawn(relay.serve(listener, shutdown.clone()));
    let http = reqwest::Client::new();

    let (status, reply) = post(&http, &url, SPEC_UTM).await;
    assert_eq!((status, &reply["accepted"]), (200, &json!(1)), "{reply}");
    // Once a minute Vega posts again: the same call's tags, one changed, one new.
    let again = json!([{
        "callParentUuid": SPEC_CALL, "utmMedium": "email", "newTag": "ignored by the parser"
    }, {
        "callParentUuid": "other-call", "utmSource": "facebook"
    }]);
    let (status, _) = post(&http, &url, &again.to_string()).await;
    assert_eq!(status, 200);
    // A refused batch saves nothing.
    let (status, _) = post(&http, &url, r#"{"callParentUuid": "nope"}"#).await;
    assert_eq!(status, 400);

    // Read from another handle on the file, as the CLI's history does.
    let reader = Store::open(&dir.path().join("callpop.sqlite"), "UA").unwrap();
    let tags = reader.utm_tags("vega", SPEC_CALL).unwrap();
    assert_eq!(tags["utmSource"], "google");
    assert_eq!(tags["utmMedium"], "email", "the newer value wins");
    assert_eq!(tags["label"], "callcatcher\n firstcall");
    assert_eq!(tags["callDate"], "2019-02-12T07:02:24.251Z");
    assert_eq!(tags.len(), 13, "merged, not duplicated: {tags:?}");
    assert_eq!(
        reader.utm_tags("vega", "other-call").unwrap()["utmSource"],
        "facebook"
    );
    assert!(reader.utm_tags("vega", "nope").unwrap().is_empty());

    shutdown.cancel();
    server.await.unwrap().unwrap();
}
