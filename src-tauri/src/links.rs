//! Click-to-call from outside the app: a `tel:` or `callto:` link on the command line, from the
//! first launch or from a second one (which hands its arguments to the running app and exits, so
//! there is always one Callpop per configuration).

use std::sync::Arc;

use callpop_core::dial_link::number_from_link;
use callpop_core::PhoneNumber;
use tauri::{AppHandle, Emitter, Manager};

use crate::state::AppState;
use crate::user_error;

/// Event telling the main window that a link started a call (or could not).
pub const DIAL_EVENT: &str = "dial";

/// The numbers the links among `args` ask to call (other arguments are ignored).
pub fn numbers_in(args: &[String]) -> Vec<String> {
    args.iter()
        .filter_map(|arg| number_from_link(arg))
        .collect()
}

/// Calls each number now, or as soon as the PBX is connected.
pub fn dial_all(app: &AppHandle, numbers: Vec<String>) {
    for number in numbers {
        let connected = app
            .state::<AppState>()
            .account
            .lock()
            .expect("account lock")
            .is_some();
        if connected {
            spawn_call(app, number);
        } else {
            tracing::info!("will call {number} once connected");
            app.state::<AppState>()
                .pending_dials
                .lock()
                .expect("dials lock")
                .push(number);
        }
    }
}

/// Calls what links asked for before the PBX was connected.
pub fn dial_pending(app: &AppHandle) {
    let numbers = std::mem::take(
        &mut *app
            .state::<AppState>()
            .pending_dials
            .lock()
            .expect("dials lock"),
    );
    for number in numbers {
        spawn_call(app, number);
    }
}

fn spawn_call(app: &AppHandle, number: String) {
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let state = app.state::<AppState>();
        let account = state.account.lock().expect("account lock").clone();
        let region = state
            .store()
            .map(|s| s.region().to_owned())
            .unwrap_or_else(|| "RU".into());
        let result = match account {
            Some(account) => call(&account, &number, &region).await.map_err(|e| {
                tracing::warn!("cannot call {number} from a link: {e}");
                user_error::describe(&e)
            }),
            None => {
                tracing::warn!("cannot call {number} from a link: not connected to a PBX");
                Err(user_error::not_connected())
            }
        };
        match &result {
            Ok(_) => tracing::info!("calling {number} from a link"),
            Err(e) => crate::notify::call_failed(&app, &number, e),
        }
        let _ = app.emit(
            DIAL_EVENT,
            serde_json::json!({ "number": number, "error": result.err() }),
        );
    });
}

async fn call(
    account: &Arc<callpop_providers::Account>,
    number: &str,
    region: &str,
) -> Result<String, callpop_providers::ProviderError> {
    let number = PhoneNumber::parse(number, region);
    account.make_call(&number).await
}

/// The D-Bus name (Linux) that makes one instance per configuration file: the usual single
/// config gives the usual single instance, and tests with their own configs do not collide.
pub fn instance_id() -> String {
    use std::hash::{Hash, Hasher};
    let path = callpop_core::Config::default_path()
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    path.hash(&mut hasher);
    format!("app.callpop.desktop.c{:016x}", hasher.finish())
}
