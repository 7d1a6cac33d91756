//! `groups [--json]`: the PBX's departments, and whether I receive their calls.

use std::process::ExitCode;

use serde_json::json;

use crate::context::{self, AccountFlags};

/// Arguments of `groups`.
#[derive(clap::Args)]
pub struct Args {
    /// One JSON object per line: `id`, `name`, `ext`, `subscribed`.
    #[arg(long)]
    json: bool,
}

/// Lists the departments with my subscription to each.
pub async fn run(flags: &AccountFlags, args: Args) -> anyhow::Result<ExitCode> {
    let config = context::config(flags)?;
    let account = context::account(&config)?;
    let pbx = context::connected_account(&config, &account)?;
    for group in pbx.groups().await? {
        let subscribed = match account.user {
            Some(_) => Some(pbx.subscription(&group.id).await?),
            None => None,
        };
        let name = group.real_name.as_deref().unwrap_or(&group.id);
        if args.json {
            let line =
                json!({ "id": group.id, "name": name, "ext": group.ext, "subscribed": subscribed });
            println!("{line}");
        } else {
            let mark = match subscribed {
                Some(true) => "receiving",
                Some(false) => "not receiving",
                None => "",
            };
            println!(
                "{:<12} {:<6} {name:<30} {mark}",
                group.id,
                group.ext.as_deref().unwrap_or("-")
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
