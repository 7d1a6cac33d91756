//! What the web UI may ask of the app. Each command is a thin call into the library crates.

use callpop_core::{filter_calls, CallFilter, CallRecord, CallView, Config, PhoneNumber};
use callpop_providers::vega::crm::ContactNote;
use callpop_providers::{Capabilities, ProviderError};
use tauri::{AppHandle, State};

use crate::command_error::{CommandError, ErrorKind};
use crate::presence::{self, Presence};
use crate::state::{AppState, Status};
use crate::user_error::{fill, texts_now};
use crate::{card, runtime};

/// Calls the history view looks through.
const HISTORY_LIMIT: usize = 500;
/// How far back "Load from the PBX" reaches.
const PBX_HISTORY_DAYS: i64 = 7;

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

/// Opens a contact's CRM link. The link comes from a CSV, a vCard or a PBX, not from us: only a
/// web page goes to the desktop's opener; a `tel:` / `callto:` link is dialled by Callpop
/// itself; anything else (`file:`, `javascript:`, another app's scheme) is refused with a
/// message.
#[tauri::command]
pub fn open_url(app: AppHandle, url: String) -> Result<(), CommandError> {
    match link_kind(&url) {
        LinkKind::Web => open::that_detached(url.trim()).map_err(|e| {
            CommandError::new(
                ErrorKind::Desktop,
                fill(texts_now().browser_failed, &[("error", &e)]),
            )
        }),
        LinkKind::Phone(number) => {
            crate::links::dial_all(&app, vec![number]);
            Ok(())
        }
        LinkKind::Refused => Err(CommandError::new(
            ErrorKind::Invalid,
            fill(texts_now().not_a_web_link, &[("url", &url)]),
        )),
    }
}

/// What [`open_url`] does with a link.
#[derive(Debug, PartialEq)]
enum LinkKind {
    /// An `http(s)` address with a host.
    Web,
    /// A `tel:` / `callto:` link to this number.
    Phone(String),
    /// Anything else.
    Refused,
}

fn link_kind(url: &str) -> LinkKind {
    let url = url.trim();
    if let Some(number) = callpop_core::dial_link::number_from_link(url) {
        return LinkKind::Phone(number);
    }
    match tauri::Url::parse(url) {
        Ok(parsed)
            if matches!(parsed.scheme(), "http" | "https")
                && parsed.host_str().is_some_and(|host| !host.is_empty()) =>
        {
            LinkKind::Web
        }
        _ => LinkKind::Refused,
    }
}

#[cfg(test)]
mod link_tests {
    use super::*;

    #[test]
    fn only_web_pages_open_and_phone_links_are_dialled_by_us() {
        assert_eq!(
            link_kind("https://crm.example.com/contacts/17"),
            LinkKind::Web
        );
        assert_eq!(link_kind(" HTTP://crm.example.com/x "), LinkKind::Web);
        assert_eq!(
            link_kind("tel:+79101234567"),
            LinkKind::Phone("+79101234567".into())
        );
        for refused in [
            "file:///etc/passwd",
            "javascript:alert(1)",
            "smb://server/share",
            "vscode://open?file=x",
            "https://",
            "crm.example.com/contacts/17",
            "",
        ] {
            assert_eq!(link_kind(refused), LinkKind::Refused, "{refused}");
        }
    }
}

/// Click-to-call: the PBX rings my phone, then the number.
#[tauri::command]
pub async fn call_number(
    state: State<'_, AppState>,
    number: String,
) -> Result<String, CommandError> {
    let account = state.account.lock().expect("account lock").clone();
    let account = account.ok_or_else(CommandError::not_connected)?;
    let region = state
        .store()
        .map(|s| s.region().to_owned())
        .unwrap_or_else(|| "RU".into());
    let number = PhoneNumber::parse(&number, &region);
    account.make_call(&number).await.map_err(CommandError::from)
}

/// Connection status for the main window.
#[tauri::command]
pub fn status(state: State<'_, AppState>) -> Status {
    state.status.lock().expect("status lock").clone()
}

/// A call as the history view shows it: the record and its UTM tags (where the PBX sent them).
#[derive(serde::Serialize)]
pub struct HistoryRow {
    /// The call.
    #[serde(flatten)]
    pub call: CallRecord,
    /// `utmSource` → `google`...; empty for most calls.
    pub utm: callpop_core::utm::UtmTags,
}

/// The latest calls, newest first, that `filter` keeps (all, in, out, missed, not called back).
#[tauri::command]
pub fn call_history(
    state: State<'_, AppState>,
    filter: Option<CallFilter>,
) -> Result<Vec<HistoryRow>, CommandError> {
    let store = state.store().ok_or_else(CommandError::directory_not_open)?;
    let calls = store
        .recent_calls(HISTORY_LIMIT)
        .map_err(CommandError::from)?;
    let calls = filter_calls(calls, filter.unwrap_or_default());
    let mut tags = std::collections::HashMap::new();
    for provider in calls
        .iter()
        .map(|c| c.provider.as_str())
        .collect::<std::collections::BTreeSet<_>>()
    {
        let ids: Vec<&str> = calls
            .iter()
            .filter(|c| c.provider == provider)
            .map(|c| c.call_id.as_str())
            .collect();
        // UTM tags are a nicety: a history without them beats no history.
        for (id, found) in store.utm_tags_of_calls(provider, &ids).unwrap_or_default() {
            tags.insert((provider.to_owned(), id), found);
        }
    }
    Ok(calls
        .into_iter()
        .map(|call| HistoryRow {
            utm: tags
                .remove(&(call.provider.clone(), call.call_id.clone()))
                .unwrap_or_default(),
            call,
        })
        .collect())
}

/// Ends a call in progress (the card's "Hang up").
#[tauri::command]
pub async fn hang_up(state: State<'_, AppState>, call_id: String) -> Result<(), CommandError> {
    let account = state.account.lock().expect("account lock").clone();
    let account = account.ok_or_else(CommandError::not_connected)?;
    account.hangup(&call_id).await.map_err(CommandError::from)
}

/// Copies the PBX's own CRM contacts into the directory (only what changed since the last
/// sync); answers with a one-line report.
#[tauri::command]
pub async fn sync_contacts(state: State<'_, AppState>) -> Result<String, CommandError> {
    let account = state.account.lock().expect("account lock").clone();
    let account = account.ok_or_else(CommandError::not_connected)?;
    let store = state.store().ok_or_else(CommandError::directory_not_open)?;
    let since = account
        .last_contacts_sync(&store)
        .map_err(CommandError::from)?;
    let report = account
        .sync_contacts(&store, since)
        .await
        .map_err(CommandError::from)?;
    Ok(fill(
        texts_now().sync_report,
        &[
            ("added", &report.added),
            ("updated", &report.updated),
            ("unchanged", &report.unchanged),
            ("skipped", &report.skipped.len()),
        ],
    ))
}

/// Copies the last week of the PBX's own call history into ours; returns how many calls.
#[tauri::command]
pub async fn sync_history(state: State<'_, AppState>) -> Result<usize, CommandError> {
    let account = state.account.lock().expect("account lock").clone();
    let account = account.ok_or_else(CommandError::not_connected)?;
    let store = state.store().ok_or_else(CommandError::directory_not_open)?;
    let until = chrono::Utc::now();
    let since = until - chrono::Duration::days(PBX_HISTORY_DAYS);
    let calls = account
        .history(since, until, false)
        .await
        .map_err(CommandError::from)?;
    store.import_history(&calls).map_err(CommandError::from)
}

/// What the connected provider offers (the UI disables the rest and says why); `None` until
/// connected.
#[tauri::command]
pub fn capabilities(state: State<'_, AppState>) -> Option<CapabilitiesView> {
    let account = state.account.lock().expect("account lock").clone()?;
    Some(CapabilitiesView {
        provider: account.config().provider.clone(),
        offers: account.capabilities(),
    })
}

/// [`Capabilities`] with the provider's name, for the "not offered by ..." reasons.
#[derive(serde::Serialize)]
pub struct CapabilitiesView {
    /// The provider module's name (`vega`, `cloudpbx`, ...).
    pub provider: String,
    /// What it offers.
    pub offers: Capabilities,
}

/// DND and department subscriptions, as the PBX last said.
#[tauri::command]
pub fn presence(app: AppHandle) -> Presence {
    presence::current(&app)
}

/// Reads DND and the department subscriptions back from the PBX now.
#[tauri::command]
pub async fn refresh_presence(app: AppHandle) -> Presence {
    presence::refresh(&app).await;
    presence::current(&app)
}

/// Turns Do-Not-Disturb on or off on the PBX; answers with what the PBX says afterwards.
#[tauri::command]
pub async fn set_dnd(app: AppHandle, on: bool) -> Result<Presence, CommandError> {
    presence::set_dnd(&app, on).await.map_err(presence_error)
}

/// Receive a department's calls or not; answers with what the PBX says afterwards.
#[tauri::command]
pub async fn set_group_subscription(
    app: AppHandle,
    group: String,
    on: bool,
) -> Result<Presence, CommandError> {
    presence::set_group(&app, &group, on)
        .await
        .map_err(presence_error)
}

/// A DND or department change the PBX (or no connection) refused, worded by `presence`.
fn presence_error(message: String) -> CommandError {
    CommandError::new(ErrorKind::Pbx, message)
}

/// An employee as the "me" picker lists them.
#[derive(serde::Serialize)]
pub struct EmployeeRow {
    /// What identifies them as "me" on this PBX (the account's `user`).
    pub user: String,
    /// Their name.
    pub name: String,
    /// Their extension, when the PBX gives one.
    pub ext: Option<String>,
    /// True for the one configured as "me".
    pub me: bool,
}

/// The PBX's employees, to pick "me" from.
#[tauri::command]
pub async fn employees(state: State<'_, AppState>) -> Result<Vec<EmployeeRow>, CommandError> {
    let account = state.account.lock().expect("account lock").clone();
    let account = account.ok_or_else(CommandError::not_connected)?;
    let me = account.config().user.clone();
    let employees = account.employees().await.map_err(CommandError::from)?;
    Ok(employees
        .into_iter()
        .map(|employee| {
            let user = account.user_of(&employee);
            EmployeeRow {
                me: me.as_deref() == Some(user.as_str()),
                user,
                name: employee.name,
                ext: employee.ext,
            }
        })
        .collect())
}

/// Makes `user` "me": saved in the config file, then the app reconnects as them.
#[tauri::command]
pub fn set_me(app: AppHandle, user: String) -> Result<(), CommandError> {
    let user = user.trim();
    if user.is_empty() {
        return Err(CommandError::new(
            ErrorKind::Invalid,
            texts_now().pick_employee,
        ));
    }
    let path = Config::default_path().map_err(CommandError::from)?;
    let mut config = Config::load_from(&path).map_err(CommandError::from)?;
    let account = config
        .account
        .as_mut()
        .ok_or_else(|| CommandError::new(ErrorKind::Invalid, texts_now().demo_me_is_fixed))?;
    account.user = Some(user.to_owned());
    config.save_to(&path).map_err(CommandError::from)?;
    runtime::restart(&app);
    Ok(())
}

/// The UI's language, `ru` or `en`: the one chosen in the settings, else the OS locale's.
#[tauri::command]
pub fn ui_locale() -> String {
    crate::locale::language().code().to_owned()
}

/// The last CRM notes of the contact on the card of `call_id` (empty when the provider keeps no
/// notes, or the contact is not from its CRM).
#[tauri::command]
pub async fn card_notes(
    state: State<'_, AppState>,
    call_id: String,
) -> Result<Vec<ContactNote>, CommandError> {
    const NOTES_SHOWN: usize = 3;
    let customer = state
        .cards
        .lock()
        .expect("cards lock")
        .get(&call_id)
        .and_then(|view| view.customer.clone());
    let (Some(customer), Some(store)) = (customer, state.store()) else {
        return Ok(Vec::new());
    };
    let Some(contact) = store.lookup(&customer).map_err(CommandError::from)? else {
        return Ok(Vec::new());
    };
    let account = state.account.lock().expect("account lock").clone();
    let Some(account) = account else {
        return Ok(Vec::new());
    };
    match account.contact_notes(&store, contact.id, NOTES_SHOWN).await {
        Ok(notes) => Ok(notes),
        Err(ProviderError::Unsupported { .. }) => Ok(Vec::new()),
        Err(e) => Err(e.into()),
    }
}

/// A call's recording as a `data:` URL the window's audio player plays (fetched by the
/// provider: Vega's needs the session cookie).
#[tauri::command]
pub async fn recording_data(
    state: State<'_, AppState>,
    provider: String,
    call_id: String,
) -> Result<String, CommandError> {
    use base64::Engine as _;
    let store = state.store().ok_or_else(CommandError::directory_not_open)?;
    let record = store
        .call(&provider, &call_id)
        .map_err(CommandError::from)?
        .ok_or_else(|| CommandError::new(ErrorKind::Directory, texts_now().call_not_in_history))?;
    let account = state.account.lock().expect("account lock").clone();
    let account = account.ok_or_else(CommandError::not_connected)?;
    let recording = account
        .recording(&record)
        .await
        .map_err(CommandError::from)?;
    let data = base64::engine::general_purpose::STANDARD.encode(&recording.bytes);
    Ok(format!("data:{};base64,{data}", recording.content_type))
}
