//! Reading back which record of an outside source (a CRM) a directory contact mirrors: the
//! other direction of [`Store::upsert_contact_by_external_id`], for asking that source more about
//! the contact (its notes, vega.md B.9).

use rusqlite::OptionalExtension;

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
}
