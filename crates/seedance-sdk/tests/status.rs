//! Task status normalization: every documented task-query example of every provider, statuses
//! the providers do not document, a success without a video, Modellix's error envelope under
//! HTTP 200, and every documented error response mapped to its `Error` variant.

mod common;

use std::{collections::BTreeMap, fmt::Write as _, time::Duration};

use common::{
    API_KEY, assert_no_secret, captured_one, client, examples, handle, set_status_word,
    status_example, status_mock, status_op, submit_op, unix_now, variant,
};
use seedance_sdk::{Error, Provider, TaskStatus, VideoRequest};
use serde_json::{Value, json};
use wiremock::{Mock, MockServer, ResponseTemplate, matchers::any};

/// Serves `body` with `status` as the answer to the status request of the documented task.
async fn serve_status(provider: Provider, status: u16, body: &Value) -> MockServer {
    let server = MockServer::start().await;
    status_mock(provider)
        .respond_with(ResponseTemplate::new(status).set_body_json(body))
        .mount(&server)
        .await;
    server
}

async fn status_of(provider: Provider, body: &Value) -> Result<TaskStatus, Error> {
    let server = serve_status(provider, 200, body).await;
    let result = client(provider, &server)
        .status(&handle(provider, &server))
        .await;
    let sent = captured_one(&server).await;
    assert_eq!(sent.method, "GET");
    assert_eq!(sent.body, None);
    result
}

/// The documented lifetime of a result URL: Jiekou's example says `video_url_ttl: "3600"`;
/// Modellix, odkkk and Ark give none, so the documented 24 h apply.
fn documented_ttl(provider: Provider) -> u64 {
    match provider {
        Provider::Jiekou => 3600,
        Provider::Ark | Provider::Modellix | Provider::Odkkk => 24 * 3600,
    }
}

/// The status as JSON, with a checked `expires_at` replaced by a placeholder.
fn normalized(
    provider: Provider,
    body: &Value,
    status: &TaskStatus,
    before: u64,
    after: u64,
) -> Value {
    let mut value = serde_json::to_value(status).unwrap();
    if let (Provider::Ark, TaskStatus::Succeeded(video)) = (provider, status) {
        // Ark deletes the video 24 h after the task finished (`updated_at`), not after the poll;
        // the documented examples finished in the past.
        let ttl = documented_ttl(provider);
        let updated_at = body["updated_at"]
            .as_u64()
            .expect("Ark's examples have updated_at");
        assert!(
            updated_at <= before,
            "{provider}: updated_at {updated_at} is in the future"
        );
        assert_eq!(video.expires_at, Some(updated_at + ttl), "{provider}");
        value["expires_at"] = json!(format!("[updated_at + {ttl} s]"));
    } else if let TaskStatus::Succeeded(video) = status {
        let expires_at = video.expires_at.expect("a result URL has a lifetime");
        assert!(
            (before + 3500..=after + 90_000).contains(&expires_at),
            "{provider}: expires_at {expires_at} is not within [now+3500s, now+90000s]"
        );
        let ttl = documented_ttl(provider);
        assert!(
            (before + ttl..=after + ttl).contains(&expires_at),
            "{provider}: expires_at {expires_at} is not now + {ttl} s"
        );
        assert!(!video.is_expired());
        value["expires_at"] = json!(format!("[now + {ttl} s]"));
    }
    value
}

#[tokio::test]
async fn documented_task_examples() {
    for provider in common::PROVIDERS {
        let mut table = BTreeMap::new();
        for (name, body) in examples(provider, status_op(provider), "get", 200) {
            let before = unix_now();
            let status = status_of(provider, &body)
                .await
                .unwrap_or_else(|e| panic!("{provider} {name}: {e}"));
            let after = unix_now();
            table.insert(name, normalized(provider, &body, &status, before, after));
        }
        let names: Vec<&str> = table.keys().map(String::as_str).collect();
        let mut expected = match provider {
            // Ark's sources show succeeded tasks only (the 2.0 page, a proxy, a last frame).
            Provider::Ark => vec![
                "succeeded_proxy",
                "succeeded_seedance_2_0",
                "succeeded_with_last_frame",
            ],
            Provider::Jiekou => vec!["failed", "processing", "succeeded", "queued"],
            Provider::Modellix | Provider::Odkkk => {
                vec!["failed", "processing", "succeeded", "pending"]
            }
        };
        expected.sort_unstable();
        assert_eq!(names, expected, "{provider}: every documented example");
        insta::assert_json_snapshot!(format!("{provider}__documented_task_examples"), table);
    }
}

#[tokio::test]
async fn undocumented_statuses() {
    for provider in common::PROVIDERS {
        let cancelled = match provider {
            Provider::Jiekou => "TASK_STATUS_CANCELED",
            Provider::Ark | Provider::Modellix | Provider::Odkkk => "cancelled",
        };
        for (word, expected) in [
            (cancelled, TaskStatus::Cancelled),
            ("expired", TaskStatus::Expired),
            (
                "paused",
                TaskStatus::Unknown {
                    raw: "paused".into(),
                },
            ),
        ] {
            let mut body = status_example(provider, "processing");
            set_status_word(provider, &mut body, word);
            let status = status_of(provider, &body)
                .await
                .unwrap_or_else(|e| panic!("{provider} {word}: {e}"));
            assert_eq!(status, expected, "{provider} {word}");
            assert_eq!(
                status.is_terminal(),
                !matches!(expected, TaskStatus::Unknown { .. }),
                "{provider} {word}"
            );
        }
    }
}

/// A succeeded task whose body carries no usable video URL is an error, never `Ok`.
#[tokio::test]
async fn succeeded_without_a_video_url_is_an_error() {
    let mut cases: Vec<(Provider, &str, Value)> = Vec::new();
    let success = |p| status_example(p, "succeeded");

    let mut body = success(Provider::Modellix);
    body["data"]["result"]["resources"] = json!([]);
    cases.push((Provider::Modellix, "no resources", body));
    let mut body = success(Provider::Modellix);
    body["data"].as_object_mut().unwrap().remove("result");
    cases.push((Provider::Modellix, "no result", body));
    let mut body = success(Provider::Modellix);
    body["data"]["result"]["resources"] = json!([{
        "format": "png", "role": "last_frame", "type": "image",
        "url": "https://cdn.example.com/images/abc123.png"
    }]);
    cases.push((Provider::Modellix, "only an image", body));

    let mut body = success(Provider::Jiekou);
    body["videos"] = json!([]);
    cases.push((Provider::Jiekou, "no videos", body));
    let mut body = success(Provider::Jiekou);
    body["videos"][0]
        .as_object_mut()
        .unwrap()
        .remove("video_url");
    cases.push((Provider::Jiekou, "a video without video_url", body));

    let mut body = success(Provider::Odkkk);
    body.as_object_mut().unwrap().remove("results");
    cases.push((Provider::Odkkk, "no results", body));
    let mut body = success(Provider::Odkkk);
    body["results"] = json!([]);
    cases.push((Provider::Odkkk, "empty results", body));

    let mut report = String::new();
    for (provider, name, body) in cases {
        let result = status_of(provider, &body).await;
        let err = result.expect_err(&format!("{provider} {name}: must not be Ok"));
        assert_no_secret(&err);
        writeln!(report, "{provider} {name} -> {}: {err}", variant(&err)).unwrap();
    }
    insta::assert_snapshot!("succeeded_without_a_video_url", report);
}

/// An empty string is not a video URL either: it must not come back as a `Video` to download.
#[tokio::test]
async fn succeeded_with_an_empty_video_url_is_an_error() {
    let mut failures = Vec::new();
    for provider in common::PROVIDERS {
        let mut body = status_example(provider, "succeeded");
        common::set_video_url(provider, &mut body, "");
        match status_of(provider, &body).await {
            Err(err) => assert_no_secret(&err),
            Ok(status) => failures.push(format!("{provider}: {status:?}")),
        }
    }
    // An empty URL is no video: "succeeded" without one is an error, never a success.
    assert!(
        failures.is_empty(),
        "empty video URLs accepted: {failures:#?}"
    );
}

#[tokio::test]
async fn modellix_error_envelope_under_http_200() {
    let envelope = json!({"code": 402, "message": "Insufficient balance"});
    let err = status_of(Provider::Modellix, &envelope)
        .await
        .expect_err("a non-zero code is an error");
    assert!(
        matches!(&err, Error::InsufficientQuota { provider: Provider::Modellix, message } if message == "Insufficient balance"),
        "{err:?}"
    );

    // The same envelope answering a submit.
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_body_json(&envelope))
        .mount(&server)
        .await;
    let err = client(Provider::Modellix, &server)
        .submit(&VideoRequest::new("A cat"))
        .await
        .expect_err("a non-zero code is an error");
    assert!(matches!(&err, Error::InsufficientQuota { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        "modellix: insufficient quota: Insufficient balance; top up the account"
    );

    // Other codes under HTTP 200.
    let mut report = String::new();
    for (code, message) in [
        (400, "Invalid parameters: parameter 'prompt' is required"),
        (401, "Authentication failed: missing API key"),
        (404, "Not found: task 'task-abc123' not found"),
        (429, "Too many requests"),
        (500, "Internal server error: unexpected error"),
        (1001, "Something else"),
    ] {
        let body = json!({"code": code, "message": message});
        let err = status_of(Provider::Modellix, &body)
            .await
            .expect_err("a non-zero code is an error");
        writeln!(report, "HTTP 200, code {code} -> {}: {err}", variant(&err)).unwrap();
    }
    insta::assert_snapshot!("modellix_error_envelopes_under_http_200", report);
}

/// The variant each documented error must become.
fn expected_variant(provider: Provider, submit: bool, status: u16, example: &str) -> &'static str {
    match (provider, status, example) {
        (Provider::Jiekou, 403, "invalid_api_key") => "Auth",
        (Provider::Jiekou, 403, "not_enough_balance") => "InsufficientQuota",
        (_, 400 | 413, _) => "BadRequest",
        (_, 401, _) => "Auth",
        (_, 402, _) => "InsufficientQuota",
        (_, 403, _) => "PermissionDenied",
        (_, 404, _) => "NotFound",
        (_, 429, _) => "RateLimited",
        (_, 500..=599, _) if submit => "OutcomeUnknown",
        (_, 500..=599, _) => "Provider",
        _ => panic!("{provider} {status} is not a documented error"),
    }
}

fn error_statuses(provider: Provider, op: &str, http_method: &str) -> Vec<u16> {
    let spec = common::spec(provider);
    spec["paths"][op][http_method]["responses"]
        .as_object()
        .unwrap()
        .keys()
        .filter_map(|code| code.parse::<u16>().ok())
        .filter(|code| *code >= 400)
        .collect()
}

#[tokio::test]
async fn documented_error_responses() {
    let mut report = String::new();
    let mut count = 0;
    for provider in common::PROVIDERS {
        for submit in [false, true] {
            let (op, http_method) = if submit {
                (submit_op(provider), "post")
            } else {
                (status_op(provider), "get")
            };
            for status in error_statuses(provider, op, http_method) {
                for (name, body) in examples(provider, op, http_method, status) {
                    let server = MockServer::start().await;
                    Mock::given(any())
                        .respond_with(ResponseTemplate::new(status).set_body_json(&body))
                        .mount(&server)
                        .await;
                    let client = client(provider, &server);
                    let err = if submit {
                        client
                            .submit(&VideoRequest::new("A cat"))
                            .await
                            .unwrap_err()
                    } else {
                        client.status(&handle(provider, &server)).await.unwrap_err()
                    };
                    assert_eq!(
                        common::request_count(&server).await,
                        1,
                        "{provider} {status} {name}: sent once (no retries configured)"
                    );
                    assert_no_secret(&err);
                    let got = variant(&err);
                    assert_eq!(
                        got,
                        expected_variant(provider, submit, status, &name),
                        "{provider} {http_method} {op} {status} {name}: {err}"
                    );
                    writeln!(
                        report,
                        "{provider} {} {op} {status} {name} -> {got}: {err}",
                        http_method.to_uppercase()
                    )
                    .unwrap();
                    count += 1;
                }
            }
        }
    }
    // 7 + 7 (Modellix), 8 + 9 (Jiekou: two 403 examples on status, three on submit),
    // 9 + 10 (odkkk), 6 + 6 (Ark: 400, 401, 403, 404, 429, 500 on each).
    assert_eq!(count, 62);
    // The submit's outcome-unknown message carries the submit time; keep the snapshot stable.
    let report = mask_unix_time(&report);
    assert!(!report.contains(API_KEY));
    insta::assert_snapshot!("documented_error_responses", report);
}

/// Replaces "unix time <digits>" with a placeholder.
fn mask_unix_time(text: &str) -> String {
    let marker = "unix time ";
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find(marker) {
        out.push_str(&rest[..at + marker.len()]);
        rest = &rest[at + marker.len()..];
        let digits = rest.chars().take_while(char::is_ascii_digit).count();
        assert!(digits > 0);
        out.push_str("[submitted_at]");
        rest = &rest[digits..];
    }
    out.push_str(rest);
    out
}

/// A documented 429 carries the `Retry-After` the provider sent.
#[tokio::test]
async fn rate_limit_carries_its_delay() {
    for provider in common::PROVIDERS {
        let body = examples(provider, status_op(provider), "get", 429)
            .remove(0)
            .1;
        let server = MockServer::start().await;
        status_mock(provider)
            .respond_with(
                ResponseTemplate::new(429)
                    .insert_header("retry-after", "7")
                    .set_body_json(&body),
            )
            .mount(&server)
            .await;
        let err = client(provider, &server)
            .status(&handle(provider, &server))
            .await
            .unwrap_err();
        assert!(err.is_retryable(), "{provider}: {err}");
        assert_eq!(
            err.retry_after(),
            Some(Duration::from_secs(7)),
            "{provider}: {err:?}"
        );
        assert!(err.to_string().ends_with("retry after 7 s"), "{err}");
    }
}
