//! Modellix: every response is a `{code, message, data}` envelope, and a non-zero `code` is an
//! error even under HTTP 200. The submit path differs per model and mode.

use seedance_modellix::{Client, types};
use serde_json::Value;

use super::{
    Payload, Resolved, Submitted, convert, expires_in, lenient_submit, plausible_task_id,
    retry_after, submit_failure, unusable_submit,
};
use crate::{
    error::{Error, ProviderError},
    provider::Provider,
    request::{Inputs, Model, VideoRequest},
    task::{RESULT_URL_LIFETIME, TaskStatus, Video, undocumented_status},
    text::bounded,
};

const PROVIDER: Provider = Provider::Modellix;

/// A documented error body.
pub(crate) fn api_error(
    status: u16,
    headers: &reqwest::header::HeaderMap,
    body: types::ApiError,
) -> Error {
    let details = ProviderError::new(PROVIDER, bounded(&body.message))
        .with_status(status)
        .with_code(Some(body.code.to_string()));
    Error::from_status(details, None, retry_after(headers))
}

/// A non-zero envelope code: the code mirrors the HTTP status it stands for.
pub(crate) fn envelope_error(code: i64, message: &str) -> Error {
    let details = ProviderError::new(PROVIDER, bounded(message)).with_code(Some(code.to_string()));
    match u16::try_from(code) {
        Ok(status @ 400..=599) => Error::from_status(details.with_status(status), None, None),
        _ => Error::Provider(details),
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
        // Refused by `capability::prepare` before any request: Modellix sells no other model.
        (model, _) => {
            return Err(Error::RequestSchema {
                provider: PROVIDER,
                message: format!("{model} has no Modellix endpoint"),
            });
        }
    };
    match result {
        Ok(value) => map_submit(value.into_inner()),
        Err(err) => submit_failure(PROVIDER, err, api_error, map_submit_lenient).await,
    }
}

/// The submit answer, as the generated type read it.
pub(crate) fn map_submit(envelope: types::SubmitResponse) -> Result<Submitted, Error> {
    if envelope.code != 0 {
        return Err(envelope_error(envelope.code, &envelope.message));
    }
    match &envelope.data {
        Some(data) if plausible_task_id(&data.task_id) => Ok(Submitted {
            task_id: data.task_id.clone(),
            estimated_seconds: None,
            usage: None,
        }),
        _ => Err(unusable_submit(
            PROVIDER,
            "a successful submit envelope has no usable data.task_id",
            &envelope,
        )),
    }
}

/// A submit answer the generated type refused (`reason` says why): only the envelope code and
/// `data.task_id` are needed (a missing `model_id` must not lose a paid task).
pub(crate) fn map_submit_lenient(bytes: &[u8], reason: &str) -> Result<Submitted, Error> {
    lenient_submit(PROVIDER, bytes, reason, |answer| {
        match answer.get("code")?.as_i64()? {
            0 => {
                let task_id = answer.pointer("/data/task_id")?.as_str()?;
                plausible_task_id(task_id).then(|| {
                    Ok(Submitted {
                        task_id: task_id.to_owned(),
                        estimated_seconds: None,
                        usage: None,
                    })
                })
            }
            code => {
                let message = answer.get("message").and_then(Value::as_str);
                Some(Err(envelope_error(code, message.unwrap_or_default())))
            }
        }
    })
}

/// The task's status.
pub(crate) async fn status(client: &Client, task_id: &str) -> Result<TaskStatus, Error> {
    match client.get_task_result().task_id(task_id).send().await {
        Ok(value) => map_status(task_id, value.into_inner()),
        Err(err) => Err(convert(PROVIDER, err, api_error).await),
    }
}

/// The task-query answer of `task_id`, as the generated type read it.
pub(crate) fn map_status(
    task_id: &str,
    envelope: types::TaskQueryResponse,
) -> Result<TaskStatus, Error> {
    if envelope.code != 0 {
        return Err(envelope_error(envelope.code, &envelope.message));
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
                bounded(&envelope.message)
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
                return Err(Error::SucceededWithoutVideo {
                    provider: PROVIDER,
                    task_id: task_id.to_owned(),
                });
            };
            let last_frame_url = resources
                .iter()
                .find(|r| r.type_ == "image")
                .map(|r| r.url.clone());
            TaskStatus::Succeeded(Video {
                video_url: video.url.clone(),
                last_frame_url,
                expires_at: Some(expires_in(RESULT_URL_LIFETIME.as_secs())),
                usage: None,
                seed: None,
            })
        }
        types::TaskStatus::Unknown(raw) => undocumented_status(&bounded(&raw)),
    })
}

provider_api!(Modellix);
