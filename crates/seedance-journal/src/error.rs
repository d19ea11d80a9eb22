//! The journal's error type.

use crate::state::{JobKey, StateKind};
use std::path::PathBuf;

/// `Result<T, seedance_journal::Error>`.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything the journal can refuse or fail at.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The file exists but is not a seedance journal (another SQLite database, or not SQLite at
    /// all). The journal never writes to such a file.
    #[error("{} is not a seedance journal: {reason}", path.display())]
    NotAJournal {
        /// The file that was refused.
        path: PathBuf,
        /// What gave it away.
        reason: String,
    },
    /// The file could not be opened or set up as a journal (a missing directory, no permission,
    /// a lock held past the busy timeout, ...).
    #[error("cannot open the journal {}: {source}", path.display())]
    Open {
        /// The journal file.
        path: PathBuf,
        /// What SQLite said.
        #[source]
        source: rusqlite::Error,
    },
    /// The journal was written by a newer seedance with a schema this build does not know.
    #[error(
        "{} has journal schema version {found}; this build reads versions 1 to {supported}",
        path.display()
    )]
    NewerSchema {
        /// The journal file.
        path: PathBuf,
        /// Its `user_version`.
        found: i64,
        /// The newest version this build knows.
        supported: i64,
    },
    /// A transition was asked of a job in a state it does not leave that way.
    #[error(
        "cannot move job {key} from {from} to {to}: {operation} needs the job in {}",
        list(allowed)
    )]
    WrongState {
        /// The job.
        key: JobKey,
        /// The method that refused (`begin_submit`, ...).
        operation: &'static str,
        /// The job's current state.
        from: StateKind,
        /// The state the method would have entered.
        to: StateKind,
        /// The states the method accepts.
        allowed: &'static [StateKind],
    },
    /// No job with this key is in the journal.
    #[error("job {key} is not in the journal")]
    UnknownJob {
        /// The key that was looked up.
        key: JobKey,
    },
    /// A JSON text argument did not parse; the journal stores only valid JSON so that readers
    /// never meet a corrupt handle.
    #[error("{field} is not valid JSON: {source}")]
    InvalidJson {
        /// The argument (`request_json`, `handle_json`, `video_json`).
        field: &'static str,
        /// The parse error.
        #[source]
        source: serde_json::Error,
    },
    /// A numeric argument is outside what the journal accepts.
    #[error("{field} is {value}; allowed: {allowed}")]
    OutOfRange {
        /// The argument.
        field: &'static str,
        /// Its value, as text.
        value: String,
        /// What is allowed.
        allowed: &'static str,
    },
    /// A stored row does not decode (an unknown state name, a missing column for its state):
    /// the file was edited by something other than this crate.
    #[error("the journal is corrupt: {detail}")]
    Corrupt {
        /// What is wrong, naming the job when there is one.
        detail: String,
    },
    /// SQLite failed (disk full, I/O error, a lock held longer than the busy timeout, ...).
    #[error("journal storage error: {0}")]
    Sqlite(#[from] rusqlite::Error),
}

fn list(states: &[StateKind]) -> String {
    let names: Vec<&str> = states.iter().map(|state| state.as_str()).collect();
    names.join(" or ")
}

impl Error {
    /// Whether this is a refused transition ([`Error::WrongState`]).
    pub fn is_wrong_state(&self) -> bool {
        matches!(self, Error::WrongState { .. })
    }
}
