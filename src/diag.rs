//! One diagnostic type for everything folio says about the user's content.
//!
//! Every stage reports problems as [`Diagnostic`]s that point at a byte range
//! in a file; nothing about the user's input is ever a bare string. Line and
//! column are derived from the range only when the diagnostic is shown, so a
//! stage never has to count lines itself. The source text is kept in a
//! [`Sources`] registry because some files (invalid UTF-8, generated Typst)
//! cannot simply be re-read from disk when the report is printed.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use codespan_reporting::diagnostic::{Diagnostic as CsDiagnostic, Label, Severity as CsSeverity};
use codespan_reporting::files::SimpleFiles;
use codespan_reporting::term::{self, termcolor};

/// Warnings of one kind shown in full before the rest are only counted.
pub const SHOWN_PER_CODE: usize = 10;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
}

/// What kind of problem a diagnostic is: decides how it is summarised and
/// handled (not its wording), and is carried in JSON output as `code`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Code {
    /// A link or `[[…]]` naming a note that does not exist.
    UnresolvedLink,
    /// A link to a heading or block that the target note does not have.
    UnresolvedAnchor,
    /// A citation whose key no bibliography of the document has.
    UnresolvedCitation,
    /// A front-matter `related` entry naming no note.
    UnresolvedRelated,
    /// An `![[…]]` embed whose target does not exist.
    UnresolvedEmbed,
    /// An embed that would include itself again.
    EmbedCycle,
    /// An embed of a file a printed book cannot show (audio, video, …).
    UnprintableEmbed,
    /// A front-matter key folio does not read.
    UnknownKey,
    /// A Liquid/Jekyll/Hugo template tag printed as text.
    TemplateTag,
    /// A diagram code block (mermaid, …) printed as code.
    Diagram,
    /// HTML folio does not render, printed as text.
    RawHtml,
    /// Two notes whose ids clash even with their whole path.
    DuplicateId,
    /// An image without alternative text.
    MissingAltText,
    /// A note no other note links to.
    Orphan,
    /// Characters no available font has: they would print as blank boxes.
    MissingGlyphs,
    /// An image on the network, which folio does not fetch.
    RemoteImage,
    /// An image too small for its printed size.
    LowResolution,
    /// A front-matter value of a shape that means nothing for its key.
    FrontMatterValue,
    /// A warning Typst gave while laying out.
    Typst,
}

impl Code {
    pub fn as_str(self) -> &'static str {
        match self {
            Code::UnresolvedLink => "unresolved-link",
            Code::UnresolvedAnchor => "unresolved-anchor",
            Code::UnresolvedRelated => "unresolved-related",
            Code::UnresolvedCitation => "unresolved-citation",
            Code::UnresolvedEmbed => "unresolved-embed",
            Code::EmbedCycle => "embed-cycle",
            Code::UnprintableEmbed => "unprintable-embed",
            Code::UnknownKey => "unknown-key",
            Code::TemplateTag => "template-tag",
            Code::Diagram => "diagram",
            Code::RawHtml => "raw-html",
            Code::DuplicateId => "duplicate-id",
            Code::MissingAltText => "missing-alt-text",
            Code::Orphan => "orphan",
            Code::RemoteImage => "remote-image",
            Code::LowResolution => "low-resolution",
            Code::FrontMatterValue => "front-matter-value",
            Code::Typst => "typst",
            Code::MissingGlyphs => "missing-glyphs",
        }
    }
}

/// A secondary place that explains a diagnostic ("first defined here").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Related {
    pub file: PathBuf,
    pub range: Range<usize>,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    /// Path relative to the project root (or absolute when outside it).
    pub file: Option<PathBuf>,
    /// Byte range in `file`; `None` for problems with a whole file or none.
    pub range: Option<Range<usize>>,
    pub message: String,
    pub hints: Vec<String>,
    pub related: Vec<Related>,
    pub code: Option<Code>,
}

impl Diagnostic {
    pub fn error(message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Error,
            file: None,
            range: None,
            message: message.into(),
            hints: Vec::new(),
            related: Vec::new(),
            code: None,
        }
    }

    pub fn with_code(mut self, code: Code) -> Self {
        self.code = Some(code);
        self
    }

    pub fn warning(message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Warning,
            ..Self::error(message)
        }
    }

    pub fn in_file(mut self, file: impl Into<PathBuf>) -> Self {
        self.file = Some(file.into());
        self
    }

    pub fn at(mut self, file: impl Into<PathBuf>, range: Range<usize>) -> Self {
        self.file = Some(file.into());
        self.range = Some(range);
        self
    }

    /// A place in a file the caller names later (a stage that converts one
    /// text does not know its file; the stage that read the file does).
    pub fn with_range(mut self, range: Range<usize>) -> Self {
        self.range = Some(range);
        self
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hints.push(hint.into());
        self
    }

    pub fn related(
        mut self,
        file: impl Into<PathBuf>,
        range: Range<usize>,
        message: impl Into<String>,
    ) -> Self {
        self.related.push(Related {
            file: file.into(),
            range,
            message: message.into(),
        });
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// A 1-based line and column (columns count characters, not bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct LineCol {
    pub line: usize,
    pub column: usize,
}

/// The text of every file a diagnostic may point into.
#[derive(Debug, Default, Clone)]
pub struct Sources {
    files: BTreeMap<PathBuf, Arc<str>>,
}

impl Sources {
    pub fn insert(&mut self, path: impl Into<PathBuf>, text: Arc<str>) {
        self.files.insert(path.into(), text);
    }

    pub fn get(&self, path: &Path) -> Option<&Arc<str>> {
        self.files.get(path)
    }

    pub fn extend(&mut self, other: Sources) {
        self.files.extend(other.files);
    }

    /// Where a diagnostic starts, if it has a place in a known file.
    pub fn line_col(&self, diagnostic: &Diagnostic) -> Option<LineCol> {
        let text = self.files.get(diagnostic.file.as_deref()?)?;
        Some(line_col(text, diagnostic.range.as_ref()?.start))
    }
}

/// 1-based line and character column of a byte offset (clamped to the text).
pub fn line_col(text: &str, offset: usize) -> LineCol {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    LineCol {
        line: before.matches('\n').count() + 1,
        column: before[line_start..].chars().count() + 1,
    }
}

/// Every diagnostic of a run, in a stable order, with the sources to show them.
#[derive(Debug, Default, Clone)]
pub struct Report {
    pub diagnostics: Vec<Diagnostic>,
    pub sources: Sources,
}

impl Report {
    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.diagnostics.push(diagnostic);
    }

    pub fn extend(&mut self, diagnostics: impl IntoIterator<Item = Diagnostic>) {
        self.diagnostics.extend(diagnostics);
    }

    pub fn error_count(&self) -> usize {
        self.diagnostics.iter().filter(|d| d.is_error()).count()
    }

    pub fn warning_count(&self) -> usize {
        self.diagnostics.len() - self.error_count()
    }

    pub fn has_errors(&self) -> bool {
        self.error_count() > 0
    }

    /// Orders by file, then position, then message, so output never depends
    /// on the order in which parallel stages finished.
    pub fn sort(&mut self) {
        let sources = &self.sources;
        self.diagnostics.sort_by(|a, b| {
            (&a.file, sources.line_col(a), a.severity, &a.message).cmp(&(
                &b.file,
                sources.line_col(b),
                b.severity,
                &b.message,
            ))
        });
        self.diagnostics.dedup();
    }

    /// Writes the diagnostics with source snippets, then the count. Warnings
    /// of one kind that repeat are summarised (see [`Report::summarised`]).
    pub fn emit(&self, out: &mut dyn termcolor::WriteColor) -> std::io::Result<()> {
        self.emit_with(out, false)
    }

    /// Like [`Report::emit`]; `verbose` shows every warning in full.
    pub fn emit_with(
        &self,
        out: &mut dyn termcolor::WriteColor,
        verbose: bool,
    ) -> std::io::Result<()> {
        let shown = if verbose {
            self.diagnostics.clone()
        } else {
            self.summarised()
        };
        let mut files = SimpleFiles::new();
        let mut ids = BTreeMap::new();
        let mut file_id = |path: &Path| -> Option<usize> {
            if let Some(&id) = ids.get(path) {
                return Some(id);
            }
            let text = self.sources.get(path)?.clone();
            let id = files.add(display_path(path), text);
            ids.insert(path.to_path_buf(), id);
            Some(id)
        };
        let mut prepared = Vec::new();
        for diagnostic in &shown {
            let severity = match diagnostic.severity {
                Severity::Error => CsSeverity::Error,
                Severity::Warning => CsSeverity::Warning,
            };
            let mut message = diagnostic.message.clone();
            let mut labels = Vec::new();
            match (&diagnostic.file, &diagnostic.range) {
                (Some(file), Some(range)) => match file_id(file) {
                    Some(id) => labels.push(Label::primary(id, range.clone())),
                    None => message = format!("{}: {message}", display_path(file)),
                },
                (Some(file), None) => message = format!("{}: {message}", display_path(file)),
                _ => {}
            }
            for related in &diagnostic.related {
                if let Some(id) = file_id(&related.file) {
                    labels.push(
                        Label::secondary(id, related.range.clone())
                            .with_message(related.message.clone()),
                    );
                }
            }
            let notes = diagnostic
                .hints
                .iter()
                .map(|h| format!("hint: {h}"))
                .collect();
            prepared.push(
                CsDiagnostic::new(severity)
                    .with_message(message)
                    .with_labels(labels)
                    .with_notes(notes),
            );
        }
        let config = term::Config::default();
        for diagnostic in &prepared {
            term::emit_to_write_style(out, &config, &files, diagnostic)
                .map_err(std::io::Error::other)?;
        }
        if !self.diagnostics.is_empty() {
            writeln!(out, "{}", self.summary())?;
        }
        Ok(())
    }

    /// The diagnostics as a person should read them: a warning repeated
    /// with the same message (the same unknown key in 212 notes) becomes one
    /// line naming the count and the first place; of one kind, at most
    /// [`SHOWN_PER_CODE`] are shown in full, then a line counting the rest.
    /// Errors are always shown in full.
    pub fn summarised(&self) -> Vec<Diagnostic> {
        let mut groups: BTreeMap<(Code, &str), Vec<&Diagnostic>> = BTreeMap::new();
        for d in &self.diagnostics {
            if let (Some(code), false) = (d.code, d.is_error()) {
                groups.entry((code, &d.message)).or_default().push(d);
            }
        }
        let mut shown_per_code: BTreeMap<Code, usize> = BTreeMap::new();
        let mut hidden_per_code: BTreeMap<Code, usize> = BTreeMap::new();
        let mut out = Vec::new();
        for d in &self.diagnostics {
            let Some(code) = d.code.filter(|_| !d.is_error()) else {
                out.push(d.clone());
                continue;
            };
            let group = &groups[&(code, d.message.as_str())];
            if !std::ptr::eq(group[0], d) {
                continue;
            }
            let shown = shown_per_code.entry(code).or_default();
            if *shown >= SHOWN_PER_CODE {
                *hidden_per_code.entry(code).or_default() += group.len();
                continue;
            }
            *shown += 1;
            if group.len() == 1 {
                out.push(d.clone());
                continue;
            }
            let files: BTreeSet<_> = group.iter().map(|d| &d.file).collect();
            let count = if files.len() > 1 {
                format!("in {} notes", files.len())
            } else {
                format!("{} times", group.len())
            };
            // The first place keeps its snippet; the message counts the rest.
            let mut summary = d.clone();
            summary.message = format!("{} {count} (the first is shown)", d.message);
            summary.hints.push("--verbose lists every place".into());
            out.push(summary);
        }
        for (code, hidden) in hidden_per_code {
            out.push(
                Diagnostic::warning(format!(
                    "… and {hidden} more `{}` warning{}",
                    code.as_str(),
                    if hidden == 1 { "" } else { "s" }
                ))
                .with_code(code)
                .hint("--verbose lists every one; --format json has them all"),
            );
        }
        out
    }

    /// "2 errors, 3 warnings".
    pub fn summary(&self) -> String {
        let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
        format!(
            "{}, {}",
            plural(self.error_count(), "error"),
            plural(self.warning_count(), "warning")
        )
    }

    /// The diagnostics in folio's JSON schema (see the README): positions as
    /// 1-based lines and character columns plus byte offsets.
    pub fn to_json(&self) -> serde_json::Value {
        let place = |file: &Path, range: &Range<usize>| {
            let text = self.sources.get(file);
            let start = text.map(|t| line_col(t, range.start));
            let end = text.map(|t| line_col(t, range.end));
            serde_json::json!({
                "file": display_path(file),
                "line": start.map(|p| p.line),
                "column": start.map(|p| p.column),
                "end_line": end.map(|p| p.line),
                "end_column": end.map(|p| p.column),
                "start": range.start,
                "end": range.end,
            })
        };
        let diagnostics: Vec<serde_json::Value> = self
            .diagnostics
            .iter()
            .map(|d| {
                let mut value = match (&d.file, &d.range) {
                    (Some(file), Some(range)) => place(file, range),
                    (Some(file), None) => serde_json::json!({ "file": display_path(file) }),
                    _ => serde_json::json!({}),
                };
                let related: Vec<serde_json::Value> = d
                    .related
                    .iter()
                    .map(|r| {
                        let mut value = place(&r.file, &r.range);
                        value["message"] = r.message.clone().into();
                        value
                    })
                    .collect();
                value["severity"] = match d.severity {
                    Severity::Error => "error",
                    Severity::Warning => "warning",
                }
                .into();
                value["message"] = d.message.clone().into();
                value["code"] = d.code.map(Code::as_str).into();
                value["hints"] = d.hints.clone().into();
                value["related"] = related.into();
                value
            })
            .collect();
        diagnostics.into()
    }

    /// Turns every warning into an error (`--deny-warnings`).
    pub fn deny_warnings(&mut self) {
        for diagnostic in &mut self.diagnostics {
            diagnostic.severity = Severity::Error;
        }
    }

    /// The whole report as plain text (what a non-terminal sees).
    pub fn to_plain_string(&self) -> String {
        let mut buffer = termcolor::NoColor::new(Vec::new());
        self.emit(&mut buffer)
            .expect("writing to memory cannot fail");
        String::from_utf8_lossy(&buffer.into_inner()).into_owned()
    }
}

/// Paths are shown with forward slashes relative to where folio was started.
pub fn display_path(path: &Path) -> String {
    let shown = std::env::current_dir()
        .ok()
        .and_then(|cwd| path.strip_prefix(cwd).ok().map(Path::to_path_buf));
    let shown = shown
        .as_deref()
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/");
    if shown.is_empty() {
        ".".to_string()
    } else {
        shown
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.message)
    }
}
