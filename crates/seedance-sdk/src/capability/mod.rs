//! What each provider accepts for each model, and validation of a request against it before any
//! request is sent.

use serde::Serialize;

mod callback_url;
mod prepare;

use self::callback_url::{CALLBACK_URLS, check_callback_url};
pub(crate) use self::prepare::prepare;
pub use self::prepare::validate;
use crate::{
    error::InvalidRequest,
    media::{
        Inline, Media, SEEDANCE_IMAGE_RULES, UNDOCUMENTED_IMAGE_RULES, is_data_url, parse_http_url,
    },
    provider::Provider,
    request::{Field, Inputs, Model, Ratio, Resolution, VideoRequest},
};

/// What one provider accepts for one model. Every range is inclusive.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Capabilities {
    /// The provider.
    pub provider: Provider,
    /// The model.
    pub model: Model,
    /// Accepted durations in seconds.
    pub duration: (u32, u32),
    /// Accepted resolutions.
    pub resolutions: &'static [Resolution],
    /// Accepted ratios.
    pub ratios: &'static [Ratio],
    /// Accepted seeds.
    pub seed: Option<(i64, i64)>,
    /// Accepted frame rates.
    pub fps: &'static [u32],
    /// Longest prompt, in characters; `None` when the provider documents no limit (printed as
    /// `18446744073709551615` in JSON, as it always was).
    #[serde(serialize_with = "no_limit_as_max")]
    pub prompt_max_chars: Option<usize>,
    /// Most reference images (0 when unsupported).
    pub max_reference_images: usize,
    /// Most reference audio URLs (0 when unsupported).
    pub max_reference_audio: usize,
    /// Accepted `execution_expires_after` seconds.
    pub execution_expires_after: Option<(u32, u32)>,
    /// Whether first (and last) frames are accepted.
    pub frames: bool,
    /// How images are taken: URLs only, or also inline data (bytes, files, data URLs) under the
    /// rules given.
    pub inline_images: Inline,
    /// The optional fields this provider and model accept.
    pub fields: &'static [Field],
}

const ALL_RATIOS: &[Ratio] = &[
    Ratio::R16x9,
    Ratio::R4x3,
    Ratio::R1x1,
    Ratio::R3x4,
    Ratio::R9x16,
    Ratio::R21x9,
    Ratio::Adaptive,
];
const FIXED_RATIOS: &[Ratio] = &[
    Ratio::R21x9,
    Ratio::R16x9,
    Ratio::R4x3,
    Ratio::R1x1,
    Ratio::R3x4,
    Ratio::R9x16,
];
const ALL_RESOLUTIONS: &[Resolution] = &[Resolution::P480, Resolution::P720, Resolution::P1080];
const FAST_RESOLUTIONS: &[Resolution] = &[Resolution::P480, Resolution::P720];

/// The capabilities of `provider` for `model`, or `None` when the provider does not sell it.
///
/// Sources: `specs/<provider>/openapi.json`; a test checks this table against the specs.
pub fn capabilities(provider: Provider, model: Model) -> Option<Capabilities> {
    use Field as F;
    let caps = match (provider, model) {
        (Provider::Modellix, Model::Seedance15Pro) => Capabilities {
            provider,
            model,
            duration: (4, 12),
            resolutions: ALL_RESOLUTIONS,
            ratios: ALL_RATIOS,
            seed: Some((-1, 2_147_483_647)),
            fps: &[],
            prompt_max_chars: Some(10_000),
            max_reference_images: 0,
            max_reference_audio: 0,
            execution_expires_after: Some((3600, 259_200)),
            frames: true,
            // Modellix documents no image rules; the upstream 30 MB limit still bounds a file.
            inline_images: Inline::Accepted(Some(UNDOCUMENTED_IMAGE_RULES)),
            fields: &[
                F::Duration,
                F::Resolution,
                F::Ratio,
                F::Seed,
                F::CameraFixed,
                F::GenerateAudio,
                F::ServiceTier,
                F::ExecutionExpiresAfter,
                F::ReturnLastFrame,
            ],
        },
        (Provider::Modellix, Model::Seedance20Fast) => Capabilities {
            provider,
            model,
            duration: (4, 15),
            resolutions: FAST_RESOLUTIONS,
            ratios: FIXED_RATIOS,
            seed: Some((-1, 4_294_967_295)),
            fps: &[],
            prompt_max_chars: Some(10_000),
            max_reference_images: 9,
            max_reference_audio: 3,
            execution_expires_after: Some((3600, 259_200)),
            frames: true,
            // Modellix documents no image rules; the upstream 30 MB limit still bounds a file.
            inline_images: Inline::Accepted(Some(UNDOCUMENTED_IMAGE_RULES)),
            fields: &[
                F::Duration,
                F::Resolution,
                F::Ratio,
                F::Seed,
                F::CameraFixed,
                F::GenerateAudio,
                F::ExecutionExpiresAfter,
                F::ReturnLastFrame,
            ],
        },
        (Provider::Jiekou, Model::Seedance15Pro) => Capabilities {
            provider,
            model,
            duration: (4, 12),
            resolutions: ALL_RESOLUTIONS,
            ratios: ALL_RATIOS,
            seed: Some((-1, 4_294_967_295)),
            fps: &[24],
            prompt_max_chars: None,
            max_reference_images: 0,
            max_reference_audio: 0,
            execution_expires_after: Some((3600, 259_200)),
            frames: true,
            inline_images: Inline::Accepted(Some(SEEDANCE_IMAGE_RULES)),
            fields: &[
                F::Duration,
                F::Resolution,
                F::Ratio,
                F::Seed,
                F::CameraFixed,
                F::GenerateAudio,
                F::Watermark,
                F::Fps,
                F::ServiceTier,
                F::ExecutionExpiresAfter,
            ],
        },
        (Provider::Odkkk, Model::Seedance15Pro) => Capabilities {
            provider,
            model,
            duration: (4, 12),
            resolutions: ALL_RESOLUTIONS,
            ratios: ALL_RATIOS,
            seed: None,
            fps: &[],
            prompt_max_chars: Some(2000),
            max_reference_images: 0,
            max_reference_audio: 0,
            execution_expires_after: None,
            frames: true,
            inline_images: Inline::Refused,
            fields: &[
                F::Duration,
                F::Resolution,
                F::Ratio,
                F::GenerateAudio,
                F::CallbackUrl,
            ],
        },
        (Provider::Jiekou | Provider::Odkkk, Model::Seedance20Fast) => return None,
    };
    Some(caps)
}

/// Every (provider, model) pair a provider sells, in a stable order.
pub fn all_capabilities() -> Vec<Capabilities> {
    Provider::ALL
        .into_iter()
        .flat_map(|provider| {
            Model::ALL
                .into_iter()
                .filter_map(move |m| capabilities(provider, m))
        })
        .collect()
}

impl Capabilities {
    fn invalid(&self, field: Field, message: String) -> InvalidRequest {
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

    /// The name this provider uses for `field` on the wire, in its request body; `None` when it
    /// does not send the field, or sends it in a shape of its own (odkkk puts both frames in one
    /// `image_urls` list, and names its own model).
    pub fn wire_name(&self, field: Field) -> Option<&'static str> {
        crate::providers::wire(self.provider)
            .iter()
            .find(|(wired, _)| *wired == field)
            .map(|(_, name)| *name)
    }

    /// Checks everything about `request` that can be checked without reading files.
    pub fn validate(&self, request: &VideoRequest) -> Result<(), InvalidRequest> {
        let prompt_chars = request.prompt.chars().count();
        if request.prompt.trim().is_empty() {
            return Err(self.invalid(Field::Prompt, "must not be empty".into()));
        }
        if let Some(max_chars) = self.prompt_max_chars
            && prompt_chars > max_chars
        {
            return Err(self.invalid(
                Field::Prompt,
                format!("{prompt_chars} characters is too long; allowed: up to {max_chars}"),
            ));
        }
        self.validate_inputs(&request.inputs)?;

        let unsupported = |field: Field| {
            self.invalid(
                field,
                format!(
                    "this field is not supported; allowed fields: {}",
                    self.fields
                        .iter()
                        .map(|f| f.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
        };
        // A field a request always carries needs no support; any other set field does.
        for &field in Field::ALL {
            if !field.is_required() && request.value(field).is_some() && !self.supported(field) {
                return Err(unsupported(field));
            }
        }

        if let Some(duration) = request.duration {
            let (min, max) = self.duration;
            if !(min..=max).contains(&duration) {
                return Err(self.invalid(
                    Field::Duration,
                    format!("{duration} is out of range; allowed: {min}-{max} seconds"),
                ));
            }
        }
        if let Some(resolution) = request.resolution
            && !self.resolutions.contains(&resolution)
        {
            return Err(self.invalid(
                Field::Resolution,
                format!(
                    "{} is not supported; allowed: {}",
                    resolution.as_str(),
                    list(self.resolutions.iter().map(|r| r.as_str()))
                ),
            ));
        }
        if let Some(ratio) = request.ratio
            && !self.ratios.contains(&ratio)
        {
            return Err(self.invalid(
                Field::Ratio,
                format!(
                    "{} is not supported; allowed: {}",
                    ratio.as_str(),
                    list(self.ratios.iter().map(|r| r.as_str()))
                ),
            ));
        }
        if let (Some(seed), Some((min, max))) = (request.seed, self.seed)
            && !(min..=max).contains(&seed)
        {
            return Err(self.invalid(
                Field::Seed,
                format!("{seed} is out of range; allowed: {min} to {max} (-1 means random)"),
            ));
        }
        if let Some(fps) = request.fps
            && !self.fps.contains(&fps)
        {
            return Err(self.invalid(
                Field::Fps,
                format!(
                    "{fps} is not supported; allowed: {}",
                    list(self.fps.iter().map(u32::to_string))
                ),
            ));
        }
        if let (Some(seconds), Some((min, max))) = (
            request.execution_expires_after,
            self.execution_expires_after,
        ) && !(min..=max).contains(&seconds)
        {
            return Err(self.invalid(
                Field::ExecutionExpiresAfter,
                format!("{seconds} is out of range; allowed: {min}-{max} seconds"),
            ));
        }
        if let Some(url) = &request.callback_url {
            check_callback_url(url).map_err(|why| {
                self.invalid(
                    Field::CallbackUrl,
                    format!("the URL {why}; allowed: {CALLBACK_URLS}"),
                )
            })?;
        }
        Ok(())
    }

    fn validate_inputs(&self, inputs: &Inputs) -> Result<(), InvalidRequest> {
        match inputs {
            Inputs::Text => Ok(()),
            Inputs::FirstFrame { .. } | Inputs::FirstLastFrames { .. } if !self.frames => {
                Err(self.invalid(Field::FirstFrame, "frames are not supported".into()))
            }
            Inputs::FirstFrame { first } => self.validate_url(Field::FirstFrame, first),
            Inputs::FirstLastFrames { first, last } => {
                self.validate_url(Field::FirstFrame, first)?;
                self.validate_url(Field::LastFrame, last)
            }
            Inputs::References { images, audio } => {
                if self.max_reference_images == 0 && self.max_reference_audio == 0 {
                    let field = if images.is_empty() {
                        Field::ReferenceAudio
                    } else {
                        Field::ReferenceImages
                    };
                    let models: Vec<&str> = Model::ALL
                        .into_iter()
                        .filter(|m| {
                            capabilities(self.provider, *m)
                                .is_some_and(|c| c.max_reference_images > 0)
                        })
                        .map(Model::as_str)
                        .collect();
                    return Err(self.invalid(
                        field,
                        format!(
                            "references are not supported by this model; allowed with: {}",
                            if models.is_empty() {
                                "no model of this provider".to_owned()
                            } else {
                                models.join(", ")
                            }
                        ),
                    ));
                }
                if images.is_empty() && audio.is_empty() {
                    return Err(self.invalid(
                        Field::ReferenceImages,
                        "give at least one reference image or audio URL".into(),
                    ));
                }
                if images.len() > self.max_reference_images {
                    return Err(self.invalid(
                        Field::ReferenceImages,
                        format!(
                            "{} images is too many; allowed: up to {}",
                            images.len(),
                            self.max_reference_images
                        ),
                    ));
                }
                if audio.len() > self.max_reference_audio {
                    return Err(self.invalid(
                        Field::ReferenceAudio,
                        format!(
                            "{} audio URLs is too many; allowed: up to {}",
                            audio.len(),
                            self.max_reference_audio
                        ),
                    ));
                }
                for image in images {
                    self.validate_url(Field::ReferenceImages, image)?;
                }
                for (audio_idx, url) in audio.iter().enumerate() {
                    parse_http_url(url).map_err(|why| {
                        self.invalid(
                            Field::ReferenceAudio,
                            format!(
                                "audio URL {} {why}; allowed: http(s) URLs with a host",
                                audio_idx + 1
                            ),
                        )
                    })?;
                }
                Ok(())
            }
        }
    }

    /// An image given by a non-`data:` URL must be `http(s)` with a host; data URLs, bytes and
    /// files are checked when they are read.
    fn validate_url(&self, field: Field, media: &Media) -> Result<(), InvalidRequest> {
        match media {
            Media::Url(url) if !is_data_url(url) => {
                parse_http_url(url).map(|_| ()).map_err(|why| {
                    self.invalid(
                        field,
                        format!(
                            "the URL {why}; allowed: an http(s) URL with a host, or inline data where the provider accepts it"
                        ),
                    )
                })
            }
            _ => Ok(()),
        }
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
