//! `callpop-cli autodial` against the Autodialer simulator: send (the no-window warning and
//! --yes, batches, the report), one robot call, results into history.

use std::path::Path;
use std::process::{Command, Output};

use callpop_sim::autodialer::{self, AutodialerSimConfig};
use serde_json::Value;

fn cli(home: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_callpop-cli"));
    command
        .env("CALLPOP_CONFIG", home.join("config.toml"))
        .env("CALLPOP_DATA_DIR", home.join("data"))
        .env("CALLPOP_AUTODIALER_KEY", "sim-autodialer-key");
    command
}

fn configure(home: &Path, base_url: &str) {
    std::fs::write(
        home.join("config.toml"),
        format!("[autodialer]\nbase_url = \"{base_url}\"\ncampaign = \"1\"\n"),
    )
    .unwrap();
}

fn text(out: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).trim().to_owned(),
        String::from_utf8_lossy(&out.stderr).trim().to_owned(),
    )
}

/// `count` contacts in the CSV format `import` reads.
fn write_csv(path: &Path, count: usize) {
    let mut csv = String::from("Имя;Телефон\n");
    for i in 0..count {
        csv.push_str(&format!("Клиент {i};+7922{i:07}\n"));
    }
    std::fs::write(path, csv).unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn send_without_a_window_warns_and_sends_nothing_until_yes() {
    let sim = autodialer::start("127.0.0.1:0", AutodialerSimConfig::default())
        .await
        .unwrap();
    let home = tempfile::tempdir().unwrap();
    configure(home.path(), &sim.base_url());
    let csv = home.path().join("list.csv");
    write_csv(&csv, 3);
    let csv = csv.to_str().unwrap();

    let out = cli(home.path())
        .args(["autodial", "send", "--csv", csv])
        .output()
        .unwrap();
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("3 records have no time window"), "{stderr}");
    assert!(stderr.contains("--yes"), "{stderr}");
    assert!(sim.records().is_empty(), "nothing was sent");

    let out = cli(home.path())
        .args(["autodial", "send", "--csv", csv, "--yes"])
        .output()
        .unwrap();
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stdout.contains("received 3, correct 3, added 3"),
        "{stdout}"
    );
    assert_eq!(sim.cdr().len(), 3, "dialed at once");
}

#[tokio::test(flavor = "multi_thread")]
async fn send_with_a_window_goes_in_batches_and_prints_the_merged_report() {
    let sim = autodialer::start("127.0.0.1:0", AutodialerSimConfig::default())
        .await
        .unwrap();
    let home = tempfile::tempdir().unwrap();
    configure(home.path(), &sim.base_url());
    let csv = home.path().join("list.csv");
    write_csv(&csv, 1200);
    let out = cli(home.path())
        .args(["autodial", "send", "--scenario", "7", "--csv"])
        .arg(&csv)
        .args(["--from", "10:00", "--to", "19:00", "--attempts", "3"])
        .args(["--var", "{name}"])
        .output()
        .unwrap();
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(!stderr.contains("no time window"), "{stderr}");
    assert!(
        stdout.contains("sent 1200 in 2 batches: received 1200, correct 1200, added 1200"),
        "{stdout}"
    );
    let records = sim.records();
    assert_eq!(records.len(), 1200);
    assert_eq!(records[0].generation_type, "7");
    assert_eq!(records[0].max_count.as_deref(), Some("3"));
    assert!(records[0].vars[0].as_deref().unwrap().starts_with("Клиент"));
    assert!(sim.cdr().is_empty(), "they wait for their window");

    let out = cli(home.path())
        .args(["autodial", "send", "--csv"])
        .arg(&csv)
        .args(["--from", "19:00", "--to", "10:00"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(text(&out).1.contains("must start before it ends"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_robot_call_then_its_result_in_history() {
    let sim = autodialer::start("127.0.0.1:0", AutodialerSimConfig::default())
        .await
        .unwrap();
    let home = tempfile::tempdir().unwrap();
    configure(home.path(), &sim.base_url());
    let out = cli(home.path())
        .args(["autodial", "call", "+7 900 111-00-00"])
        .output()
        .unwrap();
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stdout.starts_with("queued a robot call to +7 900 111-00-00"),
        "{stdout}"
    );
    assert!(stderr.contains("no time window"), "{stderr}");
    assert_eq!(sim.records()[0].phone, "89001110000");

    let out = cli(home.path())
        .args(["autodial", "results", "--json"])
        .output()
        .unwrap();
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    let line: Value = serde_json::from_str(stdout.lines().next().unwrap()).unwrap();
    assert_eq!(line["customer"], "+79001110000");
    assert_eq!(line["status"], "ended");
    assert_eq!(line["duration_s"], 12);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_key_and_a_missing_configuration_say_what_to_do() {
    let sim = autodialer::start("127.0.0.1:0", AutodialerSimConfig::default())
        .await
        .unwrap();
    let home = tempfile::tempdir().unwrap();
    let out = cli(home.path())
        .args(["autodial", "results"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(text(&out).1.contains("[autodialer]"), "{}", text(&out).1);

    configure(home.path(), &sim.base_url());
    let out = cli(home.path())
        .env("CALLPOP_AUTODIALER_KEY", "wrong-key")
        .args(["autodial", "results"])
        .output()
        .unwrap();
    let (_, stderr) = text(&out);
    assert!(!out.status.success());
    assert!(stderr.contains("refused the key"), "{stderr}");
    assert!(!stderr.contains("wrong-key"), "{stderr}");
}
