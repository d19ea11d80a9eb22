//! The providers that sell Seedance.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A provider selling Seedance video generation.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
#[serde(rename_all = "lowercase")]
pub enum Provider {
    /// Modellix (`api.modellix.ai`).
    #[cfg_attr(feature = "clap", value(help = "Modellix"))]
    Modellix,
    /// Jiekou.AI (`api.jiekou.ai`).
    #[cfg_attr(feature = "clap", value(help = "Jiekou.AI"))]
    Jiekou,
    /// odkkk (`ai.odkkk.com`), a copy of EvoLink's API.
    #[cfg_attr(feature = "clap", value(help = "odkkk (image URLs only)"))]
    Odkkk,
    /// BytePlus ModelArk (`ark.ap-southeast.bytepluses.com`), Seedance's own API; also
    /// Volcengine Ark in China and Ark-compatible resellers, by base URL. BytePlus's EU region
    /// is a documented Ark server that serves no video models
    /// ([`video_unavailable`](crate::video_unavailable)).
    #[cfg_attr(
        feature = "clap",
        value(help = "BytePlus ModelArk / Volcengine Ark (every model)")
    )]
    Ark,
}

impl Provider {
    /// Every provider, in a stable order.
    pub const ALL: [Provider; 4] = [
        Provider::Modellix,
        Provider::Jiekou,
        Provider::Odkkk,
        Provider::Ark,
    ];

    /// Its lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            Provider::Modellix => "modellix",
            Provider::Jiekou => "jiekou",
            Provider::Odkkk => "odkkk",
            Provider::Ark => "ark",
        }
    }

    /// The environment variable holding its API key: `MODELLIX_API_KEY`, `JIEKOU_API_KEY`,
    /// `ODKKK_API_KEY`, `ARK_API_KEY`.
    pub fn api_key_env(self) -> &'static str {
        match self {
            Provider::Modellix => "MODELLIX_API_KEY",
            Provider::Jiekou => "JIEKOU_API_KEY",
            Provider::Odkkk => "ODKKK_API_KEY",
            Provider::Ark => "ARK_API_KEY",
        }
    }

    /// The environment variable overriding its base URL: `MODELLIX_BASE_URL`,
    /// `JIEKOU_BASE_URL`, `ODKKK_BASE_URL`, `ARK_BASE_URL`.
    pub fn base_url_env(self) -> &'static str {
        match self {
            Provider::Modellix => "MODELLIX_BASE_URL",
            Provider::Jiekou => "JIEKOU_BASE_URL",
            Provider::Odkkk => "ODKKK_BASE_URL",
            Provider::Ark => "ARK_BASE_URL",
        }
    }

    /// The documented server URL (for Ark, BytePlus's ap-southeast region).
    pub fn default_base_url(self) -> &'static str {
        match self {
            Provider::Modellix => "https://api.modellix.ai/api/v1",
            Provider::Jiekou => "https://api.jiekou.ai",
            Provider::Odkkk => "https://ai.odkkk.com/apiv1",
            Provider::Ark => ARK_AP_SOUTHEAST,
        }
    }
}

impl Provider {
    /// Every server URL the provider documents; a task handle naming one of them is trusted
    /// with the API key. For odkkk, also EvoLink's, whose API it copies; for Ark, BytePlus's
    /// ap-southeast and eu-west regions and Volcengine's cn-beijing.
    pub fn documented_base_urls(self) -> &'static [&'static str] {
        match self {
            Provider::Modellix => &["https://api.modellix.ai/api/v1"],
            Provider::Jiekou => &["https://api.jiekou.ai"],
            Provider::Odkkk => &["https://ai.odkkk.com/apiv1", "https://api.evolink.ai"],
            Provider::Ark => &[ARK_AP_SOUTHEAST, ARK_EU_WEST, ARK_VOLCENGINE],
        }
    }
}

/// BytePlus ModelArk, Asia Pacific (Johor): the default.
const ARK_AP_SOUTHEAST: &str = "https://ark.ap-southeast.bytepluses.com/api/v3";
/// BytePlus ModelArk, Europe (Dublin): chat and images only, no video (see [`NO_VIDEO_HOSTS`]).
const ARK_EU_WEST: &str = "https://ark.eu-west.bytepluses.com/api/v3";

/// Hosts of documented servers known to serve no video models: the provider, the host, and why
/// (naming the host, where video is served instead, and the source).
pub(crate) const NO_VIDEO_HOSTS: [(Provider, &str, &str); 1] = [(
    Provider::Ark,
    "ark.eu-west.bytepluses.com",
    "BytePlus ModelArk's EU host ark.eu-west.bytepluses.com serves chat and image models only, \
     no video models (video generation is in Asia Pacific only: use \
     https://ark.ap-southeast.bytepluses.com/api/v3); source, third-party: TanStack AI's BytePlus \
     adapter documentation, https://tanstack.com/ai/latest/docs/adapters/byteplus-advanced",
)];

/// Volcengine Ark (China), whose model ids carry a `doubao-` prefix.
pub(crate) const ARK_VOLCENGINE: &str = "https://ark.cn-beijing.volces.com/api/v3";

impl std::fmt::Display for Provider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Provider {
    type Err = String;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        Provider::ALL
            .into_iter()
            .find(|p| p.as_str().eq_ignore_ascii_case(value.trim()))
            .ok_or_else(|| {
                format!("unknown provider {value:?}; allowed: modellix, jiekou, odkkk, ark")
            })
    }
}
