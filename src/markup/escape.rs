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
    // Long unbreakable runs (form dots, underscores, paths, identifiers)
    // go in pieces, each in a box: a line may break between boxes.
    if let Some(pieces) = breakable_pieces(text) {
        for (piece, boxed) in pieces {
            if boxed {
                out.push_str("#box[");
                push_markup(out, piece);
                out.push_str("];");
            } else {
                push_markup(out, piece);
            }
        }
        return;
    }
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

/// A run of one character (not a letter or digit) at least this long — form
/// dots, a line of underscores — may break after every [`RUN_GROUP`]th.
const LONG_RUN: usize = 8;
const RUN_GROUP: usize = 4;
/// A word at least this long that is not a plain word (a bare path or URL,
/// a snake_case identifier, a hash) may break after its separators, and at
/// the latest every [`MAX_PIECE`] characters.
const LONG_WORD: usize = 30;
const MAX_PIECE: usize = 20;

fn is_separator(c: char) -> bool {
    matches!(
        c,
        '/' | '\\' | '.' | '_' | '-' | '?' | '&' | '=' | ':' | ';' | ',' | '|' | '+' | '#' | '~'
    )
}

/// `text` cut into pieces when a word in it needs break opportunities that
/// Unicode line breaking does not give (there is none inside `.....` or
/// `____`, nor after the dots of `a.b.c`), each piece marked whether it goes
/// in a box of its own. Typst breaks lines between adjacent boxes, and the
/// text inside them stays exactly as written: nothing is added to the text
/// layer, unlike zero-width spaces. URLs with a scheme or `www.` are left to
/// Typst, which breaks them itself. None when no word needs it (almost
/// always: one pass over the text, no allocation).
fn breakable_pieces(text: &str) -> Option<Vec<(&str, bool)>> {
    let mut pieces = Vec::new();
    let mut plain_from = 0;
    let mut rest = text;
    let mut offset = 0;
    while !rest.is_empty() {
        let start = rest
            .find(|c: char| !c.is_whitespace())
            .unwrap_or(rest.len());
        let word_len = rest[start..]
            .find(char::is_whitespace)
            .unwrap_or(rest.len() - start);
        let word = &rest[start..start + word_len];
        let at = offset + start;
        if !word.is_empty() {
            let cuts = word_cuts(word);
            if !cuts.is_empty() {
                pieces.push((&text[plain_from..at], false));
                let mut last = 0;
                for cut in cuts.into_iter().chain([word.len()]) {
                    pieces.push((&word[last..cut], true));
                    last = cut;
                }
                plain_from = at + word.len();
            }
        }
        offset += start + word_len;
        rest = &rest[start + word_len..];
    }
    if pieces.is_empty() {
        return None;
    }
    pieces.push((&text[plain_from..], false));
    pieces.retain(|(piece, _)| !piece.is_empty());
    Some(pieces)
}

/// The characters of the longest piece of `word` that [`push_markup`] sets
/// unbroken: the word itself, unless it is one of the long runs or words it
/// gives break opportunities. (For estimates of how wide a word needs.)
pub fn unbreakable_len(word: &str) -> usize {
    let mut longest = 0;
    let mut last = 0;
    for cut in word_cuts(word).into_iter().chain([word.len()]) {
        longest = longest.max(word[last..cut].chars().count());
        last = cut;
    }
    longest
}

/// Byte offsets inside `word` where a line may break; empty for almost
/// every word.
fn word_cuts(word: &str) -> Vec<usize> {
    // A cheap first look: a long run, or a long word that is not plain.
    let (mut count, mut run, mut longest_run, mut plain) = (0, 0, 0, true);
    let mut previous = None;
    for c in word.chars() {
        count += 1;
        run = if Some(c) == previous && !c.is_alphanumeric() {
            run + 1
        } else {
            1
        };
        longest_run = longest_run.max(if c.is_alphanumeric() { 0 } else { run });
        plain &= c.is_alphabetic() || matches!(c, '-' | '\'' | '\u{2019}');
        previous = Some(c);
    }
    let lower = word.get(..4).map(str::to_ascii_lowercase);
    let long_word =
        count >= LONG_WORD && !plain && !word.contains("://") && lower.as_deref() != Some("www.");
    if longest_run < LONG_RUN && !long_word {
        return Vec::new();
    }
    let chars: Vec<(usize, char)> = word.char_indices().collect();
    let mut cuts = Vec::new();
    // Runs: cut where they start and end, and every RUN_GROUP characters.
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i].1;
        let end = i + chars[i..].iter().take_while(|(_, d)| *d == c).count();
        if end - i >= LONG_RUN && !c.is_alphanumeric() {
            cuts.extend((i..end).step_by(RUN_GROUP).chain([end]));
        }
        i = end;
    }
    if long_word {
        // After separators (the last of several in a row).
        for i in 1..chars.len() {
            if is_separator(chars[i - 1].1) && !is_separator(chars[i].1) {
                cuts.push(i);
            }
        }
    }
    cuts.retain(|&i| i > 0 && i < chars.len());
    cuts.sort_unstable();
    cuts.dedup();
    if long_word {
        // Pieces no longer than MAX_PIECE characters.
        let mut all = Vec::new();
        let mut last = 0;
        for cut in cuts.into_iter().chain([chars.len()]) {
            let mut at = last + MAX_PIECE;
            while at < cut {
                all.push(at);
                at += MAX_PIECE;
            }
            all.push(cut);
            last = cut;
        }
        all.pop();
        cuts = all;
    }
    cuts.into_iter().map(|i| chars[i].0).collect()
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
        assert_eq!(
            out,
            "\"a\" \u{2013} b \u{2014} c\u{2026} it's \\#x 1990\u{2019}s"
        );
    }

    #[test]
    fn string_escapes_quotes_backslashes_and_controls() {
        assert_eq!(string("a\"b\\c\nd\u{1}"), "\"a\\\"b\\\\c\\nd\\u{1}\"");
    }

    #[test]
    fn long_runs_and_words_are_cut_into_boxes() {
        // Ordinary text, short runs and URLs with a scheme are untouched.
        for text in [
            "A sentence... with -- dashes and governance.",
            "https://example.org/a/very/long/path/that/typst/breaks/itself",
            "Rindfleischetikettierungsüberwachungsaufgabenübertragungsgesetz",
        ] {
            assert_eq!(markup(text), markup_plain(text), "{text}");
        }
        assert_eq!(
            markup("Name: .........."),
            "Name\\: #box[\\.\\.\\.\\.];#box[\\.\\.\\.\\.];#box[\\.\\.];"
        );
        assert_eq!(
            markup("x:__________ y"),
            "#box[x\\:];#box[\\_\\_\\_\\_];#box[\\_\\_\\_\\_];#box[\\_\\_]; y"
        );
        let path = "example.org/some_module/sub_module/file_name.txt";
        let out = markup(path);
        assert!(
            out.starts_with("#box[example\\.];#box[org\\/];#box[some\\_];"),
            "{out}"
        );
        // Every piece is at most MAX_PIECE characters.
        let hash = "0123456789".repeat(5) + "_x";
        assert_eq!(markup(&hash).matches("#box[").count(), 4);
        assert_eq!(unbreakable_len(&hash), 20);
        assert_eq!(unbreakable_len(&".".repeat(200)), 4);
        assert_eq!(unbreakable_len("governance"), 10);
    }

    /// `markup` without the boxes, for comparison.
    fn markup_plain(text: &str) -> String {
        text.chars()
            .map(|c| match c {
                '\n' => " ".to_string(),
                c if c.is_ascii_punctuation() => format!("\\{c}"),
                c => c.to_string(),
            })
            .collect()
    }
}
