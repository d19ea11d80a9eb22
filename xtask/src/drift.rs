//! `cargo xtask drift`: a semantic diff of two OpenAPI documents that classes each change by
//! what it does to a progenitor-generated client and its callers.
//!
//! Both documents are read as JSON or YAML, OpenAPI 3.1 is normalized to 3.0 first (type arrays
//! and `null` branches become nullability, not type changes), and every `$ref` is resolved before
//! comparing, so moving a schema into `components` is not a change. Descriptions, summaries and
//! examples are not compared.
//!
//! Classes:
//! - **breaking**: breaks the generated client or its callers, or changes what we send;
//! - **risky**: may break generation or behaviour, needs a look;
//! - **safe**: compatible.

use std::{
    collections::{BTreeMap, BTreeSet},
    fmt,
    path::Path,
    process::ExitCode,
};

use anyhow::{Context, Result, bail};
use serde::Serialize;
use serde_json::{Value, json};

use crate::{assemble, transform};

/// How much a change matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Class {
    Safe,
    Risky,
    Breaking,
}

impl fmt::Display for Class {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Class::Safe => "safe",
            Class::Risky => "risky",
            Class::Breaking => "breaking",
        })
    }
}

/// One difference.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct Change {
    /// `METHOD /path (operationId)`, or `document`.
    pub(crate) operation: String,
    /// JSON pointer of the place, in the new document (the old one for removals).
    pub(crate) pointer: String,
    /// The rule that found it.
    pub(crate) rule: String,
    pub(crate) class: Class,
    /// What changed, in words.
    pub(crate) message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) old: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) new: Option<Value>,
}

/// An input that cannot be read: names the file and the place.
#[derive(Debug)]
pub(crate) struct InputError(pub(crate) String);

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for InputError {}

/// Reads `source` (a path or an http(s) URL) as an OpenAPI 3.0 or 3.1 document in JSON or YAML.
pub(crate) fn load(source: &str) -> Result<Value, InputError> {
    parse(source, &read_text(source)?)
}

/// Reads `source` as JSON or YAML, whatever it holds (a provider's primary source may be a
/// fragment, such as Modellix's path items).
fn load_any(source: &str) -> Result<Value, InputError> {
    parse_any(source, &read_text(source)?)
}

fn read_text(source: &str) -> Result<String, InputError> {
    if source.starts_with("http://") || source.starts_with("https://") {
        fetch(source)
    } else {
        std::fs::read_to_string(source)
            .map_err(|err| InputError(format!("{source}: cannot read: {err}")))
    }
}

fn fetch(url: &str) -> Result<String, InputError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|err| InputError(format!("{url}: {err}")))?;
    runtime.block_on(async {
        seedance_runtime::install_crypto_provider();
        let response = reqwest::get(url)
            .await
            .map_err(|err| InputError(format!("{url}: cannot fetch: {err}")))?;
        let status = response.status();
        if !status.is_success() {
            return Err(InputError(format!("{url}: answered HTTP {status}")));
        }
        response
            .text()
            .await
            .map_err(|err| InputError(format!("{url}: cannot read the body: {err}")))
    })
}

/// Parses an OpenAPI 3.0 or 3.1 document in JSON or YAML; errors name the line and column.
pub(crate) fn parse(name: &str, text: &str) -> Result<Value, InputError> {
    let value = parse_any(name, text)?;
    check_version(name, &value)?;
    Ok(value)
}

fn parse_any(name: &str, text: &str) -> Result<Value, InputError> {
    let value: Value = if text.trim_start().starts_with('{') {
        serde_json::from_str(text).map_err(|err| {
            InputError(format!(
                "{name}:{}:{}: not valid JSON: {err}",
                err.line(),
                err.column()
            ))
        })?
    } else {
        serde_yaml_ng::from_str(text).map_err(|err| {
            let place = err
                .location()
                .map(|l| format!("{}:{}", l.line(), l.column()))
                .unwrap_or_else(|| "?".into());
            InputError(format!("{name}:{place}: not valid YAML: {err}"))
        })?
    };
    Ok(value)
}

fn check_version(name: &str, value: &Value) -> Result<(), InputError> {
    let version = value.get("openapi").and_then(Value::as_str).unwrap_or("");
    if !(version.starts_with("3.0") || version.starts_with("3.1")) {
        return Err(InputError(format!(
            "{name}: at /openapi: {version:?} is not an OpenAPI 3.0 or 3.1 document"
        )));
    }
    Ok(())
}

/// OpenAPI 3.1 read as its 3.0 equivalent.
pub(crate) fn normalize(name: &str, mut doc: Value) -> Result<Value, InputError> {
    if doc["openapi"]
        .as_str()
        .is_some_and(|v| v.starts_with("3.1"))
    {
        transform::downgrade(&mut doc).map_err(|err| InputError(format!("{name}: {err:#}")))?;
    }
    Ok(doc)
}

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Whether a change to a schema is in what we send (request) or what we read (response).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Direction {
    Request,
    Response,
}

impl Direction {
    fn prefix(self) -> &'static str {
        match self {
            Direction::Request => "request",
            Direction::Response => "response",
        }
    }
}

struct Differ<'a> {
    old: &'a Value,
    new: &'a Value,
    operation: String,
    changes: Vec<Change>,
}

fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// Every semantic difference between `old` and `new` (both normalized to 3.0).
pub(crate) fn diff(old: &Value, new: &Value) -> Vec<Change> {
    let mut differ = Differ {
        old,
        new,
        operation: "document".into(),
        changes: Vec::new(),
    };
    differ.document();
    let old_ops = operations(old);
    let new_ops = operations(new);
    for (key, (path, method)) in old_ops
        .iter()
        .chain(new_ops.iter())
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect::<BTreeMap<_, _>>()
    {
        let pointer = format!("/paths/{}/{method}", escape(&path));
        let old_op = old_ops.get(&key).map(|_| &old["paths"][&path][&method]);
        let new_op = new_ops.get(&key).map(|_| &new["paths"][&path][&method]);
        let id = new_op
            .or(old_op)
            .and_then(|op| op.get("operationId"))
            .and_then(Value::as_str)
            .unwrap_or("no operationId");
        differ.operation = format!("{} {path} ({id})", method.to_uppercase());
        match (old_op, new_op) {
            (Some(_), None) => differ.push(
                &pointer,
                "operation-removed",
                Class::Breaking,
                "operation removed: the generated method disappears",
                None,
                None,
            ),
            (None, Some(_)) => differ.push(
                &pointer,
                "operation-added",
                Class::Safe,
                "operation added",
                None,
                None,
            ),
            (Some(old_op), Some(new_op)) => {
                let old_item = &old["paths"][&path];
                let new_item = &new["paths"][&path];
                differ.operation_pair(&pointer, old_op, new_op, old_item, new_item);
            }
            (None, None) => {}
        }
    }
    differ.changes
}

/// `METHOD path` → (path, method).
fn operations(doc: &Value) -> BTreeMap<String, (String, String)> {
    let mut ops = BTreeMap::new();
    for (path, item) in doc
        .get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        for method in METHODS {
            if item.get(method).is_some() {
                ops.insert(
                    format!("{} {path}", method.to_uppercase()),
                    (path.clone(), method.to_owned()),
                );
            }
        }
    }
    ops
}

impl Differ<'_> {
    fn push(
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

    fn document(&mut self) {
        let (old, new) = (self.old, self.new);
        if old.pointer("/info/version") != new.pointer("/info/version") {
            self.push(
                "/info/version",
                "info-version-changed",
                Class::Safe,
                "info.version changed",
                old.pointer("/info/version").cloned(),
                new.pointer("/info/version").cloned(),
            );
        }
        let urls = |doc: &Value| -> Vec<Value> {
            doc.get("servers")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .map(|s| s["url"].clone())
                .collect()
        };
        if urls(old) != urls(new) {
            self.push(
                "/servers",
                "servers-changed",
                Class::Risky,
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
        for name in old_schemes
            .keys()
            .chain(new_schemes.keys())
            .collect::<BTreeSet<_>>()
        {
            let pointer = format!("/components/securitySchemes/{}", escape(name));
            let strip = |v: &Value| {
                let mut v = v.clone();
                if let Value::Object(m) = &mut v {
                    m.remove("description");
                }
                v
            };
            match (old_schemes.get(name), new_schemes.get(name)) {
                (Some(o), None) => self.push(
                    &pointer,
                    "security-scheme-removed",
                    Class::Risky,
                    "security scheme removed",
                    Some(o.clone()),
                    None,
                ),
                (None, Some(n)) => self.push(
                    &pointer,
                    "security-scheme-added",
                    Class::Risky,
                    "security scheme added: requests may need new credentials",
                    None,
                    Some(n.clone()),
                ),
                (Some(o), Some(n)) if strip(o) != strip(n) => self.push(
                    &pointer,
                    "security-scheme-changed",
                    Class::Risky,
                    "security scheme changed: authentication may differ",
                    Some(strip(o)),
                    Some(strip(n)),
                ),
                _ => {}
            }
        }
        if old.get("security") != new.get("security") {
            self.push(
                "/security",
                "security-changed",
                Class::Risky,
                "the security requirement changed",
                old.get("security").cloned(),
                new.get("security").cloned(),
            );
        }
    }

    fn operation_pair(
        &mut self,
        pointer: &str,
        old: &Value,
        new: &Value,
        old_item: &Value,
        new_item: &Value,
    ) {
        if old.get("operationId") != new.get("operationId") {
            self.push(
                &format!("{pointer}/operationId"),
                "operation-id-changed",
                Class::Breaking,
                "operationId changed: the generated method and builder are renamed",
                old.get("operationId").cloned(),
                new.get("operationId").cloned(),
            );
        }
        self.parameters(pointer, old, new, old_item, new_item);
        self.request_body(pointer, old, new);
        self.responses(pointer, old, new);
    }

    fn parameters(
        &mut self,
        pointer: &str,
        old: &Value,
        new: &Value,
        old_item: &Value,
        new_item: &Value,
    ) {
        let collect =
            |doc: &Value, op: &Value, item: &Value| -> BTreeMap<(String, String), (usize, Value)> {
                let mut params = BTreeMap::new();
                for list in [item.get("parameters"), op.get("parameters")]
                    .into_iter()
                    .flatten()
                {
                    for (index, param) in list.as_array().into_iter().flatten().enumerate() {
                        let param = resolve(doc, param);
                        let key = (
                            param["in"].as_str().unwrap_or("").to_owned(),
                            param["name"].as_str().unwrap_or("").to_owned(),
                        );
                        params.insert(key, (index, param.clone()));
                    }
                }
                params
            };
        let old_params = collect(self.old, old, old_item);
        let new_params = collect(self.new, new, new_item);
        for key in old_params
            .keys()
            .chain(new_params.keys())
            .collect::<BTreeSet<_>>()
        {
            let (place, name) = key;
            let required = |p: &Value| p.get("required") == Some(&Value::Bool(true));
            match (old_params.get(key), new_params.get(key)) {
                (Some((index, _)), None) => self.push(
                    &format!("{pointer}/parameters/{index}"),
                    "parameter-removed",
                    Class::Breaking,
                    &format!("{place} parameter `{name}` removed: the generated setter disappears"),
                    None,
                    None,
                ),
                (None, Some((index, p))) if required(p) => self.push(
                    &format!("{pointer}/parameters/{index}"),
                    "parameter-added-required",
                    Class::Breaking,
                    &format!("required {place} parameter `{name}` added"),
                    None,
                    Some(p.clone()),
                ),
                (None, Some((index, p))) => self.push(
                    &format!("{pointer}/parameters/{index}"),
                    "parameter-added-optional",
                    Class::Safe,
                    &format!("optional {place} parameter `{name}` added"),
                    None,
                    Some(p.clone()),
                ),
                (Some((_, o)), Some((index, n))) => {
                    let at = format!("{pointer}/parameters/{index}");
                    match (required(o), required(n)) {
                        (false, true) => self.push(
                            &at,
                            "parameter-became-required",
                            Class::Breaking,
                            &format!("{place} parameter `{name}` became required"),
                            Some(json!(false)),
                            Some(json!(true)),
                        ),
                        (true, false) => self.push(
                            &at,
                            "parameter-became-optional",
                            Class::Safe,
                            &format!("{place} parameter `{name}` became optional"),
                            Some(json!(true)),
                            Some(json!(false)),
                        ),
                        _ => {}
                    }
                    let empty = json!({});
                    self.schema(
                        o.get("schema").unwrap_or(&empty),
                        n.get("schema").unwrap_or(&empty),
                        &format!("{at}/schema"),
                        Direction::Request,
                        &format!("parameter `{name}`"),
                        0,
                    );
                }
                (None, None) => {}
            }
        }
    }

    fn request_body(&mut self, pointer: &str, old: &Value, new: &Value) {
        let old_body = old.get("requestBody").map(|b| resolve(self.old, b).clone());
        let new_body = new.get("requestBody").map(|b| resolve(self.new, b).clone());
        let at = format!("{pointer}/requestBody");
        let required = |b: &Option<Value>| {
            b.as_ref()
                .is_some_and(|b| b.get("required") == Some(&Value::Bool(true)))
        };
        if !required(&old_body) && required(&new_body) {
            self.push(
                &at,
                "request-body-became-required",
                Class::Breaking,
                "the request body became required",
                Some(json!(false)),
                Some(json!(true)),
            );
        }
        let media = |b: &Option<Value>| {
            b.as_ref()
                .and_then(|b| b.get("content"))
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default()
        };
        let (old_media, new_media) = (media(&old_body), media(&new_body));
        for kind in old_media
            .keys()
            .chain(new_media.keys())
            .collect::<BTreeSet<_>>()
        {
            let here = format!("{at}/content/{}", escape(kind));
            match (old_media.get(kind), new_media.get(kind)) {
                (Some(_), None) => self.push(&here, "request-media-type-removed", Class::Breaking, &format!("request media type {kind} removed: what we send is no longer accepted"), None, None),
                (None, Some(_)) => self.push(&here, "request-media-type-added", Class::Risky, &format!("request media type {kind} added: progenitor handles one media type per body"), None, None),
                (Some(o), Some(n)) => {
                    let empty = json!({});
                    self.schema(o.get("schema").unwrap_or(&empty), n.get("schema").unwrap_or(&empty), &format!("{here}/schema"), Direction::Request, "body", 0);
                }
                (None, None) => {}
            }
        }
    }

    fn responses(&mut self, pointer: &str, old: &Value, new: &Value) {
        let get = |doc: &Value, op: &Value| -> BTreeMap<String, Value> {
            op.get("responses")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
                .map(|(k, v)| (k.clone(), resolve(doc, v).clone()))
                .collect()
        };
        let (old_responses, new_responses) = (get(self.old, old), get(self.new, new));
        for status in old_responses
            .keys()
            .chain(new_responses.keys())
            .collect::<BTreeSet<_>>()
        {
            let at = format!("{pointer}/responses/{status}");
            let success = status.starts_with('2') || status == "default";
            match (old_responses.get(status), new_responses.get(status)) {
                (Some(_), None) if success => self.push(&at, "response-status-removed", Class::Breaking, &format!("success response {status} removed"), None, None),
                (Some(_), None) => self.push(&at, "response-status-removed", Class::Risky, &format!("error response {status} removed: it now arrives as an unexpected response"), None, None),
                (None, Some(_)) => self.push(&at, "response-status-added", Class::Risky, &format!("response {status} added: a new schema for it can make progenitor panic (one schema per success/error set)"), None, None),
                (Some(o), Some(n)) => {
                    let media = |r: &Value| r.get("content").and_then(Value::as_object).cloned().unwrap_or_default();
                    let (old_media, new_media) = (media(o), media(n));
                    for kind in old_media.keys().chain(new_media.keys()).collect::<BTreeSet<_>>() {
                        let here = format!("{at}/content/{}", escape(kind));
                        match (old_media.get(kind), new_media.get(kind)) {
                            (Some(_), None) => self.push(&here, "response-media-type-removed", Class::Breaking, &format!("response media type {kind} removed"), None, None),
                            (None, Some(_)) => self.push(&here, "response-media-type-added", Class::Risky, &format!("response media type {kind} added"), None, None),
                            (Some(om), Some(nm)) => {
                                let empty = json!({});
                                self.schema(om.get("schema").unwrap_or(&empty), nm.get("schema").unwrap_or(&empty), &format!("{here}/schema"), Direction::Response, &format!("{status} body"), 0);
                            }
                            (None, None) => {}
                        }
                    }
                }
                (None, None) => {}
            }
        }
    }

    /// Compares two schemas (refs resolved) at `at`; `what` names the place for messages.
    fn schema(
        &mut self,
        old: &Value,
        new: &Value,
        at: &str,
        dir: Direction,
        what: &str,
        depth: usize,
    ) {
        if depth > 32 {
            return; // A recursive schema: what is below was compared on the way down.
        }
        let old = resolve(self.old, old);
        let new = resolve(self.new, new);
        let d = dir.prefix();
        let request = dir == Direction::Request;
        for (keyword, rule) in [("type", "type-changed"), ("format", "format-changed")] {
            if old.get(keyword) != new.get(keyword) {
                self.push(
                    &format!("{at}/{keyword}"),
                    &format!("{d}-{rule}"),
                    Class::Breaking,
                    &format!("{what}: {keyword} changed"),
                    old.get(keyword).cloned(),
                    new.get(keyword).cloned(),
                );
            }
        }
        let nullable = |s: &Value| s.get("nullable") == Some(&Value::Bool(true));
        match (nullable(old), nullable(new)) {
            (false, true) => self.push(
                &format!("{at}/nullable"),
                &format!("{d}-became-nullable"),
                if request {
                    Class::Safe
                } else {
                    Class::Breaking
                },
                &format!("{what} became nullable"),
                Some(json!(false)),
                Some(json!(true)),
            ),
            (true, false) => self.push(
                &format!("{at}/nullable"),
                &format!("{d}-became-not-nullable"),
                if request {
                    Class::Breaking
                } else {
                    Class::Safe
                },
                &format!("{what} is no longer nullable"),
                Some(json!(true)),
                Some(json!(false)),
            ),
            _ => {}
        }
        self.enums(old, new, at, dir, what);
        self.constraints(old, new, at, dir, what);
        if old.get("default") != new.get("default") {
            let class = if request {
                Class::Breaking
            } else {
                Class::Safe
            };
            self.push(
                &format!("{at}/default"),
                &format!("{d}-default-changed"),
                class,
                &format!(
                    "{what}: default changed{}",
                    if request {
                        " (progenitor serializes defaults, so what we send changes)"
                    } else {
                        ""
                    }
                ),
                old.get("default").cloned(),
                new.get("default").cloned(),
            );
        }
        self.properties(old, new, at, dir, what, depth);
        if let (Some(o), Some(n)) = (old.get("items"), new.get("items")) {
            self.schema(
                o,
                n,
                &format!("{at}/items"),
                dir,
                &format!("{what}[]"),
                depth + 1,
            );
        }
        for keyword in ["allOf", "oneOf", "anyOf"] {
            let list = |s: &Value| {
                s.get(keyword)
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default()
            };
            let (o, n) = (list(old), list(new));
            if o.len() != n.len() {
                self.push(
                    &format!("{at}/{keyword}"),
                    &format!("{d}-{}-changed", keyword.to_lowercase()),
                    Class::Risky,
                    &format!(
                        "{what}: {keyword} now has {} branches (was {})",
                        n.len(),
                        o.len()
                    ),
                    Some(json!(o.len())),
                    Some(json!(n.len())),
                );
            } else {
                for (index, (ob, nb)) in o.iter().zip(&n).enumerate() {
                    self.schema(
                        ob,
                        nb,
                        &format!("{at}/{keyword}/{index}"),
                        dir,
                        what,
                        depth + 1,
                    );
                }
            }
        }
    }

    fn enums(&mut self, old: &Value, new: &Value, at: &str, dir: Direction, what: &str) {
        let d = dir.prefix();
        let request = dir == Direction::Request;
        let here = format!("{at}/enum");
        match (
            old.get("enum").and_then(Value::as_array),
            new.get("enum").and_then(Value::as_array),
        ) {
            (None, Some(values)) => self.push(
                &here,
                &format!("{d}-enum-added"),
                if request {
                    Class::Breaking
                } else {
                    Class::Risky
                },
                &format!("{what} is now restricted to an enum"),
                None,
                Some(json!(values)),
            ),
            (Some(values), None) => self.push(
                &here,
                &format!("{d}-enum-removed"),
                if request {
                    Class::Safe
                } else {
                    Class::Breaking
                },
                &format!("{what} is no longer an enum"),
                Some(json!(values)),
                None,
            ),
            (Some(o), Some(n)) => {
                let removed: Vec<&Value> = o.iter().filter(|v| !n.contains(v)).collect();
                let added: Vec<&Value> = n.iter().filter(|v| !o.contains(v)).collect();
                if !removed.is_empty() {
                    self.push(
                        &here,
                        &format!("{d}-enum-value-removed"),
                        if request {
                            Class::Breaking
                        } else {
                            Class::Safe
                        },
                        &format!("{what}: enum values removed {}", json!(removed)),
                        Some(json!(removed)),
                        None,
                    );
                }
                if !added.is_empty() {
                    let (class, note) = if request {
                        (Class::Safe, "")
                    } else {
                        (
                            Class::Breaking,
                            " (a closed progenitor enum fails to deserialize it)",
                        )
                    };
                    self.push(
                        &here,
                        &format!("{d}-enum-value-added"),
                        class,
                        &format!("{what}: enum values added {}{note}", json!(added)),
                        None,
                        Some(json!(added)),
                    );
                }
            }
            (None, None) => {}
        }
    }

    fn constraints(&mut self, old: &Value, new: &Value, at: &str, dir: Direction, what: &str) {
        let d = dir.prefix();
        // (keyword, true when a larger value is tighter)
        for (keyword, larger_is_tighter) in [
            ("minimum", true),
            ("maximum", false),
            ("minLength", true),
            ("maxLength", false),
            ("minItems", true),
            ("maxItems", false),
        ] {
            let (o, n) = (
                old.get(keyword).and_then(Value::as_f64),
                new.get(keyword).and_then(Value::as_f64),
            );
            let tighter = match (o, n) {
                (None, Some(_)) => true,
                (Some(_), None) => false,
                (Some(o), Some(n)) if o != n => (n > o) == larger_is_tighter,
                _ => continue,
            };
            let class = match (dir, tighter) {
                (Direction::Request, true) => Class::Breaking,
                (Direction::Request, false) => Class::Safe,
                // A wider response range can change the integer type typify picks.
                (Direction::Response, true) => Class::Safe,
                (Direction::Response, false) => Class::Risky,
            };
            let verb = if tighter { "tightened" } else { "loosened" };
            self.push(
                &format!("{at}/{keyword}"),
                &format!("{d}-{}-{verb}", kebab(keyword)),
                class,
                &format!("{what}: {keyword} {verb}"),
                old.get(keyword).cloned(),
                new.get(keyword).cloned(),
            );
        }
        for keyword in ["exclusiveMinimum", "exclusiveMaximum"] {
            if old.get(keyword) != new.get(keyword) {
                let tighter = new.get(keyword) == Some(&Value::Bool(true));
                let class = match (dir, tighter) {
                    (Direction::Request, true) => Class::Breaking,
                    (Direction::Response, false) => Class::Risky,
                    _ => Class::Safe,
                };
                let verb = if tighter { "tightened" } else { "loosened" };
                self.push(
                    &format!("{at}/{keyword}"),
                    &format!("{d}-{}-{verb}", kebab(keyword)),
                    class,
                    &format!("{what}: {keyword} {verb}"),
                    old.get(keyword).cloned(),
                    new.get(keyword).cloned(),
                );
            }
        }
        let (o, n) = (old.get("pattern"), new.get("pattern"));
        if o != n {
            let (rule, class) = match (o, n) {
                (None, Some(_)) => (
                    "pattern-added",
                    if dir == Direction::Request {
                        Class::Breaking
                    } else {
                        Class::Safe
                    },
                ),
                (Some(_), None) => (
                    "pattern-removed",
                    if dir == Direction::Request {
                        Class::Safe
                    } else {
                        Class::Risky
                    },
                ),
                _ => (
                    "pattern-changed",
                    if dir == Direction::Request {
                        Class::Breaking
                    } else {
                        Class::Risky
                    },
                ),
            };
            self.push(
                &format!("{at}/pattern"),
                &format!("{d}-{rule}"),
                class,
                &format!("{what}: pattern {}", rule.trim_start_matches("pattern-")),
                o.cloned(),
                n.cloned(),
            );
        }
    }

    fn properties(
        &mut self,
        old: &Value,
        new: &Value,
        at: &str,
        dir: Direction,
        what: &str,
        depth: usize,
    ) {
        let d = dir.prefix();
        let request = dir == Direction::Request;
        let props = |s: &Value| {
            s.get("properties")
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default()
        };
        let required = |s: &Value| -> BTreeSet<String> {
            s.get("required")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        };
        let (old_props, new_props) = (props(old), props(new));
        let (old_req, new_req) = (required(old), required(new));
        for name in old_props
            .keys()
            .chain(new_props.keys())
            .collect::<BTreeSet<_>>()
        {
            let here = format!("{at}/properties/{}", escape(name));
            match (old_props.get(name), new_props.get(name)) {
                (Some(o), None) => {
                    let class = if request || old_req.contains(name) {
                        Class::Breaking
                    } else {
                        Class::Risky
                    };
                    let note = if request {
                        " (we can no longer send it; the builder setter disappears)"
                    } else {
                        " (the generated field disappears)"
                    };
                    self.push(
                        &here,
                        &format!("{d}-property-removed"),
                        class,
                        &format!("{what}: property `{name}` removed{note}"),
                        Some(o.clone()),
                        None,
                    );
                }
                (None, Some(n)) => {
                    if request && new_req.contains(name) {
                        self.push(
                            &here,
                            "request-property-added-required",
                            Class::Breaking,
                            &format!("{what}: required property `{name}` added"),
                            None,
                            Some(n.clone()),
                        );
                    } else {
                        self.push(
                            &here,
                            &format!("{d}-property-added"),
                            Class::Safe,
                            &format!("{what}: optional property `{name}` added"),
                            None,
                            Some(n.clone()),
                        );
                    }
                }
                (Some(o), Some(n)) => {
                    match (old_req.contains(name), new_req.contains(name)) {
                        (false, true) => self.push(
                            &here,
                            &format!("{d}-property-became-required"),
                            if request {
                                Class::Breaking
                            } else {
                                Class::Safe
                            },
                            &format!("{what}: property `{name}` became required"),
                            Some(json!(false)),
                            Some(json!(true)),
                        ),
                        (true, false) => self.push(
                            &here,
                            &format!("{d}-property-became-optional"),
                            if request {
                                Class::Safe
                            } else {
                                Class::Breaking
                            },
                            &format!(
                                "{what}: property `{name}` became optional{}",
                                if request {
                                    ""
                                } else {
                                    " (the generated field becomes an Option)"
                                }
                            ),
                            Some(json!(true)),
                            Some(json!(false)),
                        ),
                        _ => {}
                    }
                    self.schema(o, n, &here, dir, &format!("{what}.{name}"), depth + 1);
                }
                (None, None) => {}
            }
        }
    }
}

fn kebab(keyword: &str) -> String {
    let mut out = String::new();
    for c in keyword.chars() {
        if c.is_ascii_uppercase() {
            out.push('-');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// Follows `$ref`s within `doc` (guarding against cycles).
fn resolve<'a>(doc: &'a Value, mut value: &'a Value) -> &'a Value {
    for _ in 0..32 {
        let Some(reference) = value.get("$ref").and_then(Value::as_str) else {
            return value;
        };
        let Some(target) = reference.strip_prefix('#').and_then(|p| doc.pointer(p)) else {
            return value;
        };
        value = target;
    }
    value
}

/// The readable report, grouped by operation.
pub(crate) fn report_text(changes: &[Change]) -> String {
    if changes.is_empty() {
        return "no semantic changes\n".into();
    }
    let mut by_operation: BTreeMap<&str, Vec<&Change>> = BTreeMap::new();
    for change in changes {
        by_operation
            .entry(&change.operation)
            .or_default()
            .push(change);
    }
    let mut out = String::new();
    for (operation, changes) in by_operation {
        out.push_str(operation);
        out.push('\n');
        for change in changes {
            out.push_str(&format!(
                "  {:<9} {}: {}\n",
                change.class.to_string().to_uppercase(),
                change.rule,
                change.message
            ));
            out.push_str(&format!("            at {}\n", change.pointer));
            if change.old.is_some() || change.new.is_some() {
                let show = |v: &Option<Value>| {
                    v.as_ref()
                        .map_or("(none)".into(), |v| truncate(&v.to_string()))
                };
                out.push_str(&format!(
                    "            {} -> {}\n",
                    show(&change.old),
                    show(&change.new)
                ));
            }
        }
    }
    let count = |class| changes.iter().filter(|c| c.class == class).count();
    out.push_str(&format!(
        "\n{} breaking, {} risky, {} safe\n",
        count(Class::Breaking),
        count(Class::Risky),
        count(Class::Safe)
    ));
    out
}

fn truncate(text: &str) -> String {
    if text.chars().count() <= 120 {
        text.to_owned()
    } else {
        format!("{}…", text.chars().take(120).collect::<String>())
    }
}

/// Parsed `cargo xtask drift` arguments.
#[derive(Debug, Default)]
struct Args {
    inputs: Vec<String>,
    provider: Option<String>,
    against: Option<String>,
    json: bool,
    fail_on: Option<Class>,
}

fn parse_args(args: &[String]) -> Result<Args> {
    let mut parsed = Args::default();
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        let mut value = |flag: &str| {
            iter.next()
                .cloned()
                .with_context(|| format!("{flag} needs a value"))
        };
        match arg.as_str() {
            "--provider" => parsed.provider = Some(value("--provider")?),
            "--against" => parsed.against = Some(value("--against")?),
            "--format" => match value("--format")?.as_str() {
                "json" => parsed.json = true,
                "text" => parsed.json = false,
                other => bail!("--format {other:?}: allowed: text, json"),
            },
            "--fail-on" => {
                parsed.fail_on = Some(match value("--fail-on")?.as_str() {
                    "breaking" => Class::Breaking,
                    "risky" => Class::Risky,
                    other => bail!("--fail-on {other:?}: allowed: breaking, risky"),
                })
            }
            flag if flag.starts_with("--") => bail!("unknown flag {flag:?} for drift"),
            input => parsed.inputs.push(input.to_owned()),
        }
    }
    Ok(parsed)
}

/// `cargo xtask drift OLD NEW | --provider NAME --against FILE|URL [--format json] [--fail-on C]`.
/// Exit 0 when nothing at or above the `--fail-on` class changed, 1 when something did, 2 when
/// an input cannot be read.
pub(crate) fn run(root: &Path, args: &[String]) -> Result<ExitCode> {
    let args = match parse_args(args) {
        Ok(args) => args,
        Err(err) => {
            eprintln!("error: {err:#}");
            return Ok(ExitCode::from(2));
        }
    };
    let compared = match (&args.provider, &args.against, args.inputs.as_slice()) {
        (None, None, [old, new]) => load(old)
            .and_then(|o| normalize(old, o))
            .and_then(|o| Ok((o, load(new).and_then(|n| normalize(new, n))?, Vec::new()))),
        (Some(provider), Some(against), []) => provider_pair(root, provider, against),
        _ => {
            eprintln!("error: give OLD NEW, or --provider NAME --against FILE|URL");
            return Ok(ExitCode::from(2));
        }
    };
    let (old, new, patch_failures) = match compared {
        Ok(pair) => pair,
        Err(err) => {
            eprintln!("error: {err}");
            return Ok(ExitCode::from(2));
        }
    };
    let mut changes = diff(&old, &new);
    for failure in patch_failures {
        changes.push(Change {
            operation: "document".into(),
            pointer: String::new(),
            rule: "patch-no-longer-applies".into(),
            class: Class::Breaking,
            message: format!("a recorded patch no longer applies; update patches.json: {failure}"),
            old: None,
            new: None,
        });
    }
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&json!({ "changes": changes }))?
        );
    } else {
        print!("{}", report_text(&changes));
    }
    let threshold = args.fail_on.unwrap_or(Class::Breaking);
    Ok(if changes.iter().any(|c| c.class >= threshold) {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// The provider's committed assembly and the assembly with `against` as its primary source,
/// both through the same patches (the defaults transform left out, so default changes show).
fn provider_pair(
    root: &Path,
    provider: &str,
    against: &str,
) -> Result<(Value, Value, Vec<String>), InputError> {
    let dir = root.join("specs").join(provider);
    if !dir.join("sources.json").exists() {
        return Err(InputError(format!(
            "unknown provider {provider:?}: no specs/{provider}/sources.json"
        )));
    }
    let published = load_any(against)?;
    let options = |replace: Option<Value>| assemble::Options {
        replace_primary: replace,
        skip_transforms: vec!["request-defaults-to-descriptions"],
        keep_going: true,
    };
    let assembled = |replace| {
        assemble::assemble_with(&dir, &options(replace))
            .map_err(|err| InputError(format!("{err:#}")))
    };
    let (old, _) = assembled(None)?;
    let (new, failures) = assembled(Some(published))?;
    Ok((
        normalize("committed", old)?,
        normalize(against, new)?,
        failures,
    ))
}

#[cfg(test)]
mod tests;
