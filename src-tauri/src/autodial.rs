//! The Autodialer from the contact list: send the selected contacts to a campaign (with the
//! report the Autodialer gives back) or one robot call to a contact. Off, and shown disabled with
//! the reason, until `[autodialer]` is configured and its key is in the keyring.

use std::sync::{Arc, Mutex};

use callpop_core::secrets;
use callpop_core::Config;
use callpop_providers::autodialer::{
    self, records_for_contacts, AutodialerClientSettings, DialOptions, DialWindow,
    NoTimeWindowWarning,
};
use callpop_providers::capability::{Provider, RobotCalls};
use serde::{Deserialize, Serialize};
use tauri::{AppHandle, Manager, State};

use crate::command_error::{CommandError, ErrorKind};
use crate::locale::{self, Language};
use crate::state::AppState;
use crate::user_error::{self, fill, texts_now};

/// The Autodialer as the app sees it: ready, or why not.
#[derive(Clone)]
pub enum Autodialer {
    /// Configured, with its default campaign.
    Ready {
        /// The Autodialer behind the provider seam: its robot calls are all the app uses.
        robot: Arc<dyn Provider>,
        /// The scenario used when the user names none.
        campaign: Option<String>,
    },
    /// Not usable, in words the user can act on.
    Unavailable(String),
}

impl Autodialer {
    /// From the config as it is now.
    pub fn from_config(config: &Config) -> Autodialer {
        let Some(settings) = &config.autodialer else {
            return Autodialer::Unavailable(texts_now().autodialer_not_configured.into());
        };
        let key = match secrets::autodialer_key(settings) {
            Ok(key) => key,
            Err(e) => return Autodialer::Unavailable(user_error::describe(&e)),
        };
        match autodialer::connect(&AutodialerClientSettings::from(settings), &key) {
            Ok(robot) => Autodialer::Ready {
                robot: Arc::from(robot),
                campaign: settings.campaign.clone(),
            },
            Err(e) => Autodialer::Unavailable(user_error::describe_autodialer(&e)),
        }
    }
}

/// The Autodialer as the runtime last read it from the config; `None` while starting. The app
/// manages one; kept here rather than in [`AppState`] so the shared state names no module that
/// acts.
#[derive(Default)]
pub struct CurrentAutodialer(Mutex<Option<Autodialer>>);

/// Keeps the Autodialer read from the config at a (re)start.
pub fn set_current(app: &AppHandle, autodialer: Autodialer) {
    *app.state::<CurrentAutodialer>()
        .0
        .lock()
        .expect("autodialer lock") = Some(autodialer);
}

/// What the contact list shows of the Autodialer.
#[derive(Serialize)]
pub struct AutodialerStatus {
    /// True when contacts can be sent.
    pub ready: bool,
    /// Why not, when not.
    pub reason: Option<String>,
    /// The default campaign (scenario).
    pub campaign: Option<String>,
}

/// What the user asked for in the "send to campaign" form.
#[derive(Deserialize)]
pub struct SendRequest {
    /// Directory ids of the selected contacts.
    pub contact_ids: Vec<i64>,
    /// The campaign (scenario, `generationtype`).
    pub campaign: String,
    /// Dial only from this time of day (`HH:MM`)...
    pub from: Option<String>,
    /// ...to this one.
    pub to: Option<String>,
    /// At most this many attempts per contact.
    pub attempts: Option<u32>,
    /// The user saw the "no time window: dialed at once" warning and sends anyway.
    #[serde(default)]
    pub confirmed: bool,
}

/// The outcome shown to the user.
#[derive(Serialize, Default)]
pub struct SendOutcome {
    /// Set instead of sending: the warning the user must confirm first.
    pub needs_confirmation: Option<String>,
    /// The Autodialer's report in one line (lines / ok / inserted / errors).
    pub summary: String,
    /// What each error code means.
    pub explanations: Vec<String>,
    /// Contacts left out because they have no number to dial.
    pub skipped: usize,
}

fn ready(current: &CurrentAutodialer) -> Result<(Arc<dyn Provider>, Option<String>), CommandError> {
    match current.0.lock().expect("autodialer lock").clone() {
        Some(Autodialer::Ready { robot, campaign }) => Ok((robot, campaign)),
        Some(Autodialer::Unavailable(reason)) => {
            Err(CommandError::new(ErrorKind::Autodialer, reason))
        }
        None => Err(CommandError::new(
            ErrorKind::NotReady,
            texts_now().still_starting,
        )),
    }
}

/// Whether the Autodialer can be used, and its default campaign.
#[tauri::command]
pub fn autodialer_status(current: State<'_, CurrentAutodialer>) -> AutodialerStatus {
    match ready(&current) {
        Ok((_, campaign)) => AutodialerStatus {
            ready: true,
            reason: None,
            campaign,
        },
        Err(error) => AutodialerStatus {
            ready: false,
            reason: Some(error.message),
            campaign: None,
        },
    }
}

fn invalid(message: &str) -> CommandError {
    CommandError::new(ErrorKind::Invalid, message)
}

fn options(request: &SendRequest) -> Result<DialOptions, CommandError> {
    let window = match (request.from.as_deref(), request.to.as_deref()) {
        (Some(from), Some(to)) if !from.is_empty() && !to.is_empty() => {
            Some(DialWindow::parse(from, to).map_err(|e| CommandError::autodialer(&e))?)
        }
        (None, None) | (Some(""), Some("")) | (Some(""), None) | (None, Some("")) => None,
        _ => return Err(invalid(texts_now().window_needs_both_ends)),
    };
    let campaign = request.campaign.trim();
    if campaign.is_empty() {
        return Err(invalid(texts_now().name_the_campaign));
    }
    Ok(DialOptions {
        scenario: campaign.to_owned(),
        window,
        max_attempts: request.attempts.filter(|n| *n > 0),
    })
}

/// Sends the selected contacts to a campaign; without a time window it first asks for
/// confirmation (such records are dialed at once, whatever the hour).
#[tauri::command]
pub async fn autodial_send(
    state: State<'_, AppState>,
    current: State<'_, CurrentAutodialer>,
    request: SendRequest,
) -> Result<SendOutcome, CommandError> {
    let (robot, _) = ready(&current)?;
    let store = state.store().ok_or_else(CommandError::directory_not_open)?;
    let options = options(&request)?;
    let contacts = store
        .contacts_by_id(&request.contact_ids)
        .map_err(CommandError::from)?;
    let (records, skipped) = records_for_contacts(&contacts, "callpop-", &[]);
    if records.is_empty() {
        return Err(invalid(texts_now().no_selected_contact_has_a_number));
    }
    if let Some(warning) = options.warning(records.len()) {
        if !request.confirmed {
            return Ok(SendOutcome {
                needs_confirmation: Some(warning_text(locale::language(), &warning)),
                skipped,
                ..SendOutcome::default()
            });
        }
    }
    let report = robot_calls(&*robot)?
        .send_to_campaign(&records, &options)
        .await
        .map_err(|e| CommandError::autodialer(&e))?;
    Ok(SendOutcome {
        needs_confirmation: None,
        summary: report.summary(),
        explanations: report.explanations(),
        skipped,
    })
}

/// One robot call to a contact now (`newcall`) with the default campaign.
#[tauri::command]
pub async fn autodial_call(
    state: State<'_, AppState>,
    current: State<'_, CurrentAutodialer>,
    contact_id: i64,
) -> Result<String, CommandError> {
    let (robot, campaign) = ready(&current)?;
    let campaign = campaign.ok_or_else(|| {
        CommandError::new(ErrorKind::Autodialer, texts_now().default_campaign_needed)
    })?;
    let store = state.store().ok_or_else(CommandError::directory_not_open)?;
    let contacts = store
        .contacts_by_id(&[contact_id])
        .map_err(CommandError::from)?;
    let (records, _) = records_for_contacts(&contacts, "callpop-", &[]);
    let record = records
        .first()
        .ok_or_else(|| invalid(texts_now().contact_has_no_number))?;
    let options = DialOptions {
        scenario: campaign,
        window: None,
        max_attempts: None,
    };
    let answer = robot_calls(&*robot)?
        .robot_call(record, &options)
        .await
        .map_err(|e| CommandError::autodialer(&e))?;
    Ok(fill(texts_now().robot_job, &[("id", &answer.query_id)]))
}

/// The robot calls `robot` offers (the Autodialer always does).
fn robot_calls(robot: &dyn Provider) -> Result<&dyn RobotCalls, CommandError> {
    robot.robot_calls().ok_or_else(|| {
        CommandError::new(ErrorKind::Autodialer, texts_now().autodialer_not_configured)
    })
}

/// The "no time window" warning in `language`.
fn warning_text(language: Language, warning: &NoTimeWindowWarning) -> String {
    match user_error::texts(language).no_time_window {
        Some(text) => fill(text, &[("n", &warning.records)]),
        None => warning.to_string(),
    }
}
