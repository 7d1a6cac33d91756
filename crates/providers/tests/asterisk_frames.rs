//! The AMI wire codec and account address parsing.

use callpop_providers::asterisk::connection::parse_address;
use callpop_providers::asterisk::frame::{parse_transcript, AmiDecoder, AmiMessage, FrameError};
use callpop_providers::asterisk::AsteriskError;
use proptest::prelude::*;

fn fixture(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/tests/fixtures/asterisk/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn the_banner_comes_first_then_messages_end_at_a_blank_line() {
    let mut decoder = AmiDecoder::new();
    decoder
        .push(b"Asterisk Call Manager/9.0.0\r\nResponse: Success\r\nActionID: 1\r\nMessage: Authentication accepted\r\n\r\n")
        .unwrap();
    assert_eq!(decoder.banner(), Some("Asterisk Call Manager/9.0.0"));
    let message = decoder.next_message().unwrap();
    assert_eq!(message.response(), Some("Success"));
    assert_eq!(message.action_id(), Some("1"));
    assert_eq!(
        message.get("message"),
        Some("Authentication accepted"),
        "keys ignore case"
    );
    assert_eq!(decoder.next_message(), None);
}

#[test]
fn repeated_keys_are_all_kept_in_order() {
    let messages =
        parse_transcript(b"Event: VarSet\r\nVariable: A\r\nVariable: B\r\nValue: x: y\r\n\r\n")
            .unwrap();
    assert_eq!(messages.len(), 1);
    assert_eq!(
        messages[0].get_all("Variable").collect::<Vec<_>>(),
        ["A", "B"]
    );
    assert_eq!(messages[0].get("Variable"), Some("A"));
    assert_eq!(
        messages[0].get("Value"),
        Some("x: y"),
        "only the first colon splits"
    );
}

#[test]
fn a_message_split_anywhere_decodes_the_same() {
    let bytes = fixture("inbound_answered.ami");
    let whole = parse_transcript(&bytes).unwrap();
    for chunk in [1, 2, 7, 100, 4096] {
        let mut decoder = AmiDecoder::without_banner();
        let mut pieces = Vec::new();
        for part in bytes.chunks(chunk) {
            decoder.push(part).unwrap();
            pieces.extend(std::iter::from_fn(|| decoder.next_message()));
        }
        assert_eq!(pieces, whole, "chunks of {chunk} bytes");
    }
}

#[test]
fn a_recorded_transcript_holds_unknown_events_and_lf_only_lines_work_too() {
    let messages = parse_transcript(&fixture("dnd_busy.ami")).unwrap();
    assert!(messages.iter().any(|m| m.event() == Some("TestEvent")));
    assert!(messages
        .iter()
        .any(|m| m.event() == Some("PresenceStateChange")));
    let lf = parse_transcript(b"Event: Hangup\nCause: 16\n\n").unwrap();
    assert_eq!(lf[0].get("Cause"), Some("16"));
}

#[test]
fn an_endless_line_is_an_error_not_a_memory_leak() {
    let mut decoder = AmiDecoder::without_banner();
    let error = decoder.push(&vec![b'x'; 70 * 1024]).unwrap_err();
    assert_eq!(error, FrameError::LineTooLong);
}

#[test]
fn an_action_encodes_as_crlf_lines_and_refuses_line_breaks_in_values() {
    let action = AmiMessage::new([("Action", "Ping"), ("ActionID", "7")]);
    assert_eq!(
        action.encode().unwrap(),
        b"Action: Ping\r\nActionID: 7\r\n\r\n"
    );
    let injected = AmiMessage::new([("Action", "Originate"), ("Exten", "100\r\nAction: Logoff")]);
    assert_eq!(
        injected.encode().unwrap_err(),
        FrameError::LineBreakInField("Exten".into())
    );
}

#[test]
fn account_addresses_become_host_and_port() {
    let ok = |text: &str| parse_address(text).unwrap();
    assert_eq!(ok("tcp://127.0.0.1:5038"), ("127.0.0.1".into(), 5038));
    assert_eq!(
        ok("ami://pbx.example.com:15038/"),
        ("pbx.example.com".into(), 15038)
    );
    assert_eq!(ok("pbx.example.com"), ("pbx.example.com".into(), 5038));
    assert_eq!(ok("[::1]:5038"), ("::1".into(), 5038));
    for bad in [
        "http://pbx:5038",
        "tcp://pbx:port",
        "tcp://",
        ":5038",
        "tcp://u@pbx:5038",
    ] {
        assert!(
            matches!(parse_address(bad), Err(AsteriskError::BadAddress(_))),
            "{bad}"
        );
    }
}

proptest! {
    #[test]
    fn no_input_makes_the_decoder_panic(
        chunks in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..300), 0..20),
        banner in any::<bool>(),
    ) {
        let mut decoder = if banner { AmiDecoder::new() } else { AmiDecoder::without_banner() };
        for chunk in &chunks {
            let _ = decoder.push(chunk);
            while decoder.next_message().is_some() {}
        }
    }

    #[test]
    fn encoded_actions_decode_to_the_same_fields(
        fields in proptest::collection::vec(("[A-Za-z][A-Za-z0-9]{0,12}", "[ -~]{0,40}"), 1..10),
    ) {
        let fields: Vec<(String, String)> = fields
            .into_iter()
            .map(|(k, v)| (k, v.trim().to_owned()))
            .collect();
        let message = AmiMessage::new(fields.clone());
        let decoded = parse_transcript(&message.encode().unwrap()).unwrap();
        prop_assert_eq!(decoded.len(), 1);
        prop_assert_eq!(decoded[0].fields(), &fields[..]);
    }
}
