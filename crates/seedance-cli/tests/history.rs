//! The duration history of `seedance generate` and `wait`: `--history FILE` records each
//! finished task and is created on the first one; the default file is left alone against the
//! simulator; the flags that make no sense together are refused; `wait` places its polls for a
//! task `generate --no-wait` recorded, and waits as before for a task the history does not know.

use std::{path::PathBuf, process::Command, time::Duration};

use seedance_journal::{Journal, TaskKey};
use serde_json::Value;

mod common;

use common::{TempDir, TestSim};

/// `seedance generate` of a 0.3 s simulated task on Modellix, run in `dir` with its state
/// directories there, plus `extra` flags; returns the exit code and stderr.
fn generate(dir: &TempDir, extra: &[&str]) -> (i32, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_seedance"))
        .args(["generate", "A cat", "--provider", "modellix", "--sim"])
        .args(extra)
        .current_dir(&dir.0)
        .env("SEEDANCE_SIM_TASK_SECONDS", "0.3")
        .env("HOME", dir.0.join("home"))
        .env("XDG_STATE_HOME", dir.0.join("state"))
        .env_remove("RUST_LOG")
        .output()
        .expect("the binary runs");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn history_file_records_each_finished_task() {
    let dir = TempDir::new("record");
    let file = dir.0.join("nested").join("history.sqlite");
    let flag = file.to_str().unwrap().to_owned();
    for run in 1..=4 {
        let (code, stderr) = generate(&dir, &["--history", &flag, "-o", "cat.mp4"]);
        assert_eq!(code, 0, "run {run}: {stderr}");
        assert!(!stderr.contains("warning"), "run {run}: {stderr}");
        let journal = Journal::open(&file).expect("created by the first finished task");
        let estimate = journal
            .expected_duration("modellix", "seedance-1.5-pro", "default", 0)
            .unwrap()
            .expect("samples");
        assert_eq!(estimate.n, run, "one sample per finished task");
        // Submit to the finish being seen, from a whole-second `created_at`: at least the
        // task's 0.3 s, at most that plus a second plus the polling.
        assert!(
            (0.3..3.0).contains(&estimate.median),
            "run {run}: {estimate:?}"
        );
    }
}

#[test]
fn the_default_file_is_left_alone_against_the_simulator() {
    let dir = TempDir::new("default");
    let (code, stderr) = generate(&dir, &["-o", "cat.mp4"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(dir.0.join("cat.mp4").exists());
    assert!(
        !dir.0.join("state").exists() && !dir.0.join("home").exists(),
        "a simulated task must not enter the real history"
    );
}

#[test]
fn contradictory_history_flags_are_refused() {
    let dir = TempDir::new("flags");
    let file = dir.0.join("history.sqlite");
    let flag = file.to_str().unwrap().to_owned();
    let (code, stderr) = generate(&dir, &["--history", &flag, "--no-history"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("--history"), "{stderr}");
    assert!(!file.exists());
    let waited = Command::new(env!("CARGO_BIN_EXE_seedance"))
        .args(["wait", "{}", "--history", &flag, "--no-history"])
        .env_remove("RUST_LOG")
        .output()
        .expect("the binary runs");
    let stderr = String::from_utf8_lossy(&waited.stderr);
    assert_eq!(waited.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("--history"), "{stderr}");
    assert!(!file.exists());
}

#[test]
fn an_unreadable_history_costs_a_warning_not_the_video() {
    let dir = TempDir::new("broken");
    let file = dir.0.join("history.sqlite");
    std::fs::write(
        &file,
        "not a database, only text long enough to be read as one",
    )
    .unwrap();
    let flag = file.to_str().unwrap();
    let (code, stderr) = generate(&dir, &["--history", flag, "-o", "cat.mp4"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("warning"), "{stderr}");
    assert!(stderr.contains("history.sqlite"), "{stderr}");
    assert!(dir.0.join("cat.mp4").exists());
}

impl TestSim {
    /// `seedance` with `args` against this simulator's Ark, run in `dir` with its state
    /// directories there; returns the exit code, stdout and stderr.
    fn seedance(&self, dir: &TempDir, args: &[&str]) -> (i32, String, String) {
        let output = Command::new(env!("CARGO_BIN_EXE_seedance"))
            .args(args)
            .args(["--base-url", &self.sim.base_url("ark")])
            .current_dir(&dir.0)
            .env("HOME", dir.0.join("home"))
            .env("XDG_STATE_HOME", dir.0.join("state"))
            .env_remove("ARK_API_KEY")
            .env_remove("ARK_BASE_URL")
            .env_remove("RUST_LOG")
            .output()
            .expect("the binary runs");
        (
            output.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&output.stdout).into_owned(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    }

    /// Submits an Ark task of [`MODEL`] with `--no-wait` plus `history` flags; returns the
    /// handle text and the task id.
    fn submit(&self, dir: &TempDir, history: &[&str]) -> (String, String) {
        let mut args = vec![
            "generate",
            "A cat",
            "--provider",
            "ark",
            "--model",
            MODEL,
            "--no-wait",
            "--json",
        ];
        args.extend(history);
        let (code, stdout, stderr) = self.seedance(dir, &args);
        assert_eq!(code, 0, "{stderr}");
        assert!(!stderr.contains("warning"), "{stderr}");
        let json: Value = serde_json::from_str(&stdout).expect("JSON");
        (
            json["handle_text"].as_str().expect("a handle").to_owned(),
            json["task_id"].as_str().expect("a task id").to_owned(),
        )
    }

    /// `seedance wait` for `handle` into `out.mp4` plus `history` flags; checks that it
    /// downloaded the video without a warning.
    fn wait(&self, dir: &TempDir, handle: &str, history: &[&str]) {
        let mut args = vec!["wait", handle, "-o", "out.mp4"];
        args.extend(history);
        let (code, _, stderr) = self.seedance(dir, &args);
        assert_eq!(code, 0, "{stderr}");
        assert!(!stderr.contains("warning"), "{stderr}");
        assert!(dir.0.join("out.mp4").exists(), "{stderr}");
    }
}

/// The model of the tasks `wait` resumes: one that is not retired, so no warning is printed.
const MODEL: &str = "seedance-2.0-fast";

/// A history file in `dir` that knows five tasks of [`MODEL`] on Ark that took about 5 s.
///
/// The tests' tasks take 4 s: the waiter measures the time since the submit from whole
/// seconds, up to a second too long, so polls placed for 5 s land between 4 and 5 s, never
/// before a 4 s task finishes.
fn seeded_history(dir: &TempDir) -> PathBuf {
    let file = dir.0.join("history.sqlite");
    let journal = Journal::open(&file).unwrap();
    for seconds in [5.0, 5.0, 5.2, 5.1, 4.9] {
        journal
            .record_duration("ark", MODEL, "default", 0, seconds)
            .unwrap();
    }
    file
}

/// How many samples of the seeded key `file` holds.
fn samples(file: &PathBuf) -> usize {
    Journal::open(file)
        .unwrap()
        .expected_duration("ark", MODEL, "default", 0)
        .unwrap()
        .expect("samples")
        .n
}

/// `generate --no-wait --history F` records the task's key; `wait --history F` then places its
/// polls around the expected finish, as `generate` would, and records one more sample.
#[test]
fn wait_places_its_polls_for_a_task_generate_recorded() {
    let polls_for_one_task = |history: bool| {
        let sim = TestSim::start(Duration::from_secs(4));
        let dir = TempDir::new(if history {
            "wait-placed"
        } else {
            "wait-unplaced"
        });
        let file = seeded_history(&dir);
        let flag = file.to_str().unwrap().to_owned();
        let (handle, task_id) = sim.submit(&dir, &["--history", &flag]);
        assert_eq!(
            Journal::open(&file)
                .unwrap()
                .task_key("ark", &task_id)
                .unwrap(),
            Some(TaskKey {
                model: MODEL.into(),
                resolution: "default".into(),
                duration_s: 0,
            }),
            "recorded at the submit"
        );
        let wait_flags = if history {
            vec!["--history", flag.as_str()]
        } else {
            vec!["--no-history"]
        };
        sim.wait(&dir, &handle, &wait_flags);
        assert_eq!(
            samples(&file),
            if history { 6 } else { 5 },
            "one more sample only when the history is used"
        );
        sim.sim.counters().route("ark status")
    };
    let placed = polls_for_one_task(true);
    let backed_off = polls_for_one_task(false);
    // Placed: a sanity poll halfway, then a few around 5 s (4 to 5 s after the submit); backed
    // off: 200 ms growing by half each time, seven or more polls before 4 s.
    assert!(placed <= 5, "placed polls: {placed}");
    assert!(
        backed_off >= placed + 2,
        "placed {placed} vs backed off {backed_off}"
    );
}

/// A handle the history does not know (submitted without it) is waited for and downloaded,
/// without a warning, and adds no sample; the default file is not created against a loopback
/// server.
#[test]
fn wait_for_a_task_the_history_does_not_know_still_downloads() {
    let sim = TestSim::start(Duration::from_millis(300));
    let dir = TempDir::new("wait-unknown");
    let file = seeded_history(&dir);
    let flag = file.to_str().unwrap().to_owned();
    let (handle, task_id) = sim.submit(&dir, &["--no-history"]);
    assert_eq!(
        Journal::open(&file)
            .unwrap()
            .task_key("ark", &task_id)
            .unwrap(),
        None
    );
    sim.wait(&dir, &handle, &["--history", &flag]);
    assert_eq!(samples(&file), 5);
    // Without flags: the default file, left alone for a simulator.
    std::fs::remove_file(dir.0.join("out.mp4")).unwrap();
    sim.wait(&dir, &handle, &[]);
    assert!(!dir.0.join("state").exists() && !dir.0.join("home").exists());
}

/// A task that finished before `wait` first polled finished at an unknown time: `wait` downloads
/// it but records no sample.
#[test]
fn wait_records_no_sample_for_a_task_already_finished() {
    let sim = TestSim::start(Duration::from_millis(200));
    let dir = TempDir::new("wait-finished");
    let file = seeded_history(&dir);
    let flag = file.to_str().unwrap().to_owned();
    let (handle, _) = sim.submit(&dir, &["--history", &flag]);
    std::thread::sleep(Duration::from_millis(600));
    sim.wait(&dir, &handle, &["--history", &flag]);
    assert_eq!(samples(&file), 5);
}
