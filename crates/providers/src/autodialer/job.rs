//! What is sent to the Autodialer: the records (one contact each), the options every record of a
//! job shares (scenario, time window, attempts), the batches of at most 1000, and the warning a
//! job without a time window deserves.

use std::fmt;

use callpop_core::{Contact, PhoneNumber};
use chrono::NaiveTime;

use super::error::AutodialerError;

/// autodialer.md `make`: "at most 1000 records in one array".
pub const MAX_RECORDS_PER_MAKE: usize = 1000;

/// The hours the Autodialer may dial a record in (`statdialertime` / `stopdialertime` for
/// `make`, `timestart` / `timestop` for `newcall`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DialWindow {
    start: NaiveTime,
    stop: NaiveTime,
}

impl DialWindow {
    /// A window from `start` to `stop`; `start` must come first (the spec says nothing of
    /// windows across midnight, so none is sent).
    pub fn new(start: NaiveTime, stop: NaiveTime) -> Result<DialWindow, AutodialerError> {
        if start >= stop {
            return Err(AutodialerError::InvalidInput(format!(
                "the dialing window must start before it ends (got {} to {}); a window across \
                 midnight is not supported",
                start.format("%H:%M"),
                stop.format("%H:%M")
            )));
        }
        Ok(DialWindow { start, stop })
    }

    /// Reads `HH:MM` or `HH:MM:SS` for both ends.
    pub fn parse(start: &str, stop: &str) -> Result<DialWindow, AutodialerError> {
        DialWindow::new(parse_time_of_day(start)?, parse_time_of_day(stop)?)
    }

    /// The first moment of the window.
    pub fn start(&self) -> NaiveTime {
        self.start
    }

    /// The last moment of the window.
    pub fn stop(&self) -> NaiveTime {
        self.stop
    }

    /// `make`'s spelling: `HH:MM:SS` (the example's `"10:00:00"`).
    pub(crate) fn make_values(&self) -> (String, String) {
        (
            self.start.format("%H:%M:%S").to_string(),
            self.stop.format("%H:%M:%S").to_string(),
        )
    }

    /// `newcall`'s spelling: `HH:MM` (the example's `"10:00"`).
    pub(crate) fn newcall_values(&self) -> (String, String) {
        (
            self.start.format("%H:%M").to_string(),
            self.stop.format("%H:%M").to_string(),
        )
    }
}

impl fmt::Display for DialWindow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}–{}",
            self.start.format("%H:%M"),
            self.stop.format("%H:%M")
        )
    }
}

/// `HH:MM` or `HH:MM:SS`.
pub fn parse_time_of_day(text: &str) -> Result<NaiveTime, AutodialerError> {
    let text = text.trim();
    NaiveTime::parse_from_str(text, "%H:%M:%S")
        .or_else(|_| NaiveTime::parse_from_str(text, "%H:%M"))
        .map_err(|_| {
            AutodialerError::InvalidInput(format!(
                "{text:?} is not a time of day: write it as 10:00 or 10:00:00"
            ))
        })
}

/// What every record of one job shares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DialOptions {
    /// `generationtype`: the scenario (campaign) created in the Autodialer cabinet.
    pub scenario: String,
    /// The hours to dial in; `None` dials at once, whatever the hour (see
    /// [`NoTimeWindowWarning`]).
    pub window: Option<DialWindow>,
    /// `maxcount`: how many times a number is tried at most.
    pub max_attempts: Option<u32>,
}

impl DialOptions {
    /// The warning to show before sending `records` records with these options, if any.
    pub fn warning(&self, records: usize) -> Option<NoTimeWindowWarning> {
        (self.window.is_none() && records > 0).then_some(NoTimeWindowWarning { records })
    }

    pub(crate) fn validate(&self) -> Result<(), AutodialerError> {
        if self.scenario.trim().is_empty() {
            return Err(AutodialerError::InvalidInput(
                "no scenario (generationtype): name the campaign created in the Autodialer cabinet"
                    .into(),
            ));
        }
        if self.max_attempts == Some(0) {
            return Err(AutodialerError::InvalidInput(
                "the number of attempts must be at least 1".into(),
            ));
        }
        Ok(())
    }
}

/// autodialer.md (`newcall`, footnote `***`): a record without a time window "starts at once when
/// the record is added, whatever the time of day. Be careful!" Shown by the UI and the CLI before
/// sending, which then asks for a confirmation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NoTimeWindowWarning {
    /// How many records would be dialed at once.
    pub records: usize,
}

impl fmt::Display for NoTimeWindowWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (count, have) = match self.records {
            1 => ("1 record".to_owned(), "has"),
            n => (format!("{n} records"), "have"),
        };
        write!(
            f,
            "{count} {have} no time window: the Autodialer dials them as soon as they are \
             added, whatever the hour (even at night). Give a window such as 10:00–19:00 to \
             dial only in working hours."
        )
    }
}

/// One contact to dial.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DialRecord {
    /// `name`: the subscriber's name (required by `newcall`, optional in `make`).
    pub name: Option<String>,
    /// `phone`: the number as the Autodialer takes it (see [`wire_phone`]). Required.
    pub phone: String,
    /// `UUID`: the contact's id in the directory or CRM. Required.
    pub uuid: String,
    /// `var1`, `var2`, `var3`: values the scenario's phrases use.
    pub vars: [Option<String>; 3],
}

impl DialRecord {
    /// A record for `number` with the id `uuid`; `None` when the number has no digits to dial.
    pub fn for_number(number: &PhoneNumber, uuid: &str, name: Option<&str>) -> Option<DialRecord> {
        Some(DialRecord {
            name: name.map(str::to_owned),
            phone: wire_phone(number)?,
            uuid: uuid.to_owned(),
            vars: Default::default(),
        })
    }

    /// The name, else the number: how an error names the record.
    pub(crate) fn who(&self) -> String {
        match self.name.as_deref().map(str::trim) {
            Some(name) if !name.is_empty() => name.to_owned(),
            _ if !self.phone.trim().is_empty() => self.phone.trim().to_owned(),
            _ => "no name, no number".to_owned(),
        }
    }

    /// `MissingField` for the first required field that is empty (`index` is 1-based).
    pub(crate) fn check_required(
        &self,
        index: usize,
        need_name: bool,
    ) -> Result<(), AutodialerError> {
        let missing = |field| AutodialerError::MissingField {
            index,
            who: self.who(),
            field,
        };
        if need_name && self.name.as_deref().is_none_or(|n| n.trim().is_empty()) {
            return Err(missing("name"));
        }
        if self.phone.trim().is_empty() {
            return Err(missing("phone"));
        }
        if self.uuid.trim().is_empty() {
            return Err(missing("UUID"));
        }
        Ok(())
    }
}

/// The number as the spec's examples write it: Russian and Kazakh numbers nationally with the
/// trunk prefix (`+79222220000` → `89222220000`, as in every example of autodialer.md), others as
/// international digits without `+`. `None` when there are no digits.
pub fn wire_phone(number: &PhoneNumber) -> Option<String> {
    let digits = number.digits();
    if digits.is_empty() {
        return None;
    }
    match number.e164() {
        Some(e164) if e164.starts_with("+7") && digits.len() == 11 => {
            Some(format!("8{}", &digits[1..]))
        }
        _ => Some(digits),
    }
}

/// `records` in slices of at most [`MAX_RECORDS_PER_MAKE`].
pub fn batches(records: &[DialRecord]) -> impl Iterator<Item = &[DialRecord]> {
    records.chunks(MAX_RECORDS_PER_MAKE)
}

/// One record per directory contact: its first dialable number, `UUID` `{prefix}{id}`, and
/// `var1..3` from `vars` with `{name}` and `{company}` filled in. Also returns how many contacts
/// had no number to dial (left out).
pub fn records_for_contacts(
    contacts: &[Contact],
    prefix: &str,
    vars: &[String],
) -> (Vec<DialRecord>, usize) {
    let mut skipped = 0;
    let mut records = Vec::new();
    for contact in contacts {
        let uuid = format!("{prefix}{}", contact.id);
        let Some(mut record) = contact
            .phones
            .iter()
            .find_map(|phone| DialRecord::for_number(phone, &uuid, Some(&contact.name)))
        else {
            skipped += 1;
            continue;
        };
        for (slot, template) in record.vars.iter_mut().zip(vars) {
            *slot = Some(
                template
                    .replace("{name}", &contact.name)
                    .replace("{company}", contact.company.as_deref().unwrap_or_default()),
            );
        }
        records.push(record);
    }
    (records, skipped)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_read_both_spellings_and_must_be_in_order() {
        let window = DialWindow::parse("10:00", "19:00:00").unwrap();
        assert_eq!(window.make_values(), ("10:00:00".into(), "19:00:00".into()));
        assert_eq!(window.newcall_values(), ("10:00".into(), "19:00".into()));
        assert_eq!(window.to_string(), "10:00–19:00");
        assert!(DialWindow::parse("19:00", "10:00").is_err());
        assert!(DialWindow::parse("10:00", "10:00").is_err());
        let error = DialWindow::parse("10am", "19:00").unwrap_err().to_string();
        assert!(error.contains("10:00 or 10:00:00"), "{error}");
        assert!(DialWindow::parse("25:00", "26:00").is_err());
    }

    #[test]
    fn numbers_go_out_as_the_examples_write_them() {
        let ru = PhoneNumber::parse("+7 922 222-00-00", "RU");
        assert_eq!(wire_phone(&ru).as_deref(), Some("89222220000"));
        let ua = PhoneNumber::parse("+380442246595", "RU");
        assert_eq!(wire_phone(&ua).as_deref(), Some("380442246595"));
        assert_eq!(wire_phone(&PhoneNumber::Raw("n/a".into())), None);
    }

    #[test]
    fn the_warning_is_given_only_without_a_window() {
        let mut options = DialOptions {
            scenario: "1".into(),
            window: None,
            max_attempts: None,
        };
        let warning = options.warning(2).unwrap().to_string();
        assert!(
            warning.starts_with("2 records have no time window"),
            "{warning}"
        );
        assert!(warning.contains("whatever the hour"), "{warning}");
        assert!(options
            .warning(1)
            .unwrap()
            .to_string()
            .starts_with("1 record has"));
        assert_eq!(options.warning(0), None);
        options.window = Some(DialWindow::parse("10:00", "19:00").unwrap());
        assert_eq!(options.warning(5), None);
    }

    #[test]
    fn batches_hold_at_most_a_thousand() {
        let records = vec![DialRecord::default(); 2500];
        let sizes: Vec<usize> = batches(&records).map(<[DialRecord]>::len).collect();
        assert_eq!(sizes, [1000, 1000, 500]);
    }
}
