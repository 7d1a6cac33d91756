//! `call NUMBER`: click-to-call from the command line.

use std::process::ExitCode;

use callpop_core::{secrets, PhoneNumber};
use callpop_providers::Account;

use crate::context::{self, AccountFlags};

/// Arguments of `call`.
#[derive(clap::Args)]
pub struct Args {
    /// The number to call, in any usual spelling.
    number: String,
}

/// Asks the PBX to ring my phone, then the number.
pub async fn run(flags: &AccountFlags, args: Args) -> anyhow::Result<ExitCode> {
    let config = context::config(flags)?;
    let account = context::account(&config)?;
    let key = secrets::api_key(&account)?;
    let number = PhoneNumber::parse(&args.number, config.region());
    let call_id = Account::connect(&account, &key, config.region())?
        .make_call(&number)
        .await?;
    // The providers refuse an answer that is not their API's success (an HTML page): what comes
    // back is a success, with or without an id (MCN's `{"code":200,"object":{…}}` has none).
    if call_id.trim().is_empty() {
        println!(
            "calling {}: the PBX accepted the call but gave no call id (`hangup` cannot end it \
             from here)",
            number.display()
        );
    } else {
        println!("calling {} (call {call_id})", number.display());
    }
    Ok(ExitCode::SUCCESS)
}
