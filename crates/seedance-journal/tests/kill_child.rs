//! The submit intent is durable: a child process commits intents and is killed with SIGKILL, and
//! the parent finds every intent the child reported.
//!
//! This test owns `main` (`harness = false`) because it re-executes its own binary as the child:
//! with `SEEDANCE_JOURNAL_CHILD` set to a journal path, it runs [`child`] instead of the test.
//! SIGKILL drops the process, not the page cache, so this proves the commit protocol and the
//! file's consistency; surviving a power loss on top is what `synchronous=FULL` is for.

use seedance_journal::{JobKey, JobState, Journal, StateKind};
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

const CHILD_ENV: &str = "SEEDANCE_JOURNAL_CHILD";
/// The parent kills the child after reading this many lines, in the middle of its loop.
const LINES_BEFORE_KILL: usize = 40;

fn main() {
    if let Ok(path) = std::env::var(CHILD_ENV) {
        child(&path);
        return;
    }
    a_killed_submitter_leaves_its_intent_durable();
    eprintln!("kill_child: ok");
}

fn key(job_idx: usize) -> JobKey {
    JobKey::new(format!("job-{job_idx}"), "h")
}

/// Commits one intent for `job-0` and announces it, then keeps submitting and answering further
/// jobs, announcing each commit, until killed.
fn child(path: &str) {
    let journal = Journal::open(path).unwrap();
    let mut stdout = std::io::stdout().lock();
    for job_idx in 0.. {
        let key = key(job_idx);
        journal.upsert_pending(&key, "ark", "m", "{}", "o").unwrap();
        let intent = journal.begin_submit(&key).unwrap();
        writeln!(stdout, "submitting {job_idx} {}", intent.since).unwrap();
        stdout.flush().unwrap();
        if job_idx == 0 {
            // job-0 stays submitting: the process "dies" between sending and the answer.
            continue;
        }
        journal
            .record_submitted(&key, r#"{"task_id":"t"}"#)
            .unwrap();
        writeln!(stdout, "submitted {job_idx}").unwrap();
        stdout.flush().unwrap();
    }
}

fn a_killed_submitter_leaves_its_intent_durable() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("seedance-batch.sqlite");
    let before = Journal::open(&path).unwrap().now();
    let mut child = Command::new(std::env::current_exe().unwrap())
        .env(CHILD_ENV, &path)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut reported = Vec::new();
    while reported.len() < LINES_BEFORE_KILL {
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

    let journal = Journal::open(&path).unwrap();
    let first = journal.job(&key(0)).unwrap().expect("job-0 survives");
    let since: i64 = reported[0]
        .strip_prefix("submitting 0 ")
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(first.state, JobState::Submitting { since });
    assert!(
        since >= before && since <= journal.now(),
        "{since} outside the run"
    );
    assert_eq!(first.submit_count, 1);

    for line in &reported {
        let (state, job_idx) = match line.split(' ').collect::<Vec<_>>()[..] {
            ["submitting", job_idx, _] => (StateKind::Submitting, job_idx),
            ["submitted", job_idx] => (StateKind::Submitted, job_idx),
            _ => panic!("unexpected line {line:?}"),
        };
        let job = journal
            .job(&key(job_idx.parse().unwrap()))
            .unwrap()
            .expect(line);
        // A reported intent may have moved on before the kill, never back.
        let found = job.state.kind();
        let ok =
            found == state || (state == StateKind::Submitting && found == StateKind::Submitted);
        assert!(ok, "{line}: found {found}");
        assert_eq!(job.submit_count, 1, "{line}");
    }
    // Nothing is half-written: every job is submitting or submitted, and a rerun may submit
    // none of them again.
    let jobs = journal.jobs().unwrap();
    assert!(jobs.len() >= LINES_BEFORE_KILL / 2);
    for job in &jobs {
        assert!(
            matches!(
                job.state.kind(),
                StateKind::Submitting | StateKind::Submitted | StateKind::Pending
            ),
            "{job:?}"
        );
        if job.state.kind() != StateKind::Pending {
            assert!(journal.begin_submit(&job.key).unwrap_err().is_wrong_state());
        }
    }
    // The surviving job-0 can be reconciled as the batch runner would.
    journal
        .mark_needs_attention(&key(0), "outcome unknown")
        .unwrap();
}
