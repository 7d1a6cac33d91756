//! CSV import of contacts as people export them from CRMs and Excel.
//!
//! What is accepted:
//! - encoding: UTF-8 (with or without BOM), UTF-16 with a BOM (Excel's "Unicode text"), and
//!   Windows-1251 when the bytes are not valid UTF-8;
//! - delimiter: `;`, `,` or tab, whichever the header line uses most (outside quotes); Excel's
//!   `sep=;` first line is honoured;
//! - headers in Russian or English, any case (see `Role::of`); every column whose header names a
//!   phone is a phone column, and a cell may hold several numbers (`,` `;` `/` newline ` или `);
//! - separate first/middle/last name columns are joined as `Имя Отчество Фамилия` when there is
//!   no full-name column (or it is empty); a row with no name but a company is named after it.
//!
//! A broken row is left out and reported with its line in the file; the rows around it are
//! imported. Rows of nothing but empty cells are ignored silently: spreadsheets leave them behind.

use std::fmt;
use std::io::{Cursor, Read, Seek};

use encoding_rs::{Encoding, WINDOWS_1251};
use serde::Serialize;

use crate::csv_records::{Fields, Next, Records, RECORD_LIMIT};
use crate::directory::NewContact;
use crate::phone::PhoneNumber;
use crate::store::{Store, StoreError};
use crate::text_stream::text_reader;

/// A row that was not imported, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SkippedRow {
    /// 1-based line number in the file.
    pub line: u64,
    /// What was wrong with it.
    pub reason: String,
}

impl fmt::Display for SkippedRow {
    /// `line 4: no phone number`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.reason)
    }
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ImportReport {
    /// Contacts added.
    pub imported: usize,
    /// Rows left out, each with its line number: the first [`MAX_REPORTED_SKIPS`] of them.
    pub skipped: Vec<SkippedRow>,
    /// Rows left out beyond those listed in `skipped` (a file of a million broken rows is told
    /// by its first ones, in the same memory as a good file).
    pub more_skipped: usize,
}

/// Skipped rows an import report lists one by one.
pub const MAX_REPORTED_SKIPS: usize = 1000;

impl ImportReport {
    /// Notes a row left out.
    pub(crate) fn skip(&mut self, row: SkippedRow) {
        if self.skipped.len() < MAX_REPORTED_SKIPS {
            self.skipped.push(row);
        } else {
            self.more_skipped += 1;
        }
    }
}

/// What the import says when it finds no phone column.
const NO_PHONE_COLUMN: &str = "no phone column: expected a header such as phone, Телефон, \
                               Мобильный or \"Рабочий телефон\"";

/// The contacts a file holds and the rows left out, before anything is written: the app shows
/// progress while it stores them ([`Store::import_contacts`](crate::Store::import_contacts)).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ParsedContacts {
    /// The good rows (or cards), in file order.
    pub contacts: Vec<NewContact>,
    /// Rows left out, each with its line number.
    pub skipped: Vec<SkippedRow>,
}

/// One row (or card) of a contact file.
#[derive(Debug, Clone, PartialEq)]
pub enum FileRow {
    /// A contact to store.
    Contact(NewContact),
    /// A row left out, and why.
    Skipped(SkippedRow),
}

impl Store {
    /// Imports contacts from CSV bytes (comma or semicolon, UTF-8 with or without BOM, or
    /// Windows-1251; headers in Russian or English, any case). Good rows are kept even when others
    /// are broken.
    pub fn import_csv(&self, bytes: &[u8]) -> Result<ImportReport, StoreError> {
        self.import_csv_file(Cursor::new(bytes))
    }

    /// [`import_csv`](Self::import_csv) from a file, read a piece at a time: a million-row file
    /// takes the memory of a small one.
    pub fn import_csv_file(
        &self,
        file: impl Read + Seek + Send,
    ) -> Result<ImportReport, StoreError> {
        self.add_rows(read_csv(file, &self.region)?)
    }
}

/// Reads CSV bytes (see [`Store::import_csv`]) into contacts and skipped rows, writing nothing.
/// `Err` when the file cannot be a contact list at all (empty, no header, no phone column).
pub fn parse_csv(bytes: &[u8], region: &str) -> Result<ParsedContacts, StoreError> {
    let mut parsed = ParsedContacts::default();
    for row in read_csv(Cursor::new(bytes), region)? {
        match row? {
            FileRow::Contact(contact) => parsed.contacts.push(contact),
            FileRow::Skipped(skipped) => parsed.skipped.push(skipped),
        }
    }
    Ok(parsed)
}

/// The rows of a CSV file (see [`Store::import_csv`]), read as they are asked for. `Err` at once
/// when the file cannot be a contact list at all (empty, no header, no phone column).
pub fn read_csv<R: Read + Seek>(
    file: R,
    region: &str,
) -> Result<CsvContacts<impl Read>, StoreError> {
    let mut text = text_reader(file).map_err(read_error)?;
    let (preread, complete) = read_header_lines(&mut text).map_err(read_error)?;
    let (skip, first_line, delimiter) = split_preamble(&preread);
    let rest = &preread[skip..];
    if complete && String::from_utf8_lossy(rest).trim().is_empty() {
        return Err(StoreError::Import(
            "the file is empty: expected a header line such as name;phone".into(),
        ));
    }
    let mut records = Records::new(text, delimiter, first_line, rest.to_vec());
    let header: Vec<String> = match records.next_record().map_err(read_error)? {
        Next::Record(_) => records.fields().iter().map(str::to_owned).collect(),
        Next::Broken(bad) => {
            return Err(StoreError::Import(format!(
                "no header: line {} is not a CSV header ({})",
                bad.line, bad.reason
            )))
        }
        Next::End => return Err(StoreError::Import("no header line".into())),
    };
    let columns = Columns::from_header(&header);
    if columns.phones.is_empty() {
        let found: Vec<&str> = header.iter().map(|h| h.trim()).collect();
        return Err(StoreError::Import(format!(
            "{NO_PHONE_COLUMN}; the first line has: {}",
            shorten(&found.join(", "))
        )));
    }
    Ok(CsvContacts {
        records,
        columns,
        region: region.to_owned(),
    })
}

/// The rows of a CSV file after its header, from [`read_csv`].
pub struct CsvContacts<R> {
    records: Records<R>,
    columns: Columns,
    region: String,
}

impl<R: Read> Iterator for CsvContacts<R> {
    type Item = Result<FileRow, StoreError>;

    /// The next contact or skipped row; rows of nothing but empty cells are passed over.
    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let next = match self.records.next_record() {
                Ok(next) => next,
                Err(e) => return Some(Err(read_error(e))),
            };
            let line = match next {
                Next::End => return None,
                Next::Broken(row) => return Some(Ok(FileRow::Skipped(row))),
                Next::Record(line) => line,
            };
            match self.columns.contact(&self.records.fields(), &self.region) {
                Ok(Some(contact)) => return Some(Ok(FileRow::Contact(contact))),
                Ok(None) => {}
                Err(reason) => return Some(Ok(FileRow::Skipped(SkippedRow { line, reason }))),
            }
        }
    }
}

/// The file stopped being readable half way.
fn read_error(source: std::io::Error) -> StoreError {
    StoreError::Io {
        path: "the imported file".into(),
        source,
    }
}

/// The text up to the end of the first line that is not blank (where the header is), and whether
/// that is the whole file.
fn read_header_lines(text: &mut impl Read) -> std::io::Result<(Vec<u8>, bool)> {
    let mut preread = Vec::new();
    let mut piece = [0; 4096];
    loop {
        let read = match text.read(&mut piece) {
            Ok(read) => read,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if read == 0 {
            return Ok((preread, true));
        }
        preread.extend_from_slice(&piece[..read]);
        let has_header = lines(&preread)
            .take_while(|(_, complete)| *complete)
            .any(|(line, _)| !String::from_utf8_lossy(line).trim().is_empty());
        if has_header || preread.len() > RECORD_LIMIT {
            return Ok((preread, false));
        }
    }
}

/// The lines of `text` (`\n`, `\r\n` or a lone `\r` ending each), each with whether its end was
/// seen.
fn lines(text: &[u8]) -> impl Iterator<Item = (&[u8], bool)> {
    let mut rest = text;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        match rest.iter().position(|&b| b == b'\n' || b == b'\r') {
            Some(at) => {
                let line = &rest[..at];
                let after = if rest[at] == b'\r' && rest.get(at + 1) == Some(&b'\n') {
                    at + 2
                } else {
                    at + 1
                };
                rest = &rest[after..];
                Some((line, true))
            }
            None => {
                let line = rest;
                rest = &[];
                Some((line, false))
            }
        }
    })
}

/// The bytes as text: a BOM decides; else UTF-8 if valid; else Windows-1251, the encoding Russian
/// Excel saves CSV in.
pub(crate) fn decode(bytes: &[u8]) -> String {
    if let Some((encoding, bom)) = Encoding::for_bom(bytes) {
        return encoding
            .decode_without_bom_handling(&bytes[bom..])
            .0
            .into_owned();
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => text.to_owned(),
        Err(_) => WINDOWS_1251
            .decode_without_bom_handling(bytes)
            .0
            .into_owned(),
    }
}

/// Where the records start after Excel's `sep=;` line if there is one (an offset in `text`), the
/// line number they start on and the delimiter.
fn split_preamble(text: &[u8]) -> (usize, u64, u8) {
    if let Some((first, _)) = lines(text).next() {
        let first = String::from_utf8_lossy(first);
        let first = first.trim();
        if let Some(prefix) = first.get(..4).filter(|p| p.eq_ignore_ascii_case("sep=")) {
            if let [byte] = &first.as_bytes()[prefix.len()..] {
                return (after_first_line(text), 2, *byte);
            }
        }
    }
    (0, 1, detect_delimiter(text))
}

/// The offset of the second line of `text` (its length when it has one line).
fn after_first_line(text: &[u8]) -> usize {
    match text.iter().position(|&b| b == b'\n' || b == b'\r') {
        Some(at) if text[at] == b'\r' && text.get(at + 1) == Some(&b'\n') => at + 2,
        Some(at) => at + 1,
        None => text.len(),
    }
}

/// The delimiter the header line uses most, counting outside quotes; `;` wins a tie (Russian
/// Excel), then tab.
fn detect_delimiter(text: &[u8]) -> u8 {
    let header = lines(text)
        .map(|(line, _)| String::from_utf8_lossy(line))
        .find(|l| !l.trim().is_empty())
        .unwrap_or_default();
    let mut counts = [0usize; 3];
    let mut quoted = false;
    for c in header.chars() {
        match c {
            '"' => quoted = !quoted,
            ';' if !quoted => counts[0] += 1,
            '\t' if !quoted => counts[1] += 1,
            ',' if !quoted => counts[2] += 1,
            _ => {}
        }
    }
    let candidates = [b';', b'\t', b','];
    let best = (0..3).rev().max_by_key(|&i| counts[i]).unwrap_or(0);
    if counts[best] == 0 {
        b','
    } else {
        candidates[best]
    }
}

/// What a column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Name,
    FirstName,
    MiddleName,
    LastName,
    Company,
    Phone,
    Responsible,
    Url,
    Notes,
}

impl Role {
    /// The role of a header, by its usual Russian and English names.
    fn of(header: &str) -> Option<Role> {
        let h = normalise_header(header);
        let role = match h.as_str() {
            "name"
            | "full name"
            | "fullname"
            | "contact"
            | "contact name"
            | "фио"
            | "ф.и.о"
            | "контакт"
            | "имя контакта"
            | "полное имя" => Role::Name,
            "first name" | "firstname" | "given name" | "имя" => Role::FirstName,
            "middle name" | "middlename" | "отчество" => Role::MiddleName,
            "last name" | "lastname" | "surname" | "family name" | "фамилия" => {
                Role::LastName
            }
            "company"
            | "company name"
            | "organization"
            | "organisation"
            | "компания"
            | "организация"
            | "название компании"
            | "фирма" => Role::Company,
            "responsible"
            | "manager"
            | "owner"
            | "ответственный"
            | "менеджер"
            | "ответственный менеджер" => Role::Responsible,
            "url" | "crm url" | "link" | "crm link" | "ссылка" | "ссылка в crm" => {
                Role::Url
            }
            "notes"
            | "note"
            | "comment"
            | "comments"
            | "заметки"
            | "заметка"
            | "комментарий"
            | "комментарии"
            | "примечание"
            | "примечания" => Role::Notes,
            _ if h.contains("phone")
                || h.contains("телефон")
                || h.contains("mobile")
                || h.starts_with("мобильн")
                || matches!(h.as_str(), "tel" | "тел" | "cell") =>
            {
                Role::Phone
            }
            _ => return None,
        };
        Some(role)
    }
}

/// Lower case, `ё` as `е`, `_` and `-` as spaces, single spaces, no trailing `:` `*` `.`.
fn normalise_header(header: &str) -> String {
    let lower = header
        .trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}')
        .to_lowercase()
        .replace('ё', "е")
        .replace(['_', '-'], " ");
    let words: Vec<&str> = lower.split_whitespace().collect();
    words.join(" ").trim_end_matches([':', '*', '.']).to_owned()
}

/// Which columns hold what; several columns may share a role.
#[derive(Debug, Default)]
struct Columns {
    width: usize,
    name: Vec<usize>,
    first: Vec<usize>,
    middle: Vec<usize>,
    last: Vec<usize>,
    company: Vec<usize>,
    phones: Vec<usize>,
    responsible: Vec<usize>,
    url: Vec<usize>,
    notes: Vec<usize>,
}

impl Columns {
    fn from_header(header: &[String]) -> Columns {
        let mut columns = Columns {
            width: header.len(),
            ..Columns::default()
        };
        for (i, title) in header.iter().enumerate() {
            let list = match Role::of(title) {
                Some(Role::Name) => &mut columns.name,
                Some(Role::FirstName) => &mut columns.first,
                Some(Role::MiddleName) => &mut columns.middle,
                Some(Role::LastName) => &mut columns.last,
                Some(Role::Company) => &mut columns.company,
                Some(Role::Phone) => &mut columns.phones,
                Some(Role::Responsible) => &mut columns.responsible,
                Some(Role::Url) => &mut columns.url,
                Some(Role::Notes) => &mut columns.notes,
                None => continue,
            };
            list.push(i);
        }
        columns
    }

    /// The contact a row describes; `Ok(None)` for a row of empty cells; `Err` with the reason
    /// the row cannot be imported.
    fn contact(&self, fields: &Fields, region: &str) -> Result<Option<NewContact>, String> {
        let cell = |i: &usize| fields.get(*i).map(|c| c.trim()).filter(|c| !c.is_empty());
        let first = |columns: &[usize]| columns.iter().find_map(cell).map(str::to_owned);
        if fields.iter().all(|f| f.trim().is_empty()) {
            return Ok(None);
        }
        if fields.len() > self.width && fields.iter().skip(self.width).any(|f| !f.trim().is_empty())
        {
            return Err(format!(
                "malformed CSV: {} fields, but the header has {}",
                fields.len(),
                self.width
            ));
        }
        let company = first(&self.company);
        let parts: Vec<&str> = [&self.first, &self.middle, &self.last]
            .into_iter()
            .filter_map(|columns| columns.iter().find_map(cell))
            .collect();
        let name = first(&self.name)
            .or_else(|| (!parts.is_empty()).then(|| parts.join(" ")))
            .or_else(|| company.clone())
            .ok_or("no name and no company")?;

        let cells: Vec<&str> = self.phones.iter().filter_map(cell).collect();
        let mut phones: Vec<PhoneNumber> = Vec::new();
        for number in cells.iter().flat_map(|c| split_numbers(c)) {
            if let Some(number) = phone_in(number, region) {
                if !phones.contains(&number) {
                    phones.push(number);
                }
            }
        }
        if phones.is_empty() {
            return Err(if cells.is_empty() {
                "no phone number".to_owned()
            } else {
                format!(
                    "no valid phone number in \"{}\"",
                    shorten(&cells.join(", "))
                )
            });
        }
        Ok(Some(NewContact {
            name,
            company,
            responsible: first(&self.responsible),
            url: first(&self.url),
            notes: first(&self.notes),
            phones,
        }))
    }
}

/// The numbers in one cell: `+7 495 777-66-55, 8 (910) 123-45-67`, one per line, `... или ...`.
fn split_numbers(cell: &str) -> Vec<&str> {
    let mut pieces = vec![cell];
    // Most cells are a number and nothing else: no word to split on.
    if cell.chars().any(char::is_alphabetic) {
        for word in [" или ", " ИЛИ ", " Или ", " or ", " OR "] {
            pieces = pieces.into_iter().flat_map(|p| p.split(word)).collect();
        }
    }
    pieces
        .into_iter()
        .flat_map(|p| p.split([',', ';', '/', '\n', '\r']))
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect()
}

/// The number in one piece of a cell. Besides clean numbers, takes the number out of annotated
/// ones (`моб. 8 910 123-45-67`, `+7 495 777-66-55 доб. 123`): the main number is what calls
/// come from. Extensions must have two digits at least: a lone `0` is a spreadsheet's "none".
pub(crate) fn phone_in(piece: &str, region: &str) -> Option<PhoneNumber> {
    // Excel's text marker.
    let piece = piece.trim_start_matches('\'');
    match PhoneNumber::parse(piece, region) {
        number @ (PhoneNumber::E164(_) | PhoneNumber::Sip { .. }) => Some(number),
        PhoneNumber::Extension(ext) if ext.len() >= 2 => Some(PhoneNumber::Extension(ext)),
        PhoneNumber::Extension(_) => None,
        PhoneNumber::Raw(_) => {
            let start = piece.find(|c: char| c.is_ascii_digit() || c == '+')?;
            let rest = &piece[start..];
            let end = rest
                .find(|c: char| c.is_alphabetic() || c == '#')
                .unwrap_or(rest.len());
            match PhoneNumber::parse(&rest[..end], region) {
                number @ PhoneNumber::E164(_) => Some(number),
                _ => None,
            }
        }
    }
}

/// Text cut for an error message.
pub(crate) fn shorten(text: &str) -> String {
    const MAX: usize = 60;
    if text.chars().count() <= MAX {
        text.to_owned()
    } else {
        let cut: String = text.chars().take(MAX).collect();
        format!("{cut}…")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ru(s: &str) -> PhoneNumber {
        PhoneNumber::parse(s, "RU")
    }

    fn store() -> Store {
        Store::open_in_memory("RU").unwrap()
    }

    fn skipped(report: &ImportReport) -> Vec<String> {
        report.skipped.iter().map(ToString::to_string).collect()
    }

    fn import_error(bytes: &[u8]) -> String {
        match store().import_csv(bytes) {
            Err(StoreError::Import(message)) => message,
            other => panic!("expected an import error, got {other:?}"),
        }
    }

    #[test]
    fn utf8_with_bom_semicolons_and_russian_headers() {
        let mut bytes = b"\xEF\xBB\xBF".to_vec();
        bytes.extend_from_slice(
            "ФИО;Компания;Телефон;Рабочий телефон;Ответственный;Ссылка;Заметки\n\
             Иван Петров;ООО Ромашка;8 (910) 123-45-67;+7 495 777-66-55;Мария;https://crm/1;VIP\n\
             Анна Смирнова;;0442246595;;Олег;;\n"
                .as_bytes(),
        );
        let store = store();
        let report = store.import_csv(&bytes).unwrap();
        assert_eq!(
            report,
            ImportReport {
                imported: 2,
                skipped: vec![],
                more_skipped: 0
            }
        );

        let ivan = store.lookup(&ru("+7 910 123 45 67")).unwrap().unwrap();
        assert_eq!(ivan.name, "Иван Петров");
        assert_eq!(ivan.company.as_deref(), Some("ООО Ромашка"));
        assert_eq!(ivan.responsible.as_deref(), Some("Мария"));
        assert_eq!(ivan.url.as_deref(), Some("https://crm/1"));
        assert_eq!(ivan.notes.as_deref(), Some("VIP"));
        assert_eq!(ivan.phones, vec![ru("+79101234567"), ru("+74957776655")]);
        // Both phone columns count: the work number finds the same contact.
        assert_eq!(
            store.lookup(&ru("84957776655")).unwrap().map(|c| c.id),
            Some(ivan.id)
        );

        let anna = store.lookup(&ru("+380442246595")).unwrap().unwrap();
        assert_eq!((anna.name.as_str(), anna.company), ("Анна Смирнова", None));
    }

    #[test]
    fn windows_1251_is_decoded() {
        let text = "Имя;Фамилия;Организация;Мобильный;Менеджер;Примечание\r\n\
                    Пётр;Иванов;ЗАО Вектор;89161112233;Ольга;перезвонить\r\n";
        let (bytes, _, unmappable) = WINDOWS_1251.encode(text);
        assert!(!unmappable);
        assert!(
            std::str::from_utf8(&bytes).is_err(),
            "the test needs bytes that are not UTF-8"
        );
        let store = store();
        let report = store.import_csv(&bytes).unwrap();
        assert_eq!(report.imported, 1, "{:?}", report.skipped);
        let petr = store.lookup(&ru("+7 916 111-22-33")).unwrap().unwrap();
        assert_eq!(petr.name, "Пётр Иванов");
        assert_eq!(petr.company.as_deref(), Some("ЗАО Вектор"));
        assert_eq!(petr.responsible.as_deref(), Some("Ольга"));
        assert_eq!(petr.notes.as_deref(), Some("перезвонить"));
        // Found by text search in any case, too.
        assert_eq!(store.search("петр", 10).unwrap().len(), 1);
    }

    #[test]
    fn utf16_with_bom_and_tabs_as_excel_saves_unicode_text() {
        let text = "Name\tPhone\nJohn Smith\t+44 20 7946 0958\n";
        let mut bytes = vec![0xFF, 0xFE];
        for unit in text.encode_utf16() {
            bytes.extend_from_slice(&unit.to_le_bytes());
        }
        let store = store();
        assert_eq!(store.import_csv(&bytes).unwrap().imported, 1);
        assert!(store.lookup(&ru("+442079460958")).unwrap().is_some());
    }

    #[test]
    fn comma_english_headers_and_a_cell_of_several_numbers() {
        let csv = "First Name,Last Name,Organization,Phones,CRM_URL,Notes\n\
                   John,Smith,Acme,\"+7 495 777-66-55, 8 (910) 123-45-67\",https://crm/7,\"said \"\"call me\"\"\"\n\
                   ,,Globex,+7 812 345-67-89 или 8 800 555 35 35,,\n";
        let store = store();
        let report = store.import_csv(csv.as_bytes()).unwrap();
        assert_eq!(
            report,
            ImportReport {
                imported: 2,
                skipped: vec![],
                more_skipped: 0
            }
        );
        let john = store.lookup(&ru("89101234567")).unwrap().unwrap();
        assert_eq!(john.name, "John Smith");
        assert_eq!(john.phones, vec![ru("+74957776655"), ru("+79101234567")]);
        assert_eq!(john.url.as_deref(), Some("https://crm/7"));
        assert_eq!(john.notes.as_deref(), Some("said \"call me\""));
        assert_eq!(
            store.lookup(&ru("+7 495 7776655")).unwrap().map(|c| c.id),
            Some(john.id)
        );
        // No name: the company names the contact.
        let globex = store.lookup(&ru("88123456789")).unwrap().unwrap();
        assert_eq!(globex.name, "Globex");
        assert_eq!(globex.phones, vec![ru("+78123456789"), ru("+78005553535")]);
    }

    #[test]
    fn broken_rows_are_reported_by_line_and_the_rest_imported() {
        let csv = "Name;Company;Phone\n\
                   Good One;A;+7 910 000-00-01\n\
                   \n\
                   No Phone;B;\n\
                   Good Two;C;\"+7 910 000-00-02\n8 910 000-00-03\"\n\
                   ;;+7 910 000-00-04\n\
                   Bad Number;D;call me maybe\n\
                   Ragged;E;+7 910 000-00-05;extra\n\
                   Short Row;+7 910 000-00-06\n\
                   ;;;\n\
                   Good Three;F;+7 910 000-00-07\n";
        let store = store();
        let report = store.import_csv(csv.as_bytes()).unwrap();
        assert_eq!(
            skipped(&report),
            [
                "line 4: no phone number",
                "line 7: no name and no company",
                "line 8: no valid phone number in \"call me maybe\"",
                "line 9: malformed CSV: 4 fields, but the header has 3",
                "line 10: no phone number",
            ]
        );
        assert_eq!(report.imported, 3);
        let two = store.lookup(&ru("89100000003")).unwrap().unwrap();
        assert_eq!(two.name, "Good Two");
        assert!(store.lookup(&ru("89100000007")).unwrap().is_some());
        assert_eq!(store.contact_count().unwrap(), 3);
    }

    #[test]
    fn an_unclosed_quote_loses_one_line_not_the_rest_of_the_file() {
        let csv = "Name,Phone\n\
                   Before,+7 910 000-00-01\n\
                   \"Broken,+7 910 000-00-02\n\
                   After,+7 910 000-00-03\n\
                   Last,+7 910 000-00-04\n";
        let store = store();
        let report = store.import_csv(csv.as_bytes()).unwrap();
        assert_eq!(
            skipped(&report),
            ["line 3: malformed CSV: a quote is never closed"]
        );
        assert_eq!(report.imported, 3);
        assert!(store.lookup(&ru("+79100000003")).unwrap().is_some());
        assert!(store.lookup(&ru("+79100000004")).unwrap().is_some());
    }

    #[test]
    fn line_numbers_count_quoted_line_breaks_and_crlf() {
        let csv = "Name;Phone;Notes\r\n\
                   A;+7 910 000-00-01;\"two\r\nlines\"\r\n\
                   \r\n\
                   B;;x\r\n";
        let report = store().import_csv(csv.as_bytes()).unwrap();
        assert_eq!(skipped(&report), ["line 5: no phone number"]);
    }

    #[test]
    fn annotated_numbers_keep_the_main_number() {
        let csv = "Контакт;Телефоны\n\
                   Иван;моб. 8 910 123-45-67 / +7 495 777-66-55 доб. 123\n\
                   Офис;101\n\
                   Ноль;0\n";
        let store = store();
        let report = store.import_csv(csv.as_bytes()).unwrap();
        assert_eq!(skipped(&report), ["line 4: no valid phone number in \"0\""]);
        let ivan = store.lookup(&ru("+74957776655")).unwrap().unwrap();
        assert_eq!(ivan.phones, vec![ru("+79101234567"), ru("+74957776655")]);
        assert!(store
            .lookup(&PhoneNumber::Extension("101".into()))
            .unwrap()
            .is_some());
    }

    #[test]
    fn excel_sep_line_sets_the_delimiter() {
        let csv = "sep=,\nName,Phone\nИван;Петров,+7 910 123-45-67\nX,\n";
        let report = store().import_csv(csv.as_bytes()).unwrap();
        assert_eq!(report.imported, 1);
        assert_eq!(skipped(&report), ["line 4: no phone number"]);
    }

    #[test]
    fn whole_file_errors() {
        assert!(import_error(b"").starts_with("the file is empty"));
        assert!(import_error(b"\xEF\xBB\xBF \r\n\n").starts_with("the file is empty"));
        let message = import_error("ФИО;Компания;Email\nИван;ООО;ivan@example.com\n".as_bytes());
        assert!(
            message.starts_with("no phone column: expected a header such as phone, Телефон"),
            "{message}"
        );
        assert!(message.contains("ФИО, Компания, Email"), "{message}");
        // A file without a header is found out the same way.
        let message = import_error("Иван;+79101234567\n".as_bytes());
        assert!(message.starts_with("no phone column"), "{message}");
        // Nothing was imported by a failed import.
        let store = store();
        assert!(store.import_csv(b"Name;Email\nA;a@b\n").is_err());
        assert_eq!(store.contact_count().unwrap(), 0);
    }

    #[test]
    fn header_only_imports_nothing() {
        let report = store().import_csv(b"Name;Phone\n").unwrap();
        assert_eq!(report, ImportReport::default());
    }

    #[test]
    fn headers_are_recognised_in_any_case_and_spelling() {
        for (header, role) in [
            ("  ФИО ", Some(Role::Name)),
            ("full_name", Some(Role::Name)),
            ("Имя", Some(Role::FirstName)),
            ("ФАМИЛИЯ", Some(Role::LastName)),
            ("Отчество", Some(Role::MiddleName)),
            ("ORGANIZATION", Some(Role::Company)),
            ("Рабочий телефон", Some(Role::Phone)),
            ("Мобильный телефон", Some(Role::Phone)),
            ("Мобильный", Some(Role::Phone)),
            ("Phone number", Some(Role::Phone)),
            ("Тел.", Some(Role::Phone)),
            ("Ответственный", Some(Role::Responsible)),
            ("crm_url", Some(Role::Url)),
            ("Комментарий:", Some(Role::Notes)),
            ("Email", None),
            ("Telegram", None),
        ] {
            assert_eq!(Role::of(header), role, "{header}");
        }
    }

    #[test]
    fn delimiter_is_taken_from_the_header_line() {
        assert_eq!(detect_delimiter(b"a;b;c\n1,2,3,4,5"), b';');
        assert_eq!(detect_delimiter(b"a,b,c\n"), b',');
        assert_eq!(detect_delimiter(b"a\tb\tc,d\n"), b'\t');
        assert_eq!(detect_delimiter(b"\"a;b\",c\n"), b',');
        assert_eq!(detect_delimiter(b"phone\n"), b',');
    }

    #[test]
    fn ten_thousand_rows_import_in_one_go() {
        let mut csv = String::from("ФИО;Компания;Телефон\n");
        for i in 0..10_000 {
            csv.push_str(&format!(
                "Контакт {i};Компания {};8 (910) {i:07}\n",
                i % 100
            ));
        }
        let store = store();
        let started = std::time::Instant::now();
        let report = store.import_csv(csv.as_bytes()).unwrap();
        let took = started.elapsed();
        assert_eq!(report.imported, 10_000);
        assert!(report.skipped.is_empty());
        assert_eq!(
            store.lookup(&ru("+7 910 000 99 99")).unwrap().unwrap().name,
            "Контакт 9999"
        );
        // Well under a second in release; a debug build on two cores gets more room.
        assert!(
            took < std::time::Duration::from_secs(10),
            "import took {took:?}"
        );
    }
}
