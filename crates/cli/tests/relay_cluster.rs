//! Three `callpop-cli relay` processes sharing a real `redis-server` (`[cluster]`), behind a
//! round-robin balancer like nginx's default: a call whose webhooks land on different
//! instances reaches each desktop exactly as through one relay; an instance killed mid-stream,
//! Redis restarted or away for ten seconds loses nothing that was answered 2xx.
//!
//! Without `redis-server` each test says `SKIPPED` loudly and returns (scripts/setup.sh
//! installs it; CI has it).

mod relay_support;

use std::collections::{BTreeSet, HashMap};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use callpop_providers::telediscount::examples::{CALL_FINISHED, INCOME};
use callpop_relay::issue_client_token;
use callpop_sim::cloudpbx::{self, CallScenario, CloudPbxSimConfig};
use futures_util::StreamExt;
use relay_support::{
    connect, free_port, next_json, relay_command, start_relay, RedisServer, Running, Socket, WAIT,
};
use serde_json::{json, Value};

const VEGA_SECRET: &str = "c0ffee00c0ffee00c0ffee00c0ffee00";
const TD_SECRET: &str = "7e1ed15c0a77e1ed15c0a77e1ed15c0a";
const CRM_TOKEN: &str = "cluster-crm-token-4f2a";

/// The desktops every relay knows: olena sees extension 001, boss sees every call.
struct Desktops {
    olena: String,
    boss: String,
    entries: String,
}

impl Desktops {
    fn new() -> Desktops {
        #[derive(serde::Serialize)]
        struct Clients {
            clients: Vec<callpop_relay::ClientEntry>,
        }
        let (olena, olena_entry) = issue_client_token("olena", Some("001"), &[]);
        let (boss, boss_entry) = issue_client_token("boss", None, &[]);
        Desktops {
            olena: olena.expose().to_owned(),
            boss: boss.expose().to_owned(),
            entries: toml::to_string(&Clients {
                clients: vec![olena_entry, boss_entry],
            })
            .unwrap(),
        }
    }
}

/// One relay process: its home, config and port.
struct Instance {
    home: tempfile::TempDir,
    port: u16,
    process: Option<Running>,
}

impl Instance {
    /// An instance's config: every provider the scenarios use, the desktops, and `[cluster]`
    /// when `redis_url` is given.
    fn new(desktops: &Desktops, redis_url: Option<&str>, name: &str) -> Instance {
        let home = tempfile::tempdir().unwrap();
        let port = free_port();
        let mut text = format!(
            "listen = \"127.0.0.1:{port}\"\nregion = \"UA\"\n\
             [vega]\nallowed_ips = [\"127.0.0.1\"]\nsecret_path = \"{VEGA_SECRET}\"\n\
             [telediscount]\nallowed_ips = [\"127.0.0.1\"]\nsecret_path = \"{TD_SECRET}\"\n\
             [cloudpbx]\ncrm_token = \"{CRM_TOKEN}\"\n"
        );
        if let Some(url) = redis_url {
            text.push_str(&format!(
                "[cluster]\nredis_url = \"{url}\"\ninstance = \"{name}\"\n"
            ));
        }
        text.push_str(&desktops.entries);
        std::fs::write(home.path().join("relay.toml"), text).unwrap();
        Instance {
            home,
            port,
            process: None,
        }
    }

    fn config(&self) -> PathBuf {
        self.home.path().join("relay.toml")
    }

    async fn start(&mut self) {
        self.process = Some(start_relay(self.home.path(), &self.config(), self.port).await);
    }

    /// SIGKILL: no chance to flush or say goodbye.
    fn kill(&mut self) {
        self.process = None;
    }
}

/// A round-robin HTTP balancer on a loopback port: each request goes to the next instance.
struct Balancer {
    addr: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Balancer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

#[derive(Clone)]
struct Upstreams {
    ports: Arc<Vec<u16>>,
    next: Arc<AtomicUsize>,
    http: reqwest::Client,
}

async fn forward(State(up): State<Upstreams>, request: Request) -> Response {
    let port = up.ports[up.next.fetch_add(1, Ordering::SeqCst) % up.ports.len()];
    let (parts, body) = request.into_parts();
    let body = axum::body::to_bytes(body, 1 << 20)
        .await
        .unwrap_or_default();
    let path = parts
        .uri
        .path_and_query()
        .map_or("/", |pq| pq.as_str())
        .to_owned();
    let mut outgoing = up
        .http
        .request(parts.method, format!("http://127.0.0.1:{port}{path}"))
        .body(body);
    if let Some(kind) = parts.headers.get("content-type") {
        outgoing = outgoing.header("content-type", kind);
    }
    match outgoing.send().await {
        Ok(reply) => {
            let status = reply.status();
            let kind = reply.headers().get("content-type").cloned();
            let bytes = reply.bytes().await.unwrap_or_default();
            let mut response = (status, Body::from(bytes)).into_response();
            if let Some(kind) = kind {
                response.headers_mut().insert("content-type", kind);
            }
            response
        }
        // What nginx answers when the upstream is gone.
        Err(_) => (axum::http::StatusCode::BAD_GATEWAY, "bad gateway").into_response(),
    }
}

impl Balancer {
    async fn start(ports: Vec<u16>) -> Balancer {
        let upstreams = Upstreams {
            ports: Arc::new(ports),
            next: Arc::new(AtomicUsize::new(0)),
            http: reqwest::Client::new(),
        };
        let app = axum::Router::new().fallback(forward).with_state(upstreams);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Balancer { addr, task }
    }

    fn base(&self) -> String {
        format!("http://{}", self.addr)
    }
}

/// Vega's dial example as `event` for call `uuid` on extension 001.
fn vega(event: &str, uuid: &str) -> Value {
    json!({
        "event": event, "accountDomain": "qwerty.pbx.vega.ua", "uuid": uuid,
        "parentUuid": null, "dialAt": 1431686100,
        "bridgeAt": if event == "call.dial" { Value::Null } else { json!(1431686110) },
        "lgDirection": 4,
        "leg": { "id": 36, "ext": "001", "displayName": "Іван Іванов" }, "leg2": null,
        "otherLegs": [], "trunkNum": "+380442246595", "trunkName": "main"
    })
}

/// Plays every provider's call through `base`, one request after another, duplicates
/// included; every answer must be a 2xx.
async fn play_calls(base: &str) {
    let http = reqwest::Client::new();
    let vega_url = format!("{base}/vega/{VEGA_SECRET}");
    // Answered (dial twice: a duplicate delivery), then missed.
    for (event, uuid) in [
        ("call.dial", "vega-answered"),
        ("call.dial", "vega-answered"),
        ("call.bridge", "vega-answered"),
        ("call.hangup", "vega-answered"),
        ("call.dial", "vega-missed"),
        ("call.hangup", "vega-missed"),
    ] {
        let reply = http.post(&vega_url).json(&vega(event, uuid)).send().await;
        assert!(reply.unwrap().status().is_success(), "vega {event} {uuid}");
    }
    let td = |example: &str| {
        let tail = example.strip_prefix("/script/telediscount").unwrap();
        format!("{base}/telediscount/{TD_SECRET}{tail}")
    };
    for example in [INCOME, INCOME, CALL_FINISHED] {
        let reply = http.get(td(example)).send().await;
        assert!(
            reply.unwrap().status().is_success(),
            "telediscount {example}"
        );
    }
    let sim = cloudpbx::start(
        "127.0.0.1:0",
        CloudPbxSimConfig {
            crm_url: Some(format!("{base}/cloudpbx")),
            crm_token: CRM_TOKEN.into(),
            ..CloudPbxSimConfig::default()
        },
    )
    .await
    .unwrap();
    for scenario in [
        CallScenario::Incoming {
            phone: "79101234567".into(),
            users: vec!["andy".into(), "daria".into()],
            answered_by: Some("daria".into()),
            ring_secs: 5,
            talk_secs: 30,
            group: Some("Отдел продаж".into()),
        },
        CallScenario::Outgoing {
            user: "andy".into(),
            phone: "79101234568".into(),
            answered: false,
            talk_secs: 0,
        },
    ] {
        let deliveries = sim.run(scenario).await.unwrap();
        assert!(deliveries.iter().all(|d| d.status == 200), "{deliveries:?}");
    }
    sim.shutdown().await;
}

/// What a desktop shows of an event, with call ids replaced by their order of appearance (the
/// cloud PBX simulator makes new ids each run).
fn shown(events: &[Value]) -> Vec<String> {
    let mut ids: HashMap<String, usize> = HashMap::new();
    events
        .iter()
        .map(|event| {
            let mut id = |key: &str| {
                event[key].as_str().map(|raw| {
                    let next = ids.len();
                    *ids.entry(raw.to_owned()).or_insert(next)
                })
            };
            let call = id("call_id");
            let parent = id("parent_id");
            format!(
                "{} call {call:?} parent {parent:?} {} {} employee {} customer {} hold {}",
                event["provider"],
                event["state"],
                event["direction"],
                event["employee"],
                event["customer"],
                event["on_hold"]
            )
        })
        .collect()
}

/// Every event until the desktop has been quiet for a while; checks the numbers rise.
async fn drain(socket: &mut Socket) -> Vec<Value> {
    let mut events = Vec::new();
    let mut last = 0;
    loop {
        let message = match tokio::time::timeout(Duration::from_secs(2), next_json(socket)).await {
            Ok(message) => message,
            Err(_) => return events,
        };
        assert_eq!(message["type"], "event", "{message}");
        let seq = message["seq"].as_u64().unwrap();
        assert!(seq > last, "numbers rise: {seq} after {last}");
        last = seq;
        events.push(message["event"].clone());
    }
}

async fn redis(dir: &tempfile::TempDir, test: &str) -> Option<RedisServer> {
    RedisServer::start(dir.path(), test).await
}

async fn three_instances(desktops: &Desktops, redis: &RedisServer) -> Vec<Instance> {
    let mut instances = Vec::new();
    for name in ["relay-a", "relay-b", "relay-c"] {
        let mut instance = Instance::new(desktops, Some(&redis.url()), name);
        instance.start().await;
        instances.push(instance);
    }
    instances
}

#[tokio::test(flavor = "multi_thread")]
#[cfg_attr(
    windows,
    ignore = "SKIPPED on Windows: the cluster runs against Debian's redis-server, a Linux program (the relay servers it serves run on Linux)"
)]
async fn a_call_spread_over_three_instances_reaches_each_desktop_as_through_one_relay() {
    let redis_dir = tempfile::tempdir().unwrap();
    let Some(redis) = redis(&redis_dir, "cluster: spread calls").await else {
        return;
    };
    let desktops = Desktops::new();

    // The reference: the same calls through one relay without a cluster.
    let mut single = Instance::new(&desktops, None, "single");
    single.start().await;
    let (mut olena, _) = connect(single.port, &desktops.olena, None).await.unwrap();
    let (mut boss, _) = connect(single.port, &desktops.boss, None).await.unwrap();
    play_calls(&format!("http://127.0.0.1:{}", single.port)).await;
    let expected_olena = shown(&drain(&mut olena).await);
    let expected_boss = shown(&drain(&mut boss).await);
    single.kill();
    assert!(
        expected_boss.len() >= 10 && expected_olena.len() >= 5,
        "the reference run delivered calls: {expected_boss:#?}"
    );

    let instances = three_instances(&desktops, &redis).await;
    let balancer = Balancer::start(instances.iter().map(|i| i.port).collect()).await;
    let (mut olena, _) = connect(instances[0].port, &desktops.olena, None)
        .await
        .unwrap();
    let (mut boss, _) = connect(instances[2].port, &desktops.boss, None)
        .await
        .unwrap();
    play_calls(&balancer.base()).await;
    assert_eq!(shown(&drain(&mut olena).await), expected_olena);
    assert_eq!(shown(&drain(&mut boss).await), expected_boss);
}

/// Posts Vega dials `name-0..count` to `ports` in turn, every `every`; the uuids answered 2xx,
/// and those refused (503, or no answer at all).
fn post_dials(
    ports: Vec<u16>,
    name: &'static str,
    count: usize,
    every: Duration,
) -> tokio::task::JoinHandle<(BTreeSet<String>, BTreeSet<String>)> {
    tokio::spawn(async move {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .unwrap();
        let mut accepted = BTreeSet::new();
        let mut refused = BTreeSet::new();
        for n in 0..count {
            let uuid = format!("{name}-{n}");
            let port = ports[n % ports.len()];
            let reply = http
                .post(format!("http://127.0.0.1:{port}/vega/{VEGA_SECRET}"))
                .json(&vega("call.dial", &uuid))
                .send()
                .await;
            match reply.map(|r| r.status().as_u16()) {
                Ok(200) => {
                    accepted.insert(uuid);
                }
                Ok(503) | Err(_) => {
                    refused.insert(uuid);
                }
                Ok(other) => panic!("{uuid}: unexpected {other}"),
            }
            tokio::time::sleep(every).await;
        }
        (accepted, refused)
    })
}

/// A desktop that follows `ports` (the first, and after a lost connection the next), resuming
/// with its last number, until it has seen every call in `until` or the deadline passes. The
/// call ids it received, in order, and the gaps it was told of.
async fn follow(
    token: &str,
    ports: &[u16],
    mut socket: Socket,
    until: impl Fn(&[String]) -> bool,
) -> (Vec<String>, usize) {
    let mut seen = Vec::new();
    let mut gaps = 0;
    let mut last_seq = None;
    let mut port = 0;
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        if until(&seen) {
            return (seen, gaps);
        }
        assert!(Instant::now() < deadline, "not all calls came: {seen:?}");
        let message = tokio::time::timeout(Duration::from_secs(3), socket.next()).await;
        let text = match message {
            Err(_) => continue,
            Ok(Some(Ok(tokio_tungstenite::tungstenite::Message::Text(text)))) => text,
            Ok(
                Some(Ok(tokio_tungstenite::tungstenite::Message::Close(_))) | Some(Err(_)) | None,
            ) => {
                // The instance is gone: the next one, from the last number.
                loop {
                    port = (port + 1) % ports.len();
                    if let Ok((resumed, _)) = connect(ports[port], token, last_seq).await {
                        socket = resumed;
                        break;
                    }
                    assert!(
                        Instant::now() < deadline,
                        "no instance took the desktop back"
                    );
                }
                continue;
            }
            Ok(Some(Ok(_))) => continue,
        };
        let message: Value = serde_json::from_str(text.as_str()).unwrap();
        match message["type"].as_str() {
            Some("event") => {
                let seq = message["seq"].as_u64().unwrap();
                assert!(
                    last_seq.is_none_or(|last| seq > last),
                    "{seq} after {last_seq:?}"
                );
                last_seq = Some(seq);
                seen.push(message["event"]["call_id"].as_str().unwrap().to_owned());
            }
            Some("gap") => gaps += 1,
            _ => {}
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
#[cfg_attr(
    windows,
    ignore = "SKIPPED on Windows: the cluster runs against Debian's redis-server, a Linux program (the relay servers it serves run on Linux)"
)]
async fn a_desktop_whose_instance_is_killed_resumes_on_another_without_loss_or_repeat() {
    let redis_dir = tempfile::tempdir().unwrap();
    let Some(redis) = redis(&redis_dir, "cluster: instance killed").await else {
        return;
    };
    let desktops = Desktops::new();
    let mut instances = three_instances(&desktops, &redis).await;
    let ports: Vec<u16> = instances.iter().map(|i| i.port).collect();
    let (socket, _) = connect(ports[0], &desktops.olena, None).await.unwrap();

    // Webhooks keep landing on B and C while A dies under the desktop.
    let posting = post_dials(ports[1..].to_vec(), "kill", 60, Duration::from_millis(20));
    tokio::time::sleep(Duration::from_millis(400)).await;
    instances[0].kill();
    let (accepted, refused) = posting.await.unwrap();
    assert!(
        refused.is_empty(),
        "B and C accepted everything: {refused:?}"
    );

    let expected = accepted.clone();
    let (seen, gaps) = follow(&desktops.olena, &ports, socket, move |seen| {
        seen.len() >= expected.len()
    })
    .await;
    assert_eq!(gaps, 0);
    assert_eq!(seen.len(), accepted.len(), "nothing twice: {seen:?}");
    assert_eq!(seen.into_iter().collect::<BTreeSet<_>>(), accepted);
}

#[tokio::test(flavor = "multi_thread")]
#[cfg_attr(
    windows,
    ignore = "SKIPPED on Windows: the cluster runs against Debian's redis-server, a Linux program (the relay servers it serves run on Linux)"
)]
async fn redis_restarted_or_away_for_ten_seconds_loses_nothing_answered_2xx() {
    let redis_dir = tempfile::tempdir().unwrap();
    let Some(mut redis) = redis(&redis_dir, "cluster: Redis away").await else {
        return;
    };
    let desktops = Desktops::new();
    let instances = three_instances(&desktops, &redis).await;
    let ports: Vec<u16> = instances.iter().map(|i| i.port).collect();
    let (socket, _) = connect(ports[0], &desktops.boss, None).await.unwrap();

    // Restarted mid-stream (SIGKILL; the append-only file keeps what it acknowledged).
    let posting = post_dials(ports.clone(), "restart", 40, Duration::from_millis(25));
    tokio::time::sleep(Duration::from_millis(300)).await;
    redis.kill();
    redis.up().await;
    let (mut accepted, mut refused) = posting.await.unwrap();

    // Away for ten seconds: every webhook meanwhile is refused with 503, none accepted.
    redis.kill();
    let away = post_dials(ports.clone(), "away", 10, Duration::from_millis(1000));
    let (accepted_while_away, refused_while_away) = away.await.unwrap();
    assert!(accepted_while_away.is_empty(), "{accepted_while_away:?}");
    assert_eq!(refused_while_away.len(), 10);
    redis.up().await;

    // Back by itself: webhooks are accepted again within a few tries.
    let deadline = Instant::now() + WAIT;
    loop {
        let (back, not_yet) = post_dials(ports.clone(), "back", 3, Duration::ZERO)
            .await
            .unwrap();
        let done = not_yet.is_empty();
        accepted.extend(back);
        refused.extend(not_yet);
        if done {
            break;
        }
        assert!(Instant::now() < deadline, "the relays did not recover");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    let expected = accepted.clone();
    let (seen, gaps) = follow(&desktops.boss, &ports, socket, move |seen| {
        expected.iter().all(|id| seen.contains(id))
    })
    .await;
    assert_eq!(gaps, 0);
    let distinct: BTreeSet<_> = seen.iter().cloned().collect();
    assert_eq!(distinct.len(), seen.len(), "nothing twice: {seen:?}");
    // Every call answered 2xx came; a refused one may still have come (Redis went down
    // between writing it and answering), but nothing else did.
    assert!(
        accepted.is_subset(&distinct),
        "lost: {:?}",
        accepted.difference(&distinct)
    );
    let offered: BTreeSet<_> = accepted.union(&refused).cloned().collect();
    assert!(distinct.is_subset(&offered), "{distinct:?}");
}

#[tokio::test(flavor = "multi_thread")]
#[cfg_attr(
    windows,
    ignore = "SKIPPED on Windows: the cluster runs against Debian's redis-server, a Linux program (the relay servers it serves run on Linux)"
)]
async fn a_desktop_added_on_one_machine_is_let_in_and_shut_out_by_every_instance() {
    let redis_dir = tempfile::tempdir().unwrap();
    let Some(redis) = redis(&redis_dir, "cluster: add-client").await else {
        return;
    };
    let desktops = Desktops::new();
    let instances = three_instances(&desktops, &redis).await;
    let admin = |args: &[&str]| {
        relay_command(instances[0].home.path(), &instances[0].config())
            .args(args)
            .output()
            .unwrap()
    };
    let out = admin(&["add-client", "petro", "--ext", "001"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let token = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    let file = std::fs::read_to_string(instances[0].config()).unwrap();
    assert!(
        !file.contains("petro"),
        "kept in Redis, not in one machine's file"
    );

    // Instance C, which shares nothing with A but Redis, lets petro in without a restart.
    let deadline = Instant::now() + WAIT;
    let (mut petro, _) = loop {
        match connect(instances[2].port, &token, None).await {
            Ok(connected) => break connected,
            Err(401) if Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Err(status) => panic!("petro refused with {status}"),
        }
    };
    let http = reqwest::Client::new();
    let posted = http
        .post(format!(
            "http://127.0.0.1:{}/vega/{VEGA_SECRET}",
            instances[1].port
        ))
        .json(&vega("call.dial", "for-petro"))
        .send()
        .await
        .unwrap();
    assert_eq!(posted.status(), 200);
    let message = next_json(&mut petro).await;
    assert_eq!(message["event"]["call_id"], "for-petro", "{message}");

    let out = admin(&["remove-client", "petro"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let closed = loop {
        match tokio::time::timeout(WAIT, petro.next()).await {
            Ok(Some(Ok(tokio_tungstenite::tungstenite::Message::Close(frame)))) => break frame,
            Ok(Some(Ok(_))) => continue,
            other => panic!("expected a close, got {other:?}"),
        }
    };
    assert_eq!(u16::from(closed.expect("a close frame").code), 1008);
    assert_eq!(
        connect(instances[1].port, &token, None).await.err(),
        Some(401)
    );
}
