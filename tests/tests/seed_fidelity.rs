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

/// One parameter as the BytePlus Markdown pages declare it: `prefix.**name** \`type\` \`...\``.
#[derive(Debug)]
struct Declared {
    /// Dotted path of the parameter, e.g. `content.image_url.url`.
    path: String,
    /// The documented type, lowercased (`integer / null`, `object[]`).
    doc_type: String,
    /// The documented default (`Default value: X` or `Default: X`), if any.
    default: Option<String>,
    /// The text up to the next `---` rule: where ranges and values are written.
    block: String,
}

/// The part of `page` from the line `start` up to the line `end` (or the end of the page).
fn section<'a>(page: &'a str, start: &str, end: Option<&str>) -> &'a str {
    let from = page
        .find(&format!("\n{start}\n"))
        .unwrap_or_else(|| panic!("the page has no line {start:?}"));
    let rest = &page[from + 1..];
    match end.and_then(|end| rest.find(&format!("\n{end}\n"))) {
        Some(to) => &rest[..to],
        None if end.is_none() => rest,
        None => panic!("no line {end:?} after {start:?}"),
    }
}

/// Every parameter declaration of a page section. A declaration is a line
/// `[* ][prefix.]**name[==^new^==]**[ ** **] \`type\`[ \`...\`]` with a lowercase name, so
/// prose in bold (`**Note: **`, `**Text information**`, `**true**: ...`) is not one.
fn declarations(section: &str) -> Vec<Declared> {
    let lines: Vec<&str> = section.lines().collect();
    let mut found = Vec::new();
    for (index, line) in lines.iter().enumerate() {
        let line = line.strip_prefix("* ").unwrap_or(line);
        let Some((prefix, rest)) = line.split_once("**") else {
            continue;
        };
        if !prefix
            .chars()
            .all(|c| c.is_ascii_lowercase() || c == '_' || c == '.')
        {
            continue;
        }
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_lowercase() || *c == '_' || *c == '.')
            .collect();
        let Some(tick) = rest.find('`') else {
            continue;
        };
        let between = &rest[name.len()..tick];
        if name.is_empty() || !between.chars().all(|c| " *=^new".contains(c)) {
            continue;
        }
        let spans: Vec<&str> = rest[tick..].split('`').skip(1).step_by(2).collect();
        let default = spans.iter().find_map(|span| {
            span.strip_prefix("Default value: ")
                .or_else(|| span.strip_prefix("Default: "))
                .map(str::to_owned)
        });
        let block_end = lines[index + 1..]
            .iter()
            .position(|l| *l == "---")
            .map_or(lines.len(), |p| index + 1 + p);
        found.push(Declared {
            path: format!("{prefix}{name}"),
            doc_type: spans[0].to_lowercase(),
            default,
            block: lines[index..block_end].join("\n").replace("\\-", "-"),
        });
    }
    found
}

/// A schema with `$ref`s and one-element `allOf` wrappers followed; `nullable` of a wrapper is
/// returned beside it.
fn follow<'a>(doc: &'a Value, mut schema: &'a Value) -> (&'a Value, bool) {
    let mut nullable = false;
    loop {
        nullable |= schema.get("nullable") == Some(&Value::Bool(true));
        if schema.get("$ref").is_some() {
            schema = resolve(doc, schema);
        } else if let Some([only]) = schema
            .get("allOf")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
        {
            schema = only;
        } else {
            return (schema, nullable);
        }
    }
}

/// The property at dotted `path` under `root`, descending into array items.
fn property<'a>(doc: &'a Value, root: &'a Value, path: &str) -> (&'a Value, bool) {
    let mut current = follow(doc, root);
    for name in path.split('.') {
        let (mut schema, _) = current;
        if schema.get("type") == Some(&Value::from("array")) {
            schema = follow(doc, &schema["items"]).0;
        }
        let child = schema
            .pointer(&format!("/properties/{}", escape(name)))
            .unwrap_or_else(|| panic!("{path}: the property {name:?} is missing"));
        current = follow(doc, child);
    }
    current
}

/// The documented type, checked against the schema: `object[]` is an array of objects,
/// `X / null` is nullable (an optional query parameter is its nullable form).
fn assert_type(
    doc: &Value,
    declared: &Declared,
    schema: &Value,
    nullable: bool,
    nullable_ok: bool,
) {
    let (base, null) = match declared.doc_type.split_once(" / ") {
        Some((base, "null")) => (base, true),
        _ => (declared.doc_type.as_str(), false),
    };
    let (base, item) = match base.strip_suffix("[]") {
        Some(item) => ("array", Some(item)),
        None => (base, None),
    };
    let path = &declared.path;
    assert_eq!(schema["type"], Value::from(base), "{path}: type");
    if let Some(item) = item {
        let (items, _) = follow(doc, &schema["items"]);
        assert_eq!(items["type"], Value::from(item), "{path}: item type");
    }
    if null && !nullable_ok {
        assert!(nullable, "{path}: documented `null` but not nullable");
    }
}

/// Every `[low, high]` range written in a declaration's block, `2^32-1` evaluated.
fn ranges(block: &str) -> Vec<(i64, i64)> {
    let number = |text: &str| -> Option<i64> {
        let text = text.trim();
        match text.split_once('^') {
            Some((base, rest)) => {
                let (exponent, minus) = rest.split_once('-').unwrap_or((rest, "0"));
                let value = base.parse::<i64>().ok()?.pow(exponent.parse().ok()?);
                Some(value - minus.parse::<i64>().ok()?)
            }
            None => text.parse().ok(),
        }
    };
    block
        .split('[')
        .skip(1)
        .filter_map(|part| {
            let inside = part.split_once(']')?.0;
            let (low, high) = inside.split_once(',').or_else(|| inside.split_once('，'))?;
            Some((number(low)?, number(high)?))
        })
        .collect()
}

/// Every documented range of `declared` is the schema's range; `wider` parameters (ranges per
/// model) only need to contain it.
fn assert_ranges(declared: &Declared, schema: &Value, wider: bool) -> usize {
    let found = ranges(&declared.block);
    for (low, high) in &found {
        let (min, max) = (schema["minimum"].as_i64(), schema["maximum"].as_i64());
        let path = &declared.path;
        if wider {
            assert!(
                min.is_some_and(|m| m <= *low) && max.is_some_and(|m| m >= *high),
                "{path}: [{low}, {high}] is not within [{min:?}, {max:?}]"
            );
        } else {
            assert_eq!((min, max), (Some(*low), Some(*high)), "{path}: range");
        }
    }
    found.len()
}

/// The `* value` bullets of a declaration before its first `:::` box (the documented values),
/// each up to a space, a backtick or a `: ` explanation.
fn bullets(block: &str) -> Vec<String> {
    block
        .lines()
        .take_while(|line| !line.starts_with(":::"))
        .filter_map(|line| line.strip_prefix("* "))
        .map(|item| {
            let item = item.trim_start_matches(['`', '*']);
            let item = item.split_once(": ").map_or(item, |(value, _)| value);
            let end = item.find([' ', '`', '*']).unwrap_or(item.len());
            item[..end].to_owned()
        })
        .collect()
}

/// Checks our Ark transcription against the verbatim BytePlus pages: every request-body
/// parameter of the create page, every query parameter of the list page and every response
/// parameter of the retrieve and list pages is in the assembled spec with its documented type,
/// range, enum values and default. A field dropped from the transcription fails here.
#[test]
fn ark_byteplus_pages() {
    let page =
        std::fs::read_to_string(root().join("specs/ark/sources/byteplus-video-generation.md"))
            .unwrap();
    let doc = spec("ark");
    let source = seed("ark", "content-generation.transcribed.json");
    let schemas = &doc["components"]["schemas"];
    let create = section(
        &page,
        "# Creating a video generation task",
        Some("# Retrieve a video generation task"),
    );
    let retrieve = section(
        &page,
        "# Retrieve a video generation task",
        Some("# List video generation tasks"),
    );
    let list = section(
        &page,
        "# List video generation tasks",
        Some("# Cancel or delete a video generation task"),
    );
    // Per-model ranges: the spec holds the widest (2.x), the facade checks each model.
    let wider = ["duration"];
    let mut n_ranges = 0;

    let request = declarations(section(
        create,
        "### Request body",
        Some("## Response parameters"),
    ));
    let top_level: Vec<&str> = request
        .iter()
        .map(|d| d.path.as_str())
        .filter(|p| !p.contains('.'))
        .collect();
    assert_eq!(
        top_level,
        [
            "model",
            "content",
            "callback_url",
            "return_last_frame",
            "service_tier",
            "execution_expires_after",
            "generate_audio",
            "draft",
            "resolution",
            "ratio",
            "duration",
            "frames",
            "seed",
            "camera_fixed",
            "watermark"
        ],
        "the create page's request body parameters"
    );
    assert_eq!(request.len(), 24, "with the content item fields");
    for declared in &request {
        let (schema, nullable) = property(&doc, &schemas["CreateTaskRequest"], &declared.path);
        match schema.get("enum") {
            // A documented string with listed values is a closed request enum.
            Some(values) => {
                assert_eq!(schema["type"], "string", "{}: type", declared.path);
                let values: Vec<&str> = values
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v.as_str().unwrap())
                    .collect();
                // The content item's type and role values are prose; they are checked below.
                let documented = match declared.path.as_str() {
                    "content.type" | "content.role" => Vec::new(),
                    _ => bullets(&declared.block),
                };
                let listed = ["content.type", "content.role"].contains(&declared.path.as_str());
                assert!(
                    listed || !documented.is_empty(),
                    "{}: no documented values",
                    declared.path
                );
                for value in &documented {
                    assert!(
                        values.contains(&value.as_str()),
                        "{}: {value} not in {values:?}",
                        declared.path
                    );
                }
            }
            None => assert_type(&doc, declared, schema, nullable, false),
        }
        n_ranges += assert_ranges(declared, schema, wider.contains(&declared.path.as_str()));
        if let Some(default) = &declared.default {
            let expected: Value =
                serde_json::from_str(default).unwrap_or(Value::from(default.as_str()));
            let name = &declared.path;
            let seeded = &source["components"]["schemas"]["CreateTaskRequest"]["properties"][name];
            assert_eq!(
                seeded["default"], expected,
                "{name}: default in the transcription"
            );
            let built = &schemas["CreateTaskRequest"]["properties"][name];
            assert_eq!(
                built.get("default"),
                None,
                "{name}: a request default is still sent"
            );
            let description = built["description"].as_str().unwrap();
            assert!(
                description.ends_with(&format!("Default: {expected}.")),
                "{name}: the default {expected} is not in {description:?}"
            );
        }
    }
    // The content item types and image roles the page documents.
    let (item_type, _) = follow(&doc, &schemas["ContentItem"]["properties"]["type"]);
    let (role, _) = follow(&doc, &schemas["ContentItem"]["properties"]["role"]);
    for (schema, value) in [
        (item_type, "text"),
        (item_type, "image_url"),
        (item_type, "draft_task"),
        (role, "first_frame"),
        (role, "last_frame"),
        (role, "reference_image"),
    ] {
        assert!(
            schema["enum"]
                .as_array()
                .unwrap()
                .contains(&Value::from(value)),
            "{value}"
        );
    }

    let response = declarations(section(retrieve, "## Response parameters", None));
    assert_eq!(
        response.len(),
        25,
        "the retrieve page's response parameters"
    );
    for declared in &response {
        let (schema, nullable) = property(&doc, &schemas["Task"], &declared.path);
        if declared.path == "status" {
            let values: Vec<Value> = bullets(&declared.block)
                .into_iter()
                .map(Value::from)
                .collect();
            assert_eq!(schema["enum"], Value::from(values), "status values");
        } else {
            assert_type(&doc, declared, schema, nullable, false);
        }
    }

    let query = declarations(section(
        list,
        "### Query parameters",
        Some("## Response parameters"),
    ));
    assert_eq!(query.len(), 6, "the list page's query parameters");
    let parameters = doc["paths"]["/contents/generations/tasks"]["get"]["parameters"]
        .as_array()
        .unwrap();
    for declared in &query {
        let parameter = parameters
            .iter()
            .find(|p| p["name"] == declared.path.as_str())
            .unwrap_or_else(|| panic!("{}: the query parameter is missing", declared.path));
        assert_eq!(parameter["in"], "query");
        assert_eq!(
            parameter["required"], false,
            "{}: documented `null`",
            declared.path
        );
        let (schema, _) = follow(&doc, &parameter["schema"]);
        assert_type(&doc, declared, schema, false, true);
        n_ranges += assert_ranges(declared, schema, false);
        if declared.path == "filter.status" {
            let values: Vec<Value> = bullets(&declared.block)
                .into_iter()
                .map(Value::from)
                .collect();
            assert_eq!(schema["enum"], Value::from(values), "filter.status values");
        }
        if let Some(default) = &declared.default {
            let description = parameter["description"].as_str().unwrap();
            assert!(
                description.contains(&format!("Default: {default}")),
                "{}",
                declared.path
            );
        }
    }
    assert_eq!(
        parameters
            .iter()
            .find(|p| p["name"] == "filter.task_ids")
            .map(|p| (&p["style"], &p["explode"])),
        Some((&Value::from("form"), &Value::from(true))),
        "filter.task_ids repeats its key"
    );

    let items = declarations(section(list, "## Response parameters", None));
    assert_eq!(items.len(), 27, "the list page's response parameters");
    for declared in &items {
        // Nested fields of an item are written `error.code`, not `items.error.code`.
        let (root, path) = match declared.path.split_once('.') {
            Some(("items", rest)) => (&schemas["Task"], rest),
            Some(_) => (&schemas["Task"], declared.path.as_str()),
            None => (&schemas["TaskList"], declared.path.as_str()),
        };
        let (schema, nullable) = property(&doc, root, path);
        if path != "status" {
            assert_type(&doc, declared, schema, nullable, false);
        }
    }

    // [3600，259200], [-1, 2^32-1], [29, 289], [4, 12] twice (duration), [1, 500] twice.
    assert_eq!(n_ranges, 7, "documented ranges checked");
    assert_eq!(
        doc.pointer("/paths/~1contents~1generations~1tasks~1{id}/delete/operationId"),
        Some(&Value::from("delete_task"))
    );
}
