//! "Dialing" a record: a `cdr` row, and the completion webhook (autodialer.md) with the spec's
//! parameter labels: `Номер_абонента`, `Продолжительность_вызова`, `Запись(wav)`,
//! `Распознанный_ответ_человека`.

use std::time::Duration;

use chrono::{FixedOffset, TimeZone, Utc};
use serde_json::{json, Value};

use super::{SimCdrRow, SimRecord, SimState, WebhookEncoding};

/// How long one webhook delivery may take.
pub(super) const DELIVERY_TIMEOUT: Duration = Duration::from_secs(10);

/// One completion webhook the simulator sent, and what came back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// The fields sent.
    pub fields: Vec<(String, String)>,
    /// The receiver's HTTP status; `None` when the request failed.
    pub status: Option<u16>,
    /// The receiver's body, or why the request failed.
    pub body: String,
}

/// Dials the record at `index` of the list now.
pub(super) fn dial(state: &std::sync::Arc<SimState>, index: usize) {
    let now = Utc::now().timestamp();
    let mut live = state.live();
    let Some(record) = live.records.get_mut(index) else {
        return;
    };
    if record.dialed {
        return;
    }
    record.dialed = true;
    let record = record.clone();
    let outcome = state
        .config
        .outcomes
        .get(&record.phone)
        .unwrap_or(&state.config.default_outcome)
        .clone();
    live.cdr.push(SimCdrRow {
        query_id: record.query_id,
        dst: record.phone.clone(),
        at: now,
        code: outcome.code.clone(),
        sec: outcome.seconds,
    });
    let Some(url) = state.config.webhook_url.clone() else {
        return;
    };
    let mut fields = vec![
        ("Номер_абонента".to_owned(), record.phone.clone()),
        (
            "Продолжительность_вызова".to_owned(),
            outcome.seconds.to_string(),
        ),
    ];
    if outcome.seconds > 0 {
        fields.push(("Запись(wav)".to_owned(), recording_url(state, &record)));
    }
    if let Some(answer) = &outcome.answer {
        fields.push(("Распознанный_ответ_человека".to_owned(), answer.clone()));
    }
    if state.config.webhook_ids {
        fields.push(("QUERY_ID".to_owned(), record.query_id.to_string()));
        fields.push(("UUID".to_owned(), record.uuid.clone()));
    }
    let task_state = state.clone();
    let task = tokio::spawn(async move {
        let sent = tokio::select! {
            sent = send(&task_state, &url, &fields) => sent,
            () = task_state.shutdown.cancelled() => Err("the simulator stopped".to_owned()),
        };
        let delivery = match sent {
            Ok((status, body)) => Delivery {
                fields,
                status: Some(status),
                body,
            },
            Err(why) => Delivery {
                fields,
                status: None,
                body: why,
            },
        };
        task_state.live().deliveries.push(delivery);
    });
    live.in_flight.push(task);
}

/// Dials every waiting record whose window holds `time_of_day`.
pub(super) fn dial_due(state: &std::sync::Arc<SimState>, time_of_day: &str) -> usize {
    let at = normalize_time(time_of_day).unwrap_or_default();
    let due: Vec<usize> = state
        .live()
        .records
        .iter()
        .enumerate()
        .filter(|(_, r)| !r.dialed)
        .filter(|(_, r)| match &r.window {
            None => true,
            Some((start, stop)) => start.as_str() <= at.as_str() && at.as_str() <= stop.as_str(),
        })
        .map(|(index, _)| index)
        .collect();
    for index in &due {
        dial(state, *index);
    }
    due.len()
}

/// `HH:MM` or `HH:MM:SS` as `HH:MM:SS`; `None` when it is neither.
pub(super) fn normalize_time(text: &str) -> Option<String> {
    let parts: Vec<&str> = text.trim().split(':').collect();
    let (h, m, s) = match parts.as_slice() {
        [h, m] => (*h, *m, "00"),
        [h, m, s] => (*h, *m, *s),
        _ => return None,
    };
    let num = |t: &str, max: u32| {
        (t.len() == 2 && t.bytes().all(|b| b.is_ascii_digit()))
            .then(|| t.parse::<u32>().ok())
            .flatten()
            .filter(|v| *v <= max)
    };
    Some(format!(
        "{:02}:{:02}:{:02}",
        num(h, 23)?,
        num(m, 59)?,
        num(s, 59)?
    ))
}

/// `YYYY-MM-DD HH:MM:SS +03:00` in the configured zone.
pub(super) fn format_time(state: &SimState, unix: i64) -> String {
    let offset = FixedOffset::east_opt(state.config.utc_offset_minutes * 60)
        .unwrap_or_else(|| FixedOffset::east_opt(0).expect("zero is a valid offset"));
    match offset.timestamp_opt(unix, 0).single() {
        Some(at) => at.format("%Y-%m-%d %H:%M:%S %:z").to_string(),
        None => String::new(),
    }
}

/// The day (`YYYY-MM-DD`) of `unix` in the configured zone.
pub(super) fn day_of(state: &SimState, unix: i64) -> String {
    format_time(state, unix)
        .get(..10)
        .unwrap_or_default()
        .to_owned()
}

fn recording_url(state: &SimState, record: &SimRecord) -> String {
    format!(
        "{}/records/{}-{}.wav",
        state.base_url, record.query_id, record.phone
    )
}

async fn send(
    state: &SimState,
    url: &str,
    fields: &[(String, String)],
) -> Result<(u16, String), String> {
    let request = match state.config.webhook_encoding {
        WebhookEncoding::Json => {
            let object: serde_json::Map<String, Value> = fields
                .iter()
                .map(|(k, v)| {
                    // The duration goes as a number in JSON.
                    let value = match v.parse::<i64>() {
                        Ok(n) if k == "Продолжительность_вызова" => json!(n),
                        _ => json!(v),
                    };
                    (k.clone(), value)
                })
                .collect();
            state.http.post(url).json(&Value::Object(object))
        }
        WebhookEncoding::Form => state.http.post(url).form(fields),
        WebhookEncoding::Query => state.http.get(url).query(fields),
    };
    let response = request.send().await.map_err(|e| e.to_string())?;
    let status = response.status().as_u16();
    let body = response.text().await.map_err(|e| e.to_string())?;
    Ok((status, body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_of_day_normalize() {
        assert_eq!(normalize_time("10:00").as_deref(), Some("10:00:00"));
        assert_eq!(normalize_time("19:00:30").as_deref(), Some("19:00:30"));
        for bad in ["", "10", "24:00", "9:00", "10:60", "a:b"] {
            assert_eq!(normalize_time(bad), None, "{bad}");
        }
    }
}
