//! The JSON of CRM Teler (vega.md B.9), field for field. Every field is optional on the way in
//! (the examples leave some out: the list example has no `firstName`), unknown fields are
//! ignored, and absent ones are not sent.

use serde::{Deserialize, Deserializer, Serialize};

/// A CRM Teler contact (vega.md B.9, "Contact object").
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CrmContact {
    /// The contact's id; absent for a contact not yet saved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    /// First name; often `null`, the name living in `fields` instead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    /// Last name; often `null`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    /// Company; often `null`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company_title: Option<String>,
    /// Last change, ms since 1970.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_modified: Option<i64>,
    /// The employee responsible for the contact (a B.8 user `id`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub responsible_user_id: Option<i64>,
    /// Creation, ms since 1970.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_create: Option<i64>,
    /// The employee who created it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub create_user_id: Option<i64>,
    /// The account's own fields: names, phones, e-mails, company, category...
    #[serde(default, deserialize_with = "null_as_empty")]
    pub fields: Vec<CrmField>,
}

/// One of a contact's fields. `enumCode` is an account-specific label (`Ім'я`, `Телефон`...).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CrmField {
    /// The field's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    /// The field's label, as the account names it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enum_code: Option<String>,
    /// Its values (a contact may have several phones under one field).
    #[serde(default, deserialize_with = "null_as_empty")]
    pub values: Vec<CrmFieldValue>,
}

/// One value of a field. `enumValueCode` is a sub-label (`Робочий`: work).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CrmFieldValue {
    /// The value's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    /// The value's label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enum_value_code: Option<String>,
    /// Last change, ms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_modified: Option<i64>,
    /// The value as text; a number sent bare is read as its text.
    #[serde(
        default,
        deserialize_with = "lenient_text",
        skip_serializing_if = "Option::is_none"
    )]
    pub value: Option<String>,
}

/// A note on a contact (vega.md B.9, "Note object"). Call notes carry the call's `uuid`,
/// `otherLegNum`, `billSec`, `recordLink` and `trunk`. The spec does not describe the fields;
/// they are kept as the example shows them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CrmNote {
    /// The note's id (`0` or absent for a note not yet saved).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    /// The contact the note belongs to (by its name; unstated).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub element_id: Option<i64>,
    /// Unstated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub element_type: Option<i64>,
    /// Unstated (text note, call note...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note_type: Option<i64>,
    /// Creation, ms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_create: Option<i64>,
    /// Last change, ms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_modified: Option<i64>,
    /// The note's text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
    /// The responsible employee's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub responsible_user_id: Option<i64>,
    /// A call note's customer number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub other_leg_num: Option<String>,
    /// A call note's customer name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub other_leg_name: Option<String>,
    /// Unstated; `null` in the example, so its type is unknown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<serde_json::Value>,
    /// Unstated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_msg: Option<String>,
    /// A call note's call uuid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uuid: Option<String>,
    /// A call note's end, ms (by analogy with B.5's `endAt`; unstated).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<i64>,
    /// A call note's employee id (unstated).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub leg_id: Option<i64>,
    /// A call note's direction (unstated; B.5 `lgDirection` by analogy).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logic_direction: Option<i64>,
    /// A call note's conversation seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bill_sec: Option<i64>,
    /// A call note's recording link.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record_link: Option<String>,
    /// A call note's trunk.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trunk: Option<String>,
    /// Unstated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag: Option<String>,
}

/// `POST /crm/contacts/v2/batch`'s body (vega.md B.9).
#[derive(Debug, Clone, Serialize)]
pub(crate) struct BatchUpload<'a> {
    /// `1` or `0`; the spec's sentence on its meaning is cut off.
    pub merge: u8,
    /// The contacts to save.
    pub contacts: &'a [CrmContact],
}

/// `POST /crm/contacts/v2/batch`'s answer: how many contacts were saved and how many not.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchResult {
    /// Contacts saved.
    #[serde(default)]
    pub succeeded: u64,
    /// Contacts not saved.
    #[serde(default)]
    pub failed: u64,
}

fn null_as_empty<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(Option::<Vec<T>>::deserialize(deserializer)?.unwrap_or_default())
}

fn lenient_text<'de, D>(deserializer: D) -> Result<Option<String>, D::Error>
where
    D: Deserializer<'de>,
{
    Ok(
        match Option::<serde_json::Value>::deserialize(deserializer)? {
            None | Some(serde_json::Value::Null) => None,
            Some(serde_json::Value::String(text)) => Some(text),
            Some(other) => Some(other.to_string()),
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_spec_example_contact_reads_and_unknown_fields_are_ignored() {
        let contact: CrmContact = serde_json::from_str(
            r#"{ "id": 7068, "firstName": null, "lastName": null, "companyTitle": null,
              "lastModified": 1443597876359, "responsibleUserId": 18, "dateCreate": 1443597876000,
              "createUserId": 59, "somethingNew": [1, 2],
              "fields": [
                { "id": 32045, "enumCode": "Компанія",
                  "values": [ { "id": 33427, "enumValueCode": "Компанія", "lastModified": 1446027499803, "value": "Vega" } ] },
                { "id": 1, "enumCode": "Номер", "values": [ { "value": 380440000000 } ] },
                { "id": 2, "enumCode": "Порожнє", "values": null } ] }"#,
        )
        .unwrap();
        assert_eq!(contact.id, Some(7068));
        assert_eq!(contact.responsible_user_id, Some(18));
        assert_eq!(contact.fields.len(), 3);
        assert_eq!(contact.fields[0].values[0].value.as_deref(), Some("Vega"));
        assert_eq!(
            contact.fields[1].values[0].value.as_deref(),
            Some("380440000000")
        );
        assert!(contact.fields[2].values.is_empty());
    }

    #[test]
    fn the_spec_example_note_reads_with_every_field() {
        let note: CrmNote = serde_json::from_str(
            r#"{ "id": 5, "elementId": 7068, "elementType": 0, "noteType": 0, "dateCreate": 1,
              "lastModified": 2, "content": null, "responsibleUserId": 18, "otherLegNum": "",
              "otherLegName": null, "status": null, "errorMsg": null, "uuid": "", "end": 0,
              "legId": 0, "logicDirection": 0, "billSec": 7, "recordLink": "", "trunk": "",
              "tag": "" }"#,
        )
        .unwrap();
        assert_eq!(note.id, Some(5));
        assert_eq!(note.element_id, Some(7068));
        assert_eq!(note.bill_sec, Some(7));
        assert_eq!(note.content, None);
    }
}
