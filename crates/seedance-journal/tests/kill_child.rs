//! The submit intent is durable: a child process commits intents and is killed with SIGKILL, and
//! the parent finds every intent the child reported; killed and rerun on the same journal, no
//! job is ever submitted twice.
//!
//! This test owns `main` (`harness = false`) because it re-executes its own binary as the child:
//! with `SEEDANCE_JOURNAL_CHILD` set to a journal path, it runs [`child`] instead of the test.
//! SIGKILL drops the process, not the page cache, so this proves the commit protocol and the
//! file's consistency; surviving a power loss on top is what `synchronous=FULL` is for.

use seedance_journal::{JobKey, JobState, Journal, StateKind};
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

const CHILD_ENV: &str = "SEEDANCE_JOURNAL_CHILD";
/// Each run's child is killed after the parent has read this many of its lines: right after the
/// first intent, then at later points in its loop. Fixed, so a failure reproduces.
const KILL_AFTER_LINES: [usize; 5] = [1, 2, 17, 40, 75];

fn main() {
    if let Ok(path) = std::env::var(CHILD_ENV) {
        child(&path);
        return;
    }
    killed_submitters_leave_their_intents_durable_and_never_submit_twice();
    eprintln!("kill_child: ok");
}

fn key(job_idx: usize) -> JobKey {
    JobKey::new(format!("job-{job_idx}"), "h")
}

/// A miniature batch run, until killed: submits every pending job, announcing each commit;
/// every tenth job stays submitting, as if the process died between sending and the answer.
/// A job that a previous run already took past pending is left alone.
fn child(path: &str) {
    let journal = Journal::open(path).unwrap();
    let mut stdout = std::io::stdout().lock();
    for job_idx in 0.. {
        let key = key(job_idx);
        let job = journal
            .upsert_pending(&key, "ark", "m", "{}", "o")
            .unwrap()
            .into_job();
        if job.state != JobState::Pending {
            continue;
        }
        let intent = journal.begin_submit(&key).unwrap();
        writeln!(stdout, "submitting {job_idx} {}", intent.since).unwrap();
        stdout.flush().unwrap();
        if job_idx % 10 == 0 {
            continue;
        }
        journal
            .record_submitted(&key, r#"{"task_id":"t"}"#)
            .unwrap();
        writeln!(stdout, "submitted {job_idx}").unwrap();
        stdout.flush().unwrap();
    }
}

/// Runs a child on `path`, kills it with SIGKILL after `n_lines` lines, and returns every line
/// it printed.
fn run_and_kill(path: &std::path::Path, n_lines: usize) -> Vec<String> {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .env(CHILD_ENV, path)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut reported = Vec::new();
    while reported.len() < n_lines {
        reported.push(lines.next().expect("the child is alive").unwrap());
    }
    // std's `Child::kill` is SIGKILL on Unix: no destructor, no rollback, no flush runs.
    child.kill().unwrap();
    let status = child.wait().unwrap();
    assert_eq!(
        std::os::unix::process::ExitStatusExt::signal(&status),
        Some(9)
    );
    // Lines the child printed after the ones read above were reported too.
    reported.extend(lines.map_while(Result::ok));
    reported
}

fn killed_submitters_leave_their_intents_durable_and_never_submit_twice() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("seedance-batch.sqlite");
    let before = Journal::open(&path).unwrap().now();
    let mut first_since = None;
    for n_lines in KILL_AFTER_LINES {
        let reported = run_and_kill(&path, n_lines);
        let journal = Journal::open(&path).unwrap();
        for line in &reported {
            let (state, job_idx, since) = match line.split(' ').collect::<Vec<_>>()[..] {
                ["submitting", job_idx, since] => (StateKind::Submitting, job_idx, Some(since)),
                ["submitted", job_idx] => (StateKind::Submitted, job_idx, None),
                _ => panic!("unexpected line {line:?}"),
            };
            let job_idx: usize = job_idx.parse().unwrap();
            let job = journal.job(&key(job_idx)).unwrap().expect(line);
            // A reported intent may have moved on before the kill, never back.
            let found = job.state.kind();
            let moved_on = state == StateKind::Submitting && found == StateKind::Submitted;
            assert!(found == state || moved_on, "{line}: found {found}");
            if let Some(since) = since {
                assert_eq!(job.submit_since, Some(since.parse().unwrap()), "{line}");
            }
        }
        // The first run's first intent, committed right before the kill, is there with its
        // window start, and no later run touched it.
        let job_0 = journal.job(&key(0)).unwrap().expect("job-0 survives");
        let JobState::Submitting { since } = job_0.state else {
            panic!("job-0 is {:?}", job_0.state);
        };
        assert!(
            since >= before && since <= journal.now(),
            "{since} outside the run"
        );
        assert_eq!(*first_since.get_or_insert(since), since);
        // Nothing is half-written and nothing was submitted twice, across every kill so far.
        let jobs = journal.jobs().unwrap();
        for job in &jobs {
            let kind = job.state.kind();
            let expected_count = u32::from(kind != StateKind::Pending);
            assert_eq!(job.submit_count, expected_count, "{job:?}");
            assert!(
                matches!(
                    kind,
                    StateKind::Pending | StateKind::Submitting | StateKind::Submitted
                ),
                "{job:?}"
            );
        }
        let n_submitted = jobs.iter().filter(|job| job.submit_count == 1).count();
        assert_eq!(journal.total_submits().unwrap(), n_submitted as u64);
        eprintln!(
            "kill after {n_lines} lines: {} jobs, {n_submitted} submitted once",
            jobs.len()
        );
    }
}
