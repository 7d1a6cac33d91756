//! What happens before the app is up, and when it cannot come up: the log's destination, the
//! check that a web view runtime exists (Windows: Microsoft Edge WebView2), and a failure told
//! to the user in their language — a native message box on Windows, where a program of the GUI
//! subsystem has no console to print to — followed by a clean exit instead of a panic.

use crate::locale::{self, Language};

/// The title of Callpop's start-up messages.
const TITLE: &str = "Callpop";

/// Why Callpop cannot start.
#[derive(Debug)]
pub enum StartupFailure {
    /// Windows without the WebView2 runtime the windows are drawn with.
    #[cfg_attr(not(windows), allow(dead_code))]
    NoWebView(String),
    /// Tauri could not build the app (no display, a window that cannot be made...).
    CannotStart(String),
}

/// Start-up texts in the user's language.
struct Texts {
    no_webview: &'static str,
    cannot_start: &'static str,
    /// Said in a message box on Windows only (elsewhere a panic prints to the terminal).
    #[cfg_attr(not(windows), allow(dead_code))]
    crashed: &'static str,
    details: &'static str,
}

fn texts(language: Language) -> Texts {
    match language {
        Language::Russian => Texts {
            no_webview: "Callpop не может запуститься: на этом компьютере нет среды Microsoft Edge \
                WebView2, которой Callpop рисует свои окна.\n\nВ Windows 11 и обновлённой Windows 10 \
                она уже есть. Установите Evergreen-версию WebView2 Runtime с сайта Microsoft \
                (developer.microsoft.com/microsoft-edge/webview2) или попросите об этом \
                администратора, затем запустите Callpop снова.",
            cannot_start: "Callpop не может запуститься.",
            crashed: "Callpop остановился из-за внутренней ошибки. Звонки, контакты и история \
                сохранены; запустите Callpop снова. Если ошибка повторится, пришлите \
                администратору файл журнала:",
            details: "Подробности",
        },
        Language::English => Texts {
            no_webview: "Callpop cannot start: this computer has no Microsoft Edge WebView2 \
                Runtime, which Callpop draws its windows with.\n\nWindows 11 and an up-to-date \
                Windows 10 have it. Install Microsoft's Evergreen WebView2 Runtime \
                (developer.microsoft.com/microsoft-edge/webview2), or ask your IT to, then start \
                Callpop again.",
            cannot_start: "Callpop cannot start.",
            crashed: "Callpop stopped because of an internal error. Calls, contacts and history \
                are kept; start Callpop again. If it happens again, send this log file to your \
                IT:",
            details: "Details",
        },
    }
}

impl StartupFailure {
    /// The whole message for the user, with the technical detail on its own line for support.
    pub fn message(&self, language: Language) -> String {
        let texts = texts(language);
        match self {
            StartupFailure::NoWebView(detail) => {
                format!("{}\n\n{}: {detail}", texts.no_webview, texts.details)
            }
            StartupFailure::CannotStart(detail) => {
                format!("{}\n\n{}: {detail}", texts.cannot_start, texts.details)
            }
        }
    }
}

/// Checks what the windows need before any is made. On Windows, Tauri panics deep inside its
/// set-up when the WebView2 runtime is missing; asking the loader for the runtime's version first
/// turns that into a message.
pub fn check_web_view() -> Result<(), StartupFailure> {
    #[cfg(windows)]
    if let Err(e) = tauri::webview_version() {
        return Err(StartupFailure::NoWebView(e.to_string()));
    }
    Ok(())
}

/// Tells the user why Callpop cannot start and exits with status 1.
pub fn fail(failure: StartupFailure) -> ! {
    let text = failure.message(locale::language());
    tracing::error!("cannot start: {failure:?}");
    tell(&text);
    std::process::exit(1);
}

/// A message the user must see: on stderr, and on Windows in a message box too (waits until it
/// is closed).
fn tell(text: &str) {
    eprintln!("callpop: {text}");
    #[cfg(windows)]
    crate::win32::message_box(TITLE, text);
    #[cfg(not(windows))]
    let _ = TITLE;
}

/// A start-up problem the app runs on with (the config unreadable, no keyring): the tray and the
/// main window show it; on Windows, where a tray icon is easily overlooked, a message box says it
/// too, without holding the app.
pub fn tell_in_background(text: &str) {
    #[cfg(windows)]
    {
        let text = text.to_owned();
        let _ = std::thread::Builder::new()
            .name("start-up message".into())
            .spawn(move || crate::win32::message_box(TITLE, &text));
    }
    #[cfg(not(windows))]
    let _ = text;
}

/// Sends the log to the terminal, and on Windows also to `callpop.log` in the data folder (a GUI
/// program has no terminal; support asks for that file). Plain text: no colour codes in a file.
pub fn init_logging() {
    let filter = || {
        tracing_subscriber::EnvFilter::try_from_default_env()
            .unwrap_or_else(|_| "info,tao=warn,wry=warn".into())
    };
    #[cfg(windows)]
    if let Some(file) = log_file::open() {
        tracing_subscriber::fmt()
            .with_env_filter(filter())
            .with_ansi(false)
            .with_writer(std::sync::Mutex::new(file))
            .init();
        return;
    }
    use std::io::IsTerminal as _;
    tracing_subscriber::fmt()
        .with_env_filter(filter())
        .with_ansi(std::io::stdout().is_terminal())
        .init();
}

/// On Windows, a panic (a bug) ends the program without a word, since there is no console: say
/// it in a message box that names the log file. Elsewhere the default hook prints to stderr.
pub fn report_panics() {
    #[cfg(windows)]
    {
        let default_hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            default_hook(info);
            tracing::error!("{info}");
            let log = log_file::path()
                .map(|path| path.display().to_string())
                .unwrap_or_default();
            let texts = texts(locale::language());
            crate::win32::message_box(
                TITLE,
                &format!("{} {log}\n\n{}: {info}", texts.crashed, texts.details),
            );
        }));
    }
}

#[cfg(windows)]
mod log_file {
    use std::fs::{File, OpenOptions};
    use std::path::PathBuf;

    /// A log over this size is started anew at the next start.
    const MAX_BYTES: u64 = 5 * 1024 * 1024;

    pub fn path() -> Option<PathBuf> {
        callpop_core::Config::data_dir()
            .ok()
            .map(|dir| dir.join("callpop.log"))
    }

    pub fn open() -> Option<File> {
        let path = path()?;
        std::fs::create_dir_all(path.parent()?).ok()?;
        let too_big = std::fs::metadata(&path).is_ok_and(|meta| meta.len() > MAX_BYTES);
        OpenOptions::new()
            .create(true)
            .append(!too_big)
            .write(true)
            .truncate(too_big)
            .open(&path)
            .ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_web_view_is_explained_in_each_language_with_the_detail_last() {
        let failure = StartupFailure::NoWebView("HRESULT 0x80070002".into());
        let russian = failure.message(Language::Russian);
        assert!(russian.starts_with("Callpop не может запуститься: на этом компьютере нет среды"));
        assert!(russian.contains("WebView2 Runtime"));
        assert!(russian.ends_with("Подробности: HRESULT 0x80070002"));
        let english = failure.message(Language::English);
        assert!(english.starts_with("Callpop cannot start: this computer has no Microsoft Edge"));
        assert!(english.contains("developer.microsoft.com/microsoft-edge/webview2"));
        assert!(english.ends_with("Details: HRESULT 0x80070002"));
    }
}
