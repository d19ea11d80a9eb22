//! End-to-end tests of `seedance doctor`: every check passes against the simulator, a refused
//! key is a bad key, an unwritable output directory fails its check, a reserved host name is a
//! configuration error (not "offline"), a host that serves no video is a warning, and the API key
//! never shows up in any output nor goes anywhere but the configured base URL.

use std::{
    io::{Read, Write},
    net::TcpListener,
    process::Command,
    sync::{Arc, Mutex},
    time::Duration,
};

use seedance_sim::{Fault, FaultRule, Route, SimConfig};
use serde_json::Value;

mod common;

use common::{Run, TempDir, TestSim, run};

/// A key no output may contain, nor any part of it long enough to identify it.
const KEY: &str = "sk-doctor-Zq8xK2vN7wLp4RtY";
const KEY_PARTS: [&str; 3] = ["Zq8xK2vN7wLp4RtY", "Zq8xK2", "7wLp4RtY"];

/// Every check of a provider, in order.
const CHECKS: [&str; 7] = ["key", "base_url", "dns", "tcp", "tls", "auth", "clock"];

/// `seedance doctor`, with no key, base URL or log settings inherited from the environment.
fn seedance(args: &[&str]) -> Command {
    let mut command = common::seedance(&["doctor"]);
    command.args(args);
    command
}

impl Run {
    fn assert_no_key(&self) -> &Self {
        for part in KEY_PARTS {
            assert!(
                !self.stdout.contains(part) && !self.stderr.contains(part),
                "the key shows: {}",
                self.describe()
            );
        }
        self
    }
}

/// The status of `check` of the one provider in `report`.
fn status<'a>(report: &'a Value, check: &str) -> &'a str {
    report["providers"][0]["checks"][check]["status"]
        .as_str()
        .unwrap_or_else(|| panic!("no {check} check: {report}"))
}

impl TempDir {
    /// The directory itself, as text for a command line.
    fn root(&self) -> &str {
        self.0.to_str().expect("a UTF-8 path")
    }

    fn entries(&self) -> usize {
        std::fs::read_dir(&self.0).unwrap().count()
    }
}

#[test]
fn every_check_passes_against_the_simulator() {
    let out = TempDir::new("sim");
    let run_json = run(seedance(&["--sim", "--json", "--out", out.root()]).env("ARK_API_KEY", KEY));
    run_json.assert_code(0).assert_no_key();
    let report = run_json.json();
    assert_eq!(report["ok"], true, "{report}");
    assert_eq!(report["offline"], false, "{report}");
    let providers = report["providers"].as_array().expect("providers");
    let names: Vec<&str> = providers
        .iter()
        .map(|p| p["provider"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["modellix", "jiekou", "odkkk", "ark"]);
    for provider in providers {
        assert_eq!(provider["ok"], true, "{provider}");
        assert_eq!(provider["base_url_source"], "sim", "{provider}");
        assert_eq!(provider["base_url_trust"], "loopback", "{provider}");
        let checks = provider["checks"].as_object().expect("checks");
        let mut names: Vec<&str> = checks.keys().map(String::as_str).collect();
        names.sort_unstable();
        let mut expected = CHECKS;
        expected.sort_unstable();
        assert_eq!(names, expected, "{provider}");
        for (name, check) in checks {
            // TLS has nothing to check on the simulator's plain-http loopback origin.
            let expected = if name == "tls" { "skipped" } else { "ok" };
            assert_eq!(check["status"], expected, "{name}: {check}");
            assert!(check["detail"].as_str().is_some_and(|d| !d.is_empty()));
        }
        assert!(
            checks["auth"]["detail"]
                .as_str()
                .unwrap()
                .contains("not found"),
            "{provider}"
        );
        // The simulator's Date header and this machine share a clock.
        let offset = provider["clock_offset_seconds"]
            .as_f64()
            .expect("an offset");
        assert!(offset.abs() < 2.0, "{offset}");
    }
    assert_eq!(report["local"]["out_dir"]["check"]["status"], "ok");
    assert_eq!(report["local"]["journal"]["check"]["status"], "ok");
    assert_eq!(
        report["local"]["journal"]["path"],
        format!("{}/seedance-batch.sqlite", out.root())
    );
    assert_eq!(out.entries(), 0, "the write checks leave nothing behind");

    let human = run(seedance(&[
        "--sim",
        "--provider",
        "ark",
        "--out",
        out.root(),
    ]));
    human.assert_code(0);
    assert!(
        human.stdout.contains("all checks passed"),
        "{}",
        human.describe()
    );
    assert!(
        human
            .stdout
            .lines()
            .any(|l| l.trim_start().starts_with("auth") && l.contains(" ok ")),
        "{}",
        human.describe()
    );
}

#[test]
fn a_refused_key_is_a_bad_key_and_never_printed() {
    let sim = TestSim::start_with(SimConfig::default());
    let out = TempDir::new("bad-key");
    // The simulator takes any key; an injected answer is what a provider refusing it sends.
    for (provider, code, expected, exit, words) in [
        ("modellix", 401, "fail", 1, "bad key"),
        ("jiekou", 403, "fail", 1, "bad key"),
        ("ark", 401, "fail", 1, "bad key"),
        ("odkkk", 429, "warn", 0, "rate limited"),
    ] {
        sim.sim.inject(
            FaultRule::new(
                Route::Status,
                Fault::Status {
                    code,
                    retry_after: None,
                },
            )
            .provider(provider),
        );
        let key_var = format!("{}_API_KEY", provider.to_uppercase());
        let base_url = sim.sim.base_url(provider);
        for json in [true, false] {
            let mut args = vec![
                "--provider",
                provider,
                "--base-url",
                &base_url,
                "--out",
                out.root(),
            ];
            if json {
                args.push("--json");
            }
            let result = run(seedance(&args).env(&key_var, KEY));
            result.assert_code(exit).assert_no_key();
            if json {
                let report = result.json();
                assert_eq!(status(&report, "auth"), expected, "{provider} {code}");
                assert_eq!(status(&report, "key"), "ok", "{provider}");
                assert_eq!(report["ok"], exit == 0, "{report}");
                let detail = report["providers"][0]["checks"]["auth"]["detail"]
                    .as_str()
                    .unwrap();
                assert!(detail.contains(words), "{provider} {code}: {detail}");
            } else {
                assert!(
                    result.stdout.contains(words),
                    "{provider} {code}: {}",
                    result.describe()
                );
            }
        }
    }
    assert_eq!(sim.sim.counters().route("modellix submit"), 0);
}

#[test]
fn an_unwritable_out_dir_fails_its_check() {
    let dir = TempDir::new("unwritable");
    // Tests may run as root, for whom permission bits do not refuse a write: a regular file in
    // place of the directory refuses it for everyone.
    let file = dir.0.join("not-a-dir");
    std::fs::write(&file, b"x").unwrap();
    let file = file.to_str().unwrap();
    let result = run(seedance(&[
        "--sim",
        "--provider",
        "odkkk",
        "--json",
        "--out",
        file,
        "--journal",
        &format!("{}/j.sqlite", dir.root()),
    ]));
    result.assert_code(1);
    let report = result.json();
    assert_eq!(report["local"]["out_dir"]["check"]["status"], "fail");
    assert!(
        report["local"]["out_dir"]["check"]["detail"]
            .as_str()
            .unwrap()
            .contains("not a directory"),
        "{report}"
    );
    assert_eq!(report["local"]["journal"]["check"]["status"], "ok");
    assert_eq!(report["providers"][0]["ok"], true, "{report}");
    assert!(
        result.stderr.contains("1 check failed"),
        "{}",
        result.describe()
    );

    // The default journal goes inside --out, so it fails with it.
    let result = run(seedance(&[
        "--sim",
        "--provider",
        "odkkk",
        "--json",
        "--out",
        file,
    ]));
    result.assert_code(1);
    let report = result.json();
    assert_eq!(report["local"]["journal"]["check"]["status"], "fail");
    assert!(
        result.stderr.contains("2 checks failed"),
        "{}",
        result.describe()
    );
    assert_eq!(dir.entries(), 1, "nothing created");
}

#[test]
fn a_reserved_host_is_a_configuration_error_not_offline() {
    let out = TempDir::new("invalid");
    let result = run(seedance(&[
        "--provider",
        "ark",
        "--base-url",
        "https://api.seedance-doctor.invalid/api/v3",
        "--json",
        "--out",
        out.root(),
    ])
    .env("ARK_API_KEY", KEY));
    result.assert_code(1).assert_no_key();
    let report = result.json();
    assert_eq!(report["offline"], false, "{report}");
    assert_eq!(status(&report, "dns"), "fail");
    let detail = report["providers"][0]["checks"]["dns"]["detail"]
        .as_str()
        .unwrap();
    assert!(detail.contains("RFC 6761"), "{detail}");
    // Not a documented server: trusted only because it is configured here, and said so.
    assert_eq!(status(&report, "base_url"), "warn");
    assert_eq!(report["providers"][0]["base_url_source"], "flag");
    assert_eq!(report["providers"][0]["base_url_trust"], "configured");
    for check in ["tcp", "tls", "auth", "clock"] {
        assert_eq!(status(&report, check), "skipped", "{check}");
    }
}

/// BytePlus's EU host is a documented Ark server that serves no video models: its base URL
/// check warns (the user may know better) and says where video is. Set through `ARK_BASE_URL`
/// with no key, Ark is not in use, so nothing is looked up nor connected to.
#[test]
fn a_host_that_serves_no_video_is_a_warning_not_a_failure() {
    const EU: &str = "https://ark.eu-west.bytepluses.com/api/v3";
    let out = TempDir::new("no-video");
    let doctor = |json: bool| {
        let mut args = vec!["--out", out.root()];
        if json {
            args.push("--json");
        }
        // No provider has a key: the exit code says so, not a failed check.
        let result = run(seedance(&args).env("ARK_BASE_URL", EU));
        result.assert_code(1);
        assert!(
            result.stderr.contains("no provider is configured")
                && !result.stderr.contains("failed"),
            "{}",
            result.describe()
        );
        result
    };
    let report = doctor(true).json();
    let ark = report["providers"]
        .as_array()
        .expect("providers")
        .iter()
        .find(|p| p["provider"] == "ark")
        .expect("ark");
    assert_eq!(ark["base_url"], EU, "{ark}");
    assert_eq!(ark["base_url_source"], "env", "{ark}");
    assert_eq!(ark["base_url_trust"], "documented", "{ark}");
    assert_eq!(ark["ok"], true, "a warning is not a failure: {ark}");
    let check = &ark["checks"]["base_url"];
    assert_eq!(check["status"], "warn", "{check}");
    let detail = check["detail"].as_str().unwrap();
    for words in [
        EU,
        "no video models",
        "https://ark.ap-southeast.bytepluses.com/api/v3",
        "https://tanstack.com/ai/latest/docs/adapters/byteplus-advanced",
    ] {
        assert!(detail.contains(words), "{words}: {detail}");
    }
    for check in ["dns", "tcp", "tls", "auth", "clock"] {
        assert_eq!(ark["checks"][check]["status"], "skipped", "{check}: {ark}");
    }

    let human = doctor(false);
    let line = human
        .stdout
        .lines()
        .find(|l| l.trim_start().starts_with("base url") && l.contains("eu-west"))
        .unwrap_or_else(|| panic!("no base url line: {}", human.describe()));
    assert!(
        line.contains(" warn ") && line.contains("ark.ap-southeast.bytepluses.com"),
        "{line}"
    );
}

#[test]
fn an_insecure_or_invalid_base_url_fails_before_anything_is_sent() {
    let trap = Trap::new();
    let out = TempDir::new("insecure");
    for (url, words) in [
        ("http://example.com/api/v1", "allow_insecure_http"),
        (&trap.url("/api/v1?x=1") as &str, "query"),
    ] {
        let result = run(seedance(&[
            "--provider",
            "modellix",
            "--base-url",
            url,
            "--json",
            "--out",
            out.root(),
        ])
        .env("MODELLIX_API_KEY", KEY));
        result.assert_code(1).assert_no_key();
        let report = result.json();
        assert_eq!(status(&report, "base_url"), "fail", "{url}");
        let detail = report["providers"][0]["checks"]["base_url"]["detail"]
            .as_str()
            .unwrap();
        assert!(detail.contains(words), "{url}: {detail}");
        assert_eq!(status(&report, "auth"), "skipped", "{url}");
    }
    trap.assert_untouched();
}

#[test]
fn the_key_goes_only_to_the_configured_base_url() {
    let recorder = Recorder::start();
    let trap = Trap::new();
    let out = TempDir::new("recorder");
    let base_url = recorder.url("/api/v1");
    // The flag wins over the environment: the trap, named by MODELLIX_BASE_URL, gets nothing.
    let result = run(seedance(&[
        "--provider",
        "modellix",
        "--base-url",
        &base_url,
        "--json",
        "--out",
        out.root(),
    ])
    .env("MODELLIX_API_KEY", KEY)
    .env("MODELLIX_BASE_URL", trap.url("/api/v1")));
    result.assert_code(0).assert_no_key();
    let report = result.json();
    assert_eq!(status(&report, "auth"), "ok", "{report}");
    assert_eq!(status(&report, "clock"), "ok", "{report}");
    trap.assert_untouched();

    let requests = recorder.requests();
    let with_key: Vec<&Request> = requests
        .iter()
        .filter(|r| r.authorization.is_some())
        .collect();
    assert_eq!(with_key.len(), 1, "one authenticated probe: {requests:?}");
    let probe = with_key[0];
    assert_eq!(
        probe.authorization.as_deref(),
        Some(&*format!("Bearer {KEY}"))
    );
    assert_eq!(probe.method, "GET", "{probe:?}");
    assert!(
        probe.path.starts_with("/api/v1/") && probe.path.contains("seedance-doctor-probe"),
        "{probe:?}"
    );
    // The reachability and clock request carries no credentials.
    assert!(
        requests
            .iter()
            .any(|r| r.method == "HEAD" && r.authorization.is_none()),
        "{requests:?}"
    );
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

/// A request the recorder received.
#[derive(Clone, Debug)]
struct Request {
    method: String,
    path: String,
    authorization: Option<String>,
}

/// A stand-in Modellix on loopback that records every request and answers each one as
/// Modellix answers a task that does not exist (404, with a `Date` header).
struct Recorder {
    addr: std::net::SocketAddr,
    requests: Arc<Mutex<Vec<Request>>>,
}

impl Recorder {
    fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
        let addr = listener.local_addr().unwrap();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let seen = requests.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
                let mut head = Vec::new();
                let mut buf = [0; 4096];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match stream.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                // The TCP check connects and closes without a request.
                let head = String::from_utf8_lossy(&head).into_owned();
                let Some(line) = head.lines().next().filter(|l| !l.is_empty()) else {
                    continue;
                };
                let mut words = line.split(' ');
                let method = words.next().unwrap_or_default().to_owned();
                let path = words.next().unwrap_or_default().to_owned();
                let authorization = head.lines().find_map(|l| {
                    let (name, value) = l.split_once(':')?;
                    name.eq_ignore_ascii_case("authorization")
                        .then(|| value.trim().to_owned())
                });
                seen.lock().unwrap().push(Request {
                    method: method.clone(),
                    path,
                    authorization,
                });
                let body = r#"{"code":404,"message":"Not found: Task not found or expired"}"#;
                let date = httpdate::fmt_http_date(std::time::SystemTime::now());
                let _ = write!(
                    stream,
                    "HTTP/1.1 404 Not Found\r\nDate: {date}\r\nContent-Type: application/json\r\n\
                     Content-Length: {}\r\nConnection: close\r\n\r\n{}",
                    body.len(),
                    if method == "HEAD" { "" } else { body }
                );
            }
        });
        Self { addr, requests }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    fn requests(&self) -> Vec<Request> {
        self.requests.lock().unwrap().clone()
    }
}
