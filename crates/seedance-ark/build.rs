//! Compiles this package's `openapi.json` (the copy of `specs/<provider>/openapi.json` that
//! `cargo xtask codegen` writes) into `$OUT_DIR/generated.rs` with the shared generation
//! routine, so the build and `cargo xtask codegen` produce byte-identical code.

fn main() -> std::process::ExitCode {
    seedance_codegen::build_script()
}
