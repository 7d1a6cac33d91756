//! JSON shapes the simulator sends, field for field as vega.md B.3 lists them.

use serde::Serialize;

/// One entry of `GET /rest/calls/active/v3`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ActiveCallJson {
    pub uuid: String,
    pub parent_uuid: Option<String>,
    pub last_event: &'static str,
    pub dial_at: u64,
    pub bridge_at: Option<u64>,
    pub lg_direction: u8,
    pub leg: LegJson,
    pub leg2: Option<LegJson>,
    pub other_legs: Option<Vec<OtherLegJson>>,
    pub trunk_num: Option<String>,
    pub trunk_name: Option<String>,
}

/// `leg` / `leg2`: a company user.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct LegJson {
    pub id: u64,
    pub ext: String,
    pub display_name: String,
}

/// One `otherLegs` entry: the client as one connected CRM knows them.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct OtherLegJson {
    /// vega.md B.3: "in this response `otherLegs[].id` is a string".
    pub id: Option<String>,
    pub name: Option<String>,
    pub num: String,
    pub company_name: Option<String>,
    pub url: Option<String>,
    /// Listed in A.2's field list but absent from B.3's example: sent only when a scenario sets it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub priority: Option<i64>,
}
