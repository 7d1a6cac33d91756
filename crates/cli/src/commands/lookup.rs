//! `lookup NUMBER`: who is this?

use std::process::ExitCode;

use callpop_core::PhoneNumber;

use crate::context::{self, AccountFlags};

/// Arguments of `lookup`.
#[derive(clap::Args)]
pub struct Args {
    /// The number, in any usual spelling.
    number: String,
    /// Print the contact as JSON (`null` when not found).
    #[arg(long)]
    json: bool,
}

/// Prints the contact; exits 1 when the number is not in the directory.
pub fn run(flags: &AccountFlags, args: Args) -> anyhow::Result<ExitCode> {
    let config = context::config(flags)?;
    let number = PhoneNumber::parse(&args.number, config.region());
    let found = context::store(&config)?.lookup(&number)?;
    if args.json {
        println!("{}", serde_json::to_string(&found)?);
    } else if let Some(contact) = &found {
        println!("{}", contact.name);
        for (label, value) in [
            ("company", &contact.company),
            ("responsible", &contact.responsible),
            ("url", &contact.url),
            ("notes", &contact.notes),
        ] {
            if let Some(value) = value {
                println!("  {label}: {value}");
            }
        }
        let phones: Vec<String> = contact.phones.iter().map(PhoneNumber::display).collect();
        println!("  phones: {}", phones.join(", "));
    } else {
        eprintln!("no contact for {}", number.display());
    }
    Ok(if found.is_some() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
