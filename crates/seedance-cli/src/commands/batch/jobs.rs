//! The jobs file: one job per line, parsed and validated as a whole before anything is sent.
//!
//! A line is the unified request as `seedance schema` prints it, plus `id`, `provider` and
//! `output`. Unlike request JSON from elsewhere, a jobs file is the user's own input, so media may
//! be a local file written `{"path": "frames/a.png"}`, resolved relative to the jobs file.

use std::{
    collections::{BTreeMap, BTreeSet},
    path::{Path, PathBuf},
};

use seedance_journal::{JobKey, request_hash, sha256_hex};
use seedance_sdk::{Inputs, Media, Provider, VideoRequest};
use serde_json::{Map, Value, json};

use crate::text::printable;

/// The keys a line may hold besides the request's own fields.
const JOB_KEYS: [&str; 3] = ["id", "provider", "output"];

/// The longest job id, in characters: it names files and appears in every progress line.
const MAX_ID_CHARS: usize = 128;

/// One valid line of the jobs file.
#[derive(Debug, Clone)]
pub(crate) struct JobSpec {
    /// Its line number, from 1.
    pub(crate) line: usize,
    /// The job id (`id`, else the line number).
    pub(crate) id: String,
    /// The provider that runs it.
    pub(crate) provider: Provider,
    /// The request, with local files as [`Media::Path`].
    pub(crate) request: VideoRequest,
    /// The journal key: the id and the hash of the provider, the request as written and the
    /// content of its local files, so that editing a frame on disk makes a new job too.
    pub(crate) key: JobKey,
    /// Where the video goes.
    pub(crate) output: PathBuf,
}

/// What is wrong with one line: its number, the field and what is allowed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LineError {
    /// The line number, from 1.
    pub(crate) line: usize,
    /// The message, naming the field and what is allowed.
    pub(crate) message: String,
}

impl std::fmt::Display for LineError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

/// Parses and validates every line of `text` (the jobs file at `path`): every error is returned,
/// and a job is returned only when no line is invalid.
pub(crate) async fn load(
    path: &Path,
    text: &str,
    out: &Path,
    default_provider: Option<Provider>,
) -> Result<Vec<JobSpec>, Vec<LineError>> {
    let base = path.parent().unwrap_or(Path::new("."));
    let known = request_fields();
    let mut jobs = Vec::new();
    let mut errors = Vec::new();
    for (line_idx, line_text) in text.lines().enumerate() {
        let line = line_idx + 1;
        if line_text.trim().is_empty() {
            continue;
        }
        match parse_line(line, line_text, base, out, default_provider, &known).await {
            Ok(job) => jobs.push(job),
            Err(message) => errors.push(LineError { line, message }),
        }
    }
    check_unique(&jobs, &mut errors);
    if jobs.is_empty() && errors.is_empty() {
        errors.push(LineError {
            line: 1,
            message: "the jobs file has no jobs; allowed: one JSON request per line".into(),
        });
    }
    if errors.is_empty() {
        Ok(jobs)
    } else {
        errors.sort_by_key(|error| error.line);
        Err(errors)
    }
}

/// The request's top-level fields, from the published JSON Schema.
fn request_fields() -> BTreeSet<String> {
    VideoRequest::json_schema()["properties"]
        .as_object()
        .map(|properties| properties.keys().cloned().collect())
        .unwrap_or_default()
}

async fn parse_line(
    line: usize,
    text: &str,
    base: &Path,
    out: &Path,
    default_provider: Option<Provider>,
    known: &BTreeSet<String>,
) -> Result<JobSpec, String> {
    let value: Value = serde_json::from_str(text)
        .map_err(|err| format!("not JSON ({err}); allowed: one JSON object per line"))?;
    let Value::Object(mut object) = value else {
        return Err("not a JSON object; allowed: one request object per line".into());
    };
    if let Some(unknown) = object
        .keys()
        .find(|key| !known.contains(*key) && !JOB_KEYS.contains(&key.as_str()))
    {
        let mut allowed: Vec<&str> = known.iter().map(String::as_str).collect();
        allowed.extend(JOB_KEYS);
        allowed.sort_unstable();
        return Err(format!(
            "unknown field `{}`; allowed: {}",
            printable(unknown),
            allowed.join(", ")
        ));
    }
    let id = match object.remove("id") {
        None => line.to_string(),
        Some(value) => job_id(&value)?,
    };
    let provider = match object.remove("provider") {
        Some(value) => serde_json::from_value::<Provider>(value.clone()).map_err(|_| {
            format!(
                "provider: {} is not a provider; allowed: {}",
                printable(&value.to_string()),
                provider_names()
            )
        })?,
        None => default_provider.ok_or_else(|| {
            format!(
                "provider: missing; allowed: {} (on the line, or --provider for every line)",
                provider_names()
            )
        })?,
    };
    let output = match object.remove("output") {
        None => out.join(format!("{}.mp4", file_stem(&id))),
        Some(Value::String(path)) if !path.trim().is_empty() => out.join(path),
        Some(other) => {
            return Err(format!(
                "output: {} is not a path; allowed: a file path (relative to --out)",
                printable(&other.to_string())
            ));
        }
    };
    // Local files: taken out of the JSON (the facade refuses paths in JSON), read for the hash,
    // and put back as `Media::Path` once the request is parsed.
    let mut hashed = object.clone();
    let files = take_paths(&mut object, base)?;
    let mut request: VideoRequest = serde_json::from_value(Value::Object(object))
        .map_err(|err| format!("{}; see `seedance schema`", printable(&err.to_string())))?;
    put_paths(&mut request, &files);
    seedance_sdk::validate(provider, &request)
        .await
        .map_err(|err| printable(&format!("{err:#}")).into_owned())?;
    for (place, path) in &files {
        // Read again, after `validate` checked it is a regular file under the provider's cap.
        let bytes = std::fs::read(path).map_err(|err| {
            format!(
                "{place}: cannot read {} ({err})",
                printable(&path.display().to_string())
            )
        })?;
        hashed_file(&mut hashed, place, &sha256_hex(&bytes));
    }
    let hashed = json!({"provider": provider, "request": Value::Object(hashed)});
    Ok(JobSpec {
        line,
        key: JobKey::new(id.clone(), request_hash(&hashed)),
        id,
        provider,
        request,
        output,
    })
}

/// A job id: a non-empty string without control characters, or a non-negative integer.
fn job_id(value: &Value) -> Result<String, String> {
    let id = match value {
        Value::String(text) => text.clone(),
        Value::Number(number) if number.is_u64() => number.to_string(),
        other => {
            return Err(format!(
                "id: {} is not an id; allowed: a string or a non-negative integer",
                printable(&other.to_string())
            ));
        }
    };
    if id.trim().is_empty() || id.chars().any(char::is_control) || id.chars().count() > MAX_ID_CHARS
    {
        return Err(format!(
            "id: {} is not an id; allowed: 1 to {MAX_ID_CHARS} characters, no control characters",
            printable(&id)
        ));
    }
    Ok(id)
}

fn provider_names() -> String {
    Provider::ALL.map(Provider::as_str).join(", ")
}

/// `id` as a file name: anything but letters, digits, `-`, `_` and `.` replaced, and no leading
/// dot, so an id never names a path outside `--out`.
pub(crate) fn file_stem(id: &str) -> String {
    let stem: String = id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect();
    match stem.strip_prefix('.') {
        Some(rest) => format!("_{rest}"),
        None => stem,
    }
}

/// Two jobs with one id, or writing one file, make the run ambiguous.
fn check_unique(jobs: &[JobSpec], errors: &mut Vec<LineError>) {
    let mut ids: BTreeMap<&str, usize> = BTreeMap::new();
    let mut outputs: BTreeMap<&Path, usize> = BTreeMap::new();
    for job in jobs {
        if let Some(first) = ids.insert(&job.id, job.line) {
            errors.push(LineError {
                line: job.line,
                message: format!(
                    "id: `{}` is also the id of line {first}; allowed: an id used once",
                    printable(&job.id)
                ),
            });
            // Its default output collides too: one error per line is enough.
            continue;
        }
        if let Some(first) = outputs.insert(&job.output, job.line) {
            errors.push(LineError {
                line: job.line,
                message: format!(
                    "output: {} is also the output of line {first}; allowed: one file per job",
                    printable(&job.output.display().to_string())
                ),
            });
        }
    }
}

/// Where a local file sits in the request: `inputs.first`, `inputs.images[2]`, ...
type Place = String;

/// Replaces each `{"path": ...}` media object in `object.inputs` with a placeholder URL and
/// returns the resolved files by place.
fn take_paths(
    object: &mut Map<String, Value>,
    base: &Path,
) -> Result<BTreeMap<Place, PathBuf>, String> {
    let mut files = BTreeMap::new();
    let Some(Value::Object(inputs)) = object.get_mut("inputs") else {
        return Ok(files);
    };
    let mut visit = |place: String, media: &mut Value| -> Result<(), String> {
        let Value::Object(fields) = media else {
            return Ok(());
        };
        let Some(path) = fields.get("path") else {
            return Ok(());
        };
        let Value::String(path) = path else {
            return Err(format!("{place}.path: not a string; allowed: a file path"));
        };
        if fields.len() != 1 {
            return Err(format!("{place}: a file is {{\"path\": ...}} alone"));
        }
        let path = base.join(path);
        *media = json!({"url": "https://path.invalid/"});
        files.insert(place, path);
        Ok(())
    };
    for single in ["first", "last"] {
        if let Some(media) = inputs.get_mut(single) {
            visit(format!("inputs.{single}"), media)?;
        }
    }
    for list in ["images", "audio"] {
        if let Some(Value::Array(items)) = inputs.get_mut(list) {
            for (item_idx, media) in items.iter_mut().enumerate() {
                visit(format!("inputs.{list}[{item_idx}]"), media)?;
            }
        }
    }
    Ok(files)
}

/// Puts each file back into the parsed request as [`Media::Path`].
fn put_paths(request: &mut VideoRequest, files: &BTreeMap<Place, PathBuf>) {
    for (place, path) in files {
        let media = Media::Path(path.clone());
        let slot = match (&mut request.inputs, place.as_str()) {
            (Inputs::FirstFrame { first }, "inputs.first")
            | (Inputs::FirstLastFrames { first, .. }, "inputs.first") => Some(first),
            (Inputs::FirstLastFrames { last, .. }, "inputs.last") => Some(last),
            (Inputs::References { images, .. } | Inputs::Edit { images, .. }, place)
                if place.starts_with("inputs.images[") =>
            {
                index(place).and_then(|i| images.get_mut(i))
            }
            (Inputs::References { audio, .. }, place) if place.starts_with("inputs.audio[") => {
                index(place).and_then(|i| audio.get_mut(i))
            }
            _ => None,
        };
        if let Some(slot) = slot {
            *slot = media;
        }
    }
}

fn index(place: &str) -> Option<usize> {
    place
        .rsplit_once('[')
        .and_then(|(_, rest)| rest.strip_suffix(']'))
        .and_then(|digits| digits.parse().ok())
}

/// Adds the file's SHA-256 beside its path in the hashed copy of the line.
fn hashed_file(hashed: &mut Map<String, Value>, place: &str, sha256: &str) {
    let Some(Value::Object(inputs)) = hashed.get_mut("inputs") else {
        return;
    };
    let (name, item) = match place
        .strip_prefix("inputs.")
        .and_then(|rest| rest.split_once('['))
    {
        Some((name, _)) => (name, index(place)),
        None => (place.trim_start_matches("inputs."), None),
    };
    let media = match (inputs.get_mut(name), item) {
        (Some(Value::Array(items)), Some(item_idx)) => items.get_mut(item_idx),
        (Some(media), None) => Some(media),
        _ => None,
    };
    if let Some(Value::Object(fields)) = media {
        fields.insert("sha256".into(), Value::String(sha256.to_owned()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn lines_are_checked_together_and_name_line_and_field() {
        let out = Path::new("out");
        let text = "{\"prompt\":\"a\",\"provider\":\"jiekou\"}\n\n\
            {\"prompt\":\"b\",\"provider\":\"nope\"}\n\
            {\"prompt\":\"c\"}\n\
            {\"prompt\":\"d\",\"provider\":\"jiekou\",\"colour\":1}\n\
            {\"prompt\":\"e\",\"provider\":\"jiekou\",\"id\":\"1\"}\n\
            not json\n";
        let errors = load(Path::new("jobs.jsonl"), text, out, None)
            .await
            .unwrap_err();
        let lines: Vec<usize> = errors.iter().map(|error| error.line).collect();
        assert_eq!(lines, [3, 4, 5, 6, 7], "{errors:?}");
        assert!(errors[0].message.starts_with("provider:"), "{errors:?}");
        assert!(errors[0].message.contains("ark"), "{errors:?}");
        assert!(errors[1].message.contains("--provider"), "{errors:?}");
        assert!(errors[2].message.contains("`colour`"), "{errors:?}");
        assert!(errors[3].message.contains("line 1"), "{errors:?}");
    }

    #[tokio::test]
    async fn ids_default_to_line_numbers_and_hashes_ignore_formatting() {
        let out = Path::new("out");
        let text = "{\"prompt\":\"a\",\"duration\":5}\n{ \"duration\": 5, \"prompt\": \"a\", \"id\": \"x/y\" }\n";
        let jobs = load(Path::new("jobs.jsonl"), text, out, Some(Provider::Jiekou))
            .await
            .unwrap();
        assert_eq!(jobs[0].id, "1");
        assert_eq!(jobs[0].output, out.join("1.mp4"));
        assert_eq!(jobs[1].output, out.join("x_y.mp4"));
        assert_eq!(jobs[0].key.request_hash, jobs[1].key.request_hash);
        assert_eq!(file_stem("../etc"), "_._etc");
    }

    #[tokio::test]
    async fn a_local_file_is_read_as_media_and_its_content_is_in_the_hash() {
        let example = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../examples/batch/frames/lighthouse.png");
        let dir = std::env::temp_dir().join(format!("seedance-jobs-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let frame = std::fs::read(example).unwrap();
        std::fs::write(dir.join("a.png"), &frame).unwrap();
        let jobs = dir.join("jobs.jsonl");
        let text = r#"{"provider":"ark","model":"seedance-2.0","prompt":"p","inputs":{"mode":"first_frame","first":{"path":"a.png"}}}"#;
        let load_one = async || {
            load(&jobs, text, Path::new("out"), None)
                .await
                .unwrap()
                .remove(0)
        };
        let before = load_one().await;
        assert_eq!(
            before.request.inputs,
            Inputs::FirstFrame {
                first: Media::Path(dir.join("a.png"))
            }
        );
        // The same path with other content (bytes after the PNG's end) is another request.
        let mut edited = frame.clone();
        edited.push(0);
        std::fs::write(dir.join("a.png"), &edited).unwrap();
        let after = load_one().await;
        assert_ne!(before.key.request_hash, after.key.request_hash);
        // A path object with anything else beside it is refused, naming its place.
        let extra = text.replace(r#"{"path":"a.png"}"#, r#"{"path":"a.png","url":"x"}"#);
        let errors = load(&jobs, &extra, Path::new("out"), None)
            .await
            .unwrap_err();
        assert!(errors[0].message.starts_with("inputs.first:"), "{errors:?}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
