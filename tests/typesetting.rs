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
        (
            "folio.toml",
            "[book]\ntitle = \"Undated\"\n[handouts]\nenabled = true\n",
        ),
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

/// Enough text for a chapter of several pages.
fn long_body() -> String {
    let paragraph = "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do \
                     eiusmod tempor incididunt ut labore et dolore magna aliqua. "
        .repeat(5);
    vec![paragraph; 14].join("\n\n")
}

/// The running head is one line: a long chapter title is cut at a word and
/// ended with "…"; a note's `short_title` replaces its title there.
#[test]
fn running_heads_fit_one_line_and_use_the_short_title() {
    let long = "The Management, Oversight and Accountability of National Security Sector \
                Institutions in Post-Conflict and Transitional Environments: A Comparative Review";
    let dir = project(&[
        (
            "folio.toml",
            "[book]\ntitle = \"Security Sector Reform\"\ndate = 2009-12-01\n",
        ),
        (
            "notes/a-long.md",
            &format!("---\ntitle: \"{long}\"\norder: 1\n---\n\n{}", long_body()),
        ),
        (
            "notes/b-short.md",
            &format!(
                "---\ntitle: \"Another Title Far Too Long for Any Running Head of This Book\"\n\
                 short_title: Short Head\norder: 2\n---\n\n{}",
                long_body()
            ),
        ),
    ]);
    let output = folio(dir.path(), &["-q"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let pdf = Pdf::open(&dir.path().join("output/briefing-book.pdf"));
    // The chapters' second pages (the opening page shows no chapter head).
    let long_page = pdf.find_page("Lorem ipsum").unwrap() + 1;
    let short_page = pdf.find_page("Short Head").unwrap();
    let head = pdf.text(long_page);
    assert!(
        head.starts_with("Security Sector Reform The Management, Oversight"),
        "{head}"
    );
    let cut = &head[..head.find('…').expect(&head)];
    assert!(
        long.starts_with(cut.trim_start_matches("Security Sector Reform ")),
        "{head}"
    );
    assert!(!head.contains("Comparative Review"), "{head}");
    let head = pdf.text(short_page);
    assert!(
        head.starts_with("Security Sector Reform Short Head"),
        "{head}"
    );
    assert!(!head.contains("Far Too Long"), "{head}");
}

/// Long unbreakable runs — form dots, a line of underscores, a long URL, a
/// long identifier — break or stay inside the text block: rendered, every
/// page's right margin is blank.
#[test]
fn long_runs_stay_inside_the_text_block() {
    let url = format!(
        "https://example.org/{}",
        "a-very-long-path-segment/".repeat(6)
    )[..150]
        .to_string();
    let note = format!(
        "---\ntitle: Forms\n---\n\nName: {}\n\nSee {url} for details.\n\n\
         Signature: {}\n\nBare: example.org/{}\n\nAn identifier {} here.\n\n\
         | Field | Value |\n|---|---|\n| Dots | {} |\n",
        ".".repeat(200),
        "_".repeat(200),
        "segment.sub_part/".repeat(12),
        "config_value_".repeat(12),
        ".".repeat(150),
    );
    let dir = project(&[("notes/forms.md", &note)]);
    let output = folio(dir.path(), &["-q", "--preview", "--preview-width", "1240"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let pdf = Pdf::open(&dir.path().join("output/briefing-book.pdf"));
    let text: String = (1..=pdf.page_count() as u32).map(|p| pdf.text(p)).collect();
    // The text layer keeps every character, and adds none (lopdf puts a
    // space between separately shown pieces; viewers join them by position).
    // Prose sets "..." as ellipses.
    let compact: String = text
        .split_whitespace()
        .collect::<String>()
        .replace('…', "...");
    assert!(compact.contains(&".".repeat(150)), "dots");
    assert!(compact.contains(&"_".repeat(150)), "underscores");
    assert!(!text.contains('\u{200B}'), "no zero-width spaces");
    // A4 is 210 mm wide; the right margin is at least 22 mm.
    let folder = dir.path().join("output/previews/briefing-book");
    for page in 1..=pdf.page_count() {
        let image = image::open(folder.join(format!("page-{page:03}.png")))
            .unwrap()
            .to_luma8();
        let edge = (image.width() as f64 * (210.0 - 22.0) / 210.0).ceil() as u32 + 3;
        let inked: Vec<(u32, u32)> = image
            .enumerate_pixels()
            .filter(|(x, _, p)| *x >= edge && p.0[0] < 200)
            .map(|(x, y, _)| (x, y))
            .take(5)
            .collect();
        assert!(
            inked.is_empty(),
            "page {page}: ink in the right margin at {inked:?}"
        );
    }
}
