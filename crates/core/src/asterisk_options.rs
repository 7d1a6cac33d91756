//! The two Asterisk settings that are one of a few words: read into enums when the config is
//! loaded, so a typo is refused there with the words allowed, and no code downstream compares
//! strings. Case and spaces are forgiven (`"ARI"`), as they were when these were strings.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// How Callpop talks to Asterisk (`asterisk_interface`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(try_from = "String", into = "&'static str")]
pub enum AsteriskInterface {
    /// The manager interface over TCP (`tcp://HOST:5038`); the default.
    #[default]
    Ami,
    /// The REST interface and its events WebSocket (`http://HOST:8088`).
    Ari,
}

/// Where Asterisk keeps Do-Not-Disturb (`dnd_via`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(try_from = "String", into = "&'static str")]
pub enum DndStore {
    /// Presence state `CustomPresence:EXT` (`dnd` / `available`); changes are followed. The
    /// default.
    #[default]
    Presence,
    /// FreePBX's AstDB key `DND/EXT` = `YES`.
    AstDb,
}

/// A setting's value that is none of its words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{setting} = {value:?} is not a choice: write {allowed}")]
pub struct UnknownChoice {
    /// The setting's name.
    pub setting: &'static str,
    /// What was written.
    pub value: String,
    /// The words allowed, for the message.
    pub allowed: &'static str,
}

/// Reads `value` as one of `choices` (case and surrounding spaces ignored; empty is the
/// default).
fn choose<T: Copy + Default>(
    setting: &'static str,
    allowed: &'static str,
    choices: &[(&str, T)],
    value: &str,
) -> Result<T, UnknownChoice> {
    let word = value.trim().to_ascii_lowercase();
    if word.is_empty() {
        return Ok(T::default());
    }
    choices
        .iter()
        .find(|(name, _)| *name == word)
        .map(|(_, choice)| *choice)
        .ok_or_else(|| UnknownChoice {
            setting,
            value: value.to_owned(),
            allowed,
        })
}

impl AsteriskInterface {
    /// The word the config file uses.
    pub fn as_str(self) -> &'static str {
        match self {
            AsteriskInterface::Ami => "ami",
            AsteriskInterface::Ari => "ari",
        }
    }
}

impl DndStore {
    /// The word the config file uses.
    pub fn as_str(self) -> &'static str {
        match self {
            DndStore::Presence => "presence",
            DndStore::AstDb => "astdb",
        }
    }
}

impl FromStr for AsteriskInterface {
    type Err = UnknownChoice;

    fn from_str(value: &str) -> Result<Self, UnknownChoice> {
        use AsteriskInterface::*;
        choose(
            "asterisk_interface",
            "\"ami\" or \"ari\"",
            &[("ami", Ami), ("ari", Ari)],
            value,
        )
    }
}

impl FromStr for DndStore {
    type Err = UnknownChoice;

    fn from_str(value: &str) -> Result<Self, UnknownChoice> {
        use DndStore::*;
        let choices = [("presence", Presence), ("astdb", AstDb)];
        choose("dnd_via", "\"presence\" or \"astdb\"", &choices, value)
    }
}

impl TryFrom<String> for AsteriskInterface {
    type Error = UnknownChoice;

    fn try_from(value: String) -> Result<Self, UnknownChoice> {
        value.parse()
    }
}

impl TryFrom<String> for DndStore {
    type Error = UnknownChoice;

    fn try_from(value: String) -> Result<Self, UnknownChoice> {
        value.parse()
    }
}

impl From<AsteriskInterface> for &'static str {
    fn from(value: AsteriskInterface) -> &'static str {
        value.as_str()
    }
}

impl From<DndStore> for &'static str {
    fn from(value: DndStore) -> &'static str {
        value.as_str()
    }
}

impl fmt::Display for AsteriskInterface {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for DndStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_read_forgiving_case_and_an_empty_one_is_the_default() {
        assert_eq!("ARI ".parse(), Ok(AsteriskInterface::Ari));
        assert_eq!("".parse(), Ok(AsteriskInterface::Ami));
        assert_eq!("AstDB".parse(), Ok(DndStore::AstDb));
        let error = "sip".parse::<AsteriskInterface>().unwrap_err();
        assert_eq!(
            error.to_string(),
            "asterisk_interface = \"sip\" is not a choice: write \"ami\" or \"ari\""
        );
    }

    #[test]
    fn a_config_value_round_trips_as_its_word() {
        #[derive(Serialize, Deserialize, PartialEq, Debug)]
        struct Form {
            dnd_via: DndStore,
        }
        let form: Form = toml::from_str("dnd_via = \"astdb\"").unwrap();
        assert_eq!(form.dnd_via, DndStore::AstDb);
        assert_eq!(
            toml::to_string(&form).unwrap().trim(),
            "dnd_via = \"astdb\""
        );
        let error = toml::from_str::<Form>("dnd_via = \"db\"").unwrap_err();
        assert!(
            error.to_string().contains("\"presence\" or \"astdb\""),
            "{error}"
        );
    }
}
