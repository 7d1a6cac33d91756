//! `callpop`, the desktop app: a tray icon and a caller card.
//!
//! How events flow to the window: [`runtime`] starts a `callpop_session::Session` for the
//! configured account (or, with nothing configured, the built-in [`demo`]: the Vega simulator
//! plus a sample directory). The session picks the event source, runs the `CallEvent`s through
//! `callpop_core::Pipeline` (tracker, directory look-up, history) and says what happened; the
//! runtime hands each of its events on: a change that concerns "me" to [`card`], which shows,
//! updates and hides the always-on-top card window and broadcasts the `CallView` to the web UI
//! (`ui/card.js`), a missed call to [`notify`], the status to [`tray`] and the main window. The UI
//! never sees a provider's dialect; it calls back only through [`commands`].
//!
//! Modules depend one way: the shared [`state`] and the views ([`tray`], [`card`], [`notify`])
//! below, what acts ([`presence`], [`links`]) above them, then [`runtime`], [`settings`],
//! [`commands`] and [`tray_menu`] on top; a view reports a user's choice to a handler it is
//! given rather than calling up.

// No console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod autodial;
mod autostart;
mod availability;
mod card;
mod command_error;
mod commands;
mod contacts;
mod crm;
mod demo;
mod hotkey;
mod links;
mod locale;
mod notify;
mod placement;
mod presence;
mod runtime;
mod settings;
mod startup;
mod state;
mod toggle_intent;
mod tray;
mod tray_menu;
mod user_error;
#[cfg(windows)]
mod win32;
mod window_places;

use tauri::Manager;

fn main() {
    card::prefer_software_drawing();
    startup::init_logging();
    startup::report_panics();
    if let Err(failure) = startup::check_web_view() {
        startup::fail(failure);
    }
    #[cfg(windows)]
    win32::register_app_identity();

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
        .plugin(hotkey::plugin())
        .plugin(window_places::plugin())
        .on_window_event(window_places::on_window_event)
        .manage(hotkey::Hotkey::default())
        .manage(notify::Notifications::default())
        .manage(window_places::WindowPlaces::load())
        // "Open phone links with Callpop" in the settings.
        .plugin(tauri_plugin_deep_link::init())
        // "Start at login" in the settings.
        .plugin(tauri_plugin_autostart::Builder::new().build())
        .manage(state::AppState::default())
        .manage(autodial::CurrentAutodialer::default())
        .manage(demo::DemoHold::default())
        .manage(contacts::ContactListResults::default())
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
            commands::ui_locale,
            // settings and first run
            settings::settings_view,
            settings::providers,
            settings::open_settings,
            settings::close_settings,
            settings::test_connection,
            settings::save_account,
            settings::use_account,
            settings::remove_account,
            settings::save_relay,
            settings::set_language,
            settings::save_desktop,
            settings::set_autostart,
            settings::set_links_handler,
            // contacts: list and import
            contacts::search_contacts,
            contacts::contacts_page,
            contacts::import_contacts,
            // CRM editing
            crm::crm_contact,
            crm::crm_employees,
            crm::crm_create,
            crm::crm_update,
            crm::crm_delete,
            crm::crm_upload_candidates,
            crm::crm_upload,
            crm::crm_notes,
            crm::crm_add_note,
            crm::crm_update_note,
            crm::crm_delete_note,
            // notifications and hotkey
            hotkey::hotkey_status,
        ])
        .setup(|app| {
            // The tray first: it is what shows the app has started (launch → tray ready halved,
            // issue #17); the card's window (a web view and its processes) follows before any
            // call can arrive (`runtime` below).
            tray::create(app.handle(), tray_menu::react)?;
            tracing::info!("tray ready");
            card::create_window(app.handle())?;
            tracing::info!("card ready");
            runtime::spawn(app.handle().clone());
            settings::open_on_first_run(app.handle());
            hotkey::apply(app.handle());
            // Started from the desktop's menu rather than at login: show the window too, unless
            // a `tel:` link started it (the desktop entry passes both).
            let args: Vec<String> = std::env::args().collect();
            let numbers = links::numbers_in(&args);
            if numbers.is_empty() && args.iter().any(|arg| arg == "--open") {
                tray::open_main_window(app.handle());
            }
            links::dial_all(app.handle(), numbers);
            Ok(())
        })
        .build(tauri::generate_context!());
    let app = match result {
        Ok(app) => app,
        Err(e) => startup::fail(startup::StartupFailure::CannotStart(e.to_string())),
    };
    app.run(|handle, event| {
        // After the window-state plugin's own write (plugins see each event first).
        if matches!(event, tauri::RunEvent::Exit) {
            window_places::on_exit(handle);
        }
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
