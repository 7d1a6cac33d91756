//! Asterisk as an account uses it: calls watched over AMI or ARI, Originate for click-to-call,
//! hang-up, PJSIP endpoints as employees, Do-Not-Disturb (AMI), CDRs pushed as calls end, and
//! recordings by link. AMI has no query for past calls, so there is no history to ask for.

use std::time::Duration;

use async_trait::async_trait;
use callpop_core::secrets::Secret;
use callpop_core::{AccountConfig, CallEvent, CallRecord, Employee, PhoneNumber};
use tokio::sync::{mpsc, watch};
use tokio_util::sync::CancellationToken;

use super::AsteriskClient;
use crate::account::ProviderError;
use crate::capability::{ClickToCall, Dnd, Employees, Hangup, Provider, Recordings};
use crate::descriptor::{
    AddressKind, Choice, FormField, ProviderForm, Rule, Words, EXTENSION_OR_LOGIN,
};
use crate::recording::{self, Recording};
use crate::registry::ProviderKind;

/// An Asterisk account.
pub(crate) struct AsteriskProvider {
    client: AsteriskClient,
    user: Option<String>,
    timeout: Duration,
    region: String,
}

/// This provider in [`crate::registry`].
pub const KIND: ProviderKind = ProviderKind {
    name: super::PROVIDER,
    connect,
    form: &FORM,
};

/// The settings form's Asterisk account: the interface (AMI or ARI) first, as it decides what
/// the address looks like; the host, the manager or ARI user, where click-to-call dials from
/// and where DND is kept.
const FORM: ProviderForm = ProviderForm {
    label: Words {
        en: "Asterisk / FreePBX",
        ru: "Asterisk / FreePBX",
    },
    summary: Words {
        en: "Your own PBX over AMI or ARI: calls, endpoints, DND.",
        ru: "Своя АТС по AMI или ARI: звонки, абоненты, «Не беспокоить».",
    },
    key_label: Words {
        en: "Password (secret)",
        ru: "Пароль (secret)",
    },
    user_hint: EXTENSION_OR_LOGIN,
    fields: &[
        FormField {
            name: "asterisk_interface",
            label: Words {
                en: "Interface",
                ru: "Интерфейс",
            },
            hint: None,
            placeholder: "",
            required: false,
            if_empty: None,
            rule: Rule::Choice(&[
                Choice {
                    value: "ami",
                    label: Words {
                        en: "AMI (manager interface)",
                        ru: "AMI (интерфейс менеджера)",
                    },
                    address: Some(AddressKind::Tcp),
                },
                Choice {
                    value: "ari",
                    label: Words {
                        en: "ARI (REST interface)",
                        ru: "ARI (REST-интерфейс)",
                    },
                    address: Some(AddressKind::Web),
                },
            ]),
        },
        FormField {
            name: "domain",
            label: Words {
                en: "PBX host",
                ru: "Адрес АТС",
            },
            hint: Some(Words {
                en: "Host name or IP address of the Asterisk server",
                ru: "Имя или IP-адрес сервера Asterisk",
            }),
            placeholder: "pbx.office.lan",
            required: true,
            if_empty: None,
            rule: Rule::Host,
        },
        FormField {
            name: "base_url",
            label: Words {
                en: "API address",
                ru: "Адрес API",
            },
            hint: Some(Words {
                en: "AMI: tcp://HOST:5038 · ARI: http://HOST:8088 (optional)",
                ru: "AMI: tcp://HOST:5038 · ARI: http://HOST:8088 (необязательно)",
            }),
            placeholder: "tcp://pbx.office.lan:5038",
            required: false,
            if_empty: None,
            rule: Rule::AddressOfChoice {
                choice: "asterisk_interface",
            },
        },
        FormField {
            name: "login",
            label: Words {
                en: "User",
                ru: "Пользователь",
            },
            hint: Some(Words {
                en: "The manager.conf (AMI) or ari.conf (ARI) user",
                ru: "Пользователь из manager.conf (AMI) или ari.conf (ARI)",
            }),
            placeholder: "callpop",
            required: true,
            if_empty: None,
            rule: Rule::Text,
        },
        FormField {
            name: "dial_context",
            label: Words {
                en: "Dial context",
                ru: "Контекст набора",
            },
            hint: Some(Words {
                en: "Where click-to-call dials from; FreePBX: from-internal (default: internal)",
                ru: "Откуда набирается звонок в один клик; FreePBX: from-internal (по умолчанию internal)",
            }),
            placeholder: "from-internal",
            required: false,
            if_empty: None,
            rule: Rule::NoSpaces,
        },
        FormField {
            name: "dnd_via",
            label: Words {
                en: "Do-not-disturb kept in",
                ru: "Где хранится «Не беспокоить»",
            },
            hint: None,
            placeholder: "",
            required: false,
            if_empty: None,
            rule: Rule::Choice(&[
                Choice {
                    value: "presence",
                    label: Words {
                        en: "Presence state (default)",
                        ru: "Состояние присутствия (по умолчанию)",
                    },
                    address: None,
                },
                Choice {
                    value: "astdb",
                    label: Words {
                        en: "AstDB DND/EXT (FreePBX)",
                        ru: "AstDB DND/EXT (FreePBX)",
                    },
                    address: None,
                },
            ]),
        },
    ],
};

/// The registry's entry point. AMI: `base_url` `tcp://HOST:PORT` (or `domain` = HOST), `login`
/// = the manager.conf user, the API key = its secret; `asterisk_interface = "ari"`: `base_url`
/// `http://HOST:8088`, the ari.conf user and password.
pub(crate) fn connect(
    config: &AccountConfig,
    key: &Secret,
    region: &str,
) -> Result<Box<dyn Provider>, ProviderError> {
    Ok(Box::new(AsteriskProvider {
        client: AsteriskClient::from_account(config, key)?,
        user: config.user.clone(),
        timeout: Duration::from_millis(config.timeout_ms.max(1)),
        region: region.to_owned(),
    }))
}

#[async_trait]
impl Provider for AsteriskProvider {
    async fn start(
        &self,
        events: mpsc::Sender<CallEvent>,
        shutdown: CancellationToken,
    ) -> Result<(), ProviderError> {
        // Log in once up front so a wrong secret is reported at start; the watcher then
        // reconnects on its own for as long as it runs.
        self.client.check().await?;
        self.client
            .watch_calls(self.user.as_deref(), &self.region, events, shutdown);
        Ok(())
    }

    fn click_to_call(&self) -> Option<&dyn ClickToCall> {
        Some(self)
    }

    fn hangup(&self) -> Option<&dyn Hangup> {
        Some(self)
    }

    fn employees(&self) -> Option<&dyn Employees> {
        Some(self)
    }

    /// Over AMI only (see [`AsteriskClient::offers_dnd`]).
    fn dnd(&self) -> Option<&dyn Dnd> {
        self.client.offers_dnd().then_some(self as &dyn Dnd)
    }

    fn recordings(&self) -> &dyn Recordings {
        self
    }

    fn dnd_changes(&self) -> Option<watch::Receiver<bool>> {
        self.client.dnd_changes()
    }

    fn take_call_records(&self) -> Option<mpsc::Receiver<CallRecord>> {
        self.client.take_call_records()
    }
}

#[async_trait]
impl ClickToCall for AsteriskProvider {
    async fn make_call(&self, user: &str, number: &PhoneNumber) -> Result<String, ProviderError> {
        Ok(self.client.originate(user, number).await?)
    }
}

#[async_trait]
impl Hangup for AsteriskProvider {
    async fn hangup(&self, call_id: &str) -> Result<(), ProviderError> {
        Ok(self.client.hangup(call_id).await?)
    }
}

#[async_trait]
impl Employees for AsteriskProvider {
    async fn employees(&self) -> Result<Vec<Employee>, ProviderError> {
        Ok(self.client.endpoints().await?)
    }
}

#[async_trait]
impl Dnd for AsteriskProvider {
    async fn set_dnd(&self, user: &str, on: bool) -> Result<(), ProviderError> {
        Ok(self.client.set_dnd(user, on).await?)
    }

    async fn dnd(&self, user: &str) -> Result<bool, ProviderError> {
        Ok(self.client.dnd(user).await?)
    }
}

#[async_trait]
impl Recordings for AsteriskProvider {
    async fn recording(&self, call: &CallRecord) -> Result<Recording, ProviderError> {
        recording::from_history_link(call, self.timeout, super::PROVIDER).await
    }
}
