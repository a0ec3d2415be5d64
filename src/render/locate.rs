//! Typst's diagnostics in folio's terms: a problem in generated markup is
//! reported at the Markdown line of the note it came from, a problem in a
//! layout at the layout file's line.

use std::ops::Range;
use std::path::PathBuf;
use std::sync::Arc;

use typst::diag::{Severity as TypstSeverity, SourceDiagnostic};
use typst::syntax::{FileId, Span};
use typst::{World, WorldExt};

use super::NOTE_PRELUDE;
use crate::diag::{Diagnostic, Report, Severity};
use crate::notes::Corpus;
use crate::world::{self, DocumentWorld};

/// Turns a Typst diagnostic into folio's, pointing at the Markdown line of
/// the note that caused it when there is one, else at the layout file.
pub(super) fn locate(
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
        code: (severity == Severity::Warning).then_some(crate::diag::Code::Typst),
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
