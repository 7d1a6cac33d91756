//! How a simulated Vega account looks and behaves.

use std::collections::HashSet;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::demo;

/// An employee of the simulated company: the `leg` / `leg2` objects of vega.md A.2.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimEmployee {
    /// `leg.id` (Number).
    pub id: u64,
    /// `leg.ext`: the internal number.
    pub ext: String,
    /// `leg.displayName`.
    pub display_name: String,
    /// `email` in `GET /rest/users` (vega.md B.8); `null` there when unset.
    #[serde(default)]
    pub email: Option<String>,
}

impl SimEmployee {
    /// An employee with these id, extension and name, and no e-mail.
    pub fn new(id: u64, ext: &str, display_name: &str) -> SimEmployee {
        SimEmployee {
            id,
            ext: ext.to_owned(),
            display_name: display_name.to_owned(),
            email: None,
        }
    }

    /// The same employee with this e-mail.
    pub fn with_email(mut self, email: &str) -> SimEmployee {
        self.email = Some(email.to_owned());
        self
    }
}

/// Which request forms the simulator accepts on the endpoints the spec gives as `GET`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WireForms {
    /// Both: `GET` with query parameters in milliseconds (vega.md part B), and `POST` with a JSON
    /// body and `timeFrom` / `timeTo` in seconds (how the Phonet platform's client sends them).
    #[default]
    Both,
    /// Only the `POST` + JSON form; a `GET` answers `405 Method Not Allowed`. Tests a client's
    /// fallback.
    PostJsonOnly,
    /// Only the spec's `GET` form; a `POST` answers `405 Method Not Allowed`. Tests a client
    /// that remembered the `POST` form for a server that no longer takes it.
    QueryOnly,
}

/// The unit of `dialAt` / `bridgeAt` in active calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimestampUnit {
    /// Milliseconds since 1970, as the field descriptions say (vega.md A.2).
    #[default]
    Millis,
    /// Seconds since 1970, as the spec's examples show (10-digit values).
    Seconds,
}

/// A way for `/rest/calls/active/v3` (or, through
/// [`VegaSimHandle::inject_history_faults`](super::VegaSimHandle::inject_history_faults), a
/// history request) to misbehave once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Fault {
    /// `500 Internal Server Error` with a plain-text body (vega.md B.3: `>= 500` on error).
    ServerError,
    /// `200` with an HTML page instead of JSON, as a misconfigured proxy would answer.
    Garbage,
    /// The answer comes only after [`VegaSimConfig::hang_for`], past any sane client timeout.
    Hang,
    /// Every session expires just before this request, which answers `403` (vega.md B.1).
    SessionExpired,
}

/// How a call started by `makeCall` plays out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutgoingTiming {
    /// How long it rings before the customer answers (or the call gives up).
    pub ring: Duration,
    /// How long the conversation lasts; `None`: nobody answers.
    pub talk: Option<Duration>,
}

/// Everything the simulated account is made of.
#[derive(Clone)]
pub struct VegaSimConfig {
    /// The account domain that `authorize` accepts (compared case-insensitively).
    pub domain: String,
    /// The API key that `authorize` accepts.
    pub api_key: String,
    /// The company's users; `makeCall` and scenarios accept only their extensions.
    pub employees: Vec<SimEmployee>,
    /// `trunkNum` of external calls.
    pub trunk_num: String,
    /// `trunkName` of external calls.
    pub trunk_name: String,
    /// How long a session stays valid after `authorize`; `None`: until expired on demand.
    pub session_ttl: Option<Duration>,
    /// Unit of `dialAt` / `bridgeAt`.
    pub timestamps: TimestampUnit,
    /// How long a finished call stays listed with `lastEvent: call.hangup` before it disappears;
    /// `None`: it disappears at once.
    pub hangup_linger: Option<Duration>,
    /// How long a [`Fault::Hang`] holds its answer.
    pub hang_for: Duration,
    /// How calls started by `makeCall` play out.
    pub make_call: OutgoingTiming,
    /// Faults queued from the start, answered in order by the first requests to active calls.
    pub faults: Vec<Fault>,
    /// Which request forms the `GET` endpoints accept.
    pub wire_forms: WireForms,
}

impl std::fmt::Debug for VegaSimConfig {
    // The API key stays out of logs, even a simulator's (project rule for anything holding one).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VegaSimConfig")
            .field("domain", &self.domain)
            .field("api_key", &"<redacted>")
            .field("employees", &self.employees)
            .field("trunk_num", &self.trunk_num)
            .field("trunk_name", &self.trunk_name)
            .field("session_ttl", &self.session_ttl)
            .field("timestamps", &self.timestamps)
            .field("hangup_linger", &self.hangup_linger)
            .field("hang_for", &self.hang_for)
            .field("make_call", &self.make_call)
            .field("faults", &self.faults)
            .field("wire_forms", &self.wire_forms)
            .finish()
    }
}

impl Default for VegaSimConfig {
    /// The demo account ([`demo::DEMO_DOMAIN`], [`demo::DEMO_API_KEY`]) with four employees.
    fn default() -> VegaSimConfig {
        VegaSimConfig::new(demo::DEMO_DOMAIN, demo::DEMO_API_KEY)
    }
}

impl VegaSimConfig {
    /// An account with this domain and key, four employees (`001`–`004`, with e-mails),
    /// millisecond timestamps, sessions that never expire, finished calls that linger 1.5 s and
    /// both request forms accepted.
    pub fn new(domain: &str, api_key: &str) -> VegaSimConfig {
        VegaSimConfig {
            domain: domain.to_owned(),
            api_key: api_key.to_owned(),
            employees: vec![
                // vega.md B.3's example users, then two more for group calls.
                SimEmployee::new(36, "001", "Іван Іванов").with_email("ivan.ivanov@pbx.vega.ua"),
                SimEmployee::new(27, "002", "Петро Петров").with_email("petro.petrov@pbx.vega.ua"),
                SimEmployee::new(41, "003", "Олена Коваль").with_email("olena.koval@pbx.vega.ua"),
                SimEmployee::new(44, "004", "Марина Соколова")
                    .with_email("maryna.sokolova@pbx.vega.ua"),
            ],
            trunk_num: "+380442246595".to_owned(),
            trunk_name: "+380442246595".to_owned(),
            session_ttl: None,
            timestamps: TimestampUnit::Millis,
            // About one poll interval, so a 1 s poller sees both a `call.hangup` entry and the
            // call's disappearance.
            hangup_linger: Some(Duration::from_millis(1500)),
            hang_for: Duration::from_secs(30),
            make_call: OutgoingTiming {
                ring: Duration::from_secs(3),
                talk: Some(Duration::from_secs(10)),
            },
            faults: Vec::new(),
            wire_forms: WireForms::Both,
        }
    }

    /// The employee with this extension.
    pub fn employee(&self, ext: &str) -> Option<&SimEmployee> {
        self.employees.iter().find(|e| e.ext == ext)
    }

    pub(crate) fn validate(&self) -> Result<(), String> {
        if self.domain.trim().is_empty() {
            return Err("the domain is empty".to_owned());
        }
        if self.api_key.is_empty() {
            return Err("the API key is empty".to_owned());
        }
        if self.employees.is_empty() {
            return Err("there are no employees: add at least one SimEmployee".to_owned());
        }
        let mut seen = HashSet::new();
        for employee in &self.employees {
            if employee.ext.trim().is_empty() {
                return Err(format!("employee {} has an empty extension", employee.id));
            }
            if !seen.insert(employee.ext.as_str()) {
                return Err(format!("extension {} is used twice", employee.ext));
            }
        }
        Ok(())
    }
}
