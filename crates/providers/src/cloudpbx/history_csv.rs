//! The `history` command's CSV (cloud-pbx.md 5.4): `UID,type,client,account,via,start,wait,
//! duration,record`, with or without a header row, into [`HistoryRow`]s and [`CallRecord`]s.

use callpop_core::{CallRecord, CallState, Direction, PhoneNumber};
use chrono::{DateTime, Duration, Utc};

use super::error::CloudPbxError;
use super::time::parse_time;
use super::PROVIDER;

/// What a history row's `type` says (cloud-pbx.md 5.4: `in` / `out` / `missed`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HistoryKind {
    /// An incoming call that reached someone.
    In,
    /// An outgoing call.
    Out,
    /// An incoming call nobody answered.
    Missed,
}

/// One row of the PBX's call history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryRow {
    /// `UID`: the call's id.
    pub uid: String,
    /// `type`.
    pub kind: HistoryKind,
    /// `client`: the customer's number as written.
    pub client: String,
    /// `account`: the employee's login, a group's name, or `ivr` / `fax`.
    pub account: Option<String>,
    /// `via`: our number the call came through, or the caller id shown.
    pub via: Option<String>,
    /// `start`, UTC.
    pub start: DateTime<Utc>,
    /// `wait`: seconds until answered.
    pub wait_seconds: i64,
    /// `duration`: seconds of conversation.
    pub duration_seconds: i64,
    /// `record`: the recording's link.
    pub record: Option<String>,
}

impl HistoryRow {
    /// As history keeps a call. `in` with no conversation is missed; `out` with none is
    /// cancelled (the customer did not answer), as the other providers report them.
    pub fn call_record(&self, region: &str) -> CallRecord {
        let talked = self.duration_seconds > 0 && self.kind != HistoryKind::Missed;
        let (direction, state) = match (self.kind, talked) {
            (HistoryKind::Out, true) => (Direction::Out, CallState::Ended),
            (HistoryKind::Out, false) => (Direction::Out, CallState::Cancelled),
            (_, true) => (Direction::In, CallState::Ended),
            (_, false) => (Direction::In, CallState::Missed),
        };
        // cloud-pbx.md 5.4: `account` is `ivr` / `fax` "if the call reached no employee".
        let employee = self
            .account
            .clone()
            .filter(|a| !a.eq_ignore_ascii_case("ivr") && !a.eq_ignore_ascii_case("fax"));
        let answered_at = talked.then(|| self.start + Duration::seconds(self.wait_seconds));
        CallRecord {
            outcome: None,
            rang: Vec::new(),
            provider: PROVIDER.to_owned(),
            call_id: self.uid.clone(),
            direction,
            state,
            customer: Some(PhoneNumber::parse(&self.client, region)),
            employee: employee.clone(),
            contact_name: None,
            started_at: self.start,
            answered_at,
            ended_at: Some(
                self.start + Duration::seconds(self.wait_seconds + self.duration_seconds),
            ),
            duration_seconds: Some(self.wait_seconds + self.duration_seconds),
            talk_seconds: Some(if talked { self.duration_seconds } else { 0 }),
            recording: self.record.clone(),
            transfer: None,
            note: None,
            answered_by: if talked { employee } else { None },
        }
    }
}

/// Calls more than this long (seconds) are refused as garbage: about a year.
const MAX_SECONDS: i64 = 366 * 24 * 3600;

/// Reads the whole CSV. A first row whose first cell is `UID` is a header and skipped; blank
/// lines are skipped; a row with the wrong number of cells or an unreadable cell is an error
/// naming its line. A missing `record` column (8 cells) is accepted.
pub fn parse_history_csv(text: &str) -> Result<Vec<HistoryRow>, CloudPbxError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut rows = Vec::new();
    for (index, record) in split_records(text)?.into_iter().enumerate() {
        let (line, cells) = record;
        if cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        if index == 0 && cells[0].trim().eq_ignore_ascii_case("uid") {
            continue;
        }
        rows.push(parse_row(line, &cells)?);
    }
    Ok(rows)
}

fn parse_row(line: usize, cells: &[String]) -> Result<HistoryRow, CloudPbxError> {
    let bad = |detail: String| CloudPbxError::BadCsv { line, detail };
    if !(8..=9).contains(&cells.len()) {
        return Err(bad(format!(
            "expected 9 columns (UID,type,client,account,via,start,wait,duration,record), got {}",
            cells.len()
        )));
    }
    let cell = |i: usize| cells.get(i).map(|c| c.trim()).unwrap_or_default();
    let optional = |i: usize| Some(cell(i).to_owned()).filter(|c| !c.is_empty());
    let uid = cell(0);
    if uid.is_empty() {
        return Err(bad("the UID is empty".into()));
    }
    let kind = match cell(1).to_ascii_lowercase().as_str() {
        "in" => HistoryKind::In,
        "out" => HistoryKind::Out,
        "missed" => HistoryKind::Missed,
        other => {
            return Err(bad(format!(
                "unknown type {other:?} (expected in, out or missed)"
            )))
        }
    };
    let start =
        parse_time(cell(5)).ok_or_else(|| bad(format!("unreadable start time {:?}", cell(5))))?;
    let seconds = |i: usize, name: &str| -> Result<i64, CloudPbxError> {
        let text = cell(i);
        if text.is_empty() {
            return Ok(0);
        }
        text.parse::<i64>()
            .ok()
            .filter(|s| (0..=MAX_SECONDS).contains(s))
            .ok_or_else(|| bad(format!("{name} is not a number of seconds: {text:?}")))
    };
    Ok(HistoryRow {
        uid: uid.to_owned(),
        kind,
        client: cell(2).to_owned(),
        account: optional(3),
        via: optional(4),
        start,
        wait_seconds: seconds(6, "wait")?,
        duration_seconds: seconds(7, "duration")?,
        record: optional(8),
    })
}

/// Splits CSV text into records of cells, each with the line it starts on. Quotes (`"a,b"`,
/// `""` inside them) may span lines; `\r\n` and `\n` both end a record.
fn split_records(text: &str) -> Result<Vec<(usize, Vec<String>)>, CloudPbxError> {
    let mut records = Vec::new();
    let mut cells = Vec::new();
    let mut cell = String::new();
    let mut in_quotes = false;
    let mut line = 1;
    let mut record_line = 1;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, in_quotes) {
            ('"', true) if chars.peek() == Some(&'"') => {
                chars.next();
                cell.push('"');
            }
            ('"', true) => in_quotes = false,
            ('"', false) if cell.trim().is_empty() => {
                cell.clear();
                in_quotes = true;
            }
            (',', false) => cells.push(std::mem::take(&mut cell)),
            ('\r', false) if chars.peek() == Some(&'\n') => {}
            ('\n', false) => {
                cells.push(std::mem::take(&mut cell));
                records.push((record_line, std::mem::take(&mut cells)));
                line += 1;
                record_line = line;
            }
            ('\n', true) => {
                line += 1;
                cell.push(c);
            }
            _ => cell.push(c),
        }
    }
    if in_quotes {
        return Err(CloudPbxError::BadCsv {
            line: record_line,
            detail: "a quoted cell is never closed".into(),
        });
    }
    if !cell.is_empty() || !cells.is_empty() {
        cells.push(cell);
        records.push((record_line, cells));
    }
    Ok(records)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    const ROWS: &str =
        "A1,in,79101234567,andy,74951112233,20240501T090000Z,5,120,https://rec/a1.mp3\r\n\
                        A2,missed,+79101234567,sales,74951112233,2024-05-01 10:00:00,30,0,\r\n";

    #[test]
    fn with_and_without_a_header_the_rows_are_the_same() {
        let bare = parse_history_csv(ROWS).unwrap();
        let headed = parse_history_csv(&format!(
            "UID,type,client,account,via,start,wait,duration,record\n{ROWS}"
        ))
        .unwrap();
        assert_eq!(bare, headed);
        assert_eq!(bare.len(), 2);
        assert_eq!(bare[0].kind, HistoryKind::In);
        assert_eq!(bare[0].duration_seconds, 120);
        assert_eq!(bare[1].record, None);
        assert_eq!(
            bare[1].start,
            Utc.with_ymd_and_hms(2024, 5, 1, 10, 0, 0).unwrap()
        );
    }

    #[test]
    fn rows_become_records_with_the_right_state() {
        let rows = parse_history_csv(ROWS).unwrap();
        let answered = rows[0].call_record("RU");
        assert_eq!(answered.state, CallState::Ended);
        assert_eq!(answered.customer.unwrap().key(), "+79101234567");
        assert_eq!(answered.talk_seconds, Some(120));
        assert_eq!(answered.duration_seconds, Some(125));
        assert_eq!(answered.answered_by.as_deref(), Some("andy"));
        let missed = rows[1].call_record("RU");
        assert_eq!(
            (missed.direction, missed.state),
            (Direction::In, CallState::Missed)
        );
        assert_eq!(missed.answered_by, None);
    }

    #[test]
    fn quoted_cells_and_an_ivr_account_are_understood() {
        let rows =
            parse_history_csv("\"B,1\",out,79101234567,ivr,\"7495\"\"x\",20240501T090000Z,0,0,\n")
                .unwrap();
        assert_eq!(rows[0].uid, "B,1");
        assert_eq!(rows[0].via.as_deref(), Some("7495\"x"));
        let record = rows[0].call_record("RU");
        assert_eq!(record.employee, None);
        assert_eq!(record.state, CallState::Cancelled);
    }

    #[test]
    fn bad_rows_name_their_line_and_problem() {
        let cases = [
            (
                "A1,in,1,a,b,20240501T090000Z,1,2,r\nA2,in,1\n",
                2,
                "expected 9 columns",
            ),
            (
                "A1,sideways,1,a,b,20240501T090000Z,1,2,r\n",
                1,
                "unknown type",
            ),
            ("A1,in,1,a,b,soon,1,2,r\n", 1, "unreadable start"),
            ("A1,in,1,a,b,20240501T090000Z,-1,2,r\n", 1, "wait is not"),
            ("\"A1,in,1\n", 1, "never closed"),
        ];
        for (text, want_line, want) in cases {
            match parse_history_csv(text) {
                Err(CloudPbxError::BadCsv { line, detail }) => {
                    assert_eq!(line, want_line, "{text}");
                    assert!(detail.contains(want), "{detail}");
                }
                other => panic!("{text:?}: {other:?}"),
            }
        }
        assert_eq!(parse_history_csv("").unwrap(), vec![]);
        assert_eq!(parse_history_csv("\n\n").unwrap(), vec![]);
    }
}
