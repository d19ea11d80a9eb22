//! The generator's own rules, checked on the raw JSON so a violation names its JSON pointer
//! instead of surfacing as a progenitor panic.
//!
//! - The document is OpenAPI 3.0.x (progenitor reads nothing else).
//! - Every operation has a unique `operationId` (it names the generated method).
//! - Within one operation, all success responses share one schema and all error responses
//!   share one schema (progenitor asserts this: upstream issue #950).
//! - A string enum reached from a response is a named schema under `components/schemas` that no
//!   request uses. Such enums are returned as [`OpenEnum`]s: progenitor's enums are closed, and
//!   a provider adding a status must not break deserialization.

use std::collections::{BTreeMap, BTreeSet};

use seedance_openapi::{escape, operations};
use serde_json::Value;

use crate::OpenEnum;

/// A broken rule: where, and what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// JSON pointer of the offending place.
    pub place: String,
    /// What is wrong and how to fix it.
    pub message: String,
}

const COMPONENT_PREFIX: &str = "#/components/schemas/";

/// Checks `doc` and returns the response enums to render as open enums, sorted by name.
pub fn check(doc: &Value) -> Result<Vec<OpenEnum>, Violation> {
    let version = doc.get("openapi").and_then(Value::as_str).unwrap_or("");
    if !version.starts_with("3.0.") {
        return Err(violation(
            "/openapi".into(),
            format!(
                "OpenAPI version {version:?} is not 3.0.x; progenitor reads 3.0 only (add the \
                 `openapi-3.1-to-3.0` transform to the provider's patches.json)"
            ),
        ));
    }
    let components = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let mut walk = Walk {
        components: &components,
        request_refs: BTreeSet::new(),
        response_refs: BTreeSet::new(),
    };
    let mut operation_ids = BTreeMap::new();

    for op in operations(doc) {
        let (item, operation) = (op.item, op.operation);
        let here = op.pointer();
        let Some(id) = operation.get("operationId").and_then(Value::as_str) else {
            return Err(violation(
                here,
                "operation has no operationId; add one (it names the generated method)".into(),
            ));
        };
        if let Some(first) = operation_ids.insert(id.to_owned(), here.clone()) {
            return Err(violation(
                format!("{here}/operationId"),
                format!("operationId {id:?} is also used at {first}; make it unique"),
            ));
        }
        check_response_schemas(operation, &here)?;
        walk_request(&mut walk, operation, item, &here)?;
        for (status, response) in operation
            .get("responses")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            let at = format!("{here}/responses/{status}");
            walk.content(response.get("content"), &at, Side::Response)?;
        }
    }

    let mut open = Vec::new();
    for name in &walk.response_refs {
        let schema = &components[name];
        let Some(values) = string_enum(schema) else {
            continue;
        };
        if walk.request_refs.contains(name) {
            return Err(violation(
                format!("/components/schemas/{}", escape(name)),
                format!(
                    "enum {name} is used by a request and a response; give the request its own \
                     (closed) enum so the response one can be open"
                ),
            ));
        }
        open.push(OpenEnum {
            name: name.clone(),
            description: schema
                .get("description")
                .and_then(Value::as_str)
                .map(str::to_owned),
            values,
        });
    }
    Ok(open)
}

fn check_response_schemas(operation: &Value, here: &str) -> Result<(), Violation> {
    let mut success: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    let mut failure: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    for (status, response) in operation
        .get("responses")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        let schema = response
            .pointer("/content/application~1json/schema")
            .map(Value::to_string)
            .unwrap_or_else(|| "(no JSON body)".into());
        let bucket = if status.starts_with('2') || status == "default" {
            &mut success
        } else {
            &mut failure
        };
        bucket.entry(schema).or_default().push(status);
    }
    for (kind, bucket) in [("success", success), ("error", failure)] {
        if bucket.len() > 1 {
            let groups: Vec<String> = bucket.values().map(|codes| codes.join("/")).collect();
            return Err(violation(
                format!("{here}/responses"),
                format!(
                    "{kind} responses {} have different schemas; progenitor needs one {kind} \
                     schema per operation (use one $ref for all of them)",
                    groups.join(" vs ")
                ),
            ));
        }
    }
    Ok(())
}

fn walk_request(
    walk: &mut Walk<'_>,
    operation: &Value,
    item: &Value,
    here: &str,
) -> Result<(), Violation> {
    let content = operation.pointer("/requestBody/content");
    walk.content(content, &format!("{here}/requestBody"), Side::Request)?;
    for params in [operation.get("parameters"), item.get("parameters")]
        .into_iter()
        .flatten()
    {
        for (index, param) in params.as_array().into_iter().flatten().enumerate() {
            if let Some(schema) = param.get("schema") {
                walk.schema(
                    schema,
                    &format!("{here}/parameters/{index}/schema"),
                    Side::Request,
                )?;
            }
        }
    }
    Ok(())
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Side {
    Request,
    Response,
}

struct Walk<'a> {
    components: &'a serde_json::Map<String, Value>,
    request_refs: BTreeSet<String>,
    response_refs: BTreeSet<String>,
}

impl Walk<'_> {
    /// Walks the schema of every media type of a body's `content` map; `at` is the body.
    fn content(&mut self, content: Option<&Value>, at: &str, side: Side) -> Result<(), Violation> {
        for (media, content) in content.and_then(Value::as_object).into_iter().flatten() {
            if let Some(schema) = content.get("schema") {
                let at = format!("{at}/content/{}/schema", escape(media));
                self.schema(schema, &at, side)?;
            }
        }
        Ok(())
    }

    fn schema(&mut self, schema: &Value, at: &str, side: Side) -> Result<(), Violation> {
        if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
            let Some(name) = reference.strip_prefix(COMPONENT_PREFIX) else {
                return Err(violation(
                    format!("{at}/$ref"),
                    format!("reference {reference:?} is not to {COMPONENT_PREFIX}<name>"),
                ));
            };
            let Some(target) = self.components.get(name) else {
                return Err(violation(
                    format!("{at}/$ref"),
                    format!("reference {reference:?} does not resolve"),
                ));
            };
            let seen = match side {
                Side::Request => &mut self.request_refs,
                Side::Response => &mut self.response_refs,
            };
            if seen.insert(name.to_owned()) {
                let at = format!("/components/schemas/{}", escape(name));
                // A named enum is fine on either side; only its children need walking.
                return self.children(target, &at, side);
            }
            return Ok(());
        }
        if side == Side::Response && string_enum(schema).is_some() {
            return Err(violation(
                at.to_owned(),
                "a string enum in a response must be a named schema under components/schemas \
                 (hoist it with a patch) so the generator can make it open"
                    .into(),
            ));
        }
        self.children(schema, at, side)
    }

    fn children(&mut self, schema: &Value, at: &str, side: Side) -> Result<(), Violation> {
        for (name, property) in schema
            .get("properties")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            self.schema(property, &format!("{at}/properties/{}", escape(name)), side)?;
        }
        for key in ["items", "additionalProperties", "not"] {
            if let Some(child) = schema.get(key).filter(|c| c.is_object()) {
                self.schema(child, &format!("{at}/{key}"), side)?;
            }
        }
        for key in ["allOf", "oneOf", "anyOf"] {
            for (index, child) in schema
                .get(key)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .enumerate()
            {
                self.schema(child, &format!("{at}/{key}/{index}"), side)?;
            }
        }
        Ok(())
    }
}

/// The values of a string enum schema, or `None` for any other schema.
fn string_enum(schema: &Value) -> Option<Vec<String>> {
    let values = schema.get("enum")?.as_array()?;
    if schema.get("type").and_then(Value::as_str) != Some("string") {
        return None;
    }
    values
        .iter()
        .map(|v| v.as_str().map(str::to_owned))
        .collect()
}

fn violation(place: String, message: String) -> Violation {
    Violation { place, message }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn doc(responses: Value, components: Value) -> Value {
        json!({
            "openapi": "3.0.3",
            "info": {"title": "t", "version": "1"},
            "paths": {"/tasks/{id}": {"get": {"operationId": "getTask", "responses": responses}}},
            "components": {"schemas": components},
        })
    }

    /// A response with a JSON body of `schema`.
    fn ok_json(schema: Value) -> Value {
        json!({"description": "ok", "content": {"application/json": {"schema": schema}}})
    }

    fn check_err(doc: Value) -> Violation {
        check(&doc).expect_err("the rule must reject this document")
    }

    #[test]
    fn rejects_openapi_31() {
        let mut d = doc(json!({}), json!({}));
        d["openapi"] = json!("3.1.0");
        assert_eq!(check_err(d).place, "/openapi");
    }

    #[test]
    fn rejects_inline_response_enum_with_its_pointer() {
        let status = json!({"type": "string", "enum": ["a", "b"]});
        let schema = json!({"type": "object", "properties": {"status": status}});
        let responses = json!({"200": ok_json(schema)});
        let v = check_err(doc(responses, json!({})));
        assert_eq!(
            v.place,
            "/paths/~1tasks~1{id}/get/responses/200/content/application~1json/schema\
             /properties/status"
        );
    }

    #[test]
    fn rejects_two_error_schemas() {
        let responses = json!({
            "200": {"description": "ok"},
            "400": {"description": "a",
                "content": {"application/json": {"schema": {"type": "string"}}}},
            "500": {"description": "b",
                "content": {"application/json": {"schema": {"type": "integer"}}}},
        });
        let v = check_err(doc(responses, json!({})));
        assert!(v.message.contains("error responses"), "{}", v.message);
    }

    #[test]
    fn named_response_enum_becomes_open() {
        let responses = json!({"200": ok_json(json!({"$ref": "#/components/schemas/Task"}))});
        let components = json!({
            "Task": {"type": "object",
                "properties": {"status": {"$ref": "#/components/schemas/Status"}}},
            "Status": {"type": "string", "enum": ["queued", "done"], "description": "State."},
        });
        let open = check(&doc(responses, components)).unwrap();
        assert_eq!(
            open,
            vec![OpenEnum {
                name: "Status".into(),
                description: Some("State.".into()),
                values: vec!["queued".into(), "done".into()],
            }]
        );
    }

    #[test]
    fn rejects_missing_operation_id() {
        let mut d = doc(json!({}), json!({}));
        d["paths"]["/tasks/{id}"]["get"]
            .as_object_mut()
            .unwrap()
            .remove("operationId");
        assert_eq!(check_err(d).place, "/paths/~1tasks~1{id}/get");
    }
}
