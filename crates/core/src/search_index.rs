//! The contact list's search in memory: a substring of a million names cannot use a B-tree, so
//! the directory's folded text, character masks, list order and numbers are kept packed here and
//! every search is one pass over them (see [`SearchIndex`]). Rebuilt when the directory's
//! [`Signature`] moves; built through a read-only connection of its own, so a caller card's
//! look-up never waits for it.

use std::sync::{Arc, Mutex};

use rusqlite::Connection;

use crate::directory::{fold, is_number_query, number_prefixes, number_ranges};
use crate::store::StoreError;

/// Where a store keeps its [`SearchIndex`]: shared with the thread that builds one in the
/// background, which holds the lock while it builds, so a search arriving meanwhile waits for
/// that build rather than making a second.
#[derive(Default)]
pub(crate) struct IndexSlot {
    index: Mutex<Option<Arc<SearchIndex>>>,
    /// A background build is asked for and not finished: no second is started.
    pub(crate) building: std::sync::atomic::AtomicBool,
}

impl IndexSlot {
    pub(crate) fn lock(&self) -> std::sync::MutexGuard<'_, Option<Arc<SearchIndex>>> {
        self.index.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The kept index if it is of the directory with `signature`; `None` also while a build
    /// holds the slot (the caller does not wait for it).
    pub(crate) fn fresh(&self, signature: Signature) -> Option<Arc<SearchIndex>> {
        let slot = self.index.try_lock().ok()?;
        slot.as_ref().filter(|i| i.signature == signature).cloned()
    }

    /// Builds the index of the file at `path` on a thread of its own, unless one is underway.
    pub(crate) fn build_in_background(self: &Arc<Self>, path: String) {
        use std::sync::atomic::Ordering;
        if self.building.swap(true, Ordering::AcqRel) {
            return;
        }
        let slot = self.clone();
        std::thread::spawn(move || {
            let mut index = slot.lock();
            if let Err(error) = rebuild(&mut index, &path) {
                // The next search builds it again, and reports what goes wrong.
                tracing::warn!(%error, "building the contact search index");
            }
            slot.building.store(false, Ordering::Release);
        });
    }
}

/// Replaces `index` with one of the file at `path` unless it is of the directory as it is.
fn rebuild(index: &mut Option<Arc<SearchIndex>>, path: &str) -> Result<(), StoreError> {
    let reader = reader(path)?;
    let signature = directory_signature(&reader)?;
    if index.as_ref().is_some_and(|i| i.signature == signature) {
        return Ok(());
    }
    *index = None;
    *index = build_index(&reader)?.map(Arc::new);
    Ok(())
}

/// A read-only connection to the store's file, for building the search index beside the
/// store's own connection (WAL lets both read while a writer writes).
pub(crate) fn reader(path: &str) -> Result<Connection, StoreError> {
    let conn = Connection::open_with_flags(
        path,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    Ok(conn)
}

/// The index of what `conn` reads, its signature and rows from one snapshot (one read
/// transaction), so a write in between cannot pair new rows with an old signature.
pub(crate) fn build_index(conn: &Connection) -> Result<Option<SearchIndex>, StoreError> {
    let tx = conn.unchecked_transaction()?;
    let signature = directory_signature(&tx)?;
    let index = SearchIndex::build(&tx, signature)?;
    tx.commit()?;
    Ok(index)
}

/// What the directory holds, in three numbers read off indexes in microseconds: the count of
/// rewrites and removals (kept by migration 7's triggers) and the largest row ids of
/// `contacts` and `contact_phones` (an insert always raises them: SQLite gives a new row the
/// largest rowid plus one). Equal signatures, same directory, whichever process wrote; calls
/// recorded meanwhile do not move it, so they do not cost the list a rebuild.
pub(crate) type Signature = (i64, i64, i64);

pub(crate) fn directory_signature(conn: &Connection) -> Result<Signature, StoreError> {
    Ok(conn
        .prepare_cached(
            "SELECT (SELECT n FROM directory_version),
                    (SELECT ifnull(max(id), 0) FROM contacts),
                    (SELECT ifnull(max(rowid), 0) FROM contact_phones)",
        )?
        .query_row([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?)
}

/// The directory as the contact list searches it, in memory: a substring of a million names
/// cannot use a B-tree, and SQLite scanning the table (`instr` per row, then sorting the
/// matches) takes 250 ms–2.5 s at a million contacts, where a scan of packed text, most
/// contacts ruled out by their masks unread, takes 1–20 ms. Every search, however many it finds, is one pass that yields the exact
/// count and every match in list order, so any page is a slice of it.
///
/// About 120 bytes a contact (its folded text, its numbers' digits, ids and places, 24 bytes of
/// masks): at a million contacts the process grows by ~120 MB, and the build at the first
/// search after the directory changed takes 1.3–1.8 s.
pub(crate) struct SearchIndex {
    pub(crate) signature: Signature,
    /// Contact ids in list order (`name_lc`, then id).
    pub(crate) ids: Vec<i64>,
    /// Each contact's `name_lc`, NUL, `company_lc`, NUL, by id. The NULs keep a match inside
    /// one field (a query has none: [`Store::search_ids`] hands those to SQLite).
    text: String,
    /// Where each contact's text ends in `text`, by id.
    ends: Vec<u32>,
    /// Which characters each contact's text has (see [`char_bit`]), by id: a query's
    /// characters must all be there, so most contacts are ruled out without reading their text,
    /// and a query of one letter is answered by the masks alone.
    masks: Vec<u64>,
    /// Which pairs of neighbouring characters each contact's text has ([`PairBits`]), by id:
    /// what rules contacts out for a query of two letters or more, whose letters alone are in
    /// most names; the directory's commonest pairs have a bit each, so a query of one of
    /// those is answered by these masks alone.
    pairs: Vec<u128>,
    /// The bits of `pairs`.
    pair_bits: PairBits,
    /// The last text search, its needle and matches (positions by id): typing one more letter
    /// only narrows it, so the next search reads those contacts and no others.
    last: Mutex<Option<(String, Arc<Vec<u32>>)>>,
    /// Each contact's place in list order, by id.
    rank: Vec<u32>,
    /// Every number's digits, sorted byte-wise as SQLite's `digits` index is.
    digits: String,
    /// Where each number's digits end in `digits`.
    digit_ends: Vec<u32>,
    /// The list place of each number's contact.
    digit_ranks: Vec<u32>,
}

/// The contacts as read by id, before they are put in list order.
struct ReadContacts {
    ids: Vec<i64>,
    text: String,
    ends: Vec<u32>,
    name_ends: Vec<u32>,
}

impl SearchIndex {
    /// Reads the directory (in `signature`'s state) into an index; `None` when its text passes
    /// the 4 GB that `u32` offsets reach.
    fn build(conn: &Connection, signature: Signature) -> Result<Option<SearchIndex>, StoreError> {
        let Some(read) = read_contacts(conn)? else {
            return Ok(None);
        };
        let order = list_order(&read);
        let mut rank = vec![0u32; order.len()];
        for (place, &at) in order.iter().enumerate() {
            rank[at as usize] = place as u32;
        }
        let ids = order.iter().map(|&at| read.ids[at as usize]).collect();
        let Some((digits, digit_ends, digit_ranks)) = read_numbers(conn, &read.ids, &rank)? else {
            return Ok(None);
        };
        let masks = row_masks(&read, mask_of);
        let pair_bits = PairBits::of(&read.text);
        let pairs = row_masks(&read, |text| pair_bits.mask_of(text));
        // The first number query parses the query, and the first parse in a process loads the
        // phone number metadata (about 0.1 s): paid here, with the rest of the wait.
        number_prefixes("8 9", "RU");
        Ok(Some(SearchIndex {
            signature,
            ids,
            text: read.text,
            ends: read.ends,
            masks,
            pairs,
            pair_bits,
            last: Mutex::new(None),
            rank,
            digits,
            digit_ends,
            digit_ranks,
        }))
    }

    /// What [`Store::search_ids_sql`] answers for `query`, from memory.
    pub(crate) fn search(&self, query: &str, region: &str) -> Vec<i64> {
        if query.is_empty() {
            return self.ids.clone();
        }
        let found = if is_number_query(query) {
            self.number_matches(&number_ranges(query, region))
        } else {
            self.text_matches(&fold(query))
        };
        let mut ids = Vec::with_capacity(found.len());
        ids.extend(found.places().map(|place| self.ids[place]));
        ids
    }

    /// The contacts whose name or company contains `needle` (folded), as list places.
    fn text_matches(&self, needle: &str) -> Places {
        let narrowed = {
            let last = self.last.lock().unwrap_or_else(|p| p.into_inner());
            last.as_ref()
                .filter(|(before, _)| needle.contains(before.as_str()))
                .map(|(_, matches)| matches.clone())
        };
        let matches = Arc::new(match narrowed {
            Some(before) => self.scan(needle, before.len(), |i| before[i] as usize),
            None => self.scan(needle, self.ends.len(), |i| i),
        });
        let mut found = Places::new(self.ids.len());
        for &at in matches.iter() {
            found.insert(self.rank[at as usize]);
        }
        *self.last.lock().unwrap_or_else(|p| p.into_inner()) = Some((needle.to_owned(), matches));
        found
    }

    /// Which of `count` contacts (the `i`th at position `at(i)`, by id, ascending) contain
    /// `needle`: their positions, ascending. Two threads share a long scan (a desktop has two
    /// cores at least).
    fn scan(&self, needle: &str, count: usize, at: impl Fn(usize) -> usize + Sync) -> Vec<u32> {
        let want = mask_of(needle);
        let want_pairs = self.pair_bits.mask_of(needle);
        // The masks alone answer a query of one letter, or of a pair with a bit of its own.
        let mut chars = needle.chars();
        let exact = match (chars.next(), chars.next(), chars.next()) {
            (Some(c), None, _) => char_bit(c).1,
            (Some(a), Some(b), None) => self.pair_bits.bit(a, b).1,
            _ => false,
        };
        let part = |range: std::ops::Range<usize>| -> Vec<u32> {
            range
                .map(&at)
                .filter(|&at| {
                    self.masks[at] & want == want
                        && self.pairs[at] & want_pairs == want_pairs
                        && (exact || self.row_text(at).contains(needle))
                })
                .map(|at| at as u32)
                .collect()
        };
        if count < PARALLEL_SCAN {
            return part(0..count);
        }
        let half = count / 2;
        std::thread::scope(|scope| {
            let second = scope.spawn(|| part(half..count));
            let mut first = part(0..half);
            first.extend(
                second
                    .join()
                    .unwrap_or_else(|p| std::panic::resume_unwind(p)),
            );
            first
        })
    }

    /// Contact `at` (by id)'s folded name and company, NUL after each.
    fn row_text(&self, at: usize) -> &str {
        let start = if at == 0 { 0 } else { self.ends[at - 1] };
        &self.text[start as usize..self.ends[at] as usize]
    }

    /// The contacts with a number in one of the ranges `[lower, upper)`.
    fn number_matches(&self, ranges: &[(String, String)]) -> Places {
        let mut found = Places::new(self.ids.len());
        for (lower, upper) in ranges {
            let from = self.numbers_below(lower);
            let to = self.numbers_below(upper);
            for &place in &self.digit_ranks[from..to.max(from)] {
                found.insert(place);
            }
        }
        found
    }

    /// How many numbers sort before `bound`.
    fn numbers_below(&self, bound: &str) -> usize {
        let (mut low, mut high) = (0, self.digit_ends.len());
        while low < high {
            let mid = (low + high) / 2;
            if self.number(mid) < bound {
                low = mid + 1;
            } else {
                high = mid;
            }
        }
        low
    }

    fn number(&self, at: usize) -> &str {
        let start = if at == 0 { 0 } else { self.digit_ends[at - 1] };
        &self.digits[start as usize..self.digit_ends[at] as usize]
    }
}

/// Contacts a scan reads on one thread: below this, a second thread costs more than it saves.
/// (Tests use a small one, so their small directories take the two-thread path too.)
const PARALLEL_SCAN: usize = if cfg!(test) { 64 } else { 50_000 };

/// The bit of [`SearchIndex::masks`] that stands for `c`, and whether `c` has it alone (every
/// folded Russian and Latin letter, and the space, do; digits and the rest share theirs).
fn char_bit(c: char) -> (u32, bool) {
    match c {
        'а'..='я' => (c as u32 - 'а' as u32, true),
        'a'..='z' => (32 + c as u32 - 'a' as u32, true),
        ' ' => (58, true),
        '0'..='9' => (59 + (c as u32 - '0' as u32) % 3, false),
        _ => (62 + c as u32 % 2, false),
    }
}

/// The bits of every character of `text` (the NULs between fields left out).
fn mask_of(text: &str) -> u64 {
    text.chars()
        .filter(|&c| c != '\0')
        .fold(0, |mask, c| mask | 1 << char_bit(c).0)
}

/// Characters with a mask bit of their own ([`char_bit`]): Russian and Latin letters, space.
const OWN_BIT_CHARS: usize = 59;

/// Bits of a pair mask given to one pair each (the directory's commonest); the others are
/// shared by the remaining pairs, hashed.
const OWN_PAIR_BITS: u32 = 64;

/// Which bit of a 128-bit pair mask stands for which pair of neighbouring characters. The
/// directory's [`OWN_PAIR_BITS`] commonest pairs of letters (or space) have one each: those are
/// the queries that match a good part of the directory, so the ones a scan would spend longest
/// verifying. Any other pair shares one of the remaining bits (hashed).
struct PairBits(Vec<u8>);

impl PairBits {
    /// The bits for the pairs of `text` (contacts' texts, NUL-separated), by how often they
    /// occur.
    fn of(text: &str) -> PairBits {
        let mut counts = vec![0u32; OWN_BIT_CHARS * OWN_BIT_CHARS];
        each_pair(text, |a, b| {
            if let Some(at) = own_pair(a, b) {
                counts[at] += 1;
            }
        });
        let mut commonest: Vec<usize> = (0..counts.len()).filter(|&at| counts[at] > 0).collect();
        commonest.sort_by_key(|&at| std::cmp::Reverse(counts[at]));
        let mut bits: Vec<u8> = (0..counts.len())
            .map(|at| shared_pair_bit(at as u32) as u8)
            .collect();
        for (bit, &at) in commonest.iter().take(OWN_PAIR_BITS as usize).enumerate() {
            bits[at] = bit as u8;
        }
        PairBits(bits)
    }

    /// The bit of the pair `a`, `b`, and whether the pair has it alone.
    fn bit(&self, a: char, b: char) -> (u32, bool) {
        match own_pair(a, b) {
            Some(at) => {
                let bit = u32::from(self.0[at]);
                (bit, bit < OWN_PAIR_BITS)
            }
            None => (
                shared_pair_bit(a as u32 ^ (b as u32).rotate_left(16)),
                false,
            ),
        }
    }

    /// The bits of every pair of neighbouring characters of `text`.
    fn mask_of(&self, text: &str) -> u128 {
        let mut mask = 0;
        each_pair(text, |a, b| mask |= 1 << self.bit(a, b).0);
        mask
    }
}

/// Calls `pair` for each two neighbouring characters of `text`, none across a NUL.
fn each_pair(text: &str, mut pair: impl FnMut(char, char)) {
    let mut before = '\0';
    for c in text.chars() {
        if before != '\0' && c != '\0' {
            pair(before, c);
        }
        before = c;
    }
}

/// The pair's place among the pairs of characters with a bit of their own, if both have one.
fn own_pair(a: char, b: char) -> Option<usize> {
    match (char_bit(a), char_bit(b)) {
        ((a, true), (b, true)) => Some(a as usize * OWN_BIT_CHARS + b as usize),
        _ => None,
    }
}

/// One of the shared bits, for a pair identified by `key`.
fn shared_pair_bit(key: u32) -> u32 {
    OWN_PAIR_BITS + (key.wrapping_mul(0x9E37_79B1) >> 26)
}

/// Each contact's `mask` of its text ([`mask_of`], [`PairBits::mask_of`]), by id.
fn row_masks<T>(read: &ReadContacts, mask: impl Fn(&str) -> T) -> Vec<T> {
    let mut start = 0;
    read.ends
        .iter()
        .map(|&end| {
            let mask = mask(&read.text[start..end as usize]);
            start = end as usize;
            mask
        })
        .collect()
}

/// Every contact's folded text, by id (a plain scan of the table, its fastest read).
fn read_contacts(conn: &Connection) -> Result<Option<ReadContacts>, StoreError> {
    let mut read = ReadContacts {
        ids: Vec::new(),
        text: String::new(),
        ends: Vec::new(),
        name_ends: Vec::new(),
    };
    let mut stmt = conn.prepare("SELECT id, name_lc, company_lc FROM contacts ORDER BY id")?;
    let mut rows = stmt.query([])?;
    while let Some(row) = rows.next()? {
        read.ids.push(row.get(0)?);
        read.text.push_str(text_column(row, 1)?);
        let Ok(name_end) = u32::try_from(read.text.len()) else {
            return Ok(None);
        };
        read.text.push('\0');
        read.text.push_str(text_column(row, 2)?);
        read.text.push('\0');
        let Ok(end) = u32::try_from(read.text.len()) else {
            return Ok(None);
        };
        read.name_ends.push(name_end);
        read.ends.push(end);
    }
    Ok(Some(read))
}

/// Column `at` of `row` as borrowed text (no copy per row of a million).
fn text_column<'row>(row: &'row rusqlite::Row<'_>, at: usize) -> rusqlite::Result<&'row str> {
    row.get_ref(at)?.as_str().map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(at, rusqlite::types::Type::Text, Box::new(e))
    })
}

/// The contacts' places in list order: positions in `read`, sorted by `name_lc` byte-wise (as
/// SQLite's BINARY collation compares) then id.
fn list_order(read: &ReadContacts) -> Vec<u32> {
    let name = |at: u32| {
        let at = at as usize;
        let start = if at == 0 {
            0
        } else {
            read.ends[at - 1] as usize
        };
        &read.text.as_bytes()[start..read.name_ends[at] as usize]
    };
    let mut order: Vec<u32> = (0..read.ids.len() as u32).collect();
    // Positions are in id order, so comparing them compares ids.
    order.sort_unstable_by(|&a, &b| name(a).cmp(name(b)).then(a.cmp(&b)));
    order
}

/// Numbers' digits as the `digits` index has them, sorted, each with its contact's list place
/// (`ids` by id, `rank` the places). `None` past 4 GB of digits.
#[allow(clippy::type_complexity)]
fn read_numbers(
    conn: &Connection,
    ids: &[i64],
    rank: &[u32],
) -> Result<Option<(String, Vec<u32>, Vec<u32>)>, StoreError> {
    let (mut digits, mut ends, mut ranks) = (String::new(), Vec::new(), Vec::new());
    let mut stmt = conn.prepare("SELECT digits, contact_id FROM contact_phones ORDER BY digits")?;
    let mut rows = stmt.query([])?;
    while let Some(row) = rows.next()? {
        let contact: i64 = row.get(1)?;
        // A number whose contact is gone (only with foreign keys off) finds nothing, as in SQL.
        let Ok(at) = ids.binary_search(&contact) else {
            continue;
        };
        digits.push_str(text_column(row, 0)?);
        let Ok(end) = u32::try_from(digits.len()) else {
            return Ok(None);
        };
        ends.push(end);
        ranks.push(rank[at]);
    }
    Ok(Some((digits, ends, ranks)))
}

/// A set of list places, one bit each: matches go in in any order (and twice, for a contact
/// with two matching numbers) and come out once each, in list order.
struct Places(Vec<u64>);

impl Places {
    fn new(len: usize) -> Places {
        Places(vec![0; len.div_ceil(64)])
    }

    fn insert(&mut self, place: u32) {
        self.0[place as usize / 64] |= 1 << (place % 64);
    }

    /// How many places are in (a million found: the ids' vector is sized once).
    fn len(&self) -> usize {
        self.0.iter().map(|word| word.count_ones() as usize).sum()
    }

    fn places(&self) -> impl Iterator<Item = usize> + '_ {
        self.0.iter().enumerate().flat_map(|(word_at, &word)| {
            let mut bits = word;
            std::iter::from_fn(move || {
                if bits == 0 {
                    return None;
                }
                let bit = bits.trailing_zeros() as usize;
                bits &= bits - 1;
                Some(word_at * 64 + bit)
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// The masks only ever rule out a contact that cannot match: what a text contains, its
        /// masks contain.
        #[test]
        fn a_substrings_masks_are_within_the_texts(
            text in "[аоёzk 1°\\x00]{0,40}",
            from in 0usize..40,
            len in 1usize..6,
        ) {
            let chars: Vec<char> = text.chars().collect();
            let from = from.min(chars.len());
            let needle: String = chars[from..(from + len).min(chars.len())]
                .iter()
                .filter(|&&c| c != '\0')
                .collect();
            if text.contains(needle.as_str()) {
                proptest::prop_assert_eq!(mask_of(&needle) & !mask_of(&text), 0);
                // Bits for the pairs of this text, and for those of another.
                for bits in [PairBits::of(&text), PairBits::of("аа\0kz\0о о")] {
                    proptest::prop_assert_eq!(bits.mask_of(&needle) & !bits.mask_of(&text), 0);
                }
            }
        }
    }
}
