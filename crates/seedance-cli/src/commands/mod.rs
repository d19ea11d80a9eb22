//! The subcommands, and what they share: building a client, waiting with progress, downloading.

mod generate;
mod handle_cmds;
mod providers;
mod schema;
mod sim;

use std::{
    net::IpAddr,
    path::{Path, PathBuf},
    time::Duration,
};

use anyhow::Result;
use futures_util::StreamExt;
use seedance::{Client, Error, Provider, TaskEvent, TaskHandle, TaskStatus, Video, WaitOptions};

use crate::{args::Command, output, progress::Progress};

/// The API key used against the simulator (it accepts any non-empty key).
pub(crate) const SIM_API_KEY: &str = "sim";

/// Runs `command`.
pub(crate) async fn run(command: Command) -> Result<()> {
    match command {
        Command::Generate(args) => generate::run(*args).await,
        Command::Status(args) => handle_cmds::status(args).await,
        Command::Wait(args) => handle_cmds::wait(args).await,
        Command::Download(args) => handle_cmds::download(args).await,
        Command::Providers(args) => providers::run(&args),
        Command::Schema => schema::run(),
        Command::Sim(args) => sim::run(args).await,
    }
}

/// A client for `provider`: the key from its environment variable, the base URL from
/// `base_url`, else from `<PROVIDER>_BASE_URL`. A loopback base URL (a simulator) without a key
/// gets the key "sim".
fn client(provider: Provider, base_url: Option<&str>) -> Result<Client, Error> {
    let url = base_url.map(str::to_owned).or_else(|| {
        std::env::var(provider.base_url_env())
            .ok()
            .filter(|url| !url.trim().is_empty())
    });
    let builder = match Client::builder_from_env(provider) {
        Ok(builder) => builder,
        Err(Error::MissingApiKey { .. }) if url.as_deref().is_some_and(is_loopback) => {
            Client::builder(provider).api_key(SIM_API_KEY)
        }
        Err(err) => return Err(err),
    };
    match url {
        Some(url) => builder.base_url(url.trim()),
        None => builder,
    }
    .build()
}

/// Whether `url` is `http://` on a loopback host (`localhost`, `127.0.0.0/8`, `[::1]`).
fn is_loopback(url: &str) -> bool {
    let Some(rest) = url.trim().strip_prefix("http://") else {
        return false;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => authority.split(':').next().unwrap_or_default(),
    };
    host.eq_ignore_ascii_case("localhost")
        || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// How to poll: `timeout` if given; fast polling against a loopback server (a simulator).
fn wait_options(timeout: Option<Duration>, base_url: &str) -> WaitOptions {
    let mut options = WaitOptions::default();
    if let Some(timeout) = timeout {
        options.timeout = timeout;
    }
    if is_loopback(base_url) {
        options.initial_interval = Duration::from_millis(200);
        options.max_interval = Duration::from_secs(1);
    }
    options
}

/// Reads a handle given as its JSON text, or as `@FILE` holding it.
fn read_handle(arg: &str) -> Result<TaskHandle, Error> {
    let text = match arg.strip_prefix('@') {
        Some(path) => std::fs::read_to_string(path)
            .map_err(|err| Error::InvalidHandle(format!("cannot read {path}: {err}")))?,
        None => arg.to_owned(),
    };
    text.parse()
}

/// The video of a terminal status, `None` while the task is still going, or the error it ended
/// with.
fn video_of(handle: &TaskHandle, status: TaskStatus) -> Result<Option<Video>, Error> {
    let failed = |code: Option<String>, message: String| Error::TaskFailed {
        provider: handle.provider,
        task_id: handle.task_id.clone(),
        code,
        message,
    };
    match status {
        TaskStatus::Succeeded(video) => Ok(Some(video)),
        TaskStatus::Failed { code, message } => Err(failed(code, message)),
        TaskStatus::Cancelled => Err(failed(
            Some("cancelled".into()),
            "the task was cancelled".into(),
        )),
        TaskStatus::Expired => Err(Error::Expired {
            what: format!("task {}", handle.task_id),
        }),
        TaskStatus::Queued | TaskStatus::Running { .. } | TaskStatus::Unknown { .. } => Ok(None),
    }
}

/// Waits for the task, reporting each status, then downloads its video and prints the result.
async fn wait_and_download(
    client: &Client,
    handle: &TaskHandle,
    timeout: Option<Duration>,
    output: Option<PathBuf>,
    json: bool,
    mut progress: Progress,
) -> Result<()> {
    let options = wait_options(timeout, &handle.base_url);
    let events = client.watch(handle, options);
    let mut events = std::pin::pin!(events);
    let mut video = None;
    while let Some(event) = events.next().await {
        let TaskEvent::Status(status) = event?;
        progress.status(&status);
        if let Some(done) = video_of(handle, status)? {
            video = Some(done);
            break;
        }
    }
    let video = video.ok_or(Error::Timeout(options.timeout))?;
    let path = output.unwrap_or_else(|| default_output(handle));
    download(client, handle, &video, &path, json, progress).await
}

/// Downloads `video` to `path` with progress, then prints the result.
async fn download(
    client: &Client,
    handle: &TaskHandle,
    video: &Video,
    path: &Path,
    json: bool,
    mut progress: Progress,
) -> Result<()> {
    let bytes = client
        .download_with_progress(video, path, |bytes, total| progress.download(bytes, total))
        .await?;
    progress.downloaded(bytes, path);
    output::finished(handle, video, path, bytes, json);
    Ok(())
}

/// `<task_id>.mp4`, with anything but letters, digits, `-` and `_` replaced.
fn default_output(handle: &TaskHandle) -> PathBuf {
    let stem: String = handle
        .task_id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    PathBuf::from(format!("{stem}.mp4"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_urls() {
        assert!(is_loopback("http://127.0.0.1:8080/api/v1"));
        assert!(is_loopback("http://localhost:1234"));
        assert!(is_loopback("http://[::1]:80/apiv1"));
        assert!(!is_loopback("https://api.modellix.ai/api/v1"));
        assert!(!is_loopback("http://10.0.0.1:80"));
        assert!(!is_loopback("http://127.0.0.1.example.com/"));
    }

    #[test]
    fn default_output_is_safe() {
        let handle: TaskHandle =
            r#"{"provider":"odkkk","base_url":"http://x","task_id":"a/b:c-1","created_at":0}"#
                .parse()
                .unwrap();
        assert_eq!(default_output(&handle), PathBuf::from("a_b_c-1.mp4"));
    }
}
