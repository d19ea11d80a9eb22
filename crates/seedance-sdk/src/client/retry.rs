//! The retry policy shared by status, download and (narrowly) submit.

use std::{
    collections::hash_map::RandomState,
    hash::{BuildHasher, Hasher},
    time::{Duration, SystemTime},
};

use crate::error::{Error, Result};

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

    /// The wait before retry number `attempt` (0-based), or `None` to give up: the attempts are
    /// used up, or the provider asked for a longer wait (`hint`, from `Retry-After`) than
    /// `max_backoff`, which the caller then reports instead of retrying early.
    ///
    /// Without a hint: exponential back-off with full jitter. With one: the hint plus up to 10 %
    /// (at most 1 s), so that clients told the same time do not all return at once.
    pub(crate) fn delay(&self, attempt: u32, hint: Option<Duration>) -> Option<Duration> {
        if attempt >= self.max_retries {
            return None;
        }
        if let Some(hint) = hint {
            if hint > self.max_backoff {
                return None;
            }
            let spread = (hint / 10).min(Duration::from_secs(1));
            return Some(hint + spread.mul_f64(jitter(attempt)));
        }
        let ceiling = self
            .initial_backoff
            .saturating_mul(2u32.saturating_pow(attempt))
            .min(self.max_backoff);
        Some(
            ceiling
                .mul_f64(jitter(attempt))
                .max(Duration::from_millis(1)),
        )
    }
}

/// How loudly a retry is logged: a retried submit is worth a warning, a retried poll is not.
#[derive(Clone, Copy, Debug)]
pub(crate) enum LogLevel {
    Debug,
    Warn,
}

/// The retry loop's state: which attempt this is, and the wait before the next one.
pub(crate) struct Retries<'a> {
    policy: &'a RetryPolicy,
    what: &'static str,
    level: LogLevel,
    attempt: u32,
}

impl<'a> Retries<'a> {
    /// A loop around the call `what` (named in the log) under `policy`.
    pub(crate) fn new(policy: &'a RetryPolicy, what: &'static str, level: LogLevel) -> Self {
        Self {
            policy,
            what,
            level,
            attempt: 0,
        }
    }

    /// After a failed attempt: waits as the policy says, honouring the error's
    /// [`Error::retry_after`], and returns `Ok` for another attempt; returns the error when it
    /// is not `retryable` or the policy gives up.
    pub(crate) async fn wait(&mut self, err: Error, retryable: bool) -> Result<(), Error> {
        let delay = match self.policy.delay(self.attempt, err.retry_after()) {
            Some(delay) if retryable => delay,
            _ => return Err(err),
        };
        let (attempt, what) = (self.attempt, self.what);
        match self.level {
            LogLevel::Debug => {
                tracing::debug!(attempt, ?delay, error = %err, "{what} failed; retrying");
            }
            LogLevel::Warn => {
                tracing::warn!(attempt, ?delay, error = %err, "{what} failed; retrying")
            }
        }
        tokio::time::sleep(delay).await;
        self.attempt += 1;
        Ok(())
    }
}

/// Runs `op` until it succeeds, fails with an error `should_retry` refuses, or `policy` gives
/// up (see [`Retries::wait`]).
pub(crate) async fn retry<T, F: Future<Output = Result<T>>>(
    policy: &RetryPolicy,
    what: &'static str,
    level: LogLevel,
    should_retry: impl Fn(&Error) -> bool,
    mut op: impl FnMut() -> F,
) -> Result<T> {
    let mut retries = Retries::new(policy, what, level);
    loop {
        match op().await {
            Ok(value) => return Ok(value),
            Err(err) => {
                let retryable = should_retry(&err);
                retries.wait(err, retryable).await?;
            }
        }
    }
}

/// A `Retry-After` value: delay seconds, or an HTTP date (RFC 9110), as a wait from `now`. A date
/// in the past is no wait; anything else unreadable is no hint.
pub(crate) fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

/// A fraction in `[0, 1)`, seeded by the std hasher's per-process random keys.
fn jitter(attempt: u32) -> f64 {
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u32(attempt);
    (hasher.finish() % 1000) as f64 / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_delay_is_jittered_bounded_and_honours_hints() {
        let policy = RetryPolicy {
            max_retries: 10,
            ..RetryPolicy::default()
        };
        for attempt in 0..10 {
            let delay = policy.delay(attempt, None).expect("attempts left");
            let ceiling = policy.initial_backoff * 2u32.pow(attempt.min(6));
            assert!(
                delay <= ceiling.min(policy.max_backoff),
                "{attempt}: {delay:?}"
            );
        }
        assert_eq!(policy.delay(10, None), None, "attempts used up");
        assert_eq!(RetryPolicy::none().delay(0, None), None);
    }

    #[test]
    fn retry_after_reads_seconds_and_http_dates() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_445_412_480);
        assert_eq!(
            parse_retry_after(" 120 ", now),
            Some(Duration::from_secs(120))
        );
        // 1445412480 is Wed, 21 Oct 2015 07:28:00 GMT.
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:30 GMT", now),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now),
            Some(Duration::ZERO),
            "a past date means now"
        );
        for junk in ["", "-5", "soon", "1e9", "Wed, 99 Oct 2015 07:28:30 GMT"] {
            assert_eq!(parse_retry_after(junk, now), None, "{junk:?}");
        }
    }

    #[test]
    fn hints_are_honoured_with_a_little_jitter_or_end_the_retries() {
        let policy = RetryPolicy::default();
        let seven = Duration::from_secs(7);
        let delays: Vec<Duration> = (0..4)
            .map(|a| policy.delay(a, Some(seven)).unwrap())
            .collect();
        for delay in &delays {
            assert!(
                (seven..seven + Duration::from_millis(700)).contains(delay),
                "{delay:?}"
            );
        }
        assert_eq!(
            policy.delay(0, Some(Duration::from_secs(600))),
            None,
            "a hint beyond max_backoff is not cut short: the caller reports it"
        );
        assert_eq!(
            policy
                .delay(0, Some(policy.max_backoff))
                .map(|d| d >= policy.max_backoff),
            Some(true)
        );
    }
}
