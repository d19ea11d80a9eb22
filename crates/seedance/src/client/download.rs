//! Downloads: streamed to a temporary file in the target's directory, renamed into place when
//! complete, through an HTTP client that carries no credentials.

use std::{
    path::{Path, PathBuf},
    time::Duration,
};

use futures_util::StreamExt;
use tokio::io::AsyncWriteExt;

use super::Client;
use crate::{
    error::{Error, Result},
    providers,
    task::Video,
};

/// The HTTP client for downloads: no credentials and no overall timeout (a large video may take
/// long); a stall is caught by the read timeout.
pub(super) fn http_client(
    connect_timeout: Duration,
    read_timeout: Duration,
) -> std::result::Result<reqwest::Client, seedance_runtime::BuildError> {
    let options = seedance_runtime::ClientOptions::default()
        .with_timeout(None)
        .with_connect_timeout(connect_timeout)
        .with_read_timeout(read_timeout);
    seedance_runtime::http_client(&options)
}

impl Client {
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
            let err = match self.download_once(video, path, &mut progress).await {
                Err(err) if err.is_retryable() => err,
                other => return other,
            };
            let Some(delay) = self.retry.delay(attempt, err.retry_after()) else {
                return Err(err);
            };
            tracing::debug!(attempt, ?delay, error = %err, "download failed; retrying");
            tokio::time::sleep(delay).await;
            attempt += 1;
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

fn partial_path(path: &Path) -> PathBuf {
    let mut name = path
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_else(|| "video.mp4".into());
    name.push(".part");
    path.with_file_name(name)
}
