//! A [`CrmDraft`] written into a CRM Teler contact (vega.md B.9): the other direction of
//! `vega::crm::mapping`, and the draft a contact is edited as.
//!
//! vega.md B.9: field labels are the account's own ("`enumCode` / `enumValueCode` are
//! account-specific labels"), so an existing contact is edited where its values already live,
//! found by the value's kind as the sync finds them: a phone is any value that reads as a phone
//! number, an e-mail any value shaped like one, a name or a company a text value whose labels say
//! so ([`text_kind`]). Fields the draft does not cover (a category...) are left as they are. A
//! value the contact lacks gets a new field labelled as the account labels it ([`FieldLabels`]).

use callpop_core::PhoneNumber;

use crate::crm_edit::CrmDraft;
use crate::vega::crm::mapping::{is_email, phone_in, text_kind, TextKind};
use crate::vega::crm::{to_new_contact, CrmContact, CrmField, CrmFieldValue};

/// A draft checked: a name, at least one number, a well-formed e-mail, a numeric responsible id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CheckedDraft {
    pub name: String,
    pub company: Option<String>,
    pub phones: Vec<PhoneNumber>,
    pub email: Option<String>,
    pub responsible: Option<i64>,
}

/// Checks `draft`; the error says what to fix, in the form's words.
pub(crate) fn check(draft: &CrmDraft, region: &str) -> Result<CheckedDraft, String> {
    let text = |value: &Option<String>| {
        value
            .as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    };
    let name = draft.name.split_whitespace().collect::<Vec<_>>().join(" ");
    if name.is_empty() {
        return Err("the contact needs a name".to_owned());
    }
    let mut phones: Vec<PhoneNumber> = Vec::new();
    for raw in draft
        .phones
        .iter()
        .map(|p| p.trim())
        .filter(|p| !p.is_empty())
    {
        let number = phone_in(raw, region).ok_or_else(|| {
            format!("{raw:?} is not a phone number: write it with the country code, e.g. +380 44 000 00 00")
        })?;
        if !phones.contains(&number) {
            phones.push(number);
        }
    }
    if phones.is_empty() {
        return Err(
            "the contact needs a phone number: the caller card finds contacts by number".to_owned(),
        );
    }
    let email = text(&draft.email);
    if let Some(email) = email.as_deref().filter(|e| !is_email(e)) {
        return Err(format!("{email:?} is not an e-mail address"));
    }
    let responsible = match text(&draft.responsible) {
        None => None,
        Some(id) => Some(
            id.parse::<i64>()
                .map_err(|_| format!("{id:?} is not an employee of this PBX"))?,
        ),
    };
    Ok(CheckedDraft {
        name,
        company: text(&draft.company),
        phones,
        email,
        responsible,
    })
}

/// A field's label and its value's label (`enumCode`, `enumValueCode`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Label {
    pub field: String,
    pub value: String,
}

impl Label {
    fn new(field: &str, value: &str) -> Label {
        Label {
            field: field.to_owned(),
            value: value.to_owned(),
        }
    }
}

/// The labels new values are written under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FieldLabels {
    pub name: Label,
    pub company: Label,
    pub phone: Label,
    pub email: Label,
}

impl FieldLabels {
    /// The labels vega.md B.9 shows (Ukrainian) for a Ukrainian account, their Russian
    /// counterparts for any other: used until the account's own are known.
    pub fn defaults(region: &str) -> FieldLabels {
        if region.eq_ignore_ascii_case("UA") {
            FieldLabels {
                name: Label::new("Ім'я", "Ім'я"),
                company: Label::new("Компанія", "Компанія"),
                phone: Label::new("Телефон", "Робочий"),
                email: Label::new("Email", "Email робочий"),
            }
        } else {
            FieldLabels {
                name: Label::new("Имя", "Имя"),
                company: Label::new("Компания", "Компания"),
                phone: Label::new("Телефон", "Рабочий"),
                email: Label::new("Email", "Рабочий"),
            }
        }
    }

    /// These labels, each replaced by the one `contact` uses for a value of that kind.
    pub fn learned_from(mut self, contact: &CrmContact, region: &str) -> FieldLabels {
        let (mut name, mut company, mut phone, mut email) = (None, None, None, None);
        for (field, value, kind) in values(contact, region) {
            let label = || {
                Label::new(
                    field.enum_code.as_deref().unwrap_or("").trim(),
                    value.enum_value_code.as_deref().unwrap_or("").trim(),
                )
            };
            let slot = match kind {
                Kind::Phone(_) => &mut phone,
                Kind::Email => &mut email,
                Kind::Text(TextKind::FirstName | TextKind::FullName) => &mut name,
                Kind::Text(TextKind::Company) => &mut company,
                Kind::Text(_) => continue,
            };
            if slot.is_none() && !label().field.is_empty() {
                *slot = Some(label());
            }
        }
        self.name = name.unwrap_or(self.name);
        self.company = company.unwrap_or(self.company);
        self.phone = phone.unwrap_or(self.phone);
        self.email = email.unwrap_or(self.email);
        self
    }
}

/// What a value holds, told as the sync tells it.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Kind {
    Phone(PhoneNumber),
    Email,
    Text(TextKind),
}

fn kind_of(field: &CrmField, value: &CrmFieldValue, region: &str) -> Option<Kind> {
    let text = value
        .value
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())?;
    Some(if let Some(number) = phone_in(text, region) {
        Kind::Phone(number)
    } else if is_email(text) {
        Kind::Email
    } else {
        Kind::Text(text_kind(&[
            field.enum_code.as_deref().unwrap_or(""),
            value.enum_value_code.as_deref().unwrap_or(""),
        ]))
    })
}

/// Every non-empty value of `contact` with its field and kind, in order.
fn values<'a>(
    contact: &'a CrmContact,
    region: &'a str,
) -> impl Iterator<Item = (&'a CrmField, &'a CrmFieldValue, Kind)> + 'a {
    contact.fields.iter().flat_map(move |field| {
        field
            .values
            .iter()
            .filter_map(move |value| kind_of(field, value, region).map(|kind| (field, value, kind)))
    })
}

fn non_empty(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

/// `contact` as the editor shows it; `fallback_name` when the contact's fields name nobody the
/// sync would read (it has no phone any more).
pub(crate) fn draft_of(
    contact: &CrmContact,
    base_url: &str,
    region: &str,
    fallback_name: &str,
) -> CrmDraft {
    let mapped = to_new_contact(contact, base_url, region, &[]).ok();
    let mut phones: Vec<PhoneNumber> = Vec::new();
    let mut email = None;
    for (_, value, kind) in values(contact, region) {
        match kind {
            Kind::Phone(number) if !phones.contains(&number) => phones.push(number),
            Kind::Email if email.is_none() => email = non_empty(&value.value).map(str::to_owned),
            _ => {}
        }
    }
    CrmDraft {
        name: mapped
            .as_ref()
            .map_or_else(|| fallback_name.to_owned(), |m| m.name.clone()),
        company: mapped.and_then(|m| m.company),
        phones: phones.iter().map(PhoneNumber::display).collect(),
        email,
        responsible: contact.responsible_user_id.map(|id| id.to_string()),
    }
}

/// A new contact saying what `draft` says, under `labels`.
pub(crate) fn new_contact(draft: &CheckedDraft, labels: &FieldLabels) -> CrmContact {
    let mut contact = CrmContact {
        responsible_user_id: draft.responsible,
        ..CrmContact::default()
    };
    let mut edits = Edits::default();
    edits.add(&labels.name, &draft.name);
    if let Some(company) = &draft.company {
        edits.add(&labels.company, company);
    }
    for number in &draft.phones {
        edits.add(&labels.phone, &number.key());
    }
    if let Some(email) = &draft.email {
        edits.add(&labels.email, email);
    }
    edits.apply(&mut contact);
    contact
}

/// Writes `draft` into `contact`: each value where the contact keeps that kind of value, new
/// ones under `labels`, the rest of the contact untouched. `name_before` is the name the
/// directory shows for it: when the draft's is the same, the name fields are left alone (a
/// contact named by its company keeps no name field).
pub(crate) fn apply(
    contact: &mut CrmContact,
    draft: &CheckedDraft,
    labels: &FieldLabels,
    region: &str,
    name_before: &str,
) {
    let mut phones = Vec::new();
    let mut emails = Vec::new();
    let mut texts: Vec<(TextKind, Position)> = Vec::new();
    for (fi, field) in contact.fields.iter().enumerate() {
        for (vi, value) in field.values.iter().enumerate() {
            match kind_of(field, value, region) {
                Some(Kind::Phone(number)) => phones.push(((fi, vi), number)),
                Some(Kind::Email) => emails.push((fi, vi)),
                Some(Kind::Text(kind)) => texts.push((kind, (fi, vi))),
                None => {}
            }
        }
    }
    let first_of = |wanted: TextKind| {
        texts
            .iter()
            .find(|(kind, _)| *kind == wanted)
            .map(|(_, at)| *at)
    };
    let mut edits = Edits::default();

    for (i, number) in draft.phones.iter().enumerate() {
        match phones.get(i) {
            // The same number however written: left as the CRM has it.
            Some((_, old)) if old == number => {}
            Some((at, _)) => edits.set(*at, number.key()),
            None => match phones.first() {
                Some(((fi, vi), _)) => {
                    let field = &contact.fields[*fi];
                    let label = Label::new(
                        field.enum_code.as_deref().unwrap_or(""),
                        field.values[*vi].enum_value_code.as_deref().unwrap_or(""),
                    );
                    edits.add(&label, &number.key());
                }
                None => edits.add(&labels.phone, &number.key()),
            },
        }
    }
    for (at, _) in phones.iter().skip(draft.phones.len()) {
        edits.remove(*at);
    }

    edits.first(
        emails.first().copied(),
        draft.email.as_deref(),
        &labels.email,
    );

    // The contact's own column wins over its fields (as the sync reads it): kept in step.
    let titled = non_empty(&contact.company_title).is_some();
    if titled {
        contact.company_title = draft.company.clone();
    }
    match (first_of(TextKind::Company), &draft.company) {
        (Some(at), company) => edits.set_or_remove(at, company.clone()),
        (None, Some(company)) if !titled => edits.add(&labels.company, company),
        (None, _) => {}
    }

    if draft.name != name_before {
        write_name(contact, draft, labels, &mut edits, &first_of);
    }
    contact.responsible_user_id = draft.responsible;
    edits.apply(contact);
}

fn write_name(
    contact: &mut CrmContact,
    draft: &CheckedDraft,
    labels: &FieldLabels,
    edits: &mut Edits,
    first_of: &dyn Fn(TextKind) -> Option<Position>,
) {
    let (first, middle, last, full) = (
        first_of(TextKind::FirstName),
        first_of(TextKind::MiddleName),
        first_of(TextKind::LastName),
        first_of(TextKind::FullName),
    );
    let first_column = non_empty(&contact.first_name).is_some();
    let last_column = non_empty(&contact.last_name).is_some();
    if let Some(at) = full {
        edits.set(at, draft.name.clone());
    }
    if first.is_none() && last.is_none() && !first_column && !last_column {
        if full.is_none() {
            edits.add(&labels.name, &draft.name);
        }
        return;
    }
    let (given, middle_name, family) =
        split_name(&draft.name, last.is_some() || last_column, middle.is_some());
    if first_column {
        contact.first_name = Some(given.clone());
    }
    if last_column {
        contact.last_name = family.clone();
    }
    match first {
        Some(at) => edits.set(at, given),
        None if !first_column => edits.add(&labels.name, &given),
        None => {}
    }
    if let Some(at) = middle {
        edits.set_or_remove(at, middle_name);
    }
    if let Some(at) = last {
        edits.set_or_remove(at, family);
    }
}

/// "Given [middle] family": the last word is the family name when the contact keeps one, the
/// words between the first and the last the middle name when it keeps one; the sync joins them
/// back in that order.
fn split_name(
    name: &str,
    has_family: bool,
    has_middle: bool,
) -> (String, Option<String>, Option<String>) {
    let words: Vec<&str> = name.split_whitespace().collect();
    match words.split_last() {
        Some((family, rest)) if has_family && !rest.is_empty() => {
            if has_middle && rest.len() >= 2 {
                (
                    rest[0].to_owned(),
                    Some(rest[1..].join(" ")),
                    Some((*family).to_owned()),
                )
            } else {
                (rest.join(" "), None, Some((*family).to_owned()))
            }
        }
        _ => (words.join(" "), None, None),
    }
}

/// (field index, value index) in a contact's `fields`.
type Position = (usize, usize);

/// Changes to a contact's fields, applied at once so positions stay valid while they are found.
#[derive(Default)]
struct Edits {
    set: Vec<(Position, String)>,
    removed: Vec<Position>,
    added: Vec<(Label, String)>,
}

impl Edits {
    fn set(&mut self, at: Position, value: String) {
        self.set.push((at, value));
    }

    fn remove(&mut self, at: Position) {
        self.removed.push(at);
    }

    fn set_or_remove(&mut self, at: Position, value: Option<String>) {
        match value {
            Some(value) => self.set(at, value),
            None => self.remove(at),
        }
    }

    fn add(&mut self, label: &Label, value: &str) {
        self.added.push((label.clone(), value.to_owned()));
    }

    /// The first value of a kind (at `at`) becomes `value`, is removed, or is added.
    fn first(&mut self, at: Option<Position>, value: Option<&str>, label: &Label) {
        match (at, value) {
            (Some(at), value) => self.set_or_remove(at, value.map(str::to_owned)),
            (None, Some(value)) => self.add(label, value),
            (None, None) => {}
        }
    }

    fn apply(mut self, contact: &mut CrmContact) {
        for ((fi, vi), value) in self.set {
            if let Some(slot) = contact
                .fields
                .get_mut(fi)
                .and_then(|f| f.values.get_mut(vi))
            {
                if slot.value.as_deref() != Some(value.as_str()) {
                    slot.value = Some(value);
                    slot.last_modified = None;
                }
            }
        }
        // From the back, so earlier positions stay valid; a field left without values goes too.
        self.removed.sort_unstable();
        self.removed.dedup();
        let mut emptied = Vec::new();
        for (fi, vi) in self.removed.into_iter().rev() {
            if let Some(field) = contact.fields.get_mut(fi) {
                if vi < field.values.len() {
                    field.values.remove(vi);
                    if field.values.is_empty() {
                        emptied.push(fi);
                    }
                }
            }
        }
        emptied.sort_unstable();
        emptied.dedup();
        for fi in emptied.into_iter().rev() {
            contact.fields.remove(fi);
        }
        for (label, value) in self.added {
            let value = CrmFieldValue {
                enum_value_code: Some(label.value.clone()).filter(|v| !v.is_empty()),
                value: Some(value),
                ..CrmFieldValue::default()
            };
            match contact
                .fields
                .iter_mut()
                .find(|f| f.enum_code.as_deref() == Some(label.field.as_str()))
            {
                Some(field) => field.values.push(value),
                None => contact.fields.push(CrmField {
                    enum_code: Some(label.field.clone()),
                    values: vec![value],
                    ..CrmField::default()
                }),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(id: i64, code: &str, value_code: &str, value: &str) -> CrmField {
        CrmField {
            id: Some(id),
            enum_code: Some(code.into()),
            values: vec![CrmFieldValue {
                id: Some(id + 1),
                enum_value_code: Some(value_code.into()),
                last_modified: Some(1),
                value: Some(value.into()),
            }],
        }
    }

    fn draft(name: &str, company: Option<&str>, phones: &[&str], email: Option<&str>) -> CrmDraft {
        CrmDraft {
            name: name.into(),
            company: company.map(Into::into),
            phones: phones.iter().map(|p| (*p).to_owned()).collect(),
            email: email.map(Into::into),
            responsible: Some("41".into()),
        }
    }

    fn mapped(contact: &CrmContact, region: &str) -> callpop_core::NewContact {
        to_new_contact(contact, "https://x", region, &[]).unwrap()
    }

    #[test]
    fn a_draft_without_a_name_or_a_number_or_with_a_bad_one_says_what_to_fix() {
        let err = |d: CrmDraft| check(&d, "UA").unwrap_err();
        assert!(err(draft(" ", None, &["+380440000000"], None)).contains("name"));
        assert!(err(draft("A", None, &[" "], None)).contains("phone number"));
        assert!(err(draft("A", None, &["call me"], None)).contains("\"call me\" is not a phone"));
        assert!(err(draft("A", None, &["+380440000000"], Some("a@b"))).contains("e-mail"));
        let mut bad = draft("A", None, &["+380440000000"], None);
        bad.responsible = Some("Іван".into());
        assert!(err(bad).contains("employee"));
        let ok = check(
            &draft(
                " Анна  Бойко ",
                Some(" "),
                &["044 000 00 00", "+380440000000"],
                None,
            ),
            "UA",
        )
        .unwrap();
        assert_eq!(ok.name, "Анна Бойко");
        assert_eq!(ok.company, None);
        assert_eq!(ok.phones.len(), 1, "the same number twice is one");
    }

    #[test]
    fn a_new_contact_maps_back_to_the_draft_with_ukrainian_and_russian_labels() {
        for region in ["UA", "RU"] {
            let checked = check(
                &draft(
                    "Анна Бойко",
                    Some("Бойко і Ко"),
                    &["+380441112233", "+79101112233"],
                    Some("anna@boiko.ua"),
                ),
                region,
            )
            .unwrap();
            let contact = CrmContact {
                id: Some(1),
                ..new_contact(&checked, &FieldLabels::defaults(region))
            };
            let back = mapped(&contact, region);
            assert_eq!(back.name, "Анна Бойко");
            assert_eq!(back.company.as_deref(), Some("Бойко і Ко"));
            assert_eq!(back.phones, checked.phones);
            assert_eq!(back.notes.as_deref(), Some("Email: anna@boiko.ua"));
            assert_eq!(contact.responsible_user_id, Some(41));
        }
        let ru = new_contact(
            &check(&draft("Иван", None, &["+79101112233"], None), "RU").unwrap(),
            &FieldLabels::defaults("RU"),
        );
        assert_eq!(ru.fields[0].enum_code.as_deref(), Some("Имя"));
        assert_eq!(ru.fields[1].enum_code.as_deref(), Some("Телефон"));
        assert_eq!(
            ru.fields[1].values[0].enum_value_code.as_deref(),
            Some("Рабочий")
        );
    }

    #[test]
    fn labels_are_learned_from_the_accounts_own_contact() {
        let contact = CrmContact {
            fields: vec![
                field(1, "Фамилия", "Фамилия", "Петров"),
                field(3, "Имя клиента", "Имя", "Иван"),
                field(5, "Мобильный", "Личный", "8 (910) 123-45-67"),
                field(7, "Организация", "Организация", "Рога"),
            ],
            ..CrmContact::default()
        };
        let labels = FieldLabels::defaults("UA").learned_from(&contact, "RU");
        assert_eq!(labels.name, Label::new("Имя клиента", "Имя"));
        assert_eq!(labels.phone, Label::new("Мобильный", "Личный"));
        assert_eq!(labels.company, Label::new("Организация", "Организация"));
        assert_eq!(
            labels.email,
            Label::new("Email", "Email робочий"),
            "none learned: default"
        );
    }

    #[test]
    fn an_edit_lands_where_the_values_live_and_keeps_the_rest() {
        // The simulator's Russian contact: first and last name apart, a phone under "Мобильный".
        let mut contact = CrmContact {
            id: Some(85492),
            responsible_user_id: Some(41),
            fields: vec![
                field(1, "Имя", "Имя", "Иван"),
                field(3, "Фамилия", "Фамилия", "Петров"),
                field(5, "Телефон", "Мобильный", "8 (910) 123-45-67"),
                field(7, "Компания", "Компания", "Рога и копыта"),
                field(9, "Категория", "Категория", "VIP"),
            ],
            ..CrmContact::default()
        };
        let checked = check(
            &draft(
                "Иван Сидоров",
                Some("ООО Новая"),
                &["+79101234567", "+74951112233"],
                Some("ivan@new.ru"),
            ),
            "RU",
        )
        .unwrap();
        apply(
            &mut contact,
            &checked,
            &FieldLabels::defaults("RU"),
            "RU",
            "Иван Петров",
        );
        let back = mapped(&contact, "RU");
        assert_eq!(back.name, "Иван Сидоров");
        assert_eq!(back.company.as_deref(), Some("ООО Новая"));
        assert_eq!(back.phones, checked.phones);
        assert_eq!(
            back.notes.as_deref(),
            Some("Email: ivan@new.ru; Категория: VIP")
        );
        // The unchanged number is kept as written; the new one joins its field, same label.
        assert_eq!(
            contact.fields[2].values[0].value.as_deref(),
            Some("8 (910) 123-45-67")
        );
        assert_eq!(
            contact.fields[2].values[1].enum_value_code.as_deref(),
            Some("Мобильный")
        );
        assert_eq!(
            contact.fields[1].values[0].value.as_deref(),
            Some("Сидоров")
        );
        assert_eq!(contact.fields[1].id, Some(3), "ids kept");

        // Fewer numbers, no company, no e-mail: values removed, emptied fields gone.
        let checked = check(&draft("Иван Сидоров", None, &["+74951112233"], None), "RU").unwrap();
        apply(
            &mut contact,
            &checked,
            &FieldLabels::defaults("RU"),
            "RU",
            "Иван Сидоров",
        );
        let back = mapped(&contact, "RU");
        assert_eq!(back.phones, checked.phones);
        assert_eq!(back.company, None);
        assert_eq!(back.notes.as_deref(), Some("Категория: VIP"));
        assert!(contact.fields.iter().all(|f| !f.values.is_empty()));
    }

    #[test]
    fn a_contact_named_by_its_company_gets_a_name_field_only_when_renamed() {
        let seeded = CrmContact {
            id: Some(7068),
            fields: vec![
                field(1, "Компанія", "Компанія", "Vega"),
                field(3, "Телефон", "Робочий", "+380442249895"),
            ],
            ..CrmContact::default()
        };
        let labels = FieldLabels::defaults("UA").learned_from(&seeded, "UA");
        let mut same = seeded.clone();
        let unchanged = check(
            &draft("Vega", Some("Vega"), &["+380 44 224 9895"], None),
            "UA",
        )
        .unwrap();
        apply(&mut same, &unchanged, &labels, "UA", "Vega");
        assert_eq!(same.fields, seeded.fields);

        let mut renamed = seeded.clone();
        let checked = check(
            &draft("Олег Бондар", Some("Vega"), &["+380442249895"], None),
            "UA",
        )
        .unwrap();
        apply(&mut renamed, &checked, &labels, "UA", "Vega");
        assert_eq!(mapped(&renamed, "UA").name, "Олег Бондар");
        assert_eq!(renamed.fields[2].enum_code.as_deref(), Some("Ім'я"));
    }

    #[test]
    fn names_split_into_the_parts_the_contact_keeps() {
        assert_eq!(
            split_name("Анна Марія Бойко", true, false),
            ("Анна Марія".into(), None, Some("Бойко".into()))
        );
        assert_eq!(
            split_name("Іван Петрович Сидоренко", true, true),
            (
                "Іван".into(),
                Some("Петрович".into()),
                Some("Сидоренко".into())
            )
        );
        assert_eq!(
            split_name("Мадонна", true, true),
            ("Мадонна".into(), None, None)
        );
        assert_eq!(
            split_name("Анна Бойко", false, false),
            ("Анна Бойко".into(), None, None)
        );
    }
}
