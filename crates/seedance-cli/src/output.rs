//! What goes to stdout: the handle, the output path, or one JSON object with `--json`.
//!
//! Human output escapes provider-supplied text ([`printable`]); JSON output is escaped by
//! serde_json plus [`json_safe`].

use std::path::Path;

use seedance_sdk::{TaskHandle, TaskStatus, Video};
use serde_json::{Value, json};

use crate::{
    progress::describe,
    text::{json_safe, printable},
};

/// Prints the handle of a submitted task.
pub(crate) fn submitted(handle: &TaskHandle, json: bool) {
    if json {
        print_json(&json!({
            "provider": handle.provider,
            "task_id": handle.task_id,
            "handle": handle,
            "handle_text": handle.to_string(),
        }));
    } else {
        // The handle is JSON: escaping keeps it a valid handle for the same task.
        println!("{}", json_safe(&handle.to_string()));
    }
}

/// Prints, with `--json`, the task a failed `generate` submitted, so that a script can resume it
/// with the handle.
pub(crate) fn failed_after_submit(handle: &TaskHandle, err: &anyhow::Error) {
    print_json(&json!({
        "status": "error",
        "error": format!("{err:#}"),
        "provider": handle.provider,
        "task_id": handle.task_id,
        "handle": handle,
        "handle_text": handle.to_string(),
    }));
}

/// Prints the result of a finished and downloaded task.
pub(crate) fn finished(handle: &TaskHandle, video: &Video, output: &Path, bytes: u64, json: bool) {
    if json {
        print_json(&json!({
            "status": "succeeded",
            "provider": handle.provider,
            "task_id": handle.task_id,
            "video_url": video.video_url,
            "last_frame_url": video.last_frame_url,
            "expires_at": video.expires_at,
            "output": output,
            "bytes": bytes,
            "handle": handle,
        }));
    } else {
        println!("{}", printable(&output.display().to_string()));
    }
}

/// Prints the status of a task.
pub(crate) fn status(handle: &TaskHandle, status: &TaskStatus, json: bool) {
    if json {
        let mut object = json!({ "provider": handle.provider, "task_id": handle.task_id });
        if let (Value::Object(object), Ok(Value::Object(fields))) =
            (&mut object, serde_json::to_value(status))
        {
            object.extend(fields);
        }
        print_json(&object);
    } else {
        match status {
            TaskStatus::Succeeded(video) => {
                println!("succeeded {}", printable(&video.video_url));
            }
            other => println!("{}", describe(other)),
        }
    }
}

/// Prints `value` as one line of JSON, with no raw control character.
pub(crate) fn print_json(value: &Value) {
    println!("{}", json_safe(&value.to_string()));
}
