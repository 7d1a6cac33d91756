//! Asterisk over ARI, the REST interface (`http://HOST:8088/ari`), for accounts with
//! `asterisk_interface = "ari"`: actions as REST calls with HTTP basic auth, and
//! [`AriCallWatcher`], which follows calls over the `/ari/events` WebSocket (`subscribeAll`, so
//! it sees every channel, not only those in a Stasis app) and folds them with the same
//! [`CallMapper`] as AMI.
//!
//! The credentials travel in the `Authorization` header, never in a URL, so no error or log line
//! can show them.

use std::collections::HashSet;
use std::time::Duration;

use callpop_core::secrets::Secret;
use callpop_core::{AccountConfig, CallEvent, Employee};
use chrono::Utc;
use futures_util::{SinkExt, StreamExt};
use serde::Deserialize;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;
use tokio_util::sync::CancellationToken;

use super::ari_events::AriTranslator;
use super::error::AsteriskError;
use super::events::CallMapper;
use super::watcher::{Backoff, BACKOFF_MAX, BACKOFF_START, KEEPALIVE};

/// ARI's usual port (http.conf `bindport`).
pub const DEFAULT_ARI_PORT: u16 = 8088;
/// The Stasis application name our events WebSocket registers.
pub const DEFAULT_APP: &str = "callpop";

/// Where and as whom to reach ARI.
#[derive(Debug, Clone)]
pub struct AriSettings {
    /// `http://HOST:PORT`, without `/ari`.
    pub base_url: String,
    /// The ari.conf user.
    pub username: String,
    /// Its password.
    pub secret: Secret,
    /// How long each request (and the WebSocket handshake) may take.
    pub timeout: Duration,
    /// The application name the events WebSocket registers.
    pub app: String,
}

impl AriSettings {
    /// From an account: `base_url` `http(s)://HOST:PORT` (a trailing `/ari` is dropped), else
    /// `http://{domain}:8088`; the user is `login`, the password the account's API key.
    pub fn from_account(
        config: &AccountConfig,
        key: &Secret,
    ) -> Result<AriSettings, AsteriskError> {
        let base_url = match config.base_url.as_deref() {
            Some(url) => parse_base_url(url)?,
            None => parse_base_url(&format!("http://{}:{DEFAULT_ARI_PORT}", config.domain))?,
        };
        let username = config
            .login
            .clone()
            .filter(|login| !login.trim().is_empty())
            .ok_or(AsteriskError::NoLogin)?;
        Ok(AriSettings {
            base_url,
            username,
            secret: key.clone(),
            timeout: Duration::from_millis(config.timeout_ms.max(1)),
            app: DEFAULT_APP.to_owned(),
        })
    }

    /// The events WebSocket's URL (`ws://HOST:PORT/ari/events?app=...&subscribeAll=true`).
    pub fn events_url(&self) -> String {
        let ws = match self.base_url.strip_prefix("https://") {
            Some(rest) => format!("wss://{rest}"),
            None => self.base_url.replacen("http://", "ws://", 1),
        };
        let app: String = form_urlencoded::byte_serialize(self.app.as_bytes()).collect();
        format!("{ws}/ari/events?app={app}&subscribeAll=true")
    }

    /// The `Authorization` header value (`Basic base64(user:password)`).
    fn basic_auth(&self) -> String {
        use base64::Engine;
        let raw = format!("{}:{}", self.username, self.secret.expose());
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(raw)
        )
    }
}

/// `http://host:8088`, `http://host:8088/ari/`, `https://pbx.example` → the base without `/ari`.
pub fn parse_base_url(url: &str) -> Result<String, AsteriskError> {
    let bad = || AsteriskError::BadAriUrl(url.to_owned());
    let text = url.trim().trim_end_matches('/');
    let text = text.strip_suffix("/ari").unwrap_or(text);
    let rest = text
        .strip_prefix("http://")
        .or_else(|| text.strip_prefix("https://"))
        .ok_or_else(bad)?;
    if rest.is_empty() || rest.contains(['/', '@', ' ', '?', '#']) {
        return Err(bad());
    }
    Ok(text.to_owned())
}

/// ARI's `Channel`, as far as a list needs it.
#[derive(Debug, Deserialize)]
struct ChannelItem {
    id: String,
}

/// ARI's `Endpoint`.
#[derive(Debug, Deserialize)]
struct EndpointItem {
    resource: String,
}

/// Asterisk's REST interface, for actions.
#[derive(Debug, Clone)]
pub struct AriClient {
    settings: AriSettings,
    http: reqwest::Client,
}

impl AriClient {
    /// A client with the settings' timeout on every request.
    pub fn new(settings: AriSettings) -> Result<AriClient, AsteriskError> {
        let http = reqwest::Client::builder()
            .timeout(settings.timeout)
            .connect_timeout(settings.timeout)
            .build()
            .map_err(|e| AsteriskError::AriUnreachable {
                url: settings.base_url.clone(),
                detail: e.to_string(),
            })?;
        Ok(AriClient { settings, http })
    }

    /// The connection settings.
    pub fn settings(&self) -> &AriSettings {
        &self.settings
    }

    /// Asks for `GET /asterisk/info`: proves the address, user and password.
    pub async fn check(&self) -> Result<(), AsteriskError> {
        self.call(
            reqwest::Method::GET,
            "/asterisk/info",
            &[],
            "the system info",
        )
        .await?;
        Ok(())
    }

    /// Click-to-call: `POST /channels` rings `PJSIP/{me}`; once I answer, my channel enters the
    /// dialplan at `{dial}@{context}`, which dials the customer. The call id is the channel id we
    /// give my channel, which the watcher reports as the call's id too.
    pub async fn originate(
        &self,
        me: &str,
        dial: &str,
        context: &str,
    ) -> Result<String, AsteriskError> {
        let call_id = format!("callpop-{:016x}", rand::random::<u64>());
        let endpoint = format!("PJSIP/{me}");
        let timeout_s = super::actions::ORIGINATE_RING_MS / 1000;
        self.call(
            reqwest::Method::POST,
            "/channels",
            &[
                ("endpoint", endpoint.as_str()),
                ("extension", dial),
                ("context", context),
                ("priority", "1"),
                ("callerId", dial),
                ("timeout", &timeout_s.to_string()),
                ("channelId", call_id.as_str()),
            ],
            "the click-to-call (POST /channels)",
        )
        .await?;
        Ok(call_id)
    }

    /// Hangs up channel `call_id` (the call's first channel: my phone's for a click-to-call, the
    /// caller's for an inbound call); Asterisk then ends the other legs.
    pub async fn hangup(&self, call_id: &str) -> Result<(), AsteriskError> {
        let path = format!("/channels/{}", path_segment(call_id));
        match self
            .call(reqwest::Method::DELETE, &path, &[], "the hang-up")
            .await
        {
            Err(AsteriskError::AriStatus { status: 404, .. }) => Err(AsteriskError::ActionFailed {
                action: "Hangup".into(),
                message: format!("no call {call_id} in progress"),
            }),
            other => other.map(drop),
        }
    }

    /// The ids of every channel in progress (`GET /channels`).
    pub async fn channel_ids(&self) -> Result<HashSet<String>, AsteriskError> {
        let body = self
            .call(reqwest::Method::GET, "/channels", &[], "the channel list")
            .await?;
        let list: Vec<ChannelItem> =
            serde_json::from_str(&body).map_err(|e| AsteriskError::Unexpected {
                action: "GET /channels".into(),
                detail: e.to_string(),
            })?;
        Ok(list.into_iter().map(|c| c.id).collect())
    }

    /// The PJSIP endpoints as employees (`GET /endpoints/PJSIP`); ARI has no display names.
    pub async fn endpoints(&self) -> Result<Vec<Employee>, AsteriskError> {
        let body = self
            .call(
                reqwest::Method::GET,
                "/endpoints/PJSIP",
                &[],
                "the endpoint list",
            )
            .await?;
        let list: Vec<EndpointItem> =
            serde_json::from_str(&body).map_err(|e| AsteriskError::Unexpected {
                action: "GET /endpoints/PJSIP".into(),
                detail: e.to_string(),
            })?;
        Ok(list
            .into_iter()
            .map(|e| Employee {
                id: e.resource.clone(),
                name: e.resource.clone(),
                ext: Some(e.resource),
                email: None,
            })
            .collect())
    }

    /// One request; the body of a 2xx answer, else a distinct error.
    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        query: &[(&str, &str)],
        what: &str,
    ) -> Result<String, AsteriskError> {
        let url = format!("{}/ari{path}", self.settings.base_url);
        let response = self
            .http
            .request(method, &url)
            .query(query)
            .header(reqwest::header::AUTHORIZATION, self.settings.basic_auth())
            .send()
            .await
            .map_err(|e| self.unreachable(&e))?;
        let status = response.status();
        let body = response.text().await.map_err(|e| self.unreachable(&e))?;
        if status == reqwest::StatusCode::UNAUTHORIZED {
            return Err(AsteriskError::AriLoginRejected {
                user: self.settings.username.clone(),
            });
        }
        if !status.is_success() {
            #[derive(Deserialize)]
            struct AriMessage {
                message: String,
            }
            let message = serde_json::from_str::<AriMessage>(&body)
                .map(|m| m.message)
                .unwrap_or_else(|_| body.chars().take(200).collect());
            return Err(AsteriskError::AriStatus {
                what: what.to_owned(),
                status: status.as_u16(),
                message,
            });
        }
        Ok(body)
    }

    fn unreachable(&self, error: &reqwest::Error) -> AsteriskError {
        let detail = if error.is_timeout() {
            format!("no answer within {} ms", self.settings.timeout.as_millis())
        } else if error.is_connect() {
            "connection refused or host unreachable".to_owned()
        } else {
            // Without the URL: reqwest's Display repeats it, query and all.
            error.without_url_ref_string()
        };
        AsteriskError::AriUnreachable {
            url: self.settings.base_url.clone(),
            detail,
        }
    }
}

/// reqwest's message without the URL it appends.
trait WithoutUrl {
    fn without_url_ref_string(&self) -> String;
}

impl WithoutUrl for reqwest::Error {
    fn without_url_ref_string(&self) -> String {
        let mut text = self.to_string();
        if let Some(url) = self.url() {
            text = text
                .replace(&format!(" ({url})"), "")
                .replace(url.as_str(), "");
        }
        text
    }
}

/// A channel id as one URL path segment.
fn path_segment(id: &str) -> String {
    id.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// Follows one endpoint's calls over ARI's events WebSocket, reconnecting with backoff.
#[derive(Debug)]
pub struct AriCallWatcher {
    client: AriClient,
    mapper: CallMapper,
    translator: AriTranslator,
    keepalive: Duration,
}

impl AriCallWatcher {
    /// A watcher for endpoint `me` (`None`: every extension).
    pub fn new(client: AriClient, me: Option<&str>, region: &str) -> AriCallWatcher {
        AriCallWatcher {
            client,
            mapper: CallMapper::new(me, region),
            translator: AriTranslator::new(),
            keepalive: KEEPALIVE,
        }
    }

    /// Pings an idle WebSocket this often instead of [`KEEPALIVE`].
    pub fn with_keepalive(mut self, every: Duration) -> AriCallWatcher {
        self.keepalive = every.max(Duration::from_millis(100));
        self
    }

    /// Sends call events into `events` until `shutdown` is cancelled or `events` is closed,
    /// reconnecting as long as it takes. Problems are logged (`tracing`), never fatal.
    pub async fn run(mut self, events: mpsc::Sender<CallEvent>, shutdown: CancellationToken) {
        let mut backoff = Backoff::new(BACKOFF_START, BACKOFF_MAX);
        loop {
            let url = self.client.settings.events_url();
            let outcome = tokio::select! {
                _ = shutdown.cancelled() => return,
                outcome = self.connect() => outcome,
            };
            match outcome {
                Ok(socket) => {
                    tracing::info!(%url, "connected to the Asterisk ARI events WebSocket");
                    backoff.reset();
                    match self.follow(socket, &events, &shutdown).await {
                        Ok(()) => return,
                        Err(error) => {
                            tracing::warn!(%error, "lost the Asterisk ARI WebSocket; reconnecting")
                        }
                    }
                }
                Err(error) => {
                    tracing::warn!(%error, "cannot connect to Asterisk's ARI WebSocket; retrying")
                }
            }
            let wait = backoff.next_wait();
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = tokio::time::sleep(wait) => {}
            }
        }
    }

    async fn connect(&self) -> Result<Socket, AsteriskError> {
        let settings = &self.client.settings;
        let url = settings.events_url();
        let failed = |detail: String| AsteriskError::AriWebSocket {
            url: url.clone(),
            detail,
        };
        let mut request = url
            .as_str()
            .into_client_request()
            .map_err(|e| failed(e.to_string()))?;
        let auth = settings
            .basic_auth()
            .parse()
            .map_err(|_| failed("the user name or password cannot go in a header".into()))?;
        request.headers_mut().insert("Authorization", auth);
        let (socket, _) =
            tokio::time::timeout(settings.timeout, tokio_tungstenite::connect_async(request))
                .await
                .map_err(|_| {
                    failed(format!(
                        "no handshake within {} ms",
                        settings.timeout.as_millis()
                    ))
                })?
                .map_err(|e| match e {
                    tokio_tungstenite::tungstenite::Error::Http(response)
                        if response.status() == 401 =>
                    {
                        AsteriskError::AriLoginRejected {
                            user: settings.username.clone(),
                        }
                    }
                    other => failed(other.to_string()),
                })?;
        Ok(socket)
    }

    /// Reads one WebSocket until it fails (`Err`) or we are told to stop (`Ok`).
    async fn follow(
        &mut self,
        mut socket: Socket,
        events: &mpsc::Sender<CallEvent>,
        shutdown: &CancellationToken,
    ) -> Result<(), AsteriskError> {
        let url = self.client.settings.events_url();
        let failed = |detail: String| AsteriskError::AriWebSocket {
            url: url.clone(),
            detail,
        };
        // Subscribed first, listed second: a call that ends in between is still seen ending.
        let live = self.client.channel_ids().await?;
        let live_calls = self.translator.retain_live(&live);
        for event in self.mapper.resync(&live_calls, Utc::now()) {
            if events.send(event).await.is_err() {
                return Ok(());
            }
        }
        let mut ping = tokio::time::interval(self.keepalive);
        ping.tick().await;
        let mut heard_since_ping = true;
        loop {
            let message = tokio::select! {
                _ = shutdown.cancelled() => {
                    let _ = tokio::time::timeout(self.client.settings.timeout, socket.close(None)).await;
                    return Ok(());
                }
                _ = ping.tick() => {
                    if !heard_since_ping {
                        return Err(failed(format!("no answer to a keep-alive ping within {} ms", self.keepalive.as_millis())));
                    }
                    heard_since_ping = false;
                    tokio::time::timeout(self.client.settings.timeout, socket.send(Message::Ping(Vec::new().into())))
                        .await
                        .map_err(|_| failed("a ping could not be sent in time".into()))?
                        .map_err(|e| failed(e.to_string()))?;
                    continue;
                }
                message = socket.next() => message,
            };
            heard_since_ping = true;
            let text = match message {
                None => return Err(failed("Asterisk closed it".into())),
                Some(Err(e)) => return Err(failed(e.to_string())),
                Some(Ok(Message::Close(_))) => return Err(failed("Asterisk closed it".into())),
                Some(Ok(Message::Text(text))) => text,
                Some(Ok(_)) => continue,
            };
            let messages = match self.translator.translate(text.as_str()) {
                Ok(messages) => messages,
                Err(error) => {
                    tracing::warn!(%error, "skipping an ARI event");
                    continue;
                }
            };
            for message in messages {
                if let Some(event) = self.mapper.handle(&message, Utc::now()) {
                    if events.send(event).await.is_err() {
                        return Ok(());
                    }
                }
            }
        }
    }
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;
