//! Property tests over arbitrary JSON: documented answers with random edits, and random
//! values, through every provider mapping.

use super::*;

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
        Provider::Ark => vec![
            json!({"id": "cgt-1", "model": "seedance-1-5-pro-251215", "status": "running",
                   "created_at": 1767225600, "updated_at": 1767225610}),
            json!({"id": "cgt-1", "model": "doubao-seedance-2-0-260128", "status": "succeeded",
                   "content": {"video_url": "https://cdn.example.com/v.mp4", "last_frame_url": "https://cdn.example.com/l.png"},
                   "usage": {"completion_tokens": 108900, "total_tokens": 108900},
                   "created_at": 1779348818, "updated_at": 1779348874, "seed": 78674, "resolution": "720p",
                   "ratio": "16:9", "duration": 5, "framespersecond": 24, "service_tier": "default",
                   "execution_expires_after": 172800, "generate_audio": true, "draft": false, "priority": 0}),
            json!({"id": "cgt-1", "status": "failed", "error": {"code": "OutputVideoSensitiveContentDetected", "message": "blocked"}}),
        ],
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
        Provider::Ark => vec![json!({"id": "cgt-20250101000000-abcde"})],
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
        Provider::Ark => vec![
            json!({"error": {"code": "AuthenticationError", "message": "the API key is invalid", "param": "", "type": "Unauthorized"}}),
        ],
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
