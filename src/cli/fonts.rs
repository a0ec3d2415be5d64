//! `folio fonts`: the fonts folio can use, with the scripts each covers;
//! `--missing`: the characters of the notes that none of them has.

use std::process::ExitCode;

use super::{BuildSettings, Format, exit};
use crate::fonts::{self, Coverage, Fonts};

pub fn run(settings: &BuildSettings, missing: bool, format: Format, verbose: bool) -> ExitCode {
    if missing {
        return run_missing(settings, format, verbose);
    }
    let mut report = crate::diag::Report::default();
    let root = settings.root.canonicalize().unwrap_or_else(|_| settings.root.clone());
    let config = crate::config::load(&root, &mut report);
    let system = settings.system_fonts || config.is_some_and(|c| c.book.system_fonts);
    let fonts = Fonts::load_with(&root, system);
    match format {
        Format::Human => print!("{}", fonts::table(&fonts)),
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(&fonts::families(&fonts)).expect("serialises")
        ),
    }
    ExitCode::from(exit::SUCCESS)
}

/// Every character no font has, per note and writing system. Problems
/// that keep notes from being read are reported as `folio check` would.
fn run_missing(settings: &BuildSettings, format: Format, verbose: bool) -> ExitCode {
    let checked = match super::check(settings) {
        Ok(checked) => checked,
        Err(err) => {
            eprintln!("error: {err}");
            return ExitCode::from(exit::FAILURE);
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
    ExitCode::from(if problems.has_errors() {
        exit::INPUT_ERRORS
    } else {
        exit::SUCCESS
    })
}
