//! What a provider's task list says a task was asked for, and whether that can be the task a
//! given request created: the test that keeps a submit with an unknown outcome from adopting
//! another client's task.

use crate::request::{Field, Inputs, Ratio, Resolution, ServiceTier, VideoDuration, VideoRequest};

/// The parameters a provider reports for a listed task (Ark echoes most of the create body in
/// its task list); `None` where it reports nothing or a value this version cannot read.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct TaskParameters {
    /// The video's resolution.
    pub resolution: Option<Resolution>,
    /// The video's ratio (the one chosen, when the request asked for `adaptive`).
    pub ratio: Option<Ratio>,
    /// The video's length in seconds (Ark reports it when the request gave no frame count).
    pub duration: Option<u32>,
    /// The video's frame count (Ark reports it when the request gave one).
    pub frames: Option<u32>,
    /// The seed used: the request's, or the one the provider drew.
    pub seed: Option<i64>,
    /// Whether the video has generated audio.
    pub generate_audio: Option<bool>,
    /// Whether the task made a draft.
    pub draft: Option<bool>,
    /// The draft task the video was made from.
    pub draft_task_id: Option<String>,
    /// The tier that processed the task.
    pub service_tier: Option<ServiceTier>,
    /// The task's priority.
    pub priority: Option<u8>,
    /// Seconds after creation at which an unfinished task expires.
    pub execution_expires_after: Option<u32>,
    /// The end-user identifier sent with the task.
    pub safety_identifier: Option<String>,
}

impl TaskParameters {
    /// The first field of `request` the task contradicts, or `None` when the task can be the one
    /// `request` created.
    ///
    /// Only what the request pins down is compared: a field the request leaves to the provider
    /// (a default resolution, an `adaptive` ratio, an `auto` duration, a random seed) matches
    /// whatever the task reports, and so does a field the provider does not report. A task that
    /// carries an end-user identifier or a draft the request did not send cannot be its task.
    pub fn mismatch(&self, request: &VideoRequest) -> Option<Field> {
        fn differs<T: PartialEq>(asked: Option<T>, reported: Option<T>) -> bool {
            matches!((asked, reported), (Some(asked), Some(reported)) if asked != reported)
        }
        let ratio = request.ratio.filter(|ratio| *ratio != Ratio::Adaptive);
        let seconds = match (request.frames, request.duration) {
            (None, Some(VideoDuration::Seconds(seconds))) => Some(seconds),
            _ => None,
        };
        let seed = request.seed.filter(|seed| *seed >= 0);
        let draft_task = match &request.inputs {
            Inputs::FromDraft { task_id } => Some(task_id.as_str()),
            _ => None,
        };
        let checks = [
            (
                Field::Resolution,
                differs(request.resolution, self.resolution),
            ),
            (Field::Ratio, differs(ratio, self.ratio)),
            (Field::Duration, differs(seconds, self.duration)),
            (Field::Frames, differs(request.frames, self.frames)),
            (Field::Seed, differs(seed, self.seed)),
            (
                Field::GenerateAudio,
                differs(request.generate_audio, self.generate_audio),
            ),
            // An unset `draft` is a final video.
            (
                Field::Draft,
                differs(Some(request.draft.unwrap_or(false)), self.draft),
            ),
            (
                Field::DraftTask,
                self.draft_task_id.is_some() && draft_task != self.draft_task_id.as_deref(),
            ),
            (
                Field::ServiceTier,
                differs(request.service_tier, self.service_tier),
            ),
            (Field::Priority, differs(request.priority, self.priority)),
            (
                Field::ExecutionExpiresAfter,
                differs(
                    request.execution_expires_after,
                    self.execution_expires_after,
                ),
            ),
            (
                Field::SafetyIdentifier,
                self.safety_identifier.is_some()
                    && request.safety_identifier != self.safety_identifier,
            ),
        ];
        checks
            .into_iter()
            .find_map(|(field, contradicts)| contradicts.then_some(field))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::Model;

    fn reported() -> TaskParameters {
        TaskParameters {
            resolution: Some(Resolution::P720),
            ratio: Some(Ratio::R16x9),
            duration: Some(5),
            seed: Some(42),
            generate_audio: Some(true),
            draft: Some(false),
            service_tier: Some(ServiceTier::Default),
            priority: Some(0),
            execution_expires_after: Some(172_000),
            ..TaskParameters::default()
        }
    }

    #[test]
    fn what_the_request_leaves_open_matches_anything() {
        let request = VideoRequest::builder("a").model(Model::Seedance20).build();
        assert_eq!(reported().mismatch(&request), None);
        let open = VideoRequest::builder("a")
            .ratio(Ratio::Adaptive)
            .duration(VideoDuration::Auto)
            .seed(-1)
            .build();
        assert_eq!(reported().mismatch(&open), None);
        // A provider that reports nothing contradicts nothing.
        let pinned = VideoRequest::builder("a")
            .resolution(Resolution::P1080)
            .seed(7)
            .build();
        assert_eq!(TaskParameters::default().mismatch(&pinned), None);
    }

    #[test]
    fn each_pinned_field_that_differs_is_named() {
        let cases: Vec<(VideoRequest, Field)> = vec![
            (
                VideoRequest::builder("a")
                    .resolution(Resolution::P1080)
                    .build(),
                Field::Resolution,
            ),
            (
                VideoRequest::builder("a").ratio(Ratio::R9x16).build(),
                Field::Ratio,
            ),
            (
                VideoRequest::builder("a")
                    .duration(VideoDuration::Seconds(10))
                    .build(),
                Field::Duration,
            ),
            (VideoRequest::builder("a").seed(43).build(), Field::Seed),
            (
                VideoRequest::builder("a").generate_audio(false).build(),
                Field::GenerateAudio,
            ),
            (VideoRequest::builder("a").draft(true).build(), Field::Draft),
            (
                VideoRequest::builder("a")
                    .service_tier(ServiceTier::Flex)
                    .build(),
                Field::ServiceTier,
            ),
            (
                VideoRequest::builder("a").priority(3).build(),
                Field::Priority,
            ),
            (
                VideoRequest::builder("a")
                    .execution_expires_after(172_001)
                    .build(),
                Field::ExecutionExpiresAfter,
            ),
        ];
        for (request, field) in cases {
            assert_eq!(reported().mismatch(&request), Some(field), "{request:?}");
        }
        // The same values pinned to what the task reports match.
        let same = VideoRequest::builder("a")
            .resolution(Resolution::P720)
            .ratio(Ratio::R16x9)
            .duration(VideoDuration::Seconds(5))
            .seed(42)
            .generate_audio(true)
            .draft(false)
            .service_tier(ServiceTier::Default)
            .priority(0)
            .execution_expires_after(172_000)
            .build();
        assert_eq!(reported().mismatch(&same), None);
    }

    #[test]
    fn frames_are_compared_instead_of_seconds_when_the_request_gives_them() {
        let task = TaskParameters {
            frames: Some(121),
            ..TaskParameters::default()
        };
        let request = VideoRequest::builder("a")
            .frames(121)
            .duration(VideoDuration::Seconds(9))
            .build();
        assert_eq!(task.mismatch(&request), None);
        let other = VideoRequest::builder("a").frames(57).build();
        assert_eq!(task.mismatch(&other), Some(Field::Frames));
    }

    #[test]
    fn a_task_with_what_the_request_did_not_send_is_not_its_task() {
        let marked = TaskParameters {
            safety_identifier: Some("user-7".into()),
            ..TaskParameters::default()
        };
        let plain = VideoRequest::builder("a").build();
        assert_eq!(marked.mismatch(&plain), Some(Field::SafetyIdentifier));
        let same = VideoRequest::builder("a")
            .safety_identifier("user-7")
            .build();
        assert_eq!(marked.mismatch(&same), None);

        let final_video = TaskParameters {
            draft_task_id: Some("cgt-draft-1".into()),
            ..TaskParameters::default()
        };
        assert_eq!(final_video.mismatch(&plain), Some(Field::DraftTask));
        let from_draft = VideoRequest::builder("a").from_draft("cgt-draft-1").build();
        assert_eq!(final_video.mismatch(&from_draft), None);
        let from_other = VideoRequest::builder("a").from_draft("cgt-draft-2").build();
        assert_eq!(final_video.mismatch(&from_other), Some(Field::DraftTask));
    }
}
