//! What goes to stdout: the handle, the output path, or one JSON object with `--json`.
//!
//! Human output escapes provider-supplied text ([`printable`]); JSON output is escaped by
//! serde_json plus [`json_safe`].

use std::path::Path;

use seedance_sdk::{Provider, TaskHandle, TaskStatus, TaskSummary, Usage, Video};
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
            "usage": video.usage,
            "seed": video.seed,
            "output": output,
            "bytes": bytes,
            "handle": handle,
        }));
    } else {
        if let Some(usage) = &video.usage {
            eprintln!("usage: {}", describe_usage(usage));
        }
        println!("{}", printable(&output.display().to_string()));
    }
}

/// A usage as words: `108900 tokens`, `8 credits`, `108900 tokens, 2 web searches`.
pub(crate) fn describe_usage(usage: &Usage) -> String {
    let mut parts = Vec::new();
    if let Some(tokens) = usage.completion_tokens.or(usage.total_tokens) {
        parts.push(format!("{tokens} tokens"));
    }
    if let Some(credits) = usage.credits {
        parts.push(format!("{credits} credits"));
    }
    if let Some(searches) = usage.web_searches {
        let plural = if searches == 1 { "" } else { "es" };
        parts.push(format!("{searches} web search{plural}"));
    }
    if parts.is_empty() {
        "not reported".into()
    } else {
        parts.join(", ")
    }
}

/// Prints that the task behind `handle` was `done` (`cancelled`, `deleted`).
pub(crate) fn task_done(handle: &TaskHandle, done: &str, json: bool) {
    if json {
        print_json(&json!({
            "status": done,
            "provider": handle.provider,
            "task_id": handle.task_id,
            "handle": handle,
        }));
    } else {
        println!("{done} {}", printable(&handle.task_id));
    }
}

/// Prints one listed task: status, task id, model id, creation time, then its handle (the
/// argument `wait`, `cancel` and `delete` take).
pub(crate) fn listed(task: &TaskSummary) {
    println!(
        "{}\t{}\t{}\t{}\t{}",
        describe(&task.status),
        printable(&task.handle.task_id),
        printable(task.model_id.as_deref().unwrap_or("-")),
        task.created_at
            .map_or_else(|| "-".to_owned(), |at| at.to_string()),
        json_safe(&task.handle.to_string()),
    );
}

/// Prints the listed tasks as one JSON object.
pub(crate) fn list_json(provider: Provider, tasks: &[TaskSummary]) {
    let tasks: Vec<Value> = tasks
        .iter()
        .map(|task| {
            let video = task.video();
            json!({
                "task_id": task.handle.task_id,
                "status": task.status.state().map(|s| s.as_str()),
                "model_id": task.model_id,
                "created_at": task.created_at,
                "video_url": video.map(|v| &v.video_url),
                "usage": video.and_then(|v| v.usage),
                "handle": task.handle,
                "handle_text": task.handle.to_string(),
            })
        })
        .collect();
    print_json(&json!({ "provider": provider, "count": tasks.len(), "tasks": tasks }));
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
            TaskStatus::Succeeded(video) => match &video.usage {
                Some(usage) => println!(
                    "succeeded {} (usage: {})",
                    printable(&video.video_url),
                    describe_usage(usage)
                ),
                None => println!("succeeded {}", printable(&video.video_url)),
            },
            other => println!("{}", describe(other)),
        }
    }
}

/// Prints `value` as one line of JSON, with no raw control character.
pub(crate) fn print_json(value: &Value) {
    println!("{}", json_safe(&value.to_string()));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usage_in_words() {
        let check = |usage: Usage, expected: &str| assert_eq!(describe_usage(&usage), expected);
        check(Usage::default(), "not reported");
        check(
            Usage {
                completion_tokens: Some(108_900),
                total_tokens: Some(108_900),
                ..Usage::default()
            },
            "108900 tokens",
        );
        check(
            Usage {
                credits: Some(8.0),
                ..Usage::default()
            },
            "8 credits",
        );
        check(
            Usage {
                completion_tokens: Some(108_900),
                web_searches: Some(2),
                ..Usage::default()
            },
            "108900 tokens, 2 web searches",
        );
        check(
            Usage {
                web_searches: Some(1),
                ..Usage::default()
            },
            "1 web search",
        );
    }
}
