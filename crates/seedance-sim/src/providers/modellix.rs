//! Modellix: `{code, message, data}` envelopes, `pending|processing|success|failed`, submit paths
//! with and without the `/async` suffix (the docs disagree).

use std::sync::Arc;

use axum::{
    Router,
    body::Bytes,
    extract::{Path, State as Extract, rejection::BytesRejection},
    http::HeaderMap,
    response::Response,
    routing::{get, post},
};
use serde_json::{Value, json};

use super::{Accepted, Provider, prompt_of};
use crate::{
    media::Container,
    state::{Phase, State, Task},
    validate::Invalid,
};

const PROVIDER: Provider = Provider {
    name: "modellix",
    error_body,
    rate_limit_header: Some("x-ratelimit-reset"),
    nulls_are_absent: false,
};

fn error_body(status: u16, _code: Option<&str>, message: &str, param: Option<&str>) -> Value {
    let category = match status {
        400 => "Invalid parameters",
        401 => "Authentication failed",
        402 => "Insufficient balance",
        404 => "Not found",
        429 => "Too many requests",
        _ => "Server error",
    };
    let detail = match param {
        Some(param) if !param.is_empty() => format!("{category}: parameter '{param}': {message}"),
        _ => format!("{category}: {message}"),
    };
    json!({"code": status, "message": detail})
}

/// (route path, spec path, model id)
const SUBMITS: [(&str, &str, &str); 5] = [
    (
        "/api/v1/bytedance/seedance-1.5-pro-t2v",
        "/bytedance/seedance-1.5-pro-t2v",
        "bytedance/seedance-1.5-pro-t2v",
    ),
    (
        "/api/v1/bytedance/seedance-1.5-pro-i2v/async",
        "/bytedance/seedance-1.5-pro-i2v/async",
        "bytedance/seedance-1.5-pro-i2v",
    ),
    (
        "/api/v1/bytedance/seedance-1.5-pro-i2v",
        "/bytedance/seedance-1.5-pro-i2v/async",
        "bytedance/seedance-1.5-pro-i2v",
    ),
    (
        "/api/v1/bytedance/seedance-2.0-fast-i2v/async",
        "/bytedance/seedance-2.0-fast-i2v/async",
        "bytedance/seedance-2.0-fast-i2v",
    ),
    (
        "/api/v1/bytedance/seedance-2.0-fast-i2v",
        "/bytedance/seedance-2.0-fast-i2v/async",
        "bytedance/seedance-2.0-fast-i2v",
    ),
];

pub(super) fn routes() -> Router<Arc<State>> {
    let mut router = Router::new().route("/api/v1/tasks/{task_id}", get(task_result));
    for (route, spec_path, model) in SUBMITS {
        router = router.route(
            route,
            post(
                move |state: Extract<Arc<State>>,
                      headers: HeaderMap,
                      body: Result<Bytes, BytesRejection>| {
                    submit(state, headers, body, spec_path, model)
                },
            ),
        );
    }
    router
}

fn check(body: &Value, model: &str) -> Result<Accepted, Invalid> {
    let has = |key: &str| body.get(key).is_some();
    let frames = has("first_frame_image") || has("last_frame_image");
    if model.ends_with("1.5-pro-i2v") && !frames {
        return Err(Invalid {
            param: "first_frame_image".into(),
            message: "at least one of first_frame_image or last_frame_image must be provided"
                .into(),
            code: None,
        });
    }
    if frames && has("reference_images") {
        return Err(Invalid {
            param: "reference_images".into(),
            message: "do not use together with first_frame_image or last_frame_image".into(),
            code: None,
        });
    }
    Ok(Accepted {
        model: model.to_owned(),
        prompt: prompt_of(body),
        return_last_frame: body.get("return_last_frame") == Some(&Value::Bool(true)),
        container: Container::Mp4,
        failure: None,
    })
}

async fn submit(
    Extract(state): Extract<Arc<State>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
    spec_path: &'static str,
    model: &'static str,
) -> Response {
    super::submit(
        &state,
        &PROVIDER,
        spec_path,
        &headers,
        body,
        |json| check(json, model),
        |_, id, task| {
            json!({
                "code": 0,
                "message": "success",
                "data": {
                    "status": "pending",
                    "task_id": id,
                    "model_id": task.model,
                    "get_result": {"method": "GET", "url": format!("/api/v1/tasks/{id}")},
                },
            })
        },
    )
    .await
}

async fn task_result(
    Extract(state): Extract<Arc<State>>,
    headers: HeaderMap,
    Path(task_id): Path<String>,
) -> Response {
    super::status(&state, &PROVIDER, &headers, Some(&task_id), answer).await
}

fn answer(state: &State, id: &str, task: &Task) -> Value {
    let mut data = json!({"task_id": id, "model_id": task.model});
    let mut message = "success";
    match state.phase(id, task) {
        Phase::Queued => data["status"] = json!("pending"),
        Phase::Running { .. } => data["status"] = json!("processing"),
        Phase::Failed => {
            data["status"] = json!("failed");
            message = "Generation failed (simulated)";
        }
        // Modellix documents no expired status; an abandoned task reads as failed.
        Phase::Expired => {
            data["status"] = json!("failed");
            message = "Task expired (simulated)";
        }
        Phase::Succeeded {
            video_url,
            last_frame_url,
        } => {
            let mut resources = vec![json!({
                "url": video_url, "type": "video", "format": "mp4", "role": "primary",
                "width": 320, "height": 180,
            })];
            if let Some(url) = last_frame_url {
                resources.push(
                    json!({"url": url, "type": "image", "format": "jpeg", "role": "last_frame"}),
                );
            }
            data["status"] = json!("success");
            data["duration"] = json!(task.duration.as_millis() as u64);
            data["result"] = json!({"resources": resources});
        }
    }
    json!({"code": 0, "message": message, "data": data})
}
