//! `callpop-cli contacts sync` as a user runs it: the real binary, a real SQLite file, the Vega
//! simulator's CRM Teler on 127.0.0.1.

use std::path::Path;
use std::process::{Command, Output};

use callpop_sim::vega::{VegaSim, VegaSimConfig};
use serde_json::Value;

const DOMAIN: &str = "cli-crm.pbx.vega.ua";
const KEY: &str = "cli-crm-key-5a4b3c";

fn cli(home: &Path, base_url: &str) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_callpop-cli"));
    command
        .env("CALLPOP_CONFIG", home.join("config.toml"))
        .env("CALLPOP_DATA_DIR", home.join("data"))
        .env("CALLPOP_API_KEY", KEY)
        .env("RUST_LOG", "warn")
        .args([
            "--provider",
            "vega",
            "--base-url",
            base_url,
            "--domain",
            DOMAIN,
        ]);
    command
}

fn run(command: &mut Command) -> Output {
    command.output().expect("callpop-cli runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn contacts_sync_fills_the_directory_then_only_fetches_changes() {
    let sim = VegaSim::start("127.0.0.1:0", VegaSimConfig::new(DOMAIN, KEY))
        .await
        .unwrap();
    let home = tempfile::tempdir().unwrap();
    let base = sim.base_url();

    let out = run(cli(home.path(), &base).args(["contacts", "sync"]));
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("fetched 5 contacts (all): 4 added"),
        "{stdout}"
    );
    assert!(
        stdout.contains("skipped contact 85494: no field holds a phone number"),
        "{stdout}"
    );
    assert!(!stdout.contains(KEY) && !text(&out.stderr).contains(KEY));

    let out = run(cli(home.path(), &base).args(["lookup", "+7 910 123 45 67", "--json"]));
    assert!(out.status.success(), "{}", text(&out.stderr));
    let contact: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(contact["name"], "Иван Петров");

    assert!(sim.crm().set_field(85491, "Компанія", "Online company 2"));
    let out = run(cli(home.path(), &base).args(["contacts", "sync", "--json"]));
    assert!(out.status.success(), "{}", text(&out.stderr));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["fetched"], 2, "{report}");
    assert_eq!(report["added"], 0);
    assert_eq!(report["updated"], 1);
    assert!(report["since"].is_string());

    let out = run(cli(home.path(), &base).args(["contacts", "sync", "--full", "--json"]));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["fetched"], 5);
    assert_eq!(report["added"], 0);
    assert!(report["since"].is_null());
}
