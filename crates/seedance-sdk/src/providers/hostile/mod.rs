//! Hostile server answers fed to every provider mapping: whatever the JSON (NaN-free numbers
//! of any size, empty or huge strings, wrong types, missing or extra members, cut-off bodies),
//! the status, submit and error mappings never panic, never return an unusable task id, and
//! keep every provider-supplied string in an error or a status to about 1 KiB.

use proptest::{prelude::*, sample::Index, test_runner::TestRunner};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::{
    Submitted, ark, decode_error, find_task_id, jiekou, modellix, odkkk, plausible_task_id,
    retry_after, scan_task_id, with_request_id,
};
use crate::{Error, Provider, TaskStatus, text::TEXT_LIMIT};

/// The most bytes a bounded string takes (the limit plus the `…` marking a cut).
const BOUNDED: usize = TEXT_LIMIT + '…'.len_utf8();

/// A string far over the limit, as a hostile server would send.
fn huge() -> String {
    "x".repeat(5 * 1024 * 1024)
}

/// No string inside `err` is longer than one bounded string, so neither form is either; a few
/// bounded strings (message, code, body, request id) plus fixed words fit in 6 KiB.
fn assert_error_bounded(err: &Error) {
    let display = err.to_string();
    let debug = format!("{err:?}");
    assert!(
        display.len() <= 3 * BOUNDED,
        "Display is {} bytes",
        display.len()
    );
    assert!(debug.len() <= 6 * BOUNDED, "Debug is {} bytes", debug.len());
    if let Error::OutcomeUnknown { task_id, .. } = err {
        assert!(
            task_id.as_deref().is_none_or(plausible_task_id),
            "{task_id:?}"
        );
    }
}

/// The provider-supplied text of a status is bounded; the video URL is kept whole on purpose
/// (a cut URL is useless) and is checked elsewhere.
fn assert_status_bounded(status: &TaskStatus) {
    match status {
        TaskStatus::Failed { code, message } => {
            assert!(
                message.len() <= BOUNDED,
                "message is {} bytes",
                message.len()
            );
            assert!(code.as_ref().is_none_or(|c| c.len() <= BOUNDED));
        }
        TaskStatus::Unknown { raw } => assert!(raw.len() <= BOUNDED, "raw is {} bytes", raw.len()),
        TaskStatus::Running { eta, .. } => {
            assert!(eta.is_none_or(|eta| eta <= super::MAX_ESTIMATE), "{eta:?}");
        }
        _ => {}
    }
}

fn assert_mapped_status(result: Result<TaskStatus, Error>) {
    match result {
        Ok(status) => assert_status_bounded(&status),
        Err(err) => assert_error_bounded(&err),
    }
}

fn assert_mapped_submit(result: Result<Submitted, Error>) {
    match result {
        Ok(submitted) => {
            assert!(plausible_task_id(&submitted.task_id), "{submitted:?}");
            assert!(
                submitted
                    .estimated_seconds
                    .is_none_or(|s| s <= super::MAX_ESTIMATE.as_secs())
            );
        }
        Err(err) => assert_error_bounded(&err),
    }
}

/// Reads `bytes` as the generated client does: the generated type, else the decode path.
fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, serde_json::Error> {
    serde_json::from_slice(bytes)
}

/// Runs the status mapping of `provider` on a raw answer.
fn status_of(provider: Provider, bytes: &[u8]) -> Result<TaskStatus, Error> {
    let decode_failed = |err| Err(decode_error(provider, bytes, &err));
    match provider {
        Provider::Ark => {
            decode(bytes).map_or_else(decode_failed, |body| ark::map_status("cgt-1", body))
        }
        Provider::Modellix => decode(bytes).map_or_else(decode_failed, |body| {
            modellix::map_status("task-abc123", body)
        }),
        Provider::Jiekou => {
            decode(bytes).map_or_else(decode_failed, |body| jiekou::map_status("t-1", body))
        }
        Provider::Odkkk => {
            decode(bytes).map_or_else(decode_failed, |body| odkkk::map_status("t-1", body))
        }
    }
}

/// Runs the submit mapping of `provider` on a raw 2xx answer, as `submit_failure` does.
fn submit_of(provider: Provider, bytes: &[u8]) -> Result<Submitted, Error> {
    match provider {
        Provider::Ark => decode(bytes).map_or_else(
            |err| ark::map_submit_lenient(bytes, &err.to_string()),
            ark::map_submit,
        ),
        Provider::Modellix => decode(bytes).map_or_else(
            |err| modellix::map_submit_lenient(bytes, &err.to_string()),
            modellix::map_submit,
        ),
        Provider::Jiekou => decode(bytes).map_or_else(
            |err| jiekou::map_submit_lenient(bytes, &err.to_string()),
            jiekou::map_submit,
        ),
        Provider::Odkkk => decode(bytes).map_or_else(
            |err| odkkk::map_submit_lenient(bytes, &err.to_string()),
            odkkk::map_submit,
        ),
    }
}

/// Runs the error mapping of `provider` on an error answer with `status` and `headers`.
fn error_of(provider: Provider, status: u16, headers: &HeaderMap, bytes: &[u8]) -> Error {
    let err = match provider {
        Provider::Ark => decode(bytes).map(|body| ark::api_error(status, headers, body)),
        Provider::Modellix => decode(bytes).map(|body| modellix::api_error(status, headers, body)),
        Provider::Jiekou => decode(bytes).map(|body| jiekou::api_error(status, headers, body)),
        Provider::Odkkk => decode(bytes).map(|body| odkkk::api_error(status, headers, body)),
    };
    match err {
        Ok(err) => with_request_id(err, headers),
        Err(err) => decode_error(provider, bytes, &err),
    }
}

// ---- Deterministic hostile answers (each panicked or leaked whole text before the fix). ----

#[test]
fn jiekou_huge_eta_and_ttl_do_not_panic() {
    for eta in [1e20, f64::MAX, 1.8446744073709552e19, -1.0, 0.0] {
        let body = json!({"task": {"status": "TASK_STATUS_PROCESSING", "eta": eta}});
        let status = status_of(Provider::Jiekou, body.to_string().as_bytes()).unwrap();
        assert_eq!(
            status,
            TaskStatus::Running {
                progress: None,
                eta: None
            },
            "eta {eta}"
        );
    }
    let body = json!({"task": {"status": "TASK_STATUS_PROCESSING", "eta": 12.5, "progress_percent": 1e300}});
    let status = status_of(Provider::Jiekou, body.to_string().as_bytes()).unwrap();
    assert_eq!(
        status,
        TaskStatus::Running {
            progress: Some(100),
            eta: Some(std::time::Duration::from_millis(12_500))
        }
    );
    for ttl in [json!("18446744073709551615"), json!(i64::MAX)] {
        let body = json!({
            "task": {"status": "TASK_STATUS_SUCCEED"},
            "videos": [{"video_url": "https://cdn.example.com/v.mp4", "video_url_ttl": ttl}],
        });
        let TaskStatus::Succeeded(video) =
            status_of(Provider::Jiekou, body.to_string().as_bytes()).unwrap()
        else {
            panic!("a succeeded task");
        };
        assert!(!video.is_expired(), "{ttl}: {video:?}");
    }
}

#[test]
fn odkkk_insane_estimate_is_dropped() {
    let body = json!({"id": "task-1", "task_info": {"estimated_time": u64::MAX}});
    let submitted = submit_of(Provider::Odkkk, body.to_string().as_bytes()).unwrap();
    assert_eq!(submitted.estimated_seconds, None);
    // Negative: the generated type refuses it, the lenient read keeps the id and drops it.
    let body = json!({"id": "task-1", "task_info": {"estimated_time": -5}});
    let submitted = submit_of(Provider::Odkkk, body.to_string().as_bytes()).unwrap();
    assert_eq!(
        (submitted.task_id.as_str(), submitted.estimated_seconds),
        ("task-1", None)
    );
    let body = json!({"id": "task-1", "task_info": {"estimated_time": 120}});
    let submitted = submit_of(Provider::Odkkk, body.to_string().as_bytes()).unwrap();
    assert_eq!(submitted.estimated_seconds, Some(120));
}

/// A 5 MiB error message, failure reason, failure code, status word, request id and serde
/// message each come out at most about 1 KiB. The typed answers are built directly: parsing
/// megabytes of JSON in a debug build would only slow the test down.
#[test]
fn five_mib_provider_text_comes_out_bounded() {
    use seedance_jiekou::types as jt;
    use seedance_modellix::types as mt;
    use seedance_odkkk::types as ot;

    let huge = huge();
    let mut headers = HeaderMap::new();
    headers.insert("x-request-id", HeaderValue::from_str(&huge).unwrap());
    for status in [400, 429, 500] {
        let modellix = mt::ApiError {
            code: 500,
            message: huge.clone(),
        };
        let jiekou = jt::ErrorResponse {
            reason: Some(huge.clone()),
            message: Some(huge.clone()),
            ..Default::default()
        };
        let odkkk = ot::ErrorResponse {
            error: Some(ot::ErrorResponseError {
                message: Some(huge.clone()),
                type_: Some(huge.clone()),
                param: Some(huge.clone()),
                fallback_suggestion: Some(huge.clone()),
                code: Some(500),
            }),
        };
        for err in [
            modellix::api_error(status, &headers, modellix),
            jiekou::api_error(status, &headers, jiekou),
            odkkk::api_error(status, &headers, odkkk),
        ] {
            assert_error_bounded(&with_request_id(err, &headers));
        }
    }
    assert_error_bounded(&modellix::envelope_error(1001, &huge));

    let failed = |status: mt::TaskStatus, message: &str| mt::TaskQueryResponse {
        code: 0,
        message: message.to_owned(),
        data: Some(mt::TaskData {
            duration: None,
            model_id: None,
            result: None,
            status,
            task_id: "t".into(),
        }),
    };
    let jiekou_task = |status: jt::TaskStatus, reason: &str| jt::TaskResultResponse {
        task: Some(jt::TaskInfo {
            status: Some(status),
            reason: Some(reason.to_owned()),
            ..Default::default()
        }),
        ..Default::default()
    };
    let odkkk_task = |status: ot::TaskStatus| ot::TaskDetailResponse {
        created: 1,
        error: Some(ot::TaskDetailResponseError {
            code: Some(huge.clone()),
            message: Some(huge.clone()),
        }),
        id: "t".into(),
        model: "m".into(),
        object: ot::TaskObject::from("video.generation.task"),
        progress: 0,
        results: Vec::new(),
        status,
        task_info: None,
        type_: ot::TaskType::from("video"),
    };
    let statuses = [
        modellix::map_status("t", failed(mt::TaskStatus::Failed, &huge)),
        modellix::map_status("t", failed(mt::TaskStatus::Unknown(huge.clone()), "ok")),
        jiekou::map_status("t", jiekou_task(jt::TaskStatus::TaskStatusFailed, &huge)),
        jiekou::map_status("t", jiekou_task(jt::TaskStatus::Unknown(huge.clone()), "")),
        odkkk::map_status("t", odkkk_task(ot::TaskStatus::Failed)),
        odkkk::map_status("t", odkkk_task(ot::TaskStatus::Unknown(huge.clone()))),
    ];
    use seedance_ark::types as at;
    let ark_error = at::ErrorResponse {
        error: at::ErrorDetail {
            code: Some(huge.clone()),
            message: Some(huge.clone()),
            param: Some(huge.clone()),
            type_: Some(huge.clone()),
        },
    };
    for status in [400, 401, 403, 404, 429, 500] {
        let err = ark::api_error(status, &headers, ark_error.clone());
        assert_error_bounded(&with_request_id(err, &headers));
    }
    let ark_task = |status: at::TaskStatus| at::Task {
        error: Some(at::TaskError {
            code: Some(huge.clone()),
            message: Some(huge.clone()),
        }),
        status: Some(status),
        ..serde_json::from_value(json!({"id": "t"})).expect("a task")
    };
    let statuses = statuses.into_iter().chain([
        ark::map_status("t", ark_task(at::TaskStatus::Failed)),
        ark::map_status("t", ark_task(at::TaskStatus::Unknown(huge.clone()))),
    ]);
    for status in statuses {
        let status = status.expect("a status");
        match &status {
            TaskStatus::Failed { message, .. } => assert!(message.starts_with("xxx")),
            TaskStatus::Unknown { raw } => assert!(raw.starts_with("xxx")),
            other => panic!("{other:?}"),
        }
        assert_status_bounded(&status);
    }

    // serde quotes the value it refused: the decode error must bound it.
    let body = format!(r#"{{"created": 1, "id": "t", "progress": "{huge}"}}"#);
    assert_error_bounded(&status_of(Provider::Odkkk, body.as_bytes()).unwrap_err());

    for provider in Provider::ALL {
        let err = submit_of(provider, huge.as_bytes()).unwrap_err();
        assert_error_bounded(&err);
        let Error::OutcomeUnknown { body, .. } = err else {
            panic!("{provider}: {err:?}");
        };
        assert!(body.is_some_and(|b| b.len() <= BOUNDED));
    }
}

#[test]
fn task_ids_are_found_in_unreadable_answers() {
    let nested = json!({"weird": [{"meta": {"id": "req-1"}}, {"deep": {"taskId": "abc"}}]});
    assert_eq!(find_task_id(&nested).as_deref(), Some("abc"));
    assert_eq!(find_task_id(&json!({"id": "x1"})).as_deref(), Some("x1"));
    assert_eq!(find_task_id(&json!({"task_id": "", "id": 7})), None);
    for (text, expected) in [
        (r#"{"code":0,"data":{"task_id" : "abc","model"#, Some("abc")),
        (r#"{"id":"x","status":"pend"#, Some("x")),
        (r#"{"data":{"task_id":"ab"#, None),
        (r#"{"task_id":"a\"b"}"#, None),
        (r#"{"type":"id","n":1"#, None),
        ("<html>502</html>", None),
    ] {
        assert_eq!(scan_task_id(text).as_deref(), expected, "{text}");
    }
}

mod properties;
