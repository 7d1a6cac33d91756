//! The seam between [`Account`](crate::Account) and the PBXs: one small trait per thing a PBX
//! may offer, and [`Provider`], which says which of them a PBX has.
//!
//! A provider implements the capabilities its API has and answers `Some(self)` for each from
//! [`Provider`]; everything else stays `None`, so [`Account`](crate::Account) can say
//! "unsupported" before any request and [`Capabilities`](crate::Capabilities) is read off the
//! same answers instead of a second hand-kept table. The logic for a PBX lives in its own
//! folder (`vega/provider.rs`, `cloudpbx/provider.rs`...); a new PBX is its module, its
//! simulator and one line in [`registry`](crate::registry).

use async_trait::async_trait;
use callpop_core::{CallEvent, CallRecord, Employee, PhoneNumber, Store};
use chrono::{DateTime, Utc};
use tokio::sync::{mpsc, watch};
use tokio_util::sync::CancellationToken;

use crate::account::ProviderError;
use crate::autodialer::{CdrQuery, CdrResults, DialOptions, DialRecord, NewCallAnswer, SendReport};
use crate::cloudpbx::PbxGroup;
use crate::crm_edit::CrmEdit;
use crate::recording::Recording;
use crate::vega::crm::{ContactNote, SyncReport};

/// One PBX as an account uses it.
#[async_trait]
pub trait Provider: Send + Sync {
    /// Checks the account (a wrong key or address is reported now, not as a later warning) and
    /// starts whatever tells about calls as they happen — a poller, a manager connection —
    /// sending into `events` until `shutdown`. Providers whose live calls come only through
    /// webhooks (the relay) start nothing here.
    async fn start(
        &self,
        events: mpsc::Sender<CallEvent>,
        shutdown: CancellationToken,
    ) -> Result<(), ProviderError>;

    /// Click-to-call.
    fn click_to_call(&self) -> Option<&dyn ClickToCall> {
        None
    }

    /// The PBX's own call history.
    fn history(&self) -> Option<&dyn CallHistory> {
        None
    }

    /// Ending a call in progress.
    fn hangup(&self) -> Option<&dyn Hangup> {
        None
    }

    /// The company's employees.
    fn employees(&self) -> Option<&dyn Employees> {
        None
    }

    /// The PBX's own CRM: its contacts synced into the directory, their notes on the card.
    fn crm_sync(&self) -> Option<&dyn CrmSync> {
        None
    }

    /// Editing the PBX's own CRM.
    fn crm_edit(&self) -> Option<&dyn CrmEdit> {
        None
    }

    /// Do-Not-Disturb.
    fn dnd(&self) -> Option<&dyn Dnd> {
        None
    }

    /// Departments whose calls one can choose to receive.
    fn departments(&self) -> Option<&dyn Departments> {
        None
    }

    /// Robot calls: contacts sent to a campaign, one call placed by a robot (the Autodialer,
    /// a service an account may have beside its PBX).
    fn robot_calls(&self) -> Option<&dyn RobotCalls> {
        None
    }

    /// Call recordings, played from the history. Every PBX here records somewhere; a call
    /// without a recording answers "unsupported" from the provider itself.
    fn recordings(&self) -> &dyn Recordings;

    /// What identifies `employee` as "me" (the account's `user`) on this PBX: most route and
    /// report calls by the employee's id (login); Vega by extension.
    fn user_of(&self, employee: &Employee) -> String {
        employee.id.clone()
    }

    /// Do-Not-Disturb changes made at the PBX (on the phone...), for PBXs that announce them
    /// while [`Provider::start`]'s event source runs.
    fn dnd_changes(&self) -> Option<watch::Receiver<bool>> {
        None
    }

    /// History records the PBX pushes as calls end, handed out once.
    fn take_call_records(&self) -> Option<mpsc::Receiver<CallRecord>> {
        None
    }
}

/// The PBX rings "me" (`user`), then `number`.
#[async_trait]
pub trait ClickToCall: Send + Sync {
    /// The PBX's call id; empty when the PBX accepted the call without naming it.
    async fn make_call(&self, user: &str, number: &PhoneNumber) -> Result<String, ProviderError>;
}

/// The PBX's own record of finished calls.
#[async_trait]
pub trait CallHistory: Send + Sync {
    /// The calls that ended between `since` and `until` as the PBX lists them — a record per
    /// leg; [`Account::history`](crate::Account::history) merges them into calls.
    /// `missed_only`: incoming calls that still need a call-back.
    async fn history_legs(
        &self,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
        missed_only: bool,
    ) -> Result<Vec<CallRecord>, ProviderError>;
}

/// Ends a call in progress.
#[async_trait]
pub trait Hangup: Send + Sync {
    /// Ends `call_id` (the PBX's id of a call in progress).
    async fn hangup(&self, call_id: &str) -> Result<(), ProviderError>;
}

/// The PBX's list of users.
#[async_trait]
pub trait Employees: Send + Sync {
    /// The company's employees as the PBX lists them.
    async fn employees(&self) -> Result<Vec<Employee>, ProviderError>;
}

/// The PBX's own CRM, read into the directory.
#[async_trait]
pub trait CrmSync: Send + Sync {
    /// Copies the CRM's contacts modified at or after `since` (all: `None`) into `store`.
    async fn sync_contacts(
        &self,
        store: &Store,
        since: Option<DateTime<Utc>>,
    ) -> Result<SyncReport, ProviderError>;

    /// Where the last sync stopped; `None` when contacts were never synced.
    fn last_contacts_sync(&self, store: &Store) -> Result<Option<DateTime<Utc>>, ProviderError>;

    /// The latest `limit` notes on directory contact `contact_id`, newest first.
    async fn contact_notes(
        &self,
        store: &Store,
        contact_id: i64,
        limit: usize,
    ) -> Result<Vec<ContactNote>, ProviderError>;
}

/// Do-Not-Disturb for one user.
#[async_trait]
pub trait Dnd: Send + Sync {
    /// Turns it on or off for `user`.
    async fn set_dnd(&self, user: &str, on: bool) -> Result<(), ProviderError>;
    /// Whether `user` is in Do-Not-Disturb.
    async fn dnd(&self, user: &str) -> Result<bool, ProviderError>;
}

/// Departments and whether a user receives their calls.
#[async_trait]
pub trait Departments: Send + Sync {
    /// The departments: all of them (`None`), or only `user`'s.
    async fn groups(&self, user: Option<&str>) -> Result<Vec<PbxGroup>, ProviderError>;
    /// `user` receives calls of `group` (all their departments when `None`) or not.
    async fn subscribe(
        &self,
        user: &str,
        group: Option<&str>,
        on: bool,
    ) -> Result<(), ProviderError>;
    /// Whether `user` receives calls of `group`.
    async fn subscription(&self, user: &str, group: &str) -> Result<bool, ProviderError>;
}

/// A call's recording, fetched to play.
#[async_trait]
pub trait Recordings: Send + Sync {
    /// The recording of `call`; "unsupported" when the call has none.
    async fn recording(&self, call: &CallRecord) -> Result<Recording, ProviderError>;
}

/// Calls placed by a robot by a scenario ("campaign"), not rung to a manager.
#[async_trait]
pub trait RobotCalls: Send + Sync {
    /// Sends `records` to the campaign `options` names; the service's report, merged over its
    /// batches.
    async fn send_to_campaign(
        &self,
        records: &[DialRecord],
        options: &DialOptions,
    ) -> Result<SendReport, ProviderError>;

    /// One robot call to `record` now.
    async fn robot_call(
        &self,
        record: &DialRecord,
        options: &DialOptions,
    ) -> Result<NewCallAnswer, ProviderError>;

    /// What the robot's calls in `query`'s period came to, as history records (numbers read in
    /// `region`).
    async fn results(&self, query: &CdrQuery, region: &str) -> Result<CdrResults, ProviderError>;
}
