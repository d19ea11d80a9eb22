//! What each provider accepts for each model, and validation of a request against it before any
//! request is sent.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub(crate) mod ark;
mod callback_url;
mod data;
mod prepare;
mod validate;

pub(crate) use self::data::built_in_wire;
pub(crate) use self::prepare::prepare;
pub use self::validate::Violation;
pub use self::{
    data::{Basis, CapabilityFileError, CapabilityTable, IdInputs, ModelId, Site, Source},
    prepare::validate,
};
use crate::{
    error::InvalidRequest,
    media::Inline,
    provider::Provider,
    request::{Field, Model, OutputFormat, Ratio, Resolution},
};

/// What one provider accepts for one model. Every range is inclusive.
///
/// The values come from `specs/<provider>/capabilities.json` (compiled in), or from a
/// capability file given at run time ([`CapabilityTable::with_file`]).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Capabilities {
    /// The provider.
    pub provider: Provider,
    /// The model.
    pub model: Model,
    /// Where the entry comes from.
    pub source: Source,
    /// Where a capability (named as in the data: `resolutions`, `max_reference_images`, ...)
    /// comes from, when not from [`source`](Self::source).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub rule_sources: BTreeMap<String, Source>,
    /// The ids the provider knows the model by (Ark), each with its site.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ids: Vec<ModelId>,
    /// The families of the model's ids (Ark): an id is one of them followed by a version.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub id_prefixes: Vec<String>,
    /// Accepted durations in seconds.
    pub duration: (u32, u32),
    /// Whether `duration` may be `auto` (sent as -1: the model chooses).
    pub duration_auto: bool,
    /// Accepted `frames` (a frame count instead of a duration; always 25 + 4n), when accepted.
    pub frame_count: Option<(u32, u32)>,
    /// Accepted resolutions.
    pub resolutions: Vec<Resolution>,
    /// Accepted ratios.
    pub ratios: Vec<Ratio>,
    /// Accepted seeds.
    pub seed: Option<(i64, i64)>,
    /// Accepted frame rates.
    pub fps: Vec<u32>,
    /// Longest prompt, in characters; `None` when the provider documents no limit (printed as
    /// `18446744073709551615` in JSON, as it always was).
    #[serde(serialize_with = "no_limit_as_max")]
    pub prompt_max_chars: Option<usize>,
    /// The generation modes accepted.
    pub modes: Vec<Mode>,
    /// Most reference images (0 when unsupported).
    pub max_reference_images: usize,
    /// Most reference videos (0 when unsupported).
    pub max_reference_videos: usize,
    /// Most reference audio clips (0 when unsupported).
    pub max_reference_audio: usize,
    /// Whether reference audio needs at least one reference image or video beside it.
    pub audio_needs_visual: bool,
    /// Accepted `execution_expires_after` seconds.
    pub execution_expires_after: Option<(u32, u32)>,
    /// Accepted `priority`, when accepted.
    pub priority: Option<(u8, u8)>,
    /// Longest `safety_identifier`, in characters, when accepted.
    pub safety_identifier_max_chars: Option<usize>,
    /// Whether first (and last) frames are accepted.
    pub frames: bool,
    /// How images are taken: URLs only, or also inline data (bytes, files, data URLs) under the
    /// rules given.
    pub inline_images: Inline,
    /// Whether audio is also taken inline (bytes, local wav/mp3 files, `data:audio/` URLs), not
    /// only as URLs.
    pub inline_audio: bool,
    /// Whether media may be given as `asset://<id>` (assets uploaded to the provider).
    pub asset_urls: bool,
    /// Accepted `output_format` values (empty where the field is not taken).
    pub output_formats: Vec<OutputFormat>,
    /// Whether edit and extension are declared as a task type (Ark's
    /// `omni_reference_task_type`, Seedance 2.5) rather than by the content alone.
    pub typed_tasks: bool,
    /// The optional fields this provider and model accept.
    pub fields: Vec<Field>,
}

/// A way to generate a video: what [`Inputs`](crate::Inputs) holds, and drafts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Mode {
    /// From the prompt only.
    Text,
    /// From a first frame.
    FirstFrame,
    /// From a first and a last frame.
    FirstLastFrames,
    /// With reference images.
    ReferenceImages,
    /// With reference videos.
    ReferenceVideos,
    /// With reference audio.
    ReferenceAudio,
    /// Editing a video.
    Edit,
    /// Extending videos.
    Extend,
    /// A 480p draft (`draft: true`).
    Draft,
    /// The final video of a draft.
    FromDraft,
}

impl Mode {
    /// The name, as in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Text => "text",
            Mode::FirstFrame => "first_frame",
            Mode::FirstLastFrames => "first_last_frames",
            Mode::ReferenceImages => "reference_images",
            Mode::ReferenceVideos => "reference_videos",
            Mode::ReferenceAudio => "reference_audio",
            Mode::Edit => "edit",
            Mode::Extend => "extend",
            Mode::Draft => "draft",
            Mode::FromDraft => "from_draft",
        }
    }
}

impl std::fmt::Display for Mode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The built-in capabilities of `provider` for `model`, or `None` when the provider does not
/// sell it.
///
/// Sources: `specs/<provider>/capabilities.json`, each entry with its own; `cargo test` and
/// `cargo xtask codegen --check` check them against the provider's spec.
pub fn capabilities(provider: Provider, model: Model) -> Option<Capabilities> {
    CapabilityTable::built_in().get(provider, model).cloned()
}

/// Every built-in (provider, model) pair a provider sells, in a stable order.
pub fn all_capabilities() -> Vec<Capabilities> {
    CapabilityTable::built_in().entries().cloned().collect()
}

impl Capabilities {
    pub(crate) fn invalid(&self, field: Field, message: String) -> InvalidRequest {
        InvalidRequest {
            provider: self.provider,
            model: self.model,
            field,
            message,
        }
    }

    fn supported(&self, field: Field) -> bool {
        self.fields.contains(&field)
    }

    /// Whether the model takes requests in `mode` here.
    pub fn accepts(&self, mode: Mode) -> bool {
        self.modes.contains(&mode)
    }

    /// The name this provider uses for `field` on the wire, in its request body; `None` when it
    /// does not send the field, or sends it in a shape of its own (odkkk puts both frames in one
    /// `image_urls` list, and names its own model; Ark puts the prompt and media in `content`).
    pub fn wire_name(&self, field: Field) -> Option<&'static str> {
        built_in_wire(self.provider)
            .iter()
            .find(|(wired, _)| *wired == field)
            .map(|(_, name)| name.as_str())
    }

    /// Where `rule` (a capability named as in the data) comes from.
    pub fn source_of(&self, rule: &str) -> &Source {
        self.rule_sources.get(rule).unwrap_or(&self.source)
    }
}

fn list(items: impl Iterator<Item = impl AsRef<str>>) -> String {
    items
        .map(|i| i.as_ref().to_owned())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Keeps the JSON of a limit that is not documented as it was before it became an `Option`.
fn no_limit_as_max<S: serde::Serializer>(
    limit: &Option<usize>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.serialize_u64(limit.map_or(u64::MAX, |limit| limit as u64))
}
