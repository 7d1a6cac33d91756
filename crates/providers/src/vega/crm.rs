//! CRM Teler, Vega's built-in CRM (vega.md B.9): its contacts and their notes, how a contact
//! becomes a directory contact ([`mapping`]), the incremental sync into the directory
//! ([`sync_contacts`]) and a contact's notes for the caller card ([`notes`]).
//!
//! The calls go through [`VegaClient`]'s shared session (re-authorized on `403`) and timeout.
//! They have no `POST` + JSON fallback: `POST /crm/contacts/v2/` is the contact update itself.

pub mod mapping;
pub mod notes;
pub mod wire;

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use reqwest::{Response, StatusCode};
use serde::Serialize;

use callpop_core::{Employee, Store, StoreError, Upsert};

use super::client::VegaClient;
use super::error::VegaError;
pub use mapping::{contact_url, to_new_contact, SkipReason};
pub use notes::{card_notes, ContactNote};
pub use wire::{BatchResult, CrmContact, CrmField, CrmFieldValue, CrmNote};

/// vega.md B.9: `limit` "0–60" for the contact list and `searchByOLNum`.
pub const CRM_PAGE_LIMIT: usize = 60;

/// Pages past this many are refused: a server that ignores `offset` would answer full pages
/// forever. 2,000 pages are 120,000 contacts.
const MAX_PAGES: usize = 2_000;

/// The directory's name for contacts synced from CRM Teler, and the key of their sync state.
pub const SYNC_SOURCE: &str = "vega-crm";

/// Which date `from` / `to` filter by (vega.md B.9 `filterBy`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateFilter {
    /// `filterBy=1`: the last modification.
    Modified,
    /// `filterBy=0`: the creation.
    Created,
}

/// What to list (vega.md B.9 `GET /crm/contacts/v2/`). The default lists every contact.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContactQuery {
    /// `field`, repeated: contact fields (the spec does not say what they do).
    pub fields: Vec<String>,
    /// `searchText`: search in the contacts' fields.
    pub search_text: Option<String>,
    /// `searchNoteText`: search in their notes.
    pub search_note_text: Option<String>,
    /// `filterBy` with `from` / `to`: `None` for no date filter.
    pub date_filter: Option<DateFilter>,
    /// `from`, ms on the wire.
    pub from: Option<DateTime<Utc>>,
    /// `to`, ms on the wire.
    pub to: Option<DateTime<Utc>>,
}

impl VegaClient {
    /// One CRM Teler contact (vega.md B.9 `GET /crm/contacts/v2/{id}`); `404` is
    /// [`VegaError::NotFound`].
    pub async fn crm_contact(&self, id: i64) -> Result<CrmContact, VegaError> {
        let path = format!("/crm/contacts/v2/{id}");
        let endpoint = format!("GET {path}");
        let url = self.url(&path);
        let response = self.authorized(&endpoint, |http| http.get(&url)).await?;
        let text = self
            .crm_body(response, &endpoint, || format!("CRM contact {id}"))
            .await?;
        self.parse_json(&text, &endpoint)
    }

    /// Every contact matching `query`, all pages (vega.md B.9 `GET /crm/contacts/v2/`; paging as
    /// B.5: while a page comes back full, ask again with `offset` = contacts fetched so far).
    pub async fn crm_contacts(&self, query: &ContactQuery) -> Result<Vec<CrmContact>, VegaError> {
        if let (Some(from), Some(to)) = (query.from, query.to) {
            if from > to {
                return Err(VegaError::InvalidInput(format!(
                    "the period starts ({from}) after it ends ({to})"
                )));
            }
        }
        let mut params: Vec<(&str, String)> = Vec::new();
        for field in &query.fields {
            params.push(("field", field.clone()));
        }
        if let Some(text) = query
            .search_text
            .as_deref()
            .filter(|t| !t.trim().is_empty())
        {
            params.push(("searchText", text.trim().to_owned()));
        }
        if let Some(text) = query
            .search_note_text
            .as_deref()
            .filter(|t| !t.trim().is_empty())
        {
            params.push(("searchNoteText", text.trim().to_owned()));
        }
        if query.from.is_some() || query.to.is_some() || query.date_filter.is_some() {
            let by = query.date_filter.unwrap_or(DateFilter::Modified);
            params.push((
                "filterBy",
                if by == DateFilter::Modified { "1" } else { "0" }.to_owned(),
            ));
        }
        if let Some(from) = query.from {
            params.push(("from", from.timestamp_millis().to_string()));
        }
        if let Some(to) = query.to {
            params.push(("to", to.timestamp_millis().to_string()));
        }
        self.crm_pages("/crm/contacts/v2/", params).await
    }

    /// The contacts having the number `number`, all pages (vega.md B.9
    /// `GET /crm/contacts/v2/searchByOLNum`).
    pub async fn crm_contacts_by_number(&self, number: &str) -> Result<Vec<CrmContact>, VegaError> {
        let number = number.trim();
        if number.is_empty() {
            return Err(VegaError::InvalidInput(
                "cannot search CRM contacts by number: the number is empty".to_owned(),
            ));
        }
        self.crm_pages(
            "/crm/contacts/v2/searchByOLNum",
            vec![("otherLegNum", number.to_owned())],
        )
        .await
    }

    /// Saves changes to an existing contact (vega.md B.9 `POST /crm/contacts/v2/`: "`400`
    /// parameter missing or no `id`", so the id is required; new contacts go through
    /// [`VegaClient::crm_upload`]).
    pub async fn crm_update_contact(&self, contact: &CrmContact) -> Result<(), VegaError> {
        let id = contact.id.ok_or_else(|| {
            VegaError::InvalidInput(
                "cannot update a CRM contact without an id; add new contacts with a batch upload"
                    .to_owned(),
            )
        })?;
        const ENDPOINT: &str = "POST /crm/contacts/v2/";
        let url = self.url("/crm/contacts/v2/");
        let response = self
            .authorized(ENDPOINT, |http| http.post(&url).json(contact))
            .await?;
        let text = self
            .crm_body(response, ENDPOINT, || format!("CRM contact {id}"))
            .await?;
        self.expect_one(&text, ENDPOINT)
    }

    /// Deletes a contact (vega.md B.9 `DELETE /crm/contacts/v2/{id}`, answer `1`).
    pub async fn crm_delete_contact(&self, id: i64) -> Result<(), VegaError> {
        let path = format!("/crm/contacts/v2/{id}");
        let endpoint = format!("DELETE {path}");
        let url = self.url(&path);
        let response = self.authorized(&endpoint, |http| http.delete(&url)).await?;
        let text = self
            .crm_body(response, &endpoint, || format!("CRM contact {id}"))
            .await?;
        self.expect_one(&text, &endpoint)
    }

    /// Uploads contacts (vega.md B.9 `POST /crm/contacts/v2/batch`, answer `201`
    /// `{succeeded, failed}`). `merge` is sent as `1` or `0`; the spec's sentence on what it
    /// does is cut off.
    pub async fn crm_upload(
        &self,
        merge: bool,
        contacts: &[CrmContact],
    ) -> Result<BatchResult, VegaError> {
        const ENDPOINT: &str = "POST /crm/contacts/v2/batch";
        let url = self.url("/crm/contacts/v2/batch");
        let body = wire::BatchUpload {
            merge: u8::from(merge),
            contacts,
        };
        let response = self
            .authorized(ENDPOINT, |http| http.post(&url).json(&body))
            .await?;
        let text = self.success_body(response, ENDPOINT).await?;
        self.parse_json(&text, ENDPOINT)
    }

    /// A contact's notes, its call history among them (vega.md B.9
    /// `GET /crm/contacts/v2/{id}/notes`; `404`: no such contact).
    pub async fn crm_notes(&self, contact_id: i64) -> Result<Vec<CrmNote>, VegaError> {
        let path = format!("/crm/contacts/v2/{contact_id}/notes");
        let endpoint = format!("GET {path}");
        let url = self.url(&path);
        let response = self.authorized(&endpoint, |http| http.get(&url)).await?;
        let text = self
            .crm_body(response, &endpoint, || format!("CRM contact {contact_id}"))
            .await?;
        self.parse_json(&text, &endpoint)
    }

    /// Saves a new note on a contact (vega.md B.9 `POST /crm/contacts/v2/{id}/notes`); returns
    /// it as saved, "with its ids".
    pub async fn crm_add_note(
        &self,
        contact_id: i64,
        note: &CrmNote,
    ) -> Result<CrmNote, VegaError> {
        let path = format!("/crm/contacts/v2/{contact_id}/notes");
        let endpoint = format!("POST {path}");
        let url = self.url(&path);
        let response = self
            .authorized(&endpoint, |http| http.post(&url).json(note))
            .await?;
        let text = self
            .crm_body(response, &endpoint, || format!("CRM contact {contact_id}"))
            .await?;
        self.parse_json(&text, &endpoint)
    }

    /// Saves changes to a note (vega.md B.9 `PUT /crm/contacts/v2/{id}/notes`, answer `1`). The
    /// note must carry its id.
    pub async fn crm_update_note(&self, contact_id: i64, note: &CrmNote) -> Result<(), VegaError> {
        if note.id.is_none_or(|id| id <= 0) {
            return Err(VegaError::InvalidInput(
                "cannot update a CRM note without its id; save it first".to_owned(),
            ));
        }
        let path = format!("/crm/contacts/v2/{contact_id}/notes");
        let endpoint = format!("PUT {path}");
        let url = self.url(&path);
        let response = self
            .authorized(&endpoint, |http| http.put(&url).json(note))
            .await?;
        let text = self
            .crm_body(response, &endpoint, || {
                format!("CRM contact {contact_id} (or its note)")
            })
            .await?;
        self.expect_one(&text, &endpoint)
    }

    /// Deletes a note (vega.md B.9 `DELETE /crm/contacts/v2/{cntId}/notes/{noteId}`, answer `1`).
    pub async fn crm_delete_note(&self, contact_id: i64, note_id: i64) -> Result<(), VegaError> {
        let path = format!("/crm/contacts/v2/{contact_id}/notes/{note_id}");
        let endpoint = format!("DELETE {path}");
        let url = self.url(&path);
        let response = self.authorized(&endpoint, |http| http.delete(&url)).await?;
        let text = self
            .crm_body(response, &endpoint, || {
                format!("note {note_id} on CRM contact {contact_id}")
            })
            .await?;
        self.expect_one(&text, &endpoint)
    }

    /// Every page of a list call, `limit` = [`CRM_PAGE_LIMIT`]; a contact met twice (the list
    /// shifted while it was read) is kept once.
    async fn crm_pages(
        &self,
        path: &str,
        params: Vec<(&str, String)>,
    ) -> Result<Vec<CrmContact>, VegaError> {
        let endpoint = format!("GET {path}");
        let url = self.url(path);
        let mut contacts = Vec::new();
        let mut seen = HashSet::new();
        let mut offset = 0usize;
        for _ in 0..MAX_PAGES {
            let mut query = params.clone();
            query.push(("offset", offset.to_string()));
            query.push(("limit", CRM_PAGE_LIMIT.to_string()));
            let response = self
                .authorized(&endpoint, |http| http.get(&url).query(&query))
                .await?;
            let text = self.success_body(response, &endpoint).await?;
            let page: Vec<CrmContact> = self.parse_json(&text, &endpoint)?;
            let full = page.len() >= CRM_PAGE_LIMIT;
            offset += page.len();
            for contact in page {
                if contact.id.is_none_or(|id| seen.insert(id)) {
                    contacts.push(contact);
                }
            }
            if !full {
                return Ok(contacts);
            }
        }
        Err(VegaError::TooManyPages {
            endpoint,
            records: offset,
        })
    }

    /// The body of a 2xx answer; `404` is [`VegaError::NotFound`] naming `what`.
    async fn crm_body(
        &self,
        response: Response,
        endpoint: &str,
        what: impl FnOnce() -> String,
    ) -> Result<String, VegaError> {
        if response.status() == StatusCode::NOT_FOUND {
            return Err(VegaError::NotFound { what: what() });
        }
        self.success_body(response, endpoint).await
    }

    /// vega.md B.9: update and delete answer the body `1`; anything else is not a success.
    fn expect_one(&self, text: &str, endpoint: &str) -> Result<(), VegaError> {
        if text.trim() == "1" {
            Ok(())
        } else {
            Err(VegaError::NotJson {
                endpoint: endpoint.to_owned(),
                detail: "expected the body 1".to_owned(),
                excerpt: self.excerpt(text),
            })
        }
    }
}

/// A contact a sync left out, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SkippedContact {
    /// The CRM's id, when it had one.
    pub id: Option<i64>,
    /// Why.
    pub reason: String,
}

/// What a sync did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SyncReport {
    /// Contacts asked from modifications at or after this time; `None`: a full sync.
    pub since: Option<DateTime<Utc>>,
    /// Contacts Vega returned.
    pub fetched: usize,
    /// New to the directory.
    pub added: usize,
    /// Changed in the directory.
    pub updated: usize,
    /// Already as in the CRM (the contact modified exactly at `since` comes again).
    pub unchanged: usize,
    /// Left out, with reasons.
    pub skipped: Vec<SkippedContact>,
    /// The latest modification seen, where the next sync starts.
    pub last_modified: Option<DateTime<Utc>>,
    /// Problems that did not stop the sync (e.g. employees unavailable: no responsible names).
    pub warnings: Vec<String>,
}

/// What can stop a sync.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// Vega said no, or could not be reached.
    #[error(transparent)]
    Vega(#[from] VegaError),
    /// The directory could not be written.
    #[error("cannot write the contact directory: {0}")]
    Store(#[from] StoreError),
}

/// Brings the directory up to date with CRM Teler: the contacts modified at or after `since`
/// (`filterBy=1`, `from`, vega.md B.9), or all of them when `since` is `None`, each upserted
/// under ([`SYNC_SOURCE`], id). The latest `lastModified` seen is stored for the next sync (see
/// [`last_synced`]); it never moves back. `employees` name the responsible users.
pub async fn sync_contacts(
    client: &VegaClient,
    store: &Store,
    since: Option<DateTime<Utc>>,
    employees: &[Employee],
) -> Result<SyncReport, SyncError> {
    let query = ContactQuery {
        date_filter: since.map(|_| DateFilter::Modified),
        from: since,
        ..ContactQuery::default()
    };
    let contacts = client.crm_contacts(&query).await?;
    let mut report = SyncReport {
        since,
        fetched: contacts.len(),
        ..SyncReport::default()
    };
    let settings = client.settings();
    let mut latest = last_synced(store)?.map(|at| at.timestamp_millis());
    for contact in &contacts {
        if let Some(modified) = contact.last_modified {
            latest = Some(latest.map_or(modified, |l| l.max(modified)));
        }
        let mapped = match to_new_contact(contact, &settings.base_url, &settings.region, employees)
        {
            Ok(mapped) => mapped,
            Err(reason) => {
                report.skipped.push(SkippedContact {
                    id: contact.id,
                    reason: reason.to_string(),
                });
                continue;
            }
        };
        let id = contact.id.unwrap_or_default().to_string();
        match store.upsert_contact_by_external_id(SYNC_SOURCE, &id, &mapped)? {
            Upsert::Added(_) => report.added += 1,
            Upsert::Updated(_) => report.updated += 1,
            Upsert::Unchanged(_) => report.unchanged += 1,
        }
    }
    if let Some(latest) = latest {
        store.set_sync_state(SYNC_SOURCE, &latest.to_string())?;
    }
    report.last_modified = latest.and_then(DateTime::from_timestamp_millis);
    Ok(report)
}

/// The latest CRM Teler modification the directory has seen, where an incremental sync starts.
/// A stored value that is not a time in ms is ignored (the next sync is then a full one).
pub fn last_synced(store: &Store) -> Result<Option<DateTime<Utc>>, StoreError> {
    Ok(store
        .sync_state(SYNC_SOURCE)?
        .and_then(|value| value.trim().parse::<i64>().ok())
        .and_then(DateTime::from_timestamp_millis))
}
