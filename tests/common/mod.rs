//! Shared helpers: run the folio binary on fixture projects and read back
//! the PDFs it wrote (pages, text, outline, links, metadata) with lopdf.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use lopdf::{Document, Object, ObjectId};

/// An affine transformation [a b c d e f], as PDF's `cm` writes it.
pub type Matrix = [f32; 6];

/// `m` then `n`.
pub fn multiply(m: &Matrix, n: &Matrix) -> Matrix {
    [
        m[0] * n[0] + m[1] * n[2],
        m[0] * n[1] + m[1] * n[3],
        m[2] * n[0] + m[3] * n[2],
        m[2] * n[1] + m[3] * n[3],
        m[4] * n[0] + m[5] * n[2] + n[4],
        m[4] * n[1] + m[5] * n[3] + n[5],
    ]
}

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A fresh project folder in a temp dir, filled with `files` (path, text).
pub fn project(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for (path, text) in files {
        let full = dir.path().join(path);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(full, text).unwrap();
    }
    dir
}

/// A copy of the repository's sample project (notes, folio.toml and the
/// bibliography).
pub fn sample_project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    copy_dir(&repo().join("notes"), &dir.path().join("notes"));
    for file in ["folio.toml", "references.bib"] {
        std::fs::copy(repo().join(file), dir.path().join(file)).unwrap();
    }
    dir
}

/// The sample notes with only the `[book]` settings of the repository's
/// folio.toml, so the one document is `briefing-book.pdf`.
pub fn sample_book_project() -> tempfile::TempDir {
    let dir = sample_project();
    let mut config: toml::Table = std::fs::read_to_string(repo().join("folio.toml"))
        .unwrap()
        .parse()
        .unwrap();
    config.retain(|key, _| key == "book");
    std::fs::write(
        dir.path().join("folio.toml"),
        toml::to_string(&config).unwrap(),
    )
    .unwrap();
    dir
}

pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// Runs `folio <args>` in `dir`, without colour.
pub fn folio(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_folio"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("SOURCE_DATE_EPOCH")
        .output()
        .expect("folio runs")
}

/// Text with whitespace and soft hyphens removed, so line breaks and
/// hyphenation do not matter when looking for a phrase.
pub fn squash(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_whitespace() && *c != '\u{ad}')
        .collect()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// A PDF read back for assertions.
pub struct Pdf {
    pub doc: Document,
    /// Page object id to 1-based page number.
    pub page_numbers: BTreeMap<ObjectId, u32>,
}

impl Pdf {
    pub fn open(path: &Path) -> Pdf {
        let doc =
            Document::load(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        let page_numbers = doc.get_pages().into_iter().map(|(n, id)| (id, n)).collect();
        Pdf { doc, page_numbers }
    }

    pub fn page_count(&self) -> usize {
        self.page_numbers.len()
    }

    /// The text of one page (1-based), whitespace collapsed.
    pub fn text(&self, page: u32) -> String {
        let raw = self.doc.extract_text(&[page]).unwrap_or_default();
        raw.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    /// The text of every page, one page a line.
    pub fn all_text(&self) -> String {
        (1..=self.page_count() as u32)
            .map(|p| self.text(p))
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// The page a chapter starts on: the level-1 bookmark ending with `title`.
    pub fn chapter_page(&self, title: &str) -> u32 {
        self.outline()
            .into_iter()
            .find(|(level, t, _)| *level == 1 && t.ends_with(title))
            .unwrap_or_else(|| panic!("no chapter bookmark ends with {title}"))
            .2
    }

    /// Pixel widths of every image XObject in the PDF, sorted.
    pub fn image_widths(&self) -> Vec<i64> {
        let mut widths: Vec<i64> = self
            .doc
            .objects
            .values()
            .filter_map(|o| o.as_stream().ok())
            .filter(|s| {
                s.dict
                    .get(b"Subtype")
                    .and_then(Object::as_name)
                    .is_ok_and(|n| n == b"Image")
            })
            .filter_map(|s| s.dict.get(b"Width").ok()?.as_i64().ok())
            .collect();
        widths.sort();
        widths
    }

    /// The first page (1-based) whose text contains `needle`.
    pub fn find_page(&self, needle: &str) -> Option<u32> {
        (1..=self.page_count() as u32).find(|&p| self.text(p).contains(needle))
    }

    /// The outline (bookmarks) as (level, title, page), in order.
    pub fn outline(&self) -> Vec<(usize, String, u32)> {
        self.outline_items()
            .into_iter()
            .map(|(level, title, dest)| {
                let page = dest.and_then(|d| self.dest_page(&d)).unwrap_or(0);
                (level, title, page)
            })
            .collect()
    }

    /// The outline in reading order as (level, title, destination), the
    /// destination as the PDF has it (explicit, named, or in an action).
    pub fn outline_items(&self) -> Vec<(usize, String, Option<Object>)> {
        let mut out = Vec::new();
        let Ok(catalog) = self.doc.catalog() else {
            return out;
        };
        let Some(first) = catalog
            .get(b"Outlines")
            .ok()
            .and_then(|o| self.deref(o).as_dict().ok())
            .and_then(|d| d.get(b"First").ok())
            .and_then(|f| f.as_reference().ok())
        else {
            return out;
        };
        let mut stack = vec![(first, 1usize)];
        while let Some((id, level)) = stack.pop() {
            let Ok(item) = self.doc.get_dictionary(id) else {
                continue;
            };
            let title = item
                .get(b"Title")
                .ok()
                .and_then(|t| lopdf::decode_text_string(t).ok())
                .unwrap_or_default();
            let dest = item.get(b"Dest").ok().or_else(|| {
                item.get(b"A")
                    .ok()
                    .and_then(|a| self.deref(a).as_dict().ok()?.get(b"D").ok())
            });
            out.push((level, title, dest.cloned()));
            if let Ok(next) = item.get(b"Next").and_then(Object::as_reference) {
                stack.push((next, level));
            }
            if let Ok(child) = item.get(b"First").and_then(Object::as_reference) {
                stack.push((child, level + 1));
            }
        }
        out
    }

    /// Internal links on a page as (target page, link rectangle's text
    /// is not available, so only targets).
    pub fn internal_link_targets(&self, page: u32) -> Vec<u32> {
        let page_id = *self.doc.get_pages().get(&page).expect("page exists");
        let Ok(annots) = self.doc.get_page_annotations(page_id) else {
            return Vec::new();
        };
        annots
            .iter()
            .filter(|a| {
                a.get(b"Subtype")
                    .and_then(Object::as_name)
                    .is_ok_and(|n| n == b"Link")
            })
            .filter_map(|a| {
                let dest = a.get(b"Dest").ok().or_else(|| {
                    a.get(b"A")
                        .ok()
                        .and_then(|a| self.deref(a).as_dict().ok()?.get(b"D").ok())
                })?;
                self.dest_page(dest)
            })
            .collect()
    }

    /// The document title from the Info dictionary.
    pub fn title(&self) -> Option<String> {
        self.info(b"Title")
    }

    /// A text entry of the Info dictionary.
    pub fn info(&self, key: &[u8]) -> Option<String> {
        let info = self.doc.trailer.get(b"Info").ok()?;
        let info = self.deref(info).as_dict().ok()?;
        lopdf::decode_text_string(info.get(key).ok()?).ok()
    }

    fn deref<'a>(&'a self, object: &'a Object) -> &'a Object {
        self.doc
            .dereference(object)
            .map(|(_, o)| o)
            .unwrap_or(object)
    }

    /// The page a destination points to: an explicit array or a named one.
    fn dest_page(&self, dest: &Object) -> Option<u32> {
        match self.deref(dest) {
            Object::Array(array) => {
                let page = array.first()?.as_reference().ok()?;
                self.page_numbers.get(&page).copied()
            }
            Object::Name(name) | Object::String(name, _) => {
                let target = self.named_destination(name)?;
                self.dest_page(&target)
            }
            Object::Dictionary(dict) => self.dest_page(dict.get(b"D").ok()?),
            _ => None,
        }
    }

    fn named_destination(&self, name: &[u8]) -> Option<Object> {
        let catalog = self.doc.catalog().ok()?;
        if let Ok(dests) = catalog.get(b"Dests")
            && let Ok(found) = self.deref(dests).as_dict().ok()?.get(name)
        {
            return Some(found.clone());
        }
        let names = self.deref(catalog.get(b"Names").ok()?).as_dict().ok()?;
        let tree = self.deref(names.get(b"Dests").ok()?).as_dict().ok()?;
        self.search_name_tree(tree, name)
    }

    fn search_name_tree(&self, node: &lopdf::Dictionary, name: &[u8]) -> Option<Object> {
        if let Ok(names) = node.get(b"Names").and_then(Object::as_array) {
            for pair in names.chunks(2) {
                if let [Object::String(key, _), value] = pair
                    && key == name
                {
                    return Some(value.clone());
                }
            }
        }
        if let Ok(kids) = node.get(b"Kids").and_then(Object::as_array) {
            for kid in kids {
                if let Some(found) = self
                    .deref(kid)
                    .as_dict()
                    .ok()
                    .and_then(|k| self.search_name_tree(k, name))
                {
                    return Some(found);
                }
            }
        }
        None
    }

    /// Every rule drawn on a page — a stroked straight segment, or a filled
    /// shape thinner than 3 pt taken as the segment along its middle — in
    /// PDF points from the bottom left: ((x1, y1), (x2, y2)). Follows
    /// `q`/`Q`/`cm`; enough for the rules and bars folio's layouts draw (not
    /// Form XObjects).
    pub fn rules(&self, page: u32) -> Vec<((f64, f64), (f64, f64))> {
        let page_id = *self.doc.get_pages().get(&page).expect("page exists");
        let content = self
            .doc
            .get_and_decode_page_content(page_id)
            .expect("content");
        let number = |o: &Object| match o {
            Object::Integer(i) => *i as f32,
            Object::Real(r) => *r,
            _ => 0.0,
        };
        let apply = |m: Matrix, x: f32, y: f32| {
            (
                f64::from(m[0] * x + m[2] * y + m[4]),
                f64::from(m[1] * x + m[3] * y + m[5]),
            )
        };
        let mut ctm: Matrix = [1.0, 0.0, 0.0, 1.0, 0.0, 0.0];
        let mut stack = Vec::new();
        let mut path: Vec<(f64, f64)> = Vec::new();
        let mut pending: Vec<((f64, f64), (f64, f64))> = Vec::new();
        let mut segments = Vec::new();
        for op in &content.operations {
            let args: Vec<f32> = op.operands.iter().map(number).collect();
            match op.operator.as_str() {
                "q" => stack.push(ctm),
                "Q" => ctm = stack.pop().unwrap_or(ctm),
                "cm" if args.len() == 6 => {
                    ctm = multiply(
                        &[args[0], args[1], args[2], args[3], args[4], args[5]],
                        &ctm,
                    )
                }
                "m" if args.len() == 2 => path = vec![apply(ctm, args[0], args[1])],
                "l" if args.len() == 2 => {
                    let to = apply(ctm, args[0], args[1]);
                    if let Some(&from) = path.last() {
                        pending.push((from, to));
                    }
                    path.push(to);
                }
                "S" | "s" => segments.append(&mut pending),
                "f" | "f*" => {
                    let xs = path.iter().map(|p| p.0);
                    let ys = path.iter().map(|p| p.1);
                    let (x0, x1) = (
                        xs.clone().fold(f64::MAX, f64::min),
                        xs.fold(f64::MIN, f64::max),
                    );
                    let (y0, y1) = (
                        ys.clone().fold(f64::MAX, f64::min),
                        ys.fold(f64::MIN, f64::max),
                    );
                    if x1 - x0 < 3.0 && y1 - y0 >= 3.0 {
                        let x = (x0 + x1) / 2.0;
                        segments.push(((x, y0), (x, y1)));
                    } else if y1 - y0 < 3.0 && x1 - x0 >= 3.0 {
                        let y = (y0 + y1) / 2.0;
                        segments.push(((x0, y), (x1, y)));
                    }
                    pending.clear();
                }
                "n" | "B" | "b" => pending.clear(),
                _ => {}
            }
        }
        segments
    }
}
