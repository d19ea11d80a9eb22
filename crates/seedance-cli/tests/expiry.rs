//! An Ark video URL expires 24 h after the task finished (`updated_at`), not after it was
//! created: `status --json` and a batch manifest both say so, for a task whose `updated_at`
//! differs from its `created_at`.

use std::time::Duration;

use serde_json::{Value, json};

mod common;

use common::{Run, TempDir, TestSim, seedance};

/// Ark keeps a video for 24 hours after the task finished.
const TTL: u64 = 86_400;

fn run(args: &[&str]) -> Run {
    common::run(seedance(args))
}

/// The task as the simulator's Ark API reports it.
fn task(sim: &TestSim, task_id: &str) -> Value {
    let url = format!(
        "{}/contents/generations/tasks/{task_id}",
        sim.base_url("ark")
    );
    seedance_runtime::install_crypto_provider();
    sim.runtime.block_on(async {
        reqwest::Client::new()
            .get(url)
            .bearer_auth("sk-sim")
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    })
}

/// `expires_at` is `updated_at` + 24 h, and `updated_at` is not `created_at` here.
fn assert_from_updated_at(sim: &TestSim, task_id: &str, expires_at: &Value) {
    let task = task(sim, task_id);
    let created = task["created_at"].as_u64().unwrap();
    let updated = task["updated_at"].as_u64().unwrap();
    assert!(updated > created, "the task took time: {task}");
    assert_eq!(expires_at.as_u64(), Some(updated + TTL), "{task}");
}

#[test]
fn status_json_counts_the_expiry_from_updated_at() {
    let sim = TestSim::start(Duration::from_secs(2));
    let url = sim.base_url("ark");
    let handle = run(&[
        "generate",
        "A cat",
        "--provider",
        "ark",
        "--model",
        "seedance-2.0",
        "--base-url",
        &url,
        "--no-wait",
    ])
    .success()
    .stdout
    .trim()
    .to_owned();
    std::thread::sleep(Duration::from_secs(4));
    let status = run(&["status", &handle, "--base-url", &url, "--json"])
        .success()
        .json();
    assert_eq!(status["status"], "succeeded", "{status}");
    let task_id = status["task_id"].as_str().unwrap().to_owned();
    assert_from_updated_at(&sim, &task_id, &status["expires_at"]);
}

#[test]
fn a_batch_manifest_counts_the_expiry_from_updated_at() {
    let sim = TestSim::start(Duration::from_secs(2));
    let dir = TempDir::new("expiry");
    let line = json!({"id": "clip", "provider": "ark", "model": "seedance-2.0", "prompt": "A cat"});
    std::fs::write(dir.path("jobs.jsonl"), format!("{line}\n")).unwrap();
    let mut command = seedance(&["batch", "--out", &dir.str("out"), &dir.str("jobs.jsonl")]);
    command.env("ARK_BASE_URL", sim.base_url("ark"));
    common::run(command).success();
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(dir.path("out/clip.json")).unwrap()).unwrap();
    let task_id = manifest["task_id"]
        .as_str()
        .or_else(|| manifest["handle"]["task_id"].as_str())
        .unwrap_or_else(|| panic!("no task id in {manifest}"))
        .to_owned();
    assert_from_updated_at(&sim, &task_id, &manifest["video_url_expires_at"]);
}
