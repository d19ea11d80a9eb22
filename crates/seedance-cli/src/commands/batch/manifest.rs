//! The sidecar manifest `<id>.json` written beside each video: what was asked, of whom, what
//! came back, and the file's size and SHA-256.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use seedance_journal::{Job, JobState};
use seedance_sdk::{TaskHandle, Video};
use serde_json::{Value, json};

/// Where the manifest of the video at `output` goes: the same name with `.json`.
pub(crate) fn path(output: &Path) -> PathBuf {
    output.with_extension("json")
}

/// What a manifest says beyond the journal's row of the job.
#[derive(Debug, Default)]
pub(crate) struct Facts {
    /// The provider's own id for the model, as the create body named it.
    pub(crate) model_id: Option<String>,
    /// The fields the submit changed to mark the request (`Client::tag_request`), as sent.
    pub(crate) mark: Option<Value>,
    /// Whether the task was adopted (found in the provider's list, or named with `--adopt`)
    /// rather than read from the submit's answer.
    pub(crate) adopted: bool,
}

/// The manifest of a downloaded `job`.
pub(crate) fn manifest(job: &Job, facts: &Facts) -> Value {
    let parse = |text: &Option<String>| -> Value {
        text.as_deref()
            .and_then(|text| serde_json::from_str(text).ok())
            .unwrap_or(Value::Null)
    };
    let request = serde_json::from_str::<Value>(&job.request_json).unwrap_or(Value::Null);
    let handle: Option<TaskHandle> = job
        .handle_json
        .as_deref()
        .and_then(|text| text.parse().ok());
    let video: Option<Video> = job
        .video_json
        .as_deref()
        .and_then(|text| serde_json::from_str(text).ok());
    let (file, bytes, sha256, downloaded_at) = match &job.state {
        JobState::Downloaded {
            path,
            bytes,
            sha256,
            downloaded_at,
        } => (
            Some(path.as_str()),
            Some(*bytes),
            Some(sha256.as_str()),
            Some(*downloaded_at),
        ),
        _ => (None, None, None, None),
    };
    json!({
        "id": job.key.id,
        "request_hash": job.key.request_hash,
        "provider": job.provider,
        "model": job.model,
        // The provider's own id for the model as the create body named it (null where the
        // provider names the model in its path).
        "model_id": facts.model_id,
        "request": request,
        // What the submit sent besides `request`: the mark that recognises its task.
        "submit_mark": facts.mark,
        "adopted": facts.adopted,
        "task_id": handle.as_ref().map(|handle| handle.task_id.clone()),
        "handle": parse(&job.handle_json),
        "submit_attempts": job.submit_count,
        "submit_started_at": job.submit_since,
        "submitted_at": job.submitted_at,
        "finished_at": job.finished_at,
        "downloaded_at": downloaded_at,
        // The seed the provider used, where it says (Ark); else the one asked for, if any.
        "seed": video
            .as_ref()
            .and_then(|video| video.seed)
            .map_or_else(|| request.get("seed").cloned().unwrap_or(Value::Null), Value::from),
        "usage": video.as_ref().and_then(|video| video.usage),
        "file": file,
        "bytes": bytes,
        "sha256": sha256,
        "video_host": video.as_ref().and_then(|video| host(&video.video_url)),
        "video_url_expires_at": video.as_ref().and_then(|video| video.expires_at),
    })
}

/// Writes the manifest of `job` beside `output`, through a temporary file renamed into place so
/// a crash never leaves half a manifest.
pub(crate) fn write(job: &Job, output: &Path, facts: &Facts) -> Result<PathBuf> {
    let target = path(output);
    let text =
        serde_json::to_string_pretty(&manifest(job, facts)).context("the manifest serializes")?;
    let temporary = target.with_extension(format!("json.{}.tmp", std::process::id()));
    std::fs::write(&temporary, format!("{text}\n"))
        .with_context(|| format!("cannot write {}", temporary.display()))?;
    std::fs::rename(&temporary, &target)
        .with_context(|| format!("cannot write {}", target.display()))?;
    Ok(target)
}

/// The host of `url`, never its path or signed query.
fn host(url: &str) -> Option<String> {
    let rest = url.split_once("://")?.1;
    let authority = rest.split(['/', '?', '#']).next()?;
    let host = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);
    (!host.is_empty()).then(|| host.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_host_is_all_that_is_kept_of_the_url() {
        assert_eq!(
            host("https://cdn.example.com:8443/v.mp4?X-Signature=secret").as_deref(),
            Some("cdn.example.com:8443")
        );
        assert_eq!(host("http://user:pw@h/x").as_deref(), Some("h"));
        assert_eq!(host("nonsense"), None);
        assert_eq!(path(Path::new("out/3.mp4")), Path::new("out/3.json"));
    }
}
