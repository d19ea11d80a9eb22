//! Task operations beyond submit and status against a loopback Ark mock: cancel (queued, running,
//! finished, a retry after a cancel that went through), delete, the paginated list with its
//! filters, `find_submitted`'s time window, `cancel_on_timeout` on a paused clock, and
//! `Unsupported` before any request for the providers without these endpoints.

use std::{
    sync::{
        Arc, Mutex,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use futures_util::StreamExt;
use seedance_sdk::{
    Client, Error, ListFilter, Model, Provider, Resolution, RetryPolicy, TaskHandle, TaskOperation,
    TaskState, VideoRequest, WaitOptions,
};
use serde_json::{Value, json};
use wiremock::{
    Mock, MockServer, Request, ResponseTemplate,
    matchers::{any, method, path},
};

const API_KEY: &str = "sk-test-secret";
const TASK: &str = "cgt-20260101000000-abcde";
const TASK_PATH: &str = "/api/v3/contents/generations/tasks/cgt-20260101000000-abcde";
const LIST_PATH: &str = "/api/v3/contents/generations/tasks";

fn base_url(uri: &str) -> String {
    format!("{uri}/api/v3")
}

fn fast_retries(max_retries: u32) -> RetryPolicy {
    RetryPolicy {
        max_retries,
        initial_backoff: Duration::from_millis(1),
        max_backoff: Duration::from_millis(5),
    }
}

fn client(server: &MockServer, retry: RetryPolicy) -> Client {
    Client::builder(Provider::Ark)
        .api_key(API_KEY)
        .base_url(base_url(&server.uri()))
        .retry_policy(retry)
        .build()
        .expect("the client builds")
}

fn handle(server: &MockServer) -> TaskHandle {
    TaskHandle::new(Provider::Ark, base_url(&server.uri()), TASK, 1_767_225_600)
}

fn task(id: &str, status: &str, created_at: u64) -> Value {
    let mut task = json!({
        "id": id,
        "model": "seedance-1-5-pro-251215",
        "status": status,
        "created_at": created_at,
        "updated_at": created_at + 60,
    });
    if status == "succeeded" {
        task["content"] = json!({"video_url": format!("https://cdn.example.com/{id}.mp4")});
        task["usage"] = json!({"completion_tokens": 108_900, "total_tokens": 108_900});
    }
    task
}

fn ark_error(code: &str, message: &str) -> Value {
    json!({"error": {"code": code, "message": message, "param": "", "type": "BadRequest"}})
}

async fn mount_status(server: &MockServer, status: &str) {
    Mock::given(method("GET"))
        .and(path(TASK_PATH))
        .respond_with(ResponseTemplate::new(200).set_body_json(task(TASK, status, 1)))
        .mount(server)
        .await;
}

async fn requests(server: &MockServer) -> Vec<(String, String)> {
    server
        .received_requests()
        .await
        .expect("recording is on")
        .iter()
        .map(|r| (r.method.to_string(), r.url.path().to_owned()))
        .collect()
}

fn deletes(sent: &[(String, String)]) -> usize {
    sent.iter().filter(|(m, _)| m == "DELETE").count()
}

#[tokio::test]
async fn cancelling_a_queued_task_sends_one_delete() {
    let server = MockServer::start().await;
    mount_status(&server, "queued").await;
    Mock::given(method("DELETE"))
        .and(path(TASK_PATH))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
        .mount(&server)
        .await;
    client(&server, fast_retries(3))
        .cancel(&handle(&server))
        .await
        .expect("a queued task is cancelled");
    let sent = requests(&server).await;
    assert_eq!(
        sent,
        [
            ("GET".into(), TASK_PATH.into()),
            ("DELETE".into(), TASK_PATH.into())
        ]
    );
}

#[tokio::test]
async fn cancelling_a_running_task_is_a_typed_error_and_not_retried() {
    let server = MockServer::start().await;
    mount_status(&server, "running").await;
    Mock::given(method("DELETE"))
        .and(path(TASK_PATH))
        .respond_with(
            ResponseTemplate::new(400)
                .insert_header("x-request-id", "req-7")
                .set_body_json(ark_error(
                    "InvalidParameter",
                    "the task is running and cannot be cancelled",
                )),
        )
        .mount(&server)
        .await;
    let err = client(&server, fast_retries(3))
        .cancel(&handle(&server))
        .await
        .expect_err("a running task cannot be cancelled");
    let Error::NotCancellable {
        provider,
        task_id,
        operation,
        status,
        ..
    } = &err
    else {
        panic!("{err:?}");
    };
    assert_eq!(
        (*provider, task_id.as_str(), *operation, status.as_str()),
        (Provider::Ark, TASK, TaskOperation::Cancel, "running")
    );
    assert_eq!(
        err.to_string(),
        format!(
            "task {TASK} on ark is running and cannot be cancelled: a running task can be \
             neither cancelled nor deleted; wait for it to end"
        )
    );
    assert!(!err.is_retryable());
    assert_eq!(deletes(&requests(&server).await), 1, "exactly one DELETE");
}

#[tokio::test]
async fn cancelling_a_finished_task_never_deletes_its_record() {
    for (status, expect_ok) in [("succeeded", false), ("failed", false), ("cancelled", true)] {
        let server = MockServer::start().await;
        mount_status(&server, status).await;
        Mock::given(method("DELETE"))
            .respond_with(ResponseTemplate::new(200))
            .mount(&server)
            .await;
        let result = client(&server, fast_retries(3))
            .cancel(&handle(&server))
            .await;
        match result {
            Ok(()) => assert!(expect_ok, "{status}"),
            Err(Error::NotCancellable { status: word, .. }) => {
                assert!(!expect_ok, "{status}");
                assert_eq!(word, status);
            }
            Err(err) => panic!("{status}: {err:?}"),
        }
        assert_eq!(deletes(&requests(&server).await), 0, "{status}");
    }
}

/// A cancel whose answer was lost (500) is retried; the retry finds the task cancelled (Ark
/// refuses to cancel it again), which is success.
#[tokio::test]
async fn a_retry_after_a_cancel_that_went_through_is_success() {
    let server = MockServer::start().await;
    let gets = Arc::new(AtomicUsize::new(0));
    let seen = gets.clone();
    Mock::given(method("GET"))
        .and(path(TASK_PATH))
        .respond_with(move |_: &Request| {
            let status = if seen.fetch_add(1, Ordering::SeqCst) == 0 {
                "queued"
            } else {
                "cancelled"
            };
            ResponseTemplate::new(200).set_body_json(task(TASK, status, 1))
        })
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .respond_with(
            ResponseTemplate::new(500).set_body_json(ark_error("InternalServiceError", "oops")),
        )
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .respond_with(
            ResponseTemplate::new(400)
                .set_body_json(ark_error("InvalidParameter", "task is cancelled")),
        )
        .mount(&server)
        .await;
    client(&server, fast_retries(3))
        .cancel(&handle(&server))
        .await
        .expect("the first attempt cancelled it");
    assert_eq!(deletes(&requests(&server).await), 2);
    assert_eq!(gets.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn delete_sends_one_delete_and_reports_a_missing_task() {
    let server = MockServer::start().await;
    Mock::given(method("DELETE"))
        .and(path(TASK_PATH))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    client(&server, fast_retries(3))
        .delete(&handle(&server))
        .await
        .expect("a finished task's record is deleted");
    assert_eq!(
        requests(&server).await,
        [("DELETE".into(), TASK_PATH.into())]
    );

    let server = MockServer::start().await;
    Mock::given(method("DELETE"))
        .respond_with(
            ResponseTemplate::new(404)
                .set_body_json(ark_error("NotFound.TaskId", "task not found")),
        )
        .mount(&server)
        .await;
    let err = client(&server, fast_retries(3))
        .delete(&handle(&server))
        .await
        .expect_err("no such task");
    assert!(matches!(err, Error::NotFound { .. }), "{err:?}");
    assert_eq!(deletes(&requests(&server).await), 1);
}

#[tokio::test]
async fn delete_of_a_running_task_names_its_state() {
    let server = MockServer::start().await;
    mount_status(&server, "running").await;
    Mock::given(method("DELETE"))
        .respond_with(
            ResponseTemplate::new(400).set_body_json(ark_error("InvalidParameter", "running")),
        )
        .mount(&server)
        .await;
    let err = client(&server, fast_retries(3))
        .delete(&handle(&server))
        .await
        .expect_err("a running task cannot be deleted");
    assert!(
        matches!(&err, Error::NotCancellable { operation: TaskOperation::Delete, status, .. } if status == "running"),
        "{err:?}"
    );
    assert_eq!(deletes(&requests(&server).await), 1);
}

/// The query pairs of each list request, in order.
type Queries = Arc<Mutex<Vec<Vec<(String, String)>>>>;

/// Serves `total` tasks in pages of `page_size`, newest first, recording each query.
fn paged(total: usize, queries: Queries) -> impl wiremock::Respond {
    move |request: &Request| {
        let pairs: Vec<(String, String)> = request
            .url
            .query_pairs()
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        let get = |key: &str| {
            pairs
                .iter()
                .find(|(k, _)| k == key)
                .and_then(|(_, v)| v.parse::<usize>().ok())
        };
        let (page, size) = (get("page_num").unwrap_or(1), get("page_size").unwrap_or(20));
        queries.lock().unwrap().push(pairs);
        let items: Vec<Value> = (0..total)
            .skip((page - 1) * size)
            .take(size)
            .map(|i| task(&format!("cgt-{i:04}"), "succeeded", 2_000_000 - i as u64))
            .collect();
        ResponseTemplate::new(200).set_body_json(json!({"items": items, "total": total}))
    }
}

/// A client of `server`, which answers every list request with `answer` (a page, or `paged`).
async fn listing(server: &MockServer, answer: impl wiremock::Respond + 'static) -> Client {
    Mock::given(method("GET"))
        .and(path(LIST_PATH))
        .respond_with(answer)
        .mount(server)
        .await;
    client(server, fast_retries(0))
}

#[tokio::test]
async fn list_reads_every_page_with_the_filters() {
    let server = MockServer::start().await;
    let queries = Arc::new(Mutex::new(Vec::new()));
    let client = listing(&server, paged(250, queries.clone())).await;
    let filter = ListFilter::default()
        .status(TaskState::Succeeded)
        .model_id("ep-20260101-abc")
        .task_ids((0..250).map(|i| format!("cgt-{i:04}")).take(3))
        .service_tier(seedance_sdk::ServiceTier::Default);
    let started = std::time::Instant::now();
    let tasks: Vec<_> = client
        .list(filter.clone())
        .map(|task| task.expect("a task"))
        .collect()
        .await;
    // Ark allows one list request a second: three pages take at least two seconds.
    assert!(
        started.elapsed() >= Duration::from_secs(2),
        "pages paced: {:?}",
        started.elapsed()
    );
    // The mock ignores the filters: the client keeps only the three task ids asked for.
    let ids: Vec<&str> = tasks.iter().map(|t| t.handle.task_id.as_str()).collect();
    assert_eq!(ids, ["cgt-0000", "cgt-0001", "cgt-0002"]);
    let queries = queries.lock().unwrap().clone();
    assert_eq!(queries.len(), 3, "three pages: 100 + 100 + 50 of 250");
    for (n, query) in queries.iter().enumerate() {
        let expected: Vec<(String, String)> = [
            ("filter.model", "ep-20260101-abc".to_owned()),
            ("filter.service_tier", "default".to_owned()),
            ("filter.status", "succeeded".to_owned()),
            ("filter.task_ids", "cgt-0000".to_owned()),
            ("filter.task_ids", "cgt-0001".to_owned()),
            ("filter.task_ids", "cgt-0002".to_owned()),
            ("page_num", (n + 1).to_string()),
            ("page_size", "100".to_owned()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        assert_eq!(query, &expected, "page {}", n + 1);
    }
    let first = &tasks[0];
    assert_eq!(first.status.state(), Some(TaskState::Succeeded));
    assert_eq!(first.model_id.as_deref(), Some("seedance-1-5-pro-251215"));
    assert_eq!(first.created_at, Some(2_000_000));
    assert_eq!(first.handle.created_at, 2_000_000);
    assert_eq!(first.handle.base_url, base_url(&server.uri()));
    let video = first.video().expect("a succeeded task has its video");
    assert_eq!(video.video_url, "https://cdn.example.com/cgt-0000.mp4");
    assert_eq!(video.usage.and_then(|u| u.completion_tokens), Some(108_900));
}

#[tokio::test]
async fn list_stops_at_the_limit_the_total_or_an_empty_page() {
    let server = MockServer::start().await;
    let queries = Arc::new(Mutex::new(Vec::new()));
    let client = listing(&server, paged(250, queries.clone())).await;
    let all: Vec<_> = client.list(ListFilter::default()).collect().await;
    assert_eq!(all.len(), 250);
    assert_eq!(queries.lock().unwrap().len(), 3);
    queries.lock().unwrap().clear();
    let some: Vec<_> = client
        .list(ListFilter::default().limit(150))
        .collect()
        .await;
    assert_eq!(some.len(), 150);
    assert_eq!(queries.lock().unwrap().len(), 2, "no page past the limit");

    // A provider that reports no total: the short last page ends the listing.
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(|request: &Request| {
            let page = request
                .url
                .query_pairs()
                .find(|(k, _)| k == "page_num")
                .map(|(_, v)| v.into_owned());
            let items: Vec<Value> = match page.as_deref() {
                Some("1") => (0..100)
                    .map(|i| task(&format!("t{i}"), "queued", 5))
                    .collect(),
                _ => Vec::new(),
            };
            ResponseTemplate::new(200).set_body_json(json!({"items": items}))
        })
        .mount(&server)
        .await;
    let tasks: Vec<_> = self::client(&server, fast_retries(0))
        .list(ListFilter::default())
        .collect()
        .await;
    assert_eq!(tasks.len(), 100);
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

#[tokio::test]
async fn a_model_is_listed_under_each_of_its_ids() {
    let server = MockServer::start().await;
    let queries = Arc::new(Mutex::new(Vec::new()));
    let tasks: Vec<_> = listing(&server, paged(3, queries.clone()))
        .await
        .list(ListFilter::default().model(Model::Seedance10Lite))
        .collect()
        .await;
    assert_eq!(tasks.len(), 3, "the same tasks twice are listed once");
    let models: Vec<String> = queries
        .lock()
        .unwrap()
        .iter()
        .filter_map(|q| {
            q.iter()
                .find(|(k, _)| k == "filter.model")
                .map(|(_, v)| v.clone())
        })
        .collect();
    assert_eq!(
        models,
        [
            "seedance-1-0-lite-t2v-250428",
            "seedance-1-0-lite-i2v-250428"
        ]
    );
}

#[tokio::test]
async fn find_submitted_lists_the_tasks_of_the_window() {
    let server = MockServer::start().await;
    let items = json!({"items": [
        task("cgt-late", "queued", 1_000_100),
        task("cgt-mine", "running", 1_000_003),
        task("cgt-edge", "queued", 1_000_000),
        task("cgt-early", "succeeded", 999_999),
    ], "total": 4});
    let client = listing(&server, ResponseTemplate::new(200).set_body_json(items)).await;
    let request = VideoRequest::builder("p")
        .model(Model::Seedance15Pro)
        .build();
    let found = client
        .find_submitted(&request, 1_000_000, 1_000_010)
        .await
        .unwrap();
    let ids: Vec<&str> = found.iter().map(|t| t.handle.task_id.as_str()).collect();
    assert_eq!(
        ids,
        ["cgt-edge", "cgt-mine"],
        "oldest first, window inclusive"
    );
    assert!(found.iter().all(|t| t.handle.provider == Provider::Ark));
    let sent = server.received_requests().await.unwrap();
    assert_eq!(sent.len(), 1);
    let model = sent[0]
        .url
        .query_pairs()
        .find(|(k, _)| k == "filter.model")
        .map(|(_, v)| v.into_owned());
    assert_eq!(model.as_deref(), Some("seedance-1-5-pro-251215"));
    // A model id sent with the submit is what is looked for.
    let with_id = VideoRequest::builder("p")
        .model(Model::Seedance15Pro)
        .model_id("ep-x")
        .build();
    let found = client.find_submitted(&with_id, 0, 2_000_000).await.unwrap();
    assert_eq!(found.len(), 4);
}

/// Tasks of the same model in the window whose listed parameters contradict the request are
/// another submit's, and a request marked with `tag_request` finds only its own mark.
#[tokio::test]
async fn find_submitted_skips_tasks_whose_parameters_differ() {
    let server = MockServer::start().await;
    let with = |id: &str, fields: Value| {
        let mut task = task(id, "queued", 1_000_001);
        for (key, value) in fields.as_object().unwrap() {
            task[key] = value.clone();
        }
        task
    };
    let items = json!({"items": [
        with("cgt-1080", json!({"resolution": "1080p", "execution_expires_after": 172_800})),
        with("cgt-720", json!({"resolution": "720p", "execution_expires_after": 172_800})),
        with("cgt-tagged", json!({"resolution": "720p", "execution_expires_after": 172_799})),
        with("cgt-other-tag", json!({"resolution": "720p", "execution_expires_after": 169_300})),
    ], "total": 4});
    let client = listing(&server, ResponseTemplate::new(200).set_body_json(items)).await;
    let request = VideoRequest::builder("p")
        .model(Model::Seedance15Pro)
        .resolution(Resolution::P720)
        .build();
    let ids = |found: Vec<seedance_sdk::TaskSummary>| -> Vec<String> {
        found.into_iter().map(|t| t.handle.task_id).collect()
    };
    let found = client.find_submitted(&request, 0, u64::MAX).await.unwrap();
    assert_eq!(ids(found), ["cgt-720", "cgt-tagged", "cgt-other-tag"]);
    // Tag 0 is the mark one second under the default.
    let tagged = client.tag_request(&request, 0).unwrap();
    assert_eq!(tagged.execution_expires_after, Some(172_799));
    let found = client.find_submitted(&tagged, 0, u64::MAX).await.unwrap();
    assert_eq!(ids(found), ["cgt-tagged"]);
    // Tags wrap within the hour under the default; a request that sets the field is not marked.
    assert_eq!(
        client
            .tag_request(&request, 3_599)
            .unwrap()
            .execution_expires_after,
        Some(172_799)
    );
    assert_eq!(
        client
            .tag_request(&request, 3_598)
            .unwrap()
            .execution_expires_after,
        Some(169_201)
    );
    let pinned = VideoRequest::builder("p")
        .execution_expires_after(7_200)
        .build();
    assert!(client.tag_request(&pinned, 5).is_none());
}

/// The window in which a submit can create its task: every attempt's timeout and the longest
/// back-offs between them; unknown when a request may wait forever.
#[test]
fn the_submit_window_counts_every_attempt() {
    let build = |builder: seedance_sdk::ClientBuilder| builder.api_key(API_KEY).build().unwrap();
    let retry = RetryPolicy {
        max_retries: 2,
        initial_backoff: Duration::from_millis(100),
        max_backoff: Duration::from_secs(7),
    };
    let client = build(
        Client::builder(Provider::Ark)
            .timeout(Some(Duration::from_secs(30)))
            .retry_policy(retry),
    );
    assert_eq!(
        client.submit_window(),
        Some(Duration::from_secs(3 * 30 + 2 * 7))
    );
    let forever = build(Client::builder(Provider::Ark).timeout(None));
    assert_eq!(forever.submit_window(), None);
    let own_http = build(Client::builder(Provider::Ark).http_client(reqwest::Client::new()));
    assert_eq!(own_http.submit_window(), None);
}

#[tokio::test]
async fn other_providers_answer_unsupported_before_any_request() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(500))
        .mount(&server)
        .await;
    for provider in [Provider::Modellix, Provider::Jiekou, Provider::Odkkk] {
        let client = Client::builder(provider)
            .api_key(API_KEY)
            .base_url(server.uri())
            .build()
            .unwrap();
        let handle = TaskHandle::new(provider, server.uri(), "t", 0);
        let unsupported = |err: Error, operation: TaskOperation| {
            assert!(
                matches!(err, Error::Unsupported { provider: p, operation: o } if p == provider && o == operation),
                "{provider}: {err:?}"
            );
        };
        unsupported(
            client.cancel(&handle).await.unwrap_err(),
            TaskOperation::Cancel,
        );
        unsupported(
            client.delete(&handle).await.unwrap_err(),
            TaskOperation::Delete,
        );
        let listed: Vec<_> = client.list(ListFilter::default()).collect().await;
        assert_eq!(listed.len(), 1, "{provider}");
        let err = listed.into_iter().next().unwrap().unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("{provider} has no API to list tasks; providers that can: ark")
        );
        unsupported(err, TaskOperation::List);
        unsupported(
            client
                .find_submitted(&VideoRequest::new("p"), 0, u64::MAX)
                .await
                .unwrap_err(),
            TaskOperation::List,
        );
    }
    assert!(server.received_requests().await.unwrap().is_empty());
}

/// A server on the test's own runtime (see `tests/retries.rs`): answers GET with the task's
/// status (queued until a DELETE cancels it) and DELETE with 200, recording each method.
async fn local_ark(cancellable: bool) -> (String, Arc<Mutex<Vec<String>>>) {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}/api/v3", listener.local_addr().unwrap());
    let log = Arc::new(Mutex::new(Vec::new()));
    let seen = log.clone();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let seen = seen.clone();
            tokio::spawn(async move {
                let mut socket = tokio::io::BufReader::new(socket);
                let mut line = String::new();
                loop {
                    let mut first = String::new();
                    loop {
                        line.clear();
                        match socket.read_line(&mut line).await {
                            Ok(0) | Err(_) => return,
                            Ok(_) if line == "\r\n" => break,
                            Ok(_) if first.is_empty() => first = line.clone(),
                            Ok(_) => {}
                        }
                    }
                    let verb = first.split(' ').next().unwrap_or_default().to_owned();
                    let (code, body) = {
                        let mut seen = seen.lock().unwrap();
                        seen.push(verb.clone());
                        let cancelled = seen.iter().any(|m| m == "DELETE");
                        match verb.as_str() {
                            "DELETE" if cancellable => ("200 OK", "{}".to_owned()),
                            "DELETE" => (
                                "400 Bad Request",
                                ark_error("InvalidParameter", "running").to_string(),
                            ),
                            _ if cancelled && cancellable => {
                                ("200 OK", task(TASK, "cancelled", 1).to_string())
                            }
                            _ => ("200 OK", task(TASK, "queued", 1).to_string()),
                        }
                    };
                    let response = format!(
                        "HTTP/1.1 {code}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
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
    (base, log)
}

fn timerless_client(base_url: &str) -> Client {
    seedance_runtime::install_crypto_provider();
    let http = reqwest::Client::builder()
        .pool_idle_timeout(None)
        .build()
        .unwrap();
    Client::builder(Provider::Ark)
        .api_key(API_KEY)
        .base_url(base_url)
        .http_client(http)
        .timeout(None)
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap()
}

#[tokio::test(start_paused = true)]
async fn a_task_still_queued_at_the_deadline_is_cancelled_on_request() {
    for (cancel_on_timeout, cancellable, expect_cancelled) in [
        (true, true, true),
        (false, true, false),
        // The provider refused (the task started meanwhile): reported as not cancelled.
        (true, false, false),
    ] {
        let (base, log) = local_ark(cancellable).await;
        let client = timerless_client(&base);
        let handle = TaskHandle::new(Provider::Ark, base.clone(), TASK, 0);
        let options = WaitOptions {
            timeout: Duration::from_secs(60),
            ..WaitOptions::default()
        }
        .cancel_on_timeout(cancel_on_timeout);
        let start = tokio::time::Instant::now();
        let err = client.wait(&handle, options).await.unwrap_err();
        assert_eq!(start.elapsed(), Duration::from_secs(60));
        let Error::Timeout {
            after,
            handle: timed_out,
            cancelled,
        } = &err
        else {
            panic!("{err:?}");
        };
        assert_eq!(*after, Duration::from_secs(60));
        assert_eq!(**timed_out, handle);
        assert_eq!(
            *cancelled, expect_cancelled,
            "{cancel_on_timeout} {cancellable}"
        );
        let deletes = log
            .lock()
            .unwrap()
            .iter()
            .filter(|m| *m == "DELETE")
            .count();
        assert_eq!(
            deletes,
            usize::from(cancel_on_timeout),
            "{cancel_on_timeout}"
        );
        if expect_cancelled {
            assert!(err.to_string().contains("has been cancelled"), "{err}");
        } else {
            assert!(err.to_string().contains("may still finish"), "{err}");
        }
    }
}
