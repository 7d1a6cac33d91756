//! Windows come back where the user left them (tauri-plugin-window-state): the main window and
//! the settings window, never the caller card, which is placed per call in the corner of the
//! screen the mouse is on.
//!
//! The plugin writes its file only when the app exits normally; Callpop lives in the tray and is
//! mostly ended by a logout or a kill, so each move or resize is written too, once the window
//! has been still for a moment.
//!
//! The plugin writes every window it knows, and a window not shown yet (the main window is made
//! hidden, then shown) reports where GTK would put it, not where it was restored to: the place
//! of each window not shown since the start, as read then, is put back after each write.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use tauri::plugin::TauriPlugin;
use tauri::{AppHandle, Manager, Window, WindowEvent, Wry};
use tauri_plugin_window_state::{AppHandleExt, StateFlags};

/// What is remembered: not the visibility (the app starts in the tray, its windows hidden), not
/// the decorations (always the same).
const REMEMBERED: StateFlags = StateFlags::SIZE
    .union(StateFlags::POSITION)
    .union(StateFlags::MAXIMIZED);
/// How long a window must be still before its place is written (a drag sends many moves).
const QUIET_BEFORE_SAVE: Duration = Duration::from_millis(500);
/// The file, beside the config file: one per configuration, like the app itself.
const FILE_NAME: &str = "window-state.json";

/// The places as they were at the start, and which windows have been seen on screen since.
#[derive(Default)]
pub struct WindowPlaces {
    /// Counts moves and resizes, so only the last of a burst writes the file.
    changes: AtomicU64,
    /// The file; `None`: the plugin's default place (no config path), left to the plugin alone.
    file: Option<PathBuf>,
    /// The file's windows as read at the start, by label.
    at_start: serde_json::Map<String, serde_json::Value>,
    /// Windows shown since the start: their reported places are real.
    shown: Mutex<HashSet<String>>,
}

impl WindowPlaces {
    /// Reads the places saved by the last run.
    pub fn load() -> WindowPlaces {
        let file = file();
        let at_start = file
            .as_ref()
            .and_then(|path| std::fs::read_to_string(path).ok())
            .and_then(|text| serde_json::from_str(&text).ok())
            .unwrap_or_default();
        WindowPlaces {
            file,
            at_start,
            ..WindowPlaces::default()
        }
    }
}

/// The window-state plugin, keeping every window's place but the card's.
pub fn plugin() -> TauriPlugin<Wry> {
    let mut builder = tauri_plugin_window_state::Builder::new()
        .with_state_flags(REMEMBERED)
        .with_denylist(&[crate::card::CARD_WINDOW]);
    // An absolute file name replaces the plugin's directory (the app's identifier's config dir).
    if let Some(file) = file() {
        builder = builder.with_filename(file.to_string_lossy());
    }
    builder.build()
}

/// Where `label`'s window was last saved, as the window-state plugin puts it back when the window
/// is made: `(x, y, width, height)` in physical pixels. Read from the file, since a window not
/// shown yet reports no reliable place on Linux.
pub fn saved_place(label: &str) -> Option<(i32, i32, u32, u32)> {
    let text = std::fs::read_to_string(file()?).ok()?;
    let places: serde_json::Value = serde_json::from_str(&text).ok()?;
    let place = places.get(label)?;
    let number = |key: &str| place.get(key).and_then(serde_json::Value::as_i64);
    Some((
        i32::try_from(number("x")?).ok()?,
        i32::try_from(number("y")?).ok()?,
        u32::try_from(number("width")?).ok()?,
        u32::try_from(number("height")?).ok()?,
    ))
}

/// Beside the config file: one per configuration, like the app itself.
fn file() -> Option<PathBuf> {
    match callpop_core::Config::default_path() {
        Ok(config) => Some(config.with_file_name(FILE_NAME)),
        Err(e) => {
            tracing::warn!("window places kept in the app's config directory: {e}");
            None
        }
    }
}

/// Writes the windows' places a moment after a window stopped moving or was closed
/// (`tauri::Builder::on_window_event`).
pub fn on_window_event(window: &Window, event: &WindowEvent) {
    if window.label() == crate::card::CARD_WINDOW {
        return;
    }
    if !matches!(
        event,
        WindowEvent::Moved(_) | WindowEvent::Resized(_) | WindowEvent::CloseRequested { .. }
    ) {
        return;
    }
    let app = window.app_handle().clone();
    if window.is_visible().unwrap_or(false) {
        app.state::<WindowPlaces>()
            .shown
            .lock()
            .expect("shown lock")
            .insert(window.label().to_owned());
    }
    let change = app
        .state::<WindowPlaces>()
        .changes
        .fetch_add(1, Ordering::SeqCst)
        + 1;
    tauri::async_runtime::spawn(async move {
        tokio::time::sleep(QUIET_BEFORE_SAVE).await;
        if app.state::<WindowPlaces>().changes.load(Ordering::SeqCst) == change {
            // On the main thread: the plugin holds its lock while it asks each window where it
            // is, and from another thread each question waits for the main thread — which,
            // when it is making a window just then (the settings opening), waits for that lock
            // to restore the new window's place. The app froze for good.
            let on_main = app.clone();
            if let Err(e) = app.run_on_main_thread(move || save(&on_main)) {
                tracing::warn!("cannot save where the windows are: {e}");
            }
        }
    });
}

/// After the plugin's own write when the app quits (`RunEvent::Exit`): puts back the places of
/// windows never shown.
pub fn on_exit(app: &AppHandle) {
    keep_places_of_hidden_windows(app);
}

fn save(app: &AppHandle) {
    for (label, window) in app.webview_windows() {
        if window.is_visible().unwrap_or(false) {
            app.state::<WindowPlaces>()
                .shown
                .lock()
                .expect("shown lock")
                .insert(label);
        }
    }
    let file = app.state::<WindowPlaces>().file.clone();
    match write_places(file.as_deref(), || app.save_window_state(REMEMBERED)) {
        Ok(()) => keep_places_of_hidden_windows(app),
        Err(e) => tracing::warn!("cannot save where the windows are: {e}"),
    }
}

/// Runs `write` (the plugin's write of `file`) once `file`'s directory exists. The plugin makes
/// only its own default directory, and on a fresh profile the config's directory, where the
/// file lives, is not there yet: the wizard has saved nothing so far.
fn write_places<E: std::fmt::Display>(
    file: Option<&Path>,
    write: impl FnOnce() -> Result<(), E>,
) -> Result<(), String> {
    if let Some(dir) = file.and_then(Path::parent) {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    write().map_err(|e| e.to_string())
}

/// Rewrites the file with the start's place of each window not shown since.
fn keep_places_of_hidden_windows(app: &AppHandle) {
    let places = app.state::<WindowPlaces>();
    let Some(path) = &places.file else {
        return;
    };
    let written: Option<serde_json::Map<String, serde_json::Value>> = std::fs::read_to_string(path)
        .ok()
        .and_then(|text| serde_json::from_str(&text).ok());
    let Some(mut written) = written else {
        return;
    };
    let shown = places.shown.lock().expect("shown lock").clone();
    let mut changed = false;
    for (label, place) in &places.at_start {
        if !shown.contains(label) && written.get(label) != Some(place) {
            written.insert(label.clone(), place.clone());
            changed = true;
        }
    }
    if !changed {
        return;
    }
    let text = serde_json::to_vec_pretty(&written).expect("JSON values always serialise");
    if let Err(e) = std::fs::write(path, text) {
        tracing::warn!(
            "cannot save where the windows are ({}): {e}",
            path.display()
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn on_a_fresh_profile_the_places_are_written_into_a_directory_made_first() {
        let home = std::env::temp_dir().join(format!("callpop-places-{}", std::process::id()));
        // The config's directory does not exist before the first save.
        let file = home.join(".config/callpop").join(FILE_NAME);
        let written = write_places(Some(&file), || std::fs::write(&file, "{}"));
        let read = std::fs::read_to_string(&file).ok();
        let _ = std::fs::remove_dir_all(&home);
        assert_eq!(written, Ok(()));
        assert_eq!(read.as_deref(), Some("{}"));
    }

    #[test]
    fn a_write_that_fails_says_why() {
        let written = write_places(None, || Err("disk full"));
        assert_eq!(written, Err("disk full".to_owned()));
    }
}
