//! The diagnostics contract: one fixture project per kind of bad input
//! (tests/fixtures/diagnostics/<case>/), each built with `--format json`; the
//! human report (stderr) and the JSON (stdout) are compared with snapshots in
//! tests/snapshots/. Cases that need generated files (an image bomb, a
//! symlink, an unwritable output folder) are built in the test itself.

mod common;

use std::path::Path;

use common::{folio, project, stderr};

/// Copies a fixture into a fresh folder and builds it there.
fn build_fixture(case: &str) -> (String, serde_json::Value, Option<i32>) {
    let dir = tempfile::tempdir().unwrap();
    common::copy_dir(
        &common::repo().join("tests/fixtures/diagnostics").join(case),
        dir.path(),
    );
    run(dir.path(), &["build", "--format", "json"])
}

fn run(dir: &Path, args: &[&str]) -> (String, serde_json::Value, Option<i32>) {
    let output = folio(dir, args);
    let mut json: serde_json::Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {}", stderr(&output)));
    // The PDF's size and checksum change with every change of layout; the
    // manifest tests check them. Here they would only hide the diagnostics.
    if let Some(files) = json["files"].as_array_mut() {
        for file in files {
            file["bytes"] = "[bytes]".into();
            file["sha256"] = "[sha256]".into();
            if file.get("fonts").is_some() {
                file["fonts"] = "[fonts]".into();
            }
        }
    }
    // The summary line carries a duration; nothing else varies between runs.
    let human = stderr(&output)
        .lines()
        .map(|line| match line.split_once(" pages in ") {
            Some((head, _)) => format!("{head} pages in [duration]"),
            None => line.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n");
    (human, json, output.status.code())
}

macro_rules! case {
    ($name:ident, $fixture:literal, $code:expr) => {
        #[test]
        fn $name() {
            let (human, json, code) = build_fixture($fixture);
            assert_eq!(code, Some($code), "{human}");
            assert_eq!(json["exit_code"], $code);
            insta::assert_snapshot!(concat!($fixture, "-human"), human);
            insta::assert_snapshot!(
                concat!($fixture, "-json"),
                serde_json::to_string_pretty(&json).unwrap()
            );
        }
    };
}

case!(unclosed_front_matter, "unclosed-front-matter", 1);
case!(invalid_yaml, "invalid-yaml", 1);
case!(invalid_toml, "invalid-toml", 1);
case!(invalid_utf8, "invalid-utf8", 1);
case!(clashing_ids, "clashing-ids", 1);
case!(qualified_ids, "qualified-ids", 0);
case!(unknown_xref, "unknown-xref", 0);
case!(unknown_anchor, "unknown-anchor", 0);
case!(unknown_related, "unknown-related", 0);
case!(title_from_file_name, "title-from-file-name", 0);
case!(missing_image, "missing-image", 1);
case!(corrupt_image, "corrupt-image", 1);
case!(unsupported_image, "unsupported-image", 1);
case!(image_outside, "image-outside", 1);
case!(warnings, "warnings", 0);
case!(empty_notes, "empty-notes", 1);
case!(empty_pack, "empty-pack", 1);
case!(bad_config, "bad-config", 1);
case!(layout_error, "layout-error", 1);
case!(note_typst_error, "note-typst-error", 1);
case!(invalid_svg, "invalid-svg", 1);
case!(svg_outside, "svg-outside", 1);
case!(bad_bibtex, "bad-bibtex", 1);
case!(bad_hayagriva, "bad-hayagriva", 1);
case!(bibliography_outside, "bibliography-outside", 1);
case!(unknown_citation_style, "unknown-citation-style", 1);
case!(unknown_citation_key, "unknown-citation-key", 0);
case!(duplicate_citation_key, "duplicate-citation-key", 1);

#[test]
fn warnings_become_errors_when_denied() {
    let dir = tempfile::tempdir().unwrap();
    common::copy_dir(
        &common::repo().join("tests/fixtures/diagnostics/warnings"),
        dir.path(),
    );
    let (human, json, code) = run(
        dir.path(),
        &["build", "--format", "json", "--deny-warnings"],
    );
    assert_eq!(code, Some(1), "{human}");
    assert_eq!(json["warnings"], 0);
    assert_eq!(json["errors"], 10);
    assert!(!dir.path().join("output").exists());
}

/// The peak resident memory of the largest child process so far, in MB.
fn largest_child_rss_mb() -> i64 {
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: getrusage only writes into the struct it is given.
    assert_eq!(
        unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) },
        0
    );
    usage.ru_maxrss / 1024
}

/// A PNG whose header declares `width`×`height` pixels but holds almost no data.
fn png_header_only(width: u32, height: u32) -> Vec<u8> {
    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = !0u32;
        for &byte in bytes {
            crc ^= byte as u32;
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }
    let chunk = |kind: &[u8], data: &[u8]| {
        let mut out = (data.len() as u32).to_be_bytes().to_vec();
        let body = [kind, data].concat();
        out.extend(&body);
        out.extend(crc32(&body).to_be_bytes());
        out
    };
    let mut ihdr = width.to_be_bytes().to_vec();
    ihdr.extend(height.to_be_bytes());
    ihdr.extend([8, 6, 0, 0, 0]);
    [
        b"\x89PNG\r\n\x1a\n".to_vec(),
        chunk(b"IHDR", &ihdr),
        chunk(b"IDAT", &[0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]),
        chunk(b"IEND", &[]),
    ]
    .concat()
}

#[test]
fn an_image_bomb_is_refused_quickly_without_allocating_it() {
    let dir = project(&[(
        "notes/alpha.md",
        "---\ntitle: Alpha\n---\n\n![A bomb](bomb.png)\n",
    )]);
    std::fs::write(
        dir.path().join("notes/bomb.png"),
        png_header_only(60_000, 60_000),
    )
    .unwrap();
    let (human, json, code) = run(dir.path(), &["check", "--format", "json"]);
    // Decoding it would take 14 GB; the largest folio this test process ran
    // must have stayed far below (its speed is measured in tests/bench).
    assert!(
        largest_child_rss_mb() < 2_000,
        "a child used {} MB",
        largest_child_rss_mb()
    );
    assert_eq!(code, Some(1), "{human}");
    assert_eq!(
        json["diagnostics"][0]["message"],
        "image `notes/bomb.png` is too large (at most 20000×20000 pixels and 512 MB decoded)"
    );
    assert_eq!(json["diagnostics"][0]["line"], 5);
}

#[cfg(unix)]
#[test]
fn an_image_symlink_leading_outside_is_refused() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret.png"), png_header_only(1, 1)).unwrap();
    let dir = project(&[(
        "notes/alpha.md",
        "---\ntitle: Alpha\n---\n\n![Linked](link.png)\n",
    )]);
    std::os::unix::fs::symlink(
        outside.path().join("secret.png"),
        dir.path().join("notes/link.png"),
    )
    .unwrap();
    let (human, json, code) = run(dir.path(), &["check", "--format", "json"]);
    assert_eq!(code, Some(1), "{human}");
    assert_eq!(
        json["diagnostics"][0]["message"],
        "image `notes/link.png` leads outside the project folder"
    );
}

#[test]
fn an_output_folder_that_cannot_be_written_exits_with_three() {
    let dir = project(&[
        ("notes/alpha.md", "# Alpha\n"),
        ("blocker", "a file where the output folder should be"),
    ]);
    let (human, json, code) = run(
        dir.path(),
        &["build", "--out", "blocker/out", "--format", "json"],
    );
    assert_eq!(code, Some(3), "{human}");
    assert!(
        json["diagnostics"][0]["message"]
            .as_str()
            .unwrap()
            .starts_with("cannot create the output folder")
    );
}

#[test]
fn a_broken_note_stops_only_the_packs_that_hold_it() {
    let config = "[[pack]]\nname = \"good\"\nnotes = [\"alpha\"]\n\n[[pack]]\nname = \"bad\"\nnotes = [\"alpha\", \"beta\"]\n";
    let dir = project(&[
        ("folio.toml", config),
        (
            "notes/alpha.md",
            "---\ntitle: Alpha\n---\n\nSee [[beta]].\n",
        ),
        (
            "notes/beta.md",
            "---\ntitle: Beta\n---\n\nSee [[alpha]].\n\n![A map](missing.png)\n",
        ),
    ]);
    let (human, json, code) = run(dir.path(), &["build", "--format", "json"]);
    assert_eq!(code, Some(1), "{human}");
    assert_eq!(json["not_built"], serde_json::json!(["bad.pdf"]));
    assert_eq!(json["files"][0]["path"], "good.pdf");
    assert!(dir.path().join("output/good.pdf").exists());
    assert!(!dir.path().join("output/bad.pdf").exists());
    assert!(
        human.contains("not built: bad.pdf (its input has errors)"),
        "{human}"
    );
}

#[test]
fn a_failing_build_changes_no_earlier_file_of_the_documents_it_cannot_build() {
    let dir = common::sample_project();
    assert!(folio(dir.path(), &["-q"]).status.success());
    let out = dir.path().join("output");
    let digest = |path: &str| folio::output::sha256_hex(&std::fs::read(out.join(path)).unwrap());
    let before: Vec<(String, String)> = paths_in(&out)
        .into_iter()
        .map(|path| {
            let d = digest(&path);
            (path, d)
        })
        .collect();
    let note = dir.path().join("notes/threat-assessments.md");
    let text = std::fs::read_to_string(&note).unwrap();
    std::fs::write(&note, text.replacen("---\n", "---\ntitle: [broken\n", 1)).unwrap();
    let (human, json, code) = run(dir.path(), &["--format", "json"]);
    assert_eq!(code, Some(1), "{human}");
    let not_built: Vec<&str> = json["not_built"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(not_built.contains(&"compendium.pdf"), "{not_built:?}");
    let written: Vec<&str> = json["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert!(
        !written.is_empty(),
        "documents without the broken note are still built"
    );
    for (path, old) in &before {
        if path.ends_with(".pdf") && !written.contains(&path.as_str()) {
            assert_eq!(
                &digest(path),
                old,
                "{path} was changed by a build that did not write it"
            );
        }
        // Whatever was (re)written is a complete PDF.
        if path.ends_with(".pdf") {
            assert!(common::Pdf::open(&out.join(path)).page_count() > 0);
        }
    }
}

/// Files under `out`, relative and `/`-separated, sorted.
fn paths_in(out: &Path) -> Vec<String> {
    let mut files = Vec::new();
    let mut stack = vec![out.to_path_buf()];
    while let Some(folder) = stack.pop() {
        for entry in std::fs::read_dir(folder).unwrap().flatten() {
            if entry.path().is_dir() {
                stack.push(entry.path());
            } else {
                files.push(
                    entry
                        .path()
                        .strip_prefix(out)
                        .unwrap()
                        .to_string_lossy()
                        .replace('\\', "/"),
                );
            }
        }
    }
    files.sort();
    files
}

#[test]
fn check_writes_nothing_and_reports_like_build() {
    let dir = common::sample_project();
    let before: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    let (human, json, code) = run(dir.path(), &["check", "--format", "json"]);
    assert_eq!(code, Some(0), "{human}");
    assert_eq!(json["command"], "check");
    assert_eq!(json["errors"], 0);
    let after: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert_eq!(before, after);
    assert!(!dir.path().join("output").exists());
}
