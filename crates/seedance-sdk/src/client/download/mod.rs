//! Downloads: the video URL is checked before any request, the bytes stream into a temporary file
//! created exclusively (random name, in the target's directory) that is renamed into place only
//! when the whole video has arrived and reached the disk, and a broken transfer resumes with
//! `Range` where it stopped. The HTTP client carries no credentials.

use std::{
    hash::{BuildHasher, Hasher},
    io::{Seek, Write},
    path::{Path, PathBuf},
    time::Duration,
};

use futures_util::StreamExt;
use reqwest::{StatusCode, Url, header};
use tokio::task::JoinHandle;

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

/// Bytes gathered before one write. Measured on Linux 6.18/ext4 (BENCHMARKS.md): far fewer
/// writes than one per network chunk, and a buffer small enough to stay in the CPU cache; writes
/// of 2 MiB and more were 2-3 times slower there. Two buffers (one filling, one being written)
/// bound the memory whatever the file size.
const BATCH_BYTES: usize = 1024 * 1024;
/// Bytes written between two starts of early writeback: the final `sync_all` then waits only
/// for the tail instead of the whole file (see [`PartFile`]).
const SYNC_EVERY: u64 = 32 * 1024 * 1024;
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

/// The file name used for a target without one.
const FALLBACK_NAME: &str = "video.mp4";

/// Checks that `path` can receive a file, before any request: its directory exists, and it is
/// not a directory nor anything but a regular file.
async fn check_target(path: &Path) -> Result<PathBuf> {
    let refuse = |kind, message: String| Error::Io {
        path: path.to_owned(),
        source: std::io::Error::new(kind, message),
    };
    if path.file_name().is_none() {
        return Err(refuse(
            std::io::ErrorKind::InvalidInput,
            "names no file; give the path of the file to write".into(),
        ));
    }
    let dir = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_owned(),
        _ => PathBuf::from("."),
    };
    match tokio::fs::metadata(&dir).await {
        Ok(meta) if meta.is_dir() => {}
        Ok(_) => {
            return Err(refuse(
                std::io::ErrorKind::NotADirectory,
                format!("{} is not a directory", dir.display()),
            ));
        }
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            return Err(refuse(
                std::io::ErrorKind::NotFound,
                format!(
                    "its directory {} does not exist; create it first",
                    dir.display()
                ),
            ));
        }
        Err(source) => {
            return Err(Error::Io { path: dir, source });
        }
    }
    match tokio::fs::metadata(path).await {
        Ok(meta) if meta.is_dir() => Err(refuse(
            std::io::ErrorKind::IsADirectory,
            "is a directory; name a file inside it".into(),
        )),
        Ok(meta) if !meta.is_file() => Err(refuse(
            std::io::ErrorKind::InvalidInput,
            "exists and is not a regular file; name another file".into(),
        )),
        _ => Ok(dir),
    }
}

/// A temporary file in the target's directory, created exclusively under a random name (so a
/// planted file or symlink is never opened), and removed unless it was renamed into place.
///
/// Bytes are copied into batches of [`BATCH_BYTES`] and written by a blocking task while the
/// next batch fills. Copying lets the HTTP stack reuse its read buffer at once (a chunk kept
/// alive pins its whole buffer). Every [`SYNC_EVERY`] bytes, a second blocking task flushes what
/// was written so far (`sync_data` on a clone of the handle) while the download goes on, so the
/// disk works during the transfer rather than after it.
struct PartFile {
    path: PathBuf,
    /// The file, while no write is in flight.
    file: Option<std::fs::File>,
    /// The write in flight: it returns the file and the emptied batch for reuse.
    pending: Option<JoinHandle<Written>>,
    batch: Vec<u8>,
    spare: Vec<u8>,
    /// Bytes handed to the writer since the last early writeback.
    unsynced: u64,
    syncer: Option<Syncer>,
    kept: bool,
}

/// What a write task returns: the file, its batch (to reuse), and the outcome.
type Written = (std::fs::File, Vec<u8>, std::io::Result<()>);

/// The early-writeback task: each message asks for one `sync_data`.
struct Syncer {
    nudge: std::sync::mpsc::SyncSender<()>,
    task: JoinHandle<std::io::Result<()>>,
}

impl Syncer {
    fn start(file: &std::fs::File) -> std::io::Result<Syncer> {
        let file = file.try_clone()?;
        // One waiting request is enough: a sync covers everything written before it starts.
        let (nudge, requests) = std::sync::mpsc::sync_channel::<()>(1);
        let task = tokio::task::spawn_blocking(move || {
            for () in requests {
                // An error must fail the download: Linux reports a writeback error once per
                // open file description, and the final `sync_all` shares this one.
                file.sync_data()?;
            }
            Ok(())
        });
        Ok(Syncer { nudge, task })
    }

    /// Stops the task; returns the first error of its syncs.
    async fn stop(self) -> std::io::Result<()> {
        drop(self.nudge);
        self.task
            .await
            .map_err(|join| std::io::Error::other(join.to_string()))?
    }
}

impl PartFile {
    async fn create(dir: &Path, target: &Path) -> Result<PartFile> {
        let name = target.file_name().map_or_else(
            || FALLBACK_NAME.into(),
            |n| n.to_string_lossy().into_owned(),
        );
        let mut last_error = None;
        // A collision with an existing name (planted or not) just draws another name.
        for _ in 0..16 {
            let path = dir.join(format!(".{name}.{}.part", random_suffix()));
            let mut options = tokio::fs::OpenOptions::new();
            options.write(true).create_new(true);
            match options.open(&path).await {
                Ok(file) => {
                    return Ok(PartFile {
                        path,
                        file: Some(file.into_std().await),
                        pending: None,
                        batch: Vec::new(),
                        spare: Vec::new(),
                        unsynced: 0,
                        syncer: None,
                        kept: false,
                    });
                }
                Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => {
                    last_error = Some((path, err));
                }
                Err(source) => return Err(Error::Io { path, source }),
            }
        }
        let (path, source) = last_error.expect("the loop ran");
        Err(Error::Io { path, source })
    }

    fn io_error(&self, source: std::io::Error) -> Error {
        Error::Io {
            path: self.path.clone(),
            source,
        }
    }

    async fn push(&mut self, mut chunk: &[u8]) -> Result<()> {
        while !chunk.is_empty() {
            let room = BATCH_BYTES - self.batch.len();
            let (now, later) = chunk.split_at(room.min(chunk.len()));
            let wanted = self.batch.len() + now.len();
            if wanted > self.batch.capacity() {
                // Doubling up to the batch size, never past it: a small video keeps a small
                // buffer, and many downloads at once stay cheap.
                let capacity = (self.batch.capacity() * 2).clamp(wanted, BATCH_BYTES);
                self.batch.reserve_exact(capacity - self.batch.len());
            }
            self.batch.extend_from_slice(now);
            chunk = later;
            if self.batch.len() >= BATCH_BYTES {
                self.write_batch().await?;
            }
        }
        Ok(())
    }

    /// Waits for the write in flight, if any, and takes the file back.
    async fn settle(&mut self) -> Result<()> {
        if let Some(pending) = self.pending.take() {
            let (file, mut spare, outcome) = pending.await.map_err(|join| {
                self.io_error(std::io::Error::other(format!(
                    "the writer task failed: {join}"
                )))
            })?;
            self.file = Some(file);
            spare.clear();
            self.spare = spare;
            outcome.map_err(|source| self.io_error(source))?;
        }
        Ok(())
    }

    /// Starts writing the current batch (after the previous write ended).
    async fn write_batch(&mut self) -> Result<()> {
        self.settle().await?;
        if self.batch.is_empty() {
            return Ok(());
        }
        let batch = std::mem::replace(&mut self.batch, std::mem::take(&mut self.spare));
        self.unsynced += batch.len() as u64;
        let mut file = self.file.take().expect("settled");
        let mut nudge = None;
        if self.unsynced >= SYNC_EVERY {
            self.unsynced = 0;
            if self.syncer.is_none() {
                self.syncer = Some(Syncer::start(&file).map_err(|source| self.io_error(source))?);
            }
            nudge = self.syncer.as_ref().map(|s| s.nudge.clone());
        }
        self.pending = Some(tokio::task::spawn_blocking(move || {
            let outcome = file.write_all(&batch);
            if let Some(nudge) = nudge {
                // Full means a sync is already queued, and it will cover these bytes.
                let _ = nudge.try_send(());
            }
            (file, batch, outcome)
        }));
        Ok(())
    }

    /// Writes everything received so far.
    async fn flush(&mut self) -> Result<()> {
        self.write_batch().await?;
        self.settle().await
    }

    /// Empties the file, for a transfer that starts over.
    async fn truncate(&mut self) -> Result<()> {
        self.settle().await?;
        self.batch.clear();
        let mut file = self.file.take().expect("settled");
        let (file, outcome) = tokio::task::spawn_blocking(move || {
            let outcome = file.set_len(0).and_then(|()| file.rewind());
            (file, outcome)
        })
        .await
        .map_err(|join| self.io_error(std::io::Error::other(join.to_string())))?;
        self.file = Some(file);
        outcome.map_err(|source| self.io_error(source))
    }

    /// Writes the rest, waits until the bytes are on disk, and renames the file to `target`.
    async fn keep(mut self, target: &Path) -> Result<()> {
        self.flush().await?;
        if let Some(syncer) = self.syncer.take() {
            syncer
                .stop()
                .await
                .map_err(|source| self.io_error(source))?;
        }
        let file = self.file.take().expect("settled");
        let from = self.path.clone();
        let to = target.to_owned();
        let outcome = tokio::task::spawn_blocking(move || {
            file.sync_all().map_err(|err| (from.clone(), err))?;
            drop(file);
            std::fs::rename(&from, &to).map_err(|err| (to.clone(), err))?;
            // The rename is durable once the directory is: without this, a crash could leave
            // the old file (or none) in place of the complete one.
            #[cfg(unix)]
            {
                let dir = match to.parent() {
                    Some(parent) if !parent.as_os_str().is_empty() => parent,
                    _ => Path::new("."),
                };
                if let Ok(dir) = std::fs::File::open(dir) {
                    let _ = dir.sync_all();
                }
            }
            Ok::<_, (PathBuf, std::io::Error)>(())
        })
        .await
        .map_err(|join| self.io_error(std::io::Error::other(join.to_string())))?;
        match outcome {
            Ok(()) => {
                self.kept = true;
                Ok(())
            }
            // Dropping `self` removes the temporary file, also after a failed rename.
            Err((path, source)) => Err(Error::Io { path, source }),
        }
    }

    /// Waits for the write in flight, then removes the file.
    async fn discard(mut self) {
        let _ = self.settle().await;
        if let Some(syncer) = self.syncer.take() {
            let _ = syncer.stop().await;
        }
        self.file = None;
        let _ = tokio::fs::remove_file(&self.path).await;
        self.kept = true;
    }
}

impl Drop for PartFile {
    fn drop(&mut self) {
        // Reached when the download future is dropped midway, or after a failed rename.
        if !self.kept {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// 16 hex digits from the std hasher's per-process random keys, the clock and a counter.
fn random_suffix() -> String {
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
    hasher.write_u32(std::process::id());
    if let Ok(now) = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
        hasher.write_u128(now.as_nanos());
    }
    format!("{:016x}", hasher.finish())
}

/// How far the transfer got, across attempts.
#[derive(Debug, Default)]
struct Transfer {
    /// Bytes received and accepted (written, or batched for writing).
    received: u64,
    /// The video's size, once a response announced it.
    total: Option<u64>,
    /// The first bytes of the video, to check that it is an MP4.
    head: Vec<u8>,
    /// `If-Range` validator (a strong ETag, or Last-Modified) of the response being resumed.
    validator: Option<header::HeaderValue>,
}

/// How the MP4 check (an `ftyp` box first) reads the first bytes.
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
    /// address), and so must every redirect (10 at most). The body must start like an MP4 (an
    /// `ftyp` box) and match its `Content-Length`. On any failure, an existing file at `path` is
    /// left untouched and no temporary file remains.
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
                if transfer.head.len() == HEAD_LEN && !is_mp4_head(&transfer.head) {
                    return Err(not_mp4(source, code, content_type.as_deref()));
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
            return Err(not_mp4(source, code, content_type.as_deref()));
        }
        Ok(Attempt::Done)
    }

    fn expired(&self, source: &Source) -> Error {
        Error::Expired {
            what: format!("the video URL at {}", source.origin),
        }
    }
}

fn is_mp4_head(head: &[u8]) -> bool {
    head.get(4..8) == Some(b"ftyp")
}

fn not_mp4(source: &Source, status: u16, content_type: Option<&str>) -> Error {
    let sent = content_type
        .map(|t| format!(" (Content-Type {t:?})"))
        .unwrap_or_default();
    source.error(
        Some(status),
        format!(
            "answered with something that is not an MP4 video{sent}, perhaps an error page; \
             the URL may have expired: check the task's status"
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
mod tests {
    use super::*;

    fn url(text: &str) -> Url {
        Url::parse(text).unwrap()
    }

    #[test]
    fn content_range_is_read_strictly() {
        assert_eq!(parse_content_range("bytes 10-99/100"), Some((10, 99, 100)));
        for bad in [
            "bytes 10-99/*",
            "bytes */100",
            "bytes 10-100/100",
            "bytes 20-10/100",
            "items 0-1/2",
            "bytes 1-2",
        ] {
            assert_eq!(parse_content_range(bad), None, "{bad}");
        }
    }

    #[test]
    fn redirect_hops_follow_the_first_urls_rule() {
        let https = url("https://cdn.example/v.mp4?sig=secret");
        let http = url("http://127.0.0.1:9/v.mp4");
        assert!(check_hop(&https, &url("https://other.example/x")).is_ok());
        let refusal =
            check_hop(&https, &url("http://other.example:8080/x?sig=secret")).unwrap_err();
        assert!(refusal.contains("http://other.example:8080"), "{refusal}");
        assert!(!refusal.contains("secret"), "{refusal}");
        assert!(check_hop(&https, &url("ftp://other.example/x")).is_err());
        assert!(check_hop(&https, &url("file:///etc/passwd")).is_err());
        // A chain that may use http (loopback API) still needs http(s) with a host.
        assert!(check_hop(&http, &url("http://127.0.0.1:10/x")).is_ok());
        assert!(check_hop(&http, &url("file:///etc/passwd")).is_err());
    }

    #[test]
    fn origins_never_show_path_query_or_credentials() {
        assert_eq!(
            origin_of(&url(
                "https://user:pw@cdn.example:8443/a/b.mp4?X-Sig=secret#f"
            )),
            "https://cdn.example:8443"
        );
        assert_eq!(origin_of(&url("http://[::1]/v.mp4")), "http://[::1]");
        assert!(is_loopback(&url("http://localhost:8080/api")));
        assert!(is_loopback(&url("http://127.0.0.2/api")));
        assert!(is_loopback(&url("http://[::1]:1/api")));
        assert!(!is_loopback(&url("https://api.example.com")));
        assert!(!is_loopback(&url("http://10.0.0.1/api")));
    }
}
