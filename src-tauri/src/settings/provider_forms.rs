//! The providers as the settings window draws them, in one language: the wizard's choices and
//! the account form's fields come from each provider's own [`ProviderForm`], so the window keeps
//! no list of providers and a new one shows up without a change to it.

use callpop_providers::descriptor::{FormField, ProviderForm, Rule};
use callpop_providers::registry;
use serde::Serialize;

use crate::locale::Language;

/// A provider the settings offer.
#[derive(Debug, Serialize)]
pub struct ProviderView {
    /// Its `provider` setting (`vega`...), what the form sends back.
    pub kind: &'static str,
    /// Its name.
    pub label: &'static str,
    /// The wizard's line under the name.
    pub summary: &'static str,
    /// The key field's label.
    pub key_label: &'static str,
    /// The hint under "Me" when the PBX lists no employees.
    pub user_hint: &'static str,
    /// The fields to ask for, in form order.
    pub fields: Vec<FieldView>,
}

/// One field of the account form.
#[derive(Debug, Serialize)]
pub struct FieldView {
    /// The setting it fills, also the form's field name (`domain`...).
    pub name: &'static str,
    /// Its label (without the `*` the window adds to a required one).
    pub label: &'static str,
    /// The line under it.
    pub hint: Option<&'static str>,
    /// The example shown in the empty field.
    pub placeholder: &'static str,
    /// The window marks it with `*`.
    pub required: bool,
    /// For a list: its options, the first the default; `None`: a text field.
    pub choices: Option<Vec<ChoiceView>>,
}

/// One option of a list field.
#[derive(Debug, Serialize)]
pub struct ChoiceView {
    /// What the form sends.
    pub value: &'static str,
    /// What the list shows.
    pub label: &'static str,
}

/// Every provider of the registry, in its order, worded in `language`.
pub fn all(language: Language) -> Vec<ProviderView> {
    registry::PROVIDERS
        .iter()
        .map(|kind| view(kind.name, kind.form, language.code()))
        .collect()
}

fn view(kind: &'static str, form: &ProviderForm, code: &str) -> ProviderView {
    ProviderView {
        kind,
        label: form.label.get(code),
        summary: form.summary.get(code),
        key_label: form.key_label.get(code),
        user_hint: form.user_hint.get(code),
        fields: form.fields.iter().map(|f| field(f, code)).collect(),
    }
}

fn field(field: &FormField, code: &str) -> FieldView {
    FieldView {
        name: field.name,
        label: field.label.get(code),
        hint: field.hint.map(|hint| hint.get(code)),
        placeholder: field.placeholder,
        required: field.required,
        choices: match field.rule {
            Rule::Choice(options) => Some(
                options
                    .iter()
                    .map(|option| ChoiceView {
                        value: option.value,
                        label: option.label.get(code),
                    })
                    .collect(),
            ),
            _ => None,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_gets_the_providers_in_the_registrys_order_in_its_language() {
        let kinds: Vec<_> = all(Language::English).iter().map(|p| p.kind).collect();
        assert_eq!(
            kinds,
            ["vega", "cloudpbx", "telediscount", "mcn", "asterisk"]
        );
        let russian = all(Language::Russian);
        let asterisk = russian.iter().find(|p| p.kind == "asterisk").unwrap();
        assert_eq!(asterisk.key_label, "Пароль (secret)");
        let interface = &asterisk.fields[0];
        assert_eq!(interface.name, "asterisk_interface");
        let values: Vec<_> = interface
            .choices
            .as_ref()
            .unwrap()
            .iter()
            .map(|c| c.value)
            .collect();
        assert_eq!(values, ["ami", "ari"]);
    }
}
