//! Which wire form a Vega account takes, remembered between runs of the program.
//!
//! The spec sends its read-only calls as `GET` with query parameters; the Phonet platform, which
//! Vega runs on, may take only `POST` with a JSON body (see [`super::client`]). A client finds
//! out by trying, which costs a refused request. Within one process it then remembers; this
//! module keeps the answer across processes, so that each `callpop-cli history` or app start
//! against a `POST`-only server does not pay that `405` again.
//!
//! One small JSON file, [`FILE_NAME`] in the directory the caller gives (the data directory):
//!
//! ```json
//! { "accounts": { "test4.pbx.vega.ua at https://test4.pbx.vega.ua": "post" } }
//! ```
//!
//! An account is known by its domain and base URL only: the form is a property of the server,
//! and nothing secret (the API key, a password in the URL) may land in a plain file.
//!
//! The memory is a hint, never a reason to fail: a missing file means "not known" (the spec's
//! form is tried first), a broken or unreadable one the same with one warning per process, and a
//! failed write is logged and forgotten. Writes go to a temporary file renamed over the old one,
//! so a reader never sees half a file. Two processes switching at the same moment may lose one
//! of their updates; the loser re-probes once on its next run.

use std::collections::BTreeMap;
use std::io::{ErrorKind, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;

use reqwest::Url;
use serde::{Deserialize, Serialize};

use super::client::VegaSettings;

/// The memory's file name in the directory given to [`WireFormMemory::new`].
pub const FILE_NAME: &str = "vega-wire-form.json";

/// A file larger than this is not ours: it is ignored as broken rather than read into memory.
const MAX_FILE_BYTES: u64 = 64 * 1024;

/// Entries kept at most. Only a switch writes, so the file grows with each server that ever
/// refused a form; a test suite against simulators on fresh ports could still grow it without
/// end. Past the limit the `get` entries go first (forgetting one costs nothing: `GET` is tried
/// first anyway), then every entry but the one being written.
const MAX_ACCOUNTS: usize = 64;

/// The two ways to send a call the spec gives as `GET`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum WireForm {
    /// `GET`, query parameters, times in milliseconds: vega.md part B.
    #[serde(rename = "get")]
    Query,
    /// `POST`, a JSON body, times in seconds: the Phonet platform's client.
    #[serde(rename = "post")]
    PostJson,
}

impl WireForm {
    /// The form to try when this one is refused.
    pub fn other(self) -> WireForm {
        match self {
            WireForm::Query => WireForm::PostJson,
            WireForm::PostJson => WireForm::Query,
        }
    }
}

/// The file's content.
#[derive(Debug, Default, Serialize, Deserialize)]
struct MemoryFile {
    #[serde(default)]
    accounts: BTreeMap<String, WireForm>,
}

/// Whether a broken or unreadable file was reported already: once per process is enough, the
/// next switch rewrites it anyway.
static WARNED: AtomicBool = AtomicBool::new(false);

/// Serializes read-modify-write within the process, so two clients switching at once both land.
static WRITING: Mutex<()> = Mutex::new(());

/// Makes temporary file names unique within the process (the process id covers the others).
static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// The remembered wire form of one account, in one directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WireFormMemory {
    path: PathBuf,
    account: String,
}

impl WireFormMemory {
    /// The memory of the account `settings` reach, kept in [`FILE_NAME`] in `dir`. Reads and
    /// writes nothing yet.
    pub fn new(dir: impl Into<PathBuf>, settings: &VegaSettings) -> WireFormMemory {
        WireFormMemory {
            path: dir.into().join(FILE_NAME),
            account: account_key(settings),
        }
    }

    /// The file this memory lives in.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The form that worked last for this account, or `None` when not known (no file, no
    /// entry, a broken or unreadable file).
    pub fn recall(&self) -> Option<WireForm> {
        self.read().accounts.get(&self.account).copied()
    }

    /// Writes `form` as this account's working form. Never fails: the memory is a hint, and a
    /// failed write only costs a re-probe on the next run.
    pub fn remember(&self, form: WireForm) {
        let _writing = WRITING
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let mut file = self.read();
        if file.accounts.get(&self.account) == Some(&form) {
            return;
        }
        file.accounts.insert(self.account.clone(), form);
        if file.accounts.len() > MAX_ACCOUNTS {
            let account = &self.account;
            file.accounts
                .retain(|key, form| key == account || *form == WireForm::PostJson);
        }
        if file.accounts.len() > MAX_ACCOUNTS {
            file.accounts.retain(|key, _| *key == self.account);
        }
        if let Err(error) = self.write(&file) {
            tracing::warn!(
                path = %self.path.display(),
                %error,
                "cannot save which request form Vega takes; it will be probed again next time"
            );
        }
    }

    /// The file's content; empty when missing, broken or unreadable (warning once for the last
    /// two).
    fn read(&self) -> MemoryFile {
        match read_capped(&self.path) {
            Ok(Some(text)) => match serde_json::from_str(&text) {
                Ok(file) => file,
                Err(error) => {
                    self.warn_once(&format!("not the expected JSON ({error})"));
                    MemoryFile::default()
                }
            },
            Ok(None) => MemoryFile::default(),
            Err(error) => {
                self.warn_once(&error.to_string());
                MemoryFile::default()
            }
        }
    }

    fn warn_once(&self, problem: &str) {
        if !WARNED.swap(true, Ordering::Relaxed) {
            tracing::warn!(
                path = %self.path.display(),
                problem,
                "ignoring the remembered Vega request forms; the file is rewritten at the next \
                 switch, or delete it"
            );
        }
    }

    /// Writes `file` to a temporary file beside the real one, then renames it over: a reader
    /// sees the old content or the new, never half of it.
    fn write(&self, file: &MemoryFile) -> std::io::Result<()> {
        let dir = self.path.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir)?;
        let temp = dir.join(format!(
            ".{FILE_NAME}.{}.{}.tmp",
            std::process::id(),
            TEMP_COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        let text = serde_json::to_string_pretty(file).map_err(std::io::Error::other)?;
        let written = std::fs::File::create(&temp).and_then(|mut out| {
            out.write_all(text.as_bytes())?;
            out.write_all(b"\n")?;
            out.sync_all()
        });
        let renamed = written.and_then(|()| std::fs::rename(&temp, &self.path));
        if renamed.is_err() {
            let _ = std::fs::remove_file(&temp);
        }
        renamed
    }
}

/// The file's text; `None` when there is no file.
fn read_capped(path: &Path) -> std::io::Result<Option<String>> {
    let file = match std::fs::File::open(path) {
        Ok(file) => file,
        Err(error) if error.kind() == ErrorKind::NotFound => return Ok(None),
        Err(error) => return Err(error),
    };
    let mut text = String::new();
    file.take(MAX_FILE_BYTES + 1).read_to_string(&mut text)?;
    if text.len() as u64 > MAX_FILE_BYTES {
        return Err(std::io::Error::new(
            ErrorKind::InvalidData,
            format!("larger than {MAX_FILE_BYTES} bytes"),
        ));
    }
    Ok(Some(text))
}

/// `"{domain} at {base URL}"`, lower-cased, the URL without user, password, query or trailing
/// slash: what tells one account from another, and nothing secret.
fn account_key(settings: &VegaSettings) -> String {
    let base_url = settings.base_url.trim().trim_end_matches('/');
    let base_url = match Url::parse(base_url) {
        Ok(mut url) => {
            // Cannot fail on an http(s) URL; on another the client refuses the settings anyway.
            let _ = url.set_username("");
            let _ = url.set_password(None);
            url.set_query(None);
            url.set_fragment(None);
            url.as_str().trim_end_matches('/').to_owned()
        }
        // Unreachable through the client, which refuses such settings; kept out of the file's
        // key rather than guessed at.
        Err(_) => String::new(),
    };
    format!(
        "{} at {}",
        settings.domain.trim().to_lowercase(),
        base_url.to_lowercase()
    )
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    /// A fresh directory under the system's temp dir, removed when dropped.
    struct TempDir(PathBuf);

    impl TempDir {
        fn new(name: &str) -> TempDir {
            let dir = std::env::temp_dir().join(format!(
                "callpop-wire-form-unit-{name}-{}",
                std::process::id()
            ));
            let _ = std::fs::remove_dir_all(&dir);
            TempDir(dir)
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn settings(base_url: &str, domain: &str) -> VegaSettings {
        VegaSettings {
            base_url: base_url.to_owned(),
            domain: domain.to_owned(),
            timeout: Duration::from_secs(1),
            region: "UA".to_owned(),
        }
    }

    fn account() -> VegaSettings {
        settings("https://test4.pbx.vega.ua", "test4.pbx.vega.ua")
    }

    #[test]
    fn nothing_is_known_without_a_file_and_the_directory_is_made_on_the_first_write() {
        let dir = TempDir::new("missing");
        let memory = WireFormMemory::new(dir.0.join("nested"), &account());
        assert_eq!(memory.recall(), None);
        memory.remember(WireForm::PostJson);
        assert_eq!(memory.recall(), Some(WireForm::PostJson));
        let text = std::fs::read_to_string(memory.path()).unwrap();
        assert!(text.contains(r#""test4.pbx.vega.ua at https://test4.pbx.vega.ua": "post""#));
    }

    #[test]
    fn a_remembered_form_is_read_back_by_a_new_memory_and_can_flip() {
        let dir = TempDir::new("flip");
        WireFormMemory::new(&dir.0, &account()).remember(WireForm::PostJson);
        let again = WireFormMemory::new(&dir.0, &account());
        assert_eq!(again.recall(), Some(WireForm::PostJson));
        again.remember(WireForm::Query);
        assert_eq!(
            WireFormMemory::new(&dir.0, &account()).recall(),
            Some(WireForm::Query)
        );
        // No temporary file is left behind.
        let names: Vec<_> = std::fs::read_dir(&dir.0)
            .unwrap()
            .map(|entry| entry.unwrap().file_name())
            .collect();
        assert_eq!(names, [FILE_NAME]);
    }

    #[test]
    fn accounts_are_remembered_apart() {
        let dir = TempDir::new("apart");
        let other_domain = settings("https://test4.pbx.vega.ua", "other.pbx.vega.ua");
        let other_host = settings("http://127.0.0.1:8080", "test4.pbx.vega.ua");
        WireFormMemory::new(&dir.0, &account()).remember(WireForm::PostJson);
        WireFormMemory::new(&dir.0, &other_host).remember(WireForm::Query);
        assert_eq!(WireFormMemory::new(&dir.0, &other_domain).recall(), None);
        assert_eq!(
            WireFormMemory::new(&dir.0, &other_host).recall(),
            Some(WireForm::Query)
        );
        assert_eq!(
            WireFormMemory::new(&dir.0, &account()).recall(),
            Some(WireForm::PostJson)
        );
    }

    #[test]
    fn the_same_account_written_differently_is_one_account() {
        let dir = TempDir::new("same");
        WireFormMemory::new(&dir.0, &account()).remember(WireForm::PostJson);
        let spelled = settings(" HTTPS://Test4.PBX.vega.ua/ ", " TEST4.pbx.vega.ua ");
        assert_eq!(
            WireFormMemory::new(&dir.0, &spelled).recall(),
            Some(WireForm::PostJson)
        );
    }

    #[test]
    fn no_credentials_of_the_url_reach_the_file() {
        let dir = TempDir::new("secret");
        let with_password = settings(
            "https://admin:hunter2@test4.pbx.vega.ua/?token=s3cret",
            "test4.pbx.vega.ua",
        );
        let memory = WireFormMemory::new(&dir.0, &with_password);
        memory.remember(WireForm::PostJson);
        let text = std::fs::read_to_string(memory.path()).unwrap();
        for secret in ["admin", "hunter2", "s3cret"] {
            assert!(!text.contains(secret), "{text}");
        }
        assert_eq!(
            WireFormMemory::new(&dir.0, &account()).recall(),
            Some(WireForm::PostJson)
        );
    }

    #[test]
    fn a_broken_file_is_not_known_and_the_next_write_repairs_it() {
        for broken in [
            &b"{not json"[..],
            b"",
            b"[1, 2, 3]",
            br#"{"accounts": {"test4.pbx.vega.ua at https://test4.pbx.vega.ua": "carrier pigeon"}}"#,
            &[0xff, 0xfe, 0x00, 0x7b][..],
        ] {
            let dir = TempDir::new("broken");
            std::fs::create_dir_all(&dir.0).unwrap();
            let memory = WireFormMemory::new(&dir.0, &account());
            std::fs::write(memory.path(), broken).unwrap();
            assert_eq!(memory.recall(), None, "{broken:?}");
            memory.remember(WireForm::PostJson);
            assert_eq!(memory.recall(), Some(WireForm::PostJson), "{broken:?}");
        }
    }

    #[test]
    fn an_oversized_file_is_ignored() {
        let dir = TempDir::new("huge");
        std::fs::create_dir_all(&dir.0).unwrap();
        let memory = WireFormMemory::new(&dir.0, &account());
        let padding = " ".repeat(MAX_FILE_BYTES as usize);
        std::fs::write(
            memory.path(),
            format!(
                r#"{{"accounts": {{"test4.pbx.vega.ua at https://test4.pbx.vega.ua": "post"}}}}{padding}"#
            ),
        )
        .unwrap();
        assert_eq!(memory.recall(), None);
    }

    #[test]
    fn an_unreadable_place_is_not_known_and_a_failed_write_does_not_panic() {
        let dir = TempDir::new("unreadable");
        std::fs::create_dir_all(&dir.0).unwrap();
        // A directory where the file should be: neither readable as a file nor replaceable.
        let memory = WireFormMemory::new(&dir.0, &account());
        std::fs::create_dir_all(memory.path()).unwrap();
        assert_eq!(memory.recall(), None);
        memory.remember(WireForm::PostJson);
        assert_eq!(memory.recall(), None);
    }

    #[test]
    fn the_file_stays_small_however_many_servers_switched() {
        let dir = TempDir::new("bounded");
        for port in 0..(MAX_ACCOUNTS as u16 * 2) {
            let sim = settings(&format!("http://127.0.0.1:{}", 10_000 + port), "sim");
            let form = if port % 2 == 0 {
                WireForm::PostJson
            } else {
                WireForm::Query
            };
            WireFormMemory::new(&dir.0, &sim).remember(form);
        }
        let memory = WireFormMemory::new(&dir.0, &account());
        memory.remember(WireForm::PostJson);
        assert_eq!(memory.recall(), Some(WireForm::PostJson));
        let file: MemoryFile =
            serde_json::from_str(&std::fs::read_to_string(memory.path()).unwrap()).unwrap();
        assert!(
            file.accounts.len() <= MAX_ACCOUNTS,
            "{}",
            file.accounts.len()
        );
    }
}
