//! Every document of a build, laid out and written: documents that print
//! the pages of notes in other documents are laid out after them, or again
//! once those pages are known.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Mutex;

use rayon::prelude::*;
use typst_layout::PagedDocument;

use super::{ExportMemo, Written, WrittenPreview, compile, copies, export, note_pages};
use crate::book::{self, DocumentPlan, Elsewhere};
use crate::diag::{Diagnostic, Report};
use crate::notes::Corpus;
use crate::output::{sha256_hex, write_atomically};
use crate::preview::{self, PreviewSettings};
use crate::world::Base;

/// What [`build_all`] wrote, and whether writing (not the input) failed.
pub struct Built {
    pub written: Vec<Written>,
    pub io_failed: bool,
}

/// What a build typesets, and where and how it writes.
#[derive(Clone, Copy)]
pub struct Job<'a> {
    pub base: &'a Base,
    pub plans: &'a [DocumentPlan],
    pub corpus: &'a Corpus,
    pub out_dir: &'a Path,
    pub previews: Option<PreviewSettings>,
    /// Exports remembered across the builds of one process (watch).
    pub memo: &'a ExportMemo,
    /// Called as each file is written (progress).
    pub on_written: &'a (dyn Fn(&Written) + Sync),
}

/// One document after a layout round: the other documents' pages it used.
struct LaidOut {
    index: usize,
    elsewhere: BTreeMap<String, Elsewhere>,
    document: Option<PagedDocument>,
    report: Report,
}

/// Why a document was not written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NotWritten {
    /// Typst could not lay it out or export it (reported in the input).
    Failed,
    /// Writing a file failed (an I/O problem, not the input's).
    WriteFailed,
}

/// What became of one planned document: its file, or its numbered copies.
type Outcome = Result<Vec<Written>, NotWritten>;

/// Layout rounds at most: documents that print each other's pages are laid
/// out again once those pages are known, and again if they moved.
const MAX_ROUNDS: usize = 3;

/// Typesets and writes every planned document. A build lays documents out
/// in waves: first those that print no other document's pages (a
/// compendium), then those that print the pages of documents already laid
/// out, so that those pages are known and each is laid out once. The
/// documents of a wave are laid out in parallel, and each is exported while
/// the next wave is laid out. A big document laid out alone also keeps less
/// in Typst's cache (see [`super::Start`]). Each document's diagnostics are
/// gathered separately and merged in plan order; a document that fails does
/// not stop the others.
pub fn build_all(job: &Job, report: &mut Report) -> Built {
    let plans = job.plans;
    let mut pages: Vec<BTreeMap<String, usize>> = vec![BTreeMap::new(); plans.len()];
    let results: Mutex<Vec<Option<(Outcome, Report)>>> =
        Mutex::new((0..plans.len()).map(|_| None).collect());
    let write = |laid: LaidOut| {
        let index = laid.index;
        let finished = finish(job, laid);
        results.lock().expect("results poisoned")[index] = Some(finished);
    };
    if job.base.rebuilds() {
        // In watch every layout is mostly cache hits and what counts is how
        // soon the edited document is written: all documents are one wave,
        // written between rounds as before waves existed (waves, or writing
        // in the background, measured about 0.05 s more from an edit to the
        // PDF).
        let all = (0..plans.len()).collect();
        lay_out_rounds(job, all, &mut pages, &mut |done| {
            done.into_par_iter().for_each(write);
        });
    } else {
        let depends: Vec<BTreeSet<usize>> = (0..plans.len())
            .map(|index| book::depends_on(plans, index))
            .collect();
        let write = &write;
        rayon::scope(|exports| {
            for wave in waves(&depends) {
                lay_out_rounds(job, wave, &mut pages, &mut |done| {
                    for laid in done {
                        exports.spawn(move |_| write(laid));
                    }
                });
            }
        });
    }
    let mut built = Built {
        written: Vec::new(),
        io_failed: false,
    };
    let results = results.into_inner().expect("results poisoned");
    for (result, local) in results.into_iter().flatten() {
        report.sources.extend(local.sources);
        report.extend(local.diagnostics);
        match result {
            Ok(written) => built.written.extend(written),
            Err(NotWritten::WriteFailed) => built.io_failed = true,
            Err(NotWritten::Failed) => {}
        }
    }
    built
}

/// Lays out `pending` in rounds until what each prints of other documents'
/// pages no longer moves; hands each document whose layout is final to
/// `finished`.
fn lay_out_rounds(
    job: &Job,
    mut pending: Vec<usize>,
    pages: &mut [BTreeMap<String, usize>],
    finished: &mut dyn FnMut(Vec<LaidOut>),
) {
    let plans = job.plans;
    for round in 1..=MAX_ROUNDS {
        let laid_out = lay_out(job, &pending, pages);
        for laid in &laid_out {
            if let Some(document) = &laid.document {
                pages[laid.index] = note_pages(document, &plans[laid.index]);
            }
        }
        // Final: failed, out of rounds, or nothing it printed has moved.
        let (done, again): (Vec<_>, Vec<_>) = laid_out.into_iter().partition(|laid| {
            laid.document.is_none()
                || round == MAX_ROUNDS
                || book::elsewhere(plans, laid.index, pages) == laid.elsewhere
        });
        finished(done);
        pending = again.into_iter().map(|laid| laid.index).collect();
        if pending.is_empty() {
            break;
        }
    }
}

/// The documents to lay out, in waves, given the documents whose pages each
/// prints: each document comes after those. Documents that print each
/// other's pages share a wave, and its rounds settle them.
fn waves(depends: &[BTreeSet<usize>]) -> Vec<Vec<usize>> {
    let mut placed = BTreeSet::new();
    let mut remaining: Vec<usize> = (0..depends.len()).collect();
    let mut waves = Vec::new();
    while !remaining.is_empty() {
        let (mut ready, rest): (Vec<usize>, Vec<usize>) = remaining
            .iter()
            .partition(|&&index| depends[index].is_subset(&placed));
        remaining = rest;
        if ready.is_empty() {
            ready = std::mem::take(&mut remaining);
        }
        placed.extend(ready.iter().copied());
        waves.push(ready);
    }
    waves
}

/// One layout round: `pending` laid out in parallel, each with the pages of
/// other documents known so far.
fn lay_out(job: &Job, pending: &[usize], pages: &[BTreeMap<String, usize>]) -> Vec<LaidOut> {
    let Job {
        base,
        plans,
        corpus,
        ..
    } = *job;
    pending
        .par_iter()
        .map(|&index| {
            let elsewhere = book::elsewhere(plans, index, pages);
            let mut report = Report::default();
            let plan = &plans[index];
            // A document with numbered copies is laid out once, as copy 0.
            let copy = (!plan.copies.is_empty()).then_some(&copies::LAYOUT_COPY);
            let alone = pending.len() == 1;
            let document = compile(base, plan, corpus, &elsewhere, copy, alone, &mut report);
            if let Some(document) = &document
                && base.rebuilds()
            {
                job.memo.put_layout(&plan.output, document);
            }
            LaidOut {
                index,
                elsewhere,
                document,
                report,
            }
        })
        .collect()
}

/// Writes a document whose layout is final: its file, or its numbered
/// copies.
fn finish(job: &Job, laid: LaidOut) -> (Outcome, Report) {
    let LaidOut {
        index,
        document,
        report: mut local,
        elsewhere,
    } = laid;
    let plan = &job.plans[index];
    let written = document.ok_or(NotWritten::Failed).and_then(|document| {
        if plan.copies.is_empty() {
            written_one(job, plan, document, &mut local).map(|w| vec![w])
        } else {
            write_copies(job, plan, &elsewhere, &document, &mut local)
        }
    });
    if let Ok(written) = &written {
        written.iter().for_each(job.on_written);
    }
    (written, local)
}

/// Exports and writes one laid-out document, unless this process wrote the
/// same pages before (watch).
fn written_one(
    job: &Job,
    plan: &DocumentPlan,
    document: PagedDocument,
    report: &mut Report,
) -> Result<Written, NotWritten> {
    let Job {
        base,
        corpus,
        out_dir,
        previews,
        memo,
        ..
    } = *job;
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
    let written = write(base, plan, corpus, &document, out_dir, previews, report)?;
    memo.put(hash, &written);
    Ok(written)
}

/// The numbered copies of a document laid out as copy 0: each gets its own
/// copy boxes (see [`copies`]) and is written as `<pack>/copy-NN.pdf`, in
/// parallel.
fn write_copies(
    job: &Job,
    plan: &DocumentPlan,
    elsewhere: &BTreeMap<String, Elsewhere>,
    laid_out: &PagedDocument,
    report: &mut Report,
) -> Result<Vec<Written>, NotWritten> {
    let results: Vec<(Result<Written, NotWritten>, Report)> = plan
        .copies
        .par_iter()
        .map(|copy| {
            let mut local = Report::default();
            let copy_plan = DocumentPlan {
                output: super::copy_output(plan, copy),
                ..plan.clone()
            };
            let written = copies::copy_of(
                job.base, &copy_plan, job.corpus, elsewhere, laid_out, copy, &mut local,
            )
            .ok_or(NotWritten::Failed)
            .and_then(|document| {
                let mut written = written_one(job, &copy_plan, document, &mut local)?;
                written.copy = Some(copy.clone());
                Ok(written)
            });
            (written, local)
        })
        .collect();
    let mut written = Vec::new();
    let mut failed = None;
    for (result, local) in results {
        report.sources.extend(local.sources);
        report.extend(local.diagnostics);
        match result {
            Ok(copy) => written.push(copy),
            Err(err) => failed = failed.or(Some(err)),
        }
    }
    match failed {
        Some(err) => Err(err),
        None => Ok(written),
    }
}

/// Exports and writes one document.
fn write(
    base: &Base,
    plan: &DocumentPlan,
    corpus: &Corpus,
    document: &PagedDocument,
    out_dir: &Path,
    previews: Option<PreviewSettings>,
    report: &mut Report,
) -> Result<Written, NotWritten> {
    let pdf = export(base, plan, corpus, document, report).ok_or(NotWritten::Failed)?;
    let path = out_dir.join(&plan.output);
    if let Err(err) = write_atomically(&path, &pdf) {
        report.push(Diagnostic::error(format!("cannot write the PDF: {err}")).in_file(&path));
        return Err(NotWritten::WriteFailed);
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
            return Err(NotWritten::WriteFailed);
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
        date: plan.data.book.date.clone(),
        copy: None,
        previews: written_previews,
        fonts: crate::fonts::embedded(document, base.fonts()),
    })
}

#[cfg(test)]
mod tests {
    use super::waves;
    use std::collections::BTreeSet;

    fn depends(lists: &[&[usize]]) -> Vec<BTreeSet<usize>> {
        lists.iter().map(|l| l.iter().copied().collect()).collect()
    }

    #[test]
    fn documents_come_after_those_whose_pages_they_print() {
        // A compendium (0), two workshops printing its pages (1, 2), and a
        // handout printing a workshop's (3).
        let depends = depends(&[&[], &[0], &[0], &[1]]);
        assert_eq!(waves(&depends), vec![vec![0], vec![1, 2], vec![3]]);
    }

    #[test]
    fn documents_printing_each_others_pages_share_a_wave() {
        // 1 and 2 print each other's pages; 0 prints 1's.
        let depends = depends(&[&[1], &[2], &[1], &[]]);
        assert_eq!(waves(&depends), vec![vec![3], vec![0, 1, 2]]);
    }
}
