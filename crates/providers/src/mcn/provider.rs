//! MCN Telecom as an account uses it: missed calls by polling `call_log`, click-to-call
//! (`outbound_call`), the history and recordings (`call_log/record`). Live cards come through
//! its webhooks, to the relay; it lists no users.

use std::time::Duration;

use async_trait::async_trait;
use callpop_core::secrets::Secret;
use callpop_core::{AccountConfig, CallEvent, CallRecord, PhoneNumber};
use chrono::{DateTime, Utc};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::{
    McnClient, McnSettings, MissedCallsPoller, Recording as McnRecording, DEFAULT_TIMEOUT_FROM,
    DEFAULT_TIMEOUT_TO, PROVIDER, RECORDING_PREFIX,
};
use crate::account::ProviderError;
use crate::capability::{CallHistory, ClickToCall, Provider, Recordings};
use crate::descriptor::{FormField, ProviderForm, Rule, Words};
use crate::recording::{self, Recording};
use crate::registry::ProviderKind;

/// An MCN account.
pub(crate) struct McnProvider {
    client: McnClient,
    poll_every: Duration,
    timeout: Duration,
    region: String,
}

/// This provider in [`crate::registry`].
pub const KIND: ProviderKind = ProviderKind {
    name: super::PROVIDER,
    connect,
    form: &FORM,
};

/// The settings form's MCN account: the personal account number (or `ACCOUNT/VPBX_ID`), and
/// the API's address when not the usual one.
const FORM: ProviderForm = ProviderForm {
    label: Words {
        en: "MCN Telecom",
        ru: "МСН Телеком",
    },
    summary: Words {
        en: "Missed calls by polling, live calls through the relay.",
        ru: "Пропущенные опросом, текущие звонки через ретранслятор.",
    },
    key_label: Words {
        en: "API token",
        ru: "Токен API",
    },
    user_hint: Words {
        en: "Your extension, e.g. 101",
        ru: "Ваш внутренний номер, например 101",
    },
    fields: &[
        FormField {
            name: "domain",
            label: Words {
                en: "Account number",
                ru: "Номер лицевого счёта",
            },
            hint: Some(Words {
                en: "The personal account number, or ACCOUNT/VPBX_ID",
                ru: "Номер лицевого счёта или СЧЁТ/VPBX_ID",
            }),
            placeholder: "12345",
            required: true,
            if_empty: None,
            rule: Rule::HostOrPath,
        },
        FormField::api_address("https://api.mcn.ru/v2/rest"),
    ],
};

/// The registry's entry point: `domain` is the personal account number (or
/// `account_id/vpbx_id`); `base_url` replaces https://api.mcn.ru/v2/rest; `user` is the
/// extension (`abon`).
pub(crate) fn connect(
    config: &AccountConfig,
    key: &Secret,
    region: &str,
) -> Result<Box<dyn Provider>, ProviderError> {
    let client = McnClient::new(McnSettings::from_account(config), key.expose().to_owned())?;
    Ok(Box::new(McnProvider {
        client,
        poll_every: Duration::from_millis(config.poll_interval_ms),
        timeout: Duration::from_millis(config.timeout_ms.max(1)),
        region: region.to_owned(),
    }))
}

#[async_trait]
impl Provider for McnProvider {
    async fn start(
        &self,
        events: mpsc::Sender<CallEvent>,
        shutdown: CancellationToken,
    ) -> Result<(), ProviderError> {
        // mcn-telecom.md: the article has no events: poll `call_log` for missed calls (live
        // cards come from the webhooks, through the relay). Picking the virtual PBX first
        // reports a wrong token or account number at start.
        self.client.vpbx_id().await?;
        let poller = MissedCallsPoller::new(self.client.clone(), self.poll_every, &self.region);
        tokio::spawn(poller.run(events, shutdown));
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
impl ClickToCall for McnProvider {
    async fn make_call(&self, user: &str, number: &PhoneNumber) -> Result<String, ProviderError> {
        Ok(self
            .client
            .outbound_call(user, number, DEFAULT_TIMEOUT_FROM, DEFAULT_TIMEOUT_TO)
            .await?
            .call_id
            .unwrap_or_default())
    }
}

#[async_trait]
impl CallHistory for McnProvider {
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
impl Recordings for McnProvider {
    /// MCN's history says only that a call was recorded (`mcn-record:<callid>`); the file comes
    /// from `call_log/record?call_id=` as audio or as a link to it (public usage).
    async fn recording(&self, call: &CallRecord) -> Result<Recording, ProviderError> {
        let Some(id) = recording::link_of(call).filter(|l| l.starts_with(RECORDING_PREFIX)) else {
            return recording::from_history_link(call, self.timeout, PROVIDER).await;
        };
        match self.client.record(id).await? {
            McnRecording::Audio {
                content_type,
                bytes,
            } => Ok(recording::from_bytes(Some(&content_type), "", bytes)),
            McnRecording::Link(link) => Ok(recording::fetch_plain(&link, self.timeout).await?),
        }
    }
}
