//! The body of every fuzz target: one plain function per parser of outside bytes, taking the
//! fuzzer's bytes and panicking on a bug (a panic in a parser, or a broken invariant checked
//! here where checking is cheap).
//!
//! Plain functions rather than code inside `fuzz_target!` so the same bodies run in two places:
//! libFuzzer (`fuzz/fuzz_targets/<name>.rs`, nightly) and the stable regression test
//! (`tests/tests/fuzz_corpora.rs`), which compiles this file as a module and replays the
//! committed corpora and regressions through [`TARGETS`]. So this file names only crates both
//! places depend on, and nothing of its own crate.

use std::io::Cursor;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;

use callpop_core::{CallEvent, CallState, Direction, Employee, FileRow, PhoneNumber, Store};
use callpop_providers::asterisk::{AmiDecoder, AriTranslator, CallMapper};
use callpop_providers::tokenless_guard::TokenlessGuard;
use callpop_providers::webhook::{WebhookContext, WebhookHandler, WebhookRequest};
use chrono::{DateTime, TimeZone, Utc};

/// A target's body: the fuzzer's bytes in, a panic out on a bug.
pub type Body = fn(&[u8]);

/// Every target: its name (the file in `fuzz_targets/`, the folder in `corpus/`) and its body.
pub const TARGETS: &[(&str, Body)] = &[
    ("phone_number", phone_number),
    ("dial_link", dial_link),
    ("csv_import", csv_import),
    ("vcard_import", vcard_import),
    ("app_config", app_config),
    ("relay_config", relay_config),
    ("vega_webhook", vega_webhook),
    ("vega_active", vega_active),
    ("vega_history", vega_history),
    ("cloudpbx_webhook", cloudpbx_webhook),
    ("cloudpbx_history_csv", cloudpbx_history_csv),
    ("telediscount_webhook", telediscount_webhook),
    ("telediscount_calls", telediscount_calls),
    ("mcn_webhook", mcn_webhook),
    ("mcn_call_log", mcn_call_log),
    ("autodialer_webhook", autodialer_webhook),
    ("asterisk_lookup", asterisk_lookup),
    ("ami_frames", ami_frames),
    ("ari_events", ari_events),
    ("relay_http", relay_http),
    ("relay_resume", relay_resume),
];

/// The secret path segment of every guarded webhook here (32 URL-safe characters, the least a
/// guard accepts); the seeds' paths carry it.
pub const SECRET: &str = "fuzzsecretfuzzsecretfuzzsecret00";
/// The token of the cloud PBX's webhooks and of the Asterisk look-up.
pub const TOKEN: &str = "fuzz-crm-token-0123456789";
/// Where every webhook comes from: inside the guards' allow-list, so the parsers are reached.
const PEER: Ipv4Addr = Ipv4Addr::new(203, 0, 113, 7);
const ALLOWED: &[&str] = &["203.0.113.0/24"];
/// Several things in one input (requests, snapshots, transcripts' chunks) are split by this line.
pub const SEPARATOR: &[u8] = b"\n%%\n";

/// Regions the parsers are asked to read numbers in: the ones with rules of their own (RU, UA,
/// KZ), a few others, and nonsense (an unknown or empty region must not panic).
const REGIONS: &[&str] = &["RU", "UA", "KZ", "DE", "US", "GB", "BY", "", "ZZ", "ru"];

/// The slow first-use work of the targets (the phone number metadata, the SQLite store, the
/// relay), done before libFuzzer starts timing inputs: a first input that takes seconds because
/// it loads metadata is not a hang.
///
/// The phone number library compiles a country's patterns on its first use (up to 2-3 s under
/// AddressSanitizer), so the countries of the seeds are read once here; a country first met
/// while fuzzing still costs that once, and shows as one slow unit, not as a hang.
pub fn warm_up() {
    const NUMBERS: &[&str] = &[
        "+74957776655",
        "+77172123456",
        "+380442246595",
        "+375171234567",
        "+12025550143",
        "+442079460958",
        "+4930123456",
        "84957776655",
        "0442246595",
    ];
    for region in REGIONS {
        for number in NUMBERS {
            let _ = PhoneNumber::parse(number, region).display();
        }
    }
    STORE.with(|_| ());
    RUNTIME.with(|runtime| drop(relay_router(runtime)));
}

fn region_of(byte: u8) -> &'static str {
    REGIONS[usize::from(byte) % REGIONS.len()]
}

fn pieces(data: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut rest = Some(data);
    std::iter::from_fn(move || {
        let text = rest?;
        match text.windows(SEPARATOR.len()).position(|w| w == SEPARATOR) {
            Some(at) => {
                rest = Some(&text[at + SEPARATOR.len()..]);
                Some(&text[..at])
            }
            None => {
                rest = None;
                Some(text)
            }
        }
    })
}

/// A fixed clock: runs must not depend on when they happen.
fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, 14, 9, 26, 53).unwrap()
}

/// `PhoneNumber::parse`: never panics, and what it returns keeps its documented promises.
pub fn phone_number(data: &[u8]) {
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let number = PhoneNumber::parse(text, region_of(first));
    let key = number.key();
    // phone.rs: "For every number `n` that parse returns, from_key(&n.key()) == n".
    assert_eq!(
        PhoneNumber::from_key(&key),
        number,
        "key {key:?} of {text:?}"
    );
    let digits = number.digits();
    assert!(digits.bytes().all(|b| b.is_ascii_digit()), "{digits:?}");
    if let Some(e164) = number.e164() {
        let after_plus = e164.strip_prefix('+').expect("E.164 starts with +");
        assert!(
            !after_plus.is_empty() && after_plus.bytes().all(|b| b.is_ascii_digit()),
            "E.164 {e164:?} of {text:?}"
        );
        assert_eq!(digits, after_plus);
    }
    let _ = number.display();
}

/// `tel:` / `callto:` / `sip:` links the app is asked to dial.
pub fn dial_link(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Some(number) = callpop_core::dial_link::number_from_link(text) {
        let _ = PhoneNumber::parse(&number, "RU");
    }
}

/// CSV contact import: every row is a contact or a skipped row whose line is in the file.
pub fn csv_import(data: &[u8]) {
    let Some((&first, bytes)) = data.split_first() else {
        return;
    };
    // The reader counts `\n`, `\r\n` and lone `\r` as line ends; a skipped row's line can be no
    // further than one past the last of them.
    let line_ends = bytes.iter().filter(|&&b| b == b'\n' || b == b'\r').count() as u64;
    let Ok(rows) = callpop_core::read_csv(Cursor::new(bytes), region_of(first)) else {
        return;
    };
    let mut streamed = callpop_core::ParsedContacts::default();
    let mut failed = false;
    for row in rows {
        match row {
            Ok(FileRow::Contact(contact)) => {
                assert!(!contact.phones.is_empty(), "a contact without a phone");
                streamed.contacts.push(contact);
            }
            Ok(FileRow::Skipped(skipped)) => {
                assert!(
                    skipped.line >= 1 && skipped.line <= line_ends + 1,
                    "skipped line {} of a file with {line_ends} line ends",
                    skipped.line
                );
                if let Some(last) = streamed.skipped.last() {
                    assert!(skipped.line >= last.line, "skipped rows out of order");
                }
                streamed.skipped.push(skipped);
            }
            Err(_) => {
                failed = true;
                break;
            }
        }
    }
    // The whole-file reader is the streaming one collected: the same rows from the same bytes.
    if !failed {
        let whole = callpop_core::parse_csv(bytes, region_of(first)).expect("read once already");
        assert_eq!(whole, streamed, "parse_csv and read_csv differ");
    }
}

/// vCard import.
pub fn vcard_import(data: &[u8]) {
    let Some((&first, bytes)) = data.split_first() else {
        return;
    };
    let _ = callpop_core::looks_like_vcard(bytes);
    if let Ok(parsed) = callpop_core::parse_vcards(bytes, region_of(first)) {
        for contact in &parsed.contacts {
            assert!(!contact.phones.is_empty(), "a card without a phone");
        }
    }
}

/// The app's config file: what parses writes back to text that parses to the same config.
pub fn app_config(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(config) = toml::from_str::<callpop_core::Config>(text) else {
        return;
    };
    let _ = config.region();
    let _: Vec<_> = config.accounts().collect();
    let written = toml::to_string(&config).expect("a parsed config writes back");
    let again: callpop_core::Config = toml::from_str(&written)
        .unwrap_or_else(|e| panic!("the written config does not parse: {e}\n{written}"));
    assert_eq!(again, config, "round trip through\n{written}");
}

/// The relay's config file, and the relay built from it (routes, guards, hub).
pub fn relay_config(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(config) = callpop_relay::RelayConfig::from_toml_str(text) else {
        return;
    };
    let _ = config.routing_warnings();
    // TLS reads certificate files named by the config: not the parser's business.
    if config.tls.is_none() && config.check().is_ok() {
        STORE.with(|store| {
            let _ = callpop_relay::Relay::new(config, Arc::clone(store), employees());
        });
    }
}

thread_local! {
    /// One empty directory for every look-up (opening SQLite per input would be most of the time).
    static STORE: Arc<Store> = Arc::new(Store::open_in_memory("RU").expect("in-memory store"));
}

fn employees() -> Vec<Employee> {
    let employee = |id: &str, name: &str, ext: &str| Employee {
        id: id.into(),
        name: name.into(),
        ext: Some(ext.into()),
        email: None,
    };
    vec![
        employee("anna", "Anna", "101"),
        employee("boris", "Boris", "102"),
    ]
}

/// One webhook request from the fuzzer's bytes: a line with the path after the guard's secret
/// segment (`/?cmd=event&...` or empty), a line with the content type (empty: none), the body.
fn request(data: &[u8]) -> WebhookRequest {
    let mut lines = data.splitn(3, |&b| b == b'\n');
    let path = String::from_utf8_lossy(lines.next().unwrap_or_default());
    let content_type = String::from_utf8_lossy(lines.next().unwrap_or_default()).into_owned();
    let body = lines.next().unwrap_or_default().to_vec();
    WebhookRequest {
        remote_ip: IpAddr::V4(PEER),
        path: format!("/hook/{SECRET}{path}"),
        content_type: (!content_type.is_empty()).then_some(content_type),
        body,
    }
}

/// Every request of `data` (split by [`SEPARATOR`]) through one handler, in order: handlers keep
/// state between requests (duplicates, live calls), which is part of what is fuzzed.
fn serve(handler: &mut dyn WebhookHandler, data: &[u8]) {
    let employees = employees();
    STORE.with(|store| {
        let context = WebhookContext {
            store,
            employees: &employees,
            now: now(),
        };
        let gate = handler.gate();
        for piece in pieces(data) {
            let request = request(piece);
            if gate.admit(&request).is_err() {
                continue;
            }
            let handled = handler.handle(&request, &context);
            assert!(
                (100..600).contains(&handled.reply.status),
                "status {}",
                handled.reply.status
            );
            if handled.reply.content_type == callpop_providers::webhook::JSON_CONTENT_TYPE {
                // What says it is JSON is JSON (the PBX parses it).
                let _: serde_json::Value = serde_json::from_str(&handled.reply.body)
                    .unwrap_or_else(|e| panic!("reply not JSON ({e}): {}", handled.reply.body));
            }
        }
    });
}

fn tokenless(provider: &'static str) -> TokenlessGuard {
    TokenlessGuard::new(provider, ALLOWED, SECRET).expect("guard")
}

/// Vega's webhooks (call events, call settings look-ups, UTM tags).
pub fn vega_webhook(data: &[u8]) {
    use callpop_providers::vega::webhook::{CallSettingsOptions, VegaWebhooks, WebhookGuard};
    let guard = WebhookGuard::new(ALLOWED, SECRET).expect("guard");
    let mut handler = VegaWebhooks::new(
        guard,
        CallSettingsOptions {
            new_contact_url: Some("https://crm.example.com/new?phone={phone}".into()),
            ..CallSettingsOptions::default()
        },
        "RU",
        Some("101".into()),
    );
    serve(&mut handler, data);
}

/// Vega's `active/v3` answers, one snapshot per piece, through the differ that turns them into
/// events.
pub fn vega_active(data: &[u8]) {
    use callpop_providers::vega::{ActiveCall, SnapshotDiff};
    let mut diff = SnapshotDiff::new("RU", Some("101".into()));
    for (i, piece) in pieces(data).enumerate() {
        let Ok(snapshot) = serde_json::from_slice::<Vec<ActiveCall>>(piece) else {
            continue;
        };
        let at = now() + chrono::Duration::seconds(i as i64);
        let _ = diff.apply(&snapshot, at);
    }
}

/// Vega's call history answers, into history records.
pub fn vega_history(data: &[u8]) {
    use callpop_providers::vega::HistoryCall;
    let Ok(calls) = serde_json::from_slice::<Vec<HistoryCall>>(data) else {
        return;
    };
    for call in &calls {
        let _ = callpop_providers::vega::call_record(call, "RU");
    }
}

/// The cloud PBX's `crm_api.wcgp` webhooks (`event`, `contact`, `history`).
pub fn cloudpbx_webhook(data: &[u8]) {
    let mut handler =
        callpop_providers::cloudpbx::CloudPbxWebhooks::new(TOKEN, "RU").expect("handler");
    serve(&mut handler, data);
}

/// The cloud PBX's CSV call history.
pub fn cloudpbx_history_csv(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(rows) = callpop_providers::cloudpbx::parse_history_csv(text) {
        for row in &rows {
            let _ = row.call_record("RU");
        }
    }
}

/// Telediscount's `income` / `call_finished` GET webhooks.
pub fn telediscount_webhook(data: &[u8]) {
    let mut handler =
        callpop_providers::telediscount::TelediscountWebhooks::new(tokenless("telediscount"), "RU");
    serve(&mut handler, data);
}

/// Telediscount's `get_calls` answers.
pub fn telediscount_calls(data: &[u8]) {
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    if let Ok(calls) = callpop_providers::telediscount::parse_calls(&value) {
        for call in &calls {
            let _ = call.direction();
            let _ = call.call_record("RU");
        }
    }
}

/// MCN Telecom's call webhooks.
pub fn mcn_webhook(data: &[u8]) {
    let mut handler = callpop_providers::mcn::McnWebhooks::new(tokenless("mcn"), "RU");
    serve(&mut handler, data);
}

/// MCN Telecom's `call_log` answers.
pub fn mcn_call_log(data: &[u8]) {
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    if let Ok(calls) = callpop_providers::mcn::parse_call_log(&value) {
        for call in &calls {
            let _ = (call.direction(), call.is_missed(), call.outcome());
            let _ = (call.employee(), call.customer());
            let _ = call.call_record("RU");
        }
    }
}

/// The Autodialer's completion webhook.
pub fn autodialer_webhook(data: &[u8]) {
    let mut handler =
        callpop_providers::autodialer::AutodialerWebhook::new(tokenless("autodialer"), "RU");
    serve(&mut handler, data);
}

/// The caller-name look-up Asterisk's dialplan asks the relay (a query string, no body).
pub fn asterisk_lookup(data: &[u8]) {
    let mut handler = callpop_providers::asterisk::lookup::CallerNameLookup::new(
        callpop_core::secrets::Secret::new(TOKEN),
    );
    serve(&mut handler, data);
}

/// AMI frames off the socket, in the chunks the pieces make, through the decoder and the
/// mapper that turns events into calls. Each message decoded writes back to the same message.
pub fn ami_frames(data: &[u8]) {
    let mut decoder = AmiDecoder::new();
    let mut mapper = CallMapper::new(Some("101"), "RU");
    for chunk in pieces(data) {
        if decoder.push(chunk).is_err() {
            continue;
        }
        while let Some(message) = decoder.next_message() {
            let _ = mapper.handle(&message, now());
            let _ = callpop_providers::asterisk::events::dnd_change(&message, "101");
            if let Some(channel) = message.get("Channel") {
                let _ = callpop_providers::asterisk::events::endpoint_of(channel);
            }
            if let Ok(bytes) = message.encode() {
                let again = callpop_providers::asterisk::frame::parse_transcript(&bytes)
                    .expect("an encoded message decodes");
                assert_eq!(again, vec![message], "round trip through {bytes:?}");
            }
        }
    }
    let _ = mapper.calls_in_progress();
}

/// ARI's WebSocket events, one per line, through the translator and the AMI mapper.
pub fn ari_events(data: &[u8]) {
    let mut translator = AriTranslator::new();
    let mut mapper = CallMapper::new(Some("101"), "RU");
    for line in data.split(|&b| b == b'\n') {
        let Ok(text) = std::str::from_utf8(line) else {
            continue;
        };
        if let Ok(messages) = translator.translate(text) {
            for message in &messages {
                let _ = mapper.handle(message, now());
            }
        }
    }
}

/// The relay's HTTP routes, a whole request at a time (path, method, headers, body), every
/// provider's section configured: routing, the gates, the rate limit, the webhook handlers and
/// the `/ws` parameters (`last_seq`) before an upgrade.
///
/// The input is `METHOD PATH`, then `Name: value` header lines, an empty line, the body.
pub fn relay_http(data: &[u8]) {
    use tower::ServiceExt;
    let Some(request) = http_request(data) else {
        return;
    };
    RUNTIME.with(|runtime| {
        let router = relay_router(runtime);
        let response = runtime.block_on(router.oneshot(request));
        let response = response.expect("the router is infallible");
        let status = response.status().as_u16();
        // A 5xx is the relay's own failure: no outside request may cause one, except the
        // limits it answers with 503 (connections) / 408 (timeout).
        assert!(status < 500 || status == 503, "status {status}");
    });
}

/// The relay config the HTTP target runs: every webhook section, one desktop client.
pub const RELAY_TOML: &str = r#"
listen = "127.0.0.1:0"
region = "RU"

[[clients]]
name = "desk"
ext = "101"
token_sha256 = "SHA"

[vega]
allowed_ips = ["203.0.113.0/24"]
secret_path = "SECRET"

[cloudpbx]
crm_token = "TOKEN"

[telediscount]
allowed_ips = ["203.0.113.0/24"]
secret_path = "SECRET"

[mcn]
allowed_ips = ["203.0.113.0/24"]
secret_path = "SECRET"

[autodialer]
allowed_ips = ["203.0.113.0/24"]
secret_path = "SECRET"

[asterisk]
lookup_token = "TOKEN"

# Every input comes from one address: the flood limit would answer 429 to nearly all of them.
[rate_limit]
per_second = 1000000
burst = 1000000
"#;

/// Inputs one relay serves before a fresh one replaces it: the relay records finished calls in
/// its store, which would otherwise grow for the whole run (and end as an out-of-memory report).
const RELAY_LIFETIME: u32 = 4096;

thread_local! {
    static RUNTIME: tokio::runtime::Runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    static RELAY: std::cell::RefCell<(u32, Option<axum::Router>)> =
        const { std::cell::RefCell::new((0, None)) };
}

/// The relay's router, every webhook section configured, its own empty store.
fn relay_router(runtime: &tokio::runtime::Runtime) -> axum::Router {
    RELAY.with(|relay| {
        let mut relay = relay.borrow_mut();
        relay.0 += 1;
        if relay.0 > RELAY_LIFETIME {
            *relay = (1, None);
        }
        relay
            .1
            .get_or_insert_with(|| {
                let text = RELAY_TOML
                    .replace("SHA", &token_sha256("desk-token"))
                    .replace("SECRET", SECRET)
                    .replace("TOKEN", TOKEN);
                let config =
                    callpop_relay::RelayConfig::from_toml_str(&text).expect("relay config");
                let store = Arc::new(Store::open_in_memory("RU").expect("in-memory store"));
                // The rate limiter and the hub want a runtime around them.
                runtime.block_on(async {
                    callpop_relay::Relay::new(config, store, employees())
                        .expect("relay")
                        .router()
                })
            })
            .clone()
    })
}

fn token_sha256(token: &str) -> String {
    // TokenHash is written as 64 hex digits; its serde form is the one to use.
    serde_json::to_value(callpop_relay::TokenHash::of(token))
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .expect("token hash")
}

fn http_request(data: &[u8]) -> Option<axum::http::Request<axum::body::Body>> {
    let (head, body) = match data.windows(2).position(|w| w == b"\n\n") {
        Some(at) => (&data[..at], &data[at + 2..]),
        None => (data, &[][..]),
    };
    let head = std::str::from_utf8(head).ok()?;
    let mut lines = head.lines();
    let (method, uri) = lines.next()?.split_once(' ')?;
    let mut builder = axum::http::Request::builder().method(method).uri(uri);
    for line in lines {
        let (name, value) = line.split_once(':')?;
        builder = builder.header(name.trim(), value.trim());
    }
    let mut request = builder.body(axum::body::Body::from(body.to_vec())).ok()?;
    // What `into_make_service_with_connect_info` would add: the peer's address.
    request
        .extensions_mut()
        .insert(axum::extract::ConnectInfo(SocketAddr::from((PEER, 40000))));
    Some(request)
}

/// A desktop resuming with `last_seq`: the hub's numbering and gaps, whatever number the client
/// sends, whatever the buffer holds. Each byte is an operation: publish an event (for the
/// client's employee or another), or subscribe with a `last_seq` from the next 8 bytes and read
/// what is ready. Every delivery continues where the last one ended.
pub fn relay_resume(data: &[u8]) {
    use callpop_relay::{ClientEntry, Delivery, EventHub, TokenHash};
    let Some((&setup, mut ops)) = data.split_first() else {
        return;
    };
    let clients = [ClientEntry {
        name: "desk".into(),
        ext: Some("101".into()),
        groups: Vec::new(),
        token_sha256: TokenHash::of("desk-token"),
    }];
    let capacity = usize::from(setup & 0x0f);
    // What `EventHub::new` starts from (the clock in microseconds), or small numbers.
    let first_seq = match setup >> 4 {
        0 => 0,
        1 => 1_764_000_000_000_001,
        n => u64::from(n) * 1000,
    };
    let hub = EventHub::with_first_seq(&clients, capacity, first_seq);
    let mut published = 0u64;
    while let Some((&op, rest)) = ops.split_first() {
        ops = rest;
        match op % 4 {
            0 | 1 => {
                published += 1;
                let employee = if op % 4 == 0 { "101" } else { "102" };
                hub.publish_one(event(published, employee));
            }
            _ => {
                let mut seq = [0u8; 8];
                let n = ops.len().min(8);
                seq[..n].copy_from_slice(&ops[..n]);
                ops = &ops[n..];
                let last_seq = (op % 4 == 2).then(|| u64::from_le_bytes(seq));
                let Some(mut subscription) = hub.subscribe("desk", last_seq) else {
                    panic!("the configured client is unknown");
                };
                let head = hub.head();
                let mut reads = 0;
                while let Some(delivery) = subscription.try_next() {
                    reads += 1;
                    assert!(reads <= 2 * (capacity + 2), "deliveries never end");
                    match delivery {
                        Delivery::Gap { from, to } => assert!(from <= to, "gap {from}..={to}"),
                        Delivery::Event { seq, .. } => assert!(seq <= head, "seq {seq} > {head}"),
                    }
                    assert!(subscription.cursor() <= head.max(last_seq.unwrap_or(0)));
                }
            }
        }
    }
}

fn event(n: u64, employee: &str) -> CallEvent {
    CallEvent {
        provider: "vega".into(),
        call_id: format!("call-{n}"),
        parent_id: None,
        state: CallState::Ringing,
        direction: Direction::In,
        customer: Some(PhoneNumber::parse("+74957776655", "RU")),
        employee: Some(employee.into()),
        employee_name: None,
        at: now(),
        pbx_contact: None,
        on_hold: false,
    }
}
