//! Retries and polling on a paused clock: status requests retry transient failures and honour
//! the provider's delay; a submit is retried only when it provably did not reach the provider;
//! `wait` and `watch` poll until the task ends or the deadline passes.
//!
//! On a paused clock, tokio advances time to the next timer whenever the runtime waits for I/O,
//! so the request and connect timeouts of the default HTTP client would fire while the loopback
//! mock answers. These clients therefore use an HTTP client without any timer (no timeouts, no
//! idle-pool reaper): the only timers left are the library's own back-off and polling sleeps,
//! which is what these tests measure.

mod common;

use std::{
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use common::{
    API_KEY, base_url, examples, handle, request_count, set_status_word, status_example,
    status_mock, status_op, submit_ok, unix_now,
};
use futures_util::StreamExt;
use seedance_sdk::{Client, Error, Provider, RetryPolicy, TaskStatus, VideoRequest, WaitOptions};
use serde_json::Value;
use tokio::time::Instant;
use wiremock::{Mock, MockServer, ResponseTemplate, matchers::any};

/// A client for `provider` at `base_url` whose HTTP client sets no timer.
fn timerless_client(provider: Provider, base_url: String, retry: RetryPolicy) -> Client {
    seedance_runtime::install_crypto_provider();
    let http = reqwest::Client::builder()
        .pool_idle_timeout(None)
        .build()
        .expect("the HTTP client builds");
    Client::builder(provider)
        .api_key(API_KEY)
        .base_url(base_url)
        .http_client(http)
        .timeout(None)
        .retry_policy(retry)
        .build()
        .expect("the client builds")
}

/// A timer-free client for `provider` talking to `server`.
fn client_with(provider: Provider, server: &MockServer, retry: RetryPolicy) -> Client {
    timerless_client(provider, base_url(provider, server), retry)
}

fn policy(max_retries: u32) -> RetryPolicy {
    RetryPolicy {
        max_retries,
        ..RetryPolicy::default()
    }
}

/// The documented status whose example body stands for `status`: Ark documents one 5xx
/// (500, `InternalServiceError`), so its 503 here carries that body, the shape of every Ark
/// error.
fn documented_as(provider: Provider, status: u16) -> u16 {
    match (provider, status) {
        (Provider::Ark, 503) => 500,
        _ => status,
    }
}

/// The first documented example of an error response of the status operation.
fn status_error(provider: Provider, status: u16) -> Value {
    examples(
        provider,
        status_op(provider),
        "get",
        documented_as(provider, status),
    )
    .remove(0)
    .1
}

/// The first documented example of an error response of the submit operation.
fn submit_error(provider: Provider, status: u16) -> Value {
    examples(
        provider,
        common::submit_op(provider),
        "post",
        documented_as(provider, status),
    )
    .remove(0)
    .1
}

/// A status server on the test's own runtime: each request gets the next body (the last one
/// repeats). On a paused clock, a server on another thread (wiremock's) lets tokio advance time
/// to the next timer while a poll is in flight, which fires `wait`'s hard deadline; a server on
/// the same runtime answers before the clock may move.
struct LocalServer {
    addr: std::net::SocketAddr,
    served: Arc<AtomicUsize>,
}

impl LocalServer {
    async fn start(bodies: Vec<Value>) -> Self {
        use tokio::io::{AsyncBufReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let served = Arc::new(AtomicUsize::new(0));
        let count = served.clone();
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let (bodies, count) = (bodies.clone(), count.clone());
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
                        let i = count.fetch_add(1, Ordering::SeqCst).min(bodies.len() - 1);
                        let body = bodies[i].to_string();
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
        Self { addr, served }
    }

    fn requests(&self) -> usize {
        self.served.load(Ordering::SeqCst)
    }

    fn client(&self, provider: Provider) -> Client {
        timerless_client(provider, self.base_url(provider), policy(0))
    }

    fn base_url(&self, provider: Provider) -> String {
        format!("http://{}{}", self.addr, common::stem(provider))
    }

    fn handle(&self, provider: Provider) -> seedance_sdk::TaskHandle {
        seedance_sdk::TaskHandle::new(
            provider,
            self.base_url(provider),
            common::task_id(provider),
            unix_now(),
        )
    }
}

fn odkkk_processing(progress: i64) -> Value {
    let mut body = status_example(Provider::Odkkk, "processing");
    body["progress"] = progress.into();
    body
}

#[tokio::test(start_paused = true)]
async fn status_is_retried_on_503_then_succeeds() {
    for provider in common::PROVIDERS {
        let server = MockServer::start().await;
        status_mock(provider)
            .respond_with(ResponseTemplate::new(503).set_body_json(status_error(provider, 503)))
            .up_to_n_times(1)
            .mount(&server)
            .await;
        status_mock(provider)
            .respond_with(
                ResponseTemplate::new(200).set_body_json(status_example(provider, "processing")),
            )
            .mount(&server)
            .await;
        let status = client_with(provider, &server, policy(4))
            .status(&handle(provider, &server))
            .await
            .unwrap_or_else(|e| panic!("{provider}: {e}"));
        assert!(matches!(status, TaskStatus::Running { .. }), "{status:?}");
        assert_eq!(request_count(&server).await, 2, "{provider}");
    }
}

#[tokio::test(start_paused = true)]
async fn status_gives_up_after_max_retries() {
    for provider in common::PROVIDERS {
        for (code, variant) in [(503, "Provider"), (500, "Provider"), (429, "RateLimited")] {
            let server = MockServer::start().await;
            status_mock(provider)
                .respond_with(
                    ResponseTemplate::new(code).set_body_json(status_error(provider, code)),
                )
                .mount(&server)
                .await;
            let err = client_with(provider, &server, policy(3))
                .status(&handle(provider, &server))
                .await
                .expect_err("always failing");
            assert_eq!(common::variant(&err), variant, "{provider} {code}: {err}");
            assert_eq!(
                request_count(&server).await,
                4,
                "{provider} {code}: the first attempt and max_retries = 3 more"
            );
        }
    }
}

#[tokio::test(start_paused = true)]
async fn status_does_not_retry_permanent_errors() {
    for provider in common::PROVIDERS {
        for code in [400, 401, 404] {
            let server = MockServer::start().await;
            status_mock(provider)
                .respond_with(
                    ResponseTemplate::new(code).set_body_json(status_error(provider, code)),
                )
                .mount(&server)
                .await;
            let err = client_with(provider, &server, policy(4))
                .status(&handle(provider, &server))
                .await
                .expect_err("a permanent error");
            assert!(!err.is_retryable(), "{provider} {code}: {err}");
            assert_eq!(request_count(&server).await, 1, "{provider} {code}");
        }
    }
}

/// Retries after the delay the provider gives, measured on the paused clock.
async fn retried_after(provider: Provider, header: (&str, String)) -> Duration {
    let server = MockServer::start().await;
    status_mock(provider)
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header(header.0, header.1.as_str())
                .set_body_json(status_error(provider, 429)),
        )
        .up_to_n_times(1)
        .mount(&server)
        .await;
    status_mock(provider)
        .respond_with(
            ResponseTemplate::new(200).set_body_json(status_example(provider, "processing")),
        )
        .mount(&server)
        .await;
    let start = Instant::now();
    client_with(provider, &server, policy(2))
        .status(&handle(provider, &server))
        .await
        .unwrap_or_else(|e| panic!("{provider}: {e}"));
    let elapsed = start.elapsed();
    assert_eq!(request_count(&server).await, 2, "{provider}");
    elapsed
}

#[tokio::test(start_paused = true)]
async fn retry_after_is_honoured() {
    for provider in common::PROVIDERS {
        let elapsed = retried_after(provider, ("retry-after", "7".into())).await;
        assert!(
            (Duration::from_secs(7)..Duration::from_secs(8)).contains(&elapsed),
            "{provider}: retried after {elapsed:?}"
        );
    }
}

#[tokio::test(start_paused = true)]
async fn modellix_rate_limit_reset_is_honoured() {
    let elapsed = retried_after(Provider::Modellix, ("x-ratelimit-reset", "3".into())).await;
    assert!(
        (Duration::from_secs(3)..Duration::from_secs(4)).contains(&elapsed),
        "retried after {elapsed:?}"
    );
    // The same header as a unix time, 5 s from now.
    let reset = (unix_now() + 5).to_string();
    let elapsed = retried_after(Provider::Modellix, ("x-ratelimit-reset", reset)).await;
    assert!(
        (Duration::from_secs(4)..Duration::from_secs(6)).contains(&elapsed),
        "retried after {elapsed:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_retry_after_beyond_max_backoff_ends_the_retries() {
    let server = MockServer::start().await;
    status_mock(Provider::Jiekou)
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("retry-after", "3600")
                .set_body_json(status_error(Provider::Jiekou, 429)),
        )
        .mount(&server)
        .await;
    let start = Instant::now();
    let err = client_with(Provider::Jiekou, &server, policy(3))
        .status(&handle(Provider::Jiekou, &server))
        .await
        .expect_err("retrying early would be refused again");
    assert!(
        matches!(err, Error::RateLimited { retry_after: Some(d), .. } if d == Duration::from_secs(3600)),
        "{err:?}"
    );
    assert_eq!(start.elapsed(), Duration::ZERO, "no early retry");
    assert_eq!(request_count(&server).await, 1);
}

#[tokio::test(start_paused = true)]
async fn submit_answered_5xx_is_not_retried() {
    for provider in common::PROVIDERS {
        for code in [500, 503] {
            let server = MockServer::start().await;
            Mock::given(any())
                .respond_with(
                    ResponseTemplate::new(code).set_body_json(submit_error(provider, code)),
                )
                .mount(&server)
                .await;
            let err = client_with(provider, &server, policy(4))
                .submit(&VideoRequest::new("A cat"))
                .await
                .expect_err("a 5xx submit fails");
            assert!(
                matches!(&err, Error::OutcomeUnknown { provider: p, .. } if *p == provider),
                "{provider} {code}: {err:?}"
            );
            assert!(!err.is_retryable());
            assert_eq!(
                request_count(&server).await,
                1,
                "{provider} {code}: a submit that may have been accepted is sent once"
            );
        }
    }
}

#[tokio::test(start_paused = true)]
async fn submit_answered_unreadable_200_is_not_retried() {
    for provider in common::PROVIDERS {
        let server = MockServer::start().await;
        Mock::given(any())
            .respond_with(ResponseTemplate::new(200).set_body_raw("<html>oops</html>", "text/html"))
            .mount(&server)
            .await;
        let err = client_with(provider, &server, policy(4))
            .submit(&VideoRequest::new("A cat"))
            .await
            .expect_err("an unreadable answer");
        assert!(
            matches!(err, Error::OutcomeUnknown { .. }),
            "{provider}: {err:?}"
        );
        assert_eq!(request_count(&server).await, 1, "{provider}");
    }
}

#[tokio::test(start_paused = true)]
async fn submit_answered_429_is_retried() {
    for provider in common::PROVIDERS {
        let server = MockServer::start().await;
        Mock::given(any())
            .respond_with(
                ResponseTemplate::new(429)
                    .insert_header("retry-after", "2")
                    .set_body_json(submit_error(provider, 429)),
            )
            .up_to_n_times(1)
            .mount(&server)
            .await;
        Mock::given(any())
            .respond_with(ResponseTemplate::new(200).set_body_json(submit_ok(provider)))
            .mount(&server)
            .await;
        let start = Instant::now();
        let handle = client_with(provider, &server, policy(4))
            .submit(&VideoRequest::new("A cat"))
            .await
            .unwrap_or_else(|e| panic!("{provider}: {e}"));
        assert!(start.elapsed() >= Duration::from_secs(2), "{provider}");
        assert_eq!(handle.task_id, common::task_id_of_submit(provider));
        let requests = server.received_requests().await.unwrap();
        assert_eq!(requests.len(), 2, "{provider}: exactly two submits");
        assert!(requests.iter().all(|r| r.method.as_str() == "POST"));
        assert_eq!(
            requests[0].body, requests[1].body,
            "the same submit, resent"
        );
    }
}

/// A port nothing listens on: bound, read, and released.
fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    port
}

fn closed_port_client(provider: Provider, retry: RetryPolicy) -> Client {
    let url = format!(
        "http://127.0.0.1:{}{}",
        closed_port(),
        common::stem(provider)
    );
    timerless_client(provider, url, retry)
}

#[tokio::test(start_paused = true)]
async fn submit_to_a_closed_port_is_retried_then_fails() {
    for provider in common::PROVIDERS {
        let retry = RetryPolicy {
            max_retries: 3,
            initial_backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(1),
        };
        let start = Instant::now();
        let err = closed_port_client(provider, retry)
            .submit(&VideoRequest::new("A cat"))
            .await
            .expect_err("nothing listens");
        let elapsed = start.elapsed();
        let Error::Network { source, .. } = &err else {
            panic!("{provider}: expected Network, got {err:?}");
        };
        assert!(source.is_connect(), "{provider}: {source:?}");
        // Each of the 3 retries sleeps at least 1 ms (full jitter under a 1 s ceiling).
        assert!(
            elapsed >= Duration::from_millis(3) && elapsed <= Duration::from_secs(3),
            "{provider}: {elapsed:?}"
        );
        common::assert_no_secret(&err);

        // Without retries, no time passes: the sleeps above were the retries.
        let start = Instant::now();
        let err = closed_port_client(provider, RetryPolicy::none())
            .submit(&VideoRequest::new("A cat"))
            .await
            .expect_err("nothing listens");
        assert!(matches!(err, Error::Network { .. }), "{err:?}");
        assert_eq!(start.elapsed(), Duration::ZERO, "{provider}");
    }
}

#[tokio::test(start_paused = true)]
async fn wait_polls_until_completed() {
    let completed = status_example(Provider::Odkkk, "succeeded");
    let server = LocalServer::start(vec![
        status_example(Provider::Odkkk, "pending"),
        odkkk_processing(50),
        odkkk_processing(50),
        completed.clone(),
    ])
    .await;
    let video = server
        .client(Provider::Odkkk)
        .wait(&server.handle(Provider::Odkkk), WaitOptions::default())
        .await
        .expect("the task completes");
    assert_eq!(video.video_url, completed["results"][0].as_str().unwrap());
    assert_eq!(server.requests(), 4, "four polls, then stop");
}

#[tokio::test(start_paused = true)]
async fn wait_reports_a_failed_task() {
    for provider in common::PROVIDERS {
        let server = LocalServer::start(vec![
            status_example(provider, "processing"),
            status_example(provider, "failed"),
        ])
        .await;
        let err = server
            .client(provider)
            .wait(&server.handle(provider), WaitOptions::default())
            .await
            .expect_err("the task failed");
        assert!(
            matches!(&err, Error::TaskFailed { task_id, .. } if task_id == common::task_id(provider)),
            "{provider}: {err:?}"
        );
        assert_eq!(server.requests(), 2, "{provider}");
    }
}

#[tokio::test(start_paused = true)]
async fn wait_reports_a_cancelled_task() {
    let mut cancelled = status_example(Provider::Jiekou, "processing");
    set_status_word(Provider::Jiekou, &mut cancelled, "TASK_STATUS_CANCELED");
    let server = LocalServer::start(vec![cancelled]).await;
    let err = server
        .client(Provider::Jiekou)
        .wait(&server.handle(Provider::Jiekou), WaitOptions::default())
        .await
        .expect_err("the task was cancelled");
    assert!(
        matches!(&err, Error::TaskFailed { code: Some(code), .. } if code == "cancelled"),
        "{err:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn wait_times_out_on_a_task_that_never_finishes() {
    let server = LocalServer::start(vec![status_example(Provider::Modellix, "processing")]).await;
    let options = WaitOptions {
        timeout: Duration::from_secs(60),
        ..WaitOptions::default()
    };
    let start = Instant::now();
    let err = server
        .client(Provider::Modellix)
        .wait(&server.handle(Provider::Modellix), options)
        .await
        .expect_err("never finishes");
    let elapsed = start.elapsed();
    assert!(
        matches!(err, Error::Timeout { after, cancelled: false, .. } if after == Duration::from_secs(60)),
        "{err:?}"
    );
    assert_eq!(elapsed, Duration::from_secs(60), "gives up at the deadline");
    let polls = server.requests();
    // Polls back off from 2 s by half each time up to 30 s: 5 to 7 polls fit in 60 s.
    assert!((5..=7).contains(&polls), "{polls} polls");
}

#[tokio::test(start_paused = true)]
async fn watch_yields_each_status_change_once() {
    let server = LocalServer::start(vec![
        status_example(Provider::Odkkk, "pending"),
        status_example(Provider::Odkkk, "pending"),
        odkkk_processing(10),
        odkkk_processing(10),
        odkkk_processing(60),
        odkkk_processing(60),
        status_example(Provider::Odkkk, "succeeded"),
    ])
    .await;
    let client = server.client(Provider::Odkkk);
    let handle = server.handle(Provider::Odkkk);
    let events: Vec<TaskStatus> = client
        .watch(&handle, WaitOptions::default())
        .map(|event| event.expect("no error"))
        .collect()
        .await;
    let statuses: Vec<String> = events
        .iter()
        .map(|status| match status {
            TaskStatus::Queued => "queued".to_owned(),
            TaskStatus::Running { progress, .. } => format!("running {progress:?}"),
            TaskStatus::Succeeded(video) => format!("succeeded {}", video.video_url),
            other => format!("{other:?}"),
        })
        .collect();
    assert_eq!(
        statuses,
        [
            "queued",
            "running Some(10)",
            "running Some(60)",
            "succeeded http://example.com/video.mp4"
        ]
    );
    assert_eq!(server.requests(), 7, "seven polls");
}

/// `WaitOptions::initial_interval` is documented as the first delay between polls.
#[tokio::test(start_paused = true)]
async fn first_poll_delay_is_the_initial_interval() {
    let server = LocalServer::start(vec![
        status_example(Provider::Odkkk, "pending"),
        odkkk_processing(10),
        odkkk_processing(20),
        status_example(Provider::Odkkk, "succeeded"),
    ])
    .await;
    let client = server.client(Provider::Odkkk);
    let handle = server.handle(Provider::Odkkk);
    let options = WaitOptions {
        timeout: Duration::from_secs(600),
        initial_interval: Duration::from_secs(2),
        max_interval: Duration::from_secs(30),
        ..WaitOptions::default()
    };
    let start = Instant::now();
    let stream = client.watch(&handle, options);
    futures_util::pin_mut!(stream);
    let mut at = Vec::new();
    while let Some(event) = stream.next().await {
        event.unwrap();
        at.push(start.elapsed());
    }
    let gaps: Vec<Duration> = at.windows(2).map(|w| w[1] - w[0]).collect();
    assert_eq!(at[0], Duration::ZERO, "the first poll is immediate");
    // The first gap is the documented initial_interval, then each grows by half.
    assert_eq!(
        gaps,
        [
            Duration::from_secs(2),
            Duration::from_secs(3),
            Duration::from_millis(4500)
        ],
        "delays between polls: from initial_interval, growing by half"
    );
}
