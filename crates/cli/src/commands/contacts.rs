//! `contacts sync [--full] [--json]`: the PBX's own CRM contacts into the directory.

use std::io::Write;
use std::process::ExitCode;

use callpop_core::secrets;
use callpop_providers::{Account, ProviderError};

use crate::context::{self, AccountFlags};

/// Arguments of `contacts`.
#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    action: Action,
}

#[derive(clap::Subcommand)]
enum Action {
    /// Copy the PBX's CRM contacts (Vega: CRM Teler) into the directory; by default only those
    /// changed since the last sync.
    Sync {
        /// Fetch every contact, not only those changed since the last sync.
        #[arg(long)]
        full: bool,
        /// Print the report as one JSON object.
        #[arg(long)]
        json: bool,
    },
}

/// Syncs and reports what was added, updated and skipped.
pub async fn run(flags: &AccountFlags, args: Args) -> anyhow::Result<ExitCode> {
    let Action::Sync { full, json } = args.action;
    let config = context::config(flags)?;
    let account_config = context::account(&config)?;
    let key = secrets::api_key(&account_config)?;
    let account = Account::connect(&account_config, &key, config.region())?;
    let store = context::store(&config)?;
    let since = if full {
        None
    } else {
        account.last_contacts_sync(&store)?
    };
    let report = match account.sync_contacts(&store, since).await {
        Err(ProviderError::Unsupported { provider, .. }) => {
            println!("the {provider} provider offers no CRM contacts to sync");
            return Ok(ExitCode::SUCCESS);
        }
        other => other?,
    };
    let mut out = std::io::stdout().lock();
    if json {
        writeln!(out, "{}", serde_json::to_string(&report)?)?;
    } else {
        let scope = match report.since {
            Some(since) => format!("changed since {}", since.to_rfc3339()),
            None => "all".to_owned(),
        };
        writeln!(
            out,
            "fetched {} contacts ({scope}): {} added, {} updated, {} unchanged, {} skipped",
            report.fetched,
            report.added,
            report.updated,
            report.unchanged,
            report.skipped.len()
        )?;
        for skipped in &report.skipped {
            let id = skipped
                .id
                .map_or_else(|| "without id".to_owned(), |id| id.to_string());
            writeln!(out, "skipped contact {id}: {}", skipped.reason)?;
        }
    }
    for warning in &report.warnings {
        eprintln!("warning: {warning}");
    }
    // A CRM contact without a phone is normal, not a failure: it is listed, the exit is 0.
    Ok(ExitCode::SUCCESS)
}
