//! What the caller card and the history add through [`Account`]: a contact's CRM Teler notes
//! and a call's recording, against the Vega simulator (and, for the plain recording link, a
//! small file server) on 127.0.0.1.

use std::time::Duration;

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use callpop_core::secrets::Secret;
use callpop_core::{
    AccountConfig, CallRecord, CallState, Direction, NewContact, PhoneNumber, Store,
};
use callpop_providers::recording::{RecordingError, MAX_RECORDING_BYTES};
use callpop_providers::vega::crm::CrmNote;
use callpop_providers::vega::VegaError;
use callpop_providers::{Account, ProviderError};
use callpop_sim::vega::{FinishedCall, VegaSimConfig, VegaSimHandle};
use chrono::{TimeZone, Utc};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

mod common;

use common::{DOMAIN, KEY};

async fn start() -> VegaSimHandle {
    common::start(VegaSimConfig::new(DOMAIN, KEY)).await
}

fn vega(sim: &VegaSimHandle) -> Account {
    let mut config = AccountConfig::new("vega", DOMAIN);
    config.base_url = Some(sim.base_url());
    config.timeout_ms = 2_000;
    Account::connect(&config, &Secret::new(KEY), "UA").unwrap()
}

fn call(id: &str, recording: Option<String>, answered: bool) -> CallRecord {
    let at = Utc.with_ymd_and_hms(2024, 5, 1, 9, 0, 0).unwrap();
    CallRecord {
        outcome: None,
        rang: Vec::new(),
        provider: "vega".into(),
        call_id: id.into(),
        direction: Direction::In,
        state: if answered {
            CallState::Ended
        } else {
            CallState::Missed
        },
        customer: Some(PhoneNumber::parse("+380442246595", "UA")),
        employee: Some("001".into()),
        contact_name: None,
        started_at: at,
        answered_at: answered.then_some(at),
        ended_at: Some(at),
        duration_seconds: None,
        talk_seconds: None,
        recording,
        transfer: None,
        note: None,
        answered_by: None,
    }
}

fn finished(uuid: &str) -> FinishedCall {
    FinishedCall {
        uuid: uuid.into(),
        parent_uuid: None,
        end_at_ms: 1_714_554_000_000,
        lg_direction: 4,
        customer: Some("+380442246595".into()),
        customer_name: None,
        employee: "001".into(),
        employee2: None,
        bill_secs: 30,
        duration_secs: 40,
        disposition: 0,
        transfer_history: Some("001".into()),
        recorded: true,
        trunk: None,
    }
}

#[tokio::test]
async fn a_synced_contact_shows_its_crm_notes_newest_first_with_authors() {
    let sim = start().await;
    let account = vega(&sim);
    let store = Store::open_in_memory("UA").unwrap();
    account.sync_contacts(&store, None).await.unwrap();
    let contact = store
        .lookup(&PhoneNumber::parse("+380440000000", "UA"))
        .unwrap()
        .expect("contact 85491 synced");

    // A newer note, written through the API as Vega's UI would.
    let client = callpop_providers::vega::VegaClient::new(
        callpop_providers::vega::VegaSettings {
            base_url: sim.base_url(),
            ..callpop_providers::vega::VegaSettings::for_domain(DOMAIN)
        },
        KEY.into(),
    )
    .unwrap();
    client
        .crm_add_note(
            85491,
            &CrmNote {
                element_id: Some(85491),
                content: Some("Надіслали комерційну пропозицію".into()),
                responsible_user_id: Some(27),
                date_create: Some(1_800_000_000_000),
                last_modified: Some(1_800_000_000_000),
                ..CrmNote::default()
            },
        )
        .await
        .unwrap();

    let notes = account.contact_notes(&store, contact.id, 10).await.unwrap();
    let texts: Vec<&str> = notes.iter().map(|n| n.text.as_str()).collect();
    assert_eq!(
        texts,
        [
            "Надіслали комерційну пропозицію",
            "Просили перетелефонувати у вівторок"
        ]
    );
    assert_eq!(notes[0].author.as_deref(), Some("Петро Петров"));
    assert_eq!(notes[1].author.as_deref(), Some("Іван Іванов"));
    assert_eq!(
        notes[1].at,
        Some(Utc.timestamp_millis_opt(1_700_000_000_000).unwrap())
    );
    assert_eq!(
        account.contact_notes(&store, contact.id, 1).await.unwrap(),
        notes[..1]
    );

    // The CRM no longer has the contact: Vega's 404, said plainly.
    client.crm_delete_contact(85491).await.unwrap();
    match account
        .contact_notes(&store, contact.id, 10)
        .await
        .as_ref()
        .err()
        .and_then(ProviderError::pbx)
    {
        Some(VegaError::NotFound { what }) => {
            assert!(what.contains("85491"), "{what}")
        }
        other => panic!("expected NotFound, got {other:?}"),
    }
}

#[tokio::test]
async fn notes_need_a_contact_synced_from_the_crm_and_a_provider_with_one() {
    let sim = start().await;
    let store = Store::open_in_memory("UA").unwrap();
    let local = store
        .add_contact(&NewContact {
            name: "Локальний".into(),
            phones: vec![PhoneNumber::parse("+380501111111", "UA")],
            ..NewContact::default()
        })
        .unwrap();
    assert!(matches!(
        vega(&sim).contact_notes(&store, local, 10).await,
        Err(ProviderError::Unsupported { .. })
    ));
    let mut other = AccountConfig::new("telediscount", "x");
    other.base_url = Some("http://127.0.0.1:9".into());
    let other = Account::connect(&other, &Secret::new("k"), "RU").unwrap();
    assert!(matches!(
        other.contact_notes(&store, local, 10).await,
        Err(ProviderError::Unsupported { .. })
    ));
    assert_eq!(sim.crm().requests(), 0, "nothing was asked of Vega");
}

#[tokio::test]
async fn a_vega_recording_plays_after_a_session_renewal_and_a_missing_one_says_so() {
    let sim = start().await;
    sim.add_history(vec![finished("rec-1")]).unwrap();
    let account = vega(&sim);
    let link = format!("{}/rest/public/calls/rec-1/audio", sim.base_url());

    let recording = account
        .recording(&call("rec-1", Some(link.clone()), true))
        .await
        .unwrap();
    assert_eq!(recording.content_type, "audio/wav");
    assert_eq!(&recording.bytes[..4], b"RIFF");
    let logins = sim.stats().authorizations;

    // The session expires: the client logs in again once, and the recording still comes.
    sim.expire_sessions();
    let again = account.recording(&call("rec-1", None, true)).await.unwrap();
    assert_eq!(again, recording, "fetched by the call's uuid");
    assert_eq!(sim.stats().authorizations, logins + 1);
    assert_eq!(sim.stats().recordings_served, 2);

    match account
        .recording(&call("gone", None, true))
        .await
        .as_ref()
        .err()
        .and_then(ProviderError::pbx)
    {
        Some(VegaError::Http { status: 404, .. }) => {}
        other => panic!("expected Vega's 404, got {other:?}"),
    }
    assert!(matches!(
        account.recording(&call("missed", None, false)).await,
        Err(ProviderError::Unsupported { .. })
    ));
    // The session is never sent to another host.
    let foreign = "https://podium.betell.com.ua/rest/public/calls/rec-1/audio".to_owned();
    assert!(matches!(
        account
            .recording(&call("rec-1", Some(foreign), true))
            .await
            .as_ref()
            .err()
            .and_then(ProviderError::pbx),
        Some(VegaError::InvalidInput(_))
    ));
    assert_eq!(sim.stats().recordings_served, 2);
}

/// A file server for recording links: a small MP3, an untyped WAV, a 404, and one that never
/// answers.
async fn file_server() -> String {
    async fn mp3() -> Response {
        (
            [(header::CONTENT_TYPE, "audio/mpeg")],
            b"ID3\x04rest".to_vec(),
        )
            .into_response()
    }
    async fn untyped() -> Response {
        b"RIFF\x24\x00\x00\x00WAVE".to_vec().into_response()
    }
    async fn slow() -> Response {
        tokio::time::sleep(Duration::from_secs(30)).await;
        StatusCode::OK.into_response()
    }
    let app = Router::new()
        .route("/rec.mp3", get(mp3))
        .route("/rec", get(untyped))
        .route("/slow", get(slow));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}")
}

/// A server answering every request with a chunked body (no `Content-Length`) larger than the
/// cap: the cap must count what arrives.
async fn endless_server() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut request = [0u8; 1024];
                let _ = socket.read(&mut request).await;
                let head = "HTTP/1.1 200 OK\r\nContent-Type: audio/wav\r\nTransfer-Encoding: chunked\r\n\r\n";
                if socket.write_all(head.as_bytes()).await.is_err() {
                    return;
                }
                let chunk = vec![0u8; 1024 * 1024];
                for _ in 0..=MAX_RECORDING_BYTES / chunk.len() + 1 {
                    let framed = [
                        format!("{:x}\r\n", chunk.len()).into_bytes(),
                        chunk.clone(),
                        b"\r\n".to_vec(),
                    ]
                    .concat();
                    if socket.write_all(&framed).await.is_err() {
                        return;
                    }
                }
                let _ = socket.write_all(b"0\r\n\r\n").await;
            });
        }
    });
    format!("http://{addr}")
}

#[tokio::test]
async fn other_providers_fetch_the_history_link_plainly_with_a_cap_and_a_timeout() {
    let base = file_server().await;
    let mut config = AccountConfig::new("telediscount", "x");
    config.base_url = Some("http://127.0.0.1:9".into());
    config.timeout_ms = 1_000;
    let account = Account::connect(&config, &Secret::new("k"), "RU").unwrap();
    let with = |link: &str| {
        let mut record = call("c", Some(link.to_owned()), true);
        record.provider = "telediscount".into();
        record
    };

    let mp3 = account
        .recording(&with(&format!("{base}/rec.mp3")))
        .await
        .unwrap();
    assert_eq!(mp3.content_type, "audio/mpeg");
    assert_eq!(mp3.bytes, b"ID3\x04rest");
    let wav = account
        .recording(&with(&format!("{base}/rec")))
        .await
        .unwrap();
    assert_eq!(wav.content_type, "audio/wav", "guessed from the bytes");

    match account
        .recording(&with(&format!("{base}/nope?key=secret")))
        .await
    {
        Err(ProviderError::Recording(RecordingError::Http { status: 404, link })) => {
            assert!(!link.contains("secret"), "{link}")
        }
        other => panic!("expected a 404, got {other:?}"),
    }
    let endless = endless_server().await;
    assert!(matches!(
        account
            .recording(&with(&format!("{endless}/rec.wav")))
            .await,
        Err(ProviderError::Recording(RecordingError::TooLarge { .. }))
    ));
    assert!(matches!(
        account.recording(&with(&format!("{base}/slow"))).await,
        Err(ProviderError::Recording(RecordingError::Timeout { .. }))
    ));
    assert!(matches!(
        account.recording(&with("not a link")).await,
        Err(ProviderError::Recording(RecordingError::BadLink(_)))
    ));
    assert!(matches!(
        account.recording(&call("c", None, true)).await,
        Err(ProviderError::Unsupported { .. })
    ));
}
