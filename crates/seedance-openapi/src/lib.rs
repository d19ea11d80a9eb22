//! The small OpenAPI toolkit shared by every crate that reads a provider's spec as raw JSON:
//! the generator's rules (`seedance-codegen`), the simulator's request validation
//! (`seedance-sim`), `cargo xtask` (assembly, drift, coverage) and the workspace tests.
//!
//! It holds what each of them would otherwise write again: JSON-pointer escaping (RFC 6901),
//! the HTTP methods a path item can hold, local `$ref` resolution with a bound on chains, the
//! operations of a document, and the request-property walk (parameters and the top-level
//! properties of a request body).
//!
//! It depends on `serde_json` only, so the generator (a build dependency of every provider
//! crate) and the simulator (which must not depend on the facade) can use it at no cost.

#![deny(missing_docs)]

use std::{collections::BTreeSet, fmt};

use serde_json::Value;

/// The HTTP methods that can hold an operation in an OpenAPI path item, in the order the
/// specification lists them.
pub const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// How many `$ref`s a chain may follow, and how deeply the request-property walk may nest.
/// A spec is written by hand, so anything longer is a cycle.
pub const MAX_DEPTH: usize = 32;

/// Escapes a key for use as one token of a JSON pointer (RFC 6901).
///
/// ```
/// assert_eq!(seedance_openapi::escape("/v1/{id}~x"), "~1v1~1{id}~0x");
/// ```
pub fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// The key one JSON-pointer token stands for: the inverse of [`escape`].
///
/// ```
/// assert_eq!(seedance_openapi::unescape("~1v1~1{id}~0x"), "/v1/{id}~x");
/// ```
pub fn unescape(token: &str) -> String {
    token.replace("~1", "/").replace("~0", "~")
}

/// A `$ref` that cannot be followed, or a walk that nests too deeply.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RefError {
    /// The reference is not local (`#/...`); the specs are single documents.
    NotLocal(String),
    /// The local reference points to nothing in the document.
    Dangling(String),
    /// A chain of references is longer than [`MAX_DEPTH`] (a cycle).
    TooLong,
    /// A request schema nests or refers more than [`MAX_DEPTH`] levels deep.
    TooDeep,
}

impl fmt::Display for RefError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RefError::NotLocal(reference) => {
                write!(f, "only local $refs are supported, found {reference}")
            }
            RefError::Dangling(reference) => write!(f, "$ref {reference} points to nothing"),
            RefError::TooLong => write!(f, "a $ref chain is longer than {MAX_DEPTH}"),
            RefError::TooDeep => write!(
                f,
                "the request schema nests or refers more than {MAX_DEPTH} levels deep"
            ),
        }
    }
}

impl std::error::Error for RefError {}

/// `value`, or what its chain of local `$ref`s points to in `doc`.
pub fn resolve<'a>(doc: &'a Value, value: &'a Value) -> Result<&'a Value, RefError> {
    let (reached, error) = walk_refs(doc, value);
    error.map_or(Ok(reached), Err)
}

/// `value`, or as far as its chain of `$ref`s can be followed in `doc`: for readers that compare
/// documents as they are rather than judge them (a broken reference is then compared as written).
pub fn follow<'a>(doc: &'a Value, value: &'a Value) -> &'a Value {
    walk_refs(doc, value).0
}

/// The last value reached along the chain, and why the chain stopped early, if it did.
fn walk_refs<'a>(doc: &'a Value, mut value: &'a Value) -> (&'a Value, Option<RefError>) {
    for _ in 0..MAX_DEPTH {
        let Some(reference) = value.get("$ref").and_then(Value::as_str) else {
            return (value, None);
        };
        let Some(pointer) = reference.strip_prefix('#') else {
            return (value, Some(RefError::NotLocal(reference.to_owned())));
        };
        let Some(target) = doc.pointer(pointer) else {
            return (value, Some(RefError::Dangling(reference.to_owned())));
        };
        value = target;
    }
    (value, Some(RefError::TooLong))
}

/// One operation of a document: a method of a path item.
#[derive(Debug, Clone, Copy)]
pub struct Operation<'a> {
    /// The path template, as written (`/tasks/{id}`).
    pub path: &'a str,
    /// The lower-case method, one of [`METHODS`].
    pub method: &'static str,
    /// The path item (its `$ref` followed), which may hold parameters shared by its operations.
    pub item: &'a Value,
    /// The operation object.
    pub operation: &'a Value,
}

impl<'a> Operation<'a> {
    /// The JSON pointer of the operation: `/paths/<escaped path>/<method>`.
    pub fn pointer(&self) -> String {
        format!("/paths/{}/{}", escape(self.path), self.method)
    }

    /// Its `operationId`, if it has one.
    pub fn id(&self) -> Option<&'a str> {
        self.operation.get("operationId").and_then(Value::as_str)
    }

    /// Every parameter, resolved: the path item's shared ones first, then the operation's own.
    pub fn parameters(&self, doc: &'a Value) -> Result<Vec<&'a Value>, RefError> {
        let shared = self.item.get("parameters").and_then(Value::as_array);
        let own = self.operation.get("parameters").and_then(Value::as_array);
        shared
            .into_iter()
            .chain(own)
            .flatten()
            .map(|parameter| resolve(doc, parameter))
            .collect()
    }

    /// The top-level property names of the request body, for every media type, through `$ref`,
    /// `allOf`, `oneOf` and `anyOf`; empty when the operation has no body.
    pub fn body_properties(&self, doc: &'a Value) -> Result<BTreeSet<String>, RefError> {
        let mut names = BTreeSet::new();
        let Some(body) = self.operation.get("requestBody") else {
            return Ok(names);
        };
        let body = resolve(doc, body)?;
        let media_types = body.get("content").and_then(Value::as_object);
        for media in media_types.into_iter().flat_map(serde_json::Map::values) {
            if let Some(schema) = media.get("schema") {
                schema_properties(doc, schema, 0, &mut names)?;
            }
        }
        Ok(names)
    }
}

/// Every operation of `doc`, path by path in document order, methods in [`METHODS`] order.
pub fn operations(doc: &Value) -> Vec<Operation<'_>> {
    let paths = doc.get("paths").and_then(Value::as_object);
    let mut found = Vec::new();
    for (path, item) in paths.into_iter().flatten() {
        let item = follow(doc, item);
        for method in METHODS {
            if let Some(operation) = item.get(method) {
                found.push(Operation {
                    path,
                    method,
                    item,
                    operation,
                });
            }
        }
    }
    found
}

fn schema_properties(
    doc: &Value,
    schema: &Value,
    depth: usize,
    names: &mut BTreeSet<String>,
) -> Result<(), RefError> {
    if depth > MAX_DEPTH {
        return Err(RefError::TooDeep);
    }
    let schema = resolve(doc, schema)?;
    if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
        names.extend(properties.keys().cloned());
    }
    for keyword in ["allOf", "oneOf", "anyOf"] {
        let branches = schema.get(keyword).and_then(Value::as_array);
        for branch in branches.into_iter().flatten() {
            schema_properties(doc, branch, depth + 1, names)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
