//! The walk over two documents side by side: the document itself, then each operation (its
//! parameters, request body and responses). Schemas are compared in `schema`; every change is
//! classed by [`RULES`](super::RULES).

use std::collections::{BTreeMap, BTreeSet};

use seedance_openapi::{Operation, escape, follow, operations};
use serde_json::{Value, json};

use super::{Change, Class, Direction, class};

pub(super) struct Differ<'a> {
    pub(super) old: &'a Value,
    pub(super) new: &'a Value,
    /// How deep `schema` is below the body or parameter it started at.
    pub(super) depth: usize,
    operation: String,
    changes: Vec<Change>,
}

/// Every semantic difference between `old` and `new` (both normalized to 3.0).
pub(crate) fn diff(old: &Value, new: &Value) -> Vec<Change> {
    let mut differ = Differ {
        old,
        new,
        depth: 0,
        operation: "document".into(),
        changes: Vec::new(),
    };
    differ.document();
    let by_key = |doc| -> BTreeMap<String, Operation<'_>> {
        operations(doc)
            .into_iter()
            .map(|op| (format!("{} {}", op.method.to_uppercase(), op.path), op))
            .collect()
    };
    let (old_ops, new_ops) = (by_key(old), by_key(new));
    for key in old_ops
        .keys()
        .chain(new_ops.keys())
        .collect::<BTreeSet<_>>()
    {
        let (old_op, new_op) = (old_ops.get(key), new_ops.get(key));
        let Some(any) = new_op.or(old_op) else {
            continue;
        };
        let pointer = any.pointer();
        let id = any.id().unwrap_or("no operationId");
        differ.operation = format!("{key} ({id})");
        match (old_op, new_op) {
            (Some(_), None) => differ.push_as(
                &pointer,
                "operation-removed",
                "operation removed: the generated method disappears",
            ),
            (None, Some(_)) => differ.push_as(&pointer, "operation-added", "operation added"),
            (Some(old_op), Some(new_op)) => differ.operation_pair(&pointer, old_op, new_op),
            (None, None) => {}
        }
    }
    differ.changes
}

impl Differ<'_> {
    pub(super) fn push(
        &mut self,
        pointer: &str,
        rule: &str,
        class: Class,
        message: &str,
        old: Option<Value>,
        new: Option<Value>,
    ) {
        self.changes.push(Change {
            operation: self.operation.clone(),
            pointer: pointer.to_owned(),
            rule: rule.to_owned(),
            class,
            message: message.to_owned(),
            old,
            new,
        });
    }

    /// A change of a rule met on one side only, named as in [`RULES`](super::RULES), with no
    /// values to show.
    fn push_as(&mut self, pointer: &str, rule: &str, message: &str) {
        let class = class(rule, Direction::Request);
        self.push(pointer, rule, class, message, None, None);
    }

    /// The same for a rule with values to show.
    fn push_values(
        &mut self,
        pointer: &str,
        rule: &str,
        message: &str,
        old: Option<Value>,
        new: Option<Value>,
    ) {
        let class = class(rule, Direction::Request);
        self.push(pointer, rule, class, message, old, new);
    }

    fn document(&mut self) {
        let (old, new) = (self.old, self.new);
        if old.pointer("/info/version") != new.pointer("/info/version") {
            self.push_values(
                "/info/version",
                "info-version-changed",
                "info.version changed",
                old.pointer("/info/version").cloned(),
                new.pointer("/info/version").cloned(),
            );
        }
        let urls = |doc: &Value| -> Vec<Value> {
            let servers = doc.get("servers").and_then(Value::as_array);
            servers
                .into_iter()
                .flatten()
                .map(|s| s["url"].clone())
                .collect()
        };
        if urls(old) != urls(new) {
            self.push_values(
                "/servers",
                "servers-changed",
                "servers changed: the default base URL may move",
                Some(json!(urls(old))),
                Some(json!(urls(new))),
            );
        }
        let schemes = |doc: &Value| {
            doc.pointer("/components/securitySchemes")
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default()
        };
        let (old_schemes, new_schemes) = (schemes(old), schemes(new));
        let strip = |v: &Value| {
            let mut v = v.clone();
            if let Value::Object(m) = &mut v {
                m.remove("description");
            }
            v
        };
        for name in union(old_schemes.keys(), new_schemes.keys()) {
            let pointer = format!("/components/securitySchemes/{}", escape(name));
            let (rule, message, o, n) = match (old_schemes.get(name), new_schemes.get(name)) {
                (Some(o), None) => (
                    "security-scheme-removed",
                    "security scheme removed",
                    Some(o.clone()),
                    None,
                ),
                (None, Some(n)) => (
                    "security-scheme-added",
                    "security scheme added: requests may need new credentials",
                    None,
                    Some(n.clone()),
                ),
                (Some(o), Some(n)) if strip(o) != strip(n) => (
                    "security-scheme-changed",
                    "security scheme changed: authentication may differ",
                    Some(strip(o)),
                    Some(strip(n)),
                ),
                _ => continue,
            };
            self.push_values(&pointer, rule, message, o, n);
        }
        if old.get("security") != new.get("security") {
            self.push_values(
                "/security",
                "security-changed",
                "the security requirement changed",
                old.get("security").cloned(),
                new.get("security").cloned(),
            );
        }
    }

    fn operation_pair(&mut self, pointer: &str, old: &Operation<'_>, new: &Operation<'_>) {
        let (old_id, new_id) = (
            old.operation.get("operationId"),
            new.operation.get("operationId"),
        );
        if old_id != new_id {
            self.push_values(
                &format!("{pointer}/operationId"),
                "operation-id-changed",
                "operationId changed: the generated method and builder are renamed",
                old_id.cloned(),
                new_id.cloned(),
            );
        }
        self.parameters(pointer, old, new);
        self.request_body(pointer, old.operation, new.operation);
        self.responses(pointer, old.operation, new.operation);
    }

    fn parameters(&mut self, pointer: &str, old: &Operation<'_>, new: &Operation<'_>) {
        // Keyed by (in, name); the index is the parameter's place in its own list.
        let collect = |doc: &Value, op: &Operation<'_>| {
            let mut params: BTreeMap<(String, String), (usize, Value)> = BTreeMap::new();
            let lists = [op.item.get("parameters"), op.operation.get("parameters")];
            for list in lists.into_iter().flatten() {
                for (index, param) in list.as_array().into_iter().flatten().enumerate() {
                    let param = follow(doc, param);
                    let key = (
                        param["in"].as_str().unwrap_or("").to_owned(),
                        param["name"].as_str().unwrap_or("").to_owned(),
                    );
                    params.insert(key, (index, param.clone()));
                }
            }
            params
        };
        let old_params = collect(self.old, old);
        let new_params = collect(self.new, new);
        let required = |p: &Value| p.get("required") == Some(&Value::Bool(true));
        for key in union(old_params.keys(), new_params.keys()) {
            let (place, name) = key;
            let (index, o, n) = match (old_params.get(key), new_params.get(key)) {
                (Some((index, o)), None) => (index, Some(o), None),
                (old, Some((index, n))) => (index, old.map(|(_, o)| o), Some(n)),
                (None, None) => continue,
            };
            let at = format!("{pointer}/parameters/{index}");
            match (o, n) {
                (Some(_), None) => self.push_as(
                    &at,
                    "parameter-removed",
                    &format!("{place} parameter `{name}` removed: the generated setter disappears"),
                ),
                (None, Some(p)) => {
                    let (rule, kind) = if required(p) {
                        ("parameter-added-required", "required")
                    } else {
                        ("parameter-added-optional", "optional")
                    };
                    let message = format!("{kind} {place} parameter `{name}` added");
                    self.push_values(&at, rule, &message, None, Some(p.clone()));
                }
                (Some(o), Some(n)) => {
                    let became = match (required(o), required(n)) {
                        (false, true) => Some("required"),
                        (true, false) => Some("optional"),
                        _ => None,
                    };
                    if let Some(became) = became {
                        self.push_values(
                            &at,
                            &format!("parameter-became-{became}"),
                            &format!("{place} parameter `{name}` became {became}"),
                            Some(json!(required(o))),
                            Some(json!(required(n))),
                        );
                    }
                    let what = format!("parameter `{name}`");
                    let (o, n) = (o.get("schema"), n.get("schema"));
                    self.schema_or_empty(o, n, &format!("{at}/schema"), Direction::Request, &what);
                }
                (None, None) => {}
            }
        }
    }

    fn request_body(&mut self, pointer: &str, old: &Value, new: &Value) {
        let old_body = old.get("requestBody").map(|b| follow(self.old, b).clone());
        let new_body = new.get("requestBody").map(|b| follow(self.new, b).clone());
        let at = format!("{pointer}/requestBody");
        let required = |b: &Option<Value>| {
            b.as_ref()
                .is_some_and(|b| b.get("required") == Some(&Value::Bool(true)))
        };
        if !required(&old_body) && required(&new_body) {
            self.push(
                &at,
                "request-body-became-required",
                class("body-became-required", Direction::Request),
                "the request body became required",
                Some(json!(false)),
                Some(json!(true)),
            );
        }
        let empty = json!({});
        let old_content = old_body.as_ref().map_or(&empty, |b| &b["content"]);
        let new_content = new_body.as_ref().map_or(&empty, |b| &b["content"]);
        self.media_types(&at, old_content, new_content, Direction::Request, "body");
    }

    fn responses(&mut self, pointer: &str, old: &Value, new: &Value) {
        let get = |doc: &Value, op: &Value| -> BTreeMap<String, Value> {
            op.get("responses")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
                .map(|(k, v)| (k.clone(), follow(doc, v).clone()))
                .collect()
        };
        let (old_responses, new_responses) = (get(self.old, old), get(self.new, new));
        let dir = Direction::Response;
        for status in union(old_responses.keys(), new_responses.keys()) {
            let at = format!("{pointer}/responses/{status}");
            let success = status.starts_with('2') || status == "default";
            let (key, message) = match (old_responses.get(status), new_responses.get(status)) {
                (Some(_), None) if success => (
                    "status-removed: success",
                    format!("success response {status} removed"),
                ),
                (Some(_), None) => (
                    "status-removed: error",
                    format!(
                        "error response {status} removed: it now arrives as an unexpected response"
                    ),
                ),
                (None, Some(_)) => (
                    "status-added",
                    format!(
                        "response {status} added: a new schema for it can make progenitor panic \
                         (one schema per success/error set)"
                    ),
                ),
                (Some(o), Some(n)) => {
                    let what = format!("{status} body");
                    self.media_types(&at, &o["content"], &n["content"], dir, &what);
                    continue;
                }
                (None, None) => continue,
            };
            let rule = format!("response-{}", key.split(':').next().unwrap_or(key));
            self.push(&at, &rule, class(key, dir), &message, None, None);
        }
    }

    /// Compares the `content` maps (media type -> schema) of two bodies at `at`.
    fn media_types(&mut self, at: &str, old: &Value, new: &Value, dir: Direction, what: &str) {
        let media = |content: &Value| content.as_object().cloned().unwrap_or_default();
        let (old_media, new_media) = (media(old), media(new));
        let d = dir.prefix();
        for kind in union(old_media.keys(), new_media.keys()) {
            let here = format!("{at}/content/{}", escape(kind));
            let request = dir == Direction::Request;
            let (verb, note) = match (old_media.get(kind), new_media.get(kind)) {
                (Some(_), None) if request => ("removed", ": what we send is no longer accepted"),
                (None, Some(_)) if request => {
                    ("added", ": progenitor handles one media type per body")
                }
                (Some(_), None) => ("removed", ""),
                (None, Some(_)) => ("added", ""),
                (Some(o), Some(n)) => {
                    let (o, n) = (o.get("schema"), n.get("schema"));
                    self.schema_or_empty(o, n, &format!("{here}/schema"), dir, what);
                    continue;
                }
                (None, None) => continue,
            };
            let key = format!("media-type-{verb}");
            let message = format!("{d} media type {kind} {verb}{note}");
            self.push(
                &here,
                &format!("{d}-{key}"),
                class(&key, dir),
                &message,
                None,
                None,
            );
        }
    }

    /// Compares two optional schemas, a missing one read as `{}`.
    fn schema_or_empty(
        &mut self,
        old: Option<&Value>,
        new: Option<&Value>,
        at: &str,
        dir: Direction,
        what: &str,
    ) {
        let empty = json!({});
        let (old, new) = (old.unwrap_or(&empty), new.unwrap_or(&empty));
        self.schema(old, new, at, dir, what);
    }
}

/// The keys of two maps, each once, sorted.
pub(super) fn union<'a, K: Ord + 'a>(
    old: impl Iterator<Item = &'a K>,
    new: impl Iterator<Item = &'a K>,
) -> BTreeSet<&'a K> {
    old.chain(new).collect()
}
