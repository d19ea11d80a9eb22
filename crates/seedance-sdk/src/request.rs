//! The unified request: one model of everything the providers document.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::media::Media;

/// A Seedance model.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum Model {
    /// Seedance 1.5 Pro: text, first frame, or first and last frame; audio co-generation.
    #[serde(rename = "seedance-1.5-pro")]
    #[cfg_attr(
        feature = "clap",
        value(name = "seedance-1.5-pro", help = "Seedance 1.5 Pro")
    )]
    Seedance15Pro,
    /// Seedance 2.0 Fast: also up to 9 reference images and 3 reference audio clips; 480p/720p.
    #[serde(rename = "seedance-2.0-fast")]
    #[cfg_attr(
        feature = "clap",
        value(
            name = "seedance-2.0-fast",
            help = "Seedance 2.0 Fast (reference images and audio; 480p/720p)"
        )
    )]
    Seedance20Fast,
}

impl Model {
    /// Every model, in a stable order.
    pub const ALL: [Model; 2] = [Model::Seedance15Pro, Model::Seedance20Fast];

    /// The name used on the command line and in errors.
    pub fn as_str(self) -> &'static str {
        match self {
            Model::Seedance15Pro => "seedance-1.5-pro",
            Model::Seedance20Fast => "seedance-2.0-fast",
        }
    }
}

impl std::fmt::Display for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Output resolution.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum Resolution {
    /// 480p.
    #[serde(rename = "480p")]
    #[cfg_attr(feature = "clap", value(name = "480p"))]
    P480,
    /// 720p.
    #[serde(rename = "720p")]
    #[cfg_attr(feature = "clap", value(name = "720p"))]
    P720,
    /// 1080p.
    #[serde(rename = "1080p")]
    #[cfg_attr(feature = "clap", value(name = "1080p"))]
    P1080,
}

impl Resolution {
    /// As on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Resolution::P480 => "480p",
            Resolution::P720 => "720p",
            Resolution::P1080 => "1080p",
        }
    }
}

/// Aspect ratio of the video.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum Ratio {
    /// 16:9.
    #[serde(rename = "16:9")]
    #[cfg_attr(feature = "clap", value(name = "16:9"))]
    R16x9,
    /// 4:3.
    #[serde(rename = "4:3")]
    #[cfg_attr(feature = "clap", value(name = "4:3"))]
    R4x3,
    /// 1:1.
    #[serde(rename = "1:1")]
    #[cfg_attr(feature = "clap", value(name = "1:1"))]
    R1x1,
    /// 3:4.
    #[serde(rename = "3:4")]
    #[cfg_attr(feature = "clap", value(name = "3:4"))]
    R3x4,
    /// 9:16.
    #[serde(rename = "9:16")]
    #[cfg_attr(feature = "clap", value(name = "9:16"))]
    R9x16,
    /// 21:9.
    #[serde(rename = "21:9")]
    #[cfg_attr(feature = "clap", value(name = "21:9"))]
    R21x9,
    /// Chosen by the model (from the prompt, or from the first frame).
    #[serde(rename = "adaptive")]
    #[cfg_attr(
        feature = "clap",
        value(name = "adaptive", help = "Chosen by the model")
    )]
    Adaptive,
}

impl Ratio {
    /// As on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Ratio::R16x9 => "16:9",
            Ratio::R4x3 => "4:3",
            Ratio::R1x1 => "1:1",
            Ratio::R3x4 => "3:4",
            Ratio::R9x16 => "9:16",
            Ratio::R21x9 => "21:9",
            Ratio::Adaptive => "adaptive",
        }
    }
}

/// Processing tier.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
#[serde(rename_all = "lowercase")]
pub enum ServiceTier {
    /// Online inference: lower latency.
    Default,
    /// Offline inference: higher quota, half price, latency-insensitive.
    #[cfg_attr(
        feature = "clap",
        value(help = "Offline inference: half price, latency-insensitive")
    )]
    Flex,
}

impl ServiceTier {
    /// As on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            ServiceTier::Default => "default",
            ServiceTier::Flex => "flex",
        }
    }
}

/// What the video is generated from besides the prompt.
///
/// Frames and reference images are different variants, so they cannot be mixed.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case", tag = "mode")]
pub enum Inputs {
    /// Text to video.
    #[default]
    Text,
    /// Image to video from a first frame.
    FirstFrame {
        /// The first frame.
        first: Media,
    },
    /// Image to video from a first and a last frame.
    FirstLastFrames {
        /// The first frame.
        first: Media,
        /// The last frame.
        last: Media,
    },
    /// Reference images (up to 9) and reference audio URLs (up to 3) guiding style and subject;
    /// Seedance 2.0 Fast only. At least one image or one audio clip.
    References {
        /// Reference images.
        #[serde(default)]
        #[schemars(length(max = 9))]
        images: Vec<Media>,
        /// Reference audio URLs, http(s) with a host.
        #[serde(default)]
        #[schemars(length(max = 3))]
        audio: Vec<String>,
    },
}

impl Inputs {
    /// The generation mode, for messages.
    pub fn mode(&self) -> &'static str {
        match self {
            Inputs::Text => "text-to-video",
            Inputs::FirstFrame { .. } => "first-frame",
            Inputs::FirstLastFrames { .. } => "first-last-frames",
            Inputs::References { .. } => "references",
        }
    }
}

/// A video generation request, independent of the provider.
///
/// Every optional field left `None` is not sent: the provider applies its own default.
/// Build one with [`VideoRequest::builder`]; validation against a provider happens at submit time,
/// before anything is sent.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct VideoRequest {
    /// What the video shows. Put dialogue in double quotes.
    #[schemars(length(min = 1))]
    pub prompt: String,
    /// The model.
    #[serde(default = "default_model")]
    pub model: Model,
    /// Frames or references.
    #[serde(default)]
    pub inputs: Inputs,
    /// Duration in seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<u32>,
    /// Output resolution.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolution: Option<Resolution>,
    /// Aspect ratio.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ratio: Option<Ratio>,
    /// Random seed; -1 means random.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<i64>,
    /// Keep the camera fixed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub camera_fixed: Option<bool>,
    /// Generate synchronized audio (speech, effects, music).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generate_audio: Option<bool>,
    /// Add a watermark.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub watermark: Option<bool>,
    /// Frames per second.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fps: Option<u32>,
    /// Processing tier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_tier: Option<ServiceTier>,
    /// Seconds after creation after which the provider abandons the task (marked expired).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub execution_expires_after: Option<u32>,
    /// Also return the last frame of the video.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub return_last_frame: Option<bool>,
    /// HTTPS URL the provider calls when the task ends: a public host, not `localhost` nor a
    /// loopback, private, link-local or CGNAT address; up to 2048 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub callback_url: Option<String>,
}

fn default_model() -> Model {
    Model::Seedance15Pro
}

impl VideoRequest {
    /// A text-to-video request for Seedance 1.5 Pro with every option left to the provider.
    pub fn new(prompt: impl Into<String>) -> Self {
        Self {
            prompt: prompt.into(),
            model: default_model(),
            inputs: Inputs::Text,
            duration: None,
            resolution: None,
            ratio: None,
            seed: None,
            camera_fixed: None,
            generate_audio: None,
            watermark: None,
            fps: None,
            service_tier: None,
            execution_expires_after: None,
            return_last_frame: None,
            callback_url: None,
        }
    }

    /// Starts a builder.
    pub fn builder(prompt: impl Into<String>) -> VideoRequestArgs {
        VideoRequestArgs(Self::new(prompt))
    }

    /// The JSON Schema of the unified request, for tools and agents.
    pub fn json_schema() -> serde_json::Value {
        serde_json::to_value(schemars::schema_for!(VideoRequest)).expect("a JSON Schema serializes")
    }
}

/// Builder of a [`VideoRequest`].
#[derive(Clone, Debug)]
#[must_use]
pub struct VideoRequestArgs(VideoRequest);

macro_rules! setters {
    ($($(#[$doc:meta])* $name:ident: $ty:ty),* $(,)?) => {
        $(
            $(#[$doc])*
            pub fn $name(mut self, value: $ty) -> Self {
                self.0.$name = Some(value);
                self
            }
        )*
    };
}

impl VideoRequestArgs {
    /// Sets the model.
    pub fn model(mut self, model: Model) -> Self {
        self.0.model = model;
        self
    }

    /// Text to video (the default).
    pub fn text_only(mut self) -> Self {
        self.0.inputs = Inputs::Text;
        self
    }

    /// Image to video from a first frame.
    pub fn first_frame(mut self, first: impl Into<Media>) -> Self {
        self.0.inputs = Inputs::FirstFrame {
            first: first.into(),
        };
        self
    }

    /// Image to video from a first and a last frame.
    pub fn first_last_frames(mut self, first: impl Into<Media>, last: impl Into<Media>) -> Self {
        self.0.inputs = Inputs::FirstLastFrames {
            first: first.into(),
            last: last.into(),
        };
        self
    }

    /// Reference images and audio URLs (Seedance 2.0 Fast).
    pub fn references(
        mut self,
        images: impl IntoIterator<Item = impl Into<Media>>,
        audio: impl IntoIterator<Item = impl Into<String>>,
    ) -> Self {
        self.0.inputs = Inputs::References {
            images: images.into_iter().map(Into::into).collect(),
            audio: audio.into_iter().map(Into::into).collect(),
        };
        self
    }

    setters! {
        /// Duration in seconds.
        duration: u32,
        /// Output resolution.
        resolution: Resolution,
        /// Aspect ratio.
        ratio: Ratio,
        /// Random seed; -1 means random.
        seed: i64,
        /// Keep the camera fixed.
        camera_fixed: bool,
        /// Generate synchronized audio.
        generate_audio: bool,
        /// Add a watermark.
        watermark: bool,
        /// Frames per second.
        fps: u32,
        /// Processing tier.
        service_tier: ServiceTier,
        /// Seconds after which the provider abandons the task.
        execution_expires_after: u32,
        /// Also return the last frame.
        return_last_frame: bool,
    }

    /// HTTPS URL with a public host, called when the task ends.
    pub fn callback_url(mut self, url: impl Into<String>) -> Self {
        self.0.callback_url = Some(url.into());
        self
    }

    /// The request.
    pub fn build(self) -> VideoRequest {
        self.0
    }
}

/// Declares [`Field`] once: its variants, their names in [`VideoRequest`], and the list of all.
macro_rules! fields {
    ($($(#[$doc:meta])* $variant:ident = $name:literal,)*) => {
        /// A unified request field, named as in [`VideoRequest`].
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
        #[serde(rename_all = "snake_case")]
        pub enum Field {
            $($(#[$doc])* $variant,)*
        }

        impl Field {
            /// Every field, in declaration order.
            pub(crate) const ALL: &[Field] = &[$(Field::$variant),*];

            /// The field's name in [`VideoRequest`] (and, with dashes, on the command line).
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Field::$variant => $name,)*
                }
            }
        }
    };
}

fields! {
    /// `prompt`.
    Prompt = "prompt",
    /// `model`.
    Model = "model",
    /// `inputs` as a first frame.
    FirstFrame = "first_frame",
    /// `inputs` as a last frame.
    LastFrame = "last_frame",
    /// `inputs` as reference images.
    ReferenceImages = "reference_images",
    /// `inputs` as reference audio.
    ReferenceAudio = "reference_audio",
    /// `duration`.
    Duration = "duration",
    /// `resolution`.
    Resolution = "resolution",
    /// `ratio`.
    Ratio = "ratio",
    /// `seed`.
    Seed = "seed",
    /// `camera_fixed`.
    CameraFixed = "camera_fixed",
    /// `generate_audio`.
    GenerateAudio = "generate_audio",
    /// `watermark`.
    Watermark = "watermark",
    /// `fps`.
    Fps = "fps",
    /// `service_tier`.
    ServiceTier = "service_tier",
    /// `execution_expires_after`.
    ExecutionExpiresAfter = "execution_expires_after",
    /// `return_last_frame`.
    ReturnLastFrame = "return_last_frame",
    /// `callback_url`.
    CallbackUrl = "callback_url",
}

impl Field {
    /// Whether a request always carries the field, so that no provider can lack it.
    pub(crate) fn is_required(self) -> bool {
        matches!(self, Field::Prompt | Field::Model)
    }
}

impl VideoRequest {
    /// The value of `field` as JSON, `None` when it is unset: the one place that reads a field
    /// by its [`Field`], used by validation and by every provider's payload.
    ///
    /// The media fields are `None` here: they live in `inputs` and reach a payload only once
    /// read and checked, as [`Resolved`](crate::providers::Resolved).
    pub(crate) fn value(&self, field: Field) -> Option<serde_json::Value> {
        fn json(value: impl Serialize) -> serde_json::Value {
            serde_json::to_value(value).expect("plain values serialize")
        }
        match field {
            Field::Prompt => Some(json(&self.prompt)),
            Field::Model => Some(json(self.model)),
            Field::FirstFrame
            | Field::LastFrame
            | Field::ReferenceImages
            | Field::ReferenceAudio => None,
            Field::Duration => self.duration.map(json),
            Field::Resolution => self.resolution.map(json),
            Field::Ratio => self.ratio.map(json),
            Field::Seed => self.seed.map(json),
            Field::CameraFixed => self.camera_fixed.map(json),
            Field::GenerateAudio => self.generate_audio.map(json),
            Field::Watermark => self.watermark.map(json),
            Field::Fps => self.fps.map(json),
            Field::ServiceTier => self.service_tier.map(json),
            Field::ExecutionExpiresAfter => self.execution_expires_after.map(json),
            Field::ReturnLastFrame => self.return_last_frame.map(json),
            Field::CallbackUrl => self.callback_url.as_ref().map(json),
        }
    }
}

impl std::fmt::Display for Field {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
