//! The desktop's side of the relay: one WebSocket that stays up. It reconnects with backoff and
//! jitter (also after the machine sleeps: a silent connection is dropped and opened again),
//! resumes from the last sequence number it saw, so no event is lost and none arrives twice, and
//! hands each event on exactly like a polling provider does.

use std::time::Duration;

use callpop_core::backoff::Backoff;
use callpop_core::secrets::Secret;
use callpop_core::CallEvent;
use futures_util::StreamExt;
use serde::Deserialize;
use tokio::sync::{mpsc, watch};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::Message;
use tokio_util::sync::CancellationToken;

/// The longest wait between two connection attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(30);
/// A connection that says nothing (not even a ping) this long is dead: the relay pings every
/// 20 s by default, and a laptop waking from sleep holds a socket that will never speak again.
const SILENCE_LIMIT: Duration = Duration::from_secs(60);
/// How long opening the connection may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// What the relay sends (crate README, "Protocol").
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
enum ServerMessage {
    Ready { seq: u64 },
    Event { seq: u64, event: Box<CallEvent> },
    Gap { from: u64, to: u64 },
}

/// Why one connection ended.
#[derive(Debug, thiserror::Error)]
enum SessionEnd {
    #[error("cannot connect: {0}")]
    Connect(String),
    #[error("the relay refused the client token (401): issue a new one with `callpop-cli relay add-client`")]
    Unauthorized,
    #[error("connection lost: {0}")]
    Lost(String),
    #[error("the relay was silent for {0:?}")]
    Silent(Duration),
    #[error("stopped")]
    Stopped,
}

/// A relay connection for one desktop.
pub struct RelayClient {
    url: String,
    token: Secret,
    last_seq: Option<u64>,
    /// True while the relay has said "ready" on the current connection.
    connected: watch::Sender<bool>,
}

impl std::fmt::Debug for RelayClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RelayClient")
            .field("url", &self.url)
            .field("last_seq", &self.last_seq)
            .finish_non_exhaustive()
    }
}

impl RelayClient {
    /// A client for the relay at `url` (`wss://relay.example.com/ws` or `ws://...`), with the
    /// token `callpop-cli relay add-client` issued for this desktop.
    pub fn new(url: &str, token: Secret) -> RelayClient {
        RelayClient {
            url: url.to_owned(),
            token,
            last_seq: None,
            connected: watch::Sender::new(false),
        }
    }

    /// Follows the connection: `true` once the relay said ready, `false` when the connection
    /// ends. A desktop uses it to show "offline" and to re-read state the PBX may have changed
    /// meanwhile (Do-Not-Disturb...) after each reconnect.
    pub fn connection(&self) -> watch::Receiver<bool> {
        self.connected.subscribe()
    }

    /// The last sequence number received, from which a reconnect resumes.
    pub fn last_seq(&self) -> Option<u64> {
        self.last_seq
    }

    /// Receives events until `shutdown` is cancelled or `events`' receiver is dropped,
    /// reconnecting with backoff and jitter whenever the connection ends.
    pub async fn run(mut self, events: mpsc::Sender<CallEvent>, shutdown: CancellationToken) {
        let mut backoff = Backoff::new(FIRST_BACKOFF, MAX_BACKOFF);
        loop {
            let end = self.session(&events, &shutdown, &mut backoff).await;
            self.connected.send_replace(false);
            match end {
                SessionEnd::Stopped => return,
                end => tracing::warn!("relay {}: {end}", self.url),
            }
            let wait = backoff.next_wait();
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = events.closed() => return,
                _ = tokio::time::sleep(wait) => {}
            }
        }
    }

    /// One connection, from opening to its end. `backoff` starts over once the relay says ready.
    async fn session(
        &mut self,
        events: &mpsc::Sender<CallEvent>,
        shutdown: &CancellationToken,
        backoff: &mut Backoff,
    ) -> SessionEnd {
        let mut url = self.url.clone();
        if let Some(seq) = self.last_seq {
            url.push_str(if url.contains('?') { "&" } else { "?" });
            url.push_str(&format!("last_seq={seq}"));
        }
        let mut request = match url.as_str().into_client_request() {
            Ok(request) => request,
            Err(e) => return SessionEnd::Connect(e.to_string()),
        };
        let bearer = match HeaderValue::from_str(&format!("Bearer {}", self.token.expose())) {
            Ok(value) => value,
            Err(_) => return SessionEnd::Connect("the client token is not valid text".into()),
        };
        request.headers_mut().insert("Authorization", bearer);
        let connecting =
            tokio::time::timeout(CONNECT_TIMEOUT, tokio_tungstenite::connect_async(request));
        let mut socket = tokio::select! {
            _ = shutdown.cancelled() => return SessionEnd::Stopped,
            result = connecting => match result {
                Err(_) => return SessionEnd::Connect(format!("no answer within {CONNECT_TIMEOUT:?}")),
                Ok(Err(tokio_tungstenite::tungstenite::Error::Http(response)))
                    if response.status() == 401 => return SessionEnd::Unauthorized,
                Ok(Err(e)) => return SessionEnd::Connect(e.to_string()),
                Ok(Ok((socket, _))) => socket,
            },
        };
        loop {
            let next = tokio::select! {
                _ = shutdown.cancelled() => {
                    let _ = socket.close(None).await;
                    return SessionEnd::Stopped;
                }
                _ = events.closed() => return SessionEnd::Stopped,
                next = tokio::time::timeout(SILENCE_LIMIT, socket.next()) => next,
            };
            let message = match next {
                Err(_) => return SessionEnd::Silent(SILENCE_LIMIT),
                Ok(None) => return SessionEnd::Lost("closed by the relay".into()),
                Ok(Some(Err(e))) => return SessionEnd::Lost(e.to_string()),
                Ok(Some(Ok(message))) => message,
            };
            let text = match message {
                Message::Text(text) => text,
                // Pings are answered by the library; they count as life all the same.
                Message::Ping(_) | Message::Pong(_) | Message::Frame(_) => continue,
                Message::Binary(_) => continue,
                Message::Close(frame) => {
                    let why = frame.map(|f| f.reason.to_string()).unwrap_or_default();
                    return SessionEnd::Lost(format!("closed by the relay {why}"));
                }
            };
            match serde_json::from_str::<ServerMessage>(&text) {
                Ok(ServerMessage::Ready { seq }) => {
                    backoff.reset();
                    tracing::info!("relay {}: connected at sequence {seq}", self.url);
                    self.connected.send_replace(true);
                }
                Ok(ServerMessage::Event { seq, event }) => {
                    if self.last_seq.is_some_and(|last| seq <= last) {
                        continue; // already handed on before a reconnect
                    }
                    if events.send(*event).await.is_err() {
                        return SessionEnd::Stopped;
                    }
                    self.last_seq = Some(seq);
                }
                Ok(ServerMessage::Gap { from, to }) => {
                    tracing::warn!(
                        "relay {}: events {from}..={to} were lost (relay restarted or this desktop was away too long)",
                        self.url
                    );
                    self.last_seq = Some(to);
                }
                Err(e) => tracing::warn!("relay {}: unreadable message ({e})", self.url),
            }
        }
    }
}

/// The first wait after a lost connection: 1 s, 2 s, 4 s ... up to [`MAX_BACKOFF`], with
/// jitter so a relay restart is not met by every desktop at the same instant.
const FIRST_BACKOFF: Duration = Duration::from_secs(1);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_messages_parse() {
        let event = r#"{"type":"gap","from":3,"to":9}"#;
        assert!(matches!(
            serde_json::from_str(event),
            Ok(ServerMessage::Gap { from: 3, to: 9 })
        ));
        assert!(serde_json::from_str::<ServerMessage>(r#"{"type":"other"}"#).is_err());
    }

    #[test]
    fn debug_hides_the_token() {
        let client = RelayClient::new("ws://127.0.0.1:1/ws", Secret::new("cpr_secret_token"));
        assert!(!format!("{client:?}").contains("cpr_secret_token"));
    }
}
