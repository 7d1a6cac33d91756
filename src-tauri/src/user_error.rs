//! What a failure says to the user, in the app's language ([`locale::language`]).
//!
//! English: the error's own sentence, unchanged (each already names the cause and what to do).
//! Russian: a headline for the kind of failure ([`Problem`]), saying what happened and what to
//! do, then the English sentence as the detail for support. The errors' sentences never carry a
//! key or a token (the providers scrub what they quote), and nothing here adds one.
//!
//! The app's own messages (no connection yet, a form left half filled...) are in [`Texts`], one
//! table for every command, in both languages. Logs stay English: they take the errors as they
//! are, never these texts.

use std::error::Error;
use std::fmt::Display;

use callpop_core::config::ConfigError;
use callpop_core::secrets::SecretError;
use callpop_core::StoreError;
use callpop_providers::autodialer::AutodialerError;
use callpop_providers::recording::RecordingError;
use callpop_providers::{HasProblem, Problem, ProviderError};

use crate::locale::{self, Language};

/// Who failed: the headlines name the PBX or the Autodialer (another service, another key).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Service {
    Pbx,
    Autodialer,
}

/// `error` as the user reads it now, in the app's language.
pub fn describe<E: HasProblem + Display + ?Sized>(error: &E) -> String {
    describe_in(locale::language(), error)
}

/// `error` as the user reads it in `language`.
pub fn describe_in<E: HasProblem + Display + ?Sized>(language: Language, error: &E) -> String {
    worded(
        language,
        Some(error.problem()),
        Service::Pbx,
        &error.to_string(),
    )
}

/// An Autodialer `error` as the user reads it now: its headlines name the Autodialer.
pub fn describe_autodialer<E: HasProblem + Display + ?Sized>(error: &E) -> String {
    describe_autodialer_in(locale::language(), error)
}

/// An Autodialer `error` as the user reads it in `language`.
pub fn describe_autodialer_in<E: HasProblem + Display + ?Sized>(
    language: Language,
    error: &E,
) -> String {
    worded(
        language,
        Some(error.problem()),
        Service::Autodialer,
        &error.to_string(),
    )
}

/// Settings that contradict each other, found before the session starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionConflict {
    /// `[relay]` and `[lan_relay]` both configured.
    TwoRelays,
    /// `[relay]` without `[account]`.
    RelayWithoutAccount,
}

impl SessionConflict {
    /// What to do about it, in `language`.
    pub fn text_in(self, language: Language) -> &'static str {
        let texts = texts(language);
        match self {
            SessionConflict::TwoRelays => texts.two_relays,
            SessionConflict::RelayWithoutAccount => texts.relay_without_account,
        }
    }
}

impl Display for SessionConflict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.text_in(Language::English))
    }
}

impl Error for SessionConflict {}

/// Why the session (the connection to the PBX, the relay) could not start, now in the app's
/// language: a [`SessionConflict`] in its own words; else the first error of a
/// known kind in the chain gives the headline, the whole chain
/// is the English detail.
pub fn describe_session_failure(error: &anyhow::Error) -> String {
    describe_session_failure_in(locale::language(), error)
}

/// [`describe_session_failure`] in `language`.
pub fn describe_session_failure_in(language: Language, error: &anyhow::Error) -> String {
    if let Some(conflict) = error
        .chain()
        .find_map(|e| e.downcast_ref::<SessionConflict>())
    {
        return conflict.text_in(language).to_owned();
    }
    worded(
        language,
        error.chain().find_map(problem_of),
        Service::Pbx,
        &format!("{error:#}"),
    )
}

/// Whether `error` is one the user must mend before Callpop can work at all (the config file
/// unreadable, no keyring, the database broken), rather than one that passes (the PBX down).
pub fn needs_the_user(error: &anyhow::Error) -> bool {
    error.chain().any(|e| {
        e.is::<ConfigError>()
            || e.is::<StoreError>()
            || matches!(
                e.downcast_ref::<SecretError>(),
                Some(SecretError::Unavailable { .. })
            )
    })
}

/// The [`Problem`] of an error of one of the kinds the app meets, if `error` is one.
fn problem_of(error: &(dyn Error + 'static)) -> Option<Problem> {
    if let Some(e) = error.downcast_ref::<ProviderError>() {
        return Some(e.problem());
    }
    if let Some(e) = error.downcast_ref::<SecretError>() {
        return Some(e.problem());
    }
    if let Some(e) = error.downcast_ref::<ConfigError>() {
        return Some(e.problem());
    }
    if let Some(e) = error.downcast_ref::<StoreError>() {
        return Some(e.problem());
    }
    if let Some(e) = error.downcast_ref::<RecordingError>() {
        return Some(e.problem());
    }
    error
        .downcast_ref::<AutodialerError>()
        .map(HasProblem::problem)
}

/// The English `detail`, or the Russian headline for `problem` followed by it.
fn worded(language: Language, problem: Option<Problem>, service: Service, detail: &str) -> String {
    match language {
        Language::English => detail.to_owned(),
        Language::Russian => format!(
            "{}\nПодробности: {detail}",
            russian_headline(problem, service)
        ),
    }
}

/// What happened and what to do, in Russian, for a manager rather than an administrator.
fn russian_headline(problem: Option<Problem>, service: Service) -> &'static str {
    let Some(problem) = problem else {
        return "Не удалось начать работу.";
    };
    if service == Service::Autodialer {
        let autodialer = match problem {
            Problem::KeyRejected => Some(
                "Автообзвон не принял ключ API. Скопируйте ключ из кабинета автообзвона заново.",
            ),
            Problem::KeyMissing => Some(
                "Ключ автообзвона не сохранён. Сохраните его командой «callpop-cli autodial key set».",
            ),
            Problem::WrongAddress => Some(
                "Автообзвон не найден по этому адресу. Проверьте адрес и ключ автообзвона в файле настроек.",
            ),
            Problem::Unreachable => Some(
                "Не удаётся связаться с автообзвоном. Проверьте адрес и подключение к интернету.",
            ),
            Problem::TimedOut => {
                Some("Автообзвон не ответил вовремя. Проверьте сеть и попробуйте ещё раз.")
            }
            Problem::ServerFailed => Some("Сбой на стороне автообзвона. Попробуйте позже."),
            Problem::Refused => Some(
                "Автообзвон отказался принять запрос. Проверьте номер и кампанию (сценарий).",
            ),
            Problem::UnexpectedAnswer => Some(
                "Автообзвон ответил непонятно для Callpop. Проверьте его адрес; если не поможет, передайте подробности в поддержку.",
            ),
            Problem::Settings => {
                Some("Настройки автообзвона неверны. Исправьте раздел [autodialer] в файле настроек.")
            }
            _ => None,
        };
        if let Some(headline) = autodialer {
            return headline;
        }
    }
    match problem {
        Problem::KeyRejected => {
            "АТС не приняла ключ API. Проверьте адрес АТС и скопируйте ключ из её личного кабинета заново."
        }
        Problem::NotAllowed => {
            "У ключа API нет прав на это действие. Попросите администратора АТС их выдать."
        }
        Problem::KeyMissing => "Ключ API не сохранён. Введите его в настройках Callpop.",
        Problem::WrongAddress => {
            "По этому адресу отвечает не АТС. Проверьте адрес (домен) АТС в настройках."
        }
        Problem::Unreachable => {
            "Не удаётся связаться с АТС. Проверьте адрес АТС и подключение к интернету."
        }
        Problem::TimedOut => "АТС не ответила вовремя. Проверьте сеть и попробуйте ещё раз.",
        Problem::ServerFailed => "Сбой на стороне АТС. Попробуйте позже.",
        Problem::Refused => {
            "АТС отказалась выполнить запрос. Проверьте введённые данные и попробуйте ещё раз."
        }
        Problem::NotFound => "Такой записи на АТС нет: возможно, её уже удалили. Обновите список.",
        Problem::UnexpectedAnswer => {
            "АТС ответила непонятно для Callpop. Проверьте адрес АТС; если не поможет, передайте подробности в поддержку."
        }
        Problem::NotOffered => "Ваша АТС этого не умеет.",
        Problem::NoUser => "Не выбрано, кто вы на АТС. Выберите себя в поле «Я» главного окна.",
        Problem::Settings => {
            "Настройки подключения к АТС неверны. Исправьте их в настройках Callpop."
        }
        Problem::BadInput => "Запрос не выполнен: проверьте введённые данные.",
        Problem::PartlySent => {
            "Часть контактов уже отправлена в автообзвон, остальные — нет. Отправьте повторно только оставшиеся."
        }
        Problem::TooLarge => {
            "Запись разговора слишком большая, чтобы проиграть её здесь. Скачайте её в личном кабинете АТС."
        }
        Problem::Directory => {
            "Не удалось прочитать или записать справочник контактов. Проверьте свободное место на диске."
        }
        Problem::Keyring => {
            "Хранилище паролей системы недоступно. Войдите в систему заново или запустите хранилище (gnome-keyring, KeePassXC)."
        }
        Problem::ConfigFile => {
            "Не удалось прочитать или записать файл настроек Callpop. Исправьте его или удалите, чтобы настроить заново."
        }
    }
}

/// The app's own messages to the user, in one language. `{name}` marks what is filled in.
pub struct Texts {
    /// A command needs the PBX and the session has not connected (yet).
    pub not_connected: &'static str,
    /// A command needs the directory and the session has not opened it (yet).
    pub directory_not_open: &'static str,
    /// The session is still starting.
    pub still_starting: &'static str,
    /// "Open" was asked for something that is no web link: `{url}`.
    pub not_a_web_link: &'static str,
    /// The browser did not start: `{error}`.
    pub browser_failed: &'static str,
    /// A recording was asked for a call the history no longer has.
    pub call_not_in_history: &'static str,
    /// "Me" was set to nobody.
    pub pick_employee: &'static str,
    /// "Me" cannot change in the demo.
    pub demo_me_is_fixed: &'static str,
    /// The contacts sync's report: `{added}`, `{updated}`, `{unchanged}`, `{skipped}`.
    pub sync_report: &'static str,
    /// The Autodialer has no `[autodialer]` section.
    pub autodialer_not_configured: &'static str,
    /// One end of the Autodialer's time window is missing.
    pub window_needs_both_ends: &'static str,
    /// No campaign was named.
    pub name_the_campaign: &'static str,
    /// None of the selected contacts has a number.
    pub no_selected_contact_has_a_number: &'static str,
    /// A one-off robot call needs a default campaign.
    pub default_campaign_needed: &'static str,
    /// The contact has no number.
    pub contact_has_no_number: &'static str,
    /// The "no time window" warning: `{n}` records; `None`: the warning's own English.
    pub no_time_window: Option<&'static str>,
    /// A robot call was queued: `{id}`.
    pub robot_job: &'static str,
    /// A search failed mid-way: `{error}`.
    pub search_stopped: &'static str,
    /// The import got no file bytes.
    pub file_did_not_arrive: &'static str,
    /// The name of a file the window did not name.
    pub unnamed_file: &'static str,
    /// A file over the import's limit: `{file}`, `{size}`, `{limit}` (MB).
    pub file_too_large: &'static str,
    /// The import failed mid-way: `{error}`.
    pub import_stopped: &'static str,
    /// The file is no CSV or vCard the import reads: `{file}`, `{reason}`.
    pub file_not_importable: &'static str,
    /// The directory could not store an import: `{file}`, `{error}`.
    pub import_not_stored: &'static str,
    /// The settings' account was removed from the file meanwhile.
    pub edited_account_gone: &'static str,
    /// The account `{id}` was removed from the file meanwhile.
    pub account_gone: &'static str,
    /// `[lan_relay]` and another relay.
    pub runs_its_own_relay: &'static str,
    /// Starting at login cannot be changed: `{error}`.
    pub autostart_not_changed: &'static str,
    /// Starting at login cannot be read: `{error}`.
    pub autostart_unreadable: &'static str,
    /// The link handler cannot be changed: `{error}`.
    pub links_handler_not_changed: &'static str,
    /// The link handler is set when the app is installed on this system.
    pub links_handler_set_at_install: &'static str,
    /// "Test connection" got no answer: `{address}`, `{seconds}`.
    pub test_timed_out: &'static str,
    /// `[relay]` and `[lan_relay]` both configured.
    pub two_relays: &'static str,
    /// `[relay]` without `[account]`.
    pub relay_without_account: &'static str,
    /// The relay `{url}` is down; the app reconnects.
    pub relay_unreachable: &'static str,
}

/// The app's own messages in `language`.
pub fn texts(language: Language) -> Texts {
    match language {
        Language::Russian => Texts {
            not_connected: "Нет подключения к АТС. Подождите немного или проверьте настройки.",
            directory_not_open: "Справочник контактов ещё не открыт. Подождите несколько секунд.",
            still_starting: "Callpop ещё запускается. Подождите несколько секунд.",
            not_a_web_link: "Это не веб-ссылка: {url}",
            browser_failed: "Не удалось открыть браузер: {error}",
            call_not_in_history: "Этого звонка уже нет в истории.",
            pick_employee: "Выберите сотрудника.",
            demo_me_is_fixed: "В демо «Я» не меняется: сначала подключите свою АТС в настройках.",
            sync_report: "добавлено: {added}, обновлено: {updated}, без изменений: {unchanged}, пропущено: {skipped}",
            autodialer_not_configured: "Автообзвон не настроен: добавьте в файл настроек раздел [autodialer] (base_url, campaign) и сохраните его ключ командой «callpop-cli autodial key set».",
            window_needs_both_ends: "Укажите и начало, и конец времени обзвона — или не указывайте ни то, ни другое.",
            name_the_campaign: "Укажите кампанию (сценарий), в которую отправить контакты.",
            no_selected_contact_has_a_number: "Ни у одного из выбранных контактов нет номера для звонка.",
            default_campaign_needed: "Для разового звонка робота укажите кампанию по умолчанию (campaign) в разделе [autodialer] файла настроек.",
            contact_has_no_number: "У этого контакта нет номера для звонка.",
            no_time_window: Some("Контактов без времени обзвона: {n}. Автообзвон позвонит им сразу, в любое время суток (даже ночью). Укажите время, например 10:00–19:00, чтобы звонить только в рабочие часы."),
            robot_job: "задание {id}",
            search_stopped: "Поиск прервался: {error}",
            file_did_not_arrive: "Файл не дошёл до Callpop. Выберите его ещё раз.",
            unnamed_file: "файл",
            file_too_large: "Файл {file} весит {size} МБ, а импорт читает файлы до {limit} МБ. Разделите его на части.",
            import_stopped: "Импорт прервался: {error}",
            file_not_importable: "Файл {file} не подходит для импорта: нужен CSV с колонкой телефонов или vCard.\nПодробности: {reason}",
            import_not_stored: "Не удалось сохранить контакты из файла {file} в справочник.\nПодробности: {error}",
            edited_account_gone: "Этого аккаунта уже нет в файле настроек. Добавьте его заново.",
            account_gone: "Аккаунта {id} уже нет в файле настроек.",
            runs_its_own_relay: "Callpop сам работает ретранслятором офиса (раздел [lan_relay] в файле настроек). Удалите этот раздел, чтобы подключиться к другому ретранслятору.",
            autostart_not_changed: "Не удалось изменить запуск при входе: {error}",
            autostart_unreadable: "Не удалось узнать, включён ли запуск при входе: {error}",
            links_handler_not_changed: "Не удалось изменить, какая программа открывает телефонные ссылки: {error}",
            links_handler_set_at_install: "В этой системе программа для телефонных ссылок задаётся при установке, а не в настройках.",
            test_timed_out: "{address} не ответил за {seconds} с. Проверьте адрес АТС.",
            two_relays: "В файле настроек есть и [relay], и [lan_relay]: события приходят только от одного ретранслятора. Удалите лишний раздел.",
            relay_without_account: "Ретранслятор настроен, а аккаунт АТС нет: без него не работают звонки в один клик и не известно, кто «Я». Добавьте аккаунт в настройках.",
            relay_unreachable: "Ретранслятор {url} недоступен. Callpop переподключается.",
        },
        Language::English => Texts {
            not_connected: "not connected to a PBX yet",
            directory_not_open: "the directory is not open yet",
            still_starting: "still starting",
            not_a_web_link: "not a web link: {url}",
            browser_failed: "cannot open the browser: {error}",
            call_not_in_history: "this call is no longer in the history",
            pick_employee: "pick an employee",
            demo_me_is_fixed: "the demo's \"me\" is fixed: configure an account first",
            sync_report: "{added} added, {updated} updated, {unchanged} unchanged, {skipped} skipped",
            autodialer_not_configured: "the Autodialer is not configured: add an [autodialer] section (base_url, campaign) to the config and store its key with `callpop-cli autodial key set`",
            window_needs_both_ends: "give both ends of the time window, or neither",
            name_the_campaign: "name the campaign (its scenario) to send the contacts to",
            no_selected_contact_has_a_number: "none of the selected contacts has a number to dial",
            default_campaign_needed: "set a default `campaign` in the [autodialer] section for one-off robot calls",
            contact_has_no_number: "this contact has no number to dial",
            no_time_window: None,
            robot_job: "job {id}",
            search_stopped: "the search stopped: {error}",
            file_did_not_arrive: "the file did not arrive: send its bytes",
            unnamed_file: "the file",
            file_too_large: "{file} is {size} MB: the import reads files up to {limit} MB; split it",
            import_stopped: "the import stopped: {error}",
            file_not_importable: "{file}: {reason}",
            import_not_stored: "{file}: the directory could not store the contacts: {error}",
            edited_account_gone: "the account being edited is no longer in the config file: add it again",
            account_gone: "the account {id} is no longer in the config file",
            runs_its_own_relay: "this app runs the office's relay itself ([lan_relay] in the config file): remove that section to use another relay",
            autostart_not_changed: "cannot change starting at login: {error}",
            autostart_unreadable: "cannot read starting at login: {error}",
            links_handler_not_changed: "cannot change which app opens phone links: {error}",
            links_handler_set_at_install: "this system sets link handlers in the app's bundle, not at run time",
            test_timed_out: "{address} did not answer within {seconds} s: check the address",
            two_relays: "both [relay] and [lan_relay] are configured: events come from one of them, remove the other",
            relay_without_account: "a relay is configured but no [account]: the account is needed for click-to-call and to know who \"me\" is",
            relay_unreachable: "the relay {url} cannot be reached; reconnecting",
        },
    }
}

/// The app's own messages in the app's language now.
pub fn texts_now() -> Texts {
    texts(locale::language())
}

/// "Not connected to a PBX yet", in the app's language now.
pub fn not_connected() -> String {
    texts_now().not_connected.to_owned()
}

/// "The directory is not open yet", in the app's language now.
pub fn directory_not_open() -> String {
    texts_now().directory_not_open.to_owned()
}

/// `text` with each `{name}` of `values` filled in.
pub fn fill(text: &str, values: &[(&str, &dyn Display)]) -> String {
    values.iter().fold(text.to_owned(), |text, (name, value)| {
        text.replace(&format!("{{{name}}}"), &value.to_string())
    })
}

#[cfg(test)]
mod tests {
    use std::io::{Read as _, Write as _};
    use std::net::TcpListener;
    use std::sync::mpsc;

    use callpop_core::secrets::Secret;
    use callpop_core::AccountConfig;
    use callpop_providers::vega::VegaError;
    use callpop_providers::Account;

    use super::*;

    fn refused_key() -> ProviderError {
        VegaError::Unauthorized {
            domain: "test4.pbx.vega.ua".into(),
            status: 401,
            detail: "Invalid API key".into(),
        }
        .into()
    }

    #[test]
    fn russian_says_what_happened_and_keeps_the_english_detail_for_support() {
        let error = refused_key();
        let text = describe_in(Language::Russian, &error);
        assert!(
            text.starts_with("АТС не приняла ключ API. Проверьте адрес АТС"),
            "{text}"
        );
        assert!(
            text.ends_with(&format!("Подробности: {error}")),
            "the English sentence follows whole: {text}"
        );
    }

    #[test]
    fn english_is_the_errors_own_sentence_unchanged() {
        let error = refused_key();
        assert_eq!(describe_in(Language::English, &error), error.to_string());
        let autodialer = AutodialerError::WrongAddress { method: "make" };
        assert_eq!(
            describe_autodialer_in(Language::English, &autodialer),
            autodialer.to_string()
        );
    }

    #[test]
    fn the_autodialers_failures_name_the_autodialer_not_the_pbx() {
        let error = AutodialerError::Unauthorized {
            method: "make",
            status: 401,
        };
        let text = describe_autodialer_in(Language::Russian, &error);
        assert!(text.starts_with("Автообзвон не принял ключ API."), "{text}");
        // Kinds only the app has keep the common headline.
        let partly = AutodialerError::PartlySent {
            sent: 500,
            summary: "500 lines".into(),
            source: Box::new(error),
        };
        let text = describe_autodialer_in(Language::Russian, &partly);
        assert!(text.starts_with("Часть контактов уже отправлена"), "{text}");
    }

    #[test]
    fn a_session_failure_is_worded_by_the_first_known_error_in_its_chain() {
        let missing = SecretError::Missing {
            what: "API key",
            name: "vega:test4.pbx.vega.ua".into(),
            flag: "",
            env: "CALLPOP_API_KEY",
        };
        let error = anyhow::Error::new(missing).context("starting the session");
        let text = describe_session_failure_in(Language::Russian, &error);
        assert!(text.starts_with("Ключ API не сохранён."), "{text}");
        assert!(
            text.contains("starting the session: no API key stored"),
            "{text}"
        );
        let conflict = anyhow::Error::new(SessionConflict::TwoRelays);
        assert!(describe_session_failure_in(Language::Russian, &conflict)
            .starts_with("В файле настроек есть и [relay], и [lan_relay]"));
        assert_eq!(
            describe_session_failure_in(Language::English, &conflict),
            conflict.to_string()
        );
        let unknown = anyhow::anyhow!("the LAN relay's config is broken");
        assert_eq!(
            describe_session_failure_in(Language::Russian, &unknown),
            "Не удалось начать работу.\nПодробности: the LAN relay's config is broken"
        );
        assert_eq!(
            describe_session_failure_in(Language::English, &unknown),
            "the LAN relay's config is broken"
        );
    }

    /// Reads one HTTP request whole: its head, then as many body bytes as it announces.
    fn read_request(stream: &mut std::net::TcpStream) -> String {
        let mut request = Vec::new();
        let mut chunk = [0; 4096];
        loop {
            let text = String::from_utf8_lossy(&request).into_owned();
            if let Some(head_end) = text.find("\r\n\r\n") {
                let announced = text[..head_end]
                    .lines()
                    .find_map(|line| {
                        let (name, value) = line.split_once(':')?;
                        name.eq_ignore_ascii_case("content-length")
                            .then(|| value.trim().parse::<usize>().ok())?
                    })
                    .unwrap_or(0);
                if request.len() >= head_end + 4 + announced {
                    return text;
                }
            }
            match stream.read(&mut chunk) {
                Ok(0) | Err(_) => return String::from_utf8_lossy(&request).into_owned(),
                Ok(read) => request.extend_from_slice(&chunk[..read]),
            }
        }
    }

    /// A server on 127.0.0.1 that answers every request with `status` and the request itself
    /// (headers, query and body: wherever the client put the key) as the body; it tells over
    /// the channel whether each request carried `key`.
    fn echoing_server(status: &'static str, key: &'static str) -> (String, mpsc::Receiver<bool>) {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a local port");
        let address = format!("http://{}", listener.local_addr().expect("its address"));
        let (carried_key, told) = mpsc::channel();
        std::thread::spawn(move || {
            for stream in listener.incoming().take(8) {
                let Ok(mut stream) = stream else { return };
                let echoed = read_request(&mut stream);
                let _ = carried_key.send(echoed.contains(key));
                let _ = write!(
                    stream,
                    "HTTP/1.1 {status}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{echoed}",
                    echoed.len()
                );
            }
        });
        (address, told)
    }

    #[test]
    fn a_pbx_that_echoes_the_key_back_never_gets_it_into_the_message() {
        const KEY: &str = "sk-live-7f3a9c2e51d84b06";
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        for status in ["401 Unauthorized", "500 Internal Server Error"] {
            let (address, told) = echoing_server(status, KEY);
            let mut account = AccountConfig::new("vega", "leak-test.pbx.vega.ua");
            account.base_url = Some(address);
            account.timeout_ms = 5000;
            let connected =
                Account::connect(&account, &Secret::new(KEY), "RU").expect("the account is usable");
            let error = runtime
                .block_on(connected.employees())
                .expect_err("the PBX refuses");
            assert!(
                told.try_iter().any(|carried| carried),
                "{status}: the key went to the server, and so came back in its answer"
            );
            for language in [Language::Russian, Language::English] {
                let text = describe_in(language, &error);
                assert!(!text.contains(KEY), "{status}: the key leaked: {text}");
                assert!(
                    !text.contains("7f3a9c2e"),
                    "{status}: part of the key: {text}"
                );
            }
        }
    }

    #[test]
    fn every_placeholder_is_filled_in_both_languages() {
        for language in [Language::Russian, Language::English] {
            let texts = texts(language);
            let filled = fill(
                texts.file_too_large,
                &[("file", &"big.csv"), ("size", &120), ("limit", &100)],
            );
            assert!(!filled.contains('{'), "{filled}");
            assert!(
                filled.contains("big.csv") && filled.contains("120"),
                "{filled}"
            );
        }
    }
}
