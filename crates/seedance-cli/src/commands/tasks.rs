//! `seedance cancel`, `delete` and `list`, and the search for the tasks a submit with an
//! unknown outcome may have created (providers that can list tasks: ark).

use anyhow::Result;
use futures_util::StreamExt;
use seedance_sdk::{
    Client, ListFilter, Provider, TaskHandle, TaskOperation, TaskSummary, VideoRequest,
};

use super::{Server, client, resume::resume};
use crate::{
    args::{HandleArgs, ListArgs},
    output,
    text::printable,
};

/// How far before the recorded submit time a task created by that submit may be stamped (the
/// provider's clock and ours differ).
const CLOCK_SLACK_SECONDS: u64 = 10;

/// Runs `seedance cancel`.
pub(crate) async fn cancel(args: HandleArgs) -> Result<()> {
    let (handle, client) = resume(&args.handle, &args.server)?;
    client.cancel(&handle).await?;
    output::task_done(&handle, "cancelled", args.print.json);
    Ok(())
}

/// Runs `seedance delete`.
pub(crate) async fn delete(args: HandleArgs) -> Result<()> {
    let (handle, client) = resume(&args.handle, &args.server)?;
    client.delete(&handle).await?;
    output::task_done(&handle, "deleted", args.print.json);
    Ok(())
}

/// Runs `seedance list`.
pub(crate) async fn list(args: ListArgs) -> Result<()> {
    let client = client(args.provider, Server::from(&args.server), None)?;
    let mut filter = ListFilter::default().task_ids(args.task_id.iter().cloned());
    filter.status = args.status;
    filter.model = args.model;
    filter.model_id = args.model_id.clone();
    filter.limit = args.limit;
    let tasks = client.list(filter);
    let mut tasks = std::pin::pin!(tasks);
    let mut found: Vec<TaskSummary> = Vec::new();
    while let Some(task) = tasks.next().await {
        let task = task?;
        if !args.print.json {
            output::listed(&task);
        }
        found.push(task);
    }
    if args.print.json {
        output::list_json(args.provider, &found);
    } else if found.is_empty() {
        eprintln!("no tasks (ark lists the tasks of the last 7 days only)");
    }
    Ok(())
}

/// The tasks `request` may have created when its submit's outcome is unknown: the provider's
/// tasks of that model and parameters created from shortly before `submitted_at` until now. `None` when the
/// provider cannot list tasks, or the listing failed (with a warning).
pub(crate) async fn submitted_candidates(
    client: &Client,
    request: &VideoRequest,
    submitted_at: u64,
) -> Option<Vec<TaskHandle>> {
    if !TaskOperation::List
        .supported_by()
        .contains(&client.provider())
    {
        return None;
    }
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let since = submitted_at.saturating_sub(CLOCK_SLACK_SECONDS);
    match client
        .find_submitted(request, since, now.max(submitted_at))
        .await
    {
        Ok(tasks) => Some(tasks.into_iter().map(|task| task.handle).collect()),
        Err(err) => {
            eprintln!(
                "warning: could not list the tasks this submit may have created: {}",
                printable(&format!("{err:#}"))
            );
            None
        }
    }
}

/// Tells, on stderr, which tasks a submit with an unknown outcome may have created and how to
/// adopt one.
pub(crate) fn print_candidates(provider: Provider, handles: &[TaskHandle], insecure: bool) {
    if handles.is_empty() {
        eprintln!(
            "note: {provider} lists no task of this model and these parameters created since the \
             submit; if none appears with `seedance list --provider {provider}` in a minute, \
             submitting again is safe"
        );
        return;
    }
    eprintln!(
        "note: {provider} has {} task(s) of this model and these parameters created since the \
         submit; adopt the one this submit created instead of submitting again (and paying twice):",
        handles.len()
    );
    for handle in handles {
        eprintln!("  {}", super::resume::resume_command(handle, insecure));
    }
}
