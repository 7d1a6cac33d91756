//! Fan-out benchmark: N WebSocket desktops, R webhook events per second, every event to every
//! desktop. Reports per-delivery latency (p50/p99/max), events lost, and the relay's CPU time
//! and peak memory.
//!
//! ```text
//! cargo bench -p callpop-relay --bench fanout -- --clients 1000 --rate 100 --seconds 10
//! cargo bench -p callpop-relay --bench fanout -- --routed --department 10 --clients 10000 --rate 2000
//! cargo bench -p callpop-relay --bench fanout -- --routed --department 10 --cluster 3 --clients 10000 --rate 2000
//! ```
//!
//! Options: `--clients N` (1000), `--rate R` events/s (100), `--seconds S` (10), `--buffer B`
//! the relay's `buffer_per_client` (1000, the default config's), `--drain S` how long to wait
//! for deliveries after the last post (30), `--routed` (each desktop bound to its own
//! employee, each call's event to one of them, instead of every event to every desktop),
//! `--department D` (routed: desktops in departments of D, `groups` in their entries, so each
//! call also reaches the D desktops of its employee's department),
//! `--cluster N` (N relay processes sharing a `redis-server` this bench starts on a loopback
//! port; desktops and webhooks spread over them in turn).
//!
//! How it measures, and why:
//! - The relay runs in a **child process** (this binary again, `--relay-process CONFIG`), so its
//!   CPU time (`getrusage`) and peak RSS (`VmHWM` in `/proc/self/status`) are its own and not
//!   the N clients'. Both processes share the machine's cores, as a relay and its load
//!   generator on one host would; the figures say so.
//! - Broadcast: every client is a `[[clients]]` entry without an extension, so every event
//!   concerns every client (the worst case: the hub's fan-out is N deliveries per event).
//!   Routed (`--routed`): client `i` is employee `desk<i>`, and call `k` rings `desk<k mod N>`:
//!   one delivery per event, the shape of a sales floor where each call is somebody's. With
//!   `--department D`, client `i` is also in group `dept<i / D>`: D deliveries per event (its
//!   employee's and the colleagues'), the shape of Centrifugo's published test (a personal
//!   channel plus a group of 10).
//! - Cluster (`--cluster N`): the relays' CPU and memory are summed; Redis's are given apart
//!   (from `/proc`).
//! - Events are cloud PBX `event` webhooks (`POST /cloudpbx`, a new `callid` each), posted at a
//!   fixed rate from a thread of their own so the clients' work cannot slow the poster.
//! - Latency is per delivery: from just before the webhook request is sent to the moment a
//!   client has read and parsed the event (the same clock, one process).
//! - Lost: deliveries that never arrived within the drain time, plus `gap` messages; sequence
//!   numbers are checked to be consecutive, so duplicates would show as errors too.
//! - CPU is the relay's user + system time during the event phase (from the first post to the
//!   last delivery), also given as a share of one core over that time.
//!
//! Under `cargo test --all-targets` (no `--bench` argument) it does nothing: it is a
//! measurement, not a test.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use callpop_core::Store;
use callpop_relay::{issue_client_token, ClientEntry, ClientToken, Relay, RelayConfig};
use futures_util::StreamExt;
use serde::Deserialize;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;
use tokio_util::sync::CancellationToken;

const CRM_TOKEN: &str = "fanout-bench-crm-token";
/// Clients connecting at once (the relay's accept backlog is 1024).
const CONNECTING_AT_ONCE: usize = 100;
/// Webhook requests in flight at once.
const POSTS_IN_FLIGHT: usize = 256;

struct Options {
    clients: usize,
    rate: u64,
    seconds: u64,
    buffer: usize,
    drain: u64,
    routed: bool,
    /// Routed: desktops per department (0: none).
    department: usize,
    /// Relay processes sharing a Redis; 0: one relay, no Redis.
    cluster: usize,
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Some(config) = value_of(&args, "--relay-process") {
        relay_process(&config);
        return;
    }
    if !args.iter().any(|a| a == "--bench") {
        println!("fanout: a benchmark; run it with `cargo bench -p callpop-relay --bench fanout`");
        return;
    }
    let number = |name: &str, default: u64| -> u64 {
        value_of(&args, name).map_or(default, |text| {
            text.parse()
                .unwrap_or_else(|_| panic!("{name} wants a number, got {text:?}"))
        })
    };
    let options = Options {
        clients: number("--clients", 1000) as usize,
        rate: number("--rate", 100).max(1),
        seconds: number("--seconds", 10).max(1),
        buffer: number("--buffer", 1000) as usize,
        drain: number("--drain", 30),
        routed: args.iter().any(|a| a == "--routed"),
        department: number("--department", 0) as usize,
        cluster: number("--cluster", 0) as usize,
    };
    raise_file_limit();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    runtime.block_on(run(options));
}

fn value_of(args: &[String], name: &str) -> Option<String> {
    let at = args.iter().position(|a| a == name)?;
    args.get(at + 1).cloned()
}

/// Both processes hold one socket per client: lift the soft limit to the hard one.
fn raise_file_limit() {
    // SAFETY: getrlimit/setrlimit read and write a plain struct we own.
    unsafe {
        let mut limit = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) == 0 {
            limit.rlim_cur = limit.rlim_max;
            libc::setrlimit(libc::RLIMIT_NOFILE, &limit);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The relay process

/// Runs the relay for `config_path`; prints its address, then answers `stats` lines on stdin
/// with one line of figures; stops at `stop` or end of input.
fn relay_process(config_path: &str) {
    raise_file_limit();
    let config = RelayConfig::load(std::path::Path::new(config_path)).expect("the bench config");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let shutdown = CancellationToken::new();
    let store = Arc::new(Store::open_in_memory("RU").expect("a store"));
    let relay = runtime
        .block_on(Relay::open(config, store, Vec::new()))
        .expect("a relay");
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .expect("a port");
    println!("listening {}", listener.local_addr().expect("an address"));
    let server = runtime.spawn(relay.serve(listener, shutdown.clone()));
    let stdin = std::io::stdin();
    for line in stdin.lock().lines() {
        match line.as_deref().map(str::trim) {
            Ok("stats") => println!("{}", ProcessStats::of_self().to_line()),
            _ => break,
        }
    }
    shutdown.cancel();
    let _ = runtime.block_on(server);
}

/// One process's resource use so far.
#[derive(Debug, Clone, Copy, Default)]
struct ProcessStats {
    cpu_seconds: f64,
    rss_kib: u64,
    peak_rss_kib: u64,
}

impl ProcessStats {
    fn of_self() -> ProcessStats {
        // SAFETY: getrusage fills a plain struct we own.
        let usage = unsafe {
            let mut usage: libc::rusage = std::mem::zeroed();
            libc::getrusage(libc::RUSAGE_SELF, &mut usage);
            usage
        };
        let seconds = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
        let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
        let field = |name: &str| {
            status
                .lines()
                .find_map(|line| line.strip_prefix(name))
                .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
                .unwrap_or(0)
        };
        ProcessStats {
            cpu_seconds: seconds(usage.ru_utime) + seconds(usage.ru_stime),
            rss_kib: field("VmRSS:"),
            // VmHWM and ru_maxrss are the same peak; /proc is in KiB on every kernel.
            peak_rss_kib: field("VmHWM:").max(usage.ru_maxrss as u64),
        }
    }

    fn to_line(self) -> String {
        format!(
            "{} {} {}",
            self.cpu_seconds, self.rss_kib, self.peak_rss_kib
        )
    }

    fn from_line(line: &str) -> ProcessStats {
        let mut parts = line.split_whitespace();
        let mut next = || parts.next().unwrap_or("0").to_owned();
        ProcessStats {
            cpu_seconds: next().parse().unwrap_or(0.0),
            rss_kib: next().parse().unwrap_or(0),
            peak_rss_kib: next().parse().unwrap_or(0),
        }
    }
}

/// The relay child and its pipes.
struct RelayChild {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<std::process::ChildStdout>,
}

impl RelayChild {
    fn start(config_path: &std::path::Path) -> (RelayChild, String) {
        let exe = std::env::current_exe().expect("this bench's path");
        let mut child = Command::new(exe)
            .arg("--relay-process")
            .arg(config_path)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("the relay process");
        let stdin = child.stdin.take().expect("its stdin");
        let mut stdout = BufReader::new(child.stdout.take().expect("its stdout"));
        let mut line = String::new();
        stdout.read_line(&mut line).expect("its address");
        let addr = line
            .trim()
            .strip_prefix("listening ")
            .unwrap_or_else(|| panic!("the relay process said {line:?}"))
            .to_owned();
        (
            RelayChild {
                child,
                stdin,
                stdout,
            },
            addr,
        )
    }

    fn stats(&mut self) -> ProcessStats {
        writeln!(self.stdin, "stats").expect("asking the relay");
        let mut line = String::new();
        self.stdout
            .read_line(&mut line)
            .expect("the relay's figures");
        ProcessStats::from_line(&line)
    }

    fn stop(mut self) {
        let _ = writeln!(self.stdin, "stop");
        drop(self.stdin);
        let _ = self.child.wait();
    }
}

// ---------------------------------------------------------------------------------------------
// The load

/// When each event was posted, in nanoseconds after `epoch` (0: not yet).
struct PostTimes {
    epoch: Instant,
    at: Vec<AtomicU64>,
}

/// What one client saw.
#[derive(Default)]
struct ClientReport {
    /// Latency of each delivery, in microseconds.
    latencies_us: Vec<u32>,
    gaps: u64,
    /// Out-of-order sequence numbers, unknown events, bad messages.
    errors: u64,
}

#[derive(Deserialize)]
struct ServerMessage<'a> {
    #[serde(rename = "type")]
    kind: &'a str,
    seq: Option<u64>,
    #[serde(borrow)]
    event: Option<EventIds<'a>>,
}

#[derive(Deserialize)]
struct EventIds<'a> {
    #[serde(borrow)]
    parent_id: Option<std::borrow::Cow<'a, str>>,
}

async fn run(options: Options) {
    let events = options.rate * options.seconds;
    let per_event = match (options.routed, options.department) {
        (false, _) => options.clients as u64,
        (true, 0) => 1,
        (true, size) => {
            assert!(
                options.clients.is_multiple_of(size),
                "--clients must be a multiple of --department (every department full)"
            );
            size as u64
        }
    };
    println!(
        "fanout: {} clients, {}, {} events/s for {} s ({} events, {} deliveries), buffer {}, {}",
        options.clients,
        match (options.routed, options.department) {
            (false, _) => "broadcast".to_owned(),
            (true, 0) => "routed".to_owned(),
            (true, size) => format!("routed + departments of {size}"),
        },
        options.rate,
        options.seconds,
        events,
        events * per_event,
        options.buffer,
        match options.cluster {
            0 => "one relay process".to_owned(),
            n => format!("{n} relay processes + redis-server"),
        }
    );
    let dir = tempfile::tempdir().expect("a temporary directory");
    let redis = (options.cluster > 0).then(|| RedisChild::start(dir.path()));
    let (tokens, config_path) = write_config(dir.path(), &options, redis.as_ref());
    let (mut relays, addrs): (Vec<RelayChild>, Vec<String>) = (0..options.cluster.max(1))
        .map(|_| RelayChild::start(&config_path))
        .unzip();

    let times = Arc::new(PostTimes {
        epoch: Instant::now(),
        at: (0..events).map(|_| AtomicU64::new(0)).collect(),
    });
    let received = Arc::new(AtomicU64::new(0));
    let stop_clients = CancellationToken::new();

    let connect_started = Instant::now();
    let at_once = Arc::new(tokio::sync::Semaphore::new(CONNECTING_AT_ONCE));
    let mut connecting = tokio::task::JoinSet::new();
    for (i, token) in tokens.into_iter().enumerate() {
        let (addr, at_once) = (addrs[i % addrs.len()].clone(), Arc::clone(&at_once));
        connecting.spawn(async move {
            let _turn = at_once.acquire_owned().await.expect("the semaphore");
            connect(&addr, &token).await
        });
    }
    let mut clients = tokio::task::JoinSet::new();
    while let Some(connected) = connecting.join_next().await {
        let (socket, seq) = connected.expect("a connecting task");
        let (times, received, stop) = (
            Arc::clone(&times),
            Arc::clone(&received),
            stop_clients.clone(),
        );
        clients.spawn(listen(socket, seq, times, received, stop));
    }
    let connected = stats(&mut relays);
    println!(
        "connected {} clients in {:.1} s; relay RSS {:.1} MiB",
        options.clients,
        connect_started.elapsed().as_secs_f64(),
        connected.rss_kib as f64 / 1024.0
    );

    let before = stats(&mut relays);
    let redis_before = redis.as_ref().map(RedisChild::stats);
    let started = Instant::now();
    let poster = {
        let (addrs, times) = (addrs.clone(), Arc::clone(&times));
        let (rate, routed_to) = (options.rate, options.routed.then_some(options.clients));
        std::thread::spawn(move || post_events(&addrs, rate, events, routed_to, &times))
    };
    let (accepted, failed) = poster.join().expect("the poster");
    let posted_in = started.elapsed();
    let expected = accepted * per_event;
    let drain_deadline = Instant::now() + Duration::from_secs(options.drain);
    while received.load(Ordering::Relaxed) < expected && Instant::now() < drain_deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let phase = started.elapsed();
    let after = stats(&mut relays);
    let redis_after = redis.as_ref().map(RedisChild::stats);
    stop_clients.cancel();

    let mut latencies = Vec::with_capacity(expected as usize);
    let (mut gaps, mut errors) = (0, 0);
    while let Some(report) = clients.join_next().await {
        let report = report.expect("a client task");
        latencies.extend_from_slice(&report.latencies_us);
        gaps += report.gaps;
        errors += report.errors;
    }
    for relay in relays {
        relay.stop();
    }
    drop(redis);
    latencies.sort_unstable();
    let delivered = latencies.len() as u64;
    let percentile = |p: f64| -> f64 {
        if latencies.is_empty() {
            return f64::NAN;
        }
        let index = ((latencies.len() as f64 - 1.0) * p).round() as usize;
        f64::from(latencies[index]) / 1000.0
    };
    let cpu = after.cpu_seconds - before.cpu_seconds;
    println!(
        "posted {accepted} events in {:.2} s ({:.0}/s achieved), {failed} refused or failed",
        posted_in.as_secs_f64(),
        accepted as f64 / posted_in.as_secs_f64()
    );
    println!(
        "latency post -> client: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        percentile(0.5),
        percentile(0.99),
        percentile(1.0)
    );
    println!(
        "delivered {delivered} of {expected}; lost {}; gaps {gaps}; errors {errors}",
        expected.saturating_sub(delivered)
    );
    println!(
        "relay CPU {:.2} s over {:.2} s ({:.0}% of one core); RSS {:.1} MiB after connecting, \
         {:.1} MiB at the end, peak {:.1} MiB",
        cpu,
        phase.as_secs_f64(),
        100.0 * cpu / phase.as_secs_f64(),
        connected.rss_kib as f64 / 1024.0,
        after.rss_kib as f64 / 1024.0,
        after.peak_rss_kib as f64 / 1024.0
    );
    if let (Some(before), Some(after)) = (redis_before, redis_after) {
        let cpu = after.cpu_seconds - before.cpu_seconds;
        println!(
            "redis-server CPU {:.2} s ({:.0}% of one core); RSS {:.1} MiB at the end",
            cpu,
            100.0 * cpu / phase.as_secs_f64(),
            after.rss_kib as f64 / 1024.0
        );
    }
}

/// The relays' figures, summed (peaks too: they are separate processes).
fn stats(relays: &mut [RelayChild]) -> ProcessStats {
    relays
        .iter_mut()
        .map(RelayChild::stats)
        .fold(ProcessStats::default(), |sum, one| ProcessStats {
            cpu_seconds: sum.cpu_seconds + one.cpu_seconds,
            rss_kib: sum.rss_kib + one.rss_kib,
            peak_rss_kib: sum.peak_rss_kib + one.peak_rss_kib,
        })
}

/// The `redis-server` of a `--cluster` run: on a free loopback port, its files in the bench's
/// temporary directory, the append-only file synced every second (Redis's default with AOF
/// on). Killed when dropped.
struct RedisChild {
    child: Child,
    port: u16,
}

impl RedisChild {
    fn start(dir: &std::path::Path) -> RedisChild {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let child = Command::new("redis-server")
            .args(["--bind", "127.0.0.1", "--port", &port.to_string()])
            .args(["--save", "", "--appendonly", "yes", "--dir"])
            .arg(dir)
            .stdout(Stdio::null())
            .spawn()
            .expect("redis-server (Debian's redis-server package; scripts/setup.sh installs it)");
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "redis-server did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
        RedisChild { child, port }
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/0", self.port)
    }

    /// CPU time and RSS from `/proc/<pid>/stat` and `status`.
    fn stats(&self) -> ProcessStats {
        let pid = self.child.id();
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        // Fields after the command name (which ends with ')'): utime and stime are 14th and
        // 15th of the whole line, in clock ticks (100 a second on Linux).
        let after_name = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
        let fields: Vec<&str> = after_name.split_whitespace().collect();
        let ticks = |i: usize| {
            fields
                .get(i)
                .and_then(|f| f.parse::<f64>().ok())
                .unwrap_or(0.0)
        };
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
        let rss = status
            .lines()
            .find_map(|line| line.strip_prefix("VmRSS:"))
            .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
            .unwrap_or(0);
        ProcessStats {
            cpu_seconds: (ticks(11) + ticks(12)) / 100.0,
            rss_kib: rss,
            peak_rss_kib: rss,
        }
    }
}

impl Drop for RedisChild {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The relay's config: every client without an extension (gets every event) or, routed, each
/// its own employee; no effective rate limit (one poster sends everything), room for every
/// connection; `[cluster]` with `redis`.
fn write_config(
    dir: &std::path::Path,
    options: &Options,
    redis: Option<&RedisChild>,
) -> (Vec<ClientToken>, std::path::PathBuf) {
    #[derive(serde::Serialize)]
    struct Clients {
        clients: Vec<ClientEntry>,
    }
    let mut tokens = Vec::with_capacity(options.clients);
    let mut entries = Vec::with_capacity(options.clients);
    for i in 0..options.clients {
        let name = format!("desk{i}");
        let employee = options.routed.then_some(name.as_str());
        let groups: Vec<String> = if options.routed && options.department > 0 {
            vec![format!("dept{}", i / options.department)]
        } else {
            Vec::new()
        };
        let (token, entry) = issue_client_token(&name, employee, &groups);
        tokens.push(token);
        entries.push(entry);
    }
    let mut text = format!(
        "listen = \"127.0.0.1:0\"\nregion = \"RU\"\nbuffer_per_client = {}\nmax_connections = {}\n\
         [vega]\nallowed_ips = [\"127.0.0.1\"]\nsecret_path = \"{}\"\n\
         [cloudpbx]\ncrm_token = \"{CRM_TOKEN}\"\n\
         [rate_limit]\nper_second = 1000000\nburst = 1000000\n",
        options.buffer.max(1),
        options.clients + 16,
        "b".repeat(32)
    );
    match redis {
        Some(redis) => text.push_str(&format!("[cluster]\nredis_url = \"{}\"\n", redis.url())),
        // As `callpop-cli relay` runs: every event written to the file before the answer.
        None => {
            text = format!(
                "events_file = {:?}\n{text}",
                dir.join("relay-events.sqlite")
            )
        }
    }
    text.push_str(&toml::to_string(&Clients { clients: entries }).expect("TOML"));
    let path = dir.join("relay.toml");
    std::fs::write(&path, text).expect("writing the config");
    (tokens, path)
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A connected, ready client and the sequence number it starts after.
async fn connect(addr: &str, token: &ClientToken) -> (Socket, u64) {
    let mut request = format!("ws://{addr}/ws")
        .into_client_request()
        .expect("a request");
    request.headers_mut().insert(
        "authorization",
        format!("Bearer {}", token.expose())
            .parse()
            .expect("a header"),
    );
    let (mut socket, _) =
        tokio_tungstenite::connect_async_tls_with_config(request, None, true, None)
            .await
            .expect("a WebSocket connection");
    loop {
        match socket.next().await {
            Some(Ok(Message::Text(text))) => {
                let ready: ServerMessage = serde_json::from_str(text.as_str()).expect("ready");
                assert_eq!(ready.kind, "ready");
                return (socket, ready.seq.unwrap_or(0));
            }
            Some(Ok(_)) => continue,
            other => panic!("no ready message: {other:?}"),
        }
    }
}

/// Reads events until stopped; the latency of each.
async fn listen(
    mut socket: Socket,
    mut last_seq: u64,
    times: Arc<PostTimes>,
    received: Arc<AtomicU64>,
    stop: CancellationToken,
) -> ClientReport {
    let mut report = ClientReport::default();
    loop {
        let message = tokio::select! {
            () = stop.cancelled() => break,
            message = socket.next() => message,
        };
        let text = match message {
            Some(Ok(Message::Text(text))) => text,
            Some(Ok(_)) => continue,
            _ => break,
        };
        let now = times.epoch.elapsed().as_nanos() as u64;
        let Ok(message) = serde_json::from_str::<ServerMessage>(text.as_str()) else {
            report.errors += 1;
            continue;
        };
        match message.kind {
            "event" => {
                // Numbers rise; routed, they skip the events meant for others.
                let seq = message.seq.unwrap_or(0);
                if seq <= last_seq {
                    report.errors += 1;
                }
                last_seq = seq;
                let index = message
                    .event
                    .and_then(|event| event.parent_id)
                    .and_then(|id| id.strip_prefix("bench-")?.parse::<usize>().ok());
                let posted = index
                    .and_then(|i| times.at.get(i))
                    .map_or(0, |at| at.load(Ordering::Acquire));
                if posted == 0 {
                    report.errors += 1;
                    continue;
                }
                let micros = now.saturating_sub(posted) / 1000;
                report
                    .latencies_us
                    .push(u32::try_from(micros).unwrap_or(u32::MAX));
                received.fetch_add(1, Ordering::Relaxed);
            }
            "gap" => report.gaps += 1,
            _ => {}
        }
    }
    let _ = socket.close(None).await;
    report
}

/// Posts `events` cloud PBX events at `rate` per second from a runtime of its own, to `addrs`
/// in turn; routed to `desk<i mod N>` with `routed_to: Some(N)`, else to a user no client is.
/// How many were accepted (200) and how many were not.
fn post_events(
    addrs: &[String],
    rate: u64,
    events: u64,
    routed_to: Option<usize>,
    times: &PostTimes,
) -> (u64, u64) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    runtime.block_on(async {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .pool_max_idle_per_host(POSTS_IN_FLIGHT)
            .build()
            .expect("an HTTP client");
        let urls: Vec<String> = addrs
            .iter()
            .map(|addr| format!("http://{addr}/cloudpbx"))
            .collect();
        let in_flight = Arc::new(tokio::sync::Semaphore::new(POSTS_IN_FLIGHT));
        let accepted = Arc::new(AtomicU64::new(0));
        let failed = Arc::new(AtomicU64::new(0));
        let mut ticker = tokio::time::interval(Duration::from_nanos(1_000_000_000 / rate));
        let mut posts = tokio::task::JoinSet::new();
        for i in 0..events {
            ticker.tick().await;
            let permit = Arc::clone(&in_flight)
                .acquire_owned()
                .await
                .expect("the semaphore");
            let callid = format!("bench-{i}");
            let user = routed_to.map_or_else(
                || "bench".to_owned(),
                |clients| format!("desk{}", i % clients as u64),
            );
            let body = format!(
                "cmd=event&type=INCOMING&phone=7999{:07}&user={user}&callid={callid}&crm_token={CRM_TOKEN}",
                i % 10_000_000
            );
            let request = http
                .post(&urls[i as usize % urls.len()])
                .header("content-type", "application/x-www-form-urlencoded")
                .body(body);
            times.at[i as usize].store(
                (times.epoch.elapsed().as_nanos() as u64).max(1),
                Ordering::Release,
            );
            let (accepted, failed) = (Arc::clone(&accepted), Arc::clone(&failed));
            posts.spawn(async move {
                let _permit = permit;
                match request.send().await {
                    Ok(response) if response.status() == 200 => {
                        accepted.fetch_add(1, Ordering::Relaxed)
                    }
                    _ => failed.fetch_add(1, Ordering::Relaxed),
                };
            });
        }
        while posts.join_next().await.is_some() {}
        (
            accepted.load(Ordering::Relaxed),
            failed.load(Ordering::Relaxed),
        )
    })
}
