//! The capability check, run by `cargo xtask codegen` (and `--check`) and by `cargo test`: every
//! `specs/<provider>/capabilities.json` against the provider's assembled `openapi.json`.
//!
//! For each model entry and each request body schema its `request_schemas` points to: every
//! field the model takes whose `wire` name is known is a property of the schema; every value the
//! entry allows is one the schema accepts (resolutions, ratios, fps and output formats within the
//! property's enum; durations, frame counts, seeds, priorities and expiry within its range;
//! `duration_auto` only where -1 is a valid duration; text limits within its `maxLength`); every
//! model id is well formed and starts with one of its own entry's `id_prefixes` followed by a
//! digit, never with another model's; and every pointer resolves.
//!
//! The rest of the format (sources, modes, value names) is checked where it is read, by the
//! SDK's `capability::data` (its tests parse the copies this check guards).

use std::{collections::BTreeMap, fmt::Write as _, path::Path};

use anyhow::{Context, Result};
use serde::Deserialize;
use serde_json::Value;

use crate::{assemble, codegen};

/// The longest model id, and the characters an id is made of: `^[a-z0-9][a-z0-9._-]{0,127}$`.
const MAX_ID_LEN: usize = 128;
const ID_PATTERN: &str = "^[a-z0-9][a-z0-9._-]{0,127}$";

/// Every problem of every provider's `capabilities.json`, each naming the file, the model, the
/// capability and what the spec accepts.
pub(crate) fn check(root: &Path) -> Result<Vec<String>> {
    let mut problems = Vec::new();
    for provider in codegen::providers(root)? {
        let dir = root.join("specs").join(&provider);
        let path = dir.join("capabilities.json");
        if !path.exists() {
            continue;
        }
        let capabilities = assemble::read_json(&path)?;
        let spec = assemble::read_json(&dir.join("openapi.json"))?;
        problems.extend(check_document(
            &format!("specs/{provider}/capabilities.json"),
            &format!("specs/{provider}/openapi.json"),
            &capabilities,
            &spec,
        ));
    }
    Ok(problems)
}

/// Prints every problem; true when there are none.
pub(crate) fn report(root: &Path) -> Result<bool> {
    let problems = check(root).context("cannot check the capability data")?;
    if problems.is_empty() {
        return Ok(true);
    }
    eprintln!(
        "capabilities: {} problem(s) between specs/*/capabilities.json and the specs:",
        problems.len()
    );
    for problem in &problems {
        eprintln!("  - {problem}");
    }
    eprintln!(
        "fix the capability data (with its source) or the spec (a source or a patch), then run \
         `cargo xtask codegen`"
    );
    Ok(false)
}

/// What the check reads of a capability document; the SDK reads (and checks) the rest.
#[derive(Deserialize)]
struct Document {
    #[serde(default)]
    wire: BTreeMap<String, String>,
    models: Vec<Entry>,
}

/// What the check reads of one model's entry. Enum values stay JSON, to compare with the spec's.
#[derive(Deserialize)]
struct Entry {
    model: String,
    #[serde(default)]
    ids: Vec<ModelId>,
    #[serde(default)]
    id_prefixes: Vec<String>,
    duration: Option<(i64, i64)>,
    #[serde(default)]
    duration_auto: bool,
    #[serde(default)]
    frame_count: Option<(i64, i64)>,
    #[serde(default)]
    resolutions: Vec<Value>,
    #[serde(default)]
    ratios: Vec<Value>,
    #[serde(default)]
    seed: Option<(i64, i64)>,
    #[serde(default)]
    fps: Vec<Value>,
    #[serde(default)]
    prompt_max_chars: Option<u64>,
    #[serde(default)]
    execution_expires_after: Option<(i64, i64)>,
    #[serde(default)]
    priority: Option<(i64, i64)>,
    #[serde(default)]
    safety_identifier_max_chars: Option<u64>,
    #[serde(default)]
    output_formats: Vec<Value>,
    #[serde(default)]
    fields: Vec<String>,
    #[serde(default)]
    request_schemas: Vec<String>,
}

#[derive(Deserialize)]
struct ModelId {
    id: String,
}

/// The problems of one capability document (`file`) against its provider's spec (`spec_file`).
pub(crate) fn check_document(
    file: &str,
    spec_file: &str,
    capabilities: &Value,
    spec: &Value,
) -> Vec<String> {
    let document = match Document::deserialize(capabilities) {
        Ok(document) => document,
        Err(err) => return vec![format!("{file}: not a capability document: {err}")],
    };
    let mut problems = Vec::new();
    for entry in &document.models {
        let mut model = Model {
            file,
            entry,
            problems: &mut problems,
        };
        model.check_ids(&document.models);
        if entry.request_schemas.is_empty() {
            model.problem(
                "request_schemas",
                format!(
                    "is empty; allowed: one or more JSON pointers to the request body schemas \
                     in {spec_file} the model submits to"
                ),
            );
        }
        for pointer in &entry.request_schemas {
            match schema_at(spec, pointer) {
                Ok(schema) => model.check_schema(spec, &document.wire, &schema),
                Err(why) => model.problem(
                    "request_schemas",
                    format!("{pointer} does not resolve in {spec_file}: {why}"),
                ),
            }
        }
    }
    problems
}

/// A request body schema: where it is (after its `$ref`s) and its properties.
struct Schema<'a> {
    at: String,
    /// Property name -> (its JSON pointer, its schema).
    properties: BTreeMap<String, (String, &'a Value)>,
}

/// The schema at `pointer`, its `$ref`s followed, with the properties of its `allOf` branches.
fn schema_at<'a>(spec: &'a Value, pointer: &str) -> Result<Schema<'a>, String> {
    if !pointer.starts_with('/') {
        return Err("a JSON pointer starts with '/'".into());
    }
    let value = spec
        .pointer(pointer)
        .ok_or_else(|| "nothing is there".to_owned())?;
    let (at, schema) = located(spec, pointer, value)?;
    let mut properties = BTreeMap::new();
    collect_properties(spec, &at, schema, 0, &mut properties)?;
    Ok(Schema { at, properties })
}

fn collect_properties<'a>(
    spec: &'a Value,
    at: &str,
    schema: &'a Value,
    depth: usize,
    out: &mut BTreeMap<String, (String, &'a Value)>,
) -> Result<(), String> {
    if depth > seedance_openapi::MAX_DEPTH {
        return Err(seedance_openapi::RefError::TooDeep.to_string());
    }
    if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
        for (name, property) in properties {
            let place = format!("{at}/properties/{}", seedance_openapi::escape(name));
            out.entry(name.clone()).or_insert((place, property));
        }
    }
    let branches = schema.get("allOf").and_then(Value::as_array);
    for (idx, branch) in branches.into_iter().flatten().enumerate() {
        let (at, branch) = located(spec, &format!("{at}/allOf/{idx}"), branch)?;
        collect_properties(spec, &at, branch, depth + 1, out)?;
    }
    Ok(())
}

/// `value` (found at `at`) with its chain of `$ref`s followed, and the pointer of what it reaches.
fn located<'a>(spec: &'a Value, at: &str, value: &'a Value) -> Result<(String, &'a Value), String> {
    let target = seedance_openapi::resolve(spec, value).map_err(|err| err.to_string())?;
    let mut at = at.to_owned();
    let mut step = value;
    // `resolve` has checked the chain; this walk only names where it ends.
    while !std::ptr::eq(step, target) {
        let Some(pointer) = step
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix('#'))
        else {
            break;
        };
        let Some(next) = spec.pointer(pointer) else {
            break;
        };
        at = pointer.to_owned();
        step = next;
    }
    Ok((at, target))
}

/// A keyword of a property schema: on the property (its `$ref`s followed), or on the one schema
/// of its `allOf` (how a property with a description refers to a named enum).
fn keyword<'a>(spec: &'a Value, property: &'a Value, name: &str) -> Option<&'a Value> {
    let property = seedance_openapi::follow(spec, property);
    if let Some(found) = property.get(name) {
        return Some(found);
    }
    match property
        .get("allOf")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
    {
        Some([only]) => seedance_openapi::follow(spec, only).get(name),
        _ => None,
    }
}

/// What a numeric property allows: its bounds, or its enum.
enum Allowed<'a> {
    Bounds {
        minimum: Option<(f64, bool)>,
        maximum: Option<(f64, bool)>,
        shown: String,
    },
    Enum(&'a [Value]),
}

impl Allowed<'_> {
    fn of<'a>(spec: &'a Value, property: &'a Value) -> Option<Allowed<'a>> {
        if let Some(values) = keyword(spec, property, "enum").and_then(Value::as_array) {
            return Some(Allowed::Enum(values));
        }
        let bound = |name: &str, exclusive: &str| {
            let value = keyword(spec, property, name)?;
            let strict = keyword(spec, property, exclusive).and_then(Value::as_bool) == Some(true);
            Some((value.as_f64()?, strict, value.to_string()))
        };
        let minimum = bound("minimum", "exclusiveMinimum");
        let maximum = bound("maximum", "exclusiveMaximum");
        if minimum.is_none() && maximum.is_none() {
            return None;
        }
        let mut shown = Vec::new();
        if let Some((_, strict, text)) = &minimum {
            shown.push(format!(
                "{} {text}",
                if *strict { "above" } else { "minimum" }
            ));
        }
        if let Some((_, strict, text)) = &maximum {
            shown.push(format!(
                "{} {text}",
                if *strict { "below" } else { "maximum" }
            ));
        }
        Some(Allowed::Bounds {
            minimum: minimum.map(|(value, strict, _)| (value, strict)),
            maximum: maximum.map(|(value, strict, _)| (value, strict)),
            shown: shown.join(", "),
        })
    }

    /// Whether every integer of `[low, high]` is within the bounds (for an enum: within its
    /// smallest and largest value).
    fn contains_range(&self, (low, high): (i64, i64)) -> bool {
        // Capability values are far below 2^53, so the conversions are exact.
        let (low, high) = (low as f64, high as f64);
        match self {
            Allowed::Bounds {
                minimum, maximum, ..
            } => {
                minimum.is_none_or(|(min, strict)| if strict { low > min } else { low >= min })
                    && maximum
                        .is_none_or(|(max, strict)| if strict { high < max } else { high <= max })
            }
            Allowed::Enum(values) => {
                let numbers: Vec<f64> = values.iter().filter_map(Value::as_f64).collect();
                let min = numbers.iter().copied().reduce(f64::min);
                let max = numbers.iter().copied().reduce(f64::max);
                matches!((min, max), (Some(min), Some(max)) if low >= min && high <= max)
            }
        }
    }

    /// Whether `value` itself is allowed.
    fn allows(&self, value: i64) -> bool {
        match self {
            Allowed::Bounds { .. } => self.contains_range((value, value)),
            Allowed::Enum(values) => values.iter().any(|v| v.as_i64() == Some(value)),
        }
    }
}

impl std::fmt::Display for Allowed<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Allowed::Bounds { shown, .. } => f.write_str(shown),
            Allowed::Enum(values) => write!(f, "enum {}", list(values)),
        }
    }
}

/// Enum values as a reader writes them: `480p, 720p, 24`.
fn list(values: &[Value]) -> String {
    let mut out = String::new();
    for (idx, value) in values.iter().enumerate() {
        if idx > 0 {
            out.push_str(", ");
        }
        match value {
            Value::String(text) => out.push_str(text),
            other => {
                let _ = write!(out, "{other}");
            }
        }
    }
    out
}

/// One model entry being checked, and where its problems go.
struct Model<'a> {
    file: &'a str,
    entry: &'a Entry,
    problems: &'a mut Vec<String>,
}

impl Model<'_> {
    fn problem(&mut self, capability: &str, message: String) {
        self.problems.push(format!(
            "{}: {}: {capability}: {message}",
            self.file, self.entry.model
        ));
    }

    fn takes(&self, field: &str) -> bool {
        self.entry.fields.iter().any(|f| f == field)
    }

    /// Ids well formed, each with one of the entry's own prefixes and no other model's.
    fn check_ids(&mut self, models: &[Entry]) {
        let entry = self.entry;
        for prefix in &entry.id_prefixes {
            if !prefix.ends_with('-') {
                self.problem(
                    "id_prefixes",
                    format!(
                        "{prefix:?} does not end with '-'; allowed: an id's family, up to the \
                         dash before its version"
                    ),
                );
            }
        }
        let versioned = |id: &str, prefix: &str| {
            id.strip_prefix(prefix)
                .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_digit()))
        };
        for ModelId { id } in &entry.ids {
            if !well_formed(id) {
                self.problem(
                    "ids",
                    format!("{id:?} is not a well-formed model id; allowed: {ID_PATTERN}"),
                );
                continue;
            }
            let other = models
                .iter()
                .filter(|m| m.model != entry.model)
                .find_map(|m| {
                    let prefix = m.id_prefixes.iter().find(|p| versioned(id, p))?;
                    Some((&m.model, prefix))
                });
            if let Some((model, prefix)) = other {
                self.problem(
                    "ids",
                    format!(
                        "{id:?} starts with {prefix} and a digit, an id prefix of {model}: it is \
                         that model's id"
                    ),
                );
            } else if !entry.id_prefixes.iter().any(|p| versioned(id, p)) {
                self.problem(
                    "ids",
                    format!(
                        "{id:?} does not start with one of the model's id_prefixes followed by \
                         a digit ({})",
                        entry.id_prefixes.join(", ")
                    ),
                );
            }
        }
    }

    /// The entry against one of its request body schemas.
    fn check_schema(&mut self, spec: &Value, wire: &BTreeMap<String, String>, schema: &Schema<'_>) {
        let entry = self.entry;
        for field in &entry.fields {
            let Some(name) = wire.get(field) else {
                continue;
            };
            if !schema.properties.contains_key(name) {
                self.problem(
                    "fields",
                    format!(
                        "{field} (sent as {name}) is not a property of the schema at {} \
                         (properties: {})",
                        schema.at,
                        schema
                            .properties
                            .keys()
                            .map(String::as_str)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                );
            }
        }
        // The property a unified field is sent as, when the wire maps it and the schema has it.
        let property = |field: &str| {
            let (at, value) = schema.properties.get(wire.get(field)?)?;
            Some((at.as_str(), *value))
        };

        for (capability, field, values, always) in [
            ("resolutions", "resolution", &entry.resolutions, true),
            ("ratios", "ratio", &entry.ratios, true),
            ("fps", "fps", &entry.fps, false),
            (
                "output_formats",
                "output_format",
                &entry.output_formats,
                false,
            ),
        ] {
            if !always && !self.takes(field) {
                continue;
            }
            let Some((at, value)) = property(field) else {
                continue;
            };
            let Some(allowed) = keyword(spec, value, "enum").and_then(Value::as_array) else {
                continue;
            };
            for value in values.iter().filter(|v| !allowed.contains(v)) {
                self.problem(
                    capability,
                    format!(
                        "{value} is not in the spec's enum at {at} ({})",
                        list(allowed)
                    ),
                );
            }
        }

        let ranges = [
            ("duration", "duration", entry.duration, true),
            ("frame_count", "frames", entry.frame_count, false),
            ("seed", "seed", entry.seed, false),
            ("priority", "priority", entry.priority, false),
            (
                "execution_expires_after",
                "execution_expires_after",
                entry.execution_expires_after,
                false,
            ),
        ];
        for (capability, field, range, always) in ranges {
            if !always && !self.takes(field) {
                continue;
            }
            let (Some(range), Some((at, value))) = (range, property(field)) else {
                continue;
            };
            let Some(allowed) = Allowed::of(spec, value) else {
                continue;
            };
            if !allowed.contains_range(range) {
                self.problem(
                    capability,
                    format!(
                        "[{}, {}] is not within the spec's range at {at} ({allowed})",
                        range.0, range.1
                    ),
                );
            }
        }
        if entry.duration_auto
            && let Some((at, value)) = property("duration")
            && let Some(allowed) = Allowed::of(spec, value)
            && !allowed.allows(-1)
        {
            self.problem(
                "duration_auto",
                format!(
                    "true needs duration -1 (the model chooses), which the spec's property at \
                     {at} does not allow ({allowed})"
                ),
            );
        }

        for (capability, field, limit, always) in [
            (
                "safety_identifier_max_chars",
                "safety_identifier",
                entry.safety_identifier_max_chars,
                false,
            ),
            ("prompt_max_chars", "prompt", entry.prompt_max_chars, true),
        ] {
            if !always && !self.takes(field) {
                continue;
            }
            let (Some(limit), Some((at, value))) = (limit, property(field)) else {
                continue;
            };
            let Some(max) = keyword(spec, value, "maxLength").and_then(Value::as_u64) else {
                continue;
            };
            if limit > max {
                self.problem(
                    capability,
                    format!("{limit} is more than the spec's maxLength at {at} ({max})"),
                );
            }
        }
    }
}

/// `^[a-z0-9][a-z0-9._-]{0,127}$`.
fn well_formed(id: &str) -> bool {
    let mut bytes = id.bytes();
    bytes
        .next()
        .is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        && id.len() <= MAX_ID_LEN
        && bytes.all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root() -> std::path::PathBuf {
        crate::project_root().expect("tests run inside the workspace")
    }

    fn read(provider: &str, file: &str) -> Value {
        assemble::read_json(&root().join("specs").join(provider).join(file)).unwrap()
    }

    /// The committed capability data agrees with the committed specs.
    #[test]
    fn the_committed_capabilities_match_the_specs() {
        let problems = check(&root()).unwrap();
        assert!(problems.is_empty(), "{problems:#?}");
        let checked = codegen::providers(&root())
            .unwrap()
            .into_iter()
            .filter(|p| {
                root()
                    .join("specs")
                    .join(p)
                    .join("capabilities.json")
                    .exists()
            })
            .count();
        assert!(checked >= 4, "only {checked} capability files");
    }

    /// The real document of `provider` with `edit` applied to the entry of `model`, checked
    /// against the real spec: the problems are exactly `expect`.
    #[track_caller]
    fn check_edited(provider: &str, model: &str, edit: impl FnOnce(&mut Value), expect: &[&str]) {
        let mut capabilities = read(provider, "capabilities.json");
        let spec = read(provider, "openapi.json");
        let entry = capabilities["models"]
            .as_array_mut()
            .unwrap()
            .iter_mut()
            .find(|m| m["model"] == model)
            .unwrap_or_else(|| panic!("no {model} in {provider}"));
        edit(entry);
        let problems = check_document(
            &format!("specs/{provider}/capabilities.json"),
            &format!("specs/{provider}/openapi.json"),
            &capabilities,
            &spec,
        );
        assert_eq!(problems, expect);
    }

    fn push(entry: &mut Value, key: &str, value: Value) {
        entry[key].as_array_mut().unwrap().push(value);
    }

    #[test]
    fn a_resolution_the_spec_lacks() {
        check_edited(
            "ark",
            "seedance-2.5",
            |e| push(e, "resolutions", "8k".into()),
            &[
                "specs/ark/capabilities.json: seedance-2.5: resolutions: \"8k\" is not in the spec's \
               enum at /components/schemas/CreateTaskRequest/properties/resolution (480p, 720p, \
               1080p, 4k)",
            ],
        );
        check_edited(
            "modellix",
            "seedance-2.0-fast",
            |e| push(e, "ratios", "adaptive".into()),
            &[
                "specs/modellix/capabilities.json: seedance-2.0-fast: ratios: \"adaptive\" is not \
               in the spec's enum at /paths/~1bytedance~1seedance-2.0-fast-i2v~1async/post/\
               requestBody/content/application~1json/schema/properties/ratio (21:9, 16:9, 4:3, \
               1:1, 3:4, 9:16)",
            ],
        );
    }

    #[test]
    fn a_duration_beyond_the_spec() {
        check_edited(
            "ark",
            "seedance-2.5",
            |e| e["duration"] = serde_json::json!([4, 31]),
            &[
                "specs/ark/capabilities.json: seedance-2.5: duration: [4, 31] is not within the \
               spec's range at /components/schemas/CreateTaskRequest/properties/duration \
               (minimum -1, maximum 30)",
            ],
        );
        // Modellix gives durations as an enum: its smallest and largest value bound the range.
        check_edited(
            "modellix",
            "seedance-2.0-fast",
            |e| e["duration"] = serde_json::json!([4, 16]),
            &[
                "specs/modellix/capabilities.json: seedance-2.0-fast: duration: [4, 16] is not \
               within the spec's range at /paths/~1bytedance~1seedance-2.0-fast-i2v~1async/post/\
               requestBody/content/application~1json/schema/properties/duration (enum 4, 5, 6, 7, \
               8, 9, 10, 11, 12, 13, 14, 15)",
            ],
        );
    }

    #[test]
    fn duration_auto_where_the_spec_refuses_minus_one() {
        check_edited(
            "modellix",
            "seedance-2.0-fast",
            |e| e["duration_auto"] = true.into(),
            &[
                "specs/modellix/capabilities.json: seedance-2.0-fast: duration_auto: true needs \
               duration -1 (the model chooses), which the spec's property at \
               /paths/~1bytedance~1seedance-2.0-fast-i2v~1async/post/requestBody/content/\
               application~1json/schema/properties/duration does not allow (enum 4, 5, 6, 7, 8, \
               9, 10, 11, 12, 13, 14, 15)",
            ],
        );
        // The same where the spec gives bounds, through the request body's `$ref`.
        check_edited(
            "odkkk",
            "seedance-1.5-pro",
            |e| e["duration_auto"] = true.into(),
            &[
                "specs/odkkk/capabilities.json: seedance-1.5-pro: duration_auto: true needs \
               duration -1 (the model chooses), which the spec's property at \
               /components/schemas/VideoGenerationRequest/properties/duration does not allow \
               (minimum 4, maximum 12)",
            ],
        );
    }

    /// A model with two request schemas (text and image to video) is checked against each.
    #[test]
    fn every_request_schema_of_a_model() {
        check_edited(
            "jiekou",
            "seedance-1.5-pro",
            |e| push(e, "fps", 30.into()),
            &[
                "specs/jiekou/capabilities.json: seedance-1.5-pro: fps: 30 is not in the spec's \
                 enum at /components/schemas/SeedanceV15ProT2vRequest/properties/fps (24)",
                "specs/jiekou/capabilities.json: seedance-1.5-pro: fps: 30 is not in the spec's \
                 enum at /components/schemas/SeedanceV15ProI2vRequest/properties/fps (24)",
            ],
        );
        // Jiekou's wire maps fps; a model that does not take it is not held to its enum.
        check_edited(
            "jiekou",
            "seedance-1.5-pro",
            |e| {
                push(e, "fps", 30.into());
                let fields = e["fields"].as_array_mut().unwrap();
                fields.retain(|f| f != "fps");
            },
            &[],
        );
    }

    #[test]
    fn a_field_the_schema_lacks() {
        check_edited(
            "modellix",
            "seedance-2.0-fast",
            |e| push(e, "fields", "service_tier".into()),
            &[
                "specs/modellix/capabilities.json: seedance-2.0-fast: fields: service_tier (sent as \
               service_tier) is not a property of the schema at /paths/~1bytedance~1seedance-2.0-\
               fast-i2v~1async/post/requestBody/content/application~1json/schema (properties: \
               audio_urls, camera_fixed, duration, execution_expires_after, first_frame_image, \
               generate_audio, last_frame_image, prompt, ratio, reference_images, resolution, \
               return_last_frame, seed)",
            ],
        );
    }

    #[test]
    fn an_output_format_the_enum_lacks() {
        check_edited(
            "ark",
            "seedance-2.5",
            |e| push(e, "output_formats", "webm".into()),
            &[
                "specs/ark/capabilities.json: seedance-2.5: output_formats: \"webm\" is not in the \
               spec's enum at /components/schemas/CreateTaskRequest/properties/output_format \
               (mp4, mov)",
            ],
        );
    }

    #[test]
    fn a_malformed_id() {
        check_edited(
            "ark",
            "seedance-2.5",
            |e| {
                push(
                    e,
                    "ids",
                    serde_json::json!({"id": "Dreamina Seedance", "site": "byteplus"}),
                )
            },
            &[
                "specs/ark/capabilities.json: seedance-2.5: ids: \"Dreamina Seedance\" is not a \
               well-formed model id; allowed: ^[a-z0-9][a-z0-9._-]{0,127}$",
            ],
        );
    }

    /// A Flash id is never an id of 2.5 (whose prefix it also starts with), and a 2.5 id never
    /// one of Flash.
    #[test]
    fn an_id_of_another_model() {
        check_edited(
            "ark",
            "seedance-2.5",
            |e| {
                let flash = serde_json::json!({"id": "dreamina-seedance-2-5-flash-261115", "site": "byteplus"});
                push(e, "ids", flash);
            },
            &[
                "specs/ark/capabilities.json: seedance-2.5: ids: \"dreamina-seedance-2-5-flash-261115\" \
               starts with dreamina-seedance-2-5-flash- and a digit, an id prefix of \
               seedance-2.5-flash: it is that model's id",
            ],
        );
        check_edited(
            "ark",
            "seedance-2.5-flash",
            |e| {
                let full =
                    serde_json::json!({"id": "dreamina-seedance-2-5-260628", "site": "byteplus"});
                push(e, "ids", full);
            },
            &["specs/ark/capabilities.json: seedance-2.5-flash: ids: \
               \"dreamina-seedance-2-5-260628\" starts with dreamina-seedance-2-5- and a digit, an \
               id prefix of seedance-2.5: it is that model's id"],
        );
        check_edited(
            "ark",
            "seedance-2.5-flash",
            |e| push(e, "id_prefixes", "seedance-2-5-flash".into()),
            &[
                "specs/ark/capabilities.json: seedance-2.5-flash: id_prefixes: \
               \"seedance-2-5-flash\" does not end with '-'; allowed: an id's family, up to the \
               dash before its version",
            ],
        );
        check_edited(
            "ark",
            "seedance-2.0",
            |e| {
                push(
                    e,
                    "ids",
                    serde_json::json!({"id": "seedance-2-0-260128", "site": "byteplus"}),
                )
            },
            &[
                "specs/ark/capabilities.json: seedance-2.0: ids: \"seedance-2-0-260128\" does not \
               start with one of the model's id_prefixes followed by a digit \
               (dreamina-seedance-2-0-, doubao-seedance-2-0-)",
            ],
        );
    }

    #[test]
    fn a_bad_pointer() {
        check_edited(
            "ark",
            "seedance-2.5",
            |e| e["request_schemas"] = serde_json::json!(["/components/schemas/CreateTaskRequst"]),
            &[
                "specs/ark/capabilities.json: seedance-2.5: request_schemas: \
               /components/schemas/CreateTaskRequst does not resolve in specs/ark/openapi.json: \
               nothing is there",
            ],
        );
        check_edited(
            "ark",
            "seedance-2.5",
            |e| e["request_schemas"] = serde_json::json!([]),
            &[
                "specs/ark/capabilities.json: seedance-2.5: request_schemas: is empty; allowed: one \
               or more JSON pointers to the request body schemas in specs/ark/openapi.json the \
               model submits to",
            ],
        );
    }

    /// The other ranges and limits, each only where the model takes the field.
    #[test]
    fn ranges_and_limits_of_the_fields_the_model_takes() {
        check_edited(
            "ark",
            "seedance-1.0-pro",
            |e| {
                e["seed"] = serde_json::json!([-2, 4294967295_u64]);
                e["frame_count"] = serde_json::json!([29, 293]);
                e["safety_identifier_max_chars"] = 65.into();
            },
            &[
                "specs/ark/capabilities.json: seedance-1.0-pro: frame_count: [29, 293] is not \
                 within the spec's range at /components/schemas/CreateTaskRequest/properties/\
                 frames (minimum 29, maximum 289)",
                "specs/ark/capabilities.json: seedance-1.0-pro: seed: [-2, 4294967295] is not \
                 within the spec's range at /components/schemas/CreateTaskRequest/properties/seed \
                 (minimum -1, maximum 4294967295)",
                "specs/ark/capabilities.json: seedance-1.0-pro: safety_identifier_max_chars: 65 is \
                 more than the spec's maxLength at /components/schemas/CreateTaskRequest/\
                 properties/safety_identifier (64)",
            ],
        );
        // Seedance 2.x takes no seed: its (wrong) range is not checked.
        check_edited(
            "ark",
            "seedance-2.0",
            |e| e["seed"] = serde_json::json!([-2, 1]),
            &[],
        );
        check_edited(
            "modellix",
            "seedance-2.0-fast",
            |e| e["prompt_max_chars"] = 10001.into(),
            &[
                "specs/modellix/capabilities.json: seedance-2.0-fast: prompt_max_chars: 10001 is \
               more than the spec's maxLength at /paths/~1bytedance~1seedance-2.0-fast-i2v~1async/\
               post/requestBody/content/application~1json/schema/properties/prompt (10000)",
            ],
        );
    }

    #[test]
    fn ids_are_well_formed() {
        for (id, ok) in [
            ("dreamina-seedance-2-5-260628", true),
            ("seedance-1.5-pro", true),
            ("0", true),
            ("", false),
            ("-seedance", false),
            ("Seedance", false),
            ("seedance 2", false),
            ("seedance/2", false),
        ] {
            assert_eq!(well_formed(id), ok, "{id:?}");
        }
        assert!(well_formed(&"a".repeat(128)));
        assert!(!well_formed(&"a".repeat(129)));
    }
}
