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

/// The variable that points a client of the simulated provider `name` at a base URL: the
/// facade's own name for it, else `<NAME>_BASE_URL` (the convention every provider follows),
/// so a provider the simulator serves is printed even before the facade knows it.
fn base_url_env(name: &str) -> String {
    Provider::ALL
        .into_iter()
        .find(|provider| provider.as_str() == name)
        .map_or_else(
            || format!("{}_BASE_URL", name.to_uppercase()),
            |provider| provider.base_url_env().to_owned(),
        )
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
    for name in seedance_sim::PROVIDERS {
        println!("{}={}", base_url_env(name), sim.base_url(name));
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
    fn every_simulated_provider_has_its_base_url_variable() {
        let names: Vec<String> = seedance_sim::PROVIDERS
            .into_iter()
            .map(base_url_env)
            .collect();
        assert_eq!(
            names,
            [
                "MODELLIX_BASE_URL",
                "JIEKOU_BASE_URL",
                "ODKKK_BASE_URL",
                "ARK_BASE_URL"
            ]
        );
    }

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
