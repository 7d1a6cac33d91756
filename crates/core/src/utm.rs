//! UTM tags (call tracking) kept with the call they belong to.
//!
//! vega.md A.3: the PBX posts a call's tags once a minute, keyed by the call's id
//! (`callParentUuid`), possibly before the call is in the local history and possibly again later.
//! So tags are stored by (provider, call id, tag name) and not tied to a `calls` row: a repeated
//! post merges into what is stored (a tag sent again replaces its value, the others stay), never
//! duplicates, and history reads them next to the call when it shows it.

use std::collections::{BTreeMap, HashMap};

use rusqlite::params_from_iter;

use crate::store::{Store, StoreError};

/// A call's tags: name → value, sorted by name (`utmSource` → `google`).
pub type UtmTags = BTreeMap<String, String>;

/// SQLite's default limit on `?` parameters is 999 in older builds; one look-up asks for at most
/// this many calls at a time.
const IDS_PER_QUERY: usize = 500;

impl Store {
    /// Saves `tags` for call `call_id` of `provider`, merged into those saved before. Empty names
    /// and empty call ids are ignored (nothing to key them by).
    pub fn save_utm_tags(
        &self,
        provider: &str,
        call_id: &str,
        tags: &UtmTags,
    ) -> Result<(), StoreError> {
        let (provider, call_id) = (provider.trim(), call_id.trim());
        if provider.is_empty() || call_id.is_empty() {
            return Ok(());
        }
        let mut conn = self.lock();
        let tx = conn.transaction()?;
        {
            let mut insert = tx.prepare_cached(
                "INSERT INTO call_utm (provider, call_id, name, value) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (provider, call_id, name) DO UPDATE SET value = excluded.value",
            )?;
            for (name, value) in tags {
                let name = name.trim();
                if !name.is_empty() {
                    insert.execute([provider, call_id, name, value.as_str()])?;
                }
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// The tags of one call; empty when it has none.
    pub fn utm_tags(&self, provider: &str, call_id: &str) -> Result<UtmTags, StoreError> {
        Ok(self
            .utm_tags_of_calls(provider, &[call_id])?
            .remove(call_id.trim())
            .unwrap_or_default())
    }

    /// The tags of many calls at once (a history page), by call id; calls without tags are
    /// absent from the map.
    pub fn utm_tags_of_calls(
        &self,
        provider: &str,
        call_ids: &[&str],
    ) -> Result<HashMap<String, UtmTags>, StoreError> {
        let provider = provider.trim();
        let mut found: HashMap<String, UtmTags> = HashMap::new();
        let conn = self.lock();
        for chunk in call_ids.chunks(IDS_PER_QUERY) {
            let marks = vec!["?"; chunk.len()].join(", ");
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT call_id, name, value FROM call_utm
                 WHERE provider = ? AND call_id IN ({marks})"
            ))?;
            let args = std::iter::once(provider).chain(chunk.iter().map(|id| id.trim()));
            let rows = stmt.query_map(params_from_iter(args), |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, String>(2)?,
                ))
            })?;
            for row in rows {
                let (call_id, name, value) = row?;
                found.entry(call_id).or_default().insert(name, value);
            }
        }
        Ok(found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(pairs: &[(&str, &str)]) -> UtmTags {
        pairs
            .iter()
            .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn tags_posted_again_merge_and_never_duplicate() {
        let store = Store::open_in_memory("UA").unwrap();
        store
            .save_utm_tags(
                "vega",
                "c1",
                &tags(&[("utmSource", "google"), ("utmMedium", "cpc")]),
            )
            .unwrap();
        store
            .save_utm_tags(
                "vega",
                "c1",
                &tags(&[("utmMedium", "email"), ("label", "callcatcher")]),
            )
            .unwrap();
        assert_eq!(
            store.utm_tags("vega", "c1").unwrap(),
            tags(&[
                ("label", "callcatcher"),
                ("utmMedium", "email"),
                ("utmSource", "google")
            ])
        );
        let rows: i64 = store
            .lock()
            .query_row("SELECT COUNT(*) FROM call_utm", [], |row| row.get(0))
            .unwrap();
        assert_eq!(rows, 3);
    }

    #[test]
    fn many_calls_are_read_at_once_and_providers_are_kept_apart() {
        let store = Store::open_in_memory("UA").unwrap();
        let ids: Vec<String> = (0..1200).map(|i| format!("call-{i}")).collect();
        for id in ids.iter().step_by(2) {
            store
                .save_utm_tags("vega", id, &tags(&[("utmSource", id)]))
                .unwrap();
        }
        store
            .save_utm_tags("other", "call-1", &tags(&[("utmSource", "x")]))
            .unwrap();
        let wanted: Vec<&str> = ids.iter().map(String::as_str).collect();
        let found = store.utm_tags_of_calls("vega", &wanted).unwrap();
        assert_eq!(found.len(), 600);
        assert_eq!(found["call-1198"]["utmSource"], "call-1198");
        assert!(!found.contains_key("call-1"));
        assert!(store.utm_tags("vega", "nope").unwrap().is_empty());
        assert!(store.utm_tags_of_calls("vega", &[]).unwrap().is_empty());
    }

    #[test]
    fn blank_keys_are_ignored() {
        let store = Store::open_in_memory("UA").unwrap();
        store
            .save_utm_tags("vega", " ", &tags(&[("utmSource", "google")]))
            .unwrap();
        store
            .save_utm_tags("vega", "c1", &tags(&[(" ", "x"), ("label", "")]))
            .unwrap();
        assert_eq!(
            store.utm_tags("vega", "c1").unwrap(),
            tags(&[("label", "")])
        );
    }
}
