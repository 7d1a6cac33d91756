//! The normalized call event every provider produces.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::phone::PhoneNumber;

/// Where a call is in its life. `Ringing` and `Answered` are live states; the rest are final.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CallState {
    /// A phone rings; nobody has answered yet.
    Ringing,
    /// Somebody answered; the conversation goes on.
    Answered,
    /// The call was answered and is over.
    Ended,
    /// The call rang and nobody answered it.
    Missed,
    /// The caller gave up while it rang, or a colleague answered this leg's call.
    Cancelled,
    /// The call was handed to someone else.
    Transferred,
}

impl CallState {
    /// True once nothing more can happen to the call.
    pub fn is_final(self) -> bool {
        !matches!(self, CallState::Ringing | CallState::Answered)
    }

    /// How far a call has come: a call never moves back to a lower rank. Keeps the tracker safe
    /// against events that arrive late or out of order.
    pub(crate) fn rank(self) -> u8 {
        match self {
            CallState::Ringing => 0,
            CallState::Answered => 1,
            _ => 2,
        }
    }

    /// The name used on the wire and in the CLI's JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            CallState::Ringing => "ringing",
            CallState::Answered => "answered",
            CallState::Ended => "ended",
            CallState::Missed => "missed",
            CallState::Cancelled => "cancelled",
            CallState::Transferred => "transferred",
        }
    }
}

/// Which way a call goes, seen from the company.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// A customer calls the company.
    In,
    /// An employee calls a customer.
    Out,
    /// Two employees call each other.
    Internal,
}

impl Direction {
    /// The name used on the wire and in the CLI's JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::In => "in",
            Direction::Out => "out",
            Direction::Internal => "internal",
        }
    }
}

/// What is known about the other party: from our directory, or failing that from the PBX.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactInfo {
    /// Person's name, as the manager knows them.
    pub name: Option<String>,
    /// Company the person works for.
    pub company: Option<String>,
    /// The employee responsible for this customer.
    pub responsible: Option<String>,
    /// Link that opens the CRM record.
    pub url: Option<String>,
}

impl ContactInfo {
    /// True when the PBX sent nothing worth showing.
    pub fn is_empty(&self) -> bool {
        self.name.is_none()
            && self.company.is_none()
            && self.responsible.is_none()
            && self.url.is_none()
    }
}

/// One thing that happened to one call (or one leg of it), in no PBX's dialect.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CallEvent {
    /// Which provider module produced it (`"vega"`, ...).
    pub provider: String,
    /// The PBX's id of this call or leg.
    pub call_id: String,
    /// The PBX's id of the call this leg belongs to (a group call's members, a transfer).
    pub parent_id: Option<String>,
    /// The state the call reached with this event.
    pub state: CallState,
    /// Which way the call goes.
    pub direction: Direction,
    /// The outside party (or the other employee, for internal calls).
    pub customer: Option<PhoneNumber>,
    /// The extension of the employee whose phone this leg rings.
    pub employee: Option<String>,
    /// That employee's display name, when the PBX says it.
    pub employee_name: Option<String>,
    /// When it happened, by the PBX's clock where it says so.
    pub at: DateTime<Utc>,
    /// What the PBX itself knows of the customer (its own CRM look-up).
    pub pbx_contact: Option<ContactInfo>,
    /// The customer is on hold (only meaningful while the call is answered). Absent on the
    /// wire means no.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub on_hold: bool,
}

impl CallEvent {
    /// The id under which all legs of one call are tracked together.
    pub fn root_id(&self) -> &str {
        self.parent_id.as_deref().unwrap_or(&self.call_id)
    }
}
