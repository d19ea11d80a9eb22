//! A paid task is never lost to a submit answer that does not parse strictly: only what the
//! facade uses is required, and an answer that still cannot be read becomes
//! `Error::OutcomeUnknown` carrying the task id it contains (if any) and the truncated body.
//! Every case sends the submit exactly once, even with retries allowed.

mod common;

use common::{client_with, quick_retries, request_count, submit_ok, task_id_of_submit};
use seedance_sdk::{Error, Provider, TaskHandle, VideoRequest};
use serde_json::{Value, json};
use wiremock::{Mock, MockServer, ResponseTemplate, matchers::any};

/// Submits once against a server answering every request with `answer`, with retries allowed,
/// and checks that exactly one request was sent.
async fn submit_answered(
    provider: Provider,
    answer: ResponseTemplate,
) -> Result<TaskHandle, Error> {
    let server = MockServer::start().await;
    Mock::given(any()).respond_with(answer).mount(&server).await;
    let result = client_with(provider, &server, quick_retries(4))
        .submit(&VideoRequest::new("A cat"))
        .await;
    assert_eq!(
        request_count(&server).await,
        1,
        "{provider}: a submit is sent once: {result:?}"
    );
    result
}

fn json_answer(body: &Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(body)
}

fn raw_answer(status: u16, body: &str, content_type: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_raw(body.as_bytes().to_vec(), content_type)
}

/// The `(task_id, body)` of an `OutcomeUnknown`, failing on any other result.
fn outcome_unknown(
    provider: Provider,
    result: Result<TaskHandle, Error>,
) -> (Option<String>, Option<String>) {
    match result {
        Err(Error::OutcomeUnknown { task_id, body, .. }) => (task_id, body),
        other => panic!("{provider}: expected OutcomeUnknown, got {other:?}"),
    }
}

#[tokio::test]
async fn modellix_answer_without_model_id_is_accepted() {
    let mut answer = submit_ok(Provider::Modellix);
    answer["data"].as_object_mut().unwrap().remove("model_id");
    answer["data"].as_object_mut().unwrap().remove("status");
    let handle = submit_answered(Provider::Modellix, json_answer(&answer))
        .await
        .expect("only code and data.task_id are needed");
    assert_eq!(handle.task_id, task_id_of_submit(Provider::Modellix));
}

/// Each provider's answer with its unused members of the wrong type is still accepted.
#[tokio::test]
async fn unused_members_of_the_wrong_type_do_not_matter() {
    for provider in common::PROVIDERS {
        let mut answer = submit_ok(provider);
        let expected = task_id_of_submit(provider);
        match provider {
            Provider::Ark => answer["created_at"] = json!("yesterday"),
            Provider::Modellix => answer["data"]["get_result"] = json!("GET /tasks/x"),
            Provider::Jiekou => answer["extra"] = json!(1),
            Provider::Odkkk => {
                answer["progress"] = json!(12.5);
                answer["task_info"]["estimated_time"] = json!(-5);
            }
        }
        let handle = submit_answered(provider, json_answer(&answer))
            .await
            .unwrap_or_else(|err| panic!("{provider}: {err}"));
        assert_eq!(handle.task_id, expected, "{provider}");
        assert_eq!(
            handle.estimated_seconds, None,
            "{provider}: a negative estimate is dropped"
        );
    }
}

#[tokio::test]
async fn truncated_answer_keeps_the_task_id() {
    for (provider, cut) in [
        (
            Provider::Modellix,
            r#"{"code":0,"message":"success","data":{"status":"pending","task_id":"abc","model_"#,
        ),
        (Provider::Jiekou, r#"{"task_id":"abc","ext"#),
        (
            Provider::Odkkk,
            r#"{"created":1761313744,"id":"abc","model":"seedance-1.5-pro","obj"#,
        ),
    ] {
        let result = submit_answered(provider, raw_answer(200, cut, "application/json")).await;
        let err_text = format!("{}", result.as_ref().unwrap_err());
        let (task_id, body) = outcome_unknown(provider, result);
        assert_eq!(task_id.as_deref(), Some("abc"), "{provider}");
        assert_eq!(body.as_deref(), Some(cut), "{provider}");
        assert!(
            err_text.contains("task abc may exist"),
            "{provider}: the message names the task: {err_text}"
        );
    }
}

#[tokio::test]
async fn html_answer_is_outcome_unknown_with_its_body() {
    let html = "<html><body>502 Bad Gateway</body></html>";
    for provider in common::PROVIDERS {
        let result = submit_answered(provider, raw_answer(200, html, "text/html")).await;
        let (task_id, body) = outcome_unknown(provider, result);
        assert_eq!(task_id, None, "{provider}");
        assert_eq!(body.as_deref(), Some(html), "{provider}");
    }
}

/// A JSON answer without the expected id still yields an id found deeper in it (`created`
/// of the wrong type makes odkkk's all-optional answer type refuse it too: an answer that fits
/// the generated type reaches the facade without the members the type does not know).
#[tokio::test]
async fn task_id_found_anywhere_in_a_misshapen_answer() {
    for provider in common::PROVIDERS {
        let answer = json!({
            "created": "yesterday",
            "request": {"id": "req-9"},
            "result": {"job": {"taskId": "deep-1"}},
        });
        let result = submit_answered(provider, json_answer(&answer)).await;
        let (task_id, body) = outcome_unknown(provider, result);
        assert_eq!(task_id.as_deref(), Some("deep-1"), "{provider}");
        assert!(body.is_some_and(|b| b.contains("deep-1")), "{provider}");
    }
}

/// A 2xx other than the documented 200 is read like one instead of being reported as an error.
#[tokio::test]
async fn undocumented_2xx_with_a_task_id_is_accepted() {
    for provider in common::PROVIDERS {
        let answer = ResponseTemplate::new(202).set_body_json(submit_ok(provider));
        let handle = submit_answered(provider, answer)
            .await
            .unwrap_or_else(|err| panic!("{provider}: {err}"));
        assert_eq!(handle.task_id, task_id_of_submit(provider), "{provider}");
    }
}

/// An unusable id (empty, or with control characters) is not turned into a handle.
#[tokio::test]
async fn unusable_task_id_is_outcome_unknown() {
    for (provider, answer) in [
        (
            Provider::Modellix,
            json!({"code": 0, "message": "success", "data": {"status": "pending", "task_id": "", "model_id": "m"}}),
        ),
        (Provider::Jiekou, json!({"task_id": "a\u{1b}[2Jb"})),
        (Provider::Odkkk, json!({"id": " ", "status": "pending"})),
    ] {
        let result = submit_answered(provider, json_answer(&answer)).await;
        let (task_id, body) = outcome_unknown(provider, result);
        assert_eq!(task_id, None, "{provider}");
        assert!(body.is_some(), "{provider}");
    }
}
