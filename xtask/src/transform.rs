//! Named transforms a provider's `patches.json` can apply to its whole document.

use anyhow::{Result, bail};
use serde_json::{Map, Value, json};

/// Applies the transform `name` to `doc`.
pub(crate) fn apply(name: &str, doc: &mut Value) -> Result<()> {
    match name {
        "openapi-3.1-to-3.0" => downgrade(doc),
        "request-defaults-to-descriptions" => {
            request_defaults_to_descriptions(doc);
            Ok(())
        }
        other => bail!(
            "unknown transform {other:?}; known: openapi-3.1-to-3.0, \
             request-defaults-to-descriptions"
        ),
    }
}

/// Rewrites OpenAPI 3.1 syntax into its OpenAPI 3.0.3 equivalent.
pub(crate) fn downgrade(doc: &mut Value) -> Result<()> {
    let Value::Object(root) = doc else {
        bail!("the document is not a JSON object");
    };
    root.insert("openapi".into(), json!("3.0.3"));
    for key in ["webhooks", "jsonSchemaDialect"] {
        root.remove(key);
    }
    if let Some(Value::Object(info)) = root.get_mut("info") {
        info.remove("summary");
        if let Some(Value::Object(license)) = info.get_mut("license") {
            license.remove("identifier");
        }
    }
    downgrade_value(doc, "")
}

fn downgrade_value(value: &mut Value, at: &str) -> Result<()> {
    match value {
        Value::Array(items) => {
            for (index, item) in items.iter_mut().enumerate() {
                downgrade_value(item, &format!("{at}/{index}"))?;
            }
            Ok(())
        }
        Value::Object(map) => {
            downgrade_object(map, at)?;
            for (key, child) in map.iter_mut() {
                downgrade_value(child, &format!("{at}/{key}"))?;
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

fn downgrade_object(map: &mut Map<String, Value>, at: &str) -> Result<()> {
    // 3.0 ignores everything beside a $ref; progenitor's parser rejects it.
    if map.contains_key("$ref") {
        map.retain(|key, _| key == "$ref");
        return Ok(());
    }
    if let Some(Value::Array(types)) = map.get("type").cloned() {
        let mut rest: Vec<Value> = types.into_iter().filter(|t| t != "null").collect();
        let nullable = rest.len() < map["type"].as_array().map_or(0, Vec::len);
        match rest.len() {
            1 => {
                map.insert("type".into(), rest.remove(0));
            }
            0 => bail!("{at}/type: a schema whose only type is null has no 3.0 equivalent"),
            _ => bail!("{at}/type: several types {rest:?} have no 3.0 equivalent"),
        }
        if nullable {
            map.insert("nullable".into(), json!(true));
        }
    }
    if let Some(constant) = map.remove("const") {
        map.insert("enum".into(), json!([constant]));
    }
    for (exclusive, bound) in [
        ("exclusiveMinimum", "minimum"),
        ("exclusiveMaximum", "maximum"),
    ] {
        if let Some(limit) = map.get(exclusive).filter(|v| v.is_number()).cloned() {
            map.insert(bound.into(), limit);
            map.insert(exclusive.into(), json!(true));
        }
    }
    if let Some(Value::Array(examples)) = map.get("examples").cloned() {
        map.remove("examples");
        if let Some(first) = examples.into_iter().next() {
            map.entry("example").or_insert(first);
        }
    }
    for key in ["oneOf", "anyOf"] {
        let Some(Value::Array(branches)) = map.get(key).cloned() else {
            continue;
        };
        let is_null = |b: &Value| b.get("type").and_then(Value::as_str) == Some("null");
        if !branches.iter().any(is_null) {
            continue;
        }
        let mut rest: Vec<Value> = branches.into_iter().filter(|b| !is_null(b)).collect();
        map.insert("nullable".into(), json!(true));
        if rest.len() == 1 {
            map.remove(key);
            map.insert("allOf".into(), json!([rest.remove(0)]));
        } else {
            map.insert(key.into(), Value::Array(rest));
        }
    }
    Ok(())
}

/// Moves `default` out of every request-body schema property into its description.
///
/// progenitor serializes every defaulted field, so a documented default in a request schema
/// would be sent even when the caller never set it; without `default` the field is an `Option`
/// that is skipped when `None`, and the provider applies its own default.
pub(crate) fn request_defaults_to_descriptions(doc: &mut Value) {
    let mut components = Vec::new();
    let mut inline = Vec::new();
    for (path, item) in doc
        .get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        for (method, operation) in item.as_object().into_iter().flatten() {
            for (media, content) in operation
                .pointer("/requestBody/content")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
            {
                if content.get("schema").is_some() {
                    let escape = seedance_openapi::escape;
                    inline.push(format!(
                        "/paths/{}/{method}/requestBody/content/{}/schema",
                        escape(path),
                        escape(media)
                    ));
                }
            }
        }
    }
    for pointer in &inline {
        if let Some(schema) = doc.pointer(pointer) {
            collect_refs(doc, schema, &mut components);
        }
    }
    let targets = inline.into_iter().chain(
        components
            .iter()
            .map(|name| format!("/components/schemas/{}", seedance_openapi::escape(name))),
    );
    for pointer in targets.collect::<Vec<_>>() {
        if let Some(schema) = doc.pointer_mut(&pointer) {
            strip_property_defaults(schema);
        }
    }
}

fn collect_refs(doc: &Value, schema: &Value, found: &mut Vec<String>) {
    match schema {
        Value::Object(map) => {
            if let Some(name) = map
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| r.strip_prefix("#/components/schemas/"))
                && !found.iter().any(|f| f == name)
            {
                found.push(name.to_owned());
                if let Some(target) = doc.pointer(&format!("/components/schemas/{name}")) {
                    collect_refs(doc, target, found);
                }
            }
            map.values().for_each(|v| collect_refs(doc, v, found));
        }
        Value::Array(items) => items.iter().for_each(|v| collect_refs(doc, v, found)),
        _ => {}
    }
}

fn strip_property_defaults(schema: &mut Value) {
    if let Some(Value::Object(properties)) = schema.get_mut("properties") {
        for property in properties.values_mut() {
            let Value::Object(fields) = property else {
                continue;
            };
            if let Some(default) = fields.remove("default") {
                let note = format!("Default: {default}.");
                let description = match fields.get("description").and_then(Value::as_str) {
                    Some(text) if !text.trim().is_empty() => {
                        format!("{}\n\n{note}", text.trim_end())
                    }
                    _ => note,
                };
                fields.insert("description".into(), Value::String(description));
            }
            strip_property_defaults(property);
        }
    }
    for key in ["items", "additionalProperties"] {
        if let Some(child) = schema.get_mut(key) {
            strip_property_defaults(child);
        }
    }
    for key in ["allOf", "oneOf", "anyOf"] {
        if let Some(Value::Array(children)) = schema.get_mut(key) {
            children.iter_mut().for_each(strip_property_defaults);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn downgrades_31_syntax() {
        let mut doc = json!({
            "openapi": "3.1.0",
            "info": {"title": "t", "version": "1", "license": {"name": "MIT", "identifier": "MIT"}},
            "components": {"schemas": {
                "A": {"type": ["string", "null"], "examples": ["x"]},
                "B": {"type": "integer", "exclusiveMaximum": 10},
                "C": {"const": "only"},
                "D": {"oneOf": [{"$ref": "#/components/schemas/A"}, {"type": "null"}]},
                "E": {"$ref": "#/components/schemas/A", "description": "dropped"},
            }},
        });
        downgrade(&mut doc).unwrap();
        assert_eq!(
            doc,
            json!({
                "openapi": "3.0.3",
                "info": {"title": "t", "version": "1", "license": {"name": "MIT"}},
                "components": {"schemas": {
                    "A": {"type": "string", "nullable": true, "example": "x"},
                    "B": {"type": "integer", "maximum": 10, "exclusiveMaximum": true},
                    "C": {"enum": ["only"]},
                    "D": {"allOf": [{"$ref": "#/components/schemas/A"}], "nullable": true},
                    "E": {"$ref": "#/components/schemas/A"},
                }},
            })
        );
    }

    #[test]
    fn moves_request_defaults_only() {
        let mut doc = json!({
            "paths": {"/x": {"post": {
                "requestBody": {"content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/Req"}}}},
                "responses": {"200": {"content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/Res"}}}}},
            }}},
            "components": {"schemas": {
                "Req": {"properties": {
                    "n": {"type": "integer", "default": 5, "description": "Count."}}},
                "Res": {"properties": {"m": {"type": "integer", "default": 1}}},
            }},
        });
        request_defaults_to_descriptions(&mut doc);
        assert_eq!(
            doc.pointer("/components/schemas/Req/properties/n").unwrap(),
            &json!({"type": "integer", "description": "Count.\n\nDefault: 5."})
        );
        assert_eq!(
            doc.pointer("/components/schemas/Res/properties/m/default"),
            Some(&json!(1))
        );
    }
}
