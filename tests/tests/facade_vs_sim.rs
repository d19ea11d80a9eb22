//! The facade against the simulator with every fault kind injected: many tasks, and the
//! simulator's counters prove that no task is lost and that the SDK never sent a submit twice.
//! Also what each provider reports of a task's cost, and Seedance 2.5's movies, web searches
//! and task-type mismatches on Ark.

use std::{collections::BTreeMap, time::Duration};

use seedance_sdk::{
    Client, Error, Media, Model, OutputFormat, Provider, RetryPolicy, VideoRequest, WaitOptions,
};
use seedance_sim::{Fault, FaultRule, Route, Sim, SimConfig};

/// The providers the simulator serves: all of them.
const SIMULATED: [Provider; 4] = [
    Provider::Modellix,
    Provider::Jiekou,
    Provider::Odkkk,
    Provider::Ark,
];

const TASKS_PER_PROVIDER: usize = 12;

fn faults() -> Vec<FaultRule> {
    vec![
        // Provably not accepted: the SDK may retry these submits.
        FaultRule::new(
            Route::Submit,
            Fault::Status {
                code: 429,
                retry_after: Some(0),
            },
        )
        .every(4),
        // May have reached the provider: the SDK must not retry these submits.
        FaultRule::new(
            Route::Submit,
            Fault::Status {
                code: 503,
                retry_after: None,
            },
        )
        .every(7),
        FaultRule::new(Route::Submit, Fault::DropConnection).every(9),
        FaultRule::new(Route::Submit, Fault::Delay(Duration::from_millis(30))).every(3),
        FaultRule::new(Route::Submit, Fault::FailTask).every(5),
        FaultRule::new(Route::Submit, Fault::ExpireTask).every(11),
        // Status polls and downloads: transient errors and broken bodies are retried. About a
        // third of these requests fail; the retry budget below makes exhausting it (11 failures
        // in a row) a one-in-a-hundred-thousand event per request.
        FaultRule::new(
            Route::Status,
            Fault::Status {
                code: 500,
                retry_after: None,
            },
        )
        .every(5),
        FaultRule::new(
            Route::Status,
            Fault::Status {
                code: 502,
                retry_after: None,
            },
        )
        .every(11),
        FaultRule::new(Route::Status, Fault::TruncateBody).every(13),
        FaultRule::new(Route::Status, Fault::DropConnection).every(17),
        FaultRule::new(Route::Status, Fault::Delay(Duration::from_millis(20))).every(4),
        FaultRule::new(
            Route::Video,
            Fault::Status {
                code: 503,
                retry_after: Some(0),
            },
        )
        .every(5),
        FaultRule::new(Route::Video, Fault::TruncateBody).every(7),
    ]
}

/// How one task ended, from the caller's point of view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum End {
    Downloaded,
    TaskFailed,
    /// The submit may have been accepted; the caller was told so and must not resubmit blindly.
    OutcomeUnknown,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_task_is_lost_and_no_submit_is_sent_twice() {
    let config = SimConfig {
        task_duration: Duration::from_millis(150),
        faults: faults(),
        ..SimConfig::default()
    };
    let sim = Sim::start(config).await.unwrap();
    let dir = std::env::temp_dir().join(format!("seedance-faults-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let retry = RetryPolicy {
        max_retries: 10,
        initial_backoff: Duration::from_millis(5),
        max_backoff: Duration::from_millis(50),
    };
    let wait = WaitOptions {
        timeout: Duration::from_secs(60),
        initial_interval: Duration::from_millis(20),
        max_interval: Duration::from_millis(100),
        ..WaitOptions::default()
    };

    let mut jobs = Vec::new();
    for provider in SIMULATED {
        let client = Client::builder(provider)
            .api_key("sim")
            .base_url(sim.base_url(provider.as_str()))
            .retry_policy(retry)
            .build()
            .unwrap();
        for task_idx in 0..TASKS_PER_PROVIDER {
            let client = client.clone();
            let prompt = format!("{provider} task {task_idx}");
            let output = dir.join(format!("{provider}-{task_idx}.mp4"));
            jobs.push(tokio::spawn(async move {
                let request = VideoRequest::new(prompt.clone());
                let end = match client.submit(&request).await {
                    Err(Error::OutcomeUnknown { .. }) => End::OutcomeUnknown,
                    Err(other) => panic!("{prompt}: unexpected submit error: {other}"),
                    Ok(handle) => match client.wait(&handle, wait).await {
                        Ok(video) => {
                            client
                                .download(&video, &output)
                                .await
                                .unwrap_or_else(|e| panic!("{prompt}: {e}"));
                            let bytes = std::fs::read(&output).unwrap();
                            assert_eq!(&bytes[4..8], b"ftyp", "{prompt}: a whole MP4");
                            End::Downloaded
                        }
                        Err(Error::TaskFailed { .. }) => End::TaskFailed,
                        Err(other) => panic!("{prompt}: unexpected wait error: {other}"),
                    },
                };
                (prompt, end)
            }));
        }
    }
    let mut ends: BTreeMap<String, End> = BTreeMap::new();
    for job in jobs {
        let (prompt, end) = job.await.unwrap();
        ends.insert(prompt, end);
    }

    // Every task reached a definite end the caller can act on: none was lost.
    assert_eq!(ends.len(), SIMULATED.len() * TASKS_PER_PROVIDER);
    let counters = sim.counters();
    for (prompt, end) in &ends {
        let accepted = counters
            .submits_per_prompt
            .get(prompt)
            .copied()
            .unwrap_or(0);
        // The simulator counts a submit per prompt once it passed validation and faults that
        // reject it outright (429/503 answered before acceptance are not counted).
        assert!(
            accepted <= 1,
            "{prompt}: the SDK submitted {accepted} times"
        );
        match end {
            End::Downloaded | End::TaskFailed => assert_eq!(accepted, 1, "{prompt}"),
            // A 503 never created the task; a dropped connection did: both are reported as
            // unknown, because the SDK cannot tell them apart.
            End::OutcomeUnknown => {}
        }
    }
    let tally = ends.values().fold(BTreeMap::new(), |mut tally, end| {
        *tally.entry(*end).or_insert(0) += 1;
        tally
    });
    // Each kind of ending happened, so every fault path was exercised.
    assert!(
        tally.get(&End::Downloaded).copied().unwrap_or(0) > 0,
        "{tally:?}"
    );
    assert!(
        tally.get(&End::TaskFailed).copied().unwrap_or(0) > 0,
        "{tally:?}"
    );
    assert!(
        tally.get(&End::OutcomeUnknown).copied().unwrap_or(0) > 0,
        "{tally:?}"
    );
    // Every provider took part: its submits reached the simulator and some of its videos came
    // back, so a provider whose routes are missing cannot pass unnoticed.
    for provider in SIMULATED {
        let submits = counters.route(&format!("{provider} submit"));
        assert!(
            submits >= TASKS_PER_PROVIDER as u64,
            "{provider}: {submits} submit requests"
        );
        let downloaded = ends
            .iter()
            .filter(|(prompt, end)| {
                prompt.starts_with(&format!("{provider} ")) && **end == End::Downloaded
            })
            .count();
        assert!(downloaded > 0, "{provider}: no video downloaded");
    }
    // Retried 429s show up as more submit requests than prompts, never as a second acceptance.
    let submits: u64 = SIMULATED
        .iter()
        .map(|p| counters.route(&format!("{p} submit")))
        .sum();
    assert!(
        submits > ends.len() as u64,
        "429s were retried: {submits} submit requests"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// What each provider reports of a task's cost reaches the finished video: Ark's tokens from its
/// status, odkkk's reserved credits from its create answer (its status has none), through the
/// handle, so a task resumed in another process keeps them too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_finished_video_carries_the_usage_each_provider_reports() {
    let config = SimConfig {
        task_duration: Duration::ZERO,
        ..SimConfig::default()
    };
    let sim = Sim::start(config).await.unwrap();
    for provider in SIMULATED {
        let client = Client::builder(provider)
            .api_key("sim")
            .base_url(sim.base_url(provider.as_str()))
            .build()
            .unwrap();
        let handle = client.submit(&VideoRequest::new("A cat")).await.unwrap();
        // A handle read back from its text, as another process would.
        let handle: seedance_sdk::TaskHandle = handle.to_string().parse().unwrap();
        let video = client
            .wait(&handle, WaitOptions::default())
            .await
            .unwrap_or_else(|err| panic!("{provider}: {err}"));
        let usage = video.usage;
        match provider {
            Provider::Ark => {
                assert!(
                    usage
                        .and_then(|u| u.completion_tokens)
                        .is_some_and(|t| t > 0),
                    "{provider}: {usage:?}"
                );
            }
            Provider::Odkkk => {
                assert_eq!(handle.usage.and_then(|u| u.credits), Some(8.0));
                assert_eq!(usage.and_then(|u| u.credits), Some(8.0), "{provider}");
            }
            // Modellix and Jiekou report no usage.
            Provider::Modellix | Provider::Jiekou => assert_eq!(usage, None, "{provider}"),
        }
    }
}

/// Seedance 2.5 on Ark, facade against simulator: a QuickTime movie (`output_format: "mov"`)
/// downloads, the web searches a task ran reach its usage, and an edit whose prompt contradicts
/// its declared task type fails with Ark's code and the reason in words.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seedance_2_5_movies_web_searches_and_task_type_mismatches() {
    let config = SimConfig {
        task_duration: Duration::ZERO,
        ..SimConfig::default()
    };
    let sim = Sim::start(config).await.unwrap();
    let client = Client::builder(Provider::Ark)
        .api_key("sim")
        .base_url(sim.base_url("ark"))
        .build()
        .unwrap();

    let movie = VideoRequest::builder("A red fox walking through fresh snow")
        .model(Model::Seedance25)
        .output_format(OutputFormat::Mov)
        .web_search(true)
        .build();
    let handle = client.submit(&movie).await.unwrap();
    let video = client.wait(&handle, WaitOptions::default()).await.unwrap();
    let usage = video.usage.expect("Ark reports a usage");
    assert_eq!(usage.web_searches, Some(1), "{usage:?}");
    let dir = std::env::temp_dir().join(format!("seedance-2-5-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("fox.mov");
    client.download(&video, &file).await.unwrap();
    let bytes = std::fs::read(&file).unwrap();
    assert_eq!(&bytes[4..12], b"ftypqt  ", "a QuickTime movie");
    let _ = std::fs::remove_dir_all(&dir);

    let prompt = format!(
        "A brand new film of a dragon {}",
        seedance_sim::ARK_TASK_TYPE_MISMATCH_MARKER
    );
    let edit = VideoRequest::builder(prompt)
        .model(Model::Seedance25)
        .edit("https://example.com/clip.mp4", Vec::<Media>::new())
        .build();
    let handle = client.submit(&edit).await.unwrap();
    let err = client
        .wait(&handle, WaitOptions::default())
        .await
        .expect_err("the prompt contradicts the edit");
    let Error::TaskFailed { code, message, .. } = &err else {
        panic!("{err:?}");
    };
    assert_eq!(code.as_deref(), Some("InvalidParameter.TaskTypeMismatch"));
    assert!(
        message.starts_with(
            "the prompt contradicts the declared task type (omni_reference_task_type edit): \
             rewrite the prompt"
        ) && message.contains("Ark says: "),
        "{message}"
    );
}
