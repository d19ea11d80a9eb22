//! Whatever a server does, the client is bounded: `wait`'s timeout is a hard deadline (a stalled
//! poll and retry back-off included), response bodies are capped, API redirects to another
//! origin are not followed, and options that cannot work are refused before any request.

mod common;

use std::time::{Duration, Instant};

use common::{API_KEY, base_url, client, handle, status_mock};
use seedance_sdk::{Client, Error, Provider, RetryPolicy, VideoRequest, WaitOptions};
use wiremock::{Mock, MockServer, ResponseTemplate, matchers::any};

fn quick_wait(timeout: Duration) -> WaitOptions {
    WaitOptions {
        timeout,
        initial_interval: Duration::from_millis(50),
        max_interval: Duration::from_millis(100),
        ..WaitOptions::default()
    }
}

#[tokio::test]
async fn wait_gives_up_at_its_deadline_while_a_poll_stalls() {
    let server = MockServer::start().await;
    status_mock(Provider::Jiekou)
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(600)))
        .mount(&server)
        .await;
    let start = Instant::now();
    let err = client(Provider::Jiekou, &server)
        .wait(
            &handle(Provider::Jiekou, &server),
            quick_wait(Duration::from_millis(400)),
        )
        .await
        .expect_err("the status endpoint never answers");
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "{:?}",
        start.elapsed()
    );
}

#[tokio::test]
async fn wait_gives_up_at_its_deadline_during_retry_back_off() {
    let server = MockServer::start().await;
    let limited = common::examples(
        Provider::Jiekou,
        common::status_op(Provider::Jiekou),
        "get",
        429,
    )
    .remove(0)
    .1;
    status_mock(Provider::Jiekou)
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("retry-after", "20")
                .set_body_json(limited),
        )
        .mount(&server)
        .await;
    let client = Client::builder(Provider::Jiekou)
        .api_key(API_KEY)
        .base_url(base_url(Provider::Jiekou, &server))
        .retry_policy(RetryPolicy {
            max_retries: 5,
            ..RetryPolicy::default()
        })
        .build()
        .unwrap();
    let start = Instant::now();
    let err = client
        .wait(
            &handle(Provider::Jiekou, &server),
            quick_wait(Duration::from_millis(400)),
        )
        .await
        .expect_err("rate limited for 20 s");
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "{:?}",
        start.elapsed()
    );
}

#[tokio::test]
async fn wait_options_that_cannot_work_are_refused_before_any_request() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .mount(&server)
        .await;
    let client = client(Provider::Modellix, &server);
    let task = handle(Provider::Modellix, &server);
    for (options, option) in [
        (
            WaitOptions {
                initial_interval: Duration::from_secs(60),
                max_interval: Duration::from_secs(1),
                ..WaitOptions::default()
            },
            "WaitOptions::initial_interval",
        ),
        (
            WaitOptions {
                initial_interval: Duration::ZERO,
                ..WaitOptions::default()
            },
            "WaitOptions::initial_interval",
        ),
        (
            WaitOptions {
                timeout: Duration::MAX,
                ..WaitOptions::default()
            },
            "WaitOptions::timeout",
        ),
    ] {
        let err = client.wait(&task, options).await.expect_err("refused");
        match &err {
            Error::InvalidOptions {
                option: got,
                message,
            } => {
                assert_eq!(*got, option);
                assert!(message.contains("allowed"), "{message}");
            }
            other => panic!("{other:?}"),
        }
    }
    server.verify().await;
}

#[tokio::test]
async fn huge_status_bodies_are_refused_unread() {
    for provider in common::PROVIDERS {
        let server = MockServer::start().await;
        let huge = format!("{{\"pad\":\"{}\"}}", "x".repeat(6 * 1024 * 1024));
        status_mock(provider)
            .respond_with(ResponseTemplate::new(200).set_body_raw(huge, "application/json"))
            .expect(1)
            .mount(&server)
            .await;
        let err = client(provider, &server)
            .status(&handle(provider, &server))
            .await
            .expect_err("6 MiB is over the cap");
        assert!(
            matches!(err, Error::ResponseTooLarge { limit, .. } if limit == 4 * 1024 * 1024),
            "{provider}: {err:?}"
        );
        assert!(
            !err.is_retryable(),
            "a larger body will not shrink on retry"
        );
    }
}

#[tokio::test]
async fn a_huge_submit_answer_may_hide_an_accepted_task() {
    for provider in common::PROVIDERS {
        let server = MockServer::start().await;
        let huge = format!("{{\"pad\":\"{}\"}}", "x".repeat(6 * 1024 * 1024));
        Mock::given(any())
            .respond_with(ResponseTemplate::new(200).set_body_raw(huge, "application/json"))
            .expect(1)
            .mount(&server)
            .await;
        let err = client(provider, &server)
            .submit(&VideoRequest::new("A lighthouse in a storm"))
            .await
            .expect_err("6 MiB is over the cap");
        assert!(
            matches!(&err, Error::OutcomeUnknown { reason, .. } if reason.contains("larger than")),
            "{provider}: {err:?}"
        );
        server.verify().await;
    }
}

#[tokio::test]
async fn a_submit_redirected_to_another_origin_goes_nowhere_else() {
    for provider in common::PROVIDERS {
        let elsewhere = MockServer::start().await;
        Mock::given(any())
            .respond_with(ResponseTemplate::new(200))
            .expect(0)
            .mount(&elsewhere)
            .await;
        let server = MockServer::start().await;
        Mock::given(any())
            .respond_with(
                ResponseTemplate::new(307).insert_header("location", elsewhere.uri() + "/steal"),
            )
            .expect(1)
            .mount(&server)
            .await;
        let err = client(provider, &server)
            .submit(&VideoRequest::new("A secret storyboard"))
            .await
            .expect_err("a redirect is not an accepted task");
        assert!(
            !matches!(err, Error::OutcomeUnknown { .. }),
            "{provider}: {err:?}"
        );
        server.verify().await;
        elsewhere.verify().await;
    }
}

/// A server that sends the headers and 10 bytes of a status answer, then nothing.
async fn stalling_server() -> std::net::SocketAddr {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buffer = [0u8; 4096];
                let _ = socket.read(&mut buffer).await;
                let _ = socket
                    .write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 500\r\n\r\n{\"task\":{\"")
                    .await;
                tokio::time::sleep(Duration::from_secs(600)).await;
            });
        }
    });
    addr
}

#[tokio::test]
async fn a_status_answer_that_stalls_fails_after_the_read_timeout() {
    let addr = stalling_server().await;
    let client = Client::builder(Provider::Jiekou)
        .api_key(API_KEY)
        .base_url(format!("http://{addr}"))
        .read_timeout(Duration::from_millis(300))
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let task = seedance_sdk::TaskHandle::new(Provider::Jiekou, client.base_url(), "t", 0);
    let start = Instant::now();
    let err = client.status(&task).await.expect_err("the body never ends");
    assert!(matches!(err, Error::Network { .. }), "{err:?}");
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "{:?}",
        start.elapsed()
    );
}
