//! Settling a submit whose outcome is unknown (the answer was lost, or the process died between
//! the committed intent and the recorded handle): adopt the task from the provider's list,
//! where it has one, or leave the job for a person with the exact window to check.

use std::collections::BTreeSet;

use anyhow::Result;
use seedance_journal::{Job, JobState};
use seedance_sdk::{TaskHandle, TaskOperation};
use serde_json::json;

use super::{report::Outcome, runner::Runner};

impl Runner {
    /// A job whose submit outcome is unknown, whose task the provider may have created from
    /// `from` to `until` (unix seconds): adopted from the provider's task list where the
    /// provider has one, else left for a person to check, or submitted again with
    /// `--resubmit-unknown`.
    ///
    /// Submits of a provider are one at a time and an unknown outcome is settled before the
    /// next, so the only unclaimed task in the window is this job's. When the list cannot be
    /// read, the job stays submitting and the provider takes no new submit in this run.
    pub(super) async fn reconcile(
        &mut self,
        from: i64,
        until: i64,
    ) -> Result<Result<Job, Outcome>> {
        let key = self.key();
        let provider = self.spec.provider;
        let until = until.max(from);
        let lists = TaskOperation::List.supported_by().contains(&provider);
        let candidates = if lists {
            let found = self
                .clients
                .api
                .find_submitted(
                    self.spec.request.model,
                    self.spec.request.model_id.as_deref(),
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
            let unknown: Vec<TaskHandle> = found
                .into_iter()
                .filter(|handle| !known.contains(&handle.task_id))
                .collect();
            if let [handle] = unknown.as_slice() {
                let text = handle.to_string();
                let key = key.clone();
                let job = self.context.journal(move |j| j.adopt(&key, &text)).await?;
                self.event(
                    "adopted",
                    &format!(
                        "task {} found by listing {provider}'s tasks",
                        handle.task_id
                    ),
                    json!({"task_id": handle.task_id, "handle": handle}),
                );
                return Ok(Ok(job));
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
        let reason = match &candidates {
            None => format!(
                "the submit's outcome is unknown and {provider} cannot list tasks: check {provider}'s \
                 console for a task created from {window}; if there is none, run again with \
                 --resubmit-unknown"
            ),
            Some(found) if found.is_empty() => format!(
                "the submit's outcome is unknown and {provider} lists no task of this model created \
                 from {window}; if none appears, run again with --resubmit-unknown"
            ),
            Some(found) => format!(
                "the submit's outcome is unknown and {provider} lists {} unclaimed tasks of this model \
                 created from {window}: {}; adopt the right one with `seedance wait <handle>`",
                found.len(),
                found
                    .iter()
                    .map(|handle| handle.task_id.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
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
            json!({"reason": reason, "window": [from.max(0), until]}),
        );
        Ok(Err(Outcome::Attention(reason)))
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
