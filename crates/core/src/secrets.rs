//! API keys and tokens, kept only in the OS keyring (Secret Service on Linux, Keychain on macOS,
//! Credential Manager on Windows). There is deliberately no plain-text fallback: where no keyring
//! runs, the error says so and how to fix it.

use std::fmt;

use crate::config::AccountConfig;

/// The keyring service name all of Callpop's secrets are filed under.
pub const KEYRING_SERVICE: &str = "callpop";
/// Overrides the keyring for scripts and CI: the account's API key.
pub const API_KEY_ENV: &str = "CALLPOP_API_KEY";

/// A secret that never shows itself in logs or error messages.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret.
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The secret itself, for the one place that sends it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// What can go wrong with the keyring.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    /// Nothing is stored for this account yet.
    #[error("no API key stored for {account}: run `callpop-cli key set` (it reads the key from standard input), or set {API_KEY_ENV}")]
    Missing {
        /// The account, as `provider:domain`.
        account: String,
    },
    /// No keyring service could be reached.
    #[error("the OS keyring is not available ({detail}). On Linux start a Secret Service (gnome-keyring or KeePassXC) in your desktop session, or run inside `dbus-run-session` with `gnome-keyring-daemon --unlock`; Callpop never stores keys in a file")]
    Unavailable {
        /// What the keyring library said.
        detail: String,
    },
}

fn entry(account: &AccountConfig) -> Result<keyring::Entry, SecretError> {
    keyring::Entry::new(KEYRING_SERVICE, &account.keyring_user()).map_err(unavailable)
}

fn unavailable(error: keyring::Error) -> SecretError {
    SecretError::Unavailable {
        detail: error.to_string(),
    }
}

/// The account's API key: `$CALLPOP_API_KEY` when set, else the keyring's.
pub fn api_key(account: &AccountConfig) -> Result<Secret, SecretError> {
    if let Ok(key) = std::env::var(API_KEY_ENV) {
        if !key.is_empty() {
            return Ok(Secret(key));
        }
    }
    keyring_api_key(account)
}

/// The account's API key from the keyring only.
pub fn keyring_api_key(account: &AccountConfig) -> Result<Secret, SecretError> {
    match entry(account)?.get_password() {
        Ok(key) => Ok(Secret(key)),
        Err(keyring::Error::NoEntry) => Err(SecretError::Missing {
            account: account.keyring_user(),
        }),
        Err(e) => Err(unavailable(e)),
    }
}

/// Stores the account's API key in the keyring.
pub fn store_api_key(account: &AccountConfig, key: &Secret) -> Result<(), SecretError> {
    entry(account)?
        .set_password(key.expose())
        .map_err(unavailable)
}

/// Removes the account's API key from the keyring; removing a missing key is not an error.
pub fn delete_api_key(account: &AccountConfig) -> Result<(), SecretError> {
    match entry(account)?.delete_credential() {
        Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
        Err(e) => Err(unavailable(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_does_not_print_itself() {
        let secret = Secret::new("bHGbn240QSjFJgydWOWyZ3ve6UeNDT8CV");
        assert_eq!(format!("{secret:?}"), "Secret(***)");
        assert_eq!(secret.expose(), "bHGbn240QSjFJgydWOWyZ3ve6UeNDT8CV");
    }

    #[test]
    fn missing_key_error_says_what_to_do() {
        let message = SecretError::Missing {
            account: "vega:d".into(),
        }
        .to_string();
        assert!(message.contains("callpop-cli key set"), "{message}");
    }
}
