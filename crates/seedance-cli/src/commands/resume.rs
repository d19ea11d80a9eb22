//! `seedance status`, `wait` and `download`: resume a task from the handle `generate --no-wait`
//! printed.

use anyhow::{Result, bail};
use seedance_sdk::{Client, Error, TaskHandle};

use super::{Server, Target, client, download as download_video, wait_and_download};
use crate::{
    args::{DownloadArgs, HandleArgs, ServerArgs, WaitArgs},
    history, output,
    progress::{Progress, describe},
    text::{json_safe, printable, shell_quote},
};

/// The handle and a client for it. The client talks to the handle's server only if this process
/// trusts it (`--base-url`, `<PROVIDER>_BASE_URL` or the provider's documented server).
pub(crate) fn resume(arg: &str, server: &ServerArgs) -> Result<(TaskHandle, Client)> {
    let handle = read_handle(arg)?;
    let client = client(handle.provider, Server::from(server), Some(&handle))?;
    Ok((handle, client))
}

/// Runs `seedance status`.
pub(crate) async fn status(args: HandleArgs) -> Result<()> {
    let (handle, client) = resume(&args.handle, &args.server)?;
    let status = client.status(&handle).await?;
    output::status(&handle, &status, args.print.json);
    Ok(())
}

/// Runs `seedance wait`.
pub(crate) async fn wait(args: WaitArgs) -> Result<()> {
    let (handle, client) = resume(&args.handle, &args.server)?;
    let target = Target::check(args.finish.output.as_deref())?;
    let (timeout, json) = (args.finish.timeout, args.print.json);
    let cancel = args.finish.cancel_on_timeout;
    // A handle does not say which model, resolution and duration its task has: the history
    // does when `generate` recorded the task there.
    let mut recorder = history::resumed(&args.history, &handle);
    wait_and_download(
        &client,
        &handle,
        timeout,
        cancel,
        recorder.as_mut(),
        &target,
        json,
        Progress::new(),
    )
    .await
}

/// Runs `seedance download`.
pub(crate) async fn download(args: DownloadArgs) -> Result<()> {
    let (handle, client) = resume(&args.handle, &args.server)?;
    let target = Target::check(Some(&args.output))?;
    let status = client.status(&handle).await?;
    let summary = describe(&status);
    let Some(video) = status.into_result(&handle)? else {
        bail!(
            "task {} is not finished yet ({summary}); run `seedance wait` with its handle",
            printable(&handle.task_id)
        );
    };
    download_video(
        &client,
        &handle,
        &video,
        &target.path(&handle),
        args.print.json,
        Progress::new(),
    )
    .await
}

/// Reads a handle given as its JSON text, or as `@FILE` holding it.
fn read_handle(arg: &str) -> Result<TaskHandle, Error> {
    let text = match arg.strip_prefix('@') {
        Some(path) => std::fs::read_to_string(path)
            .map_err(|err| Error::InvalidHandle(format!("cannot read {path}: {err}")))?,
        None => arg.to_owned(),
    };
    let handle: TaskHandle = text.parse()?;
    // A control character in a task id is never legitimate, and would reach the terminal and the
    // request path.
    if handle.task_id.chars().any(char::is_control) {
        return Err(Error::InvalidHandle(format!(
            "the task id {} contains control characters; no provider issues such ids",
            printable(&handle.task_id)
        )));
    }
    Ok(handle)
}

/// The command that resumes `handle`, quoted for a POSIX shell, with the `--base-url` the handle
/// needs when its server is not one the provider documents.
pub(crate) fn resume_command(handle: &TaskHandle, allow_insecure_http: bool) -> String {
    let mut command = format!(
        "seedance wait {}",
        shell_quote(&json_safe(&handle.to_string()))
    );
    let documented = handle
        .provider
        .documented_base_urls()
        .iter()
        .any(|url| url.trim_end_matches('/') == handle.base_url.trim_end_matches('/'));
    if !documented {
        command.push_str(" --base-url ");
        command.push_str(&shell_quote(&json_safe(&handle.base_url)));
        if allow_insecure_http {
            command.push_str(" --allow-insecure-http");
        }
    }
    command
}

#[cfg(test)]
mod tests {
    use seedance_sdk::Provider;

    use super::*;
    use crate::commands::tests::handle;

    #[test]
    fn the_resume_command_is_one_shell_word_per_argument() {
        let dir = std::env::temp_dir().join(format!("seedance-resume-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        for (base_url, task_id) in [
            ("https://ai.odkkk.com/apiv1", "task-1"),
            ("http://127.0.0.1:9/apiv1", "x'; touch PWNED; echo '"),
            ("http://127.0.0.1:9/a'b", "$(touch PWNED)`touch PWNED`\"'"),
            ("https://api.evolink.ai", "a\u{9b}b\u{202e}c"),
        ] {
            let handle = handle(base_url, task_id);
            let command = resume_command(&handle, true);
            let args = command
                .strip_prefix("seedance ")
                .expect("the command runs seedance");
            // Each argument on its own NUL-terminated record, as the shell split them.
            let output = std::process::Command::new("sh")
                .arg("-c")
                .arg(format!("printf '%s\\0' {args}"))
                .current_dir(&dir)
                .output()
                .unwrap();
            assert!(output.status.success(), "{command}");
            assert!(!dir.join("PWNED").exists(), "{command} ran a command");
            let stdout = String::from_utf8(output.stdout).unwrap();
            let words: Vec<&str> = stdout.trim_end_matches('\0').split('\0').collect();
            assert_eq!(words[0], "wait", "{command}");
            let resumed: TaskHandle = words[1].parse().unwrap();
            assert_eq!(resumed, handle, "{command}");
            if Provider::Odkkk.documented_base_urls().contains(&base_url) {
                assert_eq!(words.len(), 2, "{command}");
            } else {
                assert_eq!(
                    words[2..],
                    ["--base-url", base_url, "--allow-insecure-http"],
                    "{command}"
                );
            }
        }
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn handles_with_control_characters_are_refused() {
        let text = |task_id: &str| handle("https://ai.odkkk.com/apiv1", task_id).to_string();
        assert!(read_handle(&text("task-1")).is_ok());
        for task_id in ["a\u{1b}[31m", "a\nb", "a\u{9b}b", "a\u{7f}"] {
            let err = read_handle(&text(task_id)).unwrap_err();
            assert!(matches!(err, Error::InvalidHandle(_)), "{err}");
            assert!(err.to_string().contains("control characters"), "{err}");
            assert!(!err.to_string().chars().any(char::is_control), "{err}");
        }
    }
}
