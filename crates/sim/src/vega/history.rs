//! Finished calls (vega.md B.5–B.7): what `company.api`, `users.api` and `missed.api` list, and
//! how their parameters are read in either request form.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::config::VegaSimConfig;
use super::scenario::ScenarioError;

/// vega.md B.5: "a response never holds more than `limit` records", and `limit` is at most 50.
pub(crate) const MAX_LIMIT: u64 = 50;

/// vega.md B.5: `directions` absent means "internal, incoming and outgoing"; B.7 says the same,
/// so hold / unhold records come only when asked for.
const DEFAULT_DIRECTIONS: u8 = 1 | 2 | 4;

/// One finished call as the PBX's history keeps it: a record of vega.md B.5 before it is turned
/// into JSON. Scenarios that end add one; tests can add their own with
/// [`VegaSimHandle::add_history`](super::VegaSimHandle::add_history).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FinishedCall {
    /// `uuid`.
    pub uuid: String,
    /// `parentUuid`.
    #[serde(default)]
    pub parent_uuid: Option<String>,
    /// `endAt`, milliseconds since 1970.
    pub end_at_ms: u64,
    /// `lgDirection`: `1` internal, `2` outgoing, `4` incoming, `32` put on hold, `64` taken off
    /// hold (the last two only in `users.api`, B.7).
    pub lg_direction: u8,
    /// `otherLegNum`: the customer's number; `None` for internal calls.
    #[serde(default)]
    pub customer: Option<String>,
    /// `otherLegName`; when `None` the number is sent (B.5: "otherwise equal to otherLegNum").
    #[serde(default)]
    pub customer_name: Option<String>,
    /// Extension of `leg`: the employee who made or received the call.
    pub employee: String,
    /// Extension of `leg2`: the employee called internally.
    #[serde(default)]
    pub employee2: Option<String>,
    /// `billSecs`: seconds of conversation.
    pub bill_secs: u64,
    /// `duration`: seconds in all, ringing included.
    pub duration_secs: u64,
    /// `disposition`: `0` answered, `1`–`4` the ways of not being answered.
    pub disposition: u8,
    /// `transferHistory`: `"017"` (017 took it) or `"017 > 019"`.
    #[serde(default)]
    pub transfer_history: Option<String>,
    /// Whether a recording exists: `audioRecUrl` is then set, and the audio is served.
    #[serde(default)]
    pub recorded: bool,
    /// `trunk`: the external number used; `None` for internal calls.
    #[serde(default)]
    pub trunk: Option<String>,
}

impl FinishedCall {
    /// Checks the record against the account: known extensions, directions and dispositions.
    pub(crate) fn validate(&self, config: &VegaSimConfig) -> Result<(), ScenarioError> {
        if self.uuid.trim().is_empty() {
            return Err(ScenarioError::Invalid(
                "a finished call needs a uuid".to_owned(),
            ));
        }
        for ext in std::iter::once(&self.employee).chain(&self.employee2) {
            if config.employee(ext).is_none() {
                return Err(ScenarioError::UnknownEmployee(ext.clone()));
            }
        }
        if ![1, 2, 4, 32, 64].contains(&self.lg_direction) {
            return Err(ScenarioError::Invalid(format!(
                "lg_direction {} is none of 1, 2, 4, 32, 64 (vega.md B.7)",
                self.lg_direction
            )));
        }
        if self.disposition > 4 {
            return Err(ScenarioError::Invalid(format!(
                "disposition {} is not 0–4 (vega.md B.5)",
                self.disposition
            )));
        }
        Ok(())
    }

    /// The record as vega.md B.5 prints it; `base_url` is the simulator's own address.
    pub(crate) fn to_json(&self, config: &VegaSimConfig, base_url: &str) -> serde_json::Value {
        let leg = |ext: &str| {
            config.employee(ext).map(|e| {
                serde_json::json!({
                    "id": e.id, "type": 1, "displayName": e.display_name, "ext": e.ext,
                })
            })
        };
        let external = self.lg_direction != 1;
        let num = self.customer.clone().filter(|_| external);
        let name = num
            .as_ref()
            .map(|num| self.customer_name.clone().unwrap_or_else(|| num.clone()));
        serde_json::json!({
            "parentUuid": self.parent_uuid,
            "uuid": self.uuid,
            "endAt": self.end_at_ms,
            "lgDirection": self.lg_direction,
            "otherLegNum": num,
            "otherLegName": name,
            "leg": leg(&self.employee),
            "leg2": self.employee2.as_deref().and_then(leg),
            "billSecs": self.bill_secs,
            "duration": self.duration_secs,
            "disposition": self.disposition,
            "transferHistory": self.transfer_history,
            // vega.md A.2 notes: the recording lives at /rest/public/calls/{uuid}/audio.
            "audioRecUrl": self.recorded.then(|| format!("{base_url}/rest/public/calls/{}/audio", self.uuid)),
            "trunk": self.trunk.clone().filter(|_| external),
        })
    }
}

/// The three history endpoints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HistoryKind {
    /// B.5 `company.api`.
    Company,
    /// B.7 `users.api`.
    Users,
    /// B.6 `missed.api`.
    Missed,
}

impl HistoryKind {
    fn allowed_directions(self) -> u8 {
        match self {
            HistoryKind::Company => 1 | 2 | 4,
            HistoryKind::Users => 1 | 2 | 4 | 32 | 64,
            // detailed/vega.md B.6: "there is no directions parameter".
            HistoryKind::Missed => 0,
        }
    }
}

/// The parameters of a history request, read from either form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct HistoryQuery {
    pub from_ms: i64,
    pub to_ms: i64,
    pub directions: u8,
    pub limit: u64,
    pub offset: u64,
}

/// One parameter's raw value, as either form gives it.
enum Raw<'a> {
    Text(&'a str),
    Json(&'a serde_json::Value),
}

impl Raw<'_> {
    fn integer(&self, name: &str) -> Result<i64, String> {
        let bad = || format!("{name} must be a whole number");
        match self {
            Raw::Text(text) => text.trim().parse().map_err(|_| bad()),
            Raw::Json(value) => match value {
                serde_json::Value::Number(n) => n.as_i64().ok_or_else(bad),
                serde_json::Value::String(text) => text.trim().parse().map_err(|_| bad()),
                _ => Err(bad()),
            },
        }
    }

    /// `directions`: the spec does not say how several are sent; its values are bits, so a
    /// bitmask (`7`), a list (`"1,2,4"`) or a JSON array (`[1, 2, 4]`) all mean the same.
    fn directions(&self) -> Result<u8, String> {
        let bad = || "directions must be 1, 2, 4, 32, 64 or a sum or list of them".to_owned();
        let one = |n: i64| u8::try_from(n).map_err(|_| bad());
        let mut mask = 0u8;
        match self {
            Raw::Json(serde_json::Value::Array(items)) => {
                for item in items {
                    mask |= one(Raw::Json(item).integer("directions")?)?;
                }
            }
            Raw::Text(text) if text.contains(',') => {
                for part in text.split(',') {
                    mask |= one(Raw::Text(part).integer("directions")?)?;
                }
            }
            other => mask = one(other.integer("directions")?)?,
        }
        Ok(mask)
    }
}

impl HistoryQuery {
    /// From `GET` query parameters: times in milliseconds (vega.md B.5).
    pub fn from_query(kind: HistoryKind, params: &HashMap<String, String>) -> Result<Self, String> {
        Self::read(kind, |name| params.get(name).map(|v| Raw::Text(v)), 1)
    }

    /// From a `POST` JSON body: times in seconds (the Phonet platform's client).
    pub fn from_json(kind: HistoryKind, body: &serde_json::Value) -> Result<Self, String> {
        let object = body
            .as_object()
            .ok_or_else(|| "the body must be a JSON object".to_owned())?;
        Self::read(
            kind,
            |name| object.get(name).filter(|v| !v.is_null()).map(Raw::Json),
            1000,
        )
    }

    fn read<'a>(
        kind: HistoryKind,
        get: impl Fn(&str) -> Option<Raw<'a>>,
        to_ms: i64,
    ) -> Result<Self, String> {
        let time = |name: &str| -> Result<i64, String> {
            let value = get(name)
                .ok_or_else(|| format!("{name} is required"))?
                .integer(name)?;
            if value < 0 {
                return Err(format!("{name} must not be negative"));
            }
            value
                .checked_mul(to_ms)
                .ok_or_else(|| format!("{name} is too large"))
        };
        let from_ms = time("timeFrom")?;
        let to_ms = time("timeTo")?;
        if from_ms > to_ms {
            return Err("timeFrom is after timeTo".to_owned());
        }
        let count = |name: &str, default: u64| -> Result<u64, String> {
            match get(name) {
                None => Ok(default),
                Some(raw) => u64::try_from(raw.integer(name)?)
                    .map_err(|_| format!("{name} must not be negative")),
            }
        };
        let limit = count("limit", MAX_LIMIT)?;
        if limit == 0 || limit > MAX_LIMIT {
            return Err(format!("limit must be 1 to {MAX_LIMIT}, got {limit}"));
        }
        let offset = count("offset", 0)?;
        let allowed = kind.allowed_directions();
        let directions = match get("directions") {
            None => DEFAULT_DIRECTIONS,
            Some(_) if allowed == 0 => {
                return Err("missed.api takes no directions parameter".to_owned())
            }
            Some(raw) => {
                let mask = raw.directions()?;
                if mask == 0 || mask & !allowed != 0 {
                    return Err(format!(
                        "directions {mask} is not allowed here: use a sum of {}",
                        bits(allowed)
                    ));
                }
                mask
            }
        };
        Ok(HistoryQuery {
            from_ms,
            to_ms,
            directions,
            limit,
            offset,
        })
    }
}

fn bits(mask: u8) -> String {
    (0..8)
        .map(|bit| 1u8 << bit)
        .filter(|b| mask & b != 0)
        .map(|b| b.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The page of `calls` a query selects, oldest end first (a stable order, so offsets page).
pub(crate) fn select<'a>(
    kind: HistoryKind,
    query: &HistoryQuery,
    calls: &'a [FinishedCall],
) -> Vec<&'a FinishedCall> {
    let in_range = |c: &FinishedCall| {
        i64::try_from(c.end_at_ms).is_ok_and(|at| at >= query.from_ms && at <= query.to_ms)
    };
    let mut selected: Vec<&FinishedCall> = match kind {
        HistoryKind::Company | HistoryKind::Users => calls
            .iter()
            .filter(|c| in_range(c) && c.lg_direction & query.directions != 0)
            .collect(),
        // vega.md B.6: incoming calls not answered and not since answered or called back.
        HistoryKind::Missed => calls
            .iter()
            .filter(|c| in_range(c) && c.lg_direction == 4 && c.disposition != 0)
            .filter(|missed| {
                !calls.iter().any(|later| {
                    later.disposition == 0
                        && later.end_at_ms >= missed.end_at_ms
                        && later.customer.is_some()
                        && later.customer == missed.customer
                })
            })
            .collect(),
    };
    selected.sort_by_key(|c| c.end_at_ms);
    selected
        .into_iter()
        .skip(usize::try_from(query.offset).unwrap_or(usize::MAX))
        .take(usize::try_from(query.limit).unwrap_or(usize::MAX))
        .collect()
}

/// A small valid WAV: 0.1 s of a 440 Hz tone, 8 kHz, 16-bit mono. Every recording sounds alike.
pub(crate) fn recording_wav() -> Vec<u8> {
    const RATE: u32 = 8000;
    let samples: Vec<i16> = (0..RATE / 10)
        .map(|i| {
            let t = f64::from(i) / f64::from(RATE);
            ((t * 440.0 * std::f64::consts::TAU).sin() * 8000.0) as i16
        })
        .collect();
    let data_len = (samples.len() * 2) as u32;
    let mut wav = Vec::with_capacity(44 + data_len as usize);
    wav.extend_from_slice(b"RIFF");
    wav.extend_from_slice(&(36 + data_len).to_le_bytes());
    wav.extend_from_slice(b"WAVEfmt ");
    wav.extend_from_slice(&16u32.to_le_bytes()); // fmt chunk size
    wav.extend_from_slice(&1u16.to_le_bytes()); // PCM
    wav.extend_from_slice(&1u16.to_le_bytes()); // mono
    wav.extend_from_slice(&RATE.to_le_bytes());
    wav.extend_from_slice(&(RATE * 2).to_le_bytes()); // bytes per second
    wav.extend_from_slice(&2u16.to_le_bytes()); // block align
    wav.extend_from_slice(&16u16.to_le_bytes()); // bits per sample
    wav.extend_from_slice(b"data");
    wav.extend_from_slice(&data_len.to_le_bytes());
    for sample in samples {
        wav.extend_from_slice(&sample.to_le_bytes());
    }
    wav
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn query_parameters_are_milliseconds_and_json_ones_seconds() {
        let get = HistoryQuery::from_query(
            HistoryKind::Company,
            &query(&[("timeFrom", "1000"), ("timeTo", "5000"), ("offset", "50")]),
        )
        .unwrap();
        assert_eq!(
            (get.from_ms, get.to_ms, get.limit, get.offset),
            (1000, 5000, 50, 50)
        );
        assert_eq!(get.directions, 7);
        let post = HistoryQuery::from_json(
            HistoryKind::Users,
            &serde_json::json!({"timeFrom": 1, "timeTo": "5", "directions": [32, 64], "limit": 10}),
        )
        .unwrap();
        assert_eq!((post.from_ms, post.to_ms, post.limit), (1000, 5000, 10));
        assert_eq!(post.directions, 96);
    }

    #[test]
    fn bad_parameters_are_refused_with_a_reason() {
        /// The endpoint, its query, and what the refusal must say.
        type Case<'a> = (HistoryKind, &'a [(&'a str, &'a str)], &'a str);
        let cases: &[Case] = &[
            (
                HistoryKind::Company,
                &[("timeTo", "5")],
                "timeFrom is required",
            ),
            (
                HistoryKind::Company,
                &[("timeFrom", "x"), ("timeTo", "5")],
                "timeFrom must be",
            ),
            (
                HistoryKind::Company,
                &[("timeFrom", "9"), ("timeTo", "5")],
                "after",
            ),
            (
                HistoryKind::Company,
                &[("timeFrom", "1"), ("timeTo", "5"), ("limit", "51")],
                "limit",
            ),
            (
                HistoryKind::Company,
                &[("timeFrom", "1"), ("timeTo", "5"), ("directions", "32")],
                "directions",
            ),
            (
                HistoryKind::Missed,
                &[("timeFrom", "1"), ("timeTo", "5"), ("directions", "4")],
                "no directions",
            ),
            (
                HistoryKind::Users,
                &[("timeFrom", "1"), ("timeTo", "5"), ("directions", "1,8")],
                "directions",
            ),
        ];
        for (kind, pairs, reason) in cases {
            let error = HistoryQuery::from_query(*kind, &query(pairs)).unwrap_err();
            assert!(error.contains(reason), "{pairs:?}: {error}");
        }
    }

    #[test]
    fn the_recording_is_a_wav_file() {
        let wav = recording_wav();
        assert_eq!(&wav[..4], b"RIFF");
        assert_eq!(&wav[8..12], b"WAVE");
        let riff_len = u32::from_le_bytes(wav[4..8].try_into().unwrap()) as usize;
        assert_eq!(riff_len + 8, wav.len());
    }
}
