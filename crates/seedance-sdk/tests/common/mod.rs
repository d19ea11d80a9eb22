//! Helpers shared by the integration tests: clients pointed at a loopback mock server, the
//! documented examples of each provider's spec, and captures of what a client sent.
//!
//! Each test file compiles this module on its own and uses part of it.
#![allow(dead_code)]

use std::{
    path::PathBuf,
    sync::atomic::{AtomicUsize, Ordering},
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use seedance_sdk::{Client, Error, Provider, RetryPolicy, TaskHandle};
use serde_json::Value;
use wiremock::{
    Mock, MockBuilder, MockServer,
    matchers::{method, path, query_param},
};

/// The API key every test client uses; it must never show up in any output.
pub(crate) const API_KEY: &str = "sk-test-secret";

/// The providers whose mappings these tests exercise: all of them.
pub(crate) const PROVIDERS: [Provider; 4] = [
    Provider::Modellix,
    Provider::Jiekou,
    Provider::Odkkk,
    Provider::Ark,
];

/// The task id of Ark's shared examples: its documented ids are masked (`cgt-2026****-****`),
/// so a real-looking one stands in.
pub(crate) const ARK_TASK_ID: &str = "cgt-20260101000000-abcde";

/// The documented task ids of each provider's examples.
pub(crate) fn task_id(provider: Provider) -> &'static str {
    match provider {
        Provider::Ark => ARK_TASK_ID,
        Provider::Modellix => "task-abc123",
        Provider::Jiekou => "d4f3b2a1-7c6e-4b8a-9f1e-2a3b4c5d6e7f",
        Provider::Odkkk => "task-unified-1756817821-4x3rx6ny",
    }
}

/// The path stem of the provider's documented server URL.
pub(crate) fn stem(provider: Provider) -> &'static str {
    match provider {
        Provider::Ark => "/api/v3",
        Provider::Modellix => "/api/v1",
        Provider::Jiekou => "",
        Provider::Odkkk => "/apiv1",
    }
}

/// The base URL of `provider` served by `server`.
pub(crate) fn base_url(provider: Provider, server: &MockServer) -> String {
    format!("{}{}", server.uri(), stem(provider))
}

/// A client for `provider` talking to `server`, with `retry`.
pub(crate) fn client_with(provider: Provider, server: &MockServer, retry: RetryPolicy) -> Client {
    Client::builder(provider)
        .api_key(API_KEY)
        .base_url(base_url(provider, server))
        .retry_policy(retry)
        .build()
        .expect("the client builds")
}

/// A client for `provider` talking to `server`, without retries.
pub(crate) fn client(provider: Provider, server: &MockServer) -> Client {
    client_with(provider, server, RetryPolicy::none())
}

/// A handle for the documented task of `provider` on `server`.
pub(crate) fn handle(provider: Provider, server: &MockServer) -> TaskHandle {
    TaskHandle::new(
        provider,
        base_url(provider, server),
        task_id(provider),
        1_767_225_600,
    )
}

/// The provider's assembled spec.
pub(crate) fn spec(provider: Provider) -> Value {
    let file = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../specs")
        .join(provider.as_str())
        .join("openapi.json");
    let text = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{file:?}: {e}"));
    serde_json::from_str(&text).expect("the spec is JSON")
}

/// The spec path of the submit operation used for text to video.
pub(crate) fn submit_op(provider: Provider) -> &'static str {
    match provider {
        Provider::Ark => "/contents/generations/tasks",
        Provider::Modellix => "/bytedance/seedance-1.5-pro-t2v",
        Provider::Jiekou => "/v3/async/seedance-v1.5-pro-t2v",
        Provider::Odkkk => "/v1/videos/generations",
    }
}

/// The spec path of the status operation.
pub(crate) fn status_op(provider: Provider) -> &'static str {
    match provider {
        Provider::Ark => "/contents/generations/tasks/{id}",
        Provider::Modellix => "/tasks/{task_id}",
        Provider::Jiekou => "/v3/async/task-result",
        Provider::Odkkk => "/v1/tasks/{task_id}",
    }
}

/// Every documented example of one response of one operation, as `(name, body)`, in the
/// spec's order.
pub(crate) fn examples(
    provider: Provider,
    op_path: &str,
    http_method: &str,
    status: u16,
) -> Vec<(String, Value)> {
    let spec = spec(provider);
    let response = &spec["paths"][op_path][http_method]["responses"][status.to_string()];
    let response = match response.get("$ref").and_then(Value::as_str) {
        Some(reference) => {
            let name = reference.rsplit('/').next().unwrap();
            spec["components"]["responses"][name].clone()
        }
        None => response.clone(),
    };
    let media = &response["content"]["application/json"];
    if let Some(example) = media.get("example") {
        return vec![("example".to_owned(), example.clone())];
    }
    let examples = media["examples"]
        .as_object()
        .unwrap_or_else(|| panic!("{provider} {http_method} {op_path} {status} has no example"));
    examples
        .iter()
        .map(|(name, example)| {
            let example = match example.get("$ref").and_then(Value::as_str) {
                Some(reference) => {
                    let key = reference.rsplit('/').next().unwrap();
                    spec["components"]["examples"][key].clone()
                }
                None => example.clone(),
            };
            (name.clone(), example["value"].clone())
        })
        .collect()
}

/// The one documented example named `name`.
pub(crate) fn example(
    provider: Provider,
    op_path: &str,
    http_method: &str,
    status: u16,
    name: &str,
) -> Value {
    examples(provider, op_path, http_method, status)
        .into_iter()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("{provider} {op_path} {status} has no example {name}"))
        .1
}

/// The documented 200 answer of a submit.
pub(crate) fn submit_ok(provider: Provider) -> Value {
    examples(provider, submit_op(provider), "post", 200)
        .remove(0)
        .1
}

/// The task id of the documented 200 answer of a submit.
pub(crate) fn task_id_of_submit(provider: Provider) -> String {
    let answer = submit_ok(provider);
    let id = match provider {
        Provider::Ark => &answer["id"],
        Provider::Modellix => &answer["data"]["task_id"],
        Provider::Jiekou => &answer["task_id"],
        Provider::Odkkk => &answer["id"],
    };
    id.as_str().expect("the example has a task id").to_owned()
}

/// The documented task-query example `name` (`pending`/`queued`, `processing`, `succeeded`,
/// `failed`).
pub(crate) fn status_example(provider: Provider, name: &str) -> Value {
    match provider {
        Provider::Ark => ark_status_example(name),
        _ => example(provider, status_op(provider), "get", 200, name),
    }
}

/// Ark documents only succeeded tasks, so the other states are its documented Seedance 2.0
/// success with the status word and the members the BytePlus retrieve table gives that state:
/// no `content`, `usage` or `seed` before the end, and `error: {code, message}` on a failure.
fn ark_status_example(name: &str) -> Value {
    let mut body = example(
        Provider::Ark,
        status_op(Provider::Ark),
        "get",
        200,
        "succeeded_seedance_2_0",
    );
    body["id"] = Value::from(ARK_TASK_ID);
    let word = match name {
        "succeeded" => return body,
        "queued" | "pending" => "queued",
        "running" | "processing" => "running",
        "failed" => "failed",
        _ => panic!("Ark has no status example {name}"),
    };
    let task = body.as_object_mut().expect("the example is an object");
    for member in ["content", "usage", "seed"] {
        task.remove(member);
    }
    task.insert("status".into(), Value::from(word));
    if word == "failed" {
        task.insert(
            "error".into(),
            serde_json::json!({
                "code": "OutputVideoSensitiveContentDetected",
                "message": "The request failed because the output video may contain sensitive information.",
            }),
        );
    }
    body
}

/// The name of the "waiting" example of each provider.
pub(crate) fn waiting_example_name(provider: Provider) -> &'static str {
    match provider {
        Provider::Ark | Provider::Jiekou => "queued",
        Provider::Modellix | Provider::Odkkk => "pending",
    }
}

/// Sets the task status word of a task-query body.
pub(crate) fn set_status_word(provider: Provider, body: &mut Value, word: &str) {
    let slot = match provider {
        Provider::Ark => &mut body["status"],
        Provider::Modellix => &mut body["data"]["status"],
        Provider::Jiekou => &mut body["task"]["status"],
        Provider::Odkkk => &mut body["status"],
    };
    *slot = Value::from(word);
}

/// Replaces the video URL of a succeeded task-query body.
pub(crate) fn set_video_url(provider: Provider, body: &mut Value, url: &str) {
    let slot = match provider {
        Provider::Ark => &mut body["content"]["video_url"],
        Provider::Modellix => &mut body["data"]["result"]["resources"][0]["url"],
        Provider::Jiekou => &mut body["videos"][0]["video_url"],
        Provider::Odkkk => &mut body["results"][0],
    };
    assert!(!slot.is_null(), "the succeeded example has a video URL");
    *slot = Value::from(url);
}

/// A mock of the status request of the documented task of `provider`, matching its exact
/// method, path and query.
pub(crate) fn status_mock(provider: Provider) -> MockBuilder {
    let id = task_id(provider);
    match provider {
        Provider::Ark => {
            Mock::given(method("GET")).and(path(format!("/api/v3/contents/generations/tasks/{id}")))
        }
        Provider::Modellix => Mock::given(method("GET")).and(path(format!("/api/v1/tasks/{id}"))),
        Provider::Jiekou => Mock::given(method("GET"))
            .and(path("/v3/async/task-result"))
            .and(query_param("task_id", id)),
        Provider::Odkkk => Mock::given(method("GET")).and(path(format!("/apiv1/v1/tasks/{id}"))),
    }
}

/// A PNG header of the given size (enough for format and size sniffing).
pub(crate) fn png(width: u32, height: u32) -> Vec<u8> {
    let mut data = vec![0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a];
    data.extend_from_slice(&13u32.to_be_bytes());
    data.extend_from_slice(b"IHDR");
    data.extend_from_slice(&width.to_be_bytes());
    data.extend_from_slice(&height.to_be_bytes());
    data.extend_from_slice(&[8, 6, 0, 0, 0, 0, 0, 0, 0]);
    data
}

/// What a client sent, for a snapshot.
#[derive(Debug, Clone, serde::Serialize)]
pub(crate) struct Captured {
    pub(crate) method: String,
    pub(crate) path: String,
    pub(crate) query: Option<String>,
    pub(crate) body: Option<Value>,
}

/// Every request `server` received, each checked to carry the test API key.
pub(crate) async fn captured_all(server: &MockServer) -> Vec<Captured> {
    let requests = server.received_requests().await.expect("recording is on");
    requests
        .iter()
        .map(|request| {
            let auth = request
                .headers
                .get("authorization")
                .map(|v| v.to_str().unwrap().to_owned());
            assert_eq!(
                auth.as_deref(),
                Some(format!("Bearer {API_KEY}").as_str()),
                "every provider request carries the key"
            );
            let body = (!request.body.is_empty())
                .then(|| serde_json::from_slice(&request.body).expect("the body is JSON"));
            Captured {
                method: request.method.to_string(),
                path: request.url.path().to_owned(),
                query: request.url.query().map(str::to_owned),
                body,
            }
        })
        .collect()
}

/// The one request `server` received.
pub(crate) async fn captured_one(server: &MockServer) -> Captured {
    let mut all = captured_all(server).await;
    assert_eq!(all.len(), 1, "expected exactly one request: {all:#?}");
    all.remove(0)
}

/// How many requests `server` received.
pub(crate) async fn request_count(server: &MockServer) -> usize {
    server
        .received_requests()
        .await
        .expect("recording is on")
        .len()
}

/// The name of an error's variant, from its `Debug` form.
pub(crate) fn variant(err: &Error) -> String {
    let debug = format!("{err:?}");
    debug
        .split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
        .next()
        .unwrap_or_default()
        .to_owned()
}

/// Asserts neither the `Display` nor the `Debug` of `err` contains the API key.
pub(crate) fn assert_no_secret(err: &Error) {
    let display = err.to_string();
    let debug = format!("{err:?}");
    assert!(!display.contains(API_KEY), "key in Display: {display}");
    assert!(!debug.contains(API_KEY), "key in Debug: {debug}");
    assert!(!debug.contains("test-secret"), "key in Debug: {debug}");
}

/// Now, in unix seconds (wall clock, as the library uses for `expires_at`).
pub(crate) fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// A fresh, empty directory under the system temp dir, unique to this process and call.
pub(crate) fn temp_dir(name: &str) -> PathBuf {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    let dir = std::env::temp_dir().join(format!(
        "seedance-test-{name}-{}-{}-{nanos}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst)
    ));
    std::fs::create_dir_all(&dir).expect("the temp dir is writable");
    dir
}

/// The names of the entries of `dir`, sorted.
pub(crate) fn dir_entries(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("the dir exists")
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// A retry policy with short delays (for tests on the real clock).
pub(crate) fn quick_retries(max_retries: u32) -> RetryPolicy {
    RetryPolicy {
        max_retries,
        initial_backoff: Duration::from_millis(5),
        max_backoff: Duration::from_millis(20),
    }
}
