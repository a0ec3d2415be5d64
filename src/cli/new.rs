//! `folio new <dir>`: a small working project to start from.

use std::path::Path;

/// The starter project's text files, compiled into the binary.
const FILES: &[(&str, &str)] = &[
    ("folio.toml", include_str!("starter/folio.toml")),
    (
        "notes/getting-started.md",
        include_str!("starter/notes/getting-started.md"),
    ),
    (
        "notes/writing-notes.md",
        include_str!("starter/notes/writing-notes.md"),
    ),
    (
        "notes/tables-and-figures.md",
        include_str!("starter/notes/tables-and-figures.md"),
    ),
    (".gitignore", include_str!("starter/gitignore")),
    ("output/.gitkeep", ""),
];

/// Writes the starter project into `dir`, which must be missing or empty.
/// `folio new DIR`: the starter project, and a line saying how to build it.
pub fn run(dir: &Path, quiet: bool) -> super::Outcome {
    match create(dir) {
        Ok(()) => {
            if !quiet {
                eprintln!(
                    "created a folio project in {}; build it with: cd {} && folio",
                    dir.display(),
                    dir.display()
                );
            }
            super::Outcome::Done
        }
        Err(message) => {
            eprintln!("error: {message}");
            super::Outcome::Usage
        }
    }
}

pub fn create(dir: &Path) -> Result<(), String> {
    if dir.exists() {
        let mut entries = std::fs::read_dir(dir)
            .map_err(|err| format!("cannot read {}: {err}", dir.display()))?;
        if entries.next().is_some() {
            return Err(format!(
                "{} is not empty; folio new only writes into a new or empty folder",
                dir.display()
            ));
        }
    }
    let write = |path: &str, bytes: &[u8]| -> Result<(), String> {
        let full = dir.join(path);
        if let Some(parent) = full.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|err| format!("cannot create {}: {err}", parent.display()))?;
        }
        std::fs::write(&full, bytes)
            .map_err(|err| format!("cannot write {}: {err}", full.display()))
    };
    for (path, text) in FILES {
        write(path, text.as_bytes())?;
    }
    write("notes/images/chart.png", &chart_png())
}

/// A bar chart for the example figure, drawn rather than shipped; wide
/// enough to print sharply across the text width.
fn chart_png() -> Vec<u8> {
    let (width, height) = (1200u32, 560u32);
    let values = [3u32, 5, 4, 7, 6, 9];
    let mut image = image::RgbImage::from_pixel(width, height, image::Rgb([255, 255, 255]));
    let bar = width / (values.len() as u32 * 2 + 1);
    for (i, value) in values.iter().enumerate() {
        let left = bar * (2 * i as u32 + 1);
        let top = height - 40 - value * 55;
        for x in left..left + bar {
            for y in top..height - 40 {
                image.put_pixel(x, y, image::Rgb([29, 79, 115]));
            }
        }
    }
    for x in 20..width - 20 {
        for y in height - 40..height - 37 {
            image.put_pixel(x, y, image::Rgb([60, 60, 60]));
        }
    }
    let mut bytes = std::io::Cursor::new(Vec::new());
    image
        .write_to(&mut bytes, image::ImageFormat::Png)
        .expect("encoding to memory cannot fail");
    bytes.into_inner()
}
