//! `seedance providers`: the capability matrix, as a table or JSON.

use anyhow::Result;
use seedance_sdk::{Capabilities, Inline, all_capabilities};

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

/// One row per provider and model, columns aligned.
fn table(capabilities: &[Capabilities]) -> String {
    let header = [
        "PROVIDER",
        "MODEL",
        "DURATION",
        "RESOLUTIONS",
        "RATIOS",
        "IMAGES",
        "REFERENCES",
        "OPTIONAL FIELDS",
    ]
    .map(String::from);
    let rows: Vec<[String; 8]> = std::iter::once(header)
        .chain(capabilities.iter().map(row))
        .collect();
    let widths: Vec<usize> = (0..8)
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

fn row(caps: &Capabilities) -> [String; 8] {
    let join = |items: Vec<&str>| items.join(" ");
    let images = match caps.inline_images {
        Inline::Refused => "URLs only",
        Inline::Accepted(_) => "files or URLs",
    };
    let references = if caps.max_reference_images + caps.max_reference_audio == 0 {
        "-".to_owned()
    } else {
        format!(
            "{} images, {} audio",
            caps.max_reference_images, caps.max_reference_audio
        )
    };
    [
        caps.provider.to_string(),
        caps.model.to_string(),
        format!("{}-{} s", caps.duration.0, caps.duration.1),
        join(caps.resolutions.iter().map(|r| r.as_str()).collect()),
        join(caps.ratios.iter().map(|r| r.as_str()).collect()),
        images.to_owned(),
        references,
        caps.fields
            .iter()
            .map(|f| f.as_str())
            .collect::<Vec<_>>()
            .join(", "),
    ]
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
    }
}
