//! Editing the PBX's own CRM from the app: a contact (create, update, delete), a batch upload
//! of directory contacts, and a contact's notes. The [`CrmEdit`] capability; Vega has it (CRM
//! Teler, `vega/crm_edit.rs`), every other provider answers [`ProviderError::Unsupported`] at
//! once, before looking at its arguments.
//!
//! Contacts are named by their directory id, as the contact list knows them; the CRM's own id
//! is the directory's link to it.

use async_trait::async_trait;
use callpop_core::{Contact, Store};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::account::{Account, ProviderError};

/// A contact as the editor shows and sends it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CrmDraft {
    /// The contact's name.
    pub name: String,
    /// Company.
    #[serde(default)]
    pub company: Option<String>,
    /// Phone numbers as typed (at least one: the caller card finds contacts by number).
    #[serde(default)]
    pub phones: Vec<String>,
    /// E-mail.
    #[serde(default)]
    pub email: Option<String>,
    /// The responsible employee, by the PBX's employee id (`Employee::id`).
    #[serde(default)]
    pub responsible: Option<String>,
}

/// A directory contact as the CRM editor opens it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CrmRecord {
    /// The directory's id.
    pub contact_id: i64,
    /// The CRM's id; `None` for a contact not in the CRM yet (its draft then comes from the
    /// directory, and saving it adds it to the CRM).
    pub crm_id: Option<String>,
    /// The contact as the CRM has it now (or as the directory has it).
    pub draft: CrmDraft,
}

/// What a save did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CrmSaved {
    /// The CRM's id of the contact.
    pub crm_id: String,
    /// The directory's id of the contact that mirrors it.
    pub contact_id: i64,
}

/// One note on a CRM contact, for the editor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CrmNoteView {
    /// The note's id in the CRM.
    pub id: String,
    /// What it says.
    pub text: String,
    /// When it was written (or last changed), if the CRM says.
    pub at: Option<DateTime<Utc>>,
    /// Who wrote it, when the PBX's employee list names them.
    pub author: Option<String>,
}

/// A directory contact a batch upload left out, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UploadSkip {
    /// The directory's id.
    pub contact_id: i64,
    /// Its name.
    pub name: String,
    /// Why, in words.
    pub reason: String,
}

/// What a batch upload did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct UploadReport {
    /// Contacts sent to the CRM.
    pub sent: usize,
    /// Saved, as the CRM counts them.
    pub succeeded: u64,
    /// Not saved, as the CRM counts them.
    pub failed: u64,
    /// Directory contacts now linked to their CRM record (new to the CRM, found again by number).
    pub linked: usize,
    /// Left out before sending (no number...), or sent and not found again.
    pub skipped: Vec<UploadSkip>,
}

/// A PBX whose own CRM the app can edit.
#[async_trait]
pub trait CrmEdit: Send + Sync {
    /// Directory contact `contact_id` as the CRM has it now, ready to edit; a contact not in the
    /// CRM comes as the directory has it (`crm_id` `None`).
    async fn crm_contact_for(
        &self,
        store: &Store,
        contact_id: i64,
    ) -> Result<CrmRecord, ProviderError>;

    /// Adds `draft` to the CRM and to the directory. `link`: the directory contact it was
    /// written from (a local contact now going into the CRM), which then mirrors the new record
    /// instead of a second contact being added.
    async fn create_crm_contact(
        &self,
        store: &Store,
        draft: &CrmDraft,
        link: Option<i64>,
    ) -> Result<CrmSaved, ProviderError>;

    /// Saves `draft` over directory contact `contact_id`'s CRM record: each value where the
    /// record keeps it, the record's other fields untouched; then updates the directory.
    async fn update_crm_contact(
        &self,
        store: &Store,
        contact_id: i64,
        draft: &CrmDraft,
    ) -> Result<CrmSaved, ProviderError>;

    /// Deletes directory contact `contact_id`'s CRM record, then the contact itself. A record
    /// already gone from the CRM counts as deleted.
    async fn delete_crm_contact(&self, store: &Store, contact_id: i64)
        -> Result<(), ProviderError>;

    /// Up to `limit` directory contacts not in the CRM yet, by name: what "Upload to CRM"
    /// offers.
    fn crm_upload_candidates(
        &self,
        store: &Store,
        limit: usize,
    ) -> Result<Vec<Contact>, ProviderError>;

    /// Uploads directory contacts `contact_ids` to the CRM in batches (vega.md B.9
    /// `POST /crm/contacts/v2/batch`). Contacts new to the CRM are found again by number and
    /// linked to their record; ones already in it are sent with their id, and `merge` keeps the
    /// record's fields this upload leaves out (without it the upload replaces the record).
    async fn upload_to_crm(
        &self,
        store: &Store,
        contact_ids: &[i64],
        merge: bool,
    ) -> Result<UploadReport, ProviderError>;

    /// The notes with text on directory contact `contact_id`'s CRM record, newest first.
    async fn crm_notes_of(
        &self,
        store: &Store,
        contact_id: i64,
    ) -> Result<Vec<CrmNoteView>, ProviderError>;

    /// Adds a note saying `text` to directory contact `contact_id`'s CRM record, written by
    /// "me" when the PBX's employee list knows the account's user.
    async fn add_crm_note(
        &self,
        store: &Store,
        contact_id: i64,
        text: &str,
    ) -> Result<CrmNoteView, ProviderError>;

    /// Changes note `note_id` on directory contact `contact_id`'s CRM record to say `text`
    /// (the note's other fields as the CRM has them).
    async fn update_crm_note(
        &self,
        store: &Store,
        contact_id: i64,
        note_id: &str,
        text: &str,
    ) -> Result<(), ProviderError>;

    /// Deletes note `note_id` from directory contact `contact_id`'s CRM record; a note already
    /// gone counts as deleted.
    async fn delete_crm_note(
        &self,
        store: &Store,
        contact_id: i64,
        note_id: &str,
    ) -> Result<(), ProviderError>;
}

impl Account {
    /// Directory contact `contact_id` as the CRM has it now, ready to edit; a contact not in the
    /// CRM comes as the directory has it (`crm_id` `None`).
    pub async fn crm_contact_for(
        &self,
        store: &Store,
        contact_id: i64,
    ) -> Result<CrmRecord, ProviderError> {
        self.crm_editor("editing CRM contacts")?
            .crm_contact_for(store, contact_id)
            .await
    }

    /// Adds `draft` to the CRM and to the directory. `link`: the directory contact it was
    /// written from (a local contact now going into the CRM), which then mirrors the new record
    /// instead of a second contact being added.
    pub async fn create_crm_contact(
        &self,
        store: &Store,
        draft: &CrmDraft,
        link: Option<i64>,
    ) -> Result<CrmSaved, ProviderError> {
        self.crm_editor("adding CRM contacts")?
            .create_crm_contact(store, draft, link)
            .await
    }

    /// Saves `draft` over directory contact `contact_id`'s CRM record: each value where the
    /// record keeps it, the record's other fields untouched; then updates the directory.
    pub async fn update_crm_contact(
        &self,
        store: &Store,
        contact_id: i64,
        draft: &CrmDraft,
    ) -> Result<CrmSaved, ProviderError> {
        self.crm_editor("editing CRM contacts")?
            .update_crm_contact(store, contact_id, draft)
            .await
    }

    /// Deletes directory contact `contact_id`'s CRM record, then the contact itself. A record
    /// already gone from the CRM counts as deleted.
    pub async fn delete_crm_contact(
        &self,
        store: &Store,
        contact_id: i64,
    ) -> Result<(), ProviderError> {
        self.crm_editor("deleting CRM contacts")?
            .delete_crm_contact(store, contact_id)
            .await
    }

    /// Up to `limit` directory contacts not in the CRM yet, by name: what "Upload to CRM"
    /// offers.
    pub fn crm_upload_candidates(
        &self,
        store: &Store,
        limit: usize,
    ) -> Result<Vec<Contact>, ProviderError> {
        self.crm_editor("uploading contacts to the CRM")?
            .crm_upload_candidates(store, limit)
    }

    /// Uploads directory contacts `contact_ids` to the CRM in batches (vega.md B.9
    /// `POST /crm/contacts/v2/batch`). Contacts new to the CRM are found again by number and
    /// linked to their record; ones already in it are sent with their id, and `merge` keeps the
    /// record's fields this upload leaves out (without it the upload replaces the record).
    pub async fn upload_to_crm(
        &self,
        store: &Store,
        contact_ids: &[i64],
        merge: bool,
    ) -> Result<UploadReport, ProviderError> {
        self.crm_editor("uploading contacts to the CRM")?
            .upload_to_crm(store, contact_ids, merge)
            .await
    }

    /// The notes with text on directory contact `contact_id`'s CRM record, newest first.
    pub async fn crm_notes_of(
        &self,
        store: &Store,
        contact_id: i64,
    ) -> Result<Vec<CrmNoteView>, ProviderError> {
        self.crm_editor("CRM notes")?
            .crm_notes_of(store, contact_id)
            .await
    }

    /// Adds a note saying `text` to directory contact `contact_id`'s CRM record, written by
    /// "me" when the PBX's employee list knows the account's user.
    pub async fn add_crm_note(
        &self,
        store: &Store,
        contact_id: i64,
        text: &str,
    ) -> Result<CrmNoteView, ProviderError> {
        self.crm_editor("CRM notes")?
            .add_crm_note(store, contact_id, text)
            .await
    }

    /// Changes note `note_id` on directory contact `contact_id`'s CRM record to say `text`
    /// (the note's other fields as the CRM has them).
    pub async fn update_crm_note(
        &self,
        store: &Store,
        contact_id: i64,
        note_id: &str,
        text: &str,
    ) -> Result<(), ProviderError> {
        self.crm_editor("CRM notes")?
            .update_crm_note(store, contact_id, note_id, text)
            .await
    }

    /// Deletes note `note_id` from directory contact `contact_id`'s CRM record; a note already
    /// gone counts as deleted.
    pub async fn delete_crm_note(
        &self,
        store: &Store,
        contact_id: i64,
        note_id: &str,
    ) -> Result<(), ProviderError> {
        self.crm_editor("CRM notes")?
            .delete_crm_note(store, contact_id, note_id)
            .await
    }

    /// The provider's CRM editing, or `Unsupported` naming `action`.
    fn crm_editor(&self, action: &'static str) -> Result<&dyn CrmEdit, ProviderError> {
        self.offered(self.provider().crm_edit(), action)
    }
}
