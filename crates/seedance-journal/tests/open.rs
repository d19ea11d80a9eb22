//! Opening: a new or empty file becomes a journal; anything else is refused by name and left
//! untouched.

use seedance_journal::{Error, JobKey, Journal};

fn refused(path: &std::path::Path) -> Error {
    Journal::open(path).expect_err("not a journal")
}

#[test]
fn a_new_or_empty_file_becomes_a_journal_and_reopens() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.sqlite");
    std::fs::write(&empty, b"").unwrap();
    for path in [dir.path().join("new.sqlite"), empty] {
        let journal = Journal::open(&path).unwrap();
        assert_eq!(journal.path(), path);
        journal
            .upsert_pending(&JobKey::new("1", "h"), "ark", "m", "{}", "o")
            .unwrap();
        drop(journal);
        // Reopening runs no migration twice and finds the job.
        let journal = Journal::open(&path).unwrap();
        assert_eq!(journal.jobs().unwrap().len(), 1);
    }
}

#[test]
fn a_text_file_is_refused_by_name_and_not_modified() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("jobs.jsonl");
    let text = b"{\"id\": \"1\", \"prompt\": \"a cat\"}\n".repeat(200);
    std::fs::write(&path, &text).unwrap();
    let error = refused(&path);
    assert!(
        matches!(&error, Error::NotAJournal { path: found, .. } if *found == path),
        "{error:?}"
    );
    let message = error.to_string();
    assert!(
        message.contains("jobs.jsonl") && message.contains("not an SQLite database"),
        "{message}"
    );
    assert_eq!(std::fs::read(&path).unwrap(), text);
    assert!(!dir.path().join("jobs.jsonl-wal").exists());
}

#[test]
fn another_sqlite_database_is_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("app.db");
    let conn = rusqlite::Connection::open(&plain).unwrap();
    conn.execute_batch(
        "CREATE TABLE users (id INTEGER PRIMARY KEY); INSERT INTO users VALUES (1);",
    )
    .unwrap();
    drop(conn);
    let message = refused(&plain).to_string();
    assert!(
        message.contains("app.db is not a seedance journal")
            && message.contains("1 schema objects"),
        "{message}"
    );

    let foreign = dir.path().join("foreign.db");
    let conn = rusqlite::Connection::open(&foreign).unwrap();
    conn.pragma_update(None, "application_id", 0x1234).unwrap();
    drop(conn);
    let message = refused(&foreign).to_string();
    assert!(
        message.contains("foreign.db") && message.contains("application_id is 0x1234"),
        "{message}"
    );

    // The refused database still has its own table and no journal tables.
    let conn = rusqlite::Connection::open(&plain).unwrap();
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .unwrap()
        .query_map([], |row| row.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(tables, ["users"]);
}

#[test]
fn a_journal_from_a_newer_build_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("future.sqlite");
    drop(Journal::open(&path).unwrap());
    let conn = rusqlite::Connection::open(&path).unwrap();
    // The version this build writes, read back rather than written here, so a new migration
    // does not need this test edited.
    let current: i64 = conn
        .pragma_query_value(None, "user_version", |row| row.get(0))
        .unwrap();
    assert!((1..99).contains(&current), "{current}");
    conn.pragma_update(None, "user_version", 99).unwrap();
    drop(conn);
    let error = refused(&path);
    assert!(
        matches!(
            error,
            Error::NewerSchema {
                found: 99,
                supported,
                ..
            } if supported == current
        ),
        "{error:?}"
    );
    assert!(
        error
            .to_string()
            .contains("future.sqlite has journal schema version 99"),
        "{error}"
    );
}

#[test]
fn a_row_edited_by_hand_is_reported_as_corrupt() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("j.sqlite");
    let journal = Journal::open(&path).unwrap();
    let key = JobKey::new("edited", "abc");
    journal.upsert_pending(&key, "ark", "m", "{}", "o").unwrap();
    journal.begin_submit(&key).unwrap();
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute("UPDATE jobs SET submit_since = NULL", [])
        .unwrap();
    let message = journal.job(&key).unwrap_err().to_string();
    assert_eq!(
        message,
        "the journal is corrupt: job `edited` (request abc): submitting without submit_since"
    );
    conn.execute("UPDATE jobs SET state = 'lost'", []).unwrap();
    let error = journal.counts().unwrap_err();
    assert!(matches!(error, Error::Corrupt { .. }), "{error:?}");
    assert!(
        journal
            .jobs()
            .unwrap_err()
            .to_string()
            .contains("unknown state `lost`")
    );
}

#[test]
fn a_file_that_cannot_be_created_is_an_open_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("missing-dir").join("j.sqlite");
    let error = refused(&path);
    assert!(matches!(error, Error::Open { .. }), "{error:?}");
    let message = error.to_string();
    assert!(
        message.starts_with("cannot open the journal ") && message.contains("missing-dir/j.sqlite"),
        "{message}"
    );
}

/// A journal written before submit tags existed (schema version 1) opens with its jobs intact
/// and takes tags from then on.
#[test]
fn a_version_1_journal_is_migrated_in_place() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v1.sqlite");
    let key = JobKey::new("old", "abc");
    {
        let journal = Journal::open(&path).unwrap();
        journal.upsert_pending(&key, "ark", "m", "{}", "o").unwrap();
        journal.begin_submit(&key).unwrap();
    }
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch(
        "ALTER TABLE jobs DROP COLUMN submit_tag; DROP TABLE task_keys; PRAGMA user_version = 1;",
    )
    .unwrap();
    drop(conn);
    let journal = Journal::open(&path).unwrap();
    let job = journal.job(&key).unwrap().unwrap();
    assert!(matches!(
        job.state,
        seedance_journal::JobState::Submitting { .. }
    ));
    assert_eq!(job.submit_tag, None);
    journal.reset_to_pending(&key).unwrap();
    assert_eq!(journal.begin_tagged_submit(&key, 17).unwrap().tag, Some(17));
    assert_eq!(journal.job(&key).unwrap().unwrap().submit_tag, Some(17));
}
