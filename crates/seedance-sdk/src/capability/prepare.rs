//! From a request to what is sent: validation against the capabilities, then the media read
//! and encoded the way the provider takes it.

use super::capabilities;
use crate::{
    error::{Error, InvalidRequest, Result},
    media::{Media, MediaProblem},
    provider::Provider,
    providers::Resolved,
    request::{Field, Inputs, Model, VideoRequest},
};

/// Checks `request` against what `provider` accepts and reads its media, without sending
/// anything and without an API key.
///
/// # Errors
///
/// [`Error::InvalidRequest`] naming the field, the provider, the model and what is allowed.
pub async fn validate(provider: Provider, request: &VideoRequest) -> Result<()> {
    prepare(provider, request).await.map(|_| ())
}

/// Validates `request` for `provider` and turns its media into what is sent.
pub(crate) async fn prepare(provider: Provider, request: &VideoRequest) -> Result<Resolved> {
    let caps = capabilities(provider, request.model).ok_or_else(|| {
        let sold: Vec<&str> = Model::ALL
            .into_iter()
            .filter(|m| capabilities(provider, *m).is_some())
            .map(Model::as_str)
            .collect();
        InvalidRequest {
            provider,
            model: request.model,
            field: Field::Model,
            message: format!("is not sold by {}; allowed: {}", provider, sold.join(", ")),
        }
    })?;
    caps.validate(request)?;
    let (inline, assets) = (caps.inline_images, caps.asset_urls);
    let refused = |field: Field, problem: MediaProblem, what: &str| {
        let message = match problem {
            MediaProblem::UrlOnly => format!(
                "{provider} accepts {what} URLs only; upload the file somewhere \
                 the provider can fetch and pass its http(s) URL"
            ),
            MediaProblem::Unreadable(message) | MediaProblem::Rejected(message) => message,
        };
        Error::from(InvalidRequest {
            provider,
            model: request.model,
            field,
            message,
        })
    };
    let image = async |field: Field, media: &Media| {
        media
            .resolve(inline, assets)
            .await
            .map_err(|problem| refused(field, problem, "image"))
    };
    let mut resolved = Resolved::default();
    match &request.inputs {
        Inputs::Text | Inputs::FromDraft { .. } => {}
        Inputs::FirstFrame { first } => {
            resolved.first = Some(image(Field::FirstFrame, first).await?);
        }
        Inputs::FirstLastFrames { first, last } => {
            resolved.first = Some(image(Field::FirstFrame, first).await?);
            resolved.last = Some(image(Field::LastFrame, last).await?);
        }
        Inputs::References {
            images,
            videos,
            audio,
        } => {
            for media in images {
                resolved
                    .images
                    .push(image(Field::ReferenceImages, media).await?);
            }
            // Video URLs were checked by `validate`; they are sent as given.
            resolved.videos = videos.clone();
            for clip in audio {
                let sent = clip
                    .resolve_audio(caps.inline_audio, assets)
                    .await
                    .map_err(|problem| refused(Field::ReferenceAudio, problem, "audio"))?;
                resolved.audio.push(sent);
            }
        }
        Inputs::Edit { video, images } => {
            resolved.videos = vec![video.clone()];
            for media in images {
                resolved
                    .images
                    .push(image(Field::ReferenceImages, media).await?);
            }
        }
        Inputs::Extend { videos } => resolved.videos = videos.clone(),
    }
    Ok(resolved)
}
