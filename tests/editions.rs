//! Editions and numbered copies, read back from the PDFs.
//!
//! A duplex project is built as edition 1; then one paragraph of one note
//! is edited, a note is added and one removed, and edition 2 is built with
//! `--since` edition 1's manifest. The changes page must list exactly those
//! three, the one bar must sit in the outer margin beside the edited
//! paragraph (read from the PDF's vector paths), the new chapter must say it
//! is new and carry no bar, and a rebuild must be byte-identical.

mod common;

use std::path::Path;
use std::sync::OnceLock;

use common::{Pdf, folio, project, squash, stderr};

/// Words enough for a paragraph of about five lines, different per `seed`.
fn paragraph(seed: usize) -> String {
    const WORDS: &[&str] = &[
        "oversight",
        "budget",
        "ministry",
        "reform",
        "parliament",
        "police",
        "justice",
        "planning",
        "review",
        "audit",
        "training",
        "command",
        "civilian",
        "policy",
    ];
    (0..70)
        .map(|i| WORDS[(i * 7 + seed * 3 + i / 5) % WORDS.len()])
        .collect::<Vec<_>>()
        .join(" ")
        + "."
}

const EDITED: &str = "This sentence is new in the second edition.";

fn note(title: &str, order: u32, body: &str) -> String {
    format!("---\ntitle: {title}\norder: {order}\n---\n\n{body}\n")
}

/// Beta's body: a first page of background, then the Details section,
/// whose second paragraph is the one edition 2 changes (on the chapter's
/// second page, a left-hand page in a duplex book).
fn beta(edited: bool) -> String {
    let background: Vec<String> = (0..9).map(paragraph).collect();
    let changed = if edited {
        format!("{} {EDITED}", paragraph(21))
    } else {
        paragraph(21)
    };
    format!(
        "Why beta matters.\n\n## Background\n\n{}\n\n## Details\n\n{}\n\n{changed}\n\n{}\n",
        background.join("\n\n"),
        paragraph(20),
        paragraph(22)
    )
}

struct Editions {
    dir: tempfile::TempDir,
    first_manifest: std::path::PathBuf,
    second: serde_json::Value,
}

fn config(date: &str) -> String {
    format!("[book]\ntitle = \"Editions\"\ndate = {date}\nduplex = true\n")
}

fn editions() -> &'static Editions {
    static BUILT: OnceLock<Editions> = OnceLock::new();
    BUILT.get_or_init(|| {
        let dir = project(&[
            ("folio.toml", &config("2024-01-01")),
            ("notes/alpha.md", &note("Alpha", 1, &paragraph(1))),
            ("notes/beta.md", &note("Beta", 2, &beta(false))),
            ("notes/gamma.md", &note("Gamma", 3, &paragraph(3))),
            ("notes/delta.md", &note("Delta", 4, &paragraph(4))),
        ]);
        let root = dir.path();
        let first = folio(root, &["build"]);
        assert!(first.status.success(), "{}", stderr(&first));
        let first_manifest = root.join("edition-1.json");
        std::fs::copy(root.join("output/manifest.json"), &first_manifest).unwrap();
        std::fs::write(root.join("folio.toml"), config("2024-06-01")).unwrap();
        std::fs::write(root.join("notes/beta.md"), note("Beta", 2, &beta(true))).unwrap();
        std::fs::write(
            root.join("notes/epsilon.md"),
            note("Epsilon", 5, &paragraph(5)),
        )
        .unwrap();
        std::fs::remove_file(root.join("notes/delta.md")).unwrap();
        let second = folio(root, &["build", "--since", "edition-1.json"]);
        assert!(second.status.success(), "{}", stderr(&second));
        let second = serde_json::from_str(
            &std::fs::read_to_string(root.join("output/manifest.json")).unwrap(),
        )
        .unwrap();
        Editions {
            dir,
            first_manifest,
            second,
        }
    })
}

fn book() -> Pdf {
    Pdf::open(&editions().dir.path().join("output/briefing-book.pdf"))
}

fn bookmark_page(pdf: &Pdf, title: &str) -> u32 {
    pdf.outline()
        .into_iter()
        .find(|(_, t, _)| t == title)
        .unwrap_or_else(|| panic!("no bookmark {title}"))
        .2
}

#[test]
fn the_changes_page_lists_exactly_what_changed() {
    let pdf = book();
    let page = bookmark_page(&pdf, "Changes in this edition");
    let text = squash(&pdf.text(page));
    let beta_page = pdf.chapter_page("Beta");
    let details = bookmark_page(&pdf, "2.2 Details");
    let expected = format!(
        "ChangesinthiseditionSincetheeditionof1January2024.Changedpassagescarryabarintheoutermargin.\
         AddedEpsilonp.{}\
         RevisedBetap.{beta_page}Changed:Detailsp.{details}\
         WithdrawnDelta—lastintheeditionof1January2024",
        pdf.chapter_page("Epsilon")
    );
    assert!(text.contains(&expected), "{text}\nwanted {expected}");
    for unchanged in ["Alpha", "Gamma"] {
        assert!(!text.contains(unchanged), "{unchanged} listed: {text}");
    }
    // In the contents and the bookmarks, after the contents.
    let outline: Vec<String> = pdf.outline().into_iter().map(|(_, t, _)| t).collect();
    assert_eq!(outline[0], "Changes in this edition", "{outline:?}");
    let contents = pdf.find_page("Contents").expect("a contents page");
    assert!(squash(&pdf.text(contents)).contains("Changesinthisedition"));
}

#[test]
fn the_changes_page_links_to_the_changed_section_and_chapters() {
    let pdf = book();
    let page = bookmark_page(&pdf, "Changes in this edition");
    let mut targets = pdf.internal_link_targets(page);
    targets.sort();
    targets.dedup();
    let mut wanted = vec![
        pdf.chapter_page("Epsilon"),
        pdf.chapter_page("Beta"),
        bookmark_page(&pdf, "2.2 Details"),
    ];
    wanted.sort();
    wanted.dedup();
    assert_eq!(targets, wanted);
}

/// Vertical strokes outside the text block: revision bars.
fn bars(pdf: &Pdf, page: u32) -> Vec<(f64, f64, f64)> {
    pdf.rules(page)
        .into_iter()
        .filter(|((x1, y1), (x2, y2))| (x1 - x2).abs() < 0.1 && (y1 - y2).abs() > 5.0)
        .map(|((x, y1), (_, y2))| (x, y1.min(y2), y1.max(y2)))
        // A4 duplex: the text block spans 62.4–533 pt (even pages) or
        // 68–533 pt from the left edge; anything outside it is a bar.
        .filter(|(x, _, _)| *x < 60.0 || *x > 536.0)
        .collect()
}

#[test]
fn one_bar_sits_in_the_outer_margin_beside_the_edited_paragraph() {
    let pdf = book();
    let edited_page = (1..=pdf.page_count() as u32)
        .find(|&p| squash(&pdf.text(p)).contains(&squash(EDITED)))
        .expect("edited text printed");
    assert_eq!(
        edited_page % 2,
        0,
        "the edited paragraph is on a left-hand page"
    );
    let all: Vec<(u32, (f64, f64, f64))> = (1..=pdf.page_count() as u32)
        .flat_map(|p| bars(&pdf, p).into_iter().map(move |b| (p, b)))
        .collect();
    assert_eq!(all.len(), 1, "{all:?}");
    let (page, (x, low, high)) = all[0];
    assert_eq!(page, edited_page);
    // Left-hand page: the outer margin is on the left.
    assert!(x < 50.0, "bar at x = {x}");
    // As tall as a paragraph of about five lines, not a page.
    assert!(
        (30.0..120.0).contains(&(high - low)),
        "bar from {low} to {high}"
    );
}

#[test]
fn the_new_chapter_says_so_and_has_no_bars() {
    let pdf = book();
    let start = pdf.chapter_page("Epsilon");
    assert!(squash(&pdf.text(start)).contains("EpsilonNEWINTHISEDITION"));
    assert!(bars(&pdf, start).is_empty());
    // Only Epsilon is new.
    let news = (1..=pdf.page_count() as u32)
        .filter(|&p| squash(&pdf.text(p)).contains("NEWINTHISEDITION"))
        .count();
    assert_eq!(news, 1);
}

#[test]
fn the_manifest_records_hashes_and_the_edition_date() {
    let manifest = &editions().second;
    assert_eq!(manifest["edition"]["format"], 1);
    assert_eq!(manifest["edition"]["date"], "2024-06-01");
    assert_eq!(manifest["files"][0]["date"], "2024-06-01");
    let beta = &manifest["edition"]["notes"]["beta"];
    assert_eq!(beta["title"], "Beta");
    let blocks = beta["blocks"].as_array().unwrap();
    // The first paragraph, two headings, nine + three paragraphs.
    assert_eq!(blocks.len(), 15);
    assert!(blocks.iter().all(|b| b.as_str().unwrap().len() == 16));
    // Hashes only: no text of the notes.
    let text = manifest.to_string();
    assert!(!text.contains("oversight") && !text.contains("Why beta"));
}

#[test]
fn a_rebuild_with_the_same_previous_edition_is_byte_identical() {
    let root = editions().dir.path();
    let again = tempfile::tempdir().unwrap();
    let out = again.path().to_str().unwrap();
    let output = folio(root, &["build", "--since", "edition-1.json", "--out", out]);
    assert!(output.status.success(), "{}", stderr(&output));
    let first = std::fs::read(root.join("output/briefing-book.pdf")).unwrap();
    let second = std::fs::read(again.path().join("briefing-book.pdf")).unwrap();
    assert!(first == second, "the rebuild differs");
}

#[test]
fn a_since_file_that_is_no_folio_manifest_is_refused() {
    let root = editions().dir.path();
    let cases = [
        ("folio.toml", "is not a folio manifest (not JSON"),
        (
            "old.json",
            "was written by folio 0.0.9, which records no edition hashes",
        ),
        (
            "missing.json",
            "cannot read the previous edition's manifest",
        ),
    ];
    std::fs::write(
        root.join("old.json"),
        r#"{"folio_version": "0.0.9", "files": []}"#,
    )
    .unwrap();
    for (file, message) in cases {
        let output = folio(root, &["check", "--since", file]);
        assert_eq!(output.status.code(), Some(1), "{file}");
        let text = stderr(&output);
        assert!(
            text.contains(&format!("error: {file} {message}")) || text.contains(message),
            "{file}: {text}"
        );
    }
    assert!(editions().first_manifest.exists());
}

#[test]
fn twenty_five_numbered_copies_carry_their_recipient() {
    let dir = project(&[
        (
            "folio.toml",
            "[book]\ntitle = \"Copies\"\ndate = 2024-06-01\n\n[[pack]]\nname = \"pack\"\nnotes = [\"*\"]\ncopy_watermark = true\n",
        ),
        ("notes/alpha.md", &note("Alpha", 1, &paragraph(1))),
        ("notes/beta.md", &note("Beta", 2, &beta(false))),
    ]);
    let mut csv = String::from("name,organisation\n");
    for n in 1..=25 {
        csv.push_str(&format!("Reader {n},\"Office {n}, Unit {}\"\n", n % 3));
    }
    std::fs::write(dir.path().join("recipients.csv"), csv).unwrap();
    let output = folio(dir.path(), &["build", "--copies", "recipients.csv"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let manifest: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("output/manifest.json")).unwrap(),
    )
    .unwrap();
    let files = manifest["files"].as_array().unwrap();
    assert_eq!(files.len(), 25);
    for (i, file) in files.iter().enumerate() {
        let n = i + 1;
        assert_eq!(file["path"], format!("pack/copy-{n:02}.pdf"));
        assert_eq!(file["copy"]["copy"], n);
        assert_eq!(file["copy"]["name"], format!("Reader {n}"));
        assert_eq!(file["sha256"].as_str().unwrap().len(), 64);
    }
    assert!(!dir.path().join("output/pack.pdf").exists());
    for n in [1, 7, 25] {
        let pdf = Pdf::open(&dir.path().join(format!("output/pack/copy-{n:02}.pdf")));
        let line = squash(&format!(
            "Copy {n} of 25 — issued to Reader {n}, Office {n}, Unit {}",
            n % 3
        ));
        for page in 1..=pdf.page_count() as u32 {
            let text = squash(&pdf.text(page));
            // On the cover and in every footer (the cover has both).
            let wanted = if page == 1 { 2 } else { 1 };
            assert_eq!(
                text.matches(&line).count(),
                wanted,
                "copy {n}, page {page}: {text}"
            );
            let other = if n == 7 { "Reader8" } else { "Reader7," };
            assert!(!text.contains(other), "copy {n}, page {page}");
        }
    }
}

fn csv_errors(csv: &str) -> String {
    let dir = project(&[
        ("folio.toml", "[book]\ntitle = \"Copies\"\n"),
        ("notes/alpha.md", &note("Alpha", 1, &paragraph(1))),
        ("recipients.csv", csv),
    ]);
    let output = folio(dir.path(), &["check", "--copies", "recipients.csv"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(!Path::new(&dir.path().join("output")).exists());
    stderr(&output)
}

#[test]
fn a_recipients_file_without_names_is_refused_at_its_header() {
    let text = csv_errors("organisation,copy\nOffice,1\n");
    assert!(
        text.contains("error: the recipients file has no `name` column"),
        "{text}"
    );
    assert!(text.contains("recipients.csv:1:1"), "{text}");
}

#[test]
fn a_copy_number_listed_twice_is_refused_at_its_line() {
    let text = csv_errors("name,copy\nAnn,1\nBob,2\nCara,1\n");
    assert!(text.contains("error: copy 1 is listed twice"), "{text}");
    assert!(text.contains("recipients.csv:4:1"), "{text}");
    assert!(text.contains("first listed here"), "{text}");
}

#[test]
fn a_changed_paragraph_across_a_page_break_has_its_bar_on_each_outer_edge() {
    let long = |edited: bool| {
        let start: Vec<String> = (0..5).map(paragraph).collect();
        let mut running: Vec<String> = (30..40).map(paragraph).collect();
        if edited {
            running.push(EDITED.to_string());
        }
        format!("{}\n\n{}\n", start.join("\n\n"), running.join(" "))
    };
    let dir = project(&[
        ("folio.toml", &config("2024-01-01")),
        ("notes/long.md", &note("Long", 1, &long(false))),
    ]);
    let first = folio(dir.path(), &["build"]);
    assert!(first.status.success(), "{}", stderr(&first));
    std::fs::copy(
        dir.path().join("output/manifest.json"),
        dir.path().join("edition-1.json"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("notes/long.md"),
        note("Long", 1, &long(true)),
    )
    .unwrap();
    let second = folio(dir.path(), &["build", "--since", "edition-1.json"]);
    assert!(second.status.success(), "{}", stderr(&second));
    let pdf = Pdf::open(&dir.path().join("output/briefing-book.pdf"));
    let barred: Vec<(u32, f64)> = (1..=pdf.page_count() as u32)
        .flat_map(|p| bars(&pdf, p).into_iter().map(move |(x, _, _)| (p, x)))
        .collect();
    let start = pdf.chapter_page("Long");
    assert_eq!(start % 2, 1, "chapters open on right-hand pages");
    // The paragraph starts on the chapter's first page and runs onto the
    // next: one bar each, in the right margin, then in the left.
    assert_eq!(barred.len(), 2, "{barred:?}");
    assert_eq!(barred[0].0, start);
    assert!(barred[0].1 > 536.0, "{barred:?}");
    assert_eq!(barred[1].0, start + 1);
    assert!(barred[1].1 < 50.0, "{barred:?}");
}

#[test]
fn paragraphs_only_reordered_are_listed_as_moved_without_bars() {
    let body = |order: [usize; 3]| {
        order
            .iter()
            .map(|&i| paragraph(50 + i))
            .collect::<Vec<_>>()
            .join("\n\n")
    };
    let dir = project(&[
        ("folio.toml", &config("2024-01-01")),
        ("notes/order.md", &note("Order", 1, &body([0, 1, 2]))),
    ]);
    assert!(folio(dir.path(), &["build"]).status.success());
    std::fs::copy(
        dir.path().join("output/manifest.json"),
        dir.path().join("edition-1.json"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("notes/order.md"),
        note("Order", 1, &body([2, 0, 1])),
    )
    .unwrap();
    let second = folio(dir.path(), &["build", "--since", "edition-1.json"]);
    assert!(second.status.success(), "{}", stderr(&second));
    let pdf = Pdf::open(&dir.path().join("output/briefing-book.pdf"));
    let page = bookmark_page(&pdf, "Changes in this edition");
    let text = squash(&pdf.text(page));
    assert!(text.contains("RevisedOrderp."), "{text}");
    assert!(text.contains("Changed:passagesmoved"), "{text}");
    assert!((1..=pdf.page_count() as u32).all(|p| bars(&pdf, p).is_empty()));
}
