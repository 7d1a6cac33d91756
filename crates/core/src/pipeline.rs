//! From a provider's event to what the caller card shows: track, look up, remember.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::auto_contact::AutoContacts;
use crate::config::CrmLinks;
use crate::event::{CallEvent, CallState, ContactInfo, Direction};
use crate::history::CallRecord;
use crate::phone::PhoneNumber;
use crate::store::Store;
use crate::tracker::{Call, CallTracker};

/// How many earlier calls with the same number a card shows.
const RECENT_CALLS_SHOWN: usize = 3;

/// Where the card's contact data came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ContactSource {
    /// Our own directory.
    Directory,
    /// The PBX's look-up (its own CRM).
    Pbx,
}

/// One call as the UI and `callpop-cli watch` show it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CallView {
    /// The call's id (the parent's id for a group call).
    pub call_id: String,
    /// Provider module name.
    pub provider: String,
    /// Where the call is now.
    pub state: CallState,
    /// Which way it goes.
    pub direction: Direction,
    /// The outside party, normalised (E.164 for phone numbers).
    pub customer: Option<PhoneNumber>,
    /// The same number formatted for people.
    pub customer_display: Option<String>,
    /// The employee the call is for, or who answered it.
    pub employee: Option<String>,
    /// That employee's name.
    pub employee_name: Option<String>,
    /// Time of the latest change.
    pub at: DateTime<Utc>,
    /// When it started ringing.
    pub started_at: DateTime<Utc>,
    /// When it was answered.
    pub answered_at: Option<DateTime<Utc>>,
    /// When it finished.
    pub ended_at: Option<DateTime<Utc>>,
    /// Who the customer is; `None` for an unknown number.
    pub contact: Option<ContactInfo>,
    /// Where `contact` came from.
    pub contact_source: Option<ContactSource>,
    /// Earlier calls with this number, newest first.
    pub recent: Vec<CallRecord>,
    /// Every extension the call rang (all legs of a group call).
    pub extensions: Vec<String>,
    /// "Create contact" in the CRM, for a number no one knows (when the CRM's link is configured).
    pub new_contact_url: Option<String>,
    /// The customer is on hold now.
    pub on_hold: bool,
}

impl CallView {
    /// True when the call rang (or rings) this extension.
    pub fn involves(&self, extension: &str) -> bool {
        self.extensions.iter().any(|ext| ext == extension)
    }
}

/// Tracks calls and enriches each change with the directory and history.
pub struct Pipeline {
    tracker: CallTracker,
    store: Arc<Store>,
    crm: Option<CrmLinks>,
    auto_contacts: AutoContacts,
}

impl Pipeline {
    /// A pipeline over this store.
    pub fn new(store: Arc<Store>) -> Pipeline {
        Pipeline {
            tracker: CallTracker::new(),
            store,
            crm: None,
            auto_contacts: AutoContacts::default(),
        }
    }

    /// The same pipeline adding unknown numbers to the directory after the calls these settings
    /// name (a missed call, an outgoing call).
    pub fn with_auto_contacts(mut self, settings: Option<AutoContacts>) -> Pipeline {
        self.auto_contacts = settings.unwrap_or_default();
        self
    }

    /// The same pipeline offering "create contact" links into this CRM for unknown numbers.
    pub fn with_crm_links(mut self, crm: Option<CrmLinks>) -> Pipeline {
        self.crm = crm;
        self
    }

    /// The store the pipeline reads and writes.
    pub fn store(&self) -> &Arc<Store> {
        &self.store
    }

    /// Folds one event in. Returns the updated view when something visible changed, after saving
    /// the call to history; `None` for duplicates. A store error is logged, never fatal: a card
    /// without its contact is better than no card.
    pub fn handle(&mut self, event: &CallEvent) -> Option<CallView> {
        let call = self.tracker.apply(event)?;
        self.add_unknown_number(&call);
        let view = self.view(&call);
        if let Err(e) = self.store.record_call(&record_of(&call, &view)) {
            tracing::warn!("could not save call {} to history: {e}", call.id);
        }
        Some(view)
    }

    /// The extra scenario: an unknown number becomes a contact once its call is over.
    fn add_unknown_number(&self, call: &Call) {
        let Some(contact) = self.auto_contacts.contact_for(call) else {
            return;
        };
        let known = match self.store.lookup(&contact.phones[0]) {
            Ok(found) => found.is_some(),
            Err(e) => {
                tracing::warn!("directory look-up failed: {e}");
                return;
            }
        };
        if known {
            return;
        }
        match self.store.add_contact(&contact) {
            Ok(_) => tracing::info!(
                "added {} to the directory after call {}",
                contact.name,
                call.id
            ),
            Err(e) => tracing::warn!("could not add {} to the directory: {e}", contact.name),
        }
    }

    fn view(&self, call: &Call) -> CallView {
        let directory_contact =
            call.customer
                .as_ref()
                .and_then(|number| match self.store.lookup(number) {
                    Ok(found) => found,
                    Err(e) => {
                        tracing::warn!("directory look-up failed: {e}");
                        None
                    }
                });
        let (contact, contact_source) = match (directory_contact, &call.pbx_contact) {
            (Some(found), _) => (Some(found.info()), Some(ContactSource::Directory)),
            (None, Some(pbx)) => (Some(pbx.clone()), Some(ContactSource::Pbx)),
            (None, None) => (None, None),
        };
        let recent = match &call.customer {
            Some(number) => self
                .store
                .calls_with(number, RECENT_CALLS_SHOWN + 1)
                .unwrap_or_default()
                .into_iter()
                .filter(|earlier| earlier.call_id != call.id || earlier.provider != call.provider)
                .take(RECENT_CALLS_SHOWN)
                .collect(),
            None => Vec::new(),
        };
        CallView {
            call_id: call.id.clone(),
            provider: call.provider.clone(),
            state: call.state,
            direction: call.direction,
            customer_display: call.customer.as_ref().map(PhoneNumber::display),
            customer: call.customer.clone(),
            employee: call.employee.clone(),
            employee_name: call.employee_name.clone(),
            at: call.updated_at,
            started_at: call.started_at,
            answered_at: call.answered_at,
            ended_at: call.ended_at,
            contact,
            contact_source,
            recent,
            extensions: call_extensions(call),
            new_contact_url: self.new_contact_url(call, contact_source),
            on_hold: call.on_hold,
        }
    }
}

impl Pipeline {
    fn new_contact_url(&self, call: &Call, source: Option<ContactSource>) -> Option<String> {
        let crm = self.crm.as_ref()?;
        let customer = call.customer.as_ref().filter(|c| c.e164().is_some())?;
        // A number in our directory already has its record; the PBX's own contact data does
        // not mean the team's CRM has it.
        (source != Some(ContactSource::Directory)).then(|| crm.new_contact_link(&customer.key()))
    }
}

fn call_extensions(call: &Call) -> Vec<String> {
    let mut extensions: Vec<String> = call
        .legs
        .values()
        .filter_map(|leg| leg.employee.clone())
        .chain(call.employee.clone())
        .collect();
    extensions.sort();
    extensions.dedup();
    extensions
}

fn record_of(call: &Call, view: &CallView) -> CallRecord {
    CallRecord {
        outcome: None,
        rang: Vec::new(),
        provider: call.provider.clone(),
        call_id: call.id.clone(),
        direction: call.direction,
        state: call.state,
        customer: call.customer.clone(),
        employee: call.employee.clone(),
        contact_name: view.contact.as_ref().and_then(|c| c.name.clone()),
        started_at: call.started_at,
        answered_at: call.answered_at,
        ended_at: call.ended_at,
        // Only the PBX's history knows these; the store keeps them if it already has them.
        duration_seconds: None,
        talk_seconds: None,
        recording: None,
        transfer: None,
        note: None,
        answered_by: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::directory::NewContact;

    fn ring(customer: &str, id: &str) -> CallEvent {
        CallEvent {
            provider: "vega".into(),
            call_id: id.into(),
            parent_id: None,
            state: CallState::Ringing,
            direction: Direction::In,
            customer: Some(PhoneNumber::parse(customer, "RU")),
            employee: Some("001".into()),
            employee_name: None,
            at: Utc::now(),
            on_hold: false,
            pbx_contact: Some(ContactInfo {
                name: Some("PBX name".into()),
                ..Default::default()
            }),
        }
    }

    fn store_with_ivan() -> Arc<Store> {
        let store = Store::open_in_memory("RU").unwrap();
        store
            .add_contact(&NewContact {
                name: "Иван Петров".into(),
                company: Some("ООО Ромашка".into()),
                phones: vec![PhoneNumber::parse("+7 910 123-45-67", "RU")],
                ..Default::default()
            })
            .unwrap();
        Arc::new(store)
    }

    #[test]
    fn directory_contact_wins_over_the_pbx_name() {
        let mut pipeline = Pipeline::new(store_with_ivan());
        let view = pipeline.handle(&ring("8 (910) 123-45-67", "c1")).unwrap();
        assert_eq!(view.contact.unwrap().name.as_deref(), Some("Иван Петров"));
        assert_eq!(view.contact_source, Some(ContactSource::Directory));
        assert_eq!(view.customer.unwrap().e164(), Some("+79101234567"));
    }

    #[test]
    fn an_unknown_number_gets_a_create_contact_link_and_a_known_one_does_not() {
        let crm = CrmLinks {
            new_contact_url: "https://crm.example.com/new?phone={phone}".into(),
        };
        let mut pipeline = Pipeline::new(store_with_ivan()).with_crm_links(Some(crm));
        let unknown = pipeline.handle(&ring("+74950000000", "c1")).unwrap();
        assert_eq!(
            unknown.new_contact_url.as_deref(),
            Some("https://crm.example.com/new?phone=%2B74950000000")
        );
        let known = pipeline.handle(&ring("89101234567", "c2")).unwrap();
        assert_eq!(known.new_contact_url, None);
    }

    #[test]
    fn unknown_number_falls_back_to_the_pbx_data() {
        let mut pipeline = Pipeline::new(store_with_ivan());
        let view = pipeline.handle(&ring("+74950000000", "c1")).unwrap();
        assert_eq!(view.contact.unwrap().name.as_deref(), Some("PBX name"));
        assert_eq!(view.contact_source, Some(ContactSource::Pbx));
    }

    #[test]
    fn calls_are_saved_and_shown_as_recent_on_the_next_card() {
        let mut pipeline = Pipeline::new(store_with_ivan());
        pipeline.handle(&ring("89101234567", "first"));
        let mut missed = ring("89101234567", "first");
        missed.state = CallState::Missed;
        pipeline.handle(&missed);
        let view = pipeline.handle(&ring("+79101234567", "second")).unwrap();
        assert_eq!(view.recent.len(), 1);
        assert_eq!(view.recent[0].call_id, "first");
        assert_eq!(view.recent[0].state, CallState::Missed);
        assert!(
            pipeline.handle(&ring("+79101234567", "second")).is_none(),
            "duplicate"
        );
    }

    fn auto_contacts(on_missed: bool, on_outgoing: bool) -> Option<AutoContacts> {
        Some(AutoContacts {
            on_missed,
            on_outgoing,
            responsible: Some("Дарья".into()),
        })
    }

    #[test]
    fn a_missed_call_from_an_unknown_number_adds_a_contact_for_the_chosen_responsible() {
        let store = store_with_ivan();
        let mut pipeline =
            Pipeline::new(store.clone()).with_auto_contacts(auto_contacts(true, false));
        let number = PhoneNumber::parse("+74951112233", "RU");
        let ringing = pipeline.handle(&ring("+74951112233", "m1")).unwrap();
        assert_eq!(
            ringing.contact_source,
            Some(ContactSource::Pbx),
            "not yet while it rings"
        );
        assert!(store.lookup(&number).unwrap().is_none());

        let mut missed = ring("+74951112233", "m1");
        missed.state = CallState::Missed;
        let view = pipeline.handle(&missed).unwrap();
        let added = store
            .lookup(&number)
            .unwrap()
            .expect("the number is in the directory");
        assert_eq!(added.name, "PBX name", "named as the PBX knew it");
        assert_eq!(added.responsible.as_deref(), Some("Дарья"));
        assert_eq!(view.contact_source, Some(ContactSource::Directory));
        assert_eq!(store.contact_count().unwrap(), 2);

        // The next missed call from the same number does not add it twice.
        let mut again = ring("+74951112233", "m2");
        again.state = CallState::Missed;
        pipeline.handle(&again);
        assert_eq!(store.contact_count().unwrap(), 2);
    }

    #[test]
    fn an_outgoing_call_adds_only_when_asked_and_an_answered_incoming_call_never() {
        let store = store_with_ivan();
        let mut pipeline =
            Pipeline::new(store.clone()).with_auto_contacts(auto_contacts(true, false));
        let mut outgoing = ring("+74950000001", "o1");
        outgoing.direction = Direction::Out;
        outgoing.pbx_contact = None;
        outgoing.state = CallState::Ended;
        pipeline.handle(&outgoing);
        let mut answered = ring("+74950000002", "a1");
        answered.state = CallState::Answered;
        pipeline.handle(&answered);
        answered.state = CallState::Ended;
        pipeline.handle(&answered);
        assert_eq!(store.contact_count().unwrap(), 1, "nothing added");

        let mut pipeline =
            Pipeline::new(store.clone()).with_auto_contacts(auto_contacts(false, true));
        outgoing.call_id = "o2".into();
        pipeline.handle(&outgoing);
        let added = store
            .lookup(&PhoneNumber::parse("+74950000001", "RU"))
            .unwrap()
            .expect("added after the outgoing call");
        assert_eq!(added.name, "+7 495 000-00-01", "no name known: the number");
    }
}
