//! The JSON the cloud PBX answers with (cloud-pbx.md 5), read leniently where the spec is loose
//! (`ext` is a string in `accounts` but a number in `groups`).

use callpop_core::Employee;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

/// The `cmd` values the client sends (cloud-pbx.md 3). Public clients of the live PBX send the
/// correctly spelled `subscriptionStatus`, not the example's `subscribtionstatus`.
pub mod cmd {
    /// cloud-pbx.md 5.1.
    pub const ACCOUNTS: &str = "accounts";
    /// cloud-pbx.md 5.2.
    pub const GROUPS: &str = "groups";
    /// cloud-pbx.md 5.3.
    pub const MAKE_CALL: &str = "makeCall";
    /// cloud-pbx.md 5.4.
    pub const HISTORY: &str = "history";
    /// cloud-pbx.md 5.5.
    pub const SUBSCRIBE_ON_CALLS: &str = "subscribeOnCalls";
    /// cloud-pbx.md 5.6 (the spec's example misspells it `subscribtionstatus`).
    pub const SUBSCRIPTION_STATUS: &str = "subscriptionStatus";
    /// cloud-pbx.md 5.7.
    pub const SET_DND: &str = "set_dnd";
    /// cloud-pbx.md 5.8.
    pub const GET_DND: &str = "get_dnd";
}

/// One PBX user (cloud-pbx.md 5.1 `accounts`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PbxAccount {
    /// `name`: the user's login, the id every other command and webhook uses.
    pub name: String,
    /// `realName`: readable name.
    #[serde(rename = "realName", default, deserialize_with = "lenient_text")]
    pub real_name: Option<String>,
    /// `ext`: internal number.
    #[serde(default, deserialize_with = "lenient_text")]
    pub ext: Option<String>,
    /// `telnum`: direct number, if any.
    #[serde(default, deserialize_with = "lenient_text")]
    pub telnum: Option<String>,
}

impl PbxAccount {
    /// As the core's [`Employee`]: `id` is the login, `name` the real name (the login if none).
    pub fn employee(&self) -> Employee {
        Employee {
            id: self.name.clone(),
            name: self.real_name.clone().unwrap_or_else(|| self.name.clone()),
            ext: self.ext.clone(),
            email: None,
        }
    }
}

/// One department (cloud-pbx.md 5.2 `groups`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PbxGroup {
    /// `id`: what `subscribeOnCalls` / `subscriptionStatus` take as `group_id`.
    #[serde(deserialize_with = "required_text")]
    pub id: String,
    /// `realName`: the department's name.
    #[serde(rename = "realName", default, deserialize_with = "lenient_text")]
    pub real_name: Option<String>,
    /// `ext`: the department's number (a JSON number in the spec's example).
    #[serde(default, deserialize_with = "lenient_text")]
    pub ext: Option<String>,
}

/// cloud-pbx.md 5.6: `{status: "on" | "off"}`.
#[derive(Debug, Deserialize)]
pub(crate) struct SubscriptionAnswer {
    pub status: Value,
}

/// cloud-pbx.md 5.8: `{state: true | false}`.
#[derive(Debug, Deserialize)]
pub(crate) struct DndAnswer {
    pub state: Value,
}

/// `on`/`off`, `true`/`false`, `1`/`0` as a bool; `None` for anything else.
pub(crate) fn flag(value: &Value) -> Option<bool> {
    match value {
        Value::Bool(b) => Some(*b),
        Value::Number(n) => n.as_i64().map(|n| n != 0),
        Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
            "on" | "true" | "1" | "yes" => Some(true),
            "off" | "false" | "0" | "no" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

/// cloud-pbx.md 5.3: the call id's "body format unspecified": a JSON object with an id field, a
/// JSON string or number, or plain text. `None` when the body holds no id.
pub(crate) fn make_call_id(body: &str) -> Option<String> {
    let body = body.trim();
    match serde_json::from_str::<Value>(body) {
        Ok(Value::String(id)) => non_empty(&id),
        Ok(Value::Number(id)) => Some(id.to_string()),
        Ok(Value::Object(object)) => ["CallID", "callid", "callId", "call_id", "id", "uid"]
            .iter()
            .find_map(|key| match object.get(*key) {
                Some(Value::String(id)) => non_empty(id),
                Some(Value::Number(id)) => Some(id.to_string()),
                _ => None,
            }),
        Ok(_) => None,
        // Plain text: one short token, not an HTML page.
        Err(_) => (!body.is_empty() && body.len() <= 200 && !body.contains(char::is_whitespace))
            .then(|| body.to_owned()),
    }
}

fn non_empty(text: &str) -> Option<String> {
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

/// A string or a number as text; empty and null as `None`.
fn lenient_text<'de, D: Deserializer<'de>>(de: D) -> Result<Option<String>, D::Error> {
    Ok(match Value::deserialize(de)? {
        Value::String(s) => non_empty(&s),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    })
}

fn required_text<'de, D: Deserializer<'de>>(de: D) -> Result<String, D::Error> {
    lenient_text(de)?.ok_or_else(|| serde::de::Error::custom("expected a non-empty id"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_spec_accounts_and_groups_examples_parse() {
        let accounts: Vec<PbxAccount> = serde_json::from_str(
            r#"[{ "name": "test", "realName": "Тестовый пользователь", "ext": "701" },
                { "name": "andy", "realName": "Петров Андрей", "ext": "708", "telnum": "79261234567" }]"#,
        )
        .unwrap();
        assert_eq!(accounts[1].telnum.as_deref(), Some("79261234567"));
        assert_eq!(accounts[0].employee().name, "Тестовый пользователь");
        assert_eq!(accounts[1].employee().id, "andy");
        let groups: Vec<PbxGroup> = serde_json::from_str(
            r#"[ { "id": "sales", "realName": "Отдел продаж", "ext": 701 } ]"#,
        )
        .unwrap();
        assert_eq!(groups[0].ext.as_deref(), Some("701"));
    }

    #[test]
    fn a_call_id_is_read_from_any_body_form() {
        assert_eq!(
            make_call_id(r#"{"CallID":"abc-1"}"#).as_deref(),
            Some("abc-1")
        );
        assert_eq!(make_call_id(r#"{"id": 42}"#).as_deref(), Some("42"));
        assert_eq!(make_call_id(r#""abc-2""#).as_deref(), Some("abc-2"));
        assert_eq!(make_call_id("abc-3\n").as_deref(), Some("abc-3"));
        assert_eq!(make_call_id(""), None);
        assert_eq!(make_call_id("{}"), None);
        assert_eq!(make_call_id("<html> error </html>"), None);
    }

    #[test]
    fn flags_read_every_spelling() {
        assert_eq!(flag(&Value::from("on")), Some(true));
        assert_eq!(flag(&Value::from("OFF")), Some(false));
        assert_eq!(flag(&Value::from(true)), Some(true));
        assert_eq!(flag(&Value::from("false")), Some(false));
        assert_eq!(flag(&Value::from("maybe")), None);
        assert_eq!(flag(&Value::Null), None);
    }
}
