//! The facade's capability matrix agrees with the assembled specs: every duration range,
//! resolution, ratio, seed range and frame rate it allows is what the provider's request schema
//! documents, and every field it lets through exists in that schema.

use seedance_sdk::{Field, Model, Provider};
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
            for field in caps.fields {
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

/// The JSON Schema of the unified request, exported for tools and agents.
#[test]
fn unified_request_json_schema() {
    insta::assert_json_snapshot!(seedance_sdk::VideoRequest::json_schema());
}
