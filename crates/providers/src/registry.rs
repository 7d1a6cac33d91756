//! Every provider this build knows: the name an account's `provider` setting
//! uses and how to connect to it. [`Account::connect`](crate::Account::connect) looks here and
//! nowhere else.

use callpop_core::secrets::Secret;
use callpop_core::AccountConfig;

use crate::account::ProviderError;
use crate::capability::Provider;

/// Makes a provider for an account: its settings, its key, the region for numbers written
/// without a country code.
pub(crate) type Connect =
    fn(&AccountConfig, &Secret, &str) -> Result<Box<dyn Provider>, ProviderError>;

/// One provider: its setting name and its connect function (a client for the account, not yet
/// talking to the PBX: [`Provider::start`] does that).
pub struct ProviderKind {
    /// The `provider` setting's value, e.g. `"vega"`.
    pub name: &'static str,
    pub(crate) connect: Connect,
}

/// The providers, in the order they are offered: the list in `providers!` (lib.rs), where a
/// new provider is one word.
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
}
