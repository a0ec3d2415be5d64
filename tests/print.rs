//! Print and archival options, read back from the PDFs: paper, duplex,
//! markings, watermark, PDF standards and tagging, layouts, fonts.

mod common;

use common::{Pdf, folio, project, squash, stderr};

const ALPHA: (&str, &str) = (
    "notes/alpha.md",
    "---\ntitle: Alpha\nrelated: [beta]\n---\n\n## One\n\nSee [[beta]].\n\n## Two\n\nMore.\n",
);
const BETA: (&str, &str) = (
    "notes/beta.md",
    "---\ntitle: Beta\nclassification: RESTRICTED\nrelated: [alpha]\n---\n\nShort [[alpha]].\n",
);

fn build(files: &[(&str, &str)]) -> (tempfile::TempDir, Pdf) {
    let dir = project(files);
    let output = folio(dir.path(), &["-q"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let pdf = Pdf::open(&dir.path().join("output/briefing-book.pdf"));
    (dir, pdf)
}

fn media_box(pdf: &Pdf, page: u32) -> Vec<f32> {
    let id = pdf.doc.get_pages()[&page];
    let dict = pdf.doc.get_dictionary(id).unwrap();
    dict.get(b"MediaBox")
        .unwrap()
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_float().unwrap())
        .collect()
}

#[test]
fn paper_sizes() {
    for (paper, width, height) in [
        ("a4", 595.28, 841.89),
        ("us-letter", 612.0, 792.0),
        ("a5", 419.53, 595.28),
    ] {
        let config = format!("[book]\ntitle = \"T\"\npaper = \"{paper}\"\n");
        let (_dir, pdf) = build(&[ALPHA, BETA, ("folio.toml", &config)]);
        let b = media_box(&pdf, 1);
        assert!(
            (b[2] - width).abs() < 0.1 && (b[3] - height).abs() < 0.1,
            "{paper}: {b:?}"
        );
    }
}

#[test]
fn duplex_starts_sections_on_right_hand_pages_after_blank_pages() {
    let config = "[book]\ntitle = \"T\"\nduplex = true\nbinding_offset = \"8mm\"\n";
    let (_dir, pdf) = build(&[ALPHA, BETA, ("folio.toml", config)]);
    let outline = pdf.outline();
    let starts: Vec<u32> = outline
        .iter()
        .filter(|(level, _, _)| *level == 1)
        .map(|(_, _, page)| *page)
        .collect();
    assert_eq!(starts.len(), 3, "{outline:?}");
    assert!(
        starts.iter().all(|page| page % 2 == 1),
        "chapters and appendix on odd pages: {starts:?}"
    );
    // Cover (1), blank (2), contents (3), blank (4), Alpha (5), blank (6),
    // Beta (7), blank (8), appendix (9).
    assert_eq!(starts, [5, 7, 9]);
    let total = pdf.page_count() as u32;
    assert_eq!(total, 9);
    for page in 1..=total {
        let text = squash(&pdf.text(page));
        let blank = [2, 4, 6, 8].contains(&page);
        assert_eq!(text.is_empty(), blank, "page {page}: {text:?}");
        if !blank && page > 1 {
            assert!(
                text.contains(&format!("{page}of{total}")),
                "page {page} is counted and numbered"
            );
        }
    }
}

#[test]
fn chapters_carry_their_notes_marking_and_the_rest_the_highest() {
    let config = "[book]\ntitle = \"T\"\nclassification = \"UNCLASSIFIED\"\n";
    let (dir, pdf) = build(&[ALPHA, BETA, ("folio.toml", config)]);
    let marks = |page: u32| {
        let text = squash(&pdf.text(page));
        (
            text.starts_with("RESTRICTED") && text.ends_with("RESTRICTED"),
            text.starts_with("UNCLASSIFIED") && text.ends_with("UNCLASSIFIED"),
        )
    };
    let chapter = |title: &str| {
        pdf.outline()
            .into_iter()
            .find(|o| o.1.ends_with(title))
            .unwrap()
            .2
    };
    assert_eq!(marks(1), (true, false), "cover: highest");
    assert_eq!(marks(2), (true, false), "contents: highest");
    assert_eq!(
        marks(chapter("Alpha")),
        (false, true),
        "Alpha: the book's marking"
    );
    assert_eq!(marks(chapter("Beta")), (true, false), "Beta: its own");
    assert_eq!(
        marks(chapter("Cross-reference appendix")),
        (true, false),
        "appendix: highest"
    );
    let _ = dir;
}

#[test]
fn a_handout_carries_its_notes_marking() {
    let config = "[book]\ntitle = \"T\"\n[handouts]\nenabled = true\n";
    let dir = project(&[ALPHA, BETA, ("folio.toml", config)]);
    assert!(folio(dir.path(), &["-q"]).status.success());
    let beta = Pdf::open(&dir.path().join("output/handouts/beta.pdf"));
    assert!(squash(&beta.text(1)).starts_with("RESTRICTED"));
    let alpha = Pdf::open(&dir.path().join("output/handouts/alpha.pdf"));
    assert!(!squash(&alpha.text(1)).contains("RESTRICTED"));
}

#[test]
fn an_unknown_marking_is_an_error_at_the_note() {
    let dir = project(&[
        ALPHA,
        (
            "notes/beta.md",
            "---\ntitle: Beta\nclassification: TOP-SECRET\n---\n\n[[alpha]]\n",
        ),
    ]);
    let output = folio(dir.path(), &[]);
    let text = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert!(
        text.contains("error: `TOP-SECRET` is not one of the classification levels"),
        "{text}"
    );
    assert!(text.contains("┌─ notes/beta.md:3:1"), "{text}");
}

#[test]
fn a_watermark_is_on_every_page_and_a_pack_can_switch_it_off() {
    let config = "[book]\ntitle = \"T\"\nwatermark = \"DRAFT\"\n\n[[pack]]\nname = \"draft\"\nnotes = [\"*\"]\n\n[[pack]]\nname = \"final\"\nnotes = [\"*\"]\nwatermark = \"\"\n";
    let dir = project(&[ALPHA, BETA, ("folio.toml", config)]);
    assert!(folio(dir.path(), &["-q"]).status.success());
    let draft = Pdf::open(&dir.path().join("output/draft.pdf"));
    for page in 1..=draft.page_count() as u32 {
        assert!(draft.text(page).contains("DRAFT"), "page {page}");
    }
    let fin = Pdf::open(&dir.path().join("output/final.pdf"));
    assert!((1..=fin.page_count() as u32).all(|page| !fin.text(page).contains("DRAFT")));
}

#[test]
fn pdfs_are_tagged_with_language_and_title() {
    let (_dir, pdf) = build(&[
        ALPHA,
        BETA,
        ("folio.toml", "[book]\ntitle = \"Tagged\"\nlang = \"fr\"\n"),
    ]);
    let catalog = pdf.doc.catalog().unwrap();
    assert!(catalog.has(b"StructTreeRoot"), "tagged");
    let lang = catalog
        .get(b"Lang")
        .ok()
        .and_then(|l| l.as_str().ok())
        .map(|l| String::from_utf8_lossy(l).into_owned());
    assert_eq!(lang.as_deref(), Some("fr"));
    assert_eq!(pdf.title().as_deref(), Some("Tagged"));
}

#[test]
fn pdf_a_2b_and_ua_1_are_declared_in_the_metadata() {
    let dir = project(&[
        ALPHA,
        BETA,
        (
            "folio.toml",
            "[book]\ntitle = \"Archive\"\npdf_standard = [\"a-2b\", \"ua-1\"]\n",
        ),
    ]);
    let output = folio(dir.path(), &["-q"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let bytes = std::fs::read(dir.path().join("output/briefing-book.pdf")).unwrap();
    let text = String::from_utf8_lossy(&bytes);
    assert!(
        text.contains("<pdfaid:part>2</pdfaid:part>")
            && text.contains("<pdfaid:conformance>B</pdfaid:conformance>")
    );
    assert!(text.contains("<pdfuaid:part>1</pdfuaid:part>"));
    // PDF/UA makes viewers show the title, not the file name.
    let pdf = Pdf::open(&dir.path().join("output/briefing-book.pdf"));
    let catalog = pdf.doc.catalog().unwrap();
    let prefs = pdf
        .doc
        .dereference(catalog.get(b"ViewerPreferences").unwrap())
        .unwrap()
        .1
        .as_dict()
        .unwrap();
    assert!(prefs.get(b"DisplayDocTitle").unwrap().as_bool().unwrap());
    // The flag replaces the setting.
    let output = folio(dir.path(), &["-q", "--pdf-standard", "a-3b"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = String::from_utf8_lossy(
        &std::fs::read(dir.path().join("output/briefing-book.pdf")).unwrap(),
    )
    .into_owned();
    assert!(text.contains("<pdfaid:part>3</pdfaid:part>") && !text.contains("pdfuaid"));
}

#[test]
fn invalid_standards_are_errors() {
    let dir = project(&[
        ALPHA,
        BETA,
        (
            "folio.toml",
            "[book]\npdf_standard = [\"a-2b\", \"a-3b\"]\n",
        ),
    ]);
    let text = stderr(&folio(dir.path(), &[]));
    assert!(
        text.contains("only one PDF/A level can be chosen at a time")
            && text.contains("folio.toml:2:16"),
        "{text}"
    );
    let dir = project(&[
        ALPHA,
        BETA,
        ("folio.toml", "[book]\npdf_standard = \"x-9\"\n"),
    ]);
    let text = stderr(&folio(dir.path(), &[]));
    assert!(
        text.contains("`x-9` is not a PDF standard folio produces")
            && text.contains("folio.toml:2:16"),
        "{text}"
    );
    assert_eq!(
        folio(dir.path(), &["--pdf-standard", "nope"]).status.code(),
        Some(2)
    );
}

#[test]
fn a_project_layout_replaces_the_built_in_and_export_copies_it() {
    let layout = "#let book(data, bodies) = {\n  [CUSTOM LAYOUT #data.notes.len()]\n  for note in data.notes { pagebreak(); [#heading(note.title)#label(\"folio:note:\" + note.id)]; bodies.at(note.id) }\n}\n";
    let (dir, pdf) = build(&[ALPHA, BETA, ("layouts/briefing.typ", layout)]);
    assert!(pdf.text(1).contains("CUSTOM LAYOUT 2"));
    assert_eq!(pdf.page_count(), 3);
    std::fs::remove_file(dir.path().join("layouts/briefing.typ")).unwrap();
    let output = folio(dir.path(), &["layout", "export", "workshop"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let exported = std::fs::read_to_string(dir.path().join("layouts/workshop.typ")).unwrap();
    assert_eq!(exported, include_str!("../layouts/workshop.typ"));
    assert_eq!(
        folio(dir.path(), &["layout", "export", "workshop"])
            .status
            .code(),
        Some(2),
        "never overwrites"
    );
}

#[test]
fn the_workshop_layout_adds_ruled_notes_pages() {
    let config = "[book]\ntitle = \"T\"\nlayout = \"workshop\"\nnotes_pages = 2\n";
    let (_dir, pdf) = build(&[ALPHA, BETA, ("folio.toml", config)]);
    let chapter = |title: &str| {
        pdf.outline()
            .into_iter()
            .find(|o| o.1.ends_with(title))
            .unwrap()
            .2
    };
    let (alpha, beta) = (chapter("Alpha"), chapter("Beta"));
    let notes_pages = (alpha..beta)
        .filter(|&p| {
            squash(&pdf.text(p)).contains("TAlpha") && squash(&pdf.text(p)).contains("Notes")
        })
        .count();
    assert_eq!(notes_pages, 2, "two ruled pages after the chapter");
    assert!(squash(&pdf.text(beta - 1)).contains("Notes"));
}

#[test]
fn fonts_are_listed_and_a_missing_one_is_an_error() {
    let dir = project(&[
        ALPHA,
        BETA,
        ("folio.toml", "[book]\nfont = \"Garamond Nowhere\"\n"),
    ]);
    let listing = String::from_utf8(folio(dir.path(), &["fonts"]).stdout).unwrap();
    assert!(
        listing.contains("Inter")
            && listing.contains("embedded (folio)")
            && listing.contains("Libertinus Serif")
    );
    let output = folio(dir.path(), &[]);
    let text = stderr(&output);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        text.contains("error: font `Garamond Nowhere` is not available")
            && text.contains("folio.toml:2:8"),
        "{text}"
    );
    let dir = project(&[
        ALPHA,
        BETA,
        (
            "folio.toml",
            "[book]\nfont = \"DejaVu Sans Mono\"\nheading_font = \"Libertinus Serif\"\n",
        ),
    ]);
    assert!(folio(dir.path(), &["-q"]).status.success());
}

#[test]
fn under_ua_1_an_image_without_alt_text_fails_at_the_note_line() {
    let dir = project(&[
        (
            "folio.toml",
            "[book]\ntitle = \"T\"\npdf_standard = \"ua-1\"\n",
        ),
        (
            "notes/alpha.md",
            "---\ntitle: Alpha\n---\n\nText.\n\n![](chart.png)\n",
        ),
    ]);
    image::RgbImage::from_pixel(1200, 600, image::Rgb([20, 80, 120]))
        .save(dir.path().join("notes/chart.png"))
        .unwrap();
    let output = folio(dir.path(), &[]);
    let text = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert!(
        text.contains("error: image `notes/chart.png` has no alt text, which PDF/UA-1 requires"),
        "{text}"
    );
    assert!(text.contains("┌─ notes/alpha.md:7:1"), "{text}");
    // Without UA-1 it is only a warning.
    let output = folio(dir.path(), &["--pdf-standard", "a-2b"]);
    assert!(output.status.success(), "{}", stderr(&output));
}

#[test]
fn an_exported_then_edited_layout_is_used() {
    let dir = project(&[ALPHA, BETA]);
    assert!(folio(dir.path(), &["layout", "export"]).status.success());
    let path = dir.path().join("layouts/briefing.typ");
    let layout = std::fs::read_to_string(&path).unwrap();
    assert!(layout.contains("[Contents]"));
    std::fs::write(&path, layout.replace("[Contents]", "[Table of Contents]")).unwrap();
    let output = folio(dir.path(), &["-q"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let pdf = Pdf::open(&dir.path().join("output/briefing-book.pdf"));
    assert!(pdf.text(2).contains("Table of Contents"));
}

/// The right edge of everything on a page, in points.
fn rightmost(frame: &typst::layout::Frame, x: f64) -> f64 {
    let mut right: f64 = 0.0;
    for (position, item) in frame.items() {
        let left = x + position.x.to_pt();
        let edge = match item {
            typst::layout::FrameItem::Group(group) => {
                let t = group.transform;
                left + t.tx.to_pt() + t.sx.get() * rightmost(&group.frame, 0.0)
            }
            typst::layout::FrameItem::Text(text) => left + text.width().to_pt(),
            typst::layout::FrameItem::Shape(shape, _) => match &shape.geometry {
                typst::visualize::Geometry::Rect(size) => left + size.x.to_pt(),
                _ => left,
            },
            _ => left,
        };
        right = right.max(edge);
    }
    right
}

#[test]
fn a_wide_table_and_a_long_code_block_stay_inside_the_page() {
    let header: String = (1..=40)
        .map(|i| format!("| Column {i} "))
        .collect::<String>()
        + "|\n";
    let rule: String = "|---".repeat(40) + "|\n";
    let row: String = (1..=40).map(|i| format!("| value{i} ")).collect::<String>() + "|\n";
    let code: String = (1..=300).map(|i| format!("let line_{i} = compute(\"a fairly long line of code number {i} that is wider than any page\");\n")).collect();
    let note = format!("---\ntitle: Wide\n---\n\n{header}{rule}{row}{row}\n```rust\n{code}```\n");
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("notes")).unwrap();
    let document = folio::Project::load(dir.path())
        .unwrap()
        .typeset_note(note.as_bytes(), "briefing")
        .unwrap_or_else(|err| panic!("{err:?}"));
    for (i, page) in document.pages().iter().enumerate() {
        let width = page.frame.width().to_pt();
        // The text block ends at the right margin (22 mm on odd pages).
        let limit = width - 20.0 / 25.4 * 72.0;
        let right = rightmost(&page.frame, 0.0);
        assert!(
            right <= limit + 0.5,
            "page {}: content reaches {right:.1} pt of {width:.1}",
            i + 1
        );
    }
    assert!(
        document.pages().len() > 6,
        "the code block breaks across pages"
    );
}
