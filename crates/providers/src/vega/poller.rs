//! Polls active calls (vega.md B.3) and sends what changed as [`CallEvent`]s: how a client without
//! a public webhook URL learns of calls.

use std::time::Duration;

use callpop_core::backoff::Backoff;
use callpop_core::CallEvent;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::client::VegaClient;
use super::diff::SnapshotDiff;

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

    /// Polls until `shutdown` is cancelled or `events`' receiver is dropped. A failed poll is
    /// logged and retried after a wait that doubles with each failure, up to the cap, and goes
    /// back to `interval` after a success. Nothing is lost meanwhile: the next good snapshot is
    /// compared with the last good one.
    pub async fn run(mut self, events: mpsc::Sender<CallEvent>, shutdown: CancellationToken) {
        let mut backoff = Backoff::new(self.interval, self.max_backoff);
        loop {
            let result = tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = events.closed() => return,
                result = self.client.active_calls() => result,
            };
            let wait = match result {
                Ok(snapshot) => {
                    if backoff.failures() > 0 {
                        tracing::info!(failures = backoff.failures(), "Vega answers again");
                    }
                    backoff.reset();
                    for event in self.diff.apply(&snapshot, chrono::Utc::now()) {
                        tokio::select! {
                            _ = shutdown.cancelled() => return,
                            sent = events.send(event) => {
                                if sent.is_err() {
                                    return;
                                }
                            }
                        }
                    }
                    self.interval
                }
                Err(error) => {
                    let wait = backoff.next_wait();
                    tracing::warn!(%error, retry_in_ms = wait.as_millis() as u64, "polling Vega's active calls failed");
                    wait
                }
            };
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = events.closed() => return,
                _ = tokio::time::sleep(wait) => {}
            }
        }
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
