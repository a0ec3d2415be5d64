//! Inputs the fuzzer (fuzz/fuzz_targets/notes.rs) found or that guard the
//! same property: each file in tests/fuzz-regressions/ is a note that must
//! either be rejected with diagnostics or compile — never panic, and never
//! pass validation only to fail in Typst.

use folio::render::{SingleNoteError, single_note};

#[test]
fn every_regression_input_is_rejected_or_compiles() {
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
    assert!(!inputs.is_empty());
    for input in inputs {
        let text = String::from_utf8_lossy(&std::fs::read(&input).unwrap()).into_owned();
        if let Err(SingleNoteError::Layout(report)) = single_note(root.path(), &text, "plain") {
            panic!(
                "{} passed validation but failed to compile:\n{}",
                input.display(),
                report.to_plain_string()
            );
        }
    }
}
