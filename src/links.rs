//! The cross-reference graph: every body link and `related` entry resolved.
//!
//! Links were resolved when the notes were converted (see
//! [`crate::names`]); the graph keeps, for each note, what it references and what
//! references it, both in the corpus's default order so the appendix reads
//! like the book.

use std::collections::{BTreeMap, BTreeSet};

use crate::diag::{Diagnostic, Report};
use crate::notes::Corpus;

#[derive(Debug, Clone, Default)]
pub struct Graph {
    /// Note id to the notes it references (body links and `related`).
    pub references: BTreeMap<String, Vec<String>>,
    /// Note id to the notes that reference it.
    pub referenced_by: BTreeMap<String, Vec<String>>,
}

impl Graph {
    pub fn references(&self, id: &str) -> &[String] {
        self.references.get(id).map_or(&[], Vec::as_slice)
    }

    pub fn referenced_by(&self, id: &str) -> &[String] {
        self.referenced_by.get(id).map_or(&[], Vec::as_slice)
    }
}

/// Builds the graph from every note's resolved links and `related` entries
/// (references that resolve to nothing were reported when the notes were
/// converted and are not part of it).
pub fn resolve(corpus: &Corpus) -> Graph {
    let position: BTreeMap<&str, usize> = corpus
        .notes
        .iter()
        .enumerate()
        .map(|(i, n)| (n.id.as_str(), i))
        .collect();
    let mut edges: BTreeMap<&str, BTreeSet<usize>> = BTreeMap::new();
    let mut back: BTreeMap<&str, BTreeSet<usize>> = BTreeMap::new();
    for (index, note) in corpus.notes.iter().enumerate() {
        let targets = note
            .body
            .xrefs
            .iter()
            .map(|x| x.target.as_str())
            .chain(note.related.iter().map(|(id, _)| id.as_str()));
        for target in targets {
            if let Some(&target_index) = position.get(target)
                && target != note.id
            {
                edges.entry(&note.id).or_default().insert(target_index);
                back.entry(&corpus.notes[target_index].id)
                    .or_default()
                    .insert(index);
            }
        }
    }
    let ids = |set: Option<&BTreeSet<usize>>| -> Vec<String> {
        set.into_iter()
            .flatten()
            .map(|&i| corpus.notes[i].id.clone())
            .collect()
    };
    let mut graph = Graph::default();
    for note in &corpus.notes {
        graph
            .references
            .insert(note.id.clone(), ids(edges.get(note.id.as_str())));
        graph
            .referenced_by
            .insert(note.id.clone(), ids(back.get(note.id.as_str())));
    }
    graph
}

/// Warns about notes that no other note links to: readers can only find
/// them through the contents page.
pub fn warn_orphans(corpus: &Corpus, graph: &Graph, report: &mut Report) {
    if corpus.notes.len() < 2 {
        return;
    }
    for note in &corpus.notes {
        if graph.referenced_by(&note.id).is_empty() {
            report.push(
                Diagnostic::warning(format!("no other note links to `{}`", note.id))
                    .at(&note.path, 0..0)
                    .hint(format!(
                        "link to it with [[{}]] or list it in another note's `related`",
                        note.id
                    ))
                    .with_code(crate::diag::Code::Orphan),
            );
        }
    }
}
