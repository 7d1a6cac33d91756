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
}
