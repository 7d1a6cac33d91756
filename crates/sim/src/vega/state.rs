//! The simulated PBX's state: sessions, calls in progress, queued faults and logs. One lock, held
//! only for short synchronous updates, never across an `.await`.

use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::config::{Fault, SimEmployee, TimestampUnit, VegaSimConfig};
use super::wire::{ActiveCallJson, LegJson, OtherLegJson};

/// One accepted `makeCall` (vega.md B.2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CallMade {
    /// `legExt` as sent.
    pub leg_ext: String,
    /// `otherLegNum` as sent.
    pub other_leg_num: String,
    /// The uuid answered.
    pub uuid: String,
}

/// What clients have asked so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SimStats {
    /// Successful `authorize` calls.
    pub authorizations: u64,
    /// `authorize` calls answered 401.
    pub rejected_authorizations: u64,
    /// Requests answered 403 for want of a valid session.
    pub forbidden: u64,
    /// Authorized requests to active calls (faulty ones included).
    pub active_calls_requests: u64,
}

/// The `lastEvent` of a call (vega.md B.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CallStage {
    Dial,
    Bridge,
    Hangup,
}

impl CallStage {
    fn as_str(self) -> &'static str {
        match self {
            CallStage::Dial => "call.dial",
            CallStage::Bridge => "call.bridge",
            CallStage::Hangup => "call.hangup",
        }
    }
}

/// A call (or one leg of a group call) in progress.
#[derive(Debug, Clone)]
pub(crate) struct SimCall {
    pub uuid: String,
    pub parent_uuid: Option<String>,
    pub stage: CallStage,
    pub dial_at_ms: u64,
    pub bridge_at_ms: Option<u64>,
    /// vega.md A.2: 1 internal, 2 outgoing, 4 incoming.
    pub lg_direction: u8,
    pub leg: SimEmployee,
    pub leg2: Option<SimEmployee>,
    pub other_legs: Option<Vec<OtherLegJson>>,
    /// `trunkNum` / `trunkName`; `None` for internal calls (vega.md A.2).
    pub trunk: Option<(String, String)>,
}

impl SimCall {
    fn to_json(&self, unit: TimestampUnit) -> ActiveCallJson {
        let time = |ms: u64| match unit {
            TimestampUnit::Millis => ms,
            TimestampUnit::Seconds => ms / 1000,
        };
        let leg = |e: &SimEmployee| LegJson {
            id: e.id,
            ext: e.ext.clone(),
            display_name: e.display_name.clone(),
        };
        ActiveCallJson {
            uuid: self.uuid.clone(),
            parent_uuid: self.parent_uuid.clone(),
            last_event: self.stage.as_str(),
            dial_at: time(self.dial_at_ms),
            bridge_at: self.bridge_at_ms.map(time),
            lg_direction: self.lg_direction,
            leg: leg(&self.leg),
            leg2: self.leg2.as_ref().map(leg),
            other_legs: self.other_legs.clone(),
            trunk_num: self.trunk.as_ref().map(|t| t.0.clone()),
            trunk_name: self.trunk.as_ref().map(|t| t.1.clone()),
        }
    }
}

#[derive(Default)]
struct Inner {
    /// Session id → when it expires (`None`: never).
    sessions: HashMap<String, Option<Instant>>,
    /// In the order they started, as a PBX would list them.
    calls: Vec<SimCall>,
    faults: VecDeque<Fault>,
    calls_made: Vec<CallMade>,
    stats: SimStats,
}

/// State shared by the HTTP handlers and the scenario timelines.
pub(crate) struct SimState {
    config: VegaSimConfig,
    inner: Mutex<Inner>,
    /// Cancelled when the simulator stops: ends timelines and hanging answers.
    pub shutdown: CancellationToken,
    /// The runtime serving the simulator: scenarios run there, whichever thread plays them.
    pub runtime: tokio::runtime::Handle,
}

impl SimState {
    pub fn new(
        config: VegaSimConfig,
        shutdown: CancellationToken,
        runtime: tokio::runtime::Handle,
    ) -> SimState {
        let inner = Inner {
            faults: config.faults.iter().copied().collect(),
            ..Inner::default()
        };
        SimState {
            config,
            inner: Mutex::new(inner),
            shutdown,
            runtime,
        }
    }

    pub fn config(&self) -> &VegaSimConfig {
        &self.config
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic elsewhere while holding the lock leaves plain data behind: keep serving it.
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    // --- sessions (vega.md B.1) ---

    pub fn open_session(&self) -> String {
        let id = format!("{:032X}", rand::random::<u128>());
        let now = Instant::now();
        // A TTL too long to add up is as good as none.
        let expires = self.config.session_ttl.and_then(|ttl| now.checked_add(ttl));
        let mut inner = self.lock();
        inner
            .sessions
            .retain(|_, exp| exp.is_none_or(|at| at > now));
        inner.sessions.insert(id.clone(), expires);
        inner.stats.authorizations += 1;
        id
    }

    pub fn session_is_valid(&self, id: &str) -> bool {
        let inner = self.lock();
        match inner.sessions.get(id) {
            Some(None) => true,
            Some(Some(expires)) => *expires > Instant::now(),
            None => false,
        }
    }

    pub fn expire_sessions(&self) {
        self.lock().sessions.clear();
    }

    pub fn count_rejected_authorization(&self) {
        self.lock().stats.rejected_authorizations += 1;
    }

    pub fn count_forbidden(&self) {
        self.lock().stats.forbidden += 1;
    }

    // --- faults ---

    pub fn inject_faults(&self, fault: Fault, count: u32) {
        let mut inner = self.lock();
        inner
            .faults
            .extend(std::iter::repeat_n(fault, count as usize));
    }

    /// Counts an active-calls request and takes the fault it must suffer, if any.
    pub fn next_active_calls_fault(&self) -> Option<Fault> {
        let mut inner = self.lock();
        inner.stats.active_calls_requests += 1;
        inner.faults.pop_front()
    }

    // --- calls ---

    pub fn active_calls_json(&self) -> Vec<ActiveCallJson> {
        let inner = self.lock();
        inner
            .calls
            .iter()
            .map(|c| c.to_json(self.config.timestamps))
            .collect()
    }

    pub fn add_call(&self, call: SimCall) {
        self.lock().calls.push(call);
    }

    /// The call is answered now (`lastEvent: call.bridge`, `bridgeAt` set).
    pub fn bridge(&self, uuid: &str) {
        let now = now_ms();
        let mut inner = self.lock();
        if let Some(call) = inner.calls.iter_mut().find(|c| c.uuid == uuid) {
            if call.stage == CallStage::Dial {
                call.stage = CallStage::Bridge;
                call.bridge_at_ms = Some(now);
            }
        }
    }

    /// The calls show `lastEvent: call.hangup` until they are removed.
    pub fn hang_up(&self, uuids: &[String]) {
        let mut inner = self.lock();
        for call in inner.calls.iter_mut().filter(|c| uuids.contains(&c.uuid)) {
            call.stage = CallStage::Hangup;
        }
    }

    pub fn remove(&self, uuids: &[String]) {
        self.lock().calls.retain(|c| !uuids.contains(&c.uuid));
    }

    pub fn log_call_made(&self, call: CallMade) {
        self.lock().calls_made.push(call);
    }

    pub fn calls_made(&self) -> Vec<CallMade> {
        self.lock().calls_made.clone()
    }

    pub fn stats(&self) -> SimStats {
        self.lock().stats
    }
}

/// Wall-clock milliseconds since 1970: what a PBX puts in `dialAt`.
pub(crate) fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

/// A fresh call id in the spec's shape: 32 lowercase hex digits.
pub(crate) fn new_uuid() -> String {
    format!("{:032x}", rand::random::<u128>())
}
