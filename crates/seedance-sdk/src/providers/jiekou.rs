//! Jiekou.AI (Novita's template): `TASK_STATUS_*` values, the task polled with
//! `GET /v3/async/task-result?task_id=`, errors as `{code, reason, message}`.

use seedance_jiekou::{Client, types};

use super::{
    Payload, Resolved, Submitted, convert, estimate, expires_in, lenient_submit, plausible_task_id,
    retry_after, submit_failure, unusable_submit,
};
use crate::{
    error::{Error, ProviderError},
    provider::Provider,
    request::{Inputs, VideoRequest},
    task::{RESULT_URL_LIFETIME, TaskStatus, Video, undocumented_status},
    text::bounded,
};

const PROVIDER: Provider = Provider::Jiekou;

/// A documented error body.
pub(crate) fn api_error(
    status: u16,
    headers: &reqwest::header::HeaderMap,
    body: types::ErrorResponse,
) -> Error {
    let reason = bounded(body.reason.as_deref().unwrap_or_default());
    let message = match body.message {
        Some(message) if !message.is_empty() => bounded(&format!("{reason}: {message}")),
        _ => reason.clone(),
    };
    // Jiekou answers 403 both for a bad key and for an empty balance; its reason tells them apart.
    match reason.as_str() {
        "INVALID_API_KEY" | "FAILED_TO_AUTH" | "MISSING_API_KEY" => Error::Auth {
            provider: PROVIDER,
            message,
        },
        "NOT_ENOUGH_BALANCE" | "BILLING_BALANCE_NOT_ENOUGH" => Error::InsufficientQuota {
            provider: PROVIDER,
            message,
        },
        _ => Error::from_status(
            ProviderError::new(PROVIDER, message)
                .with_status(status)
                .with_code(Some(reason)),
            None,
            retry_after(headers),
        ),
    }
}

fn payload(request: &VideoRequest, media: &Resolved) -> Payload {
    Payload::from_wire(super::wire(PROVIDER), request, media).with_extra(request)
}

/// Submits and returns the task id.
pub(crate) async fn submit(
    client: &Client,
    request: &VideoRequest,
    media: &Resolved,
) -> Result<Submitted, Error> {
    let body = payload(request, media);
    let result = match &request.inputs {
        Inputs::Text => {
            let body: types::SeedanceV15ProT2vRequest = body.into_body(PROVIDER)?;
            client.seedance_v15_pro_t2v().body(body).send().await
        }
        _ => {
            let body: types::SeedanceV15ProI2vRequest = body.into_body(PROVIDER)?;
            client.seedance_v15_pro_i2v().body(body).send().await
        }
    };
    match result {
        Ok(value) => map_submit(value.into_inner()),
        Err(err) => submit_failure(PROVIDER, err, api_error, map_submit_lenient).await,
    }
}

/// The submit answer, as the generated type read it.
pub(crate) fn map_submit(answer: types::SubmitTaskResponse) -> Result<Submitted, Error> {
    if !plausible_task_id(&answer.task_id) {
        return Err(unusable_submit(
            PROVIDER,
            "the submit answer has no usable task_id",
            &answer,
        ));
    }
    Ok(Submitted {
        task_id: answer.task_id,
        estimated_seconds: None,
        usage: None,
    })
}

/// A submit answer the generated type refused (`reason` says why): only `task_id` is needed.
pub(crate) fn map_submit_lenient(bytes: &[u8], reason: &str) -> Result<Submitted, Error> {
    lenient_submit(PROVIDER, bytes, reason, |answer| {
        // An error body (`reason` is Jiekou's error name) is never read as an accepted task,
        // even when it carries an id.
        if answer.get("reason").is_some_and(|r| !r.is_null()) {
            return None;
        }
        let task_id = answer.get("task_id")?.as_str()?;
        plausible_task_id(task_id).then(|| {
            Ok(Submitted {
                task_id: task_id.to_owned(),
                estimated_seconds: None,
                usage: None,
            })
        })
    })
}

/// The task's status.
pub(crate) async fn status(client: &Client, task_id: &str) -> Result<TaskStatus, Error> {
    match client.get_task_result().task_id(task_id).send().await {
        Ok(value) => map_status(task_id, value.into_inner()),
        Err(err) => Err(convert(PROVIDER, err, api_error).await),
    }
}

/// The task-result answer of `task_id`, as the generated type read it.
pub(crate) fn map_status(
    task_id: &str,
    result: types::TaskResultResponse,
) -> Result<TaskStatus, Error> {
    let Some(task) = result.task else {
        return Err(Error::Decode {
            provider: PROVIDER,
            message: "the task result has no task object".into(),
            body: String::new(),
        });
    };
    let Some(status) = task.status else {
        return Err(Error::Decode {
            provider: PROVIDER,
            message: "the task result has no status".into(),
            body: String::new(),
        });
    };
    Ok(match status {
        types::TaskStatus::TaskStatusQueued => TaskStatus::Queued,
        types::TaskStatus::TaskStatusProcessing => TaskStatus::Running {
            // NaN and infinities are dropped; `as` saturates what is left into 0..=100.
            progress: task
                .progress_percent
                .filter(|p| p.is_finite())
                .map(|p| p.clamp(0.0, 100.0) as u8),
            eta: task.eta.and_then(estimate),
        },
        types::TaskStatus::TaskStatusFailed => TaskStatus::Failed {
            code: None,
            message: task.reason.filter(|r| !r.is_empty()).map_or_else(
                || "the task failed (Jiekou gives no reason)".into(),
                |r| bounded(&r),
            ),
        },
        types::TaskStatus::TaskStatusSucceed => {
            let Some(video) = result.videos.into_iter().find(|v| {
                v.video_url
                    .as_deref()
                    .is_some_and(|url| !url.trim().is_empty())
            }) else {
                return Err(Error::SucceededWithoutVideo {
                    provider: PROVIDER,
                    task_id: task_id.to_owned(),
                });
            };
            let ttl = match video.video_url_ttl {
                Some(types::TaskVideoVideoUrlTtl::Integer(seconds)) => u64::try_from(seconds).ok(),
                Some(types::TaskVideoVideoUrlTtl::String(text)) => text.trim().parse().ok(),
                None => None,
            }
            .filter(|seconds| *seconds > 0)
            .unwrap_or(RESULT_URL_LIFETIME.as_secs());
            TaskStatus::Succeeded(Video {
                video_url: video.video_url.unwrap_or_default(),
                last_frame_url: None,
                expires_at: Some(expires_in(ttl)),
                usage: None,
                seed: None,
            })
        }
        types::TaskStatus::Unknown(raw) => undocumented_status(&bounded(&raw)),
    })
}

provider_api!(Jiekou);
