//! odkkk (EvoLink's API): `POST /v1/videos/generations`, `GET /v1/tasks/{id}`, image URLs only,
//! errors as `{error: {code, message, type, param, fallback_suggestion}}`.

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
    name: "odkkk",
    error_body,
    rate_limit_header: None,
    nulls_are_absent: false,
};

fn error_body(status: u16, _code: Option<&str>, message: &str, param: Option<&str>) -> Value {
    let kind = match status {
        400 => "invalid_request_error",
        401 => "authentication_error",
        402 => "insufficient_quota_error",
        403 => "permission_error",
        404 => "not_found_error",
        413 => "request_too_large_error",
        429 => "rate_limit_error",
        502 => "upstream_error",
        503 => "service_unavailable_error",
        _ => "internal_server_error",
    };
    let mut error = json!({"code": status, "message": message, "type": kind});
    if let Some(param) = param.filter(|p| !p.is_empty()) {
        error["param"] = json!(param);
    }
    if status == 429 {
        error["fallback_suggestion"] = json!("retry after 60 seconds");
    }
    json!({"error": error})
}

pub(super) fn routes() -> Router<Arc<State>> {
    Router::new()
        .route("/apiv1/v1/videos/generations", post(create))
        .route("/apiv1/v1/tasks/{task_id}", get(task_detail))
}

fn check(body: &Value) -> Result<Accepted, Invalid> {
    for url in body
        .get("image_urls")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let url = url.as_str().unwrap_or_default();
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(Invalid {
                param: "image_urls".into(),
                message: "image URLs must be http(s) URLs the server can fetch".into(),
                code: None,
            });
        }
    }
    Ok(Accepted {
        model: body["model"].as_str().unwrap_or_default().to_owned(),
        prompt: prompt_of(body),
        return_last_frame: false,
        container: Container::Mp4,
        failure: None,
    })
}

async fn create(
    Extract(state): Extract<Arc<State>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    super::submit(
        &state,
        &PROVIDER,
        "/v1/videos/generations",
        &headers,
        body,
        check,
        |state, id, task| {
            json!({
                "created": task.created_unix,
                "id": id,
                "model": task.model,
                "object": "video.generation.task",
                "progress": 0,
                "status": "pending",
                "task_info": {"can_cancel": true, "estimated_time": state.config.task_duration.as_secs(), "video_duration": 5},
                "type": "video",
                "usage": {"billing_rule": "per_call", "credits_reserved": 8, "user_group": "default"},
            })
        },
    )
    .await
}

async fn task_detail(
    Extract(state): Extract<Arc<State>>,
    headers: HeaderMap,
    Path(task_id): Path<String>,
) -> Response {
    super::status(&state, &PROVIDER, &headers, Some(&task_id), answer).await
}

fn answer(state: &State, id: &str, task: &Task) -> Value {
    let mut body = json!({
        "id": id,
        "object": "video.generation.task",
        "created": task.created_unix,
        "model": task.model,
        "type": "video",
        "progress": 0,
        "task_info": {"can_cancel": false},
    });
    match state.phase(id, task) {
        Phase::Queued => {
            body["status"] = json!("pending");
            body["task_info"]["can_cancel"] = json!(true);
        }
        Phase::Running { progress, .. } => {
            body["status"] = json!("processing");
            body["progress"] = json!(progress);
        }
        Phase::Failed => {
            body["status"] = json!("failed");
            body["error"] = json!({"code": "generation_failed_no_content", "message": "Generation failed (simulated)"});
        }
        Phase::Expired => {
            body["status"] = json!("failed");
            body["error"] =
                json!({"code": "generation_timeout", "message": "Task expired (simulated)"});
        }
        Phase::Succeeded { video_url, .. } => {
            body["status"] = json!("completed");
            body["progress"] = json!(100);
            body["results"] = json!([video_url]);
        }
    }
    body
}
