//! Telediscount → CRM: the `income` and `call_finished` GETs of the spec's examples.

use std::time::Duration;

use super::{new_call_id, now_secs, SimCall, SimState};

/// How long one delivery to the CRM may take.
const DELIVERY_TIMEOUT: Duration = Duration::from_secs(10);

/// A call Telediscount plays into the CRM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallScenario {
    /// A customer `num_a` calls the company number `num_m`; `answered_by` (a SIP account) takes
    /// it and talks `talk_secs`, or nobody does (`None`: a missed call, no `num_b`).
    Incoming {
        /// The caller (`79039998877`).
        num_a: String,
        /// The company number (`79037778899`).
        num_m: String,
        /// Who answers.
        answered_by: Option<String>,
        /// Seconds of waiting.
        waiting_secs: i64,
        /// Seconds of conversation.
        talk_secs: i64,
    },
    /// A SIP account calls `num_b` (the `call_finished` of a click-to-call; no `income`).
    Outgoing {
        /// The SIP account.
        sip_account: String,
        /// The number called.
        num_b: String,
        /// Seconds of conversation (0: no answer).
        talk_secs: i64,
    },
}

/// One GET the simulator sent, and the CRM's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// The full URL requested.
    pub url: String,
    /// The query fields sent.
    pub fields: Vec<(String, String)>,
    /// The CRM's HTTP status.
    pub status: u16,
    /// The CRM's body.
    pub body: String,
}

/// Why a scenario could not be played.
#[derive(Debug, thiserror::Error)]
pub enum PlayError {
    /// The webhook URL the scenario needs is not configured.
    #[error("the Telediscount simulator has no {0} URL")]
    NoUrl(&'static str),
    /// The CRM could not be reached.
    #[error("delivering `{webhook}` to the CRM failed: {detail}")]
    Delivery {
        /// `income` or `call_finished`.
        webhook: &'static str,
        /// What failed.
        detail: String,
    },
    /// The simulator stopped first.
    #[error("the simulator stopped")]
    Stopped,
}

pub(super) async fn run(
    state: &SimState,
    scenario: CallScenario,
) -> Result<Vec<Delivery>, PlayError> {
    let finished_url = state
        .config
        .finished_url
        .clone()
        .ok_or(PlayError::NoUrl("call_finished"))?;
    let id = new_call_id();
    let setup = now_secs().to_string();
    let mut deliveries = Vec::new();
    let call = match &scenario {
        CallScenario::Incoming {
            num_a,
            num_m,
            answered_by,
            waiting_secs,
            talk_secs,
        } => {
            let income_url = state
                .config
                .income_url
                .clone()
                .ok_or(PlayError::NoUrl("income"))?;
            let income = vec![
                ("num_a", num_a.clone()),
                ("num_m", num_m.clone()),
                ("setup_time", setup.clone()),
                ("api_call_id", id.clone()),
            ];
            deliveries.push(deliver("income", &income_url, &income).await?);
            let talk = if answered_by.is_some() { *talk_secs } else { 0 };
            let mut finished = vec![("num_a", num_a.clone()), ("num_m", num_m.clone())];
            if let Some(who) = answered_by {
                finished.push(("num_b", who.clone()));
            }
            finished.extend([
                ("setup_time", setup.clone()),
                ("connection_time", talk.to_string()),
                ("waiting_time", waiting_secs.to_string()),
                ("api_call_id", id.clone()),
            ]);
            deliveries.push(deliver("call_finished", &finished_url, &finished).await?);
            SimCall::incoming(
                &id,
                now_secs(),
                num_a,
                answered_by.as_deref().unwrap_or_default(),
                talk,
            )
        }
        CallScenario::Outgoing {
            sip_account,
            num_b,
            talk_secs,
        } => {
            let finished = vec![
                ("num_a", sip_account.clone()),
                ("num_b", num_b.clone()),
                ("setup_time", setup.clone()),
                ("connection_time", talk_secs.to_string()),
                ("waiting_time", "3".to_owned()),
                ("api_call_id", id.clone()),
            ];
            deliveries.push(deliver("call_finished", &finished_url, &finished).await?);
            let mut call = SimCall::incoming(&id, now_secs(), sip_account, num_b, *talk_secs);
            call.service_name = "sip_outcome".into();
            call.num_m = String::new();
            call
        }
    };
    state.live().calls.push(call);
    Ok(deliveries)
}

async fn deliver(
    webhook: &'static str,
    url: &str,
    fields: &[(&str, String)],
) -> Result<Delivery, PlayError> {
    let failed = |detail: String| PlayError::Delivery { webhook, detail };
    let client = reqwest::Client::builder()
        .timeout(DELIVERY_TIMEOUT)
        .build()
        .map_err(|e| failed(e.to_string()))?;
    let response = client
        .get(url)
        .query(fields)
        .send()
        .await
        .map_err(|e| failed(e.to_string()))?;
    let status = response.status().as_u16();
    let full = response.url().to_string();
    let body = response.text().await.map_err(|e| failed(e.to_string()))?;
    Ok(Delivery {
        url: full,
        fields: fields
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect(),
        status,
        body,
    })
}
