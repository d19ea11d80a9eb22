//! Crash safety: fresh batches killed with SIGKILL at seeded random moments, each run again to
//! completion, then checked against what the simulator recorded: jobs lost, paid tasks no job
//! claims, and prompts submitted twice.
//!
//! A job counts as done when the journal has it downloaded, its file is an MP4 and its handle
//! names a task the simulator created from the job's own prompt (an adopted task that was
//! someone else's is caught).
//!
//! Each batch is 60 Ark jobs and 20 Jiekou jobs: Ark settles an unknown submit by listing its
//! tasks, Jiekou cannot, so both paths of a resume are exercised. A job the resume leaves
//! needing attention is handled as its instructions tell a person to: check the provider's
//! console for a task (here: the simulator's record of created tasks) and run again with
//! `--resubmit-unknown` only when none of them has one. That flag then cannot create a
//! duplicate; when a task does exist, the jobs are left needing attention (named with their
//! window: accounted for, not lost).
//!
//! By default every batch runs against one simulator (one account), so the tasks of the batches
//! before show up in Ark's list inside a resumed job's window, as another client's would; a job
//! adopting one of them counts as lost. `SEEDANCE_BENCH_ACCOUNT=own` gives each batch a
//! simulator of its own instead. Either simulator stays alive across a kill and every resume.
//!
//! Every submit is answered after 50 ms (the simulator's `Fault::Delay`, which holds the request
//! before the task is created), a stand-in for a real provider's latency: on loopback a submit
//! otherwise takes well under a millisecond, and almost no kill would land inside one.

use std::{
    path::Path,
    process::Stdio,
    rc::Rc,
    time::{Duration, Instant},
};

use seedance_journal::{Job, JobState, Journal};
use seedance_sim::{Fault, FaultRule, Route};
use serde_json::{Value, json};

use super::{BenchSim, is_mp4, write_jobs};

const RUNS: usize = 20;
const ARK_JOBS: usize = 60;
const JIEKOU_JOBS: usize = 20;
const TASK: Duration = Duration::from_secs(1);
/// How long every submit is held before the simulator creates its task.
const SUBMIT_LATENCY: Duration = Duration::from_millis(50);
const CONCURRENCY: &str = "20";
/// The seed of the kill moments, unless `SEEDANCE_BENCH_SEED` gives another.
const SEED: u64 = 11;
/// Runs of the same command after the kill before giving up on a batch.
const MAX_RESUMES: usize = 4;

/// One killed batch.
struct Report {
    kill_at: Duration,
    /// The child had already exited when its moment came.
    exited_first: bool,
    created_at_kill: usize,
    downloaded_at_kill: u64,
    resumes: usize,
    resubmitted: usize,
    left_attention: usize,
    /// The jobs left needing attention: the job's prompt and why the run could not settle it.
    attention_notes: Vec<String>,
    lost: Vec<String>,
    unclaimed: Vec<String>,
    duplicates: Vec<String>,
}

pub(super) fn run(dir: &Path) {
    std::fs::create_dir_all(dir).expect("the crash dir");
    let seed = std::env::var("SEEDANCE_BENCH_SEED")
        .ok()
        .and_then(|text| text.parse().ok())
        .unwrap_or(SEED);
    let shared = std::env::var("SEEDANCE_BENCH_ACCOUNT").map_or(true, |account| account != "own");
    let account = shared.then(|| Rc::new(account_sim()));
    // An uninterrupted batch of the same shape: the span the kill moments are drawn from.
    let calibration = Batch::new(dir, "calibration", account.clone());
    let start = Instant::now();
    let status = calibration.command(false).output().expect("seedance runs");
    let span = start.elapsed();
    assert!(status.status.success(), "the uninterrupted batch failed");
    let mut rng = SplitMix(seed);
    println!(
        "### Crash safety: {RUNS} batches of {ARK_JOBS} Ark + {JIEKOU_JOBS} Jiekou jobs, each SIGKILLed once and run again (seed {seed})\n"
    );
    println!(
        "{} Tasks take {} s in the simulator, every submit is answered after {} ms; `--concurrency {CONCURRENCY} --rpm 100000`; an uninterrupted batch took {:.2} s, and run i is killed at a uniform random moment in [i/{RUNS}, (i+1)/{RUNS}] of that span.\n",
        if shared {
            "Every batch runs against one simulator (one account, so each resume's Ark list shows the earlier batches' tasks)."
        } else {
            "Each batch has a simulator (an account) of its own."
        },
        TASK.as_secs_f64(),
        SUBMIT_LATENCY.as_millis(),
        span.as_secs_f64()
    );
    println!(
        "| run | killed at | tasks created before the kill | videos downloaded before the kill | runs to finish | resubmitted after the console check | left needing attention | jobs lost | paid tasks unclaimed | duplicate submits |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    let mut reports = Vec::new();
    for i in 0..RUNS {
        let fraction = (i as f64 + rng.unit()) / RUNS as f64;
        let kill_at = span.mul_f64(fraction);
        let batch = Batch::new(dir, &format!("run {i}"), account.clone());
        let report = batch.kill_and_resume(kill_at);
        println!(
            "| {i} | {:.0} ms{} | {} | {} | {} | {} | {} | {} | {} | {} |",
            report.kill_at.as_secs_f64() * 1000.0,
            if report.exited_first {
                " (had exited)"
            } else {
                ""
            },
            report.created_at_kill,
            report.downloaded_at_kill,
            report.resumes,
            report.resubmitted,
            report.left_attention,
            report.lost.len(),
            report.unclaimed.len(),
            report.duplicates.len(),
        );
        reports.push(report);
    }
    let total = |f: fn(&Report) -> usize| reports.iter().map(f).sum::<usize>();
    println!(
        "| all | | | | | {} | {} | **{}** | **{}** | **{}** |\n",
        total(|r| r.resubmitted),
        total(|r| r.left_attention),
        total(|r| r.lost.len()),
        total(|r| r.unclaimed.len()),
        total(|r| r.duplicates.len()),
    );
    for (i, report) in reports.iter().enumerate() {
        for note in &report.attention_notes {
            println!("- run {i}, left needing attention: {note}");
        }
    }
    println!();
    // A lost job, an unclaimed task or a duplicate submit is a bug, not a figure.
    let failures: Vec<String> = reports
        .iter()
        .enumerate()
        .flat_map(|(i, r)| {
            [
                (!r.lost.is_empty()).then(|| format!("run {i} lost {:?}", r.lost)),
                (!r.unclaimed.is_empty())
                    .then(|| format!("run {i} left tasks unclaimed {:?}", r.unclaimed)),
                (!r.duplicates.is_empty())
                    .then(|| format!("run {i} submitted twice {:?}", r.duplicates)),
            ]
        })
        .flatten()
        .collect();
    assert!(failures.is_empty(), "{failures:#?}");
}

/// A simulator as the batches find it: tasks of [`TASK`], submits held [`SUBMIT_LATENCY`].
fn account_sim() -> BenchSim {
    let sim = BenchSim::start(TASK);
    sim.sim
        .inject(FaultRule::new(Route::Submit, Fault::Delay(SUBMIT_LATENCY)));
    sim
}

/// One batch: its jobs file, output directory and prompts.
struct Batch {
    /// The batch's simulator (an account), its own or shared, alive across its kill and every
    /// resume.
    sim: Rc<BenchSim>,
    jobs: String,
    out: String,
    prompts: Vec<String>,
}

impl Batch {
    fn new(dir: &Path, name: &str, account: Option<Rc<BenchSim>>) -> Self {
        let sim = account.unwrap_or_else(|| Rc::new(account_sim()));
        let dir = dir.join(name.replace(' ', "-"));
        std::fs::create_dir_all(&dir).expect("the batch dir");
        let mut lines = Vec::new();
        let mut prompts = Vec::new();
        for (provider, n) in [("ark", ARK_JOBS), ("jiekou", JIEKOU_JOBS)] {
            for k in 0..n {
                let prompt = format!("crash {name} {provider} {k}");
                let mut line = json!({"id": format!("{provider}-{k}"), "provider": provider, "prompt": prompt});
                if provider == "ark" {
                    line["model"] = json!("seedance-2.0-fast");
                }
                lines.push(line);
                prompts.push(prompt);
            }
        }
        let jobs = dir.join("jobs.jsonl");
        write_jobs(&jobs, &lines);
        Self {
            sim,
            jobs: jobs.to_str().expect("UTF-8").to_owned(),
            out: dir.join("out").to_str().expect("UTF-8").to_owned(),
            prompts,
        }
    }

    fn command(&self, resubmit_unknown: bool) -> std::process::Command {
        let mut args = vec![
            "--concurrency",
            CONCURRENCY,
            "--rpm",
            "100000",
            "--out",
            &self.out,
            &self.jobs,
        ];
        if resubmit_unknown {
            args.insert(0, "--resubmit-unknown");
        }
        let mut command = self.sim.batch(&args);
        command.stdout(Stdio::null()).stderr(Stdio::null());
        command
    }

    fn created(&self) -> usize {
        let created = self.sim.created();
        self.prompts
            .iter()
            .filter(|prompt| created.contains_key(*prompt))
            .count()
    }

    fn journal_jobs(&self) -> Vec<Job> {
        let path = Path::new(&self.out).join("seedance-batch.sqlite");
        Journal::open(path)
            .and_then(|journal| journal.jobs())
            .expect("the journal reads")
    }

    fn kill_and_resume(&self, kill_at: Duration) -> Report {
        let videos = self.sim.route("media video");
        let mut child = self.command(false).spawn().expect("seedance starts");
        std::thread::sleep(kill_at);
        let exited_first = child.try_wait().expect("the child's status").is_some();
        if !exited_first {
            // std's `kill` sends SIGKILL on Unix.
            child.kill().expect("SIGKILL");
        }
        child.wait().expect("the child is reaped");
        let created_at_kill = self.created();
        let downloaded_at_kill = self.sim.route("media video") - videos;

        let mut resumes = 0;
        let mut resubmitted = 0;
        let mut left_attention = 0;
        let mut attention_notes = Vec::new();
        let mut resubmit = false;
        while resumes < MAX_RESUMES {
            resumes += 1;
            let status = self.command(resubmit).status().expect("seedance runs");
            resubmit = false;
            if status.success() {
                break;
            }
            let attention: Vec<String> = self
                .journal_jobs()
                .iter()
                .filter(|job| matches!(job.state, JobState::NeedsAttention { .. }))
                .map(prompt)
                .collect();
            if attention.is_empty() {
                // Unfinished for another reason (a task still running at the timeout): again.
                continue;
            }
            // The person's check of the console, as the message asks.
            let created = self.sim.created();
            let with_task = attention
                .iter()
                .filter(|prompt| created.contains_key(*prompt))
                .count();
            if with_task > 0 {
                left_attention = attention.len();
                attention_notes = self
                    .journal_jobs()
                    .iter()
                    .filter_map(|job| match &job.state {
                        JobState::NeedsAttention { reason, .. } => {
                            Some(format!("{}: {reason}", prompt(job)))
                        }
                        _ => None,
                    })
                    .collect();
                break;
            }
            resubmitted += attention.len();
            resubmit = true;
        }
        self.check(Report {
            kill_at,
            exited_first,
            created_at_kill,
            downloaded_at_kill,
            resumes,
            resubmitted,
            left_attention,
            attention_notes,
            lost: Vec::new(),
            unclaimed: Vec::new(),
            duplicates: Vec::new(),
        })
    }

    /// Fills in what the journal and the simulator say happened to each job and task.
    fn check(&self, mut report: Report) -> Report {
        let jobs = self.journal_jobs();
        let created = self.sim.created();
        let tasks = self.sim.sim.created_tasks();
        for wanted in &self.prompts {
            if created.get(wanted).is_some_and(|n| *n > 1) {
                report.duplicates.push(wanted.clone());
            }
            let Some(job) = jobs.iter().find(|job| &prompt(job) == wanted) else {
                report.lost.push(wanted.clone());
                continue;
            };
            // The job's handle names a task created from its own prompt: an adopted task that
            // was another caller's would download someone else's video.
            let own_task = job.handle_json.as_deref().is_some_and(|handle| {
                tasks.iter().any(|task| {
                    &task.prompt == wanted && handle.contains(&format!("\"{}\"", task.id))
                })
            });
            let accounted = match &job.state {
                JobState::Downloaded { path, .. } => own_task && is_mp4(Path::new(path)),
                // Named with its window for a person: accounted for, not lost.
                JobState::NeedsAttention { .. } => true,
                _ => false,
            };
            if !accounted {
                report.lost.push(wanted.clone());
            }
        }
        let claimed: Vec<&str> = jobs
            .iter()
            .filter_map(|job| job.handle_json.as_deref())
            .collect();
        report.unclaimed = tasks
            .into_iter()
            .filter(|task| self.prompts.contains(&task.prompt))
            .filter(|task| {
                // A job left needing attention is told its task's window; it is not lost.
                let adoptable = jobs.iter().any(|job| {
                    prompt(job) == task.prompt
                        && matches!(job.state, JobState::NeedsAttention { .. })
                });
                !adoptable
                    && !claimed
                        .iter()
                        .any(|handle| handle.contains(&format!("\"{}\"", task.id)))
            })
            .map(|task| format!("{} ({})", task.id, task.prompt))
            .collect();
        report
    }
}

fn prompt(job: &Job) -> String {
    serde_json::from_str::<Value>(&job.request_json)
        .ok()
        .and_then(|request| request["prompt"].as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// SplitMix64: a seeded, dependency-free source of kill moments.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}
