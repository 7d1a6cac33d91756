//! An MCN Telecom virtual PBX simulator (`docs/providers/mcn-telecom.md` plus the public usage
//! named in issue #6), under `/v2/rest` as `https://api.mcn.ru/v2/rest`.
//!
//! Help article: `GET /account/{account_id}/vpbx` (a JSON array of `{vpbx_id, name}`), `GET
//! /account/{account_id}/vpbx/{vpbx_id}/call_log?date_from=YYYY-MM-DD&date_to=YYYY-MM-DD` (a
//! JSON array of calls with the article's fields; `date` is `YYYY-MM-DD HH:MM:SS`, Moscow time,
//! and both dates are inclusive). Public usage: `Authorization: Bearer`, `GET
//! …/call_log/record?call_id=` (`audio/mpeg`), `POST …/outbound_call {from, to, timeout_from,
//! timeout_to}` answering `{"success":true,"data":{"call_id":…}}`.
//!
//! Errors (undocumented; what an HTTP API answers): no or wrong token `401 {"error":…}`, an
//! unknown account / vpbx / call / recording `404 {"error":…}`, a bad date or body
//! `400 {"error":…}`. [`Fault::PartialOutbound`] makes the next `outbound_call` place the call
//! but answer `504`; the retry of the same `from`/`to` then answers `500` with an error that
//! still holds the call's `data`, as public client code meets it.
//!
//! MCN → CRM: [`McnSimHandle::run`] posts a [`CallScenario`]'s webhooks (`event_type`,
//! `call_id`, `abon`, `did`, `did_mcn`, `billsec`) as JSON to the configured URL and adds the
//! call to the call log.

mod api;
mod play;

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::server::SimServer;

pub use play::{CallScenario, Delivery, PlayError};

/// Where the API lives on the simulator, as on `api.mcn.ru`.
pub const API_PREFIX: &str = "/v2/rest";

/// One call of the log, with the article's fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimCall {
    /// `callid`.
    pub callid: String,
    /// `date`: `YYYY-MM-DD HH:MM:SS`, Moscow time.
    pub date: String,
    /// `type`: `Out`, `Inb`, `Int`.
    pub kind: String,
    /// `src_num`.
    pub src_num: String,
    /// `src_name`.
    pub src_name: String,
    /// `src_type`: `PSTN`, `Phone`, `callback`.
    pub src_type: String,
    /// `dst_num`.
    pub dst_num: String,
    /// `dst_name`; `None` is sent as `null`.
    pub dst_name: Option<String>,
    /// `dst_type`: `PSNT` [sic], `phone`, `queue`, `callback`.
    pub dst_type: String,
    /// `did`.
    pub did: String,
    /// `waittime`.
    pub waittime: i64,
    /// `talktime`.
    pub talktime: i64,
    /// `billsec`.
    pub billsec: i64,
    /// `status`: `ANSWERED`, `BUSY`, `LOST`, `FAILED`, `NO ANSWER`.
    pub status: String,
    /// `has_record`.
    pub has_record: bool,
}

impl SimCall {
    /// An inbound call from `src_num` to extension `dst_num` with `status`.
    pub fn inbound(
        callid: &str,
        date: &str,
        src_num: &str,
        dst_num: &str,
        status: &str,
    ) -> SimCall {
        let answered = status == "ANSWERED";
        SimCall {
            callid: callid.into(),
            date: date.into(),
            kind: "Inb".into(),
            src_num: src_num.into(),
            src_name: src_num.into(),
            src_type: "PSTN".into(),
            dst_num: dst_num.into(),
            dst_name: Some(format!("Абонент {dst_num}")),
            dst_type: "phone".into(),
            did: "74950000000".into(),
            waittime: 12,
            talktime: if answered { 60 } else { 0 },
            billsec: if answered { 60 } else { 0 },
            status: status.into(),
            has_record: answered,
        }
    }
}

/// An injected failure for the next API request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// `500` with an HTML body.
    ServerError,
    /// `200` with a body that is not JSON.
    NotJson,
    /// No answer for this long.
    Hang(Duration),
    /// The next `outbound_call` places the call but answers `504` (see the module docs).
    PartialOutbound,
}

/// What the simulated account is.
#[derive(Debug, Clone)]
pub struct McnSimConfig {
    /// The Bearer token.
    pub token: String,
    /// `account_id`.
    pub account_id: String,
    /// The active virtual PBXs: `(vpbx_id, name)`.
    pub vpbxes: Vec<(String, String)>,
    /// The extensions (`abon`) that may place an `outbound_call`.
    pub extensions: Vec<String>,
    /// The call log at start.
    pub calls: Vec<SimCall>,
    /// Where webhooks go (`http://…`).
    pub webhook_url: Option<String>,
}

impl Default for McnSimConfig {
    fn default() -> McnSimConfig {
        McnSimConfig {
            token: "mcn-test-token".into(),
            account_id: "12345".into(),
            vpbxes: vec![("678".into(), "Офис".into())],
            extensions: vec!["101".into(), "102".into()],
            calls: Vec::new(),
            webhook_url: None,
        }
    }
}

/// An `outbound_call` the simulator placed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboundPlaced {
    /// The id answered.
    pub call_id: String,
    /// `from`.
    pub from: String,
    /// `to`.
    pub to: String,
    /// `timeout_from`.
    pub timeout_from: i64,
    /// `timeout_to`.
    pub timeout_to: i64,
}

#[derive(Debug, Default)]
struct Live {
    calls: Vec<SimCall>,
    placed: Vec<OutboundPlaced>,
    /// `(from, to)` of a call placed by a partly failed request, awaiting its retry.
    half_done: Option<(String, String, String)>,
    faults: VecDeque<Fault>,
    requests: u32,
}

struct SimState {
    config: McnSimConfig,
    live: Mutex<Live>,
}

impl SimState {
    fn live(&self) -> MutexGuard<'_, Live> {
        self.live.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Why the simulator could not start.
#[derive(Debug, thiserror::Error)]
pub enum McnSimError {
    /// The address could not be bound.
    #[error("MCN simulator cannot listen on {addr}: {source}")]
    Listen {
        /// What was asked for.
        addr: String,
        /// What the OS said.
        source: std::io::Error,
    },
    /// The configuration cannot work.
    #[error("invalid MCN simulator configuration: {0}")]
    InvalidConfig(String),
}

/// Binds `addr` (`127.0.0.1:0` for a free port) and serves the simulator there.
pub async fn start(addr: &str, config: McnSimConfig) -> Result<McnSimHandle, McnSimError> {
    if config.token.trim().is_empty() {
        return Err(McnSimError::InvalidConfig("the token is empty".into()));
    }
    let listen_error = |source| McnSimError::Listen {
        addr: addr.to_owned(),
        source,
    };
    let listener = TcpListener::bind(addr).await.map_err(listen_error)?;
    let local = listener.local_addr().map_err(listen_error)?;
    let state = Arc::new(SimState {
        live: Mutex::new(Live {
            calls: config.calls.clone(),
            ..Live::default()
        }),
        config,
    });
    let shutdown = CancellationToken::new();
    let app = api::router(state.clone());
    let server = SimServer::spawn("MCN", listener, app, shutdown);
    Ok(McnSimHandle {
        addr: local,
        state,
        server,
    })
}

/// A running simulator; dropping it stops the server.
pub struct McnSimHandle {
    /// Where it listens.
    pub addr: SocketAddr,
    state: Arc<SimState>,
    server: SimServer,
}

impl std::fmt::Debug for McnSimHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("McnSimHandle")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl McnSimHandle {
    /// `http://127.0.0.1:PORT/v2/rest`: the client's base URL.
    pub fn base_url(&self) -> String {
        format!("http://{}{API_PREFIX}", self.addr)
    }

    /// Adds a call to the log (a call that just ended).
    pub fn add_call(&self, call: SimCall) {
        self.state.live().calls.push(call);
    }

    /// The call log.
    pub fn calls(&self) -> Vec<SimCall> {
        self.state.live().calls.clone()
    }

    /// Every `outbound_call` placed.
    pub fn placed(&self) -> Vec<OutboundPlaced> {
        self.state.live().placed.clone()
    }

    /// How many API requests arrived.
    pub fn requests(&self) -> u32 {
        self.state.live().requests
    }

    /// Queues `fault` for the next API request.
    pub fn inject(&self, fault: Fault) {
        self.state.live().faults.push_back(fault);
    }

    /// Plays `scenario` now: posts its webhooks in turn and returns what the CRM answered.
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

fn new_call_id() -> String {
    format!("{}", rand::random::<u32>())
}

/// Now as `YYYY-MM-DD HH:MM:SS`, Moscow time (UTC+3).
fn moscow_now() -> String {
    (chrono::Utc::now() + chrono::Duration::hours(3))
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}
