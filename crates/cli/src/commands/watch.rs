//! `watch`: stream normalised call events, one line each.

use std::io::Write;
use std::process::ExitCode;

use callpop_core::CallView;
use callpop_session::{Connection, Plan, Session, SessionEvent};

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
    let mut config = context::config(flags)?;
    // With a relay configured the events come from it (the PBX pushes webhooks there);
    // otherwise the provider polls the PBX itself. The desktop's own LAN relay is the app's:
    // a second one here would take its port.
    config.lan_relay = None;
    if config.relay.is_some() {
        // The relay brings the events; the CLI takes no action that needs the account's key.
        config.account = None;
    } else {
        context::account(&config)?;
    }
    let mut plan = Plan::from_config(&config, || context::store(&config))?;
    // Every call of the account, not only "me"'s: a terminal watches the whole PBX.
    plan.only_calls_of = None;
    let mut session = Session::start(plan);
    let mut out = std::io::stdout().lock();
    loop {
        let event = tokio::select! {
            _ = tokio::signal::ctrl_c() => break,
            event = session.next() => match event {
                Some(event) => event,
                None => break,
            },
        };
        let view = match event {
            SessionEvent::Card(view) | SessionEvent::CallEnded(view) => view,
            // A PBX that cannot be reached at start is an error to report, not to wait out.
            SessionEvent::Connection(Connection::PbxUnreachable(e)) => return Err(e.into()),
            SessionEvent::Failed(e) => return Err(e),
            _ => continue,
        };
        let line = if args.json {
            serde_json::to_string(&view)?
        } else {
            text_line(&view)
        };
        writeln!(out, "{line}")?;
        // Each event is a line another program is waiting for.
        out.flush()?;
    }
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
