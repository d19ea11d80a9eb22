//! One error type for every provider.

use std::{path::PathBuf, time::Duration};

use crate::{
    provider::Provider,
    request::{Field, Model},
    task::TaskHandle,
};

/// A `Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A request refused before anything was sent: the field, the provider, the model and what is
/// allowed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {field} for {provider} {model}: {message}")]
pub struct InvalidRequest {
    /// The provider.
    pub provider: Provider,
    /// The model.
    pub model: Model,
    /// The offending field.
    pub field: Field,
    /// What is wrong and what is allowed.
    pub message: String,
}

/// Everything that can go wrong. Never contains an API key.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Refused before sending: fix the field named.
    #[error(transparent)]
    InvalidRequest(#[from] InvalidRequest),
    /// No API key was configured.
    #[error("no API key for {provider}: set {env} or use ClientBuilder::api_key")]
    MissingApiKey {
        /// The provider.
        provider: Provider,
        /// The environment variable read.
        env: &'static str,
    },
    /// A task handle names a base URL this process was not configured with, so the API key is
    /// not sent there.
    #[error(
        "refusing to send the {provider} API key to {base_url}: that URL comes from a task handle, \
         not from this program's configuration; if you trust it, pass it with --base-url \
         (or set {}, or use ClientBuilder::base_url)",
        provider.base_url_env()
    )]
    UntrustedBaseUrl {
        /// The provider.
        provider: Provider,
        /// The URL the handle names.
        base_url: String,
    },
    /// A base URL would send the API key unencrypted over the network.
    #[error(
        "refusing to send the {provider} API key over plain http to {base_url}: anyone on the \
         network path could read it; use https, or opt in with \
         ClientBuilder::allow_insecure_http (CLI: --allow-insecure-http)"
    )]
    InsecureBaseUrl {
        /// The provider.
        provider: Provider,
        /// The URL.
        base_url: String,
    },
    /// A base URL that is not an http(s) URL with a host.
    #[error("invalid base URL {base_url:?} for {provider}: {reason}")]
    InvalidBaseUrl {
        /// The provider.
        provider: Provider,
        /// The URL as given.
        base_url: String,
        /// What is wrong and what is allowed.
        reason: String,
    },
    /// Options that cannot work together or are out of range.
    #[error("invalid {option}: {message}")]
    InvalidOptions {
        /// The option, e.g. `WaitOptions::timeout`.
        option: &'static str,
        /// What is wrong and what is allowed.
        message: String,
    },
    /// The provider rejected the request as invalid.
    #[error("{provider} rejected the request{}: {message}", param.as_ref().map(|p| format!(" (parameter {p})")).unwrap_or_default())]
    BadRequest {
        /// The provider.
        provider: Provider,
        /// The parameter it named, if any.
        param: Option<String>,
        /// Its message.
        message: String,
    },
    /// The API key was refused.
    #[error("{provider} refused the API key: {message}; check {}", provider.api_key_env())]
    Auth {
        /// The provider.
        provider: Provider,
        /// Its message.
        message: String,
    },
    /// The account has no balance left.
    #[error("{provider}: insufficient quota: {message}; top up the account")]
    InsufficientQuota {
        /// The provider.
        provider: Provider,
        /// Its message.
        message: String,
    },
    /// The key may not use this model or resource.
    #[error("{provider}: permission denied: {message}")]
    PermissionDenied {
        /// The provider.
        provider: Provider,
        /// Its message.
        message: String,
    },
    /// The task, model or resource does not exist (or no longer does).
    #[error("{provider}: not found: {message}")]
    NotFound {
        /// The provider.
        provider: Provider,
        /// Its message.
        message: String,
    },
    /// Too many requests.
    #[error("{provider}: rate limited: {message}; retry {}", retry_after.map(|d| format!("after {} s", d.as_secs())).unwrap_or_else(|| "later".into()))]
    RateLimited {
        /// The provider.
        provider: Provider,
        /// How long the provider asked to wait.
        retry_after: Option<Duration>,
        /// Its message.
        message: String,
    },
    /// Any other error the provider reported.
    #[error(transparent)]
    Provider(ProviderError),
    /// The provider reported the task as succeeded but named no video to download.
    #[error("{provider} reported task {task_id} as succeeded without a video URL")]
    SucceededWithoutVideo {
        /// The provider.
        provider: Provider,
        /// The task.
        task_id: String,
    },
    /// The request passed validation but the SDK could not turn it into the provider's request:
    /// a bug in this SDK's mapping, not in the request. Nothing was sent.
    #[error(
        "seedance-sdk could not build the {provider} request: {message}; this is a bug in \
         seedance-sdk, please report it"
    )]
    RequestSchema {
        /// The provider.
        provider: Provider,
        /// What did not fit.
        message: String,
    },
    /// The HTTP client could not be built (the cause is the error's `source`).
    #[error("cannot build the HTTP client")]
    HttpClient {
        /// Why.
        #[source]
        source: seedance_runtime::BuildError,
    },
    /// The task ended in failure.
    #[error("task {task_id} on {provider} failed{}: {message}", code.as_ref().map(|c| format!(" [{c}]")).unwrap_or_default())]
    TaskFailed {
        /// The provider.
        provider: Provider,
        /// The task.
        task_id: String,
        /// The provider's failure code.
        code: Option<String>,
        /// Its message.
        message: String,
    },
    /// The task or its result URL expired; submit again.
    #[error("{what} expired; submit a new task")]
    Expired {
        /// What expired.
        what: String,
    },
    /// `wait` reached its deadline. Unless `cancelled`, the task may still finish: resume it
    /// with its handle.
    #[error(
        "gave up waiting for task {} after {} s; {}",
        handle.task_id,
        after.as_secs(),
        if *cancelled {
            "it was still queued and has been cancelled (WaitOptions::cancel_on_timeout), so it will not run"
        } else {
            "the task may still finish: check it again with its handle"
        }
    )]
    Timeout {
        /// The timeout that passed.
        after: Duration,
        /// The task waited for.
        handle: Box<TaskHandle>,
        /// Whether the task was cancelled at the deadline ([`WaitOptions::cancel_on_timeout`](crate::WaitOptions::cancel_on_timeout)
        /// and still queued).
        cancelled: bool,
    },
    /// The provider has no endpoint for this operation; nothing was sent.
    #[error(
        "{provider} has no API to {operation} tasks; {}",
        supporters(*operation)
    )]
    Unsupported {
        /// The provider.
        provider: Provider,
        /// What was asked.
        operation: TaskOperation,
    },
    /// The task is in a state where the provider cannot cancel (or delete) it: a running task
    /// can be neither until it ends. Not retried.
    #[error("task {task_id} on {provider} is {status} and cannot be {}: {hint}", operation.done())]
    NotCancellable {
        /// The provider.
        provider: Provider,
        /// The task.
        task_id: String,
        /// What was asked: [`TaskOperation::Cancel`] or [`TaskOperation::Delete`].
        operation: TaskOperation,
        /// Its status, as a word (`running`, `succeeded`, ...; `in an unknown state` when it
        /// could not be read).
        status: String,
        /// What to do instead.
        hint: String,
    },
    /// The provider could not be reached (the cause is the error's `source`).
    #[error("network error talking to {provider}")]
    Network {
        /// The provider.
        provider: Provider,
        /// The transport error.
        #[source]
        source: reqwest::Error,
    },
    /// A submit may have reached the provider, so it was not retried (a task costs money).
    #[error(
        "the submit to {provider} may have been accepted ({reason}); it was not retried: {}",
        match task_id {
            Some(task_id) => format!("task {task_id} may exist: check it with a handle for that task id before submitting again"),
            None => format!("look for a task created at unix time {submitted_at} before submitting again"),
        }
    )]
    OutcomeUnknown {
        /// The provider.
        provider: Provider,
        /// Why the outcome is unknown.
        reason: String,
        /// When the submit was sent, unix seconds.
        submitted_at: u64,
        /// The task id found in an answer that could not be read otherwise: the task probably
        /// exists, so check it before submitting again.
        task_id: Option<String>,
        /// The provider's answer, truncated to about 1 KiB, when there was one.
        body: Option<String>,
    },
    /// The provider sent a response body larger than the client reads.
    #[error(
        "{provider} sent a response larger than {limit} bytes, which is more than any answer it \
         documents; it was not read"
    )]
    ResponseTooLarge {
        /// The provider.
        provider: Provider,
        /// The limit, in bytes.
        limit: u64,
    },
    /// The provider answered with a body that cannot be read.
    #[error("{provider} answered with a body that cannot be read: {message}")]
    Decode {
        /// The provider.
        provider: Provider,
        /// What failed.
        message: String,
        /// The raw body (truncated).
        body: String,
    },
    /// A local file could not be read or written (the cause is the error's `source`).
    #[error("cannot use {}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A task handle could not be read.
    #[error("invalid task handle: {0}")]
    InvalidHandle(String),
    /// Downloading the result video failed: the video host (not the provider) failed, or sent
    /// something that is not the video. Names the host only, never the URL's signed query.
    #[error("video download from {host} failed: {message}")]
    Download {
        /// `scheme://host[:port]` of the video URL.
        host: String,
        /// The HTTP status the host answered with, when that is what failed.
        status: Option<u16>,
        /// What went wrong and what to do next.
        message: String,
        /// Whether trying again may succeed (a retry resumes where the transfer stopped).
        retryable: bool,
        /// How long the host asked to wait (`Retry-After`).
        retry_after: Option<Duration>,
        /// The transport error, without its URL.
        #[source]
        source: Option<reqwest::Error>,
    },
}

/// An operation on a submitted task beyond its status, which only some providers offer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TaskOperation {
    /// Cancel a queued task.
    Cancel,
    /// Delete a task's record.
    Delete,
    /// List tasks (also behind [`Client::find_submitted`](crate::Client::find_submitted)).
    List,
}

impl TaskOperation {
    /// Its name: `cancel`, `delete`, `list`.
    pub fn as_str(self) -> &'static str {
        match self {
            TaskOperation::Cancel => "cancel",
            TaskOperation::Delete => "delete",
            TaskOperation::List => "list",
        }
    }

    /// The providers with an endpoint for it.
    pub fn supported_by(self) -> &'static [Provider] {
        crate::providers::LIFECYCLE
    }

    /// Its past participle, for messages.
    fn done(self) -> &'static str {
        match self {
            TaskOperation::Cancel => "cancelled",
            TaskOperation::Delete => "deleted",
            TaskOperation::List => "listed",
        }
    }
}

impl std::fmt::Display for TaskOperation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// "supported by: ark", or that no provider supports it.
fn supporters(operation: TaskOperation) -> String {
    let names: Vec<&str> = operation
        .supported_by()
        .iter()
        .map(|p| p.as_str())
        .collect();
    if names.is_empty() {
        "no provider supports it".into()
    } else {
        format!("providers that can: {}", names.join(", "))
    }
}

impl Error {
    /// Whether the same call may succeed if repeated later (never true for a submit whose
    /// outcome is unknown).
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::RateLimited { .. } | Error::Network { .. } => true,
            Error::Download { retryable, .. } => *retryable,
            Error::Provider(error) => {
                matches!(error.status, Some(408) | Some(500..=599))
            }
            _ => false,
        }
    }

    /// The delay the provider asked for, if any.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Error::RateLimited { retry_after, .. } | Error::Download { retry_after, .. } => {
                *retry_after
            }
            _ => None,
        }
    }

    /// The typed error for what the provider reported, by its HTTP status: `param` is the
    /// parameter a 400 named, `retry_after` the wait a 429 asked for; anything else (or no
    /// status) stays an [`Error::Provider`].
    pub(crate) fn from_status(
        error: ProviderError,
        param: Option<String>,
        retry_after: Option<Duration>,
    ) -> Self {
        let ProviderError {
            provider, message, ..
        } = error.clone();
        match error.status {
            Some(400 | 413 | 422) => Error::BadRequest {
                provider,
                param,
                message,
            },
            Some(401) => Error::Auth { provider, message },
            Some(402) => Error::InsufficientQuota { provider, message },
            Some(403) => Error::PermissionDenied { provider, message },
            Some(404) => Error::NotFound { provider, message },
            Some(429) => Error::RateLimited {
                provider,
                retry_after,
                message,
            },
            _ => Error::Provider(error),
        }
    }
}

/// An error the provider reported that has no more specific [`Error`] variant.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "{provider} error{}{}: {message}",
    status.map(|s| format!(" (HTTP {s})")).unwrap_or_default(),
    code.as_ref().map(|c| format!(" [{c}]")).unwrap_or_default()
)]
#[non_exhaustive]
pub struct ProviderError {
    /// The provider.
    pub provider: Provider,
    /// HTTP status, if the error came with one.
    pub status: Option<u16>,
    /// The provider's own error code.
    pub code: Option<String>,
    /// Its message.
    pub message: String,
    /// The provider's request id, for support.
    pub request_id: Option<String>,
}

impl ProviderError {
    /// An error of `provider` saying `message`, with no status, code or request id yet.
    pub(crate) fn new(provider: Provider, message: String) -> Self {
        Self {
            provider,
            status: None,
            code: None,
            message,
            request_id: None,
        }
    }

    pub(crate) fn with_status(mut self, status: u16) -> Self {
        self.status = Some(status);
        self
    }

    pub(crate) fn with_code(mut self, code: Option<String>) -> Self {
        self.code = code;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Printing an error with its chain (as `anyhow`'s `{:#}` does) shows each cause once.
    #[test]
    fn sources_are_not_repeated_in_the_message() {
        let source = std::io::Error::other("disk full");
        let err = Error::Io {
            path: "out.mp4".into(),
            source,
        };
        let mut chain = vec![err.to_string()];
        let mut next = std::error::Error::source(&err);
        while let Some(cause) = next {
            chain.push(cause.to_string());
            next = cause.source();
        }
        assert_eq!(chain, ["cannot use out.mp4", "disk full"]);
    }
}
