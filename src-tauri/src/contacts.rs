//! The contact list's commands: pages of a directory search for the virtualized list, and the
//! import of a CSV or vCard file chosen in the window.
//!
//! Both run on a blocking thread: a page of a 100k-contact directory can take tens of
//! milliseconds to read, and an import seconds, and neither may freeze the window or the caller
//! card.

use std::sync::{Arc, Mutex};

use callpop_core::csv_import::SkippedRow;
use callpop_core::{
    looks_like_vcard, parse_csv, parse_vcards, Contact, SearchResults, Store, StoreError,
};
use serde::Serialize;
use tauri::ipc::{InvokeBody, Request};
use tauri::{AppHandle, Emitter, Manager, State};

use crate::command_error::{CommandError, ErrorKind};
use crate::state::AppState;
use crate::user_error::{fill, texts_now};

/// Contacts the plain search (`search_contacts`) answers at most.
const SEARCH_LIMIT: usize = 50;
/// Rows one page may ask for: a screenful and more, never the whole directory.
const PAGE_LIMIT: usize = 500;
/// The largest file the import reads (a CRM export of ~1M contacts is well under it).
const MAX_IMPORT_BYTES: usize = 100 * 1024 * 1024;

/// A number as the contact list shows it and dials it.
#[derive(Serialize)]
pub struct NumberView {
    /// The normalised number, what click-to-call sends.
    pub key: String,
    /// The number formatted for people.
    pub display: String,
}

/// A contact as the contact list shows it.
#[derive(Serialize)]
pub struct ContactRow {
    /// The contact itself.
    #[serde(flatten)]
    pub contact: Contact,
    /// Its numbers, formatted.
    pub numbers: Vec<NumberView>,
}

impl From<Contact> for ContactRow {
    fn from(contact: Contact) -> ContactRow {
        ContactRow {
            numbers: contact
                .phones
                .iter()
                .map(|n| NumberView {
                    key: n.key(),
                    display: n.display(),
                })
                .collect(),
            contact,
        }
    }
}

/// Directory search by name, company or number (the first [`SEARCH_LIMIT`] matches).
#[tauri::command]
pub fn search_contacts(
    state: State<'_, AppState>,
    query: String,
) -> Result<Vec<ContactRow>, CommandError> {
    let store = state.store().ok_or_else(CommandError::directory_not_open)?;
    let contacts = store
        .search(&query, SEARCH_LIMIT)
        .map_err(CommandError::from)?;
    Ok(contacts.into_iter().map(ContactRow::from).collect())
}

/// The search results the list pages through, for the store they came from (the runtime opens
/// a new store after a restart).
#[derive(Default)]
pub struct ContactListResults(Mutex<Option<(Arc<Store>, Arc<SearchResults>)>>);

impl ContactListResults {
    fn for_store(&self, store: &Arc<Store>) -> Arc<SearchResults> {
        let mut current = self.0.lock().unwrap_or_else(|p| p.into_inner());
        match current.as_ref() {
            Some((kept, results)) if Arc::ptr_eq(kept, store) => results.clone(),
            _ => {
                let results = Arc::new(SearchResults::default());
                *current = Some((store.clone(), results.clone()));
                results
            }
        }
    }
}

/// The main window (and its contact list) is gone: what the list kept for searching goes too,
/// the found ids and the directory's search index (120 MB at a million contacts); the tray app
/// keeps only what a caller card needs.
pub fn contact_list_closed(app: &AppHandle) {
    if let Some(results) = app.try_state::<ContactListResults>() {
        *results.0.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }
    if let Some(store) = app.state::<AppState>().store() {
        // Off the main thread: an index being built holds its slot for a second or two.
        tauri::async_runtime::spawn_blocking(move || store.release_search_index());
    }
}

/// One page of the contact list.
#[derive(Serialize)]
pub struct ContactsPage {
    /// Contacts the whole search finds (the list's scroll height).
    pub total: usize,
    /// The rows at `offset..offset + limit`.
    pub rows: Vec<ContactRow>,
}

/// The rows `offset..offset + limit` of what `query` finds (empty: the whole directory, by name),
/// and how many it finds.
#[tauri::command]
pub async fn contacts_page(
    state: State<'_, AppState>,
    results: State<'_, ContactListResults>,
    query: String,
    offset: usize,
    limit: usize,
) -> Result<ContactsPage, CommandError> {
    let store = state.store().ok_or_else(CommandError::directory_not_open)?;
    let results = results.for_store(&store);
    let limit = limit.min(PAGE_LIMIT);
    let page =
        tauri::async_runtime::spawn_blocking(move || results.page(&store, &query, offset, limit))
            .await
            .map_err(|e| directory(fill(texts_now().search_stopped, &[("error", &e)])))?
            .map_err(CommandError::from)?;
    Ok(ContactsPage {
        total: page.total,
        rows: page.contacts.into_iter().map(ContactRow::from).collect(),
    })
}

/// How far an import is, sent as `import-progress` while contacts are stored.
#[derive(Clone, Serialize)]
pub struct ImportProgress {
    /// Contacts stored so far.
    pub done: usize,
    /// Contacts to store (0 while the file is still being read).
    pub total: usize,
}

/// What an import from the window did.
#[derive(Serialize)]
pub struct ImportOutcome {
    /// The file's name, as the window sent it.
    pub file: String,
    /// `csv` or `vcard`.
    pub format: &'static str,
    /// Contacts new to the directory.
    pub added: usize,
    /// Contacts already there that the file changed.
    pub updated: usize,
    /// Contacts already there exactly so.
    pub unchanged: usize,
    /// Rows (or cards) left out, with their line numbers and why.
    pub skipped: Vec<SkippedRow>,
}

/// Imports a CSV or vCard file. The window sends the file's bytes as the raw request body (no
/// JSON or base64 on the way) and its name, URI-encoded, in the `X-File-Name` header; which
/// format it is comes from the content. Progress goes out as `import-progress` events.
#[tauri::command]
pub async fn import_contacts(
    app: AppHandle,
    state: State<'_, AppState>,
    request: Request<'_>,
) -> Result<ImportOutcome, CommandError> {
    let bytes = match request.body() {
        InvokeBody::Raw(bytes) => bytes.clone(),
        InvokeBody::Json(_) => return Err(directory(texts_now().file_did_not_arrive)),
    };
    let file = request
        .headers()
        .get("x-file-name")
        .and_then(|v| v.to_str().ok())
        .map(|name| {
            percent_encoding::percent_decode_str(name)
                .decode_utf8_lossy()
                .into_owned()
        })
        .unwrap_or_else(|| texts_now().unnamed_file.into());
    if bytes.len() > MAX_IMPORT_BYTES {
        return Err(directory(fill(
            texts_now().file_too_large,
            &[
                ("file", &file),
                ("size", &(bytes.len() / (1024 * 1024))),
                ("limit", &(MAX_IMPORT_BYTES / (1024 * 1024))),
            ],
        )));
    }
    let store = state.store().ok_or_else(CommandError::directory_not_open)?;
    tauri::async_runtime::spawn_blocking(move || import_file(&app, &store, file, &bytes))
        .await
        .map_err(|e| directory(fill(texts_now().import_stopped, &[("error", &e)])))?
}

/// The directory or the imported file failed: `message` says how.
fn directory(message: impl Into<String>) -> CommandError {
    CommandError::new(ErrorKind::Directory, message)
}

/// Reads, then stores with progress events; errors name the file and say what to do.
fn import_file(
    app: &AppHandle,
    store: &Store,
    file: String,
    bytes: &[u8],
) -> Result<ImportOutcome, CommandError> {
    let progress = |done, total| {
        let _ = app.emit("import-progress", ImportProgress { done, total });
    };
    progress(0, 0);
    let vcard = looks_like_vcard(bytes);
    let parsed = if vcard {
        parse_vcards(bytes, store.region())
    } else {
        parse_csv(bytes, store.region())
    };
    let texts = texts_now();
    let parsed = parsed.map_err(|e| {
        directory(match e {
            StoreError::Import(reason) => fill(
                texts.file_not_importable,
                &[("file", &file), ("reason", &reason)],
            ),
            other => fill(
                texts.file_not_importable,
                &[
                    ("file", &file),
                    ("reason", &format!("cannot be read: {other}")),
                ],
            ),
        })
    })?;
    let counts = store
        .import_contacts(&parsed.contacts, progress)
        .map_err(|e| {
            directory(fill(
                texts.import_not_stored,
                &[("file", &file), ("error", &e)],
            ))
        })?;
    tracing::info!(
        file,
        added = counts.added,
        updated = counts.updated,
        skipped = parsed.skipped.len(),
        "contacts imported"
    );
    Ok(ImportOutcome {
        file,
        format: if vcard { "vcard" } else { "csv" },
        added: counts.added,
        updated: counts.updated,
        unchanged: counts.unchanged,
        skipped: parsed.skipped,
    })
}
