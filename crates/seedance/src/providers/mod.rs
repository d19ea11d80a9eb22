//! One mapping module per provider: the unified request to the provider's payload, its task
//! status to [`TaskStatus`](crate::TaskStatus), its error shapes to [`Error`]. Provider quirks
//! live here and nowhere else.

pub(crate) mod jiekou;
pub(crate) mod modellix;
pub(crate) mod odkkk;

use std::time::Duration;

use reqwest::header::HeaderMap;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::{error::Error, provider::Provider, text::bounded};

/// A task the provider accepted.
#[derive(Debug, Clone)]
pub(crate) struct Submitted {
    pub(crate) task_id: String,
    /// The provider's estimate of the whole run, when it gives one.
    pub(crate) estimated_seconds: Option<u64>,
}

/// Media inputs turned into the strings to send (URLs or data URLs).
#[derive(Debug, Default, Clone)]
pub(crate) struct Resolved {
    pub(crate) first: Option<String>,
    pub(crate) last: Option<String>,
    pub(crate) images: Vec<String>,
    pub(crate) audio: Vec<String>,
}

/// A JSON object under construction; unset fields are left out so the provider's defaults apply.
#[derive(Default)]
pub(crate) struct Payload(Map<String, Value>);

impl Payload {
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

    /// The generated body type, which re-checks the spec's own constraints.
    pub(crate) fn into_body<T: serde::de::DeserializeOwned>(
        self,
        provider: Provider,
    ) -> Result<T, Error> {
        serde_json::from_value(Value::Object(self.0)).map_err(|err| Error::Provider {
            provider,
            status: None,
            code: None,
            message: format!("the request does not fit the provider's schema: {err}"),
            request_id: None,
        })
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
        | P::InvalidUpgrade(source) => match seedance_runtime::ResponseTooLarge::find(&source) {
            Some(too_large) => Error::ResponseTooLarge {
                provider,
                limit: too_large.limit,
            },
            None => Error::Network { provider, source },
        },
        P::UnexpectedResponse(response) => {
            let status = response.status().as_u16();
            let headers = response.headers().clone();
            let body = response.text().await.unwrap_or_default();
            let err = Error::from_status(
                provider,
                status,
                None,
                bounded(&body),
                None,
                retry_after(&headers),
            );
            with_request_id(err, &headers)
        }
        P::InvalidResponsePayload(bytes, err) => Error::Decode {
            provider,
            message: err.to_string(),
            body: bounded(&String::from_utf8_lossy(&bytes)),
        },
        P::InvalidRequest(message) | P::Custom(message) => Error::Provider {
            provider,
            status: None,
            code: None,
            message: format!("the request could not be built: {message}"),
            request_id: None,
        },
    }
}

/// "Succeeded" without a video URL is an error, never a success.
pub(crate) fn missing_video(provider: Provider, task_id: &str) -> Error {
    Error::Provider {
        provider,
        status: None,
        code: None,
        message: format!("task {task_id} succeeded without a video URL"),
        request_id: None,
    }
}

/// Adds the provider's `x-request-id` (or `request-id`) header to a provider error, for support.
fn with_request_id(err: Error, headers: &HeaderMap) -> Error {
    let header = ["x-request-id", "request-id"]
        .into_iter()
        .find_map(|name| headers.get(name)?.to_str().ok())
        .map(str::to_owned);
    match err {
        Error::Provider {
            provider,
            status,
            code,
            message,
            request_id: None,
        } => Error::Provider {
            provider,
            status,
            code,
            message,
            request_id: header,
        },
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
    let now = crate::task::unix_now();
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
        let err = Error::from_status(Provider::Odkkk, 502, None, "upstream".into(), None, None);
        match with_request_id(err, &headers) {
            Error::Provider { request_id, .. } => assert_eq!(request_id.as_deref(), Some("req-42")),
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
