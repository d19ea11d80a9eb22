//! Reference audio: a URL, an `asset://` id, or inline data (a `data:audio/` URL, bytes, or a
//! local wav or mp3 file) sent as `data:audio/wav|mpeg;base64,`.

use base64::Engine;

use super::{
    Media, MediaProblem, decode_data_url_of, is_asset_url, is_data_url, parse_http_url, read_file,
    too_large,
};
use crate::text::bounded;

/// The largest audio clip sent inline, exclusive. Inferred: Ark documents no size for
/// reference audio; 15 MB is the limit its 2.0 guides give for audio files, and it keeps a
/// request body bounded.
pub(crate) const MAX_AUDIO_BYTES: u64 = 15 * 1024 * 1024;

/// The form of an inline clip, for messages.
const AUDIO_FORM: &str = "allowed: data:audio/wav;base64,<data> or data:audio/mpeg;base64,<data>";

impl Media {
    /// The string to send for a reference audio clip: an `http(s)` URL as it is, an `asset://`
    /// id where `assets` are taken, or (where `inline` is taken) a wav or mp3 clip checked and
    /// re-encoded as a data URL.
    pub(crate) async fn resolve_audio(
        &self,
        inline: bool,
        assets: bool,
    ) -> Result<String, MediaProblem> {
        if let Media::Url(url) = self
            && !is_data_url(url)
        {
            if assets && is_asset_url(url) {
                return Ok(url.clone());
            }
            parse_http_url(url).map_err(|why| {
                MediaProblem::Rejected(format!(
                    "the URL {why}; allowed: an http(s) URL with a host"
                ))
            })?;
            return Ok(url.clone());
        }
        if !inline {
            return Err(MediaProblem::UrlOnly);
        }
        let (declared, data) = match self {
            Media::Url(data_url) => {
                let (mime_type, data) =
                    decode_data_url_of(data_url, MAX_AUDIO_BYTES, "audio", AUDIO_FORM)?;
                (Some(mime_type), data)
            }
            Media::Bytes { mime_type, data } => (Some(mime_type.clone()), data.clone()),
            Media::Path(path) => (None, read_file(path, MAX_AUDIO_BYTES, "audio").await?),
        };
        let format = check_audio(&data, declared.as_deref())?;
        let encoded = base64::engine::general_purpose::STANDARD.encode(&data);
        Ok(format!("data:audio/{format};base64,{encoded}"))
    }
}

/// Sniffs wav (RIFF/WAVE) or mp3 (an ID3 tag or an MPEG audio frame header) and checks the
/// declared MIME type against it; returns the subtype sent (`wav` or `mpeg`).
pub(crate) fn check_audio(
    data: &[u8],
    declared: Option<&str>,
) -> Result<&'static str, MediaProblem> {
    if data.len() as u64 >= MAX_AUDIO_BYTES {
        return Err(too_large(format!("{} bytes", data.len()), MAX_AUDIO_BYTES));
    }
    let format = if data.len() >= 12 && &data[..4] == b"RIFF" && &data[8..12] == b"WAVE" {
        "wav"
    } else if data.starts_with(b"ID3")
        || (data.len() >= 2 && data[0] == 0xFF && data[1] & 0xE0 == 0xE0)
    {
        "mpeg"
    } else {
        return Err(MediaProblem::Rejected(
            "the data is not wav or mp3 audio; allowed: wav or mp3".into(),
        ));
    };
    if let Some(declared) = declared {
        let declared = declared.trim().to_ascii_lowercase();
        let accepted: &[&str] = if format == "wav" {
            &["audio/wav", "audio/x-wav", "audio/wave", "audio/vnd.wave"]
        } else {
            &["audio/mpeg", "audio/mp3", "audio/mpeg3", "audio/x-mp3"]
        };
        if !accepted.contains(&declared.as_str()) {
            return Err(MediaProblem::Rejected(format!(
                "the MIME type {:?} does not match the {} data",
                bounded(&declared),
                if format == "wav" { "wav" } else { "mp3" }
            )));
        }
    }
    Ok(format)
}
