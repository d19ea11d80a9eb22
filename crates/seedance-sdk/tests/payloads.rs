//! The exact request the facade sends for each unified request each provider accepts: method,
//! path, query and JSON body, captured by a loopback mock server and snapshotted. The
//! all-fields text-to-video cases also check that every field the provider supports reaches the
//! body under its wire name, with its value, and that nothing else is sent.

mod common;

use std::collections::BTreeSet;

use base64::Engine;
use common::{API_KEY, Captured, base_url, captured_one, client, png, submit_ok};
use seedance_sdk::{
    Field, Media, Model, Provider, Ratio, Resolution, ServiceTier, VideoRequest, capabilities,
};
use serde_json::Value;
use wiremock::{Mock, MockServer, ResponseTemplate, matchers::any};

const FIRST: &str = "https://example.com/first.jpg";
const LAST: &str = "https://example.com/last.jpg";

/// Submits `request` to a mock answering the documented 200, checks the handle, and returns
/// the one request the mock received.
async fn submit(provider: Provider, request: &VideoRequest) -> Captured {
    let server = MockServer::start().await;
    let answer = submit_ok(provider);
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_body_json(&answer))
        .mount(&server)
        .await;
    let handle = client(provider, &server)
        .submit(request)
        .await
        .unwrap_or_else(|e| panic!("{provider}: submit failed: {e}"));
    let expected_id = match provider {
        Provider::Ark | Provider::Odkkk => &answer["id"],
        Provider::Modellix => &answer["data"]["task_id"],
        Provider::Jiekou => &answer["task_id"],
    };
    assert_eq!(Some(handle.task_id.as_str()), expected_id.as_str());
    assert_eq!(handle.provider, provider);
    assert_eq!(handle.base_url, base_url(provider, &server));
    captured_one(&server).await
}

/// A text-to-video request with every optional field `provider` supports for `model` set to a
/// valid, non-default value.
fn all_fields(provider: Provider, model: Model) -> VideoRequest {
    let caps = capabilities(provider, model).expect("the provider sells the model");
    let mut request = VideoRequest::builder("A red fox runs through fresh snow, \"Hello!\"")
        .model(model)
        .build();
    for field in &caps.fields {
        match field {
            Field::Duration => request.duration = Some(7.into()),
            Field::Resolution => request.resolution = Some(Resolution::P720),
            Field::Ratio => request.ratio = Some(Ratio::R9x16),
            Field::Seed => request.seed = Some(42),
            Field::CameraFixed => request.camera_fixed = Some(true),
            Field::GenerateAudio => request.generate_audio = Some(false),
            Field::Watermark => request.watermark = Some(true),
            Field::Fps => request.fps = Some(24),
            Field::ServiceTier => request.service_tier = Some(ServiceTier::Flex),
            Field::ExecutionExpiresAfter => request.execution_expires_after = Some(7200),
            Field::ReturnLastFrame => request.return_last_frame = Some(true),
            Field::CallbackUrl => {
                request.callback_url = Some("https://example.com/hooks/seedance".into());
            }
            other => panic!("{other} is not an optional field"),
        }
    }
    request
}

/// The wire name of a unified field at `provider`.
fn wire_name(provider: Provider, field: Field) -> &'static str {
    match (provider, field) {
        (Provider::Odkkk, Field::Resolution) => "quality",
        (Provider::Odkkk, Field::Ratio) => "aspect_ratio",
        _ => field.as_str(),
    }
}

/// Every supported field is in the body, under its wire name, with the request's value; and
/// the body holds nothing else but the prompt (and odkkk's model id).
fn assert_no_field_dropped(provider: Provider, model: Model, request: &VideoRequest, sent: &Value) {
    let caps = capabilities(provider, model).unwrap();
    let unified = serde_json::to_value(request).unwrap();
    let body = sent.as_object().expect("the body is an object");
    let mut expected_keys: BTreeSet<&str> = BTreeSet::from(["prompt"]);
    if provider == Provider::Odkkk {
        expected_keys.insert("model");
        assert_eq!(body["model"], "seedance-1.5-pro");
    }
    assert_eq!(body["prompt"], unified["prompt"]);
    for field in &caps.fields {
        let key = wire_name(provider, *field);
        expected_keys.insert(key);
        let value = &unified[field.as_str()];
        assert!(!value.is_null(), "{provider}: the request sets {field}");
        assert_eq!(
            body.get(key),
            Some(value),
            "{provider} {model}: {field} must be sent as {key}"
        );
    }
    let sent_keys: BTreeSet<&str> = body.keys().map(String::as_str).collect();
    assert_eq!(
        sent_keys, expected_keys,
        "{provider} {model}: the body holds exactly the supported fields"
    );
}

async fn all_fields_case(provider: Provider, model: Model, name: &str) {
    let request = all_fields(provider, model);
    let sent = submit(provider, &request).await;
    assert_no_field_dropped(provider, model, &request, sent.body.as_ref().unwrap());
    insta::assert_json_snapshot!(name, sent);
}

#[tokio::test]
async fn modellix_t2v_all_fields() {
    all_fields_case(
        Provider::Modellix,
        Model::Seedance15Pro,
        "modellix__t2v_all_fields",
    )
    .await;
}

#[tokio::test]
async fn modellix_fast_t2v_all_fields() {
    all_fields_case(
        Provider::Modellix,
        Model::Seedance20Fast,
        "modellix__fast_t2v_all_fields",
    )
    .await;
}

#[tokio::test]
async fn jiekou_t2v_all_fields() {
    all_fields_case(
        Provider::Jiekou,
        Model::Seedance15Pro,
        "jiekou__t2v_all_fields",
    )
    .await;
}

#[tokio::test]
async fn odkkk_t2v_all_fields() {
    all_fields_case(
        Provider::Odkkk,
        Model::Seedance15Pro,
        "odkkk__t2v_all_fields",
    )
    .await;
}

fn first_frame() -> VideoRequest {
    VideoRequest::builder("The person smiles and waves")
        .first_frame(FIRST)
        .build()
}

fn first_last_frames() -> VideoRequest {
    VideoRequest::builder("The flower blooms")
        .first_last_frames(FIRST, LAST)
        .duration(5)
        .build()
}

#[tokio::test]
async fn first_frame_url() {
    for provider in common::PROVIDERS {
        let sent = submit(provider, &first_frame()).await;
        insta::assert_json_snapshot!(format!("{provider}__first_frame_url"), sent);
    }
}

#[tokio::test]
async fn first_and_last_frame_urls() {
    for provider in common::PROVIDERS {
        let sent = submit(provider, &first_last_frames()).await;
        insta::assert_json_snapshot!(format!("{provider}__first_last_frame_urls"), sent);
    }
}

#[tokio::test]
async fn modellix_fast_references() {
    let request = VideoRequest::builder("[Image 1] dances with [Image 2] to [Audio 1]")
        .model(Model::Seedance20Fast)
        .references(
            [
                "https://example.com/ref1.png",
                "https://example.com/ref2.png",
            ],
            Vec::<String>::new(),
            ["https://example.com/beat.mp3"],
        )
        .ratio(Ratio::R16x9)
        .build();
    let sent = submit(Provider::Modellix, &request).await;
    let body = sent.body.as_ref().unwrap();
    assert_eq!(
        body["reference_images"],
        serde_json::json!([
            "https://example.com/ref1.png",
            "https://example.com/ref2.png"
        ])
    );
    assert_eq!(
        body["audio_urls"],
        serde_json::json!(["https://example.com/beat.mp3"])
    );
    insta::assert_json_snapshot!("modellix__fast_references", sent);
}

#[tokio::test]
async fn jiekou_first_frame_png_bytes() {
    let data = png(800, 600);
    let request = VideoRequest::builder("The waves roll in")
        .first_frame(Media::Bytes {
            mime_type: "image/png".into(),
            data: data.clone(),
        })
        .build();
    let sent = submit(Provider::Jiekou, &request).await;
    let expected = format!(
        "data:image/png;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(&data)
    );
    assert_eq!(sent.body.as_ref().unwrap()["image"], expected.as_str());
    assert!(!format!("{sent:?}").contains(API_KEY));
    insta::assert_json_snapshot!("jiekou__first_frame_png_bytes", sent);
}

/// A base URL written with a trailing slash (as `https://api.jiekou.ai/` is often copied)
/// reaches the same paths as without it.
#[tokio::test]
async fn base_url_with_a_trailing_slash() {
    let mut sent_paths = Vec::new();
    for provider in common::PROVIDERS {
        let server = MockServer::start().await;
        Mock::given(any())
            .respond_with(ResponseTemplate::new(200).set_body_json(submit_ok(provider)))
            .mount(&server)
            .await;
        let client = seedance_sdk::Client::builder(provider)
            .api_key(API_KEY)
            .base_url(format!("{}/", base_url(provider, &server)))
            .retry_policy(seedance_sdk::RetryPolicy::none())
            .build()
            .unwrap();
        let result = client.submit(&VideoRequest::new("A cat")).await;
        let sent = captured_one(&server).await;
        sent_paths.push((provider, sent.path, result.is_ok()));
    }
    // The generated clients append "/<path>" to the base URL; a trailing slash must not turn
    // into "//" in the request path.
    assert_eq!(
        sent_paths,
        [
            (
                Provider::Modellix,
                "/api/v1/bytedance/seedance-1.5-pro-t2v".to_owned(),
                true
            ),
            (
                Provider::Jiekou,
                "/v3/async/seedance-v1.5-pro-t2v".to_owned(),
                true
            ),
            (
                Provider::Odkkk,
                "/apiv1/v1/videos/generations".to_owned(),
                true
            ),
            (
                Provider::Ark,
                "/api/v3/contents/generations/tasks".to_owned(),
                true
            ),
        ]
    );
}
