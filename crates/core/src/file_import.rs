//! Storing the rows of an imported file (CSV or vCard) in the directory, as fast as SQLite goes.
//!
//! One transaction for the whole file: one sync, and all-or-nothing should SQLite itself fail half
//! way. Into an empty directory (the first import, the common case for a big file) the search
//! indexes are dropped and built again after the load: SQLite builds an index from sorted rows
//! far faster than it keeps one up to date over a million inserts in random order. The drop is
//! inside the transaction, so a failed import leaves them as they were.

use rusqlite::Connection;

use crate::csv_import::SkippedRow;
use crate::csv_import::{FileRow, ImportReport, ParsedContacts};
use crate::directory::{clean, fold_into, ContactInserts, ContactRow, NewContact};
use crate::store::{Store, StoreError};

/// The directory's indexes that only speed up reading, as the schema creates them (a test checks
/// they match the file's). `UNIQUE` constraints are not among them: they keep the data right.
pub(crate) const SEARCH_INDEXES: &[(&str, &str)] = &[
    (
        "contacts_by_name",
        "CREATE INDEX contacts_by_name ON contacts (name_lc, id)",
    ),
    (
        "contact_phones_by_key",
        "CREATE INDEX contact_phones_by_key ON contact_phones (phone_key, contact_id)",
    ),
    (
        "contact_phones_by_digits",
        "CREATE INDEX contact_phones_by_digits ON contact_phones (digits, contact_id)",
    ),
];

/// Rows handed from the reading thread to the writing one at a time.
const BATCH: usize = 1024;

/// Batches read ahead of the writer at most.
const BATCHES_IN_FLIGHT: usize = 4;

impl Store {
    /// Adds the contacts of a file, and reports them with the rows it left out.
    ///
    /// The rows are read (the CSV parsed, the numbers normalised, the columns worked out) on a
    /// thread of their own while this one writes: the two halves take about as long, and a
    /// desktop has two cores at least. Between them sit at most [`BATCHES_IN_FLIGHT`] batches, so
    /// memory stays flat.
    pub(crate) fn add_rows<I>(&self, rows: I) -> Result<ImportReport, StoreError>
    where
        I: IntoIterator<Item = Result<FileRow, StoreError>>,
        I::IntoIter: Send,
    {
        let mut rows = rows.into_iter();
        std::thread::scope(|scope| {
            let (batches, arriving) = std::sync::mpsc::sync_channel(BATCHES_IN_FLIGHT);
            scope.spawn(move || loop {
                let batch = Batch::read(&mut rows);
                let last = batch.last;
                // Once the writer stopped (SQLite failed) there is nothing more to read for.
                if batches.send(batch).is_err() || last {
                    return;
                }
            });
            let mut report = ImportReport::default();
            let mut conn = self.lock();
            write_in_one_transaction(&mut conn, arriving.into_iter(), &mut report)?;
            Ok(report)
        })
    }

    /// Adds the contacts a file gave, all read already (vCard).
    pub(crate) fn add_parsed(&self, parsed: ParsedContacts) -> Result<ImportReport, StoreError> {
        let skipped = parsed.skipped.into_iter().map(FileRow::Skipped);
        let contacts = parsed.contacts.into_iter().map(FileRow::Contact);
        self.add_rows(skipped.chain(contacts).map(Ok))
    }
}

/// The batches of a file's rows, stored with one transaction.
fn write_in_one_transaction(
    conn: &mut Connection,
    batches: impl Iterator<Item = Batch>,
    report: &mut ImportReport,
) -> Result<(), StoreError> {
    let tx = conn.transaction()?;
    let bulk = directory_is_empty(&tx)?;
    if bulk {
        for (name, _) in SEARCH_INDEXES {
            tx.execute_batch(&format!("DROP INDEX {name}"))?;
        }
    }
    {
        let mut inserts = ContactInserts::new(&tx)?;
        for batch in batches {
            for contact in &batch.contacts {
                inserts.insert_row(&batch.row(contact), batch.phones(contact))?;
                report.imported += 1;
            }
            for row in batch.skipped {
                report.skip(row);
            }
            if let Some(error) = batch.failed {
                return Err(error);
            }
        }
    }
    if bulk {
        for (_, create) in SEARCH_INDEXES {
            tx.execute_batch(create)?;
        }
    }
    tx.commit()?;
    Ok(())
}

/// Where a piece of text sits in a batch's buffer.
type Span = (u32, u32);

/// Rows of a file as the writer wants them: every column worked out, all text in one buffer, so
/// the writing thread neither computes nor frees a string per row.
#[derive(Default)]
struct Batch {
    text: String,
    contacts: Vec<PackedContact>,
    /// `(key, digits)` of every number, the contacts' in turn.
    phones: Vec<(Span, Span)>,
    skipped: Vec<SkippedRow>,
    /// Reading stopped here (the file became unreadable).
    failed: Option<StoreError>,
    /// No rows come after this batch.
    last: bool,
}

/// A contact's columns in its batch (see [`ContactRow`]).
struct PackedContact {
    name: Span,
    company: Option<Span>,
    responsible: Option<Span>,
    url: Option<Span>,
    notes: Option<Span>,
    name_lc: Span,
    company_lc: Span,
    phones: std::ops::Range<usize>,
}

impl Batch {
    /// Up to [`BATCH`] rows from `rows`.
    fn read(rows: &mut impl Iterator<Item = Result<FileRow, StoreError>>) -> Batch {
        let mut batch = Batch::default();
        while batch.contacts.len() + batch.skipped.len() < BATCH {
            match rows.next() {
                Some(Ok(FileRow::Contact(contact))) => batch.pack(&contact),
                Some(Ok(FileRow::Skipped(row))) => batch.skipped.push(row),
                Some(Err(error)) => {
                    batch.failed = Some(error);
                    batch.last = true;
                    return batch;
                }
                None => {
                    batch.last = true;
                    return batch;
                }
            }
        }
        batch
    }

    fn pack(&mut self, contact: &NewContact) {
        let name = contact.name.trim();
        let company = clean(&contact.company);
        let phones_from = self.phones.len();
        for phone in &contact.phones {
            let key = self.put(|text| text.push_str(&phone.key()));
            let digits = self.put(|text| text.push_str(&phone.digits()));
            self.phones.push((key, digits));
        }
        let packed = PackedContact {
            name: self.put(|text| text.push_str(name)),
            company: company.map(|c| self.put(|text| text.push_str(c))),
            responsible: clean(&contact.responsible).map(|r| self.put(|text| text.push_str(r))),
            url: clean(&contact.url).map(|u| self.put(|text| text.push_str(u))),
            notes: clean(&contact.notes).map(|n| self.put(|text| text.push_str(n))),
            name_lc: self.put(|text| fold_into(name, text)),
            company_lc: self.put(|text| fold_into(company.unwrap_or_default(), text)),
            phones: phones_from..self.phones.len(),
        };
        self.contacts.push(packed);
    }

    /// Appends what `write` writes to the buffer, and says where it went.
    fn put(&mut self, write: impl FnOnce(&mut String)) -> Span {
        let start = self.text.len();
        write(&mut self.text);
        (start as u32, self.text.len() as u32)
    }

    fn get(&self, (start, end): Span) -> &str {
        &self.text[start as usize..end as usize]
    }

    fn row(&self, contact: &PackedContact) -> ContactRow<'_> {
        ContactRow {
            name: self.get(contact.name),
            company: contact.company.map(|s| self.get(s)),
            responsible: contact.responsible.map(|s| self.get(s)),
            url: contact.url.map(|s| self.get(s)),
            notes: contact.notes.map(|s| self.get(s)),
            name_lc: self.get(contact.name_lc),
            company_lc: self.get(contact.company_lc),
        }
    }

    fn phones<'a>(
        &'a self,
        contact: &PackedContact,
    ) -> impl Iterator<Item = (&'a str, &'a str)> + 'a {
        self.phones[contact.phones.clone()]
            .iter()
            .map(|&(key, digits)| (self.get(key), self.get(digits)))
    }
}

/// Whether the directory has no contact at all.
fn directory_is_empty(conn: &Connection) -> Result<bool, StoreError> {
    let any: bool = conn.query_row("SELECT EXISTS (SELECT 1 FROM contacts)", [], |row| {
        row.get(0)
    })?;
    Ok(!any)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::phone::PhoneNumber;

    #[test]
    fn the_indexes_dropped_for_a_load_are_the_schemas_own() {
        let store = Store::open_in_memory("RU").unwrap();
        let conn = store.lock();
        for (name, create) in SEARCH_INDEXES {
            let sql: String = conn
                .query_row(
                    "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?1",
                    [name],
                    |row| row.get(0),
                )
                .unwrap();
            assert_eq!(&sql, create);
        }
    }

    #[test]
    fn a_load_into_an_empty_directory_leaves_every_index_in_place_and_used() {
        let store = Store::open_in_memory("RU").unwrap();
        let report = store
            .import_csv("Name;Phone\nИван;+7 910 123-45-67\nАнна;8 495 777-66-55\n".as_bytes())
            .unwrap();
        assert_eq!(report.imported, 2);
        {
            let conn = store.lock();
            let count: i64 = conn
                .query_row(
                    "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name IN \
                     ('contacts_by_name', 'contact_phones_by_key', 'contact_phones_by_digits')",
                    [],
                    |row| row.get(0),
                )
                .unwrap();
            assert_eq!(count, 3);
            let plan: String = conn
                .query_row(
                    "EXPLAIN QUERY PLAN SELECT contact_id FROM contact_phones WHERE phone_key = ?1",
                    ["+74957776655"],
                    |row| row.get(3),
                )
                .unwrap();
            assert!(plan.contains("contact_phones_by_key"), "{plan}");
        }
        let found = store
            .lookup(&PhoneNumber::parse("84957776655", "RU"))
            .unwrap();
        assert_eq!(found.map(|c| c.name).as_deref(), Some("Анна"));
    }

    /// Every column of both tables, for contacts in id order.
    fn stored_rows(store: &Store) -> Vec<String> {
        let conn = store.lock();
        let mut rows = Vec::new();
        let mut contacts = conn
            .prepare(
                "SELECT name, company, responsible, url, notes, name_lc, company_lc FROM contacts \
                 ORDER BY id",
            )
            .unwrap();
        let mut query = contacts.query([]).unwrap();
        while let Some(row) = query.next().unwrap() {
            let cells: Vec<Option<String>> = (0..7).map(|i| row.get(i).unwrap()).collect();
            rows.push(format!("{cells:?}"));
        }
        let mut phones = conn
            .prepare("SELECT contact_id, phone_key, digits FROM contact_phones ORDER BY rowid")
            .unwrap();
        let mut query = phones.query([]).unwrap();
        while let Some(row) = query.next().unwrap() {
            let (id, key, digits): (i64, String, String) = (
                row.get(0).unwrap(),
                row.get(1).unwrap(),
                row.get(2).unwrap(),
            );
            rows.push(format!("{id} {key} {digits}"));
        }
        rows
    }

    #[test]
    fn a_file_stores_exactly_what_adding_each_contact_stores() {
        let contacts = vec![
            crate::NewContact {
                name: "  Ёлкин ΟΔΟΣ Пётр ".into(),
                company: Some(" ООО «Ёж» ".into()),
                responsible: Some("   ".into()),
                url: Some("https://crm/1".into()),
                notes: None,
                phones: vec![
                    PhoneNumber::parse("8 910 123-45-67", "RU"),
                    PhoneNumber::parse("sip:101@pbx.example", "RU"),
                    PhoneNumber::parse("SIP/0000000672", "RU"),
                    PhoneNumber::parse("8 910 123-45-67", "RU"),
                ],
            },
            crate::NewContact {
                name: "Anna".into(),
                phones: vec![PhoneNumber::parse("101", "RU")],
                ..Default::default()
            },
        ];
        let one_by_one = Store::open_in_memory("RU").unwrap();
        for contact in &contacts {
            one_by_one.add_contact(contact).unwrap();
        }
        let from_a_file = Store::open_in_memory("RU").unwrap();
        let parsed = ParsedContacts {
            contacts,
            skipped: Vec::new(),
        };
        assert_eq!(from_a_file.add_parsed(parsed).unwrap().imported, 2);
        assert_eq!(stored_rows(&from_a_file), stored_rows(&one_by_one));
    }

    #[test]
    fn a_failed_load_keeps_the_indexes_and_stores_nothing() {
        let store = Store::open_in_memory("RU").unwrap();
        let rows = vec![
            Ok(FileRow::Contact(crate::NewContact {
                name: "Иван".into(),
                phones: vec![PhoneNumber::parse("+79101234567", "RU")],
                ..Default::default()
            })),
            Err(StoreError::Import("the disk went away".into())),
        ];
        assert!(store.add_rows(rows).is_err());
        let conn = store.lock();
        let (contacts, indexes): (i64, i64) = conn
            .query_row(
                "SELECT (SELECT count(*) FROM contacts), (SELECT count(*) FROM sqlite_master \
                 WHERE type = 'index' AND name LIKE 'contact%by%')",
                [],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .unwrap();
        assert_eq!(
            (contacts, indexes),
            (0, 4),
            "contact_sources_by_contact included"
        );
    }
}
