//! Discover and parse notes into folio's owned note model.
//!
//! Notes are read in two passes. The first reads every file: its id (from
//! the file name, see [`assign_ids`]), front matter and outline (title,
//! headings, blocks, tags), which is all that links can point at. The
//! second converts each body into Typst (see [`crate::markup`]) with every
//! reference resolved against the first pass's [`names::Index`]. Everything
//! downstream works on [`Note`] values; no later stage goes back to the file.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

use crate::cite;
use crate::diag::{Code, Diagnostic, Report};
use crate::edition::Previous;
use crate::markup::{self, Converted, NoteContext, NoteName, Outline, Resolve};
use crate::names::{self, Index};
use crate::slug;
use crate::values::Date;

/// Front-matter keys folio reads, and keys that the common note tools
/// write and folio quietly ignores; any other key is a warning.
pub const KNOWN_KEYS: &[&str] = &[
    "title",
    "short_title",
    "subtitle",
    "date",
    "authors",
    "summary",
    "description",
    "tags",
    "related",
    "order",
    "classification",
    "lang",
    "aliases",
    "draft",
    "bibliography",
    "cssclasses",
    "permalink",
    "layout",
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
    /// The notes `related` names, as ids, with the byte range of each entry.
    pub related: Vec<(String, Range<usize>)>,
    pub order: Option<i64>,
    /// The note's marking, with the place of its key in the file.
    pub classification: Option<(String, Range<usize>)>,
    /// The note's language (`lang`), if it says.
    pub lang: Option<String>,
    /// Project-relative paths of the bibliography files its front matter
    /// names (`bibliography`), in addition to folio.toml's.
    pub bibliography: Vec<String>,
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
    /// Notes left out because their front matter says `draft: true`.
    pub drafts: Vec<PathBuf>,
    /// The bibliography files of folio.toml and of the notes' front matter.
    pub library: cite::Library,
}

impl Corpus {
    pub fn get(&self, id: &str) -> Option<&Note> {
        self.notes.iter().find(|n| n.id == id)
    }

    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.notes.iter().map(|n| n.id.as_str())
    }
}

/// Reads every `notes/**/*.md` (and `*.markdown`) under `root`. Problems go
/// into `report`; a note with an error is left out of the corpus.
pub fn load(
    root: &Path,
    library: cite::Library,
    previous: Option<&Previous>,
    report: &mut Report,
) -> Corpus {
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
                .hint("add notes as notes/<name>.md, or run folio in the project's root folder"),
        );
        return Corpus::default();
    }
    let read: Vec<(PathBuf, Result<Arc<str>, Report>)> = files
        .into_par_iter()
        .map(|path| {
            let text = read_text(&path);
            (path, text)
        })
        .collect();
    let mut texts = Vec::new();
    for (path, text) in read {
        match text {
            Ok(text) => texts.push((path, text)),
            Err(problems) => {
                report.sources.extend(problems.sources);
                report.extend(problems.diagnostics);
            }
        }
    }
    from_texts(root, texts, library, previous, report)
}

/// Parses notes given as texts (paths inside `root/notes`), as [`load`]
/// does after reading them.
pub fn from_texts(
    root: &Path,
    texts: Vec<(PathBuf, Arc<str>)>,
    library: cite::Library,
    previous: Option<&Previous>,
    report: &mut Report,
) -> Corpus {
    let notes_dir = root.join("notes");
    let paths: Vec<PathBuf> = texts.iter().map(|(p, _)| p.clone()).collect();
    let ids = assign_ids(&notes_dir, &paths, report);
    let drafts: Vec<(Option<Draft>, Report)> = texts
        .into_par_iter()
        .zip(ids)
        .map(|((path, text), id)| {
            let mut report = Report::default();
            report.sources.insert(&path, text.clone());
            let draft = id.and_then(|id| first_pass(root, &path, id, text, &mut report));
            (draft, report)
        })
        .collect();
    let mut kept = Vec::new();
    let mut corpus = Corpus {
        library,
        ..Corpus::default()
    };
    for (draft, draft_report) in drafts {
        report.sources.extend(draft_report.sources);
        report.extend(draft_report.diagnostics);
        match draft {
            Some(draft) if draft.front.draft => corpus.drafts.push(draft.path),
            Some(draft) => kept.push(draft),
            None => {}
        }
    }
    let entries = kept
        .iter()
        .map(|d| names::Entry {
            id: d.id.clone(),
            title: d.title.clone(),
            rel_path: d.rel_path.clone(),
            aliases: d.front.aliases.clone(),
            outline: d.outline.clone(),
            body: d.text[d.body_offset..].into(),
            take_title: d.take_title,
        })
        .collect();
    for draft in &mut kept {
        draft.bibliography = note_bibliography(root, draft, &mut corpus.library, report);
    }
    let index = Index::new(root, entries).with_bibliography(&corpus.library);
    let converted: Vec<(Option<Note>, Report)> = kept
        .into_par_iter()
        .map(|draft| {
            let mut report = Report::default();
            let before = previous
                .and_then(|p| p.record.notes.get(&draft.id))
                .map(|n| n.blocks.iter().cloned().collect());
            let note = second_pass(draft, &index, before.as_ref(), &mut report);
            (note, report)
        })
        .collect();
    // A bibliography that cannot be read holds back every document, and
    // its keys are unknown: its error is the one to read, not one warning
    // per citation.
    let unread_bibliography = report
        .diagnostics
        .iter()
        .any(|d| d.is_error() && d.file.as_deref().is_some_and(cite::is_bibliography_file));
    for (note, note_report) in converted {
        report.extend(
            note_report
                .diagnostics
                .into_iter()
                .filter(|d| !(unread_bibliography && d.code == Some(Code::UnresolvedCitation))),
        );
        corpus.notes.extend(note);
    }
    corpus.notes.sort_by(default_order);
    corpus
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
        } else if path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("md") || e.eq_ignore_ascii_case("markdown"))
        {
            files.push(path);
        }
    }
    Ok(())
}

/// Gives every note file its id: the file name slugged (see
/// [`slug::id`]); `index.md` and `README.md` stand for their folder. Where
/// ids clash, each is qualified with as much of its folder path as makes it
/// unique (`plugins/graph-view`), as Obsidian shortens link paths. Files
/// that clash even with their whole path (`Foo.md`, `foo.md`) are an error,
/// and only the first keeps the id.
pub fn assign_ids(notes_dir: &Path, paths: &[PathBuf], report: &mut Report) -> Vec<Option<String>> {
    // Each file's name and folders, innermost last, as slugs.
    let parts: Vec<Vec<String>> = paths
        .iter()
        .map(|path| {
            let rel = path.strip_prefix(notes_dir).unwrap_or(path);
            let mut parts: Vec<String> = rel
                .parent()
                .into_iter()
                .flat_map(|p| p.components())
                .map(|c| slug::id(&c.as_os_str().to_string_lossy()))
                .collect();
            let stem = path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            let stands_for_folder = matches!(stem.to_lowercase().as_str(), "index" | "readme");
            if !stands_for_folder || parts.is_empty() {
                parts.push(match slug::id(&stem) {
                    id if id.is_empty() => "note".to_string(),
                    id => id,
                });
            }
            parts
        })
        .collect();
    let id_of =
        |parts: &[String], depth: usize| parts[parts.len().saturating_sub(depth)..].join("/");
    let mut depth = vec![1usize; paths.len()];
    loop {
        let mut by_id: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        for (i, p) in parts.iter().enumerate() {
            by_id.entry(id_of(p, depth[i])).or_default().push(i);
        }
        let mut changed = false;
        for group in by_id.values().filter(|g| g.len() > 1) {
            for &i in group {
                if depth[i] < parts[i].len() {
                    depth[i] += 1;
                    changed = true;
                }
            }
        }
        if !changed {
            break;
        }
    }
    let mut first: BTreeMap<String, usize> = BTreeMap::new();
    let mut ids = Vec::with_capacity(paths.len());
    for (i, p) in parts.iter().enumerate() {
        let id = id_of(p, depth[i]);
        match first.get(&id) {
            Some(&other) => {
                report.push(
                    Diagnostic::error(format!("two notes would both have the id `{id}`"))
                        .at(&paths[i], 0..0)
                        .related(&paths[other], 0..0, "the note that has this id first")
                        .hint(format!(
                            "ids come from file names, ignoring case and punctuation; rename `{}` or `{}`",
                            crate::diag::display_path(&paths[other]),
                            crate::diag::display_path(&paths[i])
                        ))
                        .with_code(Code::DuplicateId),
                );
                ids.push(None);
            }
            None => {
                first.insert(id.clone(), i);
                ids.push(Some(id));
            }
        }
    }
    ids
}

fn read_text(path: &Path) -> Result<Arc<str>, Report> {
    match std::fs::read(path) {
        Ok(bytes) => decode(path, bytes),
        Err(err) => {
            let mut report = Report::default();
            report.push(Diagnostic::error(format!("cannot read note: {err}")).in_file(path));
            Err(report)
        }
    }
}

/// A note file's bytes as text: UTF-8, or an error at the first byte that
/// is not.
pub fn decode(path: &Path, bytes: Vec<u8>) -> Result<Arc<str>, Report> {
    let mut report = Report::default();
    match String::from_utf8(bytes) {
        Ok(text) => Ok(text.into()),
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
            Err(report)
        }
    }
}

/// A note after the first pass: everything but its converted body.
struct Draft {
    id: String,
    path: PathBuf,
    rel_path: String,
    text: Arc<str>,
    front: FrontMatter,
    block: Option<FrontBlock>,
    body_offset: usize,
    outline: Outline,
    title: String,
    take_title: bool,
    date: Option<Date>,
    /// Project-relative paths of the front matter's `bibliography` files.
    bibliography: Vec<String>,
}

fn first_pass(
    root: &Path,
    path: &Path,
    id: String,
    text: Arc<str>,
    report: &mut Report,
) -> Option<Draft> {
    let rel_path = path
        .strip_prefix(root)
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/");
    let (block, body_offset) = match split_front_matter(&text) {
        Ok(split) => split,
        Err(diagnostic) => {
            report.push(diagnostic.in_file(path));
            return None;
        }
    };
    let front = match &block {
        Some(block) => match block.parse(&text) {
            Ok((front, warnings)) => {
                report.extend(warnings.into_iter().map(|w| w.in_file(path)));
                front
            }
            Err(diagnostic) => {
                report.push(diagnostic.in_file(path));
                return None;
            }
        },
        None => FrontMatter::default(),
    };
    let take_title = front.title.is_none();
    let outline = markup::outline(&text[body_offset..], take_title);
    let title = front
        .title
        .clone()
        .or_else(|| outline.title.clone())
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| file_title(path));
    let mut ok = true;
    let date = match &front.date {
        Some(value) => match Date::parse(value.get(..10).unwrap_or(value)) {
            Some(date) => Some(date),
            None => {
                let at = block
                    .as_ref()
                    .and_then(|f| f.locate_key(&text, "date"))
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
    ok.then(|| Draft {
        id,
        path: path.to_path_buf(),
        rel_path,
        text,
        front,
        block,
        body_offset,
        outline,
        title,
        take_title,
        date,
        bibliography: Vec::new(),
    })
}

/// Reads the files a note's front matter names under `bibliography`,
/// relative to the note's folder, and returns their project paths.
fn note_bibliography(
    root: &Path,
    draft: &Draft,
    library: &mut cite::Library,
    report: &mut Report,
) -> Vec<String> {
    let dir = names::folder_of(&draft.rel_path);
    let mut files = Vec::new();
    for name in &draft.front.bibliography {
        let range = draft
            .block
            .as_ref()
            .and_then(|f| f.locate_value(&draft.text, "bibliography", name))
            .unwrap_or(0..0);
        let origin = cite::Origin {
            file: draft.path.clone(),
            range,
            dir: dir.to_string(),
        };
        if let Some(rel) = library.add(root, name, &origin, report)
            && !files.contains(&rel)
        {
            files.push(rel);
        }
    }
    files
}

/// A note's title when it has none: its file name as written (for
/// `index.md` and `README.md`, their folder's name).
fn file_title(path: &Path) -> String {
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    if matches!(stem.to_lowercase().as_str(), "index" | "readme")
        && let Some(folder) = path.parent().and_then(Path::file_name)
        && folder != "notes"
    {
        return folder.to_string_lossy().into_owned();
    }
    stem
}

// Long: the note's whole second pass (body, positions, related, tags) in
// order, on one draft, so nothing about a note is computed twice.
fn second_pass(
    draft: Draft,
    index: &Index,
    previous_blocks: Option<&std::collections::BTreeSet<String>>,
    report: &mut Report,
) -> Option<Note> {
    let Draft {
        id,
        path,
        rel_path,
        text,
        front,
        block,
        body_offset,
        outline,
        title,
        take_title,
        date,
        bibliography,
    } = draft;
    let dir = names::folder_of(&rel_path).to_string();
    let context = NoteContext {
        id: &id,
        dir: &dir,
        take_title,
        resolver: index,
        previous_blocks,
    };
    let mut body = markup::convert(&text[body_offset..], &context);
    let shift = |r: &Range<usize>| r.start + body_offset..r.end + body_offset;
    let mut ok = true;
    for diagnostic in body.diagnostics.drain(..) {
        let range = diagnostic.range.as_ref().map(shift).unwrap_or(0..0);
        ok &= !diagnostic.is_error();
        report.push(Diagnostic {
            file: Some(path.clone()),
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
    body.citations
        .iter_mut()
        .for_each(|c| c.range = shift(&c.range));
    let mut related = Vec::new();
    for name in &front.related {
        let range = block
            .as_ref()
            .and_then(|f| f.locate_value(&text, "related", name))
            .unwrap_or(0..0);
        let wanted = wiki_name(name);
        match index.note(&NoteName::Wiki {
            from_dir: &dir,
            name: wanted,
        }) {
            Some(target) => related.push((target, range)),
            None => {
                let diagnostic =
                    Diagnostic::warning(format!("`related` names `{wanted}`, which is no note"))
                        .at(&path, range)
                        .with_code(Code::UnresolvedRelated);
                report.push(match index.suggest_note(wanted) {
                    Some(best) => diagnostic.hint(format!("did you mean `{best}`?")),
                    None => diagnostic.hint("the entry is left out of “This relates to…”"),
                });
            }
        }
    }
    let mut tags = front.tags.clone();
    for tag in &outline.tags {
        if !tags.contains(tag) {
            tags.push(tag.clone());
        }
    }
    let classification = front.classification.clone().map(|level| {
        let at = block
            .as_ref()
            .and_then(|f| f.locate_key(&text, "classification"))
            .unwrap_or(0..0);
        (level, at)
    });
    ok.then(|| Note {
        id,
        path,
        rel_path,
        title,
        short_title: front.short_title,
        subtitle: front.subtitle,
        date,
        authors: front.authors,
        summary: front.summary.or(front.description),
        tags,
        related,
        order: front.order,
        classification,
        lang: front.lang,
        bibliography,
        body_offset,
        body,
    })
}

/// `[[Name|shown]]` in front matter (Obsidian properties) names `Name`.
fn wiki_name(entry: &str) -> &str {
    let entry = entry.trim();
    let inner = entry
        .strip_prefix("[[")
        .and_then(|e| e.strip_suffix("]]"))
        .unwrap_or(entry);
    inner.split('|').next().unwrap_or(inner).trim()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Syntax {
    Yaml,
    Toml,
}

/// The front-matter block of a note file.
#[derive(Debug)]
struct FrontBlock {
    syntax: Syntax,
    /// Byte range of the block's content (between the delimiter lines).
    content: Range<usize>,
}

/// The front matter folio reads. Keys match in any case (`Title:`), and
/// values are taken as leniently as they are written: a number where text
/// is expected is text, one string where a list is expected is a list of
/// one. A value of a shape that cannot mean anything is a warning.
#[derive(Debug, Default)]
struct FrontMatter {
    title: Option<String>,
    short_title: Option<String>,
    subtitle: Option<String>,
    date: Option<String>,
    authors: Vec<String>,
    summary: Option<String>,
    description: Option<String>,
    tags: Vec<String>,
    related: Vec<String>,
    order: Option<i64>,
    classification: Option<String>,
    lang: Option<String>,
    aliases: Vec<String>,
    draft: bool,
    bibliography: Vec<String>,
}

/// Splits off the front matter; returns it and the body's byte offset.
// A diagnostic is this function's whole error; it is built once per note.
#[allow(clippy::result_large_err)]
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
        .with_range(start..start + 3)
        .hint(format!(
            "end the front matter with a line that is just `{delimiter}`"
        )))
}

impl FrontBlock {
    // A diagnostic is this function's whole error; it is built once per note.
    #[allow(clippy::result_large_err)]
    // Long: one arm per front-matter key folio reads, each lenient in its way.
    fn parse(&self, text: &str) -> Result<(FrontMatter, Vec<Diagnostic>), Diagnostic> {
        let content = &text[self.content.clone()];
        let base = self.content.start;
        let value: serde_json::Value = match self.syntax {
            Syntax::Yaml => {
                if content.trim().is_empty() {
                    return Ok((FrontMatter::default(), Vec::new()));
                }
                let value: serde_norway::Value =
                    serde_norway::from_str(content).map_err(|err| {
                        let at = err.location().map_or(0, |l| l.index());
                        let message = err.to_string();
                        let message = message
                            .split(" at line ")
                            .next()
                            .unwrap_or(&message)
                            .to_string();
                        Diagnostic::error(format!("invalid YAML front matter: {message}"))
                            .with_range(base + at..base + at + 1)
                    })?;
                yaml_to_json(value)
            }
            Syntax::Toml => {
                let table: toml::Table = toml::from_str(content).map_err(|err| {
                    let range = err.span().unwrap_or(0..0);
                    Diagnostic::error(format!(
                        "invalid TOML front matter: {}",
                        err.message().trim()
                    ))
                    .with_range(base + range.start..base + range.end)
                })?;
                toml_to_json(toml::Value::Table(table))
            }
        };
        let serde_json::Value::Object(mapping) = value else {
            return Err(Diagnostic::error(
                "the front matter must be a mapping of `key: value` lines",
            )
            .with_range(base..base + content.len()));
        };
        let mut front = FrontMatter::default();
        let mut warnings = Vec::new();
        for (key, value) in &mapping {
            let lower = key.to_lowercase();
            let at = self.locate_key(text, key).unwrap_or(base..base);
            let mut wrong_shape = None;
            match lower.as_str() {
                "title" => front.title = text_value(value),
                "short_title" => front.short_title = text_value(value),
                "subtitle" => front.subtitle = text_value(value),
                "summary" => front.summary = text_value(value),
                "description" => front.description = text_value(value),
                "classification" => front.classification = text_value(value),
                "lang" => front.lang = text_value(value),
                "date" => front.date = text_value(value),
                "authors" | "author" => {
                    front.authors = list_value(value)
                        .iter()
                        .map(|a| wiki_name(a).to_string())
                        .collect()
                }
                "tags" => {
                    front.tags = list_value(value)
                        .into_iter()
                        .map(|t| t.trim_start_matches('#').to_string())
                        .filter(|t| !t.is_empty())
                        .collect()
                }
                "related" => front.related = list_value(value),
                "aliases" => front.aliases = list_value(value),
                "bibliography" => front.bibliography = list_value(value),
                "order" => match value {
                    serde_json::Value::Null => {}
                    serde_json::Value::Number(n) if n.as_i64().is_some() => {
                        front.order = n.as_i64()
                    }
                    serde_json::Value::String(s) if s.trim().parse::<i64>().is_ok() => {
                        front.order = s.trim().parse().ok()
                    }
                    _ => wrong_shape = Some("a whole number"),
                },
                "draft" => front.draft = matches!(value, serde_json::Value::Bool(true)),
                _ if KNOWN_KEYS.contains(&lower.as_str()) => {}
                _ => warnings.push(
                    Diagnostic::warning(format!("unknown front-matter key `{key}` is ignored"))
                        .with_range(at.clone())
                        .hint(format!("folio reads: {}", KNOWN_KEYS.join(", ")))
                        .with_code(Code::UnknownKey),
                ),
            }
            let expects_text = matches!(
                lower.as_str(),
                "title"
                    | "short_title"
                    | "subtitle"
                    | "summary"
                    | "description"
                    | "classification"
                    | "lang"
                    | "date"
            );
            if expects_text
                && matches!(
                    value,
                    serde_json::Value::Object(_) | serde_json::Value::Array(_)
                )
            {
                wrong_shape = Some("text");
            }
            if let Some(what) = wrong_shape {
                warnings.push(
                    Diagnostic::warning(format!(
                        "front-matter key `{key}` should be {what}; it is ignored"
                    ))
                    .with_range(at)
                    .with_code(Code::FrontMatterValue),
                );
            }
        }
        Ok((front, warnings))
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

fn yaml_to_json(value: serde_norway::Value) -> serde_json::Value {
    use serde_norway::Value as Y;
    match value {
        Y::Null => serde_json::Value::Null,
        Y::Bool(b) => b.into(),
        Y::Number(n) => {
            if let Some(i) = n.as_i64() {
                i.into()
            } else if let Some(f) = n.as_f64() {
                serde_json::Number::from_f64(f).map_or(serde_json::Value::Null, Into::into)
            } else {
                serde_json::Value::String(n.to_string())
            }
        }
        Y::String(s) => s.into(),
        Y::Sequence(items) => items.into_iter().map(yaml_to_json).collect(),
        Y::Mapping(mapping) => mapping
            .into_iter()
            .map(|(k, v)| {
                let key = match k {
                    Y::String(s) => s,
                    other => serde_norway::to_string(&other)
                        .unwrap_or_default()
                        .trim()
                        .to_string(),
                };
                (key, yaml_to_json(v))
            })
            .collect::<serde_json::Map<_, _>>()
            .into(),
        Y::Tagged(tagged) => yaml_to_json(tagged.value),
    }
}

fn toml_to_json(value: toml::Value) -> serde_json::Value {
    match value {
        toml::Value::String(s) => s.into(),
        toml::Value::Integer(i) => i.into(),
        toml::Value::Float(f) => {
            serde_json::Number::from_f64(f).map_or(serde_json::Value::Null, Into::into)
        }
        toml::Value::Boolean(b) => b.into(),
        toml::Value::Datetime(d) => d.to_string().into(),
        toml::Value::Array(items) => items.into_iter().map(toml_to_json).collect(),
        toml::Value::Table(table) => table
            .into_iter()
            .map(|(k, v)| (k, toml_to_json(v)))
            .collect::<serde_json::Map<_, _>>()
            .into(),
    }
}

/// Text from a scalar: strings as written (without HTML tags, which
/// static-site front matter sometimes holds), numbers and booleans as printed.
fn text_value(value: &serde_json::Value) -> Option<String> {
    match value {
        serde_json::Value::String(s) => Some(markup::html::strip_tags(s)),
        serde_json::Value::Number(n) => Some(n.to_string()),
        serde_json::Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A list of texts from a list, or from one scalar.
fn list_value(value: &serde_json::Value) -> Vec<String> {
    match value {
        serde_json::Value::Array(items) => items.iter().filter_map(text_value).collect(),
        other => text_value(other).into_iter().collect(),
    }
}
