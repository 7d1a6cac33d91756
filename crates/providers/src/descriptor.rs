//! What the settings form asks for each provider: its name, the fields in form order with their
//! words in both languages, and the checks a typed value must pass. Each provider keeps its own
//! [`ProviderForm`] next to its connect function (`<name>/provider.rs`), so a new provider adds
//! nothing to the settings window or to the app's form code: the window draws what the app
//! sends, and the app checks what comes back with the same description.
//!
//! Nothing here knows the app's language setting: [`Words`] carries both languages and the app
//! picks one.

use serde::Serialize;

/// A text in the two languages the app speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Words {
    /// English.
    pub en: &'static str,
    /// Russian.
    pub ru: &'static str,
}

impl Words {
    /// The text for the language `code` (`ru`, `en`); English for any other.
    pub fn get(&self, code: &str) -> &'static str {
        if code == "ru" {
            self.ru
        } else {
            self.en
        }
    }
}

/// The hint under "Me" for a PBX where "me" is an extension or a login.
pub const EXTENSION_OR_LOGIN: Words = Words {
    en: "Your extension or login at the PBX",
    ru: "Ваш внутренний номер или логин в АТС",
};

/// How the settings form shows a provider and what it asks for.
#[derive(Debug)]
pub struct ProviderForm {
    /// The provider's name as people know it ("Vega PBX").
    pub label: Words,
    /// One line under the name in the wizard: what Callpop does with this PBX.
    pub summary: Words,
    /// What this PBX calls the secret the account connects with ("API key", "Password").
    pub key_label: Words,
    /// The hint under "Me" when the PBX lists no employees to pick from: what "me" is here.
    pub user_hint: Words,
    /// The account's settings this provider reads, in form order.
    pub fields: &'static [FormField],
}

/// One field of the account form.
#[derive(Debug)]
pub struct FormField {
    /// The account setting it fills (`domain`, `base_url`, `login`...).
    pub name: &'static str,
    /// Its label.
    pub label: Words,
    /// The line under it, if any.
    pub hint: Option<Words>,
    /// An example of what to type, shown in the empty field.
    pub placeholder: &'static str,
    /// The form marks it with `*` and an empty value is refused, unless `if_empty` stands in.
    pub required: bool,
    /// What an empty field means, when the provider has a sensible value for it.
    pub if_empty: Option<&'static str>,
    /// What a typed value must look like.
    pub rule: Rule,
}

/// What a field's value must look like; the window shows a [`Rule::Choice`] as a list.
#[derive(Debug, Clone, Copy)]
pub enum Rule {
    /// Any text.
    Text,
    /// Text without spaces (a dialplan context).
    NoSpaces,
    /// A host name. People paste the address from the browser: its scheme and trailing slash go.
    Host,
    /// A host name or an account number, which may carry a `/PART` (MCN's `ACCOUNT/VPBX_ID`).
    HostOrPath,
    /// An address of this kind.
    Address(AddressKind),
    /// An address of the kind the option chosen in the field `choice` names.
    AddressOfChoice {
        /// The [`Rule::Choice`] field whose option decides.
        choice: &'static str,
    },
    /// One of these options; the first is the default (an empty value picks it).
    Choice(&'static [Choice]),
}

/// One option of a [`Rule::Choice`] field.
#[derive(Debug, Clone, Copy)]
pub struct Choice {
    /// What the account setting stores.
    pub value: &'static str,
    /// How the list shows it.
    pub label: Words,
    /// The kind of address a [`Rule::AddressOfChoice`] field takes with this option.
    pub address: Option<AddressKind>,
}

/// The schemes an address may start with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddressKind {
    /// `https://` or `http://`.
    Web,
    /// `tcp://` or `ami://` (Asterisk's manager interface).
    Tcp,
}

impl AddressKind {
    fn schemes(self) -> &'static [&'static str] {
        match self {
            AddressKind::Web => &["https://", "http://"],
            AddressKind::Tcp => &["tcp://", "ami://"],
        }
    }
}

/// Why a typed value was refused; the app words it in the user's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Fault {
    /// Empty, and the field is required.
    Required,
    /// Has spaces where none may be.
    NoSpaces,
    /// A host name with a path after it.
    HostOnly,
    /// Not an `https://` or `http://` address.
    NotAWebAddress,
    /// Not a `tcp://` address.
    NotATcpAddress,
    /// None of the options.
    ChooseOne,
}

/// The first field refused, and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldFault {
    /// The field's name.
    pub field: &'static str,
    /// Why.
    pub fault: Fault,
}

impl ProviderForm {
    /// Each field's value as the account keeps it (trimmed; `None`: empty, or the default
    /// option), in form order; `typed(name)` is what was typed into the field `name`.
    pub fn check<'a>(
        &self,
        typed: impl Fn(&str) -> &'a str,
    ) -> Result<Vec<(&'static str, Option<String>)>, FieldFault> {
        self.fields
            .iter()
            .map(|field| {
                let value = field.check(typed(field.name), |name| self.chosen(name, &typed));
                value
                    .map(|value| (field.name, value))
                    .map_err(|fault| FieldFault {
                        field: field.name,
                        fault,
                    })
            })
            .collect()
    }

    /// The option chosen in the choice field `name` (its first when none or an unknown one is).
    fn chosen<'a>(&self, name: &str, typed: &impl Fn(&str) -> &'a str) -> Option<&'static Choice> {
        let field = self.fields.iter().find(|f| f.name == name)?;
        let Rule::Choice(options) = field.rule else {
            return None;
        };
        let value = typed(name).trim();
        options
            .iter()
            .find(|option| option.value == value)
            .or(options.first())
    }
}

impl FormField {
    /// "API address": where the API is when not at the provider's usual address;
    /// `placeholder`, the usual one.
    pub const fn api_address(placeholder: &'static str) -> FormField {
        FormField {
            name: "base_url",
            label: Words {
                en: "API address",
                ru: "Адрес API",
            },
            hint: Some(Words {
                en: "Only when the API is not at the usual address (a proxy, a test server)",
                ru: "Только если API не по обычному адресу (прокси, тестовый сервер)",
            }),
            placeholder,
            required: false,
            if_empty: None,
            rule: Rule::Address(AddressKind::Web),
        }
    }

    /// The value kept for `typed`, or why it is refused; `chosen(name)`: the option chosen in
    /// another field.
    fn check(
        &self,
        typed: &str,
        chosen: impl Fn(&str) -> Option<&'static Choice>,
    ) -> Result<Option<String>, Fault> {
        let mut text = typed.trim();
        if matches!(self.rule, Rule::Host | Rule::HostOrPath) {
            text = text
                .strip_prefix("https://")
                .or_else(|| text.strip_prefix("http://"))
                .unwrap_or(text)
                .trim_end_matches('/');
        }
        if text.is_empty() {
            return match (self.if_empty, self.required) {
                (Some(value), _) => Ok(Some(value.to_owned())),
                (None, true) => Err(Fault::Required),
                (None, false) => Ok(None),
            };
        }
        let spaced = text.contains(char::is_whitespace);
        match self.rule {
            Rule::Text => {}
            Rule::NoSpaces | Rule::Host | Rule::HostOrPath if spaced => {
                return Err(Fault::NoSpaces)
            }
            Rule::Host if text.contains('/') => return Err(Fault::HostOnly),
            Rule::NoSpaces | Rule::Host | Rule::HostOrPath => {}
            Rule::Address(kind) => return address(text, kind),
            Rule::AddressOfChoice { choice } => {
                let kind = chosen(choice)
                    .and_then(|option| option.address)
                    .unwrap_or(AddressKind::Web);
                return address(text, kind);
            }
            Rule::Choice(options) => {
                return match options.iter().position(|option| option.value == text) {
                    Some(0) => Ok(None),
                    Some(_) => Ok(Some(text.to_owned())),
                    None => Err(Fault::ChooseOne),
                };
            }
        }
        Ok(Some(text.to_owned()))
    }
}

/// `text` as an address of `kind`, without its trailing slash.
fn address(text: &str, kind: AddressKind) -> Result<Option<String>, Fault> {
    let rest = kind
        .schemes()
        .iter()
        .find_map(|scheme| text.strip_prefix(scheme));
    match rest {
        Some(rest) if !rest.is_empty() && !text.contains(char::is_whitespace) => {
            Ok(Some(text.trim_end_matches('/').to_owned()))
        }
        _ if kind == AddressKind::Tcp => Err(Fault::NotATcpAddress),
        _ => Err(Fault::NotAWebAddress),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const WORDS: Words = Words { en: "x", ru: "х" };
    const INTERFACES: &[Choice] = &[
        Choice {
            value: "ami",
            label: WORDS,
            address: Some(AddressKind::Tcp),
        },
        Choice {
            value: "ari",
            label: WORDS,
            address: Some(AddressKind::Web),
        },
    ];

    const fn field(name: &'static str, required: bool, rule: Rule) -> FormField {
        FormField {
            name,
            label: WORDS,
            hint: None,
            placeholder: "",
            required,
            if_empty: None,
            rule,
        }
    }

    const FORM: ProviderForm = ProviderForm {
        label: WORDS,
        summary: WORDS,
        key_label: WORDS,
        user_hint: WORDS,
        fields: &[
            field("interface", false, Rule::Choice(INTERFACES)),
            field("domain", true, Rule::Host),
            field(
                "base_url",
                false,
                Rule::AddressOfChoice {
                    choice: "interface",
                },
            ),
        ],
    };

    fn check(values: &[(&str, &'static str)]) -> Result<Vec<Option<String>>, FieldFault> {
        let values = values.to_vec();
        FORM.check(move |name| {
            values
                .iter()
                .find(|(n, _)| *n == name)
                .map_or("", |(_, v)| *v)
        })
        .map(|kept| kept.into_iter().map(|(_, value)| value).collect())
    }

    #[test]
    fn a_pasted_address_keeps_its_host_and_the_default_option_is_not_stored() {
        assert_eq!(
            check(&[
                ("domain", " https://pbx.example.com/ "),
                ("interface", "ami")
            ]),
            Ok(vec![None, Some("pbx.example.com".into()), None])
        );
    }

    #[test]
    fn the_address_follows_the_chosen_interface() {
        let fault = |field, fault| Err(FieldFault { field, fault });
        assert_eq!(
            check(&[("domain", "pbx"), ("base_url", "http://pbx:8088")]),
            fault("base_url", Fault::NotATcpAddress)
        );
        assert_eq!(
            check(&[
                ("domain", "pbx"),
                ("interface", "ari"),
                ("base_url", "tcp://pbx")
            ]),
            fault("base_url", Fault::NotAWebAddress)
        );
        assert_eq!(
            check(&[
                ("domain", "pbx"),
                ("interface", "ari"),
                ("base_url", "http://pbx/")
            ]),
            Ok(vec![
                Some("ari".into()),
                Some("pbx".into()),
                Some("http://pbx".into())
            ])
        );
        assert_eq!(
            check(&[("domain", "pbx"), ("interface", "sip")]),
            fault("interface", Fault::ChooseOne)
        );
        assert_eq!(
            check(&[("domain", "a b")]),
            fault("domain", Fault::NoSpaces)
        );
        assert_eq!(check(&[]), fault("domain", Fault::Required));
    }
}
