//! Telediscount as an account uses it: click-to-call (`outcome`), the history (`get_calls`) and
//! recordings by link. Live calls come through the `income` / `call_finished` webhooks, to the
//! relay; there is nothing to poll, and no user list.

use std::time::Duration;

use async_trait::async_trait;
use callpop_core::secrets::Secret;
use callpop_core::{AccountConfig, CallEvent, CallRecord, PhoneNumber};
use chrono::{DateTime, Utc};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::{TelediscountClient, TelediscountSettings};
use crate::account::ProviderError;
use crate::capability::{CallHistory, ClickToCall, Provider, Recordings};
use crate::descriptor::{FormField, ProviderForm, Rule, Words};
use crate::recording::{self, Recording};
use crate::registry::ProviderKind;

/// A Telediscount account.
pub(crate) struct TelediscountProvider {
    client: TelediscountClient,
    timeout: Duration,
    region: String,
}

/// This provider in [`crate::registry`].
pub const KIND: ProviderKind = ProviderKind {
    name: super::PROVIDER,
    connect,
    form: &FORM,
};

/// The settings form's Telediscount account. The API has one address, so the "domain" only
/// names the account (and its key in the keyring); left empty, it is the API's host.
const FORM: ProviderForm = ProviderForm {
    label: Words {
        en: "Telediscount",
        ru: "Теледисконт",
    },
    summary: Words {
        en: "Calls through the relay; history and click-to-call.",
        ru: "Звонки через ретранслятор; история и звонок в один клик.",
    },
    key_label: Words {
        en: "CRM integration key",
        ru: "Ключ интеграции с CRM",
    },
    user_hint: Words {
        en: "Your SIP account, e.g. SIP/0000000672",
        ru: "Ваш SIP-аккаунт, например SIP/0000000672",
    },
    fields: &[
        FormField {
            name: "domain",
            label: Words {
                en: "Account name",
                ru: "Название аккаунта",
            },
            hint: Some(Words {
                en: "Any name for this account; the API is at my.telediscount.ru",
                ru: "Любое название; API находится на my.telediscount.ru",
            }),
            placeholder: "my.telediscount.ru",
            required: true,
            if_empty: Some("my.telediscount.ru"),
            rule: Rule::Host,
        },
        FormField::api_address("https://my.telediscount.ru"),
    ],
};

/// The registry's entry point: `base_url` replaces https://my.telediscount.ru; `user` is the
/// SIP account (SIP/…).
pub(crate) fn connect(
    config: &AccountConfig,
    key: &Secret,
    region: &str,
) -> Result<Box<dyn Provider>, ProviderError> {
    let client = TelediscountClient::new(
        TelediscountSettings::from_account(config),
        key.expose().to_owned(),
    )?;
    Ok(Box::new(TelediscountProvider {
        client,
        timeout: Duration::from_millis(config.timeout_ms),
        region: region.to_owned(),
    }))
}

#[async_trait]
impl Provider for TelediscountProvider {
    async fn start(
        &self,
        _events: mpsc::Sender<CallEvent>,
        _shutdown: CancellationToken,
    ) -> Result<(), ProviderError> {
        // telediscount.md: nothing to poll; live calls come through the webhooks (the relay).
        // Check the key up front.
        self.client.check_key().await?;
        Ok(())
    }

    fn click_to_call(&self) -> Option<&dyn ClickToCall> {
        Some(self)
    }

    fn history(&self) -> Option<&dyn CallHistory> {
        Some(self)
    }

    fn recordings(&self) -> &dyn Recordings {
        self
    }
}

#[async_trait]
impl ClickToCall for TelediscountProvider {
    async fn make_call(&self, user: &str, number: &PhoneNumber) -> Result<String, ProviderError> {
        Ok(self
            .client
            .outcome(user, number)
            .await?
            .call_id
            .unwrap_or_default())
    }
}

#[async_trait]
impl CallHistory for TelediscountProvider {
    async fn history_legs(
        &self,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
        missed_only: bool,
    ) -> Result<Vec<CallRecord>, ProviderError> {
        Ok(self
            .client
            .history(since, until, missed_only, &self.region)
            .await?)
    }
}

#[async_trait]
impl Recordings for TelediscountProvider {
    async fn recording(&self, call: &CallRecord) -> Result<Recording, ProviderError> {
        recording::from_history_link(call, self.timeout, super::PROVIDER).await
    }
}
