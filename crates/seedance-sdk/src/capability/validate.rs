//! [`Capabilities::validate`]: everything about a request that can be checked without reading
//! files, each refusal naming the field, the provider, the model and what is allowed.

use super::{
    Capabilities, Mode, Source,
    callback_url::{CALLBACK_URLS, check_callback_url},
    list,
};
use crate::{
    error::InvalidRequest,
    media::{Media, is_asset_url, is_data_url, parse_http_url},
    request::{Field, Inputs, Model, Ratio, Resolution, ServiceTier, VideoDuration, VideoRequest},
};

/// A capability rule a request breaks: the refusal it is under
/// [`Validation::Enforce`](crate::Validation::Enforce), the rule (named as in the capability
/// data) and where the rule comes from.
#[derive(Clone, Debug, PartialEq)]
pub struct Violation {
    /// The rule, named as in `specs/<provider>/capabilities.json` (`resolutions`, `duration`,
    /// ...) or, for a rule written in code, as in its `rule_sources` key.
    pub rule: &'static str,
    /// Where the rule comes from.
    pub source: Source,
    /// The refusal: the field, the provider, the model and what is allowed.
    pub refusal: InvalidRequest,
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} (rule {}; source: {})",
            self.refusal, self.rule, self.source
        )
    }
}

/// The longest draft task id believed; Ark's are about 30 characters.
const MAX_TASK_ID_CHARS: usize = 256;

impl Capabilities {
    /// Checks everything about `request` that can be checked without reading files: the first
    /// capability rule it breaks, or the callback URL rule.
    pub fn validate(&self, request: &VideoRequest) -> Result<(), InvalidRequest> {
        if let Some(first) = self.violations(request).into_iter().next() {
            return Err(first.refusal);
        }
        self.check_protective(request)
    }

    /// Every capability rule `request` breaks here (one per rule group: each value, the mode
    /// and its inputs, the fields, the model id, drafts), each with its source. The rules that
    /// protect the user rather than the provider (the callback URL, local files) are not
    /// capability rules: [`validate`](Self::validate) and sending check them in every
    /// [`Validation`](crate::Validation) mode.
    pub fn violations(&self, request: &VideoRequest) -> Vec<Violation> {
        let mut found = Vec::new();
        let mut check = |rule: &'static str, result: Result<(), InvalidRequest>| {
            if let Err(refusal) = result {
                found.push(Violation {
                    rule,
                    source: self.source_of(rule).clone(),
                    refusal,
                });
            }
        };
        check("prompt_max_chars", self.validate_prompt(request));
        check("modes", self.validate_inputs(request));
        check("fields", self.validate_fields(request));
        if self.provider == crate::Provider::Ark {
            for (rule, result) in super::ark::validate(self, request) {
                check(rule, result);
            }
        }
        check("duration", self.validate_length(request));
        for (rule, result) in self.validate_values(request) {
            check(rule, result);
        }
        check("draft", self.validate_draft(request));
        // One refusal per field: a later group that names the same field says less.
        let mut seen = Vec::new();
        found.retain(|v| {
            let new = !seen.contains(&v.refusal.field);
            seen.push(v.refusal.field);
            new
        });
        found
    }

    /// The rules that protect the user, checked in every validation mode.
    pub(crate) fn check_protective(&self, request: &VideoRequest) -> Result<(), InvalidRequest> {
        if let Some(url) = &request.callback_url {
            check_callback_url(url).map_err(|why| {
                self.invalid(
                    Field::CallbackUrl,
                    format!("the URL {why}; allowed: {CALLBACK_URLS}"),
                )
            })?;
        }
        Ok(())
    }

    fn validate_prompt(&self, request: &VideoRequest) -> Result<(), InvalidRequest> {
        let prompt_chars = request.prompt.chars().count();
        // The final video of a draft reuses the draft's prompt.
        if request.prompt.trim().is_empty() && !matches!(request.inputs, Inputs::FromDraft { .. }) {
            return Err(self.invalid(Field::Prompt, "must not be empty".into()));
        }
        if let Some(max_chars) = self.prompt_max_chars
            && prompt_chars > max_chars
        {
            return Err(self.invalid(
                Field::Prompt,
                format!("{prompt_chars} characters is too long; allowed: up to {max_chars}"),
            ));
        }
        Ok(())
    }

    /// A field a request always carries needs no support; any other set field does.
    fn validate_fields(&self, request: &VideoRequest) -> Result<(), InvalidRequest> {
        for &field in Field::ALL {
            if !field.is_required() && request.value(field).is_some() && !self.supported(field) {
                return Err(self.invalid(
                    field,
                    format!(
                        "this field is not supported; allowed fields: {}",
                        list(self.fields.iter().map(|f| f.as_str()))
                    ),
                ));
            }
        }
        Ok(())
    }

    /// `duration` and `frames`.
    fn validate_length(&self, request: &VideoRequest) -> Result<(), InvalidRequest> {
        let (min, max) = self.duration;
        let seconds = format!("{min}-{max} seconds");
        let allowed = if self.duration_auto {
            format!("{seconds} or auto")
        } else {
            seconds
        };
        match request.duration {
            Some(VideoDuration::Auto) if !self.duration_auto => {
                return Err(self.invalid(
                    Field::Duration,
                    format!("auto is not supported; allowed: {allowed}"),
                ));
            }
            Some(VideoDuration::Seconds(duration)) if !(min..=max).contains(&duration) => {
                return Err(self.invalid(
                    Field::Duration,
                    format!("{duration} is out of range; allowed: {allowed}"),
                ));
            }
            _ => {}
        }
        if let Some(frames) = request.frames {
            if request.duration.is_some() {
                return Err(self.invalid(
                    Field::Frames,
                    "is set with duration; allowed: one of frames and duration".into(),
                ));
            }
            // `frames` is in `fields` only where a range is known.
            let (min, max) = self.frame_count.unwrap_or((0, 0));
            if !(min..=max).contains(&frames) || (frames - 25) % 4 != 0 {
                return Err(self.invalid(
                    Field::Frames,
                    format!("{frames} is not accepted; allowed: 25 + 4n in {min}-{max}"),
                ));
            }
        }
        Ok(())
    }

    /// Resolution, ratio, seed, fps, expiry, priority and the safety identifier.
    fn validate_values(
        &self,
        request: &VideoRequest,
    ) -> Vec<(&'static str, Result<(), InvalidRequest>)> {
        let resolution = || {
            if let Some(resolution) = request.resolution
                && !self.resolutions.contains(&resolution)
            {
                return Err(self.invalid(
                    Field::Resolution,
                    format!(
                        "{} is not supported; allowed: {}",
                        resolution.as_str(),
                        list(self.resolutions.iter().map(|r| r.as_str()))
                    ),
                ));
            }
            Ok(())
        };
        let ratio = || {
            if let Some(ratio) = request.ratio
                && !self.ratios.contains(&ratio)
            {
                return Err(self.invalid(
                    Field::Ratio,
                    format!(
                        "{} is not supported; allowed: {}",
                        ratio.as_str(),
                        list(self.ratios.iter().map(|r| r.as_str()))
                    ),
                ));
            }
            Ok(())
        };
        let seed = || {
            if let (Some(seed), Some((min, max))) = (request.seed, self.seed)
                && !(min..=max).contains(&seed)
            {
                return Err(self.invalid(
                    Field::Seed,
                    format!("{seed} is out of range; allowed: {min} to {max} (-1 means random)"),
                ));
            }
            Ok(())
        };
        let fps = || {
            if let Some(fps) = request.fps
                && !self.fps.contains(&fps)
            {
                return Err(self.invalid(
                    Field::Fps,
                    format!(
                        "{fps} is not supported; allowed: {}",
                        list(self.fps.iter().map(u32::to_string))
                    ),
                ));
            }
            Ok(())
        };
        let expiry = || {
            if let (Some(seconds), Some((min, max))) = (
                request.execution_expires_after,
                self.execution_expires_after,
            ) && !(min..=max).contains(&seconds)
            {
                return Err(self.invalid(
                    Field::ExecutionExpiresAfter,
                    format!("{seconds} is out of range; allowed: {min}-{max} seconds"),
                ));
            }
            Ok(())
        };
        let priority = || {
            // Priority is documented "not with flex"; no model takes both (flex is 1.x only,
            // priority 2.x only), so the field tables already keep them apart.
            if let (Some(priority), Some((min, max))) = (request.priority, self.priority)
                && !(min..=max).contains(&priority)
            {
                return Err(self.invalid(
                    Field::Priority,
                    format!("{priority} is out of range; allowed: {min}-{max}"),
                ));
            }
            Ok(())
        };
        let safety = || {
            if let (Some(id), Some(max_chars)) =
                (&request.safety_identifier, self.safety_identifier_max_chars)
            {
                let chars = id.chars().count();
                if chars == 0 || chars > max_chars || id.chars().any(char::is_control) {
                    return Err(self.invalid(
                    Field::SafetyIdentifier,
                    format!(
                        "{chars} characters is not accepted; allowed: 1-{max_chars} characters without control characters"
                    ),
                ));
                }
            }
            Ok(())
        };
        let output_format = || {
            if let Some(format) = request.output_format
                && self.supported(Field::OutputFormat)
                && !self.output_formats.contains(&format)
            {
                return Err(self.invalid(
                    Field::OutputFormat,
                    format!(
                        "{} is not supported; allowed: {}",
                        format.as_str(),
                        list(self.output_formats.iter().map(|f| f.as_str()))
                    ),
                ));
            }
            Ok(())
        };
        vec![
            ("resolutions", resolution()),
            ("ratios", ratio()),
            ("seed", seed()),
            ("fps", fps()),
            ("execution_expires_after", expiry()),
            ("priority", priority()),
            ("safety_identifier_max_chars", safety()),
            ("output_formats", output_format()),
        ]
    }

    /// A draft is 480p, returns no last frame and is not on the flex tier.
    fn validate_draft(&self, request: &VideoRequest) -> Result<(), InvalidRequest> {
        if request.draft != Some(true) {
            return Ok(());
        }
        // `draft` is in `fields` exactly where `Mode::Draft` is (a test checks the tables).
        if matches!(request.inputs, Inputs::FromDraft { .. }) {
            return Err(self.invalid(
                Field::Draft,
                "is set on a request made from a draft; allowed: draft with text, frames or references"
                    .into(),
            ));
        }
        if let Some(resolution) = request.resolution.filter(|r| *r != Resolution::P480) {
            return Err(self.invalid(
                Field::Resolution,
                format!(
                    "{} is not accepted for a draft; allowed: 480p",
                    resolution.as_str()
                ),
            ));
        }
        if request.return_last_frame == Some(true) {
            return Err(self.invalid(
                Field::ReturnLastFrame,
                "is not accepted for a draft; allowed: false or unset".into(),
            ));
        }
        if request.service_tier == Some(ServiceTier::Flex) {
            return Err(self.invalid(
                Field::ServiceTier,
                "flex is not accepted for a draft; allowed: default".into(),
            ));
        }
        Ok(())
    }

    /// `mode` refused, with the models of this provider that accept it.
    pub(super) fn mode_refused(&self, field: Field, mode: Mode) -> InvalidRequest {
        let models: Vec<&str> = Model::ALL
            .into_iter()
            .filter(|m| super::capabilities(self.provider, *m).is_some_and(|c| c.accepts(mode)))
            .map(Model::as_str)
            .collect();
        self.invalid(
            field,
            format!(
                "{mode} is not supported by this model (modes: {}); allowed with: {}",
                list(self.modes.iter().map(|m| m.as_str())),
                if models.is_empty() {
                    "no model of this provider".to_owned()
                } else {
                    models.join(", ")
                }
            ),
        )
    }

    fn validate_inputs(&self, request: &VideoRequest) -> Result<(), InvalidRequest> {
        match &request.inputs {
            // Every model takes text alone (a test checks the tables).
            Inputs::Text => Ok(()),
            Inputs::FirstFrame { .. } if !self.accepts(Mode::FirstFrame) => {
                Err(self.mode_refused(Field::FirstFrame, Mode::FirstFrame))
            }
            Inputs::FirstFrame { first } => self.validate_url(Field::FirstFrame, first),
            Inputs::FirstLastFrames { .. } if !self.accepts(Mode::FirstLastFrames) => {
                Err(self.mode_refused(Field::LastFrame, Mode::FirstLastFrames))
            }
            Inputs::FirstLastFrames { first, last } => {
                self.validate_url(Field::FirstFrame, first)?;
                self.validate_url(Field::LastFrame, last)
            }
            Inputs::References {
                images,
                videos,
                audio,
            } => self.validate_references(images, videos, audio),
            Inputs::Edit { video, images } => {
                if !self.accepts(Mode::Edit) {
                    return Err(self.mode_refused(Field::Edit, Mode::Edit));
                }
                self.validate_video(Field::Edit, 0, video)?;
                self.validate_count(
                    Field::ReferenceImages,
                    images.len(),
                    self.max_reference_images,
                    "images",
                )?;
                for image in images {
                    self.validate_url(Field::ReferenceImages, image)?;
                }
                self.validate_video_task(request, Field::Edit)
            }
            Inputs::Extend { videos } => {
                if !self.accepts(Mode::Extend) {
                    return Err(self.mode_refused(Field::Extend, Mode::Extend));
                }
                if videos.is_empty() {
                    return Err(
                        self.invalid(Field::Extend, "no video given; allowed: 1-3 videos".into())
                    );
                }
                self.validate_count(Field::Extend, videos.len(), 3, "videos")?;
                for (idx, video) in videos.iter().enumerate() {
                    self.validate_video(Field::Extend, idx, video)?;
                }
                self.validate_video_task(request, Field::Extend)
            }
            Inputs::FromDraft { .. } if !self.accepts(Mode::FromDraft) => {
                Err(self.mode_refused(Field::DraftTask, Mode::FromDraft))
            }
            Inputs::FromDraft { task_id } => {
                let chars = task_id.chars().count();
                if task_id.trim().is_empty()
                    || chars > MAX_TASK_ID_CHARS
                    || task_id
                        .chars()
                        .any(|c| c.is_control() || c.is_whitespace() || c == '/')
                {
                    return Err(self.invalid(
                        Field::DraftTask,
                        format!("the task id is not plausible; allowed: the id of a draft task (1-{MAX_TASK_ID_CHARS} characters, no whitespace, control characters or slashes)"),
                    ));
                }
                Ok(())
            }
        }
    }

    fn validate_references(
        &self,
        images: &[Media],
        videos: &[String],
        audio: &[Media],
    ) -> Result<(), InvalidRequest> {
        let any = [
            Mode::ReferenceImages,
            Mode::ReferenceVideos,
            Mode::ReferenceAudio,
        ];
        if !any.iter().any(|m| self.accepts(*m)) {
            let field = if !images.is_empty() {
                Field::ReferenceImages
            } else if !videos.is_empty() {
                Field::ReferenceVideos
            } else {
                Field::ReferenceAudio
            };
            let models: Vec<&str> = Model::ALL
                .into_iter()
                .filter(|m| {
                    super::capabilities(self.provider, *m)
                        .is_some_and(|c| any.iter().any(|mode| c.accepts(*mode)))
                })
                .map(Model::as_str)
                .collect();
            return Err(self.invalid(
                field,
                format!(
                    "references are not supported by this model; allowed with: {}",
                    if models.is_empty() {
                        "no model of this provider".to_owned()
                    } else {
                        models.join(", ")
                    }
                ),
            ));
        }
        if images.is_empty() && videos.is_empty() && audio.is_empty() {
            let kinds: Vec<&str> = [
                (Mode::ReferenceImages, "image"),
                (Mode::ReferenceVideos, "video"),
                (Mode::ReferenceAudio, "audio clip"),
            ]
            .into_iter()
            .filter(|(mode, _)| self.accepts(*mode))
            .map(|(_, kind)| kind)
            .collect();
            return Err(self.invalid(
                Field::ReferenceImages,
                format!(
                    "no reference given; allowed: at least one reference {}",
                    kinds.join(" or ")
                ),
            ));
        }
        for (items, field, mode) in [
            (images.len(), Field::ReferenceImages, Mode::ReferenceImages),
            (videos.len(), Field::ReferenceVideos, Mode::ReferenceVideos),
            (audio.len(), Field::ReferenceAudio, Mode::ReferenceAudio),
        ] {
            if items > 0 && !self.accepts(mode) {
                return Err(self.mode_refused(field, mode));
            }
        }
        self.validate_count(
            Field::ReferenceImages,
            images.len(),
            self.max_reference_images,
            "images",
        )?;
        self.validate_count(
            Field::ReferenceVideos,
            videos.len(),
            self.max_reference_videos,
            "videos",
        )?;
        self.validate_count(
            Field::ReferenceAudio,
            audio.len(),
            self.max_reference_audio,
            "audio clips",
        )?;
        if self.audio_needs_visual && !audio.is_empty() && images.is_empty() && videos.is_empty() {
            return Err(self.invalid(
                Field::ReferenceAudio,
                "audio alone is not accepted; allowed: audio with at least one reference image or video".into(),
            ));
        }
        for image in images {
            self.validate_url(Field::ReferenceImages, image)?;
        }
        for (idx, video) in videos.iter().enumerate() {
            self.validate_video(Field::ReferenceVideos, idx, video)?;
        }
        for (idx, clip) in audio.iter().enumerate() {
            self.validate_audio(idx, clip)?;
        }
        Ok(())
    }

    fn validate_count(
        &self,
        field: Field,
        count: usize,
        max: usize,
        what: &str,
    ) -> Result<(), InvalidRequest> {
        if count > max {
            return Err(self.invalid(
                field,
                format!("{count} {what} is too many; allowed: up to {max}"),
            ));
        }
        Ok(())
    }

    /// Edit and extension keep the input's shape and length: the ratio must be adaptive and
    /// the duration auto, set explicitly (the builder's `edit` and `extend` set both when
    /// unset), because Ark's defaults for other modes (16:9, 5 s) would be refused.
    fn validate_video_task(
        &self,
        request: &VideoRequest,
        field: Field,
    ) -> Result<(), InvalidRequest> {
        let mode = if field == Field::Edit {
            "an edit"
        } else {
            "an extension"
        };
        if request.ratio != Some(Ratio::Adaptive) {
            return Err(self.invalid(
                Field::Ratio,
                format!(
                    "{} is not accepted for {mode}; allowed: adaptive",
                    request.ratio.map_or("unset", Ratio::as_str)
                ),
            ));
        }
        // Seedance 2.5 declares an extension as a task type and takes its length (its own
        // rules are in `ark::task_types`).
        let sized_extension = self.typed_tasks && field == Field::Extend;
        if request.duration != Some(VideoDuration::Auto) && !sized_extension {
            return Err(self.invalid(
                Field::Duration,
                format!(
                    "{} is not accepted for {mode}; allowed: auto",
                    request
                        .duration
                        .map_or_else(|| "unset".to_owned(), |d| d.to_string())
                ),
            ));
        }
        Ok(())
    }

    /// A video URL: `http(s)` with a host, or `asset://<id>` where assets are taken.
    fn validate_video(&self, field: Field, idx: usize, url: &str) -> Result<(), InvalidRequest> {
        if self.asset_urls && is_asset_url(url) {
            return Ok(());
        }
        parse_http_url(url).map(|_| ()).map_err(|why| {
            self.invalid(
                field,
                format!(
                    "video URL {} {why}; allowed: {}",
                    idx + 1,
                    self.url_forms("")
                ),
            )
        })
    }

    fn validate_audio(&self, idx: usize, clip: &Media) -> Result<(), InvalidRequest> {
        let inline_refused = || {
            self.invalid(
                Field::ReferenceAudio,
                format!(
                    "audio {} is inline data, which {} does not take; allowed: {}",
                    idx + 1,
                    self.provider,
                    self.url_forms("")
                ),
            )
        };
        match clip {
            Media::Url(url) if is_data_url(url) => {
                if self.inline_audio {
                    Ok(())
                } else {
                    Err(inline_refused())
                }
            }
            Media::Url(url) if self.asset_urls && is_asset_url(url) => Ok(()),
            Media::Url(url) => parse_http_url(url).map(|_| ()).map_err(|why| {
                self.invalid(
                    Field::ReferenceAudio,
                    format!(
                        "audio URL {} {why}; allowed: {}",
                        idx + 1,
                        self.url_forms(", a data:audio/ URL, or a local wav or mp3 file")
                    ),
                )
            }),
            Media::Bytes { .. } | Media::Path(_) if !self.inline_audio => Err(inline_refused()),
            Media::Bytes { .. } | Media::Path(_) => Ok(()),
        }
    }

    /// "http(s) URLs with a host" and, where taken, `asset://` ids; `inline` names the inline
    /// forms where they are taken.
    fn url_forms(&self, inline: &str) -> String {
        let mut forms = "http(s) URLs with a host".to_owned();
        if self.asset_urls {
            forms.push_str(", asset://<id>");
        }
        if self.inline_audio {
            forms.push_str(inline);
        }
        forms
    }

    /// An image given by a non-`data:` URL must be `http(s)` with a host (or `asset://` where
    /// taken); data URLs, bytes and files are checked when they are read.
    fn validate_url(&self, field: Field, media: &Media) -> Result<(), InvalidRequest> {
        match media {
            Media::Url(url) if self.asset_urls && is_asset_url(url) => Ok(()),
            Media::Url(url) if !is_data_url(url) => {
                parse_http_url(url).map(|_| ()).map_err(|why| {
                    self.invalid(
                        field,
                        format!(
                            "the URL {why}; allowed: an http(s) URL with a host, or inline data where the provider accepts it"
                        ),
                    )
                })
            }
            _ => Ok(()),
        }
    }
}
