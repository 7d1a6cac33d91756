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
#[cfg_attr(
    windows,
    ignore = "SKIPPED on Windows: no Secret Service to take away, the Credential Manager is part of the system (crates/core/tests/os_keyring.rs tests it)"
)]
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

/// A PBX on 127.0.0.1 that answers every request with `status`, `content_type` and `body`; its
/// base URL. Enough for an answer no simulator gives (a maintenance page, an odd success).
fn canned_server(status: u16, content_type: &'static str, body: String) -> String {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let body = body.clone();
            std::thread::spawn(move || {
                // Read the whole request first: answering before the body is read resets it.
                let mut request = Vec::new();
                let mut buf = [0u8; 4096];
                loop {
                    let Ok(n) = stream.read(&mut buf) else { return };
                    if n == 0 {
                        return;
                    }
                    request.extend_from_slice(&buf[..n]);
                    let text = String::from_utf8_lossy(&request).to_lowercase();
                    if let Some(end) = text.find("\r\n\r\n") {
                        let length = text[..end]
                            .lines()
                            .find_map(|l| l.strip_prefix("content-length:"))
                            .and_then(|v| v.trim().parse::<usize>().ok())
                            .unwrap_or(0);
                        if request.len() >= end + 4 + length {
                            break;
                        }
                    }
                }
                let _ = write!(
                    stream,
                    "HTTP/1.1 {status} OK\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
            });
        }
    });
    url
}

/// A PBX on 127.0.0.1 that takes connections and never answers; its base URL.
fn silent_server() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming() {
            held.push(stream);
        }
    });
    url
}

const MAINTENANCE_PAGE: &str =
    "<!DOCTYPE html><html><body><h1>Technical works</h1><p>Back soon.</p></body></html>";

#[test]
#[cfg_attr(
    windows,
    ignore = "SKIPPED on Windows: no Secret Service to take away, the Credential Manager is part of the system (crates/core/tests/os_keyring.rs tests it)"
)]
fn autodial_without_a_keyring_names_callpop_autodialer_key_not_the_pbx_key() {
    let home = tempfile::tempdir().unwrap();
    std::fs::write(
        home.path().join("config.toml"),
        "[autodialer]\nbase_url = \"http://127.0.0.1:9\"\ncampaign = \"1\"\n",
    )
    .unwrap();
    let out = run(cli(home.path())
        .args(["autodial", "call", "+79101234567"])
        .env("CALLPOP_API_KEY", KEY)
        .env_remove("CALLPOP_AUTODIALER_KEY")
        .env(
            "DBUS_SESSION_BUS_ADDRESS",
            "unix:path=/nonexistent/callpop-test-bus",
        ));
    assert!(!out.status.success());
    let stderr = text(&out.stderr);
    assert!(stderr.contains("CALLPOP_AUTODIALER_KEY"), "{stderr}");
    assert!(stderr.contains("separate from the PBX's"), "{stderr}");
}

#[test]
fn help_names_the_key_variables_the_autodialer_one_included() {
    let home = tempfile::tempdir().unwrap();
    let out = run(cli(home.path()).arg("--help"));
    let help = text(&out.stdout);
    assert!(help.contains("CALLPOP_API_KEY"), "{help}");
    assert!(help.contains("CALLPOP_AUTODIALER_KEY"), "{help}");
    let out = run(cli(home.path()).args(["autodial", "--help"]));
    let help = text(&out.stdout);
    assert!(help.contains("CALLPOP_AUTODIALER_KEY"), "{help}");
    assert!(help.contains("autodial key set"), "{help}");
}

#[test]
fn help_lists_every_provider_and_what_user_is_for_each() {
    let home = tempfile::tempdir().unwrap();
    let out = run(cli(home.path()).arg("--help"));
    let help = text(&out.stdout);
    for provider in ["vega", "cloudpbx", "telediscount", "mcn", "asterisk"] {
        assert!(help.contains(provider), "{provider}: {help}");
    }
    assert!(!help.contains("My extension at the PBX"), "{help}");
    for what in ["extension", "login", "SIP account", "PJSIP endpoint"] {
        assert!(help.contains(what), "{what}: {help}");
    }
}

#[test]
fn a_pbx_that_does_not_answer_in_time_names_timeout_ms() {
    let home = tempfile::tempdir().unwrap();
    let base_url = silent_server();
    std::fs::write(
        home.path().join("config.toml"),
        format!(
            "[account]\nprovider = \"vega\"\ndomain = \"{DOMAIN}\"\nbase_url = \"{base_url}\"\nuser = \"001\"\ntimeout_ms = 300\n"
        ),
    )
    .unwrap();
    let out = run(cli(home.path())
        .args(["call", "+79101234567"])
        .env("CALLPOP_API_KEY", KEY));
    assert!(!out.status.success());
    let stderr = text(&out.stderr);
    assert!(stderr.contains("did not answer"), "{stderr}");
    assert!(stderr.contains("timeout_ms"), "{stderr}");
    assert!(stderr.contains("[account]"), "{stderr}");
}

#[test]
fn a_maintenance_page_answering_click_to_call_is_an_error_not_a_call() {
    let home = tempfile::tempdir().unwrap();
    let base_url = canned_server(200, "text/html; charset=utf-8", MAINTENANCE_PAGE.into());
    let out = run(cli(home.path())
        .args([
            "--provider",
            "telediscount",
            "--base-url",
            &base_url,
            "--domain",
            "my.telediscount.ru",
            "--user",
            "SIP/0000000672",
        ])
        .args(["call", "+79101234567"])
        .env("CALLPOP_API_KEY", KEY));
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(!out.status.success(), "{stdout}");
    assert!(!stdout.contains("(call )"), "{stdout}");
    assert!(stderr.contains("HTML page"), "{stderr}");

    let out = run(cli(home.path())
        .args(mcn_account(&base_url))
        .args(["call", "+79101234567"])
        .env("CALLPOP_API_KEY", KEY));
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(!out.status.success(), "{stdout}");
    assert!(stderr.contains("not the API's JSON answer"), "{stderr}");
}

#[test]
fn a_click_to_call_accepted_without_a_call_id_says_so() {
    let home = tempfile::tempdir().unwrap();
    let base_url = canned_server(
        200,
        "application/json",
        r#"{"code":200,"object":{"status":"ok"}}"#.into(),
    );
    let out = run(cli(home.path())
        .args(mcn_account(&base_url))
        .args(["call", "+79101234567"])
        .env("CALLPOP_API_KEY", KEY));
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(!stdout.contains("(call )"), "{stdout}");
    assert!(
        stdout.contains("the PBX accepted the call but gave no call id"),
        "{stdout}"
    );
}

#[test]
fn an_autodialer_code_2_with_every_record_added_does_not_say_records_were_lost() {
    let home = tempfile::tempdir().unwrap();
    let base_url = canned_server(
        200,
        "application/json",
        r#"{"report":{"lines":"499","ok":"499","inserted":"499","errorcode":"2","id":"40133707428585176"}}"#.into(),
    );
    std::fs::write(
        home.path().join("config.toml"),
        format!("[autodialer]\nbase_url = \"{base_url}\"\ncampaign = \"1\"\n"),
    )
    .unwrap();
    let csv = home.path().join("list.csv");
    let mut rows = String::from("Имя;Телефон\n");
    for i in 0..499 {
        rows.push_str(&format!("Клиент {i};+7922{i:07}\n"));
    }
    std::fs::write(&csv, rows).unwrap();
    let out = run(cli(home.path())
        .args(["autodial", "send", "--csv"])
        .arg(&csv)
        .args(["--from", "10:00", "--to", "19:00"])
        .env("CALLPOP_AUTODIALER_KEY", "canned-key"));
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(stdout.contains("added 499"), "{stdout}");
    assert!(!stdout.contains("not every correct record"), "{stdout}");
    assert!(!stdout.contains("not added"), "{stdout}");
    assert!(stdout.contains("code 2"), "{stdout}");
}

/// MCN's history only says a call was recorded (`mcn-record:<callid>`); `recording` fetches the
/// audio with the account's key (`call_log/record`) and writes it where asked.
#[tokio::test(flavor = "multi_thread")]
async fn an_mcn_recording_is_saved_to_a_file_from_the_history() {
    use callpop_sim::mcn::{self, McnSimConfig, SimCall};
    let moscow = chrono::Utc::now() + chrono::Duration::hours(3) - chrono::Duration::hours(1);
    let date = moscow.format("%Y-%m-%d %H:%M:%S").to_string();
    let config = McnSimConfig {
        calls: vec![SimCall::inbound(
            "1714554000.77",
            &date,
            "79101234567",
            "101",
            "ANSWERED",
        )],
        ..McnSimConfig::default()
    };
    let token = config.token.clone();
    let sim = mcn::start("127.0.0.1:0", config).await.unwrap();
    let home = tempfile::tempdir().unwrap();
    let base_url = sim.base_url();
    let account = mcn_account(&base_url);

    // Not fetched into the local history yet: says how to get it there.
    let out = run(cli(home.path())
        .args(account)
        .args(["recording", "1714554000.77"])
        .env("CALLPOP_API_KEY", &token));
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("callpop-cli history"),
        "{}",
        text(&out.stderr)
    );

    let out = run(cli(home.path())
        .args(account)
        .args(["history", "--json"])
        .env("CALLPOP_API_KEY", &token));
    assert!(out.status.success(), "{}", text(&out.stderr));
    let line: Value = serde_json::from_str(text(&out.stdout).lines().next().unwrap()).unwrap();
    assert_eq!(line["recording"], "mcn-record:1714554000.77");

    let file = home.path().join("call.mp3");
    let out = run(cli(home.path())
        .args(account)
        .args(["recording", "1714554000.77", "--out"])
        .arg(&file)
        .env("CALLPOP_API_KEY", &token));
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("audio/mpeg"),
        "{}",
        text(&out.stdout)
    );
    let audio = std::fs::read(&file).unwrap();
    assert!(audio.starts_with(b"ID3"), "an MP3 as the PBX sent it");
    assert!(
        audio.ends_with(b"1714554000.77"),
        "the recording of that call"
    );
}

/// The relay's config asks for an unguessable `secret_path` per tokenless provider; the CLI
/// makes one, as its doc says.
#[test]
fn relay_new_secret_prints_a_fresh_url_safe_secret_each_time() {
    let home = tempfile::tempdir().unwrap();
    let secret = |home: &Path| {
        let out = run(cli(home).args(["relay", "new-secret"]));
        assert!(out.status.success(), "{}", text(&out.stderr));
        text(&out.stdout).trim().to_owned()
    };
    let first = secret(home.path());
    assert_eq!(first.len(), 64, "{first}");
    assert!(first.chars().all(|c| c.is_ascii_hexdigit()), "{first}");
    assert_ne!(first, secret(home.path()));
}

/// The flags of an MCN account (virtual PBX 678 of account 12345, extension 101) at `base_url`.
fn mcn_account(base_url: &str) -> [&str; 8] {
    [
        "--provider",
        "mcn",
        "--base-url",
        base_url,
        "--domain",
        "12345/678",
        "--user",
        "101",
    ]
}
