//! Inputs the fuzzer (fuzz/fuzz_targets/notes.rs) found or that guard the
//! same property: each file in tests/fuzz-regressions/ is a valid note that
//! must compile, never panic, and print every word it holds: the bugs they
//! guard read note text as Typst code, which loses or garbles the text.

use folio::{Project, SingleNoteError};
use typst::layout::{Frame, FrameItem};

fn frame_text(frame: &Frame, out: &mut String) {
    for (_, item) in frame.items() {
        match item {
            FrameItem::Group(group) => frame_text(&group.frame, out),
            FrameItem::Text(text) => {
                out.push_str(&text.text);
                out.push(' ');
            }
            _ => {}
        }
    }
}

/// The words a reader should see: the body's letters and digits, without
/// link targets (`](https://e.com)` prints only its text) and footnote
/// labels (`[^n]` prints a number).
fn expected_words(note: &str) -> Vec<String> {
    let body = note.splitn(3, "---").nth(2).unwrap_or(note);
    let mut text = String::new();
    let mut rest = body;
    while let Some(at) = rest.find("](") {
        text.push_str(&rest[..at]);
        rest = rest[at..].split_once(')').map_or("", |(_, after)| after);
    }
    text.push_str(rest);
    let mut words: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect();
    words.retain(|w| w != "n");
    words
}

#[test]
fn every_regression_input_compiles_and_prints_its_words() {
    let root = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(root.path().join("notes")).unwrap();
    std::fs::create_dir_all(root.path().join("layouts")).unwrap();
    std::fs::write(
        root.path().join("layouts/plain.typ"),
        include_str!("fixtures/plain.typ"),
    )
    .unwrap();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz-regressions");
    let mut inputs: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    inputs.sort();
    assert!(inputs.len() >= 10);
    for input in inputs {
        let bytes = std::fs::read(&input).unwrap();
        let note = String::from_utf8_lossy(&bytes).into_owned();
        let document = match Project::load(root.path())
            .unwrap()
            .typeset_note(&bytes, "plain")
        {
            Ok(document) => document,
            Err(SingleNoteError::Invalid(report) | SingleNoteError::Layout(report)) => panic!(
                "{} did not compile:\n{}",
                input.display(),
                report.to_plain_string()
            ),
        };
        let mut printed = String::new();
        for page in document.pages() {
            frame_text(&page.frame, &mut printed);
        }
        let printed_words: Vec<&str> = printed
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .collect();
        for word in expected_words(&note) {
            assert!(
                printed_words.contains(&word.as_str()),
                "{}: `{word}` is not printed; the text was: {printed}",
                input.display()
            );
        }
    }
}

#[test]
fn invalid_utf8_is_rejected_at_its_byte_not_replaced() {
    let root = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(root.path().join("notes")).unwrap();
    let note = b"---\ntitle: T\n---\n\nCaf\xe9 au lait.\n";
    match Project::load(root.path())
        .unwrap()
        .typeset_note(note, "plain")
    {
        Err(SingleNoteError::Invalid(report)) => {
            let text = report.to_plain_string();
            assert!(
                text.contains("the note is not valid UTF-8 (invalid byte at offset 21)"),
                "{text}"
            );
            assert!(text.contains("notes/note.md:5:4"), "{text}");
        }
        Err(SingleNoteError::Layout(report)) => panic!("{}", report.to_plain_string()),
        Ok(_) => panic!("invalid UTF-8 was accepted"),
    }
}
