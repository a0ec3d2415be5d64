//! Any bytes as a note file: front matter, Markdown conversion and Typst
//! compilation must never panic, and a note that passes validation must
//! compile. Crashes found here are kept in tests/fuzz-regressions/.
#![no_main]

use std::sync::OnceLock;

use folio::{Project, SingleNoteError};
use libfuzzer_sys::fuzz_target;

fn project() -> &'static Project {
    static ROOT: OnceLock<Project> = OnceLock::new();
    ROOT.get_or_init(|| {
        let root = std::env::temp_dir().join(format!("folio-fuzz-{}", std::process::id()));
        std::fs::create_dir_all(root.join("notes")).unwrap();
        std::fs::create_dir_all(root.join("layouts")).unwrap();
        std::fs::write(root.join("layouts/plain.typ"), include_str!("../../tests/fixtures/plain.typ")).unwrap();
        Project::load(&root).unwrap()
    })
}

fuzz_target!(|data: &[u8]| {
    // Typst's memo cache is process-wide; without eviction it grows with
    // every input and the fuzzer runs out of memory.
    comemo::evict(0);
    // The bytes as they are: invalid UTF-8 must be rejected with a located
    // error, never a panic.
    if let Err(SingleNoteError::Layout(report)) = project().typeset_note(data, "plain") {
        panic!("a valid note failed to compile:\n{}", report.to_plain_string());
    }
});
