//! Every documented response example of every operation (pending, running, succeeded, failed,
//! each error status) is checked against its schema, served by a loopback mock server with its
//! status code, parsed by the generated client, and the parsed form snapshotted.

use std::fmt::Debug;

use seedance_runtime::ClientOptions;
use seedance_workspace_tests::{escape, schema_errors, spec};
use serde_json::{Value, json};
use wiremock::{Mock, MockServer, ResponseTemplate, matchers::any};

/// One documented example: where it is and what it holds.
struct Example {
    operation_id: String,
    status: String,
    name: String,
    schema_pointer: String,
    value: Value,
}

fn examples(provider: &str) -> Vec<Example> {
    let spec = spec(provider);
    let mut found = Vec::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let operation_id = operation["operationId"].as_str().unwrap().to_owned();
            for (status, response) in operation["responses"].as_object().unwrap() {
                let Some(media) = response.pointer("/content/application~1json") else {
                    continue;
                };
                let schema_pointer = format!(
                    "/paths/{}/{method}/responses/{status}/content/application~1json/schema",
                    escape(path)
                );
                let mut values: Vec<(String, Value)> = Vec::new();
                if let Some(value) = media.get("example") {
                    values.push(("example".into(), value.clone()));
                }
                for (name, example) in media
                    .get("examples")
                    .and_then(Value::as_object)
                    .into_iter()
                    .flatten()
                {
                    values.push((name.clone(), example["value"].clone()));
                }
                assert!(
                    !values.is_empty(),
                    "{provider} {operation_id} {status} has no example"
                );
                for (name, value) in values {
                    found.push(Example {
                        operation_id: operation_id.clone(),
                        status: status.clone(),
                        name,
                        schema_pointer: schema_pointer.clone(),
                        value,
                    });
                }
            }
        }
    }
    found.sort_by(|a, b| {
        (&a.operation_id, &a.status, &a.name).cmp(&(&b.operation_id, &b.status, &b.name))
    });
    found
}

/// Formats what the generated client made of a response: the value, or the documented error.
fn outcome<T: Debug, E: Debug>(
    result: Result<progenitor_client::ResponseValue<T>, progenitor_client::Error<E>>,
) -> String {
    match result {
        Ok(value) => format!("Ok({:#?})", value.into_inner()),
        Err(progenitor_client::Error::ErrorResponse(value)) => {
            format!(
                "ErrorResponse({}, {:#?})",
                value.status().as_u16(),
                value.into_inner()
            )
        }
        Err(other) => panic!("a documented example must parse: {other}"),
    }
}

async fn serve(status: &str, body: &Value) -> MockServer {
    let server = MockServer::start().await;
    let code: u16 = status.parse().expect("documented statuses are numeric");
    Mock::given(any())
        .respond_with(ResponseTemplate::new(code).set_body_json(body))
        .mount(&server)
        .await;
    server
}

/// Checks and parses every example of `provider` with `call`, and snapshots the result.
async fn check_provider<F, Fut>(provider: &str, call: F)
where
    F: Fn(String, String) -> Fut,
    Fut: std::future::Future<Output = String>,
{
    let spec = spec(provider);
    let mut report = String::new();
    for example in examples(provider) {
        let errors = schema_errors(&spec, &example.schema_pointer, &example.value);
        assert!(
            errors.is_empty(),
            "{provider} {} {} example {:?} breaks its schema: {errors:#?}",
            example.operation_id,
            example.status,
            example.name
        );
        let server = serve(&example.status, &example.value).await;
        let parsed = call(server.uri(), example.operation_id.clone()).await;
        report.push_str(&format!(
            "## {} {} {}\n{parsed}\n\n",
            example.operation_id, example.status, example.name
        ));
    }
    insta::assert_snapshot!(provider, report);
}

fn options() -> ClientOptions {
    ClientOptions::default()
}

#[tokio::test]
async fn modellix_examples() {
    use seedance_modellix::{Client, types};
    check_provider("modellix", |uri, operation| async move {
        let client = Client::new(&uri, options()).unwrap();
        match operation.as_str() {
            "seedance15ProT2v" => outcome(
                client
                    .seedance15_pro_t2v()
                    .body(types::Seedance15ProT2vBody::builder().prompt("p"))
                    .send()
                    .await,
            ),
            "seedance15ProI2vAsync" => outcome(
                client
                    .seedance15_pro_i2v_async()
                    .body(types::Seedance15ProI2vAsyncBody::builder())
                    .send()
                    .await,
            ),
            "seedance20FastI2vAsync" => outcome(
                client
                    .seedance20_fast_i2v_async()
                    .body(types::Seedance20FastI2vAsyncBody::builder().prompt("p"))
                    .send()
                    .await,
            ),
            "getTaskResult" => outcome(client.get_task_result().task_id("t").send().await),
            other => panic!("no call for new operation {other}: add one"),
        }
    })
    .await;
}

#[tokio::test]
async fn jiekou_examples() {
    use seedance_jiekou::{Client, types};
    check_provider("jiekou", |uri, operation| async move {
        let client = Client::new(&uri, options()).unwrap();
        match operation.as_str() {
            "seedanceV15ProT2v" => outcome(
                client
                    .seedance_v15_pro_t2v()
                    .body(types::SeedanceV15ProT2vRequest::builder().prompt("p"))
                    .send()
                    .await,
            ),
            "seedanceV15ProI2v" => outcome(
                client
                    .seedance_v15_pro_i2v()
                    .body(types::SeedanceV15ProI2vRequest::builder().image("i"))
                    .send()
                    .await,
            ),
            "getTaskResult" => outcome(client.get_task_result().task_id("t").send().await),
            other => panic!("no call for new operation {other}: add one"),
        }
    })
    .await;
}

#[tokio::test]
async fn odkkk_examples() {
    use seedance_odkkk::{Client, types};
    check_provider("odkkk", |uri, operation| async move {
        let client = Client::new(&uri, options()).unwrap();
        match operation.as_str() {
            "createVideoGeneration" => outcome(
                client
                    .create_video_generation()
                    .body(
                        types::VideoGenerationRequest::builder()
                            .model("m")
                            .prompt("p"),
                    )
                    .send()
                    .await,
            ),
            "getTaskDetail" => outcome(client.get_task_detail().task_id("t").send().await),
            other => panic!("no call for new operation {other}: add one"),
        }
    })
    .await;
}

#[tokio::test]
async fn ark_examples() {
    use seedance_ark::{Client, types};
    check_provider("ark", |uri, operation| async move {
        let client = Client::new(&uri, options()).unwrap();
        match operation.as_str() {
            "create_task" => outcome(
                client
                    .create_task()
                    .body(types::CreateTaskRequest::builder().model("m").content(vec![
                        types::ContentItem {
                            type_: types::ContentItemType::Text,
                            text: Some("p".into()),
                            audio_url: None,
                            draft_task: None,
                            image_url: None,
                            role: None,
                            video_url: None,
                        },
                    ]))
                    .send()
                    .await,
            ),
            "get_task" => outcome(client.get_task().id("t").send().await),
            "list_tasks" => outcome(client.list_tasks().send().await),
            "delete_task" => outcome(client.delete_task().id("t").send().await),
            other => panic!("no call for new operation {other}: add one"),
        }
    })
    .await;
}

/// A status the spec does not list (a provider adding `cancelled`) parses as `Unknown`, keeping
/// the raw value, for every provider's task query.
#[tokio::test]
async fn unlisted_task_status_is_kept_not_rejected() {
    let body =
        json!({"code": 0, "message": "success", "data": {"status": "cancelled", "task_id": "t"}});
    let server = serve("200", &body).await;
    let client = seedance_modellix::Client::new(&server.uri(), options()).unwrap();
    let task = client
        .get_task_result()
        .task_id("t")
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        task.data.unwrap().status,
        seedance_modellix::types::TaskStatus::Unknown("cancelled".into())
    );

    let body = json!({"task": {"task_id": "t", "status": "TASK_STATUS_CANCELED"}});
    let server = serve("200", &body).await;
    let client = seedance_jiekou::Client::new(&server.uri(), options()).unwrap();
    let task = client
        .get_task_result()
        .task_id("t")
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        task.task.unwrap().status,
        Some(seedance_jiekou::types::TaskStatus::Unknown(
            "TASK_STATUS_CANCELED".into()
        ))
    );

    let body = json!({"id": "t", "object": "video.generation.task", "created": 1, "model": "m",
        "type": "video", "status": "cancelled", "progress": 0});
    let server = serve("200", &body).await;
    let client = seedance_odkkk::Client::new(&server.uri(), options()).unwrap();
    let task = client
        .get_task_detail()
        .task_id("t")
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        task.status,
        seedance_odkkk::types::TaskStatus::Unknown("cancelled".into())
    );
    assert_eq!(task.status.to_string(), "cancelled");
}

/// Modellix can answer HTTP 200 with an error envelope and no `data`; the client must still
/// parse it so the caller can read the non-zero `code`.
#[tokio::test]
async fn modellix_error_envelope_under_http_200_parses() {
    let body = json!({"code": 402, "message": "Insufficient balance"});
    let server = serve("200", &body).await;
    let client = seedance_modellix::Client::new(&server.uri(), options()).unwrap();
    let envelope = client
        .get_task_result()
        .task_id("t")
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(envelope.code, 402);
    assert!(envelope.data.is_none());
}

/// The schema check itself can fail: a payload the spec forbids is reported, field by field.
#[test]
fn schema_check_rejects_what_the_spec_forbids() {
    let spec = spec("modellix");
    let pointer = format!(
        "/paths/{}/post/requestBody/content/application~1json/schema",
        escape("/bytedance/seedance-1.5-pro-t2v")
    );
    let errors = schema_errors(&spec, &pointer, &json!({"duration": 13, "seed": -2}));
    assert_eq!(errors.len(), 3, "{errors:#?}");
    assert!(errors.iter().any(|e| e.contains("prompt")), "{errors:#?}");
    assert!(
        errors.iter().any(|e| e.starts_with("/duration")),
        "{errors:#?}"
    );
    assert!(errors.iter().any(|e| e.starts_with("/seed")), "{errors:#?}");
}

/// Ark's task status is open: a status the spec does not list keeps its raw value.
#[tokio::test]
async fn ark_unlisted_task_status_is_kept_not_rejected() {
    let server = serve("200", &json!({"id": "cgt-1", "status": "paused"})).await;
    let client = seedance_ark::Client::new(&server.uri(), options()).unwrap();
    let task = client
        .get_task()
        .id("cgt-1")
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        task.status,
        Some(seedance_ark::types::TaskStatus::Unknown("paused".into()))
    );
}

/// Ark's error body parses into `ErrorResponse`, and the `x-request-id` header stays readable
/// for the report a caller files.
#[tokio::test]
async fn ark_error_body_parses_with_its_request_id() {
    let server = MockServer::start().await;
    let body = json!({"error": {"code": "NotFound.TaskId", "message": "task not found",
        "param": "id", "type": "NotFound"}});
    Mock::given(any())
        .respond_with(
            ResponseTemplate::new(404)
                .insert_header("x-request-id", "0217-req")
                .set_body_json(&body),
        )
        .mount(&server)
        .await;
    let client = seedance_ark::Client::new(&server.uri(), options()).unwrap();
    let Err(progenitor_client::Error::ErrorResponse(error)) =
        client.get_task().id("cgt-1").send().await
    else {
        panic!("a 404 with Ark's error body is a documented error");
    };
    assert_eq!(error.status().as_u16(), 404);
    assert_eq!(error.headers()["x-request-id"], "0217-req");
    let detail = error.into_inner().error;
    assert_eq!(detail.code.as_deref(), Some("NotFound.TaskId"));
    assert_eq!(detail.param.as_deref(), Some("id"));
    assert_eq!(detail.type_.as_deref(), Some("NotFound"));
}

/// Ark documents no DELETE response body; it answers with none or with `{}`. Both succeed.
#[tokio::test]
async fn ark_delete_succeeds_with_an_empty_body_and_with_an_empty_object() {
    for body in [
        ResponseTemplate::new(200),
        ResponseTemplate::new(200).set_body_json(json!({})),
    ] {
        let server = MockServer::start().await;
        Mock::given(wiremock::matchers::method("DELETE"))
            .and(wiremock::matchers::path(
                "/contents/generations/tasks/cgt-1",
            ))
            .respond_with(body)
            .expect(1)
            .mount(&server)
            .await;
        let client = seedance_ark::Client::new(&server.uri(), options()).unwrap();
        let response = client.delete_task().id("cgt-1").send().await.unwrap();
        assert_eq!(response.status().as_u16(), 200);
    }
}

/// `filter.task_ids` goes out as a repeated key, and the dotted wire names are kept, exactly as
/// the list page's example `filter.task_ids=id1&filter.task_ids=id2`.
#[tokio::test]
async fn ark_list_repeats_the_task_ids_key() {
    use seedance_ark::types;
    let server = serve("200", &json!({"items": [], "total": 0})).await;
    let client = seedance_ark::Client::new(&server.uri(), options()).unwrap();
    let list = client
        .list_tasks()
        .filter_task_ids(vec!["id1".to_owned(), "id2".to_owned()])
        .filter_status(types::StatusFilter::Succeeded)
        .filter_model("ep-1")
        .filter_service_tier(types::ServiceTier::Flex)
        .page_num(std::num::NonZeroU32::new(2).unwrap())
        .page_size(std::num::NonZeroU32::new(50).unwrap())
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(list.total, Some(0));
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].url.path(), "/contents/generations/tasks");
    assert_eq!(
        requests[0].url.query(),
        Some(
            "filter.model=ep-1&filter.service_tier=flex&filter.status=succeeded\
             &filter.task_ids=id1&filter.task_ids=id2&page_num=2&page_size=50"
        )
    );

    // Unset filters are not sent at all.
    let server = serve("200", &json!({"items": [], "total": 0})).await;
    let client = seedance_ark::Client::new(&server.uri(), options()).unwrap();
    client.list_tasks().send().await.unwrap();
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests[0].url.query(), None);
}
