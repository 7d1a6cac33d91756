//! Hostile input on the webhook routes, as property tests: whatever the body, query string or
//! content type, the relay answers (no handler panicked: a panic drops the connection or turns
//! into a 500) and the answer is a success or a 4xx, never a 5xx.
//!
//! The bodies are not only random bytes, which a token check turns away at once: they are also
//! forms carrying the right `crm_token` with random fields, and the spec's Vega examples with
//! random values put in, so the parsers behind the authentication get the hostile input too.

use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use callpop_core::Store;
use callpop_providers::vega::examples::{DIAL, SETTINGS_REQUEST, UTM};
use callpop_relay::{Relay, RelayConfig};
use proptest::prelude::*;
use serde_json::Value;

const SECRET: &str = "0d1c2b3a4f5e6d7c8b9a0f1e2d3c4b5a";
const CRM_TOKEN: &str = "hostile-input-crm-token";
/// Guards every request so a hung relay fails the test instead of hanging it; not a speed bound.
const WAIT: Duration = Duration::from_secs(20);

/// One relay for the whole binary, on a runtime of its own that outlives every test.
struct Target {
    runtime: tokio::runtime::Runtime,
    addr: SocketAddr,
    http: reqwest::Client,
}

fn target() -> &'static Target {
    static TARGET: OnceLock<Target> = OnceLock::new();
    TARGET.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let text = format!(
            "listen = \"127.0.0.1:0\"\nregion = \"RU\"\n\
             [vega]\nallowed_ips = [\"127.0.0.1\"]\nsecret_path = \"{SECRET}\"\n\
             new_contact_url = \"https://crm.example.com/new?phone={{phone}}\"\n\
             [cloudpbx]\ncrm_token = \"{CRM_TOKEN}\"\n\
             [rate_limit]\nper_second = 1000000\nburst = 1000000\n"
        );
        let relay = Relay::new(
            RelayConfig::from_toml_str(&text).unwrap(),
            Arc::new(Store::open_in_memory("RU").unwrap()),
            Vec::new(),
        )
        .unwrap();
        let addr = runtime.block_on(async {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            tokio::spawn(relay.serve(listener, tokio_util::sync::CancellationToken::new()));
            addr
        });
        let http = reqwest::Client::builder().timeout(WAIT).build().unwrap();
        Target {
            runtime,
            addr,
            http,
        }
    })
}

/// POSTs `body` to `path_and_query` with `content_type`; the status and the body's text.
fn post(path_and_query: &str, content_type: Option<&str>, body: Vec<u8>) -> (u16, String) {
    let target = target();
    target.runtime.block_on(async {
        let mut request = target
            .http
            .post(format!("http://{}{path_and_query}", target.addr))
            .body(body);
        if let Some(content_type) = content_type {
            request = request.header("content-type", content_type);
        }
        let response = request
            .send()
            .await
            .expect("the relay did not answer (a handler panicked?)");
        let status = response.status().as_u16();
        (status, response.text().await.unwrap_or_default())
    })
}

fn assert_handled(status: u16, body: &str) {
    assert!(
        (200..300).contains(&status) || (400..500).contains(&status),
        "status {status}: {body}"
    );
    if (400..500).contains(&status) {
        let reply: Value = serde_json::from_str(body).expect("a 4xx body is JSON");
        assert!(reply["error"].is_string(), "{body}");
    }
}

fn content_type() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        Just(None),
        Just(Some("application/json".to_owned())),
        Just(Some("application/x-www-form-urlencoded".to_owned())),
        Just(Some(
            "application/x-www-form-urlencoded; charset=windows-1251".to_owned()
        )),
        Just(Some("multipart/form-data; boundary=x".to_owned())),
        Just(Some("text/plain".to_owned())),
        // Any header-safe text.
        "[ -~]{0,60}".prop_map(Some),
    ]
}

/// A query string: URL-safe text, including stray `%`, `&`, `=` and `+`.
fn query() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        "\\?[A-Za-z0-9%&=+._~-]{0,80}",
        Just(format!("?crm_token={CRM_TOKEN}&cmd=event")),
    ]
}

/// A value for a form field: the spec's kinds of values, and anything at all.
fn field_value() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("INCOMING".to_owned()),
        Just("COMPLETED".to_owned()),
        Just("out".to_owned()),
        Just("success".to_owned()),
        Just("20250301T101500Z".to_owned()),
        "[0-9+() -]{0,20}",
        "-?[0-9]{1,25}",
        ".{0,40}",
    ]
}

/// `crm_token` right or wrong, `cmd` known or not, and random known and unknown fields.
fn cloudpbx_form() -> impl Strategy<Value = Vec<u8>> {
    let keys = prop::sample::select(vec![
        "cmd",
        "type",
        "phone",
        "user",
        "callid",
        "diversion",
        "ext",
        "groupRealName",
        "telnum",
        "direction",
        "start",
        "duration",
        "status",
        "link",
        "rating",
        "crm_token",
        "other",
    ]);
    (
        prop::option::of(prop_oneof![
            Just("event"),
            Just("contact"),
            Just("history"),
            Just("EVENT"),
            Just("bogus"),
        ]),
        prop::bool::weighted(0.9),
        prop::collection::vec((keys, field_value()), 0..14),
    )
        .prop_map(|(cmd, right_token, fields)| {
            let mut pairs = Vec::new();
            if let Some(cmd) = cmd {
                pairs.push(("cmd", cmd.to_owned()));
            }
            let token = if right_token { CRM_TOKEN } else { "nope" };
            pairs.push(("crm_token", token.to_owned()));
            pairs.extend(fields);
            pairs
                .iter()
                .map(|(key, value)| format!("{}={}", form_encode(key), form_encode(value)))
                .collect::<Vec<_>>()
                .join("&")
                .into_bytes()
        })
}

/// `application/x-www-form-urlencoded` encoding of one key or value.
fn form_encode(text: &str) -> String {
    text.bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'*' => {
                char::from(byte).to_string()
            }
            b' ' => "+".to_owned(),
            other => format!("%{other:02X}"),
        })
        .collect()
}

/// Any JSON value, a few levels deep.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        ".{0,30}".prop_map(Value::String),
        Just(Value::String("+380442246595".into())),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-zA-Z]{1,12}", inner, 0..4)
                .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

/// One of the spec's Vega examples with some of its top-level values replaced, or removed.
fn vega_body() -> impl Strategy<Value = Vec<u8>> {
    let example = prop::sample::select(vec![SETTINGS_REQUEST, DIAL, UTM]);
    let event = prop::sample::select(vec![
        "call.dial",
        "call.bridge",
        "call.hangup",
        "call.settings",
        "call.other",
    ]);
    (
        example,
        event,
        prop::collection::vec((any::<prop::sample::Index>(), json_value()), 0..5),
        prop::collection::vec(any::<prop::sample::Index>(), 0..3),
    )
        .prop_map(|(example, event, replacements, removals)| {
            let mut body: Value = serde_json::from_str(example).unwrap_or(Value::Null);
            let object = match &mut body {
                Value::Array(items) => items.first_mut().and_then(Value::as_object_mut),
                other => other.as_object_mut(),
            };
            if let Some(object) = object {
                if object.contains_key("event") {
                    object.insert("event".into(), Value::String(event.into()));
                }
                let keys: Vec<String> = object.keys().cloned().collect();
                for (index, value) in replacements {
                    object.insert(index.get(&keys).clone(), value);
                }
                for index in removals {
                    object.remove(index.get(&keys));
                }
            }
            body.to_string().into_bytes()
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn cloudpbx_answers_any_bytes_with_a_4xx(
        body in prop::collection::vec(any::<u8>(), 0..600),
        content_type in content_type(),
        query in query(),
    ) {
        let (status, reply) = post(&format!("/cloudpbx{query}"), content_type.as_deref(), body);
        assert_handled(status, &reply);
        prop_assert!(status >= 400, "random bytes accepted: {status} {reply}");
    }

    #[test]
    fn cloudpbx_answers_any_form_without_a_5xx(
        body in cloudpbx_form(),
        content_type in prop_oneof![
            Just(Some("application/x-www-form-urlencoded".to_owned())),
            content_type(),
        ],
        query in query(),
    ) {
        let (status, reply) = post(&format!("/cloudpbx{query}"), content_type.as_deref(), body);
        assert_handled(status, &reply);
    }

    #[test]
    fn vega_answers_any_bytes_with_a_4xx(
        body in prop::collection::vec(any::<u8>(), 0..600),
        content_type in content_type(),
        query in query(),
    ) {
        let (status, reply) = post(&format!("/vega/{SECRET}{query}"), content_type.as_deref(), body);
        assert_handled(status, &reply);
        prop_assert!(status >= 400, "random bytes accepted: {status} {reply}");
    }

    #[test]
    fn vega_answers_any_mutated_example_without_a_5xx(
        body in vega_body(),
        content_type in prop_oneof![Just(Some("application/json".to_owned())), content_type()],
        query in query(),
    ) {
        let (status, reply) = post(&format!("/vega/{SECRET}{query}"), content_type.as_deref(), body);
        assert_handled(status, &reply);
    }

    #[test]
    fn a_wrong_vega_path_is_a_4xx(
        rest in "[A-Za-z0-9%._~/-]{0,60}",
        body in prop::collection::vec(any::<u8>(), 0..100),
    ) {
        prop_assume!(!rest.starts_with(SECRET));
        let (status, reply) = post(&format!("/vega/{rest}"), Some("application/json"), body);
        assert_handled(status, &reply);
        prop_assert!(status >= 400, "{status} {reply}");
    }
}
