//! The tray icon and its menu. On Linux a tray icon gets no click events, so everything the tray
//! offers is in its menu.

use tauri::image::Image;
use tauri::menu::{Menu, MenuItem, PredefinedMenuItem};
use tauri::tray::TrayIconBuilder;
use tauri::{AppHandle, Manager, Wry};

use crate::state::Status;

const TRAY_ID: &str = "callpop";
const ICON_ONLINE: &[u8] = include_bytes!("../../icons/tray-online.png");
const ICON_OFFLINE: &[u8] = include_bytes!("../../icons/tray-offline.png");

/// The menu item that shows the connection status; kept to update its text.
struct StatusItem(MenuItem<Wry>);

/// Tray texts in the OS language.
struct Texts {
    starting: &'static str,
    open: &'static str,
    quit: &'static str,
    demo: &'static str,
    online: &'static str,
    error: &'static str,
}

fn texts() -> Texts {
    let russian = sys_locale::get_locale().is_some_and(|l| l.starts_with("ru"));
    if russian {
        Texts {
            starting: "Подключение…",
            open: "Открыть Callpop",
            quit: "Выход",
            demo: "Демо-режим",
            online: "На связи",
            error: "Нет связи",
        }
    } else {
        Texts {
            starting: "Connecting…",
            open: "Open Callpop",
            quit: "Quit",
            demo: "Demo mode",
            online: "Online",
            error: "Offline",
        }
    }
}

/// Creates the tray icon with its menu.
pub fn create(app: &AppHandle) -> tauri::Result<()> {
    let t = texts();
    let status = MenuItem::with_id(app, "status", t.starting, false, None::<&str>)?;
    let open = MenuItem::with_id(app, "open", t.open, true, None::<&str>)?;
    let quit = MenuItem::with_id(app, "quit", t.quit, true, None::<&str>)?;
    let menu = Menu::with_items(
        app,
        &[&status, &PredefinedMenuItem::separator(app)?, &open, &quit],
    )?;
    TrayIconBuilder::with_id(TRAY_ID)
        .icon(Image::from_bytes(ICON_OFFLINE)?)
        .tooltip("Callpop")
        .menu(&menu)
        .show_menu_on_left_click(true)
        .on_menu_event(|app, event| match event.id.as_ref() {
            "open" => open_main_window(app),
            "quit" => app.exit(0),
            _ => {}
        })
        .build(app)?;
    app.manage(StatusItem(status));
    Ok(())
}

/// Shows the main window and brings it forward.
pub fn open_main_window(app: &AppHandle) {
    if let Some(window) = app.get_webview_window("main") {
        let _ = window
            .show()
            .and_then(|_| window.unminimize())
            .and_then(|_| window.set_focus());
    }
}

/// Reflects the connection status in the tray's icon, tooltip and menu.
pub fn show_status(app: &AppHandle, status: &Status) {
    let t = texts();
    let (icon, label) = match status.state.as_str() {
        "online" if status.demo => (ICON_ONLINE, format!("{} · {}", t.online, t.demo)),
        "online" => (
            ICON_ONLINE,
            format!(
                "{} · {}",
                t.online,
                status.account.clone().unwrap_or_default()
            ),
        ),
        "error" => (
            ICON_OFFLINE,
            format!("{}: {}", t.error, status.error.clone().unwrap_or_default()),
        ),
        _ => (ICON_OFFLINE, t.starting.to_owned()),
    };
    if let Some(tray) = app.tray_by_id(TRAY_ID) {
        let _ = Image::from_bytes(icon).and_then(|image| tray.set_icon(Some(image)));
        let _ = tray.set_tooltip(Some(format!("Callpop — {label}")));
    }
    if let Some(item) = app.try_state::<StatusItem>() {
        // Menu labels are one line; a long error is cut, the main window shows it whole.
        let short: String = label.chars().take(80).collect();
        let _ = item.0.set_text(short);
    }
}
