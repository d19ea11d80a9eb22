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

use crate::{error::Error, provider::Provider};

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
            documented(status, &headers, value.into_inner())
        }
        P::CommunicationError(source)
        | P::ResponseBodyError(source)
        | P::InvalidUpgrade(source) => Error::Network { provider, source },
        P::UnexpectedResponse(response) => {
            let status = response.status().as_u16();
            let retry_after = retry_after(response.headers());
            let body = response.text().await.unwrap_or_default();
            Error::from_status(provider, status, None, truncate(&body), None, retry_after)
        }
        P::InvalidResponsePayload(bytes, err) => Error::Decode {
            provider,
            message: err.to_string(),
            body: truncate(&String::from_utf8_lossy(&bytes)),
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

/// `Retry-After` in seconds, or Modellix's `X-RateLimit-Reset` (seconds to wait, or a unix time).
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let number = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
    };
    if let Some(seconds) = number("retry-after") {
        return Some(Duration::from_secs(seconds));
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

pub(crate) fn truncate(text: &str) -> String {
    const LIMIT: usize = 2048;
    if text.len() <= LIMIT {
        return text.to_owned();
    }
    let mut end = LIMIT;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}
