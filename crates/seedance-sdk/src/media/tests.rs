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
    check_image(data, Some("image/png"), SEEDANCE_IMAGE_RULES)
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
            UNDOCUMENTED_IMAGE_RULES
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
        bytes.resolve(Inline::Refused, false).await,
        Err(MediaProblem::UrlOnly)
    );
    let path = Media::from("./first.png");
    assert_eq!(
        path.resolve(Inline::Refused, false).await,
        Err(MediaProblem::UrlOnly)
    );
    let url = Media::from("https://example.com/a.png");
    assert_eq!(
        url.resolve(Inline::Refused, false).await,
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
        .resolve(Inline::Accepted(Some(SEEDANCE_IMAGE_RULES)), false)
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
        bytes.resolve(Inline::Accepted(None), false).await,
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
