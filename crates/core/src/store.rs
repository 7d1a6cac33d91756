//! The one SQLite file that holds the contact directory and the call history.
//!
//! The schema is versioned with `PRAGMA user_version`: `MIGRATIONS` lists every step, and
//! opening a store applies the steps it has not seen yet, so opening is idempotent and an old file
//! is brought up to date. Timestamps are stored as RFC 3339 text in UTC with nanoseconds
//! (`2024-05-01T09:30:00.000000000Z`): lossless, readable in the `sqlite3` shell, and with that fixed
//! width they sort as text in time order.

use std::path::Path;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use rusqlite::{Connection, TransactionBehavior};

/// What can go wrong with the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite said no.
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The file could not be read or created.
    #[error("{path}: {source}")]
    Io {
        /// The file involved.
        path: String,
        /// What the OS said.
        source: std::io::Error,
    },
    /// An import could not start at all (no header, no phone column...).
    #[error("{0}")]
    Import(String),
}

/// The SQLite file: directory and history. Cheap to share behind an `Arc`.
pub struct Store {
    pub(crate) conn: Mutex<rusqlite::Connection>,
    pub(crate) region: String,
    /// The contact list's search index, built at the first search and again once the
    /// directory changed (see `directory::SearchIndex`).
    pub(crate) search_index: std::sync::Arc<crate::search_index::IndexSlot>,
}

/// How long a writer waits for another process (the CLI next to the app) to finish its write.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// The schema, one step per version: step `i` takes the file from version `i` to `i + 1`.
/// Steps are never edited once released; a change is a new step.
pub(crate) const MIGRATIONS: &[&str] = &[
    // Version 1: directory and history.
    //
    // `name_lc` and `company_lc` hold the search-folded text (see `directory::fold`): SQLite's
    // own LOWER() only knows ASCII, and Russian names must be found in any case.
    // `digits` is the phone key without its punctuation, for number-prefix search by range.
    "CREATE TABLE contacts (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        name        TEXT NOT NULL,
        company     TEXT,
        responsible TEXT,
        url         TEXT,
        notes       TEXT,
        name_lc     TEXT NOT NULL,
        company_lc  TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX contacts_by_name ON contacts (name_lc, id);
    CREATE TABLE contact_phones (
        contact_id INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
        phone_key  TEXT NOT NULL,
        digits     TEXT NOT NULL,
        UNIQUE (contact_id, phone_key)
    );
    CREATE INDEX contact_phones_by_key ON contact_phones (phone_key, contact_id);
    CREATE INDEX contact_phones_by_digits ON contact_phones (digits, contact_id);
    CREATE TABLE calls (
        id           INTEGER PRIMARY KEY AUTOINCREMENT,
        provider     TEXT NOT NULL,
        call_id      TEXT NOT NULL,
        direction    TEXT NOT NULL,
        state        TEXT NOT NULL,
        customer_key TEXT,
        employee     TEXT,
        contact_name TEXT,
        started_at   TEXT NOT NULL,
        answered_at  TEXT,
        ended_at     TEXT,
        UNIQUE (provider, call_id)
    );
    CREATE INDEX calls_by_customer ON calls (customer_key, started_at);
    CREATE INDEX calls_by_start ON calls (started_at);",
    // Version 2: what a PBX's call history adds (vega.md B.5: `duration`, `billSecs`,
    // `audioRecUrl`, `transferHistory`). NULL for calls recorded before, or only live.
    "ALTER TABLE calls ADD COLUMN duration_seconds INTEGER;
    ALTER TABLE calls ADD COLUMN talk_seconds INTEGER;
    ALTER TABLE calls ADD COLUMN recording TEXT;
    ALTER TABLE calls ADD COLUMN transfer TEXT;
    ALTER TABLE calls ADD COLUMN answered_by TEXT;",
    // Version 3: contacts synced from a CRM (vega.md B.9, CRM Teler). `contact_sources` ties a
    // directory contact to its record in the source, so a repeated sync updates rather than
    // duplicates; `sync_state` keeps each source's "last modification seen" for the next
    // incremental sync.
    "CREATE TABLE contact_sources (
        source      TEXT NOT NULL,
        external_id TEXT NOT NULL,
        contact_id  INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
        PRIMARY KEY (source, external_id)
    );
    CREATE INDEX contact_sources_by_contact ON contact_sources (contact_id);
    CREATE TABLE sync_state (
        source TEXT PRIMARY KEY,
        value  TEXT NOT NULL
    );",
    // Version 4: UTM tags of tracked calls (vega.md A.3), one row per tag, keyed like `calls`
    // but not tied to a row of it: the tags may come before the call is in the history.
    "CREATE TABLE call_utm (
        provider TEXT NOT NULL,
        call_id  TEXT NOT NULL,
        name     TEXT NOT NULL,
        value    TEXT NOT NULL,
        PRIMARY KEY (provider, call_id, name)
    );",
    // Version 5: what the PBX adds in words (the Autodialer's recognized answer).
    "ALTER TABLE calls ADD COLUMN note TEXT;",
    // Version 6: what became of a call as the PBX said it (busy, no answer...; see
    // `Outcome`), and the extensions a call rang when its legs were merged (comma-separated).
    "ALTER TABLE calls ADD COLUMN outcome TEXT;
    ALTER TABLE calls ADD COLUMN rang TEXT;",
    // Version 7: a count of the directory's rewrites and removals, for the contact list's
    // in-memory search index (`directory::SearchIndex`) to tell it is stale. Inserts are not
    // counted (a million-row import would pay a trigger per row): the largest ids say those.
    "CREATE TABLE directory_version (n INTEGER NOT NULL);
    INSERT INTO directory_version (n) VALUES (0);
    CREATE TRIGGER contacts_changed AFTER UPDATE ON contacts
        BEGIN UPDATE directory_version SET n = n + 1; END;
    CREATE TRIGGER contacts_removed AFTER DELETE ON contacts
        BEGIN UPDATE directory_version SET n = n + 1; END;
    CREATE TRIGGER contact_phones_changed AFTER UPDATE ON contact_phones
        BEGIN UPDATE directory_version SET n = n + 1; END;
    CREATE TRIGGER contact_phones_removed AFTER DELETE ON contact_phones
        BEGIN UPDATE directory_version SET n = n + 1; END;",
];

impl Store {
    /// Opens (creating if needed) the store at `path`; `region` parses numbers that lack a
    /// country code.
    pub fn open(path: &Path, region: &str) -> Result<Store, StoreError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| StoreError::Io {
                path: dir.display().to_string(),
                source,
            })?;
        }
        let mut conn = Connection::open(path)?;
        // WAL lets the app read while the CLI writes (and the other way round); NORMAL sync is
        // safe with WAL and avoids an fsync per recorded call.
        conn.pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get::<_, String>(0))?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        Self::prepare(&mut conn)?;
        Ok(Store::from_connection(conn, region))
    }

    /// A store in memory, for tests and the demo.
    pub fn open_in_memory(region: &str) -> Result<Store, StoreError> {
        let mut conn = Connection::open_in_memory()?;
        Self::prepare(&mut conn)?;
        Ok(Store::from_connection(conn, region))
    }

    /// The default region numbers are parsed with.
    pub fn region(&self) -> &str {
        &self.region
    }

    /// The schema version of the open file: how many migration steps it has had.
    pub fn schema_version(&self) -> Result<u32, StoreError> {
        Ok(schema_version(&self.lock())?)
    }

    /// The connection. A panic in another thread while it held the lock leaves SQLite itself
    /// consistent (an open transaction is rolled back when dropped), so a poisoned lock is taken
    /// over rather than turned into a second panic.
    pub(crate) fn lock(&self) -> MutexGuard<'_, Connection> {
        self.conn
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn from_connection(conn: Connection, region: &str) -> Store {
        Store {
            conn: Mutex::new(conn),
            region: region.to_owned(),
            search_index: Default::default(),
        }
    }

    fn prepare(conn: &mut Connection) -> Result<(), StoreError> {
        conn.busy_timeout(BUSY_TIMEOUT)?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        migrate(conn)
    }
}

fn schema_version(conn: &Connection) -> rusqlite::Result<u32> {
    conn.pragma_query_value(None, "user_version", |row| row.get(0))
}

/// Applies the migrations the file has not had. IMMEDIATE takes the write lock before reading the
/// version, so two processes opening a new file at once do not both create the tables.
fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let version = schema_version(&tx)? as usize;
    if version > MIGRATIONS.len() {
        // A newer Callpop wrote this file. Its steps only ever add, so this version can still
        // read and write what it knows.
        tracing::warn!(
            version,
            known = MIGRATIONS.len(),
            "store was created by a newer Callpop"
        );
        return Ok(());
    }
    for step in &MIGRATIONS[version..] {
        tx.execute_batch(step)?;
    }
    tx.pragma_update(None, "user_version", MIGRATIONS.len() as u32)?;
    tx.commit()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tables(store: &Store) -> Vec<String> {
        let conn = store.lock();
        let mut stmt = conn
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
            .unwrap();
        let names = stmt.query_map([], |row| row.get(0)).unwrap();
        names.collect::<Result<_, _>>().unwrap()
    }

    #[test]
    fn open_creates_missing_directories_and_the_schema() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a").join("b").join("callpop.sqlite");
        let store = Store::open(&path, "UA").unwrap();
        assert!(path.is_file());
        assert_eq!(store.region(), "UA");
        assert_eq!(store.schema_version().unwrap() as usize, MIGRATIONS.len());
        assert_eq!(
            tables(&store),
            [
                "call_utm",
                "calls",
                "contact_phones",
                "contact_sources",
                "contacts",
                "directory_version",
                "sync_state"
            ]
        );
        let journal: String = store
            .lock()
            .pragma_query_value(None, "journal_mode", |row| row.get(0))
            .unwrap();
        assert_eq!(journal, "wal");
        let timeout: i64 = store
            .lock()
            .pragma_query_value(None, "busy_timeout", |row| row.get(0))
            .unwrap();
        assert_eq!(timeout, 5000);
    }

    #[test]
    fn reopening_keeps_data_and_does_not_migrate_twice() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("callpop.sqlite");
        {
            let store = Store::open(&path, "RU").unwrap();
            store
                .lock()
                .execute(
                    "INSERT INTO contacts (name, name_lc) VALUES ('Иван', 'иван')",
                    [],
                )
                .unwrap();
        }
        // Running the CREATE TABLE steps again would fail: reopening proves they are skipped.
        let store = Store::open(&path, "RU").unwrap();
        assert_eq!(store.schema_version().unwrap() as usize, MIGRATIONS.len());
        let count: i64 = store
            .lock()
            .query_row("SELECT COUNT(*) FROM contacts", [], |row| row.get(0))
            .unwrap();
        assert_eq!(count, 1);
    }

    #[test]
    fn a_version_1_file_is_upgraded_and_its_calls_still_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("callpop.sqlite");
        {
            // The file as the first release left it.
            let conn = Connection::open(&path).unwrap();
            conn.execute_batch(MIGRATIONS[0]).unwrap();
            conn.pragma_update(None, "user_version", 1).unwrap();
            conn.execute(
                "INSERT INTO calls (provider, call_id, direction, state, customer_key, started_at)
                 VALUES ('vega', 'old', 'in', 'ended', '+79101234567', '2024-05-01T10:00:00.000000000Z')",
                [],
            )
            .unwrap();
        }
        let store = Store::open(&path, "RU").unwrap();
        assert_eq!(store.schema_version().unwrap() as usize, MIGRATIONS.len());
        let calls = store.recent_calls(10).unwrap();
        assert_eq!(calls.len(), 1);
        assert_eq!(calls[0].call_id, "old");
        assert_eq!(calls[0].talk_seconds, None);
        assert_eq!(calls[0].recording, None);
    }

    #[test]
    fn a_version_2_file_is_upgraded_to_3_and_keeps_its_contacts() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("callpop.sqlite");
        {
            let conn = Connection::open(&path).unwrap();
            conn.execute_batch(MIGRATIONS[0]).unwrap();
            conn.execute_batch(MIGRATIONS[1]).unwrap();
            conn.pragma_update(None, "user_version", 2).unwrap();
            conn.execute(
                "INSERT INTO contacts (name, name_lc) VALUES ('Иван', 'иван')",
                [],
            )
            .unwrap();
            conn.execute(
                "INSERT INTO contact_phones (contact_id, phone_key, digits)
                 VALUES (1, '+79101234567', '79101234567')",
                [],
            )
            .unwrap();
        }
        let store = Store::open(&path, "RU").unwrap();
        assert_eq!(store.schema_version().unwrap() as usize, MIGRATIONS.len());
        let found = store
            .lookup(&crate::PhoneNumber::parse("+79101234567", "RU"))
            .unwrap()
            .unwrap();
        assert_eq!(found.name, "Иван");
        assert_eq!(store.sync_state("vega-crm").unwrap(), None);
        store.set_sync_state("vega-crm", "1700000000000").unwrap();
        assert_eq!(
            store.sync_state("vega-crm").unwrap().as_deref(),
            Some("1700000000000")
        );
    }

    #[test]
    fn a_version_6_file_gets_the_directory_version_and_is_searched() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("callpop.sqlite");
        {
            // The file as it was before the in-memory search index.
            let conn = Connection::open(&path).unwrap();
            for step in &MIGRATIONS[..6] {
                conn.execute_batch(step).unwrap();
            }
            conn.pragma_update(None, "user_version", 6).unwrap();
            conn.execute_batch(
                "INSERT INTO contacts (name, name_lc) VALUES ('Иван', 'иван'), ('Анна', 'анна');
                 INSERT INTO contact_phones (contact_id, phone_key, digits)
                 VALUES (1, '+79101234567', '79101234567')",
            )
            .unwrap();
        }
        let store = Store::open(&path, "RU").unwrap();
        assert_eq!(store.schema_version().unwrap(), 7);
        let page = store.search_page("иван", 0, 10).unwrap();
        assert_eq!((page.total, page.contacts[0].name.as_str()), (1, "Иван"));
        assert_eq!(store.search_page("8 910", 0, 10).unwrap().total, 1);
        // The triggers count rewrites and removals, so the index sees them.
        let version = |store: &Store| -> i64 {
            store
                .lock()
                .query_row("SELECT n FROM directory_version", [], |row| row.get(0))
                .unwrap()
        };
        assert_eq!(version(&store), 0);
        store
            .lock()
            .execute(
                "UPDATE contacts SET name = 'Ян', name_lc = 'ян' WHERE id = 1",
                [],
            )
            .unwrap();
        assert_eq!(version(&store), 1);
        assert_eq!(store.search_page("иван", 0, 10).unwrap().total, 0);
        assert!(store.delete_contact(1).unwrap());
        assert_eq!(
            version(&store),
            3,
            "the contact and, by cascade, its number"
        );
        assert_eq!(store.search_page("8 910", 0, 10).unwrap().total, 0);
        assert_eq!(store.search_page("", 0, 10).unwrap().total, 1);
    }

    #[test]
    fn a_file_from_a_newer_version_still_opens() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("callpop.sqlite");
        drop(Store::open(&path, "RU").unwrap());
        {
            let conn = Connection::open(&path).unwrap();
            conn.pragma_update(None, "user_version", 99).unwrap();
        }
        let store = Store::open(&path, "RU").unwrap();
        assert_eq!(store.schema_version().unwrap(), 99);
    }

    #[test]
    fn a_directory_in_place_of_the_file_is_an_error_not_a_panic() {
        let dir = tempfile::tempdir().unwrap();
        let result = Store::open(dir.path(), "RU");
        assert!(
            matches!(result, Err(StoreError::Sqlite(_))),
            "{:?}",
            result.err()
        );
    }

    #[test]
    fn a_file_in_place_of_the_directory_is_an_io_error() {
        let dir = tempfile::tempdir().unwrap();
        let blocker = dir.path().join("not-a-dir");
        std::fs::write(&blocker, b"x").unwrap();
        let result = Store::open(&blocker.join("callpop.sqlite"), "RU");
        match result {
            Err(StoreError::Io { path, .. }) => assert!(path.ends_with("not-a-dir"), "{path}"),
            other => panic!("expected an I/O error, got {:?}", other.err()),
        }
    }

    #[test]
    fn in_memory_store_has_the_schema() {
        let store = Store::open_in_memory("RU").unwrap();
        assert_eq!(
            tables(&store),
            [
                "call_utm",
                "calls",
                "contact_phones",
                "contact_sources",
                "contacts",
                "directory_version",
                "sync_state"
            ]
        );
    }
}
