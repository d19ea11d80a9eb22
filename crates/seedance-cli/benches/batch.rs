//! The `seedance batch` figures of BENCHMARKS.md (issue 11, points 9 and 10), printed as
//! Markdown tables: `cargo bench -p seedance-cli --bench batch` runs both,
//! `-- throughput` or `-- crash` one of them.
//!
//! 1. Throughput (`batch/throughput.rs`): 1,000 Seedance 2.0 Fast text jobs through the release
//!    `seedance batch` binary at concurrency 50 against the simulator's Ark routes, then the same
//!    1,000 jobs through the official Ark Python SDK (`batch/ark_sdk_batch.py`, a thread pool of
//!    50) against the same simulator: jobs per second, peak RSS and CPU time side by side.
//! 2. Crash safety (`batch/crash.rs`): 20 fresh batches, each killed with SIGKILL at a seeded
//!    random moment and run again to completion: jobs lost and duplicate submits, both read
//!    from what the simulator recorded.
//!
//! The simulator runs in this process on its own runtime, so it lives across every kill.

use std::{
    collections::BTreeMap,
    path::Path,
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use seedance_sim::{Sim, SimConfig};

#[path = "batch/crash.rs"]
mod crash;
#[path = "batch/throughput.rs"]
mod throughput;

/// The providers whose base URL a child is given (all of them, so none is inherited).
const PROVIDERS: [&str; 4] = ["modellix", "jiekou", "odkkk", "ark"];

/// A simulator on its own runtime while the bench's thread runs the children.
struct BenchSim {
    sim: Sim,
    _runtime: tokio::runtime::Runtime,
}

impl BenchSim {
    fn start(task_duration: Duration) -> Self {
        let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime");
        let sim = runtime
            .block_on(Sim::start(SimConfig {
                task_duration,
                ..SimConfig::default()
            }))
            .expect("the simulator starts");
        Self {
            sim,
            _runtime: runtime,
        }
    }

    /// `seedance batch` (the release binary `cargo bench` built) with `args`, every provider
    /// pointed at this simulator and no key or log filter inherited.
    fn batch(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_seedance"));
        command.arg("batch").args(args);
        self.environment(&mut command);
        command
    }

    fn environment(&self, command: &mut Command) {
        for provider in PROVIDERS {
            let upper = provider.to_uppercase();
            command.env_remove(format!("{upper}_API_KEY"));
            command.env(format!("{upper}_BASE_URL"), self.sim.base_url(provider));
        }
        command.env_remove("RUST_LOG");
    }

    /// Tasks created per prompt, over the simulator's life.
    fn created(&self) -> BTreeMap<String, u64> {
        self.sim.counters().submits_per_prompt
    }

    fn route(&self, key: &str) -> u64 {
        self.sim.counters().route(key)
    }
}

/// A child run under `/usr/bin/time -v`, which reads its peak RSS and CPU time from `wait4`.
struct Timed {
    code: Option<i32>,
    wall: Duration,
    peak_rss_kib: u64,
    cpu: Duration,
    stdout: String,
    stderr: String,
}

/// Runs `command` to its end under `/usr/bin/time -v`, its report written to `report`.
fn timed(command: &Command, report: &Path) -> Timed {
    let mut wrapped = Command::new("/usr/bin/time");
    wrapped
        .arg("-v")
        .arg("-o")
        .arg(report)
        .arg(command.get_program())
        .args(command.get_args());
    for (key, value) in command.get_envs() {
        match value {
            Some(value) => wrapped.env(key, value),
            None => wrapped.env_remove(key),
        };
    }
    let start = Instant::now();
    let output = wrapped
        .stdin(Stdio::null())
        .output()
        .expect("/usr/bin/time runs (install GNU time)");
    let wall = start.elapsed();
    let text = std::fs::read_to_string(report).expect("the time report");
    let field = |name: &str| -> f64 {
        text.lines()
            .find_map(|line| line.trim().strip_prefix(name))
            .and_then(|value| value.trim().parse().ok())
            .unwrap_or_else(|| panic!("{name} in {text}"))
    };
    Timed {
        code: output.status.code(),
        wall,
        peak_rss_kib: field("Maximum resident set size (kbytes):") as u64,
        cpu: Duration::from_secs_f64(
            field("User time (seconds):") + field("System time (seconds):"),
        ),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// Writes `lines` as a JSON Lines file.
fn write_jobs(path: &Path, lines: &[serde_json::Value]) {
    let text: String = lines.iter().map(|line| format!("{line}\n")).collect();
    std::fs::write(path, text).expect("the jobs file is written");
}

/// Whether `path` holds an MP4 (its `ftyp` box first).
fn is_mp4(path: &Path) -> bool {
    std::fs::read(path).is_ok_and(|data| data.len() > 8 && &data[4..8] == b"ftyp")
}

fn main() {
    // `cargo bench` passes `--bench`; any other argument selects scenarios by name.
    let selected: Vec<String> = std::env::args()
        .skip(1)
        .filter(|arg| !arg.starts_with("--"))
        .collect();
    let run = |name: &str| selected.is_empty() || selected.iter().any(|s| name.contains(s));
    let dir = std::env::temp_dir().join(format!("seedance-bench-batch-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temp dir");
    println!("## seedance batch benchmarks\n");
    if run("throughput") {
        throughput::run(&dir.join("throughput"));
    }
    if run("crash") {
        crash::run(&dir.join("crash"));
    }
    let _ = std::fs::remove_dir_all(&dir);
}
