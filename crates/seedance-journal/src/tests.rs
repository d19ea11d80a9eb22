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
