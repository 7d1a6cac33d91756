//! The contact directory: look-up by any spelling of a number, search for the contact list.
//!
//! A contact's numbers are stored by their [`PhoneNumber::key`], so a look-up is one exact match
//! on an index, never a "last N digits" guess. Search works on two things:
//! - text (the query has a letter, or nothing but punctuation): a case-insensitive substring of
//!   the name or the company, Cyrillic included (`иван` finds `Иван`, `семен` finds `Семён`);
//! - a number (the query is digits with phone punctuation: `+7 910`, `8910`, `044 22`): a prefix
//!   of the number's digits. See `number_prefixes` for how a query written nationally finds
//!   numbers stored in E.164.

use std::sync::Arc;

use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

use crate::event::ContactInfo;
use crate::phone::PhoneNumber;
use crate::search_index::{build_index, directory_signature, reader, SearchIndex, Signature};
use crate::store::{Store, StoreError};

/// A person in the directory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Contact {
    /// Row id.
    pub id: i64,
    /// Full name.
    pub name: String,
    /// Company.
    pub company: Option<String>,
    /// Responsible employee (name, extension or e-mail, as imported).
    pub responsible: Option<String>,
    /// Link to the CRM record.
    pub url: Option<String>,
    /// Free text.
    pub notes: Option<String>,
    /// Every number of the contact, normalised.
    pub phones: Vec<PhoneNumber>,
}

impl Contact {
    /// The parts shown on a caller card.
    pub fn info(&self) -> ContactInfo {
        ContactInfo {
            name: Some(self.name.clone()),
            company: self.company.clone(),
            responsible: self.responsible.clone(),
            url: self.url.clone(),
        }
    }
}

/// A contact to be added.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NewContact {
    /// Full name.
    pub name: String,
    /// Company.
    pub company: Option<String>,
    /// Responsible employee.
    pub responsible: Option<String>,
    /// Link to the CRM record.
    pub url: Option<String>,
    /// Free text.
    pub notes: Option<String>,
    /// Numbers, already normalised.
    pub phones: Vec<PhoneNumber>,
}

impl Store {
    /// Adds a contact; returns its id. Text is trimmed and empty optional fields are stored as
    /// absent; a number given twice is stored once, and an empty raw number not at all.
    pub fn add_contact(&self, contact: &NewContact) -> Result<i64, StoreError> {
        let mut conn = self.lock();
        let tx = conn.transaction()?;
        let id = insert_contact(&tx, contact)?;
        tx.commit()?;
        Ok(id)
    }

    /// The contact with this number, however it was written. When several contacts share the
    /// number, the one added last wins: it is the freshest import.
    pub fn lookup(&self, number: &PhoneNumber) -> Result<Option<Contact>, StoreError> {
        let key = number.key();
        if key.is_empty() {
            return Ok(None);
        }
        let conn = self.lock();
        let id: Option<i64> = conn
            .prepare_cached(LOOKUP_SQL)?
            .query_row([&key], |row| row.get(0))
            .optional()?;
        match id {
            Some(id) => load_contact(&conn, id),
            None => Ok(None),
        }
    }

    /// Contacts whose name or company contains `query` (any case), or whose number starts with
    /// the digits of `query`; at most `limit`, by name.
    ///
    /// An empty query lists the directory from the start of the alphabet.
    pub fn search(&self, query: &str, limit: usize) -> Result<Vec<Contact>, StoreError> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let query = query.trim();
        let conn = self.lock();
        let ids: Vec<i64> = if query.is_empty() {
            let mut stmt = conn.prepare_cached(ALL_BY_NAME_SQL)?;
            let rows = stmt.query_map([limit], |row| row.get(0))?;
            rows.collect::<Result<_, _>>()?
        } else if is_number_query(query) {
            let ranges = number_ranges(query, &self.region);
            let mut bounds: Vec<&dyn rusqlite::ToSql> = Vec::new();
            for (lower, upper) in &ranges {
                bounds.push(lower);
                bounds.push(upper);
            }
            bounds.push(&limit);
            // One statement per count of prefixes (at most three), so the cache holds them all.
            let mut stmt = conn.prepare_cached(&number_search_sql(ranges.len()))?;
            let rows = stmt.query_map(bounds.as_slice(), |row| row.get(0))?;
            rows.collect::<Result<_, _>>()?
        } else {
            let mut stmt = conn.prepare_cached(TEXT_SEARCH_SQL)?;
            let rows = stmt.query_map(params![fold(query), limit], |row| row.get(0))?;
            rows.collect::<Result<_, _>>()?
        };
        let mut contacts = Vec::with_capacity(ids.len());
        for id in ids {
            contacts.extend(load_contact(&conn, id)?);
        }
        Ok(contacts)
    }

    /// The contacts with these ids, in that order; ids no longer in the directory are left out.
    pub fn contacts_by_id(&self, ids: &[i64]) -> Result<Vec<Contact>, StoreError> {
        let conn = self.lock();
        let mut contacts = Vec::with_capacity(ids.len());
        for id in ids {
            contacts.extend(load_contact(&conn, *id)?);
        }
        Ok(contacts)
    }

    /// How many contacts the directory holds.
    pub fn contact_count(&self) -> Result<usize, StoreError> {
        let count: i64 = self
            .lock()
            .query_row("SELECT COUNT(*) FROM contacts", [], |row| row.get(0))?;
        Ok(usize::try_from(count).unwrap_or(0))
    }
}

/// What [`Store::upsert_contact_by_external_id`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Upsert {
    /// The source's record was new to the directory: a contact was added with this id.
    Added(i64),
    /// The directory's contact for the record differed and was rewritten.
    Updated(i64),
    /// The directory's contact already said exactly this.
    Unchanged(i64),
}

impl Upsert {
    /// The directory's id of the contact.
    pub fn id(self) -> i64 {
        match self {
            Upsert::Added(id) | Upsert::Updated(id) | Upsert::Unchanged(id) => id,
        }
    }
}

impl Store {
    /// Adds or updates the contact that mirrors record `external_id` of `source` (e.g.
    /// `("vega-crm", "7068")`): the first time it is added, later it is rewritten in place (same
    /// id, numbers replaced), so syncing again never duplicates. A contact deleted from the
    /// directory by hand is added again.
    pub fn upsert_contact_by_external_id(
        &self,
        source: &str,
        external_id: &str,
        contact: &NewContact,
    ) -> Result<Upsert, StoreError> {
        let (source, external_id) = (source.trim(), external_id.trim());
        if source.is_empty() || external_id.is_empty() {
            return Err(StoreError::Import(format!(
                "a synced contact needs a source and an id (got {source:?}, {external_id:?})"
            )));
        }
        let mut conn = self.lock();
        let tx = conn.transaction()?;
        let existing: Option<i64> = tx
            .prepare_cached(
                "SELECT contact_id FROM contact_sources WHERE source = ?1 AND external_id = ?2",
            )?
            .query_row([source, external_id], |row| row.get(0))
            .optional()?;
        let outcome = match existing {
            None => {
                let id = insert_contact(&tx, contact)?;
                tx.prepare_cached(
                    "INSERT INTO contact_sources (source, external_id, contact_id)
                     VALUES (?1, ?2, ?3)",
                )?
                .execute(params![source, external_id, id])?;
                Upsert::Added(id)
            }
            Some(id) => {
                let current = load_contact(&tx, id)?;
                if current.is_some_and(|current| same_contact(&current, contact)) {
                    Upsert::Unchanged(id)
                } else {
                    update_contact(&tx, id, contact)?;
                    Upsert::Updated(id)
                }
            }
        };
        tx.commit()?;
        Ok(outcome)
    }

    /// The value a sync of `source` stored last (see [`Store::set_sync_state`]), if any.
    pub fn sync_state(&self, source: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .lock()
            .prepare_cached("SELECT value FROM sync_state WHERE source = ?1")?
            .query_row([source], |row| row.get(0))
            .optional()?)
    }

    /// Remembers `value` (e.g. the last modification time seen) for the next sync of `source`.
    pub fn set_sync_state(&self, source: &str, value: &str) -> Result<(), StoreError> {
        self.lock()
            .prepare_cached(
                "INSERT INTO sync_state (source, value) VALUES (?1, ?2)
                 ON CONFLICT (source) DO UPDATE SET value = excluded.value",
            )?
            .execute([source, value])?;
        Ok(())
    }
}

/// True when storing `new` would change nothing in `current` (text as stored: trimmed, empty
/// as absent; numbers as a set).
fn same_contact(current: &Contact, new: &NewContact) -> bool {
    let mut old_keys: Vec<String> = current.phones.iter().map(PhoneNumber::key).collect();
    let mut new_keys: Vec<String> = new
        .phones
        .iter()
        .map(PhoneNumber::key)
        .filter(|k| !k.is_empty())
        .collect();
    old_keys.sort();
    old_keys.dedup();
    new_keys.sort();
    new_keys.dedup();
    current.name == new.name.trim()
        && current.company.as_deref() == clean(&new.company)
        && current.responsible.as_deref() == clean(&new.responsible)
        && current.url.as_deref() == clean(&new.url)
        && current.notes.as_deref() == clean(&new.notes)
        && old_keys == new_keys
}

/// Rewrites contact `id` and replaces its numbers, in the caller's transaction.
fn update_contact(conn: &Connection, id: i64, contact: &NewContact) -> Result<(), StoreError> {
    let name = contact.name.trim();
    let company = clean(&contact.company);
    conn.prepare_cached(
        "UPDATE contacts SET name = ?2, company = ?3, responsible = ?4, url = ?5, notes = ?6,
         name_lc = ?7, company_lc = ?8 WHERE id = ?1",
    )?
    .execute(params![
        id,
        name,
        company,
        clean(&contact.responsible),
        clean(&contact.url),
        clean(&contact.notes),
        fold(name),
        fold(company.unwrap_or_default()),
    ])?;
    conn.prepare_cached("DELETE FROM contact_phones WHERE contact_id = ?1")?
        .execute([id])?;
    let mut insert_phone = conn.prepare_cached(
        "INSERT OR IGNORE INTO contact_phones (contact_id, phone_key, digits) VALUES (?1, ?2, ?3)",
    )?;
    for phone in &contact.phones {
        let key = phone.key();
        if !key.is_empty() {
            insert_phone.execute(params![id, key, phone.digits()])?;
        }
    }
    Ok(())
}

/// The newest contact having a number: the index on (phone_key, contact_id) answers it alone.
const LOOKUP_SQL: &str =
    "SELECT contact_id FROM contact_phones WHERE phone_key = ?1 ORDER BY contact_id DESC LIMIT 1";

const ALL_BY_NAME_SQL: &str = "SELECT id FROM contacts ORDER BY name_lc, id LIMIT ?1";

/// A substring cannot use an index, so this reads the table; walking `contacts_by_name` in
/// order lets SQLite stop as soon as `limit` rows matched.
const TEXT_SEARCH_SQL: &str = "SELECT id FROM contacts
     WHERE instr(name_lc, ?1) > 0 OR instr(company_lc, ?1) > 0
     ORDER BY name_lc, id LIMIT ?2";

/// The character right after `9`: every string of digits that starts with `p` lies in
/// `[p, p + DIGITS_END)`, a range the `digits` index answers directly.
const DIGITS_END: char = ':';

/// One range over `contact_phones.digits` per prefix; parameters are the ranges' bounds in
/// order, then the limit.
fn number_search_sql(ranges: usize) -> String {
    let matches: Vec<String> = (0..ranges)
        .map(|i| {
            format!(
                "SELECT contact_id FROM contact_phones WHERE digits >= ?{} AND digits < ?{}",
                2 * i + 1,
                2 * i + 2
            )
        })
        .collect();
    format!(
        "SELECT id FROM contacts WHERE id IN ({}) ORDER BY name_lc, id LIMIT ?{}",
        matches.join(" UNION "),
        2 * ranges + 1
    )
}

/// Inserts a contact and its numbers with the caller's transaction (one per import, or one per
/// [`Store::add_contact`]).
pub(crate) fn insert_contact(conn: &Connection, contact: &NewContact) -> Result<i64, StoreError> {
    ContactInserts::new(conn)?.insert(contact)
}

/// The statements that add contacts, prepared once for a whole import rather than looked up in
/// the statement cache per row.
pub(crate) struct ContactInserts<'conn> {
    contact: rusqlite::CachedStatement<'conn>,
    phone: rusqlite::CachedStatement<'conn>,
}

impl<'conn> ContactInserts<'conn> {
    pub(crate) fn new(conn: &'conn Connection) -> Result<Self, StoreError> {
        Ok(ContactInserts {
            contact: conn.prepare_cached(
                "INSERT INTO contacts (name, company, responsible, url, notes, name_lc, company_lc)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?,
            phone: conn.prepare_cached(
                "INSERT OR IGNORE INTO contact_phones (contact_id, phone_key, digits) \
                 VALUES (?1, ?2, ?3)",
            )?,
        })
    }

    /// Adds `contact` (see [`Store::add_contact`] for what is cleaned); returns its id.
    pub(crate) fn insert(&mut self, contact: &NewContact) -> Result<i64, StoreError> {
        let name = contact.name.trim();
        let company = clean(&contact.company);
        let row = ContactRow {
            name,
            company,
            responsible: clean(&contact.responsible),
            url: clean(&contact.url),
            notes: clean(&contact.notes),
            name_lc: &fold(name),
            company_lc: &fold(company.unwrap_or_default()),
        };
        let keys: Vec<(String, String)> = contact
            .phones
            .iter()
            .map(|phone| (phone.key(), phone.digits()))
            .collect();
        self.insert_row(&row, keys.iter().map(|(k, d)| (k.as_str(), d.as_str())))
    }

    /// Adds a contact whose columns are worked out already, with its numbers as `(key, digits)`;
    /// an empty key is skipped.
    pub(crate) fn insert_row<'a>(
        &mut self,
        row: &ContactRow<'_>,
        phones: impl Iterator<Item = (&'a str, &'a str)>,
    ) -> Result<i64, StoreError> {
        let id = self.contact.insert(params![
            row.name,
            row.company,
            row.responsible,
            row.url,
            row.notes,
            row.name_lc,
            row.company_lc,
        ])?;
        for (key, digits) in phones {
            if !key.is_empty() {
                self.phone.execute(params![id, key, digits])?;
            }
        }
        Ok(id)
    }
}

/// The columns of a contact's row, cleaned (trimmed, empty text absent) and folded for search.
pub(crate) struct ContactRow<'a> {
    pub name: &'a str,
    pub company: Option<&'a str>,
    pub responsible: Option<&'a str>,
    pub url: Option<&'a str>,
    pub notes: Option<&'a str>,
    pub name_lc: &'a str,
    pub company_lc: &'a str,
}

fn load_contact(conn: &Connection, id: i64) -> Result<Option<Contact>, StoreError> {
    let contact = conn
        .prepare_cached(
            "SELECT id, name, company, responsible, url, notes FROM contacts WHERE id = ?1",
        )?
        .query_row([id], |row| {
            Ok(Contact {
                id: row.get(0)?,
                name: row.get(1)?,
                company: row.get(2)?,
                responsible: row.get(3)?,
                url: row.get(4)?,
                notes: row.get(5)?,
                phones: Vec::new(),
            })
        })
        .optional()?;
    let Some(mut contact) = contact else {
        return Ok(None);
    };
    let mut stmt = conn.prepare_cached(
        "SELECT phone_key FROM contact_phones WHERE contact_id = ?1 ORDER BY rowid",
    )?;
    let keys = stmt.query_map([id], |row| row.get::<_, String>(0))?;
    for key in keys {
        contact.phones.push(PhoneNumber::from_key(&key?));
    }
    Ok(Some(contact))
}

/// Trimmed text, or `None` when nothing is left.
pub(crate) fn clean(text: &Option<String>) -> Option<&str> {
    text.as_deref().map(str::trim).filter(|t| !t.is_empty())
}

/// Text as search compares it: lower case (Unicode, not SQLite's ASCII-only LOWER), and `ё` as
/// `е`, since Russian writers use the two interchangeably.
pub(crate) fn fold(text: &str) -> String {
    text.to_lowercase().replace('ё', "е")
}

/// [`fold`], appended to `out` (an import folds a million names into one buffer).
pub(crate) fn fold_into(text: &str, out: &mut String) {
    if text.contains('Σ') {
        // A final sigma depends on the word around it: the whole-text rule knows that.
        out.push_str(&fold(text));
        return;
    }
    for c in text.chars() {
        if c.is_ascii() {
            out.push(c.to_ascii_lowercase());
        } else {
            out.extend(c.to_lowercase().map(|l| if l == 'ё' { 'е' } else { l }));
        }
    }
}

/// True when the query is a number being typed: at least one digit, and otherwise only what
/// people put between digits.
pub(crate) fn is_number_query(query: &str) -> bool {
    query.chars().any(|c| c.is_ascii_digit())
        && query
            .chars()
            .all(|c| c.is_ascii_digit() || " +-().\u{a0}".contains(c))
}

/// The key ranges `[prefix, prefix + DIGITS_END)` a number query matches, one per way of
/// reading it (see [`number_prefixes`]).
pub(crate) fn number_ranges(query: &str, region: &str) -> Vec<(String, String)> {
    number_prefixes(query, region)
        .into_iter()
        .map(|prefix| {
            let upper = format!("{prefix}{DIGITS_END}");
            (prefix, upper)
        })
        .collect()
}

/// The digit prefixes a number query may stand for, in the form numbers are stored
/// (E.164 without the `+`, extensions and SIP users as they are):
/// - the query's own digits (`7910`, `+7 910`, `101`, `380 44`);
/// - written with a `+`, nothing else: the digits are already international;
/// - `00...`: the digits after the exit code;
/// - `80...`: the Ukrainian trunk prefix, so `3` + digits (`8044` finds `+38044...`);
/// - `8...`: the Russian trunk prefix, so `7` + the rest (`8910` finds `+7910...`);
/// - `0...`: the Ukrainian trunk prefix, so `38` + digits (`044` finds `+38044...`);
/// - any other start: the region's country code + digits (`910` finds `+7910...` in RU and KZ,
///   `44 224` finds `+38044224...` in UA);
/// - and when the query is a whole number, its normalised digits ([`PhoneNumber::parse`]).
pub(crate) fn number_prefixes(query: &str, region: &str) -> Vec<String> {
    let digits: String = query.chars().filter(char::is_ascii_digit).collect();
    let mut prefixes = vec![digits.clone()];
    let mut add = |p: String| {
        if !p.is_empty() && !prefixes.contains(&p) {
            prefixes.push(p);
        }
    };
    if !query.contains('+') {
        if let Some(rest) = digits.strip_prefix("00") {
            add(rest.to_owned());
        } else if digits.starts_with("80") {
            add(format!("3{digits}"));
        } else if let Some(rest) = digits.strip_prefix('8') {
            add(format!("7{rest}"));
        } else if digits.starts_with('0') {
            add(format!("38{digits}"));
        } else {
            match region.trim().to_ascii_uppercase().as_str() {
                "UA" => add(format!("380{digits}")),
                "RU" | "KZ" => add(format!("7{digits}")),
                _ => {}
            }
        }
    }
    if let PhoneNumber::E164(e164) = PhoneNumber::parse(query, region) {
        add(e164[1..].to_owned());
    }
    prefixes
}

/// One page of the contact list: the contacts at `offset..offset + limit` of a search, and how
/// many the whole search finds (what the list's scrollbar is sized for).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchPage {
    /// Contacts the whole search finds.
    pub total: usize,
    /// The page's contacts, in list order (by name).
    pub contacts: Vec<Contact>,
}

/// A search's matches kept between the pages of one query: the contact list asks for page after
/// page while scrolling, and reading the matches once (ids in list order) makes every later page
/// of the same query a slice, however deep. Forgotten when the query or the directory changes
/// (a write through this store, or another process's write to the file).
#[derive(Default)]
pub struct SearchResults {
    last: std::sync::Mutex<Option<CachedSearch>>,
}

struct CachedSearch {
    query: String,
    stamp: Signature,
    ids: std::sync::Arc<Vec<i64>>,
}

impl SearchResults {
    /// The page `offset..offset + limit` of what `query` finds in `store`, as
    /// [`Store::search_page`] answers it.
    pub fn page(
        &self,
        store: &Store,
        query: &str,
        offset: usize,
        limit: usize,
    ) -> Result<SearchPage, StoreError> {
        let query = query.trim();
        let stamp = store.directory_signature()?;
        let cached = {
            let last = self.last.lock().unwrap_or_else(|p| p.into_inner());
            last.as_ref()
                .filter(|c| c.query == query && c.stamp == stamp)
                .map(|c| c.ids.clone())
        };
        let ids = match cached {
            Some(ids) => ids,
            None => {
                let ids = std::sync::Arc::new(store.search_ids(query)?);
                *self.last.lock().unwrap_or_else(|p| p.into_inner()) = Some(CachedSearch {
                    query: query.to_owned(),
                    stamp,
                    ids: ids.clone(),
                });
                ids
            }
        };
        let start = offset.min(ids.len());
        let end = start.saturating_add(limit).min(ids.len());
        Ok(SearchPage {
            total: ids.len(),
            contacts: store.contacts_by_id(&ids[start..end])?,
        })
    }
}

impl Store {
    /// What the directory holds, as cheaply as SQLite can say it (see [`Signature`]).
    fn directory_signature(&self) -> Result<Signature, StoreError> {
        directory_signature(&self.lock())
    }

    /// Every contact `query` finds, as ids in list order, from the in-memory [`SearchIndex`]
    /// (built first if the directory changed since). SQLite answers instead when the index
    /// cannot hold the directory, or for a query the index's layout cannot take (a NUL); and
    /// for the whole list while there is no up-to-date index: SQLite lists it in name order in
    /// 0.1 s at a million contacts where the index takes a second or two to build, so the list
    /// opens at once and the index is built meanwhile, on a thread of its own, for the first
    /// letter typed.
    fn search_ids(&self, query: &str) -> Result<Vec<i64>, StoreError> {
        if query.contains('\0') {
            return self.search_ids_sql(query);
        }
        if query.is_empty() {
            let (signature, path) = self.signature_and_path()?;
            if let Some(index) = self.search_index.fresh(signature) {
                return Ok(index.ids.clone());
            }
            if let Some(path) = path {
                self.search_index.build_in_background(path);
            }
            return self.search_ids_sql(query);
        }
        match self.search_index()? {
            Some(index) => Ok(index.search(query, &self.region)),
            None => self.search_ids_sql(query),
        }
    }

    /// The directory's signature, and the store's file (`None` in memory).
    fn signature_and_path(&self) -> Result<(Signature, Option<String>), StoreError> {
        let conn = self.lock();
        let path = conn.path().filter(|p| !p.is_empty()).map(str::to_owned);
        Ok((directory_signature(&conn)?, path))
    }

    /// The search index for the directory as it is now: the one kept if the directory's
    /// signature has not moved, else a new one (the old one freed first: at a million contacts
    /// each is about 120 MB). A file is read for it through a connection of its own, so a caller
    /// card's look-up does not wait the second a build takes; another search does.
    fn search_index(&self) -> Result<Option<Arc<SearchIndex>>, StoreError> {
        let (signature, path) = self.signature_and_path()?;
        let mut slot = self.search_index.lock();
        if let Some(index) = slot.as_ref().filter(|i| i.signature == signature) {
            return Ok(Some(index.clone()));
        }
        *slot = None;
        let built = match path {
            Some(path) => build_index(&reader(&path)?)?,
            None => build_index(&self.lock())?,
        }
        .map(Arc::new);
        slot.clone_from(&built);
        Ok(built)
    }

    /// [`Store::search_ids`] as SQL: one pass over the table (text) or the number index
    /// (number prefixes), then a sort of the matches. Seconds at a million contacts; kept as the
    /// fallback and as the reference the index is tested against.
    fn search_ids_sql(&self, query: &str) -> Result<Vec<i64>, StoreError> {
        let conn = self.lock();
        let ids = if query.is_empty() {
            let mut stmt = conn.prepare_cached("SELECT id FROM contacts ORDER BY name_lc, id")?;
            let rows = stmt.query_map([], |row| row.get(0))?;
            rows.collect::<Result<_, _>>()?
        } else if is_number_query(query) {
            let ranges = number_ranges(query, &self.region);
            let mut bounds: Vec<&dyn rusqlite::ToSql> = Vec::new();
            for (lower, upper) in &ranges {
                bounds.push(lower);
                bounds.push(upper);
            }
            let all = i64::MAX;
            bounds.push(&all);
            let mut stmt = conn.prepare_cached(&number_search_sql(ranges.len()))?;
            let rows = stmt.query_map(bounds.as_slice(), |row| row.get(0))?;
            rows.collect::<Result<_, _>>()?
        } else {
            // Every row is read anyway: a plain table scan then a sort of the matches beats
            // walking the name index with a row look-up per contact.
            let mut stmt = conn.prepare_cached(
                "SELECT id FROM contacts NOT INDEXED
                 WHERE instr(name_lc, ?1) > 0 OR instr(company_lc, ?1) > 0
                 ORDER BY name_lc, id",
            )?;
            let rows = stmt.query_map([fold(query)], |row| row.get(0))?;
            rows.collect::<Result<_, _>>()?
        };
        Ok(ids)
    }
}

/// What [`Store::import_contacts`] did with each contact it was given.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ImportCounts {
    /// New to the directory: added.
    pub added: usize,
    /// Already there (same name, a number in common) and changed: rewritten in place.
    pub updated: usize,
    /// Already there and saying exactly this.
    pub unchanged: usize,
}

/// Contacts written per transaction by [`Store::import_contacts`]: each batch holds the store
/// briefly, so a caller card looking a number up mid-import waits for one batch at most.
const IMPORT_BATCH: usize = 500;

impl Store {
    /// Gives back the memory of the contact list's search index (about 120 bytes a contact:
    /// 120 MB at a million), for when the list is closed; the next search builds it again.
    pub fn release_search_index(&self) {
        *self.search_index.lock() = None;
    }

    /// The page `offset..offset + limit` of the contacts [`Store::search`] finds for `query`
    /// (same matching, same order: by name), and how many it finds in all. The matches are read
    /// in one pass that both counts and orders them; to page through one query, keep a
    /// [`SearchResults`] and ask it instead, so the pass is made once.
    pub fn search_page(
        &self,
        query: &str,
        offset: usize,
        limit: usize,
    ) -> Result<SearchPage, StoreError> {
        SearchResults::default().page(self, query, offset, limit)
    }

    /// Stores imported contacts: one that is already in the directory (the same name, any case,
    /// and a number in common) is rewritten in place, its numbers kept and the new ones added;
    /// any other is added. Importing the same file twice therefore duplicates nothing.
    ///
    /// `progress(done, total)` is called after each batch of [`IMPORT_BATCH`] contacts, each
    /// batch its own transaction.
    pub fn import_contacts(
        &self,
        contacts: &[NewContact],
        mut progress: impl FnMut(usize, usize),
    ) -> Result<ImportCounts, StoreError> {
        let mut counts = ImportCounts::default();
        let total = contacts.len();
        progress(0, total);
        for (batch_no, batch) in contacts.chunks(IMPORT_BATCH).enumerate() {
            let mut conn = self.lock();
            let tx = conn.transaction()?;
            for contact in batch {
                match existing_contact(&tx, contact)? {
                    None => {
                        insert_contact(&tx, contact)?;
                        counts.added += 1;
                    }
                    Some(current) => {
                        let merged = merged(&current, contact);
                        if same_contact(&current, &merged) {
                            counts.unchanged += 1;
                        } else {
                            update_contact(&tx, current.id, &merged)?;
                            counts.updated += 1;
                        }
                    }
                }
            }
            tx.commit()?;
            drop(conn);
            progress((batch_no * IMPORT_BATCH + batch.len()).min(total), total);
        }
        Ok(counts)
    }
}

/// The directory's contact that `contact` is a new copy of: the same folded name and a number in
/// common (the newest such contact when several are).
fn existing_contact(
    conn: &Connection,
    contact: &NewContact,
) -> Result<Option<Contact>, StoreError> {
    let name = fold(contact.name.trim());
    let mut stmt = conn.prepare_cached(
        "SELECT c.id FROM contact_phones p JOIN contacts c ON c.id = p.contact_id
         WHERE p.phone_key = ?1 AND c.name_lc = ?2 ORDER BY c.id DESC LIMIT 1",
    )?;
    for phone in &contact.phones {
        let key = phone.key();
        if key.is_empty() {
            continue;
        }
        if let Some(id) = stmt
            .query_row(params![key, name], |row| row.get::<_, i64>(0))
            .optional()?
        {
            return load_contact(conn, id);
        }
    }
    Ok(None)
}

/// `current` with what `new` says: its text where it has some, the numbers of both (current's
/// first).
fn merged(current: &Contact, new: &NewContact) -> NewContact {
    let pick = |new: &Option<String>, old: &Option<String>| {
        clean(new).map(str::to_owned).or_else(|| old.clone())
    };
    let mut phones = current.phones.clone();
    for phone in &new.phones {
        if !phone.key().is_empty() && !phones.iter().any(|p| p.key() == phone.key()) {
            phones.push(phone.clone());
        }
    }
    NewContact {
        name: new.name.trim().to_owned(),
        company: pick(&new.company, &current.company),
        responsible: pick(&new.responsible, &current.responsible),
        url: pick(&new.url, &current.url),
        notes: pick(&new.notes, &current.notes),
        phones,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_into_a_buffer_folds_as_fold_does() {
        for text in [
            "Иван ЁЛКИН",
            "ΟΔΟΣ Σοφία",
            "İstanbul ǅ",
            "ẞtraße",
            "",
            "ABC-123",
        ] {
            let mut out = String::from("x");
            fold_into(text, &mut out);
            assert_eq!(out, format!("x{}", fold(text)), "{text}");
        }
    }

    fn ru(s: &str) -> PhoneNumber {
        PhoneNumber::parse(s, "RU")
    }

    fn contact(name: &str, company: Option<&str>, phones: &[&str]) -> NewContact {
        NewContact {
            name: name.into(),
            company: company.map(Into::into),
            phones: phones.iter().map(|p| ru(p)).collect(),
            ..NewContact::default()
        }
    }

    fn names(contacts: &[Contact]) -> Vec<&str> {
        contacts.iter().map(|c| c.name.as_str()).collect()
    }

    fn sample() -> Store {
        let store = Store::open_in_memory("RU").unwrap();
        for c in [
            contact("Иван Петров", Some("ООО Ромашка"), &["+7 910 123-45-67"]),
            contact(
                "Анна Смирнова",
                Some("ТехноСтрой"),
                &["8 495 777 66 55", "101"],
            ),
            contact("Семён Горбунков", None, &["0442246595"]),
            contact("John Smith", Some("Acme"), &["+44 20 7946 0958"]),
            contact("Борис", Some("иванов и партнёры"), &["8 800 555 35 35"]),
        ] {
            store.add_contact(&c).unwrap();
        }
        store
    }

    #[test]
    fn add_and_lookup_by_any_spelling() {
        let store = Store::open_in_memory("RU").unwrap();
        let id = store
            .add_contact(&NewContact {
                name: "  Иван Петров ".into(),
                company: Some("ООО Ромашка".into()),
                responsible: Some("Мария, доб. 102".into()),
                url: Some("https://crm.example/contacts/1".into()),
                notes: Some("   ".into()),
                phones: vec![ru("+7 910 123-45-67"), ru("8 (910) 123-45-67"), ru("101")],
            })
            .unwrap();
        for spelling in [
            "89101234567",
            "+7 (910) 123 45 67",
            "79101234567",
            "9101234567",
        ] {
            let found = store.lookup(&ru(spelling)).unwrap().expect(spelling);
            assert_eq!(found.id, id);
            assert_eq!(found.name, "Иван Петров");
            assert_eq!(found.notes, None, "blank text is stored as absent");
            // The number given twice is stored once, in the order given.
            assert_eq!(
                found.phones,
                vec![ru("+79101234567"), PhoneNumber::Extension("101".into())]
            );
        }
        assert_eq!(store.lookup(&ru("101")).unwrap().map(|c| c.id), Some(id));
        assert_eq!(store.contact_count().unwrap(), 1);
    }

    #[test]
    fn lookup_matches_the_whole_number_not_its_tail() {
        let store = Store::open_in_memory("RU").unwrap();
        store
            .add_contact(&contact("Иван", None, &["+79101234567"]))
            .unwrap();
        // Same last ten digits, other country.
        assert_eq!(
            store
                .lookup(&PhoneNumber::E164("+19101234567".into()))
                .unwrap(),
            None
        );
        assert_eq!(store.lookup(&ru("+7 910 123 45 6")).unwrap(), None);
        assert_eq!(
            store.lookup(&PhoneNumber::Raw(String::new())).unwrap(),
            None
        );
        assert_eq!(store.lookup(&ru("anonymous")).unwrap(), None);
    }

    #[test]
    fn shared_number_finds_the_contact_added_last() {
        let store = Store::open_in_memory("RU").unwrap();
        store
            .add_contact(&contact("Старый", None, &["+74957776655"]))
            .unwrap();
        let newer = store
            .add_contact(&contact("Новый", None, &["84957776655"]))
            .unwrap();
        let found = store.lookup(&ru("+7 495 777-66-55")).unwrap().unwrap();
        assert_eq!((found.id, found.name.as_str()), (newer, "Новый"));
    }

    #[test]
    fn text_search_ignores_case_in_cyrillic_and_latin() {
        let store = sample();
        assert_eq!(
            names(&store.search("иван", 10).unwrap()),
            ["Борис", "Иван Петров"]
        );
        assert_eq!(
            names(&store.search("ИВАН", 10).unwrap()),
            ["Борис", "Иван Петров"]
        );
        assert_eq!(names(&store.search("ромаш", 10).unwrap()), ["Иван Петров"]);
        assert_eq!(names(&store.search("SMITH", 10).unwrap()), ["John Smith"]);
        assert_eq!(names(&store.search("acme", 10).unwrap()), ["John Smith"]);
        // ё and е are one letter to search.
        assert_eq!(
            names(&store.search("семен", 10).unwrap()),
            ["Семён Горбунков"]
        );
        assert_eq!(names(&store.search("партнеры", 10).unwrap()), ["Борис"]);
        assert!(store.search("нет такого", 10).unwrap().is_empty());
        // SQL wildcards are plain characters here.
        assert!(store.search("%", 10).unwrap().is_empty());
        assert!(store.search("_", 10).unwrap().is_empty());
    }

    #[test]
    fn number_search_finds_prefixes_however_written() {
        let store = sample();
        for query in [
            "7910",
            "+7 910",
            "8910",
            "8 (910) 12",
            "910 123",
            "+79101234567",
            "89101234567",
        ] {
            assert_eq!(
                names(&store.search(query, 10).unwrap()),
                ["Иван Петров"],
                "{query}"
            );
        }
        for query in ["044", "8044", "38044", "+380 44 224", "0442246595"] {
            assert_eq!(
                names(&store.search(query, 10).unwrap()),
                ["Семён Горбунков"],
                "{query}"
            );
        }
        assert_eq!(names(&store.search("8800", 10).unwrap()), ["Борис"]);
        assert_eq!(names(&store.search("10", 10).unwrap()), ["Анна Смирнова"]);
        assert_eq!(names(&store.search("+44", 10).unwrap()), ["John Smith"]);
        // A prefix, not a substring: the middle of a number does not match.
        assert!(store.search("123", 10).unwrap().is_empty());
        assert!(store.search("+7 911", 10).unwrap().is_empty());
    }

    #[test]
    fn search_orders_by_name_and_respects_the_limit() {
        let store = sample();
        let all = store.search("", 100).unwrap();
        assert_eq!(
            names(&all),
            [
                "John Smith",
                "Анна Смирнова",
                "Борис",
                "Иван Петров",
                "Семён Горбунков"
            ]
        );
        assert_eq!(
            names(&store.search("", 2).unwrap()),
            ["John Smith", "Анна Смирнова"]
        );
        assert!(store.search("", 0).unwrap().is_empty());
        // "7" matches every +7 number; the limit still holds and the order is by name.
        assert_eq!(
            names(&store.search("7", 2).unwrap()),
            ["Анна Смирнова", "Борис"]
        );
    }

    #[test]
    fn number_prefixes_cover_national_spellings() {
        assert_eq!(number_prefixes("8 910", "RU"), ["8910", "7910"]);
        assert_eq!(number_prefixes("+7 910", "RU"), ["7910"]);
        assert_eq!(number_prefixes("044", "RU"), ["044", "38044"]);
        assert_eq!(number_prefixes("8044", "UA"), ["8044", "38044"]);
        assert_eq!(number_prefixes("00380", "UA"), ["00380", "380"]);
        assert_eq!(number_prefixes("44", "UA"), ["44", "38044"]);
        assert_eq!(number_prefixes("910", "RU"), ["910", "7910"]);
        assert_eq!(number_prefixes("910", "DE"), ["910"]);
        assert_eq!(
            number_prefixes("9101234567", "RU"),
            ["9101234567", "79101234567"]
        );
    }

    fn query_plan(conn: &Connection, sql: &str) -> String {
        let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
        let count = stmt.parameter_count();
        let args: Vec<String> = (0..count).map(|i| format!("{i}")).collect();
        let rows = stmt
            .query_map(rusqlite::params_from_iter(args), |row| {
                row.get::<_, String>(3)
            })
            .unwrap();
        rows.collect::<Result<Vec<_>, _>>().unwrap().join("\n")
    }

    #[test]
    fn lookups_and_number_search_use_indexes() {
        let store = sample();
        let conn = store.lock();
        let lookup = query_plan(&conn, LOOKUP_SQL);
        assert!(lookup.contains("contact_phones_by_key"), "{lookup}");
        let search = query_plan(&conn, &number_search_sql(3));
        assert_eq!(
            search.matches("contact_phones_by_digits").count(),
            3,
            "{search}"
        );
        assert!(!search.contains("SCAN contact_phones"), "{search}");
        let text = query_plan(&conn, TEXT_SEARCH_SQL);
        assert!(
            !text.contains("TEMP B-TREE"),
            "text search sorts by walking the name index: {text}"
        );
    }

    #[test]
    fn a_hundred_thousand_contacts_are_found_and_searched_right() {
        let store = Store::open_in_memory("RU").unwrap();
        {
            let mut conn = store.lock();
            let tx = conn.transaction().unwrap();
            for i in 0..100_000u64 {
                let c = NewContact {
                    name: format!("Контакт {i:06}"),
                    company: Some(format!("Компания {}", i % 1000)),
                    phones: vec![PhoneNumber::E164(format!("+7910{i:07}"))],
                    ..NewContact::default()
                };
                insert_contact(&tx, &c).unwrap();
            }
            tx.commit().unwrap();
        }
        assert_eq!(store.contact_count().unwrap(), 100_000);
        let found = store.lookup(&ru("8 910 009 99 99")).unwrap().unwrap();
        assert_eq!(found.name, "Контакт 099999");
        assert_eq!(
            names(&store.search("8 910 000 00 4", 20).unwrap()).len(),
            10
        );
        assert_eq!(
            names(&store.search("+7 910 0012345", 20).unwrap()),
            ["Контакт 012345"]
        );
        assert_eq!(store.search("контакт 0999", 5).unwrap().len(), 5);
        assert_eq!(store.search("компания 999", 200).unwrap().len(), 100);
        assert_eq!(store.search("7", 50).unwrap().len(), 50);
    }

    #[test]
    fn upserting_by_external_id_adds_once_then_updates_in_place() {
        let store = Store::open_in_memory("RU").unwrap();
        let first = contact("Иван Петров", Some("Acme"), &["+79101234567"]);
        let added = store
            .upsert_contact_by_external_id("vega-crm", "7068", &first)
            .unwrap();
        assert!(matches!(added, Upsert::Added(_)));
        assert_eq!(
            store
                .upsert_contact_by_external_id("vega-crm", "7068", &first)
                .unwrap(),
            Upsert::Unchanged(added.id())
        );
        let moved = contact("Иван Петров", Some("Globex"), &["+74957776655"]);
        assert_eq!(
            store
                .upsert_contact_by_external_id("vega-crm", "7068", &moved)
                .unwrap(),
            Upsert::Updated(added.id())
        );
        assert_eq!(store.contact_count().unwrap(), 1);
        assert!(store.lookup(&ru("+79101234567")).unwrap().is_none());
        let found = store.lookup(&ru("8 495 777-66-55")).unwrap().unwrap();
        assert_eq!(found.company.as_deref(), Some("Globex"));
        // Another source's record with the same id is another contact.
        let other = store
            .upsert_contact_by_external_id("other-crm", "7068", &first)
            .unwrap();
        assert!(matches!(other, Upsert::Added(id) if id != added.id()));
        assert!(store
            .upsert_contact_by_external_id("vega-crm", " ", &first)
            .is_err());
    }

    /// A directory with what searching has to get right: Cyrillic and Latin, ё, empty and
    /// shared companies, equal names (ordered by id), a contact with two numbers in one range,
    /// extensions, numbers of several countries.
    fn varied() -> Store {
        let store = sample();
        let first = ["Иван", "Анна", "Семён", "John", "Ёлка", "Ольга"];
        let last = ["Петров", "Смирнова", "Kuznetsov", "ОВОЩИ", "Иванова"];
        let companies = [
            None,
            Some("ООО Вектор"),
            Some("Acme Ltd"),
            Some("Иванов и К°"),
        ];
        for i in 0..300u32 {
            let name = format!(
                "{} {} {}",
                last[i as usize % last.len()],
                first[i as usize % first.len()],
                i % 7
            );
            let mut phones = vec![format!("+7 916 {:03} {:02} {:02}", i, i % 100, i % 13)];
            if i % 5 == 0 {
                phones.push(format!("8 916 {:03} 00 00", i + 1));
            }
            if i % 11 == 0 {
                phones.push(format!("{}", 100 + i));
            }
            if i % 13 == 0 {
                phones.push(format!("+380 44 {:03} 65 95", i));
            }
            let phones: Vec<&str> = phones.iter().map(String::as_str).collect();
            let company = companies[i as usize % companies.len()];
            store
                .add_contact(&contact(&name, company, &phones))
                .unwrap();
        }
        store
    }

    /// Queries of every kind, as typed a character at a time.
    const QUERIES: &[&str] = &[
        "",
        "и",
        "ив",
        "иван",
        "иванова",
        "ИВАНОВ И",
        "о",
        "оо",
        "ооо вектор",
        "а",
        "ан",
        "е",
        "семен",
        "ёлка",
        "k",
        "ku",
        "kuznetsov",
        "acme",
        "ltd",
        "°",
        "-",
        "нет такого",
        "7",
        "+7",
        "+7 9",
        "+7 916 0",
        "+7 916 01",
        "8",
        "8 9",
        "8 916 005",
        "89160050000",
        "1",
        "10",
        "110",
        "044",
        "+380",
        "0",
        "00",
        "2 1",
        "a",
        "na",
    ];

    fn assert_index_answers_as_sql(store: &Store) {
        for query in QUERIES {
            let sql = store.search_ids_sql(query).unwrap();
            assert_eq!(store.search_ids(query).unwrap(), sql, "{query:?}");
            let page = store.search_page(query, 3, 7).unwrap();
            assert_eq!(page.total, sql.len(), "{query:?}");
            let ids: Vec<i64> = page.contacts.iter().map(|c| c.id).collect();
            assert_eq!(ids, sql.iter().skip(3).take(7).copied().collect::<Vec<_>>());
        }
    }

    #[test]
    fn the_search_index_answers_what_sql_answers_for_every_kind_of_query() {
        let store = varied();
        // In order (each query narrows the one before, or starts afresh), then backwards.
        assert_index_answers_as_sql(&store);
        for query in QUERIES.iter().rev() {
            assert_eq!(
                store.search_ids(query).unwrap(),
                store.search_ids_sql(query).unwrap(),
                "{query:?}"
            );
        }
        // Dense (most contacts, two threads) and sparse matches were both among them.
        assert!(store.search_ids("о").unwrap().len() > 200);
        assert!(store.search_ids("+7 916 01").unwrap().len() < 20);
    }

    #[test]
    fn a_query_with_a_nul_is_answered_by_sql() {
        let store = varied();
        assert_eq!(store.search_ids("ов\0").unwrap(), Vec::<i64>::new());
        assert_eq!(
            store.search_ids("ов\0").unwrap(),
            store.search_ids_sql("ов\0").unwrap()
        );
    }

    #[test]
    fn the_search_index_follows_adds_updates_deletes_and_imports() {
        let store = varied();
        let results = SearchResults::default();
        let found = |query: &str| -> Vec<String> {
            let page = results.page(&store, query, 0, 1000).unwrap();
            assert_eq!(page.total, page.contacts.len());
            assert_eq!(
                page.contacts.iter().map(|c| c.id).collect::<Vec<_>>(),
                store.search_ids_sql(query).unwrap(),
                "{query:?}"
            );
            page.contacts.into_iter().map(|c| c.name).collect()
        };
        assert!(found("zzyzx").is_empty());
        // Add.
        let id = store
            .add_contact(&contact("Zzyzx Road", None, &["+7 999 000 11 22"]))
            .unwrap();
        assert_eq!(found("zzyzx"), ["Zzyzx Road"]);
        assert_eq!(found("8 999 000"), ["Zzyzx Road"]);
        // Update in place: a new name, a new number, the old ones gone.
        store
            .upsert_contact_by_external_id("crm", "1", &contact("Old", None, &[]))
            .unwrap();
        let moved = contact("Zzyzx Avenue", Some("Qwerty"), &["+7 999 333 44 55"]);
        store
            .upsert_contact_by_external_id("crm", "1", &moved)
            .unwrap();
        assert_eq!(found("zzyzx"), ["Zzyzx Avenue", "Zzyzx Road"]);
        assert_eq!(found("qwerty"), ["Zzyzx Avenue"]);
        assert!(found("old").is_empty());
        assert_eq!(found("+7 999 333"), ["Zzyzx Avenue"]);
        // Update by import (merged: a number added to the existing contact).
        let counts = store
            .import_contacts(
                &[contact(
                    "Zzyzx Road",
                    None,
                    &["+7 999 000 11 22", "+7 999 777 00 00"],
                )],
                |_, _| {},
            )
            .unwrap();
        assert_eq!(counts.updated, 1);
        assert_eq!(found("+7 999 777"), ["Zzyzx Road"]);
        // Delete.
        assert!(store.delete_contact(id).unwrap());
        assert_eq!(found("zzyzx"), ["Zzyzx Avenue"]);
        assert!(found("8 999 000").is_empty());
        // A file imported into the directory that has contacts, then into an empty one.
        store
            .import_csv("Name;Phone\nZzyzx Lane;+7 999 555 00 00\n".as_bytes())
            .unwrap();
        assert_eq!(found("zzyzx"), ["Zzyzx Avenue", "Zzyzx Lane"]);
        assert_eq!(found("+7 999 555"), ["Zzyzx Lane"]);
        let empty = Store::open_in_memory("RU").unwrap();
        assert_eq!(empty.search_page("zzyzx", 0, 10).unwrap().total, 0);
        empty
            .import_csv("Name;Phone\nZzyzx Lane;+7 999 555 00 00\n".as_bytes())
            .unwrap();
        assert_eq!(empty.search_page("zzyzx", 0, 10).unwrap().total, 1);
        assert_eq!(empty.search_page("+7 999 5", 0, 10).unwrap().total, 1);
    }

    #[test]
    fn another_connections_write_is_seen_by_the_search_index() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("callpop.sqlite");
        let app = Store::open(&path, "RU").unwrap();
        let cli = Store::open(&path, "RU").unwrap();
        let results = SearchResults::default();
        let id = cli
            .add_contact(&contact("Иван", None, &["+79101234567"]))
            .unwrap();
        assert_eq!(results.page(&app, "иван", 0, 10).unwrap().total, 1);
        cli.upsert_contact_by_external_id("crm", "1", &contact("Пётр", None, &[]))
            .unwrap();
        assert_eq!(results.page(&app, "петр", 0, 10).unwrap().total, 1);
        cli.delete_contact(id).unwrap();
        assert_eq!(results.page(&app, "иван", 0, 10).unwrap().total, 0);
        assert_eq!(results.page(&app, "+7 910", 0, 10).unwrap().total, 0);
    }

    #[test]
    fn recording_calls_does_not_rebuild_the_search_index() {
        let store = varied();
        store.search_ids("иван").unwrap();
        let before = store.search_index.lock().clone().unwrap();
        store
            .lock()
            .execute(
                "INSERT INTO calls (provider, call_id, direction, state, started_at)
                 VALUES ('vega', 'x', 'in', 'ended', '2024-05-01T10:00:00.000000000Z')",
                [],
            )
            .unwrap();
        store.search_ids("иван").unwrap();
        let after = store.search_index.lock().clone().unwrap();
        assert!(Arc::ptr_eq(&before, &after));
    }

    #[test]
    fn a_released_index_is_built_again_by_the_next_search() {
        let store = sample();
        let before = store.search_page("ив", 0, 10).unwrap();
        assert!(store.search_index.lock().is_some());
        store.release_search_index();
        assert!(store.search_index.lock().is_none());
        assert_eq!(store.search_page("ив", 0, 10).unwrap(), before);
        assert!(store.search_index.lock().is_some());
    }

    #[test]
    fn the_whole_list_is_read_by_sql_while_the_index_is_built_in_the_background() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("callpop.sqlite"), "RU").unwrap();
        for name in ["Борис", "Анна", "John"] {
            store
                .add_contact(&contact(name, None, &["+79101234567"]))
                .unwrap();
        }
        let names_of = |page: SearchPage| -> Vec<String> {
            page.contacts.into_iter().map(|c| c.name).collect()
        };
        assert!(store.search_index.lock().is_none());
        let first = store.search_page("", 0, 10).unwrap();
        assert_eq!(names_of(first), ["John", "Анна", "Борис"]);
        // The build started by the whole list; a search waits for it rather than building too.
        let found = store.search_page("н", 0, 10).unwrap();
        assert_eq!(names_of(found), ["Анна"]);
        let started = std::time::Instant::now();
        while store
            .search_index
            .building
            .load(std::sync::atomic::Ordering::Acquire)
        {
            assert!(started.elapsed().as_secs() < 10, "the build finishes");
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        let index = store.search_index.lock().clone().expect("an index");
        let signature = store.directory_signature().unwrap();
        assert_eq!(index.signature, signature);
        assert!(store.search_index.fresh(signature).is_some());
        // From the index now, the same list.
        assert_eq!(
            store.search_ids("").unwrap(),
            store.search_ids_sql("").unwrap()
        );
    }
}
