//! With every log at TRACE (as `RUST_LOG=trace` gives the CLI), a request over HTTP/2 logs its
//! frames but never the API key: the facade marks `Authorization` sensitive, h2 leaves header
//! values out of its frame logs and encodes sensitive ones never-indexed.
//!
//! The CLI's own requests to the simulator use HTTP/1 (see `cli.rs`); real providers speak
//! HTTP/2 over TLS, which this test reproduces without TLS (prior knowledge).

use std::{
    io::Write,
    sync::{Arc, Mutex},
};

use seedance_sdk::{Client, Provider, RetryPolicy, TaskHandle};
use tracing_subscriber::fmt::MakeWriter;

const SECRET: &str = "sk-h2-test-2b7e151628aed2a6";

/// Log output collected in memory.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Captured {
    type Writer = Captured;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

/// Answers one request with a Jiekou task status, returning the Authorization header it got.
async fn serve_one(listener: tokio::net::TcpListener) -> Option<String> {
    let (socket, _) = listener.accept().await.ok()?;
    let mut connection = h2::server::handshake(socket).await.ok()?;
    let (request, mut respond) = connection.accept().await?.ok()?;
    let auth = request
        .headers()
        .get(http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let response = http::Response::builder()
        .status(200)
        .header("content-type", "application/json")
        .body(())
        .ok()?;
    let mut body = respond.send_response(response, false).ok()?;
    body.send_data(
        bytes::Bytes::from_static(br#"{"task":{"task_id":"t1","status":"TASK_STATUS_QUEUED"}}"#),
        true,
    )
    .ok()?;
    tokio::spawn(async move { while connection.accept().await.is_some() {} });
    auth
}

#[tokio::test]
async fn h2_trace_logs_never_show_the_api_key() {
    let captured = Captured::default();
    // As the CLI does: fmt with an env filter, which also routes `log` records (reqwest).
    tracing_subscriber::fmt()
        .with_env_filter("trace")
        .with_writer(captured.clone())
        .with_ansi(false)
        .try_init()
        .expect("the only subscriber of this test binary");

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(serve_one(listener));

    seedance_runtime::install_crypto_provider();
    let http = reqwest::Client::builder()
        .http2_prior_knowledge()
        .build()
        .unwrap();
    let base_url = format!("http://{addr}");
    let client = Client::builder(Provider::Jiekou)
        .api_key(SECRET)
        .base_url(&base_url)
        .http_client(http)
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let handle = TaskHandle::new(Provider::Jiekou, base_url, "t1", 0);
    // The answer's shape does not matter here, only what was logged on the way.
    let _ = client.status(&handle).await;

    let auth = server.await.unwrap();
    assert_eq!(
        auth.as_deref(),
        Some(format!("Bearer {SECRET}").as_str()),
        "the key went over HTTP/2"
    );
    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(
        logs.contains("h2::") && logs.contains("Headers"),
        "h2 frames were logged:\n{logs}"
    );
    assert!(!logs.contains(SECRET), "the key leaked:\n{logs}");
    assert!(
        !logs.contains("2b7e1516"),
        "part of the key leaked:\n{logs}"
    );
}
