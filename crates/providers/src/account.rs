//! Starts the configured provider and dispatches what the app asks of it.

use callpop_core::secrets::Secret;
use callpop_core::{
    AccountConfig, CallEvent, CallRecord, Employee, PhoneNumber, Store, StoreError,
};
use chrono::{DateTime, Utc};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::capability::{
    CallHistory, ClickToCall, CrmSync, Departments, Dnd, Employees, Hangup, Provider,
};
use crate::cloudpbx::PbxGroup;
use crate::pbx_error::PbxError;
use crate::recording::{Recording, RecordingError};
use crate::registry;
use crate::vega::crm::{ContactNote, SyncError, SyncReport};

/// What can go wrong talking to a provider, in words a user can act on.
#[derive(Debug, thiserror::Error)]
pub enum ProviderError {
    /// The config names a provider this build does not know.
    #[error("unknown provider `{0}`: the known providers are: {known}", known = registry::names())]
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
    /// The PBX said no, or could not be reached: its own error, with its own sentence.
    #[error(transparent)]
    Pbx(PbxError),
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

impl ProviderError {
    /// The PBX's own error, when it is a `T` (`VegaError`, `McnError`...).
    pub fn pbx<T: std::error::Error + 'static>(&self) -> Option<&T> {
        match self {
            ProviderError::Pbx(error) => error.downcast_ref(),
            _ => None,
        }
    }

    /// `provider` does not offer `action`.
    pub(crate) fn unsupported(provider: &str, action: &'static str) -> ProviderError {
        ProviderError::Unsupported {
            provider: provider.to_owned(),
            action,
        }
    }
}

impl From<SyncError> for ProviderError {
    fn from(error: SyncError) -> ProviderError {
        match error {
            SyncError::Vega(error) => error.into(),
            SyncError::Store(error) => ProviderError::Store(error),
        }
    }
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
///
/// The one dispatch point between the app (and the CLI) and the PBXs: it asks its
/// [`Provider`] for the capability an action needs and says "unsupported" when the PBX has
/// none, before any request.
pub struct Account {
    config: AccountConfig,
    provider: Box<dyn Provider>,
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
        account.provider.start(events, shutdown).await?;
        Ok(account)
    }

    /// An account for actions only (click-to-call...), with no event source.
    pub fn connect(
        config: &AccountConfig,
        key: &Secret,
        region: &str,
    ) -> Result<Account, ProviderError> {
        let kind = registry::find(&config.provider)
            .ok_or_else(|| ProviderError::UnknownProvider(config.provider.clone()))?;
        Ok(Account {
            config: config.clone(),
            provider: (kind.connect)(config, key, region)?,
        })
    }

    /// Do-Not-Disturb changes made at the PBX (on the phone...), as it reports them, for
    /// providers that announce them (Asterisk over AMI with presence DND): the value is the last
    /// state reported; `changed()` fires on each report while [`Account::start`]'s event source
    /// runs. `None` elsewhere: re-read [`Account::dnd`] when it matters.
    pub fn dnd_changes(&self) -> Option<tokio::sync::watch::Receiver<bool>> {
        self.provider.dnd_changes()
    }

    /// History records the PBX pushes as calls end (Asterisk over AMI with `cdr_manager`), for
    /// the caller of [`Account::start`] to save; handed out once, `None` elsewhere.
    pub fn take_call_records(&self) -> Option<mpsc::Receiver<CallRecord>> {
        self.provider.take_call_records()
    }

    /// The account's settings.
    pub fn config(&self) -> &AccountConfig {
        &self.config
    }

    /// What this account's provider offers, read off the same answers the actions use; the
    /// matching methods answer [`ProviderError::Unsupported`] for the rest.
    pub fn capabilities(&self) -> Capabilities {
        let p = &self.provider;
        Capabilities {
            click_to_call: p.click_to_call().is_some(),
            history: p.history().is_some(),
            hangup: p.hangup().is_some(),
            employees: p.employees().is_some(),
            contacts_sync: p.crm_sync().is_some(),
            dnd: p.dnd().is_some(),
            departments: p.departments().is_some(),
            crm_edit: p.crm_edit().is_some(),
        }
    }

    /// Click-to-call: the PBX rings the user's phone, then `number`. Returns the PBX's call id.
    pub async fn make_call(&self, number: &PhoneNumber) -> Result<String, ProviderError> {
        let pbx: &dyn ClickToCall = self.offered(self.provider.click_to_call(), "click-to-call")?;
        pbx.make_call(self.me()?, number).await
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
        let pbx: &dyn CallHistory = self.offered(
            self.provider.history(),
            "a call history query (AMI only pushes CDRs live, as calls end)",
        )?;
        if since > until {
            return Err(ProviderError::InvalidInput(format!(
                "the period starts ({}) after it ends ({})",
                since.to_rfc3339(),
                until.to_rfc3339()
            )));
        }
        let legs = pbx.history_legs(since, until, missed_only).await?;
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

    /// Ends the call `call_id` (the PBX's id of a call in progress).
    pub async fn hangup(&self, call_id: &str) -> Result<(), ProviderError> {
        let pbx: &dyn Hangup = self.offered(self.provider.hangup(), "hang-up")?;
        pbx.hangup(call_id).await
    }

    /// The company's employees as the PBX lists them.
    pub async fn employees(&self) -> Result<Vec<Employee>, ProviderError> {
        let pbx: &dyn Employees = self.offered(self.provider.employees(), "an employee list")?;
        pbx.employees().await
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
        self.crm_sync()?.sync_contacts(store, since).await
    }

    /// The latest CRM modification a previous [`Account::sync_contacts`] saw, where an
    /// incremental sync starts; `None` when contacts were never synced.
    pub fn last_contacts_sync(
        &self,
        store: &Store,
    ) -> Result<Option<DateTime<Utc>>, ProviderError> {
        self.crm_sync()?.last_contacts_sync(store)
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
        let pbx: &dyn CrmSync = self.offered(self.provider.crm_sync(), "CRM notes")?;
        pbx.contact_notes(store, contact_id, limit).await
    }

    /// The recording of `call`, ready to play, fetched as its provider keeps them (Vega with
    /// the session, MCN through `call_log/record`, the others by the history's link), within
    /// the account's timeout and at most [`crate::recording::MAX_RECORDING_BYTES`].
    /// [`ProviderError::Unsupported`] when the call has no recording.
    pub async fn recording(&self, call: &CallRecord) -> Result<Recording, ProviderError> {
        self.provider.recordings().recording(call).await
    }

    /// Turns Do-Not-Disturb on or off for "me" (cloud-pbx.md 5.7).
    pub async fn set_dnd(&self, on: bool) -> Result<(), ProviderError> {
        let pbx: &dyn Dnd = self.offered(self.provider.dnd(), "Do-Not-Disturb")?;
        pbx.set_dnd(self.me()?, on).await
    }

    /// Whether "me" is in Do-Not-Disturb (cloud-pbx.md 5.8).
    pub async fn dnd(&self) -> Result<bool, ProviderError> {
        let pbx: &dyn Dnd = self.offered(self.provider.dnd(), "Do-Not-Disturb")?;
        pbx.dnd(self.me()?).await
    }

    /// The PBX's departments (cloud-pbx.md 5.2); all of them, not only "me"'s.
    pub async fn groups(&self) -> Result<Vec<PbxGroup>, ProviderError> {
        self.departments("departments")?.groups(None).await
    }

    /// The departments "me" belongs to (cloud-pbx.md 5.2 with `user`): the ones whose calls "me"
    /// can choose to receive.
    pub async fn my_groups(&self) -> Result<Vec<PbxGroup>, ProviderError> {
        let pbx = self.departments("departments")?;
        pbx.groups(Some(self.me()?)).await
    }

    /// What identifies `employee` as "me" (the account's `user`) on this PBX: Vega routes and
    /// reports calls by extension; the cloud PBX and the others by the employee's id (login).
    pub fn user_of(&self, employee: &Employee) -> String {
        self.provider.user_of(employee)
    }

    /// "Me" receives calls of department `group` (all my departments when `None`) or not
    /// (cloud-pbx.md 5.5).
    pub async fn subscribe(&self, group: Option<&str>, on: bool) -> Result<(), ProviderError> {
        let pbx = self.departments("department subscriptions")?;
        pbx.subscribe(self.me()?, group, on).await
    }

    /// Whether "me" receives calls of department `group` (cloud-pbx.md 5.6).
    pub async fn subscription(&self, group: &str) -> Result<bool, ProviderError> {
        let pbx = self.departments("department subscriptions")?;
        pbx.subscription(self.me()?, group).await
    }

    /// The account's `user`, which the actions on "my" phone need.
    fn me(&self) -> Result<&str, ProviderError> {
        self.config.user.as_deref().ok_or(ProviderError::NoUser)
    }

    fn crm_sync(&self) -> Result<&dyn CrmSync, ProviderError> {
        self.offered(self.provider.crm_sync(), "a CRM contacts sync")
    }

    fn departments(&self, action: &'static str) -> Result<&dyn Departments, ProviderError> {
        self.offered(self.provider.departments(), action)
    }

    /// `capability`, or "unsupported" naming `action`.
    pub(crate) fn offered<'a, T: ?Sized>(
        &self,
        capability: Option<&'a T>,
        action: &'static str,
    ) -> Result<&'a T, ProviderError> {
        capability.ok_or_else(|| self.unsupported(action))
    }

    /// The provider behind this account, for the capabilities kept in their own modules
    /// (`crate::crm_edit`).
    pub(crate) fn provider(&self) -> &dyn Provider {
        self.provider.as_ref()
    }

    pub(crate) fn unsupported(&self, action: &'static str) -> ProviderError {
        ProviderError::unsupported(&self.config.provider, action)
    }
}
