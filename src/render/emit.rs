//! `--emit-typst`: the sources of each document as Typst sees them.

use std::path::Path;

use super::{NOTE_PRELUDE, main_source};
use crate::book::{self, DocumentPlan};
use crate::notes::Corpus;
use crate::output::write_atomically;
use crate::world;

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
