//! One mapping module per provider: the unified request to the provider's payload, its task
//! status to [`TaskStatus`](crate::TaskStatus), its error shapes to [`Error`]. Provider quirks
//! live here and nowhere else.

/// Declares a provider module's API type, named `$name`, wrapping the generated `Client`
/// behind [`ProviderApi`] with the module's own `submit` and `status`, and its `connect`.
macro_rules! provider_api {
    ($name:ident) => {
        #[doc = concat!(stringify!($name), "'s API, as the client calls it.")]
        #[derive(Debug)]
        pub(crate) struct $name(Client);

        #[doc = concat!("The ", stringify!($name), " API at `base_url`.")]
        pub(crate) fn connect(
            base_url: &str,
            http: reqwest::Client,
            options: seedance_runtime::ClientOptions,
        ) -> std::sync::Arc<dyn super::ProviderApi> {
            std::sync::Arc::new($name(Client::new_with_client(base_url, http, options)))
        }

        impl super::ProviderApi for $name {
            fn provider(&self) -> crate::provider::Provider {
                PROVIDER
            }

            fn submit<'a>(
                &'a self,
                request: &'a crate::request::VideoRequest,
                resolved: &'a super::Resolved,
            ) -> futures_util::future::BoxFuture<'a, Result<super::Submitted, crate::error::Error>>
            {
                Box::pin(submit(&self.0, request, resolved))
            }

            fn status<'a>(
                &'a self,
                task_id: &'a str,
            ) -> futures_util::future::BoxFuture<
                'a,
                Result<crate::task::TaskStatus, crate::error::Error>,
            > {
                Box::pin(status(&self.0, task_id))
            }
        }
    };
}

pub(crate) mod ark;
#[cfg(test)]
mod hostile;
pub(crate) mod jiekou;
pub(crate) mod modellix;
pub(crate) mod odkkk;

use std::{sync::Arc, time::Duration};

use futures_util::future::BoxFuture;
use reqwest::header::HeaderMap;
use seedance_runtime::ClientOptions;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::{
    error::{Error, ProviderError, TaskOperation},
    provider::Provider,
    request::{Field, Model, ServiceTier, VideoRequest},
    task::{TaskParameters, TaskState, TaskStatus, unix_now},
    text::{TEXT_LIMIT, bounded},
};

/// One provider's API as the client uses it: each call is made once (the client retries).
///
/// Cancelling, deleting and listing tasks exist only where the provider has an endpoint for
/// them; the default bodies answer [`Error::Unsupported`] without sending anything.
pub(crate) trait ProviderApi: std::fmt::Debug + Send + Sync {
    /// The provider behind this API.
    fn provider(&self) -> Provider;

    /// Submits `request`, already validated, with its media as `resolved`.
    fn submit<'a>(
        &'a self,
        request: &'a VideoRequest,
        resolved: &'a Resolved,
    ) -> BoxFuture<'a, Result<Submitted, Error>>;

    /// The status of `task_id`.
    fn status<'a>(&'a self, task_id: &'a str) -> BoxFuture<'a, Result<TaskStatus, Error>>;

    /// Cancels the queued task `task_id`.
    fn cancel<'a>(&'a self, _task_id: &'a str) -> BoxFuture<'a, Result<(), Error>> {
        unsupported(self.provider(), TaskOperation::Cancel)
    }

    /// Deletes the record of the task `task_id`, with the provider's own semantics for a task
    /// that has not ended.
    fn delete<'a>(&'a self, _task_id: &'a str) -> BoxFuture<'a, Result<(), Error>> {
        unsupported(self.provider(), TaskOperation::Delete)
    }

    /// The model id the create body names for `request`, where the body names one.
    fn sent_model_id(&self, _request: &VideoRequest) -> Option<String> {
        None
    }

    /// The ids under which the provider lists tasks of `model` (empty where it cannot list).
    fn model_ids(&self, _model: Model) -> Vec<String> {
        Vec::new()
    }

    /// One page of the provider's task list.
    fn list<'a>(&'a self, _query: &'a ListQuery) -> BoxFuture<'a, Result<TaskPage, Error>> {
        unsupported(self.provider(), TaskOperation::List)
    }

    /// `request` marked with `tag` in an echoed field that does not change the video (see
    /// `Client::tag_request`); `None` where the provider lists no tasks.
    fn tag_request(&self, _request: &VideoRequest, _tag: u32) -> Option<VideoRequest> {
        None
    }

    /// The shortest time between two list requests the provider allows for an account, so that
    /// a listing of many pages paces itself instead of running into rate limits.
    fn list_interval(&self) -> std::time::Duration {
        std::time::Duration::ZERO
    }
}

/// [`Error::Unsupported`], answered before any request.
fn unsupported<'a, T: Send + 'a>(
    provider: Provider,
    operation: TaskOperation,
) -> BoxFuture<'a, Result<T, Error>> {
    Box::pin(std::future::ready(Err(Error::Unsupported {
        provider,
        operation,
    })))
}

/// Whether `provider` has an endpoint for `operation`; the client asks before its first
/// request, so that an unsupported operation sends nothing at all.
pub(crate) fn supports(provider: Provider, operation: TaskOperation) -> bool {
    TaskOperation::supported_by(operation).contains(&provider)
}

/// What a page of the task list asks for: the provider's own filters, already mapped.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct ListQuery {
    /// 1-based.
    pub(crate) page_num: u32,
    pub(crate) page_size: u32,
    pub(crate) status: Option<TaskState>,
    pub(crate) task_ids: Vec<String>,
    /// The provider's model id (or endpoint id).
    pub(crate) model: Option<String>,
    pub(crate) service_tier: Option<ServiceTier>,
}

/// One page of the task list.
#[derive(Debug, Clone, Default)]
pub(crate) struct TaskPage {
    pub(crate) items: Vec<ListedTask>,
    /// How many tasks match in all, when the provider says.
    pub(crate) total: Option<u64>,
}

/// A task as a list page shows it.
#[derive(Debug, Clone)]
pub(crate) struct ListedTask {
    pub(crate) task_id: String,
    pub(crate) status: TaskStatus,
    /// The model id the provider reports.
    pub(crate) model: Option<String>,
    /// Unix seconds.
    pub(crate) created_at: Option<u64>,
    /// What the task was asked for, as far as the list says.
    pub(crate) parameters: TaskParameters,
}

/// The API of `provider` at `base_url`: the one place that lists the provider modules.
pub(crate) fn connect(
    provider: Provider,
    base_url: &str,
    http: reqwest::Client,
    options: ClientOptions,
    table: Arc<crate::capability::CapabilityTable>,
) -> Arc<dyn ProviderApi> {
    match provider {
        Provider::Modellix => modellix::connect(base_url, http, options),
        Provider::Jiekou => jiekou::connect(base_url, http, options),
        Provider::Odkkk => odkkk::connect(base_url, http, options),
        Provider::Ark => ark::connect(base_url, http, options, table),
    }
}

/// The providers with task endpoints beyond submit and status (cancel, delete, list).
pub(crate) const LIFECYCLE: &[Provider] = &[Provider::Ark];

/// The table from each unified field `provider` sends at the top level of its body to its wire
/// name: data, in `specs/<provider>/capabilities.json`.
pub(crate) fn wire(provider: Provider) -> &'static [(Field, String)] {
    crate::capability::built_in_wire(provider)
}

/// The body keys `provider`'s mapping writes itself, beyond its wire table, with the typed
/// option that sets each: an extra field may not name them.
fn mapped_keys(provider: Provider) -> &'static [(&'static str, &'static str)] {
    match provider {
        Provider::Ark => ark::MAPPED_KEYS,
        Provider::Odkkk => odkkk::MAPPED_KEYS,
        Provider::Modellix | Provider::Jiekou => &[],
    }
}

/// Refuses extra fields that the SDK maps from a typed option (naming the option), and `tools`
/// beside `web_search`, whatever the validation mode: an extra field never overrides what the
/// SDK sends, so nothing a typed option says is silently lost.
pub(crate) fn check_extra(
    caps: &crate::capability::Capabilities,
    request: &VideoRequest,
) -> Result<(), crate::error::InvalidRequest> {
    let refuse = |message: String| crate::error::InvalidRequest {
        provider: caps.provider,
        model: caps.model,
        field: Field::Extra,
        message,
    };
    for key in request.extra.keys() {
        if key == "tools" && request.web_search.is_some() {
            return Err(refuse(
                "tools is set together with web_search, which also sends tools; allowed: one of them"
                    .into(),
            ));
        }
        let typed = wire(caps.provider)
            .iter()
            .find(|(_, name)| name == key)
            .map(|(field, _)| field.as_str())
            .or_else(|| {
                mapped_keys(caps.provider)
                    .iter()
                    .find(|(name, _)| *name == key)
                    .map(|(_, option)| *option)
            });
        if let Some(option) = typed {
            return Err(refuse(format!(
                "{:?} is sent from a typed option; allowed: set {option} instead",
                bounded(key)
            )));
        }
    }
    Ok(())
}

/// The longest run-time estimate believed; a task expires after at most 72 h anyway, so a
/// longer one is a provider bug and would only stall polling.
pub(crate) const MAX_ESTIMATE: Duration = Duration::from_secs(7 * 24 * 3600);

/// A task the provider accepted.
#[derive(Debug, Clone)]
pub(crate) struct Submitted {
    pub(crate) task_id: String,
    /// The provider's estimate of the whole run, when it gives one.
    pub(crate) estimated_seconds: Option<u64>,
    /// What the answer said the task costs, when it says.
    pub(crate) usage: Option<crate::task::Usage>,
}

/// Media inputs turned into the strings to send (URLs or data URLs).
#[derive(Debug, Default, Clone)]
pub(crate) struct Resolved {
    pub(crate) first: Option<String>,
    pub(crate) last: Option<String>,
    pub(crate) images: Vec<String>,
    /// Reference videos, the video to edit, or the videos to extend: `http(s)` or `asset://`.
    pub(crate) videos: Vec<String>,
    /// Reference audio: URLs, `asset://` ids or `data:audio/...` URLs.
    pub(crate) audio: Vec<String>,
}

impl Resolved {
    /// The value of a media `field`; `None` when it is unset or not a media field.
    fn value(&self, field: Field) -> Option<Value> {
        let list = |values: &[String]| (!values.is_empty()).then(|| Value::from(values.to_vec()));
        match field {
            Field::FirstFrame => self.first.clone().map(Value::from),
            Field::LastFrame => self.last.clone().map(Value::from),
            Field::ReferenceImages => list(&self.images),
            Field::ReferenceAudio => list(&self.audio),
            Field::ReferenceVideos => list(&self.videos),
            _ => None,
        }
    }
}

/// A JSON object under construction; unset fields are left out so the provider's defaults apply.
#[derive(Default)]
pub(crate) struct Payload(Map<String, Value>);

impl Payload {
    /// Each field of `wire` that is set, under its wire name: media from `media`, everything
    /// else from `request`.
    pub(crate) fn from_wire(
        wire: &[(Field, String)],
        request: &VideoRequest,
        media: &Resolved,
    ) -> Self {
        let mut body = Self::default();
        for (field, name) in wire {
            body.set(name, request.value(*field).or_else(|| media.value(*field)));
        }
        body
    }

    /// Adds the request's extra fields ([`VideoRequest::extra`]) as given; the keys the mapping
    /// writes were refused before (`check_extra`), so none replaces a typed value.
    pub(crate) fn with_extra(mut self, request: &VideoRequest) -> Self {
        for (key, value) in &request.extra {
            self.0.entry(key.clone()).or_insert_with(|| value.clone());
        }
        self
    }

    pub(crate) fn set(&mut self, key: &str, value: Option<impl Serialize>) -> &mut Self {
        if let Some(value) = value {
            self.0.insert(
                key.to_owned(),
                serde_json::to_value(value).expect("plain values serialize"),
            );
        }
        self
    }

    pub(crate) fn set_list(&mut self, key: &str, values: &[String]) -> &mut Self {
        if !values.is_empty() {
            self.0.insert(key.to_owned(), Value::from(values.to_vec()));
        }
        self
    }

    /// The generated body type, which re-checks the spec's own constraints. A key the type
    /// would drop (a spec without room for extra fields) is an error, never a silent loss.
    pub(crate) fn into_body<T: serde::de::DeserializeOwned + Serialize>(
        self,
        provider: Provider,
    ) -> Result<T, Error> {
        let keys: Vec<String> = self.0.keys().cloned().collect();
        let body: T =
            serde_json::from_value(Value::Object(self.0)).map_err(|err| Error::RequestSchema {
                provider,
                message: format!("the request does not fit the provider's schema: {err}"),
            })?;
        let kept = serde_json::to_value(&body).unwrap_or_default();
        if let Some(lost) = keys.iter().find(|key| kept.get(key.as_str()).is_none()) {
            return Err(Error::RequestSchema {
                provider,
                message: format!(
                    "the provider's request schema has no place for {:?}, so it would not be sent",
                    bounded(lost)
                ),
            });
        }
        Ok(body)
    }
}

/// Converts a progenitor error whose documented body was mapped by `documented`.
pub(crate) async fn convert<E>(
    provider: Provider,
    err: progenitor_client::Error<E>,
    documented: impl FnOnce(u16, &HeaderMap, E) -> Error,
) -> Error {
    use progenitor_client::Error as P;
    match err {
        P::ErrorResponse(value) => {
            let status = value.status().as_u16();
            let headers = value.headers().clone();
            with_request_id(documented(status, &headers, value.into_inner()), &headers)
        }
        P::CommunicationError(source)
        | P::ResponseBodyError(source)
        | P::InvalidUpgrade(source) => transport_error(provider, source),
        P::UnexpectedResponse(response) => {
            let status = response.status().as_u16();
            let headers = response.headers().clone();
            let body = response.text().await.unwrap_or_default();
            let details = ProviderError::new(provider, bounded(&body)).with_status(status);
            let err = Error::from_status(details, None, retry_after(&headers));
            with_request_id(err, &headers)
        }
        P::InvalidResponsePayload(bytes, err) => decode_error(provider, &bytes, &err),
        P::InvalidRequest(message) | P::Custom(message) => Error::RequestSchema {
            provider,
            message: format!("the request could not be built: {message}"),
        },
    }
}

/// A transport failure; a body over the cap is [`Error::ResponseTooLarge`], not a network error.
fn transport_error(provider: Provider, source: reqwest::Error) -> Error {
    match seedance_runtime::ResponseTooLarge::find(&source) {
        Some(too_large) => Error::ResponseTooLarge {
            provider,
            limit: too_large.limit,
        },
        None => Error::Network { provider, source },
    }
}

/// A body that does not fit the generated type. serde's message quotes the offending value,
/// which the server chose, so it is bounded too.
pub(crate) fn decode_error(provider: Provider, bytes: &[u8], err: &serde_json::Error) -> Error {
    Error::Decode {
        provider,
        message: bounded(&err.to_string()),
        body: bounded_bytes(bytes),
    }
}

/// `bytes` as text, bounded like [`bounded`], without first copying a huge body whole.
pub(crate) fn bounded_bytes(bytes: &[u8]) -> String {
    // Invalid UTF-8 only grows under lossy decoding, so a longer body still comes out cut.
    let end = bytes.len().min(TEXT_LIMIT + 4);
    bounded(&String::from_utf8_lossy(&bytes[..end]))
}

/// A failed submit call. A 2xx answer that does not fit the generated type is read by
/// `lenient` instead of being turned into an error, so an accepted (paid) task is not lost.
pub(crate) async fn submit_failure<E>(
    provider: Provider,
    err: progenitor_client::Error<E>,
    documented: impl FnOnce(u16, &HeaderMap, E) -> Error,
    lenient: impl FnOnce(&[u8], &str) -> Result<Submitted, Error>,
) -> Result<Submitted, Error> {
    use progenitor_client::Error as P;
    match err {
        // Also raised for an error status whose body fits no documented shape; `lenient`
        // tells those apart by content (an envelope code, an `error` member).
        P::InvalidResponsePayload(bytes, err) => lenient(&bytes, &err.to_string()),
        // A 2xx other than the documented 200 (201, 202) most likely means "accepted".
        P::UnexpectedResponse(response) if response.status().is_success() => {
            let status = response.status().as_u16();
            match response.bytes().await {
                Ok(bytes) => lenient(&bytes, &format!("HTTP {status} instead of 200")),
                Err(source) => Err(transport_error(provider, source)),
            }
        }
        other => Err(convert(provider, other, documented).await),
    }
}

/// Reads a submit answer that the generated type refused: `extract` takes what the facade uses
/// from the JSON (`None` when it is not there); anything else becomes
/// [`Error::OutcomeUnknown`] with whatever task id the answer contains.
pub(crate) fn lenient_submit(
    provider: Provider,
    bytes: &[u8],
    reason: &str,
    extract: impl FnOnce(&Value) -> Option<Result<Submitted, Error>>,
) -> Result<Submitted, Error> {
    match serde_json::from_slice::<Value>(bytes) {
        Ok(value) => match extract(&value) {
            Some(result) => result,
            None => Err(outcome_unknown(
                provider,
                &format!("it has no usable task id ({reason})"),
                find_task_id(&value),
                bytes,
            )),
        },
        Err(_) => Err(outcome_unknown(
            provider,
            &format!("it is not JSON ({reason})"),
            scan_task_id(&String::from_utf8_lossy(bytes)),
            bytes,
        )),
    }
}

/// A submit answer that parsed but lacks a usable task id.
pub(crate) fn unusable_submit(provider: Provider, reason: &str, answer: &impl Serialize) -> Error {
    let value = serde_json::to_value(answer).unwrap_or_default();
    let bytes = serde_json::to_vec(&value).unwrap_or_default();
    outcome_unknown(provider, reason, find_task_id(&value), &bytes)
}

/// [`Error::OutcomeUnknown`] for an answer that could not be read. `submitted_at` is stamped
/// by the client, which knows when the submit was sent.
fn outcome_unknown(
    provider: Provider,
    reason: &str,
    task_id: Option<String>,
    body: &[u8],
) -> Error {
    Error::OutcomeUnknown {
        provider,
        reason: bounded(&format!("the answer could not be read: {reason}")),
        submitted_at: 0,
        task_id,
        body: Some(bounded_bytes(body)),
    }
}

/// Whether `id` can be used as a task id: something, short enough to be an id, and nothing a
/// terminal or a URL path would misread.
pub(crate) fn plausible_task_id(id: &str) -> bool {
    !id.trim().is_empty() && id.len() <= TEXT_LIMIT && !id.chars().any(char::is_control)
}

/// The names under which providers return a task id, most specific first.
const TASK_ID_KEYS: [&str; 3] = ["task_id", "taskId", "id"];

/// A plausible task id anywhere in `value`: a string under `task_id` or `taskId` at any depth,
/// else one under `id`.
pub(crate) fn find_task_id(value: &Value) -> Option<String> {
    fn find(value: &Value, keys: &[&str]) -> Option<String> {
        match value {
            Value::Object(map) => keys
                .iter()
                .find_map(|key| map.get(*key)?.as_str().filter(|id| plausible_task_id(id)))
                .map(str::to_owned)
                .or_else(|| map.values().find_map(|inner| find(inner, keys))),
            Value::Array(items) => items.iter().find_map(|inner| find(inner, keys)),
            _ => None,
        }
    }
    find(value, &TASK_ID_KEYS[..2]).or_else(|| find(value, &TASK_ID_KEYS[2..]))
}

/// A plausible task id in text that is not JSON (typically a cut-off answer): the first
/// complete `"task_id": "..."` (or `taskId`, then `id`) without escapes.
pub(crate) fn scan_task_id(text: &str) -> Option<String> {
    TASK_ID_KEYS.iter().find_map(|key| {
        let needle = format!("\"{key}\"");
        text.match_indices(&needle).find_map(|(at, _)| {
            let rest = text[at + needle.len()..].trim_start();
            let rest = rest.strip_prefix(':')?.trim_start();
            let rest = rest.strip_prefix('"')?;
            // An id cut off before its closing quote, or with an escape, is not trusted.
            let end = rest.find(['"', '\\'])?;
            let id = &rest[..end];
            (rest[end..].starts_with('"') && plausible_task_id(id)).then(|| id.to_owned())
        })
    })
}

/// An estimate in seconds, when it is a number worth believing (finite, positive, at most
/// [`MAX_ESTIMATE`]).
pub(crate) fn estimate(seconds: f64) -> Option<Duration> {
    (seconds > 0.0 && seconds <= MAX_ESTIMATE.as_secs_f64())
        .then(|| Duration::try_from_secs_f64(seconds).ok())
        .flatten()
}

/// When a URL valid for `seconds` from now expires, unix seconds (saturating: a hostile
/// lifetime must not overflow).
pub(crate) fn expires_in(seconds: u64) -> u64 {
    unix_now().saturating_add(seconds)
}

/// Adds the provider's `x-request-id` (or `request-id`) header to a provider error, for support.
fn with_request_id(err: Error, headers: &HeaderMap) -> Error {
    let header = ["x-request-id", "request-id"]
        .into_iter()
        .find_map(|name| headers.get(name)?.to_str().ok())
        .map(bounded);
    match err {
        Error::Provider(details) if details.request_id.is_none() => {
            Error::Provider(ProviderError {
                request_id: header,
                ..details
            })
        }
        other => other,
    }
}

/// `Retry-After` (seconds or an HTTP date), or Modellix's `X-RateLimit-Reset` (seconds to wait, or a unix time).
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let number = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
    };
    if let Some(wait) = headers
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| crate::client::parse_retry_after(v, std::time::SystemTime::now()))
    {
        return Some(wait);
    }
    let reset = number("x-ratelimit-reset")?;
    let now = unix_now();
    // Values past 1e9 are unix timestamps; smaller ones are seconds to wait.
    Some(Duration::from_secs(if reset > 1_000_000_000 {
        reset.saturating_sub(now)
    } else {
        reset
    }))
}

#[cfg(test)]
mod tests {
    use reqwest::header::HeaderValue;

    use super::*;

    #[test]
    fn provider_errors_carry_the_request_id() {
        let mut headers = HeaderMap::new();
        headers.insert("x-request-id", HeaderValue::from_static("req-42"));
        let details = ProviderError::new(Provider::Odkkk, "upstream".into()).with_status(502);
        let err = Error::from_status(details, None, None);
        match with_request_id(err, &headers) {
            Error::Provider(details) => {
                assert_eq!(details.request_id.as_deref(), Some("req-42"))
            }
            other => panic!("expected a provider error: {other:?}"),
        }
    }

    #[test]
    fn retry_after_reads_seconds_and_reset_times() {
        let mut headers = HeaderMap::new();
        headers.insert("x-ratelimit-reset", HeaderValue::from_static("3"));
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(3)));
        let at = (crate::task::unix_now() + 20).to_string();
        headers.insert("x-ratelimit-reset", HeaderValue::from_str(&at).unwrap());
        let wait = retry_after(&headers).unwrap();
        assert!(
            (Duration::from_secs(18)..=Duration::from_secs(20)).contains(&wait),
            "{wait:?}"
        );
        headers.insert("retry-after", HeaderValue::from_static("7"));
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(7)));
    }
}
