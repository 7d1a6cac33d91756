//! How long to wait before trying again after failures, for every loop that talks to a server
//! (the pollers, the PBX manager connections, the desktop's relay connection, the relay's
//! employee list): the first wait, doubled per further failure up to a cap, each stretched by
//! up to half again at random so that clients that failed together — a relay restarted, a PBX
//! back from maintenance — do not all come back in the same instant.

use std::time::Duration;

use rand::Rng as _;

/// The waits of one retry loop.
#[derive(Debug, Clone)]
pub struct Backoff {
    first: Duration,
    max: Duration,
    failures: u32,
}

impl Backoff {
    /// Waits from `first` up to `max` (raised to `first` when smaller).
    pub fn new(first: Duration, max: Duration) -> Backoff {
        Backoff {
            first,
            max: max.max(first),
            failures: 0,
        }
    }

    /// Counts one more failure and gives the wait before the next try: `first` × 2^(failures −
    /// 1), × 1 to 1.5 at random, never more than `max`.
    pub fn next_wait(&mut self) -> Duration {
        self.failures = self.failures.saturating_add(1);
        let doubled = self
            .first
            .saturating_mul(2u32.saturating_pow((self.failures - 1).min(20)))
            .min(self.max);
        let stretch = rand::thread_rng().gen_range(1.0..1.5);
        doubled.mul_f64(stretch).min(self.max)
    }

    /// Failures in a row so far.
    pub fn failures(&self) -> u32 {
        self.failures
    }

    /// After a success: the next failure waits `first` again.
    pub fn reset(&mut self) {
        self.failures = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_double_with_jitter_up_to_the_cap_and_start_over_after_a_success() {
        let second = Duration::from_secs(1);
        let mut backoff = Backoff::new(second, Duration::from_secs(30));
        let waits: Vec<Duration> = (0..8).map(|_| backoff.next_wait()).collect();
        for (n, wait) in waits.iter().take(5).enumerate() {
            let base = second * 2u32.pow(n as u32);
            assert!(*wait >= base && *wait < base.mul_f64(1.5), "{n}: {wait:?}");
        }
        for wait in &waits[5..] {
            assert!(*wait >= Duration::from_secs(30) - Duration::from_millis(1));
            assert!(*wait <= Duration::from_secs(30));
        }
        assert_eq!(backoff.failures(), 8);
        backoff.reset();
        assert!(backoff.next_wait() < Duration::from_millis(1500));
    }

    #[test]
    fn waits_are_not_all_the_same() {
        let waits: std::collections::HashSet<Duration> = (0..20)
            .map(|_| Backoff::new(Duration::from_secs(1), Duration::from_secs(9)).next_wait())
            .collect();
        assert!(waits.len() > 1, "no jitter: {waits:?}");
    }

    #[test]
    fn a_cap_below_the_first_wait_is_the_first_wait_and_many_failures_do_not_overflow() {
        let mut backoff = Backoff::new(Duration::from_secs(5), Duration::from_secs(1));
        assert_eq!(backoff.next_wait(), Duration::from_secs(5));
        let mut backoff = Backoff::new(Duration::from_millis(250), Duration::from_secs(30));
        for _ in 0..1000 {
            assert!(backoff.next_wait() <= Duration::from_secs(30));
        }
    }
}
