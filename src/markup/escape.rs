//! The one place where user text enters Typst source.
//!
//! Everything a note says reaches Typst through one of these functions, so
//! proving them airtight (see the property test in `tests/escaping.rs`) proves
//! that no note can run Typst code or change the page setup.

use std::fmt::Write;

/// Text for Typst *markup* mode that prints exactly as given.
///
/// Every ASCII punctuation character gets a backslash: that disarms all of
/// markup's syntax (`#`, `$`, `*`, `_`, `<`, `@`, `=` and `-` at line starts,
/// `--`, `...`, smart quotes, `~`, URLs) in one rule. Letters are never
/// escaped, so `\u{...}` cannot form. Characters Typst treats as line breaks
/// become spaces (two in a row would otherwise start a new paragraph), and
/// control characters, which no font can print, become U+FFFD.
pub fn markup(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    push_markup(&mut out, text);
    out
}

pub fn push_markup(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '\n' | '\r' | '\u{0B}' | '\u{0C}' | '\u{85}' | '\u{2028}' | '\u{2029}' | '\t' => {
                out.push(' ')
            }
            c if c.is_ascii_punctuation() => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
}

/// Prose for Typst *markup* mode: as [`push_markup`], except for the
/// typography a reader expects. `--` and `---` become en and em dashes and
/// `...` an ellipsis (as characters, not markup), and straight quotes are
/// left to Typst's smart quotes, which print them as the text language's
/// quotation marks (English “…” ‘…’ and ’ for an apostrophe, German „…“,
/// French « … »). A bare `"` or `'` in markup is only ever a smart quote,
/// so this opens no syntax. Code never goes through here.
pub fn push_prose(out: &mut String, text: &str) {
    let text = text
        .replace("---", "\u{2014}")
        .replace("--", "\u{2013}")
        .replace("...", "\u{2026}");
    let mut rest = text.as_str();
    let mut before = None;
    while let Some(at) = rest.find(['"', '\'']) {
        push_markup(out, &rest[..at]);
        let quote = &rest[at..at + 1];
        before = rest[..at].chars().next_back().or(before);
        rest = &rest[at + 1..];
        // Typst reads a quote after a digit as a prime (5′11″); between a
        // digit and a letter it is an apostrophe (the 1990’s).
        let after_digit = before.is_some_and(|c| c.is_ascii_digit());
        if quote == "'" && after_digit && rest.starts_with(char::is_alphabetic) {
            out.push('\u{2019}');
        } else {
            out.push_str(quote);
        }
        before = quote.chars().next();
    }
    push_markup(out, rest);
}

/// A Typst string literal, quotes included, holding exactly `text`.
pub fn string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    push_string(&mut out, text);
    out
}

pub fn push_string(out: &mut String, text: &str) {
    out.push('"');
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_escapes_every_syntax_character() {
        assert_eq!(
            markup("#set page(width: 1pt)"),
            "\\#set page\\(width\\: 1pt\\)"
        );
        assert_eq!(markup("= x\n- y"), "\\= x \\- y");
        assert_eq!(markup("\\u{41}"), "\\\\u\\{41\\}");
        assert_eq!(markup("a\u{2028}\u{2028}b"), "a  b");
        assert_eq!(markup("\u{0}"), "\u{FFFD}");
        assert_eq!(markup("héllo wörld"), "héllo wörld");
    }

    #[test]
    fn prose_keeps_quotes_for_typst_and_sets_dashes() {
        let mut out = String::new();
        push_prose(&mut out, "\"a\" -- b --- c... it's #x 1990's");
        assert_eq!(out, "\"a\" \u{2013} b \u{2014} c\u{2026} it's \\#x 1990\u{2019}s");
    }

    #[test]
    fn string_escapes_quotes_backslashes_and_controls() {
        assert_eq!(string("a\"b\\c\nd\u{1}"), "\"a\\\"b\\\\c\\nd\\u{1}\"");
    }
}
