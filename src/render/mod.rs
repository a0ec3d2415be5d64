//! Typesetting: compile each planned document with Typst and export it.
//!
//! This module compiles one document over the shared [`Base`] and exports
//! it; [`schedule`] lays out every document of a build (after the documents
//! whose pages it prints, in parallel with the others) and writes them;
//! [`locate`] maps
//! Typst's diagnostics back to the note or layout that caused them;
//! [`emit`] writes the Typst sources for other front ends.

mod converge;
mod copies;
mod emit;
mod locate;
mod schedule;

pub use converge::Start;
pub use emit::emit_typst;
pub use schedule::{Built, Job, build_all};

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use typst::foundations::{Datetime, Label, Smart};
use typst::introspection::Introspector;
use typst::syntax::{FileId, Source};
use typst::utils::PicoStr;
use typst_layout::PagedDocument;
use typst_pdf::{PdfOptions, PdfStandards, Timestamp};

use crate::book::{DocumentPlan, Elsewhere, Kind};
use crate::diag::{Diagnostic, Report};
use crate::edition::Recipient;
use crate::markup::{self, escape};
use crate::notes::Corpus;
use crate::values::Date;
use crate::world::{self, Base, DocumentWorld, Fonts};

/// Every converted body starts with this line; offsets past it map to the note.
pub const NOTE_PRELUDE: &str = "#import \"/layouts/prelude.typ\": *\n";

/// A document that was typeset and written.
#[derive(Debug, Clone)]
pub struct Written {
    pub name: String,
    pub kind: Kind,
    /// Path relative to the output folder, `/`-separated.
    pub output: String,
    pub path: PathBuf,
    pub pages: usize,
    pub bytes: usize,
    pub sha256: String,
    pub note_ids: Vec<String>,
    /// The edition's date (the book's), if it has one.
    pub date: Option<String>,
    /// The numbered copy this file is, and its recipient.
    pub copy: Option<crate::edition::Recipient>,
    /// Page PNGs and the contact sheet, when previews were asked for.
    pub previews: Vec<WrittenPreview>,
    /// The font files the PDF embeds.
    pub fonts: Vec<crate::fonts::EmbeddedFont>,
}

#[derive(Debug, Clone)]
pub struct WrittenPreview {
    /// Path relative to the output folder.
    pub output: String,
    pub bytes: usize,
    pub sha256: String,
    pub sheet: bool,
}

/// The shared Typst base for a corpus: fonts, library, every note's body
/// (edited from `previous`, the last build's sources, where it has them).
pub fn base(
    root: &Path,
    corpus: &Corpus,
    fonts: Fonts,
    mut previous: HashMap<FileId, Source>,
) -> Base {
    let mut base = Base::new(root, fonts);
    for note in &corpus.notes {
        let path = world::note_path(&note.id);
        let before = previous.remove(&world::virtual_id(&path));
        base.add_generated(&path, format!("{NOTE_PRELUDE}{}", note.body.typst), before);
    }
    base
}

/// The generated main file: document metadata, then the layout's `book`.
pub fn main_source(plan: &DocumentPlan, corpus: &Corpus) -> String {
    let data = &plan.data;
    let title = match &data.pack.title {
        Some(pack) => format!("{} — {pack}", data.book.title),
        None => data.book.title.clone(),
    };
    let mut authors: Vec<&str> = Vec::new();
    if let Some(organisation) = &data.book.organisation {
        authors.push(organisation);
    }
    for note in &data.notes {
        for author in &note.authors {
            if !authors.contains(&author.as_str()) {
                authors.push(author);
            }
        }
    }
    let list = |items: &[&str]| {
        items
            .iter()
            .map(|s| escape::string(s) + ",")
            .collect::<String>()
    };
    let keywords: Vec<&str> = data.tags.iter().map(|t| t.name.as_str()).collect();
    let date = book_date(plan);
    let mut out = String::new();
    out.push_str(&format!(
        "#set document(title: {}, author: ({}), keywords: ({}), date: datetime(year: {}, month: {}, day: {}))\n",
        escape::string(&title),
        list(&authors),
        list(&keywords),
        date.year,
        date.month,
        date.day
    ));
    out.push_str(&format!(
        "#import {}: book\n",
        escape::string(&world::layout_path(&plan.layout))
    ));
    out.push_str(&format!(
        "#book(json({}), (\n",
        escape::string(world::DATA_PATH)
    ));
    for id in &plan.note_ids {
        if corpus.get(id).is_some() {
            out.push_str(&format!(
                "  {}: include {},\n",
                escape::string(id),
                escape::string(&world::note_path(id))
            ));
        }
    }
    out.push_str("))\n");
    out
}

/// Lays out one document with Typst. Errors and warnings go into `report`,
/// located in the note or layout that caused them. `alone`: no other
/// document is laid out beside it (see [`Start::Alone`]).
pub fn compile(
    base: &Base,
    plan: &DocumentPlan,
    corpus: &Corpus,
    elsewhere: &BTreeMap<String, Elsewhere>,
    copy: Option<&Recipient>,
    alone: bool,
    report: &mut Report,
) -> Option<PagedDocument> {
    let world = world_for(base, plan, corpus, elsewhere, copy);
    compile_main(
        &world,
        corpus,
        base.layout_start(&plan.output, alone),
        report,
    )
}

/// Lays out the main file of a document's world (its data, the other
/// documents' pages, the copy being typeset).
fn compile_main(
    world: &DocumentWorld,
    corpus: &Corpus,
    start: Start,
    report: &mut Report,
) -> Option<PagedDocument> {
    let compiled = converge::compile(world, start);
    let diagnostics = compiled
        .warnings
        .iter()
        .chain(compiled.output.as_ref().err().into_iter().flatten());
    for diagnostic in diagnostics {
        let located = locate::locate(world, corpus, diagnostic, report);
        report.push(located);
    }
    compiled.output.ok()
}

fn world_for<'a>(
    base: &'a Base,
    plan: &DocumentPlan,
    corpus: &Corpus,
    elsewhere: &BTreeMap<String, Elsewhere>,
    copy: Option<&Recipient>,
) -> DocumentWorld<'a> {
    document_world(
        base,
        plan,
        main_source(plan, corpus),
        elsewhere,
        copy_data(plan, copy),
    )
}

/// A document's world around `main`: its data, the pages of notes other
/// documents hold, the copy being typeset.
fn document_world<'a>(
    base: &'a Base,
    plan: &DocumentPlan,
    main: String,
    elsewhere: &BTreeMap<String, Elsewhere>,
    copy: String,
) -> DocumentWorld<'a> {
    let data = serde_json::to_string_pretty(&plan.data).expect("pack data serialises");
    let elsewhere = serde_json::to_string_pretty(elsewhere).expect("elsewhere map serialises");
    DocumentWorld::new(
        base,
        plan.images,
        main,
        data,
        elsewhere,
        copy,
        book_date(plan),
    )
}

/// `/__folio__/copy.json`: the copy's number, how many there are and its
/// recipient, or `null`.
pub(crate) fn copy_data(plan: &DocumentPlan, copy: Option<&Recipient>) -> String {
    let Some(copy) = copy else {
        return "null".to_string();
    };
    serde_json::json!({
        "number": copy.copy,
        "of": highest_copy(plan, copy),
        "name": copy.name,
        "organisation": copy.organisation,
    })
    .to_string()
}

/// Where a numbered copy is written: `<pack>/copy-03.pdf`, the number as
/// wide as the highest.
pub fn copy_output(plan: &DocumentPlan, copy: &Recipient) -> String {
    let width = highest_copy(plan, copy).to_string().len().max(2);
    format!("{}/copy-{:0width$}.pdf", plan.name, copy.copy)
}

/// The highest copy number of the document (`copy`'s own when the plan
/// lists none, as for the layout's copy 0).
fn highest_copy(plan: &DocumentPlan, copy: &Recipient) -> u32 {
    plan.copies
        .iter()
        .map(|c| c.copy)
        .max()
        .unwrap_or(copy.copy)
}

/// Exports a laid-out document to PDF bytes, stamped with the book's date so
/// that the same input always gives the same bytes.
pub fn export(
    base: &Base,
    plan: &DocumentPlan,
    corpus: &Corpus,
    document: &PagedDocument,
    report: &mut Report,
) -> Option<Vec<u8>> {
    let date = book_date(plan);
    let timestamp =
        Datetime::from_ymd_hms(date.year, date.month, date.day, 0, 0, 0).map(Timestamp::new_utc);
    let standards = match PdfStandards::new(&plan.standards) {
        Ok(standards) => standards,
        Err(err) => {
            let mut diagnostic = Diagnostic::error(format!(
                "these PDF standards cannot be combined: {}",
                err.message()
            ));
            for hint in err.hints() {
                diagnostic = diagnostic.hint(hint.to_string());
            }
            report.push(diagnostic);
            return None;
        }
    };
    let options = PdfOptions {
        ident: Smart::Custom(plan.output.clone()),
        timestamp,
        standards,
        ..PdfOptions::default()
    };
    match typst_pdf::pdf(document, &options) {
        Ok(pdf) => Some(pdf),
        Err(errors) => {
            let world = world_for(base, plan, corpus, &BTreeMap::new(), None);
            for error in errors.iter() {
                let located = locate::locate(&world, corpus, error, report);
                report.push(located);
            }
            None
        }
    }
}

/// The page on which each of the document's notes starts.
pub fn note_pages(document: &PagedDocument, plan: &DocumentPlan) -> BTreeMap<String, usize> {
    let introspector = document.introspector();
    plan.note_ids
        .iter()
        .filter_map(|id| {
            let label = Label::new(PicoStr::intern(&markup::note_label(id)))?;
            let location = introspector.query_label(label).ok()?.location()?;
            Some((id.clone(), introspector.page(location)?.get()))
        })
        .collect()
}

fn book_date(plan: &DocumentPlan) -> Date {
    plan.pdf_date()
}

/// Documents laid out and exported earlier in this process, by output path:
/// `folio watch` starts each layout from the previous build's, and skips
/// the export (which Typst does not cache) of a document whose pages did
/// not change.
#[derive(Debug, Default)]
pub struct ExportMemo {
    exported: Mutex<HashMap<String, (u128, Written)>>,
    laid_out: Mutex<HashMap<String, PagedDocument>>,
    sources: Mutex<HashMap<FileId, Source>>,
}

impl ExportMemo {
    /// The documents the last build laid out, by output path.
    pub fn layouts(&self) -> HashMap<String, PagedDocument> {
        self.laid_out.lock().expect("layout memo poisoned").clone()
    }

    /// The generated sources (note bodies) of the last build (none outside
    /// watch), for this build to edit.
    pub fn take_sources(&self) -> HashMap<FileId, Source> {
        std::mem::take(&mut *self.sources.lock().expect("source memo poisoned"))
    }

    pub fn put_sources(&self, sources: HashMap<FileId, Source>) {
        *self.sources.lock().expect("source memo poisoned") = sources;
    }

    pub(super) fn put_layout(&self, output: &str, document: &PagedDocument) {
        self.laid_out
            .lock()
            .expect("layout memo poisoned")
            .insert(output.to_string(), document.clone());
    }

    pub(super) fn get(&self, output: &str, hash: u128) -> Option<Written> {
        let memo = self.exported.lock().expect("export memo poisoned");
        memo.get(output)
            .filter(|(h, written)| *h == hash && written.path.exists())
            .map(|(_, written)| written.clone())
    }

    pub(super) fn put(&self, hash: u128, written: &Written) {
        self.exported
            .lock()
            .expect("export memo poisoned")
            .insert(written.output.clone(), (hash, written.clone()));
    }
}
