//! One Asterisk account, whichever interface it uses: the account's `asterisk_interface` (`ami`,
//! the default, or `ari`) picks how actions and events travel, its `dnd_via` (`presence`, the
//! default, or `astdb`) where Do-Not-Disturb lives. The rest of Callpop sees one client.

use callpop_core::secrets::Secret;
use std::sync::Mutex;

use callpop_core::{AccountConfig, CallEvent, CallRecord, Employee, PhoneNumber};
use tokio::sync::{mpsc, watch};
use tokio_util::sync::CancellationToken;

use super::actions::{dialable, AmiClient, DEFAULT_CONTEXT};
use super::ari::{AriCallWatcher, AriClient, AriSettings};
use super::connection::AmiSettings;
use super::error::AsteriskError;
use super::watcher::AmiCallWatcher;

pub use callpop_core::asterisk_options::{AsteriskInterface, DndStore};

#[derive(Debug, Clone)]
enum Transport {
    Ami(AmiClient),
    Ari(AriClient),
}

/// An Asterisk account ready for actions and for watching calls.
#[derive(Debug)]
pub struct AsteriskClient {
    transport: Transport,
    dnd_store: DndStore,
    context: String,
    /// Do-Not-Disturb as the PBX last reported it (AMI with presence DND only).
    dnd_changes: Option<watch::Sender<bool>>,
    /// History records from AMI `Cdr` events: the watcher's end, and the end handed out once.
    call_records: Option<CdrFeed>,
}

/// The watcher's end of the CDR channel, and the end handed out once.
#[derive(Debug)]
struct CdrFeed {
    sender: mpsc::Sender<CallRecord>,
    receiver: Mutex<Option<mpsc::Receiver<CallRecord>>>,
}

/// How many CDRs wait for their saver before new ones are dropped.
const CDR_BUFFER: usize = 256;

impl AsteriskClient {
    /// From the account's settings; the API key is the AMI secret or the ARI password.
    pub fn from_account(
        config: &AccountConfig,
        key: &Secret,
    ) -> Result<AsteriskClient, AsteriskError> {
        let context = config
            .dial_context
            .clone()
            .unwrap_or_else(|| DEFAULT_CONTEXT.to_owned());
        let interface = config.asterisk_interface.unwrap_or_default();
        let dnd_store = config.dnd_via.unwrap_or_default();
        let transport = match interface {
            AsteriskInterface::Ami => Transport::Ami(AmiClient::new(
                AmiSettings::from_account(config, key)?,
                &context,
            )),
            AsteriskInterface::Ari => {
                Transport::Ari(AriClient::new(AriSettings::from_account(config, key)?)?)
            }
        };
        // Only presence DND over AMI announces its changes (`PresenceStateChange`); ARI has no
        // presence events and AstDB writes fire none.
        let followed = interface == AsteriskInterface::Ami && dnd_store == DndStore::Presence;
        // ARI has no CDR events; AMI sends them where cdr_manager is enabled.
        let call_records = (interface == AsteriskInterface::Ami).then(|| {
            let (sender, receiver) = mpsc::channel(CDR_BUFFER);
            CdrFeed {
                sender,
                receiver: Mutex::new(Some(receiver)),
            }
        });
        Ok(AsteriskClient {
            transport,
            dnd_store,
            context,
            dnd_changes: followed.then(|| watch::channel(false).0),
            call_records,
        })
    }

    /// Which interface this account uses.
    pub fn interface(&self) -> AsteriskInterface {
        match self.transport {
            Transport::Ami(_) => AsteriskInterface::Ami,
            Transport::Ari(_) => AsteriskInterface::Ari,
        }
    }

    /// Follows Do-Not-Disturb changes made at the PBX (the phone, a feature code, another
    /// program): the receiver's value is the last state reported and `changed()` fires on each
    /// report once [`AsteriskClient::watch_calls`] runs. `None` where the PBX does not announce
    /// them (ARI, or `dnd_via = "astdb"`): re-read [`AsteriskClient::dnd`] instead.
    pub fn dnd_changes(&self) -> Option<watch::Receiver<bool>> {
        self.dnd_changes.as_ref().map(watch::Sender::subscribe)
    }

    /// The history records of my calls as the PBX finishes them (AMI `Cdr` events, module
    /// `cdr_manager`), for the owner of [`AsteriskClient::watch_calls`] to save. Handed out once
    /// (`None` after that, and over ARI, which has no CDR events). Times are read in this
    /// machine's UTC offset: CDRs carry none, and an office PBX runs in the office's zone.
    pub fn take_call_records(&self) -> Option<mpsc::Receiver<CallRecord>> {
        self.call_records
            .as_ref()?
            .receiver
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .take()
    }

    /// Logs in (AMI) or asks for the system info (ARI): proves the address and credentials.
    pub async fn check(&self) -> Result<(), AsteriskError> {
        match &self.transport {
            Transport::Ami(ami) => ami.check().await,
            Transport::Ari(ari) => ari.check().await,
        }
    }

    /// Starts following `me`'s calls into `events` until `shutdown` (a spawned task that
    /// reconnects on its own).
    pub fn watch_calls(
        &self,
        me: Option<&str>,
        region: &str,
        events: mpsc::Sender<CallEvent>,
        shutdown: CancellationToken,
    ) {
        match &self.transport {
            Transport::Ami(ami) => {
                let mut watcher = AmiCallWatcher::new(ami.settings().clone(), me, region);
                if let (Some(dnd), Some(_)) = (&self.dnd_changes, me) {
                    watcher = watcher.with_dnd_changes(dnd.clone());
                }
                if let Some(feed) = &self.call_records {
                    let offset = *chrono::Local::now().offset();
                    watcher = watcher.with_call_records(feed.sender.clone(), offset);
                }
                tokio::spawn(watcher.run(events, shutdown));
            }
            Transport::Ari(ari) => {
                let watcher = AriCallWatcher::new(ari.clone(), me, region);
                tokio::spawn(watcher.run(events, shutdown));
            }
        }
    }

    /// Click-to-call: rings `me` first, then `number`. Returns the call id the events carry.
    pub async fn originate(&self, me: &str, number: &PhoneNumber) -> Result<String, AsteriskError> {
        match &self.transport {
            Transport::Ami(ami) => ami.originate(me, number).await,
            Transport::Ari(ari) => ari.originate(me, &dialable(number), &self.context).await,
        }
    }

    /// Hangs up call `call_id`.
    pub async fn hangup(&self, call_id: &str) -> Result<(), AsteriskError> {
        match &self.transport {
            Transport::Ami(ami) => ami.hangup(call_id).await,
            Transport::Ari(ari) => ari.hangup(call_id).await,
        }
    }

    /// The PJSIP endpoints, as employees.
    pub async fn endpoints(&self) -> Result<Vec<Employee>, AsteriskError> {
        match &self.transport {
            Transport::Ami(ami) => ami.endpoints().await,
            Transport::Ari(ari) => ari.endpoints().await,
        }
    }

    /// Whether this account can do Do-Not-Disturb: over AMI only (ARI's `/asterisk/variable`
    /// writes presence state but reads back no dialplan function, so the state could not be
    /// shown).
    pub fn offers_dnd(&self) -> bool {
        self.interface() == AsteriskInterface::Ami
    }

    /// Turns Do-Not-Disturb of `ext` on or off where `dnd_via` says it lives (AMI only).
    pub async fn set_dnd(&self, ext: &str, on: bool) -> Result<(), AsteriskError> {
        match (&self.transport, self.dnd_store) {
            (Transport::Ami(ami), DndStore::Presence) => ami.set_dnd(ext, on).await,
            (Transport::Ami(ami), DndStore::AstDb) => ami.set_dnd_astdb(ext, on).await,
            (Transport::Ari(_), _) => Err(AsteriskError::NotOverAri("Do-Not-Disturb")),
        }
    }

    /// Whether `ext` is in Do-Not-Disturb, read back from where `dnd_via` says it lives.
    pub async fn dnd(&self, ext: &str) -> Result<bool, AsteriskError> {
        match (&self.transport, self.dnd_store) {
            (Transport::Ami(ami), DndStore::Presence) => ami.dnd(ext).await,
            (Transport::Ami(ami), DndStore::AstDb) => ami.dnd_astdb(ext).await,
            (Transport::Ari(_), _) => Err(AsteriskError::NotOverAri("Do-Not-Disturb")),
        }
    }
}
