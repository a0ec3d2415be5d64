//! The repository's own sample notes built into a briefing book, read back
//! from the PDF: pages, contents, chapters, cross-references, appendix,
//! bookmarks, links and metadata. Built once and shared by every test.

mod common;

use std::sync::OnceLock;

use common::{Pdf, squash};

/// The eight sample notes in book order: (id, title).
const CHAPTERS: &[(&str, &str)] = &[
    (
        "security-sector-management",
        "Management of the Security Sector",
    ),
    (
        "governance-and-oversight",
        "Security Sector Governance and Oversight",
    ),
    (
        "national-security-policies",
        "National Security Policies and Strategies",
    ),
    ("threat-assessments", "Threat Assessments and Reviews"),
    ("defense-sector-reform", "Defense Sector Reform"),
    ("ssr-in-stabilization", "SSR in Stabilization Environments"),
    (
        "ssr-best-practices",
        "Security Sector Reform Best Practices and Lessons Learned",
    ),
    (
        "ssr-challenges-us-policy",
        "Security Sector Reform: Current Challenges and US Policy",
    ),
];

struct Built {
    _dir: tempfile::TempDir,
    pdf: Pdf,
    bytes: Vec<u8>,
    stderr: String,
}

fn book() -> &'static Built {
    static BOOK: OnceLock<Built> = OnceLock::new();
    BOOK.get_or_init(|| {
        let dir = common::sample_book_project();
        let output = common::folio(dir.path(), &[]);
        let stderr = common::stderr(&output);
        assert!(output.status.success(), "folio failed:\n{stderr}");
        let path = dir.path().join("output/briefing-book.pdf");
        Built {
            pdf: Pdf::open(&path),
            bytes: std::fs::read(&path).unwrap(),
            stderr,
            _dir: dir,
        }
    })
}

/// Text with whitespace collapsed and hyphenation undone, words kept apart.
fn plain(text: &str) -> String {
    text.replace(" \u{ad} ", "").replace('\u{ad}', "")
}

/// The number printed after the next "p. " following `title` in `text`.
fn page_after(text: &str, title: &str) -> String {
    let at = text
        .find(title)
        .unwrap_or_else(|| panic!("no {title} in {text}"));
    let rest = &text[at + title.len()..];
    let rest = &rest[rest.find("p. ").expect("a page number") + 3..];
    rest.chars().take_while(char::is_ascii_digit).collect()
}

/// Page where each chapter starts, from the bookmarks.
fn chapter_pages() -> Vec<u32> {
    let outline = book().pdf.outline();
    CHAPTERS
        .iter()
        .enumerate()
        .map(|(i, (_, title))| {
            let entry = format!("{} {title}", i + 1);
            outline
                .iter()
                .find(|(level, t, _)| *level == 1 && *t == entry)
                .unwrap_or_else(|| panic!("no bookmark {entry}"))
                .2
        })
        .collect()
}

#[test]
fn summary_line_counts_files_and_pages() {
    let built = book();
    let pages = built.pdf.page_count();
    assert!(
        built.stderr.contains(&format!("1 file, {pages} pages in ")),
        "{}",
        built.stderr
    );
}

#[test]
fn page_count_is_cover_contents_chapters_and_appendix() {
    let pdf = &book().pdf;
    let starts = chapter_pages();
    assert_eq!(starts[0], 3, "cover and contents come first");
    // Every chapter takes one to three pages.
    for pair in starts.windows(2) {
        assert!(
            (1..=3).contains(&(pair[1] - pair[0])),
            "chapter lengths: {starts:?}"
        );
    }
    let appendix = pdf
        .outline()
        .iter()
        .find(|(_, t, _)| t == "Cross-reference appendix")
        .expect("appendix bookmark")
        .2;
    assert!(appendix > *starts.last().unwrap());
    assert!(pdf.page_count() as u32 >= appendix && pdf.page_count() as u32 <= appendix + 2);
}

#[test]
fn cover_names_book_subtitle_organisation_and_date() {
    let cover = book().pdf.text(1);
    for expected in [
        "Security Sector Reform",
        "Notes on Current Practice",
        "SECURITY SECTOR REFORM WORKING GROUP",
        "1 December 2009",
    ] {
        assert!(
            squash(&cover).contains(&squash(expected)),
            "cover lacks {expected}: {cover}"
        );
    }
}

#[test]
fn contents_lists_every_chapter_with_its_page_and_links_there() {
    let pdf = &book().pdf;
    let contents = plain(&pdf.text(2));
    assert!(contents.contains("Contents"));
    let starts = chapter_pages();
    let mut position = 0;
    for ((_, title), page) in CHAPTERS.iter().zip(&starts) {
        let at = contents[position..]
            .find(title)
            .unwrap_or_else(|| panic!("contents lacks {title}"))
            + position;
        let after = contents[at + title.len()..].trim_start_matches([' ', '.']);
        let number: String = after.chars().take_while(char::is_ascii_digit).collect();
        assert_eq!(number, page.to_string(), "page of {title} in contents");
        position = at;
    }
    let mut links = pdf.internal_link_targets(2);
    links.truncate(CHAPTERS.len());
    assert_eq!(links, starts, "contents entries link to the chapters");
}

#[test]
fn each_chapter_opens_with_its_title_and_metadata() {
    let pdf = &book().pdf;
    for ((_, title), page) in CHAPTERS.iter().zip(chapter_pages()) {
        let text = squash(&pdf.text(page));
        assert!(text.contains(&squash(title)), "page {page} lacks {title}");
        assert!(
            text.contains("Date") && text.contains("Authors") && text.contains("Tags"),
            "page {page}: {text}"
        );
    }
    assert!(squash(&pdf.text(chapter_pages()[0])).contains("ANoteonCurrentPractice"));
}

#[test]
fn this_relates_to_lists_related_notes_with_the_pages_they_start_on() {
    let pdf = &book().pdf;
    let starts = chapter_pages();
    // The management note relates to all seven others; its panel is on the
    // last page of its chapter (or spills onto the next).
    let end = starts[1] - 1;
    let panel_pages: Vec<u32> = (starts[0]..=end)
        .filter(|&p| pdf.text(p).contains("This relates to"))
        .collect();
    let first = *panel_pages
        .first()
        .expect("chapter 1 has a 'This relates to' panel");
    let text: String = (first..=end).map(|p| plain(&pdf.text(p)) + " ").collect();
    let panel = &text[text.find("This relates to").unwrap()..];
    for ((_, title), page) in CHAPTERS.iter().zip(&starts).skip(1) {
        assert_eq!(
            page_after(panel, title),
            page.to_string(),
            "page shown for {title}"
        );
    }
    let targets: Vec<u32> = (first..=end)
        .flat_map(|p| pdf.internal_link_targets(p))
        .collect();
    for page in &starts[1..] {
        assert!(
            targets.contains(page),
            "a link to page {page} from the panel"
        );
    }
}

#[test]
fn wiki_links_in_bodies_show_and_link_to_the_target_page() {
    let pdf = &book().pdf;
    let starts = chapter_pages();
    // "[[national-security-policies]]" in the management note's first section.
    let text = squash(&pdf.text(starts[0]));
    let shown = format!("NationalSecurityPoliciesandStrategies(p.{})", starts[2]);
    assert!(text.contains(&shown), "{text}");
    assert!(pdf.internal_link_targets(starts[0]).contains(&starts[2]));
}

#[test]
fn appendix_lists_references_in_both_directions() {
    let pdf = &book().pdf;
    let starts = chapter_pages();
    let appendix = pdf
        .outline()
        .iter()
        .find(|(_, t, _)| t == "Cross-reference appendix")
        .unwrap()
        .2;
    let text: String = (appendix..=pdf.page_count() as u32)
        .map(|p| squash(&pdf.text(p)))
        .collect();
    // National security policies refers to threat assessments, and is
    // referred to by the management note.
    let start = text
        .find(&format!(
            "NationalSecurityPoliciesandStrategiesp.{}Linksto",
            starts[2]
        ))
        .expect("entry");
    let end = text
        .find(&format!(
            "ThreatAssessmentsandReviewsp.{}Linksto",
            starts[3]
        ))
        .expect("next entry");
    let entry = &text[start..end];
    let references = &entry[entry.find("Linksto").unwrap()..entry.find("Linkedfrom").unwrap()];
    assert!(
        references.contains(&format!("ThreatAssessmentsandReviewsp.{}", starts[3])),
        "{references}"
    );
    let referenced_by = &entry[entry.find("Linkedfrom").unwrap()..];
    assert!(
        referenced_by.starts_with(&format!(
            "LinkedfromManagementoftheSecuritySectorp.{}",
            starts[0]
        )),
        "{referenced_by}"
    );
    assert!(text.contains("Indexoftags"));
    assert!(
        text.contains(&format!(
            "threat-assessmentThreatAssessmentsandReviewsp.{}",
            starts[3]
        )),
        "tag index"
    );
}

#[test]
fn bookmarks_cover_chapters_and_sections() {
    let outline = book().pdf.outline();
    let chapters: Vec<&str> = outline
        .iter()
        .filter(|(l, _, _)| *l == 1)
        .map(|(_, t, _)| t.as_str())
        .collect();
    // The chapters, the References (the sample notes cite) and the appendix.
    assert_eq!(chapters.len(), CHAPTERS.len() + 2, "{chapters:?}");
    assert_eq!(
        chapters[CHAPTERS.len()..],
        ["References", "Cross-reference appendix"]
    );
    assert!(
        outline
            .iter()
            .any(|(level, title, _)| *level == 2 && title == "1.1 Purpose of This Note"),
        "{outline:?}"
    );
    // Each bookmark points at the page where its heading is printed.
    let pdf = &book().pdf;
    for (_, title, page) in outline.iter().filter(|(l, _, _)| *l <= 2) {
        let words = title
            .split_once(' ')
            .map_or(title.as_str(), |(_, rest)| rest);
        assert!(
            squash(&pdf.text(*page)).contains(&squash(words)),
            "bookmark {title} -> page {page}"
        );
    }
}

#[test]
fn every_page_has_the_marking_top_and_bottom_and_n_of_n() {
    let pdf = &book().pdf;
    let total = pdf.page_count();
    for page in 1..=total as u32 {
        let text = squash(&pdf.text(page));
        assert!(
            text.starts_with("UNCLASSIFIED") && text.ends_with("UNCLASSIFIED"),
            "page {page}: {text}"
        );
        if page > 1 {
            assert!(
                text.contains(&format!("{page}of{total}")),
                "page {page} footer"
            );
        }
    }
}

#[test]
fn metadata_names_title_author_and_keywords() {
    let pdf = &book().pdf;
    assert_eq!(pdf.title().as_deref(), Some("Security Sector Reform"));
    assert_eq!(
        pdf.info(b"Author").as_deref(),
        Some("Security Sector Reform Working Group")
    );
    assert!(
        pdf.info(b"Keywords")
            .unwrap_or_default()
            .contains("governance")
    );
    let created = pdf.info(b"CreationDate").unwrap_or_default();
    assert!(created.starts_with("D:20091201"), "{created}");
}

#[test]
fn rebuilding_gives_identical_bytes_whatever_the_jobs_or_working_folder() {
    let built = book();
    let dir = common::sample_book_project();
    let elsewhere = tempfile::tempdir().unwrap();
    let root = dir.path().to_str().unwrap();
    let out = elsewhere.path().join("pdfs");
    let output = common::folio(
        elsewhere.path(),
        &[
            "build",
            "--root",
            root,
            "--out",
            out.to_str().unwrap(),
            "--jobs",
            "1",
        ],
    );
    assert!(output.status.success(), "{}", common::stderr(&output));
    let again = std::fs::read(out.join("briefing-book.pdf")).unwrap();
    assert!(
        again == built.bytes,
        "the rebuild differs from the first build"
    );
}
