//! The PBX's employee list as the relay knows it, kept fresh.
//!
//! The look-ups (vega.md A.1 `call.settings`, cloud-pbx.md 4.3 `contact`) name the client's
//! responsible manager so the PBX can route the call to them; for that the relay needs the
//! PBX's current employees. A list read once at start goes stale the day a manager joins, and
//! the app's embedded relay starts before its account is even reachable. So the list is shared
//! ([`EmployeeList`]: each request takes a snapshot, the refresher swaps in a whole new list)
//! and re-read from the PBX every [`REFRESH_EVERY`] by a task ([`EmployeeRefresh`]), which on
//! a failure keeps the list it has and retries with backoff and jitter.
//!
//! The relay does not know how to ask a PBX: an [`EmployeeSource`] wraps whatever does (the
//! CLI's and the app's connected `Account`, a test's closure).

use std::fmt::Display;
use std::future::Future;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use callpop_core::backoff::Backoff;
use callpop_core::Employee;
use futures_util::future::BoxFuture;
use futures_util::FutureExt as _;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

/// How often the list is re-read: a new manager is named within minutes, and one `accounts` /
/// `users` request per ten minutes is nothing for a PBX.
pub const REFRESH_EVERY: Duration = Duration::from_secs(10 * 60);

/// The first retry after a failed fetch; each further failure doubles it, up to the refresh
/// interval (never more often than that: retrying is never slower than the schedule).
const FIRST_RETRY: Duration = Duration::from_secs(5);

/// A fetch that hangs (a PBX that accepts and never answers) must not stop the refreshes.
const FETCH_TIMEOUT: Duration = Duration::from_secs(60);

/// The employees every look-up names responsibles from: cheap to clone, shared by the handlers
/// and the refresher.
#[derive(Clone, Default)]
pub struct EmployeeList {
    /// The whole list is replaced, never edited: a request holding a snapshot keeps a
    /// consistent list for its whole look-up, and the lock is held only to clone an `Arc`.
    current: Arc<RwLock<Arc<Vec<Employee>>>>,
}

impl EmployeeList {
    /// A list starting with `employees`.
    pub fn new(employees: Vec<Employee>) -> EmployeeList {
        EmployeeList {
            current: Arc::new(RwLock::new(Arc::new(employees))),
        }
    }

    /// The list as it is now, for one request.
    pub fn snapshot(&self) -> Arc<Vec<Employee>> {
        Arc::clone(&self.current.read().unwrap_or_else(|p| p.into_inner()))
    }

    /// Puts `employees` in place of the list; requests already holding a snapshot finish with
    /// the old one.
    pub fn replace(&self, employees: Vec<Employee>) {
        *self.current.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(employees);
    }
}

type Fetch = dyn Fn() -> BoxFuture<'static, Result<Vec<Employee>, String>> + Send + Sync;

/// Where the employees come from, and how often to ask.
pub struct EmployeeSource {
    fetch: Box<Fetch>,
    every: Duration,
}

impl EmployeeSource {
    /// A source that calls `fetch` for each refresh, every [`REFRESH_EVERY`]. For an account:
    /// `EmployeeSource::new(move || { let pbx = pbx.clone(); async move { pbx.employees().await } })`.
    pub fn new<F, Fut, E>(fetch: F) -> EmployeeSource
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Vec<Employee>, E>> + Send + 'static,
        E: Display,
    {
        EmployeeSource {
            fetch: Box::new(move || {
                fetch()
                    .map(|fetched| fetched.map_err(|e| e.to_string()))
                    .boxed()
            }),
            every: REFRESH_EVERY,
        }
    }

    /// The same source, asked every `every` instead.
    pub fn every(mut self, every: Duration) -> EmployeeSource {
        self.every = every.max(Duration::from_millis(1));
        self
    }
}

/// The running refresher of an [`EmployeeList`]. It stops when the relay's shutdown token is
/// cancelled (dropping this handle does not stop it: the relay's lifetime is the token's).
#[derive(Clone)]
pub struct EmployeeRefresh {
    wake: Arc<Notify>,
}

impl EmployeeRefresh {
    /// Starts refreshing `list` from `source`: a first fetch at once, then one every interval,
    /// until `shutdown`.
    pub fn start(
        list: EmployeeList,
        source: EmployeeSource,
        shutdown: CancellationToken,
    ) -> EmployeeRefresh {
        let wake = Arc::new(Notify::new());
        tokio::spawn(refresh(list, source, Arc::clone(&wake), shutdown));
        EmployeeRefresh { wake }
    }

    /// Re-reads the list now instead of at the next interval (or the next retry). A call while
    /// a fetch is running makes one more fetch right after it.
    pub fn refresh_now(&self) {
        self.wake.notify_one();
    }
}

async fn refresh(
    list: EmployeeList,
    source: EmployeeSource,
    wake: Arc<Notify>,
    shutdown: CancellationToken,
) {
    // Never slower than the schedule: a short interval (tests) retries within it.
    let mut backoff = Backoff::new(FIRST_RETRY.min(source.every), source.every);
    loop {
        let fetched = tokio::select! {
            _ = shutdown.cancelled() => return,
            fetched = tokio::time::timeout(FETCH_TIMEOUT, (source.fetch)()) => fetched,
        };
        let fetched = fetched
            .unwrap_or_else(|_| Err(format!("no answer within {} s", FETCH_TIMEOUT.as_secs())));
        let wait = match fetched {
            // A PBX in use always has employees: an empty answer is a glitch (or an account
            // without the right), and would unname every responsible until the next refresh.
            Ok(employees) if employees.is_empty() && !list.snapshot().is_empty() => {
                tracing::warn!("the PBX listed no employees: the previous list is kept");
                backoff.reset();
                source.every
            }
            Ok(employees) => {
                if backoff.failures() > 0 || employees.len() != list.snapshot().len() {
                    tracing::info!(count = employees.len(), "employee list read from the PBX");
                }
                backoff.reset();
                list.replace(employees);
                source.every
            }
            Err(error) => {
                let retry = backoff.next_wait();
                tracing::warn!(
                    "the PBX's employee list could not be read ({error}): the previous list is \
                     kept; next try in {} s",
                    retry.as_secs()
                );
                retry
            }
        };
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(wait) => {}
            _ = wake.notified() => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_snapshot_outlives_a_replacement() {
        let list = EmployeeList::new(Vec::new());
        let before = list.snapshot();
        list.replace(vec![Employee {
            id: "daria".into(),
            name: "Иванова Дарья".into(),
            ext: Some("705".into()),
            email: None,
        }]);
        assert!(before.is_empty());
        assert_eq!(list.snapshot().len(), 1);
    }
}
