//! Scripted calls, played on tokio's clock against the simulator's state.
//!
//! Every scenario follows the life vega.md B.3 describes: the call appears with
//! `lastEvent: call.dial`, may get `bridgeAt` and `call.bridge`, then shows `call.hangup` for
//! [`VegaSimConfig::hangup_linger`](super::VegaSimConfig::hangup_linger) and disappears.

use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::config::SimEmployee;
use super::state::{new_uuid, now_ms, CallStage, SimCall, SimState};
use super::wire::OtherLegJson;

/// What one connected CRM knows of the customer: one `otherLegs` entry (vega.md A.2).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PbxContact {
    /// `otherLegs[].id`: the client's id in that CRM.
    #[serde(default)]
    pub id: Option<String>,
    /// `otherLegs[].name`.
    #[serde(default)]
    pub name: Option<String>,
    /// `otherLegs[].companyName`.
    #[serde(default)]
    pub company: Option<String>,
    /// `otherLegs[].url`: the contact's card in that CRM.
    #[serde(default)]
    pub url: Option<String>,
    /// `otherLegs[].priority`: priority of the CRM connection it came from.
    #[serde(default)]
    pub priority: Option<i64>,
}

/// A scripted call. JSON form: an object tagged by `kind`, durations in (fractional) seconds:
///
/// ```json
/// {"kind": "answered_incoming", "customer": "+380442246595", "employee": "001",
///  "ring_secs": 2.5, "talk_secs": 10,
///  "pbx_contacts": [{"id": "6137", "name": "Telecom company", "url": "https://..."}]}
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Scenario {
    /// A customer calls an employee, who answers after `ring_secs` and talks `talk_secs`.
    AnsweredIncoming {
        /// The customer's number, sent as `otherLegs[].num`.
        customer: String,
        /// The extension whose phone rings.
        employee: String,
        /// Seconds of ringing.
        ring_secs: f64,
        /// Seconds of conversation.
        talk_secs: f64,
        /// What the PBX's CRMs know of the customer; empty: one entry with only `num`.
        #[serde(default)]
        pbx_contacts: Vec<PbxContact>,
    },
    /// A customer calls, nobody answers, the call gives up after `ring_secs`.
    MissedIncoming {
        /// The customer's number.
        customer: String,
        /// The extension whose phone rings.
        employee: String,
        /// Seconds of ringing.
        ring_secs: f64,
        /// What the PBX's CRMs know of the customer.
        #[serde(default)]
        pbx_contacts: Vec<PbxContact>,
    },
    /// One employee calls another: `leg` is `from`, `leg2` is `to`, no `otherLegs`, no trunk.
    Internal {
        /// The caller's extension.
        from: String,
        /// The called extension.
        to: String,
        /// Seconds of ringing.
        ring_secs: f64,
        /// Seconds of conversation; absent: nobody answers.
        #[serde(default)]
        talk_secs: Option<f64>,
    },
    /// A customer calls a group: one leg per member, each with `parentUuid` = the group call's
    /// uuid. When `answered_by` answers, the other members' legs disappear.
    GroupCall {
        /// The customer's number.
        customer: String,
        /// Extensions of the group's members.
        members: Vec<String>,
        /// The member who answers; absent: nobody does.
        #[serde(default)]
        answered_by: Option<String>,
        /// Seconds of ringing.
        ring_secs: f64,
        /// Seconds of conversation, required when somebody answers.
        #[serde(default)]
        talk_secs: Option<f64>,
        /// What the PBX's CRMs know of the customer.
        #[serde(default)]
        pbx_contacts: Vec<PbxContact>,
    },
    /// A customer calls `employee`, who answers after `ring_secs`, talks `talk_secs` and
    /// transfers the call to `transfer_to`. vega.md does not show a transfer in active calls;
    /// the simulator plays it as the spec's group calls suggest: the first employee's call shows
    /// `call.hangup`, and a call to `transfer_to` appears with `parentUuid` = the first call's
    /// uuid, rings `transfer_ring_secs` and is answered for `transfer_talk_secs`. The history
    /// then holds one record under the first uuid, `leg` the first employee and
    /// `transferHistory` `"001 > 002"` (B.5).
    Transferred {
        /// The customer's number.
        customer: String,
        /// The extension who answers first.
        employee: String,
        /// The extension the call is transferred to.
        transfer_to: String,
        /// Seconds of ringing before the first answer.
        ring_secs: f64,
        /// Seconds of conversation before the transfer.
        talk_secs: f64,
        /// Seconds `transfer_to`'s phone rings.
        transfer_ring_secs: f64,
        /// Seconds of conversation after the transfer.
        transfer_talk_secs: f64,
        /// What the PBX's CRMs know of the customer.
        #[serde(default)]
        pbx_contacts: Vec<PbxContact>,
    },
    /// An employee calls a customer (what `makeCall` starts).
    Outgoing {
        /// The calling extension.
        employee: String,
        /// The number called.
        customer: String,
        /// Seconds of ringing.
        ring_secs: f64,
        /// Seconds of conversation; absent: the customer does not answer.
        #[serde(default)]
        talk_secs: Option<f64>,
        /// What the PBX's CRMs know of the customer.
        #[serde(default)]
        pbx_contacts: Vec<PbxContact>,
    },
}

/// Why a scenario cannot be played.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScenarioError {
    /// The extension is not one of the simulated company's users.
    #[error("unknown extension {0:?}: the simulator knows only its configured employees")]
    UnknownEmployee(String),
    /// A duration is negative, not a number or too large.
    #[error("{field} must be a number of seconds, 0 or more; got {value}")]
    BadDuration {
        /// The field's name.
        field: &'static str,
        /// What was given.
        value: String,
    },
    /// The customer's number is empty.
    #[error("the customer's number is empty")]
    EmptyNumber,
    /// Something else makes no sense.
    #[error("{0}")]
    Invalid(String),
    /// The simulator is stopping.
    #[error("the simulator is shutting down")]
    ShuttingDown,
}

fn seconds(field: &'static str, value: f64) -> Result<Duration, ScenarioError> {
    Duration::try_from_secs_f64(value).map_err(|_| ScenarioError::BadDuration {
        field,
        value: value.to_string(),
    })
}

fn optional_seconds(
    field: &'static str,
    value: Option<f64>,
) -> Result<Option<Duration>, ScenarioError> {
    value.map(|v| seconds(field, v)).transpose()
}

fn customer_number(number: &str) -> Result<String, ScenarioError> {
    let number = number.trim();
    if number.is_empty() {
        return Err(ScenarioError::EmptyNumber);
    }
    Ok(number.to_owned())
}

/// `otherLegs` for a customer: the CRMs' entries, or one that knows only the number.
fn other_legs(num: &str, contacts: &[PbxContact]) -> Vec<OtherLegJson> {
    if contacts.is_empty() {
        return vec![OtherLegJson {
            id: None,
            name: None,
            num: num.to_owned(),
            company_name: None,
            url: None,
            priority: None,
        }];
    }
    contacts
        .iter()
        .map(|c| OtherLegJson {
            id: c.id.clone(),
            name: c.name.clone(),
            num: num.to_owned(),
            company_name: c.company.clone(),
            url: c.url.clone(),
            priority: c.priority,
        })
        .collect()
}

/// What happens to a scenario's calls once they are listed.
enum Timeline {
    /// A single call: rings, maybe talks, ends.
    Single {
        uuid: String,
        ring: Duration,
        talk: Option<Duration>,
    },
    /// A call answered, then transferred to `to`, who answers.
    Transfer {
        uuid: String,
        ring: Duration,
        talk: Duration,
        to: Box<SimCall>,
        transfer_ring: Duration,
        transfer_talk: Duration,
    },
    /// Group legs: all ring; one answers (the others vanish) or none does.
    Group {
        legs: Vec<String>,
        answered: Option<(String, Duration)>,
        ring: Duration,
    },
}

/// A scenario checked against the configuration: its calls' first state and their timeline.
struct Plan {
    calls: Vec<SimCall>,
    timeline: Timeline,
    /// What `play` returns.
    uuids: Vec<String>,
}

/// Checks the scenario, adds its calls' first state and runs the rest of the timeline in a task.
pub(crate) fn play(
    state: &Arc<SimState>,
    scenario: Scenario,
) -> Result<Vec<String>, ScenarioError> {
    if state.shutdown.is_cancelled() {
        return Err(ScenarioError::ShuttingDown);
    }
    let Plan {
        calls,
        timeline,
        uuids,
    } = resolve(state, scenario)?;
    calls.into_iter().for_each(|call| state.add_call(call));
    let task_state = state.clone();
    state.runtime.spawn(async move {
        let state = task_state;
        tokio::select! {
            _ = state.shutdown.cancelled() => {}
            _ = run(&state, timeline) => {}
        }
    });
    Ok(uuids)
}

/// Starts the outgoing call a `makeCall` asked for (vega.md B.2); returns its uuid.
pub(crate) fn play_make_call(
    state: &Arc<SimState>,
    employee: &str,
    number: &str,
) -> Result<String, ScenarioError> {
    let timing = state.config().make_call;
    let scenario = Scenario::Outgoing {
        employee: employee.to_owned(),
        customer: number.to_owned(),
        ring_secs: timing.ring.as_secs_f64(),
        talk_secs: timing.talk.map(|t| t.as_secs_f64()),
        pbx_contacts: Vec::new(),
    };
    let uuids = play(state, scenario)?;
    uuids
        .into_iter()
        .next()
        .ok_or_else(|| ScenarioError::Invalid("an outgoing call produced no uuid".to_owned()))
}

fn resolve(state: &SimState, scenario: Scenario) -> Result<Plan, ScenarioError> {
    let config = state.config();
    let employee = |ext: &str| -> Result<SimEmployee, ScenarioError> {
        config
            .employee(ext)
            .cloned()
            .ok_or_else(|| ScenarioError::UnknownEmployee(ext.to_owned()))
    };
    let trunk = Some((config.trunk_num.clone(), config.trunk_name.clone()));
    let base = |leg: SimEmployee, lg_direction: u8| SimCall {
        uuid: new_uuid(),
        parent_uuid: None,
        stage: CallStage::Dial,
        dial_at_ms: now_ms(),
        bridge_at_ms: None,
        lg_direction,
        leg,
        leg2: None,
        other_legs: None,
        trunk: None,
        transfer_of: None,
    };

    let single = |call: SimCall, ring: Duration, talk: Option<Duration>| Plan {
        uuids: vec![call.uuid.clone()],
        timeline: Timeline::Single {
            uuid: call.uuid.clone(),
            ring,
            talk,
        },
        calls: vec![call],
    };
    let plan = match scenario {
        Scenario::AnsweredIncoming {
            customer,
            employee: ext,
            ring_secs,
            talk_secs,
            pbx_contacts,
        } => {
            let customer = customer_number(&customer)?;
            let mut call = base(employee(&ext)?, 4);
            call.other_legs = Some(other_legs(&customer, &pbx_contacts));
            call.trunk = trunk;
            single(
                call,
                seconds("ring_secs", ring_secs)?,
                Some(seconds("talk_secs", talk_secs)?),
            )
        }
        Scenario::MissedIncoming {
            customer,
            employee: ext,
            ring_secs,
            pbx_contacts,
        } => {
            let customer = customer_number(&customer)?;
            let mut call = base(employee(&ext)?, 4);
            call.other_legs = Some(other_legs(&customer, &pbx_contacts));
            call.trunk = trunk;
            single(call, seconds("ring_secs", ring_secs)?, None)
        }
        Scenario::Transferred {
            customer,
            employee: ext,
            transfer_to,
            ring_secs,
            talk_secs,
            transfer_ring_secs,
            transfer_talk_secs,
            pbx_contacts,
        } => {
            if ext == transfer_to {
                return Err(ScenarioError::Invalid(format!(
                    "a transfer needs two different extensions, got {ext:?} twice"
                )));
            }
            let customer = customer_number(&customer)?;
            let mut call = base(employee(&ext)?, 4);
            call.other_legs = Some(other_legs(&customer, &pbx_contacts));
            call.trunk = trunk;
            // Its uuid is fixed now so `play` can return it; it is listed only at the transfer.
            let to = base(employee(&transfer_to)?, 4);
            Plan {
                uuids: vec![call.uuid.clone(), to.uuid.clone()],
                timeline: Timeline::Transfer {
                    uuid: call.uuid.clone(),
                    ring: seconds("ring_secs", ring_secs)?,
                    talk: seconds("talk_secs", talk_secs)?,
                    to: Box::new(to),
                    transfer_ring: seconds("transfer_ring_secs", transfer_ring_secs)?,
                    transfer_talk: seconds("transfer_talk_secs", transfer_talk_secs)?,
                },
                calls: vec![call],
            }
        }
        Scenario::Internal {
            from,
            to,
            ring_secs,
            talk_secs,
        } => {
            if from == to {
                return Err(ScenarioError::Invalid(format!(
                    "an internal call needs two different extensions, got {from:?} twice"
                )));
            }
            // vega.md A.2: leg2 is set only for internal calls; otherLegs and trunkNum are null
            // (the field description wins over B.3's example, which shows a trunkNum).
            let mut call = base(employee(&from)?, 1);
            call.leg2 = Some(employee(&to)?);
            single(
                call,
                seconds("ring_secs", ring_secs)?,
                optional_seconds("talk_secs", talk_secs)?,
            )
        }
        Scenario::Outgoing {
            employee: ext,
            customer,
            ring_secs,
            talk_secs,
            pbx_contacts,
        } => {
            let customer = customer_number(&customer)?;
            let mut call = base(employee(&ext)?, 2);
            call.other_legs = Some(other_legs(&customer, &pbx_contacts));
            call.trunk = trunk;
            single(
                call,
                seconds("ring_secs", ring_secs)?,
                optional_seconds("talk_secs", talk_secs)?,
            )
        }
        Scenario::GroupCall {
            customer,
            members,
            answered_by,
            ring_secs,
            talk_secs,
            pbx_contacts,
        } => {
            let customer = customer_number(&customer)?;
            if members.is_empty() {
                return Err(ScenarioError::Invalid(
                    "a group call needs at least one member".to_owned(),
                ));
            }
            for (i, member) in members.iter().enumerate() {
                if members[..i].contains(member) {
                    return Err(ScenarioError::Invalid(format!(
                        "member {member:?} is listed twice"
                    )));
                }
            }
            let talk = optional_seconds("talk_secs", talk_secs)?;
            let parent = new_uuid();
            let mut legs = Vec::with_capacity(members.len());
            for member in &members {
                let mut leg = base(employee(member)?, 4);
                leg.parent_uuid = Some(parent.clone());
                leg.other_legs = Some(other_legs(&customer, &pbx_contacts));
                leg.trunk = trunk.clone();
                legs.push(leg);
            }
            let answered = match (answered_by, talk) {
                (None, None) => None,
                (Some(who), Some(talk)) => {
                    let leg = legs.iter().find(|leg| leg.leg.ext == who).ok_or_else(|| {
                        ScenarioError::Invalid(format!(
                            "answered_by {who:?} is not one of the members"
                        ))
                    })?;
                    Some((leg.uuid.clone(), talk))
                }
                (Some(_), None) => {
                    return Err(ScenarioError::Invalid(
                        "answered_by needs talk_secs: how long the conversation lasts".to_owned(),
                    ))
                }
                (None, Some(_)) => {
                    return Err(ScenarioError::Invalid(
                        "talk_secs needs answered_by: which member answers".to_owned(),
                    ))
                }
            };
            let leg_uuids: Vec<String> = legs.iter().map(|leg| leg.uuid.clone()).collect();
            let mut uuids = vec![parent];
            uuids.extend(leg_uuids.iter().cloned());
            Plan {
                calls: legs,
                timeline: Timeline::Group {
                    legs: leg_uuids,
                    answered,
                    ring: seconds("ring_secs", ring_secs)?,
                },
                uuids,
            }
        }
    };
    Ok(plan)
}

async fn run(state: &SimState, timeline: Timeline) {
    match timeline {
        Timeline::Single { uuid, ring, talk } => {
            tokio::time::sleep(ring).await;
            if let Some(talk) = talk {
                state.bridge(&uuid);
                tokio::time::sleep(talk).await;
            }
            finish(state, vec![uuid]).await;
        }
        Timeline::Transfer {
            uuid,
            ring,
            talk,
            mut to,
            transfer_ring,
            transfer_talk,
        } => {
            tokio::time::sleep(ring).await;
            state.bridge(&uuid);
            tokio::time::sleep(talk).await;
            to.dial_at_ms = now_ms();
            let second = to.uuid.clone();
            if !state.transfer(&uuid, *to) {
                // Hung up (B.4) before the transfer: nothing left to transfer.
                return;
            }
            tokio::join!(linger_then_remove(state, vec![uuid]), async {
                tokio::time::sleep(transfer_ring).await;
                state.bridge(&second);
                tokio::time::sleep(transfer_talk).await;
                finish(state, vec![second]).await;
            });
        }
        Timeline::Group {
            legs: uuids,
            answered,
            ring,
        } => {
            tokio::time::sleep(ring).await;
            match answered {
                Some((winner, talk)) => {
                    let others: Vec<String> = uuids.into_iter().filter(|u| *u != winner).collect();
                    state.remove(&others);
                    state.bridge(&winner);
                    tokio::time::sleep(talk).await;
                    finish(state, vec![winner]).await;
                }
                None => finish(state, uuids).await,
            }
        }
    }
}

/// Hangs the calls up (those not hung up already, by `hangup`): they go into the history, show
/// `call.hangup` for the configured linger, then disappear.
async fn finish(state: &SimState, uuids: Vec<String>) {
    let ended = state.end_calls(&uuids);
    linger_then_remove(state, ended).await;
}

async fn linger_then_remove(state: &SimState, uuids: Vec<String>) {
    if let Some(linger) = state.config().hangup_linger.filter(|l| !l.is_zero()) {
        tokio::time::sleep(linger).await;
    }
    state.remove(&uuids);
}

/// Ends a call in progress on request (vega.md B.4): it shows `call.hangup`, goes into the
/// history and disappears after the linger, whatever its scenario had planned. False when no call
/// with this uuid is in progress.
pub(crate) fn hang_up(state: &Arc<SimState>, uuid: &str) -> bool {
    if !state.hang_up_on_request(uuid) {
        return false;
    }
    let task_state = state.clone();
    let uuids = vec![uuid.to_owned()];
    state.runtime.spawn(async move {
        let state = task_state;
        tokio::select! {
            _ = state.shutdown.cancelled() => {}
            _ = linger_then_remove(&state, uuids) => {}
        }
    });
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scenario_json_is_tagged_by_kind_with_seconds() {
        let scenario: Scenario = serde_json::from_str(
            r#"{"kind":"answered_incoming","customer":"+380442246595","employee":"001",
                "ring_secs":0.5,"talk_secs":2,
                "pbx_contacts":[{"name":"Telecom company","url":"https://crm.example.com/contacts/1"}]}"#,
        )
        .unwrap();
        assert_eq!(
            scenario,
            Scenario::AnsweredIncoming {
                customer: "+380442246595".into(),
                employee: "001".into(),
                ring_secs: 0.5,
                talk_secs: 2.0,
                pbx_contacts: vec![PbxContact {
                    name: Some("Telecom company".into()),
                    url: Some("https://crm.example.com/contacts/1".into()),
                    ..PbxContact::default()
                }],
            }
        );
    }

    #[test]
    fn scenario_json_rejects_misspelt_fields() {
        let error = serde_json::from_str::<Scenario>(
            r#"{"kind":"internal","from":"001","to":"002","ring_secs":1,"talk_sec":3}"#,
        )
        .unwrap_err();
        assert!(error.to_string().contains("talk_sec"), "{error}");
    }

    #[test]
    fn negative_and_nan_durations_are_rejected() {
        assert!(matches!(
            seconds("ring_secs", -1.0),
            Err(ScenarioError::BadDuration { .. })
        ));
        assert!(matches!(
            seconds("ring_secs", f64::NAN),
            Err(ScenarioError::BadDuration { .. })
        ));
        assert_eq!(
            seconds("ring_secs", 0.25).unwrap(),
            Duration::from_millis(250)
        );
    }

    #[test]
    fn a_customer_unknown_to_the_crms_gets_one_entry_with_only_the_number() {
        let legs = other_legs("+380442246595", &[]);
        assert_eq!(legs.len(), 1);
        assert_eq!(legs[0].num, "+380442246595");
        assert!(legs[0].id.is_none() && legs[0].name.is_none() && legs[0].url.is_none());
    }
}
