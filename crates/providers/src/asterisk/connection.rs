//! One AMI session over TCP: connect and log in with a timeout, send actions and match their
//! responses by `ActionID`, read events.

use std::time::Duration;

use callpop_core::secrets::Secret;
use callpop_core::AccountConfig;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::TcpStream;

use super::error::AsteriskError;
use super::frame::{AmiDecoder, AmiMessage};

/// AMI's usual port (manager.conf `port`).
pub const DEFAULT_AMI_PORT: u16 = 5038;

/// Where and as whom to log in.
#[derive(Debug, Clone)]
pub struct AmiSettings {
    /// Host name or address.
    pub host: String,
    /// TCP port.
    pub port: u16,
    /// The manager.conf user.
    pub username: String,
    /// Its secret.
    pub secret: Secret,
    /// How long connecting, logging in and each action may take.
    pub timeout: Duration,
}

impl AmiSettings {
    /// From an account: `base_url` `tcp://HOST:PORT` (or `HOST:PORT`), else `domain` as the host
    /// (port 5038); the user is `login`, the secret the account's API key.
    pub fn from_account(
        config: &AccountConfig,
        key: &Secret,
    ) -> Result<AmiSettings, AsteriskError> {
        let address = config.base_url.as_deref().unwrap_or(&config.domain);
        let (host, port) = parse_address(address)?;
        let username = config
            .login
            .clone()
            .filter(|login| !login.trim().is_empty())
            .ok_or(AsteriskError::NoLogin)?;
        Ok(AmiSettings {
            host,
            port,
            username,
            secret: key.clone(),
            timeout: Duration::from_millis(config.timeout_ms.max(1)),
        })
    }

    /// `host:port`, for messages.
    pub fn addr(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }
}

/// `tcp://host:port`, `ami://host:port`, `host:port`, `host`, `[::1]:5038` → host and port.
pub fn parse_address(address: &str) -> Result<(String, u16), AsteriskError> {
    let bad = || AsteriskError::BadAddress(address.to_owned());
    let text = address.trim().trim_end_matches('/');
    let text = match text.split_once("://") {
        Some(("tcp" | "ami", rest)) => rest,
        Some(_) => return Err(bad()),
        None => text,
    };
    if text.is_empty() || text.contains(['/', '@', ' ']) {
        return Err(bad());
    }
    if let Some(rest) = text.strip_prefix('[') {
        let (host, tail) = rest.split_once(']').ok_or_else(bad)?;
        let port = match tail.strip_prefix(':') {
            Some(port) => port.parse().map_err(|_| bad())?,
            None if tail.is_empty() => DEFAULT_AMI_PORT,
            None => return Err(bad()),
        };
        return Ok((host.to_owned(), port));
    }
    match text.split_once(':') {
        Some((host, port)) if !host.is_empty() => {
            Ok((host.to_owned(), port.parse().map_err(|_| bad())?))
        }
        Some(_) => Err(bad()),
        None => Ok((text.to_owned(), DEFAULT_AMI_PORT)),
    }
}

/// The reading side of a session. [`AmiReader::next_message`] is cancel-safe: a `select!` that
/// drops it loses no bytes.
pub struct AmiReader {
    stream: OwnedReadHalf,
    decoder: AmiDecoder,
    buffer: Vec<u8>,
}

impl AmiReader {
    /// The next message from Asterisk (event or response).
    pub async fn next_message(&mut self) -> Result<AmiMessage, AsteriskError> {
        loop {
            if let Some(message) = self.decoder.next_message() {
                return Ok(message);
            }
            let read = self.stream.read(&mut self.buffer).await?;
            if read == 0 {
                return Err(AsteriskError::Closed);
            }
            self.decoder.push(&self.buffer[..read])?;
        }
    }
}

/// A logged-in AMI session.
pub struct AmiConnection {
    reader: AmiReader,
    writer: OwnedWriteHalf,
    settings: AmiSettings,
    id_prefix: String,
    next_id: u64,
    banner: String,
}

impl AmiConnection {
    /// Connects and logs in; `events`: whether Asterisk should send events on this session
    /// (a watcher wants them, a one-off action does not).
    pub async fn open(
        settings: &AmiSettings,
        events: bool,
    ) -> Result<AmiConnection, AsteriskError> {
        let addr = settings.addr();
        let stream = within(settings, "the connection", async {
            TcpStream::connect((settings.host.as_str(), settings.port))
                .await
                .map_err(|source| AsteriskError::Connect {
                    addr: addr.clone(),
                    source,
                })
        })
        .await?;
        let _ = stream.set_nodelay(true);
        let (read, writer) = stream.into_split();
        let mut connection = AmiConnection {
            reader: AmiReader {
                stream: read,
                decoder: AmiDecoder::new(),
                buffer: vec![0; 16 * 1024],
            },
            writer,
            settings: settings.clone(),
            id_prefix: format!("callpop-{:08x}", rand::random::<u32>()),
            next_id: 0,
            banner: String::new(),
        };
        connection.banner = within(settings, "with its greeting", connection.read_banner()).await?;
        if !connection.banner.starts_with("Asterisk Call Manager") {
            return Err(AsteriskError::NotAmi {
                addr,
                banner: connection.banner,
            });
        }
        let login = AmiMessage::new([
            ("Action", "Login"),
            ("Username", settings.username.as_str()),
            ("Secret", settings.secret.expose()),
            ("Events", if events { "on" } else { "off" }),
        ]);
        match connection.request(login).await {
            Ok(_) => Ok(connection),
            Err(AsteriskError::ActionFailed { message, .. }) => Err(AsteriskError::LoginRejected {
                user: settings.username.clone(),
                message,
            }),
            Err(other) => Err(other),
        }
    }

    async fn read_banner(&mut self) -> Result<String, AsteriskError> {
        loop {
            if let Some(banner) = self.reader.decoder.banner() {
                return Ok(banner.to_owned());
            }
            // A peer that sends `Key: value` first is no AMI; the decoder then has a message.
            if let Some(first) = self.reader.decoder.next_message() {
                let line = first
                    .fields()
                    .first()
                    .map(|(k, v)| format!("{k}: {v}"))
                    .unwrap_or_default();
                return Ok(line);
            }
            let read = self.reader.stream.read(&mut self.reader.buffer).await?;
            if read == 0 {
                return Err(AsteriskError::Closed);
            }
            self.reader.decoder.push(&self.reader.buffer[..read])?;
        }
    }

    /// The greeting, e.g. `Asterisk Call Manager/9.0.0`.
    pub fn banner(&self) -> &str {
        &self.banner
    }

    /// Sends `action` with a fresh `ActionID` (which it returns) and does not wait for the answer.
    pub async fn send(&mut self, mut action: AmiMessage) -> Result<String, AsteriskError> {
        self.next_id += 1;
        let id = format!("{}-{}", self.id_prefix, self.next_id);
        action.push("ActionID", id.clone());
        let bytes = action.encode()?;
        let settings = self.settings.clone();
        within(&settings, "a write", async {
            self.writer.write_all(&bytes).await?;
            Ok(())
        })
        .await?;
        Ok(id)
    }

    /// Sends `action` and waits for its response; events that arrive meanwhile are dropped (use
    /// a session opened without events). `Response: Error` becomes [`AsteriskError::ActionFailed`].
    pub async fn request(&mut self, action: AmiMessage) -> Result<AmiMessage, AsteriskError> {
        let name = action.get("Action").unwrap_or("?").to_owned();
        let id = self.send(action).await?;
        let settings = self.settings.clone();
        let response = within(&settings, &format!("`{name}`"), async {
            loop {
                let message = self.reader.next_message().await?;
                if message.response().is_some() && message.action_id() == Some(id.as_str()) {
                    return Ok(message);
                }
            }
        })
        .await?;
        check_response(&name, response)
    }

    /// Sends a list action (`CoreShowChannels`, `PJSIPShowEndpoints`...) and collects the events
    /// it answers with, up to the one whose name ends in `Complete`.
    pub async fn request_list(
        &mut self,
        action: AmiMessage,
    ) -> Result<Vec<AmiMessage>, AsteriskError> {
        let name = action.get("Action").unwrap_or("?").to_owned();
        let id = self.send(action).await?;
        let settings = self.settings.clone();
        within(&settings, &format!("`{name}`"), async {
            let mut items = Vec::new();
            loop {
                let message = self.reader.next_message().await?;
                if message.action_id() != Some(id.as_str()) {
                    continue;
                }
                if message.response().is_some() {
                    // `Response: Error` ends it; `Success` ("will follow") starts it. Asterisk
                    // answers an empty endpoint list with an error "No endpoints found".
                    check_response(&name, message)?;
                    continue;
                }
                match message.event() {
                    Some(event) if event.ends_with("Complete") => return Ok(items),
                    _ => items.push(message),
                }
            }
        })
        .await
    }

    /// The next message (event or response) from Asterisk; no timeout: events come when calls do.
    pub async fn next_message(&mut self) -> Result<AmiMessage, AsteriskError> {
        self.reader.next_message().await
    }

    /// Says goodbye; errors are of no interest any more.
    pub async fn logoff(mut self) {
        let _ = tokio::time::timeout(
            self.settings.timeout,
            self.send(AmiMessage::new([("Action", "Logoff")])),
        )
        .await;
    }
}

fn check_response(action: &str, response: AmiMessage) -> Result<AmiMessage, AsteriskError> {
    match response.response() {
        Some(r) if r.eq_ignore_ascii_case("Error") => Err(AsteriskError::ActionFailed {
            action: action.to_owned(),
            message: response
                .get("Message")
                .unwrap_or("no reason given")
                .to_owned(),
        }),
        _ => Ok(response),
    }
}

/// Runs `work` within the settings' timeout.
async fn within<T>(
    settings: &AmiSettings,
    what: &str,
    work: impl std::future::Future<Output = Result<T, AsteriskError>>,
) -> Result<T, AsteriskError> {
    tokio::time::timeout(settings.timeout, work)
        .await
        .map_err(|_| AsteriskError::Timeout {
            addr: settings.addr(),
            what: what.to_owned(),
            timeout_ms: settings.timeout.as_millis(),
        })?
}
