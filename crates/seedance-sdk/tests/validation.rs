//! Invalid requests are refused before anything is sent: for each case and provider, `submit`
//! returns `Error::InvalidRequest` naming the field, the provider and the model, `validate`
//! gives the same error, and the mock server receives no request at all.

mod common;

use std::fmt::Write as _;

use common::{client, png, submit_ok};
use seedance_sdk::{Error, Field, Media, Model, Provider, Ratio, Resolution, VideoRequest};
use wiremock::{Mock, MockServer, ResponseTemplate, matchers::any};

const ALL: &[Provider] = &[
    Provider::Modellix,
    Provider::Jiekou,
    Provider::Odkkk,
    Provider::Ark,
];
const MODELLIX: &[Provider] = &[Provider::Modellix];
const JIEKOU: &[Provider] = &[Provider::Jiekou];
const ODKKK: &[Provider] = &[Provider::Odkkk];

struct Case {
    name: &'static str,
    providers: &'static [Provider],
    field: Field,
    request: fn() -> VideoRequest,
}

fn prompt() -> seedance_sdk::VideoRequestArgs {
    VideoRequest::builder("A lighthouse in a storm")
}

fn fast() -> seedance_sdk::VideoRequestArgs {
    prompt().model(Model::Seedance20Fast)
}

fn cases() -> Vec<Case> {
    vec![
        Case {
            name: "duration 13 on 1.5 Pro",
            providers: ALL,
            field: Field::Duration,
            request: || prompt().duration(13).build(),
        },
        Case {
            name: "duration 3 on 1.5 Pro",
            providers: ALL,
            field: Field::Duration,
            request: || prompt().duration(3).build(),
        },
        Case {
            name: "duration 16 on 2.0 Fast",
            providers: MODELLIX,
            field: Field::Duration,
            request: || fast().duration(16).build(),
        },
        Case {
            name: "1080p on 2.0 Fast",
            providers: MODELLIX,
            field: Field::Resolution,
            request: || fast().resolution(Resolution::P1080).build(),
        },
        Case {
            name: "ratio adaptive on 2.0 Fast",
            providers: MODELLIX,
            field: Field::Ratio,
            request: || fast().ratio(Ratio::Adaptive).build(),
        },
        Case {
            name: "seed 2147483648 on 1.5 Pro",
            providers: &[Provider::Modellix, Provider::Odkkk],
            field: Field::Seed,
            request: || prompt().seed(2_147_483_648).build(),
        },
        Case {
            name: "seed 4294967296",
            providers: JIEKOU,
            field: Field::Seed,
            request: || prompt().seed(4_294_967_296).build(),
        },
        Case {
            name: "seed 4294967296 on 2.0 Fast",
            providers: MODELLIX,
            field: Field::Seed,
            request: || fast().seed(4_294_967_296).build(),
        },
        Case {
            name: "seed -2",
            providers: &[Provider::Modellix, Provider::Jiekou],
            field: Field::Seed,
            request: || prompt().seed(-2).build(),
        },
        Case {
            name: "fps 30",
            providers: ALL,
            field: Field::Fps,
            request: || prompt().fps(30).build(),
        },
        Case {
            name: "watermark",
            providers: &[Provider::Modellix, Provider::Odkkk],
            field: Field::Watermark,
            request: || prompt().watermark(false).build(),
        },
        Case {
            name: "service_tier on 2.0 Fast",
            providers: MODELLIX,
            field: Field::ServiceTier,
            request: || fast().service_tier(seedance_sdk::ServiceTier::Flex).build(),
        },
        Case {
            name: "execution_expires_after 3599",
            providers: &[Provider::Modellix, Provider::Jiekou],
            field: Field::ExecutionExpiresAfter,
            request: || prompt().execution_expires_after(3599).build(),
        },
        Case {
            name: "return_last_frame",
            providers: &[Provider::Jiekou, Provider::Odkkk],
            field: Field::ReturnLastFrame,
            request: || prompt().return_last_frame(true).build(),
        },
        Case {
            name: "callback_url http://",
            providers: ALL,
            field: Field::CallbackUrl,
            request: || {
                prompt()
                    .callback_url("http://example.com/hooks/seedance")
                    .build()
            },
        },
        Case {
            name: "callback_url on a private address",
            providers: ODKKK,
            field: Field::CallbackUrl,
            request: || prompt().callback_url("https://10.0.0.8/hooks").build(),
        },
        Case {
            name: "callback_url on localhost",
            providers: ODKKK,
            field: Field::CallbackUrl,
            request: || {
                prompt()
                    .callback_url("https://localhost:8443/hooks")
                    .build()
            },
        },
        Case {
            name: "first frame URL without a host",
            providers: ALL,
            field: Field::FirstFrame,
            request: || prompt().first_frame(Media::Url("https://".into())).build(),
        },
        Case {
            name: "reference audio file URL",
            providers: MODELLIX,
            field: Field::ReferenceAudio,
            request: || {
                fast()
                    .references(
                        Vec::<String>::new(),
                        Vec::<String>::new(),
                        ["file:///etc/passwd"],
                    )
                    .build()
            },
        },
        Case {
            name: "references on 1.5 Pro",
            providers: ALL,
            field: Field::ReferenceImages,
            request: || {
                prompt()
                    .references(
                        ["https://example.com/ref.png"],
                        Vec::<String>::new(),
                        Vec::<String>::new(),
                    )
                    .build()
            },
        },
        Case {
            name: "10 reference images",
            providers: MODELLIX,
            field: Field::ReferenceImages,
            request: || {
                fast()
                    .references(
                        (1..=10).map(|i| format!("https://example.com/ref{i}.png")),
                        Vec::<String>::new(),
                        Vec::<String>::new(),
                    )
                    .build()
            },
        },
        Case {
            name: "4 audio",
            providers: MODELLIX,
            field: Field::ReferenceAudio,
            request: || {
                fast()
                    .references(
                        ["https://example.com/ref.png"],
                        Vec::<String>::new(),
                        (1..=4).map(|i| format!("https://example.com/a{i}.mp3")),
                    )
                    .build()
            },
        },
        Case {
            name: "no reference at all",
            providers: MODELLIX,
            field: Field::ReferenceImages,
            request: || {
                fast()
                    .references(
                        Vec::<String>::new(),
                        Vec::<String>::new(),
                        Vec::<String>::new(),
                    )
                    .build()
            },
        },
        Case {
            name: "2.0 Fast",
            providers: &[Provider::Jiekou, Provider::Odkkk],
            field: Field::Model,
            request: || fast().build(),
        },
        Case {
            name: "empty prompt",
            providers: ALL,
            field: Field::Prompt,
            request: || VideoRequest::builder("").build(),
        },
        Case {
            name: "blank prompt",
            providers: ALL,
            field: Field::Prompt,
            request: || VideoRequest::builder(" \n\t ").build(),
        },
        Case {
            name: "prompt of 2001 chars",
            providers: ODKKK,
            field: Field::Prompt,
            request: || VideoRequest::builder("é".repeat(2001)).build(),
        },
        Case {
            name: "local path first frame",
            providers: ODKKK,
            field: Field::FirstFrame,
            request: || prompt().first_frame("./first.png").build(),
        },
        Case {
            name: "png bytes last frame",
            providers: ODKKK,
            field: Field::LastFrame,
            request: || {
                prompt()
                    .first_last_frames(
                        "https://example.com/first.jpg",
                        Media::Bytes {
                            mime_type: "image/png".into(),
                            data: png(800, 600),
                        },
                    )
                    .build()
            },
        },
        Case {
            name: "200x200 PNG as bytes",
            providers: JIEKOU,
            field: Field::FirstFrame,
            request: || {
                prompt()
                    .first_frame(Media::Bytes {
                        mime_type: "image/png".into(),
                        data: png(200, 200),
                    })
                    .build()
            },
        },
        Case {
            name: "PNG bytes declared as JPEG",
            providers: JIEKOU,
            field: Field::FirstFrame,
            request: || {
                prompt()
                    .first_frame(Media::Bytes {
                        mime_type: "image/jpeg".into(),
                        data: png(800, 600),
                    })
                    .build()
            },
        },
        Case {
            name: "directory as first frame",
            providers: MODELLIX,
            field: Field::FirstFrame,
            request: || prompt().first_frame(std::path::Path::new("/")).build(),
        },
        Case {
            name: "text/html data URL",
            providers: JIEKOU,
            field: Field::FirstFrame,
            request: || {
                prompt()
                    .first_frame("data:text/html;base64,PHNjcmlwdD4=")
                    .build()
            },
        },
        Case {
            name: "missing file path",
            providers: MODELLIX,
            field: Field::FirstFrame,
            request: || {
                prompt()
                    .first_frame("/nonexistent-seedance-test-dir/first.png")
                    .build()
            },
        },
    ]
}

#[tokio::test]
async fn invalid_requests_are_refused_before_sending() {
    let mut servers = Vec::new();
    for provider in common::PROVIDERS {
        let server = MockServer::start().await;
        Mock::given(any())
            .respond_with(ResponseTemplate::new(200).set_body_json(submit_ok(provider)))
            .expect(0)
            .named(format!("{provider}: nothing may be sent"))
            .mount(&server)
            .await;
        servers.push((provider, server));
    }

    let mut report = String::new();
    let mut count = 0;
    for case in cases() {
        for (provider, server) in servers.iter().filter(|(p, _)| case.providers.contains(p)) {
            let provider = *provider;
            let request = (case.request)();
            let client = client(provider, server);
            let err = client
                .submit(&request)
                .await
                .expect_err(&format!("{} on {provider} must be refused", case.name));
            let Error::InvalidRequest(invalid) = &err else {
                panic!(
                    "{} on {provider}: expected InvalidRequest, got {err:?}",
                    case.name
                );
            };
            assert_eq!(invalid.provider, provider, "{}", case.name);
            assert_eq!(invalid.model, request.model, "{}", case.name);
            assert_eq!(invalid.field, case.field, "{} on {provider}", case.name);
            let validated = client
                .validate(&request)
                .await
                .expect_err("validate refuses it too");
            assert_eq!(validated.to_string(), err.to_string());
            writeln!(report, "{} @ {provider}: {err}", case.name).unwrap();
            count += 1;
        }
    }
    assert_eq!(count, 64, "every case ran against every listed provider");

    for (provider, server) in &servers {
        let received = server.received_requests().await.expect("recording is on");
        assert!(
            received.is_empty(),
            "{provider} received {} requests",
            received.len()
        );
        server.verify().await;
    }
    insta::assert_snapshot!("invalid_requests", report);
}

/// The same cases, each made valid by one change, are sent: the table above fails for the
/// reason given, not for an unrelated one.
#[tokio::test]
async fn valid_neighbours_are_sent() {
    for (provider, request) in [
        (Provider::Modellix, prompt().duration(12).build()),
        (Provider::Modellix, fast().duration(15).build()),
        (
            Provider::Modellix,
            fast().resolution(Resolution::P720).build(),
        ),
        (Provider::Modellix, prompt().seed(2_147_483_647).build()),
        (Provider::Modellix, fast().seed(4_294_967_295).build()),
        (Provider::Jiekou, prompt().seed(-1).fps(24).build()),
        (
            Provider::Odkkk,
            prompt().callback_url("https://example.com/hook").build(),
        ),
        (
            Provider::Modellix,
            fast()
                .references(
                    (1..=9).map(|i| format!("https://example.com/ref{i}.png")),
                    Vec::<String>::new(),
                    (1..=3).map(|i| format!("https://example.com/a{i}.mp3")),
                )
                .build(),
        ),
        (
            Provider::Odkkk,
            VideoRequest::builder("é".repeat(2000)).build(),
        ),
        (
            Provider::Jiekou,
            prompt()
                .first_frame(Media::Bytes {
                    mime_type: "image/png".into(),
                    data: png(300, 300),
                })
                .build(),
        ),
    ] {
        let server = MockServer::start().await;
        Mock::given(any())
            .respond_with(ResponseTemplate::new(200).set_body_json(submit_ok(provider)))
            .expect(1)
            .mount(&server)
            .await;
        client(provider, &server)
            .submit(&request)
            .await
            .unwrap_or_else(|e| panic!("{provider} {request:?}: {e}"));
        server.verify().await;
    }
}
