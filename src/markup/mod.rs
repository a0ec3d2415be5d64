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

pub mod escape;

use std::ops::Range;

use comrak::arena_tree::NodeEdge;
use comrak::nodes::{AstNode, ListType, NodeValue, TableAlignment};
use comrak::{Arena, Options};

use crate::diag::Diagnostic;

/// Containers nested deeper than this are flattened to their text: Typst
/// allows 64 nested show rules and a quote or list spends several per level,
/// while real notes rarely nest more than four deep.
pub const MAX_NESTING: usize = 10;

/// What the converter needs to know about the note it converts.
#[derive(Debug, Clone)]
pub struct NoteContext<'a> {
    pub id: &'a str,
    /// The note file's folder, relative to the project root, `/`-separated
    /// (e.g. `notes/regional`). Relative links and images resolve against it.
    pub dir: &'a str,
    /// Take the first level-1 heading out of the body as the note's title.
    pub take_title: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heading {
    /// Markdown level (1–6); in the book it sits one level lower.
    pub level: u8,
    pub text: String,
    pub slug: String,
    pub range: Range<usize>,
}

/// A link from this note to another note (or a heading in one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CrossRef {
    pub target: String,
    pub anchor: Option<String>,
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

#[derive(Debug, Clone, Default)]
pub struct Converted {
    pub typst: String,
    /// The first level-1 heading's text, when `take_title` removed it.
    pub title: Option<String>,
    pub headings: Vec<Heading>,
    pub xrefs: Vec<CrossRef>,
    pub images: Vec<ImageRef>,
    /// Problems found while converting; ranges are body-relative and the
    /// caller sets the file.
    pub diagnostics: Vec<Diagnostic>,
    pub source_map: SourceMap,
}

/// The comrak options folio reads notes with.
pub fn comrak_options() -> Options<'static> {
    let mut options = Options::default();
    options.extension.strikethrough = true;
    options.extension.table = true;
    options.extension.autolink = true;
    options.extension.tasklist = true;
    options.extension.footnotes = true;
    options.extension.wikilinks_title_after_pipe = true;
    options
}

/// Converts a note body (front matter already removed) to Typst markup.
pub fn convert(body: &str, note: &NoteContext) -> Converted {
    let arena = Arena::new();
    let root = comrak::parse_document(&arena, body, &comrak_options());
    let mut converter = Converter::new(body, note);
    converter.top_level = top_heading_level(root, note.take_title);
    converter.collect_footnotes(root);
    converter.walk(root);
    converter.finish()
}

/// A heading's slug: lower-cased, every run of characters other than
/// `a-z0-9` replaced by one `-`, leading and trailing `-` removed.
pub fn slug(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    while out.ends_with('-') {
        out.pop();
    }
    out
}

/// Label names shared with the prelude and the layouts.
pub fn note_label(id: &str) -> String {
    format!("folio:note:{id}")
}

pub fn section_label(id: &str, slug: &str) -> String {
    format!("folio:sec:{id}#{slug}")
}

type Node<'a> = &'a AstNode<'a>;

struct Converter<'a, 'n> {
    body: &'a str,
    note: &'n NoteContext<'n>,
    line_starts: Vec<usize>,
    out: String,
    title: Option<String>,
    headings: Vec<Heading>,
    xrefs: Vec<CrossRef>,
    images: Vec<ImageRef>,
    diagnostics: Vec<Diagnostic>,
    map: Vec<(usize, usize)>,
    footnotes: Vec<(String, Node<'a>)>,
    footnotes_emitted: Vec<String>,
    in_footnote: bool,
    /// Closing text for each open node, pushed on enter, popped on exit.
    closers: Vec<Closer>,
    depth: usize,
    warned_nesting: bool,
    /// The shallowest Markdown heading level in the body; it becomes the
    /// first level below the chapter title.
    top_level: u8,
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
    fn new(body: &'a str, note: &'n NoteContext<'n>) -> Self {
        // Line ends as comrak counts them: `\n`, `\r\n`, or a lone `\r`.
        let bytes = body.as_bytes();
        let line_starts = std::iter::once(0)
            .chain(bytes.iter().enumerate().filter_map(|(i, &b)| {
                let ends = b == b'\n' || (b == b'\r' && bytes.get(i + 1) != Some(&b'\n'));
                ends.then_some(i + 1)
            }))
            .collect();
        Self {
            body,
            note,
            line_starts,
            out: String::with_capacity(body.len() * 2),
            title: None,
            headings: Vec::new(),
            xrefs: Vec::new(),
            images: Vec::new(),
            diagnostics: Vec::new(),
            map: Vec::new(),
            footnotes: Vec::new(),
            footnotes_emitted: Vec::new(),
            in_footnote: false,
            closers: Vec::new(),
            depth: 0,
            warned_nesting: false,
            top_level: 1,
        }
    }

    fn finish(self) -> Converted {
        Converted {
            typst: self.out,
            title: self.title,
            headings: self.headings,
            xrefs: self.xrefs,
            images: self.images,
            diagnostics: self.diagnostics,
            source_map: SourceMap { points: self.map },
        }
    }

    fn offset(&self, line: usize, column: usize) -> usize {
        let start = self
            .line_starts
            .get(line.saturating_sub(1))
            .copied()
            .unwrap_or(self.body.len());
        (start + column.saturating_sub(1)).min(self.body.len())
    }

    fn range(&self, node: Node<'a>) -> Range<usize> {
        let pos = node.data().sourcepos;
        let start = self.offset(pos.start.line, pos.start.column);
        let end = (self.offset(pos.end.line, pos.end.column) + 1)
            .min(self.body.len())
            .max(start);
        start..end
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
                    self.map.push((self.out.len(), self.range(node).start));
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
                    match self.closers.pop() {
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
                }
            }
        }
    }

    /// Emits the opening of `node` and says how to close it.
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
                self.diagnostics.push(
                    Diagnostic::warning(format!("content nested more than {MAX_NESTING} levels deep is printed as plain text"))
                        .at("", self.range(node).start..self.range(node).start + 1),
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
            NodeValue::Paragraph => Closer::Text("\n\n"),
            NodeValue::Heading(heading) => {
                self.heading(node, heading.level);
                Closer::Skip
            }
            NodeValue::BlockQuote | NodeValue::MultilineBlockQuote(_) => {
                open(self, "#quote(block: true)[", "]\n\n")
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
            NodeValue::CodeBlock(code) => {
                let lang = code.info.split_whitespace().next().unwrap_or("");
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
                self.warn_html(node);
                self.out.push_str("#raw(block: true, ");
                escape::push_string(&mut self.out, html.literal.trim_end_matches('\n'));
                self.out.push_str(")\n\n");
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
                escape::push_markup(&mut self.out, &text);
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
                self.warn_html(node);
                escape::push_markup(&mut self.out, &html);
                Closer::None
            }
            NodeValue::Emph => open(self, "#emph[", "]"),
            NodeValue::Strong => open(self, "#strong[", "]"),
            NodeValue::Strikethrough => open(self, "#strike[", "]"),
            NodeValue::Link(link) => self.link(node, &link.url),
            NodeValue::WikiLink(link) => self.wiki_link(node, &link.url),
            NodeValue::Image(link) => {
                self.image(node, &link.url);
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
        let text = plain_text(node);
        let range = self.range(node);
        if level == 1 && self.note.take_title && self.title.is_none() {
            self.title = Some(text);
            return;
        }
        let base = match slug(&text) {
            s if s.is_empty() => "section".to_string(),
            s => s,
        };
        let mut unique = base.clone();
        let mut n = 1;
        while self.headings.iter().any(|h| h.slug == unique) {
            n += 1;
            unique = format!("{base}-{n}");
        }
        let book_level = level.saturating_sub(self.top_level).saturating_add(2);
        self.out
            .push_str(&format!("#heading(level: {book_level})["));
        self.nested_walk(node);
        self.out.push_str("]#label(");
        escape::push_string(&mut self.out, &section_label(self.note.id, &unique));
        self.out.push_str(")\n\n");
        self.headings.push(Heading {
            level,
            text,
            slug: unique,
            range,
        });
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
            LinkKind::Note { path, anchor } => {
                let Some(target) = self.note_path_to_id(&path, node) else {
                    return Closer::None;
                };
                self.xref(node, target, anchor, false)
            }
            LinkKind::SameNote { anchor } => {
                let target = self.note.id.to_string();
                self.xref(node, target, Some(anchor), false)
            }
            LinkKind::Plain => Closer::None,
        }
    }

    fn wiki_link(&mut self, node: Node<'a>, url: &str) -> Closer {
        let (target, anchor) = match url.split_once('#') {
            Some((id, anchor)) => (id.trim().to_string(), Some(anchor.trim().to_string())),
            None => (url.trim().to_string(), None),
        };
        // `[[id]]` has the id itself as its text: let the layout show the title.
        let shows_target = plain_text(node).trim() == url.trim();
        let target = if target.is_empty() {
            self.note.id.to_string()
        } else {
            target
        };
        self.xref(node, target, anchor, shows_target)
    }

    fn xref(
        &mut self,
        node: Node<'a>,
        target: String,
        anchor: Option<String>,
        no_body: bool,
    ) -> Closer {
        self.out.push_str("#folio-xref(");
        escape::push_string(&mut self.out, &target);
        self.out.push_str(", ");
        match &anchor {
            Some(anchor) => escape::push_string(&mut self.out, anchor),
            None => self.out.push_str("none"),
        }
        self.xrefs.push(CrossRef {
            target,
            anchor,
            range: self.range(node),
        });
        if no_body {
            self.out.push_str(", none);");
            Closer::Skip
        } else {
            self.out.push_str(")[");
            self.depth += 1;
            Closer::Static("]")
        }
    }

    /// `other.md` relative to this note's folder, as a note id.
    fn note_path_to_id(&mut self, path: &str, node: Node<'a>) -> Option<String> {
        match normalize(self.note.dir, path) {
            Some(resolved) => {
                let file = resolved.rsplit('/').next().unwrap_or(&resolved);
                // `.md` in any case, as `classify_link` accepts it.
                let stem = match file.len().checked_sub(3) {
                    Some(cut) if file[cut..].eq_ignore_ascii_case(".md") => &file[..cut],
                    _ => file,
                };
                Some(stem.to_string())
            }
            None => {
                self.diagnostics.push(
                    Diagnostic::error(format!("link `{path}` leaves the project folder"))
                        .at("", self.range(node)),
                );
                None
            }
        }
    }

    fn image(&mut self, node: Node<'a>, url: &str) {
        let alt = plain_text(node);
        let range = self.range(node);
        if matches!(classify_link(url), LinkKind::External) || url.contains("://") {
            self.diagnostics.push(
                Diagnostic::warning(format!(
                    "remote image `{url}` is not fetched (folio never uses the network)"
                ))
                .at("", range)
                .hint("download the image into the project and link to the file"),
            );
            escape::push_markup(&mut self.out, &alt);
            return;
        }
        let path = url.split(['?', '#']).next().unwrap_or(url);
        let Some(path) = normalize(self.note.dir, &percent_decode(path)) else {
            self.diagnostics.push(
                Diagnostic::error(format!("image `{url}` is outside the project folder"))
                    .at("", range),
            );
            escape::push_markup(&mut self.out, &alt);
            return;
        };
        self.out.push_str("#folio-figure(");
        escape::push_string(&mut self.out, &format!("/{path}"));
        self.out.push_str(", ");
        escape::push_string(&mut self.out, &alt);
        self.out.push_str(")\n");
        self.images.push(ImageRef { path, alt, range });
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
            Some(definition) if !self.in_footnote => {
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
    /// nesting, so the limit holds across it.
    fn nested_walk(&mut self, node: Node<'a>) {
        let saved = std::mem::take(&mut self.closers);
        self.depth += 1;
        self.walk(node);
        self.depth -= 1;
        self.closers = saved;
    }

    fn warn_html(&mut self, node: Node<'a>) {
        self.diagnostics.push(
            Diagnostic::warning("raw HTML is not rendered; it is printed as text")
                .at("", self.range(node))
                .hint("write it in Markdown, or put it in a code span to show it as code"),
        );
    }
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
                NodeValue::HtmlInline(html) => text.push_str(html),
                NodeValue::SoftBreak | NodeValue::LineBreak => text.push(' '),
                _ => {}
            }
        }
    }
    text
}

enum LinkKind {
    External,
    Note {
        path: String,
        anchor: Option<String>,
    },
    SameNote {
        anchor: String,
    },
    Plain,
}

/// Only `http`, `https` and `mailto` become live links; links to `.md`
/// files become cross-references; anything else prints as plain text.
fn classify_link(url: &str) -> LinkKind {
    let lower = url.trim().to_ascii_lowercase();
    if ["http://", "https://", "mailto:"]
        .iter()
        .any(|p| lower.starts_with(p))
    {
        return LinkKind::External;
    }
    if let Some(anchor) = url.strip_prefix('#') {
        return LinkKind::SameNote {
            anchor: anchor.to_string(),
        };
    }
    let has_scheme = lower.split_once(':').is_some_and(|(scheme, _)| {
        !scheme.is_empty()
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
    });
    let (path, anchor) = match url.split_once('#') {
        Some((path, anchor)) => (path, Some(anchor.to_string())),
        None => (url, None),
    };
    if !has_scheme && path.to_ascii_lowercase().ends_with(".md") {
        return LinkKind::Note {
            path: percent_decode(path),
            anchor,
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

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests;
