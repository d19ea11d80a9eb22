//! Ark's create call: the unified request as `content` items (the prompt first, then the
//! frames, references, edited or extended videos, or the draft task) plus the top-level fields
//! of [`WIRE`](super::WIRE), under the model's Ark id or the request's `model_id`.

use seedance_ark::{Client, types};
use serde_json::{Value, json};

use super::{PROVIDER, status::api_error};
use crate::{
    capability::Capabilities,
    error::{Error, InvalidRequest},
    providers::{
        Payload, Resolved, Submitted, lenient_submit, plausible_task_id, submit_failure,
        unusable_submit, wire,
    },
    request::{Field, Inputs, VideoRequest},
};

/// The keys the payload writes beyond the wire table, with the option that sets them.
pub(crate) const MAPPED_KEYS: &[(&str, &str)] = &[
    ("model", "model or model_id"),
    (
        "content",
        "the prompt and the inputs (frames, references, edit, extend, from_draft)",
    ),
    ("omni_reference_task_type", "edit or extend inputs"),
];

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
    // Validation keeps the prompt empty for the final video of a 2.5 draft, whose one item is
    // the draft task (`capability::ark::from_draft`).
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

/// The model id sent for `request`: its `model_id`, or the id the capability data names for
/// the model on this site.
pub(crate) fn sent_model_id(
    caps: &Capabilities,
    request: &VideoRequest,
    volcengine: bool,
) -> Result<String, InvalidRequest> {
    if let Some(id) = &request.model_id {
        return Ok(id.clone());
    }
    crate::capability::ark::default_model_id(caps, &request.inputs, volcengine)
        .map(str::to_owned)
        .ok_or_else(|| {
            caps.invalid(
                Field::ModelId,
                format!(
                    "no {} id of {} is known; allowed: set model_id to the id your account has",
                    if volcengine { "Volcengine" } else { "BytePlus" },
                    caps.model
                ),
            )
        })
}

/// Seedance 2.5 declares an edit or an extension as `omni_reference_task_type` (the Go SDK,
/// commit f8ba1bf4); other models tell them by the content alone.
fn task_type(caps: &Capabilities, inputs: &Inputs) -> Option<&'static str> {
    if !caps.typed_tasks {
        return None;
    }
    match inputs {
        Inputs::Edit { .. } => Some("edit"),
        Inputs::Extend { .. } => Some("extend"),
        _ => None,
    }
}

/// The create body as JSON: `model`, `content`, every set field of the wire table, the task
/// type and tools, then the request's extra fields.
pub(crate) fn payload(
    caps: &Capabilities,
    request: &VideoRequest,
    media: &Resolved,
    volcengine: bool,
) -> Result<Payload, InvalidRequest> {
    let model = sent_model_id(caps, request, volcengine)?;
    let mut body = Payload::from_wire(wire(PROVIDER), request, media);
    body.set("model", Some(model))
        .set("content", Some(content(request, media)))
        .set("omni_reference_task_type", task_type(caps, &request.inputs));
    if request.web_search == Some(true) {
        body.set("tools", Some(json!([{"type": "web_search"}])));
    }
    Ok(body.with_extra(request))
}

/// Submits and returns the task.
pub(crate) async fn submit(
    client: &Client,
    caps: &Capabilities,
    request: &VideoRequest,
    media: &Resolved,
    volcengine: bool,
) -> Result<Submitted, Error> {
    let body: types::CreateTaskRequest =
        payload(caps, request, media, volcengine)?.into_body(PROVIDER)?;
    match client.create_task().body(body).send().await {
        Ok(value) => map_submit(value.into_inner()),
        Err(err) => submit_failure(PROVIDER, err, api_error, map_submit_lenient)
            .await
            .map_err(|err| name_task_type(err, task_type(caps, &request.inputs))),
    }
}

/// A 400 `InvalidParameter.TaskTypeConstraint` says the parameters contradict the declared
/// task type: the error names the task type sent (`auto` when none was), so the caller knows
/// which rule of that type was broken.
fn name_task_type(err: Error, task_type: Option<&str>) -> Error {
    match err {
        // `api_error` leads a typed variant's message with the code.
        Error::BadRequest {
            provider,
            param,
            message,
        } if message.starts_with(TASK_TYPE_CONSTRAINT) => {
            let task_type = task_type.unwrap_or("auto");
            let message = format!(
                "task type {task_type} (omni_reference_task_type): the parameters contradict it ({message}); for first frames, edit and extend the ratio must be adaptive, and for edit the duration auto"
            );
            Error::BadRequest {
                provider,
                param,
                message: crate::text::bounded(&message),
            }
        }
        other => other,
    }
}

/// Ark's code for parameters that contradict the declared task type (Seedance 2.5).
pub(crate) const TASK_TYPE_CONSTRAINT: &str = "InvalidParameter.TaskTypeConstraint";

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
