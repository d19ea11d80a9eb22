//! The official Ark Python SDK (`volcengine-ark-runtime`), unchanged, against the simulator:
//! create (a 2.0 reference request and a 1.5 pro text request, with the SDK's `null`s for every
//! unset field), get until succeeded, list with filters, cancel and delete
//! (`tests/python/ark_sdk_check.py`).
//!
//! The interpreter is `$SEEDANCE_PYTHON` (default `python3`; `.ci/python-sdk.sh` makes a venv
//! with the SDK and prints its interpreter). When the SDK cannot be imported the test fails,
//! unless `SEEDANCE_SKIP_PYTHON_SDK=1` says to skip it.

use std::{process::Stdio, time::Duration};

use seedance_sim::{Fault, FaultRule, Route, Sim, SimConfig};

/// What the script exits with when `volcenginesdkarkruntime` cannot be imported.
const EXIT_NO_SDK: i32 = 3;

#[tokio::test]
async fn the_official_python_sdk_works_against_the_simulator() {
    let python = std::env::var("SEEDANCE_PYTHON").unwrap_or_else(|_| "python3".to_owned());
    let skip = std::env::var("SEEDANCE_SKIP_PYTHON_SDK").is_ok_and(|v| v == "1");
    let config = SimConfig {
        task_duration: Duration::from_millis(800),
        ..SimConfig::default()
    };
    let sim = Sim::start(config).await.expect("the simulator starts");
    // The script's third create is the task it cancels while queued.
    sim.inject(
        FaultRule::new(Route::Submit, Fault::HoldQueued(Duration::from_secs(3600)))
            .provider("ark")
            .every(3)
            .times(1),
    );
    let script = seedance_workspace_tests::root().join("tests/python/ark_sdk_check.py");
    let child = std::process::Command::new(&python)
        .arg(&script)
        .arg(sim.base_url("ark"))
        .arg("sim-key")
        // httpx honours proxy variables; the simulator is on loopback.
        .env("NO_PROXY", "127.0.0.1,localhost")
        .env("no_proxy", "127.0.0.1,localhost")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let child = match child {
        Ok(child) => child,
        Err(err) if skip => {
            eprintln!("skipped (SEEDANCE_SKIP_PYTHON_SDK=1): cannot run {python}: {err}");
            return;
        }
        Err(err) => panic!(
            "cannot run {python}: {err}; set SEEDANCE_PYTHON to an interpreter with \
             volcengine-ark-runtime (.ci/python-sdk.sh makes one), or SEEDANCE_SKIP_PYTHON_SDK=1"
        ),
    };
    // Waited for off the runtime, which keeps serving the simulator meanwhile.
    let waiting = tokio::task::spawn_blocking(move || child.wait_with_output());
    let output = tokio::time::timeout(Duration::from_secs(180), waiting)
        .await
        .expect("the SDK check finishes within 3 minutes")
        .expect("the waiting thread does not panic")
        .expect("the SDK check runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    if output.status.code() == Some(EXIT_NO_SDK) {
        if skip {
            eprintln!("skipped (SEEDANCE_SKIP_PYTHON_SDK=1): {}", stderr.trim());
            return;
        }
        panic!(
            "{python} cannot import the Ark SDK: {}; set SEEDANCE_PYTHON to an interpreter with \
             volcengine-ark-runtime (.ci/python-sdk.sh makes one), or SEEDANCE_SKIP_PYTHON_SDK=1",
            stderr.trim()
        );
    }
    assert!(
        output.status.success(),
        "the SDK check failed ({}):\n{stdout}\n{stderr}",
        output.status
    );
    assert!(stdout.contains("the official Ark SDK works"), "{stdout}");

    // What the simulator saw: three creates, polls, four lists, deletes.
    let counters = sim.counters();
    assert_eq!(counters.route("ark submit"), 3, "{counters:?}");
    assert_eq!(counters.route("ark list"), 4, "{counters:?}");
    assert_eq!(counters.route("ark delete"), 3, "{counters:?}");
    assert!(counters.route("ark status") >= 4, "{counters:?}");
    let prompts: Vec<String> = sim
        .created_tasks()
        .into_iter()
        .map(|task| task.prompt)
        .collect();
    assert_eq!(
        prompts[0],
        "The cat of image 1 dances to audio 1, as in video 1"
    );
}
