//! `seedance sim`: run the provider simulator until Ctrl-C.

use std::time::Duration;

use anyhow::{Context, Result};
use seedance_sdk::Provider;
use seedance_sim::{Sim, SimConfig};

use crate::{UsageError, args::SimArgs};

/// The longest simulated task: a day is far more than any test needs, and stays far from the
/// limits of clock arithmetic.
const MAX_TASK_SECONDS: f64 = 86_400.0;

/// `seconds` as a simulated task duration, from 0 to [`MAX_TASK_SECONDS`]; `given` names the
/// setting and the value as given, for the error.
pub(super) fn task_duration(seconds: f64, given: &str) -> Result<Duration, UsageError> {
    if !(0.0..=MAX_TASK_SECONDS).contains(&seconds) {
        return Err(UsageError(format!(
            "invalid {given}; allowed: a number of seconds from 0 to {MAX_TASK_SECONDS}"
        )));
    }
    Ok(Duration::from_secs_f64(seconds))
}

/// Starts the simulator on `args.addr`, prints each provider's base URL and serves until
/// Ctrl-C.
pub(crate) async fn run(args: SimArgs) -> Result<()> {
    let mut config = SimConfig::default();
    if let Some(seconds) = args.task_seconds {
        config.task_duration = task_duration(seconds, &format!("--task-seconds {seconds}"))?;
    }
    let sim = Sim::start_on(config, args.addr)
        .await
        .with_context(|| format!("cannot listen on {}; pick another --addr", args.addr))?;
    for provider in Provider::ALL {
        println!(
            "{}={}",
            provider.base_url_env(),
            sim.base_url(provider.as_str())
        );
    }
    eprintln!("simulator running (any non-empty API key works); press Ctrl-C to stop");
    sim.serve_until(async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn task_durations_are_bounded() {
        assert_eq!(task_duration(0.0, "x").unwrap(), Duration::ZERO);
        assert_eq!(
            task_duration(1.5, "x").unwrap(),
            Duration::from_millis(1500)
        );
        assert_eq!(
            task_duration(MAX_TASK_SECONDS, "x").unwrap(),
            Duration::from_secs(86_400)
        );
        for bad in [-1.0, 86_400.5, 1e12, 1e30, f64::INFINITY, f64::NAN] {
            let err = task_duration(bad, "--task-seconds").unwrap_err();
            assert!(
                err.0.contains("--task-seconds") && err.0.contains("86400"),
                "{err}"
            );
        }
    }
}
