//! The Seedance models, by the names the facade, the CLI and JSON use.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A Seedance model.
///
/// Which provider sells which model, and what each accepts there: `capabilities`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum Model {
    /// Seedance 1.0 Lite: text to video (its `t2v` id), or first frame, first and last frames,
    /// or 1-4 reference images (its `i2v` id); 2-12 s or a frame count; no audio.
    #[serde(rename = "seedance-1.0-lite")]
    #[cfg_attr(
        feature = "clap",
        value(
            name = "seedance-1.0-lite",
            help = "Seedance 1.0 Lite (1-4 reference images)"
        )
    )]
    Seedance10Lite,
    /// Seedance 1.0 Pro: text, first frame, or first and last frames; up to 1080p; 2-12 s or a
    /// frame count; no audio.
    #[serde(rename = "seedance-1.0-pro")]
    #[cfg_attr(
        feature = "clap",
        value(name = "seedance-1.0-pro", help = "Seedance 1.0 Pro")
    )]
    Seedance10Pro,
    /// Seedance 1.0 Pro Fast: text or first frame, faster and cheaper than 1.0 Pro.
    #[serde(rename = "seedance-1.0-pro-fast")]
    #[cfg_attr(
        feature = "clap",
        value(name = "seedance-1.0-pro-fast", help = "Seedance 1.0 Pro Fast")
    )]
    Seedance10ProFast,
    /// Seedance 1.5 Pro: text, first frame, or first and last frame; audio co-generation;
    /// drafts. Upstream marks it retired in favour of Seedance 2.0 Mini (`Model::replacement`).
    #[serde(rename = "seedance-1.5-pro")]
    #[cfg_attr(
        feature = "clap",
        value(
            name = "seedance-1.5-pro",
            help = "Seedance 1.5 Pro (retired upstream)"
        )
    )]
    Seedance15Pro,
    /// Seedance 2.0: also reference images, videos and audio, video edit and extension; up to 4k.
    #[serde(rename = "seedance-2.0")]
    #[cfg_attr(
        feature = "clap",
        value(
            name = "seedance-2.0",
            help = "Seedance 2.0 (references, edit, extend; up to 4k)"
        )
    )]
    Seedance20,
    /// Seedance 2.0 Fast: the 2.0 modes, faster; 480p/720p.
    #[serde(rename = "seedance-2.0-fast")]
    #[cfg_attr(
        feature = "clap",
        value(
            name = "seedance-2.0-fast",
            help = "Seedance 2.0 Fast (reference images and audio; 480p/720p)"
        )
    )]
    Seedance20Fast,
    /// Seedance 2.0 Mini: the 2.0 modes at the lowest price; 480p/720p.
    #[serde(rename = "seedance-2.0-mini")]
    #[cfg_attr(
        feature = "clap",
        value(name = "seedance-2.0-mini", help = "Seedance 2.0 Mini (480p/720p)")
    )]
    Seedance20Mini,
    /// Seedance 2.5: the 2.0 modes with more references, 480p to 4k, up to 30 s, drafts, edit and
    /// extension declared as task types. Left unset, the duration is chosen by the model (about
    /// 10 s in third-party tests, billed as such): set `duration` to control the cost.
    #[serde(rename = "seedance-2.5")]
    #[cfg_attr(
        feature = "clap",
        value(
            name = "seedance-2.5",
            help = "Seedance 2.5 (480p-4k; up to 30 s; drafts)"
        )
    )]
    Seedance25,
    /// Seedance 2.5 Flash: faster and cheaper; 480p/720p, 4-30 s, references, frames; no draft.
    /// Its ids (`dreamina-seedance-2-5-flash-...`) are its own, not Seedance 2.5's. Left unset,
    /// the duration is chosen by the model, as on 2.5.
    #[serde(rename = "seedance-2.5-flash")]
    #[cfg_attr(
        feature = "clap",
        value(
            name = "seedance-2.5-flash",
            help = "Seedance 2.5 Flash (480p/720p; up to 30 s)"
        )
    )]
    Seedance25Flash,
}

impl Model {
    /// Every model, in a stable order.
    pub const ALL: [Model; 9] = [
        Model::Seedance10Lite,
        Model::Seedance10Pro,
        Model::Seedance10ProFast,
        Model::Seedance15Pro,
        Model::Seedance20,
        Model::Seedance20Fast,
        Model::Seedance20Mini,
        Model::Seedance25,
        Model::Seedance25Flash,
    ];

    /// The name used on the command line and in errors.
    pub fn as_str(self) -> &'static str {
        match self {
            Model::Seedance10Lite => "seedance-1.0-lite",
            Model::Seedance10Pro => "seedance-1.0-pro",
            Model::Seedance10ProFast => "seedance-1.0-pro-fast",
            Model::Seedance15Pro => "seedance-1.5-pro",
            Model::Seedance20 => "seedance-2.0",
            Model::Seedance20Fast => "seedance-2.0-fast",
            Model::Seedance20Mini => "seedance-2.0-mini",
            Model::Seedance25 => "seedance-2.5",
            Model::Seedance25Flash => "seedance-2.5-flash",
        }
    }

    /// The model upstream recommends instead, when upstream marks this one retired.
    ///
    /// BytePlus's model list marks Seedance 1.5 Pro "Retired; recommended replacement
    /// dreamina-seedance-2-0-mini-260615". A retired model may still be sold (by resellers, or
    /// until upstream switches it off), so choosing one is a warning, not an error.
    pub fn replacement(self) -> Option<Model> {
        match self {
            Model::Seedance15Pro => Some(Model::Seedance20Mini),
            _ => None,
        }
    }

    /// Whether the model is of the 2.x family (2.0, 2.0 Fast, 2.0 Mini, 2.5, 2.5 Flash), whose API differs
    /// from 1.x (no seed, camera_fixed, frames nor flex; priority, reference videos and audio).
    pub(crate) fn is_2x(self) -> bool {
        matches!(
            self,
            Model::Seedance20
                | Model::Seedance20Fast
                | Model::Seedance20Mini
                | Model::Seedance25
                | Model::Seedance25Flash
        )
    }
}

impl std::fmt::Display for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Model {
    /// Whether the model picks the duration itself when the request leaves it unset (Seedance
    /// 2.5 and 2.5 Flash default to `-1`: about 10 s in third-party tests, and billed as such;
    /// apiyi's notes, index id 68312551052).
    pub fn chooses_unset_duration(self) -> bool {
        matches!(self, Model::Seedance25 | Model::Seedance25Flash)
    }
}
