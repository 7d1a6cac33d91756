//! The relay's settings file (TOML) and the desktop clients it lets in.
//!
//! Client tokens never appear in the file: only the SHA-256 of each one, next to the client's
//! name, extension and groups. The token itself is shown once, by [`issue_client_token`], and
//! lives on the desktop. A plain (unsalted, fast) hash is enough here because the tokens are
//! 256 random bits: there is no dictionary to try, unlike a password.
//!
//! The Vega webhook secret *is* in the file: the relay has to compare the request path with it.
//! Protect the file like a key (mode 0600); nothing here prints the secret (`Debug` masks it).

use std::collections::BTreeMap;
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rand::rngs::OsRng;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::sections::{self, Naming};

/// Random bytes in a client token: 256 bits (the brief asks for at least 128).
const TOKEN_BYTES: usize = 32;

/// Prefix of every client token: a token pasted in the wrong place is recognisable (and
/// secret scanners can look for it).
const TOKEN_PREFIX: &str = "cpr_";

/// Everything the relay reads from its TOML file.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct RelayConfig {
    /// Where to listen, e.g. `0.0.0.0:8443`.
    pub listen: SocketAddr,
    /// Region for numbers written without a country code (`UA`, `RU`...).
    #[serde(default = "default_region")]
    pub region: String,
    /// How many events the relay keeps per client for resuming (a client away longer than
    /// that gets a `gap` message).
    #[serde(default = "default_buffer")]
    pub buffer_per_client: usize,
    /// How many WebSocket clients may be connected at once.
    #[serde(default = "default_max_connections")]
    pub max_connections: usize,
    /// How long one webhook request may take, body included, in seconds.
    #[serde(default = "default_request_timeout")]
    pub request_timeout_secs: u64,
    /// How often a WebSocket client is pinged, in seconds.
    #[serde(default = "default_ping_interval")]
    pub ping_interval_secs: u64,
    /// How long a pinged client has to answer before it is dropped, in seconds.
    #[serde(default = "default_pong_timeout")]
    pub pong_timeout_secs: u64,
    /// The SQLite file the relay writes every event to before answering the webhook, so a
    /// restart forgets nothing (see `journal`). Absent: events live in memory only (the CLI and
    /// the app fill it in with a file in their data directory).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub events_file: Option<PathBuf>,
    /// Several instances sharing one Redis: events, numbers and the webhook handlers' state
    /// live there (see `cluster`). Absent: one process, events in `events_file`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster: Option<crate::cluster::ClusterSettings>,
    /// HTTPS: the certificate and key files; absent, the relay speaks plain HTTP (behind a
    /// TLS-terminating proxy that keeps the peer address, or on a LAN).
    #[serde(default)]
    pub tls: Option<TlsSettings>,
    /// How many webhook requests one address may make.
    #[serde(default)]
    pub rate_limit: RateLimitSettings,
    /// The desktops allowed to connect.
    #[serde(default)]
    pub clients: Vec<ClientEntry>,
    /// Each provider's webhook section as written (`[vega]`, `[cloudpbx]`, `[telediscount]`,
    /// `[mcn]`, `[autodialer]`, `[asterisk]`), by name: which names exist and what each holds
    /// is the `sections` table's business, and [`check`](Self::check) refuses any other key.
    /// Absent: that provider's route answers 404.
    #[serde(flatten)]
    pub webhooks: BTreeMap<String, toml::Value>,
}

impl fmt::Debug for RelayConfig {
    // The webhook sections hold secrets (secret paths, tokens): only their names are shown.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RelayConfig")
            .field("listen", &self.listen)
            .field("region", &self.region)
            .field("buffer_per_client", &self.buffer_per_client)
            .field("max_connections", &self.max_connections)
            .field("request_timeout_secs", &self.request_timeout_secs)
            .field("ping_interval_secs", &self.ping_interval_secs)
            .field("pong_timeout_secs", &self.pong_timeout_secs)
            .field("events_file", &self.events_file)
            .field("cluster", &self.cluster)
            .field("tls", &self.tls)
            .field("rate_limit", &self.rate_limit)
            .field("clients", &self.clients)
            .field("webhooks", &self.webhooks.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// The relay's certificate and private key, PEM files (what certbot writes: `fullchain.pem`
/// and `privkey.pem`). Relative paths are taken from the relay's working directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsSettings {
    /// The certificate chain, the server's own certificate first.
    pub cert_path: PathBuf,
    /// The private key (PKCS#8, PKCS#1 or SEC1).
    pub key_path: PathBuf,
}

/// The per-source limit on the webhook routes: each peer address gets `burst` requests at
/// once, refilled at `per_second`. The PBX sends every call's webhooks from one address, so the
/// limit is set above a busy office's peak and only stops floods.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimitSettings {
    /// Requests per second, sustained, from one address.
    #[serde(default = "default_rate_per_second")]
    pub per_second: u32,
    /// Requests one address may make at once before the sustained rate applies.
    #[serde(default = "default_rate_burst")]
    pub burst: u32,
}

impl Default for RateLimitSettings {
    fn default() -> RateLimitSettings {
        RateLimitSettings {
            per_second: default_rate_per_second(),
            burst: default_rate_burst(),
        }
    }
}

/// One desktop allowed to connect.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClientEntry {
    /// Who it is (unique in the file): logs and the hub name clients by it.
    pub name: String,
    /// Whose calls it receives, as the provider's events name the employee: Vega's and MCN's
    /// extension, the cloud PBX's **login** (its webhooks' `user`), Telediscount's SIP account,
    /// Asterisk's endpoint; none: every call. Written `ext` (older files) or `employee`.
    #[serde(default, alias = "employee")]
    pub ext: Option<String>,
    /// Groups (departments) it belongs to: it also gets the calls of every employee in them
    /// (an employee is in a group when a client bound to its extension lists it); a client
    /// with groups and no extension gets only its groups' calls (see `routing`).
    #[serde(default)]
    pub groups: Vec<String>,
    /// SHA-256 of its token.
    pub token_sha256: TokenHash,
}

/// The SHA-256 of a client token, written as 64 hex digits.
#[derive(Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TokenHash([u8; 32]);

impl TokenHash {
    /// The hash of `token`.
    pub fn of(token: &str) -> TokenHash {
        TokenHash(Sha256::digest(token.as_bytes()).into())
    }

    /// True when `token` hashes to this, compared in constant time.
    pub fn matches(&self, token: &str) -> bool {
        TokenHash::of(token).0.ct_eq(&self.0).into()
    }
}

impl fmt::Debug for TokenHash {
    // A hash of a high-entropy token reveals nothing, but printing it invites copying it around.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TokenHash(***)")
    }
}

impl TryFrom<String> for TokenHash {
    type Error = String;

    fn try_from(text: String) -> Result<TokenHash, String> {
        let text = text.trim();
        if text.len() != 64 || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(format!(
                "token_sha256 must be 64 hex digits (got {} characters); \
                 create clients with `callpop-cli relay add-client`",
                text.chars().count()
            ));
        }
        let mut bytes = [0u8; 32];
        for (i, byte) in bytes.iter_mut().enumerate() {
            // Checked above: two ASCII hex digits.
            *byte = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).unwrap_or_default();
        }
        Ok(TokenHash(bytes))
    }
}

impl From<TokenHash> for String {
    fn from(hash: TokenHash) -> String {
        hash.0.iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// A client token in clear: shown once to whoever installs the desktop, never stored by the
/// relay. `Debug` masks it; [`expose`](Self::expose) is the one way to read it.
#[derive(Clone, PartialEq, Eq)]
pub struct ClientToken(String);

impl ClientToken {
    /// The token's text, to show to the user once or to send in `Authorization: Bearer`.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ClientToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ClientToken(***)")
    }
}

/// A fresh `secret_path` for a provider whose webhooks carry no token: 256 random bits from
/// the OS as 64 hex digits (URL-safe, nothing to guess from).
pub fn new_secret_path() -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A new client: a fresh random token (256 bits from the OS) and the entry to add to the file,
/// which holds only the token's hash.
pub fn issue_client_token(
    name: &str,
    ext: Option<&str>,
    groups: &[String],
) -> (ClientToken, ClientEntry) {
    let mut bytes = [0u8; TOKEN_BYTES];
    OsRng.fill_bytes(&mut bytes);
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    let token = ClientToken(format!("{TOKEN_PREFIX}{hex}"));
    let entry = ClientEntry {
        name: name.trim().to_owned(),
        ext: ext
            .map(str::trim)
            .filter(|e| !e.is_empty())
            .map(str::to_owned),
        groups: groups.to_vec(),
        token_sha256: TokenHash::of(token.expose()),
    };
    (token, entry)
}

/// The client whose token is `token`. Every entry is compared, in constant time, so the time
/// taken says nothing about which entry (or how much of a hash) matched.
pub(crate) fn find_client<'a>(clients: &'a [ClientEntry], token: &str) -> Option<&'a ClientEntry> {
    let presented = TokenHash::of(token.trim());
    let mut found = None;
    for client in clients {
        let equal: bool = presented.0.ct_eq(&client.token_sha256.0).into();
        if equal && found.is_none() {
            found = Some(client);
        }
    }
    found
}

/// A settings file the relay cannot work with. Every message says what to change.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file cannot be read.
    #[error("cannot read the relay config {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// Not TOML, or a field is missing or mistyped (the message has the line and column).
    #[error("the relay config{where_} is not valid: {message}")]
    Syntax {
        /// ` <path>` when read from a file.
        where_: String,
        /// toml's message.
        message: String,
    },
    /// A provider's webhook section cannot work (no address allowed, weak secret, a key
    /// missing...).
    #[error("the relay config's [{section}] section: {message}")]
    Section {
        /// The section's name.
        section: &'static str,
        /// What is wrong, and what to do.
        message: String,
    },
    /// Two clients share a name, a name is empty, or a number is zero.
    #[error("the relay config: {0}")]
    Invalid(String),
    /// The events file (`events_file`) cannot be opened.
    #[error(transparent)]
    Events(#[from] crate::journal::JournalError),
    /// The `[tls]` certificate or key cannot be used.
    #[error("the relay config's [tls] section: {path}: {problem}")]
    Tls {
        /// The file at fault.
        path: String,
        /// What is wrong with it, and what to do.
        problem: String,
    },
}

impl RelayConfig {
    /// Reads and checks the file at `path`.
    pub fn load(path: &Path) -> Result<RelayConfig, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.display().to_string(),
            source,
        })?;
        Self::parse(&text, Some(path))
    }

    /// Parses and checks TOML text.
    pub fn from_toml_str(text: &str) -> Result<RelayConfig, ConfigError> {
        Self::parse(text, None)
    }

    fn parse(text: &str, path: Option<&Path>) -> Result<RelayConfig, ConfigError> {
        let config: RelayConfig = toml::from_str(text).map_err(|error| ConfigError::Syntax {
            where_: path
                .map(|p| format!(" {}", p.display()))
                .unwrap_or_default(),
            // toml's message quotes the offending line; the only secret-bearing value
            // (secret_path) is a plain string whose errors are about its type, not its value.
            message: error.to_string(),
        })?;
        config.check()?;
        Ok(config)
    }

    /// What to warn about at start: clients whose `ext` can never match what the configured
    /// providers send. The cloud PBX names employees by login and Vega, MCN and Asterisk by
    /// extension or endpoint, so an all-digit key under a cloud-PBX-only relay (or a name under
    /// a relay without the cloud PBX or Telediscount) silently gets nothing.
    pub fn routing_warnings(&self) -> Vec<String> {
        let naming = |wanted: Naming| {
            self.webhooks
                .keys()
                .filter_map(|name| sections::find(name))
                .any(|section| section.naming == wanted)
        };
        let by_login = naming(Naming::Login);
        let by_number = naming(Naming::Extension);
        let by_anything = naming(Naming::Either);
        let mut warnings = Vec::new();
        for client in &self.clients {
            let Some(ext) = client.ext.as_deref().map(str::trim) else {
                continue;
            };
            let digits = !ext.is_empty() && ext.chars().all(|c| c.is_ascii_digit());
            if digits && by_login && !by_number && !by_anything {
                warnings.push(format!(
                    "client {:?}: ext = {ext:?} looks like an extension, but the cloud PBX names employees by login (its webhooks' `user`, e.g. \"andy\"): write the login, or this desktop gets no calls",
                    client.name
                ));
            } else if !digits && by_number && !by_login && !by_anything {
                warnings.push(format!(
                    "client {:?}: ext = {ext:?} is not an extension, but Vega and MCN name employees by extension (e.g. \"001\"): write the extension, or this desktop gets no calls",
                    client.name
                ));
            }
        }
        warnings
    }

    /// Checks what serde cannot: every webhook section (known, and able to make its handler),
    /// unique client names, non-zero limits.
    pub fn check(&self) -> Result<(), ConfigError> {
        for (name, value) in &self.webhooks {
            let Some(section) = sections::find(name) else {
                return Err(ConfigError::Invalid(format!(
                    "unknown setting or section `{name}`; the webhook sections are {}",
                    sections::names()
                )));
            };
            (section.build)(value, &self.region).map_err(|message| ConfigError::Section {
                section: section.name,
                message,
            })?;
        }
        if let Some(cluster) = &self.cluster {
            cluster.check()?;
        }
        for (what, value) in [
            ("buffer_per_client", self.buffer_per_client as u64),
            ("max_connections", self.max_connections as u64),
            ("request_timeout_secs", self.request_timeout_secs),
            ("ping_interval_secs", self.ping_interval_secs),
            ("pong_timeout_secs", self.pong_timeout_secs),
            ("rate_limit.per_second", self.rate_limit.per_second.into()),
            ("rate_limit.burst", self.rate_limit.burst.into()),
        ] {
            if value == 0 {
                return Err(ConfigError::Invalid(format!("{what} must be at least 1")));
            }
        }
        let mut names = std::collections::HashSet::new();
        for client in &self.clients {
            if client.name.trim().is_empty() {
                return Err(ConfigError::Invalid(
                    "a [[clients]] entry has an empty name".into(),
                ));
            }
            if !names.insert(client.name.as_str()) {
                return Err(ConfigError::Invalid(format!(
                    "two [[clients]] entries are named {:?}; names must be unique",
                    client.name
                )));
            }
        }
        Ok(())
    }

    /// The client whose token this is, if any. Every entry is compared, in constant time, so
    /// the time taken says nothing about which one (or whether any) matched.
    pub fn client_for_token(&self, token: &str) -> Option<&ClientEntry> {
        find_client(&self.clients, token)
    }

    /// [`request_timeout_secs`](Self::request_timeout_secs) as a duration.
    pub fn request_timeout(&self) -> Duration {
        Duration::from_secs(self.request_timeout_secs)
    }

    /// [`ping_interval_secs`](Self::ping_interval_secs) as a duration.
    pub fn ping_interval(&self) -> Duration {
        Duration::from_secs(self.ping_interval_secs)
    }

    /// [`pong_timeout_secs`](Self::pong_timeout_secs) as a duration.
    pub fn pong_timeout(&self) -> Duration {
        Duration::from_secs(self.pong_timeout_secs)
    }
}

fn default_region() -> String {
    "RU".into()
}

fn default_buffer() -> usize {
    1000
}

fn default_max_connections() -> usize {
    256
}

fn default_request_timeout() -> u64 {
    10
}

fn default_ping_interval() -> u64 {
    20
}

fn default_pong_timeout() -> u64 {
    10
}

fn default_rate_per_second() -> u32 {
    100
}

fn default_rate_burst() -> u32 {
    200
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "9f2c4e1a7b3d5f608192a3b4c5d6e7f8";

    fn config_with(clients: &[ClientEntry]) -> RelayConfig {
        let mut text = format!(
            "listen = \"127.0.0.1:0\"\n[vega]\nallowed_ips = [\"127.0.0.1\"]\nsecret_path = \"{SECRET}\"\n"
        );
        for client in clients {
            text.push_str(&format!(
                "[[clients]]\nname = {:?}\ntoken_sha256 = \"{}\"\n",
                client.name,
                String::from(client.token_sha256)
            ));
            if let Some(ext) = &client.ext {
                text.push_str(&format!("ext = {ext:?}\n"));
            }
        }
        RelayConfig::from_toml_str(&text).unwrap()
    }

    #[test]
    fn an_issued_token_is_long_random_and_only_its_hash_is_kept() {
        let (token, entry) = issue_client_token(" Olena ", Some("001"), &["sales".into()]);
        let (other, _) = issue_client_token("Olena", None, &[]);
        assert!(token.expose().starts_with(TOKEN_PREFIX));
        assert_eq!(token.expose().len(), TOKEN_PREFIX.len() + 2 * TOKEN_BYTES);
        assert_ne!(token, other);
        assert_eq!(entry.name, "Olena");
        assert_eq!(entry.ext.as_deref(), Some("001"));
        assert!(entry.token_sha256.matches(token.expose()));
        assert!(!entry.token_sha256.matches(other.expose()));
        let stored = toml::to_string(&entry).unwrap();
        assert!(!stored.contains(&token.expose()[TOKEN_PREFIX.len()..]));
    }

    #[test]
    fn tokens_and_secrets_never_show_in_debug() {
        let (token, entry) = issue_client_token("Olena", Some("001"), &[]);
        let config = config_with(std::slice::from_ref(&entry));
        let printed = format!("{token:?} {entry:?} {config:?}");
        assert!(!printed.contains(token.expose()), "{printed}");
        assert!(!printed.contains(SECRET), "{printed}");
        assert!(
            !printed.contains(&String::from(entry.token_sha256)),
            "{printed}"
        );
    }

    #[test]
    fn a_token_finds_its_client_and_nothing_else_does() {
        let (olena_token, olena) = issue_client_token("Olena", Some("001"), &[]);
        let (petro_token, petro) = issue_client_token("Petro", Some("002"), &[]);
        let config = config_with(&[olena, petro]);
        assert_eq!(
            config.client_for_token(olena_token.expose()).unwrap().name,
            "Olena"
        );
        assert_eq!(
            config.client_for_token(petro_token.expose()).unwrap().name,
            "Petro"
        );
        assert!(config.client_for_token("").is_none());
        assert!(config.client_for_token("cpr_0000").is_none());
    }

    #[test]
    fn a_bad_file_is_refused_with_what_to_fix() {
        let base = format!(
            "listen = \"127.0.0.1:0\"\n[vega]\nallowed_ips = [\"127.0.0.1\"]\nsecret_path = \"{SECRET}\"\n"
        );
        let cases = [
            (
                format!("{base}[[clients]]\nname = \"a\"\ntoken_sha256 = \"xyz\"\n"),
                "64 hex digits",
            ),
            (base.replace("127.0.0.1:0", "nowhere"), "listen"),
            (base.replace(SECRET, "short"), "at least 32"),
            (base.replace("[\"127.0.0.1\"]", "[]"), "no address"),
            (
                format!("buffer_per_client = 0\n{base}"),
                "buffer_per_client",
            ),
            (
                format!("{base}[rate_limit]\nburst = 0\n"),
                "rate_limit.burst",
            ),
            (format!("{base}[tls]\ncert_path = \"c.pem\"\n"), "key_path"),
            (
                format!(
                    "{base}[[clients]]\nname = \"a\"\ntoken_sha256 = \"{h}\"\n\
                     [[clients]]\nname = \"a\"\ntoken_sha256 = \"{h}\"\n",
                    h = "ab".repeat(32)
                ),
                "unique",
            ),
            // Sections are looked up by name: a typo names the ones there are.
            (
                format!("{base}[mnc]\nallowed_ips = []\n"),
                "`mnc`; the webhook sections are [vega], [cloudpbx]",
            ),
            (format!("retion = \"UA\"\n{base}"), "`retion`"),
            (
                base.replace("[vega]", "[vega]\nsecret = \"x\""),
                "[vega] section: unknown field `secret`",
            ),
            (
                format!("{base}[mcn]\nallowed_ips = [\"10.0.0.1\"]\n"),
                "[mcn] section: missing field `secret_path`",
            ),
            (
                format!("{base}[asterisk]\nlookup_token = \"short\"\n"),
                "[asterisk] section: lookup_token must be at least 16",
            ),
        ];
        for (text, expected) in cases {
            let error = RelayConfig::from_toml_str(&text).unwrap_err().to_string();
            assert!(error.contains(expected), "{expected:?} not in {error:?}");
            assert!(!error.contains(SECRET), "{error}");
        }
    }

    #[test]
    fn a_client_key_that_can_never_match_is_warned_about() {
        let hash = "0".repeat(64);
        let text = |provider: &str, ext: &str, key: &str| {
            format!(
                "listen = \"127.0.0.1:0\"\n{provider}\n[[clients]]\nname = \"olena\"\n\
                 {key} = {ext:?}\ntoken_sha256 = \"{hash}\"\n"
            )
        };
        let cloudpbx = "[cloudpbx]\ncrm_token = \"a-long-enough-crm-token\"";
        let vega = format!("[vega]\nallowed_ips = [\"127.0.0.1\"]\nsecret_path = \"{SECRET}\"");
        let warnings = |text: String| {
            RelayConfig::from_toml_str(&text)
                .unwrap()
                .routing_warnings()
        };
        let login_wanted = warnings(text(cloudpbx, "001", "ext"));
        assert_eq!(login_wanted.len(), 1, "{login_wanted:?}");
        assert!(login_wanted[0].contains("login"), "{login_wanted:?}");
        assert!(warnings(text(cloudpbx, "andy", "employee")).is_empty());
        let ext_wanted = warnings(text(&vega, "andy", "ext"));
        assert_eq!(ext_wanted.len(), 1, "{ext_wanted:?}");
        assert!(ext_wanted[0].contains("extension"), "{ext_wanted:?}");
        for warning in login_wanted.iter().chain(&ext_wanted) {
            assert!(
                !warning.contains("  "),
                "one sentence, no runs of spaces: {warning:?}"
            );
        }
        assert!(warnings(text(&vega, "001", "employee")).is_empty());
        // The new key name reads into the same field.
        let config = RelayConfig::from_toml_str(&text(&vega, "001", "employee")).unwrap();
        assert_eq!(config.clients[0].ext.as_deref(), Some("001"));
    }
}
