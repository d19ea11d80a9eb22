//! Ark's task object (retrieve and list) to the facade's [`TaskStatus`], and its error body
//! `{error: {code, message, param, type}}` to [`Error`].

use seedance_ark::types;

use super::PROVIDER;
use crate::{
    error::{Error, ProviderError},
    providers::{ListedTask, TaskPage, plausible_task_id, retry_after},
    task::{
        RESULT_URL_LIFETIME, TaskParameters, TaskStatus, Usage, Video, undocumented_status,
        unix_now,
    },
    text::bounded,
};

/// A documented error body. The code (`InvalidParameter`, `QuotaExceeded`, ...) leads the
/// message of the typed variants, which have no field for it; [`Error::Provider`] keeps it as
/// its `code`.
pub(crate) fn api_error(
    status: u16,
    headers: &reqwest::header::HeaderMap,
    body: types::ErrorResponse,
) -> Error {
    let error = body.error;
    let code = error
        .code
        .as_deref()
        .filter(|c| !c.trim().is_empty())
        .map(bounded);
    let text = error
        .message
        .as_deref()
        .filter(|m| !m.trim().is_empty())
        .unwrap_or("(Ark gave no message)");
    // `Error::Provider` shows the code on its own; the typed variants have no field for it.
    let typed = matches!(status, 400..=404 | 413 | 422 | 429);
    let message = match &code {
        Some(code) if typed => bounded(&format!("{code}: {text}")),
        _ => bounded(text),
    };
    let param = error
        .param
        .as_deref()
        .filter(|p| !p.trim().is_empty())
        .map(bounded);
    match code.as_deref() {
        Some("AccountOverdueError" | "OperationDenied.ServiceOverdue") => {
            Error::InsufficientQuota {
                provider: PROVIDER,
                message,
            }
        }
        _ => Error::from_status(
            ProviderError::new(PROVIDER, message)
                .with_status(status)
                .with_code(code),
            param,
            retry_after(headers),
        ),
    }
}

/// The retrieve answer of `task_id`, as the generated type read it.
pub(crate) fn map_status(task_id: &str, task: types::Task) -> Result<TaskStatus, Error> {
    let Some(status) = task.status else {
        return Ok(TaskStatus::Unknown {
            raw: "(no status)".into(),
        });
    };
    Ok(match status {
        types::TaskStatus::Queued => TaskStatus::Queued,
        // Ark reports neither progress nor an estimate.
        types::TaskStatus::Running => TaskStatus::Running {
            progress: None,
            eta: None,
        },
        types::TaskStatus::Cancelled => TaskStatus::Cancelled,
        types::TaskStatus::Expired => TaskStatus::Expired,
        types::TaskStatus::Failed => {
            let error = task.error.unwrap_or_default();
            let message = error.message.as_deref().filter(|m| !m.is_empty());
            TaskStatus::Failed {
                message: match error.code.as_deref() {
                    Some(TASK_TYPE_MISMATCH) => {
                        task_type_mismatch(task.omni_reference_task_type.as_deref(), message)
                    }
                    _ => message
                        .map_or_else(|| "the task failed (Ark gives no reason)".into(), bounded),
                },
                code: error.code.as_deref().filter(|c| !c.is_empty()).map(bounded),
            }
        }
        types::TaskStatus::Succeeded => {
            let content = task.content.unwrap_or_default();
            let Some(video_url) = content.video_url.filter(|url| !url.trim().is_empty()) else {
                return Err(Error::SucceededWithoutVideo {
                    provider: PROVIDER,
                    task_id: task_id.to_owned(),
                });
            };
            TaskStatus::Succeeded(Video {
                video_url,
                last_frame_url: content.last_frame_url.filter(|url| !url.trim().is_empty()),
                expires_at: Some(expires_at(task.updated_at)),
                usage: task.usage.and_then(usage),
                seed: task.seed,
            })
        }
        types::TaskStatus::Unknown(raw) => undocumented_status(&bounded(&raw)),
    })
}

/// The code of a Seedance 2.5 task that failed while running because its prompt contradicts
/// the declared `omni_reference_task_type` (a conflict between parameters is refused at submit
/// with `InvalidParameter.TaskTypeConstraint` instead).
const TASK_TYPE_MISMATCH: &str = "InvalidParameter.TaskTypeMismatch";

/// Why a [`TASK_TYPE_MISMATCH`] task failed, in words: the task type it declared (when the task
/// echoes it), what to change, then Ark's message, which is what the 1 KiB bound cuts.
fn task_type_mismatch(task_type: Option<&str>, message: Option<&str>) -> String {
    let declared = task_type
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(|t| format!(" {}", t.chars().take(40).collect::<String>()))
        .unwrap_or_default();
    let said = message
        .map(|m| format!("; Ark says: {m}"))
        .unwrap_or_default();
    bounded(&format!(
        "the prompt contradicts the declared task type (omni_reference_task_type{declared}): \
         rewrite the prompt to describe that task, or change the task type (auto lets the model \
         decide){said}"
    ))
}

/// Ark deletes the video 24 h after the task finished (`updated_at`); a time in the future,
/// or none, counts from now.
fn expires_at(updated_at: Option<i64>) -> u64 {
    let now = unix_now();
    let finished = updated_at
        .and_then(|at| u64::try_from(at).ok())
        .filter(|&at| at <= now)
        .unwrap_or(now);
    finished.saturating_add(RESULT_URL_LIFETIME.as_secs())
}

/// Ark's token counts and web searches, when it reports any; a negative count is not believed.
fn usage(usage: types::Usage) -> Option<Usage> {
    let count = |n: Option<i64>| n.and_then(|n| u64::try_from(n).ok());
    Usage {
        completion_tokens: count(usage.completion_tokens),
        total_tokens: count(usage.total_tokens),
        credits: None,
        web_searches: count(usage.tool_usage.and_then(|tools| tools.web_search)),
    }
    .nonempty()
}

/// A list page. An item without a usable id is dropped (it could not be addressed anyway);
/// an item whose status cannot be read is listed with that reason as an unknown status.
pub(crate) fn map_page(list: types::TaskList) -> TaskPage {
    let items = list
        .items
        .into_iter()
        .filter(|task| plausible_task_id(&task.id))
        .map(|task| {
            let task_id = task.id.clone();
            let model = task.model.as_deref().map(bounded);
            let created_at = task.created_at.and_then(|at| u64::try_from(at).ok());
            let parameters = parameters(&task);
            let status = map_status(&task_id, task).unwrap_or_else(|err| TaskStatus::Unknown {
                raw: bounded(&err.to_string()),
            });
            ListedTask {
                task_id,
                status,
                model,
                created_at,
                parameters,
            }
        })
        .collect();
    TaskPage {
        items,
        total: list.total.and_then(|n| u64::try_from(n).ok()),
    }
}

/// What a listed task echoes of its create body. A value this version cannot read is left out
/// (it then contradicts no request) rather than failing the page.
fn parameters(task: &types::Task) -> TaskParameters {
    fn wire<T: serde::de::DeserializeOwned>(text: Option<&String>) -> Option<T> {
        serde_json::from_value(serde_json::Value::String(text?.clone())).ok()
    }
    fn count<T: TryFrom<i32>>(n: Option<i32>) -> Option<T> {
        n.and_then(|n| T::try_from(n).ok())
    }
    let text = |value: &Option<String>| value.as_deref().filter(|v| !v.is_empty()).map(bounded);
    TaskParameters {
        resolution: wire(task.resolution.as_ref()),
        ratio: wire(task.ratio.as_ref()),
        duration: count(task.duration),
        frames: count(task.frames),
        seed: task.seed,
        generate_audio: task.generate_audio,
        draft: task.draft,
        draft_task_id: text(&task.draft_task_id),
        service_tier: wire(task.service_tier.as_ref()),
        priority: count(task.priority),
        execution_expires_after: count(task.execution_expires_after),
        safety_identifier: text(&task.safety_identifier),
    }
}
