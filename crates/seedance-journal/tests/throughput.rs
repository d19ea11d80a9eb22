//! The commit rate of a full job lifecycle with `synchronous=FULL`, printed so it can be
//! compared with what a batch run needs (1,000 jobs at concurrency 50); timings are not asserted.

use seedance_journal::{JobKey, Journal, StateKind};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

const N_JOBS: usize = 1000;
const CONCURRENCY: usize = 50;

#[test]
fn a_thousand_jobs_through_the_whole_lifecycle_at_concurrency_50() {
    let dir = tempfile::tempdir().unwrap();
    let journal = Arc::new(Journal::open(dir.path().join("j.sqlite")).unwrap());
    let next_job = AtomicUsize::new(0);
    let started = Instant::now();
    std::thread::scope(|scope| {
        for _ in 0..CONCURRENCY {
            let (journal, next_job) = (&journal, &next_job);
            scope.spawn(move || {
                loop {
                    let job_idx = next_job.fetch_add(1, Ordering::SeqCst);
                    if job_idx >= N_JOBS {
                        break;
                    }
                    let key = JobKey::new(job_idx.to_string(), "h");
                    let request = format!(r#"{{"prompt":"shot {job_idx}"}}"#);
                    journal
                        .upsert_pending(&key, "ark", "seedance-2.0", &request, "o.mp4")
                        .unwrap();
                    journal.begin_submit(&key).unwrap();
                    journal
                        .record_submitted(&key, r#"{"task_id":"t"}"#)
                        .unwrap();
                    journal.record_finished(&key, r#"{"url":"u"}"#).unwrap();
                    journal.record_downloaded(&key, "o.mp4", 1, "00").unwrap();
                }
            });
        }
    });
    let elapsed = started.elapsed().as_secs_f64();
    let counts = journal.counts().unwrap();
    assert_eq!(counts[&StateKind::Downloaded], N_JOBS);
    let n_commits = N_JOBS * 5;
    eprintln!(
        "journal throughput: {N_JOBS} jobs x 5 commits at concurrency {CONCURRENCY} in {elapsed:.2} s: \
         {:.0} jobs/s, {:.0} commits/s (synchronous=FULL)",
        N_JOBS as f64 / elapsed,
        n_commits as f64 / elapsed
    );
}
