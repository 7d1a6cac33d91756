//! The settings window and the first-run wizard (`ui/settings.html`): the PBX accounts (several
//! set up, one active), the relay, the language, the desktop's notifications and hotkey, and
//! starting at login.
//!
//! Keys and tokens go to the OS keyring only; the config file gets the rest. Each change reads
//! the file as it is, changes it ([`config_file::edit`]) and, when what the session runs on
//! changed (the active account, the relay), restarts the session ([`runtime::restart`]). A
//! language change redraws every window and the tray in the new language.

mod config_file;
mod connection_test;
mod draft;
mod field_problem;
mod links_handler;
mod provider_forms;

use callpop_core::config::DesktopSettings;
use callpop_core::secrets::{self, Secret, SecretError};
use callpop_core::{AccountConfig, Config, RelaySettings};
use serde::Serialize;
use tauri::{AppHandle, Manager, WebviewUrl, WebviewWindowBuilder};

use crate::command_error::{CommandError, ErrorKind};
use crate::locale::Language;
use crate::user_error::{fill, texts_now};
use crate::{runtime, tray};
pub use connection_test::ConnectionProof;
pub use draft::AccountDraft;
use field_problem::FieldProblem;
pub use provider_forms::ProviderView;

/// The settings window's label (`capabilities/default.json` lets it call the commands).
pub const WINDOW_LABEL: &str = "settings";

/// Opens the settings window, or brings it forward when it is open; `wizard`: the first-run
/// steps instead of the sections.
pub fn open_window(app: &AppHandle, wizard: bool) {
    if let Some(window) = app.get_webview_window(WINDOW_LABEL) {
        let _ = window
            .show()
            .and_then(|_| window.unminimize())
            .and_then(|_| window.set_focus());
        return;
    }
    let page = if wizard {
        "settings.html#wizard"
    } else {
        "settings.html"
    };
    let title = match crate::locale::language() {
        Language::Russian => "Callpop — настройки",
        Language::English => "Callpop — settings",
    };
    let built = WebviewWindowBuilder::new(app, WINDOW_LABEL, WebviewUrl::App(page.into()))
        .title(title)
        .inner_size(760.0, 620.0)
        .min_inner_size(MIN_WIDTH, 440.0)
        .center()
        // Placed clear of the caller card's corner first, then shown.
        .visible(false)
        .build();
    let window = match built {
        Ok(window) => window,
        Err(e) => {
            tracing::error!("cannot open the settings window: {e}");
            return;
        }
    };
    if let Err(e) = crate::placement::keep_clear_of_card(&window, MIN_WIDTH) {
        tracing::warn!("cannot place the settings window clear of the caller card: {e}");
    }
    if wizard {
        // The demo's calls wait while the wizard is open: its card would cover the wizard.
        crate::demo::hold(app, true);
        let app = app.clone();
        window.on_window_event(move |event| {
            if matches!(event, tauri::WindowEvent::Destroyed) {
                crate::demo::hold(&app, false);
            }
        });
    }
    if let Err(e) = window.show() {
        tracing::error!("cannot show the settings window: {e}");
    }
}

/// The settings window's narrowest (logical px): its forms' labels and fields side by side.
const MIN_WIDTH: f64 = 560.0;

/// On the first run (no config file yet) the wizard opens over the running demo.
pub fn open_on_first_run(app: &AppHandle) {
    match config_file::path() {
        Ok(path) if !path.exists() => {
            tracing::info!("no {}: first run, opening the wizard", path.display());
            open_window(app, true);
        }
        Ok(_) => {}
        Err(e) => tracing::warn!("{e}"),
    }
}

/// An account as the settings list shows it.
#[derive(Debug, Serialize)]
pub struct AccountRow {
    /// What the other commands call it by (`provider:domain`, also its keyring entry).
    pub id: String,
    /// Its settings.
    #[serde(flatten)]
    pub account: AccountConfig,
    /// The one the app works with now.
    pub active: bool,
    /// Its key is in the keyring.
    pub key_stored: bool,
}

/// The relay as the settings show it.
#[derive(Debug, Serialize)]
pub struct RelayRow {
    /// Its WebSocket URL.
    pub url: String,
    /// This desktop's token is in the keyring.
    pub token_stored: bool,
}

/// Everything the settings window shows.
#[derive(Debug, Serialize)]
pub struct SettingsView {
    /// The accounts, the active one first.
    pub accounts: Vec<AccountRow>,
    /// The relay, when events come through one.
    pub relay: Option<RelayRow>,
    /// `ru`, `en`, or none: the OS locale's.
    pub language: Option<String>,
    /// Missed-call notifications and the hotkey.
    pub desktop: DesktopSettings,
    /// The hotkey in effect, or why none is.
    pub hotkey: crate::hotkey::HotkeyStatus,
    /// The hotkey when none is configured.
    pub default_hotkey: &'static str,
    /// Callpop starts at login; `None` when that cannot be read (see `autostart_error`).
    pub autostart: Option<bool>,
    /// Why starting at login cannot be read or changed here.
    pub autostart_error: Option<String>,
    /// Callpop opens `tel:` and `callto:` links; `None` when that cannot be told here.
    pub links_handler: Option<bool>,
    /// Why the link handler cannot be read or changed here.
    pub links_handler_error: Option<String>,
    /// The config file, for people who prefer to edit it.
    pub config_path: String,
}

fn view(app: &AppHandle) -> Result<SettingsView, CommandError> {
    let config = config_file::read()?;
    let active = config.account.as_ref().map(AccountConfig::keyring_user);
    let accounts = config
        .accounts()
        .map(|account| AccountRow {
            id: account.keyring_user(),
            active: active.as_deref() == Some(account.keyring_user().as_str()),
            key_stored: secrets::keyring_api_key(account).is_ok(),
            account: account.clone(),
        })
        .collect();
    let relay = config.relay.as_ref().map(|relay| RelayRow {
        url: relay.url.clone(),
        token_stored: secrets::keyring_relay_token(relay).is_ok(),
    });
    let (autostart, autostart_error) = match crate::autostart::is_enabled(app) {
        Ok(on) => (Some(on), None),
        Err(e) => (None, Some(e)),
    };
    let (links_handler, links_handler_error) = match links_handler::status(app) {
        Ok(on) => (Some(on), None),
        Err(e) => (None, Some(e)),
    };
    Ok(SettingsView {
        links_handler,
        links_handler_error,
        accounts,
        relay,
        language: config.language.clone(),
        desktop: config.desktop.clone().unwrap_or_default(),
        hotkey: crate::hotkey::status(app),
        default_hotkey: crate::hotkey::DEFAULT_HOTKEY,
        autostart,
        autostart_error,
        config_path: config_file::path()?.display().to_string(),
    })
}

/// What the settings window shows.
#[tauri::command]
pub async fn settings_view(app: AppHandle) -> Result<SettingsView, CommandError> {
    view(&app)
}

/// The providers the settings offer, in the window's language: the wizard's choices and each
/// one's account form.
#[tauri::command]
pub fn providers() -> Vec<ProviderView> {
    provider_forms::all(crate::locale::language())
}

/// Opens the settings window (from another window).
#[tauri::command]
pub async fn open_settings(app: AppHandle) {
    open_window(&app, false);
}

/// Closes the settings window; `open_main`: shows the main window (after the wizard).
#[tauri::command]
pub async fn close_settings(app: AppHandle, open_main: bool) {
    if open_main {
        tray::open_main_window(&app);
    }
    if let Some(window) = app.get_webview_window(WINDOW_LABEL) {
        let _ = window.close();
    }
}

fn account_by_id(config: &Config, id: Option<&str>) -> Option<AccountConfig> {
    let id = id?;
    config.accounts().find(|a| a.keyring_user() == id).cloned()
}

/// The key typed in, else the one stored for this account (or for the account being edited,
/// when its provider or domain changed).
fn key_for(
    account: &AccountConfig,
    typed: Option<String>,
    previous: Option<&AccountConfig>,
) -> Result<Secret, CommandError> {
    if let Some(typed) = typed.map(|k| k.trim().to_owned()).filter(|k| !k.is_empty()) {
        return Ok(Secret::new(typed));
    }
    for stored in std::iter::once(account).chain(previous) {
        match secrets::keyring_api_key(stored) {
            Ok(key) => return Ok(key),
            Err(SecretError::Missing { .. }) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Err(FieldProblem::KeyRequired.at("key"))
}

/// Connects with the form's account and key, saving nothing, and proves it with one real call
/// to the PBX; answers with the employees "me" can be picked from, where the PBX lists them.
/// `key` may be left out when one is stored; `replaces`: the account being edited.
#[tauri::command]
pub async fn test_connection(
    draft: AccountDraft,
    key: Option<String>,
    replaces: Option<String>,
) -> Result<ConnectionProof, CommandError> {
    let config = config_file::read()?;
    let previous = account_by_id(&config, replaces.as_deref());
    let account = draft.to_account(previous.as_ref())?;
    let key = key_for(&account, key, previous.as_ref())?;
    connection_test::prove(&account, &key, config.region()).await
}

/// Saves the form's account: the key to the keyring, the rest to the config file. `replaces`:
/// the account being edited; `active`: the app switches to it. The session restarts when the
/// account it runs on changed.
#[tauri::command]
pub async fn save_account(
    app: AppHandle,
    draft: AccountDraft,
    key: Option<String>,
    replaces: Option<String>,
    active: bool,
) -> Result<SettingsView, CommandError> {
    let config = config_file::read()?;
    let previous = account_by_id(&config, replaces.as_deref());
    if replaces.is_some() && previous.is_none() {
        return Err(CommandError::new(
            ErrorKind::ConfigFile,
            texts_now().edited_account_gone,
        ));
    }
    let account = draft.to_account(previous.as_ref())?;
    let key = key_for(&account, key, previous.as_ref())?;
    // The key first: an account in the file without its key would fail at start.
    secrets::store_api_key(&account, &key)?;
    let (was_active, now_active) = config_file::edit(|config| {
        let was_active = config.account.clone();
        config
            .put_account(replaces.as_deref(), account.clone(), active)
            .map_err(|e| {
                tracing::info!("{e}");
                FieldProblem::DuplicateAccount.at("domain")
            })?;
        Ok((was_active, config.account.clone()))
    })?;
    if let Some(previous) = previous.filter(|p| p.keyring_user() != account.keyring_user()) {
        // Renamed: the old entry would only linger in the keyring.
        secrets::delete_api_key(&previous)?;
    }
    if was_active != now_active {
        runtime::restart(&app);
    }
    view(&app)
}

/// Makes the account `id` the one the app works with, and restarts the session on it.
#[tauri::command]
pub async fn use_account(app: AppHandle, id: String) -> Result<SettingsView, CommandError> {
    let changed = config_file::edit(|config| {
        let before = config.account.clone();
        if !config.use_account(&id) {
            return Err(CommandError::new(
                ErrorKind::ConfigFile,
                fill(texts_now().account_gone, &[("id", &id)]),
            ));
        }
        Ok(before != config.account)
    })?;
    if changed {
        runtime::restart(&app);
    }
    view(&app)
}

/// Removes the account `id` and its key. When it was the active one, the next account takes
/// over (none left: the demo).
#[tauri::command]
pub async fn remove_account(app: AppHandle, id: String) -> Result<SettingsView, CommandError> {
    let (removed, changed) = config_file::edit(|config| {
        let before = config.account.clone();
        let removed = config.remove_account(&id);
        Ok((removed, before != config.account))
    })?;
    if let Some(removed) = removed {
        secrets::delete_api_key(&removed)?;
    }
    if changed {
        runtime::restart(&app);
    }
    view(&app)
}

/// Events through a relay (`url` a `ws://` or `wss://` address, `token` this desktop's, to the
/// keyring), or none (`url` empty: the app polls the PBX). The session restarts on the change.
#[tauri::command]
pub async fn save_relay(
    app: AppHandle,
    url: String,
    token: Option<String>,
) -> Result<SettingsView, CommandError> {
    let url = url.trim().trim_end_matches('/').to_owned();
    let config = config_file::read()?;
    let previous = config.relay.clone();
    if url.is_empty() {
        config_file::edit(|config| {
            config.relay = None;
            Ok(())
        })?;
        if let Some(previous) = previous {
            secrets::delete_relay_token(&previous)?;
            runtime::restart(&app);
        }
        return view(&app);
    }
    let scheme_ok = ["ws://", "wss://"].iter().any(|scheme| {
        url.strip_prefix(scheme)
            .is_some_and(|rest| !rest.is_empty())
    });
    if !scheme_ok || url.contains(char::is_whitespace) {
        return Err(FieldProblem::NotAWebsocketAddress.at("relay_url"));
    }
    if config.account.is_none() {
        return Err(FieldProblem::RelayNeedsAccount.at("relay_url"));
    }
    if config.lan_relay.is_some() {
        return Err(CommandError::new(
            ErrorKind::ConfigFile,
            texts_now().runs_its_own_relay,
        ));
    }
    let relay = RelaySettings { url };
    let typed = token.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty());
    let token = match typed {
        Some(token) => Secret::new(token),
        None => {
            let mut stored = None;
            for candidate in std::iter::once(&relay).chain(previous.as_ref()) {
                match secrets::keyring_relay_token(candidate) {
                    Ok(token) => {
                        stored = Some(token);
                        break;
                    }
                    Err(SecretError::Missing { .. }) => {}
                    Err(e) => return Err(e.into()),
                }
            }
            stored.ok_or_else(|| FieldProblem::TokenRequired.at("relay_token"))?
        }
    };
    secrets::store_relay_token(&relay, &token)?;
    config_file::edit(|config| {
        config.relay = Some(relay.clone());
        Ok(())
    })?;
    if let Some(previous) = previous.filter(|p| p.url != relay.url) {
        secrets::delete_relay_token(&previous)?;
    }
    runtime::restart(&app);
    view(&app)
}

/// The app's language: `ru`, `en`, or none (the OS locale's). Every window and the tray are
/// redrawn in it at once.
#[tauri::command]
pub async fn set_language(app: AppHandle, language: Option<String>) -> Result<(), CommandError> {
    let language = language.filter(|code| !code.trim().is_empty());
    if language
        .as_deref()
        .is_some_and(|code| !matches!(code, "ru" | "en"))
    {
        return Err(FieldProblem::ChooseOne.at("language"));
    }
    config_file::edit(|config| {
        config.language = language;
        Ok(())
    })?;
    tray::refresh(&app);
    // Each window asks for its language when it loads; reloading redraws it whole, and every
    // window (also ones added later) gets it without listening for anything.
    for window in app.webview_windows().values() {
        if let Err(e) = window.eval("window.location.reload()") {
            tracing::warn!("cannot redraw the {} window: {e}", window.label());
        }
    }
    Ok(())
}

/// Missed-call notifications on or off, and the hotkey that calls the number in the clipboard
/// (`hotkey` none: the app's default; empty: no hotkey).
#[tauri::command]
pub async fn save_desktop(
    app: AppHandle,
    missed_call_notifications: bool,
    hotkey: Option<String>,
) -> Result<SettingsView, CommandError> {
    let hotkey = hotkey.map(|h| h.trim().to_owned());
    if hotkey
        .as_deref()
        .is_some_and(|h| h.split('+').any(|part| part.trim().is_empty()) && !h.is_empty())
    {
        return Err(FieldProblem::NotAHotkey.at("hotkey"));
    }
    config_file::edit(|config| {
        config.desktop = Some(DesktopSettings {
            missed_call_notifications: Some(missed_call_notifications),
            call_clipboard_hotkey: hotkey,
        });
        Ok(())
    })?;
    crate::hotkey::apply(&app);
    view(&app)
}

/// Starts Callpop at login or not (an XDG autostart entry on Linux); answers with what is
/// set now.
#[tauri::command]
pub async fn set_autostart(app: AppHandle, on: bool) -> Result<bool, CommandError> {
    let texts = texts_now();
    let desktop = |text, error: String| {
        CommandError::new(ErrorKind::Desktop, fill(text, &[("error", &error)]))
    };
    crate::autostart::set(&app, on).map_err(|e| desktop(texts.autostart_not_changed, e))?;
    crate::autostart::is_enabled(&app).map_err(|e| desktop(texts.autostart_unreadable, e))
}

/// Makes Callpop the desktop's handler of `tel:` and `callto:` links, or not; answers with what
/// is set now.
#[tauri::command]
pub async fn set_links_handler(app: AppHandle, on: bool) -> Result<bool, CommandError> {
    links_handler::set(&app, on).map_err(|e| {
        CommandError::new(
            ErrorKind::Desktop,
            fill(texts_now().links_handler_not_changed, &[("error", &e)]),
        )
    })
}
