//! The CRM → PBX commands (cloud-pbx.md 5): every one goes to the one URL
//! `https://{domain}/sys/crm_api.wcgp`, selected by `cmd`, with the key in `token`.
//!
//! Every command is sent as `POST` with form fields, also those the spec allows as `GET`: a
//! query string would put the token into access logs. Redirects are not
//! followed: a wrong PBX name answers `301`, reported as [`CloudPbxError::WrongAddress`]. Every
//! request has the settings' timeout.

use std::fmt;
use std::time::Duration;

use callpop_core::{Employee, PhoneNumber};
use chrono::{DateTime, Utc};
use reqwest::StatusCode;
use serde::de::DeserializeOwned;

use super::error::CloudPbxError;
use super::error::PEER;
use super::history_csv::{parse_history_csv, HistoryRow};
use super::time::format_wire;
use super::wire::{cmd, flag, make_call_id, DndAnswer, PbxAccount, PbxGroup, SubscriptionAnswer};
use crate::http;
use crate::redact::{excerpt, scrub};
use crate::transport::TransportError;

/// The API's path on the PBX's host (cloud-pbx.md 2).
pub const API_PATH: &str = "/sys/crm_api.wcgp";

/// Where and how to reach one cloud PBX. The token is not here: it is handed to
/// [`CloudPbxClient::new`] alone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CloudPbxSettings {
    /// Scheme and host: `https://{domain}`, or the simulator's `http://127.0.0.1:PORT`.
    /// [`API_PATH`] is appended.
    pub base_url: String,
    /// The limit for each request, connection included.
    pub timeout: Duration,
}

impl CloudPbxSettings {
    /// Settings for the PBX at `https://{domain}` with a 10 s timeout.
    pub fn for_domain(domain: &str) -> CloudPbxSettings {
        CloudPbxSettings {
            base_url: format!("https://{}", domain.trim()),
            timeout: Duration::from_secs(10),
        }
    }
}

/// cloud-pbx.md 5.4 `period`: when set, it wins over `start` / `end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HistoryPeriod {
    /// `today`.
    Today,
    /// `yesterday`.
    Yesterday,
    /// `this_week`.
    ThisWeek,
    /// `last_week`.
    LastWeek,
    /// `this_month`.
    ThisMonth,
    /// `last_month`.
    LastMonth,
}

impl HistoryPeriod {
    /// The wire value.
    pub fn as_str(self) -> &'static str {
        match self {
            HistoryPeriod::Today => "today",
            HistoryPeriod::Yesterday => "yesterday",
            HistoryPeriod::ThisWeek => "this_week",
            HistoryPeriod::LastWeek => "last_week",
            HistoryPeriod::ThisMonth => "this_month",
            HistoryPeriod::LastMonth => "last_month",
        }
    }
}

/// cloud-pbx.md 5.4 `type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HistoryType {
    /// `all` (the default).
    #[default]
    All,
    /// `in`.
    In,
    /// `out`.
    Out,
    /// `missed`.
    Missed,
}

impl HistoryType {
    /// The wire value.
    pub fn as_str(self) -> &'static str {
        match self {
            HistoryType::All => "all",
            HistoryType::In => "in",
            HistoryType::Out => "out",
            HistoryType::Missed => "missed",
        }
    }
}

/// What to ask `history` for; every field optional as in cloud-pbx.md 5.4.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HistoryQuery {
    /// `period`; wins over `start` / `end`.
    pub period: Option<HistoryPeriod>,
    /// `start`.
    pub start: Option<DateTime<Utc>>,
    /// `end`.
    pub end: Option<DateTime<Utc>>,
    /// `type`.
    pub kind: HistoryType,
    /// `limit`.
    pub limit: Option<u32>,
}

/// A client of one cloud PBX. Cheap to clone (one connection pool).
#[derive(Clone)]
pub struct CloudPbxClient {
    http: reqwest::Client,
    url: String,
    timeout: Duration,
    token: String,
}

impl fmt::Debug for CloudPbxClient {
    // Never prints the token.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CloudPbxClient")
            .field("url", &self.url)
            .field("timeout", &self.timeout)
            .field("token", &"***")
            .finish()
    }
}

impl CloudPbxClient {
    /// A client for `settings`, authorizing every request with `token`.
    pub fn new(settings: CloudPbxSettings, token: String) -> Result<CloudPbxClient, CloudPbxError> {
        let base = settings.base_url.trim().trim_end_matches('/');
        let url = format!("{base}{API_PATH}");
        http::http_url(&url, &format!("{base:?}")).map_err(CloudPbxError::InvalidSettings)?;
        let token = token.trim().to_owned();
        if token.is_empty() {
            return Err(CloudPbxError::InvalidSettings(
                "the API token is empty; copy it from the PBX web cabinet".into(),
            ));
        }
        let http = http::client(settings.timeout).map_err(CloudPbxError::InvalidSettings)?;
        Ok(CloudPbxClient {
            http,
            url,
            timeout: settings.timeout,
            token,
        })
    }

    /// The full API address the client sends to.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// cloud-pbx.md 5.1 `accounts`: the PBX's users.
    pub async fn accounts(&self) -> Result<Vec<PbxAccount>, CloudPbxError> {
        self.json(cmd::ACCOUNTS, &[]).await
    }

    /// The users as the core's [`Employee`]s (`id` = login).
    pub async fn employees(&self) -> Result<Vec<Employee>, CloudPbxError> {
        Ok(self
            .accounts()
            .await?
            .iter()
            .map(PbxAccount::employee)
            .collect())
    }

    /// cloud-pbx.md 5.2 `groups`: the departments, or only `user`'s.
    pub async fn groups(&self, user: Option<&str>) -> Result<Vec<PbxGroup>, CloudPbxError> {
        let mut params = Vec::new();
        if let Some(user) = user {
            params.push(("user", required("user", user)?));
        }
        self.json(cmd::GROUPS, &params).await
    }

    /// cloud-pbx.md 5.3 `makeCall`: the PBX rings `user`'s phone, then `number`. The number is
    /// sent as digits only: the live PBX refuses a leading `+`. Returns the call's id.
    pub async fn make_call(
        &self,
        user: &str,
        number: &PhoneNumber,
    ) -> Result<String, CloudPbxError> {
        let digits = number.digits();
        if digits.is_empty() {
            return Err(CloudPbxError::InvalidInput(format!(
                "{:?} has no digits to call",
                number.key()
            )));
        }
        let params = [("user", required("user", user)?), ("phone", digits)];
        let body = self.send(cmd::MAKE_CALL, &params).await?;
        make_call_id(&body).ok_or_else(|| CloudPbxError::NotJson {
            command: cmd::MAKE_CALL.into(),
            detail: "no call id in the answer".into(),
            excerpt: excerpt(&body, &self.token),
        })
    }

    /// cloud-pbx.md 5.4 `history`: finished calls, from the PBX's CSV.
    pub async fn history(&self, query: &HistoryQuery) -> Result<Vec<HistoryRow>, CloudPbxError> {
        if let (Some(start), Some(end)) = (query.start, query.end) {
            if start > end {
                return Err(CloudPbxError::InvalidInput(format!(
                    "the period starts ({start}) after it ends ({end})"
                )));
            }
        }
        let mut params = vec![("type", query.kind.as_str().to_owned())];
        if let Some(period) = query.period {
            params.push(("period", period.as_str().to_owned()));
        } else {
            if let Some(start) = query.start {
                params.push(("start", format_wire(start)));
            }
            if let Some(end) = query.end {
                params.push(("end", format_wire(end)));
            }
        }
        if let Some(limit) = query.limit {
            params.push(("limit", limit.to_string()));
        }
        let body = self.send(cmd::HISTORY, &params).await?;
        parse_history_csv(&body)
    }

    /// cloud-pbx.md 5.5 `subscribeOnCalls`: `user` receives calls of `group` (all their groups
    /// when `None`) or not.
    pub async fn subscribe_on_calls(
        &self,
        user: &str,
        group: Option<&str>,
        on: bool,
    ) -> Result<(), CloudPbxError> {
        let mut params = vec![("user", required("user", user)?)];
        if let Some(group) = group {
            params.push(("group_id", required("group_id", group)?));
        }
        params.push(("status", if on { "on" } else { "off" }.to_owned()));
        self.send(cmd::SUBSCRIBE_ON_CALLS, &params).await.map(drop)
    }

    /// cloud-pbx.md 5.6 `subscriptionStatus`: whether `user` receives calls of `group`.
    pub async fn subscription_status(
        &self,
        user: &str,
        group: &str,
    ) -> Result<bool, CloudPbxError> {
        let params = [
            ("user", required("user", user)?),
            ("group_id", required("group_id", group)?),
        ];
        let answer: SubscriptionAnswer = self.json(cmd::SUBSCRIPTION_STATUS, &params).await?;
        self.flag_of(cmd::SUBSCRIPTION_STATUS, &answer.status)
    }

    /// cloud-pbx.md 5.7 `set_dnd`: Do-Not-Disturb on or off for `user`.
    pub async fn set_dnd(&self, user: &str, on: bool) -> Result<(), CloudPbxError> {
        let params = [("user", required("user", user)?), ("state", on.to_string())];
        self.send(cmd::SET_DND, &params).await.map(drop)
    }

    /// cloud-pbx.md 5.8 `get_dnd`: whether `user` is in Do-Not-Disturb.
    pub async fn get_dnd(&self, user: &str) -> Result<bool, CloudPbxError> {
        let params = [("user", required("user", user)?)];
        let answer: DndAnswer = self.json(cmd::GET_DND, &params).await?;
        self.flag_of(cmd::GET_DND, &answer.state)
    }

    fn flag_of(&self, command: &str, value: &serde_json::Value) -> Result<bool, CloudPbxError> {
        flag(value).ok_or_else(|| CloudPbxError::NotJson {
            command: command.into(),
            detail: format!("expected on/off or true/false, got {value}"),
            excerpt: excerpt(&value.to_string(), &self.token),
        })
    }

    async fn json<T: DeserializeOwned>(
        &self,
        command: &str,
        params: &[(&str, String)],
    ) -> Result<T, CloudPbxError> {
        let body = self.send(command, params).await?;
        serde_json::from_str(&body).map_err(|error| CloudPbxError::NotJson {
            command: command.into(),
            detail: scrub(&error.to_string(), &self.token),
            excerpt: excerpt(&body, &self.token),
        })
    }

    /// Sends `cmd`, `token` and `params` as a POST form; the body of a `200`, or the error its
    /// status means.
    ///
    /// Always POST, though cloud-pbx.md 3 allows GET for the read commands: a GET carries the
    /// token in its URL, which every proxy and web server writes to its access log; a form body
    /// stays out of them. POST is allowed for every command.
    async fn send(
        &self,
        command: &str,
        params: &[(&str, String)],
    ) -> Result<String, CloudPbxError> {
        let mut fields: Vec<(&str, &str)> = vec![("cmd", command), ("token", &self.token)];
        fields.extend(params.iter().map(|(k, v)| (*k, v.as_str())));
        let response = self
            .http
            .post(&self.url)
            .form(&fields)
            .send()
            .await
            .map_err(|error| self.transport(command, error))?;
        let status = response.status();
        let location = response
            .headers()
            .get(reqwest::header::LOCATION)
            .and_then(|l| l.to_str().ok())
            .map(|l| scrub(l, &self.token));
        let body = response
            .text()
            .await
            .map_err(|error| self.transport(command, error))?;
        let command = command.to_owned();
        match status {
            StatusCode::OK => Ok(body),
            // cloud-pbx.md 2: 401 {error: "Invalid token"}.
            StatusCode::UNAUTHORIZED => Err(CloudPbxError::Unauthorized { command }),
            // cloud-pbx.md 2: 400 {error: "Invalid parameters"}.
            StatusCode::BAD_REQUEST => Err(CloudPbxError::InvalidParameters {
                command,
                detail: excerpt(&body, &self.token),
            }),
            StatusCode::MOVED_PERMANENTLY | StatusCode::FOUND | StatusCode::PERMANENT_REDIRECT => {
                Err(CloudPbxError::WrongAddress { command, location })
            }
            status if status.is_server_error() => Err(CloudPbxError::Server {
                command,
                status: status.as_u16(),
                body: excerpt(&body, &self.token),
            }),
            status => Err(CloudPbxError::Http {
                command,
                status: status.as_u16(),
                body: excerpt(&body, &self.token),
            }),
        }
    }

    /// A transport failure, scrubbed of the token wherever a library may have echoed it.
    fn transport(&self, command: &str, error: reqwest::Error) -> CloudPbxError {
        TransportError::of(
            PEER,
            command,
            &self.url.clone(),
            self.timeout,
            error,
            &self.token,
        )
        .into()
    }
}

/// `value` trimmed, or `InvalidInput` naming `name` when empty.
fn required(name: &str, value: &str) -> Result<String, CloudPbxError> {
    let value = value.trim();
    if value.is_empty() {
        return Err(CloudPbxError::InvalidInput(format!("`{name}` is empty")));
    }
    Ok(value.to_owned())
}
