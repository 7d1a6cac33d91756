//! CRM Teler (vega.md B.9) as a PBX would serve it: contacts with account-specific field labels
//! (seeded in Ukrainian and Russian), `lastModified` / `dateCreate` in ms, notes with ids, and the
//! documented errors: `404` for an unknown contact or note, `400` for a missing or bad parameter
//! (`limit` over 60 included). The session check (`403`) is the router's, as for `/rest`.
//!
//! Where the spec is silent the simulator chooses, and says so: `field` narrows `searchText` to
//! the fields with those labels; `from` / `to` are inclusive and filter by modification when
//! `filterBy` is absent; batch `merge=1` keeps the fields an uploaded contact leaves out,
//! `merge=0` replaces the contact; a batch contact without a known id is created.

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use super::api::{fault_answer, parse_body, require_json, text};
use super::config::Fault;
use super::state::SimState;

/// vega.md B.9: `limit` "0–60", default 30.
const MAX_LIMIT: usize = 60;
const DEFAULT_LIMIT: usize = 30;

/// A CRM Teler contact (vega.md B.9, "Contact object").
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SimCrmContact {
    /// Id; assigned by the simulator when created.
    #[serde(default)]
    pub id: Option<i64>,
    /// First name (often `null`).
    #[serde(default)]
    pub first_name: Option<String>,
    /// Last name (often `null`).
    #[serde(default)]
    pub last_name: Option<String>,
    /// Company (often `null`).
    #[serde(default)]
    pub company_title: Option<String>,
    /// Last change, ms.
    #[serde(default)]
    pub last_modified: Option<i64>,
    /// Responsible user (B.8 id).
    #[serde(default)]
    pub responsible_user_id: Option<i64>,
    /// Creation, ms.
    #[serde(default)]
    pub date_create: Option<i64>,
    /// Creator (B.8 id).
    #[serde(default)]
    pub create_user_id: Option<i64>,
    /// The account's fields.
    #[serde(default)]
    pub fields: Vec<SimCrmField>,
}

impl SimCrmContact {
    /// Every (label, value) the contact holds, field by field: what tests compare.
    pub fn values(&self) -> Vec<(String, String)> {
        self.fields
            .iter()
            .flat_map(|field| {
                field.values.iter().map(move |value| {
                    (
                        field.enum_code.clone().unwrap_or_default(),
                        value.value.clone().unwrap_or_default(),
                    )
                })
            })
            .collect()
    }
}

/// One field of a contact.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SimCrmField {
    /// Field id.
    #[serde(default)]
    pub id: Option<i64>,
    /// The account's label (`Телефон`, `Имя`...).
    #[serde(default)]
    pub enum_code: Option<String>,
    /// Its values.
    #[serde(default)]
    pub values: Vec<SimCrmValue>,
}

/// One value of a field.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SimCrmValue {
    /// Value id.
    #[serde(default)]
    pub id: Option<i64>,
    /// The value's label (`Робочий`...).
    #[serde(default)]
    pub enum_value_code: Option<String>,
    /// Last change, ms.
    #[serde(default)]
    pub last_modified: Option<i64>,
    /// The value.
    #[serde(default)]
    pub value: Option<String>,
}

/// A note (vega.md B.9, "Note object"), every field as the example lists it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[allow(missing_docs)]
pub struct SimCrmNote {
    pub id: i64,
    pub element_id: i64,
    pub element_type: i64,
    pub note_type: i64,
    pub date_create: i64,
    pub last_modified: i64,
    pub content: Option<String>,
    pub responsible_user_id: i64,
    pub other_leg_num: Option<String>,
    pub other_leg_name: Option<String>,
    pub status: Option<serde_json::Value>,
    pub error_msg: Option<String>,
    pub uuid: Option<String>,
    pub end: i64,
    pub leg_id: i64,
    pub logic_direction: i64,
    pub bill_sec: i64,
    pub record_link: Option<String>,
    pub trunk: Option<String>,
    pub tag: Option<String>,
}

#[derive(Default)]
struct Book {
    contacts: BTreeMap<i64, SimCrmContact>,
    notes: BTreeMap<i64, Vec<SimCrmNote>>,
    next_id: i64,
    /// The last `lastModified` given, so two changes in one millisecond still order.
    last_stamp: i64,
    faults: VecDeque<Fault>,
    requests: u64,
}

impl Book {
    fn stamp(&mut self) -> i64 {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
        self.last_stamp = now.max(self.last_stamp + 1);
        self.last_stamp
    }

    fn new_id(&mut self) -> i64 {
        self.next_id += 1;
        self.next_id
    }
}

/// CRM Teler's contacts and notes, in memory.
pub struct CrmBook {
    inner: Mutex<Book>,
}

/// 2023-11-14 22:13:20 UTC: seeded contacts were made and last changed around then.
const SEED_MS: i64 = 1_700_000_000_000;

fn field(id: i64, code: &str, value_code: &str, value: &str) -> SimCrmField {
    SimCrmField {
        id: Some(id),
        enum_code: Some(code.to_owned()),
        values: vec![SimCrmValue {
            id: Some(id + 1),
            enum_value_code: Some(value_code.to_owned()),
            last_modified: Some(SEED_MS),
            value: Some(value.to_owned()),
        }],
    }
}

fn seed(id: i64, offset_ms: i64, responsible: i64, fields: Vec<SimCrmField>) -> SimCrmContact {
    SimCrmContact {
        id: Some(id),
        last_modified: Some(SEED_MS + offset_ms),
        date_create: Some(SEED_MS - 86_400_000 + offset_ms),
        responsible_user_id: Some(responsible),
        create_user_id: Some(responsible),
        fields,
        ..SimCrmContact::default()
    }
}

impl CrmBook {
    /// The seeded book: vega.md B.9's two examples (Ukrainian labels), a Russian contact, one
    /// whose phone sits under an odd label, and one with no phone at all.
    pub fn seeded() -> CrmBook {
        let contacts = vec![
            seed(
                7068,
                0,
                27,
                vec![
                    field(32045, "Компанія", "Компанія", "Vega"),
                    field(32049, "Категорія", "Категорія", "EMPL"),
                    field(32051, "Телефон", "Робочий", "+380442249895"),
                ],
            ),
            seed(
                85491,
                1000,
                36,
                vec![
                    field(568725, "Ім'я", "Ім'я", "Олександр"),
                    field(568888, "Email", "Email робочий", "product@online.com"),
                    field(568727, "Телефон", "Робочий", "+380440000000"),
                    field(568887, "Компанія", "Компанія", "Online company"),
                    field(568728, "Категорія", "Категорія", "Потенційні клієнти"),
                ],
            ),
            seed(
                85492,
                2000,
                41,
                vec![
                    field(568731, "Имя", "Имя", "Иван"),
                    field(568733, "Фамилия", "Фамилия", "Петров"),
                    field(568735, "Телефон", "Мобильный", "8 (910) 123-45-67"),
                    field(568737, "Компания", "Компания", "Рога и копыта"),
                    field(568739, "Email", "Рабочий", "ivan@roga.ru"),
                ],
            ),
            seed(
                85493,
                3000,
                44,
                vec![
                    field(568741, "Прізвище", "Прізвище", "Коваленко"),
                    field(568743, "Ім'я", "Ім'я", "Марія"),
                    // A phone under a label no mapping would guess.
                    field(568745, "Додатково", "Інше", "067 123 45 67"),
                ],
            ),
            seed(
                85494,
                4000,
                36,
                vec![
                    field(568751, "Ім'я", "Ім'я", "Без Телефону"),
                    field(568753, "Категорія", "Категорія", "Архів"),
                ],
            ),
        ];
        let mut book = Book {
            next_id: 100_000,
            last_stamp: SEED_MS + 4000,
            ..Book::default()
        };
        for contact in contacts {
            let id = contact.id.unwrap_or_default();
            book.contacts.insert(id, contact);
        }
        book.notes.insert(
            85491,
            vec![SimCrmNote {
                id: 900_001,
                element_id: 85491,
                date_create: SEED_MS,
                last_modified: SEED_MS,
                content: Some("Просили перетелефонувати у вівторок".to_owned()),
                responsible_user_id: 36,
                ..SimCrmNote::default()
            }],
        );
        CrmBook {
            inner: Mutex::new(book),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Book> {
        // Plain data: a panic elsewhere leaves nothing half-written worth refusing.
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Every contact, by id.
    pub fn contacts(&self) -> Vec<SimCrmContact> {
        self.lock().contacts.values().cloned().collect()
    }

    /// The contact `id`, if any.
    pub fn contact(&self, id: i64) -> Option<SimCrmContact> {
        self.lock().contacts.get(&id).cloned()
    }

    /// Adds contacts (ids assigned where absent, `lastModified` now); returns their ids.
    pub fn add_contacts(&self, contacts: Vec<SimCrmContact>) -> Vec<i64> {
        let mut book = self.lock();
        contacts
            .into_iter()
            .map(|contact| create(&mut book, contact))
            .collect()
    }

    /// Sets the first value of the field labelled `enum_code` on contact `id` (adding the field
    /// if needed) and bumps its `lastModified`, as an edit in Vega's UI would; false when there
    /// is no such contact.
    pub fn set_field(&self, id: i64, enum_code: &str, value: &str) -> bool {
        let mut book = self.lock();
        let stamp = book.stamp();
        let Some(contact) = book.contacts.get_mut(&id) else {
            return false;
        };
        match contact
            .fields
            .iter_mut()
            .find(|f| f.enum_code.as_deref() == Some(enum_code))
        {
            Some(field) => match field.values.first_mut() {
                Some(first) => {
                    first.value = Some(value.to_owned());
                    first.last_modified = Some(stamp);
                }
                None => field.values.push(SimCrmValue {
                    value: Some(value.to_owned()),
                    last_modified: Some(stamp),
                    ..SimCrmValue::default()
                }),
            },
            None => contact.fields.push(SimCrmField {
                enum_code: Some(enum_code.to_owned()),
                values: vec![SimCrmValue {
                    enum_value_code: Some(enum_code.to_owned()),
                    value: Some(value.to_owned()),
                    last_modified: Some(stamp),
                    ..SimCrmValue::default()
                }],
                ..SimCrmField::default()
            }),
        }
        contact.last_modified = Some(stamp);
        true
    }

    /// The notes of contact `id`.
    pub fn notes(&self, id: i64) -> Vec<SimCrmNote> {
        self.lock().notes.get(&id).cloned().unwrap_or_default()
    }

    /// Makes the next `count` authorized CRM requests fail this way.
    pub fn inject_faults(&self, fault: Fault, count: u32) {
        let mut book = self.lock();
        book.faults
            .extend(std::iter::repeat_n(fault, count as usize));
    }

    /// Authorized CRM requests so far (faulty ones included).
    pub fn requests(&self) -> u64 {
        self.lock().requests
    }

    /// Counts a request and takes the next fault, if any.
    fn next_fault(&self) -> Option<Fault> {
        let mut book = self.lock();
        book.requests += 1;
        book.faults.pop_front()
    }
}

fn create(book: &mut Book, mut contact: SimCrmContact) -> i64 {
    let id = match contact.id {
        Some(id) if id > 0 && !book.contacts.contains_key(&id) => id,
        _ => book.new_id(),
    };
    let stamp = book.stamp();
    contact.id = Some(id);
    contact.date_create = Some(contact.date_create.unwrap_or(stamp));
    contact.last_modified = Some(stamp);
    book.next_id = book.next_id.max(id);
    book.contacts.insert(id, contact);
    id
}

pub(super) fn routes() -> Router<Arc<SimState>> {
    Router::new()
        .route("/crm/contacts/v2/", get(list).post(update))
        .route("/crm/contacts/v2/searchByOLNum", get(search_by_number))
        .route("/crm/contacts/v2/batch", axum::routing::post(batch))
        .route("/crm/contacts/v2/{id}", get(one).delete(delete))
        .route(
            "/crm/contacts/v2/{id}/notes",
            get(notes).post(add_note).put(update_note),
        )
        .route(
            "/crm/contacts/v2/{id}/notes/{note}",
            axum::routing::delete(delete_note),
        )
}

/// An error answer, boxed: a `Response` is too large to pass around in a `Result`.
type Refusal = Box<Response>;

fn bad(message: impl Into<String>) -> Response {
    text(StatusCode::BAD_REQUEST, message)
}

fn not_found(message: impl Into<String>) -> Response {
    text(StatusCode::NOT_FOUND, message)
}

/// The `1` that update and delete answer (vega.md B.9).
fn one_body() -> Response {
    (StatusCode::OK, "1").into_response()
}

/// A path id: vega.md B.9 types them `Long`.
fn path_id(raw: &str, name: &str) -> Result<i64, Refusal> {
    raw.trim()
        .parse::<i64>()
        .map_err(|_| Box::new(bad(format!("{name} must be a number (Long), got {raw:?}"))))
}

/// The fault to answer instead, if one is queued.
async fn fault(state: &SimState) -> Option<Response> {
    let queued = state.crm.next_fault();
    fault_answer(state, queued).await
}

/// A number parameter in `min..=max`.
fn number(
    params: &[(String, String)],
    name: &str,
    default: Option<i64>,
    min: i64,
    max: i64,
) -> Result<Option<i64>, Refusal> {
    match params.iter().rev().find(|(k, _)| k == name) {
        None => Ok(default),
        Some((_, raw)) => match raw.trim().parse::<i64>() {
            Ok(n) if (min..=max).contains(&n) => Ok(Some(n)),
            _ => Err(Box::new(bad(format!(
                "Bad parameter {name}={raw:?}: expected a number from {min} to {max}"
            )))),
        },
    }
}

fn page(
    params: &[(String, String)],
    contacts: Vec<SimCrmContact>,
) -> Result<Vec<SimCrmContact>, Refusal> {
    let offset = number(params, "offset", Some(0), 0, i64::MAX)?.unwrap_or(0);
    let limit = number(
        params,
        "limit",
        Some(DEFAULT_LIMIT as i64),
        0,
        MAX_LIMIT as i64,
    )?
    .unwrap_or(DEFAULT_LIMIT as i64);
    Ok(contacts
        .into_iter()
        .skip(usize::try_from(offset).unwrap_or(usize::MAX))
        .take(usize::try_from(limit).unwrap_or(0))
        .collect())
}

fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .rev()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// vega.md B.9 `GET /crm/contacts/v2/{id}`.
async fn one(State(state): State<Arc<SimState>>, Path(id): Path<String>) -> Response {
    if let Some(response) = fault(&state).await {
        return response;
    }
    let id = match path_id(&id, "id") {
        Ok(id) => id,
        Err(response) => return *response,
    };
    match state.crm.contact(id) {
        Some(contact) => Json(contact).into_response(),
        None => not_found(format!("No contact with id {id}")),
    }
}

/// vega.md B.9 `GET /crm/contacts/v2/`.
async fn list(
    State(state): State<Arc<SimState>>,
    Query(params): Query<Vec<(String, String)>>,
) -> Response {
    if let Some(response) = fault(&state).await {
        return response;
    }
    let checked = (|| {
        let filter_by = number(&params, "filterBy", Some(1), 0, 1)?.unwrap_or(1);
        let from = number(&params, "from", None, i64::MIN, i64::MAX)?;
        let to = number(&params, "to", None, i64::MIN, i64::MAX)?;
        Ok::<_, Refusal>((filter_by, from, to))
    })();
    let (filter_by, from, to) = match checked {
        Ok(checked) => checked,
        Err(response) => return *response,
    };
    let labels: Vec<String> = params
        .iter()
        .filter(|(k, _)| k == "field")
        .map(|(_, v)| v.trim().to_lowercase())
        .collect();
    let search = param(&params, "searchText").map(|s| s.trim().to_lowercase());
    let note_search = param(&params, "searchNoteText").map(|s| s.trim().to_lowercase());
    let book_notes: BTreeMap<i64, Vec<SimCrmNote>> = state.crm.lock().notes.clone();
    let matching: Vec<SimCrmContact> = state
        .crm
        .contacts()
        .into_iter()
        .filter(|c| {
            let at = if filter_by == 1 {
                c.last_modified
            } else {
                c.date_create
            }
            .unwrap_or(0);
            from.is_none_or(|from| at >= from) && to.is_none_or(|to| at <= to)
        })
        .filter(|c| {
            search.as_deref().filter(|s| !s.is_empty()).is_none_or(|s| {
                c.fields
                    .iter()
                    .filter(|f| {
                        labels.is_empty()
                            || labels
                                .contains(&f.enum_code.clone().unwrap_or_default().to_lowercase())
                    })
                    .flat_map(|f| &f.values)
                    .any(|v| v.value.as_deref().unwrap_or("").to_lowercase().contains(s))
            })
        })
        .filter(|c| {
            note_search
                .as_deref()
                .filter(|s| !s.is_empty())
                .is_none_or(|s| {
                    book_notes
                        .get(&c.id.unwrap_or_default())
                        .into_iter()
                        .flatten()
                        .any(|n| {
                            n.content
                                .as_deref()
                                .unwrap_or("")
                                .to_lowercase()
                                .contains(s)
                        })
                })
        })
        .collect();
    match page(&params, matching) {
        Ok(contacts) => Json(contacts).into_response(),
        Err(response) => *response,
    }
}

/// Digits only, for comparing numbers however they were written.
fn digits(text: &str) -> String {
    text.chars().filter(char::is_ascii_digit).collect()
}

/// Two numbers are one when their last 9 digits (a UA or RU subscriber number) agree.
fn same_number(a: &str, b: &str) -> bool {
    let (a, b) = (digits(a), digits(b));
    if a.len() < 9 || b.len() < 9 {
        return !a.is_empty() && a == b;
    }
    a[a.len() - 9..] == b[b.len() - 9..]
}

/// vega.md B.9 `GET /crm/contacts/v2/searchByOLNum`.
async fn search_by_number(
    State(state): State<Arc<SimState>>,
    Query(params): Query<Vec<(String, String)>>,
) -> Response {
    if let Some(response) = fault(&state).await {
        return response;
    }
    let Some(number) = param(&params, "otherLegNum").filter(|n| !n.trim().is_empty()) else {
        return bad("Parameter otherLegNum is missing");
    };
    let matching: Vec<SimCrmContact> = state
        .crm
        .contacts()
        .into_iter()
        .filter(|c| {
            c.fields
                .iter()
                .flat_map(|f| &f.values)
                .any(|v| same_number(v.value.as_deref().unwrap_or(""), number))
        })
        .collect();
    match page(&params, matching) {
        Ok(contacts) => Json(contacts).into_response(),
        Err(response) => *response,
    }
}

/// vega.md B.9 `POST /crm/contacts/v2/`: update; `400` without an id.
async fn update(State(state): State<Arc<SimState>>, headers: HeaderMap, body: Bytes) -> Response {
    if let Some(response) = fault(&state).await {
        return response;
    }
    if let Err(error) = require_json(&headers) {
        return error.into_response();
    }
    let contact: SimCrmContact = match parse_body(&body, "a contact object") {
        Ok(contact) => contact,
        Err(error) => return error.into_response(),
    };
    let Some(id) = contact.id else {
        return bad("Parameter id is missing");
    };
    let mut book = state.crm.lock();
    let stamp = book.stamp();
    let Some(stored) = book.contacts.get_mut(&id) else {
        return not_found(format!("No contact with id {id}"));
    };
    let date_create = stored.date_create;
    *stored = SimCrmContact {
        last_modified: Some(stamp),
        date_create,
        ..contact
    };
    one_body()
}

/// vega.md B.9 `DELETE /crm/contacts/v2/{id}`.
async fn delete(State(state): State<Arc<SimState>>, Path(id): Path<String>) -> Response {
    if let Some(response) = fault(&state).await {
        return response;
    }
    let id = match path_id(&id, "id") {
        Ok(id) => id,
        Err(response) => return *response,
    };
    let mut book = state.crm.lock();
    if book.contacts.remove(&id).is_none() {
        return not_found(format!("No contact with id {id}"));
    }
    book.notes.remove(&id);
    one_body()
}

#[derive(Deserialize)]
struct BatchRequest {
    merge: Option<i64>,
    contacts: Option<Vec<serde_json::Value>>,
}

/// vega.md B.9 `POST /crm/contacts/v2/batch`: `201 {succeeded, failed}`.
async fn batch(State(state): State<Arc<SimState>>, headers: HeaderMap, body: Bytes) -> Response {
    if let Some(response) = fault(&state).await {
        return response;
    }
    if let Err(error) = require_json(&headers) {
        return error.into_response();
    }
    let request: BatchRequest = match parse_body(&body, r#"{"merge": 1, "contacts": [...]}"#) {
        Ok(request) => request,
        Err(error) => return error.into_response(),
    };
    let merge = match request.merge {
        Some(merge @ (0 | 1)) => merge == 1,
        Some(other) => return bad(format!("merge must be 1 or 0, got {other}")),
        None => return bad("Parameter merge is missing"),
    };
    let Some(contacts) = request.contacts else {
        return bad("Parameter contacts is missing");
    };
    let (mut succeeded, mut failed) = (0u64, 0u64);
    let mut book = state.crm.lock();
    for value in contacts {
        let Ok(contact) = serde_json::from_value::<SimCrmContact>(value) else {
            failed += 1;
            continue;
        };
        match contact.id.filter(|id| book.contacts.contains_key(id)) {
            Some(id) => {
                let stamp = book.stamp();
                if let Some(stored) = book.contacts.get_mut(&id) {
                    if merge {
                        for field in contact.fields {
                            match stored
                                .fields
                                .iter_mut()
                                .find(|f| f.enum_code == field.enum_code)
                            {
                                Some(existing) => *existing = field,
                                None => stored.fields.push(field),
                            }
                        }
                    } else {
                        let date_create = stored.date_create;
                        *stored = SimCrmContact {
                            date_create,
                            ..contact
                        };
                    }
                    stored.last_modified = Some(stamp);
                }
            }
            None => {
                create(&mut book, contact);
            }
        }
        succeeded += 1;
    }
    (
        StatusCode::CREATED,
        Json(serde_json::json!({ "succeeded": succeeded, "failed": failed })),
    )
        .into_response()
}

/// vega.md B.9 `GET /crm/contacts/v2/{id}/notes`.
async fn notes(State(state): State<Arc<SimState>>, Path(id): Path<String>) -> Response {
    if let Some(response) = fault(&state).await {
        return response;
    }
    let id = match path_id(&id, "id") {
        Ok(id) => id,
        Err(response) => return *response,
    };
    if state.crm.contact(id).is_none() {
        return not_found(format!("No contact with id {id}"));
    }
    Json(state.crm.notes(id)).into_response()
}

fn note_request(id: &str, headers: &HeaderMap, body: &[u8]) -> Result<(i64, SimCrmNote), Refusal> {
    let id = path_id(id, "id")?;
    require_json(headers).map_err(|e| Box::new(e.into_response()))?;
    let note =
        parse_body::<SimCrmNote>(body, "a note object").map_err(|e| Box::new(e.into_response()))?;
    Ok((id, note))
}

/// vega.md B.9 `POST /crm/contacts/v2/{id}/notes`: the saved note, with its ids.
async fn add_note(
    State(state): State<Arc<SimState>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Some(response) = fault(&state).await {
        return response;
    }
    let (id, mut note) = match note_request(&id, &headers, &body) {
        Ok(request) => request,
        Err(response) => return *response,
    };
    let mut book = state.crm.lock();
    if !book.contacts.contains_key(&id) {
        // B.9 lists only 400 for this call: an unknown contact is a bad parameter.
        return bad(format!("No contact with id {id}"));
    }
    let stamp = book.stamp();
    note.id = book.new_id();
    note.element_id = id;
    note.date_create = stamp;
    note.last_modified = stamp;
    book.notes.entry(id).or_default().push(note.clone());
    Json(note).into_response()
}

/// vega.md B.9 `PUT /crm/contacts/v2/{id}/notes`: `1`.
async fn update_note(
    State(state): State<Arc<SimState>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Some(response) = fault(&state).await {
        return response;
    }
    let (id, note) = match note_request(&id, &headers, &body) {
        Ok(request) => request,
        Err(response) => return *response,
    };
    if note.id <= 0 {
        return bad("Parameter id of the note is missing");
    }
    let mut book = state.crm.lock();
    if !book.contacts.contains_key(&id) {
        return not_found(format!("No contact with id {id}"));
    }
    let stamp = book.stamp();
    let Some(stored) = book
        .notes
        .get_mut(&id)
        .and_then(|notes| notes.iter_mut().find(|n| n.id == note.id))
    else {
        return not_found(format!("No note {} on contact {id}", note.id));
    };
    *stored = SimCrmNote {
        element_id: id,
        date_create: stored.date_create,
        last_modified: stamp,
        ..note
    };
    one_body()
}

/// vega.md B.9 `DELETE /crm/contacts/v2/{cntId}/notes/{noteId}`: `1`.
async fn delete_note(
    State(state): State<Arc<SimState>>,
    Path((id, note)): Path<(String, String)>,
) -> Response {
    if let Some(response) = fault(&state).await {
        return response;
    }
    let (id, note) = match (path_id(&id, "cntId"), path_id(&note, "noteId")) {
        (Ok(id), Ok(note)) => (id, note),
        (Err(response), _) | (_, Err(response)) => return *response,
    };
    let mut book = state.crm.lock();
    if !book.contacts.contains_key(&id) {
        return not_found(format!("No contact with id {id}"));
    }
    let notes = book.notes.entry(id).or_default();
    let before = notes.len();
    notes.retain(|n| n.id != note);
    if notes.len() == before {
        return not_found(format!("No note {note} on contact {id}"));
    }
    one_body()
}
