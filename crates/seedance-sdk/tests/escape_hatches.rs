//! What a user can do when the capability table is behind the provider: send extra fields,
//! warn instead of refusing, switch the table off, or correct it with a capability file; and
//! the Seedance 2.5 rules the table adds. Each test sends to a loopback mock and checks what
//! arrived (or that nothing did).

mod common;

use std::sync::Arc;

use common::{API_KEY, base_url, submit_ok};
use seedance_sdk::{
    CapabilityTable, Client, Error, Field, Model, Provider, Ratio, Resolution, RetryPolicy,
    Validation, VideoDuration, VideoRequest,
};
use serde_json::{Value, json};
use wiremock::{Mock, MockServer, ResponseTemplate, matchers::any};

/// A mock that accepts one submit (or none, with `expected` 0).
async fn mock(provider: Provider, expected: u64) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_body_json(submit_ok(provider)))
        .expect(expected)
        .mount(&server)
        .await;
    server
}

fn client_for(
    provider: Provider,
    server: &MockServer,
    validation: Validation,
    table: Option<CapabilityTable>,
) -> Client {
    let mut builder = Client::builder(provider)
        .api_key(API_KEY)
        .base_url(base_url(provider, server))
        .retry_policy(RetryPolicy::none())
        .validation(validation);
    if let Some(table) = table {
        builder = builder.capabilities(Arc::new(table));
    }
    builder.build().expect("the client builds")
}

/// The body of the one request `server` received.
async fn sent(server: &MockServer) -> Value {
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 1, "one request");
    serde_json::from_slice(&requests[0].body).unwrap()
}

fn refused_field(err: Error) -> Field {
    match err {
        Error::InvalidRequest(refusal) => refusal.field,
        other => panic!("expected a refusal, got {other}"),
    }
}

/// A request for a model id BytePlus released after the table, at a resolution the table does
/// not list for 2.5 Flash.
fn future() -> VideoRequest {
    VideoRequest::builder("A lighthouse in a storm")
        .model(Model::Seedance25Flash)
        .model_id("dreamina-seedance-2-5-flash-pro-270101")
        .resolution(Resolution::P1080)
        .build()
}

#[tokio::test]
async fn enforce_refuses_what_the_table_refuses_and_sends_nothing() {
    let server = mock(Provider::Ark, 0).await;
    let client = client_for(Provider::Ark, &server, Validation::Enforce, None);
    let violations = client.violations(&future());
    let fields: Vec<Field> = violations.iter().map(|v| v.refusal.field).collect();
    assert_eq!(
        fields,
        [Field::ModelId, Field::Resolution],
        "{violations:?}"
    );
    // Every violation names its rule and where the rule comes from.
    let resolution = &violations[1];
    assert_eq!(resolution.rule, "resolutions");
    assert!(
        resolution.to_string().contains("as of 2026-12-04"),
        "{resolution}"
    );
    let err = client.submit(&future()).await.unwrap_err();
    assert_eq!(refused_field(err), Field::ModelId);
    server.verify().await;
}

#[tokio::test]
async fn warn_sends_the_request_as_asked() {
    let server = mock(Provider::Ark, 1).await;
    let client = client_for(Provider::Ark, &server, Validation::Warn, None);
    assert_eq!(client.violations(&future()).len(), 2);
    client.submit(&future()).await.unwrap();
    let body = sent(&server).await;
    assert_eq!(body["model"], "dreamina-seedance-2-5-flash-pro-270101");
    assert_eq!(body["resolution"], "1080p");
    server.verify().await;
}

#[tokio::test]
async fn off_checks_nothing_against_the_table_and_a_request_may_choose_its_mode() {
    let server = mock(Provider::Ark, 1).await;
    let client = client_for(Provider::Ark, &server, Validation::Off, None);
    assert!(client.violations(&future()).is_empty());
    client.submit(&future()).await.unwrap();
    assert_eq!(sent(&server).await["resolution"], "1080p");

    // A request's own mode overrides the client's.
    let server = mock(Provider::Ark, 1).await;
    let enforcing = client_for(Provider::Ark, &server, Validation::Enforce, None);
    let mut request = future();
    request.validation = Some(Validation::Off);
    enforcing.submit(&request).await.unwrap();
    server.verify().await;
}

#[tokio::test]
async fn protective_rules_hold_in_every_mode() {
    for mode in [Validation::Warn, Validation::Off] {
        let server = mock(Provider::Ark, 0).await;
        let client = client_for(Provider::Ark, &server, mode, None);
        let request = VideoRequest::builder("A lighthouse")
            .model(Model::Seedance25)
            .callback_url("http://127.0.0.1/hook")
            .build();
        let err = client.submit(&request).await.unwrap_err();
        assert_eq!(refused_field(err), Field::CallbackUrl, "{mode:?}");
        // A local file over the size cap is never read, whatever the mode.
        let big = std::env::temp_dir().join(format!("seedance-big-{}.png", std::process::id()));
        std::fs::write(&big, vec![0u8; 31 * 1024 * 1024]).unwrap();
        let request = VideoRequest::builder("A lighthouse")
            .model(Model::Seedance25)
            .first_frame(seedance_sdk::Media::Path(big.clone()))
            .build();
        let err = client.submit(&request).await.unwrap_err();
        std::fs::remove_file(&big).unwrap();
        assert_eq!(refused_field(err), Field::FirstFrame, "{mode:?}");
        server.verify().await;
    }
}

#[tokio::test]
async fn a_capability_file_corrects_the_table_and_keeps_validation_on() {
    let path = std::env::temp_dir().join(format!("seedance-caps-{}.json", std::process::id()));
    let mut doc: Value = serde_json::from_str(include_str!("../capabilities/ark.json")).unwrap();
    doc.as_object_mut().unwrap().remove("wire");
    let models = doc["models"].as_array_mut().unwrap();
    models.retain(|m| m["model"] == "seedance-2.5-flash");
    models[0]["resolutions"] = json!(["480p", "720p", "1080p"]);
    models[0]["id_prefixes"]
        .as_array_mut()
        .unwrap()
        .push("dreamina-seedance-2-5-flash-pro-".into());
    std::fs::write(&path, doc.to_string()).unwrap();
    let table = CapabilityTable::built_in().with_file(&path).unwrap();
    std::fs::remove_file(&path).unwrap();

    let server = mock(Provider::Ark, 1).await;
    let corrected = client_for(
        Provider::Ark,
        &server,
        Validation::Enforce,
        Some(table.clone()),
    );
    assert!(corrected.violations(&future()).is_empty());
    corrected.submit(&future()).await.unwrap();
    assert_eq!(sent(&server).await["resolution"], "1080p");

    // Still enforcing: what the corrected entry refuses is refused.
    let server = mock(Provider::Ark, 0).await;
    let corrected = client_for(Provider::Ark, &server, Validation::Enforce, Some(table));
    let mut request = future();
    request.resolution = Some(Resolution::P4k);
    let err = corrected.submit(&request).await.unwrap_err();
    assert_eq!(refused_field(err), Field::Resolution);
    server.verify().await;
}

#[tokio::test]
async fn extra_fields_reach_every_provider_and_typed_keys_are_refused() {
    for provider in [
        Provider::Modellix,
        Provider::Jiekou,
        Provider::Odkkk,
        Provider::Ark,
    ] {
        let server = mock(provider, 1).await;
        let client = client_for(provider, &server, Validation::Enforce, None);
        let request = VideoRequest::builder("A lighthouse")
            .extra("future_knob", json!([1, 2]))
            .build();
        client.submit(&request).await.unwrap();
        assert_eq!(
            sent(&server).await["future_knob"],
            json!([1, 2]),
            "{provider}"
        );
        server.verify().await;
    }
    for (provider, key, names) in [
        (Provider::Ark, "resolution", "resolution"),
        (Provider::Ark, "content", "the prompt and the inputs"),
        (Provider::Ark, "model", "model or model_id"),
        (Provider::Ark, "omni_reference_task_type", "edit or extend"),
        (Provider::Odkkk, "quality", "resolution"),
        (Provider::Modellix, "first_frame_image", "first_frame"),
    ] {
        let server = mock(provider, 0).await;
        // Reserved keys are refused even with the table switched off.
        let client = client_for(provider, &server, Validation::Off, None);
        let request = VideoRequest::builder("A lighthouse")
            .extra(key, json!("x"))
            .build();
        let err = client.submit(&request).await.unwrap_err();
        let message = err.to_string();
        assert!(message.contains("invalid extra"), "{message}");
        assert!(message.contains(names), "{provider} {key}: {message}");
        server.verify().await;
    }
    let server = mock(Provider::Ark, 0).await;
    let request = VideoRequest::builder("A lighthouse")
        .model(Model::Seedance25)
        .web_search(true)
        .extra("tools", json!([{"type": "web_search"}]))
        .build();
    let err = client_for(Provider::Ark, &server, Validation::Enforce, None)
        .submit(&request)
        .await
        .unwrap_err();
    assert_eq!(refused_field(err), Field::Extra);
}

#[tokio::test]
async fn seedance_2_5_task_type_rules() {
    let server = mock(Provider::Ark, 0).await;
    let client = client_for(Provider::Ark, &server, Validation::Enforce, None);
    let two_five = || VideoRequest::builder("A lighthouse").model(Model::Seedance25);
    for (request, field) in [
        (
            two_five()
                .first_frame("https://example.com/a.png")
                .ratio(Ratio::R16x9)
                .build(),
            Field::Ratio,
        ),
        (
            two_five()
                .edit("https://example.com/a.mp4", Vec::<String>::new())
                .duration(8)
                .build(),
            Field::Duration,
        ),
        (
            two_five()
                .extend(["https://example.com/a.mp4"])
                .ratio(Ratio::R9x16)
                .build(),
            Field::Ratio,
        ),
        (two_five().from_draft("cgt-draft").build(), Field::Prompt),
        (
            two_five().model(Model::Seedance25Flash).draft(true).build(),
            Field::Draft,
        ),
        (
            two_five()
                .model(Model::Seedance25Flash)
                .resolution(Resolution::P1080)
                .build(),
            Field::Resolution,
        ),
        (
            two_five()
                .model_id("dreamina-seedance-2-5-flash-261115")
                .build(),
            Field::ModelId,
        ),
        (
            two_five()
                .model(Model::Seedance25Flash)
                .model_id("dreamina-seedance-2-5-260628")
                .build(),
            Field::ModelId,
        ),
    ] {
        let rule = client.violations(&request);
        let err = client.submit(&request).await.unwrap_err();
        assert_eq!(refused_field(err), field, "{request:?} {rule:?}");
    }
    // Their valid twins.
    for request in [
        two_five().first_frame("https://example.com/a.png").build(),
        two_five()
            .edit("https://example.com/a.mp4", Vec::<String>::new())
            .build(),
        two_five()
            .extend(["https://example.com/a.mp4"])
            .duration(VideoDuration::Seconds(20))
            .build(),
        VideoRequest::builder("")
            .model(Model::Seedance25)
            .from_draft("cgt-draft")
            .resolution(Resolution::P4k)
            .build(),
        two_five().resolution(Resolution::P4k).duration(30).build(),
        two_five()
            .model(Model::Seedance25Flash)
            .resolution(Resolution::P720)
            .duration(VideoDuration::Auto)
            .build(),
    ] {
        assert!(
            client.violations(&request).is_empty(),
            "{request:?}: {:?}",
            client.violations(&request)
        );
    }
    server.verify().await;
}

#[tokio::test]
async fn a_task_type_constraint_names_the_task_type() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({"error": {
            "code": "InvalidParameter.TaskTypeConstraint",
            "message": "the ratio conflicts with the task type",
            "param": "ratio",
            "type": "BadRequest",
        }})))
        .expect(1)
        .mount(&server)
        .await;
    // Sent under `off`, so the local rule does not stop it first.
    let client = client_for(Provider::Ark, &server, Validation::Off, None);
    let request = VideoRequest::builder("Make it rain")
        .model(Model::Seedance25)
        .edit("https://example.com/a.mp4", Vec::<String>::new())
        .ratio(Ratio::R16x9)
        .build();
    let err = client.submit(&request).await.unwrap_err();
    let message = err.to_string();
    assert!(matches!(err, Error::BadRequest { .. }), "{err:?}");
    assert!(message.contains("task type edit"), "{message}");
    assert!(
        message.contains("InvalidParameter.TaskTypeConstraint"),
        "{message}"
    );
}
