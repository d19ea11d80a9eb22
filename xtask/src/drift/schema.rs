//! Two schemas compared keyword by keyword (references followed), each change classed by
//! [`RULES`](super::RULES) on the side, request or response, where the schema is used.

use std::collections::BTreeSet;

use seedance_openapi::{escape, follow};
use serde_json::{Value, json};

use super::{Direction, class, differ::Differ, differ::union};

/// Numeric limits: (keyword, whether a larger value is tighter).
const RANGES: [(&str, bool); 6] = [
    ("minimum", true),
    ("maximum", false),
    ("minLength", true),
    ("maxLength", false),
    ("minItems", true),
    ("maxItems", false),
];

impl Differ<'_> {
    /// Pushes a change of the schema rule `key` (a key of `RULES`), reported as
    /// `<side>-<rule>`.
    #[allow(clippy::too_many_arguments)]
    fn schema_change(
        &mut self,
        at: &str,
        rule: &str,
        key: &str,
        dir: Direction,
        message: &str,
        old: Option<Value>,
        new: Option<Value>,
    ) {
        let rule = format!("{}-{rule}", dir.prefix());
        self.push(at, &rule, class(key, dir), message, old, new);
    }

    /// Compares two schemas (refs resolved) at `at`; `what` names the place for messages.
    pub(super) fn schema(
        &mut self,
        old: &Value,
        new: &Value,
        at: &str,
        dir: Direction,
        what: &str,
    ) {
        if self.depth > 32 {
            return; // A recursive schema: what is below was compared on the way down.
        }
        let old = follow(self.old, old);
        let new = follow(self.new, new);
        let request = dir == Direction::Request;
        for (keyword, rule) in [("type", "type-changed"), ("format", "format-changed")] {
            if old.get(keyword) != new.get(keyword) {
                self.schema_change(
                    &format!("{at}/{keyword}"),
                    rule,
                    rule,
                    dir,
                    &format!("{what}: {keyword} changed"),
                    old.get(keyword).cloned(),
                    new.get(keyword).cloned(),
                );
            }
        }
        let nullable = |s: &Value| s.get("nullable") == Some(&Value::Bool(true));
        let (rule, message) = match (nullable(old), nullable(new)) {
            (false, true) => ("became-nullable", format!("{what} became nullable")),
            (true, false) => (
                "became-not-nullable",
                format!("{what} is no longer nullable"),
            ),
            _ => ("", String::new()),
        };
        if !rule.is_empty() {
            let (o, n) = (nullable(old), nullable(new));
            let at = format!("{at}/nullable");
            self.schema_change(
                &at,
                rule,
                rule,
                dir,
                &message,
                Some(json!(o)),
                Some(json!(n)),
            );
        }
        self.enums(old, new, at, dir, what);
        self.constraints(old, new, at, dir, what);
        if old.get("default") != new.get("default") {
            let note = if request {
                " (progenitor serializes defaults, so what we send changes)"
            } else {
                ""
            };
            self.schema_change(
                &format!("{at}/default"),
                "default-changed",
                "default-changed",
                dir,
                &format!("{what}: default changed{note}"),
                old.get("default").cloned(),
                new.get("default").cloned(),
            );
        }
        self.properties(old, new, at, dir, what);
        if let (Some(o), Some(n)) = (old.get("items"), new.get("items")) {
            let (at, what) = (format!("{at}/items"), format!("{what}[]"));
            self.nested(o, n, &at, dir, &what);
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
                self.schema_change(
                    &format!("{at}/{keyword}"),
                    &format!("{}-changed", keyword.to_lowercase()),
                    "composition-changed",
                    dir,
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
                    let at = format!("{at}/{keyword}/{index}");
                    self.nested(ob, nb, &at, dir, what);
                }
            }
        }
    }

    /// Compares two schemas one level down.
    fn nested(&mut self, old: &Value, new: &Value, at: &str, dir: Direction, what: &str) {
        self.depth += 1;
        self.schema(old, new, at, dir, what);
        self.depth -= 1;
    }

    fn enums(&mut self, old: &Value, new: &Value, at: &str, dir: Direction, what: &str) {
        let here = format!("{at}/enum");
        let values = |s: &Value| s.get("enum").and_then(Value::as_array).cloned();
        match (values(old), values(new)) {
            (None, Some(values)) => self.schema_change(
                &here,
                "enum-added",
                "enum-added",
                dir,
                &format!("{what} is now restricted to an enum"),
                None,
                Some(json!(values)),
            ),
            (Some(values), None) => self.schema_change(
                &here,
                "enum-removed",
                "enum-removed",
                dir,
                &format!("{what} is no longer an enum"),
                Some(json!(values)),
                None,
            ),
            (Some(o), Some(n)) => {
                let removed: Vec<&Value> = o.iter().filter(|v| !n.contains(v)).collect();
                let added: Vec<&Value> = n.iter().filter(|v| !o.contains(v)).collect();
                if !removed.is_empty() {
                    self.schema_change(
                        &here,
                        "enum-value-removed",
                        "enum-value-removed",
                        dir,
                        &format!("{what}: enum values removed {}", json!(removed)),
                        Some(json!(removed)),
                        None,
                    );
                }
                if !added.is_empty() {
                    let note = match dir {
                        Direction::Request => "",
                        Direction::Response => {
                            " (a closed progenitor enum fails to deserialize it)"
                        }
                    };
                    self.schema_change(
                        &here,
                        "enum-value-added",
                        "enum-value-added",
                        dir,
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
        let mut changed = Vec::new();
        for (keyword, larger_is_tighter) in RANGES {
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
            changed.push((keyword, tighter));
        }
        for keyword in ["exclusiveMinimum", "exclusiveMaximum"] {
            if old.get(keyword) != new.get(keyword) {
                changed.push((keyword, new.get(keyword) == Some(&Value::Bool(true))));
            }
        }
        for (keyword, tighter) in changed {
            let verb = if tighter { "tightened" } else { "loosened" };
            self.schema_change(
                &format!("{at}/{keyword}"),
                &format!("{}-{verb}", kebab(keyword)),
                &format!("range-{verb}"),
                dir,
                &format!("{what}: {keyword} {verb}"),
                old.get(keyword).cloned(),
                new.get(keyword).cloned(),
            );
        }
        let (o, n) = (old.get("pattern"), new.get("pattern"));
        let rule = match (o, n) {
            (None, None) => return,
            _ if o == n => return,
            (None, Some(_)) => "pattern-added",
            (Some(_), None) => "pattern-removed",
            _ => "pattern-changed",
        };
        self.schema_change(
            &format!("{at}/pattern"),
            rule,
            rule,
            dir,
            &format!("{what}: pattern {}", rule.trim_start_matches("pattern-")),
            o.cloned(),
            n.cloned(),
        );
    }

    fn properties(&mut self, old: &Value, new: &Value, at: &str, dir: Direction, what: &str) {
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
        for name in union(old_props.keys(), new_props.keys()) {
            let here = format!("{at}/properties/{}", escape(name));
            match (old_props.get(name), new_props.get(name)) {
                (Some(o), None) => {
                    let key = if old_req.contains(name) {
                        "property-removed: required"
                    } else {
                        "property-removed"
                    };
                    let note = if request {
                        " (we can no longer send it; the builder setter disappears)"
                    } else {
                        " (the generated field disappears)"
                    };
                    self.schema_change(
                        &here,
                        "property-removed",
                        key,
                        dir,
                        &format!("{what}: property `{name}` removed{note}"),
                        Some(o.clone()),
                        None,
                    );
                }
                (None, Some(n)) => {
                    let (rule, key, message) = if new_req.contains(name) {
                        let rule = if request {
                            "property-added-required"
                        } else {
                            "property-added"
                        };
                        let message = if request {
                            format!("{what}: required property `{name}` added")
                        } else {
                            format!("{what}: optional property `{name}` added")
                        };
                        (rule, "property-added: required", message)
                    } else {
                        let message = format!("{what}: optional property `{name}` added");
                        ("property-added", "property-added", message)
                    };
                    self.schema_change(&here, rule, key, dir, &message, None, Some(n.clone()));
                }
                (Some(o), Some(n)) => {
                    let (was, is) = (old_req.contains(name), new_req.contains(name));
                    if was != is {
                        let (rule, note) = match (is, request) {
                            (true, _) => ("property-became-required", "required"),
                            (false, true) => ("property-became-optional", "optional"),
                            (false, false) => (
                                "property-became-optional",
                                "optional (the generated field becomes an Option)",
                            ),
                        };
                        self.schema_change(
                            &here,
                            rule,
                            rule,
                            dir,
                            &format!("{what}: property `{name}` became {note}"),
                            Some(json!(was)),
                            Some(json!(is)),
                        );
                    }
                    let what = format!("{what}.{name}");
                    self.nested(o, n, &here, dir, &what);
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
