//! End-to-end tests of `seedance batch` against a simulator running in the test: mixed
//! providers with a local frame, validation before anything is sent, reruns that skip, resume
//! and re-download without submitting again, changed lines, `--json` events, the per-provider
//! limits, and runs killed with SIGKILL and run again without losing or duplicating a task.

use std::{
    collections::BTreeMap,
    path::Path,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use seedance_journal::{JobState, Journal, StateKind, sha256_hex};
use seedance_sim::{Fault, FaultRule, Route};
use serde_json::{Value, json};

mod common;

use common::{Run, TempDir, TestSim, png, run};

const PROVIDERS: [&str; 4] = ["modellix", "jiekou", "odkkk", "ark"];

impl TestSim {
    /// `seedance batch` with `args`, every provider pointed at this simulator, nothing
    /// inherited from the environment.
    fn batch(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_seedance"));
        command.arg("batch").args(args);
        for provider in PROVIDERS {
            let upper = provider.to_uppercase();
            command.env_remove(format!("{upper}_API_KEY"));
            command.env(format!("{upper}_BASE_URL"), self.sim.base_url(provider));
        }
        command.env_remove("RUST_LOG");
        command
    }

    /// Tasks created per prompt.
    fn created(&self) -> BTreeMap<String, u64> {
        self.sim.counters().submits_per_prompt
    }

    fn n_created(&self) -> u64 {
        self.created().values().sum()
    }
}

impl Run {
    /// The `--json` events, each checked to parse and to carry `event` and `at_ms`.
    fn events(&self) -> Vec<Value> {
        self.stdout
            .lines()
            .map(|line| {
                let event: Value = serde_json::from_str(line)
                    .unwrap_or_else(|err| panic!("{err}: {line}\n{}", self.describe()));
                assert!(event["event"].is_string(), "{line}");
                assert!(event["at_ms"].is_u64(), "{line}");
                event
            })
            .collect()
    }
}

impl TempDir {
    /// Writes the jobs file `jobs.jsonl`, one line per value.
    fn jobs(&self, lines: &[Value]) -> String {
        let text: String = lines.iter().map(|line| format!("{line}\n")).collect();
        std::fs::write(self.path("jobs.jsonl"), text).unwrap();
        self.str("jobs.jsonl")
    }
}

/// Checks that `path` is an MP4 whose manifest records its size and SHA-256; returns the
/// manifest.
fn assert_video_and_manifest(path: &Path) -> Value {
    let data = std::fs::read(path).unwrap_or_else(|err| panic!("{}: {err}", path.display()));
    assert_eq!(&data[4..8], b"ftyp", "{} is not an MP4", path.display());
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(path.with_extension("json")).unwrap()).unwrap();
    assert_eq!(manifest["bytes"], data.len() as u64, "{manifest}");
    assert_eq!(manifest["sha256"], sha256_hex(&data), "{manifest}");
    for field in [
        "task_id",
        "submitted_at",
        "finished_at",
        "downloaded_at",
        "video_host",
    ] {
        assert!(!manifest[field].is_null(), "{field} in {manifest}");
    }
    manifest
}

#[test]
fn mixed_providers_with_a_local_frame_then_reruns_skip_redownload_and_see_changes() {
    let sim = TestSim::start(Duration::from_millis(300));
    let dir = TempDir::new("happy");
    std::fs::create_dir_all(dir.path("frames")).unwrap();
    std::fs::write(dir.path("frames/a.png"), png(640, 360)).unwrap();
    let mut lines = vec![
        json!({"id": "lighthouse", "provider": "jiekou", "prompt": "happy: a lighthouse", "duration": 5}),
        json!({"provider": "modellix", "prompt": "happy: a fox"}),
        json!({"id": "kite", "provider": "ark", "model": "seedance-2.0", "prompt": "happy: a kite",
               "inputs": {"mode": "first_frame", "first": {"path": "frames/a.png"}}}),
        json!({"id": "owl", "prompt": "happy: an owl", "output": "birds/owl.mp4"}),
    ];
    let jobs = dir.jobs(&lines);
    let out = dir.str("out");
    let args = ["--out", &out, "--provider", "odkkk", &jobs];
    let first = run(&mut sim.batch(&args));
    first.assert_code(0);
    assert!(first.stderr.contains("4 succeeded"), "{}", first.describe());
    for (name, provider) in [
        ("out/lighthouse.mp4", "jiekou"),
        ("out/2.mp4", "modellix"),
        ("out/kite.mp4", "ark"),
        ("out/birds/owl.mp4", "odkkk"),
    ] {
        let manifest = assert_video_and_manifest(&dir.path(name));
        assert_eq!(manifest["provider"], provider, "{manifest}");
    }
    let kite = assert_video_and_manifest(&dir.path("out/kite.mp4"));
    assert_eq!(kite["request"]["inputs"]["mode"], "first_frame", "{kite}");
    assert!(dir.path("out/seedance-batch.sqlite").exists());
    assert!(
        sim.created().values().all(|n| *n == 1),
        "{:?}",
        sim.created()
    );
    assert_eq!(sim.n_created(), 4);

    // The same command again: nothing is sent to any provider.
    let before = sim.sim.counters().api_requests();
    let again = run(&mut sim.batch(&args));
    again.assert_code(0);
    assert_eq!(
        again.stderr.matches(": skipped").count(),
        4,
        "{}",
        again.describe()
    );
    assert_eq!(sim.sim.counters().api_requests(), before);

    // A deleted video is downloaded again from the recorded URL, without a submit.
    std::fs::remove_file(dir.path("out/2.mp4")).unwrap();
    std::fs::remove_file(dir.path("out/2.json")).unwrap();
    let videos = sim.route("media video");
    run(&mut sim.batch(&args)).assert_code(0);
    assert_video_and_manifest(&dir.path("out/2.mp4"));
    assert_eq!(sim.route("media video"), videos + 1);
    assert_eq!(sim.sim.counters().api_requests(), before);

    // A changed line is a new job; the earlier task stays in the journal and is named.
    lines[0]["prompt"] = json!("happy: a lighthouse in fog");
    dir.jobs(&lines);
    let changed = run(&mut sim.batch(&args));
    changed.assert_code(0);
    assert!(
        changed.stderr.contains("job lighthouse: changed: job lighthouse changed since the last run: the earlier task sim-jiekou-"),
        "{}",
        changed.describe()
    );
    assert_eq!(sim.n_created(), 5);
    let journal = Journal::open(dir.path("out/seedance-batch.sqlite")).unwrap();
    let versions = journal.jobs_for_id("lighthouse").unwrap();
    assert_eq!(versions.len(), 2);
    assert!(
        versions
            .iter()
            .all(|job| job.state.kind() == StateKind::Downloaded)
    );
    assert_eq!(journal.total_submits().unwrap(), 5);
}

#[test]
fn an_invalid_line_exits_2_names_line_and_field_and_sends_nothing() {
    let sim = TestSim::start(Duration::ZERO);
    let dir = TempDir::new("invalid");
    let jobs = dir.jobs(&[
        json!({"provider": "jiekou", "prompt": "ok"}),
        json!({"provider": "jiekou", "prompt": "too long", "duration": 99}),
        json!({"provider": "ark", "prompt": "frame", "model": "seedance-2.0",
               "inputs": {"mode": "first_frame", "first": {"path": "missing.png"}}}),
        json!({"prompt": "no provider"}),
    ]);
    let out = dir.str("out");
    let refused = run(&mut sim.batch(&["--out", &out, &jobs]));
    refused.assert_code(2);
    for expected in [
        "line 2: invalid duration",
        "line 3: invalid first_frame",
        "line 4: provider: missing",
    ] {
        assert!(
            refused.stderr.contains(expected),
            "{expected}\n{}",
            refused.describe()
        );
    }
    assert!(
        refused.stderr.contains("nothing was sent"),
        "{}",
        refused.describe()
    );
    assert_eq!(sim.sim.counters().api_requests(), 0);
    assert!(!dir.path("out").exists(), "nothing is written either");
}

#[test]
fn json_events_parse_and_tell_every_state_change() {
    let sim = TestSim::start(Duration::from_millis(200));
    let dir = TempDir::new("json");
    let jobs = dir.jobs(&[
        json!({"id": "a", "provider": "jiekou", "prompt": "json a"}),
        json!({"id": "b", "provider": "ark", "model": "seedance-2.0", "prompt": "json b"}),
    ]);
    let out = dir.str("out");
    let result = run(&mut sim.batch(&["--json", "--out", &out, &jobs]));
    result.assert_code(0);
    let events = result.events();
    for id in ["a", "b"] {
        let kinds: Vec<&str> = events
            .iter()
            .filter(|event| event["job"] == id)
            .filter_map(|event| event["event"].as_str())
            .collect();
        let wanted = ["submitting", "submitted", "finished", "downloaded"];
        let positions: Vec<usize> = wanted
            .iter()
            .map(|kind| {
                kinds
                    .iter()
                    .position(|k| k == kind)
                    .unwrap_or_else(|| panic!("{kind} in {kinds:?}"))
            })
            .collect();
        assert!(
            positions.windows(2).all(|pair| pair[0] < pair[1]),
            "{kinds:?}"
        );
    }
    let summary = events.last().unwrap();
    assert_eq!(summary["event"], "summary");
    assert_eq!(summary["succeeded"], 2);
    assert!(!result.stderr.contains("job a:"), "{}", result.describe());
}

/// Every job's time in flight, from its submit to its terminal status, from the events.
fn in_flight_intervals(events: &[Value]) -> Vec<(u64, u64)> {
    let mut starts = BTreeMap::new();
    let mut intervals = Vec::new();
    for event in events {
        let (Some(job), Some(at)) = (event["job"].as_str(), event["at_ms"].as_u64()) else {
            continue;
        };
        match event["event"].as_str() {
            Some("submitting") => {
                starts.insert(job.to_owned(), at);
            }
            Some("finished" | "failed") => intervals.push((starts[job], at)),
            _ => {}
        }
    }
    intervals
}

#[test]
fn concurrency_bounds_the_tasks_in_flight_per_provider() {
    let sim = TestSim::start(Duration::from_millis(800));
    let dir = TempDir::new("concurrency");
    let lines: Vec<Value> = (0..6)
        .map(|n| json!({"provider": "ark", "model": "seedance-2.0", "prompt": format!("concurrency {n}")}))
        .collect();
    let jobs = dir.jobs(&lines);
    let out = dir.str("out");
    let result = run(&mut sim.batch(&[
        "--json",
        "--concurrency",
        "2",
        "--rpm",
        "6000",
        "--out",
        &out,
        &jobs,
    ]));
    result.assert_code(0);
    let intervals = in_flight_intervals(&result.events());
    assert_eq!(intervals.len(), 6);
    let max_in_flight = intervals
        .iter()
        .map(|(start, _)| {
            intervals
                .iter()
                .filter(|(other_start, other_end)| other_start <= start && start < other_end)
                .count()
        })
        .max()
        .unwrap();
    assert_eq!(max_in_flight, 2, "{intervals:?}");
    assert_eq!(sim.n_created(), 6);
}

#[test]
fn a_429_pauses_every_job_of_the_provider() {
    let sim = TestSim::start(Duration::from_secs(4));
    let dir = TempDir::new("ratelimit");
    let lines: Vec<Value> = (0..3)
        .map(|n| json!({"provider": "jiekou", "prompt": format!("ratelimit {n}")}))
        .collect();
    let jobs = dir.jobs(&lines);
    let out = dir.str("out");
    let child = sim
        .batch(&["--json", "--rpm", "6000", "--out", &out, &jobs])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Once the three tasks are polled, one status request is answered 429 with Retry-After 2.
    wait_for(|| sim.route("jiekou status") >= 3, "three polls");
    sim.sim.inject(
        FaultRule::new(
            Route::Status,
            Fault::Status {
                code: 429,
                retry_after: Some(2),
            },
        )
        .provider("jiekou")
        .times(1),
    );
    wait_for(
        || sim.sim.counters().faults_ending_with(": status 429") == 1,
        "the 429",
    );
    // Polls already on their way when the 429 was sent may still arrive; then none for the
    // rest of the 2 s pause. Unpaused, three jobs polling every 200 ms to 1 s would send
    // several requests in 1.2 s.
    std::thread::sleep(Duration::from_millis(300));
    let polls = sim.route("jiekou status");
    std::thread::sleep(Duration::from_millis(1200));
    assert_eq!(
        sim.route("jiekou status"),
        polls,
        "no job polled during the pause"
    );
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    let stdout = String::from_utf8(output.stdout).unwrap();
    let limited: Vec<Value> = stdout
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|event| event["event"] == "rate_limited")
        .collect();
    assert_eq!(limited.len(), 1, "{stdout}");
    assert_eq!(limited[0]["provider"], "jiekou");
    assert_eq!(limited[0]["pause_ms"], 2000);
    assert_eq!(sim.n_created(), 3);
}

fn wait_for(mut condition: impl FnMut() -> bool, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !condition() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// SIGKILLs `child` (std's `kill` sends SIGKILL on Unix) and reaps it.
fn sigkill(mut child: Child) {
    child.kill().unwrap();
    child.wait().unwrap();
}

fn journal_counts(path: &Path) -> BTreeMap<StateKind, usize> {
    if !path.exists() {
        return BTreeMap::new();
    }
    Journal::open(path)
        .and_then(|journal| journal.counts())
        .unwrap_or_default()
}

/// Jobs whose handle the journal recorded.
fn n_past_submit(path: &Path) -> usize {
    let counts = journal_counts(path);
    [
        StateKind::Submitted,
        StateKind::Finished,
        StateKind::Downloaded,
    ]
    .iter()
    .map(|kind| counts.get(kind).copied().unwrap_or(0))
    .sum()
}

/// Every job downloaded, every prompt submitted exactly once, and the journal agreeing.
fn assert_all_done_once(sim: &TestSim, dir: &TempDir, prompts: &[String]) {
    let created = sim.created();
    for prompt in prompts {
        assert_eq!(created.get(prompt), Some(&1), "{prompt}: {created:?}");
    }
    assert_eq!(sim.n_created(), prompts.len() as u64, "{created:?}");
    let journal = Journal::open(dir.path("out/seedance-batch.sqlite")).unwrap();
    for job in journal.jobs().unwrap() {
        let JobState::Downloaded { path, .. } = &job.state else {
            panic!("{} is {:?}", job.key, job.state);
        };
        assert_video_and_manifest(Path::new(path));
    }
}

#[test]
fn ark_runs_killed_at_several_moments_lose_nothing_and_never_submit_twice() {
    let sim = TestSim::start(Duration::from_millis(600));
    let dir = TempDir::new("kill-ark");
    let prompts: Vec<String> = (0..10).map(|n| format!("kill ark {n}")).collect();
    let lines: Vec<Value> = prompts
        .iter()
        .map(|prompt| json!({"provider": "ark", "model": "seedance-2.0", "prompt": prompt}))
        .collect();
    let jobs = dir.jobs(&lines);
    let out = dir.str("out");
    let journal = dir.path("out/seedance-batch.sqlite");
    // One submit a second: a kill right after a task is created lands before or after the
    // journal recorded its handle, never in the next job's submit.
    let args = ["--rpm", "60", "--concurrency", "3", "--out", &out, &jobs];
    // The second submit's answer is lost after Ark created the task, and the listing that would
    // settle it fails: the run leaves that job submitting, as a crash right after the submit does.
    sim.sim.inject(
        FaultRule::new(Route::Submit, Fault::DropConnection)
            .provider("ark")
            .every(2)
            .times(1),
    );
    sim.sim.inject(
        FaultRule::new(
            Route::List,
            Fault::Status {
                code: 500,
                retry_after: None,
            },
        )
        .provider("ark")
        .times(1),
    );
    let first = run(&mut sim.batch(&args));
    first.assert_code(1);
    assert!(
        first
            .stderr
            .contains("'s submit has an unknown outcome and ark's tasks cannot be listed"),
        "{}",
        first.describe()
    );
    // No other Ark submit while job 2's task is unclaimed: it would make the listing ambiguous.
    assert_eq!(sim.n_created(), 2, "{}", first.describe());
    assert_eq!(journal_counts(&journal)[&StateKind::Submitting], 1);

    // Killed right after the 4th, 6th and 8th task are created: each time the job is somewhere
    // between its submit and the journal's record of the handle, or just past it.
    for kill_after in [4, 6, 8] {
        let child = sim
            .batch(&args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        wait_for(|| sim.n_created() >= kill_after, "the submits");
        sigkill(child);
    }
    let mut rerun = run(&mut sim.batch(&args));
    if rerun.code != 0 {
        // The kill landed after an intent was committed but before its request left: Ark lists
        // no task for it, which a person checks before running with --resubmit-unknown.
        assert!(
            rerun.stderr.contains("lists no task of this model"),
            "{}",
            rerun.describe()
        );
        assert!(
            sim.created().values().all(|n| *n == 1),
            "{:?}",
            sim.created()
        );
        let mut resubmit = args.to_vec();
        resubmit.insert(0, "--resubmit-unknown");
        rerun = run(&mut sim.batch(&resubmit));
    }
    rerun.assert_code(0);
    assert_all_done_once(&sim, &dir, &prompts);
    let journal = Journal::open(&journal).unwrap();
    let resubmitted = journal
        .jobs()
        .unwrap()
        .iter()
        .filter(|job| job.submit_count > 1)
        .count() as u64;
    assert_eq!(
        journal.total_submits().unwrap(),
        prompts.len() as u64 + resubmitted
    );
    // At least the job whose answer was lost was settled by listing Ark's tasks.
    let adopted = journal
        .jobs()
        .unwrap()
        .iter()
        .filter(|job| {
            journal
                .events(&job.key)
                .unwrap()
                .iter()
                .any(|event| event.detail.as_deref() == Some("adopted"))
        })
        .count();
    assert!(adopted >= 1, "no job was adopted");
}

#[test]
fn other_providers_killed_mid_submit_need_attention_then_resubmit_unknown() {
    let sim = TestSim::start(Duration::from_millis(600));
    let dir = TempDir::new("kill-jiekou");
    let prompts: Vec<String> = (0..5).map(|n| format!("kill jiekou {n}")).collect();
    let lines: Vec<Value> = prompts
        .iter()
        .map(|prompt| json!({"provider": "jiekou", "prompt": prompt}))
        .collect();
    let jobs = dir.jobs(&lines);
    let out = dir.str("out");
    let journal = dir.path("out/seedance-batch.sqlite");
    // One submit a second: the kill below lands between two submits, after the journal
    // recorded the second handle.
    let args = ["--rpm", "60", "--out", &out, &jobs];
    let child = sim
        .batch(&args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_for(
        || sim.n_created() >= 2 && n_past_submit(&journal) >= 2,
        "two recorded submits",
    );
    sigkill(child);
    // The next submit is held by the provider; the run is killed while it waits for the answer.
    sim.sim.inject(
        FaultRule::new(Route::Submit, Fault::Delay(Duration::from_secs(300)))
            .provider("jiekou")
            .times(1),
    );
    let submits = sim.route("jiekou submit");
    let child = sim
        .batch(&args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_for(|| sim.route("jiekou submit") > submits, "the held submit");
    sigkill(child);
    let created = sim.n_created();

    // Run again: the held job needs attention, with the window to check; nothing is resubmitted.
    let attention = run(&mut sim.batch(&args));
    attention.assert_code(1);
    assert!(
        attention.stderr.contains("needs attention: job "),
        "{}",
        attention.describe()
    );
    assert!(
        attention
            .stderr
            .contains("check jiekou's console for a task created from "),
        "{}",
        attention.describe()
    );
    assert!(
        attention.stderr.contains("--resubmit-unknown"),
        "{}",
        attention.describe()
    );
    assert_eq!(sim.created().values().filter(|n| **n > 1).count(), 0);
    let counts = journal_counts(&journal);
    assert_eq!(counts[&StateKind::NeedsAttention], 1, "{counts:?}");
    assert!(sim.n_created() >= created);

    // The provider created no task in the window, so resubmitting is safe.
    let mut resubmit = args.to_vec();
    resubmit.insert(0, "--resubmit-unknown");
    run(&mut sim.batch(&resubmit)).assert_code(0);
    assert_all_done_once(&sim, &dir, &prompts);
}

#[test]
fn the_example_jobs_file_runs_with_sim() {
    let dir = TempDir::new("example");
    let jobs = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/batch/jobs.jsonl");
    let out = dir.str("out");
    let mut command = Command::new(env!("CARGO_BIN_EXE_seedance"));
    command
        .args([
            "batch",
            jobs.to_str().unwrap(),
            "--sim",
            "--json",
            "--out",
            &out,
        ])
        .env("SEEDANCE_SIM_TASK_SECONDS", "0.2");
    for provider in PROVIDERS {
        let upper = provider.to_uppercase();
        command.env_remove(format!("{upper}_API_KEY"));
        command.env_remove(format!("{upper}_BASE_URL"));
    }
    let result = run(&mut command);
    result.assert_code(0);
    let summary = result.events().pop().unwrap();
    assert_eq!(summary["succeeded"], 5, "{summary}");
    // Ark names the dated model id it ran and the seed it used; odkkk reports neither.
    let ark = assert_video_and_manifest(&dir.path("out/lighthouse-from-frame.mp4"));
    assert_eq!(ark["model_id"], "dreamina-seedance-2-0-260128", "{ark}");
    assert!(ark["seed"].is_u64(), "{ark}");
    let odkkk = assert_video_and_manifest(&dir.path("out/birds/owl.mp4"));
    assert!(odkkk["seed"].is_null(), "{odkkk}");
    assert_eq!(odkkk["usage"]["credits"], 8.0, "{odkkk}");
}

#[test]
fn an_ark_answer_lost_after_the_task_was_created_is_adopted_not_submitted_again() {
    let sim = TestSim::start(Duration::from_millis(200));
    let dir = TempDir::new("truncated");
    let jobs = dir.jobs(&[json!({"id": "t", "provider": "ark", "model": "seedance-2.0", "prompt": "truncated answer"})]);
    sim.sim.inject(
        FaultRule::new(Route::Submit, Fault::TruncateBody)
            .provider("ark")
            .times(1),
    );
    let out = dir.str("out");
    let result = run(&mut sim.batch(&["--json", "--out", &out, &jobs]));
    result.assert_code(0);
    let kinds: Vec<String> = result
        .events()
        .iter()
        .filter_map(|event| event["event"].as_str().map(str::to_owned))
        .collect();
    // Half an answer: no task id can be read, so the task is found in Ark's list.
    let unknown = kinds.iter().position(|kind| kind == "outcome_unknown");
    let adopted = kinds.iter().position(|kind| kind == "adopted");
    assert!(unknown.is_some() && unknown < adopted, "{kinds:?}");
    assert_eq!(sim.created().get("truncated answer"), Some(&1));
    assert_video_and_manifest(&dir.path("out/t.mp4"));
}

/// A journal that already knows how long tasks like the job took places the job's polls around
/// that time: a sanity poll, then a few polls at the expected finish, instead of a back-off from
/// the submit that polls all along.
#[test]
fn the_journal_history_places_the_polls() {
    let polls_for_one_task = |history: bool| {
        let sim = TestSim::start(Duration::from_secs(4));
        let dir = TempDir::new(if history { "placed" } else { "unplaced" });
        let journal = dir.path("journal.sqlite");
        if history {
            let journal = Journal::open(&journal).unwrap();
            // The key `batch` records under: provider, model, resolution ("default" when the
            // request leaves it), seconds (0 when unset).
            for seconds in [4.0, 4.0, 4.2, 4.1, 3.9] {
                journal
                    .record_duration("ark", "seedance-2.0-fast", "default", 0, seconds)
                    .unwrap();
            }
        }
        let jobs = dir.jobs(&[json!({
            "provider": "ark",
            "model": "seedance-2.0-fast",
            "prompt": "placed polls",
        })]);
        let out = dir.str("out");
        run(&mut sim.batch(&["--journal", journal.to_str().unwrap(), "--out", &out, &jobs]))
            .assert_code(0);
        assert_eq!(sim.n_created(), 1);
        sim.route("ark status")
    };
    let placed = polls_for_one_task(true);
    let backed_off = polls_for_one_task(false);
    // Placed: a sanity poll at 2 s, then 3.8, 4.0, (4.2) s; backed off from the submit: 200 ms
    // growing by half each time, seven or more polls before 4 s.
    assert!(placed <= 5, "placed polls: {placed}");
    assert!(
        backed_off >= placed + 2,
        "placed {placed} vs backed off {backed_off}"
    );
}

/// The id of the task the simulator created for `prompt`.
fn task_of(sim: &TestSim, prompt: &str) -> String {
    let tasks = sim.sim.created_tasks();
    let mut ids = tasks.iter().filter(|task| task.prompt == prompt);
    let task = ids.next().unwrap_or_else(|| panic!("no task for {prompt}"));
    assert!(ids.next().is_none(), "{prompt} was submitted twice");
    task.id.clone()
}

fn has_event(run: &Run, kind: &str) -> bool {
    run.events().iter().any(|event| event["event"] == kind)
}

fn one_ark_job(dir: &TempDir, prompt: &str, extra: Value) -> String {
    let mut line = json!({"id": "j", "provider": "ark", "model": "seedance-2.0", "resolution": "720p", "prompt": prompt});
    for (key, value) in extra.as_object().unwrap() {
        line[key] = value.clone();
    }
    dir.jobs(&[line])
}

fn fail_once(sim: &TestSim, route: Route) {
    sim.sim.inject(
        FaultRule::new(
            route,
            Fault::Status {
                code: 500,
                retry_after: None,
            },
        )
        .provider("ark")
        .times(1),
    );
}

/// Two clients on one Ark account. Batch B's submit fails with a 500 before Ark creates
/// anything (the outcome is unknown to B) and the listing that would settle it fails; then
/// client A, which leaves `execution_expires_after` at Ark's default like any other client,
/// creates a task of the same model and parameters inside B's window. B's rerun must not take
/// that task for its own: B's submit carried a mark A's task lacks.
#[test]
fn a_task_of_another_client_on_the_same_account_is_not_adopted() {
    let sim = TestSim::start(Duration::from_millis(300));
    let a = TempDir::new("shared-a");
    let b = TempDir::new("shared-b");
    let a_jobs = one_ark_job(&a, "client a", json!({"execution_expires_after": 172_800}));
    let b_jobs = one_ark_job(&b, "client b", json!({}));
    let (a_out, b_out) = (a.str("out"), b.str("out"));
    let b_args = ["--json", "--out", &b_out, &b_jobs];
    fail_once(&sim, Route::Submit);
    fail_once(&sim, Route::List);
    run(&mut sim.batch(&b_args)).assert_code(1);
    assert_eq!(sim.n_created(), 0);
    let b_journal = b.path("out/seedance-batch.sqlite");
    assert_eq!(journal_counts(&b_journal)[&StateKind::Submitting], 1);

    run(&mut sim.batch(&["--out", &a_out, &a_jobs])).assert_code(0);
    let a_task = task_of(&sim, "client a");
    let lists = sim.route("ark list");

    let again = run(&mut sim.batch(&b_args));
    again.assert_code(1);
    assert!(sim.route("ark list") > lists, "B did not read Ark's list");
    assert!(!has_event(&again, "adopted"), "{}", again.describe());
    assert!(
        again
            .describe()
            .contains("lists no task of this model and these parameters created from"),
        "{}",
        again.describe()
    );
    let journal = Journal::open(&b_journal).unwrap();
    assert!(
        journal.jobs().unwrap().iter().all(|job| job
            .handle_json
            .as_deref()
            .is_none_or(|handle| !handle.contains(&a_task))),
        "B recorded A's task"
    );
    assert_eq!(journal_counts(&b_journal)[&StateKind::NeedsAttention], 1);

    // A person finds no task of B's in the console and submits it again.
    let mut resubmit = b_args.to_vec();
    resubmit.insert(0, "--resubmit-unknown");
    run(&mut sim.batch(&resubmit)).assert_code(0);
    let manifest = assert_video_and_manifest(&b.path("out/j.mp4"));
    assert_eq!(manifest["task_id"], task_of(&sim, "client b"), "{manifest}");
    assert_eq!(manifest["adopted"], false, "{manifest}");
    let mark = manifest["submit_mark"]["execution_expires_after"]
        .as_u64()
        .unwrap_or_else(|| panic!("no mark in {manifest}"));
    assert!((169_201..=172_799).contains(&mark), "{manifest}");
    assert_eq!(sim.created().get("client a"), Some(&1));
}

/// The same account, but B's submit did create its task (the answer was lost): among B's task
/// and A's, both of the same model and parameters and in B's window, B adopts its own.
#[test]
fn among_same_parameter_tasks_the_job_adopts_the_one_with_its_mark() {
    let sim = TestSim::start(Duration::from_millis(300));
    let a = TempDir::new("mark-a");
    let b = TempDir::new("mark-b");
    let a_jobs = one_ark_job(&a, "client a", json!({"execution_expires_after": 172_800}));
    let b_jobs = one_ark_job(&b, "client b", json!({}));
    let (a_out, b_out) = (a.str("out"), b.str("out"));
    let b_args = ["--json", "--out", &b_out, &b_jobs];
    sim.sim.inject(
        FaultRule::new(Route::Submit, Fault::DropConnection)
            .provider("ark")
            .times(1),
    );
    fail_once(&sim, Route::List);
    run(&mut sim.batch(&b_args)).assert_code(1);
    let b_task = task_of(&sim, "client b");
    run(&mut sim.batch(&["--out", &a_out, &a_jobs])).assert_code(0);
    let a_task = task_of(&sim, "client a");
    assert_ne!(a_task, b_task);

    let again = run(&mut sim.batch(&b_args));
    again.assert_code(0);
    let adopted = again
        .events()
        .into_iter()
        .find(|event| event["event"] == "adopted")
        .unwrap_or_else(|| panic!("nothing adopted: {}", again.describe()));
    assert_eq!(adopted["task_id"], b_task, "{adopted}");
    // The event says which mark and window it matched.
    assert!(adopted["tag"].is_u64(), "{adopted}");
    assert!(adopted["window"].is_array(), "{adopted}");
    let manifest = assert_video_and_manifest(&b.path("out/j.mp4"));
    assert_eq!(manifest["task_id"], b_task, "{manifest}");
    assert_eq!(manifest["adopted"], true, "{manifest}");
    assert_eq!(sim.created().get("client b"), Some(&1));
}

/// A provider without a task list: the job whose answer was lost needs attention, and the task
/// a person finds in the console is adopted with `--adopt ID=TASK_ID`, checked first.
#[test]
fn adopt_names_the_task_of_a_job_that_needs_attention() {
    let sim = TestSim::start(Duration::from_millis(300));
    let dir = TempDir::new("adopt");
    let jobs = dir.jobs(&[json!({"id": "j", "provider": "jiekou", "prompt": "adopt me"})]);
    let out = dir.str("out");
    let args = ["--json", "--out", &out, &jobs];
    sim.sim.inject(
        FaultRule::new(Route::Submit, Fault::DropConnection)
            .provider("jiekou")
            .times(1),
    );
    let first = run(&mut sim.batch(&args));
    first.assert_code(1);
    assert!(
        first
            .describe()
            .contains("run again with --adopt j=<task id>"),
        "{}",
        first.describe()
    );
    let task = task_of(&sim, "adopt me");
    let with = |adopt: &str| {
        let mut with = vec!["--adopt", adopt];
        with.extend_from_slice(&args);
        run(&mut sim.batch(&with))
    };

    // Mistakes exit 2 before any request.
    let requests = sim.sim.counters().api_requests();
    let unknown_job = with("nope=x");
    unknown_job.assert_code(2);
    assert!(
        unknown_job.stderr.contains("the jobs file has no job nope"),
        "{}",
        unknown_job.describe()
    );
    with("j").assert_code(2);
    assert_eq!(sim.sim.counters().api_requests(), requests);

    // A task the provider does not know is not recorded.
    let typo = with("j=not-a-task");
    typo.assert_code(1);
    assert!(
        typo.describe()
            .contains("--adopt names task not-a-task, which jiekou does not know"),
        "{}",
        typo.describe()
    );
    assert_eq!(
        journal_counts(&dir.path("out/seedance-batch.sqlite"))[&StateKind::NeedsAttention],
        1
    );

    let adopted = with(&format!("j={task}"));
    adopted.assert_code(0);
    assert!(has_event(&adopted, "adopted"), "{}", adopted.describe());
    let manifest = assert_video_and_manifest(&dir.path("out/j.mp4"));
    assert_eq!(manifest["task_id"], task, "{manifest}");
    assert_eq!(manifest["adopted"], true, "{manifest}");
    assert_eq!(manifest["submit_mark"], Value::Null, "{manifest}");
    assert_eq!(sim.created().get("adopt me"), Some(&1));

    // The job is done: naming a task for it again is a mistake.
    let done = with(&format!("j={task}"));
    done.assert_code(2);
    assert!(
        done.stderr.contains("job j is downloaded"),
        "{}",
        done.describe()
    );
}
