//! Compiles this package's `openapi.json` (the copy of `specs/<provider>/openapi.json` that
//! `cargo xtask codegen` writes) into `$OUT_DIR/generated.rs` with the shared generation
//! routine, so the build and `cargo xtask codegen` produce byte-identical code.

use std::{env, fs, path::PathBuf, process::ExitCode};

fn main() -> ExitCode {
    let spec = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("openapi.json");
    println!("cargo:rerun-if-changed={}", spec.display());
    match seedance_codegen::render_file(&spec) {
        Ok(code) => {
            let out = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
            fs::write(out.join("generated.rs"), code).expect("OUT_DIR is writable");
            ExitCode::SUCCESS
        }
        Err(err) => {
            // One line naming the file and the place, instead of a panic backtrace.
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}
