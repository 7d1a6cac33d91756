//! `relay`: run the webhook relay, or add a desktop to it.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use callpop_relay::{issue_client_token, new_secret_path, EmployeeSource, Relay, RelayConfig};
use tokio_util::sync::CancellationToken;

use crate::context::{self, AccountFlags};

/// The relay's events file in the data directory, unless its config names one.
const EVENTS_FILE: &str = "relay-events.sqlite";

/// How often a running relay re-reads its clients from its config file.
const CLIENTS_REREAD: Duration = Duration::from_secs(2);

/// Arguments of `relay`.
#[derive(clap::Args)]
pub struct Args {
    /// The relay's TOML config (crates/relay/README.md shows one).
    #[arg(long, global = true, default_value = "relay.toml")]
    config: PathBuf,
    #[command(subcommand)]
    action: Option<Action>,
}

#[derive(clap::Subcommand)]
enum Action {
    /// Run the relay (the default).
    Run,
    /// Add a desktop: prints its token once and keeps only the token's hash in the config.
    AddClient {
        /// Who the desktop belongs to.
        name: String,
        /// Whose calls the desktop gets, as the PBX names its user: the extension (Vega, MCN),
        /// the login (cloud PBX), the SIP account (Telediscount), the endpoint (Asterisk).
        /// Omit: every call.
        #[arg(long)]
        ext: Option<String>,
        /// A group (department) the user belongs to; repeat for several.
        #[arg(long = "group")]
        groups: Vec<String>,
    },
    /// Remove a desktop: a running relay closes its connections within seconds and refuses
    /// its token from then on.
    RemoveClient {
        /// The name it was added with.
        name: String,
    },
    /// Print a fresh `secret_path` for a provider whose webhooks carry no token (Vega,
    /// Telediscount, MCN, the Autodialer, Asterisk): 64 random hex digits.
    NewSecret,
}

/// Runs the relay until Ctrl-C, or adds a client.
pub async fn run(flags: &AccountFlags, args: Args) -> anyhow::Result<ExitCode> {
    match args.action.unwrap_or(Action::Run) {
        Action::Run => serve(flags, &args.config).await,
        Action::AddClient { name, ext, groups } => {
            add_client(&args.config, &name, ext.as_deref(), &groups).await
        }
        Action::RemoveClient { name } => remove_client(&args.config, &name).await,
        Action::NewSecret => {
            println!("{}", new_secret_path());
            Ok(ExitCode::SUCCESS)
        }
    }
}

async fn serve(flags: &AccountFlags, path: &Path) -> anyhow::Result<ExitCode> {
    let mut relay_config = RelayConfig::load(path)?;
    let listen = relay_config.listen;
    // Events are kept in a file so a restart forgets nothing (callpop_relay::journal).
    if relay_config.events_file.is_none() && relay_config.cluster.is_none() {
        relay_config.events_file = Some(callpop_core::Config::data_dir()?.join(EVENTS_FILE));
    }
    // The directory answers the PBX's look-ups; it is the same SQLite file the desktop uses.
    let config = context::config(flags)?;
    let store = context::store(&config)?;
    // The responsible managers the look-ups name come from the PBX's employee list, re-read
    // while the relay runs (callpop_relay::employees): a manager added on the PBX is named
    // without restarting the relay.
    let source = match &config.account {
        Some(account) => match context::connected_account(&config, account) {
            Ok(pbx) => {
                let pbx = Arc::new(pbx);
                Some(EmployeeSource::new(move || {
                    let pbx = Arc::clone(&pbx);
                    async move { pbx.employees().await }
                }))
            }
            Err(e) => {
                tracing::warn!("{e:#}: responsible employees stay unnamed");
                None
            }
        },
        None => None,
    };
    let relay = Relay::open(relay_config, Arc::clone(&store), Vec::new()).await?;
    let listener = tokio::net::TcpListener::bind(&listen)
        .await
        .with_context(|| format!("listening on {listen}"))?;
    println!(
        "relay listening on {}; Ctrl-C stops it",
        listener.local_addr()?
    );
    let shutdown = CancellationToken::new();
    if let Some(source) = source {
        relay.keep_employees_fresh(source, shutdown.clone());
    }
    relay.watch_clients(path.to_owned(), CLIENTS_REREAD, shutdown.clone());
    let stop = shutdown.clone();
    tokio::spawn(async move {
        let _ = tokio::signal::ctrl_c().await;
        stop.cancel();
    });
    relay.serve(listener, shutdown).await?;
    Ok(ExitCode::SUCCESS)
}

/// Adds a desktop: to the cluster's Redis when the config has `[cluster]` (every instance sees
/// it), else to the file. Prints the token once.
async fn add_client(
    path: &Path,
    name: &str,
    ext: Option<&str>,
    groups: &[String],
) -> anyhow::Result<ExitCode> {
    // Check the file first: a token for a relay that cannot read its config is no use.
    let config = RelayConfig::load(path)?;
    let (token, entry) = issue_client_token(name, ext, groups);
    if let Some(cluster) = &config.cluster {
        anyhow::ensure!(!entry.name.is_empty(), "a client needs a name");
        callpop_relay::cluster::clients::add(cluster, &entry).await?;
        eprintln!(
            "added {name} to the cluster at {}; every instance lets it in within {} seconds.",
            cluster.redis_url,
            CLIENTS_REREAD.as_secs()
        );
        print_token(&token);
        return Ok(ExitCode::SUCCESS);
    }
    add_to_file(path, &entry)?;
    eprintln!(
        "added {name} to {}; a running relay lets it in within {} seconds.",
        path.display(),
        CLIENTS_REREAD.as_secs()
    );
    print_token(&token);
    Ok(ExitCode::SUCCESS)
}

fn print_token(token: &callpop_relay::ClientToken) {
    eprintln!(
        "Give this token to the desktop (`callpop-cli key set --relay`); it is shown only now:"
    );
    println!("{}", token.expose());
}

/// Appends `entry` to the file's `[[clients]]`, checking the result still reads.
fn add_to_file(path: &Path, entry: &callpop_relay::ClientEntry) -> anyhow::Result<()> {
    #[derive(serde::Serialize)]
    struct Clients<'a> {
        clients: [&'a callpop_relay::ClientEntry; 1],
    }
    let mut text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    if !text.ends_with('\n') {
        text.push('\n');
    }
    text.push('\n');
    text.push_str(&toml::to_string(&Clients { clients: [entry] })?);
    RelayConfig::from_toml_str(&text)
        .context("the config with the new client does not read back")?;
    std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

/// Takes the desktop `name` out: from the cluster's Redis with `[cluster]`, and from the
/// file's `[[clients]]` (leaving the rest of the file, comments and order, as it was).
async fn remove_client(path: &Path, name: &str) -> anyhow::Result<ExitCode> {
    let config = RelayConfig::load(path)?;
    let from_cluster = match &config.cluster {
        Some(cluster) => callpop_relay::cluster::clients::remove(cluster, name).await?,
        None => false,
    };
    let from_file = config.clients.iter().any(|c| c.name == name);
    if !from_cluster && !from_file {
        anyhow::bail!("{} has no client named {name:?}", path.display());
    }
    if from_file {
        remove_from_file(path, name)?;
    }
    eprintln!(
        "removed {name}; a running relay shuts it out within {} seconds.",
        CLIENTS_REREAD.as_secs()
    );
    Ok(ExitCode::SUCCESS)
}

/// Takes the `[[clients]]` entry named `name` out of the file.
fn remove_from_file(path: &Path, name: &str) -> anyhow::Result<()> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let mut document: toml_edit::DocumentMut = text
        .parse()
        .with_context(|| format!("reading {}", path.display()))?;
    let clients = document
        .get_mut("clients")
        .and_then(toml_edit::Item::as_array_of_tables_mut);
    let removed = match clients {
        Some(clients) => {
            let before = clients.len();
            clients.retain(|client| client.get("name").and_then(|n| n.as_str()) != Some(name));
            before - clients.len()
        }
        None => 0,
    };
    if removed == 0 {
        anyhow::bail!("{} has no client named {name:?}", path.display());
    }
    let text = document.to_string();
    RelayConfig::from_toml_str(&text)
        .context("the config without the client does not read back")?;
    std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}
