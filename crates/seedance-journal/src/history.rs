//! How long tasks took, per (provider, model, resolution, duration): the history that lets a
//! waiter place its polls around the expected finish.

use crate::error::{Error, Result};
use crate::journal::Journal;
use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};

/// How many of the newest samples an estimate uses, so the estimate follows a provider whose
/// speed changes.
pub const HISTORY_WINDOW: usize = 50;

/// The fewest samples of the exact (provider, model, resolution, duration) key an estimate
/// needs before it stops falling back to the whole (provider, model).
pub const MIN_EXACT_SAMPLES: usize = 3;

/// How many task keys [`Journal::remember_task`] keeps: older ones are deleted, so a file used
/// for years stays small. A task waited for after 10,000 newer submits waits without an estimate.
pub const TASK_KEYS_KEPT: usize = 10_000;

/// The history key a submitted task belongs to, apart from its provider: what
/// [`Journal::remember_task`] stored and [`Journal::task_key`] finds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskKey {
    /// The model, as [`Journal::record_duration`] takes it.
    pub model: String,
    /// The resolution, as [`Journal::record_duration`] takes it.
    pub resolution: String,
    /// The video's seconds, as [`Journal::record_duration`] takes them.
    pub duration_s: u32,
}

/// Which samples an estimate came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EstimateScope {
    /// The exact (provider, model, resolution, duration) key.
    Exact,
    /// Every resolution and duration of the (provider, model): the exact key had fewer than
    /// [`MIN_EXACT_SAMPLES`].
    ProviderModel,
}

/// The expected time from submit to finish, in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DurationEstimate {
    /// The median of the samples (the mean of the middle two for an even count).
    pub median: f64,
    /// The 90th percentile by nearest rank: the `ceil(0.9 * n)`-th smallest sample.
    pub p90: f64,
    /// How many samples the estimate used (at most [`HISTORY_WINDOW`]).
    pub n: usize,
    /// Which samples those were.
    pub scope: EstimateScope,
}

impl Journal {
    /// Remembers that a task of this key took `seconds_taken` seconds from submit to finish.
    /// `seconds_taken` must be finite and not negative ([`Error::OutOfRange`] otherwise).
    pub fn record_duration(
        &self,
        provider: &str,
        model: &str,
        resolution: &str,
        duration_s: u32,
        seconds_taken: f64,
    ) -> Result<()> {
        if !seconds_taken.is_finite() || seconds_taken < 0.0 {
            return Err(Error::OutOfRange {
                field: "seconds_taken",
                value: seconds_taken.to_string(),
                allowed: "a finite number of seconds, 0 or more",
            });
        }
        let now = self.now();
        self.conn().execute(
            "INSERT INTO durations (provider, model, resolution, duration_s, seconds_taken, \
             recorded_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![provider, model, resolution, duration_s, seconds_taken, now],
        )?;
        Ok(())
    }

    /// The expected duration of a task of this key, from the newest [`HISTORY_WINDOW`] samples.
    ///
    /// With at least [`MIN_EXACT_SAMPLES`] samples of the exact key, those are used
    /// ([`EstimateScope::Exact`]). Otherwise the newest samples of the same provider and model
    /// at any resolution and duration are used ([`EstimateScope::ProviderModel`]), however
    /// few: `n` says how much to trust it. `None` when the provider and model have no history.
    pub fn expected_duration(
        &self,
        provider: &str,
        model: &str,
        resolution: &str,
        duration_s: u32,
    ) -> Result<Option<DurationEstimate>> {
        let conn = self.conn();
        let limit = HISTORY_WINDOW as i64;
        let mut exact = conn.prepare_cached(
            "SELECT seconds_taken FROM durations WHERE provider = ?1 AND model = ?2 \
             AND resolution = ?3 AND duration_s = ?4 ORDER BY seq DESC LIMIT ?5",
        )?;
        let samples = exact
            .query_map(
                params![provider, model, resolution, duration_s, limit],
                |row| row.get::<_, f64>(0),
            )?
            .collect::<rusqlite::Result<Vec<f64>>>()?;
        if samples.len() >= MIN_EXACT_SAMPLES {
            return Ok(estimate(samples, EstimateScope::Exact));
        }
        let mut fallback = conn.prepare_cached(
            "SELECT seconds_taken FROM durations WHERE provider = ?1 AND model = ?2 \
             ORDER BY seq DESC LIMIT ?3",
        )?;
        let samples = fallback
            .query_map(params![provider, model, limit], |row| row.get::<_, f64>(0))?
            .collect::<rusqlite::Result<Vec<f64>>>()?;
        Ok(estimate(samples, EstimateScope::ProviderModel))
    }
}

impl Journal {
    /// Remembers that the task `task_id` of `provider` has `key`, replacing what was remembered
    /// of it, and forgets all but the newest [`TASK_KEYS_KEPT`] tasks.
    pub fn remember_task(&self, provider: &str, task_id: &str, key: &TaskKey) -> Result<()> {
        self.remember_task_keeping(provider, task_id, key, TASK_KEYS_KEPT)
    }

    pub(crate) fn remember_task_keeping(
        &self,
        provider: &str,
        task_id: &str,
        key: &TaskKey,
        kept: usize,
    ) -> Result<()> {
        let now = self.now();
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        // REPLACE gives the row a new `seq`: a task remembered again is among the newest.
        tx.execute(
            "INSERT OR REPLACE INTO task_keys (provider, task_id, model, resolution, duration_s, \
             recorded_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                provider,
                task_id,
                key.model,
                key.resolution,
                key.duration_s,
                now
            ],
        )?;
        // The `seq` of the oldest row kept is NULL while fewer rows exist, and then nothing is
        // deleted.
        tx.execute(
            "DELETE FROM task_keys WHERE seq < \
             (SELECT seq FROM task_keys ORDER BY seq DESC LIMIT 1 OFFSET ?1)",
            params![kept.saturating_sub(1) as i64],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// The key [`Journal::remember_task`] stored for the task `task_id` of `provider`, if it
    /// is still kept.
    pub fn task_key(&self, provider: &str, task_id: &str) -> Result<Option<TaskKey>> {
        let conn = self.conn();
        let mut query = conn.prepare_cached(
            "SELECT model, resolution, duration_s FROM task_keys \
             WHERE provider = ?1 AND task_id = ?2",
        )?;
        let key = query
            .query_row(params![provider, task_id], |row| {
                Ok(TaskKey {
                    model: row.get(0)?,
                    resolution: row.get(1)?,
                    duration_s: row.get(2)?,
                })
            })
            .optional()?;
        Ok(key)
    }
}

fn estimate(mut samples: Vec<f64>, scope: EstimateScope) -> Option<DurationEstimate> {
    if samples.is_empty() {
        return None;
    }
    samples.sort_by(f64::total_cmp);
    let n = samples.len();
    let median = if n % 2 == 1 {
        samples[n / 2]
    } else {
        (samples[n / 2 - 1] + samples[n / 2]) / 2.0
    };
    // Nearest rank: the smallest sample with at least 90% of the samples at or below it.
    let rank = (n * 9).div_ceil(10);
    Some(DurationEstimate {
        median,
        p90: samples[rank - 1],
        n,
        scope,
    })
}
