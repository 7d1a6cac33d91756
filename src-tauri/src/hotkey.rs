//! The global hotkey that calls the number in the clipboard (`[desktop] call_clipboard_hotkey`).
//!
//! Pressing it reads the clipboard's text, finds a phone number in it and calls it like a `tel:`
//! link ([`crate::links::dial_all`]). A clipboard without a number, and a hotkey that cannot be
//! registered (bad syntax, taken by another program), are told in a desktop notification and kept
//! in [`HotkeyStatus`] for the settings window; neither stops the app.
//!
//! Global shortcuts need X11 (or Windows, macOS): Wayland gives applications no way to grab a
//! key, so there the hotkey is off and the status says so.

use std::sync::Mutex;

use callpop_core::dial_link::number_from_link;
use callpop_core::{Config, PhoneNumber};
use serde::Serialize;
use tauri::plugin::TauriPlugin;
use tauri::{AppHandle, Manager, Wry};
use tauri_plugin_global_shortcut::{GlobalShortcutExt, Shortcut, ShortcutState};

use crate::locale::{self, Language};
use crate::state::AppState;

/// The hotkey when the config names none. Three modifiers, because two clash: Ctrl+Alt+C is
/// "©" in Word and "ć" on Polish keyboards (AltGr is Ctrl+Alt on Windows), Ctrl+Shift+C copies
/// in terminals and opens the browsers' inspector; no desktop (GNOME, KDE, Xfce, Windows, macOS)
/// binds Ctrl+Alt+Shift+C.
pub const DEFAULT_HOTKEY: &str = "CommandOrControl+Alt+Shift+C";
/// Digits a number found inside other text needs at least (shorter runs are amounts, times).
const MIN_DIGITS_IN_TEXT: usize = 7;
/// How much of a clipboard without a number the message quotes.
const QUOTED_CHARS: usize = 60;

/// Which hotkey is in effect, or why none is.
#[derive(Debug, Clone, Default, Serialize)]
pub struct HotkeyStatus {
    /// The hotkey as configured (or the default), when registered.
    pub hotkey: Option<String>,
    /// Why the configured hotkey is not in effect, in words the user can act on; `None` when it
    /// is, or when the user turned it off.
    pub error: Option<String>,
}

/// The registered hotkey and its status, for the app's lifetime.
#[derive(Default)]
pub struct Hotkey {
    registered: Mutex<Option<Shortcut>>,
    status: Mutex<HotkeyStatus>,
}

/// The global-shortcut plugin, calling the clipboard's number when our hotkey is pressed.
pub fn plugin() -> TauriPlugin<Wry> {
    tauri_plugin_global_shortcut::Builder::new()
        .with_handler(|app, shortcut, event| {
            let ours = *app
                .state::<Hotkey>()
                .registered
                .lock()
                .expect("hotkey lock")
                == Some(*shortcut);
            if ours && event.state == ShortcutState::Pressed {
                call_clipboard(app);
            }
        })
        .build()
}

/// Reads `[desktop] call_clipboard_hotkey` again and (re)registers the hotkey. Never fails: what
/// goes wrong is logged, notified and kept in [`status`].
pub fn apply(app: &AppHandle) {
    let wanted = match Config::load() {
        Ok(config) => config
            .desktop
            .and_then(|desktop| desktop.call_clipboard_hotkey)
            .unwrap_or_else(|| DEFAULT_HOTKEY.to_owned()),
        Err(e) => {
            tracing::warn!("the hotkey stays as it was: {e}");
            return;
        }
    };
    let wanted = wanted.trim().to_owned();
    let state = app.state::<Hotkey>();
    let previous = state.registered.lock().expect("hotkey lock").take();
    if let Some(previous) = previous {
        if let Err(e) = app.global_shortcut().unregister(previous) {
            tracing::warn!("cannot release the previous hotkey: {e}");
        }
    }
    let texts = texts(locale::language());
    let status = if wanted.is_empty() {
        tracing::info!("no hotkey for calling the clipboard's number (turned off)");
        HotkeyStatus::default()
    } else if on_wayland() {
        tracing::info!("global hotkeys are not available on Wayland: {wanted} is off");
        HotkeyStatus {
            hotkey: None,
            error: Some(texts.wayland.to_owned()),
        }
    } else {
        match register(app, &wanted, &texts) {
            Ok(()) => {
                tracing::info!("{wanted} calls the number in the clipboard");
                HotkeyStatus {
                    hotkey: Some(wanted.clone()),
                    error: None,
                }
            }
            Err(message) => {
                tracing::warn!("{message}");
                crate::notify::message(app, texts.hotkey_failed.to_owned(), message.clone());
                HotkeyStatus {
                    hotkey: None,
                    error: Some(message),
                }
            }
        }
    };
    *state.status.lock().expect("hotkey lock") = status;
}

/// Which hotkey is in effect, or why none is.
pub fn status(app: &AppHandle) -> HotkeyStatus {
    app.state::<Hotkey>()
        .status
        .lock()
        .expect("hotkey lock")
        .clone()
}

/// The hotkey in effect, or why none is (for the settings window).
#[tauri::command]
pub fn hotkey_status(app: AppHandle) -> HotkeyStatus {
    status(&app)
}

fn register(app: &AppHandle, wanted: &str, texts: &Texts) -> Result<(), String> {
    let shortcut: Shortcut = wanted
        .parse()
        .map_err(|e| format!("{} ({e})", texts.bad_syntax.replace("{hotkey}", wanted)))?;
    app.global_shortcut().register(shortcut).map_err(|e| {
        // The library's words ("HotKey already registered: HotKey { mods: ... }") are for the
        // log, not for people.
        tracing::warn!("cannot register the hotkey {wanted}: {e}");
        texts.taken.replace("{hotkey}", wanted)
    })?;
    *app.state::<Hotkey>()
        .registered
        .lock()
        .expect("hotkey lock") = Some(shortcut);
    Ok(())
}

/// True when the app's windows are Wayland windows. Started with `GDK_BACKEND=x11` (XWayland)
/// the hotkey is registered, and works while an X11 window has the focus.
fn on_wayland() -> bool {
    let x11_forced = std::env::var("GDK_BACKEND").is_ok_and(|backend| backend.starts_with("x11"));
    let wayland_session = std::env::var("XDG_SESSION_TYPE")
        .is_ok_and(|kind| kind.eq_ignore_ascii_case("wayland"))
        || std::env::var_os("WAYLAND_DISPLAY").is_some_and(|display| !display.is_empty());
    wayland_session && !x11_forced
}

/// Calls the number in the clipboard, or says there is none.
pub fn call_clipboard(app: &AppHandle) {
    let app = app.clone();
    // The clipboard is read over X11 round trips: not on the event loop's thread.
    tauri::async_runtime::spawn_blocking(move || {
        let texts = texts(locale::language());
        let text = match arboard::Clipboard::new().and_then(|mut c| c.get_text()) {
            Ok(text) => text,
            Err(arboard::Error::ContentNotAvailable) => String::new(),
            Err(e) => {
                tracing::warn!("cannot read the clipboard: {e}");
                crate::notify::message(&app, texts.no_number.to_owned(), e.to_string());
                return;
            }
        };
        let region = app
            .state::<AppState>()
            .store()
            .map(|store| store.region().to_owned())
            .or_else(|| Config::load().ok().map(|c| c.region().to_owned()))
            .unwrap_or_else(|| callpop_core::phone::DEFAULT_REGION.to_owned());
        match number_in_text(&text, &region) {
            Some(number) => {
                tracing::info!("calling {} from the clipboard", number.display());
                crate::links::dial_all(&app, vec![number.key()]);
            }
            None => {
                tracing::info!("the hotkey was pressed without a number in the clipboard");
                let body = if text.trim().is_empty() {
                    texts.clipboard_empty.to_owned()
                } else {
                    quote(&text)
                };
                crate::notify::message(&app, texts.no_number.to_owned(), body);
            }
        }
    });
}

/// The phone number in a clipboard's text: the whole text when it is a number (an extension
/// too) or a `tel:`/`callto:` link, else the first run of digits and separators inside the text
/// that reads as an outside number (`Call Ivan: +7 (910) 123-45-67, thanks`).
pub fn number_in_text(text: &str, region: &str) -> Option<PhoneNumber> {
    let text = text.trim();
    let whole = number_from_link(text).or_else(|| number_from_link(&format!("tel:{text}")));
    if let Some(number) = whole {
        let number = PhoneNumber::parse(&number, region);
        if matches!(number, PhoneNumber::E164(_) | PhoneNumber::Extension(_)) {
            return Some(number);
        }
    }
    text.split(|c: char| !(c.is_ascii_digit() || " +-.()".contains(c)))
        .map(|run| run.trim_matches(|c: char| !(c.is_ascii_digit() || c == '+' || c == '(')))
        .filter(|run| run.chars().filter(char::is_ascii_digit).count() >= MIN_DIGITS_IN_TEXT)
        .filter_map(|run| number_from_link(&format!("tel:{run}")))
        .map(|run| PhoneNumber::parse(&run, region))
        .find(|number| number.e164().is_some())
}

/// The start of `text` on one line, quoted.
fn quote(text: &str) -> String {
    let line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut quoted: String = line.chars().take(QUOTED_CHARS).collect();
    if line.chars().count() > QUOTED_CHARS {
        quoted.push('…');
    }
    format!("«{quoted}»")
}

/// The hotkey's texts in the app's language.
struct Texts {
    no_number: &'static str,
    clipboard_empty: &'static str,
    hotkey_failed: &'static str,
    bad_syntax: &'static str,
    taken: &'static str,
    wayland: &'static str,
}

fn texts(language: Language) -> Texts {
    match language {
        Language::Russian => Texts {
            no_number: "В буфере обмена нет номера телефона",
            clipboard_empty: "Буфер обмена пуст: скопируйте номер и нажмите сочетание ещё раз",
            hotkey_failed: "Сочетание клавиш Callpop не работает",
            bad_syntax: "«{hotkey}» — не сочетание клавиш: пишите как CommandOrControl+Alt+Shift+C",
            taken: "{hotkey} занято другой программой: выберите другое сочетание в настройках",
            wayland: "В Wayland программы не могут назначать глобальные сочетания клавиш",
        },
        Language::English => Texts {
            no_number: "No phone number in the clipboard",
            clipboard_empty: "The clipboard is empty: copy a number and press the hotkey again",
            hotkey_failed: "Callpop's hotkey does not work",
            bad_syntax: "\"{hotkey}\" is not a hotkey: write it like CommandOrControl+Alt+Shift+C",
            taken: "{hotkey} is taken by another program: pick another hotkey in the settings",
            wayland: "On Wayland, applications cannot have global hotkeys",
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(text: &str) -> Option<String> {
        number_in_text(text, "RU").map(|n| n.key())
    }

    #[test]
    fn a_clipboard_that_is_a_number_or_a_link_is_that_number() {
        assert_eq!(
            found(" 8 (910) 123-45-67\n").as_deref(),
            Some("+79101234567")
        );
        assert_eq!(found("tel:+380442246595").as_deref(), Some("+380442246595"));
        assert_eq!(found("101").as_deref(), Some("101"));
    }

    #[test]
    fn a_number_inside_text_is_found() {
        assert_eq!(
            found("Позвонить Ивану: +7 (910) 123-45-67, после обеда").as_deref(),
            Some("+79101234567")
        );
        assert_eq!(
            found("call 8-495-111-22-33 at 10.30").as_deref(),
            Some("+74951112233")
        );
    }

    #[test]
    fn text_without_a_number_gives_none() {
        for text in [
            "",
            "   ",
            "hello",
            "встреча в 10.30",
            "12.03.2024",
            "итого 1500 руб.",
            "https://example.com/page",
        ] {
            assert_eq!(found(text), None, "{text:?}");
        }
    }

    #[test]
    fn a_long_clipboard_is_quoted_short_on_one_line() {
        assert_eq!(quote("a\n b"), "«a b»");
        let long = "x".repeat(100);
        assert_eq!(quote(&long).chars().count(), QUOTED_CHARS + 3);
    }
}
