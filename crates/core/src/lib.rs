//! Callpop's domain, free of any PBX dialect and of any UI.
//!
//! Every provider adapter (in `callpop-providers`) turns what its PBX says into [`CallEvent`]s.
//! The [`CallTracker`] folds those events into [`Call`]s: it drops duplicates, tolerates events that
//! arrive out of order and shows the legs of a group call as one call. The [`Pipeline`] then looks
//! the caller up in the contact [`Store`] (directory and history live in one SQLite file) and hands
//! a [`CallView`] to whoever shows it: the desktop app's caller card or `callpop-cli watch`.
//!
//! Phone numbers are normalised once, at the edge, by [`PhoneNumber::parse`], so a contact matches
//! however its number was written. Settings live in a TOML file ([`Config`]); secrets never do:
//! they live in the OS keyring ([`secrets`]).

pub mod asterisk_options;
pub mod auto_contact;
pub mod backoff;
pub mod call_filter;
pub mod call_legs;
pub mod config;
pub mod contact_source;
pub mod csv_import;
mod csv_records;
pub mod dial_link;
pub mod directory;
pub mod employee;
pub mod event;
mod file_import;
pub mod history;
pub mod outcome;
pub mod phone;
pub mod pipeline;
mod search_index;
pub mod secrets;
pub mod store;
mod text_stream;
pub mod tracker;
pub mod utm;
pub mod vcard_import;

pub use auto_contact::AutoContacts;
pub use call_filter::{filter_calls, CallFilter};
pub use config::{
    AccountConfig, AutodialerSettings, Config, CrmLinks, LanRelaySettings, RelaySettings,
};
pub use csv_import::{parse_csv, read_csv, CsvContacts, FileRow, ImportReport, ParsedContacts};
pub use directory::{Contact, ImportCounts, NewContact, SearchPage, SearchResults, Upsert};
pub use employee::{find_employee, Employee};
pub use event::{CallEvent, CallState, ContactInfo, Direction};
pub use history::CallRecord;
pub use outcome::Outcome;
pub use phone::PhoneNumber;
pub use pipeline::{CallView, Pipeline};
pub use store::{Store, StoreError};
pub use tracker::{Call, CallTracker};
pub use utm::UtmTags;
pub use vcard_import::{looks_like_vcard, parse_vcards};
