//! odkkk (EvoLink's API): one create endpoint for every mode (`image_urls` has 0, 1 or 2 URLs),
//! image URLs only, errors as `{error: {code, message, type, param, fallback_suggestion}}`.

use seedance_odkkk::{Client, types};
use serde_json::Value;

use super::{
    MAX_ESTIMATE, Payload, Resolved, Submitted, convert, expires_in, lenient_submit,
    plausible_task_id, retry_after, submit_failure, unusable_submit,
};
use crate::{
    error::{Error, ProviderError},
    provider::Provider,
    request::VideoRequest,
    task::{RESULT_URL_LIFETIME, TaskStatus, Usage, Video, undocumented_status},
    text::bounded,
};

const PROVIDER: Provider = Provider::Odkkk;

/// The model id odkkk expects for Seedance 1.5 Pro.
const MODEL_ID: &str = "seedance-1.5-pro";

/// A documented error body.
pub(crate) fn api_error(
    status: u16,
    headers: &reqwest::header::HeaderMap,
    body: types::ErrorResponse,
) -> Error {
    let error = body.error.unwrap_or_default();
    let mut message = bounded(error.message.as_deref().unwrap_or_default());
    if let Some(suggestion) = error.fallback_suggestion.filter(|s| !s.is_empty()) {
        message = bounded(&format!("{message} (suggestion: {suggestion})"));
    }
    let code = error.type_.as_deref().map(bounded);
    match code.as_deref() {
        Some("insufficient_quota_error") => Error::InsufficientQuota {
            provider: PROVIDER,
            message,
        },
        Some("authentication_error") => Error::Auth {
            provider: PROVIDER,
            message,
        },
        _ => Error::from_status(
            ProviderError::new(PROVIDER, message)
                .with_status(status)
                .with_code(code),
            error.param.as_deref().map(bounded),
            retry_after(headers),
        ),
    }
}

/// The keys the payload writes beyond the wire table, with the option that sets them.
pub(crate) const MAPPED_KEYS: &[(&str, &str)] = &[
    ("model", "model"),
    ("image_urls", "first_frame or last_frame"),
];

fn payload(request: &VideoRequest, media: &Resolved) -> Payload {
    let frames: Vec<String> = media
        .first
        .iter()
        .chain(media.last.iter())
        .cloned()
        .collect();
    let mut body = Payload::from_wire(super::wire(PROVIDER), request, media).with_extra(request);
    body.set("model", Some(MODEL_ID))
        .set_list("image_urls", &frames);
    body
}

/// Submits and returns the task, with odkkk's estimate of its run time.
pub(crate) async fn submit(
    client: &Client,
    request: &VideoRequest,
    media: &Resolved,
) -> Result<Submitted, Error> {
    let body: types::VideoGenerationRequest = payload(request, media).into_body(PROVIDER)?;
    match client.create_video_generation().body(body).send().await {
        Ok(value) => map_submit(value.into_inner()),
        Err(err) => submit_failure(PROVIDER, err, api_error, map_submit_lenient).await,
    }
}

/// An estimate of the run time worth keeping in a handle.
fn sane_estimate(seconds: u64) -> Option<u64> {
    (seconds <= MAX_ESTIMATE.as_secs()).then_some(seconds)
}

/// The create answer, as the generated type read it.
pub(crate) fn map_submit(created: types::VideoGenerationResponse) -> Result<Submitted, Error> {
    match created.id.as_deref() {
        Some(task_id) if plausible_task_id(task_id) => Ok(Submitted {
            task_id: task_id.to_owned(),
            estimated_seconds: created
                .task_info
                .and_then(|info| info.estimated_time)
                .and_then(sane_estimate),
            usage: reserved(created.usage.and_then(|usage| usage.credits_reserved)),
        }),
        _ => Err(unusable_submit(
            PROVIDER,
            "the create answer has no usable id",
            &created,
        )),
    }
}

/// The credits a create answer reserves, as the task's usage; a negative or non-finite figure
/// is not believed.
fn reserved(credits: Option<f64>) -> Option<Usage> {
    credits
        .filter(|credits| credits.is_finite() && *credits >= 0.0)
        .map(|credits| Usage {
            credits: Some(credits),
            ..Usage::default()
        })
}

/// A create answer the generated type refused (`reason` says why): only `id` is needed, and
/// `task_info.estimated_time` is kept when it is a sane number.
pub(crate) fn map_submit_lenient(bytes: &[u8], reason: &str) -> Result<Submitted, Error> {
    lenient_submit(PROVIDER, bytes, reason, |answer| {
        // An error body is never read as an accepted task, even when it carries an id.
        if answer.get("error").is_some_and(|e| !e.is_null()) {
            return None;
        }
        let task_id = answer.get("id")?.as_str()?;
        plausible_task_id(task_id).then(|| {
            Ok(Submitted {
                task_id: task_id.to_owned(),
                estimated_seconds: answer
                    .pointer("/task_info/estimated_time")
                    .and_then(Value::as_u64)
                    .and_then(sane_estimate),
                usage: reserved(
                    answer
                        .pointer("/usage/credits_reserved")
                        .and_then(Value::as_f64),
                ),
            })
        })
    })
}

/// The task's status.
pub(crate) async fn status(client: &Client, task_id: &str) -> Result<TaskStatus, Error> {
    match client.get_task_detail().task_id(task_id).send().await {
        Ok(value) => map_status(task_id, value.into_inner()),
        Err(err) => Err(convert(PROVIDER, err, api_error).await),
    }
}

/// The task-detail answer of `task_id`, as the generated type read it.
pub(crate) fn map_status(
    task_id: &str,
    task: types::TaskDetailResponse,
) -> Result<TaskStatus, Error> {
    Ok(match task.status {
        types::TaskStatus::Pending => TaskStatus::Queued,
        types::TaskStatus::Processing => TaskStatus::Running {
            progress: u8::try_from(task.progress.clamp(0, 100)).ok(),
            eta: None,
        },
        types::TaskStatus::Failed => {
            let error = task.error.unwrap_or_default();
            TaskStatus::Failed {
                code: error.code.as_deref().map(bounded),
                message: error.message.filter(|m| !m.is_empty()).map_or_else(
                    || "the task failed (odkkk gives no reason)".into(),
                    |m| bounded(&m),
                ),
            }
        }
        types::TaskStatus::Completed => {
            let Some(video_url) = task.results.into_iter().find(|url| !url.trim().is_empty())
            else {
                return Err(Error::SucceededWithoutVideo {
                    provider: PROVIDER,
                    task_id: task_id.to_owned(),
                });
            };
            TaskStatus::Succeeded(Video {
                video_url,
                last_frame_url: None,
                expires_at: Some(expires_in(RESULT_URL_LIFETIME.as_secs())),
                usage: None,
                seed: None,
            })
        }
        types::TaskStatus::Unknown(raw) => undocumented_status(&bounded(&raw)),
    })
}

provider_api!(Odkkk);
