//! The client: submit, status, wait, download, with validation before sending and retries where
//! they are safe.

mod download;
mod placed;
mod poll;
mod retry;
mod tasks;

use std::time::Duration;

use seedance_runtime::{ApiKey, ClientOptions};

use std::sync::Arc;

pub(crate) use self::retry::parse_retry_after;
use self::retry::{LogLevel, retry};
pub use self::{
    placed::{Expected, PlacedPolls},
    poll::WaitOptions,
    retry::RetryPolicy,
    tasks::{ListFilter, TaskSummary},
};
use crate::{
    base_url,
    capability::{CapabilityTable, Violation, prepare},
    error::{Error, ProviderError, Result},
    provider::Provider,
    providers::{self, ProviderApi},
    request::{Validation, VideoRequest},
    task::{TaskHandle, TaskStatus, unix_now},
    text::bounded,
};

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
    read_timeout: Duration,
    retry: RetryPolicy,
    allow_insecure_http: bool,
    validation: Validation,
    capabilities: Option<Arc<CapabilityTable>>,
}

impl ClientBuilder {
    /// How requests are checked against the capability table before they are sent (default
    /// [`Validation::Enforce`]); a request's own `validation` takes precedence.
    pub fn validation(mut self, validation: Validation) -> Self {
        self.validation = validation;
        self
    }

    /// The capability table requests are checked against (default: the built-in one). Build
    /// one with [`CapabilityTable::with_file`] to correct or extend the built-in entries and
    /// keep validation on.
    pub fn capabilities(mut self, table: impl Into<Arc<CapabilityTable>>) -> Self {
        self.capabilities = Some(table.into());
        self
    }

    /// The API key (required).
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key = Some(ApiKey::new(key));
        self
    }

    /// Replaces the provider's server URL (a proxy, a test server, EvoLink for odkkk). The API
    /// key is sent there: this is how a URL becomes trusted.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// Allows a plain `http://` base URL on a host that is not loopback (default: refused,
    /// because the API key would cross the network unencrypted).
    pub fn allow_insecure_http(mut self, allow: bool) -> Self {
        self.allow_insecure_http = allow;
        self
    }

    /// Points the builder at the server of the task behind `handle`, if that server is trusted:
    /// the base URL this builder was configured with, or one the provider documents
    /// ([`Provider::documented_base_urls`]). A handle never chooses where the key goes.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidHandle`] when the handle is for another provider;
    /// [`Error::UntrustedBaseUrl`] when it names any other URL (configure that URL with
    /// [`ClientBuilder::base_url`] to trust it).
    pub fn for_handle(mut self, handle: &TaskHandle) -> Result<Self> {
        if handle.provider != self.provider {
            return Err(Error::InvalidHandle(format!(
                "the handle is for {}, this client is for {}",
                handle.provider, self.provider
            )));
        }
        let trusted = self
            .base_url
            .as_deref()
            .into_iter()
            .chain(self.provider.documented_base_urls().iter().copied());
        if !trusted
            .into_iter()
            .any(|url| base_url::same(url, &handle.base_url))
        {
            return Err(Error::UntrustedBaseUrl {
                provider: self.provider,
                base_url: bounded(&handle.base_url),
            });
        }
        self.base_url = Some(handle.base_url.clone());
        Ok(self)
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

    /// Read (idle) timeout of provider calls and downloads: the longest wait for the next byte
    /// (default 30 s).
    pub fn read_timeout(mut self, timeout: Duration) -> Self {
        self.read_timeout = timeout;
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
    /// [`Error::MissingApiKey`] without a key; [`Error::InvalidBaseUrl`] unless the base URL is
    /// an http(s) URL with a host; [`Error::InsecureBaseUrl`] for plain http to a host that is
    /// not loopback without [`ClientBuilder::allow_insecure_http`]; [`Error::HttpClient`] when
    /// the HTTP client cannot be built.
    pub fn build(self) -> Result<Client> {
        let provider = self.provider;
        let api_key = self.api_key.ok_or(Error::MissingApiKey {
            provider,
            env: provider.api_key_env(),
        })?;
        let base_url = base_url::check(
            provider,
            self.base_url
                .as_deref()
                .unwrap_or(provider.default_base_url()),
            self.allow_insecure_http,
        )?;
        let options = ClientOptions::default()
            .with_api_key(api_key)
            .with_timeout(self.timeout)
            .with_connect_timeout(self.connect_timeout)
            .with_read_timeout(self.read_timeout);
        let build_error = |source| Error::HttpClient { source };
        // A caller's HTTP client has timeouts this builder does not know.
        let request_timeout = self.timeout.filter(|_| self.http_client.is_none());
        let http = match self.http_client {
            Some(client) => client,
            None => seedance_runtime::http_client(&options).map_err(build_error)?,
        };
        let download_http =
            download::http_client(self.connect_timeout, self.read_timeout).map_err(build_error)?;
        let table = self.capabilities.unwrap_or_else(CapabilityTable::built_in);
        let api = providers::connect(provider, &base_url, http, options, Arc::clone(&table));
        Ok(Client {
            provider,
            base_url,
            api,
            table,
            validation: self.validation,
            download_http,
            retry: self.retry,
            request_timeout,
        })
    }
}

/// A client for one provider.
///
/// Cloning is cheap (the HTTP connection pool is shared).
#[derive(Clone, Debug)]
pub struct Client {
    provider: Provider,
    base_url: String,
    api: Arc<dyn ProviderApi>,
    table: Arc<CapabilityTable>,
    validation: Validation,
    download_http: reqwest::Client,
    retry: RetryPolicy,
    /// The whole-request timeout, when known.
    request_timeout: Option<Duration>,
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
            read_timeout: seedance_runtime::DEFAULT_READ_TIMEOUT,
            retry: RetryPolicy::default(),
            allow_insecure_http: false,
            validation: Validation::Enforce,
            capabilities: None,
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
    /// the key from the provider's environment variable, sent to the handle's base URL only if
    /// that URL is trusted: the provider's documented server or `<PROVIDER>_BASE_URL` (see
    /// [`ClientBuilder::for_handle`]).
    ///
    /// # Errors
    ///
    /// [`Error::MissingApiKey`] when the key variable is unset or empty;
    /// [`Error::UntrustedBaseUrl`] when the handle names any other URL.
    pub fn from_env_for(handle: &TaskHandle) -> Result<Client> {
        Self::builder_from_env(handle.provider)?
            .for_handle(handle)?
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
    /// sending anything (the same as [`validate`](crate::validate)).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidRequest`] naming the field, the provider, the model and what is allowed.
    pub async fn validate(&self, request: &VideoRequest) -> Result<()> {
        self.prepare(request).await.map(|_| ())
    }

    /// Every capability rule `request` breaks with this client's table, each with its source,
    /// without reading files; empty under [`Validation::Off`] (the client's, or the request's
    /// own). Under [`Validation::Warn`] these are what [`submit`](Self::submit) sends anyway.
    pub fn violations(&self, request: &VideoRequest) -> Vec<Violation> {
        if request.validation.unwrap_or(self.validation) == Validation::Off {
            return Vec::new();
        }
        self.table
            .get(self.provider, request.model)
            .map(|caps| caps.violations(request))
            .unwrap_or_default()
    }

    /// The capability table this client checks requests against.
    pub fn capability_table(&self) -> &CapabilityTable {
        &self.table
    }

    async fn prepare(&self, request: &VideoRequest) -> Result<crate::providers::Resolved> {
        prepare(&self.table, self.provider, request, self.validation).await
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
        let resolved = self.prepare(request).await?;
        // Only what provably never reached the provider is sent again.
        let provably_not_accepted = |err: &Error| match err {
            Error::RateLimited { .. } => true,
            Error::Network { source, .. } => source.is_connect(),
            _ => false,
        };
        retry(
            &self.retry,
            "submit",
            LogLevel::Warn,
            provably_not_accepted,
            || async {
                let submitted_at = unix_now();
                match self.api.submit(request, &resolved).await {
                    Ok(submitted) => Ok(TaskHandle {
                        provider: self.provider,
                        base_url: self.base_url.clone(),
                        task_id: submitted.task_id,
                        created_at: submitted_at,
                        estimated_seconds: submitted.estimated_seconds,
                        usage: submitted.usage,
                    }),
                    Err(err) => Err(classify_submit_error(err, submitted_at)),
                }
            },
        )
        .await
    }

    /// How long after a [`Client::submit`] call starts the provider may still create its task:
    /// every attempt's timeout plus the longest back-offs between them. A task created later
    /// is not that submit's. `None` when a request may wait forever (no timeout, or an HTTP
    /// client of the caller's, whose timeouts the client does not know).
    pub fn submit_window(&self) -> Option<Duration> {
        let attempts = self.retry.max_retries.saturating_add(1);
        let timeouts = self.request_timeout?.checked_mul(attempts)?;
        timeouts.checked_add(self.retry.max_backoff.checked_mul(self.retry.max_retries)?)
    }

    /// A copy of `request` marked with `tag` in a field that the provider's task list echoes and
    /// that does not change the video, so that [`Client::find_submitted`] with the marked
    /// request lists tasks with that mark only: submit the marked request, keep `tag`, and after
    /// [`Error::OutcomeUnknown`] look for it. Two marks collide with a chance of about one in
    /// the provider's range (Ark: 3,599), so draw `tag` at random.
    ///
    /// On Ark the mark is `execution_expires_after`: up to an hour under its 48-hour default
    /// (how long an unfinished task may queue or run before it expires). `None` where the
    /// provider lists no tasks, or when the request already sets that field.
    pub fn tag_request(&self, request: &VideoRequest, tag: u32) -> Option<VideoRequest> {
        self.api.tag_request(request, tag)
    }

    /// The provider's own id for the model `request` runs on, as the create body names it
    /// (Ark: the dated id for this host, or the request's `model_id`); `None` where the
    /// provider names the model in its path instead of an id.
    pub fn model_id(&self, request: &VideoRequest) -> Option<String> {
        self.api.sent_model_id(request)
    }

    /// The task's current status; transient failures are retried per the [`RetryPolicy`].
    ///
    /// # Errors
    ///
    /// Provider errors as typed variants, after retries.
    pub async fn status(&self, handle: &TaskHandle) -> Result<TaskStatus> {
        self.check_handle(handle)?;
        let status = retry(
            &self.retry,
            "status",
            LogLevel::Debug,
            Error::is_retryable,
            || self.api.status(&handle.task_id),
        )
        .await?;
        Ok(with_submit_usage(status, handle))
    }

    fn check_handle(&self, handle: &TaskHandle) -> Result<()> {
        if handle.provider != self.provider {
            return Err(Error::InvalidHandle(format!(
                "the handle is for {}, this client is for {}",
                handle.provider, self.provider
            )));
        }
        if !base_url::same(&handle.base_url, &self.base_url) {
            return Err(Error::InvalidHandle(format!(
                "the task lives at {}, this client talks to {}; build the client with \
                 ClientBuilder::for_handle (or Client::from_env_for)",
                bounded(&handle.base_url),
                self.base_url
            )));
        }
        Ok(())
    }
}

/// A submit failure that may have reached the provider becomes [`Error::OutcomeUnknown`].
fn classify_submit_error(err: Error, submitted_at: u64) -> Error {
    match err {
        Error::Network { provider, source } if !source.is_connect() => Error::OutcomeUnknown {
            provider,
            reason: format!("the connection failed after the request was sent: {source}"),
            submitted_at,
            task_id: None,
            body: None,
        },
        Error::Provider(ProviderError {
            provider,
            status: Some(status @ (408 | 500..=599)),
            message,
            ..
        }) => Error::OutcomeUnknown {
            provider,
            reason: format!("HTTP {status}: {message}"),
            submitted_at,
            task_id: None,
            body: None,
        },
        Error::Decode {
            provider,
            message,
            body,
        } => Error::OutcomeUnknown {
            provider,
            reason: format!("the answer could not be read: {message}"),
            submitted_at,
            task_id: None,
            body: Some(body).filter(|body| !body.is_empty()),
        },
        Error::ResponseTooLarge { provider, limit } => Error::OutcomeUnknown {
            provider,
            reason: format!("the answer was larger than {limit} bytes and was not read"),
            submitted_at,
            task_id: None,
            body: None,
        },
        // The provider module read what it could of the answer (a task id, the body); only
        // the client knows when the submit was sent.
        Error::OutcomeUnknown {
            provider,
            reason,
            task_id,
            body,
            ..
        } => Error::OutcomeUnknown {
            provider,
            reason,
            submitted_at,
            task_id,
            body,
        },
        other => other,
    }
}

/// A finished video whose status reports no usage keeps what the submit answer reported
/// (odkkk states the credits a task costs only when it accepts it).
fn with_submit_usage(status: TaskStatus, handle: &TaskHandle) -> TaskStatus {
    match status {
        TaskStatus::Succeeded(mut video) if video.usage.is_none() => {
            video.usage = handle.usage;
            TaskStatus::Succeeded(video)
        }
        other => other,
    }
}
