//! DND and department subscriptions from the command line, against the cloud PBX simulator.

use std::path::Path;
use std::process::{Command, Output};

use callpop_sim::cloudpbx::{self, CloudPbxSimConfig};
use serde_json::Value;

fn cli(home: &Path, base_url: &str, provider: &str) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_callpop-cli"));
    command
        .env("CALLPOP_CONFIG", home.join("config.toml"))
        .env("CALLPOP_DATA_DIR", home.join("data"))
        .env("CALLPOP_API_KEY", "test-token")
        .args([
            "--provider",
            provider,
            "--base-url",
            base_url,
            "--domain",
            "pbx.example.com",
        ])
        .args(["--user", "andy"]);
    command
}

fn stdout(out: &Output) -> String {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn dnd_is_set_and_read_back_from_the_pbx() {
    let sim = cloudpbx::start("127.0.0.1:0", CloudPbxSimConfig::default())
        .await
        .unwrap();
    let home = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        cli(home.path(), &sim.base_url(), "cloudpbx")
            .args(args)
            .output()
            .unwrap()
    };
    assert_eq!(stdout(&run(&["dnd", "status"])), "off");
    assert_eq!(stdout(&run(&["dnd", "on"])), "on");
    assert!(sim.dnd("andy"), "the PBX has it");
    assert_eq!(stdout(&run(&["dnd", "status"])), "on");
    assert_eq!(stdout(&run(&["dnd", "off"])), "off");
    assert!(!sim.dnd("andy"));
}

#[tokio::test(flavor = "multi_thread")]
async fn groups_list_my_subscriptions_and_subscribe_changes_them() {
    let sim = cloudpbx::start("127.0.0.1:0", CloudPbxSimConfig::default())
        .await
        .unwrap();
    let home = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        cli(home.path(), &sim.base_url(), "cloudpbx")
            .args(args)
            .output()
            .unwrap()
    };
    let sales = |text: String| -> Value {
        text.lines()
            .map(|line| serde_json::from_str::<Value>(line).unwrap())
            .find(|group| group["id"] == "sales")
            .expect("the sales department is listed")
    };
    let before = sales(stdout(&run(&["groups", "--json"])));
    assert_eq!(before["name"], "Отдел продаж");

    assert_eq!(
        stdout(&run(&["subscribe", "sales", "off"])),
        "sales: not receiving calls"
    );
    assert_eq!(
        sales(stdout(&run(&["groups", "--json"])))["subscribed"],
        false
    );
    assert_eq!(
        stdout(&run(&["subscribe", "sales", "on"])),
        "sales: receiving calls"
    );
    assert_eq!(
        sales(stdout(&run(&["groups", "--json"])))["subscribed"],
        true
    );
}

#[test]
fn a_provider_without_dnd_says_so_plainly() {
    let home = tempfile::tempdir().unwrap();
    let out = cli(home.path(), "http://127.0.0.1:9", "vega")
        .args(["dnd", "on"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("does not offer"), "{stderr}");
}
