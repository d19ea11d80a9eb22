//! History-placed polling on a paused clock: with `WaitOptions::expect`, `wait` polls where the
//! plan says (a sanity poll, then densely around the expected finish, then the back-off), an
//! early failure is seen at the sanity poll, an early finish when the window opens, a late one
//! through the back-off; the provider's estimate wins over history, and the deadline holds.
//!
//! The status server runs on the test's own runtime and answers by the paused clock: "processing"
//! until the task's finish, then the final status; it records when each request came.

mod common;

use std::{
    sync::{Arc, Mutex},
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use common::{API_KEY, status_example, unix_now};
use seedance_sdk::{Client, Error, Provider, RetryPolicy, TaskHandle, WaitOptions};
use serde_json::Value;
use tokio::time::Instant;

const PROVIDER: Provider = Provider::Modellix;

/// A Modellix status server whose task ends `finish` after `epoch` with `last`; it records the
/// time of each request since `epoch`.
struct TimedServer {
    addr: std::net::SocketAddr,
    polls: Arc<Mutex<Vec<Duration>>>,
}

impl TimedServer {
    async fn start(epoch: Instant, finish: Duration, last: Value) -> Self {
        use tokio::io::{AsyncBufReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let polls = Arc::new(Mutex::new(Vec::new()));
        let record = polls.clone();
        let running = status_example(PROVIDER, "processing");
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let (record, running, last) = (record.clone(), running.clone(), last.clone());
                tokio::spawn(async move {
                    let mut socket = tokio::io::BufReader::new(socket);
                    let mut line = String::new();
                    loop {
                        // A GET has no body: the request ends with its blank line.
                        loop {
                            line.clear();
                            match socket.read_line(&mut line).await {
                                Ok(0) | Err(_) => return,
                                Ok(_) if line == "\r\n" => break,
                                Ok(_) => {}
                            }
                        }
                        let at = epoch.elapsed();
                        record.lock().unwrap().push(at);
                        let body = if at >= finish { &last } else { &running }.to_string();
                        let response = format!(
                            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
                            body.len()
                        );
                        if socket
                            .get_mut()
                            .write_all(response.as_bytes())
                            .await
                            .is_err()
                        {
                            return;
                        }
                    }
                });
            }
        });
        Self { addr, polls }
    }

    /// The times of the requests so far, in seconds since the epoch.
    fn polls(&self) -> Vec<f64> {
        let polls = self.polls.lock().unwrap();
        polls.iter().map(Duration::as_secs_f64).collect()
    }

    fn client(&self) -> Client {
        // No timer in the HTTP client: on a paused clock it would fire while the server answers.
        seedance_runtime::install_crypto_provider();
        let http = reqwest::Client::builder()
            .pool_idle_timeout(None)
            .build()
            .unwrap();
        Client::builder(PROVIDER)
            .api_key(API_KEY)
            .base_url(format!("http://{}/api/v1", self.addr))
            .http_client(http)
            .timeout(None)
            .retry_policy(RetryPolicy {
                max_retries: 0,
                ..RetryPolicy::default()
            })
            .build()
            .unwrap()
    }

    /// A task submitted now (wall clock); see [`early_in_a_second`].
    fn handle(&self) -> TaskHandle {
        TaskHandle::new(
            PROVIDER,
            format!("http://{}/api/v1", self.addr),
            common::task_id(PROVIDER),
            unix_now(),
        )
    }
}

/// Waits until early in a wall-clock second: `created_at` and the watch's reading of the wall
/// clock are whole seconds, so the few milliseconds of a test must not cross into the next one
/// (which would shift every planned poll by a second).
fn early_in_a_second() {
    let subsec = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .subsec_millis();
    if subsec > 300 {
        std::thread::sleep(Duration::from_millis(u64::from(1010 - subsec)));
    }
}

fn secs(seconds: f64) -> Duration {
    Duration::from_secs_f64(seconds)
}

/// 2 s to 30 s polls, a long deadline, and a history of 300 s (median) and 310 s (p90).
fn options() -> WaitOptions {
    WaitOptions {
        timeout: Duration::from_secs(3600),
        ..WaitOptions::default()
    }
    .expect(secs(300.0), secs(310.0))
}

/// Runs `wait` on a task ending `finish` after its submit with `last`; returns the outcome,
/// the poll times and when `wait` returned (seconds since the submit).
async fn run(
    finish: f64,
    last: &str,
    options: WaitOptions,
    estimated_seconds: Option<u64>,
) -> (Result<(), Error>, Vec<f64>, f64) {
    early_in_a_second();
    let epoch = Instant::now();
    let server = TimedServer::start(epoch, secs(finish), status_example(PROVIDER, last)).await;
    let handle = TaskHandle {
        estimated_seconds,
        ..server.handle()
    };
    let result = server.client().wait(&handle, options).await.map(|_| ());
    (result, server.polls(), epoch.elapsed().as_secs_f64())
}

#[tokio::test(start_paused = true)]
async fn polls_are_placed_around_the_expected_finish() {
    let (result, polls, returned) = run(300.5, "succeeded", options(), None).await;
    result.unwrap();
    // A sanity poll at 30 s, then from 5 s (half the spread) before the median every 2 s.
    assert_eq!(polls, [30.0, 295.0, 297.0, 299.0, 301.0]);
    assert_eq!(returned, 301.0, "detected 0.5 s after the finish");
}

#[tokio::test(start_paused = true)]
async fn an_early_failure_is_seen_at_the_sanity_poll() {
    let (result, polls, _) = run(10.0, "failed", options(), None).await;
    assert!(
        matches!(result, Err(Error::TaskFailed { .. })),
        "{result:?}"
    );
    assert_eq!(polls, [30.0]);
}

#[tokio::test(start_paused = true)]
async fn an_early_finish_waits_for_the_window() {
    // The cost of the plan: a task done in 120 s is seen when the window opens, 175 s late.
    let (result, polls, returned) = run(120.0, "succeeded", options(), None).await;
    result.unwrap();
    assert_eq!(polls, [30.0, 295.0]);
    assert_eq!(returned, 295.0);
}

#[tokio::test(start_paused = true)]
async fn a_late_task_falls_back_to_the_back_off() {
    let (result, polls, _) = run(400.0, "succeeded", options(), None).await;
    result.unwrap();
    let window = [
        30.0, 295.0, 297.0, 299.0, 301.0, 303.0, 305.0, 307.0, 309.0, 311.0,
    ];
    assert_eq!(polls[..window.len()], window);
    let gaps: Vec<f64> = polls[window.len() - 1..]
        .windows(2)
        .map(|pair| pair[1] - pair[0])
        .collect();
    // Past the p90 the back-off restarts from the initial interval, growing by half, capped at
    // 30 s, until the task is seen (tokio's timers round to the millisecond).
    let expected = [2.0, 3.0, 4.5, 6.75, 10.125, 15.1875, 22.78125, 30.0];
    assert_eq!(gaps.len(), expected.len(), "{polls:?}");
    for (gap, want) in gaps.iter().zip(expected) {
        assert!((gap - want).abs() < 0.002, "{gaps:?}");
    }
    assert!(*polls.last().unwrap() >= 400.0);
}

#[tokio::test(start_paused = true)]
async fn the_providers_estimate_wins_over_history() {
    // With an estimate from the submit (odkkk's), polls follow it: the first one at once.
    let (result, polls, _) = run(20.0, "succeeded", options(), Some(20)).await;
    result.unwrap();
    assert_eq!(polls[0], 0.0, "{polls:?}");
    assert!(polls.len() > 1 && polls[1] < 30.0, "{polls:?}");
}

#[tokio::test(start_paused = true)]
async fn the_deadline_holds_while_waiting_for_the_window() {
    let options = WaitOptions {
        timeout: Duration::from_secs(100),
        ..options()
    };
    let (result, polls, returned) = run(300.0, "succeeded", options, None).await;
    assert!(
        matches!(result, Err(Error::Timeout { after, cancelled: false, .. }) if after == Duration::from_secs(100)),
        "{result:?}"
    );
    assert_eq!(
        polls,
        [30.0],
        "the sanity poll, then nothing before the deadline"
    );
    assert_eq!(returned, 100.0);
}

#[tokio::test(start_paused = true)]
async fn an_expected_duration_with_its_p90_below_its_median_is_refused() {
    let options = WaitOptions::default().expect(secs(300.0), secs(200.0));
    let (result, polls, _) = run(0.0, "succeeded", options, None).await;
    match result {
        Err(Error::InvalidOptions { option, message }) => {
            assert_eq!(option, "WaitOptions::expected");
            assert!(message.contains("median <= p90"), "{message}");
        }
        other => panic!("expected InvalidOptions, got {other:?}"),
    }
    assert!(polls.is_empty(), "nothing is sent: {polls:?}");
}
