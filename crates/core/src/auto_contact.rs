//! The cloud PBX manual's extra scenarios, for any provider: a missed call from, or an outgoing
//! call to, a number nobody knows adds that number to the directory, assigned to a chosen
//! responsible, so the next call finds it and nobody forgets to call back.

use serde::{Deserialize, Serialize};

use crate::directory::NewContact;
use crate::event::{CallState, Direction};
use crate::tracker::Call;

/// When a call with an unknown number creates a directory contact (`[auto_contacts]` in the
/// config file; everything off by default).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AutoContacts {
    /// After an incoming call nobody answered.
    #[serde(default)]
    pub on_missed: bool,
    /// After an outgoing call (answered or not).
    #[serde(default)]
    pub on_outgoing: bool,
    /// Who the new contact is assigned to (a name, extension or e-mail, as the directory's
    /// "responsible" column holds it); unset: the employee on the call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub responsible: Option<String>,
}

impl AutoContacts {
    /// The contact to add for `call`, which has just ended and whose number the directory does
    /// not know; `None` when these settings do not ask for one (or the call has no real number).
    pub fn contact_for(&self, call: &Call) -> Option<NewContact> {
        if !call.state.is_final() {
            return None;
        }
        let missed = call.direction == Direction::In
            && call.answered_at.is_none()
            && matches!(call.state, CallState::Missed | CallState::Cancelled);
        let outgoing = call.direction == Direction::Out;
        if !((self.on_missed && missed) || (self.on_outgoing && outgoing)) {
            return None;
        }
        let number = call.customer.as_ref().filter(|n| n.e164().is_some())?;
        let name = call
            .pbx_contact
            .as_ref()
            .and_then(|c| c.name.clone())
            .filter(|name| !name.trim().is_empty())
            .unwrap_or_else(|| number.display());
        Some(NewContact {
            name,
            company: call.pbx_contact.as_ref().and_then(|c| c.company.clone()),
            responsible: self
                .responsible
                .clone()
                .or_else(|| call.employee_name.clone())
                .or_else(|| call.employee.clone()),
            url: None,
            notes: Some(if missed {
                "Added after a missed call".to_owned()
            } else {
                "Added after an outgoing call".to_owned()
            }),
            phones: vec![number.clone()],
        })
    }
}
