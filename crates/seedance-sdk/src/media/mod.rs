//! Media inputs: a URL, bytes with a MIME type, or a local file, and the checks providers
//! document for inline images.
//!
//! Everything here treats its input as hostile: a local file is read only after its metadata says
//! it is a regular file under the size limit, and never more than one byte past that limit; a
//! data URL is decoded and checked like a file; a URL is parsed, not prefix-matched; and a local
//! path is never read from JSON.

use std::path::{Path, PathBuf};

use base64::Engine;
use schemars::JsonSchema;
use serde::{
    Deserialize, Deserializer, Serialize,
    de::{self, EnumAccess, VariantAccess, Visitor},
};

use crate::text::bounded;

mod audio;
mod file;

use self::file::read_file;

/// An image (or, as reference audio, an audio clip) given to the model: by URL, as bytes, or as
/// a local file.
///
/// Bytes and files are sent inline as a `data:image/<format>;base64,` URL, and only to providers
/// that accept inline images; a provider that takes URLs only gets a clear error, never a silent
/// upload somewhere.
///
/// # JSON
///
/// `{"url": "..."}` and `{"bytes": {"mime_type": "image/png", "data": "<base64>"}}` deserialize.
/// `{"path": "..."}` never does: deserializing it fails with an error saying that local paths
/// are not accepted in JSON, because a request read from JSON (an agent's, a web form's) could
/// otherwise make this program read any local file and upload it to the provider. A local file
/// is given in code ([`Media::Path`], `From<PathBuf>`, `From<&str>` for a string that is not a
/// URL, the builder) or with the CLI's flags. [`VideoRequest::json_schema`] describes what
/// deserializes, so it has no `path`.
///
/// A `Media::Path` still serializes, as `{"path": "..."}`, so a request can be logged or written
/// to a file; reading such a file back needs the caller to trust it explicitly.
///
/// [`VideoRequest::json_schema`]: crate::VideoRequest::json_schema
#[derive(Clone, PartialEq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
#[schemars(
    description = "An image or audio clip given to the model: an http(s) URL the provider fetches, an `asset://<id>` (Ark), a `data:image/<format>;base64,` (or `data:audio/<format>;base64,`) URL, or bytes with their MIME type. Local file paths are not accepted in JSON."
)]
pub enum Media {
    /// An `http(s)` URL the provider can fetch, or a `data:image/<format>;base64,` URL (decoded
    /// and checked like bytes).
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
    /// A local image file, read when the request is submitted. Never deserialized from JSON.
    #[schemars(skip)]
    Path(PathBuf),
}

/// Why `{"path": ...}` is refused in JSON, for the serde error.
const PATH_IN_JSON: &str = "local file paths are not accepted in JSON (a request read from JSON could otherwise make this program read and upload any file); give the image as {\"url\": ...} or {\"bytes\": ...}, or pass the file with a CLI flag or Media::Path in code";

/// The variants a JSON `Media` may name.
const JSON_VARIANTS: &[&str] = &["url", "bytes"];

impl<'de> Deserialize<'de> for Media {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_enum("Media", JSON_VARIANTS, MediaVisitor)
    }
}

/// The variant named in JSON; `path` is recognized only to refuse it with a clear message.
enum Tag {
    Url,
    Bytes,
    Path,
}

impl<'de> Deserialize<'de> for Tag {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TagVisitor;
        impl Visitor<'_> for TagVisitor {
            type Value = Tag;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("`url` or `bytes`")
            }
            fn visit_str<E: de::Error>(self, value: &str) -> Result<Tag, E> {
                match value {
                    "url" => Ok(Tag::Url),
                    "bytes" => Ok(Tag::Bytes),
                    "path" => Ok(Tag::Path),
                    other => Err(E::unknown_variant(other, JSON_VARIANTS)),
                }
            }
        }
        deserializer.deserialize_identifier(TagVisitor)
    }
}

/// The fields of `{"bytes": {...}}`.
#[derive(Deserialize)]
struct BytesJson {
    mime_type: String,
    #[serde(with = "base64_bytes")]
    data: Vec<u8>,
}

struct MediaVisitor;

impl<'de> Visitor<'de> for MediaVisitor {
    type Value = Media;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(
            "an image as {\"url\": ...} or {\"bytes\": {\"mime_type\": ..., \"data\": ...}}",
        )
    }

    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<Media, A::Error> {
        let (tag, variant) = data.variant::<Tag>()?;
        match tag {
            Tag::Url => variant.newtype_variant().map(Media::Url),
            Tag::Bytes => {
                let BytesJson { mime_type, data } = variant.newtype_variant()?;
                Ok(Media::Bytes { mime_type, data })
            }
            // Refused whatever the value is, before looking at it.
            Tag::Path => Err(de::Error::custom(PATH_IN_JSON)),
        }
    }
}

impl std::fmt::Debug for Media {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Media::Url(url) if is_data_url(url) => {
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
    /// `data:` and `<scheme>://` strings (`http(s)://`, `asset://`) are URLs; anything else is a
    /// local path.
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

/// Whether `value` is a URL rather than a local path: `data:`, or any `<scheme>://` (so that a
/// `file://` or `ftp://` string is refused as a URL instead of read as a relative path).
fn is_url(value: &str) -> bool {
    let has_scheme = value.split_once("://").is_some_and(|(scheme, _)| {
        scheme.starts_with(|c: char| c.is_ascii_alphabetic())
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    });
    has_scheme || is_data_url(value)
}

/// Whether `value` starts with the `data:` scheme, in any case.
pub(crate) fn is_data_url(value: &str) -> bool {
    value
        .get(..5)
        .is_some_and(|scheme| scheme.eq_ignore_ascii_case("data:"))
}

/// Whether `value` is an `asset://<id>` URL (media uploaded to Ark's asset library) with a
/// plausible id: no whitespace, control characters, slashes or backslashes.
pub(crate) fn is_asset_url(value: &str) -> bool {
    let scheme = "asset://";
    value
        .get(..scheme.len())
        .is_some_and(|head| head.eq_ignore_ascii_case(scheme))
        && value.len() > scheme.len()
        && value.len() <= 1024
        && !value[scheme.len()..]
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '/' | '\\' | '?' | '#'))
}

/// Parses `url` and checks that it is `http(s)` with a host.
///
/// The error says what is wrong without repeating the URL, whose query may be signed.
pub(crate) fn parse_http_url(url: &str) -> Result<reqwest::Url, String> {
    // The URL parser drops whitespace and reads a backslash as `/`, where other parsers differ: the
    // provider could see another host than the one checked.
    if url
        .chars()
        .any(|c| c.is_whitespace() || c.is_control() || c == '\\')
    {
        return Err("contains whitespace, control characters or backslashes".into());
    }
    let parsed = reqwest::Url::parse(url).map_err(|err| format!("cannot be parsed ({err})"))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(format!(
            "has the scheme {:?}, not http(s)",
            bounded(parsed.scheme())
        ));
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err("has no host".into());
    }
    Ok(parsed)
}

/// What a provider documents about inline images (and the size cap that applies when it
/// documents none).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImageRules {
    /// Accepted formats (lowercase, as in `image/<format>`).
    pub formats: Vec<String>,
    /// Largest accepted size in bytes, exclusive. A local file is never read past it.
    pub max_bytes: u64,
    /// Shortest and longest accepted side, in pixels, when documented.
    pub side_px: Option<(u32, u32)>,
    /// Accepted width / height range, when documented.
    pub aspect: Option<(f64, f64)>,
}

/// The size limit of the upstream Seedance API, also the cap for a provider that documents none.
const MAX_IMAGE_BYTES: u64 = 30 * 1024 * 1024;

/// The formats the SDK recognises in image data.
const RECOGNISED_FORMATS: [&str; 8] = ["jpeg", "png", "webp", "bmp", "tiff", "gif", "heic", "heif"];

impl ImageRules {
    /// For a provider that documents no rules: the upstream Seedance formats and its 30 MB
    /// limit, so an inline image is always bounded.
    pub(crate) fn undocumented() -> ImageRules {
        ImageRules {
            formats: RECOGNISED_FORMATS[..6]
                .iter()
                .map(|f| (*f).to_owned())
                .collect(),
            max_bytes: MAX_IMAGE_BYTES,
            side_px: None,
            aspect: None,
        }
    }

    /// Every format the SDK recognises in image data.
    pub(crate) fn recognised_formats() -> Vec<String> {
        RECOGNISED_FORMATS.iter().map(|f| (*f).to_owned()).collect()
    }
}

/// Why a media input was refused; the caller adds the field, provider and model.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum MediaProblem {
    UrlOnly,
    Unreadable(String),
    Rejected(String),
}

/// How a provider takes images.
///
/// In JSON it is `"refused"` for [`Inline::Refused`] and `{"accepted": rules}` otherwise, as in
/// the capability data.
#[derive(Clone, Debug, PartialEq)]
pub enum Inline {
    /// URLs only: bytes, files and data URLs are refused before anything is sent.
    Refused,
    /// Inline data (sent as `data:` URLs) is accepted under these documented rules; with none,
    /// the upstream Seedance formats and its 30 MB limit still apply.
    Accepted(Option<ImageRules>),
}

impl Inline {
    /// The rules an inline image is checked against, or `None` when images are URLs only.
    pub fn rules(&self) -> Option<ImageRules> {
        match self {
            Inline::Refused => None,
            Inline::Accepted(rules) => Some(rules.clone().unwrap_or_else(ImageRules::undocumented)),
        }
    }
}

impl Serialize for Inline {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        match self.rules() {
            None => serializer.serialize_str("refused"),
            Some(rules) => {
                let mut map = serializer.serialize_map(Some(1))?;
                map.serialize_entry("accepted", &rules)?;
                map.end()
            }
        }
    }
}

/// The form a data URL must have, for messages.
const DATA_URL_FORM: &str = "allowed: data:image/<format>;base64,<data>";

impl Media {
    /// The string to send: the URL, or a data URL built from bytes, a file or a data URL after
    /// the checks.
    /// With `assets`, an `asset://<id>` URL is sent as it is.
    pub(crate) async fn resolve(
        &self,
        inline: &Inline,
        assets: bool,
    ) -> Result<String, MediaProblem> {
        if let Media::Url(url) = self
            && assets
            && is_asset_url(url)
        {
            return Ok(url.clone());
        }
        if let Media::Url(url) = self
            && !is_data_url(url)
        {
            parse_http_url(url).map_err(|why| {
                MediaProblem::Rejected(format!(
                    "the URL {why}; allowed: an http(s) URL with a host, or inline data where the provider accepts it"
                ))
            })?;
            return Ok(url.clone());
        }
        let Some(rules) = inline.rules() else {
            return Err(MediaProblem::UrlOnly);
        };
        let (declared, data) = match self {
            Media::Url(data_url) => {
                let (mime_type, data) = decode_data_url(data_url, rules.max_bytes)?;
                (Some(mime_type), data)
            }
            Media::Bytes { mime_type, data } => (Some(mime_type.clone()), data.clone()),
            Media::Path(path) => (None, read_file(path, rules.max_bytes, "image").await?),
        };
        let format = check_image(&data, declared.as_deref(), &rules)?;
        // Re-encoded canonically, so what is sent is exactly what was checked.
        let encoded = base64::engine::general_purpose::STANDARD.encode(&data);
        Ok(format!("data:image/{format};base64,{encoded}"))
    }
}

/// Splits a `data:image/<format>;base64,` URL into its MIME type and decoded bytes.
fn decode_data_url(url: &str, max_bytes: u64) -> Result<(String, Vec<u8>), MediaProblem> {
    decode_data_url_of(url, max_bytes, "image", DATA_URL_FORM)
}

/// Splits a `data:<kind>/<format>;base64,` URL into its MIME type and decoded bytes; `form`
/// says what is allowed, for messages.
pub(crate) fn decode_data_url_of(
    url: &str,
    max_bytes: u64,
    kind: &str,
    form: &str,
) -> Result<(String, Vec<u8>), MediaProblem> {
    let rest = &url["data:".len()..];
    let Some((header, payload)) = rest.split_once(',') else {
        return Err(MediaProblem::Rejected(format!(
            "the data URL has no data; {form}"
        )));
    };
    let header = header.to_ascii_lowercase();
    let Some(mime_type) = header.strip_suffix(";base64") else {
        return Err(MediaProblem::Rejected(format!(
            "the data URL is not base64 ({:?}); {form}",
            bounded(&header)
        )));
    };
    let prefix = format!("{kind}/");
    let is_kind = mime_type
        .strip_prefix(prefix.as_str())
        .is_some_and(|format| {
            !format.is_empty()
                && format
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        });
    if !is_kind {
        return Err(MediaProblem::Rejected(format!(
            "the data URL's media type {:?} is not accepted; {form}",
            bounded(mime_type)
        )));
    }
    // Four characters carry three bytes: refuse an oversized payload before decoding it.
    let at_least = (payload.len() as u64 / 4) * 3;
    if at_least > max_bytes {
        return Err(too_large(
            format!("the data URL holds about {at_least} bytes"),
            max_bytes,
        ));
    }
    let engine = base64::engine::GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        base64::engine::GeneralPurposeConfig::new()
            .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent),
    );
    let data = engine.decode(payload).map_err(|err| {
        MediaProblem::Rejected(format!(
            "the data URL's data is not valid base64 ({err}); {form}"
        ))
    })?;
    Ok((mime_type.to_owned(), data))
}

pub(crate) fn too_large(what: String, max_bytes: u64) -> MediaProblem {
    MediaProblem::Rejected(format!(
        "{what}, too large; allowed: under {} MB ({max_bytes} bytes)",
        max_bytes / (1024 * 1024)
    ))
}

/// Sniffs the image format and checks it against `rules`; returns the format name.
fn check_image(
    data: &[u8],
    declared: Option<&str>,
    rules: &ImageRules,
) -> Result<&'static str, MediaProblem> {
    use imagesize::ImageType;
    if data.len() as u64 >= rules.max_bytes {
        return Err(too_large(format!("{} bytes", data.len()), rules.max_bytes));
    }
    let format = match imagesize::image_type(data) {
        Ok(ImageType::Jpeg) => "jpeg",
        Ok(ImageType::Png) => "png",
        Ok(ImageType::Webp) => "webp",
        Ok(ImageType::Bmp) => "bmp",
        Ok(ImageType::Tiff) => "tiff",
        Ok(ImageType::Gif) => "gif",
        Ok(ImageType::Heif(imagesize::Compression::Hevc)) => "heic",
        // An AVIF is a HEIF container too, but not a format Seedance documents.
        Ok(ImageType::Heif(imagesize::Compression::Av1)) => "avif",
        Ok(ImageType::Heif(_)) => "heif",
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
                "the MIME type {:?} does not match the {format} data",
                bounded(&declared)
            )));
        }
    }
    if !rules.formats.iter().any(|f| f == format) {
        return Err(MediaProblem::Rejected(format!(
            "{format} is not accepted; allowed: {}",
            rules.formats.join(", ")
        )));
    }
    if rules.side_px.is_none() && rules.aspect.is_none() {
        return Ok(format);
    }
    let size = imagesize::blob_size(data)
        .map_err(|_| MediaProblem::Rejected("the image size cannot be read".into()))?;
    let width = u32::try_from(size.width).unwrap_or(u32::MAX);
    let height = u32::try_from(size.height).unwrap_or(u32::MAX);
    if let Some((min, max)) = rules.side_px
        && (width < min || height < min || width > max || height > max)
    {
        return Err(MediaProblem::Rejected(format!(
            "{width}x{height} px is out of range; allowed: each side {min}-{max} px"
        )));
    }
    if let Some((low, high)) = rules.aspect {
        let aspect = f64::from(width) / f64::from(height);
        if !(low..=high).contains(&aspect) {
            return Err(MediaProblem::Rejected(format!(
                "aspect ratio {aspect:.2} ({width}x{height}) is out of range; allowed: {low}-{high}"
            )));
        }
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
mod tests;
