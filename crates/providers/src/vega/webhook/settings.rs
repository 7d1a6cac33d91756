//! `call.settings` (vega.md A.1): Vega asks who a number is; we answer from the directory.
//!
//! The request's encoding is not stated (A.1: "accept JSON, and form fields as a fallback"): a
//! form `Content-Type` is read as form fields, anything else whose body starts with `{` as JSON,
//! and any other body as form fields. The answer is one indexed SQLite look-up, well inside the
//! 50 ms Vega allows; a slower one is logged.
//!
//! Answers:
//! - a known number: `name` and `urlText` are the contact's name, `url` its link (`null` when
//!   the directory has none), `newEntry: false`, and the responsible employee's extension and
//!   e-mail when the contact's "responsible" names exactly one employee of the list (by
//!   extension, e-mail, login or name in either word order: `callpop_core::employee`), `null`
//!   otherwise — Vega routes a regular client's call to that employee (A.1), so a text that
//!   fits two employees names neither;
//! - an unknown number: variant (a), a "create contact" link carrying the number in its `phone`
//!   parameter, when a link template is configured; variant (b) `{"otherLeg": null}` when not.

use std::time::{Duration, Instant};

use callpop_core::employee::resolve_responsible_logged;
use callpop_core::{Contact, Employee, PhoneNumber, Store};
use serde::Serialize;
use serde_json::Value;

use super::request::{
    is_form, json_body, kind, text_field, WebhookError, WebhookReply, WebhookRequest,
};

/// The `request` name of a contact look-up.
pub const CALL_SETTINGS: &str = "call.settings";

/// The link text for "create contact" that vega.md A.1's example uses ("Add contact").
pub const DEFAULT_NEW_CONTACT_TEXT: &str = "Додати контакт";

/// The placeholder in [`CallSettingsOptions::new_contact_url`] replaced by the number.
pub const PHONE_PLACEHOLDER: &str = "{phone}";

/// Vega's time limit for the answer (the task's budget; vega.md states none): slower look-ups
/// are logged.
const LOOKUP_BUDGET: Duration = Duration::from_millis(50);

/// How unknown numbers are answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallSettingsOptions {
    /// The "create contact" link for an unknown number, e.g.
    /// `https://crm.example.com/contacts/new?phone={phone}`: `{phone}` is replaced by the number,
    /// URL-encoded (`%2B380442246595`). A template without `{phone}` gets `phone=...` appended as
    /// a query parameter (A.1: the link "must carry a `phone` parameter"). `None`: unknown numbers
    /// get variant (b), `{"otherLeg": null}` (which Vega's Chrome extension cannot use).
    pub new_contact_url: Option<String>,
    /// The text of that link.
    pub new_contact_text: String,
}

impl Default for CallSettingsOptions {
    /// Variant (b) for unknown numbers, and the spec's link text should a template be set later.
    fn default() -> CallSettingsOptions {
        CallSettingsOptions {
            new_contact_url: None,
            new_contact_text: DEFAULT_NEW_CONTACT_TEXT.to_owned(),
        }
    }
}

/// A parsed `call.settings` request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallSettingsRequest {
    /// `otherLegNum`: the client's number as Vega wrote it (trimmed).
    pub other_leg_num: String,
    /// `trunkNum`: the company number the client called (incoming calls only).
    pub trunk_num: Option<String>,
}

/// The answer's body: `{"otherLeg": {...}}` or `{"otherLeg": null}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CallSettingsAnswer {
    /// The contact, or `None` for variant (b).
    pub other_leg: Option<OtherLegAnswer>,
}

/// `otherLeg` of the answer (vega.md A.1), field for field; `None` is written as `null`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OtherLegAnswer {
    /// The client's name; `None` when unknown.
    pub name: Option<String>,
    /// The client's card, or the link that creates one.
    pub url: Option<String>,
    /// The link's text.
    pub url_text: Option<String>,
    /// True for an unknown client.
    pub new_entry: bool,
    /// The responsible employee's extension: Vega routes the call to it.
    pub responsible_employee_ext: Option<String>,
    /// The responsible employee's e-mail (Vega prefers the extension when both are set).
    pub responsible_employee_email: Option<String>,
}

/// Reads a `call.settings` body: JSON, or form fields (see the module doc). `request`, when
/// present, must be `call.settings` (a URL serving only look-ups needs no name); `otherLegNum`
/// is required.
pub fn parse_call_settings(
    content_type: Option<&str>,
    body: &[u8],
) -> Result<CallSettingsRequest, WebhookError> {
    let fields = if is_form(content_type) || !starts_like_json(body) {
        form_fields(body)?
    } else {
        json_fields(body)?
    };
    if let Some(name) = &fields.request {
        if name != CALL_SETTINGS {
            return Err(unknown_request(name));
        }
    }
    let other_leg_num = fields
        .other_leg_num
        .ok_or_else(|| WebhookError::InvalidParameters("otherLegNum is missing".into()))?;
    Ok(CallSettingsRequest {
        other_leg_num,
        trunk_num: fields.trunk_num,
    })
}

/// The answer for `request`: the directory's contact for the number, or the unknown-number
/// variant `options` choose. `employees` maps the contact's "responsible" to an extension and an
/// e-mail.
pub fn answer_call_settings(
    request: &CallSettingsRequest,
    directory: &Store,
    employees: &[Employee],
    options: &CallSettingsOptions,
) -> Result<CallSettingsAnswer, callpop_core::StoreError> {
    let number = PhoneNumber::parse(&request.other_leg_num, directory.region());
    let started = Instant::now();
    let contact = directory.lookup(&number)?;
    if started.elapsed() > LOOKUP_BUDGET {
        tracing::warn!(
            elapsed_ms = started.elapsed().as_millis() as u64,
            "call.settings: the directory look-up took longer than Vega's 50 ms"
        );
    }
    let other_leg = match contact {
        Some(contact) => Some(known_contact(&contact, employees)),
        None => options
            .new_contact_url
            .as_deref()
            .map(|template| OtherLegAnswer {
                name: None,
                url: Some(new_contact_link(template, &number)),
                url_text: Some(options.new_contact_text.clone()),
                new_entry: true,
                responsible_employee_ext: None,
                responsible_employee_email: None,
            }),
    };
    Ok(CallSettingsAnswer { other_leg })
}

/// The whole exchange: parse, look up, reply. `200` with the answer; `400` for a bad request;
/// `500` `{"error": "Internal error: ..."}` when the directory fails (Vega then shows the bare
/// number, as with no CRM).
pub fn handle_call_settings(
    request: &WebhookRequest,
    directory: &Store,
    employees: &[Employee],
    options: &CallSettingsOptions,
) -> WebhookReply {
    let parsed = match parse_call_settings(request.content_type.as_deref(), &request.body) {
        Ok(parsed) => parsed,
        Err(error) => {
            tracing::warn!("call.settings refused ({}): {error}", error.status());
            return error.reply();
        }
    };
    match answer_call_settings(&parsed, directory, employees, options) {
        Ok(answer) => WebhookReply::json(200, &answer),
        Err(error) => {
            tracing::error!("call.settings: the directory failed: {error}");
            WebhookReply::json(
                500,
                &serde_json::json!({ "error": "Internal error: the directory is unavailable" }),
            )
        }
    }
}

fn known_contact(contact: &Contact, employees: &[Employee]) -> OtherLegAnswer {
    let responsible = contact
        .responsible
        .as_deref()
        .and_then(|who| resolve_responsible_logged(employees, who, CALL_SETTINGS).one());
    OtherLegAnswer {
        name: Some(contact.name.clone()),
        url: contact.url.clone(),
        // A.1: "the contact's name if it exists".
        url_text: Some(contact.name.clone()),
        new_entry: false,
        responsible_employee_ext: responsible.and_then(|e| e.ext.clone()),
        responsible_employee_email: responsible.and_then(|e| e.email.clone()),
    }
}

/// `template` with the number put in: E.164 when it is an outside number, else as Vega sent it
/// (trimmed), URL-encoded in either case.
fn new_contact_link(template: &str, number: &PhoneNumber) -> String {
    let text = number.key();
    let encoded: String = form_urlencoded::byte_serialize(text.as_bytes()).collect();
    if template.contains(PHONE_PLACEHOLDER) {
        return template.replace(PHONE_PLACEHOLDER, &encoded);
    }
    // No placeholder: append the parameter to the query, before any fragment.
    let (base, fragment) = match template.split_once('#') {
        Some((base, fragment)) => (base, Some(fragment)),
        None => (template, None),
    };
    let separator = match base.contains('?') {
        true if base.ends_with('?') || base.ends_with('&') => "",
        true => "&",
        false => "?",
    };
    let mut link = format!("{base}{separator}phone={encoded}");
    if let Some(fragment) = fragment {
        link.push('#');
        link.push_str(fragment);
    }
    link
}

/// The three fields of a look-up, however they were sent.
#[derive(Debug, Default)]
struct SettingsFields {
    request: Option<String>,
    other_leg_num: Option<String>,
    trunk_num: Option<String>,
}

fn starts_like_json(body: &[u8]) -> bool {
    body.iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|b| *b == b'{' || *b == b'[')
}

fn json_fields(body: &[u8]) -> Result<SettingsFields, WebhookError> {
    let value = json_body(body)?;
    let Value::Object(object) = &value else {
        return Err(WebhookError::InvalidParameters(format!(
            "the body must be a JSON object, not {}",
            kind(&value)
        )));
    };
    let field = |name: &str| {
        text_field(object.get(name))
            .map_err(|why| WebhookError::InvalidParameters(format!("{name}: {why}")))
    };
    Ok(SettingsFields {
        request: field("request")?,
        other_leg_num: field("otherLegNum")?,
        trunk_num: field("trunkNum")?,
    })
}

fn form_fields(body: &[u8]) -> Result<SettingsFields, WebhookError> {
    if std::str::from_utf8(body).is_err() {
        return Err(WebhookError::InvalidParameters(
            "the body is neither JSON nor UTF-8 form fields".into(),
        ));
    }
    let mut fields = SettingsFields::default();
    for (name, value) in form_urlencoded::parse(body) {
        let value = value.trim();
        let slot = match name.as_ref() {
            "request" => &mut fields.request,
            "otherLegNum" => &mut fields.other_leg_num,
            "trunkNum" => &mut fields.trunk_num,
            _ => continue,
        };
        if !value.is_empty() && slot.is_none() {
            *slot = Some(value.to_owned());
        }
    }
    Ok(fields)
}

fn unknown_request(name: &str) -> WebhookError {
    let shown: String = name.chars().take(60).collect();
    WebhookError::UnknownRequest(format!(
        "{shown:?}; this endpoint answers only \"{CALL_SETTINGS}\""
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use callpop_core::NewContact;

    use crate::vega::examples::SETTINGS_REQUEST as SPEC_REQUEST;

    #[test]
    fn the_spec_request_parses_as_json_with_or_without_a_content_type() {
        for content_type in [Some("application/json"), None, Some("text/plain")] {
            let parsed = parse_call_settings(content_type, SPEC_REQUEST.as_bytes()).unwrap();
            assert_eq!(
                parsed,
                CallSettingsRequest {
                    other_leg_num: "+380442246595".into(),
                    trunk_num: Some("0800218500".into()),
                }
            );
        }
    }

    #[test]
    fn form_fields_are_the_fallback() {
        let body = b"request=call.settings&otherLegNum=%2B380442246595&trunkNum=0800218500";
        for content_type in [Some("application/x-www-form-urlencoded"), None] {
            let parsed = parse_call_settings(content_type, body).unwrap();
            assert_eq!(parsed.other_leg_num, "+380442246595");
            assert_eq!(parsed.trunk_num.as_deref(), Some("0800218500"));
        }
        // A `+` in a form is a space: Vega would have to encode it; the number still reads.
        let parsed = parse_call_settings(None, b"otherLegNum=+380442246595").unwrap();
        assert_eq!(parsed.other_leg_num, "380442246595");
    }

    #[test]
    fn another_request_name_is_an_unknown_request() {
        let error = parse_call_settings(
            None,
            br#"{"request": "call.history", "otherLegNum": "+380442246595"}"#,
        )
        .unwrap_err();
        assert_eq!(error.status(), 400);
        assert_eq!(
            error.to_string(),
            r#"Unknown request: "call.history"; this endpoint answers only "call.settings""#
        );
    }

    #[test]
    fn a_missing_number_or_a_broken_body_is_invalid() {
        let cases: [(&[u8], &str); 5] = [
            (
                br#"{"request": "call.settings"}"#,
                "Invalid parameters: otherLegNum is missing",
            ),
            (
                br#"{"otherLegNum": ""}"#,
                "Invalid parameters: otherLegNum is missing",
            ),
            (
                b"request=call.settings",
                "Invalid parameters: otherLegNum is missing",
            ),
            (
                br#"{"otherLegNum": ["+380"]}"#,
                "Invalid parameters: otherLegNum: expected text, got an array",
            ),
            (
                br#"["+380442246595"]"#,
                "Invalid parameters: the body must be a JSON object, not an array",
            ),
        ];
        for (body, text) in cases {
            let error = parse_call_settings(Some("application/json"), body).unwrap_err();
            assert_eq!(error.to_string(), text);
        }
        let error = parse_call_settings(None, b"{\"otherLegNum\": ").unwrap_err();
        assert!(error
            .to_string()
            .starts_with("Invalid parameters: the body is not JSON"));
        let error = parse_call_settings(None, &[0xff, 0xfe, 0x00]).unwrap_err();
        assert_eq!(error.status(), 400);
    }

    #[test]
    fn the_new_contact_link_carries_the_number_url_encoded() {
        let number = PhoneNumber::parse("+380442246595", "UA");
        let cases = [
            (
                "https://crm.example.com/contacts/new?phone={phone}",
                "https://crm.example.com/contacts/new?phone=%2B380442246595",
            ),
            (
                "http://crm.com/contacts/new",
                "http://crm.com/contacts/new?phone=%2B380442246595",
            ),
            (
                "http://crm.com/new?src=vega#form",
                "http://crm.com/new?src=vega&phone=%2B380442246595#form",
            ),
        ];
        for (template, link) in cases {
            assert_eq!(new_contact_link(template, &number), link);
        }
        // Written nationally, it still goes out in E.164.
        let national = PhoneNumber::parse("044 224 65 95", "UA");
        assert_eq!(
            new_contact_link("https://x/?phone={phone}", &national),
            "https://x/?phone=%2B380442246595"
        );
    }

    fn ivan() -> Employee {
        Employee {
            id: "30".into(),
            name: "Іван Іванов".into(),
            ext: Some("001".into()),
            email: Some("example@email.com".into()),
        }
    }

    fn directory() -> Store {
        let store = Store::open_in_memory("UA").unwrap();
        store
            .add_contact(&NewContact {
                name: "Іван Іванов".into(),
                responsible: Some("example@email.com".into()),
                url: Some("http://crm.com/contacts?id=1".into()),
                phones: vec![PhoneNumber::parse("+380442246595", "UA")],
                ..NewContact::default()
            })
            .unwrap();
        store
    }

    #[test]
    fn a_known_number_answers_like_the_spec_example() {
        let request = CallSettingsRequest {
            other_leg_num: "0442246595".into(),
            trunk_num: None,
        };
        let answer = answer_call_settings(
            &request,
            &directory(),
            &[ivan()],
            &CallSettingsOptions::default(),
        )
        .unwrap();
        let expected: Value = serde_json::from_str(
            r#"{ "otherLeg": {
                "name": "Іван Іванов",
                "url": "http://crm.com/contacts?id=1",
                "urlText": "Іван Іванов",
                "newEntry": false,
                "responsibleEmployeeExt": "001",
                "responsibleEmployeeEmail": "example@email.com" } }"#,
        )
        .unwrap();
        assert_eq!(serde_json::to_value(&answer).unwrap(), expected);
    }
}
