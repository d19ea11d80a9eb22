//! Workspace automation, run as `cargo xtask <task>`.
//!
//! - `codegen [--check] [--verbose]`: assemble each provider's `specs/<provider>/openapi.json`
//!   from its sources and patches, and write the formatted render of its generated client to
//!   `crates/seedance-<provider>/generated.rs` for review. `--check` writes nothing and fails,
//!   naming each stale file, when anything is out of date. It also copies each
//!   `specs/<provider>/capabilities.json` into `crates/seedance-sdk/capabilities/`, and checks the
//!   capability data against the specs (`capabilities`).
//! - `drift`: a semantic diff of OpenAPI documents, classed by what breaks a generated client.
//! - `coverage`: which request properties the facade maps, and why the others are unsupported.

mod assemble;
mod capabilities;
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

use anyhow::{Context, Result, bail};

const HELP: &str = "\
cargo xtask <task>

Tasks:
  codegen [--check] [--verbose]   rebuild specs/*/openapi.json and crates/seedance-*/generated.rs,
                                  copy specs/*/capabilities.json into the SDK, and check the
                                  capability data against the specs (fails on any problem);
                                  --check changes nothing and fails if any file is stale;
                                  --verbose prints a diff of each stale file
  drift OLD NEW [--format json] [--fail-on breaking|risky]
                                  classify the changes between two OpenAPI documents (file or
                                  http(s) URL, JSON or YAML, 3.0 or 3.1); exit 1 when a change at
                                  or above --fail-on (default breaking), 2 when an input is
                                  unreadable
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
            codegen::run(&project_root()?, mode, verbose)
        }
        "drift" => drift::run(&project_root()?, flags),
        "coverage" => coverage::run(&project_root()?),
        "help" | "--help" | "-h" => {
            print!("{HELP}");
            Ok(ExitCode::SUCCESS)
        }
        other => bail!("unknown task {other:?}\n\n{HELP}"),
    }
}

/// The workspace root of the checkout this command runs in, found at run time (a path baked in
/// at build time would point at whichever checkout built the binary): the parent of the
/// `CARGO_MANIFEST_DIR` that `cargo run` sets, else the nearest directory above the current one
/// holding the marker `specs/README.md`.
pub(crate) fn project_root() -> Result<PathBuf> {
    let here = env::current_dir().context("cannot read the current directory")?;
    find_root(env::var_os("CARGO_MANIFEST_DIR").as_deref(), &here)
}

fn find_root(manifest_dir: Option<&std::ffi::OsStr>, here: &Path) -> Result<PathBuf> {
    let is_root =
        |dir: &Path| dir.join("specs/README.md").is_file() && dir.join("Cargo.toml").is_file();
    if let Some(manifest_dir) = manifest_dir
        && let Some(root) = Path::new(manifest_dir).parent().filter(|dir| is_root(dir))
    {
        return Ok(root.to_owned());
    }
    here.ancestors()
        .find(|dir| is_root(dir))
        .map(Path::to_owned)
        .ok_or_else(|| {
            anyhow::format_err!(
                "{} is not inside the seedance-rs workspace (no specs/README.md above it); \
                 run cargo xtask from the workspace",
                here.display()
            )
        })
}

#[cfg(test)]
mod tests {
    use std::fs;

    use super::*;

    /// The root is the checkout the command runs in, whichever checkout built the binary.
    #[test]
    fn the_root_is_found_at_run_time() {
        let other = env::temp_dir().join(format!("seedance-xtask-root-{}", std::process::id()));
        let deep = other.join("crates/seedance-sdk/src");
        fs::create_dir_all(&deep).unwrap();
        fs::create_dir_all(other.join("specs")).unwrap();
        fs::write(other.join("specs/README.md"), "").unwrap();
        fs::write(other.join("Cargo.toml"), "").unwrap();
        assert_eq!(find_root(None, &deep).unwrap(), other);
        let manifest = other.join("xtask");
        assert_eq!(
            find_root(Some(manifest.as_os_str()), Path::new("/")).unwrap(),
            other
        );
        let err = find_root(None, &env::temp_dir()).unwrap_err();
        assert!(
            err.to_string()
                .contains("not inside the seedance-rs workspace"),
            "{err}"
        );
        fs::remove_dir_all(&other).unwrap();
    }
}
