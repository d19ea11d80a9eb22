//! The job model: its key, its states and the record the journal keeps for it.

use serde::{Deserialize, Serialize};
use std::fmt;

/// What identifies a job: the caller's id and the hash of its request.
///
/// The same id with a changed request is a different job, so a job that was already paid for is
/// never overwritten by an edit to the jobs file;
/// [`Journal::jobs_for_id`](crate::Journal::jobs_for_id) lists every version.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct JobKey {
    /// The caller's job id (for `seedance batch`, the `id` of a jobs-file line).
    pub id: String,
    /// [`request_hash`](crate::request_hash) of the job's request.
    pub request_hash: String,
}

impl JobKey {
    /// A key from an id and a request hash.
    pub fn new(id: impl Into<String>, request_hash: impl Into<String>) -> JobKey {
        JobKey {
            id: id.into(),
            request_hash: request_hash.into(),
        }
    }
}

impl fmt::Display for JobKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Twelve hex digits tell versions apart in messages without flooding them.
        let short = self.request_hash.get(..12).unwrap_or(&self.request_hash);
        write!(f, "`{}` (request {short})", self.id)
    }
}

/// Where a job is, with what the journal knows at that point. Times are unix seconds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum JobState {
    /// Known, not yet sent.
    Pending,
    /// The submit intent is committed; the request may or may not have reached the provider.
    Submitting {
        /// When the intent was committed, before the request left: the start of the window in
        /// which the provider may have created the task.
        since: i64,
    },
    /// The provider accepted the task.
    Submitted {
        /// The task handle as JSON text given by the caller.
        handle_json: String,
        /// When the handle was recorded.
        submitted_at: i64,
    },
    /// The task succeeded; the video is not downloaded yet.
    Finished {
        /// The finished video (URL, seed, usage, ...) as JSON text given by the caller.
        video_json: String,
        /// When the success was recorded.
        finished_at: i64,
    },
    /// The video file is on disk.
    Downloaded {
        /// Where the file was written.
        path: String,
        /// Its size in bytes.
        bytes: u64,
        /// Its SHA-256 as lowercase hex.
        sha256: String,
        /// When the download was recorded.
        downloaded_at: i64,
    },
    /// The job failed for good.
    Failed {
        /// Why, for the summary.
        reason: String,
        /// When the failure was recorded.
        at: i64,
    },
    /// A submit whose outcome is unknown and could not be reconciled: a person must check the
    /// provider's console for a task created inside `window`.
    NeedsAttention {
        /// Why the job could not be settled automatically.
        reason: String,
        /// `(start, end)` unix seconds: from the committed submit intent to when the job was
        /// marked.
        window: (i64, i64),
    },
}

impl JobState {
    /// The state's name without its data.
    pub fn kind(&self) -> StateKind {
        match self {
            JobState::Pending => StateKind::Pending,
            JobState::Submitting { .. } => StateKind::Submitting,
            JobState::Submitted { .. } => StateKind::Submitted,
            JobState::Finished { .. } => StateKind::Finished,
            JobState::Downloaded { .. } => StateKind::Downloaded,
            JobState::Failed { .. } => StateKind::Failed,
            JobState::NeedsAttention { .. } => StateKind::NeedsAttention,
        }
    }
}

/// The name of a [`JobState`], as stored in the journal and used by
/// [`Journal::by_state`](crate::Journal::by_state).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StateKind {
    /// [`JobState::Pending`].
    Pending,
    /// [`JobState::Submitting`].
    Submitting,
    /// [`JobState::Submitted`].
    Submitted,
    /// [`JobState::Finished`].
    Finished,
    /// [`JobState::Downloaded`].
    Downloaded,
    /// [`JobState::Failed`].
    Failed,
    /// [`JobState::NeedsAttention`].
    NeedsAttention,
}

impl StateKind {
    /// Every state, in lifecycle order.
    pub const ALL: [StateKind; 7] = [
        StateKind::Pending,
        StateKind::Submitting,
        StateKind::Submitted,
        StateKind::Finished,
        StateKind::Downloaded,
        StateKind::Failed,
        StateKind::NeedsAttention,
    ];

    /// The name stored in the journal and shown in messages (`needs_attention`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            StateKind::Pending => "pending",
            StateKind::Submitting => "submitting",
            StateKind::Submitted => "submitted",
            StateKind::Finished => "finished",
            StateKind::Downloaded => "downloaded",
            StateKind::Failed => "failed",
            StateKind::NeedsAttention => "needs_attention",
        }
    }

    /// The state named `name`, as [`StateKind::as_str`] spells it.
    pub fn parse(name: &str) -> Option<StateKind> {
        StateKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == name)
    }

    /// Whether no further transition leaves this state.
    pub fn is_terminal(self) -> bool {
        matches!(self, StateKind::Downloaded | StateKind::Failed)
    }
}

impl fmt::Display for StateKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A job as the journal keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Job {
    /// Its key.
    pub key: JobKey,
    /// The provider name given at [`Journal::upsert_pending`](crate::Journal::upsert_pending).
    pub provider: String,
    /// The model name given at insertion.
    pub model: String,
    /// The request as JSON text given at insertion.
    pub request_json: String,
    /// Where the video should be written.
    pub output_path: String,
    /// Where the job is now.
    pub state: JobState,
    /// How many times [`Journal::begin_submit`](crate::Journal::begin_submit) succeeded for this
    /// job: 1 in a healthy run, more only after an explicit
    /// [`Journal::reset_to_pending`](crate::Journal::reset_to_pending).
    pub submit_count: u32,
    /// When the job was inserted.
    pub created_at: i64,
    /// When its state last changed.
    pub updated_at: i64,
    /// When the latest submit intent was committed; kept after the job moves on, for the
    /// manifest.
    pub submit_since: Option<i64>,
    /// The task handle once submitted or adopted; kept in every later state.
    pub handle_json: Option<String>,
    /// When the handle was recorded.
    pub submitted_at: Option<i64>,
    /// The finished video once known; kept in every later state.
    pub video_json: Option<String>,
    /// When the success was recorded.
    pub finished_at: Option<i64>,
    /// The mark the latest submit carried
    /// ([`Journal::begin_tagged_submit`](crate::Journal::begin_tagged_submit)).
    pub submit_tag: Option<i64>,
}

/// Proof that a submit intent was committed: returned by
/// [`Journal::begin_submit`](crate::Journal::begin_submit) before the request may be sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubmitIntent {
    /// The job.
    pub key: JobKey,
    /// The committed start of the submit window (unix seconds).
    pub since: i64,
    /// Which submit this is for the job (1 for the first).
    pub attempt: u32,
    /// The mark the request carries, when it carries one.
    pub tag: Option<i64>,
}

/// One audited state change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// The job that changed.
    pub key: JobKey,
    /// The state it left; `None` when the job was inserted.
    pub from: Option<StateKind>,
    /// The state it entered.
    pub to: StateKind,
    /// When (unix seconds).
    pub at: i64,
    /// What the caller or the journal said about the change (a reason, "adopted", ...).
    pub detail: Option<String>,
}

/// What [`Journal::upsert_pending`](crate::Journal::upsert_pending) did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Upserted {
    /// The key was new; the job is now pending.
    Inserted(Job),
    /// The key was already in the journal; the stored job is returned unchanged, whatever its
    /// state, so a second run resumes where the first stopped.
    Existing(Job),
}

impl Upserted {
    /// The job, inserted or found.
    pub fn job(&self) -> &Job {
        match self {
            Upserted::Inserted(job) | Upserted::Existing(job) => job,
        }
    }

    /// Consumes `self`, returning the job.
    pub fn into_job(self) -> Job {
        match self {
            Upserted::Inserted(job) | Upserted::Existing(job) => job,
        }
    }

    /// Whether the key was new.
    pub fn is_inserted(&self) -> bool {
        matches!(self, Upserted::Inserted(_))
    }
}
