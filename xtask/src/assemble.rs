//! Assembles a provider's `openapi.json` from `sources/` and `patches.json` (format:
//! specs/README.md).
//!
//! Deterministic: the same inputs always give the same bytes (keys sorted, two-space indentation,
//! trailing newline).

use std::{
    collections::BTreeMap,
    fs,
    path::{Path, PathBuf},
};

use anyhow::{Context, Result, bail, format_err};
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::transform;

/// `specs/<provider>/sources.json`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Manifest {
    provider: String,
    sources: Vec<Source>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Source {
    file: PathBuf,
    kind: SourceKind,
    origin: String,
    /// Source pointer -> destination pointer; `None` merges the whole document at the root.
    take: Option<BTreeMap<String, String>>,
    #[serde(default)]
    inferred: Vec<String>,
    /// The document the provider republishes as a whole; `cargo xtask drift --provider`
    /// compares a new publication in its place.
    #[serde(default)]
    primary: bool,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "lowercase")]
enum SourceKind {
    Verbatim,
    Transcribed,
}

/// The assembled document of the provider whose spec folder is `dir`, as pretty JSON.
pub(crate) fn assemble(dir: &Path) -> Result<String> {
    let (mut doc, failures) = assemble_with(dir, &Options::default())?;
    if let Some(failure) = failures.into_iter().next() {
        bail!("{failure}");
    }
    sort_keys(&mut doc);
    let mut text = serde_json::to_string_pretty(&doc)?;
    text.push('\n');
    Ok(text)
}

/// Variations of the assembly, for `cargo xtask drift --provider`.
#[derive(Debug, Default)]
pub(crate) struct Options {
    /// Use this document in place of the primary source (the newly published one).
    pub(crate) replace_primary: Option<Value>,
    /// Named transforms to leave out.
    pub(crate) skip_transforms: Vec<&'static str>,
    /// Record a patch that no longer applies instead of failing.
    pub(crate) keep_going: bool,
}

/// Assembles the document of `dir` as `options` say; returns it with the patches that failed
/// (only with `keep_going`).
pub(crate) fn assemble_with(dir: &Path, options: &Options) -> Result<(Value, Vec<String>)> {
    let manifest_path = dir.join("sources.json");
    let manifest: Manifest = read_json(&manifest_path)
        .and_then(|v| serde_json::from_value(v).map_err(Into::into))
        .with_context(|| format!("{}: not a valid sources manifest", manifest_path.display()))?;
    if Some(manifest.provider.as_str()) != dir.file_name().and_then(|n| n.to_str()) {
        bail!(
            "{}: provider {:?} does not match its folder",
            manifest_path.display(),
            manifest.provider
        );
    }
    check_every_source_listed(dir, &manifest)?;
    let primaries = manifest.sources.iter().filter(|s| s.primary).count();
    if primaries != 1 {
        bail!(
            "{}: exactly one source must be marked \"primary\" (the document a provider \
             republishes), found {primaries}",
            manifest_path.display()
        );
    }

    let mut doc = Value::Object(Map::new());
    let mut owners = BTreeMap::new();
    for source in &manifest.sources {
        // Provenance fields are for people; reading them here keeps the manifest honest.
        let _ = (&source.kind, &source.origin, &source.inferred);
        let path = dir.join(&source.file);
        let takes = match &source.take {
            Some(takes) if takes.is_empty() => continue,
            Some(takes) => takes.clone(),
            None => BTreeMap::from([(String::new(), String::new())]),
        };
        let value = match (&options.replace_primary, source.primary) {
            (Some(replacement), true) => replacement.clone(),
            _ => read_json(&path)?,
        };
        let name = source.file.display().to_string();
        for (from, to) in takes {
            let part = value.pointer(&from).cloned().ok_or_else(|| {
                format_err!(
                    "{}: `take` pointer {from:?} is not in the source",
                    path.display()
                )
            })?;
            let target = pointer_mut_create(&mut doc, &to)
                .with_context(|| format!("{}: `take` destination {to:?}", path.display()))?;
            merge(target, part, &to, &name, &mut owners)?;
        }
    }

    let patches_path = dir.join("patches.json");
    let patches = read_json(&patches_path)?;
    let patches = patches
        .as_array()
        .ok_or_else(|| format_err!("{}: must be a JSON array", patches_path.display()))?;
    let mut failures = Vec::new();
    for (index, entry) in patches.iter().enumerate() {
        let transform = entry.get("transform").and_then(Value::as_str);
        if transform.is_some_and(|t| options.skip_transforms.contains(&t)) {
            continue;
        }
        let reason = entry.get("reason").and_then(Value::as_str).unwrap_or("");
        if let Err(err) = apply_patch(&mut doc, entry) {
            let failure = format!(
                "{}: patch #{index} ({reason}): {err:#}",
                patches_path.display()
            );
            if !options.keep_going {
                bail!("{failure}");
            }
            failures.push(failure);
        }
    }
    Ok((doc, failures))
}

fn check_every_source_listed(dir: &Path, manifest: &Manifest) -> Result<()> {
    let listed: Vec<&Path> = manifest.sources.iter().map(|s| s.file.as_path()).collect();
    for entry in fs::read_dir(dir.join("sources"))? {
        let file = Path::new("sources").join(entry?.file_name());
        if !listed.contains(&file.as_path()) {
            bail!(
                "{}: {} is not listed in sources.json; every source needs its provenance",
                dir.display(),
                file.display()
            );
        }
    }
    Ok(())
}

pub(crate) fn read_json(path: &Path) -> Result<Value> {
    let text =
        fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    serde_json::from_str(&text).map_err(|err| {
        format_err!(
            "{}:{}:{}: not valid JSON: {err}",
            path.display(),
            err.line(),
            err.column()
        )
    })
}

/// The value at `pointer`, creating empty objects along the way.
fn pointer_mut_create<'a>(doc: &'a mut Value, pointer: &str) -> Result<&'a mut Value> {
    if pointer.is_empty() {
        return Ok(doc);
    }
    let Some(rest) = pointer.strip_prefix('/') else {
        bail!("a JSON pointer starts with '/'");
    };
    let mut current = doc;
    for token in rest.split('/') {
        let key = seedance_openapi::unescape(token);
        let Value::Object(map) = current else {
            bail!("{pointer:?} goes through a value that is not an object");
        };
        current = map.entry(key).or_insert_with(|| Value::Object(Map::new()));
    }
    Ok(current)
}

/// Deep-merges `incoming` into `target`; a different value at the same place is an error naming
/// both sources. `owners` records which source set each place.
fn merge(
    target: &mut Value,
    incoming: Value,
    at: &str,
    source: &str,
    owners: &mut BTreeMap<String, String>,
) -> Result<()> {
    match (target, incoming) {
        (Value::Object(existing), Value::Object(new)) => {
            for (key, value) in new {
                let child = format!("{at}/{}", seedance_openapi::escape(&key));
                match existing.get_mut(&key) {
                    Some(slot) => merge(slot, value, &child, source, owners)?,
                    None => {
                        owners.insert(child, source.to_owned());
                        existing.insert(key, value);
                    }
                }
            }
            Ok(())
        }
        (slot, value) if *slot == value => Ok(()),
        (slot, value) if slot.as_object().is_some_and(Map::is_empty) => {
            owners.insert(at.to_owned(), source.to_owned());
            *slot = value;
            Ok(())
        }
        _ => {
            let first = owners
                .range(..=at.to_owned())
                .rev()
                .find(|(place, _)| at.starts_with(place.as_str()))
                .map_or("an earlier source", |(_, owner)| owner.as_str());
            bail!("sources {first} and {source} both define {at:?} with different values")
        }
    }
}

fn apply_patch(doc: &mut Value, entry: &Value) -> Result<()> {
    let Value::Object(fields) = entry else {
        bail!("a patch is a JSON object");
    };
    match fields.get("reason").and_then(Value::as_str) {
        Some(reason) if !reason.trim().is_empty() => {}
        _ => bail!("every patch needs a one-line `reason`"),
    }
    if let Some(name) = fields.get("transform") {
        let name = name.as_str().unwrap_or_default();
        return transform::apply(name, doc);
    }
    let mut op = fields.clone();
    op.remove("reason");
    let op: json_patch::PatchOperation = serde_json::from_value(Value::Object(op))
        .context("not an RFC 6902 operation (op, path, value, from) nor a transform")?;
    json_patch::patch(doc, &[op])?;
    Ok(())
}

/// Sorts object keys recursively, whatever serde_json's map ordering feature says.
pub(crate) fn sort_keys(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.sort_keys();
            map.values_mut().for_each(sort_keys);
        }
        Value::Array(items) => items.iter_mut().for_each(sort_keys),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn merge_reports_both_sources() {
        let mut doc = json!({});
        let mut owners = BTreeMap::new();
        merge(
            &mut doc,
            json!({"info": {"title": "a"}}),
            "",
            "one.json",
            &mut owners,
        )
        .unwrap();
        merge(
            &mut doc,
            json!({"info": {"version": "1"}}),
            "",
            "two.json",
            &mut owners,
        )
        .unwrap();
        let err = merge(
            &mut doc,
            json!({"info": {"title": "b"}}),
            "",
            "three.json",
            &mut owners,
        )
        .unwrap_err()
        .to_string();
        assert_eq!(
            err,
            r#"sources one.json and three.json both define "/info/title" with different values"#
        );
        assert_eq!(doc, json!({"info": {"title": "a", "version": "1"}}));
    }

    #[test]
    fn pointer_destinations_are_created_and_unescaped() {
        let mut doc = json!({});
        *pointer_mut_create(&mut doc, "/paths/~1a~1b/post").unwrap() = json!(1);
        assert_eq!(doc, json!({"paths": {"/a/b": {"post": 1}}}));
    }

    #[test]
    fn patches_need_a_reason() {
        let mut doc = json!({"a": 1});
        let err = apply_patch(&mut doc, &json!({"op": "remove", "path": "/a"})).unwrap_err();
        assert!(err.to_string().contains("reason"));
        apply_patch(
            &mut doc,
            &json!({"op": "remove", "path": "/a", "reason": "r"}),
        )
        .unwrap();
        assert_eq!(doc, json!({}));
    }
}
