//! What the CLI's integration tests share: the binary with a clean environment, a run's
//! outcome, a temporary directory, a PNG to send, and a simulator on its own runtime.

// Each test binary compiles this module and uses only part of it.
#![allow(dead_code)]

use std::{
    borrow::BorrowMut,
    path::PathBuf,
    process::{Command, Output},
    time::Duration,
};

use seedance_sim::{Sim, SimConfig};
use serde_json::Value;

/// The binary with `args`, with no key, base URL or log settings inherited from the
/// environment.
pub(crate) fn seedance(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_seedance"));
    command.args(args);
    for provider in ["MODELLIX", "JIEKOU", "ODKKK", "ARK"] {
        command.env_remove(format!("{provider}_API_KEY"));
        command.env_remove(format!("{provider}_BASE_URL"));
    }
    command.env_remove("RUST_LOG");
    command
}

/// The outcome of a run.
pub(crate) struct Run {
    pub(crate) code: i32,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

impl Run {
    /// Stdout parsed as one JSON value.
    pub(crate) fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|err| panic!("stdout is not JSON ({err}): {}", self.describe()))
    }

    /// The exit code and both outputs, for an assertion's message.
    pub(crate) fn describe(&self) -> String {
        format!(
            "exit {}\n--- stdout\n{}\n--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }

    /// Checks that the run exited with `code`.
    pub(crate) fn assert_code(&self, code: i32) -> &Self {
        assert_eq!(self.code, code, "{}", self.describe());
        self
    }

    /// Checks that the run exited with 0.
    pub(crate) fn assert_success(&self) -> &Self {
        self.assert_code(0)
    }

    /// Checks that the run exited with 0, keeping the run.
    pub(crate) fn success(self) -> Self {
        self.assert_code(0);
        self
    }
}

/// Runs `command` to its end.
pub(crate) fn run(mut command: impl BorrowMut<Command>) -> Run {
    let Output {
        status,
        stdout,
        stderr,
    } = command.borrow_mut().output().expect("the binary runs");
    Run {
        code: status.code().expect("exited normally"),
        stdout: String::from_utf8(stdout).expect("UTF-8 stdout"),
        stderr: String::from_utf8(stderr).expect("UTF-8 stderr"),
    }
}

/// A directory removed at the end of the test, named after the test binary, the process and
/// `name`.
pub(crate) struct TempDir(pub(crate) PathBuf);

impl TempDir {
    /// A new empty directory (what a previous run left there is removed).
    pub(crate) fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!(
            "seedance-{}-{}-{name}",
            env!("CARGO_CRATE_NAME"),
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("a temp dir");
        Self(dir)
    }

    /// `name` in the directory.
    pub(crate) fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }

    /// `name` in the directory, as text for a command line.
    pub(crate) fn str(&self, name: &str) -> String {
        self.path(name).to_str().expect("UTF-8 path").to_owned()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A valid grayscale PNG (stored deflate blocks, real CRCs and Adler-32).
pub(crate) fn png(width: u32, height: u32) -> Vec<u8> {
    fn crc32(data: &[u8]) -> u32 {
        let mut crc = !0u32;
        for &byte in data {
            crc ^= u32::from(byte);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }
    fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let start = out.len();
        out.extend_from_slice(kind);
        out.extend_from_slice(data);
        let crc = crc32(&out[start..]);
        out.extend_from_slice(&crc.to_be_bytes());
    }
    let mut raw = Vec::new();
    for y in 0..height {
        raw.push(0); // filter: none
        raw.extend((0..width).map(|x| ((x + y) % 256) as u8));
    }
    let mut zlib = vec![0x78, 0x01];
    let blocks: Vec<&[u8]> = raw.chunks(65_535).collect();
    for (i, block) in blocks.iter().enumerate() {
        zlib.push(u8::from(i + 1 == blocks.len()));
        let len = block.len() as u16;
        zlib.extend_from_slice(&len.to_le_bytes());
        zlib.extend_from_slice(&(!len).to_le_bytes());
        zlib.extend_from_slice(block);
    }
    let (mut a, mut b) = (1u32, 0u32);
    for &byte in &raw {
        a = (a + u32::from(byte)) % 65_521;
        b = (b + a) % 65_521;
    }
    zlib.extend_from_slice(&((b << 16) | a).to_be_bytes());

    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 0, 0, 0, 0]); // 8-bit grayscale, no interlace
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    chunk(&mut out, b"IHDR", &ihdr);
    chunk(&mut out, b"IDAT", &zlib);
    chunk(&mut out, b"IEND", &[]);
    out
}

/// A simulator on its own runtime while the test thread runs the binary.
pub(crate) struct TestSim {
    pub(crate) sim: Sim,
    /// The simulator's runtime, also for a test's own requests to it.
    pub(crate) runtime: tokio::runtime::Runtime,
}

impl TestSim {
    /// A simulator whose tasks take `task_duration`.
    pub(crate) fn start(task_duration: Duration) -> Self {
        Self::start_with(SimConfig {
            task_duration,
            ..SimConfig::default()
        })
    }

    /// A simulator with `config`.
    pub(crate) fn start_with(config: SimConfig) -> Self {
        let runtime = tokio::runtime::Runtime::new().expect("a runtime");
        let sim = runtime
            .block_on(Sim::start(config))
            .expect("the simulator starts");
        Self { sim, runtime }
    }

    /// The base URL of `provider` on this simulator.
    pub(crate) fn base_url(&self, provider: &str) -> String {
        self.sim.base_url(provider)
    }

    /// The API requests it answered (media downloads excluded).
    pub(crate) fn api_requests(&self) -> u64 {
        self.sim.counters().api_requests()
    }

    /// The requests of one route (`"ark status"`, `"media video"`).
    pub(crate) fn route(&self, key: &str) -> u64 {
        self.sim.counters().route(key)
    }
}
