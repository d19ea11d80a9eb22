//! Image to video from a local file, sent inline as a `data:` URL after the documented checks
//! (format, size under 30 MB, sides 300-6000 px, aspect ratio 0.4-2.5).
//!
//! `JIEKOU_API_KEY=... cargo run -p seedance --example i2v_local_file -- first.png out.mp4`

use seedance_sdk::{Client, Provider, VideoRequest, WaitOptions};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let image = args
        .next()
        .ok_or("usage: i2v_local_file <IMAGE> [OUTPUT]")?;
    let output = args.next().unwrap_or_else(|| "i2v.mp4".into());

    let client = Client::from_env(Provider::Jiekou)?;
    let request = VideoRequest::builder("The subject turns and smiles at the camera")
        .first_frame(std::path::PathBuf::from(image))
        .build();
    // Refused here, before any request, if the file breaks a documented rule.
    client.validate(&request).await?;
    let handle = client.submit(&request).await?;
    let video = client.wait(&handle, WaitOptions::default()).await?;
    client.download(&video, output.as_ref()).await?;
    eprintln!("wrote {output}");
    Ok(())
}
