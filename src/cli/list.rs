//! `folio list`: the notes and packs of a project, as a table or JSON.

use std::path::Path;

use serde::Serialize;

use super::{Format, Outcome, print_report};
use crate::book::Kind;
use crate::project::{BuildOptions, Checked, Project};

/// `folio list`: checks the project, prints the listing, and reports
/// problems as `folio check` would.
pub fn run(root: &Path, format: Format) -> Outcome {
    let options = BuildOptions::default();
    let checked = match Project::load(root).and_then(|p| {
        let out_dir = p.out_dir(&options);
        p.check(&options).map(|checked| (checked, out_dir))
    }) {
        Ok(checked) => checked,
        Err(err) => {
            eprintln!("error: {err}");
            return Outcome::Failed;
        }
    };
    let (checked, out_dir) = checked;
    match format {
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(&json(&checked, &out_dir)).expect("serialises")
        ),
        Format::Human => print!("{}", table(&checked, &out_dir)),
    }
    print_report(&checked.report, false);
    if checked.report.has_errors() {
        Outcome::InputErrors
    } else {
        Outcome::Done
    }
}

#[derive(Serialize)]
struct NoteRow<'a> {
    id: &'a str,
    title: &'a str,
    date: Option<String>,
    tags: &'a [String],
    packs: Vec<&'a str>,
}

#[derive(Serialize)]
struct PackRow<'a> {
    name: &'a str,
    title: Option<&'a str>,
    notes: usize,
    /// Pages of the last build, from output/manifest.json; else none.
    pages: Option<u64>,
}

/// The listing as JSON (`--format json`).
pub fn json(checked: &Checked, out_dir: &Path) -> serde_json::Value {
    let (notes, packs) = rows(checked, out_dir);
    serde_json::json!({ "version": 1, "notes": notes, "packs": packs })
}

/// The listing as two aligned tables.
pub fn table(checked: &Checked, out_dir: &Path) -> String {
    let (notes, packs) = rows(checked, out_dir);
    let mut out = String::new();
    let note_rows: Vec<[String; 5]> = notes
        .iter()
        .map(|n| {
            [
                n.id.into(),
                n.title.into(),
                n.date.clone().unwrap_or_default(),
                n.tags.join(", "),
                n.packs.join(", "),
            ]
        })
        .collect();
    out.push_str(&aligned(
        ["NOTE", "TITLE", "DATE", "TAGS", "PACKS"],
        &note_rows,
    ));
    out.push('\n');
    let pack_rows: Vec<[String; 4]> = packs
        .iter()
        .map(|p| {
            let pages = p
                .pages
                .map_or_else(|| "not built".to_string(), |n| n.to_string());
            [
                p.name.into(),
                p.title.unwrap_or("").into(),
                p.notes.to_string(),
                pages,
            ]
        })
        .collect();
    out.push_str(&aligned(["PACK", "TITLE", "NOTES", "PAGES"], &pack_rows));
    out
}

fn rows<'a>(checked: &'a Checked, out_dir: &Path) -> (Vec<NoteRow<'a>>, Vec<PackRow<'a>>) {
    let packs: Vec<_> = checked
        .plans
        .iter()
        .filter(|p| p.kind == Kind::Pack)
        .collect();
    let built = last_built_pages(out_dir);
    let notes = checked
        .corpus
        .notes
        .iter()
        .map(|note| NoteRow {
            id: &note.id,
            title: &note.title,
            date: note.date.map(|d| d.to_string()),
            tags: &note.tags,
            packs: packs
                .iter()
                .filter(|p| p.note_ids.contains(&note.id))
                .map(|p| p.name.as_str())
                .collect(),
        })
        .collect();
    let packs = packs
        .iter()
        .map(|p| PackRow {
            name: &p.name,
            title: p.data.pack.title.as_deref(),
            notes: p.note_ids.len(),
            pages: built
                .iter()
                .find(|(path, _)| *path == p.output)
                .map(|(_, pages)| *pages),
        })
        .collect();
    (notes, packs)
}

fn last_built_pages(out_dir: &Path) -> Vec<(String, u64)> {
    let Ok(text) = std::fs::read_to_string(out_dir.join("manifest.json")) else {
        return Vec::new();
    };
    let Ok(manifest) = serde_json::from_str::<serde_json::Value>(&text) else {
        return Vec::new();
    };
    manifest["files"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|f| Some((f["path"].as_str()?.to_string(), f["pages"].as_u64()?)))
        .collect()
}

fn aligned<const N: usize>(header: [&str; N], rows: &[[String; N]]) -> String {
    let mut widths = header.map(|h| h.chars().count());
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |cells: [&str; N]| {
        let padded: Vec<String> = cells
            .iter()
            .zip(widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        padded.join("  ").trim_end().to_string() + "\n"
    };
    let mut out = line(header);
    for row in rows {
        out.push_str(&line(std::array::from_fn(|i| row[i].as_str())));
    }
    out
}
