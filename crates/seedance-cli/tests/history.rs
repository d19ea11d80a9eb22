//! The duration history of `seedance generate`: `--history FILE` records each finished task
//! and is created on the first one; the default file is left alone against the simulator; the
//! flags that make no sense together are refused.

use std::{path::PathBuf, process::Command};

use seedance_journal::Journal;

/// A directory removed at the end of the test.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!(
            "seedance-cli-history-{}-{name}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("a temp dir");
        Self(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

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
    for extra in [
        vec!["--history", &flag, "--no-history"],
        vec!["--history", &flag, "--no-wait"],
    ] {
        let (code, stderr) = generate(&dir, &extra);
        assert_eq!(code, 2, "{extra:?}: {stderr}");
        assert!(stderr.contains("--history"), "{extra:?}: {stderr}");
        assert!(!file.exists(), "{extra:?}");
    }
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
