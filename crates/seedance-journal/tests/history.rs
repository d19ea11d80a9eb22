//! The duration history: median, p90, the newest-50 window and the fallback to the provider
//! and model.

use seedance_journal::{DurationEstimate, EstimateScope, HISTORY_WINDOW, Journal};

fn journal() -> (tempfile::TempDir, Journal) {
    let dir = tempfile::tempdir().unwrap();
    let journal = Journal::open(dir.path().join("j.sqlite")).unwrap();
    (dir, journal)
}

fn check(samples: &[f64], expect: Option<(f64, f64, usize)>) {
    let (_dir, journal) = journal();
    for seconds in samples {
        journal
            .record_duration("ark", "seedance-2.0", "720p", 5, *seconds)
            .unwrap();
    }
    let found = journal
        .expected_duration("ark", "seedance-2.0", "720p", 5)
        .unwrap();
    assert_eq!(
        found.map(|estimate| (estimate.median, estimate.p90, estimate.n)),
        expect,
        "{samples:?}"
    );
}

#[test]
fn median_and_nearest_rank_p90() {
    check(&[], None);
    check(&[30.0, 10.0, 20.0], Some((20.0, 30.0, 3)));
    check(&[40.0, 10.0, 30.0, 20.0], Some((25.0, 40.0, 4)));
    // Ten samples: p90 is the 9th smallest.
    let ten: Vec<f64> = (1..=10).rev().map(f64::from).collect();
    check(&ten, Some((5.5, 9.0, 10)));
    let eleven: Vec<f64> = (1..=11).map(f64::from).collect();
    check(&eleven, Some((6.0, 10.0, 11)));
}

#[test]
fn only_the_newest_samples_count() {
    let (_dir, journal) = journal();
    // 100 old slow samples, then 50 fast ones: the old ones are outside the window.
    for _ in 0..100 {
        journal
            .record_duration("ark", "seedance-2.0", "1080p", 10, 900.0)
            .unwrap();
    }
    for seconds in 0..HISTORY_WINDOW {
        journal
            .record_duration("ark", "seedance-2.0", "1080p", 10, 100.0 + seconds as f64)
            .unwrap();
    }
    let estimate = journal
        .expected_duration("ark", "seedance-2.0", "1080p", 10)
        .unwrap()
        .unwrap();
    assert_eq!(
        estimate,
        DurationEstimate {
            median: 124.5,
            p90: 144.0,
            n: 50,
            scope: EstimateScope::Exact
        }
    );
}

#[test]
fn fewer_than_three_exact_samples_fall_back_to_provider_and_model() {
    let (_dir, journal) = journal();
    for seconds in [100.0, 200.0, 300.0, 400.0] {
        journal
            .record_duration("ark", "seedance-2.0", "720p", 5, seconds)
            .unwrap();
    }
    journal
        .record_duration("ark", "seedance-2.0", "1080p", 10, 1000.0)
        .unwrap();
    journal
        .record_duration("ark", "seedance-2.0", "1080p", 10, 1100.0)
        .unwrap();
    // Other providers and models never leak in.
    journal
        .record_duration("jiekou", "seedance-2.0", "1080p", 10, 5.0)
        .unwrap();
    journal
        .record_duration("ark", "seedance-2.0-fast", "1080p", 10, 5.0)
        .unwrap();

    let fallback = journal
        .expected_duration("ark", "seedance-2.0", "1080p", 10)
        .unwrap()
        .unwrap();
    assert_eq!(
        fallback,
        DurationEstimate {
            median: 350.0,
            p90: 1100.0,
            n: 6,
            scope: EstimateScope::ProviderModel
        }
    );
    let never_seen = journal
        .expected_duration("ark", "seedance-2.0", "4k", 12)
        .unwrap()
        .unwrap();
    assert_eq!(
        (never_seen.n, never_seen.scope),
        (6, EstimateScope::ProviderModel)
    );

    journal
        .record_duration("ark", "seedance-2.0", "1080p", 10, 1200.0)
        .unwrap();
    let exact = journal
        .expected_duration("ark", "seedance-2.0", "1080p", 10)
        .unwrap()
        .unwrap();
    assert_eq!(
        exact,
        DurationEstimate {
            median: 1100.0,
            p90: 1200.0,
            n: 3,
            scope: EstimateScope::Exact
        }
    );

    assert_eq!(
        journal
            .expected_duration("odkkk", "seedance-2.0", "720p", 5)
            .unwrap(),
        None
    );
}

#[test]
fn a_nonsense_duration_is_refused() {
    let (_dir, journal) = journal();
    for seconds in [-1.0, f64::NAN, f64::INFINITY] {
        let message = journal
            .record_duration("ark", "m", "720p", 5, seconds)
            .unwrap_err()
            .to_string();
        assert!(
            message.starts_with("seconds_taken is") && message.contains("0 or more"),
            "{message}"
        );
    }
    assert_eq!(
        journal.expected_duration("ark", "m", "720p", 5).unwrap(),
        None
    );
}
