//! Starts the configured provider and dispatches what the app asks of it.

use std::time::Duration;

use callpop_core::secrets::Secret;
use callpop_core::{
    AccountConfig, CallEvent, CallRecord, Employee, PhoneNumber, Store, StoreError,
};
use chrono::{DateTime, Utc};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::asterisk::{AsteriskClient, AsteriskError};
use crate::cloudpbx::{
    CloudPbxClient, CloudPbxError, CloudPbxSettings, HistoryQuery, HistoryType, PbxGroup,
};
use crate::mcn::{self, McnClient, McnError, McnSettings, MissedCallsPoller};
use crate::recording::{self, Recording, RecordingError};
use crate::telediscount::{TelediscountClient, TelediscountError, TelediscountSettings};
use crate::vega::crm::{self, ContactNote, SyncError, SyncReport};
use crate::vega::{ActiveCallsPoller, VegaClient, VegaError, VegaSettings};

/// What can go wrong talking to a provider, in words a user can act on.
#[derive(Debug, thiserror::Error)]
pub enum ProviderError {
    /// The config names a provider this build does not know.
    #[error("unknown provider `{0}`: the known providers are: vega, cloudpbx, asterisk, telediscount, mcn")]
    UnknownProvider(String),
    /// The action needs "me" (the user's extension) and none is configured.
    #[error("no user (extension) configured: set `user` in the [account] section or pass --user")]
    NoUser,
    /// The provider does not offer this action.
    #[error("the {provider} provider does not offer {action}")]
    Unsupported {
        /// Provider module name.
        provider: String,
        /// What was asked for.
        action: &'static str,
    },
    /// The arguments make no sense (a period that ends before it starts...).
    #[error("{0}")]
    InvalidInput(String),
    /// Vega said no, or could not be reached.
    #[error(transparent)]
    Vega(#[from] VegaError),
    /// The cloud PBX said no, or could not be reached.
    #[error(transparent)]
    CloudPbx(#[from] CloudPbxError),
    /// Telediscount said no, or could not be reached.
    #[error(transparent)]
    Telediscount(#[from] TelediscountError),
    /// MCN Telecom said no, or could not be reached.
    #[error(transparent)]
    Mcn(#[from] McnError),
    /// Asterisk's manager interface said no, or could not be reached.
    #[error(transparent)]
    Asterisk(#[from] AsteriskError),
    /// The local directory could not be read or written.
    #[error("cannot use the contact directory: {0}")]
    Store(#[from] StoreError),
    /// A recording link could not be fetched.
    #[error(transparent)]
    Recording(#[from] RecordingError),
    /// The CRM answered, but did not do what was asked (a contact it did not save...).
    #[error("{0}")]
    CrmRefused(String),
}

impl From<SyncError> for ProviderError {
    fn from(error: SyncError) -> ProviderError {
        match error {
            SyncError::Vega(error) => ProviderError::Vega(error),
            SyncError::Store(error) => ProviderError::Store(error),
        }
    }
}

enum Backend {
    Vega(VegaClient),
    CloudPbx(CloudPbxClient),
    Telediscount(TelediscountClient),
    Mcn(McnClient),
    Asterisk(AsteriskClient),
}

/// What an account's provider offers, so the app can show the rest disabled, with the reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Capabilities {
    /// Click-to-call.
    pub click_to_call: bool,
    /// The PBX's own call history.
    pub history: bool,
    /// Ending a call in progress.
    pub hangup: bool,
    /// The list of employees ("me" is picked from it).
    pub employees: bool,
    /// The PBX's own CRM contacts, synced into the directory.
    pub contacts_sync: bool,
    /// Do-Not-Disturb.
    pub dnd: bool,
    /// Department calls one can subscribe to.
    pub departments: bool,
    /// Editing the PBX's own CRM: contacts (create, update, delete, batch upload) and their
    /// notes (see `crate::crm_edit`).
    pub crm_edit: bool,
}

/// A configured PBX account, ready for actions; its events flow from [`Account::start`].
pub struct Account {
    config: AccountConfig,
    /// Region for numbers written without a country code.
    region: String,
    backend: Backend,
}

impl Account {
    /// Connects to the account's PBX (logging in where the provider needs it) and starts its
    /// event source, which sends into `events` until `shutdown` is cancelled.
    pub async fn start(
        config: &AccountConfig,
        key: &Secret,
        region: &str,
        events: mpsc::Sender<CallEvent>,
        shutdown: CancellationToken,
    ) -> Result<Account, ProviderError> {
        let account = Account::connect(config, key, region)?;
        match &account.backend {
            Backend::Vega(client) => {
                // Log in once up front so a wrong key is reported at start, not as a poll warning.
                client.authorize().await?;
                let poller = ActiveCallsPoller::new(
                    client.clone(),
                    Duration::from_millis(config.poll_interval_ms),
                    config.user.clone(),
                );
                tokio::spawn(poller.run(events, shutdown));
            }
            Backend::CloudPbx(client) => {
                // No polling in cloud-pbx.md: live calls come through the webhooks (the relay).
                // Ask once up front so a wrong token or PBX name is reported at start.
                client.accounts().await?;
                drop((events, shutdown));
            }
            Backend::Telediscount(client) => {
                // telediscount.md: nothing to poll; live calls come through the `income` /
                // `call_finished` webhooks (the relay). Check the key up front.
                client.check_key().await?;
                drop((events, shutdown));
            }
            Backend::Mcn(client) => {
                // mcn-telecom.md: the article has no events: poll `call_log` for missed calls
                // (live cards come from the webhooks, through the relay). Picking the virtual PBX
                // first reports a wrong token or account number at start.
                client.vpbx_id().await?;
                let poller = MissedCallsPoller::new(
                    client.clone(),
                    Duration::from_millis(config.poll_interval_ms),
                    region,
                );
                tokio::spawn(poller.run(events, shutdown));
            }
            Backend::Asterisk(client) => {
                // Log in once up front so a wrong secret is reported at start; the watcher then
                // reconnects on its own for as long as it runs.
                client.check().await?;
                client.watch_calls(config.user.as_deref(), region, events, shutdown);
            }
        }
        Ok(account)
    }

    /// An account for actions only (click-to-call...), with no event source.
    pub fn connect(
        config: &AccountConfig,
        key: &Secret,
        region: &str,
    ) -> Result<Account, ProviderError> {
        let backend = match config.provider.as_str() {
            "vega" => Backend::Vega(
                VegaClient::new(
                    VegaSettings {
                        base_url: config.base_url(),
                        domain: config.domain.clone(),
                        timeout: Duration::from_millis(config.timeout_ms),
                        region: region.to_owned(),
                    },
                    key.expose().to_owned(),
                )?
                // Which wire form the server takes, learnt once for every later run.
                .with_wire_form_memory(callpop_core::Config::data_dir().ok()),
            ),
            // cloud-pbx.md 2: `https://{domain}/sys/crm_api.wcgp`; `base_url`, when set, replaces
            // `https://{domain}` (scheme and host) and the API path is still appended.
            "cloudpbx" => Backend::CloudPbx(CloudPbxClient::new(
                CloudPbxSettings {
                    base_url: config.base_url(),
                    timeout: Duration::from_millis(config.timeout_ms),
                },
                key.expose().to_owned(),
            )?),
            // AMI: `base_url` `tcp://HOST:PORT` (or `domain` = HOST), `login` = manager.conf
            // user, the API key = its secret; `asterisk_interface = "ari"`: `base_url`
            // `http://HOST:8088`, ari.conf user and password.
            "asterisk" => Backend::Asterisk(AsteriskClient::from_account(config, key)?),
            // `base_url` replaces https://my.telediscount.ru; `user` = the SIP account (SIP/…).
            "telediscount" => Backend::Telediscount(TelediscountClient::new(
                TelediscountSettings::from_account(config),
                key.expose().to_owned(),
            )?),
            // `domain` = the personal account number (or `account_id/vpbx_id`); `base_url`
            // replaces https://api.mcn.ru/v2/rest; `user` = the extension (`abon`).
            "mcn" => Backend::Mcn(McnClient::new(
                McnSettings::from_account(config),
                key.expose().to_owned(),
            )?),
            other => return Err(ProviderError::UnknownProvider(other.to_owned())),
        };
        Ok(Account {
            config: config.clone(),
            region: region.to_owned(),
            backend,
        })
    }

    /// Do-Not-Disturb changes made at the PBX (on the phone...), as it reports them, for
    /// providers that announce them (Asterisk over AMI with presence DND): the value is the last
    /// state reported; `changed()` fires on each report while [`Account::start`]'s event source
    /// runs. `None` elsewhere: re-read [`Account::dnd`] when it matters.
    pub fn dnd_changes(&self) -> Option<tokio::sync::watch::Receiver<bool>> {
        match &self.backend {
            Backend::Asterisk(client) => client.dnd_changes(),
            _ => None,
        }
    }

    /// History records the PBX pushes as calls end (Asterisk over AMI with `cdr_manager`), for
    /// the caller of [`Account::start`] to save; handed out once, `None` elsewhere.
    pub fn take_call_records(&self) -> Option<mpsc::Receiver<CallRecord>> {
        match &self.backend {
            Backend::Asterisk(client) => client.take_call_records(),
            _ => None,
        }
    }

    /// The account's settings.
    pub fn config(&self) -> &AccountConfig {
        &self.config
    }

    /// What this account's provider offers; the matching methods answer
    /// [`ProviderError::Unsupported`] for the rest.
    pub fn capabilities(&self) -> Capabilities {
        let all = Capabilities {
            click_to_call: true,
            history: true,
            hangup: true,
            employees: true,
            contacts_sync: true,
            dnd: true,
            departments: true,
            crm_edit: true,
        };
        match &self.backend {
            Backend::Vega(_) => Capabilities {
                dnd: false,
                departments: false,
                ..all
            },
            Backend::CloudPbx(_) => Capabilities {
                hangup: false,
                contacts_sync: false,
                crm_edit: false,
                ..all
            },
            Backend::Telediscount(_) | Backend::Mcn(_) => Capabilities {
                hangup: false,
                employees: false,
                contacts_sync: false,
                dnd: false,
                departments: false,
                crm_edit: false,
                ..all
            },
            Backend::Asterisk(client) => Capabilities {
                history: false,
                contacts_sync: false,
                departments: false,
                crm_edit: false,
                dnd: client.offers_dnd(),
                ..all
            },
        }
    }

    /// Click-to-call: the PBX rings the user's phone, then `number`. Returns the PBX's call id.
    pub async fn make_call(&self, number: &PhoneNumber) -> Result<String, ProviderError> {
        let me = self.config.user.as_deref().ok_or(ProviderError::NoUser)?;
        match &self.backend {
            Backend::Vega(client) => Ok(client.make_call(me, &number.key()).await?),
            Backend::CloudPbx(client) => Ok(client.make_call(me, number).await?),
            Backend::Telediscount(client) => Ok(client
                .outcome(me, number)
                .await?
                .call_id
                .unwrap_or_default()),
            Backend::Mcn(client) => Ok(client
                .outbound_call(
                    me,
                    number,
                    crate::mcn::DEFAULT_TIMEOUT_FROM,
                    crate::mcn::DEFAULT_TIMEOUT_TO,
                )
                .await?
                .call_id
                .unwrap_or_default()),
            Backend::Asterisk(client) => Ok(client.originate(me, number).await?),
        }
    }

    /// The calls that ended between `since` and `until`, from the PBX's own history, oldest
    /// first, one record per call (the legs a department's call rang merged, see
    /// [`callpop_core::call_legs`]), each with its outcome; `missed_only`: only incoming calls
    /// that still need a call-back.
    pub async fn history(
        &self,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
        missed_only: bool,
    ) -> Result<Vec<CallRecord>, ProviderError> {
        let legs = self.history_legs(since, until, missed_only).await?;
        let mut calls = callpop_core::call_legs::merge_legs(legs);
        for call in &mut calls {
            call.outcome = call
                .outcome
                .or_else(|| callpop_core::Outcome::of_state(call.state));
        }
        if missed_only {
            // A leg nobody answered may belong to a call a colleague took.
            calls.retain(|call| call.answered_by.is_none() && call.answered_at.is_none());
        }
        Ok(calls)
    }

    /// What the PBX's history lists between `since` and `until`: a record per leg.
    async fn history_legs(
        &self,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
        missed_only: bool,
    ) -> Result<Vec<CallRecord>, ProviderError> {
        if since > until {
            return Err(ProviderError::InvalidInput(format!(
                "the period starts ({}) after it ends ({})",
                since.to_rfc3339(),
                until.to_rfc3339()
            )));
        }
        match &self.backend {
            Backend::Vega(client) => {
                // vega.md B.6 for missed calls, B.5 (every direction) for the rest.
                let calls = if missed_only {
                    client.missed_calls(since, until).await?
                } else {
                    client.company_calls(since, until, None).await?
                };
                let mut records: Vec<CallRecord> = calls
                    .iter()
                    .filter_map(|call| crate::vega::call_record(call, &self.region))
                    .collect();
                records.sort_by_key(|record| record.ended_at.unwrap_or(record.started_at));
                Ok(records)
            }
            Backend::Telediscount(client) => Ok(client
                .history(since, until, missed_only, &self.region)
                .await?),
            Backend::Mcn(client) => Ok(client
                .history(since, until, missed_only, &self.region)
                .await?),
            Backend::CloudPbx(client) => {
                // cloud-pbx.md 5.4: `type=missed` for missed calls, `start`/`end` in UTC.
                let query = HistoryQuery {
                    start: Some(since),
                    end: Some(until),
                    kind: if missed_only {
                        HistoryType::Missed
                    } else {
                        HistoryType::All
                    },
                    ..HistoryQuery::default()
                };
                let mut records: Vec<CallRecord> = client
                    .history(&query)
                    .await?
                    .iter()
                    .map(|row| row.call_record(&self.region))
                    .collect();
                records.sort_by_key(|record| record.ended_at.unwrap_or(record.started_at));
                Ok(records)
            }
            // AMI has no query for past calls: CDRs arrive only live, as `Cdr` events.
            Backend::Asterisk(_) => {
                Err(self
                    .unsupported("a call history query (AMI only pushes CDRs live, as calls end)"))
            }
        }
    }

    /// Ends the call `call_id` (the PBX's id of a call in progress).
    pub async fn hangup(&self, call_id: &str) -> Result<(), ProviderError> {
        match &self.backend {
            Backend::Vega(client) => Ok(client.hangup(call_id).await?),
            Backend::CloudPbx(_) => Err(self.unsupported("hang-up")),
            Backend::Telediscount(_) | Backend::Mcn(_) => Err(self.unsupported("hang-up")),
            Backend::Asterisk(client) => Ok(client.hangup(call_id).await?),
        }
    }

    /// The company's employees as the PBX lists them.
    pub async fn employees(&self) -> Result<Vec<Employee>, ProviderError> {
        match &self.backend {
            Backend::Vega(client) => Ok(client.employees().await?),
            Backend::CloudPbx(client) => Ok(client.employees().await?),
            // Neither spec has a user list (telediscount.md, mcn-telecom.md).
            Backend::Telediscount(_) | Backend::Mcn(_) => Err(self.unsupported("an employee list")),
            Backend::Asterisk(client) => Ok(client.endpoints().await?),
        }
    }

    /// Copies the PBX's own CRM contacts into the directory `store` (Vega: CRM Teler, vega.md
    /// B.9), keyed by the CRM's id so a repeated sync updates instead of duplicating. `since`:
    /// only contacts modified at or after it (see [`Account::last_contacts_sync`] for where the
    /// last sync stopped); `None`: every contact. [`ProviderError::Unsupported`] for a provider
    /// without a CRM.
    pub async fn sync_contacts(
        &self,
        store: &Store,
        since: Option<DateTime<Utc>>,
    ) -> Result<SyncReport, ProviderError> {
        match &self.backend {
            Backend::Vega(client) => {
                // Responsible names are a nicety: without B.8 the contacts still sync.
                let (employees, warning) = match client.employees().await {
                    Ok(employees) => (employees, None),
                    Err(error) => (
                        Vec::new(),
                        Some(format!("responsible employees left out: {error}")),
                    ),
                };
                let mut report = crm::sync_contacts(client, store, since, &employees).await?;
                report.warnings.extend(warning);
                Ok(report)
            }
            Backend::CloudPbx(_) => Err(self.unsupported("a CRM contacts sync")),
            Backend::Telediscount(_) | Backend::Mcn(_) => {
                Err(self.unsupported("a CRM contacts sync"))
            }
            Backend::Asterisk(_) => Err(self.unsupported("a CRM contacts sync")),
        }
    }

    /// The latest CRM modification a previous [`Account::sync_contacts`] saw, where an
    /// incremental sync starts; `None` when contacts were never synced.
    pub fn last_contacts_sync(
        &self,
        store: &Store,
    ) -> Result<Option<DateTime<Utc>>, ProviderError> {
        match &self.backend {
            Backend::Vega(_) => Ok(crm::last_synced(store)?),
            Backend::CloudPbx(_) => Err(self.unsupported("a CRM contacts sync")),
            Backend::Telediscount(_) | Backend::Mcn(_) => {
                Err(self.unsupported("a CRM contacts sync"))
            }
            Backend::Asterisk(_) => Err(self.unsupported("a CRM contacts sync")),
        }
    }

    /// The latest `limit` notes on directory contact `contact_id`, newest first, from the
    /// PBX's CRM (Vega: CRM Teler, vega.md B.9), for the caller card.
    /// [`ProviderError::Unsupported`] for a provider without a CRM, and for a contact that was
    /// not synced from it (see [`Account::sync_contacts`]).
    pub async fn contact_notes(
        &self,
        store: &Store,
        contact_id: i64,
        limit: usize,
    ) -> Result<Vec<ContactNote>, ProviderError> {
        match &self.backend {
            Backend::Vega(client) => {
                let crm_id = store
                    .external_id_of(crm::SYNC_SOURCE, contact_id)?
                    .and_then(|id| id.trim().parse::<i64>().ok())
                    .ok_or_else(|| {
                        self.unsupported("notes on a contact not synced from its CRM")
                    })?;
                let notes = client.crm_notes(crm_id).await?;
                // Author names are a nicety: without B.8 the notes still show.
                let employees = client.employees().await.unwrap_or_else(|error| {
                    tracing::debug!(%error, "CRM note authors left unnamed");
                    Vec::new()
                });
                Ok(crm::card_notes(&notes, &employees, limit))
            }
            Backend::CloudPbx(_) | Backend::Telediscount(_) | Backend::Mcn(_) => {
                Err(self.unsupported("CRM notes"))
            }
            Backend::Asterisk(_) => Err(self.unsupported("CRM notes")),
        }
    }

    /// The recording of `call`, ready to play. Vega: its `audioRecUrl`, else
    /// `/rest/public/calls/{uuid}/audio` for an answered call, fetched with the session; the
    /// others: a plain `GET` of the history's recording link. Either way within the account's
    /// timeout and at most [`recording::MAX_RECORDING_BYTES`].
    /// [`ProviderError::Unsupported`] when the call has no recording.
    pub async fn recording(&self, call: &CallRecord) -> Result<Recording, ProviderError> {
        let link = call
            .recording
            .as_deref()
            .map(str::trim)
            .filter(|link| !link.is_empty());
        match &self.backend {
            Backend::Vega(client) => {
                // vega.md A.2 notes: every call that took place has its recording at
                // /rest/public/calls/{uuid}/audio, even one known only from live events.
                let answered =
                    call.answered_at.is_some() || call.talk_seconds.is_some_and(|t| t > 0);
                let source = match link {
                    Some(link) => link,
                    None if answered => call.call_id.as_str(),
                    None => return Err(self.unsupported("a recording of a call nobody answered")),
                };
                Ok(client.recording_file(source).await?)
            }
            // MCN's history says only that a call was recorded (`has_record`); the file comes
            // from `call_log/record?call_id=` as audio or as a link to it (public usage).
            Backend::Mcn(client) if link.is_some_and(|l| l.starts_with(mcn::RECORDING_PREFIX)) => {
                let id = link.unwrap_or_default();
                match client.record(id).await? {
                    mcn::Recording::Audio {
                        content_type,
                        bytes,
                    } => Ok(recording::from_bytes(Some(&content_type), "", bytes)),
                    mcn::Recording::Link(link) => {
                        let timeout = Duration::from_millis(self.config.timeout_ms.max(1));
                        Ok(recording::fetch_plain(&link, timeout).await?)
                    }
                }
            }
            Backend::CloudPbx(_)
            | Backend::Telediscount(_)
            | Backend::Mcn(_)
            | Backend::Asterisk(_) => {
                let link = link.ok_or_else(|| self.unsupported("a recording of this call"))?;
                let timeout = Duration::from_millis(self.config.timeout_ms.max(1));
                Ok(recording::fetch_plain(link, timeout).await?)
            }
        }
    }

    /// Turns Do-Not-Disturb on or off for "me" (cloud-pbx.md 5.7).
    pub async fn set_dnd(&self, on: bool) -> Result<(), ProviderError> {
        let me = self.config.user.as_deref().ok_or(ProviderError::NoUser)?;
        match &self.backend {
            Backend::CloudPbx(client) => Ok(client.set_dnd(me, on).await?),
            Backend::Asterisk(client) => Ok(client.set_dnd(me, on).await?),
            Backend::Vega(_) => Err(self.unsupported("Do-Not-Disturb")),
            Backend::Telediscount(_) | Backend::Mcn(_) => Err(self.unsupported("Do-Not-Disturb")),
        }
    }

    /// Whether "me" is in Do-Not-Disturb (cloud-pbx.md 5.8).
    pub async fn dnd(&self) -> Result<bool, ProviderError> {
        let me = self.config.user.as_deref().ok_or(ProviderError::NoUser)?;
        match &self.backend {
            Backend::CloudPbx(client) => Ok(client.get_dnd(me).await?),
            Backend::Asterisk(client) => Ok(client.dnd(me).await?),
            Backend::Vega(_) => Err(self.unsupported("Do-Not-Disturb")),
            Backend::Telediscount(_) | Backend::Mcn(_) => Err(self.unsupported("Do-Not-Disturb")),
        }
    }

    /// The PBX's departments (cloud-pbx.md 5.2); all of them, not only "me"'s.
    pub async fn groups(&self) -> Result<Vec<PbxGroup>, ProviderError> {
        match &self.backend {
            Backend::CloudPbx(client) => Ok(client.groups(None).await?),
            Backend::Vega(_) => Err(self.unsupported("departments")),
            Backend::Telediscount(_) | Backend::Mcn(_) => Err(self.unsupported("departments")),
            Backend::Asterisk(_) => Err(self.unsupported("departments")),
        }
    }

    /// The departments "me" belongs to (cloud-pbx.md 5.2 with `user`): the ones whose calls "me"
    /// can choose to receive.
    pub async fn my_groups(&self) -> Result<Vec<PbxGroup>, ProviderError> {
        let me = self.config.user.as_deref().ok_or(ProviderError::NoUser)?;
        match &self.backend {
            Backend::CloudPbx(client) => Ok(client.groups(Some(me)).await?),
            _ => Err(self.unsupported("departments")),
        }
    }

    /// What identifies `employee` as "me" (the account's `user`) on this PBX: Vega routes and
    /// reports calls by extension; the cloud PBX and the others by the employee's id (login).
    pub fn user_of(&self, employee: &Employee) -> String {
        match &self.backend {
            Backend::Vega(_) => employee.ext.clone().unwrap_or_else(|| employee.id.clone()),
            _ => employee.id.clone(),
        }
    }

    /// "Me" receives calls of department `group` (all my departments when `None`) or not
    /// (cloud-pbx.md 5.5).
    pub async fn subscribe(&self, group: Option<&str>, on: bool) -> Result<(), ProviderError> {
        let me = self.config.user.as_deref().ok_or(ProviderError::NoUser)?;
        match &self.backend {
            Backend::CloudPbx(client) => Ok(client.subscribe_on_calls(me, group, on).await?),
            Backend::Vega(_) => Err(self.unsupported("department subscriptions")),
            Backend::Telediscount(_) | Backend::Mcn(_) => {
                Err(self.unsupported("department subscriptions"))
            }
            Backend::Asterisk(_) => Err(self.unsupported("department subscriptions")),
        }
    }

    /// Whether "me" receives calls of department `group` (cloud-pbx.md 5.6).
    pub async fn subscription(&self, group: &str) -> Result<bool, ProviderError> {
        let me = self.config.user.as_deref().ok_or(ProviderError::NoUser)?;
        match &self.backend {
            Backend::CloudPbx(client) => Ok(client.subscription_status(me, group).await?),
            Backend::Vega(_) => Err(self.unsupported("department subscriptions")),
            Backend::Telediscount(_) | Backend::Mcn(_) => {
                Err(self.unsupported("department subscriptions"))
            }
            Backend::Asterisk(_) => Err(self.unsupported("department subscriptions")),
        }
    }

    /// The Vega client, for the actions only Vega offers (`crate::crm_edit`).
    pub(crate) fn vega_client(&self) -> Option<&VegaClient> {
        match &self.backend {
            Backend::Vega(client) => Some(client),
            _ => None,
        }
    }

    pub(crate) fn unsupported(&self, action: &'static str) -> ProviderError {
        ProviderError::Unsupported {
            provider: self.config.provider.clone(),
            action,
        }
    }
}
