//! Vega's timestamps: milliseconds since 1970 by the field descriptions, but 10-digit seconds in
//! the spec's own examples (vega.md A.2 `dialAt`: "accept both, telling them apart by magnitude").

use chrono::{DateTime, TimeZone, Utc};
use serde::de::{self, Deserializer, Visitor};

/// Values below this are seconds, from it on milliseconds. 10^11 ms is March 1973; 10^11 s is
/// the year 5138: no call of either era is ambiguous.
pub const SECONDS_BELOW: i64 = 100_000_000_000;

/// Reads a Vega timestamp given as a number of seconds or milliseconds since 1970 (UTC).
/// `0` and negative values mean "not set" and give `None`.
pub fn from_epoch_number(value: f64) -> Option<DateTime<Utc>> {
    if !value.is_finite() || value <= 0.0 {
        return None;
    }
    let millis = if value < SECONDS_BELOW as f64 {
        value * 1000.0
    } else {
        value
    };
    if millis > i64::MAX as f64 {
        return None;
    }
    Utc.timestamp_millis_opt(millis.round() as i64).single()
}

/// Reads a timestamp written as digits (`"1431686100"`, `"1431686100123"`); `None` for anything
/// that is not a number.
pub fn from_epoch_text(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    text.parse::<f64>().ok().and_then(from_epoch_number)
}

/// Serde helper for optional timestamp fields: a number of seconds or milliseconds, the same as
/// a string of digits, or `null`. Anything else (an object, `true`, `"yesterday"`) is an error.
pub(crate) fn optional_timestamp<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<DateTime<Utc>>, D::Error> {
    deserializer.deserialize_any(TimestampVisitor)
}

struct TimestampVisitor;

impl<'de> Visitor<'de> for TimestampVisitor {
    type Value = Option<DateTime<Utc>>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a timestamp in seconds or milliseconds since 1970, or null")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(TimestampVisitor)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(from_epoch_number(v as f64))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(from_epoch_number(v as f64))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(from_epoch_number(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        if v.trim().is_empty() {
            return Ok(None);
        }
        match v.trim().parse::<f64>() {
            Ok(number) => Ok(from_epoch_number(number)),
            Err(_) => Err(E::custom(format!("{v:?} is not a timestamp"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    #[test]
    fn ten_digit_values_are_seconds_like_the_spec_examples() {
        // vega.md B.3's example dialAt.
        assert_eq!(
            from_epoch_number(1431686100.0),
            Some(utc("2015-05-15T10:35:00Z"))
        );
    }

    #[test]
    fn thirteen_digit_values_are_milliseconds_like_the_field_descriptions() {
        assert_eq!(
            from_epoch_number(1_431_686_100_123.0),
            Some(utc("2015-05-15T10:35:00.123Z"))
        );
    }

    #[test]
    fn seconds_and_milliseconds_of_one_moment_agree() {
        assert_eq!(
            from_epoch_number(1_700_000_000.0),
            from_epoch_number(1_700_000_000_000.0)
        );
    }

    #[test]
    fn zero_negative_and_non_finite_values_are_unset() {
        assert_eq!(from_epoch_number(0.0), None);
        assert_eq!(from_epoch_number(-5.0), None);
        assert_eq!(from_epoch_number(f64::NAN), None);
        assert_eq!(from_epoch_number(f64::INFINITY), None);
        assert_eq!(from_epoch_number(1e300), None);
    }

    #[test]
    fn digits_in_a_string_read_like_numbers() {
        assert_eq!(
            from_epoch_text(" 1431686100 "),
            Some(utc("2015-05-15T10:35:00Z"))
        );
        assert_eq!(
            from_epoch_text("1431686100123"),
            Some(utc("2015-05-15T10:35:00.123Z"))
        );
        assert_eq!(from_epoch_text("yesterday"), None);
        assert_eq!(from_epoch_text(""), None);
    }

    #[derive(serde::Deserialize, Debug)]
    struct Holder {
        #[serde(default, deserialize_with = "optional_timestamp")]
        at: Option<DateTime<Utc>>,
    }

    fn read(json: &str) -> Result<Option<DateTime<Utc>>, serde_json::Error> {
        serde_json::from_str::<Holder>(json).map(|h| h.at)
    }

    #[test]
    fn the_serde_helper_takes_numbers_strings_null_and_absence() {
        let moment = Some(utc("2015-05-15T10:35:00Z"));
        assert_eq!(read(r#"{"at": 1431686100}"#).unwrap(), moment);
        assert_eq!(read(r#"{"at": 1431686100000}"#).unwrap(), moment);
        assert_eq!(read(r#"{"at": 1431686100.0}"#).unwrap(), moment);
        assert_eq!(read(r#"{"at": "1431686100"}"#).unwrap(), moment);
        assert_eq!(read(r#"{"at": null}"#).unwrap(), None);
        assert_eq!(read(r#"{}"#).unwrap(), None);
    }

    #[test]
    fn the_serde_helper_rejects_what_is_no_timestamp() {
        for json in [
            r#"{"at": "yesterday"}"#,
            r#"{"at": true}"#,
            r#"{"at": {"ms": 1}}"#,
        ] {
            let error = read(json).unwrap_err();
            assert!(error.to_string().contains("timestamp"), "{json}: {error}");
        }
    }
}
