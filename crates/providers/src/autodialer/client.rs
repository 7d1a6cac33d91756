//! Calls to the Autodialer (autodialer.md): `make`, `newcall`, `cdr`, each at
//! `{base_url}/{key}/{method}`.
//!
//! Choices where the spec is silent, shared with the simulator:
//! - every method is a `POST` with a JSON body (stated for `make`; `newcall` and `cdr` show only
//!   their "fields");
//! - the key is the `apikey` path segment of every URL, and also `make`'s `access_token` (the
//!   only place the spec shows a key in a body);
//! - `newcall` and `cdr` send their fields flat, as printed; `make` wraps them in `query`.
//!
//! Every request has the settings' timeout; redirects are not followed.

use std::fmt;
use std::time::Duration;

use callpop_core::secrets::Secret;
use callpop_core::{AutodialerSettings, CallRecord};
use reqwest::StatusCode;
use serde_json::{json, Map, Value};

use super::cdr::{CdrEntry, CdrQuery};
use super::error::AutodialerError;
use super::error::PEER;
use super::job::{batches, wire_phone, DialOptions, DialRecord};
use super::report::{BatchReport, MakeReport, SendReport};
use crate::http;
use crate::redact::{excerpt, scrub};
use crate::transport::TransportError;

/// Where and how to reach the Autodialer. The key is handed to [`AutodialerClient::new`] alone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AutodialerClientSettings {
    /// Scheme and host (and any path before the key): `https://site.url`, or the simulator's
    /// `http://127.0.0.1:PORT`.
    pub base_url: String,
    /// The limit for each request, connection included.
    pub timeout: Duration,
}

impl From<&AutodialerSettings> for AutodialerClientSettings {
    fn from(settings: &AutodialerSettings) -> AutodialerClientSettings {
        AutodialerClientSettings {
            base_url: settings.base_url.clone(),
            timeout: Duration::from_millis(settings.timeout_ms),
        }
    }
}

/// `newcall`'s answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NewCallAnswer {
    /// `QUERY_ID`: the job.
    pub query_id: i64,
    /// `QUERY_COUNT`: records accepted (1 when the call is queued).
    pub query_count: i64,
}

/// `cdr` read into history: the calls, and the rows that could not be read (one line each).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CdrResults {
    /// The rows as history keeps them.
    pub records: Vec<CallRecord>,
    /// Why some rows were left out.
    pub skipped: Vec<String>,
}

/// A client of one Autodialer account. Cheap to clone (one connection pool).
#[derive(Clone)]
pub struct AutodialerClient {
    http: reqwest::Client,
    base: reqwest::Url,
    key: Secret,
    timeout: Duration,
}

impl fmt::Debug for AutodialerClient {
    // The key is in every URL: only the base is shown.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AutodialerClient")
            .field("base", &self.base.as_str())
            .field("timeout", &self.timeout)
            .field("key", &self.key)
            .finish()
    }
}

impl AutodialerClient {
    /// A client for `settings` with `key` (the cabinet's API key).
    pub fn new(
        settings: &AutodialerClientSettings,
        key: &Secret,
    ) -> Result<AutodialerClient, AutodialerError> {
        let text = settings.base_url.trim().trim_end_matches('/');
        let base = http::http_url(text, &format!("base_url {text:?}"))
            .map_err(AutodialerError::InvalidSettings)?;
        let key = Secret::new(key.expose().trim());
        if key.expose().is_empty() {
            return Err(AutodialerError::InvalidSettings(
                "the API key is empty; copy it from the Autodialer cabinet".into(),
            ));
        }
        let http = http::client(settings.timeout).map_err(AutodialerError::InvalidSettings)?;
        Ok(AutodialerClient {
            http,
            base,
            key,
            timeout: settings.timeout,
        })
    }

    /// `make`: sends `records` with `options` in batches of at most 1000 and merges the reports.
    ///
    /// Every record is checked first (`phone` and `UUID` required): a missing field sends
    /// nothing. When a later batch fails, the error is [`AutodialerError::PartlySent`] with the
    /// batches already added, so they are not sent twice.
    pub async fn make(
        &self,
        records: &[DialRecord],
        options: &DialOptions,
    ) -> Result<SendReport, AutodialerError> {
        options.validate()?;
        if records.is_empty() {
            return Err(AutodialerError::InvalidInput("no records to send".into()));
        }
        for (index, record) in records.iter().enumerate() {
            record.check_required(index + 1, false)?;
        }
        let mut report = SendReport::default();
        for (number, batch) in batches(records).enumerate() {
            match self.make_batch(batch, options).await {
                Ok(answer) => report.batches.push(BatchReport {
                    batch: number + 1,
                    sent: batch.len(),
                    report: answer,
                }),
                Err(error) if report.batches.is_empty() => return Err(error),
                Err(error) => {
                    return Err(AutodialerError::PartlySent {
                        sent: report.sent(),
                        summary: report.summary(),
                        source: Box::new(error),
                    })
                }
            }
        }
        Ok(report)
    }

    /// One `make` request (at most 1000 records, already checked).
    async fn make_batch(
        &self,
        batch: &[DialRecord],
        options: &DialOptions,
    ) -> Result<MakeReport, AutodialerError> {
        let data: Vec<Value> = batch
            .iter()
            .enumerate()
            .map(|(index, record)| Value::Object(make_fields(index + 1, record, options)))
            .collect();
        let body = json!({ "query": { "access_token": self.key.expose(), "data": data } });
        let answer = self.post_json("make", &body).await?;
        MakeReport::from_json(&answer).map_err(|detail| self.not_json("make", detail, &answer))
    }

    /// `newcall`: one robot call to `record` by `options.scenario`. `name`, `phone` and `UUID`
    /// are required. `QUERY_COUNT` 0 is [`AutodialerError::NotAccepted`].
    pub async fn new_call(
        &self,
        record: &DialRecord,
        options: &DialOptions,
    ) -> Result<NewCallAnswer, AutodialerError> {
        options.validate()?;
        record.check_required(1, true)?;
        let mut fields = Map::new();
        // autodialer.md `newcall`: `id` is "always 0".
        fields.insert("id".into(), "0".into());
        record_fields(&mut fields, record);
        if let Some(window) = options.window {
            let (start, stop) = window.newcall_values();
            fields.insert("timestart".into(), start.into());
            fields.insert("timestop".into(), stop.into());
        }
        option_fields(&mut fields, options);
        let answer = self.post_json("newcall", &Value::Object(fields)).await?;
        let count = |name: &str| match answer.get(name) {
            Some(Value::Number(n)) => n.as_i64(),
            Some(Value::String(s)) => s.trim().parse().ok(),
            _ => None,
        };
        let (Some(query_id), Some(query_count)) = (count("QUERY_ID"), count("QUERY_COUNT")) else {
            return Err(self.not_json(
                "newcall",
                "expected QUERY_ID and QUERY_COUNT".into(),
                &answer,
            ));
        };
        if query_count < 1 {
            return Err(AutodialerError::NotAccepted { query_id });
        }
        Ok(NewCallAnswer {
            query_id,
            query_count,
        })
    }

    /// `cdr`: the rows for `query`, as sent.
    pub async fn cdr(&self, query: &CdrQuery) -> Result<Vec<CdrEntry>, AutodialerError> {
        if query.date_from > query.date_to {
            return Err(AutodialerError::InvalidInput(format!(
                "the period starts ({}) after it ends ({})",
                query.date_from, query.date_to
            )));
        }
        let mut fields = Map::new();
        fields.insert(
            "date_from".into(),
            query.date_from.format("%Y-%m-%d").to_string().into(),
        );
        fields.insert(
            "date_to".into(),
            query.date_to.format("%Y-%m-%d").to_string().into(),
        );
        if let Some(to) = &query.to {
            let phone = wire_phone(to).ok_or_else(|| {
                AutodialerError::InvalidInput(format!("{:?} has no digits", to.key()))
            })?;
            fields.insert("to".into(), phone.into());
        }
        let answer = self.post_json("cdr", &Value::Object(fields)).await?;
        let rows = match &answer {
            Value::Array(rows) => rows.as_slice(),
            // An empty history may come back as `null`.
            Value::Null => &[],
            _ => {
                return Err(self.not_json("cdr", "expected an array of calls".into(), &answer));
            }
        };
        rows.iter()
            .enumerate()
            .map(|(index, row)| CdrEntry::from_json(index, row))
            .collect::<Result<_, _>>()
            .map_err(|detail| self.not_json("cdr", detail, &answer))
    }

    /// `cdr` read into history's records (numbers parsed in `region`); unreadable rows are
    /// listed in [`CdrResults::skipped`] rather than hiding the others.
    pub async fn results(
        &self,
        query: &CdrQuery,
        region: &str,
    ) -> Result<CdrResults, AutodialerError> {
        let mut results = CdrResults::default();
        for entry in self.cdr(query).await? {
            match entry.to_call_record(region) {
                Ok(record) => results.records.push(record),
                Err(why) => results.skipped.push(why),
            }
        }
        Ok(results)
    }

    /// `{base}/{key}/{method}`.
    fn url(&self, method: &str) -> reqwest::Url {
        let mut url = self.base.clone();
        if let Ok(mut segments) = url.path_segments_mut() {
            segments.pop_if_empty().push(self.key.expose()).push(method);
        }
        url
    }

    /// POSTs `body` to `method`; the JSON of a `200`, or the error its status means.
    async fn post_json(
        &self,
        method: &'static str,
        body: &Value,
    ) -> Result<Value, AutodialerError> {
        let response = self
            .http
            .post(self.url(method))
            .json(body)
            .send()
            .await
            .map_err(|error| self.transport(method, error))?;
        let status = response.status();
        let text = response
            .text()
            .await
            .map_err(|error| self.transport(method, error))?;
        let key = self.key.expose();
        match status {
            StatusCode::OK => {
                serde_json::from_str(&text).map_err(|error| AutodialerError::NotJson {
                    method,
                    detail: scrub(&error.to_string(), key),
                    excerpt: excerpt(&text, key),
                })
            }
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => {
                Err(AutodialerError::Unauthorized {
                    method,
                    status: status.as_u16(),
                })
            }
            StatusCode::NOT_FOUND => Err(AutodialerError::WrongAddress { method }),
            status if status.is_server_error() => Err(AutodialerError::Server {
                method,
                status: status.as_u16(),
                body: excerpt(&text, key),
            }),
            status => Err(AutodialerError::Refused {
                method,
                status: status.as_u16(),
                body: excerpt(&text, key),
            }),
        }
    }

    fn not_json(&self, method: &'static str, detail: String, answer: &Value) -> AutodialerError {
        let key = self.key.expose();
        AutodialerError::NotJson {
            method,
            detail: scrub(&detail, key),
            excerpt: excerpt(&answer.to_string(), key),
        }
    }

    /// A transport failure, without the URL (it carries the key).
    fn transport(&self, method: &'static str, error: reqwest::Error) -> AutodialerError {
        TransportError::of(
            PEER,
            method,
            self.base.as_ref(),
            self.timeout,
            error,
            self.key.expose(),
        )
        .into()
    }
}

/// One element of `make`'s `data`, every value a string (autodialer.md: "All values are
/// strings"). `id` numbers the records of the batch from 1, as the example does.
fn make_fields(id: usize, record: &DialRecord, options: &DialOptions) -> Map<String, Value> {
    let mut fields = Map::new();
    fields.insert("id".into(), id.to_string().into());
    record_fields(&mut fields, record);
    if let Some(window) = options.window {
        let (start, stop) = window.make_values();
        // The spec's spelling: `statdialertime`, not "start...".
        fields.insert("statdialertime".into(), start.into());
        fields.insert("stopdialertime".into(), stop.into());
    }
    option_fields(&mut fields, options);
    fields
}

/// `name`, `phone`, `UUID`, `var1`..`var3` (absent when empty).
fn record_fields(fields: &mut Map<String, Value>, record: &DialRecord) {
    if let Some(name) = record
        .name
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
    {
        fields.insert("name".into(), name.into());
    }
    fields.insert("phone".into(), record.phone.trim().into());
    fields.insert("UUID".into(), record.uuid.trim().into());
    for (index, var) in record.vars.iter().enumerate() {
        if let Some(var) = var.as_deref().filter(|v| !v.is_empty()) {
            fields.insert(format!("var{}", index + 1), var.into());
        }
    }
}

/// `maxcount` and `generationtype`.
fn option_fields(fields: &mut Map<String, Value>, options: &DialOptions) {
    if let Some(attempts) = options.max_attempts {
        fields.insert("maxcount".into(), attempts.to_string().into());
    }
    fields.insert(
        "generationtype".into(),
        options.scenario.trim().to_owned().into(),
    );
}
