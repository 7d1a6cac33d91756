//! Employees of the company as the PBX lists them: who "me" is, who answered, who is responsible.
//!
//! The directory's "responsible" column is free text written by people and by CRM syncs: mostly
//! a person's name (in either word order: a Russian CRM writes "Иванова Дарья", the PBX may
//! list "Дарья Иванова"), sometimes a PBX login, an extension or an e-mail. [`resolve_responsible`]
//! maps it to one employee, or says why it cannot: a PBX routes a client's call to the manager
//! the CRM names (vega.md A.1, cloud-pbx.md 4.3), so a guess between two namesakes would send
//! the call to the wrong person; naming nobody leaves the PBX's own routing in charge.

use std::collections::HashSet;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

/// One PBX user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Employee {
    /// The PBX's id of the user (the cloud PBX's login, Vega's user id).
    pub id: String,
    /// Readable name.
    pub name: String,
    /// Internal number.
    pub ext: Option<String>,
    /// E-mail.
    pub email: Option<String>,
}

/// Whom a "responsible" text names among the employees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Responsible<'a> {
    /// Exactly one employee.
    One(&'a Employee),
    /// Several employees fit equally well (two namesakes, a shared extension): naming any of
    /// them could route the call to the wrong manager.
    Ambiguous(usize),
    /// Nobody on the list (empty text, a former employee, a typo, a list not fetched yet).
    Nobody,
}

impl<'a> Responsible<'a> {
    /// The employee when exactly one fits.
    pub fn one(self) -> Option<&'a Employee> {
        match self {
            Responsible::One(employee) => Some(employee),
            Responsible::Ambiguous(_) | Responsible::Nobody => None,
        }
    }
}

impl Employee {
    /// True when `who` names this employee: by extension, e-mail, login ([`id`](Self::id)) or
    /// name. Case, extra spaces, the order of the name's words and ё/е do not matter.
    pub fn is_named_by(&self, who: &str) -> bool {
        let who = Who::new(who);
        !who.is_empty() && Way::ALL.iter().any(|way| who.names(self, *way))
    }
}

/// Whom `who` (the directory's "responsible") names among `employees`.
///
/// The ways are tried from the most to the least precise — extension, e-mail, login, name — and
/// the first way that fits anybody decides: one employee is the answer, several are
/// [`Responsible::Ambiguous`]. So "705" is the employee with extension 705 even if somebody's
/// login happened to be "705" too, and two "Дарья Иванова" are never guessed between.
pub fn resolve_responsible<'a>(employees: &'a [Employee], who: &str) -> Responsible<'a> {
    let who = Who::new(who);
    if who.is_empty() {
        return Responsible::Nobody;
    }
    for way in Way::ALL {
        let mut fitting = employees.iter().filter(|e| who.names(e, way));
        let Some(first) = fitting.next() else {
            continue;
        };
        // The same person listed twice (a PBX repeating an entry) is still one person.
        let others = fitting.filter(|e| *e != first).count();
        return match others {
            0 => Responsible::One(first),
            n => Responsible::Ambiguous(n + 1),
        };
    }
    Responsible::Nobody
}

/// The one employee `who` names, if exactly one (see [`resolve_responsible`]).
pub fn find_employee<'a>(employees: &'a [Employee], who: &str) -> Option<&'a Employee> {
    resolve_responsible(employees, who).one()
}

/// [`resolve_responsible`], with a warning in the log when `who` names nobody or several — once
/// per distinct text and outcome, not on every call: the PBX asks about the same client many
/// times a day, and one line is enough for someone to fix the directory or the PBX's list.
/// `context` says which look-up asked (e.g. `"call.settings"`).
pub fn resolve_responsible_logged<'a>(
    employees: &'a [Employee],
    who: &str,
    context: &str,
) -> Responsible<'a> {
    let resolved = resolve_responsible(employees, who);
    let outcome = match resolved {
        Responsible::One(_) => return resolved,
        Responsible::Ambiguous(_) => "ambiguous",
        // An empty column is not a problem to report.
        Responsible::Nobody if who.trim().is_empty() => return resolved,
        Responsible::Nobody => "unknown",
    };
    if first_warning(format!("{outcome}\n{}", Who::new(who).text)) {
        match resolved {
            Responsible::Ambiguous(count) => tracing::warn!(
                responsible = who,
                "{context}: the responsible {who:?} fits {count} employees; the answer names \
                 nobody (make the directory's text unique: an extension, login or e-mail)"
            ),
            _ => tracing::warn!(
                responsible = who,
                employees = employees.len(),
                "{context}: the responsible {who:?} is none of the PBX's employees; the answer \
                 names nobody"
            ),
        }
    }
    resolved
}

/// Texts already warned about, so each is logged once. Process-wide because the look-ups that
/// warn are plain functions called per request, with no state of their own to keep it in; it
/// only ever suppresses repeated log lines. Bounded: past [`WARNED_KEPT`] texts it starts over,
/// which at worst repeats a warning.
static WARNED: Mutex<Option<HashSet<String>>> = Mutex::new(None);
const WARNED_KEPT: usize = 1024;

fn first_warning(key: String) -> bool {
    let mut warned = WARNED.lock().unwrap_or_else(|p| p.into_inner());
    let warned = warned.get_or_insert_with(HashSet::new);
    if warned.len() >= WARNED_KEPT {
        warned.clear();
    }
    warned.insert(key)
}

/// How a text may name an employee, most precise first.
#[derive(Debug, Clone, Copy)]
enum Way {
    Extension,
    Email,
    Login,
    Name,
}

impl Way {
    const ALL: [Way; 4] = [Way::Extension, Way::Email, Way::Login, Way::Name];
}

/// A "responsible" text, folded once for comparing.
struct Who {
    /// Lower case, ё as е, words single-spaced.
    text: String,
    /// The same words, sorted: a name in any word order.
    words: Vec<String>,
}

impl Who {
    fn new(text: &str) -> Who {
        let text = fold(text);
        Who {
            words: sorted_words(&text),
            text,
        }
    }

    fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    fn names(&self, employee: &Employee, way: Way) -> bool {
        let same = |field: Option<&str>| field.is_some_and(|value| fold(value) == self.text);
        match way {
            Way::Extension => same(employee.ext.as_deref()),
            Way::Email => same(employee.email.as_deref()),
            Way::Login => same(Some(&employee.id)),
            Way::Name => sorted_words(&fold(&employee.name)) == self.words,
        }
    }
}

/// Lower case, ё/Ё as е (Russian writes either), whitespace runs as one space.
fn fold(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
        .replace('ё', "е")
}

fn sorted_words(folded: &str) -> Vec<String> {
    let mut words: Vec<String> = folded.split(' ').map(str::to_owned).collect();
    words.sort_unstable();
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    fn employee(id: &str, name: &str, ext: Option<&str>, email: Option<&str>) -> Employee {
        Employee {
            id: id.into(),
            name: name.into(),
            ext: ext.map(Into::into),
            email: email.map(Into::into),
        }
    }

    fn ivan() -> Employee {
        employee(
            "30",
            "Іван Іванов",
            Some("901"),
            Some("ivan.ivanov@pbx.vega.ua"),
        )
    }

    /// cloud-pbx.md 5.1's `accounts`, as the cloud PBX client turns them into employees (the
    /// two 708s included).
    fn cloud_staff() -> Vec<Employee> {
        vec![
            employee("test", "Тестовый пользователь", Some("701"), None),
            employee("daria", "Иванова Дарья", Some("705"), None),
            employee("andy", "Петров Андрей", Some("708"), None),
            employee("mike", "Семенов Михаил", Some("702"), None),
            employee("serg", "Чижиков Сергей", Some("708"), None),
        ]
    }

    fn id_of(resolved: Responsible<'_>) -> Option<&str> {
        resolved.one().map(|e| e.id.as_str())
    }

    #[test]
    fn named_by_extension_email_or_name_in_any_case() {
        let staff = [ivan()];
        for who in ["901", "IVAN.IVANOV@pbx.vega.ua", "  іван   іванов ", "30"] {
            assert_eq!(
                find_employee(&staff, who).map(|e| e.id.as_str()),
                Some("30"),
                "{who}"
            );
        }
        assert!(find_employee(&staff, "Петро").is_none());
        assert!(find_employee(&staff, "").is_none());
    }

    #[test]
    fn a_name_matches_in_either_word_order_and_with_extra_spaces() {
        let staff = cloud_staff();
        for who in [
            "Иванова Дарья",
            "Дарья Иванова",
            "  дарья\tИВАНОВА ",
            "Дарья  Иванова",
        ] {
            assert_eq!(
                id_of(resolve_responsible(&staff, who)),
                Some("daria"),
                "{who}"
            );
        }
        // Words are whole words: a surname alone or one more word is somebody else.
        for who in ["Иванова", "Иванова Дарья Петровна", "Иванов Дарья"]
        {
            assert_eq!(
                resolve_responsible(&staff, who),
                Responsible::Nobody,
                "{who}"
            );
        }
    }

    #[test]
    fn yo_and_ye_are_the_same_letter() {
        let staff = [employee("fedor", "Фёдор Семёнов", Some("710"), None)];
        for who in ["Федор Семенов", "СЕМЁНОВ Федор", "семенов фёдор"]
        {
            assert_eq!(
                id_of(resolve_responsible(&staff, who)),
                Some("fedor"),
                "{who}"
            );
        }
        let staff = [employee("fedor", "Федор Семенов", None, None)];
        assert_eq!(
            id_of(resolve_responsible(&staff, "Фёдор Семёнов")),
            Some("fedor")
        );
    }

    #[test]
    fn a_login_an_extension_or_an_email_in_any_case_names_one_employee() {
        let mut staff = cloud_staff();
        staff.push(employee(
            "olga",
            "Ольга Смирнова",
            Some("711"),
            Some("Olga.Smirnova@Example.COM"),
        ));
        let cases = [
            ("daria", "daria"),
            ("DARIA", "daria"),
            ("705", "daria"),
            (" 702 ", "mike"),
            ("olga.smirnova@example.com", "olga"),
            ("OLGA.SMIRNOVA@EXAMPLE.COM", "olga"),
        ];
        for (who, id) in cases {
            assert_eq!(id_of(resolve_responsible(&staff, who)), Some(id), "{who}");
        }
    }

    #[test]
    fn namesakes_or_a_shared_extension_are_ambiguous_never_the_first_one() {
        let mut staff = cloud_staff();
        staff.push(employee("daria2", "Дарья Иванова", Some("712"), None));
        assert_eq!(
            resolve_responsible(&staff, "Иванова Дарья"),
            Responsible::Ambiguous(2)
        );
        assert!(find_employee(&staff, "Дарья Иванова").is_none());
        // cloud-pbx.md 5.1 lists ext 708 twice.
        assert_eq!(
            resolve_responsible(&staff, "708"),
            Responsible::Ambiguous(2)
        );
        // Each namesake is still named by their own login or extension.
        assert_eq!(id_of(resolve_responsible(&staff, "daria2")), Some("daria2"));
        assert_eq!(id_of(resolve_responsible(&staff, "705")), Some("daria"));
    }

    #[test]
    fn the_most_precise_way_wins_and_a_repeated_entry_is_one_person() {
        // "705" is daria's extension and, by accident, somebody's login.
        let mut staff = cloud_staff();
        staff.push(employee("705", "Кто-то Другой", Some("799"), None));
        assert_eq!(id_of(resolve_responsible(&staff, "705")), Some("daria"));
        let twice = [ivan(), ivan()];
        assert_eq!(
            id_of(resolve_responsible(&twice, "Іванов Іван")),
            Some("30")
        );
    }

    #[test]
    fn nobody_for_an_unknown_or_empty_text_or_an_empty_list() {
        let staff = cloud_staff();
        for who in ["", "   ", "Неизвестный Менеджер", "999", "x@example.com"] {
            assert_eq!(
                resolve_responsible(&staff, who),
                Responsible::Nobody,
                "{who:?}"
            );
        }
        assert_eq!(resolve_responsible(&[], "daria"), Responsible::Nobody);
    }

    #[test]
    fn each_problem_text_is_warned_about_once() {
        let key = "unknown\nкто-то совсем новый 7f3a".to_owned();
        assert!(first_warning(key.clone()));
        assert!(!first_warning(key));
        // The logged resolution answers like the plain one.
        let staff = cloud_staff();
        for who in ["Дарья Иванова", "708", "Никто"] {
            assert_eq!(
                resolve_responsible_logged(&staff, who, "test"),
                resolve_responsible(&staff, who)
            );
        }
    }
}
