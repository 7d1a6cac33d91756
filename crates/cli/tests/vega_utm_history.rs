//! UTM tags from Vega's call tracking (vega.md A.3) in `callpop-cli history`: posted to the relay
//! (`callpop-cli relay`), shown with their call by `history --json` and in the text output.

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use callpop_sim::vega::{FinishedCall, VegaSim, VegaSimConfig};
use serde_json::{json, Value};

const DOMAIN: &str = "utm-test.pbx.vega.ua";
const KEY: &str = "utm-test-key";
const SECRET: &str = "7c6b5a4f3e2d1c0b5e4d3c2b1a0f9e8d";

fn cli(home: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_callpop-cli"));
    command
        .env("CALLPOP_CONFIG", home.join("config.toml"))
        .env("CALLPOP_DATA_DIR", home.join("data"))
        .env("CALLPOP_API_KEY", KEY)
        .env("RUST_LOG", "warn");
    command
}

/// Kills the process when dropped, so a failing test leaves nothing running.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn text(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn finished(uuid: &str, end_at_ms: u64) -> FinishedCall {
    FinishedCall {
        uuid: uuid.into(),
        parent_uuid: None,
        end_at_ms,
        lg_direction: 4,
        customer: Some("+380505826633".into()),
        customer_name: None,
        employee: "001".into(),
        employee2: None,
        bill_secs: 30,
        duration_secs: 40,
        disposition: 0,
        transfer_history: Some("001".into()),
        recorded: true,
        trunk: Some("+380991280042".into()),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn history_shows_the_utm_tags_vega_posted_to_the_relay() {
    let home = tempfile::tempdir().unwrap();
    let relay_toml = home.path().join("relay.toml");
    let port = free_port();
    std::fs::write(
        &relay_toml,
        format!(
            "listen = \"127.0.0.1:{port}\"\nregion = \"UA\"\n\
             [vega]\nallowed_ips = [\"127.0.0.1\"]\nsecret_path = \"{SECRET}\"\n"
        ),
    )
    .unwrap();
    let relay = Running(
        cli(home.path())
            .args(["relay", "--config"])
            .arg(&relay_toml)
            .stdout(Stdio::null())
            .spawn()
            .unwrap(),
    );

    let tags = json!([{
        "utmSource": "google", "utmMedium": "cpc", "utmCampaign": "(not set)",
        "otherLegNum": "+380505826633", "label": "callcatcher\n firstcall",
        "callParentUuid": "tagged-call"
    }]);
    // The relay takes a moment to start listening.
    let http = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        assert!(
            Instant::now() < deadline,
            "the relay never accepted the tags"
        );
        let posted = http
            .post(format!("http://127.0.0.1:{port}/vega/{SECRET}/utm"))
            .json(&tags)
            .send()
            .await;
        if posted.is_ok_and(|r| r.status() == 200) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    drop(relay);

    let sim = VegaSim::start("127.0.0.1:0", VegaSimConfig::new(DOMAIN, KEY))
        .await
        .unwrap();
    let now_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64;
    sim.add_history(vec![
        finished("tagged-call", now_ms - 120_000),
        finished("plain-call", now_ms - 60_000),
    ])
    .unwrap();
    let account = [
        "--provider",
        "vega",
        "--base-url",
        &sim.base_url(),
        "--domain",
        DOMAIN,
    ];

    let out = cli(home.path())
        .args(account)
        .args(["history", "--json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let calls: Vec<Value> = text(&out)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(calls.len(), 2, "{calls:?}");
    assert_eq!(calls[0]["call_id"], "tagged-call");
    assert_eq!(
        calls[0]["utm"],
        json!({
            "utmSource": "google", "utmMedium": "cpc", "utmCampaign": "(not set)",
            "otherLegNum": "+380505826633", "label": "callcatcher\n firstcall"
        })
    );
    assert_eq!(calls[1]["call_id"], "plain-call");
    assert!(calls[1].get("utm").is_none(), "{}", calls[1]);

    let out = cli(home.path())
        .args(account)
        .arg("history")
        .output()
        .unwrap();
    assert!(out.status.success());
    let lines: Vec<String> = text(&out).lines().map(str::to_owned).collect();
    assert!(
        lines[0].ends_with("[recorded] [utm: google/cpc]"),
        "{lines:?}"
    );
    assert!(!lines[1].contains("utm"), "{lines:?}");
}
