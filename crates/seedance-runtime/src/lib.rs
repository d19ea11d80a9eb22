//! Runtime support shared by the generated provider clients (`seedance-modellix`,
//! `seedance-jiekou`, `seedance-odkkk`).
//!
//! The generated `Client` carries a [`ClientOptions`] and calls [`prepare_request`] before every
//! request; `Client::new` builds its HTTP client with [`http_client`]. Users of the `seedance`
//! facade never need this crate directly.
//!
//! TLS is rustls with the `ring` crypto provider: reqwest's default provider, aws-lc-rs, costs
//! about 28 s of a clean build on a 2-core machine, and ring gives the same protocol support.

#![deny(missing_docs)]

use std::{collections::BTreeMap, fmt, time::Duration};

use reqwest::header::{AUTHORIZATION, HeaderValue, USER_AGENT};

/// The `User-Agent` every request carries unless [`ClientOptions::with_user_agent`] changes it.
pub const USER_AGENT_VALUE: &str = concat!("seedance-rs/", env!("CARGO_PKG_VERSION"));

/// How long a response may go without a byte before it fails.
pub const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(30);

/// The largest API response body read, unless [`ClientOptions::with_max_response_bytes`] says.
pub const DEFAULT_MAX_RESPONSE_BYTES: u64 = 4 * 1024 * 1024;

/// The header progenitor adds to every request; no provider documents it, so it is removed.
const API_VERSION_HEADER: &str = "api-version";

/// A provider API key. Its `Debug` output is redacted and it has no `Display`.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

impl ApiKey {
    /// Wraps a key.
    pub fn new(key: impl Into<String>) -> Self {
        Self(key.into())
    }

    /// The key itself, for the one place that must send it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey(<redacted>)")
    }
}

impl From<&str> for ApiKey {
    fn from(key: &str) -> Self {
        Self::new(key)
    }
}

impl From<String> for ApiKey {
    fn from(key: String) -> Self {
        Self(key)
    }
}

/// Per-client settings of a generated provider client.
#[derive(Clone, Debug)]
pub struct ClientOptions {
    api_key: Option<ApiKey>,
    user_agent: String,
    timeout: Option<Duration>,
    connect_timeout: Duration,
    read_timeout: Duration,
    max_response_bytes: u64,
    path_overrides: BTreeMap<String, String>,
}

impl Default for ClientOptions {
    /// No API key, [`USER_AGENT_VALUE`], a 120 s request timeout (progenitor's 15 s is too short
    /// for a submit carrying a 30 MB base64 image), a 10 s connect timeout and a 30 s read
    /// (idle) timeout.
    fn default() -> Self {
        Self {
            api_key: None,
            user_agent: USER_AGENT_VALUE.to_owned(),
            timeout: Some(Duration::from_secs(120)),
            connect_timeout: Duration::from_secs(10),
            read_timeout: DEFAULT_READ_TIMEOUT,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            path_overrides: BTreeMap::new(),
        }
    }
}

impl ClientOptions {
    /// Sends `Authorization: Bearer <key>` with every request.
    pub fn with_api_key(mut self, key: impl Into<ApiKey>) -> Self {
        self.api_key = Some(key.into());
        self
    }

    /// Replaces the `User-Agent`.
    pub fn with_user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// Sets the whole-request timeout; `None` waits forever.
    pub fn with_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.timeout = timeout;
        self
    }

    /// Sets the connect timeout.
    pub fn with_connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Sets the read (idle) timeout: the longest wait for the next byte of a response.
    pub fn with_read_timeout(mut self, timeout: Duration) -> Self {
        self.read_timeout = timeout;
        self
    }

    /// Sets the largest response body [`execute`] reads; a longer one fails with a body error
    /// whose source is [`ResponseTooLarge`].
    pub fn with_max_response_bytes(mut self, limit: u64) -> Self {
        self.max_response_bytes = limit;
        self
    }

    /// Sends the operation `operation_id` (the generated method's name, e.g.
    /// `seedance15_pro_i2v_async`) to `path` (relative to the base URL's path, starting
    /// with `/`) instead of the spec's path: for providers whose docs disagree on a path.
    pub fn with_path_override(
        mut self,
        operation_id: impl Into<String>,
        path: impl Into<String>,
    ) -> Self {
        self.path_overrides.insert(operation_id.into(), path.into());
        self
    }

    /// The API key, if any.
    pub fn api_key(&self) -> Option<&ApiKey> {
        self.api_key.as_ref()
    }

    /// The `User-Agent` sent.
    pub fn user_agent(&self) -> &str {
        &self.user_agent
    }

    /// The whole-request timeout.
    pub fn timeout(&self) -> Option<Duration> {
        self.timeout
    }

    /// The connect timeout.
    pub fn connect_timeout(&self) -> Duration {
        self.connect_timeout
    }

    /// The read (idle) timeout.
    pub fn read_timeout(&self) -> Duration {
        self.read_timeout
    }

    /// The largest response body read.
    pub fn max_response_bytes(&self) -> u64 {
        self.max_response_bytes
    }

    /// The path override of `operation_id`, if any.
    pub fn path_override(&self, operation_id: &str) -> Option<&str> {
        self.path_overrides.get(operation_id).map(String::as_str)
    }
}

/// The HTTP client could not be built.
#[derive(Debug, thiserror::Error)]
#[error("cannot build the HTTP client: {0}")]
pub struct BuildError(#[from] reqwest::Error);

/// A request could not be prepared. Never contains the API key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PrepareError {
    /// The API key holds characters an HTTP header cannot carry.
    #[error(
        "the API key contains characters that cannot be sent in a header (check for a newline)"
    )]
    InvalidApiKey,
    /// The `User-Agent` holds characters an HTTP header cannot carry.
    #[error("the User-Agent {0:?} cannot be sent in a header")]
    InvalidUserAgent(String),
    /// A path override does not start with `/`.
    #[error("the path override {path:?} for {operation_id} must start with '/'")]
    InvalidPathOverride {
        /// The operation.
        operation_id: String,
        /// The override.
        path: String,
    },
    /// The base URL is not a URL.
    #[error("the base URL {0:?} is not a valid URL")]
    InvalidBaseUrl(String),
}

/// A `reqwest::ClientBuilder` with what every client of ours shares: rustls with ring, the
/// timeouts and `User-Agent` of `options`, and no `Referer`. Redirects are left to the caller.
pub fn http_client_builder(options: &ClientOptions) -> reqwest::ClientBuilder {
    install_crypto_provider();
    let mut builder = reqwest::Client::builder()
        .connect_timeout(options.connect_timeout)
        .read_timeout(options.read_timeout)
        // A Referer would carry the previous URL (a signed query string) to the next host.
        .referer(false)
        .user_agent(options.user_agent.clone());
    if let Some(timeout) = options.timeout {
        builder = builder.timeout(timeout);
    }
    builder
}

/// Builds the `reqwest::Client` of an API client: [`http_client_builder`], following redirects
/// only within the origin of the request (a 307 to another host would replay the prompt body
/// there; reqwest strips the `Authorization` header, but not the body).
pub fn http_client(options: &ClientOptions) -> Result<reqwest::Client, BuildError> {
    let same_origin = reqwest::redirect::Policy::custom(|attempt| {
        let first = attempt.previous().first().map(reqwest::Url::origin);
        if attempt.previous().len() > 10 {
            attempt.error("too many redirects")
        } else if first.is_some_and(|first| first == attempt.url().origin()) {
            attempt.follow()
        } else {
            attempt.stop()
        }
    });
    Ok(http_client_builder(options).redirect(same_origin).build()?)
}

/// A response body was longer than [`ClientOptions::max_response_bytes`]; found in the source
/// chain of the `reqwest::Error` that reading it returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the response body is larger than {limit} bytes")]
pub struct ResponseTooLarge {
    /// The limit that was exceeded.
    pub limit: u64,
}

impl ResponseTooLarge {
    /// The [`ResponseTooLarge`] in `error`'s source chain, if reading a body hit the limit.
    pub fn find(error: &(dyn std::error::Error + 'static)) -> Option<ResponseTooLarge> {
        let mut next = Some(error);
        while let Some(err) = next {
            if let Some(found) = err.downcast_ref::<ResponseTooLarge>() {
                return Some(*found);
            }
            next = err.source();
        }
        None
    }
}

/// Sends `request` and returns the response with its body capped at
/// [`ClientOptions::max_response_bytes`]: whoever reads it gets an error (with
/// [`ResponseTooLarge`] in its source chain) instead of buffering an unbounded body.
pub async fn execute(
    client: &reqwest::Client,
    request: reqwest::Request,
    options: &ClientOptions,
) -> reqwest::Result<reqwest::Response> {
    use http_body_util::BodyExt;

    let response = client.execute(request).await?;
    let url = response.url().clone();
    let limit = options.max_response_bytes;
    let response = http::Response::<reqwest::Body>::from(response);
    let (parts, body) = response.into_parts();
    let capped = http_body_util::Limited::new(body, usize::try_from(limit).unwrap_or(usize::MAX))
        .map_err(move |err| -> Box<dyn std::error::Error + Send + Sync> {
            if err.is::<http_body_util::LengthLimitError>() {
                Box::new(ResponseTooLarge { limit })
            } else {
                err
            }
        });
    // Rebuilt through the builder to keep the URL, which the conversion would otherwise replace
    // by a placeholder.
    let mut builder = reqwest::ResponseBuilderExt::url(
        http::response::Builder::new()
            .status(parts.status)
            .version(parts.version),
        url,
    );
    if let Some(headers) = builder.headers_mut() {
        *headers = parts.headers;
    }
    let response = builder
        .body(reqwest::Body::wrap(capped))
        .expect("status and version come from a valid response");
    Ok(reqwest::Response::from(response))
}

/// Installs ring as the process-wide rustls provider, unless the program installed one already.
///
/// Call it before building a `reqwest::Client` of your own to pass to `new_with_client`.
pub fn install_crypto_provider() {
    if rustls::crypto::CryptoProvider::get_default().is_none() {
        // Losing a race to another thread installing a provider is fine: one is installed.
        let _ = rustls::crypto::ring::default_provider().install_default();
    }
}

/// Prepares a generated client's request: strips `api-version`, sets `User-Agent` and
/// `Authorization` (marked sensitive, so it is redacted from reqwest's `Debug`), and applies
/// the path override of `operation_id`.
pub fn prepare_request(
    options: &ClientOptions,
    baseurl: &str,
    request: &mut reqwest::Request,
    operation_id: &str,
) -> Result<(), PrepareError> {
    let headers = request.headers_mut();
    headers.remove(API_VERSION_HEADER);
    let user_agent = HeaderValue::from_str(&options.user_agent)
        .map_err(|_| PrepareError::InvalidUserAgent(options.user_agent.clone()))?;
    headers.insert(USER_AGENT, user_agent);
    if let Some(key) = &options.api_key {
        let mut value = HeaderValue::from_str(&format!("Bearer {}", key.expose()))
            .map_err(|_| PrepareError::InvalidApiKey)?;
        value.set_sensitive(true);
        headers.insert(AUTHORIZATION, value);
    }
    if let Some(path) = options.path_override(operation_id) {
        if !path.starts_with('/') {
            return Err(PrepareError::InvalidPathOverride {
                operation_id: operation_id.to_owned(),
                path: path.to_owned(),
            });
        }
        let base = reqwest::Url::parse(baseurl)
            .map_err(|_| PrepareError::InvalidBaseUrl(baseurl.to_owned()))?;
        let full = format!("{}{path}", base.path().trim_end_matches('/'));
        request.url_mut().set_path(&full);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(url: &str) -> reqwest::Request {
        let mut request = reqwest::Request::new(reqwest::Method::POST, url.parse().unwrap());
        request
            .headers_mut()
            .insert(API_VERSION_HEADER, HeaderValue::from_static("1.0.0"));
        request
    }

    #[test]
    fn strips_api_version_and_sets_headers() {
        let options = ClientOptions::default().with_api_key("sk-secret");
        let mut req = request("https://api.example.com/v1/x");
        prepare_request(&options, "https://api.example.com/v1", &mut req, "op").unwrap();
        let headers = req.headers();
        assert!(headers.get(API_VERSION_HEADER).is_none());
        assert_eq!(headers[USER_AGENT], USER_AGENT_VALUE);
        assert_eq!(headers[AUTHORIZATION], "Bearer sk-secret");
        assert!(headers[AUTHORIZATION].is_sensitive());
    }

    #[test]
    fn applies_path_override_under_the_base_path() {
        let options = ClientOptions::default().with_path_override("submit", "/a/b");
        let mut req = request("https://api.example.com/api/v1/a/b/async?x=1");
        prepare_request(
            &options,
            "https://api.example.com/api/v1/",
            &mut req,
            "submit",
        )
        .unwrap();
        assert_eq!(req.url().as_str(), "https://api.example.com/api/v1/a/b?x=1");

        let mut untouched = request("https://api.example.com/api/v1/other");
        prepare_request(
            &options,
            "https://api.example.com/api/v1",
            &mut untouched,
            "other",
        )
        .unwrap();
        assert_eq!(untouched.url().path(), "/api/v1/other");
    }

    #[test]
    fn rejects_relative_override() {
        let options = ClientOptions::default().with_path_override("submit", "a/b");
        let mut req = request("https://api.example.com/x");
        let err =
            prepare_request(&options, "https://api.example.com", &mut req, "submit").unwrap_err();
        assert!(matches!(err, PrepareError::InvalidPathOverride { .. }));
    }

    #[test]
    fn api_key_is_redacted_everywhere() {
        let options = ClientOptions::default().with_api_key("sk-secret");
        assert!(!format!("{options:?}").contains("sk-secret"));
        let mut req = request("https://api.example.com/x");
        prepare_request(&options, "https://api.example.com", &mut req, "op").unwrap();
        assert!(!format!("{req:?}").contains("sk-secret"));
        let bad = ClientOptions::default().with_api_key("sk-\nsecret");
        let err = prepare_request(&bad, "https://api.example.com", &mut req, "op").unwrap_err();
        assert!(!err.to_string().contains("secret"));
    }

    /// Serves each accepted connection the next canned response, and returns its address and
    /// the requests received (head and body as text).
    async fn serve(
        responses: Vec<Vec<u8>>,
    ) -> (
        std::net::SocketAddr,
        std::sync::Arc<std::sync::Mutex<Vec<String>>>,
    ) {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let log = seen.clone();
        tokio::spawn(async move {
            for response in responses {
                let Ok((mut socket, _)) = listener.accept().await else {
                    return;
                };
                let mut buffer = vec![0u8; 64 * 1024];
                let n = socket.read(&mut buffer).await.unwrap_or(0);
                log.lock()
                    .unwrap()
                    .push(String::from_utf8_lossy(&buffer[..n]).into_owned());
                let _ = socket.write_all(&response).await;
                let _ = socket.shutdown().await;
            }
        });
        (addr, seen)
    }

    fn response(head: &str, body: &[u8]) -> Vec<u8> {
        let mut bytes = format!(
            "HTTP/1.1 {head}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
            body.len()
        )
        .into_bytes();
        bytes.extend_from_slice(body);
        bytes
    }

    #[tokio::test]
    async fn redirects_to_another_origin_are_not_followed() {
        let (other, other_seen) = serve(vec![response("200 OK", b"{}")]).await;
        let redirect = format!(
            "HTTP/1.1 307 Temporary Redirect\r\nlocation: http://{other}/steal\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
        );
        let (api, _) = serve(vec![redirect.into_bytes()]).await;
        let client = http_client(&ClientOptions::default()).unwrap();
        let response = client
            .post(format!("http://{api}/submit"))
            .body("secret prompt")
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.status(),
            307,
            "the redirect is returned, not followed"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(
            other_seen.lock().unwrap().is_empty(),
            "the other origin saw nothing"
        );
    }

    #[tokio::test]
    async fn redirects_within_the_origin_are_followed() {
        let (api, seen) = serve(vec![
            b"HTTP/1.1 307 Temporary Redirect\r\nlocation: /v2/submit\r\ncontent-length: 0\r\nconnection: close\r\n\r\n".to_vec(),
            response("200 OK", b"done"),
        ])
        .await;
        let client = http_client(&ClientOptions::default()).unwrap();
        let response = client
            .get(format!("http://{api}/submit?signature=s3cret"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.text().await.unwrap(), "done");
        let seen = seen.lock().unwrap();
        assert!(seen[1].starts_with("GET /v2/submit"), "{seen:?}");
        assert!(
            !seen[1].to_ascii_lowercase().contains("referer"),
            "no Referer on the redirected request: {seen:?}"
        );
    }

    #[tokio::test]
    async fn response_bodies_are_capped() {
        let big = vec![b'x'; 4096];
        let (api, _) = serve(vec![
            response("200 OK", &big),
            response("200 OK", &big[..100]),
        ])
        .await;
        let options = ClientOptions::default().with_max_response_bytes(1000);
        let client = http_client(&options).unwrap();
        let request = client.get(format!("http://{api}/status")).build().unwrap();
        let response = execute(&client, request, &options).await.unwrap();
        assert_eq!(response.url().path(), "/status", "the URL survives the cap");
        let err = response.bytes().await.unwrap_err();
        assert_eq!(
            ResponseTooLarge::find(&err),
            Some(ResponseTooLarge { limit: 1000 })
        );
        let request = client.get(format!("http://{api}/status")).build().unwrap();
        let response = execute(&client, request, &options).await.unwrap();
        assert_eq!(
            response.bytes().await.unwrap().len(),
            100,
            "small bodies pass"
        );
    }

    #[test]
    fn builds_a_client_without_a_preinstalled_provider() {
        http_client(&ClientOptions::default()).unwrap();
    }
}
