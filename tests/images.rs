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
    Pdf::open(path).image_widths()
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

/// Typst picks an image's format from its extension; folio must hand it the
/// format of the bytes it serves: a wide PNG photograph re-encoded as JPEG,
/// a PNG named `.jpg` and a JPEG named `.png` all build, and `check`, which
/// decodes exactly as the build does, agrees.
#[test]
fn images_are_read_by_their_content_not_their_name() {
    let note = "---\ntitle: Pictures\n---\n\n![Wide photograph](wide.png)\n\n\
                ![A PNG named jpg](png.jpg)\n\n![A JPEG named png](jpeg.png)\n";
    let dir = project(&[("notes/pics.md", note)]);
    let notes = dir.path().join("notes");
    save(
        &photo(3000, 1500),
        &notes.join("wide.png"),
        ImageFormat::Png,
    );
    save(&photo(1000, 700), &notes.join("png.jpg"), ImageFormat::Png);
    save(
        &photo(1100, 700),
        &notes.join("jpeg.png"),
        ImageFormat::Jpeg,
    );
    let check = folio(dir.path(), &["check"]);
    assert!(check.status.success(), "{}", stderr(&check));
    let build = folio(dir.path(), &["-q"]);
    assert!(build.status.success(), "{}", stderr(&build));
    assert_eq!(
        embedded_widths(&dir.path().join("output/briefing-book.pdf")),
        [1000, 1100, 1938]
    );
    // The wide photograph was re-encoded as JPEG (and served as one).
    let cached: Vec<_> = std::fs::read_dir(dir.path().join("output/.cache/images"))
        .unwrap()
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "jpg"))
        .collect();
    assert_eq!(cached.len(), 1);
}

/// A file whose content no reader accepts fails `check` and the build alike,
/// whatever its name says.
#[test]
fn check_and_build_agree_on_files_that_are_not_images() {
    for (name, bytes) in [
        ("fake.png", b"plain text, not a picture".as_slice()),
        ("fake.pdf", b"%PDF-1.7 and then nothing at all".as_slice()),
        (
            "fake.svg",
            b"<svg xmlns=\"http://www.w3.org/2000/svg\"><g>".as_slice(),
        ),
    ] {
        let note = format!("---\ntitle: Pictures\n---\n\n![Not a picture]({name})\n");
        let dir = project(&[("notes/pics.md", &note)]);
        std::fs::write(dir.path().join("notes").join(name), bytes).unwrap();
        let check = folio(dir.path(), &["check"]);
        let build = folio(dir.path(), &["-q"]);
        assert_eq!(check.status.code(), Some(1), "{name}: {}", stderr(&check));
        assert_eq!(build.status.code(), Some(1), "{name}: {}", stderr(&build));
        assert!(stderr(&check).contains(&format!("notes/{name}")), "{name}");
    }
}

/// A PDF used as an image is checked (it loads, it has a page) and embedded.
#[test]
fn a_pdf_image_is_checked_and_embedded() {
    let dir = project(&[(
        "notes/pics.md",
        "---\ntitle: Pictures\n---\n\n![A vector chart](chart.pdf)\n",
    )]);
    std::fs::write(dir.path().join("notes/chart.pdf"), tiny_pdf()).unwrap();
    let check = folio(dir.path(), &["check"]);
    assert!(check.status.success(), "{}", stderr(&check));
    let build = folio(dir.path(), &["-q"]);
    assert!(build.status.success(), "{}", stderr(&build));
}

/// A one-page PDF with a filled square, written by hand (offsets computed).
fn tiny_pdf() -> Vec<u8> {
    let content = "0 0 1 rg 10 10 80 80 re f";
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 100 100] /Contents 4 0 R /Resources << >> >>"
            .to_string(),
        format!(
            "<< /Length {} >>\nstream\n{content}\nendstream",
            content.len()
        ),
    ];
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, object) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend(format!("{} 0 obj\n{object}\nendobj\n", i + 1).bytes());
    }
    let xref = out.len();
    out.extend(format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).bytes());
    for offset in offsets {
        out.extend(format!("{offset:010} 00000 n \n").bytes());
    }
    out.extend(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .bytes(),
    );
    out
}

const LINKED_SVG: &str = r##"<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="200" height="100">
  <a xlink:href="https://example.com/docs" target="_blank"><rect x="10" y="10" width="80" height="40" fill="#369"/></a>
  <a href="mailto:someone@example.com"><circle cx="150" cy="50" r="30" fill="#c33"/></a>
  BODY
</svg>"##;

/// Hyperlinks in an SVG (a draw.io export, say) are fine: nothing fetches
/// them. An image inside the project may be loaded.
#[test]
fn svg_hyperlinks_and_images_inside_the_project_are_accepted() {
    let svg = LINKED_SVG.replace(
        "BODY",
        r#"<image xlink:href="parts/photo.jpg" width="40" height="30"/>"#,
    );
    let dir = project(&[
        (
            "notes/pics.md",
            "---\ntitle: Pictures\n---\n\n![A diagram](diagram.svg)\n",
        ),
        ("notes/diagram.svg", &svg),
    ]);
    save(
        &photo(40, 30),
        &dir.path().join("notes/parts/photo.jpg"),
        ImageFormat::Jpeg,
    );
    let check = folio(dir.path(), &["check"]);
    assert!(check.status.success(), "{}", stderr(&check));
    let build = folio(dir.path(), &["-q"]);
    assert!(build.status.success(), "{}", stderr(&build));
}

/// What an SVG would load from the network or from outside the project is
/// refused, by `check` and the build alike.
#[test]
fn svg_loads_from_the_network_or_outside_are_refused() {
    for (body, message) in [
        (
            r#"<image href="https://example.com/x.png" width="10" height="10"/>"#,
            "image `notes/diagram.svg` loads `https://example.com/x.png` from the network",
        ),
        (
            r#"<image xlink:href="../../outside.png" width="10" height="10"/>"#,
            "image `notes/diagram.svg` links to `../../outside.png`, outside the project",
        ),
        (
            r#"<image href="/etc/hosts" width="10" height="10"/>"#,
            "image `notes/diagram.svg` links to `/etc/hosts`, outside the project",
        ),
    ] {
        let dir = project(&[
            (
                "notes/pics.md",
                "---\ntitle: Pictures\n---\n\n![A diagram](diagram.svg)\n",
            ),
            ("notes/diagram.svg", &LINKED_SVG.replace("BODY", body)),
        ]);
        save(
            &photo(10, 10),
            &dir.path().parent().unwrap().join("outside.png"),
            ImageFormat::Png,
        );
        for args in [&["check"][..], &["-q"][..]] {
            let output = folio(dir.path(), args);
            assert_eq!(output.status.code(), Some(1), "{body}");
            assert!(stderr(&output).contains(message), "{}", stderr(&output));
        }
    }
}
