//! [`Field`]: the name of each unified request field, in messages and in the providers' wire
//! tables.

use serde::{Deserialize, Serialize};

/// Declares [`Field`] once: its variants, their names in [`VideoRequest`](crate::VideoRequest), and the list of all.
macro_rules! fields {
    ($($(#[$doc:meta])* $variant:ident = $name:literal,)*) => {
        /// A unified request field, named as in [`VideoRequest`](crate::VideoRequest).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum Field {
            $($(#[$doc])* $variant,)*
        }

        impl Field {
            /// Every field, in declaration order.
            pub(crate) const ALL: &[Field] = &[$(Field::$variant),*];

            /// The field's name in [`VideoRequest`](crate::VideoRequest) (and, with dashes, on the command line).
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
    /// `inputs` as reference videos.
    ReferenceVideos = "reference_videos",
    /// `inputs` as a video to edit.
    Edit = "edit",
    /// `inputs` as videos to extend.
    Extend = "extend",
    /// `inputs` as the draft task a final video is made from.
    DraftTask = "draft_task",
    /// `model_id`.
    ModelId = "model_id",
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
    /// `frames`.
    Frames = "frames",
    /// `priority`.
    Priority = "priority",
    /// `draft`.
    Draft = "draft",
    /// `safety_identifier`.
    SafetyIdentifier = "safety_identifier",
    /// `output_format`.
    OutputFormat = "output_format",
    /// `web_search`.
    WebSearch = "web_search",
    /// `extra`: fields merged into the body as given.
    Extra = "extra",
}

impl Field {
    /// Whether a request always carries the field, so that no provider can lack it.
    pub(crate) fn is_required(self) -> bool {
        matches!(self, Field::Prompt | Field::Model | Field::Extra)
    }
}

impl std::fmt::Display for Field {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
