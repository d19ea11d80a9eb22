//! One job's way through the journal: pending -> submitting -> submitted -> finished ->
//! downloaded, resumed from wherever a previous run stopped.
//!
//! The journal is the only memory: every step reads the job's state, does the one thing that
//! state calls for, and records the result before the next step, so the process can be killed
//! between any two steps and a rerun continues from the last committed state.

use std::{path::Path, sync::Arc, time::Duration};

use anyhow::{Context as _, Result};
use seedance_journal::{Job, JobKey, JobState, Journal, SubmitIntent};
use seedance_sdk::{Client, Error, PlacedPolls, Provider, TaskHandle, TaskStatus, Video};
use serde_json::json;
use tokio::sync::OwnedSemaphorePermit;

use super::{
    jobs::JobSpec,
    limits::{Limits, ProviderLimits, SubmitSlot},
    manifest,
    report::{Outcome, Reporter},
};
use crate::{
    history::{HistoryKey, estimate_in, record_in},
    progress::describe,
};

/// How far before the committed intent a task of the job may be stamped: the provider's clock
/// and ours differ.
pub(super) const CLOCK_SLACK_SECONDS: i64 = 5;

/// Transient failures (network, 5xx) in a row after which a job stops for this run.
const MAX_TRANSIENT_ERRORS: u32 = 8;

/// The clients of one provider.
#[derive(Debug, Clone)]
pub(crate) struct Clients {
    /// Submits and polls, without the facade's retries, so that every 429 reaches the shared
    /// limits instead of being waited out by one job alone.
    pub(crate) api: Client,
    /// Downloads, with the facade's retries and resumption.
    pub(crate) download: Client,
}

/// How polls are spaced.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PollPlan {
    /// The first interval.
    pub(crate) initial: Duration,
    /// The longest interval.
    pub(crate) max: Duration,
    /// How long one run waits for a task before leaving it for the next run.
    pub(crate) timeout: Duration,
}

/// What every job of a run shares.
#[derive(Debug)]
pub(crate) struct Context {
    pub(crate) journal: Arc<Journal>,
    pub(crate) clients: std::collections::BTreeMap<Provider, Clients>,
    pub(crate) limits: Limits,
    pub(crate) report: Reporter,
    pub(crate) resubmit_unknown: bool,
    /// The task to adopt for a job whose submit outcome is unknown, by job id (`--adopt`).
    pub(crate) adopt: std::collections::BTreeMap<String, String>,
    pub(crate) poll: PollPlan,
}

impl Context {
    /// Runs `call` on the journal on a blocking thread (each commit waits for an fsync).
    pub(super) async fn journal<T: Send + 'static>(
        &self,
        call: impl FnOnce(&Journal) -> seedance_journal::Result<T> + Send + 'static,
    ) -> Result<T> {
        let journal = self.journal.clone();
        let result = tokio::task::spawn_blocking(move || call(&journal))
            .await
            .context("a journal call panicked")?;
        Ok(result?)
    }
}

/// Runs `spec` from `job`, its state in the journal, to an outcome for this run.
/// `permit` is the job's place among its provider's tasks in flight and `slot` its turn to
/// submit, when the caller took them.
pub(crate) async fn run(
    context: Arc<Context>,
    spec: JobSpec,
    job: Job,
    (permit, slot): (Option<OwnedSemaphorePermit>, Option<SubmitSlot>),
) -> Outcome {
    let id = spec.id.clone();
    let mut runner = Runner::new(context.clone(), spec);
    runner.permit = permit;
    runner.slot = slot;
    let outcome = match runner.drive(job).await {
        Ok(outcome) => outcome,
        Err(err) => {
            let reason = format!("{err:#}");
            context
                .report
                .job(&id, "error", &reason, json!({"reason": reason}));
            Outcome::Unfinished(reason)
        }
    };
    context.report.done();
    outcome
}

/// Settles a job an earlier run left submitting, before any new submit of its provider (the
/// caller runs these first, one at a time): the job as it is now, and its outcome for this run
/// when it goes no further (needs attention, or the listing failed).
pub(crate) async fn settle(
    context: Arc<Context>,
    spec: &JobSpec,
    job: Job,
) -> Result<(Job, Option<Outcome>)> {
    let JobState::Submitting { since } = job.state else {
        return Ok((job, None));
    };
    let mut runner = Runner::new(context.clone(), spec.clone());
    let until = context.journal.now();
    match runner.reconcile(since - CLOCK_SLACK_SECONDS, until).await? {
        Ok(job) => Ok((job, None)),
        Err(outcome) => Ok((job, Some(outcome))),
    }
}

pub(super) struct Runner {
    pub(super) context: Arc<Context>,
    pub(super) spec: JobSpec,
    pub(super) clients: Clients,
    pub(super) limits: Arc<ProviderLimits>,
    /// This job's place among the provider's tasks in flight, from the submit to the end.
    permit: Option<OwnedSemaphorePermit>,
    /// Its turn to submit, when the dispatcher took it in file order.
    slot: Option<SubmitSlot>,
}

impl Runner {
    fn new(context: Arc<Context>, spec: JobSpec) -> Self {
        let clients = context
            .clients
            .get(&spec.provider)
            .cloned()
            .expect("a client exists for every provider of the jobs file");
        let limits = context.limits.of(spec.provider);
        Self {
            context,
            spec,
            clients,
            limits,
            permit: None,
            slot: None,
        }
    }

    pub(super) fn key(&self) -> JobKey {
        self.spec.key.clone()
    }

    pub(super) fn event(&self, kind: &str, detail: &str, fields: serde_json::Value) {
        self.context.report.job(&self.spec.id, kind, detail, fields);
    }

    async fn drive(&mut self, mut job: Job) -> Result<Outcome> {
        loop {
            job = match &job.state {
                JobState::Pending => match self.submit().await? {
                    Ok(job) => job,
                    Err(outcome) => return Ok(outcome),
                },
                JobState::Submitting { since } => {
                    let until = self.context.journal.now();
                    match self.reconcile(*since - CLOCK_SLACK_SECONDS, until).await? {
                        Ok(job) => job,
                        Err(outcome) => return Ok(outcome),
                    }
                }
                JobState::NeedsAttention { window, .. } => {
                    // A task named with --adopt wins over submitting again.
                    let adopting = self.context.adopt.contains_key(&self.spec.id);
                    if self.context.resubmit_unknown && !adopting {
                        let key = self.key();
                        self.event("resubmitting", "--resubmit-unknown", json!({}));
                        self.context
                            .journal(move |j| j.reset_to_pending(&key))
                            .await?
                    } else {
                        // The window closed when the job was marked: tasks created since
                        // belong to later submits.
                        match self.reconcile(window.0, window.1).await? {
                            Ok(job) => job,
                            Err(outcome) => return Ok(outcome),
                        }
                    }
                }
                JobState::Submitted { handle_json, .. } => {
                    let handle: TaskHandle = handle_json
                        .parse()
                        .context("the journal holds a handle this build cannot read")?;
                    match self.wait(&handle).await? {
                        Ok(job) => job,
                        Err(outcome) => return Ok(outcome),
                    }
                }
                JobState::Finished { video_json, .. } => {
                    let video: Video = serde_json::from_str(video_json)
                        .context("the journal holds a video this build cannot read")?;
                    return Ok(match self.download(&job, &video).await? {
                        Ok(_) => Outcome::Succeeded,
                        Err(outcome) => outcome,
                    });
                }
                JobState::Downloaded { path, bytes, .. } => {
                    let intact = std::fs::metadata(path).is_ok_and(|meta| meta.len() == *bytes);
                    if intact {
                        let manifest_path = manifest::path(Path::new(path));
                        if !manifest_path.exists() {
                            manifest::write(&job, Path::new(path), &self.facts(&job).await?)?;
                        }
                        self.event("skipped", "downloaded by an earlier run", json!({}));
                        return Ok(Outcome::Succeeded);
                    }
                    return self.redownload(&job).await;
                }
                JobState::Failed { reason, .. } => {
                    self.event("failed", reason, json!({"reason": reason}));
                    return Ok(Outcome::Failed(reason.clone()));
                }
            };
        }
    }

    /// pending -> submitting -> submitted: the intent is committed before the request leaves.
    async fn submit(&mut self) -> Result<Result<Job, Outcome>> {
        if self.permit.is_none() {
            self.permit = Some(self.limits.in_flight().await);
        }
        let limits = self.limits.clone();
        let _slot = match self.slot.take() {
            Some(slot) => slot,
            None => limits.submit_slot().await,
        };
        if let Some(reason) = limits.blocked() {
            let reason = format!("not submitted in this run: {reason}");
            self.event("unfinished", &reason, json!({"reason": reason}));
            return Ok(Err(Outcome::Unfinished(reason)));
        }
        limits.submit_token().await;
        let key = self.key();
        // Marked, where the provider lists tasks, so that a later run recognises this submit's
        // task among other clients' (the mark is committed with the intent).
        let tag = fresh_tag();
        let request = self.clients.api.tag_request(&self.spec.request, tag);
        let mut intent = match request {
            Some(_) => {
                self.context
                    .journal(move |j| j.begin_tagged_submit(&key, i64::from(tag)))
                    .await?
            }
            None => self.context.journal(move |j| j.begin_submit(&key)).await?,
        };
        let request = request.unwrap_or_else(|| self.spec.request.clone());
        self.event("submitting", "", json!({"attempt": intent.attempt}));
        let mut connect_errors = 0;
        loop {
            match self.clients.api.submit(&request).await {
                Ok(handle) => {
                    limits.calm();
                    return self.record_submitted(&handle, "submitted").await.map(Ok);
                }
                // Provably not accepted: sent again under the same intent, whose window starts
                // again with the new attempt.
                Err(err) if rate_limit(&err).is_some() => {
                    self.rate_limited(rate_limit(&err).flatten(), "submit");
                    limits.submit_token().await;
                    intent = self.renew_intent().await?;
                }
                Err(Error::Network { source, .. })
                    if source.is_connect() && connect_errors < MAX_TRANSIENT_ERRORS =>
                {
                    connect_errors += 1;
                    tokio::time::sleep(backoff(connect_errors)).await;
                    intent = self.renew_intent().await?;
                }
                Err(Error::OutcomeUnknown {
                    task_id: Some(task_id),
                    submitted_at,
                    ..
                }) => {
                    // A task id in an unreadable answer: the task exists and is paid for.
                    let handle = TaskHandle::new(
                        self.spec.provider,
                        self.clients.api.base_url(),
                        task_id,
                        submitted_at,
                    );
                    return self
                        .record_submitted(&handle, "submitted_unconfirmed")
                        .await
                        .map(Ok);
                }
                Err(err @ Error::OutcomeUnknown { task_id: None, .. }) => {
                    self.event("outcome_unknown", &format!("{err:#}"), json!({}));
                    // Settled while holding the submit slot, so that no other task of the
                    // provider is created in the window meanwhile.
                    let until = self.context.journal.now();
                    return self
                        .reconcile(intent.since - CLOCK_SLACK_SECONDS, until)
                        .await;
                }
                Err(err) => {
                    // Refused: nothing was created, so the job may be submitted by a later run.
                    let reason = format!("the submit was refused: {err:#}");
                    let key = self.key();
                    self.context
                        .journal(move |j| j.reset_to_pending(&key))
                        .await?;
                    self.event("refused", &reason, json!({"reason": reason}));
                    return Ok(Err(Outcome::Failed(reason)));
                }
            }
        }
    }

    async fn renew_intent(&self) -> Result<SubmitIntent> {
        let key = self.key();
        self.context.journal(move |j| j.renew_submit(&key)).await
    }

    async fn record_submitted(&self, handle: &TaskHandle, kind: &str) -> Result<Job> {
        let key = self.key();
        let text = handle.to_string();
        let job = self
            .context
            .journal(move |j| j.record_submitted(&key, &text))
            .await?;
        self.event(
            kind,
            &format!("task {}", handle.task_id),
            json!({"task_id": handle.task_id, "handle": handle}),
        );
        Ok(job)
    }

    fn rate_limited(&self, retry_after: Option<Duration>, during: &str) {
        let pause = self.limits.slow_down(retry_after);
        let provider = self.spec.provider;
        self.context.report.run_event(
            "rate_limited",
            &format!(
                "{provider} answered 429 to a {during}; every {provider} job pauses for {:.1} s",
                pause.as_secs_f64()
            ),
            json!({"provider": provider, "job": self.spec.id, "pause_ms": pause.as_millis() as u64}),
        );
    }

    /// submitted -> finished (or failed): polls until the task ends, within this run's timeout.
    async fn wait(&mut self, handle: &TaskHandle) -> Result<Result<Job, Outcome>> {
        if self.permit.is_none() {
            self.permit = Some(self.limits.in_flight().await);
        }
        let deadline = tokio::time::Instant::now() + self.context.poll.timeout;
        let mut interval = self.context.poll.initial;
        let mut errors = 0;
        let mut last = String::new();
        // With a history of tasks like this one, polls go around its expected finish instead of
        // backing off from the submit; past the expected window, the back-off resumes.
        let key = HistoryKey::new(self.spec.provider, &self.spec.request);
        let plan = self
            .context
            .journal(move |j| Ok(estimate_in(j, &key).ok().flatten()))
            .await?
            .map(|expected| PlacedPolls::new(expected, self.context.poll.initial));
        if let Some(plan) = &plan {
            let first = plan.first_delay(since_submit(handle));
            if tokio::time::Instant::now() + first <= deadline {
                tokio::time::sleep(first).await;
            }
        }
        loop {
            self.limits.unpaused().await;
            match self.clients.api.status(handle).await {
                Ok(status) => {
                    self.limits.calm();
                    errors = 0;
                    let state = status.state().map_or("unknown", |state| state.as_str());
                    if state != last && !status.is_terminal() {
                        let detail = describe(&status);
                        let detail = if detail == state {
                            String::new()
                        } else {
                            detail
                        };
                        self.event(state, &detail, json!({"task_id": handle.task_id}));
                        last = state.to_owned();
                    }
                    if let Some(done) = self.settle(handle, status).await? {
                        self.permit = None;
                        return Ok(done);
                    }
                }
                Err(err) if rate_limit(&err).is_some() => {
                    self.rate_limited(rate_limit(&err).flatten(), "status request");
                    continue;
                }
                Err(err) if err.is_retryable() && errors < MAX_TRANSIENT_ERRORS => errors += 1,
                Err(err) => {
                    let reason = format!("cannot read the task's status: {err:#}");
                    self.event("unfinished", &reason, json!({"reason": reason}));
                    return Ok(Err(Outcome::Unfinished(reason)));
                }
            }
            if tokio::time::Instant::now() + interval > deadline {
                let reason = format!(
                    "task {} was still running after {} s; run the same command again to keep waiting",
                    handle.task_id,
                    self.context.poll.timeout.as_secs()
                );
                self.event("unfinished", &reason, json!({"reason": reason}));
                return Ok(Err(Outcome::Unfinished(reason)));
            }
            match plan
                .as_ref()
                .and_then(|plan| plan.next_delay(since_submit(handle)))
            {
                Some(placed) => tokio::time::sleep(placed.max(backoff(errors))).await,
                None => {
                    tokio::time::sleep(interval.max(backoff(errors))).await;
                    interval = interval.mul_f64(1.5).min(self.context.poll.max);
                }
            }
        }
    }

    /// Records a terminal status; `None` while the task runs.
    async fn settle(
        &self,
        handle: &TaskHandle,
        status: TaskStatus,
    ) -> Result<Option<Result<Job, Outcome>>> {
        let key = self.key();
        match status.into_result(handle) {
            Ok(None) => Ok(None),
            Ok(Some(video)) => {
                let text = serde_json::to_string(&video).context("a video serializes")?;
                let job = self
                    .context
                    .journal(move |j| j.record_finished(&key, &text))
                    .await?;
                self.record_duration(&job).await;
                self.event("finished", "", json!({"task_id": handle.task_id}));
                Ok(Some(Ok(job)))
            }
            Err(err) => {
                let reason = format!("{err:#}");
                let text = reason.clone();
                self.context
                    .journal(move |j| j.record_failed(&key, &text))
                    .await?;
                self.event("failed", &reason, json!({"reason": reason}));
                Ok(Some(Err(Outcome::Failed(reason))))
            }
        }
    }

    /// The provider's id for the job's model, as its create body names it.
    pub(super) fn model_id(&self) -> Option<String> {
        self.clients.api.model_id(&self.spec.request)
    }

    /// What the manifest of `job` says beyond its journal row.
    pub(super) async fn facts(&self, job: &Job) -> Result<manifest::Facts> {
        let key = job.key.clone();
        let events = self.context.journal(move |j| j.events(&key)).await?;
        let adopted = events
            .iter()
            .any(|event| event.detail.as_deref() == Some("adopted"));
        let mark = job.submit_tag.and_then(|_| {
            let sent = serde_json::to_value(self.sent_request(job.submit_tag)).ok()?;
            let asked = serde_json::to_value(&self.spec.request).ok()?;
            let changed: serde_json::Map<_, _> = sent
                .as_object()?
                .iter()
                .filter(|(field, value)| asked.get(field.as_str()) != Some(*value))
                .map(|(field, value)| (field.clone(), value.clone()))
                .collect();
            (!changed.is_empty()).then_some(serde_json::Value::Object(changed))
        });
        Ok(manifest::Facts {
            model_id: self.model_id(),
            mark,
            adopted,
        })
    }

    /// Adds the task's time from submit intent to finish to the duration history.
    async fn record_duration(&self, job: &Job) {
        let (Some(since), Some(finished)) = (job.submit_since, job.finished_at) else {
            return;
        };
        let key = HistoryKey::new(self.spec.provider, &self.spec.request);
        let took = Duration::from_secs(u64::try_from(finished - since).unwrap_or(0));
        // The history only places polls: failing to record it must not fail the job.
        let _ = self
            .context
            .journal(move |j| Ok(record_in(j, &key, took).ok()))
            .await;
    }
}

/// For a 429 (typed, or as a provider error that kept its status), the wait it asked for.
fn rate_limit(err: &Error) -> Option<Option<Duration>> {
    match err {
        Error::RateLimited { retry_after, .. } => Some(*retry_after),
        Error::Provider(details) if details.status == Some(429) => Some(None),
        _ => None,
    }
}

/// 1 s, 2 s, 4 s ... up to 30 s; zero for no error.
fn backoff(errors: u32) -> Duration {
    if errors == 0 {
        return Duration::ZERO;
    }
    Duration::from_secs(1u64 << errors.min(5).saturating_sub(1)).min(Duration::from_secs(30))
}

/// The time since `handle`'s task was submitted, by the wall clock (`created_at` is unix
/// seconds, shared with the process that submitted it).
fn since_submit(handle: &TaskHandle) -> Duration {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs());
    Duration::from_secs(now.saturating_sub(handle.created_at))
}

/// A random mark for a submit. Not secret, only unlikely to repeat: the standard library's
/// per-process random hash keys, over the time.
fn fresh_tag() -> u32 {
    use std::hash::BuildHasher;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    // Truncation keeps 32 random bits.
    #[allow(clippy::cast_possible_truncation)]
    let tag = std::hash::RandomState::new().hash_one(now.as_nanos()) as u32;
    tag
}
