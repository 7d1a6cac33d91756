//! What some PBXs tell by themselves, beside the call events: DND changed on the phone (the
//! app re-reads it at once, not at the next periodic read) and each finished call's record
//! (Asterisk's CDRs, kept in the history).

use std::sync::Arc;

use callpop_core::Store;
use callpop_providers::Account;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::SessionEvent;

/// Follows `account`'s own reports until `shutdown`: DND changes become
/// [`SessionEvent::PresenceMayHaveChanged`], call records are saved in `store`.
pub fn follow(
    account: &Account,
    store: &Arc<Store>,
    out: &mpsc::Sender<SessionEvent>,
    shutdown: &CancellationToken,
) {
    if let Some(mut dnd) = account.dnd_changes() {
        let (out, shutdown) = (out.clone(), shutdown.clone());
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    _ = shutdown.cancelled() => return,
                    changed = dnd.changed() => if changed.is_err() { return },
                }
                if out
                    .send(SessionEvent::PresenceMayHaveChanged)
                    .await
                    .is_err()
                {
                    return;
                }
            }
        });
    }
    if let Some(mut records) = account.take_call_records() {
        let (store, shutdown) = (store.clone(), shutdown.clone());
        tokio::spawn(async move {
            loop {
                let record = tokio::select! {
                    _ = shutdown.cancelled() => return,
                    record = records.recv() => match record {
                        Some(record) => record,
                        None => return,
                    },
                };
                if let Err(e) = store.import_history(std::slice::from_ref(&record)) {
                    tracing::warn!("the PBX's record of call {} not saved: {e}", record.call_id);
                }
            }
        });
    }
}
