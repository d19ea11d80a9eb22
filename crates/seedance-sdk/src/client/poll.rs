//! Polling: `watch` and `wait`, spaced by the provider's hints, or placed around the expected
//! finish the caller knows from history ([`Expected`]), within a deadline.

use std::time::Duration;

use futures_util::{Stream, StreamExt};

use super::{
    Client,
    placed::{Expected, PlacedPolls},
};
use crate::{
    error::{Error, Result, TaskOperation},
    providers,
    task::{TaskHandle, TaskStatus, Video, unix_now},
};

/// How [`Client::wait`] polls.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WaitOptions {
    /// Give up after this long (the task keeps running: resume it with its handle).
    pub timeout: Duration,
    /// First delay between polls.
    pub initial_interval: Duration,
    /// Longest delay between polls.
    pub max_interval: Duration,
    /// At the deadline, cancel the task if its last status was queued, so that a task that
    /// never started is not run (and billed) after nobody waits for it any more. Only for
    /// providers that can cancel ([`TaskOperation::Cancel`](crate::TaskOperation)); elsewhere
    /// it is ignored. The [`Error::Timeout`] says whether the task was cancelled.
    pub cancel_on_timeout: bool,
    /// How long tasks like this one took before, if the caller knows
    /// ([`WaitOptions::expect`]). While the provider gives no ETA, polls are then placed around
    /// the expected finish, measured from the submit (`TaskHandle::created_at`): one sanity poll
    /// at `min(median / 2, 30 s)`, then none until shortly before the median, then one every
    /// `initial_interval` up to the p90, then the back-off. See `BENCHMARKS.md` for what it
    /// costs when a task ends far from its history.
    pub expected: Option<Expected>,
}

impl Default for WaitOptions {
    /// 30 minutes overall, polling from 2 s up to 30 s.
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(30 * 60),
            initial_interval: Duration::from_secs(2),
            max_interval: Duration::from_secs(30),
            cancel_on_timeout: false,
            expected: None,
        }
    }
}

impl WaitOptions {
    /// Sets [`WaitOptions::cancel_on_timeout`].
    #[must_use]
    pub fn cancel_on_timeout(mut self, cancel: bool) -> Self {
        self.cancel_on_timeout = cancel;
        self
    }

    /// Sets [`WaitOptions::expected`]: tasks like this one took `median` from submit to finish,
    /// and 90 % of them at most `p90`.
    #[must_use]
    pub fn expect(mut self, median: Duration, p90: Duration) -> Self {
        self.expected = Some(Expected { median, p90 });
        self
    }

    /// The longest [`WaitOptions::timeout`] accepted: 30 days (results expire after about a day,
    /// and providers abandon tasks within days).
    pub const MAX_TIMEOUT: Duration = Duration::from_secs(30 * 24 * 3600);

    /// Checks that the options can work: a timeout up to [`WaitOptions::MAX_TIMEOUT`], and
    /// `0 < initial_interval <= max_interval`, and an [`Expected`] with `median <= p90`, both
    /// up to [`WaitOptions::MAX_TIMEOUT`].
    ///
    /// # Errors
    ///
    /// [`Error::InvalidOptions`] naming the option and what is allowed.
    pub fn check(&self) -> Result<()> {
        let invalid = |option, message| Err(Error::InvalidOptions { option, message });
        if self.timeout > Self::MAX_TIMEOUT {
            return invalid(
                "WaitOptions::timeout",
                format!(
                    "{} s is too long; allowed: up to {} s (30 days)",
                    self.timeout.as_secs(),
                    Self::MAX_TIMEOUT.as_secs()
                ),
            );
        }
        if self.initial_interval.is_zero() {
            return invalid(
                "WaitOptions::initial_interval",
                "zero would poll without pause; allowed: more than zero".into(),
            );
        }
        if self.initial_interval > self.max_interval {
            return invalid(
                "WaitOptions::initial_interval",
                format!(
                    "{:?} is longer than max_interval {:?}; allowed: initial_interval <= max_interval",
                    self.initial_interval, self.max_interval
                ),
            );
        }
        if let Some(Expected { median, p90 }) = self.expected {
            if p90 > Self::MAX_TIMEOUT {
                return invalid(
                    "WaitOptions::expected",
                    format!(
                        "a p90 of {} s is too long; allowed: up to {} s (30 days)",
                        p90.as_secs(),
                        Self::MAX_TIMEOUT.as_secs()
                    ),
                );
            }
            if median > p90 {
                return invalid(
                    "WaitOptions::expected",
                    format!(
                        "the median {median:?} is longer than the p90 {p90:?}; allowed: median <= p90"
                    ),
                );
            }
        }
        Ok(())
    }

    /// The delay before the next poll: half the provider's ETA when it gives one, otherwise a
    /// back-off that grows by half each poll; always within `[initial_interval, max_interval]`
    /// (which [`WaitOptions::check`] has ordered).
    fn next_interval(&self, polls: u32, status: &TaskStatus) -> Duration {
        let factor = 1.5f64.powi(polls.min(20) as i32);
        let backoff = Duration::try_from_secs_f64(self.initial_interval.as_secs_f64() * factor)
            .unwrap_or(self.max_interval)
            .min(self.max_interval);
        match status {
            // Halving the estimate converges on the finish without overshooting it by much.
            TaskStatus::Running { eta: Some(eta), .. } => {
                (*eta / 2).clamp(self.initial_interval, self.max_interval)
            }
            _ => backoff,
        }
    }
}

impl Client {
    /// Polls until the task ends or `options.timeout` passes, reporting each status that differs
    /// from the one before (a change of state, or of progress).
    ///
    /// Polls are spaced by the provider's ETA when it gives one; otherwise around the expected
    /// finish when [`WaitOptions::expected`] is set (the first poll may then wait for the sanity
    /// poll); otherwise by a back-off from [`WaitOptions::initial_interval`].
    ///
    /// The timeout is a hard deadline: a poll still running when it passes (a stalled server,
    /// retries and their back-off included) is abandoned with [`Error::Timeout`]. Options that
    /// fail [`WaitOptions::check`] end the stream with [`Error::InvalidOptions`] before any
    /// request. Dropping the stream stops polling (the task itself keeps running at the
    /// provider).
    pub fn watch<'a>(
        &'a self,
        handle: &'a TaskHandle,
        options: WaitOptions,
    ) -> impl Stream<Item = Result<TaskStatus>> + 'a {
        struct State {
            /// Gaps spaced by the provider's hint or the back-off (not by the plan), which
            /// index the back-off.
            gaps: u32,
            started: tokio::time::Instant,
            deadline: tokio::time::Instant,
            last: Option<TaskStatus>,
            done: bool,
            invalid: Option<Error>,
        }
        let started = tokio::time::Instant::now();
        let checked = options.check().and_then(|()| {
            // `check` bounds the timeout, but the clock itself may be near its end.
            started
                .checked_add(options.timeout)
                .ok_or(Error::InvalidOptions {
                    option: "WaitOptions::timeout",
                    message: "it reaches past the end of this clock; allowed: a shorter timeout"
                        .into(),
                })
        });
        let (deadline, invalid) = match checked {
            Ok(deadline) => (deadline, None),
            Err(err) => (started, Some(err)),
        };
        // Wall time since submit when watching began; from then on the runtime's clock (which
        // tests and benchmarks may fast-forward) measures the rest.
        let submitted_ago = Duration::from_secs(unix_now().saturating_sub(handle.created_at));
        let since_submit = move |started: tokio::time::Instant| submitted_ago + started.elapsed();
        // The provider's estimate given at submit is a hint too, and wins over history.
        let plan = options
            .expected
            .filter(|_| handle.estimated_seconds.is_none())
            .map(|expected| PlacedPolls::new(expected, options.initial_interval));
        let state = State {
            gaps: 0,
            started,
            deadline,
            last: None,
            done: false,
            invalid,
        };
        futures_util::stream::unfold(state, move |mut state| async move {
            loop {
                if let Some(err) = state.invalid.take() {
                    state.done = true;
                    return Some((Err(err), state));
                }
                if state.done {
                    return None;
                }
                let delay = match (&state.last, &plan) {
                    (None, None) => None,
                    (None, Some(plan)) => Some(plan.first_delay(since_submit(state.started))),
                    (Some(last), plan) => {
                        let since_submit = since_submit(state.started);
                        let hinted = with_estimate(last, handle, since_submit);
                        let has_eta = matches!(hinted, TaskStatus::Running { eta: Some(_), .. });
                        let planned = plan
                            .filter(|_| !has_eta)
                            .and_then(|plan| plan.next_delay(since_submit));
                        Some(planned.unwrap_or_else(|| {
                            // The first gap spaced this way is interval number 0.
                            state.gaps += 1;
                            options.next_interval(state.gaps - 1, &hinted)
                        }))
                    }
                };
                if let Some(delay) = delay {
                    let now = tokio::time::Instant::now();
                    if now
                        .checked_add(delay)
                        .is_none_or(|next| next > state.deadline)
                    {
                        state.done = true;
                        tokio::time::sleep_until(state.deadline).await;
                        let err = self.timed_out(handle, &options, state.last.as_ref()).await;
                        return Some((Err(err), state));
                    }
                    tokio::time::sleep(delay).await;
                }
                let poll = match tokio::time::timeout_at(state.deadline, self.status(handle)).await
                {
                    Ok(poll) => poll,
                    Err(_) => Err(self.timed_out(handle, &options, state.last.as_ref()).await),
                };
                match poll {
                    Err(err) => {
                        state.done = true;
                        return Some((Err(err), state));
                    }
                    Ok(status) => {
                        state.done = status.is_terminal();
                        let changed = state.last.as_ref() != Some(&status);
                        state.last = Some(status.clone());
                        if changed {
                            return Some((Ok(status), state));
                        }
                    }
                }
            }
        })
    }

    /// Waits for the task to finish and returns its video.
    ///
    /// # Errors
    ///
    /// [`Error::TaskFailed`] (code `cancelled` for a cancelled task), [`Error::Expired`],
    /// [`Error::Timeout`] when `options.timeout` passes first (saying whether the task was
    /// cancelled, with [`WaitOptions::cancel_on_timeout`]), or the error of a poll.
    pub async fn wait(&self, handle: &TaskHandle, options: WaitOptions) -> Result<Video> {
        let events = self.watch(handle, options);
        futures_util::pin_mut!(events);
        while let Some(status) = events.next().await {
            if let Some(video) = status?.into_result(handle)? {
                return Ok(video);
            }
        }
        // The stream ends without an error only after a terminal status, which returned above.
        Err(self.timed_out(handle, &options, None).await)
    }

    /// The [`Error::Timeout`] of a wait whose last status was `last`: with
    /// [`WaitOptions::cancel_on_timeout`], a task still queued is cancelled first (within
    /// [`CANCEL_GRACE`], past the deadline).
    async fn timed_out(
        &self,
        handle: &TaskHandle,
        options: &WaitOptions,
        last: Option<&TaskStatus>,
    ) -> Error {
        let queued = matches!(last, Some(TaskStatus::Queued));
        let cancelled = if options.cancel_on_timeout
            && queued
            && providers::supports(self.provider(), TaskOperation::Cancel)
        {
            match tokio::time::timeout(CANCEL_GRACE, self.cancel(handle)).await {
                Ok(Ok(())) => true,
                Ok(Err(err)) => {
                    tracing::warn!(task_id = %handle.task_id, error = %err, "cancel at the wait deadline failed");
                    false
                }
                Err(_) => {
                    tracing::warn!(task_id = %handle.task_id, "cancel at the wait deadline took too long");
                    false
                }
            }
        } else {
            false
        };
        Error::Timeout {
            after: options.timeout,
            handle: Box::new(handle.clone()),
            cancelled,
        }
    }
}

/// How long a cancel at the wait deadline may take, past the deadline.
const CANCEL_GRACE: Duration = Duration::from_secs(30);

/// A queued or running status without an ETA gets one from the submit-time estimate, if any,
/// given the time elapsed since the submit.
fn with_estimate(status: &TaskStatus, handle: &TaskHandle, since_submit: Duration) -> TaskStatus {
    let remaining = handle
        .estimated_seconds
        .map(|estimate| Duration::from_secs(estimate).saturating_sub(since_submit));
    match (status, remaining) {
        (TaskStatus::Queued, Some(eta)) => TaskStatus::Running {
            progress: None,
            eta: Some(eta),
        },
        (
            TaskStatus::Running {
                progress,
                eta: None,
            },
            Some(eta),
        ) => TaskStatus::Running {
            progress: *progress,
            eta: Some(eta),
        },
        (other, _) => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::Provider;

    #[test]
    fn poll_interval_follows_the_eta_hint_within_bounds() {
        let options = WaitOptions::default();
        let running = |eta: Option<u64>| TaskStatus::Running {
            progress: None,
            eta: eta.map(Duration::from_secs),
        };
        assert_eq!(
            options.next_interval(0, &TaskStatus::Queued),
            Duration::from_secs(2)
        );
        assert_eq!(
            options.next_interval(2, &TaskStatus::Queued),
            Duration::from_millis(4500)
        );
        assert_eq!(
            options.next_interval(50, &TaskStatus::Queued),
            Duration::from_secs(30)
        );
        assert_eq!(
            options.next_interval(0, &running(Some(40))),
            Duration::from_secs(20)
        );
        assert_eq!(
            options.next_interval(9, &running(Some(2))),
            Duration::from_secs(2)
        );
        assert_eq!(
            options.next_interval(0, &running(Some(600))),
            Duration::from_secs(30)
        );
    }

    #[test]
    fn submit_time_estimate_spaces_polls_of_a_task_without_eta() {
        let handle = TaskHandle::new(Provider::Odkkk, "http://127.0.0.1:1", "t", unix_now())
            .with_estimated_seconds(120);
        let hinted = with_estimate(&TaskStatus::Queued, &handle, Duration::from_secs(5));
        let TaskStatus::Running { eta: Some(eta), .. } = hinted else {
            panic!("the estimate must become an ETA: {hinted:?}");
        };
        assert_eq!(eta, Duration::from_secs(115));
        assert_eq!(
            WaitOptions::default().next_interval(0, &hinted),
            Duration::from_secs(30),
            "a long estimate waits longer than the first back-off step"
        );
        let explicit = TaskStatus::Running {
            progress: Some(50),
            eta: Some(Duration::from_secs(8)),
        };
        assert_eq!(
            with_estimate(&explicit, &handle, Duration::ZERO),
            explicit,
            "the provider's ETA wins"
        );
    }
}
