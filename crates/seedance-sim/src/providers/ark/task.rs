//! An Ark task as the API reports it: its status on the simulator clock (cancellation and
//! `execution_expires_after` included) and the task object, which echoes the parameters the
//! task runs with (the requested ones, or Ark's defaults).

use std::time::Duration;

use serde_json::{Value, json};

use crate::state::{Phase, State, Task};

/// Ark keeps a task for 7 days (the list covers the same window).
const RETENTION: Duration = Duration::from_secs(7 * 24 * 3600);
/// A cancelled task is deleted 24 hours after its cancellation.
const CANCELLED_RETENTION: Duration = Duration::from_secs(24 * 3600);
/// `execution_expires_after` when the request does not set it.
const DEFAULT_EXPIRES_AFTER: u64 = 172_800;
/// The frame rate of every Seedance video.
const FRAMES_PER_SECOND: u64 = 24;

/// The status of an Ark task.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Status {
    Queued,
    Running,
    Succeeded {
        video_url: String,
        last_frame_url: Option<String>,
    },
    Failed,
    Cancelled,
    Expired,
}

impl Status {
    fn name(&self) -> &'static str {
        match self {
            Status::Queued => "queued",
            Status::Running => "running",
            Status::Succeeded { .. } => "succeeded",
            Status::Failed => "failed",
            Status::Cancelled => "cancelled",
            Status::Expired => "expired",
        }
    }
}

/// A status and when the task reached it (since its creation).
pub(super) struct Standing {
    pub(super) status: Status,
    since: Duration,
}

/// Task `id` if the API still shows it: an Ark task of the last 7 days, not cancelled more
/// than 24 hours ago.
pub(super) fn visible(state: &State, id: &str) -> Option<Task> {
    let task = state.task(id).filter(|task| task.provider == "ark")?;
    let fresh = state.since(task.created) < RETENTION;
    let kept = task
        .cancelled
        .is_none_or(|at| state.since(at) < CANCELLED_RETENTION);
    (fresh && kept).then_some(task)
}

fn expires_after(task: &Task) -> u64 {
    task.request["execution_expires_after"]
        .as_u64()
        .unwrap_or(DEFAULT_EXPIRES_AFTER)
}

/// Where task `id` stands now.
pub(super) fn status_of(state: &State, id: &str, task: &Task) -> Standing {
    if let Some(at) = task.cancelled {
        return Standing {
            status: Status::Cancelled,
            since: at.saturating_duration_since(task.created),
        };
    }
    // A task that would still be queued or running when its execution window closes expires
    // then, whatever the simulated outcome.
    let window = Duration::from_secs(expires_after(task));
    if task.duration > window && state.since(task.created) >= window {
        return Standing {
            status: Status::Expired,
            since: window,
        };
    }
    match state.phase(id, task) {
        Phase::Queued => Standing {
            status: Status::Queued,
            since: Duration::ZERO,
        },
        Phase::Running { .. } => Standing {
            status: Status::Running,
            since: task.queued,
        },
        Phase::Succeeded {
            video_url,
            last_frame_url,
        } => Standing {
            status: Status::Succeeded {
                video_url,
                last_frame_url,
            },
            since: task.duration,
        },
        Phase::Failed => Standing {
            status: Status::Failed,
            since: task.duration,
        },
        Phase::Expired => Standing {
            status: Status::Expired,
            since: task.duration,
        },
    }
}

/// Width × height of a 16:9 video at `resolution`, for a plausible token count (Ark bills
/// about one token per 1024 pixels of each frame).
fn pixels(resolution: &str) -> u64 {
    match resolution {
        "480p" => 854 * 480,
        "1080p" => 1920 * 1080,
        "4k" => 3840 * 2160,
        _ => 1280 * 720,
    }
}

/// The task object of `GET .../tasks/{id}` (and of the list's items).
pub(super) fn task_json(state: &State, id: &str, task: &Task) -> Value {
    let request = &task.request;
    let standing = status_of(state, id, task);
    let draft = request["draft"] == json!(true);
    let draft_task = request["content"]
        .as_array()
        .into_iter()
        .flatten()
        .find_map(|item| item["draft_task"]["id"].as_str());
    let two_five = super::is_model(&task.model, &super::SEEDANCE_2_5);
    let resolution = match request["resolution"].as_str() {
        _ if draft => "480p",
        Some(resolution) => resolution,
        None if task.model.contains("1-0-pro") => "1080p",
        // A 2.5 final video from a draft is 1080p unless asked otherwise (the Comfy Router
        // schema of dreamina-seedance-2-5-flash-261115).
        None if two_five && draft_task.is_some() => "1080p",
        None => "720p",
    };
    // The API reports the ratio it chose when asked for `adaptive`.
    let ratio = match request["ratio"].as_str() {
        Some("adaptive") | None => "16:9",
        Some(ratio) => ratio,
    };
    let seed = match request["seed"].as_i64() {
        Some(seed) if seed >= 0 => seed as u64,
        _ => task.number.wrapping_mul(2_654_435_761) % (1 << 32),
    };
    let mut body = json!({
        "id": id,
        "model": task.model,
        "status": standing.status.name(),
        "error": null,
        "created_at": task.created_unix,
        "updated_at": task.created_unix + standing.since.as_secs(),
        "seed": seed,
        "resolution": resolution,
        "ratio": ratio,
        "framespersecond": FRAMES_PER_SECOND,
        "generate_audio": request.get("generate_audio").cloned().unwrap_or(json!(true)),
        "draft": draft,
        "service_tier": request.get("service_tier").cloned().unwrap_or(json!("default")),
        "execution_expires_after": expires_after(task),
        // The container asked for, mp4 by default (the Comfy Router example echoes mp4 on a
        // 1.5 task; the official SDK's task type has the field).
        "output_format": request.get("output_format").cloned().unwrap_or(json!("mp4")),
    });
    // The video's length in frames: frames when given (then reported instead of duration),
    // else the duration, which -1 (the model chooses) turns into 5 seconds.
    let n_frames = match request["frames"].as_u64() {
        Some(frames) => {
            body["frames"] = json!(frames);
            frames
        }
        None => {
            let seconds = request["duration"]
                .as_u64()
                .filter(|seconds| *seconds > 0)
                .unwrap_or(5);
            body["duration"] = json!(seconds);
            seconds * FRAMES_PER_SECOND
        }
    };
    // omni_reference_task_type: echoed as given (our inference; see specs/ark/sources.json).
    for echoed in ["priority", "safety_identifier", "omni_reference_task_type"] {
        if let Some(value) = request.get(echoed) {
            body[echoed] = value.clone();
        }
    }
    if let Some(draft_task) = draft_task {
        body["draft_task_id"] = json!(draft_task);
    }
    match standing.status {
        Status::Succeeded {
            video_url,
            last_frame_url,
        } => {
            let mut content = json!({"video_url": video_url});
            if let Some(url) = last_frame_url {
                content["last_frame_url"] = json!(url);
            }
            body["content"] = content;
            let tokens = pixels(resolution) * n_frames / 1024;
            body["usage"] = json!({"completion_tokens": tokens, "total_tokens": tokens});
            // With the web_search tool, the model decides whether to search and each search is
            // counted (volcengine-go-sdk model/images.go `tool_usage.web_search`); the
            // simulator searches once, so tests get a fixed count.
            let searches = request["tools"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|tool| tool["type"] == "web_search");
            if searches {
                body["usage"]["tool_usage"] = json!({"web_search": 1});
            }
        }
        Status::Failed => {
            body["error"] = match &task.failure {
                Some(failure) => json!({"code": failure.code, "message": failure.message}),
                None => json!({
                    "code": "InternalServiceError",
                    "message": "the video generation failed (simulated)",
                }),
            };
        }
        _ => {}
    }
    body
}
