//! The history part of the polling benchmark (`polling-history`): a fixed 5 s poll, the
//! back-off and history-placed polling (`WaitOptions::expect`) on seeded task lengths drawn from
//! the same spread as the 20 past lengths recorded in a journal.

use std::{path::Path, time::Duration};

use seedance_sdk::{Provider, VideoRequest, WaitOptions};
use seedance_sim::{Sim, SimConfig};

use super::{OFFSETS_MS, TASK, client, fixed_poll};

/// Samples of history per model, as `seedance batch` would have recorded them.
const HISTORY_SAMPLES: usize = 20;
/// Seeded task lengths per strategy in the history scenario.
const HISTORY_DRAWS: u64 = 50;
/// Spreads of task lengths: normal around 300 s with these standard deviations (relative),
/// clipped at twice that; 5 % keeps every length within ±10 %.
const HISTORY_SDS: [f64; 2] = [0.05, 0.02];

/// SplitMix64: a seeded generator, so every run draws the same task lengths; with the spread
/// (a standard deviation relative to 300 s).
struct SplitMix(u64, f64);

impl SplitMix {
    fn next_f64(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
    }

    /// A task length around 300 s: normal (Box-Muller), clipped at two standard deviations, to
    /// the millisecond.
    fn task_length(&mut self) -> Duration {
        let (u1, u2) = (self.next_f64().max(f64::MIN_POSITIVE), self.next_f64());
        let normal = (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos();
        let relative = (normal * self.1).clamp(-2.0 * self.1, 2.0 * self.1);
        Duration::from_millis((TASK.as_secs_f64() * (1.0 + relative) * 1000.0).round() as u64)
    }
}

/// One polling strategy of the history scenario.
#[derive(Clone, Copy)]
enum Strategy {
    Fixed,
    Backoff,
    History(seedance_sdk::Expected),
}

/// Draws `HISTORY_SAMPLES` past lengths into a journal and reads its estimate, as the CLI does.
fn history_estimate(rng: &mut SplitMix, dir: &Path, seed: u64) -> seedance_sdk::Expected {
    let path = dir.join(format!("history-{seed}.sqlite"));
    let journal = seedance_journal::Journal::open(&path).unwrap();
    for _ in 0..HISTORY_SAMPLES {
        let taken = rng.task_length().as_secs_f64();
        journal
            .record_duration("modellix", "seedance-1.5-pro", "720p", 5, taken)
            .unwrap();
    }
    let estimate = journal
        .expected_duration("modellix", "seedance-1.5-pro", "720p", 5)
        .unwrap()
        .expect("20 samples");
    drop(journal);
    let _ = std::fs::remove_file(&path);
    seedance_sdk::Expected {
        median: Duration::from_secs_f64(estimate.median),
        p90: Duration::from_secs_f64(estimate.p90),
    }
}

/// Runs one task of length `task` on Modellix (no hint) with `strategy`; returns the status
/// requests and the detection delay.
fn poll_strategy(strategy: Strategy, task: Duration) -> (u64, Duration) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .unwrap();
    runtime.block_on(async {
        let provider = Provider::Modellix;
        let sim = Sim::start(SimConfig {
            task_duration: task,
            ..SimConfig::default()
        })
        .await
        .unwrap();
        let client = client(&sim, provider, false);
        let handle = client
            .submit(&VideoRequest::new("a 5-minute task"))
            .await
            .unwrap();
        let start = tokio::time::Instant::now();
        let options = WaitOptions {
            timeout: Duration::from_secs(3600),
            ..WaitOptions::default()
        };
        match strategy {
            Strategy::Fixed => {
                fixed_poll(&client, &handle).await;
            }
            Strategy::Backoff => {
                client.wait(&handle, options).await.unwrap();
            }
            Strategy::History(expected) => {
                let options = options.expect(expected.median, expected.p90);
                client.wait(&handle, options).await.unwrap();
            }
        }
        let delay = start.elapsed().saturating_sub(task);
        (sim.counters().route(&format!("{provider} status")), delay)
    })
}

/// The value at quantile `q` by nearest rank.
fn quantile(values: &[f64], q: f64) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

pub(crate) fn polling_history(dir: &Path) {
    const NAMES: [&str; 3] = [
        "fixed 5 s poll",
        "seedance wait, back-off (no history)",
        "seedance wait, history-placed",
    ];
    println!(
        "### Polling a 5-minute task whose model has history ({HISTORY_DRAWS} seeded draws per spread, Modellix, virtual time)\n"
    );
    println!(
        "Each draw: {HISTORY_SAMPLES} past lengths recorded in a journal, and the task's own length, all from one spread (normal around 300 s, clipped at 2 sd).\n"
    );
    println!(
        "| spread (sd) | history median / p90 (range over draws) | strategy | requests mean | p50 | p90 | max | delay mean | p50 | p90 | max | draws with <= 8 requests and <= 2 s |"
    );
    println!("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    let mut first_estimates = Vec::new();
    for sd in HISTORY_SDS {
        let mut requests = vec![Vec::new(); NAMES.len()];
        let mut delays = vec![Vec::new(); NAMES.len()];
        let mut estimates = Vec::new();
        for seed in 1..=HISTORY_DRAWS {
            let mut rng = SplitMix(seed, sd);
            let expected = history_estimate(&mut rng, dir, seed);
            let task = rng.task_length();
            estimates.push(expected);
            let strategies = [
                Strategy::Fixed,
                Strategy::Backoff,
                Strategy::History(expected),
            ];
            for (idx, strategy) in strategies.into_iter().enumerate() {
                let (n, delay) = poll_strategy(strategy, task);
                requests[idx].push(n as f64);
                delays[idx].push(delay.as_secs_f64());
            }
        }
        first_estimates.push((sd, estimates[0]));
        let medians: Vec<f64> = estimates.iter().map(|e| e.median.as_secs_f64()).collect();
        let p90s: Vec<f64> = estimates.iter().map(|e| e.p90.as_secs_f64()).collect();
        let range = format!(
            "{:.0}-{:.0} s / {:.0}-{:.0} s",
            quantile(&medians, 0.0),
            quantile(&medians, 1.0),
            quantile(&p90s, 0.0),
            quantile(&p90s, 1.0),
        );
        for (idx, name) in NAMES.iter().enumerate() {
            let (r, d) = (&requests[idx], &delays[idx]);
            let met = r
                .iter()
                .zip(d)
                .filter(|(r, d)| **r <= 8.0 && **d <= 2.0)
                .count();
            println!(
                "| {:.0} % | {range} | {name} | {:.1} | {:.0} | {:.0} | {:.0} | {:.2} s | {:.2} s | {:.2} s | {:.2} s | {met}/{} |",
                sd * 100.0,
                r.iter().sum::<f64>() / r.len() as f64,
                quantile(r, 0.5),
                quantile(r, 0.9),
                quantile(r, 1.0),
                d.iter().sum::<f64>() / d.len() as f64,
                quantile(d, 0.5),
                quantile(d, 0.9),
                quantile(d, 1.0),
                r.len(),
            );
        }
    }
    println!();
    println!(
        "The task at the history's centre: lengths 300.5 s to 304.5 s (as in the first polling table), with the history of each spread's first draw; means over the {} lengths:\n",
        OFFSETS_MS.len(),
    );
    println!(
        "| spread (sd) | history median / p90 | strategy | status requests | detection delay |"
    );
    println!("|---|---|---|---:|---:|");
    for (sd, expected) in first_estimates {
        for (name, strategy) in NAMES.iter().zip([
            Strategy::Fixed,
            Strategy::Backoff,
            Strategy::History(expected),
        ]) {
            let (mut total_requests, mut total_delay) = (0, Duration::ZERO);
            for offset in OFFSETS_MS {
                let (n, delay) = poll_strategy(strategy, TASK + Duration::from_millis(offset));
                total_requests += n;
                total_delay += delay;
            }
            let n = OFFSETS_MS.len() as u32;
            println!(
                "| {:.0} % | {:.1} s / {:.1} s | {name} | {:.1} | {:.2} s |",
                sd * 100.0,
                expected.median.as_secs_f64(),
                expected.p90.as_secs_f64(),
                total_requests as f64 / f64::from(n),
                (total_delay / n).as_secs_f64()
            );
        }
    }
    println!();
}
