//! `seedance generate --provider ark` end to end against the simulator, for every Ark model and
//! every mode `seedance providers --json` lists for it: text, first frame (local PNG and URL),
//! first and last frames, reference images, videos and audio, edit, extend, a draft then its
//! final video, `--duration auto`, `--frames`, and `--model-id` with an endpoint id. Each run
//! must write the simulator's MP4; the case count is pinned so a model or mode that silently
//! drops out of the capability table fails here.

use std::{path::Path, process::Command, time::Duration};

use serde_json::Value;

mod common;

use common::{TempDir, TestSim, png, run};

/// The models Ark sells, as `seedance providers --json` names them.
const ARK_MODELS: [&str; 9] = [
    "seedance-1.0-lite",
    "seedance-1.0-pro",
    "seedance-1.0-pro-fast",
    "seedance-1.5-pro",
    "seedance-2.0",
    "seedance-2.0-fast",
    "seedance-2.0-mini",
    "seedance-2.5",
    "seedance-2.5-flash",
];

/// What the simulator serves as every video.
const SAMPLE_MP4: &[u8] = include_bytes!("../../seedance-sim/fixtures/sample.mp4");

const FIRST_URL: &str = "https://example.com/first.png";
const LAST_URL: &str = "https://example.com/last.png";
const STYLE_URL: &str = "https://example.com/style.png";
const CLIP_URL: &str = "https://example.com/clip.mp4";
const CLIP2_URL: &str = "https://example.com/clip-2.mp4";
const VOICE_URL: &str = "https://example.com/voice.mp3";

/// The binary, with no key, base URL or log settings inherited from the environment; tasks in
/// its own simulator (`--sim`) finish at once.
fn seedance(args: &[&str]) -> Command {
    let mut command = common::seedance(args);
    command.env("SEEDANCE_SIM_TASK_SECONDS", "0");
    command
}

/// A short silent PCM wav: what `--reference-audio` sends inline as a data URL.
fn wav() -> Vec<u8> {
    let samples = vec![0u8; 1600];
    let mut out = b"RIFF".to_vec();
    out.extend_from_slice(&u32::try_from(36 + samples.len()).unwrap().to_le_bytes());
    out.extend_from_slice(b"WAVEfmt ");
    out.extend_from_slice(&16u32.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes()); // PCM
    out.extend_from_slice(&1u16.to_le_bytes()); // mono
    out.extend_from_slice(&8000u32.to_le_bytes());
    out.extend_from_slice(&16000u32.to_le_bytes());
    out.extend_from_slice(&2u16.to_le_bytes());
    out.extend_from_slice(&16u16.to_le_bytes());
    out.extend_from_slice(b"data");
    out.extend_from_slice(&u32::try_from(samples.len()).unwrap().to_le_bytes());
    out.extend_from_slice(&samples);
    out
}

/// Checks the JSON printed for a finished Ark task and that the file it names is the
/// simulator's MP4, byte for byte.
fn assert_finished(json: &Value, output: &Path, case: &str) {
    assert_eq!(json["status"], "succeeded", "{case}: {json}");
    assert_eq!(json["provider"], "ark", "{case}: {json}");
    assert!(
        json["task_id"].as_str().is_some_and(|id| !id.is_empty()),
        "{case}: {json}"
    );
    assert_eq!(json["output"], output.to_str().unwrap(), "{case}: {json}");
    let data = std::fs::read(output).unwrap_or_else(|err| panic!("{case}: {err}"));
    assert_eq!(&data[4..8], b"ftyp", "{case}: not an MP4");
    assert!(data == SAMPLE_MP4, "{case}: not the simulator's video");
    assert_eq!(json["bytes"], data.len() as u64, "{case}: {json}");
    assert!(
        json["usage"]["completion_tokens"]
            .as_u64()
            .is_some_and(|n| n > 0),
        "{case}: Ark reports the tokens used: {json}"
    );
}

/// Ark's rows of `seedance providers --json`, by model name.
fn ark_capabilities() -> Vec<(String, Value)> {
    let listed = run(&mut seedance(&["providers", "--json"]))
        .success()
        .json();
    listed
        .as_array()
        .expect("a list of (provider, model) rows")
        .iter()
        .filter(|row| row["provider"] == "ark")
        .map(|row| (row["model"].as_str().unwrap().to_owned(), row.clone()))
        .collect()
}

/// One `generate` run: what it is called and its flags beyond the prompt and provider.
struct Case {
    name: String,
    args: Vec<String>,
}

/// The cases for one model, one or two per listed mode (plus `--duration auto` and `--frames`
/// where the row allows them). A mode this test does not know fails, so a new one gets a case.
fn cases_for(model: &str, row: &Value, files: &TempDir) -> Vec<Case> {
    let modes: Vec<&str> = row["modes"]
        .as_array()
        .expect("modes")
        .iter()
        .map(|m| m.as_str().unwrap())
        .collect();
    let first = files.str("first.png");
    let last = files.str("last.png");
    let style = files.str("style.png");
    let voice = files.str("voice.wav");
    let mut cases = Vec::new();
    let mut add = |mode: &str, args: &[&str]| {
        let mut all = vec!["--model".to_owned(), model.to_owned()];
        all.extend(args.iter().map(|a| (*a).to_owned()));
        cases.push(Case {
            name: format!("{model} {mode}"),
            args: all,
        });
    };
    if row["duration_auto"] == true {
        add("duration auto", &["--duration", "auto"]);
    }
    if !row["frame_count"].is_null() {
        // 25 + 4n: 121 frames is about five seconds at 24 fps.
        add("frames", &["--frames", "121"]);
    }
    // The 2.0 family takes audio only beside a picture.
    let visual: &[&str] = if row["audio_needs_visual"] == true {
        &["--reference-image", STYLE_URL]
    } else {
        &[]
    };
    for mode in &modes {
        match *mode {
            "text" => add("text", &[]),
            "first_frame" => {
                add("first frame file", &["--first-frame", &first]);
                add("first frame URL", &["--first-frame", FIRST_URL]);
            }
            "first_last_frames" => {
                add(
                    "first and last frame files",
                    &["--first-frame", &first, "--last-frame", &last],
                );
                add(
                    "first and last frame URLs",
                    &["--first-frame", FIRST_URL, "--last-frame", LAST_URL],
                );
            }
            "reference_images" => add(
                "reference images",
                &["--reference-image", STYLE_URL, "--reference-image", &style],
            ),
            "reference_videos" => add("reference video", &["--reference-video", CLIP_URL]),
            "reference_audio" => {
                let mut args = vec![
                    "--reference-audio",
                    voice.as_str(),
                    "--reference-audio",
                    VOICE_URL,
                ];
                args.extend(visual);
                add("reference audio", &args);
            }
            "edit" => add("edit", &["--edit", "--reference-video", CLIP_URL]),
            "extend" => add(
                "extend",
                &[
                    "--extend",
                    "--reference-video",
                    CLIP_URL,
                    "--reference-video",
                    CLIP2_URL,
                ],
            ),
            // Run as a pair against one simulator (`draft_then_final_video`).
            "draft" | "from_draft" => {
                assert!(
                    modes.contains(&"draft") && modes.contains(&"from_draft"),
                    "{model}: a draft needs its final video"
                );
            }
            other => panic!("{model}: mode {other} has no case in this test"),
        }
    }
    cases
}

#[test]
fn every_ark_model_and_mode_writes_the_video() {
    let files = TempDir::new("modes");
    for name in ["first.png", "last.png", "style.png"] {
        std::fs::write(files.path(name), png(640, 360)).unwrap();
    }
    std::fs::write(files.path("voice.wav"), wav()).unwrap();

    let capabilities = ark_capabilities();
    let models: Vec<&str> = capabilities.iter().map(|(m, _)| m.as_str()).collect();
    assert_eq!(models, ARK_MODELS, "Ark's models in `seedance providers`");

    let cases: Vec<Case> = capabilities
        .iter()
        .flat_map(|(model, row)| cases_for(model, row, &files))
        .collect();
    // 1.0 lite 7, 1.0 pro 6, 1.0 pro fast 4, 1.5 pro 6 (and its draft pair), the three 2.0
    // models 11 each, 2.5 11 (edit and extend as task types; and its draft pair), 2.5 Flash 9.
    assert_eq!(cases.len(), 76, "one case per model and mode");

    for (i, case) in cases.iter().enumerate() {
        let output = files.path(&format!("out-{i}.mp4"));
        let mut args = vec!["generate", "A cat playing piano", "--provider", "ark"];
        args.extend(case.args.iter().map(String::as_str));
        args.extend(["--sim", "--json", "-o", output.to_str().unwrap()]);
        let result = run(&mut seedance(&args));
        assert_eq!(result.code, 0, "{}: {}", case.name, result.describe());
        assert_finished(&result.json(), &output, &case.name);
    }
}

/// A simulator shared by several runs, so a later run can name an earlier task, and the tasks
/// it holds can be read back.
struct SharedSim(TestSim);

impl SharedSim {
    fn start() -> Self {
        Self(TestSim::start(Duration::ZERO))
    }

    fn base_url(&self) -> String {
        self.0.base_url("ark")
    }

    /// `generate --json` against this simulator.
    fn generate(&self, extra: &[&str], output: &Path) -> Value {
        self.generate_prompt("A cat playing piano", extra, output)
    }

    /// `generate --json` of `prompt` against this simulator.
    fn generate_prompt(&self, prompt: &str, extra: &[&str], output: &Path) -> Value {
        let base_url = self.base_url();
        let mut args = vec![
            "generate",
            prompt,
            "--provider",
            "ark",
            "--base-url",
            &base_url,
            "--json",
            "-o",
            output.to_str().unwrap(),
        ];
        args.extend(extra);
        let result = run(seedance(&args).env("ARK_API_KEY", "sim"));
        assert_eq!(result.code, 0, "{extra:?}: {}", result.describe());
        let json = result.json();
        assert_finished(&json, output, &format!("{extra:?}"));
        json
    }

    /// The simulator's record of a task, as Ark's retrieve answers it.
    fn task(&self, task_id: &str) -> Value {
        let url = format!("{}/contents/generations/tasks/{task_id}", self.base_url());
        seedance_runtime::install_crypto_provider();
        self.0.runtime.block_on(async {
            let response = reqwest::Client::new()
                .get(url)
                .bearer_auth("sim")
                .send()
                .await
                .expect("the simulator answers");
            assert!(response.status().is_success(), "{response:?}");
            response.json().await.expect("a task object")
        })
    }
}

#[test]
fn draft_then_final_video_on_every_model_that_drafts() {
    let drafting: Vec<String> = ark_capabilities()
        .into_iter()
        .filter(|(_, row)| row["modes"].as_array().unwrap().contains(&"draft".into()))
        .map(|(model, _)| model)
        .collect();
    assert_eq!(drafting, ["seedance-1.5-pro", "seedance-2.5"]);
    let sim = SharedSim::start();
    let files = TempDir::new("draft");
    for model in &drafting {
        let draft = sim.generate(
            &["--model", model, "--draft"],
            &files.path(&format!("{model}-draft.mp4")),
        );
        let draft_id = draft["task_id"].as_str().unwrap().to_owned();
        let recorded = sim.task(&draft_id);
        assert_eq!(recorded["draft"], true, "{model}: {recorded}");
        assert_eq!(recorded["resolution"], "480p", "{model}: {recorded}");

        // Seedance 2.5's final video reuses the draft's prompt and refuses another one.
        let prompt = if model == "seedance-2.5" {
            ""
        } else {
            "A cat playing piano"
        };
        let last = sim.generate_prompt(
            prompt,
            &["--model", model, "--from-draft", &draft_id],
            &files.path(&format!("{model}-final.mp4")),
        );
        let final_id = last["task_id"].as_str().unwrap();
        assert_ne!(final_id, draft_id);
        let recorded = sim.task(final_id);
        assert_eq!(recorded["draft_task_id"], draft_id, "{model}: {recorded}");
    }
}

#[test]
fn model_id_sends_an_endpoint_id() {
    let sim = SharedSim::start();
    let files = TempDir::new("model-id");
    let endpoint = "ep-20260101000000-abcde";
    let json = sim.generate(
        &["--model", "seedance-2.0", "--model-id", endpoint],
        &files.path("ep.mp4"),
    );
    let recorded = sim.task(json["task_id"].as_str().unwrap());
    assert_eq!(recorded["model"], endpoint, "{recorded}");
}

/// Without `--json`, the summary names the tokens the task used.
#[test]
fn the_human_summary_prints_the_usage() {
    let files = TempDir::new("human");
    let output = files.path("cat.mp4");
    let result = run(&mut seedance(&[
        "generate",
        "A cat",
        "--provider",
        "ark",
        "--model",
        "seedance-2.0",
        "--sim",
        "-o",
        output.to_str().unwrap(),
    ]))
    .success();
    assert_eq!(result.stdout.trim(), output.to_str().unwrap());
    let usage = result
        .stderr
        .lines()
        .find(|line| line.starts_with("usage: "))
        .unwrap_or_else(|| panic!("no usage line: {}", result.describe()));
    let tokens: u64 = usage
        .trim_start_matches("usage: ")
        .trim_end_matches(" tokens")
        .parse()
        .unwrap_or_else(|err| panic!("{usage}: {err}"));
    assert!(tokens > 0, "{usage}");
    assert!(std::fs::read(&output).unwrap() == SAMPLE_MP4);
}
