//! The CRM → PBX commands (cloud-pbx.md 5), all at `/sys/crm_api.wcgp`.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::rejection::FormRejection;
use axum::extract::{Form, State};
use axum::http::{header, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use axum::{Json, Router};
use serde_json::{json, Value};

use super::{
    civil_from_days, days_from_civil, format_wire, now_secs, parse_wire, CallMade, PresenceChange,
    SimState,
};

/// The API's path (cloud-pbx.md 2).
pub(super) const API_PATH: &str = "/sys/crm_api.wcgp";

pub(super) fn router(state: Arc<SimState>) -> Router {
    Router::new()
        .route(API_PATH, any(command))
        .fallback(wrong_address)
        .with_state(state)
}

/// The live PBX answers a wrong PBX name (or path) with a redirect.
async fn wrong_address() -> Response {
    (
        StatusCode::MOVED_PERMANENTLY,
        [(header::LOCATION, "https://cloudpbx.invalid/")],
        "",
    )
        .into_response()
}

fn invalid_token() -> Response {
    // cloud-pbx.md 2: 401 {error: "Invalid token"}.
    (
        StatusCode::UNAUTHORIZED,
        Json(json!({ "error": "Invalid token" })),
    )
        .into_response()
}

fn invalid_parameters() -> Response {
    // cloud-pbx.md 2: 400 {error: "Invalid parameters"}.
    (
        StatusCode::BAD_REQUEST,
        Json(json!({ "error": "Invalid parameters" })),
    )
        .into_response()
}

fn ok() -> Response {
    Json(json!({ "result": "OK" })).into_response()
}

type Params = HashMap<String, String>;

fn param<'a>(params: &'a Params, name: &str) -> Option<&'a str> {
    params.get(name).map(|v| v.trim()).filter(|v| !v.is_empty())
}

async fn command(
    State(state): State<Arc<SimState>>,
    method: Method,
    uri: Uri,
    form: Result<Form<Vec<(String, String)>>, FormRejection>,
) -> Response {
    let Ok(Form(pairs)) = form else {
        return invalid_parameters();
    };
    let params: Params = pairs.into_iter().collect();
    let cmd = param(&params, "cmd").unwrap_or("?").to_owned();
    {
        let mut live = state.live();
        *live.requests.entry(cmd.clone()).or_default() += 1;
        let in_url = uri.query().is_some_and(|query| {
            query
                .split('&')
                .any(|pair| pair.split('=').next() == Some("token"))
        });
        if in_url {
            live.token_in_url.push(cmd.clone());
        }
    }
    // cloud-pbx.md 2: every request carries `token`.
    if param(&params, "token") != Some(state.config.token.as_str()) {
        return invalid_token();
    }
    let post_only = matches!(
        cmd.as_str(),
        "makeCall" | "subscribeOnCalls" | "subscribeoncalls" | "set_dnd"
    );
    if post_only && method != Method::POST {
        // cloud-pbx.md 3: these commands are POST only.
        return StatusCode::METHOD_NOT_ALLOWED.into_response();
    }
    match cmd.as_str() {
        "accounts" => accounts(&state),
        "groups" => groups(&state, &params),
        "makeCall" => make_call(&state, &params),
        "history" => history(&state, &params),
        // cloud-pbx.md 5.5: the command's name, and the example's lower-case spelling.
        "subscribeOnCalls" | "subscribeoncalls" => {
            tokio::time::sleep(state.config.answer_delay).await;
            subscribe(&state, &params)
        }
        // cloud-pbx.md 5.6: the correct spelling, and the example's `subscribtionstatus`.
        "subscriptionStatus" | "subscribtionstatus" => subscription_status(&state, &params),
        "set_dnd" => {
            tokio::time::sleep(state.config.answer_delay).await;
            set_dnd(&state, &params)
        }
        "get_dnd" => get_dnd(&state, &params),
        _ => invalid_parameters(),
    }
}

fn accounts(state: &SimState) -> Response {
    let list: Vec<Value> = state
        .config
        .accounts
        .iter()
        .map(|a| {
            let mut entry = json!({ "name": a.name, "realName": a.real_name, "ext": a.ext });
            if let Some(telnum) = &a.telnum {
                entry["telnum"] = json!(telnum);
            }
            entry
        })
        .collect();
    Json(list).into_response()
}

fn known_user(state: &SimState, user: &str) -> Option<String> {
    state
        .config
        .accounts
        .iter()
        .find(|a| a.name == user || a.ext == user || a.telnum.as_deref() == Some(user))
        .map(|a| a.name.clone())
}

fn groups(state: &SimState, params: &Params) -> Response {
    let user = match param(params, "user") {
        Some(user) => match known_user(state, user) {
            Some(login) => Some(login),
            None => return invalid_parameters(),
        },
        None => None,
    };
    let list: Vec<Value> = state
        .config
        .groups
        .iter()
        .filter(|g| user.as_ref().is_none_or(|u| g.members.contains(u)))
        .map(|g| json!({ "id": g.id, "realName": g.real_name, "ext": g.ext }))
        .collect();
    Json(list).into_response()
}

fn make_call(state: &SimState, params: &Params) -> Response {
    let (Some(user), Some(phone)) = (param(params, "user"), param(params, "phone")) else {
        return invalid_parameters();
    };
    // The live PBX refuses a leading `+`: digits only.
    if !phone.bytes().all(|b| b.is_ascii_digit()) {
        return invalid_parameters();
    }
    let Some(login) = known_user(state, user) else {
        return invalid_parameters();
    };
    let call_id = format!("{:020X}-{}", rand::random::<u64>(), now_secs() % 10_000);
    state.live().calls_made.push(CallMade {
        call_id: call_id.clone(),
        user: login,
        phone: phone.to_owned(),
    });
    Json(json!({ "CallID": call_id })).into_response()
}

/// cloud-pbx.md 5.4 `period`: [from, to) in Unix seconds, relative to today (UTC).
fn period_bounds(period: &str, now: i64) -> Option<(i64, i64)> {
    let today = now.div_euclid(86_400);
    // 1970-01-01 was a Thursday: Monday is day 4 of that week.
    let monday = today - (today + 3).rem_euclid(7);
    let (year, month, _) = civil_from_days(today);
    let month_start = days_from_civil(year, month, 1);
    let last_month_start = if month == 1 {
        days_from_civil(year - 1, 12, 1)
    } else {
        days_from_civil(year, month - 1, 1)
    };
    let (from, to) = match period {
        "today" => (today, today + 1),
        "yesterday" => (today - 1, today),
        "this_week" => (monday, monday + 7),
        "last_week" => (monday - 7, monday),
        "this_month" => (month_start, today + 1),
        "last_month" => (last_month_start, month_start),
        _ => return None,
    };
    Some((from * 86_400, to * 86_400))
}

fn history(state: &SimState, params: &Params) -> Response {
    let kind = param(params, "type").unwrap_or("all");
    if !matches!(kind, "all" | "in" | "out" | "missed") {
        return invalid_parameters();
    }
    let limit = match param(params, "limit").map(str::parse::<usize>) {
        None => usize::MAX,
        Some(Ok(limit)) => limit,
        Some(Err(_)) => return invalid_parameters(),
    };
    let (from, to) = match param(params, "period") {
        // cloud-pbx.md 5.4: `period` wins over start/end.
        Some(period) => match period_bounds(period, now_secs()) {
            Some((from, to)) => (from, to - 1),
            None => return invalid_parameters(),
        },
        None => {
            let bound = |name: &str, default: i64| match param(params, name) {
                None => Some(default),
                Some(text) => parse_wire(text),
            };
            match (bound("start", i64::MIN), bound("end", i64::MAX)) {
                (Some(from), Some(to)) => (from, to),
                _ => return invalid_parameters(),
            }
        }
    };
    let mut csv = String::new();
    if state.config.csv_header {
        csv.push_str("UID,type,client,account,via,start,wait,duration,record\r\n");
    }
    let live = state.live();
    for row in live
        .history
        .iter()
        .filter(|r| (from..=to).contains(&r.start))
        .filter(|r| kind == "all" || r.kind == kind)
        .take(limit)
    {
        csv.push_str(&format!(
            "{},{},{},{},{},{},{},{},{}\r\n",
            row.uid,
            row.kind,
            row.client,
            row.account,
            row.via,
            format_wire(row.start),
            row.wait,
            row.duration,
            row.record
        ));
    }
    ([(header::CONTENT_TYPE, "text/csv; charset=utf-8")], csv).into_response()
}

fn on_off(text: Option<&str>) -> Option<bool> {
    match text? {
        "on" => Some(true),
        "off" => Some(false),
        _ => None,
    }
}

fn subscribe(state: &SimState, params: &Params) -> Response {
    let (Some(user), Some(on)) = (
        param(params, "user").and_then(|u| known_user(state, u)),
        on_off(param(params, "status")),
    ) else {
        return invalid_parameters();
    };
    // cloud-pbx.md 5.5: no group_id = all of the user's departments.
    let groups: Vec<String> = match param(params, "group_id") {
        Some(id) => match state.config.groups.iter().find(|g| g.id == id) {
            Some(group) => vec![group.id.clone()],
            None => return invalid_parameters(),
        },
        None => state
            .config
            .groups
            .iter()
            .filter(|g| g.members.contains(&user))
            .map(|g| g.id.clone())
            .collect(),
    };
    let mut live = state.live();
    live.changes.push(PresenceChange::Subscription(
        user.clone(),
        param(params, "group_id").map(str::to_owned),
        on,
    ));
    for group in groups {
        let key = (user.clone(), group);
        if on {
            live.unsubscribed.remove(&key);
        } else {
            live.unsubscribed.insert(key);
        }
    }
    ok()
}

fn subscription_status(state: &SimState, params: &Params) -> Response {
    let (Some(user), Some(group)) = (
        param(params, "user").and_then(|u| known_user(state, u)),
        param(params, "group_id"),
    ) else {
        return invalid_parameters();
    };
    if !state.config.groups.iter().any(|g| g.id == group) {
        return invalid_parameters();
    }
    let off = state
        .live()
        .unsubscribed
        .contains(&(user, group.to_owned()));
    Json(json!({ "status": if off { "off" } else { "on" } })).into_response()
}

fn set_dnd(state: &SimState, params: &Params) -> Response {
    let user = param(params, "user").and_then(|u| known_user(state, u));
    let on = match param(params, "state") {
        Some("true") => Some(true),
        Some("false") => Some(false),
        _ => None,
    };
    let (Some(user), Some(on)) = (user, on) else {
        return invalid_parameters();
    };
    let mut live = state.live();
    live.changes.push(PresenceChange::Dnd(user.clone(), on));
    live.dnd.insert(user, on);
    ok()
}

fn get_dnd(state: &SimState, params: &Params) -> Response {
    let Some(user) = param(params, "user").and_then(|u| known_user(state, u)) else {
        return invalid_parameters();
    };
    let on = state.live().dnd.get(&user).copied().unwrap_or(false);
    Json(json!({ "state": on })).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_cover_the_right_days() {
        // 2024-05-01 12:00 UTC, a Wednesday.
        let now = days_from_civil(2024, 5, 1) * 86_400 + 12 * 3600;
        let day = |y, m, d| days_from_civil(y, m, d) * 86_400;
        assert_eq!(
            period_bounds("today", now),
            Some((day(2024, 5, 1), day(2024, 5, 2)))
        );
        assert_eq!(
            period_bounds("yesterday", now),
            Some((day(2024, 4, 30), day(2024, 5, 1)))
        );
        assert_eq!(
            period_bounds("this_week", now),
            Some((day(2024, 4, 29), day(2024, 5, 6)))
        );
        assert_eq!(
            period_bounds("last_week", now),
            Some((day(2024, 4, 22), day(2024, 4, 29)))
        );
        assert_eq!(
            period_bounds("last_month", now),
            Some((day(2024, 4, 1), day(2024, 5, 1)))
        );
        assert_eq!(period_bounds("someday", now), None);
    }
}
