//! Bad input fails the build with exit code 1 and a message naming file,
//! line and column; nothing is written and no earlier PDF is lost.

mod common;

use common::{folio, project, stderr};

const BETA: (&str, &str) = (
    "notes/beta.md",
    "---\ntitle: Beta\n---\n\n## Intro\n\nText.\n",
);

/// Runs a build that must fail and returns its diagnostics.
fn failing(files: &[(&str, &str)]) -> String {
    let dir = project(files);
    let output = folio(dir.path(), &["build"]);
    let text = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert!(
        !dir.path().join("output").exists(),
        "nothing may be written: {text}"
    );
    text
}

#[test]
fn first_level_one_heading_is_the_title_when_front_matter_has_none() {
    let dir = project(&[(
        "notes/alpha.md",
        "Intro line.\n\n# The Real Title\n\nBody.\n",
    )]);
    let output = folio(dir.path(), &[]);
    assert!(output.status.success(), "{}", stderr(&output));
    let pdf = common::Pdf::open(&dir.path().join("output/briefing-book.pdf"));
    let chapters: Vec<String> = pdf
        .outline()
        .into_iter()
        .filter(|o| o.0 == 1)
        .map(|o| o.1)
        .collect();
    assert_eq!(chapters[0], "1 The Real Title");
}

#[test]
fn invalid_yaml_reports_the_parsers_position() {
    let text = failing(&[
        (
            "notes/alpha.md",
            "---\ntitle: Alpha\ntags: [a, b\n---\n\nBody.\n",
        ),
        BETA,
    ]);
    assert!(text.contains("error: invalid YAML front matter"), "{text}");
    assert!(text.contains("┌─ notes/alpha.md:4:1"), "{text}");
}

#[test]
fn wrong_type_in_front_matter_is_a_located_warning() {
    let dir = project(&[
        (
            "notes/alpha.md",
            "---\ntitle: Alpha\norder: first\n---\n\nSee [[beta]].\n",
        ),
        BETA,
    ]);
    let output = folio(dir.path(), &["build"]);
    let text = stderr(&output);
    assert_eq!(output.status.code(), Some(0), "{text}");
    assert!(
        text.contains("warning: front-matter key `order` should be a whole number; it is ignored"),
        "{text}"
    );
    assert!(text.contains("┌─ notes/alpha.md:3:1"), "{text}");
}

#[test]
fn invalid_toml_front_matter_is_located() {
    let text = failing(&[
        (
            "notes/alpha.md",
            "+++\ntitle = \"Alpha\"\ndate = 2009-13-01\n+++\n\nBody.\n",
        ),
        BETA,
    ]);
    assert!(text.contains("error: invalid TOML front matter"), "{text}");
    assert!(text.contains("┌─ notes/alpha.md:3:8"), "{text}");
}

#[test]
fn unclosed_front_matter_is_an_error() {
    let text = failing(&[("notes/alpha.md", "---\ntitle: Alpha\n\nBody.\n"), BETA]);
    assert!(
        text.contains("error: the front matter is never closed"),
        "{text}"
    );
    assert!(text.contains("┌─ notes/alpha.md:1:1"), "{text}");
}

#[test]
fn bad_date_is_located_at_its_key() {
    let text = failing(&[
        (
            "notes/alpha.md",
            "---\ntitle: Alpha\ndate: 2009-02-30\n---\n\nBody.\n",
        ),
        BETA,
    ]);
    assert!(text.contains("error: `2009-02-30` is not a date"), "{text}");
    assert!(text.contains("┌─ notes/alpha.md:3:1"), "{text}");
}

#[test]
fn invalid_utf8_names_the_line() {
    let dir = project(&[BETA]);
    std::fs::write(
        dir.path().join("notes/alpha.md"),
        b"---\ntitle: Alpha\n---\n\nfine\nbad \xff here\n",
    )
    .unwrap();
    let output = folio(dir.path(), &[]);
    let text = stderr(&output);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        text.contains("error: the note is not valid UTF-8"),
        "{text}"
    );
    assert!(text.contains("┌─ notes/alpha.md:6:5"), "{text}");
}

#[test]
fn every_problem_of_a_run_is_reported_with_a_count() {
    let dir = project(&[
        (
            "notes/alpha.md",
            "---\ntitle: Alpha\nrelated: [nobody]\nmood: happy\n---\n\n[[ghost]] and [[beta#missing]]\n",
        ),
        BETA,
    ]);
    let output = folio(dir.path(), &["build", "--deny-warnings"]);
    let text = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert!(!dir.path().join("output").exists(), "{text}");
    for expected in [
        "`nobody`",
        "`ghost`",
        "`#missing`",
        "unknown front-matter key `mood`",
    ] {
        assert!(text.contains(expected), "{expected} missing from {text}");
    }
    // The four above, and `alpha`, which no note links to.
    assert!(text.contains("5 errors, 0 warnings"), "{text}");
}

#[test]
fn empty_notes_folder_is_an_error() {
    let dir = project(&[("notes/readme.txt", "not a note")]);
    let output = folio(dir.path(), &[]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("the notes folder has no Markdown notes"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn unknown_key_in_folio_toml_is_located() {
    let text = failing(&[
        ("folio.toml", "[book]\ntitle = \"X\"\npaper = \"a3\"\n"),
        BETA,
    ]);
    assert!(
        text.contains("invalid folio.toml: unknown variant `a3`"),
        "{text}"
    );
    assert!(text.contains("┌─ folio.toml:3:9"), "{text}");
}

#[test]
fn a_failed_build_leaves_the_earlier_pdf_untouched() {
    let dir = project(&[
        (
            "notes/alpha.md",
            "---\ntitle: Alpha\n---\n\nSee [[beta]].\n",
        ),
        BETA,
    ]);
    assert!(folio(dir.path(), &[]).status.success());
    let pdf = dir.path().join("output/briefing-book.pdf");
    let before = std::fs::read(&pdf).unwrap();
    std::fs::write(
        dir.path().join("notes/alpha.md"),
        "---\ntitle: [Alpha\n---\n\nSee [[beta]].\n",
    )
    .unwrap();
    let output = folio(dir.path(), &[]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(std::fs::read(&pdf).unwrap(), before);
    let mut files: Vec<String> = std::fs::read_dir(dir.path().join("output"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert_eq!(
        files,
        [".folio.lock", "briefing-book.pdf", "manifest.json"],
        "no temporary files"
    );
}

#[test]
fn wrong_usage_exits_with_two() {
    let dir = project(&[BETA]);
    assert_eq!(
        folio(dir.path(), &["--no-such-flag"]).status.code(),
        Some(2)
    );
    assert_eq!(folio(dir.path(), &["--jobs", "0"]).status.code(), Some(2));
}

#[test]
fn help_explains_build_and_the_default() {
    let dir = project(&[BETA]);
    let help = String::from_utf8_lossy(&folio(dir.path(), &["--help"]).stdout).into_owned();
    assert!(help.contains("With no command it builds"), "{help}");
    assert!(
        help.contains("build") && help.contains("--root") && help.contains("--out"),
        "{help}"
    );
}

#[test]
fn a_flag_a_command_does_not_take_is_a_usage_error() {
    let dir = project(&[("notes/alpha.md", "# Alpha\n")]);
    for args in [
        &["fonts", "--shard", "1/2"][..],
        &["new", "x", "--pdf-standard", "a-2b"],
        &["check", "--out", "elsewhere"],
        &["list", "--deny-warnings"],
        &["--jobs", "0"],
    ] {
        let output = folio(dir.path(), args);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{args:?}: {}",
            stderr(&output)
        );
        assert!(stderr(&output).contains("error:"), "{args:?}");
    }
    assert!(!dir.path().join("x").exists());
    assert!(!dir.path().join("output").exists());
}
