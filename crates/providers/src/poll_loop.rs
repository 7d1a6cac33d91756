//! The one loop every polling provider runs: ask the PBX, send what changed, wait; on a failure
//! wait longer each time (backoff with jitter, [`Backoff`]) and go back to the interval after a
//! success. A provider says only how to ask once ([`Poll`]).

use std::time::Duration;

use async_trait::async_trait;
use callpop_core::backoff::Backoff;
use callpop_core::CallEvent;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// One poll of one PBX.
#[async_trait]
pub(crate) trait Poll: Send {
    /// What the log calls it: "Vega's active calls".
    fn what(&self) -> &'static str;
    /// Asks once; the events since the last good answer, in order.
    async fn poll(&mut self) -> Result<Vec<CallEvent>, Box<dyn std::error::Error + Send + Sync>>;
}

/// Polls every `interval` until `shutdown` is cancelled or `events`' receiver is dropped. A
/// failed poll is logged and retried after a wait that grows with each failure, up to
/// `max_backoff`. Nothing is lost meanwhile: the next good answer covers the gap.
pub(crate) async fn run(
    mut poll: impl Poll,
    interval: Duration,
    max_backoff: Duration,
    events: mpsc::Sender<CallEvent>,
    shutdown: CancellationToken,
) {
    let mut backoff = Backoff::new(interval, max_backoff);
    loop {
        let result = tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = events.closed() => return,
            result = poll.poll() => result,
        };
        let wait = match result {
            Ok(new) => {
                if backoff.failures() > 0 {
                    tracing::info!(
                        failures = backoff.failures(),
                        "{} answer again",
                        poll.what()
                    );
                }
                backoff.reset();
                for event in new {
                    tokio::select! {
                        _ = shutdown.cancelled() => return,
                        sent = events.send(event) => if sent.is_err() { return },
                    }
                }
                interval
            }
            Err(error) => {
                let wait = backoff.next_wait();
                tracing::warn!(%error, retry_in_ms = wait.as_millis() as u64, "polling {} failed", poll.what());
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
