//! BytePlus ModelArk (Volcengine Ark): `/api/v3/contents/generations/tasks` to create (POST),
//! list (GET), retrieve (GET `/{id}`) and cancel or delete (DELETE `/{id}`) tasks; statuses
//! `queued|running|succeeded|failed|cancelled|expired`; errors as
//! `{error: {code, message, param, type}}`; an `x-request-id` header on every answer.

mod task;

use std::{
    collections::BTreeSet,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
};

use axum::{
    Router,
    body::Bytes,
    extract::{
        Path, Query, State as Extract, rejection::BytesRejection, rejection::QueryRejection,
    },
    http::{HeaderMap, HeaderValue},
    middleware,
    response::Response,
    routing::{get, post},
};
use serde_json::{Value, json};

use super::{Accepted, Provider, admit, deliver};
use crate::{
    faults::Route,
    media::Container,
    state::{Failure, State},
    validate,
    validate::Invalid,
};
use task::{Status, status_of, task_json, visible};

const PROVIDER: Provider = Provider {
    name: "ark",
    error_body,
    rate_limit_header: None,
    // The official SDKs (volcengine-ark-runtime) send every create parameter the caller left
    // unset as JSON `null`, including some the docs do not declare (`tools`, `output_format`,
    // `omni_reference_task_type`), and the real API takes such bodies: a null member reads as
    // an absent one.
    nulls_are_absent: true,
};

/// The collection path in the spec (its server URL ends in `/api/v3`).
const SPEC_PATH: &str = "/contents/generations/tasks";

/// Ark's error body. The code is the rule's own when it has one (`code`), else it follows the
/// HTTP status as in Ark's error-code table; a refusal by the schema for a missing member is
/// `MissingParameter`.
fn error_body(status: u16, code: Option<&str>, message: &str, param: Option<&str>) -> Value {
    let (kind, default_code) = match status {
        400 if message.contains("is a required property") || message.starts_with("Missing") => {
            ("BadRequest", "MissingParameter")
        }
        400 | 413 => ("BadRequest", "InvalidParameter"),
        401 => ("Unauthorized", "AuthenticationError"),
        403 => ("Forbidden", "AccessDenied"),
        404 => ("NotFound", "NotFound.TaskId"),
        429 => ("TooManyRequests", "RateLimitExceeded.EndpointRPMExceeded"),
        _ => ("InternalServerError", "InternalServiceError"),
    };
    json!({"error": {
        "code": code.unwrap_or(default_code),
        "message": message,
        "param": param.unwrap_or_default(),
        "type": kind,
    }})
}

pub(super) fn routes() -> Router<Arc<State>> {
    let collection = format!("/api/v3{SPEC_PATH}");
    Router::new()
        .route(&collection, post(create).get(list))
        .route(
            &format!("{collection}/{{id}}"),
            get(retrieve).delete(cancel_or_delete),
        )
        .layer(middleware::map_response(with_request_id))
}

/// Ark puts a request id on every response, errors included; clients quote it in reports.
async fn with_request_id(mut response: Response) -> Response {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let unix_millis = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis());
    let id = format!("02{unix_millis:013}{n:016x}");
    response.headers_mut().insert(
        "x-request-id",
        HeaderValue::from_str(&id).expect("digits and hex are a valid header value"),
    );
    response
}

fn invalid(param: &str, message: impl Into<String>) -> Invalid {
    Invalid {
        param: param.to_owned(),
        message: message.into(),
        code: None,
    }
}

/// The model id prefixes of Seedance 2.5 (BytePlus `dreamina-`, Volcengine `doubao-`), 2.5 Flash
/// included: `dreamina-seedance-2-5-260628`, `dreamina-seedance-2-5-flash-261115` and their
/// `doubao-` twins.
const SEEDANCE_2_5: [&str; 2] = ["dreamina-seedance-2-5-", "doubao-seedance-2-5-"];
/// The model id prefixes of Seedance 2.5 Flash (`dreamina-seedance-2-5-flash-261115`,
/// `doubao-seedance-2-5-flash-261115`).
const SEEDANCE_2_5_FLASH: [&str; 2] =
    ["dreamina-seedance-2-5-flash-", "doubao-seedance-2-5-flash-"];
/// 2.5 Flash renders 480p and 720p only, and has no Draft (ComfyUI-BytePlus-ModelArk v0.9.0;
/// laozhang, 2026-12-04). 2.5 itself goes from 480p to 4k, which the spec's enum covers.
const FLASH_RESOLUTIONS: [&str; 2] = ["480p", "720p"];
/// Put in the prompt of a 2.5 task declared `edit` or `extend`, it stands for a prompt that
/// contradicts the declared type: the task is accepted, then fails with
/// `InvalidParameter.TaskTypeMismatch`, as Ark fails such tasks asynchronously (apiyi, index
/// id 68312551052).
pub const ARK_TASK_TYPE_MISMATCH_MARKER: &str = "[sim:task-type-mismatch]";

fn is_model(model: &str, prefixes: &[&str]) -> bool {
    prefixes.iter().any(|prefix| model.starts_with(prefix))
}

/// A refusal of Seedance 2.5's task-type rules: 400 `InvalidParameter.TaskTypeConstraint`.
fn task_type_constraint(param: &str, message: String) -> Invalid {
    Invalid {
        code: Some("InvalidParameter.TaskTypeConstraint"),
        ..invalid(param, message)
    }
}

/// Seedance 2.5's own rules (apiyi Seedance 2.5 doc, index id 68312551052, a reseller's; the Go
/// SDK has `omni_reference_task_type` since commit f8ba1bf4): `ratio` must be `adaptive` for
/// edit and extend and with first (and last) frames, and edit takes `duration` -1; a conflict
/// is refused at once with `InvalidParameter.TaskTypeConstraint`. 2.5 Flash also refuses a
/// resolution above 720p and `draft`. `framed` says whether the content has a first or last
/// frame.
fn check_2_5(body: &Value, model: &str, framed: bool) -> Result<(), Invalid> {
    let task_type = body["omni_reference_task_type"].as_str();
    let ratio = body["ratio"].as_str().filter(|ratio| *ratio != "adaptive");
    if let (Some(task_type @ ("edit" | "extend")), Some(ratio)) = (task_type, ratio) {
        return Err(task_type_constraint(
            "ratio",
            format!(
                "ratio {ratio} conflicts with omni_reference_task_type {task_type}: edit and \
                 extend need ratio adaptive"
            ),
        ));
    }
    if task_type == Some("edit")
        && let Some(duration) = body["duration"].as_i64().filter(|seconds| *seconds != -1)
    {
        return Err(task_type_constraint(
            "duration",
            format!(
                "duration {duration} conflicts with omni_reference_task_type edit: edit needs \
                 duration -1 (the length of the edited video)"
            ),
        ));
    }
    if framed && let Some(ratio) = ratio {
        return Err(task_type_constraint(
            "ratio",
            format!(
                "ratio {ratio} conflicts with the first_frame/last_frame images: first-frame and \
                 first-and-last-frame tasks need ratio adaptive"
            ),
        ));
    }
    if is_model(model, &SEEDANCE_2_5_FLASH) {
        if let Some(resolution) = body["resolution"]
            .as_str()
            .filter(|resolution| !FLASH_RESOLUTIONS.contains(resolution))
        {
            return Err(invalid(
                "resolution",
                format!(
                    "resolution {resolution} is not supported by {model}: one of \
                     {FLASH_RESOLUTIONS:?}"
                ),
            ));
        }
        if body["draft"] == json!(true) {
            return Err(invalid(
                "draft",
                format!("draft is not supported by {model}"),
            ));
        }
    }
    Ok(())
}

/// The failure a 2.5 task's request makes it end with: a prompt carrying
/// [`ARK_TASK_TYPE_MISMATCH_MARKER`] under a declared `edit` or `extend`.
fn failure_2_5(body: &Value, prompt: &str) -> Option<Failure> {
    let task_type = body["omni_reference_task_type"].as_str()?;
    (["edit", "extend"].contains(&task_type) && prompt.contains(ARK_TASK_TYPE_MISMATCH_MARKER))
        .then(|| Failure {
            code: "InvalidParameter.TaskTypeMismatch",
            message: format!(
                "the prompt does not describe an {task_type} task, the declared \
                 omni_reference_task_type (simulated by {ARK_TASK_TYPE_MISMATCH_MARKER})"
            ),
        })
}

/// Ark's own checks beyond the schema: each item carries the member its type names, roles fit
/// their types, and the input modes do not mix.
fn check(body: &Value) -> Result<Accepted, Invalid> {
    let items = body["content"].as_array().cloned().unwrap_or_default();
    if items.is_empty() {
        return Err(invalid(
            "content",
            "Missing content: at least one item is required",
        ));
    }
    let mut roles = BTreeSet::new();
    let mut kinds = BTreeSet::new();
    let mut prompt = String::new();
    // An image without a role is a first frame (the create page: the role is optional for a
    // single first-frame image).
    let mut frame_images = false;
    for item in &items {
        let kind = item["type"].as_str().unwrap_or_default();
        let (payload, allowed_roles): (&str, &[&str]) = match kind {
            "text" => ("text", &[]),
            "image_url" => ("url", &["first_frame", "last_frame", "reference_image"]),
            "video_url" => ("url", &["reference_video"]),
            "audio_url" => ("url", &["reference_audio"]),
            _ => ("id", &[]),
        };
        let value = match kind {
            "text" => &item["text"],
            _ => &item[kind][payload],
        };
        if value.as_str().is_none_or(|text| text.trim().is_empty()) {
            let member = if kind == "text" {
                "text".to_owned()
            } else {
                format!("{kind}.{payload}")
            };
            return Err(invalid(
                "content",
                format!("Missing {member}: a content item of type {kind} needs it"),
            ));
        }
        if kind == "text" {
            prompt = value.as_str().unwrap_or_default().to_owned();
        }
        if let Some(role) = item.get("role").and_then(Value::as_str) {
            if !allowed_roles.contains(&role) {
                return Err(invalid(
                    "content",
                    format!(
                        "role {role} is not valid for a content item of type {kind}; allowed: \
                         {allowed_roles:?}"
                    ),
                ));
            }
            roles.insert(role.to_owned());
        }
        frame_images |= kind == "image_url"
            && item["role"]
                .as_str()
                .is_none_or(|role| role == "first_frame" || role == "last_frame");
        kinds.insert(kind.to_owned());
    }
    let framed = roles.contains("first_frame") || roles.contains("last_frame");
    let referenced = roles.iter().any(|role| role.starts_with("reference_"));
    if framed && referenced {
        return Err(invalid(
            "content",
            "first_frame/last_frame images and reference_* items cannot be combined",
        ));
    }
    if roles.contains("last_frame") && !roles.contains("first_frame") {
        return Err(invalid(
            "content",
            "a last_frame image needs a first_frame image",
        ));
    }
    if kinds.contains("audio_url") && !kinds.contains("image_url") && !kinds.contains("video_url") {
        return Err(invalid(
            "content",
            "reference audio needs at least one reference image or video",
        ));
    }
    let draft = body["draft"] == json!(true);
    if draft && body["return_last_frame"] == json!(true) {
        return Err(invalid(
            "return_last_frame",
            "return_last_frame is not supported with draft",
        ));
    }
    if draft && body["service_tier"] == json!("flex") {
        return Err(invalid(
            "service_tier",
            "service_tier flex is not supported with draft",
        ));
    }
    let model = body["model"].as_str().unwrap_or_default().to_owned();
    let two_five = is_model(&model, &SEEDANCE_2_5);
    if two_five {
        check_2_5(body, &model, frame_images)?;
    }
    // The spec's enum admits mp4 and mov only.
    let container = match body["output_format"].as_str() {
        Some("mov") => Container::Mov,
        _ => Container::Mp4,
    };
    let failure = two_five.then(|| failure_2_5(body, &prompt)).flatten();
    Ok(Accepted {
        model,
        prompt,
        return_last_frame: body["return_last_frame"] == json!(true),
        container,
        failure,
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
        SPEC_PATH,
        &headers,
        body,
        check,
        |_, id, _| json!({"id": id}),
    )
    .await
}

fn not_found(id: &str) -> Response {
    PROVIDER.error(
        404,
        &format!("the specified task {id} is not found (tasks are kept for 7 days)"),
        Some("id"),
    )
}

async fn retrieve(
    Extract(state): Extract<Arc<State>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let faults = match admit(&state, &PROVIDER, Route::Status, "status", &headers).await {
        Ok(faults) => faults,
        Err(refused) => return refused,
    };
    match visible(&state, &id) {
        Some(task) => deliver(task_json(&state, &id, &task), &faults),
        None => not_found(&id),
    }
}

/// The DELETE table: a queued task is cancelled; a finished one (succeeded, failed, expired)
/// loses its record; a running or cancelled one is refused. The body (none, or `{}` from the
/// SDKs) is ignored.
async fn cancel_or_delete(
    Extract(state): Extract<Arc<State>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let faults = match admit(&state, &PROVIDER, Route::Delete, "delete", &headers).await {
        Ok(faults) => faults,
        Err(refused) => return refused,
    };
    let Some(task) = visible(&state, &id) else {
        return not_found(&id);
    };
    match status_of(&state, &id, &task).status {
        Status::Queued => {
            state.cancel(&id);
        }
        Status::Running => {
            return PROVIDER.error(
                400,
                &format!(
                    "the task {id} is running: only a queued task can be cancelled, and a task \
                     can be deleted once it has succeeded, failed or expired"
                ),
                Some("id"),
            );
        }
        Status::Cancelled => {
            return PROVIDER.error(
                400,
                &format!(
                    "the task {id} is cancelled already; a cancelled task cannot be deleted \
                     (its record goes 24 hours after the cancellation)"
                ),
                Some("id"),
            );
        }
        Status::Succeeded { .. } | Status::Failed | Status::Expired => {
            state.remove(&id);
        }
    }
    deliver(json!({}), &faults)
}

/// The statuses a list can filter on (not `expired`).
const STATUS_FILTERS: [&str; 5] = ["queued", "running", "cancelled", "succeeded", "failed"];

/// The list query, with Ark's defaults.
struct ListQuery {
    page_num: usize,
    page_size: usize,
    status: Option<String>,
    task_ids: Vec<String>,
    model: Option<String>,
    service_tier: String,
}

impl ListQuery {
    fn parse(pairs: &[(String, String)]) -> Result<Self, Invalid> {
        validate::query(PROVIDER.name, SPEC_PATH, pairs)?;
        let mut query = ListQuery {
            page_num: 1,
            page_size: 20,
            status: None,
            task_ids: Vec::new(),
            model: None,
            // Documented: the filter defaults to `default`, so flex tasks are listed only when
            // asked for.
            service_tier: "default".to_owned(),
        };
        for (key, value) in pairs {
            match key.as_str() {
                "page_num" | "page_size" => {
                    let n = value
                        .parse::<usize>()
                        .ok()
                        .filter(|n| (1..=500).contains(n))
                        .ok_or_else(|| {
                            invalid(
                                key,
                                format!("{key} {value:?} is not an integer in [1, 500]"),
                            )
                        })?;
                    if key == "page_num" {
                        query.page_num = n;
                    } else {
                        query.page_size = n;
                    }
                }
                // The spec's enums, checked here too so that the list never filters on a
                // value Ark would refuse.
                "filter.status" if !STATUS_FILTERS.contains(&value.as_str()) => {
                    return Err(invalid(
                        key,
                        format!("{key} {value:?} is not one of {STATUS_FILTERS:?}"),
                    ));
                }
                "filter.service_tier" if !["default", "flex"].contains(&value.as_str()) => {
                    return Err(invalid(
                        key,
                        format!("{key} {value:?} is not one of [\"default\", \"flex\"]"),
                    ));
                }
                "filter.status" => query.status = Some(value.clone()),
                "filter.task_ids" => query.task_ids.push(value.clone()),
                "filter.model" => query.model = Some(value.clone()),
                "filter.service_tier" => query.service_tier = value.clone(),
                _ => {}
            }
        }
        Ok(query)
    }
}

/// Newest first, the last 7 days only, filtered and paged: `{items, total}`.
async fn list(
    Extract(state): Extract<Arc<State>>,
    headers: HeaderMap,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Response {
    let faults = match admit(&state, &PROVIDER, Route::List, "list", &headers).await {
        Ok(faults) => faults,
        Err(refused) => return refused,
    };
    let query = match query {
        Ok(Query(pairs)) => ListQuery::parse(&pairs),
        Err(rejection) => Err(invalid("", rejection.body_text())),
    };
    let query = match query {
        Ok(query) => query,
        Err(invalid) => return PROVIDER.refuse(&invalid),
    };
    let matching: Vec<Value> = state
        .tasks_of(PROVIDER.name)
        .into_iter()
        .filter(|(id, _)| visible(&state, id).is_some())
        .filter(|(id, _)| query.task_ids.is_empty() || query.task_ids.contains(id))
        .filter(|(_, task)| {
            query
                .model
                .as_ref()
                .is_none_or(|model| *model == task.model)
        })
        .map(|(id, task)| task_json(&state, &id, &task))
        .filter(|task| task["service_tier"] == query.service_tier.as_str())
        .filter(|task| {
            query
                .status
                .as_ref()
                .is_none_or(|status| task["status"] == status.as_str())
        })
        .collect();
    let total = matching.len();
    let items: Vec<Value> = matching
        .into_iter()
        .skip((query.page_num - 1).saturating_mul(query.page_size))
        .take(query.page_size)
        .collect();
    deliver(json!({"items": items, "total": total}), &faults)
}
