//! Ark's capabilities per model, and the rules that depend on the mode or the model id.
//!
//! Sources: BytePlus's "Creating a video generation task" page (verbatim in the index, id
//! 32330643819; `specs/ark/`), `providers.md` 4.2 and 4.7, and for the 2.x family BytePlus-SA's
//! `modelark-mcp` capability table.

use super::{Capabilities, Mode, list};
use crate::{
    error::InvalidRequest,
    media::{Inline, SEEDANCE_HEIF_IMAGE_RULES, SEEDANCE_IMAGE_RULES},
    provider::Provider,
    request::{Field, Inputs, Model, Ratio, Resolution, VideoRequest},
};

const RATIOS_1X: &[Ratio] = &[
    Ratio::R16x9,
    Ratio::R4x3,
    Ratio::R1x1,
    Ratio::R3x4,
    Ratio::R9x16,
    Ratio::R21x9,
    Ratio::Adaptive,
];
/// 9:21 is documented for the 2.x family only.
const RATIOS_2X: &[Ratio] = &[
    Ratio::R16x9,
    Ratio::R4x3,
    Ratio::R1x1,
    Ratio::R3x4,
    Ratio::R9x16,
    Ratio::R21x9,
    Ratio::R9x21,
    Ratio::Adaptive,
];
const RES_1080: &[Resolution] = &[Resolution::P480, Resolution::P720, Resolution::P1080];
const RES_4K: &[Resolution] = &[
    Resolution::P480,
    Resolution::P720,
    Resolution::P1080,
    Resolution::P4k,
];
const RES_FAST: &[Resolution] = &[Resolution::P480, Resolution::P720];

/// Fields every Ark model takes.
macro_rules! ark_fields {
    ($($extra:ident),*) => {
        &[
            Field::ModelId,
            Field::Duration,
            Field::Resolution,
            Field::Ratio,
            Field::Watermark,
            Field::ExecutionExpiresAfter,
            Field::ReturnLastFrame,
            Field::CallbackUrl,
            Field::SafetyIdentifier,
            $(Field::$extra,)*
        ]
    };
}

/// The capabilities of Ark for `model` (Ark sells every model).
pub(super) fn capabilities(model: Model) -> Option<Capabilities> {
    use Mode as M;
    let base = Capabilities {
        provider: Provider::Ark,
        model,
        duration: (2, 12),
        duration_auto: false,
        frame_count: None,
        resolutions: RES_1080,
        ratios: RATIOS_1X,
        seed: Some((-1, 4_294_967_295)),
        fps: &[],
        prompt_max_chars: None,
        modes: &[],
        max_reference_images: 0,
        max_reference_videos: 0,
        max_reference_audio: 0,
        audio_needs_visual: false,
        execution_expires_after: Some((3600, 259_200)),
        priority: None,
        safety_identifier_max_chars: Some(64),
        frames: true,
        inline_images: Inline::Accepted(Some(SEEDANCE_IMAGE_RULES)),
        inline_audio: true,
        asset_urls: true,
        fields: &[],
    };
    // 1.x: seed, camera_fixed and the flex tier; 1.0: frame counts, no audio.
    let one_oh = Capabilities {
        frame_count: Some((29, 289)),
        fields: ark_fields!(Frames, Seed, CameraFixed, ServiceTier),
        ..base.clone()
    };
    // 2.x: no seed, camera_fixed, frames nor flex; priority, audio, references of every kind.
    let two = Capabilities {
        duration: (4, 15),
        duration_auto: true,
        resolutions: RES_FAST,
        ratios: RATIOS_2X,
        seed: None,
        modes: &[
            M::Text,
            M::FirstFrame,
            M::FirstLastFrames,
            M::ReferenceImages,
            M::ReferenceVideos,
            M::ReferenceAudio,
            M::Edit,
            M::Extend,
        ],
        max_reference_images: 9,
        max_reference_videos: 3,
        max_reference_audio: 3,
        audio_needs_visual: true,
        priority: Some((0, 9)),
        inline_images: Inline::Accepted(Some(SEEDANCE_HEIF_IMAGE_RULES)),
        fields: ark_fields!(GenerateAudio, Priority),
        ..base.clone()
    };
    Some(match model {
        Model::Seedance10Lite => Capabilities {
            modes: &[
                M::Text,
                M::FirstFrame,
                M::FirstLastFrames,
                M::ReferenceImages,
            ],
            max_reference_images: 4,
            ..one_oh
        },
        Model::Seedance10Pro => Capabilities {
            modes: &[M::Text, M::FirstFrame, M::FirstLastFrames],
            ..one_oh
        },
        Model::Seedance10ProFast => Capabilities {
            modes: &[M::Text, M::FirstFrame],
            ..one_oh
        },
        Model::Seedance15Pro => Capabilities {
            duration: (4, 12),
            duration_auto: true,
            modes: &[
                M::Text,
                M::FirstFrame,
                M::FirstLastFrames,
                M::Draft,
                M::FromDraft,
            ],
            inline_images: Inline::Accepted(Some(SEEDANCE_HEIF_IMAGE_RULES)),
            fields: ark_fields!(Seed, CameraFixed, ServiceTier, GenerateAudio, Draft),
            ..base
        },
        Model::Seedance20 => Capabilities {
            resolutions: RES_4K,
            ..two
        },
        Model::Seedance20Fast | Model::Seedance20Mini => two,
        Model::Seedance25 => Capabilities {
            duration: (4, 30),
            resolutions: RES_1080,
            modes: &[
                M::Text,
                M::FirstFrame,
                M::FirstLastFrames,
                M::ReferenceImages,
                M::ReferenceVideos,
                M::ReferenceAudio,
                M::Draft,
                M::FromDraft,
            ],
            // Inferred from BytePlus-SA's modelark-mcp capability table; not on a BytePlus page.
            max_reference_images: 30,
            max_reference_videos: 10,
            max_reference_audio: 10,
            fields: ark_fields!(GenerateAudio, Priority, Draft),
            ..two
        },
    })
}

/// The prefixes of `model`'s ids, BytePlus's then Volcengine's, each followed in an id by a
/// version (a digit): so `seedance-1-0-pro-` takes `seedance-1-0-pro-250528` but not
/// `seedance-1-0-pro-fast-251015`, which is the fast model's.
pub(crate) fn model_id_prefixes(model: Model) -> &'static [&'static str] {
    match model {
        Model::Seedance10Lite => &[
            "seedance-1-0-lite-t2v-",
            "seedance-1-0-lite-i2v-",
            "doubao-seedance-1-0-lite-t2v-",
            "doubao-seedance-1-0-lite-i2v-",
        ],
        Model::Seedance10Pro => &["seedance-1-0-pro-", "doubao-seedance-1-0-pro-"],
        Model::Seedance10ProFast => &["seedance-1-0-pro-fast-", "doubao-seedance-1-0-pro-fast-"],
        Model::Seedance15Pro => &["seedance-1-5-pro-", "doubao-seedance-1-5-pro-"],
        Model::Seedance20 => &["dreamina-seedance-2-0-", "doubao-seedance-2-0-"],
        Model::Seedance20Fast => &["dreamina-seedance-2-0-fast-", "doubao-seedance-2-0-fast-"],
        Model::Seedance20Mini => &["dreamina-seedance-2-0-mini-", "doubao-seedance-2-0-mini-"],
        Model::Seedance25 => &["dreamina-seedance-2-5-", "doubao-seedance-2-5-"],
    }
}

/// The prefix of an endpoint id, which names a deployment of any model.
const ENDPOINT_PREFIX: &str = "ep-";

/// Whether `id` may be sent for `model`: one of its ids (a prefix followed by a version, or
/// the family name alone, as Volcengine's aliases are) or an endpoint id.
pub(crate) fn model_id_matches(model: Model, id: &str) -> bool {
    let plausible = |rest: &str| {
        rest.len() <= 128
            && rest
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    };
    if let Some(rest) = id.strip_prefix(ENDPOINT_PREFIX) {
        return !rest.is_empty() && plausible(rest);
    }
    model_id_prefixes(model).iter().any(|prefix| {
        id == prefix.trim_end_matches('-')
            || id.strip_prefix(prefix).is_some_and(|rest| {
                rest.starts_with(|c: char| c.is_ascii_digit()) && plausible(rest)
            })
    })
}

/// The rules that depend on the mode, the model family or the model id.
pub(super) fn validate(caps: &Capabilities, request: &VideoRequest) -> Result<(), InvalidRequest> {
    if let Some(id) = &request.model_id
        && !model_id_matches(caps.model, id)
    {
        return Err(caps.invalid(
            Field::ModelId,
            format!(
                "{:?} is not an id of {}; allowed: ids starting with {} followed by a version, or an endpoint id ({ENDPOINT_PREFIX}...)",
                crate::text::bounded(id),
                caps.model,
                list(model_id_prefixes(caps.model).iter())
            ),
        ));
    }
    let reference_images =
        matches!(&request.inputs, Inputs::References { images, .. } if !images.is_empty());
    if reference_images && request.camera_fixed.is_some() {
        return Err(caps.invalid(
            Field::CameraFixed,
            "is not accepted with reference images; allowed: camera_fixed with text or frames"
                .into(),
        ));
    }
    if !caps.model.is_2x() {
        // 1.x: reference images take neither 1080p nor adaptive, and 1.0 text to video takes no
        // adaptive ratio.
        if reference_images && request.resolution == Some(Resolution::P1080) {
            return Err(caps.invalid(
                Field::Resolution,
                "1080p is not accepted with reference images; allowed: 480p, 720p".into(),
            ));
        }
        let text_1_0 = matches!(request.inputs, Inputs::Text) && caps.model != Model::Seedance15Pro;
        if (reference_images || text_1_0) && request.ratio == Some(Ratio::Adaptive) {
            let mode = if reference_images {
                "with reference images"
            } else {
                "for text to video on Seedance 1.0"
            };
            return Err(caps.invalid(
                Field::Ratio,
                format!(
                    "adaptive is not accepted {mode}; allowed: {}",
                    list(
                        caps.ratios
                            .iter()
                            .filter(|r| **r != Ratio::Adaptive)
                            .map(|r| r.as_str())
                    )
                ),
            ));
        }
    }
    if matches!(request.inputs, Inputs::FromDraft { .. }) {
        // The final video reuses these from the draft; a different value would be ignored.
        let reused = [
            Field::GenerateAudio,
            Field::Seed,
            Field::Ratio,
            Field::Duration,
            Field::Frames,
            Field::CameraFixed,
        ];
        if let Some(field) = reused.into_iter().find(|f| request.value(*f).is_some()) {
            return Err(caps.invalid(
                field,
                "is taken from the draft; allowed: unset when making a video from a draft".into(),
            ));
        }
    }
    Ok(())
}
