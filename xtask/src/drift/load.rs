//! Reading the two documents `drift` compares: files or http(s) URLs, JSON or YAML, OpenAPI 3.1
//! normalized to 3.0, and a provider's assembly with a newly published primary source.

use std::path::Path;

use serde_json::Value;

use super::InputError;
use crate::{assemble, transform};

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

/// The provider's committed assembly and the assembly with `against` as its primary source,
/// both through the same patches (the defaults transform left out, so default changes show).
pub(super) fn provider_pair(
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
