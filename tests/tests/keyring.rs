//! The API key round-trips through a real Secret Service (gnome-keyring inside
//! `dbus-run-session`; scripts/test.sh sets that up). Plain `cargo test` leaves it out.

use callpop_core::secrets::{self, Secret, SecretError};
use callpop_core::AccountConfig;

/// An account of its own for each test: the tests run in parallel against one keyring.
fn account(test: &str) -> AccountConfig {
    AccountConfig::new(
        "vega",
        &format!("{test}-{}.pbx.vega.ua", std::process::id()),
    )
}

#[test]
#[ignore = "needs a Secret Service: run scripts/test.sh"]
fn api_key_is_stored_read_back_and_removed_in_the_os_keyring() {
    let account = account("round-trip");
    let key = Secret::new("bHGbn240QSjFJgydWOWyZ3ve6UeNDT8CV");
    assert!(matches!(
        secrets::keyring_api_key(&account),
        Err(SecretError::Missing { .. })
    ));

    secrets::store_api_key(&account, &key).expect("store in the keyring");
    assert_eq!(secrets::keyring_api_key(&account).unwrap(), key);

    let replaced = Secret::new("a-new-key");
    secrets::store_api_key(&account, &replaced).unwrap();
    assert_eq!(secrets::keyring_api_key(&account).unwrap(), replaced);

    secrets::delete_api_key(&account).unwrap();
    assert!(matches!(
        secrets::keyring_api_key(&account),
        Err(SecretError::Missing { .. })
    ));
    secrets::delete_api_key(&account).expect("deleting twice is fine");
}

#[test]
#[ignore = "needs a Secret Service: run scripts/test.sh"]
fn the_key_is_never_written_to_a_file_under_the_config_or_data_dir() {
    let home = tempfile::tempdir().unwrap();
    let account = account("not-in-a-file");
    let key = "never-in-a-file-3f9a1c";
    secrets::store_api_key(&account, &Secret::new(key)).unwrap();
    callpop_core::Config {
        account: Some(account.clone()),
        ..Default::default()
    }
    .save_to(&home.path().join("config.toml"))
    .unwrap();
    for entry in std::fs::read_dir(home.path()).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        assert!(!text.contains(key));
    }
    secrets::delete_api_key(&account).unwrap();
}
