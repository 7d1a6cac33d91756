//! Runs the session for the configured account (or the demo) and hands what it says to the
//! card, the tray, the notifications and the main window. The session does the work
//! (`callpop_session`); this is the glue, one way: nothing it hands events to calls back here.

use std::sync::Arc;

use anyhow::Context as _;
use callpop_core::secrets;
use callpop_core::{Config, CrmLinks, Store};
use callpop_session::{Connection, Plan, Session, SessionEvent, Source, Status};
use tauri::{AppHandle, Emitter, Manager};
use tokio_util::sync::CancellationToken;

use crate::autodial::{self, Autodialer};
use crate::notify::{self, MissedCallChoice};
use crate::state::AppState;
use crate::user_error::{self, SessionConflict};
use crate::{card, demo, links, presence, tray};

/// Event telling the main window that the status changed.
pub const STATUS_EVENT: &str = "status";

/// Starts the runtime in the background; errors show in the tray and the main window. It starts
/// over, with the config as it is then, each time [`restart`] is called.
pub fn spawn(app: AppHandle) {
    tauri::async_runtime::spawn(async move {
        let restart = app.state::<AppState>().restart.clone();
        let mut starting = true;
        loop {
            let first_run = std::mem::replace(&mut starting, false);
            tokio::select! {
                () = run(&app, first_run) => restart.notified().await,
                _ = restart.notified() => {}
            }
            // `run` is dropped by now, and its session with it: everything it started stops.
            *app.state::<AppState>()
                .account
                .lock()
                .expect("account lock") = None;
            presence::forget(&app);
            set_status(&app, Status::starting);
        }
    });
}

/// Makes the runtime start over with the config as it is now.
pub fn restart(app: &AppHandle) {
    app.state::<AppState>().restart.notify_one();
}

/// What the session runs against, and what the app shows beside it.
struct Setup {
    plan: Plan,
    /// The Autodialer, or why it cannot be used.
    autodialer: Autodialer,
    /// True when running the built-in demo.
    demo: bool,
}

async fn setup(app: &AppHandle) -> anyhow::Result<Setup> {
    let config = Config::load()?;
    let autodialer = Autodialer::from_config(&config);
    anyhow::ensure!(
        config.relay.is_none() || config.lan_relay.is_none(),
        SessionConflict::TwoRelays
    );
    if config.account.is_some() {
        let plan = Plan::from_config(&config, || {
            let path = Config::store_path()?;
            let store = Store::open(&path, config.region())
                .with_context(|| format!("opening {}", path.display()))?;
            Ok(Arc::new(store))
        })?;
        return Ok(Setup {
            plan,
            autodialer,
            demo: false,
        });
    }
    if let Some(relay) = &config.relay {
        // As with an account: a missing token is told first.
        secrets::relay_token(relay)?;
    }
    anyhow::ensure!(config.relay.is_none(), SessionConflict::RelayWithoutAccount);
    let region = config.region().to_owned();
    let demo = demo::Demo::start(&region, demo::hold_watch(app)).await?;
    Ok(Setup {
        plan: Plan {
            only_calls_of: demo.account.user.clone(),
            account: Some((demo.account, demo.key)),
            region,
            store: demo.store,
            source: Source::Pbx,
            crm: Some(CrmLinks {
                new_contact_url: demo::NEW_CONTACT_URL.to_owned(),
            }),
            auto_contacts: None,
        },
        autodialer,
        demo: true,
    })
}

/// Runs one session until it ends or fails; dropping this future stops it.
async fn run(app: &AppHandle, first_run: bool) {
    let setup = match setup(app).await {
        Ok(setup) => setup,
        Err(e) => return show_failure(app, &e, first_run),
    };
    let state = app.state::<AppState>();
    *state.store.lock().expect("store lock") = Some(setup.plan.store.clone());
    autodial::set_current(app, setup.autodialer);
    // The app's plans always have an account (the demo's, at least).
    let account = setup.plan.account.as_ref().map(|(account, _)| account);
    let label = account
        .map(|a| format!("{} {}", a.provider, a.domain))
        .unwrap_or_default();
    set_status(app, |s| {
        s.demo = setup.demo;
        s.account = Some(label.clone());
        s.user = account.and_then(|a| a.user.clone());
    });

    // The presence refresher runs as long as this session.
    let presence_shutdown = CancellationToken::new();
    let _stop_presence = presence_shutdown.clone().drop_guard();
    let mut session = Session::start(setup.plan);
    while let Some(event) = session.next().await {
        match event {
            SessionEvent::AccountReady(account) => {
                *state.account.lock().expect("account lock") = Some(account);
                tauri::async_runtime::spawn(presence::keep_fresh(
                    app.clone(),
                    presence_shutdown.clone(),
                ));
                links::dial_pending(app);
            }
            SessionEvent::LanRelayListening(addr) => {
                set_status(app, |s| {
                    s.account = Some(format!("{label} · LAN relay {addr}"))
                });
            }
            SessionEvent::Connection(Connection::Online) => set_status(app, Status::online),
            SessionEvent::Connection(Connection::PbxUnreachable(e)) => {
                set_status(app, |s| s.failed(user_error::describe(&e)));
            }
            SessionEvent::Connection(Connection::RelayUnreachable { url }) => {
                let text =
                    user_error::fill(user_error::texts_now().relay_unreachable, &[("url", &url)]);
                set_status(app, |s| s.failed(text));
            }
            SessionEvent::Card(view) => card::show_update(app, view),
            SessionEvent::CallEnded(view) => {
                notify::missed_call(app, &view, on_missed_call_choice);
                card::show_update(app, view);
                tray::refresh(app);
            }
            SessionEvent::PresenceMayHaveChanged => presence::request_refresh(app),
            SessionEvent::Failed(e) => return show_failure(app, &e, first_run),
        }
    }
}

/// What "Call back" and a click on a missed call's notification do.
fn on_missed_call_choice(app: &AppHandle, choice: MissedCallChoice) {
    match choice {
        MissedCallChoice::CallBack(number) => links::dial_all(app, vec![number]),
        MissedCallChoice::Open => tray::open_main_window(app),
    }
}

/// A session that cannot start: the status says why; at the app's start, a problem only the
/// user can fix is told at once too.
fn show_failure(app: &AppHandle, error: &anyhow::Error, first_run: bool) {
    tracing::error!("{error:#}");
    let text = user_error::describe_session_failure(error);
    if first_run && user_error::needs_the_user(error) {
        crate::startup::tell_in_background(&text);
    }
    set_status(app, |s| s.failed(text));
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
