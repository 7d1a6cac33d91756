//! The account form as the settings window sends it, turned into an [`AccountConfig`] with the
//! checks the provider's own form describes ([`callpop_providers::descriptor`]): a new provider
//! brings its fields and their checks in its folder, and nothing here changes.

use callpop_core::asterisk_options::{AsteriskInterface, DndStore};
use callpop_core::AccountConfig;
use callpop_providers::registry;
use serde::Deserialize;

use super::field_problem::FieldProblem;
use crate::command_error::CommandError;

/// What the person typed into the account form. Fields a provider does not use are ignored.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct AccountDraft {
    /// A provider of the registry: `vega`, `cloudpbx`, `telediscount`, `mcn`, `asterisk`.
    pub provider: String,
    /// The account's domain (Vega, cloud PBX), account number (MCN), host (Asterisk) or a name.
    pub domain: String,
    /// Where the API is, when not where the provider's default says.
    pub base_url: String,
    /// "Me".
    pub user: String,
    /// Asterisk: the manager (AMI) or ARI user.
    pub login: String,
    /// Asterisk: the dialplan context click-to-call dials from.
    pub dial_context: String,
    /// Asterisk: `ami` or `ari`.
    pub asterisk_interface: String,
    /// Asterisk: `presence` or `astdb`.
    pub dnd_via: String,
}

fn filled(text: &str) -> Option<String> {
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

impl AccountDraft {
    /// The account this draft describes, keeping `previous`'s timings when an account is
    /// edited; the first problem found names the field.
    pub fn to_account(
        &self,
        previous: Option<&AccountConfig>,
    ) -> Result<AccountConfig, CommandError> {
        let provider = self.provider.trim();
        let kind =
            registry::find(provider).ok_or_else(|| FieldProblem::ChooseProvider.at("provider"))?;
        let values = kind.form.check(|name| self.typed(name).unwrap_or(""))?;
        let mut account = AccountConfig::new(provider, "");
        if let Some(previous) = previous {
            account.poll_interval_ms = previous.poll_interval_ms;
            account.timeout_ms = previous.timeout_ms;
        }
        account.user = filled(&self.user);
        for (name, value) in values {
            set(&mut account, name, value);
        }
        Ok(account)
    }

    /// What was typed into the field `name` of a provider's form; `None`: no such setting.
    fn typed(&self, name: &str) -> Option<&str> {
        Some(match name {
            "domain" => &self.domain,
            "base_url" => &self.base_url,
            "login" => &self.login,
            "dial_context" => &self.dial_context,
            "asterisk_interface" => &self.asterisk_interface,
            "dnd_via" => &self.dnd_via,
            _ => return None,
        })
    }
}

/// Puts a form field's checked value into the account setting of the same name.
fn set(account: &mut AccountConfig, name: &str, value: Option<String>) {
    match name {
        "domain" => account.domain = value.unwrap_or_default(),
        "base_url" => account.base_url = value,
        "login" => account.login = value,
        "dial_context" => account.dial_context = value,
        // The form offered only the choices; the defaults are left unwritten, so the config
        // file stays short.
        "asterisk_interface" => {
            account.asterisk_interface = value
                .and_then(|v| v.parse().ok())
                .filter(|v| *v != AsteriskInterface::Ami)
        }
        "dnd_via" => {
            account.dnd_via = value
                .and_then(|v| v.parse().ok())
                .filter(|v| *v != DndStore::Presence)
        }
        other => tracing::warn!("the account form has no setting `{other}`"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use callpop_providers::descriptor::Fault;

    fn draft(provider: &str, domain: &str) -> AccountDraft {
        AccountDraft {
            provider: provider.into(),
            domain: domain.into(),
            ..AccountDraft::default()
        }
    }

    fn problem(draft: &AccountDraft) -> CommandError {
        draft.to_account(None).unwrap_err()
    }

    #[test]
    fn a_vega_domain_pasted_as_an_address_keeps_its_host() {
        let mut form = draft("vega", " https://test4.pbx.vega.ua/ ");
        form.user = " 001 ".into();
        form.login = "ignored for Vega".into();
        let account = form.to_account(None).unwrap();
        assert_eq!(account.domain, "test4.pbx.vega.ua");
        assert_eq!(account.user.as_deref(), Some("001"));
        assert_eq!(account.login, None);
        assert_eq!(account.base_url, None);
    }

    #[test]
    fn each_missing_or_malformed_field_is_named() {
        assert_eq!(
            problem(&draft("", "x")),
            FieldProblem::ChooseProvider.at("provider")
        );
        assert_eq!(
            problem(&draft("vega", " ")),
            FieldProblem::Form(Fault::Required).at("domain")
        );
        assert_eq!(
            problem(&draft("cloudpbx", "pbx.example.com/sys")),
            FieldProblem::Form(Fault::HostOnly).at("domain")
        );
        let mut form = draft("vega", "a.pbx.vega.ua");
        form.base_url = "127.0.0.1:8089".into();
        assert_eq!(
            problem(&form),
            FieldProblem::Form(Fault::NotAWebAddress).at("base_url")
        );
        assert_eq!(
            problem(&draft("asterisk", "pbx.local")),
            FieldProblem::Form(Fault::Required).at("login")
        );
    }

    #[test]
    fn asterisk_takes_its_interface_address_and_options() {
        let mut form = draft("asterisk", "pbx.local");
        form.login = "callpop".into();
        form.base_url = "tcp://pbx.local:5038".into();
        form.dnd_via = "astdb".into();
        form.dial_context = "from-internal".into();
        let account = form.to_account(None).unwrap();
        assert_eq!(account.asterisk_interface, None, "AMI is the default");
        assert_eq!(account.dnd_via, Some(DndStore::AstDb));
        assert_eq!(account.dial_context.as_deref(), Some("from-internal"));
        // Over ARI the address is a web one.
        form.asterisk_interface = "ari".into();
        assert_eq!(
            problem(&form),
            FieldProblem::Form(Fault::NotAWebAddress).at("base_url")
        );
        form.base_url = "http://pbx.local:8088".into();
        let account = form.to_account(None).unwrap();
        assert_eq!(account.asterisk_interface, Some(AsteriskInterface::Ari));
    }

    #[test]
    fn mcn_keeps_its_vpbx_and_telediscount_needs_no_name() {
        let account = draft("mcn", "12345/678").to_account(None).unwrap();
        assert_eq!(account.domain, "12345/678");
        let account = draft("telediscount", "").to_account(None).unwrap();
        assert_eq!(account.domain, "my.telediscount.ru");
    }

    #[test]
    fn an_edited_account_keeps_its_timings() {
        let mut previous = AccountConfig::new("vega", "a.pbx.vega.ua");
        previous.poll_interval_ms = 200;
        previous.timeout_ms = 9000;
        let account = draft("vega", "a.pbx.vega.ua")
            .to_account(Some(&previous))
            .unwrap();
        assert_eq!((account.poll_interval_ms, account.timeout_ms), (200, 9000));
    }

    #[test]
    fn every_providers_form_field_is_an_account_setting() {
        let draft = AccountDraft::default();
        for kind in registry::PROVIDERS {
            for field in kind.form.fields {
                assert!(
                    draft.typed(field.name).is_some(),
                    "{}: no account setting `{}`",
                    kind.name,
                    field.name
                );
            }
        }
    }
}
