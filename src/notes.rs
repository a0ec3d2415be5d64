//! Discover and parse notes into folio's owned note model.
//!
//! A note is read once: front matter (YAML `---` or TOML `+++`) into typed
//! metadata, the body through comrak and straight on into Typst markup (see
//! [`crate::markup`]). Everything downstream works on [`Note`] values; no
//! later stage goes back to the file.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;
use serde::Deserialize;

use crate::config::{Date, DateSetting, OneOrMany};
use crate::diag::{Diagnostic, Report};
use crate::markup::{self, Converted, NoteContext};

/// Front-matter keys folio understands; any other key is a warning.
pub const KNOWN_KEYS: &[&str] = &[
    "title",
    "short_title",
    "subtitle",
    "date",
    "authors",
    "summary",
    "tags",
    "related",
    "order",
    "classification",
];

#[derive(Debug, Clone)]
pub struct Note {
    pub id: String,
    /// Absolute path of the Markdown file.
    pub path: PathBuf,
    /// Path relative to the project root, `/`-separated.
    pub rel_path: String,
    pub title: String,
    /// A shorter title for running heads (front matter `short_title`).
    pub short_title: Option<String>,
    pub subtitle: Option<String>,
    pub date: Option<Date>,
    pub authors: Vec<String>,
    pub summary: Option<String>,
    pub tags: Vec<String>,
    /// `related` ids with the byte range of each in the file.
    pub related: Vec<(String, Range<usize>)>,
    pub order: Option<i64>,
    /// The note's marking, with the place of its key in the file.
    pub classification: Option<(String, Range<usize>)>,
    /// Byte offset of the body in the file; converter ranges are shifted by it.
    pub body_offset: usize,
    pub body: Converted,
}

impl Note {
    /// Where a byte offset in the generated Typst comes from in the note file.
    pub fn file_offset(&self, generated: usize) -> Option<usize> {
        self.body
            .source_map
            .body_offset(generated)
            .map(|o| o + self.body_offset)
    }
}

/// All notes of a project, in default order (order, date, title).
#[derive(Debug, Clone, Default)]
pub struct Corpus {
    pub notes: Vec<Note>,
}

impl Corpus {
    pub fn get(&self, id: &str) -> Option<&Note> {
        self.notes.iter().find(|n| n.id == id)
    }

    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.notes.iter().map(|n| n.id.as_str())
    }
}

/// Reads every `notes/**/*.md` under `root`. Problems go into `report`; a
/// note with an error is left out of the corpus.
pub fn load(root: &Path, report: &mut Report) -> Corpus {
    let notes_dir = root.join("notes");
    let mut files = Vec::new();
    if let Err(err) = discover(&notes_dir, &mut files) {
        report.push(
            Diagnostic::error(format!("cannot read the notes folder: {err}")).in_file(&notes_dir),
        );
        return Corpus::default();
    }
    if files.is_empty() {
        report.push(
            Diagnostic::error("the notes folder has no Markdown notes")
                .in_file(&notes_dir)
                .hint("add notes as notes/<id>.md, or run folio in the project's root folder"),
        );
        return Corpus::default();
    }
    let parsed: Vec<(Option<Note>, Report)> = files
        .par_iter()
        .map(|path| parse_file(root, path))
        .collect();
    let mut notes = Vec::new();
    for (note, note_report) in parsed {
        report.sources.extend(note_report.sources);
        report.extend(note_report.diagnostics);
        notes.extend(note);
    }
    check_unique_ids(&mut notes, report);
    notes.sort_by(|a, b| default_order(a, b));
    Corpus { notes }
}

/// Notes sort by explicit order, then date, then title; missing values last.
pub fn default_order(a: &Note, b: &Note) -> std::cmp::Ordering {
    let key = |n: &Note| {
        (
            n.order.is_none(),
            n.order,
            n.date.is_none(),
            n.date,
            n.title.to_lowercase(),
            n.id.clone(),
        )
    };
    key(a).cmp(&key(b))
}

fn discover(dir: &Path, files: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let name = entry.file_name();
        if name.to_string_lossy().starts_with('.') {
            continue;
        }
        let path = entry.path();
        if path.is_dir() {
            discover(&path, files)?;
        } else if path.extension().is_some_and(|e| e == "md") {
            files.push(path);
        }
    }
    Ok(())
}

fn check_unique_ids(notes: &mut Vec<Note>, report: &mut Report) {
    let mut first: BTreeMap<String, PathBuf> = BTreeMap::new();
    notes.retain(|note| match first.get(&note.id) {
        Some(other) => {
            report.push(
                Diagnostic::error(format!("duplicate note id `{}`", note.id))
                    .at(&note.path, 0..0)
                    .related(other, 0..0, "the note that has this id first")
                    .hint(format!(
                        "the id is the file name; rename one of `{}` and `{}`",
                        crate::diag::display_path(other),
                        crate::diag::display_path(&note.path)
                    )),
            );
            false
        }
        None => {
            first.insert(note.id.clone(), note.path.clone());
            true
        }
    });
}

/// A note id: `[a-z0-9][a-z0-9-]*`.
pub fn is_valid_id(id: &str) -> bool {
    id.chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

fn parse_file(root: &Path, path: &Path) -> (Option<Note>, Report) {
    let mut report = Report::default();
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(err) => {
            report.push(Diagnostic::error(format!("cannot read note: {err}")).in_file(path));
            return (None, report);
        }
    };
    let text: Arc<str> = match String::from_utf8(bytes) {
        Ok(text) => text.into(),
        Err(err) => {
            let offset = err.utf8_error().valid_up_to();
            let lossy: Arc<str> = String::from_utf8_lossy(err.as_bytes()).into();
            // The lossy text has the same bytes up to the first invalid one.
            report.sources.insert(path, lossy);
            report.push(
                Diagnostic::error(format!(
                    "the note is not valid UTF-8 (invalid byte at offset {offset})"
                ))
                .at(path, offset..offset + 1)
                .hint("save the file as UTF-8"),
            );
            return (None, report);
        }
    };
    report.sources.insert(path, text.clone());
    let note = parse_note(root, path, &text, &mut report);
    (note, report)
}

/// Parses one note's text; `path` is used for ids, positions and links.
pub fn parse_note(root: &Path, path: &Path, text: &str, report: &mut Report) -> Option<Note> {
    let rel_path = path
        .strip_prefix(root)
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/");
    let id = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut ok = true;
    if !is_valid_id(&id) {
        report.push(
            Diagnostic::error(format!("`{id}` is not a valid note id"))
                .at(path, 0..0)
                .hint(
                    "ids are file names made of a-z, 0-9 and `-`, starting with a letter or digit",
                ),
        );
        ok = false;
    }
    let (front, body_offset) = match split_front_matter(text) {
        Ok(split) => split,
        Err(diagnostic) => {
            report.push(diagnostic.in_file(path));
            return None;
        }
    };
    let meta = match &front {
        Some(front) => match front.parse(text) {
            Ok((meta, warnings)) => {
                report.extend(warnings.into_iter().map(|w| w.in_file(path)));
                meta
            }
            Err(diagnostic) => {
                report.push(diagnostic.in_file(path));
                return None;
            }
        },
        None => FrontMatter::default(),
    };
    let dir = rel_path
        .rsplit_once('/')
        .map_or("", |(dir, _)| dir)
        .to_string();
    let context = NoteContext {
        id: &id,
        dir: &dir,
        take_title: meta.title.is_none(),
    };
    let mut body = markup::convert(&text[body_offset..], &context);
    let shift = |r: &Range<usize>| r.start + body_offset..r.end + body_offset;
    for diagnostic in body.diagnostics.drain(..) {
        let range = diagnostic.range.as_ref().map(shift).unwrap_or(0..0);
        report.push(Diagnostic {
            file: Some(path.to_path_buf()),
            range: Some(range),
            ..diagnostic
        });
    }
    body.headings
        .iter_mut()
        .for_each(|h| h.range = shift(&h.range));
    body.xrefs
        .iter_mut()
        .for_each(|x| x.range = shift(&x.range));
    body.images
        .iter_mut()
        .for_each(|i| i.range = shift(&i.range));

    let title = match meta.title.clone().or_else(|| body.title.clone()) {
        Some(title) if !title.trim().is_empty() => title,
        _ => {
            report.push(
                Diagnostic::error("the note has no title")
                    .at(path, 0..text.find('\n').unwrap_or(text.len()))
                    .hint("add `title: ...` to the front matter, or start the body with a `# Title` heading"),
            );
            return None;
        }
    };
    let date = match meta.date.as_ref().map(|d| &d.0) {
        Some(value) => match Date::parse(value) {
            Some(date) => Some(date),
            None => {
                let at = front
                    .as_ref()
                    .and_then(|f| f.locate_key(text, "date"))
                    .unwrap_or(0..0);
                report.push(
                    Diagnostic::error(format!("`{value}` is not a date"))
                        .at(path, at)
                        .hint("write dates as YYYY-MM-DD, e.g. 2009-12-01"),
                );
                ok = false;
                None
            }
        },
        None => None,
    };
    let related = meta
        .related
        .iter()
        .map(|id| {
            let range = front
                .as_ref()
                .and_then(|f| f.locate_value(text, "related", id))
                .unwrap_or(0..0);
            (id.clone(), range)
        })
        .collect();
    ok.then(|| Note {
        id,
        path: path.to_path_buf(),
        rel_path,
        title: title.trim().to_string(),
        short_title: meta.short_title,
        subtitle: meta.subtitle,
        date,
        authors: meta.authors.into_vec(),
        summary: meta.summary,
        tags: meta.tags.into_vec(),
        related,
        order: meta.order,
        classification: meta.classification.map(|level| {
            let at = front
                .as_ref()
                .and_then(|f| f.locate_key(text, "classification"))
                .unwrap_or(0..0);
            (level, at)
        }),
        body_offset,
        body,
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Syntax {
    Yaml,
    Toml,
}

/// The front-matter block of a note file.
struct FrontBlock {
    syntax: Syntax,
    /// Byte range of the block's content (between the delimiter lines).
    content: Range<usize>,
}

#[derive(Debug, Default, Deserialize)]
struct FrontMatter {
    title: Option<String>,
    short_title: Option<String>,
    subtitle: Option<String>,
    date: Option<DateSetting>,
    #[serde(default)]
    authors: OneOrMany,
    summary: Option<String>,
    #[serde(default)]
    tags: OneOrMany,
    #[serde(default)]
    related: Vec<String>,
    order: Option<i64>,
    classification: Option<String>,
}

/// Splits off the front matter; returns it and the body's byte offset.
fn split_front_matter(text: &str) -> Result<(Option<FrontBlock>, usize), Diagnostic> {
    let start = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let first_line_end = text[start..]
        .find('\n')
        .map_or(text.len(), |i| start + i + 1);
    let syntax = match text[start..first_line_end].trim_end() {
        "---" => Syntax::Yaml,
        "+++" => Syntax::Toml,
        _ => return Ok((None, start)),
    };
    let closing: &[&str] = if syntax == Syntax::Yaml {
        &["---", "..."]
    } else {
        &["+++"]
    };
    let mut offset = first_line_end;
    for line in text[first_line_end..].split_inclusive('\n') {
        if closing.contains(&line.trim_end()) {
            let block = FrontBlock {
                syntax,
                content: first_line_end..offset,
            };
            return Ok((Some(block), offset + line.len()));
        }
        offset += line.len();
    }
    let delimiter = &text[start..start + 3];
    Err(Diagnostic::error("the front matter is never closed")
        .at("", start..start + 3)
        .hint(format!(
            "end the front matter with a line that is just `{delimiter}`"
        )))
}

impl FrontBlock {
    fn parse(&self, text: &str) -> Result<(FrontMatter, Vec<Diagnostic>), Diagnostic> {
        let content = &text[self.content.clone()];
        let base = self.content.start;
        let (keys, meta) = match self.syntax {
            Syntax::Yaml => {
                if content.trim().is_empty() {
                    return Ok((FrontMatter::default(), Vec::new()));
                }
                let yaml_error = |err: serde_norway::Error| {
                    let at = err.location().map_or(0, |l| l.index());
                    let message = err.to_string();
                    let message = message
                        .split(" at line ")
                        .next()
                        .unwrap_or(&message)
                        .to_string();
                    Diagnostic::error(format!("invalid YAML front matter: {message}"))
                        .at("", base + at..base + at + 1)
                };
                let value: serde_norway::Value =
                    serde_norway::from_str(content).map_err(yaml_error)?;
                let serde_norway::Value::Mapping(mapping) = &value else {
                    return Err(Diagnostic::error(
                        "the front matter must be a mapping of `key: value` lines",
                    )
                    .at("", base..base + content.len()));
                };
                let keys: Vec<String> = mapping
                    .keys()
                    .filter_map(|k| k.as_str().map(str::to_string))
                    .collect();
                (
                    keys,
                    serde_norway::from_str::<FrontMatter>(content).map_err(yaml_error)?,
                )
            }
            Syntax::Toml => {
                let toml_error = |err: toml::de::Error| {
                    let range = err.span().unwrap_or(0..0);
                    Diagnostic::error(format!(
                        "invalid TOML front matter: {}",
                        err.message().trim()
                    ))
                    .at("", base + range.start..base + range.end)
                };
                let table: toml::Table = toml::from_str(content).map_err(toml_error)?;
                let keys = table.keys().cloned().collect();
                (
                    keys,
                    toml::from_str::<FrontMatter>(content).map_err(toml_error)?,
                )
            }
        };
        let warnings = keys
            .iter()
            .filter(|k| !KNOWN_KEYS.contains(&k.as_str()))
            .map(|k| {
                Diagnostic::warning(format!("unknown front-matter key `{k}` is ignored"))
                    .at("", self.locate_key(text, k).unwrap_or(base..base))
                    .hint(format!("folio reads: {}", KNOWN_KEYS.join(", ")))
            })
            .collect();
        Ok((meta, warnings))
    }

    /// The byte range of `key` where it starts a line of the block.
    fn locate_key(&self, text: &str, key: &str) -> Option<Range<usize>> {
        let mut offset = self.content.start;
        for line in text[self.content.clone()].split_inclusive('\n') {
            let rest = line
                .strip_prefix(key)
                .or_else(|| line.strip_prefix(&format!("\"{key}\"")));
            if let Some(rest) = rest {
                let sep = if self.syntax == Syntax::Yaml {
                    ':'
                } else {
                    '='
                };
                if rest.trim_start().starts_with(sep) {
                    return Some(offset..offset + key.len());
                }
            }
            offset += line.len();
        }
        None
    }

    /// The byte range of `value` in the lines belonging to `key`.
    fn locate_value(&self, text: &str, key: &str, value: &str) -> Option<Range<usize>> {
        let key_at = self.locate_key(text, key)?;
        let tail = &text[key_at.end..self.content.end];
        let mut offset = key_at.end;
        for (i, line) in tail.split_inclusive('\n').enumerate() {
            // The key's own line, then its continuation lines (indented or `- `).
            if i > 0 && !line.starts_with([' ', '\t', '-']) {
                break;
            }
            let mut search = 0;
            while let Some(found) = line[search..].find(value) {
                let start = search + found;
                let end = start + value.len();
                let boundary =
                    |c: Option<char>| c.is_none_or(|c| !(c.is_ascii_alphanumeric() || c == '-'));
                if boundary(line[..start].chars().next_back())
                    && boundary(line[end..].chars().next())
                {
                    return Some(offset + start..offset + end);
                }
                search = end;
            }
            offset += line.len();
        }
        None
    }
}
