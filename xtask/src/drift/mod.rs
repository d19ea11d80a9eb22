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

//!
//! `load` reads the documents, `differ` walks them side by side (`schema` compares two schemas),
//! [`RULES`] classes what it finds, and `report` prints it.

mod differ;
mod load;
mod report;
mod schema;

use std::{fmt, path::Path, process::ExitCode};

use anyhow::{Context, Result, bail};
use serde::Serialize;
use serde_json::{Value, json};

#[cfg(test)]
use crate::transform;
use Class::{Breaking, Risky, Safe};
pub(crate) use differ::diff;
#[cfg(test)]
use load::parse;
use load::provider_pair;
pub(crate) use load::{load, normalize};
pub(crate) use report::report_text;

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

/// The classification policy: (rule, class in a request, class in a response).
///
/// A rule is named as in the report without its `request-`/`response-` prefix; text after `: `
/// tells cases of one rule apart. `range` stands for `minimum`, `maximum`, their `exclusive`
/// forms, `minLength`, `maxLength`, `minItems` and `maxItems`; `composition` for the number of
/// `allOf`, `oneOf` or `anyOf` branches. A rule met on one side only has one class twice.
const RULES: &[(&str, Class, Class)] = &[
    ("info-version-changed", Safe, Safe),
    ("servers-changed", Risky, Risky),
    ("security-scheme-added", Risky, Risky),
    ("security-scheme-removed", Risky, Risky),
    ("security-scheme-changed", Risky, Risky),
    ("security-changed", Risky, Risky),
    ("operation-added", Safe, Safe),
    ("operation-removed", Breaking, Breaking),
    ("operation-id-changed", Breaking, Breaking),
    ("patch-no-longer-applies", Breaking, Breaking),
    ("parameter-added-optional", Safe, Safe),
    ("parameter-added-required", Breaking, Breaking),
    ("parameter-removed", Breaking, Breaking),
    ("parameter-became-required", Breaking, Breaking),
    ("parameter-became-optional", Safe, Safe),
    ("body-became-required", Breaking, Breaking),
    ("media-type-added", Risky, Risky),
    ("media-type-removed", Breaking, Breaking),
    ("status-added", Risky, Risky),
    ("status-removed: success", Breaking, Breaking),
    ("status-removed: error", Risky, Risky),
    ("type-changed", Breaking, Breaking),
    ("format-changed", Breaking, Breaking),
    ("became-nullable", Safe, Breaking),
    ("became-not-nullable", Breaking, Safe),
    ("enum-added", Breaking, Risky),
    ("enum-removed", Safe, Breaking),
    ("enum-value-added", Safe, Breaking),
    ("enum-value-removed", Breaking, Safe),
    ("default-changed", Breaking, Safe),
    ("range-tightened", Breaking, Safe),
    ("range-loosened", Safe, Risky),
    ("pattern-added", Breaking, Safe),
    ("pattern-removed", Safe, Risky),
    ("pattern-changed", Breaking, Risky),
    ("composition-changed", Risky, Risky),
    ("property-added", Safe, Safe),
    ("property-added: required", Breaking, Safe),
    ("property-removed", Breaking, Risky),
    ("property-removed: required", Breaking, Breaking),
    ("property-became-required", Breaking, Safe),
    ("property-became-optional", Safe, Breaking),
];

/// The class of `rule` (a key of [`RULES`]) on the side `dir`.
fn class(rule: &str, dir: Direction) -> Class {
    let (_, request, response) = RULES
        .iter()
        .find(|(name, ..)| *name == rule)
        .unwrap_or_else(|| panic!("drift rule {rule:?} is not in RULES"));
    match dir {
        Direction::Request => *request,
        Direction::Response => *response,
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
            class: class("patch-no-longer-applies", Direction::Request),
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

#[cfg(test)]
mod tests;
