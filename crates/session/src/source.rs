//! Starts the plan's event source: the PBX's own (retried while the PBX cannot be reached), a
//! relay (whose connection is the session's), or this desktop's LAN relay.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use callpop_core::backoff::Backoff;
use callpop_core::secrets::Secret;
use callpop_core::{AccountConfig, CallEvent, Config};
use callpop_providers::Account;
use callpop_relay::{start_embedded, EmployeeSource, RelayClient, RelayConfig};
use tokio::sync::{mpsc, watch};
use tokio_util::sync::CancellationToken;

use crate::{Connection, Plan, SessionEvent, Source};

/// The first wait after the PBX could not be reached.
const FIRST_RETRY: Duration = Duration::from_secs(1);
/// The longest wait between two attempts to reach the PBX.
const MAX_RETRY_DELAY: Duration = Duration::from_secs(30);

/// A source sending into the session's pipeline.
pub struct Started {
    /// The account actions go to; `None` when watching a relay without one.
    pub account: Option<Arc<Account>>,
    /// True when a relay's connection says whether the session is online (the relay follower
    /// reports it); otherwise the session is online once started.
    pub relayed: bool,
}

/// Starts `plan`'s source sending into `events`, until `shutdown`. `Ok(None)` when `shutdown`
/// came while the PBX was still out of reach.
pub async fn start(
    plan: &Plan,
    events: mpsc::Sender<CallEvent>,
    out: &mpsc::Sender<SessionEvent>,
    shutdown: &CancellationToken,
) -> anyhow::Result<Option<Started>> {
    match &plan.source {
        Source::LanRelay(lan) => {
            let (config, key) = needed_account(plan)?;
            let mut relay = RelayConfig::load(&lan.config)
                .with_context(|| format!("the LAN relay's config {}", lan.config.display()))?;
            // Kept in the data directory so a restart of the app forgets no event the office's
            // other desktops have yet to receive.
            if relay.events_file.is_none() {
                relay.events_file = Some(Config::data_dir()?.join("relay-events.sqlite"));
            }
            // Connected first: the relay's look-ups name responsible managers from this
            // account's employee list, which the relay re-reads while it runs.
            let account = Arc::new(Account::connect(config, key, &plan.region)?);
            let pbx = Arc::clone(&account);
            let employees = EmployeeSource::new(move || {
                let pbx = Arc::clone(&pbx);
                async move { pbx.employees().await }
            });
            let addr = start_embedded(
                relay,
                Some(&lan.config),
                plan.store.clone(),
                Some(employees),
                lan.client.as_deref(),
                events,
                shutdown.clone(),
            )
            .await?;
            let _ = out.send(SessionEvent::LanRelayListening(addr)).await;
            Ok(Some(Started {
                account: Some(account),
                relayed: false,
            }))
        }
        // Relayed events are handled exactly like polled ones; the account is for actions.
        Source::Relay { url, token } => {
            let client = RelayClient::new(url, token.clone());
            tokio::spawn(follow_relay(
                url.clone(),
                client.connection(),
                out.clone(),
                shutdown.clone(),
            ));
            tokio::spawn(client.run(events, shutdown.clone()));
            let account = match &plan.account {
                Some((config, key)) => Some(Arc::new(Account::connect(config, key, &plan.region)?)),
                None => None,
            };
            Ok(Some(Started {
                account,
                relayed: true,
            }))
        }
        Source::Pbx => {
            let (config, key) = needed_account(plan)?;
            let account = connect(config, key, &plan.region, events, out, shutdown).await;
            Ok(account.map(|account| Started {
                account: Some(Arc::new(account)),
                relayed: false,
            }))
        }
    }
}

fn needed_account(plan: &Plan) -> anyhow::Result<&(AccountConfig, Secret)> {
    plan.account
        .as_ref()
        .context("no PBX account configured: the events come from the PBX's account")
}

/// Connects, retrying with backoff while the PBX cannot be reached; each failure is told as
/// [`Connection::PbxUnreachable`]. `None` when `shutdown` came first.
async fn connect(
    config: &AccountConfig,
    key: &Secret,
    region: &str,
    events: mpsc::Sender<CallEvent>,
    out: &mpsc::Sender<SessionEvent>,
    shutdown: &CancellationToken,
) -> Option<Account> {
    let mut backoff = Backoff::new(FIRST_RETRY, MAX_RETRY_DELAY);
    loop {
        let attempt = Account::start(config, key, region, events.clone(), shutdown.clone());
        let error = tokio::select! {
            _ = shutdown.cancelled() => return None,
            result = attempt => match result {
                Ok(account) => return Some(account),
                Err(e) => e,
            },
        };
        let delay = backoff.next_wait();
        tracing::warn!(
            "cannot connect to {}: {error}; retrying in {delay:?}",
            config.domain
        );
        let _ = out
            .send(SessionEvent::Connection(Connection::PbxUnreachable(error)))
            .await;
        tokio::select! {
            _ = shutdown.cancelled() => return None,
            _ = tokio::time::sleep(delay) => {}
        }
    }
}

/// Tells the relay connection as the session's (events come only while it is up), and asks
/// for DND and the departments to be read again after each reconnect: they may have changed on
/// the phone meanwhile. A relay that was never reached leaves the session starting, not failed:
/// the relay client keeps trying.
async fn follow_relay(
    url: String,
    mut connection: watch::Receiver<bool>,
    out: mpsc::Sender<SessionEvent>,
    shutdown: CancellationToken,
) {
    let mut online = false;
    loop {
        let connected = *connection.borrow_and_update();
        let told = if connected {
            online = true;
            out.send(SessionEvent::Connection(Connection::Online))
                .await
                .and(out.send(SessionEvent::PresenceMayHaveChanged).await)
        } else if online {
            online = false;
            let url = url.clone();
            out.send(SessionEvent::Connection(Connection::RelayUnreachable {
                url,
            }))
            .await
        } else {
            Ok(())
        };
        if told.is_err() {
            return;
        }
        tokio::select! {
            _ = shutdown.cancelled() => return,
            changed = connection.changed() => if changed.is_err() { return },
        }
    }
}
