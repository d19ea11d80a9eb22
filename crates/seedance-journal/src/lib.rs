//! Durable SQLite journal for Seedance batch runs: exactly-once submit intents, job states, and
//! the duration history that places polls.
//!
//! `seedance batch` records every job here, so a run can be killed at any moment and run again
//! without losing a paid task or paying for one twice. The crate is a storage layer only: it does
//! not depend on the SDK, and stores requests, task handles and videos as JSON text given by the
//! caller.
//!
//! - **Jobs** are keyed by [`JobKey`] (the caller's id and [`request_hash`] of the request), so an
//!   edited request is a new job and the old one, with whatever it paid for, stays.
//! - **States** move pending -> submitting -> submitted -> finished -> downloaded, with failed and
//!   needs-attention on the side ([`JobState`]). Each transition is one transaction that checks
//!   the current state and appends an audit [`Event`].
//! - **Exactly-once submits**: [`Journal::begin_submit`] commits the intent, with the start of its
//!   time window, before the request leaves, and refuses a job that is not pending.
//! - **Durability**: WAL mode with `synchronous=FULL`; every method returns after its commit is
//!   on disk.
//! - **History**: [`Journal::record_duration`] and [`Journal::expected_duration`] (median and
//!   p90 of the newest samples, with a fallback to the provider and model), and
//!   [`Journal::remember_task`] / [`Journal::task_key`]: which key a submitted task belongs to.
//!
//! ```
//! use seedance_journal::{Journal, JobKey, JobState, request_hash};
//! use serde_json::json;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let dir = tempfile::tempdir()?;
//! let journal = Journal::open(dir.path().join("seedance-batch.sqlite"))?;
//!
//! let request = json!({"prompt": "a lighthouse at dusk", "duration": 5});
//! let key = JobKey::new("shot-1", request_hash(&request));
//! journal.upsert_pending(&key, "ark", "seedance-2.0", &request.to_string(), "out/shot-1.mp4")?;
//!
//! // Commit the intent before sending; a second attempt is refused.
//! let intent = journal.begin_submit(&key)?;
//! assert!(journal.begin_submit(&key).is_err());
//! // ... send the request, then record the answer right away.
//! journal.record_submitted(&key, r#"{"provider":"ark","task_id":"cgt-1"}"#)?;
//!
//! // A crash here loses nothing: reopening finds the job submitted, with its handle.
//! drop(journal);
//! let journal = Journal::open(dir.path().join("seedance-batch.sqlite"))?;
//! let job = journal.job(&key)?.expect("the job survives reopening");
//! assert!(matches!(job.state, JobState::Submitted { .. }));
//! assert_eq!(job.submit_count, 1);
//! assert!(intent.since <= journal.now());
//! # Ok(())
//! # }
//! ```
#![deny(missing_docs)]

mod clock;
mod error;
mod hash;
mod history;
mod journal;
mod schema;
mod state;

pub use clock::{Clock, ManualClock, SystemClock};
pub use error::{Error, Result};
pub use hash::{Sha256Hasher, canonical_json, request_hash, sha256_hex};
pub use history::{
    DurationEstimate, EstimateScope, HISTORY_WINDOW, MIN_EXACT_SAMPLES, TASK_KEYS_KEPT, TaskKey,
};
pub use journal::Journal;
pub use state::{Event, Job, JobKey, JobState, StateKind, SubmitIntent, Upserted};

#[cfg(test)]
mod tests;
