//! Tests of media reading and checking: files, bytes, data URLs and image headers.

use super::{file::read_at_most, *};

/// A PNG header with the given dimensions (enough for format and size sniffing).
pub(crate) fn png(width: u32, height: u32) -> Vec<u8> {
    let mut data = vec![0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a];
    data.extend_from_slice(&13u32.to_be_bytes());
    data.extend_from_slice(b"IHDR");
    data.extend_from_slice(&width.to_be_bytes());
    data.extend_from_slice(&height.to_be_bytes());
    data.extend_from_slice(&[8, 6, 0, 0, 0, 0, 0, 0, 0]);
    data
}

fn check(data: &[u8]) -> Result<&'static str, MediaProblem> {
    check_image(data, Some("image/png"), &seedance_rules())
}

#[test]
fn documented_image_rules() {
    assert_eq!(check(&png(1280, 720)), Ok("png"));
    for (data, expected) in [
        (
            png(200, 400),
            "200x400 px is out of range; allowed: each side 300-6000 px",
        ),
        (
            png(6001, 6000),
            "6001x6000 px is out of range; allowed: each side 300-6000 px",
        ),
        (
            png(3000, 1000),
            "aspect ratio 3.00 (3000x1000) is out of range; allowed: 0.4-2.5",
        ),
        (
            b"not an image".to_vec(),
            "the data is not a recognizable image",
        ),
    ] {
        assert_eq!(check(&data), Err(MediaProblem::Rejected(expected.into())));
    }
    assert_eq!(
        check_image(
            &png(1280, 720),
            Some("image/jpeg"),
            &ImageRules::undocumented()
        ),
        Err(MediaProblem::Rejected(
            "the MIME type \"image/jpeg\" does not match the png data".into()
        ))
    );
}

#[tokio::test]
async fn url_only_providers_refuse_inline_media() {
    let bytes = Media::Bytes {
        mime_type: "image/png".into(),
        data: png(800, 600),
    };
    assert_eq!(
        bytes.resolve(&Inline::Refused, false).await,
        Err(MediaProblem::UrlOnly)
    );
    let path = Media::from("./first.png");
    assert_eq!(
        path.resolve(&Inline::Refused, false).await,
        Err(MediaProblem::UrlOnly)
    );
    let url = Media::from("https://example.com/a.png");
    assert_eq!(
        url.resolve(&Inline::Refused, false).await,
        Ok("https://example.com/a.png".into())
    );
}

#[tokio::test]
async fn bytes_become_a_data_url() {
    let bytes = Media::Bytes {
        mime_type: "image/png".into(),
        data: png(800, 600),
    };
    let url = bytes
        .resolve(&Inline::Accepted(Some(seedance_rules())), false)
        .await
        .unwrap();
    assert!(
        url.starts_with("data:image/png;base64,iVBORw0KGgo"),
        "{url}"
    );
    assert!(
        format!("{bytes:?}").contains("bytes"),
        "Debug never dumps the data"
    );
}

/// The cap holds whatever the reader yields: `/dev/zero` never ends, and only
/// `max_bytes` bytes are read from it.
#[cfg(unix)]
#[tokio::test]
async fn reads_stop_one_byte_past_the_largest_accepted_size() {
    let zero = tokio::fs::File::open("/dev/zero").await.unwrap();
    let data = read_at_most(zero, 4096, 0).await.unwrap();
    assert_eq!(data.len(), 4096);
}

#[tokio::test]
async fn undocumented_rules_still_cap_the_size() {
    let mut data = png(800, 600);
    data.resize(MAX_IMAGE_BYTES as usize, 0);
    let bytes = Media::Bytes {
        mime_type: "image/png".into(),
        data,
    };
    assert_eq!(
        bytes.resolve(&Inline::Accepted(None), false).await,
        Err(MediaProblem::Rejected(
            "31457280 bytes, too large; allowed: under 30 MB (31457280 bytes)".into()
        ))
    );
}

#[test]
fn urls_are_parsed_not_prefix_matched() {
    for (url, expected) in [
        ("https://example.com/a.png", Ok(())),
        ("HTTP://EXAMPLE.COM/a.png", Ok(())),
        ("https://", Err("cannot be parsed (empty host)")),
        ("http:///", Err("cannot be parsed (empty host)")),
        (
            "file:///etc/passwd",
            Err("has the scheme \"file\", not http(s)"),
        ),
        (
            "ftp://example.com/a.png",
            Err("has the scheme \"ftp\", not http(s)"),
        ),
        (
            "example.com/a.png",
            Err("cannot be parsed (relative URL without a base)"),
        ),
        (
            "https://example.com/a.png\n",
            Err("contains whitespace, control characters or backslashes"),
        ),
        (
            "https://exa mple.com/",
            Err("contains whitespace, control characters or backslashes"),
        ),
    ] {
        assert_eq!(
            parse_http_url(url).map(|_| ()),
            expected.map_err(str::to_owned),
            "{url}"
        );
    }
}

#[test]
fn strings_with_a_scheme_are_urls_and_assets_are_recognized() {
    assert_eq!(
        Media::from("file:///etc/passwd"),
        Media::Url("file:///etc/passwd".into())
    );
    assert_eq!(Media::from("asset://a-1"), Media::Url("asset://a-1".into()));
    assert_eq!(
        Media::from("C:\\clips\\a.wav"),
        Media::Path("C:\\clips\\a.wav".into())
    );
    assert_eq!(Media::from("1://x"), Media::Path("1://x".into()));
    assert!(is_asset_url("ASSET://asset-20260101-abc"));
    for bad in [
        "asset://",
        "asset://a/b",
        "asset://a b",
        "asset://a?x",
        "assets://a",
    ] {
        assert!(!is_asset_url(bad), "{bad}");
    }
}

#[tokio::test]
async fn assets_pass_only_where_taken() {
    let asset = Media::Url("asset://image-1".into());
    let inline = Inline::Accepted(Some(seedance_rules()));
    assert_eq!(
        asset.resolve(&inline, true).await,
        Ok("asset://image-1".into())
    );
    assert!(matches!(
        asset.resolve(&inline, false).await,
        Err(MediaProblem::Rejected(_))
    ));
    assert_eq!(
        asset.resolve_audio(true, true).await,
        Ok("asset://image-1".into())
    );
    assert!(matches!(
        asset.resolve_audio(true, false).await,
        Err(MediaProblem::Rejected(_))
    ));
}

/// The start of a wav file.
fn wav() -> Vec<u8> {
    let mut data = b"RIFF\x24\x00\x00\x00WAVEfmt ".to_vec();
    data.resize(44, 0);
    data
}

#[tokio::test]
async fn audio_is_sniffed_and_sent_as_a_data_url() {
    use super::audio::{MAX_AUDIO_BYTES, check_audio};
    assert_eq!(check_audio(&wav(), Some("audio/x-wav")), Ok("wav"));
    assert_eq!(check_audio(b"ID3\x04\x00rest", None), Ok("mpeg"));
    assert_eq!(
        check_audio(&[0xFF, 0xFB, 0x90, 0x00], Some("audio/mp3")),
        Ok("mpeg")
    );
    for (data, declared, expected) in [
        (
            png(800, 600),
            None,
            "the data is not wav or mp3 audio; allowed: wav or mp3",
        ),
        (
            wav(),
            Some("audio/mpeg"),
            "the MIME type \"audio/mpeg\" does not match the wav data",
        ),
    ] {
        assert_eq!(
            check_audio(&data, declared),
            Err(MediaProblem::Rejected(expected.into()))
        );
    }
    let mut huge = wav();
    huge.resize(MAX_AUDIO_BYTES as usize, 0);
    assert!(
        matches!(check_audio(&huge, None), Err(MediaProblem::Rejected(m)) if m.contains("too large"))
    );

    let dir = std::env::temp_dir().join(format!("seedance-audio-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("voice.wav");
    std::fs::write(&path, wav()).unwrap();
    let sent = Media::Path(path).resolve_audio(true, true).await.unwrap();
    assert!(sent.starts_with("data:audio/wav;base64,UklGR"), "{sent}");
    let data_url = Media::Url(sent.clone()).resolve_audio(true, false).await;
    assert_eq!(data_url, Ok(sent), "a data URL is re-encoded canonically");
    assert_eq!(
        Media::from(dir.to_str().unwrap())
            .resolve_audio(true, false)
            .await,
        Err(MediaProblem::Rejected(format!(
            "{} is a directory, not a regular file; allowed: a regular audio file",
            dir.display()
        )))
    );
    std::fs::remove_dir_all(&dir).unwrap();
    let bytes = Media::Bytes {
        mime_type: "audio/wav".into(),
        data: wav(),
    };
    assert_eq!(
        bytes.resolve_audio(false, true).await,
        Err(MediaProblem::UrlOnly)
    );
    let url = Media::Url("https://example.com/a.mp3".into());
    assert_eq!(
        url.resolve_audio(false, false).await,
        Ok("https://example.com/a.mp3".into())
    );
}

#[test]
fn heic_and_avif_are_told_apart() {
    let ftyp = |brand: &[u8; 4]| {
        let mut data = vec![0, 0, 0, 24];
        data.extend_from_slice(b"ftyp");
        data.extend_from_slice(brand);
        data.extend_from_slice(&[0; 12]);
        data
    };
    let rules = seedance_rules();
    let refused = |format: &str| {
        Err(MediaProblem::Rejected(format!(
            "{format} is not accepted; allowed: jpeg, png, webp, bmp, tiff, gif"
        )))
    };
    assert_eq!(check_image(&ftyp(b"heic"), None, &rules), refused("heic"));
    assert_eq!(check_image(&ftyp(b"avif"), None, &rules), refused("avif"));
    assert_eq!(check_image(&ftyp(b"mif1"), None, &rules), refused("heif"));
}

/// Jiekou's documented rules (the same as the upstream Seedance API's), as in the data.
fn seedance_rules() -> ImageRules {
    ImageRules {
        formats: ["jpeg", "png", "webp", "bmp", "tiff", "gif"]
            .map(str::to_owned)
            .to_vec(),
        max_bytes: 30 * 1024 * 1024,
        side_px: Some((300, 6000)),
        aspect: Some((0.4, 2.5)),
    }
}
