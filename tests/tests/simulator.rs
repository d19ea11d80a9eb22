//! The simulator speaks each provider's API as its spec describes it: every response it gives
//! (each task phase, each error) validates against the spec's schema for that status code, its
//! errors use the provider's own body, results come from another origin and expire, and faults
//! and counters behave as configured.

use std::time::Duration;

use reqwest::StatusCode;
use seedance_sim::{Fault, FaultRule, Route, Sim, SimConfig};
use seedance_workspace_tests::{escape, schema_errors, spec};
use serde_json::{Value, json};

/// One provider's submit and status calls, as raw HTTP.
struct Api {
    provider: &'static str,
    submit_path: &'static str,
    spec_submit: &'static str,
    spec_status: &'static str,
    body: Value,
}

fn apis() -> Vec<Api> {
    vec![
        Api {
            provider: "modellix",
            submit_path: "/bytedance/seedance-1.5-pro-t2v",
            spec_submit: "/bytedance/seedance-1.5-pro-t2v",
            spec_status: "/tasks/{task_id}",
            body: json!({"prompt": "a fox"}),
        },
        Api {
            provider: "jiekou",
            submit_path: "/v3/async/seedance-v1.5-pro-t2v",
            spec_submit: "/v3/async/seedance-v1.5-pro-t2v",
            spec_status: "/v3/async/task-result",
            body: json!({"prompt": "a fox"}),
        },
        Api {
            provider: "odkkk",
            submit_path: "/v1/videos/generations",
            spec_submit: "/v1/videos/generations",
            spec_status: "/v1/tasks/{task_id}",
            body: json!({"model": "seedance-1.5-pro", "prompt": "a fox"}),
        },
        Api {
            provider: "ark",
            submit_path: "/contents/generations/tasks",
            spec_submit: "/contents/generations/tasks",
            spec_status: "/contents/generations/tasks/{id}",
            body: json!({
                "model": "seedance-1-5-pro-251215",
                "content": [{"type": "text", "text": "a fox"}],
            }),
        },
    ]
}

fn http() -> reqwest::Client {
    seedance_runtime::install_crypto_provider();
    reqwest::Client::new()
}

impl Api {
    fn status_url(&self, sim: &Sim, task_id: &str) -> String {
        let base = sim.base_url(self.provider);
        match self.provider {
            "jiekou" => format!("{base}/v3/async/task-result?task_id={task_id}"),
            "modellix" => format!("{base}/tasks/{task_id}"),
            "ark" => format!("{base}/contents/generations/tasks/{task_id}"),
            _ => format!("{base}/v1/tasks/{task_id}"),
        }
    }

    fn task_id(&self, submitted: &Value) -> String {
        let id = match self.provider {
            "modellix" => &submitted["data"]["task_id"],
            "jiekou" => &submitted["task_id"],
            _ => &submitted["id"],
        };
        id.as_str().expect("a task id").to_owned()
    }

    /// Asserts `body` is valid for `status` of the operation, per the spec.
    fn check(&self, spec_path: &str, method: &str, status: StatusCode, body: &Value) {
        let spec = spec(self.provider);
        let pointer = format!(
            "/paths/{}/{method}/responses/{}/content/application~1json/schema",
            escape(spec_path),
            status.as_u16()
        );
        assert!(
            spec.pointer(&pointer).is_some(),
            "{} answered {status}, which the spec does not document for {method} {spec_path}",
            self.provider
        );
        let errors = schema_errors(&spec, &pointer, body);
        assert!(
            errors.is_empty(),
            "{} {status} {body}: {errors:#?}",
            self.provider
        );
    }
}

async fn call(request: reqwest::RequestBuilder) -> (StatusCode, Value) {
    let response = request.send().await.expect("the simulator answers");
    let status = response.status();
    let body = response.json().await.expect("a JSON body");
    (status, body)
}

#[tokio::test]
async fn every_phase_and_error_validates_against_the_spec() {
    let config = SimConfig {
        task_duration: Duration::from_millis(600),
        ..SimConfig::default()
    };
    let sim = Sim::start(config).await.unwrap();
    let http = http();
    for api in apis() {
        let submit_url = format!("{}{}", sim.base_url(api.provider), api.submit_path);
        let (status, submitted) =
            call(http.post(&submit_url).bearer_auth("k").json(&api.body)).await;
        assert_eq!(status, StatusCode::OK, "{submitted}");
        api.check(api.spec_submit, "post", status, &submitted);

        // Poll through every phase; each answer must be documented.
        let task_id = api.task_id(&submitted);
        let mut seen = Vec::new();
        for _ in 0..40 {
            let (status, body) =
                call(http.get(api.status_url(&sim, &task_id)).bearer_auth("k")).await;
            api.check(api.spec_status, "get", status, &body);
            let word = body
                .pointer("/data/status")
                .or_else(|| body.pointer("/task/status"))
                .or_else(|| body.pointer("/status"))
                .and_then(Value::as_str)
                .unwrap()
                .to_owned();
            if seen.last() != Some(&word) {
                seen.push(word.clone());
            }
            if ["success", "TASK_STATUS_SUCCEED", "completed", "succeeded"].contains(&word.as_str())
            {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let expected: &[&str] = match api.provider {
            "modellix" => &["pending", "processing", "success"],
            "jiekou" => &[
                "TASK_STATUS_QUEUED",
                "TASK_STATUS_PROCESSING",
                "TASK_STATUS_SUCCEED",
            ],
            "ark" => &["queued", "running", "succeeded"],
            _ => &["pending", "processing", "completed"],
        };
        assert_eq!(seen, expected, "{} lifecycle", api.provider);

        // Errors, in the provider's own shape.
        let (status, body) = call(http.post(&submit_url).json(&api.body)).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        api.check(api.spec_submit, "post", status, &body);
        let mut bad = api.body.clone();
        // Past every provider's documented maximum (Ark's widest is 30 s).
        bad["duration"] = json!(if api.provider == "ark" { 31 } else { 13 });
        let (status, body) = call(http.post(&submit_url).bearer_auth("k").json(&bad)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        api.check(api.spec_submit, "post", status, &body);
        assert!(
            body.to_string().contains("duration"),
            "the error names the field: {body}"
        );
        let (status, body) = call(
            http.get(api.status_url(&sim, "no-such-task"))
                .bearer_auth("k"),
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        api.check(api.spec_status, "get", status, &body);
    }
    // Faults answer with documented statuses and bodies too.
    sim.inject(
        FaultRule::new(
            Route::Submit,
            Fault::Status {
                code: 429,
                retry_after: Some(3),
            },
        )
        .times(apis().len() as u64),
    );
    for api in apis() {
        let submit_url = format!("{}{}", sim.base_url(api.provider), api.submit_path);
        let response = http
            .post(&submit_url)
            .bearer_auth("k")
            .json(&api.body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.headers()["retry-after"], "3");
        let status = response.status();
        let body: Value = response.json().await.unwrap();
        api.check(api.spec_submit, "post", status, &body);
    }
}

/// Ark's list and its refusals validate against the spec, like every other answer.
#[tokio::test]
async fn ark_list_answers_validate_against_the_spec() {
    let sim = Sim::start(SimConfig {
        task_duration: Duration::ZERO,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let http = http();
    let api = &apis()[3];
    let collection = format!("{}{}", sim.base_url("ark"), api.submit_path);
    for _ in 0..2 {
        let (status, _) = call(http.post(&collection).bearer_auth("k").json(&api.body)).await;
        assert_eq!(status, StatusCode::OK);
    }
    for (query, expected) in [
        ("", StatusCode::OK),
        ("?filter.status=succeeded&page_size=1", StatusCode::OK),
        ("?page_size=501", StatusCode::BAD_REQUEST),
    ] {
        let (status, body) = call(http.get(format!("{collection}{query}")).bearer_auth("k")).await;
        assert_eq!(status, expected, "{query}: {body}");
        api.check(api.spec_submit, "get", status, &body);
        if status == StatusCode::OK {
            assert_eq!(body["total"], 2, "{body}");
            assert!(!body["items"].as_array().unwrap().is_empty(), "{body}");
        }
    }
}

#[tokio::test]
async fn results_come_from_another_origin_and_expire() {
    let config = SimConfig {
        task_duration: Duration::ZERO,
        url_ttl: Duration::from_millis(300),
        ..SimConfig::default()
    };
    let sim = Sim::start(config).await.unwrap();
    let http = http();
    let api = &apis()[2];
    let submit_url = format!("{}{}", sim.base_url(api.provider), api.submit_path);
    let (_, submitted) = call(http.post(&submit_url).bearer_auth("k").json(&api.body)).await;
    let (_, task) = call(
        http.get(api.status_url(&sim, &api.task_id(&submitted)))
            .bearer_auth("k"),
    )
    .await;
    let url = task["results"][0].as_str().unwrap().to_owned();
    assert!(
        url.starts_with(&format!("http://{}/", sim.media_addr())),
        "{url}"
    );
    assert_ne!(sim.media_addr(), sim.api_addr());
    let video = http.get(&url).send().await.unwrap();
    assert_eq!(video.status(), StatusCode::OK);
    let bytes = video.bytes().await.unwrap();
    assert_eq!(&bytes[4..8], b"ftyp", "a real MP4");
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(
        http.get(&url).send().await.unwrap().status(),
        StatusCode::GONE
    );
    assert_eq!(sim.counters().route("media video"), 2);
}

#[tokio::test]
async fn counters_and_task_faults() {
    let config = SimConfig {
        task_duration: Duration::ZERO,
        faults: vec![
            FaultRule::new(Route::Submit, Fault::FailTask)
                .provider("jiekou")
                .times(1),
            FaultRule::new(Route::Status, Fault::TruncateBody)
                .provider("modellix")
                .times(1),
        ],
        ..SimConfig::default()
    };
    let sim = Sim::start(config).await.unwrap();
    let http = http();
    let apis = apis();
    let (_, submitted) = call(
        http.post(format!("{}{}", sim.base_url("jiekou"), apis[1].submit_path))
            .bearer_auth("k")
            .json(&apis[1].body),
    )
    .await;
    let (_, task) = call(
        http.get(apis[1].status_url(&sim, &apis[1].task_id(&submitted)))
            .bearer_auth("k"),
    )
    .await;
    assert_eq!(task["task"]["status"], "TASK_STATUS_FAILED");
    apis[1].check(apis[1].spec_status, "get", StatusCode::OK, &task);

    let (_, submitted) = call(
        http.post(format!(
            "{}{}",
            sim.base_url("modellix"),
            apis[0].submit_path
        ))
        .bearer_auth("k")
        .json(&apis[0].body),
    )
    .await;
    let request = http
        .get(apis[0].status_url(&sim, &apis[0].task_id(&submitted)))
        .bearer_auth("k");
    // The connection breaks mid-message: the client fails on the head or on the body.
    let truncated = match request.send().await {
        Ok(response) => response.bytes().await.map(|_| ()),
        Err(err) => Err(err),
    };
    assert!(
        truncated.is_err(),
        "a truncated body is an error for the client"
    );

    let counters = sim.counters();
    assert_eq!(counters.route("jiekou submit"), 1);
    assert_eq!(counters.route("modellix submit"), 1);
    assert_eq!(counters.route("modellix status"), 1);
    assert_eq!(counters.submits_per_prompt["a fox"], 2);
    assert_eq!(counters.api_requests(), 4);
    assert_eq!(counters.faults["jiekou submit: FailTask"], 1);
    assert_eq!(counters.faults["modellix status: truncate body"], 1);
    assert_eq!(counters.faults_ending_with(": truncate body"), 1);
    let created: Vec<(String, String)> = sim
        .created_tasks()
        .into_iter()
        .map(|task| (task.provider, task.prompt))
        .collect();
    assert_eq!(
        created,
        [
            ("jiekou".to_owned(), "a fox".to_owned()),
            ("modellix".to_owned(), "a fox".to_owned())
        ]
    );
}

/// Inline images make large submit bodies: the real providers take a 30 MB image in a JSON body,
/// so the simulator must too (axum's default limit of 2 MB refused anything over ~1.5 MB of
/// image). Beyond 64 MiB it answers 413 with the provider's own error body.
#[tokio::test]
async fn request_bodies_up_to_64_mib_are_accepted_and_larger_ones_refused_with_413() {
    let sim = Sim::start(SimConfig::default()).await.unwrap();
    let http = http();
    let api = &apis()[0];
    let submit_url = format!(
        "{}/bytedance/seedance-1.5-pro-i2v/async",
        sim.base_url(api.provider)
    );
    let spec_submit = "/bytedance/seedance-1.5-pro-i2v/async";
    // Written by hand: serializing 65 MiB through serde_json is slow in a debug build.
    let body_with_image = |image_bytes: usize, prompt: &str| {
        let mut body =
            format!(r#"{{"prompt":"{prompt}","first_frame_image":"data:image/png;base64,"#)
                .into_bytes();
        body.resize(body.len() + image_bytes, b'A');
        body.extend_from_slice(br#""}"#);
        body
    };

    let body = body_with_image(3_000_000, "a 3 MB first frame");
    let (status, submitted) = call(
        http.post(&submit_url)
            .bearer_auth("k")
            .header("content-type", "application/json")
            .body(body),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{submitted}");
    api.check(spec_submit, "post", status, &submitted);
    assert_eq!(sim.counters().submits_per_prompt["a 3 MB first frame"], 1);

    let body = body_with_image(65 * 1024 * 1024, "a 65 MiB first frame");
    let (status, refused) = call(
        http.post(&submit_url)
            .bearer_auth("k")
            .header("content-type", "application/json")
            .body(body),
    )
    .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{refused}");
    assert_eq!(refused["code"], 413, "Modellix's own error body: {refused}");
    assert!(
        !sim.counters()
            .submits_per_prompt
            .contains_key("a 65 MiB first frame"),
        "no task for a refused body"
    );
}
