//! Media inputs: a URL, bytes with a MIME type, or a local file, and the checks providers
//! document for inline images.

use std::path::{Path, PathBuf};

use base64::Engine;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// An image given to the model: by URL, as bytes, or as a local file.
///
/// Bytes and files are sent inline as a `data:image/<format>;base64,` URL, and only to providers
/// that accept inline images; a provider that takes URLs only gets a clear error, never a silent
/// upload somewhere.
#[derive(Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Media {
    /// An `http(s)` URL the provider can fetch (or a `data:` URL).
    Url(String),
    /// Image bytes and their MIME type (`image/png`, ...).
    Bytes {
        /// MIME type, `image/<format>`.
        mime_type: String,
        /// The bytes, base64 in JSON.
        #[serde(with = "base64_bytes")]
        #[schemars(with = "String")]
        data: Vec<u8>,
    },
    /// A local image file, read when the request is submitted.
    Path(PathBuf),
}

impl std::fmt::Debug for Media {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Media::Url(url) if url.starts_with("data:") => {
                write!(f, "Url(data URL, {} bytes)", url.len())
            }
            Media::Url(url) => f.debug_tuple("Url").field(url).finish(),
            Media::Bytes { mime_type, data } => {
                write!(f, "Bytes({mime_type}, {} bytes)", data.len())
            }
            Media::Path(path) => f.debug_tuple("Path").field(path).finish(),
        }
    }
}

impl From<&str> for Media {
    /// `http://`, `https://` and `data:` strings are URLs; anything else is a local path.
    fn from(value: &str) -> Self {
        if is_url(value) {
            Media::Url(value.to_owned())
        } else {
            Media::Path(PathBuf::from(value))
        }
    }
}

impl From<String> for Media {
    fn from(value: String) -> Self {
        Media::from(value.as_str())
    }
}

impl From<PathBuf> for Media {
    fn from(value: PathBuf) -> Self {
        Media::Path(value)
    }
}

impl From<&Path> for Media {
    fn from(value: &Path) -> Self {
        Media::Path(value.to_owned())
    }
}

fn is_url(value: &str) -> bool {
    let lower = value.to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://") || lower.starts_with("data:")
}

/// What a provider documents about inline images.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct ImageRules {
    /// Accepted formats (lowercase, as in `image/<format>`).
    pub formats: &'static [&'static str],
    /// Largest accepted size, exclusive.
    pub max_bytes: u64,
    /// Shortest and longest accepted side, in pixels.
    pub side_px: (u32, u32),
    /// Accepted width / height range.
    pub aspect: (f64, f64),
}

/// Jiekou's documented rules (the same as the upstream Seedance API's).
pub(crate) const SEEDANCE_IMAGE_RULES: ImageRules = ImageRules {
    formats: &["jpeg", "png", "webp", "bmp", "tiff", "gif"],
    max_bytes: 30 * 1024 * 1024,
    side_px: (300, 6000),
    aspect: (0.4, 2.5),
};

/// Why a media input was refused; the caller adds the field, provider and model.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum MediaProblem {
    UrlOnly,
    Unreadable(String),
    Rejected(String),
}

/// How a provider takes images.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Inline {
    /// URLs only.
    Refused,
    /// Inline data URLs, with documented checks if any.
    Accepted(Option<ImageRules>),
}

impl Media {
    /// The string to send: the URL, or a data URL built from bytes or a file after the checks.
    pub(crate) async fn resolve(&self, inline: Inline) -> Result<String, MediaProblem> {
        let (mime_type, data) = match self {
            Media::Url(url) if !url.to_ascii_lowercase().starts_with("data:") => {
                if !is_url(url) {
                    return Err(MediaProblem::Rejected(format!(
                        "{url:?} is not an http(s) URL"
                    )));
                }
                return Ok(url.clone());
            }
            Media::Url(data_url) => {
                return match inline {
                    Inline::Refused => Err(MediaProblem::UrlOnly),
                    Inline::Accepted(_) => Ok(data_url.clone()),
                };
            }
            Media::Bytes { mime_type, data } => (Some(mime_type.clone()), data.clone()),
            Media::Path(path) => {
                if matches!(inline, Inline::Refused) {
                    return Err(MediaProblem::UrlOnly);
                }
                let data = tokio::fs::read(path).await.map_err(|err| {
                    MediaProblem::Unreadable(format!("cannot read {}: {err}", path.display()))
                })?;
                (None, data)
            }
        };
        let Inline::Accepted(rules) = inline else {
            return Err(MediaProblem::UrlOnly);
        };
        let format = check_image(&data, mime_type.as_deref(), rules)?;
        let encoded = base64::engine::general_purpose::STANDARD.encode(&data);
        Ok(format!("data:image/{format};base64,{encoded}"))
    }
}

/// Sniffs the image format and checks it against `rules`; returns the format name.
fn check_image(
    data: &[u8],
    declared: Option<&str>,
    rules: Option<ImageRules>,
) -> Result<&'static str, MediaProblem> {
    use imagesize::ImageType;
    let format = match imagesize::image_type(data) {
        Ok(ImageType::Jpeg) => "jpeg",
        Ok(ImageType::Png) => "png",
        Ok(ImageType::Webp) => "webp",
        Ok(ImageType::Bmp) => "bmp",
        Ok(ImageType::Tiff) => "tiff",
        Ok(ImageType::Gif) => "gif",
        Ok(other) => {
            return Err(MediaProblem::Rejected(format!(
                "{other:?} images are not accepted"
            )));
        }
        Err(_) => {
            return Err(MediaProblem::Rejected(
                "the data is not a recognizable image".into(),
            ));
        }
    };
    if let Some(declared) = declared {
        let declared = declared.trim().to_ascii_lowercase();
        let matches =
            declared == format!("image/{format}") || (format == "jpeg" && declared == "image/jpg");
        if !matches {
            return Err(MediaProblem::Rejected(format!(
                "the MIME type {declared:?} does not match the {format} data"
            )));
        }
    }
    let Some(rules) = rules else {
        return Ok(format);
    };
    if !rules.formats.contains(&format) {
        return Err(MediaProblem::Rejected(format!(
            "{format} is not accepted; allowed: {}",
            rules.formats.join(", ")
        )));
    }
    if data.len() as u64 >= rules.max_bytes {
        return Err(MediaProblem::Rejected(format!(
            "{} bytes is too large; allowed: under {} MB",
            data.len(),
            rules.max_bytes / (1024 * 1024)
        )));
    }
    let size = imagesize::blob_size(data)
        .map_err(|_| MediaProblem::Rejected("the image size cannot be read".into()))?;
    let (width, height) = (size.width as u32, size.height as u32);
    let (min, max) = rules.side_px;
    if width < min || height < min || width > max || height > max {
        return Err(MediaProblem::Rejected(format!(
            "{width}x{height} px is out of range; allowed: each side {min}-{max} px"
        )));
    }
    let aspect = f64::from(width) / f64::from(height);
    if aspect < rules.aspect.0 || aspect > rules.aspect.1 {
        return Err(MediaProblem::Rejected(format!(
            "aspect ratio {aspect:.2} ({width}x{height}) is out of range; allowed: {}-{}",
            rules.aspect.0, rules.aspect.1
        )));
    }
    Ok(format)
}

mod base64_bytes {
    use base64::Engine;
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(data: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&base64::engine::general_purpose::STANDARD.encode(data))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(d)?;
        base64::engine::general_purpose::STANDARD
            .decode(text)
            .map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        check_image(data, Some("image/png"), Some(SEEDANCE_IMAGE_RULES))
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
            check_image(&png(1280, 720), Some("image/jpeg"), None),
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
            bytes.resolve(Inline::Refused).await,
            Err(MediaProblem::UrlOnly)
        );
        let path = Media::from("./first.png");
        assert_eq!(
            path.resolve(Inline::Refused).await,
            Err(MediaProblem::UrlOnly)
        );
        let url = Media::from("https://example.com/a.png");
        assert_eq!(
            url.resolve(Inline::Refused).await,
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
            .resolve(Inline::Accepted(Some(SEEDANCE_IMAGE_RULES)))
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
}
