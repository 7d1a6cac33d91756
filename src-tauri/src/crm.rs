//! What the CRM editor (`ui/crm.js`) may ask: a contact to edit, save, delete; a batch upload
//! of directory contacts; a contact's notes. Each command is a thin call into
//! `callpop_providers::crm_edit`, which also brings the directory in line; the editor then
//! redraws the contact list beside it (`ui/crm.js`).
//! Errors reach the editor in the user's language ([`CommandError`]).

use std::sync::Arc;

use callpop_core::Store;
use callpop_providers::crm_edit::{CrmDraft, CrmNoteView, CrmRecord, CrmSaved, UploadReport};
use callpop_providers::Account;
use tauri::State;

use crate::command_error::CommandError;
use crate::contacts::ContactRow;
use crate::state::AppState;

/// Contacts "Upload to CRM…" lists at most.
const UPLOAD_CANDIDATES: usize = 500;

/// The account and the directory, or why the CRM cannot be edited now.
fn connected(state: &AppState) -> Result<(Arc<Account>, Arc<Store>), CommandError> {
    let account = state.account.lock().expect("account lock").clone();
    let account = account.ok_or_else(CommandError::not_connected)?;
    let store = state.store().ok_or_else(CommandError::directory_not_open)?;
    Ok((account, store))
}

/// Directory contact `contact_id` as the CRM has it now (as the directory has it when it is not
/// in the CRM yet).
#[tauri::command]
pub async fn crm_contact(
    state: State<'_, AppState>,
    contact_id: i64,
) -> Result<CrmRecord, CommandError> {
    let (account, store) = connected(&state)?;
    account
        .crm_contact_for(&store, contact_id)
        .await
        .map_err(CommandError::from)
}

/// An employee the contact's responsible is picked from.
#[derive(serde::Serialize)]
pub struct Responsible {
    /// The PBX's employee id (what the CRM stores).
    pub id: String,
    /// Their name, with the extension when there is one.
    pub name: String,
}

/// The PBX's employees, for the editor's "Responsible" list.
#[tauri::command]
pub async fn crm_employees(state: State<'_, AppState>) -> Result<Vec<Responsible>, CommandError> {
    let (account, _) = connected(&state)?;
    let employees = account.employees().await.map_err(CommandError::from)?;
    Ok(employees
        .into_iter()
        .map(|e| Responsible {
            name: match &e.ext {
                Some(ext) if *ext != e.name => format!("{} ({ext})", e.name),
                _ => e.name.clone(),
            },
            id: e.id,
        })
        .collect())
}

/// Adds `draft` to the CRM; `link`: the local directory contact it was written from.
#[tauri::command]
pub async fn crm_create(
    state: State<'_, AppState>,
    draft: CrmDraft,
    link: Option<i64>,
) -> Result<CrmSaved, CommandError> {
    let (account, store) = connected(&state)?;
    let saved = account
        .create_crm_contact(&store, &draft, link)
        .await
        .map_err(CommandError::from)?;
    Ok(saved)
}

/// Saves `draft` over directory contact `contact_id`'s CRM record.
#[tauri::command]
pub async fn crm_update(
    state: State<'_, AppState>,
    contact_id: i64,
    draft: CrmDraft,
) -> Result<CrmSaved, CommandError> {
    let (account, store) = connected(&state)?;
    let saved = account
        .update_crm_contact(&store, contact_id, &draft)
        .await
        .map_err(CommandError::from)?;
    Ok(saved)
}

/// Deletes directory contact `contact_id` from the CRM and the directory.
#[tauri::command]
pub async fn crm_delete(state: State<'_, AppState>, contact_id: i64) -> Result<(), CommandError> {
    let (account, store) = connected(&state)?;
    account
        .delete_crm_contact(&store, contact_id)
        .await
        .map_err(CommandError::from)?;
    Ok(())
}

/// The directory contacts not in the CRM yet, for "Upload to CRM…".
#[tauri::command]
pub fn crm_upload_candidates(state: State<'_, AppState>) -> Result<Vec<ContactRow>, CommandError> {
    let (account, store) = connected(&state)?;
    let contacts = account
        .crm_upload_candidates(&store, UPLOAD_CANDIDATES)
        .map_err(CommandError::from)?;
    Ok(contacts.into_iter().map(ContactRow::from).collect())
}

/// Uploads directory contacts `contact_ids` to the CRM; `merge` keeps the fields of records
/// already there that the upload leaves out.
#[tauri::command]
pub async fn crm_upload(
    state: State<'_, AppState>,
    contact_ids: Vec<i64>,
    merge: bool,
) -> Result<UploadReport, CommandError> {
    let (account, store) = connected(&state)?;
    let report = account
        .upload_to_crm(&store, &contact_ids, merge)
        .await
        .map_err(CommandError::from)?;
    Ok(report)
}

/// Directory contact `contact_id`'s CRM notes, newest first.
#[tauri::command]
pub async fn crm_notes(
    state: State<'_, AppState>,
    contact_id: i64,
) -> Result<Vec<CrmNoteView>, CommandError> {
    let (account, store) = connected(&state)?;
    account
        .crm_notes_of(&store, contact_id)
        .await
        .map_err(CommandError::from)
}

/// Adds a note to directory contact `contact_id`'s CRM record.
#[tauri::command]
pub async fn crm_add_note(
    state: State<'_, AppState>,
    contact_id: i64,
    text: String,
) -> Result<CrmNoteView, CommandError> {
    let (account, store) = connected(&state)?;
    account
        .add_crm_note(&store, contact_id, &text)
        .await
        .map_err(CommandError::from)
}

/// Changes what note `note_id` says.
#[tauri::command]
pub async fn crm_update_note(
    state: State<'_, AppState>,
    contact_id: i64,
    note_id: String,
    text: String,
) -> Result<(), CommandError> {
    let (account, store) = connected(&state)?;
    account
        .update_crm_note(&store, contact_id, &note_id, &text)
        .await
        .map_err(CommandError::from)
}

/// Deletes note `note_id`.
#[tauri::command]
pub async fn crm_delete_note(
    state: State<'_, AppState>,
    contact_id: i64,
    note_id: String,
) -> Result<(), CommandError> {
    let (account, store) = connected(&state)?;
    account
        .delete_crm_note(&store, contact_id, &note_id)
        .await
        .map_err(CommandError::from)
}
