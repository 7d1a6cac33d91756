//! MCN Telecom's REST API. From the help article: `GET /account/{account_id}/vpbx` and
//! `GET /account/{account_id}/vpbx/{vpbx_id}/call_log?date_from=&date_to=`. From public usage:
//! the base [`DEFAULT_BASE_URL`], the `Authorization: Bearer` token,
//! `GET …/call_log/record?call_id=` and `POST …/outbound_call`. Every request has the settings'
//! timeout; redirects are not followed.

use std::fmt;
use std::time::Duration;

use callpop_core::{CallRecord, PhoneNumber};
use chrono::{DateTime, NaiveDate, Utc};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use tokio::sync::OnceCell;

use super::error::McnError;
use super::error::PEER;
use super::wire::{list_of, moscow_date, parse_call_log, text, McnCall};
use crate::http;
use crate::recording::CappedReadError;
use crate::redact::excerpt;
use crate::transport::TransportError;

/// Public usage: the API's base.
pub const DEFAULT_BASE_URL: &str = "https://api.mcn.ru/v2/rest";

/// How long `outbound_call` rings the extension (`timeout_from`) by default, seconds.
pub const DEFAULT_TIMEOUT_FROM: u32 = 30;

/// How long `outbound_call` rings the client (`timeout_to`) by default, seconds.
pub const DEFAULT_TIMEOUT_TO: u32 = 60;

/// The largest recording [`McnClient::record`] accepts.
pub const MAX_RECORDING_BYTES: usize = 64 * 1024 * 1024;

/// Where and how to reach one MCN account. The token goes to [`McnClient::new`] alone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct McnSettings {
    /// The API base: [`DEFAULT_BASE_URL`], or the simulator's `http://127.0.0.1:PORT`.
    pub base_url: String,
    /// Article: `account_id`, the personal account number.
    pub account_id: String,
    /// Article: `vpbx_id`; `None`: the first of the account's active virtual PBXs.
    pub vpbx_id: Option<String>,
    /// The limit for each request, connection included.
    pub timeout: Duration,
}

impl McnSettings {
    /// From the account config: `domain` is the personal account number (`account_id`), or
    /// `account_id/vpbx_id` to pick a virtual PBX; `base_url` replaces [`DEFAULT_BASE_URL`].
    pub fn from_account(config: &callpop_core::AccountConfig) -> McnSettings {
        let (account_id, vpbx_id) = match config.domain.split_once('/') {
            Some((account, vpbx)) => (account.trim(), Some(vpbx.trim().to_owned())),
            None => (config.domain.trim(), None),
        };
        McnSettings {
            base_url: config
                .base_url
                .clone()
                .unwrap_or_else(|| DEFAULT_BASE_URL.to_owned()),
            account_id: account_id.to_owned(),
            vpbx_id: vpbx_id.filter(|v| !v.is_empty()),
            timeout: Duration::from_millis(config.timeout_ms),
        }
    }
}

/// One active virtual PBX (article: the list gives `vpbx_id`; other fields unspecified).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vpbx {
    /// `vpbx_id`.
    pub vpbx_id: String,
    /// `name`, when sent.
    pub name: Option<String>,
}

/// What `outbound_call` answered.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboundCall {
    /// The call's id, when the data has one (`call_id` / `callid` / `id`).
    pub call_id: Option<String>,
    /// The answer's data as sent.
    pub data: Value,
    /// True when it came inside an error (a retry after a partly failed request): the call
    /// was placed all the same.
    pub recovered: bool,
}

/// A call's recording.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recording {
    /// The audio, with its `Content-Type`.
    Audio {
        /// `Content-Type`.
        content_type: String,
        /// The bytes.
        bytes: Vec<u8>,
    },
    /// A link to the file.
    Link(String),
}

/// A client of one MCN Telecom account. Cheap to clone; the chosen virtual PBX is shared.
#[derive(Clone)]
pub struct McnClient {
    http: reqwest::Client,
    base: String,
    account_id: String,
    vpbx: std::sync::Arc<OnceCell<String>>,
    timeout: Duration,
    token: String,
}

impl fmt::Debug for McnClient {
    // Never prints the token.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("McnClient")
            .field("base", &self.base)
            .field("account_id", &self.account_id)
            .field("vpbx_id", &self.vpbx.get())
            .field("token", &"***")
            .finish()
    }
}

/// A path segment: non-empty, and no character that would change the path.
fn segment(name: &str, value: &str) -> Result<String, McnError> {
    let value = value.trim();
    if value.is_empty()
        || !value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(McnError::InvalidSettings(format!(
            "`{name}` {value:?} must be the number from the personal account (letters, digits)"
        )));
    }
    Ok(value.to_owned())
}

impl McnClient {
    /// A client for `settings` with the Bearer `token`.
    pub fn new(settings: McnSettings, token: String) -> Result<McnClient, McnError> {
        let base = settings.base_url.trim().trim_end_matches('/').to_owned();
        http::http_url(&base, &format!("{base:?}")).map_err(McnError::InvalidSettings)?;
        let account_id = segment("account_id", &settings.account_id)?;
        let vpbx = OnceCell::new();
        if let Some(id) = &settings.vpbx_id {
            let _ = vpbx.set(segment("vpbx_id", id)?);
        }
        let token = token.trim().to_owned();
        if token.is_empty() {
            return Err(McnError::InvalidSettings(
                "the API token is empty; create one in the personal account, menu \"API\"".into(),
            ));
        }
        let http = http::client(settings.timeout).map_err(McnError::InvalidSettings)?;
        Ok(McnClient {
            http,
            base,
            account_id,
            vpbx: std::sync::Arc::new(vpbx),
            timeout: settings.timeout,
            token,
        })
    }

    /// Article: `GET /account/{account_id}/vpbx`, the active virtual PBXs.
    pub async fn vpbx_list(&self) -> Result<Vec<Vpbx>, McnError> {
        let path = format!("/account/{}/vpbx", self.account_id);
        let value = self.json("vpbx", Method::GET, &path, &[], None).await?;
        let items = list_of(&value).ok_or_else(|| McnError::NotJson {
            call: "vpbx",
            detail: "no list of virtual PBXs".into(),
            excerpt: excerpt(&value.to_string(), &self.token),
        })?;
        Ok(items
            .iter()
            .filter_map(Value::as_object)
            .filter_map(|m| {
                Some(Vpbx {
                    vpbx_id: text(m, "vpbx_id").or_else(|| text(m, "id"))?,
                    name: text(m, "name"),
                })
            })
            .collect())
    }

    /// The virtual PBX in use: the configured one, else the first of [`McnClient::vpbx_list`]
    /// (asked once).
    pub async fn vpbx_id(&self) -> Result<String, McnError> {
        let id = self
            .vpbx
            .get_or_try_init(|| async {
                let list = self.vpbx_list().await?;
                let first = list.into_iter().next().ok_or_else(|| McnError::NoVpbx {
                    account_id: self.account_id.clone(),
                })?;
                segment("vpbx_id", &first.vpbx_id)
            })
            .await?;
        Ok(id.clone())
    }

    /// Article: `GET …/call_log`, the calls from `date_from` to `date_to` (`YYYY-MM-DD`).
    pub async fn call_log(
        &self,
        date_from: NaiveDate,
        date_to: NaiveDate,
    ) -> Result<Vec<McnCall>, McnError> {
        if date_from > date_to {
            return Err(McnError::InvalidInput(format!(
                "the period starts ({date_from}) after it ends ({date_to})"
            )));
        }
        let path = format!(
            "/account/{}/vpbx/{}/call_log",
            self.account_id,
            self.vpbx_id().await?
        );
        let query = [
            ("date_from", date_from.format("%Y-%m-%d").to_string()),
            ("date_to", date_to.format("%Y-%m-%d").to_string()),
        ];
        let value = self
            .json("call_log", Method::GET, &path, &query, None)
            .await?;
        parse_call_log(&value).map_err(|detail| McnError::NotJson {
            call: "call_log",
            detail,
            excerpt: excerpt(&value.to_string(), &self.token),
        })
    }

    /// The calls that started between `since` and `until`, oldest first, as history keeps them;
    /// `missed_only`: only incoming calls nobody answered. `call_log` speaks whole (Moscow) days:
    /// the days are asked for and the period kept here.
    pub async fn history(
        &self,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
        missed_only: bool,
        region: &str,
    ) -> Result<Vec<CallRecord>, McnError> {
        let calls = self
            .call_log(moscow_date(since), moscow_date(until))
            .await?;
        let mut records: Vec<CallRecord> = calls
            .iter()
            .filter(|c| !missed_only || c.is_missed())
            .filter_map(|c| c.call_record(region))
            .filter(|r| r.started_at >= since && r.started_at <= until)
            .collect();
        records.sort_by_key(|r| r.started_at);
        Ok(records)
    }

    /// Public usage: `GET …/call_log/record?call_id=`, the recording of one call (audio, or a
    /// JSON / text link to it).
    pub async fn record(&self, call_id: &str) -> Result<Recording, McnError> {
        let call_id = call_id.trim().trim_start_matches(super::RECORDING_PREFIX);
        if call_id.is_empty() {
            return Err(McnError::InvalidInput("the call id is empty".into()));
        }
        let path = format!(
            "/account/{}/vpbx/{}/call_log/record",
            self.account_id,
            self.vpbx_id().await?
        );
        let (status, content_type, body) = self
            .send(
                "call_log/record",
                Method::GET,
                &path,
                &[("call_id", call_id.to_owned())],
                None,
            )
            .await?;
        self.check("call_log/record", status, &body, Some(call_id))?;
        if !(content_type.starts_with("application/json") || content_type.starts_with("text/")) {
            return Ok(Recording::Audio {
                content_type,
                bytes: body,
            });
        }
        let text = String::from_utf8_lossy(&body).into_owned();
        let link = serde_json::from_str::<Value>(&text).ok().and_then(|v| {
            let v = v.get("data").cloned().unwrap_or(v);
            ["url", "link", "record"]
                .iter()
                .find_map(|k| v.get(k).and_then(Value::as_str).map(str::to_owned))
                .or_else(|| v.as_str().map(str::to_owned))
        });
        let link = link
            .or_else(|| Some(text.trim().to_owned()).filter(|t| !t.contains(char::is_whitespace)));
        match link.filter(|l| l.starts_with("http")) {
            Some(link) => Ok(Recording::Link(link)),
            None => Err(McnError::NotJson {
                call: "call_log/record",
                detail: "neither audio nor a link to it".into(),
                excerpt: excerpt(&text, &self.token),
            }),
        }
    }

    /// Public usage: `POST …/outbound_call {from, to, timeout_from, timeout_to}`: MCN rings
    /// `from` (the extension, "me") for up to `timeout_from` seconds, then `to` for up to
    /// `timeout_to`. An error answer that still holds `data` (a retry after a partly failed
    /// request) is a success with that data, marked [`OutboundCall::recovered`].
    pub async fn outbound_call(
        &self,
        from: &str,
        to: &PhoneNumber,
        timeout_from: u32,
        timeout_to: u32,
    ) -> Result<OutboundCall, McnError> {
        let from = from.trim();
        if from.is_empty() {
            return Err(McnError::InvalidInput("no extension to call from".into()));
        }
        let to = match to {
            PhoneNumber::E164(e164) => e164.trim_start_matches('+').to_owned(),
            PhoneNumber::Extension(ext) => ext.clone(),
            other => {
                let digits = other.digits();
                if digits.is_empty() {
                    return Err(McnError::InvalidInput(format!(
                        "{:?} has no digits to call",
                        other.key()
                    )));
                }
                digits
            }
        };
        let path = format!(
            "/account/{}/vpbx/{}/outbound_call",
            self.account_id,
            self.vpbx_id().await?
        );
        let body = json!({
            "from": from,
            "to": to,
            "timeout_from": timeout_from,
            "timeout_to": timeout_to,
        });
        let (status, _, raw) = self
            .send("outbound_call", Method::POST, &path, &[], Some(&body))
            .await?;
        let value = serde_json::from_slice::<Value>(&raw).ok();
        // MCN's API answers JSON: a 2xx page that is not (a maintenance page) placed no call.
        if status.is_success() && value.is_none() && !raw.iter().all(u8::is_ascii_whitespace) {
            return Err(McnError::NotJson {
                call: "outbound_call",
                detail: "not the API's JSON answer (an HTML page?): the call was not placed"
                    .to_owned(),
                excerpt: excerpt(&String::from_utf8_lossy(&raw), &self.token),
            });
        }
        let data = value
            .as_ref()
            .and_then(|v| v.get("data"))
            .filter(|d| !d.is_null())
            .cloned();
        let recovered = !status.is_success() || value.as_ref().is_some_and(has_error);
        if recovered {
            if let Some(data) = data {
                tracing::info!(
                    "MCN outbound_call answered an error holding the call's data: placed"
                );
                return Ok(OutboundCall {
                    call_id: id_of(&data),
                    data,
                    recovered: true,
                });
            }
            self.check("outbound_call", status, &raw, None)?;
            let detail = value.as_ref().map(|v| v.to_string()).unwrap_or_default();
            return Err(McnError::Refused {
                call: "outbound_call",
                status: status.as_u16(),
                detail: excerpt(&detail, &self.token),
            });
        }
        let data = data.or(value).unwrap_or(Value::Null);
        Ok(OutboundCall {
            call_id: id_of(&data),
            data,
            recovered: false,
        })
    }

    async fn json(
        &self,
        call: &'static str,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&Value>,
    ) -> Result<Value, McnError> {
        let (status, _, raw) = self.send(call, method, path, query, body).await?;
        self.check(call, status, &raw, None)?;
        let value: Value = serde_json::from_slice(&raw).map_err(|error| McnError::NotJson {
            call,
            detail: error.to_string(),
            excerpt: excerpt(&String::from_utf8_lossy(&raw), &self.token),
        })?;
        if has_error(&value) && list_of(&value).is_none() {
            return Err(McnError::Refused {
                call,
                status: status.as_u16(),
                detail: excerpt(&value.to_string(), &self.token),
            });
        }
        Ok(value)
    }

    /// The error a non-2xx status means.
    fn check(
        &self,
        call: &'static str,
        status: StatusCode,
        body: &[u8],
        id: Option<&str>,
    ) -> Result<(), McnError> {
        if status.is_success() {
            return Ok(());
        }
        let text = excerpt(&String::from_utf8_lossy(body), &self.token);
        Err(match status {
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => McnError::Unauthorized {
                call,
                status: status.as_u16(),
            },
            StatusCode::NOT_FOUND => McnError::NotFound {
                call,
                what: match id {
                    Some(id) => format!("recording of call {id:?}"),
                    None => format!(
                        "account {:?} or virtual PBX (check account_id and vpbx_id)",
                        self.account_id
                    ),
                },
            },
            status if status.is_server_error() => McnError::Server {
                call,
                status: status.as_u16(),
                body: text,
            },
            status => McnError::Refused {
                call,
                status: status.as_u16(),
                detail: text,
            },
        })
    }

    async fn send(
        &self,
        call: &'static str,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&Value>,
    ) -> Result<(StatusCode, String, Vec<u8>), McnError> {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .query(query);
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await.map_err(|e| self.transport(call, e))?;
        let status = response.status();
        let (content_type, body) = http::read_answer(response, MAX_RECORDING_BYTES)
            .await
            .map_err(|error| match error {
                CappedReadError::TooLarge => McnError::TooLarge {
                    limit: MAX_RECORDING_BYTES,
                },
                CappedReadError::Transport(error) => self.transport(call, error),
            })?;
        Ok((status, content_type, body))
    }

    fn transport(&self, call: &'static str, error: reqwest::Error) -> McnError {
        TransportError::of(
            PEER,
            call,
            &self.base.clone(),
            self.timeout,
            error,
            &self.token,
        )
        .into()
    }
}

/// True when a JSON answer says it failed: an `error` / `errors` that is not null, or
/// `success: false`.
fn has_error(value: &Value) -> bool {
    let Some(map) = value.as_object() else {
        return false;
    };
    map.get("error")
        .is_some_and(|e| !e.is_null() && e != &Value::Bool(false))
        || map
            .get("errors")
            .is_some_and(|e| !e.is_null() && e.as_array().is_none_or(|a| !a.is_empty()))
        || map.get("success") == Some(&Value::Bool(false))
}

fn id_of(data: &Value) -> Option<String> {
    let map = data.as_object()?;
    ["call_id", "callid", "id"]
        .iter()
        .find_map(|k| text(map, k))
}
