//! Connecting and logging in to AMI: each way it goes wrong gives its own error, and the secret
//! never shows. The peers here are small TCP servers on 127.0.0.1 playing what a wrong port, a
//! silent host or a refusing Asterisk send (the real Asterisk is in crates/cli/tests/asterisk_lab.rs).

use std::time::Duration;

use callpop_core::secrets::Secret;
use callpop_core::AccountConfig;
use callpop_providers::asterisk::{AmiClient, AmiSettings, AsteriskError, DEFAULT_CONTEXT};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

const SECRET: &str = "very-secret-ami-password";

fn settings(port: u16) -> AmiSettings {
    AmiSettings {
        host: "127.0.0.1".into(),
        port,
        username: "callpop".into(),
        secret: Secret::new(SECRET),
        timeout: Duration::from_millis(500),
    }
}

/// A peer that greets with `greeting` and answers each action with `reply` (its ActionID added).
async fn peer(greeting: &'static str, reply: Option<&'static str>) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                let (read, mut write) = socket.into_split();
                let _ = write.write_all(greeting.as_bytes()).await;
                let mut lines = BufReader::new(read).lines();
                let mut action_id = String::new();
                while let Ok(Some(line)) = lines.next_line().await {
                    if let Some(id) = line.strip_prefix("ActionID: ") {
                        action_id = id.to_owned();
                    }
                    if line.is_empty() {
                        if let Some(reply) = reply {
                            let text = format!("{reply}ActionID: {action_id}\r\n\r\n");
                            let _ = write.write_all(text.as_bytes()).await;
                        }
                    }
                }
            });
        }
    });
    port
}

async fn check(port: u16) -> AsteriskError {
    let error = AmiClient::new(settings(port), DEFAULT_CONTEXT)
        .check()
        .await
        .unwrap_err();
    assert!(!error.to_string().contains(SECRET), "{error}");
    assert!(!format!("{error:?}").contains(SECRET), "{error:?}");
    error
}

#[tokio::test]
async fn a_wrong_secret_is_a_refused_login() {
    let port = peer(
        "Asterisk Call Manager/9.0.0\r\n",
        Some("Response: Error\r\nMessage: Authentication failed\r\n"),
    )
    .await;
    match check(port).await {
        AsteriskError::LoginRejected { user, message } => {
            assert_eq!(
                (user.as_str(), message.as_str()),
                ("callpop", "Authentication failed")
            );
        }
        other => panic!("{other}"),
    }
}

#[tokio::test]
async fn a_login_accepted_passes_the_check() {
    let port = peer(
        "Asterisk Call Manager/9.0.0\r\n",
        Some("Response: Success\r\nMessage: Authentication accepted\r\n"),
    )
    .await;
    AmiClient::new(settings(port), DEFAULT_CONTEXT)
        .check()
        .await
        .unwrap();
}

#[tokio::test]
async fn a_peer_that_is_not_ami_says_so() {
    let port = peer("SSH-2.0-OpenSSH_9.2\r\n", None).await;
    match check(port).await {
        AsteriskError::NotAmi { banner, .. } => assert_eq!(banner, "SSH-2.0-OpenSSH_9.2"),
        other => panic!("{other}"),
    }
}

#[tokio::test]
async fn a_silent_peer_times_out() {
    let port = peer("Asterisk Call Manager/9.0.0\r\n", None).await;
    match check(port).await {
        AsteriskError::Timeout { what, .. } => assert_eq!(what, "`Login`"),
        other => panic!("{other}"),
    }
}

#[tokio::test]
async fn nobody_listening_is_a_connect_error() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    assert!(matches!(check(port).await, AsteriskError::Connect { .. }));
}

#[test]
fn account_settings_need_a_login_and_a_valid_address() {
    let key = Secret::new(SECRET);
    let mut config = AccountConfig::new("asterisk", "pbx.example.com");
    assert!(matches!(
        AmiSettings::from_account(&config, &key),
        Err(AsteriskError::NoLogin)
    ));
    config.login = Some("callpop".into());
    let settings = AmiSettings::from_account(&config, &key).unwrap();
    assert_eq!(settings.addr(), "pbx.example.com:5038");
    config.base_url = Some("tcp://127.0.0.1:15038".into());
    assert_eq!(
        AmiSettings::from_account(&config, &key).unwrap().addr(),
        "127.0.0.1:15038"
    );
    assert!(!format!("{settings:?}").contains(SECRET));
}
