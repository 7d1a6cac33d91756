//! `key set|status|delete [--relay]`: the account's API key, or this desktop's relay token, in
//! the OS keyring.

use std::io::BufRead;
use std::process::ExitCode;

use anyhow::Context as _;
use callpop_core::secrets::{self, Secret, SecretError};

use crate::context::{self, AccountFlags};

/// Arguments of `key`.
#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    action: Action,
    /// The relay token (from `callpop-cli relay add-client`) instead of the PBX's API key.
    #[arg(long, global = true)]
    relay: bool,
}

#[derive(clap::Subcommand)]
enum Action {
    /// Read the secret from standard input (never from the command line, where shell history
    /// keeps it).
    Set,
    /// Say whether one is stored.
    Status,
    /// Remove the stored one.
    Delete,
}

/// The secret `key` works on.
enum Target {
    ApiKey(callpop_core::AccountConfig),
    RelayToken(callpop_core::RelaySettings),
}

impl Target {
    fn name(&self) -> String {
        match self {
            Target::ApiKey(account) => account.keyring_user(),
            Target::RelayToken(relay) => relay.keyring_user(),
        }
    }

    fn store(&self, value: &Secret) -> Result<(), SecretError> {
        match self {
            Target::ApiKey(account) => secrets::store_api_key(account, value),
            Target::RelayToken(relay) => secrets::store_relay_token(relay, value),
        }
    }

    fn read(&self) -> Result<Secret, SecretError> {
        match self {
            Target::ApiKey(account) => secrets::keyring_api_key(account),
            Target::RelayToken(relay) => secrets::keyring_relay_token(relay),
        }
    }

    fn delete(&self) -> Result<(), SecretError> {
        match self {
            Target::ApiKey(account) => secrets::delete_api_key(account),
            Target::RelayToken(relay) => secrets::delete_relay_token(relay),
        }
    }
}

/// Runs the key action.
pub fn run(flags: &AccountFlags, args: Args) -> anyhow::Result<ExitCode> {
    let config = context::config(flags)?;
    let target = if args.relay {
        Target::RelayToken(config.relay.clone().context(
            "no relay configured: add a [relay] section with url = \"wss://…/ws\" to the config",
        )?)
    } else {
        Target::ApiKey(context::account(&config)?)
    };
    match args.action {
        Action::Set => {
            eprintln!("secret for {} (then Enter):", target.name());
            let mut line = String::new();
            std::io::stdin()
                .lock()
                .read_line(&mut line)
                .context("reading the secret from standard input")?;
            let value = line.trim();
            anyhow::ensure!(!value.is_empty(), "nothing given on standard input");
            target.store(&Secret::new(value))?;
            println!("stored in the OS keyring for {}", target.name());
        }
        Action::Status => match target.read() {
            Ok(_) => println!("stored for {}", target.name()),
            Err(e @ SecretError::Missing { .. }) => {
                println!("{e}");
                return Ok(ExitCode::from(1));
            }
            Err(e) => return Err(e.into()),
        },
        Action::Delete => {
            target.delete()?;
            println!("removed for {}", target.name());
        }
    }
    Ok(ExitCode::SUCCESS)
}
