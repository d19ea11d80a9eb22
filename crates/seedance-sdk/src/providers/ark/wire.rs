//! Ark's names: the wire name of each top-level body field, and the model ids of each model
//! on BytePlus (no prefix; `dreamina-` for 2.x) and on Volcengine (`doubao-`).

use crate::request::{Field, Inputs, Model};

/// The wire name of each unified field Ark takes as a top-level body field. The prompt, the
/// frames, the references, the edited or extended videos and the draft task go into
/// `content` items, and `model` is an id of Ark's own (see [`model_id`]); the mapping builds
/// those.
pub(crate) const WIRE: &[(Field, &str)] = &[
    (Field::Duration, "duration"),
    (Field::Frames, "frames"),
    (Field::Resolution, "resolution"),
    (Field::Ratio, "ratio"),
    (Field::Seed, "seed"),
    (Field::CameraFixed, "camera_fixed"),
    (Field::GenerateAudio, "generate_audio"),
    (Field::Watermark, "watermark"),
    (Field::ServiceTier, "service_tier"),
    (Field::ExecutionExpiresAfter, "execution_expires_after"),
    (Field::ReturnLastFrame, "return_last_frame"),
    (Field::CallbackUrl, "callback_url"),
    (Field::Priority, "priority"),
    (Field::Draft, "draft"),
    (Field::SafetyIdentifier, "safety_identifier"),
];

/// The id Ark knows `model` by for a request with `inputs`: Seedance 1.0 Lite has one id for
/// text to video (`t2v`) and one for everything with images (`i2v`). On Volcengine
/// (`volcengine`) the ids carry the `doubao-` prefix instead of BytePlus's `dreamina-` or none.
///
/// Sources: BytePlus's model list and rate-limit table; Volcengine's ids from the laozhang and
/// apiyi docs (`providers.md` 4.7). Dated ids change: `model_id` on the request overrides them.
pub(crate) fn model_id(model: Model, inputs: &Inputs, volcengine: bool) -> &'static str {
    let text_only = matches!(inputs, Inputs::Text);
    match (model, volcengine) {
        (Model::Seedance10Lite, false) if text_only => "seedance-1-0-lite-t2v-250428",
        (Model::Seedance10Lite, false) => "seedance-1-0-lite-i2v-250428",
        (Model::Seedance10Lite, true) if text_only => "doubao-seedance-1-0-lite-t2v-250428",
        (Model::Seedance10Lite, true) => "doubao-seedance-1-0-lite-i2v-250428",
        (Model::Seedance10Pro, false) => "seedance-1-0-pro-250528",
        (Model::Seedance10Pro, true) => "doubao-seedance-1-0-pro-250528",
        (Model::Seedance10ProFast, false) => "seedance-1-0-pro-fast-251015",
        (Model::Seedance10ProFast, true) => "doubao-seedance-1-0-pro-fast-251015",
        (Model::Seedance15Pro, false) => "seedance-1-5-pro-251215",
        (Model::Seedance15Pro, true) => "doubao-seedance-1-5-pro-251215",
        (Model::Seedance20, false) => "dreamina-seedance-2-0-260128",
        (Model::Seedance20, true) => "doubao-seedance-2-0-260128",
        (Model::Seedance20Fast, false) => "dreamina-seedance-2-0-fast-260128",
        (Model::Seedance20Fast, true) => "doubao-seedance-2-0-fast-260128",
        (Model::Seedance20Mini, false) => "dreamina-seedance-2-0-mini-260615",
        (Model::Seedance20Mini, true) => "doubao-seedance-2-0-mini-260615",
        (Model::Seedance25, false) => "dreamina-seedance-2-5-260628",
        (Model::Seedance25, true) => "doubao-seedance-2-5-260628",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capability::ark::model_id_matches;

    #[test]
    fn every_default_id_belongs_to_its_family_only() {
        let inputs = [
            Inputs::Text,
            Inputs::FirstFrame {
                first: "https://example.com/a.png".into(),
            },
        ];
        for model in Model::ALL {
            for volcengine in [false, true] {
                for input in &inputs {
                    let id = model_id(model, input, volcengine);
                    assert_eq!(id.starts_with("doubao-"), volcengine, "{id}");
                    for other in Model::ALL {
                        assert_eq!(model_id_matches(other, id), other == model, "{other} {id}");
                    }
                }
            }
        }
        let lite = |input| model_id(Model::Seedance10Lite, input, false);
        assert_eq!(lite(&inputs[0]), "seedance-1-0-lite-t2v-250428");
        assert_eq!(lite(&inputs[1]), "seedance-1-0-lite-i2v-250428");
        assert!(model_id_matches(Model::Seedance20, "ep-20260101-abc"));
        assert!(model_id_matches(Model::Seedance20, "doubao-seedance-2-0"));
        assert!(!model_id_matches(Model::Seedance20, "ep-"));
        assert!(!model_id_matches(Model::Seedance20, "ep-a b"));
        assert!(!model_id_matches(
            Model::Seedance20,
            "dreamina-seedance-2-0-fast-260128"
        ));
        assert!(!model_id_matches(
            Model::Seedance20,
            "dreamina-seedance-2-0-260128/../x"
        ));
    }
}
