//! What the web UI may ask of the app. Each command is a thin call into the library crates.

use callpop_core::{CallRecord, CallView, Contact, PhoneNumber};
use tauri::{AppHandle, State};

use crate::card;
use crate::state::{AppState, Status};

/// Contacts the search box shows at most.
const SEARCH_LIMIT: usize = 50;

/// The calls on the card now (the card asks once when it loads, then follows events).
#[tauri::command]
pub fn current_calls(state: State<'_, AppState>) -> Vec<CallView> {
    state
        .cards
        .lock()
        .expect("cards lock")
        .values()
        .cloned()
        .collect()
}

/// The user closed one call's card.
#[tauri::command]
pub fn close_card(app: AppHandle, call_id: String) {
    card::remove(&app, &call_id);
}

/// Opens a CRM link in the default browser; only web links are opened.
#[tauri::command]
pub fn open_url(url: String) -> Result<(), String> {
    if !(url.starts_with("https://") || url.starts_with("http://")) {
        return Err(format!("not a web link: {url}"));
    }
    open::that_detached(&url).map_err(|e| format!("cannot open the browser: {e}"))
}

/// Click-to-call: the PBX rings my phone, then the number.
#[tauri::command]
pub async fn call_number(state: State<'_, AppState>, number: String) -> Result<String, String> {
    let account = state.account.lock().expect("account lock").clone();
    let account = account.ok_or("not connected to a PBX yet")?;
    let region = state
        .store()
        .map(|s| s.region().to_owned())
        .unwrap_or_else(|| "RU".into());
    let number = PhoneNumber::parse(&number, &region);
    account.make_call(&number).await.map_err(|e| e.to_string())
}

/// Connection status for the main window.
#[tauri::command]
pub fn status(state: State<'_, AppState>) -> Status {
    state.status.lock().expect("status lock").clone()
}

/// The latest calls, newest first.
#[tauri::command]
pub fn recent_calls(state: State<'_, AppState>) -> Result<Vec<CallRecord>, String> {
    let store = state.store().ok_or("the directory is not open yet")?;
    store.recent_calls(50).map_err(|e| e.to_string())
}

/// A number as the contact list shows it and dials it.
#[derive(serde::Serialize)]
pub struct NumberView {
    /// The normalised number, what click-to-call sends.
    pub key: String,
    /// The number formatted for people.
    pub display: String,
}

/// A contact as the contact list shows it.
#[derive(serde::Serialize)]
pub struct ContactRow {
    /// The contact itself.
    #[serde(flatten)]
    pub contact: Contact,
    /// Its numbers, formatted.
    pub numbers: Vec<NumberView>,
}

/// Directory search by name, company or number.
#[tauri::command]
pub fn search_contacts(
    state: State<'_, AppState>,
    query: String,
) -> Result<Vec<ContactRow>, String> {
    let store = state.store().ok_or("the directory is not open yet")?;
    let contacts = store
        .search(&query, SEARCH_LIMIT)
        .map_err(|e| e.to_string())?;
    Ok(contacts
        .into_iter()
        .map(|contact| ContactRow {
            numbers: contact
                .phones
                .iter()
                .map(|n| NumberView {
                    key: n.key(),
                    display: n.display(),
                })
                .collect(),
            contact,
        })
        .collect())
}

/// The OS locale (`ru-RU`, `en-US`), which picks the UI's language.
#[tauri::command]
pub fn ui_locale() -> String {
    std::env::var("CALLPOP_LOCALE")
        .ok()
        .or_else(sys_locale::get_locale)
        .unwrap_or_else(|| "en-US".into())
}
