//! MCN → CRM: the call webhooks (public usage), as JSON POSTs.

use std::time::Duration;

use serde_json::json;

use super::{moscow_now, new_call_id, SimCall, SimState};

/// How long one delivery to the CRM may take.
const DELIVERY_TIMEOUT: Duration = Duration::from_secs(10);

/// A call MCN plays into the CRM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallScenario {
    /// The client `did` calls our number `did_mcn`; extension `abon` answers and talks
    /// `billsec` seconds, or nobody answers (`answered: false`: a missed call).
    Incoming {
        /// The client's number.
        did: String,
        /// Our number.
        did_mcn: String,
        /// The extension that rings.
        abon: String,
        /// Whether it answers.
        answered: bool,
        /// Seconds of conversation.
        billsec: i64,
    },
    /// Extension `abon` calls the client `did`.
    Outgoing {
        /// The extension.
        abon: String,
        /// The client's number.
        did: String,
        /// Our number shown.
        did_mcn: String,
        /// Whether the client answers.
        answered: bool,
        /// Seconds of conversation.
        billsec: i64,
    },
}

/// One webhook sent and the CRM's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// The JSON body sent.
    pub body_sent: String,
    /// The CRM's status.
    pub status: u16,
    /// The CRM's body.
    pub body: String,
}

/// Why a scenario could not be played.
#[derive(Debug, thiserror::Error)]
pub enum PlayError {
    /// No webhook URL is configured.
    #[error("the MCN simulator has no webhook URL")]
    NoUrl,
    /// The CRM could not be reached.
    #[error("delivering `{event_type}` to the CRM failed: {detail}")]
    Delivery {
        /// The event.
        event_type: String,
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
    let url = state.config.webhook_url.clone().ok_or(PlayError::NoUrl)?;
    let call_id = new_call_id();
    let (events, abon, did, did_mcn, answered, billsec, inbound) = match &scenario {
        CallScenario::Incoming {
            did,
            did_mcn,
            abon,
            answered,
            billsec,
        } => {
            let mut events = vec!["onBegin"];
            if *answered {
                events.push("onInCallingAnswered");
            }
            events.extend(["onInAbonEnd", "onInCallingEnd"]);
            (events, abon, did, did_mcn, *answered, *billsec, true)
        }
        CallScenario::Outgoing {
            abon,
            did,
            did_mcn,
            answered,
            billsec,
        } => {
            let mut events = vec!["onOutCallingStart"];
            if *answered {
                events.push("onOutCallingAnswered");
            }
            events.extend(["onOutAbonEnd", "onOutCallingEnd"]);
            (events, abon, did, did_mcn, *answered, *billsec, false)
        }
    };
    let billsec = if answered { billsec } else { 0 };
    let client = reqwest::Client::builder()
        .timeout(DELIVERY_TIMEOUT)
        .build()
        .map_err(|e| PlayError::Delivery {
            event_type: "client".into(),
            detail: e.to_string(),
        })?;
    let mut deliveries = Vec::new();
    for event_type in events {
        let ended = event_type.ends_with("End");
        let body = json!({
            "event_type": event_type,
            "call_id": call_id,
            "abon": abon,
            "did": did,
            "did_mcn": did_mcn,
            "billsec": if ended { billsec } else { 0 },
        });
        let failed = |detail: String| PlayError::Delivery {
            event_type: event_type.into(),
            detail,
        };
        let response = client
            .post(&url)
            .json(&body)
            .send()
            .await
            .map_err(|e| failed(e.to_string()))?;
        let status = response.status().as_u16();
        let text = response.text().await.map_err(|e| failed(e.to_string()))?;
        deliveries.push(Delivery {
            body_sent: body.to_string(),
            status,
            body: text,
        });
    }
    let mut call = SimCall::inbound(
        &call_id,
        &moscow_now(),
        did,
        abon,
        if answered { "ANSWERED" } else { "NO ANSWER" },
    );
    call.did = did_mcn.clone();
    call.billsec = billsec;
    call.talktime = billsec;
    if !inbound {
        call.kind = "Out".into();
        call.src_num = abon.clone();
        call.src_type = "Phone".into();
        call.dst_num = did.clone();
        call.dst_type = "PSNT".into();
    }
    state.live().calls.push(call);
    Ok(deliveries)
}
