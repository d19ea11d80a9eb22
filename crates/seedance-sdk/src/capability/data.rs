//! The capability data: one JSON document per provider (`specs/<provider>/capabilities.json`,
//! compiled in from the copies under `capabilities/`), and the same format read at run time
//! ([`CapabilityTable::from_file`]) to correct or extend the built-in table.
//!
//! The format is described in `specs/README.md` ("Capabilities"). Every value a capability
//! allows is written there once, with its source; the rules that cannot be data live in the
//! provider's capability module (`ark.rs`).

use std::{
    collections::BTreeMap,
    path::Path,
    sync::{Arc, LazyLock},
};

use serde::{Deserialize, Serialize};

use super::{Capabilities, Mode};
use crate::{
    media::{ImageRules, Inline},
    provider::Provider,
    request::{Field, Model, OutputFormat, Ratio, Resolution},
};

/// The built-in documents, as `(name, text)`: copies of `specs/<provider>/capabilities.json`
/// written by `cargo xtask codegen` (so the published crate builds from its own files).
const BUILT_IN: [(&str, &str); 4] = [
    (
        "specs/modellix/capabilities.json",
        include_str!("../../capabilities/modellix.json"),
    ),
    (
        "specs/jiekou/capabilities.json",
        include_str!("../../capabilities/jiekou.json"),
    ),
    (
        "specs/odkkk/capabilities.json",
        include_str!("../../capabilities/odkkk.json"),
    ),
    (
        "specs/ark/capabilities.json",
        include_str!("../../capabilities/ark.json"),
    ),
];

/// The largest capability file read at run time; the built-in ones are a few tens of KiB.
const MAX_FILE_BYTES: u64 = 4 * 1024 * 1024;

static BUILT_IN_TABLE: LazyLock<Arc<CapabilityTable>> = LazyLock::new(|| {
    let mut table = CapabilityTable::default();
    for (name, text) in BUILT_IN {
        // The documents are checked by `cargo test` (and `cargo xtask codegen --check`), so a
        // failure here is a build that skipped its tests.
        let documents =
            parse(name, text).unwrap_or_else(|err| panic!("built-in capability data: {err}"));
        for document in documents {
            table.wire.insert(document.provider, document.wire.clone());
            table.entries.extend(document.entries);
        }
    }
    Arc::new(table)
});

/// Where a capability value comes from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    /// The page, when it has an address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// What the source is (a document, a repository and path, an index id), when a URL alone
    /// does not say.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document: Option<String>,
    /// The date (`YYYY-MM-DD`) the source was read.
    pub as_of: String,
    /// Whether the provider documents the value or it is inferred from another source.
    pub basis: Basis,
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let what = match (&self.url, &self.document) {
            (Some(url), Some(document)) => format!("{document} ({url})"),
            (Some(url), None) => url.clone(),
            (None, Some(document)) => document.clone(),
            (None, None) => "unnamed".to_owned(),
        };
        write!(f, "{what}, {} as of {}", self.basis, self.as_of)
    }
}

/// Whether a value is the provider's word or ours.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// Documented by the provider.
    Documented,
    /// Inferred: from an SDK, a reseller, a third party or a test, not the provider's
    /// documentation.
    Inferred,
}

impl std::fmt::Display for Basis {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Basis::Documented => "documented",
            Basis::Inferred => "inferred",
        })
    }
}

/// One of a model's ids at a provider: which site knows it, and for which inputs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelId {
    /// The id, as sent in `model`.
    pub id: String,
    /// The site that knows the model by this id.
    pub site: Site,
    /// The requests the id is for.
    #[serde(default, skip_serializing_if = "IdInputs::is_any")]
    pub inputs: IdInputs,
}

/// A site of a provider whose model ids differ from another's.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Site {
    /// BytePlus ModelArk (and every other Ark base URL).
    Byteplus,
    /// Volcengine Ark (`*.volces.com`): `doubao-` ids.
    Volcengine,
}

/// Which requests an id is for: Seedance 1.0 Lite has one id for text and one for media.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdInputs {
    /// Every request.
    #[default]
    Any,
    /// Text to video only.
    Text,
    /// Requests with images, videos or audio.
    Media,
}

impl IdInputs {
    fn is_any(&self) -> bool {
        *self == IdInputs::Any
    }
}

/// A capability document or file that cannot be read: the file, the place in it, and why.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{file}: {place}: {message}")]
pub struct CapabilityFileError {
    /// The file (as given).
    pub file: String,
    /// Where in it: `line L, column C`, or a path such as `models[2] (seedance-2.5).duration`.
    pub place: String,
    /// What is wrong and what is allowed.
    pub message: String,
}

/// A table of capabilities: the built-in one, or the built-in one with entries replaced from
/// capability files ([`with_file`](Self::with_file)).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CapabilityTable {
    entries: Vec<Capabilities>,
    /// Each provider's wire names (from the built-in documents only).
    wire: BTreeMap<Provider, Vec<(Field, String)>>,
}

impl CapabilityTable {
    /// The table compiled into this crate.
    pub fn built_in() -> Arc<CapabilityTable> {
        Arc::clone(&BUILT_IN_TABLE)
    }

    /// The capabilities of `provider` for `model`, or `None` when the table has no entry.
    pub fn get(&self, provider: Provider, model: Model) -> Option<&Capabilities> {
        self.entries
            .iter()
            .find(|caps| caps.provider == provider && caps.model == model)
    }

    /// Every entry, providers in [`Provider::ALL`] order, then models in [`Model::ALL`] order.
    pub fn entries(&self) -> impl Iterator<Item = &Capabilities> {
        Provider::ALL.into_iter().flat_map(move |provider| {
            Model::ALL
                .into_iter()
                .filter_map(move |model| self.get(provider, model))
        })
    }

    /// The built-in table with the entries of the (provider, model) pairs that the capability
    /// file at `path` names replaced by the file's (pairs the table lacks are added).
    ///
    /// The file has the format of `specs/<provider>/capabilities.json`: one provider's document,
    /// or a JSON array of them. Its `wire` table, if any, must equal the built-in one: wire names
    /// are the mapping's, not a capability.
    ///
    /// # Errors
    ///
    /// [`CapabilityFileError`] naming the file and the place in it.
    pub fn with_file(&self, path: &Path) -> Result<CapabilityTable, CapabilityFileError> {
        let name = path.display().to_string();
        let fail = |place: &str, message: String| CapabilityFileError {
            file: name.clone(),
            place: place.to_owned(),
            message,
        };
        let metadata = std::fs::metadata(path).map_err(|err| fail("the file", err.to_string()))?;
        if !metadata.is_file() {
            return Err(fail("the file", "is not a regular file".into()));
        }
        if metadata.len() > MAX_FILE_BYTES {
            return Err(fail(
                "the file",
                format!(
                    "{} bytes is too large; allowed: up to {MAX_FILE_BYTES} bytes",
                    metadata.len()
                ),
            ));
        }
        let text =
            std::fs::read_to_string(path).map_err(|err| fail("the file", err.to_string()))?;
        self.with_text(&name, &text)
    }

    /// [`with_file`](Self::with_file) for a document already read; `name` names it in errors.
    ///
    /// # Errors
    ///
    /// [`CapabilityFileError`] naming `name` and the place in the text.
    pub fn with_text(
        &self,
        name: &str,
        text: &str,
    ) -> Result<CapabilityTable, CapabilityFileError> {
        let mut table = self.clone();
        for document in parse(name, text)? {
            if let Some(wire) = document.wire_given
                && table.wire.get(&document.provider) != Some(&wire)
            {
                return Err(CapabilityFileError {
                    file: name.to_owned(),
                    place: "wire".into(),
                    message: format!(
                        "differs from the built-in wire names of {}; allowed: leave it out (wire names are the SDK's mapping, not a capability)",
                        document.provider
                    ),
                });
            }
            for entry in document.entries {
                match table
                    .entries
                    .iter_mut()
                    .find(|caps| caps.provider == entry.provider && caps.model == entry.model)
                {
                    Some(slot) => *slot = entry,
                    None => table.entries.push(entry),
                }
            }
        }
        Ok(table)
    }

    /// The wire name of each unified field `provider` sends at the top level of its body.
    pub(crate) fn wire(&self, provider: Provider) -> &[(Field, String)] {
        self.wire.get(&provider).map_or(&[], Vec::as_slice)
    }
}

/// The wire table of `provider` in the built-in data.
pub(crate) fn built_in_wire(provider: Provider) -> &'static [(Field, String)] {
    let table: &'static CapabilityTable = &BUILT_IN_TABLE;
    table.wire(provider)
}

/// A parsed document.
struct Parsed {
    provider: Provider,
    wire: Vec<(Field, String)>,
    /// The `wire` table as the document gave it, when it gave one.
    wire_given: Option<Vec<(Field, String)>>,
    entries: Vec<Capabilities>,
}

/// One provider's document as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Document {
    #[serde(rename = "$comment", default)]
    _comment: Option<String>,
    provider: Provider,
    #[serde(default)]
    sources: BTreeMap<String, Source>,
    #[serde(default)]
    wire: Option<BTreeMap<Field, String>>,
    models: Vec<Entry>,
}

/// One model's entry as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    model: Model,
    source: String,
    #[serde(default)]
    rule_sources: BTreeMap<String, String>,
    #[serde(default)]
    ids: Vec<ModelId>,
    #[serde(default)]
    id_prefixes: Vec<String>,
    duration: (u32, u32),
    duration_auto: bool,
    frame_count: Option<(u32, u32)>,
    resolutions: Vec<Resolution>,
    ratios: Vec<Ratio>,
    seed: Option<(i64, i64)>,
    #[serde(default)]
    fps: Vec<u32>,
    prompt_max_chars: Option<usize>,
    modes: Vec<Mode>,
    max_reference_images: usize,
    max_reference_videos: usize,
    max_reference_audio: usize,
    audio_needs_visual: bool,
    execution_expires_after: Option<(u32, u32)>,
    priority: Option<(u8, u8)>,
    safety_identifier_max_chars: Option<usize>,
    frames: bool,
    inline_images: InlineImages,
    inline_audio: bool,
    asset_urls: bool,
    #[serde(default)]
    output_formats: Vec<OutputFormat>,
    #[serde(default)]
    typed_tasks: bool,
    fields: Vec<Field>,
    /// The spec's request schemas this model submits to: read by `cargo xtask codegen`'s
    /// check, not by the SDK.
    #[serde(default, rename = "request_schemas")]
    _request_schemas: serde::de::IgnoredAny,
}

/// How images are taken, as written: `"refused"` or `{"accepted": rules}`.
#[derive(Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
enum InlineImages {
    Refused,
    Accepted(ImageRules),
}

/// The capability names a `rule_sources` key may use: the entry's own keys.
const RULES: &[&str] = &[
    "ids",
    "id_prefixes",
    "duration",
    "duration_auto",
    "frame_count",
    "resolutions",
    "ratios",
    "seed",
    "fps",
    "prompt_max_chars",
    "modes",
    "max_reference_images",
    "max_reference_videos",
    "max_reference_audio",
    "audio_needs_visual",
    "execution_expires_after",
    "priority",
    "safety_identifier_max_chars",
    "frames",
    "inline_images",
    "inline_audio",
    "asset_urls",
    "output_formats",
    "typed_tasks",
    "fields",
];

/// Parses one document or a JSON array of them, and checks what serde cannot.
fn parse(name: &str, text: &str) -> Result<Vec<Parsed>, CapabilityFileError> {
    let syntax = |err: serde_json::Error| CapabilityFileError {
        file: name.to_owned(),
        place: format!("line {}, column {}", err.line(), err.column()),
        message: err.to_string(),
    };
    let documents: Vec<Document> = if text.trim_start().starts_with('[') {
        serde_json::from_str(text).map_err(syntax)?
    } else {
        vec![serde_json::from_str(text).map_err(syntax)?]
    };
    let many = documents.len() > 1;
    documents
        .into_iter()
        .enumerate()
        .map(|(idx, document)| {
            let at = if many {
                format!("[{idx}].")
            } else {
                String::new()
            };
            convert(name, &at, document)
        })
        .collect()
}

fn convert(name: &str, at: &str, document: Document) -> Result<Parsed, CapabilityFileError> {
    let fail = |place: String, message: String| CapabilityFileError {
        file: name.to_owned(),
        place,
        message,
    };
    let source = |place: &str, key: &str| {
        document.sources.get(key).cloned().ok_or_else(|| {
            fail(
                place.to_owned(),
                format!(
                    "source {key:?} is not in `sources`; allowed: {}",
                    document
                        .sources
                        .keys()
                        .map(String::as_str)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
        })
    };
    for (key, given) in &document.sources {
        let place = format!("{at}sources.{key}");
        if given.url.is_none() && given.document.is_none() {
            return Err(fail(
                place,
                "names nothing; allowed: a url, a document, or both".into(),
            ));
        }
        if !is_date(&given.as_of) {
            return Err(fail(
                format!("{place}.as_of"),
                format!("{:?} is not a date; allowed: YYYY-MM-DD", given.as_of),
            ));
        }
    }
    let provider = document.provider;
    let mut entries: Vec<Capabilities> = Vec::new();
    for (idx, entry) in document.models.iter().enumerate() {
        let place = |key: &str| format!("{at}models[{idx}] ({}).{key}", entry.model);
        if entries.iter().any(|caps| caps.model == entry.model) {
            return Err(fail(
                place("model"),
                "appears twice; allowed: one entry per model".into(),
            ));
        }
        let mut rule_sources = BTreeMap::new();
        for (rule, key) in &entry.rule_sources {
            if !RULES.contains(&rule.as_str()) {
                return Err(fail(
                    place("rule_sources"),
                    format!(
                        "{rule:?} is not a capability; allowed: {}",
                        RULES.join(", ")
                    ),
                ));
            }
            rule_sources.insert(rule.clone(), source(&place("rule_sources"), key)?);
        }
        for (key, range) in [
            ("duration", Some(entry.duration)),
            ("frame_count", entry.frame_count),
            ("execution_expires_after", entry.execution_expires_after),
            (
                "priority",
                entry.priority.map(|(l, h)| (u32::from(l), u32::from(h))),
            ),
        ] {
            if let Some((low, high)) = range
                && low > high
            {
                return Err(fail(
                    place(key),
                    format!("[{low}, {high}] is empty; allowed: [min, max] with min <= max"),
                ));
            }
        }
        if let Some((low, high)) = entry.seed
            && low > high
        {
            return Err(fail(
                place("seed"),
                format!("[{low}, {high}] is empty; allowed: [min, max] with min <= max"),
            ));
        }
        if !entry.modes.contains(&Mode::Text) {
            return Err(fail(
                place("modes"),
                "lacks text; allowed: every model takes text alone".into(),
            ));
        }
        if let Some(field) = entry.fields.iter().find(|f| f.is_required()) {
            return Err(fail(
                place("fields"),
                format!("{field} is always sent; allowed: the optional fields the model takes"),
            ));
        }
        if entry.fields.contains(&Field::Draft) != entry.modes.contains(&Mode::Draft) {
            return Err(fail(
                place("fields"),
                "draft must be a field exactly where draft is a mode".into(),
            ));
        }
        if entry.fields.contains(&Field::OutputFormat) == entry.output_formats.is_empty() {
            return Err(fail(
                place("output_formats"),
                "must list the formats exactly where output_format is a field".into(),
            ));
        }
        if let Some(prefix) = entry
            .id_prefixes
            .iter()
            .find(|p| !p.ends_with('-') || p.len() < 2)
        {
            return Err(fail(
                place("id_prefixes"),
                format!(
                    "{prefix:?} does not end with '-'; allowed: an id's family, up to the dash before its version"
                ),
            ));
        }
        for (id_idx, id) in entry.ids.iter().enumerate() {
            let versioned = entry.id_prefixes.iter().any(|prefix| {
                id.id
                    .strip_prefix(prefix.as_str())
                    .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_digit()))
            });
            if !versioned {
                return Err(fail(
                    format!("{}[{id_idx}]", place("ids")),
                    format!(
                        "{:?} does not start with one of the model's id_prefixes followed by a version",
                        id.id
                    ),
                ));
            }
        }
        if provider == Provider::Ark && !entry.ids.iter().any(|id| id.site == Site::Byteplus) {
            return Err(fail(
                place("ids"),
                "has no byteplus id; allowed: at least the id BytePlus knows the model by".into(),
            ));
        }
        entries.push(Capabilities {
            provider,
            model: entry.model,
            source: source(&place("source"), &entry.source)?,
            rule_sources,
            ids: entry.ids.clone(),
            id_prefixes: entry.id_prefixes.clone(),
            duration: entry.duration,
            duration_auto: entry.duration_auto,
            frame_count: entry.frame_count,
            resolutions: entry.resolutions.clone(),
            ratios: entry.ratios.clone(),
            seed: entry.seed,
            fps: entry.fps.clone(),
            prompt_max_chars: entry.prompt_max_chars,
            modes: entry.modes.clone(),
            max_reference_images: entry.max_reference_images,
            max_reference_videos: entry.max_reference_videos,
            max_reference_audio: entry.max_reference_audio,
            audio_needs_visual: entry.audio_needs_visual,
            execution_expires_after: entry.execution_expires_after,
            priority: entry.priority,
            safety_identifier_max_chars: entry.safety_identifier_max_chars,
            frames: entry.frames,
            inline_images: match &entry.inline_images {
                InlineImages::Refused => Inline::Refused,
                InlineImages::Accepted(rules) => Inline::Accepted(Some(rules.clone())),
            },
            inline_audio: entry.inline_audio,
            asset_urls: entry.asset_urls,
            output_formats: entry.output_formats.clone(),
            typed_tasks: entry.typed_tasks,
            fields: entry.fields.clone(),
        });
    }
    let wire_given: Option<Vec<(Field, String)>> =
        document.wire.map(|wire| wire.into_iter().collect());
    Ok(Parsed {
        provider,
        wire: wire_given.clone().unwrap_or_default(),
        wire_given,
        entries,
    })
}

/// `YYYY-MM-DD`, loosely: the shape, not the calendar.
fn is_date(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() == 10
        && bytes.iter().enumerate().all(|(idx, b)| match idx {
            4 | 7 => *b == b'-',
            _ => b.is_ascii_digit(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_documents_parse() {
        for (name, text) in BUILT_IN {
            let documents = parse(name, text).unwrap();
            assert_eq!(documents.len(), 1, "{name}");
            assert!(!documents[0].entries.is_empty(), "{name}");
            assert!(!documents[0].wire.is_empty(), "{name}");
        }
        let table = CapabilityTable::built_in();
        assert!(table.get(Provider::Ark, Model::Seedance25Flash).is_some());
        assert!(table.get(Provider::Odkkk, Model::Seedance20).is_none());
    }

    fn replaced(text: &str) -> Result<CapabilityTable, CapabilityFileError> {
        CapabilityTable::built_in().with_text("fix.json", text)
    }

    /// A one-model Ark document whose entry is the built-in 2.5 entry with `edit` applied.
    fn ark_doc(edit: impl FnOnce(&mut serde_json::Value)) -> String {
        let mut doc: serde_json::Value = serde_json::from_str(BUILT_IN[3].1).unwrap();
        let models = doc["models"].as_array_mut().unwrap();
        models.retain(|m| m["model"] == "seedance-2.5");
        edit(&mut models[0]);
        doc.as_object_mut().unwrap().remove("wire");
        doc.to_string()
    }

    #[test]
    fn a_file_replaces_only_the_pairs_it_names() {
        let text = ark_doc(|entry| entry["resolutions"] = serde_json::json!(["480p"]));
        let table = replaced(&text).unwrap();
        let built_in = CapabilityTable::built_in();
        assert_eq!(
            table
                .get(Provider::Ark, Model::Seedance25)
                .unwrap()
                .resolutions,
            [Resolution::P480]
        );
        for caps in built_in.entries() {
            if (caps.provider, caps.model) != (Provider::Ark, Model::Seedance25) {
                assert_eq!(table.get(caps.provider, caps.model), Some(caps));
            }
        }
    }

    #[test]
    fn a_malformed_file_names_the_file_and_the_place() {
        let err = replaced("{\"provider\": \"ark\",\n \"models\": [}").unwrap_err();
        assert_eq!(err.file, "fix.json");
        assert!(err.place.starts_with("line 2, column "), "{err}");

        let text = ark_doc(|entry| entry["resolutions"] = serde_json::json!(["8k"]));
        let err = replaced(&text).unwrap_err();
        assert!(err.message.contains("unknown variant `8k`"), "{err}");
        assert!(err.place.starts_with("line 1"), "{err}");

        for (edit, place, message) in [
            (
                Box::new(|e: &mut serde_json::Value| e["duration"] = serde_json::json!([30, 4]))
                    as Box<dyn FnOnce(&mut serde_json::Value)>,
                "models[0] (seedance-2.5).duration",
                "[30, 4] is empty",
            ),
            (
                Box::new(|e: &mut serde_json::Value| e["source"] = "nowhere".into()),
                "models[0] (seedance-2.5).source",
                "source \"nowhere\" is not in `sources`",
            ),
            (
                Box::new(|e: &mut serde_json::Value| {
                    e["ids"] = serde_json::json!([{"id": "dreamina-seedance-2-5-flash-261115", "site": "byteplus"}]);
                }),
                "models[0] (seedance-2.5).ids[0]",
                "does not start with one of the model's id_prefixes",
            ),
            (
                Box::new(|e: &mut serde_json::Value| {
                    e["rule_sources"] = serde_json::json!({"colour": "byteplus-pages"});
                }),
                "models[0] (seedance-2.5).rule_sources",
                "\"colour\" is not a capability",
            ),
        ] {
            let err = replaced(&ark_doc(edit)).unwrap_err();
            assert_eq!(err.place, place, "{err}");
            assert!(err.message.contains(message), "{err}");
        }
    }

    #[test]
    fn a_file_cannot_change_wire_names() {
        let mut doc: serde_json::Value = serde_json::from_str(BUILT_IN[3].1).unwrap();
        let same = doc.to_string();
        assert!(replaced(&same).is_ok());
        doc["wire"]["resolution"] = "size".into();
        let err = replaced(&doc.to_string()).unwrap_err();
        assert_eq!(err.place, "wire");
    }
}
