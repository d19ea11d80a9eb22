//! Hostile local and request inputs: a request read from JSON cannot name a local file, a local
//! "image" that is a device, a FIFO, a directory or a huge file is refused without reading it
//! whole, a data URL is decoded and checked like a file, and a callback URL never names an
//! internal address. Every refusal is an `InvalidRequest` naming the field.

mod common;

use std::time::{Duration, Instant};

use base64::Engine;
use common::{captured_one, client, png, submit_ok, temp_dir};
use seedance_sdk::{Error, Field, Media, Model, Provider, VideoRequest, capabilities};
use serde_json::json;
use wiremock::{Mock, MockServer, ResponseTemplate, matchers::any};

const PATH_REFUSED: &str = "local file paths are not accepted in JSON";

fn b64(data: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(data)
}

/// Validates `request` for `provider` and returns the refusal's field and message.
async fn refusal(provider: Provider, request: &VideoRequest) -> Option<(Field, String)> {
    match seedance_sdk::validate(provider, request).await {
        Ok(()) => None,
        Err(Error::InvalidRequest(invalid)) => {
            assert_eq!(invalid.provider, provider);
            assert_eq!(invalid.model, request.model);
            Some((invalid.field, invalid.message))
        }
        Err(other) => panic!("{provider}: expected InvalidRequest, got {other:?}"),
    }
}

fn first_frame(media: impl Into<Media>) -> VideoRequest {
    VideoRequest::builder("A lighthouse in a storm")
        .first_frame(media)
        .build()
}

#[test]
fn a_local_path_is_never_read_from_json() {
    let path = json!({"path": "/etc/passwd"});
    for request in [
        json!({"prompt": "p", "inputs": {"mode": "first_frame", "first": path}}),
        json!({"prompt": "p", "inputs": {"mode": "first_last_frames",
            "first": {"url": "https://example.com/a.png"}, "last": path}}),
        json!({"prompt": "p", "model": "seedance-2.0-fast", "inputs": {"mode": "references",
            "images": [{"url": "https://example.com/a.png"}, path]}}),
        // Whatever the value: the key alone is refused.
        json!({"prompt": "p", "inputs": {"mode": "first_frame", "first": {"path": 7}}}),
    ] {
        let err = serde_json::from_value::<VideoRequest>(request.clone())
            .expect_err(&format!("{request} must be refused"));
        assert!(err.to_string().contains(PATH_REFUSED), "{request}: {err}");
        let text = serde_json::to_string(&request).unwrap();
        let err = serde_json::from_str::<VideoRequest>(&text).unwrap_err();
        assert!(err.to_string().contains(PATH_REFUSED), "{text}: {err}");
    }
    let err = serde_json::from_str::<Media>(r#"{"path": "/etc/passwd"}"#).unwrap_err();
    assert!(err.to_string().starts_with(PATH_REFUSED), "{err}");
    // Unknown forms list only what JSON may use.
    let err = serde_json::from_str::<Media>(r#"{"file": "/etc/passwd"}"#).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("unknown variant `file`, expected `url` or `bytes`"),
        "{err}"
    );

    // What JSON may carry still deserializes.
    let request: VideoRequest = serde_json::from_value(json!({"prompt": "p", "inputs": {
        "mode": "first_last_frames",
        "first": {"url": "https://example.com/a.png"},
        "last": {"bytes": {"mime_type": "image/png", "data": b64(&png(800, 600))}}}}))
    .unwrap();
    assert_eq!(
        request.inputs,
        seedance_sdk::Inputs::FirstLastFrames {
            first: Media::Url("https://example.com/a.png".into()),
            last: Media::Bytes {
                mime_type: "image/png".into(),
                data: png(800, 600)
            },
        }
    );
    // A typed path serializes (for logs and trusted files) but does not come back from JSON.
    let typed = first_frame(std::path::PathBuf::from("/tmp/first.png"));
    let text = serde_json::to_string(&typed).unwrap();
    assert!(
        text.contains(r#""first":{"path":"/tmp/first.png"}"#),
        "{text}"
    );
    assert!(serde_json::from_str::<VideoRequest>(&text).is_err());
}

#[test]
fn the_published_schema_has_no_local_path() {
    let schema = VideoRequest::json_schema();
    let forms: Vec<Vec<&String>> = schema["$defs"]["Media"]["oneOf"]
        .as_array()
        .unwrap()
        .iter()
        .map(|form| form["properties"].as_object().unwrap().keys().collect())
        .collect();
    assert_eq!(forms, [["url"], ["bytes"]]);
    assert!(
        schema["$defs"]["Media"]["description"]
            .as_str()
            .unwrap()
            .contains("Local file paths are not accepted in JSON")
    );
    let text = schema.to_string();
    assert!(!text.contains(r#""path""#), "{text}");
}

/// Every provider that takes `callback_url`, and what each URL gives.
#[test]
fn callback_urls_name_a_public_https_host() {
    let takers: Vec<_> = seedance_sdk::all_capabilities()
        .into_iter()
        .filter(|caps| caps.fields.contains(&Field::CallbackUrl))
        .collect();
    assert!(
        takers.iter().any(|caps| caps.provider == Provider::Odkkk),
        "odkkk takes callback_url"
    );
    let long = format!("https://example.com/{}", "a".repeat(2029));
    assert_eq!(long.len(), 2049);
    let cases: &[(&str, Result<(), &str>)] = &[
        ("https://example.com/hooks/seedance?token=x", Ok(())),
        ("https://EXAMPLE.com:8443/h", Ok(())),
        ("https://8.8.8.8/h", Ok(())),
        ("https://[2001:4860:4860::8888]/h", Ok(())),
        ("https://[::ffff:8.8.8.8]/h", Ok(())),
        ("https://172.32.0.1/h", Ok(())),
        ("https://100.128.0.1/h", Ok(())),
        ("https://localhost.example.com/h", Ok(())),
        (&long[..2048], Ok(())),
        (&long, Err("the URL is 2049 characters long")),
        ("http://example.com/h", Err("the URL is not https")),
        ("HTTP://example.com/h", Err("the URL is not https")),
        ("ftp://example.com/h", Err("the URL has the scheme \"ftp\"")),
        ("https://", Err("the URL cannot be parsed (empty host)")),
        (
            "https://example.com\\@127.0.0.1/h",
            Err("whitespace, control characters or backslashes"),
        ),
        ("example.com/h", Err("the URL cannot be parsed")),
        (
            " https://example.com/h",
            Err("whitespace, control characters"),
        ),
        ("https://localhost/h", Err("names the local host localhost")),
        (
            "https://LOCALHOST./h",
            Err("names the local host localhost."),
        ),
        (
            "https://api.localhost/h",
            Err("names the local host api.localhost"),
        ),
        (
            "https://127.0.0.1/h",
            Err("names the loopback address 127.0.0.1"),
        ),
        (
            "https://127.1/h",
            Err("names the loopback address 127.0.0.1"),
        ),
        (
            "https://2130706433/h",
            Err("names the loopback address 127.0.0.1"),
        ),
        (
            "https://0x7f.0.0.1/h",
            Err("names the loopback address 127.0.0.1"),
        ),
        (
            "https://127.0.0.1./h",
            Err("names the loopback address 127.0.0.1"),
        ),
        (
            "https://10.1.2.3/h",
            Err("names the private address 10.1.2.3"),
        ),
        (
            "https://172.16.0.1/h",
            Err("names the private address 172.16.0.1"),
        ),
        ("https://172.31.255.255/h", Err("names the private address")),
        (
            "https://192.168.1.1/h",
            Err("names the private address 192.168.1.1"),
        ),
        (
            "https://169.254.169.254/latest/meta-data",
            Err("names the link-local address"),
        ),
        (
            "https://100.64.0.1/h",
            Err("names the CGNAT address 100.64.0.1"),
        ),
        ("https://100.127.255.255/h", Err("names the CGNAT address")),
        (
            "https://0.0.0.0/h",
            Err("names the unspecified address 0.0.0.0"),
        ),
        ("https://[::]/h", Err("names the unspecified address [::]")),
        ("https://[::1]/h", Err("names the loopback address [::1]")),
        (
            "https://[::ffff:127.0.0.1]/h",
            Err("names the loopback address [::ffff:7f00:1]"),
        ),
        (
            "https://[::ffff:10.0.0.1]/h",
            Err("names the private address"),
        ),
        (
            "https://[::ffff:169.254.169.254]/h",
            Err("names the link-local address"),
        ),
        (
            "https://[fc00::1]/h",
            Err("names the private address [fc00::1]"),
        ),
        ("https://[fd12:3456::1]/h", Err("names the private address")),
        (
            "https://[fe80::1]/h",
            Err("names the link-local address [fe80::1]"),
        ),
        ("https://[febf::1]/h", Err("names the link-local address")),
    ];
    for caps in &takers {
        for (url, expected) in cases {
            let request = VideoRequest::builder("p").callback_url(*url).build();
            let outcome = caps.validate(&request);
            match (expected, outcome) {
                (Ok(()), Ok(())) => {}
                (Err(part), Err(invalid)) => {
                    assert_eq!(invalid.field, Field::CallbackUrl, "{url}");
                    assert!(invalid.message.contains(part), "{url}: {invalid}");
                    assert!(
                        invalid.message.contains(
                            "allowed: an https:// URL with a public host (not localhost, nor a \
                             loopback, private, link-local, CGNAT or unspecified IP address), up \
                             to 2048 characters"
                        ),
                        "{url}: {invalid}"
                    );
                    assert!(!invalid.message.contains("/h"), "no path echoed: {invalid}");
                }
                (expected, outcome) => panic!("{url}: expected {expected:?}, got {outcome:?}"),
            }
        }
    }
}

/// Image and reference audio URLs are parsed: http(s) with a host, nothing else.
#[tokio::test]
async fn image_and_audio_urls_are_http_with_a_host() {
    let bad = [
        ("file:///etc/passwd", "has the scheme \"file\", not http(s)"),
        ("https://", "cannot be parsed (empty host)"),
        (
            "ftp://example.com/a.png",
            "has the scheme \"ftp\", not http(s)",
        ),
        (
            "https://exa mple.com/a.png",
            "contains whitespace, control characters or backslashes",
        ),
    ];
    for provider in common::PROVIDERS {
        for (url, part) in bad {
            let request = VideoRequest::builder("p")
                .first_last_frames("https://example.com/first.png", Media::Url(url.into()))
                .build();
            let (field, message) = refusal(provider, &request).await.expect(url);
            assert_eq!(field, Field::LastFrame, "{provider} {url}");
            assert!(message.contains(part), "{provider} {url}: {message}");
        }
    }
    let fast = |images: Vec<Media>, audio: Vec<&str>| {
        VideoRequest::builder("p")
            .model(Model::Seedance20Fast)
            .references(images, Vec::<String>::new(), audio)
            .build()
    };
    for (url, part) in bad {
        let (field, message) = refusal(
            Provider::Modellix,
            &fast(vec![Media::Url(url.into())], vec![]),
        )
        .await
        .expect(url);
        assert_eq!(field, Field::ReferenceImages);
        assert!(message.contains(part), "{url}: {message}");
        let (field, message) = refusal(
            Provider::Modellix,
            &fast(vec![], vec!["https://example.com/a.mp3", url]),
        )
        .await
        .expect(url);
        assert_eq!(field, Field::ReferenceAudio);
        assert!(
            message.starts_with(&format!("audio URL 2 {part}")),
            "{url}: {message}"
        );
    }
    let fine = fast(
        vec![Media::Url("HTTPS://example.com/a.png".into())],
        vec!["http://example.com/a.mp3"],
    );
    assert_eq!(refusal(Provider::Modellix, &fine).await, None);
}

/// Modellix and Jiekou take local files; both bound what is read.
const INLINE: [Provider; 3] = [Provider::Modellix, Provider::Jiekou, Provider::Ark];

#[cfg(unix)]
#[tokio::test]
async fn a_device_is_refused_without_reading_it() {
    for provider in INLINE {
        let started = Instant::now();
        let outcome = tokio::time::timeout(
            Duration::from_secs(10),
            refusal(provider, &first_frame("/dev/zero")),
        )
        .await
        .expect("refused quickly, not read");
        assert_eq!(
            outcome,
            Some((
                Field::FirstFrame,
                "/dev/zero is a device, not a regular file; allowed: a regular image file".into()
            ))
        );
        assert!(started.elapsed() < Duration::from_secs(2));
    }
}

#[cfg(unix)]
#[tokio::test]
async fn a_fifo_is_refused_without_opening_it() {
    let dir = temp_dir("fifo");
    let fifo = dir.join("first.png");
    let status = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo runs");
    assert!(status.success());
    // Opening a FIFO with no writer blocks: a refusal within the timeout shows it was not opened.
    let outcome = tokio::time::timeout(
        Duration::from_secs(10),
        refusal(Provider::Jiekou, &first_frame(fifo.as_path())),
    )
    .await
    .expect("refused, not blocked on open");
    assert_eq!(
        outcome,
        Some((
            Field::FirstFrame,
            format!(
                "{} is a FIFO, not a regular file; allowed: a regular image file",
                fifo.display()
            )
        ))
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn a_directory_is_refused() {
    let dir = temp_dir("dir-as-image");
    for provider in INLINE {
        assert_eq!(
            refusal(provider, &first_frame(dir.as_path())).await,
            Some((
                Field::FirstFrame,
                format!(
                    "{} is a directory, not a regular file; allowed: a regular image file",
                    dir.display()
                )
            ))
        );
    }
    std::fs::remove_dir_all(dir).unwrap();
}

/// A sparse file of 1 TiB: reading it whole would take minutes and all memory, so a quick
/// refusal naming its size shows that only its metadata was read. A file one byte under the
/// limit is read and checked as an image.
#[tokio::test]
async fn a_file_over_the_limit_is_refused_from_its_metadata() {
    let dir = temp_dir("huge");
    let huge = dir.join("huge.png");
    let file = std::fs::File::create(&huge).unwrap();
    file.set_len(1 << 40).unwrap();
    drop(file);
    let limit = 30 * 1024 * 1024;
    let just_under = dir.join("just-under.png");
    let mut data = png(800, 600);
    data.resize(limit - 1, 0);
    std::fs::write(&just_under, &data).unwrap();
    let just_over = dir.join("just-over.png");
    data.push(0);
    std::fs::write(&just_over, &data).unwrap();

    for provider in INLINE {
        let started = Instant::now();
        assert_eq!(
            refusal(provider, &first_frame(huge.as_path())).await,
            Some((
                Field::FirstFrame,
                format!(
                    "{} is 1099511627776 bytes, too large; allowed: under 30 MB (31457280 bytes)",
                    huge.display()
                )
            ))
        );
        assert!(started.elapsed() < Duration::from_secs(2));
        assert_eq!(
            refusal(provider, &first_frame(just_over.as_path())).await,
            Some((
                Field::FirstFrame,
                format!(
                    "{} is 31457280 bytes, too large; allowed: under 30 MB (31457280 bytes)",
                    just_over.display()
                )
            ))
        );
        assert_eq!(
            refusal(provider, &first_frame(just_under.as_path())).await,
            None,
            "{provider}: a file under the limit is accepted"
        );
    }
    std::fs::remove_dir_all(dir).unwrap();
}

/// Data URLs given directly are decoded and checked by the same rules as files.
#[tokio::test]
async fn data_urls_are_decoded_and_checked() {
    let png_b64 = b64(&png(800, 600));
    let oversized = format!(
        "data:image/png;base64,{}",
        "A".repeat(4 * 10 * 1024 * 1024 + 8)
    );
    let refused: &[(&[Provider], String, &str)] = &[
        (
            &INLINE,
            oversized,
            "the data URL holds about 31457286 bytes, too large; allowed: under 30 MB",
        ),
        (
            &INLINE,
            format!("data:text/html;base64,{png_b64}"),
            "the data URL's media type \"text/html\" is not accepted; allowed: data:image/<format>;base64,<data>",
        ),
        (
            &INLINE,
            "data:image/svg+xml,<svg onload=alert(1)>".into(),
            "the data URL is not base64 (\"image/svg+xml\")",
        ),
        (
            &INLINE,
            format!("data:image/png;charset=utf-8;base64,{png_b64}"),
            "the data URL's media type \"image/png;charset=utf-8\" is not accepted",
        ),
        (
            &INLINE,
            "data:image/png;base64".into(),
            "the data URL has no data",
        ),
        (
            &INLINE,
            "data:image/png;base64,iVBO!!!=".into(),
            "the data URL's data is not valid base64",
        ),
        (
            &INLINE,
            format!(
                "data:image/png;base64,{}",
                b64(b"<html>not an image</html>")
            ),
            "the data is not a recognizable image",
        ),
        (
            &INLINE,
            format!("data:image/jpeg;base64,{png_b64}"),
            "the MIME type \"image/jpeg\" does not match the png data",
        ),
        (
            &[Provider::Jiekou],
            format!("data:image/png;base64,{}", b64(&png(200, 200))),
            "200x200 px is out of range; allowed: each side 300-6000 px",
        ),
        (
            &[Provider::Jiekou],
            format!("data:image/png;base64,{}", b64(&png(3000, 1000))),
            "aspect ratio 3.00 (3000x1000) is out of range; allowed: 0.4-2.5",
        ),
        (
            &[Provider::Odkkk],
            format!("data:image/png;base64,{png_b64}"),
            "odkkk accepts image URLs only",
        ),
    ];
    for (providers, url, part) in refused {
        for provider in *providers {
            let outcome = refusal(*provider, &first_frame(Media::Url(url.clone()))).await;
            let Some((field, message)) = outcome else {
                panic!("{provider}: {part}: accepted");
            };
            assert_eq!(field, Field::FirstFrame);
            assert!(message.contains(part), "{provider}: {message}");
            assert!(message.len() < 300, "the data is not echoed: {message}");
        }
    }
}

/// A valid data URL is accepted and sent in canonical form: lowercase `image/<sniffed format>`,
/// padded base64.
#[tokio::test]
async fn a_valid_data_url_is_sent_canonically() {
    let mut data = png(800, 600);
    data.push(0);
    let unpadded = b64(&data).trim_end_matches('=').to_owned();
    assert_ne!(unpadded, b64(&data), "the fixture exercises padding");
    for provider in INLINE {
        let server = MockServer::start().await;
        Mock::given(any())
            .respond_with(ResponseTemplate::new(200).set_body_json(submit_ok(provider)))
            .mount(&server)
            .await;
        let request = first_frame(Media::Url(format!("DATA:Image/PNG;BASE64,{unpadded}")));
        client(provider, &server).submit(&request).await.unwrap();
        let sent = captured_one(&server).await;
        // Ark sends the frame as the second content item, after the prompt.
        let pointer = match provider {
            Provider::Ark => "/content/1/image_url/url",
            Provider::Modellix => "/first_frame_image",
            _ => "/image",
        };
        assert_eq!(
            sent.body
                .unwrap()
                .pointer(pointer)
                .cloned()
                .unwrap_or_default(),
            format!("data:image/png;base64,{}", b64(&data)),
            "{provider}"
        );
    }
}

/// Modellix documents no image rules, yet its inline images are capped at the upstream limit.
#[test]
fn modellix_inline_images_have_the_upstream_size_limit() {
    for model in [Model::Seedance15Pro, Model::Seedance20Fast] {
        let caps = capabilities(Provider::Modellix, model).unwrap();
        let rules = caps.inline_images.rules().expect("rules for inline images");
        assert_eq!(rules.max_bytes, 30 * 1024 * 1024);
    }
}
