//! The one error every command answers with: a `kind` the windows can branch on and a
//! `message` already in the user's language (`user_error`), which they show as it is. A
//! problem with one field of a form also names the `field`, so the window puts the message
//! under it.

use std::fmt::Display;

use callpop_core::config::ConfigError;
use callpop_core::secrets::SecretError;
use callpop_core::StoreError;
use callpop_providers::recording::RecordingError;
use callpop_providers::{HasProblem, Problem, ProviderError};
use serde::Serialize;

use crate::user_error;

/// What a command failed on, for the windows to branch on (`ui/api.js` lists them too).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// Something typed or picked is missing or malformed; `field` names it when one is.
    Invalid,
    /// The app is still connecting to the PBX or opening the directory: try again shortly.
    NotReady,
    /// The PBX failed, refused or could not be reached.
    Pbx,
    /// The PBX does not offer this.
    NotOffered,
    /// The Autodialer failed or is not set up.
    Autodialer,
    /// The OS keyring.
    Keyring,
    /// The config file could not be read or written.
    ConfigFile,
    /// The contact directory, or a file imported into it.
    Directory,
    /// The desktop refused: the browser, starting at login, the phone-link handler.
    Desktop,
}

/// A command's failure as the window gets it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CommandError {
    /// What failed.
    pub kind: ErrorKind,
    /// What to tell the user, in their language.
    pub message: String,
    /// The form field at fault (`domain`, `key`...), when one is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<&'static str>,
}

impl CommandError {
    /// A failure of `kind` saying `message`.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> CommandError {
        CommandError {
            kind,
            message: message.into(),
            field: None,
        }
    }

    /// The form field `field` is at fault: `message` says why.
    pub fn field(field: &'static str, message: impl Into<String>) -> CommandError {
        CommandError {
            field: Some(field),
            ..CommandError::new(ErrorKind::Invalid, message)
        }
    }

    /// "Not connected to a PBX yet".
    pub fn not_connected() -> CommandError {
        CommandError::new(ErrorKind::NotReady, user_error::not_connected())
    }

    /// "The directory is not open yet".
    pub fn directory_not_open() -> CommandError {
        CommandError::new(ErrorKind::NotReady, user_error::directory_not_open())
    }

    /// An Autodialer `error`, its headline naming the Autodialer.
    pub fn autodialer<E: HasProblem + Display>(error: &E) -> CommandError {
        CommandError::new(
            ErrorKind::Autodialer,
            user_error::describe_autodialer(error),
        )
    }

    /// A library `error` in the user's words, its kind from its [`Problem`].
    fn described<E: HasProblem + Display>(error: &E) -> CommandError {
        let kind = match error.problem() {
            Problem::Keyring => ErrorKind::Keyring,
            Problem::ConfigFile => ErrorKind::ConfigFile,
            Problem::Directory => ErrorKind::Directory,
            Problem::NotOffered => ErrorKind::NotOffered,
            _ => ErrorKind::Pbx,
        };
        CommandError::new(kind, user_error::describe(error))
    }
}

impl From<ProviderError> for CommandError {
    fn from(error: ProviderError) -> CommandError {
        CommandError::described(&error)
    }
}

impl From<SecretError> for CommandError {
    fn from(error: SecretError) -> CommandError {
        CommandError::described(&error)
    }
}

impl From<StoreError> for CommandError {
    fn from(error: StoreError) -> CommandError {
        CommandError::described(&error)
    }
}

impl From<ConfigError> for CommandError {
    fn from(error: ConfigError) -> CommandError {
        CommandError::described(&error)
    }
}

impl From<RecordingError> for CommandError {
    fn from(error: RecordingError) -> CommandError {
        CommandError::described(&error)
    }
}

impl Display for CommandError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_gets_a_snake_case_kind_the_message_and_the_field_when_there_is_one() {
        let error = CommandError::field("domain", "Fill this in.");
        assert_eq!(
            serde_json::to_value(&error).unwrap(),
            serde_json::json!({ "kind": "invalid", "message": "Fill this in.", "field": "domain" })
        );
        let error = CommandError::new(ErrorKind::NotReady, "still starting");
        assert_eq!(
            serde_json::to_value(&error).unwrap(),
            serde_json::json!({ "kind": "not_ready", "message": "still starting" })
        );
    }
}
