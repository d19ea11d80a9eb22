//! Text to video: submit, wait, download.
//!
//! `MODELLIX_API_KEY=... cargo run -p seedance --example t2v -- "a red fox in the snow" fox.mp4`

use seedance_sdk::{Client, Provider, Ratio, VideoRequest, WaitOptions};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let prompt = args
        .next()
        .unwrap_or_else(|| "A red fox walking through fresh snow".into());
    let output = args.next().unwrap_or_else(|| "t2v.mp4".into());

    let client = Client::from_env(Provider::Modellix)?;
    let request = VideoRequest::builder(prompt)
        .duration(5)
        .ratio(Ratio::R16x9)
        .build();
    let handle = client.submit(&request).await?;
    eprintln!("submitted: {handle}");
    let video = client.wait(&handle, WaitOptions::default()).await?;
    let bytes = client.download(&video, output.as_ref()).await?;
    eprintln!("wrote {output} ({bytes} bytes)");
    Ok(())
}
