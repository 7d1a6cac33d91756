//! Vega's REST API, the client side (vega.md part B): authorize, click-to-call, active calls,
//! hangup, the call history (company, per employee, missed), employees and recordings.
//!
//! One session is shared by every request (and every clone of the client). A request answered
//! `403` is retried once after a fresh authorization (vega.md B.1), and when many requests meet
//! the `403` at once only one of them authorizes: the session carries a generation, and a request
//! renews it only if the generation it failed with is still current. Every request has the
//! settings' timeout.
//!
//! **Two wire forms.** The spec sends the read-only calls as `GET` with query parameters and
//! times in milliseconds. Vega runs on the Phonet platform, whose own client sends every call as
//! `POST` with a JSON body and times in seconds. The client speaks the spec's form; when a server
//! answers it `405` or `400` and the `POST` form works, it switches to `POST` for the rest of its
//! life (and its clones').
//!
//! Given a place to remember ([`VegaClient::with_wire_form_memory`], the data directory), the
//! switch outlives the process: the next client for the same account starts with the form that
//! worked, so a `POST`-only server is not sent a refused `GET` at every start. A remembered form
//! is only a first guess: when the server refuses it (`405` / `400`) and takes the other, the
//! client switches back and the memory is updated, the same fallback in either direction.

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use chrono::{DateTime, Utc};
use reqwest::header::{HeaderMap, COOKIE, SET_COOKIE};
use reqwest::{RequestBuilder, Response, StatusCode, Url};

use callpop_core::Employee;

use super::error::VegaError;
use super::error::PEER;
use super::wire::{
    ActiveCall, AuthorizeRequest, Directions, HistoryCall, MakeCallAnswer, MakeCallRequest,
    VegaUser,
};
use super::wire_form::{WireForm, WireFormMemory};
use crate::recording::{
    audio_type, content_type_of, read_capped, CappedReadError, Recording, MAX_RECORDING_BYTES,
};
use crate::redact::{excerpt, scrub};
use crate::transport::TransportError;

/// The session cookie's name (vega.md B.1).
const SESSION_COOKIE: &str = "JSESSIONID";

const AUTHORIZE: &str = "POST /rest/security/authorize";
const ACTIVE_CALLS: &str = "GET /rest/calls/active/v3";
const MAKE_CALL: &str = "POST /rest/user/makeCall";
const RECORDING: &str = "GET /rest/public/calls/{uuid}/audio";

/// vega.md B.5: "limit — maximum calls per response, at most 50".
pub const PAGE_LIMIT: usize = 50;

/// A history of more pages than this is refused rather than fetched forever: a server that
/// ignores `offset` would otherwise answer the same full page without end. 2,000 pages are
/// 100,000 calls.
const MAX_PAGES: usize = 2_000;

/// Where and how to reach one Vega account. The API key is not here: it comes from the keyring
/// and is handed to [`VegaClient::new`] alone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VegaSettings {
    /// `https://test4.pbx.vega.ua`, or the simulator's `http://127.0.0.1:PORT`.
    pub base_url: String,
    /// The account domain sent to `authorize` (`test4.pbx.vega.ua`).
    pub domain: String,
    /// The limit for each request, connection included.
    pub timeout: Duration,
    /// ISO 3166 region for numbers written without a country code (`"UA"`, `"RU"`).
    pub region: String,
}

impl VegaSettings {
    /// Settings for the account at `https://{domain}` (vega.md B.1: requests go to the host named
    /// by the domain), with a 10 s timeout and region `UA`, Vega's home market.
    pub fn for_domain(domain: &str) -> VegaSettings {
        let domain = domain.trim();
        VegaSettings {
            base_url: format!("https://{domain}"),
            domain: domain.to_owned(),
            timeout: Duration::from_secs(10),
            region: "UA".to_owned(),
        }
    }
}

/// A Vega REST client. Cheap to clone: clones share one connection pool and one session.
#[derive(Clone)]
pub struct VegaClient {
    inner: Arc<ClientInner>,
}

struct ClientInner {
    http: reqwest::Client,
    settings: VegaSettings,
    /// `base_url` without a trailing slash.
    base_url: String,
    api_key: String,
    /// The base URL, parsed: recordings are fetched only from its origin.
    origin: Url,
    /// The current `JSESSIONID`, if any, and its generation.
    session: Mutex<SessionSlot>,
    /// Held while authorizing, so concurrent requests that meet a 403 authorize only once.
    authorizing: tokio::sync::Mutex<()>,
    /// Set while the `POST` + JSON form is in use: the server refused the spec's `GET` form and
    /// took this one, now or (see `memory`) on an earlier run.
    post_json: AtomicBool,
    /// Where the working form is kept between runs, if anywhere.
    memory: Mutex<Option<WireFormMemory>>,
}

/// The session every request shares. `generation` grows with each authorization, so a request
/// that failed with generation `g` knows whether somebody renewed the session since.
#[derive(Default)]
struct SessionSlot {
    id: Option<String>,
    generation: u64,
}

/// The session a request was sent with.
struct SessionTicket {
    id: String,
    generation: u64,
}

/// A parameter of a `GET` call, written per wire form.
#[derive(Debug, Clone, Copy)]
enum Param {
    /// The start of a period: milliseconds, or seconds rounded down.
    From(DateTime<Utc>),
    /// The end of a period: milliseconds, or seconds rounded up, so the period never shrinks.
    To(DateTime<Utc>),
    /// A plain number.
    Number(i64),
}

impl Param {
    fn value(self, form: WireForm) -> i64 {
        match (self, form) {
            (Param::From(at) | Param::To(at), WireForm::Query) => at.timestamp_millis(),
            (Param::From(at), WireForm::PostJson) => at.timestamp_millis().div_euclid(1000),
            (Param::To(at), WireForm::PostJson) => {
                let ms = at.timestamp_millis();
                ms.div_euclid(1000) + i64::from(ms.rem_euclid(1000) != 0)
            }
            (Param::Number(n), _) => n,
        }
    }
}

impl std::fmt::Debug for VegaClient {
    // Neither the API key nor the session id may reach a log.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VegaClient")
            .field("settings", &self.inner.settings)
            .field("api_key", &"<redacted>")
            .field("has_session", &self.current_session().is_some())
            .field("post_json_form", &self.uses_post_json_form())
            .finish()
    }
}

impl VegaClient {
    /// A client for these settings; checks them, but sends nothing yet.
    pub fn new(settings: VegaSettings, api_key: String) -> Result<VegaClient, VegaError> {
        let base_url = settings.base_url.trim().trim_end_matches('/').to_owned();
        let parsed = reqwest::Url::parse(&base_url).map_err(|error| {
            VegaError::InvalidSettings(format!(
                "the address {base_url:?} is not a URL ({error}); expected e.g. https://test4.pbx.vega.ua"
            ))
        })?;
        if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
            return Err(VegaError::InvalidSettings(format!(
                "the address {base_url:?} must start with https:// (or http://) and name a host"
            )));
        }
        let domain = settings.domain.trim();
        if domain.is_empty() || domain.contains(char::is_whitespace) {
            return Err(VegaError::InvalidSettings(format!(
                "the domain {:?} is not an account domain like test4.pbx.vega.ua",
                settings.domain
            )));
        }
        // A key pasted from the cabinet often carries a stray space or newline.
        let api_key = api_key.trim().to_owned();
        if api_key.is_empty() {
            return Err(VegaError::InvalidSettings(
                "the API key is empty; copy it from the Vega cabinet: Settings → Integration → \
                 Integration with another CRM system"
                    .to_owned(),
            ));
        }
        if settings.timeout.is_zero() {
            return Err(VegaError::InvalidSettings(
                "the timeout must be more than 0".to_owned(),
            ));
        }
        // Redirects stay on the base URL's origin: the session cookie must never reach another
        // host, nor an https session travel over http.
        let redirect_origin = parsed.clone();
        let redirects = reqwest::redirect::Policy::custom(move |attempt| {
            if attempt.previous().len() >= 5 {
                attempt.error("too many redirects")
            } else if same_origin(attempt.url(), &redirect_origin) {
                attempt.follow()
            } else {
                attempt.stop()
            }
        });
        let http = reqwest::Client::builder()
            .redirect(redirects)
            .timeout(settings.timeout)
            .connect_timeout(settings.timeout)
            .user_agent(concat!("callpop/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|error| {
                VegaError::InvalidSettings(format!("cannot build an HTTP client: {error}"))
            })?;
        let settings = VegaSettings {
            domain: domain.to_owned(),
            ..settings
        };
        Ok(VegaClient {
            inner: Arc::new(ClientInner {
                http,
                settings,
                base_url,
                origin: parsed,
                api_key,
                session: Mutex::new(SessionSlot::default()),
                authorizing: tokio::sync::Mutex::new(()),
                post_json: AtomicBool::new(false),
                memory: Mutex::new(None),
            }),
        })
    }

    /// Remembers the wire form that works for this account in `dir` (the data directory; see
    /// [`super::wire_form`]), and starts with the form remembered there. `None` (or never
    /// calling this) keeps the form in this process only. Reads the small file at once, so call
    /// it where the client is built, before any request.
    ///
    /// Takes `impl Into<Option<PathBuf>>` so that a data directory that may be unknown wires in
    /// one line: `.with_wire_form_memory(Config::data_dir().ok())`.
    pub fn with_wire_form_memory(self, dir: impl Into<Option<PathBuf>>) -> VegaClient {
        let memory = dir
            .into()
            .map(|dir| WireFormMemory::new(dir, &self.inner.settings));
        if let Some(form) = memory.as_ref().and_then(WireFormMemory::recall) {
            self.inner
                .post_json
                .store(form == WireForm::PostJson, Ordering::Relaxed);
            tracing::debug!(?form, "starting with the remembered Vega request form");
        }
        *self
            .inner
            .memory
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = memory;
        self
    }

    /// The settings in force.
    pub fn settings(&self) -> &VegaSettings {
        &self.inner.settings
    }

    /// Logs in (vega.md B.1) and keeps the session for later requests. Other requests do this
    /// by themselves when needed; calling it checks the domain and key.
    pub async fn authorize(&self) -> Result<(), VegaError> {
        let _guard = self.inner.authorizing.lock().await;
        self.authorize_now().await.map(drop)
    }

    /// True while this client (and its clones) send the `POST` + JSON form: the server refused
    /// the spec's `GET` form, in this process or, as remembered, on an earlier run.
    pub fn uses_post_json_form(&self) -> bool {
        self.inner.post_json.load(Ordering::Relaxed)
    }

    fn wire_form(&self) -> WireForm {
        if self.uses_post_json_form() {
            WireForm::PostJson
        } else {
            WireForm::Query
        }
    }

    /// Sends `form` from now on, in every clone, and remembers it for later runs. The file is
    /// written off the async threads: a disk may stall, and a switch happens about once a life.
    async fn switch_to(&self, form: WireForm, endpoint: &str, refused: StatusCode) {
        self.inner
            .post_json
            .store(form == WireForm::PostJson, Ordering::Relaxed);
        tracing::info!(
            endpoint,
            %refused,
            ?form,
            "Vega refused the other form of its API; using this one from now on"
        );
        let memory = self
            .inner
            .memory
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone();
        if let Some(memory) = memory {
            // A failed write is logged inside; a lost task costs a re-probe next run, no more.
            let _ = tokio::task::spawn_blocking(move || memory.remember(form)).await;
        }
    }

    /// The calls in progress now (vega.md B.3).
    pub async fn active_calls(&self) -> Result<Vec<ActiveCall>, VegaError> {
        let body = self
            .spec_get(ACTIVE_CALLS, "/rest/calls/active/v3", &[])
            .await?;
        self.parse_json(&body, ACTIVE_CALLS)
    }

    /// Ends the call (or conversation) `uuid` (vega.md B.4). Vega's answer to an unknown uuid is
    /// an [`VegaError::Http`] with its status (`>= 400`).
    pub async fn hangup(&self, uuid: &str) -> Result<(), VegaError> {
        let uuid = call_id(uuid, "hang up")?;
        let path = format!("/rest/calls/active/{uuid}/hangup");
        let endpoint = format!("GET {path}");
        self.spec_get(&endpoint, &path, &[]).await.map(drop)
    }

    /// The company's finished calls that ended between `from` and `to` (vega.md B.5), all pages
    /// of them, oldest first. `directions`: internal, outgoing and/or incoming; `None`: all three.
    pub async fn company_calls(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        directions: Option<Directions>,
    ) -> Result<Vec<HistoryCall>, VegaError> {
        self.history("/rest/calls/company.api", from, to, directions)
            .await
    }

    /// Finished calls per employee (vega.md B.7), with hold / unhold records when `directions`
    /// asks for [`Directions::HOLD`] / [`Directions::UNHOLD`]; `None`: internal, outgoing and
    /// incoming calls (the spec's default).
    pub async fn users_calls(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        directions: Option<Directions>,
    ) -> Result<Vec<HistoryCall>, VegaError> {
        self.history("/rest/calls/users.api", from, to, directions)
            .await
    }

    /// Incoming calls between `from` and `to` that still need a call-back (vega.md B.6).
    pub async fn missed_calls(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<HistoryCall>, VegaError> {
        self.history("/rest/calls/missed.api", from, to, None).await
    }

    /// The company's users (vega.md B.8), as Vega lists them.
    pub async fn users(&self) -> Result<Vec<VegaUser>, VegaError> {
        const USERS: &str = "GET /rest/users";
        let body = self.spec_get(USERS, "/rest/users", &[]).await?;
        self.parse_json(&body, USERS)
    }

    /// The company's users as Callpop's [`Employee`]s. A user without an id is known by its
    /// extension; one with neither is left out.
    pub async fn employees(&self) -> Result<Vec<Employee>, VegaError> {
        Ok(self
            .users()
            .await?
            .into_iter()
            .filter_map(|user| {
                let id = user.id.clone().or_else(|| user.ext.clone())?;
                Some(Employee {
                    name: user
                        .display_name
                        .clone()
                        .or_else(|| user.ext.clone())
                        .unwrap_or_else(|| id.clone()),
                    id,
                    ext: user.ext,
                    email: user.email,
                })
            })
            .collect())
    }

    /// The bytes of a call's recording: `url_or_uuid` is an `audioRecUrl` (vega.md B.5) or a
    /// call's uuid (then `{base}/rest/public/calls/{uuid}/audio`, A.2 notes). Sent with the
    /// session cookie, so a URL on any other origin than the base URL's is refused unsent.
    pub async fn recording(&self, url_or_uuid: &str) -> Result<Vec<u8>, VegaError> {
        Ok(self.recording_file(url_or_uuid).await?.bytes)
    }

    /// A call's recording with its audio type, for the app to play: as
    /// [`VegaClient::recording`], and refused past [`MAX_RECORDING_BYTES`] (counted as it
    /// arrives, whatever `Content-Length` says).
    pub async fn recording_file(&self, url_or_uuid: &str) -> Result<Recording, VegaError> {
        let url = self.recording_url(url_or_uuid)?;
        let response = self
            .authorized(RECORDING, |http| http.get(url.clone()))
            .await?;
        let status = response.status();
        if !status.is_success() {
            let text = self.body_text(response, RECORDING).await?;
            return Err(VegaError::Http {
                endpoint: RECORDING.to_owned(),
                status: status.as_u16(),
                body: excerpt(&text, &self.inner.api_key),
            });
        }
        let header = content_type_of(&response);
        let bytes = match read_capped(response, MAX_RECORDING_BYTES).await {
            Ok(bytes) => bytes,
            Err(CappedReadError::TooLarge) => {
                return Err(VegaError::InvalidInput(format!(
                    "the recording is larger than {} MiB; download it in the Vega cabinet",
                    MAX_RECORDING_BYTES / (1024 * 1024)
                )))
            }
            Err(CappedReadError::Transport(error)) => {
                return Err(self.transport_error(error, RECORDING))
            }
        };
        Ok(Recording {
            content_type: audio_type(header.as_deref(), url.path(), &bytes),
            bytes,
        })
    }

    /// Asks Vega to call `number` on behalf of the employee `leg_ext` (vega.md B.2): the
    /// employee's phone rings first. Returns the new call's uuid.
    pub async fn make_call(&self, leg_ext: &str, number: &str) -> Result<String, VegaError> {
        let (leg_ext, number) = (leg_ext.trim(), number.trim());
        if leg_ext.is_empty() {
            return Err(VegaError::InvalidInput(
                "cannot place a call: the employee's extension is empty".to_owned(),
            ));
        }
        if number.is_empty() {
            return Err(VegaError::InvalidInput(
                "cannot place a call: the number to call is empty".to_owned(),
            ));
        }
        let url = self.url("/rest/user/makeCall");
        let body = MakeCallRequest {
            leg_ext,
            other_leg_num: number,
        };
        let response = self
            .authorized(MAKE_CALL, |http| http.post(&url).json(&body))
            .await?;
        let text = self.success_body(response, MAKE_CALL).await?;
        let answer: MakeCallAnswer = self.parse_json(&text, MAKE_CALL)?;
        if answer.uuid.trim().is_empty() {
            return Err(VegaError::NotJson {
                endpoint: MAKE_CALL.to_owned(),
                detail: "the uuid is empty".to_owned(),
                excerpt: excerpt(&text, &self.inner.api_key),
            });
        }
        Ok(answer.uuid)
    }

    pub(super) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.inner.base_url)
    }

    fn session_slot(&self) -> MutexGuard<'_, SessionSlot> {
        // The slot holds plain values set in one statement: a panic elsewhere cannot leave it
        // half-written.
        self.inner
            .session
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn current_session(&self) -> Option<SessionTicket> {
        let slot = self.session_slot();
        slot.id.clone().map(|id| SessionTicket {
            id,
            generation: slot.generation,
        })
    }

    /// Where `url_or_uuid`'s recording is, if it may be fetched with the session.
    fn recording_url(&self, url_or_uuid: &str) -> Result<Url, VegaError> {
        let text = url_or_uuid.trim();
        if text.contains("://") {
            let url = Url::parse(text).map_err(|error| {
                VegaError::InvalidInput(format!(
                    "the recording URL {text:?} is not a URL ({error})"
                ))
            })?;
            if !same_origin(&url, &self.inner.origin) {
                return Err(VegaError::InvalidInput(format!(
                    "refusing to fetch the recording at {}: it is not on {}, and the Vega \
                     session must not be sent anywhere else",
                    url.origin().ascii_serialization(),
                    self.inner.origin.origin().ascii_serialization(),
                )));
            }
            return Ok(url);
        }
        let uuid = call_id(text, "fetch the recording of")?;
        let address = self.url(&format!("/rest/public/calls/{uuid}/audio"));
        Url::parse(&address).map_err(|error| {
            VegaError::InvalidInput(format!("cannot build the recording URL ({error})"))
        })
    }

    /// All pages of a history call (vega.md B.5 paging rule: while a page comes back full, ask
    /// again with `offset` = the records fetched so far).
    async fn history(
        &self,
        path: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        directions: Option<Directions>,
    ) -> Result<Vec<HistoryCall>, VegaError> {
        if from > to {
            return Err(VegaError::InvalidInput(format!(
                "the period starts ({from}) after it ends ({to})"
            )));
        }
        if from.timestamp_millis() < 0 {
            return Err(VegaError::InvalidInput(format!(
                "the period starts before 1970 ({from})"
            )));
        }
        let endpoint = format!("GET {path}");
        let mut calls = Vec::new();
        // A record that ended while the pages were read can shift the offsets and come twice.
        let mut seen = HashSet::new();
        let mut offset = 0usize;
        for _ in 0..MAX_PAGES {
            let mut params = vec![("timeFrom", Param::From(from)), ("timeTo", Param::To(to))];
            if let Some(directions) = directions {
                params.push(("directions", Param::Number(directions.bits().into())));
            }
            params.push(("limit", Param::Number(PAGE_LIMIT as i64)));
            params.push((
                "offset",
                Param::Number(i64::try_from(offset).unwrap_or(i64::MAX)),
            ));
            let body = self.spec_get(&endpoint, path, &params).await?;
            let page: Vec<HistoryCall> = self.parse_json(&body, &endpoint)?;
            let full = page.len() >= PAGE_LIMIT;
            offset += page.len();
            for call in page {
                if seen.insert((call.uuid.clone(), call.lg_direction)) {
                    calls.push(call);
                }
            }
            if !full {
                return Ok(calls);
            }
        }
        Err(VegaError::TooManyPages {
            endpoint,
            records: offset,
        })
    }

    /// Sends a call the spec gives as `GET` in the form this client uses, falling back once to
    /// the other form when the server refuses it with `405` or `400` (see the module docs):
    /// from the spec's form to `POST` + JSON, or from a remembered `POST` back to the spec's.
    /// Returns the body of a 2xx answer.
    async fn spec_get(
        &self,
        endpoint: &str,
        path: &str,
        params: &[(&str, Param)],
    ) -> Result<String, VegaError> {
        let url = self.url(path);
        let build = |http: &reqwest::Client, form: WireForm| match form {
            WireForm::Query => {
                let query: Vec<(&str, String)> = params
                    .iter()
                    .map(|(name, value)| (*name, value.value(form).to_string()))
                    .collect();
                http.get(&url).query(&query)
            }
            WireForm::PostJson => {
                let body: serde_json::Map<String, serde_json::Value> = params
                    .iter()
                    .map(|(name, value)| ((*name).to_owned(), value.value(form).into()))
                    .collect();
                http.post(&url).json(&body)
            }
        };
        let refuses_form = |status| {
            matches!(
                status,
                StatusCode::METHOD_NOT_ALLOWED | StatusCode::BAD_REQUEST
            )
        };
        let form = self.wire_form();
        let response = self.authorized(endpoint, |http| build(http, form)).await?;
        let status = response.status();
        if !refuses_form(status) {
            return self.success_body(response, endpoint).await;
        }
        let refusal = self.success_body(response, endpoint).await;
        let other = form.other();
        let retry = self.authorized(endpoint, |http| build(http, other)).await?;
        let retry_status = retry.status();
        if retry_status.is_success() {
            self.switch_to(other, endpoint, status).await;
            return self.body_text(retry, endpoint).await;
        }
        if refuses_form(retry_status) {
            // Refused in both forms: the parameters are wrong, not the form. The form in use
            // stays, and its answer is the one reported.
            return refusal;
        }
        self.success_body(retry, endpoint).await
    }

    /// Sends `authorize`; the caller holds `authorizing`.
    async fn authorize_now(&self) -> Result<SessionTicket, VegaError> {
        let settings = &self.inner.settings;
        let body = AuthorizeRequest {
            domain: &settings.domain,
            api_key: &self.inner.api_key,
        };
        let request = self
            .inner
            .http
            .post(self.url("/rest/security/authorize"))
            .json(&body);
        let response = self.send(request, AUTHORIZE).await?;
        let status = response.status();
        if status.is_success() {
            let session =
                session_cookie(response.headers()).ok_or_else(|| VegaError::NoSessionCookie {
                    base_url: self.inner.base_url.clone(),
                })?;
            let generation = {
                let mut slot = self.session_slot();
                slot.generation += 1;
                slot.id = Some(session.clone());
                slot.generation
            };
            tracing::debug!(domain = %settings.domain, "authorized at Vega");
            return Ok(SessionTicket {
                id: session,
                generation,
            });
        }
        let text = self
            .body_text(response, AUTHORIZE)
            .await
            .unwrap_or_default();
        let detail = match excerpt(&text, &self.inner.api_key) {
            detail if detail.is_empty() => status
                .canonical_reason()
                .unwrap_or("no reason given")
                .to_owned(),
            detail => detail,
        };
        // vega.md B.1: a refused authorization is ">= 400 with the error's description". 404 or
        // 5xx rather say the address is wrong or Vega is down: those stay HTTP errors.
        if matches!(status.as_u16(), 400 | 401 | 403) {
            Err(VegaError::Unauthorized {
                domain: settings.domain.clone(),
                status: status.as_u16(),
                detail,
            })
        } else {
            Err(VegaError::Http {
                endpoint: AUTHORIZE.to_owned(),
                status: status.as_u16(),
                body: detail,
            })
        }
    }

    /// The current session, authorizing first when there is none.
    async fn session(&self) -> Result<SessionTicket, VegaError> {
        if let Some(session) = self.current_session() {
            return Ok(session);
        }
        let _guard = self.inner.authorizing.lock().await;
        // Another request may have authorized while this one waited.
        match self.current_session() {
            Some(session) => Ok(session),
            None => self.authorize_now().await,
        }
    }

    /// A session to replace `stale`, which Vega refused. Single flight: of the requests that
    /// failed with one generation, the first to get the lock authorizes; the others find a newer
    /// generation when their turn comes and use it.
    async fn renew_session(&self, stale: &SessionTicket) -> Result<SessionTicket, VegaError> {
        let _guard = self.inner.authorizing.lock().await;
        match self.current_session() {
            Some(session) if session.generation != stale.generation => Ok(session),
            _ => {
                self.session_slot().id = None;
                self.authorize_now().await
            }
        }
    }

    /// Sends a request with the session cookie; on 403 authorizes again and retries once
    /// (vega.md B.1: "authorize again and replace the old JSESSIONID with the new one").
    pub(super) async fn authorized(
        &self,
        endpoint: &str,
        build: impl Fn(&reqwest::Client) -> RequestBuilder,
    ) -> Result<Response, VegaError> {
        let session = self.session().await?;
        let request = build(&self.inner.http).header(COOKIE, cookie(&session.id));
        let response = self.send(request, endpoint).await?;
        if response.status() != StatusCode::FORBIDDEN {
            return Ok(response);
        }
        tracing::debug!(endpoint, "Vega session no longer valid; authorizing again");
        let session = self.renew_session(&session).await?;
        let request = build(&self.inner.http).header(COOKIE, cookie(&session.id));
        let response = self.send(request, endpoint).await?;
        if response.status() == StatusCode::FORBIDDEN {
            return Err(VegaError::Forbidden {
                endpoint: endpoint.to_owned(),
            });
        }
        Ok(response)
    }

    async fn send(&self, request: RequestBuilder, endpoint: &str) -> Result<Response, VegaError> {
        request
            .send()
            .await
            .map_err(|error| self.transport_error(error, endpoint))
    }

    pub(super) async fn body_text(
        &self,
        response: Response,
        endpoint: &str,
    ) -> Result<String, VegaError> {
        response
            .text()
            .await
            .map_err(|error| self.transport_error(error, endpoint))
    }

    /// The body of a 2xx answer; any other status is an [`VegaError::Http`] quoting the body.
    pub(super) async fn success_body(
        &self,
        response: Response,
        endpoint: &str,
    ) -> Result<String, VegaError> {
        let status = response.status();
        let text = self.body_text(response, endpoint).await?;
        if status.is_success() {
            return Ok(text);
        }
        Err(VegaError::Http {
            endpoint: endpoint.to_owned(),
            status: status.as_u16(),
            body: excerpt(&text, &self.inner.api_key),
        })
    }

    pub(super) fn parse_json<T: serde::de::DeserializeOwned>(
        &self,
        text: &str,
        endpoint: &str,
    ) -> Result<T, VegaError> {
        serde_json::from_str(text).map_err(|error| VegaError::NotJson {
            endpoint: endpoint.to_owned(),
            detail: scrub(&error.to_string(), &self.inner.api_key),
            excerpt: excerpt(text, &self.inner.api_key),
        })
    }

    /// The start of `text`, scrubbed of the API key, for an error message.
    pub(super) fn excerpt(&self, text: &str) -> String {
        excerpt(text, &self.inner.api_key)
    }

    fn transport_error(&self, error: reqwest::Error, endpoint: &str) -> VegaError {
        let inner = &self.inner;
        let timeout = inner.settings.timeout;
        TransportError::of(
            PEER,
            endpoint,
            &inner.base_url,
            timeout,
            error,
            &inner.api_key,
        )
        .into()
    }
}

/// Same scheme, host and port: where the session may go.
fn same_origin(url: &Url, origin: &Url) -> bool {
    url.scheme() == origin.scheme()
        && url.host_str().map(str::to_ascii_lowercase)
            == origin.host_str().map(str::to_ascii_lowercase)
        && url.port_or_known_default() == origin.port_or_known_default()
}

/// A call's uuid, checked before it goes into a URL path: letters, digits and dashes only.
fn call_id<'a>(uuid: &'a str, action: &str) -> Result<&'a str, VegaError> {
    let uuid = uuid.trim();
    if uuid.is_empty() {
        return Err(VegaError::InvalidInput(format!(
            "cannot {action} a call: the call id is empty"
        )));
    }
    if uuid.len() > 128 || !uuid.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        return Err(VegaError::InvalidInput(format!(
            "cannot {action} call {:?}: a Vega call id has only letters, digits and dashes",
            excerpt(uuid, "")
        )));
    }
    Ok(uuid)
}

fn cookie(session: &str) -> String {
    format!("{SESSION_COOKIE}={session}")
}

/// The `JSESSIONID` value among the answer's `Set-Cookie` headers.
fn session_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .filter_map(|value| value.split(';').next())
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, value)| {
            name.trim().eq_ignore_ascii_case(SESSION_COOKIE) && !value.trim().is_empty()
        })
        .map(|(_, value)| value.trim().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn settings(base_url: &str) -> VegaSettings {
        VegaSettings {
            base_url: base_url.to_owned(),
            ..VegaSettings::for_domain("test4.pbx.vega.ua")
        }
    }

    #[test]
    fn settings_for_a_domain_point_at_that_host() {
        let settings = VegaSettings::for_domain(" test4.pbx.vega.ua ");
        assert_eq!(settings.base_url, "https://test4.pbx.vega.ua");
        assert_eq!(settings.domain, "test4.pbx.vega.ua");
        assert!(!settings.timeout.is_zero());
    }

    #[test]
    fn unusable_settings_are_refused_with_a_reason() {
        let cases = [
            (settings("test4.pbx.vega.ua"), "k", "not a URL"),
            (settings("ftp://test4.pbx.vega.ua"), "k", "https://"),
            (
                VegaSettings {
                    domain: " ".into(),
                    ..settings("https://x")
                },
                "k",
                "domain",
            ),
            (
                settings("https://test4.pbx.vega.ua"),
                "  ",
                "API key is empty",
            ),
            (
                VegaSettings {
                    timeout: Duration::ZERO,
                    ..settings("https://x")
                },
                "k",
                "timeout",
            ),
        ];
        for (settings, key, reason) in cases {
            match VegaClient::new(settings.clone(), key.to_owned()) {
                Err(VegaError::InvalidSettings(message)) => {
                    assert!(message.contains(reason), "{message}")
                }
                other => panic!("{settings:?}: expected InvalidSettings, got {other:?}"),
            }
        }
    }

    #[test]
    fn debug_output_hides_the_api_key() {
        let client = VegaClient::new(
            settings("https://test4.pbx.vega.ua/"),
            "bHGbn240QSjF".to_owned(),
        )
        .unwrap();
        let shown = format!("{client:?}");
        assert!(!shown.contains("bHGbn240QSjF"), "{shown}");
        assert!(shown.contains("<redacted>"));
        assert_eq!(client.url("/rest/x"), "https://test4.pbx.vega.ua/rest/x");
    }

    #[test]
    fn the_session_id_is_read_from_set_cookie_headers() {
        let mut headers = HeaderMap::new();
        headers.append(SET_COOKIE, HeaderValue::from_static("lang=uk; Path=/"));
        headers.append(
            SET_COOKIE,
            HeaderValue::from_static("JSESSIONID=ABC123; Path=/; HttpOnly"),
        );
        assert_eq!(session_cookie(&headers).as_deref(), Some("ABC123"));
        let mut empty = HeaderMap::new();
        empty.append(SET_COOKIE, HeaderValue::from_static("JSESSIONID=; Path=/"));
        assert_eq!(session_cookie(&empty), None);
        assert_eq!(session_cookie(&HeaderMap::new()), None);
    }

    #[tokio::test]
    async fn make_call_refuses_empty_arguments_before_sending() {
        // Port 9 (discard) on loopback: nothing is sent, the arguments are refused first.
        let client = VegaClient::new(settings("http://127.0.0.1:9"), "k".to_owned()).unwrap();
        for (ext, number) in [("", "+380993034330"), ("001", " ")] {
            match client.make_call(ext, number).await {
                Err(VegaError::InvalidInput(message)) => {
                    assert!(message.contains("empty"), "{message}")
                }
                other => panic!("expected InvalidInput, got {other:?}"),
            }
        }
    }
}
