//! A Telediscount simulator (`docs/providers/telediscount.md`).
//!
//! CRM → Telediscount, `GET /api.php/telephony/{method}` with the key in `abonent_api_key`
//! (or `api_key`, as the source's last examples write it: both are accepted):
//! - `outcome?num_a=SIP/…&num_b=…`: click-to-call; answers `{"result":"ok","api_call_id":"…"}`;
//! - `get_calls` with the optional filters `api_call_id`, `num_a`, `num_m`, `num_b`: a JSON
//!   array of records with every field of the spec;
//! - `get_record?api_call_id=`: the recording as `audio/mpeg`.
//!
//! The source documents no error answers; the simulator answers what an HTTP API does, and the
//! client must read them: a missing or wrong key `403 {"error":"invalid abonent_api_key"}`, a
//! missing or bad parameter `400 {"error":"…"}`, an unknown call or recording
//! `404 {"error":"…"}`, an unknown method `404`. [`TelediscountSimHandle::inject`] queues
//! [`Fault`]s (5xx, non-JSON, a hang) for the next requests.
//!
//! Telediscount → CRM: [`TelediscountSimHandle::run`] plays a [`CallScenario`] by sending the
//! `income` and `call_finished` GETs, as the spec's examples, to the configured URLs.

mod api;
mod play;

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::server::SimServer;

pub use play::{CallScenario, Delivery, PlayError};

/// The key in the spec's `get_calls` example.
pub const EXAMPLE_KEY: &str = "345jf201kmn4bc6r72mn7cvu";

/// One call in the history, every `get_calls` field of the spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimCall {
    /// `api_call_id` (32 hex digits).
    pub api_call_id: String,
    /// `abonent_id`.
    pub abonent_id: String,
    /// `setup_time`, UNIX seconds.
    pub setup_time: i64,
    /// `service_name`: `ivr`, `sip_outcome`, `sip_internal`.
    pub service_name: String,
    /// `num_a`.
    pub num_a: String,
    /// `code_name_num_a`.
    pub code_name_num_a: String,
    /// `num_m`.
    pub num_m: String,
    /// `num_b`.
    pub num_b: String,
    /// `code_name_num_b`.
    pub code_name_num_b: String,
    /// `num_a_connection_time`.
    pub num_a_connection_time: i64,
    /// `num_b_connection_time`.
    pub num_b_connection_time: i64,
    /// `connection_time`.
    pub connection_time: i64,
    /// `num_a_waiting_time`.
    pub num_a_waiting_time: i64,
    /// `num_b_waiting_time`.
    pub num_b_waiting_time: i64,
    /// `recorder_file`; empty when not recorded.
    pub recorder_file: String,
    /// `price`.
    pub price: String,
}

impl SimCall {
    /// An incoming call (`ivr`) from `num_a` to `num_m`, taken by `num_b` (empty: nobody).
    pub fn incoming(id: &str, setup_time: i64, num_a: &str, num_b: &str, talk: i64) -> SimCall {
        SimCall {
            api_call_id: id.into(),
            abonent_id: "1609".into(),
            setup_time,
            service_name: "ivr".into(),
            num_a: num_a.into(),
            code_name_num_a: "Москва".into(),
            num_m: "79037778899".into(),
            num_b: num_b.into(),
            code_name_num_b: String::new(),
            num_a_connection_time: talk + 5,
            num_b_connection_time: talk,
            connection_time: talk,
            num_a_waiting_time: 5,
            num_b_waiting_time: 5,
            recorder_file: if talk > 0 {
                format!("{id}.mp3")
            } else {
                String::new()
            },
            price: "0.00".into(),
        }
    }
}

/// An injected failure for the next request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// `500` with an HTML body.
    ServerError,
    /// `200` with a body that is not JSON.
    NotJson,
    /// No answer for this long.
    Hang(Duration),
}

/// What the simulated account is.
#[derive(Debug, Clone)]
pub struct TelediscountSimConfig {
    /// The CRM integration key.
    pub key: String,
    /// The account's SIP accounts (`SIP/0000000672`).
    pub sip_accounts: Vec<String>,
    /// The history at start.
    pub calls: Vec<SimCall>,
    /// "Start of incoming call" URL (`http://…/income.php`).
    pub income_url: Option<String>,
    /// "End of call" URL (`http://…/call_finished.php`).
    pub finished_url: Option<String>,
}

impl Default for TelediscountSimConfig {
    /// The spec's key and SIP account, no history, no webhook URLs.
    fn default() -> TelediscountSimConfig {
        TelediscountSimConfig {
            key: EXAMPLE_KEY.into(),
            sip_accounts: vec!["SIP/0000000672".into(), "SIP/0000000673".into()],
            calls: Vec::new(),
            income_url: None,
            finished_url: None,
        }
    }
}

/// An `outcome` the simulator accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// The id it answered.
    pub api_call_id: String,
    /// `num_a`.
    pub num_a: String,
    /// `num_b`.
    pub num_b: String,
}

#[derive(Debug, Default)]
struct Live {
    calls: Vec<SimCall>,
    outcomes: Vec<Outcome>,
    faults: VecDeque<Fault>,
    requests: u32,
}

struct SimState {
    config: TelediscountSimConfig,
    live: Mutex<Live>,
}

impl SimState {
    fn live(&self) -> MutexGuard<'_, Live> {
        self.live.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Why the simulator could not start.
#[derive(Debug, thiserror::Error)]
pub enum TelediscountSimError {
    /// The address could not be bound.
    #[error("Telediscount simulator cannot listen on {addr}: {source}")]
    Listen {
        /// What was asked for.
        addr: String,
        /// What the OS said.
        source: std::io::Error,
    },
    /// The configuration cannot work.
    #[error("invalid Telediscount simulator configuration: {0}")]
    InvalidConfig(String),
}

/// Binds `addr` (`127.0.0.1:0` for a free port) and serves the simulator there.
pub async fn start(
    addr: &str,
    config: TelediscountSimConfig,
) -> Result<TelediscountSimHandle, TelediscountSimError> {
    if config.key.trim().is_empty() {
        return Err(TelediscountSimError::InvalidConfig(
            "the key is empty".into(),
        ));
    }
    let listener =
        TcpListener::bind(addr)
            .await
            .map_err(|source| TelediscountSimError::Listen {
                addr: addr.to_owned(),
                source,
            })?;
    let local = listener
        .local_addr()
        .map_err(|source| TelediscountSimError::Listen {
            addr: addr.to_owned(),
            source,
        })?;
    let state = Arc::new(SimState {
        live: Mutex::new(Live {
            calls: config.calls.clone(),
            ..Live::default()
        }),
        config,
    });
    let shutdown = CancellationToken::new();
    let app = api::router(state.clone());
    let server = SimServer::spawn("Telediscount", listener, app, shutdown);
    Ok(TelediscountSimHandle {
        addr: local,
        state,
        server,
    })
}

/// A running simulator; dropping it stops the server.
pub struct TelediscountSimHandle {
    /// Where it listens.
    pub addr: SocketAddr,
    state: Arc<SimState>,
    server: SimServer,
}

impl std::fmt::Debug for TelediscountSimHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TelediscountSimHandle")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl TelediscountSimHandle {
    /// `http://127.0.0.1:PORT`: the client's base URL.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Every `outcome` accepted so far.
    pub fn outcomes(&self) -> Vec<Outcome> {
        self.state.live().outcomes.clone()
    }

    /// The history as `get_calls` lists it.
    pub fn calls(&self) -> Vec<SimCall> {
        self.state.live().calls.clone()
    }

    /// How many API requests arrived.
    pub fn requests(&self) -> u32 {
        self.state.live().requests
    }

    /// Queues `fault` for the next API request (faults are used in order, one per request).
    pub fn inject(&self, fault: Fault) {
        self.state.live().faults.push_back(fault);
    }

    /// Plays `scenario` now: GETs `income` (incoming calls) then `call_finished`, and returns
    /// what the CRM answered. The call is added to the history.
    pub async fn run(&self, scenario: CallScenario) -> Result<Vec<Delivery>, PlayError> {
        tokio::select! {
            result = play::run(&self.state, scenario) => result,
            () = self.server.shutdown_token().cancelled() => Err(PlayError::Stopped),
        }
    }

    /// Stops serving and waits for the server to close.
    pub async fn shutdown(self) {
        self.server.stop().await;
    }
}

fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// A fresh call id: 32 hex digits, as the spec's examples.
fn new_call_id() -> String {
    format!("{:032x}", rand::random::<u128>())
}
