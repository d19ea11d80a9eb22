//! The media origin: result videos and last frames, on their own port, expiring after the
//! configured lifetime (answered with 410 Gone). Videos honour single `Range` requests (206 with
//! `Content-Range`, `If-Range` against their `ETag`, 416 past the end), as real CDNs do, so a
//! broken transfer can resume.

use std::sync::Arc;

use axum::{
    Router,
    body::Body,
    extract::{Path, State as Extract},
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Response},
    routing::get,
};
use bytes::Bytes;

use crate::{
    faults::{Fault, Route},
    providers::apply_delays,
    state::State,
};

/// The playable fixture every task returns (see `fixtures/README.md`).
pub(crate) const SAMPLE_MP4: &[u8] = include_bytes!("../fixtures/sample.mp4");
const LAST_FRAME_JPG: &[u8] = include_bytes!("../fixtures/last-frame.jpg");

pub(crate) fn router(state: Arc<State>) -> Router {
    Router::new()
        .route("/videos/{file}", get(video))
        .route("/frames/{file}", get(frame))
        .with_state(state)
}

fn task_of(state: &State, file: &str, extension: &str) -> Option<crate::state::Task> {
    let id = file.strip_suffix(extension)?;
    state.task(id)
}

async fn video(
    Extract(state): Extract<Arc<State>>,
    Path(file): Path<String>,
    headers: HeaderMap,
) -> Response {
    state.count("media video");
    let faults = state.faults.pick(None, Route::Video);
    apply_delays(&faults).await;
    let Some(task) = task_of(&state, &file, ".mp4") else {
        return StatusCode::NOT_FOUND.into_response();
    };
    if state.result_expired(&task) {
        return (StatusCode::GONE, "the result URL has expired").into_response();
    }
    let size = state
        .config
        .video_size
        .unwrap_or(SAMPLE_MP4.len() as u64)
        .max(SAMPLE_MP4.len() as u64);
    let mut cut = None;
    for fault in &faults {
        match fault {
            Fault::Status { code, retry_after } => {
                let mut response = StatusCode::from_u16(*code)
                    .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
                    .into_response();
                if let Some(seconds) = retry_after {
                    response
                        .headers_mut()
                        .insert(header::RETRY_AFTER, (*seconds).into());
                }
                return response;
            }
            Fault::DropConnection => cut = Some(Cut::After(0)),
            Fault::TruncateBody => cut = Some(Cut::Half),
            Fault::BreakAfter(bytes) => cut = Some(Cut::After(*bytes)),
            _ => {}
        }
    }
    let etag = format!("\"{file}-{size}\"");
    let builder = Response::builder()
        .header(header::CONTENT_TYPE, "video/mp4")
        .header(header::ACCEPT_RANGES, "bytes")
        .header(header::ETAG, &etag);
    let (builder, start, end) = match requested_range(&headers, &etag, size) {
        Requested::Whole => (builder, 0, size),
        Requested::Part { start, end } => (
            builder.status(StatusCode::PARTIAL_CONTENT).header(
                header::CONTENT_RANGE,
                format!("bytes {start}-{}/{size}", end - 1),
            ),
            start,
            end,
        ),
        Requested::Unsatisfiable => {
            return builder
                .status(StatusCode::RANGE_NOT_SATISFIABLE)
                .header(header::CONTENT_RANGE, format!("bytes */{size}"))
                .body(Body::empty())
                .expect("static response parts are valid");
        }
    };
    let sent = match cut {
        None => end - start,
        Some(Cut::Half) => (end - start) / 2,
        Some(Cut::After(bytes)) => bytes.min(end - start),
    };
    builder
        .header(header::CONTENT_LENGTH, end - start)
        .body(Body::from_stream(video_bytes(start, start + sent, end)))
        .expect("static response parts are valid")
}

/// Where a fault breaks the body.
#[derive(Clone, Copy)]
enum Cut {
    Half,
    After(u64),
}

/// What a request asks for, out of a video of `size` bytes.
#[derive(Debug, PartialEq, Eq)]
enum Requested {
    Whole,
    /// Bytes `start..end` (end exclusive).
    Part {
        start: u64,
        end: u64,
    },
    Unsatisfiable,
}

/// Reads a single-range `Range` header (`bytes=N-`, `bytes=N-M`, `bytes=-N`); anything else, or
/// an `If-Range` that does not match `etag`, asks for the whole video (as RFC 9110 allows).
fn requested_range(headers: &HeaderMap, etag: &str, size: u64) -> Requested {
    let Some(range) = headers.get(header::RANGE).and_then(|v| v.to_str().ok()) else {
        return Requested::Whole;
    };
    if headers
        .get(header::IF_RANGE)
        .is_some_and(|v| v.as_bytes() != etag.as_bytes())
    {
        return Requested::Whole;
    }
    let Some((first, last)) = range
        .trim()
        .strip_prefix("bytes=")
        .filter(|r| !r.contains(','))
        .and_then(|r| r.split_once('-'))
    else {
        return Requested::Whole;
    };
    let (first, last) = (first.trim(), last.trim());
    let number = |text: &str| text.parse::<u64>().ok();
    match (first.is_empty(), number(first), number(last)) {
        // The last `n` bytes.
        (true, _, Some(n)) if n > 0 => Requested::Part {
            start: size - n.min(size),
            end: size,
        },
        (true, _, _) => Requested::Unsatisfiable,
        (false, Some(start), _) if start >= size => Requested::Unsatisfiable,
        (false, Some(start), None) if last.is_empty() => Requested::Part { start, end: size },
        (false, Some(start), Some(last)) if last >= start => Requested::Part {
            start,
            end: last.saturating_add(1).min(size),
        },
        _ => Requested::Whole,
    }
}

/// Bytes `start..stop` of the video (the fixture followed by zero padding up to its size), in
/// chunks of at most 1 MiB; then, when `stop` falls short of `end`, a broken connection.
fn video_bytes(
    start: u64,
    stop: u64,
    end: u64,
) -> impl futures_util::Stream<Item = Result<Bytes, std::io::Error>> {
    const CHUNK: u64 = 1024 * 1024;
    let fixture_len = SAMPLE_MP4.len() as u64;
    let zeros = Bytes::from(vec![0u8; CHUNK as usize]);
    futures_util::stream::unfold(Some(start), move |position| {
        let zeros = zeros.clone();
        async move {
            let position = position?;
            if position >= stop {
                let broken = std::io::Error::new(
                    std::io::ErrorKind::ConnectionReset,
                    "simulated connection break",
                );
                return (stop < end).then_some((Err(broken), None));
            }
            let chunk = if position < fixture_len {
                Bytes::from_static(&SAMPLE_MP4[position as usize..stop.min(fixture_len) as usize])
            } else {
                zeros.slice(..(stop - position).min(CHUNK) as usize)
            };
            let next = position + chunk.len() as u64;
            Some((Ok(chunk), Some(next)))
        }
    })
}

async fn frame(Extract(state): Extract<Arc<State>>, Path(file): Path<String>) -> Response {
    state.count("media frame");
    let Some(task) = task_of(&state, &file, ".jpg") else {
        return StatusCode::NOT_FOUND.into_response();
    };
    if state.result_expired(&task) {
        return (StatusCode::GONE, "the result URL has expired").into_response();
    }
    ([(header::CONTENT_TYPE, "image/jpeg")], LAST_FRAME_JPG).into_response()
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;
    use crate::{
        FaultRule, Sim, SimConfig,
        state::{NewTask, Outcome},
    };

    #[test]
    fn range_headers_are_read_as_rfc_9110_says() {
        let check = |range: &str, if_range: Option<&str>, expect: Requested| {
            let mut headers = HeaderMap::new();
            headers.insert(header::RANGE, HeaderValue::from_str(range).unwrap());
            if let Some(tag) = if_range {
                headers.insert(header::IF_RANGE, HeaderValue::from_str(tag).unwrap());
            }
            assert_eq!(requested_range(&headers, "\"t\"", 100), expect, "{range}");
        };
        let part = |start, end| Requested::Part { start, end };
        check("bytes=10-", None, part(10, 100));
        check("bytes=10-19", None, part(10, 20));
        check("bytes=10-1000", None, part(10, 100));
        check("bytes=-30", None, part(70, 100));
        check("bytes=-300", None, part(0, 100));
        check("bytes=10-", Some("\"t\""), part(10, 100));
        check("bytes=10-", Some("\"other\""), Requested::Whole);
        check("bytes=100-", None, Requested::Unsatisfiable);
        check("bytes=-0", None, Requested::Unsatisfiable);
        for ignored in ["bytes=0-1,5-6", "items=0-1", "bytes=x-", "bytes=20-10"] {
            check(ignored, None, Requested::Whole);
        }
        assert_eq!(
            requested_range(&HeaderMap::new(), "\"t\"", 100),
            Requested::Whole
        );
    }

    /// A transfer broken by `BreakAfter` resumes with `Range` and ends byte-identical.
    #[tokio::test]
    async fn broken_video_resumes_with_range() {
        const SIZE: u64 = 3 * 1024 * 1024 + 17;
        let sim = Sim::start(SimConfig {
            video_size: Some(SIZE),
            ..SimConfig::default()
        })
        .await
        .unwrap();
        let id = sim.state.create(NewTask {
            provider: "jiekou",
            model: "m",
            prompt: "a prompt",
            outcome: Outcome::Succeed,
            return_last_frame: false,
            hold_queued: None,
            request: serde_json::Value::Null,
        });
        let url = format!("http://{}/videos/{id}.mp4", sim.media_addr());
        seedance_runtime::install_crypto_provider();
        let http = reqwest::Client::new();

        let whole = http.get(&url).send().await.unwrap();
        assert_eq!(whole.status(), 200);
        assert_eq!(whole.headers()[header::ACCEPT_RANGES], "bytes");
        let etag = whole.headers()[header::ETAG].clone();
        let whole = whole.bytes().await.unwrap();
        assert_eq!(whole.len() as u64, SIZE);
        assert_eq!(&whole[..SAMPLE_MP4.len()], SAMPLE_MP4);

        sim.inject(FaultRule::new(Route::Video, Fault::BreakAfter(1_000_000)).times(1));
        let mut broken = http.get(&url).send().await.unwrap();
        let mut received = Vec::new();
        let failure = loop {
            match broken.chunk().await {
                Ok(Some(chunk)) => received.extend_from_slice(&chunk),
                Ok(None) => panic!("the transfer was not broken"),
                Err(err) => break err,
            }
        };
        assert!(failure.is_body() || failure.is_decode(), "{failure:?}");
        assert_eq!(received.len(), 1_000_000);

        let rest = http
            .get(&url)
            .header(header::RANGE, format!("bytes={}-", received.len()))
            .header(header::IF_RANGE, etag)
            .send()
            .await
            .unwrap();
        assert_eq!(rest.status(), 206);
        assert_eq!(
            rest.headers()[header::CONTENT_RANGE],
            format!("bytes 1000000-{}/{SIZE}", SIZE - 1).as_str()
        );
        received.extend_from_slice(&rest.bytes().await.unwrap());
        assert!(received == whole, "byte-identical");

        let past = http
            .get(&url)
            .header(header::RANGE, format!("bytes={SIZE}-"))
            .send()
            .await
            .unwrap();
        assert_eq!(past.status(), 416);
        assert_eq!(
            past.headers()[header::CONTENT_RANGE],
            format!("bytes */{SIZE}").as_str()
        );
        assert_eq!(sim.counters().route("media video"), 4);
    }
}
