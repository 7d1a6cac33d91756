//! The hub: one numbered stream of events, and for each client a bounded log of the ones that
//! concern it, which WebSocket sessions read from.
//!
//! Routing: a client's extension, its groups (departments), or every call — see `routing`.
//!
//! Numbering: every event gets one number, the same in every client's log, so a client's
//! numbers rise but skip the events meant for others. One number for all is what lets a
//! journal (a file here, a Redis stream in a cluster) number events once and every instance,
//! and every restart, mean the same by it. Without a journal the first number comes from the
//! clock (milliseconds since 1970 × 1000), so a restarted relay numbers above whatever the
//! previous one issued: a desktop resuming from an old number then gets a `gap` instead of
//! silently skipping new events that reuse its numbers. (× 1000 leaves room for a thousand
//! events per millisecond of downtime-free uptime; numbers stay below 2^53, JavaScript's
//! exact-integer limit, until about the year 2255.)
//!
//! Buffering: each log keeps the newest `capacity` events and remembers the newest number it
//! let go (its *floor*); a resume from below the floor gets a [`Delivery::Gap`] first, then
//! what is left. With a [`Journal`] every event is written to its file before the webhook is
//! answered, and a hub opened on the file refills the logs from it: a restart loses nothing.
//!
//! Clients can be added and removed while the hub runs ([`EventHub::set_clients`]); a removed
//! client's sessions end.
//!
//! The publish side is the [`PublishEvents`] trait, so that several relay instances behind a
//! load balancer can put a broker between the webhook handlers and the hubs.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};

use axum::extract::ws::Utf8Bytes;
use callpop_core::CallEvent;
use callpop_providers::webhook::{Handled, WebhookContext, WebhookHandler, WebhookRequest};
use std::sync::atomic::{AtomicBool, Ordering};

use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use crate::config::{find_client, ClientEntry};
use crate::journal::{Journal, JournalError};
use crate::routing::Routes;

/// The journal keeps this many events per client, up to [`MAX_JOURNALED`].
const MAX_JOURNALED: usize = 200_000;

/// Where the webhook handlers hand the events they produce. [`EventHub`] is the single-instance
/// implementation; a broker-backed one replaces it when several relays share the work.
pub trait PublishEvents: Send + Sync {
    /// Hands over `events`, in order. An error means none of them was taken: the webhook must
    /// not be answered as accepted.
    fn publish(&self, events: Vec<CallEvent>) -> Result<(), PublishError>;

    /// Has `handler` answer `requests`, in order, and publishes the events they produced, as
    /// one step: a cluster shares the handler's state between instances here, once for the
    /// whole batch. The default (one process): handle each, then [`publish`](Self::publish)
    /// every event at once (one journal transaction). An error means no event of the batch was
    /// taken.
    fn handle_batch(
        &self,
        handler: &mut dyn WebhookHandler,
        requests: &[(WebhookRequest, WebhookContext<'_>)],
    ) -> Result<Vec<Handled>, PublishError> {
        let (handled, events) = handle_all(handler, requests);
        if !events.is_empty() {
            self.publish(events)?;
        }
        Ok(handled)
    }
}

/// Has `handler` answer each of `requests` in order; the answers, and every event they
/// produced in that order (what a batch publishes).
pub(crate) fn handle_all(
    handler: &mut dyn WebhookHandler,
    requests: &[(WebhookRequest, WebhookContext<'_>)],
) -> (Vec<Handled>, Vec<CallEvent>) {
    let handled: Vec<Handled> = requests
        .iter()
        .map(|(request, context)| handler.handle(request, context))
        .collect();
    let events = handled.iter().flat_map(|h| h.events.clone()).collect();
    (handled, events)
}

/// Events that could not be taken (the cluster's Redis). A single relay's journal never
/// refuses: a failing disk is written again later (`Publishing`).
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    /// The cluster's Redis did not take them.
    #[error("Redis: {0}")]
    Broker(String),
}

/// What a subscriber receives next.
#[derive(Debug, Clone, PartialEq)]
pub enum Delivery {
    /// Events `from..=to` cannot be delivered (they left the buffer, or the relay restarted
    /// without them). The next event, if any, is numbered above `to`.
    Gap {
        /// The first missing number.
        from: u64,
        /// The last missing number.
        to: u64,
    },
    /// The next event for this client.
    Event {
        /// Its number.
        seq: u64,
        /// The event.
        event: Arc<CallEvent>,
        /// The whole WebSocket message, `{"type":"event","seq":N,"event":{...}}`, encoded once
        /// when published and shared by every client's log without a copy: its number is the
        /// same for everyone, so nothing in it is per client (with thousands of clients,
        /// encoding per delivery was most of the relay's work).
        message: Utf8Bytes,
    },
}

/// One numbered event, shared by the logs of every client it concerns.
#[derive(Debug)]
struct Published {
    seq: u64,
    event: Arc<CallEvent>,
    message: Utf8Bytes,
}

impl Published {
    fn new(seq: u64, event: CallEvent, json: &str) -> Arc<Published> {
        Arc::new(Published {
            seq,
            event: Arc::new(event),
            message: Utf8Bytes::from(format!(r#"{{"type":"event","seq":{seq},"event":{json}}}"#)),
        })
    }
}

/// One client's log.
#[derive(Debug)]
struct ClientLog {
    entry: ClientEntry,
    events: VecDeque<Arc<Published>>,
    /// Every event numbered up to this one may be missing from the log: it left the buffer,
    /// or came before the hub (or this client) started.
    floor: u64,
    /// Wakes the sessions waiting for more. One `Notify`, not a `watch`: a watch wakes
    /// through eight of them per send, and with a thousand clients that was a quarter of the
    /// relay's time.
    wake: Arc<Notify>,
    /// Cancelled when the client is removed: its sessions end.
    removed: CancellationToken,
}

impl ClientLog {
    fn new(entry: &ClientEntry, floor: u64) -> ClientLog {
        ClientLog {
            entry: entry.clone(),
            events: VecDeque::new(),
            floor,
            wake: Arc::new(Notify::new()),
            removed: CancellationToken::new(),
        }
    }

    fn push(&mut self, published: &Arc<Published>, capacity: usize) {
        self.events.push_back(Arc::clone(published));
        while self.events.len() > capacity {
            if let Some(dropped) = self.events.pop_front() {
                self.floor = self.floor.max(dropped.seq);
            }
        }
        // Nobody waiting is fine: nobody is connected right now, or busy sending.
        self.wake.notify_waiters();
    }
}

#[derive(Debug)]
struct HubState {
    clients: HashMap<String, ClientLog>,
    /// The clients' entries, for authentication.
    entries: Vec<ClientEntry>,
    /// Who gets which event, built from `entries`.
    routes: Routes,
    /// The newest number issued (or, before any, the one before the first).
    head: u64,
}

#[derive(Debug)]
struct Shared {
    state: Mutex<HubState>,
    /// Held while numbering and writing events: they reach the logs in number order, and the
    /// journal's disk write does not hold up sessions reading the logs.
    publishing: Mutex<Publishing>,
    capacity: usize,
    shutdown: CancellationToken,
    /// Set with `shutdown`: checked on every delivery, where the token's own check (a mutex)
    /// cost more than the delivery.
    closed: AtomicBool,
}

impl Shared {
    fn close(&self) {
        self.closed.store(true, Ordering::Release);
        self.shutdown.cancel();
    }
}

/// The write side of a hub with a journal.
#[derive(Debug)]
struct Publishing {
    journal: Option<Journal>,
    /// Events numbered and delivered but not yet in the journal (its last write failed).
    unwritten: Vec<(u64, String)>,
}

/// Most events kept waiting for a failing journal; beyond, the oldest are given up (they were
/// delivered to the desktops connected then).
const MAX_UNWRITTEN: usize = 100_000;

impl Publishing {
    /// Writes `events` and whatever an earlier failure left, logging once when writing fails
    /// and once when it works again.
    fn write(&mut self, events: &[(u64, String)]) {
        let Some(journal) = &self.journal else {
            return;
        };
        let was_failing = !self.unwritten.is_empty();
        self.unwritten.extend_from_slice(events);
        match journal.append(&self.unwritten) {
            Ok(()) => {
                if was_failing {
                    tracing::info!(
                        events = self.unwritten.len(),
                        "the relay's event file is written again"
                    );
                }
                self.unwritten.clear();
            }
            Err(error) => {
                if !was_failing {
                    tracing::error!(
                        "{error}; events still reach the connected desktops, and are kept in \
                         memory until the file can be written"
                    );
                }
                let excess = self.unwritten.len().saturating_sub(MAX_UNWRITTEN);
                self.unwritten.drain(..excess);
            }
        }
    }
}

/// Locks `mutex`, going on after a panic elsewhere: a panic while holding the lock cannot leave
/// a log half-updated in a way that matters more than losing every client.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The relay's shared state: every client's log. Cheap to clone (one `Arc`); sessions stop when
/// [`shutdown`](Self::shutdown) is called or the last handle is dropped.
#[derive(Debug, Clone)]
pub struct EventHub {
    shared: Arc<Shared>,
    /// Only the handles made by the constructors and their clones hold this; subscriptions do
    /// not, so dropping every hub handle cancels the sessions.
    _owner: Arc<DropGuard>,
}

#[derive(Debug)]
struct DropGuard(Arc<Shared>);

impl Drop for DropGuard {
    fn drop(&mut self) {
        self.0.close();
    }
}

/// The first number of a hub without history: the clock, so it is above any earlier relay's.
fn first_seq_from_clock() -> u64 {
    let millis = u64::try_from(chrono::Utc::now().timestamp_millis()).unwrap_or(0);
    millis.saturating_mul(1000) + 1
}

impl EventHub {
    /// A hub for `clients` that keeps events in memory only, the newest `capacity` of each
    /// client (at least one).
    pub fn new(clients: &[ClientEntry], capacity: usize) -> EventHub {
        Self::with_first_seq(clients, capacity, first_seq_from_clock())
    }

    /// [`new`](Self::new) with the first sequence number given (tests).
    pub fn with_first_seq(clients: &[ClientEntry], capacity: usize, first_seq: u64) -> EventHub {
        Self::build(clients, capacity, first_seq.max(1) - 1, None)
    }

    /// A hub whose events are written to the SQLite file at `path` before they are delivered,
    /// and which starts with the logs refilled from it: a desktop resuming after a restart
    /// gets what it missed.
    pub fn open(
        clients: &[ClientEntry],
        capacity: usize,
        path: &std::path::Path,
    ) -> Result<EventHub, JournalError> {
        let capacity = capacity.max(1);
        let keep = capacity
            .saturating_mul(clients.len().max(1))
            .min(MAX_JOURNALED);
        let journal = Journal::open(path, keep.max(capacity))?;
        let tail = journal.tail(keep)?;
        let before_first = match (tail.first(), journal.head()?) {
            (Some(first), _) => first.seq - 1,
            (None, Some(head)) => head,
            (None, None) => first_seq_from_clock() - 1,
        };
        let hub = Self::build(clients, capacity, before_first, Some(journal));
        hub.insert(
            tail.into_iter()
                .map(|entry| published(entry.seq, entry.event)),
        );
        tracing::info!(
            events = hub.lock().head.saturating_sub(before_first),
            "relay events restored from {}",
            path.display()
        );
        Ok(hub)
    }

    /// A hub fed from outside (a cluster's stream reader, [`insert_numbered`]): events
    /// numbered up to `head` happened before it.
    ///
    /// [`insert_numbered`]: Self::insert_numbered
    pub(crate) fn fed(clients: &[ClientEntry], capacity: usize, head: u64) -> EventHub {
        Self::build(clients, capacity, head, None)
    }

    /// Appends events numbered elsewhere (a shared stream), in number order; numbers already
    /// seen are ignored, so a reader that reads an entry twice delivers it once.
    pub(crate) fn insert_numbered(&self, events: impl IntoIterator<Item = (u64, CallEvent)>) {
        self.insert(events.into_iter().map(|(seq, event)| published(seq, event)));
    }

    fn build(
        clients: &[ClientEntry],
        capacity: usize,
        head: u64,
        journal: Option<Journal>,
    ) -> EventHub {
        let logs = clients
            .iter()
            .map(|entry| (entry.name.clone(), ClientLog::new(entry, head)))
            .collect();
        let shared = Arc::new(Shared {
            state: Mutex::new(HubState {
                clients: logs,
                entries: clients.to_vec(),
                routes: Routes::new(clients),
                head,
            }),
            publishing: Mutex::new(Publishing {
                journal,
                unwritten: Vec::new(),
            }),
            capacity: capacity.max(1),
            shutdown: CancellationToken::new(),
            closed: AtomicBool::new(false),
        });
        EventHub {
            _owner: Arc::new(DropGuard(Arc::clone(&shared))),
            shared,
        }
    }

    fn lock(&self) -> MutexGuard<'_, HubState> {
        lock(&self.shared.state)
    }

    /// Numbers `events`, writes them to the journal if the hub has one, and appends each to
    /// the log of every client it concerns.
    fn publish_all(&self, events: Vec<CallEvent>) -> Result<(), PublishError> {
        let encoded: Vec<(CallEvent, String)> = events
            .into_iter()
            .filter_map(|event| match serde_json::to_string(&event) {
                Ok(json) => Some((event, json)),
                Err(error) => {
                    // CallEvent is plain data: cannot happen, but an event is not worth a panic.
                    tracing::error!("event {} not published: {error}", event.call_id);
                    None
                }
            })
            .collect();
        if encoded.is_empty() {
            return Ok(());
        }
        let mut publishing = lock(&self.shared.publishing);
        let first = self.lock().head + 1;
        let numbered: Vec<(u64, String)> = encoded
            .iter()
            .zip(first..)
            .map(|((_, json), seq)| (seq, json.clone()))
            .collect();
        publishing.write(&numbered);
        self.insert(
            encoded
                .into_iter()
                .zip(first..)
                .map(|((event, json), seq)| Published::new(seq, event, &json)),
        );
        Ok(())
    }

    /// Appends already-numbered events, in order, to the logs of the clients they concern.
    /// A number not above the newest is ignored (it was delivered already).
    fn insert(&self, events: impl IntoIterator<Item = Arc<Published>>) {
        let capacity = self.shared.capacity;
        let mut guard = self.lock();
        let state = &mut *guard;
        for published in events {
            if published.seq <= state.head {
                continue;
            }
            // Numbers are consecutive wherever they come from: a jump means events were lost
            // on the way (a stream trimmed while this instance could not read it). Every
            // client may have missed some; a resume from before the jump gets a gap.
            let lost_before = published.seq - 1;
            let jumped = lost_before > state.head;
            state.head = published.seq;
            if jumped {
                for log in state.clients.values_mut() {
                    log.floor = log.floor.max(lost_before);
                }
            }
            for name in state.routes.recipients(published.event.employee.as_deref()) {
                if let Some(log) = state.clients.get_mut(name) {
                    log.push(&published, capacity);
                }
            }
        }
    }

    /// Appends `event` to the log of every client it concerns (memory-only hubs: tests, the
    /// benches). An event a journal failed to take is logged and dropped.
    pub fn publish_one(&self, event: CallEvent) {
        if let Err(error) = self.publish_all(vec![event]) {
            tracing::error!("event not published: {error}");
        }
    }

    /// Makes `clients` the hub's clients: new names get an empty log, removed names' sessions
    /// end, and an entry whose extension or token changed counts as removed and added (its
    /// sessions end and must authenticate again).
    pub fn set_clients(&self, clients: &[ClientEntry]) {
        let mut state = self.lock();
        let head = state.head;
        state.clients.retain(|name, log| {
            let kept = clients.iter().any(|c| &c.name == name && c == &log.entry);
            if !kept {
                tracing::info!(client = %name, "client removed or changed: its sessions end");
                log.removed.cancel();
            }
            kept
        });
        for entry in clients {
            if !state.clients.contains_key(&entry.name) {
                tracing::info!(client = %entry.name, "client added");
                state
                    .clients
                    .insert(entry.name.clone(), ClientLog::new(entry, head));
            }
        }
        state.entries = clients.to_vec();
        state.routes = Routes::new(clients);
    }

    /// The clients the hub has now.
    pub(crate) fn clients(&self) -> Vec<ClientEntry> {
        self.lock().entries.clone()
    }

    /// The name of the client whose token is `token` (compared in constant time).
    pub fn client_for_token(&self, token: &str) -> Option<String> {
        find_client(&self.lock().entries, token).map(|entry| entry.name.clone())
    }

    /// Reads `client`'s log after `last_seq` (`None`: only what comes from now on). `None` when
    /// the hub has no such client.
    pub fn subscribe(&self, client: &str, last_seq: Option<u64>) -> Option<Subscription> {
        let state = self.lock();
        let log = state.clients.get(client)?;
        Some(Subscription {
            shared: Arc::clone(&self.shared),
            client: client.to_owned(),
            cursor: last_seq.unwrap_or(state.head),
            wake: Arc::clone(&log.wake),
            removed: log.removed.clone(),
        })
    }

    /// The newest number issued.
    pub fn head(&self) -> u64 {
        self.lock().head
    }

    /// Ends every subscription: their `next` returns `None`.
    pub fn shutdown(&self) {
        self.shared.close();
    }

    /// Cancelled when the hub shuts down.
    pub fn shutdown_token(&self) -> CancellationToken {
        self.shared.shutdown.clone()
    }
}

fn published(seq: u64, event: CallEvent) -> Arc<Published> {
    let json = serde_json::to_string(&event).unwrap_or_default();
    Published::new(seq, event, &json)
}

impl PublishEvents for EventHub {
    fn publish(&self, events: Vec<CallEvent>) -> Result<(), PublishError> {
        self.publish_all(events)
    }
}

/// One reader of one client's log.
#[derive(Debug)]
pub struct Subscription {
    shared: Arc<Shared>,
    client: String,
    /// The last number delivered (or skipped by a gap).
    cursor: u64,
    wake: Arc<Notify>,
    removed: CancellationToken,
}

impl Subscription {
    /// The last number delivered, or announced missing by a gap.
    pub fn cursor(&self) -> u64 {
        self.cursor
    }

    /// True once the client was removed from the hub (rather than the hub shutting down).
    pub fn client_removed(&self) -> bool {
        self.removed.is_cancelled()
    }

    fn closed(&self) -> bool {
        self.shared.closed.load(Ordering::Acquire)
    }

    /// The next delivery, waiting for one if need be; `None` once the hub shuts down or the
    /// client is removed (its log is gone, so nothing more is found, and the wait ends).
    pub async fn next(&mut self) -> Option<Delivery> {
        loop {
            if self.closed() {
                return None;
            }
            // Registered for a wake-up *before* the log is read: an event published after the
            // read wakes the wait below, one published before is found by the read.
            let wake = Arc::clone(&self.wake);
            let woken = wake.notified();
            tokio::pin!(woken);
            woken.as_mut().enable();
            if let Some(delivery) = self.poll_log() {
                return Some(delivery);
            }
            tokio::select! {
                () = woken => {}
                () = self.shared.shutdown.cancelled() => return None,
                () = self.removed.cancelled() => return None,
            }
        }
    }

    /// The next delivery if one is ready now, without waiting (to send a backlog in one
    /// write); `None` when there is none yet or the subscription has ended.
    pub fn try_next(&mut self) -> Option<Delivery> {
        if self.closed() {
            return None;
        }
        self.poll_log()
    }

    fn poll_log(&mut self) -> Option<Delivery> {
        let state = lock(&self.shared.state);
        let log = state.clients.get(&self.client)?;
        if self.cursor > state.head {
            // A number this relay never issued: it was issued by a relay before a restart whose
            // clock was behind, or whose journal is gone. All that can be said is that
            // everything up to the floor may be missing.
            self.cursor = log.floor;
            return Some(Delivery::Gap {
                from: 0,
                to: log.floor,
            });
        }
        if self.cursor < log.floor {
            let gap = Delivery::Gap {
                from: self.cursor + 1,
                to: log.floor,
            };
            self.cursor = log.floor;
            return Some(gap);
        }
        let index = log.events.partition_point(|p| p.seq <= self.cursor);
        let published = log.events.get(index)?;
        self.cursor = published.seq;
        Some(Delivery::Event {
            seq: published.seq,
            event: Arc::clone(&published.event),
            message: published.message.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::issue_client_token;
    use callpop_core::{CallState, Direction};

    fn event(call_id: &str, employee: Option<&str>) -> CallEvent {
        CallEvent {
            provider: "vega".into(),
            call_id: call_id.into(),
            parent_id: None,
            state: CallState::Ringing,
            direction: Direction::In,
            customer: None,
            employee: employee.map(str::to_owned),
            employee_name: None,
            at: chrono::Utc::now(),
            on_hold: false,
            pbx_contact: None,
        }
    }

    fn hub(capacity: usize) -> EventHub {
        let (_, olena) = issue_client_token("olena", Some("001"), &[]);
        let (_, boss) = issue_client_token("boss", None, &[]);
        EventHub::with_first_seq(&[olena, boss], capacity, 1)
    }

    async fn take(sub: &mut Subscription, n: usize) -> Vec<Delivery> {
        let mut out = Vec::new();
        for _ in 0..n {
            out.push(sub.next().await.unwrap());
        }
        out
    }

    fn ids(deliveries: &[Delivery]) -> Vec<String> {
        deliveries
            .iter()
            .map(|d| match d {
                Delivery::Gap { from, to } => format!("gap {from}-{to}"),
                Delivery::Event {
                    seq,
                    event,
                    message,
                } => {
                    assert!(message.as_str().contains(&event.call_id));
                    assert!(message.as_str().contains(&format!(r#""seq":{seq},"#)));
                    format!("{seq}:{}", event.call_id)
                }
            })
            .collect()
    }

    #[tokio::test]
    async fn events_go_to_their_extension_and_to_clients_without_one() {
        let hub = hub(10);
        hub.publish(vec![
            event("a", Some("001")),
            event("b", Some("002")),
            event("c", None),
        ])
        .unwrap();
        let mut olena = hub.subscribe("olena", Some(0)).unwrap();
        let mut boss = hub.subscribe("boss", Some(0)).unwrap();
        assert_eq!(ids(&take(&mut olena, 1).await), ["1:a"]);
        assert_eq!(ids(&take(&mut boss, 3).await), ["1:a", "2:b", "3:c"]);
        assert_eq!(hub.head(), 3);
        assert!(hub.subscribe("nobody", None).is_none());
    }

    #[tokio::test]
    async fn a_resume_from_before_the_buffer_gets_a_gap_then_the_rest() {
        let hub = hub(2);
        for id in ["a", "b", "c", "d"] {
            hub.publish_one(event(id, Some("001")));
        }
        let mut olena = hub.subscribe("olena", Some(1)).unwrap();
        assert_eq!(ids(&take(&mut olena, 3).await), ["gap 2-2", "3:c", "4:d"]);
    }

    #[tokio::test]
    async fn a_number_from_a_previous_relay_gets_a_gap_then_everything_buffered() {
        let (_, olena) = issue_client_token("olena", Some("001"), &[]);
        let hub = EventHub::with_first_seq(&[olena], 10, 100);
        hub.publish_one(event("a", Some("001")));
        let mut behind = hub.subscribe("olena", Some(7)).unwrap();
        assert_eq!(ids(&take(&mut behind, 2).await), ["gap 8-99", "100:a"]);
        let mut ahead = hub.subscribe("olena", Some(5000)).unwrap();
        assert_eq!(ids(&take(&mut ahead, 2).await), ["gap 0-99", "100:a"]);
    }

    #[tokio::test]
    async fn a_waiting_subscriber_wakes_for_a_new_event() {
        let hub = hub(10);
        let mut olena = hub.subscribe("olena", None).unwrap();
        let waiter = tokio::spawn(async move { olena.next().await });
        // Lets the waiter reach its wait before the event exists.
        tokio::task::yield_now().await;
        hub.publish_one(event("a", Some("001")));
        let delivered = waiter.await.unwrap();
        assert_eq!(ids(&[delivered.unwrap()]), ["1:a"]);
    }

    #[tokio::test]
    async fn shutdown_ends_a_waiting_subscription() {
        let hub = hub(10);
        let mut olena = hub.subscribe("olena", None).unwrap();
        let waiter = tokio::spawn(async move { olena.next().await });
        tokio::task::yield_now().await;
        hub.shutdown();
        assert_eq!(waiter.await.unwrap(), None);
    }

    #[tokio::test]
    async fn dropping_every_hub_handle_ends_the_subscriptions() {
        let hub = hub(10);
        let mut olena = hub.subscribe("olena", None).unwrap();
        drop(hub);
        assert_eq!(olena.next().await, None);
    }

    #[tokio::test]
    async fn a_number_means_the_same_event_for_every_client() {
        let hub = hub(10);
        for (id, ext) in [("a", "002"), ("b", "001"), ("c", "002"), ("d", "001")] {
            hub.publish_one(event(id, Some(ext)));
        }
        let mut olena = hub.subscribe("olena", Some(0)).unwrap();
        let mut boss = hub.subscribe("boss", Some(0)).unwrap();
        assert_eq!(ids(&take(&mut olena, 2).await), ["2:b", "4:d"]);
        assert_eq!(ids(&take(&mut boss, 4).await), ["1:a", "2:b", "3:c", "4:d"]);
        // Resuming between two of its events is no gap: what lies between was someone else's.
        let mut resumed = hub.subscribe("olena", Some(3)).unwrap();
        assert_eq!(ids(&take(&mut resumed, 1).await), ["4:d"]);
    }

    #[tokio::test]
    async fn a_hub_opened_on_its_file_again_resumes_without_a_gap() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("relay-events.sqlite");
        let (_, olena) = issue_client_token("olena", Some("001"), &[]);
        let clients = [olena];
        let hub = EventHub::open(&clients, 10, &path).unwrap();
        hub.publish_one(event("seen", Some("001")));
        let seen = hub.head();
        hub.publish_one(event("missed-1", Some("001")));
        hub.publish_one(event("missed-2", Some("001")));
        drop(hub);

        let hub = EventHub::open(&clients, 10, &path).unwrap();
        let mut olena = hub.subscribe("olena", Some(seen)).unwrap();
        assert_eq!(
            ids(&take(&mut olena, 2).await),
            [
                format!("{}:missed-1", seen + 1),
                format!("{}:missed-2", seen + 2)
            ]
        );
        hub.publish_one(event("after", Some("001")));
        assert_eq!(
            ids(&take(&mut olena, 1).await),
            [format!("{}:after", seen + 3)]
        );
    }

    #[tokio::test]
    async fn clients_added_and_removed_while_running() {
        let hub = hub(10);
        let (token, petro) = issue_client_token("petro", Some("002"), &[]);
        assert_eq!(hub.client_for_token(token.expose()), None);
        let (_, olena) = issue_client_token("olena", Some("001"), &[]);
        let mut gone = hub.subscribe("boss", None).unwrap();
        hub.set_clients(&[olena, petro]);
        assert_eq!(
            hub.client_for_token(token.expose()).as_deref(),
            Some("petro")
        );
        assert_eq!(gone.next().await, None);
        assert!(gone.client_removed());
        let mut petro = hub.subscribe("petro", None).unwrap();
        hub.publish_one(event("for-petro", Some("002")));
        assert_eq!(ids(&take(&mut petro, 1).await), ["1:for-petro"]);
        assert!(hub.subscribe("boss", None).is_none());
    }
}
