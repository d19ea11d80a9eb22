//! `seedance generate`: validate, submit, then wait and download (or print the handle).

use std::time::Duration;

use anyhow::{Context, Result};
use seedance_sdk::{Client, Error, VideoRequest};
use seedance_sim::{Sim, SimConfig};
use serde_json::json;

use super::{
    SIM_API_KEY, Server, Target, client, resume::resume_command, sim::task_duration, tasks,
    wait_and_download,
};
use crate::{args::GenerateArgs, output, progress::Progress, text::printable};

/// How long a task takes in the in-process simulator, unless `SEEDANCE_SIM_TASK_SECONDS` says.
const SIM_TASK_SECONDS: f64 = 3.0;

/// Runs `seedance generate`.
pub(crate) async fn run(args: GenerateArgs) -> Result<()> {
    let provider = args.provider;
    let json = args.print.json;
    let request = request(&args);
    // Refuse invalid input first: validation reads local files but needs no key and sends nothing.
    seedance_sdk::validate(provider, &request).await?;
    let target = if args.no_wait {
        None
    } else {
        Some(Target::check(args.finish.output.as_deref())?)
    };

    let sim = if args.sim {
        Some(start_sim().await?)
    } else {
        None
    };
    let client = match &sim {
        Some(sim) => Client::builder(provider)
            .api_key(SIM_API_KEY)
            .base_url(sim.base_url(provider.as_str()))
            .build()?,
        None => client(
            provider,
            Server {
                base_url: args.base_url.as_deref(),
                allow_insecure_http: args.allow_insecure_http,
            },
            None,
        )?,
    };
    let handle = match client.submit(&request).await {
        Ok(handle) => handle,
        Err(err) => {
            if let Error::OutcomeUnknown { submitted_at, .. } = &err {
                // Where the provider can list tasks, the ones this submit may have created.
                let candidates =
                    tasks::submitted_candidates(&client, &request, *submitted_at).await;
                if json {
                    // A possibly paid task: a script must learn of it on stdout, not only in a log.
                    output::print_json(&json!({
                        "status": "outcome_unknown",
                        "error": format!("{err:#}"),
                        "provider": provider,
                        "submitted_at": submitted_at,
                        "candidates": candidates,
                    }));
                } else if let Some(handles) = &candidates {
                    tasks::print_candidates(provider, handles, args.allow_insecure_http);
                }
            }
            return Err(err.into());
        }
    };
    let Some(target) = target else {
        if sim.is_some() {
            eprintln!(
                "note: the simulator stops with this command; to resume tasks later, run `seedance sim` and pass its URL with --base-url"
            );
        }
        output::submitted(&handle, json);
        return Ok(());
    };
    let progress = Progress::new();
    progress.note(&format!(
        "submitted task {}; resume with: {}",
        printable(&handle.task_id),
        resume_command(&handle, args.allow_insecure_http)
    ));
    let result = wait_and_download(
        &client,
        &handle,
        args.finish.timeout,
        args.finish.cancel_on_timeout,
        &target,
        json,
        progress,
    )
    .await;
    if let Err(err) = &result
        && json
    {
        // The task was submitted (and may be paid for): stdout still names it, so a script can
        // resume it.
        output::failed_after_submit(&handle, err);
    }
    result
}

/// The request the flags describe; a flag not given leaves its field unset.
fn request(args: &GenerateArgs) -> VideoRequest {
    let builder = VideoRequest::builder(args.prompt.as_str()).model(args.model);
    let builder = match (&args.first_frame, &args.last_frame) {
        (Some(first), Some(last)) => builder.first_last_frames(first.as_str(), last.as_str()),
        (Some(first), None) => builder.first_frame(first.as_str()),
        _ if !args.reference_image.is_empty() || !args.reference_audio.is_empty() => builder
            .references(
                args.reference_image.iter().map(String::as_str),
                Vec::<String>::new(),
                args.reference_audio.iter().map(String::as_str),
            ),
        _ => builder,
    };
    VideoRequest {
        duration: args.duration,
        resolution: args.resolution,
        ratio: args.ratio,
        seed: args.seed,
        camera_fixed: args.camera_fixed.then_some(true),
        generate_audio: args.no_audio.then_some(false),
        watermark: args.watermark.then_some(true),
        fps: args.fps,
        service_tier: args.service_tier,
        execution_expires_after: args.expires_after,
        return_last_frame: args.return_last_frame.then_some(true),
        callback_url: args.callback_url.clone(),
        ..builder.build()
    }
}

/// Starts the simulator in this process; tasks take `SEEDANCE_SIM_TASK_SECONDS` (default 3 s).
async fn start_sim() -> Result<Sim> {
    let task_duration = match std::env::var("SEEDANCE_SIM_TASK_SECONDS") {
        Ok(text) => {
            // Not a number is out of range too: one message for both.
            let seconds = text.trim().parse::<f64>().unwrap_or(f64::NAN);
            task_duration(seconds, &format!("SEEDANCE_SIM_TASK_SECONDS {text:?}"))?
        }
        Err(_) => Duration::from_secs_f64(SIM_TASK_SECONDS),
    };
    let config = SimConfig {
        task_duration,
        ..SimConfig::default()
    };
    Sim::start(config)
        .await
        .context("cannot start the simulator; check that a local port can be bound")
}

#[cfg(test)]
mod tests {
    use clap::Parser;
    use seedance_sdk::{Inputs, Media, Model, Resolution};

    use super::*;
    use crate::args::{Cli, Command};

    fn parse(line: &[&str]) -> VideoRequest {
        let cli = Cli::try_parse_from(line).unwrap();
        let Command::Generate(args) = cli.command else {
            panic!("not generate")
        };
        request(&args)
    }

    #[test]
    fn flags_not_given_are_not_sent() {
        let request = parse(&["seedance", "generate", "a cat", "--provider", "jiekou"]);
        assert_eq!(request, VideoRequest::new("a cat"));
    }

    #[test]
    fn every_flag_maps_to_its_field() {
        let request = parse(&[
            "seedance",
            "generate",
            "a cat",
            "--provider",
            "modellix",
            "--model",
            "seedance-2.0-fast",
            "--reference-image",
            "https://example.com/a.png",
            "--reference-image",
            "b.png",
            "--reference-audio",
            "https://example.com/a.mp3",
            "--duration",
            "5",
            "--resolution",
            "720p",
            "--ratio",
            "9:16",
            "--seed",
            "-1",
            "--camera-fixed",
            "--no-audio",
            "--watermark",
            "--fps",
            "24",
            "--service-tier",
            "flex",
            "--return-last-frame",
            "--callback-url",
            "https://example.com/cb",
            "--expires-after",
            "3600",
        ]);
        assert_eq!(request.model, Model::Seedance20Fast);
        assert_eq!(
            request.inputs,
            Inputs::References {
                images: vec![
                    Media::Url("https://example.com/a.png".into()),
                    Media::Path("b.png".into())
                ],
                videos: vec![],
                audio: vec![Media::Url("https://example.com/a.mp3".into())],
            }
        );
        assert_eq!(request.duration, Some(5.into()));
        assert_eq!(request.resolution, Some(Resolution::P720));
        assert_eq!(request.ratio, Some(seedance_sdk::Ratio::R9x16));
        assert_eq!(request.seed, Some(-1));
        assert_eq!(request.camera_fixed, Some(true));
        assert_eq!(request.generate_audio, Some(false));
        assert_eq!(request.watermark, Some(true));
        assert_eq!(request.fps, Some(24));
        assert_eq!(request.service_tier, Some(seedance_sdk::ServiceTier::Flex));
        assert_eq!(request.return_last_frame, Some(true));
        assert_eq!(
            request.callback_url.as_deref(),
            Some("https://example.com/cb")
        );
        assert_eq!(request.execution_expires_after, Some(3600));
    }

    #[test]
    fn frames() {
        let request = parse(&[
            "seedance",
            "generate",
            "p",
            "--provider",
            "odkkk",
            "--first-frame",
            "https://e.com/1.png",
            "--last-frame",
            "https://e.com/2.png",
        ]);
        assert_eq!(
            request.inputs,
            Inputs::FirstLastFrames {
                first: Media::Url("https://e.com/1.png".into()),
                last: Media::Url("https://e.com/2.png".into()),
            }
        );
    }
}
