//! The connection's state as people see it: in the tray's menu and icon and the main window.

use serde::Serialize;

/// Where the connection stands; serialized as `"starting"`, `"online"`, `"error"`, the words the
/// main window's script compares with.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ConnectionState {
    /// Connecting, or restarting after the settings changed.
    #[default]
    Starting,
    /// Events come in.
    Online,
    /// Events cannot come in; [`Status::error`] says why.
    Error,
}

/// How the connection to the PBX is doing, as the tray and the main window show it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Status {
    /// Starting, online or in error.
    pub state: ConnectionState,
    /// True when running the built-in demo.
    pub demo: bool,
    /// Provider and domain, for people.
    pub account: Option<String>,
    /// "Me": the extension whose calls pop up.
    pub user: Option<String>,
    /// What went wrong, in words the user can act on.
    pub error: Option<String>,
}

impl Status {
    /// Events come in again: no error to show.
    pub fn online(&mut self) {
        self.state = ConnectionState::Online;
        self.error = None;
    }

    /// Events cannot come in, for the reason `error` gives the user.
    pub fn failed(&mut self, error: String) {
        self.state = ConnectionState::Error;
        self.error = Some(error);
    }

    /// Starting over (new settings): the last error no longer applies.
    pub fn starting(&mut self) {
        self.state = ConnectionState::Starting;
        self.error = None;
    }

    /// True while events come in.
    pub fn is_online(&self) -> bool {
        self.state == ConnectionState::Online
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_gets_the_state_as_the_lowercase_words_it_compares_with() {
        let mut status = Status::default();
        assert_eq!(serde_json::to_value(&status).unwrap()["state"], "starting");
        status.online();
        assert_eq!(serde_json::to_value(&status).unwrap()["state"], "online");
        status.failed("the PBX is down".into());
        let shown = serde_json::to_value(&status).unwrap();
        assert_eq!(shown["state"], "error");
        assert_eq!(shown["error"], "the PBX is down");
    }

    #[test]
    fn going_online_or_starting_over_clears_the_error() {
        let mut status = Status::default();
        status.failed("down".into());
        status.online();
        assert_eq!(
            (status.state, status.error.clone()),
            (ConnectionState::Online, None)
        );
        status.failed("down".into());
        status.starting();
        assert_eq!(
            (status.state, status.error),
            (ConnectionState::Starting, None)
        );
    }
}
