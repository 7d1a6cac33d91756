//! A contact's CRM Teler notes (vega.md B.9) as the caller card shows them.
//!
//! The spec gives the note object without describing its fields. Read here: `content` is the
//! text; `dateCreate` (else `lastModified`) when it was written, ms (seconds accepted, as
//! everywhere in Vega); `responsibleUserId` who wrote it, a B.8 user id named through the
//! employee list. Call notes ("call notes carry the call's `uuid`...") usually have no `content`:
//! the card shows calls from the history already, so a note without text is left out.

use chrono::{DateTime, Utc};
use serde::Serialize;

use callpop_core::Employee;

use super::wire::CrmNote;
use crate::vega::time::from_epoch_number;

/// One note on a contact, for the caller card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ContactNote {
    /// What the note says.
    pub text: String,
    /// When it was written (or last changed), if the CRM says.
    pub at: Option<DateTime<Utc>>,
    /// Who wrote it (the responsible employee's name), when known.
    pub author: Option<String>,
}

/// A note's text, trimmed; `None` for a note without any (a call-history entry, say).
pub fn note_text(note: &CrmNote) -> Option<&str> {
    note.content
        .as_deref()
        .map(str::trim)
        .filter(|text| !text.is_empty())
}

/// The name of the employee who wrote `note`, when `employees` has them.
pub fn note_author(note: &CrmNote, employees: &[Employee]) -> Option<String> {
    let id = note.responsible_user_id?.to_string();
    employees
        .iter()
        .find(|employee| employee.id == id)
        .map(|employee| employee.name.clone())
}

/// The notes with text, newest first (undated ones last), at most `limit`. `employees` name the
/// authors; an id none of them has leaves the author unknown.
pub fn card_notes(notes: &[CrmNote], employees: &[Employee], limit: usize) -> Vec<ContactNote> {
    let mut dated: Vec<(Option<DateTime<Utc>>, i64, ContactNote)> = notes
        .iter()
        .filter_map(|note| {
            let text = note_text(note)?;
            let at = note
                .date_create
                .filter(|ms| *ms > 0)
                .or(note.last_modified.filter(|ms| *ms > 0))
                .and_then(|ms| from_epoch_number(ms as f64));
            let author = note_author(note, employees);
            Some((
                at,
                note.id.unwrap_or_default(),
                ContactNote {
                    text: text.to_owned(),
                    at,
                    author,
                },
            ))
        })
        .collect();
    // Newest first; for notes of the same moment, the higher id (saved later) first.
    dated.sort_by_key(|(at, id, _)| std::cmp::Reverse((*at, *id)));
    dated
        .into_iter()
        .take(limit)
        .map(|(_, _, note)| note)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn note(id: i64, date_create: Option<i64>, content: Option<&str>, author: i64) -> CrmNote {
        CrmNote {
            id: Some(id),
            date_create,
            content: content.map(Into::into),
            responsible_user_id: Some(author),
            ..CrmNote::default()
        }
    }

    fn employee(id: &str, name: &str) -> Employee {
        Employee {
            id: id.into(),
            name: name.into(),
            ext: None,
            email: None,
        }
    }

    #[test]
    fn notes_come_newest_first_with_their_authors_and_without_empty_ones() {
        let notes = [
            note(1, Some(1_700_000_000_000), Some("old"), 36),
            note(2, Some(1_700_000_100_000), Some(" newer "), 99),
            note(3, Some(1_700_000_200_000), None, 36),
            note(4, Some(1_700_000_050), Some("in seconds"), 36),
            note(5, None, Some("undated"), 36),
            note(
                6,
                Some(1_700_000_100_000),
                Some("same time, saved later"),
                36,
            ),
        ];
        let employees = [employee("36", "Іван Іванов")];
        let card = card_notes(&notes, &employees, 10);
        let texts: Vec<&str> = card.iter().map(|n| n.text.as_str()).collect();
        assert_eq!(
            texts,
            [
                "same time, saved later",
                "newer",
                "in seconds",
                "old",
                "undated"
            ]
        );
        assert_eq!(card[0].author.as_deref(), Some("Іван Іванов"));
        assert_eq!(card[1].author, None, "an unknown user id names nobody");
        assert_eq!(
            card[2].at,
            Some("2023-11-14T22:14:10Z".parse().unwrap()),
            "seconds read as seconds"
        );
        assert_eq!(card_notes(&notes, &employees, 2).len(), 2);
        assert!(card_notes(&notes, &employees, 0).is_empty());
    }
}
