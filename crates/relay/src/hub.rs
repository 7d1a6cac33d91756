//! The hub: one ordered, numbered log of events per client, which WebSocket sessions read from.
//!
//! Routing: a client with an extension gets the events whose `employee` is that extension; a
//! client without one (a supervisor's screen, a CRM bridge) gets every event. An event with no
//! employee goes only to the latter: nobody's phone rang.
//!
//! Numbering: each client's events carry consecutive sequence numbers. The first number of a hub
//! comes from the clock (milliseconds since 1970 × 1000), so a restarted relay numbers above
//! whatever the previous one issued: a desktop resuming from an old number then gets a `gap`
//! instead of silently skipping new events that reuse its numbers. (× 1000 leaves room for a
//! thousand events per millisecond of downtime-free uptime; numbers stay below 2^53, JavaScript's
//! exact-integer limit, until about the year 2255.)
//!
//! Buffering: each log keeps the newest `capacity` events; a resume from before that gets a
//! [`Delivery::Gap`] first, then what is left. Nothing is written to disk: a restart loses the
//! buffers (see the crate README).
//!
//! The publish side is the [`PublishEvents`] trait, so that several relay instances behind a load
//! balancer can put a broker (Redis pub/sub, NATS) between the webhook handlers and the hubs:
//! the handler publishes to the broker, and each instance's subscriber feeds its own hub.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};

use callpop_core::CallEvent;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use crate::config::ClientEntry;

/// Where the webhook handlers hand the events they produce. [`EventHub`] is the single-instance
/// implementation; a broker-backed one replaces it when several relays share the work.
pub trait PublishEvents: Send + Sync {
    /// Hands over `events`, in order.
    fn publish(&self, events: Vec<CallEvent>);
}

/// What a subscriber receives next.
#[derive(Debug, Clone, PartialEq)]
pub enum Delivery {
    /// Events `from..=to` cannot be delivered (they left the buffer, or the relay restarted).
    /// The next event, if any, is `to + 1`.
    Gap {
        /// The first missing number.
        from: u64,
        /// The last missing number.
        to: u64,
    },
    /// The next event for this client.
    Event {
        /// Its number in this client's log.
        seq: u64,
        /// The event.
        event: Arc<CallEvent>,
        /// The event as JSON, encoded once when published and shared by every client's log
        /// (with thousands of clients, encoding per delivery was most of the relay's work).
        json: Arc<str>,
    },
}

/// One published event, shared by the logs of every client it concerns.
#[derive(Debug)]
struct Published {
    event: Arc<CallEvent>,
    json: Arc<str>,
}

/// One client's log.
#[derive(Debug)]
struct ClientLog {
    ext: Option<String>,
    events: VecDeque<(u64, Arc<Published>)>,
    /// The number the next event gets.
    next_seq: u64,
    /// The newest number issued, for sessions waiting for more.
    head: watch::Sender<u64>,
}

impl ClientLog {
    /// The first number still deliverable: the oldest buffered, or the next to come.
    fn first_available(&self) -> u64 {
        self.events.front().map_or(self.next_seq, |(seq, _)| *seq)
    }

    fn wants(&self, event: &CallEvent) -> bool {
        match (&self.ext, &event.employee) {
            (None, _) => true,
            (Some(ext), Some(employee)) => ext == employee.trim(),
            (Some(_), None) => false,
        }
    }
}

#[derive(Debug)]
struct HubState {
    clients: HashMap<String, ClientLog>,
}

#[derive(Debug)]
struct Shared {
    state: Mutex<HubState>,
    capacity: usize,
    shutdown: CancellationToken,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, HubState> {
        // A panic while holding the lock cannot leave a log half-updated in a way that matters
        // more than losing every client: keep serving.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The relay's shared state: every client's log. Cheap to clone (one `Arc`); sessions stop when
/// [`shutdown`](Self::shutdown) is called or the last handle is dropped.
#[derive(Debug, Clone)]
pub struct EventHub {
    shared: Arc<Shared>,
    /// Only the handles made by [`new`](Self::new) and its clones hold this; subscriptions do
    /// not, so dropping every hub handle cancels the sessions.
    _owner: Arc<DropGuard>,
}

#[derive(Debug)]
struct DropGuard(CancellationToken);

impl Drop for DropGuard {
    fn drop(&mut self) {
        self.0.cancel();
    }
}

impl EventHub {
    /// A hub for `clients`, keeping the newest `capacity` events of each (at least one).
    pub fn new(clients: &[ClientEntry], capacity: usize) -> EventHub {
        let millis = u64::try_from(chrono::Utc::now().timestamp_millis()).unwrap_or(0);
        Self::with_first_seq(clients, capacity, millis.saturating_mul(1000) + 1)
    }

    /// [`new`](Self::new) with the first sequence number given (tests; a broker-backed hub that
    /// takes numbers from the broker).
    pub fn with_first_seq(clients: &[ClientEntry], capacity: usize, first_seq: u64) -> EventHub {
        let first_seq = first_seq.max(1);
        let clients = clients
            .iter()
            .map(|client| {
                let log = ClientLog {
                    ext: client.ext.as_ref().map(|ext| ext.trim().to_owned()),
                    events: VecDeque::new(),
                    next_seq: first_seq,
                    head: watch::Sender::new(first_seq - 1),
                };
                (client.name.clone(), log)
            })
            .collect();
        let shutdown = CancellationToken::new();
        EventHub {
            shared: Arc::new(Shared {
                state: Mutex::new(HubState { clients }),
                capacity: capacity.max(1),
                shutdown: shutdown.clone(),
            }),
            _owner: Arc::new(DropGuard(shutdown)),
        }
    }

    /// Appends `event` to the log of every client it concerns.
    pub fn publish_one(&self, event: CallEvent) {
        let json = match serde_json::to_string(&event) {
            Ok(json) => Arc::from(json),
            Err(error) => {
                // CallEvent is plain data: cannot happen, but an event is not worth a panic.
                tracing::error!("event {} not published: {error}", event.call_id);
                return;
            }
        };
        let published = Arc::new(Published {
            event: Arc::new(event),
            json,
        });
        let mut state = self.shared.lock();
        for log in state.clients.values_mut() {
            if !log.wants(&published.event) {
                continue;
            }
            let seq = log.next_seq;
            log.next_seq += 1;
            log.events.push_back((seq, Arc::clone(&published)));
            while log.events.len() > self.shared.capacity {
                log.events.pop_front();
            }
            // No receiver is fine: nobody is connected right now.
            log.head.send_replace(seq);
        }
    }

    /// Reads `client`'s log after `last_seq` (`None`: only what comes from now on). `None` when
    /// the hub has no such client.
    pub fn subscribe(&self, client: &str, last_seq: Option<u64>) -> Option<Subscription> {
        let state = self.shared.lock();
        let log = state.clients.get(client)?;
        let head = log.next_seq - 1;
        Some(Subscription {
            shared: Arc::clone(&self.shared),
            client: client.to_owned(),
            cursor: last_seq.unwrap_or(head),
            head: log.head.subscribe(),
        })
    }

    /// The newest number issued to `client`.
    pub fn head(&self, client: &str) -> Option<u64> {
        let state = self.shared.lock();
        state.clients.get(client).map(|log| log.next_seq - 1)
    }

    /// Ends every subscription: their `next` returns `None`.
    pub fn shutdown(&self) {
        self.shared.shutdown.cancel();
    }

    /// Cancelled when the hub shuts down.
    pub fn shutdown_token(&self) -> CancellationToken {
        self.shared.shutdown.clone()
    }
}

impl PublishEvents for EventHub {
    fn publish(&self, events: Vec<CallEvent>) {
        for event in events {
            self.publish_one(event);
        }
    }
}

/// One reader of one client's log.
#[derive(Debug)]
pub struct Subscription {
    shared: Arc<Shared>,
    client: String,
    /// The last number delivered (or skipped by a gap).
    cursor: u64,
    head: watch::Receiver<u64>,
}

impl Subscription {
    /// The last number delivered, or announced missing by a gap.
    pub fn cursor(&self) -> u64 {
        self.cursor
    }

    /// The next delivery, waiting for one if need be; `None` once the hub shuts down.
    pub async fn next(&mut self) -> Option<Delivery> {
        loop {
            if self.shared.shutdown.is_cancelled() {
                return None;
            }
            // Marked seen *before* the log is read: an event published after the read wakes
            // the wait below, one published before is found by the read.
            self.head.borrow_and_update();
            if let Some(delivery) = self.poll_log() {
                return Some(delivery);
            }
            tokio::select! {
                changed = self.head.changed() => {
                    if changed.is_err() {
                        return None;
                    }
                }
                () = self.shared.shutdown.cancelled() => return None,
            }
        }
    }

    /// The next delivery if one is ready now, without waiting (to send a backlog in one
    /// write); `None` when there is none yet or the hub has shut down.
    pub fn try_next(&mut self) -> Option<Delivery> {
        if self.shared.shutdown.is_cancelled() {
            return None;
        }
        self.poll_log()
    }

    fn poll_log(&mut self) -> Option<Delivery> {
        let state = self.shared.lock();
        let log = state.clients.get(&self.client)?;
        let first = log.first_available();
        let head = log.next_seq - 1;
        if self.cursor > head {
            // A number this relay never issued: it was issued by a relay before a restart whose
            // clock was behind. All that can be said is that everything before `first` may be
            // missing.
            self.cursor = first - 1;
            return Some(Delivery::Gap {
                from: 0,
                to: first - 1,
            });
        }
        if self.cursor + 1 < first {
            let gap = Delivery::Gap {
                from: self.cursor + 1,
                to: first - 1,
            };
            self.cursor = first - 1;
            return Some(gap);
        }
        // Numbers in a log are consecutive, so the next one's place is arithmetic.
        let index = usize::try_from(self.cursor + 1 - first).ok()?;
        let (seq, published) = log.events.get(index)?;
        self.cursor = *seq;
        Some(Delivery::Event {
            seq: *seq,
            event: Arc::clone(&published.event),
            json: Arc::clone(&published.json),
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
                Delivery::Event { seq, event, json } => {
                    assert!(json.contains(&event.call_id));
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
        ]);
        let mut olena = hub.subscribe("olena", Some(0)).unwrap();
        let mut boss = hub.subscribe("boss", Some(0)).unwrap();
        assert_eq!(ids(&take(&mut olena, 1).await), ["1:a"]);
        assert_eq!(ids(&take(&mut boss, 3).await), ["1:a", "2:b", "3:c"]);
        assert_eq!(hub.head("olena"), Some(1));
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
}
