//! What the built-in layouts print, read back from the PDFs: the book's
//! date (or none), handout section numbers, running heads, and long
//! unbreakable runs kept inside the text block.

mod common;

use common::{Pdf, folio, project, stderr};

const UNDATED_NOTE: &str =
    "---\ntitle: Alpha\n---\n\n# Intro\n\nText.\n\n## Detail\n\nMore.\n\n# Second\n\nText.\n";

/// No date anywhere (no `date` in folio.toml, no SOURCE_DATE_EPOCH, no
/// dated note): nothing prints one, not the cover, not the handout's header;
/// the PDF still carries a fixed creation date.
#[test]
fn a_book_without_a_date_prints_none() {
    let dir = project(&[
        ("folio.toml", "[book]\ntitle = \"Undated\"\n[handouts]\nenabled = true\n"),
        ("notes/alpha.md", UNDATED_NOTE),
    ]);
    let output = folio(dir.path(), &["-q"]);
    assert!(output.status.success(), "{}", stderr(&output));
    for file in ["output/briefing-book.pdf", "output/handouts/alpha.pdf"] {
        let pdf = Pdf::open(&dir.path().join(file));
        let text: String = (1..=pdf.page_count() as u32).map(|p| pdf.text(p)).collect();
        for date in ["1970", "January"] {
            assert!(!text.contains(date), "{file} prints {date}: {text}");
        }
        let created = pdf.info(b"CreationDate").unwrap_or_default();
        assert!(created.starts_with("D:19700101"), "{file}: {created}");
    }
}

/// A dated note dates the book: the cover prints it.
#[test]
fn the_newest_note_dates_the_book() {
    let dir = project(&[(
        "notes/alpha.md",
        &UNDATED_NOTE.replace("title: Alpha\n", "title: Alpha\ndate: 2009-12-01\n"),
    )]);
    let output = folio(dir.path(), &["-q"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let pdf = Pdf::open(&dir.path().join("output/briefing-book.pdf"));
    assert!(pdf.text(1).contains("1 December 2009"), "{}", pdf.text(1));
}

/// A handout's title is its unnumbered top heading; its sections count
/// from 1 (1, 1.1, 2), not 0.1.
#[test]
fn handout_sections_are_numbered_from_one() {
    let dir = project(&[
        ("folio.toml", "[handouts]\nenabled = true\n"),
        ("notes/alpha.md", UNDATED_NOTE),
    ]);
    let output = folio(dir.path(), &["-q"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let pdf = Pdf::open(&dir.path().join("output/handouts/alpha.pdf"));
    let text = pdf.text(1);
    let intro = text.find("1 Intro").expect(&text);
    let detail = text.find("1.1 Detail").expect(&text);
    let second = text.find("2 Second").expect(&text);
    assert!(intro < detail && detail < second, "{text}");
    assert!(!text.contains("0.1"), "{text}");
}
