//! Markdown AST to Typst markup.
//!
//! A note body is parsed by comrak once and walked with an explicit
//! enter/exit traversal (no recursion, so thousands of nesting levels cannot
//! overflow the stack). The walk emits Typst markup that calls a small set of
//! functions from folio's prelude (`folio-xref`, `folio-figure`, ...) and
//! collects what later stages need: headings with slugs, cross-references,
//! images and warnings, each with its byte range in the body.
//!
//! The output does not depend on the pack a note ends up in: whether a
//! cross-reference target is in the pack is decided inside Typst from the
//! pack's data, so one conversion serves every document of a run.

pub mod citations;
pub mod escape;
pub mod html;

use std::collections::BTreeMap;
use std::ops::Range;
use std::sync::Arc;

use comrak::arena_tree::NodeEdge;
use comrak::nodes::{AstNode, ListType, NodeValue, TableAlignment};
use comrak::{Arena, Options};

use crate::diag::{Code, Diagnostic};
use crate::slug;

/// Containers nested deeper than this are flattened to their text: Typst
/// allows 64 nested show rules and a quote or list spends several per level,
/// while real notes rarely nest more than four deep.
pub const MAX_NESTING: usize = 10;

/// How the converter learns what a reference names. The notes stage
/// implements it over every note of the project (see [`crate::names`]);
/// keeping it a trait keeps this module free of the rest of the pipeline.
pub trait Resolve: Sync {
    /// The id of the note that `name` names.
    fn note(&self, name: &NoteName<'_>) -> Option<String>;
    /// The label slug of the heading (or `^block`) that `path` names in
    /// note `id`: `["Heading"]`, `["Heading", "Sub"]`, `["^block-id"]`.
    fn anchor(&self, id: &str, path: &[&str]) -> Option<String>;
    /// The text of the heading with label slug `slug` in note `id`.
    fn heading_text(&self, id: &str, slug: &str) -> Option<String>;
    /// What an `![[embed]]` of note `id` inlines.
    fn embeddable(&self, id: &str) -> Option<Embeddable>;
    /// The project-relative path of an attachment (image, file) that a note
    /// in `dir` names, if it exists.
    fn file(&self, dir: &str, name: &str) -> Option<String>;
    /// A note name close to `name`, for "did you mean".
    fn suggest_note(&self, name: &str) -> Option<String>;
    /// A heading of note `id` close to `anchor`.
    fn suggest_anchor(&self, id: &str, anchor: &str) -> Option<String>;
    /// Whether the project names any bibliography: without one, `[@x]` and
    /// `@x` are text, as they were before folio read citations.
    fn cites(&self) -> bool {
        false
    }
    /// Whether a bibliography of the project has citation key `key`.
    fn citation_key(&self, _key: &str) -> bool {
        false
    }
    /// A citation key close to `key`, for "did you mean".
    fn suggest_citation_key(&self, _key: &str) -> Option<String> {
        None
    }
}

/// A reference to a note as written.
#[derive(Debug, Clone, Copy)]
pub enum NoteName<'a> {
    /// `[[Note Name]]`, `[[folder/Note Name]]`, an alias, a `related` entry.
    Wiki { from_dir: &'a str, name: &'a str },
    /// `[text](../other/Note.md)`: a path relative to the linking note.
    Path { from_dir: &'a str, path: &'a str },
}

/// What an embed of another note inlines.
#[derive(Debug, Clone)]
pub struct Embeddable {
    pub title: String,
    /// The note's body (front matter removed).
    pub body: Arc<str>,
    /// The note file's folder, project-relative.
    pub dir: String,
    /// The body's first level-1 heading is the note's title.
    pub take_title: bool,
}

/// Resolves nothing: for converting a note without its project.
pub struct NoProject;

impl Resolve for NoProject {
    fn note(&self, _: &NoteName<'_>) -> Option<String> {
        None
    }
    fn anchor(&self, _: &str, _: &[&str]) -> Option<String> {
        None
    }
    fn heading_text(&self, _: &str, _: &str) -> Option<String> {
        None
    }
    fn embeddable(&self, _: &str) -> Option<Embeddable> {
        None
    }
    fn file(&self, _: &str, _: &str) -> Option<String> {
        None
    }
    fn suggest_note(&self, _: &str) -> Option<String> {
        None
    }
    fn suggest_anchor(&self, _: &str, _: &str) -> Option<String> {
        None
    }
}

/// What the converter needs to know about the note it converts.
#[derive(Clone, Copy)]
pub struct NoteContext<'a> {
    pub id: &'a str,
    /// The note file's folder, relative to the project root, `/`-separated
    /// (e.g. `notes/regional`). Relative links and images resolve against it.
    pub dir: &'a str,
    /// Take the first level-1 heading out of the body as the note's title.
    pub take_title: bool,
    pub resolver: &'a dyn Resolve,
    /// The block hashes the note had in the previous edition: blocks not
    /// among them are marked revised. None: no previous edition, or the
    /// note is new (its chapter is marked as a whole).
    pub previous_blocks: Option<&'a std::collections::BTreeSet<String>>,
}

/// A block of the body (paragraph, heading, code block, table row) as the
/// edition comparison sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    pub hash: String,
    /// The label slug of the section it is in; none before the first heading.
    pub section: Option<String>,
    /// Not in the previous edition's note (only with a previous edition).
    pub revised: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heading {
    /// Markdown level (1–6); in the book it sits one level lower.
    pub level: u8,
    pub text: String,
    /// GitHub's anchor for the heading, unique in the note: the label.
    pub slug: String,
    /// folio's older ASCII anchor, unique in the note: still resolves.
    pub legacy: String,
    pub range: Range<usize>,
}

/// A resolved link from this note to a note (or a heading in one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CrossRef {
    /// The target note's id.
    pub target: String,
    /// The target heading's label slug.
    pub anchor: Option<String>,
    pub range: Range<usize>,
}

/// A cited key (known or not: the document decides whether it prints).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Citation {
    pub key: String,
    pub range: Range<usize>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRef {
    /// Project-relative path, `/`-separated, already normalised.
    pub path: String,
    pub alt: String,
    pub range: Range<usize>,
}

/// Maps byte offsets in generated Typst back to byte offsets in the body.
#[derive(Debug, Clone, Default)]
pub struct SourceMap {
    /// (generated offset, body offset), sorted by generated offset.
    points: Vec<(usize, usize)>,
}

impl SourceMap {
    pub fn body_offset(&self, generated: usize) -> Option<usize> {
        let index = self.points.partition_point(|&(g, _)| g <= generated);
        index.checked_sub(1).map(|i| self.points[i].1)
    }
}

/// What a note body holds that other notes can point at, found without
/// converting it: the first pass over every note, before links resolve.
#[derive(Debug, Clone, Default)]
pub struct Outline {
    /// The first level-1 heading's text, when `take_title` is set.
    pub title: Option<String>,
    pub headings: Vec<Heading>,
    /// Obsidian block ids (`^id` at the end of a paragraph or item).
    pub blocks: Vec<String>,
    /// Inline `#tags` in the text.
    pub tags: Vec<String>,
}

#[derive(Debug, Clone, Default)]
pub struct Converted {
    pub typst: String,
    /// The first level-1 heading's text, when `take_title` removed it.
    pub title: Option<String>,
    pub headings: Vec<Heading>,
    /// Inline `#tags` in the text.
    pub tags: Vec<String>,
    /// Every resolved reference to a note.
    pub xrefs: Vec<CrossRef>,
    pub images: Vec<ImageRef>,
    /// Every `[@key]` and narrative `@key`, in order.
    pub citations: Vec<Citation>,
    /// Every block, in order, with its hash.
    pub blocks: Vec<Block>,
    /// Problems found while converting; ranges are body-relative and the
    /// caller sets the file.
    pub diagnostics: Vec<Diagnostic>,
    pub source_map: SourceMap,
}

/// The comrak options folio reads notes with: CommonMark, GitHub's
/// extensions, and Obsidian's (wikilinks and embeds, callouts, comments,
/// highlights), plus Pandoc's definition lists.
pub fn comrak_options() -> Options<'static> {
    let mut options = Options::default();
    options.extension.strikethrough = true;
    options.extension.table = true;
    options.extension.autolink = true;
    options.extension.tasklist = true;
    options.extension.footnotes = true;
    options.extension.wikilinks_title_after_pipe = true;
    options.extension.ofm_callouts = true;
    options.extension.ofm_comments = true;
    options.extension.highlight = true;
    options.extension.description_lists = true;
    options
}

/// Finds a body's title, headings, block ids and tags (the first pass).
pub fn outline(body: &str, take_title: bool) -> Outline {
    let arena = Arena::new();
    let root = comrak::parse_document(&arena, body, &comrak_options());
    outline_of(root, &LineStarts::new(body), take_title)
}

/// Converts a note body (front matter already removed) to Typst markup.
pub fn convert(body: &str, note: &NoteContext) -> Converted {
    let arena = Arena::new();
    let root = comrak::parse_document(&arena, body, &comrak_options());
    let lines = LineStarts::new(body);
    let outline = outline_of(root, &lines, note.take_title);
    let mut converter = Converter::new(&arena, body, lines, note);
    converter.top_level = top_heading_level(root, note.take_title);
    converter.title_node = outline.title.as_ref().and(first_h1(root));
    converter.slugs = outline
        .headings
        .iter()
        .map(|h| (h.range.start, h.slug.clone()))
        .collect();
    converter.collect_footnotes(root);
    join_wrapped_citations(root);
    converter.walk(root);
    converter.close_all_html();
    let mut converted = converter.finish();
    converted.title = outline.title;
    converted.headings = outline.headings;
    converted.tags = outline.tags;
    converted
}

/// A heading's slug as folio made it before GitHub's rule (see
/// [`crate::slug::legacy`]).
pub fn slug(text: &str) -> String {
    slug::legacy(text)
}

/// A block's hash for comparing editions: its kind and its source text with
/// whitespace collapsed (re-wrapping a paragraph is no change); 16 hex
/// digits of SHA-256, no text.
pub fn block_hash(kind: &str, source: &str) -> String {
    let text: Vec<&str> = source.split_whitespace().collect();
    let digest = crate::output::sha256_hex(format!("{kind}\u{0}{}", text.join(" ")).as_bytes());
    digest[..16].to_string()
}

/// Label names shared with the prelude and the layouts.
pub fn note_label(id: &str) -> String {
    format!("folio:note:{id}")
}

pub fn section_label(id: &str, slug: &str) -> String {
    format!("folio:sec:{id}#{slug}")
}

/// Byte offsets of line starts, as comrak counts lines: `\n`, `\r\n`, or a
/// lone `\r` end a line; turns comrak's source positions into byte ranges.
pub struct LineStarts {
    starts: Vec<usize>,
    len: usize,
}

impl LineStarts {
    pub fn new(body: &str) -> Self {
        let bytes = body.as_bytes();
        let starts = std::iter::once(0)
            .chain(bytes.iter().enumerate().filter_map(|(i, &b)| {
                let ends = b == b'\n' || (b == b'\r' && bytes.get(i + 1) != Some(&b'\n'));
                ends.then_some(i + 1)
            }))
            .collect();
        Self {
            starts,
            len: body.len(),
        }
    }

    fn offset(&self, line: usize, column: usize) -> usize {
        let start = self
            .starts
            .get(line.saturating_sub(1))
            .copied()
            .unwrap_or(self.len);
        (start + column.saturating_sub(1)).min(self.len)
    }

    /// The byte range of `node` in the text it was parsed from.
    pub fn range(&self, node: Node<'_>) -> Range<usize> {
        let pos = node.data().sourcepos;
        let start = self.offset(pos.start.line, pos.start.column);
        let end = (self.offset(pos.end.line, pos.end.column) + 1)
            .min(self.len)
            .max(start);
        start..end
    }
}

fn first_h1<'a>(root: Node<'a>) -> Option<Node<'a>> {
    root.descendants()
        .find(|n| matches!(n.data().value, NodeValue::Heading(h) if h.level == 1))
}

fn outline_of<'a>(root: Node<'a>, lines: &LineStarts, take_title: bool) -> Outline {
    let mut outline = Outline::default();
    let mut github = slug::Slugger::default();
    let mut legacy_seen: Vec<String> = Vec::new();
    for node in root.descendants() {
        match &node.data().value {
            NodeValue::Heading(heading) => {
                let text = plain_text(node);
                if heading.level == 1 && take_title && outline.title.is_none() {
                    outline.title = Some(text);
                    continue;
                }
                let base = match slug::github(&text) {
                    s if s.is_empty() => "section".to_string(),
                    s => s,
                };
                let legacy_base = match slug::legacy(&text) {
                    s if s.is_empty() => "section".to_string(),
                    s => s,
                };
                let mut legacy = legacy_base.clone();
                let mut n = 1;
                while legacy_seen.contains(&legacy) {
                    n += 1;
                    legacy = format!("{legacy_base}-{n}");
                }
                legacy_seen.push(legacy.clone());
                outline.headings.push(Heading {
                    level: heading.level,
                    text,
                    slug: github.unique(base),
                    legacy,
                    range: lines.range(node),
                });
            }
            NodeValue::Paragraph => {
                if let Some((_, id)) = block_id(node) {
                    outline.blocks.push(id);
                }
            }
            NodeValue::Text(text) if !inside_link(node) => {
                for tag in inline_tags(text) {
                    if !outline.tags.contains(&tag) {
                        outline.tags.push(tag);
                    }
                }
            }
            _ => {}
        }
    }
    outline
}

/// A citation group wrapped over source lines (`[see @key,` / `p. 3]`)
/// arrives as text, soft break, text: joins such runs into one text node
/// (the first's, spanning to the last's end) so the scanner sees the group.
fn join_wrapped_citations<'a>(root: Node<'a>) {
    let opens_group = |text: &str| {
        text.rfind('[')
            .is_some_and(|at| !text[at..].contains(']') && text[at..].contains('@'))
    };
    let texts: Vec<Node<'a>> = root
        .descendants()
        .filter(|n| matches!(&n.data().value, NodeValue::Text(t) if opens_group(t)))
        .collect();
    let text_of = |node: Node<'a>| match &node.data().value {
        NodeValue::Text(text) => Some(text.to_string()),
        _ => None,
    };
    for node in texts {
        while let Some(text) = text_of(node).filter(|t| opens_group(t)) {
            let Some(brk) = node
                .next_sibling()
                .filter(|b| matches!(b.data().value, NodeValue::SoftBreak))
            else {
                break;
            };
            let Some((next, rest)) = brk.next_sibling().and_then(|n| Some((n, text_of(n)?))) else {
                break;
            };
            let joined = format!("{text} {rest}");
            let end = next.data().sourcepos.end;
            {
                let mut data = node.data_mut();
                data.value = NodeValue::Text(joined.into());
                data.sourcepos.end = end;
            }
            brk.detach();
            next.detach();
        }
    }
}

fn inside_link(node: Node<'_>) -> bool {
    node.ancestors()
        .any(|a| matches!(a.data().value, NodeValue::Link(_) | NodeValue::WikiLink(_)))
}

/// Obsidian's block id: a paragraph whose text ends with ` ^id`. Returns
/// the last text node and the id.
fn block_id<'a>(paragraph: Node<'a>) -> Option<(Node<'a>, String)> {
    let last = paragraph.last_child()?;
    let NodeValue::Text(text) = &last.data().value else {
        return None;
    };
    let (before, id) = text.rsplit_once('^')?;
    let valid = !id.is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    let separated =
        before.is_empty() && last.previous_sibling().is_some() || before.ends_with([' ', '\t']);
    (valid && separated).then(|| (last, id.to_string()))
}

/// `#tag` words in text: `#` at the start or after a space, then letters,
/// digits, `_`, `-` or `/`, not only digits (`#1` is a number).
fn inline_tags(text: &str) -> Vec<String> {
    let mut tags = Vec::new();
    let mut previous = ' ';
    let chars = text.char_indices().peekable();
    for (i, c) in chars {
        if c == '#' && previous.is_whitespace() {
            let rest = &text[i + 1..];
            let end = rest
                .find(|c: char| !(c.is_alphanumeric() || matches!(c, '_' | '-' | '/')))
                .unwrap_or(rest.len());
            let tag = &rest[..end];
            if tag.chars().any(|c| !c.is_ascii_digit()) && !tag.starts_with(['-', '/']) {
                tags.push(tag.to_string());
            }
        }
        previous = c;
    }
    tags
}

/// Languages of diagram code blocks that other tools draw.
const DIAGRAM_LANGUAGES: &[&str] = &[
    "mermaid",
    "plantuml",
    "puml",
    "dot",
    "graphviz",
    "d2",
    "flowchart",
    "sequence",
    "tikz",
    "abc",
    "vega",
    "vega-lite",
];

/// File types an embed cannot show on paper.
const UNPRINTABLE: &[&str] = &[
    "base",
    "canvas",
    "pdf",
    "mp3",
    "wav",
    "ogg",
    "m4a",
    "flac",
    "aac",
    "webm",
    "mp4",
    "mov",
    "mkv",
    "avi",
    "ogv",
    "3gp",
    "excalidraw",
];

/// Image types folio can place.
const IMAGE_EXTENSIONS: &[&str] = &[
    "png", "jpg", "jpeg", "gif", "webp", "svg", "bmp", "tif", "tiff", "ico", "avif", "pnm", "tga",
    "qoi",
];

/// An Obsidian callout type (or one of its aliases) and its label.
fn callout_kind(kind: &str) -> (&'static str, String) {
    let canonical = match kind {
        "note" => "note",
        "abstract" | "summary" | "tldr" => "abstract",
        "info" => "info",
        "todo" => "todo",
        "tip" | "hint" | "important" => "tip",
        "success" | "check" | "done" => "success",
        "question" | "help" | "faq" => "question",
        "warning" | "caution" | "attention" => "warning",
        "failure" | "fail" | "missing" => "failure",
        "danger" | "error" => "danger",
        "bug" => "bug",
        "example" => "example",
        "quote" | "cite" => "quote",
        _ => "other",
    };
    let label = if canonical == "other" {
        let spaced = kind.replace(['-', '_'], " ");
        let mut chars = spaced.chars();
        chars
            .next()
            .map(|c| c.to_uppercase().chain(chars).collect())
            .unwrap_or_default()
    } else {
        let mut chars = canonical.chars();
        chars
            .next()
            .map(|c| c.to_uppercase().chain(chars).collect())
            .unwrap_or_default()
    };
    (canonical, label)
}

type Node<'a> = &'a AstNode<'a>;

/// An embed being inlined: references inside it resolve from its note's
/// folder, and every position inside it is reported at the embed.
struct Frame {
    id: String,
    /// The embedded section's slug; `None` for the whole note.
    section: Option<String>,
    dir: String,
    /// Where the outermost embed is written in the converted note.
    at: Range<usize>,
}

/// An HTML element opened by a tag and not yet closed.
struct OpenHtml {
    name: String,
    close: &'static str,
    /// `closers.len()` when it opened: it must close before that Markdown
    /// container does, so every bracket folio writes is balanced.
    level: usize,
}

struct Converter<'a, 'n> {
    arena: &'a Arena<'a>,
    note: &'n NoteContext<'n>,
    body: &'a str,
    lines: LineStarts,
    out: String,
    xrefs: Vec<CrossRef>,
    images: Vec<ImageRef>,
    citations: Vec<Citation>,
    blocks: Vec<Block>,
    /// The section the walk is in (label slug).
    section: Option<String>,
    /// Blocks wrapped in `folio-revised`, innermost last.
    revised_open: Vec<Node<'a>>,
    diagnostics: Vec<Diagnostic>,
    map: Vec<(usize, usize)>,
    footnotes: Vec<(String, Node<'a>)>,
    footnotes_emitted: Vec<String>,
    in_footnote: bool,
    /// Closing text for each open node, pushed on enter, popped on exit.
    closers: Vec<Closer>,
    depth: usize,
    warned_nesting: bool,
    /// Warnings given once per note.
    warned: Vec<Code>,
    /// The shallowest Markdown heading level in the body; it becomes the
    /// first level below the chapter title.
    top_level: u8,
    /// The heading that became the note's title (not printed).
    title_node: Option<Node<'a>>,
    /// Each heading's label slug by its byte offset (from the outline).
    slugs: BTreeMap<usize, String>,
    html: Vec<OpenHtml>,
    /// Embeds being inlined, outermost first.
    frames: Vec<Frame>,
}

enum Closer {
    /// Closes a container (counted against [`MAX_NESTING`]).
    Static(&'static str),
    /// Closes a block that adds no nesting, such as a paragraph.
    Text(&'static str),
    None,
    /// The subtree is not walked (its content was emitted on enter).
    Skip,
    /// The subtree is printed as plain text only (nesting limit).
    Flatten,
}

impl<'a, 'n> Converter<'a, 'n> {
    fn new(
        arena: &'a Arena<'a>,
        body: &'a str,
        lines: LineStarts,
        note: &'n NoteContext<'n>,
    ) -> Self {
        Self {
            arena,
            note,
            body,
            lines,
            out: String::with_capacity(body.len() * 2),
            xrefs: Vec::new(),
            images: Vec::new(),
            citations: Vec::new(),
            blocks: Vec::new(),
            section: None,
            revised_open: Vec::new(),
            diagnostics: Vec::new(),
            map: Vec::new(),
            footnotes: Vec::new(),
            footnotes_emitted: Vec::new(),
            in_footnote: false,
            closers: Vec::new(),
            depth: 0,
            warned_nesting: false,
            warned: Vec::new(),
            top_level: 1,
            title_node: None,
            slugs: BTreeMap::new(),
            html: Vec::new(),
            frames: Vec::new(),
        }
    }

    fn finish(self) -> Converted {
        Converted {
            typst: self.out,
            xrefs: self.xrefs,
            images: self.images,
            citations: self.citations,
            blocks: self.blocks,
            diagnostics: self.diagnostics,
            source_map: SourceMap { points: self.map },
            ..Converted::default()
        }
    }

    /// A node's byte range in the body; inside an embed, the embed's.
    fn range(&self, node: Node<'a>) -> Range<usize> {
        match self.frames.first() {
            Some(frame) => frame.at.clone(),
            None => self.lines.range(node),
        }
    }

    /// The folder references resolve from: the note's, or the embedded one's.
    fn dir(&self) -> String {
        self.frames
            .last()
            .map_or_else(|| self.note.dir.to_string(), |f| f.dir.clone())
    }

    fn warn(&mut self, diagnostic: Diagnostic) {
        self.diagnostics.push(diagnostic);
    }

    /// A warning given at most once per note (its kind is summarised across
    /// notes by the report).
    fn warn_once(&mut self, code: Code, message: &str, at: Range<usize>, hint: &str) {
        if !self.warned.contains(&code) {
            self.warned.push(code);
            self.warn(
                Diagnostic::warning(message)
                    .with_range(at)
                    .hint(hint)
                    .with_code(code),
            );
        }
    }

    /// Records the hash of `node` if it is a block (a table records one per
    /// row) and says whether it is revised since the previous edition.
    fn hash_block(&mut self, node: Node<'a>) -> bool {
        let source = |n: Node<'a>| {
            // comrak's end column may point inside a multi-byte character.
            let range = self.lines.range(n);
            let end = (range.end..=self.body.len())
                .find(|&i| self.body.is_char_boundary(i))
                .unwrap_or(self.body.len());
            let start = (0..=range.start)
                .rev()
                .find(|&i| self.body.is_char_boundary(i))
                .unwrap_or(0);
            &self.body[start..end]
        };
        let hashes: Vec<String> = match &node.data().value {
            NodeValue::Paragraph => vec![block_hash("paragraph", source(node))],
            NodeValue::CodeBlock(_) => vec![block_hash("code", source(node))],
            NodeValue::Heading(_) if !self.title_node.is_some_and(|t| std::ptr::eq(t, node)) => {
                let start = self.lines.range(node).start;
                self.section = self.slugs.get(&start).cloned();
                vec![block_hash("heading", source(node))]
            }
            NodeValue::Table(_) => node
                .children()
                .map(|row| block_hash("row", source(row)))
                .collect(),
            _ => return false,
        };
        let mut revised = false;
        for hash in hashes {
            let changed = self
                .note
                .previous_blocks
                .is_some_and(|before| !before.contains(&hash));
            revised |= changed;
            self.blocks.push(Block {
                hash,
                section: self.section.clone(),
                revised: changed,
            });
        }
        // A block inside a revised block (a paragraph in a table cell) is
        // marked by its container.
        revised && self.revised_open.is_empty()
    }

    fn collect_footnotes(&mut self, root: Node<'a>) {
        for child in root.children() {
            if let NodeValue::FootnoteDefinition(def) = &child.data().value {
                self.footnotes.push((def.name.to_lowercase(), child));
            }
        }
    }

    /// Walks `root`'s subtree; `root` itself emits nothing.
    fn walk(&mut self, root: Node<'a>) {
        // Index into `closers` at which the current skip/flatten began.
        let mut skipping: Option<(Node<'a>, bool)> = None;
        for edge in root.traverse() {
            match edge {
                NodeEdge::Start(node) if std::ptr::eq(node, root) => {}
                NodeEdge::End(node) if std::ptr::eq(node, root) => {}
                NodeEdge::Start(node) => {
                    if let Some((_, flatten)) = skipping {
                        if flatten {
                            self.flat(node, true);
                        }
                        continue;
                    }
                    if self.frames.is_empty() {
                        self.map.push((self.out.len(), self.range(node).start));
                        if self.hash_block(node) {
                            self.out.push_str("#folio-revised[");
                            self.revised_open.push(node);
                        }
                    }
                    let closer = self.enter(node);
                    match closer {
                        Closer::Skip => skipping = Some((node, false)),
                        Closer::Flatten => skipping = Some((node, true)),
                        _ => {}
                    }
                    self.closers.push(closer);
                }
                NodeEdge::End(node) => {
                    if let Some((start, flatten)) = skipping {
                        if !std::ptr::eq(start, node) {
                            if flatten {
                                self.flat(node, false);
                            }
                            continue;
                        }
                        skipping = None;
                    }
                    let closer = self.closers.pop();
                    self.close_html_to(self.closers.len());
                    match closer {
                        Some(Closer::Static(text)) => {
                            self.out.push_str(text);
                            self.depth -= 1;
                        }
                        Some(Closer::Text(text)) => self.out.push_str(text),
                        Some(Closer::Flatten) if node.data().value.block() => {
                            self.out.push_str("\n\n")
                        }
                        _ => {}
                    }
                    if self
                        .revised_open
                        .last()
                        .is_some_and(|open| std::ptr::eq(*open, node))
                    {
                        self.revised_open.pop();
                        self.out.push_str("]\n\n");
                    }
                }
            }
        }
    }

    /// Emits the opening of `node` and says how to close it.
    // Long: one short arm per kind of Markdown node, in one place, so the
    // whole mapping from Markdown to Typst reads top to bottom.
    fn enter(&mut self, node: Node<'a>) -> Closer {
        let value = node.data().value.clone();
        // A list needs room for itself and its items: an item can never be
        // flattened on its own, or its text would land in the list's
        // argument list, where Typst reads code.
        let room = if matches!(value, NodeValue::List(_)) {
            2
        } else {
            1
        };
        if is_container(&value) && self.depth + room > MAX_NESTING {
            if !self.warned_nesting {
                self.warned_nesting = true;
                let at = self.range(node).start;
                self.warn(
                    Diagnostic::warning(format!("content nested more than {MAX_NESTING} levels deep is printed as plain text"))
                        .with_range(at..at + 1),
                );
            }
            return Closer::Flatten;
        }
        let open = |this: &mut Self, text: &str, close: &'static str| {
            this.out.push_str(text);
            this.depth += 1;
            Closer::Static(close)
        };
        match value {
            NodeValue::Document | NodeValue::FrontMatter(_) => Closer::None,
            NodeValue::Paragraph => {
                if let Some((_, id)) = block_id(node)
                    && self.frames.is_empty()
                {
                    // A place `[[note#^id]]` can link to.
                    self.out.push_str("#metadata(none)#label(");
                    escape::push_string(
                        &mut self.out,
                        &section_label(self.note.id, &format!("^{id}")),
                    );
                    self.out.push(')');
                }
                Closer::Text("\n\n")
            }
            NodeValue::Heading(heading) => {
                self.heading(node, heading.level);
                Closer::Skip
            }
            NodeValue::BlockQuote | NodeValue::MultilineBlockQuote(_) => {
                open(self, "#quote(block: true)[", "]\n\n")
            }
            NodeValue::Callout(callout) => {
                let (kind, label) = callout_kind(&callout.callout_type);
                let has_title = node
                    .first_child()
                    .is_some_and(|c| matches!(c.data().value, NodeValue::CalloutTitle));
                self.out.push_str("#folio-callout(");
                escape::push_string(&mut self.out, kind);
                self.out.push_str(", ");
                escape::push_string(&mut self.out, &label);
                self.out.push_str(if has_title { ")" } else { ", none)" });
                if has_title {
                    // The title is the first child and writes `[title][`.
                    self.depth += 1;
                    Closer::Static("]\n\n")
                } else {
                    open(self, "[", "]\n\n")
                }
            }
            NodeValue::CalloutTitle => {
                // The title is inline text, whatever block comrak wraps it in.
                self.out.push('[');
                self.nested_walk(node);
                while self.out.ends_with('\n') {
                    self.out.pop();
                }
                self.out.push_str("][");
                Closer::Skip
            }
            NodeValue::List(list) => {
                let marker = if list.is_task_list {
                    ", marker: none"
                } else {
                    ""
                };
                let head = match list.list_type {
                    ListType::Bullet => format!("#list(tight: {}{marker}, ", list.tight),
                    ListType::Ordered => {
                        format!("#enum(start: {}, tight: {}, ", list.start, list.tight)
                    }
                };
                open(self, &head, ")\n\n")
            }
            NodeValue::Item(_) => open(self, "[", "], "),
            NodeValue::TaskItem(task) => {
                let checked = task.symbol.is_some_and(|c| c != ' ');
                open(self, &format!("[#folio-task({checked})"), "], ")
            }
            NodeValue::DescriptionList => Closer::None,
            NodeValue::DescriptionItem(_) => Closer::None,
            NodeValue::DescriptionTerm => open(self, "#folio-term[", "]\n\n"),
            NodeValue::DescriptionDetails => open(self, "#folio-details-of-term[", "]\n\n"),
            NodeValue::CodeBlock(code) => {
                let lang = code.info.split_whitespace().next().unwrap_or("");
                if DIAGRAM_LANGUAGES.contains(&lang.to_ascii_lowercase().as_str()) {
                    let at = self.range(node);
                    self.warn_once(
                        Code::Diagram,
                        "diagram code blocks are printed as code, not drawn",
                        at,
                        "export the diagram as an SVG or PNG and include it as an image",
                    );
                }
                let text = code.literal.strip_suffix('\n').unwrap_or(&code.literal);
                self.out.push_str("#raw(block: true, ");
                if !lang.is_empty() {
                    self.out.push_str("lang: ");
                    escape::push_string(&mut self.out, lang);
                    self.out.push_str(", ");
                }
                escape::push_string(&mut self.out, text);
                self.out.push_str(")\n\n");
                Closer::Skip
            }
            NodeValue::HtmlBlock(html) => {
                self.html(node, &html.literal, true);
                self.out.push_str("\n\n");
                Closer::Skip
            }
            NodeValue::ThematicBreak => {
                self.out.push_str("#folio-rule()\n\n");
                Closer::None
            }
            NodeValue::Table(table) => {
                let aligns: Vec<&str> = table
                    .alignments
                    .iter()
                    .map(|a| match a {
                        TableAlignment::None | TableAlignment::Left => "start",
                        TableAlignment::Center => "center",
                        TableAlignment::Right => "end",
                    })
                    .collect();
                let head = format!(
                    "#folio-table({:.1}, table(columns: {}, align: ({},), ",
                    min_table_width_em(node, table.num_columns),
                    table.num_columns.max(1),
                    aligns.join(", ")
                );
                open(self, &head, "))\n\n")
            }
            NodeValue::TableRow(true) => open(self, "table.header(", "), "),
            NodeValue::TableRow(false) => Closer::None,
            NodeValue::TableCell => open(self, "[", "], "),
            NodeValue::Text(text) => {
                self.text(node, &text);
                Closer::None
            }
            NodeValue::Raw(text) => {
                escape::push_markup(&mut self.out, &text);
                Closer::None
            }
            NodeValue::SoftBreak => {
                self.out.push(' ');
                Closer::None
            }
            NodeValue::LineBreak => {
                self.out.push_str("#linebreak()");
                Closer::None
            }
            NodeValue::Code(code) => {
                self.out.push_str("#raw(");
                escape::push_string(&mut self.out, &code.literal);
                self.out.push_str(");");
                Closer::None
            }
            NodeValue::HtmlInline(html) => {
                self.html(node, &html, false);
                Closer::None
            }
            NodeValue::Emph => open(self, "#emph[", "]"),
            NodeValue::Strong => open(self, "#strong[", "]"),
            NodeValue::Strikethrough => open(self, "#strike[", "]"),
            NodeValue::Highlight => open(self, "#highlight[", "]"),
            NodeValue::CommentInline(_) | NodeValue::MultilineComment(_) => Closer::Skip,
            NodeValue::Link(link) => self.link(node, &link.url),
            NodeValue::WikiLink(link) if link.embed => {
                self.embed(node, &link.url);
                Closer::Skip
            }
            NodeValue::WikiLink(link) => self.wiki_link(node, &link.url),
            NodeValue::Image(link) => {
                self.image(node, &link.url, plain_text(node), None);
                Closer::Skip
            }
            NodeValue::FootnoteReference(reference) => {
                self.footnote(&reference.name);
                Closer::None
            }
            NodeValue::FootnoteDefinition(_) => Closer::Skip,
            // Extensions folio does not enable: keep their text.
            _ => Closer::None,
        }
    }

    fn text(&mut self, node: Node<'a>, text: &str) {
        let mut text = text;
        // The ` ^id` that ends a paragraph names it; it is not printed.
        if let Some(paragraph) = node.parent()
            && let Some((last, id)) = block_id(paragraph)
            && std::ptr::eq(last, node)
        {
            text = text[..text.len() - id.len() - 1].trim_end();
        }
        let unlinked;
        if text.contains("]({%") || text.contains("]({{") {
            let (stripped, opened_before) = strip_template_links(text);
            if opened_before {
                // Drop the `[` printed with the text before the link's.
                if let Some(at) = self.out.rfind("\\[")
                    && !self.out[at..].contains("\n\n")
                {
                    self.out.replace_range(at..at + 2, "");
                }
            }
            let node_at = self.range(node);
            self.warn_once(
                Code::TemplateTag,
                "template tags (`{% … %}`, `{{ … }}`) are printed as text",
                node_at,
                "folio does not run Liquid, Jekyll or Hugo templates; write the text they stand for",
            );
            unlinked = stripped;
            text = &unlinked;
        }
        let tag = text
            .find("{%")
            .filter(|_| text.contains("%}"))
            .or_else(|| text.find("{{").filter(|_| text.contains("}}")));
        if let Some(offset) = tag {
            let node_at = self.range(node);
            let start = if self.frames.is_empty() {
                (node_at.start + offset).min(node_at.end)
            } else {
                node_at.start
            };
            let at = start..node_at.end;
            self.warn_once(
                Code::TemplateTag,
                "template tags (`{% … %}`, `{{ … }}`) are printed as text",
                at,
                "folio does not run Liquid, Jekyll or Hugo templates; write the text they stand for",
            );
        }
        // Prose gets the language's quotes and dashes; template tags and a
        // URL printed as its own link text stay exactly as written.
        let url = node.parent().is_some_and(
            |p| matches!(&p.data().value, NodeValue::Link(link) if link.url.ends_with(text)),
        );
        if tag.is_some() || url {
            escape::push_markup(&mut self.out, text);
        } else if text.contains('@') && self.note.resolver.cites() && !inside_link(node) {
            self.text_with_citations(node, text);
        } else {
            escape::push_prose(&mut self.out, text);
        }
    }

    /// Prose holding Pandoc citations: each group becomes calls of the
    /// prelude's `folio-cite`, which prints a key the document's
    /// bibliography lacks as "(not found)" instead of failing.
    fn text_with_citations(&mut self, node: Node<'a>, text: &str) {
        let resolver = self.note.resolver;
        let pieces = citations::scan(text, &|key| resolver.citation_key(key));
        let node_at = self.range(node);
        for piece in pieces {
            let (items, narrative) = match piece {
                citations::Piece::Text(text) => {
                    escape::push_prose(&mut self.out, text);
                    continue;
                }
                citations::Piece::Group { items, narrative } => (items, narrative),
            };
            for (n, item) in items.iter().enumerate() {
                let at = if self.frames.is_empty() {
                    let start = (node_at.start + item.range.start).min(node_at.end);
                    start..(node_at.start + item.range.end).min(node_at.end)
                } else {
                    node_at.clone()
                };
                if !resolver.citation_key(&item.key) {
                    let diagnostic = Diagnostic::warning(format!(
                        "citation `@{}` names no entry of a bibliography",
                        item.key
                    ))
                    .with_range(at.clone())
                    .with_code(Code::UnresolvedCitation);
                    self.warn(match resolver.suggest_citation_key(&item.key) {
                        Some(best) => diagnostic.hint(format!("did you mean `@{best}`?")),
                        None => diagnostic.hint(
                            "add the work to a file named by `bibliography` in folio.toml or the note's front matter; it prints as “(not found)”",
                        ),
                    });
                }
                self.citations.push(Citation {
                    key: item.key.clone(),
                    range: at,
                });
                if n > 0 && !item.prefix.is_empty() {
                    self.out.push(' ');
                }
                if !item.prefix.is_empty() {
                    escape::push_prose(&mut self.out, &item.prefix);
                    self.out.push(' ');
                }
                self.out.push_str("#folio-cite(");
                escape::push_string(&mut self.out, &item.key);
                if !item.supplement.is_empty() {
                    self.out.push_str(", supplement: [");
                    escape::push_prose(&mut self.out, &item.supplement);
                    self.out.push(']');
                }
                let form = if narrative {
                    "prose"
                } else if item.suppress_author {
                    "year"
                } else {
                    "normal"
                };
                self.out.push_str(", form: \"");
                self.out.push_str(form);
                self.out.push_str("\");");
            }
        }
    }

    /// Plain-text emission inside a flattened subtree.
    fn flat(&mut self, node: Node<'a>, entering: bool) {
        let value = &node.data().value;
        match (value, entering) {
            (NodeValue::Text(text), true) => escape::push_markup(&mut self.out, text),
            (NodeValue::Raw(text), true) => escape::push_markup(&mut self.out, text),
            (NodeValue::Code(code), true) => escape::push_markup(&mut self.out, &code.literal),
            (NodeValue::CodeBlock(code), true) => escape::push_markup(&mut self.out, &code.literal),
            (NodeValue::SoftBreak | NodeValue::LineBreak, true) => self.out.push(' '),
            (
                NodeValue::Paragraph
                | NodeValue::Heading(_)
                | NodeValue::Item(_)
                | NodeValue::TaskItem(_),
                false,
            ) => self.out.push_str("\n\n"),
            _ => {}
        }
    }

    fn heading(&mut self, node: Node<'a>, level: u8) {
        if self.title_node.is_some_and(|t| std::ptr::eq(t, node)) {
            return;
        }
        let book_level = level.saturating_sub(self.top_level).saturating_add(2);
        if !self.frames.is_empty() {
            // An embedded note's headings are set as headings but are not
            // sections of this chapter: no number, label or bookmark.
            self.out
                .push_str(&format!("#folio-embedded-heading({book_level})["));
            self.nested_walk(node);
            self.out.push_str("]\n\n");
            return;
        }
        let start = self.lines.range(node).start;
        let slug = self
            .slugs
            .get(&start)
            .cloned()
            .unwrap_or_else(|| "section".into());
        self.out
            .push_str(&format!("#heading(level: {book_level})["));
        self.nested_walk(node);
        self.out.push_str("]#label(");
        escape::push_string(&mut self.out, &section_label(self.note.id, &slug));
        self.out.push_str(")\n\n");
    }

    fn link(&mut self, node: Node<'a>, url: &str) -> Closer {
        match classify_link(url) {
            LinkKind::External => {
                self.out.push_str("#link(");
                escape::push_string(&mut self.out, url);
                self.out.push_str(")[");
                self.depth += 1;
                Closer::Static("]")
            }
            LinkKind::Note {
                path,
                anchor,
                certain,
            } => {
                let dir = self.dir();
                if normalize(&dir, &path).is_none() {
                    let at = self.range(node);
                    self.warn(
                        Diagnostic::error(format!("link `{path}` leaves the project folder"))
                            .with_range(at),
                    );
                    return Closer::None;
                }
                let name = NoteName::Path {
                    from_dir: &dir,
                    path: &path,
                };
                match self.note.resolver.note(&name) {
                    Some(id) => self.xref(node, id, anchor.as_deref(), None),
                    None if certain => {
                        let shown = path.rsplit('/').next().unwrap_or(&path).to_string();
                        self.missing_note(node, &shown, false)
                    }
                    // `/community/` or `guide/` may be a page of a site, not a note.
                    None => Closer::None,
                }
            }
            LinkKind::SameNote { anchor } => {
                let target = self.current_note();
                self.xref(node, target, Some(&anchor), None)
            }
            LinkKind::Plain => Closer::None,
        }
    }

    /// The note whose text is being converted (the embedded one in an embed).
    fn current_note(&self) -> String {
        self.frames
            .last()
            .map_or_else(|| self.note.id.to_string(), |f| f.id.clone())
    }

    fn wiki_link(&mut self, node: Node<'a>, url: &str) -> Closer {
        let (name, anchor) = split_anchor(url);
        // `[[Name]]` shows the note's title; `[[Name|text]]` shows the text.
        let shows_target = plain_text(node).trim() == url.trim();
        let target = if name.is_empty() {
            Some(self.current_note())
        } else {
            let dir = self.dir();
            self.note.resolver.note(&NoteName::Wiki {
                from_dir: &dir,
                name,
            })
        };
        match target {
            Some(id) => self.xref(node, id, anchor, shows_target.then_some(name)),
            None => self.missing_note(node, name, shows_target),
        }
    }

    /// A reference to a note that does not exist: the text the author wrote,
    /// marked "(not found)", and a warning.
    fn missing_note(&mut self, node: Node<'a>, name: &str, shows_target: bool) -> Closer {
        let at = self.range(node);
        let mut diagnostic = Diagnostic::warning(format!("no note is named `{name}`"))
            .with_range(at)
            .with_code(Code::UnresolvedLink);
        diagnostic = match self.note.resolver.suggest_note(name) {
            Some(best) => diagnostic.hint(format!("did you mean `{best}`?")),
            None => diagnostic.hint("it prints as its text, marked “(not found)”"),
        };
        self.warn(diagnostic);
        self.out.push_str("#folio-missing[");
        if shows_target {
            escape::push_markup(&mut self.out, name);
            self.out.push(']');
            Closer::Skip
        } else {
            self.depth += 1;
            Closer::Static("]")
        }
    }

    /// A live reference to note `target` (at `anchor`, when it names one).
    /// `written` is the name a `[[…]]` without its own text was written
    /// with; `None` when the link text is the node's children.
    // Long: resolving the anchor (with its warning and "(not found)") and
    // choosing the link text for each way a link can be written.
    fn xref(
        &mut self,
        node: Node<'a>,
        target: String,
        anchor: Option<&str>,
        written: Option<&str>,
    ) -> Closer {
        let resolved = match anchor {
            None => None,
            Some(anchor) => {
                let path: Vec<&str> = anchor
                    .split('#')
                    .map(str::trim)
                    .filter(|p| !p.is_empty())
                    .collect();
                match self.note.resolver.anchor(&target, &path) {
                    // The heading that became the title: the chapter itself.
                    Some(slug) if slug.is_empty() => None,
                    Some(slug) => Some(slug),
                    None if path.is_empty() => None,
                    None => {
                        let at = self.range(node);
                        let wanted = path.last().copied().unwrap_or(anchor);
                        let mut diagnostic = Diagnostic::warning(format!(
                            "note `{target}` has no heading `#{wanted}`"
                        ))
                        .with_range(at)
                        .with_code(Code::UnresolvedAnchor);
                        diagnostic = match self.note.resolver.suggest_anchor(&target, wanted) {
                            Some(best) => diagnostic.hint(format!("did you mean `{best}`?")),
                            None => diagnostic.hint("it prints as its text, marked “(not found)”"),
                        };
                        self.warn(diagnostic);
                        // The note is still referred to (the appendix lists
                        // it), but the link would lead somewhere else.
                        let at = self.range(node);
                        self.xrefs.push(CrossRef {
                            target,
                            anchor: None,
                            range: at,
                        });
                        self.out.push_str("#folio-missing[");
                        if let Some(name) = written {
                            let shown = if name.is_empty() {
                                anchor.to_string()
                            } else {
                                format!("{name}#{anchor}")
                            };
                            escape::push_markup(&mut self.out, &shown);
                            self.out.push(']');
                            return Closer::Skip;
                        }
                        self.depth += 1;
                        return Closer::Static("]");
                    }
                }
            }
        };
        self.out.push_str("#folio-xref(");
        escape::push_string(&mut self.out, &target);
        self.out.push_str(", ");
        match &resolved {
            Some(anchor) => escape::push_string(&mut self.out, anchor),
            None => self.out.push_str("none"),
        }
        let at = self.range(node);
        self.xrefs.push(CrossRef {
            target,
            anchor: resolved,
            range: at,
        });
        let section = self.xrefs.last().and_then(|x| x.anchor.clone());
        match (written, section) {
            // `[[Note]]`: the layout shows the note's title.
            (Some(_), None) => {
                self.out.push_str(", none);");
                Closer::Skip
            }
            // `[[Note#Heading]]`: "Note › Heading", or the heading alone for
            // folio's `[[id#slug]]` and a heading of this note.
            (Some(name), Some(slug)) => {
                let id = &self.xrefs.last().expect("pushed above").target;
                let shown = if let Some(block) = slug.strip_prefix('^') {
                    if name.is_empty() {
                        format!("^{block}")
                    } else {
                        name.to_string()
                    }
                } else {
                    let heading = self
                        .note
                        .resolver
                        .heading_text(id, &slug)
                        .unwrap_or_else(|| slug.clone());
                    if name.is_empty() || name == id {
                        heading
                    } else {
                        format!("{name} › {heading}")
                    }
                };
                self.out.push_str(")[");
                escape::push_markup(&mut self.out, &shown);
                self.out.push(']');
                Closer::Skip
            }
            (None, _) => {
                self.out.push_str(")[");
                self.depth += 1;
                Closer::Static("]")
            }
        }
    }

    /// `![[target]]`: an image, another note (or a section of one) inlined,
    /// or a placeholder for what paper cannot show.
    // Long: an embed is an image, a placeholder, a missing target, a cycle,
    // or another note's text; each case ends the function where it is found.
    fn embed(&mut self, node: Node<'a>, url: &str) {
        let at = self.range(node);
        let shown = plain_text(node);
        let (name, anchor) = split_anchor(url);
        let extension = name
            .rsplit_once('.')
            .map(|(_, e)| e.to_ascii_lowercase())
            .unwrap_or_default();
        if IMAGE_EXTENSIONS.contains(&extension.as_str()) {
            // `![[image.png|300]]`: the text after `|` is a width in px.
            let width = shown
                .split('x')
                .next()
                .and_then(|w| w.trim().parse::<u32>().ok())
                .filter(|_| shown.trim() != url.trim());
            let dir = self.dir();
            match self.note.resolver.file(&dir, name) {
                Some(path) => self.image(node, &format!("/{path}"), String::new(), width),
                None => self.missing_embed(at, name),
            }
            return;
        }
        if UNPRINTABLE.contains(&extension.as_str()) {
            self.warn_once(
                Code::UnprintableEmbed,
                "embeds of views, audio, video and PDF files cannot be printed; a placeholder names the file",
                at,
                "link to the file instead, or remove the embed",
            );
            self.out.push_str("#folio-placeholder(");
            escape::push_string(&mut self.out, name);
            self.out.push_str(")\n");
            return;
        }
        let dir = self.dir();
        let target = if name.is_empty() {
            Some(self.current_note())
        } else {
            self.note.resolver.note(&NoteName::Wiki {
                from_dir: &dir,
                name,
            })
        };
        let Some(id) = target else {
            if !extension.is_empty() && self.note.resolver.file(&dir, name).is_some() {
                // Another kind of file that exists: name it.
                self.out.push_str("#folio-placeholder(");
                escape::push_string(&mut self.out, name);
                self.out.push_str(")\n");
                return;
            }
            self.missing_embed(at, name);
            return;
        };
        let path: Vec<&str> = anchor
            .unwrap_or("")
            .split('#')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .collect();
        let section = if path.is_empty() {
            None
        } else {
            match self.note.resolver.anchor(&id, &path) {
                Some(slug) if slug.is_empty() => None,
                Some(slug) => Some(slug),
                None => {
                    self.warn(
                        Diagnostic::warning(format!(
                            "note `{id}` has no heading `#{}` to embed",
                            path.last().copied().unwrap_or_default()
                        ))
                        .with_range(at)
                        .with_code(Code::UnresolvedAnchor),
                    );
                    self.out.push_str("#folio-missing[");
                    escape::push_markup(&mut self.out, url);
                    self.out.push(']');
                    return;
                }
            }
        };
        let host = self.note.id;
        let recurs = self
            .frames
            .iter()
            .any(|f| f.id == id && (f.section.is_none() || f.section == section))
            || (id == host && section.is_none());
        if recurs {
            self.warn(
                Diagnostic::error(format!("embedding `{url}` here would include it in itself"))
                    .with_range(at)
                    .with_code(Code::EmbedCycle)
                    .hint("a note cannot embed itself, directly or through other embeds; link to it instead"),
            );
            return;
        }
        let Some(source) = self.note.resolver.embeddable(&id) else {
            return;
        };
        let root = comrak::parse_document(self.arena, &source.body, &comrak_options());
        let lines = LineStarts::new(&source.body);
        let nodes: Vec<Node<'a>> = match &section {
            None => {
                let title = if source.take_title {
                    first_h1(root)
                } else {
                    None
                };
                root.children()
                    .filter(|n| !title.is_some_and(|t| std::ptr::eq(t, *n)))
                    .filter(|n| !matches!(n.data().value, NodeValue::FootnoteDefinition(_)))
                    .collect()
            }
            Some(slug) => {
                let outline = outline_of(root, &lines, source.take_title);
                let heading = outline.headings.iter().find(|h| &h.slug == slug);
                section_nodes(root, &lines, heading)
            }
        };
        let caption = match &section {
            Some(_) => format!("{} › {}", source.title, path.join(" › ")),
            None => source.title.clone(),
        };
        self.out.push_str("#folio-embed(");
        escape::push_string(&mut self.out, &caption);
        self.out.push_str(")[");
        self.frames.push(Frame {
            id: id.clone(),
            section: section.clone(),
            dir: source.dir.clone(),
            at: at.clone(),
        });
        let saved_title = self.title_node.take();
        let saved_top = self.top_level;
        self.top_level = top_heading_level(root, source.take_title);
        for node in nodes {
            self.walk_node(node);
        }
        self.top_level = saved_top;
        self.title_node = saved_title;
        self.frames.pop();
        self.out.push_str("]\n\n");
        // The embedding note refers to the embedded one.
        self.xrefs.push(CrossRef {
            target: id,
            anchor: section,
            range: at,
        });
    }

    /// folio never fetches an image from the network: a warning says so.
    fn warn_remote_image(&mut self, node: Node<'a>, url: &str) {
        let at = self.range(node);
        self.warn(
            Diagnostic::warning(format!(
                "remote image `{url}` is not fetched (folio never uses the network)"
            ))
            .with_range(at)
            .hint("download the image into the project and link to the file")
            .with_code(Code::RemoteImage),
        );
    }

    /// An embed of a note or file that does not exist: its name, marked.
    fn missing_embed(&mut self, at: Range<usize>, name: &str) {
        let mut diagnostic =
            Diagnostic::warning(format!("embedded note or file `{name}` does not exist"))
                .with_range(at)
                .with_code(Code::UnresolvedEmbed);
        if let Some(best) = self.note.resolver.suggest_note(name) {
            diagnostic = diagnostic.hint(format!("did you mean `{best}`?"));
        }
        self.warn(diagnostic);
        self.out.push_str("#folio-missing[");
        escape::push_markup(&mut self.out, name);
        self.out.push(']');
    }

    /// Converts `node` itself and its subtree, inside whatever is open.
    fn walk_node(&mut self, node: Node<'a>) {
        let wrapper = self.arena.alloc(AstNode::from(NodeValue::Document));
        // A detached copy would lose the subtree; walk the node through a
        // parent whose only child it is for the duration.
        let previous = node.previous_sibling();
        let parent = node.parent();
        node.detach();
        wrapper.append(node);
        self.nested_walk(wrapper);
        node.detach();
        match (previous, parent) {
            (Some(previous), _) => previous.insert_after(node),
            (None, Some(parent)) => parent.prepend(node),
            (None, None) => {}
        }
    }

    fn image(&mut self, node: Node<'a>, url: &str, alt: String, width_px: Option<u32>) {
        let at = self.range(node);
        if matches!(classify_link(url), LinkKind::External) || url.contains("://") {
            self.warn_remote_image(node, url);
            escape::push_markup(&mut self.out, &alt);
            return;
        }
        let dir = self.dir();
        let wanted = percent_decode(url.split(['?', '#']).next().unwrap_or(url));
        let path = match self.note.resolver.file(&dir, &wanted) {
            Some(found) => found,
            None => match normalize(&dir, &wanted) {
                Some(path) => path,
                None => {
                    self.warn(
                        Diagnostic::error(format!("image `{url}` is outside the project folder"))
                            .with_range(at),
                    );
                    escape::push_markup(&mut self.out, &alt);
                    return;
                }
            },
        };
        self.out.push_str("#folio-figure(");
        escape::push_string(&mut self.out, &format!("/{path}"));
        self.out.push_str(", ");
        escape::push_string(&mut self.out, &alt);
        if let Some(width) = width_px {
            // CSS pixels: 96 to the inch.
            self.out
                .push_str(&format!(", width: {:.1}pt", width as f64 * 0.75));
        }
        self.out.push_str(")\n");
        self.images.push(ImageRef {
            path,
            alt,
            range: at,
        });
    }

    fn footnote(&mut self, name: &str) {
        let key = name.to_lowercase();
        let label = format!("folio:fn:{}:{key}", self.note.id);
        let definition = self
            .footnotes
            .iter()
            .find(|(n, _)| *n == key)
            .map(|(_, d)| *d);
        match definition {
            Some(_) if self.footnotes_emitted.contains(&key) => {
                self.out.push_str("#footnote(label(");
                escape::push_string(&mut self.out, &label);
                self.out.push_str("));");
            }
            Some(definition) if !self.in_footnote && self.frames.is_empty() => {
                self.footnotes_emitted.push(key);
                self.out.push_str("#footnote[");
                self.in_footnote = true;
                self.nested_walk(definition);
                self.in_footnote = false;
                while self.out.ends_with('\n') {
                    self.out.pop();
                }
                self.out.push_str("]#label(");
                escape::push_string(&mut self.out, &label);
                self.out.push(')');
            }
            // A footnote inside a footnote, or one without a definition:
            // comrak keeps the latter as text, so this only prints the marker.
            _ => {
                escape::push_markup(&mut self.out, &format!("[^{name}]"));
            }
        }
    }

    /// Converts `node`'s children inside a wrapper the caller opened (a
    /// heading's or footnote's brackets). The wrapper counts as one level of
    /// nesting, so the limit holds across it; HTML opened inside is closed
    /// inside.
    fn nested_walk(&mut self, node: Node<'a>) {
        let saved = std::mem::take(&mut self.closers);
        let saved_html = std::mem::take(&mut self.html);
        self.depth += 1;
        self.walk(node);
        self.close_all_html();
        self.depth -= 1;
        self.closers = saved;
        self.html = saved_html;
    }

    /// Closes the HTML elements opened inside Markdown containers deeper
    /// than `level`.
    fn close_html_to(&mut self, level: usize) {
        while self.html.last().is_some_and(|h| h.level > level) {
            let open = self.html.pop().expect("checked above");
            self.out.push_str(open.close);
        }
    }

    /// Closes every HTML element still open (at the end of a walk).
    fn close_all_html(&mut self) {
        while let Some(open) = self.html.pop() {
            self.out.push_str(open.close);
        }
    }

    /// HTML from a note: known tags become their Typst equivalents, text is
    /// printed, comments are left out; anything else prints as written.
    fn html(&mut self, node: Node<'a>, literal: &str, block: bool) {
        let literal = if block {
            literal.trim_end_matches('\n')
        } else {
            literal
        };
        for token in html::tokens(literal) {
            match token {
                html::Token::Text(text) if block && looks_like_markdown(&text) => {
                    self.markdown_in_html(node, &text)
                }
                html::Token::Text(text) => {
                    let text = if block { collapse_space(&text) } else { text };
                    escape::push_prose(&mut self.out, &text);
                }
                html::Token::Comment => {}
                html::Token::Open { name, attrs, raw } => self.html_open(node, &name, &attrs, raw),
                html::Token::Close { name, raw } => {
                    if let Some(index) = self.html.iter().rposition(|h| h.name == name) {
                        if self.html[index].level >= self.closers.len() {
                            while self.html.len() > index {
                                let open = self.html.pop().expect("index is in range");
                                self.out.push_str(open.close);
                            }
                        }
                    } else if let Some(close) = void_or_plain(&name) {
                        self.out.push_str(close);
                    } else if !is_known_tag(&name) {
                        // The opening tag was reported already.
                        escape::push_markup(&mut self.out, raw);
                    }
                }
            }
        }
    }

    fn html_open(&mut self, node: Node<'a>, name: &str, attrs: &[(String, String)], raw: &str) {
        let attr = |key: &str| {
            attrs
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.as_str())
        };
        let (open, close): (String, &'static str) = match name {
            "br" => {
                self.out.push_str("#linebreak()");
                return;
            }
            "hr" => {
                self.out.push_str("\n\n#folio-rule()\n\n");
                return;
            }
            "img" => {
                let src = attr("src").unwrap_or("");
                let alt = attr("alt").unwrap_or("").to_string();
                if src.contains("://") {
                    // Reported as any remote image is; its alt text in the
                    // middle of the text would read as a stray word.
                    self.warn_remote_image(node, src);
                } else if src.is_empty() || src.starts_with("data:") {
                    escape::push_markup(&mut self.out, &alt);
                } else {
                    let width = attr("width").and_then(|w| w.trim_end_matches("px").parse().ok());
                    self.image(node, src, alt, width);
                }
                return;
            }
            "a" => match attr("href") {
                Some(href) if matches!(classify_link(href), LinkKind::External) => {
                    let mut open = String::from("#link(");
                    escape::push_string(&mut open, href);
                    open.push_str(")[");
                    (open, "]")
                }
                _ => (String::new(), ""),
            },
            "p" | "ul" | "ol" | "dl" | "table" | "thead" | "tbody" | "tfoot" => {
                ("\n\n".into(), "\n\n")
            }
            "tr" | "dt" => (String::new(), "\n\n"),
            "td" | "th" | "dd" => (String::new(), " "),
            "li" => ("• ".into(), "\n\n"),
            "details" | "aside" | "section" | "article" | "div" | "center" | "figure"
            | "header" | "footer" | "nav" | "main" | "blockquote" => {
                (format!("\n\n#folio-html-block(\"{name}\")["), "]\n\n")
            }
            "summary" | "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => ("#strong[".into(), "]\n\n"),
            "figcaption" | "i" | "em" | "cite" | "var" | "dfn" => ("#emph[".into(), "]"),
            "b" | "strong" => ("#strong[".into(), "]"),
            "sup" => ("#super[".into(), "]"),
            "sub" => ("#sub[".into(), "]"),
            "kbd" => ("#folio-kbd[".into(), "]"),
            "mark" => ("#highlight[".into(), "]"),
            "u" | "ins" => ("#underline[".into(), "]"),
            "s" | "del" | "strike" => ("#strike[".into(), "]"),
            "small" => ("#text(size: 0.85em)[".into(), "]"),
            "code" | "tt" | "samp" => ("#folio-code[".into(), "]"),
            "span" | "font" | "abbr" | "time" | "label" | "picture" | "source" | "wbr" | "q"
            | "caption" | "colgroup" | "col" => (String::new(), ""),
            _ => {
                self.unknown_html(node, raw);
                return;
            }
        };
        self.out.push_str(&open);
        if !matches!(name, "wbr" | "source" | "col") && !raw.ends_with("/>") {
            self.html.push(OpenHtml {
                name: name.to_string(),
                close,
                level: self.closers.len(),
            });
        } else {
            self.out.push_str(close);
        }
    }

    /// Text inside an HTML block that holds Markdown (`<aside markdown="1">`
    /// as Jekyll writes it): converted as Markdown, inline, with positions
    /// reported at the HTML block.
    fn markdown_in_html(&mut self, node: Node<'a>, text: &str) {
        let root = comrak::parse_document(self.arena, text, &comrak_options());
        let at = self.range(node);
        self.frames.push(Frame {
            id: self.current_note(),
            section: Some(String::new()),
            dir: self.dir(),
            at,
        });
        for (i, child) in root.children().enumerate() {
            if i > 0 {
                self.out.push(' ');
            }
            match child.data().value {
                NodeValue::Paragraph => self.nested_walk(child),
                _ => self.walk_node(child),
            }
        }
        self.frames.pop();
    }

    fn unknown_html(&mut self, node: Node<'a>, raw: &str) {
        let at = self.range(node);
        self.warn(
            Diagnostic::warning("HTML that folio does not render is printed as text")
                .with_range(at)
                .hint("write it in Markdown, or put it in a code span to show it as code")
                .with_code(Code::RawHtml),
        );
        escape::push_markup(&mut self.out, raw);
    }
}

/// The nodes of a section: its heading and what follows up to the next
/// heading of the same or a higher level.
fn section_nodes<'a>(
    root: Node<'a>,
    lines: &LineStarts,
    heading: Option<&Heading>,
) -> Vec<Node<'a>> {
    let Some(heading) = heading else {
        return Vec::new();
    };
    let mut nodes = Vec::new();
    let mut inside = false;
    for child in root.children() {
        if let NodeValue::Heading(h) = child.data().value {
            if inside && h.level <= heading.level {
                break;
            }
            if lines.range(child).start == heading.range.start {
                inside = true;
            }
        }
        if inside {
            nodes.push(child);
        }
    }
    nodes
}

/// `Name#Heading#Sub` into the name and the anchor path.
fn split_anchor(url: &str) -> (&str, Option<&str>) {
    match url.split_once('#') {
        Some((name, anchor)) => (name.trim(), Some(anchor.trim())),
        None => (url.trim(), None),
    }
}

/// Text in HTML that Markdown would change: links, emphasis, code.
fn looks_like_markdown(text: &str) -> bool {
    text.contains("](") || text.contains('*') || text.contains('`') || text.contains("__")
}

/// Runs of white space as one space: HTML's rule for text.
fn collapse_space(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = false;
    for c in text.chars() {
        if c.is_whitespace() {
            space = true;
        } else {
            if space && !out.is_empty() {
                out.push(' ');
            }
            space = false;
            out.push(c);
        }
    }
    if space && !out.is_empty() {
        out.push(' ');
    }
    out
}

/// Closing tags that need no opening one: they end a line or paragraph.
fn void_or_plain(name: &str) -> Option<&'static str> {
    match name {
        "p" | "li" | "tr" | "dt" | "ul" | "ol" | "table" => Some("\n\n"),
        "br" => Some("#linebreak()"),
        _ => None,
    }
}

fn is_known_tag(name: &str) -> bool {
    matches!(
        name,
        "br" | "hr"
            | "img"
            | "a"
            | "p"
            | "ul"
            | "ol"
            | "dl"
            | "table"
            | "thead"
            | "tbody"
            | "tfoot"
            | "tr"
            | "dt"
            | "td"
            | "th"
            | "dd"
            | "li"
            | "details"
            | "aside"
            | "section"
            | "article"
            | "div"
            | "center"
            | "figure"
            | "header"
            | "footer"
            | "nav"
            | "main"
            | "blockquote"
            | "summary"
            | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "figcaption"
            | "i"
            | "em"
            | "cite"
            | "var"
            | "dfn"
            | "b"
            | "strong"
            | "sup"
            | "sub"
            | "kbd"
            | "mark"
            | "u"
            | "ins"
            | "s"
            | "del"
            | "strike"
            | "small"
            | "code"
            | "tt"
            | "samp"
            | "span"
            | "font"
            | "abbr"
            | "time"
            | "label"
            | "picture"
            | "source"
            | "wbr"
            | "q"
            | "caption"
            | "colgroup"
            | "col"
    )
}

fn is_container(value: &NodeValue) -> bool {
    matches!(
        value,
        NodeValue::BlockQuote
            | NodeValue::MultilineBlockQuote(_)
            | NodeValue::List(_)
            | NodeValue::Emph
            | NodeValue::Strong
            | NodeValue::Strikethrough
            | NodeValue::Link(_)
            | NodeValue::WikiLink(_)
            | NodeValue::Table(_)
    )
}

/// The shallowest heading level that stays in the body. Notes whose sections
/// start at `##` (the title being in front matter) then number 1.1, not 1.0.1.
fn top_heading_level<'a>(root: Node<'a>, take_title: bool) -> u8 {
    let mut skipped_title = !take_title;
    let mut top = u8::MAX;
    for node in root.descendants() {
        if let NodeValue::Heading(heading) = node.data().value {
            if !skipped_title && heading.level == 1 {
                skipped_title = true;
                continue;
            }
            top = top.min(heading.level);
        }
    }
    if top == u8::MAX { 1 } else { top }
}

/// How wide a table must be, in ems, to set the longest word of every
/// column on one line (about half an em a character, plus cell padding).
fn min_table_width_em<'a>(table: Node<'a>, columns: usize) -> f64 {
    let mut longest = vec![0usize; columns.max(1)];
    for row in table.children() {
        for (column, cell) in row.children().enumerate() {
            let word = plain_text(cell)
                .split_whitespace()
                .map(|w| w.chars().count())
                .max()
                .unwrap_or(0);
            if let Some(slot) = longest.get_mut(column) {
                *slot = (*slot).max(word);
            }
        }
    }
    longest.iter().map(|&chars| chars as f64 * 0.5 + 1.2).sum()
}

/// The text of a subtree, as a reader would read it aloud.
pub fn plain_text<'a>(node: Node<'a>) -> String {
    let mut text = String::new();
    for edge in node.traverse() {
        if let NodeEdge::Start(n) = edge {
            match &n.data().value {
                NodeValue::Text(t) => text.push_str(t),
                NodeValue::Raw(t) => text.push_str(t),
                NodeValue::Code(code) => text.push_str(&code.literal),
                // Tags are markup, not text: `Set up <em>before</em>`.
                NodeValue::HtmlInline(_) => {}
                NodeValue::SoftBreak | NodeValue::LineBreak => text.push(' '),
                _ => {}
            }
        }
    }
    text
}

/// A link whose target is a template tag (`[text]({% page "/x/" %})`, as
/// Eleventy and Jekyll sites write links) that Markdown could not read as a
/// link: the text without the tag. Returns the text to print, and whether
/// the `[` that opened the link was in an earlier text node.
fn strip_template_links(text: &str) -> (String, bool) {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    let mut opened_before = false;
    while let Some(at) = rest.find("](").filter(|&at| {
        let target = &rest[at + 2..];
        target.starts_with("{%") || target.starts_with("{{")
    }) {
        let target = &rest[at + 2..];
        let Some(end) = target.find("%})").or_else(|| target.find("}})")) else {
            break;
        };
        let before = &rest[..at];
        match before.rfind('[') {
            Some(open) => {
                out.push_str(&before[..open]);
                out.push_str(&before[open + 1..]);
            }
            None => {
                opened_before = out.is_empty();
                out.push_str(before);
            }
        }
        rest = &target[end + 3..];
    }
    out.push_str(rest);
    (out, opened_before)
}

enum LinkKind {
    External,
    /// A link to a file path that may be a note; `certain` when it names a
    /// Markdown file (a path without an extension may be a site's page).
    Note {
        path: String,
        anchor: Option<String>,
        certain: bool,
    },
    SameNote {
        anchor: String,
    },
    Plain,
}

/// Only `http`, `https` and `mailto` become live links; links to `.md`
/// files (or to paths without an extension) may be cross-references;
/// anything else prints as plain text.
fn classify_link(url: &str) -> LinkKind {
    let url = url.trim();
    let lower = url.to_ascii_lowercase();
    if ["http://", "https://", "mailto:"]
        .iter()
        .any(|p| lower.starts_with(p))
    {
        return LinkKind::External;
    }
    if let Some(anchor) = url.strip_prefix('#') {
        return LinkKind::SameNote {
            anchor: percent_decode(anchor),
        };
    }
    let has_scheme = lower.split_once(':').is_some_and(|(scheme, _)| {
        !scheme.is_empty()
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
    });
    if has_scheme || url.is_empty() {
        return LinkKind::Plain;
    }
    let (path, anchor) = match url.split_once('#') {
        Some((path, anchor)) => (path, Some(percent_decode(anchor))),
        None => (url, None),
    };
    let path = path.split('?').next().unwrap_or(path);
    let lower_path = path.to_ascii_lowercase();
    let file = lower_path
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or("");
    let certain = lower_path.ends_with(".md") || lower_path.ends_with(".markdown");
    if certain || !file.contains('.') {
        return LinkKind::Note {
            path: percent_decode(path),
            anchor,
            certain,
        };
    }
    LinkKind::Plain
}

/// Joins `path` onto `dir` and removes `.` and `..`; `None` if the result
/// would leave the project root. Absolute paths are project-relative.
pub fn normalize(dir: &str, path: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    let start = if path.starts_with('/') { "" } else { dir };
    for part in start.split('/').chain(path.split(['/', '\\'])) {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            part => parts.push(part),
        }
    }
    Some(parts.join("/"))
}

pub fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2]))
        {
            out.push((h * 16 + l) as u8);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests;
