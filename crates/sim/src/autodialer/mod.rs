//! An Autodialer simulator (`docs/providers/autodialer.md`).
//!
//! The API, at `/{api_key}/{method}`:
//! - `make`: `{"query": {"access_token", "data": [...]}}` as JSON; answers
//!   `{"report": {"lines", "ok", "inserted", "errorcode", "id"}}`, every value a string as in the
//!   spec's example. A record is correct when every value is a string and `phone` and `UUID` are
//!   not empty; a correct record repeating a `UUID` already taken for the same `generationtype`
//!   is not inserted (the spec's example: records 2 and 3 share `code1`, `inserted` is 2);
//! - `newcall`: the fields flat (JSON, form or query string); answers
//!   `{"QUERY_ID": int, "QUERY_COUNT": int}`, `QUERY_COUNT` 0 when `name`, `phone` or `UUID` is
//!   missing;
//! - `cdr`: `date_from`, `date_to` (`YYYY-MM-DD`, each optional), `to` (JSON, form or query
//!   string); answers the array of `QUERY_ID`, `DST`, `TIME` (`YYYY-MM-DD HH:MM:SS +03:00`),
//!   `CODE`, `SEC`.
//!
//! The spec lists no errors. The simulator's choices, each a distinct answer a client must tell
//! apart: a wrong key in the path or in `access_token` → `403 {"error":"Invalid api key"}`; an
//! unknown method → `404`; a body that is not JSON (`make`) → `400 {"error":"Invalid JSON"}`;
//! `make` without `query.data` → `400 {"error":"Invalid request"}`; a bad date →
//! `400 {"error":"Invalid date"}`; `errorcode` `"0"` all inserted, `"1"` some records not correct,
//! `"2"` some correct records not inserted (the example's pairing), `"3"` more than 1000 records
//! (nothing inserted). Faults ([`Fault`]) make it fail like a sick server.
//!
//! Dialing: a record without a time window is dialed as soon as it is added (autodialer.md:
//! "whatever the time of day"); `make`'s windows are inherited from the previous record of the
//! array when a record has none (the spec's `**` footnote). Records with a window wait for
//! [`AutodialerSimHandle::dial_due`]. Each dial adds a `cdr` row and, when
//! [`AutodialerSimConfig::webhook_url`] is set, sends the completion webhook.

mod api;
mod dial;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::server::SimServer;

pub use dial::Delivery;

/// How a call to a number ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimOutcome {
    /// `CODE` in `cdr`.
    pub code: String,
    /// `SEC` in `cdr`, and the webhook's duration.
    pub seconds: i64,
    /// The recognized answer the webhook carries; `None`: the field is left out.
    pub answer: Option<String>,
}

impl SimOutcome {
    /// Answered: `ANSWERED`, `seconds` long, `answer` recognized.
    pub fn answered(seconds: i64, answer: &str) -> SimOutcome {
        SimOutcome {
            code: "ANSWERED".into(),
            seconds,
            answer: Some(answer.into()),
        }
    }

    /// Not answered: `NO ANSWER`, 0 s.
    pub fn no_answer() -> SimOutcome {
        SimOutcome {
            code: "NO ANSWER".into(),
            seconds: 0,
            answer: None,
        }
    }
}

/// How the completion webhook is sent (the spec does not say).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum WebhookEncoding {
    /// `POST` with a JSON object.
    #[default]
    Json,
    /// `POST` with form fields.
    Form,
    /// `GET` with a query string.
    Query,
}

/// What the simulated Autodialer is.
#[derive(Debug, Clone)]
pub struct AutodialerSimConfig {
    /// The key: the path segment of every method, and `make`'s `access_token`.
    pub api_key: String,
    /// Where the completion webhook goes (`http://…`); `None`: not sent.
    pub webhook_url: Option<String>,
    /// How it is sent.
    pub webhook_encoding: WebhookEncoding,
    /// Also send `QUERY_ID` and `UUID` in the webhook (not in the spec; an Autodialer set up
    /// to add them).
    pub webhook_ids: bool,
    /// How calls to particular numbers (as sent in `phone`) end.
    pub outcomes: HashMap<String, SimOutcome>,
    /// How every other call ends.
    pub default_outcome: SimOutcome,
    /// The zone `TIME` is written in, minutes east of UTC (Moscow: 180).
    pub utc_offset_minutes: i32,
}

impl Default for AutodialerSimConfig {
    /// Key `sim-autodialer-key`, no webhook, every call answered for 12 s with "да".
    fn default() -> AutodialerSimConfig {
        AutodialerSimConfig {
            api_key: "sim-autodialer-key".into(),
            webhook_url: None,
            webhook_encoding: WebhookEncoding::default(),
            webhook_ids: false,
            outcomes: HashMap::new(),
            default_outcome: SimOutcome::answered(12, "да"),
            utc_offset_minutes: 180,
        }
    }
}

/// A way to fail every request until cleared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// `500` with a plain-text body.
    ServerError,
    /// `200` with an HTML page.
    NotJson,
    /// Never answer (until the simulator stops).
    Hang,
}

/// One record the simulator took.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimRecord {
    /// The job.
    pub query_id: i64,
    /// `phone`.
    pub phone: String,
    /// `UUID`.
    pub uuid: String,
    /// `name`.
    pub name: Option<String>,
    /// The window (`HH:MM:SS`), after inheritance; `None`: dialed at once.
    pub window: Option<(String, String)>,
    /// `maxcount`.
    pub max_count: Option<String>,
    /// `generationtype`.
    pub generation_type: String,
    /// `var1`..`var3`.
    pub vars: [Option<String>; 3],
    /// Whether it has been dialed.
    pub dialed: bool,
}

/// One `cdr` row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimCdrRow {
    /// `QUERY_ID`.
    pub query_id: i64,
    /// `DST`.
    pub dst: String,
    /// When it was dialed, Unix seconds.
    pub at: i64,
    /// `CODE`.
    pub code: String,
    /// `SEC`.
    pub sec: i64,
}

#[derive(Debug, Default)]
struct Live {
    records: Vec<SimRecord>,
    taken: HashSet<(String, String)>,
    cdr: Vec<SimCdrRow>,
    deliveries: Vec<Delivery>,
    in_flight: Vec<JoinHandle<()>>,
    requests: BTreeMap<String, u32>,
    fault: Option<Fault>,
    next_query_id: i64,
}

struct SimState {
    config: AutodialerSimConfig,
    base_url: String,
    http: reqwest::Client,
    shutdown: CancellationToken,
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
pub enum AutodialerSimError {
    /// The address could not be bound or read.
    #[error("Autodialer simulator cannot listen on {addr}: {source}")]
    Listen {
        /// What was asked for.
        addr: String,
        /// What the OS said.
        source: std::io::Error,
    },
    /// The configuration cannot work.
    #[error("invalid Autodialer simulator configuration: {0}")]
    InvalidConfig(String),
}

/// Binds `addr` (`127.0.0.1:0` for a free port) and serves the simulator there.
pub async fn start(
    addr: &str,
    config: AutodialerSimConfig,
) -> Result<AutodialerSimHandle, AutodialerSimError> {
    let listener = TcpListener::bind(addr)
        .await
        .map_err(|source| AutodialerSimError::Listen {
            addr: addr.to_owned(),
            source,
        })?;
    serve(listener, config).await
}

/// Serves the simulator on a listener the caller bound.
pub async fn serve(
    listener: TcpListener,
    config: AutodialerSimConfig,
) -> Result<AutodialerSimHandle, AutodialerSimError> {
    let key = config.api_key.trim();
    if key.is_empty() || key.contains('/') {
        return Err(AutodialerSimError::InvalidConfig(
            "the API key must be a non-empty path segment".into(),
        ));
    }
    let addr = listener
        .local_addr()
        .map_err(|source| AutodialerSimError::Listen {
            addr: "the given listener".into(),
            source,
        })?;
    let http = reqwest::Client::builder()
        .timeout(dial::DELIVERY_TIMEOUT)
        .build()
        .map_err(|error| AutodialerSimError::InvalidConfig(error.to_string()))?;
    let shutdown = CancellationToken::new();
    let state = Arc::new(SimState {
        config,
        base_url: format!("http://{addr}"),
        http,
        shutdown: shutdown.clone(),
        live: Mutex::new(Live {
            // The spec's example job number, counted up from.
            next_query_id: 40_133_707_428_585_176,
            ..Live::default()
        }),
    });
    let app = api::router(state.clone());
    let server = SimServer::spawn("Autodialer", listener, app, shutdown);
    Ok(AutodialerSimHandle {
        addr,
        state,
        server,
    })
}

/// A running simulator; dropping it stops the server.
pub struct AutodialerSimHandle {
    /// Where it listens.
    pub addr: SocketAddr,
    state: Arc<SimState>,
    server: SimServer,
}

impl std::fmt::Debug for AutodialerSimHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AutodialerSimHandle")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl AutodialerSimHandle {
    /// `http://127.0.0.1:PORT`: what a client's `base_url` should be.
    pub fn base_url(&self) -> String {
        self.state.base_url.clone()
    }

    /// Every record taken so far, in order.
    pub fn records(&self) -> Vec<SimRecord> {
        self.state.live().records.clone()
    }

    /// The `cdr` rows so far.
    pub fn cdr(&self) -> Vec<SimCdrRow> {
        self.state.live().cdr.clone()
    }

    /// How many requests each method got (wrong keys included).
    pub fn requests(&self) -> BTreeMap<String, u32> {
        self.state.live().requests.clone()
    }

    /// Fails every request the way `fault` says, until `None`.
    pub fn set_fault(&self, fault: Option<Fault>) {
        self.state.live().fault = fault;
    }

    /// Dials every waiting record whose window holds `time_of_day` (`HH:MM` or `HH:MM:SS`),
    /// then waits for every webhook in flight. Returns how many were dialed.
    pub async fn dial_due(&self, time_of_day: &str) -> usize {
        let dialed = dial::dial_due(&self.state, time_of_day);
        self.settle().await;
        dialed
    }

    /// Waits for every webhook in flight, then returns every delivery so far.
    pub async fn settle(&self) -> Vec<Delivery> {
        loop {
            let in_flight = std::mem::take(&mut self.state.live().in_flight);
            if in_flight.is_empty() {
                break;
            }
            for task in in_flight {
                let _ = task.await;
            }
        }
        self.state.live().deliveries.clone()
    }

    /// Stops serving and waits for the server to close.
    pub async fn shutdown(self) {
        self.server.stop().await;
    }
}
