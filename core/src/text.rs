//! Text offsets as the apps see them, and the limits on text we accept.
//!
//! Kotlin and Swift index strings in UTF-16 code units, and so do our
//! documents (they are loaded with `TextEncoding::Utf16CodeUnit`, see
//! `docs/adr/0002-utf16-text-offsets.md`). An offset that falls between the
//! two halves of a surrogate pair would split an emoji in two, so every offset
//! an app passes is checked against the current text first.

use crate::error::{Error, Result};

/// The largest transcript or summary we accept, in UTF-8 bytes. A two-hour
/// interview transcribed is about 150 KB; beyond a few MB an Automerge text
/// costs hundreds of MB of memory on a phone.
pub const MAX_TEXT_BYTES: usize = 4 * 1024 * 1024;
/// The longest title, tag, name or other one-line value, in characters.
pub const MAX_LINE_CHARS: usize = 500;
/// The longest note or comment, in characters.
pub const MAX_NOTE_CHARS: usize = 20_000;

/// Length of `text` in UTF-16 code units.
pub fn utf16_len(text: &str) -> usize {
    text.chars().map(char::len_utf16).sum()
}

/// Checks that `[start, start + len)` lies within `text` and that both ends
/// fall on character boundaries (never inside a surrogate pair).
pub(crate) fn check_utf16_range(text: &str, start: usize, len: usize, field: &str) -> Result<()> {
    let end = start
        .checked_add(len)
        .ok_or_else(|| Error::invalid(field, "range overflows"))?;
    let total = utf16_len(text);
    if end > total {
        return Err(Error::invalid(
            field,
            format!("range {start}..{end} is past the end of the text (length {total} in UTF-16 code units)"),
        ));
    }
    for offset in [start, end] {
        if !is_boundary(text, offset) {
            return Err(Error::invalid(
                field,
                format!("offset {offset} falls inside a surrogate pair"),
            ));
        }
    }
    Ok(())
}

/// Whether a UTF-16 offset (assumed `<= utf16_len(text)`) falls between
/// characters.
fn is_boundary(text: &str, offset: usize) -> bool {
    let mut position = 0;
    for ch in text.chars() {
        if position >= offset {
            break;
        }
        position += ch.len_utf16();
    }
    position == offset
}

/// The part of `text` between two UTF-16 offsets, clamped to the text and to
/// character boundaries.
pub fn slice_utf16(text: &str, start: usize, end: usize) -> &str {
    let mut position = 0;
    let mut from = text.len();
    let mut to = text.len();
    for (byte, ch) in text.char_indices() {
        if position >= start && from == text.len() {
            from = byte;
        }
        if position >= end {
            to = byte;
            break;
        }
        position += ch.len_utf16();
    }
    if from > to { "" } else { &text[from..to] }
}

/// Width in UTF-16 code units of the character starting at `offset`.
pub(crate) fn char_width_at(text: &str, offset: usize) -> usize {
    let mut position = 0;
    for ch in text.chars() {
        if position == offset {
            return ch.len_utf16();
        }
        if position > offset {
            break;
        }
        position += ch.len_utf16();
    }
    1
}

/// A required one-line value: trimmed, not empty, not too long.
pub(crate) fn required_line(field: &str, value: &str) -> Result<String> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(Error::invalid(field, "must not be empty"));
    }
    optional_line(field, trimmed).map(|v| v.unwrap_or_default())
}

/// An optional one-line value: empty means absent.
pub(crate) fn optional_line(field: &str, value: &str) -> Result<Option<String>> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Ok(None);
    }
    if trimmed.chars().count() > MAX_LINE_CHARS {
        return Err(Error::invalid(
            field,
            format!("is longer than {MAX_LINE_CHARS} characters"),
        ));
    }
    if trimmed.contains(['\n', '\r']) {
        return Err(Error::invalid(field, "must be a single line"));
    }
    Ok(Some(trimmed.to_owned()))
}

/// A note or comment: may span lines, must not be enormous.
pub(crate) fn note(field: &str, value: &str) -> Result<String> {
    if value.chars().count() > MAX_NOTE_CHARS {
        return Err(Error::invalid(
            field,
            format!("is longer than {MAX_NOTE_CHARS} characters"),
        ));
    }
    Ok(value.to_owned())
}

/// A transcript or summary: any text up to [`MAX_TEXT_BYTES`].
pub(crate) fn long_text(field: &str, value: &str) -> Result<()> {
    if value.len() > MAX_TEXT_BYTES {
        return Err(Error::invalid(
            field,
            format!(
                "is {:.1} MB; the limit is {} MB",
                value.len() as f64 / 1_048_576.0,
                MAX_TEXT_BYTES / 1_048_576
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIXED: &str = "a😀e\u{301}b"; // a, emoji (2 units), e + combining acute, b

    #[test]
    fn emoji_count_as_two_code_units() {
        assert_eq!(utf16_len(MIXED), 6);
    }

    #[test]
    fn offsets_inside_a_surrogate_pair_are_refused() {
        assert!(check_utf16_range(MIXED, 1, 2, "transcript").is_ok());
        let err = check_utf16_range(MIXED, 2, 0, "transcript").unwrap_err();
        assert!(err.to_string().contains("surrogate"));
    }

    #[test]
    fn offsets_between_a_letter_and_its_combining_mark_are_allowed() {
        // Apps may legitimately place the caret there; it is a valid UTF-16 boundary.
        assert!(check_utf16_range(MIXED, 4, 1, "transcript").is_ok());
    }

    #[test]
    fn ranges_past_the_end_are_refused() {
        assert!(check_utf16_range(MIXED, 5, 2, "transcript").is_err());
        assert!(check_utf16_range(MIXED, usize::MAX, 2, "transcript").is_err());
    }

    #[test]
    fn slicing_by_utf16_offsets() {
        assert_eq!(slice_utf16(MIXED, 1, 3), "😀");
        assert_eq!(slice_utf16(MIXED, 3, 6), "e\u{301}b");
        assert_eq!(slice_utf16(MIXED, 6, 6), "");
        assert_eq!(slice_utf16(MIXED, 4, 2), "");
    }

    #[test]
    fn char_widths() {
        assert_eq!(char_width_at(MIXED, 1), 2);
        assert_eq!(char_width_at(MIXED, 0), 1);
    }

    #[test]
    fn lines_are_trimmed_and_checked() {
        assert_eq!(required_line("title", "  Hello ").unwrap(), "Hello");
        assert!(required_line("title", "   ").is_err());
        assert!(required_line("title", "two\nlines").is_err());
        assert_eq!(optional_line("pseudonym", "").unwrap(), None);
    }
}
