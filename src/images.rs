//! Every image a note refers to is checked before layout: it must stay
//! inside the project (symlinks included), exist, and decode within bounds.
//!
//! Decoding is bounded by the `image` crate's limits, so a tiny file that
//! declares 60000×60000 pixels is refused from its header, without
//! allocating its pixels.

use std::io::Cursor;
use std::path::Path;

use image::codecs::jpeg::JpegEncoder;
use image::metadata::Orientation;
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits, imageops};
use rayon::prelude::*;
use sha2::{Digest, Sha256};

use crate::book::ImageTarget;
use crate::config::Variant;
use crate::diag::{Diagnostic, Report};
use crate::notes::Corpus;
use crate::output::write_atomically;

/// Largest width or height folio accepts, in pixels.
pub const MAX_SIDE: u32 = 20_000;
/// Largest decoded image folio accepts, in bytes.
pub const MAX_ALLOC: u64 = 512 * 1024 * 1024;
/// Largest image file folio reads, in bytes.
pub const MAX_FILE: u64 = 100 * 1024 * 1024;

/// Checks every image of every note; problems go into `report`. For each
/// print target, an image that will print below [`MIN_PRINT_DPI`] gets a
/// warning.
///
/// `cache_dir` is where [`prepare`] left its marks: an image whose exact
/// bytes decoded there before is not decoded again (its header is enough).
pub fn check(
    root: &Path,
    corpus: &Corpus,
    targets: &[ImageTarget],
    cache_dir: Option<&Path>,
    report: &mut Report,
) {
    let root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    let refs: Vec<_> = corpus
        .notes
        .iter()
        .flat_map(|note| note.body.images.iter().map(move |image| (note, image)))
        .collect();
    let results: Vec<Vec<Diagnostic>> = refs
        .par_iter()
        .map(
            |(note, image)| match check_one(&root, &image.path, cache_dir) {
                Err(message) => {
                    vec![Diagnostic::error(message).at(&note.path, image.range.clone())]
                }
                Ok(None) => Vec::new(),
                Ok(Some(width)) => {
                    let dpi = targets
                        .iter()
                        .filter(|t| t.variant == Variant::Print)
                        .map(|t| print_dpi(width, t))
                        .min();
                    match dpi {
                        Some(dpi) if dpi < MIN_PRINT_DPI => vec![
                            Diagnostic::warning(format!(
                                "image `{}` will print at {dpi} dpi and may look blurry",
                                image.path
                            ))
                            .at(&note.path, image.range.clone())
                            .hint(format!(
                                "use an image at least {} pixels wide",
                                min_width(targets)
                            ))
                            .with_code(crate::diag::Code::LowResolution),
                        ],
                        _ => Vec::new(),
                    }
                }
            },
        )
        .collect();
    report.extend(results.into_iter().flatten());
    for note in &corpus.notes {
        for image in note.body.images.iter().filter(|i| i.alt.trim().is_empty()) {
            report.push(
                Diagnostic::warning(format!("image `{}` has no alt text", image.path))
                    .at(&note.path, image.range.clone())
                    .hint("write a caption in the brackets: ![What the image shows](path)")
                    .with_code(crate::diag::Code::MissingAltText),
            );
        }
    }
}

/// Below this an image looks soft in print.
pub const MIN_PRINT_DPI: u32 = 150;

/// Typst sizes an image without DPI metadata at one point per pixel, and
/// folio's figures never grow wider than the text: the resolution it prints at.
fn print_dpi(width_px: u32, target: &ImageTarget) -> u32 {
    let text_width_in = target.width_centi_in as f64 / 100.0;
    let printed_in = (width_px as f64 / 72.0).min(text_width_in);
    (width_px as f64 / printed_in).round() as u32
}

fn min_width(targets: &[ImageTarget]) -> u32 {
    let widest = targets
        .iter()
        .map(|t| t.width_centi_in)
        .max()
        .unwrap_or(646);
    (widest as f64 / 100.0 * MIN_PRINT_DPI as f64).ceil() as u32
}

/// Limits that refuse an image bomb from its header.
fn limits() -> Limits {
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_ALLOC);
    limits
}

fn decode_error(path: &str, err: image::ImageError) -> String {
    match err {
        image::ImageError::Limits(_) => {
            format!(
                "image `{path}` is too large (at most {MAX_SIDE}×{MAX_SIDE} pixels and {} MB decoded)",
                MAX_ALLOC >> 20
            )
        }
        image::ImageError::Unsupported(err) => {
            format!("image `{path}` is in an unsupported format: {err}")
        }
        err => format!("image `{path}` is corrupt: {err}"),
    }
}

/// What an image file holds, told by its content (the extension only for
/// formats without a signature, such as TGA). `check`, `prepare` and the
/// format folio hands Typst all decide through this one function, so they
/// never disagree about a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Raster(ImageFormat),
    Svg,
    Pdf,
}

pub fn sniff(data: &[u8], path: &str) -> Option<Kind> {
    if let Ok(format) = image::guess_format(data) {
        return Some(Kind::Raster(format));
    }
    if is_svg(data) {
        return Some(Kind::Svg);
    }
    if is_pdf(data) {
        return Some(Kind::Pdf);
    }
    let extension = path.rsplit('.').next().unwrap_or("").to_ascii_lowercase();
    match extension.as_str() {
        "svg" | "svgz" => Some(Kind::Svg),
        "pdf" => Some(Kind::Pdf),
        _ => ImageFormat::from_extension(&extension).map(Kind::Raster),
    }
}

/// The `format` to give Typst's `image` for these bytes, from their content
/// alone; `None` leaves Typst to its own rule (the extension, then the
/// content). Typst goes by the extension first, so a PNG named `.jpg`, or a
/// wide PNG photograph folio re-encoded as JPEG, needs the format spelt out.
pub fn typst_format(data: &[u8]) -> Option<&'static str> {
    match image::guess_format(data) {
        Ok(ImageFormat::Png) => Some("png"),
        Ok(ImageFormat::Jpeg) => Some("jpg"),
        Ok(ImageFormat::Gif) => Some("gif"),
        Ok(ImageFormat::WebP) => Some("webp"),
        Ok(_) => None,
        Err(_) if is_svg(data) => Some("svg"),
        Err(_) if is_pdf(data) => Some("pdf"),
        Err(_) => None,
    }
}

/// Typst's own test for SVG data: gzip (SVGZ) or the SVG namespace early on.
fn is_svg(data: &[u8]) -> bool {
    let head = &data[..data.len().min(2048)];
    data.starts_with(&[0x1f, 0x8b]) || contains(head, b"http://www.w3.org/2000/svg")
}

/// Typst's own test for PDF data.
fn is_pdf(data: &[u8]) -> bool {
    contains(&data[..data.len().min(2048)], b"%PDF-")
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// Decodes raster image bytes of `format` within the limits, upright (EXIF
/// orientation applied).
fn decode(data: &[u8], format: ImageFormat, path: &str) -> Result<(DynamicImage, bool), String> {
    if !format.reading_enabled() {
        return Err(format!(
            "image `{path}` is in an unsupported format ({})",
            format.extensions_str().first().unwrap_or(&"unknown")
        ));
    }
    let mut reader = ImageReader::with_format(Cursor::new(data), format);
    reader.limits(limits());
    let mut decoder = reader
        .into_decoder()
        .map_err(|err| decode_error(path, err))?;
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let mut image = DynamicImage::from_decoder(decoder).map_err(|err| decode_error(path, err))?;
    image.apply_orientation(orientation);
    Ok((image, orientation != Orientation::NoTransforms))
}

/// An SVG must parse, and every file it would load must be in the project:
/// a drawing may not pull in `/etc/passwd` or anything from the network.
/// Hyperlinks (`<a href>`) are fine: nothing fetches them. What is checked
/// is exactly what usvg asks to load (`<image>` and the like), under the
/// rules Typst applies when it loads them.
fn check_svg(root: &Path, real: &Path, path: &str, data: &[u8]) -> Result<(), String> {
    let loads = std::sync::Mutex::new(Vec::new());
    let options = usvg::Options {
        resources_dir: None,
        image_href_resolver: usvg::ImageHrefResolver {
            resolve_data: usvg::ImageHrefResolver::default_data_resolver(),
            resolve_string: Box::new(|href, _| {
                loads.lock().expect("not poisoned").push(href.to_string());
                None
            }),
        },
        ..usvg::Options::default()
    };
    usvg::Tree::from_data(data, &options)
        .map_err(|err| format!("image `{path}` is not a valid SVG: {err}"))?;
    drop(options);
    let folder = real.parent().unwrap_or(root);
    for href in loads.into_inner().expect("not poisoned") {
        check_svg_load(root, folder, &href).map_err(|why| match why {
            SvgLoad::Network => format!(
                "image `{path}` loads `{href}` from the network; SVGs may only use files in the project"
            ),
            SvgLoad::Outside => format!(
                "image `{path}` links to `{href}`, outside the project; SVGs may only use files in the project"
            ),
            SvgLoad::Other(why) => format!("image `{path}` links to `{href}`: {why}"),
        })?;
    }
    Ok(())
}

enum SvgLoad {
    Network,
    Outside,
    Other(String),
}

/// One file an SVG loads, as Typst would resolve and read it.
fn check_svg_load(root: &Path, folder: &Path, href: &str) -> Result<(), SvgLoad> {
    let href = href.strip_prefix("file://").unwrap_or(href);
    if let Some((scheme, _)) = href.split_once("://")
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    {
        return Err(SvgLoad::Network);
    }
    if href.starts_with('/') {
        return Err(SvgLoad::Outside);
    }
    // Lexically first (a path that climbs out is refused whether or not it
    // exists), then for real (symlinks).
    let mut target = folder.to_path_buf();
    for part in Path::new(href).components() {
        match part {
            std::path::Component::ParentDir => {
                target.pop();
            }
            std::path::Component::Normal(part) => target.push(part),
            _ => {}
        }
    }
    if !target.starts_with(root) {
        return Err(SvgLoad::Outside);
    }
    let real = target.canonicalize().map_err(|err| match err.kind() {
        std::io::ErrorKind::NotFound => SvgLoad::Other("that file does not exist".into()),
        _ => SvgLoad::Other(format!("cannot read it: {err}")),
    })?;
    if !real.starts_with(root) {
        return Err(SvgLoad::Outside);
    }
    let data =
        std::fs::read(&real).map_err(|err| SvgLoad::Other(format!("cannot read it: {err}")))?;
    // Typst takes a linked image's format from its extension, else its content.
    let extension = real
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    let named = match extension.as_str() {
        "png" => Some("png"),
        "jpg" | "jpeg" => Some("jpg"),
        "gif" => Some("gif"),
        "webp" => Some("webp"),
        "svg" | "svgz" => Some("svg"),
        "pdf" => Some("pdf"),
        _ => None,
    };
    let actual = typst_format(&data);
    match (named.or(actual), actual) {
        (Some("png" | "jpg" | "gif" | "webp"), Some(actual))
            if named.is_none_or(|n| n == actual) =>
        {
            Ok(())
        }
        (Some(named), Some(actual @ ("png" | "jpg" | "gif" | "webp"))) if named != actual => {
            Err(SvgLoad::Other(format!(
                "it holds a {} image under another name; rename it",
                actual.to_uppercase()
            )))
        }
        _ => Err(SvgLoad::Other(
            "an SVG can only load PNG, JPEG, GIF or WebP images".into(),
        )),
    }
}

/// A PDF used as an image must load, unencrypted, and have a page to show.
fn check_pdf(path: &str, data: Vec<u8>) -> Result<(), String> {
    match hayro_syntax::Pdf::new(std::sync::Arc::new(data)) {
        Ok(pdf) if !pdf.pages().is_empty() => Ok(()),
        Ok(_) => Err(format!("image `{path}` is a PDF without pages")),
        Err(hayro_syntax::LoadPdfError::Decryption(_)) => Err(format!(
            "image `{path}` is an encrypted PDF; remove its password first"
        )),
        Err(_) => Err(format!("image `{path}` is not a valid PDF")),
    }
}

/// `path` is project-relative and already normalised by the converter.
/// Returns the upright pixel width of a raster image.
fn check_one(root: &Path, path: &str, cache_dir: Option<&Path>) -> Result<Option<u32>, String> {
    let full = root.join(path);
    let real = full.canonicalize().map_err(|err| match err.kind() {
        std::io::ErrorKind::NotFound => format!("image `{path}` does not exist"),
        _ => format!("cannot read image `{path}`: {err}"),
    })?;
    if !real.starts_with(root) {
        return Err(format!("image `{path}` leads outside the project folder"));
    }
    let size = std::fs::metadata(&real)
        .map_err(|err| format!("cannot read image `{path}`: {err}"))?
        .len();
    if size > MAX_FILE {
        return Err(format!(
            "image `{path}` is {} MB; folio reads images up to {} MB",
            size >> 20,
            MAX_FILE >> 20
        ));
    }
    let data = std::fs::read(&real).map_err(|err| format!("cannot read image `{path}`: {err}"))?;
    let format = match sniff(&data, path) {
        Some(Kind::Svg) => return check_svg(root, &real, path, &data).map(|()| None),
        Some(Kind::Pdf) => return check_pdf(path, data).map(|()| None),
        Some(Kind::Raster(format)) => format,
        None => return Err(format!("image `{path}` is not in a format folio can read")),
    };
    let known = cache_dir.and_then(|dir| {
        std::fs::read_to_string(dir.join(format!("{}.ok", content_key(&data)))).ok()
    });
    if let Some(width) = known.and_then(|text| text.trim().parse().ok()) {
        return Ok(Some(width));
    }
    let (image, _) = decode(&data, format, path)?;
    Ok(Some(image.width()))
}

/// The cache's name for an image's exact bytes.
fn content_key(data: &[u8]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(CACHE_VERSION);
    hasher.update(data);
    hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A prepared image: what documents of `target` embed for `path`.
pub struct Prepared {
    pub target: ImageTarget,
    pub path: String,
    pub bytes: Vec<u8>,
}

/// Bumped when the preparation changes, so old cache entries are not reused.
const CACHE_VERSION: &str = "folio-images-1";

/// Prepares every raster image for every target it is used with: scaled
/// down to the target resolution at the text width, turned upright, and
/// converted when Typst cannot embed the format. Work is cached by content
/// hash in `cache_dir`, so a rebuild redoes nothing and an image used by
/// several packs is processed once per target. Images that need nothing
/// are left out (the document reads the file itself).
pub fn prepare(
    root: &Path,
    corpus: &Corpus,
    targets: &[ImageTarget],
    cache_dir: &Path,
) -> Vec<Prepared> {
    let mut paths: Vec<&str> = corpus
        .notes
        .iter()
        .flat_map(|n| n.body.images.iter().map(|i| i.path.as_str()))
        .collect();
    paths.sort_unstable();
    paths.dedup();
    let mut targets = targets.to_vec();
    targets.sort_by_key(|t| (t.variant == Variant::Screen, t.dpi, t.width_centi_in));
    targets.dedup();
    let jobs: Vec<(&str, ImageTarget)> = paths
        .iter()
        .flat_map(|p| targets.iter().map(move |t| (*p, *t)))
        .collect();
    jobs.par_iter()
        .filter_map(|(path, target)| {
            let bytes = prepare_one(root, path, target, cache_dir).ok().flatten()?;
            Some(Prepared {
                target: *target,
                path: path.to_string(),
                bytes,
            })
        })
        .collect()
}

fn prepare_one(
    root: &Path,
    path: &str,
    target: &ImageTarget,
    cache_dir: &Path,
) -> Result<Option<Vec<u8>>, String> {
    // The same guard as `check`: preparation must never read outside the
    // project, even for an image `check` refused or one swapped since.
    let root = root.canonicalize().map_err(|err| err.to_string())?;
    let real = root
        .join(path)
        .canonicalize()
        .map_err(|err| err.to_string())?;
    if !real.starts_with(&root)
        || std::fs::metadata(&real)
            .map_err(|err| err.to_string())?
            .len()
            > MAX_FILE
    {
        return Ok(None);
    }
    let data = std::fs::read(&real).map_err(|err| err.to_string())?;
    let Some(Kind::Raster(format)) = sniff(&data, path) else {
        return Ok(None);
    };
    let key = format!(
        "{}-{:?}-{}-{}",
        content_key(&data),
        target.variant,
        target.dpi,
        target.width_centi_in
    )
    .to_lowercase();
    for ext in ["png", "jpg", "none"] {
        let cached = cache_dir.join(format!("{key}.{ext}"));
        if let Ok(bytes) = std::fs::read(&cached) {
            return Ok((ext != "none").then_some(bytes));
        }
    }
    let (mut image, rotated) = decode(&data, format, path)?;
    // Decoded cleanly: `check` need not decode these bytes again.
    let _ = write_atomically(
        &cache_dir.join(format!("{}.ok", content_key(&data))),
        image.width().to_string().as_bytes(),
    );
    let max_width = (target.width_centi_in as f64 / 100.0 * target.dpi as f64).round() as u32;
    let too_wide = image.width() > max_width;
    let embeddable = matches!(
        format,
        ImageFormat::Png | ImageFormat::Jpeg | ImageFormat::Gif | ImageFormat::WebP
    );
    if !too_wide && embeddable && !rotated {
        // Remember that nothing was needed, so a rebuild does not decode again.
        let _ = write_atomically(&cache_dir.join(format!("{key}.none")), b"");
        return Ok(None);
    }
    if too_wide {
        let height =
            ((image.height() as u64 * max_width as u64) / image.width() as u64).max(1) as u32;
        image = image.resize_exact(max_width, height, imageops::FilterType::Lanczos3);
    }
    let (bytes, ext) = encode(&image, target.variant);
    let _ = write_atomically(&cache_dir.join(format!("{key}.{ext}")), &bytes);
    Ok(Some(bytes))
}

/// PNG for transparency and flat graphics (few colours), JPEG for photographs.
fn encode(image: &DynamicImage, variant: Variant) -> (Vec<u8>, &'static str) {
    let mut out = Cursor::new(Vec::new());
    if image.color().has_alpha() || is_flat(image) {
        image
            .write_to(&mut out, ImageFormat::Png)
            .expect("encoding to memory cannot fail");
        return (out.into_inner(), "png");
    }
    let quality = match variant {
        Variant::Print => 85,
        Variant::Screen => 75,
    };
    let rgb = image.to_rgb8();
    JpegEncoder::new_with_quality(&mut out, quality)
        .encode_image(&rgb)
        .expect("encoding to memory cannot fail");
    (out.into_inner(), "jpg")
}

/// Charts and diagrams use few colours; photographs use thousands.
fn is_flat(image: &DynamicImage) -> bool {
    let rgb = image.to_rgb8();
    let mut colours = std::collections::HashSet::new();
    let step = (rgb.len() / 3 / 20_000).max(1);
    for pixel in rgb.pixels().step_by(step) {
        colours.insert(pixel.0);
        if colours.len() > 256 {
            return false;
        }
    }
    true
}
