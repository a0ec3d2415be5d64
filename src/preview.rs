//! Page previews people can look at: every page of a document as a PNG, and
//! a contact sheet with every page as a numbered thumbnail in a grid.
//!
//! Pages are rendered by typst-render straight from the laid-out document
//! (no PDF round trip), in parallel, and written atomically like the PDFs.

use std::path::Path;

use image::{Rgba, RgbaImage, imageops};
use rayon::prelude::*;
use typst_layout::PagedDocument;

use crate::output::write_atomically;

/// Preview settings (`--preview`, `--preview-width`).
#[derive(Debug, Clone, Copy)]
pub struct PreviewSettings {
    /// Width of each page PNG in pixels.
    pub width: u32,
}

/// Thumbnails on the contact sheet are this wide, in pixels.
pub const THUMB_WIDTH: u32 = 200;
const COLUMNS: u32 = 6;
const GAP: u32 = 16;
const LABEL: u32 = 26;

/// A preview file written, relative to the output folder.
#[derive(Debug, Clone)]
pub struct PreviewFile {
    pub output: String,
    pub bytes: Vec<u8>,
    /// The contact sheet rather than one page.
    pub sheet: bool,
}

/// Renders every page of `document` and its contact sheet. `stem` is the
/// document's output path without `.pdf` (e.g. `compendium`,
/// `handouts/alpha`); files go to `previews/<stem>/page-001.png` and
/// `previews/<stem>.png`.
pub fn render(document: &PagedDocument, stem: &str, settings: PreviewSettings) -> Vec<PreviewFile> {
    let pages: Vec<RgbaImage> = document
        .pages()
        .par_iter()
        .map(|page| render_page(page, settings.width))
        .collect();
    let mut files: Vec<PreviewFile> = pages
        .par_iter()
        .enumerate()
        .map(|(i, image)| PreviewFile {
            output: format!("previews/{stem}/page-{:03}.png", i + 1),
            bytes: png(image),
            sheet: false,
        })
        .collect();
    files.push(PreviewFile {
        output: format!("previews/{stem}.png"),
        bytes: png(&contact_sheet(&pages)),
        sheet: true,
    });
    files
}

/// Writes preview files under `out_dir`.
pub fn write(out_dir: &Path, files: &[PreviewFile]) -> std::io::Result<()> {
    files
        .par_iter()
        .try_for_each(|file| write_atomically(&out_dir.join(&file.output), &file.bytes))
}

fn render_page(page: &typst_layout::Page, width: u32) -> RgbaImage {
    let points = page.frame.width().to_pt().max(1.0);
    let options = typst_render::RenderOptions {
        pixel_per_pt: (width as f64 / points).into(),
        ..Default::default()
    };
    let pixmap = typst_render::render(page, &options);
    let (w, h) = (pixmap.width(), pixmap.height());
    // tiny-skia's pixels are premultiplied; the image crate wants straight alpha.
    let mut image =
        RgbaImage::from_raw(w, h, pixmap.take_demultiplied()).expect("pixmap size matches");
    // Pages without a fill are transparent: put them on white paper.
    for pixel in image.pixels_mut() {
        let alpha = pixel[3] as u32;
        for channel in 0..3 {
            pixel[channel] = ((pixel[channel] as u32 * alpha + 255 * (255 - alpha)) / 255) as u8;
        }
        pixel[3] = 255;
    }
    image
}

/// Every page as a thumbnail, six to a row, each numbered underneath.
pub fn contact_sheet(pages: &[RgbaImage]) -> RgbaImage {
    let thumbs: Vec<RgbaImage> = pages
        .par_iter()
        .map(|page| {
            let height = (page.height() as u64 * THUMB_WIDTH as u64 / page.width().max(1) as u64)
                .max(1) as u32;
            imageops::resize(page, THUMB_WIDTH, height, imageops::FilterType::Triangle)
        })
        .collect();
    let cell_height = thumbs.iter().map(RgbaImage::height).max().unwrap_or(1) + LABEL;
    let columns = COLUMNS.min(thumbs.len().max(1) as u32);
    let rows = (thumbs.len() as u32).div_ceil(COLUMNS).max(1);
    let width = GAP + columns * (THUMB_WIDTH + GAP);
    let height = GAP + rows * (cell_height + GAP);
    let mut sheet = RgbaImage::from_pixel(width, height, Rgba([226, 228, 232, 255]));
    for (i, thumb) in thumbs.iter().enumerate() {
        let (column, row) = (i as u32 % COLUMNS, i as u32 / COLUMNS);
        let x = GAP + column * (THUMB_WIDTH + GAP);
        let y = GAP + row * (cell_height + GAP);
        imageops::overlay(&mut sheet, thumb, x as i64, y as i64);
        let label = (i + 1).to_string();
        let label_width = label.len() as u32 * DIGIT_ADVANCE * SCALE;
        draw_number(
            &mut sheet,
            &label,
            x + (THUMB_WIDTH - label_width) / 2,
            y + thumb.height() + 6,
        );
    }
    sheet
}

fn png(image: &RgbaImage) -> Vec<u8> {
    let mut bytes = std::io::Cursor::new(Vec::new());
    image
        .write_to(&mut bytes, image::ImageFormat::Png)
        .expect("encoding to memory cannot fail");
    bytes.into_inner()
}

/// Page numbers are drawn from a 3×5 pixel font: the image crate has no text,
/// and ten digits are all a contact sheet needs.
const DIGITS: [[u8; 5]; 10] = [
    [0b111, 0b101, 0b101, 0b101, 0b111],
    [0b010, 0b110, 0b010, 0b010, 0b111],
    [0b111, 0b001, 0b111, 0b100, 0b111],
    [0b111, 0b001, 0b111, 0b001, 0b111],
    [0b101, 0b101, 0b111, 0b001, 0b001],
    [0b111, 0b100, 0b111, 0b001, 0b111],
    [0b111, 0b100, 0b111, 0b101, 0b111],
    [0b111, 0b001, 0b010, 0b010, 0b010],
    [0b111, 0b101, 0b111, 0b101, 0b111],
    [0b111, 0b101, 0b111, 0b001, 0b111],
];
const SCALE: u32 = 3;
const DIGIT_ADVANCE: u32 = 4;

fn draw_number(image: &mut RgbaImage, text: &str, x: u32, y: u32) {
    for (i, digit) in text.bytes().filter(u8::is_ascii_digit).enumerate() {
        let glyph = DIGITS[(digit - b'0') as usize];
        for (row, bits) in glyph.iter().enumerate() {
            for column in 0..3 {
                if bits & (0b100 >> column) == 0 {
                    continue;
                }
                for dy in 0..SCALE {
                    for dx in 0..SCALE {
                        let px = x + (i as u32 * DIGIT_ADVANCE + column) * SCALE + dx;
                        let py = y + row as u32 * SCALE + dy;
                        if px < image.width() && py < image.height() {
                            image.put_pixel(px, py, Rgba([40, 40, 40, 255]));
                        }
                    }
                }
            }
        }
    }
}
