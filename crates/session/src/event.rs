//! What a session tells its subscribers, in the order it happened.

use std::net::SocketAddr;
use std::sync::Arc;

use callpop_core::CallView;
use callpop_providers::{Account, ProviderError};

/// One thing that happened in a session.
pub enum SessionEvent {
    /// The account can take actions now (call, hang up, DND): with the PBX's own events, once it
    /// answered; with a relay, at once (the relay brings the events, the account the actions).
    AccountReady(Arc<Account>),
    /// This desktop's LAN relay listens here: the PBX posts its webhooks to this address.
    LanRelayListening(SocketAddr),
    /// The connection that brings the events changed.
    Connection(Connection),
    /// A call of "me" rang or was answered: show it.
    Card(CallView),
    /// A call of "me" ended (answered, missed, outcome known): the card shows how, and the
    /// recent calls changed.
    CallEnded(CallView),
    /// DND or the departments may have changed on the PBX's side (on the phone, or while the
    /// relay was away): read them again.
    PresenceMayHaveChanged,
    /// The session stopped on something retrying cannot fix (a broken relay config, an unknown
    /// provider); it starts again only with new settings.
    Failed(anyhow::Error),
}

/// The state of the connection that brings the events.
#[derive(Debug)]
pub enum Connection {
    /// Events come in.
    Online,
    /// The PBX cannot be reached or refused us; the session tries again, waiting longer each
    /// time.
    PbxUnreachable(ProviderError),
    /// The relay connection dropped; the relay client reconnects by itself.
    RelayUnreachable {
        /// The relay's WebSocket URL, to name it to the user.
        url: String,
    },
}

impl std::fmt::Debug for SessionEvent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SessionEvent::AccountReady(account) => f
                .debug_tuple("AccountReady")
                .field(&account.config().domain)
                .finish(),
            SessionEvent::LanRelayListening(addr) => {
                f.debug_tuple("LanRelayListening").field(addr).finish()
            }
            SessionEvent::Connection(connection) => {
                f.debug_tuple("Connection").field(connection).finish()
            }
            SessionEvent::Card(view) => f.debug_tuple("Card").field(view).finish(),
            SessionEvent::CallEnded(view) => f.debug_tuple("CallEnded").field(view).finish(),
            SessionEvent::PresenceMayHaveChanged => f.write_str("PresenceMayHaveChanged"),
            SessionEvent::Failed(e) => f.debug_tuple("Failed").field(e).finish(),
        }
    }
}
