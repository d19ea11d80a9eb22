//! A small fault-injection soak in `cargo test` (the full one is
//! `cargo bench -p seedance-cli --bench soak`): with 429s, 5xx, connection resets and truncated
//! bodies on every route, no task the simulator created is unknown to its caller, no prompt is
//! submitted twice, and every task either completes or surfaces as `OutcomeUnknown`.

use seedance_sdk::Provider;
use seedance_workspace_tests::soak::{self, FAULT_KINDS, ROUTES, SoakOptions};

/// The providers the simulator serves: all of them.
const SIMULATED: [Provider; 4] = [
    Provider::Modellix,
    Provider::Jiekou,
    Provider::Odkkk,
    Provider::Ark,
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn under_faults_no_task_is_lost_or_submitted_twice() {
    let options = SoakOptions {
        n_tasks: 30,
        concurrency: 10,
        seed: 8,
    };
    let mut reports = Vec::new();
    for provider in SIMULATED {
        reports.push(soak::run(provider, options).await);
    }
    let table = soak::markdown(&reports);
    for report in &reports {
        let provider = report.provider;
        assert!(
            report.lost.is_empty(),
            "{provider} lost {:?}\n{table}",
            report.lost
        );
        assert!(
            report.duplicates.is_empty(),
            "{provider} submitted twice: {:?}\n{table}",
            report.duplicates
        );
        assert!(
            report.failed_after_submit.is_empty() && report.submit_failed.is_empty(),
            "{provider}: with retries enough, a task completes or its submit is OutcomeUnknown: \
             {:?} {:?}\n{table}",
            report.failed_after_submit,
            report.submit_failed
        );
        assert_eq!(
            report.completed + report.outcome_unknown,
            options.n_tasks,
            "{table}"
        );
        assert!(report.completed > 0, "{table}");
        // The faults did fire: every kind somewhere, and some fault on every route.
        for (kind, _) in FAULT_KINDS {
            assert!(
                report.faults(kind, None) > 0,
                "{provider}: no {kind}\n{table}"
            );
        }
        for route in ROUTES {
            let on_route: u64 = FAULT_KINDS
                .iter()
                .map(|(kind, _)| report.faults(kind, Some(route)))
                .sum();
            assert!(on_route > 0, "{provider}: no fault on {route}\n{table}");
        }
    }
}
