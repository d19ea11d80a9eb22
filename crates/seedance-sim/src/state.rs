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

use tokio::time::Instant;

use crate::{Counters, CreatedTask, SimConfig, faults::Faults};

/// How a task ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    Succeed,
    Fail,
    Expire,
}

#[derive(Clone, Debug)]
pub(crate) struct Task {
    pub(crate) provider: &'static str,
    pub(crate) model: String,
    /// Creation order, for [`State::created_tasks`].
    pub(crate) number: u64,
    pub(crate) prompt: String,
    pub(crate) created: Instant,
    pub(crate) created_unix: u64,
    pub(crate) duration: Duration,
    pub(crate) outcome: Outcome,
    pub(crate) return_last_frame: bool,
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
    counters: Mutex<Counters>,
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
            counters: Mutex::new(Counters::default()),
            next_id: AtomicU64::new(1),
        }
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
    pub(crate) fn create(
        &self,
        provider: &'static str,
        model: &str,
        prompt: &str,
        outcome: Outcome,
        return_last_frame: bool,
    ) -> String {
        let n = self.next_id.fetch_add(1, Ordering::Relaxed);
        let id = format!("sim-{provider}-{n:06}");
        let created_unix = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        self.tasks.lock().expect("task lock").insert(
            id.clone(),
            Task {
                provider,
                model: model.to_owned(),
                number: n,
                prompt: prompt.to_owned(),
                created: Instant::now(),
                created_unix,
                duration: self.config.task_duration,
                outcome,
                return_last_frame,
            },
        );
        id
    }

    pub(crate) fn created_tasks(&self) -> Vec<CreatedTask> {
        let tasks = self.tasks.lock().expect("task lock");
        let mut created: Vec<(u64, CreatedTask)> = tasks
            .iter()
            .map(|(id, task)| {
                let created = CreatedTask {
                    id: id.clone(),
                    provider: task.provider.to_owned(),
                    prompt: task.prompt.clone(),
                };
                (task.number, created)
            })
            .collect();
        created.sort_by_key(|(number, _)| *number);
        created.into_iter().map(|(_, task)| task).collect()
    }

    pub(crate) fn task(&self, id: &str) -> Option<Task> {
        self.tasks.lock().expect("task lock").get(id).cloned()
    }

    /// The phase of task `id` now.
    pub(crate) fn phase(&self, id: &str, task: &Task) -> Phase {
        let elapsed = task.created.elapsed();
        if elapsed < task.duration {
            let fraction = elapsed.as_secs_f64() / task.duration.as_secs_f64();
            if fraction < 0.1 {
                return Phase::Queued;
            }
            return Phase::Running {
                progress: (fraction * 100.0) as u8,
                eta: task.duration - elapsed,
            };
        }
        match task.outcome {
            Outcome::Fail => Phase::Failed,
            Outcome::Expire => Phase::Expired,
            Outcome::Succeed => Phase::Succeeded {
                video_url: format!("http://{}/videos/{id}.mp4", self.media_addr),
                last_frame_url: task
                    .return_last_frame
                    .then(|| format!("http://{}/frames/{id}.jpg", self.media_addr)),
            },
        }
    }

    /// Whether the result URLs of task `id` are past their lifetime.
    pub(crate) fn result_expired(&self, task: &Task) -> bool {
        task.created.elapsed() > task.duration + self.config.url_ttl
    }
}
