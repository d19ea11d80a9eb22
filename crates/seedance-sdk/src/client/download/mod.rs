//! Downloads: the video URL is checked before any request, the bytes stream into a temporary file
//! created exclusively (random name, in the target's directory) that is renamed into place only
//! when the whole video has arrived and reached the disk, and a broken transfer resumes with
//! `Range` where it stopped. The HTTP client carries no credentials.

use std::{path::Path, time::Duration};

use futures_util::StreamExt;
use reqwest::{StatusCode, Url, header};

mod file;

use self::file::{PartFile, check_target};
use super::{
    Client,
    retry::{LogLevel, Retries},
};
use crate::{
    base_url::is_loopback,
    error::{Error, Result},
    providers,
    task::Video,
};

/// Redirect hops followed at most, as browsers and reqwest's default do.
const MAX_REDIRECTS: usize = 10;

/// The HTTP client for downloads: no credentials, no `Referer`, and no overall timeout (a large
/// video may take long); a stall is caught by the read timeout. Each redirect hop must satisfy
/// the rule the first URL did (see [`check_hop`]).
pub(super) fn http_client(
    connect_timeout: Duration,
    read_timeout: Duration,
) -> std::result::Result<reqwest::Client, seedance_runtime::BuildError> {
    let redirects = reqwest::redirect::Policy::custom(|attempt| {
        if attempt.previous().len() > MAX_REDIRECTS {
            return attempt.error(format!("more than {MAX_REDIRECTS} redirects"));
        }
        let verdict = match attempt.previous().first() {
            Some(first) => check_hop(first, attempt.url()),
            None => Ok(()),
        };
        match verdict {
            Ok(()) => attempt.follow(),
            Err(refusal) => attempt.error(refusal),
        }
    });
    let options = seedance_runtime::ClientOptions::default()
        .with_timeout(None)
        .with_connect_timeout(connect_timeout)
        .with_read_timeout(read_timeout);
    let client = seedance_runtime::http_client_builder(&options)
        .redirect(redirects)
        .build()?;
    Ok(client)
}

/// `scheme://host[:port]` of `url`: what errors may show (never the path, the signed query
/// string or credentials).
fn origin_of(url: &Url) -> String {
    let host = url.host_str().unwrap_or_default();
    match url.port() {
        Some(port) => format!("{}://{host}:{port}", url.scheme()),
        None => format!("{}://{host}", url.scheme()),
    }
}

/// The rule every video URL follows: http(s) with a host, and https unless plain http is allowed
/// (the API itself is on a loopback address: a simulator or a test server).
fn check_url(url: &Url, http_allowed: bool) -> std::result::Result<(), String> {
    match url.scheme() {
        "https" => {}
        "http" if http_allowed => {}
        "http" => {
            return Err(
                "it uses plain http, which anyone on the path can read or alter; a video URL \
                 must use https (plain http is accepted only while the API is on a loopback address)"
                    .into(),
            );
        }
        scheme => return Err(format!("its scheme {scheme:?} is not http(s)")),
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err("it has no host".into());
    }
    Ok(())
}

/// Whether a redirect from a chain that started at `first` may go to `next`. The first URL passed
/// [`check_url`] before it was requested, and it could be plain http only because the API was
/// on a loopback address; so plain http stays allowed exactly when the chain started with it.
fn check_hop(first: &Url, next: &Url) -> std::result::Result<(), String> {
    check_url(next, first.scheme() == "http")
        .map_err(|why| format!("refused a redirect to {}: {why}", origin_of(next)))
}

/// How far the transfer got, across attempts.
#[derive(Debug, Default)]
struct Transfer {
    /// Bytes received and accepted (written, or batched for writing).
    received: u64,
    /// The video's size, once a response announced it.
    total: Option<u64>,
    /// The first bytes of the video, to check that it is an MP4 or QuickTime file.
    head: Vec<u8>,
    /// `If-Range` validator (a strong ETag, or Last-Modified) of the response being resumed.
    validator: Option<header::HeaderValue>,
}

/// How many first bytes the container check (an `ftyp` box first, see [`is_video_head`]) reads.
const HEAD_LEN: usize = 8;

impl Transfer {
    fn restart(&mut self) {
        *self = Transfer::default();
    }
}

/// The video URL, checked, and what errors may say about it.
struct Source {
    url: Url,
    origin: String,
}

impl Source {
    fn error(&self, status: Option<u16>, message: impl Into<String>) -> Error {
        self.error_with(status, message, false)
    }

    fn error_with(
        &self,
        status: Option<u16>,
        message: impl Into<String>,
        retryable: bool,
    ) -> Error {
        Error::Download {
            host: self.origin.clone(),
            status,
            message: message.into(),
            retryable,
            retry_after: None,
            source: None,
        }
    }

    fn transport(&self, source: reqwest::Error) -> Error {
        let message = if source.is_timeout() {
            "the transfer stalled: no data within the read timeout"
        } else if source.is_connect() {
            "could not connect"
        } else if source.is_redirect() {
            "a redirect was refused"
        } else {
            "the connection broke before the video was complete"
        };
        Error::Download {
            host: self.origin.clone(),
            status: None,
            message: message.into(),
            retryable: !source.is_redirect() && !source.is_builder(),
            retry_after: None,
            source: Some(source.without_url()),
        }
    }
}

/// What one attempt ended with.
enum Attempt {
    Done,
    /// The resume answer cannot be trusted: request the whole video again, at once.
    StartOver,
}

impl Client {
    /// Downloads `video` to `path`, streaming with constant memory into a temporary file in the
    /// same directory that is renamed into place when complete and on disk. The request carries
    /// no credentials: the video lives on another origin. A transfer that breaks is retried per
    /// the [`RetryPolicy`](crate::RetryPolicy), resuming where it stopped when the host
    /// supports `Range`. Returns the number of bytes written.
    ///
    /// The video URL must be `https` (plain `http` only while the API base URL is a loopback
    /// address), and so must every redirect (10 at most). The body must start like an MP4 or a
    /// QuickTime movie (an ISO base media file: an `ftyp` box first, whatever its brand, such as
    /// `isom`, `mp42` or QuickTime's `qt  `) and match its `Content-Length`. On any failure, an
    /// existing file at `path` is left untouched and no temporary file remains.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] naming the path when `path` cannot receive a file (its directory is missing,
    /// it is a directory, ...), before any request; [`Error::Expired`] when the URL has expired
    /// (by its documented lifetime, or a 410, or a 403/404 past that lifetime);
    /// [`Error::Download`] naming the video host for everything else the host did (refused URL,
    /// error status, broken or stalled transfer after retries, a body that is not the video).
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
        let source = self.video_source(video)?;
        let dir = check_target(path).await?;
        let mut part = PartFile::create(&dir, path).await?;
        let mut transfer = Transfer::default();
        let mut retries = Retries::new(&self.retry, "download", LogLevel::Debug);
        let outcome = loop {
            let result = self
                .download_once(video, &source, &mut part, &mut transfer, &mut progress)
                .await;
            let err = match result {
                Ok(Attempt::Done) => break Ok(()),
                // Not a retry: the host answered, just not with what can be resumed.
                Ok(Attempt::StartOver) => match part.truncate().await {
                    Ok(()) => {
                        transfer.restart();
                        continue;
                    }
                    Err(err) => err,
                },
                Err(err) => err,
            };
            let retryable = err.is_retryable();
            if let Err(err) = retries.wait(err, retryable).await {
                break Err(err);
            }
            // What arrived before the break is kept: the retry asks for the rest only.
            if let Err(io) = part.flush().await {
                break Err(io);
            }
        };
        match outcome {
            Ok(()) => {
                part.keep(path).await?;
                Ok(transfer.received)
            }
            Err(err) => {
                part.discard().await;
                Err(err)
            }
        }
    }

    /// The video URL, checked before any request: the provider's answer chooses it, so it is
    /// not trusted.
    fn video_source(&self, video: &Video) -> Result<Source> {
        let url = Url::parse(&video.video_url).map_err(|_| Error::Download {
            host: "an unreadable URL".into(),
            status: None,
            message: "the provider returned a video URL that is not a valid URL".into(),
            retryable: false,
            retry_after: None,
            source: None,
        })?;
        let origin = origin_of(&url);
        let http_allowed = Url::parse(self.base_url()).is_ok_and(|base| is_loopback(&base));
        check_url(&url, http_allowed).map_err(|why| Error::Download {
            host: origin.clone(),
            status: None,
            message: format!("the video URL was refused before any request: {why}"),
            retryable: false,
            retry_after: None,
            source: None,
        })?;
        Ok(Source { url, origin })
    }

    async fn download_once(
        &self,
        video: &Video,
        source: &Source,
        part: &mut PartFile,
        transfer: &mut Transfer,
        progress: &mut impl FnMut(u64, Option<u64>),
    ) -> Result<Attempt> {
        let resume_from = transfer.received;
        let mut request = self.download_http.get(source.url.clone());
        if resume_from > 0 {
            request = request.header(header::RANGE, format!("bytes={resume_from}-"));
            if let Some(validator) = &transfer.validator {
                request = request.header(header::IF_RANGE, validator.clone());
            }
        }
        let response = request.send().await.map_err(|err| source.transport(err))?;
        let status = response.status();
        let code = status.as_u16();
        match status {
            StatusCode::OK if resume_from > 0 => {
                // The host ignored the range (or the video changed): start over with this body.
                tracing::debug!(resume_from, "the video host sent the whole video again");
                part.truncate().await?;
                transfer.restart();
            }
            StatusCode::OK => {}
            StatusCode::PARTIAL_CONTENT if resume_from > 0 => {
                if !resumes_at(&response, resume_from, transfer.total) {
                    return Ok(Attempt::StartOver);
                }
            }
            StatusCode::PARTIAL_CONTENT => {
                return Err(source.error(
                    Some(code),
                    "answered 206 Partial Content to a request for the whole video",
                ));
            }
            StatusCode::RANGE_NOT_SATISFIABLE if resume_from > 0 => {
                return Ok(Attempt::StartOver);
            }
            StatusCode::GONE => return Err(self.expired(source)),
            StatusCode::FORBIDDEN | StatusCode::NOT_FOUND if video.is_expired() => {
                return Err(self.expired(source));
            }
            StatusCode::FORBIDDEN | StatusCode::NOT_FOUND => {
                return Err(source.error(
                    Some(code),
                    format!(
                        "answered {status}; the URL may have expired (results last about 24 h): \
                         check the task's status for a fresh URL"
                    ),
                ));
            }
            _ => {
                let retryable = matches!(code, 408 | 429 | 500..=599);
                let hint = if retryable {
                    "the host may recover: try again later"
                } else {
                    "the video cannot be fetched from this URL"
                };
                return Err(Error::Download {
                    host: source.origin.clone(),
                    status: Some(code),
                    message: format!("answered {status}; {hint}"),
                    retryable,
                    retry_after: providers::retry_after(response.headers()),
                    source: None,
                });
            }
        }
        if status == StatusCode::OK {
            transfer.total = response.content_length();
            transfer.validator = validator_of(response.headers());
        }
        let content_type = response
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(|v| v.chars().take(100).collect::<String>());
        let mut body = response.bytes_stream();
        while let Some(chunk) = body.next().await {
            let chunk = chunk.map_err(|err| source.transport(err))?;
            if chunk.is_empty() {
                continue;
            }
            if transfer.head.len() < HEAD_LEN {
                let wanted = (HEAD_LEN - transfer.head.len()).min(chunk.len());
                transfer.head.extend_from_slice(&chunk[..wanted]);
                if transfer.head.len() == HEAD_LEN && !is_video_head(&transfer.head) {
                    return Err(not_video(source, code, content_type.as_deref()));
                }
            }
            transfer.received += chunk.len() as u64;
            part.push(&chunk).await?;
            progress(transfer.received, transfer.total);
        }
        match transfer.total {
            Some(total) if transfer.received != total => {
                return Err(source.error_with(
                    None,
                    format!(
                        "the video ended after {} of {total} bytes",
                        transfer.received
                    ),
                    true,
                ));
            }
            _ => {}
        }
        if transfer.received == 0 {
            return Err(source.error(
                Some(code),
                "answered with an empty body instead of the video",
            ));
        }
        if transfer.head.len() < HEAD_LEN {
            return Err(not_video(source, code, content_type.as_deref()));
        }
        Ok(Attempt::Done)
    }

    fn expired(&self, source: &Source) -> Error {
        Error::Expired {
            what: format!("the video URL at {}", source.origin),
        }
    }
}

/// Whether `head` starts an ISO base media file: its first box is `ftyp`. That covers every MP4
/// (major brands `isom`, `mp41`, `mp42`, `avc1`, ...) and the QuickTime movies Ark returns for
/// `output_format: "mov"` (major brand `qt  `), while an error page, a JSON body or a truncated
/// answer never starts so. The brand is not checked: a list of MP4 brands would refuse a good
/// video written by an encoder it missed.
fn is_video_head(head: &[u8]) -> bool {
    head.get(4..8) == Some(b"ftyp")
}

fn not_video(source: &Source, status: u16, content_type: Option<&str>) -> Error {
    let sent = content_type
        .map(|t| format!(" (Content-Type {t:?})"))
        .unwrap_or_default();
    source.error(
        Some(status),
        format!(
            "answered with something that is not an MP4 or QuickTime video{sent}, perhaps an \
             error page; the URL may have expired: check the task's status"
        ),
    )
}

/// A validator for `If-Range`: a strong ETag, else Last-Modified.
fn validator_of(headers: &header::HeaderMap) -> Option<header::HeaderValue> {
    headers
        .get(header::ETAG)
        .filter(|etag| !etag.as_bytes().starts_with(b"W/"))
        .or_else(|| headers.get(header::LAST_MODIFIED))
        .cloned()
}

/// Whether a 206 continues the transfer: its `Content-Range` starts at `offset`, runs to the end
/// and agrees with the size announced before; its `Content-Length`, if any, with the range.
fn resumes_at(response: &reqwest::Response, offset: u64, total: Option<u64>) -> bool {
    let Some(range) = response
        .headers()
        .get(header::CONTENT_RANGE)
        .and_then(|v| v.to_str().ok())
        .and_then(parse_content_range)
    else {
        return false;
    };
    let (start, end, size) = range;
    let length_agrees = response
        .content_length()
        .is_none_or(|length| Some(length) == (end + 1).checked_sub(start));
    start == offset && end.checked_add(1) == Some(size) && total == Some(size) && length_agrees
}

/// `bytes <start>-<end>/<size>`.
fn parse_content_range(value: &str) -> Option<(u64, u64, u64)> {
    let rest = value.trim().strip_prefix("bytes ")?;
    let (range, size) = rest.split_once('/')?;
    let (start, end) = range.split_once('-')?;
    let (start, end, size) = (
        start.trim().parse().ok()?,
        end.trim().parse().ok()?,
        size.trim().parse().ok()?,
    );
    (start <= end && end < size).then_some((start, end, size))
}

#[cfg(test)]
mod tests;
