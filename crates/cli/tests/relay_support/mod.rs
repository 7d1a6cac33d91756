//! What the relay process tests share: `callpop-cli relay` processes, a desktop's WebSocket,
//! and a real `redis-server` on a loopback port.

#![allow(dead_code)] // each test file uses its part

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use serde_json::Value;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::Message;

/// Guards every wait, so a broken relay fails the test instead of hanging it.
pub const WAIT: Duration = Duration::from_secs(30);

/// A desktop's WebSocket to a relay.
pub type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Kills the process (SIGKILL) when dropped, so a failing test leaves nothing running.
pub struct Running(pub Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A port nothing listens on now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `callpop-cli relay --config <config>` with its data in `home`.
pub fn relay_command(home: &Path, config: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_callpop-cli"));
    command
        .env("CALLPOP_CONFIG", home.join("config.toml"))
        .env("CALLPOP_DATA_DIR", home.join("data"))
        .env("RUST_LOG", "warn")
        .args(["relay", "--config"])
        .arg(config);
    command
}

/// Starts `relay run` and waits until it answers on `port`.
pub async fn start_relay(home: &Path, config: &Path, port: u16) -> Running {
    let relay = Running(
        relay_command(home, config)
            .stdout(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let deadline = Instant::now() + WAIT;
    let health = format!("http://127.0.0.1:{port}/healthz");
    while !reqwest::get(&health).await.is_ok_and(|r| r.status() == 200) {
        assert!(
            Instant::now() < deadline,
            "the relay on {port} did not start"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    relay
}

/// A desktop connected to the relay on `port` with `token` (resuming after `last_seq`), past
/// its `ready` (whose number comes second); or the HTTP status that refused it.
pub async fn connect(port: u16, token: &str, last_seq: Option<u64>) -> Result<(Socket, u64), u16> {
    let query = last_seq.map_or(String::new(), |seq| format!("?last_seq={seq}"));
    let mut request = format!("ws://127.0.0.1:{port}/ws{query}")
        .into_client_request()
        .unwrap();
    request.headers_mut().insert(
        "Authorization",
        HeaderValue::from_str(&format!("Bearer {token}")).unwrap(),
    );
    let mut socket = match tokio_tungstenite::connect_async(request).await {
        Ok((socket, _)) => socket,
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            return Err(response.status().as_u16())
        }
        Err(error) => panic!("connecting to {port}: {error}"),
    };
    let ready = next_json(&mut socket).await;
    assert_eq!(ready["type"], "ready", "{ready}");
    Ok((socket, ready["seq"].as_u64().unwrap()))
}

/// The next text message, as JSON (pings skipped).
pub async fn next_json(socket: &mut Socket) -> Value {
    loop {
        let message = tokio::time::timeout(WAIT, socket.next())
            .await
            .expect("a message in time")
            .expect("the socket open")
            .expect("a readable message");
        match message {
            Message::Text(text) => return serde_json::from_str(text.as_str()).unwrap(),
            Message::Ping(_) | Message::Pong(_) => continue,
            other => panic!("expected a text message, got {other:?}"),
        }
    }
}

/// The next message must be an event: its number and call id.
pub async fn next_event(socket: &mut Socket) -> (u64, String) {
    let message = next_json(socket).await;
    assert_eq!(message["type"], "event", "{message}");
    (
        message["seq"].as_u64().unwrap(),
        message["event"]["call_id"].as_str().unwrap().to_owned(),
    )
}

/// A real `redis-server` on a loopback port, append-only file on and synced on every write
/// (so a SIGKILL loses nothing it acknowledged), in a directory of its own.
pub struct RedisServer {
    pub port: u16,
    dir: PathBuf,
    process: Option<Running>,
}

impl RedisServer {
    /// Starts one; `None` (after a loud SKIPPED) when `redis-server` is not installed.
    pub async fn start(dir: &Path, test: &str) -> Option<RedisServer> {
        if Command::new("redis-server")
            .arg("--version")
            .output()
            .is_err()
        {
            eprintln!(
                "\n########## SKIPPED: {test}: redis-server is not installed \
                 (scripts/setup.sh installs it) ##########\n"
            );
            return None;
        }
        let mut redis = RedisServer {
            port: free_port(),
            dir: dir.to_owned(),
            process: None,
        };
        redis.up().await;
        Some(redis)
    }

    /// `redis://127.0.0.1:<port>/0`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/0", self.port)
    }

    /// Starts the server (again), on the same port and files, and waits for it to answer.
    pub async fn up(&mut self) {
        let process = Command::new("redis-server")
            .args(["--bind", "127.0.0.1", "--port"])
            .arg(self.port.to_string())
            .args([
                "--save",
                "",
                "--appendonly",
                "yes",
                "--appendfsync",
                "always",
            ])
            .arg("--dir")
            .arg(&self.dir)
            .stdout(Stdio::null())
            .spawn()
            .expect("redis-server starts");
        self.process = Some(Running(process));
        let deadline = Instant::now() + WAIT;
        while !self.answers().await {
            assert!(Instant::now() < deadline, "redis-server did not start");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Kills the server (SIGKILL).
    pub fn kill(&mut self) {
        self.process = None;
    }

    async fn answers(&self) -> bool {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let Ok(mut tcp) = tokio::net::TcpStream::connect(("127.0.0.1", self.port)).await else {
            return false;
        };
        let mut reply = [0u8; 7];
        tcp.write_all(b"PING\r\n").await.is_ok()
            && tcp.read_exact(&mut reply).await.is_ok()
            && &reply == b"+PONG\r\n"
    }
}
