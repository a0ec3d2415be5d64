//! Bibliographies: the files notes cite from, read and checked before any
//! typesetting, so that a file that does not parse, a file outside the
//! project, an unknown style or an unknown key is reported at its place by
//! `folio check` as by `folio build`.
//!
//! Typst formats the citations and the reference list itself (Hayagriva,
//! with the CSL styles Typst ships); this stage only decides which files
//! and which style each document uses and which keys exist. The files are
//! parsed here with the same Hayagriva version Typst parses them with, so a
//! file that passes here does not fail inside Typst.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;
use std::path::{Path, PathBuf};

use hayagriva::archive::ArchivedStyle;
use hayagriva::citationberg::IndependentStyle;

use crate::config::Config;
use crate::diag::{Diagnostic, Report};

/// The style a document uses unless folio.toml names one: Pandoc's default.
pub const DEFAULT_STYLE: &str = "chicago-author-date";

/// Where a bibliography file or style was named: folio.toml or a note's
/// front matter, with the byte range of the name.
#[derive(Debug, Clone)]
pub struct Origin {
    pub file: PathBuf,
    pub range: Range<usize>,
    /// The folder relative names resolve against, project-relative.
    pub dir: String,
}

/// Every bibliography file the project names, by project-relative path,
/// with the keys it defines.
#[derive(Debug, Clone, Default)]
pub struct Library {
    files: BTreeMap<String, Vec<String>>,
    /// Each key and the first file that defines it.
    owners: BTreeMap<String, String>,
    /// How each project `.csl` style named in folio.toml cites, read once.
    csl_formats: BTreeMap<String, &'static str>,
}

impl Library {
    /// Reads the files and checks the styles folio.toml names (`[book]`
    /// and every pack).
    pub fn load(root: &Path, config: Option<&Config>, report: &mut Report) -> Library {
        let mut library = Library::default();
        let Some(config) = config else {
            return library;
        };
        let origin = |range: Range<usize>| Origin {
            file: config.path.clone(),
            range,
            dir: String::new(),
        };
        let named = config.book.bibliography.iter().chain(
            config
                .packs
                .iter()
                .flat_map(|p| p.bibliography.iter().flatten()),
        );
        for name in named {
            library.add(root, name.get_ref(), &origin(name.span()), report);
        }
        let styles = config.book.citation_style.iter().chain(
            config
                .packs
                .iter()
                .filter_map(|p| p.citation_style.as_ref()),
        );
        for style in styles {
            let name = style.get_ref();
            if let Some(csl) = check_style(root, name, &origin(style.span()), report) {
                library.csl_formats.insert(name.clone(), format_of(&csl));
            }
        }
        library
    }

    /// How a style cites: `author-date`, `author`, `numeric`, `label` or
    /// `note` (CSL's citation-format), or `unknown` when the style does not
    /// say (or is a `.csl` file that could not be read).
    pub fn citation_format(&self, style: Option<&str>) -> &'static str {
        use hayagriva::citationberg::Style;
        let style = style.unwrap_or(DEFAULT_STYLE);
        if let Some(format) = self.csl_formats.get(style) {
            return format;
        }
        match ArchivedStyle::by_name(style).map(ArchivedStyle::get) {
            Some(Style::Independent(style)) => format_of(&style),
            _ => "unknown",
        }
    }

    /// Reads a file named at `origin` (unless read already) and returns its
    /// project-relative path, or None when it cannot be used.
    pub fn add(
        &mut self,
        root: &Path,
        name: &str,
        origin: &Origin,
        report: &mut Report,
    ) -> Option<String> {
        let rel = inside_project(root, name, "bibliography file", origin, report)?;
        if self.files.contains_key(&rel) {
            return Some(rel);
        }
        let path = root.join(&rel);
        let (keys, text) = read_file(&path, origin, report)?;
        let mut ok = true;
        for key in &keys {
            match self.owners.get(key) {
                // Typst refuses a document whose files define a key twice;
                // any document may hold notes citing from both files.
                Some(first) => {
                    let first_path = root.join(first);
                    let first_at = report
                        .sources
                        .get(&first_path)
                        .and_then(|t| key_range(t, key))
                        .unwrap_or(0..0);
                    report.push(
                        Diagnostic::error(format!("citation key `{key}` is defined again"))
                            .at(&path, key_range(&text, key).unwrap_or(0..0))
                            .related(&first_path, first_at, "first defined here")
                            .hint("a key names one work: rename one of them, or name the file only once"),
                    );
                    ok = false;
                }
                None => {
                    self.owners.insert(key.clone(), rel.clone());
                }
            }
        }
        if !ok {
            return None;
        }
        self.files.insert(rel.clone(), keys);
        Some(rel)
    }

    /// Every key of every file, for telling a citation from an `@handle`.
    pub fn has_key(&self, key: &str) -> bool {
        self.owners.contains_key(key)
    }

    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.owners.keys().map(String::as_str)
    }

    /// The keys defined by `files` (project-relative paths).
    pub fn keys_of<'a>(&'a self, files: &[String]) -> BTreeSet<&'a str> {
        files
            .iter()
            .filter_map(|f| self.files.get(f))
            .flatten()
            .map(String::as_str)
            .collect()
    }

    /// The file that defines `key`.
    pub fn owner(&self, key: &str) -> Option<&str> {
        self.owners.get(key).map(String::as_str)
    }

    /// The project-relative paths of the files read.
    pub fn files(&self) -> impl Iterator<Item = &str> {
        self.files.keys().map(String::as_str)
    }

    /// No bibliography file could be read (or none is named).
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    pub fn is_loaded(&self, rel: &str) -> bool {
        self.files.contains_key(rel)
    }
}

/// `name` resolved against the origin's folder: a project-relative path of
/// an existing file inside the project.
fn inside_project(
    root: &Path,
    name: &str,
    what: &str,
    origin: &Origin,
    report: &mut Report,
) -> Option<String> {
    let outside = || {
        Diagnostic::error(format!("`{name}` is outside the project folder"))
            .at(&origin.file, origin.range.clone())
            .hint("folio reads only files inside the project; copy the file into it")
    };
    if Path::new(name).is_absolute() {
        report.push(outside());
        return None;
    }
    let Some(rel) = crate::markup::normalize(&origin.dir, name) else {
        report.push(outside());
        return None;
    };
    let path = root.join(&rel);
    match path.canonicalize() {
        Ok(real) if real.starts_with(root) => Some(rel),
        Ok(_) => {
            report.push(outside());
            None
        }
        Err(_) => {
            report.push(
                Diagnostic::error(format!("{what} `{name}` does not exist"))
                    .at(&origin.file, origin.range.clone())
                    .hint(format!("looked for {rel} in the project folder")),
            );
            None
        }
    }
}

/// The keys of a `.bib` or `.yaml` file; a parse error is reported at its
/// line in the file itself.
/// Where `key` is defined in a `.bib` (`@book{key,`) or `.yaml` (`key:` at
/// a line's start) file's text.
fn key_range(text: &str, key: &str) -> Option<Range<usize>> {
    let mut from = 0;
    while let Some(found) = text[from..].find(key) {
        let at = from + found;
        let before = text[..at].trim_end_matches([' ', '\t']);
        let after = text[at + key.len()..].trim_start_matches([' ', '\t']);
        let bib = (before.ends_with('{') || before.ends_with('(')) && after.starts_with(',');
        let yaml = (at == 0 || text[..at].ends_with('\n')) && after.starts_with(':');
        if bib || yaml {
            return Some(at..at + key.len());
        }
        from = at + key.len();
    }
    None
}

fn read_file(
    path: &Path,
    origin: &Origin,
    report: &mut Report,
) -> Option<(Vec<String>, std::sync::Arc<str>)> {
    let extension = path
        .extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    if !is_bibliography_file(path) {
        report.push(
            Diagnostic::error(format!(
                "`{}` is not a bibliography file folio reads",
                path.file_name().unwrap_or_default().to_string_lossy()
            ))
            .at(&origin.file, origin.range.clone())
            .hint("bibliographies are BibTeX/BibLaTeX `.bib` or Hayagriva `.yaml`/`.yml` files"),
        );
        return None;
    }
    let text: std::sync::Arc<str> = match std::fs::read(path).map(String::from_utf8) {
        Ok(Ok(text)) => text.into(),
        Ok(Err(_)) => {
            report.push(
                Diagnostic::error("the bibliography file is not UTF-8 text")
                    .in_file(path)
                    .hint("save it as UTF-8 (BibTeX files from older tools are often Latin-1)"),
            );
            return None;
        }
        Err(err) => {
            report.push(
                Diagnostic::error(format!("cannot read the bibliography file: {err}"))
                    .at(&origin.file, origin.range.clone()),
            );
            return None;
        }
    };
    report.sources.insert(path, text.clone());
    let parsed = if extension == "bib" {
        hayagriva::io::from_biblatex_str(&text).map_err(|errors| {
            errors
                .into_iter()
                .map(|err| {
                    let (span, message) = match &err {
                        hayagriva::io::BibLaTeXError::Parse(e) => {
                            (e.span.clone(), e.kind.to_string())
                        }
                        hayagriva::io::BibLaTeXError::Type(e) => {
                            (e.span.clone(), e.kind.to_string())
                        }
                    };
                    let span = span.start.min(text.len())..span.end.min(text.len());
                    Diagnostic::error(format!("invalid BibTeX: {message}")).at(path, span)
                })
                .collect::<Vec<_>>()
        })
    } else {
        hayagriva::io::from_yaml_str(&text).map_err(|err| {
            let at = err.location().map_or(0, |l| l.index()).min(text.len());
            let message = err.to_string();
            let message = message.split(" at line ").next().unwrap_or(&message);
            vec![
                Diagnostic::error(format!("invalid Hayagriva YAML: {message}"))
                    .at(path, at..(at + 1).min(text.len())),
            ]
        })
    };
    match parsed {
        Ok(library) => Some((library.keys().map(str::to_string).collect(), text)),
        Err(diagnostics) => {
            report.extend(diagnostics);
            None
        }
    }
}

/// BibTeX's `~` is a non-breaking space (`Mark~F. Adams`), which the
/// BibLaTeX reader Typst uses keeps as a tilde in names. Outside lines that
/// hold a URL, DOI or file path, and unless escaped (`\~{n}` is ñ), it
/// becomes U+00A0 in the text Typst reads. (Keys and syntax do not change,
/// so `check` parses the file as written and reports its own offsets.)
pub fn tie_spaces(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains('~') {
        return text.into();
    }
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        let lower = line.to_ascii_lowercase();
        if ["url", "doi", "http", "file", "eprint"]
            .iter()
            .any(|k| lower.contains(k))
        {
            out.push_str(line);
            continue;
        }
        let mut previous = ' ';
        for c in line.chars() {
            out.push(if c == '~' && previous != '\\' {
                '\u{a0}'
            } else {
                c
            });
            previous = c;
        }
    }
    out.into()
}

/// Whether `path` is a bibliography file by its extension (`.bib`,
/// `.yaml`, `.yml`), as folio reads them.
pub fn is_bibliography_file(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| matches!(e.to_ascii_lowercase().as_str(), "bib" | "yaml" | "yml"))
}

/// A style is a name Typst knows or a project `.csl` file (an independent
/// CSL style); returns the parsed `.csl` file.
fn check_style(
    root: &Path,
    style: &str,
    origin: &Origin,
    report: &mut Report,
) -> Option<IndependentStyle> {
    if !style.ends_with(".csl") {
        if ArchivedStyle::by_name(style).is_none() {
            let names: Vec<&str> = ArchivedStyle::all()
                .iter()
                .flat_map(|s| s.names().iter().copied())
                .collect();
            let best = crate::names::did_you_mean(style, names.iter().copied());
            let hint = match best {
                Some(best) => format!("did you mean `{best}`?"),
                None => format!(
                    "use a style Typst ships ({}, …) or a project .csl file",
                    [
                        "chicago-author-date",
                        "apa",
                        "ieee",
                        "harvard-cite-them-right",
                        "vancouver"
                    ]
                    .join(", ")
                ),
            };
            report.push(
                Diagnostic::error(format!("`{style}` is not a citation style"))
                    .at(&origin.file, origin.range.clone())
                    .hint(hint),
            );
        }
        return None;
    }
    let rel = inside_project(root, style, "style file", origin, report)?;
    let text = std::fs::read_to_string(root.join(&rel)).unwrap_or_default();
    match IndependentStyle::from_xml(&text) {
        Ok(csl) => Some(csl),
        Err(err) => {
            report.push(
                Diagnostic::error(format!("`{style}` is not an independent CSL style: {err}"))
                    .at(&origin.file, origin.range.clone())
                    .hint("folio takes CSL 1.0 styles with their own layout; a dependent style names its parent, use that one"),
            );
            None
        }
    }
}

/// CSL's citation-format of a style, as the layout contract names it.
fn format_of(style: &IndependentStyle) -> &'static str {
    use hayagriva::citationberg::{CitationFormat, StyleCategory};
    let format = style.info.category.iter().find_map(|c| match c {
        StyleCategory::CitationFormat { format } => Some(*format),
        _ => None,
    });
    match format {
        Some(CitationFormat::AuthorDate) => "author-date",
        Some(CitationFormat::Author) => "author",
        Some(CitationFormat::Numeric) => "numeric",
        Some(CitationFormat::Label) => "label",
        Some(CitationFormat::Note) => "note",
        None => "unknown",
    }
}

/// The style as the layout receives it: a name Typst knows, or the `.csl`
/// file's absolute path inside the project.
pub fn style_for_layout(style: Option<&str>) -> String {
    match style {
        Some(style) if style.ends_with(".csl") => {
            format!(
                "/{}",
                crate::markup::normalize("", style).unwrap_or_default()
            )
        }
        Some(style) => style.to_string(),
        None => DEFAULT_STYLE.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ties_are_non_breaking_spaces_but_not_in_urls_or_accents() {
        let bib = "author = {Mark~F. Adams and M.~J. Turk},\ntitle = {Espa\\~{n}a},\nurl = {https://x.org/~me},\n";
        assert_eq!(
            tie_spaces(bib),
            "author = {Mark\u{a0}F. Adams and M.\u{a0}J. Turk},\ntitle = {Espa\\~{n}a},\nurl = {https://x.org/~me},\n"
        );
    }
}
