//! vCard (`.vcf`) import: the address books phones, Outlook, Google and macOS export.
//!
//! What is accepted: vCard 2.1, 3.0 and 4.0 (one file may mix them); `FN`, else `N` (written
//! `Given Additional Family`), else `ORG` names the contact; `ORG` is the company, `NOTE` and
//! `URL` are kept; every `TEL` is a number (a `PREF` one first), whatever its `TYPE`, 4.0's
//! `tel:` URIs included. Lines may be folded, end in CRLF or LF, and the file may start with a
//! BOM. 2.1's `QUOTED-PRINTABLE` values (soft line breaks included) are decoded with their
//! `CHARSET`; a file that is not UTF-8 is read as Windows-1251, as [`csv_import`] does.
//!
//! The grammar of a card (folding, escapes, parameters, QP soft breaks) is the `vcard-rs`
//! crate's; this module finds where each card starts and ends, so that a broken card is reported
//! with its line number and the cards after it are still read (the crate stops at the first
//! error and keeps no positions).
//!
//! [`csv_import`]: crate::csv_import

use std::borrow::Cow;

use encoding_rs::{Encoding, UTF_8, WINDOWS_1251};
use vcard::tree::cst::VcardCst;
use vcard::tree::line::VcardLine;

use crate::csv_import::{decode, phone_in, shorten, ImportReport, ParsedContacts, SkippedRow};
use crate::directory::NewContact;
use crate::store::{Store, StoreError};

impl Store {
    /// Imports the cards of a vCard file; good cards are kept even when others are broken. `Err`
    /// only when the file holds no card at all.
    pub fn import_vcard(&self, bytes: &[u8]) -> Result<ImportReport, StoreError> {
        self.add_parsed(parse_vcards(bytes, &self.region)?)
    }
}

/// True when `bytes` look like a vCard file (its first non-blank line is `BEGIN:VCARD`), so a
/// `.txt` export can be told from a CSV one.
pub fn looks_like_vcard(bytes: &[u8]) -> bool {
    let text = decode(&bytes[..bytes.len().min(4096)]);
    text.lines()
        .map(|l| l.trim().trim_start_matches('\u{feff}'))
        .find(|l| !l.is_empty())
        .is_some_and(|l| l.eq_ignore_ascii_case("BEGIN:VCARD"))
}

/// Reads a vCard file into contacts and skipped cards (each with the line of its `BEGIN`, or of
/// the stray line), writing nothing.
pub fn parse_vcards(bytes: &[u8], region: &str) -> Result<ParsedContacts, StoreError> {
    let text = decode(bytes);
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let mut parsed = ParsedContacts::default();
    let mut cards = 0;
    for block in split_cards(text) {
        match block {
            Block::Card { line, text } => {
                cards += 1;
                match card_contact(&text, region) {
                    Ok(contact) => parsed.contacts.push(contact),
                    Err(reason) => parsed.skipped.push(SkippedRow { line, reason }),
                }
            }
            Block::Broken { line, reason } => {
                cards += 1;
                parsed.skipped.push(SkippedRow { line, reason });
            }
            Block::Stray { line, text } => parsed.skipped.push(SkippedRow {
                line,
                reason: format!(
                    "not part of a card (expected BEGIN:VCARD): \"{}\"",
                    shorten(&text)
                ),
            }),
        }
    }
    if cards == 0 {
        return Err(StoreError::Import(
            "no contact cards in the file: a vCard file has BEGIN:VCARD … END:VCARD blocks".into(),
        ));
    }
    Ok(parsed)
}

/// A piece of the file, found by [`split_cards`].
#[derive(Debug, PartialEq)]
enum Block {
    /// A card from `BEGIN:VCARD` to its `END:VCARD`, lines joined with CRLF.
    Card { line: u64, text: String },
    /// A card that cannot be read at all.
    Broken { line: u64, reason: String },
    /// Lines outside any card (reported once per run of them).
    Stray { line: u64, text: String },
}

/// Cuts the file into cards by their `BEGIN:VCARD` / `END:VCARD` lines, counting lines.
///
/// Folded lines (starting with a space or a tab) and QP soft breaks (a `QUOTED-PRINTABLE` line
/// ending in `=`) continue the line before, so they never start or end a card. A `BEGIN:VCARD`
/// inside a card starts a nested card only right after 2.1's empty `AGENT:`; otherwise the card
/// before lacked its `END` and is reported.
fn split_cards(text: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut card: Option<(u64, Vec<&str>)> = None;
    let mut depth = 0usize;
    let mut soft_break = false;
    let mut stray: Option<(u64, String)> = None;
    let lines = text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l));
    for (i, raw) in lines.enumerate() {
        let number = i as u64 + 1;
        let continues = soft_break || raw.starts_with([' ', '\t']);
        soft_break = raw.ends_with('=') && is_quoted_printable_head(raw, soft_break);
        let word = raw.trim();
        if let Some((start, lines)) = card.as_mut() {
            if !continues && word.eq_ignore_ascii_case("END:VCARD") {
                if depth > 0 {
                    depth -= 1;
                    lines.push(raw);
                    continue;
                }
                lines.push(raw);
                let mut text = lines.join("\r\n");
                text.push_str("\r\n");
                blocks.push(Block::Card { line: *start, text });
                card = None;
            } else if !continues && word.eq_ignore_ascii_case("BEGIN:VCARD") {
                let after_agent = lines
                    .last()
                    .is_some_and(|l| l.trim().to_ascii_uppercase().starts_with("AGENT"));
                if after_agent {
                    depth += 1;
                    lines.push(raw);
                } else {
                    blocks.push(Block::Broken {
                        line: *start,
                        reason: format!(
                            "the card has no END:VCARD (a new card starts on line {number})"
                        ),
                    });
                    card = Some((number, vec![raw]));
                    depth = 0;
                }
            } else {
                lines.push(raw);
            }
            continue;
        }
        if word.is_empty() {
            continue;
        }
        if !continues && word.eq_ignore_ascii_case("BEGIN:VCARD") {
            if let Some((line, text)) = stray.take() {
                blocks.push(Block::Stray { line, text });
            }
            card = Some((number, vec![raw]));
            depth = 0;
        } else if stray.is_none() {
            stray = Some((number, word.to_owned()));
        }
    }
    if let Some((line, text)) = stray.take() {
        blocks.push(Block::Stray { line, text });
    }
    if let Some((start, _)) = card {
        blocks.push(Block::Broken {
            line: start,
            reason: "the card has no END:VCARD: the file ends inside it".into(),
        });
    }
    blocks
}

/// True when `line` is the head of a QP value (its name part declares `QUOTED-PRINTABLE`) or a
/// continuation of one.
fn is_quoted_printable_head(line: &str, continuing: bool) -> bool {
    continuing
        || line
            .split_once(':')
            .is_some_and(|(head, _)| head.to_ascii_uppercase().contains("QUOTED-PRINTABLE"))
}

/// The contact one card describes, or why it cannot be imported.
fn card_contact(text: &str, region: &str) -> Result<NewContact, String> {
    let card = VcardCst::parse(text.as_bytes())
        .map_err(|e| format!("malformed vCard: {}", shorten(&e.to_string())))?;
    let mut full_name = None;
    let mut structured_name = None;
    let mut company = None;
    let mut notes = None;
    let mut url = None;
    let mut numbers: Vec<(bool, String)> = Vec::new();
    for line in &card.props {
        match line.bare_name().to_ascii_uppercase().as_str() {
            "FN" => full_name = full_name.or(non_empty(value_text(line))),
            "N" => structured_name = structured_name.or(name_of(line)),
            "ORG" => company = company.or(joined_components(line, ", ")),
            "NOTE" => notes = notes.or(non_empty(value_text(line))),
            "URL" => url = url.or(non_empty(value_text(line))),
            "TEL" => numbers.push((is_preferred(line), value_text(line))),
            _ => {}
        }
    }
    let name = full_name
        .or(structured_name)
        .or_else(|| company.clone())
        .ok_or("no name: the card has no FN, N or ORG")?;
    // A stable sort: preferred numbers first, the rest in card order.
    numbers.sort_by_key(|(preferred, _)| !preferred);
    let mut phones = Vec::new();
    for (_, written) in &numbers {
        if let Some(number) = phone_in(tel_uri_number(written), region) {
            if !phones.contains(&number) {
                phones.push(number);
            }
        }
    }
    if phones.is_empty() {
        return Err(if numbers.is_empty() {
            format!("{name}: no phone number (TEL)")
        } else {
            let written: Vec<&str> = numbers.iter().map(|(_, n)| n.as_str()).collect();
            format!(
                "{name}: no valid phone number in \"{}\"",
                shorten(&written.join(", "))
            )
        });
    }
    Ok(NewContact {
        name,
        company,
        notes,
        url,
        phones,
        ..NewContact::default()
    })
}

/// `N:Family;Given;Additional;Prefix;Suffix` as `Given Additional Family`.
fn name_of(line: &VcardLine<'_>) -> Option<String> {
    let part = |i| component_text(line, i);
    let words: Vec<String> = [part(1), part(2), part(0)]
        .into_iter()
        .map(|w| w.trim().to_owned())
        .filter(|w| !w.is_empty())
        .collect();
    non_empty(words.join(" "))
}

/// The value's `;`-components, non-empty ones joined with `separator` (`ORG:Acme;Sales`).
fn joined_components(line: &VcardLine<'_>, separator: &str) -> Option<String> {
    let parts: Vec<String> = (0..line.value.component_count())
        .map(|i| component_text(line, i).trim().to_owned())
        .filter(|p| !p.is_empty())
        .collect();
    non_empty(parts.join(separator))
}

/// The whole value as text: escapes resolved, QP and its charset decoded.
fn value_text(line: &VcardLine<'_>) -> String {
    content_text(line, line.value.decode())
}

/// The `i`-th `;`-component as text.
fn component_text(line: &VcardLine<'_>, i: usize) -> String {
    content_text(line, line.value.decode_component(i))
}

/// Escaped-and-split value text as people read it. A QP value is octets in the line's
/// `CHARSET` (UTF-8 when it names none and they are UTF-8, else Windows-1251, as Russian phones
/// of the 2.1 era wrote). Other values are already text: the file was decoded as a whole.
fn content_text(line: &VcardLine<'_>, text: Cow<'_, str>) -> String {
    if !is_quoted_printable(line) {
        return text.into_owned();
    }
    let octets = quoted_printable::decode(text.as_bytes(), quoted_printable::ParseMode::Robust)
        .unwrap_or_else(|_| text.as_bytes().to_vec());
    let named = param_values(line, "CHARSET")
        .into_iter()
        .find_map(|label| Encoding::for_label(label.trim().as_bytes()));
    let encoding = match named {
        Some(encoding) => encoding,
        None if std::str::from_utf8(&octets).is_ok() => UTF_8,
        None => WINDOWS_1251,
    };
    encoding
        .decode_without_bom_handling(&octets)
        .0
        .trim()
        .to_owned()
}

/// True when the line declares `ENCODING=QUOTED-PRINTABLE` (or 2.1's bare `QUOTED-PRINTABLE`).
fn is_quoted_printable(line: &VcardLine<'_>) -> bool {
    line.params.iter().any(|param| {
        let name = param.name.get().trim();
        name.eq_ignore_ascii_case("QUOTED-PRINTABLE")
            || (name.eq_ignore_ascii_case("ENCODING")
                && param
                    .values
                    .iter()
                    .any(|v| unquote(v.get()).eq_ignore_ascii_case("QUOTED-PRINTABLE")))
    })
}

/// True for a `TEL` the card marks as preferred: `TYPE=pref` (3.0), `PREF=1` (4.0) or a bare
/// `PREF` (2.1).
fn is_preferred(line: &VcardLine<'_>) -> bool {
    line.params.iter().any(|param| {
        let name = param.name.get().trim();
        name.eq_ignore_ascii_case("PREF")
            || (name.eq_ignore_ascii_case("TYPE")
                && param.values.iter().any(|v| {
                    unquote(v.get())
                        .split(',')
                        .any(|t| t.trim().eq_ignore_ascii_case("pref"))
                }))
    })
}

/// The kinds a `TEL` line gives its number (`cell`, `work`, `voice`...), lower case: `TYPE=`
/// lists, quoted lists and 2.1's bare tokens alike.
pub fn tel_types(line: &VcardLine<'_>) -> Vec<String> {
    let mut types = Vec::new();
    for param in &line.params {
        let name = param.name.get().trim();
        if name.eq_ignore_ascii_case("TYPE") {
            for value in &param.values {
                types.extend(
                    unquote(value.get())
                        .split(',')
                        .map(|t| t.trim().to_lowercase())
                        .filter(|t| !t.is_empty()),
                );
            }
        } else if param.values.is_empty()
            && !name.eq_ignore_ascii_case("QUOTED-PRINTABLE")
            && !name.is_empty()
        {
            types.push(name.to_lowercase());
        }
    }
    types
}

/// Every value of the line's parameter `name`.
fn param_values<'l>(line: &'l VcardLine<'_>, name: &str) -> Vec<&'l str> {
    line.params
        .iter()
        .filter(|p| p.name.get().trim().eq_ignore_ascii_case(name))
        .flat_map(|p| p.values.iter().map(|v| unquote(v.get())))
        .collect()
}

fn unquote(value: &str) -> &str {
    value.trim().trim_matches('"')
}

/// The number in 4.0's `tel:+1-555-555-5555;ext=5555` URIs; anything else as it is.
fn tel_uri_number(value: &str) -> &str {
    let value = value.trim();
    match value.get(..4) {
        Some(scheme) if scheme.eq_ignore_ascii_case("tel:") => {
            let number = &value[4..];
            number.split(';').next().unwrap_or(number)
        }
        _ => value,
    }
}

fn non_empty(text: String) -> Option<String> {
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::PhoneNumber;

    fn parse(text: &str) -> ParsedContacts {
        parse_vcards(text.as_bytes(), "RU").unwrap()
    }

    fn ru(s: &str) -> PhoneNumber {
        PhoneNumber::parse(s, "RU")
    }

    #[test]
    fn a_blank_line_and_a_bom_before_the_first_card_are_fine() {
        let parsed = parse("\u{feff}\r\n\r\nBEGIN:VCARD\r\nFN:Ann\r\nTEL:101\r\nEND:VCARD");
        assert_eq!(parsed.contacts.len(), 1, "{parsed:?}");
        assert!(parsed.skipped.is_empty());
    }

    #[test]
    fn tel_types_read_every_spelling() {
        let card = VcardCst::parse(
            "BEGIN:VCARD\r\nTEL;TYPE=\"cell,voice\":1\r\nTEL;CELL;VOICE:2\r\nTEL;TYPE=work;TYPE=fax:3\r\nEND:VCARD\r\n",
        )
        .unwrap();
        let types: Vec<Vec<String>> = card.props.iter().map(tel_types).collect();
        assert_eq!(
            types,
            [
                vec!["cell", "voice"],
                vec!["cell", "voice"],
                vec!["work", "fax"]
            ]
        );
        assert!(looks_like_vcard(b"\xEF\xBB\xBF\nBEGIN:VCARD\n"));
        assert!(!looks_like_vcard(b"name;phone\n"));
        assert_eq!(ru("+7 910 123 45 67"), ru("89101234567"));
    }
}
