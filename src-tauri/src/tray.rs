//! The tray icon and its menu. On Linux a tray icon gets no click events, so everything the tray
//! offers is in its menu (on Windows a left click also opens the main window): the connection
//! status, Do-Not-Disturb, the departments whose calls "me" receives, Open and Quit.
//!
//! The menu is drawn each time the status or the presence changes, from what it was last given:
//! what the PBX last said, with the changes the user clicked that the PBX has not answered yet
//! ([`crate::toggle_intent`]), so a checkbox keeps the tick GTK gave it at the click.
//!
//! The tray only draws and reports: what a menu item does is the [`MenuChoice`] handler's, given
//! at [`create`], so the tray depends on no module that acts (the settings, the calls, DND).

use std::sync::Mutex;

use callpop_session::ConnectionState;
use tauri::image::Image;
use tauri::menu::{CheckMenuItem, IsMenuItem, Menu, MenuItem, PredefinedMenuItem, Submenu};
use tauri::tray::{MouseButton, MouseButtonState, TrayIconBuilder, TrayIconEvent};
use tauri::{AppHandle, Manager, Wry};

use crate::availability::Presence;
use crate::state::{AppState, Status};
use crate::toggle_intent::Toggle;

const TRAY_ID: &str = "callpop";
/// Menu ids; a department's toggle is `GROUP_PREFIX` + its id.
const DND_ID: &str = "dnd";
const GROUP_PREFIX: &str = "group:";
/// A recent call's item is `CALL_BACK_PREFIX` + the number to call.
const CALL_BACK_PREFIX: &str = "callback:";
/// How many recent calls the tray lists.
const RECENT_CALLS_SHOWN: usize = 5;

/// Tray texts in the OS language.
struct Texts {
    starting: &'static str,
    open: &'static str,
    settings: &'static str,
    quit: &'static str,
    demo: &'static str,
    online: &'static str,
    error: &'static str,
    dnd: &'static str,
    groups: &'static str,
    recent: &'static str,
}

fn texts() -> Texts {
    let russian = crate::locale::language() == crate::locale::Language::Russian;
    if russian {
        Texts {
            starting: "Подключение…",
            open: "Открыть Callpop",
            settings: "Настройки…",
            quit: "Выход",
            demo: "Демо-режим",
            online: "На связи",
            error: "Нет связи",
            dnd: "Не беспокоить",
            groups: "Звонки отделов",
            recent: "Последние звонки",
        }
    } else {
        Texts {
            starting: "Connecting…",
            open: "Open Callpop",
            settings: "Settings…",
            quit: "Quit",
            demo: "Demo mode",
            online: "Online",
            error: "Offline",
            dnd: "Do not disturb",
            groups: "Department calls",
            recent: "Recent calls",
        }
    }
}

/// The tray icon's pictures: the status's colour.
#[derive(Clone, Copy)]
enum Picture {
    Online,
    Offline,
    Dnd,
}

impl Picture {
    /// Linux panels scale a 64 px picture down smoothly.
    #[cfg(not(windows))]
    fn png(self, _app: &AppHandle) -> &'static [u8] {
        match self {
            Picture::Online => include_bytes!("../../icons/tray-online.png"),
            Picture::Offline => include_bytes!("../../icons/tray-offline.png"),
            Picture::Dnd => include_bytes!("../../icons/tray-dnd.png"),
        }
    }

    /// Windows draws the notification area's icons at 16 px × the display's scaling and blurs a
    /// picture of another size: each is drawn at 16, 20, 24 and 32 px (100 to 200 %).
    #[cfg(windows)]
    fn png(self, app: &AppHandle) -> &'static [u8] {
        let scale = app
            .primary_monitor()
            .ok()
            .flatten()
            .map_or(1.0, |monitor| monitor.scale_factor());
        let size = [16, 20, 24, 32]
            .into_iter()
            .find(|&size| f64::from(size) >= 16.0 * scale - 0.5)
            .unwrap_or(32);
        macro_rules! sizes {
            ($name:literal) => {
                match size {
                    16 => include_bytes!(concat!("../../icons/tray-", $name, "-16.png")).as_slice(),
                    20 => include_bytes!(concat!("../../icons/tray-", $name, "-20.png")),
                    24 => include_bytes!(concat!("../../icons/tray-", $name, "-24.png")),
                    _ => include_bytes!(concat!("../../icons/tray-", $name, "-32.png")),
                }
            };
        }
        match self {
            Picture::Online => sizes!("online"),
            Picture::Offline => sizes!("offline"),
            Picture::Dnd => sizes!("dnd"),
        }
    }
}

/// What the user picked in the tray's menu.
pub enum MenuChoice {
    /// "Open Callpop".
    Open,
    /// "Settings…".
    Settings,
    /// "Quit".
    Quit,
    /// A DND or department checkbox: flip what it showed.
    Flip(Toggle),
    /// A recent call: call this number back.
    CallBack(String),
}

/// What the tray shows now: the last status and presence it was given.
#[derive(Default)]
struct Shown(Mutex<(Status, Presence)>);

/// Creates the tray icon with its menu; `react` does what the user picks in it.
pub fn create(app: &AppHandle, react: fn(&AppHandle, MenuChoice)) -> tauri::Result<()> {
    app.manage(Shown::default());
    let menu = build_menu(app, &Status::default(), &Presence::default())?;
    TrayIconBuilder::with_id(TRAY_ID)
        .icon(Image::from_bytes(Picture::Offline.png(app))?)
        .tooltip("Callpop")
        .menu(&menu)
        // Windows delivers clicks: the left one opens the window, the right one the menu. Linux
        // delivers none, so there the menu comes on any click.
        .show_menu_on_left_click(!cfg!(windows))
        .on_tray_icon_event(|tray, event| {
            if let TrayIconEvent::Click {
                button: MouseButton::Left,
                button_state: MouseButtonState::Up,
                ..
            } = event
            {
                open_main_window(tray.app_handle());
            }
        })
        .on_menu_event(move |app, event| {
            if let Some(choice) = menu_choice(event.id.as_ref()) {
                react(app, choice);
            }
        })
        .build(app)?;
    Ok(())
}

/// The choice a menu item's id stands for; `None` for items that do nothing (the status line).
fn menu_choice(id: &str) -> Option<MenuChoice> {
    match id {
        "open" => Some(MenuChoice::Open),
        "settings" => Some(MenuChoice::Settings),
        "quit" => Some(MenuChoice::Quit),
        DND_ID => Some(MenuChoice::Flip(Toggle::Dnd)),
        _ => {
            if let Some(number) = id.strip_prefix(CALL_BACK_PREFIX) {
                return Some(MenuChoice::CallBack(number.to_owned()));
            }
            id.strip_prefix(GROUP_PREFIX)
                .map(|group| MenuChoice::Flip(Toggle::Group(group.to_owned())))
        }
    }
}

/// The menu for this status and presence.
fn build_menu(app: &AppHandle, status: &Status, presence: &Presence) -> tauri::Result<Menu<Wry>> {
    let t = texts();
    // Menu labels are one line; a long error is cut, the main window shows it whole.
    let label: String = status_label(&t, status).chars().take(80).collect();
    let status_item = MenuItem::with_id(app, "status", label, false, None::<&str>)?;
    let dnd_text = match &presence.dnd_unavailable {
        Some(_) => format!("{} —", t.dnd),
        None => t.dnd.to_owned(),
    };
    let dnd = CheckMenuItem::with_id(
        app,
        DND_ID,
        dnd_text,
        presence.dnd.is_some(),
        presence.dnd == Some(true),
        None::<&str>,
    )?;
    let open = MenuItem::with_id(app, "open", t.open, true, None::<&str>)?;
    let settings = MenuItem::with_id(app, "settings", t.settings, true, None::<&str>)?;
    let quit = MenuItem::with_id(app, "quit", t.quit, true, None::<&str>)?;
    let separator = PredefinedMenuItem::separator(app)?;
    let separator2 = PredefinedMenuItem::separator(app)?;

    let mut group_items = Vec::new();
    for group in &presence.groups {
        group_items.push(CheckMenuItem::with_id(
            app,
            format!("{GROUP_PREFIX}{}", group.id),
            &group.name,
            true,
            group.on,
            None::<&str>,
        )?);
    }
    let groups = Submenu::with_id(app, "groups", t.groups, !group_items.is_empty())?;
    for item in &group_items {
        groups.append(item)?;
    }

    // Recent calls: a click calls the number back.
    let recent_calls = app
        .state::<AppState>()
        .store()
        .and_then(|store| store.recent_calls(RECENT_CALLS_SHOWN).ok())
        .unwrap_or_default();
    let mut recent_items = Vec::new();
    for call in recent_calls {
        let Some(number) = &call.customer else {
            continue;
        };
        let who = call
            .contact_name
            .clone()
            .unwrap_or_else(|| number.display());
        let when = call
            .started_at
            .with_timezone(&chrono::Local)
            .format("%d.%m %H:%M");
        recent_items.push(MenuItem::with_id(
            app,
            format!("{CALL_BACK_PREFIX}{}", number.key()),
            format!("{when}  {who}"),
            true,
            None::<&str>,
        )?);
    }
    let recent = Submenu::with_id(app, "recent", t.recent, !recent_items.is_empty())?;
    for item in &recent_items {
        recent.append(item)?;
    }

    let mut items: Vec<&dyn IsMenuItem<Wry>> = vec![&status_item, &separator, &dnd];
    if presence.groups_unavailable.is_none() {
        items.push(&groups);
    }
    items.extend([
        &recent as &dyn IsMenuItem<Wry>,
        &separator2,
        &open,
        &settings,
        &quit,
    ]);
    Menu::with_items(app, &items)
}

fn status_label(t: &Texts, status: &Status) -> String {
    match status.state {
        ConnectionState::Online if status.demo => format!("{} · {}", t.online, t.demo),
        ConnectionState::Online => format!(
            "{} · {}",
            t.online,
            status.account.clone().unwrap_or_default()
        ),
        ConnectionState::Error => {
            format!("{}: {}", t.error, status.error.clone().unwrap_or_default())
        }
        ConnectionState::Starting => t.starting.to_owned(),
    }
}

/// Shows the main window and brings it forward.
pub fn open_main_window(app: &AppHandle) {
    let window = match app.get_webview_window("main") {
        Some(window) => window,
        // Closed earlier: closing destroys it.
        None => match crate::state::create_main_window(app) {
            Ok(window) => window,
            Err(e) => {
                tracing::error!("cannot open the main window: {e}");
                return;
            }
        },
    };
    let _ = window
        .show()
        .and_then(|_| window.unminimize())
        .and_then(|_| window.set_focus());
}

/// Reflects the connection status in the tray's icon, tooltip and menu.
pub fn show_status(app: &AppHandle, status: &Status) {
    let presence = match app.try_state::<Shown>() {
        Some(shown) => {
            let mut shown = shown.0.lock().expect("tray lock");
            shown.0 = status.clone();
            shown.1.clone()
        }
        None => Presence::default(),
    };
    render(app, status, &presence);
}

/// Redraws the tray as things are now (after a call ended: the recent calls changed).
pub fn refresh(app: &AppHandle) {
    let Some(shown) = app.try_state::<Shown>() else {
        return;
    };
    let (status, presence) = shown.0.lock().expect("tray lock").clone();
    render(app, &status, &presence);
}

/// Reflects DND and the department toggles in the tray's icon and menu.
pub fn show_presence(app: &AppHandle, presence: &Presence) {
    let status = match app.try_state::<Shown>() {
        Some(shown) => {
            let mut shown = shown.0.lock().expect("tray lock");
            shown.1 = presence.clone();
            shown.0.clone()
        }
        None => Status::default(),
    };
    render(app, &status, presence);
}

fn render(app: &AppHandle, status: &Status, presence: &Presence) {
    let t = texts();
    let online = status.is_online();
    let icon = match (online, presence.dnd) {
        (true, Some(true)) => Picture::Dnd,
        (true, _) => Picture::Online,
        (false, _) => Picture::Offline,
    };
    let mut tooltip = format!("Callpop — {}", status_label(&t, status));
    if online && presence.dnd == Some(true) {
        tooltip.push_str(&format!(" · {}", t.dnd));
    }
    let Some(tray) = app.tray_by_id(TRAY_ID) else {
        return;
    };
    let _ = Image::from_bytes(icon.png(app)).and_then(|image| tray.set_icon(Some(image)));
    let _ = tray.set_tooltip(Some(tooltip));
    match build_menu(app, status, presence) {
        Ok(menu) => {
            let _ = tray.set_menu(Some(menu));
        }
        Err(e) => tracing::warn!("cannot redraw the tray menu: {e}"),
    }
}
