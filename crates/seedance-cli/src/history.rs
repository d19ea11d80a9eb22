//! The duration history: how long past tasks took per (provider, model, resolution, duration),
//! kept in a `seedance-journal` database, read before waiting to place polls around the expected
//! finish (`WaitOptions::expect`) and appended to when a task finishes.
//!
//! `generate` uses the file `--history FILE`, by default `$XDG_STATE_HOME/seedance/history.sqlite`
//! (else `~/.local/state/seedance/history.sqlite`); `--no-history` turns it off. The default file
//! is not used against a loopback server or `--sim`, whose tasks say nothing about a real
//! provider's speed. Right after the submit answer, before waiting (so also with `--no-wait`, or
//! when the wait is interrupted), `generate` records in the file which key its task belongs to,
//! creating the file if needed.
//!
//! `wait` takes the same flags and looks its handle's task up in the file: a task `generate`
//! recorded has its polls placed and its finish recorded like `generate`'s; any other task (an
//! older one, or one submitted elsewhere) is waited for with the normal back-off, without a word.
//! `wait` records a finish only if it saw the task unfinished: a task that had finished before
//! the first poll finished at an unknown time.
//!
//! The batch runner calls the same functions on its own journal ([`estimate_in`],
//! [`record_in`]), so both agree on the key and on when an estimate is trusted.

use std::{
    path::{Path, PathBuf},
    time::Duration,
};

use anyhow::{Context, Result};
use seedance_journal::{Journal, MIN_EXACT_SAMPLES, TaskKey};
use seedance_sdk::{Expected, Provider, TaskHandle, VideoDuration, VideoRequest};

use crate::args::HistoryArgs;

/// What a task's duration is remembered under.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct HistoryKey {
    /// The provider, as on the command line.
    pub(crate) provider: String,
    /// The provider's model id when the request names one, else the model's name.
    pub(crate) model: String,
    /// The resolution, or `default` when the request leaves it to the provider.
    pub(crate) resolution: String,
    /// The video's seconds, or 0 when the model chooses (`auto`) or the request leaves it unset.
    pub(crate) duration_s: u32,
}

impl HistoryKey {
    /// The key of `request` sent to `provider`.
    pub(crate) fn new(provider: Provider, request: &VideoRequest) -> Self {
        Self {
            provider: provider.as_str().to_owned(),
            model: request
                .model_id
                .clone()
                .unwrap_or_else(|| request.model.as_str().to_owned()),
            resolution: request
                .resolution
                .map_or("default", |resolution| resolution.as_str())
                .to_owned(),
            duration_s: match request.duration {
                Some(VideoDuration::Seconds(seconds)) => seconds,
                Some(VideoDuration::Auto) | None => 0,
            },
        }
    }

    /// The key of a task of `provider` the journal remembered as `task`.
    fn of_task(provider: &str, task: TaskKey) -> Self {
        Self {
            provider: provider.to_owned(),
            model: task.model,
            resolution: task.resolution,
            duration_s: task.duration_s,
        }
    }

    /// The key without its provider, as the journal remembers a task's.
    fn task_key(&self) -> TaskKey {
        TaskKey {
            model: self.model.clone(),
            resolution: self.resolution.clone(),
            duration_s: self.duration_s,
        }
    }
}

/// The expected duration of a task of `key` from `journal`, when it has at least
/// [`MIN_EXACT_SAMPLES`] samples of the key (or, failing that, of the provider and model):
/// fewer say too little to skip the back-off for.
pub(crate) fn estimate_in(journal: &Journal, key: &HistoryKey) -> Result<Option<Expected>> {
    let estimate = journal
        .expected_duration(&key.provider, &key.model, &key.resolution, key.duration_s)
        .context("cannot read the duration history")?;
    Ok(estimate
        .filter(|estimate| estimate.n >= MIN_EXACT_SAMPLES)
        .and_then(|estimate| {
            Some(Expected {
                median: Duration::try_from_secs_f64(estimate.median).ok()?,
                p90: Duration::try_from_secs_f64(estimate.p90).ok()?,
            })
        }))
}

/// Remembers in `journal` that a task of `key` took `took` from submit to finish.
pub(crate) fn record_in(journal: &Journal, key: &HistoryKey, took: Duration) -> Result<()> {
    journal
        .record_duration(
            &key.provider,
            &key.model,
            &key.resolution,
            key.duration_s,
            took.as_secs_f64(),
        )
        .context("cannot record the task's duration in the history")
}

/// A duration history file, opened only once it exists: reading a missing file finds nothing,
/// and the first [`History::record`] creates it (and its directory).
pub(crate) struct History {
    path: PathBuf,
    journal: Option<Journal>,
}

impl History {
    /// The history at `path`; a missing file is not created until a task is recorded.
    ///
    /// # Errors
    ///
    /// When the file exists but is not a journal this version can read.
    pub(crate) fn open(path: impl Into<PathBuf>) -> Result<Self> {
        let path = path.into();
        let journal = if path.exists() {
            Some(open_journal(&path)?)
        } else {
            None
        };
        Ok(Self { path, journal })
    }

    /// The default file: `$XDG_STATE_HOME/seedance/history.sqlite`, else
    /// `$HOME/.local/state/seedance/history.sqlite`; `None` when neither variable is set
    /// (absolute).
    pub(crate) fn default_path(env: impl Fn(&str) -> Option<String>) -> Option<PathBuf> {
        let absolute = |name: &str| {
            env(name)
                .map(PathBuf::from)
                .filter(|path| path.is_absolute())
        };
        let state = absolute("XDG_STATE_HOME")
            .or_else(|| absolute("HOME").map(|home| home.join(".local").join("state")))?;
        Some(state.join("seedance").join("history.sqlite"))
    }

    /// The file.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// The expected duration of a task of `key` (see [`estimate_in`]); `None` while the file
    /// does not exist.
    pub(crate) fn estimate(&self, key: &HistoryKey) -> Result<Option<Expected>> {
        match &self.journal {
            Some(journal) => estimate_in(journal, key),
            None => Ok(None),
        }
    }

    /// Remembers that a task of `key` took `took`, creating the file if needed.
    pub(crate) fn record(&mut self, key: &HistoryKey, took: Duration) -> Result<()> {
        record_in(self.create()?, key, took)
    }

    /// Remembers that the task `task_id` has `key`, creating the file if needed.
    pub(crate) fn remember_task(&mut self, task_id: &str, key: &HistoryKey) -> Result<()> {
        self.create()?
            .remember_task(&key.provider, task_id, &key.task_key())
            .context("cannot record the task's key in the history")
    }

    /// The key [`History::remember_task`] stored for the task `task_id` of `provider`; `None`
    /// while the file does not exist.
    pub(crate) fn task_key(&self, provider: &str, task_id: &str) -> Result<Option<HistoryKey>> {
        let Some(journal) = &self.journal else {
            return Ok(None);
        };
        let task = journal
            .task_key(provider, task_id)
            .context("cannot read the task's key from the history")?;
        Ok(task.map(|task| HistoryKey::of_task(provider, task)))
    }

    /// The journal, opening (and creating) the file and its directory on first use.
    fn create(&mut self) -> Result<&Journal> {
        if self.journal.is_none() {
            if let Some(dir) = self.path.parent().filter(|dir| !dir.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir)
                    .with_context(|| format!("cannot create {}", dir.display()))?;
            }
            self.journal = Some(open_journal(&self.path)?);
        }
        Ok(self.journal.as_ref().expect("opened above"))
    }
}

fn open_journal(path: &Path) -> Result<Journal> {
    Journal::open(path)
        .with_context(|| format!("cannot open the duration history {}", path.display()))
}

/// The history file for the task behind `handle`: `--history FILE`, else the default file
/// unless the task runs on a loopback server (a simulator); none with `--no-history`.
fn history_path(args: &HistoryArgs, handle: &TaskHandle) -> Option<PathBuf> {
    if args.no_history {
        return None;
    }
    match &args.history {
        Some(path) => Some(path.clone()),
        None if seedance_sdk::is_loopback_url(&handle.base_url) => None,
        None => History::default_path(|name| std::env::var(name).ok()),
    }
}

/// The recorder for the task `generate` just submitted, of `key`, after recording in the
/// history which key the task belongs to (for a later `seedance wait`).
pub(crate) fn submitted(
    args: &HistoryArgs,
    handle: &TaskHandle,
    key: HistoryKey,
) -> Option<Recorder> {
    let mut recorder = Recorder::open(&history_path(args, handle)?, key)?;
    if let Err(err) = recorder
        .history
        .remember_task(&handle.task_id, &recorder.key)
    {
        eprintln!("warning: {err:#} ({})", recorder.history.path().display());
    }
    // The submit answer is the task seen unfinished.
    recorder.unfinished_seen = true;
    Some(recorder)
}

/// The recorder for the task `seedance wait` resumes, when the history knows its key; `None`
/// for a task it does not know, which is then waited for with the normal back-off.
pub(crate) fn resumed(args: &HistoryArgs, handle: &TaskHandle) -> Option<Recorder> {
    let path = history_path(args, handle)?;
    // A missing file knows no task, and reading it must not create it.
    if !path.exists() {
        return None;
    }
    let history = match History::open(&path) {
        Ok(history) => history,
        Err(err) => {
            eprintln!("warning: {err:#}; waiting without history");
            return None;
        }
    };
    match history.task_key(handle.provider.as_str(), &handle.task_id) {
        Ok(Some(key)) => Some(Recorder {
            history,
            key,
            unfinished_seen: false,
        }),
        Ok(None) => None,
        Err(err) => {
            eprintln!(
                "warning: {err:#} ({}); waiting without history",
                path.display()
            );
            None
        }
    }
}

/// A history and the key of the one task a command waits for. A history that cannot be read or
/// written costs a warning, never the video.
pub(crate) struct Recorder {
    history: History,
    key: HistoryKey,
    /// Whether the task was seen unfinished (submitted, queued or running): only then does the
    /// moment its finish is seen tell how long it took.
    unfinished_seen: bool,
}

impl Recorder {
    /// The history at `path` for a task of `key`; `None`, with a warning, when the file cannot
    /// be opened.
    pub(crate) fn open(path: &Path, key: HistoryKey) -> Option<Self> {
        match History::open(path) {
            Ok(history) => Some(Self {
                history,
                key,
                unfinished_seen: false,
            }),
            Err(err) => {
                eprintln!("warning: {err:#}; waiting without history");
                None
            }
        }
    }

    /// The expected duration of the task, if the history knows it.
    pub(crate) fn expected(&self) -> Option<Expected> {
        self.history.estimate(&self.key).unwrap_or_else(|err| {
            eprintln!("warning: {err:#}; waiting without history");
            None
        })
    }

    /// Notes that a status showed the task unfinished.
    pub(crate) fn unfinished(&mut self) {
        self.unfinished_seen = true;
    }

    /// Remembers the task submitted at `created_at` (unix seconds) as finished now, if it was
    /// seen unfinished (else it may have finished long before; nothing is recorded).
    ///
    /// `created_at` is whole seconds and "now" is when the finish was seen, so a sample is up
    /// to a second plus the detection delay longer than the task.
    pub(crate) fn finished(&mut self, created_at: u64) {
        if !self.unfinished_seen {
            return;
        }
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        let took = now.saturating_sub(Duration::from_secs(created_at));
        if let Err(err) = self.history.record(&self.key, took) {
            eprintln!("warning: {err:#} ({})", self.history.path().display());
        }
    }
}

#[cfg(test)]
mod tests {
    use seedance_sdk::{Model, Resolution};

    use super::*;

    fn temp_path(name: &str) -> PathBuf {
        std::env::temp_dir()
            .join(format!("seedance-history-{}-{name}", std::process::id()))
            .join("state")
            .join("history.sqlite")
    }

    #[test]
    fn keys_name_the_model_resolution_and_duration() {
        let mut request = VideoRequest::new("a cat");
        request.model = Model::Seedance15Pro;
        let key = HistoryKey::new(Provider::Modellix, &request);
        assert_eq!(
            key,
            HistoryKey {
                provider: "modellix".into(),
                model: Model::Seedance15Pro.as_str().into(),
                resolution: "default".into(),
                duration_s: 0,
            }
        );
        request.model_id = Some("ep-123".into());
        request.resolution = Some(Resolution::P1080);
        request.duration = Some(VideoDuration::Seconds(10));
        let key = HistoryKey::new(Provider::Ark, &request);
        assert_eq!(
            (
                key.provider.as_str(),
                key.model.as_str(),
                key.resolution.as_str(),
                key.duration_s
            ),
            ("ark", "ep-123", "1080p", 10)
        );
    }

    #[test]
    fn the_file_appears_with_the_first_record_and_estimates_need_three_samples() {
        let path = temp_path("record");
        let root = path.parent().unwrap().parent().unwrap().to_owned();
        let _ = std::fs::remove_dir_all(&root);
        let key = HistoryKey::new(Provider::Modellix, &VideoRequest::new("a cat"));
        let mut history = History::open(&path).unwrap();
        assert_eq!(history.estimate(&key).unwrap(), None);
        assert!(!path.exists(), "reading does not create the file");
        for seconds in [290, 300] {
            history.record(&key, Duration::from_secs(seconds)).unwrap();
        }
        assert!(path.exists());
        assert_eq!(
            history.estimate(&key).unwrap(),
            None,
            "two samples are too few"
        );
        history.record(&key, Duration::from_secs(330)).unwrap();
        drop(history);
        let history = History::open(&path).unwrap();
        assert_eq!(
            history.estimate(&key).unwrap(),
            Some(Expected {
                median: Duration::from_secs(300),
                p90: Duration::from_secs(330),
            })
        );
        let _ = std::fs::remove_dir_all(&root);
    }

    #[test]
    fn a_file_that_is_not_a_journal_is_named_in_the_error() {
        let path = temp_path("garbage");
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, "not a database, just text that is long enough").unwrap();
        let err = History::open(&path).err().expect("refused");
        assert!(
            format!("{err:#}").contains(&path.display().to_string()),
            "{err:#}"
        );
        let _ = std::fs::remove_dir_all(path.parent().unwrap().parent().unwrap());
    }

    #[test]
    fn the_default_file_follows_xdg_state_home_then_home() {
        let env = |vars: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                vars.iter()
                    .find(|(key, _)| *key == name)
                    .map(|(_, value)| (*value).to_owned())
            }
        };
        assert_eq!(
            History::default_path(env(&[("XDG_STATE_HOME", "/s"), ("HOME", "/h")])),
            Some(PathBuf::from("/s/seedance/history.sqlite"))
        );
        assert_eq!(
            History::default_path(env(&[("XDG_STATE_HOME", "relative"), ("HOME", "/h")])),
            Some(PathBuf::from("/h/.local/state/seedance/history.sqlite")),
            "a relative XDG_STATE_HOME is ignored, as the spec says"
        );
        assert_eq!(History::default_path(env(&[])), None);
    }
}
