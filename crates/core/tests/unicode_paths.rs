//! A user whose profile folder has a space and Cyrillic in its name (`C:\Users\Иван Петров` on
//! Windows): the config is saved and read back, and the SQLite store (directory and history) is
//! created, written, closed and read again, all under that folder. Runs on Linux and, built for
//! Windows, under Wine (scripts/test-windows.sh).
//!
//! The paths come in through `CALLPOP_CONFIG` and `CALLPOP_DATA_DIR`, the way the CLI and the app
//! find them, so this file keeps to one test: the environment is the process's.

use callpop_core::config::{CONFIG_ENV, DATA_DIR_ENV};
use callpop_core::{
    AccountConfig, CallRecord, CallState, Config, Direction, NewContact, PhoneNumber, Store,
};
use chrono::{TimeZone, Utc};

const USER: &str = "Иван Петров";

#[test]
fn config_and_store_live_under_a_folder_with_a_space_and_cyrillic() {
    let home = tempfile::tempdir().unwrap();
    let profile = home.path().join(USER).join("AppData");
    let config_path = profile.join("Roaming").join("Callpop").join("config.toml");
    let data_dir = profile.join("Local").join("Callpop");
    std::env::set_var(CONFIG_ENV, &config_path);
    std::env::set_var(DATA_DIR_ENV, &data_dir);
    assert_eq!(Config::default_path().unwrap(), config_path);
    assert_eq!(
        Config::store_path().unwrap(),
        data_dir.join("callpop.sqlite3")
    );

    // The config: nothing there yet, then saved (making its folders) and read back.
    assert_eq!(Config::load().unwrap(), Config::default());
    let config = Config {
        region: Some("RU".into()),
        account: Some(AccountConfig::new("vega", "иван-петров.pbx.vega.ua")),
        language: Some("ru".into()),
        ..Config::default()
    };
    config.save_to(&Config::default_path().unwrap()).unwrap();
    assert_eq!(Config::load().unwrap(), config);

    // The store: created with its folders, a contact and a call written, closed.
    let number = PhoneNumber::parse("+7 910 123-45-67", "RU");
    let call = CallRecord {
        outcome: Some(callpop_core::Outcome::Answered),
        rang: Vec::new(),
        provider: "vega".into(),
        call_id: "звонок-1".into(),
        direction: Direction::In,
        state: CallState::Ended,
        customer: Some(number.clone()),
        employee: Some("001".into()),
        contact_name: Some("Анна Смирнова".into()),
        started_at: Utc.with_ymd_and_hms(2024, 5, 1, 10, 0, 0).unwrap(),
        answered_at: Some(Utc.with_ymd_and_hms(2024, 5, 1, 10, 0, 5).unwrap()),
        ended_at: Some(Utc.with_ymd_and_hms(2024, 5, 1, 10, 2, 0).unwrap()),
        duration_seconds: Some(120),
        talk_seconds: Some(115),
        recording: None,
        transfer: None,
        answered_by: Some("001".into()),
        note: Some("перезвонить в пятницу".into()),
    };
    {
        let store = Store::open(&Config::store_path().unwrap(), config.region()).unwrap();
        store
            .add_contact(&NewContact {
                name: "Анна Смирнова".into(),
                company: Some("ООО «Ромашка»".into()),
                phones: vec![number.clone()],
                ..NewContact::default()
            })
            .unwrap();
        store.record_call(&call).unwrap();
    }

    // Opened again from the same path: both are there.
    let store = Store::open(&Config::store_path().unwrap(), config.region()).unwrap();
    let contact = store
        .lookup(&number)
        .unwrap()
        .expect("the contact is stored");
    assert_eq!(contact.name, "Анна Смирнова");
    assert_eq!(contact.company.as_deref(), Some("ООО «Ромашка»"));
    assert_eq!(store.call("vega", "звонок-1").unwrap(), Some(call.clone()));
    assert_eq!(store.calls_with(&number, 10).unwrap(), vec![call]);

    // The files are where the paths say, under the folder's real name (not a mangled one).
    let names: Vec<String> = std::fs::read_dir(home.path())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(names, [USER]);
    assert!(config_path.is_file());
    assert!(data_dir.join("callpop.sqlite3").is_file());
}
