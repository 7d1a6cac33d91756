//! Vega's REST API, the client side (vega.md part B): authorize, active calls, click-to-call.
//!
//! One session is shared by every request (and every clone of the client). A request answered
//! `403` is retried once after a fresh authorization (vega.md B.1); every request has the
//! settings' timeout.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use reqwest::header::{HeaderMap, COOKIE, SET_COOKIE};
use reqwest::{RequestBuilder, Response, StatusCode};

use super::error::{causes, excerpt, scrub, VegaError};
use super::wire::{ActiveCall, AuthorizeRequest, MakeCallAnswer, MakeCallRequest};

/// The session cookie's name (vega.md B.1).
const SESSION_COOKIE: &str = "JSESSIONID";

const AUTHORIZE: &str = "POST /rest/security/authorize";
const ACTIVE_CALLS: &str = "GET /rest/calls/active/v3";
const MAKE_CALL: &str = "POST /rest/user/makeCall";

/// Where and how to reach one Vega account. The API key is not here: it comes from the keyring
/// and is handed to [`VegaClient::new`] alone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VegaSettings {
    /// `https://test4.pbx.vega.ua`, or the simulator's `http://127.0.0.1:PORT`.
    pub base_url: String,
    /// The account domain sent to `authorize` (`test4.pbx.vega.ua`).
    pub domain: String,
    /// The limit for each request, connection included.
    pub timeout: Duration,
    /// ISO 3166 region for numbers written without a country code (`"UA"`, `"RU"`).
    pub region: String,
}

impl VegaSettings {
    /// Settings for the account at `https://{domain}` (vega.md B.1: requests go to the host named
    /// by the domain), with a 10 s timeout and region `UA`, Vega's home market.
    pub fn for_domain(domain: &str) -> VegaSettings {
        let domain = domain.trim();
        VegaSettings {
            base_url: format!("https://{domain}"),
            domain: domain.to_owned(),
            timeout: Duration::from_secs(10),
            region: "UA".to_owned(),
        }
    }
}

/// A Vega REST client. Cheap to clone: clones share one connection pool and one session.
#[derive(Clone)]
pub struct VegaClient {
    inner: Arc<ClientInner>,
}

struct ClientInner {
    http: reqwest::Client,
    settings: VegaSettings,
    /// `base_url` without a trailing slash.
    base_url: String,
    api_key: String,
    /// The current `JSESSIONID`, if any.
    session: Mutex<Option<String>>,
    /// Held while authorizing, so concurrent requests that meet a 403 authorize only once.
    authorizing: tokio::sync::Mutex<()>,
}

impl std::fmt::Debug for VegaClient {
    // Neither the API key nor the session id may reach a log.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VegaClient")
            .field("settings", &self.inner.settings)
            .field("api_key", &"<redacted>")
            .field("has_session", &self.current_session().is_some())
            .finish()
    }
}

impl VegaClient {
    /// A client for these settings; checks them, but sends nothing yet.
    pub fn new(settings: VegaSettings, api_key: String) -> Result<VegaClient, VegaError> {
        let base_url = settings.base_url.trim().trim_end_matches('/').to_owned();
        let parsed = reqwest::Url::parse(&base_url).map_err(|error| {
            VegaError::InvalidSettings(format!(
                "the address {base_url:?} is not a URL ({error}); expected e.g. https://test4.pbx.vega.ua"
            ))
        })?;
        if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
            return Err(VegaError::InvalidSettings(format!(
                "the address {base_url:?} must start with https:// (or http://) and name a host"
            )));
        }
        let domain = settings.domain.trim();
        if domain.is_empty() || domain.contains(char::is_whitespace) {
            return Err(VegaError::InvalidSettings(format!(
                "the domain {:?} is not an account domain like test4.pbx.vega.ua",
                settings.domain
            )));
        }
        // A key pasted from the cabinet often carries a stray space or newline.
        let api_key = api_key.trim().to_owned();
        if api_key.is_empty() {
            return Err(VegaError::InvalidSettings(
                "the API key is empty; copy it from the Vega cabinet: Settings → Integration → \
                 Integration with another CRM system"
                    .to_owned(),
            ));
        }
        if settings.timeout.is_zero() {
            return Err(VegaError::InvalidSettings(
                "the timeout must be more than 0".to_owned(),
            ));
        }
        let http = reqwest::Client::builder()
            .timeout(settings.timeout)
            .connect_timeout(settings.timeout)
            .user_agent(concat!("callpop/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|error| {
                VegaError::InvalidSettings(format!("cannot build an HTTP client: {error}"))
            })?;
        let settings = VegaSettings {
            domain: domain.to_owned(),
            ..settings
        };
        Ok(VegaClient {
            inner: Arc::new(ClientInner {
                http,
                settings,
                base_url,
                api_key,
                session: Mutex::new(None),
                authorizing: tokio::sync::Mutex::new(()),
            }),
        })
    }

    /// The settings in force.
    pub fn settings(&self) -> &VegaSettings {
        &self.inner.settings
    }

    /// Logs in (vega.md B.1) and keeps the session for later requests. Other requests do this
    /// by themselves when needed; calling it checks the domain and key.
    pub async fn authorize(&self) -> Result<(), VegaError> {
        let _guard = self.inner.authorizing.lock().await;
        self.authorize_now().await.map(drop)
    }

    /// The calls in progress now (vega.md B.3).
    pub async fn active_calls(&self) -> Result<Vec<ActiveCall>, VegaError> {
        let url = self.url("/rest/calls/active/v3");
        let response = self.authorized(ACTIVE_CALLS, |http| http.get(&url)).await?;
        let body = self.success_body(response, ACTIVE_CALLS).await?;
        self.parse_json(&body, ACTIVE_CALLS)
    }

    /// Asks Vega to call `number` on behalf of the employee `leg_ext` (vega.md B.2): the
    /// employee's phone rings first. Returns the new call's uuid.
    pub async fn make_call(&self, leg_ext: &str, number: &str) -> Result<String, VegaError> {
        let (leg_ext, number) = (leg_ext.trim(), number.trim());
        if leg_ext.is_empty() {
            return Err(VegaError::InvalidInput(
                "cannot place a call: the employee's extension is empty".to_owned(),
            ));
        }
        if number.is_empty() {
            return Err(VegaError::InvalidInput(
                "cannot place a call: the number to call is empty".to_owned(),
            ));
        }
        let url = self.url("/rest/user/makeCall");
        let body = MakeCallRequest {
            leg_ext,
            other_leg_num: number,
        };
        let response = self
            .authorized(MAKE_CALL, |http| http.post(&url).json(&body))
            .await?;
        let text = self.success_body(response, MAKE_CALL).await?;
        let answer: MakeCallAnswer = self.parse_json(&text, MAKE_CALL)?;
        if answer.uuid.trim().is_empty() {
            return Err(VegaError::NotJson {
                endpoint: MAKE_CALL.to_owned(),
                detail: "the uuid is empty".to_owned(),
                excerpt: excerpt(&text, &self.inner.api_key),
            });
        }
        Ok(answer.uuid)
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.inner.base_url)
    }

    fn session_slot(&self) -> MutexGuard<'_, Option<String>> {
        // The slot holds a plain string: a panic elsewhere cannot leave it half-written.
        self.inner
            .session
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn current_session(&self) -> Option<String> {
        self.session_slot().clone()
    }

    /// Sends `authorize`; the caller holds `authorizing`.
    async fn authorize_now(&self) -> Result<String, VegaError> {
        let settings = &self.inner.settings;
        let body = AuthorizeRequest {
            domain: &settings.domain,
            api_key: &self.inner.api_key,
        };
        let request = self
            .inner
            .http
            .post(self.url("/rest/security/authorize"))
            .json(&body);
        let response = self.send(request, AUTHORIZE).await?;
        let status = response.status();
        if status.is_success() {
            let session =
                session_cookie(response.headers()).ok_or_else(|| VegaError::NoSessionCookie {
                    base_url: self.inner.base_url.clone(),
                })?;
            *self.session_slot() = Some(session.clone());
            tracing::debug!(domain = %settings.domain, "authorized at Vega");
            return Ok(session);
        }
        let text = self
            .body_text(response, AUTHORIZE)
            .await
            .unwrap_or_default();
        let detail = match excerpt(&text, &self.inner.api_key) {
            detail if detail.is_empty() => status
                .canonical_reason()
                .unwrap_or("no reason given")
                .to_owned(),
            detail => detail,
        };
        // vega.md B.1: a refused authorization is ">= 400 with the error's description". 404 or
        // 5xx rather say the address is wrong or Vega is down: those stay HTTP errors.
        if matches!(status.as_u16(), 400 | 401 | 403) {
            Err(VegaError::Unauthorized {
                domain: settings.domain.clone(),
                status: status.as_u16(),
                detail,
            })
        } else {
            Err(VegaError::Http {
                endpoint: AUTHORIZE.to_owned(),
                status: status.as_u16(),
                body: detail,
            })
        }
    }

    /// The current session, authorizing first when there is none.
    async fn session(&self) -> Result<String, VegaError> {
        if let Some(session) = self.current_session() {
            return Ok(session);
        }
        let _guard = self.inner.authorizing.lock().await;
        // Another request may have authorized while this one waited.
        match self.current_session() {
            Some(session) => Ok(session),
            None => self.authorize_now().await,
        }
    }

    /// A session to replace `stale`, which Vega refused.
    async fn renew_session(&self, stale: &str) -> Result<String, VegaError> {
        let _guard = self.inner.authorizing.lock().await;
        match self.current_session() {
            Some(session) if session != stale => Ok(session),
            _ => {
                *self.session_slot() = None;
                self.authorize_now().await
            }
        }
    }

    /// Sends a request with the session cookie; on 403 authorizes again and retries once
    /// (vega.md B.1: "authorize again and replace the old JSESSIONID with the new one").
    async fn authorized(
        &self,
        endpoint: &str,
        build: impl Fn(&reqwest::Client) -> RequestBuilder,
    ) -> Result<Response, VegaError> {
        let session = self.session().await?;
        let request = build(&self.inner.http).header(COOKIE, cookie(&session));
        let response = self.send(request, endpoint).await?;
        if response.status() != StatusCode::FORBIDDEN {
            return Ok(response);
        }
        tracing::debug!(endpoint, "Vega session no longer valid; authorizing again");
        let session = self.renew_session(&session).await?;
        let request = build(&self.inner.http).header(COOKIE, cookie(&session));
        let response = self.send(request, endpoint).await?;
        if response.status() == StatusCode::FORBIDDEN {
            return Err(VegaError::Forbidden {
                endpoint: endpoint.to_owned(),
            });
        }
        Ok(response)
    }

    async fn send(&self, request: RequestBuilder, endpoint: &str) -> Result<Response, VegaError> {
        request
            .send()
            .await
            .map_err(|error| self.transport_error(&error, endpoint))
    }

    async fn body_text(&self, response: Response, endpoint: &str) -> Result<String, VegaError> {
        response
            .text()
            .await
            .map_err(|error| self.transport_error(&error, endpoint))
    }

    /// The body of a 2xx answer; any other status is an [`VegaError::Http`] quoting the body.
    async fn success_body(&self, response: Response, endpoint: &str) -> Result<String, VegaError> {
        let status = response.status();
        let text = self.body_text(response, endpoint).await?;
        if status.is_success() {
            return Ok(text);
        }
        Err(VegaError::Http {
            endpoint: endpoint.to_owned(),
            status: status.as_u16(),
            body: excerpt(&text, &self.inner.api_key),
        })
    }

    fn parse_json<T: serde::de::DeserializeOwned>(
        &self,
        text: &str,
        endpoint: &str,
    ) -> Result<T, VegaError> {
        serde_json::from_str(text).map_err(|error| VegaError::NotJson {
            endpoint: endpoint.to_owned(),
            detail: scrub(&error.to_string(), &self.inner.api_key),
            excerpt: excerpt(text, &self.inner.api_key),
        })
    }

    fn transport_error(&self, error: &reqwest::Error, endpoint: &str) -> VegaError {
        if error.is_timeout() {
            VegaError::Timeout {
                endpoint: endpoint.to_owned(),
                timeout: self.inner.settings.timeout,
            }
        } else {
            VegaError::Network {
                base_url: self.inner.base_url.clone(),
                detail: scrub(&causes(error), &self.inner.api_key),
            }
        }
    }
}

fn cookie(session: &str) -> String {
    format!("{SESSION_COOKIE}={session}")
}

/// The `JSESSIONID` value among the answer's `Set-Cookie` headers.
fn session_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .filter_map(|value| value.split(';').next())
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, value)| {
            name.trim().eq_ignore_ascii_case(SESSION_COOKIE) && !value.trim().is_empty()
        })
        .map(|(_, value)| value.trim().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn settings(base_url: &str) -> VegaSettings {
        VegaSettings {
            base_url: base_url.to_owned(),
            ..VegaSettings::for_domain("test4.pbx.vega.ua")
        }
    }

    #[test]
    fn settings_for_a_domain_point_at_that_host() {
        let settings = VegaSettings::for_domain(" test4.pbx.vega.ua ");
        assert_eq!(settings.base_url, "https://test4.pbx.vega.ua");
        assert_eq!(settings.domain, "test4.pbx.vega.ua");
        assert!(!settings.timeout.is_zero());
    }

    #[test]
    fn unusable_settings_are_refused_with_a_reason() {
        let cases = [
            (settings("test4.pbx.vega.ua"), "k", "not a URL"),
            (settings("ftp://test4.pbx.vega.ua"), "k", "https://"),
            (
                VegaSettings {
                    domain: " ".into(),
                    ..settings("https://x")
                },
                "k",
                "domain",
            ),
            (
                settings("https://test4.pbx.vega.ua"),
                "  ",
                "API key is empty",
            ),
            (
                VegaSettings {
                    timeout: Duration::ZERO,
                    ..settings("https://x")
                },
                "k",
                "timeout",
            ),
        ];
        for (settings, key, reason) in cases {
            match VegaClient::new(settings.clone(), key.to_owned()) {
                Err(VegaError::InvalidSettings(message)) => {
                    assert!(message.contains(reason), "{message}")
                }
                other => panic!("{settings:?}: expected InvalidSettings, got {other:?}"),
            }
        }
    }

    #[test]
    fn debug_output_hides_the_api_key() {
        let client = VegaClient::new(
            settings("https://test4.pbx.vega.ua/"),
            "bHGbn240QSjF".to_owned(),
        )
        .unwrap();
        let shown = format!("{client:?}");
        assert!(!shown.contains("bHGbn240QSjF"), "{shown}");
        assert!(shown.contains("<redacted>"));
        assert_eq!(client.url("/rest/x"), "https://test4.pbx.vega.ua/rest/x");
    }

    #[test]
    fn the_session_id_is_read_from_set_cookie_headers() {
        let mut headers = HeaderMap::new();
        headers.append(SET_COOKIE, HeaderValue::from_static("lang=uk; Path=/"));
        headers.append(
            SET_COOKIE,
            HeaderValue::from_static("JSESSIONID=ABC123; Path=/; HttpOnly"),
        );
        assert_eq!(session_cookie(&headers).as_deref(), Some("ABC123"));
        let mut empty = HeaderMap::new();
        empty.append(SET_COOKIE, HeaderValue::from_static("JSESSIONID=; Path=/"));
        assert_eq!(session_cookie(&empty), None);
        assert_eq!(session_cookie(&HeaderMap::new()), None);
    }

    #[tokio::test]
    async fn make_call_refuses_empty_arguments_before_sending() {
        // Port 9 (discard) on loopback: nothing is sent, the arguments are refused first.
        let client = VegaClient::new(settings("http://127.0.0.1:9"), "k".to_owned()).unwrap();
        for (ext, number) in [("", "+380993034330"), ("001", " ")] {
            match client.make_call(ext, number).await {
                Err(VegaError::InvalidInput(message)) => {
                    assert!(message.contains("empty"), "{message}")
                }
                other => panic!("expected InvalidInput, got {other:?}"),
            }
        }
    }
}
