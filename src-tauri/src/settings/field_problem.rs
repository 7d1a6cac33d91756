//! What is wrong with one field of the settings' forms, in the user's language: the window puts
//! the words under the field ([`CommandError::field`]).

use callpop_providers::descriptor::{Fault, FieldFault};

use crate::command_error::CommandError;
use crate::locale::{self, Language};

/// Why a field's value was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldProblem {
    /// A provider's form refused it ([`callpop_providers::descriptor`]).
    Form(Fault),
    /// No provider, or one this build does not know.
    ChooseProvider,
    /// None of the options offered.
    ChooseOne,
    /// No key typed and none stored.
    KeyRequired,
    /// Another account has this provider and domain.
    DuplicateAccount,
    /// The relay's address is no `ws://` or `wss://` one.
    NotAWebsocketAddress,
    /// A relay without an account to connect it to.
    RelayNeedsAccount,
    /// No relay token typed and none stored.
    TokenRequired,
    /// A hotkey with an empty part (`Ctrl++C`).
    NotAHotkey,
}

impl FieldProblem {
    /// The words for it in `language`.
    pub fn text_in(self, language: Language) -> &'static str {
        let ru = language == Language::Russian;
        let (en, ru_text) = match self {
            FieldProblem::Form(Fault::Required) => ("Fill this in.", "Заполните это поле."),
            FieldProblem::Form(Fault::NoSpaces) => ("No spaces here.", "Без пробелов."),
            FieldProblem::Form(Fault::HostOnly) => (
                "Only the host name, without a path.",
                "Только имя хоста, без пути.",
            ),
            FieldProblem::Form(Fault::NotAWebAddress) => (
                "Starts with https:// or http://.",
                "Начинается с https:// или http://.",
            ),
            FieldProblem::Form(Fault::NotATcpAddress) => {
                ("Looks like tcp://HOST:5038.", "Вида tcp://HOST:5038.")
            }
            FieldProblem::Form(Fault::ChooseOne) | FieldProblem::ChooseOne => {
                ("Choose one of the options.", "Выберите один из вариантов.")
            }
            FieldProblem::ChooseProvider => ("Choose a provider.", "Выберите АТС."),
            FieldProblem::KeyRequired => ("Enter the key.", "Введите ключ."),
            FieldProblem::DuplicateAccount => (
                "This account is set up already: edit that one.",
                "Такой аккаунт уже есть: измените его.",
            ),
            FieldProblem::NotAWebsocketAddress => (
                "Starts with wss:// or ws://.",
                "Начинается с wss:// или ws://.",
            ),
            FieldProblem::RelayNeedsAccount => {
                ("Set up an account first.", "Сначала добавьте аккаунт.")
            }
            FieldProblem::TokenRequired => ("Enter the token.", "Введите токен."),
            FieldProblem::NotAHotkey => (
                "Keys joined by +, like CommandOrControl+Alt+C.",
                "Клавиши через +, например CommandOrControl+Alt+C.",
            ),
        };
        if ru {
            ru_text
        } else {
            en
        }
    }

    /// The command's error: `field` at fault, for this reason, in the app's language now.
    pub fn at(self, field: &'static str) -> CommandError {
        CommandError::field(field, self.text_in(locale::language()))
    }
}

impl From<FieldFault> for CommandError {
    fn from(fault: FieldFault) -> CommandError {
        FieldProblem::Form(fault.fault).at(fault.field)
    }
}
