//! A CRM Teler contact as a directory [`NewContact`].
//!
//! vega.md B.9: "`enumCode` / `enumValueCode` are account-specific labels ... Phones and names
//! live in `fields`, not only in `firstName`/`lastName`." So the kind of a value is told by the
//! value itself: one that [`PhoneNumber::parse`] reads as an E.164 number is a phone, whatever
//! its field is called; one shaped like an e-mail is an e-mail. Only plain text needs the label:
//! Ukrainian, Russian and English hints tell a first name, a last name, a full name and a company
//! apart; `firstName`, `lastName` and `companyTitle` win when set. Other text (a category...) goes
//! to the contact's notes, labelled.

use callpop_core::{Employee, NewContact, PhoneNumber};

use super::wire::CrmContact;

/// Why a CRM contact was not put into the directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SkipReason {
    /// The contact has no id to key it by.
    NoId,
    /// No value of the contact reads as a phone number: the directory finds contacts by number.
    NoPhone,
}

impl std::fmt::Display for SkipReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            SkipReason::NoId => "the contact has no id",
            SkipReason::NoPhone => "no field holds a phone number",
        })
    }
}

/// What a text field holds, by its label.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextKind {
    /// A first name (`Ім'я`, `Имя`).
    FirstName,
    /// A patronymic (`По батькові`, `Отчество`).
    MiddleName,
    /// A last name (`Прізвище`, `Фамилия`).
    LastName,
    /// The whole name (`ПІБ`, `ФИО`).
    FullName,
    /// The company (`Компанія`, `Компания`).
    Company,
    /// Anything else (a category...).
    Other,
}

/// Label hints, lower case, compared as substrings of the folded label. Order matters: the
/// first kind whose hint matches wins (`назва компанії` is a company, not a name).
const HINTS: &[(TextKind, &[&str])] = &[
    (
        TextKind::Company,
        &[
            "компан",
            "організац",
            "организац",
            "фірм",
            "фирм",
            "company",
            "organi",
            "firm",
        ],
    ),
    (
        TextKind::MiddleName,
        &[
            "по батькові",
            "по-батькові",
            "отчеств",
            "middle",
            "patronym",
        ],
    ),
    (
        TextKind::LastName,
        &[
            "прізвищ",
            "фамили",
            "last name",
            "lastname",
            "surname",
            "family",
        ],
    ),
    (
        TextKind::FullName,
        &["піб", "фио", "full name", "fullname", "контакт", "contact"],
    ),
    (
        TextKind::FirstName,
        &[
            "ім'я",
            "імя",
            "ім’я",
            "имя",
            "first name",
            "firstname",
            "name",
        ],
    ),
];

/// What a text value holds, told by its field's and value's labels (`enumCode`,
/// `enumValueCode`): the first label a hint matches decides. Also the other direction's guide:
/// which of a contact's fields to write a name or a company into.
pub fn text_kind(labels: &[&str]) -> TextKind {
    for label in labels {
        let folded = label.trim().to_lowercase();
        if folded.is_empty() {
            continue;
        }
        for (kind, hints) in HINTS {
            if hints.iter().any(|hint| folded.contains(hint)) {
                return *kind;
            }
        }
    }
    TextKind::Other
}

/// The E.164 number `value` holds, if it is nothing but a phone number. A value must be made of
/// digits and phone punctuation only, so a code or a date in another field is not taken for one.
pub fn phone_in(value: &str, region: &str) -> Option<PhoneNumber> {
    let value = value.trim();
    let digits = value.chars().filter(char::is_ascii_digit).count();
    if digits < 7
        || !value
            .chars()
            .all(|c| c.is_ascii_digit() || " +-().\u{a0}".contains(c))
    {
        return None;
    }
    match PhoneNumber::parse(value, region) {
        number @ PhoneNumber::E164(_) => Some(number),
        _ => None,
    }
}

/// True when `value` is shaped like an e-mail address.
pub fn is_email(value: &str) -> bool {
    let value = value.trim();
    let Some((local, domain)) = value.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !value.contains(char::is_whitespace)
}

/// The link to the contact's card in Vega, as B.3's `otherLegs[].url` example shows it.
pub fn contact_url(base_url: &str, id: i64) -> String {
    format!(
        "{}/features/crm/contacts/edit.jsp#/?id={id}",
        base_url.trim().trim_end_matches('/')
    )
}

/// `contact` as a directory contact: numbers parsed with `region`, the responsible employee's
/// name from `employees` (matched by B.8 `id`), the link into Vega at `base_url`.
pub fn to_new_contact(
    contact: &CrmContact,
    base_url: &str,
    region: &str,
    employees: &[Employee],
) -> Result<NewContact, SkipReason> {
    let id = contact.id.ok_or(SkipReason::NoId)?;
    let mut phones: Vec<PhoneNumber> = Vec::new();
    let mut emails: Vec<String> = Vec::new();
    let (mut first, mut middle, mut last, mut full, mut company) =
        (None, None, None, None, None::<String>);
    let mut other: Vec<String> = Vec::new();
    for field in &contact.fields {
        for value in &field.values {
            let Some(text) = value
                .value
                .as_deref()
                .map(str::trim)
                .filter(|t| !t.is_empty())
            else {
                continue;
            };
            if let Some(number) = phone_in(text, region) {
                if !phones.contains(&number) {
                    phones.push(number);
                }
                continue;
            }
            if is_email(text) {
                emails.push(text.to_owned());
                continue;
            }
            let labels = [
                field.enum_code.as_deref().unwrap_or(""),
                value.enum_value_code.as_deref().unwrap_or(""),
            ];
            let slot = match text_kind(&labels) {
                TextKind::FirstName => &mut first,
                TextKind::MiddleName => &mut middle,
                TextKind::LastName => &mut last,
                TextKind::FullName => &mut full,
                TextKind::Company => &mut company,
                TextKind::Other => {
                    let label = labels.iter().find(|l| !l.trim().is_empty());
                    other.push(match label {
                        Some(label) => format!("{}: {text}", label.trim()),
                        None => text.to_owned(),
                    });
                    continue;
                }
            };
            if slot.is_none() {
                *slot = Some(text.to_owned());
            }
        }
    }
    if phones.is_empty() {
        return Err(SkipReason::NoPhone);
    }
    let set = |value: &Option<String>| {
        value
            .as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    };
    // The contact's own columns win over what the fields suggest.
    let first = set(&contact.first_name).or(first);
    let last = set(&contact.last_name).or(last);
    let company = set(&contact.company_title).or(company);
    let parts: Vec<String> = [first, middle, last].into_iter().flatten().collect();
    let name = if !parts.is_empty() {
        parts.join(" ")
    } else if let Some(full) = full {
        full
    } else if let Some(company) = &company {
        company.clone()
    } else if let Some(email) = emails.first() {
        email.clone()
    } else {
        phones[0].display()
    };
    let mut notes = Vec::new();
    if !emails.is_empty() {
        notes.push(format!("Email: {}", emails.join(", ")));
    }
    notes.extend(other);
    let responsible = contact.responsible_user_id.and_then(|user| {
        let user = user.to_string();
        employees
            .iter()
            .find(|e| e.id == user)
            .map(|e| e.name.clone())
    });
    Ok(NewContact {
        name,
        company,
        responsible,
        url: Some(contact_url(base_url, id)),
        notes: (!notes.is_empty()).then(|| notes.join("; ")),
        phones,
    })
}

#[cfg(test)]
mod tests {
    use super::super::wire::{CrmField, CrmFieldValue};
    use super::*;

    fn field(code: &str, value_code: &str, value: &str) -> CrmField {
        CrmField {
            id: Some(1),
            enum_code: Some(code.into()),
            values: vec![CrmFieldValue {
                id: Some(2),
                enum_value_code: Some(value_code.into()),
                last_modified: None,
                value: Some(value.into()),
            }],
        }
    }

    fn contact(fields: Vec<CrmField>) -> CrmContact {
        CrmContact {
            id: Some(85491),
            responsible_user_id: Some(36),
            fields,
            ..CrmContact::default()
        }
    }

    fn staff() -> Vec<Employee> {
        vec![Employee {
            id: "36".into(),
            name: "Іван Іванов".into(),
            ext: Some("001".into()),
            email: None,
        }]
    }

    #[test]
    fn the_spec_list_example_maps_with_ukrainian_labels() {
        let crm = contact(vec![
            field("Ім'я", "Ім'я", "Олександр"),
            field("Email", "Email робочий", "product@online.com"),
            field("Телефон", "Робочий", "+380440000000"),
            field("Компанія", "Компанія", "Online company"),
            field("Категорія", "Категорія", "Потенційні клієнти"),
        ]);
        let mapped = to_new_contact(&crm, "https://self.pbx.vega.ua/", "UA", &staff()).unwrap();
        assert_eq!(mapped.name, "Олександр");
        assert_eq!(mapped.company.as_deref(), Some("Online company"));
        assert_eq!(mapped.responsible.as_deref(), Some("Іван Іванов"));
        assert_eq!(
            mapped.url.as_deref(),
            Some("https://self.pbx.vega.ua/features/crm/contacts/edit.jsp#/?id=85491")
        );
        assert_eq!(mapped.phones, [PhoneNumber::E164("+380440000000".into())]);
        assert_eq!(
            mapped.notes.as_deref(),
            Some("Email: product@online.com; Категорія: Потенційні клієнти")
        );
    }

    #[test]
    fn russian_labels_and_a_phone_under_an_odd_label_are_understood() {
        let crm = contact(vec![
            field("Фамилия", "Фамилия", "Петров"),
            field("Имя", "Имя", "Иван"),
            field("Компания", "Компания", "Рога и копыта"),
            field("Разное", "Примечание", "8 (910) 123-45-67"),
        ]);
        let mapped = to_new_contact(&crm, "https://x", "RU", &[]).unwrap();
        assert_eq!(mapped.name, "Иван Петров");
        assert_eq!(mapped.company.as_deref(), Some("Рога и копыта"));
        assert_eq!(mapped.phones, [PhoneNumber::E164("+79101234567".into())]);
        assert_eq!(mapped.responsible, None, "no employee list, no name");
    }

    #[test]
    fn the_contacts_own_columns_win_and_a_company_alone_names_the_contact() {
        let mut crm = contact(vec![
            field("Ім'я", "Ім'я", "Олександр"),
            field("Телефон", "Мобільний", "067 123 45 67"),
        ]);
        crm.first_name = Some("Сашко".into());
        crm.company_title = Some("Vega".into());
        let mapped = to_new_contact(&crm, "https://x", "UA", &[]).unwrap();
        assert_eq!(mapped.name, "Сашко");
        assert_eq!(mapped.company.as_deref(), Some("Vega"));
        assert_eq!(mapped.phones[0].key(), "+380671234567");

        let crm = contact(vec![
            field("Компанія", "Компанія", "Vega"),
            field("Телефон", "Робочий", "+380442249895"),
        ]);
        assert_eq!(
            to_new_contact(&crm, "https://x", "UA", &[]).unwrap().name,
            "Vega"
        );
    }

    #[test]
    fn codes_and_dates_are_not_taken_for_phones_and_a_contact_without_one_is_skipped() {
        let crm = contact(vec![
            field("Ім'я", "Ім'я", "Олена"),
            field("Категорія", "Категорія", "EMPL"),
            field("Код", "Код", "12345"),
            field("Дата", "Дата", "2024-05-01"),
        ]);
        assert_eq!(
            to_new_contact(&crm, "https://x", "UA", &[]),
            Err(SkipReason::NoPhone)
        );
        let no_id = CrmContact {
            id: None,
            ..contact(vec![field("Телефон", "Робочий", "+380440000000")])
        };
        assert_eq!(
            to_new_contact(&no_id, "https://x", "UA", &[]),
            Err(SkipReason::NoId)
        );
    }

    #[test]
    fn e_mails_are_told_by_their_shape() {
        assert!(is_email("product@online.com"));
        for not in [
            "product@online",
            "a b@c.d",
            "@c.d",
            "x@@c.d",
            "Vega",
            "x@.com",
        ] {
            assert!(!is_email(not), "{not}");
        }
    }
}
