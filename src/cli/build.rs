//! `folio build`: runs the pipeline stages in order. Orchestration only.

use std::path::PathBuf;
use std::time::Instant;

use crate::diag::Report;
use crate::render::Written;
use crate::{book, config, links, notes, render};

#[derive(Debug, Clone)]
pub struct BuildSettings {
    pub root: PathBuf,
    /// Default: `<root>/output`.
    pub out: Option<PathBuf>,
}

#[derive(Debug)]
pub struct BuildOutcome {
    pub report: Report,
    pub written: Vec<Written>,
    /// An error was about writing output, not about the input.
    pub io_failed: bool,
    pub seconds: f64,
}

impl BuildOutcome {
    /// "1 file, 24 pages in 0.84 s".
    pub fn summary(&self) -> String {
        let files = self.written.len();
        let pages: usize = self.written.iter().map(|w| w.pages).sum();
        format!(
            "{files} file{}, {pages} page{} in {:.2} s",
            if files == 1 { "" } else { "s" },
            if pages == 1 { "" } else { "s" },
            self.seconds
        )
    }
}

/// Builds every pack. Input errors come back in the report (and then nothing
/// is written); `Err` is only for failures unrelated to the input.
pub fn build(settings: &BuildSettings) -> std::io::Result<BuildOutcome> {
    let started = Instant::now();
    let root = settings.root.canonicalize().map_err(|err| {
        std::io::Error::new(err.kind(), format!("cannot open project folder {}: {err}", settings.root.display()))
    })?;
    let out_dir = settings.out.clone().unwrap_or_else(|| root.join("output"));
    let mut report = Report::default();
    let finish = |report: Report, written: Vec<Written>, io_failed: bool| {
        let mut report = report;
        report.sort();
        Ok(BuildOutcome { report, written, io_failed, seconds: started.elapsed().as_secs_f64() })
    };

    let config = config::load(&root, &mut report);
    let corpus = notes::load(&root, &mut report);
    let graph = links::resolve(&corpus, &mut report);
    let Some(config) = config else {
        return finish(report, Vec::new(), false);
    };
    let project_name = root.file_name().map_or_else(|| "Notes".to_string(), |n| n.to_string_lossy().into_owned());
    let plans = book::plan(&config, &corpus, &graph, &project_name, &mut report);
    if report.has_errors() {
        return finish(report, Vec::new(), false);
    }

    let base = render::base(&root, &corpus);
    let built = render::build_all(&base, &plans, &corpus, &out_dir, &mut report);
    finish(report, built.written, built.io_failed)
}
