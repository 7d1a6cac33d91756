//! Starts the configured provider (or the demo) and feeds its events through the pipeline to the
//! card.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use callpop_core::secrets::{self, Secret};
use callpop_core::{
    find_employee, AccountConfig, AutoContacts, CallView, Config, CrmLinks, Employee,
    LanRelaySettings, Pipeline, RelaySettings, Store,
};
use callpop_providers::Account;
use callpop_relay::{start_embedded, EmployeeSource, RelayClient, RelayConfig};
use tauri::{AppHandle, Emitter, Manager};
use tokio::sync::{mpsc, watch};
use tokio_util::sync::CancellationToken;

use crate::autodial::Autodialer;
use crate::state::{AppState, Status};
use crate::user_error::{self, SessionConflict};
use crate::{card, demo, links, presence, tray};

/// Event telling the main window that the status changed.
pub const STATUS_EVENT: &str = "status";
/// How long the employee list may take before the card goes on without names.
const EMPLOYEES_WAIT: Duration = Duration::from_secs(10);
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
    /// Unknown numbers added to the directory after missed / outgoing calls.
    auto_contacts: Option<AutoContacts>,
    /// The Autodialer, or why it cannot be used.
    autodialer: Autodialer,
    /// The relay this app runs itself on the LAN (its webhooks, its events).
    lan_relay: Option<LanRelaySettings>,
    /// True when running the built-in demo.
    demo: bool,
}

/// Starts the runtime in the background; errors show in the tray and the main window. It starts
/// over, with the config as it is then, each time [`restart`] is called.
pub fn spawn(app: AppHandle) {
    tauri::async_runtime::spawn(async move {
        let restart = app.state::<AppState>().restart.clone();
        let mut starting = true;
        loop {
            let shutdown = CancellationToken::new();
            let first_run = std::mem::replace(&mut starting, false);
            tokio::select! {
                result = run(&app, shutdown.clone()) => {
                    if let Err(e) = result {
                        tracing::error!("{e:#}");
                        let text = user_error::describe_session_failure(&e);
                        if first_run && user_error::needs_the_user(&e) {
                            crate::startup::tell_in_background(&text);
                        }
                        set_status(&app, |s| {
                            s.state = "error".into();
                            s.error = Some(text);
                        });
                    }
                    restart.notified().await;
                }
                _ = restart.notified() => {}
            }
            shutdown.cancel();
            let state = app.state::<AppState>();
            *state.account.lock().expect("account lock") = None;
            *state.presence.lock().expect("presence lock") = Default::default();
            set_status(&app, |s| {
                s.state = "starting".into();
                s.error = None;
            });
        }
    });
}

/// Makes the runtime start over with the config as it is now.
pub fn restart(app: &AppHandle) {
    app.state::<AppState>().restart.notify_one();
}

async fn setup(app: &AppHandle) -> anyhow::Result<Setup> {
    let config = Config::load()?;
    let autodialer = Autodialer::from_config(&config);
    anyhow::ensure!(
        config.relay.is_none() || config.lan_relay.is_none(),
        SessionConflict::TwoRelays
    );
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
                auto_contacts: config.auto_contacts,
                autodialer,
                lan_relay: config.lan_relay,
                demo: false,
            })
        }
        None => {
            anyhow::ensure!(relay.is_none(), SessionConflict::RelayWithoutAccount);
            let demo = demo::Demo::start(&region, demo::hold_watch(app)).await?;
            Ok(Setup {
                account: demo.account,
                key: demo.key,
                region,
                store: demo.store,
                relay: None,
                crm: Some(CrmLinks {
                    new_contact_url: demo::NEW_CONTACT_URL.to_owned(),
                }),
                auto_contacts: None,
                autodialer,
                lan_relay: None,
                demo: true,
            })
        }
    }
}

async fn run(app: &AppHandle, shutdown: CancellationToken) -> anyhow::Result<()> {
    let setup = setup(app).await?;
    let state = app.state::<AppState>();
    *state.store.lock().expect("store lock") = Some(setup.store.clone());
    *state.autodialer.lock().expect("autodialer lock") = Some(setup.autodialer.clone());
    set_status(app, |s| {
        s.demo = setup.demo;
        s.account = Some(format!(
            "{} {}",
            setup.account.provider, setup.account.domain
        ));
        s.user.clone_from(&setup.account.user);
    });

    let (events_tx, mut events) = mpsc::channel(256);
    let account = if let Some(lan) = &setup.lan_relay {
        // This app is the office's relay: the PBX posts here, events come from its hub.
        let config = RelayConfig::load(&lan.config)
            .with_context(|| format!("the LAN relay's config {}", lan.config.display()))?;
        // Connected first: the relay's look-ups name responsible managers from this account's
        // employee list, which the relay re-reads while it runs.
        let account = Arc::new(Account::connect(&setup.account, &setup.key, &setup.region)?);
        let pbx = Arc::clone(&account);
        let employees = EmployeeSource::new(move || {
            let pbx = Arc::clone(&pbx);
            async move { pbx.employees().await }
        });
        let addr = start_embedded(
            config,
            setup.store.clone(),
            Some(employees),
            lan.client.as_deref(),
            events_tx,
            shutdown.clone(),
        )
        .await?;
        set_status(app, |s| {
            s.account = Some(format!(
                "{} {} · LAN relay {addr}",
                setup.account.provider, setup.account.domain
            ));
        });
        account
    } else {
        match &setup.relay {
            // Relayed events are handled exactly like polled ones; the account is for actions.
            Some((relay, token)) => {
                let client = RelayClient::new(&relay.url, token.clone());
                tauri::async_runtime::spawn(follow_relay(
                    app.clone(),
                    relay.url.clone(),
                    client.connection(),
                    shutdown.clone(),
                ));
                tauri::async_runtime::spawn(client.run(events_tx, shutdown.clone()));
                Arc::new(Account::connect(&setup.account, &setup.key, &setup.region)?)
            }
            None => Arc::new(connect(app, &setup, events_tx, &shutdown).await),
        }
    };
    follow_pbx_side(app, &account, &setup.store, &shutdown);
    *state.account.lock().expect("account lock") = Some(account);
    if setup.relay.is_none() {
        set_status(app, |s| {
            s.state = "online".into();
            s.error = None;
        });
    }
    tauri::async_runtime::spawn(presence::keep_fresh(app.clone(), shutdown.clone()));
    links::dial_pending(app);

    // Names for the card ("answered by Daria"), fetched beside the events so a slow PBX never
    // holds a card back; a PBX that cannot list them just leaves them out.
    let employees: Arc<std::sync::Mutex<Vec<Employee>>> = Arc::default();
    let account = state.account.lock().expect("account lock").clone();
    if let Some(account) = account {
        let employees = employees.clone();
        tauri::async_runtime::spawn(async move {
            match tokio::time::timeout(EMPLOYEES_WAIT, account.employees()).await {
                Ok(Ok(list)) => *employees.lock().expect("employees lock") = list,
                Ok(Err(e)) => tracing::info!("no employee names for the card: {e}"),
                Err(_) => tracing::info!("no employee names for the card: the PBX was too slow"),
            }
        });
    }

    let me = setup.account.user.clone();
    let mut pipeline = Pipeline::new(setup.store.clone())
        .with_crm_links(setup.crm.clone())
        .with_auto_contacts(setup.auto_contacts.clone());
    loop {
        let event = tokio::select! {
            _ = shutdown.cancelled() => break,
            event = events.recv() => match event {
                Some(event) => event,
                None => break,
            },
        };
        let Some(mut view) = pipeline.handle(&event) else {
            continue;
        };
        name_employee(&mut view, &employees.lock().expect("employees lock"));
        // With "me" configured only my calls pop up; without it, every call of the account.
        if me.as_deref().is_none_or(|me| view.involves(me)) {
            let ended = view.state.is_final();
            crate::notify::missed_call(app, &view);
            card::show_update(app, view);
            if ended {
                tray::refresh(app);
            }
        }
    }
    Ok(())
}

/// What some PBXs tell by themselves: DND changed on the phone (the app re-reads it at once,
/// not at the next periodic read) and each finished call's record (kept in the history).
fn follow_pbx_side(
    app: &AppHandle,
    account: &Account,
    store: &Arc<Store>,
    shutdown: &CancellationToken,
) {
    if let Some(mut dnd) = account.dnd_changes() {
        let (app, shutdown) = (app.clone(), shutdown.clone());
        tauri::async_runtime::spawn(async move {
            loop {
                tokio::select! {
                    _ = shutdown.cancelled() => return,
                    changed = dnd.changed() => if changed.is_err() { return },
                }
                presence::request_refresh(&app);
            }
        });
    }
    if let Some(mut records) = account.take_call_records() {
        let (store, shutdown) = (store.clone(), shutdown.clone());
        tauri::async_runtime::spawn(async move {
            loop {
                let record = tokio::select! {
                    _ = shutdown.cancelled() => return,
                    record = records.recv() => match record {
                        Some(record) => record,
                        None => return,
                    },
                };
                if let Err(e) = store.import_history(std::slice::from_ref(&record)) {
                    tracing::warn!("the PBX's record of call {} not saved: {e}", record.call_id);
                }
            }
        });
    }
}

/// Fills in the name of the employee on the call (who answered, who was rung) from the PBX's
/// list, when the event did not carry it.
fn name_employee(view: &mut CallView, employees: &[Employee]) {
    if view.employee_name.is_some() {
        return;
    }
    let Some(who) = view.employee.as_deref() else {
        return;
    };
    view.employee_name = employees
        .iter()
        .find(|e| e.id == who || e.ext.as_deref() == Some(who))
        .or_else(|| find_employee(employees, who))
        .map(|e| e.name.clone());
}

/// Shows the relay connection as the status (events come only while it is up), and re-reads
/// DND and the departments after each reconnect: they may have changed on the phone meanwhile.
async fn follow_relay(
    app: AppHandle,
    url: String,
    mut connection: watch::Receiver<bool>,
    shutdown: CancellationToken,
) {
    loop {
        let connected = *connection.borrow_and_update();
        set_status(&app, |s| {
            if connected {
                s.state = "online".into();
                s.error = None;
            } else if s.state == "online" {
                s.state = "error".into();
                s.error = Some(user_error::fill(
                    user_error::texts_now().relay_unreachable,
                    &[("url", &url)],
                ));
            }
        });
        if connected {
            presence::request_refresh(&app);
        }
        tokio::select! {
            _ = shutdown.cancelled() => return,
            changed = connection.changed() => if changed.is_err() { return },
        }
    }
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
                    s.error = Some(user_error::describe(&e));
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
