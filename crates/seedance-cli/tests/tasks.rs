//! `seedance cancel`, `delete` and `list`, `--cancel-on-timeout`, and the candidates printed
//! after a submit with an unknown outcome, against the simulator's Ark routes; providers
//! without these endpoints are refused with exit 2 before any request.

use std::time::Duration;

use seedance_sim::{Fault, FaultRule, Route};
use serde_json::Value;

mod common;

use common::{Run, TestSim, seedance};

/// The binary with `args`, run to its end.
fn run(args: &[&str]) -> Run {
    common::run(seedance(args))
}

impl TestSim {
    fn url(&self) -> String {
        self.sim.base_url("ark")
    }

    /// Submits a task with `--no-wait` and returns its handle text.
    fn submit(&self, model: &str) -> String {
        let url = self.url();
        let run = run(&[
            "generate",
            "A cat",
            "--provider",
            "ark",
            "--model",
            model,
            "--base-url",
            &url,
            "--no-wait",
        ])
        .success();
        run.stdout.trim().to_owned()
    }

    fn status(&self, handle: &str) -> Run {
        run(&["status", handle, "--base-url", &self.url(), "--json"])
    }
}

fn task_id(handle: &str) -> String {
    let handle: Value = serde_json::from_str(handle).unwrap();
    handle["task_id"].as_str().unwrap().to_owned()
}

#[test]
fn list_cancel_and_delete_against_the_simulator() {
    let sim = TestSim::start(Duration::from_secs(600));
    let url = sim.url();
    let queued = sim.submit("seedance-1.5-pro");
    let other = sim.submit("seedance-2.0");

    let listed = run(&["list", "--provider", "ark", "--base-url", &url, "--json"])
        .success()
        .json();
    assert_eq!(listed["count"], 2, "{listed}");
    let ids: Vec<&str> = listed["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["task_id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&task_id(&queued).as_str()), "{listed}");
    // A listed handle is one the other commands take.
    let listed_handle = listed["tasks"][0]["handle_text"].as_str().unwrap();
    sim.status(listed_handle).success();

    let filtered = run(&[
        "list",
        "--provider",
        "ark",
        "--base-url",
        &url,
        "--model",
        "seedance-2.0",
        "--status",
        "queued",
        "--json",
    ])
    .success()
    .json();
    assert_eq!(filtered["count"], 1, "{filtered}");
    assert_eq!(filtered["tasks"][0]["task_id"], task_id(&other).as_str());
    let limited = run(&[
        "list",
        "--provider",
        "ark",
        "--base-url",
        &url,
        "--limit",
        "1",
    ])
    .success();
    assert_eq!(limited.stdout.lines().count(), 1, "{}", limited.describe());
    assert!(
        limited.stdout.starts_with("queued\t"),
        "{}",
        limited.describe()
    );

    let cancelled = run(&["cancel", &queued, "--base-url", &url]).success();
    assert_eq!(
        cancelled.stdout.trim(),
        format!("cancelled {}", task_id(&queued))
    );
    assert_eq!(sim.status(&queued).success().json()["status"], "cancelled");
    // Ark keeps a cancelled task's record: it cannot be deleted.
    let refused = run(&["delete", &queued, "--base-url", &url]);
    assert_eq!(refused.code, 1, "{}", refused.describe());
    assert!(
        refused
            .stderr
            .contains("is cancelled and cannot be deleted"),
        "{}",
        refused.describe()
    );

    // Past its run time the other task has succeeded: its record can be deleted, once.
    sim.sim.advance_clock(Duration::from_secs(601));
    let running_cancel = run(&["cancel", &other, "--base-url", &url]);
    assert_eq!(running_cancel.code, 1, "{}", running_cancel.describe());
    assert!(
        running_cancel
            .stderr
            .contains("is succeeded and cannot be cancelled"),
        "{}",
        running_cancel.describe()
    );
    let deleted = run(&["delete", &other, "--base-url", &url, "--json"])
        .success()
        .json();
    assert_eq!(deleted["status"], "deleted");
    assert_eq!(deleted["task_id"], task_id(&other).as_str());
    let gone = sim.status(&other);
    assert_eq!(gone.code, 1, "{}", gone.describe());
    assert!(gone.stderr.contains("not found"), "{}", gone.describe());
}

#[test]
fn a_queued_task_is_cancelled_at_the_timeout_on_request() {
    let sim = TestSim::start(Duration::from_secs(600));
    let url = sim.url();
    let handle = sim.submit("seedance-1.5-pro");
    let dir = std::env::temp_dir().join(format!("seedance-tasks-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let output = dir.join("never.mp4");
    let output = output.to_str().unwrap();
    let waited = run(&[
        "wait",
        &handle,
        "--base-url",
        &url,
        "--timeout",
        "1s",
        "--cancel-on-timeout",
        "-o",
        output,
    ]);
    assert_eq!(waited.code, 1, "{}", waited.describe());
    assert!(
        waited.stderr.contains("has been cancelled"),
        "{}",
        waited.describe()
    );
    assert_eq!(sim.status(&handle).success().json()["status"], "cancelled");

    let other = sim.submit("seedance-1.5-pro");
    let waited = run(&[
        "wait",
        &other,
        "--base-url",
        &url,
        "--timeout",
        "1s",
        "-o",
        output,
    ]);
    assert_eq!(waited.code, 1, "{}", waited.describe());
    assert!(
        waited.stderr.contains("may still finish"),
        "{}",
        waited.describe()
    );
    assert_eq!(sim.status(&other).success().json()["status"], "queued");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_unknown_outcome_lists_the_tasks_to_adopt() {
    let sim = TestSim::start(Duration::from_secs(600));
    let url = sim.url();
    sim.sim.inject(
        FaultRule::new(Route::Submit, Fault::DropConnection)
            .provider("ark")
            .times(1),
    );
    let lost = run(&[
        "generate",
        "A cat",
        "--provider",
        "ark",
        "--base-url",
        &url,
        "--no-wait",
        "--json",
    ]);
    assert_eq!(lost.code, 1, "{}", lost.describe());
    let answer = lost.json();
    assert_eq!(answer["status"], "outcome_unknown", "{}", lost.describe());
    let created = sim.sim.created_tasks();
    assert_eq!(created.len(), 1, "the dropped submit created its task");
    let candidates = answer["candidates"].as_array().expect("candidates");
    assert_eq!(candidates.len(), 1, "{answer}");
    assert_eq!(candidates[0]["provider"], "ark");
    let adopted = candidates[0].to_string();
    sim.status(&adopted).success();

    // Without --json, the candidates are printed with the command that adopts them.
    sim.sim.inject(
        FaultRule::new(Route::Submit, Fault::DropConnection)
            .provider("ark")
            .times(1),
    );
    let lost = run(&[
        "generate",
        "A dog",
        "--provider",
        "ark",
        "--model",
        "seedance-1.5-pro",
        "--base-url",
        &url,
        "--no-wait",
    ]);
    assert_eq!(lost.code, 1, "{}", lost.describe());
    assert!(
        lost.stderr.contains("adopt the one this submit created"),
        "{}",
        lost.describe()
    );
    assert!(
        lost.stderr.contains("seedance wait '{\"provider\":\"ark\""),
        "{}",
        lost.describe()
    );
}

#[test]
fn providers_without_task_endpoints_exit_2_before_any_request() {
    let sim = TestSim::start(Duration::from_secs(600));
    let url = sim.sim.base_url("modellix");
    let handle =
        format!(r#"{{"provider":"modellix","base_url":"{url}","task_id":"t-1","created_at":0}}"#);
    for args in [
        vec!["cancel", handle.as_str(), "--base-url", url.as_str()],
        vec!["delete", handle.as_str(), "--base-url", url.as_str()],
        vec!["list", "--provider", "modellix", "--base-url", url.as_str()],
    ] {
        let refused = run(&args);
        assert_eq!(refused.code, 2, "{args:?}: {}", refused.describe());
        assert!(
            refused.stderr.contains("providers that can: ark"),
            "{}",
            refused.describe()
        );
    }
    assert_eq!(sim.sim.counters().api_requests(), 0, "nothing was sent");
}
