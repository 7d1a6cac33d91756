//! `callpop-cli history`, `hangup` and `users` as a user runs them: the real binary against the
//! Vega simulator on 127.0.0.1.

use std::path::Path;
use std::process::{Command, Output};
use std::time::{SystemTime, UNIX_EPOCH};

use callpop_sim::vega::{FinishedCall, Scenario, VegaSim, VegaSimConfig, VegaSimHandle};
use serde_json::Value;

const DOMAIN: &str = "cli-test.pbx.vega.ua";
const KEY: &str = "cli-test-key";
/// 2024-05-01T09:00:00Z, in ms.
const MAY_1_0900: u64 = 1_714_554_000_000;

/// The CLI with its config and data in `home`, pointed at the simulator.
fn cli(home: &Path, sim: &VegaSimHandle) -> Command {
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
            &sim.base_url(),
            "--domain",
            DOMAIN,
            "--user",
            "001",
        ]);
    command
}

fn run(command: &mut Command) -> Output {
    command.output().expect("callpop-cli runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn json_lines(out: &Output) -> Vec<Value> {
    text(&out.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{line:?}: {e}")))
        .collect()
}

async fn start() -> VegaSimHandle {
    VegaSim::start("127.0.0.1:0", VegaSimConfig::new(DOMAIN, KEY))
        .await
        .unwrap()
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
}

fn finished(uuid: &str, end_at_ms: u64, customer: &str, disposition: u8) -> FinishedCall {
    FinishedCall {
        uuid: uuid.to_owned(),
        parent_uuid: None,
        end_at_ms,
        lg_direction: 4,
        customer: Some(customer.to_owned()),
        customer_name: None,
        employee: "001".to_owned(),
        employee2: None,
        bill_secs: if disposition == 0 { 30 } else { 0 },
        duration_secs: 40,
        disposition,
        transfer_history: (disposition == 0).then(|| "003 > 001".to_owned()),
        recorded: disposition == 0,
        trunk: Some("+380442246595".to_owned()),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn history_json_prints_one_object_per_call_of_the_last_day() {
    let sim = start().await;
    let hour = 3_600_000;
    let now = now_ms();
    sim.add_history(vec![
        finished("too-old", now - 30 * hour, "+380442246595", 0),
        finished("answered", now - 2 * hour, "+380442246595", 0),
        finished("missed", now - hour, "+380501111111", 1),
    ])
    .unwrap();
    let home = tempfile::tempdir().unwrap();
    let out = run(cli(home.path(), &sim).args(["history", "--json"]));
    assert!(out.status.success(), "{}", text(&out.stderr));
    let calls = json_lines(&out);
    assert_eq!(calls.len(), 2, "{calls:?}");
    let answered = &calls[0];
    assert_eq!(answered["call_id"], "answered");
    assert_eq!(answered["direction"], "in");
    assert_eq!(answered["status"], "ended");
    assert_eq!(answered["customer"], "+380442246595");
    assert_eq!(answered["employee"], "001");
    assert_eq!(answered["answered_by"], "001");
    assert_eq!(answered["transfer"], "003 > 001");
    assert_eq!(answered["duration_s"], 40);
    assert_eq!(answered["talk_s"], 30);
    assert_eq!(
        answered["recording"],
        format!("{}/rest/public/calls/answered/audio", sim.base_url()).as_str()
    );
    let started = answered["started_at"].as_str().unwrap();
    assert!(started.ends_with('Z') && started.contains('T'), "{started}");
    let missed = &calls[1];
    assert_eq!(missed["status"], "missed");
    assert_eq!(missed["talk_s"], 0);
    assert_eq!(missed["recording"], Value::Null);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_department_call_is_one_object_answered_by_the_colleague_who_took_it() {
    let sim = start().await;
    let now = now_ms();
    // 001 rang and did not answer; 004 answered: two legs of one call (B.5, `parentUuid`).
    let mut unanswered = finished("leg-001", now - 60_000, "+380442246595", 1);
    unanswered.parent_uuid = Some("dept-call".to_owned());
    unanswered.duration_secs = 15;
    let mut taken = finished("leg-004", now - 10_000, "+380442246595", 0);
    taken.parent_uuid = Some("dept-call".to_owned());
    taken.employee = "004".to_owned();
    taken.transfer_history = None;
    sim.add_history(vec![unanswered, taken]).unwrap();
    let home = tempfile::tempdir().unwrap();
    let out = run(cli(home.path(), &sim).args(["history", "--json"]));
    assert!(out.status.success(), "{}", text(&out.stderr));
    let calls = json_lines(&out);
    assert_eq!(calls.len(), 1, "one call, one object: {calls:#?}");
    let call = &calls[0];
    assert_eq!(call["call_id"], "dept-call");
    assert_eq!(call["status"], "ended");
    assert_eq!(call["outcome"], "answered");
    assert_eq!(call["answered_by"], "004");
    assert_eq!(call["rang"], serde_json::json!(["001", "004"]));
    assert_eq!(call["talk_s"], 30);

    // Not a call to return: `--missed` leaves it out, and the local history keeps it answered.
    let out = run(cli(home.path(), &sim).args(["history", "--missed", "--json"]));
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(json_lines(&out), Vec::<Value>::new());
    let store = callpop_core::Store::open(&home.path().join("data/callpop.sqlite3"), "UA").unwrap();
    let kept = store.recent_calls(10).unwrap();
    assert_eq!(kept.len(), 1, "{kept:#?}");
    assert_eq!(kept[0].answered_by.as_deref(), Some("004"));
    assert_eq!(kept[0].outcome, Some(callpop_core::Outcome::Answered));
}

#[tokio::test(flavor = "multi_thread")]
async fn history_keeps_why_an_outgoing_call_was_not_answered() {
    let sim = start().await;
    let now = now_ms();
    let outgoing = |uuid: &str, disposition: u8| {
        let mut call = finished(uuid, now - 60_000, "+380442246595", disposition);
        call.lg_direction = 2;
        call
    };
    sim.add_history(vec![
        outgoing("no-answer", 1),
        outgoing("busy", 4),
        outgoing("error", 3),
    ])
    .unwrap();
    let home = tempfile::tempdir().unwrap();
    let out = run(cli(home.path(), &sim).args(["history", "--json"]));
    assert!(out.status.success(), "{}", text(&out.stderr));
    let outcomes: Vec<(String, String)> = json_lines(&out)
        .iter()
        .map(|c| {
            (
                c["call_id"].as_str().unwrap().to_owned(),
                c["outcome"].as_str().unwrap_or("null").to_owned(),
            )
        })
        .collect();
    let mut outcomes = outcomes;
    outcomes.sort();
    assert_eq!(
        outcomes,
        [
            ("busy".to_owned(), "busy".to_owned()),
            ("error".to_owned(), "failed".to_owned()),
            ("no-answer".to_owned(), "no_answer".to_owned()),
        ]
    );
    let out = run(cli(home.path(), &sim).args(["history"]));
    let said = text(&out.stdout);
    assert!(
        said.contains(" busy ") && said.contains(" failed ") && said.contains(" no_answer "),
        "{said}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn history_takes_whole_days_and_missed_lists_only_calls_to_return() {
    let sim = start().await;
    let day = 24 * 3_600_000;
    sim.add_history(vec![
        finished("may-1-missed", MAY_1_0900, "+380442246595", 1),
        finished("may-1-answered", MAY_1_0900 + 60_000, "+380501111111", 0),
        finished("may-2", MAY_1_0900 + day, "+380672222222", 1),
    ])
    .unwrap();
    let home = tempfile::tempdir().unwrap();
    let out = run(cli(home.path(), &sim).args([
        "history",
        "--since",
        "2024-05-01",
        "--until",
        "2024-05-01",
        "--json",
    ]));
    assert!(out.status.success(), "{}", text(&out.stderr));
    let ids: Vec<String> = json_lines(&out)
        .iter()
        .map(|c| c["call_id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids, ["may-1-missed", "may-1-answered"]);

    let out = run(cli(home.path(), &sim).args([
        "history",
        "--since",
        "2024-05-01T00:00:00+03:00",
        "--until",
        "2024-05-03",
        "--missed",
        "--json",
    ]));
    assert!(out.status.success(), "{}", text(&out.stderr));
    let ids: Vec<String> = json_lines(&out)
        .iter()
        .map(|c| c["call_id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids, ["may-1-missed", "may-2"]);

    // Text: one readable line per call.
    let out = run(cli(home.path(), &sim).args([
        "history",
        "--since",
        "2024-05-01",
        "--until",
        "2024-05-01",
    ]));
    let stdout = text(&out.stdout);
    assert_eq!(stdout.lines().count(), 2, "{stdout}");
    assert!(
        stdout.contains("missed") && stdout.contains("[recorded]"),
        "{stdout}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn history_with_a_bad_date_or_a_reversed_period_says_what_is_wrong() {
    let sim = start().await;
    let home = tempfile::tempdir().unwrap();
    let out = run(cli(home.path(), &sim).args(["history", "--since", "yesterday"]));
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("is not a date"),
        "{}",
        text(&out.stderr)
    );
    let out = run(cli(home.path(), &sim).args([
        "history",
        "--since",
        "2024-05-02",
        "--until",
        "2024-04-30",
    ]));
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("after it ends"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(sim.stats().history_requests, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn hangup_ends_the_call_and_an_unknown_call_is_the_pbx_s_error() {
    let sim = start().await;
    let uuid = sim
        .play(Scenario::AnsweredIncoming {
            customer: "+380442246595".into(),
            employee: "001".into(),
            ring_secs: 60.0,
            talk_secs: 60.0,
            pbx_contacts: vec![],
        })
        .unwrap()
        .remove(0);
    let home = tempfile::tempdir().unwrap();
    let out = run(cli(home.path(), &sim).args(["hangup", &uuid]));
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains(&format!("hung up call {uuid}")),
        "{}",
        text(&out.stdout)
    );
    assert_eq!(sim.stats().hangups, 1);
    assert_eq!(sim.history()[0].uuid, uuid);

    let out = run(cli(home.path(), &sim).args(["hangup", "0123456789abcdef"]));
    assert!(!out.status.success());
    let stderr = text(&out.stderr);
    assert!(stderr.contains("HTTP 404"), "{stderr}");
    assert!(!stderr.contains(KEY), "{stderr}");
}

#[tokio::test(flavor = "multi_thread")]
async fn users_json_lists_the_employees_with_emails() {
    let sim = start().await;
    let home = tempfile::tempdir().unwrap();
    let out = run(cli(home.path(), &sim).args(["users", "--json"]));
    assert!(out.status.success(), "{}", text(&out.stderr));
    let users = json_lines(&out);
    assert_eq!(users.len(), 4);
    assert_eq!(
        users[0],
        serde_json::json!({"id": "36", "name": "Іван Іванов", "ext": "001", "email": "ivan.ivanov@pbx.vega.ua"})
    );
    let out = run(cli(home.path(), &sim).arg("users"));
    assert!(
        text(&out.stdout).contains("petro.petrov@pbx.vega.ua"),
        "{}",
        text(&out.stdout)
    );
}
