//! A Vega PBX simulator (`docs/providers/vega.md`, part B).
//!
//! What it serves, as the spec says:
//! - `POST /rest/security/authorize` (B.1): checks domain and API key, answers a `JSESSIONID`
//!   cookie; every other `/rest` endpoint answers `403 Forbidden` without a valid session;
//! - `POST /rest/user/makeCall` (B.2): starts an outgoing call and logs it;
//! - `GET /rest/calls/active/v3` (B.3): the calls in progress now;
//! - `GET /rest/calls/active/{uuid}/hangup` (B.4): ends a call in progress;
//! - `GET /rest/calls/company.api`, `users.api`, `missed.api` (B.5–B.7): finished calls, from a
//!   history that every ended scenario adds to (and [`VegaSimHandle::add_history`]), filtered by
//!   time and direction, at most 50 a page;
//! - `GET /rest/users` (B.8): the configured employees;
//! - `GET /rest/public/calls/{uuid}/audio` (A.2 notes): a recording, a small WAV;
//! - `/crm/contacts/v2/...` (B.9): CRM Teler's contacts and notes, seeded with contacts whose
//!   field labels are Ukrainian and Russian ([`CrmBook`], reachable through
//!   [`VegaSimHandle::crm`]).
//!
//! The endpoints the spec gives as `GET` also take `POST` with a JSON body and times in seconds,
//! as the Phonet platform's client sends them; [`WireForms::PostJsonOnly`] refuses the `GET` form
//! with `405`, to test a client's fallback, and [`WireForms::QueryOnly`] the `POST` form.
//!
//! What it adds for tests, under `/_sim/` (not Vega's API): `POST /_sim/scenario` plays a
//! [`Scenario`], `POST /_sim/expire-sessions`, `POST /_sim/faults`, `GET /_sim/calls-made`,
//! `GET /_sim/stats`. The same is reachable from Rust through [`VegaSimHandle`].
//!
//! Start it with [`serve`] (on a listener you bound) or [`VegaSim::start`] (on an address); stop it
//! with [`VegaSimHandle::shutdown`] or by dropping the handle. Scenario timelines run on tokio's
//! clock and stop with the server.

mod api;
mod config;
mod control;
mod crm;
pub mod demo;
mod history;
mod scenario;
mod state;
mod wire;

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::{TcpListener, ToSocketAddrs};
use tokio_util::sync::CancellationToken;

use crate::server::SimServer;

pub use config::{Fault, OutgoingTiming, SimEmployee, TimestampUnit, VegaSimConfig, WireForms};
pub use crm::{CrmBook, SimCrmContact, SimCrmField, SimCrmNote, SimCrmValue};
pub use history::FinishedCall;
pub use scenario::{PbxContact, Scenario, ScenarioError};
pub use state::{CallMade, SimStats};

use state::SimState;

/// Why the simulator could not start.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// The configuration cannot describe a PBX.
    #[error("invalid Vega simulator configuration: {0}")]
    InvalidConfig(String),
    /// The address could not be bound or read.
    #[error("Vega simulator cannot listen on {addr}: {source}")]
    Listen {
        /// What was asked for.
        addr: String,
        /// What the OS said.
        source: std::io::Error,
    },
}

/// Entry point for starting a simulator on an address.
pub struct VegaSim;

impl VegaSim {
    /// Binds `addr` (use `127.0.0.1:0` for a free port) and serves the simulator there.
    pub async fn start(
        addr: impl ToSocketAddrs + std::fmt::Display,
        config: VegaSimConfig,
    ) -> Result<VegaSimHandle, SimError> {
        let shown = addr.to_string();
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|source| SimError::Listen {
                addr: shown,
                source,
            })?;
        serve(listener, config).await
    }
}

/// Serves the simulator on a listener the caller bound (the CLI's `sim vega --listen`).
pub async fn serve(
    listener: TcpListener,
    config: VegaSimConfig,
) -> Result<VegaSimHandle, SimError> {
    config.validate().map_err(SimError::InvalidConfig)?;
    let addr = listener.local_addr().map_err(|source| SimError::Listen {
        addr: "the given listener".to_owned(),
        source,
    })?;
    let shutdown = CancellationToken::new();
    let runtime = tokio::runtime::Handle::current();
    let base_url = format!("http://{addr}");
    let state = Arc::new(SimState::new(config, shutdown.clone(), runtime, base_url));
    let app = api::router(state.clone()).merge(control::router(state.clone()));
    let server = SimServer::spawn("Vega", listener, app, shutdown);
    tracing::info!(%addr, "Vega simulator listening");
    Ok(VegaSimHandle {
        addr,
        state,
        server,
    })
}

/// A running simulator. Dropping it stops the server and every scenario in progress.
pub struct VegaSimHandle {
    /// Where it listens.
    pub addr: SocketAddr,
    state: Arc<SimState>,
    server: SimServer,
}

impl std::fmt::Debug for VegaSimHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VegaSimHandle")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl VegaSimHandle {
    /// `http://127.0.0.1:PORT`: the base URL a client should use.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The configuration it runs with.
    pub fn config(&self) -> &VegaSimConfig {
        self.state.config()
    }

    /// Starts a scenario; returns its uuids (for a group call: the parent first, then one leg per
    /// member in the order given; for a transfer: the customer's call, then the leg of the
    /// employee it is transferred to). Callable from any thread: the timeline runs on the
    /// simulator's runtime.
    pub fn play(&self, scenario: Scenario) -> Result<Vec<String>, ScenarioError> {
        scenario::play(&self.state, scenario)
    }

    /// Invalidates every session: the next `/rest` request answers 403 (vega.md B.1).
    pub fn expire_sessions(&self) {
        self.state.expire_sessions();
    }

    /// Makes the next `count` authorized requests to `/rest/calls/active/v3` fail this way.
    pub fn inject_faults(&self, fault: Fault, count: u32) {
        self.state.inject_faults(fault, count);
    }

    /// Makes history requests (`company.api`, `users.api`, `missed.api`) misbehave: the next
    /// `skip` are answered normally, the `count` after them suffer `fault`.
    pub fn inject_history_faults(&self, fault: Fault, skip: u32, count: u32) {
        self.state.inject_history_faults(fault, skip, count);
    }

    /// Adds finished calls to the history (vega.md B.5), after checking each against the
    /// account; nothing is added when one is refused.
    pub fn add_history(&self, calls: Vec<FinishedCall>) -> Result<(), ScenarioError> {
        for call in &calls {
            call.validate(self.config())?;
        }
        self.state.add_history(calls);
        Ok(())
    }

    /// Every finished call, in the order they ended or were added.
    pub fn history(&self) -> Vec<FinishedCall> {
        self.state.with_history(<[FinishedCall]>::to_vec)
    }

    /// CRM Teler's contacts and notes (vega.md B.9): read, change and break them from a test.
    pub fn crm(&self) -> &CrmBook {
        &self.state.crm
    }

    /// Every `makeCall` accepted so far, oldest first.
    pub fn calls_made(&self) -> Vec<CallMade> {
        self.state.calls_made()
    }

    /// Request counters, to check what a client did.
    pub fn stats(&self) -> SimStats {
        self.state.stats()
    }

    /// Resolves once the simulator is shutting down.
    pub async fn stopped(&self) {
        self.server.shutdown_token().cancelled().await;
    }

    /// Asks the simulator to stop (scenarios, the demo and the server); see [`Self::shutdown`]
    /// to also wait for it.
    pub fn stop(&self) {
        self.server.shutdown_token().cancel();
    }

    /// Stops serving and waits until the server has closed its connections.
    pub async fn shutdown(self) {
        self.server.stop().await;
    }
}
