//! History-placed polling: when the caller knows how long tasks like this one took
//! ([`Expected`]) and the provider gives no hint, polls are placed around the expected finish
//! instead of backing off from the submit.
//!
//! The plan, in time since the submit (`TaskHandle::created_at`), with `step` the
//! [`WaitOptions::initial_interval`](super::WaitOptions::initial_interval):
//!
//! 1. One sanity poll at `min(median / 2, 30 s)`, so that a task that fails (or finishes) early
//!    is not left unseen until the median. It is skipped when it would fall within two `step`s
//!    of the window.
//! 2. Nothing until the window opens at `median - max((p90 - median) / 2, step)`: "shortly before
//!    the median", by half the spread of the history (about the 26th percentile of a normal
//!    spread) and at least one step.
//! 3. A poll every `step` through the window, up to the first poll at or past the p90.
//! 4. After the window, the ordinary back-off, restarted from `step`: the task is late, and
//!    late tasks are the rarest.
//!
//! The cost of the plan is paid by tasks that end far from the history: a task that ends before
//! the window opens is seen at the sanity poll or when the window opens (a detection delay of up
//! to the window's start less its own duration), and one that ends after the window is seen
//! with the back-off's delay. `BENCHMARKS.md` measures both.

use std::time::Duration;

/// How long a task like this one is expected to take, from its submit to its finish: the median
/// and the 90th percentile of past runs, for instance from the `seedance-journal` crate's
/// `Journal::expected_duration` for the same provider, model, resolution and duration.
///
/// Given to [`WaitOptions::expect`](super::WaitOptions::expect); used only while the provider
/// gives no ETA (its ETA wins).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Expected {
    /// The median time from submit to finish.
    pub median: Duration,
    /// The 90th percentile time from submit to finish; at least `median`.
    pub p90: Duration,
}

/// The latest a sanity poll is placed, after the submit.
const SANITY_POLL_MAX: Duration = Duration::from_secs(30);

/// Where polls go for an [`Expected`] duration, in time since the submit: the plan
/// [`Client::wait`](crate::Client::wait) follows with [`WaitOptions::expect`](super::WaitOptions::expect),
/// for callers that run their own poll loop (a batch runner sharing a rate limit, say).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PlacedPolls {
    /// The sanity poll, if it is not too close to the window.
    sanity: Option<Duration>,
    /// The first poll of the window.
    start: Duration,
    /// Past this, polls back off.
    end: Duration,
    /// The gap between polls in the window.
    step: Duration,
}

impl PlacedPolls {
    /// The plan for `expected`, polling every `step` through the window.
    pub fn new(expected: Expected, step: Duration) -> Self {
        let median = expected.median;
        let p90 = expected.p90.max(median);
        let lead = ((p90 - median) / 2).max(step);
        let start = median.saturating_sub(lead);
        let end = p90;
        let sanity = (median / 2).min(SANITY_POLL_MAX);
        let sanity = (sanity.saturating_add(step.saturating_mul(2)) <= start).then_some(sanity);
        Self {
            sanity,
            start,
            end,
            step,
        }
    }

    /// How long to wait before the first poll of a watch that begins `since_submit` after the
    /// submit: until the sanity poll if it is still ahead, or until the window when there is
    /// none; no wait once the sanity poll's time has passed (a watch that begins late reports
    /// the task's status at once, which serves as the sanity poll).
    pub fn first_delay(&self, since_submit: Duration) -> Duration {
        let first = self.sanity.unwrap_or(self.start);
        first.saturating_sub(since_submit)
    }

    /// How long to wait after a poll made `since_submit` after the submit, or `None` once the
    /// window has closed (the caller backs off).
    pub fn next_delay(&self, since_submit: Duration) -> Option<Duration> {
        if let Some(sanity) = self.sanity
            && since_submit < sanity
        {
            return Some(sanity - since_submit);
        }
        if since_submit < self.start {
            return Some(self.start - since_submit);
        }
        (since_submit < self.end).then_some(self.step)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(seconds: f64) -> Duration {
        Duration::from_secs_f64(seconds)
    }

    /// The poll times of a plan, from a watch that begins at the submit, until `until`.
    fn poll_times(plan: &PlacedPolls, until: f64) -> Vec<f64> {
        let mut at = plan.first_delay(Duration::ZERO);
        let mut times = vec![at.as_secs_f64()];
        while let Some(delay) = plan.next_delay(at) {
            at += delay;
            if at > secs(until) {
                break;
            }
            times.push(at.as_secs_f64());
        }
        times
    }

    #[test]
    fn polls_go_to_a_sanity_poll_then_through_the_window() {
        let plan = PlacedPolls::new(
            Expected {
                median: secs(300.0),
                p90: secs(310.0),
            },
            secs(2.0),
        );
        // Sanity at 30 s; the window opens 5 s (half the spread) before the median and ends
        // with the first poll at or past the p90.
        assert_eq!(
            poll_times(&plan, 400.0),
            [
                30.0, 295.0, 297.0, 299.0, 301.0, 303.0, 305.0, 307.0, 309.0, 311.0
            ]
        );
        assert_eq!(plan.next_delay(secs(309.0)), Some(secs(2.0)));
        assert_eq!(
            plan.next_delay(secs(311.0)),
            None,
            "past the window: back off"
        );
    }

    #[test]
    fn a_narrow_history_still_opens_the_window_one_step_early() {
        let plan = PlacedPolls::new(
            Expected {
                median: secs(60.0),
                p90: secs(60.0),
            },
            secs(2.0),
        );
        assert_eq!(poll_times(&plan, 100.0), [30.0, 58.0, 60.0]);
    }

    #[test]
    fn a_short_task_has_no_sanity_poll_next_to_its_window() {
        // Sanity would be at 5 s, the window opens at 8 s: within two steps, too close.
        let plan = PlacedPolls::new(
            Expected {
                median: secs(10.0),
                p90: secs(12.0),
            },
            secs(2.0),
        );
        assert_eq!(poll_times(&plan, 20.0), [8.0, 10.0, 12.0]);
        // A p90 below the median is read as the median.
        let inverted = PlacedPolls::new(
            Expected {
                median: secs(10.0),
                p90: secs(1.0),
            },
            secs(2.0),
        );
        assert_eq!(poll_times(&inverted, 20.0), [8.0, 10.0]);
    }

    #[test]
    fn a_watch_that_begins_late_polls_at_once_then_follows_the_plan() {
        let plan = PlacedPolls::new(
            Expected {
                median: secs(300.0),
                p90: secs(330.0),
            },
            secs(2.0),
        );
        assert_eq!(
            plan.first_delay(secs(10.0)),
            secs(20.0),
            "until the sanity poll"
        );
        assert_eq!(plan.first_delay(secs(100.0)), Duration::ZERO);
        assert_eq!(
            plan.next_delay(secs(100.0)),
            Some(secs(185.0)),
            "until 285 s"
        );
        assert_eq!(plan.first_delay(secs(1000.0)), Duration::ZERO);
        assert_eq!(plan.next_delay(secs(1000.0)), None);
    }
}
