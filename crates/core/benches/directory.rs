//! The directory at a million contacts: the CSV import, the caller card's number look-up and the
//! contact list's search as the user types, on a real SQLite file.
//!
//! ```text
//! cargo bench -p callpop-core --bench directory -- --contacts 1000000 [--import-only]
//! ```
//!
//! The contacts are generated from a fixed seed (the same file on every run and machine), written
//! as a CSV file the way a CRM exports one (Russian headers, numbers spelled several ways, a
//! responsible manager and a CRM link), then imported with `Store::import_csv_file`, the path
//! `callpop-cli import` takes. Reported: import time and rows/s, the peak resident memory of the
//! import (VmHWM, reset just before it), look-up latency (p50/p99/max over hits and misses, the
//! number already parsed as the card has it), and the first page of search results for queries
//! typed a letter or digit at a time. Under `cargo test --all-targets` (no `--bench`) it does
//! nothing: a measurement, not a test.

mod common;
use common::{bench_args, summary, value_of};

use std::fs::File;
use std::io::{BufWriter, Write};
use std::time::Instant;

use callpop_core::{PhoneNumber, SearchResults, Store};

/// Rows of the contact list's first page.
const PAGE: usize = 60;

fn main() {
    let Some(args) = bench_args("directory") else {
        return;
    };
    let contacts = value_of(&args, "--contacts").unwrap_or(1_000_000);
    let lookups = value_of(&args, "--lookups").unwrap_or(100_000);

    let dir = tempfile::tempdir().expect("a temp dir");
    let csv = dir.path().join("contacts.csv");
    write_csv(&csv, contacts);
    let csv_size = std::fs::metadata(&csv).expect("the CSV").len();

    // The reading half alone (CSV, encodings, numbers), to tell it from SQLite's half.
    let started = Instant::now();
    let rows = callpop_core::read_csv(File::open(&csv).expect("the CSV"), "RU")
        .expect("a CSV file")
        .count();
    println!(
        "read     {rows} rows without storing them: {:.2} s",
        started.elapsed().as_secs_f64()
    );

    let db = dir.path().join("callpop.sqlite3");
    let store = Store::open(&db, "RU").expect("the store");
    reset_peak_memory();
    let rss_before = memory_kib("VmRSS");
    let started = Instant::now();
    let report = store
        .import_csv_file(File::open(&csv).expect("the CSV"))
        .expect("the import");
    let took = started.elapsed().as_secs_f64();
    assert_eq!(report.imported, contacts, "every row imported");
    let db_size = std::fs::metadata(&db).expect("the SQLite file").len();
    println!(
        "import   {contacts} rows, {:.0} MB CSV: {took:.2} s, {:.0}k rows/s, peak RSS {} MB \
         (before {} MB), SQLite file {:.0} MB",
        csv_size as f64 / 1e6,
        contacts as f64 / took / 1000.0,
        memory_kib("VmHWM") / 1024,
        rss_before / 1024,
        db_size as f64 / 1e6,
    );

    if args.iter().any(|a| a == "--import-only") {
        return;
    }

    // Look-ups: the number as the card has it (parsed from the PBX's event), hits and misses.
    let mut rng = Rng(0x5EED);
    let mut hits = Vec::with_capacity(lookups);
    let mut misses = Vec::with_capacity(lookups / 10);
    for i in 0..lookups {
        let row = rng.below(contacts as u64);
        let number = PhoneNumber::E164(format!("+7{}", mobile(row)));
        let started = Instant::now();
        let found = store.lookup(&number).expect("a look-up");
        let took = started.elapsed();
        assert!(found.is_some(), "row {row}: {number:?} is in the directory");
        hits.push(took.as_secs_f64() * 1e6);
        if i % 10 == 0 {
            let number = PhoneNumber::E164(format!("+7495{:07}", rng.below(10_000_000)));
            let started = Instant::now();
            let found = store.lookup(&number).expect("a look-up");
            misses.push(started.elapsed().as_secs_f64() * 1e6);
            assert!(found.is_none());
        }
    }
    println!("look-up  hit  {}", summary(&mut hits, "µs"));
    println!("look-up  miss {}", summary(&mut misses, "µs"));

    // The list opening after the import (the whole list, which SQLite answers while the store
    // builds its in-memory search index in the background), then the first search, which waits
    // for that build: both timed on their own, with the memory the index takes, and left out
    // of the per-keystroke figures below.
    let rss_before = memory_kib("VmRSS");
    let started = Instant::now();
    SearchResults::default()
        .page(&store, "", 0, PAGE)
        .expect("a page");
    println!(
        "search   the whole list's first page after the import: {:.1} ms",
        started.elapsed().as_secs_f64() * 1000.0
    );
    let started = Instant::now();
    SearchResults::default()
        .page(&store, "я", 0, PAGE)
        .expect("a page");
    println!(
        "search   the first search, index built: {:.2} s, RSS {} → {} MB (peak since the \
         import's start {} MB)",
        started.elapsed().as_secs_f64(),
        rss_before / 1024,
        memory_kib("VmRSS") / 1024,
        memory_kib("VmHWM") / 1024
    );

    // Search as you type: each prefix of each query is a new query, its first page.
    let typed = [
        "смирнов",
        "иванова мария",
        "петров",
        "ооо вектор",
        "kuznetsov",
        "ан",
        "8 910 4",
        "+7 916 555",
        "495",
        "нет такого",
    ];
    let verbose = args.iter().any(|a| a == "--verbose");
    let mut latencies = Vec::new();
    let mut by_kind: std::collections::BTreeMap<&str, Vec<f64>> = Default::default();
    let mut worst = (0.0, String::new());
    for round in 0..3 {
        for query in typed {
            let chars: Vec<char> = query.chars().collect();
            for end in 1..=chars.len() {
                let prefix: String = chars[..end].iter().collect();
                if prefix.ends_with(' ') {
                    continue;
                }
                let started = Instant::now();
                let page = SearchResults::default()
                    .page(&store, &prefix, 0, PAGE)
                    .expect("a page");
                let took = started.elapsed().as_secs_f64() * 1000.0;
                assert!(page.contacts.len() <= PAGE);
                if took > worst.0 {
                    worst = (took, format!("{prefix:?} ({} found)", page.total));
                }
                latencies.push(took);
                by_kind
                    .entry(kind(&prefix, page.total))
                    .or_default()
                    .push(took);
                if verbose && round == 0 {
                    println!("  {took:8.1} ms  {:>7} found  {prefix:?}", page.total);
                }
            }
        }
    }
    println!("search   first page {}", summary(&mut latencies, "ms"));
    for (kind, latencies) in &mut by_kind {
        println!("         {kind:<17} {}", summary(latencies, "ms"));
    }
    println!("         slowest: {} in {:.1} ms", worst.1, worst.0);

    // A page in the middle of each whole query's matches, asked afresh (no cached pass): what
    // scrolling far down a list costs when the list's results were forgotten.
    let mut deep = Vec::new();
    for query in typed {
        let total = SearchResults::default()
            .page(&store, query, 0, 0)
            .expect("a page")
            .total;
        let started = Instant::now();
        let page = SearchResults::default()
            .page(&store, query, total / 2, PAGE)
            .expect("a page");
        deep.push(started.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(page.contacts.len(), PAGE.min(total - total / 2));
    }
    println!("search   middle page {}", summary(&mut deep, "ms"));
}

/// What a search figure is filed under: number prefixes, text by its length, text that finds
/// nothing.
fn kind(query: &str, found: usize) -> &'static str {
    if query.chars().any(|c| c.is_ascii_digit()) {
        "number"
    } else if found == 0 {
        "text, none found"
    } else {
        match query.chars().count() {
            1 => "text, 1 letter",
            2 => "text, 2 letters",
            _ => "text, 3+ letters",
        }
    }
}

/// A small deterministic generator (PCG-style LCG), so the file is the same everywhere.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Row `row`'s mobile number without the country code: ten digits, unique per row.
fn mobile(row: u64) -> String {
    let operator = [910, 916, 926, 903, 985][(row % 5) as usize];
    // A bijection of 0..10^7 so neighbouring rows are not neighbouring numbers.
    let spread = (row / 5).wrapping_mul(7_654_321) % 10_000_000;
    format!("{operator}{spread:07}")
}

/// Writes `rows` contacts as a CRM's CSV export.
fn write_csv(path: &std::path::Path, rows: usize) {
    const LAST: [&str; 10] = [
        "Смирнов",
        "Иванов",
        "Кузнецов",
        "Попов",
        "Васильев",
        "Петров",
        "Соколов",
        "Михайлов",
        "Новиков",
        "Kuznetsov",
    ];
    const FIRST: [&str; 10] = [
        "Александр",
        "Мария",
        "Иван",
        "Ольга",
        "Сергей",
        "Анна",
        "Дмитрий",
        "Елена",
        "John",
        "Наталья",
    ];
    const COMPANY: [&str; 6] = ["ООО Вектор", "АО Север", "ИП", "ООО Ромашка", "ЗАО Луч", ""];
    let mut out = BufWriter::new(File::create(path).expect("the CSV file"));
    writeln!(out, "ФИО;Компания;Телефон;Ответственный;Ссылка").unwrap();
    let mut rng = Rng(42);
    for row in 0..rows as u64 {
        let first = FIRST[rng.below(10) as usize];
        let last = LAST[rng.below(10) as usize];
        // Russian surnames agree with the first name.
        let female = matches!(first, "Мария" | "Ольга" | "Анна" | "Елена" | "Наталья");
        let last = if female && last != "Kuznetsov" {
            format!("{last}а")
        } else {
            last.to_owned()
        };
        let company = COMPANY[rng.below(COMPANY.len() as u64) as usize];
        let company = if company.is_empty() {
            String::new()
        } else {
            format!("{company} {}", rng.below(5000))
        };
        let digits = mobile(row);
        let (code, rest) = digits.split_at(3);
        let phone = match rng.below(4) {
            0 => format!("+7 ({code}) {}-{}-{}", &rest[..3], &rest[3..5], &rest[5..]),
            1 => format!("8 {code} {rest}"),
            2 => format!("8{digits}"),
            _ => format!("+7{digits}"),
        };
        writeln!(
            out,
            "{last} {first} {row};{company};{phone};Менеджер {};https://crm.example/c/{row}",
            rng.below(40)
        )
        .unwrap();
    }
    out.flush().unwrap();
}

/// Resets VmHWM to the current RSS (Linux: `clear_refs` 5), so the peak is the import's own.
fn reset_peak_memory() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// A `/proc/self/status` figure in KiB (0 off Linux).
fn memory_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}
