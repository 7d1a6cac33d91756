//! The cloud PBX client against the simulator: every CRM → PBX command of cloud-pbx.md 5.

use callpop_providers::transport::TransportError;
use std::time::Duration;

use callpop_core::secrets::Secret;
use callpop_core::{AccountConfig, CallState, Direction, PhoneNumber};
use callpop_providers::cloudpbx::{
    CloudPbxClient, CloudPbxError, CloudPbxSettings, HistoryKind, HistoryQuery, HistoryType,
};
use callpop_providers::{Account, ProviderError};
use callpop_sim::cloudpbx::{self, CloudPbxSimConfig, CloudPbxSimHandle, SimHistoryRow};
use chrono::{TimeZone, Utc};

async fn sim(config: CloudPbxSimConfig) -> CloudPbxSimHandle {
    cloudpbx::start("127.0.0.1:0", config).await.unwrap()
}

fn client(sim: &CloudPbxSimHandle, token: &str) -> CloudPbxClient {
    CloudPbxClient::new(
        CloudPbxSettings {
            base_url: sim.base_url(),
            timeout: Duration::from_secs(5),
        },
        token.into(),
    )
    .unwrap()
}

fn row(uid: &str, kind: &str, start: i64, duration: i64) -> SimHistoryRow {
    SimHistoryRow {
        uid: uid.into(),
        kind: kind.into(),
        client: "79101234567".into(),
        account: "andy".into(),
        via: "74951112233".into(),
        start,
        wait: 5,
        duration,
        record: String::new(),
    }
}

/// 2024-05-01 09:00:00 UTC.
const MAY_1: i64 = 1_714_554_000;

fn with_history(csv_header: bool) -> CloudPbxSimConfig {
    CloudPbxSimConfig {
        csv_header,
        history: vec![
            row("H1", "in", MAY_1, 60),
            row("H2", "missed", MAY_1 + 3600, 0),
            row("H3", "out", MAY_1 + 7200, 30),
            row("H4", "in", MAY_1 + 86_400 * 3, 10),
        ],
        ..CloudPbxSimConfig::default()
    }
}

#[tokio::test]
async fn accounts_and_groups_are_listed() {
    let sim = sim(CloudPbxSimConfig::default()).await;
    let pbx = client(&sim, "test-token");
    let accounts = pbx.accounts().await.unwrap();
    assert_eq!(accounts.len(), 4);
    let andy = accounts.iter().find(|a| a.name == "andy").unwrap();
    assert_eq!(andy.telnum.as_deref(), Some("79261234567"));
    let employees = pbx.employees().await.unwrap();
    assert!(employees
        .iter()
        .any(|e| e.id == "andy" && e.name == "Петров Андрей" && e.ext.as_deref() == Some("708")));
    let groups = pbx.groups(None).await.unwrap();
    assert_eq!(groups.len(), 2);
    assert_eq!(groups[0].ext.as_deref(), Some("701"));
    let test_groups = pbx.groups(Some("test")).await.unwrap();
    assert_eq!(test_groups.len(), 1);
    assert_eq!(test_groups[0].id, "gr001");
    assert_eq!(sim.requests().get("accounts"), Some(&2));
}

#[tokio::test]
async fn make_call_sends_digits_only_and_returns_the_call_id() {
    let sim = sim(CloudPbxSimConfig::default()).await;
    let pbx = client(&sim, "test-token");
    let id = pbx
        .make_call("andy", &PhoneNumber::parse("+7 910 123-45-67", "RU"))
        .await
        .unwrap();
    let made = sim.calls_made();
    assert_eq!(made.len(), 1);
    assert_eq!(made[0].call_id, id);
    assert_eq!(made[0].phone, "79101234567");
    assert_eq!(made[0].user, "andy");
    // Calling by extension works too (cloud-pbx.md 5.3: login, internal or direct number).
    pbx.make_call("708", &PhoneNumber::parse("89101234567", "RU"))
        .await
        .unwrap();
    let error = pbx
        .make_call("andy", &PhoneNumber::Raw("abc".into()))
        .await
        .unwrap_err();
    assert!(matches!(error, CloudPbxError::InvalidInput(_)), "{error}");
}

#[tokio::test]
async fn history_is_read_with_and_without_a_header_row() {
    for header in [true, false] {
        let sim = sim(with_history(header)).await;
        let rows = client(&sim, "test-token")
            .history(&HistoryQuery::default())
            .await
            .unwrap();
        let uids: Vec<&str> = rows.iter().map(|r| r.uid.as_str()).collect();
        assert_eq!(uids, ["H1", "H2", "H3", "H4"], "header: {header}");
        assert_eq!(rows[1].kind, HistoryKind::Missed);
        assert_eq!(
            rows[0].start,
            Utc.with_ymd_and_hms(2024, 5, 1, 9, 0, 0).unwrap()
        );
    }
}

#[tokio::test]
async fn history_filters_by_period_type_and_limit() {
    let sim = sim(with_history(true)).await;
    let pbx = client(&sim, "test-token");
    let day = HistoryQuery {
        start: Some(Utc.with_ymd_and_hms(2024, 5, 1, 0, 0, 0).unwrap()),
        end: Some(Utc.with_ymd_and_hms(2024, 5, 1, 23, 59, 59).unwrap()),
        ..HistoryQuery::default()
    };
    assert_eq!(pbx.history(&day).await.unwrap().len(), 3);
    let missed = HistoryQuery {
        kind: HistoryType::Missed,
        ..day.clone()
    };
    let rows = pbx.history(&missed).await.unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].uid, "H2");
    let limited = HistoryQuery {
        limit: Some(2),
        ..day.clone()
    };
    assert_eq!(pbx.history(&limited).await.unwrap().len(), 2);
    let backwards = HistoryQuery {
        start: day.end,
        end: day.start,
        ..HistoryQuery::default()
    };
    assert!(matches!(
        pbx.history(&backwards).await.unwrap_err(),
        CloudPbxError::InvalidInput(_)
    ));
}

#[tokio::test]
async fn dnd_and_subscriptions_are_kept_per_user() {
    let sim = sim(CloudPbxSimConfig::default()).await;
    let pbx = client(&sim, "test-token");
    assert!(!pbx.get_dnd("andy").await.unwrap());
    pbx.set_dnd("andy", true).await.unwrap();
    assert!(pbx.get_dnd("andy").await.unwrap());
    assert!(!pbx.get_dnd("daria").await.unwrap());
    assert!(sim.dnd("andy"));
    pbx.set_dnd("andy", false).await.unwrap();
    assert!(!pbx.get_dnd("andy").await.unwrap());

    assert!(pbx.subscription_status("andy", "sales").await.unwrap());
    pbx.subscribe_on_calls("andy", Some("sales"), false)
        .await
        .unwrap();
    assert!(!pbx.subscription_status("andy", "sales").await.unwrap());
    assert!(pbx.subscription_status("daria", "sales").await.unwrap());
    pbx.subscribe_on_calls("andy", None, true).await.unwrap();
    assert!(pbx.subscription_status("andy", "sales").await.unwrap());
    // The correct spelling is what goes on the wire.
    assert!(sim.requests().contains_key("subscriptionStatus"));
    assert!(sim.requests().contains_key("subscribeOnCalls"));
}

/// The token never travels in a URL (cloud-pbx.md 3 allows POST for every command): a URL is
/// written to every proxy's and web server's access log.
#[tokio::test]
async fn every_command_sends_its_token_in_the_body_never_in_the_url() {
    let sim = sim(with_history(true)).await;
    let pbx = client(&sim, "test-token");
    pbx.accounts().await.unwrap();
    pbx.groups(None).await.unwrap();
    pbx.groups(Some("andy")).await.unwrap();
    pbx.history(&HistoryQuery::default()).await.unwrap();
    pbx.get_dnd("andy").await.unwrap();
    pbx.set_dnd("andy", true).await.unwrap();
    pbx.subscription_status("andy", "sales").await.unwrap();
    pbx.subscribe_on_calls("andy", None, true).await.unwrap();
    pbx.make_call("andy", &PhoneNumber::parse("+7 910 123-45-67", "RU"))
        .await
        .unwrap();
    let asked: Vec<String> = sim.requests().into_keys().collect();
    assert_eq!(
        asked,
        [
            "accounts",
            "get_dnd",
            "groups",
            "history",
            "makeCall",
            "set_dnd",
            "subscribeOnCalls",
            "subscriptionStatus"
        ]
    );
    assert_eq!(sim.commands_with_token_in_url(), Vec::<String>::new());
}

#[tokio::test]
async fn a_wrong_token_is_reported_as_a_rejected_key() {
    let sim = sim(CloudPbxSimConfig::default()).await;
    let pbx = client(&sim, "wrong-secret-token");
    for error in [
        pbx.accounts().await.unwrap_err(),
        pbx.set_dnd("andy", true).await.unwrap_err(),
        pbx.history(&HistoryQuery::default()).await.unwrap_err(),
    ] {
        assert!(
            matches!(error, CloudPbxError::Unauthorized { .. }),
            "{error}"
        );
        let text = error.to_string();
        assert!(text.contains("rejected the API token"), "{text}");
        assert!(!text.contains("wrong-secret-token"), "{text}");
    }
    assert!(!format!("{pbx:?}").contains("wrong-secret-token"));
}

#[tokio::test]
async fn bad_parameters_are_reported_as_such() {
    let sim = sim(CloudPbxSimConfig::default()).await;
    let pbx = client(&sim, "test-token");
    // An unknown user and an unknown group: the PBX answers 400.
    for error in [
        pbx.get_dnd("nobody").await.unwrap_err(),
        pbx.subscription_status("andy", "no-such-group")
            .await
            .unwrap_err(),
        pbx.make_call("nobody", &PhoneNumber::parse("+79101234567", "RU"))
            .await
            .unwrap_err(),
    ] {
        assert!(
            matches!(error, CloudPbxError::InvalidParameters { .. }),
            "{error}"
        );
        assert!(error.to_string().contains("Invalid parameters"), "{error}");
    }
    // Empty arguments never leave the client.
    assert!(matches!(
        pbx.get_dnd(" ").await.unwrap_err(),
        CloudPbxError::InvalidInput(_)
    ));
}

#[tokio::test]
async fn a_wrong_address_is_reported_as_a_redirect_not_a_network_error() {
    let sim = sim(CloudPbxSimConfig::default()).await;
    let pbx = CloudPbxClient::new(
        CloudPbxSettings {
            base_url: format!("{}/wrong-pbx", sim.base_url()),
            timeout: Duration::from_secs(5),
        },
        "test-token".into(),
    )
    .unwrap();
    let error = pbx.accounts().await.unwrap_err();
    assert!(
        matches!(error, CloudPbxError::WrongAddress { .. }),
        "{error}"
    );
    assert!(error.to_string().contains("301"), "{error}");
}

#[tokio::test]
async fn an_unreachable_pbx_is_a_network_error() {
    // Bind then drop: the port is (almost certainly) closed.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let pbx = CloudPbxClient::new(
        CloudPbxSettings {
            base_url: format!("http://127.0.0.1:{port}"),
            timeout: Duration::from_secs(5),
        },
        "secret-token".into(),
    )
    .unwrap();
    let error = pbx.accounts().await.unwrap_err();
    assert!(
        matches!(
            error,
            CloudPbxError::Transport(TransportError::Network { .. })
        ),
        "{error}"
    );
    assert!(!error.to_string().contains("secret-token"), "{error}");
}

#[test]
fn settings_that_cannot_work_are_refused() {
    let settings = |url: &str| CloudPbxSettings {
        base_url: url.into(),
        timeout: Duration::from_secs(5),
    };
    for (url, token) in [
        ("not a url", "t"),
        ("ftp://pbx.example", "t"),
        ("https://pbx.example", "  "),
    ] {
        assert!(
            matches!(
                CloudPbxClient::new(settings(url), token.into()),
                Err(CloudPbxError::InvalidSettings(_))
            ),
            "{url}"
        );
    }
    let default = CloudPbxSettings::for_domain("pbx.example.ru");
    let pbx = CloudPbxClient::new(default, "t".into()).unwrap();
    assert_eq!(pbx.url(), "https://pbx.example.ru/sys/crm_api.wcgp");
}

fn account_config(sim: &CloudPbxSimHandle) -> AccountConfig {
    let mut config = AccountConfig::new("cloudpbx", "pbx.example.ru");
    config.base_url = Some(sim.base_url());
    config.user = Some("andy".into());
    config
}

#[tokio::test]
async fn the_account_dispatches_to_the_cloud_pbx() {
    let sim = sim(with_history(false)).await;
    let account =
        Account::connect(&account_config(&sim), &Secret::new("test-token"), "RU").unwrap();
    account
        .make_call(&PhoneNumber::parse("+79101234567", "RU"))
        .await
        .unwrap();
    assert_eq!(sim.calls_made()[0].phone, "79101234567");
    assert_eq!(account.employees().await.unwrap().len(), 4);
    let since = Utc.with_ymd_and_hms(2024, 5, 1, 0, 0, 0).unwrap();
    let until = Utc.with_ymd_and_hms(2024, 5, 2, 0, 0, 0).unwrap();
    let records = account.history(since, until, false).await.unwrap();
    assert_eq!(records.len(), 3);
    assert!(records.iter().all(|r| r.provider == "cloudpbx"));
    assert_eq!(records[0].call_id, "H1");
    assert_eq!(records[0].state, CallState::Ended);
    assert_eq!(records[2].direction, Direction::Out);
    let missed = account.history(since, until, true).await.unwrap();
    assert_eq!(missed.len(), 1);
    assert_eq!(missed[0].state, CallState::Missed);

    account.set_dnd(true).await.unwrap();
    assert!(account.dnd().await.unwrap());
    assert_eq!(account.groups().await.unwrap().len(), 2);
    account.subscribe(Some("sales"), false).await.unwrap();
    assert!(!account.subscription("sales").await.unwrap());
    assert!(matches!(
        account.hangup("x").await.unwrap_err(),
        ProviderError::Unsupported { .. }
    ));
}

#[tokio::test]
async fn a_wrong_token_is_reported_at_start() {
    let sim = sim(CloudPbxSimConfig::default()).await;
    let (events, _rx) = tokio::sync::mpsc::channel(4);
    let error = Account::start(
        &account_config(&sim),
        &Secret::new("bad"),
        "RU",
        events,
        tokio_util::sync::CancellationToken::new(),
    )
    .await
    .err()
    .unwrap();
    assert!(
        matches!(error.pbx(), Some(CloudPbxError::Unauthorized { .. })),
        "{error}"
    );
}

#[test]
fn vega_refuses_the_cloud_pbx_only_actions() {
    let mut config = AccountConfig::new("vega", "test4.pbx.vega.ua");
    config.user = Some("001".into());
    let account = Account::connect(&config, &Secret::new("key"), "UA").unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    runtime.block_on(async {
        for error in [
            account.set_dnd(true).await.unwrap_err(),
            account.dnd().await.unwrap_err(),
            account.groups().await.unwrap_err(),
            account.subscribe(None, true).await.unwrap_err(),
            account.subscription("sales").await.unwrap_err(),
        ] {
            assert!(
                matches!(error, ProviderError::Unsupported { .. }),
                "{error}"
            );
        }
    });
}
