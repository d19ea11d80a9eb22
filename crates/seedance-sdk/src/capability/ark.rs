//! Ark's rules that are not data: those that depend on the mode, the model family or the model
//! id. The values themselves are in `specs/ark/capabilities.json`.
//!
//! Sources: BytePlus's "Creating a video generation task" page (verbatim in the index, id
//! 32330643819; `specs/ark/`), `providers.md` 4.2 and 4.7, and for Seedance 2.5 apiyi's notes
//! (index id 68312551052) and the Comfy Router schema, as named at each rule.

use super::{Capabilities, IdInputs, Site, list};
use crate::{
    error::InvalidRequest,
    request::{Field, Inputs, Model, Ratio, Resolution, VideoDuration, VideoRequest},
};

/// The id Ark knows `caps`'s model by for a request with `inputs` on BytePlus or, with
/// `volcengine`, on Volcengine (`doubao-` ids); `None` when the data names none for that site.
pub(crate) fn default_model_id<'a>(
    caps: &'a Capabilities,
    inputs: &Inputs,
    volcengine: bool,
) -> Option<&'a str> {
    let site = if volcengine {
        Site::Volcengine
    } else {
        Site::Byteplus
    };
    let wanted = if matches!(inputs, Inputs::Text) {
        IdInputs::Text
    } else {
        IdInputs::Media
    };
    caps.ids
        .iter()
        .filter(|id| id.site == site)
        .find(|id| id.inputs == wanted || id.inputs == IdInputs::Any)
        .map(|id| id.id.as_str())
}

/// The prefix of an endpoint id, which names a deployment of any model.
const ENDPOINT_PREFIX: &str = "ep-";

/// Whether `id` may be sent for `caps`'s model: one of its ids (a prefix followed by a version,
/// or the family name alone, as Volcengine's aliases are) or an endpoint id.
pub(crate) fn model_id_matches(caps: &Capabilities, id: &str) -> bool {
    let plausible = |rest: &str| {
        rest.len() <= 128
            && rest
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    };
    if let Some(rest) = id.strip_prefix(ENDPOINT_PREFIX) {
        return !rest.is_empty() && plausible(rest);
    }
    caps.id_prefixes.iter().any(|prefix| {
        id == prefix.trim_end_matches('-')
            || id.strip_prefix(prefix).is_some_and(|rest| {
                rest.starts_with(|c: char| c.is_ascii_digit()) && plausible(rest)
            })
    })
}

/// The rules that depend on the mode, the model family or the model id, each with the name
/// its source has in the data (`rule_sources`).
pub(super) fn validate(
    caps: &Capabilities,
    request: &VideoRequest,
) -> Vec<(&'static str, Result<(), InvalidRequest>)> {
    vec![
        ("ids", model_id(caps, request)),
        ("modes", one_x(caps, request)),
        ("draft", from_draft(caps, request)),
        ("task_types", task_types(caps, request)),
    ]
}

fn model_id(caps: &Capabilities, request: &VideoRequest) -> Result<(), InvalidRequest> {
    if let Some(id) = &request.model_id
        && !model_id_matches(caps, id)
    {
        return Err(caps.invalid(
            Field::ModelId,
            format!(
                "{:?} is not an id of {}; allowed: ids starting with {} followed by a version, or an endpoint id ({ENDPOINT_PREFIX}...)",
                crate::text::bounded(id),
                caps.model,
                list(caps.id_prefixes.iter())
            ),
        ));
    }
    Ok(())
}

/// Reference images take no `camera_fixed`; on 1.x they take neither 1080p nor adaptive, and
/// 1.0 text to video takes no adaptive ratio (BytePlus's create page, `providers.md` 4.2).
fn one_x(caps: &Capabilities, request: &VideoRequest) -> Result<(), InvalidRequest> {
    let reference_images =
        matches!(&request.inputs, Inputs::References { images, .. } if !images.is_empty());
    if reference_images && request.camera_fixed.is_some() {
        return Err(caps.invalid(
            Field::CameraFixed,
            "is not accepted with reference images; allowed: camera_fixed with text or frames"
                .into(),
        ));
    }
    if caps.model.is_2x() {
        return Ok(());
    }
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
    Ok(())
}

/// The final video of a draft reuses the draft's settings; a different value would be ignored
/// (1.5 Pro: BytePlus's create page). On 2.5 the final reuses the prompt, the media, the
/// duration, the ratio, the seed, the audio and the task type too, and its request holds the
/// draft task alone (Comfy Router's Seedance 2.5 schema, `upstream-2026-12.md` 1).
fn from_draft(caps: &Capabilities, request: &VideoRequest) -> Result<(), InvalidRequest> {
    if !matches!(request.inputs, Inputs::FromDraft { .. }) {
        return Ok(());
    }
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
    if caps.typed_tasks && !request.prompt.trim().is_empty() {
        return Err(caps.invalid(
            Field::Prompt,
            "is taken from the draft; allowed: an empty prompt when making a video from a draft"
                .into(),
        ));
    }
    Ok(())
}

/// Seedance 2.5's task types: first frame, first and last frames, edit and extension need the
/// ratio adaptive, and an edit the duration auto; Ark refuses anything else with
/// `InvalidParameter.TaskTypeConstraint` (apiyi's notes, index id 68312551052; `rule_sources`
/// `task_types` in the data).
fn task_types(caps: &Capabilities, request: &VideoRequest) -> Result<(), InvalidRequest> {
    if !caps.typed_tasks {
        return Ok(());
    }
    let mode = match request.inputs {
        Inputs::FirstFrame { .. } => "a first frame",
        Inputs::FirstLastFrames { .. } => "first and last frames",
        Inputs::Edit { .. } => "an edit",
        Inputs::Extend { .. } => "an extension",
        _ => return Ok(()),
    };
    if let Some(ratio) = request.ratio.filter(|r| *r != Ratio::Adaptive) {
        return Err(caps.invalid(
            Field::Ratio,
            format!(
                "{} is not accepted for {mode} on {}; allowed: adaptive (or unset)",
                ratio.as_str(),
                caps.model
            ),
        ));
    }
    if matches!(request.inputs, Inputs::Edit { .. })
        && let Some(duration) = request.duration.filter(|d| *d != VideoDuration::Auto)
    {
        return Err(caps.invalid(
            Field::Duration,
            format!(
                "{duration} is not accepted for an edit on {}; allowed: auto (or unset)",
                caps.model
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{capability::capabilities, provider::Provider};

    #[test]
    fn every_default_id_belongs_to_its_family_only() {
        let inputs = [
            Inputs::Text,
            Inputs::FirstFrame {
                first: "https://example.com/a.png".into(),
            },
        ];
        let ark = |model| capabilities(Provider::Ark, model).unwrap();
        for model in Model::ALL {
            for volcengine in [false, true] {
                for input in &inputs {
                    let caps = ark(model);
                    let Some(id) = default_model_id(&caps, input, volcengine) else {
                        // Volcengine documents no id of 2.5 Flash.
                        assert!(volcengine && model == Model::Seedance25Flash, "{model}");
                        continue;
                    };
                    assert_eq!(id.starts_with("doubao-"), volcengine, "{id}");
                    for other in Model::ALL {
                        assert_eq!(
                            model_id_matches(&ark(other), id),
                            other == model,
                            "{other} {id}"
                        );
                    }
                }
            }
        }
        let lite = ark(Model::Seedance10Lite);
        assert_eq!(
            default_model_id(&lite, &inputs[0], false),
            Some("seedance-1-0-lite-t2v-250428")
        );
        assert_eq!(
            default_model_id(&lite, &inputs[1], false),
            Some("seedance-1-0-lite-i2v-250428")
        );
        let two = ark(Model::Seedance20);
        assert!(model_id_matches(&two, "ep-20260101-abc"));
        assert!(model_id_matches(&two, "doubao-seedance-2-0"));
        assert!(!model_id_matches(&two, "ep-"));
        assert!(!model_id_matches(&two, "ep-a b"));
        assert!(!model_id_matches(&two, "dreamina-seedance-2-0-fast-260128"));
        assert!(!model_id_matches(&two, "dreamina-seedance-2-0-260128/../x"));
        assert!(!model_id_matches(
            &ark(Model::Seedance25),
            "dreamina-seedance-2-5-flash-261115"
        ));
        assert!(!model_id_matches(
            &ark(Model::Seedance25Flash),
            "dreamina-seedance-2-5-260628"
        ));
    }
}
