//! Tasks and counters.

use std::{
    collections::HashMap,
    net::SocketAddr,
    sync::{
        Mutex,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use serde_json::Value;
use tokio::time::Instant;

use crate::{Counters, CreatedTask, SimConfig, faults::Faults, media::Container};

/// How a task ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    Succeed,
    Fail,
    Expire,
}

/// Why a task fails, when its request says so (Ark's asynchronous
/// `InvalidParameter.TaskTypeMismatch`); a task failed by [`crate::Fault::FailTask`] has none
/// and reports its provider's generic failure.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Failure {
    pub(crate) code: &'static str,
    pub(crate) message: String,
}

#[derive(Clone, Debug)]
pub(crate) struct Task {
    pub(crate) provider: &'static str,
    pub(crate) model: String,
    /// Creation order.
    pub(crate) number: u64,
    /// On the simulator's clock ([`State::now`]).
    pub(crate) created: Instant,
    pub(crate) created_unix: u64,
    /// Time from creation to the start of the run.
    pub(crate) queued: Duration,
    /// Time from creation to the end (queued time included).
    pub(crate) duration: Duration,
    pub(crate) outcome: Outcome,
    /// The error of a task that fails because of its request.
    pub(crate) failure: Option<Failure>,
    pub(crate) return_last_frame: bool,
    /// The container of its result video.
    pub(crate) container: Container,
    /// The request body as accepted, for providers whose task echoes its parameters (Ark).
    pub(crate) request: Value,
    /// When the task was cancelled (Ark cancels queued tasks), on the simulator's clock.
    pub(crate) cancelled: Option<Instant>,
}

/// What a new task needs beyond its provider, model and prompt.
#[derive(Debug)]
pub(crate) struct NewTask<'a> {
    pub(crate) provider: &'static str,
    pub(crate) model: &'a str,
    pub(crate) prompt: &'a str,
    pub(crate) outcome: Outcome,
    /// Set when the request itself makes the task fail (then `outcome` is `Fail`).
    pub(crate) failure: Option<Failure>,
    pub(crate) return_last_frame: bool,
    pub(crate) container: Container,
    /// How long it stays queued; `None`: the first tenth of the task duration.
    pub(crate) hold_queued: Option<Duration>,
    pub(crate) request: Value,
}

/// Where a task stands now.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Phase {
    Queued,
    Running {
        progress: u8,
        eta: Duration,
    },
    Succeeded {
        video_url: String,
        last_frame_url: Option<String>,
    },
    Failed,
    Expired,
}

pub(crate) struct State {
    pub(crate) config: SimConfig,
    pub(crate) media_addr: SocketAddr,
    pub(crate) faults: Faults,
    tasks: Mutex<HashMap<String, Task>>,
    /// Every task created, in order: deleting a task's record (Ark) does not undo its creation.
    created: Mutex<Vec<CreatedTask>>,
    counters: Mutex<Counters>,
    /// How far the simulator's clock is ahead of the real one ([`crate::Sim::advance_clock`]).
    clock_offset: Mutex<Duration>,
    next_id: AtomicU64,
}

impl std::fmt::Debug for State {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("State")
            .field("config", &self.config)
            .field("media_addr", &self.media_addr)
            .finish_non_exhaustive()
    }
}

impl State {
    pub(crate) fn new(config: SimConfig, media_addr: SocketAddr) -> Self {
        Self {
            faults: Faults::new(config.faults.clone()),
            config,
            media_addr,
            tasks: Mutex::new(HashMap::new()),
            created: Mutex::default(),
            counters: Mutex::new(Counters::default()),
            clock_offset: Mutex::default(),
            next_id: AtomicU64::new(1),
        }
    }

    fn clock_offset(&self) -> Duration {
        *self.clock_offset.lock().expect("clock lock")
    }

    /// Moves the simulator's clock forward by `by`.
    pub(crate) fn advance_clock(&self, by: Duration) {
        *self.clock_offset.lock().expect("clock lock") += by;
    }

    /// The simulator's clock: the real one plus every [`State::advance_clock`].
    pub(crate) fn now(&self) -> Instant {
        Instant::now() + self.clock_offset()
    }

    /// Simulated time since `then` (an instant of [`State::now`]).
    pub(crate) fn since(&self, then: Instant) -> Duration {
        self.now().saturating_duration_since(then)
    }

    pub(crate) fn count(&self, key: &str) {
        let mut counters = self.counters.lock().expect("counter lock");
        *counters.per_route.entry(key.to_owned()).or_default() += 1;
    }

    pub(crate) fn count_prompt(&self, prompt: &str) {
        let mut counters = self.counters.lock().expect("counter lock");
        *counters
            .submits_per_prompt
            .entry(prompt.to_owned())
            .or_default() += 1;
    }

    pub(crate) fn counters(&self) -> Counters {
        let mut counters = self.counters.lock().expect("counter lock").clone();
        counters.faults = self.faults.picked();
        counters
    }

    /// Creates a task and returns its id.
    pub(crate) fn create(&self, new: NewTask<'_>) -> String {
        let NewTask {
            provider,
            model,
            prompt,
            outcome,
            failure,
            return_last_frame,
            container,
            hold_queued,
            request,
        } = new;
        let n = self.next_id.fetch_add(1, Ordering::Relaxed);
        let id = match provider {
            // Ark's ids look like `cgt-20250101123456-abcd`; clients may check the prefix.
            "ark" => format!("cgt-sim-{n:06}"),
            _ => format!("sim-{provider}-{n:06}"),
        };
        let run = self.config.task_duration;
        let (queued, duration) = match hold_queued {
            Some(hold) => (hold, hold + run),
            None => (run / 10, run),
        };
        let created_unix = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs())
            + self.clock_offset().as_secs();
        self.created.lock().expect("task lock").push(CreatedTask {
            id: id.clone(),
            provider: provider.to_owned(),
            prompt: prompt.to_owned(),
        });
        self.tasks.lock().expect("task lock").insert(
            id.clone(),
            Task {
                provider,
                model: model.to_owned(),
                number: n,
                created: self.now(),
                created_unix,
                queued,
                duration,
                outcome,
                failure,
                return_last_frame,
                container,
                request,
                cancelled: None,
            },
        );
        id
    }

    pub(crate) fn created_tasks(&self) -> Vec<CreatedTask> {
        self.created.lock().expect("task lock").clone()
    }

    pub(crate) fn task(&self, id: &str) -> Option<Task> {
        self.tasks.lock().expect("task lock").get(id).cloned()
    }

    /// The tasks of `provider`, newest first.
    pub(crate) fn tasks_of(&self, provider: &str) -> Vec<(String, Task)> {
        let tasks = self.tasks.lock().expect("task lock");
        let mut found: Vec<(String, Task)> = tasks
            .iter()
            .filter(|(_, task)| task.provider == provider)
            .map(|(id, task)| (id.clone(), task.clone()))
            .collect();
        found.sort_by_key(|(_, task)| std::cmp::Reverse(task.number));
        found
    }

    /// Marks task `id` cancelled now; false when there is no such task.
    pub(crate) fn cancel(&self, id: &str) -> bool {
        let mut tasks = self.tasks.lock().expect("task lock");
        match tasks.get_mut(id) {
            Some(task) => {
                task.cancelled = Some(self.now());
                true
            }
            None => false,
        }
    }

    /// Forgets task `id` (its result URLs stop working too).
    pub(crate) fn remove(&self, id: &str) -> Option<Task> {
        self.tasks.lock().expect("task lock").remove(id)
    }

    /// The phase of task `id` now.
    pub(crate) fn phase(&self, id: &str, task: &Task) -> Phase {
        let elapsed = self.since(task.created);
        if elapsed < task.queued {
            return Phase::Queued;
        }
        if elapsed < task.duration {
            let fraction = elapsed.as_secs_f64() / task.duration.as_secs_f64();
            return Phase::Running {
                progress: (fraction * 100.0) as u8,
                eta: task.duration - elapsed,
            };
        }
        match task.outcome {
            Outcome::Fail => Phase::Failed,
            Outcome::Expire => Phase::Expired,
            Outcome::Succeed => Phase::Succeeded {
                video_url: format!(
                    "http://{}/videos/{id}.{}",
                    self.media_addr,
                    task.container.extension()
                ),
                last_frame_url: task
                    .return_last_frame
                    .then(|| format!("http://{}/frames/{id}.jpg", self.media_addr)),
            },
        }
    }

    /// Whether the result URLs of task `id` are past their lifetime.
    pub(crate) fn result_expired(&self, task: &Task) -> bool {
        self.since(task.created) > task.duration + self.config.url_ttl
    }
}
