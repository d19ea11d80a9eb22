//! The exact requests each generated client sends: method, path, query, headers and JSON body,
//! captured by a loopback mock server and snapshotted. Every body is also validated against the
//! request schema of the provider's own spec, so a snapshot can never bless a payload the spec
//! forbids. Fields the caller leaves unset must be absent from the body.

use seedance_runtime::ClientOptions;
use seedance_workspace_tests::{Captured, TEST_API_KEY, captured, escape, schema_errors, spec};
use serde_json::Value;
use wiremock::{Mock, MockServer, ResponseTemplate, matchers::any};

const FIRST: &str = "https://example.com/first.jpg";
const LAST: &str = "https://example.com/last.jpg";

fn options() -> ClientOptions {
    ClientOptions::default().with_api_key(TEST_API_KEY)
}

/// A mock server answering every request with the first documented 200 example of the operation.
async fn server_for(provider: &str, path: &str, method: &str) -> (MockServer, Value) {
    let spec = spec(provider);
    let operation = format!("/paths/{}/{method}", escape(path));
    let media = spec
        .pointer(&format!(
            "{operation}/responses/200/content/application~1json"
        ))
        .unwrap_or_else(|| panic!("{provider} {operation} documents a JSON 200"));
    let example = media
        .get("example")
        .cloned()
        .or_else(|| {
            media["examples"]
                .as_object()
                .and_then(|e| e.values().next())
                .map(|e| e["value"].clone())
        })
        .unwrap_or_else(|| panic!("{provider} {operation} has a 200 example"));
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_body_json(example))
        .mount(&server)
        .await;
    (server, spec)
}

/// Validates the captured body against the operation's request schema, then snapshots it.
fn check(name: &str, provider: &str, path: &str, method: &str, spec: &Value, sent: &Captured) {
    if let Some(body) = &sent.body {
        let pointer = format!(
            "/paths/{}/{method}/requestBody/content/application~1json/schema",
            escape(path)
        );
        let errors = schema_errors(spec, &pointer, body);
        assert!(
            errors.is_empty(),
            "{provider} {name}: body breaks the spec: {errors:#?}"
        );
    }
    insta::assert_json_snapshot!(format!("{provider}__{name}"), sent);
}

mod modellix {
    use seedance_modellix::{Client, types};

    use super::*;

    const T2V: &str = "/bytedance/seedance-1.5-pro-t2v";
    const I2V: &str = "/bytedance/seedance-1.5-pro-i2v/async";
    const FAST: &str = "/bytedance/seedance-2.0-fast-i2v/async";

    async fn client(path: &str, method: &str) -> (MockServer, Value, Client) {
        let (server, spec) = server_for("modellix", path, method).await;
        let client = Client::new(&format!("{}/api/v1", server.uri()), options()).unwrap();
        (server, spec, client)
    }

    #[tokio::test]
    async fn t2v() {
        let (server, spec, client) = client(T2V, "post").await;
        let body = types::Seedance15ProT2vBody::builder()
            .prompt("\"Hello world!\" said the astronaut on the moon")
            .ratio(Some(types::Seedance15ProT2vBodyRatio::X169))
            .duration(Some(8.try_into().unwrap()))
            .seed(Some(42));
        client.seedance15_pro_t2v().body(body).send().await.unwrap();
        check(
            "t2v",
            "modellix",
            T2V,
            "post",
            &spec,
            &captured(&server).await,
        );
    }

    #[tokio::test]
    async fn t2v_prompt_only_sends_no_defaults() {
        let (server, spec, client) = client(T2V, "post").await;
        let body =
            types::Seedance15ProT2vBody::builder().prompt("A cute puppy playing in the park");
        client.seedance15_pro_t2v().body(body).send().await.unwrap();
        let sent = captured(&server).await;
        assert_eq!(
            sent.body,
            Some(serde_json::json!({"prompt": "A cute puppy playing in the park"}))
        );
        check("t2v_prompt_only", "modellix", T2V, "post", &spec, &sent);
    }

    #[tokio::test]
    async fn i2v_first_frame() {
        let (server, spec, client) = client(I2V, "post").await;
        let body = types::Seedance15ProI2vAsyncBody::builder()
            .prompt(Some("The person smiles and waves".parse().unwrap()))
            .first_frame_image(Some(FIRST.parse().unwrap()))
            .resolution(Some(types::Seedance15ProI2vAsyncBodyResolution::X1080p))
            .generate_audio(Some(false));
        client
            .seedance15_pro_i2v_async()
            .body(body)
            .send()
            .await
            .unwrap();
        check(
            "i2v_first_frame",
            "modellix",
            I2V,
            "post",
            &spec,
            &captured(&server).await,
        );
    }

    #[tokio::test]
    async fn i2v_first_and_last_frame() {
        let (server, spec, client) = client(I2V, "post").await;
        let body = types::Seedance15ProI2vAsyncBody::builder()
            .prompt(Some("\"Hello world!\" said happily".parse().unwrap()))
            .first_frame_image(Some(FIRST.parse().unwrap()))
            .last_frame_image(Some(LAST.parse().unwrap()))
            .camera_fixed(Some(true))
            .service_tier(Some(types::Seedance15ProI2vAsyncBodyServiceTier::Flex))
            .execution_expires_after(Some(3600))
            .return_last_frame(Some(true));
        client
            .seedance15_pro_i2v_async()
            .body(body)
            .send()
            .await
            .unwrap();
        check(
            "i2v_first_last_frame",
            "modellix",
            I2V,
            "post",
            &spec,
            &captured(&server).await,
        );
    }

    #[tokio::test]
    async fn fast_references() {
        let (server, spec, client) = client(FAST, "post").await;
        let body = types::Seedance20FastI2vAsyncBody::builder()
            .prompt("[Image 1] dances to [Audio 1]")
            .reference_images(vec![
                "https://example.com/ref1.png".parse().unwrap(),
                "https://example.com/ref2.png".parse().unwrap(),
            ])
            .audio_urls(vec!["https://example.com/beat.mp3".parse().unwrap()])
            .duration(Some(15.try_into().unwrap()))
            .ratio(Some(types::Seedance20FastI2vAsyncBodyRatio::X916))
            .seed(Some(4_294_967_295));
        client
            .seedance20_fast_i2v_async()
            .body(body)
            .send()
            .await
            .unwrap();
        check(
            "fast_references",
            "modellix",
            FAST,
            "post",
            &spec,
            &captured(&server).await,
        );
    }

    #[tokio::test]
    async fn fast_first_frame() {
        let (server, spec, client) = client(FAST, "post").await;
        let body = types::Seedance20FastI2vAsyncBody::builder()
            .prompt("The person smiles and waves")
            .first_frame_image(Some(FIRST.parse().unwrap()));
        client
            .seedance20_fast_i2v_async()
            .body(body)
            .send()
            .await
            .unwrap();
        check(
            "fast_first_frame",
            "modellix",
            FAST,
            "post",
            &spec,
            &captured(&server).await,
        );
    }

    #[tokio::test]
    async fn get_task_result() {
        let (server, spec, client) = client("/tasks/{task_id}", "get").await;
        client
            .get_task_result()
            .task_id("task-abc123")
            .send()
            .await
            .unwrap();
        check(
            "get_task_result",
            "modellix",
            "/tasks/{task_id}",
            "get",
            &spec,
            &captured(&server).await,
        );
    }

    #[tokio::test]
    async fn submit_path_override_drops_async_suffix() {
        let (server, spec) = server_for("modellix", I2V, "post").await;
        let options = options().with_path_override(
            "seedance15_pro_i2v_async",
            "/bytedance/seedance-1.5-pro-i2v",
        );
        let client = Client::new(&format!("{}/api/v1", server.uri()), options).unwrap();
        let body = types::Seedance15ProI2vAsyncBody::builder()
            .first_frame_image(Some(FIRST.parse().unwrap()));
        client
            .seedance15_pro_i2v_async()
            .body(body)
            .send()
            .await
            .unwrap();
        let sent = captured(&server).await;
        assert_eq!(sent.path, "/api/v1/bytedance/seedance-1.5-pro-i2v");
        let _ = spec;
    }
}

mod jiekou {
    use seedance_jiekou::{Client, types};

    use super::*;

    const T2V: &str = "/v3/async/seedance-v1.5-pro-t2v";
    const I2V: &str = "/v3/async/seedance-v1.5-pro-i2v";
    const RESULT: &str = "/v3/async/task-result";

    async fn client(path: &str, method: &str) -> (MockServer, Value, Client) {
        let (server, spec) = server_for("jiekou", path, method).await;
        let client = Client::new(&server.uri(), options()).unwrap();
        (server, spec, client)
    }

    #[tokio::test]
    async fn t2v() {
        let (server, spec, client) = client(T2V, "post").await;
        let body = types::SeedanceV15ProT2vRequest::builder()
            .prompt("A cat playing piano")
            .duration(Some(6))
            .resolution(Some(types::SeedanceV15ProT2vRequestResolution::X720p))
            .watermark(Some(false));
        client
            .seedance_v15_pro_t2v()
            .body(body)
            .send()
            .await
            .unwrap();
        check(
            "t2v",
            "jiekou",
            T2V,
            "post",
            &spec,
            &captured(&server).await,
        );
    }

    #[tokio::test]
    async fn i2v_first_frame() {
        let (server, spec, client) = client(I2V, "post").await;
        let body = types::SeedanceV15ProI2vRequest::builder()
            .image(FIRST)
            .prompt(Some("The person smiles and waves".to_owned()));
        client
            .seedance_v15_pro_i2v()
            .body(body)
            .send()
            .await
            .unwrap();
        check(
            "i2v_first_frame",
            "jiekou",
            I2V,
            "post",
            &spec,
            &captured(&server).await,
        );
    }

    #[tokio::test]
    async fn i2v_first_and_last_frame() {
        let (server, spec, client) = client(I2V, "post").await;
        let body = types::SeedanceV15ProI2vRequest::builder()
            .image(FIRST)
            .last_image(Some(LAST.to_owned()))
            .prompt(Some("The door opens".to_owned()))
            .fps(Some(24.try_into().unwrap()))
            .seed(Some(-1))
            .ratio(Some(types::SeedanceV15ProI2vRequestRatio::Adaptive))
            .service_tier(Some(types::SeedanceV15ProI2vRequestServiceTier::Default))
            .generate_audio(Some(true))
            .camera_fixed(Some(false))
            .execution_expires_after(Some(172_800));
        client
            .seedance_v15_pro_i2v()
            .body(body)
            .send()
            .await
            .unwrap();
        check(
            "i2v_first_last_frame",
            "jiekou",
            I2V,
            "post",
            &spec,
            &captured(&server).await,
        );
    }

    #[tokio::test]
    async fn get_task_result_sends_a_query_parameter() {
        let (server, spec, client) = client(RESULT, "get").await;
        client
            .get_task_result()
            .task_id("830d9c90-d53f")
            .send()
            .await
            .unwrap();
        let sent = captured(&server).await;
        assert_eq!(sent.query.as_deref(), Some("task_id=830d9c90-d53f"));
        check("get_task_result", "jiekou", RESULT, "get", &spec, &sent);
    }
}

mod odkkk {
    use seedance_odkkk::{Client, types};

    use super::*;

    const CREATE: &str = "/v1/videos/generations";
    const DETAIL: &str = "/v1/tasks/{task_id}";

    async fn client(path: &str, method: &str) -> (MockServer, Value, Client) {
        let (server, spec) = server_for("odkkk", path, method).await;
        let client = Client::new(&format!("{}/apiv1", server.uri()), options()).unwrap();
        (server, spec, client)
    }

    fn request(prompt: &str) -> types::builder::VideoGenerationRequest {
        types::VideoGenerationRequest::builder()
            .model("seedance-1.5-pro")
            .prompt(prompt)
    }

    #[tokio::test]
    async fn t2v() {
        let (server, spec, client) = client(CREATE, "post").await;
        let body = request("A cat playing piano")
            .quality(Some(types::VideoGenerationRequestQuality::X480p))
            .aspect_ratio(Some(types::VideoGenerationRequestAspectRatio::X916))
            .duration(Some(10))
            .callback_url(Some(
                "https://your-domain.com/webhooks/done".parse().unwrap(),
            ));
        client
            .create_video_generation()
            .body(body)
            .send()
            .await
            .unwrap();
        check(
            "t2v",
            "odkkk",
            CREATE,
            "post",
            &spec,
            &captured(&server).await,
        );
    }

    #[tokio::test]
    async fn i2v_first_frame() {
        let (server, spec, client) = client(CREATE, "post").await;
        let body = request("The person smiles and waves").image_urls(vec![FIRST.to_owned()]);
        client
            .create_video_generation()
            .body(body)
            .send()
            .await
            .unwrap();
        check(
            "i2v_first_frame",
            "odkkk",
            CREATE,
            "post",
            &spec,
            &captured(&server).await,
        );
    }

    #[tokio::test]
    async fn i2v_first_and_last_frame() {
        let (server, spec, client) = client(CREATE, "post").await;
        let body = request("The door opens")
            .image_urls(vec![FIRST.to_owned(), LAST.to_owned()])
            .generate_audio(Some(false));
        client
            .create_video_generation()
            .body(body)
            .send()
            .await
            .unwrap();
        check(
            "i2v_first_last_frame",
            "odkkk",
            CREATE,
            "post",
            &spec,
            &captured(&server).await,
        );
    }

    #[tokio::test]
    async fn get_task_detail() {
        let (server, spec, client) = client(DETAIL, "get").await;
        client
            .get_task_detail()
            .task_id("task-unified-1756817821-4x3rx6ny")
            .send()
            .await
            .unwrap();
        check(
            "get_task_detail",
            "odkkk",
            DETAIL,
            "get",
            &spec,
            &captured(&server).await,
        );
    }
}
