//! Opening a journal file: recognising it, the connection settings, and the `user_version`
//! migrations.

use crate::error::{Error, Result};
use rusqlite::{Connection, ErrorCode, TransactionBehavior};
use std::path::Path;
use std::time::{Duration, Instant};

/// Stored in the SQLite header (`PRAGMA application_id`) so a journal is recognised without
/// guessing from table names: "SDJL".
pub(crate) const APPLICATION_ID: i64 = 0x5344_4a4c;

/// How long a writer waits for another connection's write lock before failing. Commits take
/// milliseconds, so this is only reached when something holds a lock abnormally long.
pub(crate) const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// Migration `n` (0-based) takes a journal from `user_version` `n` to `n + 1`. Append only: a
/// shipped migration never changes, since journals in the field already ran it.
pub(crate) const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE jobs (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    job_id TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    provider TEXT NOT NULL,
    model TEXT NOT NULL,
    request_json TEXT NOT NULL,
    output_path TEXT NOT NULL,
    state TEXT NOT NULL,
    submit_count INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    submit_since INTEGER,
    handle_json TEXT,
    submitted_at INTEGER,
    video_json TEXT,
    finished_at INTEGER,
    download_path TEXT,
    download_bytes INTEGER,
    download_sha256 TEXT,
    downloaded_at INTEGER,
    reason TEXT,
    failed_at INTEGER,
    window_start INTEGER,
    window_end INTEGER,
    UNIQUE (job_id, request_hash)
);
CREATE INDEX jobs_by_state ON jobs (state, seq);
CREATE TABLE events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    job_seq INTEGER NOT NULL REFERENCES jobs (seq),
    from_state TEXT,
    to_state TEXT NOT NULL,
    at INTEGER NOT NULL,
    detail TEXT
);
CREATE INDEX events_by_job ON events (job_seq, seq);
CREATE TABLE durations (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    provider TEXT NOT NULL,
    model TEXT NOT NULL,
    resolution TEXT NOT NULL,
    duration_s INTEGER NOT NULL,
    seconds_taken REAL NOT NULL,
    recorded_at INTEGER NOT NULL
);
CREATE INDEX durations_by_key ON durations (provider, model, resolution, duration_s, seq);
CREATE INDEX durations_by_model ON durations (provider, model, seq);
"#,
    // The mark a submit carried so that its task is recognised in the provider's list.
    r#"
ALTER TABLE jobs ADD COLUMN submit_tag INTEGER;
"#,
    // Which history key a submitted task belongs to, so `seedance wait` on a bare handle can
    // place its polls. One row per (provider, task_id); the newest rows are kept (see
    // `history::TASK_KEYS_KEPT`), ordered by `seq`.
    r#"
CREATE TABLE task_keys (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    provider TEXT NOT NULL,
    task_id TEXT NOT NULL,
    model TEXT NOT NULL,
    resolution TEXT NOT NULL,
    duration_s INTEGER NOT NULL,
    recorded_at INTEGER NOT NULL,
    UNIQUE (provider, task_id)
);
"#,
];

/// The schema version this build writes.
pub(crate) const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Opens `path`, refusing anything that is not a journal before writing a byte to it, then
/// applies the connection settings and any pending migrations.
pub(crate) fn open_connection(path: &Path) -> Result<Connection> {
    let mut conn = Connection::open(path)?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    check_identity(&conn, path)?;
    // WAL lets readers (a status command) run beside the writer, and commits append to one file.
    // synchronous=FULL makes SQLite fsync the WAL at every commit: with NORMAL a WAL commit
    // survives a process crash but may be rolled back by a power loss, and a submit intent that
    // vanishes after the request left is exactly the double charge the journal exists to prevent.
    enable_wal(&conn)?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", true)?;
    migrate(&mut conn, path)?;
    Ok(conn)
}

/// Switches the file to WAL mode (a no-op once it is). The switch from the default rollback
/// journal needs an exclusive lock and SQLite answers SQLITE_BUSY at once, without the busy
/// handler, when several connections open a new file together; so this retries until
/// [`BUSY_TIMEOUT`].
fn enable_wal(conn: &Connection) -> Result<()> {
    let deadline = Instant::now() + BUSY_TIMEOUT;
    loop {
        match conn
            .pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get::<_, String>(0))
        {
            Ok(_mode) => return Ok(()),
            Err(rusqlite::Error::SqliteFailure(failure, _))
                if failure.code == ErrorCode::DatabaseBusy && Instant::now() < deadline =>
            {
                std::thread::sleep(Duration::from_millis(5));
            }
            Err(other) => return Err(other.into()),
        }
    }
}

fn check_identity(conn: &Connection, path: &Path) -> Result<()> {
    let not_a_journal = |reason: String| Error::NotAJournal {
        path: path.to_path_buf(),
        reason,
    };
    // One read transaction, so the three reads see one snapshot even while another process
    // creates the schema of the same new file.
    let snapshot = conn.unchecked_transaction()?;
    let application_id: i64 =
        match snapshot.pragma_query_value(None, "application_id", |row| row.get(0)) {
            Ok(id) => id,
            Err(rusqlite::Error::SqliteFailure(failure, _))
                if failure.code == ErrorCode::NotADatabase =>
            {
                return Err(not_a_journal("the file is not an SQLite database".into()));
            }
            Err(other) => return Err(other.into()),
        };
    let version: i64 = snapshot.pragma_query_value(None, "user_version", |row| row.get(0))?;
    if application_id == APPLICATION_ID {
        if version > SCHEMA_VERSION {
            return Err(Error::NewerSchema {
                path: path.to_path_buf(),
                found: version,
                supported: SCHEMA_VERSION,
            });
        }
        return Ok(());
    }
    if application_id != 0 {
        return Err(not_a_journal(format!(
            "its SQLite application_id is {application_id:#x}, a journal's is {APPLICATION_ID:#x}"
        )));
    }
    let n_objects: i64 =
        snapshot.query_row("SELECT count(*) FROM sqlite_master", [], |row| row.get(0))?;
    if n_objects > 0 || version != 0 {
        return Err(not_a_journal(format!(
            "it is an SQLite database with {n_objects} schema objects and no journal application_id"
        )));
    }
    // An empty database (a new or zero-length file) becomes a journal.
    Ok(())
}

fn migrate(conn: &mut Connection, path: &Path) -> Result<()> {
    // IMMEDIATE takes the write lock first, so two processes opening a new file at once do not
    // both run the migrations: the second re-reads the version after the first commits.
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let version: i64 = tx.pragma_query_value(None, "user_version", |row| row.get(0))?;
    if version > SCHEMA_VERSION {
        return Err(Error::NewerSchema {
            path: path.to_path_buf(),
            found: version,
            supported: SCHEMA_VERSION,
        });
    }
    if version < SCHEMA_VERSION {
        // `version` is within 0..SCHEMA_VERSION here, so the cast cannot wrap.
        for migration in &MIGRATIONS[version as usize..] {
            tx.execute_batch(migration)?;
        }
        tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
        tx.pragma_update(None, "application_id", APPLICATION_ID)?;
    }
    tx.commit()?;
    Ok(())
}
