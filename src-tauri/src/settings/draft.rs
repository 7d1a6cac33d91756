//! The account form as the settings window sends it, turned into an [`AccountConfig`] with the
//! checks each provider needs (what `Account::connect` reads for it, README's provider table).

use callpop_core::asterisk_options::{AsteriskInterface, DndStore};
use callpop_core::AccountConfig;
use serde::Deserialize;

use super::Problem;

/// The providers the form offers, in the order it lists them.
pub const PROVIDERS: [&str; 5] = ["vega", "cloudpbx", "telediscount", "mcn", "asterisk"];

/// Telediscount's API has one address; its `domain` only names the account (and its key).
const TELEDISCOUNT_DEFAULT_NAME: &str = "my.telediscount.ru";

/// What the person typed into the account form. Fields a provider does not use are ignored.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct AccountDraft {
    /// `vega`, `cloudpbx`, `telediscount`, `mcn` or `asterisk`.
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
    pub fn to_account(&self, previous: Option<&AccountConfig>) -> Result<AccountConfig, Problem> {
        let provider = self.provider.trim();
        if !PROVIDERS.contains(&provider) {
            return Err(Problem::field("provider", "choose_provider"));
        }
        let domain = self.domain(provider)?;
        let mut account = AccountConfig::new(provider, &domain);
        if let Some(previous) = previous {
            account.poll_interval_ms = previous.poll_interval_ms;
            account.timeout_ms = previous.timeout_ms;
        }
        account.user = filled(&self.user);
        account.base_url = self.base_url(provider)?;
        if provider == "asterisk" {
            account.login = Some(filled(&self.login).ok_or(Problem::field("login", "required"))?);
            account.dial_context = filled(&self.dial_context);
            if account
                .dial_context
                .as_deref()
                .is_some_and(|c| c.contains(char::is_whitespace))
            {
                return Err(Problem::field("dial_context", "no_spaces"));
            }
            // The defaults are left unwritten, so the config file stays short.
            account.asterisk_interface = match self.asterisk_interface.parse() {
                Ok(AsteriskInterface::Ami) => None,
                Ok(other) => Some(other),
                Err(_) => return Err(Problem::field("asterisk_interface", "choose_one")),
            };
            account.dnd_via = match self.dnd_via.parse() {
                Ok(DndStore::Presence) => None,
                Ok(other) => Some(other),
                Err(_) => return Err(Problem::field("dnd_via", "choose_one")),
            };
        }
        Ok(account)
    }

    fn domain(&self, provider: &str) -> Result<String, Problem> {
        let text = self.domain.trim();
        // People paste the address from the browser: keep the host.
        let text = text
            .strip_prefix("https://")
            .or_else(|| text.strip_prefix("http://"))
            .unwrap_or(text)
            .trim_end_matches('/');
        if text.is_empty() {
            return match provider {
                "telediscount" => Ok(TELEDISCOUNT_DEFAULT_NAME.into()),
                _ => Err(Problem::field("domain", "required")),
            };
        }
        if text.contains(char::is_whitespace) {
            return Err(Problem::field("domain", "no_spaces"));
        }
        // MCN's may be `ACCOUNT/VPBX_ID`; everyone else's is a host name.
        if provider != "mcn" && text.contains('/') {
            return Err(Problem::field("domain", "host_only"));
        }
        Ok(text.to_owned())
    }

    fn base_url(&self, provider: &str) -> Result<Option<String>, Problem> {
        let Some(url) = filled(&self.base_url) else {
            return Ok(None);
        };
        let ami =
            provider == "asterisk" && self.asterisk_interface.parse() != Ok(AsteriskInterface::Ari);
        let schemes: &[&str] = if ami {
            &["tcp://", "ami://"]
        } else {
            &["https://", "http://"]
        };
        let rest = schemes.iter().find_map(|scheme| url.strip_prefix(scheme));
        match rest {
            Some(rest) if !rest.is_empty() && !url.contains(char::is_whitespace) => {
                Ok(Some(url.trim_end_matches('/').to_owned()))
            }
            _ if ami => Err(Problem::field("base_url", "not_a_tcp_address")),
            _ => Err(Problem::field("base_url", "not_a_web_address")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft(provider: &str, domain: &str) -> AccountDraft {
        AccountDraft {
            provider: provider.into(),
            domain: domain.into(),
            ..AccountDraft::default()
        }
    }

    fn problem(draft: &AccountDraft) -> (Option<&'static str>, Option<&'static str>) {
        let problem = draft.to_account(None).unwrap_err();
        (problem.field, problem.code)
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
            (Some("provider"), Some("choose_provider"))
        );
        assert_eq!(
            problem(&draft("vega", " ")),
            (Some("domain"), Some("required"))
        );
        assert_eq!(
            problem(&draft("cloudpbx", "pbx.example.com/sys")),
            (Some("domain"), Some("host_only"))
        );
        let mut form = draft("vega", "a.pbx.vega.ua");
        form.base_url = "127.0.0.1:8089".into();
        assert_eq!(
            problem(&form),
            (Some("base_url"), Some("not_a_web_address"))
        );
        assert_eq!(
            problem(&draft("asterisk", "pbx.local")),
            (Some("login"), Some("required"))
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
            (Some("base_url"), Some("not_a_web_address"))
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
        assert_eq!(account.domain, TELEDISCOUNT_DEFAULT_NAME);
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
}
