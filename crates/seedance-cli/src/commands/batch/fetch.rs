//! The last steps of a job: the video downloaded (again, when a rerun finds it missing), hashed,
//! recorded, and its manifest written.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use seedance_journal::{Job, JobState, Sha256Hasher};
use seedance_sdk::{TaskHandle, TaskStatus, Video};
use serde_json::json;

use super::{manifest, report::Outcome, runner::Runner};
use crate::text::printable;

impl Runner {
    /// finished -> downloaded: the video, its hash, the journal, then the manifest.
    pub(super) async fn download(&self, job: &Job, video: &Video) -> Result<Result<Job, Outcome>> {
        let output = self.spec.output.clone();
        let video = match self.fresh(job, video).await? {
            Ok(video) => video,
            Err(outcome) => return Ok(Err(outcome)),
        };
        let bytes = self.fetch(&video, &output).await?;
        let sha256 = sha256_file(output.clone()).await?;
        let key = self.key();
        let shown = output.display().to_string();
        let job = self
            .context
            .journal(move |j| j.record_downloaded(&key, &shown, bytes, &sha256))
            .await?;
        manifest::write(&job, &output, &self.facts(&job).await?)?;
        self.event(
            "downloaded",
            &output.display().to_string(),
            json!({"output": output, "bytes": bytes}),
        );
        Ok(Ok(job))
    }

    /// A downloaded job whose file is gone or changed: downloaded again from the recorded URL.
    pub(super) async fn redownload(&self, job: &Job) -> Result<Outcome> {
        let Some(video) = job
            .video_json
            .as_deref()
            .and_then(|text| serde_json::from_str::<Video>(text).ok())
        else {
            return Ok(Outcome::Failed(
                "the journal holds no video for this job".into(),
            ));
        };
        let JobState::Downloaded { path, sha256, .. } = &job.state else {
            return Ok(Outcome::Failed("not downloaded".into()));
        };
        let output = PathBuf::from(path);
        self.event(
            "redownloading",
            &format!("{path} is missing or changed"),
            json!({}),
        );
        let video = match self.fresh(job, &video).await? {
            Ok(video) => video,
            Err(outcome) => return Ok(outcome),
        };
        self.fetch(&video, &output).await?;
        let hash = sha256_file(output.clone()).await?;
        if &hash != sha256 {
            return Ok(Outcome::Failed(format!(
                "{path} was downloaded again but its SHA-256 {hash} differs from the recorded {sha256}"
            )));
        }
        manifest::write(job, &output, &self.facts(job).await?)?;
        self.event("downloaded", path, json!({"output": output}));
        Ok(Outcome::Succeeded)
    }

    /// `video`, or when its URL has expired the video of a fresh status, if the provider still
    /// has one.
    pub(super) async fn fresh(&self, job: &Job, video: &Video) -> Result<Result<Video, Outcome>> {
        if !video.is_expired() {
            return Ok(Ok(video.clone()));
        }
        let handle: Option<TaskHandle> = job.handle_json.as_deref().and_then(|t| t.parse().ok());
        if let Some(handle) = handle
            && let Ok(TaskStatus::Succeeded(renewed)) = self.clients.api.status(&handle).await
            && !renewed.is_expired()
        {
            return Ok(Ok(renewed));
        }
        let reason = format!(
            "the video URL expired at unix time {}; the provider no longer serves the file",
            video.expires_at.unwrap_or(0)
        );
        self.event("url_expired", &reason, json!({"reason": reason}));
        Ok(Err(Outcome::Attention(reason)))
    }

    pub(super) async fn fetch(&self, video: &Video, output: &Path) -> Result<u64> {
        if let Some(parent) = output.parent() {
            std::fs::create_dir_all(parent).with_context(|| {
                format!("cannot create {}", printable(&parent.display().to_string()))
            })?;
        }
        Ok(self.clients.download.download(video, output).await?)
    }
}

/// The SHA-256 of the file at `path`, read in chunks on a blocking thread.
async fn sha256_file(path: PathBuf) -> Result<String> {
    tokio::task::spawn_blocking(move || -> Result<String> {
        use std::io::Read;
        let mut file = std::fs::File::open(&path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let mut hasher = Sha256Hasher::default();
        let mut buffer = vec![0; 1 << 16];
        loop {
            let read = file.read(&mut buffer)?;
            if read == 0 {
                return Ok(hasher.finish_hex());
            }
            hasher.update(&buffer[..read]);
        }
    })
    .await
    .context("hashing panicked")?
}
