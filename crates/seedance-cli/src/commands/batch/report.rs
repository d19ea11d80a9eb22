//! What a batch run tells: one line per job state change on stderr (above a bar counting the
//! jobs done, on a terminal), or with `--json` one JSON event per line on stdout; then the
//! summary.
//!
//! Every JSON event has `event` (its kind), `job` (the id; absent for the summary) and `at_ms`
//! (unix milliseconds), plus the fields of its kind.

use std::{
    io::{IsTerminal, Write},
    time::Duration,
};

use indicatif::{ProgressBar, ProgressStyle};
use serde_json::{Map, Value, json};

use crate::text::{json_safe, printable};

/// How one job ended in this run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// The video is on disk, with its manifest.
    Succeeded,
    /// The task failed for good (or the provider refused it); the reason.
    Failed(String),
    /// A person must check the provider: the reason, with the window to check.
    Attention(String),
    /// Not finished in this run (a transient error, a timeout): running the command again
    /// continues it. The reason.
    Unfinished(String),
}

/// Prints events and the summary.
#[derive(Debug, Clone)]
pub(crate) struct Reporter {
    json: bool,
    /// Jobs done out of all, on a terminal only.
    bar: Option<ProgressBar>,
}

impl Reporter {
    /// JSON events on stdout with `json`, else lines on stderr, with a bar counting the
    /// `n_jobs` on a terminal.
    pub(crate) fn new(json: bool, n_jobs: usize) -> Self {
        let bar = (!json && std::io::stderr().is_terminal()).then(|| {
            let bar = ProgressBar::new(n_jobs as u64);
            bar.set_style(
                ProgressStyle::with_template("{bar:30} {pos}/{len} jobs done [{elapsed}]")
                    .expect("the template is valid"),
            );
            bar.enable_steady_tick(Duration::from_millis(250));
            bar
        });
        Self { json, bar }
    }

    /// One more job has its outcome for this run.
    pub(crate) fn done(&self) {
        if let Some(bar) = &self.bar {
            bar.inc(1);
        }
    }

    /// A line on stderr, above the bar when there is one.
    fn line(&self, line: &str) {
        match &self.bar {
            Some(bar) => bar.println(line),
            None => eprintln!("{line}"),
        }
    }

    /// One event of job `id`: `kind` (`submitted`, `downloaded`, ...), a human `detail`, and the
    /// fields of a JSON event.
    pub(crate) fn job(&self, id: &str, kind: &str, detail: &str, fields: Value) {
        if self.json {
            let mut event = Map::new();
            event.insert("event".into(), kind.into());
            event.insert("job".into(), id.into());
            event.insert("at_ms".into(), now_ms().into());
            if let Value::Object(fields) = fields {
                event.extend(fields);
            }
            print_line(&Value::Object(event));
        } else if detail.is_empty() {
            self.line(&format!("job {}: {kind}", printable(id)));
        } else {
            self.line(&format!(
                "job {}: {kind}: {}",
                printable(id),
                printable(detail)
            ));
        }
    }

    /// A note about the run, not one job (`rate_limited`, ...).
    pub(crate) fn run_event(&self, kind: &str, detail: &str, fields: Value) {
        if self.json {
            let mut event = Map::new();
            event.insert("event".into(), kind.into());
            event.insert("at_ms".into(), now_ms().into());
            if let Value::Object(fields) = fields {
                event.extend(fields);
            }
            print_line(&Value::Object(event));
        } else {
            self.line(&format!("{kind}: {}", printable(detail)));
        }
    }

    /// The summary of the run: counts, then every job that did not succeed with its reason.
    pub(crate) fn summary(&self, outcomes: &[(String, Outcome)]) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
        let mut succeeded = 0;
        let (mut failed, mut attention, mut unfinished) = (Vec::new(), Vec::new(), Vec::new());
        for (id, outcome) in outcomes {
            match outcome {
                Outcome::Succeeded => succeeded += 1,
                Outcome::Failed(reason) => failed.push((id, reason)),
                Outcome::Attention(reason) => attention.push((id, reason)),
                Outcome::Unfinished(reason) => unfinished.push((id, reason)),
            }
        }
        if self.json {
            let list = |jobs: &[(&String, &String)]| -> Value {
                jobs.iter()
                    .map(|(id, reason)| json!({"job": id, "reason": reason}))
                    .collect()
            };
            print_line(&json!({
                "event": "summary",
                "at_ms": now_ms(),
                "jobs": outcomes.len(),
                "succeeded": succeeded,
                "failed": list(&failed),
                "needs_attention": list(&attention),
                "unfinished": list(&unfinished),
            }));
            return;
        }
        eprintln!(
            "batch: {} jobs: {succeeded} succeeded, {} failed, {} need attention, {} unfinished",
            outcomes.len(),
            failed.len(),
            attention.len(),
            unfinished.len()
        );
        for (title, jobs) in [
            ("failed", &failed),
            ("needs attention", &attention),
            (
                "unfinished (run the same command again to continue)",
                &unfinished,
            ),
        ] {
            for (id, reason) in jobs.iter() {
                eprintln!("  {title}: job {}: {}", printable(id), printable(reason));
            }
        }
    }
}

/// Writes one JSON line to stdout, escaped for terminals as `--json` output is elsewhere.
fn print_line(value: &Value) {
    let line = json_safe(&value.to_string()).into_owned();
    let mut stdout = std::io::stdout().lock();
    // A closed stdout (a pipe whose reader left) must not abort the run: the journal has it.
    let _ = writeln!(stdout, "{line}");
    let _ = stdout.flush();
}

/// Now, in unix milliseconds.
pub(crate) fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| {
            u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX)
        })
}
