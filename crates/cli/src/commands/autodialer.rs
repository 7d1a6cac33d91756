//! `autodial send|call|results|key`: the Autodialer (robot calls by a scenario).
//!
//! - `send --campaign ID (--csv FILE | --contacts QUERY) [--from HH:MM --to HH:MM] [--attempts N]
//!   [--var TEXT]... [--yes]`: contacts to a campaign (`make`, in batches of 1000), then the
//!   merged report. Without a time window the Autodialer dials at once, whatever the hour: the
//!   warning is printed and nothing is sent without `--yes`;
//! - `call NUMBER`: one robot call (`newcall`);
//! - `results [--since DAY] [--until DAY] [--to NUMBER] [--json]`: `cdr` (by default yesterday
//!   to tomorrow: the Autodialer's days are in its zone), saved to history;
//! - `key set|status|delete`: the Autodialer's key in the OS keyring.

use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use callpop_core::secrets::{self, Secret, SecretError};
use callpop_core::{AutodialerSettings, CallRecord, Config, PhoneNumber, Store};
use callpop_providers::autodialer::{
    self, records_for_contacts, AutodialerClientSettings, CdrQuery, DialOptions, DialRecord,
    DialWindow,
};
use callpop_providers::capability::{Provider, RobotCalls};
use chrono::{NaiveDate, Utc};

use crate::context::{self, AccountFlags};

/// Arguments of `autodial`.
#[derive(clap::Args)]
#[command(
    after_help = "The Autodialer has its own key, separate from the PBX's: \
    `callpop-cli autodial key set` stores it in the OS keyring; CALLPOP_AUTODIALER_KEY overrides \
    the keyring (CALLPOP_API_KEY is the PBX's key and is not used here)."
)]
pub struct Args {
    /// The Autodialer's address (`https://site.url`), instead of the [autodialer] section's.
    #[arg(long, global = true)]
    autodialer_url: Option<String>,
    #[command(subcommand)]
    action: Action,
}

#[derive(clap::Subcommand)]
enum Action {
    /// Send contacts to a campaign and show the Autodialer's report.
    Send(SendArgs),
    /// One robot call to NUMBER.
    Call(CallArgs),
    /// The Autodialer's call results (`cdr`), also saved to the local history.
    Results(ResultsArgs),
    /// Store, check or remove the Autodialer's key in the OS keyring (its own key, not the
    /// PBX's; CALLPOP_AUTODIALER_KEY overrides the keyring).
    Key {
        #[command(subcommand)]
        action: KeyAction,
    },
}

/// What every dialing command shares.
#[derive(clap::Args)]
struct DialFlags {
    /// The campaign: the scenario (`generationtype`) created in the Autodialer cabinet. Default:
    /// `campaign` in the [autodialer] section.
    #[arg(long, alias = "scenario")]
    campaign: Option<String>,
    /// Dial from this time of day (HH:MM); with --to.
    #[arg(long, requires = "to")]
    from: Option<String>,
    /// Dial until this time of day (HH:MM); with --from.
    #[arg(long, requires = "from")]
    to: Option<String>,
    /// How many times a number is tried at most (`maxcount`).
    #[arg(long)]
    attempts: Option<u32>,
    /// A value for the scenario's phrases (`var1`, `var2`, `var3` in order; at most three).
    /// `{name}` and `{company}` become the contact's.
    #[arg(long = "var")]
    vars: Vec<String>,
}

#[derive(clap::Args)]
struct SendArgs {
    #[command(flatten)]
    dial: DialFlags,
    /// Contacts from a CSV file (the same formats `import` reads).
    #[arg(long, conflicts_with = "contacts")]
    csv: Option<PathBuf>,
    /// Contacts from the directory whose name, company or number matches ("" for all).
    #[arg(long)]
    contacts: Option<String>,
    /// Send even though records have no time window (they are dialed at once).
    #[arg(long)]
    yes: bool,
}

#[derive(clap::Args)]
struct CallArgs {
    /// The number to call.
    number: String,
    #[command(flatten)]
    dial: DialFlags,
}

#[derive(clap::Args)]
struct ResultsArgs {
    /// The first day (YYYY-MM-DD); default yesterday (UTC).
    #[arg(long)]
    since: Option<NaiveDate>,
    /// The last day (YYYY-MM-DD); default tomorrow (UTC): the Autodialer counts days in its own
    /// zone, so "today" there may be either.
    #[arg(long)]
    until: Option<NaiveDate>,
    /// Only calls to this number.
    #[arg(long)]
    to: Option<String>,
    /// One JSON object per line instead of text.
    #[arg(long)]
    json: bool,
}

#[derive(clap::Subcommand)]
enum KeyAction {
    /// Read the key from standard input.
    Set,
    /// Say whether one is stored.
    Status,
    /// Remove the stored one.
    Delete,
}

/// Runs `autodial`.
pub async fn run(flags: &AccountFlags, args: Args) -> anyhow::Result<ExitCode> {
    let config = context::config(flags)?;
    let settings = settings(&config, args.autodialer_url.as_deref())?;
    match args.action {
        Action::Send(send_args) => send(&config, &settings, send_args).await,
        Action::Call(call_args) => call(&config, &settings, call_args).await,
        Action::Results(results_args) => results(&config, &settings, results_args).await,
        Action::Key { action } => key(&settings, action),
    }
}

/// The [autodialer] section, with --autodialer-url over its address.
fn settings(config: &Config, url: Option<&str>) -> anyhow::Result<AutodialerSettings> {
    match (config.autodialer.clone(), url) {
        (Some(mut settings), Some(url)) => {
            settings.base_url = url.trim().trim_end_matches('/').to_owned();
            Ok(settings)
        }
        (Some(settings), None) => Ok(settings),
        (None, Some(url)) => Ok(AutodialerSettings::new(url)),
        (None, None) => {
            let path = Config::default_path()
                .map(|p| p.display().to_string())
                .unwrap_or_default();
            anyhow::bail!(
                "no Autodialer configured: add to {path}\n[autodialer]\nbase_url = \"https://your-autodialer-host\"\ncampaign = \"1\"\nor pass --autodialer-url"
            )
        }
    }
}

/// The Autodialer of `settings`, reached like any provider: through its capability.
struct Robot(Box<dyn Provider>);

impl Robot {
    fn calls(&self) -> anyhow::Result<&dyn RobotCalls> {
        self.0
            .robot_calls()
            .context("the [autodialer] service offers no robot calls")
    }
}

fn robot(settings: &AutodialerSettings) -> anyhow::Result<Robot> {
    let key = match secrets::autodialer_key(settings) {
        Ok(key) => key,
        Err(error @ SecretError::Missing { .. }) => return Err(error.into()),
        // No keyring here: the variable is the way in, and it is not the PBX's.
        Err(error) => anyhow::bail!(
            "{error}\nOr set {} to the Autodialer's key (its own, separate from the PBX's {})",
            secrets::AUTODIALER_KEY_ENV,
            secrets::API_KEY_ENV
        ),
    };
    Ok(Robot(autodialer::connect(
        &AutodialerClientSettings::from(settings),
        &key,
    )?))
}

fn options(settings: &AutodialerSettings, dial: &DialFlags) -> anyhow::Result<DialOptions> {
    let scenario = dial
        .campaign
        .clone()
        .or_else(|| settings.campaign.clone())
        .context("no campaign: pass --campaign ID (the scenario's id in the Autodialer cabinet) or set campaign in the [autodialer] section")?;
    let window = match (&dial.from, &dial.to) {
        (Some(from), Some(to)) => Some(DialWindow::parse(from, to)?),
        _ => None,
    };
    anyhow::ensure!(
        dial.vars.len() <= 3,
        "at most three --var values (var1, var2, var3)"
    );
    Ok(DialOptions {
        scenario,
        window,
        max_attempts: dial.attempts,
    })
}

async fn send(
    config: &Config,
    settings: &AutodialerSettings,
    args: SendArgs,
) -> anyhow::Result<ExitCode> {
    let options = options(settings, &args.dial)?;
    let (contacts, prefix) = match (&args.csv, &args.contacts) {
        (Some(path), _) => {
            let bytes =
                std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
            let store = Store::open_in_memory(config.region())?;
            let report = store.import_csv(&bytes)?;
            for row in &report.skipped {
                eprintln!("callpop-cli: {}: {row}", path.display());
            }
            (store.search("", usize::MAX)?, "csv-")
        }
        (None, Some(query)) => (context::store(config)?.search(query, usize::MAX)?, ""),
        (None, None) => anyhow::bail!("say whom to send: --csv FILE or --contacts QUERY"),
    };
    let (records, skipped) = records_for_contacts(&contacts, prefix, &args.dial.vars);
    if skipped > 0 {
        eprintln!("callpop-cli: {skipped} contacts have no number to dial and are left out");
    }
    anyhow::ensure!(!records.is_empty(), "no contact with a number to send");
    if let Some(warning) = options.warning(records.len()) {
        eprintln!("warning: {warning}");
        if !args.yes {
            eprintln!("nothing sent: add --yes to send anyway, or give --from HH:MM --to HH:MM");
            return Ok(ExitCode::from(2));
        }
    }
    let robot = robot(settings)?;
    let report = robot.calls()?.send_to_campaign(&records, &options).await?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "{}", report.summary())?;
    for line in report.explanations() {
        writeln!(out, "  {line}")?;
    }
    Ok(ExitCode::SUCCESS)
}

async fn call(
    config: &Config,
    settings: &AutodialerSettings,
    args: CallArgs,
) -> anyhow::Result<ExitCode> {
    let options = options(settings, &args.dial)?;
    let number = PhoneNumber::parse(&args.number, config.region());
    // The directory names the contact when it knows the number; else the number is both.
    let contact = context::store(config)
        .ok()
        .and_then(|store| store.lookup(&number).ok().flatten());
    let (uuid, name) = match &contact {
        Some(contact) => (contact.id.to_string(), contact.name.clone()),
        None => (number.key(), number.display()),
    };
    let mut record = DialRecord::for_number(&number, &uuid, Some(&name))
        .with_context(|| format!("{:?} has no digits to dial", args.number))?;
    if let Some(contact) = &contact {
        let (mut with_vars, _) =
            records_for_contacts(std::slice::from_ref(contact), "", &args.dial.vars);
        if let Some(first) = with_vars.pop() {
            record.vars = first.vars;
        }
    }
    if let Some(warning) = options.warning(1) {
        eprintln!("note: {warning}");
    }
    let robot = robot(settings)?;
    let answer = robot.calls()?.robot_call(&record, &options).await?;
    println!(
        "queued a robot call to {} ({name}): job {}",
        number.display(),
        answer.query_id
    );
    Ok(ExitCode::SUCCESS)
}

async fn results(
    config: &Config,
    settings: &AutodialerSettings,
    args: ResultsArgs,
) -> anyhow::Result<ExitCode> {
    let today = Utc::now().date_naive();
    let query = CdrQuery {
        date_from: args
            .since
            .unwrap_or_else(|| today.pred_opt().unwrap_or(today)),
        date_to: args
            .until
            .unwrap_or_else(|| today.succ_opt().unwrap_or(today)),
        to: args
            .to
            .as_deref()
            .map(|to| PhoneNumber::parse(to, config.region())),
    };
    let robot = robot(settings)?;
    let results = robot.calls()?.results(&query, config.region()).await?;
    for why in &results.skipped {
        eprintln!("callpop-cli: warning: a result was left out: {why}");
    }
    // The Autodialer stays the source; a local store that cannot be written costs only the cache.
    if let Err(error) = context::store(config).and_then(|store| {
        store
            .import_history(&results.records)
            .context("saving to the local history")
    }) {
        eprintln!("callpop-cli: warning: {error:#}");
    }
    let mut out = std::io::stdout().lock();
    for record in &results.records {
        let line = if args.json {
            serde_json::to_string(&json_line(record))?
        } else {
            text_line(record)
        };
        writeln!(out, "{line}")?;
    }
    Ok(ExitCode::SUCCESS)
}

fn json_line(record: &CallRecord) -> serde_json::Value {
    serde_json::json!({
        "call_id": record.call_id,
        "status": record.state.as_str(),
        "customer": record.customer.as_ref().map(PhoneNumber::key),
        "started_at": record.started_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "duration_s": record.duration_seconds,
        "recording": record.recording,
    })
}

fn text_line(record: &CallRecord) -> String {
    format!(
        "{} {:<9} {:<18} {:>5}s  job {}",
        record.started_at.format("%Y-%m-%d %H:%M:%S"),
        record.state.as_str(),
        record
            .customer
            .as_ref()
            .map_or_else(|| "-".to_owned(), PhoneNumber::display),
        record.duration_seconds.unwrap_or(0),
        record.call_id.split(':').next().unwrap_or_default(),
    )
}

fn key(settings: &AutodialerSettings, action: KeyAction) -> anyhow::Result<ExitCode> {
    let name = settings.keyring_user();
    match action {
        KeyAction::Set => {
            eprintln!("Autodialer key for {name} (then Enter):");
            let mut line = String::new();
            std::io::stdin()
                .lock()
                .read_line(&mut line)
                .context("reading the key from standard input")?;
            let value = line.trim();
            anyhow::ensure!(!value.is_empty(), "nothing given on standard input");
            secrets::store_autodialer_key(settings, &Secret::new(value))?;
            println!("stored in the OS keyring for {name}");
        }
        KeyAction::Status => match secrets::keyring_autodialer_key(settings) {
            Ok(_) => println!("stored for {name}"),
            Err(SecretError::Missing { .. }) => {
                println!("no Autodialer key stored for {name}: run `callpop-cli autodial key set`");
                return Ok(ExitCode::from(1));
            }
            Err(error) => return Err(error.into()),
        },
        KeyAction::Delete => {
            secrets::delete_autodialer_key(settings)?;
            println!("removed for {name}");
        }
    }
    Ok(ExitCode::SUCCESS)
}
