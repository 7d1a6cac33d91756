//! The relay inside the desktop app, for a one-office setup: the PBX posts its webhooks to this
//! machine on the LAN, and this desktop takes its events straight from the hub (no WebSocket to
//! itself). Other desktops in the office may still connect to it over `/ws` as usual.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use callpop_core::{CallEvent, Store};
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::config::{issue_client_token, ConfigError, RelayConfig};
use crate::employees::EmployeeSource;
use crate::hub::Delivery;
use crate::server::Relay;

/// The hub client name of the desktop that embeds the relay, when it names none of its own.
pub const THIS_DESKTOP: &str = "this-desktop";

/// How often the embedded relay re-reads its clients from its config file.
const CLIENTS_REREAD: std::time::Duration = std::time::Duration::from_secs(2);

/// Why the embedded relay did not start.
#[derive(Debug, thiserror::Error)]
pub enum EmbeddedError {
    /// The relay's config is wrong.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The address in `listen` cannot be bound (in use, not this machine's...).
    #[error("the embedded relay cannot listen on {addr}: {source}")]
    Listen {
        /// The configured address.
        addr: SocketAddr,
        /// What the OS said.
        source: std::io::Error,
    },
    /// The desktop names a client the relay config does not have.
    #[error("the relay config has no [[clients]] entry named {0:?}")]
    UnknownClient(String),
}

/// Starts `config`'s relay on its `listen` address and sends the events for `client` (its
/// `[[clients]]` entry; `None`: every event, as a desktop that sees the whole office) into
/// `events` until `shutdown`. The look-ups name responsible managers from the employees
/// `employees` lists, re-read at its interval (`None`: nobody is named). Returns the address it
/// listens on. With `config_file`, the client list is re-read from it while the relay runs, so
/// desktops added to the office (or removed) need no restart.
pub async fn start_embedded(
    mut config: RelayConfig,
    config_file: Option<&Path>,
    store: Arc<Store>,
    employees: Option<EmployeeSource>,
    client: Option<&str>,
    events: mpsc::Sender<CallEvent>,
    shutdown: CancellationToken,
) -> Result<SocketAddr, EmbeddedError> {
    let client = match client {
        Some(name) => {
            if !config.clients.iter().any(|c| c.name == name) {
                return Err(EmbeddedError::UnknownClient(name.to_owned()));
            }
            name.to_owned()
        }
        None => {
            // An entry of our own whose token nobody ever sees: it only names our log.
            let (_token, entry) = issue_client_token(THIS_DESKTOP, None, &[]);
            config.clients.retain(|c| c.name != THIS_DESKTOP);
            config.clients.push(entry);
            THIS_DESKTOP.to_owned()
        }
    };
    let listen = config.listen;
    let relay = Relay::new(config, store, Vec::new())?;
    let mut subscription = relay
        .hub()
        .subscribe(&client, None)
        .ok_or_else(|| EmbeddedError::UnknownClient(client.clone()))?;
    let listener = TcpListener::bind(listen)
        .await
        .map_err(|source| EmbeddedError::Listen {
            addr: listen,
            source,
        })?;
    let addr = listener
        .local_addr()
        .map_err(|source| EmbeddedError::Listen {
            addr: listen,
            source,
        })?;
    // Only once it listens: a relay that failed to start leaves no task behind.
    if let Some(source) = employees {
        relay.keep_employees_fresh(source, shutdown.clone());
    }
    if let Some(path) = config_file {
        relay.watch_clients(path.to_owned(), CLIENTS_REREAD, shutdown.clone());
    }
    let serving = shutdown.clone();
    tokio::spawn(async move {
        if let Err(e) = relay.serve(listener, serving).await {
            tracing::error!("the embedded relay stopped: {e}");
        }
    });
    tokio::spawn(async move {
        loop {
            let delivery = tokio::select! {
                _ = shutdown.cancelled() => return,
                delivery = subscription.next() => delivery,
            };
            match delivery {
                Some(Delivery::Event { event, .. }) => {
                    if events.send((*event).clone()).await.is_err() {
                        return;
                    }
                }
                Some(Delivery::Gap { from, to }) => {
                    tracing::warn!(
                        "embedded relay: events {from}..={to} were dropped (the app fell behind)"
                    );
                }
                None => return,
            }
        }
    });
    tracing::info!(%addr, "embedded relay listening");
    Ok(addr)
}
