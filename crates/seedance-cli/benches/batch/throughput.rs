//! 1,000 jobs through `seedance batch` and through the official Ark Python SDK, against one
//! simulator in one run: jobs per second, peak RSS and CPU time side by side.

use std::{
    path::{Path, PathBuf},
    process::Command,
    time::Duration,
};

use serde_json::{Value, json};

use super::{BenchSim, Timed, is_mp4, timed, write_jobs};

const JOBS: usize = 1000;
const CONCURRENCY: usize = 50;
/// How long each simulated task takes from submit to success.
const TASK: Duration = Duration::from_secs(3);
/// Far above what 1,000 submits in a run can reach, so only `--concurrency` limits.
const RPM: &str = "1000000";

/// One client's row.
struct Row {
    client: &'static str,
    timed: Timed,
    status_requests: u64,
}

pub(super) fn run(dir: &Path) {
    std::fs::create_dir_all(dir).expect("the throughput dir");
    let sim = BenchSim::start(TASK);
    println!(
        "### {JOBS} Ark jobs (Seedance 2.0 Fast, text) at concurrency {CONCURRENCY}, tasks of {} s in the simulator\n",
        TASK.as_secs_f64()
    );
    let mut rows = vec![seedance(&sim, dir)];
    match python() {
        Ok(python) => rows.push(ark_sdk(&sim, dir, &python)),
        Err(why) => println!(
            "The official Ark Python SDK is not available ({why}); make its venv with \
             `SEEDANCE_PYTHON=\"$(.ci/python-sdk.sh)\" cargo bench -p seedance-cli --bench batch`.\n"
        ),
    }
    println!(
        "| client | jobs | concurrency | wall time | jobs/s | peak RSS | CPU time (user + sys) | status requests per job |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    for row in &rows {
        let wall = row.timed.wall.as_secs_f64();
        println!(
            "| {} | {JOBS} | {CONCURRENCY} | {wall:.1} s | {:.1} | {:.1} MiB | {:.1} s | {:.2} |",
            row.client,
            JOBS as f64 / wall,
            row.timed.peak_rss_kib as f64 / 1024.0,
            row.timed.cpu.as_secs_f64(),
            row.status_requests as f64 / JOBS as f64,
        );
    }
    if let [ours, theirs] = rows.as_slice() {
        println!(
            "\nIn this run, `seedance batch` against the Ark SDK: {:.2}x the jobs/s, {:.2}x the peak RSS, {:.2}x the CPU time.",
            theirs.timed.wall.as_secs_f64() / ours.timed.wall.as_secs_f64(),
            ours.timed.peak_rss_kib as f64 / theirs.timed.peak_rss_kib as f64,
            ours.timed.cpu.as_secs_f64() / theirs.timed.cpu.as_secs_f64(),
        );
    }
    println!();
}

fn seedance(sim: &BenchSim, dir: &Path) -> Row {
    let prompts: Vec<String> = (0..JOBS).map(|n| format!("bench seedance {n}")).collect();
    let lines: Vec<Value> = prompts
        .iter()
        .enumerate()
        .map(|(n, prompt)| {
            json!({"id": format!("j{n}"), "provider": "ark", "model": "seedance-2.0-fast", "prompt": prompt})
        })
        .collect();
    let jobs = dir.join("jobs.jsonl");
    write_jobs(&jobs, &lines);
    let out = dir.join("seedance");
    let concurrency = CONCURRENCY.to_string();
    let (submits, polls) = (sim.route("ark submit"), sim.route("ark status"));
    let result = timed(
        &sim.batch(&[
            "--concurrency",
            &concurrency,
            "--rpm",
            RPM,
            "--out",
            path_str(&out),
            path_str(&jobs),
        ]),
        &dir.join("seedance.time"),
    );
    assert_eq!(
        result.code,
        Some(0),
        "seedance batch failed:\n{}",
        result.stderr
    );
    let missing: Vec<usize> = (0..JOBS)
        .filter(|n| !is_mp4(&out.join(format!("j{n}.mp4"))))
        .collect();
    assert!(missing.is_empty(), "seedance batch left out {missing:?}");
    assert_submitted_once(sim, &prompts, submits);
    Row {
        client: "seedance batch",
        status_requests: sim.route("ark status") - polls,
        timed: result,
    }
}

fn ark_sdk(sim: &BenchSim, dir: &Path, python: &str) -> Row {
    let prompt = "bench ark sdk";
    let prompts: Vec<String> = (0..JOBS).map(|n| format!("{prompt} {n}")).collect();
    let out = dir.join("ark-sdk");
    let (submits, polls) = (sim.route("ark submit"), sim.route("ark status"));
    let mut command = Command::new(python);
    command
        .arg(script())
        .arg(sim.sim.base_url("ark"))
        .arg(&out)
        .arg(JOBS.to_string())
        .arg(CONCURRENCY.to_string())
        .arg(prompt);
    let result = timed(&command, &dir.join("ark-sdk.time"));
    assert_eq!(
        result.code,
        Some(0),
        "the Ark SDK batch failed:\n{}\n{}",
        result.stdout,
        result.stderr
    );
    let report: Value = serde_json::from_str(result.stdout.trim()).expect("the script's report");
    assert_eq!(report["succeeded"], JOBS, "{report}");
    let missing: Vec<usize> = (0..JOBS)
        .filter(|n| !is_mp4(&out.join(format!("{n}.mp4"))))
        .collect();
    assert!(missing.is_empty(), "the Ark SDK batch left out {missing:?}");
    assert_submitted_once(sim, &prompts, submits);
    let status_requests = sim.route("ark status") - polls;
    assert_eq!(report["status_requests"], status_requests, "{report}");
    // The script's own figure (RUSAGE_SELF) is the process's, as `time` reads it from wait4.
    println!(
        "The Ark SDK script's own peak RSS (getrusage RUSAGE_SELF): {:.1} MiB; its own wall time: {:.1} s.\n",
        report["peak_rss_kib"].as_f64().unwrap_or(0.0) / 1024.0,
        report["wall_s"].as_f64().unwrap_or(0.0),
    );
    Row {
        client: "official Ark Python SDK, ThreadPoolExecutor(50)",
        status_requests,
        timed: result,
    }
}

/// Every prompt created exactly one task, and Ark's submit route saw one request per job.
fn assert_submitted_once(sim: &BenchSim, prompts: &[String], submits_before: u64) {
    let created = sim.created();
    let wrong: Vec<(&String, Option<&u64>)> = prompts
        .iter()
        .map(|prompt| (prompt, created.get(prompt)))
        .filter(|(_, n)| *n != Some(&1))
        .collect();
    assert!(wrong.is_empty(), "tasks created per prompt: {wrong:?}");
    assert_eq!(
        sim.route("ark submit") - submits_before,
        prompts.len() as u64
    );
}

/// The interpreter with the Ark SDK: `$SEEDANCE_PYTHON`, else `python3`, checked to import it.
fn python() -> Result<String, String> {
    let python = std::env::var("SEEDANCE_PYTHON").unwrap_or_else(|_| "python3".to_owned());
    let output = Command::new(&python)
        .args(["-c", "import volcenginesdkarkruntime"])
        .output()
        .map_err(|err| format!("cannot run {python}: {err}"))?;
    if output.status.success() {
        Ok(python)
    } else {
        Err(format!("{python} cannot import volcenginesdkarkruntime"))
    }
}

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/batch/ark_sdk_batch.py")
}

fn path_str(path: &Path) -> &str {
    path.to_str().expect("a UTF-8 temp path")
}
