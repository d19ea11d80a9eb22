//! The unified request: one model of everything the providers document.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::media::Media;

mod duration;
mod field;
mod model;

pub use self::{duration::VideoDuration, field::Field, model::Model};

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
    /// 4k (Seedance 2.0 on Ark).
    #[serde(rename = "4k")]
    #[cfg_attr(feature = "clap", value(name = "4k"))]
    P4k,
}

impl Resolution {
    /// As on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Resolution::P480 => "480p",
            Resolution::P720 => "720p",
            Resolution::P1080 => "1080p",
            Resolution::P4k => "4k",
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
    /// 9:21.
    #[serde(rename = "9:21")]
    #[cfg_attr(feature = "clap", value(name = "9:21"))]
    R9x21,
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
            Ratio::R9x21 => "9:21",
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

/// The container of the video.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
#[serde(rename_all = "lowercase")]
pub enum OutputFormat {
    /// MP4 (H.264), the default.
    Mp4,
    /// QuickTime (H.264 yuv444p with PCM audio, on Seedance 2.5): a `.mov` file.
    Mov,
}

impl OutputFormat {
    /// As on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            OutputFormat::Mp4 => "mp4",
            OutputFormat::Mov => "mov",
        }
    }

    /// The file extension a video in this format has, without the dot.
    pub fn extension(self) -> &'static str {
        self.as_str()
    }
}

/// How a request is checked against the capability table before it is sent.
///
/// Checks that protect the user rather than the provider run in every mode: local files are
/// read only under their size caps, a local path never comes from JSON, `callback_url` must be
/// a public https URL, and the API key goes only where the credential rule allows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
#[serde(rename_all = "lowercase")]
pub enum Validation {
    /// A request that breaks a capability rule is refused before anything is sent.
    #[default]
    Enforce,
    /// Each rule the request breaks is reported (through `tracing`, and by
    /// [`Client::violations`](crate::Client::violations)) and the request is sent as asked.
    Warn,
    /// Nothing is checked against the capability table; `model_id` may be any id.
    Off,
}

impl Validation {
    /// The name, as on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Validation::Enforce => "enforce",
            Validation::Warn => "warn",
            Validation::Off => "off",
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
    /// Reference images, videos and audio guiding style, subject, motion and sound (Seedance
    /// 2.x; Seedance 1.0 Lite takes 1-4 images only). At least one reference; how many of each a
    /// model takes is in its capabilities (`seedance providers`).
    References {
        /// Reference images.
        #[serde(default)]
        #[schemars(length(max = 30))]
        images: Vec<Media>,
        /// Reference video URLs: `http(s)` with a host, or `asset://<id>`.
        #[serde(default)]
        #[schemars(length(max = 10))]
        videos: Vec<String>,
        /// Reference audio: an `http(s)` URL, `asset://<id>`, a `data:audio/<format>;base64,`
        /// URL, bytes, or (in code and on the command line) a local wav or mp3 file.
        #[serde(default)]
        #[schemars(length(max = 10))]
        audio: Vec<Media>,
    },
    /// Edit one video (Seedance 2.0 family): the prompt says what changes, optional images show
    /// what to put in. Needs `ratio: "adaptive"` and `duration: "auto"` (the builder sets both).
    Edit {
        /// The video to edit: `http(s)` with a host, or `asset://<id>`.
        video: String,
        /// Reference images for the edit.
        #[serde(default)]
        images: Vec<Media>,
    },
    /// Extend 1-3 videos into one longer video (Seedance 2.0 family). Needs `ratio: "adaptive"`
    /// and `duration: "auto"` (the builder sets both).
    Extend {
        /// The videos to extend, in order: `http(s)` with a host, or `asset://<id>`.
        #[schemars(length(min = 1, max = 3))]
        videos: Vec<String>,
    },
    /// The final video of a draft (a task submitted with `draft: true`), with the draft's
    /// content and settings.
    FromDraft {
        /// The draft task's id.
        #[schemars(length(min = 1))]
        task_id: String,
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
            Inputs::Edit { .. } => "edit",
            Inputs::Extend { .. } => "extend",
            Inputs::FromDraft { .. } => "from-draft",
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
    /// The provider's own id for the model, instead of the one the facade picks for `model`:
    /// another dated version of the same family, or an endpoint id (`ep-...`). Ark only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model_id: Option<String>,
    /// Frames or references.
    #[serde(default)]
    pub inputs: Inputs,
    /// Duration in seconds, or `"auto"` (the model chooses; sent as -1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<VideoDuration>,
    /// Number of frames instead of a duration: 25 + 4n in [29, 289] (Seedance 1.0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 29, max = 289))]
    pub frames: Option<u32>,
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
    /// Queue priority, 0 (default) to 9 (Seedance 2.x; not with the flex tier).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(max = 9))]
    pub priority: Option<u8>,
    /// A cheap 480p draft to review before paying for the final video (made from it with the
    /// `from_draft` inputs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub draft: Option<bool>,
    /// An id of the end user (a hash, up to 64 characters) the provider uses to trace abuse.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 64))]
    pub safety_identifier: Option<String>,
    /// The container of the video (Seedance 2.5): `mp4` (the default) or `mov`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_format: Option<OutputFormat>,
    /// Let the model search the web (Seedance 2.5; sent as `tools: [{"type": "web_search"}]`,
    /// billed only when a search runs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub web_search: Option<bool>,
    /// Fields the SDK does not model yet, merged into the provider's request body as given
    /// (the official SDKs' `extra_body`). A key the SDK maps from a typed field is refused
    /// (use the field); `tools` is taken, but not together with `web_search`.
    #[serde(default, skip_serializing_if = "serde_json::Map::is_empty")]
    pub extra: serde_json::Map<String, serde_json::Value>,
    /// How this request is checked against the capability table; `None` keeps the client's
    /// setting ([`ClientBuilder::validation`](crate::ClientBuilder::validation)).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validation: Option<Validation>,
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
            model_id: None,
            inputs: Inputs::Text,
            duration: None,
            frames: None,
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
            priority: None,
            draft: None,
            safety_identifier: None,
            output_format: None,
            web_search: None,
            extra: serde_json::Map::new(),
            validation: None,
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

    /// Reference images, videos (`http(s)` or `asset://` URLs) and audio.
    pub fn references(
        mut self,
        images: impl IntoIterator<Item = impl Into<Media>>,
        videos: impl IntoIterator<Item = impl Into<String>>,
        audio: impl IntoIterator<Item = impl Into<Media>>,
    ) -> Self {
        self.0.inputs = Inputs::References {
            images: images.into_iter().map(Into::into).collect(),
            videos: videos.into_iter().map(Into::into).collect(),
            audio: audio.into_iter().map(Into::into).collect(),
        };
        self
    }

    /// Edits `video` (an `http(s)` or `asset://` URL), with optional reference images.
    ///
    /// An edit keeps the video's shape and length, so it needs `ratio` adaptive and `duration`
    /// auto: this sets both when they are unset (a value set earlier or later is kept, and
    /// refused by validation unless it is adaptive or auto).
    pub fn edit(
        mut self,
        video: impl Into<String>,
        images: impl IntoIterator<Item = impl Into<Media>>,
    ) -> Self {
        self.0.inputs = Inputs::Edit {
            video: video.into(),
            images: images.into_iter().map(Into::into).collect(),
        };
        self.keep_shape()
    }

    /// Extends `videos` (1-3 `http(s)` or `asset://` URLs) into one longer video; like
    /// [`edit`](Self::edit), sets `ratio` adaptive and `duration` auto when unset.
    pub fn extend(mut self, videos: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.0.inputs = Inputs::Extend {
            videos: videos.into_iter().map(Into::into).collect(),
        };
        self.keep_shape()
    }

    /// Sets `ratio` adaptive and `duration` auto where unset, as edits and extensions need.
    fn keep_shape(mut self) -> Self {
        self.0.ratio.get_or_insert(Ratio::Adaptive);
        self.0.duration.get_or_insert(VideoDuration::Auto);
        self
    }

    /// The final video of the draft task `task_id`.
    pub fn from_draft(mut self, task_id: impl Into<String>) -> Self {
        self.0.inputs = Inputs::FromDraft {
            task_id: task_id.into(),
        };
        self
    }

    /// Duration in seconds (a `u32`), or [`VideoDuration::Auto`].
    pub fn duration(mut self, duration: impl Into<VideoDuration>) -> Self {
        self.0.duration = Some(duration.into());
        self
    }

    /// The provider's own model id or an endpoint id (Ark).
    pub fn model_id(mut self, id: impl Into<String>) -> Self {
        self.0.model_id = Some(id.into());
        self
    }

    /// An id of the end user, up to 64 characters.
    pub fn safety_identifier(mut self, id: impl Into<String>) -> Self {
        self.0.safety_identifier = Some(id.into());
        self
    }

    setters! {
        /// Number of frames, 25 + 4n in [29, 289] (Seedance 1.0).
        frames: u32,
        /// Queue priority, 0 to 9 (Seedance 2.x).
        priority: u8,
        /// A 480p draft.
        draft: bool,
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
        /// The container of the video.
        output_format: OutputFormat,
        /// Let the model search the web.
        web_search: bool,
        /// How the request is checked against the capability table.
        validation: Validation,
    }

    /// Adds a field the SDK does not model, merged into the provider's body as given.
    pub fn extra(mut self, key: impl Into<String>, value: serde_json::Value) -> Self {
        self.0.extra.insert(key.into(), value);
        self
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
            | Field::ReferenceAudio
            | Field::ReferenceVideos
            | Field::Edit
            | Field::Extend
            | Field::DraftTask => None,
            Field::ModelId => self.model_id.as_ref().map(json),
            // What is sent: `auto` is -1 on every wire that takes it.
            Field::Duration => self.duration.map(|d| json(d.wire_value())),
            Field::Frames => self.frames.map(json),
            Field::Priority => self.priority.map(json),
            Field::Draft => self.draft.map(json),
            Field::SafetyIdentifier => self.safety_identifier.as_ref().map(json),
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
            Field::OutputFormat => self.output_format.map(json),
            Field::WebSearch => self.web_search.map(json),
            // Merged into the body by each provider, after its own fields.
            Field::Extra => None,
        }
    }
}
