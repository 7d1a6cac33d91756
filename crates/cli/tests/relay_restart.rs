//! The relay process as an operator runs it: killed and started again it forgets no accepted
//! event, and desktops added or removed with `relay add-client` / `relay remove-client` are let
//! in or shut out while it runs.

mod relay_support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use relay_support::{
    connect, free_port, next_event, relay_command, start_relay, Running, Socket, WAIT,
};
use serde_json::json;
use tokio_tungstenite::tungstenite::Message;

const SECRET: &str = "0f1e2d3c4b5a69788796a5b4c3d2e1f0";

/// A relay's home: its config file and data directory, on a port of its own.
struct Home {
    dir: tempfile::TempDir,
    port: u16,
}

impl Home {
    fn new() -> Home {
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        std::fs::write(
            dir.path().join("relay.toml"),
            format!(
                "listen = \"127.0.0.1:{port}\"\nregion = \"UA\"\n\
                 [vega]\nallowed_ips = [\"127.0.0.1\"]\nsecret_path = \"{SECRET}\"\n"
            ),
        )
        .unwrap();
        Home { dir, port }
    }

    fn config(&self) -> PathBuf {
        self.dir.path().join("relay.toml")
    }

    fn cli(&self) -> Command {
        relay_command(self.dir.path(), &self.config())
    }

    /// `relay add-client NAME --ext EXT`: the token it prints.
    fn add_client(&self, name: &str, ext: &str) -> String {
        let out = self
            .cli()
            .args(["add-client", name, "--ext", ext])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap().trim().to_owned()
    }

    /// Starts the relay and waits until it answers.
    async fn start(&self) -> Running {
        start_relay(self.dir.path(), &self.config(), self.port).await
    }

    /// Posts a Vega `call.dial` for extension 001; the relay's answer.
    async fn post_dial(&self, uuid: &str) -> u16 {
        let dial = json!({
            "event": "call.dial", "accountDomain": "qwerty.pbx.vega.ua", "uuid": uuid,
            "parentUuid": null, "dialAt": 1431686100, "bridgeAt": null, "lgDirection": 4,
            "leg": { "id": 36, "ext": "001", "displayName": "Іван Іванов" }, "leg2": null,
            "otherLegs": [], "trunkNum": "+380442246595", "trunkName": "main"
        });
        reqwest::Client::new()
            .post(format!("http://127.0.0.1:{}/vega/{SECRET}", self.port))
            .json(&dial)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    }

    /// A desktop connected with `token` (resuming after `last_seq`), past its `ready`; or the
    /// HTTP status that refused it.
    async fn connect(&self, token: &str, last_seq: Option<u64>) -> Result<(Socket, u64), u16> {
        connect(self.port, token, last_seq).await
    }
}

fn data_file(home: &Path) -> PathBuf {
    home.join("data").join("relay-events.sqlite")
}

#[tokio::test(flavor = "multi_thread")]
async fn a_relay_killed_and_started_again_delivers_what_it_accepted_before() {
    let home = Home::new();
    let token = home.add_client("olena", "001");
    let relay = home.start().await;
    let (mut olena, _) = home.connect(&token, None).await.unwrap();
    assert_eq!(home.post_dial("seen").await, 200);
    let (seen, id) = next_event(&mut olena).await;
    assert_eq!(id, "seen");
    olena.close(None).await.unwrap();

    // Accepted while the desktop is away (its laptop asleep)...
    for id in ["missed-1", "missed-2"] {
        assert_eq!(home.post_dial(id).await, 200);
    }
    // ...then the relay dies without a chance to save anything (SIGKILL), and comes back.
    drop(relay);
    assert!(
        data_file(home.dir.path()).exists(),
        "events kept in the data directory"
    );
    let _relay = home.start().await;

    let (mut olena, ready) = home.connect(&token, Some(seen)).await.unwrap();
    assert_eq!(ready, seen);
    assert_eq!(next_event(&mut olena).await, (seen + 1, "missed-1".into()));
    assert_eq!(next_event(&mut olena).await, (seen + 2, "missed-2".into()));
    assert_eq!(home.post_dial("after").await, 200);
    assert_eq!(
        next_event(&mut olena).await,
        (seen + 3, "after".into()),
        "numbers go on from the file: no gap, nothing twice"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn desktops_added_and_removed_while_the_relay_runs_need_no_restart() {
    let home = Home::new();
    let _relay = home.start().await;
    let token = home.add_client("petro", "001");

    // The relay re-reads its clients every few seconds: retry until petro is let in.
    let deadline = Instant::now() + WAIT;
    let (mut petro, _) = loop {
        match home.connect(&token, None).await {
            Ok(connected) => break connected,
            Err(401) if Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Err(status) => panic!("petro refused with {status}"),
        }
    };
    assert_eq!(home.post_dial("for-petro").await, 200);
    assert_eq!(next_event(&mut petro).await.1, "for-petro");

    let out = home
        .cli()
        .args(["remove-client", "petro"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let saved = std::fs::read_to_string(home.config()).unwrap();
    assert!(
        !saved.contains("petro") && saved.contains("[vega]"),
        "{saved}"
    );

    // The open session is closed as a policy matter, and the token no longer opens one.
    let closed = loop {
        match tokio::time::timeout(WAIT, petro.next()).await {
            Ok(Some(Ok(Message::Close(frame)))) => break frame,
            Ok(Some(Ok(Message::Ping(_) | Message::Pong(_)))) => continue,
            other => panic!("expected a close, got {other:?}"),
        }
    };
    let frame = closed.expect("a close frame with a reason");
    assert_eq!(u16::from(frame.code), 1008);
    assert!(frame.reason.contains("removed"), "{}", frame.reason);
    assert_eq!(home.connect(&token, None).await.err(), Some(401));

    let out = home
        .cli()
        .args(["remove-client", "petro"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no client named \"petro\""),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
