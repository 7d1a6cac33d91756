//! The PBX lab (`tests/pbx-lab`: a real Asterisk 22 in a chroot, `sipp` phones) for tests that
//! drive the real app against it. `scripts/test.sh` builds and starts the lab and exports
//! `CALLPOP_PBX_LAB`; without it (or without `sipp`) [`lab`] prints a loud `SKIPPED: <reason>`
//! and the test returns — never a silent pass. The lab's phones: ext 101 = a sipp UAS on
//! 127.0.0.1:5070; customers call in from 127.0.0.1:5090 to Asterisk on 5060.

use std::io::Write;
use std::net::UdpSocket;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Where `scripts/pbx-lab.sh` says the lab's chroot is.
pub const LAB_ENV: &str = "CALLPOP_PBX_LAB";
/// How long any one expected thing may take before a test gives up (not a performance limit).
pub const PATIENCE: Duration = Duration::from_secs(40);

/// One test at a time: one desk phone, one set of ports.
static TURN: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// The lab's scripts and sipp scenarios.
pub fn lab_scripts() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("pbx-lab")
}

/// This test's turn with the lab (one phone, one set of ports), or `None` after a loud SKIPPED
/// when there is no lab. Asterisk must be running (scripts/pbx-lab.sh started it).
pub async fn lab(test: &str) -> Option<tokio::sync::MutexGuard<'static, ()>> {
    let skip = |reason: String| {
        // Straight to stderr: the test harness hides what a passing test prints.
        let _ = writeln!(
            std::io::stderr(),
            "\n########## SKIPPED: {test}: {reason} ##########\n"
        );
        None
    };
    if std::env::var_os(LAB_ENV).is_none_or(|v| v.is_empty()) {
        return skip(format!(
            "{LAB_ENV} is not set: the PBX lab was not built (run `export {LAB_ENV}=$(scripts/pbx-lab.sh)` as root; it says why when it cannot)"
        ));
    }
    if Command::new("sipp").arg("-v").output().is_err() {
        return skip("sipp is not installed (Debian package sip-tester)".into());
    }
    let turn = TURN.lock().await;
    if !ami_up() {
        // Built but stopped (another test binary restarted it, or it was never started here):
        // the same idempotent script CI uses starts it.
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/pbx-lab.sh");
        let _ = Command::new("sh")
            .arg(script)
            .stdout(Stdio::null())
            .status();
    }
    assert!(
        ami_up(),
        "the PBX lab is built but its Asterisk does not answer on 127.0.0.1:5038"
    );
    for port in [5070, 5090] {
        assert!(
            udp_port_free(port),
            "udp port {port} is taken: a leftover sipp would answer our calls; kill it"
        );
    }
    Some(turn)
}

/// True when the lab's AMI accepts a connection.
pub fn ami_up() -> bool {
    std::net::TcpStream::connect_timeout(&"127.0.0.1:5038".parse().unwrap(), Duration::from_secs(1))
        .is_ok()
}

fn udp_port_free(port: u16) -> bool {
    UdpSocket::bind(("127.0.0.1", port)).is_ok()
}

/// A process killed (and reaped) when the test ends, however it ends.
pub struct Running(pub Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The manager's desk phone, ext 101: rings `ring_ms`, then answers.
pub fn desk_phone_answering_after(ring_ms: u32) -> Running {
    let child = Command::new("sipp")
        .arg("-sf")
        .arg(lab_scripts().join("scenarios/uas_ring_answer.xml"))
        .args(["-i", "127.0.0.1", "-p", "5070", "-mp", "16000"])
        .args(["-d", &ring_ms.to_string(), "-timeout", "300", "-nostdin"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("sipp starts");
    let running = Running(child);
    let deadline = Instant::now() + PATIENCE;
    while udp_port_free(5070) {
        assert!(Instant::now() < deadline, "sipp never listened on 5070");
        std::thread::sleep(Duration::from_millis(50));
    }
    running
}

/// Customers calling 101 from `number`, `calls` calls one after another, each talking
/// `talk_ms` once answered; `message_log`: where sipp writes every message with its time.
pub fn customer_calls(number: &str, calls: u32, talk_ms: u32, message_log: Option<&Path>) -> Child {
    let mut command = Command::new("sipp");
    command
        .arg("127.0.0.1:5060")
        .arg("-sf")
        .arg(lab_scripts().join("scenarios/uac_customer_call.xml"))
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
        .args(["-timeout", "300", "-timeout_error", "-nostdin"]);
    if let Some(log) = message_log {
        command.arg("-trace_msg").arg("-message_file").arg(log);
    }
    command
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("sipp starts")
}

/// When sipp sent each INVITE, in seconds since the epoch, from its `-trace_msg` log.
pub fn invite_times(message_log: &Path) -> Vec<f64> {
    let text = std::fs::read_to_string(message_log).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    let mut stamp = None;
    let mut times = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        // "----------------------------------------------- 2026-12-01 23:06:06.989311"
        if let Some(rest) = line.strip_prefix("----------") {
            let when = rest.trim_start_matches('-').trim();
            stamp = chrono::NaiveDateTime::parse_from_str(when, "%Y-%m-%d %H:%M:%S%.f")
                .ok()
                .and_then(|t| t.and_local_timezone(chrono::Local).single())
                .map(|t| t.timestamp_micros() as f64 / 1e6);
            continue;
        }
        if line.starts_with("UDP message sent")
            && lines.get(i + 2).is_some_and(|l| l.starts_with("INVITE "))
        {
            times.extend(stamp);
        }
    }
    times
}
