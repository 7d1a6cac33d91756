//! `Account::capabilities` tells the truth: every action it calls unavailable answers
//! `Unsupported` at once, and every one it offers is actually tried (here against a closed port
//! on 127.0.0.1, so it fails with a network error, never with `Unsupported`).

use callpop_core::secrets::Secret;
use callpop_core::{AccountConfig, PhoneNumber, Store};
use callpop_providers::{Account, ProviderError};

fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

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
    for provider in ["vega", "cloudpbx", "telediscount", "mcn", "asterisk"] {
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
    }
}
