//! The subcommands, and what they share: building a client, waiting with progress, downloading.

pub(crate) mod batch;
mod doctor;
mod generate;
mod providers;
mod resume;
mod schema;
mod sim;
mod tasks;

use std::{
    path::{Path, PathBuf},
    time::Duration,
};

use anyhow::Result;
use futures_util::StreamExt;
use seedance_sdk::{Client, ClientBuilder, Error, Provider, TaskHandle, Video, WaitOptions};

use crate::{
    UsageError,
    args::{Command, ServerArgs},
    history::Recorder,
    output,
    progress::Progress,
    text::printable,
};

/// The API key used against the simulator (it accepts any non-empty key).
pub(crate) const SIM_API_KEY: &str = "sim";

/// Runs `command`.
pub(crate) async fn run(command: Command) -> Result<()> {
    match command {
        Command::Generate(args) => generate::run(*args).await,
        Command::Status(args) => resume::status(args).await,
        Command::Wait(args) => resume::wait(args).await,
        Command::Download(args) => resume::download(args).await,
        Command::Cancel(args) => tasks::cancel(args).await,
        Command::Delete(args) => tasks::delete(args).await,
        Command::List(args) => tasks::list(args).await,
        Command::Providers(args) => providers::run(&args),
        Command::Schema => schema::run(),
        Command::Sim(args) => sim::run(args).await,
        Command::Doctor(args) => doctor::run(args).await,
        Command::Batch(args) => batch::run(*args).await,
    }
}

/// Where the API key may go, as the command line configured it.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Server<'a> {
    /// `--base-url`.
    pub(crate) base_url: Option<&'a str>,
    /// `--allow-insecure-http`.
    pub(crate) allow_insecure_http: bool,
}

impl<'a> From<&'a ServerArgs> for Server<'a> {
    fn from(args: &'a ServerArgs) -> Self {
        Self {
            base_url: args.base_url.as_deref(),
            allow_insecure_http: args.allow_insecure_http,
        }
    }
}

/// A client for `provider`, or for the task behind `handle`: the key from the provider's
/// environment variable, the base URL from `--base-url`, else from `<PROVIDER>_BASE_URL`.
fn client(
    provider: Provider,
    server: Server<'_>,
    handle: Option<&TaskHandle>,
) -> Result<Client, Error> {
    client_builder(provider, server, handle, |name| std::env::var(name).ok())?.build()
}

/// [`client`] with the environment given as `env`.
///
/// A handle only selects among the servers this process trusts (see
/// [`seedance_sdk::ClientBuilder::for_handle`]), and it is checked before the key is looked at, so
/// that an untrusted handle is refused as such. A loopback server configured here without a key
/// (a simulator) gets the key "sim"; a loopback URL that comes only from a handle never does.
fn client_builder(
    provider: Provider,
    server: Server<'_>,
    handle: Option<&TaskHandle>,
    env: impl Fn(&str) -> Option<String>,
) -> Result<ClientBuilder, Error> {
    let configured = server
        .base_url
        .map(str::to_owned)
        .or_else(|| env(provider.base_url_env()))
        .map(|url| url.trim().to_owned())
        .filter(|url| !url.is_empty());
    let mut builder = Client::builder(provider).allow_insecure_http(server.allow_insecure_http);
    if let Some(url) = &configured {
        builder = builder.base_url(url);
    }
    if let Some(handle) = handle {
        builder = builder.for_handle(handle)?;
    }
    let key = env(provider.api_key_env())
        .map(|key| key.trim().to_owned())
        .filter(|key| !key.is_empty());
    // The handle, if any, passed `for_handle`: its URL is the configured one or a documented
    // (https, never loopback) one, so both loopback checks together mean "the configured one".
    let sim = configured.as_deref().is_some_and(is_loopback)
        && handle.is_none_or(|handle| is_loopback(&handle.base_url));
    match key {
        Some(key) => Ok(builder.api_key(key)),
        None if sim => Ok(builder.api_key(SIM_API_KEY)),
        None => Err(Error::MissingApiKey {
            provider,
            env: provider.api_key_env(),
        }),
    }
}

/// Whether `url` is on this machine (a simulator or a test server); the facade's rule.
fn is_loopback(url: &str) -> bool {
    seedance_sdk::is_loopback_url(url)
}

/// How to poll: `timeout` if given; fast polling against a loopback server (a simulator).
fn wait_options(timeout: Option<Duration>, cancel_on_timeout: bool, base_url: &str) -> WaitOptions {
    let mut options = WaitOptions::default().cancel_on_timeout(cancel_on_timeout);
    if let Some(timeout) = timeout {
        options.timeout = timeout;
    }
    if is_loopback(base_url) {
        options.initial_interval = Duration::from_millis(200);
        options.max_interval = Duration::from_secs(1);
    }
    options
}

/// Where the video goes, checked before anything is sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Target {
    /// This file.
    File(PathBuf),
    /// `<TASK_ID>.mp4` in this directory.
    Dir(PathBuf),
    /// `<TASK_ID>.mp4` in the current directory.
    CurrentDir,
}

impl Target {
    /// Checks `-o` (or its absence) before the first request, so that a typo does not cost a
    /// task: an existing directory takes `<TASK_ID>.mp4`; anything else must be a file (new or
    /// regular) in an existing directory this process can write to.
    pub(crate) fn check(output: Option<&Path>) -> Result<Self, UsageError> {
        let Some(output) = output else {
            check_writable(Path::new("."))?;
            return Ok(Target::CurrentDir);
        };
        let shown = || printable(&output.display().to_string()).into_owned();
        if output.is_dir() {
            check_writable(output)?;
            return Ok(Target::Dir(output.to_owned()));
        }
        let text = output.as_os_str().to_string_lossy();
        if text.ends_with(std::path::MAIN_SEPARATOR) || text.ends_with('/') {
            return Err(UsageError(format!(
                "-o {}: no such directory; create it first, or name a file",
                shown()
            )));
        }
        let parent = match output.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent,
            _ => Path::new("."),
        };
        match std::fs::metadata(parent) {
            Ok(meta) if meta.is_dir() => {}
            Ok(_) => {
                return Err(UsageError(format!(
                    "-o {}: {} is not a directory",
                    shown(),
                    printable(&parent.display().to_string())
                )));
            }
            Err(err) => {
                return Err(UsageError(format!(
                    "-o {}: cannot use the directory {} ({err}); create it first",
                    shown(),
                    printable(&parent.display().to_string())
                )));
            }
        }
        if let Ok(meta) = std::fs::metadata(output)
            && !meta.is_file()
        {
            return Err(UsageError(format!(
                "-o {}: not a regular file; name a new file, an existing video or a directory",
                shown()
            )));
        }
        check_writable(parent)?;
        Ok(Target::File(output.to_owned()))
    }

    /// The file for the task behind `handle`.
    pub(crate) fn path(&self, handle: &TaskHandle) -> PathBuf {
        match self {
            Target::File(path) => path.clone(),
            Target::Dir(dir) => dir.join(default_output(handle)),
            Target::CurrentDir => default_output(handle),
        }
    }
}

/// Checks that a file can be created in `dir`, by creating (exclusively) and removing one.
fn check_writable(dir: &Path) -> Result<(), UsageError> {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let probe = dir.join(format!(".seedance-{}-{nanos}.probe", std::process::id()));
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&probe)
    {
        Ok(_) => {
            let _ = std::fs::remove_file(&probe);
            Ok(())
        }
        Err(err) => Err(UsageError(format!(
            "cannot write to the directory {} ({err}); pick another -o",
            printable(&dir.display().to_string())
        ))),
    }
}

/// Waits for the task, reporting each status, then downloads its video and prints the result.
///
/// With a `history`, polls are placed around the finish it expects, and the finish is recorded.
#[allow(clippy::too_many_arguments)] // Each is one flag's value; a struct would only rename them.
async fn wait_and_download(
    client: &Client,
    handle: &TaskHandle,
    timeout: Option<Duration>,
    cancel_on_timeout: bool,
    mut history: Option<&mut Recorder>,
    target: &Target,
    json: bool,
    mut progress: Progress,
) -> Result<()> {
    let mut options = wait_options(timeout, cancel_on_timeout, &handle.base_url);
    options.expected = history.as_ref().and_then(|history| history.expected());
    let events = client.watch(handle, options);
    let mut events = std::pin::pin!(events);
    let mut video = None;
    while let Some(status) = events.next().await {
        let status = status?;
        progress.status(&status);
        match status.into_result(handle)? {
            Some(done) => {
                if let Some(history) = history.as_mut() {
                    history.finished(handle.created_at);
                }
                video = Some(done);
                break;
            }
            None => {
                if let Some(history) = history.as_mut() {
                    history.unfinished();
                }
            }
        }
    }
    let video = video.ok_or_else(|| Error::Timeout {
        after: options.timeout,
        handle: Box::new(handle.clone()),
        cancelled: false,
    })?;
    download(client, handle, &video, &target.path(handle), json, progress).await
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

    pub(super) fn handle(base_url: &str, task_id: &str) -> TaskHandle {
        TaskHandle::new(Provider::Odkkk, base_url, task_id, 0)
    }

    /// The client `client_builder` makes with `vars` as the whole environment.
    fn build(
        server: Server<'_>,
        handle: Option<&TaskHandle>,
        vars: &[(&str, &str)],
    ) -> Result<Client, Error> {
        let env = |name: &str| {
            vars.iter()
                .find(|(var, _)| *var == name)
                .map(|(_, value)| (*value).to_owned())
        };
        client_builder(Provider::Odkkk, server, handle, env)?.build()
    }

    #[test]
    fn a_handle_only_selects_a_trusted_server() {
        let key = [("ODKKK_API_KEY", "sk-test")];
        let local = "http://127.0.0.1:9/apiv1";
        let from_flag = Server {
            base_url: Some(local),
            ..Server::default()
        };
        // Trusted: the URL this process was configured with (flag or environment), or a
        // documented one.
        let client = build(from_flag, Some(&handle(local, "t")), &key).unwrap();
        assert_eq!(client.base_url(), local);
        let env = [("ODKKK_API_KEY", "sk-test"), ("ODKKK_BASE_URL", local)];
        let client = build(Server::default(), Some(&handle(local, "t")), &env).unwrap();
        assert_eq!(client.base_url(), local);
        for documented in Provider::Odkkk.documented_base_urls() {
            let client = build(Server::default(), Some(&handle(documented, "t")), &key).unwrap();
            assert_eq!(client.base_url(), *documented);
        }
        // Anything else is refused, whether or not a key or another URL is configured.
        for (server, vars) in [
            (Server::default(), &key[..]),
            (Server::default(), &[][..]),
            (
                Server {
                    base_url: Some("http://127.0.0.1:10/apiv1"),
                    ..Server::default()
                },
                &key[..],
            ),
        ] {
            let err = build(server, Some(&handle(local, "t")), vars).unwrap_err();
            assert!(matches!(err, Error::UntrustedBaseUrl { .. }), "{err}");
            assert!(err.to_string().contains("--base-url"), "{err}");
        }
    }

    #[test]
    fn the_sim_key_is_only_for_a_configured_loopback_server() {
        let local = "http://127.0.0.1:9/apiv1";
        let from_flag = Server {
            base_url: Some(local),
            ..Server::default()
        };
        assert!(build(from_flag, None, &[]).is_ok());
        assert!(build(from_flag, Some(&handle(local, "t")), &[]).is_ok());
        // A documented server named by a handle never gets the simulator's key.
        let documented = Provider::Odkkk.default_base_url();
        let err = build(from_flag, Some(&handle(documented, "t")), &[]).unwrap_err();
        assert!(matches!(err, Error::MissingApiKey { .. }), "{err}");
        let remote = Server {
            base_url: Some("https://example.com/apiv1"),
            ..Server::default()
        };
        let err = build(remote, None, &[]).unwrap_err();
        assert!(matches!(err, Error::MissingApiKey { .. }), "{err}");
    }

    #[test]
    fn plain_http_to_a_remote_host_needs_the_opt_in() {
        let key = [("ODKKK_API_KEY", "sk-test")];
        let url = "http://example.com/apiv1";
        let refused = Server {
            base_url: Some(url),
            allow_insecure_http: false,
        };
        let err = build(refused, None, &key).unwrap_err();
        assert!(matches!(err, Error::InsecureBaseUrl { .. }), "{err}");
        let allowed = Server {
            base_url: Some(url),
            allow_insecure_http: true,
        };
        assert_eq!(build(allowed, None, &key).unwrap().base_url(), url);
        let handle = handle(url, "t");
        assert_eq!(build(allowed, Some(&handle), &key).unwrap().base_url(), url);
    }

    #[test]
    fn output_targets_are_checked_before_sending() {
        let dir = std::env::temp_dir().join(format!("seedance-target-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("file"), b"x").unwrap();
        let id_handle = handle("https://ai.odkkk.com/apiv1", "a/b");
        assert_eq!(
            Target::check(Some(&dir)).unwrap().path(&id_handle),
            dir.join("a_b.mp4")
        );
        assert_eq!(
            Target::check(None).unwrap().path(&id_handle),
            PathBuf::from("a_b.mp4")
        );
        for file in [dir.join("new.mp4"), dir.join("file")] {
            assert_eq!(Target::check(Some(&file)).unwrap(), Target::File(file));
        }
        for (bad, expected) in [
            (dir.join("missing/out.mp4"), "create it first"),
            (dir.join("file/out.mp4"), "not a directory"),
            (dir.join("missing/"), "no such directory"),
        ] {
            let err = Target::check(Some(&bad)).unwrap_err();
            assert!(err.0.contains(expected), "{}: {err}", bad.display());
        }
        assert!(
            std::fs::read_dir(&dir).unwrap().count() == 1,
            "the write check leaves nothing behind"
        );
        let _ = std::fs::remove_dir_all(&dir);
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
