//! Settings in a TOML file in the OS config directory. It never holds a secret: API keys live in
//! the OS keyring ([`crate::secrets`]).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::phone::DEFAULT_REGION;

/// Points at another config file (tests and scripts use it).
pub const CONFIG_ENV: &str = "CALLPOP_CONFIG";
/// Points at another data directory (the SQLite file lives there).
pub const DATA_DIR_ENV: &str = "CALLPOP_DATA_DIR";

/// What can go wrong reading or writing the config.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file exists but could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file involved.
        path: PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
    /// The file is not valid TOML or has a wrong field; the message names the line.
    #[error("{path}: {message}Fix the file or delete it to start over with the demo.")]
    Invalid {
        /// The file involved.
        path: PathBuf,
        /// The parser's message, with line and column.
        message: String,
    },
    /// Neither an environment variable nor the OS names a directory for us.
    #[error("cannot find a home directory: set {CONFIG_ENV} and {DATA_DIR_ENV}")]
    NoHome,
}

/// The PBX account Callpop works with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountConfig {
    /// Provider module: `vega`.
    pub provider: String,
    /// The account's domain at the PBX (`test4.pbx.vega.ua`).
    pub domain: String,
    /// Where the PBX's API is, when not `https://{domain}` (a simulator, a proxy).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_url: Option<String>,
    /// "Me": the PBX user (extension) whose calls pop up and who makes click-to-call calls.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// How often to ask the PBX for its active calls, where the provider polls.
    #[serde(default = "default_poll_interval_ms")]
    pub poll_interval_ms: u64,
    /// How long one request to the PBX may take.
    #[serde(default = "default_timeout_ms")]
    pub timeout_ms: u64,
    /// The user name the PBX's API logs in with, where it is not the key itself (Asterisk: the
    /// manager.conf user; its secret is the account's API key).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub login: Option<String>,
    /// The dialplan context click-to-call dials the customer from (Asterisk; `internal` when
    /// unset, FreePBX: `from-internal`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dial_context: Option<String>,
    /// How Callpop talks to Asterisk: `ami` (the manager interface, TCP; the default) or `ari`
    /// (the REST interface and its events WebSocket; `base_url` `http://HOST:8088`, `login` = the
    /// ari.conf user, the API key = its password).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub asterisk_interface: Option<crate::asterisk_options::AsteriskInterface>,
    /// Where Asterisk keeps Do-Not-Disturb: `presence` (`CustomPresence:EXT`, the default) or
    /// `astdb` (FreePBX's AstDB key `DND/EXT` = `YES`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dnd_via: Option<crate::asterisk_options::DndStore>,
}

fn default_poll_interval_ms() -> u64 {
    1000
}

fn default_timeout_ms() -> u64 {
    5000
}

impl AccountConfig {
    /// A new account with default timings.
    pub fn new(provider: &str, domain: &str) -> AccountConfig {
        AccountConfig {
            provider: provider.to_owned(),
            domain: domain.to_owned(),
            base_url: None,
            user: None,
            poll_interval_ms: default_poll_interval_ms(),
            timeout_ms: default_timeout_ms(),
            login: None,
            dial_context: None,
            asterisk_interface: None,
            dnd_via: None,
        }
    }

    /// The API's base URL: the configured one, else `https://{domain}`.
    pub fn base_url(&self) -> String {
        match &self.base_url {
            Some(url) => url.trim_end_matches('/').to_owned(),
            None => format!("https://{}", self.domain),
        }
    }

    /// The name this account's secret is stored under in the keyring.
    pub fn keyring_user(&self) -> String {
        format!("{}:{}", self.provider, self.domain)
    }
}

/// Everything in the config file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// ISO 3166 region for numbers without a country code; `RU` when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// The PBX account; none means the app runs its demo.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<AccountConfig>,
    /// The webhook relay the account's events come from, instead of polling the PBX.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relay: Option<RelaySettings>,
    /// Links into the team's CRM.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crm: Option<CrmLinks>,
    /// Run the webhook relay inside the app, for a one-office setup (off unless present).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lan_relay: Option<LanRelaySettings>,
    /// Unknown numbers added to the directory after a missed or outgoing call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_contacts: Option<crate::auto_contact::AutoContacts>,
    /// The Autodialer (robot calls by a scenario); none: the `autodial` commands are off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub autodialer: Option<AutodialerSettings>,
    /// The app's language, `ru` or `en`; none: the OS locale's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// Accounts set up but not in use now (`[[other_accounts]]`); the settings window switches
    /// between them and [`Config::account`].
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub other_accounts: Vec<AccountConfig>,
    /// The app's desktop behaviour: notifications and the global hotkey.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub desktop: Option<DesktopSettings>,
}

/// How the desktop app behaves beyond the caller card (`[desktop]`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DesktopSettings {
    /// Desktop notifications for missed calls, with "Call back"; on unless `false`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub missed_call_notifications: Option<bool>,
    /// The global hotkey that calls the number in the clipboard (`CommandOrControl+Alt+C`
    /// style); none: the app's default; an empty string: no hotkey.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call_clipboard_hotkey: Option<String>,
}

/// The relay the app runs itself (`[lan_relay]`): the PBX posts its webhooks to this machine.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LanRelaySettings {
    /// The relay's own config file (the same `relay.toml` the standalone relay reads).
    pub config: PathBuf,
    /// This desktop's `[[clients]]` entry in it, to see only its calls; absent: every call the
    /// relay receives.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client: Option<String>,
}

/// Where the Autodialer is (`docs/providers/autodialer.md`). Its key lives in the keyring
/// ([`crate::secrets::autodialer_key`]): the API puts it in the URL's path and the body, never here.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AutodialerSettings {
    /// Scheme and host (and any path before the key): `https://site.url`. Requests go to
    /// `{base_url}/{key}/make`, `.../newcall`, `.../cdr`.
    pub base_url: String,
    /// The scenario (`generationtype`) used when a command names none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub campaign: Option<String>,
    /// How long one request may take.
    #[serde(default = "default_autodialer_timeout_ms")]
    pub timeout_ms: u64,
}

fn default_autodialer_timeout_ms() -> u64 {
    10_000
}

impl AutodialerSettings {
    /// Settings for `base_url` with no default scenario and the default timeout.
    pub fn new(base_url: &str) -> AutodialerSettings {
        AutodialerSettings {
            base_url: base_url.trim().trim_end_matches('/').to_owned(),
            campaign: None,
            timeout_ms: default_autodialer_timeout_ms(),
        }
    }

    /// The name the key is stored under in the keyring.
    pub fn keyring_user(&self) -> String {
        format!("autodialer:{}", self.base_url.trim().trim_end_matches('/'))
    }
}

/// Links into the team's CRM, for numbers the directory does not know.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CrmLinks {
    /// Opens the CRM's "new contact" form: `{phone}` becomes the number, URL-encoded
    /// (`https://crm.example.com/contacts/new?phone={phone}`).
    pub new_contact_url: String,
}

impl CrmLinks {
    /// The "create contact" link for `number` (its normalised form, `+79101234567`).
    pub fn new_contact_link(&self, number: &str) -> String {
        let encoded: String = form_urlencoded::byte_serialize(number.as_bytes()).collect();
        self.new_contact_url.replace("{phone}", &encoded)
    }
}

/// Where this desktop's relay is. Its token lives in the keyring, like every secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RelaySettings {
    /// The relay's WebSocket URL: `wss://relay.example.com/ws`.
    pub url: String,
}

impl RelaySettings {
    /// The name this relay's token is stored under in the keyring.
    pub fn keyring_user(&self) -> String {
        format!("relay:{}", self.url)
    }
}

impl Config {
    /// The region numbers are parsed with.
    pub fn region(&self) -> &str {
        self.region.as_deref().unwrap_or(DEFAULT_REGION)
    }

    /// Where the config file is: `$CALLPOP_CONFIG`, else `config.toml` in the OS config dir.
    pub fn default_path() -> Result<PathBuf, ConfigError> {
        if let Some(path) = std::env::var_os(CONFIG_ENV) {
            return Ok(PathBuf::from(path));
        }
        Ok(os_dirs::config_dir()?.join("config.toml"))
    }

    /// Where the data lives: `$CALLPOP_DATA_DIR`, else the OS data dir.
    pub fn data_dir() -> Result<PathBuf, ConfigError> {
        if let Some(path) = std::env::var_os(DATA_DIR_ENV) {
            return Ok(PathBuf::from(path));
        }
        os_dirs::data_dir()
    }

    /// The SQLite file with the directory and history.
    pub fn store_path() -> Result<PathBuf, ConfigError> {
        Ok(Config::data_dir()?.join("callpop.sqlite3"))
    }

    /// Reads the config at the default path; a missing file is an empty config.
    pub fn load() -> Result<Config, ConfigError> {
        Config::load_from(&Config::default_path()?)
    }

    /// Reads the config at `path`; a missing file is an empty config.
    pub fn load_from(path: &Path) -> Result<Config, ConfigError> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Config::default()),
            Err(source) => {
                return Err(ConfigError::Io {
                    path: path.to_owned(),
                    source,
                })
            }
        };
        toml::from_str(&text).map_err(|e| ConfigError::Invalid {
            path: path.to_owned(),
            message: e.to_string(),
        })
    }

    /// Writes the config to `path`, creating its directory.
    pub fn save_to(&self, path: &Path) -> Result<(), ConfigError> {
        let io = |source| ConfigError::Io {
            path: path.to_owned(),
            source,
        };
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        let text = toml::to_string_pretty(self).expect("config always serialises to TOML");
        std::fs::write(path, text).map_err(io)
    }
}

/// An account with the same provider and domain is set up already: it would share its key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the account {0} is set up already: edit that one instead")]
pub struct DuplicateAccount(pub String);

impl Config {
    /// Every account set up, the active one first. An account is known by its
    /// [`AccountConfig::keyring_user`] (`provider:domain`).
    pub fn accounts(&self) -> impl Iterator<Item = &AccountConfig> {
        self.account.iter().chain(self.other_accounts.iter())
    }

    /// Makes the account `id` the active one; the one active before joins the others in its
    /// place. False when no such account is set up.
    pub fn use_account(&mut self, id: &str) -> bool {
        if self
            .account
            .as_ref()
            .is_some_and(|a| a.keyring_user() == id)
        {
            return true;
        }
        let Some(index) = self
            .other_accounts
            .iter()
            .position(|a| a.keyring_user() == id)
        else {
            return false;
        };
        let chosen = self.other_accounts.remove(index);
        if let Some(previous) = self.account.replace(chosen) {
            self.other_accounts.insert(index, previous);
        }
        true
    }

    /// Removes the account `id`. When it was the active one, the first other account takes its
    /// place (none left: the app runs its demo). Returns the removed account.
    pub fn remove_account(&mut self, id: &str) -> Option<AccountConfig> {
        if self
            .account
            .as_ref()
            .is_some_and(|a| a.keyring_user() == id)
        {
            let removed = self.account.take();
            if !self.other_accounts.is_empty() {
                self.account = Some(self.other_accounts.remove(0));
            }
            return removed;
        }
        let index = self
            .other_accounts
            .iter()
            .position(|a| a.keyring_user() == id)?;
        Some(self.other_accounts.remove(index))
    }

    /// Puts `account` in the place of the account `replaces` (edited), or adds it. `active`:
    /// it becomes the active account (the previous one joins the others); an edited account
    /// otherwise keeps its place, and the first account set up is always the active one.
    pub fn put_account(
        &mut self,
        replaces: Option<&str>,
        account: AccountConfig,
        active: bool,
    ) -> Result<(), DuplicateAccount> {
        let id = account.keyring_user();
        if self
            .accounts()
            .any(|a| a.keyring_user() == id && Some(id.as_str()) != replaces)
        {
            return Err(DuplicateAccount(id));
        }
        let replaced = replaces.and_then(|old| {
            if self
                .account
                .as_ref()
                .is_some_and(|a| a.keyring_user() == old)
            {
                self.account = Some(account.clone());
                return Some(());
            }
            let slot = self
                .other_accounts
                .iter_mut()
                .find(|a| a.keyring_user() == old)?;
            *slot = account.clone();
            Some(())
        });
        if replaced.is_none() {
            self.other_accounts.push(account);
        }
        if active || self.account.is_none() {
            self.use_account(&id);
        }
        Ok(())
    }
}

/// Where each system keeps an app's files.
mod os_dirs {
    use std::path::PathBuf;

    use super::ConfigError;

    /// Linux `~/.config/callpop`, macOS `~/Library/Application Support/org.Callpop.callpop`.
    #[cfg(not(windows))]
    pub fn config_dir() -> Result<PathBuf, ConfigError> {
        Ok(project_dirs()?.config_dir().to_owned())
    }

    /// Linux `~/.local/share/callpop`, macOS the same folder as the config.
    #[cfg(not(windows))]
    pub fn data_dir() -> Result<PathBuf, ConfigError> {
        Ok(project_dirs()?.data_dir().to_owned())
    }

    #[cfg(not(windows))]
    fn project_dirs() -> Result<directories::ProjectDirs, ConfigError> {
        directories::ProjectDirs::from("org", "Callpop", "callpop").ok_or(ConfigError::NoHome)
    }

    /// `%APPDATA%\Callpop`: the settings roam with the user's profile, where IT can also
    /// pre-set them (the installer's `/PROVIDER=` and `/DOMAIN=`).
    #[cfg(windows)]
    pub fn config_dir() -> Result<PathBuf, ConfigError> {
        let dirs = directories::BaseDirs::new().ok_or(ConfigError::NoHome)?;
        Ok(dirs.config_dir().join("Callpop"))
    }

    /// `%LOCALAPPDATA%\Callpop`: the directory and history stay on this machine (a roaming
    /// profile would copy a large SQLite file at every log-on).
    #[cfg(windows)]
    pub fn data_dir() -> Result<PathBuf, ConfigError> {
        let dirs = directories::BaseDirs::new().ok_or(ConfigError::NoHome)?;
        Ok(dirs.data_local_dir().join("Callpop"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_file_is_an_empty_config() {
        let dir = tempfile::tempdir().unwrap();
        let config = Config::load_from(&dir.path().join("none.toml")).unwrap();
        assert_eq!(config, Config::default());
        assert_eq!(config.region(), "RU");
    }

    #[test]
    fn round_trips_through_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/config.toml");
        let mut account = AccountConfig::new("vega", "test4.pbx.vega.ua");
        account.user = Some("001".into());
        let config = Config {
            region: Some("UA".into()),
            account: Some(account),
            relay: Some(RelaySettings {
                url: "wss://relay.example.com/ws".into(),
            }),
            crm: None,
            lan_relay: Some(LanRelaySettings {
                config: PathBuf::from("/etc/callpop/relay.toml"),
                client: Some("reception".into()),
            }),
            auto_contacts: Some(crate::AutoContacts {
                on_missed: true,
                on_outgoing: false,
                responsible: Some("Дарья".into()),
            }),
            autodialer: None,
            ..Config::default()
        };
        config.save_to(&path).unwrap();
        assert_eq!(Config::load_from(&path).unwrap(), config);
        assert_eq!(
            config.account.unwrap().base_url(),
            "https://test4.pbx.vega.ua"
        );
    }

    #[test]
    fn the_new_contact_link_carries_the_number_url_encoded() {
        let crm = CrmLinks {
            new_contact_url: "https://crm.example.com/new?phone={phone}".into(),
        };
        assert_eq!(
            crm.new_contact_link("+79101234567"),
            "https://crm.example.com/new?phone=%2B79101234567"
        );
        assert_eq!(
            crm.new_contact_link("sip:101@pbx"),
            "https://crm.example.com/new?phone=sip%3A101%40pbx"
        );
    }

    #[test]
    fn the_autodialer_section_is_optional_and_defaults_its_timeout() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(&path, "[autodialer]\nbase_url = \"https://site.url/\"\n").unwrap();
        let config = Config::load_from(&path).unwrap();
        let autodialer = config.autodialer.clone().unwrap();
        assert_eq!(autodialer.timeout_ms, 10_000);
        assert_eq!(autodialer.campaign, None);
        assert_eq!(autodialer.keyring_user(), "autodialer:https://site.url");
        config.save_to(&path).unwrap();
        assert_eq!(Config::load_from(&path).unwrap(), config);
        std::fs::write(&path, "region = \"RU\"\n").unwrap();
        assert_eq!(Config::load_from(&path).unwrap().autodialer, None);
        // The key has no place in the file either.
        std::fs::write(&path, "[autodialer]\nbase_url = \"x\"\nkey = \"k\"\n").unwrap();
        let message = Config::load_from(&path).unwrap_err().to_string();
        assert!(message.contains("key"), "{message}");
    }

    #[test]
    fn invalid_file_names_the_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(&path, "region = \"RU\"\n[account]\nprovider = 5\n").unwrap();
        let message = Config::load_from(&path).unwrap_err().to_string();
        assert!(message.contains("line 3"), "{message}");
        assert!(message.contains("config.toml"), "{message}");
    }

    #[test]
    fn a_secret_has_no_place_in_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(
            &path,
            "[account]\nprovider = \"vega\"\ndomain = \"d\"\napi_key = \"x\"\n",
        )
        .unwrap();
        let message = Config::load_from(&path).unwrap_err().to_string();
        assert!(message.contains("api_key"), "{message}");
    }

    fn account(provider: &str, domain: &str) -> AccountConfig {
        AccountConfig::new(provider, domain)
    }

    fn ids(config: &Config) -> Vec<String> {
        config.accounts().map(AccountConfig::keyring_user).collect()
    }

    #[test]
    fn the_first_account_put_is_active_and_later_ones_wait_unless_asked() {
        let mut config = Config::default();
        config
            .put_account(None, account("vega", "a"), false)
            .unwrap();
        config
            .put_account(None, account("cloudpbx", "b"), false)
            .unwrap();
        assert_eq!(ids(&config), ["vega:a", "cloudpbx:b"]);
        config.put_account(None, account("mcn", "c"), true).unwrap();
        assert_eq!(ids(&config), ["mcn:c", "cloudpbx:b", "vega:a"]);
    }

    #[test]
    fn switching_swaps_the_active_account_with_the_chosen_one() {
        let mut config = Config::default();
        for (p, d) in [("vega", "a"), ("cloudpbx", "b"), ("mcn", "c")] {
            config.put_account(None, account(p, d), false).unwrap();
        }
        assert!(config.use_account("mcn:c"));
        assert_eq!(ids(&config), ["mcn:c", "cloudpbx:b", "vega:a"]);
        assert!(
            config.use_account("mcn:c"),
            "the active one is already in use"
        );
        assert!(!config.use_account("vega:nowhere"));
        assert_eq!(ids(&config), ["mcn:c", "cloudpbx:b", "vega:a"]);
    }

    #[test]
    fn an_edited_account_keeps_its_place_and_a_duplicate_is_refused() {
        let mut config = Config::default();
        config
            .put_account(None, account("vega", "a"), false)
            .unwrap();
        config
            .put_account(None, account("cloudpbx", "b"), false)
            .unwrap();
        let mut edited = account("cloudpbx", "b2");
        edited.user = Some("daria".into());
        config
            .put_account(Some("cloudpbx:b"), edited, false)
            .unwrap();
        assert_eq!(ids(&config), ["vega:a", "cloudpbx:b2"]);
        assert_eq!(config.other_accounts[0].user.as_deref(), Some("daria"));
        let error = config
            .put_account(None, account("vega", "a"), false)
            .unwrap_err();
        assert_eq!(error, DuplicateAccount("vega:a".into()));
        // Editing an account without renaming it is not a duplicate of itself.
        config
            .put_account(Some("vega:a"), account("vega", "a"), false)
            .unwrap();
        assert_eq!(ids(&config), ["vega:a", "cloudpbx:b2"]);
    }

    #[test]
    fn removing_the_active_account_promotes_the_next_then_leaves_the_demo() {
        let mut config = Config::default();
        config
            .put_account(None, account("vega", "a"), false)
            .unwrap();
        config
            .put_account(None, account("cloudpbx", "b"), false)
            .unwrap();
        assert_eq!(config.remove_account("vega:a").unwrap().domain, "a");
        assert_eq!(ids(&config), ["cloudpbx:b"]);
        assert!(config.account.is_some());
        assert!(config.remove_account("vega:a").is_none());
        config.remove_account("cloudpbx:b").unwrap();
        assert_eq!(config.account, None, "no account: the demo");
    }

    #[test]
    fn other_accounts_round_trip_through_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        let mut config = Config::default();
        config
            .put_account(None, account("vega", "a"), false)
            .unwrap();
        config
            .put_account(None, account("cloudpbx", "b"), false)
            .unwrap();
        config.language = Some("ru".into());
        config.save_to(&path).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("[[other_accounts]]"), "{text}");
        assert_eq!(Config::load_from(&path).unwrap(), config);
    }

    /// Notepad (before Windows 10 1903) saves UTF-8 with a BOM, and with CRLF line ends.
    #[test]
    fn a_config_saved_by_notepad_with_a_bom_and_crlf_reads() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(
            &path,
            "\u{feff}region = \"UA\"\r\n\r\n[account]\r\nprovider = \"vega\"\r\n\
             domain = \"офис.pbx.vega.ua\"\r\nuser = \"001\"\r\n",
        )
        .unwrap();
        let config = Config::load_from(&path).unwrap();
        assert_eq!(config.region(), "UA");
        let mut account = AccountConfig::new("vega", "офис.pbx.vega.ua");
        account.user = Some("001".into());
        assert_eq!(config.account, Some(account));
    }

    #[test]
    fn the_os_dirs_are_absolute_and_named_for_callpop() {
        for dir in [os_dirs::config_dir().unwrap(), os_dirs::data_dir().unwrap()] {
            assert!(dir.is_absolute(), "{}", dir.display());
            let name = dir.file_name().unwrap().to_str().unwrap().to_lowercase();
            assert!(name.contains("callpop"), "{}", dir.display());
        }
    }

    /// Windows: the settings roam with the profile, the SQLite file stays on this machine.
    #[cfg(windows)]
    #[test]
    fn on_windows_the_config_is_in_appdata_and_the_data_in_localappdata() {
        let var = |name: &str| {
            PathBuf::from(std::env::var_os(name).unwrap_or_else(|| panic!("%{name}% is unset")))
        };
        assert_eq!(
            os_dirs::config_dir().unwrap(),
            var("APPDATA").join("Callpop")
        );
        assert_eq!(
            os_dirs::data_dir().unwrap(),
            var("LOCALAPPDATA").join("Callpop")
        );
        assert_ne!(os_dirs::config_dir().unwrap(), os_dirs::data_dir().unwrap());
    }
}
