//! The authoring commands: new, list, completions, and finding the project
//! root from a subfolder.

mod common;

use common::{Pdf, folio, stderr};

#[test]
fn new_then_build_gives_a_book_with_a_figure_table_and_footnote() {
    let parent = tempfile::tempdir().unwrap();
    let output = folio(parent.path(), &["new", "field-notes"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let project = parent.path().join("field-notes");
    for file in [
        "folio.toml",
        ".gitignore",
        "notes/getting-started.md",
        "notes/images/chart.png",
        "output/.gitkeep",
    ] {
        assert!(project.join(file).exists(), "{file} missing");
    }
    let output = folio(&project, &["--format", "json"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let result: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        result["warnings"],
        0,
        "the starter project is clean: {}",
        stderr(&output)
    );
    let pdf = Pdf::open(&project.join("output/briefing-book.pdf"));
    let text: String = (1..=pdf.page_count() as u32)
        .map(|p| pdf.text(p))
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        text.contains("Figure 1: Notes per month, an example chart"),
        "{text}"
    );
    assert!(text.contains("folio reads folio.toml and notes/"));
}

#[test]
fn new_refuses_a_folder_that_is_not_empty() {
    let dir = common::project(&[("keep.txt", "mine")]);
    let output = folio(dir.path(), &["new", "."]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("is not empty"));
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn list_shows_notes_with_their_packs_and_packs_with_last_built_pages() {
    let dir = common::sample_project();
    let before: serde_json::Value =
        serde_json::from_slice(&folio(dir.path(), &["list", "--format", "json"]).stdout).unwrap();
    assert_eq!(before["notes"].as_array().unwrap().len(), 8);
    let management = &before["notes"][0];
    assert_eq!(management["id"], "security-sector-management");
    assert_eq!(management["date"], "2009-12-01");
    assert_eq!(
        management["packs"],
        serde_json::json!([
            "compendium",
            "workshop-governance",
            "workshop-stabilisation"
        ])
    );
    assert_eq!(before["packs"][0]["name"], "compendium");
    assert_eq!(before["packs"][0]["notes"], 8);
    assert!(before["packs"][0]["pages"].is_null(), "not built yet");
    assert!(folio(dir.path(), &["-q"]).status.success());
    let after: serde_json::Value =
        serde_json::from_slice(&folio(dir.path(), &["list", "--format", "json"]).stdout).unwrap();
    let compendium = Pdf::open(&dir.path().join("output/compendium.pdf")).page_count();
    assert_eq!(after["packs"][0]["pages"], compendium);
    let table = String::from_utf8(folio(dir.path(), &["list"]).stdout).unwrap();
    assert!(table.starts_with("NOTE "), "{table}");
    assert!(
        table.contains("compendium              Compendium"),
        "{table}"
    );
}

#[test]
fn folio_finds_the_project_root_from_a_subfolder() {
    let dir = common::sample_project();
    let deep = dir.path().join("notes");
    let output = folio(&deep, &["check", "--format", "json"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let output = folio(&deep, &["--pack", "compendium", "-q"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(dir.path().join("output/compendium.pdf").exists());
    assert!(!deep.join("output").exists());
}

#[test]
fn completions_are_printed_for_each_shell() {
    let dir = tempfile::tempdir().unwrap();
    for (shell, marker) in [
        ("bash", "_folio()"),
        ("zsh", "#compdef folio"),
        ("fish", "complete -c folio"),
    ] {
        let output = folio(dir.path(), &["completions", shell]);
        assert!(output.status.success());
        let script = String::from_utf8(output.stdout).unwrap();
        assert!(
            script.contains(marker) && script.contains("deny-warnings"),
            "{shell}"
        );
    }
}
