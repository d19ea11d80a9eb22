//! odkkk (EvoLink's API): one create endpoint for every mode (`image_urls` has 0, 1 or 2 URLs),
//! image URLs only, errors as `{error: {code, message, type, param, fallback_suggestion}}`.

use seedance_odkkk::{Client, types};

use super::{Payload, Resolved, Submitted, convert, retry_after};
use crate::{
    error::Error,
    provider::Provider,
    request::VideoRequest,
    task::{RESULT_URL_LIFETIME, TaskStatus, Video, undocumented_status, unix_now},
};

const PROVIDER: Provider = Provider::Odkkk;

/// The model id odkkk expects for Seedance 1.5 Pro.
const MODEL_ID: &str = "seedance-1.5-pro";

fn api_error(
    status: u16,
    headers: &reqwest::header::HeaderMap,
    body: types::ErrorResponse,
) -> Error {
    let error = body.error.unwrap_or_default();
    let mut message = error.message.unwrap_or_default();
    if let Some(suggestion) = error.fallback_suggestion.filter(|s| !s.is_empty()) {
        message = format!("{message} (suggestion: {suggestion})");
    }
    let code = error.type_;
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
            PROVIDER,
            status,
            code,
            message,
            error.param,
            retry_after(headers),
        ),
    }
}

fn payload(request: &VideoRequest, media: &Resolved) -> Payload {
    let frames: Vec<String> = media
        .first
        .iter()
        .chain(media.last.iter())
        .cloned()
        .collect();
    let mut body = Payload::default();
    body.set("model", Some(MODEL_ID))
        .set("prompt", Some(&request.prompt))
        .set_list("image_urls", &frames)
        .set("duration", request.duration)
        .set("quality", request.resolution)
        .set("aspect_ratio", request.ratio)
        .set("generate_audio", request.generate_audio)
        .set("callback_url", request.callback_url.as_ref());
    body
}

/// Submits and returns the task, with odkkk's estimate of its run time.
pub(crate) async fn submit(
    client: &Client,
    request: &VideoRequest,
    media: &Resolved,
) -> Result<Submitted, Error> {
    let body: types::VideoGenerationRequest = payload(request, media).into_body(PROVIDER)?;
    let created = match client.create_video_generation().body(body).send().await {
        Ok(value) => value.into_inner(),
        Err(err) => return Err(convert(PROVIDER, err, api_error).await),
    };
    let task_id = created.id.ok_or_else(|| Error::Decode {
        provider: PROVIDER,
        message: "the create response has no task id".into(),
        body: String::new(),
    })?;
    let estimated_seconds = created.task_info.and_then(|info| info.estimated_time);
    Ok(Submitted {
        task_id,
        estimated_seconds,
    })
}

/// The task's status.
pub(crate) async fn status(client: &Client, task_id: &str) -> Result<TaskStatus, Error> {
    let task = match client.get_task_detail().task_id(task_id).send().await {
        Ok(value) => value.into_inner(),
        Err(err) => return Err(convert(PROVIDER, err, api_error).await),
    };
    Ok(match task.status {
        types::TaskStatus::Pending => TaskStatus::Queued,
        types::TaskStatus::Processing => TaskStatus::Running {
            progress: u8::try_from(task.progress.clamp(0, 100)).ok(),
            eta: None,
        },
        types::TaskStatus::Failed => {
            let error = task.error.unwrap_or_default();
            TaskStatus::Failed {
                code: error.code,
                message: error
                    .message
                    .unwrap_or_else(|| "the task failed (odkkk gives no reason)".into()),
            }
        }
        types::TaskStatus::Completed => {
            let Some(video_url) = task.results.into_iter().find(|url| !url.trim().is_empty())
            else {
                return Err(super::missing_video(PROVIDER, task_id));
            };
            TaskStatus::Succeeded(Video {
                video_url,
                last_frame_url: None,
                expires_at: Some(unix_now() + RESULT_URL_LIFETIME.as_secs()),
            })
        }
        types::TaskStatus::Unknown(raw) => undocumented_status(&raw),
    })
}
