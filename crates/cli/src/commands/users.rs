//! `users [--json]`: the company's employees as the PBX lists them.

use std::io::Write;
use std::process::ExitCode;

use callpop_core::secrets;
use callpop_providers::Account;

use crate::context::{self, AccountFlags};

/// Arguments of `users`.
#[derive(clap::Args)]
pub struct Args {
    /// One JSON object per line (`id`, `name`, `ext`, `email`) instead of text.
    #[arg(long)]
    json: bool,
}

/// Lists the employees.
pub async fn run(flags: &AccountFlags, args: Args) -> anyhow::Result<ExitCode> {
    let config = context::config(flags)?;
    let account = context::account(&config)?;
    let key = secrets::api_key(&account)?;
    let employees = Account::connect(&account, &key, config.region())?
        .employees()
        .await?;
    let mut out = std::io::stdout().lock();
    for employee in &employees {
        if args.json {
            writeln!(out, "{}", serde_json::to_string(employee)?)?;
        } else {
            writeln!(
                out,
                "{:<6} {:<30} {}",
                employee.ext.as_deref().unwrap_or("-"),
                employee.name,
                employee.email.as_deref().unwrap_or("-"),
            )?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
