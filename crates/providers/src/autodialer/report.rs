//! `make`'s `report` (autodialer.md): `{"report":{"lines":"3","ok":"3","inserted":"2",
//! "errorcode":"2","id":"40133707428585176"}}`, one per batch, and the batches merged into what
//! the user is shown.
//!
//! The spec lists no error codes. What is said of one comes from the counts beside it, which are
//! documented (`lines` received, `ok` correct), and from the spec's only example: code `2` with
//! fewer records added than correct (its records 2 and 3 repeat a `UUID`, 1 and 2 a number).

use serde::Deserialize;
use serde_json::Value;

/// One `make` answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MakeReport {
    /// `lines`: records the Autodialer received.
    pub lines: u64,
    /// `ok`: correct records among them.
    pub ok: u64,
    /// `inserted`: records added to the job (undescribed by the spec, read as its name says);
    /// `None` when absent.
    pub inserted: Option<u64>,
    /// `errorcode`.
    pub errorcode: ErrorCode,
    /// `id`: the job's number in the Autodialer.
    pub job_id: Option<String>,
}

/// `errorcode`, kept as sent (a string in the spec's example).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorCode(pub String);

impl ErrorCode {
    /// True for no error: `0` (or nothing).
    pub fn is_none(&self) -> bool {
        matches!(self.0.trim(), "" | "0")
    }

    /// What the code is known to mean, in words.
    pub fn meaning(&self) -> String {
        match self.0.trim() {
            "" | "0" => "no error".to_owned(),
            // autodialer.md's example: lines 3, ok 3, inserted 2, errorcode 2.
            "2" => "code 2: the Autodialer's documentation does not list its codes (in its only \
                    example code 2 comes with a correct record not added, a repeated UUID or \
                    number)"
                .to_owned(),
            code => format!(
                "code {code}: the Autodialer's documentation does not list its codes; ask its \
                 support what it means"
            ),
        }
    }
}

impl MakeReport {
    /// Reads `{"report": {...}}`; every count may be a string (as in the spec) or a number.
    pub(crate) fn from_json(value: &Value) -> Result<MakeReport, String> {
        #[derive(Deserialize)]
        struct Envelope {
            report: Option<Value>,
        }
        let envelope: Envelope =
            serde_json::from_value(value.clone()).map_err(|e| format!("not an object ({e})"))?;
        let Some(Value::Object(report)) = envelope.report else {
            return Err("no \"report\" object".into());
        };
        let count = |name: &str| -> Result<Option<u64>, String> {
            match report.get(name) {
                None | Some(Value::Null) => Ok(None),
                Some(value) => count_of(value)
                    .map(Some)
                    .ok_or_else(|| format!("`{name}` is not a count: {value}")),
            }
        };
        let text = |name: &str| match report.get(name) {
            Some(Value::String(text)) => Some(text.trim().to_owned()),
            Some(Value::Number(number)) => Some(number.to_string()),
            _ => None,
        };
        Ok(MakeReport {
            lines: count("lines")?.ok_or("no `lines` in the report")?,
            ok: count("ok")?.ok_or("no `ok` in the report")?,
            inserted: count("inserted")?,
            errorcode: ErrorCode(text("errorcode").unwrap_or_default()),
            job_id: text("id").filter(|id| !id.is_empty()),
        })
    }

    /// Records counted as added: `inserted`, else `ok` when the answer leaves it out.
    pub fn added(&self) -> u64 {
        self.inserted.unwrap_or(self.ok)
    }

    /// One line per thing the user should know: the code's meaning when it is not `0`, records
    /// refused, records not added.
    pub fn explanations(&self) -> Vec<String> {
        let mut lines = Vec::new();
        if !self.errorcode.is_none() {
            // autodialer.md says only "error code": when every correct record was added, the
            // example's reading (records left out) does not fit these counts.
            if self.errorcode.0.trim() == "2" && self.added() >= self.ok {
                lines.push(format!(
                    "code 2, though all {} correct records were added: the Autodialer's \
                     documentation does not list its codes, so nothing here says a record was \
                     lost (ask its support what code 2 reports)",
                    self.ok
                ));
            } else {
                lines.push(self.errorcode.meaning());
            }
        }
        if self.ok < self.lines {
            lines.push(format!(
                "{} of {} records were not correct (a missing phone or UUID, a bad number?)",
                self.lines - self.ok,
                self.lines
            ));
        }
        if self.added() < self.ok {
            lines.push(format!(
                "{} correct records were not added (repeats of a UUID or number?)",
                self.ok - self.added()
            ));
        }
        lines
    }
}

/// A JSON count: a number, or a string of digits as the spec writes them.
fn count_of(value: &Value) -> Option<u64> {
    match value {
        Value::Number(number) => number.as_u64(),
        Value::String(text) => text.trim().parse().ok(),
        _ => None,
    }
}

/// One batch's report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchReport {
    /// 1-based batch number.
    pub batch: usize,
    /// Records sent in it.
    pub sent: usize,
    /// What the Autodialer answered.
    pub report: MakeReport,
}

/// Every batch of one send, and their sums.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SendReport {
    /// The batches, in order.
    pub batches: Vec<BatchReport>,
}

impl SendReport {
    /// Records sent.
    pub fn sent(&self) -> usize {
        self.batches.iter().map(|b| b.sent).sum()
    }

    /// Sum of `lines`.
    pub fn lines(&self) -> u64 {
        self.batches.iter().map(|b| b.report.lines).sum()
    }

    /// Sum of `ok`.
    pub fn ok(&self) -> u64 {
        self.batches.iter().map(|b| b.report.ok).sum()
    }

    /// Sum of records added (see [`MakeReport::added`]).
    pub fn inserted(&self) -> u64 {
        self.batches.iter().map(|b| b.report.added()).sum()
    }

    /// Every `errorcode` other than `0`, with its batch.
    pub fn error_codes(&self) -> Vec<(usize, ErrorCode)> {
        self.batches
            .iter()
            .filter(|b| !b.report.errorcode.is_none())
            .map(|b| (b.batch, b.report.errorcode.clone()))
            .collect()
    }

    /// The jobs' ids, in order.
    pub fn job_ids(&self) -> Vec<String> {
        self.batches
            .iter()
            .filter_map(|b| b.report.job_id.clone())
            .collect()
    }

    /// True when every record sent was received, correct and added with no error code.
    pub fn all_added(&self) -> bool {
        self.error_codes().is_empty()
            && self.lines() == self.sent() as u64
            && self.inserted() == self.sent() as u64
    }

    /// What to tell the user beyond the sums: each batch's explanations, prefixed with the batch
    /// when there are several.
    pub fn explanations(&self) -> Vec<String> {
        let several = self.batches.len() > 1;
        let mut lines = Vec::new();
        for batch in &self.batches {
            for line in batch.report.explanations() {
                lines.push(if several {
                    format!("batch {}: {line}", batch.batch)
                } else {
                    line
                });
            }
            if batch.report.lines != batch.sent as u64 {
                lines.push(format!(
                    "batch {}: {} records sent, the Autodialer counted {}",
                    batch.batch, batch.sent, batch.report.lines
                ));
            }
        }
        lines
    }

    /// `received 3, correct 3, added 2 (job 401…)`: the one-line summary.
    pub fn summary(&self) -> String {
        let jobs = self.job_ids();
        let jobs = match jobs.len() {
            0 => String::new(),
            1 => format!(" (job {})", jobs[0]),
            _ => format!(" (jobs {})", jobs.join(", ")),
        };
        format!(
            "sent {} in {} batch{}: received {}, correct {}, added {}{jobs}",
            self.sent(),
            self.batches.len(),
            if self.batches.len() == 1 { "" } else { "es" },
            self.lines(),
            self.ok(),
            self.inserted()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// autodialer.md's `make` answer, as printed.
    const SPEC_REPORT: &str = r#"{"report":{"lines":"3","ok":"3","inserted":"2","errorcode":"2","id":"40133707428585176"}}"#;

    #[test]
    fn the_spec_report_reads_and_explains_itself() {
        let value: Value = serde_json::from_str(SPEC_REPORT).unwrap();
        let report = MakeReport::from_json(&value).unwrap();
        assert_eq!(
            report,
            MakeReport {
                lines: 3,
                ok: 3,
                inserted: Some(2),
                errorcode: ErrorCode("2".into()),
                job_id: Some("40133707428585176".into()),
            }
        );
        let text = report.explanations().join("\n");
        assert!(text.contains("code 2"), "{text}");
        assert!(text.contains("1 correct records were not added"), "{text}");
    }

    #[test]
    fn counts_may_be_numbers_and_other_shapes_are_refused() {
        let value = serde_json::json!({"report": {"lines": 5, "ok": 4, "errorcode": 0}});
        let report = MakeReport::from_json(&value).unwrap();
        assert_eq!((report.lines, report.ok, report.added()), (5, 4, 4));
        assert!(report.errorcode.is_none());
        assert_eq!(report.explanations().len(), 1);
        for bad in [
            serde_json::json!([1, 2]),
            serde_json::json!({"report": "ok"}),
            serde_json::json!({"report": {"ok": "3"}}),
            serde_json::json!({"report": {"lines": "x", "ok": "3"}}),
            serde_json::json!({"report": {"lines": -1, "ok": "3"}}),
        ] {
            assert!(MakeReport::from_json(&bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn code_2_with_every_correct_record_added_does_not_claim_records_were_lost() {
        let value = serde_json::json!({"report": {"lines": "499", "ok": "499", "inserted": "499",
            "errorcode": "2", "id": "1"}});
        let report = MakeReport::from_json(&value).unwrap();
        let text = report.explanations().join("\n");
        assert!(!text.contains("not every correct record"), "{text}");
        assert!(!text.contains("not added"), "{text}");
        assert!(
            text.contains("all 499 correct records were added"),
            "{text}"
        );
    }

    #[test]
    fn unknown_codes_say_so() {
        let meaning = ErrorCode("7".into()).meaning();
        assert!(meaning.contains("does not list its codes"), "{meaning}");
    }
}
