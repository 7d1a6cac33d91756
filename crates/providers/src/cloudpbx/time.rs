//! Times on the cloud PBX's wire: `YYYYmmddTHHMMSSZ` in UTC (cloud-pbx.md 4.1, 5.4).

use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};

/// The spec's format (cloud-pbx.md 4.1: "call start, `YYYYmmddTHHMMSSZ` (UTC)").
const WIRE_FORMAT: &str = "%Y%m%dT%H%M%SZ";

/// `at` as the PBX writes times: `20170703T121110Z`.
pub fn format_wire(at: DateTime<Utc>) -> String {
    at.format(WIRE_FORMAT).to_string()
}

/// Reads `20170703T121110Z`, the spec's format, and (cloud-pbx.md 5.4: "the exact `start`
/// format in CSV is unspecified: accept both") the usual alternatives: RFC 3339,
/// `2017-07-03 12:11:10` (UTC), `2017-07-03T12:11:10`, or Unix seconds. `None` for anything else.
pub fn parse_time(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    if let Ok(at) = NaiveDateTime::parse_from_str(text, WIRE_FORMAT) {
        return Some(Utc.from_utc_datetime(&at));
    }
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Some(at.with_timezone(&Utc));
    }
    for format in [
        "%Y%m%dT%H%M%S",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M:%SZ",
        "%Y-%m-%dT%H:%M:%SZ",
    ] {
        if let Ok(at) = NaiveDateTime::parse_from_str(text, format) {
            return Some(Utc.from_utc_datetime(&at));
        }
    }
    if text.len() <= 12 && text.bytes().all(|b| b.is_ascii_digit()) {
        return text
            .parse::<i64>()
            .ok()
            .and_then(|secs| DateTime::from_timestamp(secs, 0));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_spec_example_round_trips() {
        let at = parse_time("20170703T121110Z").unwrap();
        assert_eq!(at, Utc.with_ymd_and_hms(2017, 7, 3, 12, 11, 10).unwrap());
        assert_eq!(format_wire(at), "20170703T121110Z");
    }

    #[test]
    fn other_writings_of_a_time_are_read_as_utc() {
        let want = Utc.with_ymd_and_hms(2017, 7, 3, 12, 11, 10).unwrap();
        for text in [
            "2017-07-03 12:11:10",
            "2017-07-03T12:11:10Z",
            "2017-07-03T15:11:10+03:00",
            " 20170703T121110 ",
            "1499083870",
        ] {
            assert_eq!(parse_time(text), Some(want), "{text}");
        }
        for bad in ["", "yesterday", "20171303T121110Z", "99999999999999999999"] {
            assert_eq!(parse_time(bad), None, "{bad}");
        }
    }
}
