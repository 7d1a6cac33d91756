//! The cloud PBX as an account uses it: click-to-call (5.3), the history (5.4), users (5.1),
//! departments (5.2, 5.5, 5.6) and Do-Not-Disturb (5.7, 5.8). Live calls come through its
//! webhooks, to the relay; there is nothing to poll.

use std::time::Duration;

use async_trait::async_trait;
use callpop_core::secrets::Secret;
use callpop_core::{AccountConfig, CallEvent, CallRecord, Employee, PhoneNumber};
use chrono::{DateTime, Utc};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::{CloudPbxClient, CloudPbxSettings, HistoryQuery, HistoryType, PbxGroup};
use crate::account::ProviderError;
use crate::capability::{
    CallHistory, ClickToCall, Departments, Dnd, Employees, Provider, Recordings,
};
use crate::descriptor::{FormField, ProviderForm, Rule, Words, EXTENSION_OR_LOGIN};
use crate::recording::{self, Recording};
use crate::registry::ProviderKind;

/// A cloud PBX account.
pub(crate) struct CloudPbxProvider {
    client: CloudPbxClient,
    timeout: Duration,
    region: String,
}

/// This provider in [`crate::registry`].
pub const KIND: ProviderKind = ProviderKind {
    name: super::PROVIDER,
    connect,
    form: &FORM,
};

/// The settings form's cloud PBX account: the PBX's domain (cloud-pbx.md 2), and the API's
/// address when not the usual one.
const FORM: ProviderForm = ProviderForm {
    label: Words {
        en: "Cloud PBX (CRM API)",
        ru: "Облачная АТС (CRM API)",
    },
    summary: Words {
        en: "Calls through the relay, employees, DND and departments.",
        ru: "Звонки через ретранслятор, сотрудники, «Не беспокоить» и отделы.",
    },
    key_label: Words {
        en: "CRM API key",
        ru: "Ключ CRM API",
    },
    user_hint: EXTENSION_OR_LOGIN,
    fields: &[
        FormField {
            name: "domain",
            label: Words {
                en: "PBX domain",
                ru: "Домен АТС",
            },
            hint: Some(Words {
                en: "The PBX's address, e.g. company.cloudpbx.ru",
                ru: "Адрес АТС, например company.cloudpbx.ru",
            }),
            placeholder: "company.cloudpbx.ru",
            required: true,
            if_empty: None,
            rule: Rule::Host,
        },
        FormField::api_address(""),
    ],
};

/// The registry's entry point. cloud-pbx.md 2: `https://{domain}/sys/crm_api.wcgp`;
/// `base_url`, when set, replaces `https://{domain}` (scheme and host) and the API path is
/// still appended.
pub(crate) fn connect(
    config: &AccountConfig,
    key: &Secret,
    region: &str,
) -> Result<Box<dyn Provider>, ProviderError> {
    let timeout = Duration::from_millis(config.timeout_ms);
    let client = CloudPbxClient::new(
        CloudPbxSettings {
            base_url: config.base_url(),
            timeout,
        },
        key.expose().to_owned(),
    )?;
    Ok(Box::new(CloudPbxProvider {
        client,
        timeout,
        region: region.to_owned(),
    }))
}

#[async_trait]
impl Provider for CloudPbxProvider {
    async fn start(
        &self,
        _events: mpsc::Sender<CallEvent>,
        _shutdown: CancellationToken,
    ) -> Result<(), ProviderError> {
        // No polling in cloud-pbx.md: live calls come through the webhooks (the relay). Ask
        // once up front so a wrong token or PBX name is reported at start.
        self.client.accounts().await?;
        Ok(())
    }

    fn click_to_call(&self) -> Option<&dyn ClickToCall> {
        Some(self)
    }

    fn history(&self) -> Option<&dyn CallHistory> {
        Some(self)
    }

    fn employees(&self) -> Option<&dyn Employees> {
        Some(self)
    }

    fn dnd(&self) -> Option<&dyn Dnd> {
        Some(self)
    }

    fn departments(&self) -> Option<&dyn Departments> {
        Some(self)
    }

    fn recordings(&self) -> &dyn Recordings {
        self
    }
}

#[async_trait]
impl ClickToCall for CloudPbxProvider {
    async fn make_call(&self, user: &str, number: &PhoneNumber) -> Result<String, ProviderError> {
        Ok(self.client.make_call(user, number).await?)
    }
}

#[async_trait]
impl CallHistory for CloudPbxProvider {
    async fn history_legs(
        &self,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
        missed_only: bool,
    ) -> Result<Vec<CallRecord>, ProviderError> {
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
        let mut records: Vec<CallRecord> = self
            .client
            .history(&query)
            .await?
            .iter()
            .map(|row| row.call_record(&self.region))
            .collect();
        records.sort_by_key(|record| record.ended_at.unwrap_or(record.started_at));
        Ok(records)
    }
}

#[async_trait]
impl Employees for CloudPbxProvider {
    async fn employees(&self) -> Result<Vec<Employee>, ProviderError> {
        Ok(self.client.employees().await?)
    }
}

#[async_trait]
impl Dnd for CloudPbxProvider {
    async fn set_dnd(&self, user: &str, on: bool) -> Result<(), ProviderError> {
        Ok(self.client.set_dnd(user, on).await?)
    }

    async fn dnd(&self, user: &str) -> Result<bool, ProviderError> {
        Ok(self.client.get_dnd(user).await?)
    }
}

#[async_trait]
impl Departments for CloudPbxProvider {
    async fn groups(&self, user: Option<&str>) -> Result<Vec<PbxGroup>, ProviderError> {
        Ok(self.client.groups(user).await?)
    }

    async fn subscribe(
        &self,
        user: &str,
        group: Option<&str>,
        on: bool,
    ) -> Result<(), ProviderError> {
        Ok(self.client.subscribe_on_calls(user, group, on).await?)
    }

    async fn subscription(&self, user: &str, group: &str) -> Result<bool, ProviderError> {
        Ok(self.client.subscription_status(user, group).await?)
    }
}

#[async_trait]
impl Recordings for CloudPbxProvider {
    async fn recording(&self, call: &CallRecord) -> Result<Recording, ProviderError> {
        recording::from_history_link(call, self.timeout, super::PROVIDER).await
    }
}
