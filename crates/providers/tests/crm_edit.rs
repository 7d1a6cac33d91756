//! Editing CRM Teler through `Account` (crate::crm_edit) against the Vega simulator: each
//! operation and what the simulator's CRM and the directory hold afterwards, the account's own
//! Ukrainian and Russian labels kept, the directory → CRM → sync round trip, and failures
//! (4xx, 5xx, a timeout, an expired session) in words.

use callpop_providers::transport::TransportError;
use std::time::Duration;

use callpop_core::secrets::Secret;
use callpop_core::{AccountConfig, NewContact, PhoneNumber, Store};
use callpop_providers::crm_edit::CrmDraft;
use callpop_providers::vega::VegaError;
use callpop_providers::{Account, ProviderError};
use callpop_sim::vega::{Fault, SimCrmContact, VegaSim, VegaSimConfig, VegaSimHandle};

const DOMAIN: &str = "edit.pbx.vega.ua";
const KEY: &str = "crm-edit-key-0123";

async fn start() -> VegaSimHandle {
    let mut config = VegaSimConfig::new(DOMAIN, KEY);
    config.hang_for = Duration::from_secs(5);
    VegaSim::start("127.0.0.1:0", config).await.unwrap()
}

fn account(sim: &VegaSimHandle, region: &str) -> Account {
    let mut config = AccountConfig::new("vega", DOMAIN);
    config.base_url = Some(sim.base_url());
    config.user = Some("001".into());
    config.timeout_ms = 1_000;
    Account::connect(&config, &Secret::new(KEY.to_owned()), region).unwrap()
}

fn draft(name: &str, company: Option<&str>, phones: &[&str], email: Option<&str>) -> CrmDraft {
    CrmDraft {
        name: name.into(),
        company: company.map(Into::into),
        phones: phones.iter().map(|p| (*p).to_owned()).collect(),
        email: email.map(Into::into),
        responsible: Some("41".into()),
    }
}

fn crm_id(store: &Store, contact_id: i64) -> i64 {
    store
        .external_id_of("vega-crm", contact_id)
        .unwrap()
        .unwrap()
        .parse()
        .unwrap()
}

/// The directory contact with `number` (after a sync put it there).
fn in_directory(store: &Store, number: &str, region: &str) -> callpop_core::Contact {
    store
        .lookup(&PhoneNumber::parse(number, region))
        .unwrap()
        .unwrap_or_else(|| panic!("{number} is in the directory"))
}

#[tokio::test]
async fn a_created_contact_lands_in_the_crm_with_the_accounts_labels_and_syncs_back_unchanged() {
    let sim = start().await;
    let store = Store::open_in_memory("UA").unwrap();
    let account = account(&sim, "UA");
    account.sync_contacts(&store, None).await.unwrap();
    let count = store.contact_count().unwrap();

    let saved = account
        .create_crm_contact(
            &store,
            &draft(
                "Анна Бойко",
                Some("Бойко і Ко"),
                &["044 111 22 33", "+380 67 555 44 33"],
                Some("anna@boiko.ua"),
            ),
            None,
        )
        .await
        .unwrap();
    let in_crm = sim.crm().contact(saved.crm_id.parse().unwrap()).unwrap();
    assert_eq!(
        in_crm.values(),
        [
            ("Ім'я".to_owned(), "Анна Бойко".to_owned()),
            ("Компанія".to_owned(), "Бойко і Ко".to_owned()),
            ("Телефон".to_owned(), "+380441112233".to_owned()),
            ("Телефон".to_owned(), "+380675554433".to_owned()),
            ("Email".to_owned(), "anna@boiko.ua".to_owned()),
        ]
    );
    assert_eq!(in_crm.responsible_user_id, Some(41));

    let listed = in_directory(&store, "+380675554433", "UA");
    assert_eq!(listed.id, saved.contact_id);
    assert_eq!(listed.name, "Анна Бойко");
    assert_eq!(listed.company.as_deref(), Some("Бойко і Ко"));
    assert_eq!(listed.responsible.as_deref(), Some("Олена Коваль"));
    assert_eq!(store.contact_count().unwrap(), count + 1);

    // The round trip: a sync reads the same record into the same directory contact, unchanged.
    let since = account.last_contacts_sync(&store).unwrap();
    let report = account.sync_contacts(&store, since).await.unwrap();
    assert!(report.unchanged >= 1, "{report:?}");
    assert_eq!((report.added, report.updated), (0, 0), "{report:?}");
    let full = account.sync_contacts(&store, None).await.unwrap();
    assert_eq!((full.added, full.updated), (0, 0), "{full:?}");
    assert_eq!(store.contact_count().unwrap(), count + 1);

    let record = account
        .crm_contact_for(&store, saved.contact_id)
        .await
        .unwrap();
    assert_eq!(record.crm_id.as_deref(), Some(saved.crm_id.as_str()));
    assert_eq!(record.draft.name, "Анна Бойко");
    assert_eq!(record.draft.email.as_deref(), Some("anna@boiko.ua"));
    assert_eq!(record.draft.responsible.as_deref(), Some("41"));
    assert_eq!(record.draft.phones.len(), 2);
}

#[tokio::test]
async fn an_update_keeps_a_russian_contacts_own_labels_and_the_fields_it_does_not_cover() {
    let sim = start().await;
    let store = Store::open_in_memory("RU").unwrap();
    let account = account(&sim, "RU");
    account.sync_contacts(&store, None).await.unwrap();
    let ivan = in_directory(&store, "+79101234567", "RU");
    let mut edited = account
        .crm_contact_for(&store, ivan.id)
        .await
        .unwrap()
        .draft;
    assert_eq!(edited.name, "Иван Петров");
    assert_eq!(edited.email.as_deref(), Some("ivan@roga.ru"));
    edited.name = "Иван Сидоров".into();
    edited.company = Some("ООО Новая".into());
    edited.phones.push("+7 495 111-22-33".into());

    let saved = account
        .update_crm_contact(&store, ivan.id, &edited)
        .await
        .unwrap();
    assert_eq!(saved.contact_id, ivan.id, "the same directory contact");
    let in_crm = sim.crm().contact(85492).unwrap();
    assert_eq!(
        in_crm.values(),
        [
            ("Имя".to_owned(), "Иван".to_owned()),
            ("Фамилия".to_owned(), "Сидоров".to_owned()),
            ("Телефон".to_owned(), "8 (910) 123-45-67".to_owned()),
            ("Телефон".to_owned(), "+74951112233".to_owned()),
            ("Компания".to_owned(), "ООО Новая".to_owned()),
            ("Email".to_owned(), "ivan@roga.ru".to_owned()),
        ]
    );
    assert_eq!(
        in_crm.fields[2].values[1].enum_value_code.as_deref(),
        Some("Мобильный"),
        "the new number is labelled as the contact's other one"
    );
    let listed = store.contacts_by_id(&[ivan.id]).unwrap().pop().unwrap();
    assert_eq!(listed.name, "Иван Сидоров");
    assert_eq!(listed.company.as_deref(), Some("ООО Новая"));
    assert_eq!(
        store
            .lookup(&PhoneNumber::parse("+74951112233", "RU"))
            .unwrap()
            .map(|c| c.id),
        Some(ivan.id),
        "the caller card finds the new number"
    );

    // A Ukrainian contact keeps its category (a field the editor does not show).
    let oleksandr = in_directory(&store, "+380440000000", "RU");
    let mut edited = account
        .crm_contact_for(&store, oleksandr.id)
        .await
        .unwrap()
        .draft;
    edited.company = None;
    account
        .update_crm_contact(&store, oleksandr.id, &edited)
        .await
        .unwrap();
    let labels: Vec<String> = sim
        .crm()
        .contact(85491)
        .unwrap()
        .values()
        .into_iter()
        .map(|(label, _)| label)
        .collect();
    assert_eq!(labels, ["Ім'я", "Email", "Телефон", "Категорія"]);
}

#[tokio::test]
async fn a_deleted_contact_leaves_the_crm_and_the_directory() {
    let sim = start().await;
    let store = Store::open_in_memory("UA").unwrap();
    let account = account(&sim, "UA");
    account.sync_contacts(&store, None).await.unwrap();
    let vega = in_directory(&store, "+380442249895", "UA");
    account.delete_crm_contact(&store, vega.id).await.unwrap();
    assert!(sim.crm().contact(7068).is_none());
    assert!(store.contacts_by_id(&[vega.id]).unwrap().is_empty());
    assert!(store
        .lookup(&PhoneNumber::parse("+380442249895", "UA"))
        .unwrap()
        .is_none());
    match account.delete_crm_contact(&store, vega.id).await {
        Err(ProviderError::InvalidInput(message)) => {
            assert!(message.contains("no longer in the directory"), "{message}")
        }
        other => panic!("expected InvalidInput, got {other:?}"),
    }
    // A local contact is not in the CRM: nothing to delete there, and it says so.
    let local = store
        .add_contact(&NewContact {
            name: "Локальний".into(),
            phones: vec![PhoneNumber::parse("+380501234567", "UA")],
            ..NewContact::default()
        })
        .unwrap();
    match account.delete_crm_contact(&store, local).await {
        Err(ProviderError::InvalidInput(message)) => {
            assert!(message.contains("not in the CRM yet"), "{message}")
        }
        other => panic!("expected InvalidInput, got {other:?}"),
    }
    assert_eq!(store.contacts_by_id(&[local]).unwrap().len(), 1);
}

#[tokio::test]
async fn notes_are_added_as_me_edited_in_place_listed_newest_first_and_deleted() {
    let sim = start().await;
    let store = Store::open_in_memory("UA").unwrap();
    let account = account(&sim, "UA");
    account.sync_contacts(&store, None).await.unwrap();
    let contact = in_directory(&store, "+380440000000", "UA");
    let seeded = account.crm_notes_of(&store, contact.id).await.unwrap();
    assert_eq!(seeded.len(), 1);

    let added = account
        .add_crm_note(&store, contact.id, "  Надіслати рахунок  ")
        .await
        .unwrap();
    assert_eq!(added.text, "Надіслати рахунок");
    assert_eq!(
        added.author.as_deref(),
        Some("Іван Іванов"),
        "written by me (001)"
    );
    let notes = account.crm_notes_of(&store, contact.id).await.unwrap();
    assert_eq!(notes[0].id, added.id, "newest first");
    assert_eq!(notes[1].text, "Просили перетелефонувати у вівторок");

    account
        .update_crm_note(&store, contact.id, &added.id, "Рахунок надіслано")
        .await
        .unwrap();
    let in_crm = sim.crm().notes(85491);
    let note = in_crm
        .iter()
        .find(|n| n.id.to_string() == added.id)
        .unwrap();
    assert_eq!(note.content.as_deref(), Some("Рахунок надіслано"));
    assert_eq!(note.responsible_user_id, 36, "the rest of the note kept");

    account
        .delete_crm_note(&store, contact.id, &added.id)
        .await
        .unwrap();
    assert_eq!(sim.crm().notes(85491).len(), 1);
    account
        .delete_crm_note(&store, contact.id, &added.id)
        .await
        .expect("a note already gone counts as deleted");
    match account
        .update_crm_note(&store, contact.id, &added.id, "знову")
        .await
    {
        Err(ProviderError::CrmRefused(message)) => {
            assert!(message.contains("no longer in the CRM"), "{message}")
        }
        other => panic!("expected CrmRefused, got {other:?}"),
    }
    assert!(matches!(
        account.add_crm_note(&store, contact.id, "   ").await,
        Err(ProviderError::InvalidInput(_))
    ));
}

#[tokio::test]
async fn local_contacts_upload_in_a_batch_and_become_the_crm_records_mirrors() {
    let sim = start().await;
    let store = Store::open_in_memory("UA").unwrap();
    let account = account(&sim, "UA");
    account.sync_contacts(&store, None).await.unwrap();
    let add = |name: &str, company: Option<&str>, phones: &[&str]| {
        store
            .add_contact(&NewContact {
                name: name.into(),
                company: company.map(Into::into),
                phones: phones.iter().map(|p| PhoneNumber::parse(p, "UA")).collect(),
                ..NewContact::default()
            })
            .unwrap()
    };
    let first = add("Ольга Мельник", Some("Мельник ФОП"), &["+380501110001"]);
    let second = add("Тарас Шевчук", None, &["+380501110002", "+380441110002"]);
    let no_phone = add("Без номера", None, &[]);
    let candidates: Vec<i64> = account
        .crm_upload_candidates(&store, 100)
        .unwrap()
        .iter()
        .map(|c| c.id)
        .collect();
    assert_eq!(candidates, [no_phone, first, second], "by name");
    let count = store.contact_count().unwrap();

    let report = account
        .upload_to_crm(&store, &candidates, true)
        .await
        .unwrap();
    assert_eq!((report.sent, report.succeeded, report.failed), (2, 2, 0));
    assert_eq!(report.linked, 2);
    assert_eq!(report.skipped.len(), 1);
    assert_eq!(report.skipped[0].contact_id, no_phone);
    assert!(report.skipped[0].reason.contains("phone number"));

    let olga = sim.crm().contact(crm_id(&store, first)).unwrap();
    assert!(olga
        .values()
        .contains(&("Компанія".into(), "Мельник ФОП".into())));
    let taras = sim.crm().contact(crm_id(&store, second)).unwrap();
    assert_eq!(
        taras
            .values()
            .iter()
            .filter(|(label, _)| label == "Телефон")
            .count(),
        2
    );
    assert_eq!(
        account.crm_upload_candidates(&store, 100).unwrap().len(),
        1,
        "only the one without a number is left"
    );
    let full = account.sync_contacts(&store, None).await.unwrap();
    assert_eq!(full.added, 0, "no duplicates: {full:?}");
    assert_eq!(store.contact_count().unwrap(), count);

    // Already in the CRM: merge keeps the record's fields the upload leaves out, no merge
    // replaces the record.
    let oleksandr = in_directory(&store, "+380440000000", "UA");
    let report = account
        .upload_to_crm(&store, &[oleksandr.id], true)
        .await
        .unwrap();
    assert_eq!((report.succeeded, report.linked), (1, 0));
    let has_category = |c: SimCrmContact| c.values().iter().any(|(l, _)| l == "Категорія");
    assert!(has_category(sim.crm().contact(85491).unwrap()));
    account
        .upload_to_crm(&store, &[oleksandr.id], false)
        .await
        .unwrap();
    assert!(!has_category(sim.crm().contact(85491).unwrap()));
    assert_eq!(store.contact_count().unwrap(), count);
}

#[tokio::test]
async fn failures_come_back_in_words_and_an_expired_session_is_renewed() {
    let sim = start().await;
    let store = Store::open_in_memory("UA").unwrap();
    let account = account(&sim, "UA");
    account.sync_contacts(&store, None).await.unwrap();
    let contact = in_directory(&store, "+380440000000", "UA");
    let edited = account
        .crm_contact_for(&store, contact.id)
        .await
        .unwrap()
        .draft;

    sim.crm().inject_faults(Fault::ServerError, 1);
    match account.crm_contact_for(&store, contact.id).await {
        Err(error) if matches!(error.pbx(), Some(VegaError::Http { status: 500, .. })) => {
            let message = error.to_string();
            assert!(message.contains("HTTP 500"), "{message}");
            assert!(!message.contains(KEY));
        }
        other => panic!("expected HTTP 500, got {other:?}"),
    }

    sim.crm().inject_faults(Fault::Hang, 1);
    match account
        .update_crm_contact(&store, contact.id, &edited)
        .await
    {
        Err(error)
            if matches!(
                error.pbx(),
                Some(VegaError::Transport(TransportError::Timeout { .. }))
            ) =>
        {
            assert!(error.to_string().contains("did not answer"), "{error}")
        }
        other => panic!("expected a timeout, got {other:?}"),
    }

    sim.expire_sessions();
    account
        .update_crm_contact(&store, contact.id, &edited)
        .await
        .expect("a new session, then the update");

    // Deleted in Vega meanwhile: the CRM's 404 is named; notes on it are refused with the
    // simulator's 400.
    let gone = in_directory(&store, "+79101234567", "UA");
    delete_in_vega(&sim, 85492).await;
    match account.update_crm_contact(&store, gone.id, &edited).await {
        Err(error) if matches!(error.pbx(), Some(VegaError::NotFound { .. })) => {
            assert_eq!(error.to_string(), "Vega has no CRM contact 85492")
        }
        other => panic!("expected NotFound, got {other:?}"),
    }
    match account
        .add_crm_note(&store, gone.id, "привіт")
        .await
        .as_ref()
        .err()
        .and_then(ProviderError::pbx)
    {
        Some(VegaError::Http {
            status: 400, body, ..
        }) => {
            assert!(body.contains("No contact"), "{body}")
        }
        other => panic!("expected HTTP 400, got {other:?}"),
    }

    // A draft the form got wrong is refused before anything is sent.
    let requests = sim.crm().requests();
    let bad = draft("Анна", None, &["не номер"], None);
    match account.create_crm_contact(&store, &bad, None).await {
        Err(ProviderError::InvalidInput(message)) => {
            assert!(message.contains("is not a phone number"), "{message}")
        }
        other => panic!("expected InvalidInput, got {other:?}"),
    }
    assert_eq!(sim.crm().requests(), requests);
}

/// Deletes a CRM contact as someone in Vega's own UI would.
async fn delete_in_vega(sim: &VegaSimHandle, id: i64) {
    let mut config = AccountConfig::new("vega", DOMAIN);
    config.base_url = Some(sim.base_url());
    let other_user = Account::connect(&config, &Secret::new(KEY.to_owned()), "UA").unwrap();
    let store = Store::open_in_memory("UA").unwrap();
    other_user.sync_contacts(&store, None).await.unwrap();
    let contact = in_directory(&store, "+79101234567", "UA");
    assert_eq!(crm_id(&store, contact.id), id);
    other_user
        .delete_crm_contact(&store, contact.id)
        .await
        .unwrap();
}
