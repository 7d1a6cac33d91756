//! The example payloads of vega.md, verbatim: the fixtures every crate's tests replay (the
//! webhook parsers here, the relay end to end), kept in one place so they cannot drift apart.

/// vega.md A.1's request, verbatim.
pub const SETTINGS_REQUEST: &str =
    r#"{ "request": "call.settings", "otherLegNum": "+380442246595", "trunkNum": "0800218500" }"#;

/// vega.md A.2's example, verbatim.
pub const DIAL: &str = r#"{
  "event": "call.dial",
  "accountDomain": "qwerty.pbx.vega.ua",
  "uuid": "47a968893984475b8c20e29dec144ce1d",
  "parentUuid": null,
  "dialAt": 1431686100,
  "bridgeAt": null,
  "lgDirection": 2,
  "leg": { "id": 36, "ext": "001", "displayName": "Іван Іванов" },
  "leg2": null,
  "otherLegs": [ {
      "id": 1,
      "name": "Анастасія Березкіна",
      "num": "+380000000000",
      "companyName": "Тестова компанія",
      "url": "http://pbx.vega.ua/contacts/1" } ],
  "trunkNum": "+380442246595",
  "trunkName": "www.pbx.vega.ua"
}"#;

/// vega.md A.3's example, verbatim.
pub const UTM: &str = r#"[ {
  "utmSource": "google", "utmMedium": "cpc", "utmCampaign": "(not set)",
  "utmContent": "(not set)", "utmTerm": "(not set)",
  "googleClientId": "1340605716.1544986520", "clientIp": "91.243.203.133",
  "referer": "https://www.google.com/", "otherLegNum": "+380505826633",
  "trunkSource": "380991280042", "label": "callcatcher\n firstcall",
  "callDate": 1549954944251, "callStart": 1549954873000,
  "callParentUuid": "005f1dfae76d4c379e1d4095c07a76a2" } ]"#;

/// vega.md B.3's example, verbatim: the active calls.
pub const ACTIVE_CALLS: &str = r#"[
  { "uuid": "47a968893984475b8c20e29dec144ce1", "parentUuid": null, "lastEvent": "call.dial",
    "dialAt": 1431686100, "bridgeAt": null, "lgDirection": 2,
    "leg": { "id": 36, "ext": "001", "displayName": "Іван Іванов" }, "leg2": null,
    "otherLegs": [ { "id": "6137", "name": "Telecom company", "num": "+380442249895",
                     "companyName": null,
                     "url": "https://self.pbx.vega.ua/features/crm/contacts/edit.jsp#/?id=6137" } ],
    "trunkNum": "+380442246595", "trunkName": "+380442246595" },
  { "uuid": "562aa0bd8d9842cd95e4a581443f2e86", "parentUuid": null, "lastEvent": "call.bridge",
    "dialAt": 1431686088, "bridgeAt": 1431686100, "lgDirection": 4,
    "leg": { "id": 36, "ext": "001", "displayName": "Іван Іванов" }, "leg2": null,
    "otherLegs": [ { "id": "6137", "name": "Telecom company", "num": "+380442249895",
                     "companyName": null,
                     "url": "https://self.pbx.vega.ua/features/crm/contacts/edit.jsp#/?id=6137" } ],
    "trunkNum": "+380442246595", "trunkName": "+380442246595" },
  { "uuid": "68333cd7aa94421e89dbc8acfe5027bb", "parentUuid": null, "lastEvent": "call.bridge",
    "dialAt": 1431686001, "bridgeAt": 1431686019, "lgDirection": 1,
    "leg":  { "id": 36, "ext": "001", "displayName": "Іван Іванов" },
    "leg2": { "id": 27, "ext": "002", "displayName": "Петро Петров" },
    "otherLegs": null, "trunkNum": "+380442246595", "trunkName": "+380442246595" }
]"#;
