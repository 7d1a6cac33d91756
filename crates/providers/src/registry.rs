//! Every provider this build knows: the name an account's `provider` setting uses, how to
//! connect to it and what the settings form asks for it.
//! [`Account::connect`](crate::Account::connect) and the app's settings window look here and
//! nowhere else.

use callpop_core::secrets::Secret;
use callpop_core::AccountConfig;

use crate::account::ProviderError;
use crate::capability::Provider;
use crate::descriptor::ProviderForm;

/// Makes a provider for an account: its settings, its key, the region for numbers written
/// without a country code.
pub(crate) type Connect =
    fn(&AccountConfig, &Secret, &str) -> Result<Box<dyn Provider>, ProviderError>;

/// One provider: its setting name, its connect function (a client for the account, not yet
/// talking to the PBX: [`Provider::start`] does that) and its settings form.
pub struct ProviderKind {
    /// The `provider` setting's value, e.g. `"vega"`.
    pub name: &'static str,
    pub(crate) connect: Connect,
    /// What the settings form shows and asks for it, and how it checks what was typed.
    pub form: &'static ProviderForm,
}

/// The providers, in the order the settings window offers them: the list in `providers!`
/// (lib.rs), where a new provider is one word.
pub const PROVIDERS: &[ProviderKind] = crate::PROVIDER_KINDS;

/// The provider named `name`.
pub fn find(name: &str) -> Option<&'static ProviderKind> {
    PROVIDERS.iter().find(|kind| kind.name == name)
}

/// The known names, comma-separated, for messages.
pub fn names() -> String {
    PROVIDERS
        .iter()
        .map(|kind| kind.name)
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_provider_is_listed_once_and_an_unknown_one_names_them_all() {
        let mut names: Vec<&str> = PROVIDERS.iter().map(|kind| kind.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), PROVIDERS.len());
        assert_eq!(find("mcn").map(|kind| kind.name), Some("mcn"));
        assert!(find("Vega").is_none(), "names are exact");
        let message = ProviderError::UnknownProvider("zadarma".into()).to_string();
        for name in names {
            assert!(message.contains(name), "{message}");
        }
    }

    #[test]
    fn each_form_speaks_both_languages() {
        for kind in PROVIDERS {
            let form = kind.form;
            let fields = form.fields.iter().map(|field| field.label);
            for words in [form.label, form.summary, form.key_label, form.user_hint]
                .into_iter()
                .chain(fields)
            {
                assert!(
                    !words.en.is_empty() && !words.ru.is_empty(),
                    "{}",
                    kind.name
                );
            }
        }
    }
}
