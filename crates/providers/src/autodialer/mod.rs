//! The Autodialer («Автодайлер», `docs/providers/autodialer.md`): an outbound dialing service
//! that calls lists of numbers by a scenario (a robot voice with variables) set up in its
//! cabinet. It is not a PBX: nothing rings a manager, so it has no live cards; its calls reach
//! history.
//!
//! - [`client`]: `make` (contacts to a campaign, in batches of at most 1000, reports merged),
//!   `newcall` (one robot call), `cdr` (results into history);
//! - [`job`]: the records, the options a job shares (scenario `generationtype`, time window,
//!   attempts) and [`NoTimeWindowWarning`], shown before sending a job without a window;
//! - [`report`]: `make`'s `report` (`lines` / `ok` / `inserted` / `errorcode`), per batch and
//!   merged, explained in words;
//! - [`cdr`]: `cdr`'s rows as history's `CallRecord`s;
//! - [`webhook`]: the completion webhook (number, duration, recording, recognized answer) behind
//!   a secret path and an IP allow-list, as a `CallRecord` plus the answer;
//! - [`error`]: what goes wrong, in words the user can act on;
//! - [`provider`]: the Autodialer behind the [`Provider`](crate::capability::Provider) seam,
//!   offering [`RobotCalls`](crate::capability::RobotCalls): how the app and the CLI use it.

pub mod cdr;
pub mod client;
pub mod error;
pub mod job;
pub mod provider;
pub mod report;
pub mod webhook;

pub use cdr::{parse_cdr_time, CdrEntry, CdrOutcome, CdrQuery};
pub use client::{AutodialerClient, AutodialerClientSettings, CdrResults, NewCallAnswer};
pub use error::AutodialerError;
pub use job::{
    batches, parse_time_of_day, records_for_contacts, wire_phone, DialOptions, DialRecord,
    DialWindow, NoTimeWindowWarning, MAX_RECORDS_PER_MAKE,
};
pub use provider::connect;
pub use report::{BatchReport, ErrorCode, MakeReport, SendReport};
pub use webhook::{
    parse_completion, AutodialerCallResult, AutodialerWebhook, Completion, CompletionError,
    CompletionOutcome,
};

/// The provider's name in every `CallRecord` it makes.
pub const PROVIDER: &str = "autodialer";
