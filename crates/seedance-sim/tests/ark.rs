//! The simulator's BytePlus ModelArk routes: create, retrieve, list and cancel/delete as Ark
//! documents them (statuses, the DELETE table, list filters and pages, the 7-day window,
//! `execution_expires_after`), its error bodies, and an `x-request-id` on every answer; and
//! Seedance 2.5 as served in December 2026 (`output_format` mov, the `web_search` tool's usage,
//! the task-type rules and their asynchronous mismatch, 2.5 Flash's limits, draft to final).

use std::time::Duration;

use reqwest::{Method, StatusCode};
use seedance_sim::{ARK_TASK_TYPE_MISMATCH_MARKER, Fault, FaultRule, Route, Sim, SimConfig};
use serde_json::{Value, json};

const HOUR: Duration = Duration::from_secs(3600);
const DAY: Duration = Duration::from_secs(24 * 3600);

/// A simulator whose tasks run for a minute after a queue of `queued` (when given).
async fn sim(queued: Option<Duration>) -> Sim {
    let config = SimConfig {
        task_duration: Duration::from_secs(60),
        ..SimConfig::default()
    };
    let sim = Sim::start(config).await.expect("the simulator starts");
    if let Some(queued) = queued {
        sim.inject(FaultRule::new(Route::Submit, Fault::HoldQueued(queued)).provider("ark"));
    }
    sim
}

struct Answer {
    status: StatusCode,
    body: Value,
}

/// One request to the Ark API of `sim`; every answer must carry an `x-request-id`.
async fn call(sim: &Sim, method: Method, path: &str, body: Option<&str>) -> Answer {
    seedance_runtime::install_crypto_provider();
    let url = format!("{}/contents/generations/tasks{path}", sim.base_url("ark"));
    let mut request = reqwest::Client::new()
        .request(method, url)
        .bearer_auth("ark-key");
    if let Some(body) = body {
        request = request
            .header("content-type", "application/json")
            .body(body.to_owned());
    }
    let response = request.send().await.expect("the simulator answers");
    let status = response.status();
    let request_id = response
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(!request_id.is_empty(), "no x-request-id on a {status}");
    let text = response.text().await.expect("a body");
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or_else(|err| panic!("{err}: {text}"))
    };
    Answer { status, body }
}

async fn create(sim: &Sim, body: &Value) -> String {
    let answer = call(sim, Method::POST, "", Some(&body.to_string())).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    answer.body["id"].as_str().expect("an id").to_owned()
}

async fn get(sim: &Sim, id: &str) -> Answer {
    call(sim, Method::GET, &format!("/{id}"), None).await
}

async fn status(sim: &Sim, id: &str) -> String {
    let answer = get(sim, id).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    answer.body["status"].as_str().expect("a status").to_owned()
}

fn text_request(model: &str, prompt: &str) -> Value {
    json!({"model": model, "content": [{"type": "text", "text": prompt}]})
}

/// Asserts an Ark error body: `{error: {code, message, param, type}}`.
fn assert_error(answer: &Answer, status: u16, kind: &str, code: &str, message_has: &str) {
    assert_eq!(answer.status.as_u16(), status, "{}", answer.body);
    let error = &answer.body["error"];
    assert_eq!(error["type"], kind, "{}", answer.body);
    assert_eq!(error["code"], code, "{}", answer.body);
    assert!(error["param"].is_string(), "{}", answer.body);
    let message = error["message"].as_str().unwrap_or_default();
    assert!(
        message.contains(message_has),
        "{message:?} lacks {message_has:?}"
    );
}

#[tokio::test]
async fn a_task_goes_queued_running_succeeded_and_reports_what_it_ran_with() {
    let sim = sim(Some(Duration::from_secs(100))).await;
    let body = json!({
        "model": "seedance-1-5-pro-251215",
        "content": [
            {"type": "text", "text": "a fox"},
            {"type": "image_url", "image_url": {"url": "https://example.com/fox.png"}, "role": "first_frame"},
        ],
        "ratio": "adaptive", "seed": 11, "return_last_frame": true, "generate_audio": false,
        "execution_expires_after": 7200, "safety_identifier": "user-1",
    });
    let id = create(&sim, &body).await;
    assert!(id.starts_with("cgt-"), "{id}");
    let queued = get(&sim, &id).await.body;
    assert_eq!(queued["status"], "queued");
    assert_eq!(queued["updated_at"], queued["created_at"]);
    assert!(queued.get("content").is_none() && queued.get("usage").is_none());
    sim.advance_clock(Duration::from_secs(100));
    assert_eq!(status(&sim, &id).await, "running");
    sim.advance_clock(Duration::from_secs(60));
    let task = get(&sim, &id).await.body;
    let media = format!("http://{}/", sim.media_addr());
    let created = task["created_at"].as_u64().unwrap();
    assert_eq!(task["updated_at"], created + 160);
    for url in ["video_url", "last_frame_url"] {
        let url = task["content"][url].as_str().unwrap();
        assert!(url.starts_with(&media), "{url}");
    }
    let expected = json!({
        "id": id, "model": "seedance-1-5-pro-251215", "status": "succeeded", "error": null,
        "seed": 11, "resolution": "720p", "ratio": "16:9", "duration": 5, "framespersecond": 24,
        "generate_audio": false, "draft": false, "service_tier": "default",
        "execution_expires_after": 7200, "safety_identifier": "user-1",
        "usage": {"completion_tokens": 108_000, "total_tokens": 108_000},
    });
    for (key, value) in expected.as_object().unwrap() {
        assert_eq!(&task[key], value, "{key} in {task}");
    }
    let video = reqwest::get(task["content"]["video_url"].as_str().unwrap())
        .await
        .unwrap();
    assert_eq!(video.status(), StatusCode::OK);
}

#[tokio::test]
async fn frames_draft_and_draft_tasks_are_reported() {
    let sim = sim(None).await;
    let cases = [
        (
            json!({"frames": 121, "resolution": "1080p"}),
            json!({"frames": 121, "resolution": "1080p"}),
        ),
        (
            json!({"draft": true, "resolution": "1080p"}),
            json!({"draft": true, "resolution": "480p", "duration": 5}),
        ),
        (
            json!({"duration": -1, "priority": 3}),
            json!({"duration": 5, "priority": 3}),
        ),
        (
            json!({"service_tier": "flex"}),
            json!({"service_tier": "flex", "execution_expires_after": 172_800}),
        ),
    ];
    for (extra, expected) in cases {
        let mut body = text_request("seedance-1-5-pro-251215", "a fox");
        body.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        let id = create(&sim, &body).await;
        let task = get(&sim, &id).await.body;
        for (key, value) in expected.as_object().unwrap() {
            assert_eq!(&task[key], value, "{key} for {extra}: {task}");
        }
        assert_eq!(task.get("frames").is_some(), extra.get("frames").is_some());
        assert_eq!(
            task.get("duration").is_some(),
            extra.get("frames").is_none()
        );
    }
    let from_draft = json!({
        "model": "seedance-1-5-pro-251215",
        "content": [{"type": "draft_task", "draft_task": {"id": "cgt-draft-1"}}],
    });
    let id = create(&sim, &from_draft).await;
    assert_eq!(get(&sim, &id).await.body["draft_task_id"], "cgt-draft-1");
}

#[tokio::test]
async fn sdk_style_nulls_and_2_0_reference_requests_are_accepted() {
    let sim = sim(None).await;
    // What volcengine-ark-runtime sends for `tasks.create(model=..., content=...)`.
    let mut sdk_body = text_request("seedance-1-5-pro-251215", "a fox");
    for unset in [
        "safety_identifier",
        "callback_url",
        "return_last_frame",
        "service_tier",
        "execution_expires_after",
        "priority",
        "generate_audio",
        "draft",
        "camera_fixed",
        "watermark",
        "seed",
        "resolution",
        "ratio",
        "duration",
        "frames",
        "tools",
        "output_format",
        "omni_reference_task_type",
    ] {
        sdk_body[unset] = Value::Null;
    }
    let id = create(&sim, &sdk_body).await;
    assert_eq!(
        get(&sim, &id).await.body["execution_expires_after"],
        172_800
    );
    let reference = json!({
        "model": "dreamina-seedance-2-0-260128",
        "content": [
            {"type": "text", "text": "the cat from image 1 dances to audio 1"},
            {"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}, "role": "reference_image"},
            {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}, "role": "reference_image"},
            {"type": "video_url", "video_url": {"url": "asset://asset-123"}, "role": "reference_video"},
            {"type": "audio_url", "audio_url": {"url": "https://example.com/beat.mp3"}, "role": "reference_audio"},
        ],
        "ratio": "16:9", "duration": 8, "generate_audio": true, "watermark": false,
    });
    let id = create(&sim, &reference).await;
    let task = get(&sim, &id).await.body;
    assert_eq!(task["model"], "dreamina-seedance-2-0-260128");
    assert_eq!(task["duration"], 8);
    let created = sim.created_tasks();
    assert_eq!(created.len(), 2);
    assert_eq!(created[1].prompt, "the cat from image 1 dances to audio 1");
    assert_eq!(created[1].provider, "ark");
}

#[tokio::test]
async fn invalid_requests_get_ark_error_bodies() {
    let sim = sim(None).await;
    let image = |role: &str| json!({"type": "image_url", "image_url": {"url": "https://example.com/a.png"}, "role": role});
    let audio = json!({"type": "audio_url", "audio_url": {"url": "https://example.com/a.mp3"}, "role": "reference_audio"});
    let cases: Vec<(Value, &str, &str)> = vec![
        (
            json!({"content": [{"type": "text", "text": "x"}]}),
            "MissingParameter",
            "model",
        ),
        (
            json!({"model": "m", "content": []}),
            "MissingParameter",
            "content",
        ),
        (
            json!({"model": "m", "content": [{"type": "image_url"}]}),
            "MissingParameter",
            "image_url.url",
        ),
        (
            json!({"model": "m", "content": [image("first_frame"), image("reference_image")]}),
            "InvalidParameter",
            "cannot be combined",
        ),
        (
            json!({"model": "m", "content": [image("last_frame")]}),
            "InvalidParameter",
            "needs a first_frame",
        ),
        (
            json!({"model": "m", "content": [image("reference_video")]}),
            "InvalidParameter",
            "role reference_video",
        ),
        (
            json!({"model": "m", "content": [{"type": "text", "text": "x"}, audio]}),
            "InvalidParameter",
            "reference audio",
        ),
        (
            json!({"model": "m", "content": [{"type": "text", "text": "x"}], "draft": true, "return_last_frame": true}),
            "InvalidParameter",
            "draft",
        ),
        (
            json!({"model": "m", "content": [{"type": "text", "text": "x"}], "draft": true, "service_tier": "flex"}),
            "InvalidParameter",
            "flex",
        ),
    ];
    for (body, code, message_has) in cases {
        let answer = call(&sim, Method::POST, "", Some(&body.to_string())).await;
        assert_error(&answer, 400, "BadRequest", code, message_has);
    }
    // Checked against the spec: each refusal names the member.
    let text = json!([{"type": "text", "text": "x"}]);
    let spec_cases = [
        ("resolution", json!("2k")),
        ("ratio", json!("5:4")),
        ("duration", json!(31)),
        ("frames", json!(300)),
        ("seed", json!(4_294_967_296_u64)),
        ("execution_expires_after", json!(60)),
        ("priority", json!(10)),
        ("service_tier", json!("scale")),
        ("safety_identifier", json!("x".repeat(65))),
        ("output_format", json!("webm")),
        ("omni_reference_task_type", json!("reference")),
        ("content", json!([{"type": "gif_url"}])),
        ("content", json!("a fox")),
    ];
    for (member, value) in spec_cases {
        let mut body = json!({"model": "m", "content": text});
        body[member] = value.clone();
        let answer = call(&sim, Method::POST, "", Some(&body.to_string())).await;
        assert_error(&answer, 400, "BadRequest", "InvalidParameter", "");
        assert_eq!(answer.body["error"]["param"], member, "{member} {value}");
    }
    let answer = call(&sim, Method::POST, "", Some("{not json")).await;
    assert_error(
        &answer,
        400,
        "BadRequest",
        "InvalidParameter",
        "Invalid format",
    );
    assert!(sim.created_tasks().is_empty());

    // No key: 401 in Ark's shape, with a request id (checked by `call` for every answer).
    let url = format!("{}/contents/generations/tasks/cgt-1", sim.base_url("ark"));
    let response = reqwest::Client::new().get(url).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert!(response.headers().contains_key("x-request-id"));
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "AuthenticationError");
    assert_eq!(body["error"]["type"], "Unauthorized");

    let answer = get(&sim, "cgt-unknown").await;
    assert_error(&answer, 404, "NotFound", "NotFound.TaskId", "cgt-unknown");
}

#[tokio::test]
async fn delete_follows_the_status_table() {
    let sim = sim(Some(Duration::from_secs(100))).await;
    sim.inject(
        FaultRule::new(Route::Submit, Fault::FailTask)
            .provider("ark")
            .every(3),
    );
    let ids = [
        create(&sim, &text_request("m", "one")).await,
        create(&sim, &text_request("m", "two")).await,
        create(&sim, &text_request("m", "three (fails)")).await,
    ];
    let delete = |id: &str, body: Option<&'static str>| {
        let path = format!("/{id}");
        let sim = &sim;
        async move { call(sim, Method::DELETE, &path, body).await }
    };

    // queued -> cancelled, with no body or `{}`; a cancelled task is refused.
    let answer = delete(&ids[0], Some("{}")).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(status(&sim, &ids[0]).await, "cancelled");
    let answer = delete(&ids[0], None).await;
    assert_error(
        &answer,
        400,
        "BadRequest",
        "InvalidParameter",
        "cancelled already",
    );

    // running -> refused.
    sim.advance_clock(Duration::from_secs(100));
    assert_eq!(status(&sim, &ids[1]).await, "running");
    let answer = delete(&ids[1], None).await;
    assert_error(&answer, 400, "BadRequest", "InvalidParameter", "is running");
    assert_eq!(status(&sim, &ids[1]).await, "running");

    // succeeded and failed -> record deleted, then 404.
    sim.advance_clock(Duration::from_secs(60));
    assert_eq!(status(&sim, &ids[1]).await, "succeeded");
    assert_eq!(status(&sim, &ids[2]).await, "failed");
    assert_eq!(
        get(&sim, &ids[2]).await.body["error"]["code"],
        "InternalServiceError"
    );
    for id in &ids[1..] {
        let answer = delete(id, None).await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
        assert_error(&get(&sim, id).await, 404, "NotFound", "NotFound.TaskId", id);
        assert_error(
            &delete(id, None).await,
            404,
            "NotFound",
            "NotFound.TaskId",
            id,
        );
    }
    // Deleting the record does not undo the creation.
    assert_eq!(sim.created_tasks().len(), 3);

    // A cancelled task is deleted 24 hours after its cancellation.
    assert_eq!(status(&sim, &ids[0]).await, "cancelled");
    sim.advance_clock(DAY);
    assert_eq!(get(&sim, &ids[0]).await.status, StatusCode::NOT_FOUND);
    let counters = sim.counters();
    assert_eq!(counters.route("ark delete"), 7);
    assert_eq!(counters.route("ark submit"), 3);
}

#[tokio::test]
async fn tasks_expire_after_their_execution_window_and_can_be_deleted() {
    let sim = sim(Some(50 * HOUR)).await;
    let mut body = text_request("m", "slow");
    body["execution_expires_after"] = json!(3600);
    let short = create(&sim, &body).await;
    let default = create(&sim, &text_request("m", "default window")).await;
    sim.advance_clock(HOUR - Duration::from_secs(1));
    assert_eq!(status(&sim, &short).await, "queued");
    sim.advance_clock(Duration::from_secs(1));
    let task = get(&sim, &short).await.body;
    assert_eq!(task["status"], "expired");
    assert_eq!(
        task["updated_at"],
        task["created_at"].as_u64().unwrap() + 3600
    );
    assert!(task.get("content").is_none());
    assert_eq!(status(&sim, &default).await, "queued");
    // Running past the default window of 48 hours expires too.
    sim.advance_clock(47 * HOUR);
    assert_eq!(status(&sim, &default).await, "expired");
    let answer = call(&sim, Method::DELETE, &format!("/{short}"), Some("{}")).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(get(&sim, &short).await.status, StatusCode::NOT_FOUND);
}

/// The ids of a list answer, and its total.
async fn list(sim: &Sim, query: &str) -> (Vec<String>, u64) {
    let answer = call(sim, Method::GET, query, None).await;
    assert_eq!(answer.status, StatusCode::OK, "{query}: {}", answer.body);
    let ids = answer.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|task| task["id"].as_str().unwrap().to_owned())
        .collect();
    (ids, answer.body["total"].as_u64().unwrap())
}

#[tokio::test]
async fn list_filters_pages_and_keeps_seven_days() {
    let sim = sim(Some(Duration::from_secs(100))).await;
    let mut ids = Vec::new();
    for (model, tier) in [
        ("a", "default"),
        ("b", "default"),
        ("a", "flex"),
        ("a", "default"),
        ("b", "default"),
    ] {
        let mut body = text_request(model, "x");
        body["service_tier"] = json!(tier);
        ids.push(create(&sim, &body).await);
    }
    // Newest first; flex tasks only on request (the filter defaults to `default`).
    let defaults: Vec<String> = [4, 3, 1, 0].iter().map(|&i| ids[i].clone()).collect();
    assert_eq!(list(&sim, "").await, (defaults.clone(), 4));
    assert_eq!(
        list(&sim, "?filter.service_tier=flex").await,
        (vec![ids[2].clone()], 1)
    );
    assert_eq!(
        list(&sim, "?page_size=3").await,
        (defaults[..3].to_vec(), 4)
    );
    assert_eq!(
        list(&sim, "?page_size=3&page_num=2").await,
        (defaults[3..].to_vec(), 4)
    );
    assert_eq!(list(&sim, "?page_size=3&page_num=3").await, (vec![], 4));
    assert_eq!(
        list(&sim, "?filter.model=b").await,
        (vec![ids[4].clone(), ids[1].clone()], 2)
    );
    let by_ids = format!(
        "?filter.task_ids={}&filter.task_ids={}&filter.task_ids=cgt-none",
        ids[0], ids[3]
    );
    assert_eq!(
        list(&sim, &by_ids).await,
        (vec![ids[3].clone(), ids[0].clone()], 2)
    );

    call(&sim, Method::DELETE, &format!("/{}", ids[0]), None).await;
    assert_eq!(
        list(&sim, "?filter.status=cancelled").await,
        (vec![ids[0].clone()], 1)
    );
    assert_eq!(list(&sim, "?filter.status=queued").await.1, 3);
    sim.advance_clock(Duration::from_secs(100));
    assert_eq!(
        list(&sim, "?filter.status=running&filter.model=a").await,
        (vec![ids[3].clone()], 1)
    );
    let answer = call(&sim, Method::GET, "?filter.status=running", None).await;
    assert_eq!(answer.body["items"][0]["status"], "running");
    assert_eq!(answer.body["items"][0]["model"], "b");

    for bad in [
        "?page_size=0",
        "?page_size=501",
        "?page_num=x",
        "?filter.status=paused",
    ] {
        let answer = call(&sim, Method::GET, bad, None).await;
        let param = bad[1..].split('=').next().unwrap();
        assert_error(&answer, 400, "BadRequest", "InvalidParameter", "");
        assert_eq!(answer.body["error"]["param"], param, "{bad}");
    }

    // Tasks older than 7 days leave the list (and can no longer be retrieved).
    sim.advance_clock(7 * DAY);
    let recent = create(&sim, &text_request("a", "recent")).await;
    assert_eq!(list(&sim, "").await, (vec![recent], 1));
    assert_eq!(get(&sim, &ids[1]).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn faults_and_counters_apply_to_every_ark_route() {
    let sim = sim(None).await;
    sim.inject(
        FaultRule::new(
            Route::List,
            Fault::Status {
                code: 429,
                retry_after: Some(3),
            },
        )
        .provider("ark")
        .times(1),
    );
    sim.inject(
        FaultRule::new(
            Route::Delete,
            Fault::Status {
                code: 500,
                retry_after: None,
            },
        )
        .times(1),
    );
    let answer = call(&sim, Method::GET, "", None).await;
    assert_error(
        &answer,
        429,
        "TooManyRequests",
        "RateLimitExceeded.EndpointRPMExceeded",
        "",
    );
    assert_eq!(list(&sim, "").await.1, 0);
    let id = create(&sim, &text_request("m", "x")).await;
    let answer = call(&sim, Method::DELETE, &format!("/{id}"), None).await;
    assert_error(
        &answer,
        500,
        "InternalServerError",
        "InternalServiceError",
        "",
    );
    let counters = sim.counters();
    for (route, n) in [
        ("ark list", 2),
        ("ark submit", 1),
        ("ark delete", 1),
        ("ark status", 0),
    ] {
        assert_eq!(counters.route(route), n, "{route}: {counters:?}");
    }
    assert_eq!(counters.faults["ark list: status 429"], 1);
    assert_eq!(counters.faults["ark delete: status 500"], 1);
    assert_eq!(counters.submits_per_prompt["x"], 1);
}

/// The body the `seedance` CLI on crates.io (0.3.0, `src/api.rs` `CreateTaskRequest`) sends for
/// `seedance generate --image a.png --video URL --audio b.mp3 "..."` with its defaults (720p,
/// adaptive, 5 s, seed -1, audio on, no watermark): local files become data URLs.
#[tokio::test]
async fn the_crates_io_seedance_cli_reference_request_is_accepted() {
    let sim = sim(None).await;
    let body = r#"{"model":"dreamina-seedance-2-0-260128","content":[
        {"type":"text","text":"@image1 walks through @video1 to the beat of @audio1"},
        {"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgoAAAANSUhEUg=="},"role":"reference_image"},
        {"type":"video_url","video_url":{"url":"https://example.com/street.mp4"},"role":"reference_video"},
        {"type":"audio_url","audio_url":{"url":"data:audio/mpeg;base64,SUQzBAAAAAAA"},"role":"reference_audio"}],
        "resolution":"720p","ratio":"adaptive","duration":5,"seed":-1,"generate_audio":true,"watermark":false}"#;
    let answer = call(&sim, Method::POST, "", Some(body)).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let id = answer.body["id"].as_str().unwrap();
    let task = get(&sim, id).await.body;
    // What that CLI reads back (`TaskInfo`): the ratio chosen for adaptive, an integer seed.
    assert_eq!(task["ratio"], "16:9");
    assert!(task["seed"].is_u64(), "{task}");
    assert_eq!(task["duration"], 5);
    // Its cancel: DELETE without a body.
    let answer = call(&sim, Method::DELETE, &format!("/{id}"), None).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
}

const SEEDANCE_2_5: &str = "dreamina-seedance-2-5-260628";
const SEEDANCE_2_5_FLASH: &str = "dreamina-seedance-2-5-flash-261115";

/// Past the queue and the minute-long run of [`sim`]'s tasks.
const FINISHED: Duration = Duration::from_secs(61);

/// `body` with the members of `extra` added.
fn with(mut body: Value, extra: Value) -> Value {
    body.as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    body
}

fn reference_video() -> Value {
    json!({"type": "video_url", "video_url": {"url": "https://example.com/clip.mp4"}, "role": "reference_video"})
}

fn image(role: Option<&str>) -> Value {
    let mut item = json!({"type": "image_url", "image_url": {"url": "https://example.com/a.png"}});
    if let Some(role) = role {
        item["role"] = json!(role);
    }
    item
}

/// A 2.5 request: a prompt and `items`.
fn request_2_5(model: &str, prompt: &str, items: impl IntoIterator<Item = Value>) -> Value {
    let mut content = vec![json!({"type": "text", "text": prompt})];
    content.extend(items);
    json!({"model": model, "content": content})
}

/// The first bytes of a downloaded video, and its content type.
async fn download(url: &str) -> (String, Vec<u8>) {
    let response = reqwest::get(url).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK, "{url}");
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    (content_type, response.bytes().await.unwrap().to_vec())
}

#[tokio::test]
async fn a_mov_task_finishes_with_a_quicktime_video_and_mp4_stays_the_default() {
    let sim = sim(None).await;
    let mov = with(
        text_request(SEEDANCE_2_5, "a fox, for grading"),
        json!({"output_format": "mov"}),
    );
    let mov = create(&sim, &mov).await;
    let mp4 = create(&sim, &text_request(SEEDANCE_2_5, "a fox")).await;
    sim.advance_clock(FINISHED);
    let media = format!("http://{}/videos/", sim.media_addr());

    let task = get(&sim, &mov).await.body;
    assert_eq!(task["status"], "succeeded", "{task}");
    assert_eq!(task["output_format"], "mov");
    let url = task["content"]["video_url"].as_str().unwrap();
    assert_eq!(url, format!("{media}{mov}.mov"));
    let (content_type, bytes) = download(url).await;
    assert_eq!(content_type, "video/quicktime");
    // The ftyp box first: 20 bytes, major brand `qt  `, minor version 0x200, compatible `qt  `.
    assert_eq!(&bytes[..4], [0, 0, 0, 20]);
    assert_eq!(&bytes[4..8], b"ftyp");
    assert_eq!(&bytes[8..12], b"qt  ");
    assert_eq!(&bytes[16..20], b"qt  ");
    assert_eq!(&bytes[24..28], b"free");
    assert_eq!(&bytes[36..40], b"moov");
    // A mov task has no mp4 video.
    let twin = reqwest::get(format!("{media}{mov}.mp4")).await.unwrap();
    assert_eq!(twin.status(), StatusCode::NOT_FOUND);

    let task = get(&sim, &mp4).await.body;
    assert_eq!(task["output_format"], "mp4");
    let url = task["content"]["video_url"].as_str().unwrap();
    assert_eq!(url, format!("{media}{mp4}.mp4"));
    let (content_type, bytes) = download(url).await;
    assert_eq!(content_type, "video/mp4");
    assert_eq!(&bytes[4..12], b"ftypisom");
    assert_eq!(bytes.len(), 8164);
}

#[tokio::test]
async fn the_web_search_tool_is_counted_in_the_usage() {
    let sim = sim(None).await;
    let searching = with(
        text_request(SEEDANCE_2_5, "today's weather in Johor"),
        json!({"tools": [{"type": "web_search"}]}),
    );
    let searching = create(&sim, &searching).await;
    let plain = create(&sim, &text_request(SEEDANCE_2_5, "a fox")).await;
    let queued = get(&sim, &searching).await.body;
    assert!(queued.get("usage").is_none(), "{queued}");
    sim.advance_clock(FINISHED);

    let task = get(&sim, &searching).await.body;
    assert_eq!(task["status"], "succeeded");
    assert_eq!(task["usage"]["tool_usage"], json!({"web_search": 1}));
    assert_eq!(task["usage"]["completion_tokens"], 108_000);
    let task = get(&sim, &plain).await.body;
    assert_eq!(task["status"], "succeeded");
    assert_eq!(task["usage"]["completion_tokens"], 108_000);
    assert!(task["usage"].get("tool_usage").is_none(), "{task}");
}

#[tokio::test]
async fn seedance_2_5_task_type_conflicts_are_refused_at_once_and_their_twins_accepted() {
    let sim = sim(None).await;
    let video = reference_video();
    let first = image(Some("first_frame"));
    let last = image(Some("last_frame"));
    // (refused body, the param named, a valid twin)
    let cases = [
        (
            with(
                request_2_5(SEEDANCE_2_5, "recolour the car", [video.clone()]),
                json!({"omni_reference_task_type": "edit", "ratio": "16:9", "duration": -1}),
            ),
            "ratio",
            json!({"omni_reference_task_type": "edit", "ratio": "adaptive", "duration": -1}),
        ),
        (
            with(
                request_2_5(SEEDANCE_2_5, "the car drives on", [video.clone()]),
                json!({"omni_reference_task_type": "extend", "ratio": "9:16"}),
            ),
            "ratio",
            json!({"omni_reference_task_type": "extend", "duration": 10}),
        ),
        (
            with(
                request_2_5(SEEDANCE_2_5, "recolour the car", [video]),
                json!({"omni_reference_task_type": "edit", "duration": 5}),
            ),
            "duration",
            json!({"omni_reference_task_type": "edit"}),
        ),
        (
            with(
                request_2_5(SEEDANCE_2_5_FLASH, "a fox wakes", [first.clone()]),
                json!({"ratio": "16:9"}),
            ),
            "ratio",
            json!({"ratio": "adaptive"}),
        ),
        (
            with(
                request_2_5("doubao-seedance-2-5-260628", "a fox walks", [first, last]),
                json!({"ratio": "1:1"}),
            ),
            "ratio",
            json!({}),
        ),
        (
            // An image without a role is a first frame.
            with(
                request_2_5(SEEDANCE_2_5, "a fox wakes", [image(None)]),
                json!({"ratio": "4:3"}),
            ),
            "ratio",
            json!({"ratio": "adaptive"}),
        ),
    ];
    for (refused, param, twin) in cases {
        let answer = call(&sim, Method::POST, "", Some(&refused.to_string())).await;
        let needs = if param == "ratio" {
            "need ratio adaptive"
        } else {
            "needs duration -1"
        };
        assert_error(
            &answer,
            400,
            "BadRequest",
            "InvalidParameter.TaskTypeConstraint",
            needs,
        );
        assert_eq!(answer.body["error"]["param"], param, "{refused}");
        let mut valid = refused.clone();
        for member in ["ratio", "duration", "omni_reference_task_type"] {
            valid.as_object_mut().unwrap().remove(member);
        }
        let id = create(&sim, &with(valid, twin.clone())).await;
        let task = get(&sim, &id).await.body;
        assert_eq!(
            task.get("omni_reference_task_type"),
            twin.get("omni_reference_task_type"),
            "{task}"
        );
    }
    // The rules are 2.5's: 2.0 takes a first frame with a fixed ratio.
    let two_oh = with(
        request_2_5(
            "dreamina-seedance-2-0-260128",
            "a fox wakes",
            [image(Some("first_frame"))],
        ),
        json!({"ratio": "16:9"}),
    );
    create(&sim, &two_oh).await;
    assert_eq!(sim.created_tasks().len(), 7);
}

#[tokio::test]
async fn seedance_2_5_flash_takes_480p_and_720p_and_no_draft_and_2_5_takes_4k() {
    let sim = sim(None).await;
    for (model, resolution) in [
        (SEEDANCE_2_5_FLASH, "1080p"),
        (SEEDANCE_2_5_FLASH, "4k"),
        ("doubao-seedance-2-5-flash-261115", "1080p"),
    ] {
        let body = with(
            text_request(model, "a fox"),
            json!({"resolution": resolution}),
        );
        let answer = call(&sim, Method::POST, "", Some(&body.to_string())).await;
        assert_error(&answer, 400, "BadRequest", "InvalidParameter", resolution);
        assert_eq!(answer.body["error"]["param"], "resolution", "{body}");
    }
    let draft = with(
        text_request(SEEDANCE_2_5_FLASH, "a fox"),
        json!({"draft": true}),
    );
    let answer = call(&sim, Method::POST, "", Some(&draft.to_string())).await;
    assert_error(&answer, 400, "BadRequest", "InvalidParameter", "draft");
    assert_eq!(answer.body["error"]["param"], "draft");
    assert!(sim.created_tasks().is_empty());

    for (model, resolution) in [
        (SEEDANCE_2_5_FLASH, "720p"),
        (SEEDANCE_2_5_FLASH, "480p"),
        (SEEDANCE_2_5, "4k"),
        (SEEDANCE_2_5, "1080p"),
    ] {
        let body = with(
            text_request(model, "a fox"),
            json!({"resolution": resolution}),
        );
        let id = create(&sim, &body).await;
        let task = get(&sim, &id).await.body;
        assert_eq!(task["resolution"], resolution, "{task}");
        assert_eq!(task["model"], model);
    }
    // 2.5 keeps its draft.
    let draft = with(text_request(SEEDANCE_2_5, "a fox"), json!({"draft": true}));
    let id = create(&sim, &draft).await;
    assert_eq!(get(&sim, &id).await.body["draft"], true);
}

#[tokio::test]
async fn a_prompt_contradicting_the_declared_task_type_fails_the_task_later() {
    let sim = sim(None).await;
    let video = reference_video();
    let edit = |prompt: &str, task_type: &str| {
        with(
            request_2_5(SEEDANCE_2_5, prompt, [video.clone()]),
            json!({"omni_reference_task_type": task_type, "duration": -1}),
        )
    };
    let mismatched = format!("make a brand new film of a dragon {ARK_TASK_TYPE_MISMATCH_MARKER}");
    assert_eq!(ARK_TASK_TYPE_MISMATCH_MARKER, "[sim:task-type-mismatch]");
    // Accepted at once: the mismatch is found while the task runs.
    let failing = create(&sim, &edit(&mismatched, "edit")).await;
    let extending = create(&sim, &edit(&mismatched, "extend")).await;
    let matching = create(&sim, &edit("recolour the car red", "edit")).await;
    // Under auto there is no declared type to contradict.
    let auto = create(&sim, &edit(&mismatched, "auto")).await;
    assert_eq!(status(&sim, &failing).await, "queued");
    sim.advance_clock(Duration::from_secs(30));
    assert_eq!(status(&sim, &failing).await, "running");
    sim.advance_clock(FINISHED);

    for id in [&failing, &extending] {
        let task = get(&sim, id).await.body;
        assert_eq!(task["status"], "failed", "{task}");
        assert_eq!(task["error"]["code"], "InvalidParameter.TaskTypeMismatch");
        let message = task["error"]["message"].as_str().unwrap();
        assert!(message.contains("omni_reference_task_type"), "{message}");
        assert!(task.get("content").is_none() && task.get("usage").is_none());
    }
    assert_eq!(
        get(&sim, &failing).await.body["omni_reference_task_type"],
        "edit"
    );
    for id in [&matching, &auto] {
        let task = get(&sim, id).await.body;
        assert_eq!(task["status"], "succeeded", "{task}");
        assert_eq!(task["error"], Value::Null);
    }
    // A failure injected by a fault keeps Ark's generic code.
    sim.inject(FaultRule::new(Route::Submit, Fault::FailTask).provider("ark"));
    let faulted = create(&sim, &edit("recolour the car", "edit")).await;
    sim.advance_clock(FINISHED);
    assert_eq!(
        get(&sim, &faulted).await.body["error"]["code"],
        "InternalServiceError"
    );
}

#[tokio::test]
async fn a_2_5_draft_task_alone_makes_the_final_video_up_to_4k() {
    let sim = sim(None).await;
    let from_draft = |resolution: Option<&str>| {
        let mut body = json!({
            "model": SEEDANCE_2_5,
            "content": [{"type": "draft_task", "draft_task": {"id": "cgt-20261208-draft"}}],
        });
        if let Some(resolution) = resolution {
            body["resolution"] = json!(resolution);
        }
        body
    };
    let four_k = create(&sim, &from_draft(Some("4k"))).await;
    let unset = create(&sim, &from_draft(None)).await;
    sim.advance_clock(FINISHED);
    let task = get(&sim, &four_k).await.body;
    assert_eq!(task["status"], "succeeded", "{task}");
    assert_eq!(task["draft_task_id"], "cgt-20261208-draft");
    assert_eq!(task["resolution"], "4k");
    // The final video of a 2.5 draft is 1080p unless asked otherwise.
    let task = get(&sim, &unset).await.body;
    assert_eq!(task["resolution"], "1080p");
    assert_eq!(task["draft"], false);
    assert_eq!(sim.created_tasks()[0].prompt, "");
}
