//! The client: submit, status, wait, download, with validation before sending and retries where
//! they are safe.

use std::{
    collections::hash_map::RandomState,
    hash::{BuildHasher, Hasher},
    path::{Path, PathBuf},
    time::Duration,
};

use futures_util::{Stream, StreamExt};
use seedance_runtime::{ApiKey, ClientOptions};
use tokio::io::AsyncWriteExt;

use crate::{
    capability::{Field, capabilities},
    error::{Error, InvalidRequest, Result},
    media::{Inline, MediaProblem},
    provider::Provider,
    providers::{self, Resolved},
    request::{Inputs, Model, VideoRequest},
    task::{TaskHandle, TaskStatus, Video, unix_now},
};

/// How transient failures of status and download requests are retried.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts after the first one.
    pub max_retries: u32,
    /// First back-off delay; doubled each retry, with full jitter.
    pub initial_backoff: Duration,
    /// Longest delay between attempts (also caps a provider's `Retry-After`).
    pub max_backoff: Duration,
}

impl Default for RetryPolicy {
    /// 4 retries, from 500 ms up to 30 s.
    fn default() -> Self {
        Self {
            max_retries: 4,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// No retries.
    pub fn none() -> Self {
        Self {
            max_retries: 0,
            ..Self::default()
        }
    }

    fn delay(&self, attempt: u32, hint: Option<Duration>) -> Duration {
        if let Some(hint) = hint {
            return hint.min(self.max_backoff);
        }
        let ceiling = self
            .initial_backoff
            .saturating_mul(2u32.saturating_pow(attempt))
            .min(self.max_backoff);
        // Full jitter, seeded by the std hasher's per-process random keys.
        let mut hasher = RandomState::new().build_hasher();
        hasher.write_u32(attempt);
        let fraction = (hasher.finish() % 1000) as u32;
        ceiling
            .mul_f64(f64::from(fraction) / 1000.0)
            .max(Duration::from_millis(1))
    }
}

/// Builds a [`Client`].
#[derive(Clone, Debug)]
#[must_use]
pub struct ClientBuilder {
    provider: Provider,
    api_key: Option<ApiKey>,
    base_url: Option<String>,
    http_client: Option<reqwest::Client>,
    timeout: Option<Duration>,
    connect_timeout: Duration,
    retry: RetryPolicy,
}

impl ClientBuilder {
    /// The API key (required).
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key = Some(ApiKey::new(key));
        self
    }

    /// Replaces the provider's server URL (a proxy, a test server, EvoLink for odkkk).
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// Uses your own `reqwest::Client` for provider calls (proxies, TLS settings). Timeouts are
    /// then yours to set on it. Downloads always use a separate client that carries no
    /// credentials.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http_client = Some(client);
        self
    }

    /// Whole-request timeout of provider calls (default 120 s); `None` waits forever.
    pub fn timeout(mut self, timeout: Option<Duration>) -> Self {
        self.timeout = timeout;
        self
    }

    /// Connect timeout (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// How status and download requests are retried.
    pub fn retry_policy(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Builds the client.
    ///
    /// # Errors
    ///
    /// [`Error::MissingApiKey`] without a key; [`Error::Provider`] when the HTTP client cannot
    /// be built.
    pub fn build(self) -> Result<Client> {
        let provider = self.provider;
        let api_key = self.api_key.ok_or(Error::MissingApiKey {
            provider,
            env: provider.api_key_env(),
        })?;
        // The generated clients append "/<path>": a trailing slash would double it.
        let base_url = self
            .base_url
            .unwrap_or_else(|| provider.default_base_url().to_owned())
            .trim_end_matches('/')
            .to_owned();
        let options = ClientOptions::default()
            .with_api_key(api_key)
            .with_timeout(self.timeout)
            .with_connect_timeout(self.connect_timeout);
        let build_error = |err: seedance_runtime::BuildError| Error::Provider {
            provider,
            status: None,
            code: None,
            message: err.to_string(),
            request_id: None,
        };
        let http = match self.http_client {
            Some(client) => client,
            None => seedance_runtime::http_client(&options).map_err(build_error)?,
        };
        // No overall timeout: a large video may take long; stalls are caught by the read timeout.
        let download_options = ClientOptions::default()
            .with_timeout(None)
            .with_connect_timeout(self.connect_timeout);
        let download_http =
            seedance_runtime::http_client(&download_options).map_err(build_error)?;
        let inner = match provider {
            Provider::Modellix => Inner::Modellix(seedance_modellix::Client::new_with_client(
                &base_url, http, options,
            )),
            Provider::Jiekou => Inner::Jiekou(seedance_jiekou::Client::new_with_client(
                &base_url, http, options,
            )),
            Provider::Odkkk => Inner::Odkkk(seedance_odkkk::Client::new_with_client(
                &base_url, http, options,
            )),
        };
        Ok(Client {
            provider,
            base_url,
            inner,
            download_http,
            retry: self.retry,
        })
    }
}

#[derive(Clone, Debug)]
enum Inner {
    Modellix(seedance_modellix::Client),
    Jiekou(seedance_jiekou::Client),
    Odkkk(seedance_odkkk::Client),
}

/// A client for one provider.
///
/// Cloning is cheap (the HTTP connection pool is shared).
#[derive(Clone, Debug)]
pub struct Client {
    provider: Provider,
    base_url: String,
    inner: Inner,
    download_http: reqwest::Client,
    retry: RetryPolicy,
}

/// How [`Client::wait`] polls.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WaitOptions {
    /// Give up after this long (the task keeps running: resume it with its handle).
    pub timeout: Duration,
    /// First delay between polls.
    pub initial_interval: Duration,
    /// Longest delay between polls.
    pub max_interval: Duration,
}

impl Default for WaitOptions {
    /// 30 minutes overall, polling from 2 s up to 30 s.
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(30 * 60),
            initial_interval: Duration::from_secs(2),
            max_interval: Duration::from_secs(30),
        }
    }
}

impl WaitOptions {
    /// The delay before the next poll: half the provider's ETA when it gives one, otherwise a
    /// back-off that grows by half each poll; always within `[initial_interval, max_interval]`.
    fn next_interval(&self, polls: u32, status: &TaskStatus) -> Duration {
        let backoff = self
            .initial_interval
            .mul_f64(1.5f64.powi(polls.min(20) as i32))
            .min(self.max_interval);
        match status {
            // Halving the estimate converges on the finish without overshooting it by much.
            TaskStatus::Running { eta: Some(eta), .. } => {
                (*eta / 2).clamp(self.initial_interval, self.max_interval)
            }
            _ => backoff,
        }
    }
}

/// What [`Client::watch`] reports.
#[derive(Clone, Debug, PartialEq)]
pub enum TaskEvent {
    /// A poll returned this status (reported when it changes, and on progress).
    Status(TaskStatus),
}

impl Client {
    /// Starts a builder for `provider`.
    pub fn builder(provider: Provider) -> ClientBuilder {
        ClientBuilder {
            provider,
            api_key: None,
            base_url: None,
            http_client: None,
            timeout: Some(Duration::from_secs(120)),
            connect_timeout: Duration::from_secs(10),
            retry: RetryPolicy::default(),
        }
    }

    /// A client configured from the environment: the key from `MODELLIX_API_KEY`,
    /// `JIEKOU_API_KEY` or `ODKKK_API_KEY`, the base URL from `<PROVIDER>_BASE_URL` if set.
    ///
    /// # Errors
    ///
    /// [`Error::MissingApiKey`] when the key variable is unset or empty.
    pub fn from_env(provider: Provider) -> Result<Client> {
        Self::builder_from_env(provider)?.build()
    }

    /// A builder preset from the environment, as [`Client::from_env`], for further settings.
    ///
    /// # Errors
    ///
    /// [`Error::MissingApiKey`] when the key variable is unset or empty.
    pub fn builder_from_env(provider: Provider) -> Result<ClientBuilder> {
        let key = std::env::var(provider.api_key_env())
            .ok()
            .filter(|k| !k.trim().is_empty())
            .ok_or(Error::MissingApiKey {
                provider,
                env: provider.api_key_env(),
            })?;
        let mut builder = Self::builder(provider).api_key(key.trim());
        if let Some(url) = std::env::var(provider.base_url_env())
            .ok()
            .filter(|u| !u.trim().is_empty())
        {
            builder = builder.base_url(url.trim());
        }
        Ok(builder)
    }

    /// A client for the task behind `handle`, as another process resuming it would build one:
    /// the key from the provider's environment variable, the base URL from the handle (the task
    /// lives there, whatever `<PROVIDER>_BASE_URL` says now).
    ///
    /// # Errors
    ///
    /// [`Error::MissingApiKey`] when the key variable is unset or empty.
    pub fn from_env_for(handle: &TaskHandle) -> Result<Client> {
        Self::builder_from_env(handle.provider)?
            .base_url(handle.base_url.clone())
            .build()
    }

    /// The provider.
    pub fn provider(&self) -> Provider {
        self.provider
    }

    /// The base URL requests go to.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Checks `request` against this provider's capabilities and reads its media, without
    /// sending anything (the same as [`validate`]).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidRequest`] naming the field, the provider, the model and what is allowed.
    pub async fn validate(&self, request: &VideoRequest) -> Result<()> {
        prepare(self.provider, request).await.map(|_| ())
    }

    /// Validates `request`, then submits it once.
    ///
    /// A submit costs money, so it is retried only when it provably did not reach the provider
    /// (connection refused, or 429 Too Many Requests). When it may have reached it (a timeout or
    /// reset after sending, a 5xx), it fails with [`Error::OutcomeUnknown`].
    ///
    /// # Errors
    ///
    /// [`Error::InvalidRequest`] before anything is sent; provider errors as typed variants.
    pub async fn submit(&self, request: &VideoRequest) -> Result<TaskHandle> {
        let resolved = prepare(self.provider, request).await?;
        let mut attempt = 0;
        loop {
            let submitted_at = unix_now();
            let result = match &self.inner {
                Inner::Modellix(c) => providers::modellix::submit(c, request, &resolved).await,
                Inner::Jiekou(c) => providers::jiekou::submit(c, request, &resolved).await,
                Inner::Odkkk(c) => providers::odkkk::submit(c, request, &resolved).await,
            };
            let err = match result {
                Ok(submitted) => {
                    return Ok(TaskHandle {
                        provider: self.provider,
                        base_url: self.base_url.clone(),
                        task_id: submitted.task_id,
                        created_at: submitted_at,
                        estimated_seconds: submitted.estimated_seconds,
                    });
                }
                Err(err) => classify_submit_error(err, submitted_at),
            };
            let provably_not_accepted = match &err {
                Error::RateLimited { .. } => true,
                Error::Network { source, .. } => source.is_connect(),
                _ => false,
            };
            if !provably_not_accepted || attempt >= self.retry.max_retries {
                return Err(err);
            }
            let delay = self.retry.delay(attempt, err.retry_after());
            tracing::warn!(provider = %self.provider, attempt, ?delay, error = %err, "submit not accepted; retrying");
            tokio::time::sleep(delay).await;
            attempt += 1;
        }
    }

    /// The task's current status; transient failures are retried per the [`RetryPolicy`].
    ///
    /// # Errors
    ///
    /// Provider errors as typed variants, after retries.
    pub async fn status(&self, handle: &TaskHandle) -> Result<TaskStatus> {
        self.check_handle(handle)?;
        let mut attempt = 0;
        loop {
            let result = match &self.inner {
                Inner::Modellix(c) => providers::modellix::status(c, &handle.task_id).await,
                Inner::Jiekou(c) => providers::jiekou::status(c, &handle.task_id).await,
                Inner::Odkkk(c) => providers::odkkk::status(c, &handle.task_id).await,
            };
            match result {
                Err(err) if err.is_retryable() && attempt < self.retry.max_retries => {
                    let delay = self.retry.delay(attempt, err.retry_after());
                    tracing::debug!(provider = %self.provider, attempt, ?delay, error = %err, "status failed; retrying");
                    tokio::time::sleep(delay).await;
                    attempt += 1;
                }
                other => return other,
            }
        }
    }

    fn check_handle(&self, handle: &TaskHandle) -> Result<()> {
        if handle.provider != self.provider {
            return Err(Error::InvalidHandle(format!(
                "the handle is for {}, this client is for {}",
                handle.provider, self.provider
            )));
        }
        Ok(())
    }

    /// Polls until the task ends or `options.timeout` passes, reporting each new status.
    ///
    /// Dropping the stream stops polling (the task itself keeps running at the provider).
    pub fn watch<'a>(
        &'a self,
        handle: &'a TaskHandle,
        options: WaitOptions,
    ) -> impl Stream<Item = Result<TaskEvent>> + 'a {
        struct State {
            polls: u32,
            started: tokio::time::Instant,
            deadline: tokio::time::Instant,
            last: Option<TaskStatus>,
            done: bool,
        }
        let state = State {
            polls: 0,
            started: tokio::time::Instant::now(),
            deadline: tokio::time::Instant::now() + options.timeout,
            last: None,
            done: false,
        };
        futures_util::stream::unfold(state, move |mut state| async move {
            loop {
                if state.done {
                    return None;
                }
                if let Some(last) = &state.last {
                    // `polls` counts the polls made; the first gap is interval number 0.
                    // Wall time since submit when watching began, then the runtime's clock
                    // (which tests and benchmarks may fast-forward).
                    let since_submit =
                        Duration::from_secs(unix_now().saturating_sub(handle.created_at))
                            + state.started.elapsed();
                    let hinted = with_estimate(last, handle, since_submit);
                    let delay = options.next_interval(state.polls - 1, &hinted);
                    let now = tokio::time::Instant::now();
                    if now + delay > state.deadline {
                        state.done = true;
                        tokio::time::sleep_until(state.deadline).await;
                        return Some((Err(Error::Timeout(options.timeout)), state));
                    }
                    tokio::time::sleep(delay).await;
                }
                state.polls += 1;
                match self.status(handle).await {
                    Err(err) => {
                        state.done = true;
                        return Some((Err(err), state));
                    }
                    Ok(status) => {
                        state.done = status.is_terminal();
                        let changed = state.last.as_ref() != Some(&status);
                        state.last = Some(status.clone());
                        if changed {
                            return Some((Ok(TaskEvent::Status(status)), state));
                        }
                    }
                }
            }
        })
    }

    /// Waits for the task to finish and returns its video.
    ///
    /// # Errors
    ///
    /// [`Error::TaskFailed`], [`Error::Expired`] (also for a cancelled task's result),
    /// [`Error::Timeout`] when `options.timeout` passes first, or the error of a poll.
    pub async fn wait(&self, handle: &TaskHandle, options: WaitOptions) -> Result<Video> {
        let events = self.watch(handle, options);
        futures_util::pin_mut!(events);
        while let Some(event) = events.next().await {
            let TaskEvent::Status(status) = event?;
            match status {
                TaskStatus::Succeeded(video) => return Ok(video),
                TaskStatus::Failed { code, message } => {
                    return Err(Error::TaskFailed {
                        provider: self.provider,
                        task_id: handle.task_id.clone(),
                        code,
                        message,
                    });
                }
                TaskStatus::Expired => {
                    return Err(Error::Expired {
                        what: format!("task {}", handle.task_id),
                    });
                }
                TaskStatus::Cancelled => {
                    return Err(Error::TaskFailed {
                        provider: self.provider,
                        task_id: handle.task_id.clone(),
                        code: Some("cancelled".into()),
                        message: "the task was cancelled".into(),
                    });
                }
                TaskStatus::Queued | TaskStatus::Running { .. } | TaskStatus::Unknown { .. } => {}
            }
        }
        Err(Error::Timeout(options.timeout))
    }

    /// Downloads `video` to `path`, streaming with constant memory into a temporary file in the
    /// same directory that is renamed into place when complete. The request carries no
    /// credentials: the video lives on another origin. Returns the number of bytes written.
    ///
    /// # Errors
    ///
    /// [`Error::Expired`] when the URL has expired (by its documented lifetime, or a 403/404/410
    /// from its host), [`Error::Io`] for local files, [`Error::Network`] after retries.
    pub async fn download(&self, video: &Video, path: &Path) -> Result<u64> {
        self.download_with_progress(video, path, |_, _| {}).await
    }

    /// As [`Client::download`], calling `progress(bytes_so_far, total_if_known)` as bytes arrive.
    ///
    /// # Errors
    ///
    /// As [`Client::download`].
    pub async fn download_with_progress(
        &self,
        video: &Video,
        path: &Path,
        mut progress: impl FnMut(u64, Option<u64>),
    ) -> Result<u64> {
        let mut attempt = 0;
        loop {
            match self.download_once(video, path, &mut progress).await {
                Err(err) if err.is_retryable() && attempt < self.retry.max_retries => {
                    let delay = self.retry.delay(attempt, err.retry_after());
                    tracing::debug!(attempt, ?delay, error = %err, "download failed; retrying");
                    tokio::time::sleep(delay).await;
                    attempt += 1;
                }
                other => return other,
            }
        }
    }

    async fn download_once(
        &self,
        video: &Video,
        path: &Path,
        progress: &mut impl FnMut(u64, Option<u64>),
    ) -> Result<u64> {
        let expired = || Error::Expired {
            what: "the video URL".into(),
        };
        let response = self
            .download_http
            .get(&video.video_url)
            .send()
            .await
            .map_err(|source| Error::Network {
                provider: self.provider,
                source,
            })?;
        let status = response.status().as_u16();
        match status {
            200..=299 => {}
            403 | 404 | 410 if video.is_expired() || status == 410 => return Err(expired()),
            403 | 404 => {
                return Err(Error::NotFound {
                    provider: self.provider,
                    message: format!(
                        "the video URL answered {status}; it may have expired (results last about 24 h)"
                    ),
                });
            }
            _ => {
                let retry_after = providers::retry_after(response.headers());
                return Err(Error::from_status(
                    self.provider,
                    status,
                    None,
                    format!("the video URL answered {status}"),
                    None,
                    retry_after,
                ));
            }
        }
        let total = response.content_length();
        let partial = partial_path(path);
        let io_error = |source| Error::Io {
            path: partial.clone(),
            source,
        };
        let mut file = tokio::fs::File::create(&partial).await.map_err(io_error)?;
        let mut written = 0u64;
        let mut body = response.bytes_stream();
        let outcome: Result<()> = async {
            while let Some(chunk) = body.next().await {
                let chunk = chunk.map_err(|source| Error::Network {
                    provider: self.provider,
                    source,
                })?;
                file.write_all(&chunk).await.map_err(io_error)?;
                written += chunk.len() as u64;
                progress(written, total);
            }
            if let Some(total) = total
                && written != total
            {
                return Err(Error::Decode {
                    provider: self.provider,
                    message: format!("the video ended after {written} of {total} bytes"),
                    body: String::new(),
                });
            }
            file.flush().await.map_err(io_error)?;
            file.sync_all().await.map_err(io_error)?;
            Ok(())
        }
        .await;
        drop(file);
        if let Err(err) = outcome {
            let _ = tokio::fs::remove_file(&partial).await;
            return Err(err);
        }
        tokio::fs::rename(&partial, path)
            .await
            .map_err(|source| Error::Io {
                path: path.to_owned(),
                source,
            })?;
        Ok(written)
    }
}

/// Checks `request` against what `provider` accepts and reads its media, without sending
/// anything and without an API key.
///
/// # Errors
///
/// [`Error::InvalidRequest`] naming the field, the provider, the model and what is allowed.
pub async fn validate(provider: Provider, request: &VideoRequest) -> Result<()> {
    prepare(provider, request).await.map(|_| ())
}

/// Validates `request` for `provider` and turns its media into what is sent.
async fn prepare(provider: Provider, request: &VideoRequest) -> Result<Resolved> {
    let caps = capabilities(provider, request.model).ok_or_else(|| {
        let sold: Vec<&str> = Model::ALL
            .into_iter()
            .filter(|m| capabilities(provider, *m).is_some())
            .map(Model::as_str)
            .collect();
        InvalidRequest {
            provider,
            model: request.model,
            field: Field::Model,
            message: format!("is not sold by {}; allowed: {}", provider, sold.join(", ")),
        }
    })?;
    caps.validate(request)?;
    let inline = match caps.inline_images {
        None => Inline::Refused,
        Some(rules) => Inline::Accepted(rules),
    };
    let resolve = |field: Field, media: &crate::Media| {
        let model = request.model;
        let media = media.clone();
        async move {
            media.resolve(inline).await.map_err(|problem| {
                let message = match problem {
                    MediaProblem::UrlOnly => format!(
                        "{provider} accepts image URLs only; upload the file somewhere \
                         the provider can fetch and pass its http(s) URL"
                    ),
                    MediaProblem::Unreadable(message) | MediaProblem::Rejected(message) => message,
                };
                Error::from(InvalidRequest {
                    provider,
                    model,
                    field,
                    message,
                })
            })
        }
    };
    let mut resolved = Resolved::default();
    match &request.inputs {
        Inputs::Text => {}
        Inputs::FirstFrame { first } => {
            resolved.first = Some(resolve(Field::FirstFrame, first).await?);
        }
        Inputs::FirstLastFrames { first, last } => {
            resolved.first = Some(resolve(Field::FirstFrame, first).await?);
            resolved.last = Some(resolve(Field::LastFrame, last).await?);
        }
        Inputs::References { images, audio } => {
            for image in images {
                resolved
                    .images
                    .push(resolve(Field::ReferenceImages, image).await?);
            }
            resolved.audio = audio.clone();
        }
    }
    Ok(resolved)
}

/// A queued or running status without an ETA gets one from the submit-time estimate, if any,
/// given the time elapsed since the submit.
fn with_estimate(status: &TaskStatus, handle: &TaskHandle, since_submit: Duration) -> TaskStatus {
    let remaining = handle
        .estimated_seconds
        .map(|estimate| Duration::from_secs(estimate).saturating_sub(since_submit));
    match (status, remaining) {
        (TaskStatus::Queued, Some(eta)) => TaskStatus::Running {
            progress: None,
            eta: Some(eta),
        },
        (
            TaskStatus::Running {
                progress,
                eta: None,
            },
            Some(eta),
        ) => TaskStatus::Running {
            progress: *progress,
            eta: Some(eta),
        },
        (other, _) => other.clone(),
    }
}

/// A submit failure that may have reached the provider becomes [`Error::OutcomeUnknown`].
fn classify_submit_error(err: Error, submitted_at: u64) -> Error {
    match err {
        Error::Network { provider, source } if !source.is_connect() => Error::OutcomeUnknown {
            provider,
            reason: format!("the connection failed after the request was sent: {source}"),
            submitted_at,
        },
        Error::Provider {
            provider,
            status: Some(status @ (408 | 500..=599)),
            message,
            ..
        } => Error::OutcomeUnknown {
            provider,
            reason: format!("HTTP {status}: {message}"),
            submitted_at,
        },
        Error::Decode {
            provider, message, ..
        } => Error::OutcomeUnknown {
            provider,
            reason: format!("the answer could not be read: {message}"),
            submitted_at,
        },
        other => other,
    }
}

fn partial_path(path: &Path) -> PathBuf {
    let mut name = path
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_else(|| "video.mp4".into());
    name.push(".part");
    path.with_file_name(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn poll_interval_follows_the_eta_hint_within_bounds() {
        let options = WaitOptions::default();
        let running = |eta: Option<u64>| TaskStatus::Running {
            progress: None,
            eta: eta.map(Duration::from_secs),
        };
        assert_eq!(
            options.next_interval(0, &TaskStatus::Queued),
            Duration::from_secs(2)
        );
        assert_eq!(
            options.next_interval(2, &TaskStatus::Queued),
            Duration::from_millis(4500)
        );
        assert_eq!(
            options.next_interval(50, &TaskStatus::Queued),
            Duration::from_secs(30)
        );
        assert_eq!(
            options.next_interval(0, &running(Some(40))),
            Duration::from_secs(20)
        );
        assert_eq!(
            options.next_interval(9, &running(Some(2))),
            Duration::from_secs(2)
        );
        assert_eq!(
            options.next_interval(0, &running(Some(600))),
            Duration::from_secs(30)
        );
    }

    #[test]
    fn submit_time_estimate_spaces_polls_of_a_task_without_eta() {
        let handle = TaskHandle {
            provider: Provider::Odkkk,
            base_url: "http://127.0.0.1:1".into(),
            task_id: "t".into(),
            created_at: unix_now(),
            estimated_seconds: Some(120),
        };
        let hinted = with_estimate(&TaskStatus::Queued, &handle, Duration::from_secs(5));
        let TaskStatus::Running { eta: Some(eta), .. } = hinted else {
            panic!("the estimate must become an ETA: {hinted:?}");
        };
        assert_eq!(eta, Duration::from_secs(115));
        assert_eq!(
            WaitOptions::default().next_interval(0, &hinted),
            Duration::from_secs(30),
            "a long estimate waits longer than the first back-off step"
        );
        let explicit = TaskStatus::Running {
            progress: Some(50),
            eta: Some(Duration::from_secs(8)),
        };
        assert_eq!(
            with_estimate(&explicit, &handle, Duration::ZERO),
            explicit,
            "the provider's ETA wins"
        );
    }

    #[test]
    fn retry_delay_is_jittered_bounded_and_honours_hints() {
        let policy = RetryPolicy::default();
        for attempt in 0..10 {
            let delay = policy.delay(attempt, None);
            let ceiling = policy.initial_backoff * 2u32.pow(attempt.min(6));
            assert!(
                delay <= ceiling.min(policy.max_backoff),
                "{attempt}: {delay:?}"
            );
        }
        assert_eq!(
            policy.delay(0, Some(Duration::from_secs(7))),
            Duration::from_secs(7)
        );
        assert_eq!(
            policy.delay(0, Some(Duration::from_secs(600))),
            policy.max_backoff
        );
    }
}
