//! The fault-injection soak, shared by `tests/tests/soak.rs` (a small run in `cargo test`) and
//! `cargo bench -p seedance-cli --bench soak` (the figures in `BENCHMARKS.md`).
//!
//! Tasks go through the facade (submit, wait, download) against the simulator while it answers
//! 10 % of all requests, on every route, with each of: 429, a 5xx, a connection reset after
//! the headers, and a body cut in half. Then what the caller learned is checked against what the
//! simulator recorded: every task it created must be known to the caller (a handle naming it,
//! or [`seedance_sdk::Error::OutcomeUnknown`] for its submit), and no prompt may be accepted twice.

use std::{
    collections::BTreeMap,
    fmt::Write as _,
    path::PathBuf,
    sync::Arc,
    time::{Duration, Instant},
};

use seedance_sdk::{Client, Error, Provider, RetryPolicy, VideoRequest, WaitOptions};
use seedance_sim::{Counters, Fault, FaultRule, Route, Sim, SimConfig};

/// How big a soak to run.
#[derive(Clone, Copy, Debug)]
pub struct SoakOptions {
    /// Tasks per provider.
    pub n_tasks: usize,
    /// Tasks in flight at once.
    pub concurrency: usize,
    /// Seeds the simulator's choice of faulted requests.
    pub seed: u64,
}

/// The injected faults, each on a disjoint 10 % of the requests to every route (5xx split
/// between 500 and 503), as `(share of the requests in percent, fault)`.
fn fault_mix() -> Vec<(std::ops::Range<u8>, Fault)> {
    let status = |code| Fault::Status {
        code,
        retry_after: None,
    };
    vec![
        (0..10, status(429)),
        (10..15, status(500)),
        (15..20, status(503)),
        (20..30, Fault::DropConnection),
        (30..40, Fault::TruncateBody),
    ]
}

/// The fault kinds as counted in [`Counters::faults`], by the suffix of their key.
pub const FAULT_KINDS: [(&str, &[&str]); 4] = [
    ("429", &[": status 429"]),
    ("5xx", &[": status 500", ": status 503"]),
    ("reset", &[": drop connection"]),
    ("truncated", &[": truncate body"]),
];

/// The routes as counted in [`Counters::faults`], by the prefix of their key.
pub const ROUTES: [&str; 3] = ["submit", "status", "video"];

/// How one task ended, as its caller saw it.
#[derive(Debug)]
enum Ending {
    /// Submitted, finished and downloaded.
    Completed { task_id: String },
    /// The submit failed with [`Error::OutcomeUnknown`]: the caller knows a task may exist,
    /// and which one when the answer carried its id.
    OutcomeUnknown { task_id: Option<String> },
    /// Submitted (the caller holds a handle), but waiting or downloading failed.
    FailedAfterSubmit { task_id: String, error: String },
    /// The submit failed with another error: the caller believes no task exists.
    SubmitFailed { error: String },
}

#[derive(Debug)]
struct TaskRecord {
    prompt: String,
    ending: Ending,
    wall: Duration,
}

/// What one provider's soak found.
#[derive(Debug)]
pub struct SoakReport {
    /// The provider.
    pub provider: Provider,
    /// Tasks attempted.
    pub n_tasks: usize,
    /// Tasks submitted, finished and downloaded.
    pub completed: usize,
    /// Submits that failed with `OutcomeUnknown`.
    pub outcome_unknown: usize,
    /// Of those, the submits for which the simulator did create a task.
    pub outcome_unknown_created: usize,
    /// Of those, the ones whose error named the created task's id (read from a cut answer).
    pub outcome_unknown_named: usize,
    /// Tasks with a handle whose wait or download failed, with the error.
    pub failed_after_submit: Vec<String>,
    /// Submits that failed with another error (the caller believes no task exists).
    pub submit_failed: Vec<String>,
    /// Task ids the simulator created that the caller never learned of: no handle naming the
    /// task and no `OutcomeUnknown` for its prompt.
    pub lost: Vec<String>,
    /// Prompts the simulator accepted more than once (each task has its own prompt), with the
    /// number of accepted submits.
    pub duplicates: Vec<(String, u64)>,
    /// The simulator's counters at the end.
    pub counters: Counters,
    /// Median wall time of a completed task (submit, wait, download).
    pub p50: Duration,
    /// 99th percentile wall time of a completed task.
    pub p99: Duration,
    /// Wall time of the whole run.
    pub wall: Duration,
}

impl SoakReport {
    /// Faults of `kind` (a [`FAULT_KINDS`] name) injected on `route` (a [`ROUTES`] name, or
    /// `None` for all routes).
    pub fn faults(&self, kind: &str, route: Option<&str>) -> u64 {
        let suffixes = FAULT_KINDS
            .iter()
            .find(|(name, _)| *name == kind)
            .map_or(&[][..], |(_, suffixes)| suffixes);
        self.counters
            .faults
            .iter()
            .filter(|(key, _)| suffixes.iter().any(|suffix| key.ends_with(suffix)))
            .filter(|(key, _)| route.is_none_or(|route| key.contains(&format!(" {route}: "))))
            .map(|(_, n)| n)
            .sum()
    }

    /// HTTP requests the simulator received (API and media).
    pub fn requests(&self) -> u64 {
        self.counters.api_requests() + self.counters.route("media video")
    }
}

/// Runs the soak for `provider` against a simulator of its own.
///
/// # Panics
///
/// When the simulator cannot start, or a task panics.
pub async fn run(provider: Provider, options: SoakOptions) -> SoakReport {
    let faults = fault_mix()
        .into_iter()
        .map(|(share, fault)| FaultRule::new(Route::Any, fault).sampled(options.seed, share))
        .collect();
    let sim = Sim::start(SimConfig {
        task_duration: Duration::from_millis(100),
        faults,
        ..SimConfig::default()
    })
    .await
    .expect("the simulator starts");
    // Small back-offs keep the run short; enough retries that 40 % faulty requests (one
    // chance in 2.5 each) almost never exhaust them: 0.4^16 is about 4e-7 per call.
    let retry = RetryPolicy {
        max_retries: 15,
        initial_backoff: Duration::from_millis(2),
        max_backoff: Duration::from_millis(20),
    };
    let client = Client::builder(provider)
        .api_key("sim")
        .base_url(sim.base_url(provider.as_str()))
        .retry_policy(retry)
        .build()
        .expect("a client");
    let wait = WaitOptions {
        timeout: Duration::from_secs(60),
        initial_interval: Duration::from_millis(20),
        max_interval: Duration::from_millis(50),
        ..WaitOptions::default()
    };
    let dir = std::env::temp_dir().join(format!(
        "seedance-soak-{}-{provider}-{}",
        std::process::id(),
        options.seed
    ));
    std::fs::create_dir_all(&dir).expect("a temporary directory");

    let started = Instant::now();
    let permits = Arc::new(tokio::sync::Semaphore::new(options.concurrency.max(1)));
    let mut jobs = tokio::task::JoinSet::new();
    for task_idx in 0..options.n_tasks {
        let permit = permits.clone().acquire_owned().await.expect("open");
        let client = client.clone();
        let prompt = format!("soak {provider} seed {} task {task_idx}", options.seed);
        let out = dir.join(format!("{task_idx}.mp4"));
        jobs.spawn(async move {
            let record = one_task(&client, prompt, out, wait).await;
            drop(permit);
            record
        });
    }
    let mut records = Vec::with_capacity(options.n_tasks);
    while let Some(record) = jobs.join_next().await {
        records.push(record.expect("a soak task does not panic"));
    }
    let wall = started.elapsed();
    let _ = std::fs::remove_dir_all(&dir);
    report(provider, &sim, records, wall)
}

async fn one_task(client: &Client, prompt: String, out: PathBuf, wait: WaitOptions) -> TaskRecord {
    let started = Instant::now();
    let ending = match client.submit(&VideoRequest::new(prompt.clone())).await {
        Err(Error::OutcomeUnknown { task_id, .. }) => Ending::OutcomeUnknown { task_id },
        Err(err) => Ending::SubmitFailed {
            error: err.to_string(),
        },
        Ok(handle) => {
            let task_id = handle.task_id.clone();
            let finished = async {
                let video = client.wait(&handle, wait).await?;
                client.download(&video, &out).await
            }
            .await;
            match finished {
                Ok(written) if std::fs::metadata(&out).is_ok_and(|m| m.len() == written) => {
                    Ending::Completed { task_id }
                }
                Ok(written) => Ending::FailedAfterSubmit {
                    task_id,
                    error: format!("download reported {written} bytes, the file differs"),
                },
                Err(err) => Ending::FailedAfterSubmit {
                    task_id,
                    error: err.to_string(),
                },
            }
        }
    };
    TaskRecord {
        prompt,
        ending,
        wall: started.elapsed(),
    }
}

fn report(provider: Provider, sim: &Sim, records: Vec<TaskRecord>, wall: Duration) -> SoakReport {
    let counters = sim.counters();
    let by_prompt: BTreeMap<&str, &TaskRecord> =
        records.iter().map(|r| (r.prompt.as_str(), r)).collect();
    let mut lost = Vec::new();
    let (mut outcome_unknown_created, mut outcome_unknown_named) = (0, 0);
    for task in sim.created_tasks() {
        let informed = match by_prompt.get(task.prompt.as_str()).map(|r| &r.ending) {
            Some(Ending::OutcomeUnknown { task_id }) => {
                outcome_unknown_created += 1;
                if task_id.as_deref() == Some(task.id.as_str()) {
                    outcome_unknown_named += 1;
                }
                true
            }
            Some(Ending::Completed { task_id } | Ending::FailedAfterSubmit { task_id, .. }) => {
                *task_id == task.id
            }
            Some(Ending::SubmitFailed { .. }) | None => false,
        };
        if !informed {
            lost.push(task.id);
        }
    }
    let duplicates = counters
        .submits_per_prompt
        .iter()
        .filter(|(_, n)| **n > 1)
        .map(|(prompt, n)| (prompt.clone(), *n))
        .collect();
    let mut failed_after_submit = Vec::new();
    let mut submit_failed = Vec::new();
    let (mut completed, mut outcome_unknown) = (0, 0);
    for record in &records {
        match &record.ending {
            Ending::Completed { .. } => completed += 1,
            Ending::OutcomeUnknown { .. } => outcome_unknown += 1,
            Ending::FailedAfterSubmit { task_id, error } => {
                failed_after_submit.push(format!("{task_id}: {error}"));
            }
            Ending::SubmitFailed { error } => {
                submit_failed.push(format!("{}: {error}", record.prompt));
            }
        }
    }
    // Timed over completed tasks: an `OutcomeUnknown` submit ends early and would flatter them.
    let mut walls: Vec<Duration> = records
        .iter()
        .filter(|r| matches!(r.ending, Ending::Completed { .. }))
        .map(|r| r.wall)
        .collect();
    walls.sort();
    SoakReport {
        provider,
        n_tasks: records.len(),
        completed,
        outcome_unknown,
        outcome_unknown_created,
        outcome_unknown_named,
        failed_after_submit,
        submit_failed,
        lost,
        duplicates,
        counters,
        p50: percentile(&walls, 50),
        p99: percentile(&walls, 99),
        wall,
    }
}

/// The nearest-rank percentile of sorted `values`.
fn percentile(values: &[Duration], percent: usize) -> Duration {
    if values.is_empty() {
        return Duration::ZERO;
    }
    let rank = (values.len() * percent).div_ceil(100).max(1);
    values[rank - 1]
}

/// The reports as two Markdown tables: outcomes and timings, then the faults injected.
pub fn markdown(reports: &[SoakReport]) -> String {
    let mut out = String::new();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    out.push_str(
        "| provider | tasks | completed | submits `OutcomeUnknown` (task created / its id given) | \
         failed after submit | other submit errors | lost | duplicate submits | \
         HTTP requests | p50 / completed task | p99 / completed task | wall time |\n",
    );
    out.push_str("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for r in reports {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} ({} / {}) | {} | {} | {} | {} | {} | {:.0} ms | {:.0} ms | {:.2} s |",
            r.provider,
            r.n_tasks,
            r.completed,
            r.outcome_unknown,
            r.outcome_unknown_created,
            r.outcome_unknown_named,
            r.failed_after_submit.len(),
            r.submit_failed.len(),
            r.lost.len(),
            r.duplicates.len(),
            r.requests(),
            ms(r.p50),
            ms(r.p99),
            r.wall.as_secs_f64(),
        );
    }
    out.push('\n');
    out.push_str("Faults injected (submit / status / video):\n\n");
    out.push_str("| provider |");
    for (kind, _) in FAULT_KINDS {
        let _ = write!(out, " {kind} |");
    }
    out.push_str("\n|---|");
    out.push_str(&"---:|".repeat(FAULT_KINDS.len()));
    out.push('\n');
    for r in reports {
        let _ = write!(out, "| {} |", r.provider);
        for (kind, _) in FAULT_KINDS {
            let per_route: Vec<String> = ROUTES
                .iter()
                .map(|route| r.faults(kind, Some(route)).to_string())
                .collect();
            let _ = write!(out, " {} |", per_route.join(" / "));
        }
        out.push('\n');
    }
    out
}
