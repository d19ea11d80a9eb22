//! Every transition and every refused transition, the data each state carries, the audit trail,
//! and jobs surviving a reopen in every state.

use seedance_journal::{
    Error, Job, JobKey, JobState, Journal, ManualClock, StateKind, Upserted, request_hash,
};
use serde_json::json;
use std::path::PathBuf;
use std::sync::Arc;

const T0: i64 = 1_800_000_000;

struct Fixture {
    _dir: tempfile::TempDir,
    path: PathBuf,
    clock: Arc<ManualClock>,
    journal: Journal,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("seedance-batch.sqlite");
    let clock = Arc::new(ManualClock::new(T0));
    let journal = Journal::open(&path).unwrap().with_clock(clock.clone());
    Fixture {
        _dir: dir,
        path,
        clock,
        journal,
    }
}

fn key(id: &str) -> JobKey {
    JobKey::new(id, request_hash(&json!({"prompt": id})))
}

fn insert(journal: &Journal, key: &JobKey) -> Job {
    let request = json!({"prompt": key.id}).to_string();
    let out = format!("out/{}.mp4", key.id);
    journal
        .upsert_pending(key, "ark", "seedance-2.0", &request, &out)
        .unwrap()
        .into_job()
}

/// Drives a new job to `state` along the usual path.
fn job_in(fixture: &Fixture, id: &str, state: StateKind) -> JobKey {
    let journal = &fixture.journal;
    let key = key(id);
    insert(journal, &key);
    let step = |target: StateKind| match target {
        StateKind::Submitting => drop(journal.begin_submit(&key).unwrap()),
        StateKind::Submitted => drop(
            journal
                .record_submitted(&key, r#"{"task_id":"t"}"#)
                .unwrap(),
        ),
        StateKind::Finished => drop(journal.record_finished(&key, r#"{"url":"u"}"#).unwrap()),
        StateKind::Downloaded => drop(
            journal
                .record_downloaded(&key, "out/a.mp4", 3, "ab")
                .unwrap(),
        ),
        _ => unreachable!(),
    };
    let path: &[StateKind] = match state {
        StateKind::Pending => &[],
        StateKind::Submitting => &[StateKind::Submitting],
        StateKind::Submitted => &[StateKind::Submitting, StateKind::Submitted],
        StateKind::Finished => &[
            StateKind::Submitting,
            StateKind::Submitted,
            StateKind::Finished,
        ],
        StateKind::Downloaded => &[
            StateKind::Submitting,
            StateKind::Submitted,
            StateKind::Finished,
            StateKind::Downloaded,
        ],
        StateKind::Failed => {
            journal.record_failed(&key, "rejected").unwrap();
            &[]
        }
        StateKind::NeedsAttention => {
            journal.begin_submit(&key).unwrap();
            journal.mark_needs_attention(&key, "unknown").unwrap();
            &[]
        }
    };
    for target in path {
        step(*target);
    }
    assert_eq!(journal.job(&key).unwrap().unwrap().state.kind(), state);
    key
}

/// Runs operation `name` on `key`, returning the state it entered.
fn apply(journal: &Journal, name: &str, key: &JobKey) -> Result<StateKind, Error> {
    let job = match name {
        "begin_submit" => {
            journal.begin_submit(key)?;
            journal.job(key)?.unwrap()
        }
        "record_submitted" => journal.record_submitted(key, r#"{"task_id":"t2"}"#)?,
        "adopt" => journal.adopt(key, r#"{"task_id":"found"}"#)?,
        "record_finished" => journal.record_finished(key, r#"{"url":"v"}"#)?,
        "record_downloaded" => journal.record_downloaded(key, "out/b.mp4", 9, "cd")?,
        "record_failed" => journal.record_failed(key, "gave up")?,
        "mark_needs_attention" => journal.mark_needs_attention(key, "unknown outcome")?,
        "reset_to_pending" => journal.reset_to_pending(key)?,
        other => panic!("no operation {other}"),
    };
    Ok(job.state.kind())
}

#[test]
fn every_transition_is_allowed_or_refused_naming_both_states() {
    use StateKind::*;
    // (operation, target, the states it accepts)
    let table: &[(&str, StateKind, &[StateKind])] = &[
        ("begin_submit", Submitting, &[Pending]),
        ("record_submitted", Submitted, &[Submitting]),
        ("adopt", Submitted, &[Submitting, NeedsAttention]),
        ("record_finished", Finished, &[Submitted]),
        ("record_downloaded", Downloaded, &[Finished]),
        (
            "record_failed",
            Failed,
            &[Pending, Submitting, Submitted, Finished, NeedsAttention],
        ),
        ("mark_needs_attention", NeedsAttention, &[Submitting]),
        ("reset_to_pending", Pending, &[Submitting, NeedsAttention]),
    ];
    let fixture = fixture();
    let mut n_refused = 0;
    for (operation, target, allowed) in table {
        for from in StateKind::ALL {
            let id = format!("{operation}-from-{from}");
            let key = job_in(&fixture, &id, from);
            let before = fixture.journal.job(&key).unwrap().unwrap();
            let n_events = fixture.journal.events(&key).unwrap().len();
            fixture.clock.advance(1);
            let result = apply(&fixture.journal, operation, &key);
            if allowed.contains(&from) {
                assert_eq!(result.unwrap(), *target, "{operation} from {from}");
                let events = fixture.journal.events(&key).unwrap();
                let last = events.last().unwrap();
                assert_eq!(
                    (last.from, last.to),
                    (Some(from), *target),
                    "{operation} from {from}"
                );
                assert_eq!(last.at, fixture.journal.now());
            } else {
                n_refused += 1;
                let error = result.unwrap_err();
                let message = error.to_string();
                match &error {
                    Error::WrongState {
                        from: found,
                        to,
                        operation: refused_by,
                        ..
                    } => assert_eq!((*found, *to, *refused_by), (from, *target, *operation)),
                    other => panic!("{operation} from {from}: {other:?}"),
                }
                assert!(
                    message.contains(&format!("from {from} to {target}")) && message.contains(&id),
                    "{message}"
                );
                // A refused transition changes nothing.
                assert_eq!(fixture.journal.job(&key).unwrap().unwrap(), before);
                assert_eq!(fixture.journal.events(&key).unwrap().len(), n_events);
            }
        }
    }
    let n_allowed: usize = table.iter().map(|(_, _, allowed)| allowed.len()).sum();
    assert_eq!(n_refused, table.len() * StateKind::ALL.len() - n_allowed);
}

#[test]
fn the_happy_path_records_every_time_and_keeps_the_handle_and_video() {
    let fixture = fixture();
    let journal = &fixture.journal;
    let key = key("shot-1");
    let inserted = journal
        .upsert_pending(
            &key,
            "ark",
            "seedance-2.0",
            r#"{"prompt":"shot-1"}"#,
            "out/shot-1.mp4",
        )
        .unwrap();
    assert!(inserted.is_inserted());
    assert_eq!(inserted.job().state, JobState::Pending);
    assert_eq!(inserted.job().created_at, T0);

    fixture.clock.set(T0 + 10);
    let intent = journal.begin_submit(&key).unwrap();
    assert_eq!(
        (intent.since, intent.attempt, &intent.key),
        (T0 + 10, 1, &key)
    );
    fixture.clock.set(T0 + 12);
    let job = journal
        .record_submitted(&key, r#"{"task_id":"cgt-1"}"#)
        .unwrap();
    assert_eq!(
        job.state,
        JobState::Submitted {
            handle_json: r#"{"task_id":"cgt-1"}"#.into(),
            submitted_at: T0 + 12
        }
    );
    fixture.clock.set(T0 + 300);
    journal
        .record_finished(&key, r#"{"url":"https://v/1.mp4"}"#)
        .unwrap();
    fixture.clock.set(T0 + 305);
    let job = journal
        .record_downloaded(&key, "out/shot-1.mp4", 1234, "ff00")
        .unwrap();
    assert_eq!(
        job.state,
        JobState::Downloaded {
            path: "out/shot-1.mp4".into(),
            bytes: 1234,
            sha256: "ff00".into(),
            downloaded_at: T0 + 305
        }
    );
    // The manifest still needs the handle, the video and the times after the download.
    assert_eq!(job.submit_since, Some(T0 + 10));
    assert_eq!(job.handle_json.as_deref(), Some(r#"{"task_id":"cgt-1"}"#));
    assert_eq!(job.submitted_at, Some(T0 + 12));
    assert_eq!(
        job.video_json.as_deref(),
        Some(r#"{"url":"https://v/1.mp4"}"#)
    );
    assert_eq!(job.finished_at, Some(T0 + 300));
    assert_eq!(
        (job.created_at, job.updated_at, job.submit_count),
        (T0, T0 + 305, 1)
    );

    let trail: Vec<_> = journal
        .events(&key)
        .unwrap()
        .into_iter()
        .map(|event| {
            (
                event.from.map(|kind| kind.as_str()),
                event.to.as_str(),
                event.at,
            )
        })
        .collect();
    assert_eq!(
        trail,
        [
            (None, "pending", T0),
            (Some("pending"), "submitting", T0 + 10),
            (Some("submitting"), "submitted", T0 + 12),
            (Some("submitted"), "finished", T0 + 300),
            (Some("finished"), "downloaded", T0 + 305),
        ]
    );
}

#[test]
fn an_unknown_outcome_gets_a_window_and_only_a_reset_allows_a_second_submit() {
    let fixture = fixture();
    let journal = &fixture.journal;
    let key = job_in(&fixture, "lost", StateKind::Pending);
    fixture.clock.set(T0 + 100);
    journal.begin_submit(&key).unwrap();
    // The never-submit-twice guard.
    assert!(journal.begin_submit(&key).unwrap_err().is_wrong_state());
    assert_eq!(journal.submit_count(&key).unwrap(), 1);

    fixture.clock.set(T0 + 160);
    let job = journal
        .mark_needs_attention(&key, "no task listing on this provider")
        .unwrap();
    assert_eq!(
        job.state,
        JobState::NeedsAttention {
            reason: "no task listing on this provider".into(),
            window: (T0 + 100, T0 + 160)
        }
    );
    let last = journal.events(&key).unwrap().pop().unwrap();
    assert_eq!(
        last.detail.as_deref(),
        Some("no task listing on this provider")
    );

    journal.reset_to_pending(&key).unwrap();
    fixture.clock.set(T0 + 200);
    let intent = journal.begin_submit(&key).unwrap();
    assert_eq!((intent.attempt, intent.since), (2, T0 + 200));
    assert_eq!(journal.submit_count(&key).unwrap(), 2);
    assert_eq!(journal.total_submits().unwrap(), 2);

    // Adopting a task found by listing records the handle and says so in the audit trail.
    let job = journal.adopt(&key, r#"{"task_id":"found"}"#).unwrap();
    assert_eq!(job.handle_json.as_deref(), Some(r#"{"task_id":"found"}"#));
    let last = journal.events(&key).unwrap().pop().unwrap();
    assert_eq!(
        (last.to, last.detail.as_deref()),
        (StateKind::Submitted, Some("adopted"))
    );
}

#[test]
fn failures_keep_their_reason_and_unknown_jobs_and_bad_json_are_refused() {
    let fixture = fixture();
    let journal = &fixture.journal;
    let key = job_in(&fixture, "bad", StateKind::Submitted);
    fixture.clock.set(T0 + 50);
    let job = journal.record_failed(&key, "content policy").unwrap();
    assert_eq!(
        job.state,
        JobState::Failed {
            reason: "content policy".into(),
            at: T0 + 50
        }
    );

    let missing = JobKey::new("nope", "00");
    for error in [
        journal.begin_submit(&missing).unwrap_err(),
        journal.record_failed(&missing, "x").unwrap_err(),
        journal.events(&missing).unwrap_err(),
        journal.submit_count(&missing).unwrap_err(),
    ] {
        assert!(matches!(error, Error::UnknownJob { .. }), "{error:?}");
        assert!(error.to_string().contains("`nope`"), "{error}");
    }
    assert_eq!(journal.job(&missing).unwrap(), None);

    let fresh = job_in(&fixture, "json", StateKind::Submitting);
    for (field, error) in [
        (
            "request_json",
            journal
                .upsert_pending(&missing, "ark", "m", "{not json", "o")
                .unwrap_err(),
        ),
        (
            "handle_json",
            journal.record_submitted(&fresh, "").unwrap_err(),
        ),
        ("handle_json", journal.adopt(&fresh, "[1,").unwrap_err()),
    ] {
        assert!(
            matches!(&error, Error::InvalidJson { field: found, .. } if *found == field),
            "{error:?}"
        );
        assert!(error.to_string().starts_with(field), "{error}");
    }
    // Nothing was stored by the refused calls.
    assert_eq!(journal.job(&missing).unwrap(), None);
    assert_eq!(
        journal.job(&fresh).unwrap().unwrap().state.kind(),
        StateKind::Submitting
    );
}

#[test]
fn a_job_survives_reopening_in_every_state() {
    let fixture = fixture();
    let keys: Vec<(StateKind, JobKey)> = StateKind::ALL
        .into_iter()
        .map(|state| {
            fixture.clock.advance(7);
            (state, job_in(&fixture, &format!("reopen-{state}"), state))
        })
        .collect();
    let before = fixture.journal.jobs().unwrap();
    let Fixture {
        _dir,
        path,
        journal,
        ..
    } = fixture;
    drop(journal);

    let reopened = Journal::open(&path).unwrap();
    assert_eq!(reopened.jobs().unwrap(), before);
    for (state, key) in &keys {
        let job = reopened.job(key).unwrap().unwrap();
        assert_eq!(job.state.kind(), *state);
        assert_eq!(reopened.by_state(*state).unwrap(), vec![job]);
    }
    let counts = reopened.counts().unwrap();
    assert!(counts.values().all(|n_jobs| *n_jobs == 1), "{counts:?}");
}

#[test]
fn upserting_an_existing_key_returns_it_unchanged() {
    let fixture = fixture();
    let key = job_in(&fixture, "again", StateKind::Submitted);
    let stored = fixture.journal.job(&key).unwrap().unwrap();
    fixture.clock.advance(60);
    let again = fixture
        .journal
        .upsert_pending(
            &key,
            "other",
            "other-model",
            r#"{"prompt":"again"}"#,
            "elsewhere.mp4",
        )
        .unwrap();
    assert_eq!(again, Upserted::Existing(stored));
    assert_eq!(fixture.journal.jobs().unwrap().len(), 1);
}

#[test]
fn a_changed_request_is_a_new_job_and_the_paid_one_stays() {
    let fixture = fixture();
    let journal = &fixture.journal;
    let first = json!({"prompt": "a cat", "duration": 5, "ratio": "16:9"});
    // The same request reformatted, with its keys in another order: the same job.
    let reordered: serde_json::Value = serde_json::from_str(
        "{\n  \"ratio\": \"16:9\",\n  \"duration\": 5, \"prompt\": \"a cat\"\n}",
    )
    .unwrap();
    assert_eq!(request_hash(&first), request_hash(&reordered));
    let nested_a =
        json!({"inputs": {"first": {"url": "u", "kind": "image"}}, "a": [1, {"y": 1, "x": 2}]});
    let nested_b =
        json!({"a": [1, {"x": 2, "y": 1}], "inputs": {"first": {"kind": "image", "url": "u"}}});
    assert_eq!(request_hash(&nested_a), request_hash(&nested_b));
    // Array order is meaningful (reference images are ordered).
    assert_ne!(
        request_hash(&json!({"a": [1, 2]})),
        request_hash(&json!({"a": [2, 1]}))
    );
    assert_eq!(request_hash(&first).len(), 64);

    let old_key = JobKey::new("7", request_hash(&first));
    journal
        .upsert_pending(
            &old_key,
            "ark",
            "seedance-2.0",
            &first.to_string(),
            "out/7.mp4",
        )
        .unwrap();
    journal.begin_submit(&old_key).unwrap();
    journal
        .record_submitted(&old_key, r#"{"task_id":"paid"}"#)
        .unwrap();

    let same = JobKey::new("7", request_hash(&reordered));
    assert!(
        !journal
            .upsert_pending(
                &same,
                "ark",
                "seedance-2.0",
                &reordered.to_string(),
                "out/7.mp4"
            )
            .unwrap()
            .is_inserted()
    );

    let changed = json!({"prompt": "a cat", "duration": 10, "ratio": "16:9"});
    let new_key = JobKey::new("7", request_hash(&changed));
    assert_ne!(new_key, old_key);
    let inserted = journal
        .upsert_pending(
            &new_key,
            "ark",
            "seedance-2.0",
            &changed.to_string(),
            "out/7.mp4",
        )
        .unwrap();
    assert!(inserted.is_inserted());

    let versions = journal.jobs_for_id("7").unwrap();
    assert_eq!(versions.len(), 2);
    assert_eq!(versions[0].key, old_key);
    assert_eq!(
        versions[0].handle_json.as_deref(),
        Some(r#"{"task_id":"paid"}"#)
    );
    assert_eq!(versions[1].key, new_key);
    assert_eq!(versions[1].state, JobState::Pending);
    assert!(journal.jobs_for_id("8").unwrap().is_empty());
}

#[test]
fn jobs_and_by_state_keep_insertion_order() {
    let fixture = fixture();
    let ids = ["c", "a", "b", "e", "d"];
    for id in ids {
        insert(&fixture.journal, &key(id));
    }
    fixture.journal.begin_submit(&key("a")).unwrap();
    fixture.journal.begin_submit(&key("d")).unwrap();
    let order: Vec<String> = fixture
        .journal
        .jobs()
        .unwrap()
        .into_iter()
        .map(|job| job.key.id)
        .collect();
    assert_eq!(order, ids);
    let pending: Vec<String> = fixture
        .journal
        .by_state(StateKind::Pending)
        .unwrap()
        .into_iter()
        .map(|job| job.key.id)
        .collect();
    assert_eq!(pending, ["c", "b", "e"]);
    let counts = fixture.journal.counts().unwrap();
    assert_eq!(
        (
            counts[&StateKind::Pending],
            counts[&StateKind::Submitting],
            counts[&StateKind::Failed]
        ),
        (3, 2, 0)
    );
    assert_eq!(fixture.journal.total_submits().unwrap(), 2);
}

/// The tag committed with the intent survives a reopen, a renewal moves the window's start and
/// keeps the tag, and only a job still submitting can be renewed.
#[test]
fn a_tagged_intent_keeps_its_tag_and_a_renewal_moves_only_the_window() {
    let fixture = fixture();
    let journal = &fixture.journal;
    let key = key("tagged");
    insert(journal, &key);
    let intent = journal.begin_tagged_submit(&key, 1234).unwrap();
    assert_eq!(
        (intent.since, intent.attempt, intent.tag),
        (T0, 1, Some(1234))
    );
    fixture.clock.set(T0 + 40);
    let renewed = journal.renew_submit(&key).unwrap();
    assert_eq!(
        (renewed.since, renewed.attempt, renewed.tag),
        (T0 + 40, 1, Some(1234))
    );
    let reopened = Journal::open(&fixture.path).unwrap();
    let job = reopened.job(&key).unwrap().unwrap();
    assert_eq!(job.state, JobState::Submitting { since: T0 + 40 });
    assert_eq!(job.submit_tag, Some(1234));
    let details: Vec<Option<String>> = journal
        .events(&key)
        .unwrap()
        .into_iter()
        .map(|event| event.detail)
        .collect();
    assert_eq!(details.last().unwrap().as_deref(), Some("renewed"));

    journal
        .record_submitted(&key, r#"{"task_id":"t"}"#)
        .unwrap();
    let refused = journal.renew_submit(&key).unwrap_err();
    assert!(
        matches!(
            refused,
            Error::WrongState {
                from: StateKind::Submitted,
                ..
            }
        ),
        "{refused:?}"
    );
    // An untagged submit after a reset clears the old tag.
    let plain = key_untagged(journal);
    assert_eq!(plain, None);
}

fn key_untagged(journal: &Journal) -> Option<i64> {
    let key = key("untagged");
    insert(journal, &key);
    journal.begin_tagged_submit(&key, 9).unwrap();
    journal.reset_to_pending(&key).unwrap();
    journal.begin_submit(&key).unwrap().tag
}
