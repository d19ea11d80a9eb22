//! The media origin: result videos and last frames, on their own port, expiring after the
//! configured lifetime (answered with 410 Gone).

use std::{convert::Infallible, sync::Arc};

use axum::{
    Router,
    body::Body,
    extract::{Path, State as Extract},
    http::{StatusCode, header},
    response::{IntoResponse, Response},
    routing::get,
};
use bytes::Bytes;

use crate::{
    faults::{Fault, Route},
    providers::{apply_delays, broken_body},
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

async fn video(Extract(state): Extract<Arc<State>>, Path(file): Path<String>) -> Response {
    state.count("media video");
    let faults = state.faults.pick(None, Route::Video);
    apply_delays(&faults).await;
    let Some(task) = task_of(&state, &file, ".mp4") else {
        return StatusCode::NOT_FOUND.into_response();
    };
    if state.result_expired(&task) {
        return (StatusCode::GONE, "the result URL has expired").into_response();
    }
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
            Fault::DropConnection => {
                return broken_body("video/mp4", Bytes::new(), SAMPLE_MP4.len());
            }
            Fault::TruncateBody => {
                return broken_body(
                    "video/mp4",
                    Bytes::from_static(&SAMPLE_MP4[..SAMPLE_MP4.len() / 2]),
                    SAMPLE_MP4.len(),
                );
            }
            _ => {}
        }
    }
    let size = state
        .config
        .video_size
        .unwrap_or(SAMPLE_MP4.len() as u64)
        .max(SAMPLE_MP4.len() as u64);
    Response::builder()
        .header(header::CONTENT_TYPE, "video/mp4")
        .header(header::CONTENT_LENGTH, size)
        .body(Body::from_stream(padded_video(size)))
        .expect("static response parts are valid")
}

/// The fixture followed by zero padding up to `size` bytes, in 1 MiB chunks.
fn padded_video(size: u64) -> impl futures_util::Stream<Item = Result<Bytes, Infallible>> {
    const CHUNK: u64 = 1024 * 1024;
    let zeros = Bytes::from(vec![0u8; CHUNK as usize]);
    let padding = size - SAMPLE_MP4.len() as u64;
    let first = futures_util::stream::once(async { Ok(Bytes::from_static(SAMPLE_MP4)) });
    let rest = futures_util::stream::unfold(padding, move |left| {
        let zeros = zeros.clone();
        async move {
            (left > 0).then(|| {
                let n = left.min(CHUNK);
                (Ok(zeros.slice(..n as usize)), left - n)
            })
        }
    });
    futures_util::StreamExt::chain(first, rest)
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
