//! Reads and changes the config file for the settings window, one change at a time: a change
//! reads the file as it is now, so what the main window ("me") or a person wrote meanwhile is
//! kept.

use std::path::PathBuf;
use std::sync::Mutex;

use callpop_core::Config;

use crate::command_error::CommandError;

/// Two changes at once would each write their own copy: the later would undo the earlier.
static EDITING: Mutex<()> = Mutex::new(());

/// Where the config file is.
pub fn path() -> Result<PathBuf, CommandError> {
    Config::default_path().map_err(CommandError::from)
}

/// The config as the file says now.
pub fn read() -> Result<Config, CommandError> {
    Config::load_from(&path()?).map_err(CommandError::from)
}

/// Applies `change` to the config in the file and writes it back, unless `change` fails.
pub fn edit<T>(
    change: impl FnOnce(&mut Config) -> Result<T, CommandError>,
) -> Result<T, CommandError> {
    let _one_at_a_time = EDITING
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let path = path()?;
    let mut config = Config::load_from(&path).map_err(CommandError::from)?;
    let outcome = change(&mut config)?;
    config.save_to(&path).map_err(CommandError::from)?;
    Ok(outcome)
}
