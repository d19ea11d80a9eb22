//! Spec coverage, measured: what the facade actually sends, compared with
//! `specs/<provider>/coverage.json` and the provider's `openapi.json`.
//!
//! For each provider, `seedance_sdk::Client` submits a request for every mode the provider supports
//! for every model (text to video, frames, references, edit, extend, draft, from-draft) with every
//! optional field the provider accepts set (less those the rules refuse together), then asks for a
//! status, and where the provider has them lists tasks with every filter and deletes one, to a
//! loopback mock answering each operation's documented 200 example. Per operationId the
//! names of the body properties, query, path and header parameters sent are collected, then:
//!
//! - everything sent is declared `mapped` in `coverage.json` (and is in the spec);
//! - everything declared `mapped` was sent by at least one request;
//! - every request property and parameter of every operation in the spec is declared, as
//!   `mapped` or `unsupported` with a reason (so a new spec field fails this test).
//!
//! `cargo xtask coverage` prints the declarations and checks the last point (and stale entries)
//! without running the facade.

use std::collections::{BTreeMap, BTreeSet};

use futures_util::StreamExt;
use seedance_sdk::{
    Client, Error, Field, Inputs, ListFilter, Media, Mode, Model, Provider, Ratio, Resolution,
    RetryPolicy, ServiceTier, TaskOperation, TaskState, VideoDuration, VideoRequest, capabilities,
};
use seedance_workspace_tests::{TEST_API_KEY, root, spec};
use serde_json::{Value, json};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate, matchers::any};

/// One operation of a provider's spec, as far as requests go.
#[derive(Debug, Clone)]
struct Operation {
    id: String,
    /// Upper-case HTTP method.
    method: String,
    /// Path segments under the server's base path; `{name}` for a path parameter.
    segments: Vec<String>,
    /// Parameter name -> where it goes (`path`, `query`, `header`, `cookie`).
    parameters: BTreeMap<String, String>,
    /// Top-level request body property names.
    body: BTreeSet<String>,
    /// The first documented 200 example.
    example: Option<Value>,
}

impl Operation {
    /// Every request property and parameter name.
    fn properties(&self) -> BTreeSet<String> {
        self.parameters.keys().chain(&self.body).cloned().collect()
    }

    /// Whether `segments` (a request path under the base path) is this operation's path.
    fn matches(&self, method: &str, segments: &[&str]) -> bool {
        self.method == method
            && self.segments.len() == segments.len()
            && self.segments.iter().zip(segments).all(|(template, sent)| {
                is_template(template) && !sent.is_empty() || template == sent
            })
    }
}

fn is_template(segment: &str) -> bool {
    segment.starts_with('{') && segment.ends_with('}')
}

/// `value`, or what its local `$ref` chain points to.
fn resolve<'a>(spec: &'a Value, value: &'a Value) -> &'a Value {
    seedance_openapi::resolve(spec, value).unwrap_or_else(|err| panic!("{err}"))
}

/// The first documented 200 example of an operation, if any.
fn example_200(spec: &Value, operation: &Value) -> Option<Value> {
    let response = resolve(spec, operation.pointer("/responses/200")?);
    let media = response.pointer("/content/application~1json")?;
    if let Some(example) = media.get("example") {
        return Some(example.clone());
    }
    let (_, first) = media.get("examples")?.as_object()?.iter().next()?;
    resolve(spec, first).get("value").cloned()
}

/// Every operation of a spec.
fn operations(spec: &Value) -> Vec<Operation> {
    assert!(spec["paths"].is_object(), "the spec has paths");
    let mut found = Vec::new();
    for op in seedance_openapi::operations(spec) {
        let (method, path) = (op.method, op.path);
        let id = op
            .id()
            .unwrap_or_else(|| panic!("{method} {path} has no operationId"));
        let parameters = op
            .parameters(spec)
            .unwrap_or_else(|err| panic!("{method} {path}: {err}"))
            .into_iter()
            .map(|p| {
                let name = p["name"].as_str().expect("a parameter has a name");
                let location = p["in"].as_str().expect("a parameter has an `in`");
                (name.to_owned(), location.to_owned())
            })
            .collect();
        let body = op
            .body_properties(spec)
            .unwrap_or_else(|err| panic!("{method} {path}: {err}"));
        found.push(Operation {
            id: id.to_owned(),
            method: method.to_ascii_uppercase(),
            segments: segments(path).map(str::to_owned).collect(),
            parameters,
            body,
            example: example_200(spec, op.operation),
        });
    }
    found
}

fn segments(path: &str) -> impl Iterator<Item = &str> {
    path.split('/').filter(|s| !s.is_empty())
}

/// The path of the spec's first server URL (`/api/v1` in `https://host/api/v1`), or "".
fn server_path(spec: &Value) -> String {
    let url = spec["servers"][0]["url"].as_str().unwrap_or_default();
    let without_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    without_scheme
        .find('/')
        .map_or("", |at| &without_scheme[at..])
        .trim_end_matches('/')
        .to_owned()
}

/// Answers each operation with its documented 200 example, anything else with a 404.
struct Documented {
    base_path: String,
    operations: Vec<Operation>,
}

impl Documented {
    fn find(&self, method: &str, path: &str) -> Option<&Operation> {
        let rest = path.strip_prefix(&self.base_path)?;
        let sent: Vec<&str> = segments(rest).collect();
        self.operations.iter().find(|op| op.matches(method, &sent))
    }
}

impl Respond for Documented {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        match self
            .find(request.method.as_str(), request.url.path())
            .and_then(|op| op.example.clone())
        {
            Some(example) => ResponseTemplate::new(200).set_body_json(example),
            // An operation documented without a body (Ark's DELETE).
            None if self
                .find(request.method.as_str(), request.url.path())
                .is_some() =>
            {
                ResponseTemplate::new(200)
            }
            None => ResponseTemplate::new(404),
        }
    }
}

/// operationId -> names of the properties and parameters sent.
type Sent = BTreeMap<String, BTreeSet<String>>;

/// What `request` sent to `operation`: body keys, query names, path parameters, and the
/// spec's header parameters that were present.
fn sent_properties(operation: &Operation, request: &Request) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    if !request.body.is_empty() {
        let body: Value = serde_json::from_slice(&request.body).expect("the body is JSON");
        let body = body.as_object().expect("the body is a JSON object");
        names.extend(body.keys().cloned());
    }
    names.extend(request.url.query_pairs().map(|(name, _)| name.into_owned()));
    for segment in &operation.segments {
        if is_template(segment) {
            names.insert(segment[1..segment.len() - 1].to_owned());
        }
    }
    for (name, location) in &operation.parameters {
        if location == "header" && request.headers.contains_key(name.as_str()) {
            names.insert(name.clone());
        }
    }
    names
}

/// A request in `inputs` mode with every optional field `caps` accepts set to a valid value.
fn request(provider: Provider, model: Model, inputs: Inputs) -> VideoRequest {
    let caps = capabilities(provider, model).expect("the provider sells the model");
    let mut request = VideoRequest::builder("[Image 1] dances in fresh snow, \"Hello!\"")
        .model(model)
        .build();
    request.inputs = inputs;
    for field in &caps.fields {
        match field {
            Field::Duration => {
                request.duration = Some(VideoDuration::Seconds(caps.duration.0 + 1));
            }
            Field::Resolution => request.resolution = Some(Resolution::P720),
            Field::Ratio => request.ratio = Some(Ratio::R9x16),
            Field::Seed => request.seed = Some(42),
            Field::CameraFixed => request.camera_fixed = Some(true),
            Field::GenerateAudio => request.generate_audio = Some(false),
            Field::Watermark => request.watermark = Some(true),
            Field::Fps => request.fps = caps.fps.first().copied(),
            Field::ServiceTier => request.service_tier = Some(ServiceTier::Flex),
            Field::ExecutionExpiresAfter => {
                request.execution_expires_after = caps.execution_expires_after.map(|r| r.0);
            }
            Field::ReturnLastFrame => request.return_last_frame = Some(true),
            Field::CallbackUrl => {
                request.callback_url = Some("https://example.com/hooks/seedance".into());
            }
            Field::Frames => request.frames = caps.frame_count.map(|(min, _)| min + 4),
            Field::Priority => request.priority = caps.priority.map(|(_, max)| max),
            Field::SafetyIdentifier => request.safety_identifier = Some("user-7f3a".into()),
            Field::OutputFormat => request.output_format = caps.output_formats.last().copied(),
            Field::WebSearch => request.web_search = Some(true),
            // Drafts are their own mode; the model's own id is what coverage measures.
            Field::Draft | Field::ModelId => {}
            other => panic!("{provider}: {other} is not an optional field"),
        }
    }
    // A frame count replaces the duration.
    if request.frames.is_some() {
        request.duration = None;
    }
    request
}

/// Unsets `field`, which the rules refused in combination with another one; `false` when it is
/// not an optional field (the mode itself was refused).
fn unset(request: &mut VideoRequest, field: Field) -> bool {
    // An edit or extension keeps the video's shape: the only values it takes.
    let keeps_shape = matches!(request.inputs, Inputs::Edit { .. } | Inputs::Extend { .. });
    match field {
        Field::Ratio if keeps_shape && request.ratio != Some(Ratio::Adaptive) => {
            request.ratio = Some(Ratio::Adaptive);
        }
        Field::Duration if keeps_shape && request.duration != Some(VideoDuration::Auto) => {
            request.duration = Some(VideoDuration::Auto);
        }
        Field::Duration => request.duration = None,
        Field::Resolution => request.resolution = None,
        Field::Ratio => request.ratio = None,
        Field::Seed => request.seed = None,
        Field::CameraFixed => request.camera_fixed = None,
        Field::GenerateAudio => request.generate_audio = None,
        Field::Watermark => request.watermark = None,
        Field::Fps => request.fps = None,
        Field::ServiceTier => request.service_tier = None,
        Field::ExecutionExpiresAfter => request.execution_expires_after = None,
        Field::ReturnLastFrame => request.return_last_frame = None,
        Field::CallbackUrl => request.callback_url = None,
        Field::Frames => request.frames = None,
        Field::Priority => request.priority = None,
        Field::SafetyIdentifier => request.safety_identifier = None,
        Field::OutputFormat => request.output_format = None,
        Field::WebSearch => request.web_search = None,
        // Seedance 2.5's final video reuses the draft's prompt.
        Field::Prompt if matches!(request.inputs, Inputs::FromDraft { .. }) => {
            request.prompt.clear();
        }
        _ => return false,
    }
    true
}

/// `request`, with each field the rules refuse in this combination (frames beside a duration,
/// flex beside a priority or a draft, ...) left out, or `None` when the mode is refused.
async fn valid(provider: Provider, mut request: VideoRequest) -> Option<VideoRequest> {
    // Each round unsets one field; there are fewer than 32 optional fields.
    for _ in 0..32 {
        match seedance_sdk::validate(provider, &request).await {
            Ok(()) => return Some(request),
            Err(Error::InvalidRequest(refused)) if unset(&mut request, refused.field) => {}
            Err(err) => panic!("{provider} {}: {err}", request.model),
        }
    }
    None
}

fn url(name: &str) -> Media {
    Media::from(format!("https://example.com/{name}"))
}

/// Every mode `provider` supports for every model it sells, each with every field set that
/// the mode allows.
async fn every_request(provider: Provider) -> Vec<VideoRequest> {
    let mut requests = Vec::new();
    for model in Model::ALL {
        let Some(caps) = capabilities(provider, model) else {
            continue;
        };
        let mut candidates = Vec::new();
        for mode in &caps.modes {
            let inputs = match mode {
                Mode::Text | Mode::Draft => Inputs::Text,
                Mode::FirstFrame => Inputs::FirstFrame {
                    first: url("first.jpg"),
                },
                Mode::FirstLastFrames => Inputs::FirstLastFrames {
                    first: url("first.jpg"),
                    last: url("last.jpg"),
                },
                // One request with every kind of reference the model takes.
                Mode::ReferenceImages => Inputs::References {
                    images: (1..=caps.max_reference_images.min(2))
                        .map(|i| url(&format!("ref{i}.png")))
                        .collect(),
                    videos: (1..=caps.max_reference_videos.min(1))
                        .map(|i| format!("https://example.com/clip{i}.mp4"))
                        .collect(),
                    audio: (1..=caps.max_reference_audio.min(1))
                        .map(|i| url(&format!("beat{i}.mp3")))
                        .collect(),
                },
                Mode::ReferenceVideos | Mode::ReferenceAudio
                    if caps.modes.contains(&Mode::ReferenceImages) =>
                {
                    continue;
                }
                Mode::ReferenceVideos | Mode::ReferenceAudio => Inputs::References {
                    images: Vec::new(),
                    videos: (1..=caps.max_reference_videos.min(1))
                        .map(|i| format!("https://example.com/clip{i}.mp4"))
                        .collect(),
                    audio: (1..=caps.max_reference_audio.min(1))
                        .map(|i| url(&format!("beat{i}.mp3")))
                        .collect(),
                },
                Mode::Edit => Inputs::Edit {
                    video: "https://example.com/source.mp4".into(),
                    images: Vec::new(),
                },
                Mode::Extend => Inputs::Extend {
                    videos: vec!["https://example.com/part1.mp4".into()],
                },
                Mode::FromDraft => Inputs::FromDraft {
                    task_id: "cgt-draft-1".into(),
                },
                other => panic!("{provider} {model}: no request for the mode {other:?} yet"),
            };
            let mut request = request(provider, model, inputs);
            if *mode == Mode::Draft {
                request.draft = Some(true);
            }
            candidates.push(request);
        }
        for request in candidates {
            requests.extend(valid(provider, request).await);
        }
    }
    requests
}

/// Submits every request of `provider` and asks for each task's status; returns what was sent
/// to each operation.
async fn measure(provider: Provider, spec: &Value, operations: &[Operation]) -> Sent {
    let documented = Documented {
        base_path: server_path(spec),
        operations: operations.to_vec(),
    };
    let base_path = documented.base_path.clone();
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(documented)
        .mount(&server)
        .await;
    let client = Client::builder(provider)
        .api_key(TEST_API_KEY)
        .base_url(format!("{}{base_path}", server.uri()))
        .retry_policy(RetryPolicy::none())
        .build()
        .expect("the client builds");
    let mut last = None;
    for request in every_request(provider).await {
        let mode = request.inputs.mode();
        let model = request.model;
        let handle = client
            .submit(&request)
            .await
            .unwrap_or_else(|e| panic!("{provider} {model} {mode}: submit failed: {e}"));
        client
            .status(&handle)
            .await
            .unwrap_or_else(|e| panic!("{provider} {model} {mode}: status failed: {e}"));
        last = Some(handle);
    }
    // The task operations, where the provider has them, with every list filter.
    if TaskOperation::List.supported_by().contains(&provider) {
        let handle = last.expect("a task was submitted");
        let filter = ListFilter::default()
            .status(TaskState::Succeeded)
            .model(Model::Seedance20)
            .task_ids([handle.task_id.clone()])
            .service_tier(ServiceTier::Default);
        let listed: Vec<_> = client.list(filter).collect().await;
        for task in listed {
            task.unwrap_or_else(|e| panic!("{provider}: list failed: {e}"));
        }
        client
            .delete(&handle)
            .await
            .unwrap_or_else(|e| panic!("{provider}: delete failed: {e}"));
    }

    let finder = Documented {
        base_path,
        operations: operations.to_vec(),
    };
    let mut sent = Sent::new();
    for request in server.received_requests().await.expect("recording is on") {
        let operation = finder
            .find(request.method.as_str(), request.url.path())
            .unwrap_or_else(|| {
                panic!(
                    "{provider}: the facade sent {} {}, which is no operation of its spec",
                    request.method,
                    request.url.path()
                )
            });
        sent.entry(operation.id.clone())
            .or_default()
            .extend(sent_properties(operation, &request));
    }
    sent
}

/// `coverage.json` of `provider`: operationId -> property -> (kind, text).
fn coverage(provider: &str) -> Value {
    let path = root().join("specs").join(provider).join("coverage.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path:?}: {e}"))
}

/// The declaration of one property: `Some(("mapped" | "unsupported", text))` when well formed.
fn declaration<'a>(
    coverage: &'a Value,
    operation: &str,
    property: &str,
) -> Option<(&'a str, &'a str)> {
    let entry = coverage.get(operation)?.get(property)?.as_object()?;
    if entry.len() != 1 {
        return None;
    }
    let (kind, text) = entry.iter().next()?;
    let text = text.as_str().filter(|t| !t.trim().is_empty())?;
    matches!(kind.as_str(), "mapped" | "unsupported").then_some((kind.as_str(), text))
}

/// Every disagreement between the spec's operations, `coverage.json` and what was sent, each
/// naming the provider, the operation and the property.
fn problems(
    provider: &str,
    operations: &[Operation],
    coverage: &Value,
    sent: &Sent,
) -> Vec<String> {
    let mut problems = Vec::new();
    let by_id: BTreeMap<&str, &Operation> = operations.iter().map(|o| (o.id.as_str(), o)).collect();

    for (operation, names) in sent {
        for property in names {
            if !by_id[operation.as_str()].properties().contains(property) {
                problems.push(format!(
                    "{provider}: {operation}: {property} is sent but openapi.json does not \
                     declare it"
                ));
            }
            match declaration(coverage, operation, property) {
                Some(("mapped", _)) => {}
                other => problems.push(format!(
                    "{provider}: {operation}: {property} is sent by the facade but coverage.json \
                     does not declare it mapped (found {other:?})"
                )),
            }
        }
    }

    for (operation, entries) in coverage.as_object().into_iter().flatten() {
        for (property, _) in entries.as_object().into_iter().flatten() {
            if !by_id
                .get(operation.as_str())
                .is_some_and(|o| o.properties().contains(property))
            {
                problems.push(format!(
                    "{provider}: {operation}: {property} is in coverage.json but no longer in \
                     openapi.json (stale)"
                ));
            }
            if declaration(coverage, operation, property).is_some_and(|(k, _)| k == "mapped")
                && !sent.get(operation).is_some_and(|s| s.contains(property))
            {
                problems.push(format!(
                    "{provider}: {operation}: {property} is declared mapped in coverage.json but \
                     no request of this test sent it"
                ));
            }
        }
    }

    for operation in operations {
        for property in operation.properties() {
            if declaration(coverage, &operation.id, &property).is_none() {
                problems.push(format!(
                    "{provider}: {}: {property} is in openapi.json but coverage.json does not \
                     declare it mapped or unsupported",
                    operation.id
                ));
            }
        }
    }
    problems
}

#[tokio::test]
async fn the_facade_sends_exactly_what_coverage_json_declares_mapped() {
    let mut all = Vec::new();
    for provider in Provider::ALL {
        let name = provider.as_str();
        let spec = spec(name);
        let operations = operations(&spec);
        let sent = measure(provider, &spec, &operations).await;
        for operation in &operations {
            assert!(
                sent.contains_key(&operation.id),
                "{name}: {}: the facade never called this operation",
                operation.id
            );
        }
        all.extend(problems(name, &operations, &coverage(name), &sent));
    }
    assert!(all.is_empty(), "spec coverage: {all:#?}");
}

/// What the facade would send if it sent every declared-mapped property: the baseline for the
/// in-memory checks below.
fn declared_mapped(coverage: &Value) -> Sent {
    let mut sent = Sent::new();
    for (operation, entries) in coverage.as_object().unwrap() {
        for (property, entry) in entries.as_object().unwrap() {
            if entry.get("mapped").is_some() {
                sent.entry(operation.clone())
                    .or_default()
                    .insert(property.clone());
            }
        }
    }
    sent
}

/// The checks fail, naming provider, operation and property, when a spec gains a property
/// (body or parameter), when the facade starts sending an undeclared property, and when a
/// declared-mapped property is no longer sent. Built in memory; the real specs are untouched.
#[test]
fn a_new_spec_property_or_an_unsent_mapping_is_reported() {
    for name in seedance_workspace_tests::PROVIDERS {
        let spec = spec(name);
        let coverage = coverage(name);
        let baseline = declared_mapped(&coverage);
        let operations = operations(&spec);
        assert_eq!(
            problems(name, &operations, &coverage, &baseline),
            Vec::<String>::new(),
            "{name}"
        );

        for index in 0..operations.len() {
            let id = operations[index].id.clone();

            let mut grown = operations.clone();
            grown[index].body.insert("x_new_field".into());
            grown[index]
                .parameters
                .insert("x_new_parameter".into(), "query".into());
            assert_eq!(
                problems(name, &grown, &coverage, &baseline),
                [
                    format!(
                        "{name}: {id}: x_new_field is in openapi.json but coverage.json does \
                         not declare it mapped or unsupported"
                    ),
                    format!(
                        "{name}: {id}: x_new_parameter is in openapi.json but coverage.json does \
                         not declare it mapped or unsupported"
                    ),
                ]
            );

            let prop = operations[index].properties().into_iter().next().unwrap();
            let mut undeclared = coverage.clone();
            undeclared[&id][&prop] = json!({"unsupported": "not sent"});
            assert_eq!(
                problems(name, &operations, &undeclared, &baseline),
                [format!(
                    "{name}: {id}: {prop} is sent by the facade but coverage.json does not \
                     declare it mapped (found Some((\"unsupported\", \"not sent\")))"
                )]
            );

            let mut sent_less = baseline.clone();
            sent_less.get_mut(&id).unwrap().remove(&prop);
            assert_eq!(
                problems(name, &operations, &coverage, &sent_less),
                [format!(
                    "{name}: {id}: {prop} is declared mapped in coverage.json but no request of \
                     this test sent it"
                )]
            );
        }
    }
}

/// The spec reader finds properties through `$ref`, `allOf` and path-level parameters, and
/// the mock finds operations by templated paths under the server's base path.
#[test]
fn the_spec_reader_follows_refs_and_templates() {
    let spec = json!({
        "servers": [{"url": "https://api.example.com/api/v1/"}],
        "paths": {
            "/tasks/{task_id}": {
                "parameters": [{"$ref": "#/components/parameters/TaskId"}],
                "get": {"operationId": "getTask", "responses": {}}
            },
            "/videos": {
                "post": {
                    "operationId": "create",
                    "requestBody": {"content": {"application/json": {"schema": {
                        "allOf": [{"$ref": "#/components/schemas/Base"},
                                  {"properties": {"seed": {"type": "integer"}}}]
                    }}}},
                    "responses": {"200": {"content": {"application/json": {
                        "example": {"id": "t"}}}}}
                }
            }
        },
        "components": {
            "parameters": {
                "TaskId": {"in": "path", "name": "task_id", "schema": {"type": "string"}}},
            "schemas": {"Base": {"properties": {"prompt": {"type": "string"}}}}
        }
    });
    let operations = operations(&spec);
    let found = Documented {
        base_path: server_path(&spec),
        operations: operations.clone(),
    };
    assert_eq!(found.base_path, "/api/v1");
    assert_eq!(
        found
            .find("GET", "/api/v1/tasks/abc")
            .map(|o| o.id.as_str()),
        Some("getTask")
    );
    assert!(found.find("GET", "/api/v1/tasks/").is_none());
    assert!(found.find("POST", "/api/v1/tasks/abc").is_none());
    let create = found.find("POST", "/api/v1/videos").unwrap();
    assert_eq!(
        create.properties(),
        BTreeSet::from(["prompt".into(), "seed".into()])
    );
    assert_eq!(create.example, Some(json!({"id": "t"})));
    let get = &operations.iter().find(|o| o.id == "getTask").unwrap();
    assert_eq!(get.properties(), BTreeSet::from(["task_id".into()]));
}
