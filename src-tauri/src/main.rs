//! `callpop`, the desktop app: a tray icon and a caller card.
//!
//! How events flow to the window: [`runtime`] starts the configured provider (or, with nothing
//! configured, the built-in [`demo`]: the Vega simulator plus a sample directory). The provider's
//! `CallEvent`s go through `callpop_core::Pipeline` (tracker, directory look-up, history), and each
//! change that concerns "me" reaches [`card`], which shows, updates and hides the always-on-top
//! card window and broadcasts the `CallView` to the web UI (`ui/card.js`). The UI never sees a
//! provider's dialect; it calls back only through [`commands`].

// No console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod autodial;
mod card;
mod commands;
mod demo;
mod links;
mod locale;
mod presence;
mod runtime;
mod state;
mod tray;

use tauri::Manager;

fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,tao=warn,wry=warn".into()),
        )
        .init();

    let result = tauri::Builder::default()
        // First, so a second launch hands over its `tel:` link and exits before anything else.
        .plugin(
            tauri_plugin_single_instance::Builder::new()
                .dbus_id(links::instance_id())
                .callback(|app, args, _cwd| {
                    let numbers = links::numbers_in(&args);
                    if numbers.is_empty() {
                        tray::open_main_window(app);
                    }
                    links::dial_all(app, numbers);
                })
                .build(),
        )
        .manage(state::AppState::default())
        .manage(std::sync::Arc::new(presence::RefreshSignal::default()))
        .invoke_handler(tauri::generate_handler![
            commands::current_calls,
            commands::close_card,
            commands::open_url,
            commands::call_number,
            commands::status,
            commands::call_history,
            commands::hang_up,
            commands::sync_contacts,
            commands::sync_history,
            commands::presence,
            commands::refresh_presence,
            commands::set_dnd,
            commands::set_group_subscription,
            commands::employees,
            commands::set_me,
            commands::capabilities,
            commands::card_notes,
            commands::recording_data,
            autodial::autodialer_status,
            autodial::autodial_send,
            autodial::autodial_call,
            commands::search_contacts,
            commands::ui_locale,
            // settings and first run
            // contacts: list and import
            // CRM editing
            // notifications and hotkey
        ])
        .setup(|app| {
            card::create_window(app.handle())?;
            state::create_main_window(app.handle())?;
            tray::create(app.handle())?;
            tracing::info!("tray ready");
            runtime::spawn(app.handle().clone());
            // Started from the desktop's menu rather than at login: show the window too.
            let args: Vec<String> = std::env::args().collect();
            if args.iter().any(|arg| arg == "--open") {
                tray::open_main_window(app.handle());
            }
            links::dial_all(app.handle(), links::numbers_in(&args));
            Ok(())
        })
        .build(tauri::generate_context!());
    let app = match result {
        Ok(app) => app,
        Err(e) => {
            eprintln!("callpop: cannot start: {e}");
            std::process::exit(1);
        }
    };
    app.run(|handle, event| {
        // Closing the last window keeps the app in the tray; only "Quit" ends it.
        if let tauri::RunEvent::ExitRequested {
            code: None, api, ..
        } = event
        {
            api.prevent_exit();
            let _ = handle.get_webview_window("main").map(|w| w.hide());
        }
    });
}
