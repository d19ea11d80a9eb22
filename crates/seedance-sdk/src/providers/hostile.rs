//! Hostile server answers fed to every provider mapping: whatever the JSON (NaN-free numbers
//! of any size, empty or huge strings, wrong types, missing or extra members, cut-off bodies),
//! the status, submit and error mappings never panic, never return an unusable task id, and
//! keep every provider-supplied string in an error or a status to about 1 KiB.

use proptest::{prelude::*, sample::Index, test_runner::TestRunner};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::{
    Submitted, decode_error, find_task_id, jiekou, modellix, odkkk, plausible_task_id, retry_after,
    scan_task_id, with_request_id,
};
use crate::{Error, Provider, TaskStatus, text::TEXT_LIMIT};

/// The most bytes a bounded string takes (the limit plus the `…` marking a cut).
const BOUNDED: usize = TEXT_LIMIT + '…'.len_utf8();

/// A string far over the limit, as a hostile server would send.
fn huge() -> String {
    "x".repeat(5 * 1024 * 1024)
}

/// No string inside `err` is longer than one bounded string, so neither form is either; a few
/// bounded strings (message, code, body, request id) plus fixed words fit in 6 KiB.
fn assert_error_bounded(err: &Error) {
    let display = err.to_string();
    let debug = format!("{err:?}");
    assert!(
        display.len() <= 3 * BOUNDED,
        "Display is {} bytes",
        display.len()
    );
    assert!(debug.len() <= 6 * BOUNDED, "Debug is {} bytes", debug.len());
    if let Error::OutcomeUnknown { task_id, .. } = err {
        assert!(
            task_id.as_deref().is_none_or(plausible_task_id),
            "{task_id:?}"
        );
    }
}

/// The provider-supplied text of a status is bounded; the video URL is kept whole on purpose
/// (a cut URL is useless) and is checked elsewhere.
fn assert_status_bounded(status: &TaskStatus) {
    match status {
        TaskStatus::Failed { code, message } => {
            assert!(
                message.len() <= BOUNDED,
                "message is {} bytes",
                message.len()
            );
            assert!(code.as_ref().is_none_or(|c| c.len() <= BOUNDED));
        }
        TaskStatus::Unknown { raw } => assert!(raw.len() <= BOUNDED, "raw is {} bytes", raw.len()),
        TaskStatus::Running { eta, .. } => {
            assert!(eta.is_none_or(|eta| eta <= super::MAX_ESTIMATE), "{eta:?}");
        }
        _ => {}
    }
}

fn assert_mapped_status(result: Result<TaskStatus, Error>) {
    match result {
        Ok(status) => assert_status_bounded(&status),
        Err(err) => assert_error_bounded(&err),
    }
}

fn assert_mapped_submit(result: Result<Submitted, Error>) {
    match result {
        Ok(submitted) => {
            assert!(plausible_task_id(&submitted.task_id), "{submitted:?}");
            assert!(
                submitted
                    .estimated_seconds
                    .is_none_or(|s| s <= super::MAX_ESTIMATE.as_secs())
            );
        }
        Err(err) => assert_error_bounded(&err),
    }
}

/// Reads `bytes` as the generated client does: the generated type, else the decode path.
fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, serde_json::Error> {
    serde_json::from_slice(bytes)
}

/// Runs the status mapping of `provider` on a raw answer.
fn status_of(provider: Provider, bytes: &[u8]) -> Result<TaskStatus, Error> {
    let decode_failed = |err| Err(decode_error(provider, bytes, &err));
    match provider {
        Provider::Modellix => decode(bytes).map_or_else(decode_failed, |body| {
            modellix::map_status("task-abc123", body)
        }),
        Provider::Jiekou => {
            decode(bytes).map_or_else(decode_failed, |body| jiekou::map_status("t-1", body))
        }
        Provider::Odkkk => {
            decode(bytes).map_or_else(decode_failed, |body| odkkk::map_status("t-1", body))
        }
    }
}

/// Runs the submit mapping of `provider` on a raw 2xx answer, as `submit_failure` does.
fn submit_of(provider: Provider, bytes: &[u8]) -> Result<Submitted, Error> {
    match provider {
        Provider::Modellix => decode(bytes).map_or_else(
            |err| modellix::map_submit_lenient(bytes, &err.to_string()),
            modellix::map_submit,
        ),
        Provider::Jiekou => decode(bytes).map_or_else(
            |err| jiekou::map_submit_lenient(bytes, &err.to_string()),
            jiekou::map_submit,
        ),
        Provider::Odkkk => decode(bytes).map_or_else(
            |err| odkkk::map_submit_lenient(bytes, &err.to_string()),
            odkkk::map_submit,
        ),
    }
}

/// Runs the error mapping of `provider` on an error answer with `status` and `headers`.
fn error_of(provider: Provider, status: u16, headers: &HeaderMap, bytes: &[u8]) -> Error {
    let err = match provider {
        Provider::Modellix => decode(bytes).map(|body| modellix::api_error(status, headers, body)),
        Provider::Jiekou => decode(bytes).map(|body| jiekou::api_error(status, headers, body)),
        Provider::Odkkk => decode(bytes).map(|body| odkkk::api_error(status, headers, body)),
    };
    match err {
        Ok(err) => with_request_id(err, headers),
        Err(err) => decode_error(provider, bytes, &err),
    }
}

// ---- Deterministic hostile answers (each panicked or leaked whole text before the fix). ----

#[test]
fn jiekou_huge_eta_and_ttl_do_not_panic() {
    for eta in [1e20, f64::MAX, 1.8446744073709552e19, -1.0, 0.0] {
        let body = json!({"task": {"status": "TASK_STATUS_PROCESSING", "eta": eta}});
        let status = status_of(Provider::Jiekou, body.to_string().as_bytes()).unwrap();
        assert_eq!(
            status,
            TaskStatus::Running {
                progress: None,
                eta: None
            },
            "eta {eta}"
        );
    }
    let body = json!({"task": {"status": "TASK_STATUS_PROCESSING", "eta": 12.5, "progress_percent": 1e300}});
    let status = status_of(Provider::Jiekou, body.to_string().as_bytes()).unwrap();
    assert_eq!(
        status,
        TaskStatus::Running {
            progress: Some(100),
            eta: Some(std::time::Duration::from_millis(12_500))
        }
    );
    for ttl in [json!("18446744073709551615"), json!(i64::MAX)] {
        let body = json!({
            "task": {"status": "TASK_STATUS_SUCCEED"},
            "videos": [{"video_url": "https://cdn.example.com/v.mp4", "video_url_ttl": ttl}],
        });
        let TaskStatus::Succeeded(video) =
            status_of(Provider::Jiekou, body.to_string().as_bytes()).unwrap()
        else {
            panic!("a succeeded task");
        };
        assert!(!video.is_expired(), "{ttl}: {video:?}");
    }
}

#[test]
fn odkkk_insane_estimate_is_dropped() {
    let body = json!({"id": "task-1", "task_info": {"estimated_time": u64::MAX}});
    let submitted = submit_of(Provider::Odkkk, body.to_string().as_bytes()).unwrap();
    assert_eq!(submitted.estimated_seconds, None);
    // Negative: the generated type refuses it, the lenient read keeps the id and drops it.
    let body = json!({"id": "task-1", "task_info": {"estimated_time": -5}});
    let submitted = submit_of(Provider::Odkkk, body.to_string().as_bytes()).unwrap();
    assert_eq!(
        (submitted.task_id.as_str(), submitted.estimated_seconds),
        ("task-1", None)
    );
    let body = json!({"id": "task-1", "task_info": {"estimated_time": 120}});
    let submitted = submit_of(Provider::Odkkk, body.to_string().as_bytes()).unwrap();
    assert_eq!(submitted.estimated_seconds, Some(120));
}

/// A 5 MiB error message, failure reason, failure code, status word, request id and serde
/// message each come out at most about 1 KiB. The typed answers are built directly: parsing
/// megabytes of JSON in a debug build would only slow the test down.
#[test]
fn five_mib_provider_text_comes_out_bounded() {
    use seedance_jiekou::types as jt;
    use seedance_modellix::types as mt;
    use seedance_odkkk::types as ot;

    let huge = huge();
    let mut headers = HeaderMap::new();
    headers.insert("x-request-id", HeaderValue::from_str(&huge).unwrap());
    for status in [400, 429, 500] {
        let modellix = mt::ApiError {
            code: 500,
            message: huge.clone(),
        };
        let jiekou = jt::ErrorResponse {
            reason: Some(huge.clone()),
            message: Some(huge.clone()),
            ..Default::default()
        };
        let odkkk = ot::ErrorResponse {
            error: Some(ot::ErrorResponseError {
                message: Some(huge.clone()),
                type_: Some(huge.clone()),
                param: Some(huge.clone()),
                fallback_suggestion: Some(huge.clone()),
                code: Some(500),
            }),
        };
        for err in [
            modellix::api_error(status, &headers, modellix),
            jiekou::api_error(status, &headers, jiekou),
            odkkk::api_error(status, &headers, odkkk),
        ] {
            assert_error_bounded(&with_request_id(err, &headers));
        }
    }
    assert_error_bounded(&modellix::envelope_error(1001, &huge));

    let failed = |status: mt::TaskStatus, message: &str| mt::TaskQueryResponse {
        code: 0,
        message: message.to_owned(),
        data: Some(mt::TaskData {
            duration: None,
            model_id: None,
            result: None,
            status,
            task_id: "t".into(),
        }),
    };
    let jiekou_task = |status: jt::TaskStatus, reason: &str| jt::TaskResultResponse {
        task: Some(jt::TaskInfo {
            status: Some(status),
            reason: Some(reason.to_owned()),
            ..Default::default()
        }),
        ..Default::default()
    };
    let odkkk_task = |status: ot::TaskStatus| ot::TaskDetailResponse {
        created: 1,
        error: Some(ot::TaskDetailResponseError {
            code: Some(huge.clone()),
            message: Some(huge.clone()),
        }),
        id: "t".into(),
        model: "m".into(),
        object: ot::TaskObject::from("video.generation.task"),
        progress: 0,
        results: Vec::new(),
        status,
        task_info: None,
        type_: ot::TaskType::from("video"),
    };
    let statuses = [
        modellix::map_status("t", failed(mt::TaskStatus::Failed, &huge)),
        modellix::map_status("t", failed(mt::TaskStatus::Unknown(huge.clone()), "ok")),
        jiekou::map_status("t", jiekou_task(jt::TaskStatus::TaskStatusFailed, &huge)),
        jiekou::map_status("t", jiekou_task(jt::TaskStatus::Unknown(huge.clone()), "")),
        odkkk::map_status("t", odkkk_task(ot::TaskStatus::Failed)),
        odkkk::map_status("t", odkkk_task(ot::TaskStatus::Unknown(huge.clone()))),
    ];
    for status in statuses {
        let status = status.expect("a status");
        match &status {
            TaskStatus::Failed { message, .. } => assert!(message.starts_with("xxx")),
            TaskStatus::Unknown { raw } => assert!(raw.starts_with("xxx")),
            other => panic!("{other:?}"),
        }
        assert_status_bounded(&status);
    }

    // serde quotes the value it refused: the decode error must bound it.
    let body = format!(r#"{{"created": 1, "id": "t", "progress": "{huge}"}}"#);
    assert_error_bounded(&status_of(Provider::Odkkk, body.as_bytes()).unwrap_err());

    for provider in Provider::ALL {
        let err = submit_of(provider, huge.as_bytes()).unwrap_err();
        assert_error_bounded(&err);
        let Error::OutcomeUnknown { body, .. } = err else {
            panic!("{provider}: {err:?}");
        };
        assert!(body.is_some_and(|b| b.len() <= BOUNDED));
    }
}

#[test]
fn task_ids_are_found_in_unreadable_answers() {
    let nested = json!({"weird": [{"meta": {"id": "req-1"}}, {"deep": {"taskId": "abc"}}]});
    assert_eq!(find_task_id(&nested).as_deref(), Some("abc"));
    assert_eq!(find_task_id(&json!({"id": "x1"})).as_deref(), Some("x1"));
    assert_eq!(find_task_id(&json!({"task_id": "", "id": 7})), None);
    for (text, expected) in [
        (r#"{"code":0,"data":{"task_id" : "abc","model"#, Some("abc")),
        (r#"{"id":"x","status":"pend"#, Some("x")),
        (r#"{"data":{"task_id":"ab"#, None),
        (r#"{"task_id":"a\"b"}"#, None),
        (r#"{"type":"id","n":1"#, None),
        ("<html>502</html>", None),
    ] {
        assert_eq!(scan_task_id(text).as_deref(), expected, "{text}");
    }
}

// ---- Property tests over arbitrary JSON. ----

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 256,
        // A failure prints its minimal input; no regression files in the source tree.
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Numbers of every kind serde_json can carry: small, huge, negative, fractional.
fn number() -> impl Strategy<Value = Value> {
    let special = [
        0.0,
        -1.0,
        0.5,
        99.999,
        100.0,
        1e20,
        -1e20,
        1e300,
        f64::MAX,
        f64::MIN_POSITIVE,
        1.8446744073709552e19,
    ];
    let special_ints = [0i64, -1, 1, i64::MIN, i64::MAX, 3600, 100];
    prop_oneof![
        1 => any::<i64>().prop_map(Value::from),
        1 => any::<u64>().prop_map(Value::from),
        2 => prop::sample::select(special_ints.to_vec()).prop_map(Value::from),
        1 => Just(Value::from(u64::MAX)),
        2 => any::<f64>().prop_filter_map("JSON has no NaN or infinity", |f| {
            serde_json::Number::from_f64(f).map(Value::Number)
        }),
        3 => prop::sample::select(special.to_vec()).prop_map(Value::from),
    ]
}

/// Words the mappings look for, numbers as text, escapes, and strings over the limit.
fn text() -> impl Strategy<Value = String> {
    let words = [
        "",
        " ",
        "pending",
        "processing",
        "success",
        "failed",
        "completed",
        "TASK_STATUS_QUEUED",
        "TASK_STATUS_PROCESSING",
        "TASK_STATUS_SUCCEED",
        "TASK_STATUS_FAILED",
        "cancelled",
        "expired",
        "video",
        "image",
        "https://cdn.example.com/v.mp4",
        "18446744073709551615",
        "-1",
        "1e20",
        "NaN",
        "INVALID_API_KEY",
        "insufficient_quota_error",
        "\u{1b}[2J",
        "\u{0}",
    ];
    prop_oneof![
        4 => prop::sample::select(words.to_vec()).prop_map(str::to_owned),
        2 => prop::collection::vec(any::<char>(), 0..24).prop_map(String::from_iter),
        1 => (TEXT_LIMIT - 2..TEXT_LIMIT * 3).prop_map(|n| "é".repeat(n / 2)),
    ]
}

/// Member names of every provider's answers, and some others.
fn key() -> impl Strategy<Value = String> {
    let keys = [
        "code",
        "message",
        "data",
        "status",
        "task_id",
        "taskId",
        "id",
        "model_id",
        "result",
        "resources",
        "url",
        "type",
        "task",
        "eta",
        "progress_percent",
        "reason",
        "videos",
        "video_url",
        "video_url_ttl",
        "error",
        "results",
        "progress",
        "task_info",
        "estimated_time",
        "created",
        "model",
        "object",
        "fallback_suggestion",
        "param",
    ];
    prop_oneof![
        3 => prop::sample::select(keys.to_vec()).prop_map(str::to_owned),
        1 => "[a-z_]{0,8}",
    ]
}

/// A JSON value that is not an array or object.
fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        1 => Just(Value::Null),
        1 => any::<bool>().prop_map(Value::Bool),
        4 => number(),
        4 => text().prop_map(Value::String),
    ]
}

/// Any JSON value, up to a few levels deep.
fn json_value() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(key(), inner, 0..6)
                .prop_map(|members| Value::Object(members.into_iter().collect())),
        ]
    })
}

/// One structural change to a documented answer.
#[derive(Clone, Debug)]
enum Edit {
    Replace(Index, Value),
    Remove(Index),
    Insert(Index, String, Value),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        2 => (any::<Index>(), json_value()).prop_map(|(at, value)| Edit::Replace(at, value)),
        1 => any::<Index>().prop_map(Edit::Remove),
        1 => (any::<Index>(), key(), json_value())
            .prop_map(|(at, name, value)| Edit::Insert(at, name, value)),
    ]
}

/// The JSON pointers of every value inside `value`, itself included, and of its leaves.
fn pointers(value: &Value, at: String, all: &mut Vec<String>, leaves: &mut Vec<String>) {
    match value {
        Value::Object(members) => {
            for (name, inner) in members {
                let name = name.replace('~', "~0").replace('/', "~1");
                pointers(inner, format!("{at}/{name}"), all, leaves);
            }
        }
        Value::Array(items) => {
            for (idx, inner) in items.iter().enumerate() {
                pointers(inner, format!("{at}/{idx}"), all, leaves);
            }
        }
        _ => leaves.push(at.clone()),
    }
    all.push(at);
}

/// A hostile value for one leaf of a documented answer.
#[derive(Clone, Debug)]
struct Hostile {
    number: Value,
    text: String,
    other: Value,
    /// Whether to keep the leaf's JSON type, so that the generated type still reads the
    /// answer and the mapping meets the value.
    keep_type: bool,
}

fn hostile() -> impl Strategy<Value = Hostile> {
    (number(), text(), leaf(), prop::bool::weighted(0.8)).prop_map(
        |(number, text, other, keep_type)| Hostile {
            number,
            text,
            other,
            keep_type,
        },
    )
}

/// Replaces the leaves of `value` for which `overlay` has a value, then applies `edits`.
fn apply(mut value: Value, overlay: Vec<Option<Hostile>>, edits: Vec<Edit>) -> Value {
    let (mut all, mut leaves) = (Vec::new(), Vec::new());
    pointers(&value, String::new(), &mut all, &mut leaves);
    for (pointer, new) in leaves.iter().zip(overlay) {
        let (Some(slot), Some(new)) = (value.pointer_mut(pointer), new) else {
            continue;
        };
        *slot = match slot {
            Value::Number(_) if new.keep_type => new.number,
            Value::String(_) if new.keep_type => Value::String(new.text),
            _ => new.other,
        };
    }
    for edit in edits {
        let (mut all, mut leaves) = (Vec::new(), Vec::new());
        pointers(&value, String::new(), &mut all, &mut leaves);
        let all = all.as_slice();
        match edit {
            Edit::Replace(at, new) => {
                if let Some(slot) = value.pointer_mut(at.get(all).as_str()) {
                    *slot = new;
                }
            }
            Edit::Remove(at) => {
                let Some((parent, last)) = at.get(all).rsplit_once('/') else {
                    continue;
                };
                match value.pointer_mut(parent) {
                    Some(Value::Object(members)) => {
                        members.remove(&last.replace("~1", "/").replace("~0", "~"));
                    }
                    Some(Value::Array(items)) => {
                        if let Ok(idx) = last.parse::<usize>() {
                            items.remove(idx);
                        }
                    }
                    _ => {}
                }
            }
            Edit::Insert(at, name, new) => {
                if let Some(Value::Object(members)) = value.pointer_mut(at.get(all).as_str()) {
                    members.insert(name, new);
                }
            }
        }
    }
    value
}

/// A documented answer from `bases` with hostile leaves and a few structural edits, so that
/// the generated type often still reads it and the mapping itself meets the hostile values.
fn mutated(bases: Vec<Value>) -> impl Strategy<Value = Value> {
    let overlay = prop::collection::vec(
        prop_oneof![3 => Just(None), 1 => hostile().prop_map(Some)],
        32,
    );
    (
        prop::sample::select(bases),
        overlay,
        prop::collection::vec(edit(), 0..2),
    )
        .prop_map(|(base, overlay, edits)| apply(base, overlay, edits))
}

/// A raw answer body; `Debug` shows it as text, for readable failure reports.
#[derive(Clone)]
struct Body(Vec<u8>);

impl std::fmt::Debug for Body {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", String::from_utf8_lossy(&self.0))
    }
}

/// Either an arbitrary value or a mutated documented one.
fn answer(bases: Vec<Value>) -> impl Strategy<Value = Body> {
    prop_oneof![
        1 => json_value(),
        3 => mutated(bases),
    ]
    .prop_map(|value| Body(serde_json::to_vec(&value).expect("a Value serializes")))
}

/// A JSON answer cut anywhere (a connection that ended early), or bytes that are not JSON.
fn cut_answer(bases: Vec<Value>) -> impl Strategy<Value = Body> {
    prop_oneof![
        (answer(bases), any::<Index>()).prop_map(|(Body(bytes), at)| {
            let end = at.index(bytes.len() + 1);
            Body(bytes[..end].to_vec())
        }),
        prop::collection::vec(any::<u8>(), 0..64).prop_map(Body),
    ]
}

fn status_bases(provider: Provider) -> Vec<Value> {
    match provider {
        Provider::Modellix => vec![
            json!({"code": 0, "message": "success", "data": {"status": "pending", "task_id": "task-abc123", "model_id": "m"}}),
            json!({"code": 0, "message": "Content rejected", "data": {"status": "failed", "task_id": "task-abc123"}}),
            json!({"code": 0, "message": "success", "data": {
                "status": "success", "task_id": "task-abc123", "model_id": "m", "duration": 3500,
                "result": {
                    "resources": [
                        {"url": "https://cdn.example.com/v.mp4", "type": "video", "width": 1280, "height": 720, "format": "mp4", "role": "primary"},
                        {"url": "https://cdn.example.com/last.png", "type": "image"}
                    ],
                    "metadata": {"image_count": 1, "request_id": "req-1"},
                    "extensions": {"submit_time": "2024-01-01T10:00:00Z", "end_time": "2024-01-01T10:00:03Z"}
                }
            }}),
        ],
        Provider::Jiekou => vec![
            json!({
                "extra": {"seed": "1", "debug_info": {"request_info": "", "submit_time_ms": ""}},
                "task": {"task_id": "t-1", "status": "TASK_STATUS_PROCESSING", "reason": "", "task_type": "VIDEO", "eta": 12.5, "progress_percent": 40},
                "images": [], "audios": []
            }),
            json!({
                "task": {"task_id": "t-1", "status": "TASK_STATUS_SUCCEED", "eta": 0, "progress_percent": 100},
                "videos": [{"video_url": "https://cdn.example.com/v.mp4", "video_url_ttl": "3600", "video_type": "mp4"}]
            }),
            json!({"task": {"task_id": "t-1", "status": "TASK_STATUS_FAILED", "reason": "content policy"}}),
        ],
        Provider::Odkkk => vec![
            json!({"created": 1756817821, "id": "t-1", "model": "seedance-1.5-pro", "object": "video.generation.task",
                   "progress": 40, "status": "processing", "task_info": {"can_cancel": false}, "type": "video"}),
            json!({"created": 1756817821, "id": "t-1", "model": "seedance-1.5-pro", "object": "video.generation.task",
                   "progress": 100, "results": ["http://example.com/video.mp4"], "status": "completed", "type": "video"}),
            json!({"created": 1756817821, "id": "t-1", "model": "seedance-1.5-pro", "object": "video.generation.task",
                   "progress": 0, "status": "failed", "type": "video",
                   "error": {"code": "content_policy_violation", "message": "blocked"}}),
        ],
    }
}

fn submit_bases(provider: Provider) -> Vec<Value> {
    match provider {
        Provider::Modellix => vec![json!({"code": 0, "message": "success", "data": {
            "status": "pending", "task_id": "task-abc123", "model_id": "model-123",
            "get_result": {"method": "GET", "url": "https://api.modellix.ai/api/v1/tasks/task-abc123"}
        }})],
        Provider::Jiekou => vec![json!({"task_id": "d4f3b2a1-7c6e"})],
        Provider::Odkkk => vec![json!({
            "created": 1761313744, "id": "task-unified-1761313744-vux2jw0k", "model": "seedance-1.5-pro",
            "object": "video.generation.task", "progress": 0, "status": "pending", "type": "video",
            "task_info": {"can_cancel": true, "estimated_time": 120, "video_duration": 5},
            "usage": {"billing_rule": "per_call", "credits_reserved": 10.5, "user_group": "default"}
        })],
    }
}

fn error_bases(provider: Provider) -> Vec<Value> {
    match provider {
        Provider::Modellix => vec![json!({"code": 429, "message": "Too many requests"})],
        Provider::Jiekou => vec![
            json!({"code": 403, "reason": "NOT_ENOUGH_BALANCE", "message": "top up", "metadata": {}}),
        ],
        Provider::Odkkk => vec![
            json!({"error": {"code": 402, "message": "Insufficient quota", "type": "insufficient_quota_error",
                                                 "param": "model", "fallback_suggestion": "https://example.com/billing"}}),
        ],
    }
}

/// Header values a server could send, including ones that are not numbers or not text.
fn headers() -> impl Strategy<Value = HeaderMap> {
    let value = prop_oneof![
        text(),
        any::<u64>().prop_map(|n| n.to_string()),
        any::<i64>().prop_map(|n| n.to_string()),
    ];
    prop::collection::vec(
        (
            prop::sample::select(vec![
                "retry-after",
                "x-ratelimit-reset",
                "x-request-id",
                "request-id",
            ]),
            value,
        ),
        0..4,
    )
    .prop_map(|pairs| {
        let mut headers = HeaderMap::new();
        for (name, value) in pairs {
            if let Ok(value) = HeaderValue::from_str(&value) {
                headers.insert(HeaderName::from_static(name), value);
            }
        }
        headers
    })
}

/// Runs `test` on `config().cases` values of `strategy`; a panic fails with the minimal input.
fn check<S: Strategy>(provider: Provider, strategy: S, test: impl Fn(S::Value)) {
    let mut runner = TestRunner::new(config());
    if let Err(err) = runner.run(&strategy, |value| {
        test(value);
        Ok(())
    }) {
        panic!("{provider}: {err}");
    }
}

#[test]
fn status_mapping_never_panics() {
    for provider in Provider::ALL {
        check(provider, answer(status_bases(provider)), |Body(bytes)| {
            assert_mapped_status(status_of(provider, &bytes));
        });
    }
}

#[test]
fn submit_mapping_never_panics() {
    for provider in Provider::ALL {
        let bodies = prop_oneof![
            answer(submit_bases(provider)),
            cut_answer(submit_bases(provider))
        ];
        check(provider, bodies, |Body(bytes)| {
            assert_mapped_submit(submit_of(provider, &bytes));
        });
    }
}

#[test]
fn error_mapping_never_panics() {
    for provider in Provider::ALL {
        let inputs = (
            answer(error_bases(provider)),
            any::<u16>(),
            headers(),
            any::<i64>(),
            text(),
        );
        check(
            provider,
            inputs,
            |(Body(bytes), status, headers, code, message)| {
                assert_error_bounded(&error_of(provider, status, &headers, &bytes));
                assert_error_bounded(&modellix::envelope_error(code, &message));
                let _ = retry_after(&headers);
            },
        );
    }
}
