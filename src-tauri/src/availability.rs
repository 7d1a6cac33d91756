//! What the PBX last said about "me"'s availability (DND, the departments): the data the tray,
//! the main window and the refresher (`presence.rs`) share. Apart from the refresher so
//! the views can draw it without reaching the code that talks to the PBX.

use serde::Serialize;

/// One department's "receive its calls" toggle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GroupToggle {
    /// The PBX's id of the department.
    pub id: String,
    /// Its name, for people.
    pub name: String,
    /// True when "me" receives its calls.
    pub on: bool,
}

/// What the PBX last said about "me"'s availability.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Presence {
    /// Do-Not-Disturb; `None` until the PBX answered (or when it cannot say).
    pub dnd: Option<bool>,
    /// Why DND cannot be used here (the provider does not offer it, no "me"...).
    pub dnd_unavailable: Option<String>,
    /// "Me"'s departments with their toggles.
    pub groups: Vec<GroupToggle>,
    /// Why department toggles cannot be used here.
    pub groups_unavailable: Option<String>,
    /// The last error talking to the PBX about presence, if the last attempt failed.
    pub error: Option<String>,
}
