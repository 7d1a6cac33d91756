//! `import FILE.csv` / `import FILE.vcf`: contacts into the directory.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;

use crate::context::{self, AccountFlags};

/// Arguments of `import`.
#[derive(clap::Args)]
pub struct Args {
    /// A CSV file as exported from a CRM or Excel, or a vCard (.vcf) file from a phone or an
    /// address book (told apart by the content).
    file: PathBuf,
}

/// Imports and reports; exits 2 when some rows were skipped.
pub fn run(flags: &AccountFlags, args: Args) -> anyhow::Result<ExitCode> {
    let config = context::config(flags)?;
    let bytes =
        std::fs::read(&args.file).with_context(|| format!("reading {}", args.file.display()))?;
    let store = context::store(&config)?;
    let report = if callpop_core::looks_like_vcard(&bytes) {
        store.import_vcard(&bytes)
    } else {
        store.import_csv(&bytes)
    };
    let report = report.with_context(|| format!("importing {}", args.file.display()))?;
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
