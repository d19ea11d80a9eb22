//! The fault-injection soak reported in BENCHMARKS.md: `cargo bench -p seedance-cli --bench soak`.
//!
//! For each provider, 200 tasks (submit, wait, download) through the facade against the
//! simulator, which answers 10 % of the requests on every route with each of 429, 5xx, a
//! connection reset and a truncated body. Prints Markdown tables: tasks completed, lost (the
//! simulator created them, the caller never learned of them), duplicate submits, submits
//! surfaced as `OutcomeUnknown`, wall time per task, and the faults injected. The logic is
//! `seedance_workspace_tests::soak`, shared with the smaller run in `cargo test`.

use seedance_sdk::Provider;
use seedance_workspace_tests::soak::{self, SoakOptions};

const OPTIONS: SoakOptions = SoakOptions {
    n_tasks: 200,
    concurrency: 20,
    seed: 22,
};

fn main() {
    let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime");
    let reports: Vec<_> = Provider::ALL
        .into_iter()
        .map(|provider| runtime.block_on(soak::run(provider, OPTIONS)))
        .collect();
    println!(
        "### Fault-injection soak: {} tasks per provider, {} at a time, seed {}\n",
        OPTIONS.n_tasks, OPTIONS.concurrency, OPTIONS.seed
    );
    println!("{}", soak::markdown(&reports));
    let mut failures = Vec::new();
    for report in &reports {
        if !report.lost.is_empty() {
            failures.push(format!("{} lost {:?}", report.provider, report.lost));
        }
        if !report.duplicates.is_empty() {
            failures.push(format!(
                "{} submitted twice: {:?}",
                report.provider, report.duplicates
            ));
        }
        for error in report
            .failed_after_submit
            .iter()
            .chain(&report.submit_failed)
        {
            println!("note: {}: {error}", report.provider);
        }
    }
    // A lost task or a duplicate submit is a bug, not a figure: fail loudly.
    assert!(failures.is_empty(), "{failures:#?}");
}
