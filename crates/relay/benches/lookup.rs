//! Contact look-up benchmark: how fast a running relay answers each PBX's "who is calling?"
//! from a directory of N contacts (a real SQLite file): Vega's `call.settings`, the cloud PBX's
//! `cmd=contact` and Asterisk's dialplan `caller-name`. The specs want the answer within 50 ms
//! (Vega: vega.md A.1); this reports p50 / p99 / max per route, sequential requests from one
//! client and then C concurrent clients.
//!
//! ```text
//! cargo bench -p callpop-relay --bench lookup -- --contacts 100000 --requests 2000 --concurrency 16
//! ```
//!
//! Numbers looked up: half in the directory, half not (a miss walks the same index). Under
//! `cargo test --all-targets` (no `--bench` argument) it does nothing: a measurement, not a test.

use std::sync::Arc;
use std::time::{Duration, Instant};

use callpop_core::Store;
use callpop_relay::{Relay, RelayConfig};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

const CRM_TOKEN: &str = "lookup-bench-crm-token";
const LOOKUP_TOKEN: &str = "lookup-bench-asterisk-token";
const SECRET: &str = "b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0";

fn value_of(args: &[String], name: &str) -> Option<u64> {
    let at = args.iter().position(|a| a == name)?;
    args.get(at + 1)?.parse().ok()
}

/// The `i`-th number of the generated directory (Kyiv numbers, written nationally).
fn number(i: u64) -> String {
    format!("044{:07}", 2_000_000 + i)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if !args.iter().any(|a| a == "--bench") {
        println!("lookup: a benchmark; run it with `cargo bench -p callpop-relay --bench lookup`");
        return;
    }
    let contacts = value_of(&args, "--contacts").unwrap_or(100_000);
    let requests = value_of(&args, "--requests").unwrap_or(2_000);
    let concurrency = value_of(&args, "--concurrency").unwrap_or(16).max(1);
    let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime");
    runtime.block_on(run(contacts, requests, concurrency));
}

async fn run(contacts: u64, requests: u64, concurrency: u64) {
    let dir = tempfile::tempdir().expect("a temp dir");
    let store = Store::open(&dir.path().join("callpop.sqlite3"), "UA").expect("the store");
    let mut csv = String::from("Name;Company;Phone\n");
    for i in 0..contacts {
        csv.push_str(&format!("Contact {i};Company {};{}\n", i % 997, number(i)));
    }
    let loading = Instant::now();
    let report = store.import_csv(csv.as_bytes()).expect("the import");
    println!(
        "directory: {} contacts in a SQLite file, imported in {:.1} s",
        report.imported,
        loading.elapsed().as_secs_f64()
    );

    let config = RelayConfig::from_toml_str(&format!(
        "listen = \"127.0.0.1:0\"\nregion = \"UA\"\n\
         [rate_limit]\nper_second = 1000000\nburst = 1000000\n\
         [vega]\nallowed_ips = [\"127.0.0.1\"]\nsecret_path = \"{SECRET}\"\n\
         [cloudpbx]\ncrm_token = \"{CRM_TOKEN}\"\n\
         [asterisk]\nlookup_token = \"{LOOKUP_TOKEN}\"\n"
    ))
    .expect("the relay config");
    let relay = Relay::new(config, Arc::new(store), Vec::new()).expect("the relay");
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("a port");
    let base = format!("http://{}", listener.local_addr().expect("its address"));
    let stop = CancellationToken::new();
    tokio::spawn(relay.serve(listener, stop.clone()));
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(64)
        .build()
        .expect("an HTTP client");

    for route in [
        Route::VegaSettings,
        Route::CloudPbxContact,
        Route::AsteriskCallerName,
    ] {
        for clients in [1, concurrency] {
            let latencies = measure(&http, &base, route, contacts, requests, clients).await;
            report_line(route, clients, &latencies);
        }
    }
    stop.cancel();
}

#[derive(Clone, Copy)]
enum Route {
    VegaSettings,
    CloudPbxContact,
    AsteriskCallerName,
}

impl Route {
    fn name(self) -> &'static str {
        match self {
            Route::VegaSettings => "Vega call.settings",
            Route::CloudPbxContact => "cloud PBX cmd=contact",
            Route::AsteriskCallerName => "Asterisk caller-name",
        }
    }

    fn request(self, http: &reqwest::Client, base: &str, phone: &str) -> reqwest::RequestBuilder {
        match self {
            Route::VegaSettings => http
                .post(format!("{base}/vega/{SECRET}/"))
                .header("content-type", "application/json")
                .body(format!(
                    r#"{{"request":"call.settings","otherLegNum":"+38{phone}","trunkNum":"0800218500"}}"#
                )),
            Route::CloudPbxContact => http.post(format!("{base}/cloudpbx")).form(&[
                ("cmd", "contact"),
                ("phone", &format!("38{phone}")),
                ("callid", "bench"),
                ("crm_token", CRM_TOKEN),
            ]),
            Route::AsteriskCallerName => http
                .get(format!("{base}/asterisk/caller-name"))
                .query(&[("number", phone), ("token", LOOKUP_TOKEN)]),
        }
    }
}

/// `requests` look-ups by `clients` concurrent clients; each latency in milliseconds.
async fn measure(
    http: &reqwest::Client,
    base: &str,
    route: Route,
    contacts: u64,
    requests: u64,
    clients: u64,
) -> Vec<f64> {
    let per_client = requests / clients;
    let mut tasks = Vec::new();
    for client in 0..clients {
        let (http, base) = (http.clone(), base.to_owned());
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::with_capacity(per_client as usize);
            for n in 0..per_client {
                let i = client * per_client + n;
                // Even: a contact of the directory; odd: a number it does not have.
                let phone = if i.is_multiple_of(2) {
                    number((i * 7919) % contacts)
                } else {
                    number(contacts + i)
                };
                let started = Instant::now();
                let response = route
                    .request(&http, &base, &phone)
                    .timeout(Duration::from_secs(10))
                    .send()
                    .await
                    .expect("the relay answers");
                let status = response.status();
                let body = response.text().await.unwrap_or_default();
                assert!(status.is_success(), "{}: {status}", route.name());
                // A hit must really name the contact (a fast "not found" proves nothing).
                assert_eq!(
                    body.contains("Contact "),
                    i.is_multiple_of(2),
                    "{} for {phone}: {body}",
                    route.name()
                );
                latencies.push(started.elapsed().as_secs_f64() * 1000.0);
            }
            latencies
        }));
    }
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await.expect("a client task"));
    }
    all.sort_by(f64::total_cmp);
    all
}

fn report_line(route: Route, clients: u64, latencies: &[f64]) {
    let at = |q: f64| latencies[((latencies.len() - 1) as f64 * q).round() as usize];
    println!(
        "{:<22} clients={clients:<3} n={:<5} p50={:.2} ms  p99={:.2} ms  max={:.2} ms",
        route.name(),
        latencies.len(),
        at(0.5),
        at(0.99),
        latencies[latencies.len() - 1]
    );
}
