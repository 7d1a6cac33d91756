//! Reading back which record of an outside source (a CRM) a directory contact mirrors: the
//! other direction of [`Store::upsert_contact_by_external_id`], for asking that source more about
//! the contact (its notes, vega.md B.9); linking a local contact to a record it was uploaded as,
//! and removing the contact of a deleted record.

use rusqlite::OptionalExtension;

use crate::directory::Contact;
use crate::store::{Store, StoreError};

impl Store {
    /// The id in `source` (e.g. `"vega-crm"`) of the record directory contact `contact_id` was
    /// synced from; `None` for a contact that did not come from that source.
    pub fn external_id_of(
        &self,
        source: &str,
        contact_id: i64,
    ) -> Result<Option<String>, StoreError> {
        Ok(self
            .lock()
            .prepare_cached(
                "SELECT external_id FROM contact_sources WHERE source = ?1 AND contact_id = ?2
                 ORDER BY rowid DESC LIMIT 1",
            )?
            .query_row(rusqlite::params![source.trim(), contact_id], |row| {
                row.get(0)
            })
            .optional()?)
    }

    /// Makes directory contact `contact_id` the mirror of record `external_id` of `source` (a
    /// local contact just uploaded to that CRM), so the next sync updates it in place instead of
    /// adding a second contact. A record already mirrored by another contact moves to this one.
    pub fn link_to_source(
        &self,
        source: &str,
        external_id: &str,
        contact_id: i64,
    ) -> Result<(), StoreError> {
        let (source, external_id) = (source.trim(), external_id.trim());
        if source.is_empty() || external_id.is_empty() {
            return Err(StoreError::Import(format!(
                "a linked contact needs a source and an id (got {source:?}, {external_id:?})"
            )));
        }
        self.lock()
            .prepare_cached(
                "INSERT INTO contact_sources (source, external_id, contact_id) VALUES (?1, ?2, ?3)
                 ON CONFLICT (source, external_id) DO UPDATE SET contact_id = excluded.contact_id",
            )?
            .execute(rusqlite::params![source, external_id, contact_id])?;
        Ok(())
    }

    /// Removes contact `contact_id` from the directory (its numbers and source links go with
    /// it): the record it mirrored was deleted from the CRM. False when there was no such contact.
    pub fn delete_contact(&self, contact_id: i64) -> Result<bool, StoreError> {
        let deleted = self
            .lock()
            .prepare_cached("DELETE FROM contacts WHERE id = ?1")?
            .execute([contact_id])?;
        Ok(deleted > 0)
    }

    /// Up to `limit` directory contacts that do not mirror a record of `source` (the ones not
    /// yet in that CRM), by name.
    pub fn contacts_not_from(
        &self,
        source: &str,
        limit: usize,
    ) -> Result<Vec<Contact>, StoreError> {
        let ids: Vec<i64> = {
            let conn = self.lock();
            let mut statement = conn.prepare_cached(
                "SELECT id FROM contacts c WHERE NOT EXISTS
                   (SELECT 1 FROM contact_sources s WHERE s.contact_id = c.id AND s.source = ?1)
                 ORDER BY name_lc, id LIMIT ?2",
            )?;
            let rows = statement.query_map(
                rusqlite::params![source.trim(), i64::try_from(limit).unwrap_or(i64::MAX)],
                |row| row.get(0),
            )?;
            rows.collect::<Result<_, _>>()?
        };
        self.contacts_by_id(&ids)
    }
}

#[cfg(test)]
mod tests {
    use crate::{NewContact, PhoneNumber, Store};

    #[test]
    fn the_external_id_of_a_synced_contact_is_found_and_others_have_none() {
        let store = Store::open_in_memory("UA").unwrap();
        let contact = NewContact {
            name: "Олександр".into(),
            phones: vec![PhoneNumber::parse("+380440000000", "UA")],
            ..NewContact::default()
        };
        let synced = store
            .upsert_contact_by_external_id("vega-crm", "85491", &contact)
            .unwrap()
            .id();
        let local = store.add_contact(&contact).unwrap();
        assert_eq!(
            store.external_id_of("vega-crm", synced).unwrap().as_deref(),
            Some("85491")
        );
        assert_eq!(store.external_id_of("other-crm", synced).unwrap(), None);
        assert_eq!(store.external_id_of("vega-crm", local).unwrap(), None);
        assert_eq!(store.external_id_of("vega-crm", 999).unwrap(), None);
    }

    #[test]
    fn a_local_contact_is_linked_listed_until_then_and_deleted_with_its_links() {
        let store = Store::open_in_memory("UA").unwrap();
        let contact = |name: &str, phone: &str| NewContact {
            name: name.into(),
            phones: vec![PhoneNumber::parse(phone, "UA")],
            ..NewContact::default()
        };
        let synced = store
            .upsert_contact_by_external_id("vega-crm", "1", &contact("Б", "+380440000001"))
            .unwrap()
            .id();
        let local = store.add_contact(&contact("А", "+380440000002")).unwrap();
        let names = |list: Vec<crate::Contact>| list.into_iter().map(|c| c.id).collect::<Vec<_>>();
        assert_eq!(
            names(store.contacts_not_from("vega-crm", 10).unwrap()),
            [local]
        );
        assert_eq!(store.contacts_not_from("vega-crm", 0).unwrap().len(), 0);

        store.link_to_source("vega-crm", "2", local).unwrap();
        assert!(store.contacts_not_from("vega-crm", 10).unwrap().is_empty());
        assert_eq!(
            store.external_id_of("vega-crm", local).unwrap().as_deref(),
            Some("2")
        );
        // A later sync of record 2 updates the linked contact in place.
        let again = store
            .upsert_contact_by_external_id("vega-crm", "2", &contact("А2", "+380440000002"))
            .unwrap();
        assert_eq!(again.id(), local);

        assert!(store.delete_contact(synced).unwrap());
        assert!(!store.delete_contact(synced).unwrap());
        assert_eq!(store.external_id_of("vega-crm", synced).unwrap(), None);
        assert_eq!(
            store
                .lookup(&PhoneNumber::parse("+380440000001", "UA"))
                .unwrap(),
            None
        );
        assert_eq!(store.contact_count().unwrap(), 1);
    }
}
