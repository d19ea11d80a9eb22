//! Shared helpers for the workspace-level tests in `tests/`: reading the assembled specs,
//! validating JSON against a schema inside them, capturing what a client sent, and the
//! fault-injection [`soak`] (also run by `cargo bench -p seedance-cli --bench soak`).

pub mod soak;

use std::path::PathBuf;

use serde_json::Value;

/// The providers, as named in `specs/`.
pub const PROVIDERS: [&str; 4] = ["ark", "jiekou", "modellix", "odkkk"];

/// The API key the tests configure; it must never appear unredacted in a snapshot.
pub const TEST_API_KEY: &str = "test-key-do-not-log";

/// The workspace root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ lives in the workspace root")
        .to_owned()
}

/// The path of a provider's assembled spec.
pub fn spec_path(provider: &str) -> PathBuf {
    root().join("specs").join(provider).join("openapi.json")
}

/// A provider's assembled spec.
pub fn spec(provider: &str) -> Value {
    let text = std::fs::read_to_string(spec_path(provider)).expect("the spec exists");
    serde_json::from_str(&text).expect("the spec is JSON")
}

pub use seedance_openapi::escape;

/// Validates `instance` against the schema at JSON pointer `pointer` of the OpenAPI `spec`,
/// returning every error as `"<instance path>: <message>"`.
///
/// The simulator's validator: OpenAPI 3.0 schemas are draft-4 schemas plus `nullable`, which is
/// rewritten into a JSON Schema type union first, and `$ref`s resolve against the whole spec.
pub fn schema_errors(spec: &Value, pointer: &str, instance: &Value) -> Vec<String> {
    seedance_sim::openapi_schema_errors(spec, pointer, instance)
        .into_iter()
        .map(|(path, message)| format!("{path}: {message}"))
        .collect()
}

/// What a client sent, in a form fit for a snapshot.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Captured {
    /// HTTP method.
    pub method: String,
    /// URL path, percent-encoded as sent.
    pub path: String,
    /// Query string, if any.
    pub query: Option<String>,
    /// Headers, sorted by name; `authorization` redacted, per-connection ones left out.
    pub headers: std::collections::BTreeMap<String, String>,
    /// The JSON body, if any.
    pub body: Option<Value>,
}

/// The single request a mock server received, checked for the test API key, then redacted.
pub async fn captured(server: &wiremock::MockServer) -> Captured {
    let requests = server.received_requests().await.expect("recording is on");
    assert_eq!(requests.len(), 1, "expected exactly one request");
    let request = &requests[0];
    let mut headers = std::collections::BTreeMap::new();
    for (name, value) in &request.headers {
        let name = name.as_str().to_owned();
        if matches!(name.as_str(), "host" | "content-length") {
            continue;
        }
        let value = value.to_str().expect("ASCII header").to_owned();
        if name == "authorization" {
            assert_eq!(value, format!("Bearer {TEST_API_KEY}"));
            headers.insert(name, "Bearer [redacted]".to_owned());
        } else {
            headers.insert(name, value);
        }
    }
    let body = (!request.body.is_empty())
        .then(|| serde_json::from_slice(&request.body).expect("the body is JSON"));
    Captured {
        method: request.method.to_string(),
        path: request.url.path().to_owned(),
        query: request.url.query().map(str::to_owned),
        headers,
        body,
    }
}
