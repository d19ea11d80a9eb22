//! Ark's answers through the facade: every documented task example normalized (video, last
//! frame, usage, a lifetime counted from the finish), every status word, a failure with its code,
//! a success without a video, web searches in the usage, and every documented error response of
//! every operation mapped to its `Error` variant.

use std::fmt::Write as _;

use futures_util::StreamExt;
use seedance_sdk::{
    Client, Error, ListFilter, Provider, RetryPolicy, TaskHandle, TaskStatus, Usage,
};
use serde_json::{Value, json};
use wiremock::{
    Mock, MockServer, ResponseTemplate,
    matchers::{any, method, path},
};

const TASK: &str = "cgt-20260101000000-abcde";

fn spec() -> Value {
    let file = concat!(env!("CARGO_MANIFEST_DIR"), "/../../specs/ark/openapi.json");
    serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap()
}

/// The named examples of the retrieve answer.
fn task_examples(spec: &Value) -> Vec<(String, Value)> {
    let examples = &spec["paths"]["/contents/generations/tasks/{id}"]["get"]["responses"]["200"]["content"]
        ["application/json"]["examples"];
    examples
        .as_object()
        .expect("named examples")
        .iter()
        .map(|(name, example)| (name.clone(), example["value"].clone()))
        .collect()
}

fn client(server: &MockServer) -> Client {
    Client::builder(Provider::Ark)
        .api_key("sk-test-secret")
        .base_url(format!("{}/api/v3", server.uri()))
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap()
}

fn handle(server: &MockServer) -> TaskHandle {
    TaskHandle::new(Provider::Ark, format!("{}/api/v3", server.uri()), TASK, 0)
}

async fn status_of(status: u16, body: &Value) -> Result<TaskStatus, Error> {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("/api/v3/contents/generations/tasks/{TASK}")))
        .respond_with(
            ResponseTemplate::new(status)
                .insert_header("x-request-id", "req-ark-1")
                .set_body_json(body),
        )
        .mount(&server)
        .await;
    client(&server).status(&handle(&server)).await
}

#[tokio::test]
async fn documented_task_examples() {
    let spec = spec();
    let examples = task_examples(&spec);
    assert_eq!(examples.len(), 3);
    let mut table = serde_json::Map::new();
    for (name, body) in examples {
        let status = status_of(200, &body)
            .await
            .unwrap_or_else(|err| panic!("{name}: {err}"));
        let TaskStatus::Succeeded(video) = &status else {
            panic!("{name}: {status:?}");
        };
        // 24 h from `updated_at`, the time the task finished.
        let finished = body["updated_at"].as_u64().unwrap();
        assert_eq!(video.expires_at, Some(finished + 24 * 3600), "{name}");
        assert!(
            video.is_expired(),
            "{name}: these examples finished long ago"
        );
        table.insert(name, serde_json::to_value(&status).unwrap());
    }
    insta::assert_json_snapshot!("ark__documented_task_examples", table);
}

#[tokio::test]
async fn every_status_word() {
    let base =
        json!({"id": TASK, "model": "seedance-1-5-pro-251215", "created_at": 1, "updated_at": 2});
    let with = |extra: Value| {
        let mut body = base.clone();
        body.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        body
    };
    for (body, expected) in [
        (with(json!({"status": "queued"})), TaskStatus::Queued),
        (
            with(json!({"status": "running"})),
            TaskStatus::Running {
                progress: None,
                eta: None,
            },
        ),
        (with(json!({"status": "cancelled"})), TaskStatus::Cancelled),
        (with(json!({"status": "expired"})), TaskStatus::Expired),
        (
            with(json!({"status": "failed", "error": {
                "code": "OutputVideoSensitiveContentDetected", "message": "the output was blocked"}})),
            TaskStatus::Failed {
                code: Some("OutputVideoSensitiveContentDetected".into()),
                message: "the output was blocked".into(),
            },
        ),
        (
            with(json!({"status": "failed", "error": null})),
            TaskStatus::Failed {
                code: None,
                message: "the task failed (Ark gives no reason)".into(),
            },
        ),
        (
            with(json!({"status": "paused"})),
            TaskStatus::Unknown {
                raw: "paused".into(),
            },
        ),
        (
            base.clone(),
            TaskStatus::Unknown {
                raw: "(no status)".into(),
            },
        ),
    ] {
        assert_eq!(status_of(200, &body).await.unwrap(), expected, "{body}");
    }
    for content in [json!({}), json!({"video_url": " "}), Value::Null] {
        let body = with(json!({"status": "succeeded", "content": content}));
        let err = status_of(200, &body).await.unwrap_err();
        assert!(
            matches!(&err, Error::SucceededWithoutVideo { provider: Provider::Ark, task_id } if task_id == TASK),
            "{body}: {err:?}"
        );
    }
    // No usage figure: no usage object.
    let body = with(
        json!({"status": "succeeded", "content": {"video_url": "https://cdn.example.com/v.mp4"}, "usage": {}}),
    );
    let TaskStatus::Succeeded(video) = status_of(200, &body).await.unwrap() else {
        panic!("succeeded");
    };
    assert_eq!(video.usage, None);
}

/// A 2.5 task whose prompt contradicts its declared `omni_reference_task_type` fails while
/// running; the reason says so in words and what to change, and the code stays Ark's.
#[tokio::test]
async fn a_task_type_mismatch_says_what_to_change() {
    const CODE: &str = "InvalidParameter.TaskTypeMismatch";
    let failed = |echo: Value, message: Value| {
        json!({"id": TASK, "model": "dreamina-seedance-2-5-260628", "status": "failed",
            "omni_reference_task_type": echo, "error": {"code": CODE, "message": message}})
    };
    let advice = "rewrite the prompt to describe that task, or change the task type (auto lets \
                  the model decide)";
    for (body, expected) in [
        (
            failed(json!("edit"), json!("the prompt describes a new video")),
            format!(
                "the prompt contradicts the declared task type (omni_reference_task_type edit): \
                 {advice}; Ark says: the prompt describes a new video"
            ),
        ),
        // A task that does not echo its type, and one with no message.
        (
            failed(Value::Null, json!("the prompt describes a new video")),
            format!(
                "the prompt contradicts the declared task type (omni_reference_task_type): \
                 {advice}; Ark says: the prompt describes a new video"
            ),
        ),
        (
            failed(json!("extend"), json!("")),
            format!(
                "the prompt contradicts the declared task type (omni_reference_task_type \
                 extend): {advice}"
            ),
        ),
    ] {
        assert_eq!(
            status_of(200, &body).await.unwrap(),
            TaskStatus::Failed {
                code: Some(CODE.into()),
                message: expected,
            },
            "{body}"
        );
    }
    // A long message is cut, never the advice.
    let long = "x".repeat(4000);
    let TaskStatus::Failed { message, .. } = status_of(200, &failed(json!("edit"), json!(long)))
        .await
        .unwrap()
    else {
        panic!("failed");
    };
    assert!(
        message.contains(advice) && message.len() < 1100,
        "{message}"
    );
}

#[tokio::test]
async fn web_searches_are_counted_in_the_usage() {
    let succeeded = |usage: Value| {
        json!({"id": TASK, "status": "succeeded", "updated_at": 2,
            "content": {"video_url": "https://cdn.example.com/v.mp4"}, "usage": usage})
    };
    let usage_of = |usage: Value| async move {
        match status_of(200, &succeeded(usage)).await.unwrap() {
            TaskStatus::Succeeded(video) => video.usage,
            other => panic!("{other:?}"),
        }
    };
    let searched = usage_of(json!({"completion_tokens": 108900, "total_tokens": 108900,
        "tool_usage": {"web_search": 2}}))
    .await
    .expect("a usage");
    assert_eq!(
        searched,
        Usage {
            completion_tokens: Some(108_900),
            total_tokens: Some(108_900),
            web_searches: Some(2),
            ..Usage::default()
        }
    );
    // As `status --json` and `generate --json` print it.
    assert_eq!(
        serde_json::to_value(searched).unwrap(),
        json!({"completion_tokens": 108900, "total_tokens": 108900, "web_searches": 2})
    );
    // A search count alone is a usage; no count, or one that cannot be true, is none.
    assert_eq!(
        usage_of(json!({"tool_usage": {"web_search": 0}})).await,
        Some(Usage {
            web_searches: Some(0),
            ..Usage::default()
        })
    );
    for nothing in [
        json!({"tool_usage": {}}),
        json!({"tool_usage": null}),
        json!({"tool_usage": {"web_search": -1}}),
    ] {
        assert_eq!(usage_of(nothing.clone()).await, None, "{nothing}");
    }
}

/// Each documented error example of each operation, as the facade reports it.
#[tokio::test]
async fn documented_error_responses() {
    let spec = spec();
    let mut report = String::new();
    for (op_path, http_method) in [
        ("/contents/generations/tasks", "post"),
        ("/contents/generations/tasks/{id}", "get"),
        ("/contents/generations/tasks", "get"),
        ("/contents/generations/tasks/{id}", "delete"),
    ] {
        let responses = spec["paths"][op_path][http_method]["responses"]
            .as_object()
            .unwrap();
        for (code, response) in responses {
            let Ok(status) = code.parse::<u16>() else {
                continue;
            };
            if status == 200 {
                continue;
            }
            let body = &response["content"]["application/json"]["example"];
            let server = MockServer::start().await;
            Mock::given(any())
                .respond_with(
                    ResponseTemplate::new(status)
                        .insert_header("x-request-id", "req-ark-1")
                        .set_body_json(body),
                )
                .mount(&server)
                .await;
            let client = client(&server);
            let err = match (http_method, op_path) {
                ("post", _) => client
                    .submit(&seedance_sdk::VideoRequest::new("A cat"))
                    .await
                    .map(|_| ())
                    .unwrap_err(),
                ("get", "/contents/generations/tasks") => {
                    let tasks = client.list(ListFilter::default());
                    let mut tasks = std::pin::pin!(tasks);
                    tasks
                        .next()
                        .await
                        .expect("an item")
                        .map(|_| ())
                        .unwrap_err()
                }
                ("get", _) => client
                    .status(&handle(&server))
                    .await
                    .map(|_| ())
                    .unwrap_err(),
                _ => client.delete(&handle(&server)).await.unwrap_err(),
            };
            let request_id = match &err {
                Error::Provider(details) => details.request_id.clone(),
                _ => None,
            };
            let text = err.to_string();
            // The submit's outcome-unknown message carries the submit time.
            let text = match text.find("unix time ") {
                Some(at) => format!("{}unix time [submitted_at]", &text[..at]),
                None => text,
            };
            writeln!(
                report,
                "{} {op_path} {status}: {} (request id {request_id:?})\n  {text}",
                http_method.to_uppercase(),
                variant(&err),
            )
            .unwrap();
        }
    }
    insta::assert_snapshot!("ark__documented_error_responses", report);
}

fn variant(err: &Error) -> &'static str {
    match err {
        Error::BadRequest { .. } => "BadRequest",
        Error::Auth { .. } => "Auth",
        Error::PermissionDenied { .. } => "PermissionDenied",
        Error::NotFound { .. } => "NotFound",
        Error::RateLimited { .. } => "RateLimited",
        Error::Provider(_) => "Provider",
        Error::OutcomeUnknown { .. } => "OutcomeUnknown",
        Error::NotCancellable { .. } => "NotCancellable",
        Error::InsufficientQuota { .. } => "InsufficientQuota",
        other => panic!("unexpected {other:?}"),
    }
}
