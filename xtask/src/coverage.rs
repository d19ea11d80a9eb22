//! `cargo xtask coverage`: spec coverage. Every request property of every operation of every
//! provider's `openapi.json` (top-level request body properties, and path, query, header and
//! cookie parameters) must be declared in `specs/<provider>/coverage.json`, either as mapped by
//! the facade or as unsupported with a reason, so a field a provider adds to its spec cannot go
//! unnoticed. A declaration whose property has left the spec is stale and fails as well.
//!
//! `coverage.json` is `{"<operationId>": {"<name>": {"mapped": "<unified field>"} |
//! {"unsupported": "<reason>"}}}`, with sorted keys and two-space indentation. That the
//! facade really sends every "mapped" property is checked by `tests/tests/coverage.rs`.

use std::{
    collections::{BTreeMap, BTreeSet},
    fmt::Write as _,
    fs,
    path::Path,
    process::ExitCode,
};

use anyhow::{Context, Result, bail, format_err};
use serde_json::{Map, Value};

use crate::{assemble, codegen};

/// Where a property lives in a request: `body`, or a parameter's `in`.
type Locations = BTreeSet<String>;

/// operationId -> property name -> where it lives.
type SpecProperties = BTreeMap<String, BTreeMap<String, Locations>>;

/// What `coverage.json` says about one property.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Declared {
    Mapped(String),
    Unsupported(String),
    /// Neither form: kept so the table can show it; reported as a problem.
    Malformed,
}

/// One line of a provider's table.
struct Row {
    operation: String,
    property: String,
    location: String,
    status: &'static str,
    detail: String,
}

/// One provider's table and problems.
struct Report {
    provider: String,
    rows: Vec<Row>,
    problems: Vec<String>,
}

/// Prints a table per provider, then every problem; fails when there is any.
pub(crate) fn run(root: &Path) -> Result<ExitCode> {
    for report in reports(root)? {
        print!("{}", table(&report));
    }
    let problems = check(root)?;
    if problems.is_empty() {
        println!("spec coverage: every request property is mapped or declared unsupported");
        return Ok(ExitCode::SUCCESS);
    }
    eprintln!("spec coverage: {} problem(s):", problems.len());
    for problem in &problems {
        eprintln!("  - {problem}");
    }
    eprintln!(
        "declare each property in specs/<provider>/coverage.json as \
         {{\"mapped\": \"<unified field>\"}} or {{\"unsupported\": \"<reason>\"}}, \
         and remove stale entries"
    );
    Ok(ExitCode::FAILURE)
}

/// Every problem of every provider: properties in the spec but not in `coverage.json`,
/// entries of `coverage.json` no longer in the spec, and malformed entries.
pub(crate) fn check(root: &Path) -> Result<Vec<String>> {
    Ok(reports(root)?
        .into_iter()
        .flat_map(|report| report.problems)
        .collect())
}

fn reports(root: &Path) -> Result<Vec<Report>> {
    let providers = codegen::providers(root)?;
    if providers.is_empty() {
        bail!(
            "no provider folder (with sources.json) in {}",
            root.join("specs").display()
        );
    }
    providers
        .into_iter()
        .map(|provider| report(root, provider))
        .collect()
}

fn report(root: &Path, provider: String) -> Result<Report> {
    let dir = root.join("specs").join(&provider);
    let spec_path = dir.join("openapi.json");
    let spec = assemble::read_json(&spec_path)?;
    let properties = spec_properties(&spec)
        .with_context(|| format!("cannot read the operations of {}", spec_path.display()))?;

    let mut problems = Vec::new();
    let coverage_path = dir.join("coverage.json");
    let coverage = if coverage_path.exists() {
        let text = fs::read_to_string(&coverage_path)
            .with_context(|| format!("cannot read {}", coverage_path.display()))?;
        let value = assemble::read_json(&coverage_path)?;
        if text != canonical(&value)? {
            problems.push(format!(
                "{provider}: coverage.json is not in canonical form \
                 (sorted keys, two-space indentation, final newline)"
            ));
        }
        value
    } else {
        problems.push(format!(
            "{provider}: specs/{provider}/coverage.json is missing"
        ));
        Value::Object(Map::new())
    };
    let declared = parse_coverage(&provider, &coverage, &mut problems);

    let mut rows = Vec::new();
    for (operation, props) in &properties {
        for (property, locations) in props {
            let location = locations.iter().cloned().collect::<Vec<_>>().join(", ");
            let entry = declared.get(operation).and_then(|d| d.get(property));
            let (status, detail) = match entry {
                Some(Declared::Mapped(detail)) => ("mapped", detail.clone()),
                Some(Declared::Unsupported(reason)) => ("unsupported", reason.clone()),
                Some(Declared::Malformed) => ("MALFORMED", String::new()),
                None => {
                    problems.push(format!(
                        "{provider}: {operation}: {property} ({location}) is in openapi.json \
                         but not in coverage.json"
                    ));
                    ("MISSING", String::new())
                }
            };
            rows.push(Row {
                operation: operation.clone(),
                property: property.clone(),
                location,
                status,
                detail,
            });
        }
    }
    for (operation, entries) in &declared {
        let Some(props) = properties.get(operation) else {
            if entries.is_empty() {
                problems.push(format!(
                    "{provider}: {operation} is in coverage.json but no longer in openapi.json \
                     (stale)"
                ));
            }
            for property in entries.keys() {
                problems.push(format!(
                    "{provider}: {operation}: {property} is in coverage.json but the operation \
                     is no longer in openapi.json (stale)"
                ));
            }
            continue;
        };
        for property in entries.keys().filter(|p| !props.contains_key(*p)) {
            problems.push(format!(
                "{provider}: {operation}: {property} is in coverage.json but no longer in \
                 openapi.json (stale)"
            ));
        }
    }
    Ok(Report {
        provider,
        rows,
        problems,
    })
}

/// The text `coverage.json` must have: sorted keys, two-space indentation, a final newline.
fn canonical(value: &Value) -> Result<String> {
    let mut value = value.clone();
    assemble::sort_keys(&mut value);
    let mut text = serde_json::to_string_pretty(&value)?;
    text.push('\n');
    Ok(text)
}

/// The declarations of `coverage.json`; every malformed part is added to `problems`.
fn parse_coverage(
    provider: &str,
    coverage: &Value,
    problems: &mut Vec<String>,
) -> BTreeMap<String, BTreeMap<String, Declared>> {
    let mut declared = BTreeMap::new();
    let Some(operations) = coverage.as_object() else {
        problems.push(format!(
            "{provider}: coverage.json must be an object keyed by operationId"
        ));
        return declared;
    };
    for (operation, entries) in operations {
        let mut parsed = BTreeMap::new();
        let Some(entries) = entries.as_object() else {
            problems.push(format!(
                "{provider}: {operation}: must be an object keyed by property name"
            ));
            declared.insert(operation.clone(), parsed);
            continue;
        };
        for (property, entry) in entries {
            let one = entry
                .as_object()
                .filter(|e| e.len() == 1)
                .and_then(|e| e.iter().next())
                .and_then(|(kind, text)| {
                    let text = text.as_str().map(str::trim).filter(|t| !t.is_empty())?;
                    match kind.as_str() {
                        "mapped" => Some(Declared::Mapped(text.to_owned())),
                        "unsupported" => Some(Declared::Unsupported(text.to_owned())),
                        _ => None,
                    }
                });
            let entry = one.unwrap_or_else(|| {
                problems.push(format!(
                    "{provider}: {operation}: {property}: expected {{\"mapped\": \"<unified \
                     field>\"}} or {{\"unsupported\": \"<reason>\"}} with a non-empty string, \
                     found {entry}"
                ));
                Declared::Malformed
            });
            parsed.insert(property.clone(), entry);
        }
        declared.insert(operation.clone(), parsed);
    }
    declared
}

/// The request properties of every operation of the OpenAPI document `spec`: the top-level
/// properties of each request body schema (through `$ref`, `allOf`, `oneOf` and `anyOf`, for
/// every media type) and every parameter (path-level and operation-level).
fn spec_properties(spec: &Value) -> Result<SpecProperties> {
    let mut operations = SpecProperties::new();
    for op in seedance_openapi::operations(spec) {
        let at = format!("{} {}", op.method, op.path);
        let id = op
            .id()
            .with_context(|| format!("{at} has no operationId"))?;
        if operations.contains_key(id) {
            bail!("{at}: operationId {id} is used twice");
        }
        let mut props: BTreeMap<String, Locations> = BTreeMap::new();
        for parameter in op
            .parameters(spec)
            .map_err(|err| format_err!("{at}: {err}"))?
        {
            let name = parameter
                .get("name")
                .and_then(Value::as_str)
                .with_context(|| format!("{at}: a parameter has no name"))?;
            let location = parameter
                .get("in")
                .and_then(Value::as_str)
                .unwrap_or("parameter");
            props
                .entry(name.to_owned())
                .or_default()
                .insert(location.to_owned());
        }
        let body = op
            .body_properties(spec)
            .map_err(|err| format_err!("{at}: {err}"))?;
        for name in body {
            props.entry(name).or_default().insert("body".to_owned());
        }
        operations.insert(id.to_owned(), props);
    }
    Ok(operations)
}

/// A provider's table: operation, property, where it lives, status, detail.
fn table(report: &Report) -> String {
    let header = ["operation", "property", "in", "status", "detail"];
    let cells: Vec<[&str; 5]> = report
        .rows
        .iter()
        .map(|r| {
            [
                r.operation.as_str(),
                r.property.as_str(),
                r.location.as_str(),
                r.status,
                r.detail.as_str(),
            ]
        })
        .collect();
    let mut widths = header.map(str::len);
    for row in &cells {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let mapped = report.rows.iter().filter(|r| r.status == "mapped").count();
    let unsupported = report
        .rows
        .iter()
        .filter(|r| r.status == "unsupported")
        .count();
    let _ = writeln!(
        out,
        "{} ({} properties: {mapped} mapped, {unsupported} unsupported, {} undeclared)",
        report.provider,
        report.rows.len(),
        report.rows.len() - mapped - unsupported,
    );
    let line = |out: &mut String, row: &[&str; 5]| {
        let mut text = String::from(" ");
        for (cell, width) in row.iter().zip(widths) {
            let _ = write!(text, " {cell:<width$} ");
        }
        let _ = writeln!(out, "{}", text.trim_end());
    };
    line(&mut out, &header);
    let rule = widths.map(|w| "-".repeat(w));
    line(&mut out, &rule.each_ref().map(String::as_str));
    for row in &cells {
        line(&mut out, row);
    }
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use serde_json::json;

    use super::*;

    /// A scratch workspace root with `specs/<provider>/{sources.json, openapi.json,
    /// coverage.json}`, removed on drop.
    struct Scratch(PathBuf);

    impl Scratch {
        fn new(name: &str) -> Self {
            let dir = std::env::temp_dir().join(format!(
                "seedance-xtask-coverage-{name}-{}",
                std::process::id()
            ));
            let _ = fs::remove_dir_all(&dir);
            fs::create_dir_all(dir.join("specs")).unwrap();
            Scratch(dir)
        }

        fn provider(&self, provider: &str, spec: &Value, coverage: &Value) {
            let dir = self.0.join("specs").join(provider);
            fs::create_dir_all(&dir).unwrap();
            fs::write(dir.join("sources.json"), "[]\n").unwrap();
            fs::write(dir.join("openapi.json"), canonical(spec).unwrap()).unwrap();
            fs::write(dir.join("coverage.json"), canonical(coverage).unwrap()).unwrap();
        }
    }

    impl Drop for Scratch {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    /// The committed `coverage.json` files declare every property of the committed specs, and
    /// nothing else.
    #[test]
    fn committed_coverage_has_no_problems() {
        let root = crate::project_root().expect("tests run inside the workspace");
        let problems = check(&root).unwrap();
        assert!(
            problems.is_empty(),
            "run `cargo xtask coverage`: {problems:#?}"
        );
        for report in reports(&root).unwrap() {
            assert!(
                !report.rows.is_empty(),
                "{}: no properties",
                report.provider
            );
        }
    }

    fn synthetic_spec() -> Value {
        json!({
            "openapi": "3.0.3",
            "paths": {
                "/videos": {
                    "post": {
                        "operationId": "createVideo",
                        "requestBody": {"$ref": "#/components/requestBodies/Create"}
                    }
                },
                "/tasks/{task_id}": {
                    "parameters": [{"$ref": "#/components/parameters/TaskId"}],
                    "get": {
                        "operationId": "getTask",
                        "parameters": [
                            {"in": "query", "name": "verbose", "schema": {"type": "boolean"}}
                        ]
                    }
                }
            },
            "components": {
                "parameters": {
                    "TaskId": {"in": "path", "name": "task_id", "required": true,
                               "schema": {"type": "string"}}
                },
                "requestBodies": {
                    "Create": {"content": {"application/json": {
                        "schema": {"$ref": "#/components/schemas/Create"}}}}
                },
                "schemas": {
                    "Base": {"type": "object", "properties": {"prompt": {"type": "string"}}},
                    "Create": {
                        "allOf": [
                            {"$ref": "#/components/schemas/Base"},
                            {"type": "object", "properties": {"duration": {"type": "integer"}}}
                        ]
                    }
                }
            }
        })
    }

    fn synthetic_coverage() -> Value {
        json!({
            "createVideo": {
                "duration": {"mapped": "duration"},
                "prompt": {"mapped": "prompt"}
            },
            "getTask": {
                "task_id": {"mapped": "task id"},
                "verbose": {"unsupported": "the facade reads only the status"}
            }
        })
    }

    #[test]
    fn properties_are_found_through_refs_composition_and_parameters() {
        let found = spec_properties(&synthetic_spec()).unwrap();
        let names = |op: &str| found[op].keys().cloned().collect::<Vec<_>>();
        assert_eq!(names("createVideo"), ["duration", "prompt"]);
        assert_eq!(names("getTask"), ["task_id", "verbose"]);
        assert_eq!(
            found["getTask"]["task_id"],
            BTreeSet::from(["path".to_owned()])
        );

        let scratch = Scratch::new("complete");
        scratch.provider("acme", &synthetic_spec(), &synthetic_coverage());
        assert_eq!(check(&scratch.0).unwrap(), Vec::<String>::new());
        assert_eq!(run(&scratch.0).unwrap(), ExitCode::SUCCESS);
    }

    /// A property added to a spec (body or parameter) fails until it is declared; so do stale
    /// and malformed declarations.
    #[test]
    fn a_new_property_in_a_spec_is_reported() {
        let mut spec = synthetic_spec();
        spec["components"]["schemas"]["Create"]["allOf"][1]["properties"]["watermark"] =
            json!({"type": "boolean"});
        spec["paths"]["/tasks/{task_id}"]["get"]["parameters"]
            .as_array_mut()
            .unwrap()
            .push(json!({"in": "header", "name": "x-trace", "schema": {"type": "string"}}));
        let mut coverage = synthetic_coverage();
        coverage["createVideo"]["fps"] = json!({"mapped": "fps"});
        coverage["deleteVideo"] = json!({"task_id": {"mapped": "task id"}});
        coverage["getTask"]["verbose"] = json!({"unsupported": ""});

        let scratch = Scratch::new("extra");
        scratch.provider("acme", &spec, &coverage);
        let problems = check(&scratch.0).unwrap();
        let expected = [
            "acme: createVideo: watermark (body) is in openapi.json but not in coverage.json",
            "acme: getTask: x-trace (header) is in openapi.json but not in coverage.json",
            "acme: createVideo: fps is in coverage.json but no longer in openapi.json (stale)",
            "acme: deleteVideo: task_id is in coverage.json but the operation is no longer in \
             openapi.json (stale)",
            "acme: getTask: verbose: expected",
        ];
        assert_eq!(problems.len(), expected.len(), "{problems:#?}");
        for start in expected {
            assert!(
                problems.iter().any(|p| p.starts_with(start)),
                "{start:?} not in {problems:#?}"
            );
        }
        assert_eq!(run(&scratch.0).unwrap(), ExitCode::FAILURE);
    }

    /// The same holds for the real specs: a body property and a parameter added to any
    /// operation of a copy of a committed spec are reported by name.
    #[test]
    fn a_new_property_in_a_committed_spec_is_reported() {
        let root = crate::project_root().expect("tests run inside the workspace");
        for provider in codegen::providers(&root).unwrap() {
            let dir = root.join("specs").join(&provider);
            let spec = assemble::read_json(&dir.join("openapi.json")).unwrap();
            let coverage = assemble::read_json(&dir.join("coverage.json")).unwrap();
            for operation in spec_properties(&spec).unwrap().keys() {
                let mut spec = spec.clone();
                let mut expected = vec![format!(
                    "{provider}: {operation}: x_new_parameter (query) is in openapi.json but \
                     not in coverage.json"
                )];
                if add_body_property(&mut spec, operation, "x_new_field") {
                    expected.insert(
                        0,
                        format!(
                            "{provider}: {operation}: x_new_field (body) is in openapi.json but \
                             not in coverage.json"
                        ),
                    );
                }
                add_parameter(&mut spec, operation, "x_new_parameter");
                let scratch = Scratch::new(&format!("{provider}-{operation}"));
                scratch.provider(&provider, &spec, &coverage);
                assert_eq!(check(&scratch.0).unwrap(), expected);
            }
        }
    }

    fn operation_mut<'a>(spec: &'a mut Value, operation_id: &str) -> &'a mut Value {
        spec["paths"]
            .as_object_mut()
            .unwrap()
            .values_mut()
            .flat_map(|item| item.as_object_mut().unwrap().values_mut())
            .find(|op| op["operationId"] == operation_id)
            .unwrap()
    }

    /// Adds a query parameter `name` to the operation `operation_id`.
    fn add_parameter(spec: &mut Value, operation_id: &str, name: &str) {
        let operation = operation_mut(spec, operation_id);
        let parameters = operation
            .as_object_mut()
            .unwrap()
            .entry("parameters")
            .or_insert_with(|| json!([]));
        parameters
            .as_array_mut()
            .unwrap()
            .push(json!({"in": "query", "name": name, "schema": {"type": "string"}}));
    }

    /// Adds a property `name` to the JSON request body schema of `operation_id` (following a
    /// `$ref`); false when the operation has no such body.
    fn add_body_property(spec: &mut Value, operation_id: &str, name: &str) -> bool {
        let operation = operation_mut(spec, operation_id);
        let Some(schema) = operation.pointer_mut("/requestBody/content/application~1json/schema")
        else {
            return false;
        };
        let target = match schema["$ref"].as_str() {
            Some(reference) => reference.trim_start_matches('#').to_owned(),
            None => {
                schema["properties"][name] = json!({"type": "string"});
                return true;
            }
        };
        spec.pointer_mut(&target).unwrap()["properties"][name] = json!({"type": "string"});
        true
    }
}
