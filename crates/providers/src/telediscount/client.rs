//! CRM → Telediscount (telediscount.md, "Requests from the CRM"): `outcome`, `get_calls`,
//! `get_record`, each a `GET` under `{base}/api.php/telephony/` with the key in
//! `abonent_api_key` (the method descriptions' name; the source's last examples write `api_key`,
//! which we never send). Every request has the settings' timeout; redirects are not followed.

use std::fmt;
use std::time::Duration;

use callpop_core::{CallRecord, CallState, PhoneNumber};
use chrono::{DateTime, Utc};
use reqwest::StatusCode;
use serde_json::Value;

use super::error::TelediscountError;
use super::error::PEER;
use super::wire::{is_sip_account, parse_calls, sip_key, TdCall};
use crate::http;
use crate::recording::CappedReadError;
use crate::redact::{excerpt, scrub};
use crate::transport::TransportError;

/// Telediscount's cabinet and API host (telediscount.md).
pub const DEFAULT_BASE_URL: &str = "https://my.telediscount.ru";

/// The API's path on the host.
pub const API_PATH: &str = "/api.php/telephony/";

/// The largest recording [`TelediscountClient::get_record`] accepts.
pub const MAX_RECORDING_BYTES: usize = 64 * 1024 * 1024;

/// Where and how to reach Telediscount. The key is not here: it goes to
/// [`TelediscountClient::new`] alone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TelediscountSettings {
    /// Scheme and host: [`DEFAULT_BASE_URL`], or the simulator's `http://127.0.0.1:PORT`;
    /// [`API_PATH`] is appended.
    pub base_url: String,
    /// The limit for each request, connection included.
    pub timeout: Duration,
}

impl TelediscountSettings {
    /// From the account config: `base_url` when set (the simulator), else [`DEFAULT_BASE_URL`]
    /// (`domain` is not used: Telediscount has one host for every customer).
    pub fn from_account(config: &callpop_core::AccountConfig) -> TelediscountSettings {
        TelediscountSettings {
            base_url: config
                .base_url
                .clone()
                .unwrap_or_else(|| DEFAULT_BASE_URL.to_owned()),
            timeout: Duration::from_millis(config.timeout_ms),
        }
    }
}

impl Default for TelediscountSettings {
    fn default() -> TelediscountSettings {
        TelediscountSettings {
            base_url: DEFAULT_BASE_URL.into(),
            timeout: Duration::from_secs(10),
        }
    }
}

/// `get_calls` filters; all optional (telediscount.md).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CallFilter {
    /// `api_call_id`: one call.
    pub api_call_id: Option<String>,
    /// `num_a`: the calling number.
    pub num_a: Option<String>,
    /// `num_m`: the company number called.
    pub num_m: Option<String>,
    /// `num_b`: who answered.
    pub num_b: Option<String>,
}

/// What `outcome` answered. telediscount.md leaves the body unspecified: a `2xx` is accepted,
/// and an id is kept when the answer carries one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutcomeAnswer {
    /// `api_call_id` (or `call_id` / `id`) when the JSON answer has it.
    pub call_id: Option<String>,
    /// The answer, shortened.
    pub body: String,
}

/// A call's recording as `get_record` sent it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recording {
    /// The audio itself, with its `Content-Type`.
    Audio {
        /// `Content-Type`, e.g. `audio/mpeg`.
        content_type: String,
        /// The bytes.
        bytes: Vec<u8>,
    },
    /// A link to the file (a JSON or text answer naming a URL).
    Link(String),
}

/// A client of one Telediscount account. Cheap to clone.
#[derive(Clone)]
pub struct TelediscountClient {
    http: reqwest::Client,
    url: String,
    timeout: Duration,
    key: String,
}

impl fmt::Debug for TelediscountClient {
    // Never prints the key.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TelediscountClient")
            .field("url", &self.url)
            .field("timeout", &self.timeout)
            .field("key", &"***")
            .finish()
    }
}

impl TelediscountClient {
    /// A client for `settings` sending `key` as `abonent_api_key`.
    pub fn new(
        settings: TelediscountSettings,
        key: String,
    ) -> Result<TelediscountClient, TelediscountError> {
        let base = settings.base_url.trim().trim_end_matches('/');
        let url = format!("{base}{API_PATH}");
        http::http_url(&url, &format!("{base:?}")).map_err(TelediscountError::InvalidSettings)?;
        let key = key.trim().to_owned();
        if key.is_empty() {
            return Err(TelediscountError::InvalidSettings(
                "the CRM integration key is empty; copy it from the cabinet page \
                 \"Integration with CRM\""
                    .into(),
            ));
        }
        let http = http::client(settings.timeout).map_err(TelediscountError::InvalidSettings)?;
        Ok(TelediscountClient {
            http,
            url,
            timeout: settings.timeout,
            key,
        })
    }

    /// `outcome`: Telediscount rings the SIP account `sip_account` (`SIP/0000000672`: "me"),
    /// then `number`, sent in the universal format (international digits, no `+`:
    /// `74951234567`).
    pub async fn outcome(
        &self,
        sip_account: &str,
        number: &PhoneNumber,
    ) -> Result<OutcomeAnswer, TelediscountError> {
        if !is_sip_account(sip_account) {
            return Err(TelediscountError::InvalidInput(format!(
                "{sip_account:?} is not a Telediscount SIP account: set `user` to yours, e.g. \
                 SIP/0000000672"
            )));
        }
        let num_b = universal(number)?;
        let params = [("num_a", sip_key(sip_account)), ("num_b", num_b)];
        let (content_type, body) = self.get("outcome", &params).await?;
        let text = String::from_utf8_lossy(&body).into_owned();
        // telediscount.md leaves the body unspecified, but a web page (a maintenance or login
        // page before the API) is not the API accepting the call.
        if content_type.contains("text/html") || text.trim_start().starts_with('<') {
            return Err(TelediscountError::NotJson {
                method: "outcome",
                detail: "an HTML page instead of the API's answer: the call was not placed"
                    .to_owned(),
                excerpt: excerpt(&text, &self.key),
            });
        }
        let json = serde_json::from_str::<Value>(&text).ok();
        if let Some(detail) = json.as_ref().and_then(error_of) {
            return Err(self.refusal("outcome", &detail));
        }
        let call_id = json.as_ref().and_then(|value| {
            ["api_call_id", "call_id", "id"]
                .iter()
                .find_map(|k| value.get(k))
                .and_then(|v| match v {
                    Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
                    Value::Number(n) => Some(n.to_string()),
                    _ => None,
                })
        });
        Ok(OutcomeAnswer {
            call_id,
            body: excerpt(&text, &self.key),
        })
    }

    /// `get_calls`: call records matching `filter` (none: every call the API returns).
    pub async fn get_calls(&self, filter: &CallFilter) -> Result<Vec<TdCall>, TelediscountError> {
        let mut params = Vec::new();
        for (name, value) in [
            ("api_call_id", &filter.api_call_id),
            ("num_a", &filter.num_a),
            ("num_m", &filter.num_m),
            ("num_b", &filter.num_b),
        ] {
            if let Some(value) = value.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
                params.push((name, value.to_owned()));
            }
        }
        let (_, body) = self.get("get_calls", &params).await?;
        let text = String::from_utf8_lossy(&body);
        let value: Value =
            serde_json::from_str(&text).map_err(|error| TelediscountError::NotJson {
                method: "get_calls",
                detail: scrub(&error.to_string(), &self.key),
                excerpt: excerpt(&text, &self.key),
            })?;
        if let Some(detail) = error_of(&value) {
            return Err(self.refusal("get_calls", &detail));
        }
        parse_calls(&value).map_err(|detail| TelediscountError::NotJson {
            method: "get_calls",
            detail,
            excerpt: excerpt(&text, &self.key),
        })
    }

    /// The calls that started between `since` and `until`, oldest first, as history keeps them;
    /// `missed_only`: only the missed ones. `get_calls` has no period filter (telediscount.md),
    /// so every call is read and the period kept here.
    pub async fn history(
        &self,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
        missed_only: bool,
        region: &str,
    ) -> Result<Vec<CallRecord>, TelediscountError> {
        let calls = self.get_calls(&CallFilter::default()).await?;
        let mut records: Vec<CallRecord> = calls
            .iter()
            .filter_map(|call| call.call_record(region))
            .filter(|r| r.started_at >= since && r.started_at <= until)
            .filter(|r| !missed_only || r.state == CallState::Missed)
            .collect();
        records.sort_by_key(|r| r.started_at);
        Ok(records)
    }

    /// Checks the key with a `get_calls` for a call id that cannot exist: cheap, and a wrong key
    /// is refused like any other request.
    pub async fn check_key(&self) -> Result<(), TelediscountError> {
        let filter = CallFilter {
            api_call_id: Some("0".repeat(32)),
            ..CallFilter::default()
        };
        self.get_calls(&filter).await.map(drop)
    }

    /// `get_record`: the recording of call `api_call_id`. The source does not say what comes
    /// back: audio is returned as it is; JSON or text naming a URL as [`Recording::Link`]; a JSON
    /// `error` as [`TelediscountError::Refused`].
    pub async fn get_record(&self, api_call_id: &str) -> Result<Recording, TelediscountError> {
        let id = api_call_id.trim();
        if id.is_empty() {
            return Err(TelediscountError::InvalidInput(
                "the call id is empty".into(),
            ));
        }
        let (content_type, body) = self
            .get("get_record", &[("api_call_id", id.to_owned())])
            .await?;
        let textual =
            content_type.starts_with("application/json") || content_type.starts_with("text/");
        if !textual {
            return Ok(Recording::Audio {
                content_type,
                bytes: body,
            });
        }
        let text = String::from_utf8_lossy(&body).into_owned();
        if let Ok(value) = serde_json::from_str::<Value>(&text) {
            if let Some(detail) = error_of(&value) {
                return Err(self.refusal("get_record", &detail));
            }
            let link = ["url", "link", "recorder_file", "file"]
                .iter()
                .find_map(|k| value.get(k).and_then(Value::as_str))
                .or_else(|| value.as_str());
            if let Some(link) = link.filter(|l| l.starts_with("http")) {
                return Ok(Recording::Link(link.to_owned()));
            }
        } else if text.trim().starts_with("http") && !text.trim().contains(char::is_whitespace) {
            return Ok(Recording::Link(text.trim().to_owned()));
        }
        Err(TelediscountError::NotJson {
            method: "get_record",
            detail: "neither audio nor a link to it".into(),
            excerpt: excerpt(&text, &self.key),
        })
    }

    fn refusal(&self, method: &'static str, detail: &str) -> TelediscountError {
        let lower = detail.to_ascii_lowercase();
        if lower.contains("key") || lower.contains("auth") {
            TelediscountError::Unauthorized { method }
        } else {
            TelediscountError::Refused {
                method,
                detail: excerpt(detail, &self.key),
            }
        }
    }

    /// Sends `method` with the key and `params`; the `Content-Type` and body of a `2xx`, or the
    /// error its status means.
    async fn get(
        &self,
        method: &'static str,
        params: &[(&str, String)],
    ) -> Result<(String, Vec<u8>), TelediscountError> {
        let mut query: Vec<(&str, &str)> = params.iter().map(|(k, v)| (*k, v.as_str())).collect();
        query.push(("abonent_api_key", &self.key));
        let response = self
            .http
            .get(format!("{}{method}", self.url))
            .query(&query)
            .send()
            .await
            .map_err(|error| self.transport(method, error))?;
        let status = response.status();
        let (content_type, body) = http::read_answer(response, MAX_RECORDING_BYTES)
            .await
            .map_err(|error| match error {
                CappedReadError::TooLarge => TelediscountError::TooLarge {
                    limit: MAX_RECORDING_BYTES,
                },
                CappedReadError::Transport(error) => self.transport(method, error),
            })?;
        let text = || excerpt(&String::from_utf8_lossy(&body), &self.key);
        match status {
            status if status.is_success() => Ok((content_type, body)),
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => {
                Err(TelediscountError::Unauthorized { method })
            }
            StatusCode::BAD_REQUEST => Err(TelediscountError::Refused {
                method,
                detail: serde_json::from_slice::<Value>(&body)
                    .ok()
                    .as_ref()
                    .and_then(error_of)
                    .map(|d| excerpt(&d, &self.key))
                    .unwrap_or_else(text),
            }),
            StatusCode::NOT_FOUND => Err(TelediscountError::NotFound {
                method,
                what: match params.iter().find(|(k, _)| *k == "api_call_id") {
                    Some((_, id)) => format!("call {id:?}"),
                    None => "such method (check the base URL)".into(),
                },
            }),
            status if status.is_server_error() => Err(TelediscountError::Server {
                method,
                status: status.as_u16(),
                body: text(),
            }),
            status => Err(TelediscountError::Http {
                method,
                status: status.as_u16(),
                body: text(),
            }),
        }
    }

    /// A transport failure, without the URL (its query carries the key).
    fn transport(&self, method: &'static str, error: reqwest::Error) -> TelediscountError {
        TransportError::of(
            PEER,
            method,
            &self.url.clone(),
            self.timeout,
            error,
            &self.key,
        )
        .into()
    }
}

/// The universal format telediscount.md asks for in `num_b`: the international number's digits
/// (`74951234567`).
fn universal(number: &PhoneNumber) -> Result<String, TelediscountError> {
    match number {
        PhoneNumber::E164(e164) => Ok(e164.trim_start_matches('+').to_owned()),
        other => {
            let digits = other.digits();
            if digits.len() >= 10 && !matches!(other, PhoneNumber::Sip { .. }) {
                Ok(digits)
            } else {
                Err(TelediscountError::InvalidInput(format!(
                    "{:?} is not a phone number Telediscount can call (it wants the \
                     international format, e.g. 74951234567)",
                    other.key()
                )))
            }
        }
    }
}

/// The text of a JSON `error` (string, or object with `message`), or of `status: "error"`.
fn error_of(value: &Value) -> Option<String> {
    let object = value.as_object()?;
    match object.get("error") {
        Some(Value::String(s)) if !s.trim().is_empty() => return Some(s.clone()),
        Some(Value::Object(inner)) => {
            return Some(
                inner
                    .get("message")
                    .and_then(Value::as_str)
                    .map(str::to_owned)
                    .unwrap_or_else(|| Value::Object(inner.clone()).to_string()),
            )
        }
        _ => {}
    }
    let status = object.get("status").and_then(Value::as_str)?;
    (status.eq_ignore_ascii_case("error")).then(|| {
        object
            .get("message")
            .and_then(Value::as_str)
            .unwrap_or("error")
            .to_owned()
    })
}
