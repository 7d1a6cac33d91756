//! `import FILE.csv` / `import FILE.vcf`: contacts into the directory.

use std::io::{Read as _, Seek as _};
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
    let reading = || format!("reading {}", args.file.display());
    let mut file = std::fs::File::open(&args.file).with_context(reading)?;
    // The first lines tell a vCard from a CSV file; a CSV file is then read a piece at a time.
    let mut start = Vec::with_capacity(4096);
    (&mut file)
        .take(4096)
        .read_to_end(&mut start)
        .with_context(reading)?;
    file.rewind().with_context(reading)?;
    let store = context::store(&config)?;
    let report = if callpop_core::looks_like_vcard(&start) {
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes).with_context(reading)?;
        store.import_vcard(&bytes)
    } else {
        store.import_csv_file(file)
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
    if report.more_skipped > 0 {
        eprintln!(
            "{}: {} more rows skipped",
            args.file.display(),
            report.more_skipped
        );
    }
    Ok(if report.skipped.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    })
}
