//! The cross-reference graph: every body link and `related` entry resolved.
//!
//! Unknown targets and heading anchors are errors with a "did you mean"
//! suggestion; the graph keeps, for each note, what it references and what
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

/// Checks every reference of every note and builds the graph from the valid ones.
pub fn resolve(corpus: &Corpus, report: &mut Report) -> Graph {
    let position: BTreeMap<&str, usize> = corpus
        .notes
        .iter()
        .enumerate()
        .map(|(i, n)| (n.id.as_str(), i))
        .collect();
    let mut edges: BTreeMap<&str, BTreeSet<usize>> = BTreeMap::new();
    let mut back: BTreeMap<&str, BTreeSet<usize>> = BTreeMap::new();
    for (index, note) in corpus.notes.iter().enumerate() {
        let mut link = |target: &str| {
            if let Some(&target_index) = position.get(target) {
                if target != note.id {
                    edges.entry(&note.id).or_default().insert(target_index);
                    back.entry(&corpus.notes[target_index].id)
                        .or_default()
                        .insert(index);
                }
            }
        };
        for xref in &note.body.xrefs {
            let Some(target) = corpus.get(&xref.target) else {
                report.push(with_suggestion(
                    Diagnostic::error(format!("unknown cross-reference target `{}`", xref.target))
                        .at(&note.path, xref.range.clone()),
                    &xref.target,
                    corpus.ids(),
                    "note",
                ));
                continue;
            };
            if let Some(anchor) = &xref.anchor {
                if !target.body.headings.iter().any(|h| &h.slug == anchor) {
                    report.push(with_suggestion(
                        Diagnostic::error(format!(
                            "note `{}` has no heading `#{anchor}`",
                            target.id
                        ))
                        .at(&note.path, xref.range.clone()),
                        anchor,
                        target.body.headings.iter().map(|h| h.slug.as_str()),
                        "heading",
                    ));
                    continue;
                }
            }
            link(&target.id);
        }
        for (id, range) in &note.related {
            if corpus.get(id).is_none() {
                report.push(with_suggestion(
                    Diagnostic::error(format!("unknown note `{id}` in `related`"))
                        .at(&note.path, range.clone()),
                    id,
                    corpus.ids(),
                    "note",
                ));
                continue;
            }
            link(id);
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
                    )),
            );
        }
    }
}

/// Adds "did you mean `x`?" when a known name is close to `wanted`.
fn with_suggestion<'a>(
    diagnostic: Diagnostic,
    wanted: &str,
    known: impl Iterator<Item = &'a str>,
    kind: &str,
) -> Diagnostic {
    match did_you_mean(wanted, known) {
        Some(best) => diagnostic.hint(format!("did you mean `{best}`?")),
        None => diagnostic.hint(format!("no {kind} has a similar name")),
    }
}

pub fn did_you_mean<'a>(wanted: &str, known: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    known
        .map(|candidate| {
            (
                strsim::normalized_damerau_levenshtein(wanted, candidate),
                candidate,
            )
        })
        .filter(|&(score, candidate)| {
            score >= 0.6 || candidate.contains(wanted) && wanted.len() >= 3
        })
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, candidate)| candidate)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names_only() {
        let known = ["governance-and-oversight", "threat-assessments"];
        assert_eq!(
            did_you_mean("governance-and-oversigth", known.iter().copied()),
            Some("governance-and-oversight")
        );
        assert_eq!(
            did_you_mean("threat", known.iter().copied()),
            Some("threat-assessments")
        );
        assert_eq!(did_you_mean("budget", known.iter().copied()), None);
    }
}
