//! `hangup CALL_ID`: end a call in progress.

use std::process::ExitCode;

use callpop_core::secrets;
use callpop_providers::Account;

use crate::context::{self, AccountFlags};

/// Arguments of `hangup`.
#[derive(clap::Args)]
pub struct Args {
    /// The PBX's id of the call (`call_id` in `watch --json`).
    call_id: String,
}

/// Asks the PBX to end the call.
pub async fn run(flags: &AccountFlags, args: Args) -> anyhow::Result<ExitCode> {
    let config = context::config(flags)?;
    let account = context::account(&config)?;
    let key = secrets::api_key(&account)?;
    Account::connect(&account, &key, config.region())?
        .hangup(&args.call_id)
        .await?;
    println!("hung up call {}", args.call_id.trim());
    Ok(ExitCode::SUCCESS)
}
