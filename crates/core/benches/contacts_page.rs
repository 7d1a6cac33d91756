//! Contact list benchmark: how fast the directory answers one page of the contact list
//! (`Store::search_page`, what the app's virtualized list asks while scrolling and typing) from a
//! directory of N contacts in a real SQLite file. Reports p50 / p99 / max per query shape.
//!
//! ```text
//! cargo bench -p callpop-core --bench contacts_page -- --contacts 100000 --pages 300
//! ```
//!
//! Each page is 60 rows at a random offset within the result (the list asks for the rows around
//! the scroll position). Under `cargo test --all-targets` (no `--bench`) it does nothing: a
//! measurement, not a test.

mod common;
use common::{bench_args, summary, value_of};

use std::time::Instant;

use callpop_core::{NewContact, PhoneNumber, SearchResults, Store};

const PAGE: usize = 60;

fn main() {
    let Some(args) = bench_args("contacts_page") else {
        return;
    };
    let contacts = value_of(&args, "--contacts").unwrap_or(100_000);
    let pages = value_of(&args, "--pages").unwrap_or(300).max(1);

    let dir = tempfile::tempdir().expect("a temp dir");
    let store = Store::open(&dir.path().join("callpop.sqlite3"), "RU").expect("the store");
    let first = [
        "Алексей",
        "Мария",
        "Иван",
        "Ольга",
        "John",
        "Anna",
        "Сергей",
        "Елена",
    ];
    let last = [
        "Смирнов",
        "Иванова",
        "Петров",
        "Kuznetsov",
        "Smith",
        "Соколова",
        "Попов",
    ];
    let generated: Vec<NewContact> = (0..contacts)
        .map(|i| NewContact {
            name: format!(
                "{} {} {i}",
                last[i % last.len()],
                first[(i / 7) % first.len()]
            ),
            company: Some(format!("Компания {}", i % 997)),
            phones: vec![PhoneNumber::E164(format!("+7910{:07}", i))],
            ..NewContact::default()
        })
        .collect();
    let loading = Instant::now();
    let counts = store
        .import_contacts(&generated, |_, _| {})
        .expect("the import");
    println!(
        "directory: {} contacts in a SQLite file, stored in {:.1} s",
        counts.added,
        loading.elapsed().as_secs_f64()
    );

    for (shape, query) in [
        ("whole directory", ""),
        ("text, many hits", "иванова"),
        ("text, few hits", "смирнов алексей 1234"),
        ("text, no hit", "нет такого"),
        ("company", "компания 99"),
        ("number prefix", "8 910 001"),
        ("number, all hit", "7"),
    ] {
        // Typing: a new query, its first page (the matches are read and counted).
        let mut first = Vec::with_capacity(pages / 10 + 1);
        let mut total = 0;
        for _ in 0..pages / 10 + 1 {
            let started = Instant::now();
            let page = SearchResults::default()
                .page(&store, query, 0, PAGE)
                .expect("a page");
            first.push(started.elapsed().as_secs_f64() * 1000.0);
            total = page.total;
        }
        // Scrolling: pages of the same query at random offsets.
        let results = SearchResults::default();
        let mut scroll = Vec::with_capacity(pages);
        let mut seed = 0x9E37_79B9_u64;
        for _ in 0..pages {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let offset = if total > PAGE {
                (seed >> 33) as usize % (total - PAGE)
            } else {
                0
            };
            let started = Instant::now();
            let page = results.page(&store, query, offset, PAGE).expect("a page");
            scroll.push(started.elapsed().as_secs_f64() * 1000.0);
            assert_eq!(page.total, total, "{shape}: the count holds");
            assert_eq!(page.contacts.len(), PAGE.min(total), "{shape}: a full page");
        }
        println!(
            "{shape:<16} {query:<22} total={total:<6} first page {}",
            summary(&mut first, "ms")
        );
        println!(
            "{:<39} {:<12} scrolling  {}",
            "",
            "",
            summary(&mut scroll, "ms")
        );
    }
}
