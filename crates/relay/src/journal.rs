//! The single-process relay's memory across restarts: every published event, numbered, in a
//! SQLite file (the `events_file` of the config; the CLI and the app put it in the data
//! directory).
//!
//! Vega does not retry a webhook, so whatever a relay accepted must outlive the relay: a
//! desktop that resumes with `last_seq` after a restart (a deploy, a crash) gets the events it
//! missed instead of a `gap`. The hub appends here *before* the webhook is answered, and fills
//! its per-client buffers from the tail when it starts. A write that fails (disk full) does
//! not stop calls from reaching the desktops: the hub keeps the events and writes them with
//! the next write that works.
//!
//! The file is a log, not a database of calls: one row per event (its number, when it was
//! written, its JSON), trimmed to the newest `keep` rows. Numbers continue across restarts; a
//! new file starts from the clock (milliseconds × 1000, as the memory-only hub), so a desktop
//! holding a number from a lost file gets a gap rather than skipping new events.
//!
//! Durability: WAL with `synchronous = NORMAL` — a committed event survives the process being
//! killed (the case that matters: a deploy, an OOM kill), not a power cut of the machine.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use callpop_core::CallEvent;
use rusqlite::{params, Connection};

/// The journal could not be opened, written or read. The message names the file.
#[derive(Debug, thiserror::Error)]
#[error("the relay's event file {path}: {source}")]
pub struct JournalError {
    path: PathBuf,
    source: rusqlite::Error,
}

/// A numbered log of events in a SQLite file.
#[derive(Debug)]
pub struct Journal {
    path: PathBuf,
    connection: Mutex<Connection>,
    /// Rows kept; older ones are deleted as new ones come.
    keep: u64,
}

/// One journaled event.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// Its number, the same for every client.
    pub seq: u64,
    /// The event.
    pub event: CallEvent,
}

impl Journal {
    /// Opens (creating if need be) the journal at `path`, keeping the newest `keep` events.
    pub fn open(path: &Path, keep: usize) -> Result<Journal, JournalError> {
        let failed = |source| JournalError {
            path: path.to_owned(),
            source,
        };
        if let Some(dir) = path.parent().filter(|dir| !dir.as_os_str().is_empty()) {
            // A missing data directory is created like the desktop's store does; if that
            // fails, opening says why.
            let _ = std::fs::create_dir_all(dir);
        }
        let connection = Connection::open(path).map_err(failed)?;
        connection
            .execute_batch(
                "PRAGMA journal_mode = WAL;
                 PRAGMA synchronous = NORMAL;
                 PRAGMA busy_timeout = 5000;
                 CREATE TABLE IF NOT EXISTS events (
                     seq INTEGER PRIMARY KEY,
                     written_ms INTEGER NOT NULL,
                     event TEXT NOT NULL
                 );",
            )
            .map_err(failed)?;
        Ok(Journal {
            path: path.to_owned(),
            connection: Mutex::new(connection),
            keep: keep.max(1) as u64,
        })
    }

    fn failed(&self, source: rusqlite::Error) -> JournalError {
        JournalError {
            path: self.path.clone(),
            source,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.connection
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The newest number written, if any.
    pub fn head(&self) -> Result<Option<u64>, JournalError> {
        let connection = self.lock();
        connection
            .query_row("SELECT MAX(seq) FROM events", [], |row| {
                row.get::<_, Option<i64>>(0)
            })
            .map(|seq| seq.map(|seq| seq as u64))
            .map_err(|e| self.failed(e))
    }

    /// Writes `events` (numbered by the hub, as JSON) as one transaction and trims what is
    /// beyond `keep`. Writing a number again replaces it, so a batch retried after a failure
    /// is written once.
    pub fn append(&self, events: &[(u64, String)]) -> Result<(), JournalError> {
        let Some(newest) = events.iter().map(|(seq, _)| *seq).max() else {
            return Ok(());
        };
        let mut connection = self.lock();
        let written = (|| {
            let transaction = connection.transaction()?;
            let now = chrono::Utc::now().timestamp_millis();
            {
                let mut insert = transaction.prepare_cached(
                    "INSERT OR REPLACE INTO events (seq, written_ms, event) VALUES (?1, ?2, ?3)",
                )?;
                for (seq, json) in events {
                    insert.execute(params![*seq as i64, now, json])?;
                }
            }
            let oldest_kept = (newest + 1).saturating_sub(self.keep) as i64;
            transaction.execute("DELETE FROM events WHERE seq < ?1", [oldest_kept])?;
            transaction.commit()
        })();
        written.map_err(|e| self.failed(e))
    }

    /// The newest `limit` events, oldest first. A row that no longer reads as an event (a file
    /// written by a future version) is skipped with a warning: it cannot be delivered anyway.
    pub fn tail(&self, limit: usize) -> Result<Vec<Entry>, JournalError> {
        let connection = self.lock();
        let rows = (|| {
            let mut select = connection.prepare(
                "SELECT seq, event FROM (SELECT seq, event FROM events ORDER BY seq DESC LIMIT ?1)
                 ORDER BY seq",
            )?;
            let rows = select.query_map([limit as i64], |row| {
                Ok((row.get::<_, i64>(0)? as u64, row.get::<_, String>(1)?))
            })?;
            rows.collect::<Result<Vec<_>, _>>()
        })()
        .map_err(|e| self.failed(e))?;
        Ok(rows
            .into_iter()
            .filter_map(|(seq, json)| match serde_json::from_str(&json) {
                Ok(event) => Some(Entry { seq, event }),
                Err(error) => {
                    tracing::warn!("event {seq} in {} skipped: {error}", self.path.display());
                    None
                }
            })
            .collect())
    }

    /// The oldest number still in the file, if any.
    pub fn oldest(&self) -> Result<Option<u64>, JournalError> {
        let connection = self.lock();
        connection
            .query_row("SELECT MIN(seq) FROM events", [], |row| {
                row.get::<_, Option<i64>>(0)
            })
            .map(|seq| seq.map(|seq| seq as u64))
            .map_err(|e| self.failed(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use callpop_core::{CallState, Direction};

    fn event(call_id: &str) -> String {
        let event = CallEvent {
            provider: "vega".into(),
            call_id: call_id.into(),
            parent_id: None,
            state: CallState::Ringing,
            direction: Direction::In,
            customer: None,
            employee: Some("001".into()),
            employee_name: None,
            at: chrono::Utc::now(),
            on_hold: false,
            pbx_contact: None,
        };
        serde_json::to_string(&event).unwrap()
    }

    fn ids(entries: &[Entry]) -> Vec<(u64, String)> {
        entries
            .iter()
            .map(|e| (e.seq, e.event.call_id.clone()))
            .collect()
    }

    #[test]
    fn numbers_continue_after_a_reopen_and_the_tail_is_oldest_first() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub").join("events.sqlite");
        let journal = Journal::open(&path, 100).unwrap();
        assert_eq!(journal.head().unwrap(), None);
        journal
            .append(&[(500, event("a")), (501, event("b"))])
            .unwrap();
        drop(journal);
        let journal = Journal::open(&path, 100).unwrap();
        journal.append(&[(502, event("c"))]).unwrap();
        // A batch retried after a failure is written once.
        journal.append(&[(502, event("c"))]).unwrap();
        assert_eq!(journal.head().unwrap(), Some(502));
        assert_eq!(
            ids(&journal.tail(2).unwrap()),
            [(501, "b".to_owned()), (502, "c".to_owned())]
        );
    }

    #[test]
    fn only_the_newest_keep_events_stay() {
        let dir = tempfile::tempdir().unwrap();
        let journal = Journal::open(&dir.path().join("events.sqlite"), 2).unwrap();
        for (seq, id) in [(1, "a"), (2, "b"), (3, "c"), (4, "d")] {
            journal.append(&[(seq, event(id))]).unwrap();
        }
        assert_eq!(journal.oldest().unwrap(), Some(3));
        assert_eq!(
            ids(&journal.tail(10).unwrap()),
            [(3, "c".to_owned()), (4, "d".to_owned())]
        );
    }

    #[test]
    fn an_unreadable_file_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("events.sqlite");
        std::fs::write(
            &path,
            b"not a database, just some text long enough to matter",
        )
        .unwrap();
        let error = Journal::open(&path, 10)
            .and_then(|journal| journal.head())
            .unwrap_err();
        assert!(error.to_string().contains("events.sqlite"), "{error}");
    }
}
