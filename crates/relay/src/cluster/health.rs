//! Whether this instance reaches Redis, logged once per change rather than once per request:
//! an outage of a minute under load would otherwise write thousands of identical lines.

use std::fmt::Display;
use std::sync::atomic::{AtomicBool, Ordering};

/// Redis as this instance last saw it.
#[derive(Debug)]
pub(crate) struct Health {
    instance: String,
    up: AtomicBool,
}

impl Health {
    /// Up: the instance has just connected.
    pub(crate) fn new(instance: String) -> Health {
        Health {
            instance,
            up: AtomicBool::new(true),
        }
    }

    /// A command went through.
    pub(crate) fn ok(&self) {
        if !self.up.swap(true, Ordering::SeqCst) {
            tracing::info!(instance = %self.instance, "Redis answers again: webhooks are accepted");
        }
    }

    /// A command failed while `doing` what it says.
    pub(crate) fn failed(&self, doing: &str, error: &dyn Display) {
        if self.up.swap(false, Ordering::SeqCst) {
            tracing::warn!(
                instance = %self.instance,
                "Redis unreachable while {doing} ({error}): webhooks are answered 503 until it \
                 returns; desktops stay connected"
            );
        }
    }
}
