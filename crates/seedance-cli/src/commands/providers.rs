//! `seedance providers`: the capability matrix, as a table or JSON.

use anyhow::Result;
use seedance_sdk::{Capabilities, Inline, Mode, all_capabilities};

use crate::args::ProvidersArgs;

/// Prints what each provider accepts for each model.
pub(crate) fn run(args: &ProvidersArgs) -> Result<()> {
    let capabilities = all_capabilities();
    if args.json {
        println!("{}", serde_json::to_string_pretty(&capabilities)?);
    } else {
        print!("{}", table(&capabilities));
    }
    Ok(())
}

const COLUMNS: usize = 9;

/// One row per provider and model, columns aligned.
fn table(capabilities: &[Capabilities]) -> String {
    let header = [
        "PROVIDER",
        "MODEL",
        "DURATION",
        "RESOLUTIONS",
        "RATIOS",
        "IMAGES",
        "MODES",
        "REFERENCES",
        "OPTIONAL FIELDS",
    ]
    .map(String::from);
    let rows: Vec<[String; COLUMNS]> = std::iter::once(header)
        .chain(capabilities.iter().map(row))
        .collect();
    let widths: Vec<usize> = (0..COLUMNS)
        .map(|column| rows.iter().map(|r| r[column].len()).max().unwrap_or(0))
        .collect();
    let mut text = String::new();
    for row in &rows {
        let cells: Vec<String> = row
            .iter()
            .zip(&widths)
            .map(|(cell, width)| format!("{cell:width$}"))
            .collect();
        text.push_str(cells.join("  ").trim_end());
        text.push('\n');
    }
    text
}

fn row(caps: &Capabilities) -> [String; COLUMNS] {
    let join = |items: Vec<&str>| items.join(" ");
    let images = match caps.inline_images {
        Inline::Refused => "URLs only",
        Inline::Accepted(_) => "files or URLs",
    };
    let counts = [
        (caps.max_reference_images, "images"),
        (caps.max_reference_videos, "videos"),
        (caps.max_reference_audio, "audio"),
    ];
    let references: Vec<String> = counts
        .iter()
        .filter(|(max, _)| *max > 0)
        .map(|(max, what)| format!("{max} {what}"))
        .collect();
    let references = if references.is_empty() {
        "-".to_owned()
    } else {
        references.join(", ")
    };
    let mut duration = format!("{}-{} s", caps.duration.0, caps.duration.1);
    if caps.duration_auto {
        duration.push_str(" or auto");
    }
    if let Some((min, max)) = caps.frame_count {
        duration.push_str(&format!(" or {min}-{max} frames"));
    }
    [
        caps.provider.to_string(),
        caps.model.to_string(),
        duration,
        join(caps.resolutions.iter().map(|r| r.as_str()).collect()),
        join(caps.ratios.iter().map(|r| r.as_str()).collect()),
        images.to_owned(),
        join(caps.modes.iter().filter_map(|m| mode_label(*m)).collect()),
        references,
        caps.fields
            .iter()
            .map(|f| f.as_str())
            .collect::<Vec<_>>()
            .join(", "),
    ]
}

/// A mode, short; references are counted in their own column.
fn mode_label(mode: Mode) -> Option<&'static str> {
    Some(match mode {
        Mode::Text => "text",
        Mode::FirstFrame => "first",
        Mode::FirstLastFrames => "first+last",
        Mode::ReferenceImages | Mode::ReferenceVideos | Mode::ReferenceAudio => return None,
        Mode::Edit => "edit",
        Mode::Extend => "extend",
        Mode::Draft => "draft",
        Mode::FromDraft => "from-draft",
        // `Mode` may grow: a new mode shows under its JSON name.
        other => other.as_str(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_row_per_provider_and_model() {
        let text = table(&all_capabilities());
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 1 + all_capabilities().len());
        assert!(lines[0].starts_with("PROVIDER"));
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with("odkkk") && l.contains("URLs only"))
        );
        let ark_2_0 = lines
            .iter()
            .find(|l| l.split_whitespace().take(2).eq(["ark", "seedance-2.0"]))
            .expect("an ark seedance-2.0 row");
        for part in [
            "4-15 s or auto",
            "4k",
            "9:21",
            "edit extend",
            "9 images, 3 videos, 3 audio",
        ] {
            assert!(ark_2_0.contains(part), "{part} in {ark_2_0}");
        }
    }
}
