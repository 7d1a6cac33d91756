//! What became of a finished call, in the words a PBX's history uses: answered, missed, busy, no
//! answer, failed, cancelled. [`CallState`] says where a call is in its life, the same for every
//! PBX; the outcome keeps the detail a PBX gives about a call nobody talked on, so "the line was
//! busy" does not read as "the manager hung up".
//!
//! | value | meaning |
//! |---|---|
//! | `answered` | somebody talked (whoever of the employees the call rang) |
//! | `missed` | an incoming call nobody answered |
//! | `no_answer` | the called party did not pick up (an outgoing or internal call) |
//! | `busy` | the called party was busy, or set "busy" (Vega: destination overloaded too) |
//! | `failed` | the call could not be put through (an error while dialling, unreachable) |
//! | `cancelled` | the caller gave up before anybody answered, or the PBX says no more |

use serde::{Deserialize, Serialize};

use crate::event::{CallState, Direction};

/// What became of a finished call (see the module's table).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Somebody talked.
    Answered,
    /// An incoming call nobody answered.
    Missed,
    /// The called party did not pick up.
    NoAnswer,
    /// The called party was busy.
    Busy,
    /// The call could not be put through.
    Failed,
    /// The caller gave up, or the PBX gives no reason.
    Cancelled,
}

impl Outcome {
    /// Every outcome, in the order the app's filters list them.
    pub const ALL: [Outcome; 6] = [
        Outcome::Answered,
        Outcome::Missed,
        Outcome::NoAnswer,
        Outcome::Busy,
        Outcome::Failed,
        Outcome::Cancelled,
    ];

    /// The name in `history --json`, the store and the app.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Answered => "answered",
            Outcome::Missed => "missed",
            Outcome::NoAnswer => "no_answer",
            Outcome::Busy => "busy",
            Outcome::Failed => "failed",
            Outcome::Cancelled => "cancelled",
        }
    }

    /// The outcome named `text` ([`Outcome::as_str`]).
    pub fn from_name(text: &str) -> Option<Outcome> {
        Outcome::ALL.into_iter().find(|o| o.as_str() == text)
    }

    /// What a call's state alone tells, when its PBX said nothing more: `None` while it goes on.
    pub fn of_state(state: CallState) -> Option<Outcome> {
        match state {
            CallState::Ringing | CallState::Answered => None,
            CallState::Ended | CallState::Transferred => Some(Outcome::Answered),
            CallState::Missed => Some(Outcome::Missed),
            CallState::Cancelled => Some(Outcome::Cancelled),
        }
    }

    /// A call nobody answered, for a reason the PBX named (`busy`, `no_answer`, `failed`), as
    /// seen from `direction`: an incoming call nobody picked up is simply `missed`, whatever the
    /// PBX adds, except busy and failed, which say more (the line, not the people).
    pub fn unanswered(direction: Direction, reason: Outcome) -> Outcome {
        match (direction, reason) {
            (Direction::In, Outcome::NoAnswer | Outcome::Cancelled) => Outcome::Missed,
            (_, reason) => reason,
        }
    }
}

impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_read_back_and_match_the_json() {
        for outcome in Outcome::ALL {
            assert_eq!(Outcome::from_name(outcome.as_str()), Some(outcome));
            assert_eq!(
                serde_json::to_value(outcome).unwrap(),
                serde_json::json!(outcome.as_str())
            );
        }
        assert_eq!(Outcome::from_name("ended"), None);
    }

    #[test]
    fn a_state_alone_gives_the_plain_outcomes() {
        assert_eq!(Outcome::of_state(CallState::Ringing), None);
        assert_eq!(Outcome::of_state(CallState::Answered), None);
        assert_eq!(Outcome::of_state(CallState::Ended), Some(Outcome::Answered));
        assert_eq!(
            Outcome::of_state(CallState::Transferred),
            Some(Outcome::Answered)
        );
        assert_eq!(Outcome::of_state(CallState::Missed), Some(Outcome::Missed));
        assert_eq!(
            Outcome::of_state(CallState::Cancelled),
            Some(Outcome::Cancelled)
        );
    }

    #[test]
    fn an_incoming_call_nobody_picked_up_is_missed_but_busy_stays_busy() {
        assert_eq!(
            Outcome::unanswered(Direction::In, Outcome::NoAnswer),
            Outcome::Missed
        );
        assert_eq!(
            Outcome::unanswered(Direction::In, Outcome::Busy),
            Outcome::Busy
        );
        assert_eq!(
            Outcome::unanswered(Direction::Out, Outcome::NoAnswer),
            Outcome::NoAnswer
        );
        assert_eq!(
            Outcome::unanswered(Direction::Out, Outcome::Failed),
            Outcome::Failed
        );
    }
}
