//! Missed calls from a periodic `call_log` read (help article: the only way it documents to
//! learn of calls). Each poll reads yesterday and today (Moscow dates) and raises a `Missed`
//! [`CallEvent`] for every incoming `LOST` / `NO ANSWER` / `BUSY` / `FAILED` call not raised
//! before. The first poll only notes what is already there: starting the app must not replay a
//! day of missed calls.

use std::collections::HashSet;
use std::time::Duration;

use async_trait::async_trait;
use callpop_core::{CallEvent, CallState, Direction, PhoneNumber};
use chrono::{DateTime, Utc};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::client::McnClient;
use super::error::McnError;
use super::wire::{moscow_date, McnCall};
use super::PROVIDER;
use crate::poll_loop::{self, Poll};

/// The shortest interval accepted: `call_log` returns whole days, so polling it fast only
/// loads MCN's server.
pub const MIN_INTERVAL: Duration = Duration::from_secs(5);

/// The longest wait between two attempts while MCN keeps failing.
pub const MAX_BACKOFF: Duration = Duration::from_secs(300);

/// Polls `call_log` and reports new missed calls.
#[derive(Debug)]
pub struct MissedCallsPoller {
    client: McnClient,
    interval: Duration,
    region: String,
    /// Missed calls already raised (or present at the first poll), within the window read.
    seen: HashSet<String>,
    primed: bool,
}

impl MissedCallsPoller {
    /// A poller asking every `interval` (at least [`MIN_INTERVAL`]); `region` reads numbers.
    pub fn new(client: McnClient, interval: Duration, region: &str) -> MissedCallsPoller {
        MissedCallsPoller {
            client,
            interval: interval.max(MIN_INTERVAL),
            region: region.to_owned(),
            seen: HashSet::new(),
            primed: false,
        }
    }

    /// The same poller with any interval (tests: a fast one against the simulator).
    pub fn with_interval(mut self, interval: Duration) -> MissedCallsPoller {
        self.interval = interval.max(Duration::from_millis(10));
        self
    }

    /// One poll at `now`: the new missed calls as events, oldest first (none at the first poll).
    pub async fn poll_once(&mut self, now: DateTime<Utc>) -> Result<Vec<CallEvent>, McnError> {
        let today = moscow_date(now);
        let yesterday = today.pred_opt().unwrap_or(today);
        let calls = self.client.call_log(yesterday, today).await?;
        let missed: Vec<&McnCall> = calls.iter().filter(|c| c.is_missed()).collect();
        let mut events = Vec::new();
        if self.primed {
            for call in &missed {
                if !self.seen.contains(&call.callid) {
                    events.push(self.event(call, now));
                }
            }
        }
        // Keep only what the window still holds: a call that left it never comes back.
        self.seen = missed.iter().map(|c| c.callid.clone()).collect();
        self.primed = true;
        events.sort_by_key(|e| e.at);
        Ok(events)
    }

    fn event(&self, call: &McnCall, now: DateTime<Utc>) -> CallEvent {
        CallEvent {
            provider: PROVIDER.to_owned(),
            call_id: call.callid.clone(),
            parent_id: None,
            state: CallState::Missed,
            direction: Direction::In,
            customer: call.customer().map(|n| PhoneNumber::parse(n, &self.region)),
            employee: call.employee().map(str::to_owned),
            employee_name: call.dst_name.clone(),
            at: call
                .date
                .map(|d| d + chrono::Duration::seconds(call.waittime))
                .unwrap_or(now),
            on_hold: false,
            pbx_contact: None,
        }
    }

    /// Polls until `shutdown` is cancelled or `events`' receiver is dropped (the shared
    /// [`poll_loop`](crate::poll_loop): backoff up to [`MAX_BACKOFF`] while MCN fails).
    pub async fn run(self, events: mpsc::Sender<CallEvent>, shutdown: CancellationToken) {
        let interval = self.interval;
        poll_loop::run(self, interval, MAX_BACKOFF, events, shutdown).await;
    }
}

#[async_trait]
impl Poll for MissedCallsPoller {
    fn what(&self) -> &'static str {
        "MCN's call_log"
    }

    async fn poll(&mut self) -> Result<Vec<CallEvent>, Box<dyn std::error::Error + Send + Sync>> {
        Ok(self.poll_once(Utc::now()).await?)
    }
}
