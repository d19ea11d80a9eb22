//! The media origin: result videos and last frames, on their own port, expiring after the
//! configured lifetime (answered with 410 Gone). Videos honour single `Range` requests (206 with
//! `Content-Range`, `If-Range` against their `ETag`, 416 past the end), as real CDNs do, so a
//! broken transfer can resume. A video is an MP4 (`/videos/<task id>.mp4`), or a QuickTime
//! movie (`/videos/<task id>.mov`) for an Ark task that asked for `output_format: "mov"`.

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
/// The same video as a QuickTime movie (`ftyp` brand `qt  `), for Ark's `output_format: "mov"`.
const SAMPLE_MOV: &[u8] = include_bytes!("../fixtures/sample.mov");
const LAST_FRAME_JPG: &[u8] = include_bytes!("../fixtures/last-frame.jpg");

pub(crate) fn router(state: Arc<State>) -> Router {
    Router::new()
        .route("/videos/{file}", get(video))
        .route("/frames/{file}", get(frame))
        .with_state(state)
}

/// The container of a result video.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum Container {
    /// ISO base media, brand `isom` (every provider's default).
    #[default]
    Mp4,
    /// QuickTime, brand `qt  `: Ark's `output_format: "mov"` (Seedance 2.5; H.264 yuv444p with
    /// PCM audio upstream, per EvoLink's Seedance 2.5 reference; the fixture keeps the MP4's
    /// streams).
    Mov,
}

impl Container {
    /// The file extension of its URLs.
    pub(crate) fn extension(self) -> &'static str {
        match self {
            Container::Mp4 => "mp4",
            Container::Mov => "mov",
        }
    }

    fn content_type(self) -> &'static str {
        match self {
            Container::Mp4 => "video/mp4",
            Container::Mov => "video/quicktime",
        }
    }

    fn fixture(self) -> &'static [u8] {
        match self {
            Container::Mp4 => SAMPLE_MP4,
            Container::Mov => SAMPLE_MOV,
        }
    }
}

fn task_of(state: &State, file: &str, extension: &str) -> Option<crate::state::Task> {
    let id = file.strip_suffix(extension)?;
    state.task(id)
}

/// The task whose video `file` names: its id with the extension of the task's container (a
/// task's video exists in one container only, as a CDN object has one name).
fn video_task_of(state: &State, file: &str) -> Option<crate::state::Task> {
    let (id, extension) = file.rsplit_once('.')?;
    state
        .task(id)
        .filter(|task| task.container.extension() == extension)
}

async fn video(
    Extract(state): Extract<Arc<State>>,
    Path(file): Path<String>,
    headers: HeaderMap,
) -> Response {
    state.count("media video");
    let faults = state.faults.pick(None, Route::Video);
    apply_delays(&faults).await;
    let Some(task) = video_task_of(&state, &file) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    if state.result_expired(&task) {
        return (StatusCode::GONE, "the result URL has expired").into_response();
    }
    let fixture = task.container.fixture();
    let size = state
        .config
        .video_size
        .unwrap_or(fixture.len() as u64)
        .max(fixture.len() as u64);
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
        .header(header::CONTENT_TYPE, task.container.content_type())
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
        .body(Body::from_stream(video_bytes(
            fixture,
            start,
            start + sent,
            end,
        )))
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

/// Bytes `start..stop` of the video (`fixture` followed by zero padding up to its size), in
/// chunks of at most 1 MiB; then, when `stop` falls short of `end`, a broken connection.
fn video_bytes(
    fixture: &'static [u8],
    start: u64,
    stop: u64,
    end: u64,
) -> impl futures_util::Stream<Item = Result<Bytes, std::io::Error>> {
    const CHUNK: u64 = 1024 * 1024;
    let fixture_len = fixture.len() as u64;
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
                Bytes::from_static(&fixture[position as usize..stop.min(fixture_len) as usize])
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
            failure: None,
            return_last_frame: false,
            container: Container::Mp4,
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

    /// A mov task's video is the QuickTime fixture, served as `video/quicktime` under `.mov`
    /// only, with the same ranges as an MP4.
    #[tokio::test]
    async fn a_mov_video_is_served_as_quicktime_with_ranges() {
        let sim = Sim::start(SimConfig {
            task_duration: std::time::Duration::ZERO,
            ..SimConfig::default()
        })
        .await
        .unwrap();
        let id = sim.state.create(NewTask {
            provider: "ark",
            model: "m",
            prompt: "a prompt",
            outcome: Outcome::Succeed,
            failure: None,
            return_last_frame: false,
            container: Container::Mov,
            hold_queued: None,
            request: serde_json::Value::Null,
        });
        let url = format!("http://{}/videos/{id}.mov", sim.media_addr());
        seedance_runtime::install_crypto_provider();
        let http = reqwest::Client::new();

        let whole = http.get(&url).send().await.unwrap();
        assert_eq!(whole.status(), 200);
        assert_eq!(whole.headers()[header::CONTENT_TYPE], "video/quicktime");
        let whole = whole.bytes().await.unwrap();
        assert!(whole == SAMPLE_MOV, "the mov fixture");
        // ftyp, 20 bytes: major brand `qt  `, minor version 0x200, compatible brand `qt  `.
        assert_eq!(&whole[..20], b"\0\0\0\x14ftypqt  \0\0\x02\0qt  ");
        assert_ne!(SAMPLE_MOV, SAMPLE_MP4);

        let tail = http
            .get(&url)
            .header(header::RANGE, "bytes=-100")
            .send()
            .await
            .unwrap();
        assert_eq!(tail.status(), 206);
        assert_eq!(tail.headers()[header::CONTENT_TYPE], "video/quicktime");
        let n = SAMPLE_MOV.len();
        assert_eq!(
            tail.headers()[header::CONTENT_RANGE],
            format!("bytes {}-{}/{n}", n - 100, n - 1).as_str()
        );
        assert_eq!(&tail.bytes().await.unwrap()[..], &SAMPLE_MOV[n - 100..]);

        // The task's video has one name: its .mp4 twin does not exist.
        let mp4 = format!("http://{}/videos/{id}.mp4", sim.media_addr());
        assert_eq!(http.get(&mp4).send().await.unwrap().status(), 404);
    }
}
