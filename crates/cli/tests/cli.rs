//! `callpop-cli` as a user runs it: a real binary, a real SQLite file, the Vega simulator on
//! 127.0.0.1.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use callpop_sim::vega::{Scenario, VegaSim, VegaSimConfig};
use serde_json::Value;

const DOMAIN: &str = "cli-test.pbx.vega.ua";
const KEY: &str = "cli-test-key";

/// The CLI with its config and data in `home`.
fn cli(home: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_callpop-cli"));
    command
        .env("CALLPOP_CONFIG", home.join("config.toml"))
        .env("CALLPOP_DATA_DIR", home.join("data"))
        .env_remove("CALLPOP_API_KEY")
        .env("RUST_LOG", "warn");
    command
}

fn run(command: &mut Command) -> Output {
    command.output().expect("callpop-cli runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn import_reports_broken_rows_with_line_numbers_and_keeps_the_good_ones() {
    let home = tempfile::tempdir().unwrap();
    let csv = home.path().join("contacts.csv");
    std::fs::write(
        &csv,
        "Name,Company,Phone\nIvan Petrov,Acme,8 (910) 123-45-67\nNo Phone,Acme,\nOlga,Globex,+7 495 777-66-55\n",
    )
    .unwrap();
    let out = run(cli(home.path()).arg("import").arg(&csv));
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("imported 2 contacts"),
        "{}",
        text(&out.stdout)
    );
    assert!(
        text(&out.stderr).contains("contacts.csv:3: skipped"),
        "{}",
        text(&out.stderr)
    );

    let out = run(cli(home.path()).args(["lookup", "+79101234567", "--json"]));
    assert!(out.status.success(), "{}", text(&out.stderr));
    let contact: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(contact["name"], "Ivan Petrov");
    assert_eq!(contact["company"], "Acme");

    let out = run(cli(home.path()).args(["lookup", "8 495 777 66 55"]));
    assert!(
        text(&out.stdout).starts_with("Olga"),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn lookup_of_an_unknown_number_exits_1_and_prints_null_as_json() {
    let home = tempfile::tempdir().unwrap();
    let out = run(cli(home.path()).args(["lookup", "+380442246595", "--json"]));
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(text(&out.stdout).trim(), "null");
}

#[test]
fn a_missing_account_says_how_to_configure_one() {
    let home = tempfile::tempdir().unwrap();
    let out = run(cli(home.path()).args(["call", "+79101234567"]));
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("no PBX account configured"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn without_a_secret_service_key_status_says_how_to_fix_it() {
    let home = tempfile::tempdir().unwrap();
    let out = run(cli(home.path())
        .args(["--provider", "vega", "--domain", DOMAIN, "key", "status"])
        .env(
            "DBUS_SESSION_BUS_ADDRESS",
            "unix:path=/nonexistent/callpop-test-bus",
        ));
    assert!(!out.status.success());
    let stderr = text(&out.stderr);
    assert!(stderr.contains("keyring is not available"), "{stderr}");
    assert!(stderr.contains("never stores keys in a file"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread")]
async fn watch_json_streams_ringing_answered_ended_with_the_directory_contact() {
    let sim = VegaSim::start("127.0.0.1:0", VegaSimConfig::new(DOMAIN, KEY))
        .await
        .unwrap();
    let home = tempfile::tempdir().unwrap();
    let csv = home.path().join("c.csv");
    std::fs::write(&csv, "ФИО;Компания;Телефон;Ответственный;Ссылка\nСмирнов Алексей;ООО Ветер;8 (910) 123-45-67;Анна;https://crm.example.com/17\n").unwrap();
    assert!(run(cli(home.path()).arg("import").arg(&csv))
        .status
        .success());

    let mut watch = cli(home.path())
        .args([
            "--provider",
            "vega",
            "--base-url",
            &sim.base_url(),
            "--domain",
            DOMAIN,
            "--user",
            "001",
        ])
        .args(["watch", "--json"])
        .env("CALLPOP_API_KEY", KEY)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = watch.stdout.take().unwrap();
    let lines = std::thread::spawn(move || {
        BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
            .take_while(|line| !line.contains("\"state\":\"ended\""))
            .chain(std::iter::once(String::new()))
            .collect::<Vec<_>>()
    });
    // The poller starts after log-in; the scenario rings long enough to be seen.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    sim.play(Scenario::AnsweredIncoming {
        customer: "+79101234567".into(),
        employee: "001".into(),
        ring_secs: 1.5,
        talk_secs: 1.5,
        pbx_contacts: vec![],
    })
    .unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while !lines.is_finished() && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let _ = watch.kill();
    let _ = watch.wait();
    let lines = lines.join().unwrap();
    let events: Vec<Value> = lines
        .iter()
        .filter(|l| !l.is_empty())
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let states: Vec<&str> = events
        .iter()
        .map(|e| e["state"].as_str().unwrap())
        .collect();
    assert_eq!(
        states,
        ["ringing", "answered"],
        "then ended closes the stream: {lines:?}"
    );
    let first = &events[0];
    assert_eq!(first["provider"], "vega");
    assert_eq!(first["direction"], "in");
    assert_eq!(first["customer"], "+79101234567");
    assert_eq!(first["employee"], "001");
    assert_eq!(first["contact"]["name"], "Смирнов Алексей");
    assert_eq!(first["contact"]["company"], "ООО Ветер");
    assert_eq!(first["contact"]["responsible"], "Анна");
    assert_eq!(first["contact"]["url"], "https://crm.example.com/17");
    assert!(first["call_id"].as_str().is_some_and(|id| !id.is_empty()));
    assert!(
        chrono_like(first["at"].as_str().unwrap()),
        "RFC 3339 UTC: {}",
        first["at"]
    );
}

fn chrono_like(at: &str) -> bool {
    at.len() >= 20 && at.as_bytes()[10] == b'T' && (at.ends_with('Z') || at.ends_with("+00:00"))
}

#[tokio::test(flavor = "multi_thread")]
async fn call_asks_the_pbx_to_ring_me_then_the_number() {
    let sim = VegaSim::start("127.0.0.1:0", VegaSimConfig::new(DOMAIN, KEY))
        .await
        .unwrap();
    let home = tempfile::tempdir().unwrap();
    let out = run(cli(home.path())
        .args([
            "--provider",
            "vega",
            "--base-url",
            &sim.base_url(),
            "--domain",
            DOMAIN,
            "--user",
            "002",
        ])
        .args(["call", "8 (910) 123-45-67"])
        .env("CALLPOP_API_KEY", KEY));
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("+7 910 123-45-67"),
        "{}",
        text(&out.stdout)
    );
    let made = sim.calls_made();
    assert_eq!(made.len(), 1);
    assert_eq!(made[0].leg_ext, "002");
    assert_eq!(made[0].other_leg_num, "+79101234567");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_key_is_reported_as_such_and_the_key_is_not_printed() {
    let sim = VegaSim::start("127.0.0.1:0", VegaSimConfig::new(DOMAIN, KEY))
        .await
        .unwrap();
    let home = tempfile::tempdir().unwrap();
    let wrong = "wrong-key-8d7f6e5c4b3a";
    let out = run(cli(home.path())
        .args([
            "--provider",
            "vega",
            "--base-url",
            &sim.base_url(),
            "--domain",
            DOMAIN,
            "--user",
            "001",
        ])
        .args(["call", "+79101234567"])
        .env("CALLPOP_API_KEY", wrong));
    assert!(!out.status.success());
    let stderr = text(&out.stderr);
    assert!(stderr.to_lowercase().contains("key"), "{stderr}");
    assert!(!stderr.contains(wrong), "{stderr}");
}
