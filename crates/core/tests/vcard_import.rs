//! vCard import: each kind of card real address books export, broken cards reported with their
//! line, and no input ever makes the parser panic.

use callpop_core::csv_import::SkippedRow;
use callpop_core::{parse_vcards, PhoneNumber, Store};
use proptest::prelude::*;

fn ru(s: &str) -> PhoneNumber {
    PhoneNumber::parse(s, "RU")
}

fn parse(text: &str) -> callpop_core::ParsedContacts {
    parse_vcards(text.as_bytes(), "RU").expect("a vCard file")
}

fn skipped(rows: &[SkippedRow]) -> Vec<String> {
    rows.iter().map(ToString::to_string).collect()
}

#[test]
fn version_3_with_typed_numbers_escaped_commas_and_semicolons() {
    let parsed = parse(
        "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Петров;Иван;Сергеевич;;\r\nFN:Иван Петров\r\n\
         ORG:ООО \"Ромашка\\, и партнёры\"\\;филиал;Продажи\r\n\
         TEL;TYPE=WORK,VOICE:+7 495 777-66-55\r\nTEL;TYPE=CELL,PREF:8 (910) 123-45-67\r\n\
         NOTE:звонить после 10\\, не раньше\\nпо будням\r\nEND:VCARD\r\n",
    );
    assert!(parsed.skipped.is_empty(), "{:?}", parsed.skipped);
    let [c] = parsed.contacts.as_slice() else {
        panic!("{parsed:?}")
    };
    assert_eq!(c.name, "Иван Петров");
    assert_eq!(
        c.company.as_deref(),
        Some("ООО \"Ромашка, и партнёры\";филиал, Продажи")
    );
    assert_eq!(
        c.notes.as_deref(),
        Some("звонить после 10, не раньше\nпо будням")
    );
    // The preferred number first, then the rest in card order.
    assert_eq!(c.phones, [ru("89101234567"), ru("+74957776655")]);
}

#[test]
fn version_4_with_tel_uris_and_pref_parameters() {
    let parsed = parse(
        "BEGIN:VCARD\nVERSION:4.0\nFN:John Smith\nORG:Acme\n\
         TEL;VALUE=uri;TYPE=\"voice,home\":tel:+44-20-7946-0958\n\
         TEL;VALUE=uri;PREF=1;TYPE=\"cell\":tel:+1-202-555-0143;ext=12\n\
         URL:https://crm.example.com/c/9\nEND:VCARD\n",
    );
    let [c] = parsed.contacts.as_slice() else {
        panic!("{parsed:?}")
    };
    assert_eq!(c.name, "John Smith");
    assert_eq!(c.url.as_deref(), Some("https://crm.example.com/c/9"));
    assert_eq!(
        c.phones,
        [
            PhoneNumber::E164("+12025550143".into()),
            PhoneNumber::E164("+442079460958".into())
        ]
    );
}

#[test]
fn version_2_1_quoted_printable_with_charsets_and_soft_breaks() {
    let parsed = parse(concat!(
        "BEGIN:VCARD\r\nVERSION:2.1\r\n",
        // UTF-8 octets, the way Android exports Cyrillic names, with a soft line break.
        "N;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:=D0=A1=D0=BC=D0=B8=D1=80=D0=BD=D0=BE=D0=B2;=D0=90=\r\n",
        "=D0=BB=D0=B5=D0=BA=D1=81=D0=B5=D0=B9;;;\r\n",
        "TEL;CELL;PREF:+79101234567\r\nTEL;HOME:84957776655\r\nEND:VCARD\r\n",
        "BEGIN:VCARD\r\nVERSION:2.1\r\n",
        // Windows-1251 octets, named by CHARSET; the bare 2.1 QUOTED-PRINTABLE token.
        "FN;CHARSET=WINDOWS-1251;QUOTED-PRINTABLE:=CE=EB=FC=E3=E0 =C8=E2=E0=ED=EE=E2=E0\r\n",
        "ORG;ENCODING=QUOTED-PRINTABLE:=D0=A2=D0=B5=D1=85=D0=BD=D0=BE\r\n",
        "TEL;WORK;VOICE:+7 (495) 111-22-33\r\nEND:VCARD\r\n",
        "BEGIN:VCARD\r\nVERSION:2.1\r\n",
        // No CHARSET and not UTF-8: Windows-1251, as old Russian phones wrote.
        "FN;ENCODING=QUOTED-PRINTABLE:=CF=B8=F2=F0\r\nTEL:+79160000001\r\nEND:VCARD\r\n",
    ));
    assert!(parsed.skipped.is_empty(), "{:?}", parsed.skipped);
    let names: Vec<&str> = parsed.contacts.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["Алексей Смирнов", "Ольга Иванова", "Пётр"]);
    assert_eq!(
        parsed.contacts[0].phones,
        [ru("+79101234567"), ru("+74957776655")]
    );
    assert_eq!(parsed.contacts[1].company.as_deref(), Some("Техно"));
}

#[test]
fn folded_lines_are_joined() {
    let parsed = parse(
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Анна Мария\r\n  Смирнова-Петрова\r\nORG:Очень длинное на\r\n\tзвание\r\n\
         TEL:+7 910\r\n 555 44 33\r\nEND:VCARD\r\n",
    );
    let [c] = parsed.contacts.as_slice() else {
        panic!("{parsed:?}")
    };
    assert_eq!(c.name, "Анна Мария Смирнова-Петрова");
    assert_eq!(c.company.as_deref(), Some("Очень длинное название"));
    assert_eq!(c.phones, [ru("+79105554433")]);
}

#[test]
fn a_windows_1251_file_and_lf_line_ends() {
    let text =
        "BEGIN:VCARD\nVERSION:3.0\nFN:Сергей Попов\nORG:ИП Попов\nTEL:8 912 000 11 22\nEND:VCARD\n";
    let (bytes, _, _) = encoding_rs::WINDOWS_1251.encode(text);
    let parsed = parse_vcards(&bytes, "RU").unwrap();
    let [c] = parsed.contacts.as_slice() else {
        panic!("{parsed:?}")
    };
    assert_eq!(c.name, "Сергей Попов");
    assert_eq!(c.company.as_deref(), Some("ИП Попов"));
}

#[test]
fn the_name_falls_back_to_n_then_org() {
    let parsed = parse(
        "\u{feff}BEGIN:VCARD\nVERSION:3.0\nN:Горбунков;Семён;;;\nTEL:0442246595\nEND:VCARD\n\
         BEGIN:VCARD\nVERSION:3.0\nORG:ТехноСтрой\nTEL:101\nEND:VCARD\n",
    );
    let names: Vec<&str> = parsed.contacts.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["Семён Горбунков", "ТехноСтрой"]);
    assert_eq!(parsed.contacts[1].company.as_deref(), Some("ТехноСтрой"));
}

#[test]
fn broken_cards_are_reported_with_their_line_and_the_rest_imported() {
    let text = "BEGIN:VCARD\nVERSION:3.0\nFN:Good One\nTEL:+79100000001\nEND:VCARD\n\
                BEGIN:VCARD\nVERSION:3.0\nFN:No Number\nEMAIL:a@b.c\nEND:VCARD\n\
                BEGIN:VCARD\nVERSION:3.0\nTEL:+79100000002\nEND:VCARD\n\
                garbage between cards\n\
                BEGIN:VCARD\nVERSION:3.0\nFN:Bad Number\nTEL:call me maybe\nEND:VCARD\n\
                BEGIN:VCARD\nVERSION:3.0\nFN:Never Closed\nTEL:+79100000003\n\
                BEGIN:VCARD\nVERSION:3.0\nFN:Good Two\nTEL:+79100000004\nEND:VCARD\n\
                BEGIN:VCARD\nFN:Cut Off\n";
    let parsed = parse(text);
    let names: Vec<&str> = parsed.contacts.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["Good One", "Good Two"]);
    assert_eq!(
        skipped(&parsed.skipped),
        [
            "line 6: No Number: no phone number (TEL)",
            "line 11: no name: the card has no FN, N or ORG",
            "line 15: not part of a card (expected BEGIN:VCARD): \"garbage between cards\"",
            "line 16: Bad Number: no valid phone number in \"call me maybe\"",
            "line 21: the card has no END:VCARD (a new card starts on line 25)",
            "line 30: the card has no END:VCARD: the file ends inside it",
        ]
    );
}

#[test]
fn a_file_without_cards_is_an_error_that_says_what_was_expected() {
    for text in ["", "name;phone\nИван;+79101234567\n"] {
        let error = parse_vcards(text.as_bytes(), "RU").unwrap_err().to_string();
        assert!(error.contains("BEGIN:VCARD"), "{error}");
    }
}

#[test]
fn import_vcard_stores_the_good_cards_in_the_directory() {
    let store = Store::open_in_memory("RU").unwrap();
    let report = store
        .import_vcard(
            b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ivan\r\nTEL:+79101234567\r\nEND:VCARD\r\n\
              BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Nobody\r\nEND:VCARD\r\n",
        )
        .unwrap();
    assert_eq!(report.imported, 1);
    assert_eq!(
        skipped(&report.skipped),
        ["line 6: Nobody: no phone number (TEL)"]
    );
    let found = store.lookup(&ru("8 910 123 45 67")).unwrap().unwrap();
    assert_eq!(found.name, "Ivan");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn never_panics_on_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let _ = parse_vcards(&bytes, "RU");
    }

    #[test]
    fn never_panics_on_card_like_text(
        lines in proptest::collection::vec(
            prop_oneof![
                Just("BEGIN:VCARD".to_owned()),
                Just("END:VCARD".to_owned()),
                Just("VERSION:2.1".to_owned()),
                Just("AGENT:".to_owned()),
                Just(" ".to_owned()),
                Just("=".to_owned()),
                "(FN|N|ORG|TEL|NOTE)(;[A-Z=\",-]{0,12}){0,3}:[ -~а-я=;,\\\\]{0,20}",
                "(;|:|=|\\\\|\"|\t| |[A-Z]){0,10}",
            ],
            0..30,
        ),
        crlf in any::<bool>(),
    ) {
        let text = lines.join(if crlf { "\r\n" } else { "\n" });
        if let Ok(parsed) = parse_vcards(text.as_bytes(), "RU") {
            let line_count = text.split('\n').count() as u64;
            for row in &parsed.skipped {
                prop_assert!(row.line >= 1 && row.line <= line_count, "{row}");
            }
        }
    }
}
