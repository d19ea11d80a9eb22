//! Jiekou.AI: `POST /v3/async/<model>`, `GET /v3/async/task-result?task_id=`, `TASK_STATUS_*`,
//! errors as `{code, reason, message, metadata}`.

use std::{collections::HashMap, sync::Arc};

use axum::{
    Router,
    body::Bytes,
    extract::{Query, State as Extract, rejection::BytesRejection},
    http::HeaderMap,
    response::Response,
    routing::{get, post},
};
use serde_json::{Value, json};

use super::{Accepted, Provider, prompt_of};
use crate::{
    media::Container,
    state::{Phase, State, Task},
};

const PROVIDER: Provider = Provider {
    name: "jiekou",
    error_body,
    rate_limit_header: None,
    nulls_are_absent: false,
};

fn error_body(status: u16, _code: Option<&str>, message: &str, param: Option<&str>) -> Value {
    let reason = match status {
        400 => "INVALID_REQUEST_BODY",
        401 => "FAILED_TO_AUTH",
        403 => "ACCESS_DENY",
        404 => "TASK_NOT_FOUND",
        429 => "RATE_LIMIT_EXCEEDED",
        503 => "SERVICE_NOT_AVAILABLE",
        _ => "CREATE_TASK_FAILED",
    };
    let message = match param {
        Some(param) if !param.is_empty() => format!("{param}: {message}"),
        _ => message.to_owned(),
    };
    json!({"code": status, "reason": reason, "message": message, "metadata": {}})
}

pub(super) fn routes() -> Router<Arc<State>> {
    Router::new()
        .route(
            "/v3/async/seedance-v1.5-pro-i2v",
            post(|state, headers, body| {
                submit(state, headers, body, "/v3/async/seedance-v1.5-pro-i2v")
            }),
        )
        .route(
            "/v3/async/seedance-v1.5-pro-t2v",
            post(|state, headers, body| {
                submit(state, headers, body, "/v3/async/seedance-v1.5-pro-t2v")
            }),
        )
        .route("/v3/async/task-result", get(task_result))
}

async fn submit(
    Extract(state): Extract<Arc<State>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
    spec_path: &'static str,
) -> Response {
    super::submit(
        &state,
        &PROVIDER,
        spec_path,
        &headers,
        body,
        |json| {
            Ok(Accepted {
                model: spec_path.trim_start_matches("/v3/async/").to_owned(),
                prompt: prompt_of(json),
                return_last_frame: false,
                container: Container::Mp4,
                failure: None,
            })
        },
        |_, id, _| json!({"task_id": id}),
    )
    .await
}

async fn task_result(
    Extract(state): Extract<Arc<State>>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let task_id = query.get("task_id").map(String::as_str);
    super::status(&state, &PROVIDER, &headers, task_id, answer).await
}

fn answer(state: &State, id: &str, task: &Task) -> Value {
    let mut info = json!({"task_id": id, "task_type": "SEEDANCE_V1_5_PRO", "reason": "", "eta": 0, "progress_percent": 0});
    let mut videos = Vec::new();
    match state.phase(id, task) {
        Phase::Queued => info["status"] = json!("TASK_STATUS_QUEUED"),
        Phase::Running { progress, eta } => {
            info["status"] = json!("TASK_STATUS_PROCESSING");
            info["progress_percent"] = json!(progress);
            info["eta"] = json!(eta.as_secs());
        }
        Phase::Failed => {
            info["status"] = json!("TASK_STATUS_FAILED");
            info["reason"] = json!("generation failed (simulated)");
        }
        Phase::Expired => {
            info["status"] = json!("TASK_STATUS_FAILED");
            info["reason"] = json!("task expired (simulated)");
        }
        Phase::Succeeded { video_url, .. } => {
            info["status"] = json!("TASK_STATUS_SUCCEED");
            info["progress_percent"] = json!(100);
            videos.push(json!({
                "video_url": video_url,
                "video_url_ttl": state.config.url_ttl.as_secs().to_string(),
                "video_type": "mp4",
            }));
        }
    }
    json!({
        "extra": {"seed": "", "debug_info": {"request_info": "", "submit_time_ms": (task.created_unix * 1000).to_string(), "execute_time_ms": "", "complete_time_ms": ""}},
        "task": info,
        "images": [],
        "videos": videos,
        "audios": [],
    })
}
