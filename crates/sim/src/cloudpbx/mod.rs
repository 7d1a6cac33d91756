//! A cloud PBX simulator (`docs/providers/cloud-pbx.md`).
//!
//! CRM → PBX (cloud-pbx.md 5), at `/sys/crm_api.wcgp`, `cmd` in the query string (GET) or the
//! form body (POST): `accounts`, `groups`, `makeCall` (POST only), `history` (CSV, with or
//! without a header row per [`CloudPbxSimConfig::csv_header`]), `subscribeOnCalls` /
//! `subscribeoncalls` (POST only), `subscriptionStatus` / `subscribtionstatus` (the spec's
//! example spelling), `set_dnd` (POST only), `get_dnd`. A wrong `token` answers
//! `401 {"error":"Invalid token"}`, a missing parameter `400 {"error":"Invalid parameters"}`, a
//! POST-only command sent as GET `405`, any other path `301` (what the live PBX answers for a
//! wrong PBX name). DND and subscriptions are kept per user.
//!
//! PBX → CRM (cloud-pbx.md 4): [`CloudPbxSimHandle::play`] plays a [`CallScenario`] by POSTing
//! `contact`, `event`s and `history` as forms, with `crm_token`, to
//! [`CloudPbxSimConfig::crm_url`]; [`CloudPbxSimHandle::run`] does the same and waits for it.

mod api;
mod play;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::server::SimServer;

pub use play::{CallScenario, Delivery, PlayError};

/// One PBX user (cloud-pbx.md 5.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimAccount {
    /// Login.
    pub name: String,
    /// Readable name.
    pub real_name: String,
    /// Internal number.
    pub ext: String,
    /// Direct number, if any.
    pub telnum: Option<String>,
}

/// One department (cloud-pbx.md 5.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimGroup {
    /// Id.
    pub id: String,
    /// Name.
    pub real_name: String,
    /// Number (a JSON number on the wire, as in the spec).
    pub ext: u32,
    /// Logins of the members.
    pub members: Vec<String>,
}

/// One finished call, as the `history` CSV lists it (cloud-pbx.md 5.4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimHistoryRow {
    /// `UID`.
    pub uid: String,
    /// `type`: `in`, `out` or `missed`.
    pub kind: String,
    /// `client`.
    pub client: String,
    /// `account`.
    pub account: String,
    /// `via`.
    pub via: String,
    /// `start`, Unix seconds.
    pub start: i64,
    /// `wait`, seconds.
    pub wait: i64,
    /// `duration`, seconds.
    pub duration: i64,
    /// `record`.
    pub record: String,
}

/// What the simulated PBX is.
#[derive(Debug, Clone)]
pub struct CloudPbxSimConfig {
    /// The key the CRM must send in `token`.
    pub token: String,
    /// Where the PBX sends its requests (`contact`, `event`, `history`), e.g.
    /// `http://127.0.0.1:PORT/crm`. Only `http://` is spoken.
    pub crm_url: Option<String>,
    /// The key sent in `crm_token`.
    pub crm_token: String,
    /// The users.
    pub accounts: Vec<SimAccount>,
    /// The departments.
    pub groups: Vec<SimGroup>,
    /// Whether the `history` CSV starts with a header row (the spec does not say).
    pub csv_header: bool,
    /// The history at start.
    pub history: Vec<SimHistoryRow>,
    /// The pause between two requests of a played call (zero: back to back), so a person or a
    /// test watching a desktop sees each state of the call.
    pub pace: std::time::Duration,
    /// How long the PBX takes before it answers a request that changes something (`set_dnd`,
    /// `subscribeOnCalls`; zero: at once). The change is made when the answer goes out, as a
    /// slow PBX does: a client that reads back before then still sees the old state.
    pub answer_delay: std::time::Duration,
}

impl Default for CloudPbxSimConfig {
    /// The spec's example accounts and groups (cloud-pbx.md 5.1, 5.2), token `test-token`.
    fn default() -> CloudPbxSimConfig {
        let account = |name: &str, real: &str, ext: &str| SimAccount {
            name: name.into(),
            real_name: real.into(),
            ext: ext.into(),
            telnum: None,
        };
        let mut andy = account("andy", "Петров Андрей", "708");
        andy.telnum = Some("79261234567".into());
        CloudPbxSimConfig {
            token: "test-token".into(),
            crm_url: None,
            crm_token: "crm-token".into(),
            accounts: vec![
                account("test", "Тестовый пользователь", "701"),
                account("daria", "Иванова Дарья", "705"),
                andy,
                account("mike", "Семенов Михаил", "702"),
            ],
            groups: vec![
                SimGroup {
                    id: "sales".into(),
                    real_name: "Отдел продаж".into(),
                    ext: 701,
                    members: vec!["andy".into(), "daria".into(), "mike".into()],
                },
                SimGroup {
                    id: "gr001".into(),
                    real_name: "Бухгалтерия".into(),
                    ext: 705,
                    members: vec!["test".into()],
                },
            ],
            csv_header: true,
            history: Vec::new(),
            pace: std::time::Duration::ZERO,
            answer_delay: std::time::Duration::ZERO,
        }
    }
}

/// A `makeCall` the simulator accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallMade {
    /// The id it answered.
    pub call_id: String,
    /// `user`.
    pub user: String,
    /// `phone`, as sent.
    pub phone: String,
}

/// Mutable state.
#[derive(Debug, Default)]
struct Live {
    history: Vec<SimHistoryRow>,
    dnd: HashMap<String, bool>,
    /// (user, group) pairs that do NOT receive calls; everyone receives by default.
    unsubscribed: BTreeSet<(String, String)>,
    calls_made: Vec<CallMade>,
    requests: BTreeMap<String, u32>,
    /// The `cmd` of each request whose token came in the URL's query string.
    token_in_url: Vec<String>,
    /// Every `set_dnd` and `subscribeOnCalls` applied, in order.
    changes: Vec<PresenceChange>,
}

/// One change a client made to a user's availability, as the simulator applied it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PresenceChange {
    /// `set_dnd`: the user's login and the new state.
    Dnd(String, bool),
    /// `subscribeOnCalls`: the user's login, the group (`None`: all of theirs), the new state.
    Subscription(String, Option<String>, bool),
}

struct SimState {
    config: CloudPbxSimConfig,
    live: Mutex<Live>,
}

impl SimState {
    fn live(&self) -> MutexGuard<'_, Live> {
        // A panic elsewhere while holding the lock leaves plain data behind: keep serving it.
        self.live
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Why the simulator could not start.
#[derive(Debug, thiserror::Error)]
pub enum CloudPbxSimError {
    /// The address could not be bound or read.
    #[error("cloud PBX simulator cannot listen on {addr}: {source}")]
    Listen {
        /// What was asked for.
        addr: String,
        /// What the OS said.
        source: std::io::Error,
    },
    /// The configuration cannot work.
    #[error("invalid cloud PBX simulator configuration: {0}")]
    InvalidConfig(String),
}

/// Binds `addr` (`127.0.0.1:0` for a free port) and serves the simulator there.
pub async fn start(
    addr: &str,
    config: CloudPbxSimConfig,
) -> Result<CloudPbxSimHandle, CloudPbxSimError> {
    let listener = TcpListener::bind(addr)
        .await
        .map_err(|source| CloudPbxSimError::Listen {
            addr: addr.to_owned(),
            source,
        })?;
    serve(listener, config).await
}

/// Serves the simulator on a listener the caller bound.
pub async fn serve(
    listener: TcpListener,
    config: CloudPbxSimConfig,
) -> Result<CloudPbxSimHandle, CloudPbxSimError> {
    if config.token.trim().is_empty() {
        return Err(CloudPbxSimError::InvalidConfig("the token is empty".into()));
    }
    let addr = listener
        .local_addr()
        .map_err(|source| CloudPbxSimError::Listen {
            addr: "the given listener".into(),
            source,
        })?;
    let state = Arc::new(SimState {
        live: Mutex::new(Live {
            history: config.history.clone(),
            ..Live::default()
        }),
        config,
    });
    let shutdown = CancellationToken::new();
    let app = api::router(state.clone());
    let server = SimServer::spawn("cloud PBX", listener, app, shutdown);
    Ok(CloudPbxSimHandle {
        addr,
        state,
        server,
    })
}

/// A running simulator; dropping it stops the server and the scenarios in progress.
pub struct CloudPbxSimHandle {
    /// Where it listens.
    pub addr: SocketAddr,
    state: Arc<SimState>,
    server: SimServer,
}

impl std::fmt::Debug for CloudPbxSimHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CloudPbxSimHandle")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl CloudPbxSimHandle {
    /// `http://127.0.0.1:PORT`: what a client's `base_url` should be.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Every `makeCall` accepted so far.
    pub fn calls_made(&self) -> Vec<CallMade> {
        self.state.live().calls_made.clone()
    }

    /// The history as the CSV would list it.
    pub fn history(&self) -> Vec<SimHistoryRow> {
        self.state.live().history.clone()
    }

    /// Whether `user` is in DND.
    pub fn dnd(&self, user: &str) -> bool {
        self.state.live().dnd.get(user).copied().unwrap_or(false)
    }

    /// Whether `user` receives the calls of department `group` (everyone does until they
    /// unsubscribe).
    pub fn subscribed(&self, user: &str, group: &str) -> bool {
        !self
            .state
            .live()
            .unsubscribed
            .contains(&(user.to_owned(), group.to_owned()))
    }

    /// Turns `user`'s DND on or off the way the desk phone or the PBX's web panel would: no
    /// CRM is told; a client sees it only by asking `get_dnd`.
    pub fn set_dnd_on_phone(&self, user: &str, on: bool) {
        self.state.live().dnd.insert(user.to_owned(), on);
    }

    /// Every DND and subscription change applied so far, in order.
    pub fn presence_changes(&self) -> Vec<PresenceChange> {
        self.state.live().changes.clone()
    }

    /// How many requests each `cmd` got (as sent), `?` for none.
    pub fn requests(&self) -> BTreeMap<String, u32> {
        self.state.live().requests.clone()
    }

    /// The `cmd` of each request that carried its token in the URL's query string (a GET), in
    /// order: a URL lands in every proxy's and web server's access log, a form body does not.
    pub fn commands_with_token_in_url(&self) -> Vec<String> {
        self.state.live().token_in_url.clone()
    }

    /// Plays `scenario` in the background; see [`CloudPbxSimHandle::run`].
    pub fn play(&self, scenario: CallScenario) -> JoinHandle<Result<Vec<Delivery>, PlayError>> {
        let state = self.state.clone();
        let shutdown = self.server.shutdown_token().clone();
        tokio::spawn(async move {
            tokio::select! {
                result = play::run(&state, scenario) => result,
                () = shutdown.cancelled() => Err(PlayError::Stopped),
            }
        })
    }

    /// Plays `scenario` now: POSTs each request to the CRM in turn and returns what it answered.
    /// The call is added to the history.
    pub async fn run(&self, scenario: CallScenario) -> Result<Vec<Delivery>, PlayError> {
        play::run(&self.state, scenario).await
    }

    /// Stops serving and waits for the server to close.
    pub async fn shutdown(self) {
        self.server.stop().await;
    }
}

/// Seconds since the Unix epoch.
fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Days since 1970-01-01 of a civil date (proleptic Gregorian).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date (year, month, day) of a day count since 1970-01-01.
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    (
        if month <= 2 {
            yoe + era * 400 + 1
        } else {
            yoe + era * 400
        },
        month,
        day,
    )
}

/// Unix seconds as `YYYYmmddTHHMMSSZ` (cloud-pbx.md 4.1).
fn format_wire(secs: i64) -> String {
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    let s = secs.rem_euclid(86_400);
    format!(
        "{y:04}{m:02}{d:02}T{:02}{:02}{:02}Z",
        s / 3600,
        s / 60 % 60,
        s % 60
    )
}

/// `YYYYmmddTHHMMSSZ` as Unix seconds; `None` when it is not that.
fn parse_wire(text: &str) -> Option<i64> {
    let b = text.trim().as_bytes();
    if b.len() != 16 || b[8] != b'T' || b[15] != b'Z' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        std::str::from_utf8(&b[r]).ok()?.parse().ok()
    };
    let (y, mo, d) = (num(0..4)?, num(4..6)?, num(6..8)?);
    let (h, mi, s) = (num(9..11)?, num(11..13)?, num(13..15)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || s > 60 {
        return None;
    }
    Some(days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_times_round_trip() {
        assert_eq!(parse_wire("20170703T121110Z"), Some(1_499_083_870));
        assert_eq!(format_wire(1_499_083_870), "20170703T121110Z");
        assert_eq!(format_wire(0), "19700101T000000Z");
        assert_eq!(parse_wire("20171303T121110Z"), None);
        assert_eq!(parse_wire("2017-07-03"), None);
    }
}
