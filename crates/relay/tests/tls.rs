//! HTTPS: a relay given a certificate (self-signed here, made by rcgen) answers over https and
//! wss, still sees the caller's real address (the Vega allow-list), and a wrong certificate or
//! key path is a config error naming the file.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use callpop_core::Store;
use callpop_relay::{issue_client_token, ClientEntry, ConfigError, Relay, RelayConfig};
use futures_util::StreamExt;
use serde_json::Value;
use tokio::net::TcpListener;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::{self, RootCertStore};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::Connector;
use tokio_util::sync::CancellationToken;

const SECRET: &str = "5e1d8c7b6a5f4e3d2c1b0a9f8e7d6c5b";
const CRM_TOKEN: &str = "tls-test-crm-token";
/// Guards every network wait so a broken relay fails instead of hanging; not a speed bound.
const WAIT: Duration = Duration::from_secs(20);

/// A self-signed certificate for 127.0.0.1 and localhost, written as PEM files in `dir`.
struct TestCert {
    cert_pem: String,
    cert_path: String,
    key_path: String,
}

fn make_cert(dir: &Path, name: &str) -> TestCert {
    let certified =
        rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])
            .unwrap();
    let cert_pem = certified.cert.pem();
    let cert_path = dir.join(format!("{name}-cert.pem"));
    let key_path = dir.join(format!("{name}-key.pem"));
    std::fs::write(&cert_path, &cert_pem).unwrap();
    std::fs::write(&key_path, certified.key_pair.serialize_pem()).unwrap();
    TestCert {
        cert_pem,
        cert_path: cert_path.display().to_string(),
        key_path: key_path.display().to_string(),
    }
}

fn config_text(cert_path: &str, key_path: &str, client: &ClientEntry) -> String {
    #[derive(serde::Serialize)]
    struct Clients<'a> {
        clients: [&'a ClientEntry; 1],
    }
    let quoted = |text: &str| toml::Value::String(text.to_owned()).to_string();
    format!(
        "listen = \"127.0.0.1:0\"\nregion = \"RU\"\n\
         [vega]\nallowed_ips = [\"127.0.0.1\"]\nsecret_path = \"{SECRET}\"\n\
         [cloudpbx]\ncrm_token = \"{CRM_TOKEN}\"\n\
         [tls]\ncert_path = {}\nkey_path = {}\n{}",
        quoted(cert_path),
        quoted(key_path),
        toml::to_string(&Clients { clients: [client] }).unwrap()
    )
}

fn relay_for(text: &str) -> Result<Relay, ConfigError> {
    let config = RelayConfig::from_toml_str(text)?;
    Relay::new(
        config,
        Arc::new(Store::open_in_memory("RU").unwrap()),
        Vec::new(),
    )
}

async fn serve(relay: Relay) -> (SocketAddr, CancellationToken) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let shutdown = CancellationToken::new();
    tokio::spawn(relay.serve(listener, shutdown.clone()));
    (addr, shutdown)
}

/// An HTTPS client that trusts only `cert`, calling from `local` (the source address).
fn https_client(cert: &TestCert, local: Ipv4Addr) -> reqwest::Client {
    reqwest::Client::builder()
        .tls_built_in_root_certs(false)
        .add_root_certificate(reqwest::Certificate::from_pem(cert.cert_pem.as_bytes()).unwrap())
        .local_address(IpAddr::V4(local))
        .timeout(WAIT)
        .build()
        .unwrap()
}

#[tokio::test]
async fn a_relay_with_a_certificate_answers_https_and_pushes_over_wss() {
    let dir = tempfile::tempdir().unwrap();
    let cert = make_cert(dir.path(), "relay");
    let (token, entry) = issue_client_token("supervisor", None, &[]);
    let relay = relay_for(&config_text(&cert.cert_path, &cert.key_path, &entry)).unwrap();
    assert!(relay.uses_tls());
    let (addr, _stop) = serve(relay).await;
    let https = https_client(&cert, Ipv4Addr::LOCALHOST);

    let health: Value = https
        .get(format!("https://{addr}/healthz"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(health, serde_json::json!({ "ok": true }));

    // A desktop over wss, trusting the same certificate.
    let mut roots = RootCertStore::empty();
    let der = rustls::pki_types::CertificateDer::from_pem_slice(cert.cert_pem.as_bytes()).unwrap();
    roots.add(der).unwrap();
    let tls = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    let mut request = format!("wss://localhost:{}/ws", addr.port())
        .into_client_request()
        .unwrap();
    request.headers_mut().insert(
        "authorization",
        format!("Bearer {}", token.expose()).parse().unwrap(),
    );
    let (mut desktop, _) = tokio::time::timeout(
        WAIT,
        tokio_tungstenite::connect_async_tls_with_config(
            request,
            None,
            true,
            Some(Connector::Rustls(Arc::new(tls))),
        ),
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(next_json(&mut desktop).await["type"], "ready");

    // A webhook over https reaches the desktop over wss.
    let reply = https
        .post(format!("https://{addr}/cloudpbx"))
        .form(&[
            ("cmd", "event"),
            ("type", "INCOMING"),
            ("phone", "79991112233"),
            ("user", "mike"),
            ("callid", "tls-call-1"),
            ("crm_token", CRM_TOKEN),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 200);
    let pushed = next_json(&mut desktop).await;
    assert_eq!(pushed["type"], "event", "{pushed}");
    assert_eq!(pushed["event"]["provider"], "cloudpbx", "{pushed}");
    assert_eq!(pushed["event"]["customer"], "+79991112233", "{pushed}");
}

#[tokio::test]
async fn over_https_the_vega_allow_list_still_sees_the_callers_own_address() {
    let dir = tempfile::tempdir().unwrap();
    let cert = make_cert(dir.path(), "relay");
    let (_, entry) = issue_client_token("supervisor", None, &[]);
    let relay = relay_for(&config_text(&cert.cert_path, &cert.key_path, &entry)).unwrap();
    let (addr, _stop) = serve(relay).await;
    let body = r#"{ "request": "call.settings", "otherLegNum": "+380442246595" }"#;
    let mut statuses = Vec::new();
    for source in [Ipv4Addr::LOCALHOST, Ipv4Addr::new(127, 0, 0, 2)] {
        let reply = https_client(&cert, source)
            .post(format!("https://{addr}/vega/{SECRET}"))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        statuses.push(reply.status().as_u16());
    }
    // 127.0.0.1 is allowed, 127.0.0.2 is not (vega.md A.0).
    assert_eq!(statuses, [200, 403]);
}

#[tokio::test]
async fn plain_http_to_the_https_port_gets_no_answer() {
    let dir = tempfile::tempdir().unwrap();
    let cert = make_cert(dir.path(), "relay");
    let (_, entry) = issue_client_token("supervisor", None, &[]);
    let relay = relay_for(&config_text(&cert.cert_path, &cert.key_path, &entry)).unwrap();
    let (addr, _stop) = serve(relay).await;
    let plain = reqwest::Client::builder().timeout(WAIT).build().unwrap();
    assert!(plain
        .get(format!("http://{addr}/healthz"))
        .send()
        .await
        .is_err());
}

#[test]
fn a_missing_certificate_or_key_file_is_a_config_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let cert = make_cert(dir.path(), "relay");
    let (_, entry) = issue_client_token("supervisor", None, &[]);
    let missing = dir.path().join("nowhere.pem").display().to_string();
    for (cert_path, key_path) in [(&missing, &cert.key_path), (&cert.cert_path, &missing)] {
        let Err(error) = relay_for(&config_text(cert_path, key_path, &entry)) else {
            panic!("a relay started without {missing}");
        };
        let message = error.to_string();
        assert!(matches!(error, ConfigError::Tls { .. }), "{message}");
        assert!(
            message.contains(&missing) && message.contains("cannot read"),
            "{message}"
        );
    }
}

#[test]
fn a_key_that_is_not_the_certificates_is_a_config_error_naming_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let cert = make_cert(dir.path(), "relay");
    let other = make_cert(dir.path(), "other");
    let (_, entry) = issue_client_token("supervisor", None, &[]);
    let Err(error) = relay_for(&config_text(&cert.cert_path, &other.key_path, &entry)) else {
        panic!("a relay started with another certificate's key");
    };
    let message = error.to_string();
    assert!(message.contains(&other.key_path), "{message}");
    // Swapped files: the certificate file holds no certificate... and no key leaks either way.
    let Err(error) = relay_for(&config_text(&cert.key_path, &cert.cert_path, &entry)) else {
        panic!("a relay started with its files swapped");
    };
    let message = error.to_string();
    assert!(
        message.contains(&cert.key_path) && !message.contains("PRIVATE KEY-----\n"),
        "{message}"
    );
}

async fn next_json(
    client: &mut tokio_tungstenite::WebSocketStream<
        tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
    >,
) -> Value {
    loop {
        let message = tokio::time::timeout(WAIT, client.next())
            .await
            .expect("no message from the relay")
            .expect("the relay closed the socket")
            .unwrap();
        if let Message::Text(text) = message {
            return serde_json::from_str(text.as_str()).unwrap();
        }
    }
}
