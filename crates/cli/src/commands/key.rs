//! `key set|status|delete`: the account's API key in the OS keyring.

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
}

#[derive(clap::Subcommand)]
enum Action {
    /// Read the key from standard input (never from the command line, where shell history keeps it).
    Set,
    /// Say whether a key is stored.
    Status,
    /// Remove the stored key.
    Delete,
}

/// Runs the key action.
pub fn run(flags: &AccountFlags, args: Args) -> anyhow::Result<ExitCode> {
    let config = context::config(flags)?;
    let account = context::account(&config)?;
    match args.action {
        Action::Set => {
            eprintln!("API key for {} (then Enter):", account.keyring_user());
            let mut line = String::new();
            std::io::stdin()
                .lock()
                .read_line(&mut line)
                .context("reading the key from standard input")?;
            let key = line.trim();
            anyhow::ensure!(!key.is_empty(), "no key given on standard input");
            secrets::store_api_key(&account, &Secret::new(key))?;
            println!("stored in the OS keyring for {}", account.keyring_user());
        }
        Action::Status => match secrets::keyring_api_key(&account) {
            Ok(_) => println!("a key is stored for {}", account.keyring_user()),
            Err(e @ SecretError::Missing { .. }) => {
                println!("{e}");
                return Ok(ExitCode::from(1));
            }
            Err(e) => return Err(e.into()),
        },
        Action::Delete => {
            secrets::delete_api_key(&account)?;
            println!("removed the key for {}", account.keyring_user());
        }
    }
    Ok(ExitCode::SUCCESS)
}
