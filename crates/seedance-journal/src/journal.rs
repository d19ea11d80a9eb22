//! The [`Journal`]: job insertion, the checked state transitions, and the queries.

use crate::clock::{Clock, SystemClock};
use crate::error::{Error, Result};
use crate::schema;
use crate::state::{Event, Job, JobKey, JobState, StateKind, SubmitIntent, Upserted};
use rusqlite::{Connection, OptionalExtension, Row, Transaction, TransactionBehavior, params};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

/// A durable journal of batch jobs in one SQLite file.
///
/// Every method runs in its own transaction and returns only after the commit is on disk, so
/// what a method reported survives a crash or power loss. A `Journal` is `Send + Sync`: share
/// one behind an `Arc` (calls are serialised on its connection), or open the same file from
/// several threads or processes (SQLite serialises their writes, each waiting up to 30 s for
/// the lock). Methods block for the length of an fsync; async callers should run them on a
/// blocking thread.
pub struct Journal {
    conn: Mutex<Connection>,
    path: PathBuf,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for Journal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Journal")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

const JOB_COLUMNS: &str = "seq, job_id, request_hash, provider, model, request_json, output_path, \
     state, submit_count, created_at, updated_at, submit_since, handle_json, submitted_at, \
     video_json, finished_at, download_path, download_bytes, download_sha256, downloaded_at, \
     reason, failed_at, window_start, window_end, submit_tag";

use StateKind::{Downloaded, Failed, Finished, NeedsAttention, Pending, Submitted, Submitting};

impl Journal {
    /// Opens the journal at `path`, creating it (and its schema) when the file does not exist or
    /// is empty, and migrating an older schema.
    ///
    /// The connection uses WAL mode, `synchronous=FULL` (a committed submit intent must survive
    /// power loss, not only a crash: otherwise a rerun would submit, and pay for, the job again)
    /// and a 30 s busy timeout. A file that is not a journal is refused with
    /// [`Error::NotAJournal`] naming it, and left untouched.
    pub fn open(path: impl AsRef<Path>) -> Result<Journal> {
        let path = path.as_ref().to_path_buf();
        let conn = schema::open_connection(&path).map_err(|error| match error {
            Error::Sqlite(source) => Error::Open {
                path: path.clone(),
                source,
            },
            typed => typed,
        })?;
        Ok(Journal {
            conn: Mutex::new(conn),
            path,
            clock: Arc::new(SystemClock),
        })
    }

    /// Uses `clock` for every time the journal records from now on (tests pass a
    /// [`ManualClock`](crate::ManualClock)).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Journal {
        self.clock = clock;
        self
    }

    /// The file this journal was opened from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The current time on the journal's clock (unix seconds).
    pub fn now(&self) -> i64 {
        self.clock.now()
    }

    pub(crate) fn conn(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave a half-applied change: the transaction
        // rolls back when dropped, so the connection is still consistent.
        self.conn
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Adds the job `key` in [`JobState::Pending`], or returns the stored job unchanged when the
    /// key is already in the journal (a rerun of the same jobs file).
    ///
    /// `request_json` must be valid JSON ([`Error::InvalidJson`] otherwise). `provider` and
    /// `model` are stored for the summary and the duration history.
    pub fn upsert_pending(
        &self,
        key: &JobKey,
        provider: &str,
        model: &str,
        request_json: &str,
        output_path: &str,
    ) -> Result<Upserted> {
        check_json("request_json", request_json)?;
        let now = self.clock.now();
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        if let Some(job) = find(&tx, key)? {
            return Ok(Upserted::Existing(job.1));
        }
        tx.execute(
            "INSERT INTO jobs (job_id, request_hash, provider, model, request_json, output_path, \
             state, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)",
            params![
                key.id,
                key.request_hash,
                provider,
                model,
                request_json,
                output_path,
                Pending.as_str(),
                now
            ],
        )?;
        let seq = tx.last_insert_rowid();
        add_event(&tx, seq, None, Pending, now, None)?;
        let job = find(&tx, key)?.ok_or_else(|| unknown(key))?.1;
        tx.commit()?;
        Ok(Upserted::Inserted(job))
    }

    /// Commits the intent to submit `key` (pending -> submitting), with the current time as the
    /// start of the window in which the provider may create the task. Call it BEFORE the
    /// request leaves, and send only if it returns `Ok`.
    ///
    /// This is the never-submit-twice guard: a job that is not pending is refused with
    /// [`Error::WrongState`], so a second call for the same job fails until an explicit
    /// [`Journal::reset_to_pending`].
    pub fn begin_submit(&self, key: &JobKey) -> Result<SubmitIntent> {
        self.begin(key, None)
    }

    /// [`Journal::begin_submit`] for a request that carries `tag`, a mark by which the
    /// provider's task list tells this submit's task from others; kept with the intent, so
    /// that a later run can look for it.
    pub fn begin_tagged_submit(&self, key: &JobKey, tag: i64) -> Result<SubmitIntent> {
        self.begin(key, Some(tag))
    }

    /// Moves the start of the submit window of a job still submitting to now, keeping its tag.
    /// Call it before sending again a request that provably created nothing (refused with 429,
    /// or never connected), so that the window stays as narrow as the last attempt.
    pub fn renew_submit(&self, key: &JobKey) -> Result<SubmitIntent> {
        let job = self.transition(
            key,
            "renew_submit",
            &[Submitting],
            Submitting,
            Some("renewed"),
            |tx, seq, now| {
                tx.execute(
                    "UPDATE jobs SET submit_since = ?2 WHERE seq = ?1",
                    params![seq, now],
                )?;
                Ok(())
            },
        )?;
        intent(job)
    }

    fn begin(&self, key: &JobKey, tag: Option<i64>) -> Result<SubmitIntent> {
        let job = self.transition(
            key,
            "begin_submit",
            &[Pending],
            Submitting,
            None,
            |tx, seq, now| {
                tx.execute(
                    "UPDATE jobs SET submit_since = ?2, submit_count = submit_count + 1, \
                     submit_tag = ?3 WHERE seq = ?1",
                    params![seq, now, tag],
                )?;
                Ok(())
            },
        )?;
        intent(job)
    }

    /// Records the provider's answer to the submit (submitting -> submitted). Call it right
    /// after the answer arrives. `handle_json` must be valid JSON.
    pub fn record_submitted(&self, key: &JobKey, handle_json: &str) -> Result<Job> {
        check_json("handle_json", handle_json)?;
        self.transition(
            key,
            "record_submitted",
            &[Submitting],
            Submitted,
            None,
            |tx, seq, now| set_handle(tx, seq, handle_json, now),
        )
    }

    /// Records a task found by listing the provider after a crash as this job's
    /// (submitting or needs-attention -> submitted); the event's detail is `adopted`.
    pub fn adopt(&self, key: &JobKey, handle_json: &str) -> Result<Job> {
        check_json("handle_json", handle_json)?;
        let allowed = &[Submitting, NeedsAttention];
        self.transition(
            key,
            "adopt",
            allowed,
            Submitted,
            Some("adopted"),
            |tx, seq, now| set_handle(tx, seq, handle_json, now),
        )
    }

    /// Records that the task succeeded (submitted -> finished). `video_json` must be valid JSON.
    pub fn record_finished(&self, key: &JobKey, video_json: &str) -> Result<Job> {
        check_json("video_json", video_json)?;
        self.transition(
            key,
            "record_finished",
            &[Submitted],
            Finished,
            None,
            |tx, seq, now| {
                tx.execute(
                    "UPDATE jobs SET video_json = ?2, finished_at = ?3 WHERE seq = ?1",
                    params![seq, video_json, now],
                )?;
                Ok(())
            },
        )
    }

    /// Records the downloaded file (finished -> downloaded): where it is, its size, and its
    /// SHA-256 as hex (see [`sha256_hex`](crate::sha256_hex)).
    pub fn record_downloaded(
        &self,
        key: &JobKey,
        path: &str,
        bytes: u64,
        sha256: &str,
    ) -> Result<Job> {
        let stored_bytes = i64::try_from(bytes).map_err(|_| Error::OutOfRange {
            field: "bytes",
            value: bytes.to_string(),
            allowed: "at most 9223372036854775807",
        })?;
        self.transition(
            key,
            "record_downloaded",
            &[Finished],
            Downloaded,
            None,
            |tx, seq, now| {
                tx.execute(
                "UPDATE jobs SET download_path = ?2, download_bytes = ?3, download_sha256 = ?4, \
                 downloaded_at = ?5 WHERE seq = ?1",
                params![seq, path, stored_bytes, sha256, now],
            )?;
                Ok(())
            },
        )
    }

    /// Records that the job failed for good, with `reason` for the summary. Allowed from every
    /// state except the terminal ones (downloaded, failed).
    pub fn record_failed(&self, key: &JobKey, reason: &str) -> Result<Job> {
        let allowed = &[Pending, Submitting, Submitted, Finished, NeedsAttention];
        self.transition(
            key,
            "record_failed",
            allowed,
            Failed,
            Some(reason),
            |tx, seq, now| {
                tx.execute(
                    "UPDATE jobs SET reason = ?2, failed_at = ?3 WHERE seq = ?1",
                    params![seq, reason, now],
                )?;
                Ok(())
            },
        )
    }

    /// Marks a job whose submit outcome is unknown and cannot be reconciled
    /// (submitting -> needs-attention). Its window runs from the committed submit intent to now:
    /// a task created by the provider inside it may belong to this job.
    pub fn mark_needs_attention(&self, key: &JobKey, reason: &str) -> Result<Job> {
        let allowed = &[Submitting];
        self.transition(
            key,
            "mark_needs_attention",
            allowed,
            NeedsAttention,
            Some(reason),
            {
                |tx, seq, now| {
                    tx.execute(
                        "UPDATE jobs SET reason = ?2, window_start = submit_since, window_end = ?3 \
                     WHERE seq = ?1",
                        params![seq, reason, now],
                    )?;
                    Ok(())
                }
            },
        )
    }

    /// Puts a job with an unknown submit outcome back to pending so it can be submitted again
    /// (submitting or needs-attention -> pending); for `--resubmit-unknown`, which accepts the
    /// risk of paying twice. The next [`Journal::begin_submit`] counts a second attempt.
    pub fn reset_to_pending(&self, key: &JobKey) -> Result<Job> {
        let allowed = &[Submitting, NeedsAttention];
        self.transition(
            key,
            "reset_to_pending",
            allowed,
            Pending,
            None,
            |tx, seq, _now| {
                tx.execute(
                    "UPDATE jobs SET reason = NULL, window_start = NULL, window_end = NULL \
                 WHERE seq = ?1",
                    params![seq],
                )?;
                Ok(())
            },
        )
    }

    /// The job `key`, or `None` when it is not in the journal.
    pub fn job(&self, key: &JobKey) -> Result<Option<Job>> {
        let conn = self.conn();
        Ok(find(&conn, key)?.map(|(_, job)| job))
    }

    /// Every job, in insertion order.
    pub fn jobs(&self) -> Result<Vec<Job>> {
        self.select("1 ORDER BY seq", [])
    }

    /// Every job in state `state`, in insertion order.
    pub fn by_state(&self, state: StateKind) -> Result<Vec<Job>> {
        self.select("state = ?1 ORDER BY seq", [state.as_str()])
    }

    /// Every version of the job `id` (one per distinct request), oldest first.
    pub fn jobs_for_id(&self, id: &str) -> Result<Vec<Job>> {
        self.select("job_id = ?1 ORDER BY seq", [id])
    }

    /// How many times [`Journal::begin_submit`] succeeded for `key`.
    pub fn submit_count(&self, key: &JobKey) -> Result<u32> {
        Ok(self.job(key)?.ok_or_else(|| unknown(key))?.submit_count)
    }

    /// The number of [`Journal::begin_submit`] calls that succeeded, over all jobs.
    pub fn total_submits(&self) -> Result<u64> {
        let conn = self.conn();
        let total: i64 = conn.query_row(
            "SELECT coalesce(sum(submit_count), 0) FROM jobs",
            [],
            |row| row.get(0),
        )?;
        Ok(u64::try_from(total).unwrap_or(0))
    }

    /// How many jobs are in each state; every [`StateKind`] is present, zero or not.
    pub fn counts(&self) -> Result<BTreeMap<StateKind, usize>> {
        let mut counts: BTreeMap<StateKind, usize> =
            StateKind::ALL.into_iter().map(|kind| (kind, 0)).collect();
        let conn = self.conn();
        let mut statement = conn.prepare("SELECT state, count(*) FROM jobs GROUP BY state")?;
        let rows = statement.query_map([], |row| {
            Ok((row.get::<_, String>(0)?, row.get::<_, i64>(1)?))
        })?;
        for row in rows {
            let (name, n_jobs) = row?;
            let kind = StateKind::parse(&name).ok_or_else(|| Error::Corrupt {
                detail: format!("a job has the unknown state `{name}`"),
            })?;
            counts.insert(kind, usize::try_from(n_jobs).unwrap_or(0));
        }
        Ok(counts)
    }

    /// The audit trail of `key`: every state change, oldest first.
    pub fn events(&self, key: &JobKey) -> Result<Vec<Event>> {
        let conn = self.conn();
        let Some((seq, _)) = find(&conn, key)? else {
            return Err(unknown(key));
        };
        let mut statement = conn.prepare(
            "SELECT from_state, to_state, at, detail FROM events WHERE job_seq = ?1 ORDER BY seq",
        )?;
        let rows = statement.query_map([seq], |row| {
            Ok((
                row.get::<_, Option<String>>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, i64>(2)?,
                row.get::<_, Option<String>>(3)?,
            ))
        })?;
        let mut events = Vec::new();
        for row in rows {
            let (from, to, at, detail) = row?;
            let parse = |name: &str| {
                StateKind::parse(name).ok_or_else(|| corrupt(key, &format!("event state `{name}`")))
            };
            events.push(Event {
                key: key.clone(),
                from: from.as_deref().map(parse).transpose()?,
                to: parse(&to)?,
                at,
                detail,
            });
        }
        Ok(events)
    }

    fn select<P: rusqlite::Params>(&self, condition: &str, params: P) -> Result<Vec<Job>> {
        let conn = self.conn();
        let mut statement =
            conn.prepare(&format!("SELECT {JOB_COLUMNS} FROM jobs WHERE {condition}"))?;
        let mut rows = statement.query(params)?;
        let mut jobs = Vec::new();
        while let Some(row) = rows.next()? {
            jobs.push(decode(row)?.1);
        }
        Ok(jobs)
    }

    /// Runs one checked transition in one IMMEDIATE transaction: read the state, refuse a wrong
    /// one, apply `update`, set the new state, append the event, commit.
    fn transition(
        &self,
        key: &JobKey,
        operation: &'static str,
        allowed: &'static [StateKind],
        to: StateKind,
        detail: Option<&str>,
        update: impl FnOnce(&Transaction<'_>, i64, i64) -> Result<()>,
    ) -> Result<Job> {
        let now = self.clock.now();
        let mut conn = self.conn();
        // IMMEDIATE takes the write lock before the read, so no other writer can change the
        // state between the check and the update.
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let (seq, job) = find(&tx, key)?.ok_or_else(|| unknown(key))?;
        let from = job.state.kind();
        if !allowed.contains(&from) {
            return Err(Error::WrongState {
                key: key.clone(),
                operation,
                from,
                to,
                allowed,
            });
        }
        update(&tx, seq, now)?;
        tx.execute(
            "UPDATE jobs SET state = ?2, updated_at = ?3 WHERE seq = ?1",
            params![seq, to.as_str(), now],
        )?;
        add_event(&tx, seq, Some(from), to, now, detail)?;
        let (_, job) = find(&tx, key)?.ok_or_else(|| unknown(key))?;
        tx.commit()?;
        Ok(job)
    }
}

fn check_json(field: &'static str, text: &str) -> Result<()> {
    serde_json::from_str::<serde::de::IgnoredAny>(text)
        .map(|_| ())
        .map_err(|source| Error::InvalidJson { field, source })
}

fn unknown(key: &JobKey) -> Error {
    Error::UnknownJob { key: key.clone() }
}

fn corrupt(key: &JobKey, detail: &str) -> Error {
    Error::Corrupt {
        detail: format!("job {key}: {detail}"),
    }
}

fn set_handle(tx: &Transaction<'_>, seq: i64, handle_json: &str, now: i64) -> Result<()> {
    tx.execute(
        "UPDATE jobs SET handle_json = ?2, submitted_at = ?3 WHERE seq = ?1",
        params![seq, handle_json, now],
    )?;
    Ok(())
}

fn add_event(
    tx: &Transaction<'_>,
    seq: i64,
    from: Option<StateKind>,
    to: StateKind,
    at: i64,
    detail: Option<&str>,
) -> Result<()> {
    tx.execute(
        "INSERT INTO events (job_seq, from_state, to_state, at, detail) \
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![seq, from.map(StateKind::as_str), to.as_str(), at, detail],
    )?;
    Ok(())
}

fn find(conn: &Connection, key: &JobKey) -> Result<Option<(i64, Job)>> {
    let mut statement = conn.prepare_cached(&format!(
        "SELECT {JOB_COLUMNS} FROM jobs WHERE job_id = ?1 AND request_hash = ?2"
    ))?;
    let row = statement
        .query_row(params![key.id, key.request_hash], |row| Ok(decode(row)))
        .optional()?;
    row.transpose()
}

/// The intent of a job `begin_submit` or `renew_submit` left submitting.
fn intent(job: Job) -> Result<SubmitIntent> {
    let JobState::Submitting { since } = job.state else {
        return Err(corrupt(
            &job.key,
            "the submit did not leave the job submitting",
        ));
    };
    Ok(SubmitIntent {
        since,
        attempt: job.submit_count,
        tag: job.submit_tag,
        key: job.key,
    })
}

/// Builds a [`Job`] from a row selected with [`JOB_COLUMNS`]; a state whose columns are missing
/// is [`Error::Corrupt`] rather than a panic.
fn decode(row: &Row<'_>) -> Result<(i64, Job)> {
    let key = JobKey::new(row.get::<_, String>(1)?, row.get::<_, String>(2)?);
    let state_name: String = row.get(7)?;
    let kind = StateKind::parse(&state_name)
        .ok_or_else(|| corrupt(&key, &format!("unknown state `{state_name}`")))?;
    let need = |idx: usize, column: &str| -> Result<i64> {
        row.get::<_, Option<i64>>(idx)?
            .ok_or_else(|| corrupt(&key, &format!("{state_name} without {column}")))
    };
    let need_text = |idx: usize, column: &str| -> Result<String> {
        row.get::<_, Option<String>>(idx)?
            .ok_or_else(|| corrupt(&key, &format!("{state_name} without {column}")))
    };
    let state = match kind {
        Pending => JobState::Pending,
        Submitting => JobState::Submitting {
            since: need(11, "submit_since")?,
        },
        Submitted => JobState::Submitted {
            handle_json: need_text(12, "handle_json")?,
            submitted_at: need(13, "submitted_at")?,
        },
        Finished => JobState::Finished {
            video_json: need_text(14, "video_json")?,
            finished_at: need(15, "finished_at")?,
        },
        Downloaded => JobState::Downloaded {
            path: need_text(16, "download_path")?,
            bytes: u64::try_from(need(17, "download_bytes")?)
                .map_err(|_| corrupt(&key, "negative download_bytes"))?,
            sha256: need_text(18, "download_sha256")?,
            downloaded_at: need(19, "downloaded_at")?,
        },
        Failed => JobState::Failed {
            reason: need_text(20, "reason")?,
            at: need(21, "failed_at")?,
        },
        NeedsAttention => JobState::NeedsAttention {
            reason: need_text(20, "reason")?,
            window: (need(22, "window_start")?, need(23, "window_end")?),
        },
    };
    let job = Job {
        provider: row.get(3)?,
        model: row.get(4)?,
        request_json: row.get(5)?,
        output_path: row.get(6)?,
        state,
        submit_count: u32::try_from(row.get::<_, i64>(8)?).unwrap_or(u32::MAX),
        created_at: row.get(9)?,
        updated_at: row.get(10)?,
        submit_since: row.get(11)?,
        handle_json: row.get(12)?,
        submitted_at: row.get(13)?,
        video_json: row.get(14)?,
        finished_at: row.get(15)?,
        submit_tag: row.get(24)?,
        key,
    };
    Ok((row.get(0)?, job))
}
