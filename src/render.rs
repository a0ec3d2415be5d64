//! Typesetting: compile each planned document with Typst, export the PDF and
//! write it atomically. Documents are compiled in parallel over one shared
//! [`Base`]; each result is collected (never only the first error), and
//! Typst's diagnostics are mapped back to the note or layout that caused them.

use std::collections::{BTreeMap, HashMap};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::Mutex;

use rayon::prelude::*;
use typst::diag::{Severity as TypstSeverity, SourceDiagnostic};
use typst::foundations::{Datetime, Label, Smart};
use typst::introspection::Introspector;
use typst::syntax::{FileId, Span};
use typst::utils::PicoStr;
use typst::{World, WorldExt};
use typst_layout::PagedDocument;
use typst_pdf::{PdfOptions, PdfStandards, Timestamp};

use crate::book::{self, DocumentPlan, Elsewhere, Kind};
use crate::values::Date;
use crate::diag::{Diagnostic, Report, Severity};
use crate::markup::{self, escape};
use crate::notes::Corpus;
use crate::output::{sha256_hex, write_atomically};
use crate::preview::{self, PreviewSettings};
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

/// The shared Typst base for a corpus: fonts, library, every note's body.
pub fn base(root: &Path, corpus: &Corpus, fonts: Fonts) -> Base {
    let mut base = Base::new(root, fonts);
    for note in &corpus.notes {
        base.add_generated(
            &world::note_path(&note.id),
            format!("{NOTE_PRELUDE}{}", note.body.typst),
        );
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
/// located in the note or layout that caused them.
pub fn compile(
    base: &Base,
    plan: &DocumentPlan,
    corpus: &Corpus,
    elsewhere: &BTreeMap<String, Elsewhere>,
    report: &mut Report,
) -> Option<PagedDocument> {
    let world = world_for(base, plan, corpus, elsewhere);
    let compiled = typst::compile::<PagedDocument>(&world);
    let diagnostics = compiled
        .warnings
        .iter()
        .chain(compiled.output.as_ref().err().into_iter().flatten());
    for diagnostic in diagnostics {
        let located = locate(&world, corpus, diagnostic, report);
        report.push(located);
    }
    compiled.output.ok()
}

fn world_for<'a>(
    base: &'a Base,
    plan: &DocumentPlan,
    corpus: &Corpus,
    elsewhere: &BTreeMap<String, Elsewhere>,
) -> DocumentWorld<'a> {
    let data = serde_json::to_string_pretty(&plan.data).expect("pack data serialises");
    let elsewhere = serde_json::to_string_pretty(elsewhere).expect("elsewhere map serialises");
    DocumentWorld::new(
        base,
        plan.images,
        main_source(plan, corpus),
        data,
        elsewhere,
        book_date(plan),
    )
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
            let world = world_for(base, plan, corpus, &BTreeMap::new());
            for error in errors.iter() {
                let located = locate(&world, corpus, error, report);
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

/// Documents exported earlier in this process, by output path, with a hash
/// of their laid-out pages: `folio watch` skips the export (which Typst does
/// not cache) of a document whose pages did not change.
#[derive(Debug, Default)]
pub struct ExportMemo(Mutex<HashMap<String, (u128, Written)>>);

impl ExportMemo {
    fn get(&self, output: &str, hash: u128) -> Option<Written> {
        let memo = self.0.lock().expect("export memo poisoned");
        memo.get(output)
            .filter(|(h, written)| *h == hash && written.path.exists())
            .map(|(_, written)| written.clone())
    }

    fn put(&self, hash: u128, written: &Written) {
        self.0
            .lock()
            .expect("export memo poisoned")
            .insert(written.output.clone(), (hash, written.clone()));
    }
}

/// What [`build_all`] wrote, and whether writing (not the input) failed.
pub struct Built {
    pub written: Vec<Written>,
    pub io_failed: bool,
}

/// Layout rounds at most: a document naming pages of other packs is laid
/// out again once those pages are known, and again if they moved.
const MAX_ROUNDS: usize = 3;

/// Typesets and writes every planned document, in parallel. Documents that
/// refer to notes held by another document of the run are laid out again
/// once that document's pages are known. Each document's diagnostics are
/// gathered separately and merged in plan order; a document that fails does
/// not stop the others.
pub fn build_all(
    base: &Base,
    plans: &[DocumentPlan],
    corpus: &Corpus,
    out_dir: &Path,
    previews: Option<PreviewSettings>,
    memo: &ExportMemo,
    on_written: &(dyn Fn(&Written) + Sync),
    report: &mut Report,
) -> Built {
    let count = plans.len();
    let mut pages: Vec<BTreeMap<String, usize>> = vec![BTreeMap::new(); count];
    let mut results: Vec<Option<(Result<Written, bool>, Report)>> =
        (0..count).map(|_| None).collect();
    let mut pending: Vec<usize> = (0..count).collect();
    for round in 1..=MAX_ROUNDS {
        let laid_out: Vec<(
            usize,
            BTreeMap<String, Elsewhere>,
            Option<PagedDocument>,
            Report,
        )> = pending
            .par_iter()
            .map(|&index| {
                let elsewhere = book::elsewhere(plans, index, &pages);
                let mut local = Report::default();
                let document = compile(base, &plans[index], corpus, &elsewhere, &mut local);
                (index, elsewhere, document, local)
            })
            .collect();
        for (index, _, document, _) in &laid_out {
            if let Some(document) = document {
                pages[*index] = note_pages(document, &plans[*index]);
            }
        }
        // Final: failed, out of rounds, or nothing it printed has moved.
        let (done, again): (Vec<_>, Vec<_>) =
            laid_out
                .into_iter()
                .partition(|(index, used, document, _)| {
                    document.is_none()
                        || round == MAX_ROUNDS
                        || book::elsewhere(plans, *index, &pages) == *used
                });
        let finished: Vec<(usize, Result<Written, bool>, Report)> = done
            .into_par_iter()
            .map(|(index, _, document, mut local)| {
                let plan = &plans[index];
                let written = document.ok_or(false).and_then(|document| {
                    let standards = format!("{:?}", plan.standards);
                    let hash = typst::utils::hash128(&(
                        &document,
                        standards,
                        plan.data.book.date.as_deref(),
                        previews.map(|p| p.width),
                    ));
                    if let Some(written) = memo.get(&plan.output, hash) {
                        return Ok(written);
                    }
                    let written =
                        write(base, plan, corpus, &document, out_dir, previews, &mut local)?;
                    memo.put(hash, &written);
                    Ok(written)
                });
                if let Ok(written) = &written {
                    on_written(written);
                }
                (index, written, local)
            })
            .collect();
        for (index, written, local) in finished {
            results[index] = Some((written, local));
        }
        pending = again.into_iter().map(|(index, ..)| index).collect();
        if pending.is_empty() {
            break;
        }
    }
    let mut built = Built {
        written: Vec::new(),
        io_failed: false,
    };
    for (result, local) in results.into_iter().flatten() {
        report.sources.extend(local.sources);
        report.extend(local.diagnostics);
        match result {
            Ok(written) => built.written.push(written),
            Err(io_failed) => built.io_failed |= io_failed,
        }
    }
    built
}

/// Exports and writes one document; `Err(true)` when writing failed.
fn write(
    base: &Base,
    plan: &DocumentPlan,
    corpus: &Corpus,
    document: &PagedDocument,
    out_dir: &Path,
    previews: Option<PreviewSettings>,
    report: &mut Report,
) -> Result<Written, bool> {
    let pdf = export(base, plan, corpus, document, report).ok_or(false)?;
    let path = out_dir.join(&plan.output);
    if let Err(err) = write_atomically(&path, &pdf) {
        report.push(Diagnostic::error(format!("cannot write the PDF: {err}")).in_file(&path));
        return Err(true);
    }
    let mut written_previews = Vec::new();
    if let Some(settings) = previews {
        let stem = plan.output.strip_suffix(".pdf").unwrap_or(&plan.output);
        let files = preview::render(document, stem, settings);
        if let Err(err) = preview::write(out_dir, &files) {
            report.push(
                Diagnostic::error(format!("cannot write the previews: {err}"))
                    .in_file(out_dir.join("previews")),
            );
            return Err(true);
        }
        written_previews = files
            .iter()
            .map(|f| WrittenPreview {
                output: f.output.clone(),
                bytes: f.bytes.len(),
                sha256: sha256_hex(&f.bytes),
                sheet: f.sheet,
            })
            .collect();
    }
    Ok(Written {
        name: plan.name.clone(),
        kind: plan.kind,
        output: plan.output.clone(),
        path,
        pages: document.pages().len(),
        bytes: pdf.len(),
        sha256: sha256_hex(&pdf),
        note_ids: plan.note_ids.clone(),
        previews: written_previews,
        fonts: crate::fonts::embedded(document, base.fonts()),
    })
}

/// Turns a Typst diagnostic into folio's, pointing at the Markdown line of
/// the note that caused it when there is one, else at the layout file.
fn locate(
    world: &DocumentWorld,
    corpus: &Corpus,
    diagnostic: &SourceDiagnostic,
    report: &mut Report,
) -> Diagnostic {
    let severity = match diagnostic.severity {
        TypstSeverity::Error => Severity::Error,
        TypstSeverity::Warning => Severity::Warning,
    };
    let mut out = Diagnostic {
        severity,
        ..Diagnostic::error(diagnostic.message.to_string())
    };
    for hint in &diagnostic.hints {
        out = out.hint(hint.v.to_string());
    }
    // The error's own place, then the calls that led there: the first one in
    // a note wins, so an image error inside the prelude names the note line.
    let mut places: Vec<(FileId, Range<usize>)> = Vec::new();
    if let (Some(id), Some(range)) = (diagnostic.span.id(), world.range(diagnostic.span)) {
        places.push((id, range));
    }
    for point in &diagnostic.trace {
        if let Some(place) = span_place(world, point.span) {
            places.push(place);
        }
    }
    let in_note = places.iter().find_map(|(id, range)| {
        let path = id.vpath().get_with_slash();
        let note_id = path
            .strip_prefix(&format!("{}/notes/", world::GENERATED_DIR))?
            .strip_suffix(".typ")?;
        let note = corpus.get(note_id)?;
        let offset = note.file_offset(range.start.saturating_sub(NOTE_PRELUDE.len()))?;
        Some((note.path.clone(), offset))
    });
    if let Some((path, offset)) = in_note {
        let end = report
            .sources
            .get(&path)
            .map_or(offset, |text| line_end(text, offset));
        return Diagnostic {
            file: Some(path),
            range: Some(offset..end.max(offset + 1)),
            ..out
        };
    }
    // Images are decoded during layout, where no call trace survives: the
    // error points into the image file (or the prelude) and names the file.
    // Point at the note line that uses the image instead.
    let image_file = places.first().map(|(id, _)| {
        id.vpath()
            .get_with_slash()
            .trim_start_matches('/')
            .to_string()
    });
    let user = corpus.notes.iter().find_map(|note| {
        let image = note.body.images.iter().find(|i| {
            Some(&i.path) == image_file.as_ref() || diagnostic.message.contains(i.path.as_str())
        })?;
        Some((note.path.clone(), image.range.clone()))
    });
    if let Some((note, at)) = user {
        return Diagnostic {
            file: Some(note),
            range: Some(at),
            ..out
        };
    }
    let Some((id, range)) = places.into_iter().find(|(id, _)| {
        !id.vpath()
            .get_with_slash()
            .starts_with(world::GENERATED_DIR)
    }) else {
        return out.hint("this comes from folio's generated document; please report it");
    };
    let base = world.base();
    let path = base
        .project_file(id)
        .unwrap_or_else(|_| PathBuf::from(format!("<built-in>{}", id.vpath().get_with_slash())));
    if let Some(text) = world::source_text(world, id) {
        report.sources.insert(&path, text);
    }
    Diagnostic {
        file: Some(path),
        range: Some(range),
        ..out
    }
}

fn span_place(world: &dyn World, span: Span) -> Option<(FileId, Range<usize>)> {
    Some((span.id()?, world.range(span)?))
}

fn line_end(text: &Arc<str>, offset: usize) -> usize {
    text[offset.min(text.len())..]
        .find('\n')
        .map_or(text.len(), |i| offset + i)
}

/// Why [`single_note`] gave no document.
#[derive(Debug)]
pub enum SingleNoteError {
    /// The note is invalid (front matter, links, images): a user error.
    Invalid(Report),
    /// The note passed validation but Typst failed: a bug in folio.
    Layout(Report),
}

/// Runs one note's text through the whole pipeline (front matter, body,
/// links, images, layout) as `notes/note.md` of the project at `root`,
/// laid out with `layout`. For tests and the fuzzer: any input either gives
/// a document or located diagnostics, never a panic.
pub fn single_note(
    root: &Path,
    bytes: &[u8],
    layout: &str,
) -> Result<PagedDocument, SingleNoteError> {
    let path = root.join("notes/note.md");
    let text = crate::notes::decode(&path, bytes.to_vec()).map_err(SingleNoteError::Invalid)?;
    let mut report = Report::default();
    let corpus = crate::notes::from_texts(root, vec![(path, text)], &mut report);
    if corpus.notes.is_empty() {
        return Err(SingleNoteError::Invalid(report));
    }
    let graph = crate::links::resolve(&corpus);
    crate::images::check(root, &corpus, &[], None, &mut report);
    if report.has_errors() {
        return Err(SingleNoteError::Invalid(report));
    }
    let config = crate::config::Config {
        path: root.join(crate::config::CONFIG_FILE),
        book: crate::config::Book {
            layout: layout.into(),
            ..Default::default()
        },
        packs: vec![crate::config::Pack::everything()],
        handouts: Default::default(),
    };
    let plans = book::plan(&config, &corpus, &graph, "note", &mut report);
    let base = base(root, &corpus, Fonts::load(root));
    match plans
        .first()
        .and_then(|plan| compile(&base, plan, &corpus, &BTreeMap::new(), &mut report))
    {
        Some(document) => Ok(document),
        None => Err(SingleNoteError::Layout(report)),
    }
}

/// Writes each planned document's Typst sources to `dir/<output stem>/` as
/// the tree Typst sees (`__folio__/main.typ`, the pack data, every note
/// body, the layouts, the images), so another Typst front end can compile
/// the same markup and a layout author can see what folio generates:
/// `typst compile --root DIR/<stem> --font-path fonts DIR/<stem>/__folio__/main.typ`.
pub fn emit_typst(
    root: &Path,
    plans: &[DocumentPlan],
    corpus: &Corpus,
    dir: &Path,
) -> std::io::Result<()> {
    for (index, plan) in plans.iter().enumerate() {
        let folder = dir.join(plan.output.strip_suffix(".pdf").unwrap_or(&plan.output));
        let write = |path: &str, bytes: &[u8]| {
            write_atomically(&folder.join(path.trim_start_matches('/')), bytes)
        };
        write(world::MAIN_PATH, main_source(plan, corpus).as_bytes())?;
        let data = serde_json::to_string_pretty(&plan.data).expect("pack data serialises");
        write(world::DATA_PATH, data.as_bytes())?;
        let elsewhere =
            serde_json::to_string_pretty(&book::elsewhere(plans, index, &[])).expect("serialises");
        write(world::ELSEWHERE_PATH, elsewhere.as_bytes())?;
        for note in plan.note_ids.iter().filter_map(|id| corpus.get(id)) {
            write(
                &world::note_path(&note.id),
                format!("{NOTE_PRELUDE}{}", note.body.typst).as_bytes(),
            )?;
            for image in &note.body.images {
                if let Ok(bytes) = std::fs::read(root.join(&image.path)) {
                    write(&image.path, &bytes)?;
                }
            }
        }
        for (name, builtin) in world::BUILTIN_LAYOUTS {
            let path = world::layout_path(name);
            let own = std::fs::read(root.join(path.trim_start_matches('/'))).ok();
            write(&path, own.as_deref().unwrap_or(builtin.as_bytes()))?;
        }
        if !world::BUILTIN_LAYOUTS
            .iter()
            .any(|(name, _)| *name == plan.layout)
        {
            let path = world::layout_path(&plan.layout);
            if let Ok(bytes) = std::fs::read(root.join(path.trim_start_matches('/'))) {
                write(&path, &bytes)?;
            }
        }
    }
    Ok(())
}
