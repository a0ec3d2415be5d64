//! No note can inject Typst: arbitrary text goes through the converter and
//! Typst and comes out unchanged, arbitrary Markdown always compiles to one
//! page of a fixed-size layout, and absurd nesting cannot overflow the stack.

use std::path::Path;
use std::sync::OnceLock;

use folio::{Project, SingleNoteError};
use proptest::prelude::*;
use typst::layout::{Frame, FrameItem};

/// A project whose only layout prints the bodies on one page that grows to
/// fit, so text never wraps and any page setup a note managed to change
/// would show as a second page.
fn project() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("layouts")).unwrap();
        std::fs::create_dir_all(dir.path().join("notes")).unwrap();
        std::fs::write(
            dir.path().join("layouts/plain.typ"),
            include_str!("fixtures/plain.typ"),
        )
        .unwrap();
        dir
    })
    .path()
}

/// Converts and typesets one note; `Err` carries the diagnostics.
fn typeset(markdown: &str) -> Result<(String, usize), String> {
    let text = format!("---\ntitle: T\n---\n{markdown}");
    let document = Project::load(project())
        .unwrap()
        .typeset_note(text.as_bytes(), "plain")
        .map_err(|err| match err {
            SingleNoteError::Invalid(report) | SingleNoteError::Layout(report) => {
                report.to_plain_string()
            }
        })?;
    let mut out = String::new();
    for page in document.pages() {
        frame_text(&page.frame, &mut out);
    }
    Ok((out, document.pages().len()))
}

fn frame_text(frame: &Frame, out: &mut String) {
    for (_, item) in frame.items() {
        match item {
            FrameItem::Group(group) => frame_text(&group.frame, out),
            FrameItem::Text(text) => out.push_str(&text.text),
            _ => {}
        }
    }
}

/// Text without whitespace: layout decides spacing between runs and lines,
/// every other character must survive unchanged and in order.
fn visible(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

/// Text as prose prints it, the typography folio sets aside: `--`, `---`
/// and `...` become dashes and an ellipsis, and quotation marks (straight
/// ones become the language's, or primes after a digit) are dropped on both
/// sides of a comparison.
fn typography(text: &str) -> String {
    text.replace("---", "\u{2014}")
        .replace("--", "\u{2013}")
        .replace("...", "\u{2026}")
        .chars()
        .filter(|c| !"\"'“”‘’„‚«»‹›′″\u{202F}".contains(*c))
        .collect()
}

/// Markdown that means exactly `text`: every ASCII punctuation character
/// backslash-escaped, line indentation dropped (it would make code blocks).
fn markdown_literal(text: &str) -> String {
    text.lines()
        .map(|line| {
            line.trim_start()
                .chars()
                .map(|c| {
                    if c.is_ascii_punctuation() {
                        format!("\\{c}")
                    } else {
                        c.to_string()
                    }
                })
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Printable text heavy in Typst's syntax characters, at line starts too.
fn hostile_text() -> impl Strategy<Value = String> {
    let pieces = prop_oneof![
        Just("#".to_string()),
        Just("#set page(width: 10pt)".to_string()),
        Just("#let x = 1".to_string()),
        Just("$x^2$".to_string()),
        Just("\\u{41}".to_string()),
        Just("<label>".to_string()),
        Just("@ref".to_string()),
        Just("= Heading".to_string()),
        Just("- item".to_string()),
        Just("+ item".to_string()),
        Just("1. item".to_string()),
        Just("/ term: x".to_string()),
        Just("// comment".to_string()),
        Just("/* open".to_string()),
        Just("```".to_string()),
        Just("https://example.com".to_string()),
        Just("--- ... -- ~".to_string()),
        Just("\"quoted\" 'single'".to_string()),
        Just("*strong* _emph_".to_string()),
        Just("[bracket] {brace} (paren)".to_string()),
        Just("\n".to_string()),
        Just(" ".to_string()),
        "[ -~]{1,12}",
        "[a-zA-Z0-9 éüßπ€…“”]{1,12}",
    ];
    proptest::collection::vec(pieces, 1..24).prop_map(|parts| parts.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 160, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn any_text_prints_literally(text in hostile_text()) {
        let (printed, pages) = typeset(&markdown_literal(&text)).map_err(TestCaseError::fail)?;
        prop_assert_eq!(pages, 1);
        // Every character prints as written, but for the typography.
        let same = |text: &str| typography(&visible(&typography(text)));
        prop_assert_eq!(same(&printed), same(&text));
    }

    #[test]
    fn any_markdown_compiles_on_one_page(markdown in proptest::collection::vec(prop_oneof![
        hostile_text(),
        Just("\n\n".to_string()),
        Just("> ".to_string()),
        Just("| a | b |\n|---|:-:|\n| 1 | 2 |\n".to_string()),
        Just("[^1]\n\n[^1]: note #x".to_string()),
        Just("[[note]]".to_string()),
        Just("[link](javascript:alert(1))".to_string()),
        Just("[link](https://example.com/#x)".to_string()),
        Just("<script>#set page(width: 1pt)</script>".to_string()),
        Just("- [ ] task\n- [x] done\n".to_string()),
        Just("~~gone~~".to_string()),
        Just("    indented code #x\n".to_string()),
        // Blocks ending in a multi-byte character (hashed for editions).
        Just("\n\n# Ü\n\nÄ\n\n| Ö |\n|---|\n| ß |\n".to_string()),
        Just("[see @key, p. 3; -@other] and @handle".to_string()),
    ], 1..12).prop_map(|parts| parts.concat())) {
        let (_, pages) = typeset(&markdown).map_err(TestCaseError::fail)?;
        prop_assert_eq!(pages, 1);
    }
}

#[test]
fn code_and_link_text_keep_every_character() {
    let (printed, _) =
        typeset("`#raw(\"x\") \\ \"q\"` and [#a\\_b](https://example.com/?q=#x)\n").unwrap();
    assert_eq!(visible(&printed), visible("#raw(\"x\") \\ \"q\" and #a_b"));
}

#[test]
fn thousands_of_nesting_levels_do_not_overflow() {
    let depth = 5_000;
    let quotes = format!("{} deep\n", ">".repeat(depth));
    let lists = format!("{}level\n", "- ".repeat(depth));
    let emphasis = format!("{}x{}\n", "*".repeat(depth), "*".repeat(depth));
    let links = format!(
        "{}x{}\n",
        "[".repeat(depth),
        "](https://e.com)".repeat(depth)
    );
    for (markdown, word) in [
        (quotes, "deep"),
        (lists, "level"),
        (emphasis, "x"),
        (links, "x"),
    ] {
        // Run on a thread with a modest stack, as rayon's workers have.
        let result = std::thread::Builder::new()
            .stack_size(2 << 20)
            .spawn(move || typeset(&markdown).map(|(text, pages)| (has_word(&text, word), pages)))
            .unwrap()
            .join()
            .expect("no stack overflow or panic");
        let (printed, pages) =
            result.unwrap_or_else(|err| panic!("{}", &err[..err.len().min(2000)]));
        // The innermost text survives the nesting (flattened past the limit).
        assert!(printed, "the nested `{word}` is missing ({pages} pages)");
    }
}

/// Whether `text` holds `word` as a word of its own.
fn has_word(text: &str, word: &str) -> bool {
    text.split(|c: char| !c.is_alphanumeric())
        .any(|w| w == word)
}
