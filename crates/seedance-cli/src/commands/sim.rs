//! `seedance sim`: run the provider simulator until Ctrl-C.

use std::time::Duration;

use anyhow::{Context, Result};
use seedance::Provider;
use seedance_sim::{Sim, SimConfig};

use crate::{UsageError, args::SimArgs};

/// Starts the simulator on `args.addr`, prints each provider's base URL and serves until
/// Ctrl-C.
pub(crate) async fn run(args: SimArgs) -> Result<()> {
    let mut config = SimConfig::default();
    if let Some(seconds) = args.task_seconds {
        config.task_duration = Duration::try_from_secs_f64(seconds).map_err(|_| {
            UsageError(format!(
                "invalid --task-seconds {seconds}; allowed: a number of seconds, 0 or more"
            ))
        })?;
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
