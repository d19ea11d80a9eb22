//! From a request to what is sent: validation against the capabilities, then the media read
//! and encoded the way the provider takes it.

use super::{CapabilityTable, validate::Violation};
use crate::{
    error::{Error, InvalidRequest, Result},
    media::{ImageRules, Inline, Media, MediaProblem},
    provider::Provider,
    providers::{Resolved, check_extra},
    request::{Field, Inputs, Model, Validation, VideoRequest},
};

/// Checks `request` against what `provider` accepts (the built-in table, under the request's
/// [`Validation`], enforce by default) and reads its media, without sending anything and
/// without an API key.
///
/// # Errors
///
/// [`Error::InvalidRequest`] naming the field, the provider, the model and what is allowed.
pub async fn validate(provider: Provider, request: &VideoRequest) -> Result<()> {
    prepare(
        &CapabilityTable::built_in(),
        provider,
        request,
        Validation::Enforce,
    )
    .await
    .map(|_| ())
}

/// Validates `request` for `provider` against `table` under the request's validation mode (or
/// `mode` when it sets none) and turns its media into what is sent. Under
/// [`Validation::Warn`] each rule broken is logged through `tracing` (`Client::violations`
/// gives them to a caller that prints them).
pub(crate) async fn prepare(
    table: &CapabilityTable,
    provider: Provider,
    request: &VideoRequest,
    mode: Validation,
) -> Result<Resolved> {
    let mode = request.validation.unwrap_or(mode);
    // Without an entry the mapping does not know how to send the model at all, so this holds
    // in every mode.
    let caps = table.get(provider, request.model).ok_or_else(|| {
        let sold: Vec<&str> = Model::ALL
            .into_iter()
            .filter(|m| table.get(provider, *m).is_some())
            .map(Model::as_str)
            .collect();
        InvalidRequest {
            provider,
            model: request.model,
            field: Field::Model,
            message: format!("is not sold by {}; allowed: {}", provider, sold.join(", ")),
        }
    })?;
    check_extra(caps, request)?;
    let mut violations = match mode {
        Validation::Off => Vec::new(),
        Validation::Enforce | Validation::Warn => caps.violations(request),
    };
    if mode == Validation::Enforce
        && let Some(first) = violations.first()
    {
        return Err(first.refusal.clone().into());
    }
    caps.check_protective(request)?;
    let assets = caps.asset_urls;
    // Under `off` an inline image is held only to its size cap (the rule that protects the
    // user); under `warn` a refusal by the table's image rules is reported and the image is
    // then taken under that cap.
    let strict = caps.inline_images.clone();
    let relaxed = Inline::Accepted(Some(relaxed_rules(&strict)));
    let inline = if mode == Validation::Off {
        relaxed.clone()
    } else {
        strict.clone()
    };
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
    let warned = std::sync::Mutex::new(Vec::new());
    let image = async |field: Field, media: &Media| match media.resolve(&inline, assets).await {
        Err(problem @ (MediaProblem::Rejected(_) | MediaProblem::UrlOnly))
            if mode == Validation::Warn =>
        {
            if let Error::InvalidRequest(refusal) = refused(field, problem, "image") {
                warned.lock().expect("not poisoned").push(Violation {
                    rule: "inline_images",
                    source: caps.source_of("inline_images").clone(),
                    refusal,
                });
            }
            media
                .resolve(&relaxed, assets)
                .await
                .map_err(|problem| refused(field, problem, "image"))
        }
        other => other.map_err(|problem| refused(field, problem, "image")),
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
                    .resolve_audio(caps.inline_audio || mode == Validation::Off, assets)
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
    violations.extend(warned.into_inner().expect("not poisoned"));
    for violation in &violations {
        tracing::warn!(
            provider = %provider,
            model = %request.model,
            field = %violation.refusal.field,
            rule = violation.rule,
            source = %violation.source,
            "sending a request the capability table refuses: {}",
            violation.refusal.message
        );
    }
    Ok(resolved)
}

/// `rules` held only to their size cap: any format the SDK recognises, any shape.
fn relaxed_rules(inline: &Inline) -> ImageRules {
    let base = inline.rules().unwrap_or_else(ImageRules::undocumented);
    ImageRules {
        formats: ImageRules::recognised_formats(),
        side_px: None,
        aspect: None,
        ..base
    }
}
