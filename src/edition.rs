//! Editions: what changed since a previous build, and numbered copies.
//!
//! A build's manifest records, per note, hashes of its metadata and of each
//! block (paragraph, heading, code block, table row) — hashes only, never
//! text. Given the manifest of an earlier build (`--since`, or `previous` in
//! folio.toml), this stage says which notes are new, withdrawn or revised
//! and which blocks changed, so that the converter can mark them and the
//! layout can list them. It also reads the recipients of numbered copies.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::diag::{Diagnostic, Report};
use crate::notes::{Corpus, Note};

/// Version of the manifest's `edition` section; bumped when hashes change
/// meaning, so that an older manifest is refused rather than misread.
pub const FORMAT: u32 = 1;

pub use crate::markup::block_hash;

fn short_hash(text: &str) -> String {
    crate::output::sha256_hex(text.as_bytes())[..16].to_string()
}

/// The hash of what a note's opener prints: title, subtitle, date,
/// authors, summary, tags, related notes and marking.
pub fn meta_hash(note: &Note) -> String {
    let related: Vec<&str> = note.related.iter().map(|(id, _)| id.as_str()).collect();
    let meta = serde_json::json!([
        note.title,
        note.subtitle,
        note.date.map(|d| d.to_string()),
        note.authors,
        note.summary,
        note.tags,
        related,
        note.classification.as_ref().map(|(c, _)| c),
    ]);
    short_hash(&meta.to_string())
}

/// One note as an edition's manifest records it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NoteRecord {
    pub title: String,
    pub meta: String,
    pub blocks: Vec<String>,
}

/// The manifest's `edition` section: this build's date and every note's
/// hashes.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Record {
    pub format: u32,
    pub date: Option<String>,
    pub notes: BTreeMap<String, NoteRecord>,
}

impl Record {
    pub fn of(corpus: &Corpus, date: Option<String>) -> Record {
        Record {
            format: FORMAT,
            date,
            notes: corpus
                .notes
                .iter()
                .map(|n| {
                    let record = NoteRecord {
                        title: n.title.clone(),
                        meta: meta_hash(n),
                        blocks: n.body.blocks.iter().map(|b| b.hash.clone()).collect(),
                    };
                    (n.id.clone(), record)
                })
                .collect(),
        }
    }
}

/// The previous edition, read from its manifest.
#[derive(Debug, Clone)]
pub struct Previous {
    pub record: Record,
    /// Each document's note ids, by output path.
    pub documents: BTreeMap<String, Vec<String>>,
}

impl Previous {
    /// The block hashes a note had, or None when it did not exist.
    pub fn blocks(&self, id: &str) -> Option<BTreeSet<&str>> {
        let note = self.record.notes.get(id)?;
        Some(note.blocks.iter().map(String::as_str).collect())
    }
}

/// Where `--since` or `previous` named the previous manifest.
pub enum Named<'a> {
    CommandLine(&'a Path),
    /// folio.toml's `previous`, with its place.
    Config {
        config: &'a Path,
        range: Range<usize>,
        path: PathBuf,
    },
}

/// Reads the previous edition's manifest; every problem is an error.
pub fn load(named: Named<'_>, report: &mut Report) -> Option<Previous> {
    let (path, place) = match &named {
        Named::CommandLine(path) => (path.to_path_buf(), None),
        Named::Config {
            config,
            range,
            path,
        } => (path.clone(), Some((config.to_path_buf(), range.clone()))),
    };
    let error = |message: String| {
        let diagnostic = Diagnostic::error(message);
        match &place {
            Some((config, range)) => diagnostic.at(config, range.clone()),
            None => diagnostic.in_file(&path),
        }
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(err) => {
            report.push(
                error(format!(
                    "cannot read the previous edition's manifest {}: {err}",
                    path.display()
                ))
                .hint("pass the manifest.json of the earlier build (keep it as a CI artifact)"),
            );
            return None;
        }
    };
    #[derive(Deserialize)]
    struct Manifest {
        folio_version: String,
        files: Vec<File>,
        edition: Option<serde_json::Value>,
    }
    #[derive(Deserialize)]
    struct File {
        path: String,
        #[serde(default)]
        notes: Vec<String>,
    }
    let not_folio = |detail: &str| {
        error(format!(
            "{} is not a folio manifest ({detail})",
            path.display()
        ))
        .hint("pass the output/manifest.json that `folio build` wrote for the earlier edition")
    };
    let manifest: Manifest = match serde_json::from_str(&text) {
        Ok(manifest) => manifest,
        Err(err) if err.is_syntax() || err.is_eof() => {
            report.push(not_folio(&format!("not JSON: {err}")));
            return None;
        }
        Err(err) => {
            report.push(not_folio(&err.to_string()));
            return None;
        }
    };
    let Some(edition) = manifest.edition else {
        report.push(
            error(format!(
                "{} was written by folio {}, which records no edition hashes",
                path.display(),
                manifest.folio_version
            ))
            .hint("build the previous edition again with this folio to get a manifest it can compare with"),
        );
        return None;
    };
    let format = edition.get("format").and_then(serde_json::Value::as_u64);
    if format != Some(u64::from(FORMAT)) {
        report.push(
            error(format!(
                "{} records edition hashes in format {}, this folio reads format {FORMAT}",
                path.display(),
                format.map_or_else(|| "?".to_string(), |f| f.to_string())
            ))
            .hint("build the previous edition again with this folio"),
        );
        return None;
    }
    let record: Record = match serde_json::from_value(edition) {
        Ok(record) => record,
        Err(err) => {
            report.push(not_folio(&format!("its edition section: {err}")));
            return None;
        }
    };
    Some(Previous {
        record,
        documents: manifest
            .files
            .into_iter()
            .map(|f| (f.path, f.notes))
            .collect(),
    })
}

/// A note's standing against the previous edition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    New,
    Revised,
    Unchanged,
}

/// How a note compares with the previous edition, from its hashes.
pub fn status(note: &Note, previous: &Previous) -> Status {
    let Some(before) = previous.record.notes.get(&note.id) else {
        return Status::New;
    };
    let now: Vec<&str> = note.body.blocks.iter().map(|b| b.hash.as_str()).collect();
    let same_blocks =
        now.len() == before.blocks.len() && now.iter().zip(&before.blocks).all(|(a, b)| a == b);
    if same_blocks && before.meta == meta_hash(note) {
        Status::Unchanged
    } else {
        Status::Revised
    }
}

/// One recipient of a numbered copy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Recipient {
    pub copy: u32,
    pub name: Option<String>,
    pub organisation: Option<String>,
}

/// Numbered copies without names (`copies = N` in a pack).
pub fn unnamed_copies(count: u32) -> Vec<Recipient> {
    (1..=count)
        .map(|copy| Recipient {
            copy,
            name: None,
            organisation: None,
        })
        .collect()
}

/// Reads a recipients file: a header line with `name` and optionally
/// `organisation` and `copy`, then one line per copy. Copies without a
/// number take the next free one after the highest so far.
pub fn read_recipients(path: &Path, report: &mut Report) -> Option<Vec<Recipient>> {
    let text: std::sync::Arc<str> = match std::fs::read_to_string(path) {
        Ok(text) => text.into(),
        Err(err) => {
            report.push(
                Diagnostic::error(format!("cannot read the recipients file: {err}")).in_file(path),
            );
            return None;
        }
    };
    report.sources.insert(path, text.clone());
    let mut lines = Vec::new();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let content = line.trim_end_matches(['\n', '\r']);
        lines.push((offset, content));
        offset += line.len();
    }
    let Some(&(_, header)) = lines.first() else {
        report.push(
            Diagnostic::error("the recipients file is empty")
                .in_file(path)
                .hint("write a header line `name,organisation,copy`, then one line per copy"),
        );
        return None;
    };
    let columns: Vec<String> = split_csv(header)
        .into_iter()
        .map(|c| c.trim().to_lowercase())
        .collect();
    let column = |name: &str| columns.iter().position(|c| c == name);
    let Some(name_at) = column("name") else {
        report.push(
            Diagnostic::error("the recipients file has no `name` column")
                .at(path, 0..header.len())
                .hint("the header line names the columns: `name`, and optionally `organisation` and `copy`"),
        );
        return None;
    };
    let organisation_at = column("organisation").or_else(|| column("organization"));
    let copy_at = column("copy");
    let mut recipients: Vec<Recipient> = Vec::new();
    let mut first_line: BTreeMap<u32, Range<usize>> = BTreeMap::new();
    let mut ok = true;
    for &(start, line) in lines.iter().skip(1) {
        if line.trim().is_empty() {
            continue;
        }
        let fields = split_csv(line);
        let field = |at: Option<usize>| {
            at.and_then(|i| fields.get(i))
                .map(|f| f.trim().to_string())
                .filter(|f| !f.is_empty())
        };
        let at = start..start + line.len();
        let copy = match field(copy_at) {
            Some(text) => match text.parse::<u32>() {
                Ok(n) if n > 0 => n,
                _ => {
                    report.push(
                        Diagnostic::error(format!("`{text}` is not a copy number"))
                            .at(path, at)
                            .hint("copy numbers are whole numbers from 1"),
                    );
                    ok = false;
                    continue;
                }
            },
            None => recipients.iter().map(|r| r.copy).max().unwrap_or(0) + 1,
        };
        if let Some(first) = first_line.get(&copy) {
            report.push(
                Diagnostic::error(format!("copy {copy} is listed twice"))
                    .at(path, at)
                    .related(path, first.clone(), "first listed here"),
            );
            ok = false;
            continue;
        }
        first_line.insert(copy, at);
        recipients.push(Recipient {
            copy,
            name: field(Some(name_at)),
            organisation: field(organisation_at),
        });
    }
    if recipients.is_empty() && ok {
        report.push(
            Diagnostic::error("the recipients file lists no copies")
                .in_file(path)
                .hint("write one line per copy after the header"),
        );
        return None;
    }
    recipients.sort_by_key(|r| r.copy);
    ok.then_some(recipients)
}

/// One CSV line's fields: commas separate, double quotes enclose a field
/// that holds commas, `""` is a quote.
fn split_csv(line: &str) -> Vec<String> {
    let mut fields = vec![String::new()];
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                chars.next();
                fields.last_mut().expect("one field").push('"');
            }
            '"' => quoted = !quoted,
            ',' if !quoted => fields.push(String::new()),
            c => fields.last_mut().expect("one field").push(c),
        }
    }
    fields
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rewrapping_is_no_change() {
        assert_eq!(
            block_hash("paragraph", "One two\n  three."),
            block_hash("paragraph", "One two three.")
        );
        assert_ne!(
            block_hash("paragraph", "One two three."),
            block_hash("heading", "One two three.")
        );
    }

    #[test]
    fn csv_fields_may_be_quoted() {
        assert_eq!(
            split_csv(r#"Ann Smith,"Ministry of Defence, Plans",3"#),
            ["Ann Smith", "Ministry of Defence, Plans", "3"]
        );
        assert_eq!(split_csv(r#""Say ""hi""",x"#), [r#"Say "hi""#, "x"]);
    }
}
