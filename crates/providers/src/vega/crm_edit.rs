//! Editing Vega's CRM Teler from the app (vega.md B.9): a contact (create, update, delete), a
//! batch upload of directory contacts, and a contact's notes — the [`CrmEdit`] capability.
//!
//! Contacts are named by their directory id, as the contact list knows them; the CRM's id is the
//! directory's link to it (`Store::external_id_of` under [`SYNC_SOURCE`]). After each change
//! the directory is brought in line directly (the saved contact read back and upserted as the
//! sync would, or removed), so the list and the caller card show it without waiting for a sync.
//!
//! vega.md B.9 has no "create one contact" call: a new contact goes through the batch upload,
//! whose answer is only `{succeeded, failed}`. Its id is found afterwards as the one contact with
//! its number (`searchByOLNum`) that was not there before the upload.

mod fields;

use std::collections::HashSet;

use async_trait::async_trait;
use callpop_core::{Contact, Employee, Store};

use super::crm::{notes, to_new_contact, CrmContact, CrmNote, SYNC_SOURCE};
use super::provider::VegaProvider;
use super::time::from_epoch_number;
use super::{VegaClient, VegaError};
use crate::account::ProviderError;
use crate::crm_edit::{
    CrmDraft, CrmEdit, CrmNoteView, CrmRecord, CrmSaved, UploadReport, UploadSkip,
};
use fields::FieldLabels;

/// Contacts sent per batch upload: vega.md B.9 sets no limit; this keeps each request small.
const UPLOAD_BATCH: usize = 100;

/// Directory contacts looked at for a CRM contact to learn the account's field labels from.
const LABEL_SAMPLE: usize = 20;

#[async_trait]
impl CrmEdit for VegaProvider {
    async fn crm_contact_for(
        &self,
        store: &Store,
        contact_id: i64,
    ) -> Result<CrmRecord, ProviderError> {
        let client = &self.client;
        let contact = directory_contact(store, contact_id)?;
        let Some(crm_id) = crm_id_of(store, contact_id)? else {
            return Ok(CrmRecord {
                contact_id,
                crm_id: None,
                draft: CrmDraft {
                    name: contact.name.clone(),
                    company: contact.company.clone(),
                    phones: contact.phones.iter().map(|p| p.display()).collect(),
                    email: None,
                    responsible: None,
                },
            });
        };
        let crm = client.crm_contact(crm_id).await?;
        let settings = client.settings();
        Ok(CrmRecord {
            contact_id,
            crm_id: Some(crm_id.to_string()),
            draft: fields::draft_of(&crm, &settings.base_url, &settings.region, &contact.name),
        })
    }

    async fn create_crm_contact(
        &self,
        store: &Store,
        draft: &CrmDraft,
        link: Option<i64>,
    ) -> Result<CrmSaved, ProviderError> {
        let client = &self.client;
        let region = &client.settings().region;
        let checked = fields::check(draft, region).map_err(ProviderError::InvalidInput)?;
        if let Some(contact_id) = link {
            directory_contact(store, contact_id)?;
        }
        let labels = account_labels(client, store).await;
        let contact = fields::new_contact(&checked, &labels);
        let number = checked.phones[0].key();
        let before = ids_with_number(client, &number).await?;
        let result = client
            .crm_upload(false, std::slice::from_ref(&contact))
            .await?;
        if result.succeeded == 0 {
            return Err(ProviderError::CrmRefused(
                "the CRM did not save the contact and gave no reason; check its fields (the \
                 number, the e-mail) and try again"
                    .to_owned(),
            ));
        }
        let crm_id = new_id_with_number(client, &number, &before)
            .await?
            .ok_or_else(|| {
                ProviderError::CrmRefused(format!(
                    "the CRM says it saved the contact, but no new contact has the number \
                     {number}; use \"Sync from the CRM\" to see it"
                ))
            })?;
        if let Some(contact_id) = link {
            store.link_to_source(SYNC_SOURCE, &crm_id.to_string(), contact_id)?;
        }
        let contact_id = mirror(client, store, crm_id).await?;
        Ok(CrmSaved {
            crm_id: crm_id.to_string(),
            contact_id,
        })
    }

    async fn update_crm_contact(
        &self,
        store: &Store,
        contact_id: i64,
        draft: &CrmDraft,
    ) -> Result<CrmSaved, ProviderError> {
        let client = &self.client;
        let region = client.settings().region.clone();
        let checked = fields::check(draft, &region).map_err(ProviderError::InvalidInput)?;
        let before = directory_contact(store, contact_id)?;
        let crm_id = require_crm_id(store, contact_id)?;
        let mut crm = client.crm_contact(crm_id).await?;
        let labels = FieldLabels::defaults(&region).learned_from(&crm, &region);
        fields::apply(&mut crm, &checked, &labels, &region, &before.name);
        client.crm_update_contact(&crm).await?;
        let contact_id = mirror(client, store, crm_id).await?;
        Ok(CrmSaved {
            crm_id: crm_id.to_string(),
            contact_id,
        })
    }

    async fn delete_crm_contact(
        &self,
        store: &Store,
        contact_id: i64,
    ) -> Result<(), ProviderError> {
        let client = &self.client;
        let crm_id = require_crm_id(store, contact_id)?;
        match client.crm_delete_contact(crm_id).await {
            Ok(()) | Err(VegaError::NotFound { .. }) => {}
            Err(error) => return Err(error.into()),
        }
        store.delete_contact(contact_id)?;
        Ok(())
    }

    fn crm_upload_candidates(
        &self,
        store: &Store,
        limit: usize,
    ) -> Result<Vec<Contact>, ProviderError> {
        Ok(store.contacts_not_from(SYNC_SOURCE, limit)?)
    }

    async fn upload_to_crm(
        &self,
        store: &Store,
        contact_ids: &[i64],
        merge: bool,
    ) -> Result<UploadReport, ProviderError> {
        let client = &self.client;
        let region = client.settings().region.clone();
        let labels = account_labels(client, store).await;
        let mut report = UploadReport::default();
        // (directory contact, its CRM id when already there, the number to find it by)
        let mut outgoing: Vec<(Contact, Option<i64>, CrmContact)> = Vec::new();
        for contact in store.contacts_by_id(contact_ids)? {
            let draft = CrmDraft {
                name: contact.name.clone(),
                company: contact.company.clone(),
                phones: contact.phones.iter().map(|p| p.key()).collect(),
                email: None,
                responsible: None,
            };
            let checked = match fields::check(&draft, &region) {
                Ok(checked) => checked,
                Err(reason) => {
                    report.skipped.push(UploadSkip {
                        contact_id: contact.id,
                        name: contact.name.clone(),
                        reason,
                    });
                    continue;
                }
            };
            let crm_id = crm_id_of(store, contact.id)?;
            let mut crm = fields::new_contact(&checked, &labels);
            crm.id = crm_id;
            outgoing.push((contact, crm_id, crm));
        }
        for batch in outgoing.chunks(UPLOAD_BATCH) {
            let mut before = Vec::with_capacity(batch.len());
            for (contact, crm_id, _) in batch {
                before.push(match (crm_id, contact.phones.first()) {
                    (None, Some(number)) => Some(ids_with_number(client, &number.key()).await?),
                    _ => None,
                });
            }
            let contacts: Vec<CrmContact> = batch.iter().map(|(_, _, crm)| crm.clone()).collect();
            let result = client.crm_upload(merge, &contacts).await?;
            report.sent += contacts.len();
            report.succeeded += result.succeeded;
            report.failed += result.failed;
            for ((contact, crm_id, _), before) in batch.iter().zip(before) {
                let found = match (crm_id, before) {
                    (Some(id), _) => Some(*id),
                    (None, Some(before)) => {
                        let number = contact.phones[0].key();
                        let found = new_id_with_number(client, &number, &before).await?;
                        if let Some(id) = found {
                            store.link_to_source(SYNC_SOURCE, &id.to_string(), contact.id)?;
                            report.linked += 1;
                        }
                        found
                    }
                    (None, None) => None,
                };
                match found {
                    Some(id) => match mirror(client, store, id).await {
                        Ok(_) => {}
                        // Deleted in the CRM meanwhile, or not saved: the directory keeps it.
                        Err(error) if matches!(error.pbx(), Some(VegaError::NotFound { .. })) => {}
                        Err(error) => return Err(error),
                    },
                    None => report.skipped.push(UploadSkip {
                        contact_id: contact.id,
                        name: contact.name.clone(),
                        reason:
                            "not found in the CRM after the upload (the CRM may have refused it)"
                                .to_owned(),
                    }),
                }
            }
        }
        Ok(report)
    }

    async fn crm_notes_of(
        &self,
        store: &Store,
        contact_id: i64,
    ) -> Result<Vec<CrmNoteView>, ProviderError> {
        let client = &self.client;
        let crm_id = require_crm_id(store, contact_id)?;
        let notes = client.crm_notes(crm_id).await?;
        let employees = employees_or_none(client).await;
        let mut views: Vec<(i64, CrmNoteView)> = notes
            .iter()
            .filter_map(|note| Some((note.id.unwrap_or_default(), note_view(note, &employees)?)))
            .collect();
        // Newest first; notes of the same moment by id, the one saved later first.
        views.sort_by_key(|(id, view)| std::cmp::Reverse((view.at, *id)));
        Ok(views.into_iter().map(|(_, view)| view).collect())
    }

    async fn add_crm_note(
        &self,
        store: &Store,
        contact_id: i64,
        text: &str,
    ) -> Result<CrmNoteView, ProviderError> {
        let client = &self.client;
        let text = note_text(text)?;
        let crm_id = require_crm_id(store, contact_id)?;
        let employees = employees_or_none(client).await;
        let me = self.config.user.as_deref().and_then(|user| {
            employees
                .iter()
                .find(|e| e.ext.as_deref() == Some(user) || e.id == user)
                .and_then(|e| e.id.parse::<i64>().ok())
        });
        let saved = client
            .crm_add_note(
                crm_id,
                &CrmNote {
                    element_id: Some(crm_id),
                    content: Some(text),
                    responsible_user_id: me,
                    ..CrmNote::default()
                },
            )
            .await?;
        note_view(&saved, &employees).ok_or_else(|| {
            ProviderError::CrmRefused("the CRM saved the note without its text".to_owned())
        })
    }

    async fn update_crm_note(
        &self,
        store: &Store,
        contact_id: i64,
        note_id: &str,
        text: &str,
    ) -> Result<(), ProviderError> {
        let client = &self.client;
        let text = note_text(text)?;
        let crm_id = require_crm_id(store, contact_id)?;
        let note_id = parse_note_id(note_id)?;
        let mut note = client
            .crm_notes(crm_id)
            .await?
            .into_iter()
            .find(|note| note.id == Some(note_id))
            .ok_or_else(|| {
                ProviderError::CrmRefused(
                    "this note is no longer in the CRM (deleted elsewhere?)".to_owned(),
                )
            })?;
        note.content = Some(text);
        Ok(client.crm_update_note(crm_id, &note).await?)
    }

    async fn delete_crm_note(
        &self,
        store: &Store,
        contact_id: i64,
        note_id: &str,
    ) -> Result<(), ProviderError> {
        let client = &self.client;
        let crm_id = require_crm_id(store, contact_id)?;
        let note_id = parse_note_id(note_id)?;
        match client.crm_delete_note(crm_id, note_id).await {
            Ok(()) | Err(VegaError::NotFound { .. }) => Ok(()),
            Err(error) => Err(error.into()),
        }
    }
}

fn directory_contact(store: &Store, contact_id: i64) -> Result<Contact, ProviderError> {
    store.contacts_by_id(&[contact_id])?.pop().ok_or_else(|| {
        ProviderError::InvalidInput(
            "this contact is no longer in the directory (deleted meanwhile?)".to_owned(),
        )
    })
}

/// The CRM id of a directory contact, when it mirrors a CRM Teler record.
fn crm_id_of(store: &Store, contact_id: i64) -> Result<Option<i64>, ProviderError> {
    Ok(store
        .external_id_of(SYNC_SOURCE, contact_id)?
        .and_then(|id| id.trim().parse::<i64>().ok()))
}

fn require_crm_id(store: &Store, contact_id: i64) -> Result<i64, ProviderError> {
    directory_contact(store, contact_id)?;
    crm_id_of(store, contact_id)?.ok_or_else(|| {
        ProviderError::InvalidInput(
            "this contact is not in the CRM yet: save it to the CRM (or upload it) first"
                .to_owned(),
        )
    })
}

fn note_text(text: &str) -> Result<String, ProviderError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(ProviderError::InvalidInput("the note is empty".to_owned()));
    }
    Ok(text.to_owned())
}

fn parse_note_id(id: &str) -> Result<i64, ProviderError> {
    id.trim()
        .parse::<i64>()
        .map_err(|_| ProviderError::InvalidInput(format!("{id:?} is not a CRM note id")))
}

fn note_view(note: &CrmNote, employees: &[Employee]) -> Option<CrmNoteView> {
    let text = notes::note_text(note)?;
    let at = note
        .last_modified
        .filter(|ms| *ms > 0)
        .or(note.date_create.filter(|ms| *ms > 0))
        .and_then(|ms| from_epoch_number(ms as f64));
    let author = notes::note_author(note, employees);
    Some(CrmNoteView {
        id: note.id.unwrap_or_default().to_string(),
        text: text.to_owned(),
        at,
        author,
    })
}

/// Names are a nicety: without the employee list (vega.md B.8) the CRM still works.
async fn employees_or_none(client: &VegaClient) -> Vec<Employee> {
    client.employees().await.unwrap_or_else(|error| {
        tracing::debug!(%error, "CRM employees left unnamed");
        Vec::new()
    })
}

/// The labels the account writes its values under, learned from one of its contacts the
/// directory mirrors; the defaults for the region when there is none to ask.
async fn account_labels(client: &VegaClient, store: &Store) -> FieldLabels {
    let region = client.settings().region.clone();
    let defaults = FieldLabels::defaults(&region);
    let sample = store.search("", LABEL_SAMPLE).unwrap_or_default();
    for contact in sample {
        let Ok(Some(crm_id)) = crm_id_of(store, contact.id) else {
            continue;
        };
        return match client.crm_contact(crm_id).await {
            Ok(crm) => defaults.learned_from(&crm, &region),
            Err(error) => {
                tracing::debug!(%error, "CRM labels not learned: using the defaults");
                defaults
            }
        };
    }
    defaults
}

async fn ids_with_number(client: &VegaClient, number: &str) -> Result<HashSet<i64>, ProviderError> {
    Ok(client
        .crm_contacts_by_number(number)
        .await?
        .iter()
        .filter_map(|c| c.id)
        .collect())
}

/// The newest contact with `number` that is not among `before`.
async fn new_id_with_number(
    client: &VegaClient,
    number: &str,
    before: &HashSet<i64>,
) -> Result<Option<i64>, ProviderError> {
    Ok(ids_with_number(client, number)
        .await?
        .into_iter()
        .filter(|id| !before.contains(id))
        .max())
}

/// Reads CRM record `crm_id` back and upserts it into the directory as the sync would (same
/// mapping, same key), so the next sync finds it unchanged. Returns the directory's id.
async fn mirror(client: &VegaClient, store: &Store, crm_id: i64) -> Result<i64, ProviderError> {
    let crm = client.crm_contact(crm_id).await?;
    let employees = employees_or_none(client).await;
    let settings = client.settings();
    let mapped = to_new_contact(&crm, &settings.base_url, &settings.region, &employees).map_err(
        |reason| ProviderError::CrmRefused(format!("the CRM saved the contact, but {reason}")),
    )?;
    Ok(store
        .upsert_contact_by_external_id(SYNC_SOURCE, &crm_id.to_string(), &mapped)?
        .id())
}
