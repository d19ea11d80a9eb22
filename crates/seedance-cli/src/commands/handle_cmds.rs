//! `seedance status`, `wait` and `download`: resume a task from the handle `generate --no-wait`
//! printed.

use anyhow::{Result, bail};
use seedance::{Client, TaskHandle};

use super::{client, download as download_video, read_handle, video_of, wait_and_download};
use crate::{
    args::{DownloadArgs, StatusArgs, WaitArgs},
    output,
    progress::{Progress, describe},
};

/// The handle and a client for it (the base URL comes from the handle).
fn resume(arg: &str) -> Result<(TaskHandle, Client)> {
    let handle = read_handle(arg)?;
    let client = client(handle.provider, Some(&handle.base_url))?;
    Ok((handle, client))
}

/// Runs `seedance status`.
pub(crate) async fn status(args: StatusArgs) -> Result<()> {
    let (handle, client) = resume(&args.handle)?;
    let status = client.status(&handle).await?;
    output::status(&handle, &status, args.json);
    Ok(())
}

/// Runs `seedance wait`.
pub(crate) async fn wait(args: WaitArgs) -> Result<()> {
    let (handle, client) = resume(&args.handle)?;
    let progress = Progress::new();
    wait_and_download(
        &client,
        &handle,
        args.timeout,
        args.output,
        args.json,
        progress,
    )
    .await
}

/// Runs `seedance download`.
pub(crate) async fn download(args: DownloadArgs) -> Result<()> {
    let (handle, client) = resume(&args.handle)?;
    let status = client.status(&handle).await?;
    let summary = describe(&status);
    let Some(video) = video_of(&handle, status)? else {
        bail!(
            "task {} is not finished yet ({summary}); run `seedance wait` with its handle",
            handle.task_id
        );
    };
    download_video(
        &client,
        &handle,
        &video,
        &args.output,
        args.json,
        Progress::new(),
    )
    .await
}
