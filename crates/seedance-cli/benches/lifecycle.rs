//! Benchmarks of the task lifecycle against the simulator, printed as Markdown tables for
//! BENCHMARKS.md: `cargo bench -p seedance-cli --bench lifecycle`.
//!
//! 1. Polling: status requests and detection delay for a simulated 5-minute task (time
//!    fast-forwarded), the SDK's `wait` against a fixed 5 s poll; then, for a model with a
//!    duration history (`polling-history`), a fixed 5 s poll, the back-off and history-placed
//!    polling (`WaitOptions::expect`) over seeded task lengths from the history's spread.
//! 2. Download: a 1 GiB simulated video, `seedance download` against `curl`, and against `curl`
//!    followed by an fsync of its file, on the same URL in the same run, with wall time and peak
//!    RSS from `/usr/bin/time -v`; then the same download broken at 50 % and resumed, counting
//!    the bytes the origin sent.
//! 3. Throughput: 1,000 zero-latency tasks (submit, wait, download) at a fixed concurrency,
//!    tasks per second and this process's peak RSS.

use std::{
    net::SocketAddr,
    path::Path,
    process::Command,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use seedance_sdk::{Client, Provider, TaskStatus, VideoRequest, WaitOptions};
use seedance_sim::{Fault, FaultRule, Route, Sim, SimConfig};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpStream},
};

#[path = "lifecycle/history.rs"]
mod history;

const TASK: Duration = Duration::from_secs(300);
const GIB: u64 = 1024 * 1024 * 1024;

fn client(sim: &Sim, provider: Provider, timeouts: bool) -> Client {
    let mut builder = Client::builder(provider)
        .api_key("sim")
        .base_url(sim.base_url(provider.as_str()));
    if !timeouts {
        // On a paused clock any pending timer fires at once; keep only the SDK's own sleeps.
        seedance_runtime::install_crypto_provider();
        builder = builder
            .http_client(reqwest::Client::builder().build().unwrap())
            .timeout(None);
    }
    builder.build().unwrap()
}

/// Polls every 5 s until the task ends; returns the number of status requests.
async fn fixed_poll(client: &Client, handle: &seedance_sdk::TaskHandle) -> u64 {
    let mut polls = 0;
    loop {
        tokio::time::sleep(Duration::from_secs(5)).await;
        polls += 1;
        if client.status(handle).await.unwrap().is_terminal() {
            return polls;
        }
    }
}

/// Task lengths: 5 minutes plus offsets within one 5 s period, so a fixed poll is not
/// flattered by a task that ends exactly on one of its ticks.
const OFFSETS_MS: [u64; 5] = [500, 1500, 2500, 3500, 4500];

fn polling() {
    println!(
        "### Polling a 5-minute task (virtual time, mean of {} task lengths from 300.5 s to 304.5 s)\n",
        OFFSETS_MS.len()
    );
    println!("| provider | strategy | status requests | detection delay |");
    println!("|---|---|---:|---:|");
    for provider in Provider::ALL {
        for strategy in ["seedance wait (default)", "fixed 5 s poll"] {
            let mut total_requests = 0;
            let mut total_delay = Duration::ZERO;
            for offset in OFFSETS_MS {
                let task = TASK + Duration::from_millis(offset);
                let (requests, delay) = poll_once(provider, strategy, task);
                total_requests += requests;
                total_delay += delay;
            }
            let n = OFFSETS_MS.len() as u32;
            println!(
                "| {provider} | {strategy} | {:.1} | {:.2} s |",
                total_requests as f64 / f64::from(n),
                (total_delay / n).as_secs_f64()
            );
        }
    }
    println!();
}

fn poll_once(provider: Provider, strategy: &str, task: Duration) -> (u64, Duration) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .unwrap();
    runtime.block_on(async {
        let sim = Sim::start(SimConfig {
            task_duration: task,
            ..SimConfig::default()
        })
        .await
        .unwrap();
        let client = client(&sim, provider, false);
        let handle = client
            .submit(&VideoRequest::new("a 5-minute task"))
            .await
            .unwrap();
        let start = tokio::time::Instant::now();
        if strategy.starts_with("seedance") {
            let options = WaitOptions {
                timeout: Duration::from_secs(3600),
                ..WaitOptions::default()
            };
            client.wait(&handle, options).await.unwrap();
        } else {
            fixed_poll(&client, &handle).await;
        }
        let delay = start.elapsed().saturating_sub(task);
        let requests = sim.counters().route(&format!("{provider} status"));
        (requests, delay)
    })
}

/// Runs `command` under `/usr/bin/time -v`; returns (wall seconds, peak RSS KiB).
fn timed(mut command: Command) -> (f64, u64) {
    let start = Instant::now();
    let output = command.output().expect("the command runs");
    let wall = start.elapsed().as_secs_f64();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{command:?} failed: {stderr}");
    let rss = stderr
        .lines()
        .find_map(|l| {
            l.trim()
                .strip_prefix("Maximum resident set size (kbytes): ")
        })
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    (wall, rss)
}

fn download(dir: &Path) {
    println!("### Downloading a 1 GiB video from the simulator's media origin\n");
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let sim = runtime
        .block_on(Sim::start(SimConfig {
            task_duration: Duration::ZERO,
            video_size: Some(GIB),
            ..SimConfig::default()
        }))
        .unwrap();
    let client = runtime.block_on(async { client(&sim, Provider::Odkkk, true) });
    let (handle, video) = runtime.block_on(async {
        let handle = client
            .submit(&VideoRequest::new("a big video"))
            .await
            .unwrap();
        match client.status(&handle).await.unwrap() {
            TaskStatus::Succeeded(video) => (handle, video),
            other => panic!("not done: {other:?}"),
        }
    });
    let url = video.video_url.clone();
    // The reference copy: every other file is compared with it.
    let reference = dir.join("reference.mp4");
    let fetched = Command::new("curl")
        .args(["-sS", "-o"])
        .arg(&reference)
        .arg(&url)
        .status()
        .expect("curl runs");
    assert!(fetched.success());
    let out = dir.join("out.mp4");
    // A handle names its server, but only a configured one is trusted with the key.
    let base_url = handle.base_url.clone();
    let handle = handle.to_string();
    let command = |tool: &str| {
        let mut command = Command::new("/usr/bin/time");
        command.arg("-v");
        match tool {
            "curl" => command.args(["curl", "-sS", "-o"]).arg(&out).arg(&url),
            // curl with the durability `seedance download` guarantees: its file on disk at exit.
            "curl + fsync" => command
                .args(["sh", "-c", r#"curl -sS -o "$1" "$2" && sync "$1""#, "sh"])
                .arg(&out)
                .arg(&url),
            _ => command
                .arg(env!("CARGO_BIN_EXE_seedance"))
                .args(["download", &handle, "--base-url", &base_url, "-o"])
                .arg(&out)
                .env("ODKKK_API_KEY", "sim"),
        };
        command
    };
    let tools = ["curl", "curl + fsync", "seedance download"];
    let mut results: Vec<(Vec<f64>, u64)> = vec![(Vec::new(), 0); tools.len()];
    for round in 0..ROUNDS {
        // Interleaved, each round in another order, so a slow moment of a shared machine does
        // not fall on one tool only.
        for offset in 0..tools.len() {
            let tool_idx = (offset + round) % tools.len();
            let (wall, rss) = timed(command(tools[tool_idx]));
            assert_same_file(&out, &reference);
            results[tool_idx].0.push(wall);
            results[tool_idx].1 = results[tool_idx].1.max(rss);
            // Each run starts without the previous one's file or dirty pages.
            std::fs::remove_file(&out).unwrap();
            let _ = Command::new("sync").status();
            std::thread::sleep(Duration::from_millis(300));
        }
    }
    println!("Median of {ROUNDS} interleaved runs per tool; peak RSS is the largest of them.\n");
    println!("| tool | wall time | throughput | vs curl | vs curl + fsync | peak RSS |");
    println!("|---|---:|---:|---:|---:|---:|");
    let medians: Vec<f64> = results.iter().map(|(walls, _)| median(walls)).collect();
    for (name, (wall, (_, rss))) in tools.iter().zip(medians.iter().zip(&results)) {
        println!(
            "| {name} | {wall:.2} s | {:.0} MiB/s | {:.2}x | {:.2}x | {:.1} MiB |",
            1024.0 / wall,
            medians[0] / wall,
            medians[1] / wall,
            *rss as f64 / 1024.0
        );
    }
    println!();
    resume(&runtime, &sim, &client, &video, dir, &reference);
    std::fs::remove_file(&reference).unwrap();
    drop(sim);
}

/// Runs of each tool in the download scenario.
const ROUNDS: usize = 5;

fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted[sorted.len() / 2]
}

/// Asserts that two files hold the same bytes (`cmp`).
fn assert_same_file(a: &Path, b: &Path) {
    let same = Command::new("cmp")
        .args(["-s"])
        .arg(a)
        .arg(b)
        .status()
        .expect("cmp runs");
    assert!(same.success(), "{a:?} differs from {b:?}");
}

/// The 1 GiB download broken at 50 % (`Fault::BreakAfter`, once), through the library with its
/// default retry policy, behind a loopback proxy that counts the bytes the origin sent.
fn resume(
    runtime: &tokio::runtime::Runtime,
    sim: &Sim,
    client: &Client,
    video: &seedance_sdk::Video,
    dir: &Path,
    reference: &Path,
) {
    println!("### Resuming a 1 GiB download broken at 50 %\n");
    sim.inject(FaultRule::new(Route::Video, Fault::BreakAfter(GIB / 2)).times(1));
    let requests_before = sim.counters().route("media video");
    let out = dir.join("resumed.mp4");
    let (wall, served) = runtime.block_on(async {
        let served = Arc::new(AtomicU64::new(0));
        let proxy = counting_proxy(sim.media_addr(), served.clone()).await;
        let media = sim.media_addr().to_string();
        let mut through_proxy = video.clone();
        through_proxy.video_url = video.video_url.replacen(&media, &proxy.to_string(), 1);
        let start = Instant::now();
        client.download(&through_proxy, &out).await.unwrap();
        (start.elapsed(), served.load(Ordering::SeqCst))
    });
    let requests = sim.counters().route("media video") - requests_before;
    assert_same_file(&out, reference);
    std::fs::remove_file(&out).unwrap();
    let served_gib = served as f64 / GIB as f64;
    println!("| download | requests | bytes sent by the origin | wall time | result |");
    println!("|---|---:|---:|---:|---|");
    println!(
        "| `Client::download`, default `RetryPolicy` | {requests} | {served_gib:.3} GiB ({served} bytes) | {:.2} s | byte-identical (`cmp`) |",
        wall.as_secs_f64()
    );
    println!();
    assert_eq!(requests, 2, "one break, one resume");
    assert!(served_gib <= 1.1, "the resume sent {served_gib:.3} GiB");
}

/// A loopback TCP proxy to `upstream`, adding up the bytes `upstream` sends (headers included).
async fn counting_proxy(upstream: SocketAddr, served: Arc<AtomicU64>) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let served = served.clone();
            tokio::spawn(async move {
                let Ok(origin) = TcpStream::connect(upstream).await else {
                    return;
                };
                let (mut client_read, mut client_write) = client.into_split();
                let (mut origin_read, mut origin_write) = origin.into_split();
                tokio::spawn(async move {
                    let _ = tokio::io::copy(&mut client_read, &mut origin_write).await;
                    let _ = origin_write.shutdown().await;
                });
                let mut buf = vec![0u8; 256 * 1024];
                loop {
                    match origin_read.read(&mut buf).await {
                        Ok(0) | Err(_) => break,
                        Ok(n) => {
                            served.fetch_add(n as u64, Ordering::SeqCst);
                            if client_write.write_all(&buf[..n]).await.is_err() {
                                break;
                            }
                        }
                    }
                }
                let _ = client_write.shutdown().await;
            });
        }
    });
    addr
}

fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

fn throughput(dir: &Path) {
    const TASKS: usize = 1000;
    const CONCURRENCY: usize = 50;
    println!("### {TASKS} zero-latency tasks at concurrency {CONCURRENCY}\n");
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let rss_before = peak_rss_kib();
    let (elapsed, requests) = runtime.block_on(async {
        let sim = Sim::start(SimConfig {
            task_duration: Duration::ZERO,
            ..SimConfig::default()
        })
        .await
        .unwrap();
        let client = client(&sim, Provider::Jiekou, true);
        let semaphore = std::sync::Arc::new(tokio::sync::Semaphore::new(CONCURRENCY));
        let start = Instant::now();
        let mut jobs = Vec::with_capacity(TASKS);
        for task_idx in 0..TASKS {
            let client = client.clone();
            let permit = semaphore.clone().acquire_owned().await.unwrap();
            let out = dir.join(format!("t{task_idx}.mp4"));
            jobs.push(tokio::spawn(async move {
                let handle = client
                    .submit(&VideoRequest::new(format!("task {task_idx}")))
                    .await
                    .unwrap();
                let options = WaitOptions {
                    initial_interval: Duration::from_millis(1),
                    ..WaitOptions::default()
                };
                let video = client.wait(&handle, options).await.unwrap();
                client.download(&video, &out).await.unwrap();
                drop(permit);
            }));
        }
        for job in jobs {
            job.await.unwrap();
        }
        let elapsed = start.elapsed();
        let counters = sim.counters();
        (
            elapsed,
            counters.api_requests() + counters.route("media video"),
        )
    });
    println!(
        "| tasks | concurrency | wall time | tasks/s | HTTP requests | peak RSS (bench process, simulator included) |"
    );
    println!("|---:|---:|---:|---:|---:|---:|");
    println!(
        "| {TASKS} | {CONCURRENCY} | {:.2} s | {:.0} | {requests} | {:.1} MiB (before: {:.1} MiB) |",
        elapsed.as_secs_f64(),
        TASKS as f64 / elapsed.as_secs_f64(),
        peak_rss_kib() as f64 / 1024.0,
        rss_before as f64 / 1024.0,
    );
    println!();
}

fn main() {
    // `cargo bench` passes `--bench`; any other argument selects scenarios by name.
    let selected: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let run =
        |name: &str| selected.is_empty() || selected.iter().any(|s| name.contains(s.as_str()));
    let dir = std::env::temp_dir().join(format!("seedance-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    println!("## seedance-rs lifecycle benchmarks\n");
    if run("polling") {
        polling();
    }
    if run("polling-history") {
        history::polling_history(&dir);
    }
    if run("download") {
        download(&dir);
    }
    if run("throughput") {
        throughput(&dir);
    }
    let _ = std::fs::remove_dir_all(&dir);
}
