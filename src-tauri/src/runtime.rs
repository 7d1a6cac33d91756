//! Starts the configured provider (or the demo) and feeds its events through the pipeline to the
//! card.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use callpop_core::secrets::{self, Secret};
use callpop_core::{AccountConfig, Config, CrmLinks, Pipeline, RelaySettings, Store};
use callpop_providers::Account;
use callpop_relay::RelayClient;
use tauri::{AppHandle, Emitter, Manager};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::state::{AppState, Status};
use crate::{card, demo, tray};

/// Event telling the main window that the status changed.
pub const STATUS_EVENT: &str = "status";
/// The longest wait between two attempts to reach the PBX.
const MAX_RETRY_DELAY: Duration = Duration::from_secs(30);

/// What the runtime runs against.
struct Setup {
    account: AccountConfig,
    key: Secret,
    region: String,
    store: Arc<Store>,
    /// The relay the events come from, with this desktop's token; `None`: poll the PBX.
    relay: Option<(RelaySettings, Secret)>,
    /// Links into the team's CRM ("create contact").
    crm: Option<CrmLinks>,
    /// True when running the built-in demo.
    demo: bool,
}

/// Starts the runtime in the background; errors show in the tray and the main window.
pub fn spawn(app: AppHandle) {
    tauri::async_runtime::spawn(async move {
        if let Err(e) = run(&app).await {
            tracing::error!("{e:#}");
            set_status(&app, |s| {
                s.state = "error".into();
                s.error = Some(format!("{e:#}"));
            });
        }
    });
}

async fn setup() -> anyhow::Result<Setup> {
    let config = Config::load()?;
    let region = config.region().to_owned();
    let relay = match config.relay {
        Some(relay) => {
            let token = secrets::relay_token(&relay)?;
            Some((relay, token))
        }
        None => None,
    };
    match config.account {
        Some(account) => {
            let key = secrets::api_key(&account)?;
            let path = Config::store_path()?;
            let store = Store::open(&path, &region)
                .with_context(|| format!("opening {}", path.display()))?;
            Ok(Setup {
                account,
                key,
                region,
                store: Arc::new(store),
                relay,
                crm: config.crm,
                demo: false,
            })
        }
        None => {
            anyhow::ensure!(
                relay.is_none(),
                "a relay is configured but no [account]: the account is needed for click-to-call and to know who \"me\" is"
            );
            let demo = demo::Demo::start(&region).await?;
            Ok(Setup {
                account: demo.account,
                key: demo.key,
                region,
                store: demo.store,
                relay: None,
                crm: Some(CrmLinks {
                    new_contact_url: demo::NEW_CONTACT_URL.to_owned(),
                }),
                demo: true,
            })
        }
    }
}

async fn run(app: &AppHandle) -> anyhow::Result<()> {
    let setup = setup().await?;
    let state = app.state::<AppState>();
    *state.store.lock().expect("store lock") = Some(setup.store.clone());
    set_status(app, |s| {
        s.demo = setup.demo;
        s.account = Some(format!(
            "{} {}",
            setup.account.provider, setup.account.domain
        ));
        s.user.clone_from(&setup.account.user);
    });

    let (events_tx, mut events) = mpsc::channel(256);
    let shutdown = CancellationToken::new();
    let account = match &setup.relay {
        // Relayed events are handled exactly like polled ones; the account is for actions.
        Some((relay, token)) => {
            let client = RelayClient::new(&relay.url, token.clone());
            tauri::async_runtime::spawn(client.run(events_tx, shutdown.clone()));
            Account::connect(&setup.account, &setup.key, &setup.region)?
        }
        None => connect(app, &setup, events_tx, &shutdown).await,
    };
    *state.account.lock().expect("account lock") = Some(Arc::new(account));
    set_status(app, |s| {
        s.state = "online".into();
        s.error = None;
    });

    let me = setup.account.user.clone();
    let mut pipeline = Pipeline::new(setup.store.clone()).with_crm_links(setup.crm.clone());
    while let Some(event) = events.recv().await {
        let Some(view) = pipeline.handle(&event) else {
            continue;
        };
        // With "me" configured only my calls pop up; without it, every call of the account.
        if me.as_deref().is_none_or(|me| view.involves(me)) {
            card::show_update(app, view);
        }
    }
    shutdown.cancel();
    Ok(())
}

/// Connects, retrying with backoff while the PBX cannot be reached; the status says why.
async fn connect(
    app: &AppHandle,
    setup: &Setup,
    events: mpsc::Sender<callpop_core::CallEvent>,
    shutdown: &CancellationToken,
) -> Account {
    let mut delay = Duration::from_secs(1);
    loop {
        match Account::start(
            &setup.account,
            &setup.key,
            &setup.region,
            events.clone(),
            shutdown.clone(),
        )
        .await
        {
            Ok(account) => return account,
            Err(e) => {
                tracing::warn!(
                    "cannot connect to {}: {e}; retrying in {delay:?}",
                    setup.account.domain
                );
                set_status(app, |s| {
                    s.state = "error".into();
                    s.error = Some(e.to_string());
                });
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(MAX_RETRY_DELAY);
            }
        }
    }
}

fn set_status(app: &AppHandle, change: impl FnOnce(&mut Status)) {
    let status = {
        let state = app.state::<AppState>();
        let mut status = state.status.lock().expect("status lock");
        change(&mut status);
        status.clone()
    };
    tray::show_status(app, &status);
    let _ = app.emit(STATUS_EVENT, &status);
}
