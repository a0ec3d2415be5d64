//! Real notes folders build as they are: three fixture projects written in
//! the conventions people actually use (tests/fixtures/conventions/):
//!
//! - `obsidian-vault`: names with spaces and capitals, nested folders,
//!   `[[…]]` links in every form, aliases, embeds of images, notes and
//!   sections, callouts, `%%comments%%`, `==highlights==`, inline `#tags`,
//!   one link to a missing note, one `.base` embed;
//! - `github-docs`: a README per folder, relative links with GitHub anchors,
//!   URL-encoded names, links without `.md`, HTML blocks, a Jekyll tag, a
//!   mermaid block, `/assets/…` images from the project root;
//! - `international`: German and Japanese notes, Unicode ids and heading
//!   slugs, `index.md` per folder.
//!
//! Each fixture is built once (copied into a temp dir, output in another)
//! and read back: the diagnostics (`--format json`, with their `code`), the
//! ids and titles (`folio list --format json`), the chapters (bookmarks), and
//! every link: the printed "(p. N)" must be the page the target's bookmark
//! points to (for a heading, the heading's bookmark, to the point), and the
//! source chapter's Link annotations must go to the targets in the order the
//! links are written. Diagnostics an Obsidian image embed may get for its
//! missing alt text are tolerated (see `tolerated`).
//! Small projects made in temp dirs cover id clashes, embed cycles,
//! `--deny-warnings` and the remaining diagnostic codes.

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::OnceLock;

use common::{Pdf, folio, project, stderr};
use lopdf::Object;

// ---------------------------------------------------------------------------
// What each fixture must give.

/// Where a link must land.
#[derive(Debug, Clone, Copy)]
enum To {
    /// A chapter, by its title.
    Note(&'static str),
    /// A heading in a chapter: (chapter title, heading text, occurrence
    /// among that chapter's headings of this text, 0-based).
    Heading(&'static str, &'static str, usize),
    /// A block (`^id`) somewhere in a chapter, by the chapter's title.
    Block(&'static str),
}

/// A link that must resolve: in chapter `from`, right after the words
/// `after`, the link prints `shown` (when given) then "(p. N)".
struct Link {
    from: &'static str,
    after: &'static str,
    shown: Option<&'static str>,
    to: To,
}

const fn link(
    from: &'static str,
    after: &'static str,
    shown: Option<&'static str>,
    to: To,
) -> Link {
    Link {
        from,
        after,
        shown,
        to,
    }
}

struct Fixture {
    name: &'static str,
    /// (id, title) of every note.
    notes: &'static [(&'static str, &'static str)],
    /// Every diagnostic: (code, file, text at the diagnostic's line and
    /// column). All are warnings.
    diagnostics: &'static [(&'static str, &'static str, &'static str)],
    links: &'static [Link],
    /// Unresolved links: (chapter title, text printed before "(not found)").
    missing: &'static [(&'static str, &'static str)],
}

#[rustfmt::skip]
const VAULT: Fixture = Fixture {
    name: "obsidian-vault",
    notes: &[
        ("home", "Garden Vault"),
        ("create-a-vault", "Create a vault"),
        ("loose-ideas", "Loose ideas"),
        ("garden-plan", "Garden Plan for 2024"),
        ("seed-list", "Seeds to sow"),
        ("watering", "Watering"),
        ("core/graph-view", "The core graph view"),
        ("plugins/graph-view", "Graph view plugins"),
        ("2024-03-02", "2024-03-02"),
        ("garden-rules", "Garden Rules"),
        ("tools-supplies", "Tools and Supplies"),
    ],
    diagnostics: &[
        ("unknown-key", "notes/Getting started/Create a vault.md", "created:"),
        ("unknown-key", "notes/Projects/Garden plan.md", "created:"),
        ("unknown-key", "notes/Projects/Seed list.md", "created:"),
        ("unknown-key", "notes/Daily/2024-03-02.md", "created:"),
        ("unknown-key", "notes/Reference/Plugins/Graph view.md", "created:"),
        ("unresolved-link", "notes/Daily/2024-03-02.md", "[[Compost heap]]"),
        ("unprintable-embed", "notes/Daily/2024-03-02.md", "![[Dashboard.base]]"),
    ],
    links: &[
        // Home.md
        link("Garden Vault", "Start with", Some("Create a vault"), To::Note("Create a vault")),
        link("Garden Vault", "in lower case:", Some("setting up"), To::Note("Create a vault")),
        link("Garden Vault", "this year:", Some("Garden Plan for 2024"), To::Note("Garden Plan for 2024")),
        link("Garden Vault", "everyone follows:", Some("Garden Rules"), To::Note("Garden Rules")),
        link("Garden Vault", "What to buy:", Some("Tools and Supplies"), To::Note("Tools and Supplies")),
        link("Garden Vault", "The core plugin:", Some("The core graph view"), To::Note("The core graph view")),
        link("Garden Vault", "The community one:", Some("graph plugins"), To::Note("Graph view plugins")),
        link("Garden Vault", "Last log:", Some("2024-03-02"), To::Note("2024-03-02")),
        link("Garden Vault", "Scraps:", Some("Loose ideas"), To::Note("Loose ideas")),
        link("Garden Vault", "An alias at work:", None, To::Note("Create a vault")),
        // Getting started/Create a vault.md
        link("Create a vault", "Head back", Some("home"), To::Note("Garden Vault")),
        link("Create a vault", "The house rules are in", Some("the sharing rules"), To::Heading("Garden Rules", "Sharing tools", 0)),
        // Getting started/Loose ideas.md
        link("Loose ideas", "Back to", Some("Garden Vault"), To::Note("Garden Vault")),
        link("Loose ideas", "See also", Some("winter watering"), To::Heading("Watering", "Winter", 0)),
        link("Loose ideas", "Where tomatoes go:", Some("the tomato bed"), To::Block("Seeds to sow")),
        // Projects/Garden plan.md
        link("Garden Plan for 2024", "When the beans are ready, see", None, To::Heading("Garden Plan for 2024", "Harvest", 0)),
        link("Garden Plan for 2024", "The full schedule:", None, To::Heading("Watering", "Summer", 0)),
        link("Garden Plan for 2024", "Tools are listed in", Some("tools and supplies"), To::Note("Tools and Supplies")),
        // Daily/2024-03-02.md
        link("2024-03-02", "Checked", Some("the heat wave plan"), To::Heading("Watering", "Heat waves", 0)),
        link("2024-03-02", "Also read the", None, To::Block("Seeds to sow")),
        // Reference/Core/Graph view.md
        link("The core graph view", "Compare", None, To::Note("Graph view plugins")),
        // Reference/Plugins/Graph view.md
        link("Graph view plugins", "Settings are in", Some("the vault guide"), To::Heading("Create a vault", "Pick a folder", 0)),
        // Reference/Garden rules.md
        link("Garden Rules", "when we set up:", None, To::Note("Create a vault")),
        link("Garden Rules", "What a vault holds:", None, To::Heading("Create a vault", "What's in a vault", 0)),
        // Tools & Supplies.md
        link("Tools and Supplies", "Rules for lending them:", None, To::Heading("Garden Rules", "Sharing tools", 0)),
    ],
    missing: &[("2024-03-02", "Compost heap")],
};

#[rustfmt::skip]
const GITHUB: Fixture = Fixture {
    name: "github-docs",
    notes: &[
        ("readme", "Acme Billing Docs"),
        ("guides", "Guides"),
        ("getting-started", "Getting Started"),
        ("setup", "Setting up"),
        ("install", "install"),
        ("policies", "Policies"),
        ("billing-policy", "Billing policy"),
        ("refunds", "Refunds"),
        ("faq", "Frequently asked questions"),
    ],
    diagnostics: &[
        ("template-tag", "notes/policies/billing_policy.md", "{% include note.html %}"),
        ("diagram", "notes/faq.md", "```mermaid"),
    ],
    links: &[
        // README.md
        link("Acme Billing Docs", "New to Acme? Read", Some("Getting started"), To::Note("Getting Started")),
        link("Acme Billing Docs", "All guides:", Some("the guides"), To::Note("Guides")),
        link("Acme Billing Docs", "Late fees are explained in", Some("the billing policy"), To::Heading("Billing policy", "Late payments", 0)),
        // guides/README.md
        link("Guides", "Begin with", Some("Getting Started"), To::Note("Getting Started")),
        link("Guides", "Then", Some("install the client"), To::Note("install")),
        // guides/Getting Started.md
        link("Getting Started", "Follow", Some("the install guide"), To::Note("install")),
        link("Getting Started", "Background on the setup:", Some("setup overview"), To::Note("Setting up")),
        link("Getting Started", "Questions go to", Some("the FAQ"), To::Note("Frequently asked questions")),
        // guides/setup/README.md
        link("Setting up", "Start at", Some("first steps"), To::Heading("Getting Started", "First steps", 0)),
        // guides/setup/install.md
        link("install", "When the client runs, read", Some("the policies"), To::Note("Policies")),
        link("install", "Go back to", Some("Setting up"), To::Note("Setting up")),
        // policies/README.md
        link("Policies", "How we bill:", Some("billing"), To::Note("Billing policy")),
        link("Policies", "Getting money back:", Some("refunds"), To::Note("Refunds")),
        link("Policies", "Up:", Some("docs home"), To::Note("Acme Billing Docs")),
        // policies/billing_policy.md
        link("Billing policy", "For worked cases see", Some("the second example"), To::Heading("Refunds", "Examples", 1)),
        link("Billing policy", "Not everything qualifies:", Some("refundable items"), To::Heading("Refunds", "What's refundable", 0)),
        // policies/refunds.md
        link("Refunds", "First check", Some("what counts"), To::Heading("Refunds", "What's refundable", 0)),
        link("Refunds", "The first case is under", Some("Examples"), To::Heading("Refunds", "Examples", 0)),
        // faq.md
        link("Frequently asked questions", "Late fees:", Some("late payments"), To::Heading("Billing policy", "Late payments", 0)),
        link("Frequently asked questions", "Old links still work:", Some("refundable items"), To::Heading("Refunds", "What's refundable", 0)),
    ],
    missing: &[],
};

#[rustfmt::skip]
const INTERNATIONAL: Fixture = Fixture {
    name: "international",
    notes: &[
        ("index", "Startseite"),
        ("recht", "Rechtsgebiete"),
        ("mietrecht", "Mietrecht im Überblick"),
        ("übersicht", "Übersicht"),
        ("straßenverkehr", "Straßenverkehr"),
        ("reisen", "Reisen"),
        ("japan", "Japan"),
        ("はじめに", "日本への旅"),
    ],
    diagnostics: &[
        (
            "unresolved-anchor",
            "notes/recht/Straßenverkehr.md",
            "[[Mietrecht#Paragraph 99]]",
        ),
        // No built-in font has Japanese: each Japanese note is told so,
        // at the first Japanese character it prints.
        ("missing-glyphs", "notes/reisen/japan/index.md", "持ち物"),
        ("missing-glyphs", "notes/reisen/japan/はじめに.md", "日本への旅"),
    ],
    links: &[
        // index.md
        link("Startseite", "Zum Recht:", Some("Rechtsgebiete"), To::Note("Rechtsgebiete")),
        link("Startseite", "Zum Reisen:", Some("Reisen"), To::Note("Reisen")),
        link("Startseite", "Kurz gefasst:", Some("Übersicht"), To::Note("Übersicht")),
        // recht/index.md
        link("Rechtsgebiete", "Wohnen:", Some("Mietrecht im Überblick"), To::Note("Mietrecht im Überblick")),
        link("Rechtsgebiete", "Verkehr:", Some("Straßenverkehr"), To::Note("Straßenverkehr")),
        link("Rechtsgebiete", "Alles auf einen Blick:", Some("Übersicht"), To::Note("Übersicht")),
        // recht/Übersicht.md
        link("Übersicht", "Nach GitHub:", Some("die Übergangsvorschrift"), To::Heading("Mietrecht im Überblick", "Übergangsvorschrift", 0)),
        link("Übersicht", "Nach Obsidian:", Some("dieselbe Vorschrift"), To::Heading("Mietrecht im Überblick", "Übergangsvorschrift", 0)),
        link("Übersicht", "Fristen:", None, To::Heading("Mietrecht im Überblick", "Kündigung und Fristen", 0)),
        link("Übersicht", "Renovieren:", Some("Schönheitsreparaturen"), To::Heading("Mietrecht im Überblick", "Schönheitsreparaturen", 0)),
        link("Übersicht", "Zurück:", Some("Startseite"), To::Note("Startseite")),
        // recht/Mietrecht.md
        link("Mietrecht im Überblick", "Siehe auch", Some("Straßenverkehr"), To::Note("Straßenverkehr")),
        // recht/Straßenverkehr.md
        link("Straßenverkehr", "Mehr zum Wohnen:", Some("Mietrecht"), To::Note("Mietrecht im Überblick")),
        // reisen/index.md
        link("Reisen", "Nach Japan:", Some("Japan"), To::Note("Japan")),
        link("Reisen", "Und zurück zum", Some("Überblick"), To::Note("Übersicht")),
        // reisen/japan/index.md (link texts in Japanese: no font prints
        // them, so only the page is checked)
        link("Japan", "Packliste:", None, To::Heading("日本への旅", "持ち物", 0)),
        link("Japan", "Erste Schritte:", None, To::Heading("日本への旅", "始めに", 0)),
        link("Japan", "Häufige Fragen:", None, To::Heading("日本への旅", "よくある質問", 0)),
        link("Japan", "Zurück nach", Some("Reisen"), To::Note("Reisen")),
        // reisen/japan/はじめに.md
        link("日本への旅", "Zurück:", Some("Japan"), To::Note("Japan")),
    ],
    missing: &[],
};

// ---------------------------------------------------------------------------
// Building a fixture once.

struct Built {
    project: tempfile::TempDir,
    _out: tempfile::TempDir,
    code: Option<i32>,
    json: serde_json::Value,
    stderr: String,
    pdf: Option<Pdf>,
}

impl Built {
    fn pdf(&self) -> &Pdf {
        self.pdf
            .as_ref()
            .unwrap_or_else(|| panic!("no briefing-book.pdf was written:\n{}", self.stderr))
    }
}

fn fixture_dir(name: &str) -> std::path::PathBuf {
    common::repo().join("tests/fixtures/conventions").join(name)
}

/// Copies the fixture into a temp dir and builds it into another one.
fn build(fixture: &Fixture) -> Built {
    let project = tempfile::tempdir().unwrap();
    common::copy_dir(&fixture_dir(fixture.name), project.path());
    let out = tempfile::tempdir().unwrap();
    let output = folio(
        project.path(),
        &[
            "build",
            "--format",
            "json",
            "--out",
            out.path().to_str().unwrap(),
        ],
    );
    let json = serde_json::from_slice(&output.stdout).unwrap_or(serde_json::Value::Null);
    let path = out.path().join("briefing-book.pdf");
    let pdf = path.exists().then(|| Pdf::open(&path));
    Built {
        code: output.status.code(),
        stderr: stderr(&output),
        json,
        pdf,
        project,
        _out: out,
    }
}

fn built(fixture: &Fixture) -> &'static Built {
    static VAULT_BUILT: OnceLock<Built> = OnceLock::new();
    static GITHUB_BUILT: OnceLock<Built> = OnceLock::new();
    static INTERNATIONAL_BUILT: OnceLock<Built> = OnceLock::new();
    let cell = match fixture.name {
        "obsidian-vault" => &VAULT_BUILT,
        "github-docs" => &GITHUB_BUILT,
        "international" => &INTERNATIONAL_BUILT,
        other => panic!("unknown fixture {other}"),
    };
    cell.get_or_init(|| build(fixture))
}

/// Runs folio in a fixture's built copy (never in the repository).
fn run_in(fixture: &Fixture, args: &[&str]) -> std::process::Output {
    folio(built(fixture).project.path(), args)
}

fn json_of(output: &std::process::Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", stderr(output)))
}

// ---------------------------------------------------------------------------
// Reading text back.

/// Text with whitespace and soft hyphens removed and typographic quotes
/// made plain, so line breaks, hyphenation and smart quotes do not matter.
fn norm(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_whitespace() && *c != '\u{ad}')
        .map(|c| match c {
            '\u{2018}' | '\u{2019}' => '\'',
            '\u{201c}' | '\u{201d}' | '\u{201e}' => '"',
            c => c,
        })
        .collect()
}

// ---------------------------------------------------------------------------
// Reading bookmarks and links back, with the vertical position of each
// destination, so that two headings on one page can be told apart.

/// An outline entry: level (1 = chapter), title without its number, page,
/// and the top of the destination when it has one.
#[derive(Debug, Clone)]
struct Mark {
    level: usize,
    title: String,
    page: u32,
    top: Option<f32>,
}

#[derive(Debug, Clone, PartialEq)]
enum Target {
    Internal(u32, Option<f32>),
    Uri(String),
    Dead,
}

#[derive(Debug, Clone)]
struct Annot {
    page: u32,
    target: Target,
}

fn deref<'a>(pdf: &'a Pdf, object: &'a Object) -> &'a Object {
    pdf.doc
        .dereference(object)
        .map(|(_, o)| o)
        .unwrap_or(object)
}

fn named_destination(pdf: &Pdf, name: &[u8]) -> Option<Object> {
    let catalog = pdf.doc.catalog().ok()?;
    if let Ok(dests) = catalog.get(b"Dests")
        && let Ok(found) = deref(pdf, dests).as_dict().ok()?.get(name)
    {
        return Some(found.clone());
    }
    let names = deref(pdf, catalog.get(b"Names").ok()?).as_dict().ok()?;
    let tree = deref(pdf, names.get(b"Dests").ok()?).as_dict().ok()?;
    search_name_tree(pdf, tree, name)
}

fn search_name_tree(pdf: &Pdf, node: &lopdf::Dictionary, name: &[u8]) -> Option<Object> {
    if let Ok(names) = node.get(b"Names").and_then(Object::as_array) {
        for pair in names.chunks(2) {
            if let [key, value] = pair
                && deref(pdf, key).as_str().is_ok_and(|k| k == name)
            {
                return Some(value.clone());
            }
        }
    }
    if let Ok(kids) = node.get(b"Kids").and_then(Object::as_array) {
        for kid in kids {
            if let Some(found) = deref(pdf, kid)
                .as_dict()
                .ok()
                .and_then(|k| search_name_tree(pdf, k, name))
            {
                return Some(found);
            }
        }
    }
    None
}

/// The page and top of a destination: explicit, named, or in an action.
fn destination(pdf: &Pdf, dest: &Object) -> Option<(u32, Option<f32>)> {
    match deref(pdf, dest) {
        Object::Array(array) => {
            let page = *pdf.page_numbers.get(&array.first()?.as_reference().ok()?)?;
            let kind = array.get(1).and_then(|k| k.as_name().ok());
            let top = match kind {
                Some(b"XYZ") => array.get(3).and_then(|t| t.as_float().ok()),
                Some(b"FitH") | Some(b"FitBH") => array.get(2).and_then(|t| t.as_float().ok()),
                _ => None,
            };
            Some((page, top))
        }
        Object::Name(name) | Object::String(name, _) => {
            let target = named_destination(pdf, name)?;
            destination(pdf, &target)
        }
        Object::Dictionary(dict) => destination(pdf, dict.get(b"D").ok()?),
        _ => None,
    }
}

fn strip_number(title: &str) -> String {
    match title.split_once(' ') {
        Some((head, rest))
            if !head.is_empty() && head.chars().all(|c| c.is_ascii_digit() || c == '.') =>
        {
            rest.to_string()
        }
        _ => title.to_string(),
    }
}

/// The outline in reading order (pre-order), with numbers stripped.
fn marks(pdf: &Pdf) -> Vec<Mark> {
    pdf.outline_items()
        .into_iter()
        .map(|(level, title, dest)| {
            let (page, top) = dest.and_then(|d| destination(pdf, &d)).unwrap_or((0, None));
            Mark {
                level,
                title: strip_number(&title),
                page,
                top,
            }
        })
        .collect()
}

/// Every Link annotation of the document.
fn annotations(pdf: &Pdf) -> Vec<Annot> {
    let mut out = Vec::new();
    for (&number, &page_id) in &pdf.doc.get_pages() {
        let Ok(annots) = pdf.doc.get_page_annotations(page_id) else {
            continue;
        };
        for annot in annots {
            if !annot
                .get(b"Subtype")
                .and_then(Object::as_name)
                .is_ok_and(|n| n == b"Link")
            {
                continue;
            }
            let action = annot
                .get(b"A")
                .ok()
                .and_then(|a| deref(pdf, a).as_dict().ok());
            let uri = action.and_then(|a| {
                let is_uri = a
                    .get(b"S")
                    .and_then(Object::as_name)
                    .is_ok_and(|s| s == b"URI");
                is_uri.then(|| {
                    a.get(b"URI")
                        .ok()
                        .and_then(|u| deref(pdf, u).as_str().ok())
                        .map(|u| String::from_utf8_lossy(u).into_owned())
                        .unwrap_or_default()
                })
            });
            let target = if let Some(uri) = uri {
                Target::Uri(uri)
            } else {
                let dest = annot
                    .get(b"Dest")
                    .ok()
                    .or_else(|| action.and_then(|a| a.get(b"D").ok()));
                match dest.and_then(|d| destination(pdf, d)) {
                    Some((page, top)) => Target::Internal(page, top),
                    None => Target::Dead,
                }
            };
            out.push(Annot {
                page: number,
                target,
            });
        }
    }
    out
}

/// A chapter: its bookmark, the pages it spans, and its headings.
#[derive(Debug)]
struct Chapter {
    mark: Mark,
    last_page: u32,
    sections: Vec<Mark>,
}

const NOT_CHAPTERS: &[&str] = &["Cross-reference appendix", "Contents"];

fn chapters(pdf: &Pdf) -> Vec<Chapter> {
    let marks = marks(pdf);
    let mut out: Vec<Chapter> = Vec::new();
    let mut in_chapter = false;
    for mark in marks {
        if mark.level == 1 {
            if let Some(previous) = out.last_mut()
                && in_chapter
            {
                previous.last_page = mark.page.saturating_sub(1).max(previous.mark.page);
            }
            in_chapter = !NOT_CHAPTERS.contains(&mark.title.as_str());
            if in_chapter {
                out.push(Chapter {
                    last_page: pdf.page_count() as u32,
                    mark,
                    sections: Vec::new(),
                });
            }
        } else if in_chapter {
            out.last_mut().unwrap().sections.push(mark);
        }
    }
    out
}

fn chapter<'a>(chapters: &'a [Chapter], title: &str) -> &'a Chapter {
    let found: Vec<&Chapter> = chapters.iter().filter(|c| c.mark.title == title).collect();
    assert_eq!(
        found.len(),
        1,
        "one chapter titled {title:?}; chapters: {:?}",
        chapters.iter().map(|c| &c.mark.title).collect::<Vec<_>>()
    );
    found[0]
}

fn chapter_text(pdf: &Pdf, chapter: &Chapter) -> String {
    (chapter.mark.page..=chapter.last_page)
        .map(|p| norm(&pdf.text(p)))
        .collect()
}

/// Where a link target is: the bookmark of a chapter or heading.
fn target_mark(chapters: &[Chapter], to: To) -> Option<Mark> {
    match to {
        To::Note(title) => Some(chapter(chapters, title).mark.clone()),
        To::Heading(title, heading, nth) => {
            let ch = chapter(chapters, title);
            let found = ch
                .sections
                .iter()
                .filter(|s| norm(&s.title) == norm(heading))
                .nth(nth)
                .unwrap_or_else(|| {
                    panic!(
                        "no heading #{nth} {heading:?} in {title:?}: {:?}",
                        ch.sections.iter().map(|s| &s.title).collect::<Vec<_>>()
                    )
                });
            Some(found.clone())
        }
        To::Block(_) => None,
    }
}

/// The page number printed in "(p. N)" after `after` in `text` (normed),
/// checking the shown text when given.
fn printed_page(text: &str, link: &Link) -> Result<u32, String> {
    let after = norm(link.after);
    let at = text
        .find(&after)
        .ok_or_else(|| format!("{:?} not found in chapter {:?}", link.after, link.from))?;
    let rest = &text[at + after.len()..];
    let window: String = rest.chars().take(160).collect();
    if let Some(shown) = link.shown {
        let expected = format!("{}(p.", norm(shown));
        // Punctuation may sit between the words and the link.
        let start = window.trim_start_matches([':', ',', '.']);
        if !start.starts_with(&expected) {
            return Err(format!(
                "after {:?} expected {shown:?} then (p. N), found {window:?}",
                link.after
            ));
        }
    }
    let p = window
        .find("(p.")
        .ok_or_else(|| format!("no (p. N) after {:?}: {window:?}", link.after))?;
    let digits: String = window[p + 3..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits
        .parse()
        .map_err(|_| format!("no page number after {:?}: {window:?}", link.after))
}

/// Vertical distance within which a link destination and a bookmark are
/// taken to point at the same heading.
const SAME_PLACE: f32 = 20.0;

/// Two destinations point at the same place: one page, and tops within
/// [`SAME_PLACE`] when both are known.
fn same_place(a: (u32, Option<f32>), b: (u32, Option<f32>)) -> bool {
    a.0 == b.0
        && match (a.1, b.1) {
            (Some(x), Some(y)) => (x - y).abs() <= SAME_PLACE,
            _ => true,
        }
}

// ---------------------------------------------------------------------------
// Checks shared by the three fixtures.

fn diagnostics(json: &serde_json::Value) -> Vec<serde_json::Value> {
    json["diagnostics"]
        .as_array()
        .unwrap_or_else(|| panic!("no diagnostics array: {json}"))
        .clone()
}

/// Diagnostics this suite does not pin down: a missing alt text on an
/// Obsidian image embed (`![[x.png]]` has no place for one), if the
/// implementation still warns about it.
fn tolerated(d: &serde_json::Value) -> bool {
    d["severity"] == "warning" && d["message"].as_str().unwrap_or("").contains("alt text")
}

/// (severity, code, file, line, column) of every diagnostic, sorted.
fn places(json: &serde_json::Value) -> Vec<(String, String, String, u64, u64)> {
    let mut out: Vec<_> = diagnostics(json)
        .iter()
        .filter(|d| !tolerated(d))
        .map(|d| {
            (
                d["severity"].as_str().unwrap_or("").to_string(),
                d["code"].as_str().unwrap_or("<no code>").to_string(),
                d["file"].as_str().unwrap_or("").to_string(),
                d["line"].as_u64().unwrap_or(0),
                d["column"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    out.sort();
    out
}

/// 1-based line and column (in characters) of `needle` in a fixture file.
fn position(fixture: &str, file: &str, needle: &str) -> (u64, u64) {
    let text = std::fs::read_to_string(fixture_dir(fixture).join(file))
        .unwrap_or_else(|e| panic!("{fixture}/{file}: {e}"));
    for (n, line) in text.lines().enumerate() {
        if let Some(at) = line.find(needle) {
            return (n as u64 + 1, line[..at].chars().count() as u64 + 1);
        }
    }
    panic!("{needle:?} not in {fixture}/{file}")
}

fn expected_places(fixture: &Fixture) -> Vec<(String, String, String, u64, u64)> {
    let mut out: Vec<_> = fixture
        .diagnostics
        .iter()
        .map(|(code, file, needle)| {
            let (line, column) = position(fixture.name, file, needle);
            (
                "warning".to_string(),
                code.to_string(),
                file.to_string(),
                line,
                column,
            )
        })
        .collect();
    out.sort();
    out
}

fn check_builds_with_exactly_the_expected_warnings(fixture: &Fixture) {
    let built = built(fixture);
    assert_eq!(built.code, Some(0), "exit code:\n{}", built.stderr);
    assert_eq!(built.json["exit_code"], 0, "{}", built.json);
    assert_eq!(built.json["errors"], 0, "{}", built.json);
    assert!(built.pdf.is_some(), "{}", built.stderr);
    let all = diagnostics(&built.json);
    let counted = built.json["warnings"].as_u64().unwrap_or(0) as usize;
    assert_eq!(counted, all.len(), "the warning count matches the list");
    assert_eq!(
        places(&built.json),
        expected_places(fixture),
        "(severity, code, file, line, column) of every diagnostic\n{}",
        built.stderr
    );
}

/// `code` is on every diagnostic, those this suite tolerates included.
fn check_every_diagnostic_has_a_code(fixture: &Fixture) {
    for d in diagnostics(&built(fixture).json) {
        assert!(d["code"].is_string(), "a diagnostic without a code: {d}");
    }
}

fn check_reports_what_build_reports(fixture: &Fixture) {
    let built = built(fixture);
    let output = run_in(fixture, &["check", "--format", "json"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let check = json_of(&output);
    assert_eq!(check["command"], "check");
    let key = |d: &serde_json::Value| {
        (
            d["severity"].to_string(),
            d["code"].to_string(),
            d["file"].to_string(),
            d["line"].to_string(),
            d["column"].to_string(),
            d["message"].to_string(),
        )
    };
    let mut from_check: Vec<_> = diagnostics(&check).iter().map(key).collect();
    let mut from_build: Vec<_> = diagnostics(&built.json).iter().map(key).collect();
    from_check.sort();
    from_build.sort();
    assert_eq!(from_check, from_build);
    assert_eq!(check["warnings"], built.json["warnings"]);
    assert_eq!(check["errors"], built.json["errors"]);
}

fn check_ids_and_titles(fixture: &Fixture) {
    let output = run_in(fixture, &["list", "--format", "json"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let list = json_of(&output);
    let mut got: Vec<(String, String)> = list["notes"]
        .as_array()
        .expect("notes")
        .iter()
        .map(|n| {
            (
                n["id"].as_str().unwrap_or("").to_string(),
                n["title"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    let mut expected: Vec<(String, String)> = fixture
        .notes
        .iter()
        .map(|(id, title)| (id.to_string(), title.to_string()))
        .collect();
    got.sort();
    expected.sort();
    assert_eq!(got, expected, "(id, title) of every note");
}

fn check_every_note_is_a_chapter(fixture: &Fixture) {
    let pdf = built(fixture).pdf();
    let mut got: Vec<String> = chapters(pdf).into_iter().map(|c| c.mark.title).collect();
    let mut expected: Vec<String> = fixture.notes.iter().map(|(_, t)| t.to_string()).collect();
    got.sort();
    expected.sort();
    assert_eq!(got, expected, "chapter bookmarks");
    for ch in chapters(pdf) {
        assert!(
            chapter_text(pdf, &ch).contains(&norm(&ch.mark.title))
                || ch.mark.title.chars().any(|c| c > '\u{2e80}'),
            "chapter {:?} prints its title on page {}",
            ch.mark.title,
            ch.mark.page
        );
    }
}

fn check_links_land_on_their_targets(fixture: &Fixture) {
    let pdf = built(fixture).pdf();
    let chapters = chapters(pdf);
    let annots = annotations(pdf);
    let mut failures = Vec::new();
    for link in fixture.links {
        let from = chapter(&chapters, link.from);
        let text = chapter_text(pdf, from);
        let printed = match printed_page(&text, link) {
            Ok(page) => page,
            Err(e) => {
                failures.push(e);
                continue;
            }
        };
        let from_pages = from.mark.page..=from.last_page;
        let live: Vec<&Annot> = annots
            .iter()
            .filter(|a| from_pages.contains(&a.page))
            .collect();
        match link.to {
            To::Block(title) => {
                let target = chapter(&chapters, title);
                if !(target.mark.page..=target.last_page).contains(&printed) {
                    failures.push(format!(
                        "{:?} -> block in {title:?}: printed p. {printed}, chapter spans {}..={}",
                        link.after, target.mark.page, target.last_page
                    ));
                }
                if !live
                    .iter()
                    .any(|a| matches!(a.target, Target::Internal(p, _) if p == printed))
                {
                    failures.push(format!(
                        "{:?} -> block in {title:?}: no link from {:?} to page {printed}",
                        link.after, link.from
                    ));
                }
            }
            to => {
                let mark = target_mark(&chapters, to).unwrap();
                if printed != mark.page {
                    failures.push(format!(
                        "{:?} -> {to:?}: printed p. {printed}, bookmark on p. {}",
                        link.after, mark.page
                    ));
                }
                let lands = live.iter().any(|a| match a.target {
                    Target::Internal(page, top) => same_place((page, top), (mark.page, mark.top)),
                    _ => false,
                });
                if !lands {
                    failures.push(format!(
                        "{:?} -> {to:?}: no link annotation in {:?} (pp. {}..={}) lands on p. {} at {:?}; links there: {:?}",
                        link.after,
                        link.from,
                        from.mark.page,
                        from.last_page,
                        mark.page,
                        mark.top,
                        live.iter().map(|a| &a.target).collect::<Vec<_>>()
                    ));
                }
            }
        }
    }
    // Order: the links of each chapter, in the order they are written, must
    // appear in that order among the chapter's Link annotations (a link
    // split over lines gives several; other links, such as the "This relates
    // to…" panel, may come in between). This ties each link to its own
    // target, not just to some link of the same chapter.
    let mut sources: Vec<&str> = fixture.links.iter().map(|l| l.from).collect();
    sources.dedup();
    for source in sources {
        let from = chapter(&chapters, source);
        let mut observed: Vec<(u32, Option<f32>)> = annots
            .iter()
            .filter(|a| (from.mark.page..=from.last_page).contains(&a.page))
            .filter_map(|a| match a.target {
                Target::Internal(page, top) => Some((page, top)),
                _ => None,
            })
            .collect();
        observed.dedup_by(|a, b| same_place(*a, *b));
        let mut expected: Vec<(To, Option<Place>)> = fixture
            .links
            .iter()
            .filter(|l| l.from == source)
            .map(|l| (l.to, target_mark(&chapters, l.to).map(|m| (m.page, m.top))))
            .collect();
        expected.dedup_by(|a, b| match (a.1, b.1) {
            (Some(x), Some(y)) => same_place(x, y),
            _ => false,
        });
        let mut rest = observed.iter();
        for (to, place) in &expected {
            let found = rest.any(|&seen| match (place, to) {
                (Some(place), _) => same_place(seen, *place),
                (None, To::Block(title)) => {
                    let target = chapter(&chapters, title);
                    (target.mark.page..=target.last_page).contains(&seen.0)
                }
                (None, _) => false,
            });
            if !found {
                failures.push(format!(
                    "in {source:?}, the links in written order go to {:?}; the annotations, in order, go to {observed:?}",
                    expected.iter().map(|(to, place)| (to, place)).collect::<Vec<_>>()
                ));
                break;
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} links wrong:\n{}",
        failures.len(),
        fixture.links.len(),
        failures.join("\n")
    );
}

fn check_unresolved_links_print_not_found(fixture: &Fixture) {
    let pdf = built(fixture).pdf();
    let chapters = chapters(pdf);
    let everything = norm(&pdf.all_text());
    for (title, shown) in fixture.missing {
        let text = chapter_text(pdf, chapter(&chapters, title));
        let expected = format!("{}(notfound)", norm(shown));
        assert!(text.contains(&expected), "{expected} in {title:?}: {text}");
        assert!(
            !everything.contains(&format!("{}(p.", norm(shown))),
            "{shown:?} is not printed as a resolved link"
        );
    }
}

/// Every Link annotation goes somewhere: a page of this document or a web
/// or mail address. An unresolved reference is never a dead link.
fn check_no_link_is_dead(fixture: &Fixture) {
    let pdf = built(fixture).pdf();
    let annots = annotations(pdf);
    assert!(!annots.is_empty());
    for annot in annots {
        match &annot.target {
            Target::Internal(page, _) => assert!(*page >= 1),
            Target::Uri(uri) => assert!(
                ["http://", "https://", "mailto:"]
                    .iter()
                    .any(|s| uri.starts_with(s)),
                "link to {uri} on page {}",
                annot.page
            ),
            Target::Dead => panic!("a dead link on page {}", annot.page),
        }
    }
}

/// Syntax that must never reach the page.
const LEAKS: &[&str] = &[
    "[[",
    "]]",
    "[!",
    "%%",
    "==",
    "<details",
    "<summary",
    "<aside",
    "<div",
    "<p>",
    "<br",
    "<kbd",
    "<sup",
    "<sub",
    "<mark",
    "</",
    "^tomatoes",
];

fn check_no_syntax_leaks(fixture: &Fixture) {
    let pdf = built(fixture).pdf();
    for page in 1..=pdf.page_count() as u32 {
        let text = pdf.text(page);
        for leak in LEAKS {
            assert!(
                !text.contains(leak),
                "{leak:?} printed on page {page}: {text}"
            );
        }
    }
}

macro_rules! fixture_tests {
    ($fixture:expr) => {
        #[test]
        fn builds_with_exactly_the_expected_warnings() {
            super::check_builds_with_exactly_the_expected_warnings(&$fixture);
        }

        #[test]
        fn every_diagnostic_has_a_code() {
            super::check_every_diagnostic_has_a_code(&$fixture);
        }

        #[test]
        fn check_reports_what_build_reports() {
            super::check_reports_what_build_reports(&$fixture);
        }

        #[test]
        fn ids_and_titles_follow_file_names_headings_and_front_matter() {
            super::check_ids_and_titles(&$fixture);
        }

        #[test]
        fn every_note_is_a_chapter() {
            super::check_every_note_is_a_chapter(&$fixture);
        }

        #[test]
        fn every_link_is_live_and_lands_on_its_target() {
            super::check_links_land_on_their_targets(&$fixture);
        }

        #[test]
        fn unresolved_links_print_not_found() {
            super::check_unresolved_links_print_not_found(&$fixture);
        }

        #[test]
        fn no_link_is_dead() {
            super::check_no_link_is_dead(&$fixture);
        }

        #[test]
        fn no_syntax_leaks_into_the_text() {
            super::check_no_syntax_leaks(&$fixture);
        }
    };
}

// ---------------------------------------------------------------------------
// The Obsidian vault.

mod obsidian_vault {
    use super::*;

    fixture_tests!(VAULT);

    fn text_of(title: &str) -> String {
        let pdf = built(&VAULT).pdf();
        chapter_text(pdf, chapter(&chapters(pdf), title))
    }

    #[test]
    fn callouts_print_as_panels_with_label_title_and_body() {
        let create = text_of("Create a vault");
        for expected in [
            "Before you start",
            "Make a backup of anything",
            "Short file names travel well",
            "Mind the gap",
            "Files outside the folder are not part of the vault.",
        ] {
            assert!(create.contains(&norm(expected)), "{expected}: {create}");
        }
        // The type's label: no other text of this chapter has these words.
        let lower = create.to_lowercase();
        assert!(lower.contains("warning"), "label of [!warning]: {create}");
        assert!(
            lower.contains("tip"),
            "label of [!tip] (no title): {create}"
        );

        let rules = text_of("Garden Rules");
        for expected in [
            // An alias (faq) with a fold marker: printed open.
            "Why plain text?",
            "Plain files outlive every app.",
            // An unknown type.
            "Sourdough starter",
            "Flour and water, fed daily.",
            // A callout nested in another.
            "Outer panel",
            "Words on the outer panel.",
            "Inner panel",
            "A panel inside a panel.",
        ] {
            assert!(rules.contains(&norm(expected)), "{expected}: {rules}");
        }
    }

    #[test]
    fn comments_are_left_out_and_highlights_keep_their_text() {
        let pdf = built(&VAULT).pdf();
        let everything = norm(&pdf.all_text());
        for hidden in [
            "move these somewhere better",
            "Private scribbles for later.",
            "Nobody else needs to read this.",
        ] {
            assert!(!everything.contains(&norm(hidden)), "{hidden} is printed");
        }
        let loose = text_of("Loose ideas");
        for shown in [
            "thoughts live here until they grow up.",
            "Plant more beans than you think you need.",
            "Raised beds warm up early in spring.",
        ] {
            assert!(loose.contains(&norm(shown)), "{shown}: {loose}");
        }
    }

    #[test]
    fn note_and_section_embeds_inline_their_text() {
        let plan = text_of("Garden Plan for 2024");
        // ![[Seed list]]: the whole note, its block id hidden.
        assert!(
            plan.contains(&norm("Sow basil indoors in April.")),
            "{plan}"
        );
        assert!(
            plan.contains(&norm("Beans go straight into the ground in May.")),
            "{plan}"
        );
        // ![[Watering#Summer]]: the section with its subsection, nothing else.
        assert!(
            plan.contains(&norm("Water at dawn, deep and seldom.")),
            "{plan}"
        );
        assert!(plan.contains(&norm("Shade the lettuce at noon")), "{plan}");
        assert!(
            !plan.contains(&norm("Once a fortnight is plenty.")),
            "{plan}"
        );
        assert!(
            !plan.contains(&norm("the hose is only for emergencies")),
            "{plan}"
        );
        // The embedded notes are still chapters of their own.
        assert!(text_of("Seeds to sow").contains(&norm("Sow basil indoors in April.")));
        assert!(text_of("Watering").contains(&norm("Once a fortnight is plenty.")));
    }

    #[test]
    fn image_embeds_are_found_by_file_name_and_printed() {
        let pdf = built(&VAULT).pdf();
        let widths = pdf.image_widths();
        // garden.png (1100 px) and map.png|300 (1200 px), both in attachments/.
        assert!(widths.contains(&1100), "garden.png: {widths:?}");
        assert!(widths.contains(&1200), "map.png: {widths:?}");
    }

    #[test]
    fn a_base_embed_prints_a_placeholder_naming_the_file() {
        let daily = text_of("2024-03-02");
        assert!(daily.contains("Dashboard.base"), "{daily}");
    }

    #[test]
    fn the_missing_note_is_reported_at_its_place() {
        let built = built(&VAULT);
        let (line, column) = position(VAULT.name, "notes/Daily/2024-03-02.md", "[[Compost heap]]");
        let at = format!("notes/Daily/2024-03-02.md:{line}:{column}");
        assert!(built.stderr.contains(&at), "{at} in:\n{}", built.stderr);
        let d = diagnostics(&built.json)
            .into_iter()
            .find(|d| d["code"] == "unresolved-link")
            .expect("an unresolved-link diagnostic");
        assert_eq!(d["severity"], "warning");
        assert!(
            d["message"].as_str().unwrap_or("").contains("Compost heap"),
            "{d}"
        );
    }

    #[test]
    fn inline_tags_count_as_tags_and_join_the_tag_index() {
        let built = built(&VAULT);
        let output = run_in(&VAULT, &["list", "--format", "json"]);
        let list = json_of(&output);
        let tags_of = |id: &str| -> Vec<String> {
            list["notes"]
                .as_array()
                .unwrap()
                .iter()
                .find(|n| n["id"] == id)
                .unwrap_or_else(|| panic!("no note {id}"))["tags"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t.as_str().unwrap().to_string())
                .collect()
        };
        let loose = tags_of("loose-ideas");
        assert!(loose.contains(&"soil-care".to_string()), "{loose:?}");
        assert!(loose.contains(&"beds".to_string()), "{loose:?}");
        let daily = tags_of("2024-03-02");
        assert!(daily.contains(&"daily".to_string()), "{daily:?}");
        assert!(daily.contains(&"journal".to_string()), "{daily:?}");

        // The tags still print in the body.
        assert!(text_of("Loose ideas").contains("soil-care"));

        let pdf = built.pdf();
        let chapters = chapters(pdf);
        let appendix = marks(pdf)
            .into_iter()
            .find(|m| m.title == "Cross-reference appendix")
            .expect("appendix bookmark")
            .page;
        let index: String = (appendix..=pdf.page_count() as u32)
            .map(|p| norm(&pdf.text(p)))
            .collect();
        let index = &index[index.find("Indexoftags").expect("tag index")..];
        let loose_page = chapter(&chapters, "Loose ideas").mark.page;
        let daily_page = chapter(&chapters, "2024-03-02").mark.page;
        for entry in [
            format!("beds{}p.{loose_page}", norm("Loose ideas")),
            format!("soil-care{}p.{loose_page}", norm("Loose ideas")),
            format!("journal2024-03-02p.{daily_page}"),
        ] {
            assert!(index.contains(&entry), "{entry} in {index}");
        }
    }

    const CREATED_IN: &[&str] = &[
        "notes/Getting started/Create a vault.md",
        "notes/Projects/Garden plan.md",
        "notes/Projects/Seed list.md",
        "notes/Daily/2024-03-02.md",
        "notes/Reference/Plugins/Graph view.md",
    ];

    #[test]
    fn repeated_warnings_are_summarised_unless_verbose() {
        let output = run_in(&VAULT, &["check"]);
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        let human = stderr(&output);
        // e.g. "unknown front-matter key `created` is ignored in 5 notes
        // (first: notes/Daily/2024-03-02.md:2)"
        assert!(
            human
                .lines()
                .any(|line| line.contains("unknown front-matter key `created`")
                    && line.contains("in 5 notes")),
            "{human}"
        );
        let named = CREATED_IN.iter().filter(|f| human.contains(*f)).count();
        assert!(
            named <= 2,
            "the summary names the first place only (the daily note has other warnings): {human}"
        );
        // cssclasses and aliases are known keys.
        assert!(!human.contains("`cssclasses`"), "{human}");
        assert!(!human.contains("`aliases`"), "{human}");

        let output = run_in(&VAULT, &["check", "--verbose"]);
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        let verbose = stderr(&output);
        for file in CREATED_IN {
            assert!(verbose.contains(file), "{file} in:\n{verbose}");
        }
    }

    #[test]
    fn deny_warnings_makes_the_missing_note_an_error() {
        let built = built(&VAULT);
        let out = tempfile::tempdir().unwrap();
        let output = folio(
            built.project.path(),
            &[
                "build",
                "--format",
                "json",
                "--deny-warnings",
                "--out",
                out.path().to_str().unwrap(),
            ],
        );
        assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
        let json = json_of(&output);
        assert_eq!(json["warnings"], 0);
        let d = diagnostics(&json)
            .into_iter()
            .find(|d| d["code"] == "unresolved-link")
            .expect("an unresolved-link diagnostic");
        assert_eq!(d["severity"], "error");
    }
}

// ---------------------------------------------------------------------------
// GitHub-style docs.

mod github_docs {
    use super::*;

    fixture_tests!(GITHUB);

    fn text_of(title: &str) -> String {
        let pdf = built(&GITHUB).pdf();
        chapter_text(pdf, chapter(&chapters(pdf), title))
    }

    #[test]
    fn html_blocks_print_their_text_never_their_tags() {
        let refunds = text_of("Refunds");
        for expected in [
            "Partial refunds",
            "A partial refund returns the unused share of the month.",
            "Refunds reach the bank within five working days.",
        ] {
            assert!(refunds.contains(&norm(expected)), "{expected}: {refunds}");
        }
        let install = text_of("install");
        assert!(install.contains(&norm("Client version 2.1")), "{install}");
        assert!(install.contains(&norm("released in March")), "{install}");
        assert!(text_of("Billing policy").contains("Ctrl+P"));
        let start = text_of("Getting Started");
        assert!(start.contains(&norm("Keep every receipt.")), "{start}");
        assert!(start.contains(&norm("Prices exclude VAT")), "{start}");
        // A GitHub alert is a panel too.
        assert!(
            start.contains(&norm("Accounts are created by the team lead")),
            "{start}"
        );
    }

    #[test]
    fn template_tags_and_diagrams_print_literally() {
        let billing = text_of("Billing policy");
        assert!(
            billing.contains(&norm("{% include note.html %}")),
            "{billing}"
        );
        let faq = text_of("Frequently asked questions");
        assert!(faq.contains(&norm("graph TD")), "{faq}");
        assert!(faq.contains(&norm("Order --> Invoice")), "{faq}");
    }

    #[test]
    fn description_is_the_summary_when_there_is_none() {
        let pdf = built(&GITHUB).pdf();
        let chapters = chapters(pdf);
        let opening = norm(&pdf.text(chapter(&chapters, "Billing policy").mark.page));
        assert!(
            opening.contains(&norm("How and when we charge customers.")),
            "{opening}"
        );
    }

    #[test]
    fn images_from_the_project_root_assets_are_printed() {
        let widths = built(&GITHUB).pdf().image_widths();
        assert!(widths.contains(&1240), "/assets/overview.png: {widths:?}");
        assert!(text_of("Acme Billing Docs").contains(&norm("Architecture overview")));
    }

    #[test]
    fn duplicate_headings_are_told_apart() {
        // `#examples` and `#examples-1` land on different headings.
        let pdf = built(&GITHUB).pdf();
        let chapters = chapters(pdf);
        let first = target_mark(&chapters, To::Heading("Refunds", "Examples", 0)).unwrap();
        let second = target_mark(&chapters, To::Heading("Refunds", "Examples", 1)).unwrap();
        assert!(
            first.page != second.page
                || matches!((first.top, second.top), (Some(a), Some(b)) if (a - b).abs() > SAME_PLACE),
            "the two Examples headings must be distinguishable: {first:?} {second:?}"
        );
    }
}

// ---------------------------------------------------------------------------
// German and Japanese notes.

mod international {
    use super::*;

    fixture_tests!(INTERNATIONAL);

    #[test]
    fn the_missing_heading_is_reported_at_its_place() {
        let built = built(&INTERNATIONAL);
        let d = diagnostics(&built.json)
            .into_iter()
            .find(|d| d["code"] == "unresolved-anchor")
            .expect("an unresolved-anchor diagnostic");
        assert_eq!(d["severity"], "warning");
        assert_eq!(d["file"], "notes/recht/Straßenverkehr.md");
        assert!(
            d["message"].as_str().unwrap_or("").contains("Paragraph 99"),
            "{d}"
        );
    }

    #[test]
    fn headings_with_umlauts_and_japanese_are_bookmarked() {
        let pdf = built(&INTERNATIONAL).pdf();
        let chapters = chapters(pdf);
        let sections = |title: &str| -> Vec<String> {
            chapter(&chapters, title)
                .sections
                .iter()
                .map(|s| s.title.clone())
                .collect()
        };
        assert_eq!(
            sections("Mietrecht im Überblick"),
            [
                "Übergangsvorschrift",
                "Kündigung und Fristen",
                "Schönheitsreparaturen"
            ]
        );
        assert_eq!(sections("日本への旅"), ["始めに", "持ち物", "よくある質問"]);
    }
}

// ---------------------------------------------------------------------------
// Small projects made on the spot.

/// True when this file system keeps `Foo.md` and `foo.md` apart.
fn case_sensitive(dir: &Path) -> bool {
    let probe = dir.join("probe");
    std::fs::create_dir_all(&probe).unwrap();
    std::fs::write(probe.join("A"), "a").unwrap();
    std::fs::write(probe.join("a"), "b").unwrap();
    let distinct = std::fs::read_dir(&probe).unwrap().count() == 2;
    std::fs::remove_dir_all(&probe).unwrap();
    distinct
}

fn codes(json: &serde_json::Value) -> BTreeMap<(String, String), usize> {
    let mut out = BTreeMap::new();
    for d in diagnostics(json) {
        let key = (
            d["severity"].as_str().unwrap_or("").to_string(),
            d["code"].as_str().unwrap_or("<no code>").to_string(),
        );
        *out.entry(key).or_default() += 1;
    }
    out
}

fn assert_duplicate_id(dir: &Path) {
    for command in ["check", "build"] {
        let output = folio(dir, &[command, "--format", "json"]);
        assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
        let json = json_of(&output);
        let clashes: Vec<_> = diagnostics(&json)
            .into_iter()
            .filter(|d| d["code"] == "duplicate-id")
            .collect();
        assert!(!clashes.is_empty(), "{json}");
        for d in clashes {
            assert_eq!(d["severity"], "error", "{d}");
        }
    }
}

#[test]
fn names_that_slug_alike_in_one_folder_are_a_duplicate_id() {
    let dir = project(&[
        (
            "notes/Meeting Notes.md",
            "# Meeting notes\n\nSee [[other]].\n",
        ),
        (
            "notes/meeting_notes.md",
            "# More meeting notes\n\nSee [[other]].\n",
        ),
        ("notes/other.md", "# Other\n\nSee [[Meeting Notes]].\n"),
    ]);
    assert_duplicate_id(dir.path());
}

#[test]
fn names_differing_only_in_case_in_one_folder_are_a_duplicate_id() {
    let dir = tempfile::tempdir().unwrap();
    if !case_sensitive(dir.path()) {
        eprintln!("skipped: this file system does not tell Foo.md from foo.md");
        return;
    }
    let files = [
        ("notes/Foo.md", "# Foo\n\nSee [[other]].\n"),
        ("notes/foo.md", "# Small foo\n\nSee [[other]].\n"),
        ("notes/other.md", "# Other\n\nNothing else.\n"),
    ];
    for (path, text) in files {
        let full = dir.path().join(path);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(full, text).unwrap();
    }
    assert_duplicate_id(dir.path());
}

#[test]
fn an_embed_cycle_is_an_error_at_the_embed() {
    let dir = project(&[
        ("notes/A.md", "# Alpha\n\n![[B]]\n\nSee [[C]].\n"),
        ("notes/B.md", "# Beta\n\n![[A]]\n"),
        ("notes/C.md", "# Gamma\n\nBack to [[A]] and [[B]].\n"),
    ]);
    for command in ["check", "build"] {
        let output = folio(dir.path(), &[command, "--format", "json"]);
        assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
        let json = json_of(&output);
        let all = diagnostics(&json);
        let cycles: Vec<_> = all.iter().filter(|d| d["code"] == "embed-cycle").collect();
        assert!(!cycles.is_empty(), "{json}");
        for d in &cycles {
            assert_eq!(d["severity"], "error", "{d}");
            let place = (
                d["file"].as_str().unwrap_or(""),
                d["line"].as_u64(),
                d["column"].as_u64(),
            );
            assert!(
                place == ("notes/A.md", Some(3), Some(1))
                    || place == ("notes/B.md", Some(3), Some(1)),
                "at one of the two embeds: {d}"
            );
        }
        for d in &all {
            assert!(
                d["severity"] != "error" || d["code"] == "embed-cycle",
                "no other error: {d}"
            );
        }
    }
}

const ALPHA: &str = "# Alpha\n\nSee [[Beta]], [[Nowhere]], [[Lost page|the lost page]] and [old notes](old/notes.md).\n";

fn unresolved_project() -> tempfile::TempDir {
    project(&[
        ("notes/Alpha.md", ALPHA),
        ("notes/Beta.md", "# Beta\n\nBack to [[alpha]].\n"),
    ])
}

#[test]
fn unresolved_links_are_warnings_printed_as_the_written_text() {
    let dir = unresolved_project();
    let output = folio(dir.path(), &["build", "--format", "json"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let json = json_of(&output);
    let mut got: Vec<(String, String, u64, u64)> = diagnostics(&json)
        .iter()
        .map(|d| {
            (
                d["severity"].as_str().unwrap_or("").to_string(),
                d["code"].as_str().unwrap_or("").to_string(),
                d["line"].as_u64().unwrap_or(0),
                d["column"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    got.sort();
    let column = |needle: &str| ALPHA.lines().nth(2).unwrap().find(needle).unwrap() as u64 + 1;
    let mut expected = vec![
        (
            "warning".to_string(),
            "unresolved-link".to_string(),
            3,
            column("[[Nowhere]]"),
        ),
        (
            "warning".to_string(),
            "unresolved-link".to_string(),
            3,
            column("[[Lost page"),
        ),
        (
            "warning".to_string(),
            "unresolved-link".to_string(),
            3,
            column("[old notes]"),
        ),
    ];
    expected.sort();
    assert_eq!(got, expected);

    let pdf = Pdf::open(&dir.path().join("output/briefing-book.pdf"));
    let text = norm(&pdf.all_text());
    for shown in ["Nowhere", "the lost page", "old notes"] {
        assert!(
            text.contains(&format!("{}(notfound)", norm(shown))),
            "{shown} (not found): {text}"
        );
    }
    let beta = chapters(&pdf)
        .into_iter()
        .find(|c| c.mark.title == "Beta")
        .expect("Beta chapter")
        .mark
        .page;
    assert!(text.contains(&format!("Beta(p.{beta})")), "{text}");
    // Alpha's page links to Beta only (the text and its page number).
    let alpha = chapters(&pdf)
        .into_iter()
        .find(|c| c.mark.title == "Alpha")
        .expect("Alpha chapter");
    for annot in annotations(&pdf)
        .into_iter()
        .filter(|a| a.page == alpha.mark.page)
    {
        assert!(
            matches!(annot.target, Target::Internal(page, _) if page == beta),
            "only links to Beta on Alpha's page: {annot:?}"
        );
    }
}

#[test]
fn deny_warnings_turns_unresolved_links_into_errors() {
    let dir = unresolved_project();
    for command in ["check", "build"] {
        let output = folio(
            dir.path(),
            &[command, "--format", "json", "--deny-warnings"],
        );
        assert_eq!(
            output.status.code(),
            Some(1),
            "{command}: {}",
            stderr(&output)
        );
        let json = json_of(&output);
        assert_eq!(json["warnings"], 0);
        assert_eq!(json["errors"], 3);
        assert_eq!(
            codes(&json),
            BTreeMap::from([(("error".to_string(), "unresolved-link".to_string()), 3)])
        );
    }
}

#[test]
fn related_embeds_html_templates_and_drafts() {
    let main = "---\ntitle: Main\nrelated: [Side, Nobody Here]\n---\nIntro with a [[Side]] link.\n\n![[Missing chapter]]\n\nSite name: {{ site.title }}\n\nOdd markup: <blink>blinking</blink>\n";
    let dir = project(&[
        ("notes/Main.md", main),
        ("notes/Side.md", "# Side\n\nBack to [[Main]].\n"),
        (
            "notes/Later.md",
            "---\ndraft: true\n---\n# Later\n\nNot ready yet.\n",
        ),
    ]);
    let output = folio(dir.path(), &["build", "--format", "json"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let json = json_of(&output);
    let codes = codes(&json);
    let w = |code: &str| {
        codes
            .get(&("warning".to_string(), code.to_string()))
            .copied()
            .unwrap_or(0)
    };
    assert_eq!(w("unresolved-related"), 1, "{json}");
    assert_eq!(w("unresolved-embed"), 1, "{json}");
    assert_eq!(w("template-tag"), 1, "{json}");
    assert!(
        (1..=2).contains(&w("raw-html")),
        "<blink> is unknown HTML: {json}"
    );
    let known = [
        "unresolved-related",
        "unresolved-embed",
        "template-tag",
        "raw-html",
    ];
    for (severity, code) in codes.keys() {
        assert!(
            severity == "warning" && known.contains(&code.as_str()),
            "unexpected {severity} {code}: {json}"
        );
    }
    for d in diagnostics(&json) {
        assert_ne!(
            d["file"], "notes/Later.md",
            "a draft is simply left out: {d}"
        );
    }
    let place = |code: &str| {
        let d = diagnostics(&json)
            .into_iter()
            .find(|d| d["code"] == code)
            .unwrap();
        (d["line"].as_u64().unwrap(), d["column"].as_u64().unwrap())
    };
    assert_eq!(place("unresolved-embed"), (7, 1));
    assert_eq!(place("template-tag"), (9, 12));
    assert_eq!(place("unresolved-related").0, 3);

    let pdf = Pdf::open(&dir.path().join("output/briefing-book.pdf"));
    let mut titles: Vec<String> = chapters(&pdf).into_iter().map(|c| c.mark.title).collect();
    titles.sort();
    assert_eq!(titles, ["Main", "Side"]);
    let text = norm(&pdf.all_text());
    assert!(!text.contains("Notreadyyet."), "{text}");
    assert!(text.contains("{{site.title}}"), "{text}");
    assert!(text.contains("blinking"), "{text}");
}

/// A page and, where known, the height on it.
type Place = (u32, Option<f32>);
