//! End-to-end tests of the `seedance` binary against the simulator: every provider and mode with
//! `--sim`, resuming a task from its handle, invalid input refused before anything is sent, exit
//! codes, and the API key never showing up in any output.

use std::{
    io::{BufRead, BufReader, Read, Write},
    net::TcpListener,
    path::Path,
    process::{Command, Stdio},
    time::Duration,
};

use seedance_sim::{Fault, FaultRule, Route};
use serde_json::Value;

mod common;

use common::{TempDir, TestSim, png, run};

const KEY_VARS: [&str; 4] = [
    "MODELLIX_API_KEY",
    "JIEKOU_API_KEY",
    "ODKKK_API_KEY",
    "ARK_API_KEY",
];
const URL_VARS: [&str; 4] = [
    "MODELLIX_BASE_URL",
    "JIEKOU_BASE_URL",
    "ODKKK_BASE_URL",
    "ARK_BASE_URL",
];

/// The binary, with no key, base URL or log settings inherited from the environment, nor a
/// simulated task duration.
fn seedance(args: &[&str]) -> Command {
    let mut command = common::seedance(args);
    command.env_remove("SEEDANCE_SIM_TASK_SECONDS");
    command
}

impl TestSim {
    /// Submits a task for `provider` with `--no-wait` and returns its handle text.
    fn submit(&self, provider: &str) -> String {
        let submitted = run(&mut seedance(&[
            "generate",
            "A cat",
            "--provider",
            provider,
            "--base-url",
            &self.base_url(provider),
            "--no-wait",
        ]));
        submitted.assert_success();
        submitted.stdout.trim().to_owned()
    }
}

/// A loopback port that records whether anything connected to it (nothing ever accepts).
struct Trap(TcpListener);

impl Trap {
    fn new() -> Self {
        Self(TcpListener::bind("127.0.0.1:0").expect("a loopback port"))
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.0.local_addr().unwrap())
    }

    /// Panics if a connection was made: the kernel queues it even though nothing accepts.
    fn assert_untouched(&self) {
        self.0.set_nonblocking(true).unwrap();
        match self.0.accept() {
            Err(err) if err.kind() == std::io::ErrorKind::WouldBlock => {}
            other => panic!("something connected to the trap: {other:?}"),
        }
    }
}

/// A stand-in provider on loopback answering every request with `body` (JSON, 200).
fn stand_in(body: String) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut request = Vec::new();
            let mut buf = [0; 4096];
            while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                match stream.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => request.extend_from_slice(&buf[..n]),
                }
            }
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    url
}

/// Checks that `path` holds an MP4 file and returns its size.
fn assert_mp4(path: &Path) -> u64 {
    let data = std::fs::read(path).unwrap_or_else(|err| panic!("{}: {err}", path.display()));
    assert!(data.len() > 8, "{} is too small", path.display());
    assert_eq!(&data[4..8], b"ftyp", "{} is not an MP4", path.display());
    data.len() as u64
}

/// Checks the JSON printed for a finished task, and the file it names.
fn assert_finished(json: &Value, provider: &str, output: &Path) {
    assert_eq!(json["status"], "succeeded", "{json}");
    assert_eq!(json["provider"], provider, "{json}");
    assert!(
        json["task_id"].as_str().is_some_and(|id| !id.is_empty()),
        "{json}"
    );
    assert!(
        json["video_url"]
            .as_str()
            .is_some_and(|url| url.starts_with("http")),
        "{json}"
    );
    assert_eq!(json["output"], output.to_str().unwrap(), "{json}");
    assert_eq!(json["bytes"], assert_mp4(output), "{json}");
}

#[test]
fn generate_with_sim_for_every_provider_and_mode() {
    let dir = TempDir::new("modes");
    std::fs::write(dir.path("first.png"), png(640, 360)).unwrap();
    std::fs::write(dir.path("last.png"), png(640, 360)).unwrap();
    let (first, last) = (dir.str("first.png"), dir.str("last.png"));
    let (first_url, last_url) = (
        "https://example.com/first.png",
        "https://example.com/last.png",
    );

    let mut cases: Vec<(&str, Vec<&str>)> = Vec::new();
    for provider in ["modellix", "jiekou"] {
        cases.push((provider, vec![]));
        cases.push((provider, vec!["--first-frame", &first]));
        cases.push((
            provider,
            vec!["--first-frame", &first, "--last-frame", &last],
        ));
    }
    cases.push(("odkkk", vec![]));
    cases.push(("odkkk", vec!["--first-frame", first_url]));
    cases.push((
        "odkkk",
        vec!["--first-frame", first_url, "--last-frame", last_url],
    ));
    cases.push((
        "modellix",
        vec![
            "--model",
            "seedance-2.0-fast",
            "--reference-image",
            "https://example.com/style.png",
            "--reference-image",
            "https://example.com/subject.png",
            "--reference-audio",
            "https://example.com/voice.mp3",
            "--duration",
            "5",
            "--resolution",
            "720p",
        ],
    ));

    for (i, (provider, extra)) in cases.iter().enumerate() {
        let output = dir.path(&format!("out-{i}.mp4"));
        let output_str = output.to_str().unwrap();
        let mut args = vec!["generate", "A cat playing piano", "--provider", provider];
        args.extend(extra);
        args.extend(["--sim", "--json", "-o", output_str]);
        // One run lets the task progress; the others finish at once.
        let seconds = if i == 0 { "1" } else { "0" };
        let result = run(seedance(&args).env("SEEDANCE_SIM_TASK_SECONDS", seconds));
        result.assert_success();
        assert_finished(&result.json(), provider, &output);
        assert!(
            result.stderr.contains("succeeded") && result.stderr.contains("downloaded"),
            "{}",
            result.describe()
        );
        if i == 0 {
            assert!(result.stderr.contains("running"), "{}", result.describe());
        }
    }
}

#[test]
fn generate_prints_the_output_path_without_json() {
    let dir = TempDir::new("plain");
    let output = dir.path("cat.mp4");
    let result = run(seedance(&[
        "generate",
        "A cat",
        "--provider",
        "jiekou",
        "--seed",
        "-1",
        "--sim",
        "-o",
        output.to_str().unwrap(),
    ])
    .env("SEEDANCE_SIM_TASK_SECONDS", "0"));
    result.assert_success();
    assert_eq!(result.stdout.trim(), output.to_str().unwrap());
    assert_mp4(&output);
}

#[test]
fn a_handle_resumes_with_status_wait_and_download() {
    let sim = TestSim::start(Duration::from_secs(1));
    let dir = TempDir::new("resume");
    for (provider, key) in [
        ("modellix", "MODELLIX_API_KEY"),
        ("jiekou", "JIEKOU_API_KEY"),
        ("odkkk", "ODKKK_API_KEY"),
    ] {
        let base_url = sim.base_url(provider);
        let submitted = run(seedance(&[
            "generate",
            "A lighthouse at dusk",
            "--provider",
            provider,
            "--base-url",
            &base_url,
            "--no-wait",
            "--json",
        ])
        .env(key, "sim"));
        submitted.assert_success();
        let json = submitted.json();
        assert_eq!(json["provider"], provider, "{json}");
        let task_id = json["task_id"].as_str().expect("a task id");
        assert_eq!(json["handle"]["task_id"], task_id);
        assert_eq!(json["handle"]["base_url"], base_url.as_str());
        let handle = json["handle_text"].as_str().expect("the handle text");
        assert_eq!(
            serde_json::from_str::<Value>(handle).unwrap(),
            json["handle"]
        );

        // The key comes from the environment, the trusted server from --base-url...
        let status =
            run(seedance(&["status", handle, "--base-url", &base_url, "--json"]).env(key, "sim"));
        status.assert_success();
        let status = status.json();
        assert_eq!(status["task_id"], task_id);
        assert!(
            ["queued", "running", "succeeded"].contains(&status["status"].as_str().unwrap()),
            "{status}"
        );
        // ... or from <PROVIDER>_BASE_URL; for a simulator on loopback, the key may be left out.
        let url_var = format!("{}_BASE_URL", provider.to_uppercase());
        run(seedance(&["status", handle]).env(&url_var, &base_url)).assert_success();

        let waited = dir.path(&format!("{provider}-wait.mp4"));
        let result = run(seedance(&[
            "wait",
            handle,
            "--base-url",
            &base_url,
            "-o",
            waited.to_str().unwrap(),
            "--timeout",
            "30s",
            "--json",
        ])
        .env(key, "sim"));
        result.assert_success();
        assert_finished(&result.json(), provider, &waited);

        let handle_file = dir.path(&format!("{provider}.handle"));
        std::fs::write(&handle_file, handle).unwrap();
        let downloaded = dir.path(&format!("{provider}-download.mp4"));
        let result = run(seedance(&[
            "download",
            &format!("@{}", handle_file.display()),
            "--base-url",
            &base_url,
            "-o",
            downloaded.to_str().unwrap(),
            "--json",
        ])
        .env(key, "sim"));
        result.assert_success();
        assert_finished(&result.json(), provider, &downloaded);
        assert_eq!(
            std::fs::read(&waited).unwrap(),
            std::fs::read(&downloaded).unwrap()
        );

        let status = run(seedance(&["status", handle, "--base-url", &base_url]).env(key, "sim"));
        status.assert_success();
        assert!(
            status.stdout.starts_with("succeeded http"),
            "{}",
            status.describe()
        );
    }
}

#[test]
fn invalid_input_exits_2_and_sends_nothing() {
    let sim = TestSim::start(Duration::ZERO);
    let dir = TempDir::new("invalid");
    std::fs::write(dir.path("first.png"), png(640, 360)).unwrap();
    let first = dir.str("first.png");
    let missing = dir.str("missing.png");
    let cases: Vec<(&str, Vec<&str>, Vec<&str>)> = vec![
        (
            "modellix",
            vec!["--duration", "13"],
            vec!["duration", "4-12"],
        ),
        (
            "modellix",
            vec!["--model", "seedance-2.0-fast", "--resolution", "1080p"],
            vec!["resolution", "480p, 720p"],
        ),
        ("modellix", vec!["--fps", "30"], vec!["fps"]),
        ("jiekou", vec!["--fps", "30"], vec!["fps", "24"]),
        (
            "jiekou",
            vec!["--model", "seedance-2.0-fast"],
            vec!["model", "seedance-1.5-pro"],
        ),
        (
            "modellix",
            vec![
                "--first-frame",
                &first,
                "--reference-image",
                "https://e.com/a.png",
            ],
            vec!["--first-frame", "--reference-image"],
        ),
        (
            "modellix",
            vec!["--last-frame", &first],
            vec!["--first-frame"],
        ),
        (
            "modellix",
            vec!["--first-frame", &missing],
            vec!["first_frame", "missing.png"],
        ),
        (
            "odkkk",
            vec!["--first-frame", &first],
            vec!["first_frame", "URL"],
        ),
        (
            "acme",
            vec![],
            vec!["--provider", "modellix, jiekou, odkkk"],
        ),
        ("modellix", vec!["--ratio", "2:1"], vec!["--ratio", "16:9"]),
        (
            "odkkk",
            vec!["--callback-url", "http://example.com/hook"],
            vec!["callback_url", "https://"],
        ),
    ];
    for (provider, extra, expected) in cases {
        let base_url = if provider == "acme" {
            sim.base_url("modellix")
        } else {
            sim.base_url(provider)
        };
        let mut args = vec![
            "generate",
            "A cat",
            "--provider",
            provider,
            "--base-url",
            &base_url,
        ];
        args.extend(extra);
        let result = run(seedance(&args).envs(KEY_VARS.map(|var| (var, "sim"))));
        assert_eq!(result.code, 2, "{args:?}: {}", result.describe());
        assert!(result.stdout.is_empty(), "{}", result.describe());
        assert_eq!(result.stderr.lines().count(), 1, "{}", result.describe());
        assert!(
            result.stderr.starts_with("error: "),
            "{}",
            result.describe()
        );
        for word in expected {
            assert!(
                result.stderr.contains(word),
                "{word:?} in {}",
                result.describe()
            );
        }
    }
    assert_eq!(sim.api_requests(), 0, "{:?}", sim.sim.counters());
}

/// Ark's rules, refused before any request: a trap as the server proves nothing was sent.
#[test]
fn ark_refusals_exit_2_and_send_nothing() {
    let trap = Trap::new();
    let base_url = trap.url("/api/v3");
    let dir = TempDir::new("ark-invalid");
    let mut wav = b"RIFF\x24\x00\x00\x00WAVEfmt ".to_vec();
    wav.resize(44, 0);
    std::fs::write(dir.path("voice.wav"), &wav).unwrap();
    std::fs::write(dir.path("notes.txt"), b"not audio").unwrap();
    let (voice, notes) = (dir.str("voice.wav"), dir.str("notes.txt"));
    let video = "https://example.com/v.mp4";
    let cases: Vec<(&str, Vec<&str>, Vec<&str>)> = vec![
        (
            "ark",
            vec!["--model", "seedance-2.0", "--duration", "16"],
            vec![
                "invalid duration for ark seedance-2.0",
                "4-15 seconds or auto",
            ],
        ),
        (
            "ark",
            vec!["--model", "seedance-1.0-pro", "--duration", "auto"],
            vec!["duration", "auto is not supported", "2-12 seconds"],
        ),
        (
            "ark",
            vec!["--model", "seedance-1.0-pro", "--frames", "30"],
            vec!["frames", "25 + 4n in 29-289"],
        ),
        (
            "ark",
            vec![
                "--model",
                "seedance-1.0-pro",
                "--frames",
                "29",
                "--duration",
                "5",
            ],
            vec!["frames", "one of frames and duration"],
        ),
        (
            "ark",
            vec![
                "--model",
                "seedance-2.0",
                "--model-id",
                "dreamina-seedance-2-0-fast-260128",
            ],
            vec!["model_id", "dreamina-seedance-2-0-", "ep-"],
        ),
        (
            "ark",
            vec!["--model", "seedance-2.0", "--reference-audio", &voice],
            vec!["reference_audio", "at least one reference image or video"],
        ),
        (
            "ark",
            vec![
                "--model",
                "seedance-2.0",
                "--reference-video",
                video,
                "--reference-audio",
                &notes,
            ],
            vec!["reference_audio", "wav or mp3"],
        ),
        (
            "ark",
            vec![
                "--model",
                "seedance-2.0",
                "--edit",
                "--reference-video",
                video,
                "--reference-video",
                video,
            ],
            vec!["--edit takes one --reference-video"],
        ),
        (
            "ark",
            vec![
                "--model",
                "seedance-2.0",
                "--edit",
                "--reference-video",
                video,
                "--reference-audio",
                &voice,
            ],
            vec!["--edit", "--reference-audio"],
        ),
        (
            "ark",
            vec![
                "--model",
                "seedance-2.0",
                "--extend",
                "--reference-video",
                video,
                "--ratio",
                "16:9",
            ],
            vec!["ratio", "allowed: adaptive"],
        ),
        (
            "ark",
            vec![
                "--model",
                "seedance-2.5-flash",
                "--edit",
                "--reference-video",
                video,
            ],
            vec![
                "edit",
                "seedance-2.0, seedance-2.0-fast, seedance-2.0-mini, seedance-2.5",
            ],
        ),
        (
            "ark",
            vec!["--model", "seedance-1.0-pro", "--from-draft", "cgt-1"],
            vec!["draft_task", "seedance-1.5-pro, seedance-2.5"],
        ),
        (
            "ark",
            vec!["--model", "seedance-2.5", "--draft", "--resolution", "720p"],
            vec!["resolution", "allowed: 480p"],
        ),
        (
            "ark",
            vec!["--model", "seedance-2.0", "--priority", "10"],
            vec!["priority", "0-9"],
        ),
        (
            "ark",
            vec!["--model", "seedance-2.0", "--service-tier", "flex"],
            vec!["service_tier", "not supported"],
        ),
        (
            "ark",
            vec!["--model", "seedance-2.0-fast", "--resolution", "4k"],
            vec!["resolution", "480p, 720p"],
        ),
        (
            "ark",
            vec!["--duration", "soon"],
            vec!["--duration", "auto or whole seconds"],
        ),
        (
            "modellix",
            vec![
                "--model",
                "seedance-2.0-fast",
                "--reference-image",
                "https://example.com/a.png",
                "--reference-audio",
                &voice,
            ],
            vec!["reference_audio", "modellix does not take"],
        ),
        (
            "modellix",
            vec!["--model-id", "seedance-1-5-pro-251215"],
            vec!["model_id", "not supported"],
        ),
        (
            "modellix",
            vec!["--model", "seedance-2.0-fast", "--reference-video", video],
            vec!["reference_videos", "not supported"],
        ),
    ];
    for (provider, extra, expected) in cases {
        let mut args = vec![
            "generate",
            "A cat",
            "--provider",
            provider,
            "--base-url",
            &base_url,
        ];
        args.extend(extra);
        let result = run(seedance(&args).envs(KEY_VARS.map(|var| (var, "key"))));
        assert_eq!(result.code, 2, "{args:?}: {}", result.describe());
        assert!(result.stdout.is_empty(), "{}", result.describe());
        let last = result.stderr.lines().last().unwrap_or_default();
        assert!(last.starts_with("error: "), "{}", result.describe());
        for word in expected {
            assert!(last.contains(word), "{word:?} in {}", result.describe());
        }
    }
    trap.assert_untouched();
}

/// Choosing a model upstream marks retired warns with its replacement; the default does not.
#[test]
fn a_retired_model_warns_with_its_replacement() {
    let sim = TestSim::start(Duration::ZERO);
    let warning = "warning: seedance-1.5-pro is retired upstream; its recommended replacement is seedance-2.0-mini (--model seedance-2.0-mini)";
    for (extra, warns) in [
        (&["--model", "seedance-1.5-pro"][..], true),
        (&[][..], false),
    ] {
        let base_url = sim.base_url("modellix");
        let mut args = vec![
            "generate",
            "A cat",
            "--provider",
            "modellix",
            "--base-url",
            &base_url,
            "--no-wait",
        ];
        args.extend(extra);
        let result = run(seedance(&args).env("MODELLIX_API_KEY", "sim"));
        result.assert_success();
        assert_eq!(
            result.stderr.contains(warning),
            warns,
            "{}",
            result.describe()
        );
    }
}

#[test]
fn missing_key_and_bad_handles_exit_2() {
    let result = run(&mut seedance(&[
        "generate",
        "A cat",
        "--provider",
        "jiekou",
    ]));
    assert_eq!(result.code, 2, "{}", result.describe());
    assert!(
        result.stderr.contains("JIEKOU_API_KEY"),
        "{}",
        result.describe()
    );
    assert_eq!(result.stderr.lines().count(), 1, "{}", result.describe());

    for handle in ["not a handle", "@/nonexistent/handle.json"] {
        let result = run(&mut seedance(&["status", handle]));
        assert_eq!(result.code, 2, "{}", result.describe());
        assert!(
            result.stderr.starts_with("error: invalid task handle"),
            "{}",
            result.describe()
        );
        assert_eq!(result.stderr.lines().count(), 1, "{}", result.describe());
    }
}

#[test]
fn other_failures_exit_1_with_what_to_do_next() {
    let sim = TestSim::start(Duration::from_secs(600));
    let base_url = sim.base_url("jiekou");
    let submitted = run(&mut seedance(&[
        "generate",
        "A cat",
        "--provider",
        "jiekou",
        "--base-url",
        &base_url,
        "--no-wait",
    ]));
    submitted.assert_success();
    let handle = submitted.stdout.trim();

    let result = run(&mut seedance(&[
        "download",
        handle,
        "--base-url",
        &base_url,
        "-o",
        "never.mp4",
    ]));
    assert_eq!(result.code, 1, "{}", result.describe());
    assert!(
        result.stderr.contains("seedance wait"),
        "{}",
        result.describe()
    );

    let result = run(&mut seedance(&[
        "wait",
        handle,
        "--base-url",
        &base_url,
        "--timeout",
        "1s",
    ]));
    assert_eq!(result.code, 1, "{}", result.describe());
    let last = result.stderr.lines().last().unwrap();
    assert!(
        last.starts_with("error: gave up waiting"),
        "{}",
        result.describe()
    );
    assert!(last.contains("handle"), "{}", result.describe());

    // Nothing listens there any more: a network error, not invalid input.
    drop(sim);
    let result = run(&mut seedance(&["status", handle, "--base-url", &base_url]));
    assert_eq!(result.code, 1, "{}", result.describe());
    assert_eq!(result.stderr.lines().count(), 1, "{}", result.describe());
}

#[test]
fn the_api_key_never_appears_in_any_output() {
    const SECRET: &str = "sk-cli-test-7f3a9c1e5b2d4086";
    let sim = TestSim::start(Duration::from_secs(1));
    let dir = TempDir::new("secret");
    std::fs::write(dir.path("first.png"), png(640, 360)).unwrap();
    let mut outputs = Vec::new();
    for (provider, key) in [
        ("modellix", "MODELLIX_API_KEY"),
        ("jiekou", "JIEKOU_API_KEY"),
        ("odkkk", "ODKKK_API_KEY"),
    ] {
        let base_url = sim.base_url(provider);
        let output = dir.str(&format!("{provider}.mp4"));
        let mut args = vec![
            "generate",
            "A cat",
            "--provider",
            provider,
            "--base-url",
            &base_url,
            "-o",
            &output,
            "--json",
        ];
        let first = dir.str("first.png");
        if provider != "odkkk" {
            args.extend(["--first-frame", &first]);
        }
        let trace = |command: &mut Command| {
            command.env(key, SECRET).env("RUST_LOG", "trace");
            run(command)
        };
        let generated = trace(&mut seedance(&args));
        generated.assert_success();
        let handle = generated.json()["handle"].to_string();
        let status = trace(&mut seedance(&[
            "status",
            &handle,
            "--base-url",
            &base_url,
            "--json",
        ]));
        status.assert_success();
        // Input refused before sending, with logging on.
        let refused = trace(&mut seedance(&[
            "generate",
            "",
            "--provider",
            provider,
            "--base-url",
            &base_url,
        ]));
        assert_eq!(refused.code, 2, "{}", refused.describe());
        outputs.extend([generated, status, refused]);
    }
    // An unreachable server: the error and the logs of a failed connection.
    let unreachable = run(seedance(&[
        "generate",
        "A cat",
        "--provider",
        "modellix",
        "--base-url",
        "http://127.0.0.1:9/api/v1",
    ])
    .env("MODELLIX_API_KEY", SECRET)
    .env("RUST_LOG", "trace"));
    assert_eq!(unreachable.code, 1, "{}", unreachable.describe());
    outputs.push(unreachable);

    let all_stderr: String = outputs.iter().map(|o| o.stderr.as_str()).collect();
    assert!(
        all_stderr.contains("TRACE"),
        "trace logging was not on:\n{all_stderr}"
    );
    for output in &outputs {
        assert!(!output.stdout.contains(SECRET), "{}", output.describe());
        assert!(!output.stderr.contains(SECRET), "{}", output.describe());
        assert!(!output.stderr.contains("7f3a9c1e"), "{}", output.describe());
    }
}

#[test]
fn providers_and_schema_print_json() {
    let result = run(&mut seedance(&["providers", "--json"]));
    result.assert_success();
    let providers = result.json();
    let rows = providers.as_array().expect("an array");
    assert_eq!(rows.len(), 13);
    for (provider, model) in [
        ("modellix", "seedance-1.5-pro"),
        ("modellix", "seedance-2.0-fast"),
        ("jiekou", "seedance-1.5-pro"),
        ("odkkk", "seedance-1.5-pro"),
        ("ark", "seedance-1.0-lite"),
        ("ark", "seedance-2.5"),
    ] {
        let row = rows
            .iter()
            .find(|r| r["provider"] == provider && r["model"] == model)
            .unwrap_or_else(|| panic!("{provider} {model} in {providers}"));
        assert!(
            row["duration"].is_array() && row["fields"].is_array(),
            "{row}"
        );
    }

    let table = run(&mut seedance(&["providers"]));
    table.assert_success();
    assert!(table.stdout.starts_with("PROVIDER"), "{}", table.describe());
    assert_eq!(table.stdout.lines().count(), 14, "{}", table.describe());

    let result = run(&mut seedance(&["schema"]));
    result.assert_success();
    let schema = result.json();
    assert!(schema["properties"]["prompt"].is_object(), "{schema}");
}

#[test]
fn sim_command_serves_the_providers() {
    let mut child = seedance(&["sim", "--addr", "127.0.0.1:0", "--task-seconds", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the simulator starts");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut urls = Vec::new();
    for var in URL_VARS {
        let line = lines.next().expect("a line").expect("UTF-8");
        let url = line
            .strip_prefix(&format!("{var}="))
            .unwrap_or_else(|| panic!("{var}= in {line:?}"));
        urls.push(url.to_owned());
    }
    // Ark on the same origin, under its own `/api/v3`.
    let origin = urls[2].strip_suffix("/apiv1").expect("odkkk under /apiv1");
    assert_eq!(urls[3], format!("{origin}/api/v3"));
    let dir = TempDir::new("sim-command");
    let output = dir.path("out.mp4");
    // No key: the simulator on loopback gets "sim".
    let result = run(seedance(&[
        "generate",
        "A cat",
        "--provider",
        "odkkk",
        "-o",
        output.to_str().unwrap(),
        "--json",
    ])
    .env("ODKKK_BASE_URL", &urls[2]));
    child.kill().expect("the simulator stops");
    let _ = child.wait();
    result.assert_success();
    assert_finished(&result.json(), "odkkk", &output);
}

#[test]
fn a_handle_never_chooses_where_the_key_goes() {
    let trap = Trap::new();
    let sim = TestSim::start(Duration::ZERO);
    let dir = TempDir::new("trust");
    let output = dir.str("out.mp4");
    let handle = format!(
        r#"{{"provider":"odkkk","base_url":"{}","task_id":"t-1","created_at":0}}"#,
        trap.url("/apiv1")
    );
    let commands: [Vec<&str>; 3] = [
        vec!["status", &handle],
        vec!["wait", &handle, "-o", &output, "--timeout", "5s"],
        vec!["download", &handle, "-o", &output],
    ];
    let sim_url = sim.base_url("odkkk");
    // With the env key, without any key (the simulator's key must not apply to a loopback URL
    // that comes only from a handle), and with another server configured.
    let environments: [Vec<(&str, &str)>; 4] = [
        vec![("ODKKK_API_KEY", "sk-test")],
        vec![],
        vec![("ODKKK_API_KEY", "sk-test"), ("ODKKK_BASE_URL", &sim_url)],
        vec![("ODKKK_BASE_URL", &sim_url)],
    ];
    for args in &commands {
        for env in &environments {
            let result = run(seedance(args).envs(env.iter().copied()));
            assert_eq!(result.code, 2, "{args:?} {env:?}: {}", result.describe());
            assert!(
                result
                    .stderr
                    .starts_with("error: refusing to send the odkkk API key to")
                    && result.stderr.contains("--base-url"),
                "{}",
                result.describe()
            );
            assert_eq!(result.stderr.lines().count(), 1, "{}", result.describe());
            assert!(!result.stderr.contains("sk-test"), "{}", result.describe());
        }
    }
    trap.assert_untouched();
    assert_eq!(sim.api_requests(), 0, "{:?}", sim.sim.counters());

    // A handle naming the simulator is refused until its URL is passed with --base-url.
    let handle = sim.submit("odkkk");
    let sent = sim.api_requests();
    let refused = run(seedance(&["status", &handle]).env("ODKKK_API_KEY", "sk-test"));
    assert_eq!(refused.code, 2, "{}", refused.describe());
    assert_eq!(sim.api_requests(), sent, "{:?}", sim.sim.counters());
    let trusted =
        run(seedance(&["status", &handle, "--base-url", &sim_url]).env("ODKKK_API_KEY", "sk-test"));
    trusted.assert_success();
    assert_eq!(sim.api_requests(), sent + 1, "{:?}", sim.sim.counters());
}

#[test]
fn base_urls_are_checked_before_sending() {
    let key = ("ODKKK_API_KEY", "sk-test");
    let generate = |base_url: &str, extra: &[&str]| {
        let mut args = vec![
            "generate",
            "A cat",
            "--provider",
            "odkkk",
            "--base-url",
            base_url,
            "--no-wait",
        ];
        args.extend(extra);
        run(seedance(&args).env(key.0, key.1))
    };
    // Plain http to a remote host: refused, with why and how to opt in.
    let insecure = generate("http://example.com/apiv1", &[]);
    assert_eq!(insecure.code, 2, "{}", insecure.describe());
    assert!(
        insecure.stderr.contains("plain http") && insecure.stderr.contains("--allow-insecure-http"),
        "{}",
        insecure.describe()
    );
    let handle = r#"{"provider":"odkkk","base_url":"http://example.com/apiv1","task_id":"t","created_at":0}"#;
    for command in ["status", "wait", "download"] {
        let mut args = vec![command, handle, "--base-url", "http://example.com/apiv1"];
        if command == "download" {
            args.extend(["-o", "never.mp4"]);
        }
        let result = run(seedance(&args).env(key.0, key.1));
        assert_eq!(result.code, 2, "{}", result.describe());
        assert!(
            result.stderr.contains("plain http"),
            "{}",
            result.describe()
        );
    }
    // Not a URL: refused at once, not reported as a possibly accepted submit.
    let invalid = generate("ai.odkkk.com/apiv1", &[]);
    assert_eq!(invalid.code, 2, "{}", invalid.describe());
    assert!(
        invalid.stderr.starts_with("error: invalid base URL"),
        "{}",
        invalid.describe()
    );
}

#[test]
fn huge_durations_are_refused_without_a_panic() {
    let sim = TestSim::start(Duration::ZERO);
    let handle = sim.submit("jiekou");
    let base_url = sim.base_url("jiekou");
    let too_long = "999999999999h";
    for args in [
        vec![
            "wait",
            &handle,
            "--base-url",
            &base_url,
            "--timeout",
            too_long,
        ],
        vec![
            "generate",
            "A cat",
            "--provider",
            "jiekou",
            "--sim",
            "--timeout",
            too_long,
        ],
    ] {
        let result = run(&mut seedance(&args));
        assert_eq!(result.code, 2, "{args:?}: {}", result.describe());
        assert!(result.stderr.contains("720h"), "{}", result.describe());
    }
    let result = run(
        seedance(&["generate", "A cat", "--provider", "jiekou", "--sim"])
            .env("SEEDANCE_SIM_TASK_SECONDS", "1e30"),
    );
    assert_eq!(result.code, 2, "{}", result.describe());
    assert!(
        result.stderr.contains("SEEDANCE_SIM_TASK_SECONDS") && result.stderr.contains("86400"),
        "{}",
        result.describe()
    );
    let result = run(&mut seedance(&["sim", "--task-seconds", "1e30"]));
    assert_eq!(result.code, 2, "{}", result.describe());
    assert!(result.stderr.contains("86400"), "{}", result.describe());
}

#[test]
fn output_may_be_a_directory_and_is_checked_before_sending() {
    let dir = TempDir::new("output");
    let result = run(seedance(&[
        "generate",
        "A cat",
        "--provider",
        "jiekou",
        "--sim",
        "--json",
        "-o",
        &dir.str(""),
    ])
    .env("SEEDANCE_SIM_TASK_SECONDS", "0"));
    result.assert_success();
    let json = result.json();
    let expected = dir.path(&format!("{}.mp4", json["task_id"].as_str().unwrap()));
    assert_finished(&json, "jiekou", &expected);

    let sim = TestSim::start(Duration::ZERO);
    let base_url = sim.base_url("jiekou");
    let handle = sim.submit("jiekou");
    let sent = sim.api_requests();
    std::fs::write(dir.path("file"), b"not a directory").unwrap();
    for output in [dir.str("missing/out.mp4"), dir.str("file/out.mp4")] {
        for args in [
            vec![
                "generate",
                "A cat",
                "--provider",
                "jiekou",
                "--base-url",
                &base_url,
                "-o",
                &output,
            ],
            vec!["wait", &handle, "--base-url", &base_url, "-o", &output],
            vec!["download", &handle, "--base-url", &base_url, "-o", &output],
        ] {
            let result = run(seedance(&args).env("JIEKOU_API_KEY", "sim"));
            assert_eq!(result.code, 2, "{args:?}: {}", result.describe());
            assert!(
                result.stderr.starts_with("error: -o "),
                "{}",
                result.describe()
            );
            assert_eq!(result.stderr.lines().count(), 1, "{}", result.describe());
        }
    }
    assert_eq!(sim.api_requests(), sent, "{:?}", sim.sim.counters());
}

#[test]
fn generate_json_names_the_task_even_when_it_fails_after_the_submit() {
    let sim = TestSim::start(Duration::ZERO);
    sim.sim
        .inject(FaultRule::new(Route::Submit, Fault::FailTask));
    let dir = TempDir::new("json-failure");
    let base_url = sim.base_url("odkkk");
    let args = [
        "generate",
        "A cat",
        "--provider",
        "odkkk",
        "--base-url",
        &base_url,
        "-o",
        &dir.str("out.mp4"),
    ];
    let mut with_json = args.to_vec();
    with_json.push("--json");
    let result = run(&mut seedance(&with_json));
    assert_eq!(result.code, 1, "{}", result.describe());
    let json = result.json();
    assert_eq!(json["status"], "error", "{json}");
    assert_eq!(json["provider"], "odkkk", "{json}");
    assert!(json["error"].as_str().unwrap().contains("failed"), "{json}");
    let task_id = json["task_id"].as_str().expect("a task id");
    assert_eq!(json["handle"]["task_id"], task_id, "{json}");
    let text: Value = serde_json::from_str(json["handle_text"].as_str().unwrap()).unwrap();
    assert_eq!(text, json["handle"], "{json}");
    assert!(
        result
            .stderr
            .lines()
            .last()
            .unwrap()
            .starts_with("error: task"),
        "{}",
        result.describe()
    );

    // Without --json: stdout stays empty and stderr says how to resume.
    let result = run(&mut seedance(&args));
    assert_eq!(result.code, 1, "{}", result.describe());
    assert!(result.stdout.is_empty(), "{}", result.describe());
    assert!(
        result.stderr.contains("resume with: seedance wait '{")
            && result.stderr.contains(&format!("--base-url '{base_url}'")),
        "{}",
        result.describe()
    );

    // A submit whose outcome is unknown is reported on stdout too: it may be a paid task.
    let sim = TestSim::start(Duration::ZERO);
    sim.sim.inject(FaultRule::new(
        Route::Submit,
        Fault::Status {
            code: 500,
            retry_after: None,
        },
    ));
    let mut args = with_json.clone();
    let base_url = sim.base_url("odkkk");
    args[5] = &base_url;
    let result = run(&mut seedance(&args));
    assert_eq!(result.code, 1, "{}", result.describe());
    let json = result.json();
    assert_eq!(json["status"], "outcome_unknown", "{json}");
    assert_eq!(json["provider"], "odkkk", "{json}");
    assert!(
        json["submitted_at"].as_u64().is_some_and(|t| t > 0),
        "{json}"
    );
    assert!(
        json["error"]
            .as_str()
            .unwrap()
            .contains("may have been accepted"),
        "{json}"
    );
}

#[test]
fn provider_text_is_escaped_for_the_terminal() {
    let hostile = "\u{1b}[2J\u{1b}]0;pwned\u{7}boom\nsecond line\u{9b}31m";
    let body = serde_json::json!({
        "task": {"task_id": "t-1", "status": "TASK_STATUS_FAILED", "reason": hostile},
        "images": [],
        "videos": [],
        "audios": [],
    })
    .to_string();
    let base_url = stand_in(body);
    let handle = format!(
        r#"{{"provider":"jiekou","base_url":"{base_url}","task_id":"t-1","created_at":0}}"#
    );
    let dir = TempDir::new("escape");
    let out = dir.str("out.mp4");
    let status =
        run(seedance(&["status", &handle, "--base-url", &base_url])
            .env("JIEKOU_API_KEY", "sk-test"));
    status.assert_success();
    let wait = run(
        seedance(&["wait", &handle, "--base-url", &base_url, "-o", &out])
            .env("JIEKOU_API_KEY", "sk-test"),
    );
    assert_eq!(wait.code, 1, "{}", wait.describe());
    for result in [&status, &wait] {
        let all = format!("{}{}", result.stdout, result.stderr);
        assert!(
            !all.chars().any(|c| c.is_control() && c != '\n'),
            "raw control characters: {:?}",
            all
        );
        assert!(all.contains(r"\u{1b}[2J"), "{}", result.describe());
        assert!(all.contains(r"boom\nsecond line"), "{}", result.describe());
    }
    assert_eq!(status.stdout.lines().count(), 1, "{}", status.describe());
    assert!(
        status.stdout.starts_with("failed: "),
        "{}",
        status.describe()
    );
    assert!(
        wait.stderr
            .lines()
            .last()
            .unwrap()
            .starts_with("error: task t-1 on jiekou failed"),
        "{}",
        wait.describe()
    );

    // A handle whose task id holds a control character is refused before anything is sent.
    let trap = Trap::new();
    let handle = format!(
        r#"{{"provider":"jiekou","base_url":"{}","task_id":"t\u001b[31m","created_at":0}}"#,
        trap.url("")
    );
    let result = run(seedance(&["status", &handle, "--base-url", &trap.url("")])
        .env("JIEKOU_API_KEY", "sk-test"));
    assert_eq!(result.code, 2, "{}", result.describe());
    assert!(
        result.stderr.contains("control characters") && !result.stderr.contains('\u{1b}'),
        "{}",
        result.describe()
    );
    trap.assert_untouched();
}
