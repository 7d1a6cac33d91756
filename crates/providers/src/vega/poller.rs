//! Polls active calls (vega.md B.3) and sends what changed as [`CallEvent`]s: how a client without
//! a public webhook URL learns of calls.

use std::time::Duration;

use async_trait::async_trait;
use callpop_core::CallEvent;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::client::VegaClient;
use super::diff::SnapshotDiff;
use crate::poll_loop::{self, Poll};

/// The longest wait between two attempts while Vega keeps failing.
pub const DEFAULT_MAX_BACKOFF: Duration = Duration::from_secs(30);

/// The shortest interval accepted: a zero interval would spin.
const MIN_INTERVAL: Duration = Duration::from_millis(10);

/// Polls `GET /rest/calls/active/v3` every `interval` and reports the differences.
#[derive(Debug)]
pub struct ActiveCallsPoller {
    client: VegaClient,
    interval: Duration,
    max_backoff: Duration,
    diff: SnapshotDiff,
}

impl ActiveCallsPoller {
    /// A poller asking every `interval` (10 ms at least). `my_ext` is the app user's extension:
    /// internal calls to it are shown from their side. Every call of the account is reported,
    /// whoever it rings: choosing what to show is the caller's business.
    pub fn new(
        client: VegaClient,
        interval: Duration,
        my_ext: Option<String>,
    ) -> ActiveCallsPoller {
        let diff = SnapshotDiff::new(&client.settings().region, my_ext);
        ActiveCallsPoller {
            client,
            interval: interval.max(MIN_INTERVAL),
            max_backoff: DEFAULT_MAX_BACKOFF,
            diff,
        }
    }

    /// Caps the wait between attempts while Vega fails (default [`DEFAULT_MAX_BACKOFF`]).
    pub fn with_max_backoff(mut self, max_backoff: Duration) -> ActiveCallsPoller {
        self.max_backoff = max_backoff.max(self.interval);
        self
    }

    /// Polls until `shutdown` is cancelled or `events`' receiver is dropped (the shared
    /// [`poll_loop`](crate::poll_loop): backoff up to the cap while Vega fails). Nothing is lost
    /// meanwhile: the next good snapshot is compared with the last good one.
    pub async fn run(self, events: mpsc::Sender<CallEvent>, shutdown: CancellationToken) {
        let (interval, max_backoff) = (self.interval, self.max_backoff);
        poll_loop::run(self, interval, max_backoff, events, shutdown).await;
    }
}

#[async_trait]
impl Poll for ActiveCallsPoller {
    fn what(&self) -> &'static str {
        "Vega's active calls"
    }

    async fn poll(&mut self) -> Result<Vec<CallEvent>, Box<dyn std::error::Error + Send + Sync>> {
        let snapshot = self.client.active_calls().await?;
        Ok(self.diff.apply(&snapshot, chrono::Utc::now()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_zero_interval_is_raised_to_the_minimum() {
        let settings = crate::vega::VegaSettings::for_domain("test4.pbx.vega.ua");
        let client = VegaClient::new(settings, "k".to_owned()).unwrap();
        let poller =
            ActiveCallsPoller::new(client, Duration::ZERO, None).with_max_backoff(Duration::ZERO);
        assert_eq!(poller.interval, MIN_INTERVAL);
        assert_eq!(poller.max_backoff, MIN_INTERVAL);
    }
}
