//! `dnd on|off|status`: Do-Not-Disturb for my phone, where the PBX offers it.

use std::process::ExitCode;

use crate::context::{self, AccountFlags};

/// Arguments of `dnd`.
#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    action: Action,
}

#[derive(clap::Subcommand)]
enum Action {
    /// Calls to me are refused while on.
    On,
    /// Calls reach me again.
    Off,
    /// Prints `on` or `off`, as the PBX has it (a change made on the phone shows too).
    Status,
}

/// Sets or reads DND at the PBX.
pub async fn run(flags: &AccountFlags, args: Args) -> anyhow::Result<ExitCode> {
    let config = context::config(flags)?;
    let account = context::account(&config)?;
    let pbx = context::connected_account(&config, &account)?;
    match args.action {
        Action::On => pbx.set_dnd(true).await?,
        Action::Off => pbx.set_dnd(false).await?,
        Action::Status => {}
    }
    let on = pbx.dnd().await?;
    println!("{}", if on { "on" } else { "off" });
    Ok(ExitCode::SUCCESS)
}
