//! `folio.toml`: strict settings with defaults, and errors that point at the key.
//!
//! Unknown keys and wrong types are errors (a typo must not silently change
//! a book); the TOML parser's spans give every error its line and column.

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::diag::{Diagnostic, Report};
use crate::values::Date;

pub const CONFIG_FILE: &str = "folio.toml";

/// The pack built when folio.toml defines none.
pub const DEFAULT_PACK: &str = "briefing-book";

#[derive(Debug, Clone, Default)]
pub struct Config {
    /// Absolute path of folio.toml (whether or not it exists).
    pub path: PathBuf,
    pub book: Book,
    pub packs: Vec<Pack>,
    pub handouts: Handouts,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    book: Book,
    #[serde(default)]
    pack: Vec<toml::Spanned<Pack>>,
    #[serde(default)]
    handouts: Handouts,
}

/// `[handouts]`: one PDF per note besides the packs.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Handouts {
    #[serde(default)]
    pub enabled: bool,
    #[serde(default = "default_handout_layout")]
    pub layout: String,
}

impl Default for Handouts {
    fn default() -> Self {
        Self {
            enabled: false,
            layout: default_handout_layout(),
        }
    }
}

fn default_handout_layout() -> String {
    "handout".into()
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Book {
    /// Default: the project folder's name.
    pub title: Option<String>,
    pub subtitle: Option<String>,
    pub organisation: Option<String>,
    /// Default: SOURCE_DATE_EPOCH, else the newest note's date; never the clock.
    pub date: Option<toml::Spanned<DateSetting>>,
    /// The book's own marking; chapters carry their note's.
    pub classification: Option<toml::Spanned<String>>,
    /// Markings from lowest to highest.
    pub classification_levels: Vec<String>,
    pub paper: Paper,
    pub layout: String,
    pub duplex: bool,
    /// Extra inner margin for the binding, e.g. "8mm" (duplex books).
    pub binding_offset: toml::Spanned<String>,
    pub lang: String,
    /// Body font family; default Libertinus Serif.
    pub font: Option<toml::Spanned<String>>,
    /// Heading font family; default Inter.
    pub heading_font: Option<toml::Spanned<String>>,
    /// Families tried, in order, after the body and heading fonts for any
    /// character they lack (CJK, emoji, other scripts).
    pub fallback_fonts: Vec<toml::Spanned<String>>,
    /// Also use the machine's installed fonts (off: builds are the same on
    /// every machine).
    pub system_fonts: bool,
    /// Large diagonal text behind every page, e.g. "DRAFT".
    pub watermark: Option<String>,
    /// "a-2b", "a-3b", "ua-1", or a list of one PDF/A level and "ua-1".
    pub pdf_standard: toml::Spanned<OneOrMany>,
    /// Ruled pages for participants' notes after each chapter (workshop layout).
    pub notes_pages: u32,
    /// Resolution images are prepared for in print PDFs (screen: 150).
    pub image_dpi: u32,
    /// "print" (default) or "screen": smaller images for reading on screen.
    pub variant: Variant,
    /// Warnings are errors (`--deny-warnings`): for release CI.
    pub strict: bool,
    /// BibTeX/BibLaTeX `.bib` and Hayagriva `.yaml` files notes cite from,
    /// relative to the project folder.
    pub bibliography: Vec<toml::Spanned<String>>,
    /// A CSL style Typst knows by name, or a project `.csl` file; default
    /// chicago-author-date.
    pub citation_style: Option<toml::Spanned<String>>,
    /// The previous edition's manifest.json, relative to the project (as
    /// `--since`).
    pub previous: Option<toml::Spanned<String>>,
    /// Bars in the outer margin beside what changed since `previous`.
    pub revision_bars: bool,
    /// Numbered copies carry their recipient's name behind every page.
    pub copy_watermark: bool,
}

/// What a document's images are prepared for.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Deserialize, Serialize, clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
pub enum Variant {
    #[default]
    Print,
    Screen,
}

impl Default for Book {
    fn default() -> Self {
        Self {
            title: None,
            subtitle: None,
            organisation: None,
            date: None,
            classification: None,
            classification_levels: ["UNCLASSIFIED", "RESTRICTED", "CONFIDENTIAL", "SECRET"]
                .map(String::from)
                .to_vec(),
            paper: Paper::default(),
            layout: "briefing".into(),
            duplex: false,
            binding_offset: toml::Spanned::new(0..0, "0mm".into()),
            lang: "en".into(),
            font: None,
            heading_font: None,
            fallback_fonts: Vec::new(),
            system_fonts: false,
            watermark: None,
            pdf_standard: toml::Spanned::new(0..0, OneOrMany::None),
            notes_pages: 1,
            image_dpi: 300,
            variant: Variant::Print,
            strict: false,
            bibliography: Vec::new(),
            citation_style: None,
            previous: None,
            revision_bars: true,
            copy_watermark: false,
        }
    }
}

/// A list of strings, or one string meaning a list of one (`tags: policy`,
/// `pdf_standard = "ua-1"`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(untagged, expecting = "a string or a list of strings")]
pub enum OneOrMany {
    #[default]
    None,
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    pub fn into_vec(self) -> Vec<String> {
        self.as_slice().to_vec()
    }

    pub fn as_slice(&self) -> &[String] {
        match self {
            OneOrMany::None => &[],
            OneOrMany::One(one) => std::slice::from_ref(one),
            OneOrMany::Many(many) => many,
        }
    }
}

/// The PDF standards documented for folio; Typst knows a few more
/// (`1.7`, `a-2u`, `a-3u`, `a-4` …), which are accepted too.
pub const STANDARDS: &[&str] = &["a-2b", "a-3b", "ua-1"];

/// A standard's name as Typst spells it.
pub fn parse_standard(name: &str) -> Option<typst_pdf::PdfStandard> {
    serde_json::from_value(serde_json::Value::String(name.to_string())).ok()
}

/// A length as folio.toml writes it (a number and mm, cm, in or pt), in points.
pub fn length_pt(text: &str) -> Option<f64> {
    let text = text.trim();
    [
        ("mm", 72.0 / 25.4),
        ("cm", 72.0 / 2.54),
        ("in", 72.0),
        ("pt", 1.0),
    ]
    .iter()
    .find_map(|(unit, factor)| {
        let number: f64 = text.strip_suffix(unit)?.trim().parse().ok()?;
        (0.0..=100.0).contains(&number).then_some(number * factor)
    })
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Paper {
    #[default]
    A4,
    UsLetter,
    A5,
}

impl Paper {
    /// Width of the text block of the built-in layouts, in inches: the
    /// widest an image can print.
    pub fn text_width_in(self) -> f64 {
        let (paper_mm, margins_mm) = match self {
            Paper::A4 => (210.0, 46.0),
            Paper::UsLetter => (215.9, 46.0),
            Paper::A5 => (148.0, 46.0),
        };
        (paper_mm - margins_mm) / 25.4
    }

    /// The name Typst's `page(paper: ..)` knows it by.
    pub fn typst_name(self) -> &'static str {
        match self {
            Paper::A4 => "a4",
            Paper::UsLetter => "us-letter",
            Paper::A5 => "a5",
        }
    }
}

/// A date in folio.toml: a TOML date literal or a "YYYY-MM-DD" string.
#[derive(Debug, Clone, Serialize)]
pub struct DateSetting(pub String);

impl<'de> Deserialize<'de> for DateSetting {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged, expecting = "a date written as YYYY-MM-DD")]
        enum Raw {
            Text(String),
            Toml(toml::value::Datetime),
        }
        Ok(DateSetting(match Raw::deserialize(deserializer)? {
            Raw::Text(text) => text,
            Raw::Toml(date) => date.to_string(),
        }))
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pack {
    pub name: toml::Spanned<String>,
    pub title: Option<String>,
    /// Note ids or globs, each with its place in folio.toml.
    #[serde(default)]
    pub notes: Vec<toml::Spanned<String>>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub include_related: bool,
    /// Overrides `[book] layout` for this pack.
    pub layout: Option<String>,
    pub paper: Option<Paper>,
    pub duplex: Option<bool>,
    pub watermark: Option<String>,
    pub notes_pages: Option<u32>,
    pub variant: Option<Variant>,
    /// Replaces `[book] fallback_fonts` for this pack.
    pub fallback_fonts: Option<Vec<toml::Spanned<String>>>,
    /// Replaces `[book] bibliography` for this pack.
    pub bibliography: Option<Vec<toml::Spanned<String>>>,
    /// Replaces `[book] citation_style` for this pack.
    pub citation_style: Option<toml::Spanned<String>>,
    /// Replaces `[book] revision_bars` for this pack.
    pub revision_bars: Option<bool>,
    /// Numbered copies of this pack (`copy-01.pdf` …) instead of one PDF.
    pub copies: Option<u32>,
    /// Replaces `[book] copy_watermark` for this pack.
    pub copy_watermark: Option<bool>,
    /// Byte range of the `[[pack]]` table in folio.toml.
    #[serde(skip)]
    pub span: Range<usize>,
    /// The pack folio builds when folio.toml names none.
    #[serde(skip)]
    pub implicit: bool,
}

impl Pack {
    /// The implicit pack of every note.
    pub fn everything() -> Self {
        Pack {
            name: toml::Spanned::new(0..0, DEFAULT_PACK.into()),
            title: None,
            notes: vec![toml::Spanned::new(0..0, "*".into())],
            tags: Vec::new(),
            include_related: false,
            layout: None,
            paper: None,
            duplex: None,
            watermark: None,
            notes_pages: None,
            variant: None,
            fallback_fonts: None,
            bibliography: None,
            citation_style: None,
            revision_bars: None,
            copies: None,
            copy_watermark: None,
            span: 0..0,
            implicit: true,
        }
    }

    pub fn name(&self) -> &str {
        self.name.get_ref()
    }
}

/// Reads `<root>/folio.toml`; a missing file means all defaults.
pub fn load(root: &Path, report: &mut Report) -> Option<Config> {
    let path = root.join(CONFIG_FILE);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            return Some(Config {
                path,
                book: Book::default(),
                packs: vec![Pack::everything()],
                handouts: Handouts::default(),
            });
        }
        Err(err) => {
            report.push(
                Diagnostic::error(format!("cannot read {CONFIG_FILE}: {err}")).in_file(&path),
            );
            return None;
        }
    };
    let text: Arc<str> = text.into();
    report.sources.insert(&path, text.clone());
    parse(&path, &text, report)
}

pub fn parse(path: &Path, text: &str, report: &mut Report) -> Option<Config> {
    let file: File = match toml::from_str(text) {
        Ok(file) => file,
        Err(err) => {
            let range = err.span().unwrap_or(0..0);
            report.push(
                Diagnostic::error(format!("invalid {CONFIG_FILE}: {}", err.message().trim()))
                    .at(path, range),
            );
            return None;
        }
    };
    let mut ok = true;
    if let Some(date) = &file.book.date
        && Date::parse(&date.get_ref().0).is_none()
    {
        report.push(
            Diagnostic::error(format!("`{}` is not a date", date.get_ref().0))
                .at(path, date.span())
                .hint("write dates as YYYY-MM-DD, e.g. 2009-12-01"),
        );
        ok = false;
    }
    let packs: Vec<Pack> = file
        .pack
        .into_iter()
        .map(|spanned| {
            let span = spanned.span();
            Pack {
                span,
                ..spanned.into_inner()
            }
        })
        .collect();
    let mut seen: Vec<&Pack> = Vec::new();
    for pack in &packs {
        let name = pack.name();
        if !is_valid_name(name) {
            report.push(
                Diagnostic::error(format!("`{name}` is not a valid pack name"))
                    .at(path, pack.name.span())
                    .hint("pack names become file names: use a-z, 0-9 and `-`"),
            );
            ok = false;
        }
        if name == "handouts" && file.handouts.enabled {
            report.push(
                Diagnostic::error("a pack cannot be named `handouts` while handouts are enabled")
                    .at(path, pack.name.span())
                    .hint("handouts are written to output/handouts/; choose another name for the pack"),
            );
            ok = false;
        }
        if let Some(first) = seen.iter().find(|p| p.name() == name) {
            report.push(
                Diagnostic::error(format!("two packs are named `{name}`"))
                    .at(path, pack.name.span())
                    .related(path, first.name.span(), "the first pack of this name"),
            );
            ok = false;
        }
        seen.push(pack);
    }
    for layout in [&file.book.layout, &file.handouts.layout]
        .into_iter()
        .chain(packs.iter().filter_map(|p| p.layout.as_ref()))
    {
        if !is_valid_name(layout) {
            report.push(
                Diagnostic::error(format!("`{layout}` is not a valid layout name")).in_file(path),
            );
            ok = false;
        }
    }
    ok &= check_book(path, &file.book, report);
    let packs = if packs.is_empty() {
        vec![Pack::everything()]
    } else {
        packs
    };
    ok.then(|| Config {
        path: path.to_path_buf(),
        book: file.book,
        packs,
        handouts: file.handouts,
    })
}

/// Values that parse but make no sense: unknown markings, lengths, standards.
fn check_book(path: &Path, book: &Book, report: &mut Report) -> bool {
    let mut ok = true;
    let mut error = |diagnostic: Diagnostic| {
        report.push(diagnostic);
        ok = false;
    };
    if let Some(level) = &book.classification
        && !book.classification_levels.contains(level.get_ref())
    {
        error(
            Diagnostic::error(format!(
                "`{}` is not one of the classification levels",
                level.get_ref()
            ))
            .at(path, level.span())
            .hint(format!(
                "the levels are: {}",
                book.classification_levels.join(", ")
            )),
        );
    }
    if split_lang(&book.lang).is_none() {
        error(
            Diagnostic::error(format!("`lang = \"{}\"` is not a language code", book.lang))
                .in_file(path)
                .hint("write an ISO 639 code, optionally with a region: en, de, fr-CA, pt-BR, ar"),
        );
    }
    if !(72..=1200).contains(&book.image_dpi) {
        error(
            Diagnostic::error(format!("image_dpi {} is outside 72–1200", book.image_dpi))
                .in_file(path),
        );
    }
    if length_pt(book.binding_offset.get_ref()).is_none() {
        error(
            Diagnostic::error(format!(
                "`{}` is not a length",
                book.binding_offset.get_ref()
            ))
            .at(path, book.binding_offset.span())
            .hint("write a number and a unit, e.g. \"8mm\", \"0.3in\" or \"10pt\""),
        );
    }
    let standards = book.pdf_standard.get_ref().as_slice();
    for standard in standards {
        if parse_standard(standard).is_none() {
            error(
                Diagnostic::error(format!("`{standard}` is not a PDF standard folio produces"))
                    .at(path, book.pdf_standard.span())
                    .hint(format!("use one of: {}", STANDARDS.join(", "))),
            );
        }
    }
    if standards.iter().filter(|s| s.starts_with("a-")).count() > 1 {
        error(
            Diagnostic::error("only one PDF/A level can be chosen at a time")
                .at(path, book.pdf_standard.span()),
        );
    }
    ok
}

/// A language tag as Typst takes it: `de`, `de-CH`, `pt_BR` → an ISO 639
/// code and an optional region; None for anything else.
pub fn split_lang(tag: &str) -> Option<(String, Option<String>)> {
    let mut parts = tag.trim().split(['-', '_']);
    let lang = parts.next()?.to_ascii_lowercase();
    if !(2..=3).contains(&lang.len()) || !lang.bytes().all(|b| b.is_ascii_lowercase()) {
        return None;
    }
    let region = parts
        .next()
        .filter(|r| r.len() == 2 && r.bytes().all(|b| b.is_ascii_alphabetic()))
        .map(|r| r.to_ascii_uppercase());
    Some((lang, region))
}

/// Pack and layout names become file names: `[a-z0-9][a-z0-9-]*`.
pub fn is_valid_name(name: &str) -> bool {
    crate::slug::is_valid_name(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(text: &str) -> Vec<String> {
        let mut report = Report::default();
        report.sources.insert("folio.toml", text.into());
        parse(Path::new("folio.toml"), text, &mut report);
        report
            .diagnostics
            .iter()
            .map(|d| format!("{:?}: {}", report.sources.line_col(d), d.message))
            .collect()
    }

    #[test]
    fn unknown_key_is_an_error_at_its_line() {
        let found = errors("[book]\ntitle = \"x\"\ncolour = \"red\"\n");
        assert_eq!(found.len(), 1);
        assert!(found[0].contains("line: 3, column: 1"), "{found:?}");
        assert!(found[0].contains("unknown field `colour`"), "{found:?}");
    }

    #[test]
    fn wrong_type_and_bad_date_are_located() {
        let found = errors("[book]\nduplex = \"yes\"\n");
        assert!(found[0].contains("line: 2, column: 10"), "{found:?}");
        let found = errors("[book]\ndate = \"2009-13-01\"\n");
        assert!(
            found[0].contains("line: 2, column: 8") && found[0].contains("not a date"),
            "{found:?}"
        );
    }

    #[test]
    fn dates_parse_strictly() {
        assert_eq!(
            Date::parse("2009-12-01").map(|d| d.to_string()).as_deref(),
            Some("2009-12-01")
        );
        assert!(Date::parse("2009-02-30").is_none());
        assert!(Date::parse("2009-2-3").is_none());
        assert_eq!(Date::from_unix(0).unwrap().to_string(), "1970-01-01");
    }
}
