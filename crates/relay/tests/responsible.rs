//! The responsible manager in the PBX's look-ups, on a running relay: Vega's `call.settings`
//! (vega.md A.1) answers `responsibleEmployeeExt` / `responsibleEmployeeEmail` and the cloud
//! PBX's `contact` (cloud-pbx.md 4.3) answers `responsible` (the login), however the directory
//! wrote the responsible — a name in the other word order, a login, an extension, an e-mail —
//! and neither names anybody for an unknown or ambiguous text. The relay's employee list follows
//! the PBX's while it runs: a manager who joins is named without a restart.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use callpop_core::{Employee, NewContact, PhoneNumber, Store};
use callpop_relay::{EmployeeList, EmployeeRefresh, EmployeeSource, Relay, RelayConfig};
use serde_json::{json, Value};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

mod common;

/// What this binary's tests read from the logs.
const LOGGED: &str = "callpop_core=warn,callpop_relay=info,callpop_providers=warn";

const SECRET: &str = "5e1d7c3b9a8f4e2d6c0b1a9f8e7d6c5b";
const CRM_TOKEN: &str = "responsible-crm-token-8c2e";
/// Guards every wait so a broken relay fails instead of hanging; not a speed bound.
const WAIT: Duration = Duration::from_secs(20);
/// Between two looks at something that is expected to change soon.
const POLL: Duration = Duration::from_millis(50);

/// The directory's contacts: (number, responsible as the directory wrote it).
const ROMASHKA: (&str, &str) = ("+7 495 100-00-01", "Дарья Иванова");
const LOGIN: (&str, &str) = ("+7 495 100-00-02", "andy");
const EXTENSION: (&str, &str) = ("+7 495 100-00-03", "702");
const EMAIL: (&str, &str) = ("+7 495 100-00-04", "SERG@Example.RU");
const YO: (&str, &str) = ("+7 495 100-00-05", "Семенов Федор");
const UNKNOWN: (&str, &str) = ("+7 495 100-00-06", "Призрак Неизвестный");
const AMBIGUOUS: (&str, &str) = ("+7 495 100-00-07", "Ольга Смирнова");

fn employee(id: &str, name: &str, ext: &str, email: Option<&str>) -> Employee {
    Employee {
        id: id.into(),
        name: name.into(),
        ext: Some(ext.into()),
        email: email.map(Into::into),
    }
}

/// The PBX's employees (cloud-pbx.md 5.1's names, surname first), with two namesakes.
fn staff() -> Vec<Employee> {
    vec![
        employee("daria", "Иванова Дарья", "705", Some("daria@example.ru")),
        employee("andy", "Петров Андрей", "708", None),
        employee("mike", "Семенов Михаил", "702", Some("mike@example.ru")),
        employee("serg", "Чижиков Сергей", "709", Some("serg@example.ru")),
        employee("fedor", "Семёнов Фёдор", "714", None),
        employee("olga", "Смирнова Ольга", "711", None),
        employee("olga2", "Ольга Смирнова", "712", Some("olga2@example.ru")),
    ]
}

fn directory() -> Store {
    let store = Store::open_in_memory("RU").unwrap();
    for (i, (number, responsible)) in [ROMASHKA, LOGIN, EXTENSION, EMAIL, YO, UNKNOWN, AMBIGUOUS]
        .into_iter()
        .enumerate()
    {
        store
            .add_contact(&NewContact {
                name: format!("Клиент {}", i + 1),
                responsible: Some(responsible.into()),
                phones: vec![PhoneNumber::parse(number, "RU")],
                ..NewContact::default()
            })
            .unwrap();
    }
    store
}

/// The PBX as the relay's employee source sees it: a list a test may change, and how many
/// times it was asked.
#[derive(Clone, Default)]
struct FakePbx {
    employees: Arc<Mutex<Vec<Employee>>>,
    fetches: Arc<AtomicUsize>,
    /// While set, every fetch fails like an unreachable PBX.
    down: Arc<Mutex<bool>>,
}

impl FakePbx {
    fn with(employees: Vec<Employee>) -> FakePbx {
        let pbx = FakePbx::default();
        *pbx.employees.lock().unwrap() = employees;
        pbx
    }

    fn source(&self) -> EmployeeSource {
        let pbx = self.clone();
        EmployeeSource::new(move || {
            let pbx = pbx.clone();
            async move {
                pbx.fetches.fetch_add(1, Ordering::SeqCst);
                if *pbx.down.lock().unwrap() {
                    return Err("connection refused");
                }
                Ok(pbx.employees.lock().unwrap().clone())
            }
        })
    }
}

struct Running {
    addr: SocketAddr,
    employees: EmployeeList,
    refresh: EmployeeRefresh,
    http: reqwest::Client,
    _stop: CancellationToken,
}

/// A relay serving Vega's and the cloud PBX's look-ups from [`directory`], its employee list
/// read from `source` (and nothing else: it starts empty).
async fn start(source: EmployeeSource) -> Running {
    common::captured_logs(LOGGED);
    let text = format!(
        "listen = \"127.0.0.1:0\"\nregion = \"RU\"\n\
         [vega]\nallowed_ips = [\"127.0.0.1\"]\nsecret_path = \"{SECRET}\"\n\
         [cloudpbx]\ncrm_token = \"{CRM_TOKEN}\"\n"
    );
    let relay = Relay::new(
        RelayConfig::from_toml_str(&text).unwrap(),
        Arc::new(directory()),
        Vec::new(),
    )
    .unwrap();
    let stop = CancellationToken::new();
    let refresh = relay.keep_employees_fresh(source, stop.clone());
    let employees = relay.employees().clone();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(relay.serve(listener, stop.clone()));
    Running {
        addr,
        employees,
        refresh,
        http: reqwest::Client::new(),
        _stop: stop,
    }
}

impl Running {
    /// Vega's `call.settings` for `number`: the `otherLeg` of the answer.
    async fn vega(&self, number: &str) -> Value {
        let request = json!({ "request": "call.settings", "otherLegNum": number });
        let response = tokio::time::timeout(
            WAIT,
            self.http
                .post(format!("http://{}/vega/{SECRET}", self.addr))
                .json(&request)
                .send(),
        )
        .await
        .expect("the relay answers")
        .unwrap();
        assert_eq!(response.status(), 200);
        let mut body: Value = response.json().await.unwrap();
        body["otherLeg"].take()
    }

    /// The cloud PBX's `contact` for `number`: the whole answer.
    async fn cloudpbx(&self, number: &str) -> Value {
        let response = tokio::time::timeout(
            WAIT,
            self.http
                .post(format!("http://{}/cloudpbx", self.addr))
                .form(&[
                    ("cmd", "contact"),
                    ("phone", number),
                    ("callid", "responsible-1"),
                    ("crm_token", CRM_TOKEN),
                ])
                .send(),
        )
        .await
        .expect("the relay answers")
        .unwrap();
        assert_eq!(response.status(), 200);
        response.json().await.unwrap()
    }

    /// Waits until the relay's list has `count` employees (the first read landed).
    async fn wait_for_employees(&self, count: usize) {
        let deadline = tokio::time::Instant::now() + WAIT;
        while self.employees.snapshot().len() != count {
            assert!(
                tokio::time::Instant::now() < deadline,
                "the relay's list never reached {count} employees"
            );
            tokio::time::sleep(POLL).await;
        }
    }

    /// Asks both look-ups about `number` until the cloud PBX's answer names `login`.
    async fn wait_until_named(&self, number: &str, login: &str) {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let answer = self.cloudpbx(number).await;
            if answer["responsible"] == login {
                return;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "{login} was never named: {answer}"
            );
            tokio::time::sleep(POLL).await;
        }
    }
}

/// The Vega answer's two responsible fields.
fn vega_responsible(other_leg: &Value) -> Value {
    json!({
        "responsibleEmployeeExt": other_leg["responsibleEmployeeExt"],
        "responsibleEmployeeEmail": other_leg["responsibleEmployeeEmail"],
    })
}

#[tokio::test]
async fn both_lookups_name_the_responsible_however_the_directory_wrote_it() {
    let pbx = FakePbx::with(staff());
    let relay = start(pbx.source()).await;
    relay.wait_for_employees(staff().len()).await;

    // (contact, contact's name, Vega's ext and e-mail, the cloud PBX's login)
    let cases = [
        (
            ROMASHKA,
            "Клиент 1",
            json!("705"),
            json!("daria@example.ru"),
            Some("daria"),
        ),
        (LOGIN, "Клиент 2", json!("708"), Value::Null, Some("andy")),
        (
            EXTENSION,
            "Клиент 3",
            json!("702"),
            json!("mike@example.ru"),
            Some("mike"),
        ),
        (
            EMAIL,
            "Клиент 4",
            json!("709"),
            json!("serg@example.ru"),
            Some("serg"),
        ),
        (YO, "Клиент 5", json!("714"), Value::Null, Some("fedor")),
        (UNKNOWN, "Клиент 6", Value::Null, Value::Null, None),
        (AMBIGUOUS, "Клиент 7", Value::Null, Value::Null, None),
    ];
    for ((number, written), name, ext, email, login) in cases {
        let other_leg = relay.vega(number).await;
        assert_eq!(other_leg["name"], name, "{written}");
        assert_eq!(other_leg["newEntry"], false, "{written}");
        assert_eq!(
            vega_responsible(&other_leg),
            json!({ "responsibleEmployeeExt": ext, "responsibleEmployeeEmail": email }),
            "Vega, responsible written {written:?}"
        );

        let mut expected = json!({ "contact_name": name });
        if let Some(login) = login {
            expected["responsible"] = json!(login);
        }
        assert_eq!(
            relay.cloudpbx(number).await,
            expected,
            "cloud PBX, responsible written {written:?}"
        );
    }
}

#[tokio::test]
async fn an_unknown_or_ambiguous_responsible_is_logged_once_not_on_every_call() {
    let relay = start(FakePbx::with(staff()).source()).await;
    relay.wait_for_employees(staff().len()).await;
    for _ in 0..3 {
        relay.vega(UNKNOWN.0).await;
        relay.cloudpbx(UNKNOWN.0).await;
        relay.vega(AMBIGUOUS.0).await;
        relay.cloudpbx(AMBIGUOUS.0).await;
    }
    let logs = String::from_utf8(common::captured_logs(LOGGED).lock().unwrap().clone()).unwrap();
    let lines = |text: &str| logs.lines().filter(|line| line.contains(text)).count();
    assert_eq!(lines(UNKNOWN.1), 1, "{logs}");
    assert_eq!(lines(AMBIGUOUS.1), 1, "{logs}");
    assert!(logs.contains("fits 2 employees"), "{logs}");
}

#[tokio::test]
async fn a_manager_added_on_the_pbx_is_named_without_restarting_the_relay() {
    // Daria has not joined yet.
    let before: Vec<Employee> = staff().into_iter().filter(|e| e.id != "daria").collect();
    let pbx = FakePbx::with(before.clone());
    let relay = start(pbx.source().every(Duration::from_millis(20))).await;
    relay.wait_for_employees(before.len()).await;
    assert_eq!(
        relay.cloudpbx(ROMASHKA.0).await,
        json!({ "contact_name": "Клиент 1" })
    );
    assert_eq!(
        vega_responsible(&relay.vega(ROMASHKA.0).await),
        json!({ "responsibleEmployeeExt": null, "responsibleEmployeeEmail": null })
    );

    // She joins on the PBX; the relay's next scheduled read brings her in.
    *pbx.employees.lock().unwrap() = staff();
    relay.wait_until_named(ROMASHKA.0, "daria").await;
    assert_eq!(
        vega_responsible(&relay.vega(ROMASHKA.0).await),
        json!({ "responsibleEmployeeExt": "705", "responsibleEmployeeEmail": "daria@example.ru" })
    );

    // The PBX goes down: reads fail and are retried, the list the relay has stays.
    *pbx.down.lock().unwrap() = true;
    let failed_from = pbx.fetches.load(Ordering::SeqCst);
    let deadline = tokio::time::Instant::now() + WAIT;
    while pbx.fetches.load(Ordering::SeqCst) < failed_from + 3 {
        assert!(tokio::time::Instant::now() < deadline, "no retries");
        tokio::time::sleep(POLL).await;
    }
    assert_eq!(relay.cloudpbx(ROMASHKA.0).await["responsible"], "daria");
}

#[tokio::test]
async fn refresh_now_rereads_the_list_before_the_interval() {
    let pbx = FakePbx::with(vec![employee("andy", "Петров Андрей", "708", None)]);
    // The default interval (ten minutes): only refresh_now can bring the change in time.
    let relay = start(pbx.source()).await;
    relay.wait_for_employees(1).await;
    assert_eq!(pbx.fetches.load(Ordering::SeqCst), 1);
    assert_eq!(
        relay.cloudpbx(ROMASHKA.0).await,
        json!({ "contact_name": "Клиент 1" })
    );

    *pbx.employees.lock().unwrap() = staff();
    relay.refresh.refresh_now();
    relay.wait_until_named(ROMASHKA.0, "daria").await;
    assert_eq!(pbx.fetches.load(Ordering::SeqCst), 2);
}
