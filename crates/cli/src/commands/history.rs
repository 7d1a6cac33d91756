//! `history [--since DATE] [--until DATE] [--missed] [--json]`: finished calls from the PBX's own
//! history, one line each. They are also saved to the local history, so caller cards show them.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Context as _;
use callpop_core::{secrets, CallRecord};
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
    /// One JSON object per line (`call_id`, `direction`, `status`, `customer`, `employee`,
    /// `started_at`, `duration_s`, `talk_s`, `recording`, ...) instead of text.
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
    // The PBX stays the source; a local store that cannot be written costs only the cache.
    match context::store(&config).and_then(|store| {
        store
            .import_history(&records)
            .context("saving to the local history")
    }) {
        Ok(_) => {}
        Err(error) => eprintln!("callpop-cli: warning: {error:#}"),
    }
    let mut out = std::io::stdout().lock();
    for record in &records {
        let line = if args.json {
            serde_json::to_string(&json_line(record))?
        } else {
            text_line(record)
        };
        writeln!(out, "{line}")?;
    }
    Ok(ExitCode::SUCCESS)
}

fn json_line(record: &CallRecord) -> serde_json::Value {
    serde_json::json!({
        "call_id": record.call_id,
        "direction": record.direction.as_str(),
        "status": record.state.as_str(),
        "customer": record.customer.as_ref().map(|c| c.key()),
        "contact": record.contact_name,
        "employee": record.employee,
        "answered_by": record.answered_by,
        "started_at": record.started_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "duration_s": record.duration_seconds,
        "talk_s": record.talk_seconds,
        "transfer": record.transfer,
        "recording": record.recording,
    })
}

fn text_line(record: &CallRecord) -> String {
    let seconds = |s: Option<i64>| s.map_or_else(|| "-".to_owned(), |s| format!("{s}s"));
    format!(
        "{} {:<8} {:<9} {:<18} {:<6} {:>6} talk {:>6}{}",
        record.started_at.format("%Y-%m-%d %H:%M:%S"),
        record.direction.as_str(),
        record.state.as_str(),
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
    )
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
