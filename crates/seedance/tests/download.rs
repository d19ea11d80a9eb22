//! Downloads: the video lives on another origin (a second mock server) that never receives the
//! API key; the file appears only when complete, with no `.part` left behind; an expired URL,
//! a missing video and a truncated body are errors that leave no file.

mod common;

use std::{
    io::{Read, Write},
    net::{Shutdown, TcpListener},
    path::Path,
    sync::{Arc, Mutex},
};

use common::{
    API_KEY, captured_one, client, client_with, dir_entries, handle, quick_retries, set_video_url,
    status_example, status_mock, temp_dir,
};
use seedance::{Client, Error, Provider, TaskStatus, Video};
use wiremock::{
    Mock, MockServer, ResponseTemplate,
    matchers::{method, path},
};

const VIDEO_PATH: &str = "/videos/abc123.mp4";

/// Bytes that are not all alike, spanning several chunks.
fn video_bytes() -> Vec<u8> {
    (0..300_000u32)
        .map(|i| (i.wrapping_mul(31) >> 3) as u8)
        .collect()
}

async fn video_server(template: ResponseTemplate) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(VIDEO_PATH))
        .respond_with(template)
        .mount(&server)
        .await;
    server
}

fn video_at(server: &MockServer, expires_at: Option<u64>) -> Video {
    Video {
        video_url: format!("{}{VIDEO_PATH}", server.uri()),
        last_frame_url: None,
        expires_at,
    }
}

fn not_expired(server: &MockServer) -> Video {
    video_at(server, Some(common::unix_now() + 3600))
}

/// A client whose provider server is never called (downloads only).
async fn download_client() -> (MockServer, Client) {
    let provider_server = MockServer::start().await;
    let client = client_with(Provider::Jiekou, &provider_server, quick_retries(2));
    (provider_server, client)
}

#[tokio::test]
async fn downloads_from_another_origin_without_the_key() {
    let bytes = video_bytes();
    for provider in Provider::ALL {
        let videos =
            video_server(ResponseTemplate::new(200).set_body_raw(bytes.clone(), "video/mp4")).await;

        // The provider reports the video on the other origin.
        let provider_server = MockServer::start().await;
        let mut succeeded = status_example(provider, "succeeded");
        set_video_url(
            provider,
            &mut succeeded,
            &format!("{}{VIDEO_PATH}", videos.uri()),
        );
        status_mock(provider)
            .respond_with(ResponseTemplate::new(200).set_body_json(succeeded))
            .mount(&provider_server)
            .await;
        let client = client(provider, &provider_server);
        let status = client
            .status(&handle(provider, &provider_server))
            .await
            .unwrap();
        let TaskStatus::Succeeded(video) = status else {
            panic!("{provider}: {status:?}");
        };
        // The provider request carried the key (checked by `captured_one`).
        captured_one(&provider_server).await;

        let dir = temp_dir("download");
        let file = dir.join("out.mp4");
        let mut calls = Vec::new();
        let written = client
            .download_with_progress(&video, &file, |done, total| calls.push((done, total)))
            .await
            .unwrap_or_else(|e| panic!("{provider}: {e}"));
        assert_eq!(written, bytes.len() as u64);
        assert_eq!(
            std::fs::read(&file).unwrap(),
            bytes,
            "{provider}: same bytes"
        );
        assert_eq!(dir_entries(&dir), ["out.mp4"], "{provider}: no .part left");
        let total = bytes.len() as u64;
        assert_eq!(calls.last(), Some(&(total, Some(total))));
        assert!(calls.windows(2).all(|w| w[0].0 < w[1].0), "progress grows");

        let requests = videos.received_requests().await.unwrap();
        assert_eq!(requests.len(), 1, "{provider}");
        let headers = &requests[0].headers;
        assert!(
            headers.get("authorization").is_none(),
            "{provider}: the video host got an Authorization header"
        );
        for (name, value) in headers {
            let value = value.to_str().unwrap_or_default();
            assert!(
                !value.contains(API_KEY) && !value.contains("Bearer"),
                "{provider}: header {name} leaks the key"
            );
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

#[tokio::test]
async fn gone_video_is_expired_and_leaves_no_file() {
    let videos = video_server(ResponseTemplate::new(410).set_body_string("gone")).await;
    let (_provider, client) = download_client().await;
    let dir = temp_dir("gone");
    let file = dir.join("out.mp4");
    let err = client
        .download(&not_expired(&videos), &file)
        .await
        .expect_err("410");
    assert!(matches!(err, Error::Expired { .. }), "{err:?}");
    assert!(!file.exists());
    assert!(dir_entries(&dir).is_empty(), "{:?}", dir_entries(&dir));
    assert_eq!(
        videos.received_requests().await.unwrap().len(),
        1,
        "an expired URL is not retried"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn failed_download_keeps_an_existing_file() {
    let videos = video_server(ResponseTemplate::new(410)).await;
    let (_provider, client) = download_client().await;
    let dir = temp_dir("keep");
    let file = dir.join("out.mp4");
    std::fs::write(&file, b"previous video").unwrap();
    client
        .download(&not_expired(&videos), &file)
        .await
        .expect_err("410");
    assert_eq!(std::fs::read(&file).unwrap(), b"previous video");
    assert_eq!(dir_entries(&dir), ["out.mp4"]);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn missing_video_is_not_found_unless_past_its_lifetime() {
    let (_provider, client) = download_client().await;
    for code in [403, 404] {
        let videos = video_server(ResponseTemplate::new(code)).await;
        let dir = temp_dir("missing");
        let file = dir.join("out.mp4");

        let err = client
            .download(&not_expired(&videos), &file)
            .await
            .expect_err("missing");
        assert!(matches!(err, Error::NotFound { .. }), "{code}: {err:?}");

        let past = video_at(&videos, Some(common::unix_now() - 60));
        assert!(past.is_expired());
        let err = client.download(&past, &file).await.expect_err("missing");
        assert!(matches!(err, Error::Expired { .. }), "{code}: {err:?}");

        assert!(dir_entries(&dir).is_empty());
        assert_eq!(videos.received_requests().await.unwrap().len(), 2);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

#[tokio::test]
async fn transient_failure_is_retried() {
    let bytes = video_bytes();
    let videos = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(VIDEO_PATH))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .mount(&videos)
        .await;
    Mock::given(method("GET"))
        .and(path(VIDEO_PATH))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(bytes.clone()))
        .mount(&videos)
        .await;
    let (_provider, client) = download_client().await;
    let dir = temp_dir("retry");
    let file = dir.join("out.mp4");
    client.download(&not_expired(&videos), &file).await.unwrap();
    assert_eq!(std::fs::read(&file).unwrap(), bytes);
    assert_eq!(dir_entries(&dir), ["out.mp4"]);
    assert_eq!(videos.received_requests().await.unwrap().len(), 2);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// wiremock cannot send a body shorter than its `Content-Length`: its server drops such a
/// response before the headers, so the client sees the connection close. That is still an error
/// that must leave no file.
#[tokio::test]
async fn connection_closed_before_the_response_leaves_no_file() {
    let videos = video_server(
        ResponseTemplate::new(200)
            .insert_header("content-length", "1000")
            .set_body_bytes(vec![7u8; 10]),
    )
    .await;
    let (_provider, client) = download_client().await;
    let dir = temp_dir("closed");
    let file = dir.join("out.mp4");
    let err = client
        .download(&not_expired(&videos), &file)
        .await
        .expect_err("no complete response");
    assert!(matches!(err, Error::Network { .. }), "{err:?}");
    assert!(dir_entries(&dir).is_empty(), "{:?}", dir_entries(&dir));
    assert_eq!(
        videos.received_requests().await.unwrap().len(),
        3,
        "a network error is retried (max_retries = 2)"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A loopback HTTP/1.1 server (a thread on 127.0.0.1) answering every request with headers
/// announcing `announced` bytes, then `sent` bytes, then closing the connection. Returns its
/// base URL and the requests' header blocks.
fn truncating_server(announced: usize, sent: usize) -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let requests = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&requests);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let mut head = Vec::new();
            let mut byte = [0u8; 1];
            while !head.ends_with(b"\r\n\r\n") {
                match stream.read(&mut byte) {
                    Ok(1) => head.push(byte[0]),
                    _ => break,
                }
            }
            seen.lock()
                .unwrap()
                .push(String::from_utf8_lossy(&head).into_owned());
            let mut answer = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: video/mp4\r\ncontent-length: {announced}\r\nconnection: close\r\n\r\n"
            )
            .into_bytes();
            answer.extend(std::iter::repeat_n(7u8, sent));
            let _ = stream.write_all(&answer);
            let _ = stream.flush();
            let _ = stream.shutdown(Shutdown::Both);
        }
    });
    (url, requests)
}

#[tokio::test]
async fn body_shorter_than_its_content_length_is_an_error_and_leaves_no_file() {
    let (url, requests) = truncating_server(1000, 10);
    let (_provider, client) = download_client().await;
    let dir = temp_dir("truncated");
    let file = dir.join("out.mp4");
    let video = Video {
        video_url: format!("{url}{VIDEO_PATH}"),
        last_frame_url: None,
        expires_at: Some(common::unix_now() + 3600),
    };
    let mut progress = Vec::new();
    let err = client
        .download_with_progress(&video, &file, |done, total| progress.push((done, total)))
        .await
        .expect_err("a body shorter than its Content-Length");
    assert!(
        matches!(err, Error::Network { .. } | Error::Decode { .. }),
        "{err:?}"
    );
    assert!(
        progress.contains(&(10, Some(1000))),
        "the headers and the first bytes arrived: {progress:?}"
    );
    assert!(!file.exists());
    assert!(dir_entries(&dir).is_empty(), "{:?}", dir_entries(&dir));
    let requests = requests.lock().unwrap();
    // A transport error is retried (max_retries = 2); a clean early end is not.
    let expected = if matches!(err, Error::Network { .. }) {
        3
    } else {
        1
    };
    assert_eq!(requests.len(), expected, "{err:?}");
    for head in requests.iter() {
        assert!(head.starts_with(&format!("GET {VIDEO_PATH} ")), "{head}");
        assert!(
            !head.to_ascii_lowercase().contains("authorization"),
            "{head}"
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn unwritable_destination_is_an_io_error() {
    let bytes = video_bytes();
    let videos = video_server(ResponseTemplate::new(200).set_body_bytes(bytes)).await;
    let (_provider, client) = download_client().await;
    let dir = temp_dir("io");
    let file = dir.join("no-such-dir").join("out.mp4");
    let err = client
        .download(&not_expired(&videos), &file)
        .await
        .expect_err("the directory does not exist");
    let Error::Io { path, .. } = &err else {
        panic!("{err:?}");
    };
    assert_eq!(path.parent(), Some(Path::new(&dir.join("no-such-dir"))));
    assert!(dir_entries(&dir).is_empty());
    std::fs::remove_dir_all(&dir).unwrap();
}
