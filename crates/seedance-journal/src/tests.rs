//! Unit tests that need the private connection: the settings every journal connection runs with.

use crate::Journal;

#[test]
fn connection_is_wal_with_full_sync_and_a_busy_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let journal = Journal::open(dir.path().join("j.sqlite")).unwrap();
    let conn = journal.conn();
    let pragma = |name: &str| -> String {
        conn.query_row(&format!("PRAGMA {name}"), [], |row| {
            row.get::<_, rusqlite::types::Value>(0)
        })
        .map(|value| match value {
            rusqlite::types::Value::Integer(number) => number.to_string(),
            rusqlite::types::Value::Text(text) => text,
            other => format!("{other:?}"),
        })
        .unwrap()
    };
    assert_eq!(pragma("journal_mode"), "wal");
    // 2 is FULL.
    assert_eq!(pragma("synchronous"), "2");
    assert_eq!(pragma("busy_timeout"), "30000");
    assert_eq!(pragma("foreign_keys"), "1");
    assert_eq!(
        pragma("application_id"),
        crate::schema::APPLICATION_ID.to_string()
    );
    assert_eq!(
        pragma("user_version"),
        crate::schema::SCHEMA_VERSION.to_string()
    );
}

fn key(model: &str, duration_s: u32) -> crate::TaskKey {
    crate::TaskKey {
        model: model.into(),
        resolution: "720p".into(),
        duration_s,
    }
}

#[test]
fn a_remembered_task_key_is_found_by_provider_and_task_id_and_survives_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("j.sqlite");
    let journal = Journal::open(&path).unwrap();
    assert_eq!(journal.task_key("ark", "cgt-1").unwrap(), None);
    journal
        .remember_task("ark", "cgt-1", &key("seedance-2.0", 5))
        .unwrap();
    journal
        .remember_task("modellix", "cgt-1", &key("seedance-1.5-pro", 10))
        .unwrap();
    drop(journal);
    let journal = Journal::open(&path).unwrap();
    assert_eq!(
        journal.task_key("ark", "cgt-1").unwrap(),
        Some(key("seedance-2.0", 5))
    );
    assert_eq!(
        journal.task_key("modellix", "cgt-1").unwrap(),
        Some(key("seedance-1.5-pro", 10)),
        "the same task id at another provider is another task"
    );
    assert_eq!(journal.task_key("ark", "cgt-2").unwrap(), None);
    // Remembered again: the newer key replaces the older.
    journal
        .remember_task("ark", "cgt-1", &key("seedance-2.0", 8))
        .unwrap();
    assert_eq!(
        journal.task_key("ark", "cgt-1").unwrap(),
        Some(key("seedance-2.0", 8))
    );
}

#[test]
fn only_the_newest_task_keys_are_kept() {
    let dir = tempfile::tempdir().unwrap();
    let journal = Journal::open(dir.path().join("j.sqlite")).unwrap();
    let count = || -> i64 {
        journal
            .conn()
            .query_row("SELECT count(*) FROM task_keys", [], |row| row.get(0))
            .unwrap()
    };
    for n in 0..5 {
        journal
            .remember_task_keeping("ark", &format!("t{n}"), &key("m", n), 3)
            .unwrap();
        assert_eq!(count(), i64::from(n + 1).min(3));
    }
    assert_eq!(journal.task_key("ark", "t0").unwrap(), None);
    assert_eq!(journal.task_key("ark", "t1").unwrap(), None);
    assert_eq!(journal.task_key("ark", "t4").unwrap(), Some(key("m", 4)));
    // Remembering t2 again makes it the newest, so t3 is the one to go next.
    journal
        .remember_task_keeping("ark", "t2", &key("m", 2), 3)
        .unwrap();
    journal
        .remember_task_keeping("ark", "t5", &key("m", 5), 3)
        .unwrap();
    assert_eq!(count(), 3);
    assert_eq!(journal.task_key("ark", "t3").unwrap(), None);
    assert_eq!(journal.task_key("ark", "t2").unwrap(), Some(key("m", 2)));
    assert_eq!(crate::TASK_KEYS_KEPT, 10_000);
}

#[test]
fn a_journal_from_before_the_task_keys_gains_them_and_keeps_its_rows() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.sqlite");
    // The task keys came with the last migration: a file of every migration before it.
    let before = crate::schema::MIGRATIONS.len() - 1;
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        for migration in &crate::schema::MIGRATIONS[..before] {
            conn.execute_batch(migration).unwrap();
        }
        conn.pragma_update(None, "user_version", before as i64)
            .unwrap();
        conn.pragma_update(None, "application_id", crate::schema::APPLICATION_ID)
            .unwrap();
        conn.execute(
            "INSERT INTO durations (provider, model, resolution, duration_s, seconds_taken, \
             recorded_at) VALUES ('ark', 'm', '720p', 5, 42.0, 0)",
            [],
        )
        .unwrap();
    }
    let journal = Journal::open(&path).unwrap();
    journal.remember_task("ark", "t", &key("m", 5)).unwrap();
    assert_eq!(journal.task_key("ark", "t").unwrap(), Some(key("m", 5)));
    let estimate = journal
        .expected_duration("ark", "m", "720p", 5)
        .unwrap()
        .expect("the old sample");
    assert_eq!((estimate.n, estimate.median), (1, 42.0));
}
