//! `watch`: stream normalised call events, one line each.

use std::io::Write;
use std::process::ExitCode;

use callpop_core::secrets;
use callpop_core::{CallView, Pipeline};
use callpop_providers::Account;
use callpop_relay::RelayClient;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::context::{self, AccountFlags};

/// Arguments of `watch`.
#[derive(clap::Args)]
pub struct Args {
    /// One JSON object per line instead of text.
    #[arg(long)]
    json: bool,
}

/// Watches until Ctrl-C.
pub async fn run(flags: &AccountFlags, args: Args) -> anyhow::Result<ExitCode> {
    let config = context::config(flags)?;
    let mut pipeline = Pipeline::new(context::store(&config)?)
        .with_crm_links(config.crm.clone())
        .with_auto_contacts(config.auto_contacts.clone());
    let (events_tx, mut events) = mpsc::channel(256);
    let shutdown = CancellationToken::new();
    // With a relay configured the events come from it (the PBX pushes webhooks there);
    // otherwise the provider polls the PBX itself.
    let _account = match &config.relay {
        Some(relay) => {
            let token = secrets::relay_token(relay)?;
            tokio::spawn(RelayClient::new(&relay.url, token).run(events_tx, shutdown.clone()));
            None
        }
        None => {
            let account = context::account(&config)?;
            let key = secrets::api_key(&account)?;
            Some(
                Account::start(&account, &key, config.region(), events_tx, shutdown.clone())
                    .await?,
            )
        }
    };
    // History the PBX pushes as calls end (Asterisk's CDRs), saved next to the live cards.
    let mut call_records = _account.as_ref().and_then(Account::take_call_records);
    let mut out = std::io::stdout().lock();
    loop {
        tokio::select! {
            _ = tokio::signal::ctrl_c() => break,
            record = async { call_records.as_mut()?.recv().await }, if call_records.is_some() => {
                match record {
                    Some(record) => {
                        if let Err(e) = pipeline.store().import_history(std::slice::from_ref(&record)) {
                            tracing::warn!("could not save the PBX's record of call {}: {e}", record.call_id);
                        }
                    }
                    None => call_records = None,
                }
            }
            event = events.recv() => {
                let Some(event) = event else { break };
                if let Some(view) = pipeline.handle(&event) {
                    let line = if args.json { serde_json::to_string(&view)? } else { text_line(&view) };
                    writeln!(out, "{line}")?;
                    // Each event is a line another program is waiting for.
                    out.flush()?;
                }
            }
        }
    }
    shutdown.cancel();
    Ok(ExitCode::SUCCESS)
}

fn text_line(view: &CallView) -> String {
    let who = view
        .contact
        .as_ref()
        .map(|c| {
            let name = c.name.as_deref().unwrap_or("?");
            match &c.company {
                Some(company) => format!("{name} ({company})"),
                None => name.to_owned(),
            }
        })
        .unwrap_or_else(|| "unknown".to_owned());
    format!(
        "{} {:<11} {:<8} {:<18} {} -> {}",
        view.at.format("%H:%M:%S"),
        view.state.as_str(),
        view.direction.as_str(),
        view.customer_display.as_deref().unwrap_or("-"),
        who,
        view.employee.as_deref().unwrap_or("-"),
    )
}
