//! Workspace automation, run as `cargo xtask <task>`.
//!
//! - `codegen [--check] [--verbose]`: assemble each provider's `specs/<provider>/openapi.json`
//!   from its sources and patches, and write the formatted render of its generated client to
//!   `crates/seedance-<provider>/generated.rs` for review. `--check` writes nothing and fails,
//!   naming each stale file, when anything is out of date.
//! - `drift`: a semantic diff of OpenAPI documents, classed by what breaks a generated client.
//! - `coverage`: which request properties the facade maps, and why the others are unsupported.

mod assemble;
mod codegen;
mod coverage;
mod drift;
mod tidy;
mod transform;

use std::{
    env,
    path::{Path, PathBuf},
    process::ExitCode,
};

use anyhow::{Result, bail};

const HELP: &str = "\
cargo xtask <task>

Tasks:
  codegen [--check] [--verbose]   rebuild specs/*/openapi.json and crates/seedance-*/generated.rs;
                                  --check changes nothing and fails if any is stale;
                                  --verbose prints a diff of each stale file
  drift OLD NEW [--format json] [--fail-on breaking|risky]
                                  classify the changes between two OpenAPI documents (file or
                                  http(s) URL, JSON or YAML, 3.0 or 3.1); exit 1 when a change at
                                  or above --fail-on (default breaking), 2 when an input is unreadable
  drift --provider NAME --against FILE|URL [--format json] [--fail-on ...]
                                  the same, for a provider's committed spec against a newly
                                  published primary source, through the same patches
  coverage                        every request property of every operation: mapped by the
                                  facade, or unsupported with a reason (specs/*/coverage.json)
";

fn main() -> ExitCode {
    match run(env::args().skip(1).collect()) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: Vec<String>) -> Result<ExitCode> {
    let Some((task, flags)) = args.split_first() else {
        print!("{HELP}");
        return Ok(ExitCode::SUCCESS);
    };
    match task.as_str() {
        "codegen" => {
            let mut mode = codegen::Mode::Write;
            let mut verbose = false;
            for flag in flags {
                match flag.as_str() {
                    "--check" => mode = codegen::Mode::Check,
                    "--verbose" | "-v" => verbose = true,
                    other => bail!("unknown flag {other:?} for codegen\n\n{HELP}"),
                }
            }
            codegen::run(&project_root(), mode, verbose)
        }
        "drift" => drift::run(&project_root(), flags),
        "coverage" => coverage::run(&project_root()),
        "help" | "--help" | "-h" => {
            print!("{HELP}");
            Ok(ExitCode::SUCCESS)
        }
        other => bail!("unknown task {other:?}\n\n{HELP}"),
    }
}

/// The workspace root, checked by a marker file so a moved xtask fails loudly.
pub(crate) fn project_root() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace root")
        .to_owned();
    assert!(
        root.join("specs/README.md").exists(),
        "{} is not the seedance-rs root (no specs/README.md)",
        root.display()
    );
    root
}
