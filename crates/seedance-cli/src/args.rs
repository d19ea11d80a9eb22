//! Command-line arguments (clap); the value enums are the facade's own (its `clap` feature).

use std::{net::SocketAddr, path::PathBuf, time::Duration};

use clap::{Args, Parser, Subcommand};
use seedance_sdk::{Model, Provider, Ratio, Resolution, ServiceTier, TaskState, VideoDuration};

/// Generate videos with ByteDance Seedance models through Modellix, Jiekou.AI, odkkk or BytePlus
/// ModelArk (ark).
///
/// API keys come from MODELLIX_API_KEY, JIEKOU_API_KEY, ODKKK_API_KEY and ARK_API_KEY; server
/// URLs from MODELLIX_BASE_URL, JIEKOU_BASE_URL, ODKKK_BASE_URL and ARK_BASE_URL when set.
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
    Status(HandleArgs),
    /// Wait for a submitted task to finish and download its video.
    Wait(WaitArgs),
    /// Download the video of a finished task.
    Download(DownloadArgs),
    /// Cancel a queued task (providers with a cancel endpoint: ark).
    Cancel(HandleArgs),
    /// Delete a finished task's record; a queued task is cancelled instead (ark).
    Delete(HandleArgs),
    /// List the tasks of the last 7 days (ark).
    List(ListArgs),
    /// Show what each provider accepts for each model.
    Providers(ProvidersArgs),
    /// Print the JSON Schema of the unified request.
    Schema,
    /// Run the provider simulator until Ctrl-C.
    Sim(SimArgs),
    /// Check each provider's setup: key, base URL, reachability, key accepted, clock; and that
    /// the output directory and journal are writable.
    Doctor(DoctorArgs),
    /// Run every job of a JSON Lines file: submit, wait, download, journaled so that a run
    /// killed at any moment can simply be run again.
    Batch(Box<crate::commands::batch::BatchArgs>),
}

/// `seedance generate`.
#[derive(Debug, Args)]
pub(crate) struct GenerateArgs {
    /// What the video shows; put dialogue in double quotes.
    pub(crate) prompt: String,
    /// The provider to use.
    #[arg(long, value_enum)]
    pub(crate) provider: Provider,
    /// The model [default: seedance-1.5-pro].
    #[arg(long, value_enum)]
    pub(crate) model: Option<Model>,
    /// The provider's own id for the model instead of the default one: another dated id of the
    /// same family, or an endpoint id (ep-...) (ark).
    #[arg(long, value_name = "ID")]
    pub(crate) model_id: Option<String>,
    /// First frame: a local image file or an http(s) URL.
    #[arg(long, value_name = "PATH|URL", conflicts_with_all = REFERENCE_FLAGS)]
    pub(crate) first_frame: Option<String>,
    /// Last frame: a local image file or an http(s) URL.
    #[arg(long, value_name = "PATH|URL", requires = "first_frame", conflicts_with_all = REFERENCE_FLAGS)]
    pub(crate) last_frame: Option<String>,
    /// Reference image, a local file or an http(s) URL (repeatable; 1.0 lite, 2.x; with --edit,
    /// what to put in the video).
    #[arg(long, value_name = "PATH|URL", conflicts_with = "extend")]
    pub(crate) reference_image: Vec<String>,
    /// Reference video, an http(s) or asset:// URL (repeatable; 2.x; with --edit or --extend, the
    /// video(s) to edit or extend).
    #[arg(long, value_name = "URL")]
    pub(crate) reference_video: Vec<String>,
    /// Reference audio, a local wav or mp3 file (sent inline where the provider takes it) or an
    /// http(s) or asset:// URL (repeatable; 2.x).
    #[arg(long, value_name = "PATH|URL", conflicts_with_all = ["edit", "extend"])]
    pub(crate) reference_audio: Vec<String>,
    /// Edit the one --reference-video (2.0 family); sets --ratio adaptive and --duration auto
    /// unless given.
    #[arg(long, requires = "reference_video", conflicts_with = "extend")]
    pub(crate) edit: bool,
    /// Extend the --reference-video(s), 1 to 3, into one video (2.0 family); sets --ratio
    /// adaptive and --duration auto unless given.
    #[arg(long, requires = "reference_video")]
    pub(crate) extend: bool,
    /// Make a cheap 480p draft to review first (1.5 pro, 2.5); then pass its task id to
    /// --from-draft.
    #[arg(long)]
    pub(crate) draft: bool,
    /// Make the final video of this draft task, with the draft's content and settings.
    #[arg(long, value_name = "TASK_ID", conflicts_with_all = ["reference_image", "reference_video", "reference_audio", "edit", "extend"])]
    pub(crate) from_draft: Option<String>,
    /// Duration in seconds, or `auto` to let the model choose (where it can).
    #[arg(long, value_name = "auto|SECONDS")]
    pub(crate) duration: Option<VideoDuration>,
    /// Number of frames instead of a duration, 25 + 4n in [29, 289] (1.0 models).
    #[arg(long, value_name = "N")]
    pub(crate) frames: Option<u32>,
    /// Output resolution.
    #[arg(long, value_enum)]
    pub(crate) resolution: Option<Resolution>,
    /// Aspect ratio.
    #[arg(long, value_enum)]
    pub(crate) ratio: Option<Ratio>,
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
    pub(crate) service_tier: Option<ServiceTier>,
    /// Also return the last frame of the video.
    #[arg(long)]
    pub(crate) return_last_frame: bool,
    /// HTTPS URL the provider calls when the task ends.
    #[arg(long, value_name = "URL")]
    pub(crate) callback_url: Option<String>,
    /// Seconds after which the provider abandons the task.
    #[arg(long, value_name = "SECONDS")]
    pub(crate) expires_after: Option<u32>,
    /// Queue priority, 0 (default) to 9 (2.x).
    #[arg(long, value_name = "N")]
    pub(crate) priority: Option<u8>,
    /// An id of the end user (a hash, up to 64 characters) the provider uses to trace abuse.
    #[arg(long, value_name = "ID")]
    pub(crate) safety_identifier: Option<String>,
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
    #[arg(long, conflicts_with_all = ["output", "timeout", "cancel_on_timeout"])]
    pub(crate) no_wait: bool,
    /// Where the video goes and how long to wait for it.
    #[command(flatten)]
    pub(crate) finish: FinishArgs,
    /// The duration history that places polls.
    #[command(flatten)]
    pub(crate) history: HistoryArgs,
    /// How to print the result.
    #[command(flatten)]
    pub(crate) print: PrintArgs,
}

/// The duration history of `generate` and `wait` (see `history.rs`).
#[derive(Debug, Args)]
pub(crate) struct HistoryArgs {
    /// How long past tasks took, per provider, model, resolution and duration, and which of
    /// these a submitted task has: read to poll around the expected finish, appended to when a
    /// task is submitted and when it finishes [default: $XDG_STATE_HOME/seedance/history.sqlite,
    /// else ~/.local/state/seedance/history.sqlite; not used against a loopback server unless
    /// given]
    #[arg(long, value_name = "FILE", conflicts_with = "no_history")]
    pub(crate) history: Option<PathBuf>,
    /// Neither read nor record the duration history.
    #[arg(long)]
    pub(crate) no_history: bool,
}

/// The flags that make a request a references, edit, extension or from-draft request, which
/// frames cannot join.
const REFERENCE_FLAGS: [&str; 6] = [
    "reference_image",
    "reference_video",
    "reference_audio",
    "edit",
    "extend",
    "from_draft",
];

/// `seedance status`, `cancel` and `delete`: one task, by its handle.
#[derive(Debug, Args)]
pub(crate) struct HandleArgs {
    /// The handle printed by `generate --no-wait` or `list`, or @FILE holding it.
    pub(crate) handle: String,
    /// Where the task's server is.
    #[command(flatten)]
    pub(crate) server: ServerArgs,
    /// How to print the result.
    #[command(flatten)]
    pub(crate) print: PrintArgs,
}

/// `seedance wait`.
#[derive(Debug, Args)]
pub(crate) struct WaitArgs {
    /// The handle printed by `generate --no-wait`, or @FILE holding it.
    pub(crate) handle: String,
    /// Where the task's server is.
    #[command(flatten)]
    pub(crate) server: ServerArgs,
    /// Where the video goes and how long to wait for it.
    #[command(flatten)]
    pub(crate) finish: FinishArgs,
    /// The duration history that places polls, for a task `generate` recorded there.
    #[command(flatten)]
    pub(crate) history: HistoryArgs,
    /// How to print the result.
    #[command(flatten)]
    pub(crate) print: PrintArgs,
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
    /// How to print the result.
    #[command(flatten)]
    pub(crate) print: PrintArgs,
}

/// `seedance list`.
#[derive(Debug, Args)]
pub(crate) struct ListArgs {
    /// The provider whose tasks to list.
    #[arg(long, value_enum)]
    pub(crate) provider: Provider,
    /// Only tasks in this state.
    #[arg(long, value_enum)]
    pub(crate) status: Option<TaskState>,
    /// Only tasks of this model.
    #[arg(long, value_enum, conflicts_with = "model_id")]
    pub(crate) model: Option<Model>,
    /// Only tasks of this model id or endpoint id, as the provider names it.
    #[arg(long, value_name = "ID")]
    pub(crate) model_id: Option<String>,
    /// Only this task (repeatable).
    #[arg(long, value_name = "TASK_ID")]
    pub(crate) task_id: Vec<String>,
    /// At most this many tasks.
    #[arg(long, value_name = "N")]
    pub(crate) limit: Option<usize>,
    /// The provider's server.
    #[command(flatten)]
    pub(crate) server: ServerArgs,
    /// How to print the result.
    #[command(flatten)]
    pub(crate) print: PrintArgs,
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

/// What `generate` and `wait` share: where the video goes and how long to wait for it.
#[derive(Debug, Args)]
pub(crate) struct FinishArgs {
    /// Where to write the video: a file, or a directory to put <TASK_ID>.mp4 in [default:
    /// <TASK_ID>.mp4].
    #[arg(short, long, value_name = "PATH")]
    pub(crate) output: Option<PathBuf>,
    /// Give up waiting after this long (90s, 10m, 1h; at most 720h) [default: 30m].
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub(crate) timeout: Option<Duration>,
    /// At the timeout, cancel the task if it is still queued, so that it is not run and billed
    /// (providers with a cancel endpoint: ark).
    #[arg(long)]
    pub(crate) cancel_on_timeout: bool,
}

/// How to print a task's result.
#[derive(Debug, Args)]
pub(crate) struct PrintArgs {
    /// Print one JSON object on stdout.
    #[arg(long)]
    pub(crate) json: bool,
}

/// `seedance providers`.
#[derive(Debug, Args)]
pub(crate) struct ProvidersArgs {
    /// Print the capabilities as JSON.
    #[arg(long)]
    pub(crate) json: bool,
}

/// `seedance doctor`.
#[derive(Debug, Args)]
pub(crate) struct DoctorArgs {
    /// Check only this provider [default: every provider].
    #[arg(long, value_enum)]
    pub(crate) provider: Option<Provider>,
    /// The output directory to check for writing.
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub(crate) out: PathBuf,
    /// The batch journal to check for writing [default: <OUT>/seedance-batch.sqlite].
    #[arg(long, value_name = "FILE")]
    pub(crate) journal: Option<PathBuf>,
    /// The provider's server URL [default: <PROVIDER>_BASE_URL, else the provider's documented
    /// server].
    #[arg(
        long,
        value_name = "URL",
        requires = "provider",
        conflicts_with = "sim"
    )]
    pub(crate) base_url: Option<String>,
    /// Allow a plain http:// base URL on a host that is not loopback.
    #[arg(long)]
    pub(crate) allow_insecure_http: bool,
    /// Check against a simulator started in this process.
    #[arg(long)]
    pub(crate) sim: bool,
    /// Print one JSON object on stdout.
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
