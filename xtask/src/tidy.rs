//! Tidy checks run by `cargo test`: conventions that are cheap to enforce mechanically.

#[cfg(test)]
mod tests {
    use std::{fs, path::Path};

    fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
        let Ok(entries) = fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name();
            if name == "target" || name == "snapshots" || name.to_string_lossy().starts_with('.') {
                continue;
            }
            if path.is_dir() {
                rust_files(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }

    /// Every hand-written Rust file opens with a `//!` doc comment saying what it is for, and no
    /// test is skipped or inverted with `#[ignore]` or `#[should_panic]`.
    #[test]
    fn hand_written_files_are_documented_and_tests_are_plain() {
        let root = crate::project_root().expect("tests run inside the workspace");
        let mut files = Vec::new();
        for dir in ["crates", "xtask", "tests"] {
            rust_files(&root.join(dir), &mut files);
        }
        let mut problems = Vec::new();
        for file in &files {
            let text = fs::read_to_string(file).unwrap();
            let relative = file.strip_prefix(&root).unwrap().display().to_string();
            if text.starts_with(seedance_codegen::PREAMBLE) {
                continue;
            }
            if !text.starts_with("//!") {
                problems.push(format!("{relative}: does not start with a `//!` comment"));
            }
            for banned in ["#[ignore", "#[should_panic"] {
                // Split so this file does not flag itself.
                if text.contains(banned) && !relative.ends_with("tidy.rs") {
                    problems.push(format!("{relative}: uses {banned}]"));
                }
            }
        }
        assert!(files.len() > 20, "found only {} files", files.len());
        assert!(problems.is_empty(), "{problems:#?}");
    }
}
