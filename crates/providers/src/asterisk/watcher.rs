//! The live event source: one AMI session with events on, kept alive with `Ping`s and
//! re-established with exponential backoff and jitter whenever it drops (Asterisk restarted,
//! network cut). After each (re)connect, `CoreShowChannels` tells which calls survived; the others
//! are ended so no card stays "ringing" forever.

use std::collections::HashSet;
use std::time::Duration;

pub use callpop_core::backoff::Backoff;
use callpop_core::{CallEvent, CallRecord};
use chrono::{FixedOffset, Utc};
use tokio::sync::{mpsc, watch};
use tokio_util::sync::CancellationToken;

use super::cdr::call_record;
use super::connection::{AmiConnection, AmiSettings};
use super::error::AsteriskError;
use super::events::{dnd_change, CallMapper};
use super::frame::AmiMessage;

/// How often an idle session is pinged; a ping unanswered by the next one means the session is dead.
pub const KEEPALIVE: Duration = Duration::from_secs(10);
/// The first wait before reconnecting.
pub const BACKOFF_START: Duration = Duration::from_millis(250);
/// The longest wait between reconnects.
pub const BACKOFF_MAX: Duration = Duration::from_secs(30);

/// Follows one endpoint's calls over AMI.
#[derive(Debug)]
pub struct AmiCallWatcher {
    settings: AmiSettings,
    mapper: CallMapper,
    me: Option<String>,
    keepalive: Duration,
    dnd: Option<watch::Sender<bool>>,
    records: Option<(mpsc::Sender<CallRecord>, FixedOffset)>,
    region: String,
}

impl AmiCallWatcher {
    /// A watcher for endpoint `me` (`None`: every extension).
    pub fn new(settings: AmiSettings, me: Option<&str>, region: &str) -> AmiCallWatcher {
        AmiCallWatcher {
            settings,
            mapper: CallMapper::new(me, region),
            me: me.map(str::to_owned),
            keepalive: KEEPALIVE,
            dnd: None,
            records: None,
            region: region.to_owned(),
        }
    }

    /// Sends a history record into `records` for each AMI `Cdr` event (module `cdr_manager`) of
    /// my calls; `pbx_offset` is the PBX's UTC offset (CDR times carry no zone). A full or closed
    /// channel drops records rather than holding up the call events.
    pub fn with_call_records(
        mut self,
        records: mpsc::Sender<CallRecord>,
        pbx_offset: FixedOffset,
    ) -> AmiCallWatcher {
        self.records = Some((records, pbx_offset));
        self
    }

    /// Publishes my endpoint's Do-Not-Disturb into `dnd` whenever a `PresenceStateChange` of
    /// `CustomPresence:{me}` says it changed (set from the phone, a feature code or another
    /// program), so the app can follow it. Needs `me`.
    pub fn with_dnd_changes(mut self, dnd: watch::Sender<bool>) -> AmiCallWatcher {
        self.dnd = Some(dnd);
        self
    }

    /// Pings an idle session this often instead of [`KEEPALIVE`].
    pub fn with_keepalive(mut self, every: Duration) -> AmiCallWatcher {
        self.keepalive = every.max(Duration::from_millis(100));
        self
    }

    /// Sends call events into `events` until `shutdown` is cancelled or `events` is closed,
    /// reconnecting as long as it takes. Problems are logged (`tracing`), never fatal.
    pub async fn run(mut self, events: mpsc::Sender<CallEvent>, shutdown: CancellationToken) {
        let mut backoff = Backoff::new(BACKOFF_START, BACKOFF_MAX);
        loop {
            let outcome = tokio::select! {
                _ = shutdown.cancelled() => return,
                outcome = AmiConnection::open(&self.settings, true) => outcome,
            };
            match outcome {
                Ok(session) => {
                    tracing::info!(addr = %self.settings.addr(), "connected to the Asterisk manager interface");
                    backoff.reset();
                    match self.follow(session, &events, &shutdown).await {
                        Ok(()) => return,
                        Err(error) => {
                            tracing::warn!(%error, "lost the Asterisk manager connection; reconnecting")
                        }
                    }
                }
                Err(error) => {
                    tracing::warn!(%error, "cannot connect to the Asterisk manager interface; retrying")
                }
            }
            let wait = backoff.next_wait();
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = tokio::time::sleep(wait) => {}
            }
        }
    }

    /// Reads one session until it fails (`Err`) or we are told to stop (`Ok`).
    async fn follow(
        &mut self,
        mut session: AmiConnection,
        events: &mpsc::Sender<CallEvent>,
        shutdown: &CancellationToken,
    ) -> Result<(), AsteriskError> {
        let resync_id = session
            .send(AmiMessage::new([("Action", "CoreShowChannels")]))
            .await?;
        let mut live: Option<HashSet<String>> = Some(HashSet::new());
        let mut ping = tokio::time::interval(self.keepalive);
        ping.tick().await;
        let mut ping_pending: Option<String> = None;
        loop {
            let message = tokio::select! {
                _ = shutdown.cancelled() => {
                    session.logoff().await;
                    return Ok(());
                }
                _ = ping.tick() => {
                    if ping_pending.is_some() {
                        return Err(AsteriskError::Timeout {
                            addr: self.settings.addr(),
                            what: "a keep-alive Ping".into(),
                            timeout_ms: self.keepalive.as_millis(),
                        });
                    }
                    ping_pending = Some(session.send(AmiMessage::new([("Action", "Ping")])).await?);
                    continue;
                }
                message = session.next_message() => message?,
            };
            let id = message.action_id();
            if id.is_some() && id == ping_pending.as_deref() {
                ping_pending = None;
                continue;
            }
            if id == Some(resync_id.as_str()) {
                match message.event() {
                    Some("CoreShowChannel") => {
                        if let (Some(set), Some(linkedid)) =
                            (live.as_mut(), message.get("Linkedid"))
                        {
                            set.insert(linkedid.to_owned());
                        }
                    }
                    Some("CoreShowChannelsComplete") => {
                        let set = live.take().unwrap_or_default();
                        for event in self.mapper.resync(&set, Utc::now()) {
                            if events.send(event).await.is_err() {
                                return Ok(());
                            }
                        }
                    }
                    _ => {}
                }
                continue;
            }
            if let Some(me) = &self.me {
                if let Some(on) = dnd_change(&message, me) {
                    tracing::info!(ext = %me, dnd = on, "Do-Not-Disturb changed at the PBX");
                    if let Some(dnd) = &self.dnd {
                        dnd.send_replace(on);
                    }
                }
            }
            if message.event() == Some("Cdr") {
                self.forward_cdr(&message);
                continue;
            }
            if let Some(event) = self.mapper.handle(&message, Utc::now()) {
                if events.send(event).await.is_err() {
                    return Ok(());
                }
            }
        }
    }
}

impl AmiCallWatcher {
    fn forward_cdr(&self, message: &AmiMessage) {
        let Some((records, offset)) = &self.records else {
            return;
        };
        match call_record(message, self.me.as_deref(), &self.region, *offset) {
            Ok(record) => {
                let mine = self.me.is_none() || record.employee.as_deref() == self.me.as_deref();
                if mine && records.try_send(record).is_err() {
                    tracing::debug!("a CDR was dropped: nobody is saving them right now");
                }
            }
            Err(error) => tracing::warn!(%error, "skipping an AMI Cdr event"),
        }
    }
}
