//! Images for print and screen, and page previews, read back from the files
//! folio wrote: every raster format, downsampling (the embedded image's
//! pixel size in the PDF), the cache, alt text, previews and contact sheets.

mod common;

use std::path::Path;

use common::{Pdf, folio, project, stderr};
use image::{ImageFormat, Rgb, RgbImage};

/// A noisy "photograph" (many colours, so it is re-encoded as JPEG).
fn photo(width: u32, height: u32) -> RgbImage {
    RgbImage::from_fn(width, height, |x, y| {
        let n = x.wrapping_mul(7919) ^ y.wrapping_mul(104_729);
        Rgb([(n % 251) as u8, (x % 256) as u8, (y % 256) as u8])
    })
}

fn save(image: &RgbImage, path: &Path, format: ImageFormat) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    image.save_with_format(path, format).unwrap();
}

/// Pixel widths of every image XObject in a PDF.
fn embedded_widths(path: &Path) -> Vec<i64> {
    let pdf = Pdf::open(path);
    let mut widths: Vec<i64> = pdf
        .doc
        .objects
        .values()
        .filter_map(|o| o.as_stream().ok())
        .filter(|s| {
            s.dict
                .get(b"Subtype")
                .and_then(|t| t.as_name())
                .is_ok_and(|n| n == b"Image")
        })
        .filter_map(|s| s.dict.get(b"Width").ok()?.as_i64().ok())
        .collect();
    widths.sort();
    widths
}

const NOTE: &str = "---\ntitle: Pictures\n---\n\n![A test picture](pic.FORMAT)\n";

#[test]
fn every_raster_format_is_accepted() {
    for (ext, format) in [
        ("png", ImageFormat::Png),
        ("jpg", ImageFormat::Jpeg),
        ("gif", ImageFormat::Gif),
        ("webp", ImageFormat::WebP),
        ("bmp", ImageFormat::Bmp),
        ("tiff", ImageFormat::Tiff),
        ("tga", ImageFormat::Tga),
        ("qoi", ImageFormat::Qoi),
    ] {
        let dir = project(&[("notes/pics.md", &NOTE.replace("FORMAT", ext))]);
        save(
            &photo(1200, 800),
            &dir.path().join(format!("notes/pic.{ext}")),
            format,
        );
        let output = folio(dir.path(), &["-q"]);
        assert!(output.status.success(), "{ext}: {}", stderr(&output));
        let widths = embedded_widths(&dir.path().join("output/briefing-book.pdf"));
        assert!(widths.contains(&1200), "{ext}: {widths:?}");
        // Nothing is written into the user's folders.
        let notes: Vec<_> = std::fs::read_dir(dir.path().join("notes"))
            .unwrap()
            .collect();
        assert_eq!(notes.len(), 2, "{ext}");
    }
}

#[test]
fn large_photographs_are_scaled_to_print_resolution_and_cached() {
    let dir = project(&[("notes/pics.md", &NOTE.replace("FORMAT", "jpg"))]);
    save(
        &photo(4000, 3000),
        &dir.path().join("notes/pic.jpg"),
        ImageFormat::Jpeg,
    );
    let output = folio(dir.path(), &["-q"]);
    assert!(output.status.success(), "{}", stderr(&output));
    // A4 text width 164 mm = 6.46 in; at 300 dpi that is 1938 pixels.
    assert_eq!(
        embedded_widths(&dir.path().join("output/briefing-book.pdf")),
        [1938]
    );
    let cache = dir.path().join("output/.cache/images");
    let cached: Vec<_> = std::fs::read_dir(&cache)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e != "ok"))
        .collect();
    assert_eq!(cached.len(), 1, "{cached:?}");
    assert_eq!(cached[0].extension().unwrap(), "jpg");
    // A rebuild reuses the cache entry instead of processing again.
    let stamp = std::fs::metadata(&cached[0]).unwrap().modified().unwrap();
    let before = std::fs::read(dir.path().join("output/briefing-book.pdf")).unwrap();
    assert!(folio(dir.path(), &["-q"]).status.success());
    assert_eq!(
        std::fs::metadata(&cached[0]).unwrap().modified().unwrap(),
        stamp
    );
    assert_eq!(
        std::fs::read(dir.path().join("output/briefing-book.pdf")).unwrap(),
        before
    );
    // The screen variant uses 150 dpi.
    let output = folio(dir.path(), &["-q", "--variant", "screen"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        embedded_widths(&dir.path().join("output/briefing-book.pdf")),
        [969]
    );
}

#[test]
fn a_small_image_gets_a_blur_warning() {
    let dir = project(&[("notes/pics.md", &NOTE.replace("FORMAT", "png"))]);
    save(
        &photo(300, 200),
        &dir.path().join("notes/pic.png"),
        ImageFormat::Png,
    );
    let output = folio(dir.path(), &["check"]);
    let text = stderr(&output);
    assert!(output.status.success(), "{text}");
    assert!(
        text.contains("warning: image `notes/pic.png` will print at 72 dpi and may look blurry"),
        "{text}"
    );
    assert!(text.contains("┌─ notes/pics.md:5:1"), "{text}");
}

#[test]
fn alt_text_is_the_caption_and_the_pdf_alternative_text() {
    let dir = project(&[("notes/pics.md", &NOTE.replace("FORMAT", "png"))]);
    save(
        &photo(1200, 800),
        &dir.path().join("notes/pic.png"),
        ImageFormat::Png,
    );
    assert!(folio(dir.path(), &["-q"]).status.success());
    let path = dir.path().join("output/briefing-book.pdf");
    let pdf = Pdf::open(&path);
    let text: String = (1..=pdf.page_count() as u32).map(|p| pdf.text(p)).collect();
    assert!(text.contains("Figure 1: A test picture"), "caption");
    let alt = pdf
        .doc
        .objects
        .values()
        .filter_map(|o| o.as_dict().ok())
        .filter_map(|d| d.get(b"Alt").ok())
        .any(|a| lopdf::decode_text_string(a).is_ok_and(|t| t == "A test picture"));
    assert!(alt, "the figure's /Alt in the structure tree");
}

#[test]
fn previews_render_every_page_and_a_contact_sheet() {
    let dir = common::sample_book_project();
    let output = folio(dir.path(), &["-q", "--preview", "--preview-width", "500"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let pages = Pdf::open(&dir.path().join("output/briefing-book.pdf")).page_count();
    let folder = dir.path().join("output/previews/briefing-book");
    let mut files: Vec<_> = std::fs::read_dir(&folder)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().into_string().unwrap())
        .collect();
    files.sort();
    assert_eq!(files.len(), pages);
    assert_eq!(files[0], "page-001.png");
    let first = image::open(folder.join("page-001.png")).unwrap();
    assert_eq!(first.width(), 500);
    assert_eq!(first.height(), 707, "A4 proportions");
    // Contact sheet: 6 thumbnails of 200 px a row, 16 px gaps.
    let sheet = image::open(dir.path().join("output/previews/briefing-book.png")).unwrap();
    let rows = pages.div_ceil(6) as u32;
    assert_eq!(sheet.width(), 16 + 6 * (200 + 16));
    assert_eq!(sheet.height(), 16 + rows * (282 + 26 + 16));
    let manifest: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("output/manifest.json")).unwrap(),
    )
    .unwrap();
    let kinds: Vec<&str> = manifest["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds.iter().filter(|k| **k == "preview").count(), pages);
    assert_eq!(kinds.iter().filter(|k| **k == "contact-sheet").count(), 1);
}
