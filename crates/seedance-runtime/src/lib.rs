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

/// Builds the `reqwest::Client` for `options` (timeouts, rustls with ring, no `Referer`).
pub fn http_client(options: &ClientOptions) -> Result<reqwest::Client, BuildError> {
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
    Ok(builder.build()?)
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

    #[test]
    fn builds_a_client_without_a_preinstalled_provider() {
        http_client(&ClientOptions::default()).unwrap();
    }
}
