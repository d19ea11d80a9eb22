//! Modellix: every response is a `{code, message, data}` envelope, and a non-zero `code` is an
//! error even under HTTP 200. The submit path differs per model and mode.

use seedance_modellix::{Client, types};

use super::{Payload, Resolved, Submitted, convert, retry_after};
use crate::{
    error::Error,
    provider::Provider,
    request::{Inputs, Model, VideoRequest},
    task::{RESULT_URL_LIFETIME, TaskStatus, Video, undocumented_status, unix_now},
};

const PROVIDER: Provider = Provider::Modellix;

fn api_error(status: u16, headers: &reqwest::header::HeaderMap, body: types::ApiError) -> Error {
    Error::from_status(
        PROVIDER,
        status,
        Some(body.code.to_string()),
        body.message,
        None,
        retry_after(headers),
    )
}

/// A non-zero envelope code: the code mirrors the HTTP status it stands for.
fn envelope_error(code: i64, message: String) -> Error {
    match u16::try_from(code) {
        Ok(status @ 400..=599) => Error::from_status(
            PROVIDER,
            status,
            Some(code.to_string()),
            message,
            None,
            None,
        ),
        _ => Error::Provider {
            provider: PROVIDER,
            status: None,
            code: Some(code.to_string()),
            message,
            request_id: None,
        },
    }
}

fn payload(request: &VideoRequest, media: &Resolved) -> Payload {
    let mut body = Payload::default();
    body.set("prompt", Some(&request.prompt))
        .set("first_frame_image", media.first.as_ref())
        .set("last_frame_image", media.last.as_ref())
        .set_list("reference_images", &media.images)
        .set_list("audio_urls", &media.audio)
        .set("duration", request.duration)
        .set("resolution", request.resolution)
        .set("ratio", request.ratio)
        .set("seed", request.seed)
        .set("camera_fixed", request.camera_fixed)
        .set("generate_audio", request.generate_audio)
        .set("service_tier", request.service_tier)
        .set("execution_expires_after", request.execution_expires_after)
        .set("return_last_frame", request.return_last_frame);
    body
}

/// Submits and returns the task id.
pub(crate) async fn submit(
    client: &Client,
    request: &VideoRequest,
    media: &Resolved,
) -> Result<Submitted, Error> {
    let body = payload(request, media);
    let result = match (request.model, &request.inputs) {
        (Model::Seedance15Pro, Inputs::Text) => {
            let body: types::Seedance15ProT2vBody = body.into_body(PROVIDER)?;
            client.seedance15_pro_t2v().body(body).send().await
        }
        (Model::Seedance15Pro, _) => {
            let body: types::Seedance15ProI2vAsyncBody = body.into_body(PROVIDER)?;
            client.seedance15_pro_i2v_async().body(body).send().await
        }
        (Model::Seedance20Fast, _) => {
            let body: types::Seedance20FastI2vAsyncBody = body.into_body(PROVIDER)?;
            client.seedance20_fast_i2v_async().body(body).send().await
        }
    };
    let envelope = match result {
        Ok(value) => value.into_inner(),
        Err(err) => return Err(convert(PROVIDER, err, api_error).await),
    };
    if envelope.code != 0 {
        return Err(envelope_error(envelope.code, envelope.message));
    }
    let data = envelope.data.ok_or_else(|| Error::Decode {
        provider: PROVIDER,
        message: "a successful submit envelope has no data".into(),
        body: String::new(),
    })?;
    Ok(Submitted {
        task_id: data.task_id,
        estimated_seconds: None,
    })
}

/// The task's status.
pub(crate) async fn status(client: &Client, task_id: &str) -> Result<TaskStatus, Error> {
    let envelope = match client.get_task_result().task_id(task_id).send().await {
        Ok(value) => value.into_inner(),
        Err(err) => return Err(convert(PROVIDER, err, api_error).await),
    };
    if envelope.code != 0 {
        return Err(envelope_error(envelope.code, envelope.message));
    }
    let Some(data) = envelope.data else {
        return Err(Error::Decode {
            provider: PROVIDER,
            message: "a successful task envelope has no data".into(),
            body: String::new(),
        });
    };
    Ok(match data.status {
        types::TaskStatus::Pending => TaskStatus::Queued,
        types::TaskStatus::Processing => TaskStatus::Running {
            progress: None,
            eta: None,
        },
        types::TaskStatus::Failed => TaskStatus::Failed {
            code: None,
            message: if envelope.message.is_empty() || envelope.message == "success" {
                "the task failed (Modellix gives no reason)".into()
            } else {
                envelope.message
            },
        },
        types::TaskStatus::Success => {
            let resources = data.result.map(|r| r.resources).unwrap_or_default();
            // The video is the `video` resource; a last frame, when returned, is an image
            // (inferred: Modellix documents neither for Seedance).
            let resources: Vec<_> = resources
                .into_iter()
                .filter(|r| !r.url.trim().is_empty())
                .collect();
            let video = resources
                .iter()
                .find(|r| r.type_ == "video")
                .or_else(|| resources.iter().find(|r| r.url.contains(".mp4")));
            let Some(video) = video else {
                return Err(super::missing_video(PROVIDER, task_id));
            };
            let last_frame_url = resources
                .iter()
                .find(|r| r.type_ == "image")
                .map(|r| r.url.clone());
            TaskStatus::Succeeded(Video {
                video_url: video.url.clone(),
                last_frame_url,
                expires_at: Some(unix_now() + RESULT_URL_LIFETIME.as_secs()),
            })
        }
        types::TaskStatus::Unknown(raw) => undocumented_status(&raw),
    })
}
