//! The relay from the command line: `relay add-client` issues a token, `relay --config` serves,
//! and `watch --json` on a desktop configured with `[relay]` prints the calls Vega posts to it.

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

const SECRET: &str = "5e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b";

fn cli(home: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_callpop-cli"));
    command
        .env("CALLPOP_CONFIG", home.join("config.toml"))
        .env("CALLPOP_DATA_DIR", home.join("data"))
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

fn dial(uuid: &str) -> Value {
    json!({
        "event": "call.dial", "accountDomain": "qwerty.pbx.vega.ua", "uuid": uuid,
        "parentUuid": null, "dialAt": 1431686100, "bridgeAt": null, "lgDirection": 4,
        "leg": { "id": 36, "ext": "001", "displayName": "Іван Іванов" }, "leg2": null,
        "otherLegs": [ { "id": 1, "name": "Анастасія Березкіна", "num": "+380442246595",
        "companyName": "Тестова компанія", "url": "http://pbx.vega.ua/contacts/1" } ],
        "trunkNum": "+380442246595", "trunkName": "main"
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn a_desktop_watching_through_the_relay_sees_the_calls_vega_posts() {
    let relay_home = tempfile::tempdir().unwrap();
    let relay_toml = relay_home.path().join("relay.toml");
    let port = free_port();
    std::fs::write(
        &relay_toml,
        format!(
            "listen = \"127.0.0.1:{port}\"\nregion = \"UA\"\n\
             [vega]\nallowed_ips = [\"127.0.0.1\"]\nsecret_path = \"{SECRET}\"\n"
        ),
    )
    .unwrap();

    let out = cli(relay_home.path())
        .args(["relay", "--config"])
        .arg(&relay_toml)
        .args(["add-client", "olena", "--ext", "001"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let token = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    assert!(token.len() >= 32, "a long random token: {token}");
    let saved = std::fs::read_to_string(&relay_toml).unwrap();
    assert!(
        saved.contains("olena") && !saved.contains(&token),
        "only the hash is kept"
    );

    let _relay = Running(
        cli(relay_home.path())
            .args(["relay", "--config"])
            .arg(&relay_toml)
            .stdout(Stdio::null())
            .spawn()
            .unwrap(),
    );

    let desktop = tempfile::tempdir().unwrap();
    std::fs::write(
        desktop.path().join("config.toml"),
        format!("[relay]\nurl = \"ws://127.0.0.1:{port}/ws\"\n"),
    )
    .unwrap();
    let mut watch = Running(
        cli(desktop.path())
            .args(["watch", "--json"])
            .env("CALLPOP_RELAY_TOKEN", &token)
            .stdout(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let (lines_tx, lines) = mpsc::channel();
    let stdout = watch.0.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if lines_tx.send(line).is_err() {
                break;
            }
        }
    });

    // The relay and the desktop take a moment to start; a desktop that has just connected gets
    // only what happens next, so post calls until one comes through.
    let http = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut attempt = 0;
    let line = loop {
        assert!(Instant::now() < deadline, "no call came through the relay");
        attempt += 1;
        let uuid = format!("call-{attempt}");
        let posted = http
            .post(format!("http://127.0.0.1:{port}/vega/{SECRET}"))
            .json(&dial(&uuid))
            .send()
            .await;
        if posted.is_ok_and(|r| r.status() == 200) {
            if let Ok(line) = lines.recv_timeout(Duration::from_millis(500)) {
                break line;
            }
        } else {
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    };
    let view: Value = serde_json::from_str(&line).unwrap();
    assert_eq!(view["state"], "ringing");
    assert_eq!(view["direction"], "in");
    assert_eq!(view["customer"], "+380442246595");
    assert_eq!(view["employee"], "001");
    assert_eq!(
        view["contact"]["name"], "Анастасія Березкіна",
        "the PBX's name, no directory entry"
    );
}

/// The relay run as a service logs to a file or journald: plain text, no colour codes.
#[test]
fn a_relay_logging_to_a_file_writes_no_colour_codes() {
    let home = tempfile::tempdir().unwrap();
    let relay_toml = home.path().join("relay.toml");
    // A client key that cannot match what Vega sends: the relay warns about it at start.
    std::fs::write(
        &relay_toml,
        format!(
            "listen = \"127.0.0.1:{}\"\n[vega]\nallowed_ips = [\"127.0.0.1\"]\n\
             secret_path = \"{SECRET}\"\n[[clients]]\nname = \"olena\"\next = \"andy\"\n\
             token_sha256 = \"{}\"\n",
            free_port(),
            "0".repeat(64)
        ),
    )
    .unwrap();
    let mut relay = Running(
        cli(home.path())
            .args(["relay", "--config"])
            .arg(&relay_toml)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let stderr = relay.0.stderr.take().unwrap();
    let (line_tx, line) = mpsc::channel();
    std::thread::spawn(move || {
        for text in BufReader::new(stderr).lines().map_while(Result::ok) {
            if text.contains("olena") {
                let _ = line_tx.send(text);
                break;
            }
        }
    });
    let warning = line
        .recv_timeout(Duration::from_secs(30))
        .expect("the relay warns about the client at start");
    assert!(warning.contains("WARN"), "{warning}");
    assert!(!warning.contains('\u{1b}'), "colour codes in {warning:?}");
}
