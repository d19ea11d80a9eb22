//! Resume a task from a handle printed by another process (for example `t2v` interrupted after
//! submitting): check its status, and download the video if it is done.
//!
//! `cargo run -p seedance --example resume -- '<HANDLE JSON>' out.mp4`

use seedance_sdk::{Client, TaskHandle, TaskStatus};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let handle: TaskHandle = args
        .next()
        .ok_or("usage: resume <HANDLE> [OUTPUT]")?
        .parse()?;
    let output = args.next().unwrap_or_else(|| "resumed.mp4".into());

    // The key comes from the provider's environment variable; the URL from the handle.
    let client = Client::from_env_for(&handle)?;
    match client.status(&handle).await? {
        TaskStatus::Succeeded(video) => {
            client.download(&video, output.as_ref()).await?;
            eprintln!("wrote {output}");
        }
        other if other.is_terminal() => eprintln!("the task ended without a video: {other:?}"),
        other => eprintln!("still in progress: {other:?}; run again later"),
    }
    Ok(())
}
