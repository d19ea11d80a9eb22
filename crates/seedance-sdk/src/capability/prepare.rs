//! From a request to what is sent: validation against the capabilities, then the media read
//! and encoded the way the provider takes it.

use super::capabilities;
use crate::{
    error::{Error, InvalidRequest, Result},
    media::MediaProblem,
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
    let inline = caps.inline_images;
    let resolve = |field: Field, media: &crate::Media| {
        let model = request.model;
        let media = media.clone();
        async move {
            media.resolve(inline).await.map_err(|problem| {
                let message = match problem {
                    MediaProblem::UrlOnly => format!(
                        "{provider} accepts image URLs only; upload the file somewhere \
                         the provider can fetch and pass its http(s) URL"
                    ),
                    MediaProblem::Unreadable(message) | MediaProblem::Rejected(message) => message,
                };
                Error::from(InvalidRequest {
                    provider,
                    model,
                    field,
                    message,
                })
            })
        }
    };
    let mut resolved = Resolved::default();
    match &request.inputs {
        Inputs::Text => {}
        Inputs::FirstFrame { first } => {
            resolved.first = Some(resolve(Field::FirstFrame, first).await?);
        }
        Inputs::FirstLastFrames { first, last } => {
            resolved.first = Some(resolve(Field::FirstFrame, first).await?);
            resolved.last = Some(resolve(Field::LastFrame, last).await?);
        }
        Inputs::References { images, audio } => {
            for image in images {
                resolved
                    .images
                    .push(resolve(Field::ReferenceImages, image).await?);
            }
            resolved.audio = audio.clone();
        }
    }
    Ok(resolved)
}
