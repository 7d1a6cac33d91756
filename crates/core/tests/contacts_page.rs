//! The contact list's pages (`Store::search_page`) and the app's import (`Store::import_contacts`).

use callpop_core::{NewContact, PhoneNumber, Store};

fn ru(s: &str) -> PhoneNumber {
    PhoneNumber::parse(s, "RU")
}

fn contact(name: &str, company: Option<&str>, phones: &[&str]) -> NewContact {
    NewContact {
        name: name.into(),
        company: company.map(Into::into),
        phones: phones.iter().map(|p| ru(p)).collect(),
        ..NewContact::default()
    }
}

fn names(page: &callpop_core::SearchPage) -> Vec<&str> {
    page.contacts.iter().map(|c| c.name.as_str()).collect()
}

/// `n` contacts `Контакт 000000`..., company `Компания i % 100`, number `+7910` + i.
fn directory(n: usize) -> Store {
    let store = Store::open_in_memory("RU").unwrap();
    let contacts: Vec<NewContact> = (0..n)
        .map(|i| NewContact {
            name: format!("Контакт {i:06}"),
            company: Some(format!("Компания {}", i % 100)),
            phones: vec![PhoneNumber::E164(format!("+7910{i:07}"))],
            ..NewContact::default()
        })
        .collect();
    let counts = store.import_contacts(&contacts, |_, _| {}).unwrap();
    assert_eq!(counts.added, n);
    store
}

#[test]
fn pages_of_the_whole_directory_follow_the_alphabet_and_count_everything() {
    let store = Store::open_in_memory("RU").unwrap();
    for c in [
        contact("Иван Петров", Some("ООО Ромашка"), &["+7 910 123-45-67"]),
        contact("Анна Смирнова", Some("ТехноСтрой"), &["8 495 777 66 55"]),
        contact("Семён Горбунков", None, &["0442246595"]),
        contact("John Smith", Some("Acme"), &["+44 20 7946 0958"]),
        contact("борис", Some("иванов и партнёры"), &["8 800 555 35 35"]),
    ] {
        store.add_contact(&c).unwrap();
    }
    let first = store.search_page("", 0, 2).unwrap();
    assert_eq!(first.total, 5);
    assert_eq!(names(&first), ["John Smith", "Анна Смирнова"]);
    let second = store.search_page("", 2, 2).unwrap();
    assert_eq!(names(&second), ["борис", "Иван Петров"]);
    let last = store.search_page("", 4, 2).unwrap();
    assert_eq!(names(&last), ["Семён Горбунков"]);
    let past = store.search_page("", 10, 2).unwrap();
    assert_eq!((past.total, past.contacts.len()), (5, 0));
    assert_eq!(store.search_page("", 0, 0).unwrap().total, 5);

    // By name, by company, by the number's digits however written.
    let by_name = store.search_page("иван", 0, 10).unwrap();
    assert_eq!(
        (by_name.total, names(&by_name)),
        (2, vec!["борис", "Иван Петров"])
    );
    let by_company = store.search_page("ТЕХНО", 0, 10).unwrap();
    assert_eq!(names(&by_company), ["Анна Смирнова"]);
    let by_number = store.search_page("8 (910) 12", 0, 10).unwrap();
    assert_eq!(
        (by_number.total, names(&by_number)),
        (1, vec!["Иван Петров"])
    );
    let nothing = store.search_page("нет такого", 0, 10).unwrap();
    assert_eq!((nothing.total, nothing.contacts.len()), (0, 0));
    // Past the end of a search: no rows, the count still right.
    let past = store.search_page("иван", 5, 10).unwrap();
    assert_eq!((past.total, past.contacts.len()), (2, 0));
    let past = store.search_page("+7", 5, 10).unwrap();
    assert_eq!((past.total, past.contacts.len()), (3, 0));
}

#[test]
fn a_hundred_thousand_contacts_page_by_offset_to_the_very_last() {
    let store = directory(100_000);
    let whole = store.search_page("", 99_990, 50).unwrap();
    assert_eq!(whole.total, 100_000);
    assert_eq!(whole.contacts.len(), 10);
    assert_eq!(whole.contacts.last().unwrap().name, "Контакт 099999");
    assert_eq!(whole.contacts[0].name, "Контакт 099990");

    let company = store.search_page("компания 7", 0, 20).unwrap();
    // "Компания 7" and "Компания 70".."79": 11 companies of 1000 contacts each.
    assert_eq!(company.total, 11_000);
    assert_eq!(names(&company)[0], "Контакт 000007");
    let tail = store.search_page("компания 7", 10_990, 20).unwrap();
    assert_eq!(names(&tail).last(), Some(&"Контакт 099979"));
    assert_eq!(tail.contacts.len(), 10);

    let number = store.search_page("8 910 000 12", 0, 500).unwrap();
    assert_eq!(number.total, 100);
    assert_eq!(number.contacts[0].name, "Контакт 001200");
    assert_eq!(number.contacts[99].name, "Контакт 001299");
    let one = store.search_page("+7 910 0054321", 0, 5).unwrap();
    assert_eq!((one.total, names(&one)), (1, vec!["Контакт 054321"]));
    let every = store.search_page("7", 99_999, 5).unwrap();
    assert_eq!(
        (every.total, names(&every)),
        (100_000, vec!["Контакт 099999"])
    );
}

#[test]
fn importing_again_updates_in_place_and_reports_progress() {
    let store = Store::open_in_memory("RU").unwrap();
    let mut file: Vec<NewContact> = (0..1_200)
        .map(|i| contact(&format!("Клиент {i}"), None, &[&format!("+7916{i:07}")]))
        .collect();
    let mut seen = Vec::new();
    let counts = store
        .import_contacts(&file, |done, total| seen.push((done, total)))
        .unwrap();
    assert_eq!(
        (counts.added, counts.updated, counts.unchanged),
        (1_200, 0, 0)
    );
    assert_eq!(
        seen,
        [(0, 1_200), (500, 1_200), (1_000, 1_200), (1_200, 1_200)]
    );

    // The same file again, one contact with a new company and a second number, and one new.
    file[3].company = Some("Новая компания".into());
    file[3].phones.push(ru("+74950000003"));
    file[3].name = "КЛИЕНТ 3".into();
    file.push(contact("Новый", None, &["+79160009999"]));
    let counts = store.import_contacts(&file, |_, _| {}).unwrap();
    assert_eq!(
        (counts.added, counts.updated, counts.unchanged),
        (1, 1, 1_199)
    );
    assert_eq!(store.contact_count().unwrap(), 1_201);
    let updated = store.lookup(&ru("+74950000003")).unwrap().unwrap();
    assert_eq!(updated.name, "КЛИЕНТ 3");
    assert_eq!(updated.company.as_deref(), Some("Новая компания"));
    assert_eq!(updated.phones, [ru("+79160000003"), ru("+74950000003")]);
    // A namesake with another number is another person.
    let counts = store
        .import_contacts(&[contact("Клиент 5", None, &["+79990000000"])], |_, _| {})
        .unwrap();
    assert_eq!(counts.added, 1);
}
