//! Broken and stalled downloads, against a loopback HTTP/1.1 server written here (tokio) that
//! breaks a transfer midway, honours or ignores `Range`, lies in `Content-Range`, or stalls: the
//! download resumes where it stopped, starts over when it must, and fails after the read timeout,
//! never leaving a temporary file.

mod common;

use std::{
    sync::{
        Arc, Mutex,
        atomic::{AtomicU64, AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use common::{API_KEY, dir_entries, quick_retries, temp_dir};
use seedance_sdk::{Client, Error, Provider, RetryPolicy, Video};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpListener,
};

/// How the server answers one request.
#[derive(Clone, Copy, Debug)]
enum Reply {
    /// 200 with the whole video, closing after `limit` body bytes (all when `None`).
    Whole { limit: Option<usize> },
    /// 206 for the requested range, its `Content-Range` starting `shift` bytes early (a lie).
    Partial { shift: u64 },
    /// 200 announcing the whole video, then `after` bytes, then silence.
    Stall { after: usize },
    /// 200 without `Content-Length` and with an empty body, ended by closing the connection.
    EmptyWithoutLength,
}

struct Server {
    url: String,
    /// The request heads, lowercased.
    requests: Arc<Mutex<Vec<String>>>,
    /// Body bytes written, over every response.
    body_bytes: Arc<AtomicU64>,
}

/// The first bytes of an MP4: an `ftyp` box.
const MP4_HEAD: &[u8] = b"\0\0\0\x18ftypisom\0\0\x02\0isomiso2";

/// An MP4 head, then 2 MiB of bytes that are not all alike.
fn video_bytes() -> Arc<Vec<u8>> {
    let mut bytes = MP4_HEAD.to_vec();
    bytes.extend((0..2u32 << 20).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8));
    Arc::new(bytes)
}

/// Serves `video`, answering request `n` (from 0) as `plan(n, range_start)` says.
async fn serve(
    video: Arc<Vec<u8>>,
    plan: impl Fn(usize, Option<u64>) -> Reply + Send + Sync + 'static,
) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/videos/v.mp4", listener.local_addr().unwrap());
    let requests = Arc::new(Mutex::new(Vec::new()));
    let body_bytes = Arc::new(AtomicU64::new(0));
    let (seen, sent) = (requests.clone(), body_bytes.clone());
    let plan = Arc::new(plan);
    let counter = Arc::new(AtomicUsize::new(0));
    tokio::spawn(async move {
        loop {
            let Ok((mut stream, _)) = listener.accept().await else {
                return;
            };
            let (video, seen, sent, plan, counter) = (
                video.clone(),
                seen.clone(),
                sent.clone(),
                plan.clone(),
                counter.clone(),
            );
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut buf = [0u8; 1024];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match stream.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                let head = String::from_utf8_lossy(&head).to_ascii_lowercase();
                let range_start = head
                    .lines()
                    .find_map(|l| l.strip_prefix("range: bytes="))
                    .and_then(|r| r.trim().trim_end_matches('-').parse::<u64>().ok());
                seen.lock().unwrap().push(head);
                let reply = plan(counter.fetch_add(1, Ordering::SeqCst), range_start);
                let len = video.len();
                let (status, mut headers, body) = match reply {
                    Reply::Whole { limit } => (
                        "200 OK",
                        format!("content-length: {len}\r\n"),
                        &video[..limit.unwrap_or(len)],
                    ),
                    Reply::Partial { shift } => {
                        let start = range_start.expect("a range was asked for") as usize;
                        let told = start as u64 - shift;
                        (
                            "206 Partial Content",
                            format!(
                                "content-length: {}\r\ncontent-range: bytes {told}-{}/{len}\r\n",
                                len - start,
                                len - 1
                            ),
                            &video[start..],
                        )
                    }
                    Reply::Stall { after } => (
                        "200 OK",
                        format!("content-length: {len}\r\n"),
                        &video[..after],
                    ),
                    Reply::EmptyWithoutLength => ("200 OK", String::new(), &video[..0]),
                };
                headers
                    .push_str("content-type: video/mp4\r\netag: \"v1\"\r\nconnection: close\r\n");
                let answer = format!("HTTP/1.1 {status}\r\n{headers}\r\n");
                if stream.write_all(answer.as_bytes()).await.is_err() {
                    return;
                }
                if stream.write_all(body).await.is_ok() {
                    sent.fetch_add(body.len() as u64, Ordering::SeqCst);
                }
                let _ = stream.flush().await;
                if let Reply::Stall { .. } = reply {
                    tokio::time::sleep(Duration::from_secs(60)).await;
                }
                let _ = stream.shutdown().await;
            });
        }
    });
    Server {
        url,
        requests,
        body_bytes,
    }
}

fn client(retry: RetryPolicy, read_timeout: Duration) -> Client {
    Client::builder(Provider::Jiekou)
        .api_key(API_KEY)
        // Never contacted; a loopback API allows the loopback server's plain http.
        .base_url("http://127.0.0.1:9")
        .retry_policy(retry)
        .read_timeout(read_timeout)
        .build()
        .unwrap()
}

fn video_at(server: &Server) -> Video {
    Video {
        video_url: server.url.clone(),
        last_frame_url: None,
        expires_at: None,
        usage: None,
        seed: None,
    }
}

/// Downloads from `server` with 3 quick retries; checks the bytes, that progress never went
/// backwards, and that no temporary file is left. Returns the request heads.
async fn download_whole(server: &Server, video: &[u8], name: &str) -> Vec<String> {
    let dir = temp_dir(name);
    let file = dir.join("out.mp4");
    let mut progress = Vec::new();
    let written = client(quick_retries(3), Duration::from_secs(10))
        .download_with_progress(&video_at(server), &file, |done, total| {
            progress.push((done, total))
        })
        .await
        .unwrap_or_else(|e| panic!("{name}: {e:#?}"));
    let total = video.len() as u64;
    assert_eq!(written, total, "{name}");
    assert!(std::fs::read(&file).unwrap() == video, "{name}: same bytes");
    assert_eq!(dir_entries(&dir), ["out.mp4"], "{name}: no temporary file");
    assert_eq!(progress.last(), Some(&(total, Some(total))), "{name}");
    std::fs::remove_dir_all(&dir).unwrap();
    server.requests.lock().unwrap().clone()
}

#[tokio::test]
async fn broken_transfer_resumes_where_it_stopped() {
    let video = video_bytes();
    let half = video.len() / 2;
    let server = serve(video.clone(), move |n, range| match (n, range) {
        (0, _) => Reply::Whole { limit: Some(half) },
        (_, Some(_)) => Reply::Partial { shift: 0 },
        (_, None) => Reply::Whole { limit: None },
    })
    .await;
    let requests = download_whole(&server, &video, "resume").await;
    assert_eq!(requests.len(), 2, "{requests:#?}");
    assert!(!requests[0].contains("range:"), "{}", requests[0]);
    assert!(
        requests[1].contains(&format!("range: bytes={half}-\r\n")),
        "{}",
        requests[1]
    );
    assert!(
        requests[1].contains("if-range: \"v1\"\r\n"),
        "{}",
        requests[1]
    );
    let sent = server.body_bytes.load(Ordering::SeqCst);
    assert_eq!(sent, video.len() as u64, "about 1x the file, not 1.5x");
}

#[tokio::test]
async fn server_ignoring_range_means_a_full_restart() {
    let video = video_bytes();
    let half = video.len() / 2;
    let server = serve(video.clone(), move |n, _| match n {
        0 => Reply::Whole { limit: Some(half) },
        _ => Reply::Whole { limit: None },
    })
    .await;
    let requests = download_whole(&server, &video, "ignored").await;
    assert_eq!(requests.len(), 2, "{requests:#?}");
    assert!(requests[1].contains("range: bytes="), "it was asked");
    let sent = server.body_bytes.load(Ordering::SeqCst);
    assert_eq!(sent, (video.len() + half) as u64);
}

/// A 206 whose `Content-Range` does not start where the file stopped is not spliced in: the
/// video is requested whole, at once.
#[tokio::test]
async fn partial_answer_at_the_wrong_offset_means_a_full_restart() {
    let video = video_bytes();
    let half = video.len() / 2;
    let server = serve(video.clone(), move |n, range| match (n, range) {
        (0, _) => Reply::Whole { limit: Some(half) },
        (_, Some(_)) => Reply::Partial { shift: 100 },
        (_, None) => Reply::Whole { limit: None },
    })
    .await;
    let requests = download_whole(&server, &video, "lying").await;
    assert_eq!(requests.len(), 3, "{requests:#?}");
    assert!(requests[1].contains("range: bytes="), "{}", requests[1]);
    assert!(!requests[2].contains("range:"), "{}", requests[2]);
}

/// A host that stalls after 10 bytes fails after the read timeout (on each attempt), leaves no
/// temporary file and keeps the existing file.
#[tokio::test]
async fn stalled_transfer_fails_after_the_read_timeout() {
    let video = video_bytes();
    let server = serve(video.clone(), |_, _| Reply::Stall { after: 10 }).await;
    let dir = temp_dir("stall");
    let file = dir.join("out.mp4");
    std::fs::write(&file, b"previous video").unwrap();
    let client = client(quick_retries(1), Duration::from_millis(300));
    let start = Instant::now();
    let err = tokio::time::timeout(
        Duration::from_secs(20),
        client.download(&video_at(&server), &file),
    )
    .await
    .expect("the download does not hang")
    .expect_err("it stalls");
    let elapsed = start.elapsed();
    assert!(
        elapsed >= Duration::from_millis(600) && elapsed < Duration::from_secs(5),
        "two attempts of 300 ms: {elapsed:?}"
    );
    let Error::Download {
        retryable: true,
        source: Some(source),
        ..
    } = &err
    else {
        panic!("{err:?}");
    };
    assert!(source.is_timeout(), "{source:?}");
    assert!(err.to_string().contains("stalled"), "{err}");
    assert_eq!(std::fs::read(&file).unwrap(), b"previous video");
    assert_eq!(dir_entries(&dir), ["out.mp4"], "no temporary file");
    let requests = server.requests.lock().unwrap().clone();
    assert_eq!(requests.len(), 2);
    assert!(requests[1].contains("range: bytes=10-"), "{}", requests[1]);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn empty_body_without_content_length_is_refused() {
    let server = serve(video_bytes(), |_, _| Reply::EmptyWithoutLength).await;
    let dir = temp_dir("empty");
    let file = dir.join("out.mp4");
    std::fs::write(&file, b"previous video").unwrap();
    let err = client(quick_retries(2), Duration::from_secs(10))
        .download(&video_at(&server), &file)
        .await
        .expect_err("an empty body");
    assert!(
        matches!(
            err,
            Error::Download {
                status: Some(200),
                retryable: false,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("empty"), "{err}");
    assert_eq!(std::fs::read(&file).unwrap(), b"previous video");
    assert_eq!(dir_entries(&dir), ["out.mp4"]);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Past 32 MiB the file is flushed early while the transfer goes on; that must not change a
/// byte, across a break and a resume either.
#[tokio::test]
async fn large_broken_transfer_resumes_byte_identical() {
    // 40 MiB, each 4 KiB page marked with its number, so a misplaced page shows.
    let mut bytes = vec![0u8; 40 << 20];
    for (page_idx, page) in bytes.chunks_mut(4096).enumerate() {
        page[..4].copy_from_slice(&(page_idx as u32).to_le_bytes());
    }
    bytes[..MP4_HEAD.len()].copy_from_slice(MP4_HEAD);
    let video = Arc::new(bytes);
    let cut = video.len() * 2 / 3;
    let server = serve(video.clone(), move |n, range| match (n, range) {
        (0, _) => Reply::Whole { limit: Some(cut) },
        (_, Some(_)) => Reply::Partial { shift: 0 },
        (_, None) => Reply::Whole { limit: None },
    })
    .await;
    let requests = download_whole(&server, &video, "large").await;
    assert_eq!(requests.len(), 2, "{requests:#?}");
    assert_eq!(server.body_bytes.load(Ordering::SeqCst), video.len() as u64);
}
