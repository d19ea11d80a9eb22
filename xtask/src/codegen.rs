//! `cargo xtask codegen [--check]`: every generated file, rebuilt from `specs/`, and the
//! capability check (`capabilities`), which fails the run when the data disagrees with a spec.

use std::{
    fs,
    path::{Path, PathBuf},
    process::ExitCode,
};

use anyhow::{Context, Result};

use crate::{assemble, capabilities};

/// Whether to write stale files or only report them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    Write,
    Check,
}

/// One generated file and what it must contain.
pub(crate) struct Output {
    pub(crate) path: PathBuf,
    pub(crate) contents: String,
}

/// Every provider's spec folder, sorted: each folder of `specs/` with a `sources.json`.
pub(crate) fn providers(root: &Path) -> Result<Vec<String>> {
    let mut names = Vec::new();
    for entry in fs::read_dir(root.join("specs"))? {
        let entry = entry?;
        if entry.path().join("sources.json").exists() {
            names.push(entry.file_name().to_string_lossy().into_owned());
        }
    }
    names.sort();
    Ok(names)
}

/// What every generated file should contain, computed without touching the tree.
pub(crate) fn outputs(root: &Path) -> Result<Vec<Output>> {
    let mut outputs = Vec::new();
    for provider in providers(root)? {
        let spec_dir = root.join("specs").join(&provider);
        let spec_path = spec_dir.join("openapi.json");
        let spec = assemble::assemble(&spec_dir)?;
        let rust = seedance_codegen::render(&spec_path, &spec)?;
        let crate_dir = root.join("crates").join(format!("seedance-{provider}"));
        // Copies inside the packages that compile the spec, so each builds from its own
        // packaged files; `specs/` stays the one place a spec is edited.
        outputs.push(Output {
            path: crate_dir.join("openapi.json"),
            contents: spec.clone(),
        });
        outputs.push(Output {
            path: root
                .join("crates/seedance-sim/specs")
                .join(format!("{provider}.json")),
            contents: spec.clone(),
        });
        outputs.push(Output {
            path: spec_path,
            contents: spec,
        });
        outputs.push(Output {
            path: crate_dir.join("generated.rs"),
            contents: rust,
        });
        // The capability data the facade compiles in, byte for byte.
        let capabilities = spec_dir.join("capabilities.json");
        if capabilities.exists() {
            outputs.push(Output {
                path: root
                    .join("crates/seedance-sdk/capabilities")
                    .join(format!("{provider}.json")),
                contents: fs::read_to_string(&capabilities)
                    .with_context(|| format!("cannot read {}", capabilities.display()))?,
            });
        }
    }
    Ok(outputs)
}

pub(crate) fn run(root: &Path, mode: Mode, verbose: bool) -> Result<ExitCode> {
    let mut stale = Vec::new();
    for output in outputs(root)? {
        if ensure_file_contents(&output, mode, verbose)? {
            stale.push(
                output
                    .path
                    .strip_prefix(root)
                    .unwrap_or(&output.path)
                    .to_owned(),
            );
        }
    }
    // Checked after writing, so `cargo xtask codegen` judges the specs it just wrote.
    let consistent = capabilities::report(root)?;
    let code = if consistent {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    };
    match (mode, stale.is_empty()) {
        (_, true) => {
            eprintln!("generated files are up to date");
            Ok(code)
        }
        (Mode::Write, false) => {
            for path in &stale {
                eprintln!("updated {}", path.display());
            }
            Ok(code)
        }
        (Mode::Check, false) => {
            for path in &stale {
                eprintln!("stale: {}", path.display());
            }
            eprintln!(
                "{} generated file(s) are out of date: run `cargo xtask codegen` and commit the \
                 result{}",
                stale.len(),
                if verbose {
                    ""
                } else {
                    " (--verbose shows the diff)"
                }
            );
            Ok(ExitCode::FAILURE)
        }
    }
}

/// Writes `output` if it differs (in `Mode::Write`); returns whether it differed.
fn ensure_file_contents(output: &Output, mode: Mode, verbose: bool) -> Result<bool> {
    let current = fs::read_to_string(&output.path).unwrap_or_default();
    if current == output.contents {
        return Ok(false);
    }
    if verbose {
        let diff = similar::TextDiff::from_lines(&current, &output.contents);
        eprint!(
            "{}",
            diff.unified_diff()
                .header(&output.path.display().to_string(), "regenerated")
        );
    }
    if mode == Mode::Write {
        if let Some(dir) = output.path.parent() {
            fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        }
        fs::write(&output.path, &output.contents)
            .with_context(|| format!("cannot write {}", output.path.display()))?;
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Stale generated files fail `cargo test`, not only CI's `--check` (rust-analyzer style).
    #[test]
    fn generated_files_are_fresh() {
        let root = crate::project_root().expect("tests run inside the workspace");
        let stale: Vec<_> = outputs(&root)
            .unwrap()
            .into_iter()
            .filter(|o| fs::read_to_string(&o.path).unwrap_or_default() != o.contents)
            .map(|o| o.path)
            .collect();
        assert!(
            stale.is_empty(),
            "stale generated files {stale:?}: run `cargo xtask codegen`"
        );
    }

    /// Each provider's capability data has one copy in the SDK, checked for freshness with the
    /// rest: a copy edited by hand (or a data change not copied) fails `cargo test`.
    #[test]
    fn capability_data_is_copied_into_the_sdk() {
        let root = crate::project_root().expect("tests run inside the workspace");
        let outputs = outputs(&root).unwrap();
        let mut copied = 0;
        for provider in providers(&root).unwrap() {
            let data = root.join("specs").join(&provider).join("capabilities.json");
            if !data.exists() {
                continue;
            }
            let copy = root.join(format!("crates/seedance-sdk/capabilities/{provider}.json"));
            let output = outputs
                .iter()
                .find(|o| o.path == copy)
                .unwrap_or_else(|| panic!("no output for {}", copy.display()));
            assert_eq!(output.contents.as_bytes(), fs::read(&data).unwrap());
            copied += 1;
        }
        assert!(copied >= 4, "only {copied} capability files copied");
    }
}
