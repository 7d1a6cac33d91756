//! Desktop notifications (freedesktop Notifications over D-Bus on Linux, toasts on Windows, through
//! notify-rust):
//! one per missed call of "me", with "Call back", and short messages (the hotkey's).
//!
//! The Tauri notification plugin offers no actions on the desktop, hence notify-rust. Waiting for
//! the user's choice blocks until the user acts or the notification closes, so each notification
//! lives on a thread of its own and never holds the async runtime.

use std::collections::{HashSet, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use callpop_core::{CallState, CallView, Config, Direction, PhoneNumber};
use notify_rust::Notification;
use tauri::{AppHandle, Manager};

use crate::locale::{self, Language};

/// The action id of "Call back".
const CALL_BACK_ACTION: &str = "call-back";
/// The action id servers send for a click on the notification itself.
const DEFAULT_ACTION: &str = "default";
/// How many notified calls are remembered to never notify one twice (far more than a day's
/// missed calls; the oldest are forgotten first).
const REMEMBERED_CALLS: usize = 1000;
/// The name the notification server shows as the sender.
const APP_NAME: &str = "Callpop";

/// What the notifications remember for the app's lifetime (across runtime restarts).
#[derive(Default)]
pub struct Notifications {
    /// Calls already notified, as `provider/call id`, oldest first.
    notified: Mutex<RememberedCalls>,
    /// The last attempt to show a notification failed and was logged as a warning.
    failure_logged: AtomicBool,
}

/// A bounded set of call keys: insertion order kept so the oldest can be forgotten.
#[derive(Default)]
struct RememberedCalls {
    keys: HashSet<String>,
    order: VecDeque<String>,
}

impl RememberedCalls {
    /// Remembers `key`; false when it was remembered already.
    fn insert(&mut self, key: String) -> bool {
        if !self.keys.insert(key.clone()) {
            return false;
        }
        self.order.push_back(key);
        while self.order.len() > REMEMBERED_CALLS {
            if let Some(oldest) = self.order.pop_front() {
                self.keys.remove(&oldest);
            }
        }
        true
    }
}

/// Notification texts in the app's language.
struct Texts {
    missed_call: &'static str,
    call_back: &'static str,
    /// The action for a click on the notification (freedesktop servers; Windows has none).
    #[cfg_attr(windows, allow(dead_code))]
    open: &'static str,
    unknown_number: &'static str,
    call_failed: &'static str,
}

fn texts(language: Language) -> Texts {
    match language {
        Language::Russian => Texts {
            missed_call: "Пропущенный звонок",
            call_back: "Перезвонить",
            open: "Открыть Callpop",
            unknown_number: "Номер не определён",
            call_failed: "Не удалось позвонить",
        },
        Language::English => Texts {
            missed_call: "Missed call",
            call_back: "Call back",
            open: "Open Callpop",
            unknown_number: "Number withheld",
            call_failed: "Cannot call",
        },
    }
}

/// What the user chose on a missed call's notification. Handed to the caller's reaction, so
/// the notifications need not know how the app calls or opens its window.
pub enum MissedCallChoice {
    /// "Call back": this number (its key).
    CallBack(String),
    /// A click on the notification itself: the main window.
    Open,
}

/// Shows a notification for `view` when it is a missed call not notified before (re-deliveries
/// of the same ended call, from the PBX or a poller, are ignored) and the settings allow it;
/// `react` does what the user then chooses.
pub fn missed_call(app: &AppHandle, view: &CallView, react: fn(&AppHandle, MissedCallChoice)) {
    if view.state != CallState::Missed || view.direction == Direction::Out {
        return;
    }
    let first_time = app
        .state::<Notifications>()
        .notified
        .lock()
        .expect("notified lock")
        .insert(format!("{}/{}", view.provider, view.call_id));
    if !first_time || !missed_call_notifications_on() {
        return;
    }
    let texts = texts(locale::language());
    let mut notification = Notification::new();
    notification
        .appname(APP_NAME)
        .summary(texts.missed_call)
        .body(&missed_call_body(view, texts.unknown_number))
        .icon("call-missed");
    // Freedesktop servers group and style by category, and report a click on the notification
    // as its "default" action; a Windows toast reports that click by itself, and would show
    // the action as one more button.
    #[cfg(all(unix, not(target_os = "macos")))]
    notification
        .action(DEFAULT_ACTION, texts.open)
        .hint(notify_rust::Hint::Category("call.unanswered".into()));
    // Windows routes a toast's buttons to the app its AppUserModelID names.
    #[cfg(windows)]
    notification.app_id(crate::win32::APP_USER_MODEL_ID);
    let call_back = view.customer.clone();
    if call_back.is_some() {
        notification.action(CALL_BACK_ACTION, texts.call_back);
    }
    let app = app.clone();
    let call_id = view.call_id.clone();
    let spawned = std::thread::Builder::new()
        .name("missed-call-notification".into())
        .spawn(move || {
            let Some(handle) = show(&app, &notification) else {
                return;
            };
            tracing::info!("missed call {call_id} notified");
            // Returns when the user acts or the notification closes (expired, dismissed).
            match users_choice(handle).as_deref() {
                Some(CALL_BACK_ACTION) => {
                    if let Some(number) = &call_back {
                        tracing::info!("calling back {} from a notification", number.display());
                        react(&app, MissedCallChoice::CallBack(number.key()));
                    }
                }
                Some(DEFAULT_ACTION) => react(&app, MissedCallChoice::Open),
                _ => {}
            }
        });
    if let Err(e) = spawned {
        tracing::warn!("cannot notify missed call {}: {e}", view.call_id);
    }
}

/// What the user did with a notification: an action's id, [`DEFAULT_ACTION`] for a click on the
/// notification itself, `None` when it closed (expired, dismissed). Waits until then.
#[cfg(not(windows))]
fn users_choice(handle: notify_rust::NotificationHandle) -> Option<String> {
    let mut choice = None;
    handle.wait_for_action(|action| choice = Some(action.to_owned()));
    choice
}

/// Windows: a click on the toast's body comes as its own response, not as an action.
#[cfg(windows)]
fn users_choice(handle: notify_rust::NotificationHandle) -> Option<String> {
    use notify_rust::NotificationResponse;
    let mut choice = None;
    let _ = handle.wait_for_response(|response: &NotificationResponse| {
        choice = match response {
            NotificationResponse::Default => Some(DEFAULT_ACTION.to_owned()),
            NotificationResponse::Action(action) => Some(action.clone()),
            _ => None,
        }
    });
    choice
}

/// Says that calling `number` failed and why, for calls started away from the main window (a
/// notification's "Call back", the hotkey, a `tel:` link) when that window is not open to say it.
pub fn call_failed(app: &AppHandle, number: &str, error: &str) {
    let main_window_shown = app
        .get_webview_window("main")
        .and_then(|window| window.is_visible().ok())
        .unwrap_or(false);
    if main_window_shown {
        return;
    }
    let texts = texts(locale::language());
    message(
        app,
        format!("{} {number}", texts.call_failed),
        error.to_owned(),
    );
}

/// Shows a short message (`summary`, then `body`) without actions, off the calling thread.
pub fn message(app: &AppHandle, summary: String, body: String) {
    let mut notification = Notification::new();
    notification
        .appname(APP_NAME)
        .summary(&summary)
        .body(&escape_markup(&body));
    #[cfg(windows)]
    notification.app_id(crate::win32::APP_USER_MODEL_ID);
    let app = app.clone();
    let spawned = std::thread::Builder::new()
        .name("notification".into())
        .spawn(move || {
            show(&app, &notification);
        });
    if let Err(e) = spawned {
        tracing::warn!("cannot show the notification {summary:?}: {e}");
    }
}

/// Sends `notification` to the desktop's notification server (blocking: call it off the async
/// runtime). A desktop without one is warned about once, not at every call.
fn show(app: &AppHandle, notification: &Notification) -> Option<notify_rust::NotificationHandle> {
    let state = app.state::<Notifications>();
    match notification.show() {
        Ok(handle) => {
            state.failure_logged.store(false, Ordering::Relaxed);
            Some(handle)
        }
        Err(e) => {
            if state.failure_logged.swap(true, Ordering::Relaxed) {
                tracing::debug!("no desktop notification: {e}");
            } else {
                tracing::warn!(
                    "cannot show desktop notifications ({e}): is a notification server running? \
                     Missed calls stay in the history and the tray's recent calls"
                );
            }
            None
        }
    }
}

/// `[desktop] missed_call_notifications`: on unless `false` (an unreadable config: on).
fn missed_call_notifications_on() -> bool {
    Config::load()
        .ok()
        .and_then(|config| config.desktop)
        .and_then(|desktop| desktop.missed_call_notifications)
        .unwrap_or(true)
}

/// "Name · Company" (what the directory knows) over the formatted number.
fn missed_call_body(view: &CallView, unknown_number: &str) -> String {
    let contact = view.contact.as_ref();
    let who: Vec<&str> = [
        contact.and_then(|c| c.name.as_deref()),
        contact.and_then(|c| c.company.as_deref()),
    ]
    .into_iter()
    .flatten()
    .map(str::trim)
    .filter(|part| !part.is_empty())
    .collect();
    let number = view
        .customer_display
        .clone()
        .or_else(|| view.customer.as_ref().map(PhoneNumber::display))
        .unwrap_or_else(|| unknown_number.to_owned());
    let body = if who.is_empty() {
        number
    } else {
        format!("{}\n{number}", who.join(" · "))
    };
    escape_markup(&body)
}

/// Freedesktop servers may read the body as markup (the spec's `body-markup`): names such as
/// "Smith & Sons" must not break it. Windows' toasts take plain text (the library puts it in the
/// toast's XML as text), so there it stays as it is.
fn escape_markup(text: &str) -> String {
    if cfg!(windows) {
        return text.to_owned();
    }
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_call_is_remembered_once_and_the_oldest_are_forgotten() {
        let mut calls = RememberedCalls::default();
        assert!(calls.insert("vega/1".into()));
        assert!(!calls.insert("vega/1".into()));
        for i in 2..=REMEMBERED_CALLS + 1 {
            assert!(calls.insert(format!("vega/{i}")));
        }
        assert_eq!(calls.order.len(), REMEMBERED_CALLS);
        assert!(calls.insert("vega/1".into()), "the oldest was forgotten");
        assert!(!calls.insert(format!("vega/{REMEMBERED_CALLS}")));
    }

    #[test]
    #[cfg_attr(windows, ignore = "SKIPPED on Windows: toasts take plain text")]
    fn markup_in_names_is_escaped() {
        assert_eq!(escape_markup("Smith & <Sons>"), "Smith &amp; &lt;Sons&gt;");
    }
}
