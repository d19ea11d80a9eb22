//! Task handles survive a round trip through text and let a fresh client (as another process
//! would build one) find the task; the API key never appears in a client's `Debug` nor in any
//! error's `Display` or `Debug`.

mod common;

use common::{
    API_KEY, assert_no_secret, base_url, client, handle, status_example, status_mock, submit_ok,
    task_id_of_submit, unix_now,
};
use seedance_sdk::{
    Client, Error, Provider, RetryPolicy, TaskHandle, TaskStatus, VideoRequest, WaitOptions,
};
use serde_json::{Value, json};
use wiremock::{
    Mock, MockServer, ResponseTemplate,
    matchers::{any, method, path, query_param},
};

#[tokio::test]
async fn handle_round_trips_and_resumes_in_a_new_client() {
    for provider in common::PROVIDERS {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(200).set_body_json(submit_ok(provider)))
            .expect(1)
            .mount(&server)
            .await;

        let before = unix_now();
        let handle = client(provider, &server)
            .submit(&VideoRequest::new("A paper boat on a river"))
            .await
            .unwrap_or_else(|e| panic!("{provider}: {e}"));
        let after = unix_now();
        assert!((before..=after).contains(&handle.created_at));

        let text = handle.to_string();
        let parsed: TaskHandle = text.parse().expect("the printed handle parses");
        assert_eq!(parsed, handle);
        let mut json: Value = serde_json::from_str(&text).unwrap();
        json["created_at"] = json!("[created_at]");
        let mut expected = json!({
            "provider": provider.as_str(),
            "base_url": base_url(provider, &server),
            "task_id": task_id_of_submit(provider),
            "created_at": "[created_at]",
        });
        if provider == Provider::Odkkk {
            // odkkk's create answer estimates the run time (task_info.estimated_time: 165)
            // and the credits it reserves (usage.credits_reserved: 8).
            expected["estimated_seconds"] = json!(165);
            expected["usage"] = json!({"credits": 8.0});
        }
        assert_eq!(json, expected);
        assert!(!text.contains(API_KEY));

        // Another process: only the handle text and the key.
        let id = parsed.task_id.clone();
        let resumed = Client::builder(parsed.provider)
            .api_key(API_KEY)
            .base_url(parsed.base_url.clone())
            .retry_policy(RetryPolicy::none())
            .build()
            .unwrap();
        assert_eq!(resumed.base_url(), handle.base_url);
        let mut succeeded = status_example(provider, "succeeded");
        match provider {
            Provider::Modellix => succeeded["data"]["task_id"] = json!(id),
            Provider::Jiekou => succeeded["task"]["task_id"] = json!(id),
            Provider::Ark | Provider::Odkkk => succeeded["id"] = json!(id),
        }
        // The status request names the task of the handle.
        let mock = match provider {
            Provider::Ark => Mock::given(method("GET"))
                .and(path(format!("/api/v3/contents/generations/tasks/{id}"))),
            Provider::Modellix => {
                Mock::given(method("GET")).and(path(format!("/api/v1/tasks/{id}")))
            }
            Provider::Jiekou => Mock::given(method("GET"))
                .and(path("/v3/async/task-result"))
                .and(query_param("task_id", id.as_str())),
            Provider::Odkkk => {
                Mock::given(method("GET")).and(path(format!("/apiv1/v1/tasks/{id}")))
            }
        };
        mock.respond_with(ResponseTemplate::new(200).set_body_json(succeeded))
            .expect(1)
            .mount(&server)
            .await;
        let status = resumed.status(&parsed).await.unwrap();
        assert!(
            matches!(status, TaskStatus::Succeeded(_)),
            "{provider}: {status:?}"
        );
        let requests = common::captured_all(&server).await;
        assert_eq!(
            requests
                .iter()
                .map(|r| r.method.as_str())
                .collect::<Vec<_>>(),
            ["POST", "GET"],
            "{provider}"
        );
        server.verify().await;
    }
}

#[tokio::test]
async fn malformed_handles_are_refused() {
    let good =
        r#"{"provider":"jiekou","base_url":"https://api.jiekou.ai","task_id":"t","created_at":1}"#;
    assert!(good.parse::<TaskHandle>().is_ok());
    assert!(
        format!("  {good}\n").parse::<TaskHandle>().is_ok(),
        "spaces are trimmed"
    );
    for text in [
        "",
        "nonsense",
        "{}",
        r#"{"provider":"acme","base_url":"https://x","task_id":"t","created_at":1}"#,
        r#"{"provider":"jiekou","base_url":"https://x","created_at":1}"#,
        r#"{"provider":"jiekou","base_url":"https://x","task_id":"t","created_at":-1}"#,
    ] {
        let err = text.parse::<TaskHandle>().expect_err(text);
        assert!(matches!(err, Error::InvalidHandle(_)), "{text}: {err:?}");
        assert!(
            err.to_string().starts_with("invalid task handle: "),
            "{err}"
        );
    }
}

#[tokio::test]
async fn a_handle_of_another_provider_is_refused_without_sending() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .mount(&server)
        .await;
    let jiekou = client(Provider::Jiekou, &server);
    let err = jiekou
        .status(&handle(Provider::Modellix, &server))
        .await
        .expect_err("a Modellix handle on a Jiekou client");
    assert!(matches!(err, Error::InvalidHandle(_)), "{err:?}");
    assert_eq!(
        err.to_string(),
        "invalid task handle: the handle is for modellix, this client is for jiekou"
    );
    server.verify().await;
}

/// A handle naming a server the client was not configured with never receives the key.
#[tokio::test]
async fn a_handle_never_chooses_where_the_key_goes() {
    for provider in common::PROVIDERS {
        let attacker = MockServer::start().await;
        Mock::given(any())
            .respond_with(ResponseTemplate::new(200))
            .expect(0)
            .mount(&attacker)
            .await;
        let hostile = handle(provider, &attacker);

        // The builder trusts only its configured URL and the provider's documented servers.
        let err = Client::builder(provider)
            .api_key(API_KEY)
            .for_handle(&hostile)
            .expect_err("a loopback URL that came only from a handle");
        assert!(matches!(err, Error::UntrustedBaseUrl { .. }), "{err:?}");
        assert!(err.to_string().contains("pass it with --base-url"), "{err}");
        let plain_http = TaskHandle {
            base_url: "http://api.example.com/x".into(),
            ..hostile.clone()
        };
        let err = Client::builder(provider)
            .api_key(API_KEY)
            .for_handle(&plain_http)
            .expect_err("a remote URL from a handle");
        assert!(matches!(err, Error::UntrustedBaseUrl { .. }), "{err:?}");

        // A client configured for another server refuses the handle instead of sending.
        let configured = MockServer::start().await;
        let client = client(provider, &configured);
        let err = client.status(&hostile).await.expect_err("another server");
        assert!(matches!(err, Error::InvalidHandle(_)), "{err:?}");

        // Trust is given by configuring the URL.
        let trusted = Client::builder(provider)
            .api_key(API_KEY)
            .base_url(base_url(provider, &attacker))
            .for_handle(&hostile)
            .expect("a configured URL is trusted")
            .build()
            .unwrap();
        assert!(trusted.base_url().starts_with("http://127.0.0.1:"));
        // So is every documented server, with or without a trailing slash.
        for documented in provider.documented_base_urls() {
            let official = TaskHandle {
                base_url: format!("{documented}/"),
                ..hostile.clone()
            };
            let client = Client::builder(provider)
                .api_key(API_KEY)
                .for_handle(&official)
                .expect("documented servers are trusted")
                .build()
                .unwrap();
            assert_eq!(client.base_url(), *documented);
        }
        attacker.verify().await;
    }
}

#[test]
fn base_urls_are_checked_when_the_client_is_built() {
    for (url, expected) in [
        ("api.modellix.ai/api/v1", "InvalidBaseUrl"),
        ("https://", "InvalidBaseUrl"),
        ("http://api.modellix.ai/api/v1", "InsecureBaseUrl"),
        ("http://192.168.1.10:8080", "InsecureBaseUrl"),
    ] {
        let err = Client::builder(Provider::Modellix)
            .api_key(API_KEY)
            .base_url(url)
            .build()
            .expect_err(url);
        assert_eq!(common::variant(&err), expected, "{url}: {err}");
        assert_no_secret(&err);
    }
    Client::builder(Provider::Modellix)
        .api_key(API_KEY)
        .base_url("http://192.168.1.10:8080")
        .allow_insecure_http(true)
        .build()
        .expect("an explicit opt-in allows plain http");
}

#[tokio::test]
async fn the_api_key_never_shows() {
    let server = MockServer::start().await;
    let builder = Client::builder(Provider::Modellix)
        .api_key(API_KEY)
        .base_url(base_url(Provider::Modellix, &server));
    assert!(!format!("{builder:?}").contains(API_KEY));
    for provider in common::PROVIDERS {
        let client = client(provider, &server);
        let debug = format!("{client:?}");
        assert!(!debug.contains(API_KEY), "{provider}: {debug}");
        assert!(!debug.contains("test-secret"), "{provider}: {debug}");
    }

    let mut errors: Vec<Error> = Vec::new();
    for provider in common::PROVIDERS {
        // 401 on submit and on status.
        let server = MockServer::start().await;
        let unauthorized = common::examples(provider, common::status_op(provider), "get", 401)
            .remove(0)
            .1;
        Mock::given(any())
            .respond_with(ResponseTemplate::new(401).set_body_json(unauthorized))
            .mount(&server)
            .await;
        let c = client(provider, &server);
        errors.push(c.submit(&VideoRequest::new("A cat")).await.unwrap_err());
        errors.push(c.status(&handle(provider, &server)).await.unwrap_err());

        // An outcome-unknown submit, an unreadable status body, a failed task.
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(500).set_body_string("boom"))
            .mount(&server)
            .await;
        let c = client(provider, &server);
        errors.push(c.submit(&VideoRequest::new("A cat")).await.unwrap_err());
        status_mock(provider)
            .respond_with(ResponseTemplate::new(200).set_body_raw("not json", "application/json"))
            .up_to_n_times(1)
            .mount(&server)
            .await;
        errors.push(c.status(&handle(provider, &server)).await.unwrap_err());
        status_mock(provider)
            .respond_with(
                ResponseTemplate::new(200).set_body_json(status_example(provider, "failed")),
            )
            .mount(&server)
            .await;
        errors.push(
            c.wait(&handle(provider, &server), WaitOptions::default())
                .await
                .unwrap_err(),
        );

        // Refused before sending, and a network error.
        errors.push(c.submit(&VideoRequest::new("")).await.unwrap_err());
        let port = {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            listener.local_addr().unwrap().port()
        };
        let closed = Client::builder(provider)
            .api_key(API_KEY)
            .base_url(format!("http://127.0.0.1:{port}"))
            .retry_policy(RetryPolicy::none())
            .build()
            .unwrap();
        let at_closed = TaskHandle {
            base_url: closed.base_url().to_owned(),
            ..handle(provider, &server)
        };
        errors.push(closed.status(&at_closed).await.unwrap_err());
    }
    let variants: std::collections::BTreeSet<String> = errors.iter().map(common::variant).collect();
    assert_eq!(
        variants.into_iter().collect::<Vec<_>>(),
        [
            "Auth",
            "Decode",
            "InvalidRequest",
            "Network",
            "OutcomeUnknown",
            "TaskFailed"
        ]
    );
    for err in &errors {
        assert_no_secret(err);
        let mut source = std::error::Error::source(err);
        while let Some(inner) = source {
            assert!(!inner.to_string().contains(API_KEY), "{inner}");
            assert!(!format!("{inner:?}").contains(API_KEY), "{inner:?}");
            source = inner.source();
        }
    }
}
