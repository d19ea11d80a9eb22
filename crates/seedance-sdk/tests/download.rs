//! Downloads: the video lives on another origin (a second mock server) that never receives the
//! API key; the file appears only when complete, with no temporary file left behind; a QuickTime
//! movie downloads as an MP4 does; an expired URL, a missing video, a truncated body, an error
//! page or an empty body are errors that leave no file and keep an existing one; the URL and the
//! target are checked before any request.
//! Resuming and stalls are in `download_resume.rs`.

mod common;

use std::{
    io::{Read, Write},
    net::{Shutdown, TcpListener},
    sync::{Arc, Mutex},
};

use common::{
    API_KEY, captured_one, client, client_with, dir_entries, handle, quick_retries, set_video_url,
    status_example, status_mock, temp_dir,
};
use seedance_sdk::{Client, Error, Provider, TaskStatus, Video};
use wiremock::{
    Mock, MockServer, ResponseTemplate,
    matchers::{method, path},
};

const VIDEO_PATH: &str = "/videos/abc123.mp4";

/// The first bytes of an MP4: an `ftyp` box.
const MP4_HEAD: &[u8] = b"\0\0\0\x18ftypisom\0\0\x02\0isomiso2";

/// An MP4 head, then bytes that are not all alike, spanning several chunks.
fn video_bytes() -> Vec<u8> {
    let mut bytes = MP4_HEAD.to_vec();
    bytes.extend((0..300_000u32).map(|i| (i.wrapping_mul(31) >> 3) as u8));
    bytes
}

/// The simulator's QuickTime movie (what it serves for Ark's `output_format: "mov"`), a real
/// file: an `ftyp` box of major brand `qt  ` first.
fn quicktime_movie() -> Vec<u8> {
    let file = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../seedance-sim/fixtures/sample.mov"
    );
    let bytes = std::fs::read(file).expect("the simulator's sample.mov");
    assert_eq!(&bytes[4..12], b"ftypqt  ", "not a QuickTime movie");
    bytes
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
        usage: None,
        seed: None,
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
    for provider in common::PROVIDERS {
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
async fn quicktime_movie_downloads() {
    let bytes = quicktime_movie();
    let videos =
        video_server(ResponseTemplate::new(200).set_body_raw(bytes.clone(), "video/quicktime"))
            .await;
    let (_provider, client) = download_client().await;
    let dir = temp_dir("mov");
    let file = dir.join("out.mov");
    let written = client
        .download(&not_expired(&videos), &file)
        .await
        .expect("a QuickTime movie is a video");
    assert_eq!(written, bytes.len() as u64);
    assert_eq!(std::fs::read(&file).unwrap(), bytes);
    assert_eq!(dir_entries(&dir), ["out.mov"], "no .part left");
    std::fs::remove_dir_all(&dir).unwrap();
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
async fn missing_video_names_its_host_unless_past_its_lifetime() {
    let (_provider, client) = download_client().await;
    for code in [403, 404] {
        let videos = video_server(ResponseTemplate::new(code)).await;
        let dir = temp_dir("missing");
        let file = dir.join("out.mp4");

        let err = client
            .download(&not_expired(&videos), &file)
            .await
            .expect_err("missing");
        assert!(
            matches!(err, Error::Download { status: Some(c), retryable: false, .. } if c == code),
            "{code}: {err:?}"
        );
        assert!(
            err.to_string().contains(&videos.uri()),
            "names the host: {err}"
        );

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
    assert!(
        matches!(
            err,
            Error::Download {
                retryable: true,
                source: Some(_),
                ..
            }
        ),
        "{err:?}"
    );
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
            answer.extend(
                MP4_HEAD
                    .iter()
                    .copied()
                    .chain(std::iter::repeat(7u8))
                    .take(sent),
            );
            let _ = stream.write_all(&answer);
            let _ = stream.flush();
            let _ = stream.shutdown(Shutdown::Both);
        }
    });
    (url, requests)
}

#[tokio::test]
async fn body_shorter_than_its_content_length_is_an_error_and_leaves_no_file() {
    let (url, requests) = truncating_server(1000, 30);
    let (_provider, client) = download_client().await;
    let dir = temp_dir("truncated");
    let file = dir.join("out.mp4");
    let video = Video {
        video_url: format!("{url}{VIDEO_PATH}"),
        last_frame_url: None,
        expires_at: Some(common::unix_now() + 3600),
        usage: None,
        seed: None,
    };
    let mut progress = Vec::new();
    let err = client
        .download_with_progress(&video, &file, |done, total| progress.push((done, total)))
        .await
        .expect_err("a body shorter than its Content-Length");
    assert!(
        matches!(
            err,
            Error::Download {
                retryable: true,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(
        progress.contains(&(30, Some(1000))),
        "the headers and the first bytes arrived: {progress:?}"
    );
    assert!(!file.exists());
    assert!(dir_entries(&dir).is_empty(), "{:?}", dir_entries(&dir));
    let requests = requests.lock().unwrap();
    // A broken transfer is retried (max_retries = 2), each retry asking for the rest only.
    assert_eq!(requests.len(), 3, "{err:?}");
    for (request_idx, head) in requests.iter().enumerate() {
        assert!(head.starts_with(&format!("GET {VIDEO_PATH} ")), "{head}");
        let head = head.to_ascii_lowercase();
        assert!(!head.contains("authorization"), "{head}");
        assert_eq!(
            head.contains("range: bytes=30-"),
            request_idx > 0,
            "request {request_idx}: {head}"
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn unusable_target_is_an_io_error_before_any_request() {
    let bytes = video_bytes();
    let videos = video_server(ResponseTemplate::new(200).set_body_bytes(bytes)).await;
    let (_provider, client) = download_client().await;
    let dir = temp_dir("io");
    std::fs::create_dir(dir.join("a-directory")).unwrap();
    let missing_parent = dir.join("no-such-dir").join("out.mp4");
    for (target, says) in [
        (missing_parent.clone(), "does not exist"),
        (dir.join("a-directory"), "is a directory"),
        (dir.join("a-directory").join(".."), "names no file"),
    ] {
        let err = client
            .download(&not_expired(&videos), &target)
            .await
            .expect_err("an unusable target");
        let Error::Io { path, .. } = &err else {
            panic!("{target:?}: {err:?}");
        };
        assert_eq!(path, &target);
        // The message names the path; its source says what is wrong with it.
        let cause = std::error::Error::source(&err)
            .map(ToString::to_string)
            .unwrap_or_default();
        let message = format!("{err}: {cause}");
        assert!(message.contains(&*target.to_string_lossy()), "{message}");
        assert!(cause.contains(says), "{message}");
    }
    assert_eq!(
        videos.received_requests().await.unwrap().len(),
        0,
        "refused before the first request"
    );
    assert_eq!(dir_entries(&dir), ["a-directory"]);
    assert!(dir_entries(&dir.join("a-directory")).is_empty());
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A planted `<out>.part` symlink (the old fixed temporary name) pointing at a victim file: the
/// temporary file is created exclusively under a random name, so the victim is never written.
#[cfg(unix)]
#[tokio::test]
async fn planted_part_symlink_is_never_followed() {
    let bytes = video_bytes();
    let videos = video_server(ResponseTemplate::new(200).set_body_bytes(bytes.clone())).await;
    let (_provider, client) = download_client().await;
    let dir = temp_dir("symlink");
    let victim = dir.join("victim.txt");
    std::fs::write(&victim, b"precious").unwrap();
    let file = dir.join("out.mp4");
    std::os::unix::fs::symlink(&victim, dir.join("out.mp4.part")).unwrap();
    let mut temp_names = Vec::new();
    client
        .download_with_progress(&not_expired(&videos), &file, |_, _| {
            temp_names.extend(
                dir_entries(&dir)
                    .into_iter()
                    .filter(|n| n.starts_with(".out.mp4.") && n.ends_with(".part")),
            );
        })
        .await
        .unwrap();
    assert_eq!(std::fs::read(&victim).unwrap(), b"precious");
    assert_eq!(std::fs::read(&file).unwrap(), bytes);
    assert_eq!(dir_entries(&dir), ["out.mp4", "out.mp4.part", "victim.txt"]);
    // The temporary file sat next to the target, under a random name.
    temp_names.dedup();
    assert_eq!(temp_names.len(), 1, "{temp_names:?}");
    assert!(
        temp_names[0].len() > ".out.mp4..part".len() + 8,
        "{temp_names:?}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The rename into place fails (the target became a directory during the download): the
/// temporary file is removed too.
#[tokio::test]
async fn failed_rename_leaves_no_temporary_file() {
    let bytes = video_bytes();
    let videos = video_server(ResponseTemplate::new(200).set_body_bytes(bytes)).await;
    let (_provider, client) = download_client().await;
    let dir = temp_dir("rename");
    let file = dir.join("out.mp4");
    let err = client
        .download_with_progress(&not_expired(&videos), &file, |_, _| {
            let _ = std::fs::create_dir(&file);
            let _ = std::fs::write(file.join("keep"), b"x");
        })
        .await
        .expect_err("a directory is in the way");
    assert!(
        matches!(&err, Error::Io { path, .. } if path == &file),
        "{err:?}"
    );
    assert_eq!(dir_entries(&dir), ["out.mp4"], "no temporary file left");
    assert_eq!(dir_entries(&file), ["keep"]);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A signed URL: its query string must never appear in an error.
const SIGNED_QUERY: &str = "X-Amz-Signature=topsecret";

fn signed_video(server: &MockServer) -> Video {
    Video {
        video_url: format!("{}{VIDEO_PATH}?{SIGNED_QUERY}", server.uri()),
        last_frame_url: None,
        expires_at: Some(common::unix_now() + 3600),
        usage: None,
        seed: None,
    }
}

fn assert_names_host_only(err: &Error, host: &str) {
    let display = err.to_string();
    let debug = format!("{err:?}");
    assert!(display.contains(host), "{display}");
    for text in [&display, &debug] {
        assert!(!text.contains("topsecret"), "the query leaks: {text}");
        assert!(!text.contains(VIDEO_PATH), "the path leaks: {text}");
        assert!(!text.contains("jiekou"), "blames the provider: {text}");
    }
}

#[tokio::test]
async fn error_page_or_empty_body_is_refused_and_keeps_the_existing_file() {
    let html = ResponseTemplate::new(200).set_body_raw(
        "<!DOCTYPE html><html><body>Access denied</body></html>",
        "text/html",
    );
    for (name, template) in [
        ("html", html),
        ("empty", ResponseTemplate::new(200)),
        (
            "tiny",
            ResponseTemplate::new(200).set_body_bytes(&MP4_HEAD[..6]),
        ),
        (
            "tiny movie",
            ResponseTemplate::new(200).set_body_bytes(&quicktime_movie()[..6]),
        ),
    ] {
        let videos = video_server(template).await;
        let (_provider, client) = download_client().await;
        let dir = temp_dir("refused");
        let file = dir.join("out.mp4");
        std::fs::write(&file, b"previous video").unwrap();
        let err = client
            .download(&signed_video(&videos), &file)
            .await
            .expect_err(name);
        assert!(
            matches!(
                err,
                Error::Download {
                    status: Some(200),
                    retryable: false,
                    ..
                }
            ),
            "{name}: {err:?}"
        );
        assert_names_host_only(&err, &videos.uri());
        if name == "html" {
            let message = err.to_string();
            assert!(
                message.contains("not an MP4 or QuickTime video") && message.contains("text/html"),
                "{message}"
            );
        }
        assert_eq!(std::fs::read(&file).unwrap(), b"previous video", "{name}");
        assert_eq!(dir_entries(&dir), ["out.mp4"], "{name}");
        assert_eq!(videos.received_requests().await.unwrap().len(), 1, "{name}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

#[tokio::test]
async fn transport_errors_name_the_host_not_the_provider_nor_the_query() {
    let videos = video_server(
        ResponseTemplate::new(200)
            .insert_header("content-length", "1000")
            .set_body_bytes(vec![7u8; 10]),
    )
    .await;
    let (_provider, client) = download_client().await;
    let dir = temp_dir("transport");
    let err = client
        .download(&signed_video(&videos), &dir.join("out.mp4"))
        .await
        .expect_err("the connection closes");
    assert_names_host_only(&err, &videos.uri());
    let chain = anyhow_like(&err);
    assert!(!chain.contains("topsecret"), "{chain}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The error and its sources, as the CLI prints them.
fn anyhow_like(err: &Error) -> String {
    let mut text = err.to_string();
    let mut source = std::error::Error::source(err);
    while let Some(inner) = source {
        text.push_str(&format!(": {inner}"));
        source = inner.source();
    }
    text
}

#[tokio::test]
async fn video_url_is_checked_before_any_request() {
    let videos = video_server(ResponseTemplate::new(200).set_body_bytes(video_bytes())).await;
    let dir = temp_dir("url");
    let file = dir.join("out.mp4");
    // A client whose API is not on a loopback address: the video must come over https.
    let remote = Client::builder(Provider::Jiekou)
        .api_key(API_KEY)
        .base_url("https://api.example.invalid")
        .retry_policy(quick_retries(2))
        .build()
        .unwrap();
    let err = remote
        .download(&signed_video(&videos), &file)
        .await
        .expect_err("plain http");
    assert!(
        matches!(
            err,
            Error::Download {
                status: None,
                retryable: false,
                ..
            }
        ),
        "{err:?}"
    );
    assert_names_host_only(&err, &videos.uri());
    assert!(err.to_string().contains("https"), "{err}");

    let (_provider, local) = download_client().await;
    for (url, host) in [
        ("file:///etc/passwd", "file://"),
        (
            "ftp://files.example/v.mp4?X-Amz-Signature=topsecret",
            "ftp://files.example",
        ),
        ("data:video/mp4;base64,AAAA", "data://"),
        ("not a url", "an unreadable URL"),
    ] {
        let video = Video {
            video_url: url.into(),
            last_frame_url: None,
            expires_at: None,
            usage: None,
            seed: None,
        };
        for client in [&remote, &local] {
            let err = client.download(&video, &file).await.expect_err(url);
            let Error::Download { host: named, .. } = &err else {
                panic!("{url}: {err:?}");
            };
            assert_eq!(named, host, "{url}");
            assert!(!err.to_string().contains("topsecret"), "{err}");
        }
    }
    assert_eq!(videos.received_requests().await.unwrap().len(), 0);
    assert!(dir_entries(&dir).is_empty());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn redirects_are_followed_up_to_ten_hops() {
    let bytes = video_bytes();
    let videos = MockServer::start().await;
    for hop in 0..11 {
        Mock::given(method("GET"))
            .and(path(format!("/hop/{hop}")))
            .respond_with(
                ResponseTemplate::new(302)
                    .insert_header("location", format!("{}/hop/{}", videos.uri(), hop + 1)),
            )
            .mount(&videos)
            .await;
    }
    Mock::given(method("GET"))
        .and(path("/hop/11"))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(bytes.clone()))
        .mount(&videos)
        .await;
    let (_provider, client) = download_client().await;
    let dir = temp_dir("redirects");
    let file = dir.join("out.mp4");
    let video_from = |hop: u32| Video {
        video_url: format!("{}/hop/{hop}?{SIGNED_QUERY}", videos.uri()),
        last_frame_url: None,
        expires_at: None,
        usage: None,
        seed: None,
    };
    client.download(&video_from(1), &file).await.unwrap();
    assert_eq!(std::fs::read(&file).unwrap(), bytes, "10 hops are followed");
    let err = client
        .download(&video_from(0), &file)
        .await
        .expect_err("11 hops");
    assert!(
        matches!(
            err,
            Error::Download {
                retryable: false,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(!anyhow_like(&err).contains("topsecret"), "{err}");
    assert_eq!(std::fs::read(&file).unwrap(), bytes, "the file is kept");
    assert_eq!(dir_entries(&dir), ["out.mp4"]);
    std::fs::remove_dir_all(&dir).unwrap();
}
