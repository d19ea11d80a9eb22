//! An embedded simulator of every Seedance provider, for tests, demos and the CLI's `--sim`.
//!
//! One API origin serves all four providers on their own paths (Modellix under `/api/v1`,
//! Jiekou under `/v3/async`, odkkk under `/apiv1/v1`, BytePlus ModelArk under `/api/v3`),
//! validates request bodies against each provider's own spec and answers with that provider's
//! error bodies and status codes. Tasks go queued → running (with progress) → succeeded over a
//! configurable duration (zero included); [`Fault::HoldQueued`] keeps one queued longer.
//!
//! Ark tasks can also be listed (filters, pages, Ark's 7-day window), cancelled while queued,
//! deleted once finished, and expire after their `execution_expires_after`; every Ark answer
//! carries an `x-request-id`. The simulator's clock can be moved forward
//! ([`Sim::advance_clock`]) to reach such deadlines without waiting.
//! Request bodies up to 64 MiB are accepted, so inline images are as large as the providers take.
//! Result videos are real MP4 files (QuickTime movies for Ark's `output_format: "mov"`) served
//! from a **second origin** (another port), and expire.
//!
//! Faults can be injected per route ([`FaultRule`]) and every request is counted
//! ([`Sim::counters`]), so tests can prove that nothing was sent, or sent twice.
//!
//! ```no_run
//! # async fn run() -> std::io::Result<()> {
//! use seedance_sim::{Sim, SimConfig};
//!
//! let sim = Sim::start(SimConfig::default()).await?;
//! println!("Modellix at {}", sim.base_url("modellix"));
//! # Ok(())
//! # }
//! ```

#![deny(missing_docs)]

mod faults;
mod media;
mod providers;
mod state;
mod validate;

use std::{collections::BTreeMap, net::SocketAddr, sync::Arc, time::Duration};

pub use faults::{Fault, FaultRule, Route, Sample};
pub use providers::ARK_TASK_TYPE_MISMATCH_MARKER;
use serde::Serialize;
use tokio::net::TcpListener;
pub use validate::openapi_schema_errors;

/// The providers the simulator implements, by their lowercase names.
pub const PROVIDERS: [&str; 4] = ["modellix", "jiekou", "odkkk", "ark"];

/// How the simulator behaves.
#[derive(Clone, Debug)]
pub struct SimConfig {
    /// Time from submit to success; zero finishes tasks at once.
    pub task_duration: Duration,
    /// How long a result URL stays valid.
    pub url_ttl: Duration,
    /// Serve result videos padded to this many bytes (for download benchmarks); `None` serves
    /// the small playable fixture as is.
    pub video_size: Option<u64>,
    /// Faults to inject.
    pub faults: Vec<FaultRule>,
}

impl Default for SimConfig {
    /// Tasks take 6 s; URLs live 24 h; the fixture video; no faults.
    fn default() -> Self {
        Self {
            task_duration: Duration::from_secs(6),
            url_ttl: Duration::from_secs(24 * 3600),
            video_size: None,
            faults: Vec::new(),
        }
    }
}

/// What the simulator received so far.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Counters {
    /// Requests per route, keyed `"<provider> <route>"` (e.g. `"jiekou submit"`,
    /// `"odkkk status"`, Ark's `"ark list"` and `"ark delete"`) or `"media video"`.
    pub per_route: BTreeMap<String, u64>,
    /// Submits per prompt, over every provider: the submits that created a task (a submit
    /// refused by an injected status or by validation is not counted).
    pub submits_per_prompt: BTreeMap<String, u64>,
    /// Injected faults per route and fault, keyed `"<route key>: <fault>"` (e.g.
    /// `"jiekou submit: status 429"`, `"media video: truncate body"`; see
    /// [`Counters::per_route`]).
    pub faults: BTreeMap<String, u64>,
}

impl Counters {
    /// Requests counted for `key` (see [`Counters::per_route`]).
    pub fn route(&self, key: &str) -> u64 {
        self.per_route.get(key).copied().unwrap_or(0)
    }

    /// How many times faults whose key ends with `suffix` were injected (e.g. `": status 429"`
    /// for every 429, `"jiekou submit: truncate body"` for one route and fault).
    pub fn faults_ending_with(&self, suffix: &str) -> u64 {
        self.faults
            .iter()
            .filter(|(key, _)| key.ends_with(suffix))
            .map(|(_, n)| n)
            .sum()
    }

    /// Every request to the API origin (all providers, all routes).
    pub fn api_requests(&self) -> u64 {
        self.per_route
            .iter()
            .filter(|(key, _)| !key.starts_with("media"))
            .map(|(_, n)| n)
            .sum()
    }
}

/// A task the simulator created (a submit it accepted).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CreatedTask {
    /// The task id it answered with.
    pub id: String,
    /// The provider it was submitted to.
    pub provider: String,
    /// The prompt of the submit.
    pub prompt: String,
}

/// A running simulator. Dropping it stops both origins.
#[derive(Debug)]
pub struct Sim {
    api_addr: SocketAddr,
    media_addr: SocketAddr,
    state: Arc<state::State>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Sim {
    /// Starts on `127.0.0.1` with ports chosen by the system.
    ///
    /// # Errors
    ///
    /// When a port cannot be bound.
    pub async fn start(config: SimConfig) -> std::io::Result<Sim> {
        Self::start_on(config, SocketAddr::from(([127, 0, 0, 1], 0))).await
    }

    /// Starts the API origin on `addr` (the media origin takes the next free port on the same
    /// host).
    ///
    /// # Errors
    ///
    /// When a port cannot be bound.
    pub async fn start_on(config: SimConfig, addr: SocketAddr) -> std::io::Result<Sim> {
        let api_listener = TcpListener::bind(addr).await?;
        let media_listener = TcpListener::bind(SocketAddr::new(addr.ip(), 0)).await?;
        let api_addr = api_listener.local_addr()?;
        let media_addr = media_listener.local_addr()?;
        let state = Arc::new(state::State::new(config, media_addr));
        let (shutdown, stopped) = tokio::sync::oneshot::channel::<()>();
        let stopped = futures_util::future::FutureExt::shared(async move {
            let _ = stopped.await;
        });
        let api = axum::serve(api_listener, providers::router(state.clone()))
            .with_graceful_shutdown(stopped.clone());
        let media = axum::serve(media_listener, media::router(state.clone()))
            .with_graceful_shutdown(stopped);
        tokio::spawn(async move {
            let _ = api.await;
        });
        tokio::spawn(async move {
            let _ = media.await;
        });
        Ok(Sim {
            api_addr,
            media_addr,
            state,
            shutdown: Some(shutdown),
        })
    }

    /// The API origin's address.
    pub fn api_addr(&self) -> SocketAddr {
        self.api_addr
    }

    /// The media origin's address (result videos).
    pub fn media_addr(&self) -> SocketAddr {
        self.media_addr
    }

    /// The base URL to give a client of `provider` (`modellix`, `jiekou`, `odkkk` or `ark`).
    ///
    /// # Panics
    ///
    /// For any other name.
    pub fn base_url(&self, provider: &str) -> String {
        let stem = match provider {
            "modellix" => "/api/v1",
            "jiekou" => "",
            "odkkk" => "/apiv1",
            "ark" => "/api/v3",
            other => panic!("the simulator has no provider {other:?}; known: {PROVIDERS:?}"),
        };
        format!("http://{}{stem}", self.api_addr)
    }

    /// What was received so far.
    pub fn counters(&self) -> Counters {
        self.state.counters()
    }

    /// Every task created so far, in creation order: what a caller may be billed for, whether or
    /// not it learned of the task.
    pub fn created_tasks(&self) -> Vec<CreatedTask> {
        self.state.created_tasks()
    }

    /// Moves the simulator's clock forward by `by`: tasks progress, expire (Ark's
    /// `execution_expires_after`), age out of Ark's 7-day window and lose their result URLs as
    /// if that much time had passed. Real time keeps running on top.
    pub fn advance_clock(&self, by: Duration) {
        self.state.advance_clock(by);
    }

    /// Adds a fault rule while running.
    pub fn inject(&self, rule: FaultRule) {
        self.state.faults.add(rule);
    }

    /// Serves until `signal` completes (for `seedance sim`).
    pub async fn serve_until(self, signal: impl std::future::Future<Output = ()>) {
        signal.await;
        drop(self);
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}
