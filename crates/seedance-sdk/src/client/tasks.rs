//! Task operations beyond submit and status, for providers that have them: cancel, delete,
//! list, and finding the tasks a submit with an unknown outcome may have created.

use std::{
    collections::{HashSet, VecDeque},
    sync::atomic::{AtomicU32, Ordering},
};

use futures_util::{Stream, StreamExt};

use super::{
    Client,
    retry::{LogLevel, retry},
};
use crate::{
    error::{Error, Result, TaskOperation},
    providers::{self, ListQuery, ListedTask},
    request::{Model, ServiceTier, VideoRequest},
    task::{TaskHandle, TaskParameters, TaskState, TaskStatus, Video},
    text::bounded,
};

/// The page size [`Client::list`] asks for.
const PAGE_SIZE: u32 = 100;

/// The highest page number Ark accepts; past it a listing stops.
const MAX_PAGE: u32 = 500;

/// What [`Client::list`] returns: every filter is optional, and an unset one matches all tasks.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ListFilter {
    /// Only tasks in this state.
    pub status: Option<TaskState>,
    /// Only tasks of this model, under any of the ids the provider gives it (both of Seedance
    /// 1.0 Lite's, for example).
    pub model: Option<Model>,
    /// Only tasks of this model id or endpoint id, sent as is; not with `model`.
    pub model_id: Option<String>,
    /// Only these tasks.
    pub task_ids: Vec<String>,
    /// Only tasks of this tier.
    pub service_tier: Option<ServiceTier>,
    /// At most this many tasks.
    pub limit: Option<usize>,
}

impl ListFilter {
    /// Only tasks in `status`.
    #[must_use]
    pub fn status(mut self, status: TaskState) -> Self {
        self.status = Some(status);
        self
    }

    /// Only tasks of `model`.
    #[must_use]
    pub fn model(mut self, model: Model) -> Self {
        self.model = Some(model);
        self
    }

    /// Only tasks of the model id or endpoint id `id`.
    #[must_use]
    pub fn model_id(mut self, id: impl Into<String>) -> Self {
        self.model_id = Some(id.into());
        self
    }

    /// Only the tasks `ids`.
    #[must_use]
    pub fn task_ids<I: IntoIterator<Item = S>, S: Into<String>>(mut self, ids: I) -> Self {
        self.task_ids = ids.into_iter().map(Into::into).collect();
        self
    }

    /// Only tasks of `tier`.
    #[must_use]
    pub fn service_tier(mut self, tier: ServiceTier) -> Self {
        self.service_tier = Some(tier);
        self
    }

    /// At most `limit` tasks.
    #[must_use]
    pub fn limit(mut self, limit: usize) -> Self {
        self.limit = Some(limit);
        self
    }

    /// Whether a listed task matches the filters the provider was asked to apply; a reseller
    /// that ignores a filter does not widen the result.
    fn matches(&self, task: &ListedTask) -> bool {
        self.status
            .is_none_or(|status| task.status.state() == Some(status))
            && (self.task_ids.is_empty() || self.task_ids.contains(&task.task_id))
    }
}

/// A task as [`Client::list`] shows it.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct TaskSummary {
    /// Its handle, for [`Client::status`], [`Client::wait`], [`Client::cancel`] and the rest.
    /// `created_at` is the provider's creation time (0 when it gives none).
    pub handle: TaskHandle,
    /// Its status; a succeeded task carries its video.
    pub status: TaskStatus,
    /// The model id the provider reports.
    pub model_id: Option<String>,
    /// When the provider created it, unix seconds.
    pub created_at: Option<u64>,
    /// What it was asked for, as far as the provider's list says.
    pub parameters: TaskParameters,
}

impl TaskSummary {
    /// The video of a succeeded task.
    pub fn video(&self) -> Option<&Video> {
        match &self.status {
            TaskStatus::Succeeded(video) => Some(video),
            _ => None,
        }
    }
}

/// Whether `err` is the provider refusing the operation for the task's state (Ark: 400 for a
/// running or cancelled task; 409 elsewhere), as opposed to a failure to ask.
fn refused(err: &Error) -> bool {
    match err {
        Error::BadRequest { .. } => true,
        Error::Provider(details) => details.status == Some(409),
        _ => false,
    }
}

impl Client {
    fn require(&self, operation: TaskOperation) -> Result<()> {
        if providers::supports(self.provider, operation) {
            Ok(())
        } else {
            Err(Error::Unsupported {
                provider: self.provider,
                operation,
            })
        }
    }

    /// Cancels a queued task, so that it never runs (and is not billed).
    ///
    /// The status is read first: a task that already ended is not touched (on Ark, the same
    /// request would delete its record; use [`Client::delete`] for that), and one already
    /// cancelled is `Ok`. Otherwise the provider is asked once (a network failure is retried,
    /// which is safe: a retry after a cancel that went through finds the task cancelled, which
    /// is success). Whether a running task can be cancelled is the provider's decision; Ark
    /// refuses, which is [`Error::NotCancellable`], never retried.
    ///
    /// # Errors
    ///
    /// [`Error::Unsupported`] before any request for providers without a cancel endpoint (all
    /// but Ark); [`Error::NotCancellable`] for a task that is running or has ended; provider
    /// errors as typed variants.
    pub async fn cancel(&self, handle: &TaskHandle) -> Result<()> {
        self.check_handle(handle)?;
        self.require(TaskOperation::Cancel)?;
        let status = self.status(handle).await?;
        match status {
            TaskStatus::Cancelled => return Ok(()),
            ref ended if ended.is_terminal() => {
                return Err(not_possible(handle, TaskOperation::Cancel, Some(ended)));
            }
            _ => {}
        }
        let result = retry(
            &self.retry,
            "cancel",
            LogLevel::Debug,
            Error::is_retryable,
            || self.api.cancel(&handle.task_id),
        )
        .await;
        match result {
            Ok(()) => Ok(()),
            Err(err) if refused(&err) => match self.status(handle).await {
                // Cancelled by this call's earlier attempt, or by someone else meanwhile.
                Ok(TaskStatus::Cancelled) => Ok(()),
                Ok(status) => Err(not_possible(handle, TaskOperation::Cancel, Some(&status))),
                Err(_) => Err(not_possible(handle, TaskOperation::Cancel, None)),
            },
            Err(err) => Err(err),
        }
    }

    /// Deletes the task's record, with the provider's semantics: on Ark, a finished task
    /// (succeeded, failed or expired) is deleted and no longer found; a **queued task is
    /// cancelled** instead (its record stays, as `cancelled`, until Ark removes it after
    /// 24 h); a running or cancelled task is refused ([`Error::NotCancellable`]).
    ///
    /// The request is sent without reading the status first. A network failure is retried
    /// (the operation is idempotent): a retry that finds the task gone, or cancelled, reports
    /// success.
    ///
    /// # Errors
    ///
    /// [`Error::Unsupported`] before any request for providers without a delete endpoint;
    /// [`Error::NotCancellable`] for a task whose state forbids it; [`Error::NotFound`] for a
    /// task that does not exist (any more); provider errors as typed variants.
    pub async fn delete(&self, handle: &TaskHandle) -> Result<()> {
        self.check_handle(handle)?;
        self.require(TaskOperation::Delete)?;
        let attempts = AtomicU32::new(0);
        let result = retry(
            &self.retry,
            "delete",
            LogLevel::Debug,
            Error::is_retryable,
            || {
                attempts.fetch_add(1, Ordering::Relaxed);
                self.api.delete(&handle.task_id)
            },
        )
        .await;
        let retried = attempts.load(Ordering::Relaxed) > 1;
        match result {
            Ok(()) => Ok(()),
            // An earlier attempt deleted it.
            Err(Error::NotFound { .. }) if retried => Ok(()),
            Err(err) if refused(&err) => match self.status(handle).await {
                Ok(TaskStatus::Cancelled) if retried => Ok(()),
                Err(Error::NotFound { .. }) if retried => Ok(()),
                Ok(status) => Err(not_possible(handle, TaskOperation::Delete, Some(&status))),
                Err(_) => Err(not_possible(handle, TaskOperation::Delete, None)),
            },
            Err(err) => Err(err),
        }
    }

    /// Every task matching `filter`, newest first as the provider orders them, page by page
    /// (100 a page; each page retried like a status). The stream ends after `filter.limit`
    /// tasks, after the provider's `total`, or at an empty page; a task seen on an earlier page
    /// (pages shift while tasks are created) is not repeated.
    ///
    /// Ark keeps tasks listable for **7 days** only (`[now - 7 d, now)`); older tasks are not
    /// listed even if their handles still work for a while.
    ///
    /// # Errors
    ///
    /// The stream yields [`Error::Unsupported`] before any request for providers without a
    /// list endpoint (all but Ark), [`Error::InvalidOptions`] for `model` together with
    /// `model_id`, and the error of a page that failed after retries; then it ends.
    pub fn list(&self, filter: ListFilter) -> impl Stream<Item = Result<TaskSummary>> + '_ {
        let start = self.list_queries(&filter);
        let (queries, pending) = match start {
            Ok(queries) => (queries, None),
            Err(err) => (VecDeque::new(), Some(err)),
        };
        let state = Listing {
            filter,
            queries,
            page: 1,
            counted: 0,
            buffer: VecDeque::new(),
            seen: HashSet::new(),
            yielded: 0,
            pending,
            last_request: None,
        };
        futures_util::stream::unfold(state, move |mut state| async move {
            loop {
                if let Some(err) = state.pending.take() {
                    state.queries.clear();
                    state.buffer.clear();
                    return Some((Err(err), state));
                }
                if state
                    .filter
                    .limit
                    .is_some_and(|limit| state.yielded >= limit)
                {
                    return None;
                }
                if let Some(summary) = state.buffer.pop_front() {
                    state.yielded += 1;
                    return Some((Ok(summary), state));
                }
                let query = state.queries.front_mut()?;
                query.page_num = state.page;
                let query = query.clone();
                // Pages are paced to the provider's list rate, not sent back to back.
                if let Some(last) = state.last_request {
                    tokio::time::sleep_until(last + self.api.list_interval()).await;
                }
                state.last_request = Some(tokio::time::Instant::now());
                let page = retry(
                    &self.retry,
                    "list",
                    LogLevel::Debug,
                    Error::is_retryable,
                    || self.api.list(&query),
                )
                .await;
                let page = match page {
                    Ok(page) => page,
                    Err(err) => {
                        state.pending = Some(err);
                        continue;
                    }
                };
                let n_items = page.items.len() as u64;
                state.counted += n_items;
                for task in page.items {
                    if state.filter.matches(&task) && state.seen.insert(task.task_id.clone()) {
                        state.buffer.push_back(self.summary(task));
                    }
                }
                let pass_over = n_items == 0
                    || n_items < u64::from(query.page_size)
                    || page.total.is_some_and(|total| state.counted >= total)
                    || state.page >= MAX_PAGE;
                if pass_over {
                    state.queries.pop_front();
                    state.page = 1;
                    state.counted = 0;
                } else {
                    state.page += 1;
                }
            }
        })
    }

    /// The tasks that a submit of `request` may have created between `since` and `until`
    /// (unix seconds, inclusive), oldest first: those of its model (or of its `model_id`, as
    /// the submit sent it) created in the window whose listed parameters do not contradict it
    /// ([`TaskParameters::mismatch`]).
    ///
    /// After [`Error::OutcomeUnknown`], adopt the one task found (wait for it with its handle)
    /// instead of submitting again and paying twice. Call it with a window from a few seconds
    /// before the submit started to [`Client::submit_window`] after it (or now). Another
    /// client's task of the same model and parameters created in the window is listed too;
    /// a request marked with [`Client::tag_request`] before it was submitted tells them apart.
    ///
    /// # Errors
    ///
    /// [`Error::Unsupported`] before any request for providers that cannot list tasks (all
    /// but Ark); the error of a page that failed after retries.
    pub async fn find_submitted(
        &self,
        request: &VideoRequest,
        since: u64,
        until: u64,
    ) -> Result<Vec<TaskSummary>> {
        self.require(TaskOperation::List)?;
        let filter = match &request.model_id {
            Some(id) => ListFilter::default().model_id(id),
            None => ListFilter::default().model(request.model),
        };
        let tasks = self.list(filter);
        futures_util::pin_mut!(tasks);
        let mut found = Vec::new();
        while let Some(task) = tasks.next().await {
            let task = task?;
            let in_window = task
                .created_at
                .is_some_and(|at| (since..=until).contains(&at));
            if in_window && task.parameters.mismatch(request).is_none() {
                found.push(task);
            }
        }
        found.sort_by_key(|task| task.created_at);
        Ok(found)
    }

    /// One query per model id `filter` names (one without a model filter when it names none).
    fn list_queries(&self, filter: &ListFilter) -> Result<VecDeque<ListQuery>> {
        self.require(TaskOperation::List)?;
        let base = ListQuery {
            page_num: 1,
            page_size: PAGE_SIZE,
            status: filter.status,
            task_ids: filter.task_ids.clone(),
            model: None,
            service_tier: filter.service_tier,
        };
        let ids = match (&filter.model_id, filter.model) {
            (Some(_), Some(_)) => {
                return Err(Error::InvalidOptions {
                    option: "ListFilter::model_id",
                    message: "it names the model already; allowed: model or model_id, not both"
                        .into(),
                });
            }
            (Some(id), None) => vec![id.clone()],
            (None, Some(model)) => {
                let ids = self.api.model_ids(model);
                if ids.is_empty() {
                    return Err(Error::InvalidOptions {
                        option: "ListFilter::model",
                        message: format!(
                            "{} has no id for {model}; allowed: a model it sells, or model_id",
                            self.provider
                        ),
                    });
                }
                ids
            }
            (None, None) => return Ok(VecDeque::from([base])),
        };
        Ok(ids
            .into_iter()
            .map(|id| ListQuery {
                model: Some(id),
                ..base.clone()
            })
            .collect())
    }

    fn summary(&self, task: ListedTask) -> TaskSummary {
        TaskSummary {
            handle: TaskHandle {
                provider: self.provider,
                base_url: self.base_url.clone(),
                task_id: task.task_id,
                created_at: task.created_at.unwrap_or(0),
                estimated_seconds: None,
                usage: None,
            },
            status: task.status,
            model_id: task.model,
            created_at: task.created_at,
            parameters: task.parameters,
        }
    }
}

/// The state of [`Client::list`]'s stream.
struct Listing {
    filter: ListFilter,
    /// The passes still to make (one per model id), the current one first.
    queries: VecDeque<ListQuery>,
    page: u32,
    /// Items the provider returned in the current pass, matching or not.
    counted: u64,
    buffer: VecDeque<TaskSummary>,
    seen: HashSet<String>,
    yielded: usize,
    pending: Option<Error>,
    /// When the last page was asked for, to pace the next.
    last_request: Option<tokio::time::Instant>,
}

/// [`Error::NotCancellable`] for a task in `status` (`None`: unknown), with what to do instead.
fn not_possible(
    handle: &TaskHandle,
    operation: TaskOperation,
    status: Option<&TaskStatus>,
) -> Error {
    let state = status.and_then(TaskStatus::state);
    let hint = match (operation, state) {
        (_, Some(TaskState::Running)) => {
            "a running task can be neither cancelled nor deleted; wait for it to end"
        }
        (
            TaskOperation::Cancel,
            Some(TaskState::Succeeded | TaskState::Failed | TaskState::Expired),
        ) => {
            "only a queued task can be cancelled; to remove the record of a finished task, delete it"
        }
        (_, Some(TaskState::Cancelled)) => {
            "a cancelled task's record cannot be deleted; the provider removes it after 24 h"
        }
        _ => "the provider refused it for the task's current state",
    };
    let status = match status {
        Some(TaskStatus::Unknown { raw }) => bounded(raw),
        Some(status) => status.state().map_or("unknown", TaskState::as_str).into(),
        None => "in an unknown state".into(),
    };
    Error::NotCancellable {
        provider: handle.provider,
        task_id: bounded(&handle.task_id),
        operation,
        status,
        hint: hint.into(),
    }
}
