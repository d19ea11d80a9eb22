//! Ark's task endpoints: retrieve, list, and the one `DELETE` that cancels a queued task or
//! deletes a finished task's record.

use seedance_ark::{Client, types};

use super::{
    PROVIDER,
    status::{api_error, map_page, map_status},
};
use crate::{
    error::Error,
    providers::{ListQuery, TaskPage, convert},
    task::{TaskState, TaskStatus},
};

/// The task's status.
pub(crate) async fn status(client: &Client, task_id: &str) -> Result<TaskStatus, Error> {
    match client.get_task().id(task_id).send().await {
        Ok(value) => map_status(task_id, value.into_inner()),
        Err(err) => Err(convert(PROVIDER, err, api_error).await),
    }
}

/// `DELETE .../tasks/{id}`: Ark cancels a queued task and deletes the record of a finished one;
/// it refuses a running or cancelled task (400). It documents no answer body: any 2xx is
/// success.
pub(crate) async fn delete(client: &Client, task_id: &str) -> Result<(), Error> {
    use progenitor_client::Error as P;
    match client.delete_task().id(task_id).send().await {
        Ok(_) => Ok(()),
        Err(P::UnexpectedResponse(response)) if response.status().is_success() => Ok(()),
        Err(err) => Err(convert(PROVIDER, err, api_error).await),
    }
}

/// One page of the task list.
pub(crate) async fn list(client: &Client, query: &ListQuery) -> Result<TaskPage, Error> {
    let mut call = client
        .list_tasks()
        .page_num(query.page_num.max(1))
        .page_size(query.page_size.max(1));
    if let Some(status) = query.status.and_then(status_filter) {
        call = call.filter_status(status);
    }
    if !query.task_ids.is_empty() {
        call = call.filter_task_ids(query.task_ids.clone());
    }
    if let Some(model) = &query.model {
        call = call.filter_model(model.clone());
    }
    if let Some(tier) = query.service_tier {
        call = call.filter_service_tier(match tier {
            crate::request::ServiceTier::Default => types::ServiceTier::Default,
            crate::request::ServiceTier::Flex => types::ServiceTier::Flex,
        });
    }
    match call.send().await {
        Ok(value) => Ok(map_page(value.into_inner())),
        Err(err) => Err(convert(PROVIDER, err, api_error).await),
    }
}

/// Ark's list filter for `state`; it cannot filter expired tasks, which the client then picks
/// out of the unfiltered list.
fn status_filter(state: TaskState) -> Option<types::StatusFilter> {
    Some(match state {
        TaskState::Queued => types::StatusFilter::Queued,
        TaskState::Running => types::StatusFilter::Running,
        TaskState::Succeeded => types::StatusFilter::Succeeded,
        TaskState::Failed => types::StatusFilter::Failed,
        TaskState::Cancelled => types::StatusFilter::Cancelled,
        TaskState::Expired => return None,
    })
}
