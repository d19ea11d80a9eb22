//! Task handles and the normalized task status.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::{error::Error, provider::Provider};

mod parameters;

pub use parameters::TaskParameters;

/// Everything needed to find a submitted task again, from any process.
///
/// It serializes to a small JSON object; [`Display`](std::fmt::Display) and
/// [`FromStr`](std::str::FromStr) use that form, so a handle can be printed, stored and parsed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TaskHandle {
    /// The provider that runs the task.
    pub provider: Provider,
    /// The base URL the task was submitted to.
    pub base_url: String,
    /// The provider's task id.
    pub task_id: String,
    /// When the task was submitted, unix seconds.
    pub created_at: u64,
    /// The provider's estimate of the whole run, in seconds, when its submit answer gives one
    /// (odkkk's `task_info.estimated_time`); used to space polls.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub estimated_seconds: Option<u64>,
    /// What the submit answer said the task costs (odkkk's `usage.credits_reserved`); the
    /// finished video's [`Video::usage`] falls back to it when the status reports none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage: Option<Usage>,
}

impl TaskHandle {
    /// The handle of the task `task_id` that `provider` runs at `base_url`, submitted at
    /// `created_at` (unix seconds), with neither an estimate nor a cost; add those with
    /// [`TaskHandle::with_estimated_seconds`] and [`TaskHandle::with_usage`].
    ///
    /// [`Client::submit`](crate::Client::submit) makes handles; this is for a handle kept
    /// elsewhere (a database row, a test).
    ///
    /// ```
    /// use seedance_sdk::{Provider, TaskHandle};
    ///
    /// let handle = TaskHandle::new(Provider::Ark, "https://ark.example/api/v3", "cgt-1", 0)
    ///     .with_estimated_seconds(90);
    /// assert_eq!(handle.task_id, "cgt-1");
    /// assert_eq!(handle.estimated_seconds, Some(90));
    /// assert_eq!(handle.usage, None);
    /// ```
    pub fn new(
        provider: Provider,
        base_url: impl Into<String>,
        task_id: impl Into<String>,
        created_at: u64,
    ) -> Self {
        Self {
            provider,
            base_url: base_url.into(),
            task_id: task_id.into(),
            created_at,
            estimated_seconds: None,
            usage: None,
        }
    }

    /// The handle with the provider's estimate of the whole run, `seconds` from the submit
    /// ([`TaskHandle::estimated_seconds`]).
    #[must_use]
    pub fn with_estimated_seconds(mut self, seconds: u64) -> Self {
        self.estimated_seconds = Some(seconds);
        self
    }

    /// The handle with what the submit answer said the task costs ([`TaskHandle::usage`]).
    #[must_use]
    pub fn with_usage(mut self, usage: Usage) -> Self {
        self.usage = Some(usage);
        self
    }
}

impl std::fmt::Display for TaskHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let json = serde_json::to_string(self).map_err(|_| std::fmt::Error)?;
        f.write_str(&json)
    }
}

impl std::str::FromStr for TaskHandle {
    type Err = Error;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        serde_json::from_str(text.trim()).map_err(|err| {
            Error::InvalidHandle(format!(
                "{err}; expected the JSON printed by submit, with provider, base_url, task_id and created_at"
            ))
        })
    }
}

/// Where a task stands, the same for every provider.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum TaskStatus {
    /// Waiting to start.
    Queued,
    /// Generating.
    Running {
        /// Percent done, when the provider reports it.
        progress: Option<u8>,
        /// Estimated time left, when the provider reports it (whole seconds in JSON).
        #[serde(rename = "eta_seconds", with = "optional_seconds")]
        eta: Option<Duration>,
    },
    /// Done: the video is ready to download.
    Succeeded(Video),
    /// Ended in failure.
    Failed {
        /// The provider's failure code.
        code: Option<String>,
        /// Its message.
        message: String,
    },
    /// Cancelled.
    Cancelled,
    /// Abandoned by the provider after its execution expiry.
    Expired,
    /// A status the SDK does not know, as the provider wrote it; treated as still running.
    Unknown {
        /// The provider's value.
        raw: String,
    },
}

impl TaskStatus {
    /// Its state without details; `None` for a status the SDK does not know.
    pub fn state(&self) -> Option<TaskState> {
        Some(match self {
            TaskStatus::Queued => TaskState::Queued,
            TaskStatus::Running { .. } => TaskState::Running,
            TaskStatus::Succeeded(_) => TaskState::Succeeded,
            TaskStatus::Failed { .. } => TaskState::Failed,
            TaskStatus::Cancelled => TaskState::Cancelled,
            TaskStatus::Expired => TaskState::Expired,
            TaskStatus::Unknown { .. } => return None,
        })
    }

    /// Whether the task will not change any more.
    pub fn is_terminal(&self) -> bool {
        matches!(
            self,
            TaskStatus::Succeeded(_)
                | TaskStatus::Failed { .. }
                | TaskStatus::Cancelled
                | TaskStatus::Expired
        )
    }

    /// The video of a succeeded task, `None` while the task may still change (queued, running
    /// or in a state the SDK does not know), or the error a task that ended otherwise ended
    /// with. `handle` is the task's, and names it in the error.
    ///
    /// This is how [`Client::wait`](crate::Client::wait) reads each status; a caller that polls
    /// or watches by itself reads statuses the same way with it.
    ///
    /// # Errors
    ///
    /// [`Error::TaskFailed`] for a failed task, and for a cancelled one (code `cancelled`);
    /// [`Error::Expired`] for a task the provider abandoned.
    pub fn into_result(self, handle: &TaskHandle) -> Result<Option<Video>, Error> {
        let failed = |code: Option<String>, message: String| Error::TaskFailed {
            provider: handle.provider,
            task_id: handle.task_id.clone(),
            code,
            message,
        };
        match self {
            TaskStatus::Succeeded(video) => Ok(Some(video)),
            TaskStatus::Failed { code, message } => Err(failed(code, message)),
            TaskStatus::Cancelled => Err(failed(
                Some("cancelled".into()),
                "the task was cancelled".into(),
            )),
            TaskStatus::Expired => Err(Error::Expired {
                what: format!("task {}", handle.task_id),
            }),
            TaskStatus::Queued | TaskStatus::Running { .. } | TaskStatus::Unknown { .. } => {
                Ok(None)
            }
        }
    }
}

/// A finished video.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Video {
    /// Where to download it (another origin: it never receives the provider's API key).
    pub video_url: String,
    /// The last frame, when requested and returned.
    pub last_frame_url: Option<String>,
    /// When the URLs stop working, unix seconds (about 24 h after completion).
    pub expires_at: Option<u64>,
    /// What the task used, as the provider reports it with the finished task (Ark's token
    /// counts); `None` when it reports nothing (Modellix, Jiekou and odkkk's task status).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage: Option<Usage>,
    /// The seed the provider used, when it says (Ark); with a seed of -1 or none asked for, this
    /// is the one to ask for to get a similar video again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<i64>,
}

/// What a task used, in the provider's own units; each figure is `None` when the provider
/// does not report it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Usage {
    /// Tokens billed for the video (Ark's `usage.completion_tokens`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completion_tokens: Option<u64>,
    /// All tokens billed (Ark's `usage.total_tokens`, equal to `completion_tokens` for video).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_tokens: Option<u64>,
    /// Credits charged or reserved, for providers that bill in credits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credits: Option<f64>,
    /// Web searches the task ran (each one billed), when the provider reports it (Ark's
    /// `usage.tool_usage.web_search`, for a request with the web search tool).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub web_searches: Option<u64>,
}

impl Usage {
    /// `None` when no figure is known, so that an empty usage object is never shown.
    pub(crate) fn nonempty(self) -> Option<Self> {
        (self != Usage::default()).then_some(self)
    }
}

/// A task's status as a filter word: the states [`TaskStatus`] distinguishes, without their
/// details.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
#[serde(rename_all = "snake_case")]
pub enum TaskState {
    /// Waiting to start.
    Queued,
    /// Generating.
    Running,
    /// Done, with a video.
    Succeeded,
    /// Ended in failure.
    Failed,
    /// Cancelled while queued.
    Cancelled,
    /// Abandoned by the provider after its execution expiry.
    Expired,
}

impl TaskState {
    /// As on the wire (Ark's words).
    pub fn as_str(self) -> &'static str {
        match self {
            TaskState::Queued => "queued",
            TaskState::Running => "running",
            TaskState::Succeeded => "succeeded",
            TaskState::Failed => "failed",
            TaskState::Cancelled => "cancelled",
            TaskState::Expired => "expired",
        }
    }
}

impl std::fmt::Display for TaskState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Video {
    /// Whether the URL's documented lifetime is over.
    pub fn is_expired(&self) -> bool {
        self.expires_at.is_some_and(|at| at <= unix_now())
    }
}

/// Now, in unix seconds.
pub(crate) fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Result URLs are documented to stay valid for about 24 hours.
pub(crate) const RESULT_URL_LIFETIME: Duration = Duration::from_secs(24 * 3600);

/// Maps a status word the provider does not document to a normalized one when its meaning is
/// unambiguous, otherwise keeps it raw.
pub(crate) fn undocumented_status(raw: &str) -> TaskStatus {
    let lower = raw.to_ascii_lowercase();
    if lower.contains("cancel") {
        TaskStatus::Cancelled
    } else if lower.contains("expire") {
        TaskStatus::Expired
    } else {
        TaskStatus::Unknown {
            raw: raw.to_owned(),
        }
    }
}

mod optional_seconds {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(
        value: &Option<Duration>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            Some(duration) => s.serialize_some(&duration.as_secs()),
            None => s.serialize_none(),
        }
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Duration>, D::Error> {
        Ok(Option::<u64>::deserialize(d)?.map(Duration::from_secs))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handle_round_trips_through_text() {
        let handle = TaskHandle::new(
            Provider::Jiekou,
            "https://api.jiekou.ai",
            "830d9c90",
            1_767_225_600,
        );
        let text = handle.to_string();
        assert_eq!(
            text,
            r#"{"provider":"jiekou","base_url":"https://api.jiekou.ai","task_id":"830d9c90","created_at":1767225600}"#
        );
        assert_eq!(text.parse::<TaskHandle>().unwrap(), handle);
        assert!("nonsense".parse::<TaskHandle>().is_err());
    }

    #[test]
    fn a_status_reads_as_its_video_or_its_error() {
        let handle = TaskHandle::new(
            Provider::Modellix,
            "https://api.modellix.ai/api/v1",
            "t-1",
            0,
        );
        let video = Video {
            video_url: "https://cdn.example.com/v.mp4".into(),
            last_frame_url: None,
            expires_at: None,
            usage: None,
            seed: None,
        };
        let succeeded = TaskStatus::Succeeded(video.clone()).into_result(&handle);
        assert_eq!(succeeded.unwrap(), Some(video));
        for going in [
            TaskStatus::Queued,
            TaskStatus::Running {
                progress: Some(5),
                eta: None,
            },
            TaskStatus::Unknown {
                raw: "paused".into(),
            },
        ] {
            assert_eq!(going.into_result(&handle).unwrap(), None);
        }
        let failed = TaskStatus::Failed {
            code: Some("E1".into()),
            message: "bad".into(),
        };
        for (status, expect_code, expect_message) in [
            (failed, "E1", "bad"),
            (TaskStatus::Cancelled, "cancelled", "the task was cancelled"),
        ] {
            let err = status.into_result(&handle).unwrap_err();
            let Error::TaskFailed {
                provider,
                task_id,
                code,
                message,
            } = err
            else {
                panic!("{err:?}");
            };
            assert_eq!(provider, Provider::Modellix);
            assert_eq!(task_id, "t-1");
            assert_eq!(code.as_deref(), Some(expect_code));
            assert_eq!(message, expect_message);
        }
        let err = TaskStatus::Expired.into_result(&handle).unwrap_err();
        assert!(
            matches!(&err, Error::Expired { what } if what == "task t-1"),
            "{err:?}"
        );
    }

    #[test]
    fn undocumented_words() {
        assert_eq!(
            undocumented_status("TASK_STATUS_CANCELED"),
            TaskStatus::Cancelled
        );
        assert_eq!(undocumented_status("expired"), TaskStatus::Expired);
        assert_eq!(
            undocumented_status("paused"),
            TaskStatus::Unknown {
                raw: "paused".into()
            }
        );
    }
}
