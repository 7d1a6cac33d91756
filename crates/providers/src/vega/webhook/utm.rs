//! UTM tags of tracked calls (vega.md A.3): once a minute Vega posts a JSON array of records,
//! one per call, keyed by `callParentUuid`.
//!
//! A.3: "other fields may appear: ignore them (they may disappear)", so every field is optional
//! and unknown ones are ignored. Values are passed through as sent (`"(not set)"` included: it is
//! Google Analytics' own word, and the label's line breaks are part of it). A record that is not
//! an object or has no `callParentUuid` cannot be attached to a call: it is skipped and counted,
//! and the rest of the batch is kept.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{Map, Value};

use super::request::{json_body, kind, WebhookError, WebhookReply, WebhookRequest};
use crate::vega::time::{from_epoch_number, from_epoch_text};

/// One call's UTM record.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct UtmRecord {
    /// `callParentUuid`: the call (its parent uuid, as A.2 names calls).
    pub call_parent_uuid: String,
    /// `utmSource`: the campaign's source.
    pub utm_source: Option<String>,
    /// `utmMedium`: the campaign's channel.
    pub utm_medium: Option<String>,
    /// `utmCampaign`: the campaign's name.
    pub utm_campaign: Option<String>,
    /// `utmContent`: the campaign's content.
    pub utm_content: Option<String>,
    /// `utmTerm`: the campaign's keyword.
    pub utm_term: Option<String>,
    /// `googleClientId`: the Google Analytics client id.
    pub google_client_id: Option<String>,
    /// `clientIp`: the client's address.
    pub client_ip: Option<String>,
    /// `referer`: the site the client came from (sometimes unavailable).
    pub referer: Option<String>,
    /// `otherLegNum`: the client's number.
    pub other_leg_num: Option<String>,
    /// `trunkSource`: the company number the client called.
    pub trunk_source: Option<String>,
    /// `label`: the call's label (call tracker, call catcher).
    pub label: Option<String>,
    /// `callDate`: when the call ended.
    pub call_date: Option<DateTime<Utc>>,
    /// `callStart`: when the call started.
    pub call_start: Option<DateTime<Utc>>,
}

impl UtmRecord {
    /// The record's tags as the local history keeps them (`callpop_core::UtmTags`): by the
    /// spec's field names (`utmSource`, `label`...), times in RFC 3339 UTC; absent fields are
    /// left out, and `callParentUuid` is the key, not a tag.
    pub fn tags(&self) -> BTreeMap<String, String> {
        let texts = [
            ("utmSource", &self.utm_source),
            ("utmMedium", &self.utm_medium),
            ("utmCampaign", &self.utm_campaign),
            ("utmContent", &self.utm_content),
            ("utmTerm", &self.utm_term),
            ("googleClientId", &self.google_client_id),
            ("clientIp", &self.client_ip),
            ("referer", &self.referer),
            ("otherLegNum", &self.other_leg_num),
            ("trunkSource", &self.trunk_source),
            ("label", &self.label),
        ];
        let times = [
            ("callDate", &self.call_date),
            ("callStart", &self.call_start),
        ];
        texts
            .into_iter()
            .filter_map(|(name, value)| Some((name.to_owned(), value.clone()?)))
            .chain(times.into_iter().filter_map(|(name, at)| {
                Some((
                    name.to_owned(),
                    at.as_ref()?
                        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
                ))
            }))
            .collect()
    }
}

/// A parsed batch.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UtmBatch {
    /// The records by `callParentUuid` (a call listed twice keeps its last record).
    pub records: BTreeMap<String, UtmRecord>,
    /// Entries that were no object or had no `callParentUuid`.
    pub skipped: usize,
}

/// Reads the body: a JSON array of records. Anything but an array is `400`.
pub fn parse_utm(body: &[u8]) -> Result<UtmBatch, WebhookError> {
    let value = json_body(body)?;
    let Value::Array(entries) = value else {
        return Err(WebhookError::InvalidParameters(format!(
            "UTM tags must be a JSON array, not {}",
            kind(&value)
        )));
    };
    let mut batch = UtmBatch::default();
    for entry in &entries {
        match entry.as_object().and_then(record) {
            Some(record) => {
                batch
                    .records
                    .insert(record.call_parent_uuid.clone(), record);
            }
            None => batch.skipped += 1,
        }
    }
    Ok(batch)
}

/// The whole exchange: `200 {"ok":true,"accepted":N,"skipped":M}` with the batch, or `400`.
pub fn handle_utm(request: &WebhookRequest) -> (WebhookReply, Option<UtmBatch>) {
    match parse_utm(&request.body) {
        Ok(batch) => {
            if batch.skipped > 0 {
                tracing::warn!(
                    skipped = batch.skipped,
                    "Vega UTM tags: records without callParentUuid were skipped"
                );
            }
            let reply = WebhookReply::json(
                200,
                &serde_json::json!({
                    "ok": true,
                    "accepted": batch.records.len(),
                    "skipped": batch.skipped,
                }),
            );
            (reply, Some(batch))
        }
        Err(error) => {
            tracing::warn!("Vega UTM tags refused ({}): {error}", error.status());
            (error.reply(), None)
        }
    }
}

fn record(object: &Map<String, Value>) -> Option<UtmRecord> {
    let call_parent_uuid = text(object, "callParentUuid")
        .map(|id| id.trim().to_owned())
        .filter(|id| !id.is_empty())?;
    Some(UtmRecord {
        call_parent_uuid,
        utm_source: text(object, "utmSource"),
        utm_medium: text(object, "utmMedium"),
        utm_campaign: text(object, "utmCampaign"),
        utm_content: text(object, "utmContent"),
        utm_term: text(object, "utmTerm"),
        google_client_id: text(object, "googleClientId"),
        client_ip: text(object, "clientIp"),
        referer: text(object, "referer"),
        other_leg_num: text(object, "otherLegNum"),
        trunk_source: text(object, "trunkSource"),
        label: text(object, "label"),
        call_date: timestamp(object, "callDate"),
        call_start: timestamp(object, "callStart"),
    })
}

/// A text field as sent; a number (`trunkSource: 380991280042`) as its digits; anything else,
/// or an empty string, is absent: a pass-through value of another type is no UTM tag.
fn text(object: &Map<String, Value>, name: &str) -> Option<String> {
    match object.get(name)? {
        Value::String(text) if !text.is_empty() => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        _ => None,
    }
}

/// A time in ms (or s, see `vega::time`), as a number or digits; anything else is absent.
fn timestamp(object: &Map<String, Value>, name: &str) -> Option<DateTime<Utc>> {
    match object.get(name)? {
        Value::Number(number) => number.as_f64().and_then(from_epoch_number),
        Value::String(text) => from_epoch_text(text),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::vega::examples::UTM as SPEC_UTM;

    #[test]
    fn the_spec_example_parses_field_for_field() {
        let batch = parse_utm(SPEC_UTM.as_bytes()).unwrap();
        assert_eq!(batch.skipped, 0);
        let record = &batch.records["005f1dfae76d4c379e1d4095c07a76a2"];
        assert_eq!(
            *record,
            UtmRecord {
                call_parent_uuid: "005f1dfae76d4c379e1d4095c07a76a2".into(),
                utm_source: Some("google".into()),
                utm_medium: Some("cpc".into()),
                utm_campaign: Some("(not set)".into()),
                utm_content: Some("(not set)".into()),
                utm_term: Some("(not set)".into()),
                google_client_id: Some("1340605716.1544986520".into()),
                client_ip: Some("91.243.203.133".into()),
                referer: Some("https://www.google.com/".into()),
                other_leg_num: Some("+380505826633".into()),
                trunk_source: Some("380991280042".into()),
                label: Some("callcatcher\n firstcall".into()),
                call_date: Some("2019-02-12T07:02:24.251Z".parse().unwrap()),
                call_start: Some("2019-02-12T07:01:13Z".parse().unwrap()),
            }
        );
    }

    #[test]
    fn a_record_becomes_tags_by_the_spec_names_without_its_key() {
        let batch = parse_utm(SPEC_UTM.as_bytes()).unwrap();
        let tags = batch.records["005f1dfae76d4c379e1d4095c07a76a2"].tags();
        assert_eq!(tags.len(), 13);
        assert_eq!(tags["utmSource"], "google");
        assert_eq!(tags["label"], "callcatcher\n firstcall");
        assert_eq!(tags["callDate"], "2019-02-12T07:02:24.251Z");
        assert_eq!(tags["callStart"], "2019-02-12T07:01:13.000Z");
        assert!(!tags.contains_key("callParentUuid"));
        let bare = parse_utm(br#"[{"callParentUuid": "c1", "utmSource": "x"}]"#).unwrap();
        assert_eq!(bare.records["c1"].tags().len(), 1);
    }

    #[test]
    fn unknown_fields_are_ignored_and_missing_ones_are_absent() {
        let batch = parse_utm(
            br#"[{"callParentUuid": "c1", "newField": {"x": 1}, "trunkSource": 380991280042}]"#,
        )
        .unwrap();
        let record = &batch.records["c1"];
        assert_eq!(record.trunk_source.as_deref(), Some("380991280042"));
        assert_eq!(record.utm_source, None);
        assert_eq!(record.call_date, None);
    }

    #[test]
    fn records_without_a_call_id_are_skipped_and_the_rest_kept() {
        let batch = parse_utm(
            br#"[{"utmSource": "google"}, 7, {"callParentUuid": " "}, {"callParentUuid": "c2"}]"#,
        )
        .unwrap();
        assert_eq!(batch.skipped, 3);
        assert_eq!(batch.records.keys().collect::<Vec<_>>(), ["c2"]);
        assert_eq!(parse_utm(b"[]").unwrap(), UtmBatch::default());
    }

    #[test]
    fn anything_but_an_array_is_invalid() {
        assert_eq!(
            parse_utm(br#"{"callParentUuid": "c1"}"#)
                .unwrap_err()
                .to_string(),
            "Invalid parameters: UTM tags must be a JSON array, not an object"
        );
        assert_eq!(parse_utm(b"[{").unwrap_err().status(), 400);
    }
}
