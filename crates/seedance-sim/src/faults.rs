//! Fault injection: which requests get an error status, a delay, a dropped connection or a
//! truncated body, and which tasks fail or expire.

use std::{collections::BTreeMap, ops::Range, sync::Mutex, time::Duration};

/// The routes a fault can target.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Route {
    /// Task submission.
    Submit,
    /// Task status query.
    Status,
    /// Task listing (Ark).
    List,
    /// Task cancellation or deletion (Ark).
    Delete,
    /// Result video download (media origin).
    Video,
    /// Every route.
    Any,
}

/// What happens to a matching request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Answer with this HTTP status and the provider's own error body; with `retry_after`, also
    /// a `Retry-After` header (and Modellix's `X-RateLimit-Reset`).
    Status {
        /// The HTTP status.
        code: u16,
        /// Seconds to put in `Retry-After`.
        retry_after: Option<u64>,
    },
    /// Wait this long before answering (combined with the other faults of the request).
    Delay(Duration),
    /// Accept the request (a submit creates its task), then drop the connection after the
    /// response headers, before any body byte.
    DropConnection,
    /// Accept the request, then send half of the body and close the connection.
    TruncateBody,
    /// (Video) Send this many bytes of the body, then break the connection: a transfer broken
    /// midway, which a client resumes with `Range`.
    BreakAfter(u64),
    /// (Submit) The task is created and later fails.
    FailTask,
    /// (Submit) The task is created and later expires.
    ExpireTask,
    /// (Submit) The task stays queued this long, then runs for the configured task duration
    /// (by default a task is queued for the first tenth of that duration). Long enough, it lets
    /// a test cancel a queued Ark task; zero makes it run at once.
    HoldQueued(Duration),
}

/// A fault and the requests it applies to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FaultRule {
    /// Only this provider (`modellix`, `jiekou`, `odkkk`, `ark`); `None` for all. Ignored for
    /// [`Route::Video`].
    pub provider: Option<String>,
    /// Only this route.
    pub route: Route,
    /// The fault.
    pub fault: Fault,
    /// Apply to the first `times` matching requests only (`None`: no limit).
    pub times: Option<u64>,
    /// Apply to every `every`-th matching request only (1 = each).
    pub every: u64,
    /// Apply to a pseudo-random share of the matching requests only (`None`: all of them).
    pub sample: Option<Sample>,
}

/// A reproducible pseudo-random share of the requests a [`FaultRule`] matches.
///
/// Each matching request draws a number in `0..100` from `seed` and its position among the
/// requests the rule matched so far; the rule applies when the draw falls in `percent`. Rules
/// added together with the same route, provider and seed see the same positions, so they draw
/// the same number for a request: disjoint ranges split the requests between their faults and
/// never give one request two of them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sample {
    /// Seeds the draws; the same seed gives the same sequence.
    pub seed: u64,
    /// The draws the rule applies to: `10..20` is 10 % of the requests.
    pub percent: Range<u8>,
}

impl Sample {
    /// Whether the `position`-th matching request (from 1) falls in the share.
    fn includes(&self, position: u64) -> bool {
        // splitmix64: a well-mixed draw from a counter, with no state and no dependency.
        let mut z = self
            .seed
            .wrapping_add(position.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        let draw = (z % 100) as u8;
        self.percent.contains(&draw)
    }
}

impl FaultRule {
    /// `fault` on every request to `route`.
    pub fn new(route: Route, fault: Fault) -> Self {
        Self {
            provider: None,
            route,
            fault,
            times: None,
            every: 1,
            sample: None,
        }
    }

    /// Only for `provider`.
    #[must_use]
    pub fn provider(mut self, provider: &str) -> Self {
        self.provider = Some(provider.to_owned());
        self
    }

    /// Only the first `n` matching requests.
    #[must_use]
    pub fn times(mut self, n: u64) -> Self {
        self.times = Some(n);
        self
    }

    /// Only every `n`-th matching request (the `n`-th, `2n`-th, ...).
    #[must_use]
    pub fn every(mut self, n: u64) -> Self {
        self.every = n.max(1);
        self
    }

    /// Only the requests whose draw from `seed` falls in `percent` (see [`Sample`]), e.g.
    /// `sampled(7, 0..10)` and `sampled(7, 10..20)` on two rules: 10 % of requests each, never
    /// the same request.
    #[must_use]
    pub fn sampled(mut self, seed: u64, percent: Range<u8>) -> Self {
        self.sample = Some(Sample { seed, percent });
        self
    }
}

#[derive(Debug, Default)]
pub(crate) struct Faults {
    rules: Mutex<Vec<(FaultRule, u64, u64)>>,
    /// Faults picked so far, keyed like [`crate::Counters::faults`].
    picked: Mutex<BTreeMap<String, u64>>,
}

impl Faults {
    pub(crate) fn new(rules: Vec<FaultRule>) -> Self {
        Self {
            rules: Mutex::new(rules.into_iter().map(|r| (r, 0, 0)).collect()),
            picked: Mutex::default(),
        }
    }

    /// How many times each fault was picked, per route.
    pub(crate) fn picked(&self) -> BTreeMap<String, u64> {
        self.picked.lock().expect("fault lock").clone()
    }

    pub(crate) fn add(&self, rule: FaultRule) {
        self.rules.lock().expect("fault lock").push((rule, 0, 0));
    }

    /// The faults that apply to this request, consuming their counts.
    pub(crate) fn pick(&self, provider: Option<&str>, route: Route) -> Vec<Fault> {
        let mut picked = Vec::new();
        for (rule, matched, applied) in self.rules.lock().expect("fault lock").iter_mut() {
            let route_matches = rule.route == Route::Any || rule.route == route;
            let provider_matches = match (&rule.provider, provider) {
                (None, _) | (_, None) => true,
                (Some(want), Some(got)) => want == got,
            };
            if !(route_matches && provider_matches) {
                continue;
            }
            *matched += 1;
            if *matched % rule.every != 0 {
                continue;
            }
            if rule
                .sample
                .as_ref()
                .is_some_and(|sample| !sample.includes(*matched))
            {
                continue;
            }
            if rule.times.is_some_and(|times| *applied >= times) {
                continue;
            }
            *applied += 1;
            picked.push(rule.fault.clone());
        }
        if !picked.is_empty() {
            let route_key = match (provider, route) {
                (None, _) => "media video".to_owned(),
                (Some(provider), route) => format!("{provider} {}", route_name(route)),
            };
            let mut counts = self.picked.lock().expect("fault lock");
            for fault in &picked {
                *counts
                    .entry(format!("{route_key}: {}", label(fault)))
                    .or_default() += 1;
            }
        }
        picked
    }
}

fn route_name(route: Route) -> &'static str {
    match route {
        Route::Submit => "submit",
        Route::Status => "status",
        Route::List => "list",
        Route::Delete => "delete",
        Route::Video => "video",
        Route::Any => "any",
    }
}

/// A short name for counting.
fn label(fault: &Fault) -> String {
    match fault {
        Fault::Status { code, .. } => format!("status {code}"),
        Fault::DropConnection => "drop connection".to_owned(),
        Fault::TruncateBody => "truncate body".to_owned(),
        other => format!("{other:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_every_and_provider_select_requests() {
        let faults = Faults::new(vec![
            FaultRule::new(Route::Submit, Fault::DropConnection).times(2),
            FaultRule::new(Route::Status, Fault::TruncateBody)
                .every(3)
                .provider("jiekou"),
        ]);
        let submits: Vec<usize> = (0..4)
            .map(|_| faults.pick(Some("odkkk"), Route::Submit).len())
            .collect();
        assert_eq!(submits, [1, 1, 0, 0]);
        let statuses: Vec<usize> = (0..6)
            .map(|_| faults.pick(Some("jiekou"), Route::Status).len())
            .collect();
        assert_eq!(statuses, [0, 0, 1, 0, 0, 1]);
        assert!(faults.pick(Some("modellix"), Route::Status).is_empty());
        let picked = faults.picked();
        assert_eq!(picked["odkkk submit: drop connection"], 2);
        assert_eq!(picked["jiekou status: truncate body"], 2);
        assert_eq!(picked.len(), 2);
    }

    #[test]
    fn sampled_rules_with_one_seed_split_requests_without_overlap() {
        let shares = [0..10, 10..20, 20..30, 30..40];
        let rules = |seed| {
            shares
                .iter()
                .zip([503, 500, 502, 429])
                .map(|(share, code)| {
                    let fault = Fault::Status {
                        code,
                        retry_after: None,
                    };
                    FaultRule::new(Route::Any, fault).sampled(seed, share.clone())
                })
                .collect::<Vec<_>>()
        };
        let n_requests = 10_000;
        let draws = |seed| {
            let faults = Faults::new(rules(seed));
            (0..n_requests)
                .map(|_| faults.pick(Some("odkkk"), Route::Status))
                .collect::<Vec<_>>()
        };
        let first = draws(42);
        assert_eq!(first, draws(42), "the same seed gives the same faults");
        assert_ne!(first, draws(43), "another seed gives others");
        assert!(first.iter().all(|picked| picked.len() <= 1), "no overlap");
        for code in [503, 500, 502, 429] {
            let hits = first
                .iter()
                .filter(|picked| matches!(picked.first(), Some(Fault::Status { code: c, .. }) if *c == code))
                .count();
            assert!(
                (800..1200).contains(&hits),
                "{code}: {hits} of {n_requests}"
            );
        }
    }
}
