//! The API origin: one module per provider, sharing the request flow (counting, faults,
//! authentication, validation against the spec, the task store).

mod ark;
mod jiekou;
mod modellix;
mod odkkk;

use std::{convert::Infallible, sync::Arc};

use axum::{
    Router,
    body::Body,
    extract::{DefaultBodyLimit, rejection::BytesRejection},
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Response},
};
use bytes::Bytes;
use serde_json::Value;

pub use ark::ARK_TASK_TYPE_MISMATCH_MARKER;

use crate::{
    faults::{Fault, Route},
    media::Container,
    state::{Failure, NewTask, Outcome, State, Task},
    validate::{self, Invalid},
};

/// The largest request body accepted. The providers take images inline as data URLs (Modellix
/// documents 30 MB per image), far beyond axum's default limit of 2 MB.
pub(crate) const MAX_BODY_BYTES: usize = 64 * 1024 * 1024;

pub(crate) fn router(state: Arc<State>) -> Router {
    Router::new()
        .merge(modellix::routes())
        .merge(jiekou::routes())
        .merge(odkkk::routes())
        .merge(ark::routes())
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(state)
}

/// What differs between providers in the shared flow.
pub(crate) struct Provider {
    pub(crate) name: &'static str,
    /// The provider's error body for an HTTP status; `code`, when given, is the provider's
    /// specific error code (only Ark's bodies carry one beyond the status).
    pub(crate) error_body:
        fn(status: u16, code: Option<&str>, message: &str, param: Option<&str>) -> Value,
    /// Extra headers on a 429 (Modellix documents `X-RateLimit-Reset`).
    pub(crate) rate_limit_header: Option<&'static str>,
    /// Whether top-level members whose value is `null` are dropped before validation, as from
    /// an absent member (Ark: its official SDKs send every unset field as `null`).
    pub(crate) nulls_are_absent: bool,
}

impl Provider {
    pub(crate) fn error(&self, status: u16, message: &str, param: Option<&str>) -> Response {
        self.error_coded(status, None, message, param)
    }

    /// An error whose provider code is `code` when given (Ark's
    /// `InvalidParameter.TaskTypeConstraint`), else the provider's code for `status`.
    fn error_coded(
        &self,
        status: u16,
        code: Option<&str>,
        message: &str,
        param: Option<&str>,
    ) -> Response {
        let http = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        (
            http,
            axum::Json((self.error_body)(status, code, message, param)),
        )
            .into_response()
    }

    /// The 400 refusing an invalid request.
    pub(crate) fn refuse(&self, invalid: &Invalid) -> Response {
        self.error_coded(400, invalid.code, &invalid.message, Some(&invalid.param))
    }

    fn fault_response(&self, status: u16, retry_after: Option<u64>) -> Response {
        let message = match status {
            429 => "Too many requests (simulated)",
            500 => "Internal server error (simulated)",
            502 => "Upstream service error (simulated)",
            503 => "Service temporarily unavailable (simulated)",
            _ => "Simulated failure",
        };
        let mut response = self.error(status, message, None);
        if let Some(seconds) = retry_after {
            let headers = response.headers_mut();
            headers.insert(header::RETRY_AFTER, seconds.into());
            if let Some(name) = self.rate_limit_header {
                headers.insert(name, seconds.into());
            }
        }
        response
    }
}

/// Sleeps for every `Delay` fault.
pub(crate) async fn apply_delays(faults: &[Fault]) {
    for fault in faults {
        if let Fault::Delay(delay) = fault {
            tokio::time::sleep(*delay).await;
        }
    }
}

/// A response that announces `full_len` bytes, sends `sent`, then breaks the connection.
pub(crate) fn broken_body(content_type: &str, sent: Bytes, full_len: usize) -> Response {
    let chunks: Vec<Result<Bytes, std::io::Error>> = vec![
        Ok(sent),
        Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "simulated connection drop",
        )),
    ];
    Response::builder()
        .header(header::CONTENT_TYPE, content_type)
        .header(header::CONTENT_LENGTH, full_len)
        .body(Body::from_stream(futures_util::stream::iter(chunks)))
        .expect("static response parts are valid")
}

/// Sends `body` with status 200, or broken as the faults say.
fn deliver(body: Value, faults: &[Fault]) -> Response {
    let bytes = Bytes::from(serde_json::to_vec(&body).expect("JSON serializes"));
    for fault in faults {
        match fault {
            Fault::DropConnection => {
                return broken_body("application/json", Bytes::new(), bytes.len());
            }
            Fault::TruncateBody => {
                let half = bytes.slice(..bytes.len() / 2);
                return broken_body("application/json", half, bytes.len());
            }
            _ => {}
        }
    }
    let stream = futures_util::stream::once(async move { Ok::<_, Infallible>(bytes) });
    Response::builder()
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from_stream(stream))
        .expect("static response parts are valid")
}

fn authorized(headers: &HeaderMap) -> bool {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .is_some_and(|key| !key.trim().is_empty())
}

/// What a provider's submit handler extracts from a valid body.
pub(crate) struct Accepted {
    pub(crate) model: String,
    pub(crate) prompt: String,
    pub(crate) return_last_frame: bool,
    /// The container of the result video (Ark's `output_format`).
    pub(crate) container: Container,
    /// Set when the request is accepted but its task will fail (Ark's asynchronous
    /// `InvalidParameter.TaskTypeMismatch`); it overrides the injected outcome faults.
    pub(crate) failure: Option<Failure>,
}

/// What every API request goes through first: counting, the faults that apply (delays, an
/// injected error status) and authentication. Returns the remaining faults, or the refusal.
async fn admit(
    state: &State,
    provider: &Provider,
    route: Route,
    route_name: &str,
    headers: &HeaderMap,
) -> Result<Vec<Fault>, Response> {
    state.count(&format!("{} {route_name}", provider.name));
    let faults = state.faults.pick(Some(provider.name), route);
    apply_delays(&faults).await;
    if let Some(Fault::Status { code, retry_after }) =
        faults.iter().find(|f| matches!(f, Fault::Status { .. }))
    {
        return Err(provider.fault_response(*code, *retry_after));
    }
    if !authorized(headers) {
        return Err(provider.error(
            401,
            "Authentication failed: missing or invalid API key",
            None,
        ));
    }
    Ok(faults)
}

/// The shared submit flow: count, faults, auth, JSON, spec validation, the provider's own
/// checks, task creation, then the provider's answer.
pub(crate) async fn submit(
    state: &State,
    provider: &Provider,
    spec_path: &str,
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
    check: impl FnOnce(&Value) -> Result<Accepted, Invalid>,
    answer: impl FnOnce(&State, &str, &Task) -> Value,
) -> Response {
    let faults = match admit(state, provider, Route::Submit, "submit", headers).await {
        Ok(faults) => faults,
        Err(refused) => return refused,
    };
    let body = match body {
        Ok(body) => body,
        // Refused in the provider's own error shape, not axum's plain text.
        Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            let message = format!(
                "Request body too large: the limit is {} MiB",
                MAX_BODY_BYTES / (1024 * 1024)
            );
            return provider.error(413, &message, None);
        }
        Err(rejection) => {
            return provider.error(rejection.status().as_u16(), &rejection.body_text(), None);
        }
    };
    let mut json: Value = match serde_json::from_slice(&body) {
        Ok(json) => json,
        Err(err) => return provider.error(400, &format!("Invalid format: {err}"), None),
    };
    if provider.nulls_are_absent
        && let Value::Object(members) = &mut json
    {
        members.retain(|_, value| !value.is_null());
    }
    if let Err(invalid) = validate::request_body(provider.name, spec_path, &json) {
        return provider.refuse(&invalid);
    }
    let accepted = match check(&json) {
        Ok(accepted) => accepted,
        Err(invalid) => return provider.refuse(&invalid),
    };
    state.count_prompt(&accepted.prompt);
    let outcome = if accepted.failure.is_some() || faults.contains(&Fault::FailTask) {
        Outcome::Fail
    } else if faults.contains(&Fault::ExpireTask) {
        Outcome::Expire
    } else {
        Outcome::Succeed
    };
    let hold_queued = faults.iter().find_map(|fault| match fault {
        Fault::HoldQueued(hold) => Some(*hold),
        _ => None,
    });
    let id = state.create(NewTask {
        provider: provider.name,
        model: &accepted.model,
        prompt: &accepted.prompt,
        outcome,
        failure: accepted.failure,
        return_last_frame: accepted.return_last_frame,
        container: accepted.container,
        hold_queued,
        request: json,
    });
    let task = state.task(&id).expect("just created");
    deliver(answer(state, &id, &task), &faults)
}

/// The shared status flow.
pub(crate) async fn status(
    state: &State,
    provider: &Provider,
    headers: &HeaderMap,
    task_id: Option<&str>,
    answer: impl FnOnce(&State, &str, &Task) -> Value,
) -> Response {
    let faults = match admit(state, provider, Route::Status, "status", headers).await {
        Ok(faults) => faults,
        Err(refused) => return refused,
    };
    let Some(task_id) = task_id.filter(|id| !id.is_empty()) else {
        return provider.error(400, "Missing required parameter: task_id", Some("task_id"));
    };
    let Some(task) = state.task(task_id).filter(|t| t.provider == provider.name) else {
        return provider.error(404, "Task not found or expired", Some("task_id"));
    };
    deliver(answer(state, task_id, &task), &faults)
}

/// The prompt of a body, for the per-prompt counter.
pub(crate) fn prompt_of(body: &Value) -> String {
    body.get("prompt")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}
