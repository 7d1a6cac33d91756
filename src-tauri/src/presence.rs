//! "Me"'s availability on the PBX: Do-Not-Disturb and the departments whose calls "me" receives.
//!
//! The PBX is the source of truth: a change made on the desk phone or in the PBX's web panel must
//! show here too. So the state is read back from the PBX at start, after every reconnect, after
//! every change made here, and every few minutes; the tray and the main window only ever show
//! what the PBX last said. A provider that does not offer an action leaves it disabled, with the
//! provider's reason.
//!
//! A click on a toggle flips what the user sees at once; while the PBX has not answered, a
//! second click queues the reversal rather than repeating the first ([`toggle_intent`]). The
//! toggles show that wish until the PBX has answered, then the PBX's word again.

use std::sync::Arc;
use std::time::Duration;

use callpop_providers::{Account, ProviderError};
use tauri::{AppHandle, Emitter, Manager};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

pub use crate::availability::{GroupToggle, Presence};
use crate::state::AppState;
use crate::toggle_intent::{self, Toggle};
use crate::{tray, user_error};

/// Event telling the main window that the presence changed.
pub const PRESENCE_EVENT: &str = "presence";
/// How often the state is read back from the PBX when nothing else asks for it.
const REFRESH_EVERY: Duration = Duration::from_secs(180);

/// Wakes the refresher early (after a reconnect, after a change).
#[derive(Default)]
pub struct RefreshSignal(pub Notify);

/// Reads DND and the department subscriptions back from the PBX, now and then: at once, every
/// [`REFRESH_EVERY`], and whenever [`request_refresh`] is called. Ends with `shutdown`.
pub async fn keep_fresh(app: AppHandle, shutdown: CancellationToken) {
    let signal = app.state::<Arc<RefreshSignal>>().inner().clone();
    loop {
        refresh(&app).await;
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(REFRESH_EVERY) => {}
            _ = signal.0.notified() => {}
        }
    }
}

/// Asks the refresher to read the state back now.
pub fn request_refresh(app: &AppHandle) {
    if let Some(signal) = app.try_state::<Arc<RefreshSignal>>() {
        signal.0.notify_one();
    }
}

/// Reads the state from the PBX and shows it.
pub async fn refresh(app: &AppHandle) {
    let Some(account) = current_account(app) else {
        return;
    };
    let previous = pbx_presence(app);
    let presence = read(&account, &previous).await;
    publish(app, presence);
}

/// Turns DND on or off on the PBX (the main window's switch), then shows what the PBX says now.
pub async fn set_dnd(app: &AppHandle, on: bool) -> Result<Presence, String> {
    change(app, Toggle::Dnd, Some(on)).await
}

/// Subscribes "me" to a department's calls or not (the main window's switch), then shows what
/// the PBX says now.
pub async fn set_group(app: &AppHandle, group: &str, on: bool) -> Result<Presence, String> {
    change(app, Toggle::Group(group.to_owned()), Some(on)).await
}

/// The tray's checkbox was clicked: flips what it showed.
pub async fn click(app: &AppHandle, toggle: Toggle) -> Result<Presence, String> {
    change(app, toggle, None).await
}

/// Asks the PBX for `target` (`None`: the opposite of what the toggle shows), unless a change to
/// the same toggle is in flight: then the wish waits behind it, and that change's task sends it.
async fn change(app: &AppHandle, toggle: Toggle, target: Option<bool>) -> Result<Presence, String> {
    let account = current_account(app).ok_or_else(user_error::not_connected)?;
    let first = {
        let pbx = pbx_value(&pbx_presence(app), &toggle);
        let state = app.state::<AppState>();
        let mut intents = state.intents.lock().expect("intents lock");
        match target {
            Some(on) => intents.want(&toggle, on),
            None => intents.click(&toggle, pbx),
        }
    };
    show(app);
    let Some(first) = first else {
        return Ok(current(app));
    };
    let send = |on| {
        let (account, toggle) = (account.clone(), toggle.clone());
        async move { toggle.send(&account, on).await }
    };
    let read_back = || async {
        refresh(app).await;
        pbx_value(&pbx_presence(app), &toggle)
    };
    let state = app.state::<AppState>();
    let result = toggle_intent::carry_out(&state.intents, &toggle, first, send, read_back).await;
    // The last read-back was shown while the change was still in flight.
    show(app);
    result.map_err(|e| user_error::describe(&e))?;
    Ok(current(app))
}

/// Forgets what the PBX said (the session starts over, maybe with another account); the tray
/// shows nothing known until the next read.
pub fn forget(app: &AppHandle) {
    *app.state::<AppState>()
        .presence
        .lock()
        .expect("presence lock") = Presence::default();
    tray::show_presence(app, &current(app));
}

/// What the tray and the window show now: the PBX's last word, with the changes in flight.
pub fn current(app: &AppHandle) -> Presence {
    let mut presence = pbx_presence(app);
    let state = app.state::<AppState>();
    let intents = state.intents.lock().expect("intents lock");
    if presence.dnd.is_some() {
        presence.dnd = intents.shown(&Toggle::Dnd, presence.dnd);
    }
    for group in &mut presence.groups {
        let toggle = Toggle::Group(group.id.clone());
        group.on = intents.shown(&toggle, Some(group.on)).unwrap_or(group.on);
    }
    presence
}

/// What the PBX last said.
fn pbx_presence(app: &AppHandle) -> Presence {
    app.state::<AppState>()
        .presence
        .lock()
        .expect("presence lock")
        .clone()
}

/// One toggle's state in `presence`; `None` when unknown.
fn pbx_value(presence: &Presence, toggle: &Toggle) -> Option<bool> {
    match toggle {
        Toggle::Dnd => presence.dnd,
        Toggle::Group(id) => presence.groups.iter().find(|g| &g.id == id).map(|g| g.on),
    }
}

fn current_account(app: &AppHandle) -> Option<Arc<Account>> {
    app.state::<AppState>()
        .account
        .lock()
        .expect("account lock")
        .clone()
}

/// Asks the PBX. A failed read keeps the last known values (the toggles do not flicker on a
/// network hiccup) and says what failed.
async fn read(account: &Account, previous: &Presence) -> Presence {
    let mut presence = Presence {
        dnd: previous.dnd,
        groups: previous.groups.clone(),
        ..Presence::default()
    };
    let mut errors = Vec::new();
    match account.dnd().await {
        Ok(on) => presence.dnd = Some(on),
        Err(e) if is_unavailable(&e) => {
            presence.dnd = None;
            presence.dnd_unavailable = Some(user_error::describe(&e));
        }
        Err(e) => errors.push(e),
    }
    match read_groups(account).await {
        Ok(groups) => presence.groups = groups,
        Err(e) if is_unavailable(&e) => {
            presence.groups.clear();
            presence.groups_unavailable = Some(user_error::describe(&e));
        }
        Err(e) => errors.push(e),
    }
    if !errors.is_empty() {
        tracing::warn!(
            "cannot read DND / departments from the PBX: {}",
            errors
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; ")
        );
        let mut shown: Vec<String> = errors.iter().map(user_error::describe).collect();
        shown.dedup();
        presence.error = Some(shown.join("; "));
    }
    presence
}

async fn read_groups(account: &Account) -> Result<Vec<GroupToggle>, ProviderError> {
    let mut toggles = Vec::new();
    for group in account.my_groups().await? {
        let on = account.subscription(&group.id).await?;
        toggles.push(GroupToggle {
            name: group.real_name.clone().unwrap_or_else(|| group.id.clone()),
            id: group.id,
            on,
        });
    }
    Ok(toggles)
}

/// Errors that mean "not here" rather than "try again later".
fn is_unavailable(error: &ProviderError) -> bool {
    matches!(
        error,
        ProviderError::Unsupported { .. } | ProviderError::NoUser
    )
}

fn publish(app: &AppHandle, presence: Presence) {
    *app.state::<AppState>()
        .presence
        .lock()
        .expect("presence lock") = presence;
    show(app);
}

/// Draws the presence as [`current`] has it in the tray and the main window.
fn show(app: &AppHandle) {
    let presence = current(app);
    tray::show_presence(app, &presence);
    let _ = app.emit(PRESENCE_EVENT, &presence);
}
