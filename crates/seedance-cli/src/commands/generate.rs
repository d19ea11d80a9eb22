//! `seedance generate`: validate, submit, then wait and download (or print the handle).

use std::time::Duration;

use anyhow::{Context, Result};
use seedance_sdk::{Client, Error, Model, VideoRequest};
use seedance_sim::{Sim, SimConfig};
use serde_json::json;

use super::{
    SIM_API_KEY, Server, Target, client, resume::resume_command, sim::task_duration, tasks,
    wait_and_download,
};
use crate::{UsageError, args::GenerateArgs, history, output, progress::Progress, text::printable};

/// How long a task takes in the in-process simulator, unless `SEEDANCE_SIM_TASK_SECONDS` says.
const SIM_TASK_SECONDS: f64 = 3.0;

/// Runs `seedance generate`.
pub(crate) async fn run(args: GenerateArgs) -> Result<()> {
    let provider = args.provider;
    let json = args.print.json;
    let request = request(&args)?;
    if let Some(warning) = retired_warning(args.model) {
        eprintln!("{warning}");
    }
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
    // A warning, not a refusal: the host is documented and a user may know better.
    if let Some(reason) = seedance_sdk::video_unavailable(provider, client.base_url()) {
        eprintln!("warning: {reason}");
    }
    if let Some(note) = duration_note(&request) {
        eprintln!("{note}");
    }
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
    // Recorded before waiting, so `seedance wait` on the handle finds the task's key after
    // `--no-wait` or an interrupted wait.
    let key = history::HistoryKey::new(provider, &request);
    let mut recorder = history::submitted(&args.history, &handle, key);
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
        recorder.as_mut(),
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

/// The model when `--model` is not given.
const DEFAULT_MODEL: Model = Model::Seedance15Pro;

/// The request the flags describe; a flag not given leaves its field unset.
///
/// Only what the request's types cannot hold is refused here (two videos to edit); everything
/// else is left to `seedance_sdk::validate`, so the command line refuses what a library user's
/// request is refused for, with the same messages.
fn request(args: &GenerateArgs) -> Result<VideoRequest, UsageError> {
    let builder =
        VideoRequest::builder(args.prompt.as_str()).model(args.model.unwrap_or(DEFAULT_MODEL));
    let images = || args.reference_image.iter().map(String::as_str);
    let builder = if let Some(task_id) = &args.from_draft {
        builder.from_draft(task_id.as_str())
    } else if args.edit {
        let [video] = args.reference_video.as_slice() else {
            return Err(UsageError(format!(
                "--edit takes one --reference-video, the video to edit; {} given",
                args.reference_video.len()
            )));
        };
        builder.edit(video.as_str(), images())
    } else if args.extend {
        builder.extend(args.reference_video.iter().map(String::as_str))
    } else {
        match (&args.first_frame, &args.last_frame) {
            (Some(first), Some(last)) => builder.first_last_frames(first.as_str(), last.as_str()),
            (Some(first), None) => builder.first_frame(first.as_str()),
            _ if !args.reference_image.is_empty()
                || !args.reference_video.is_empty()
                || !args.reference_audio.is_empty() =>
            {
                builder.references(
                    images(),
                    args.reference_video.iter().map(String::as_str),
                    args.reference_audio.iter().map(String::as_str),
                )
            }
            _ => builder,
        }
    };
    // `edit` and `extend` set ratio and duration when unset: a flag given replaces them.
    let built = builder.build();
    Ok(VideoRequest {
        model_id: args.model_id.clone(),
        duration: args.duration.or(built.duration),
        frames: args.frames,
        resolution: args.resolution,
        ratio: args.ratio.or(built.ratio),
        seed: args.seed,
        camera_fixed: args.camera_fixed.then_some(true),
        generate_audio: args.no_audio.then_some(false),
        watermark: args.watermark.then_some(true),
        fps: args.fps,
        service_tier: args.service_tier,
        execution_expires_after: args.expires_after,
        return_last_frame: args.return_last_frame.then_some(true),
        callback_url: args.callback_url.clone(),
        priority: args.priority,
        draft: args.draft.then_some(true),
        safety_identifier: args.safety_identifier.clone(),
        ..built
    })
}

/// The note for a model that picks the duration itself when it is left unset (and bills it).
fn duration_note(request: &seedance_sdk::VideoRequest) -> Option<String> {
    (request.duration.is_none()
        && request.frames.is_none()
        && request.model.chooses_unset_duration()
        && !matches!(request.inputs, seedance_sdk::Inputs::FromDraft { .. }))
    .then(|| {
        format!(
            "note: {} picks the duration itself when it is unset (about 10 s in third-party tests, billed as such); set --duration N to choose it, or --duration auto to leave it to the model",
            request.model
        )
    })
}

/// The warning for a model upstream marks retired, when the user chose it.
fn retired_warning(model: Option<Model>) -> Option<String> {
    let model = model?;
    let replacement = model.replacement()?;
    Some(format!(
        "warning: {model} is retired upstream; its recommended replacement is {replacement} (--model {replacement})"
    ))
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
    use seedance_sdk::{Inputs, Media, Model, Ratio, Resolution, VideoDuration};

    use super::*;
    use crate::args::{Cli, Command};

    fn parse(line: &[&str]) -> VideoRequest {
        let cli = Cli::try_parse_from(line).unwrap();
        let Command::Generate(args) = cli.command else {
            panic!("not generate")
        };
        request(&args).unwrap()
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
    fn ark_flags_map_to_their_fields() {
        let request = parse(&[
            "seedance",
            "generate",
            "a cat",
            "--provider",
            "ark",
            "--model",
            "seedance-2.0",
            "--model-id",
            "ep-20260101-abc",
            "--reference-image",
            "https://example.com/a.png",
            "--reference-video",
            "asset://video-1",
            "--reference-audio",
            "clip.wav",
            "--duration",
            "auto",
            "--priority",
            "3",
            "--safety-identifier",
            "user-hash",
        ]);
        assert_eq!(request.model, Model::Seedance20);
        assert_eq!(request.model_id.as_deref(), Some("ep-20260101-abc"));
        assert_eq!(
            request.inputs,
            Inputs::References {
                images: vec![Media::Url("https://example.com/a.png".into())],
                videos: vec!["asset://video-1".into()],
                audio: vec![Media::Path("clip.wav".into())],
            }
        );
        assert_eq!(request.duration, Some(VideoDuration::Auto));
        assert_eq!(request.priority, Some(3));
        assert_eq!(request.safety_identifier.as_deref(), Some("user-hash"));

        let lite = parse(&[
            "seedance",
            "generate",
            "p",
            "--provider",
            "ark",
            "--model",
            "seedance-1.0-lite",
            "--frames",
            "29",
        ]);
        assert_eq!((lite.frames, lite.duration), (Some(29), None));
        let draft = parse(&["seedance", "generate", "p", "--provider", "ark", "--draft"]);
        assert_eq!(draft.draft, Some(true));
        let from_draft = parse(&[
            "seedance",
            "generate",
            "p",
            "--provider",
            "ark",
            "--from-draft",
            "cgt-1",
        ]);
        assert_eq!(
            from_draft.inputs,
            Inputs::FromDraft {
                task_id: "cgt-1".into()
            }
        );
    }

    #[test]
    fn edit_and_extend_take_the_reference_videos_and_keep_the_shape() {
        let edit = parse(&[
            "seedance",
            "generate",
            "snow",
            "--provider",
            "ark",
            "--model",
            "seedance-2.0",
            "--edit",
            "--reference-video",
            "https://e.com/v.mp4",
            "--reference-image",
            "https://e.com/hat.png",
        ]);
        assert_eq!(
            edit.inputs,
            Inputs::Edit {
                video: "https://e.com/v.mp4".into(),
                images: vec![Media::Url("https://e.com/hat.png".into())]
            }
        );
        assert_eq!(
            (edit.ratio, edit.duration),
            (Some(Ratio::Adaptive), Some(VideoDuration::Auto))
        );
        let extend = parse(&[
            "seedance",
            "generate",
            "on",
            "--provider",
            "ark",
            "--model",
            "seedance-2.0",
            "--extend",
            "--reference-video",
            "https://e.com/1.mp4",
            "--reference-video",
            "https://e.com/2.mp4",
            "--ratio",
            "16:9",
            "--duration",
            "8",
        ]);
        assert_eq!(
            extend.inputs,
            Inputs::Extend {
                videos: vec!["https://e.com/1.mp4".into(), "https://e.com/2.mp4".into()]
            }
        );
        // Given flags are kept, for validation to refuse them by name.
        assert_eq!(
            (extend.ratio, extend.duration),
            (Some(Ratio::R16x9), Some(8.into()))
        );

        let two = Cli::try_parse_from([
            "seedance",
            "generate",
            "p",
            "--provider",
            "ark",
            "--edit",
            "--reference-video",
            "a",
            "--reference-video",
            "b",
        ])
        .unwrap();
        let Command::Generate(args) = two.command else {
            panic!("not generate")
        };
        let err = request(&args).unwrap_err();
        assert_eq!(
            err.to_string(),
            "--edit takes one --reference-video, the video to edit; 2 given"
        );
        for conflicting in [
            &["--edit", "--reference-video", "a", "--reference-audio", "b"][..],
            &[
                "--extend",
                "--reference-video",
                "a",
                "--reference-image",
                "b",
            ],
            &["--edit"],
            &["--from-draft", "t", "--reference-video", "a"],
            &["--first-frame", "f.png", "--reference-video", "a"],
        ] {
            let mut line = vec!["seedance", "generate", "p", "--provider", "ark"];
            line.extend(conflicting);
            assert!(Cli::try_parse_from(&line).is_err(), "{conflicting:?}");
        }
    }

    #[test]
    fn an_unset_duration_on_2_5_is_noted() {
        let request = |model, duration: Option<seedance_sdk::VideoDuration>| {
            let mut request = seedance_sdk::VideoRequest::builder("A cat")
                .model(model)
                .build();
            request.duration = duration;
            request
        };
        let note = duration_note(&request(Model::Seedance25Flash, None)).unwrap();
        assert!(
            note.starts_with("note: seedance-2.5-flash picks the duration itself"),
            "{note}"
        );
        assert!(duration_note(&request(Model::Seedance25, None)).is_some());
        let auto = Some(seedance_sdk::VideoDuration::Auto);
        assert_eq!(duration_note(&request(Model::Seedance25, auto)), None);
        assert_eq!(duration_note(&request(Model::Seedance20, None)), None);
    }

    #[test]
    fn a_retired_model_chosen_warns_with_its_replacement() {
        assert_eq!(
            retired_warning(Some(Model::Seedance15Pro)).as_deref(),
            Some(
                "warning: seedance-1.5-pro is retired upstream; its recommended replacement is seedance-2.0-mini (--model seedance-2.0-mini)"
            )
        );
        assert_eq!(retired_warning(Some(Model::Seedance20)), None);
        // The default is not a choice: no warning.
        assert_eq!(retired_warning(None), None);
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
