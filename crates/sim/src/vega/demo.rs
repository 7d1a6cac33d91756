//! The demo: a simulated Vega account where a varied call comes in every few seconds, with
//! numbers from a sample contact directory ([`DEMO_CONTACTS_CSV`]) that the app can import.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use callpop_sim::vega::{demo, serve};
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8089").await?;
//! let sim = serve(listener, demo::demo_config()).await?;
//! tokio::select! {
//!     result = demo::run(&sim, demo::DemoSettings::default()) => result?,
//!     _ = tokio::signal::ctrl_c() => {}
//! }
//! sim.shutdown().await;
//! # Ok(()) }
//! ```

use std::time::Duration;

use tokio::sync::watch;

use super::config::VegaSimConfig;
use super::scenario::{PbxContact, Scenario, ScenarioError};
use super::VegaSimHandle;

/// The demo account's domain (what the app's settings must say).
pub const DEMO_DOMAIN: &str = "callpop-demo.pbx.vega.ua";

/// The demo account's API key: public, and only the simulator accepts it.
pub const DEMO_API_KEY: &str = "demo-key-not-secret";

/// The extension of the demo's sales manager: the one whose phone the demo rings.
pub const DEMO_EMPLOYEE_EXT: &str = "001";

/// A sample directory: semicolon-separated, Russian headers
/// `ФИО;Компания;Телефон;Ответственный;Ссылка;Заметки`, numbers written as people write them.
pub const DEMO_CONTACTS_CSV: &str = include_str!("../../demo/contacts.csv");

/// A caller who is in no directory and unknown to the PBX: the app shows a "new contact" card.
const STRANGER: &str = "+79261112233";

/// A caller missing from the directory whom the PBX's own CRM knows by name.
const KNOWN_TO_PBX_ONLY: &str = "+380631234567";

/// How the demo plays.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoSettings {
    /// Time between two calls' starts; rings and talks are scaled to fit in it.
    pub every: Duration,
    /// The extension whose phone rings (the app's user).
    pub employee_ext: String,
}

impl Default for DemoSettings {
    fn default() -> DemoSettings {
        DemoSettings {
            every: Duration::from_secs(20),
            employee_ext: DEMO_EMPLOYEE_EXT.to_owned(),
        }
    }
}

/// The demo account: [`DEMO_DOMAIN`], [`DEMO_API_KEY`] and four employees, `001` among them.
pub fn demo_config() -> VegaSimConfig {
    VegaSimConfig::new(DEMO_DOMAIN, DEMO_API_KEY)
}

/// The directory's phone numbers as Vega reports them (E.164), in the file's order. A number the
/// demo cannot read is left out.
pub fn directory_numbers() -> Vec<String> {
    DEMO_CONTACTS_CSV
        .lines()
        .skip(1)
        .filter_map(|line| line.split(';').nth(2))
        .filter_map(to_e164)
        .collect()
}

/// Just enough normalisation for the sample's Russian and Ukrainian numbers; the app's own
/// parsing lives in `callpop_core::PhoneNumber`.
fn to_e164(written: &str) -> Option<String> {
    let digits: String = written.chars().filter(char::is_ascii_digit).collect();
    match digits.len() {
        // Russian trunk prefix: 8 (910) ... is +7 910 ...
        11 if digits.starts_with('8') => Some(format!("+7{}", &digits[1..])),
        11 if digits.starts_with('7') => Some(format!("+{digits}")),
        12 if digits.starts_with("380") => Some(format!("+{digits}")),
        _ => None,
    }
}

/// The scenario the demo plays at `step` (0, 1, 2, ...): a cycle of eight kinds of call.
pub fn scenario(step: usize, config: &VegaSimConfig, settings: &DemoSettings) -> Scenario {
    let numbers = directory_numbers();
    // Walks the directory in a stride coprime with its length, so neighbours differ.
    let contact = match numbers.len() {
        0 => STRANGER.to_owned(),
        n => numbers[(step * 5) % n].clone(),
    };
    let me = settings.employee_ext.clone();
    let colleagues: Vec<String> = config
        .employees
        .iter()
        .map(|e| e.ext.clone())
        .filter(|ext| *ext != me)
        .collect();
    let every = settings.every.as_secs_f64();
    let ring = every * 0.3;
    let talk = every * 0.45;
    let incoming = |customer: String, pbx_contacts: Vec<PbxContact>| Scenario::AnsweredIncoming {
        customer,
        employee: me.clone(),
        ring_secs: ring,
        talk_secs: talk,
        pbx_contacts,
    };
    match step % 8 {
        0 => incoming(contact, Vec::new()),
        1 => Scenario::MissedIncoming {
            customer: contact,
            employee: me.clone(),
            ring_secs: ring,
            pbx_contacts: Vec::new(),
        },
        2 => incoming(
            KNOWN_TO_PBX_ONLY.to_owned(),
            vec![PbxContact {
                id: Some("6137".to_owned()),
                name: Some("Олег Мельник".to_owned()),
                company: Some("ТОВ «Сонячний сад»".to_owned()),
                url: Some(format!(
                    "https://{DEMO_DOMAIN}/features/crm/contacts/edit.jsp#/?id=6137"
                )),
                priority: Some(1),
            }],
        ),
        3 => match colleagues.first() {
            Some(colleague) => Scenario::Internal {
                from: colleague.clone(),
                to: me.clone(),
                ring_secs: ring,
                talk_secs: Some(talk),
            },
            None => incoming(contact, Vec::new()),
        },
        4 | 7 if !colleagues.is_empty() => {
            let mut members = vec![me.clone()];
            members.extend(colleagues.iter().take(2).cloned());
            // Step 7: a colleague answers, and the manager's leg stops ringing.
            let answered_by = if step % 8 == 4 {
                me.clone()
            } else {
                colleagues[0].clone()
            };
            Scenario::GroupCall {
                customer: contact,
                members,
                answered_by: Some(answered_by),
                ring_secs: ring,
                talk_secs: Some(talk),
                pbx_contacts: Vec::new(),
            }
        }
        5 => incoming(STRANGER.to_owned(), Vec::new()),
        6 => Scenario::Outgoing {
            employee: me.clone(),
            customer: contact,
            ring_secs: ring,
            talk_secs: Some(talk),
            pbx_contacts: Vec::new(),
        },
        _ => incoming(contact, Vec::new()),
    }
}

/// Plays [`scenario`] 0, 1, 2, ... every [`DemoSettings::every`] until the simulator stops.
/// Fails at once when the settings' extension is not one of the simulator's employees.
pub async fn run(sim: &VegaSimHandle, settings: DemoSettings) -> Result<(), ScenarioError> {
    // A hold nobody lifts or sets: the sender lives as long as the loop.
    let (_never, held) = watch::channel(false);
    run_unless_held(sim, settings, held).await
}

/// [`run`], with no call started while `held` says `true` (the app's set-up wizard is open, and
/// the card would cover it): the next call waits until it says `false` (or its sender is gone),
/// then the calls go on at their pace from there. A call already playing plays to its end.
pub async fn run_unless_held(
    sim: &VegaSimHandle,
    settings: DemoSettings,
    mut held: watch::Receiver<bool>,
) -> Result<(), ScenarioError> {
    let config = sim.config().clone();
    if config.employee(&settings.employee_ext).is_none() {
        return Err(ScenarioError::UnknownEmployee(settings.employee_ext));
    }
    for step in 0.. {
        if *held.borrow_and_update() {
            tracing::info!(step, "demo: the next call waits until the hold is lifted");
            tokio::select! {
                _ = sim.stopped() => return Ok(()),
                _ = held.wait_for(|held| !*held) => {}
            }
            tracing::info!(step, "demo: the hold is lifted, the calls go on");
        }
        match sim.play(scenario(step, &config, &settings)) {
            Ok(_) => {}
            Err(ScenarioError::ShuttingDown) => return Ok(()),
            Err(error) => tracing::warn!(%error, step, "demo scenario refused"),
        }
        tokio::select! {
            _ = sim.stopped() => return Ok(()),
            _ = tokio::time::sleep(settings.every) => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sample_directory_has_the_russian_headers_and_twelve_full_rows() {
        let mut lines = DEMO_CONTACTS_CSV.lines();
        assert_eq!(
            lines.next(),
            Some("ФИО;Компания;Телефон;Ответственный;Ссылка;Заметки")
        );
        let rows: Vec<&str> = lines.collect();
        assert_eq!(rows.len(), 12);
        for row in rows {
            assert_eq!(row.split(';').count(), 6, "row {row:?}");
        }
    }

    #[test]
    fn every_directory_number_reads_as_russian_or_ukrainian_e164() {
        let numbers = directory_numbers();
        assert_eq!(numbers.len(), 12);
        for number in &numbers {
            let ok = (number.starts_with("+7") && number.len() == 12)
                || (number.starts_with("+380") && number.len() == 13);
            assert!(ok, "{number}");
        }
        assert_eq!(numbers[0], "+79101234567");
        assert!(numbers.contains(&"+380671234567".to_owned()));
    }

    #[test]
    fn human_number_formats_normalise() {
        assert_eq!(
            to_e164("8 (910) 123-45-67").as_deref(),
            Some("+79101234567")
        );
        assert_eq!(to_e164("+7(812)309-45-12").as_deref(), Some("+78123094512"));
        assert_eq!(
            to_e164("+380 44 390 1234").as_deref(),
            Some("+380443901234")
        );
        assert_eq!(to_e164("12-34"), None);
    }

    #[test]
    fn demo_key_is_obviously_fake_and_short() {
        assert!(DEMO_API_KEY.len() < 24);
        assert!(DEMO_API_KEY.contains("demo"));
    }

    #[test]
    fn a_cycle_plays_every_kind_of_call_and_callers_outside_the_directory() {
        let config = demo_config();
        let settings = DemoSettings::default();
        let numbers = directory_numbers();
        let cycle: Vec<Scenario> = (0..8)
            .map(|step| scenario(step, &config, &settings))
            .collect();
        let kinds: Vec<&str> = cycle
            .iter()
            .map(|s| match s {
                Scenario::AnsweredIncoming { .. } => "answered",
                Scenario::MissedIncoming { .. } => "missed",
                Scenario::Internal { .. } => "internal",
                Scenario::GroupCall { .. } => "group",
                Scenario::Outgoing { .. } => "outgoing",
                Scenario::Transferred { .. } => "transferred",
            })
            .collect();
        for kind in ["answered", "missed", "internal", "group", "outgoing"] {
            assert!(kinds.contains(&kind), "{kind} missing from {kinds:?}");
        }
        let outsiders: Vec<&Scenario> = cycle
            .iter()
            .filter(|s| match s {
                Scenario::AnsweredIncoming { customer, .. } => !numbers.contains(customer),
                _ => false,
            })
            .collect();
        assert_eq!(outsiders.len(), 2, "{outsiders:?}");
        let named_by_pbx = outsiders.iter().any(|s| {
            matches!(s, Scenario::AnsweredIncoming { pbx_contacts, .. }
                if pbx_contacts.iter().any(|c| c.name.is_some()))
        });
        assert!(named_by_pbx);
    }

    #[test]
    fn a_call_fits_in_its_slot() {
        let config = demo_config();
        let settings = DemoSettings::default();
        let linger = config.hangup_linger.unwrap_or_default().as_secs_f64();
        for step in 0..8 {
            let (ring, talk) = match scenario(step, &config, &settings) {
                Scenario::AnsweredIncoming {
                    ring_secs,
                    talk_secs,
                    ..
                } => (ring_secs, talk_secs),
                Scenario::MissedIncoming { ring_secs, .. } => (ring_secs, 0.0),
                Scenario::Internal {
                    ring_secs,
                    talk_secs,
                    ..
                }
                | Scenario::GroupCall {
                    ring_secs,
                    talk_secs,
                    ..
                }
                | Scenario::Outgoing {
                    ring_secs,
                    talk_secs,
                    ..
                } => (ring_secs, talk_secs.unwrap_or(0.0)),
                Scenario::Transferred {
                    ring_secs,
                    talk_secs,
                    transfer_ring_secs,
                    transfer_talk_secs,
                    ..
                } => (
                    ring_secs + talk_secs + transfer_ring_secs,
                    transfer_talk_secs,
                ),
            };
            assert!(
                ring + talk + linger < settings.every.as_secs_f64(),
                "step {step}"
            );
        }
    }
}
