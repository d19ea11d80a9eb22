//! `seedance status`, `wait` and `download`: resume a task from the handle `generate --no-wait`
//! printed.

use anyhow::{Result, bail};
use seedance_sdk::{Client, TaskHandle};

use super::{
    Server, Target, client, download as download_video, read_handle, video_of, wait_and_download,
};
use crate::{
    args::{DownloadArgs, ServerArgs, StatusArgs, WaitArgs},
    output,
    progress::{Progress, describe},
    text::printable,
};

/// The handle and a client for it. The client talks to the handle's server only if this process
/// trusts it (`--base-url`, `<PROVIDER>_BASE_URL` or the provider's documented server).
fn resume(arg: &str, server: &ServerArgs) -> Result<(TaskHandle, Client)> {
    let handle = read_handle(arg)?;
    let client = client(handle.provider, Server::from(server), Some(&handle))?;
    Ok((handle, client))
}

/// Runs `seedance status`.
pub(crate) async fn status(args: StatusArgs) -> Result<()> {
    let (handle, client) = resume(&args.handle, &args.server)?;
    let status = client.status(&handle).await?;
    output::status(&handle, &status, args.json);
    Ok(())
}

/// Runs `seedance wait`.
pub(crate) async fn wait(args: WaitArgs) -> Result<()> {
    let (handle, client) = resume(&args.handle, &args.server)?;
    let target = Target::check(args.output.as_deref())?;
    let progress = Progress::new();
    wait_and_download(&client, &handle, args.timeout, &target, args.json, progress).await
}

/// Runs `seedance download`.
pub(crate) async fn download(args: DownloadArgs) -> Result<()> {
    let (handle, client) = resume(&args.handle, &args.server)?;
    let target = Target::check(Some(&args.output))?;
    let status = client.status(&handle).await?;
    let summary = describe(&status);
    let Some(video) = video_of(&handle, status)? else {
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
        args.json,
        Progress::new(),
    )
    .await
}
