//! Request validation against each provider's own spec, with the JSON Schema validator.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex, OnceLock},
};

use seedance_openapi::escape;
use serde_json::{Map, Value, json};

/// The assembled specs, compiled into the simulator so it checks requests exactly as documented.
const SPECS: [(&str, &str); 4] = [
    ("modellix", include_str!("../specs/modellix.json")),
    ("jiekou", include_str!("../specs/jiekou.json")),
    ("odkkk", include_str!("../specs/odkkk.json")),
    ("ark", include_str!("../specs/ark.json")),
];

/// The spec of `provider`, parsed once.
pub(crate) fn spec(provider: &str) -> &'static Value {
    static PARSED: OnceLock<HashMap<&'static str, Value>> = OnceLock::new();
    let parsed = PARSED.get_or_init(|| {
        SPECS
            .iter()
            .map(|(name, text)| (*name, serde_json::from_str(text).expect("specs are JSON")))
            .collect()
    });
    &parsed[provider]
}

/// A request body that breaks its schema (or a provider's own rule): the first offending field
/// and a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Invalid {
    pub(crate) param: String,
    pub(crate) message: String,
    /// The provider's specific error code, when the rule has one (Ark's
    /// `InvalidParameter.TaskTypeConstraint`); `None`: the provider's code for a 400.
    pub(crate) code: Option<&'static str>,
}

/// Validates `body` against the request schema of `POST spec_path` of `provider`.
pub(crate) fn request_body(provider: &str, spec_path: &str, body: &Value) -> Result<(), Invalid> {
    let pointer = format!(
        "/paths/{}/post/requestBody/content/application~1json/schema",
        escape(spec_path)
    );
    match schema_errors(provider, &pointer, body).into_iter().next() {
        None => Ok(()),
        Some((path, message)) => {
            let mut param = path
                .trim_start_matches('/')
                .split('/')
                .next()
                .unwrap_or_default()
                .to_owned();
            if param.is_empty() {
                // A missing required property is reported on the object itself.
                param = message.split('"').nth(1).unwrap_or_default().to_owned();
            }
            Err(Invalid {
                param,
                message,
                code: None,
            })
        }
    }
}

/// Validates the query of `GET spec_path` of `provider`: each pair whose key the spec declares
/// (a repeated key is an array parameter's items), with integers parsed as the schema says.
/// Keys the spec does not declare are ignored, as HTTP APIs commonly do.
pub(crate) fn query(
    provider: &str,
    spec_path: &str,
    pairs: &[(String, String)],
) -> Result<(), Invalid> {
    let operation = format!("/paths/{}/get", escape(spec_path));
    let parameters = spec(provider)
        .pointer(&format!("{operation}/parameters"))
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for (key, text) in pairs {
        let Some(index) = parameters
            .iter()
            .position(|p| p["in"] == "query" && p["name"] == key.as_str())
        else {
            continue;
        };
        let mut pointer = format!("{operation}/parameters/{index}/schema");
        let mut schema = &parameters[index]["schema"];
        if schema["type"] == "array" {
            pointer.push_str("/items");
            schema = &schema["items"];
        }
        let value = if schema["type"] == "integer" {
            match text.parse::<i64>() {
                Ok(n) => json!(n),
                Err(_) => {
                    return Err(Invalid {
                        param: key.clone(),
                        message: format!("{text:?} is not an integer"),
                        code: None,
                    });
                }
            }
        } else {
            json!(text)
        };
        if let Some((_, message)) = schema_errors(provider, &pointer, &value).into_iter().next() {
            return Err(Invalid {
                param: key.clone(),
                message,
                code: None,
            });
        }
    }
    Ok(())
}

/// Every error of `instance` against the schema at `pointer` of `provider`'s spec, as
/// (instance path, message). Validators are compiled once per schema.
pub(crate) fn schema_errors(
    provider: &str,
    pointer: &str,
    instance: &Value,
) -> Vec<(String, String)> {
    type Cache = Mutex<HashMap<(String, String), Arc<jsonschema::Validator>>>;
    static CACHE: OnceLock<Cache> = OnceLock::new();
    let key = (provider.to_owned(), pointer.to_owned());
    let cached = CACHE
        .get_or_init(Default::default)
        .lock()
        .expect("validator cache lock")
        .get(&key)
        .cloned();
    let validator = match cached {
        Some(validator) => validator,
        None => {
            let validator = Arc::new(compile(spec(provider), pointer));
            CACHE
                .get_or_init(Default::default)
                .lock()
                .expect("validator cache lock")
                .insert(key, validator.clone());
            validator
        }
    };
    validator
        .iter_errors(instance)
        .map(|err| (err.instance_path().to_string(), err.to_string()))
        .collect()
}

/// Every error of `instance` against the schema at JSON pointer `pointer` of the OpenAPI 3.0
/// document `spec`, as (instance path, message). Compiles the schema on each call.
pub fn openapi_schema_errors(
    spec: &Value,
    pointer: &str,
    instance: &Value,
) -> Vec<(String, String)> {
    compile(spec, pointer)
        .iter_errors(instance)
        .map(|err| (err.instance_path().to_string(), err.to_string()))
        .collect()
}

/// A validator for the schema at `pointer` of the OpenAPI `spec`: OpenAPI 3.0 schemas are
/// draft-4 schemas plus `nullable`, rewritten into a type union; `$ref`s resolve in the spec.
fn compile(spec: &Value, pointer: &str) -> jsonschema::Validator {
    let mut document = Map::new();
    // A pointer in a URI fragment percent-encodes what a URI cannot carry (RFC 6901 section 6).
    let fragment = pointer.replace('{', "%7B").replace('}', "%7D");
    document.insert("$ref".into(), json!(format!("#{fragment}")));
    for key in ["components", "paths"] {
        let mut part = spec[key].clone();
        rewrite_nullable(&mut part);
        document.insert(key.into(), part);
    }
    jsonschema::draft4::new(&Value::Object(document))
        .unwrap_or_else(|err| panic!("the schema at {pointer} compiles: {err}"))
}

fn rewrite_nullable(value: &mut Value) {
    match value {
        Value::Object(map) => {
            if map.remove("nullable") == Some(json!(true)) {
                match map.get("type").cloned() {
                    Some(Value::String(ty)) => {
                        map.insert("type".into(), json!([ty, "null"]));
                        // A nullable enum lists its values only; null is allowed too.
                        if let Some(Value::Array(values)) = map.get_mut("enum") {
                            values.push(Value::Null);
                        }
                    }
                    _ => {
                        let inner = Value::Object(std::mem::take(map));
                        map.insert("anyOf".into(), json!([inner, {"type": "null"}]));
                    }
                }
            }
            map.values_mut().for_each(rewrite_nullable);
        }
        Value::Array(items) => items.iter_mut().for_each(rewrite_nullable),
        _ => {}
    }
}
