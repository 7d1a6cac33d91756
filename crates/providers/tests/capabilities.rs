//! `Account::capabilities` tells the truth: every action it calls unavailable answers
//! `Unsupported` at once, and every one it offers is actually tried (here against a closed port
//! on 127.0.0.1, so it fails with a network error, never with `Unsupported`).

use callpop_core::secrets::Secret;
use callpop_core::{AccountConfig, NewContact, PhoneNumber, Store};
use callpop_providers::crm_edit::CrmDraft;
use callpop_providers::{Account, ProviderError};

fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

/// An account of `provider` pointing at a closed port. Every provider speaks HTTP at
/// `base_url` with an address as its domain unless said otherwise here.
fn account(provider: &str) -> Account {
    let port = closed_port();
    // MCN's `domain` is the account number from its personal account.
    let domain = if provider == "mcn" {
        "12345"
    } else {
        "127.0.0.1"
    };
    let mut config = AccountConfig::new(provider, domain);
    config.base_url = Some(if provider == "asterisk" {
        format!("tcp://127.0.0.1:{port}")
    } else {
        format!("http://127.0.0.1:{port}")
    });
    config.user = Some("101".into());
    config.login = Some("ci".into()); // Asterisk's AMI user
    config.timeout_ms = 2_000;
    Account::connect(&config, &Secret::new("capabilities-test-key"), "RU").unwrap()
}

fn check(provider: &str, action: &str, offered: bool, result: Result<(), ProviderError>) {
    let unsupported = matches!(result, Err(ProviderError::Unsupported { .. }));
    assert_eq!(
        !unsupported,
        offered,
        "{provider}: {action} is {} but answered {result:?}",
        if offered { "offered" } else { "not offered" }
    );
}

#[tokio::test]
async fn every_provider_offers_exactly_what_its_capabilities_say() {
    let store = Store::open_in_memory("RU").unwrap();
    let now = chrono::Utc::now();
    // Every registered provider: a new one is checked without being listed here.
    for provider in callpop_providers::registry::PROVIDERS
        .iter()
        .map(|kind| kind.name)
    {
        let account = account(provider);
        let caps = account.capabilities();
        let number = PhoneNumber::parse("+79101234567", "RU");
        check(
            provider,
            "click-to-call",
            caps.click_to_call,
            account.make_call(&number).await.map(drop),
        );
        check(
            provider,
            "history",
            caps.history,
            account
                .history(now - chrono::Duration::hours(1), now, false)
                .await
                .map(drop),
        );
        check(provider, "hang-up", caps.hangup, account.hangup("c1").await);
        check(
            provider,
            "employees",
            caps.employees,
            account.employees().await.map(drop),
        );
        check(
            provider,
            "contacts sync",
            caps.contacts_sync,
            account.sync_contacts(&store, None).await.map(drop),
        );
        check(provider, "DND", caps.dnd, account.dnd().await.map(drop));
        check(
            provider,
            "departments",
            caps.departments,
            account.my_groups().await.map(drop),
        );
        check_crm_edit(provider, &account, &store).await;
    }
}

/// The CRM editing actions: unavailable ones answer `Unsupported` before touching anything;
/// offered ones really go to the PBX (a network error here), past every local check.
async fn check_crm_edit(provider: &str, account: &Account, store: &Store) {
    let offered = account.capabilities().crm_edit;
    let contact = |name: &str, phone: &str| NewContact {
        name: name.into(),
        phones: vec![PhoneNumber::parse(phone, "RU")],
        ..NewContact::default()
    };
    let synced = store
        .upsert_contact_by_external_id("vega-crm", "7068", &contact("В CRM", "+79101112233"))
        .unwrap()
        .id();
    let local = store
        .add_contact(&contact("Только здесь", "+79104445566"))
        .unwrap();
    let draft = CrmDraft {
        name: "Новый".into(),
        phones: vec!["+7 910 777-88-99".into()],
        ..CrmDraft::default()
    };
    let results: Vec<(&str, Result<(), ProviderError>)> = vec![
        (
            "open a CRM contact",
            account.crm_contact_for(store, synced).await.map(drop),
        ),
        (
            "create a CRM contact",
            account
                .create_crm_contact(store, &draft, None)
                .await
                .map(drop),
        ),
        (
            "update a CRM contact",
            account
                .update_crm_contact(store, synced, &draft)
                .await
                .map(drop),
        ),
        (
            "delete a CRM contact",
            account.delete_crm_contact(store, synced).await,
        ),
        (
            "upload to the CRM",
            account.upload_to_crm(store, &[local], true).await.map(drop),
        ),
        (
            "list CRM notes",
            account.crm_notes_of(store, synced).await.map(drop),
        ),
        (
            "add a CRM note",
            account
                .add_crm_note(store, synced, "Перезвонить")
                .await
                .map(drop),
        ),
        (
            "update a CRM note",
            account
                .update_crm_note(store, synced, "5", "Перезвонил")
                .await,
        ),
        (
            "delete a CRM note",
            account.delete_crm_note(store, synced, "5").await,
        ),
    ];
    for (action, result) in results {
        let unsupported = matches!(result, Err(ProviderError::Unsupported { .. }));
        assert_eq!(
            !unsupported,
            offered,
            "{provider}: {action} is {} but answered {result:?}",
            if offered { "offered" } else { "not offered" }
        );
        if offered {
            assert!(
                matches!(&result, Err(error) if error.pbx::<callpop_providers::vega::VegaError>().is_some()),
                "{provider}: {action} is offered, so it must reach the PBX, got {result:?}"
            );
        }
    }
    // Only the directory is asked for the candidates: offered means it answers.
    match account.crm_upload_candidates(store, 10) {
        Ok(candidates) => {
            assert!(
                offered,
                "{provider}: CRM upload candidates listed but not offered"
            );
            assert!(candidates.iter().any(|c| c.id == local));
        }
        Err(ProviderError::Unsupported { .. }) => {
            assert!(
                !offered,
                "{provider}: CRM upload candidates offered but unsupported"
            )
        }
        Err(other) => panic!("{provider}: CRM upload candidates: {other}"),
    }
    // Nothing was deleted by a refused or failed delete.
    assert_eq!(
        store.contacts_by_id(&[synced]).unwrap().len(),
        1,
        "{provider}"
    );
}
