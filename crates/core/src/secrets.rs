//! API keys and tokens, kept only in the OS keyring (Secret Service on Linux, Keychain on macOS,
//! Credential Manager on Windows). There is deliberately no plain-text fallback: where no keyring
//! runs, the error says so and how to fix it.

use std::fmt;

use crate::config::{AccountConfig, AutodialerSettings, RelaySettings};

/// The keyring service name all of Callpop's secrets are filed under.
pub const KEYRING_SERVICE: &str = "callpop";
/// Overrides the keyring for scripts and CI: the account's API key.
pub const API_KEY_ENV: &str = "CALLPOP_API_KEY";
/// Overrides the keyring for scripts and CI: this desktop's relay token.
pub const RELAY_TOKEN_ENV: &str = "CALLPOP_RELAY_TOKEN";
/// Overrides the keyring for scripts and CI: the Autodialer's key.
pub const AUTODIALER_KEY_ENV: &str = "CALLPOP_AUTODIALER_KEY";

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
    #[error(
        "no {what} stored for {name}: run `{}` (it reads it from standard input), or set {env}{}",
        set_command(flag),
        env_note(env)
    )]
    Missing {
        /// What is missing: "API key", "relay token".
        what: &'static str,
        /// The keyring entry's name (`provider:domain`, `relay:URL`).
        name: String,
        /// The `key set` flag that stores it.
        flag: &'static str,
        /// The environment variable that overrides the keyring.
        env: &'static str,
    },
    /// No keyring service could be reached.
    #[error("the OS keyring is not available ({detail}). On Linux start a Secret Service (gnome-keyring or KeePassXC) in your desktop session, or run inside `dbus-run-session` with `gnome-keyring-daemon --unlock`; Callpop never stores keys in a file")]
    Unavailable {
        /// What the keyring library said.
        detail: String,
    },
}

/// The command that stores the secret a `key set` flag names: the Autodialer's key has its own.
fn set_command(flag: &str) -> String {
    if flag == AUTODIALER_FLAG {
        "callpop-cli autodial key set".to_owned()
    } else {
        format!("callpop-cli key set{flag}")
    }
}

/// The Autodialer's key is not the PBX's: a script that sets only `CALLPOP_API_KEY` is told so.
fn env_note(env: &str) -> String {
    if env == AUTODIALER_KEY_ENV {
        format!(" (the Autodialer's own key, separate from the PBX's {API_KEY_ENV})")
    } else {
        String::new()
    }
}

/// Marks the Autodialer's slot in [`SecretError::Missing`]'s `flag`.
const AUTODIALER_FLAG: &str = " --autodialer";

/// One secret Callpop keeps: what it is, its keyring entry, and the variable that overrides it.
struct Slot {
    what: &'static str,
    name: String,
    flag: &'static str,
    env: &'static str,
}

impl Slot {
    fn api_key(account: &AccountConfig) -> Slot {
        Slot {
            what: "API key",
            name: account.keyring_user(),
            flag: "",
            env: API_KEY_ENV,
        }
    }

    fn relay_token(relay: &RelaySettings) -> Slot {
        Slot {
            what: "relay token",
            name: relay.keyring_user(),
            flag: " --relay",
            env: RELAY_TOKEN_ENV,
        }
    }

    fn autodialer_key(autodialer: &AutodialerSettings) -> Slot {
        Slot {
            what: "Autodialer key",
            name: autodialer.keyring_user(),
            // Stored by `callpop-cli autodial key set` (see `set_command`).
            flag: AUTODIALER_FLAG,
            env: AUTODIALER_KEY_ENV,
        }
    }

    fn entry(&self) -> Result<keyring::Entry, SecretError> {
        keyring::Entry::new(KEYRING_SERVICE, &self.name).map_err(unavailable)
    }

    fn read(&self) -> Result<Secret, SecretError> {
        if let Ok(value) = std::env::var(self.env) {
            if !value.is_empty() {
                return Ok(Secret(value));
            }
        }
        self.read_keyring()
    }

    fn read_keyring(&self) -> Result<Secret, SecretError> {
        match self.entry()?.get_password() {
            Ok(value) => Ok(Secret(value)),
            Err(keyring::Error::NoEntry) => Err(SecretError::Missing {
                what: self.what,
                name: self.name.clone(),
                flag: self.flag,
                env: self.env,
            }),
            Err(e) => Err(unavailable(e)),
        }
    }

    fn store(&self, value: &Secret) -> Result<(), SecretError> {
        self.entry()?
            .set_password(value.expose())
            .map_err(unavailable)
    }

    fn delete(&self) -> Result<(), SecretError> {
        match self.entry()?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(unavailable(e)),
        }
    }
}

fn unavailable(error: keyring::Error) -> SecretError {
    SecretError::Unavailable {
        detail: error.to_string(),
    }
}

/// The account's API key: `$CALLPOP_API_KEY` when set, else the keyring's.
pub fn api_key(account: &AccountConfig) -> Result<Secret, SecretError> {
    Slot::api_key(account).read()
}

/// The account's API key from the keyring only.
pub fn keyring_api_key(account: &AccountConfig) -> Result<Secret, SecretError> {
    Slot::api_key(account).read_keyring()
}

/// Stores the account's API key in the keyring.
pub fn store_api_key(account: &AccountConfig, key: &Secret) -> Result<(), SecretError> {
    Slot::api_key(account).store(key)
}

/// Removes the account's API key from the keyring; removing a missing key is not an error.
pub fn delete_api_key(account: &AccountConfig) -> Result<(), SecretError> {
    Slot::api_key(account).delete()
}

/// This desktop's relay token: `$CALLPOP_RELAY_TOKEN` when set, else the keyring's.
pub fn relay_token(relay: &RelaySettings) -> Result<Secret, SecretError> {
    Slot::relay_token(relay).read()
}

/// This desktop's relay token from the keyring only.
pub fn keyring_relay_token(relay: &RelaySettings) -> Result<Secret, SecretError> {
    Slot::relay_token(relay).read_keyring()
}

/// Stores this desktop's relay token in the keyring.
pub fn store_relay_token(relay: &RelaySettings, token: &Secret) -> Result<(), SecretError> {
    Slot::relay_token(relay).store(token)
}

/// Removes the relay token from the keyring; removing a missing one is not an error.
pub fn delete_relay_token(relay: &RelaySettings) -> Result<(), SecretError> {
    Slot::relay_token(relay).delete()
}

/// The Autodialer's key: `$CALLPOP_AUTODIALER_KEY` when set, else the keyring's.
pub fn autodialer_key(autodialer: &AutodialerSettings) -> Result<Secret, SecretError> {
    Slot::autodialer_key(autodialer).read()
}

/// The Autodialer's key from the keyring only.
pub fn keyring_autodialer_key(autodialer: &AutodialerSettings) -> Result<Secret, SecretError> {
    Slot::autodialer_key(autodialer).read_keyring()
}

/// Stores the Autodialer's key in the keyring.
pub fn store_autodialer_key(
    autodialer: &AutodialerSettings,
    key: &Secret,
) -> Result<(), SecretError> {
    Slot::autodialer_key(autodialer).store(key)
}

/// Removes the Autodialer's key from the keyring; removing a missing key is not an error.
pub fn delete_autodialer_key(autodialer: &AutodialerSettings) -> Result<(), SecretError> {
    Slot::autodialer_key(autodialer).delete()
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
            what: "API key",
            name: "vega:d".into(),
            flag: "",
            env: API_KEY_ENV,
        }
        .to_string();
        assert!(message.contains("callpop-cli key set"), "{message}");
    }

    #[test]
    fn missing_autodialer_key_names_its_command_and_variable() {
        let message = SecretError::Missing {
            what: "Autodialer key",
            name: "autodialer:h".into(),
            flag: AUTODIALER_FLAG,
            env: AUTODIALER_KEY_ENV,
        }
        .to_string();
        assert!(
            message.contains("callpop-cli autodial key set"),
            "{message}"
        );
        assert!(message.contains("CALLPOP_AUTODIALER_KEY"), "{message}");
        assert!(
            message.contains("separate from the PBX's CALLPOP_API_KEY"),
            "{message}"
        );
    }
}
