//! `import FILE.csv`: contacts into the directory.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;

use crate::context::{self, AccountFlags};

/// Arguments of `import`.
#[derive(clap::Args)]
pub struct Args {
    /// A CSV file as exported from a CRM or Excel.
    file: PathBuf,
}

/// Imports and reports; exits 2 when some rows were skipped.
pub fn run(flags: &AccountFlags, args: Args) -> anyhow::Result<ExitCode> {
    let config = context::config(flags)?;
    let bytes =
        std::fs::read(&args.file).with_context(|| format!("reading {}", args.file.display()))?;
    let report = context::store(&config)?
        .import_csv(&bytes)
        .with_context(|| format!("importing {}", args.file.display()))?;
    println!(
        "imported {} contacts from {}",
        report.imported,
        args.file.display()
    );
    for row in &report.skipped {
        eprintln!(
            "{}:{}: skipped: {}",
            args.file.display(),
            row.line,
            row.reason
        );
    }
    Ok(if report.skipped.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    })
}
