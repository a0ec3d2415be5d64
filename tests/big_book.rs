//! A generated 300-note duplex project, built once with `--jobs 2` and once
//! with `--jobs 1`: every page number the book prints for a note (in the
//! "This relates to…" panels, in the appendix, after a link in the text)
//! is the page its bookmark points to, every related note and link is
//! there, and the two builds are byte-identical.

mod common;

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::OnceLock;

use common::{Pdf, squash};

const NOTES: usize = 300;
const WORDS: &[&str] = &[
    "oversight",
    "budget",
    "police",
    "reform",
    "courts",
    "parliament",
    "defence",
    "civilian",
    "mandate",
    "review",
    "training",
    "audit",
    "strategy",
    "ministry",
    "community",
    "border",
    "justice",
    "integrity",
    "planning",
    "procurement",
    "mission",
    "transition",
    "capacity",
    "ownership",
    "evaluation",
    "coordination",
    "legislation",
    "accountability",
];
const NAMES: &[&str] = &[
    "Alder", "Birch", "Cedar", "Dogwood", "Elm", "Fir", "Ginkgo", "Hazel", "Juniper", "Larch",
];

/// A small deterministic generator (a linear congruential one), so the
/// project is the same on every machine.
struct Numbers(u64);

impl Numbers {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) % n as u64) as usize
    }
}

fn id(n: usize) -> String {
    format!("topic-{n:03}")
}

fn title(n: usize) -> String {
    format!("Topic {n:03} {}", NAMES[n % NAMES.len()])
}

/// Note `n`: two to four related notes, a few links in its text (some to a
/// section of another note), sections, a footnote, and one to seven
/// paragraphs per section, so chapters run from one to several pages.
fn note(n: usize, numbers: &mut Numbers) -> (String, Vec<usize>, Vec<usize>) {
    let mut related = Vec::new();
    while related.len() < 2 + numbers.below(3) {
        let other = 1 + numbers.below(NOTES);
        if other != n && !related.contains(&other) {
            related.push(other);
        }
    }
    let related_list: Vec<String> = related.iter().map(|&r| id(r)).collect();
    let mut text = format!(
        "---\ntitle: {}\ntags: [{}]\nrelated: [{}]\n---\n\n",
        title(n),
        WORDS[n % 7],
        related_list.join(", ")
    );
    let mut links = Vec::new();
    for section in 0..1 + numbers.below(3) {
        if section > 0 {
            writeln!(text, "## Section {section}\n").unwrap();
        }
        for paragraph in 0..1 + numbers.below(7) {
            let words = 40 + numbers.below(120);
            for w in 0..words {
                if w > 0 {
                    text.push(' ');
                }
                text.push_str(WORDS[numbers.below(WORDS.len())]);
                if w == words / 2 && numbers.below(3) == 0 {
                    let target = 1 + numbers.below(NOTES);
                    write!(text, " (see [[{}]])", id(target)).unwrap();
                    links.push(target);
                }
            }
            if paragraph == 0 && section == 0 && n.is_multiple_of(5) {
                text.push_str("[^1]");
            }
            text.push_str(".\n\n");
        }
    }
    if n.is_multiple_of(5) {
        text.push_str("[^1]: A footnote of this note.\n");
    }
    (text, related, links)
}

struct Built {
    _dir: tempfile::TempDir,
    pdf: Pdf,
    bytes: Vec<u8>,
    again: Vec<u8>,
    related: BTreeMap<usize, Vec<usize>>,
    links: BTreeMap<usize, Vec<usize>>,
}

fn book() -> &'static Built {
    static BUILT: OnceLock<Built> = OnceLock::new();
    BUILT.get_or_init(|| {
        let mut numbers = Numbers(1);
        let mut files = vec![(
            "folio.toml".to_string(),
            "[book]\ntitle = \"A Generated Book\"\nduplex = true\ndate = \"2026-01-15\"\n"
                .to_string(),
        )];
        let mut related = BTreeMap::new();
        let mut links = BTreeMap::new();
        for n in 1..=NOTES {
            let (text, r, l) = note(n, &mut numbers);
            files.push((format!("notes/{}.md", id(n)), text));
            related.insert(n, r);
            links.insert(n, l);
        }
        let borrowed: Vec<(&str, &str)> = files
            .iter()
            .map(|(p, t)| (p.as_str(), t.as_str()))
            .collect();
        let dir = common::project(&borrowed);
        let build = |jobs: &str, out: &str| {
            let output = common::folio(dir.path(), &["build", "-q", "--jobs", jobs, "--out", out]);
            assert!(output.status.success(), "{}", common::stderr(&output));
            dir.path().join(out).join("briefing-book.pdf")
        };
        let path = build("2", "output");
        let again = std::fs::read(build("1", "jobs-1")).unwrap();
        Built {
            pdf: Pdf::open(&path),
            bytes: std::fs::read(&path).unwrap(),
            again,
            related,
            links,
            _dir: dir,
        }
    })
}

/// The page each note's chapter bookmark points to.
fn chapter_pages(pdf: &Pdf) -> BTreeMap<usize, u32> {
    let pages: BTreeMap<usize, u32> = (1..=NOTES)
        .map(|n| (n, pdf.chapter_page(&title(n))))
        .collect();
    assert_eq!(pages.len(), NOTES);
    pages
}

/// The page the appendix's bookmark points to.
fn appendix_page(pdf: &Pdf) -> u32 {
    pdf.outline()
        .into_iter()
        .find(|(_, t, _)| t == "Cross-reference appendix")
        .expect("appendix bookmark")
        .2
}

/// Every "Topic 012 Birch … p. N" in text whose whitespace is collapsed to
/// single spaces: (note, N, whether the page is in brackets as after a link
/// in the text).
fn page_references(text: &str) -> Vec<(usize, u32, bool)> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("Topic ") {
        rest = &rest[at + "Topic ".len()..];
        let Some(n) = rest.get(..3).and_then(|d| d.parse::<usize>().ok()) else {
            continue;
        };
        let name = NAMES[n % NAMES.len()];
        let Some(after) = rest[3..].trim_start().strip_prefix(name) else {
            continue;
        };
        let after = after.trim_start();
        let (bracketed, after) = match after.strip_prefix('(') {
            Some(after) => (true, after.trim_start()),
            None => (false, after),
        };
        let Some(after) = after.strip_prefix("p.") else {
            continue;
        };
        let digits: String = after
            .trim_start()
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        if let Ok(page) = digits.parse() {
            found.push((n, page, bracketed));
        }
    }
    found
}

/// The text of pages `from` to `to`, soft hyphens removed, whitespace
/// collapsed.
fn section_text(pdf: &Pdf, from: u32, to: u32) -> String {
    let text: Vec<String> = (from..=to)
        .map(|p| pdf.text(p).replace('\u{ad}', ""))
        .collect();
    text.join(" ")
}

#[test]
fn every_page_number_in_panels_and_text_is_where_the_note_starts() {
    let built = book();
    let pdf = &built.pdf;
    let pages = chapter_pages(pdf);
    let appendix = appendix_page(pdf);
    let mut panel_entries = 0;
    let mut text_links = 0;
    let mut expected_links = 0;
    for n in 1..=NOTES {
        let start = pages[&n];
        let end = if n == NOTES {
            appendix - 1
        } else {
            pages[&(n + 1)] - 1
        };
        let text = section_text(pdf, start, end);
        let panel_at = text
            .find("This relates to")
            .unwrap_or_else(|| panic!("{} has its panel", title(n)));
        let (body, panel) = text.split_at(panel_at);
        let shown: Vec<usize> = page_references(panel)
            .into_iter()
            .map(|(target, page, _)| {
                assert_eq!(
                    page,
                    pages[&target],
                    "panel of {} names {}",
                    title(n),
                    title(target)
                );
                target
            })
            .collect();
        assert_eq!(shown, built.related[&n], "the panel of {}", title(n));
        panel_entries += shown.len();
        let linked: Vec<usize> = page_references(body)
            .into_iter()
            .filter(|(_, _, bracketed)| *bracketed)
            .map(|(target, page, _)| {
                assert_eq!(
                    page,
                    pages[&target],
                    "a link in {} to {}",
                    title(n),
                    title(target)
                );
                target
            })
            .collect();
        // A link whose text runs onto the next page has the running head
        // inside it and is not read back: the rest are the links written,
        // in order.
        let mut written = built.links[&n].iter();
        assert!(
            linked.iter().all(|l| written.any(|w| w == l)),
            "the links in {}: {linked:?} of {:?}",
            title(n),
            built.links[&n]
        );
        text_links += linked.len();
        expected_links += built.links[&n].len();
    }
    assert!(panel_entries > 2 * NOTES);
    assert!(
        text_links * 100 >= expected_links * 95 && expected_links > NOTES / 2,
        "{text_links} of {expected_links} links read back"
    );
}

#[test]
fn every_page_number_in_the_appendix_is_where_the_note_starts() {
    let built = book();
    let pdf = &built.pdf;
    let pages = chapter_pages(pdf);
    let appendix = appendix_page(pdf);
    let text = section_text(pdf, appendix, pdf.page_count() as u32);
    let references = page_references(&text);
    for &(target, page, _) in &references {
        assert_eq!(page, pages[&target], "the appendix names {}", title(target));
    }
    // Each note's own entry, its links both ways (related notes and links
    // in the text, once per pair), and the tag index.
    let entries = references.iter().filter(|(n, _, _)| *n == 1).count();
    assert!(entries >= 2, "Topic 001 is listed with its references");
    assert!(
        references.len() > 3 * NOTES,
        "{} references",
        references.len()
    );
    assert!(squash(&text).contains("Indexoftags"));
}

#[test]
fn the_build_is_byte_identical_with_one_job_and_two() {
    let built = book();
    assert!(
        built.again == built.bytes,
        "--jobs 1 and --jobs 2 wrote different PDFs"
    );
    assert!(built.pdf.page_count() > 2 * NOTES);
}
