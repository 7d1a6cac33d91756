//! What a session runs against, decided before it starts.

use std::sync::Arc;

use callpop_core::secrets::{self, Secret};
use callpop_core::{AccountConfig, AutoContacts, Config, CrmLinks, LanRelaySettings, Store};

/// Where the call events come from.
#[derive(Clone)]
pub enum Source {
    /// The provider's own event source (polling, the PBX's manager connection...).
    Pbx,
    /// A relay the PBX posts its webhooks to, over a WebSocket with this desktop's token.
    Relay {
        /// The relay's WebSocket URL.
        url: String,
        /// This desktop's token at the relay.
        token: Secret,
    },
    /// The relay this desktop runs itself on the LAN: the PBX posts here.
    LanRelay(LanRelaySettings),
}

/// Everything a [`crate::Session`] needs, secrets included: a session never reads the config
/// or the keyring itself, so tests hand it a simulator's account and a temporary store.
#[derive(Clone)]
pub struct Plan {
    /// The account and its API key: where the events come from with [`Source::Pbx`], where
    /// actions (calls, DND) go with a relay. `None` only to watch a relay without acting.
    pub account: Option<(AccountConfig, Secret)>,
    /// The region numbers are read in when they carry no country code.
    pub region: String,
    /// The directory and the history the pipeline looks up and writes.
    pub store: Arc<Store>,
    /// Where the events come from.
    pub source: Source,
    /// Links into the team's CRM ("create contact").
    pub crm: Option<CrmLinks>,
    /// Unknown numbers added to the directory after missed / outgoing calls.
    pub auto_contacts: Option<AutoContacts>,
    /// "Me": with an extension, only the calls it is on become cards; `None`: every call of the
    /// account (the CLI's `watch`).
    pub only_calls_of: Option<String>,
}

impl Plan {
    /// The plan the config asks for, with the keys from the keyring (or the environment's
    /// overrides) and the store `open_store` opens, once the keys are there (a missing key is
    /// the first thing to tell). Cards are for "me", the account's user.
    pub fn from_config(
        config: &Config,
        open_store: impl FnOnce() -> anyhow::Result<Arc<Store>>,
    ) -> anyhow::Result<Plan> {
        // The relay's token first: a desktop set up for a relay is told about that first.
        let relay = match &config.relay {
            Some(relay) => Some((relay.url.clone(), secrets::relay_token(relay)?)),
            None => None,
        };
        let account = match &config.account {
            Some(account) => Some((account.clone(), secrets::api_key(account)?)),
            None => None,
        };
        let source = match (&config.lan_relay, relay) {
            (Some(lan), _) => Source::LanRelay(lan.clone()),
            (None, Some((url, token))) => Source::Relay { url, token },
            (None, None) => Source::Pbx,
        };
        let store = open_store()?;
        Ok(Plan {
            only_calls_of: config.account.as_ref().and_then(|a| a.user.clone()),
            account,
            region: config.region().to_owned(),
            store,
            source,
            crm: config.crm.clone(),
            auto_contacts: config.auto_contacts.clone(),
        })
    }
}
