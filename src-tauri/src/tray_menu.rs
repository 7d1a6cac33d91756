//! What the tray's menu items do. The tray draws and reports the choice; acting on it reaches
//! the settings, the calls and DND, which themselves redraw the tray, so it lives here, above
//! them all, and the tray stays below them.

use tauri::AppHandle;

use crate::toggle_intent::Toggle;
use crate::tray::{self, MenuChoice};
use crate::{links, presence, settings};

/// Acts on the user's pick in the tray's menu.
pub fn react(app: &AppHandle, choice: MenuChoice) {
    match choice {
        MenuChoice::Open => tray::open_main_window(app),
        MenuChoice::Settings => settings::open_window(app, false),
        MenuChoice::Quit => app.exit(0),
        MenuChoice::CallBack(number) => links::dial_all(app, vec![number]),
        // Flips what the box showed, even while an earlier click is still on its way.
        MenuChoice::Flip(toggle) => {
            let app = app.clone();
            tauri::async_runtime::spawn(async move {
                let what = match &toggle {
                    Toggle::Dnd => "Do-Not-Disturb",
                    Toggle::Group(_) => "the department subscription",
                };
                if let Err(e) = presence::click(&app, toggle).await {
                    tracing::warn!("cannot change {what}: {e}");
                }
            });
        }
    }
}
