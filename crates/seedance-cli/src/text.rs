//! Text from a provider made safe to print: control characters escaped for a terminal, JSON kept
//! valid and free of raw control characters, and commands quoted for a POSIX shell.
//!
//! A provider (or a hostile server posing as one) chooses failure messages, status words, URLs
//! and task ids. Written raw, an escape sequence in them can recolour or retitle the terminal,
//! move the cursor over earlier lines or hide text; a quote in a task id could turn a
//! copy-pasted resume command into shell injection.

use std::borrow::Cow;

/// Whether `c` must not reach a terminal raw: C0, DEL and C1 controls (C1 `U+009B` is a CSI on
/// some terminals), and the bidirectional overrides that can reorder what is shown.
fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
        )
}

/// `text` for a human reader on one line: every unsafe character escaped as Rust writes it
/// (`\n`, `\t`, `\r`, `\u{1b}`), everything else unchanged.
pub(crate) fn printable(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if is_unsafe(c) => out.push_str(&format!("\\u{{{:x}}}", u32::from(c))),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// JSON text (as serde_json writes it) with the unsafe characters serde_json leaves raw (DEL, C1,
/// bidirectional overrides) written as `\uXXXX` escapes: the same JSON value, safe on a terminal.
///
/// Only valid for JSON text, where such characters can only occur inside strings.
pub(crate) fn json_safe(json: &str) -> Cow<'_, str> {
    if !json.chars().any(is_unsafe) {
        return Cow::Borrowed(json);
    }
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        if is_unsafe(c) {
            // All unsafe characters are in the Basic Multilingual Plane: one `\uXXXX` each.
            out.push_str(&format!("\\u{:04x}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// `word` as one POSIX shell word: in single quotes, each embedded `'` written as `'\''`.
pub(crate) fn shell_quote(word: &str) -> String {
    format!("'{}'", word.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_escaped() {
        let check = |input: &str, expected: &str| assert_eq!(printable(input), expected);
        check("plain text, é ✓", "plain text, é ✓");
        check("\u{1b}[31mred\u{1b}[0m", r"\u{1b}[31mred\u{1b}[0m");
        check("a\nb\r\tc", r"a\nb\r\tc");
        check(
            "bell\u{7}del\u{7f}csi\u{9b}",
            r"bell\u{7}del\u{7f}csi\u{9b}",
        );
        check("abc\u{202e}fed", r"abc\u{202e}fed");
    }

    #[test]
    fn json_stays_the_same_value_without_raw_controls() {
        let value = serde_json::json!({"id": "a\u{1b}b\u{7f}c\u{9b}d\u{202e}e'f"});
        let text = serde_json::to_string(&value).unwrap();
        let safe = json_safe(&text);
        assert!(!safe.chars().any(is_unsafe), "{safe}");
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&safe).unwrap(),
            value
        );
    }

    #[test]
    fn shell_words_round_trip_through_sh() {
        let dir = std::env::temp_dir().join(format!("seedance-quote-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        for word in [
            "plain",
            "x'; touch PWNED; echo '",
            "'",
            "''",
            "$(touch PWNED)`id`\\\"",
            "",
        ] {
            let output = std::process::Command::new("sh")
                .arg("-c")
                .arg(format!("printf %s {}", shell_quote(word)))
                .current_dir(&dir)
                .output()
                .unwrap();
            assert!(output.status.success(), "{word:?}");
            assert_eq!(String::from_utf8(output.stdout).unwrap(), word);
            assert!(!dir.join("PWNED").exists(), "{word:?} ran a command");
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
