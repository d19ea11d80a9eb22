//! Settling a submit whose outcome is unknown (the answer was lost, or the process died between
//! the committed intent and the recorded handle): adopt the task from the provider's list,
//! where it has one, or the task a person names with `--adopt`, or leave the job for a person
//! with the exact window to check.

use std::collections::BTreeSet;

use anyhow::Result;
use seedance_journal::{Job, JobState};
use seedance_sdk::{Error, TaskHandle, TaskOperation, TaskSummary, VideoRequest};
use serde_json::json;

use super::{
    report::Outcome,
    runner::{CLOCK_SLACK_SECONDS, Runner},
};

impl Runner {
    /// A job whose submit outcome is unknown, whose task the provider may have created from
    /// `from` to `until` (unix seconds): adopted from the provider's task list where the
    /// provider has one, else left for a person to check, or submitted again with
    /// `--resubmit-unknown`.
    ///
    /// Only a task that can be this job's is adopted: created in the window, which ends when
    /// the submit could no longer have created anything (`Client::submit_window`), with the
    /// job's parameters and, where the provider echoes one, the mark the submit carried; not
    /// claimed by another job of the journal; and the only one. Submits of a provider are one
    /// at a time and an unknown outcome is settled before the next, so within one batch the
    /// only unclaimed task in the window is this job's; the parameters and the mark keep a task
    /// of another client on the same account from being taken for it. When the list cannot be
    /// read, the job stays submitting and the provider takes no new submit in this run.
    pub(super) async fn reconcile(
        &mut self,
        from: i64,
        until: i64,
    ) -> Result<Result<Job, Outcome>> {
        let key = self.key();
        let provider = self.spec.provider;
        let until = self.window_end(from, until);
        if let Some(task_id) = self.context.adopt.get(&self.spec.id).cloned() {
            return self.adopt_given(&task_id, from).await;
        }
        let lists = TaskOperation::List.supported_by().contains(&provider);
        let candidates = if lists {
            let tag = {
                let key = key.clone();
                self.context.journal(move |j| j.job(&key)).await?
            }
            .and_then(|job| job.submit_tag);
            let request = self.sent_request(tag);
            let found = self
                .clients
                .api
                .find_submitted(
                    &request,
                    u64::try_from(from).unwrap_or(0),
                    u64::try_from(until).unwrap_or(0),
                )
                .await;
            let found = match found {
                Ok(found) => found,
                Err(err) => {
                    let reason = format!(
                        "job {}'s submit has an unknown outcome and {provider}'s tasks cannot be \
                         listed to settle it: {err:#}; run again",
                        self.spec.id
                    );
                    self.limits.block(&reason);
                    self.event("unfinished", &reason, json!({"reason": reason}));
                    return Ok(Err(Outcome::Unfinished(reason)));
                }
            };
            // Tasks the journal already knows belong to other jobs.
            let known = self.known_task_ids().await?;
            let unknown: Vec<TaskSummary> = found
                .into_iter()
                .filter(|task| !known.contains(&task.handle.task_id))
                .collect();
            if let [task] = unknown.as_slice() {
                let marked = if tag.is_some() { " and its mark" } else { "" };
                let detail = format!(
                    "task {}: the only unclaimed {provider} task of this model created from \
                     {} to {until} with this job's parameters{marked}",
                    task.handle.task_id,
                    from.max(0)
                );
                return self
                    .adopt(
                        &task.handle,
                        &detail,
                        json!({"window": [from.max(0), until], "tag": tag}),
                    )
                    .await;
            }
            Some(unknown)
        } else {
            None
        };
        if self.context.resubmit_unknown && candidates.as_ref().is_none_or(Vec::is_empty) {
            self.event("resubmitting", "--resubmit-unknown", json!({}));
            let job = self
                .context
                .journal(move |j| j.reset_to_pending(&key))
                .await?;
            return Ok(Ok(job));
        }
        let window = format!("{} to {} (unix seconds, UTC)", from.max(0), until);
        let adopt = format!("--adopt {}=<task id>", self.spec.id);
        let reason = match &candidates {
            None => format!(
                "the submit's outcome is unknown and {provider} cannot list tasks: check \
                 {provider}'s console for a task created from {window}; if there is one, run \
                 again with {adopt}; if there is none, run again with --resubmit-unknown"
            ),
            Some(found) if found.is_empty() => format!(
                "the submit's outcome is unknown and {provider} lists no task of this model and \
                 these parameters created from {window}; if none appears, run again with \
                 --resubmit-unknown"
            ),
            Some(found) => format!(
                "the submit's outcome is unknown and {provider} lists {} unclaimed tasks of this \
                 model and these parameters created from {window}: {}; run again with {adopt} \
                 naming the right one",
                found.len(),
                found
                    .iter()
                    .map(|task| task.handle.task_id.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        self.needs_attention(reason, (from, until)).await
    }

    /// The task a person named with `--adopt ID=TASK_ID` for this job, checked with a status
    /// request before it is recorded: a typo must not become a job's task.
    async fn adopt_given(&mut self, task_id: &str, from: i64) -> Result<Result<Job, Outcome>> {
        let provider = self.spec.provider;
        let window = (from, self.context.journal.now());
        let known = self.known_task_ids().await?;
        if known.contains(task_id) {
            let reason = format!(
                "--adopt names task {task_id}, which the journal already records for another job; \
                 name this job's own task"
            );
            return self.needs_attention(reason, window).await;
        }
        let handle = TaskHandle::new(
            provider,
            self.clients.api.base_url(),
            task_id,
            u64::try_from(from + CLOCK_SLACK_SECONDS).unwrap_or(0),
        );
        match self.clients.api.status(&handle).await {
            Ok(_) => {
                let detail = format!("task {task_id}, named with --adopt");
                self.adopt(&handle, &detail, json!({"given": true})).await
            }
            Err(Error::NotFound { .. }) => {
                let reason = format!(
                    "--adopt names task {task_id}, which {provider} does not know; check the id \
                     in {provider}'s console"
                );
                self.needs_attention(reason, window).await
            }
            Err(err) => {
                let reason =
                    format!("cannot check task {task_id} named with --adopt: {err:#}; run again");
                self.event("unfinished", &reason, json!({"reason": reason}));
                Ok(Err(Outcome::Unfinished(reason)))
            }
        }
    }

    /// Records `handle` as this job's task; the journal's event says `adopted`.
    async fn adopt(
        &self,
        handle: &TaskHandle,
        detail: &str,
        fields: serde_json::Value,
    ) -> Result<Result<Job, Outcome>> {
        let key = self.key();
        let text = handle.to_string();
        let job = self.context.journal(move |j| j.adopt(&key, &text)).await?;
        let mut fields = fields;
        fields["task_id"] = json!(handle.task_id);
        fields["handle"] = json!(handle);
        self.event("adopted", detail, fields);
        Ok(Ok(job))
    }

    /// Leaves the job for a person, with `reason` and the window to check.
    async fn needs_attention(
        &self,
        reason: String,
        window: (i64, i64),
    ) -> Result<Result<Job, Outcome>> {
        let key = self.key();
        let current = self.context.journal(move |j| j.job(&key)).await?;
        if current.is_some_and(|job| matches!(job.state, JobState::Submitting { .. })) {
            let key = self.key();
            let text = reason.clone();
            self.context
                .journal(move |j| j.mark_needs_attention(&key, &text))
                .await?;
        }
        self.event(
            "needs_attention",
            &reason,
            json!({"reason": reason, "window": [window.0.max(0), window.1]}),
        );
        Ok(Err(Outcome::Attention(reason)))
    }

    /// The end of the window in which the submit that started at `from` (less the clock slack)
    /// can have created its task: no later than `until`, nor than the client's longest submit.
    fn window_end(&self, from: i64, until: i64) -> i64 {
        let longest = self
            .clients
            .api
            .submit_window()
            .and_then(|window| i64::try_from(window.as_secs()).ok())
            .map_or(until, |window| {
                from.saturating_add(2 * CLOCK_SLACK_SECONDS)
                    .saturating_add(window)
            });
        until.min(longest).max(from)
    }

    /// The request the job's submit sent: marked with `tag` when it carried one.
    pub(super) fn sent_request(&self, tag: Option<i64>) -> VideoRequest {
        tag.and_then(|tag| u32::try_from(tag).ok())
            .and_then(|tag| self.clients.api.tag_request(&self.spec.request, tag))
            .unwrap_or_else(|| self.spec.request.clone())
    }

    pub(super) async fn known_task_ids(&self) -> Result<BTreeSet<String>> {
        let provider = self.spec.provider.as_str().to_owned();
        let jobs = self.context.journal(|j| j.jobs()).await?;
        Ok(jobs
            .into_iter()
            .filter(|job| job.provider == provider)
            .filter_map(|job| job.handle_json)
            .filter_map(|text| text.parse::<TaskHandle>().ok())
            .map(|handle| handle.task_id)
            .collect())
    }
}
