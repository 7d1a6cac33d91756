//! CRM Teler (vega.md B.9) against the simulator: every call and its errors, paging past 60, the
//! mapping of Ukrainian and Russian labels, and the incremental sync into the directory.

use std::time::Duration;

use callpop_core::{AccountConfig, PhoneNumber, Store};
use callpop_providers::vega::crm::{self, ContactQuery, CrmContact, CrmNote, DateFilter};
use callpop_providers::vega::{VegaClient, VegaError, VegaSettings};
use callpop_providers::Account;
use callpop_sim::vega::{
    Fault, SimCrmContact, SimCrmField, SimCrmValue, VegaSim, VegaSimConfig, VegaSimHandle,
};

const DOMAIN: &str = "crm.pbx.vega.ua";
const KEY: &str = "crm-secret-key-0123";

async fn start() -> VegaSimHandle {
    VegaSim::start("127.0.0.1:0", VegaSimConfig::new(DOMAIN, KEY))
        .await
        .unwrap()
}

fn client(sim: &VegaSimHandle) -> VegaClient {
    VegaClient::new(
        VegaSettings {
            base_url: sim.base_url(),
            timeout: Duration::from_secs(5),
            ..VegaSettings::for_domain(DOMAIN)
        },
        KEY.to_owned(),
    )
    .unwrap()
}

fn sim_contact(phone: &str) -> SimCrmContact {
    SimCrmContact {
        fields: vec![SimCrmField {
            enum_code: Some("Телефон".into()),
            values: vec![SimCrmValue {
                value: Some(phone.into()),
                ..SimCrmValue::default()
            }],
            ..SimCrmField::default()
        }],
        ..SimCrmContact::default()
    }
}

#[tokio::test]
async fn a_contact_is_fetched_by_id_and_an_unknown_id_is_not_found() {
    let sim = start().await;
    let client = client(&sim);
    let contact = client.crm_contact(7068).await.unwrap();
    assert_eq!(contact.id, Some(7068));
    assert_eq!(contact.fields[0].enum_code.as_deref(), Some("Компанія"));
    assert_eq!(contact.last_modified, Some(1_700_000_000_000));
    match client.crm_contact(1).await {
        Err(VegaError::NotFound { what }) => assert_eq!(what, "CRM contact 1"),
        other => panic!("expected NotFound, got {other:?}"),
    }
}

#[tokio::test]
async fn the_list_pages_past_60_with_offset() {
    let sim = start().await;
    let added = sim.crm().add_contacts(
        (0..125)
            .map(|i| sim_contact(&format!("+38067000{i:04}")))
            .collect(),
    );
    let all = client(&sim)
        .crm_contacts(&ContactQuery::default())
        .await
        .unwrap();
    assert_eq!(all.len(), 5 + added.len());
    let mut ids: Vec<i64> = all.iter().filter_map(|c| c.id).collect();
    ids.dedup();
    assert_eq!(ids.len(), 130, "no contact twice");
    // 130 contacts: pages of 60, 60 and 10, plus the authorization.
    assert_eq!(sim.crm().requests(), 3);
}

#[tokio::test]
async fn the_list_searches_text_notes_and_dates() {
    let sim = start().await;
    let client = client(&sim);
    let found = client
        .crm_contacts(&ContactQuery {
            search_text: Some("петров".into()),
            ..ContactQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(
        found.iter().map(|c| c.id).collect::<Vec<_>>(),
        [Some(85492)]
    );
    let by_note = client
        .crm_contacts(&ContactQuery {
            search_note_text: Some("вівторок".into()),
            ..ContactQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(
        by_note.iter().map(|c| c.id).collect::<Vec<_>>(),
        [Some(85491)]
    );
    let at = |ms| chrono::DateTime::from_timestamp_millis(ms).unwrap();
    let modified = client
        .crm_contacts(&ContactQuery {
            date_filter: Some(DateFilter::Modified),
            from: Some(at(1_700_000_002_000)),
            to: Some(at(1_700_000_003_000)),
            ..ContactQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(
        modified.iter().map(|c| c.id).collect::<Vec<_>>(),
        [Some(85492), Some(85493)]
    );
    let reversed = client
        .crm_contacts(&ContactQuery {
            from: Some(at(2)),
            to: Some(at(1)),
            ..ContactQuery::default()
        })
        .await;
    assert!(
        matches!(reversed, Err(VegaError::InvalidInput(_))),
        "{reversed:?}"
    );
}

#[tokio::test]
async fn search_by_number_finds_a_number_however_it_is_written() {
    let sim = start().await;
    let client = client(&sim);
    let found = client.crm_contacts_by_number("+79101234567").await.unwrap();
    assert_eq!(
        found.iter().map(|c| c.id).collect::<Vec<_>>(),
        [Some(85492)]
    );
    assert!(client
        .crm_contacts_by_number("+10000000000")
        .await
        .unwrap()
        .is_empty());
    assert!(matches!(
        client.crm_contacts_by_number(" ").await,
        Err(VegaError::InvalidInput(_))
    ));
}

#[tokio::test]
async fn the_simulator_refuses_bad_parameters_with_400_and_no_session_with_403() {
    let sim = start().await;
    let http = reqwest::Client::new();
    let base = sim.base_url();
    let no_session = http
        .get(format!("{base}/crm/contacts/v2/7068"))
        .send()
        .await
        .unwrap();
    assert_eq!(no_session.status(), 403);
    let login = http
        .post(format!("{base}/rest/security/authorize"))
        .json(&serde_json::json!({"domain": DOMAIN, "apiKey": KEY}))
        .send()
        .await
        .unwrap();
    let cookie = login.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    for query in [
        "limit=61",
        "limit=-1",
        "offset=-1",
        "filterBy=2",
        "from=abc",
    ] {
        let answer = http
            .get(format!("{base}/crm/contacts/v2/?{query}"))
            .header("Cookie", &cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 400, "{query}");
    }
    let missing = http
        .get(format!("{base}/crm/contacts/v2/searchByOLNum"))
        .header("Cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 400);
    let no_id = http
        .post(format!("{base}/crm/contacts/v2/"))
        .header("Cookie", &cookie)
        .json(&serde_json::json!({"fields": []}))
        .send()
        .await
        .unwrap();
    assert_eq!(no_id.status(), 400);
}

#[tokio::test]
async fn update_delete_and_batch_upload_change_the_crm() {
    let sim = start().await;
    let client = client(&sim);
    let mut contact = client.crm_contact(85493).await.unwrap();
    contact.fields[1].values[0].value = Some("Марина".into());
    client.crm_update_contact(&contact).await.unwrap();
    let stored = sim.crm().contact(85493).unwrap();
    assert_eq!(stored.fields[1].values[0].value.as_deref(), Some("Марина"));
    assert!(stored.last_modified > Some(1_700_000_003_000));

    assert!(matches!(
        client.crm_update_contact(&CrmContact::default()).await,
        Err(VegaError::InvalidInput(_))
    ));
    let ghost = CrmContact {
        id: Some(1),
        ..CrmContact::default()
    };
    assert!(matches!(
        client.crm_update_contact(&ghost).await,
        Err(VegaError::NotFound { .. })
    ));

    client.crm_delete_contact(85494).await.unwrap();
    assert!(sim.crm().contact(85494).is_none());
    assert!(matches!(
        client.crm_delete_contact(85494).await,
        Err(VegaError::NotFound { .. })
    ));

    let new = CrmContact {
        fields: vec![crm::CrmField {
            enum_code: Some("Телефон".into()),
            values: vec![crm::CrmFieldValue {
                value: Some("+380501112233".into()),
                ..Default::default()
            }],
            ..Default::default()
        }],
        ..CrmContact::default()
    };
    let result = client.crm_upload(true, &[new.clone(), new]).await.unwrap();
    assert_eq!((result.succeeded, result.failed), (2, 0));
    assert_eq!(
        client
            .crm_contacts_by_number("0501112233")
            .await
            .unwrap()
            .len(),
        2
    );
}

#[tokio::test]
async fn notes_are_listed_saved_updated_and_deleted() {
    let sim = start().await;
    let client = client(&sim);
    assert_eq!(client.crm_notes(85491).await.unwrap().len(), 1);
    assert!(matches!(
        client.crm_notes(1).await,
        Err(VegaError::NotFound { .. })
    ));
    let saved = client
        .crm_add_note(
            7068,
            &CrmNote {
                content: Some("Передзвонити".into()),
                ..CrmNote::default()
            },
        )
        .await
        .unwrap();
    let id = saved.id.unwrap();
    assert!(id > 0);
    assert_eq!(saved.element_id, Some(7068));
    client
        .crm_update_note(
            7068,
            &CrmNote {
                content: Some("Передзвонив".into()),
                ..saved.clone()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        sim.crm().notes(7068)[0].content.as_deref(),
        Some("Передзвонив")
    );
    assert!(matches!(
        client.crm_update_note(7068, &CrmNote::default()).await,
        Err(VegaError::InvalidInput(_))
    ));
    client.crm_delete_note(7068, id).await.unwrap();
    assert!(sim.crm().notes(7068).is_empty());
    assert!(matches!(
        client.crm_delete_note(7068, id).await,
        Err(VegaError::NotFound { .. })
    ));
}

#[tokio::test]
async fn a_server_fault_is_an_http_error_and_an_expired_session_is_renewed() {
    let sim = start().await;
    let client = client(&sim);
    sim.crm().inject_faults(Fault::ServerError, 1);
    match client.crm_contact(7068).await {
        Err(error @ VegaError::Http { status: 500, .. }) => {
            assert!(!error.to_string().contains(KEY))
        }
        other => panic!("expected HTTP 500, got {other:?}"),
    }
    sim.expire_sessions();
    assert_eq!(client.crm_contact(7068).await.unwrap().id, Some(7068));
    assert_eq!(sim.stats().authorizations, 2);
}

fn account(sim: &VegaSimHandle) -> Account {
    let mut config = AccountConfig::new("vega", DOMAIN);
    config.base_url = Some(sim.base_url());
    Account::connect(
        &config,
        &callpop_core::secrets::Secret::new(KEY.to_owned()),
        "UA",
    )
    .unwrap()
}

#[tokio::test]
async fn a_sync_maps_ukrainian_and_russian_labels_into_the_directory() {
    let sim = start().await;
    let store = Store::open_in_memory("UA").unwrap();
    let report = account(&sim).sync_contacts(&store, None).await.unwrap();
    assert_eq!((report.fetched, report.added, report.updated), (5, 4, 0));
    assert_eq!(report.skipped.len(), 1);
    assert_eq!(report.skipped[0].id, Some(85494));
    assert!(report.warnings.is_empty(), "{:?}", report.warnings);

    let ua = store
        .lookup(&PhoneNumber::parse("044 000 00 00", "UA"))
        .unwrap()
        .unwrap();
    assert_eq!(ua.name, "Олександр");
    assert_eq!(ua.company.as_deref(), Some("Online company"));
    assert_eq!(ua.responsible.as_deref(), Some("Іван Іванов"));
    assert_eq!(
        ua.url,
        Some(format!(
            "{}/features/crm/contacts/edit.jsp#/?id=85491",
            sim.base_url()
        ))
    );
    let ru = store
        .lookup(&PhoneNumber::parse("+7 910 123-45-67", "UA"))
        .unwrap()
        .unwrap();
    assert_eq!(ru.name, "Иван Петров");
    assert_eq!(ru.company.as_deref(), Some("Рога и копыта"));
    // The phone under the label "Додатково" is found by its value.
    let odd = store
        .lookup(&PhoneNumber::parse("+380671234567", "UA"))
        .unwrap()
        .unwrap();
    assert_eq!(odd.name, "Марія Коваленко");
    let company_only = store
        .lookup(&PhoneNumber::parse("+380442249895", "UA"))
        .unwrap()
        .unwrap();
    assert_eq!(company_only.name, "Vega");
}

#[tokio::test]
async fn a_second_sync_fetches_only_what_changed_and_updates_it_in_place() {
    let sim = start().await;
    let store = Store::open_in_memory("UA").unwrap();
    let account = account(&sim);
    let first = account.sync_contacts(&store, None).await.unwrap();
    assert_eq!(first.added, 4);
    let mark = account.last_contacts_sync(&store).unwrap().unwrap();
    assert_eq!(mark.timestamp_millis(), 1_700_000_004_000);
    let count = store.contact_count().unwrap();

    assert!(sim.crm().set_field(85492, "Компания", "ООО Новая"));
    let second = account.sync_contacts(&store, Some(mark)).await.unwrap();
    // The changed contact, and the one last seen at the mark itself (from is inclusive).
    assert_eq!(second.fetched, 2, "{second:?}");
    assert_eq!((second.added, second.updated), (0, 1));
    assert_eq!(second.unchanged + second.skipped.len(), 1);
    assert_eq!(store.contact_count().unwrap(), count, "no duplicates");
    let ru = store
        .lookup(&PhoneNumber::parse("+79101234567", "UA"))
        .unwrap()
        .unwrap();
    assert_eq!(ru.company.as_deref(), Some("ООО Новая"));
    assert!(account.last_contacts_sync(&store).unwrap().unwrap() > mark);

    let full = account.sync_contacts(&store, None).await.unwrap();
    assert_eq!(
        (full.fetched, full.added, full.updated, full.unchanged),
        (5, 0, 0, 4)
    );
    assert_eq!(store.contact_count().unwrap(), count);
}
