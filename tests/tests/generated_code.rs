//! The generated Rust of each provider, snapshotted: a change to a spec or to progenitor shows
//! up as a reviewable diff of the client it produces.

use seedance_workspace_tests::{PROVIDERS, spec_path};

#[test]
fn generated_client_of_each_provider() {
    for provider in PROVIDERS {
        let code = seedance_codegen::render_file(&spec_path(provider))
            .unwrap_or_else(|err| panic!("{err}"));
        insta::assert_snapshot!(provider, code);
    }
}
