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

/// What the facade's Ark client sends for every request shape it can build: each mode of each
/// model family, `model_id`, a Volcengine host (`doubao-` ids), `duration: auto` (-1), drafts,
/// frame counts and priority, plus the list, retrieve and delete calls. Each create body is
/// validated against `CreateTaskRequest` of `specs/ark/openapi.json`.
mod ark {
    use futures_util::StreamExt;
    use seedance_sdk::{
        Client, Inputs, ListFilter, Media, Model, OutputFormat, Provider, Ratio, Resolution,
        RetryPolicy, ServiceTier, TaskHandle, TaskState, VideoDuration, VideoRequest,
    };
    use wiremock::matchers::method;

    use super::*;

    const TASKS: &str = "/contents/generations/tasks";
    const TASK: &str = "/contents/generations/tasks/{id}";
    const VOLCENGINE: &str = "ark.cn-beijing.volces.com";

    fn facade(base_url: String, http: Option<reqwest::Client>) -> Client {
        let mut builder = Client::builder(Provider::Ark)
            .api_key(TEST_API_KEY)
            .base_url(base_url)
            .allow_insecure_http(true)
            .retry_policy(RetryPolicy::none());
        if let Some(http) = http {
            builder = builder.http_client(http);
        }
        builder.build().expect("the client builds")
    }

    /// Submits `request` through the facade to a mock of the BytePlus host (or of the
    /// Volcengine host, resolved to the loopback mock), then checks and snapshots what was sent.
    async fn submit(name: &str, request: VideoRequest, volcengine: bool) -> Captured {
        let (server, spec) = server_for("ark", TASKS, "post").await;
        let client = if volcengine {
            let port = server.address().port();
            seedance_runtime::install_crypto_provider();
            let http = reqwest::Client::builder()
                .resolve(VOLCENGINE, *server.address())
                .build()
                .unwrap();
            facade(format!("http://{VOLCENGINE}:{port}/api/v3"), Some(http))
        } else {
            facade(format!("{}/api/v3", server.uri()), None)
        };
        let handle = client
            .submit(&request)
            .await
            .unwrap_or_else(|err| panic!("{name}: {err}"));
        assert_eq!(handle.task_id, "cgt-2025******-****");
        let sent = captured(&server).await;
        check(name, "ark", TASKS, "post", &spec, &sent);
        sent
    }

    fn url(name: &str) -> Media {
        Media::from(format!("https://example.com/{name}"))
    }

    fn video(name: &str) -> String {
        format!("https://example.com/{name}.mp4")
    }

    fn request(model: Model, inputs: Inputs) -> VideoRequest {
        let mut request = VideoRequest::builder("A girl holding a fox, \"Hello!\"")
            .model(model)
            .build();
        request.inputs = inputs;
        request
    }

    fn first_frame() -> Inputs {
        Inputs::FirstFrame {
            first: url("first.png"),
        }
    }

    fn model_of(sent: &Captured) -> &str {
        sent.body.as_ref().unwrap()["model"].as_str().unwrap()
    }

    #[tokio::test]
    async fn seedance_1_0_lite_text_and_images() {
        let mut text = request(Model::Seedance10Lite, Inputs::Text);
        text.frames = Some(121);
        text.seed = Some(4_294_967_295);
        text.camera_fixed = Some(true);
        text.service_tier = Some(ServiceTier::Flex);
        let sent = submit("lite_t2v_frames", text, false).await;
        assert_eq!(model_of(&sent), "seedance-1-0-lite-t2v-250428");
        let references = Inputs::References {
            images: vec![url("ref1.png"), url("ref2.png")],
            videos: Vec::new(),
            audio: Vec::new(),
        };
        let sent = submit(
            "lite_reference_images",
            request(Model::Seedance10Lite, references),
            false,
        )
        .await;
        assert_eq!(model_of(&sent), "seedance-1-0-lite-i2v-250428");
    }

    #[tokio::test]
    async fn seedance_1_0_pro_frames() {
        let mut first_last = request(
            Model::Seedance10Pro,
            Inputs::FirstLastFrames {
                first: url("first.png"),
                last: url("last.png"),
            },
        );
        first_last.duration = Some(VideoDuration::Seconds(10));
        first_last.resolution = Some(Resolution::P1080);
        first_last.ratio = Some(Ratio::Adaptive);
        first_last.return_last_frame = Some(true);
        submit("pro_first_last_frames", first_last, false).await;
        let mut fast = request(Model::Seedance10ProFast, first_frame());
        fast.watermark = Some(true);
        fast.execution_expires_after = Some(3600);
        fast.callback_url = Some("https://example.com/hooks/ark".into());
        let sent = submit("pro_fast_first_frame", fast, false).await;
        assert_eq!(model_of(&sent), "seedance-1-0-pro-fast-251015");
    }

    #[tokio::test]
    async fn seedance_1_5_pro_auto_duration_draft_and_from_draft() {
        let mut text = request(Model::Seedance15Pro, Inputs::Text);
        text.duration = Some(VideoDuration::Auto);
        text.generate_audio = Some(false);
        text.safety_identifier = Some("user-7f3a".into());
        let sent = submit("pro_1_5_t2v_auto_duration", text, false).await;
        assert_eq!(sent.body.as_ref().unwrap()["duration"], -1);
        let mut draft = request(Model::Seedance15Pro, first_frame());
        draft.draft = Some(true);
        draft.resolution = Some(Resolution::P480);
        submit("pro_1_5_draft", draft, false).await;
        let from_draft = request(
            Model::Seedance15Pro,
            Inputs::FromDraft {
                task_id: "cgt-20260101000000-draft".into(),
            },
        );
        submit("pro_1_5_from_draft", from_draft, false).await;
    }

    #[tokio::test]
    async fn seedance_2_0_references_edit_and_extend() {
        let references = Inputs::References {
            images: vec![url("ref1.png"), url("ref2.png")],
            videos: vec![video("motion"), "asset://asset-123".into()],
            audio: vec![url("beat.mp3")],
        };
        let mut references = request(Model::Seedance20, references);
        references.priority = Some(9);
        references.resolution = Some(Resolution::P4k);
        references.ratio = Some(Ratio::R9x21);
        references.duration = Some(VideoDuration::Seconds(15));
        let sent = submit("v2_0_references", references, false).await;
        assert_eq!(model_of(&sent), "dreamina-seedance-2-0-260128");
        let edit = Inputs::Edit {
            video: video("source"),
            images: vec![url("hat.png")],
        };
        let mut edit = request(Model::Seedance20, edit);
        edit.ratio = Some(Ratio::Adaptive);
        edit.duration = Some(VideoDuration::Auto);
        submit("v2_0_edit", edit, false).await;
        let extend = Inputs::Extend {
            videos: vec![video("part1"), video("part2")],
        };
        let mut extend = request(Model::Seedance20, extend);
        extend.ratio = Some(Ratio::Adaptive);
        extend.duration = Some(VideoDuration::Auto);
        submit("v2_0_extend", extend, false).await;
    }

    #[tokio::test]
    async fn seedance_2_x_family() {
        let mut fast = request(
            Model::Seedance20Fast,
            Inputs::FirstLastFrames {
                first: url("first.png"),
                last: url("last.png"),
            },
        );
        fast.generate_audio = Some(true);
        let sent = submit("v2_0_fast_first_last_frames", fast, false).await;
        assert_eq!(model_of(&sent), "dreamina-seedance-2-0-fast-260128");
        let mini = request(Model::Seedance20Mini, Inputs::Text);
        let sent = submit("v2_0_mini_t2v", mini, false).await;
        assert_eq!(model_of(&sent), "dreamina-seedance-2-0-mini-260615");
        let mut two_five = request(Model::Seedance25, Inputs::Text);
        two_five.duration = Some(VideoDuration::Seconds(30));
        two_five.draft = Some(true);
        let sent = submit("v2_5_draft", two_five, false).await;
        assert_eq!(model_of(&sent), "dreamina-seedance-2-5-260628");
    }

    fn body(sent: &Captured) -> &serde_json::Value {
        sent.body.as_ref().unwrap()
    }

    /// Seedance 2.5 and 2.5 Flash as BytePlus serves them in December 2026: 4k, edit and
    /// extension declared as task types, the final video of a draft from the draft task alone,
    /// `output_format`, `tools`, and extra fields merged into the body.
    #[tokio::test]
    async fn seedance_2_5_december_2026() {
        let mut four_k = request(Model::Seedance25, Inputs::Text);
        four_k.resolution = Some(Resolution::P4k);
        four_k.output_format = Some(OutputFormat::Mov);
        four_k.web_search = Some(true);
        let sent = submit("v2_5_4k_mov_web_search", four_k, false).await;
        assert_eq!(body(&sent)["resolution"], "4k");
        assert_eq!(body(&sent)["output_format"], "mov");
        assert_eq!(
            body(&sent)["tools"],
            serde_json::json!([{"type": "web_search"}])
        );

        let edit = VideoRequest::builder("Replace the fox with a cat")
            .model(Model::Seedance25)
            .edit(video("clip"), [url("cat.png")])
            .build();
        let sent = submit("v2_5_edit", edit, false).await;
        assert_eq!(body(&sent)["omni_reference_task_type"], "edit");
        assert_eq!(body(&sent)["ratio"], "adaptive");
        assert_eq!(body(&sent)["duration"], -1);

        let extend = VideoRequest::builder("Continue the walk")
            .model(Model::Seedance25)
            .extend([video("part1")])
            .duration(12)
            .build();
        let sent = submit("v2_5_extend", extend, false).await;
        assert_eq!(body(&sent)["omni_reference_task_type"], "extend");
        assert_eq!(body(&sent)["duration"], 12);

        let final_video = VideoRequest::builder("")
            .model(Model::Seedance25)
            .from_draft("cgt-20261201000000-draft")
            .resolution(Resolution::P4k)
            .build();
        let sent = submit("v2_5_from_draft_4k", final_video, false).await;
        assert_eq!(
            body(&sent)["content"],
            serde_json::json!([{"type": "draft_task", "draft_task": {"id": "cgt-20261201000000-draft"}}]),
            "the draft task is the only content item"
        );
        assert_eq!(body(&sent)["resolution"], "4k");

        let mut flash = request(Model::Seedance25Flash, first_frame());
        flash.resolution = Some(Resolution::P720);
        flash.duration = Some(VideoDuration::Seconds(30));
        let sent = submit("v2_5_flash_first_frame", flash, false).await;
        assert_eq!(model_of(&sent), "dreamina-seedance-2-5-flash-261115");
        assert!(body(&sent).get("omni_reference_task_type").is_none());

        let extra = VideoRequest::builder("A lighthouse at night")
            .model(Model::Seedance25)
            .extra("future_knob", serde_json::json!({"level": 3}))
            .extra(
                "tools",
                serde_json::json!([{"type": "web_search"}, {"type": "map"}]),
            )
            .build();
        let sent = submit("v2_5_extra_fields", extra, false).await;
        assert_eq!(body(&sent)["future_knob"], serde_json::json!({"level": 3}));
        assert_eq!(body(&sent)["tools"][1]["type"], "map");
    }

    #[tokio::test]
    async fn model_id_and_volcengine_ids() {
        let mut endpoint = request(Model::Seedance20, first_frame());
        endpoint.model_id = Some("ep-20260101123456-abcde".into());
        let sent = submit("model_id_endpoint", endpoint, false).await;
        assert_eq!(model_of(&sent), "ep-20260101123456-abcde");
        let sent = submit(
            "volcengine_seedance_2_0",
            request(Model::Seedance20, Inputs::Text),
            true,
        )
        .await;
        assert_eq!(model_of(&sent), "doubao-seedance-2-0-260128");
        let sent = submit(
            "volcengine_lite_first_frame",
            request(Model::Seedance10Lite, first_frame()),
            true,
        )
        .await;
        assert_eq!(model_of(&sent), "doubao-seedance-1-0-lite-i2v-250428");
    }

    fn handle(base_url: String) -> TaskHandle {
        TaskHandle::new(Provider::Ark, base_url, "cgt-20260101000000-abcde", 0)
    }

    #[tokio::test]
    async fn retrieve_list_and_delete() {
        let (server, spec) = server_for("ark", TASK, "get").await;
        let base = format!("{}/api/v3", server.uri());
        facade(base.clone(), None)
            .status(&handle(base))
            .await
            .unwrap();
        check(
            "get_task",
            "ark",
            TASK,
            "get",
            &spec,
            &captured(&server).await,
        );

        let (server, spec) = server_for("ark", TASKS, "get").await;
        let filter = ListFilter::default()
            .status(TaskState::Succeeded)
            .model(Model::Seedance20)
            .task_ids(["cgt-1", "cgt-2"])
            .service_tier(ServiceTier::Default);
        let listed: Vec<_> = facade(format!("{}/api/v3", server.uri()), None)
            .list(filter)
            .collect()
            .await;
        assert_eq!(
            listed.len(),
            0,
            "the example's task is neither cgt-1 nor cgt-2"
        );
        let sent = captured(&server).await;
        assert_eq!(
            sent.query.as_deref(),
            Some(
                "filter.model=dreamina-seedance-2-0-260128&filter.service_tier=default&\
                 filter.status=succeeded&filter.task_ids=cgt-1&filter.task_ids=cgt-2&\
                 page_num=1&page_size=100"
            )
        );
        check("list_tasks", "ark", TASKS, "get", &spec, &sent);

        let server = MockServer::start().await;
        Mock::given(method("DELETE"))
            .respond_with(ResponseTemplate::new(200))
            .mount(&server)
            .await;
        let base = format!("{}/api/v3", server.uri());
        facade(base.clone(), None)
            .delete(&handle(base))
            .await
            .unwrap();
        let sent = captured(&server).await;
        assert_eq!(sent.body, None, "DELETE sends no body");
        insta::assert_json_snapshot!("delete_task", sent);
    }
}
