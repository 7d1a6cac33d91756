//! Every provider's webhook section of the relay's config, one line each in [`SECTIONS`]: the
//! section's name (`[vega]`), the route it opens, the methods it takes, how the PBX names
//! employees (for the routing warnings) and how its handler is made from the section. The
//! config reads the sections by these names and the server mounts these routes, so a new
//! provider's webhooks are one line here (a tokenless one reuses [`TokenlessSettings`]).
//!
//! A leaf: it knows the providers and nothing else of the relay.

use std::fmt;

use axum::routing::MethodFilter;
use callpop_core::secrets::Secret;
use callpop_providers::asterisk::lookup::CallerNameLookup;
use callpop_providers::autodialer::AutodialerWebhook;
use callpop_providers::cloudpbx::CloudPbxWebhooks;
use callpop_providers::mcn::McnWebhooks;
use callpop_providers::telediscount::TelediscountWebhooks;
use callpop_providers::tokenless_guard::TokenlessGuard;
use callpop_providers::vega::webhook::{
    CallSettingsOptions, GuardConfigError, VegaWebhooks, WebhookGuard, DEFAULT_MAX_BODY_BYTES,
};
use callpop_providers::webhook::WebhookHandler;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// A handler made from a section, or what is wrong with the section.
pub(crate) type Build = fn(&toml::Value, &str) -> Result<Box<dyn WebhookHandler>, String>;

/// What a PBX's webhooks call the employee a call is for, so a client's `ext` can match it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Naming {
    /// By login (`andy`).
    Login,
    /// By extension (`001`).
    Extension,
    /// By whatever the account uses (SIP account, endpoint): any `ext` may match.
    Either,
    /// Sends no live calls.
    Nobody,
}

/// One provider's webhook section.
pub(crate) struct Section {
    /// The TOML section, e.g. `vega` for `[vega]`.
    pub(crate) name: &'static str,
    /// The route, e.g. `/vega/{*rest}`.
    pub(crate) path: &'static str,
    /// The methods the PBX uses.
    pub(crate) methods: MethodFilter,
    /// How its calls name employees.
    pub(crate) naming: Naming,
    /// Makes the handler from the section and the region.
    pub(crate) build: Build,
}

const GET: MethodFilter = MethodFilter::GET;
const POST: MethodFilter = MethodFilter::POST;
/// Any method: MCN and the Autodialer are configured per account to GET or POST.
const ANY: MethodFilter = GET
    .or(POST)
    .or(MethodFilter::PUT)
    .or(MethodFilter::PATCH)
    .or(MethodFilter::DELETE)
    .or(MethodFilter::HEAD)
    .or(MethodFilter::OPTIONS)
    .or(MethodFilter::CONNECT)
    .or(MethodFilter::TRACE);

/// Every provider's webhooks, one line each.
#[rustfmt::skip]
pub(crate) const SECTIONS: &[Section] = &[
    Section { name: "vega", path: "/vega/{*rest}", methods: POST, naming: Naming::Extension, build: vega },
    Section { name: "cloudpbx", path: "/cloudpbx", methods: POST, naming: Naming::Login, build: cloudpbx },
    Section { name: "telediscount", path: "/telediscount/{*rest}", methods: GET, naming: Naming::Either, build: |s, r| tokenless(s, r, "telediscount", TelediscountWebhooks::new) },
    Section { name: "mcn", path: "/mcn/{*rest}", methods: ANY, naming: Naming::Extension, build: |s, r| tokenless(s, r, "mcn", McnWebhooks::new) },
    Section { name: "autodialer", path: "/autodialer/{*rest}", methods: ANY, naming: Naming::Nobody, build: |s, r| tokenless(s, r, "autodialer", AutodialerWebhook::new) },
    Section { name: "asterisk", path: "/asterisk/caller-name", methods: GET, naming: Naming::Either, build: asterisk },
];

/// The section named `name`.
pub(crate) fn find(name: &str) -> Option<&'static Section> {
    SECTIONS.iter().find(|section| section.name == name)
}

/// The known section names, for messages: `[vega], [cloudpbx], ...`.
pub(crate) fn names() -> String {
    SECTIONS
        .iter()
        .map(|section| format!("[{}]", section.name))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `value` read as a section of type `T` (unknown keys refused, as everywhere in the file).
pub(crate) fn read<T: DeserializeOwned>(value: &toml::Value) -> Result<T, String> {
    T::deserialize(value.clone()).map_err(|error| error.to_string())
}

fn boxed(handler: impl WebhookHandler + 'static) -> Box<dyn WebhookHandler> {
    Box::new(handler)
}

/// A PBX whose webhooks carry no token: its guard (addresses and the secret path), then its
/// handler.
fn tokenless<H: WebhookHandler + 'static>(
    section: &toml::Value,
    region: &str,
    provider: &'static str,
    new: fn(TokenlessGuard, &str) -> H,
) -> Result<Box<dyn WebhookHandler>, String> {
    let settings: TokenlessSettings = read(section)?;
    Ok(boxed(new(settings.guard(provider)?, region)))
}

/// Vega: the guard and the `call.settings` answer come from its section. The relay serves every
/// extension, so no "my" extension (see `VegaWebhookEvents::new`).
fn vega(section: &toml::Value, region: &str) -> Result<Box<dyn WebhookHandler>, String> {
    let settings: VegaSettings = read(section)?;
    let guard = settings.guard().map_err(|error| error.to_string())?;
    Ok(boxed(VegaWebhooks::new(
        guard,
        settings.call_settings(),
        region,
        None,
    )))
}

/// The cloud PBX checks `crm_token` itself (it calls from any address).
fn cloudpbx(section: &toml::Value, region: &str) -> Result<Box<dyn WebhookHandler>, String> {
    let settings: CloudPbxSettings = read(section)?;
    Ok(boxed(CloudPbxWebhooks::new(&settings.crm_token, region)?))
}

/// Asterisk's caller-name look-up for the dialplan.
fn asterisk(section: &toml::Value, _region: &str) -> Result<Box<dyn WebhookHandler>, String> {
    let settings: AsteriskSettings = read(section)?;
    let token = settings.lookup_token.trim();
    if token.chars().count() < 16 {
        return Err("lookup_token must be at least 16 characters".into());
    }
    Ok(boxed(CallerNameLookup::new(Secret::new(token))))
}

fn default_max_body() -> usize {
    DEFAULT_MAX_BODY_BYTES
}

/// How Vega's webhooks are accepted and answered.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VegaSettings {
    /// Addresses or CIDR blocks Vega calls from (vega.md A.0).
    pub allowed_ips: Vec<String>,
    /// The secret path segment: Vega's URL is `https://relay.example.com/vega/<secret>`.
    pub secret_path: String,
    /// The "create contact" link for unknown numbers, `{phone}` replaced by the number (A.1).
    #[serde(default)]
    pub new_contact_url: Option<String>,
    /// Longest accepted body, in bytes.
    #[serde(default = "default_max_body")]
    pub max_body_bytes: usize,
}

/// A provider that sends no token (Telediscount, MCN, the Autodialer): only its own addresses
/// may call, and only on a path with the unguessable segment.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenlessSettings {
    /// The provider's addresses or CIDR blocks (none of their specs publishes them: ask them).
    pub allowed_ips: Vec<String>,
    /// The unguessable path segment (`callpop-cli relay new-secret` prints a fresh one; at
    /// least 32 URL-safe characters).
    pub secret_path: String,
}

impl TokenlessSettings {
    /// The guard these settings describe, for `provider`.
    pub fn guard(&self, provider: &'static str) -> Result<TokenlessGuard, String> {
        TokenlessGuard::new(provider, &self.allowed_ips, &self.secret_path)
            .map_err(|e| e.to_string())
    }
}

impl fmt::Debug for TokenlessSettings {
    // Never prints the secret path segment.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenlessSettings")
            .field("allowed_ips", &self.allowed_ips)
            .field("secret_path", &"***")
            .finish()
    }
}

/// Asterisk's caller-name look-up.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AsteriskSettings {
    /// The token the dialplan's URL carries (`&token=...`), compared in constant time.
    pub lookup_token: String,
}

impl fmt::Debug for AsteriskSettings {
    // Never prints the token.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsteriskSettings")
            .field("lookup_token", &"***")
            .finish()
    }
}

/// The cloud PBX's webhook settings.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CloudPbxSettings {
    /// The key the PBX sends in `crm_token` (generated here, entered in the PBX's web cabinet).
    pub crm_token: String,
}

impl fmt::Debug for CloudPbxSettings {
    // Never prints the token.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CloudPbxSettings")
            .field("crm_token", &"***")
            .finish()
    }
}

impl fmt::Debug for VegaSettings {
    // Never prints the secret path segment.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VegaSettings")
            .field("allowed_ips", &self.allowed_ips)
            .field("secret_path", &"***")
            .field("new_contact_url", &self.new_contact_url)
            .field("max_body_bytes", &self.max_body_bytes)
            .finish()
    }
}

impl VegaSettings {
    /// The guard these settings describe.
    pub fn guard(&self) -> Result<WebhookGuard, GuardConfigError> {
        Ok(WebhookGuard::new(&self.allowed_ips, &self.secret_path)?
            .with_max_body_bytes(self.max_body_bytes))
    }

    /// How `call.settings` answers unknown numbers.
    pub fn call_settings(&self) -> CallSettingsOptions {
        CallSettingsOptions {
            new_contact_url: self.new_contact_url.clone(),
            ..CallSettingsOptions::default()
        }
    }
}
