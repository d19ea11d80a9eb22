//! Fault injection: which requests get an error status, a delay, a dropped connection or a
//! truncated body, and which tasks fail or expire.

use std::{sync::Mutex, time::Duration};

/// The routes a fault can target.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Route {
    /// Task submission.
    Submit,
    /// Task status query.
    Status,
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
}

/// A fault and the requests it applies to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FaultRule {
    /// Only this provider (`modellix`, `jiekou`, `odkkk`); `None` for all. Ignored for
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
}

#[derive(Debug, Default)]
pub(crate) struct Faults {
    rules: Mutex<Vec<(FaultRule, u64, u64)>>,
}

impl Faults {
    pub(crate) fn new(rules: Vec<FaultRule>) -> Self {
        Self {
            rules: Mutex::new(rules.into_iter().map(|r| (r, 0, 0)).collect()),
        }
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
            if rule.times.is_some_and(|times| *applied >= times) {
                continue;
            }
            *applied += 1;
            picked.push(rule.fault.clone());
        }
        picked
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
    }
}
