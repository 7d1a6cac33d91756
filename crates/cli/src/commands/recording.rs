//! `recording CALL_ID [--out FILE]`: save a call's recording to a file.
//!
//! The history shows where a recording is, but not every provider's pointer is something a
//! person can open: MCN's needs the account's key (`mcn-record:<id>`), Vega's the session. This
//! fetches it the way the app's player does (`Account::recording`) and writes the audio.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context as _};
use callpop_core::secrets;
use callpop_providers::Account;

use crate::context::{self, AccountFlags};

/// Arguments of `recording`.
#[derive(clap::Args)]
pub struct Args {
    /// The call's id (`call_id` in `history --json`); the call must be in the local history,
    /// which `history` fills.
    call_id: String,
    /// Where to write the audio. Default: `<CALL_ID>.<mp3|wav|ogg>` in the current directory.
    #[arg(long, short)]
    out: Option<PathBuf>,
}

/// Fetches the recording and writes it.
pub async fn run(flags: &AccountFlags, args: Args) -> anyhow::Result<ExitCode> {
    let config = context::config(flags)?;
    let account = context::account(&config)?;
    let call_id = args.call_id.trim();
    let store = context::store(&config)?;
    let Some(call) = store
        .call(&account.provider, call_id)
        .context("reading the local history")?
    else {
        bail!(
            "call {call_id:?} is not in the local history of this {} account: run \
             `callpop-cli history` (with --since reaching the call's day) first",
            account.provider
        );
    };
    let key = secrets::api_key(&account)?;
    let recording = Account::connect(&account, &key, config.region())?
        .recording(&call)
        .await?;
    let out = args.out.unwrap_or_else(|| {
        PathBuf::from(format!(
            "{}.{}",
            file_stem(call_id),
            extension(&recording.content_type)
        ))
    });
    std::fs::write(&out, &recording.bytes)
        .with_context(|| format!("writing the recording to {}", out.display()))?;
    println!(
        "saved the recording of call {call_id} to {} ({} bytes, {})",
        out.display(),
        recording.bytes.len(),
        recording.content_type
    );
    Ok(ExitCode::SUCCESS)
}

/// The file extension for an audio type.
fn extension(content_type: &str) -> &'static str {
    let kind = content_type.split(';').next().unwrap_or_default().trim();
    match kind.to_ascii_lowercase().as_str() {
        "audio/mpeg" | "audio/mp3" => "mp3",
        "audio/wav" | "audio/x-wav" | "audio/wave" | "audio/vnd.wave" => "wav",
        "audio/ogg" | "audio/opus" => "ogg",
        _ => "bin",
    }
}

/// A call id as a file name: characters a file system refuses (Vega's ids are UUIDs, but a
/// PBX may put `/` or `:` in its own) become `_`.
fn file_stem(call_id: &str) -> String {
    call_id
        .chars()
        .map(|c| match c {
            '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|' => '_',
            c if c.is_control() => '_',
            c => c,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn audio_types_get_their_extension_and_ids_a_safe_name() {
        assert_eq!(extension("audio/mpeg"), "mp3");
        assert_eq!(extension("audio/x-wav; charset=binary"), "wav");
        assert_eq!(extension("application/octet-stream"), "bin");
        assert_eq!(file_stem("1714554000.123"), "1714554000.123");
        assert_eq!(file_stem("a/b:c"), "a_b_c");
    }
}
