//! A `Session` as the app and the CLI run it, without Tauri: a real SQLite file in a temporary
//! directory, the Vega simulator and a real relay on 127.0.0.1.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use callpop_core::secrets::Secret;
use callpop_core::{AccountConfig, CallState, LanRelaySettings, Store};
use callpop_relay::{issue_client_token, ClientEntry, Relay, RelayConfig};
use callpop_session::{Connection, Plan, Session, SessionEvent, Source};
use callpop_sim::vega::{Scenario, VegaSim, VegaSimConfig};
use serde_json::json;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

const DOMAIN: &str = "session.pbx.vega.ua";
const KEY: &str = "session-key";
const SECRET: &str = "0d9c8b7a6f5e4d3c2b1a09f8e7d6c5b4";
const DIRECTORY: &str = "Name;Company;Phone;Responsible;URL\n\
    Ivan Petrov;Acme;8 (910) 123-45-67;Anna;https://crm.example.com/1\n";

/// Guards every wait, so a broken session fails the test instead of hanging it; not a bound on
/// speed.
const WAIT: Duration = Duration::from_secs(30);

/// A directory in a real SQLite file under `dir`, with one contact.
fn store(dir: &Path) -> Arc<Store> {
    let store = Store::open(&dir.join("callpop.sqlite"), "RU").unwrap();
    store.import_csv(DIRECTORY.as_bytes()).unwrap();
    Arc::new(store)
}

fn vega_account(base_url: String) -> AccountConfig {
    let mut account = AccountConfig::new("vega", DOMAIN);
    account.base_url = Some(base_url);
    account.user = Some("001".into());
    account.poll_interval_ms = 50;
    account.timeout_ms = 500;
    account
}

/// The plan of a desktop whose "me" is 001, polling the PBX at `base_url`.
fn polling_plan(base_url: String, store: Arc<Store>) -> Plan {
    Plan {
        account: Some((vega_account(base_url), Secret::new(KEY))),
        region: "RU".into(),
        store,
        source: Source::Pbx,
        crm: None,
        auto_contacts: None,
        only_calls_of: Some("001".into()),
    }
}

async fn next(session: &mut Session) -> SessionEvent {
    tokio::time::timeout(WAIT, session.next())
        .await
        .expect("a session event in time")
        .expect("the session goes on")
}

/// Events until one `wanted` returns something for; the others are returned too, in order.
async fn until<T>(
    session: &mut Session,
    mut wanted: impl FnMut(&SessionEvent) -> Option<T>,
) -> (T, Vec<SessionEvent>) {
    let mut before = Vec::new();
    loop {
        let event = next(session).await;
        if let Some(found) = wanted(&event) {
            return (found, before);
        }
        before.push(event);
    }
}

fn is_online(event: &SessionEvent) -> Option<()> {
    matches!(event, SessionEvent::Connection(Connection::Online)).then_some(())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_call_on_the_pbx_gives_cards_then_its_end_and_lands_in_the_history() {
    let sim = VegaSim::start("127.0.0.1:0", VegaSimConfig::new(DOMAIN, KEY))
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = store(dir.path());
    let mut session = Session::start(polling_plan(sim.base_url(), store.clone()));

    let ((), before) = until(&mut session, is_online).await;
    assert!(
        matches!(before.as_slice(), [SessionEvent::AccountReady(_)]),
        "the account is ready before the session is online: {before:?}"
    );
    sim.play(Scenario::AnsweredIncoming {
        customer: "+79101234567".into(),
        employee: "001".into(),
        ring_secs: 1.0,
        talk_secs: 1.0,
        pbx_contacts: vec![],
    })
    .unwrap();

    let mut cards = Vec::new();
    let ended = loop {
        match next(&mut session).await {
            SessionEvent::Card(view) => cards.push(view),
            SessionEvent::CallEnded(view) => break view,
            other => panic!("only this call's cards were expected, got {other:?}"),
        }
    };
    assert_eq!(cards.first().map(|v| v.state), Some(CallState::Ringing));
    assert!(cards.iter().all(|v| !v.state.is_final()), "{cards:?}");
    assert!(ended.state.is_final(), "{ended:?}");
    assert_eq!(
        ended.contact.as_ref().and_then(|c| c.name.as_deref()),
        Some("Ivan Petrov"),
        "the directory's contact is on the card"
    );
    let history = store.recent_calls(10).unwrap();
    assert_eq!(history.len(), 1, "{history:?}");
    assert_eq!(history[0].contact_name.as_deref(), Some("Ivan Petrov"));
}

#[tokio::test(flavor = "multi_thread")]
async fn calls_of_other_extensions_make_no_card_for_me() {
    let sim = VegaSim::start("127.0.0.1:0", VegaSimConfig::new(DOMAIN, KEY))
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut session = Session::start(polling_plan(sim.base_url(), store(dir.path())));
    until(&mut session, is_online).await;

    sim.play(Scenario::MissedIncoming {
        customer: "+79101234567".into(),
        employee: "002".into(),
        ring_secs: 0.5,
        pbx_contacts: vec![],
    })
    .unwrap();
    sim.play(Scenario::MissedIncoming {
        customer: "+79105550000".into(),
        employee: "001".into(),
        ring_secs: 1.5,
        pbx_contacts: vec![],
    })
    .unwrap();
    let (ended, before) = until(&mut session, |event| match event {
        SessionEvent::CallEnded(view) => Some(view.clone()),
        _ => None,
    })
    .await;
    assert!(ended.involves("001"), "{ended:?}");
    assert_eq!(ended.state, CallState::Missed);
    for event in &before {
        if let SessionEvent::Card(view) = event {
            assert!(view.involves("001"), "002's call on my card: {view:?}");
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unreachable_pbx_is_an_error_until_it_comes_back() {
    // A port nobody listens on, until the simulator starts there.
    let addr = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    };
    let dir = tempfile::tempdir().unwrap();
    let mut session = Session::start(polling_plan(format!("http://{addr}"), store(dir.path())));

    match next(&mut session).await {
        SessionEvent::Connection(Connection::PbxUnreachable(e)) => {
            assert!(!e.to_string().is_empty());
        }
        other => panic!("expected the PBX out of reach, got {other:?}"),
    }
    let _sim = VegaSim::start(addr, VegaSimConfig::new(DOMAIN, KEY))
        .await
        .unwrap();
    let ((), before) = until(&mut session, is_online).await;
    assert!(
        matches!(before.last(), Some(SessionEvent::AccountReady(_))),
        "connected on a later try: {before:?}"
    );
    assert!(
        before[..before.len() - 1].iter().all(|event| matches!(
            event,
            SessionEvent::Connection(Connection::PbxUnreachable(_))
        )),
        "only more failed tries before: {before:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_key_is_told_as_the_pbx_refusing_and_never_online() {
    let sim = VegaSim::start("127.0.0.1:0", VegaSimConfig::new(DOMAIN, KEY))
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut plan = polling_plan(sim.base_url(), store(dir.path()));
    plan.account = Some((vega_account(sim.base_url()), Secret::new("not-the-key")));
    let mut session = Session::start(plan);
    for _ in 0..2 {
        match next(&mut session).await {
            SessionEvent::Connection(Connection::PbxUnreachable(_)) => {}
            other => panic!("expected the PBX refusing, got {other:?}"),
        }
    }
}

/// A relay on 127.0.0.1 with one desktop ("olena", extension 001); cancel the token to stop it.
async fn relay(entry: &ClientEntry) -> (SocketAddr, CancellationToken) {
    #[derive(serde::Serialize)]
    struct Clients<'a> {
        clients: Vec<&'a ClientEntry>,
    }
    let mut text = format!(
        "listen = \"127.0.0.1:0\"\nregion = \"UA\"\n\
         [vega]\nallowed_ips = [\"127.0.0.1\"]\nsecret_path = \"{SECRET}\"\n"
    );
    text.push_str(&toml_clients(&Clients {
        clients: vec![entry],
    }));
    let relay = Relay::new(
        RelayConfig::from_toml_str(&text).unwrap(),
        Arc::new(Store::open_in_memory("UA").unwrap()),
        Vec::new(),
    )
    .unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let shutdown = CancellationToken::new();
    tokio::spawn(relay.serve(listener, shutdown.clone()));
    (addr, shutdown)
}

fn toml_clients(clients: &impl serde::Serialize) -> String {
    toml::to_string(clients).unwrap()
}

/// Vega posts "call.dial" for call `uuid` ringing extension 001 (vega.md A.2's example).
async fn post_dial(addr: SocketAddr, uuid: &str) {
    let body = json!({
        "event": "call.dial", "accountDomain": "qwerty.pbx.vega.ua", "uuid": uuid,
        "parentUuid": null, "dialAt": 1431686100, "bridgeAt": null, "lgDirection": 4,
        "leg": { "id": 36, "ext": "001", "displayName": "Іван Іванов" }, "leg2": null,
        "otherLegs": [ { "id": 1, "name": null, "num": "+380442246595", "companyName": null,
        "url": null } ], "trunkNum": "+380442246595", "trunkName": "main"
    });
    let status = reqwest::Client::new()
        .post(format!("http://{addr}/vega/{SECRET}"))
        .json(&body)
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn relayed_calls_make_cards_and_the_relay_connection_is_the_status() {
    let (token, entry) = issue_client_token("olena", Some("001"), &[]);
    let (addr, stop_relay) = relay(&entry).await;
    let url = format!("ws://{addr}/ws");
    let dir = tempfile::tempdir().unwrap();
    let mut session = Session::start(Plan {
        account: None,
        region: "UA".into(),
        store: store(dir.path()),
        source: Source::Relay {
            url: url.clone(),
            token: Secret::new(token.expose()),
        },
        crm: None,
        auto_contacts: None,
        only_calls_of: None,
    });

    let ((), before) = until(&mut session, is_online).await;
    assert!(before.is_empty(), "online first: {before:?}");
    assert!(matches!(
        next(&mut session).await,
        SessionEvent::PresenceMayHaveChanged
    ));
    post_dial(addr, "relayed-1").await;
    match next(&mut session).await {
        SessionEvent::Card(view) => {
            assert_eq!(
                (view.call_id.as_str(), view.state),
                ("relayed-1", CallState::Ringing)
            );
        }
        other => panic!("expected the relayed call's card, got {other:?}"),
    }

    stop_relay.cancel();
    let (lost, _) = until(&mut session, |event| match event {
        SessionEvent::Connection(Connection::RelayUnreachable { url }) => Some(url.clone()),
        _ => None,
    })
    .await;
    assert_eq!(lost, url);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_lan_relay_whose_config_cannot_be_read_fails_the_session_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("relay.toml");
    let mut plan = polling_plan("http://127.0.0.1:9".into(), store(dir.path()));
    plan.source = Source::LanRelay(LanRelaySettings {
        config: missing.clone(),
        client: None,
    });
    let mut session = Session::start(plan);
    match next(&mut session).await {
        SessionEvent::Failed(e) => {
            let text = format!("{e:#}");
            assert!(text.contains(&missing.display().to_string()), "{text}");
        }
        other => panic!("expected the session to fail, got {other:?}"),
    }
    assert!(
        tokio::time::timeout(WAIT, session.next())
            .await
            .expect("the failed session ends")
            .is_none(),
        "nothing after a failure"
    );
}
