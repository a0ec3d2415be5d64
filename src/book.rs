//! What each document contains, and the data a layout receives.
//!
//! This stage turns settings, notes and the link graph into document plans:
//! which notes a pack holds, in which order, and the JSON a layout reads
//! (`/__folio__/pack.json`, the layout contract in the README). It decides
//! content only; typesetting is the render stage's job.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::Serialize;

use crate::config::{Book, Config, Pack, split_lang};
use crate::diag::{Diagnostic, Report};
use crate::edition::{Previous, Recipient, Status};
use crate::links::Graph;
use crate::notes::{Corpus, Note};
use crate::values::Date;

/// Version of the layout contract; bumped when a field changes meaning.
pub const CONTRACT_VERSION: u32 = 1;

/// What kind of file a document is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Pack,
    Handout,
}

/// One PDF to write.
#[derive(Debug, Clone)]
pub struct DocumentPlan {
    /// The pack's name, or the note id for a handout.
    pub name: String,
    pub kind: Kind,
    /// Path relative to the output folder, `/`-separated.
    pub output: String,
    pub note_ids: Vec<String>,
    pub layout: String,
    /// PDF standards to conform to (PDF/A, PDF/UA).
    pub standards: Vec<typst_pdf::PdfStandard>,
    /// How the document's images are prepared.
    pub images: ImageTarget,
    pub data: PackData,
    /// Numbered copies to write instead of one PDF (empty: one PDF).
    pub copies: Vec<Recipient>,
}

impl DocumentPlan {
    /// How the document is named to readers ("Compendium").
    pub fn display_title(&self) -> &str {
        self.data.pack.title.as_deref().unwrap_or(&self.name)
    }
}

/// The layout contract: everything a layout is given about its document.
#[derive(Debug, Clone, Serialize)]
pub struct PackData {
    pub contract: u32,
    pub folio_version: &'static str,
    pub book: BookData,
    pub pack: PackInfo,
    /// The notes of this document, in order.
    pub notes: Vec<NoteData>,
    /// Every note of the project by id (also those outside this document),
    /// so references to them can still print a title.
    pub catalog: Catalog,
    /// Tags of this document's notes, alphabetically, with their notes.
    pub tags: Vec<TagEntry>,
    /// What changed since the previous edition; none without one, or when
    /// nothing in this document changed.
    pub changes: Option<Changes>,
    /// The works this document's notes cite; none when they cite nothing
    /// (or it has no bibliography file: every citation is then "not found").
    pub bibliography: Option<BibliographyData>,
}

/// The "Changes in this edition" page: this document against the same
/// document of the previous edition.
#[derive(Debug, Clone, Serialize)]
pub struct Changes {
    /// The previous edition's date.
    pub since: Option<String>,
    /// Notes of this document that the previous one did not hold.
    pub added: Vec<String>,
    pub withdrawn: Vec<Withdrawn>,
    pub revised: Vec<Revised>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Withdrawn {
    pub id: String,
    pub title: String,
    /// The date of the edition it was last in.
    pub last_edition: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Revised {
    pub id: String,
    /// Sections with new or changed blocks, in order: the heading's label
    /// slug and text; slug none for the text before the first heading.
    pub sections: Vec<RevisedSection>,
    /// The title, summary or other opener data changed.
    pub opener: bool,
    /// Blocks of the previous edition are gone.
    pub removed: bool,
    /// Its blocks are those of the previous edition in another order.
    pub reordered: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RevisedSection {
    pub slug: Option<String>,
    pub title: Option<String>,
}

/// What a layout needs to place the reference list.
#[derive(Debug, Clone, Serialize)]
pub struct BibliographyData {
    /// The bibliography files, as absolute paths inside the project
    /// (`/references.bib`): folio.toml's, then the notes' own.
    pub sources: Vec<String>,
    /// A CSL style name Typst knows, or a `.csl` file's absolute path.
    pub style: String,
    /// How the style cites (CSL's citation-format): `author-date`,
    /// `author`, `numeric`, `label`, `note` or `unknown`.
    pub format: &'static str,
    /// Keys cited in this document that none of its files has: they print
    /// as "(not found)" (Typst would refuse the document).
    pub missing: Vec<String>,
}

/// The resolution and width a document's images are prepared for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ImageTarget {
    pub variant: crate::config::Variant,
    pub dpi: u32,
    /// The text width in hundredths of an inch (an integer, so the target
    /// can be a map key and part of a cache key).
    pub width_centi_in: u32,
}

/// Book settings as one document sees them (a pack may override some).
#[derive(Debug, Clone, Serialize)]
pub struct BookData {
    pub title: String,
    pub subtitle: Option<String>,
    pub organisation: Option<String>,
    /// The book's date (YYYY-MM-DD), or none when nothing gives one: no
    /// `date` in folio.toml, no SOURCE_DATE_EPOCH, no note with a date.
    pub date: Option<String>,
    /// The book's own marking.
    pub classification: Option<String>,
    /// The highest marking of the book and this document's notes: what the
    /// cover, contents and appendix carry.
    pub marking: Option<String>,
    pub classification_levels: Vec<String>,
    pub paper: &'static str,
    pub duplex: bool,
    /// Extra inner margin for binding, in points.
    pub binding_offset_pt: f64,
    pub lang: String,
    /// The region of `[book] lang` (`en-GB` → `GB`), for Typst's `region`.
    pub region: Option<String>,
    pub font: String,
    pub heading_font: String,
    /// Families tried, in order, after `font` and `heading_font` (and the
    /// built-in fonts) for characters they lack: `fallback_fonts` of the
    /// pack, else of the book.
    pub fallback_fonts: Vec<String>,
    pub watermark: Option<String>,
    pub notes_pages: u32,
    /// Bars beside changed blocks (only with a previous edition).
    pub revision_bars: bool,
    /// Numbered copies carry the recipient's name behind every page.
    pub copy_watermark: bool,
}

/// Fonts the built-in layouts use unless folio.toml names others.
pub const DEFAULT_FONT: &str = "Libertinus Serif";
pub const DEFAULT_HEADING_FONT: &str = "Inter";

#[derive(Debug, Clone, Serialize)]
pub struct PackInfo {
    pub name: String,
    pub title: Option<String>,
    pub kind: Kind,
}

#[derive(Debug, Clone, Serialize)]
pub struct NoteData {
    pub id: String,
    pub title: String,
    /// A shorter title for running heads (front matter `short_title`).
    pub short_title: Option<String>,
    pub subtitle: Option<String>,
    pub date: Option<String>,
    pub authors: Vec<String>,
    pub summary: Option<String>,
    pub tags: Vec<String>,
    pub classification: Option<String>,
    pub related: Vec<String>,
    pub references: Vec<String>,
    pub referenced_by: Vec<String>,
    pub file: String,
    /// The note's language (front matter `lang`) as an ISO 639 code, and
    /// its region: the chapter is hyphenated, quoted and (for `ar`, `fa`,
    /// `he`, `ur` …) set right to left in it. None: the book's.
    pub lang: Option<String>,
    pub region: Option<String>,
    /// Against the previous edition: `new` (its opener says so),
    /// `revised` (changed blocks carry bars), `unchanged`; none without a
    /// previous edition.
    pub status: Option<Status>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CatalogEntry {
    pub title: String,
    /// A shorter title for running heads (front matter `short_title`).
    pub short_title: Option<String>,
    pub subtitle: Option<String>,
    pub date: Option<String>,
    pub summary: Option<String>,
    /// The summary's first sentence, for one-line listings.
    pub brief: Option<String>,
    pub classification: Option<String>,
    /// The note's language code (front matter `lang`), so that page
    /// furniture can follow a right-to-left chapter.
    pub lang: Option<String>,
}

/// Every note of the project by id, shared by all documents of a run (one
/// copy, not one per document), with which of them this document holds.
/// Serialised as `{id: {…entry, "in_pack": bool}}`: `in_pack` is a lookup
/// layouts can afford for every reference, unlike a search of `notes`.
#[derive(Debug, Clone)]
pub struct Catalog {
    entries: std::sync::Arc<BTreeMap<String, CatalogEntry>>,
    in_pack: BTreeSet<String>,
}

impl Catalog {
    pub fn get(&self, id: &str) -> Option<&CatalogEntry> {
        self.entries.get(id)
    }

    pub fn in_pack(&self, id: &str) -> bool {
        self.in_pack.contains(id)
    }
}

impl Serialize for Catalog {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Row<'a> {
            #[serde(flatten)]
            entry: &'a CatalogEntry,
            in_pack: bool,
        }
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(self.entries.len()))?;
        for (id, entry) in self.entries.iter() {
            let in_pack = self.in_pack.contains(id);
            map.serialize_entry(id, &Row { entry, in_pack })?;
        }
        map.end()
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct TagEntry {
    pub name: String,
    pub notes: Vec<String>,
}

/// What a build compares with and hands out: the previous edition and the
/// recipients of numbered copies (`--copies`).
#[derive(Debug, Clone, Copy, Default)]
pub struct EditionInputs<'a> {
    pub previous: Option<&'a Previous>,
    pub recipients: Option<&'a [Recipient]>,
}

/// The date printed in the book: folio.toml's, else SOURCE_DATE_EPOCH, else
/// the newest note's; never the clock. None when nothing gives one.
pub fn book_date(book: &Book, corpus: &Corpus) -> Option<Date> {
    book.date
        .as_ref()
        .and_then(|d| Date::parse(&d.get_ref().0))
        .or_else(|| {
            std::env::var("SOURCE_DATE_EPOCH")
                .ok()?
                .trim()
                .parse()
                .ok()
                .and_then(Date::from_unix)
        })
        .or_else(|| corpus.notes.iter().filter_map(|n| n.date).max())
}

/// The PDF's creation date when the book has none. PDF/A requires one, and
/// the output must not depend on when it is built, so it is a fixed value;
/// nothing prints it.
pub const UNDATED: Date = Date {
    year: 1970,
    month: 1,
    day: 1,
};

impl DocumentPlan {
    /// The date stamped into the PDF's metadata: the book's, else [`UNDATED`].
    pub fn pdf_date(&self) -> Date {
        self.data
            .book
            .date
            .as_deref()
            .and_then(Date::parse)
            .unwrap_or(UNDATED)
    }
}

/// Plans the chosen packs of the configuration, then (if enabled) one
/// handout per note.
pub fn plan(
    config: &Config,
    corpus: &Corpus,
    graph: &Graph,
    project_name: &str,
    edition: &EditionInputs,
    report: &mut Report,
) -> Vec<DocumentPlan> {
    let date = book_date(&config.book, corpus);
    let settings = &config.book;
    let book = book_data(settings, project_name, date);
    for note in &corpus.notes {
        if let Some(lang) = note.lang.as_deref().filter(|l| split_lang(l).is_none()) {
            report.push(
                Diagnostic::warning(format!(
                    "`lang: {lang}` is not a language code; the book's language is used"
                ))
                .at(&note.path, 0..0)
                .hint("write an ISO 639 code, optionally with a region: en, de, fr-CA, pt-BR, ar"),
            );
        }
        if let Some((level, at)) = &note.classification
            && !settings.classification_levels.contains(level)
        {
            report.push(
                Diagnostic::error(format!("`{level}` is not one of the classification levels"))
                    .at(&note.path, at.clone())
                    .hint(format!(
                        "the levels (classification_levels in folio.toml) are: {}",
                        settings.classification_levels.join(", ")
                    )),
            );
        }
    }
    let catalog: std::sync::Arc<BTreeMap<String, CatalogEntry>> = std::sync::Arc::new(
        corpus
            .notes
            .iter()
            .map(|n| (n.id.clone(), catalog_entry(n)))
            .collect(),
    );
    let shared = Shared {
        edition,
        corpus,
        graph,
        settings,
        book,
        catalog,
    };
    let mut plans = Vec::new();
    for pack in &config.packs {
        let ids = select(pack, corpus, &config.path, report);
        // The implicit pack is only empty when no note could be read, which
        // has been reported already.
        let implicit = pack.implicit;
        if ids.is_empty() && implicit {
            continue;
        }
        if ids.is_empty() {
            report.push(
                Diagnostic::error(format!("pack `{}` contains no notes", pack.name()))
                    .at(&config.path, pack.span.clone())
                    .hint("check its `notes` and `tags`"),
            );
            continue;
        }
        let layout = pack.layout.as_deref().unwrap_or(&config.book.layout);
        plans.push(plan_document(
            &shared,
            pack.name(),
            pack.title.clone(),
            Kind::Pack,
            ids,
            layout,
            Some(pack),
        ));
    }
    if config.handouts.enabled {
        for note in &corpus.notes {
            let title = Some(note.title.clone());
            plans.push(plan_document(
                &shared,
                &note.id,
                title,
                Kind::Handout,
                vec![note.id.clone()],
                &config.handouts.layout,
                None,
            ));
        }
    }
    warn_missing_citations(&plans, corpus, report);
    plans
}

/// The book's settings as layouts receive them, before a pack's overrides.
fn book_data(settings: &Book, project_name: &str, date: Option<Date>) -> BookData {
    BookData {
        title: settings
            .title
            .clone()
            .unwrap_or_else(|| project_name.to_string()),
        subtitle: settings.subtitle.clone(),
        organisation: settings.organisation.clone(),
        date: date.map(|d| d.to_string()),
        classification: settings
            .classification
            .as_ref()
            .map(|c| c.get_ref().clone()),
        marking: None,
        classification_levels: settings.classification_levels.clone(),
        paper: settings.paper.typst_name(),
        duplex: settings.duplex,
        binding_offset_pt: crate::config::length_pt(settings.binding_offset.get_ref())
            .unwrap_or(0.0),
        lang: split_lang(&settings.lang).map_or_else(|| "en".to_string(), |(lang, _)| lang),
        region: split_lang(&settings.lang).and_then(|(_, region)| region),
        font: settings
            .font
            .as_ref()
            .map_or(DEFAULT_FONT, |f| f.get_ref())
            .to_string(),
        heading_font: settings
            .heading_font
            .as_ref()
            .map_or(DEFAULT_HEADING_FONT, |f| f.get_ref())
            .to_string(),
        fallback_fonts: families(&settings.fallback_fonts),
        watermark: settings.watermark.clone(),
        notes_pages: settings.notes_pages,
        revision_bars: settings.revision_bars,
        copy_watermark: settings.copy_watermark,
    }
}

/// What every document of a run is planned from.
struct Shared<'a> {
    edition: &'a EditionInputs<'a>,
    corpus: &'a Corpus,
    graph: &'a Graph,
    settings: &'a Book,
    /// The book's data before a pack's overrides.
    book: BookData,
    /// One catalog for all documents.
    catalog: std::sync::Arc<BTreeMap<String, CatalogEntry>>,
}

/// One document: a pack (with its settings) or a handout (`pack` none).
fn plan_document(
    shared: &Shared,
    name: &str,
    title: Option<String>,
    kind: Kind,
    ids: Vec<String>,
    layout: &str,
    pack: Option<&Pack>,
) -> DocumentPlan {
    let Shared {
        corpus,
        graph,
        settings,
        book,
        catalog,
        ..
    } = shared;
    let previous = shared.edition.previous;
    let notes: Vec<NoteData> = ids
        .iter()
        .filter_map(|id| corpus.get(id))
        .map(|n| NoteData {
            status: previous.map(|p| crate::edition::status(n, p)),
            ..note_data(n, graph)
        })
        .collect();
    // The pack's overrides, resolved once for the layout data and the images.
    let paper = pack.and_then(|p| p.paper).unwrap_or(settings.paper);
    let mut book = book.clone();
    book.paper = paper.typst_name();
    if let Some(pack) = pack {
        book.duplex = pack.duplex.unwrap_or(book.duplex);
        book.watermark = pack.watermark.clone().or(book.watermark);
        book.notes_pages = pack.notes_pages.unwrap_or(book.notes_pages);
        book.revision_bars = pack.revision_bars.unwrap_or(book.revision_bars);
        book.copy_watermark = pack.copy_watermark.unwrap_or(book.copy_watermark);
        if let Some(fallback) = &pack.fallback_fonts {
            book.fallback_fonts = families(fallback);
        }
    }
    // An empty watermark switches the book's off for this pack.
    book.watermark = book.watermark.filter(|w| !w.trim().is_empty());
    let levels = &book.classification_levels;
    let rank = |level: &String| levels.iter().position(|l| l == level);
    book.marking = book
        .classification
        .iter()
        .chain(notes.iter().filter_map(|n| n.classification.as_ref()))
        .max_by_key(|level| rank(level))
        .cloned();
    let catalog = Catalog {
        entries: catalog.clone(),
        in_pack: ids.iter().cloned().collect(),
    };
    let data = PackData {
        contract: CONTRACT_VERSION,
        folio_version: env!("CARGO_PKG_VERSION"),
        book: book.clone(),
        pack: PackInfo {
            name: name.to_string(),
            title,
            kind,
        },
        tags: tag_index(&notes),
        changes: previous.and_then(|p| changes(corpus, p, &output_path(name, kind), &notes)),
        bibliography: bibliography_data(shared, &ids, pack),
        notes,
        catalog,
    };
    let output = output_path(name, kind);
    let copies = match (kind, shared.edition.recipients, pack.and_then(|p| p.copies)) {
        (Kind::Pack, Some(recipients), _) => recipients.to_vec(),
        (Kind::Pack, None, Some(count)) => crate::edition::unnamed_copies(count),
        _ => Vec::new(),
    };
    let standards = settings
        .pdf_standard
        .get_ref()
        .as_slice()
        .iter()
        .filter_map(|s| crate::config::parse_standard(s))
        .collect();
    let variant = pack.and_then(|p| p.variant).unwrap_or(settings.variant);
    let images = ImageTarget {
        variant,
        dpi: match variant {
            crate::config::Variant::Print => settings.image_dpi,
            crate::config::Variant::Screen => settings.image_dpi.min(150),
        },
        width_centi_in: (paper.text_width_in() * 100.0).round() as u32,
    };
    DocumentPlan {
        name: name.to_string(),
        kind,
        output,
        note_ids: ids,
        layout: layout.to_string(),
        standards,
        images,
        data,
        copies,
    }
}

fn output_path(name: &str, kind: Kind) -> String {
    match kind {
        Kind::Pack => format!("{name}.pdf"),
        Kind::Handout => format!("handouts/{name}.pdf"),
    }
}

/// The changes page's data: this document against the previous edition's
/// document of the same path (or the whole previous edition, for a
/// document it did not have). None when nothing changed.
fn changes(
    corpus: &Corpus,
    previous: &Previous,
    output: &str,
    notes: &[NoteData],
) -> Option<Changes> {
    let before: Vec<&str> = match previous.documents.get(output) {
        Some(ids) => ids.iter().map(String::as_str).collect(),
        None => previous.record.notes.keys().map(String::as_str).collect(),
    };
    let now: BTreeSet<&str> = notes.iter().map(|n| n.id.as_str()).collect();
    let added: Vec<String> = notes
        .iter()
        .filter(|n| !before.contains(&n.id.as_str()))
        .map(|n| n.id.clone())
        .collect();
    let withdrawn: Vec<Withdrawn> = before
        .iter()
        .filter(|id| !now.contains(*id))
        .map(|id| Withdrawn {
            id: id.to_string(),
            title: previous
                .record
                .notes
                .get(*id)
                .map_or_else(|| id.to_string(), |n| n.title.clone()),
            last_edition: previous.record.date.clone(),
        })
        .collect();
    let revised: Vec<Revised> = notes
        .iter()
        .filter(|n| before.contains(&n.id.as_str()) && n.status == Some(Status::Revised))
        .filter_map(|n| corpus.get(&n.id))
        .map(|note| revised(note, previous))
        .collect();
    if added.is_empty() && withdrawn.is_empty() && revised.is_empty() {
        return None;
    }
    Some(Changes {
        since: previous.record.date.clone(),
        added,
        withdrawn,
        revised,
    })
}

fn revised(note: &Note, previous: &Previous) -> Revised {
    let mut sections: Vec<RevisedSection> = Vec::new();
    for block in note.body.blocks.iter().filter(|b| b.revised) {
        let section = RevisedSection {
            slug: block.section.clone(),
            title: block.section.as_ref().and_then(|slug| {
                note.body
                    .headings
                    .iter()
                    .find(|h| &h.slug == slug)
                    .map(|h| h.text.clone())
            }),
        };
        if !sections.contains(&section) {
            sections.push(section);
        }
    }
    let now: BTreeSet<&str> = note.body.blocks.iter().map(|b| b.hash.as_str()).collect();
    let before = previous.record.notes.get(&note.id);
    // An edited block is one hash gone and one new: only more gone than new
    // means text was taken out.
    let gone = before.map_or(0, |b| {
        b.blocks
            .iter()
            .filter(|h| !now.contains(h.as_str()))
            .count()
    });
    let new = note.body.blocks.iter().filter(|b| b.revised).count();
    let opener = before.is_some_and(|b| b.meta != crate::edition::meta_hash(note));
    let removed = gone > new;
    Revised {
        id: note.id.clone(),
        reordered: sections.is_empty() && !opener && !removed,
        sections,
        opener,
        removed,
    }
}

/// The document's bibliography: the files of folio.toml (the pack's list,
/// else the book's) and of its notes' front matter, and its style.
fn bibliography_data(
    shared: &Shared,
    ids: &[String],
    pack: Option<&Pack>,
) -> Option<BibliographyData> {
    let notes: Vec<&Note> = ids.iter().filter_map(|id| shared.corpus.get(id)).collect();
    let cited: BTreeSet<&str> = notes
        .iter()
        .flat_map(|n| n.body.citations.iter().map(|c| c.key.as_str()))
        .collect();
    if cited.is_empty() {
        return None;
    }
    let library = &shared.corpus.library;
    let named = pack
        .and_then(|p| p.bibliography.as_ref())
        .unwrap_or(&shared.settings.bibliography);
    let mut sources: Vec<String> = Vec::new();
    let config_files = named
        .iter()
        .filter_map(|name| crate::markup::normalize("", name.get_ref()));
    let note_files = notes.iter().flat_map(|n| n.bibliography.iter().cloned());
    for file in config_files.chain(note_files) {
        if library.is_loaded(&file) && !sources.contains(&file) {
            sources.push(file);
        }
    }
    if sources.is_empty() {
        return None;
    }
    let defined = library.keys_of(&sources);
    let missing = cited
        .into_iter()
        .filter(|key| !defined.contains(key))
        .map(str::to_string)
        .collect();
    let style = pack
        .and_then(|p| p.citation_style.as_ref())
        .or(shared.settings.citation_style.as_ref())
        .map(|s| s.get_ref().as_str());
    Some(BibliographyData {
        sources: sources.iter().map(|s| format!("/{s}")).collect(),
        style: crate::cite::style_for_layout(style),
        format: library.citation_format(style),
        missing,
    })
}

/// A citation of a key that some bibliography of the project has, but not
/// one of a document that holds the note: a warning at the citation (a key
/// no file has was reported when the note was read).
fn warn_missing_citations(plans: &[DocumentPlan], corpus: &Corpus, report: &mut Report) {
    let mut warned = BTreeSet::new();
    for plan in plans {
        let bibliography = plan.data.bibliography.as_ref();
        for note in plan.note_ids.iter().filter_map(|id| corpus.get(id)) {
            for citation in &note.body.citations {
                let key = citation.key.as_str();
                if bibliography.is_some_and(|b| !b.missing.iter().any(|m| m == key)) {
                    continue;
                }
                let Some(owner) = corpus.library.owner(key) else {
                    continue;
                };
                if warned.insert((note.id.clone(), citation.range.start)) {
                    let what = match plan.kind {
                        Kind::Pack => format!("pack `{}`", plan.name),
                        Kind::Handout => format!("the handout `{}`", plan.name),
                    };
                    report.push(
                        Diagnostic::warning(format!(
                            "citation `@{key}` is not in the bibliography of {what}"
                        ))
                        .at(&note.path, citation.range.clone())
                        .hint(format!(
                            "`{owner}` has it: add it to the `bibliography` of the pack (or of the note's front matter); it prints as “(not found)”"
                        ))
                        .with_code(crate::diag::Code::UnresolvedCitation),
                    );
                }
            }
        }
    }
}

fn families(list: &[toml::Spanned<String>]) -> Vec<String> {
    list.iter().map(|f| f.get_ref().clone()).collect()
}

/// Warns about notes that no pack holds: they would be in no document.
pub fn warn_unpacked(corpus: &Corpus, plans: &[DocumentPlan], report: &mut Report) {
    for note in &corpus.notes {
        let packed = plans
            .iter()
            .any(|p| p.kind == Kind::Pack && p.note_ids.contains(&note.id));
        if !packed {
            report.push(
                Diagnostic::warning(format!("note `{}` is in no pack", note.id))
                    .at(&note.path, 0..0)
                    .hint("add it to a pack's `notes` or give it one of a pack's `tags` in folio.toml"),
            );
        }
    }
}

/// Where a note outside a document can be found: the first pack of the run
/// (in folio.toml order) that holds it, with its page once that is known.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Elsewhere {
    pub pack: String,
    pub title: String,
    pub page: Option<usize>,
}

/// For one document, every note it refers to but does not hold that another
/// pack of this run holds. `pages` gives each planned document's note pages
/// as far as they are known.
pub fn elsewhere(
    plans: &[DocumentPlan],
    index: usize,
    pages: &[BTreeMap<String, usize>],
) -> BTreeMap<String, Elsewhere> {
    held_elsewhere(plans, index)
        .map(|(id, i)| {
            let holder = &plans[i];
            (
                id.to_string(),
                Elsewhere {
                    pack: holder.name.clone(),
                    title: holder.display_title().to_string(),
                    page: pages.get(i).and_then(|p| p.get(id)).copied(),
                },
            )
        })
        .collect()
}

/// The other documents whose pages a document prints (see [`elsewhere`]).
pub fn depends_on(plans: &[DocumentPlan], index: usize) -> BTreeSet<usize> {
    held_elsewhere(plans, index).map(|(_, i)| i).collect()
}

/// Every note a document refers to but does not hold, with the index of the
/// first pack of the run that holds it.
fn held_elsewhere(plans: &[DocumentPlan], index: usize) -> impl Iterator<Item = (&str, usize)> {
    let plan = &plans[index];
    let mut wanted: BTreeSet<&str> = BTreeSet::new();
    for note in &plan.data.notes {
        wanted.extend(
            note.references
                .iter()
                .chain(&note.related)
                .map(String::as_str),
        );
    }
    wanted
        .into_iter()
        .filter(|id| !plan.note_ids.iter().any(|n| n == id))
        .filter_map(move |id| {
            let holder = (0..plans.len()).find(|&i| {
                let p = &plans[i];
                i != index && p.kind == Kind::Pack && p.note_ids.iter().any(|n| n == id)
            })?;
            Some((id, holder))
        })
}

/// The notes of a pack: those named in `notes` in that order, then every
/// other note carrying one of `tags`, then (optionally) their related notes.
/// An id that names no note is an error at its place in folio.toml.
pub fn select(
    pack: &Pack,
    corpus: &Corpus,
    config_path: &Path,
    report: &mut Report,
) -> Vec<String> {
    let mut chosen: Vec<String> = Vec::new();
    let add = |id: &str, chosen: &mut Vec<String>| {
        if !chosen.iter().any(|c| c == id) {
            chosen.push(id.to_string());
        }
    };
    for pattern in &pack.notes {
        let mut matched = false;
        for note in &corpus.notes {
            if wildcard_match(pattern.get_ref(), &note.id) {
                matched = true;
                add(&note.id, &mut chosen);
            }
        }
        let is_glob = pattern.get_ref().contains(['*', '?']);
        if !matched && !is_glob {
            let mut diagnostic = Diagnostic::error(format!(
                "pack `{}` names an unknown note `{}`",
                pack.name(),
                pattern.get_ref()
            ))
            .at(config_path, pattern.span());
            if let Some(best) = crate::names::did_you_mean(pattern.get_ref(), corpus.ids()) {
                diagnostic = diagnostic.hint(format!("did you mean `{best}`?"));
            }
            report.push(diagnostic);
        }
    }
    for note in &corpus.notes {
        if note.tags.iter().any(|t| pack.tags.contains(t)) {
            add(&note.id, &mut chosen);
        }
    }
    if pack.include_related {
        let selected: Vec<String> = chosen.clone();
        for id in &selected {
            if let Some(note) = corpus.get(id) {
                for (related, _) in &note.related {
                    if corpus.get(related).is_some() {
                        add(related, &mut chosen);
                    }
                }
            }
        }
    }
    chosen
}

/// `*` matches any run of characters, `?` any one; everything else itself.
pub fn wildcard_match(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

fn note_data(note: &Note, graph: &Graph) -> NoteData {
    NoteData {
        id: note.id.clone(),
        title: note.title.clone(),
        short_title: note.short_title.clone(),
        subtitle: note.subtitle.clone(),
        date: note.date.map(|d| d.to_string()),
        authors: note.authors.clone(),
        summary: note.summary.clone(),
        tags: note.tags.clone(),
        classification: note.classification.as_ref().map(|(level, _)| level.clone()),
        related: note
            .related
            .iter()
            .map(|(id, _)| id.clone())
            .filter(|id| graph.references.contains_key(id))
            .collect(),
        references: graph.references(&note.id).to_vec(),
        referenced_by: graph.referenced_by(&note.id).to_vec(),
        file: note.rel_path.clone(),
        lang: note
            .lang
            .as_deref()
            .and_then(split_lang)
            .map(|(lang, _)| lang),
        region: note
            .lang
            .as_deref()
            .and_then(split_lang)
            .and_then(|(_, region)| region),
        status: None,
    }
}

fn catalog_entry(note: &Note) -> CatalogEntry {
    CatalogEntry {
        title: note.title.clone(),
        short_title: note.short_title.clone(),
        subtitle: note.subtitle.clone(),
        date: note.date.map(|d| d.to_string()),
        summary: note.summary.clone(),
        brief: note.summary.as_deref().map(brief),
        classification: note.classification.as_ref().map(|(level, _)| level.clone()),
        lang: note
            .lang
            .as_deref()
            .and_then(split_lang)
            .map(|(lang, _)| lang),
    }
}

/// The first sentence of a summary, cut at a word if it runs long.
pub fn brief(summary: &str) -> String {
    const MAX: usize = 150;
    let summary = summary.trim();
    let first = summary
        .char_indices()
        .find(|&(i, c)| c == '.' && summary[i + 1..].starts_with(' '))
        .map_or(summary, |(i, _)| &summary[..=i]);
    if first.chars().count() <= MAX {
        return first.to_string();
    }
    let cut: String = first.chars().take(MAX).collect();
    let cut = cut.rsplit_once(' ').map_or(cut.as_str(), |(head, _)| head);
    format!("{}…", cut.trim_end_matches([',', ';', ':']))
}

fn tag_index(notes: &[NoteData]) -> Vec<TagEntry> {
    let names: BTreeSet<&String> = notes.iter().flat_map(|n| &n.tags).collect();
    let mut tags: Vec<TagEntry> = names
        .into_iter()
        .map(|name| TagEntry {
            name: name.clone(),
            notes: notes
                .iter()
                .filter(|n| n.tags.contains(name))
                .map(|n| n.id.clone())
                .collect(),
        })
        .collect();
    tags.sort_by_key(|t| t.name.to_lowercase());
    tags
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards() {
        assert!(wildcard_match("*", "anything"));
        assert!(wildcard_match("ssr-*", "ssr-best-practices"));
        assert!(wildcard_match("*-reform", "defense-sector-reform"));
        assert!(wildcard_match("t?reat*", "threat-assessments"));
        assert!(!wildcard_match("ssr-*", "defense-sector-reform"));
        assert!(!wildcard_match("threat", "threat-assessments"));
    }

    #[test]
    fn brief_keeps_the_first_sentence() {
        assert_eq!(brief("One thing. Another."), "One thing.");
        assert_eq!(brief("No full stop"), "No full stop");
        let long = "word ".repeat(60);
        assert!(brief(&long).ends_with('…') && brief(&long).chars().count() <= 151);
    }
}
