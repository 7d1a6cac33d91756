//! Call history, in the same SQLite file as the directory.
//!
//! One row per (provider, call id): recording a call again (it was answered, then ended, or
//! another leg of it rang a colleague) merges into the row ([`crate::call_legs::merge`]), so the
//! last leg written never hides the others. Times are RFC 3339 text in UTC with nanoseconds, so they come back exactly as recorded
//! and sort as text.

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{params, Row};
use serde::{Deserialize, Serialize};

use crate::call_legs;
use crate::event::{CallState, Direction};
use crate::outcome::Outcome;
use crate::phone::PhoneNumber;
use crate::store::{Store, StoreError};

/// One call as history keeps it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CallRecord {
    /// Provider module name.
    pub provider: String,
    /// The PBX's id of the call (the root id for group calls).
    pub call_id: String,
    /// Which way it went.
    pub direction: Direction,
    /// Its latest state.
    pub state: CallState,
    /// What became of it once over, as precisely as the PBX said (busy, no answer, ...); `None`
    /// while it goes on. See [`Outcome`] for the values.
    #[serde(default)]
    pub outcome: Option<Outcome>,
    /// The outside party.
    pub customer: Option<PhoneNumber>,
    /// Extension of the employee who had it (the first its PBX named).
    pub employee: Option<String>,
    /// Every extension the call rang, in order, when it rang more than one (a department's
    /// call, its legs merged); empty otherwise.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rang: Vec<String>,
    /// Contact name at the time of the call.
    pub contact_name: Option<String>,
    /// When it started ringing.
    pub started_at: DateTime<Utc>,
    /// When it was answered.
    pub answered_at: Option<DateTime<Utc>>,
    /// When it ended.
    pub ended_at: Option<DateTime<Utc>>,
    /// Seconds from the first ring to the end, when the PBX's history says (Vega `duration`).
    #[serde(default)]
    pub duration_seconds: Option<i64>,
    /// Seconds of conversation, when the PBX's history says (Vega `billSecs`).
    #[serde(default)]
    pub talk_seconds: Option<i64>,
    /// Where the PBX keeps the call's recording.
    #[serde(default)]
    pub recording: Option<String>,
    /// Transfers between employees as the PBX writes them (Vega: `"003 > 001"`).
    #[serde(default)]
    pub transfer: Option<String>,
    /// Extension of the employee who took the call in the end (after any transfer).
    #[serde(default)]
    pub answered_by: Option<String>,
    /// What the PBX adds in words: the Autodialer's recognized answer ("да, интересно").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl Store {
    /// Saves a call, merged with what was recorded of it before (the same leg seen earlier, or
    /// another leg of it): fields the new record lacks keep their values, so a live event
    /// recorded after an import does not erase durations or the recording.
    pub fn record_call(&self, call: &CallRecord) -> Result<(), StoreError> {
        let mut conn = self.lock();
        let tx = conn.transaction()?;
        save_merged(&tx, call)?;
        tx.commit()?;
        Ok(())
    }

    /// Saves calls from a PBX's history in one transaction, each merged with what was recorded
    /// of it (and with its other legs in `calls`); returns how many records were given. What the
    /// history leaves unknown keeps the value recorded earlier, e.g. the contact name the caller
    /// card showed.
    pub fn import_history(&self, calls: &[CallRecord]) -> Result<usize, StoreError> {
        let mut conn = self.lock();
        let tx = conn.transaction()?;
        for call in calls {
            save_merged(&tx, call)?;
        }
        tx.commit()?;
        Ok(calls.len())
    }

    /// The latest calls with this number, newest first.
    pub fn calls_with(
        &self,
        number: &PhoneNumber,
        limit: usize,
    ) -> Result<Vec<CallRecord>, StoreError> {
        self.query_calls(
            "WHERE customer_key = ?1 ORDER BY started_at DESC, id DESC LIMIT ?2",
            params![number.key(), sql_limit(limit)],
        )
    }

    /// One call by its PBX's id, if the history has it.
    pub fn call(&self, provider: &str, call_id: &str) -> Result<Option<CallRecord>, StoreError> {
        Ok(self
            .query_calls(
                "WHERE provider = ?1 AND call_id = ?2",
                params![provider, call_id],
            )?
            .pop())
    }

    /// The latest calls, newest first.
    pub fn recent_calls(&self, limit: usize) -> Result<Vec<CallRecord>, StoreError> {
        self.query_calls(
            "ORDER BY started_at DESC, id DESC LIMIT ?1",
            params![sql_limit(limit)],
        )
    }

    fn query_calls(
        &self,
        tail: &str,
        args: &[&dyn rusqlite::ToSql],
    ) -> Result<Vec<CallRecord>, StoreError> {
        query_calls(&self.lock(), tail, args)
    }
}

fn query_calls(
    conn: &rusqlite::Connection,
    tail: &str,
    args: &[&dyn rusqlite::ToSql],
) -> Result<Vec<CallRecord>, StoreError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT provider, call_id, direction, state, customer_key, employee, contact_name,
                started_at, answered_at, ended_at, duration_seconds, talk_seconds, recording,
                transfer, answered_by, note, outcome, rang
         FROM calls {tail}"
    ))?;
    let rows = stmt.query_map(args, read_call)?;
    let mut calls = Vec::new();
    for row in rows {
        match row? {
            Ok(call) => calls.push(call),
            // A row this version cannot read (a newer Callpop's state name, a hand-edited
            // time) is left out of the list rather than hiding all the others.
            Err(problem) => tracing::warn!(%problem, "call history row skipped"),
        }
    }
    Ok(calls)
}

/// Writes `call` merged with the row already kept for it, if any.
fn save_merged(tx: &rusqlite::Transaction<'_>, call: &CallRecord) -> Result<(), StoreError> {
    let earlier = query_calls(
        tx,
        "WHERE provider = ?1 AND call_id = ?2",
        params![call.provider, call.call_id],
    )?
    .pop();
    let merged = match earlier {
        Some(earlier) => call_legs::merge(earlier, call.clone()),
        None => call.clone(),
    };
    upsert(tx, &merged)
}

/// A call's row, written whole: [`save_merged`] has already folded in what the row held.
const UPSERT_CALL: &str = "INSERT INTO calls (provider, call_id, direction, state, customer_key,
        employee, contact_name, started_at, answered_at, ended_at, duration_seconds,
        talk_seconds, recording, transfer, answered_by, note, outcome, rang)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)
     ON CONFLICT (provider, call_id) DO UPDATE SET
        direction = excluded.direction,
        state = excluded.state,
        customer_key = excluded.customer_key,
        employee = excluded.employee,
        contact_name = excluded.contact_name,
        started_at = excluded.started_at,
        answered_at = excluded.answered_at,
        ended_at = excluded.ended_at,
        duration_seconds = excluded.duration_seconds,
        talk_seconds = excluded.talk_seconds,
        recording = excluded.recording,
        transfer = excluded.transfer,
        answered_by = excluded.answered_by,
        note = excluded.note,
        outcome = excluded.outcome,
        rang = excluded.rang";

fn upsert(conn: &rusqlite::Connection, call: &CallRecord) -> Result<(), StoreError> {
    conn.prepare_cached(UPSERT_CALL)?.execute(params![
        call.provider,
        call.call_id,
        call.direction.as_str(),
        call.state.as_str(),
        call.customer.as_ref().map(PhoneNumber::key),
        call.employee,
        call.contact_name,
        timestamp(&call.started_at),
        call.answered_at.as_ref().map(timestamp),
        call.ended_at.as_ref().map(timestamp),
        call.duration_seconds,
        call.talk_seconds,
        call.recording,
        call.transfer,
        call.answered_by,
        call.note,
        call.outcome
            .or_else(|| Outcome::of_state(call.state))
            .map(Outcome::as_str),
        (!call.rang.is_empty()).then(|| call.rang.join(",")),
    ])?;
    Ok(())
}

/// SQLite's LIMIT is signed; anything beyond is "no limit" anyway.
fn sql_limit(limit: usize) -> i64 {
    i64::try_from(limit).unwrap_or(i64::MAX)
}

fn timestamp(at: &DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Nanos, true)
}

fn parse_timestamp(text: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(text)
        .map(|at| at.with_timezone(&Utc))
        .map_err(|e| format!("bad time {text:?}: {e}"))
}

/// A row as a call; the inner `Err` says why a row that SQLite read fine makes no call.
fn read_call(row: &Row<'_>) -> rusqlite::Result<Result<CallRecord, String>> {
    let raw = StoredCall {
        provider: row.get(0)?,
        call_id: row.get(1)?,
        direction: row.get(2)?,
        state: row.get(3)?,
        customer_key: row.get(4)?,
        employee: row.get(5)?,
        contact_name: row.get(6)?,
        started_at: row.get(7)?,
        answered_at: row.get(8)?,
        ended_at: row.get(9)?,
        duration_seconds: row.get(10)?,
        talk_seconds: row.get(11)?,
        recording: row.get(12)?,
        transfer: row.get(13)?,
        answered_by: row.get(14)?,
        note: row.get(15)?,
        outcome: row.get(16)?,
        rang: row.get(17)?,
    };
    Ok(raw.decode())
}

/// A `calls` row as SQLite holds it.
struct StoredCall {
    provider: String,
    call_id: String,
    direction: String,
    state: String,
    customer_key: Option<String>,
    employee: Option<String>,
    contact_name: Option<String>,
    started_at: String,
    answered_at: Option<String>,
    ended_at: Option<String>,
    duration_seconds: Option<i64>,
    talk_seconds: Option<i64>,
    recording: Option<String>,
    transfer: Option<String>,
    answered_by: Option<String>,
    note: Option<String>,
    outcome: Option<String>,
    rang: Option<String>,
}

impl StoredCall {
    fn decode(self) -> Result<CallRecord, String> {
        let state =
            state_from(&self.state).ok_or_else(|| format!("unknown state {:?}", self.state))?;
        // Rows written before outcomes were kept (or by a newer Callpop with a new name) say
        // what their state says.
        let outcome = self
            .outcome
            .as_deref()
            .and_then(Outcome::from_name)
            .or_else(|| Outcome::of_state(state));
        Ok(CallRecord {
            direction: direction_from(&self.direction)
                .ok_or_else(|| format!("unknown direction {:?}", self.direction))?,
            state,
            outcome,
            rang: self
                .rang
                .map(|r| r.split(',').map(str::to_owned).collect())
                .unwrap_or_default(),
            customer: self.customer_key.as_deref().map(PhoneNumber::from_key),
            started_at: parse_timestamp(&self.started_at)?,
            answered_at: self
                .answered_at
                .as_deref()
                .map(parse_timestamp)
                .transpose()?,
            ended_at: self.ended_at.as_deref().map(parse_timestamp).transpose()?,
            provider: self.provider,
            call_id: self.call_id,
            employee: self.employee,
            contact_name: self.contact_name,
            duration_seconds: self.duration_seconds,
            talk_seconds: self.talk_seconds,
            recording: self.recording,
            transfer: self.transfer,
            answered_by: self.answered_by,
            note: self.note,
        })
    }
}

fn direction_from(text: &str) -> Option<Direction> {
    [Direction::In, Direction::Out, Direction::Internal]
        .into_iter()
        .find(|d| d.as_str() == text)
}

fn state_from(text: &str) -> Option<CallState> {
    [
        CallState::Ringing,
        CallState::Answered,
        CallState::Ended,
        CallState::Missed,
        CallState::Cancelled,
        CallState::Transferred,
    ]
    .into_iter()
    .find(|s| s.as_str() == text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};

    fn ru(s: &str) -> PhoneNumber {
        PhoneNumber::parse(s, "RU")
    }

    fn at(minute: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2024, 5, 1, 9, minute, 0).unwrap()
    }

    fn call(id: &str, customer: &str, minute: u32) -> CallRecord {
        CallRecord {
            outcome: None,
            rang: Vec::new(),
            provider: "vega".into(),
            call_id: id.into(),
            direction: Direction::In,
            state: CallState::Ringing,
            customer: Some(ru(customer)),
            employee: Some("101".into()),
            contact_name: None,
            started_at: at(minute),
            answered_at: None,
            ended_at: None,
            duration_seconds: None,
            talk_seconds: None,
            recording: None,
            transfer: None,
            note: None,
            answered_by: None,
        }
    }

    fn ids(calls: &[CallRecord]) -> Vec<&str> {
        calls.iter().map(|c| c.call_id.as_str()).collect()
    }

    #[test]
    fn one_call_is_found_by_its_provider_and_id() {
        let store = Store::open_in_memory("RU").unwrap();
        store.record_call(&call("a", "+79101234567", 1)).unwrap();
        store.record_call(&call("b", "+79101234568", 2)).unwrap();
        let found = store
            .call("vega", "b")
            .unwrap()
            .expect("b is in the history");
        assert_eq!(found.call_id, "b");
        assert!(store.call("vega", "c").unwrap().is_none());
        assert!(store.call("cloudpbx", "b").unwrap().is_none());
    }

    #[test]
    fn history_survives_reopening_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("history").join("callpop.sqlite");
        // Nanoseconds, a zone other than UTC on the way in: the record must come back exactly.
        let started = chrono::DateTime::parse_from_rfc3339("2024-05-01T12:30:15.123456789+03:00")
            .unwrap()
            .with_timezone(&Utc);
        let full = CallRecord {
            outcome: None,
            rang: Vec::new(),
            provider: "vega".into(),
            call_id: "c-1".into(),
            direction: Direction::Out,
            state: CallState::Ended,
            customer: Some(ru("8 (910) 123-45-67")),
            employee: Some("101".into()),
            contact_name: Some("Иван Петров".into()),
            started_at: started,
            answered_at: Some(started + Duration::seconds(7)),
            ended_at: Some(started + Duration::milliseconds(95_500)),
            duration_seconds: Some(96),
            talk_seconds: Some(88),
            recording: Some("https://test4.pbx.vega.ua/rest/public/calls/c-1/audio".into()),
            transfer: Some("003 > 101".into()),
            note: None,
            answered_by: Some("101".into()),
        };
        let bare = CallRecord {
            outcome: None,
            rang: Vec::new(),
            provider: "other".into(),
            call_id: "c-1".into(),
            direction: Direction::Internal,
            state: CallState::Missed,
            customer: Some(PhoneNumber::Sip {
                user: "102".into(),
                host: Some("pbx".into()),
            }),
            employee: None,
            contact_name: None,
            started_at: started - Duration::hours(1),
            answered_at: None,
            ended_at: None,
            duration_seconds: None,
            talk_seconds: None,
            recording: None,
            transfer: None,
            note: None,
            answered_by: None,
        };
        {
            let store = Store::open(&path, "RU").unwrap();
            store.record_call(&full).unwrap();
            store.record_call(&bare).unwrap();
        }
        let store = Store::open(&path, "RU").unwrap();
        // A finished call comes back with the outcome its state tells.
        let (mut full, mut bare) = (full, bare);
        full.outcome = Outcome::of_state(full.state);
        bare.outcome = Outcome::of_state(bare.state);
        assert_eq!(
            store.recent_calls(10).unwrap(),
            vec![full.clone(), bare.clone()]
        );
        assert_eq!(
            store.calls_with(&ru("+79101234567"), 10).unwrap(),
            vec![full]
        );
        assert_eq!(
            store.calls_with(&bare.customer.unwrap(), 10).unwrap().len(),
            1
        );
    }

    #[test]
    fn recording_again_replaces_the_call() {
        let store = Store::open_in_memory("RU").unwrap();
        let mut c = call("c-1", "+79101234567", 0);
        store.record_call(&c).unwrap();
        c.state = CallState::Ended;
        c.answered_at = Some(at(1));
        c.ended_at = Some(at(5));
        c.contact_name = Some("Иван".into());
        store.record_call(&c).unwrap();
        c.outcome = Some(Outcome::Answered);
        assert_eq!(store.recent_calls(10).unwrap(), vec![c.clone()]);
        // The same call id from another provider is another call.
        let mut other = c.clone();
        other.provider = "other".into();
        store.record_call(&other).unwrap();
        assert_eq!(store.recent_calls(10).unwrap().len(), 2);
    }

    #[test]
    fn a_colleague_answering_the_leg_that_rang_me_makes_one_answered_call() {
        let store = Store::open_in_memory("RU").unwrap();
        let mut mine = call("c-1", "+79101234567", 0);
        mine.employee = Some("001".into());
        mine.state = CallState::Missed;
        mine.ended_at = Some(at(1));
        let mut theirs = call("c-1", "+79101234567", 0);
        theirs.employee = Some("004".into());
        theirs.state = CallState::Ended;
        theirs.answered_at = Some(at(1));
        theirs.ended_at = Some(at(6));
        theirs.talk_seconds = Some(300);
        // The history lists the answered leg first; my missed leg, imported last, must not
        // hide it.
        store.import_history(&[theirs, mine.clone()]).unwrap();
        let calls = store.recent_calls(10).unwrap();
        assert_eq!(calls.len(), 1, "{calls:#?}");
        assert_eq!(calls[0].state, CallState::Ended);
        assert_eq!(calls[0].outcome, Some(Outcome::Answered));
        assert_eq!(calls[0].answered_by.as_deref(), Some("004"));
        assert_eq!(calls[0].rang, ["004", "001"]);
        assert_eq!(calls[0].ended_at, Some(at(6)));
        // My live record of the missed leg, saved again later, changes nothing of that.
        store.record_call(&mine).unwrap();
        assert_eq!(store.recent_calls(10).unwrap()[0].state, CallState::Ended);
    }

    #[test]
    fn the_outcome_the_pbx_gave_is_kept() {
        let store = Store::open_in_memory("RU").unwrap();
        let mut busy = call("c-2", "+79101234567", 0);
        busy.direction = Direction::Out;
        busy.state = CallState::Cancelled;
        busy.outcome = Some(Outcome::Busy);
        busy.ended_at = Some(at(1));
        store.record_call(&busy).unwrap();
        assert_eq!(store.recent_calls(10).unwrap(), vec![busy.clone()]);
        // A live record without the PBX's reason, saved after, keeps it.
        let mut live = busy.clone();
        live.outcome = None;
        store.record_call(&live).unwrap();
        assert_eq!(
            store.recent_calls(10).unwrap()[0].outcome,
            Some(Outcome::Busy)
        );
    }

    #[test]
    fn calls_come_newest_first_and_are_limited() {
        let store = Store::open_in_memory("RU").unwrap();
        // Recorded out of order on purpose.
        for (id, number, minute) in [
            ("a", "+79101234567", 10),
            ("b", "+74957776655", 30),
            ("c", "89101234567", 20),
            ("d", "+79101234567", 40),
        ] {
            store.record_call(&call(id, number, minute)).unwrap();
        }
        assert_eq!(ids(&store.recent_calls(10).unwrap()), ["d", "b", "c", "a"]);
        assert_eq!(ids(&store.recent_calls(2).unwrap()), ["d", "b"]);
        assert!(store.recent_calls(0).unwrap().is_empty());
        assert_eq!(
            ids(&store.calls_with(&ru("8 910 123 45 67"), 10).unwrap()),
            ["d", "c", "a"]
        );
        assert_eq!(
            ids(&store.calls_with(&ru("+79101234567"), 1).unwrap()),
            ["d"]
        );
        assert!(store
            .calls_with(&ru("+79990000000"), 10)
            .unwrap()
            .is_empty());
        assert_eq!(store.recent_calls(usize::MAX).unwrap().len(), 4);
    }

    #[test]
    fn a_call_without_customer_is_kept() {
        let store = Store::open_in_memory("RU").unwrap();
        let mut c = call("anon", "101", 0);
        c.customer = None;
        store.record_call(&c).unwrap();
        assert_eq!(store.recent_calls(10).unwrap(), vec![c]);
    }

    #[test]
    fn unreadable_rows_are_left_out_not_fatal() {
        let store = Store::open_in_memory("RU").unwrap();
        store.record_call(&call("good", "+79101234567", 0)).unwrap();
        store
            .lock()
            .execute(
                "INSERT INTO calls (provider, call_id, direction, state, started_at)
                 VALUES ('vega', 'future', 'sideways', 'ended', '2024-05-01T10:00:00Z'),
                        ('vega', 'bad-time', 'in', 'ended', 'yesterday')",
                [],
            )
            .unwrap();
        assert_eq!(ids(&store.recent_calls(10).unwrap()), ["good"]);
    }

    #[test]
    fn a_live_record_after_an_import_keeps_the_history_fields() {
        let store = Store::open_in_memory("RU").unwrap();
        let mut imported = call("c-1", "+79101234567", 0);
        imported.state = CallState::Ended;
        imported.talk_seconds = Some(42);
        imported.duration_seconds = Some(50);
        imported.recording = Some("https://pbx/rest/public/calls/c-1/audio".into());
        imported.transfer = Some("003 > 101".into());
        imported.answered_by = Some("101".into());
        assert_eq!(store.import_history(&[imported.clone()]).unwrap(), 1);
        // A late live event knows none of them, and must not erase them.
        let mut live = call("c-1", "+79101234567", 0);
        live.state = CallState::Ended;
        live.contact_name = Some("Иван".into());
        store.record_call(&live).unwrap();
        let saved = store.recent_calls(10).unwrap();
        assert_eq!(saved.len(), 1);
        assert_eq!(saved[0].talk_seconds, Some(42));
        assert_eq!(saved[0].recording, imported.recording);
        assert_eq!(saved[0].transfer.as_deref(), Some("003 > 101"));
        assert_eq!(saved[0].contact_name.as_deref(), Some("Иван"));
    }

    #[test]
    fn importing_history_upserts_and_keeps_the_known_contact_name() {
        let store = Store::open_in_memory("RU").unwrap();
        let mut live = call("c-1", "+79101234567", 0);
        live.contact_name = Some("Иван".into());
        store.record_call(&live).unwrap();
        let mut from_pbx = call("c-1", "+79101234567", 0);
        from_pbx.state = CallState::Missed;
        from_pbx.duration_seconds = Some(20);
        let other = call("c-2", "+74957776655", 5);
        assert_eq!(store.import_history(&[from_pbx, other]).unwrap(), 2);
        let saved = store.recent_calls(10).unwrap();
        assert_eq!(ids(&saved), ["c-2", "c-1"]);
        assert_eq!(saved[1].state, CallState::Missed);
        assert_eq!(saved[1].duration_seconds, Some(20));
        assert_eq!(saved[1].contact_name.as_deref(), Some("Иван"));
        assert_eq!(store.import_history(&[]).unwrap(), 0);
    }

    #[test]
    fn names_round_trip() {
        for d in [Direction::In, Direction::Out, Direction::Internal] {
            assert_eq!(direction_from(d.as_str()), Some(d));
        }
        for s in [
            CallState::Ringing,
            CallState::Answered,
            CallState::Ended,
            CallState::Missed,
            CallState::Cancelled,
            CallState::Transferred,
        ] {
            assert_eq!(state_from(s.as_str()), Some(s));
        }
        assert_eq!(state_from("Ended"), None);
    }
}
