//! Per-provider limits: tasks in flight, submits per minute, and the slow-down after a 429 that
//! every job of the provider obeys.
//!
//! The token bucket meters submits only. Polls are not counted: the published limits (Ark's RPM)
//! are on task creation, and a batch polls at most `--concurrency` tasks of a provider at the
//! poll interval. A 429 on any request (submit or poll) pauses the whole provider, polls included.

use std::{
    collections::BTreeMap,
    sync::{Arc, Mutex},
    time::Duration,
};

use seedance_sdk::Provider;
use tokio::{
    sync::{OwnedSemaphorePermit, Semaphore},
    time::Instant,
};

/// The longest pause a 429 without `Retry-After` causes: the back-off doubles from 1 s up to it.
const MAX_BACKOFF: Duration = Duration::from_secs(60);

/// A provider's limits when no flag says otherwise: `(concurrency, rpm)`.
///
/// Ark publishes RPM 180 and 3 tasks in flight for Seedance 2.0 on an individual account (its
/// lowest tier); Modellix, Jiekou and odkkk publish no figures, so 5 tasks in flight and 60
/// submits a minute stay well clear of any limit a reseller is likely to enforce.
pub(crate) fn defaults(provider: Provider) -> (usize, u32) {
    match provider {
        Provider::Ark => (3, 180),
        _ => (5, 60),
    }
}

/// The right to submit for a provider (see [`ProviderLimits::submit_slot`]).
pub(crate) type SubmitSlot = tokio::sync::OwnedMutexGuard<()>;

/// The limits of every provider of a run.
#[derive(Debug, Default)]
pub(crate) struct Limits {
    providers: BTreeMap<Provider, Arc<ProviderLimits>>,
}

impl Limits {
    /// Limits for `providers`, with `concurrency` and `rpm` when given, else each provider's
    /// [`defaults`].
    pub(crate) fn new(
        providers: impl IntoIterator<Item = Provider>,
        concurrency: Option<usize>,
        rpm: Option<u32>,
    ) -> Self {
        let providers = providers
            .into_iter()
            .map(|provider| {
                let (default_concurrency, default_rpm) = defaults(provider);
                let limits = ProviderLimits::new(
                    concurrency.unwrap_or(default_concurrency),
                    rpm.unwrap_or(default_rpm),
                );
                (provider, Arc::new(limits))
            })
            .collect();
        Self { providers }
    }

    /// The limits of `provider`.
    ///
    /// # Panics
    ///
    /// When `provider` was not given to [`Limits::new`] (a bug: every job's provider is).
    pub(crate) fn of(&self, provider: Provider) -> Arc<ProviderLimits> {
        self.providers
            .get(&provider)
            .cloned()
            .expect("limits exist for every provider of the jobs file")
    }
}

/// One provider's limits.
#[derive(Debug)]
pub(crate) struct ProviderLimits {
    in_flight: Arc<Semaphore>,
    /// One submit at a time: a run killed mid-submit then leaves at most one job of the provider
    /// with an unknown outcome, so the task a listing finds in its window is that job's.
    submit: Arc<tokio::sync::Mutex<()>>,
    /// Why no new submit may start in this run: a submit's outcome is unknown and could not
    /// be settled, and a new task in the listing would make that job's task ambiguous.
    blocked: Mutex<Option<String>>,
    bucket: Mutex<Bucket>,
}

#[derive(Debug)]
struct Bucket {
    per_second: f64,
    capacity: f64,
    tokens: f64,
    refilled: Instant,
    paused_until: Option<Instant>,
    /// 429s without a success since, for the back-off.
    strikes: u32,
}

impl ProviderLimits {
    fn new(concurrency: usize, rpm: u32) -> Self {
        let per_second = f64::from(rpm.max(1)) / 60.0;
        // A burst of one second's worth: a full minute at once trips burst limits
        // (Ark's `RequestBurstTooFast`).
        let capacity = per_second.max(1.0);
        Self {
            in_flight: Arc::new(Semaphore::new(concurrency.max(1))),
            submit: Arc::new(tokio::sync::Mutex::new(())),
            blocked: Mutex::new(None),
            bucket: Mutex::new(Bucket {
                per_second,
                capacity,
                tokens: capacity,
                refilled: Instant::now(),
                paused_until: None,
                strikes: 0,
            }),
        }
    }

    /// A place among the tasks in flight, held from the submit until the task's terminal status.
    pub(crate) async fn in_flight(&self) -> OwnedSemaphorePermit {
        self.in_flight
            .clone()
            .acquire_owned()
            .await
            .expect("the semaphore is never closed")
    }

    /// The provider's submit slot (see the field's comment).
    pub(crate) async fn submit_slot(&self) -> SubmitSlot {
        self.submit.clone().lock_owned().await
    }

    /// Stops new submits for the rest of the run, for `reason`.
    pub(crate) fn block(&self, reason: &str) {
        let mut blocked = self
            .blocked
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        blocked.get_or_insert_with(|| reason.to_owned());
    }

    /// Why new submits are stopped, if they are.
    pub(crate) fn blocked(&self) -> Option<String> {
        self.blocked
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    /// Waits for a pause to end and for a submit token, and takes it.
    pub(crate) async fn submit_token(&self) {
        loop {
            let wait = {
                let mut bucket = self.lock();
                let now = Instant::now();
                bucket.refill(now);
                match bucket.paused_until {
                    Some(until) if until > now => until - now,
                    _ if bucket.tokens >= 1.0 => {
                        bucket.tokens -= 1.0;
                        return;
                    }
                    _ => Duration::from_secs_f64((1.0 - bucket.tokens) / bucket.per_second),
                }
            };
            tokio::time::sleep(wait).await;
        }
    }

    /// Waits for a pause to end (before a poll).
    pub(crate) async fn unpaused(&self) {
        loop {
            let until = self.lock().paused_until;
            match until {
                Some(until) if until > Instant::now() => tokio::time::sleep_until(until).await,
                _ => return,
            }
        }
    }

    /// A 429: pauses every job of the provider for `retry_after`, else for a back-off that
    /// doubles with each 429 in a row; returns the pause.
    pub(crate) fn slow_down(&self, retry_after: Option<Duration>) -> Duration {
        let mut bucket = self.lock();
        bucket.strikes = bucket.strikes.saturating_add(1);
        let backoff = Duration::from_secs(1u64 << bucket.strikes.min(6).saturating_sub(1));
        let pause = retry_after.unwrap_or(backoff).min(MAX_BACKOFF);
        let until = Instant::now() + pause;
        bucket.paused_until = Some(bucket.paused_until.map_or(until, |old| old.max(until)));
        bucket.tokens = 0.0;
        pause
    }

    /// A request went through: the next 429 starts the back-off from 1 s again.
    pub(crate) fn calm(&self) {
        self.lock().strikes = 0;
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Bucket> {
        self.bucket
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Bucket {
    fn refill(&mut self, now: Instant) {
        let elapsed = now.saturating_duration_since(self.refilled).as_secs_f64();
        self.tokens = (self.tokens + elapsed * self.per_second).min(self.capacity);
        self.refilled = now;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn the_bucket_meters_submits_at_the_rpm() {
        let limits = ProviderLimits::new(1, 60);
        let start = Instant::now();
        for _ in 0..4 {
            limits.submit_token().await;
        }
        // One token at start, then one a second.
        assert_eq!(start.elapsed().as_secs(), 3);
    }

    #[tokio::test(start_paused = true)]
    async fn a_429_pauses_every_submit_and_poll_of_the_provider() {
        let limits = ProviderLimits::new(1, 6000);
        assert_eq!(
            limits.slow_down(Some(Duration::from_secs(7))),
            Duration::from_secs(7)
        );
        let start = Instant::now();
        limits.unpaused().await;
        assert_eq!(start.elapsed().as_secs(), 7);
        limits.calm();
        // Without Retry-After: 1 s, 2 s, 4 s ...; a success starts again from 1 s.
        assert_eq!(limits.slow_down(None), Duration::from_secs(1));
        assert_eq!(limits.slow_down(None), Duration::from_secs(2));
        assert_eq!(limits.slow_down(None), Duration::from_secs(4));
        limits.calm();
        assert_eq!(limits.slow_down(None), Duration::from_secs(1));
        let start = Instant::now();
        limits.submit_token().await;
        assert!(start.elapsed() >= Duration::from_secs(1));
        assert_eq!(defaults(Provider::Ark), (3, 180));
    }
}
