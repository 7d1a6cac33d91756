//! `subscribe GROUP on|off`: receive a department's calls on my phone, or stop.

use std::process::ExitCode;

use crate::context::{self, AccountFlags};

/// Arguments of `subscribe`.
#[derive(clap::Args)]
pub struct Args {
    /// The department's id (from `callpop-cli groups`).
    group: String,
    /// `on` to receive its calls, `off` to stop.
    #[arg(value_parser = ["on", "off"])]
    state: String,
}

/// Changes the subscription and prints it as the PBX now has it.
pub async fn run(flags: &AccountFlags, args: Args) -> anyhow::Result<ExitCode> {
    let config = context::config(flags)?;
    let account = context::account(&config)?;
    let pbx = context::connected_account(&config, &account)?;
    pbx.subscribe(Some(&args.group), args.state == "on").await?;
    let now = pbx.subscription(&args.group).await?;
    println!(
        "{}: {}",
        args.group,
        if now {
            "receiving calls"
        } else {
            "not receiving calls"
        }
    );
    Ok(ExitCode::SUCCESS)
}
