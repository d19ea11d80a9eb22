//! The toolkit on small hand-written documents.

use serde_json::json;

use super::*;

#[test]
fn pointers_escape_and_unescape() {
    for key in ["/v1/tasks/{id}", "a~b/c", "~1", "plain", "application/json"] {
        let token = escape(key);
        assert!(!token.contains('/'), "{token}");
        assert_eq!(unescape(&token), key);
    }
    let doc = json!({"paths": {"/a~b": {"get": 1}}});
    assert_eq!(
        doc.pointer(&format!("/paths/{}/get", escape("/a~b"))),
        Some(&json!(1))
    );
}

#[test]
fn references_resolve_strictly_or_are_followed_as_far_as_they_go() {
    let doc = json!({
        "components": {"schemas": {
            "A": {"$ref": "#/components/schemas/B"},
            "B": {"type": "string"},
            "Broken": {"$ref": "#/components/schemas/Missing"},
            "Loop": {"$ref": "#/components/schemas/Loop"},
        }},
    });
    let at = |name: &str| json!({"$ref": format!("#/components/schemas/{name}")});
    assert_eq!(resolve(&doc, &at("A")), Ok(&json!({"type": "string"})));
    assert_eq!(follow(&doc, &at("A")), &json!({"type": "string"}));
    let plain = json!({"type": "integer"});
    assert_eq!(resolve(&doc, &plain), Ok(&plain));

    let broken = at("Broken");
    let err = resolve(&doc, &broken).unwrap_err();
    assert_eq!(
        err.to_string(),
        "$ref #/components/schemas/Missing points to nothing"
    );
    assert_eq!(
        follow(&doc, &broken),
        &doc["components"]["schemas"]["Broken"]
    );

    let remote = json!({"$ref": "other.json#/A"});
    let err = resolve(&doc, &remote).unwrap_err();
    assert_eq!(
        err.to_string(),
        "only local $refs are supported, found other.json#/A"
    );
    assert_eq!(follow(&doc, &remote), &remote);

    assert_eq!(resolve(&doc, &at("Loop")), Err(RefError::TooLong));
    assert_eq!(
        follow(&doc, &at("Loop")),
        &doc["components"]["schemas"]["Loop"]
    );
}

#[test]
fn operations_and_their_request_properties() {
    let doc = json!({
        "paths": {
            "/tasks/{id}": {
                "parameters": [{"$ref": "#/components/parameters/Id"}],
                "post": {
                    "operationId": "create",
                    "parameters": [{"in": "query", "name": "dry_run"}],
                    "requestBody": {"$ref": "#/components/requestBodies/Create"},
                },
                "get": {"operationId": "status"},
                "summary": "not a method",
            },
        },
        "components": {
            "parameters": {"Id": {"in": "path", "name": "id"}},
            "requestBodies": {"Create": {"content": {"application/json": {
                "schema": {"allOf": [
                    {"$ref": "#/components/schemas/Base"},
                    {"properties": {"prompt": {}}},
                ]},
            }}}},
            "schemas": {"Base": {"properties": {"model": {}}, "oneOf": [
                {"properties": {"image": {}}},
            ]}},
        },
    });
    let ops = operations(&doc);
    let seen: Vec<(&str, Option<&str>, String)> = ops
        .iter()
        .map(|op| (op.method, op.id(), op.pointer()))
        .collect();
    assert_eq!(
        seen,
        [
            ("get", Some("status"), "/paths/~1tasks~1{id}/get".to_owned()),
            (
                "post",
                Some("create"),
                "/paths/~1tasks~1{id}/post".to_owned()
            ),
        ]
    );
    let create = ops[1];
    let names: Vec<&str> = create
        .parameters(&doc)
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["id", "dry_run"]);
    let body: Vec<String> = create.body_properties(&doc).unwrap().into_iter().collect();
    assert_eq!(body, ["image", "model", "prompt"]);
    assert!(ops[0].body_properties(&doc).unwrap().is_empty());
}

#[test]
fn a_self_nesting_request_schema_is_refused() {
    let doc = json!({
        "paths": {"/x": {"post": {"requestBody": {"content": {"application/json": {
            "schema": {"$ref": "#/components/schemas/Deep"},
        }}}}}},
        "components": {"schemas": {"Deep": {"allOf": [{"$ref": "#/components/schemas/Deep"}]}}},
    });
    let ops = operations(&doc);
    assert_eq!(ops[0].body_properties(&doc), Err(RefError::TooDeep));
}
