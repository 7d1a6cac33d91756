//! `history [--since DATE] [--until DATE] [--missed] [--json]`: finished calls from the PBX's own
//! history, one line each. They are also saved to the local history, so caller cards show them.

use std::collections::HashMap;
use std::io::Write;
use std::process::ExitCode;

use anyhow::Context as _;
use callpop_core::{secrets, CallRecord, Store, StoreError, UtmTags};
use callpop_providers::Account;
use chrono::{DateTime, Duration, NaiveDate, Utc};

use crate::context::{self, AccountFlags};

/// Arguments of `history`.
#[derive(clap::Args)]
pub struct Args {
    /// Calls that ended from then on: RFC 3339 (2024-05-01T09:00:00+03:00) or YYYY-MM-DD (the
    /// start of that day, UTC). Default: 24 hours ago.
    #[arg(long, value_parser = since_date)]
    since: Option<DateTime<Utc>>,
    /// Calls that ended until then: RFC 3339, or YYYY-MM-DD (the whole of that day, UTC).
    /// Default: now.
    #[arg(long, value_parser = until_date)]
    until: Option<DateTime<Utc>>,
    /// Only incoming calls that still need a call-back.
    #[arg(long)]
    missed: bool,
    /// One JSON object per call and line (`call_id`, `direction`, `status`, `outcome`:
    /// answered, missed, no_answer, busy, failed or cancelled, `customer`, `employee`, `rang`,
    /// `answered_by`, `started_at`, `duration_s`, `talk_s`, `recording`, ..., and `utm` for calls
    /// with UTM tags) instead of text.
    #[arg(long)]
    json: bool,
}

/// Fetches, saves and prints the history.
pub async fn run(flags: &AccountFlags, args: Args) -> anyhow::Result<ExitCode> {
    let until = args.until.unwrap_or_else(Utc::now);
    let since = args.since.unwrap_or(until - Duration::hours(24));
    let config = context::config(flags)?;
    let account = context::account(&config)?;
    let key = secrets::api_key(&account)?;
    let records = Account::connect(&account, &key, config.region())?
        .history(since, until, args.missed)
        .await?;
    // The PBX stays the source; a local store that cannot be written costs only the cache (and
    // the UTM tags the relay saved there).
    let utm = match context::store(&config).and_then(|store| {
        store
            .import_history(&records)
            .context("saving to the local history")?;
        utm_tags(&store, &records).context("reading the calls' UTM tags")
    }) {
        Ok(utm) => utm,
        Err(error) => {
            eprintln!("callpop-cli: warning: {error:#}");
            HashMap::new()
        }
    };
    let mut out = std::io::stdout().lock();
    for record in &records {
        let tags = utm.get(&(record.provider.clone(), record.call_id.clone()));
        let line = if args.json {
            serde_json::to_string(&json_line(record, tags))?
        } else {
            text_line(record, tags)
        };
        writeln!(out, "{line}")?;
    }
    Ok(ExitCode::SUCCESS)
}

/// The UTM tags saved for `records` (vega.md A.3, by the relay), by (provider, call id).
fn utm_tags(
    store: &Store,
    records: &[CallRecord],
) -> Result<HashMap<(String, String), UtmTags>, StoreError> {
    let mut by_provider: HashMap<&str, Vec<&str>> = HashMap::new();
    for record in records {
        by_provider
            .entry(record.provider.as_str())
            .or_default()
            .push(record.call_id.as_str());
    }
    let mut tags = HashMap::new();
    for (provider, ids) in by_provider {
        for (call_id, call_tags) in store.utm_tags_of_calls(provider, &ids)? {
            tags.insert((provider.to_owned(), call_id), call_tags);
        }
    }
    Ok(tags)
}

fn json_line(record: &CallRecord, utm: Option<&UtmTags>) -> serde_json::Value {
    let mut line = serde_json::json!({
        "call_id": record.call_id,
        "direction": record.direction.as_str(),
        "status": record.state.as_str(),
        "outcome": record.outcome.map(|o| o.as_str()),
        "customer": record.customer.as_ref().map(|c| c.key()),
        "contact": record.contact_name,
        "employee": record.employee,
        "rang": record.rang,
        "answered_by": record.answered_by,
        "started_at": record.started_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "duration_s": record.duration_seconds,
        "talk_s": record.talk_seconds,
        "transfer": record.transfer,
        "recording": record.recording,
        "note": record.note,
    });
    if let (Some(utm), Some(object)) = (utm, line.as_object_mut()) {
        object.insert("utm".to_owned(), serde_json::json!(utm));
    }
    line
}

fn text_line(record: &CallRecord, utm: Option<&UtmTags>) -> String {
    let seconds = |s: Option<i64>| s.map_or_else(|| "-".to_owned(), |s| format!("{s}s"));
    format!(
        "{} {:<8} {:<9} {:<18} {:<6} {:>6} talk {:>6}{}{}",
        record.started_at.format("%Y-%m-%d %H:%M:%S"),
        record.direction.as_str(),
        record
            .outcome
            .map_or_else(|| record.state.as_str(), |o| o.as_str()),
        record
            .customer
            .as_ref()
            .map_or_else(|| "-".to_owned(), |c| c.display()),
        record.employee.as_deref().unwrap_or("-"),
        seconds(record.duration_seconds),
        seconds(record.talk_seconds),
        if record.recording.is_some() {
            " [recorded]"
        } else {
            ""
        },
        utm.map(utm_suffix).unwrap_or_default(),
    )
}

/// ` [utm: google/cpc]`: the campaign's source and channel, what a manager scans for; the
/// label when neither is set.
fn utm_suffix(utm: &UtmTags) -> String {
    let known = |name: &str| {
        utm.get(name)
            .map(|value| value.split_whitespace().collect::<Vec<_>>().join(" "))
            .filter(|value| !value.is_empty() && value != "(not set)")
    };
    let shown: Vec<String> = [known("utmSource"), known("utmMedium")]
        .into_iter()
        .flatten()
        .collect();
    let shown = if shown.is_empty() {
        known("label").unwrap_or_else(|| "tagged".to_owned())
    } else {
        shown.join("/")
    };
    format!(" [utm: {shown}]")
}

fn since_date(text: &str) -> Result<DateTime<Utc>, String> {
    parse_date(text, false)
}

fn until_date(text: &str) -> Result<DateTime<Utc>, String> {
    parse_date(text, true)
}

/// RFC 3339, or a day: its start, or (`end_of_day`) the start of the next one.
fn parse_date(text: &str, end_of_day: bool) -> Result<DateTime<Utc>, String> {
    let text = text.trim();
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Ok(at.with_timezone(&Utc));
    }
    let day = NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| {
        format!("{text:?} is not a date: write 2024-05-01 or 2024-05-01T09:00:00+03:00")
    })?;
    let day = if end_of_day {
        day.succ_opt()
    } else {
        Some(day)
    };
    day.and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|at| at.and_utc())
        .ok_or_else(|| format!("{text:?} is out of range"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_text_suffix_names_source_and_channel_or_the_label() {
        let tags = |pairs: &[(&str, &str)]| -> UtmTags {
            pairs
                .iter()
                .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
                .collect()
        };
        assert_eq!(
            utm_suffix(&tags(&[("utmSource", "google"), ("utmMedium", "cpc")])),
            " [utm: google/cpc]"
        );
        assert_eq!(
            utm_suffix(&tags(&[
                ("utmSource", "(not set)"),
                ("label", "callcatcher\n firstcall")
            ])),
            " [utm: callcatcher firstcall]"
        );
        assert_eq!(
            utm_suffix(&tags(&[("clientIp", "1.2.3.4")])),
            " [utm: tagged]"
        );
    }

    #[test]
    fn dates_are_rfc_3339_or_whole_days() {
        assert_eq!(
            since_date("2024-05-01T12:00:00+03:00")
                .unwrap()
                .to_rfc3339(),
            "2024-05-01T09:00:00+00:00"
        );
        assert_eq!(
            since_date("2024-05-01").unwrap().to_rfc3339(),
            "2024-05-01T00:00:00+00:00"
        );
        assert_eq!(
            until_date("2024-05-01").unwrap().to_rfc3339(),
            "2024-05-02T00:00:00+00:00"
        );
        for bad in ["yesterday", "2024-13-01", "01.05.2024", ""] {
            assert!(
                since_date(bad).unwrap_err().contains("is not a date"),
                "{bad}"
            );
        }
    }
}
