//! Vega as an account uses it: polling B.3 for live calls, click-to-call (B.2), hang-up (B.4),
//! the history (B.5, B.6), users (B.8), CRM Teler (B.9) and recordings.

use std::time::Duration;

use async_trait::async_trait;
use callpop_core::secrets::Secret;
use callpop_core::{AccountConfig, CallEvent, CallRecord, Employee, PhoneNumber, Store};
use chrono::{DateTime, Utc};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::crm::{self, ContactNote, SyncReport};
use super::{ActiveCallsPoller, VegaClient, VegaSettings, PROVIDER};
use crate::account::ProviderError;
use crate::capability::{
    CallHistory, ClickToCall, CrmSync, Employees, Hangup, Provider, Recordings,
};
use crate::crm_edit::CrmEdit;
use crate::descriptor::{FormField, ProviderForm, Rule, Words, EXTENSION_OR_LOGIN};
use crate::recording::Recording;
use crate::registry::ProviderKind;

/// A Vega account.
pub(crate) struct VegaProvider {
    pub(super) client: VegaClient,
    pub(super) config: AccountConfig,
    region: String,
}

/// This provider in [`crate::registry`].
pub const KIND: ProviderKind = ProviderKind {
    name: super::PROVIDER,
    connect,
    form: &FORM,
};

/// The settings form's Vega account: its domain, and the API's address when not the usual one.
const FORM: ProviderForm = ProviderForm {
    label: Words {
        en: "Vega PBX",
        ru: "Vega PBX",
    },
    summary: Words {
        en: "Calls by polling or webhooks, employees, history, CRM Teler.",
        ru: "Звонки опросом или вебхуками, сотрудники, история, CRM Teler.",
    },
    key_label: Words {
        en: "API key",
        ru: "Ключ API",
    },
    user_hint: EXTENSION_OR_LOGIN,
    fields: &[
        FormField {
            name: "domain",
            label: Words {
                en: "Domain",
                ru: "Домен",
            },
            hint: Some(Words {
                en: "Your account's address at Vega, e.g. test4.pbx.vega.ua",
                ru: "Адрес вашего аккаунта в Vega, например test4.pbx.vega.ua",
            }),
            placeholder: "test4.pbx.vega.ua",
            required: true,
            if_empty: None,
            rule: Rule::Host,
        },
        FormField::api_address("https://test4.pbx.vega.ua"),
    ],
};

/// The registry's entry point: a client for `config`, not yet logged in.
pub(crate) fn connect(
    config: &AccountConfig,
    key: &Secret,
    region: &str,
) -> Result<Box<dyn Provider>, ProviderError> {
    let client = VegaClient::new(
        VegaSettings {
            base_url: config.base_url(),
            domain: config.domain.clone(),
            timeout: Duration::from_millis(config.timeout_ms),
            region: region.to_owned(),
        },
        key.expose().to_owned(),
    )?
    // Which wire form the server takes, learnt once for every later run.
    .with_wire_form_memory(callpop_core::Config::data_dir().ok());
    Ok(Box::new(VegaProvider {
        client,
        config: config.clone(),
        region: region.to_owned(),
    }))
}

#[async_trait]
impl Provider for VegaProvider {
    async fn start(
        &self,
        events: mpsc::Sender<CallEvent>,
        shutdown: CancellationToken,
    ) -> Result<(), ProviderError> {
        // Log in once up front so a wrong key is reported at start, not as a poll warning.
        self.client.authorize().await?;
        let poller = ActiveCallsPoller::new(
            self.client.clone(),
            Duration::from_millis(self.config.poll_interval_ms),
            self.config.user.clone(),
        );
        tokio::spawn(poller.run(events, shutdown));
        Ok(())
    }

    fn click_to_call(&self) -> Option<&dyn ClickToCall> {
        Some(self)
    }

    fn history(&self) -> Option<&dyn CallHistory> {
        Some(self)
    }

    fn hangup(&self) -> Option<&dyn Hangup> {
        Some(self)
    }

    fn employees(&self) -> Option<&dyn Employees> {
        Some(self)
    }

    fn crm_sync(&self) -> Option<&dyn CrmSync> {
        Some(self)
    }

    fn crm_edit(&self) -> Option<&dyn CrmEdit> {
        Some(self)
    }

    fn recordings(&self) -> &dyn Recordings {
        self
    }

    /// Vega routes and reports calls by extension.
    fn user_of(&self, employee: &Employee) -> String {
        employee.ext.clone().unwrap_or_else(|| employee.id.clone())
    }
}

#[async_trait]
impl ClickToCall for VegaProvider {
    async fn make_call(&self, user: &str, number: &PhoneNumber) -> Result<String, ProviderError> {
        Ok(self.client.make_call(user, &number.key()).await?)
    }
}

#[async_trait]
impl CallHistory for VegaProvider {
    async fn history_legs(
        &self,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
        missed_only: bool,
    ) -> Result<Vec<CallRecord>, ProviderError> {
        // vega.md B.6 for missed calls, B.5 (every direction) for the rest.
        let calls = if missed_only {
            self.client.missed_calls(since, until).await?
        } else {
            self.client.company_calls(since, until, None).await?
        };
        let mut records: Vec<CallRecord> = calls
            .iter()
            .filter_map(|call| super::call_record(call, &self.region))
            .collect();
        records.sort_by_key(|record| record.ended_at.unwrap_or(record.started_at));
        Ok(records)
    }
}

#[async_trait]
impl Hangup for VegaProvider {
    async fn hangup(&self, call_id: &str) -> Result<(), ProviderError> {
        Ok(self.client.hangup(call_id).await?)
    }
}

#[async_trait]
impl Employees for VegaProvider {
    async fn employees(&self) -> Result<Vec<Employee>, ProviderError> {
        Ok(self.client.employees().await?)
    }
}

#[async_trait]
impl CrmSync for VegaProvider {
    async fn sync_contacts(
        &self,
        store: &Store,
        since: Option<DateTime<Utc>>,
    ) -> Result<SyncReport, ProviderError> {
        // Responsible names are a nicety: without B.8 the contacts still sync.
        let (employees, warning) = match self.client.employees().await {
            Ok(employees) => (employees, None),
            Err(error) => (
                Vec::new(),
                Some(format!("responsible employees left out: {error}")),
            ),
        };
        let mut report = crm::sync_contacts(&self.client, store, since, &employees).await?;
        report.warnings.extend(warning);
        Ok(report)
    }

    fn last_contacts_sync(&self, store: &Store) -> Result<Option<DateTime<Utc>>, ProviderError> {
        Ok(crm::last_synced(store)?)
    }

    async fn contact_notes(
        &self,
        store: &Store,
        contact_id: i64,
        limit: usize,
    ) -> Result<Vec<ContactNote>, ProviderError> {
        let crm_id = store
            .external_id_of(crm::SYNC_SOURCE, contact_id)?
            .and_then(|id| id.trim().parse::<i64>().ok())
            .ok_or_else(|| {
                ProviderError::unsupported(PROVIDER, "notes on a contact not synced from its CRM")
            })?;
        let notes = self.client.crm_notes(crm_id).await?;
        // Author names are a nicety: without B.8 the notes still show.
        let employees = self.client.employees().await.unwrap_or_else(|error| {
            tracing::debug!(%error, "CRM note authors left unnamed");
            Vec::new()
        });
        Ok(crm::card_notes(&notes, &employees, limit))
    }
}

#[async_trait]
impl Recordings for VegaProvider {
    /// Its `audioRecUrl`, else `/rest/public/calls/{uuid}/audio` for an answered call, fetched
    /// with the session.
    async fn recording(&self, call: &CallRecord) -> Result<Recording, ProviderError> {
        // vega.md A.2 notes: every call that took place has its recording at
        // /rest/public/calls/{uuid}/audio, even one known only from live events.
        let answered = call.answered_at.is_some() || call.talk_seconds.is_some_and(|t| t > 0);
        let source = match crate::recording::link_of(call) {
            Some(link) => link,
            None if answered => call.call_id.as_str(),
            None => {
                return Err(ProviderError::unsupported(
                    PROVIDER,
                    "a recording of a call nobody answered",
                ))
            }
        };
        Ok(self.client.recording_file(source).await?)
    }
}
