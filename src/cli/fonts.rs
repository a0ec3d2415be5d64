//! `folio fonts`: the fonts folio can use, with the scripts each covers;
//! `--missing`: the characters of the notes that none of them has.

use std::path::Path;

use super::{Format, Outcome};
use crate::fonts::{self, Coverage, Fonts};
use crate::project::{BuildOptions, Project};

pub fn run(
    root: &Path,
    system_fonts: bool,
    missing: bool,
    format: Format,
    verbose: bool,
) -> Outcome {
    if missing {
        return run_missing(root, system_fonts, format, verbose);
    }
    let mut report = crate::diag::Report::default();
    let root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    let config = crate::config::load(&root, &mut report);
    let system = system_fonts || config.is_some_and(|c| c.book.system_fonts);
    let fonts = Fonts::load_with(&root, system);
    match format {
        Format::Human => print!("{}", fonts::table(&fonts)),
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(&fonts::families(&fonts)).expect("serialises")
        ),
    }
    Outcome::Done
}

/// Every character no font has, per note and writing system. Problems
/// that keep notes from being read are reported as `folio check` would.
fn run_missing(root: &Path, system_fonts: bool, format: Format, verbose: bool) -> Outcome {
    let options = BuildOptions {
        system_fonts,
        ..BuildOptions::default()
    };
    let checked = match Project::load(root).and_then(|p| p.check(&options)) {
        Ok(checked) => checked,
        Err(err) => {
            eprintln!("error: {err}");
            return Outcome::Failed;
        }
    };
    let mut scratch = crate::diag::Report::default();
    let config = crate::config::load(&checked.root, &mut scratch);
    let coverage = Coverage::of(&checked.fonts);
    let sources = &checked.report.sources;
    let missing = fonts::find_missing(&checked.corpus, config.as_ref(), sources, &coverage);
    let mut problems = checked.report.clone();
    problems.diagnostics.retain(|d| d.is_error());
    super::print_report(&problems, verbose);
    match format {
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(&fonts::missing_json(&missing, sources))
                .expect("serialises")
        ),
        Format::Human if missing.is_empty() => {
            eprintln!("every character of the notes has a font")
        }
        Format::Human => print!("{}", fonts::missing_table(&missing, sources)),
    }
    if problems.has_errors() {
        Outcome::InputErrors
    } else {
        Outcome::Done
    }
}
