//! What the app knows right now, shared by the runtime, the tray and the commands. Below every
//! module that reads it: it names no module that acts.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use callpop_core::{CallView, Store};
use callpop_providers::Account;
pub use callpop_session::Status;
use tauri::{AppHandle, WebviewUrl, WebviewWindow, WebviewWindowBuilder};
use tokio::sync::Notify;

use crate::availability::Presence;
use crate::toggle_intent::Intents;

/// Shared state; every field is locked briefly and never across an await.
#[derive(Default)]
pub struct AppState {
    /// Calls on the card now, by call id.
    pub cards: Mutex<BTreeMap<String, CallView>>,
    /// The connected account, once started.
    pub account: Mutex<Option<Arc<Account>>>,
    /// The directory and history.
    pub store: Mutex<Option<Arc<Store>>>,
    /// Connection status.
    pub status: Mutex<Status>,
    /// DND and department subscriptions, as the PBX last said.
    pub presence: Mutex<Presence>,
    /// Changes to DND and the departments sent to the PBX and not answered yet.
    pub intents: Mutex<Intents>,
    /// Numbers `tel:` / `callto:` links asked to call before the PBX was connected.
    pub pending_dials: Mutex<Vec<String>>,
    /// Wakes the runtime to start over with the config as it is now (after "me" changed).
    pub restart: Arc<Notify>,
}

impl AppState {
    /// The store, once the runtime has opened it.
    pub fn store(&self) -> Option<Arc<Store>> {
        self.store.lock().expect("store lock").clone()
    }
}

/// The main window (status, recent calls, contacts), made when first opened ("Open" in the
/// tray, a start from the menu): an app that waits in the tray all day keeps no WebKit process
/// for it. Closing it destroys it, and its memory goes too; opening makes it anew.
pub fn create_main_window(app: &AppHandle) -> tauri::Result<WebviewWindow> {
    let window = WebviewWindowBuilder::new(app, "main", WebviewUrl::App("index.html".into()))
        .title("Callpop")
        .inner_size(720.0, 520.0)
        .min_inner_size(420.0, 320.0)
        .visible(false)
        .build()?;
    let handle = app.clone();
    window.on_window_event(move |event| {
        if matches!(event, tauri::WindowEvent::Destroyed) {
            crate::contacts::contact_list_closed(&handle);
        }
    });
    Ok(window)
}
