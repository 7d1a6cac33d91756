//! Employees of the company as the PBX lists them: who "me" is, who answered, who is responsible.

use serde::{Deserialize, Serialize};

/// One PBX user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Employee {
    /// The PBX's id of the user.
    pub id: String,
    /// Readable name.
    pub name: String,
    /// Internal number.
    pub ext: Option<String>,
    /// E-mail.
    pub email: Option<String>,
}

impl Employee {
    /// True when `who` names this employee: by extension, e-mail or name (any case, spaces
    /// folded). The directory's "responsible" column holds any of the three.
    pub fn is_named_by(&self, who: &str) -> bool {
        let who = fold(who);
        if who.is_empty() {
            return false;
        }
        self.ext.as_deref().is_some_and(|ext| fold(ext) == who)
            || self
                .email
                .as_deref()
                .is_some_and(|email| fold(email) == who)
            || fold(&self.name) == who
    }
}

/// The employee `who` names, if any.
pub fn find_employee<'a>(employees: &'a [Employee], who: &str) -> Option<&'a Employee> {
    employees.iter().find(|e| e.is_named_by(who))
}

fn fold(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ivan() -> Employee {
        Employee {
            id: "30".into(),
            name: "Іван Іванов".into(),
            ext: Some("901".into()),
            email: Some("ivan.ivanov@pbx.vega.ua".into()),
        }
    }

    #[test]
    fn named_by_extension_email_or_name_in_any_case() {
        let staff = [ivan()];
        for who in ["901", "IVAN.IVANOV@pbx.vega.ua", "  іван   іванов "] {
            assert_eq!(
                find_employee(&staff, who).map(|e| e.id.as_str()),
                Some("30"),
                "{who}"
            );
        }
        assert!(find_employee(&staff, "Петро").is_none());
        assert!(find_employee(&staff, "").is_none());
    }
}
