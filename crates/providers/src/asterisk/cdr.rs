//! AMI `Cdr` events (module `cdr_manager`, `cdr_manager.conf` `enabled = yes`) → [`CallRecord`]s.
//!
//! This is all the history AMI offers: a record per call as it ends, pushed live. There is no AMI
//! action to ask for past calls, so calls that ended while Callpop was not connected are not
//! available (FreePBX keeps them in its `asteriskcdrdb` database, which AMI does not reach).
//!
//! The event's times are the PBX's local wall-clock time without a zone
//! (`2024-05-01 09:00:00`), so the caller says which offset the PBX runs at.

use callpop_core::{CallRecord, CallState, Direction, PhoneNumber};
use chrono::{DateTime, FixedOffset, NaiveDateTime, TimeZone, Utc};

use super::events::endpoint_of;
use super::frame::AmiMessage;
use super::PROVIDER;

/// Why a `Cdr` event makes no record.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CdrError {
    /// Not a `Cdr` event.
    #[error("not a Cdr event")]
    NotCdr,
    /// A field the record needs is missing.
    #[error("the Cdr event has no `{0}`")]
    Missing(&'static str),
    /// A time is not `YYYY-MM-DD HH:MM:SS`.
    #[error("the Cdr event's `{field}` is not a time: {value:?}")]
    BadTime {
        /// Which field.
        field: &'static str,
        /// What it held.
        value: String,
    },
}

/// The call a `Cdr` event describes, seen from endpoint `me` (`None`: any extension). The call id
/// is the CDR's `UniqueID`, the first channel's, which is the call's `Linkedid` for calls that
/// start on this PBX, so a CDR lands on the same history row as the live events.
pub fn call_record(
    message: &AmiMessage,
    me: Option<&str>,
    region: &str,
    pbx_offset: FixedOffset,
) -> Result<CallRecord, CdrError> {
    if message.event() != Some("Cdr") {
        return Err(CdrError::NotCdr);
    }
    let get = |key| message.get(key).map(str::trim).filter(|v| !v.is_empty());
    let call_id = get("UniqueID").ok_or(CdrError::Missing("UniqueID"))?;
    let time = |key: &'static str| -> Result<Option<DateTime<Utc>>, CdrError> {
        get(key)
            .map(|value| {
                local_time(value, pbx_offset).ok_or_else(|| CdrError::BadTime {
                    field: key,
                    value: value.to_owned(),
                })
            })
            .transpose()
    };
    let started_at = time("StartTime")?.ok_or(CdrError::Missing("StartTime"))?;
    let answered_at = time("AnswerTime")?;
    let ended_at = time("EndTime")?;
    let channel_endpoint = get("Channel").and_then(endpoint_of);
    let dest_endpoint = get("DestinationChannel").and_then(endpoint_of);
    let is_me = |endpoint: Option<&str>| match (me, endpoint) {
        (Some(me), Some(endpoint)) => me == endpoint,
        (None, Some(endpoint)) => matches!(
            PhoneNumber::parse(endpoint, region),
            PhoneNumber::Extension(_)
        ),
        _ => false,
    };
    let (direction, customer, employee) = if is_me(channel_endpoint) {
        let direction = if is_me(dest_endpoint) {
            Direction::Internal
        } else {
            Direction::Out
        };
        (direction, get("Destination"), channel_endpoint)
    } else {
        (Direction::In, get("Source"), dest_endpoint)
    };
    let answered = get("Disposition") == Some("ANSWERED");
    let state = match (answered, direction) {
        (true, _) => CallState::Ended,
        (false, Direction::In) => CallState::Missed,
        (false, _) => CallState::Cancelled,
    };
    let seconds = |key| get(key).and_then(|v| v.parse::<i64>().ok());
    Ok(CallRecord {
        outcome: None,
        rang: Vec::new(),
        provider: PROVIDER.to_owned(),
        call_id: call_id.to_owned(),
        direction,
        state,
        customer: customer.map(|n| PhoneNumber::parse(n, region)),
        employee: employee.map(str::to_owned),
        contact_name: None,
        started_at,
        answered_at: if answered { answered_at } else { None },
        ended_at,
        duration_seconds: seconds("Duration"),
        talk_seconds: seconds("BillableSeconds"),
        recording: None,
        transfer: None,
        note: None,
        answered_by: if answered {
            dest_endpoint.map(str::to_owned)
        } else {
            None
        },
    })
}

fn local_time(value: &str, offset: FixedOffset) -> Option<DateTime<Utc>> {
    let naive = NaiveDateTime::parse_from_str(value, "%Y-%m-%d %H:%M:%S").ok()?;
    offset
        .from_local_datetime(&naive)
        .single()
        .map(|at| at.with_timezone(&Utc))
}
