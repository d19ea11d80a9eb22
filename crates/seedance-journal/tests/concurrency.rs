//! Several writers at once: every job is kept, and a job is submitted by exactly one of several
//! racing callers.

use seedance_journal::{JobKey, JobState, Journal, StateKind};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

const N_THREADS: usize = 8;
const JOBS_PER_THREAD: usize = 200;

#[test]
fn eight_connections_writing_at_once_keep_every_job() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("j.sqlite");
    // Every thread opens the new file itself, so schema creation races too.
    std::thread::scope(|scope| {
        for thread_idx in 0..N_THREADS {
            let path = &path;
            scope.spawn(move || {
                let journal = Journal::open(path).unwrap();
                for job_idx in 0..JOBS_PER_THREAD {
                    let key = JobKey::new(format!("{thread_idx}-{job_idx}"), "h");
                    journal.upsert_pending(&key, "ark", "m", "{}", "o").unwrap();
                    journal.begin_submit(&key).unwrap();
                    let handle = format!(r#"{{"task_id":"{thread_idx}-{job_idx}"}}"#);
                    journal.record_submitted(&key, &handle).unwrap();
                }
            });
        }
    });
    let journal = Journal::open(&path).unwrap();
    let jobs = journal.jobs().unwrap();
    assert_eq!(jobs.len(), N_THREADS * JOBS_PER_THREAD);
    for job in &jobs {
        let expected = format!(r#"{{"task_id":"{}"}}"#, job.key.id);
        let JobState::Submitted { handle_json, .. } = &job.state else {
            panic!("{job:?}");
        };
        assert_eq!(*handle_json, expected);
        assert_eq!(job.submit_count, 1);
    }
    // Each thread's jobs are in its own insertion order.
    for thread_idx in 0..N_THREADS {
        let prefix = format!("{thread_idx}-");
        let order: Vec<usize> = jobs
            .iter()
            .filter_map(|job| job.key.id.strip_prefix(&prefix)?.parse().ok())
            .collect();
        assert_eq!(order, (0..JOBS_PER_THREAD).collect::<Vec<_>>());
    }
    assert_eq!(
        journal.total_submits().unwrap(),
        (N_THREADS * JOBS_PER_THREAD) as u64
    );
    assert_eq!(journal.events(&jobs[0].key).unwrap().len(), 3);
}

#[test]
fn racing_submitters_submit_each_job_once() {
    const N_JOBS: usize = 50;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("j.sqlite");
    let shared = Arc::new(Journal::open(&path).unwrap());
    let keys: Vec<JobKey> = (0..N_JOBS)
        .map(|job_idx| JobKey::new(job_idx.to_string(), "h"))
        .collect();
    for key in &keys {
        shared.upsert_pending(key, "ark", "m", "{}", "o").unwrap();
    }
    let wins: Vec<AtomicUsize> = (0..N_JOBS).map(|_| AtomicUsize::new(0)).collect();
    std::thread::scope(|scope| {
        for thread_idx in 0..N_THREADS {
            let (keys, wins, path, shared) = (&keys, &wins, &path, &shared);
            scope.spawn(move || {
                // Half the threads share one journal, half have their own connection.
                let own;
                let journal: &Journal = if thread_idx % 2 == 0 {
                    shared
                } else {
                    own = Journal::open(path).unwrap();
                    &own
                };
                for (job_idx, key) in keys.iter().enumerate() {
                    match journal.begin_submit(key) {
                        Ok(_) => {
                            wins[job_idx].fetch_add(1, Ordering::SeqCst);
                        }
                        Err(error) => assert!(error.is_wrong_state(), "{error}"),
                    }
                }
            });
        }
    });
    for (job_idx, win) in wins.iter().enumerate() {
        assert_eq!(win.load(Ordering::SeqCst), 1, "job {job_idx}");
    }
    assert_eq!(shared.total_submits().unwrap(), N_JOBS as u64);
    assert_eq!(
        shared.by_state(StateKind::Submitting).unwrap().len(),
        N_JOBS
    );
}
