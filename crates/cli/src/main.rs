//! `callpop-cli`: Callpop on the command line. It only parses arguments and wires the library
//! crates together; each subcommand lives in its own module under `commands/`.

mod commands;
mod context;

use clap::{Parser, Subcommand};

/// Callpop on the command line: watch calls as they happen, call, look up, import contacts.
#[derive(Parser)]
#[command(name = "callpop-cli", version, about)]
struct Cli {
    #[command(flatten)]
    account: context::AccountFlags,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Stream call events as they happen.
    Watch(commands::watch::Args),
    /// Click-to-call: ring my phone, then NUMBER.
    Call(commands::call::Args),
    /// End a call in progress.
    Hangup(commands::hangup::Args),
    /// Finished calls from the PBX's own history (also saved to the local history).
    History(commands::history::Args),
    /// Save a call's recording to a file (the call must be in the local history).
    Recording(commands::recording::Args),
    /// The company's employees as the PBX lists them.
    Users(commands::users::Args),
    /// Find the contact for a number in the directory.
    Lookup(commands::lookup::Args),
    /// The PBX's own CRM contacts: `contacts sync [--full] [--json]`.
    Contacts(commands::contacts::Args),
    /// Import contacts from a CSV or vCard file into the directory.
    Import(commands::import::Args),
    /// Store, check or remove the account's API key (or, with --relay, the relay token) in the OS keyring.
    Key(commands::key::Args),
    /// Do-Not-Disturb for my phone: `dnd on|off|status`.
    Dnd(commands::dnd::Args),
    /// The PBX's departments and whether I receive their calls.
    Groups(commands::groups::Args),
    /// Receive a department's calls, or stop: `subscribe GROUP on|off`.
    Subscribe(commands::subscribe::Args),
    /// The Autodialer: send contacts to a campaign, one robot call, results.
    Autodial(commands::autodialer::Args),
    /// Run a PBX simulator on this machine.
    Sim(commands::sim::Args),
    /// Run the webhook relay (`relay --config relay.toml`), or add a desktop to it.
    Relay(commands::relay::Args),
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    use std::io::IsTerminal as _;
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        // Colour only for a person at a terminal: a log file or journald (the relay as a
        // service) would keep the escape codes as text.
        .with_ansi(std::io::stderr().is_terminal())
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
        )
        .init();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Watch(args) => commands::watch::run(&cli.account, args).await,
        Command::Call(args) => commands::call::run(&cli.account, args).await,
        Command::Hangup(args) => commands::hangup::run(&cli.account, args).await,
        Command::History(args) => commands::history::run(&cli.account, args).await,
        Command::Recording(args) => commands::recording::run(&cli.account, args).await,
        Command::Users(args) => commands::users::run(&cli.account, args).await,
        Command::Lookup(args) => commands::lookup::run(&cli.account, args),
        Command::Contacts(args) => commands::contacts::run(&cli.account, args).await,
        Command::Import(args) => commands::import::run(&cli.account, args),
        Command::Key(args) => commands::key::run(&cli.account, args),
        Command::Dnd(args) => commands::dnd::run(&cli.account, args).await,
        Command::Groups(args) => commands::groups::run(&cli.account, args).await,
        Command::Subscribe(args) => commands::subscribe::run(&cli.account, args).await,
        Command::Autodial(args) => commands::autodialer::run(&cli.account, args).await,
        Command::Sim(args) => commands::sim::run(args).await,
        Command::Relay(args) => commands::relay::run(&cli.account, args).await,
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("callpop-cli: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
