//! Bounds on text that comes from a server: every provider-supplied string kept in an
//! [`Error`](crate::Error), a status or a message goes through [`bounded`].

/// The most bytes of provider-supplied text kept in one string.
pub(crate) const TEXT_LIMIT: usize = 1024;

/// `text` cut to at most [`TEXT_LIMIT`] bytes on a character boundary, with `…` when cut.
pub(crate) fn bounded(text: &str) -> String {
    if text.len() <= TEXT_LIMIT {
        return text.to_owned();
    }
    let mut end = TEXT_LIMIT;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_text_is_cut_on_a_char_boundary() {
        assert_eq!(bounded("short"), "short");
        let long = "é".repeat(5 * 1024 * 1024);
        let cut = bounded(&long);
        assert!(cut.len() <= TEXT_LIMIT + '…'.len_utf8(), "{}", cut.len());
        assert!(cut.ends_with('…'));
        assert!(cut.starts_with("éé"));
    }
}
