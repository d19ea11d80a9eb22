//! Command-line arguments (clap), with value enums mapped to the `seedance` types.

use std::{net::SocketAddr, path::PathBuf, time::Duration};

use clap::{Args, Parser, Subcommand, ValueEnum};
use seedance_sdk::{Model, Provider, Ratio, Resolution, ServiceTier};

/// Generate videos with ByteDance Seedance models through Modellix, Jiekou.AI or odkkk.
///
/// API keys come from MODELLIX_API_KEY, JIEKOU_API_KEY and ODKKK_API_KEY; server URLs from
/// MODELLIX_BASE_URL, JIEKOU_BASE_URL and ODKKK_BASE_URL when set.
#[derive(Debug, Parser)]
#[command(name = "seedance", version, propagate_version = true)]
pub(crate) struct Cli {
    /// The command to run.
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Submit a video generation task, wait for it and download the video.
    Generate(Box<GenerateArgs>),
    /// Print the status of a submitted task.
    Status(StatusArgs),
    /// Wait for a submitted task to finish and download its video.
    Wait(WaitArgs),
    /// Download the video of a finished task.
    Download(DownloadArgs),
    /// Show what each provider accepts for each model.
    Providers(ProvidersArgs),
    /// Print the JSON Schema of the unified request.
    Schema,
    /// Run the provider simulator until Ctrl-C.
    Sim(SimArgs),
}

/// `seedance generate`.
#[derive(Debug, Args)]
pub(crate) struct GenerateArgs {
    /// What the video shows; put dialogue in double quotes.
    pub(crate) prompt: String,
    /// The provider to use.
    #[arg(long, value_enum)]
    pub(crate) provider: ProviderArg,
    /// The model.
    #[arg(long, value_enum, default_value_t = ModelArg::Seedance15Pro)]
    pub(crate) model: ModelArg,
    /// First frame: a local image file or an http(s) URL.
    #[arg(long, value_name = "PATH|URL", conflicts_with_all = ["reference_image", "reference_audio"])]
    pub(crate) first_frame: Option<String>,
    /// Last frame: a local image file or an http(s) URL.
    #[arg(long, value_name = "PATH|URL", requires = "first_frame", conflicts_with_all = ["reference_image", "reference_audio"])]
    pub(crate) last_frame: Option<String>,
    /// Reference image, a local file or an http(s) URL (repeatable; seedance-2.0-fast).
    #[arg(long, value_name = "PATH|URL")]
    pub(crate) reference_image: Vec<String>,
    /// Reference audio URL (repeatable; seedance-2.0-fast).
    #[arg(long, value_name = "URL")]
    pub(crate) reference_audio: Vec<String>,
    /// Duration in seconds.
    #[arg(long, value_name = "SECONDS")]
    pub(crate) duration: Option<u32>,
    /// Output resolution.
    #[arg(long, value_enum)]
    pub(crate) resolution: Option<ResolutionArg>,
    /// Aspect ratio.
    #[arg(long, value_enum)]
    pub(crate) ratio: Option<RatioArg>,
    /// Random seed; -1 means random.
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub(crate) seed: Option<i64>,
    /// Keep the camera fixed.
    #[arg(long)]
    pub(crate) camera_fixed: bool,
    /// Do not generate audio.
    #[arg(long)]
    pub(crate) no_audio: bool,
    /// Add a watermark.
    #[arg(long)]
    pub(crate) watermark: bool,
    /// Frames per second.
    #[arg(long, value_name = "N")]
    pub(crate) fps: Option<u32>,
    /// Processing tier.
    #[arg(long, value_enum)]
    pub(crate) service_tier: Option<ServiceTierArg>,
    /// Also return the last frame of the video.
    #[arg(long)]
    pub(crate) return_last_frame: bool,
    /// HTTPS URL the provider calls when the task ends.
    #[arg(long, value_name = "URL")]
    pub(crate) callback_url: Option<String>,
    /// Seconds after which the provider abandons the task.
    #[arg(long, value_name = "SECONDS")]
    pub(crate) expires_after: Option<u32>,
    /// Replace the provider's server URL; the API key is sent there [default:
    /// <PROVIDER>_BASE_URL, else the provider's documented server].
    #[arg(long, value_name = "URL", conflicts_with = "sim")]
    pub(crate) base_url: Option<String>,
    /// Allow a plain http:// base URL on a host that is not loopback (the API key then crosses
    /// the network unencrypted).
    #[arg(long)]
    pub(crate) allow_insecure_http: bool,
    /// Run against a simulator started in this process (no API key or network needed).
    #[arg(long)]
    pub(crate) sim: bool,
    /// Submit only and print the task handle.
    #[arg(long, conflicts_with_all = ["output", "timeout"])]
    pub(crate) no_wait: bool,
    /// Where to write the video: a file, or a directory to put <TASK_ID>.mp4 in [default:
    /// <TASK_ID>.mp4].
    #[arg(short, long, value_name = "PATH")]
    pub(crate) output: Option<PathBuf>,
    /// Give up waiting after this long (90s, 10m, 1h; at most 720h) [default: 30m].
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub(crate) timeout: Option<Duration>,
    /// Print one JSON object on stdout.
    #[arg(long)]
    pub(crate) json: bool,
}

/// `seedance status`.
#[derive(Debug, Args)]
pub(crate) struct StatusArgs {
    /// The handle printed by `generate --no-wait`, or @FILE holding it.
    pub(crate) handle: String,
    /// Where the task's server is.
    #[command(flatten)]
    pub(crate) server: ServerArgs,
    /// Print one JSON object on stdout.
    #[arg(long)]
    pub(crate) json: bool,
}

/// `seedance wait`.
#[derive(Debug, Args)]
pub(crate) struct WaitArgs {
    /// The handle printed by `generate --no-wait`, or @FILE holding it.
    pub(crate) handle: String,
    /// Where the task's server is.
    #[command(flatten)]
    pub(crate) server: ServerArgs,
    /// Where to write the video: a file, or a directory to put <TASK_ID>.mp4 in [default:
    /// <TASK_ID>.mp4].
    #[arg(short, long, value_name = "PATH")]
    pub(crate) output: Option<PathBuf>,
    /// Give up waiting after this long (90s, 10m, 1h; at most 720h) [default: 30m].
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub(crate) timeout: Option<Duration>,
    /// Print one JSON object on stdout.
    #[arg(long)]
    pub(crate) json: bool,
}

/// `seedance download`.
#[derive(Debug, Args)]
pub(crate) struct DownloadArgs {
    /// The handle printed by `generate --no-wait`, or @FILE holding it.
    pub(crate) handle: String,
    /// Where the task's server is.
    #[command(flatten)]
    pub(crate) server: ServerArgs,
    /// Where to write the video: a file, or a directory to put <TASK_ID>.mp4 in.
    #[arg(short, long, value_name = "PATH")]
    pub(crate) output: PathBuf,
    /// Print one JSON object on stdout.
    #[arg(long)]
    pub(crate) json: bool,
}

/// The server of a task resumed from its handle.
#[derive(Debug, Args)]
pub(crate) struct ServerArgs {
    /// The provider's server URL [default: <PROVIDER>_BASE_URL, else the provider's documented
    /// server]. The API key goes only there: a handle naming any other server is refused, so
    /// pass the handle's URL here if you trust it.
    #[arg(long, value_name = "URL")]
    pub(crate) base_url: Option<String>,
    /// Allow a plain http:// base URL on a host that is not loopback (the API key then crosses
    /// the network unencrypted).
    #[arg(long)]
    pub(crate) allow_insecure_http: bool,
}

/// `seedance providers`.
#[derive(Debug, Args)]
pub(crate) struct ProvidersArgs {
    /// Print the capabilities as JSON.
    #[arg(long)]
    pub(crate) json: bool,
}

/// `seedance sim`.
#[derive(Debug, Args)]
pub(crate) struct SimArgs {
    /// Address of the API origin (port 0 picks a free one).
    #[arg(long, default_value = "127.0.0.1:0")]
    pub(crate) addr: SocketAddr,
    /// Seconds from submit to success [default: 6].
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub(crate) task_seconds: Option<f64>,
}

/// `--provider`.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub(crate) enum ProviderArg {
    /// Modellix.
    Modellix,
    /// Jiekou.AI.
    Jiekou,
    /// odkkk (image URLs only).
    Odkkk,
}

impl From<ProviderArg> for Provider {
    fn from(value: ProviderArg) -> Self {
        match value {
            ProviderArg::Modellix => Provider::Modellix,
            ProviderArg::Jiekou => Provider::Jiekou,
            ProviderArg::Odkkk => Provider::Odkkk,
        }
    }
}

/// `--model`.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub(crate) enum ModelArg {
    /// Seedance 1.5 Pro.
    #[value(name = "seedance-1.5-pro")]
    Seedance15Pro,
    /// Seedance 2.0 Fast (reference images and audio; 480p/720p).
    #[value(name = "seedance-2.0-fast")]
    Seedance20Fast,
}

impl From<ModelArg> for Model {
    fn from(value: ModelArg) -> Self {
        match value {
            ModelArg::Seedance15Pro => Model::Seedance15Pro,
            ModelArg::Seedance20Fast => Model::Seedance20Fast,
        }
    }
}

/// `--resolution`.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub(crate) enum ResolutionArg {
    /// 480p.
    #[value(name = "480p")]
    P480,
    /// 720p.
    #[value(name = "720p")]
    P720,
    /// 1080p.
    #[value(name = "1080p")]
    P1080,
}

impl From<ResolutionArg> for Resolution {
    fn from(value: ResolutionArg) -> Self {
        match value {
            ResolutionArg::P480 => Resolution::P480,
            ResolutionArg::P720 => Resolution::P720,
            ResolutionArg::P1080 => Resolution::P1080,
        }
    }
}

/// `--ratio`.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub(crate) enum RatioArg {
    /// 16:9.
    #[value(name = "16:9")]
    R16x9,
    /// 4:3.
    #[value(name = "4:3")]
    R4x3,
    /// 1:1.
    #[value(name = "1:1")]
    R1x1,
    /// 3:4.
    #[value(name = "3:4")]
    R3x4,
    /// 9:16.
    #[value(name = "9:16")]
    R9x16,
    /// 21:9.
    #[value(name = "21:9")]
    R21x9,
    /// Chosen by the model.
    Adaptive,
}

impl From<RatioArg> for Ratio {
    fn from(value: RatioArg) -> Self {
        match value {
            RatioArg::R16x9 => Ratio::R16x9,
            RatioArg::R4x3 => Ratio::R4x3,
            RatioArg::R1x1 => Ratio::R1x1,
            RatioArg::R3x4 => Ratio::R3x4,
            RatioArg::R9x16 => Ratio::R9x16,
            RatioArg::R21x9 => Ratio::R21x9,
            RatioArg::Adaptive => Ratio::Adaptive,
        }
    }
}

/// `--service-tier`.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub(crate) enum ServiceTierArg {
    /// Online inference: lower latency.
    Default,
    /// Offline inference: half price, latency-insensitive.
    Flex,
}

impl From<ServiceTierArg> for ServiceTier {
    fn from(value: ServiceTierArg) -> Self {
        match value {
            ServiceTierArg::Default => ServiceTier::Default,
            ServiceTierArg::Flex => ServiceTier::Flex,
        }
    }
}

/// The longest `--timeout`: 30 days, far beyond any task, and small enough to add to any clock.
pub(crate) const MAX_TIMEOUT: Duration = Duration::from_secs(30 * 24 * 3600);

/// Parses `90s`, `10m`, `1h` or `250ms` (a bare number is seconds), at most [`MAX_TIMEOUT`].
pub(crate) fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let invalid = || {
        format!("{text:?} is not a duration; allowed: a number with s, m or h, like 90s, 10m, 1h")
    };
    let value: f64 = number.parse().map_err(|_| invalid())?;
    let seconds = match unit.trim() {
        "" | "s" => value,
        "ms" => value / 1000.0,
        "m" => value * 60.0,
        "h" => value * 3600.0,
        _ => return Err(invalid()),
    };
    if seconds.is_nan() || seconds > MAX_TIMEOUT.as_secs_f64() {
        return Err(format!(
            "{text:?} is too long; allowed: from 0s up to {}h (30 days)",
            MAX_TIMEOUT.as_secs() / 3600
        ));
    }
    Duration::try_from_secs_f64(seconds).map_err(|_| invalid())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("10m"), Ok(Duration::from_secs(600)));
        assert_eq!(parse_duration("1h"), Ok(Duration::from_secs(3600)));
        assert_eq!(parse_duration("45"), Ok(Duration::from_secs(45)));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("5d").is_err());
        assert_eq!(parse_duration("720h"), Ok(MAX_TIMEOUT));
        for too_long in ["721h", "999999999999h", "1e400", "9".repeat(400).as_str()] {
            let err = parse_duration(too_long).unwrap_err();
            assert!(
                err.contains("720h") || err.contains("not a duration"),
                "{err}"
            );
        }
        assert!(
            parse_duration("999999999999h")
                .unwrap_err()
                .contains("720h")
        );
    }

    #[test]
    fn the_command_line_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
