//! Numbered copies from one layout of the document.
//!
//! The document is laid out once with copy number 0, which the layouts
//! print as empty fixed-size boxes labelled `folio-copy-<place>` (cover,
//! footer, watermark). For each copy, only those boxes are laid out — the
//! layout's `copy-slots` on a page of the book's size — and put into a
//! clone of the document's pages in place of the empty ones. A layout
//! without `copy-slots` gets a whole layout per copy instead.

use std::collections::HashMap;

use typst::foundations::Label;
use typst::layout::{Frame, FrameItem};
use typst::model::Document;
use typst_layout::PagedDocument;

use super::{compile_main, copy_data, document_world};
use crate::book::{DocumentPlan, Elsewhere};
use crate::diag::Report;
use crate::edition::Recipient;
use crate::markup::escape;
use crate::notes::Corpus;
use crate::world::{self, Base};

/// The copy a document is laid out as before its copies are made.
pub const LAYOUT_COPY: Recipient = Recipient {
    copy: 0,
    name: None,
    organisation: None,
};

/// The boxes of one copy, by label; None when the layout has no
/// `copy-slots` (or it failed).
fn slots(
    base: &Base,
    plan: &DocumentPlan,
    corpus: &Corpus,
    elsewhere: &std::collections::BTreeMap<String, Elsewhere>,
    copy: &Recipient,
) -> Option<HashMap<Label, Frame>> {
    let main = format!(
        "#import {}: copy-slots\n#copy-slots(json({}))\n",
        escape::string(&world::layout_path(&plan.layout)),
        escape::string(world::DATA_PATH)
    );
    // A layout without `copy-slots` is not an error: its copies are laid
    // out whole.
    let mut ignored = Report::default();
    let world = document_world(base, plan, main, elsewhere, copy_data(plan, Some(copy)));
    let document = compile_main(
        &world,
        corpus,
        base.layout_start(&plan.output, false),
        &mut ignored,
    )?;
    let mut found = HashMap::new();
    for page in document.pages() {
        collect(&page.frame, &mut found);
    }
    Some(found)
}

fn is_slot(label: Label) -> bool {
    label.resolve().as_str().starts_with("folio-copy-")
}

fn collect(frame: &Frame, found: &mut HashMap<Label, Frame>) {
    for (_, item) in frame.items() {
        if let FrameItem::Group(group) = item {
            match group.label {
                Some(label) if is_slot(label) => {
                    found.entry(label).or_insert_with(|| group.frame.clone());
                }
                _ => collect(&group.frame, found),
            }
        }
    }
}

/// `frame` with every slot box's content replaced; None when it holds none.
fn substitute(frame: &Frame, slots: &HashMap<Label, Frame>) -> Option<Frame> {
    let mut changed = false;
    let items: Vec<_> = frame
        .items()
        .map(|(pos, item)| {
            let FrameItem::Group(group) = item else {
                return (*pos, item.clone());
            };
            let replaced = match group.label {
                Some(label) if is_slot(label) => slots.get(&label).cloned(),
                _ => substitute(&group.frame, slots),
            };
            match replaced {
                Some(inner) => {
                    changed = true;
                    let mut group = group.clone();
                    group.frame = inner;
                    (*pos, FrameItem::Group(group))
                }
                None => (*pos, item.clone()),
            }
        })
        .collect();
    if !changed {
        return None;
    }
    let mut rebuilt = Frame::new(frame.size(), frame.kind());
    if frame.has_baseline() {
        rebuilt.set_baseline(frame.baseline());
    }
    rebuilt.push_multiple(items);
    Some(rebuilt)
}

/// One copy of the document laid out as [`LAYOUT_COPY`]: its boxes put in,
/// or (a layout without `copy-slots`) a layout of its own.
pub fn copy_of(
    base: &Base,
    plan: &DocumentPlan,
    corpus: &Corpus,
    elsewhere: &std::collections::BTreeMap<String, Elsewhere>,
    laid_out: &PagedDocument,
    copy: &Recipient,
    report: &mut Report,
) -> Option<PagedDocument> {
    let Some(slots) = slots(base, plan, corpus, elsewhere, copy) else {
        return super::compile(base, plan, corpus, elsewhere, Some(copy), false, report);
    };
    let pages = laid_out
        .pages()
        .iter()
        .map(|page| {
            let mut page = page.clone();
            if let Some(frame) = substitute(&page.frame, &slots) {
                page.frame = frame;
            }
            page
        })
        .collect();
    Some(PagedDocument::new(pages, laid_out.info().clone()))
}
