//! Every citation of a provider's API notes in the code ("vega.md B.9", "cloud-pbx.md 5.4",
//! "`docs/providers/telediscount.md`") resolves inside the clone: the file is in
//! `docs/providers/`, and the section it names is one of that file's headings. A note renamed or
//! renumbered fails here, not in a newcomer's search.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The notes the code may cite, as `docs/providers/` names them.
const NOTES: [&str; 6] = [
    "vega.md",
    "cloud-pbx.md",
    "telediscount.md",
    "mcn-telecom.md",
    "autodialer.md",
    "asterisk.md",
];

/// Where citations live: sources, scripts, the UI and the documentation.
const SCANNED: [&str; 8] = [
    "crates",
    "src-tauri/src",
    "tests",
    "ui",
    "scripts",
    "docs",
    "README.md",
    "packaging",
];

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the tests crate sits in the workspace")
        .to_path_buf()
}

fn files(root: &Path, into: &mut Vec<PathBuf>) {
    if root.is_file() {
        into.push(root.to_path_buf());
        return;
    }
    let Ok(entries) = std::fs::read_dir(root) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name == "target" || name.starts_with('.') {
            continue;
        }
        if path.is_dir() {
            files(&path, into);
        } else if ["rs", "js", "md", "sh", "html", "toml", "nsi"]
            .iter()
            .any(|ext| name.ends_with(&format!(".{ext}")))
        {
            into.push(path);
        }
    }
}

/// A citation: the note's file name and the section after it, if any.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Citation {
    note: &'static str,
    section: Option<String>,
}

/// The citations in `text`: a note's name standing alone (not the end of a longer name), and
/// a section id right after it — `A.1`, `B`, `5.4` — when one follows a space.
fn citations(text: &str) -> Vec<Citation> {
    let mut found = Vec::new();
    for note in NOTES {
        let mut from = 0;
        while let Some(at) = text[from..].find(note) {
            let start = from + at;
            let end = start + note.len();
            from = end;
            let before = text[..start].chars().next_back();
            if before.is_some_and(|c| c.is_alphanumeric() || c == '-' || c == '_') {
                continue;
            }
            found.push(Citation {
                note,
                section: section_after(&text[end..]),
            });
        }
    }
    found
}

/// `A.1`, `B`, `5`, `5.4` at the start of `rest` after one space, ending at a word boundary;
/// a trailing full stop is the sentence's.
fn section_after(rest: &str) -> Option<String> {
    let rest = rest.strip_prefix(' ')?;
    let mut chars = rest.char_indices().peekable();
    let (_, first) = chars.next()?;
    let mut end = first.len_utf8();
    if first.is_ascii_uppercase() {
        // A part letter, alone or with numbers: `B`, `B.9`.
    } else if first.is_ascii_digit() {
        while let Some((i, c)) = chars.peek().copied() {
            if !c.is_ascii_digit() {
                break;
            }
            end = i + 1;
            chars.next();
        }
    } else {
        return None;
    }
    // `.N` groups.
    loop {
        let tail = &rest[end..];
        let digits = tail
            .strip_prefix('.')
            .map(|t| t.chars().take_while(char::is_ascii_digit).count())
            .unwrap_or(0);
        if digits == 0 {
            break;
        }
        end += 1 + digits;
    }
    let next = rest[end..].chars().next();
    if next.is_some_and(|c| c.is_alphanumeric()) {
        return None;
    }
    Some(rest[..end].to_owned())
}

/// The section ids a note's headings give: `### B.9 CRM contacts` → `B.9`, `## Part B. REST` →
/// `B`, `## 5. Requests` → `5`.
fn headings(note: &str) -> BTreeSet<String> {
    note.lines()
        .filter(|line| line.starts_with('#'))
        .filter_map(|line| {
            let mut words = line.trim_start_matches('#').split_whitespace();
            let first = words.next()?;
            let id = if first == "Part" {
                words.next()?
            } else {
                first
            };
            Some(id.trim_end_matches(['.', ':']).to_owned())
        })
        .collect()
}

#[test]
fn every_citation_of_a_providers_notes_resolves_in_the_repository() {
    let root = workspace();
    let mut scanned = Vec::new();
    for place in SCANNED {
        files(&root.join(place), &mut scanned);
    }
    assert!(scanned.len() > 100, "the source tree was found");
    let mut cited = 0;
    let mut broken = Vec::new();
    for file in &scanned {
        let Ok(text) = std::fs::read_to_string(file) else {
            continue;
        };
        for citation in citations(&text) {
            cited += 1;
            let note = root.join("docs/providers").join(citation.note);
            let Ok(note_text) = std::fs::read_to_string(&note) else {
                broken.push(format!(
                    "{}: {} (no {})",
                    file.strip_prefix(&root).unwrap_or(file).display(),
                    citation.note,
                    note.display()
                ));
                continue;
            };
            if let Some(section) = &citation.section {
                if !headings(&note_text).contains(section) {
                    broken.push(format!(
                        "{}: {} {section} (no such heading)",
                        file.strip_prefix(&root).unwrap_or(file).display(),
                        citation.note
                    ));
                }
            }
        }
    }
    broken.sort();
    broken.dedup();
    assert!(
        cited > 200,
        "only {cited} citations found: is the scan right?"
    );
    assert!(
        broken.is_empty(),
        "{} citations do not resolve:\n{}",
        broken.len(),
        broken.join("\n")
    );
}

#[test]
fn citations_and_headings_are_read_as_written() {
    let found = citations(
        "see vega.md B.9, (cloud-pbx.md 5.4.) and `docs/providers/telediscount.md`; \
         vega.md Part; my-vega.md 1; vega.md A",
    );
    let found: Vec<(&str, Option<&str>)> = found
        .iter()
        .map(|c| (c.note, c.section.as_deref()))
        .collect();
    assert_eq!(
        found,
        [
            ("vega.md", Some("B.9")),
            ("vega.md", None),
            ("vega.md", Some("A")),
            ("cloud-pbx.md", Some("5.4")),
            ("telediscount.md", None),
        ]
    );
    let ids = headings("# Vega\n## Part B. REST API\n### B.9 CRM\n## 5. Requests\ntext # no\n");
    assert_eq!(
        ids.into_iter().collect::<Vec<_>>(),
        ["5", "B", "B.9", "Vega"]
    );
}
