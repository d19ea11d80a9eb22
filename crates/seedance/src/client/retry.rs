//! The retry policy shared by status, download and (narrowly) submit.

use std::{
    collections::hash_map::RandomState,
    hash::{BuildHasher, Hasher},
    time::Duration,
};

/// How transient failures of status and download requests are retried.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts after the first one.
    pub max_retries: u32,
    /// First back-off delay; doubled each retry, with full jitter.
    pub initial_backoff: Duration,
    /// Longest delay between attempts (also caps a provider's `Retry-After`).
    pub max_backoff: Duration,
}

impl Default for RetryPolicy {
    /// 4 retries, from 500 ms up to 30 s.
    fn default() -> Self {
        Self {
            max_retries: 4,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// No retries.
    pub fn none() -> Self {
        Self {
            max_retries: 0,
            ..Self::default()
        }
    }

    pub(crate) fn delay(&self, attempt: u32, hint: Option<Duration>) -> Duration {
        if let Some(hint) = hint {
            return hint.min(self.max_backoff);
        }
        let ceiling = self
            .initial_backoff
            .saturating_mul(2u32.saturating_pow(attempt))
            .min(self.max_backoff);
        // Full jitter, seeded by the std hasher's per-process random keys.
        let mut hasher = RandomState::new().build_hasher();
        hasher.write_u32(attempt);
        let fraction = (hasher.finish() % 1000) as u32;
        ceiling
            .mul_f64(f64::from(fraction) / 1000.0)
            .max(Duration::from_millis(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_delay_is_jittered_bounded_and_honours_hints() {
        let policy = RetryPolicy::default();
        for attempt in 0..10 {
            let delay = policy.delay(attempt, None);
            let ceiling = policy.initial_backoff * 2u32.pow(attempt.min(6));
            assert!(
                delay <= ceiling.min(policy.max_backoff),
                "{attempt}: {delay:?}"
            );
        }
        assert_eq!(
            policy.delay(0, Some(Duration::from_secs(7))),
            Duration::from_secs(7)
        );
        assert_eq!(
            policy.delay(0, Some(Duration::from_secs(600))),
            policy.max_backoff
        );
    }
}
