//! The account the CLI works with: the config file's, overridden by global flags.

use std::sync::Arc;

use anyhow::Context as _;
use callpop_core::{AccountConfig, Config, Store};

/// Global flags that override the config file's account.
#[derive(clap::Args)]
#[command(
    after_help = "Keys come from the OS keyring; for scripts, CALLPOP_API_KEY overrides the \
    PBX's API key, CALLPOP_AUTODIALER_KEY the Autodialer's own key (a separate key: `autodial` \
    does not use CALLPOP_API_KEY) and CALLPOP_RELAY_TOKEN the relay token."
)]
pub struct AccountFlags {
    /// Provider module: vega, cloudpbx (the cloud PBX's crm_api.wcgp), telediscount, mcn or
    /// asterisk.
    #[arg(long, global = true)]
    provider: Option<String>,
    /// The PBX API's base URL, when not the provider's default (https://DOMAIN for vega and
    /// cloudpbx).
    #[arg(long, global = true)]
    base_url: Option<String>,
    /// The account's domain at the PBX (mcn: the account number, or ACCOUNT/VPBX_ID; asterisk:
    /// the PBX's host).
    #[arg(long, global = true)]
    domain: Option<String>,
    /// "Me" at the PBX: the extension (vega, mcn: 001), the PBX login (cloudpbx: daria), the SIP
    /// account (telediscount: SIP/0000000672) or the PJSIP endpoint (asterisk: 101).
    #[arg(long, global = true)]
    user: Option<String>,
}

/// The config with the flags applied.
pub fn config(flags: &AccountFlags) -> anyhow::Result<Config> {
    let mut config = Config::load()?;
    if flags.provider.is_some()
        || flags.domain.is_some()
        || flags.base_url.is_some()
        || flags.user.is_some()
    {
        let mut account = match config.account.take() {
            Some(account) => account,
            None => AccountConfig::new(
                flags.provider.as_deref().unwrap_or("vega"),
                flags
                    .domain
                    .as_deref()
                    .context("--domain is needed when no account is configured")?,
            ),
        };
        if let Some(provider) = &flags.provider {
            account.provider.clone_from(provider);
        }
        if let Some(domain) = &flags.domain {
            account.domain.clone_from(domain);
        }
        if flags.base_url.is_some() {
            account.base_url.clone_from(&flags.base_url);
        }
        if flags.user.is_some() {
            account.user.clone_from(&flags.user);
        }
        config.account = Some(account);
    }
    Ok(config)
}

/// The configured account, or an error that says how to configure one.
pub fn account(config: &Config) -> anyhow::Result<AccountConfig> {
    config.account.clone().with_context(|| {
        let path = Config::default_path().map(|p| p.display().to_string()).unwrap_or_default();
        format!(
            "no PBX account configured: add an [account] section to {path} or pass --provider, --domain (and --base-url, --user)"
        )
    })
}

/// The directory and history store.
pub fn store(config: &Config) -> anyhow::Result<Arc<Store>> {
    let path = Config::store_path()?;
    let store = Store::open(&path, config.region())
        .with_context(|| format!("opening {}", path.display()))?;
    Ok(Arc::new(store))
}

/// The configured account, connected for actions (its key from the keyring).
pub fn connected_account(
    config: &Config,
    account: &AccountConfig,
) -> anyhow::Result<callpop_providers::Account> {
    let key = callpop_core::secrets::api_key(account)?;
    Ok(callpop_providers::Account::connect(
        account,
        &key,
        config.region(),
    )?)
}
