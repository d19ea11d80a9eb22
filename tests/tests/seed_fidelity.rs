//! Every schema field of the machine-readable seed documents survives assembly with its
//! documented type, enum, range, length, item count, format and default: request defaults move
//! into the description (`Default: <value>.`, see the `request-defaults-to-descriptions`
//! transform), and nothing else changes except the deviations recorded in `patches.json` and
//! listed here.

use seedance_workspace_tests::{escape, root, spec};
use serde_json::Value;

const KEYWORDS: [&str; 10] = [
    "type",
    "enum",
    "minimum",
    "maximum",
    "minLength",
    "maxLength",
    "minItems",
    "maxItems",
    "format",
    "items",
];

fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    seedance_openapi::resolve(doc, schema).unwrap_or_else(|err| panic!("{err}"))
}

/// Compares the seed schema `seed` with the assembled schema `built`, property by property.
/// `allowed` lists the places (relative pointers) where a recorded patch changes the schema.
#[allow(clippy::too_many_arguments)]
fn compare(
    seed_doc: &Value,
    doc: &Value,
    seed: &Value,
    built: &Value,
    at: &str,
    request: bool,
    allowed: &[&str],
    checked: &mut usize,
) {
    if allowed.contains(&at) {
        return;
    }
    let seed = resolve(seed_doc, seed);
    let built = resolve(doc, built);
    for keyword in KEYWORDS {
        if keyword == "items"
            && let (Some(s), Some(b)) = (seed.get("items"), built.get("items"))
        {
            compare(
                seed_doc,
                doc,
                s,
                b,
                &format!("{at}/items"),
                request,
                allowed,
                checked,
            );
            continue;
        }
        assert_eq!(
            seed.get(keyword),
            built.get(keyword),
            "{at}: {keyword} changed"
        );
    }
    if let Some(default) = seed.get("default") {
        if request {
            assert_eq!(
                built.get("default"),
                None,
                "{at}: a request default is still sent"
            );
            let description = built["description"].as_str().unwrap_or_default();
            assert!(
                description.ends_with(&format!("Default: {default}.")),
                "{at}: the default {default} is not in the description {description:?}"
            );
        } else {
            assert_eq!(built.get("default"), Some(default), "{at}: default changed");
        }
    }
    if let Some(required) = seed.get("required")
        && !allowed.contains(&format!("{at}/required").as_str())
    {
        assert_eq!(
            Some(required),
            built.get("required"),
            "{at}: required changed"
        );
    }
    for (name, property) in seed
        .get("properties")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        let place = format!("{at}/properties/{name}");
        let built_property = built
            .pointer(&format!("/properties/{}", escape(name)))
            .unwrap_or_else(|| panic!("{place}: the property is missing"));
        *checked += 1;
        compare(
            seed_doc,
            doc,
            property,
            built_property,
            &place,
            request,
            allowed,
            checked,
        );
    }
}

fn seed(provider: &str, file: &str) -> Value {
    let path = root()
        .join("specs")
        .join(provider)
        .join("sources")
        .join(file);
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn check_operation(
    provider: &str,
    operation: &Value,
    path: &str,
    method: &str,
    allowed: &[&str],
) -> usize {
    let doc = spec(provider);
    let built = &doc["paths"][path][method];
    let mut checked = 0;
    let body = "/requestBody/content/application~1json/schema";
    compare(
        operation,
        &doc,
        operation.pointer(body).unwrap(),
        built.pointer(body).unwrap(),
        "request",
        true,
        allowed,
        &mut checked,
    );
    let ok = "/responses/200/content/application~1json/schema";
    compare(
        operation,
        &doc,
        operation.pointer(ok).unwrap(),
        built.pointer(ok).unwrap(),
        "response",
        false,
        allowed,
        &mut checked,
    );
    checked
}

/// Recorded in specs/modellix/patches.json: `data` is optional (an error envelope can arrive under
/// HTTP 200 without it) and the submit status is the shared open `TaskStatus` enum.
const MODELLIX_SUBMIT_PATCHES: [&str; 2] = [
    "response/required",
    "response/properties/data/properties/status",
];

#[test]
fn modellix_seed_000_seedance_15_pro_i2v() {
    let seed = seed("modellix", "000_684441281eb18b4f.txt");
    let n = check_operation(
        "modellix",
        &seed["post"],
        "/bytedance/seedance-1.5-pro-i2v/async",
        "post",
        &MODELLIX_SUBMIT_PATCHES,
    );
    assert_eq!(n, 21, "fields checked");
}

#[test]
fn modellix_seed_002_seedance_20_fast_i2v() {
    let seed = seed("modellix", "002_72a763f6d751a0fa.txt");
    let n = check_operation(
        "modellix",
        &seed["post"],
        "/bytedance/seedance-2.0-fast-i2v/async",
        "post",
        &MODELLIX_SUBMIT_PATCHES,
    );
    assert_eq!(n, 22, "fields checked");
}

#[test]
fn odkkk_seed_004_video_generation() {
    // Seed 004 is flattened text; its structural transcription is the machine-readable form.
    let source = seed("odkkk", "video-generate.openapi-3.1.transcribed.json");
    let doc = spec("odkkk");
    let mut checked = 0;
    for (name, request, allowed) in [
        // aspect_ratio gains the enum and default its description documents (patches.json);
        // the status/object/type enums are hoisted into open named schemas.
        (
            "VideoGenerationRequest",
            true,
            &[
                "VideoGenerationRequest/properties/aspect_ratio",
                "VideoGenerationRequest/properties/callback_url",
            ][..],
        ),
        (
            "VideoGenerationResponse",
            false,
            &[
                "VideoGenerationResponse/properties/status",
                "VideoGenerationResponse/properties/object",
                "VideoGenerationResponse/properties/type",
            ][..],
        ),
        ("ErrorResponse", false, &[][..]),
        ("VideoTaskInfo", false, &[][..]),
        (
            "VideoUsage",
            false,
            &["VideoUsage/properties/billing_rule"][..],
        ),
    ] {
        compare(
            &source,
            &doc,
            &source["components"]["schemas"][name],
            &doc["components"]["schemas"][name],
            name,
            request,
            allowed,
            &mut checked,
        );
    }
    assert_eq!(checked, 35, "fields checked");
    // The hoisted enums keep their values.
    for (name, from) in [
        ("TaskStatus", "status"),
        ("TaskObject", "object"),
        ("TaskType", "type"),
    ] {
        assert_eq!(
            doc["components"]["schemas"][name]["enum"],
            source["components"]["schemas"]["VideoGenerationResponse"]["properties"][from]["enum"],
            "{name}"
        );
    }
    let openapi = doc.pointer("/paths/~1v1~1videos~1generations/post/operationId");
    assert_eq!(openapi, Some(&Value::from("createVideoGeneration")));
}
