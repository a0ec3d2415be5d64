//! Every image a note refers to is checked before layout: it must stay
//! inside the project (symlinks included), exist, and decode within bounds.
//!
//! Decoding is bounded by the `image` crate's limits, so a tiny file that
//! declares 60000×60000 pixels is refused from its header, without
//! allocating its pixels.

use std::path::Path;

use image::{ImageReader, Limits};
use rayon::prelude::*;

use crate::diag::{Diagnostic, Report};
use crate::notes::Corpus;

/// Largest width or height folio accepts, in pixels.
pub const MAX_SIDE: u32 = 20_000;
/// Largest decoded image folio accepts, in bytes.
pub const MAX_ALLOC: u64 = 512 * 1024 * 1024;
/// Largest image file folio reads, in bytes.
pub const MAX_FILE: u64 = 100 * 1024 * 1024;

/// Vector formats Typst embeds as they are (SVG is checked on its own).
const VECTOR: &[&str] = &["pdf"];

/// Checks every image of every note; problems go into `report`.
pub fn check(root: &Path, corpus: &Corpus, report: &mut Report) {
    let root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    let refs: Vec<_> = corpus.notes.iter().flat_map(|note| note.body.images.iter().map(move |image| (note, image))).collect();
    let problems: Vec<Diagnostic> = refs
        .par_iter()
        .filter_map(|(note, image)| {
            check_one(&root, &image.path).err().map(|message| Diagnostic::error(message).at(&note.path, image.range.clone()))
        })
        .collect();
    report.extend(problems);
    for note in &corpus.notes {
        for image in note.body.images.iter().filter(|i| i.alt.trim().is_empty()) {
            report.push(
                Diagnostic::warning(format!("image `{}` has no alt text", image.path))
                    .at(&note.path, image.range.clone())
                    .hint("write a caption in the brackets: ![What the image shows](path)"),
            );
        }
    }
}

/// An SVG must parse, and every file it links to must be in the project:
/// a drawing may not pull in `/etc/passwd` or anything from the network.
fn check_svg(root: &Path, real: &Path, path: &str) -> Result<(), String> {
    let data = std::fs::read(real).map_err(|err| format!("cannot read image `{path}`: {err}"))?;
    usvg::Tree::from_data(&data, &usvg::Options::default())
        .map_err(|err| format!("image `{path}` is not a valid SVG: {err}"))?;
    let text = String::from_utf8_lossy(&data);
    let folder = real.parent().unwrap_or(root);
    for link in svg_links(&text) {
        if link.starts_with('#') || link.starts_with("data:") {
            continue;
        }
        let refused = || format!("image `{path}` links to `{link}`, outside the project; SVGs may only use files in the project");
        if link.contains("://") || link.starts_with("//") || link.starts_with('/') {
            return Err(refused());
        }
        let target = folder.join(link);
        match target.canonicalize() {
            Ok(target) if target.starts_with(root) => {}
            _ => return Err(refused()),
        }
    }
    Ok(())
}

/// The values of every `href` attribute (plain or `xlink:`) in an SVG.
fn svg_links(text: &str) -> Vec<&str> {
    let mut links = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("href") {
        rest = &rest[at + 4..];
        let after = rest.trim_start();
        let Some(value) = after.strip_prefix('=') else { continue };
        let value = value.trim_start();
        let Some(quote) = value.chars().next().filter(|q| *q == '"' || *q == '\'') else { continue };
        if let Some(end) = value[1..].find(quote) {
            links.push(value[1..1 + end].trim());
        }
    }
    links
}

/// `path` is project-relative and already normalised by the converter.
fn check_one(root: &Path, path: &str) -> Result<(), String> {
    let full = root.join(path);
    let real = full.canonicalize().map_err(|err| match err.kind() {
        std::io::ErrorKind::NotFound => format!("image `{path}` does not exist"),
        _ => format!("cannot read image `{path}`: {err}"),
    })?;
    if !real.starts_with(root) {
        return Err(format!("image `{path}` leads outside the project folder"));
    }
    let size = std::fs::metadata(&real).map_err(|err| format!("cannot read image `{path}`: {err}"))?.len();
    if size > MAX_FILE {
        return Err(format!("image `{path}` is {} MB; folio reads images up to {} MB", size >> 20, MAX_FILE >> 20));
    }
    let extension = real.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).unwrap_or_default();
    if extension == "svg" {
        return check_svg(root, &real, path);
    }
    if VECTOR.contains(&extension.as_str()) {
        return Ok(());
    }
    let mut reader = ImageReader::open(&real)
        .map_err(|err| format!("cannot read image `{path}`: {err}"))?
        .with_guessed_format()
        .map_err(|err| format!("cannot read image `{path}`: {err}"))?;
    if reader.format().is_none() {
        return Err(format!("image `{path}` is not in a format folio can read"));
    }
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_ALLOC);
    reader.limits(limits);
    reader.decode().map(|_| ()).map_err(|err| match err {
        image::ImageError::Limits(_) => {
            format!("image `{path}` is too large (at most {MAX_SIDE}×{MAX_SIDE} pixels and {} MB decoded)", MAX_ALLOC >> 20)
        }
        image::ImageError::Unsupported(err) => format!("image `{path}` is in an unsupported format: {err}"),
        err => format!("image `{path}` is corrupt: {err}"),
    })
}
