//! Each window may call exactly the commands its pages call (least privilege: a script slipped
//! into the caller card, which shows what strangers send, cannot change an account or the CRM),
//! and every command the app registers has its permission. Read from the sources themselves:
//! `ui/api.js` (the only file that names commands), each page's modules, `capabilities/*.json`,
//! `build.rs` and `main.rs`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Commands a window is granted beyond what its pages call: the end-to-end tests call them from
/// these windows as the tray does (`open_settings`) or to read a state (`hotkey_status`,
/// `refresh_presence`); each only opens a window or reads.
const TEST_EXTRAS: &[(&str, &[&str])] = &[
    ("card", &["open_settings", "hotkey_status"]),
    ("settings", &["open_settings", "hotkey_status"]),
    (
        "main",
        &["open_settings", "hotkey_status", "refresh_presence"],
    ),
];

/// Which page each window shows.
const PAGES: &[(&str, &str)] = &[
    ("card", "card.html"),
    ("settings", "settings.html"),
    ("main", "index.html"),
];

fn app_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {path:?}: {e}"))
}

/// The quoted strings of `text` that follow `marker`, e.g. every `"x"` in `call("x"`.
fn quoted_after<'a>(text: &'a str, marker: &str) -> Vec<&'a str> {
    text.match_indices(marker)
        .filter_map(|(at, _)| {
            let rest = &text[at + marker.len()..];
            rest.split('"').next()
        })
        .collect()
}

/// `api.js`'s exported functions and the command each calls: `export const name = (…) =>
/// call("command", …)`, the call on the same line or the next.
fn api_functions(ui: &Path) -> BTreeMap<String, String> {
    let api = read(&ui.join("api.js"));
    let lines: Vec<&str> = api.lines().collect();
    let mut functions = BTreeMap::new();
    for (at, line) in lines.iter().enumerate() {
        let Some(rest) = line.strip_prefix("export const ") else {
            continue;
        };
        let name = rest.split([' ', '=']).next().unwrap_or_default();
        let body = [*line, lines.get(at + 1).copied().unwrap_or_default()].join(" ");
        if let Some(command) = quoted_after(&body, "call(\"").first() {
            functions.insert(name.to_owned(), (*command).to_owned());
        }
    }
    assert!(functions.len() > 40, "api.js read: {functions:?}");
    functions
}

/// The modules a page loads: its scripts (`src="….js"`) and what they import, transitively.
fn page_modules(ui: &Path, page: &str) -> BTreeSet<String> {
    let mut modules = BTreeSet::new();
    let mut todo: Vec<String> = quoted_after(&read(&ui.join(page)), "src=\"")
        .into_iter()
        .filter(|src| src.ends_with(".js"))
        .map(str::to_owned)
        .collect();
    while let Some(module) = todo.pop() {
        if !modules.insert(module.clone()) {
            continue;
        }
        for import in quoted_after(&read(&ui.join(&module)), "from \"./") {
            todo.push(import.to_owned());
        }
    }
    modules
}

/// The commands a page's modules call through `api.js`.
fn commands_called(ui: &Path, page: &str, api: &BTreeMap<String, String>) -> BTreeSet<String> {
    let mut called = BTreeSet::new();
    for module in page_modules(ui, page) {
        if module == "api.js" {
            continue;
        }
        let text = read(&ui.join(&module));
        let imported = names_imported_from_api(&text);
        for (name, command) in api {
            // `api.name` (called, or handed over as a function), or a name imported from it.
            if uses_name(&text, &format!("api.{name}")) || imported.contains(name.as_str()) {
                called.insert(command.clone());
            }
        }
    }
    called
}

/// The names a module imports from `api.js` one by one (`import { a, b } from "./api.js"`).
fn names_imported_from_api(text: &str) -> BTreeSet<&str> {
    text.lines()
        .filter(|line| line.starts_with("import {") && line.contains("\"./api.js\""))
        .filter_map(|line| line.split(['{', '}']).nth(1))
        .flat_map(|names| names.split(','))
        .map(str::trim)
        .collect()
}

/// Whether `text` has `name` as a whole word (not the start of a longer name).
fn uses_name(text: &str, name: &str) -> bool {
    text.match_indices(name).any(|(at, _)| {
        let next = text[at + name.len()..].chars().next();
        !next.is_some_and(|c| c.is_alphanumeric() || c == '_')
    })
}

/// The app commands each window's capability grants (`allow-<command>` with `-` for `_`).
fn granted() -> BTreeMap<String, BTreeSet<String>> {
    let mut granted: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let dir = app_dir().join("capabilities");
    for entry in std::fs::read_dir(&dir).expect("capabilities/") {
        let path = entry.expect("an entry").path();
        let capability: serde_json::Value =
            serde_json::from_str(&read(&path)).unwrap_or_else(|e| panic!("{path:?}: {e}"));
        let commands: BTreeSet<String> = capability["permissions"]
            .as_array()
            .expect("permissions")
            .iter()
            .filter_map(|p| p.as_str()?.strip_prefix("allow-"))
            .map(|slug| slug.replace('-', "_"))
            .collect();
        for window in capability["windows"].as_array().expect("windows") {
            let window = window.as_str().expect("a window label").to_owned();
            granted.entry(window).or_default().extend(commands.clone());
        }
    }
    granted
}

#[test]
fn each_window_is_granted_exactly_the_commands_its_pages_call() {
    let ui = app_dir().join("../ui");
    let api = api_functions(&ui);
    let granted = granted();
    for (window, page) in PAGES {
        let mut wanted = commands_called(&ui, page, &api);
        assert!(wanted.contains("ui_locale"), "{window}: {wanted:?}");
        let extras = TEST_EXTRAS
            .iter()
            .find(|(w, _)| w == window)
            .expect("extras");
        wanted.extend(extras.1.iter().map(|c| (*c).to_owned()));
        let has = granted.get(*window).cloned().unwrap_or_default();
        let missing: Vec<_> = wanted.difference(&has).collect();
        let unused: Vec<_> = has.difference(&wanted).collect();
        assert!(
            missing.is_empty(),
            "{window} calls but is not granted: {missing:?}"
        );
        assert!(
            unused.is_empty(),
            "{window} is granted but never calls: {unused:?}"
        );
    }
    let card = &granted["card"];
    for command in [
        "save_account",
        "remove_account",
        "crm_delete",
        "import_contacts",
    ] {
        assert!(!card.contains(command), "the card may not {command}");
    }
}

#[test]
fn every_registered_command_has_its_permission_and_no_other() {
    let between = |text: &str, start: &str, end: &str| -> String {
        let from = text.find(start).unwrap_or_else(|| panic!("{start}")) + start.len();
        let to = from + text[from..].find(end).unwrap_or_else(|| panic!("{end}"));
        text[from..to].to_owned()
    };
    let main = read(&app_dir().join("src/main.rs"));
    let registered: BTreeSet<String> = between(&main, "generate_handler![", "])")
        .lines()
        .map(|line| line.trim().trim_end_matches(','))
        .filter(|line| !line.is_empty() && !line.starts_with("//"))
        .map(|path| path.rsplit("::").next().unwrap_or(path).to_owned())
        .collect();
    let build = read(&app_dir().join("build.rs"));
    let listed: BTreeSet<String> = quoted_after(&between(&build, "COMMANDS", "];"), "    \"")
        .into_iter()
        .map(str::to_owned)
        .collect();
    assert!(registered.len() > 40, "main.rs read: {registered:?}");
    assert_eq!(
        registered, listed,
        "build.rs's COMMANDS and main.rs's handler"
    );
}
