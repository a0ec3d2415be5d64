//! Fonts: every font folio can use, what each can print, and the check
//! that no character of a note is left without one.
//!
//! folio uses Typst's embedded fonts, its own (Inter), the project's
//! `fonts/` folder and, only when asked (`--system-fonts`), the machine's
//! installed fonts, found with `fontdb`. Typst sets a character in the first
//! font of the text's font list that has it, then in *any* loaded font that
//! has it; only a character no loaded font has prints as a blank box
//! (`.notdef`). So whether a character prints depends on the union of every
//! loaded font's character map ([`Coverage`]), which [`find_missing`]
//! checks against the text of every note — from the Markdown, without
//! typesetting, so `folio check` finds the boxes too.

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use comrak::arena_tree::NodeEdge;
use comrak::nodes::{AstNode, NodeValue};
use rayon::prelude::*;
use typst::foundations::Bytes;
use typst::text::{Font, FontBook, FontInfo};
use unicode_script::{Script, UnicodeScript};

use crate::config::Config;
use crate::diag::{Code, Diagnostic, Report, Sources};
use crate::notes::{Corpus, Note};

/// Fonts compiled into the binary besides Typst's own.
const BUNDLED_FONTS: &[&[u8]] = &[
    include_bytes!("../fonts/Inter-Regular.otf"),
    include_bytes!("../fonts/Inter-Italic.otf"),
    include_bytes!("../fonts/Inter-SemiBold.otf"),
    include_bytes!("../fonts/Inter-Bold.otf"),
];

/// Where a font face comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// Embedded in Typst (Libertinus Serif, New Computer Modern, DejaVu Sans Mono).
    Typst,
    /// Embedded in folio (Inter).
    Folio,
    /// A file in the project's `fonts/` folder, relative to the project.
    Project(String),
    /// An installed font (`--system-fonts`), by its absolute path.
    System(PathBuf),
}

impl Origin {
    /// How `folio fonts` names the origin.
    pub fn describe(&self) -> String {
        match self {
            Origin::Typst => "embedded (Typst)".into(),
            Origin::Folio => "embedded (folio)".into(),
            Origin::Project(path) => path.clone(),
            Origin::System(path) => format!("system: {}", path.display()),
        }
    }

    /// The font's file, for the manifest; none for embedded fonts.
    pub fn file(&self) -> Option<String> {
        match self {
            Origin::Typst | Origin::Folio => None,
            Origin::Project(path) => Some(path.clone()),
            Origin::System(path) => Some(path.to_string_lossy().into_owned()),
        }
    }
}

/// One font face folio can use.
#[derive(Debug, Clone)]
pub struct Face {
    pub info: FontInfo,
    pub origin: Origin,
    /// Index of the face in its file (collections hold several).
    pub index: u32,
    /// The face, parsed on first use: installed fonts are read only when a
    /// document uses them.
    font: OnceLock<Option<Font>>,
    sha256: OnceLock<String>,
}

impl Face {
    fn loaded(font: Font, origin: Origin) -> Self {
        Self {
            info: font.info().clone(),
            index: font.index(),
            origin,
            font: OnceLock::from(Some(font)),
            sha256: OnceLock::new(),
        }
    }

    /// The parsed face (read from disk the first time, for installed fonts).
    pub fn font(&self) -> Option<Font> {
        self.font
            .get_or_init(|| {
                let Origin::System(path) = &self.origin else {
                    return None;
                };
                let data = std::fs::read(path).ok()?;
                Font::new(Bytes::new(data), self.index)
            })
            .clone()
    }

    /// SHA-256 of the font's file (the whole file for a collection).
    pub fn sha256(&self) -> String {
        self.sha256
            .get_or_init(|| {
                self.font()
                    .map(|font| crate::output::sha256_hex(font.data()))
                    .unwrap_or_default()
            })
            .clone()
    }
}

/// Every font folio can use, in the order Typst's font book lists them:
/// Typst's embedded fonts, folio's, the project's `fonts/`, then (only with
/// `--system-fonts`) the machine's.
#[derive(Debug, Clone, Default)]
pub struct Fonts {
    faces: Vec<Face>,
}

impl Fonts {
    /// The embedded fonts and the project's `fonts/`; never the system's.
    pub fn load(root: &Path) -> Self {
        Self::load_with(root, false)
    }

    /// Like [`Fonts::load`], plus the machine's installed fonts when `system`.
    pub fn load_with(root: &Path, system: bool) -> Self {
        let mut faces = Vec::new();
        for data in typst_assets::fonts() {
            faces.extend(Font::iter(Bytes::new(data)).map(|f| Face::loaded(f, Origin::Typst)));
        }
        for data in BUNDLED_FONTS {
            faces.extend(Font::iter(Bytes::new(*data)).map(|f| Face::loaded(f, Origin::Folio)));
        }
        for path in project_font_files(root) {
            let Ok(data) = std::fs::read(&path) else {
                continue;
            };
            if BUNDLED_FONTS.contains(&data.as_slice()) {
                continue;
            }
            let shown = path
                .strip_prefix(root)
                .unwrap_or(&path)
                .to_string_lossy()
                .replace('\\', "/");
            faces.extend(
                Font::iter(Bytes::new(data))
                    .map(|f| Face::loaded(f, Origin::Project(shown.clone()))),
            );
        }
        if system {
            faces.extend(system_faces(&root.join("fonts")));
        }
        Self { faces }
    }

    pub fn faces(&self) -> &[Face] {
        &self.faces
    }

    /// The face Typst's font book knows by `index`.
    pub fn font(&self, index: usize) -> Option<Font> {
        self.faces.get(index)?.font()
    }

    /// Typst's font book: the faces' infos, in the same order.
    pub fn book(&self) -> FontBook {
        FontBook::from_infos(self.faces.iter().map(|f| f.info.clone()))
    }

    pub fn has_family(&self, family: &str) -> bool {
        self.faces
            .iter()
            .any(|f| f.info.family.eq_ignore_ascii_case(family))
    }

    /// Family names, each once, sorted.
    pub fn families(&self) -> Vec<&str> {
        let mut families: Vec<&str> = self.faces.iter().map(|f| f.info.family.as_str()).collect();
        families.sort_unstable();
        families.dedup();
        families
    }

    /// The index of a face Typst used (as found in a laid-out document).
    pub fn index_of(&self, font: &Font) -> Option<usize> {
        self.faces
            .iter()
            .position(|face| face.font.get().is_some_and(|f| f.as_ref() == Some(font)))
    }
}

/// The project's font files (`fonts/**/*.{ttf,otf,ttc,otc}`), sorted.
pub fn project_font_files(root: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![root.join("fonts")];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if is_font_file(&path) {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

fn is_font_file(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| ["ttf", "otf", "ttc", "otc"].contains(&e.to_ascii_lowercase().as_str()))
}

/// The machine's installed fonts, as fontdb finds them (fontconfig's
/// folders on Linux, the system font folders elsewhere), sorted by path so
/// the font book's order does not depend on the file system. Only their
/// character maps and names are read now; a face is parsed when used.
fn system_faces(project_fonts: &Path) -> Vec<Face> {
    let mut db = fontdb::Database::new();
    db.load_system_fonts();
    let mut found: Vec<(PathBuf, u32)> = db
        .faces()
        .filter_map(|face| match &face.source {
            fontdb::Source::File(path) | fontdb::Source::SharedFile(path, _) => {
                Some((path.clone(), face.index))
            }
            fontdb::Source::Binary(_) => None,
        })
        .filter(|(path, _)| !path.starts_with(project_fonts))
        .collect();
    found.sort();
    found.dedup();
    let mut by_file: Vec<(PathBuf, Vec<u32>)> = Vec::new();
    for (path, index) in found {
        match by_file.last_mut() {
            Some((last, indices)) if *last == path => indices.push(index),
            _ => by_file.push((path, vec![index])),
        }
    }
    by_file
        .into_par_iter()
        .flat_map_iter(|(path, indices)| {
            let infos: Vec<(u32, FontInfo)> = std::fs::read(&path)
                .map(|data| {
                    indices
                        .iter()
                        .filter_map(|&i| Some((i, FontInfo::new(&data, i)?)))
                        .collect()
                })
                .unwrap_or_default();
            infos.into_iter().map(move |(index, info)| Face {
                info,
                origin: Origin::System(path.clone()),
                index,
                font: OnceLock::new(),
                sha256: OnceLock::new(),
            })
        })
        .collect()
}

/// A font file a PDF embeds (some of its glyphs), for the manifest.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct EmbeddedFont {
    pub family: String,
    /// The file (project-relative for `fonts/`, absolute for an installed
    /// font); none for the fonts embedded in folio.
    pub file: Option<String>,
    /// SHA-256 of the whole font file.
    pub sha256: String,
}

/// The fonts whose glyphs a laid-out document uses: what typst-pdf embeds.
pub fn embedded(document: &typst_layout::PagedDocument, fonts: &Fonts) -> Vec<EmbeddedFont> {
    use typst::layout::{Frame, FrameItem};
    fn walk(frame: &Frame, used: &mut Vec<Font>) {
        for (_, item) in frame.items() {
            match item {
                FrameItem::Group(group) => walk(&group.frame, used),
                FrameItem::Text(text) if !text.glyphs.is_empty() => {
                    let font = text.font.font();
                    if !used.contains(font) {
                        used.push(font.clone());
                    }
                }
                _ => {}
            }
        }
    }
    let mut used = Vec::new();
    for page in document.pages() {
        walk(&page.frame, &mut used);
    }
    let mut out: Vec<EmbeddedFont> = used
        .iter()
        .map(|font| match fonts.index_of(font).map(|i| &fonts.faces[i]) {
            Some(face) => EmbeddedFont {
                family: face.info.family.clone(),
                file: face.origin.file(),
                sha256: face.sha256(),
            },
            None => EmbeddedFont {
                family: font.info().family.clone(),
                file: None,
                sha256: crate::output::sha256_hex(font.data()),
            },
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Every character some loaded font has: the union of the faces' character
/// maps, as a bit set over all of Unicode (136 KB).
pub struct Coverage {
    bits: Vec<u64>,
}

impl Coverage {
    pub fn of(fonts: &Fonts) -> Self {
        Self::of_faces(fonts.faces.iter())
    }

    fn of_faces<'a>(faces: impl Iterator<Item = &'a Face>) -> Self {
        let mut bits = vec![0u64; 0x110000 / 64];
        for face in faces {
            for c in face.info.coverage.iter() {
                if let Some(word) = bits.get_mut(c as usize / 64) {
                    *word |= 1 << (c % 64);
                }
            }
        }
        Self { bits }
    }

    pub fn covers(&self, c: char) -> bool {
        let c = c as usize;
        self.bits[c / 64] & (1 << (c % 64)) != 0
    }

    /// Whether `c` prints as a blank box: it needs a glyph and no font has one.
    pub fn is_missing(&self, c: char) -> bool {
        !self.covers(c) && needs_glyph(c)
    }
}

/// Characters that print without a glyph of their own: line breaks and tabs
/// (spaces in the text), control characters (folio prints them as U+FFFD),
/// and default ignorables (joiners, variation selectors), which Typst drops.
fn needs_glyph(c: char) -> bool {
    !(c.is_control()
        || matches!(c, '\u{2028}' | '\u{2029}')
        || typst::text::is_default_ignorable(c))
}

/// Characters of one writing system in one file that no font can print.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Missing {
    pub file: PathBuf,
    /// The writing system as a reader names it: "Japanese", "Thai",
    /// "emoji", "symbols".
    pub writing: String,
    /// Each character once, in order of first appearance.
    pub chars: Vec<char>,
    /// How often they occur in all.
    pub occurrences: usize,
    /// The first occurrence (byte range in `file`).
    pub at: Range<usize>,
}

impl Missing {
    /// "12 characters in Japanese (ー, ダ, シ, …) have no font".
    pub fn message(&self) -> String {
        const SHOWN: usize = 5;
        let n = self.chars.len();
        let mut list: Vec<String> = self.chars.iter().take(SHOWN).map(|&c| shown(c)).collect();
        if n > SHOWN {
            list.push("…".into());
        }
        let list = list.join(", ");
        let verb = if n == 1 { "has" } else { "have" };
        match self.writing.as_str() {
            "emoji" => format!("{n} emoji ({list}) {verb} no font"),
            "symbols" => format!(
                "{n} symbol{} ({list}) {verb} no font",
                if n == 1 { "" } else { "s" }
            ),
            writing => format!(
                "{n} character{} in {writing} ({list}) {verb} no font",
                if n == 1 { "" } else { "s" }
            ),
        }
    }

    /// What to do about it, naming a free font that covers the script.
    pub fn hint(&self) -> String {
        let example = match self.writing.as_str() {
            "Japanese" => "Noto Sans CJK JP".to_string(),
            "Chinese" => "Noto Sans CJK SC".to_string(),
            "Korean" => "Noto Sans CJK KR".to_string(),
            "emoji" => "Noto Color Emoji".to_string(),
            "symbols" => "Noto Sans Symbols 2".to_string(),
            writing => format!("Noto Sans {writing}"),
        };
        format!(
            "they print as blank boxes: add a font that covers them to fonts/ (for example {example}), \
             or name one in `fallback_fonts` in folio.toml (an installed font needs --system-fonts)"
        )
    }

    pub fn diagnostic(&self) -> Diagnostic {
        Diagnostic::warning(self.message())
            .at(&self.file, self.at.clone())
            .hint(self.hint())
            .with_code(Code::MissingGlyphs)
    }
}

/// A character as a list shows it: a combining mark on a dotted circle.
fn shown(c: char) -> String {
    use unicode_properties::{GeneralCategoryGroup, UnicodeGeneralCategory};
    if c.general_category_group() == GeneralCategoryGroup::Mark {
        format!("\u{25CC}{c}")
    } else {
        c.to_string()
    }
}

/// The check stage: one warning per note and writing system whose
/// characters no loaded font has (see [`find_missing`]).
pub fn check_coverage(
    corpus: &Corpus,
    config: Option<&Config>,
    fonts: &Fonts,
    report: &mut Report,
) {
    let coverage = Coverage::of(fonts);
    let missing = find_missing(corpus, config, &report.sources, &coverage);
    report.extend(missing.iter().map(Missing::diagnostic));
}

/// Every character that would print as a blank box, grouped per file and
/// writing system: the printed text of each note (title, subtitle, summary,
/// authors, tags, marking and the body — code included, comments and link
/// targets not) and of folio.toml (titles, organisation, watermark).
///
/// Fast where nothing is missing, which is nearly always: a note whose
/// whole file has no uncovered character is passed after one scan of its
/// bytes; only a note that has one is parsed again to find what prints.
pub fn find_missing(
    corpus: &Corpus,
    config: Option<&Config>,
    sources: &Sources,
    coverage: &Coverage,
) -> Vec<Missing> {
    let mut missing: Vec<Missing> = corpus
        .notes
        .par_iter()
        .flat_map_iter(|note| {
            let text = sources.get(&note.path).map(|t| &**t).unwrap_or("");
            note_missing(note, text, coverage)
        })
        .collect();
    if let Some(config) = config {
        missing.extend(config_missing(config, sources, coverage));
    }
    missing
}

/// An uncovered character and where it is.
struct Found {
    at: usize,
    c: char,
    /// Bytes of the place (0 where the character is not in the file).
    len: usize,
}

fn note_missing(note: &Note, text: &str, coverage: &Coverage) -> Vec<Missing> {
    let printed_front = [
        Some(&note.title),
        note.short_title.as_ref(),
        note.subtitle.as_ref(),
        note.summary.as_ref(),
        note.classification.as_ref().map(|(level, _)| level),
    ]
    .into_iter()
    .flatten()
    .chain(&note.authors)
    .chain(&note.tags);
    let any_missing = |s: &str| !s.is_ascii() && s.chars().any(|c| coverage.is_missing(c));
    let front_missing = printed_front.clone().any(|s| any_missing(s));
    if !front_missing && !any_missing(text) {
        return Vec::new();
    }
    let body_offset = note.body_offset.min(text.len());
    let mut found = Vec::new();
    // Front matter: each printed value's characters, placed where the value
    // is written in the block. A title taken from the body's first heading
    // is found in the body below; one taken from the file name has no place
    // in the file, so it is reported at the start of the file.
    let front = &text[..body_offset];
    let body = &text[body_offset..];
    for value in printed_front {
        let written = front.find(value.as_str());
        if written.is_none() && body.contains(value.as_str()) {
            continue;
        }
        for (i, c) in value
            .char_indices()
            .filter(|&(_, c)| coverage.is_missing(c))
        {
            found.push(match written {
                Some(start) => Found {
                    at: start + i,
                    c,
                    len: c.len_utf8(),
                },
                None => match front.find(c) {
                    Some(at) => Found {
                        at,
                        c,
                        len: c.len_utf8(),
                    },
                    None => Found { at: 0, c, len: 0 },
                },
            });
        }
    }
    for (range, printed) in printed_body(body) {
        let mut cursor = range.start;
        for c in printed.chars().filter(|&c| coverage.is_missing(c)) {
            // The character's own place in the source when it is written
            // literally (not as an entity), else the node's start.
            let at = body
                .get(cursor..range.end)
                .and_then(|s| s.find(c))
                .map_or(range.start, |i| {
                    cursor += i + c.len_utf8();
                    cursor - c.len_utf8()
                });
            found.push(Found {
                at: body_offset + at,
                c,
                len: c.len_utf8(),
            });
        }
    }
    group(&note.path, found, note.lang.as_deref())
}

/// The text a body prints, node by node, with each node's byte range.
fn printed_body(body: &str) -> Vec<(Range<usize>, String)> {
    let arena = comrak::Arena::new();
    let root = comrak::parse_document(&arena, body, &crate::markup::comrak_options());
    let lines = crate::markup::LineStarts::new(body);
    let mut out = Vec::new();
    let mut skip: Option<&AstNode> = None;
    for edge in root.traverse() {
        let node = match edge {
            NodeEdge::Start(node) => node,
            NodeEdge::End(node) => {
                if skip.is_some_and(|s| std::ptr::eq(s, node)) {
                    skip = None;
                }
                continue;
            }
        };
        if skip.is_some() {
            continue;
        }
        let printed = match &node.data().value {
            NodeValue::Text(text) => text.to_string(),
            NodeValue::Raw(text) => text.to_string(),
            NodeValue::Code(code) => code.literal.clone(),
            NodeValue::CodeBlock(code) => code.literal.clone(),
            NodeValue::HtmlInline(html) => crate::markup::html::strip_tags(html),
            NodeValue::HtmlBlock(html) => crate::markup::html::strip_tags(&html.literal),
            NodeValue::CommentInline(_) | NodeValue::MultilineComment(_) => {
                skip = Some(node);
                continue;
            }
            _ => continue,
        };
        out.push((lines.range(node), printed));
    }
    out
}

/// folio.toml's printed strings: the cover, running heads and markings.
fn config_missing(config: &Config, sources: &Sources, coverage: &Coverage) -> Vec<Missing> {
    let Some(text) = sources.get(&config.path) else {
        return Vec::new();
    };
    let book = &config.book;
    let printed = [
        &book.title,
        &book.subtitle,
        &book.organisation,
        &book.watermark,
    ]
    .into_iter()
    .flatten()
    .chain(config.packs.iter().filter_map(|p| p.title.as_ref()))
    .chain(config.packs.iter().filter_map(|p| p.watermark.as_ref()))
    .chain(&book.classification_levels);
    let mut found = Vec::new();
    for value in printed {
        for c in value.chars().filter(|&c| coverage.is_missing(c)) {
            let at = text.find(c);
            found.push(Found {
                at: at.unwrap_or(0),
                c,
                len: at.map_or(0, |_| c.len_utf8()),
            });
        }
    }
    group(&config.path, found, Some(&book.lang))
}

/// A writing system, before it is named for the reader.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Writing {
    /// Han, kana, bopomofo and CJK punctuation: named Japanese, Chinese or
    /// Korean from the text and its language.
    Cjk,
    Hangul,
    Emoji,
    Symbols,
    Script(Script),
}

fn writing_of(c: char, previous: Option<Writing>) -> Writing {
    match c.script() {
        Script::Han | Script::Hiragana | Script::Katakana | Script::Bopomofo => Writing::Cjk,
        Script::Hangul => Writing::Hangul,
        // Combining marks belong to the character they combine with.
        Script::Inherited => previous.unwrap_or(Writing::Symbols),
        Script::Common | Script::Unknown => {
            let extension = c.script_extension();
            if is_emoji(c) {
                Writing::Emoji
            } else if extension.contains_script(Script::Hangul)
                && !extension.contains_script(Script::Han)
            {
                Writing::Hangul
            } else if [
                Script::Han,
                Script::Hiragana,
                Script::Katakana,
                Script::Bopomofo,
            ]
            .into_iter()
            .any(|s| extension.contains_script(s))
                || is_cjk_block(c)
            {
                Writing::Cjk
            } else {
                // Punctuation of one script or a few (the Devanagari danda):
                // the script of the text around it, else its first script.
                let own = |w: Option<Writing>| match w {
                    Some(Writing::Script(s)) if extension.contains_script(s) => Some(s),
                    _ => None,
                };
                own(previous)
                    .or_else(|| {
                        extension.iter().find(|s| {
                            !matches!(s, Script::Common | Script::Inherited | Script::Unknown)
                        })
                    })
                    .map_or(Writing::Symbols, Writing::Script)
            }
        }
        script => Writing::Script(script),
    }
}

/// Emoji and pictographs (the ranges of Unicode's Extended_Pictographic
/// property, with the regional indicators and skin tones).
fn is_emoji(c: char) -> bool {
    matches!(c as u32,
        0x1F000..=0x1FAFF | 0x2600..=0x27BF | 0x2300..=0x23FF | 0x2B00..=0x2BFF
        | 0x3030 | 0x303D | 0x3297 | 0x3299 | 0xE0020..=0xE007F)
}

/// CJK punctuation, full-width forms and other CJK blocks of common script.
fn is_cjk_block(c: char) -> bool {
    matches!(c as u32, 0x3000..=0x303F | 0x3200..=0x33FF | 0xFE30..=0xFE4F | 0xFF00..=0xFFEF)
}

/// Groups a file's uncovered characters by writing system, each group
/// located at its first occurrence and named as a reader would name it.
fn group(file: &Path, mut found: Vec<Found>, lang: Option<&str>) -> Vec<Missing> {
    if found.is_empty() {
        return Vec::new();
    }
    found.sort_by_key(|f| f.at);
    let mut previous = None;
    let writings: Vec<Writing> = found
        .iter()
        .map(|f| {
            let writing = writing_of(f.c, previous);
            previous = Some(writing);
            writing
        })
        .collect();
    let lang = lang.unwrap_or("").to_ascii_lowercase();
    let lang = lang.split(['-', '_']).next().unwrap_or("");
    let kana = found
        .iter()
        .any(|f| matches!(f.c.script(), Script::Hiragana | Script::Katakana));
    let han = found.iter().any(|f| f.c.script() == Script::Han);
    let hangul = writings.contains(&Writing::Hangul);
    let name = |writing: Writing| -> String {
        match writing {
            Writing::Cjk if lang == "ja" || kana => "Japanese".into(),
            Writing::Cjk if lang == "ko" || (hangul && !han) => "Korean".into(),
            Writing::Cjk => "Chinese".into(),
            Writing::Hangul => "Korean".into(),
            Writing::Emoji => "emoji".into(),
            Writing::Symbols => "symbols".into(),
            Writing::Script(script) => script.full_name().replace('_', " "),
        }
    };
    let mut groups: Vec<Missing> = Vec::new();
    for (f, writing) in found.iter().zip(writings) {
        let writing = name(writing);
        let index = match groups.iter().position(|g| g.writing == writing) {
            Some(index) => index,
            None => {
                groups.push(Missing {
                    file: file.to_path_buf(),
                    writing,
                    chars: Vec::new(),
                    occurrences: 0,
                    at: f.at..f.at + f.len,
                });
                groups.len() - 1
            }
        };
        let group = &mut groups[index];
        group.occurrences += 1;
        if !group.chars.contains(&f.c) {
            group.chars.push(f.c);
        }
    }
    groups
}

/// The basic letters of the writing systems folio's users write in: a face
/// covers a script when it has at least nine in ten of them.
const SCRIPT_SAMPLES: &[(&str, &[(u32, u32)])] = &[
    ("Latin", &[(0x41, 0x5A), (0x61, 0x7A)]),
    ("Greek", &[(0x391, 0x3A1), (0x3A3, 0x3A9), (0x3B1, 0x3C9)]),
    ("Cyrillic", &[(0x410, 0x44F)]),
    ("Armenian", &[(0x531, 0x556), (0x561, 0x586)]),
    ("Hebrew", &[(0x5D0, 0x5EA)]),
    ("Arabic", &[(0x621, 0x63A), (0x641, 0x64A)]),
    ("Syriac", &[(0x710, 0x72C)]),
    ("Thaana", &[(0x780, 0x7A5)]),
    ("Devanagari", &[(0x905, 0x939)]),
    ("Bengali", &[(0x995, 0x9A8), (0x9AA, 0x9B0)]),
    ("Gurmukhi", &[(0xA15, 0xA28)]),
    ("Gujarati", &[(0xA95, 0xAA8)]),
    (
        "Tamil",
        &[
            (0xB95, 0xB95),
            (0xB99, 0xB9A),
            (0xBA4, 0xBA4),
            (0xBA8, 0xBAA),
        ],
    ),
    ("Telugu", &[(0xC15, 0xC28)]),
    ("Kannada", &[(0xC95, 0xCA8)]),
    ("Malayalam", &[(0xD15, 0xD28)]),
    ("Sinhala", &[(0xD9A, 0xDB1)]),
    ("Thai", &[(0xE01, 0xE2E)]),
    ("Lao", &[(0xE81, 0xE82), (0xE84, 0xE84), (0xE87, 0xE88)]),
    ("Tibetan", &[(0xF40, 0xF47), (0xF49, 0xF6A)]),
    ("Myanmar", &[(0x1000, 0x1020)]),
    ("Georgian", &[(0x10D0, 0x10FA)]),
    ("Ethiopic", &[(0x1200, 0x1248)]),
    ("Khmer", &[(0x1780, 0x17A2)]),
    ("Mongolian", &[(0x1820, 0x1842)]),
    ("Hiragana", &[(0x3041, 0x3096)]),
    ("Katakana", &[(0x30A1, 0x30FA)]),
    ("Han", &[(0x4E00, 0x9FA5)]),
    ("Hangul", &[(0xAC00, 0xD7A3)]),
    ("emoji", &[(0x1F600, 0x1F64F), (0x1F300, 0x1F3FA)]),
];

/// The writing systems a set of faces can set text in (see
/// [`SCRIPT_SAMPLES`]).
pub fn scripts_covered<'a>(faces: impl Iterator<Item = &'a Face>) -> Vec<&'static str> {
    let coverage = Coverage::of_faces(faces);
    SCRIPT_SAMPLES
        .iter()
        .filter(|(_, ranges)| {
            let chars = ranges
                .iter()
                .flat_map(|&(a, b)| a..=b)
                .filter_map(char::from_u32);
            let (total, covered) = chars.fold((0, 0), |(t, c), ch| {
                (t + 1, c + usize::from(coverage.covers(ch)))
            });
            covered * 10 >= total * 9
        })
        .map(|(name, _)| *name)
        .collect()
}

/// A family as `folio fonts` lists it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct FamilyRow {
    pub family: String,
    /// The writing systems it covers (see [`scripts_covered`]).
    pub scripts: Vec<&'static str>,
    pub source: String,
}

/// Each family with the scripts it covers and where it comes from, one row
/// per family and origin, in font-book order.
pub fn families(fonts: &Fonts) -> Vec<FamilyRow> {
    // An installed family is one row however many files it has.
    let key = |face: &Face| match &face.origin {
        Origin::System(_) => "system".to_string(),
        origin => origin.describe(),
    };
    let mut rows: Vec<(&str, String)> = Vec::new();
    for face in &fonts.faces {
        let row = (face.info.family.as_str(), key(face));
        if !rows.contains(&row) {
            rows.push(row);
        }
    }
    rows.par_iter()
        .map(|(family, origin)| {
            let faces: Vec<&Face> = fonts
                .faces
                .iter()
                .filter(|f| f.info.family == *family && key(f) == *origin)
                .collect();
            let mut files: Vec<String> = faces.iter().filter_map(|f| f.origin.file()).collect();
            files.dedup();
            let source = match (origin.as_str(), files.len()) {
                ("system", 1) => format!("system: {}", files[0]),
                ("system", n) => format!("system: {} and {} more", files[0], n - 1),
                _ => origin.clone(),
            };
            FamilyRow {
                family: family.to_string(),
                scripts: scripts_covered(faces.into_iter()),
                source,
            }
        })
        .collect()
}

/// `folio fonts`: [`families`] as aligned columns.
pub fn table(fonts: &Fonts) -> String {
    let rows: Vec<(String, String, String)> = families(fonts)
        .into_iter()
        .map(|row| {
            let scripts = if row.scripts.is_empty() {
                "symbols only".to_string()
            } else {
                row.scripts.join(", ")
            };
            (row.family, scripts, row.source)
        })
        .collect();
    let width = |f: fn(&(String, String, String)) -> &String| {
        rows.iter().map(|r| f(r).chars().count()).max().unwrap_or(0)
    };
    let (family_width, scripts_width) = (width(|r| &r.0), width(|r| &r.1));
    let mut out = String::new();
    for (family, scripts, origin) in &rows {
        out.push_str(&format!(
            "{family:<family_width$}  {scripts:<scripts_width$}  {origin}\n"
        ));
    }
    out
}

/// `folio fonts --missing --format json`: the same as a list of objects.
pub fn missing_json(missing: &[Missing], sources: &Sources) -> serde_json::Value {
    missing
        .iter()
        .map(|m| {
            let place = sources
                .get(&m.file)
                .map(|t| crate::diag::line_col(t, m.at.start));
            serde_json::json!({
                "file": crate::diag::display_path(&m.file),
                "line": place.map(|p| p.line),
                "column": place.map(|p| p.column),
                "writing": m.writing,
                "characters": m.chars.iter().collect::<String>(),
                "occurrences": m.occurrences,
            })
        })
        .collect()
}

/// `folio fonts --missing`: every character nothing covers, per file and
/// writing system, with the place of its first occurrence.
pub fn missing_table(missing: &[Missing], sources: &Sources) -> String {
    let mut out = String::new();
    for m in missing {
        let place = sources
            .get(&m.file)
            .map(|text| crate::diag::line_col(text, m.at.start))
            .map_or(String::new(), |p| format!(":{}:{}", p.line, p.column));
        let chars: Vec<String> = m.chars.iter().map(|&c| shown(c)).collect();
        let chars = chars.join(" ");
        out.push_str(&format!(
            "{}{place}  {}: {} character{}, {} occurrence{}: {chars}\n",
            crate::diag::display_path(&m.file),
            m.writing,
            m.chars.len(),
            if m.chars.len() == 1 { "" } else { "s" },
            m.occurrences,
            if m.occurrences == 1 { "" } else { "s" },
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn builtin() -> Coverage {
        Coverage::of(&Fonts::load(Path::new("/nonexistent")))
    }

    #[test]
    fn builtin_fonts_cover_latin_greek_cyrillic_but_not_cjk_or_emoji() {
        let coverage = builtin();
        for c in "Aé€ΩЖ—“”".chars() {
            assert!(coverage.covers(c), "{c}");
        }
        for c in "中ダ한😢".chars() {
            assert!(coverage.is_missing(c), "{c}");
        }
        // Joiners and variation selectors need no glyph.
        assert!(!coverage.is_missing('\u{200D}') && !coverage.is_missing('\u{FE0F}'));
    }

    #[test]
    fn groups_are_named_as_readers_name_them() {
        let found = |text: &str| {
            text.char_indices()
                .map(|(at, c)| Found {
                    at,
                    c,
                    len: c.len_utf8(),
                })
                .collect::<Vec<_>>()
        };
        let file = Path::new("n.md");
        let groups = group(file, found("ダ中ー"), None);
        assert_eq!(groups.len(), 1);
        assert_eq!(groups[0].writing, "Japanese");
        assert_eq!(
            groups[0].message(),
            "3 characters in Japanese (ダ, 中, ー) have no font"
        );
        let groups = group(file, found("中文"), None);
        assert_eq!(groups[0].writing, "Chinese");
        let groups = group(file, found("한국어。"), None);
        assert_eq!((groups.len(), groups[0].writing.as_str()), (1, "Korean"));
        let groups = group(file, found("😢ก"), None);
        assert_eq!(groups[0].message(), "1 emoji (😢) has no font");
        assert_eq!(groups[1].message(), "1 character in Thai (ก) has no font");
        assert_eq!(groups[1].at, 4..7);
    }

    #[test]
    fn printed_body_leaves_out_comments_and_link_targets() {
        let body = "a [x](中.md) %%隠%% <!-- 隠 --> `コ`\n\n```\n码\n```\n";
        let printed: String = printed_body(body).into_iter().map(|(_, t)| t).collect();
        assert!(
            printed.contains('コ') && printed.contains('码'),
            "{printed}"
        );
        assert!(
            !printed.contains('中') && !printed.contains('隠'),
            "{printed}"
        );
    }
}
