//! A bounded memory of the keys a webhook handler saw lately: PBXs repeat webhooks (a retry, a
//! duplicate delivery), and a handler drops the repeats or recalls what it learnt of a call
//! (answered, its direction) without growing forever.

use std::collections::{HashSet, VecDeque};

/// The latest `capacity` keys; the oldest are forgotten first.
#[derive(Debug)]
pub(crate) struct RecentKeys {
    capacity: usize,
    set: HashSet<String>,
    order: VecDeque<String>,
}

impl RecentKeys {
    /// An empty memory of at most `capacity` keys.
    pub(crate) fn new(capacity: usize) -> RecentKeys {
        RecentKeys {
            capacity,
            set: HashSet::new(),
            order: VecDeque::new(),
        }
    }

    /// True when `key` was new (and is now remembered, forgetting the oldest when full).
    pub(crate) fn insert(&mut self, key: String) -> bool {
        if self.set.contains(&key) {
            return false;
        }
        if self.order.len() >= self.capacity {
            if let Some(old) = self.order.pop_front() {
                self.set.remove(&old);
            }
        }
        self.set.insert(key.clone());
        self.order.push_back(key);
        true
    }

    /// True when `key` is remembered.
    pub(crate) fn contains(&self, key: &str) -> bool {
        self.set.contains(key)
    }

    /// The keys, oldest first: what a relay instance hands to the next one (see
    /// [`WebhookHandler::shared_state`](crate::webhook::WebhookHandler::shared_state)). The
    /// capacity is left out: it is the handler's setting, not state.
    pub(crate) fn keys(&self) -> Vec<String> {
        self.order.iter().cloned().collect()
    }

    /// These keys (oldest first, as [`keys`](Self::keys) lists them) in place of the remembered
    /// ones. The capacity stays this memory's own, so a longer list keeps only its newest keys
    /// and the memory stays bounded whatever it was handed; a key listed twice counts once.
    pub(crate) fn replace_keys(&mut self, keys: Vec<String>) {
        let mut fresh = RecentKeys::new(self.capacity);
        for key in keys {
            fresh.insert(key);
        }
        *self = fresh;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeats_are_told_and_the_oldest_key_is_forgotten_first() {
        let mut recent = RecentKeys::new(2);
        assert!(recent.insert("a".into()));
        assert!(!recent.insert("a".into()));
        assert!(recent.insert("b".into()));
        assert!(recent.insert("c".into()));
        assert!(!recent.contains("a"));
        assert!(recent.contains("b") && recent.contains("c"));
        assert!(recent.insert("a".into()));
    }

    #[test]
    fn replaced_keys_keep_their_order_and_the_receivers_capacity() {
        let mut sender = RecentKeys::new(3);
        for key in ["a", "b", "c"] {
            sender.insert(key.into());
        }
        let mut receiver = RecentKeys::new(2);
        receiver.insert("x".into());
        receiver.replace_keys(sender.keys());
        // Only the newest two fit; "x" was the receiver's own and is gone.
        assert_eq!(receiver.keys(), ["b", "c"]);
        assert!(!receiver.contains("a") && !receiver.contains("x"));
        // The oldest handed-over key is still forgotten first.
        assert!(receiver.insert("d".into()));
        assert_eq!(receiver.keys(), ["c", "d"]);
        receiver.replace_keys(vec!["e".into(), "e".into()]);
        assert_eq!(receiver.keys(), ["e"]);
    }
}
