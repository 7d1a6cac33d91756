//! Vega's JSON, field for field as vega.md names it. Unknown fields are ignored (A.3: "other fields
//! may appear"), every field but `uuid` may be missing or `null`, and ids or numbers may come as
//! strings or as numbers (`otherLegs[].id` is a number in A.2 and a string in B.3).

use chrono::{DateTime, Utc};
use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize};

use super::time::optional_timestamp;

/// One call in progress: an entry of `GET /rest/calls/active/v3` (vega.md B.3).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ActiveCall {
    /// Unique id of the call (or of one leg of a group call).
    pub uuid: String,
    /// The group call this leg belongs to.
    #[serde(default, deserialize_with = "optional_text")]
    pub parent_uuid: Option<String>,
    /// The call's latest event.
    #[serde(default)]
    pub last_event: Option<LastEvent>,
    /// When the phone started ringing.
    #[serde(default, deserialize_with = "optional_timestamp")]
    pub dial_at: Option<DateTime<Utc>>,
    /// When the call was answered; `None` while it rings.
    #[serde(default, deserialize_with = "optional_timestamp")]
    pub bridge_at: Option<DateTime<Utc>>,
    /// `1` internal, `2` outgoing, `4` incoming, `32` put on hold, `64` taken off hold.
    #[serde(default, deserialize_with = "optional_integer")]
    pub lg_direction: Option<i64>,
    /// The company user making or receiving the call.
    #[serde(default)]
    pub leg: Option<Leg>,
    /// The user receiving an internal call.
    #[serde(default)]
    pub leg2: Option<Leg>,
    /// The client, one entry per connected CRM.
    #[serde(default)]
    pub other_legs: Option<Vec<OtherLeg>>,
    /// The company's external number that took or placed the call.
    #[serde(default, deserialize_with = "optional_text")]
    pub trunk_num: Option<String>,
    /// Label of that number.
    #[serde(default, deserialize_with = "optional_text")]
    pub trunk_name: Option<String>,
}

impl ActiveCall {
    /// True once the call was answered: `bridgeAt` is set or the last event is `call.bridge`
    /// (vega.md B.3).
    pub fn is_answered(&self) -> bool {
        self.bridge_at.is_some() || self.last_event == Some(LastEvent::Bridge)
    }

    /// True when the call has ended but is still listed (`lastEvent: call.hangup`).
    pub fn is_hung_up(&self) -> bool {
        self.last_event == Some(LastEvent::Hangup)
    }
}

/// `lastEvent` (vega.md B.3, A.2 `event`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum LastEvent {
    /// `call.dial`: the call started ringing.
    #[serde(rename = "call.dial")]
    Dial,
    /// `call.bridge`: the call was answered.
    #[serde(rename = "call.bridge")]
    Bridge,
    /// `call.hangup`: the call or conversation ended.
    #[serde(rename = "call.hangup")]
    Hangup,
    /// An event name the spec does not list: ignored.
    #[serde(other)]
    Other,
}

/// `leg` / `leg2`: a company user.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Leg {
    /// The user's id at Vega.
    #[serde(default, deserialize_with = "optional_text")]
    pub id: Option<String>,
    /// The user's internal number.
    #[serde(default, deserialize_with = "optional_text")]
    pub ext: Option<String>,
    /// The user's readable name.
    #[serde(default, deserialize_with = "optional_text")]
    pub display_name: Option<String>,
}

/// One `otherLegs` entry: the client as one connected CRM knows them.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OtherLeg {
    /// The client's id in that CRM; `None` if the CRM does not know them.
    #[serde(default, deserialize_with = "optional_text")]
    pub id: Option<String>,
    /// The client's name in that CRM.
    #[serde(default, deserialize_with = "optional_text")]
    pub name: Option<String>,
    /// The client's phone number.
    #[serde(default, deserialize_with = "optional_text")]
    pub num: Option<String>,
    /// The client's company.
    #[serde(default, deserialize_with = "optional_text")]
    pub company_name: Option<String>,
    /// The client's card in that CRM (or a link that creates one).
    #[serde(default, deserialize_with = "optional_text")]
    pub url: Option<String>,
    /// Priority of the CRM connection this entry came from.
    #[serde(default, deserialize_with = "optional_integer")]
    pub priority: Option<i64>,
}

/// The answer to `POST /rest/user/makeCall` (vega.md B.2).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct MakeCallAnswer {
    /// The new call's id.
    pub uuid: String,
}

/// One finished call: an entry of `company.api`, `users.api` or `missed.api` (vega.md B.5–B.7).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HistoryCall {
    /// Unique id of the call (or of one leg of it).
    pub uuid: String,
    /// The call this one belongs to.
    #[serde(default, deserialize_with = "optional_text")]
    pub parent_uuid: Option<String>,
    /// When the call ended.
    #[serde(default, deserialize_with = "optional_timestamp")]
    pub end_at: Option<DateTime<Utc>>,
    /// `1` internal, `2` outgoing, `4` incoming; in `users.api` also `32` put on hold, `64`
    /// taken off hold.
    #[serde(default, deserialize_with = "optional_integer")]
    pub lg_direction: Option<i64>,
    /// The outside party's number; `None` for internal calls.
    #[serde(default, deserialize_with = "optional_text")]
    pub other_leg_num: Option<String>,
    /// The outside party's name in a CRM, else the number again (B.5).
    #[serde(default, deserialize_with = "optional_text")]
    pub other_leg_name: Option<String>,
    /// The user, group or IVR scenario that made or received the call.
    #[serde(default)]
    pub leg: Option<HistoryLeg>,
    /// The user or group called internally.
    #[serde(default)]
    pub leg2: Option<HistoryLeg>,
    /// Seconds of conversation.
    #[serde(default, deserialize_with = "optional_integer")]
    pub bill_secs: Option<i64>,
    /// Seconds in all, ringing included.
    #[serde(default, deserialize_with = "optional_integer")]
    pub duration: Option<i64>,
    /// `0` answered; `1` not answered; `2` destination overloaded; `3` dialling error;
    /// `4` the subscriber was "busy".
    #[serde(default, deserialize_with = "optional_integer")]
    pub disposition: Option<i64>,
    /// Transfers: `"017"` (017 took it, no transfer) or `"017> 019"` (017 passed it to 019).
    #[serde(default, deserialize_with = "optional_text")]
    pub transfer_history: Option<String>,
    /// The recording (wav or mp3); `None` if no conversation took place.
    #[serde(default, deserialize_with = "optional_text")]
    pub audio_rec_url: Option<String>,
    /// The external number(s) used; `None` for internal calls.
    #[serde(default, deserialize_with = "optional_text")]
    pub trunk: Option<String>,
}

/// `leg` / `leg2` of a finished call (vega.md B.5).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HistoryLeg {
    /// The entity's id at Vega.
    #[serde(default, deserialize_with = "optional_text")]
    pub id: Option<String>,
    /// `1` user, `2` group (department), `4` scenario (IVR).
    #[serde(default, rename = "type", deserialize_with = "optional_integer")]
    pub kind: Option<i64>,
    /// Internal number of the user or group; `None` for a scenario.
    #[serde(default, deserialize_with = "optional_text")]
    pub ext: Option<String>,
    /// Name of the user, group or scenario.
    #[serde(default, deserialize_with = "optional_text")]
    pub display_name: Option<String>,
}

/// One employee: an entry of `GET /rest/users` (vega.md B.8).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VegaUser {
    /// The user's id.
    #[serde(default, deserialize_with = "optional_text")]
    pub id: Option<String>,
    /// Readable name (not the login).
    #[serde(default, deserialize_with = "optional_text")]
    pub display_name: Option<String>,
    /// Internal number.
    #[serde(default, deserialize_with = "optional_text")]
    pub ext: Option<String>,
    /// E-mail.
    #[serde(default, deserialize_with = "optional_text")]
    pub email: Option<String>,
}

/// Which calls a history request asks for: the `directions` parameter (vega.md B.5, B.7), a set
/// of bits. The spec does not say how several are sent; its values are powers of two, so they
/// are sent as their sum (`1 | 2 | 4` = `7`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Directions(u8);

impl Directions {
    /// `1`: internal calls.
    pub const INTERNAL: Directions = Directions(1);
    /// `2`: outgoing calls.
    pub const OUTGOING: Directions = Directions(2);
    /// `4`: incoming calls.
    pub const INCOMING: Directions = Directions(4);
    /// `32`: an employee put on hold ("away"); `users.api` only (B.7).
    pub const HOLD: Directions = Directions(32);
    /// `64`: an employee taken off hold ("back"); `users.api` only (B.7).
    pub const UNHOLD: Directions = Directions(64);

    /// The value sent as `directions`.
    pub fn bits(self) -> u8 {
        self.0
    }

    /// True when every direction of `other` is in `self`.
    pub fn contains(self, other: Directions) -> bool {
        self.0 & other.0 == other.0
    }
}

impl std::ops::BitOr for Directions {
    type Output = Directions;
    fn bitor(self, other: Directions) -> Directions {
        Directions(self.0 | other.0)
    }
}

/// The body of `POST /rest/security/authorize` (vega.md B.1). Not `Debug`: it holds the key.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AuthorizeRequest<'a> {
    pub domain: &'a str,
    pub api_key: &'a str,
}

/// The body of `POST /rest/user/makeCall` (vega.md B.2).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct MakeCallRequest<'a> {
    pub leg_ext: &'a str,
    pub other_leg_num: &'a str,
}

/// Text given as a string or a number (`"6137"` or `6137`); `null` and `""` are `None`.
fn optional_text<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    struct TextVisitor;
    impl<'de> Visitor<'de> for TextVisitor {
        type Value = Option<String>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a string, a number or null")
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_any(TextVisitor)
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            let v = v.trim();
            Ok((!v.is_empty()).then(|| v.to_owned()))
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
            Ok(Some(v.to_string()))
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            Ok(Some(v.to_string()))
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
            Ok(Some(v.to_string()))
        }
    }
    deserializer.deserialize_any(TextVisitor)
}

/// A whole number given as a number or as digits in a string; `null` is `None`.
fn optional_integer<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<i64>, D::Error> {
    struct IntegerVisitor;
    impl<'de> Visitor<'de> for IntegerVisitor {
        type Value = Option<i64>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a whole number or null")
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_any(IntegerVisitor)
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
            Ok(Some(v))
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            i64::try_from(v)
                .map(Some)
                .map_err(|_| E::custom(format!("{v} is too large")))
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
            if v.fract() == 0.0 && v.abs() < i64::MAX as f64 {
                Ok(Some(v as i64))
            } else {
                Err(E::custom(format!("{v} is not a whole number")))
            }
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            let v = v.trim();
            if v.is_empty() {
                return Ok(None);
            }
            v.parse()
                .map(Some)
                .map_err(|_| E::custom(format!("{v:?} is not a whole number")))
        }
    }
    deserializer.deserialize_any(IntegerVisitor)
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::vega::examples::ACTIVE_CALLS as SPEC_EXAMPLE;

    fn utc(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    #[test]
    fn the_spec_example_of_active_calls_parses_verbatim() {
        let calls: Vec<ActiveCall> = serde_json::from_str(SPEC_EXAMPLE).unwrap();
        assert_eq!(calls.len(), 3);

        let outgoing = &calls[0];
        assert_eq!(outgoing.uuid, "47a968893984475b8c20e29dec144ce1");
        assert_eq!(outgoing.parent_uuid, None);
        assert_eq!(outgoing.last_event, Some(LastEvent::Dial));
        assert_eq!(outgoing.dial_at, Some(utc("2015-05-15T10:35:00Z")));
        assert_eq!(outgoing.bridge_at, None);
        assert_eq!(outgoing.lg_direction, Some(2));
        assert!(!outgoing.is_answered());
        let leg = outgoing.leg.as_ref().unwrap();
        assert_eq!(leg.id.as_deref(), Some("36"));
        assert_eq!(leg.ext.as_deref(), Some("001"));
        assert_eq!(leg.display_name.as_deref(), Some("Іван Іванов"));
        assert_eq!(outgoing.leg2, None);
        let other = &outgoing.other_legs.as_ref().unwrap()[0];
        assert_eq!(other.id.as_deref(), Some("6137"));
        assert_eq!(other.name.as_deref(), Some("Telecom company"));
        assert_eq!(other.num.as_deref(), Some("+380442249895"));
        assert_eq!(other.company_name, None);
        assert_eq!(
            other.url.as_deref(),
            Some("https://self.pbx.vega.ua/features/crm/contacts/edit.jsp#/?id=6137")
        );
        assert_eq!(other.priority, None);
        assert_eq!(outgoing.trunk_num.as_deref(), Some("+380442246595"));
        assert_eq!(outgoing.trunk_name.as_deref(), Some("+380442246595"));

        let incoming = &calls[1];
        assert_eq!(incoming.last_event, Some(LastEvent::Bridge));
        assert_eq!(incoming.bridge_at, Some(utc("2015-05-15T10:35:00Z")));
        assert!(incoming.is_answered());

        let internal = &calls[2];
        assert_eq!(internal.lg_direction, Some(1));
        assert_eq!(internal.leg2.as_ref().unwrap().ext.as_deref(), Some("002"));
        assert_eq!(internal.other_legs, None);
    }

    #[test]
    fn a_webhook_style_numeric_other_leg_id_and_priority_are_accepted() {
        // vega.md A.2 gives otherLegs[].id as a number; `priority` has no stated type.
        let call: ActiveCall = serde_json::from_str(
            r#"{"uuid": "u", "otherLegs": [{"id": 1, "num": 380000000000, "priority": "3"}]}"#,
        )
        .unwrap();
        let other = &call.other_legs.unwrap()[0];
        assert_eq!(other.id.as_deref(), Some("1"));
        assert_eq!(other.num.as_deref(), Some("380000000000"));
        assert_eq!(other.priority, Some(3));
    }

    #[test]
    fn unknown_fields_and_events_are_ignored_and_missing_fields_are_none() {
        let call: ActiveCall = serde_json::from_str(
            r#"{"uuid": "u", "serverTime": 1431686100000, "lastEvent": "call.transfer", "newField": {"x": 1}}"#,
        )
        .unwrap();
        assert_eq!(call.last_event, Some(LastEvent::Other));
        assert_eq!(call.leg, None);
        assert_eq!(call.lg_direction, None);
        assert!(!call.is_answered() && !call.is_hung_up());
    }

    #[test]
    fn a_call_without_uuid_or_with_a_mistyped_field_is_an_error() {
        assert!(serde_json::from_str::<ActiveCall>(r#"{"parentUuid": null}"#).is_err());
        assert!(
            serde_json::from_str::<ActiveCall>(r#"{"uuid": "u", "lgDirection": "in"}"#).is_err()
        );
        assert!(serde_json::from_str::<ActiveCall>(r#"{"uuid": "u", "leg": "001"}"#).is_err());
        assert!(serde_json::from_str::<ActiveCall>(r#"{"uuid": "u", "dialAt": "soon"}"#).is_err());
    }

    /// vega.md B.5's two examples, repaired as the spec repairs them.
    const HISTORY_EXAMPLE: &str = r#"[
  { "parentUuid": "d267486f-a539-45dd-c5f5-e735a5870b80",
    "uuid": "f457486f-a539-45dd-c5f5-e735a5870b92",
    "endAt": 1435319298470, "lgDirection": 1,
    "otherLegNum": null, "otherLegName": null,
    "leg":  { "id": 36, "type": 1, "displayName": "Василь Андрій", "ext": "001" },
    "leg2": { "id": 19, "type": 1, "displayName": "Operator 4", "ext": "004" },
    "billSecs": 3, "duration": 4, "disposition": 0, "transferHistory": null,
    "audioRecUrl": "https://podium.betell.com.ua/rest/public/calls/f457486f-a539-45dd-c5f5-e735a5870b92/audio",
    "trunk": null },
  { "parentUuid": null, "uuid": "a1", "endAt": 1435319298470, "lgDirection": 2,
    "otherLegNum": "+380993034330", "otherLegName": "+380993034330",
    "leg": { "id": 36, "type": 1, "displayName": "Василь Андрій", "ext": "001" }, "leg2": null,
    "billSecs": 4, "duration": 15, "disposition": 0, "transferHistory": "003 > 001",
    "audioRecUrl": null, "trunk": "o=380442249895;" }
]"#;

    #[test]
    fn the_spec_example_of_finished_calls_parses() {
        let calls: Vec<HistoryCall> = serde_json::from_str(HISTORY_EXAMPLE).unwrap();
        let internal = &calls[0];
        assert_eq!(internal.end_at, Some(utc("2015-06-26T11:48:18.470Z")));
        assert_eq!(internal.lg_direction, Some(1));
        assert_eq!(internal.leg.as_ref().unwrap().kind, Some(1));
        assert_eq!(internal.leg2.as_ref().unwrap().ext.as_deref(), Some("004"));
        assert_eq!((internal.bill_secs, internal.duration), (Some(3), Some(4)));
        assert_eq!(internal.disposition, Some(0));
        assert!(internal
            .audio_rec_url
            .as_deref()
            .unwrap()
            .ends_with("/audio"));
        let outgoing = &calls[1];
        assert_eq!(outgoing.other_leg_num.as_deref(), Some("+380993034330"));
        assert_eq!(outgoing.transfer_history.as_deref(), Some("003 > 001"));
        assert_eq!(outgoing.trunk.as_deref(), Some("o=380442249895;"));
        assert_eq!(outgoing.leg2, None);
    }

    #[test]
    fn users_parse_and_directions_combine_as_bits() {
        let users: Vec<VegaUser> = serde_json::from_str(
            r#"[{ "id": 30, "displayName": "Іван Іванов", "ext": "901", "email": "ivan.ivanov@pbx.vega.ua" }]"#,
        )
        .unwrap();
        assert_eq!(users[0].id.as_deref(), Some("30"));
        assert_eq!(users[0].email.as_deref(), Some("ivan.ivanov@pbx.vega.ua"));
        let all = Directions::INTERNAL | Directions::OUTGOING | Directions::INCOMING;
        assert_eq!(all.bits(), 7);
        assert!(all.contains(Directions::OUTGOING));
        assert!(!all.contains(Directions::HOLD));
        assert_eq!((Directions::HOLD | Directions::UNHOLD).bits(), 96);
    }

    #[test]
    fn the_authorize_body_has_the_spec_field_names() {
        let body = serde_json::to_value(AuthorizeRequest {
            domain: "test4.pbx.vega.ua",
            api_key: "k",
        })
        .unwrap();
        assert_eq!(
            body,
            serde_json::json!({"domain": "test4.pbx.vega.ua", "apiKey": "k"})
        );
        let body = serde_json::to_value(MakeCallRequest {
            leg_ext: "001",
            other_leg_num: "+380993034330",
        })
        .unwrap();
        assert_eq!(
            body,
            serde_json::json!({"legExt": "001", "otherLegNum": "+380993034330"})
        );
    }
}
