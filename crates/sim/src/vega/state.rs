//! The simulated PBX's state: sessions, calls in progress, queued faults and logs. One lock, held
//! only for short synchronous updates, never across an `.await`.

use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::config::{Fault, SimEmployee, TimestampUnit, VegaSimConfig};
use super::history::FinishedCall;
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
    /// Authorized requests to `company.api`, `users.api` and `missed.api` (faulty ones included).
    pub history_requests: u64,
    /// Requests to a `GET` endpoint of the spec sent as `GET` with query parameters (vega.md B).
    pub query_form_requests: u64,
    /// Requests to a `GET` endpoint of the spec sent as `POST` with a JSON body (Phonet's form).
    pub json_form_requests: u64,
    /// Requests answered `405` because [`WireForms`](super::WireForms) refuses their form
    /// (`PostJsonOnly`: a `GET`; `QueryOnly`: a `POST`).
    pub method_not_allowed: u64,
    /// Calls ended through `hangup` (vega.md B.4).
    pub hangups: u64,
    /// Recordings served.
    pub recordings_served: u64,
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
    /// For the leg a call was transferred to: the call it continues, whose history record it
    /// completes (one record per call, `transferHistory` "001 > 002", vega.md B.5).
    pub transfer_of: Option<TransferOrigin>,
}

/// The call a transferred leg continues.
#[derive(Debug, Clone)]
pub(crate) struct TransferOrigin {
    /// The customer's call: its uuid names the whole call in the history.
    pub uuid: String,
    /// The employee who answered first and transferred it.
    pub first: SimEmployee,
    pub dial_at_ms: u64,
    pub bridge_at_ms: Option<u64>,
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
    /// For history requests: `None` answers normally, `Some` misbehaves.
    history_faults: VecDeque<Option<Fault>>,
    /// Finished calls, in the order they ended or were added.
    history: Vec<FinishedCall>,
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
    /// `http://127.0.0.1:PORT`: where recordings are served (`audioRecUrl`).
    pub base_url: String,
    /// CRM Teler's contacts and notes (vega.md B.9).
    pub crm: super::crm::CrmBook,
}

impl SimState {
    pub fn new(
        config: VegaSimConfig,
        shutdown: CancellationToken,
        runtime: tokio::runtime::Handle,
        base_url: String,
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
            base_url,
            crm: super::crm::CrmBook::seeded(),
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

    pub fn inject_history_faults(&self, fault: Fault, skip: u32, count: u32) {
        let mut inner = self.lock();
        inner
            .history_faults
            .extend(std::iter::repeat_n(None, skip as usize));
        inner
            .history_faults
            .extend(std::iter::repeat_n(Some(fault), count as usize));
    }

    /// Counts a history request and takes the fault it must suffer, if any.
    pub fn next_history_fault(&self) -> Option<Fault> {
        let mut inner = self.lock();
        inner.stats.history_requests += 1;
        inner.history_faults.pop_front().flatten()
    }

    // --- request forms ---

    pub fn count_query_form(&self) {
        self.lock().stats.query_form_requests += 1;
    }

    pub fn count_json_form(&self) {
        self.lock().stats.json_form_requests += 1;
    }

    pub fn count_method_not_allowed(&self) {
        self.lock().stats.method_not_allowed += 1;
    }

    // --- history (vega.md B.5–B.7) ---

    pub fn add_history(&self, calls: Vec<FinishedCall>) {
        self.lock().history.extend(calls);
    }

    /// Runs `read` on the finished calls, under the lock.
    pub fn with_history<T>(&self, read: impl FnOnce(&[FinishedCall]) -> T) -> T {
        read(&self.lock().history)
    }

    /// Whether `uuid` names a finished call with a recording; counts it as served when so.
    pub fn serve_recording(&self, uuid: &str) -> bool {
        let mut inner = self.lock();
        let found = inner.history.iter().any(|c| c.uuid == uuid && c.recorded);
        if found {
            inner.stats.recordings_served += 1;
        }
        found
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

    /// Ends those of the calls that have not ended yet: they show `lastEvent: call.hangup` until
    /// removed, and each goes into the history. Returns the uuids it ended.
    pub fn end_calls(&self, uuids: &[String]) -> Vec<String> {
        let now = now_ms();
        let mut inner = self.lock();
        let mut ended = Vec::new();
        let mut finished = Vec::new();
        for call in inner.calls.iter_mut().filter(|c| uuids.contains(&c.uuid)) {
            if call.stage == CallStage::Hangup {
                continue;
            }
            call.stage = CallStage::Hangup;
            ended.push(call.uuid.clone());
            finished.push(finished_call(call, now));
        }
        inner.history.extend(finished);
        ended
    }

    /// Employee `to.leg` takes over the answered call `from`: `from` shows `call.hangup` (its
    /// employee left; no history record yet) and `to` rings as its child (`parentUuid` = `from`),
    /// with the same customer and trunk. False when `from` is not in conversation.
    pub fn transfer(&self, from: &str, mut to: SimCall) -> bool {
        let mut inner = self.lock();
        let Some(first) = inner
            .calls
            .iter_mut()
            .find(|c| c.uuid == from && c.stage == CallStage::Bridge)
        else {
            return false;
        };
        first.stage = CallStage::Hangup;
        to.parent_uuid = Some(first.uuid.clone());
        to.lg_direction = first.lg_direction;
        to.other_legs = first.other_legs.clone();
        to.trunk = first.trunk.clone();
        to.transfer_of = Some(first.transfer_of.clone().unwrap_or(TransferOrigin {
            uuid: first.uuid.clone(),
            first: first.leg.clone(),
            dial_at_ms: first.dial_at_ms,
            bridge_at_ms: first.bridge_at_ms,
        }));
        inner.calls.push(to);
        true
    }

    /// Ends a call on request (vega.md B.4); false when no such call is in progress.
    pub fn hang_up_on_request(&self, uuid: &str) -> bool {
        let ended = self.end_calls(&[uuid.to_owned()]);
        if !ended.is_empty() {
            self.lock().stats.hangups += 1;
        }
        !ended.is_empty()
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

/// The history record of a call ending at `end_ms` (vega.md B.5).
fn finished_call(call: &SimCall, end_ms: u64) -> FinishedCall {
    let secs = |from: u64| (end_ms.saturating_sub(from) + 500) / 1000;
    let customer = call
        .other_legs
        .as_ref()
        .and_then(|legs| legs.first())
        .map(|leg| (leg.num.clone(), leg.name.clone()));
    let answered = call.bridge_at_ms.is_some();
    if let Some(origin) = &call.transfer_of {
        // One record for the whole call, under the customer's call: leg = who answered first,
        // transferHistory "001 > 002" (vega.md B.5's "'017> 019' means 017 transferred it to
        // 019"), talk counted from the first answer.
        let took_it = if answered {
            call.leg.ext.clone()
        } else {
            // Nobody picked up after the transfer: the first employee is still the one who
            // talked.
            origin.first.ext.clone()
        };
        return FinishedCall {
            uuid: origin.uuid.clone(),
            parent_uuid: None,
            end_at_ms: end_ms,
            lg_direction: call.lg_direction,
            customer: customer.as_ref().map(|c| c.0.clone()),
            customer_name: customer.and_then(|c| c.1),
            employee: origin.first.ext.clone(),
            employee2: None,
            bill_secs: origin.bridge_at_ms.map(secs).unwrap_or(0),
            duration_secs: secs(origin.dial_at_ms),
            disposition: 0,
            transfer_history: Some(if took_it == origin.first.ext {
                took_it
            } else {
                format!("{} > {took_it}", origin.first.ext)
            }),
            recorded: true,
            trunk: call.trunk.as_ref().map(|t| t.0.clone()),
        };
    }
    FinishedCall {
        uuid: call.uuid.clone(),
        parent_uuid: call.parent_uuid.clone(),
        end_at_ms: end_ms,
        lg_direction: call.lg_direction,
        customer: customer.as_ref().map(|c| c.0.clone()),
        customer_name: customer.and_then(|c| c.1),
        employee: call.leg.ext.clone(),
        employee2: call.leg2.as_ref().map(|e| e.ext.clone()),
        bill_secs: call.bridge_at_ms.map(secs).unwrap_or(0),
        duration_secs: secs(call.dial_at_ms),
        disposition: if answered { 0 } else { 1 },
        // vega.md B.5: a single value means no transfer: that employee took the call. The spec's
        // internal example has `null`.
        transfer_history: (answered && call.lg_direction != 1).then(|| call.leg.ext.clone()),
        // B.5: "audioRecUrl ... null if the call did not take place".
        recorded: answered,
        trunk: call.trunk.as_ref().map(|t| t.0.clone()),
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
