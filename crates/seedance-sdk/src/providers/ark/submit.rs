//! Ark's create call: the unified request as `content` items (the prompt first, then the
//! frames, references, edited or extended videos, or the draft task) plus the top-level fields
//! of [`WIRE`](super::WIRE), under the model's Ark id or the request's `model_id`.

use seedance_ark::{Client, types};
use serde_json::{Value, json};

use super::{PROVIDER, WIRE, status::api_error, wire::model_id};
use crate::{
    error::Error,
    providers::{
        Payload, Resolved, Submitted, lenient_submit, plausible_task_id, submit_failure,
        unusable_submit,
    },
    request::{Inputs, VideoRequest},
};

/// An image item with its role.
fn image(url: &str, role: &str) -> Value {
    json!({"type": "image_url", "image_url": {"url": url}, "role": role})
}

/// A reference video item.
fn video(url: &str) -> Value {
    json!({"type": "video_url", "video_url": {"url": url}, "role": "reference_video"})
}

/// The `content` items of `request`: the prompt first (when there is one), then its inputs.
pub(crate) fn content(request: &VideoRequest, media: &Resolved) -> Vec<Value> {
    let mut items = Vec::new();
    if !request.prompt.is_empty() {
        items.push(json!({"type": "text", "text": request.prompt}));
    }
    let images = |items: &mut Vec<Value>| {
        items.extend(media.images.iter().map(|url| image(url, "reference_image")));
    };
    match &request.inputs {
        Inputs::Text => {}
        Inputs::FirstFrame { .. } | Inputs::FirstLastFrames { .. } => {
            items.extend(media.first.iter().map(|url| image(url, "first_frame")));
            items.extend(media.last.iter().map(|url| image(url, "last_frame")));
        }
        Inputs::References { .. } => {
            images(&mut items);
            items.extend(media.videos.iter().map(|url| video(url)));
            items.extend(media.audio.iter().map(|url| {
                json!({"type": "audio_url", "audio_url": {"url": url}, "role": "reference_audio"})
            }));
        }
        Inputs::Edit { .. } | Inputs::Extend { .. } => {
            items.extend(media.videos.iter().map(|url| video(url)));
            images(&mut items);
        }
        Inputs::FromDraft { task_id } => {
            items.push(json!({"type": "draft_task", "draft_task": {"id": task_id}}));
        }
    }
    items
}

/// The create body as JSON: `model`, `content`, then every set field of [`WIRE`].
pub(crate) fn payload(request: &VideoRequest, media: &Resolved, volcengine: bool) -> Payload {
    let model = request
        .model_id
        .clone()
        .unwrap_or_else(|| model_id(request.model, &request.inputs, volcengine).to_owned());
    let mut body = Payload::from_wire(WIRE, request, media);
    body.set("model", Some(model))
        .set("content", Some(content(request, media)));
    body
}

/// Submits and returns the task.
pub(crate) async fn submit(
    client: &Client,
    request: &VideoRequest,
    media: &Resolved,
    volcengine: bool,
) -> Result<Submitted, Error> {
    let body: types::CreateTaskRequest = payload(request, media, volcengine).into_body(PROVIDER)?;
    match client.create_task().body(body).send().await {
        Ok(value) => map_submit(value.into_inner()),
        Err(err) => submit_failure(PROVIDER, err, api_error, map_submit_lenient).await,
    }
}

/// The create answer, as the generated type read it.
pub(crate) fn map_submit(created: types::CreateTaskResponse) -> Result<Submitted, Error> {
    if plausible_task_id(&created.id) {
        Ok(Submitted {
            task_id: created.id,
            estimated_seconds: None,
            usage: None,
        })
    } else {
        Err(unusable_submit(
            PROVIDER,
            "the create answer has no usable id",
            &created,
        ))
    }
}

/// A create answer the generated type refused (`reason` says why): only `id` is needed.
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
                estimated_seconds: None,
                usage: None,
            })
        })
    })
}
