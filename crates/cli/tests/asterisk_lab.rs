//! Callpop against a real Asterisk 22 with real SIP phones (`tests/pbx-lab`): the CLI watches,
//! calls and sets DND over AMI while `sipp` plays the manager's phone (ext 101, 127.0.0.1:5070),
//! the customer answering a click-to-call (the trunk's far end, 127.0.0.1:5080) and customers
//! calling in (127.0.0.1:5090 → 5060).
//!
//! Ignored by default; `scripts/test.sh` runs them after `scripts/pbx-lab.sh` built and started
//! the lab and exported `CALLPOP_PBX_LAB` (the chroot). Without it, or without the lab built
//! there, or without `sipp`, each test prints a loud `SKIPPED: <reason>` on stderr and returns:
//! the lab can be unavailable (the Debian unstable archive moves), and saying so is better than
//! failing the whole suite — but never a silent pass. A lab that is built but cannot start is a
//! failure. Asterisk is started once per test binary (if not already running) and reused; the
//! tests take turns (one phone, one set of ports), and every sipp is killed when its test ends.

use std::io::{BufRead, BufReader, Write};
use std::net::UdpSocket;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

use callpop_core::secrets::Secret;
use callpop_providers::asterisk::frame::AmiMessage;
use callpop_providers::asterisk::{AmiConnection, AmiSettings};
use serde_json::Value;

const LAB_ENV: &str = "CALLPOP_PBX_LAB";
/// The config dir inside the chroot (the lab scripts' default).
const AST_DIR: &str = "/tmp/ast";
const ME: &str = "101";
/// How long any one expected thing may take before the test gives up (not a performance limit).
const PATIENCE: Duration = Duration::from_secs(40);

fn lab_scripts() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/pbx-lab")
}

/// The lab, or why there is none.
struct Lab {
    rootfs: PathBuf,
}

static TURN: Mutex<()> = Mutex::new(());
static STARTED: OnceLock<Result<(), String>> = OnceLock::new();

/// Takes this test's turn with the lab; `None` (after a loud SKIPPED) when there is no lab.
fn lab(test: &str) -> Option<(Lab, MutexGuard<'static, ()>)> {
    let skip = |reason: String| {
        // Straight to stderr, not `eprintln!`: the test harness hides what a passing test prints.
        let _ = writeln!(
            std::io::stderr(),
            "\n########## SKIPPED: {test}: {reason} ##########\n"
        );
        None
    };
    let Some(rootfs) = std::env::var_os(LAB_ENV).filter(|v| !v.is_empty()) else {
        return skip(format!(
            "{LAB_ENV} is not set: the PBX lab was not built (run `export {LAB_ENV}=$(scripts/pbx-lab.sh)` as root; it says why when it cannot)"
        ));
    };
    let rootfs = PathBuf::from(rootfs);
    if !rootfs.join("usr/sbin/asterisk").exists() {
        return skip(format!(
            "no Asterisk in {} (the lab was not built)",
            rootfs.display()
        ));
    }
    if Command::new("sipp").arg("-v").output().is_err() {
        return skip("sipp is not installed (Debian package sip-tester)".into());
    }
    let turn = TURN.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let lab = Lab { rootfs };
    if let Err(problem) = STARTED.get_or_init(|| lab.ensure_running()) {
        panic!("the PBX lab is built but Asterisk does not run: {problem}");
    }
    for port in [5070, 5080, 5090] {
        assert!(
            udp_port_free(port),
            "udp port {port} is taken: a leftover sipp would answer our calls; kill it"
        );
    }
    Some((lab, turn))
}

impl Lab {
    fn script(&self, name: &str) -> Result<(), String> {
        let out = Command::new("sh")
            .arg(lab_scripts().join(name))
            .arg(&self.rootfs)
            .arg(AST_DIR)
            .output()
            .map_err(|e| format!("{name}: {e}"))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(format!(
                "{name} failed: {}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ))
        }
    }

    fn ensure_running(&self) -> Result<(), String> {
        let current = self.config_is_current();
        if ami_up() && current {
            return Ok(());
        }
        if !current {
            // A lab built by an older write-configs.sh (no AstDB `YES` DND, no CDR events):
            // rewrite it, which needs Asterisk stopped.
            if ami_up() {
                self.script("stop-asterisk.sh")?;
            }
            self.script("write-configs.sh")?;
        }
        self.script("start-asterisk.sh")?;
        wait_until("AMI answers after the start", ami_up)
    }

    /// Whether the lab's dialplan carries the `lab-config: N` line write-configs.sh writes now.
    fn config_is_current(&self) -> bool {
        let script =
            std::fs::read_to_string(lab_scripts().join("write-configs.sh")).unwrap_or_default();
        let Some(marker) = script.lines().find(|l| l.starts_with("; lab-config:")) else {
            return true;
        };
        let marker = marker.split(" (").next().unwrap_or(marker);
        std::fs::read_to_string(self.rootfs.join(&AST_DIR[1..]).join("etc/extensions.conf"))
            .is_ok_and(|dialplan| dialplan.contains(marker))
    }

    fn restart_asterisk(&self) {
        self.script("stop-asterisk.sh").unwrap();
        self.script("start-asterisk.sh").unwrap();
        wait_until("AMI answers after the restart", ami_up).unwrap();
    }
}

fn ami_up() -> bool {
    std::net::TcpStream::connect_timeout(&"127.0.0.1:5038".parse().unwrap(), Duration::from_secs(1))
        .is_ok()
}

fn udp_port_free(port: u16) -> bool {
    UdpSocket::bind(("127.0.0.1", port)).is_ok()
}

fn wait_until(what: &str, mut ready: impl FnMut() -> bool) -> Result<(), String> {
    let deadline = Instant::now() + PATIENCE;
    while Instant::now() < deadline {
        if ready() {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Err(format!("gave up waiting: {what}"))
}

/// One AMI action, straight to the lab's Asterisk (test set-up, not the code under test).
fn ami(fields: &[(&str, &str)]) {
    let settings = AmiSettings {
        host: "127.0.0.1".into(),
        port: 5038,
        username: "ci".into(),
        secret: Secret::new("ci-secret"),
        timeout: Duration::from_secs(5),
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let mut session = AmiConnection::open(&settings, false).await.unwrap();
        session
            .request(AmiMessage::new(fields.iter().copied()))
            .await
            .unwrap();
        session.logoff().await;
    });
}

/// A process killed (and reaped) when the test ends, however it ends.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A sipp phone answering on `port` with scenario `scenario` (`-d`: ring time in ms).
fn phone(scenario: &str, port: u16, media_port: u16, ring_ms: u32) -> Running {
    let child = Command::new("sipp")
        .arg("-sf")
        .arg(lab_scripts().join("scenarios").join(scenario))
        .args([
            "-i",
            "127.0.0.1",
            "-p",
            &port.to_string(),
            "-mp",
            &media_port.to_string(),
        ])
        .args(["-d", &ring_ms.to_string(), "-timeout", "300", "-nostdin"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("sipp starts");
    let running = Running(child);
    wait_until(&format!("sipp listens on {port}"), || !udp_port_free(port)).unwrap();
    running
}

/// A customer calling the PBX from `number`: `calls` calls, talking `talk_ms` each when answered.
fn customer_calls(scenario: &str, number: &str, calls: u32, talk_ms: u32) -> Child {
    Command::new("sipp")
        .arg("127.0.0.1:5060")
        .arg("-sf")
        .arg(lab_scripts().join("scenarios").join(scenario))
        .args(["-i", "127.0.0.1", "-p", "5090", "-mp", "16200", "-s", "100"])
        .args(["-key", "caller", number, "-key", "caller_name"])
        .arg(format!("Customer {number}"))
        .args([
            "-m",
            &calls.to_string(),
            "-l",
            "1",
            "-d",
            &talk_ms.to_string(),
        ])
        .args(["-timeout", "120", "-timeout_error", "-nostdin"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("sipp starts")
}

fn customer_calls_and_waits(scenario: &str, number: &str, calls: u32, talk_ms: u32) {
    let status = customer_calls(scenario, number, calls, talk_ms)
        .wait()
        .unwrap();
    assert!(
        status.success(),
        "the customer's sipp ({scenario}, {number}) failed: {status}"
    );
}

/// A temp home with the lab's account configured (AMI user `ci`, my endpoint 101).
fn home() -> tempfile::TempDir {
    home_with("base_url = \"tcp://127.0.0.1:5038\"\n")
}

/// The lab's account over ARI (`http://127.0.0.1:8088`, ari.conf user `ci`).
fn home_ari() -> tempfile::TempDir {
    home_with("base_url = \"http://127.0.0.1:8088\"\nasterisk_interface = \"ari\"\n")
}

/// A temp home with the lab's account, `account_lines` added to its `[account]` table.
fn home_with(account_lines: &str) -> tempfile::TempDir {
    let home = tempfile::tempdir().unwrap();
    std::fs::write(
        home.path().join("config.toml"),
        format!("region = \"RU\"\n\n[account]\nprovider = \"asterisk\"\ndomain = \"127.0.0.1\"\nuser = \"101\"\nlogin = \"ci\"\ntimeout_ms = 5000\n{account_lines}"),
    )
    .unwrap();
    home
}

fn cli(home: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_callpop-cli"));
    command
        .env("CALLPOP_CONFIG", home.join("config.toml"))
        .env("CALLPOP_DATA_DIR", home.join("data"))
        .env("CALLPOP_API_KEY", "ci-secret")
        .env("RUST_LOG", "callpop_providers=info");
    command
}

fn cli_ok(home: &Path, args: &[&str]) -> String {
    let out = cli(home).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "callpop-cli {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// `callpop-cli watch --json`, its cards and its "connected" log lines.
struct Watch {
    _process: Running,
    cards: Receiver<Value>,
    connections: Receiver<()>,
}

impl Watch {
    fn start(home: &Path) -> Watch {
        let mut child = cli(home)
            .args(["watch", "--json"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let (cards_tx, cards) = mpsc::channel();
        let stdout = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let card: Value =
                    serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line}"));
                if cards_tx.send(card).is_err() {
                    break;
                }
            }
        });
        let (connected_tx, connections) = mpsc::channel();
        let stderr = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                eprintln!("watch: {line}");
                // "... the Asterisk manager interface" (AMI) or "... ARI events WebSocket".
                if line.contains("connected to the Asterisk") {
                    let _ = connected_tx.send(());
                }
            }
        });
        let watch = Watch {
            _process: Running(child),
            cards,
            connections,
        };
        watch.connected();
        watch
    }

    /// Waits for the watcher's next log-in (AMI) or WebSocket (ARI).
    fn connected(&self) {
        self.connections
            .recv_timeout(PATIENCE)
            .expect("watch connects to Asterisk");
    }

    /// The next card.
    fn next(&self) -> Value {
        self.cards
            .recv_timeout(PATIENCE)
            .expect("watch shows the next card")
    }

    /// Cards up to and including the first in a final state of `number`'s call.
    fn until_final(&self, number: &str) -> Vec<Value> {
        let mut cards = Vec::new();
        loop {
            let card = self.next();
            let done = card["customer"] == number
                && !matches!(card["state"].as_str(), Some("ringing" | "answered"));
            cards.push(card);
            if done {
                return cards;
            }
        }
    }
}

fn states(cards: &[Value]) -> Vec<&str> {
    cards
        .iter()
        .map(|c| c["state"].as_str().unwrap_or("?"))
        .collect()
}

fn seconds_between(card: &Value, from: &str, to: &str) -> f64 {
    let at = |field: &str| {
        chrono::DateTime::parse_from_rfc3339(
            card[field]
                .as_str()
                .unwrap_or_else(|| panic!("{field} in {card}")),
        )
        .unwrap()
    };
    (at(to) - at(from)).num_milliseconds() as f64 / 1000.0
}

#[test]
#[ignore = "needs the PBX lab (root, Asterisk in a chroot, sipp): run scripts/test.sh"]
fn an_inbound_call_rings_with_the_directory_contact_is_answered_and_ends_with_its_duration() {
    let Some((_lab, _turn)) = lab("inbound call") else {
        return;
    };
    let home = home();
    let csv = home.path().join("contacts.csv");
    std::fs::write(
        &csv,
        "ФИО;Компания;Телефон\nИван Лабов;ООО Лаборатория;0301111111\n",
    )
    .unwrap();
    cli_ok(home.path(), &["import", csv.to_str().unwrap()]);
    let cards = inbound_call_is_one_answered_card(home.path(), "0301111111", "+380301111111");
    let ringing = &cards[0];
    assert_eq!(ringing["contact"]["name"], "Иван Лабов");
    assert_eq!(ringing["contact"]["company"], "ООО Лаборатория");
    assert_eq!(ringing["contact_source"], "directory");
}

/// A customer calls 101 from `number`; 101 answers after 1.5 s and the customer talks 2 s: one
/// card for every leg, ringing → answered → ended, incoming, mine, with that talk time.
fn inbound_call_is_one_answered_card(home: &Path, number: &str, e164: &str) -> Vec<Value> {
    let _manager = phone("uas_ring_answer.xml", 5070, 16000, 1500);
    let watch = Watch::start(home);

    customer_calls_and_waits("uac_customer_call.xml", number, 1, 2000);
    let cards = watch.until_final(e164);
    assert_eq!(
        states(&cards),
        ["ringing", "answered", "ended"],
        "{cards:#?}"
    );
    let ids: std::collections::HashSet<&str> = cards
        .iter()
        .map(|c| c["call_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 1, "one card for all legs: {cards:#?}");
    assert_eq!(cards[0]["direction"], "in");
    assert_eq!(cards[0]["employee"], ME);
    // The customer talks 2 s (sipp -d 2000) after 101 answers.
    let talk = seconds_between(&cards[2], "answered_at", "ended_at");
    assert!(
        (1.5..6.0).contains(&talk),
        "talked {talk} s, the customer talked 2 s"
    );
    cards
}

/// `callpop-cli call NUMBER`: 101 rings, then the customer's phone (5080) answers: one card,
/// outgoing, mine, under the id `call` printed, ringing → answered → ended.
fn click_to_call_is_one_outgoing_card(home: &tempfile::TempDir, number: &str, e164: &str) {
    let _manager = phone("uas_ring_answer.xml", 5070, 16000, 1000);
    let _customer = phone("uas_ring_answer.xml", 5080, 16100, 1000);
    let watch = Watch::start(home.path());
    let said = cli_ok(home.path(), &["call", number]);
    let call_id = said
        .split("(call ")
        .nth(1)
        .and_then(|rest| rest.strip_suffix(')'))
        .unwrap_or_else(|| panic!("callpop-cli call says the call id: {said}"))
        .to_owned();
    // The lab's dialplan hangs up 3 s after the customer answers (Dial option S(3)).
    let cards = watch.until_final(e164);
    assert_eq!(
        states(&cards),
        ["ringing", "answered", "ended"],
        "{cards:#?}"
    );
    for card in &cards {
        assert_eq!(
            card["call_id"],
            call_id.as_str(),
            "the id `call` printed is the card's"
        );
        assert_eq!(card["direction"], "out");
        assert_eq!(card["employee"], ME);
    }
    // "answered" comes from Dial's ANSWER to the trunk: the customer's phone (5080) picked up.
}

#[test]
#[ignore = "needs the PBX lab (root, Asterisk in a chroot, sipp): run scripts/test.sh"]
fn a_call_nobody_answers_is_missed() {
    let Some((_lab, _turn)) = lab("missed call") else {
        return;
    };
    let home = home();
    let _manager = phone("uas_ring_noanswer.xml", 5070, 16000, 0);
    let watch = Watch::start(home.path());
    ami(&[
        ("Action", "Setvar"),
        ("Variable", "RING_TIMEOUT"),
        ("Value", "2"),
    ]);
    customer_calls_and_waits("uac_customer_call.xml", "0304444444", 1, 500);
    ami(&[
        ("Action", "Setvar"),
        ("Variable", "RING_TIMEOUT"),
        ("Value", "15"),
    ]);
    let cards = watch.until_final("+380304444444");
    assert_eq!(states(&cards), ["ringing", "missed"], "{cards:#?}");
}

#[test]
#[ignore = "needs the PBX lab (root, Asterisk in a chroot, sipp): run scripts/test.sh"]
fn a_caller_hanging_up_while_it_rings_is_cancelled() {
    let Some((_lab, _turn)) = lab("abandoned call") else {
        return;
    };
    let home = home();
    let _manager = phone("uas_ring_noanswer.xml", 5070, 16000, 0);
    let watch = Watch::start(home.path());
    customer_calls_and_waits("uac_customer_abandon.xml", "0306666666", 1, 1500);
    let cards = watch.until_final("+380306666666");
    assert_eq!(states(&cards), ["ringing", "cancelled"], "{cards:#?}");
}

#[test]
#[ignore = "needs the PBX lab (root, Asterisk in a chroot, sipp): run scripts/test.sh"]
fn click_to_call_from_the_cli_rings_101_then_reaches_the_customer() {
    let Some((_lab, _turn)) = lab("click-to-call") else {
        return;
    };
    click_to_call_is_one_outgoing_card(&home(), "0302222222", "+380302222222");
    // "answered" comes from Dial's ANSWER to the trunk: the customer's phone (5080) picked up.
}

#[test]
#[ignore = "needs the PBX lab (root, Asterisk in a chroot, sipp): run scripts/test.sh"]
fn dnd_on_from_the_cli_makes_the_next_call_busy_without_a_card_and_off_restores_it() {
    let Some((_lab, _turn)) = lab("DND") else {
        return;
    };
    let home = home();
    let _manager = phone("uas_ring_answer.xml", 5070, 16000, 500);
    let watch = Watch::start(home.path());
    struct DndOff<'a>(&'a Path);
    impl Drop for DndOff<'_> {
        fn drop(&mut self) {
            // Presence lives in Asterisk's database: never leave the lab in DND for other tests.
            let _ = cli(self.0).args(["dnd", "off"]).output();
        }
    }
    let _restore = DndOff(home.path());
    assert_eq!(cli_ok(home.path(), &["dnd", "on"]), "on");
    assert_eq!(cli_ok(home.path(), &["dnd", "status"]), "on");
    customer_calls_and_waits("uac_customer_call.xml", "0303333333", 1, 500);
    assert_eq!(cli_ok(home.path(), &["dnd", "off"]), "off");
    customer_calls_and_waits("uac_customer_call.xml", "0303333334", 1, 200);
    // Cards come in order: the first one is the call after DND went off.
    let cards = watch.until_final("+380303333334");
    assert!(
        cards.iter().all(|c| c["customer"] != "+380303333333"),
        "no card for the call refused in DND: {cards:#?}"
    );
    assert_eq!(
        states(&cards),
        ["ringing", "answered", "ended"],
        "{cards:#?}"
    );
}

#[test]
#[ignore = "needs the PBX lab (root, Asterisk in a chroot, sipp): run scripts/test.sh"]
fn ten_calls_in_a_row_make_ten_cards_none_lost_none_doubled() {
    let Some((_lab, _turn)) = lab("10 calls") else {
        return;
    };
    let home = home();
    let _manager = phone("uas_ring_answer.xml", 5070, 16000, 100);
    let watch = Watch::start(home.path());
    customer_calls_and_waits("uac_customer_call.xml", "0305555555", 10, 100);
    // A last call from another number marks the end: cards come in order.
    customer_calls_and_waits("uac_customer_call.xml", "0305555556", 1, 100);
    let cards = watch.until_final("+380305555556");
    let mut by_call: std::collections::BTreeMap<String, Vec<&str>> = Default::default();
    for card in cards.iter().filter(|c| c["customer"] == "+380305555555") {
        by_call
            .entry(card["call_id"].as_str().unwrap().to_owned())
            .or_default()
            .push(card["state"].as_str().unwrap());
    }
    assert_eq!(by_call.len(), 10, "ten calls, ten cards: {by_call:#?}");
    for (call, states) in &by_call {
        assert_eq!(states, &["ringing", "answered", "ended"], "call {call}");
    }
}

#[test]
#[ignore = "needs the PBX lab (root, Asterisk in a chroot, sipp): run scripts/test.sh"]
fn a_restart_of_asterisk_mid_call_is_survived() {
    let Some((lab, _turn)) = lab("Asterisk restart") else {
        return;
    };
    let home = home();
    let _manager = phone("uas_ring_answer.xml", 5070, 16000, 500);
    let watch = Watch::start(home.path());
    let _cut_call = Running(customer_calls(
        "uac_customer_call.xml",
        "0307777777",
        1,
        60_000,
    ));
    let mut cards = vec![watch.next(), watch.next()];
    assert_eq!(states(&cards), ["ringing", "answered"], "{cards:#?}");

    lab.restart_asterisk();
    watch.connected();
    // The call died with Asterisk: its card is closed rather than left "answered" forever.
    cards = watch.until_final("+380307777777");
    assert_eq!(states(&cards), ["ended"], "{cards:#?}");
    drop(_cut_call);

    customer_calls_and_waits("uac_customer_call.xml", "0307777778", 1, 200);
    let cards = watch.until_final("+380307777778");
    assert_eq!(
        states(&cards),
        ["ringing", "answered", "ended"],
        "{cards:#?}"
    );
}

#[test]
#[ignore = "needs the PBX lab (root, Asterisk in a chroot, sipp): run scripts/test.sh"]
fn over_ari_an_inbound_call_rings_is_answered_and_ends_as_one_card() {
    let Some((_lab, _turn)) = lab("inbound call over ARI") else {
        return;
    };
    inbound_call_is_one_answered_card(home_ari().path(), "0301111112", "+380301111112");
}

#[test]
#[ignore = "needs the PBX lab (root, Asterisk in a chroot, sipp): run scripts/test.sh"]
fn over_ari_click_to_call_rings_101_then_reaches_the_customer() {
    let Some((_lab, _turn)) = lab("click-to-call over ARI") else {
        return;
    };
    click_to_call_is_one_outgoing_card(&home_ari(), "0302222223", "+380302222223");
}

#[test]
#[ignore = "needs the PBX lab (root, Asterisk in a chroot, sipp): run scripts/test.sh"]
fn dnd_in_freepbx_astdb_makes_the_next_call_busy_without_a_card_and_off_restores_it() {
    let Some((_lab, _turn)) = lab("DND via AstDB") else {
        return;
    };
    let home = home_with("base_url = \"tcp://127.0.0.1:5038\"\ndnd_via = \"astdb\"\n");
    let _manager = phone("uas_ring_answer.xml", 5070, 16000, 500);
    let watch = Watch::start(home.path());
    struct DndOff<'a>(&'a Path);
    impl Drop for DndOff<'_> {
        fn drop(&mut self) {
            // AstDB persists: never leave the lab in DND for other tests.
            let _ = cli(self.0).args(["dnd", "off"]).output();
        }
    }
    let _restore = DndOff(home.path());
    assert_eq!(cli_ok(home.path(), &["dnd", "status"]), "off");
    assert_eq!(cli_ok(home.path(), &["dnd", "on"]), "on");
    assert_eq!(cli_ok(home.path(), &["dnd", "status"]), "on");
    // The lab's dialplan reads FreePBX's key: `DB(DND/101)` = `YES` answers Busy.
    customer_calls_and_waits("uac_customer_call.xml", "0303333335", 1, 500);
    assert_eq!(cli_ok(home.path(), &["dnd", "off"]), "off");
    assert_eq!(cli_ok(home.path(), &["dnd", "status"]), "off");
    // Off twice is still off (the key is already gone).
    assert_eq!(cli_ok(home.path(), &["dnd", "off"]), "off");
    customer_calls_and_waits("uac_customer_call.xml", "0303333336", 1, 200);
    let cards = watch.until_final("+380303333336");
    assert!(
        cards.iter().all(|c| c["customer"] != "+380303333335"),
        "no card for the call refused in DND: {cards:#?}"
    );
    assert_eq!(
        states(&cards),
        ["ringing", "answered", "ended"],
        "{cards:#?}"
    );
}

#[test]
#[ignore = "needs the PBX lab (root, Asterisk in a chroot, sipp): run scripts/test.sh"]
fn dnd_set_at_the_pbx_by_another_program_reaches_the_account_s_dnd_changes() {
    use callpop_core::AccountConfig;
    use callpop_providers::Account;

    let Some((_lab, _turn)) = lab("DND followed") else {
        return;
    };
    struct PresenceAvailable;
    impl Drop for PresenceAvailable {
        fn drop(&mut self) {
            ami(&[
                ("Action", "Setvar"),
                ("Variable", "PRESENCE_STATE(CustomPresence:101)"),
                ("Value", "available"),
            ]);
        }
    }
    let _restore = PresenceAvailable;
    let set_presence = |value: &'static str| {
        // From a thread: `ami` runs its own runtime.
        std::thread::spawn(move || {
            ami(&[
                ("Action", "Setvar"),
                ("Variable", "PRESENCE_STATE(CustomPresence:101)"),
                ("Value", value),
            ])
        })
        .join()
        .unwrap();
    };
    let mut config = AccountConfig::new("asterisk", "127.0.0.1");
    config.base_url = Some("tcp://127.0.0.1:5038".into());
    config.login = Some("ci".into());
    config.user = Some(ME.into());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let (events, _calls) = tokio::sync::mpsc::channel(16);
        let shutdown = tokio_util::sync::CancellationToken::new();
        let account = Account::start(
            &config,
            &Secret::new("ci-secret"),
            "RU",
            events,
            shutdown.clone(),
        )
        .await
        .unwrap();
        let mut dnd = account
            .dnd_changes()
            .expect("AMI with presence DND announces DND changes");
        // The watcher logs in on its own: set DND until it has heard it once.
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            set_presence("dnd,,Do not disturb");
            let heard = tokio::time::timeout(Duration::from_secs(1), dnd.wait_for(|on| *on)).await;
            if heard.is_ok() {
                break;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "no PresenceStateChange reached dnd_changes()"
            );
        }
        set_presence("available");
        tokio::time::timeout(PATIENCE, dnd.wait_for(|on| !*on))
            .await
            .expect("DND off at the PBX reaches dnd_changes()")
            .unwrap();
        assert!(!account.dnd().await.unwrap(), "read back: off");
        shutdown.cancel();
    });
}

#[test]
#[ignore = "needs the PBX lab (root, Asterisk in a chroot, sipp): run scripts/test.sh"]
fn a_finished_call_is_saved_to_history_from_the_pbx_cdr() {
    let Some((_lab, _turn)) = lab("CDR to history") else {
        return;
    };
    let home = home();
    let _manager = phone("uas_ring_answer.xml", 5070, 16000, 500);
    let watch = Watch::start(home.path());
    customer_calls_and_waits("uac_customer_call.xml", "0308888888", 1, 2000);
    let cards = watch.until_final("+380308888888");
    let call_id = cards[0]["call_id"].as_str().unwrap().to_owned();
    let store = callpop_core::Store::open(&home.path().join("data/callpop.sqlite3"), "RU").unwrap();
    let number = callpop_core::PhoneNumber::parse("0308888888", "RU");
    // Only the CDR knows the billable seconds; the live events leave them empty.
    let mut saved = None;
    wait_until("the CDR is saved to history", || {
        saved = store
            .calls_with(&number, 5)
            .unwrap()
            .into_iter()
            .find(|c| c.call_id == call_id && c.talk_seconds.is_some());
        saved.is_some()
    })
    .unwrap();
    let saved = saved.unwrap();
    assert_eq!(saved.provider, "asterisk");
    assert_eq!(saved.state, callpop_core::CallState::Ended);
    assert_eq!(saved.answered_by.as_deref(), Some(ME));
    let talk = saved.talk_seconds.unwrap();
    assert!((1..=5).contains(&talk), "billable {talk} s, talked 2 s");
}

#[test]
#[ignore = "needs the PBX lab (root, Asterisk in a chroot, sipp): run scripts/test.sh"]
fn over_ari_a_restart_of_asterisk_mid_call_is_survived() {
    let Some((lab, _turn)) = lab("Asterisk restart over ARI") else {
        return;
    };
    let home = home_ari();
    let _manager = phone("uas_ring_answer.xml", 5070, 16000, 500);
    let watch = Watch::start(home.path());
    let _cut_call = Running(customer_calls(
        "uac_customer_call.xml",
        "0307777779",
        1,
        60_000,
    ));
    let cards = vec![watch.next(), watch.next()];
    assert_eq!(states(&cards), ["ringing", "answered"], "{cards:#?}");

    lab.restart_asterisk();
    watch.connected();
    // The WebSocket is back; `GET /channels` no longer lists the call: its card is closed.
    let cards = watch.until_final("+380307777779");
    assert_eq!(states(&cards), ["ended"], "{cards:#?}");
    drop(_cut_call);

    customer_calls_and_waits("uac_customer_call.xml", "0307777780", 1, 200);
    let cards = watch.until_final("+380307777780");
    assert_eq!(
        states(&cards),
        ["ringing", "answered", "ended"],
        "{cards:#?}"
    );
}
