//! The facade's capability matrix agrees with the assembled specs: every duration range,
//! resolution, ratio, seed range and frame rate it allows is what the provider's request schema
//! documents, and every field it lets through exists in that schema. For Ark, whose one
//! request schema documents the widest ranges, every model's limits lie within the spec's and
//! together reach them.
//!
//! `every_refusal` is the table of local refusals: one row per rule, each a request that passes
//! validation and the same request broken by one change, which must be refused; the messages
//! are snapshotted.

use std::path::PathBuf;

use seedance_sdk::{
    Capabilities, Error, Field, Inputs, Media, Mode, Model, Provider, Ratio, Resolution,
    ServiceTier, VideoDuration, VideoRequest, all_capabilities,
};
use seedance_workspace_tests::{escape, spec};
use serde_json::Value;

/// The request schemas a (provider, model) submits to.
fn schemas(provider: Provider, model: Model) -> Vec<String> {
    let body = |path: &str| {
        format!(
            "/paths/{}/post/requestBody/content/application~1json/schema",
            escape(path)
        )
    };
    match (provider, model) {
        (Provider::Modellix, Model::Seedance15Pro) => vec![
            body("/bytedance/seedance-1.5-pro-t2v"),
            body("/bytedance/seedance-1.5-pro-i2v/async"),
        ],
        (Provider::Modellix, Model::Seedance20Fast) => {
            vec![body("/bytedance/seedance-2.0-fast-i2v/async")]
        }
        (Provider::Jiekou, Model::Seedance15Pro) => vec![
            body("/v3/async/seedance-v1.5-pro-t2v"),
            body("/v3/async/seedance-v1.5-pro-i2v"),
        ],
        (Provider::Odkkk, Model::Seedance15Pro) => vec![body("/v1/videos/generations")],
        // Ark's one schema holds the widest ranges: `ark_capabilities_lie_within_the_spec`.
        (Provider::Ark, _) => vec![],
        other => panic!("no schema table for {other:?}"),
    }
}

fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(r) => resolve(doc, doc.pointer(r.trim_start_matches('#')).unwrap()),
        None => schema,
    }
}

fn strings(values: &Value) -> Vec<String> {
    values
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn capability_matrix_matches_the_specs() {
    let mut checked = 0;
    for caps in seedance_sdk::all_capabilities() {
        let doc = spec(caps.provider.as_str());
        for pointer in schemas(caps.provider, caps.model) {
            let schema = resolve(&doc, doc.pointer(&pointer).unwrap());
            let property = |field: Field| {
                let name = caps.wire_name(field)?;
                schema.pointer(&format!("/properties/{name}"))
            };
            let at = format!("{} {} {pointer}", caps.provider, caps.model);
            for field in &caps.fields {
                assert!(
                    property(*field).is_some(),
                    "{at}: {field} is allowed but not in the schema"
                );
            }
            let duration = property(Field::Duration).unwrap();
            let range = match duration.get("enum") {
                Some(values) => {
                    let values: Vec<u64> = values
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|v| v.as_u64().unwrap())
                        .collect();
                    (*values.iter().min().unwrap(), *values.iter().max().unwrap())
                }
                None => (
                    duration["minimum"].as_u64().unwrap(),
                    duration["maximum"].as_u64().unwrap(),
                ),
            };
            assert_eq!(
                range,
                (u64::from(caps.duration.0), u64::from(caps.duration.1)),
                "{at}: duration"
            );
            let resolutions: Vec<&str> = caps.resolutions.iter().map(|r| r.as_str()).collect();
            assert_eq!(
                strings(&property(Field::Resolution).unwrap()["enum"]),
                resolutions,
                "{at}: resolutions"
            );
            let mut ratios: Vec<&str> = caps.ratios.iter().map(|r| r.as_str()).collect();
            let mut documented = strings(&property(Field::Ratio).unwrap()["enum"]);
            ratios.sort_unstable();
            documented.sort_unstable();
            assert_eq!(documented, ratios, "{at}: ratios");
            if let Some((min, max)) = caps.seed {
                let seed = property(Field::Seed).unwrap();
                assert_eq!(
                    (seed["minimum"].as_i64(), seed["maximum"].as_i64()),
                    (Some(min), Some(max)),
                    "{at}: seed"
                );
            }
            if let Some(fps) = property(Field::Fps).filter(|_| caps.fields.contains(&Field::Fps)) {
                let documented: Vec<u64> = fps["enum"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v.as_u64().unwrap())
                    .collect();
                let allowed: Vec<u64> = caps.fps.iter().map(|f| u64::from(*f)).collect();
                assert_eq!(documented, allowed, "{at}: fps");
            }
            if let Some((min, max)) = caps.execution_expires_after {
                let expiry = property(Field::ExecutionExpiresAfter).unwrap();
                assert_eq!(
                    (expiry["minimum"].as_u64(), expiry["maximum"].as_u64()),
                    (Some(u64::from(min)), Some(u64::from(max))),
                    "{at}: expiry"
                );
            }
            checked += 1;
        }
    }
    assert_eq!(checked, 6, "request schemas checked");
}

/// Ark's capabilities, in `Model::ALL` order.
fn ark() -> Vec<Capabilities> {
    all_capabilities()
        .into_iter()
        .filter(|caps| caps.provider == Provider::Ark)
        .collect()
}

/// Every Ark model's limits lie within what `specs/ark/openapi.json` documents, and together
/// they reach the spec's widest values.
#[test]
fn ark_capabilities_lie_within_the_spec() {
    let doc = spec("ark");
    let schema = &doc["components"]["schemas"]["CreateTaskRequest"];
    let property = |name: &str| {
        let value = &schema["properties"][name];
        assert!(value.is_object(), "CreateTaskRequest has no {name}");
        resolve(&doc, value.pointer("/allOf/0").unwrap_or(value))
    };
    let range = |name: &str| {
        let value = property(name);
        (
            value["minimum"].as_i64().unwrap(),
            value["maximum"].as_i64().unwrap(),
        )
    };
    let resolutions = strings(&property("resolution")["enum"]);
    let ratios = strings(&property("ratio")["enum"]);
    let (auto, longest) = range("duration");
    assert_eq!(auto, -1, "duration: -1 is auto");
    let capabilities = ark();
    assert_eq!(
        capabilities.len(),
        Model::ALL.len(),
        "Ark sells every model"
    );
    for caps in &capabilities {
        let at = caps.model;
        for field in &caps.fields {
            match caps.wire_name(*field) {
                Some(name) => drop(property(name)),
                // `web_search` is sent as an item of `tools`.
                None if *field == Field::WebSearch => drop(property("tools")),
                None => assert_eq!(*field, Field::ModelId, "{at}: {field} has no wire name"),
            }
        }
        assert!(
            caps.duration.0 >= 2 && i64::from(caps.duration.1) <= longest,
            "{at}"
        );
        for resolution in &caps.resolutions {
            assert!(
                resolutions.contains(&resolution.as_str().to_owned()),
                "{at}"
            );
        }
        for ratio in &caps.ratios {
            assert!(ratios.contains(&ratio.as_str().to_owned()), "{at}");
        }
        if let Some((min, max)) = caps.seed {
            assert_eq!(range("seed"), (min, max), "{at}: seed");
        }
        let (min, max) = caps.execution_expires_after.unwrap();
        assert_eq!(range("execution_expires_after"), (min.into(), max.into()));
        if let Some((min, max)) = caps.priority {
            assert_eq!(range("priority"), (min.into(), max.into()), "{at}");
        }
        if let Some((min, max)) = caps.frame_count {
            assert_eq!(range("frames"), (min.into(), max.into()), "{at}");
        }
        let max_chars = caps.safety_identifier_max_chars.unwrap();
        assert_eq!(
            property("safety_identifier")["maxLength"].as_u64(),
            Some(max_chars as u64)
        );
    }
    let shortest = capabilities.iter().map(|c| c.duration.0).min().unwrap();
    let widest = capabilities.iter().map(|c| c.duration.1).max().unwrap();
    assert_eq!((i64::from(shortest), i64::from(widest)), (2, longest));
    let mut all_resolutions: Vec<String> = capabilities
        .iter()
        .flat_map(|c| c.resolutions.iter().map(|r| r.as_str().to_owned()))
        .collect();
    all_resolutions.sort_unstable();
    all_resolutions.dedup();
    let mut documented = resolutions.clone();
    documented.sort_unstable();
    assert_eq!(all_resolutions, documented);
    let mut all_ratios: Vec<String> = capabilities
        .iter()
        .flat_map(|c| c.ratios.iter().map(|r| r.as_str().to_owned()))
        .collect();
    all_ratios.sort_unstable();
    all_ratios.dedup();
    let mut documented = ratios;
    documented.sort_unstable();
    assert_eq!(all_ratios, documented);
}

/// What the validation code relies on instead of checking twice.
#[test]
fn the_tables_are_consistent() {
    for caps in all_capabilities() {
        let at = format!("{} {}", caps.provider, caps.model);
        let has = |field: Field| caps.fields.contains(&field);
        assert!(caps.accepts(Mode::Text), "{at}: text alone");
        assert_eq!(caps.frames, caps.accepts(Mode::FirstFrame), "{at}");
        assert_eq!(has(Field::Draft), caps.accepts(Mode::Draft), "{at}");
        assert_eq!(has(Field::Frames), caps.frame_count.is_some(), "{at}");
        assert_eq!(has(Field::Priority), caps.priority.is_some(), "{at}");
        assert_eq!(has(Field::ModelId), caps.provider == Provider::Ark, "{at}");
        assert_eq!(
            has(Field::SafetyIdentifier),
            caps.safety_identifier_max_chars.is_some(),
            "{at}"
        );
        assert!(!(has(Field::Priority) && has(Field::ServiceTier)), "{at}");
        for (mode, max) in [
            (Mode::ReferenceImages, caps.max_reference_images),
            (Mode::ReferenceVideos, caps.max_reference_videos),
            (Mode::ReferenceAudio, caps.max_reference_audio),
        ] {
            assert_eq!(caps.accepts(mode), max > 0, "{at}: {mode}");
        }
    }
}

/// The JSON Schema of the unified request, exported for tools and agents.
#[test]
fn unified_request_json_schema() {
    insta::assert_json_snapshot!(seedance_sdk::VideoRequest::json_schema());
}

/// A text-to-video request for `model`.
fn text(model: Model) -> VideoRequest {
    VideoRequest::builder("A red fox runs through fresh snow")
        .model(model)
        .build()
}

fn url(name: &str) -> String {
    format!("https://example.com/{name}")
}

fn urls(stem: &str, n: usize) -> Vec<String> {
    (1..=n).map(|i| url(&format!("{stem}{i}"))).collect()
}

/// A references request for `model` with `images`, `videos` and `audio` clips (URLs).
fn refs(model: Model, images: usize, videos: usize, audio: usize) -> VideoRequest {
    VideoRequest::builder("[Image 1] dances")
        .model(model)
        .references(
            urls("i.png?", images),
            urls("v.mp4?", videos),
            urls("a.mp3?", audio),
        )
        .build()
}

/// A PNG header with the given dimensions (enough for format and size sniffing).
fn png(width: u32, height: u32) -> Vec<u8> {
    let mut data = vec![0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a];
    data.extend_from_slice(&13u32.to_be_bytes());
    data.extend_from_slice(b"IHDR");
    data.extend_from_slice(&width.to_be_bytes());
    data.extend_from_slice(&height.to_be_bytes());
    data.extend_from_slice(&[8, 6, 0, 0, 0, 0, 0, 0, 0]);
    data
}

/// The start of a wav file.
fn wav() -> Vec<u8> {
    let mut data = b"RIFF\x24\x00\x00\x00WAVEfmt ".to_vec();
    data.resize(44, 0);
    data
}

/// A file in a directory of its own, removed with it at the end of the test run's process.
fn temp_file(name: &str, data: &[u8]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("seedance-capabilities-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, data).unwrap();
    path
}

/// One rule: `ok` passes, and `ok` changed by `breaks` is refused.
struct Row {
    name: &'static str,
    provider: Provider,
    ok: VideoRequest,
    bad: VideoRequest,
}

fn row(
    name: &'static str,
    provider: Provider,
    ok: VideoRequest,
    breaks: impl FnOnce(&mut VideoRequest),
) -> Row {
    let mut bad = ok.clone();
    breaks(&mut bad);
    Row {
        name,
        provider,
        ok,
        bad,
    }
}

fn rows() -> Vec<Row> {
    use Model as M;
    use Provider::{Ark, Modellix};
    let with = |mut request: VideoRequest, set: &dyn Fn(&mut VideoRequest)| {
        set(&mut request);
        request
    };
    let draft = with(text(M::Seedance15Pro), &|r| r.draft = Some(true));
    let from_draft = VideoRequest::builder("p")
        .model(M::Seedance15Pro)
        .from_draft("cgt-20260101-abc")
        .build();
    let edit = |images: usize| {
        VideoRequest::builder("make it snow")
            .model(M::Seedance20)
            .edit(url("v.mp4"), urls("i.png?", images))
            .build()
    };
    let extend = |videos: usize| {
        VideoRequest::builder("continue")
            .model(M::Seedance20)
            .extend(urls("v.mp4?", videos))
            .build()
    };
    let first = |model| {
        VideoRequest::builder("p")
            .model(model)
            .first_frame(url("first.png"))
            .build()
    };
    let audio = |provider_model, clip: Media| {
        let mut request = refs(provider_model, 1, 0, 0);
        if let Inputs::References { audio, .. } = &mut request.inputs {
            audio.push(clip);
        }
        request
    };
    let wav_file = temp_file("clip.wav", &wav());
    let text_file = temp_file("clip.txt", b"not audio at all");
    let b64 = |data: &[u8]| {
        // A tiny base64 encoder: the tests crate does not depend on base64.
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut out = String::new();
        for chunk in data.chunks(3) {
            let n = chunk.iter().fold(0u32, |acc, b| acc << 8 | u32::from(*b))
                << (8 * (3 - chunk.len()));
            for i in 0..4 {
                if i <= chunk.len() {
                    out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
                } else {
                    out.push('=');
                }
            }
        }
        out
    };
    let heic = {
        let mut data = vec![0, 0, 0, 24];
        data.extend_from_slice(b"ftypheic\0\0\0\0mif1heic");
        data
    };
    vec![
        row("prompt is empty", Ark, text(M::Seedance20), |r| {
            r.prompt = " ".into()
        }),
        row(
            "prompt over odkkk's limit",
            Provider::Odkkk,
            with(text(M::Seedance15Pro), &|r| r.prompt = "a".repeat(2000)),
            |r| r.prompt.push('a'),
        ),
        row(
            "model not sold by the provider",
            Provider::Jiekou,
            text(M::Seedance15Pro),
            |r| r.model = M::Seedance20,
        ),
        row(
            "model_id of another family",
            Ark,
            with(text(M::Seedance20), &|r| {
                r.model_id = Some("dreamina-seedance-2-0-260128".into())
            }),
            |r| r.model_id = Some("dreamina-seedance-2-0-fast-260128".into()),
        ),
        row(
            "model_id that is no id",
            Ark,
            with(text(M::Seedance10Pro), &|r| {
                r.model_id = Some("ep-20260101-abc".into())
            }),
            |r| r.model_id = Some("gpt-4o".into()),
        ),
        row(
            "model_id on a reseller",
            Modellix,
            text(M::Seedance15Pro),
            |r| r.model_id = Some("seedance-1-5-pro-251215".into()),
        ),
        row(
            "duration auto where -1 is undocumented",
            Modellix,
            with(text(M::Seedance15Pro), &|r| r.duration = Some(5.into())),
            |r| r.duration = Some(VideoDuration::Auto),
        ),
        row(
            "duration auto on Seedance 1.0",
            Ark,
            with(text(M::Seedance10Pro), &|r| r.duration = Some(5.into())),
            |r| r.duration = Some(VideoDuration::Auto),
        ),
        row(
            "duration under the 1.0 range",
            Ark,
            with(text(M::Seedance10Lite), &|r| r.duration = Some(2.into())),
            |r| r.duration = Some(1.into()),
        ),
        row(
            "duration over the 1.5 Pro range",
            Ark,
            with(text(M::Seedance15Pro), &|r| {
                r.duration = Some(VideoDuration::Auto)
            }),
            |r| r.duration = Some(13.into()),
        ),
        row(
            "duration over the 2.0 range",
            Ark,
            with(text(M::Seedance20Mini), &|r| r.duration = Some(15.into())),
            |r| r.duration = Some(16.into()),
        ),
        row(
            "duration over the 2.5 range",
            Ark,
            with(text(M::Seedance25), &|r| r.duration = Some(30.into())),
            |r| r.duration = Some(31.into()),
        ),
        row("frames on 1.5 Pro", Ark, text(M::Seedance15Pro), |r| {
            r.frames = Some(29)
        }),
        row(
            "frames with duration",
            Ark,
            with(text(M::Seedance10Pro), &|r| r.frames = Some(29)),
            |r| r.duration = Some(5.into()),
        ),
        row(
            "frames not 25 + 4n",
            Ark,
            with(text(M::Seedance10ProFast), &|r| r.frames = Some(289)),
            |r| r.frames = Some(287),
        ),
        row(
            "frames under the range",
            Ark,
            with(text(M::Seedance10Lite), &|r| r.frames = Some(29)),
            |r| r.frames = Some(25),
        ),
        row(
            "4k on 2.0 Fast",
            Ark,
            with(text(M::Seedance20Fast), &|r| {
                r.resolution = Some(Resolution::P720)
            }),
            |r| r.resolution = Some(Resolution::P4k),
        ),
        row(
            "1080p on 2.5 Flash",
            Ark,
            with(text(M::Seedance25Flash), &|r| {
                r.resolution = Some(Resolution::P720)
            }),
            |r| r.resolution = Some(Resolution::P1080),
        ),
        row(
            "9:21 on 1.5 Pro",
            Ark,
            with(text(M::Seedance15Pro), &|r| r.ratio = Some(Ratio::R9x16)),
            |r| r.ratio = Some(Ratio::R9x21),
        ),
        row("seed on 2.x", Ark, text(M::Seedance20), |r| {
            r.seed = Some(1)
        }),
        row(
            "seed over 2^32 - 1",
            Ark,
            with(text(M::Seedance10Pro), &|r| r.seed = Some(4_294_967_295)),
            |r| r.seed = Some(4_294_967_296),
        ),
        row("camera_fixed on 2.x", Ark, text(M::Seedance20), |r| {
            r.camera_fixed = Some(true)
        }),
        row(
            "camera_fixed with reference images",
            Ark,
            refs(M::Seedance10Lite, 2, 0, 0),
            |r| r.camera_fixed = Some(false),
        ),
        row(
            "1080p with reference images",
            Ark,
            with(refs(M::Seedance10Lite, 1, 0, 0), &|r| {
                r.resolution = Some(Resolution::P720)
            }),
            |r| r.resolution = Some(Resolution::P1080),
        ),
        row(
            "adaptive with reference images",
            Ark,
            with(refs(M::Seedance10Lite, 1, 0, 0), &|r| {
                r.ratio = Some(Ratio::R16x9)
            }),
            |r| r.ratio = Some(Ratio::Adaptive),
        ),
        row(
            "adaptive for 1.0 text to video",
            Ark,
            with(text(M::Seedance10Pro), &|r| r.ratio = Some(Ratio::R16x9)),
            |r| r.ratio = Some(Ratio::Adaptive),
        ),
        row("flex on 2.x", Ark, text(M::Seedance20), |r| {
            r.service_tier = Some(ServiceTier::Flex)
        }),
        row("generate_audio on 1.0", Ark, text(M::Seedance10Pro), |r| {
            r.generate_audio = Some(false)
        }),
        row("fps on Ark", Ark, text(M::Seedance10Pro), |r| {
            r.fps = Some(24)
        }),
        row("priority on 1.x", Ark, text(M::Seedance15Pro), |r| {
            r.priority = Some(1)
        }),
        row(
            "priority over 9",
            Ark,
            with(text(M::Seedance20), &|r| r.priority = Some(9)),
            |r| r.priority = Some(10),
        ),
        row(
            "execution_expires_after under an hour",
            Ark,
            with(text(M::Seedance20), &|r| {
                r.execution_expires_after = Some(3600)
            }),
            |r| r.execution_expires_after = Some(3599),
        ),
        row(
            "safety_identifier over 64 characters",
            Ark,
            with(text(M::Seedance20), &|r| {
                r.safety_identifier = Some("u".repeat(64))
            }),
            |r| r.safety_identifier = Some("u".repeat(65)),
        ),
        row(
            "safety_identifier empty",
            Ark,
            with(text(M::Seedance20), &|r| {
                r.safety_identifier = Some("user-1".into())
            }),
            |r| r.safety_identifier = Some(String::new()),
        ),
        row(
            "callback_url on a private host",
            Ark,
            with(text(M::Seedance20), &|r| {
                r.callback_url = Some("https://example.com/cb".into())
            }),
            |r| r.callback_url = Some("https://10.0.0.1/cb".into()),
        ),
        row("draft on 2.0", Ark, text(M::Seedance20), |r| {
            r.draft = Some(true)
        }),
        row(
            "draft above 480p",
            Ark,
            with(draft.clone(), &|r| r.resolution = Some(Resolution::P480)),
            |r| r.resolution = Some(Resolution::P720),
        ),
        row("draft with the last frame", Ark, draft.clone(), |r| {
            r.return_last_frame = Some(true)
        }),
        row(
            "draft on flex",
            Ark,
            with(draft.clone(), &|r| {
                r.service_tier = Some(ServiceTier::Default)
            }),
            |r| r.service_tier = Some(ServiceTier::Flex),
        ),
        row("draft made from a draft", Ark, from_draft.clone(), |r| {
            r.draft = Some(true)
        }),
        row("from a draft on 1.0", Ark, text(M::Seedance10Pro), |r| {
            r.inputs = Inputs::FromDraft {
                task_id: "cgt-1".into(),
            }
        }),
        row(
            "from a draft with a setting the draft fixes",
            Ark,
            from_draft.clone(),
            |r| r.seed = Some(7),
        ),
        row(
            "from a draft with an implausible id",
            Ark,
            from_draft,
            |r| {
                r.inputs = Inputs::FromDraft {
                    task_id: "../tasks".into(),
                }
            },
        ),
        row(
            "first and last frames on 1.0 Pro Fast",
            Ark,
            first(M::Seedance10ProFast),
            |r| {
                r.inputs = Inputs::FirstLastFrames {
                    first: url("a.png").into(),
                    last: url("b.png").into(),
                }
            },
        ),
        row("references on 1.5 Pro", Ark, text(M::Seedance15Pro), |r| {
            r.inputs = refs(M::Seedance15Pro, 1, 0, 0).inputs
        }),
        row(
            "reference videos on 1.0 Lite",
            Ark,
            refs(M::Seedance10Lite, 1, 0, 0),
            |r| r.inputs = refs(M::Seedance10Lite, 1, 1, 0).inputs,
        ),
        row(
            "5 reference images on 1.0 Lite",
            Ark,
            refs(M::Seedance10Lite, 4, 0, 0),
            |r| r.inputs = refs(M::Seedance10Lite, 5, 0, 0).inputs,
        ),
        row(
            "10 reference images on 2.0",
            Ark,
            refs(M::Seedance20, 9, 0, 0),
            |r| r.inputs = refs(M::Seedance20, 10, 0, 0).inputs,
        ),
        row(
            "31 reference images on 2.5",
            Ark,
            refs(M::Seedance25, 30, 0, 0),
            |r| r.inputs = refs(M::Seedance25, 31, 0, 0).inputs,
        ),
        row(
            "4 reference videos on 2.0 Mini",
            Ark,
            refs(M::Seedance20Mini, 0, 3, 0),
            |r| r.inputs = refs(M::Seedance20Mini, 0, 4, 0).inputs,
        ),
        row(
            "4 audio clips on 2.0 Fast",
            Ark,
            refs(M::Seedance20Fast, 1, 0, 3),
            |r| r.inputs = refs(M::Seedance20Fast, 1, 0, 4).inputs,
        ),
        row(
            "audio alone on 2.x",
            Ark,
            refs(M::Seedance20, 0, 1, 1),
            |r| r.inputs = refs(M::Seedance20, 0, 0, 1).inputs,
        ),
        row(
            "no reference at all",
            Ark,
            refs(M::Seedance20, 1, 0, 0),
            |r| r.inputs = refs(M::Seedance20, 0, 0, 0).inputs,
        ),
        row(
            "reference video not http(s) nor asset",
            Ark,
            with(refs(M::Seedance20, 0, 1, 0), &|r| {
                r.inputs = VideoRequest::builder("p")
                    .references(
                        Vec::<String>::new(),
                        ["asset://asset-123"],
                        Vec::<String>::new(),
                    )
                    .build()
                    .inputs
            }),
            |r| {
                r.inputs = VideoRequest::builder("p")
                    .references(
                        Vec::<String>::new(),
                        ["ftp://example.com/v.mp4"],
                        Vec::<String>::new(),
                    )
                    .build()
                    .inputs
            },
        ),
        row(
            "asset audio on a reseller",
            Modellix,
            audio(M::Seedance20Fast, Media::Url(url("a.mp3"))),
            |r| set_audio_last(r, Media::Url("asset://asset-1".into())),
        ),
        row(
            "inline audio on a reseller",
            Modellix,
            audio(M::Seedance20Fast, Media::Url(url("a.mp3"))),
            |r| {
                set_audio_last(
                    r,
                    Media::Bytes {
                        mime_type: "audio/wav".into(),
                        data: wav(),
                    },
                )
            },
        ),
        row(
            "local audio that is not wav or mp3",
            Ark,
            audio(M::Seedance20, Media::Path(wav_file)),
            |r| set_audio_last(r, Media::Path(text_file)),
        ),
        row(
            "audio data URL of an image",
            Ark,
            audio(
                M::Seedance20,
                Media::Url(format!("data:audio/wav;base64,{}", b64(&wav()))),
            ),
            |r| {
                set_audio_last(
                    r,
                    Media::Url(format!("data:image/png;base64,{}", b64(&png(640, 640)))),
                )
            },
        ),
        row(
            "HEIC on 1.0",
            Ark,
            VideoRequest::builder("p")
                .model(M::Seedance10Pro)
                .first_frame(Media::Bytes {
                    mime_type: "image/png".into(),
                    data: png(640, 480),
                })
                .build(),
            |r| {
                r.inputs = Inputs::FirstFrame {
                    first: Media::Bytes {
                        mime_type: "image/heic".into(),
                        data: heic.clone(),
                    },
                }
            },
        ),
        row(
            "image aspect ratio over 2.5",
            Ark,
            VideoRequest::builder("p")
                .model(M::Seedance20)
                .first_frame(Media::Bytes {
                    mime_type: "image/png".into(),
                    data: png(1000, 400),
                })
                .build(),
            |r| {
                r.inputs = Inputs::FirstFrame {
                    first: Media::Bytes {
                        mime_type: "image/png".into(),
                        data: png(1001, 400),
                    },
                }
            },
        ),
        row("edit on 2.5 Flash", Ark, text(M::Seedance25Flash), |r| {
            r.inputs = edit(0).inputs
        }),
        row("edit with a fixed ratio", Ark, edit(1), |r| {
            r.ratio = Some(Ratio::R16x9)
        }),
        row("edit with a duration", Ark, edit(0), |r| {
            r.duration = Some(5.into())
        }),
        row("edit with 10 images", Ark, edit(9), |r| {
            r.inputs = edit(10).inputs
        }),
        row("extend 4 videos", Ark, extend(3), |r| {
            r.inputs = extend(4).inputs
        }),
        row("extend no video", Ark, extend(1), |r| {
            r.inputs = extend(0).inputs
        }),
        row("extend on 1.5 Pro", Ark, text(M::Seedance15Pro), |r| {
            r.inputs = extend(1).inputs
        }),
    ]
}

/// Replaces the last audio clip of a references request.
fn set_audio_last(request: &mut VideoRequest, clip: Media) {
    if let Inputs::References { audio, .. } = &mut request.inputs {
        *audio.last_mut().expect("a clip") = clip;
    }
}

/// Every local refusal, one row per rule: the valid twin passes, the broken one is refused
/// with a message naming the field, the provider, the model and what is allowed.
#[tokio::test]
async fn every_refusal() {
    let mut table = String::new();
    for row in rows() {
        let name = row.name;
        if let Err(err) = seedance_sdk::validate(row.provider, &row.ok).await {
            panic!("{name}: the valid twin is refused: {err}");
        }
        match seedance_sdk::validate(row.provider, &row.bad).await {
            Err(Error::InvalidRequest(refusal)) => {
                // "must not be empty" says what is allowed by itself.
                let says_allowed =
                    refusal.message.contains("allowed") || refusal.field == Field::Prompt;
                assert!(says_allowed, "{name}: {refusal}");
                table.push_str(&format!("{name}: {refusal}\n"));
            }
            other => panic!("{name}: expected a refusal, got {other:?}"),
        }
    }
    insta::assert_snapshot!(table);
}
