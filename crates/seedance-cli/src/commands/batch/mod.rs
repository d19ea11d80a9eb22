//! `seedance batch`: every job of a JSON Lines file submitted, waited for and downloaded, on a
//! durable journal, so that a run killed at any moment can simply be run again.
//!
//! `jobs` parses and validates the whole file first (nothing is sent when a line is invalid),
//! `runner` moves each job through the journal's states, `reconcile` settles submits whose
//! outcome is unknown, `fetch` downloads and hashes the videos, `limits` keeps each provider
//! within its concurrency and rate, `manifest` writes the sidecar of each video and `report`
//! prints progress and the summary.

mod fetch;
mod jobs;
mod limits;
mod manifest;
mod reconcile;
mod report;
mod runner;

use std::{collections::BTreeMap, path::PathBuf, sync::Arc, time::Duration};

use anyhow::{Context as _, Result, bail};
use clap::Args;
use seedance_journal::{Job, JobState, Journal, Upserted};
use seedance_sdk::{Client, Provider, RetryPolicy, TaskHandle, WaitOptions};
use seedance_sim::{Sim, SimConfig};
use serde_json::json;
use tokio::task::JoinSet;

use self::{
    jobs::JobSpec,
    limits::Limits,
    report::{Outcome, Reporter},
    runner::{Clients, Context, PollPlan},
};
use super::{SIM_API_KEY, Server, client_builder, is_loopback, sim::task_duration};
use crate::{UsageError, args::parse_duration, text::printable};

/// `seedance batch`.
#[derive(Debug, Args)]
#[command(after_long_help = BATCH_HELP)]
pub(crate) struct BatchArgs {
    /// The jobs file: one JSON request per line, as `seedance schema` describes, plus optional
    /// `id` (default: the line number), `provider` and `output` (default: <OUT>/<ID>.mp4).
    /// Local images and audio are allowed as {"path": "..."}, relative to the jobs file.
    pub(crate) jobs: PathBuf,
    /// The directory for the videos, their `<ID>.json` manifests and the journal.
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub(crate) out: PathBuf,
    /// The provider of every line that names none.
    #[arg(long, value_enum)]
    pub(crate) provider: Option<Provider>,
    /// Tasks in flight per provider, from submit to the end of the task [default: ark 3,
    /// others 5].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub(crate) concurrency: Option<u32>,
    /// Submits per minute per provider; polls are not metered, but a 429 on any request
    /// pauses all of the provider's jobs [default: ark 180, others 60].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub(crate) rpm: Option<u32>,
    /// The journal [default: <OUT>/seedance-batch.sqlite].
    #[arg(long, value_name = "FILE")]
    pub(crate) journal: Option<PathBuf>,
    /// Submit again the jobs whose earlier submit has an unknown outcome and no task to adopt
    /// (a task may then be paid twice: check the provider's console first).
    #[arg(long)]
    pub(crate) resubmit_unknown: bool,
    /// Record the task you found in the provider's console as job ID's, for a job that needs
    /// attention (checked with a status request first); repeatable.
    #[arg(long, value_name = "ID=TASK_ID", value_parser = parse_adopt)]
    pub(crate) adopt: Vec<(String, String)>,
    /// How long this run waits for one task before leaving it for the next run (90s, 10m, 1h)
    /// [default: 30m].
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub(crate) timeout: Option<Duration>,
    /// Run against a simulator started in this process (no API key or network needed).
    #[arg(long)]
    pub(crate) sim: bool,
    /// Print one JSON event per line on stdout instead of progress lines on stderr.
    #[arg(long)]
    pub(crate) json: bool,
}

/// The end of `seedance batch --help`: the defaults and what a rerun does.
const BATCH_HELP: &str = "\
Limits: ark defaults to 3 tasks in flight and 180 submits a minute, its published limits for \
Seedance 2.0 on an individual account; modellix, jiekou and odkkk publish none and default to 5 \
and 60. Submits to one provider go one at a time, so a run killed mid-submit leaves at most one \
job per provider whose task must be found.

Run the same command again at any time: downloaded jobs are skipped (a missing file is \
downloaded again), tasks in flight are waited for, and nothing is submitted twice. A job whose \
submit outcome is unknown is settled from ark's task list, or else reported with the time window \
to check in the provider's console; --adopt ID=TASK_ID records the task you found there as \
that job's (after a status request shows the provider knows it), and only --resubmit-unknown \
submits it again. On ark, a job that leaves execution_expires_after unset is sent with a random \
value up to an hour under ark's 48 h default: the mark by which its task is recognised in ark's \
task list among other clients' tasks of the same account.

Exit codes: 0 when every job succeeded; 1 when any failed, needs attention or is unfinished; \
2 when the jobs file or a flag is invalid (nothing is sent).";

/// Runs `seedance batch`.
pub(crate) async fn run(args: BatchArgs) -> Result<()> {
    let text = std::fs::read_to_string(&args.jobs).map_err(|err| {
        UsageError(format!(
            "cannot read the jobs file {} ({err})",
            printable(&args.jobs.display().to_string())
        ))
    })?;
    let specs = match jobs::load(&args.jobs, &text, &args.out, args.provider).await {
        Ok(specs) => specs,
        Err(errors) => {
            for error in &errors {
                eprintln!("{}: {error}", printable(&args.jobs.display().to_string()));
            }
            return Err(UsageError(format!(
                "{} invalid line(s) in {}; nothing was sent",
                errors.len(),
                printable(&args.jobs.display().to_string())
            ))
            .into());
        }
    };
    let mut providers: Vec<Provider> = specs.iter().map(|spec| spec.provider).collect();
    providers.sort_unstable();
    providers.dedup();
    let sim = if args.sim {
        Some(start_sim().await?)
    } else {
        None
    };
    let clients = providers
        .iter()
        .map(|provider| Ok((*provider, clients(*provider, sim.as_ref())?)))
        .collect::<Result<_>>()?;
    std::fs::create_dir_all(&args.out).map_err(|err| {
        UsageError(format!(
            "cannot create the output directory {} ({err})",
            printable(&args.out.display().to_string())
        ))
    })?;
    let journal_path = args
        .journal
        .clone()
        .unwrap_or_else(|| args.out.join("seedance-batch.sqlite"));
    let journal = Journal::open(&journal_path)?;
    let report = Reporter::new(args.json, specs.len());
    let loopback = sim.is_some()
        || providers.iter().all(|provider| {
            std::env::var(provider.base_url_env()).is_ok_and(|url| is_loopback(&url))
        });
    let context = Arc::new(Context {
        journal: Arc::new(journal),
        clients,
        limits: Limits::new(
            providers.iter().copied(),
            args.concurrency.map(|n| n as usize),
            args.rpm,
        ),
        report: report.clone(),
        resubmit_unknown: args.resubmit_unknown,
        adopt: args.adopt.iter().cloned().collect(),
        poll: poll_plan(args.timeout, loopback),
    });
    let queued = enqueue(&context, specs).await?;
    check_adopt(&args.adopt, &queued)?;
    let order: BTreeMap<String, usize> = queued
        .iter()
        .map(|(spec, _)| (spec.id.clone(), spec.line))
        .collect();
    let mut running: JoinSet<Result<Vec<(String, Outcome)>>> = JoinSet::new();
    let mut outcomes = Vec::new();
    let mut pending: BTreeMap<Provider, Vec<(JobSpec, Job)>> = BTreeMap::new();
    for (spec, job) in queued {
        // Jobs left submitting are settled before anything else is sent (they come first).
        let (job, settled) = runner::settle(context.clone(), &spec, job).await?;
        if let Some(outcome) = settled {
            context.report.done();
            outcomes.push((spec.id.clone(), outcome));
        } else if matches!(job.state, JobState::Pending) {
            pending.entry(spec.provider).or_default().push((spec, job));
        } else {
            let context = context.clone();
            running.spawn(async move {
                let id = spec.id.clone();
                Ok(vec![(
                    id,
                    runner::run(context, spec, job, (None, None)).await,
                )])
            });
        }
    }
    for (provider, jobs) in pending {
        running.spawn(dispatch(context.clone(), provider, jobs));
    }
    while let Some(done) = running.join_next().await {
        outcomes.extend(done.context("a job's task panicked")??);
    }
    outcomes.sort_by_key(|(id, _)| order.get(id).copied());
    report.summary(&outcomes);
    drop(sim);
    let failed = outcomes
        .iter()
        .filter(|(_, outcome)| *outcome != Outcome::Succeeded)
        .count();
    if failed > 0 {
        bail!(
            "{failed} of {} jobs did not succeed; the journal {} keeps every task, so running the same command again continues",
            outcomes.len(),
            printable(&journal_path.display().to_string())
        );
    }
    Ok(())
}

/// Starts the pending jobs of `provider` in file order, each once it has a place among the
/// provider's tasks in flight, so a long jobs file does not wait as thousands of tasks.
/// `--adopt ID=TASK_ID`: an id and a task id, both non-empty and printable.
fn parse_adopt(text: &str) -> Result<(String, String), String> {
    let (id, task_id) = text.split_once('=').ok_or_else(|| {
        format!(
            "expected ID=TASK_ID (a job id and a task id), got `{}`",
            printable(text)
        )
    })?;
    let (id, task_id) = (id.trim(), task_id.trim());
    let plausible =
        |text: &str| !text.is_empty() && text.len() <= 200 && !text.chars().any(char::is_control);
    if !plausible(id) || !plausible(task_id) {
        return Err(format!(
            "expected ID=TASK_ID with a job id and a task id of 1 to 200 printable characters, got `{}`",
            printable(text)
        ));
    }
    Ok((id.to_owned(), task_id.to_owned()))
}

/// Every `--adopt` names a job of the file whose submit outcome is unknown, once: anything else
/// is a mistake to report before a request is sent.
fn check_adopt(adopt: &[(String, String)], queued: &[(JobSpec, Job)]) -> Result<()> {
    let mut seen = std::collections::BTreeSet::new();
    for (id, task_id) in adopt {
        if !seen.insert(id) {
            return Err(UsageError(format!("--adopt names job {} twice", printable(id))).into());
        }
        let Some((_, job)) = queued.iter().find(|(spec, _)| spec.id == *id) else {
            return Err(UsageError(format!(
                "--adopt {}={}: the jobs file has no job {}",
                printable(id),
                printable(task_id),
                printable(id)
            ))
            .into());
        };
        if !matches!(
            job.state,
            JobState::Submitting { .. } | JobState::NeedsAttention { .. }
        ) {
            return Err(UsageError(format!(
                "--adopt {}={}: job {} is {}, not waiting for its task to be found; allowed: a \
                 job that needs attention or whose submit outcome is unknown",
                printable(id),
                printable(task_id),
                printable(id),
                job.state.kind()
            ))
            .into());
        }
    }
    Ok(())
}

async fn dispatch(
    context: Arc<Context>,
    provider: Provider,
    jobs: Vec<(JobSpec, Job)>,
) -> Result<Vec<(String, Outcome)>> {
    let limits = context.limits.of(provider);
    let mut running = JoinSet::new();
    for (spec, job) in jobs {
        let permit = limits.in_flight().await;
        // Taken here, in file order; the job gives it back once its submit is settled.
        let slot = limits.submit_slot().await;
        let context = context.clone();
        running.spawn(async move {
            let id = spec.id.clone();
            (
                id,
                runner::run(context, spec, job, (Some(permit), Some(slot))).await,
            )
        });
    }
    let mut outcomes = Vec::new();
    while let Some(done) = running.join_next().await {
        outcomes.push(done.context("a job's task panicked")?);
    }
    Ok(outcomes)
}

/// Adds every job to the journal (a rerun finds its jobs as they were left), reports the jobs
/// whose line changed since an earlier run, and orders the jobs so that tasks already in flight
/// take their places among the provider's tasks in flight before new submits do.
async fn enqueue(
    context: &Arc<Context>,
    specs: Vec<JobSpec>,
) -> Result<Vec<(JobSpec, seedance_journal::Job)>> {
    let journal = context.journal.clone();
    let report = context.report.clone();
    let queued = tokio::task::spawn_blocking(move || -> Result<Vec<_>> {
        let mut queued = Vec::new();
        for spec in specs {
            let request_json =
                serde_json::to_string(&spec.request).context("a request serializes")?;
            let upserted = journal.upsert_pending(
                &spec.key,
                spec.provider.as_str(),
                spec.request.model.as_str(),
                &request_json,
                &spec.output.display().to_string(),
            )?;
            if let Upserted::Inserted(_) = &upserted {
                for earlier in journal.jobs_for_id(&spec.id)? {
                    if earlier.key == spec.key {
                        continue;
                    }
                    let task = earlier
                        .handle_json
                        .as_deref()
                        .and_then(|text| text.parse::<TaskHandle>().ok())
                        .map(|handle| handle.task_id);
                    let detail = match &task {
                        Some(task_id) => format!(
                            "job {} changed since the last run: the earlier task {task_id} ({}) is kept in the journal",
                            spec.id,
                            earlier.state.kind()
                        ),
                        None => format!(
                            "job {} changed since the last run: its earlier version ({}, never submitted) is kept in the journal",
                            spec.id,
                            earlier.state.kind()
                        ),
                    };
                    report.job(
                        &spec.id,
                        "changed",
                        &detail,
                        json!({"earlier_task_id": task, "earlier_state": earlier.state.kind()}),
                    );
                }
            }
            queued.push((spec, upserted.into_job()));
        }
        Ok(queued)
    })
    .await
    .context("the journal thread panicked")??;
    let mut queued = queued;
    // Stable: unknown outcomes first (settled before any submit), then tasks in flight (they
    // take their places among the tasks in flight before new submits), then file order.
    queued.sort_by_key(|(_, job)| match job.state {
        JobState::Submitting { .. } => 0,
        JobState::Submitted { .. } => 1,
        _ => 2,
    });
    Ok(queued)
}

/// The clients of `provider`: the simulator's, or from the environment (key, base URL).
fn clients(provider: Provider, sim: Option<&Sim>) -> Result<Clients> {
    let builder = match sim {
        Some(sim) => Client::builder(provider)
            .api_key(SIM_API_KEY)
            .base_url(sim.base_url(provider.as_str())),
        None => client_builder(provider, Server::default(), None, |name| {
            std::env::var(name).ok()
        })?,
    };
    Ok(Clients {
        api: builder.clone().retry_policy(RetryPolicy::none()).build()?,
        download: builder.build()?,
    })
}

/// Polls as `generate` does: faster against a simulator on this machine.
fn poll_plan(timeout: Option<Duration>, loopback: bool) -> PollPlan {
    let defaults = WaitOptions::default();
    let (initial, max) = if loopback {
        (Duration::from_millis(200), Duration::from_secs(1))
    } else {
        (defaults.initial_interval, defaults.max_interval)
    };
    PollPlan {
        initial,
        max,
        timeout: timeout.unwrap_or(defaults.timeout),
    }
}

/// The in-process simulator; tasks take `SEEDANCE_SIM_TASK_SECONDS` (default 3 s).
async fn start_sim() -> Result<Sim> {
    let seconds = match std::env::var("SEEDANCE_SIM_TASK_SECONDS") {
        Ok(text) => {
            let seconds = text.trim().parse::<f64>().unwrap_or(f64::NAN);
            task_duration(seconds, &format!("SEEDANCE_SIM_TASK_SECONDS {text:?}"))?
        }
        Err(_) => Duration::from_secs(3),
    };
    let config = SimConfig {
        task_duration: seconds,
        ..SimConfig::default()
    };
    Sim::start(config)
        .await
        .context("cannot start the simulator; check that a local port can be bound")
}
